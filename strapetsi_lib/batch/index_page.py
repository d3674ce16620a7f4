"""``index.html`` of a run: every report with its provider, language and status, linked.

The page is for the network's coordinator (it names providers) and is built from the run's
manifest alone, so the two never disagree. It is self-contained (inline CSS, no scripts, no
request to any other host) and accessible: ``lang`` set, one ``h1``, a table with a caption and
header cells, status in words (not colour alone), provider names marked with their language.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from strapetsi_lib.batch.manifest import FAILED, INTERRUPTED, NOT_RUN, OK, SKIPPED
from strapetsi_lib.files import write_atomic

INDEX = "index.html"

_STATUS_TEXT = {
    OK: "ok",
    FAILED: "failed",
    SKIPPED: "skipped (unchanged)",
    NOT_RUN: "not run",
    INTERRUPTED: "interrupted",
}
_LANGUAGE_NAMES = {"fi": "suomi (fi)", "sv": "svenska (sv)", "en": "English (en)"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:80rem;padding:0 1rem;color:#1a1a1a;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef1f5}
tbody th{font-weight:normal;font-family:ui-monospace,monospace;white-space:nowrap}
.status{font-weight:600;white-space:nowrap}
.status-failed,.status-interrupted{color:#a40000}
.status-ok{color:#1d5e20}
.cause{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.85rem;margin:0}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
a{color:#0b5394}
@media print{a{color:inherit}body{margin:0}}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _link(href: str | None, text: str) -> str:
    return f'<a href="{_e(href)}">{_e(text)}</a>' if href else _e(text)


def _seconds(value: Any) -> str:
    return f"{float(value):.1f}" if isinstance(value, int | float) else ""


def _report_cell(entry: Any) -> str:
    files = entry.files
    html_name = entry.html if entry.html in files else None
    if html_name is None and entry.earlier_html:
        return "earlier report: " + _link(entry.earlier_html, entry.earlier_html)
    if html_name is None:
        return "no report"
    parts = [_link(html_name, html_name)]
    if entry.notebook in files:
        parts.append(_link(entry.notebook, entry.notebook))
    earlier = "earlier report: " if entry.status in (FAILED, INTERRUPTED, NOT_RUN) else ""
    return earlier + "<br>".join(parts)


def _failure_cell(entry: Any) -> str:
    error = entry.error
    note = entry.note
    if not error:
        return _e(note) if note else ""
    parts = [f'<p class="cause">{_e(error.cause)}</p>']
    if error.cell:
        parts.append(f"<p>Failing cell: <code>{_e(error.cell)}</code></p>")
    if error.failed_notebook:
        parts.append(f"<p>{_link(error.failed_notebook, 'executed notebook (failed)')}</p>")
    if entry.earlier_html:
        parts.append(f"<p>The earlier report is kept: "
                     f"{_link(entry['earlier_html'], entry['earlier_html'])}</p>")
    if note:
        parts.append(f"<p>{_e(note)}</p>")
    return "".join(parts)


def _row(entry: Any) -> str:
    status = entry.status
    language = entry.language or ""
    own = entry.provider_language or ""  # the name is in the provider's language
    name_lang = f' lang="{_e(own)}"' if own else ""
    timing = _seconds(entry.seconds)
    produced = (entry.produced or {}).get("seconds")
    if not timing and produced is not None:  # skipped: the time it took when it was made
        timing = f"({_seconds(produced)} earlier)"
    return (
        "<tr>"
        f'<th scope="row">{_e(entry.id)}</th>'
        f"<td{name_lang}>{_e(entry.name)}</td>"
        f"<td>{_e(_LANGUAGE_NAMES.get(language, language))}</td>"
        f'<td class="status status-{_e(status)}">{_e(_STATUS_TEXT.get(status, status))}</td>'
        f"<td>{_report_cell(entry)}</td>"
        f"<td>{_failure_cell(entry)}</td>"
        f"<td>{_e(timing)}</td>"
        "</tr>"
    )


def render_index(manifest: Any) -> str:
    """The index page of a run, from its manifest.

    Parameters
    ----------
    manifest
        The run's manifest (:mod:`strapetsi_lib.batch.manifest`).

    Returns
    -------
    str
        A complete, self-contained HTML page.
    """
    run, dataset, reports, counts = (manifest.run, manifest.dataset, manifest.reports,
                                     manifest.summary)
    title = f"Reports of {dataset.get('name') or 'the dataset'}"
    summary = ", ".join(f"{n} {_STATUS_TEXT.get(status, status)}"
                        for status, n in sorted(counts.items())) or "no reports"
    failed = [entry for entry in reports if entry.status in (FAILED, INTERRUPTED)]
    headline = (f"{len(failed)} report(s) failed; see the table below." if failed
                else "Every report of this run is in place.")
    rows = "\n".join(_row(entry) for entry in reports)
    details = [
        ("Run status", run.get("status")),
        ("Started", run.get("started")),
        ("Finished", run.get("finished")),
        ("Dataset", dataset.get("path")),
        ("Reports", summary),
        ("Record", None),
    ]
    dl = "".join(f"<dt>{_e(term)}</dt><dd>{_e(value)}</dd>" for term, value in details[:-1])
    dl += f"<dt>Record</dt><dd>{_link('manifest.json', 'manifest.json')} (inputs, hashes, " \
          f"parameters, versions, timings)</dd>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_e(title)}</h1>\n<p>{_e(headline)}</p>\n<dl>{dl}</dl>\n"
        "<table>\n<caption>Reports of this run, by provider</caption>\n<thead><tr>"
        '<th scope="col">Provider ID</th><th scope="col">Name</th>'
        '<th scope="col">Language</th><th scope="col">Status</th>'
        '<th scope="col">Files</th><th scope="col">Failure or note</th>'
        '<th scope="col">Seconds</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )


def write_index(out_dir: Path, manifest: Any, language: str = "fi") -> Path:
    """Write ``index.html`` into ``out_dir`` atomically."""
    return write_atomic(Path(out_dir) / INDEX, render_index(manifest))
