"""``index.html`` of a run: the coordinator's page of every report, failures first.

The page is for the network's coordinator: it names providers and gives the key from each
provider to its code in the network report, so it is not sent to providers (see
:mod:`strapetsi_lib.batch.layout`). It is written in the coordinator's language (``strapetsi
run --language``, Finnish by default; words in ``texts/index_texts.yml``) and built from the
run's manifest alone, so the two never disagree.

Order: the network report first, then the providers that may need support (section
``id="needs-support"``, with the reasons :mod:`strapetsi_lib.present.support` found, kept in
the manifest's ``run["needs_support"]`` by the run that prepared the tables), then the reports
that failed (with their cause and cell), then those made in this run, those unchanged, those
from earlier runs, those missing; after a run of some providers the others are one closed
``<details>`` group, each with its status, not a section each. Grouping by status stands in for
sorting and filtering, so the page needs no script. Within a group, providers are in name order
as a Finnish or Swedish reader looks them up (:func:`strapetsi_lib.present.i18n.name_order`);
each row starts with the provider's name, the link to its report, so that the link is in sight
on a phone.

What the page says of a report rests on its files as they are when the page is written
(:func:`reports_on_disk`), not only on the manifest: a report whose HTML is in the folder but
that this run neither made nor found up to date (made by an earlier run from other inputs, or
by another installation of the workbench writing into the same folder) is listed with a link
and the time its file was written, as "from an earlier run"; only a report without its file
is "missing".

It is self-contained (inline CSS; a Content-Security-Policy that allows no script and no
request to any other host) and accessible: ``lang`` set, one ``h1``, tables with captions and
header cells, status in words (not colour alone), provider names marked with their language.
Every data-derived string is escaped; times are local, to the minute; no absolute path.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from strapetsi_lib.batch import layout
from strapetsi_lib.batch.manifest import (
    FAILED,
    HELD,
    INTERRUPTED,
    NETWORK,
    NOT_RUN,
    OK,
    RUNNING,
    SKIPPED,
    Manifest,
    ReportEntry,
)
from strapetsi_lib.files import PRIVATE_FILE_MODE, write_atomic

INDEX = layout.INDEX_FILE

#: The content security policy of the page: nothing runs, nothing is fetched.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " \
      "form-action 'none'"

#: What the page shows, besides the manifest's statuses, for a report this run neither made nor
#: found up to date: its file is in the folder (from an earlier run), or it is not.
EARLIER, MISSING = "earlier", "missing"

_STATUS_KEY = {OK: "index_status_ok", FAILED: "index_status_failed",
               SKIPPED: "index_status_skipped", EARLIER: "index_status_earlier",
               MISSING: "index_status_missing", INTERRUPTED: "index_status_interrupted",
               RUNNING: "index_status_running", HELD: "index_status_held"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:80rem;padding:0 1rem;color:#1a1a1a;line-height:1.45}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem;margin:.5rem 0 1.5rem}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:break-word;-webkit-hyphens:auto;hyphens:auto}
thead th{background:#eef1f5}
tbody th{font-weight:normal}
.id{font-family:ui-monospace,monospace;white-space:nowrap}
.no-report{white-space:nowrap}
.status{font-weight:600;white-space:nowrap}
.status-failed,.status-interrupted{color:#a40000}
.status-ok{color:#1d5e20}
.cause{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.85rem;margin:0}
.private{border-left:4px solid #a40000;padding-left:.75rem}
.reasons{margin:0;padding-left:1.1rem}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
summary{cursor:pointer;font-weight:600;font-size:1.1rem;margin:.5rem 0}
a{color:#0b5394}
@media (max-width:40rem){
body{margin:1rem auto;padding:0 .75rem}
table,thead,tbody,tr,th,td{display:block}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
clip-path:inset(50%);white-space:nowrap}
caption{display:block}
tr{border:1px solid #bbb;border-top:0;padding:.4rem .5rem}
tbody tr:first-child{border-top:1px solid #bbb}
th,td{border:0;padding:.1rem 0}
td{display:inline-block;margin-right:1rem}
td.long{display:block;margin-right:0}
tbody th{font-weight:600}
td::before{content:attr(data-label) ": ";color:#555}
dl{grid-template-columns:1fr}
dd{margin-bottom:.3rem}
}
@media print{a{color:inherit}body{margin:0}details{display:block}}
"""


def _t(key: str, language: str, /, **values: object) -> str:
    from strapetsi_lib.present.i18n import text

    return text(key, language, **values)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _link(href: str | None, label: str) -> str:
    return f'<a href="{_e(href)}">{_e(label)}</a>' if href else _e(label)


def local_time(value: str | None, language: str) -> str:
    """An ISO 8601 time of the manifest as local time to the minute, in ``language``."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value).astimezone()
    except ValueError:
        return ""
    return _t("index_time", language, day=moment.day, month=moment.month, year=moment.year,
              hour=moment.hour, minute=f"{moment.minute:02d}")


#: Reports whose HTML is in the run folder, by id, with the time the file was written (ISO
#: 8601; ``None`` where only the manifest was asked).
OnDisk = dict[str, str | None]


def reports_on_disk(out_dir: Path, reports: list[ReportEntry]) -> OnDisk:
    """The reports whose HTML file is in ``out_dir`` now, with the time it was written.

    The files say what is there, whichever run or installation wrote them; the manifest only
    says what this installation made or vouched for.
    """
    found: OnDisk = {}
    for entry in reports:
        try:
            written = (Path(out_dir) / entry.html).stat().st_mtime
        except OSError:
            continue
        found[entry.id] = dt.datetime.fromtimestamp(written).astimezone().isoformat(
            timespec="seconds")
    return found


def _recorded_on_disk(reports: list[ReportEntry]) -> OnDisk:
    """What the manifest alone says is on disk (for a page rendered without the folder)."""
    return {e.id: None for e in reports
            if e.files.get(e.html) is not None or e.earlier_html}


def shown_status(entry: ReportEntry, on_disk: OnDisk) -> str:
    """The status the page shows: the manifest's, except for a report this run neither made
    nor found up to date (or whose file has gone since): :data:`EARLIER` when its HTML is in the
    folder, :data:`MISSING` when it is not."""
    if entry.status == NOT_RUN or (entry.status in (OK, SKIPPED) and entry.id not in on_disk):
        return EARLIER if entry.id in on_disk else MISSING
    return entry.status


def _status(entry: ReportEntry, language: str, on_disk: OnDisk) -> str:
    status = shown_status(entry, on_disk)
    key = _STATUS_KEY.get(status)
    words = _t(key, language) if key else status
    if status == EARLIER and on_disk.get(entry.id):
        words = _t("index_written_at", language, status=words,
                   time=local_time(on_disk[entry.id], language))
    return f'<span class="status status-{_e(status)}">{_e(words)}</span>'


def _report(entry: ReportEntry, language: str, on_disk: OnDisk,
            label: str | None = None) -> str:
    """``label`` (default: the provider's name, in its own language), a link to the report
    when its file is there."""
    name_lang = f' lang="{_e(entry.provider_language)}"' if entry.provider_language else ""
    label = entry.name if label is None else label
    if entry.id in on_disk:
        return f'<a href="{_e(entry.html)}"{name_lang}>{_e(label)}</a>'
    # the note kept with the name, so that a narrow cell never leaves it on a line of its own
    return (f"<span{name_lang}>{_e(label)}</span>\u00a0"
            f'<span class="no-report">({_e(_t("index_no_report", language))})</span>')


def _in_name_order(entries: list[ReportEntry]) -> list[ReportEntry]:
    from strapetsi_lib.present.i18n import name_order

    return sorted(entries, key=lambda e: (name_order(e.name or ""), e.id))


def _cause(entry: ReportEntry, language: str, on_disk: OnDisk) -> str:
    error = entry.error
    if error is None:
        if entry.status == HELD:  # why, and that the published version stays
            return f'<p class="cause">{_e(entry.note)}</p>'
        key = "index_interrupted_note" if entry.status == INTERRUPTED else None
        return f"<p>{_e(_t(key, language))}</p>" if key else ""
    parts = [f'<p class="cause">{_e(error.cause)}</p>']
    if error.cell:
        parts.append(f"<p>{_e(_t('index_failing_cell', language, cell=error.cell))}</p>")
    if error.failed_notebook:
        parts.append(f"<p>{_link(error.failed_notebook, _t('index_failed_notebook', language))}"
                     "</p>")
    if entry.earlier_html and entry.id in on_disk:
        parts.append(f"<p>{_e(_t('index_earlier_kept', language))}</p>")
    return "".join(parts)


def names_providers(network: ReportEntry | None, options: dict) -> bool:
    """Whether the network report names the providers (``--name-providers``): its own
    parameters when it has been made, else the run's option. Its codes are then no key to
    anything, and the index leaves them out."""
    parameters = (network.parameters or {}) if network is not None else {}
    return bool(parameters.get("name_providers", options.get("name_providers", False)))


def _table(caption: str, entries: list[ReportEntry], language: str, on_disk: OnDisk, *,
           with_cause: bool = False, with_status: bool = False,
           with_code: bool = True) -> str:
    columns = ["index_col_name", "index_col_id"] + (["index_col_code"] if with_code else [])
    columns += ["index_col_language"]
    columns += ["index_col_status"] if with_status else []
    columns += ["index_col_cause"] if with_cause else []
    labels = {c: _e(_t(c, language)) for c in columns}
    head = "".join(f'<th scope="col">{label}</th>' for label in labels.values())
    rows = []
    for entry in _in_name_order(entries):
        report_language = (_t(f"index_language_{entry.language}", language)
                           if entry.language in ("fi", "sv", "en") else entry.language)
        cells = [f'<th scope="row">{_report(entry, language, on_disk)}</th>',
                 f'<td class="id" data-label="{labels["index_col_id"]}">{_e(entry.id)}</td>']
        if with_code:
            cells.append(f'<td data-label="{labels["index_col_code"]}">{_e(entry.code)}</td>')
        cells.append(f'<td data-label="{labels["index_col_language"]}">'
                     f"{_e(report_language)}</td>")
        if with_status:
            cells.append(f'<td data-label="{labels["index_col_status"]}">'
                         f"{_status(entry, language, on_disk)}</td>")
        if with_cause:
            cells.append(f'<td class="long" data-label="{labels["index_col_cause"]}">'
                         f"{_status(entry, language, on_disk)}"
                         f"{_cause(entry, language, on_disk)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table>\n<caption>{_e(caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) +
            "\n</tbody>\n</table></div>\n")


def _support_section(manifest: Manifest, providers: list[ReportEntry], language: str,
                     on_disk: OnDisk) -> str:
    """The providers that may need support, with the reasons the run recorded
    (``run["needs_support"]``, :func:`strapetsi_lib.present.support.needs_support`), by name;
    nothing when no run has recorded them."""
    from strapetsi_lib.present.support import FALLING_RATE_POINTS

    recorded = manifest.run.get("needs_support")
    if not isinstance(recorded, dict):
        return ""
    listed, rules = recorded.get("providers", []), recorded.get("rules", {})
    heading = _e(_t("index_support_heading", language))
    intro = _t("index_support_text", language, points=FALLING_RATE_POINTS,
               min_group=rules.get("min_group", ""), low_rate=rules.get("low_rate", ""))
    parts = [f'<section id="needs-support">\n<h2>{heading}</h2>\n<p>{_e(intro)}</p>\n']
    by_id = {entry.id: entry for entry in providers}
    rows = []
    for item in listed:
        entry = by_id.get(str(item.get("id")))
        if entry is None:
            continue
        reasons = "".join(f"<li>{_e(reason)}</li>" for reason in item.get("reasons", []))
        rows.append((entry, f'<tr><th scope="row">{_report(entry, language, on_disk)}</th>'
                            f'<td class="long" data-label="{_e(_t("index_col_reason", language))}">'
                            f'<ul class="reasons">{reasons}</ul></td></tr>'))
    if not rows:
        parts.append(f"<p>{_e(_t('index_support_none', language))}</p>\n")
    else:
        order = {entry.id: k for k, entry in enumerate(_in_name_order([e for e, _ in rows]))}
        rows.sort(key=lambda pair: order[pair[0].id])
        caption = _t("index_support_caption", language, count=len(rows))
        parts.append(f'<div class="scroll"><table>\n<caption>{_e(caption)}</caption>\n'
                     f'<thead><tr><th scope="col">{_e(_t("index_col_name", language))}</th>'
                     f'<th scope="col">{_e(_t("index_col_reason", language))}</th></tr></thead>'
                     "\n<tbody>\n" + "\n".join(row for _, row in rows) +
                     "\n</tbody>\n</table></div>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _network_section(network: ReportEntry | None, language: str, on_disk: OnDisk) -> str:
    heading = _e(_t("index_network_heading", language))
    if network is None:
        return f"<section>\n<h2>{heading}</h2>\n<p>{_e(_t('index_network_none', language))}" \
               "</p>\n</section>\n"
    body = (f"<p>{_report(network, language, on_disk, network.html)} "
            f"{_status(network, language, on_disk)}"
            "</p>")
    if network.status in (FAILED, INTERRUPTED, HELD):
        body += _cause(network, language, on_disk)
    elif network.note and network.status == NOT_RUN and network.id not in on_disk:
        body += f"<p>{_e(_t('index_network_notebook_missing', language))}</p>"
    return f"<section>\n<h2>{heading}</h2>\n{body}\n</section>\n"


def render_index(manifest: Manifest, language: str = "fi", on_disk: OnDisk | None = None) -> str:
    """The index page of a run, from its manifest and the report files in its folder.

    Parameters
    ----------
    manifest
        The run's manifest (:mod:`strapetsi_lib.batch.manifest`).
    language
        The coordinator's language (``fi``, ``sv`` or ``en``).
    on_disk
        The reports whose HTML is in the folder (:func:`reports_on_disk`); default what the
        manifest records.

    Returns
    -------
    str
        A complete, self-contained HTML page.
    """
    run, dataset = manifest.run, manifest.dataset
    reports = manifest.reports
    network = next((e for e in reports if e.kind == NETWORK), None)
    providers = [e for e in reports if e.kind != NETWORK]
    failed = [e for e in reports if e.status in (FAILED, INTERRUPTED)]
    failed_providers = [e for e in providers if e in failed]
    chosen = [e for e in providers if e.selected and e not in failed]
    others = [e for e in providers if not e.selected and e not in failed]
    title = _t("index_title", language, dataset=dataset.get("name") or "")
    on_disk = _recorded_on_disk(reports) if on_disk is None else on_disk

    lines = [_t("index_some_failed", language, count=len(failed)) if failed
             else _t("index_all_ok", language)]
    ran = sum(1 for e in reports if e.selected)
    if others:
        unchanged = all(shown_status(e, on_disk) == SKIPPED for e in others)
        lines.append(_t("index_partial_run" if unchanged else "index_partial_run_mixed",
                        language, run=ran, rest=len(others)))
    status_key = _STATUS_KEY.get(str(run.get("status")))
    facts = [
        ("index_run_status", _t(status_key, language) if status_key else run.get("status")),
        ("index_started", local_time(run.get("started"), language)),
        ("index_finished", local_time(run.get("finished"), language)),
        ("index_dataset", dataset.get("name")),
    ]
    dl = "".join(f"<dt>{_e(_t(key, language))}</dt><dd>{_e(value)}</dd>"
                 for key, value in facts)
    if run.get("published_held"):  # the coordinator's --publish-held, on the record
        dl += (f"<dt>{_e(_t('index_published_held', language))}</dt>"
               f"<dd>{_e(', '.join(run['published_held']))}</dd>")
    dl += (f"<dt>{_e(_t('index_record', language))}</dt><dd>"
           f"{_link(layout.MANIFEST_FILE, layout.MANIFEST_FILE)} – "
           f"{_e(_t('index_record_text', language))}</dd>")

    with_code = not names_providers(network, manifest.options)
    sections = [_network_section(network, language, on_disk),
                _support_section(manifest, providers, language, on_disk)]
    if failed_providers:
        heading = _t("index_failed_heading", language)
        sections.append(f"<section>\n<h2>{_e(heading)}</h2>\n" +
                        _table(heading, failed_providers, language, on_disk, with_cause=True,
                               with_code=with_code) +
                        "</section>\n")
    for status, key, note in ((OK, "index_this_run_heading", None),
                              (SKIPPED, "index_unchanged_heading", None),
                              (EARLIER, "index_earlier_heading", "index_earlier_note"),
                              (MISSING, "index_missing_heading", None),
                              (RUNNING, "index_status_running", None),
                              (HELD, "index_held_heading", None)):
        group = [e for e in chosen if shown_status(e, on_disk) == status]
        if group:
            heading = _t(key, language)
            said = f"<p>{_e(_t(note, language))}</p>\n" if note else ""
            sections.append(f"<section>\n<h2>{_e(heading)}</h2>\n{said}" +
                            _table(_t("index_group_count", language, heading=heading,
                                      count=len(group)), group, language, on_disk,
                                   with_status=status == EARLIER,
                                   with_cause=status == HELD, with_code=with_code)
                            + "</section>\n")
    if others:
        heading = _t("index_other_heading", language, count=len(others))
        sections.append(f"<details>\n<summary>{_e(heading)}</summary>\n" +
                        _table(heading, others, language, on_disk, with_status=True,
                               with_code=with_code) +
                        "</details>\n")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_e(title)}</h1>\n"
        f'<p class="private">{_e(_t("index_private", language))}</p>\n'
        + "".join(f"<p>{_e(line)}</p>\n" for line in lines)
        + f"<h2>{_e(_t('index_run_facts', language))}</h2>\n<dl>{dl}</dl>\n"
        + "".join(sections)
        + "</main>\n</body>\n</html>\n"
    )


def write_index(out_dir: Path, manifest: Manifest, language: str = "fi") -> Path:
    """Write ``index.html`` into ``out_dir`` atomically, in ``language``, from the manifest and
    the report files in the folder (:func:`reports_on_disk`); readable by the user only (it
    names every provider and gives the key to the network report's codes)."""
    on_disk = reports_on_disk(out_dir, manifest.reports)
    return write_atomic(Path(out_dir) / INDEX, render_index(manifest, language, on_disk),
                        mode=PRIVATE_FILE_MODE)
