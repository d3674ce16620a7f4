"""Helpers for tests that open reports in headless Chromium (Playwright) and run axe-core.

Import from a test module as ``from browser import ...`` (pytest puts ``tests/`` on
``sys.path``). Tests using these helpers should carry ``@pytest.mark.browser`` and
``@requires_chromium``; they are skipped only when no Chromium is found (``$STRAPETSI_CHROMIUM``,
``PATH`` or its usual places, as the workbench looks for it).

The machine has no network: outside requests are recorded and aborted, never sent, so a page
that would fetch something from another host fails fast instead of waiting for a timeout.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest


def _chromium() -> Path:
    """The Chromium the workbench prints with (``render.pdf.find_chromium``), or where Debian
    puts it when there is none (the tests that need it are then skipped)."""
    from strapetsi_lib.render.pdf import ChromiumMissing, find_chromium

    try:
        return find_chromium()
    except ChromiumMissing:
        return Path("/usr/bin/chromium")


CHROMIUM = _chromium()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Hosts a report page may talk to: none but the local machine.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", ""})
#: axe-core impacts that fail a report.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

#: The small report notebook the export and browser tests render.
SAMPLE_NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "export_sample.ipynb"
SAMPLE_PARAMETERS = {"provider_id": "0123456-7", "language": "fi"}
SAMPLE_ALT = ("Pylväskuva vastaajista rooleittain (0123456-7): eniten opettajat (30), "
              "yhteensä 50.")
_samples: dict[str, Any] = {}

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM}"
)


def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Render the sample notebook once per test session (a kernel start costs seconds).

    Returns the :class:`strapetsi_lib.render.export.ReportResult`; treat its files as read-only.
    """
    if "fi" not in _samples:
        from strapetsi_lib.render.export import render_report

        out_dir = tmp_path_factory.mktemp("sample_report")
        _samples["fi"] = render_report(SAMPLE_NOTEBOOK, SAMPLE_PARAMETERS, out_dir, "sample",
                                       "fi")
    return _samples["fi"]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (``playwright.sync_api.Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


def is_local(url: str) -> bool:
    """Whether loading ``url`` stays on this machine (``file:``, ``data:``, ``blob:``,
    ``about:`` or an http(s) address on 127.0.0.1 / localhost)."""
    parts = urlsplit(url)
    if parts.scheme in {"file", "data", "blob", "about"}:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in LOCAL_HOSTS


def outside_requests(requests: list[str]) -> list[str]:
    """The requests in ``requests`` that leave the machine."""
    return [url for url in requests if not is_local(url)]


def _url(path: str | Path) -> str:
    text = str(path)
    return text if "://" in text else Path(text).resolve().as_uri()


def _load(browser: Any, path: str | Path) -> tuple[Any, list[str], list[str]]:
    """Open ``path`` in a new page; record every request and every failed one."""
    page = browser.new_page()
    requests: list[str] = []
    failed: list[str] = []

    def on_request(request: Any) -> None:
        requests.append(request.url)

    def on_failed(request: Any) -> None:
        failed.append(f"{request.url} ({request.failure})")

    def guard(route: Any) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.route("**/*", guard)
    page.goto(_url(path), wait_until="load")
    with contextlib.suppress(Exception):  # a page with nothing in flight is idle at once
        page.wait_for_load_state("networkidle", timeout=5_000)
    return page, requests, failed


@contextlib.contextmanager
def _browser(browser: Any | None) -> Iterator[Any]:
    if browser is not None:
        yield browser
    else:
        with chromium() as launched:
            yield launched


def open_report(path: str | Path, browser: Any | None = None) -> tuple[list[str], list[str]]:
    """Open a report in headless Chromium and record the requests it makes.

    Parameters
    ----------
    path
        An HTML file, or a URL (e.g. on a local ``http.server`` at 127.0.0.1).
    browser
        A browser from :func:`chromium` to reuse (launching one takes a second or two);
        ``None`` launches one for this call.

    Returns
    -------
    requests, failed_requests
        Every requested URL (the page itself included), and every request that failed as
        ``"URL (reason)"``. Requests to other hosts are aborted, so they appear in both.
    """
    with _browser(browser) as active:
        page, requests, failed = _load(active, path)
        page.close()
    return requests, failed


@functools.cache
def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()  # carries the axe.min.js shipped in the package: no download


def axe_violations(path: str | Path, options: dict | None = None,
                   browser: Any | None = None) -> list[dict]:
    """Run axe-core on a report and return its violations.

    Parameters
    ----------
    path
        An HTML file or a URL.
    options
        axe ``run`` options; default reports violations only.
    browser
        A browser from :func:`chromium` to reuse; ``None`` launches one for this call.

    Returns
    -------
    list of dict
        axe's violation objects (``id``, ``impact``, ``help``, ``nodes`` ...).
    """
    with _browser(browser) as active:
        page, _, _ = _load(active, path)
        results = _axe().run(page, options=options or {"resultTypes": ["violations"]})
        page.close()
    return list(results.response["violations"])


def blocking(violations: list[dict]) -> list[dict]:
    """The violations with impact ``serious`` or ``critical``."""
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """One line per violation and node, for assertion messages."""
    lines = []
    for violation in violations:
        for node in violation.get("nodes", []):
            lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']} "
                         f"at {', '.join(map(str, node.get('target', [])))}")
    return "\n".join(lines)
