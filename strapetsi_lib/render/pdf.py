"""A PDF beside each HTML report, printed by headless Chromium, and the print header rule.

Chromium prints the report with the stylesheet's print rules (A4, page numbers, figures and tables
kept whole). Its PDF is tagged (a structure tree for screen readers), carries the page's ``lang``
as the document language, keeps the text selectable and has an outline made from the headings.
nbconvert's ``webpdf`` exporter is not used: it wants Playwright's own Chromium download, which an
offline machine cannot fetch; the machine's own Chromium (or Chrome) is run directly instead,
found by :func:`find_chromium`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from strapetsi_lib.errors import StrapetsiError
from strapetsi_lib.files import write_atomic

__all__ = ["CHROMIUM_VARIABLE", "ChromiumMissing", "PdfError", "find_chromium",
           "page_header_css", "write_pdf"]

#: The environment variable that names the Chromium (or Chrome) executable to print with.
CHROMIUM_VARIABLE = "STRAPETSI_CHROMIUM"
#: Names looked up on ``PATH``, in this order, when the variable is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: Headless printing with nothing fetched from elsewhere and no browser-made header or footer
#: (the report's own @page rules give the title and the page numbers).
_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-pdf-header-footer", "--generate-pdf-document-outline")
#: Seconds one report may take to print.
TIMEOUT = 180


class PdfError(StrapetsiError):
    """A report could not be printed to PDF.

    Parameters
    ----------
    html
        The report that was printed.
    reason
        What went wrong, e.g. Chromium's last output lines.
    """

    def __init__(self, html: str | Path, reason: str):
        self.html = str(html)
        self.reason = reason
        super().__init__(f"could not print {self.html} to PDF: {reason}")


class ChromiumMissing(StrapetsiError):
    """No Chromium to print with: the one line says where it was looked for and how to name it.

    Parameters
    ----------
    reason
        What was wrong: the variable names no executable file, or none was found.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"{reason}; install Chromium (e.g. apt-get install chromium) or set "
                         f"{CHROMIUM_VARIABLE} to its executable")


def _usual_places(platform: str, environ: Mapping[str, str]) -> list[Path]:
    """Where Chromium or Chrome is installed by default on ``platform``, in preference order."""
    if platform == "darwin":
        return [Path("/Applications/Chromium.app/Contents/MacOS/Chromium"),
                Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")]
    if platform.startswith("win"):
        roots = [environ.get(name) for name in ("LOCALAPPDATA", "PROGRAMFILES",
                                                "PROGRAMFILES(X86)")]
        return [Path(root, *tail) for root in roots if root
                for tail in (("Chromium", "Application", "chrome.exe"),
                             ("Google", "Chrome", "Application", "chrome.exe"))]
    return [Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"),
            Path("/snap/bin/chromium"), Path("/usr/bin/google-chrome"),
            Path("/opt/google/chrome/chrome")]


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_chromium(environ: Mapping[str, str] | None = None,
                  platform: str = sys.platform) -> Path:
    """The Chromium (or Chrome) that prints the PDFs.

    Looked for in this order: the file named by ``$STRAPETSI_CHROMIUM``; ``chromium``,
    ``chromium-browser``, ``google-chrome`` and ``chrome`` on ``PATH``; the platform's usual
    places (``/usr/bin/chromium``, ``/Applications/Google Chrome.app/...``,
    ``%PROGRAMFILES%\\Google\\Chrome\\Application\\chrome.exe`` and the like).

    Parameters
    ----------
    environ
        The environment to read (default ``os.environ``).
    platform
        ``sys.platform`` of the machine whose usual places to look in.

    Raises
    ------
    ChromiumMissing
        When the variable names no executable file (it is never overridden by a guess), or
        nothing is found.
    """
    environ = os.environ if environ is None else environ
    named = environ.get(CHROMIUM_VARIABLE, "").strip()
    if named:
        path = Path(named).expanduser()
        if not _executable(path):
            raise ChromiumMissing(f"{CHROMIUM_VARIABLE}={named} is not an executable file")
        return path
    search = environ.get("PATH", os.defpath)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=search)
        if found:
            return Path(found)
    for path in _usual_places(platform, environ):
        if _executable(path):
            return path
    raise ChromiumMissing(f"Chromium was not found ({CHROMIUM_VARIABLE} is not set, none of "
                          f"{', '.join(CHROMIUM_NAMES)} is on PATH, and it is not in the usual "
                          "places)")


def _css_string(value: str) -> str:
    """``value`` as a CSS string literal that cannot end the string or the ``<style>``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + " ".join(escaped.split()) + '"'


def page_header_css(title: str) -> str:
    """The print rule that repeats the report's title (with the provider's name) on every page.

    Chromium supports ``@page`` margin boxes but not ``string-set``, so the title is written into
    the rule of each report rather than taken from its ``<h1>``.
    """
    return ("@page { @top-left { content: " + _css_string(title) + "; font-size: 9pt;"
            " color: #4a4a4a; font-family: system-ui, \"DejaVu Sans\", Arial, sans-serif; } }")


def write_pdf(html: str | Path, pdf: str | Path | None = None, *,
              chromium: str | Path | None = None, timeout: float = TIMEOUT,
              work_dir: str | Path | None = None) -> Path:
    """Print an HTML report to a PDF with headless Chromium.

    Parameters
    ----------
    html
        The report's HTML file.
    pdf
        Where to write; default the HTML's path with ``.pdf``. Written atomically: a failed
        print leaves no PDF and keeps an earlier one.
    chromium
        The Chromium executable (default :func:`find_chromium`).
    timeout
        Seconds before the print is given up.
    work_dir
        Folder for Chromium's profile and the printed file while it prints (default the
        system's temporary folder); removed afterwards.

    Returns
    -------
    Path
        The PDF.

    Raises
    ------
    PdfError
        If Chromium is missing, cannot start, fails, times out or writes no PDF; its
        ``reason`` is one line.
    """
    html = Path(html).resolve()
    target = Path(pdf) if pdf is not None else html.with_suffix(".pdf")
    if chromium is None:
        try:
            chromium = find_chromium()
        except ChromiumMissing as exc:
            raise PdfError(html, exc.reason) from None
    elif not Path(chromium).exists():
        raise PdfError(html, f"Chromium is not installed at {chromium} (apt-get install chromium)")
    if not html.is_file():
        raise PdfError(html, "the HTML file does not exist")
    with tempfile.TemporaryDirectory(prefix="strapetsi-pdf-", dir=work_dir) as work:
        printed = Path(work) / "report.pdf"
        command = [str(chromium), *_ARGS, f"--user-data-dir={Path(work) / 'profile'}",
                   f"--print-to-pdf={printed}", html.as_uri()]
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, errors="replace", timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(html, f"Chromium did not finish in {timeout:g} s") from exc
        except OSError as exc:  # not executable, not a program for this machine, ...
            raise PdfError(html, f"Chromium ({Path(chromium).name}) could not be started: "
                           f"{exc.strerror or exc}") from exc
        if result.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            lines = (result.stderr or "").strip().splitlines()
            said = f": {lines[-1].strip()}" if lines else ""
            raise PdfError(html, f"Chromium ({Path(chromium).name}) exited with "
                           f"{result.returncode} without a PDF{said}")
        return write_atomic(target, printed.read_bytes())
