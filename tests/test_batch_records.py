"""The run's records: typed manifest entries, a manifest that heals, typed report errors.

Fast tests on files the tests write; the end-to-end behaviour is in test_batch_faults.py.
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest

from strapetsi_lib.batch import manifest as runs
from strapetsi_lib.batch.manifest import Failure, Manifest, ReportEntry
from strapetsi_lib.errors import OutputFolderError, ReportError
from strapetsi_lib.files import json_text, portable_path


def entry(report_id: str = "0123456-7", **changes) -> ReportEntry:
    values = {"id": report_id, "kind": runs.PROVIDER, "stem": f"provider_{report_id}",
              "html": f"provider_{report_id}.html",
              "notebook": f"_work/notebooks/provider_{report_id}.ipynb", **changes}
    return ReportEntry(**values)


def good_manifest() -> Manifest:
    failed = entry("7654321-0", status=runs.FAILED,
                   error=Failure("RuntimeError: boom", "RuntimeError", "boom", "3: x = 1", 3))
    return Manifest(run={"status": runs.OK, "started": "2026-11-30T09:00:00+02:00"},
                    dataset={"name": "demo", "cache_key": "k"},
                    reports=[entry(status=runs.OK, code="J01"), failed])


def test_manifest_round_trips_through_its_one_reader_and_writer(tmp_path):
    path = runs.write_manifest(tmp_path / "manifest.json", good_manifest())
    read, problem = runs.read_manifest(path)
    assert problem is None and read == good_manifest()
    assert isinstance(read.reports[1].error, Failure) and read.reports[1].error.cell_index == 3
    assert runs.read_manifest(tmp_path / "absent.json") == (None, None)


@pytest.mark.parametrize(("content", "what"), [
    ('{"format": 2, "run": {', "not valid JSON (line 1 column"),
    ("[1, 2]", "wrong structure: it holds a list, not an object"),
    ('{"format": 2, "run": {}, "dataset": {}, "reports": [{"id": null, "kind": "provider", '
     '"stem": "s", "html": "s.html", "notebook": "s.ipynb", "status": "ok"}]}',
     "report 1 has no valid 'id' (found null)"),
    ('{"format": 2, "run": {}, "dataset": {}, "reports": [{"id": "x"}]}',
     "report 1 has no valid 'kind'"),
    ('{"format": 2, "dataset": {}}', "'run' is missing or not an object"),
    ('{"format": 2, "run": {}, "dataset": {}, "reports": {"x": 1}}', "'reports' is not a list"),
    ('{"format": 2, "run": {}, "dataset": {}, "reports": ["x"]}', "report 1 is a str"),
    ('{"format": 1, "run": {}, "dataset": {}}', "format 1 is not 2"),
    ("\xff\xfe", "cannot be read"),
])
def test_an_unusable_manifest_is_one_line_naming_the_file(tmp_path, content, what):
    path = tmp_path / "manifest.json"
    path.write_bytes(content.encode("latin-1"))
    manifest, problem = runs.read_manifest(path)
    assert manifest is None
    assert problem.startswith(f"{path}: ") and what in problem and "\n" not in problem


def test_a_killed_runs_running_reports_read_as_interrupted(tmp_path):
    killed = good_manifest()
    killed.run["status"] = runs.RUNNING
    killed.reports[0].status = runs.RUNNING
    path = runs.write_manifest(tmp_path / "manifest.json", killed)
    read, _ = runs.read_manifest(path)
    assert read.run["status"] == runs.INTERRUPTED
    assert read.reports[0].status == runs.INTERRUPTED and "killed" in read.reports[0].note
    assert read.reports[1].status == runs.FAILED  # finished reports keep their status
    assert json.loads(path.read_text())["run"]["status"] == runs.RUNNING  # read, not rewritten


def test_is_current_needs_the_same_fingerprint_and_untouched_files(tmp_path):
    (tmp_path / "a.html").write_text("x")
    done = entry(fingerprint="f", files={"a.html": runs.file_state(tmp_path / "a.html")})
    assert runs.is_current(done, "f", tmp_path)
    assert not runs.is_current(done, "g", tmp_path)
    (tmp_path / "a.html").write_text("changed")
    assert not runs.is_current(done, "f", tmp_path)
    assert not runs.is_current(None, "f", tmp_path)


def test_report_error_has_declared_fields_and_survives_pickling():
    error = ReportError("0123456-7", "RuntimeError: boom", "3: x = 1", cell_index=3,
                        ename="RuntimeError", evalue="boom",
                        executed_notebook=Path("a.failed.ipynb"))
    assert str(error) == "report for 0123456-7 failed (cell 3: x = 1): RuntimeError: boom"
    copy = pickle.loads(pickle.dumps(error))
    assert copy.cell_index == 3 and copy.executed_notebook == Path("a.failed.ipynb")
    assert str(copy) == str(error)
    with pytest.raises(TypeError):
        ReportError("x", "y", unknown=1)  # no attribute outside the declared ones


def test_output_folder_error_says_what_to_do():
    import errno

    full = OutputFolderError.from_os_error("/x/out", OSError(errno.ENOSPC, "No space left"))
    assert str(full) == ("cannot write to /x/out: No space left; free space there, or choose "
                         "another folder with --out")
    read_only = OutputFolderError.from_os_error("/x/out", OSError(errno.EROFS, "Read-only"))
    assert "writable" in str(read_only)


def test_portable_path_never_gives_an_absolute_path(tmp_path):
    assert portable_path(tmp_path / "a" / "b.csv", tmp_path) == "a/b.csv"
    assert portable_path(tmp_path, tmp_path) == "."
    assert portable_path("/somewhere/else/demo", tmp_path) == "demo"


# --- the coordinator's index page -------------------------------------------------------------


def index_manifest(**run) -> Manifest:
    network = ReportEntry(id="network", kind=runs.NETWORK, stem="network",
                          html="network.html", notebook="_work/notebooks/network.ipynb",
                          status=runs.OK, files={"network.html": {"bytes": 1, "mtime_ns": 1}})
    made = {"bytes": 1, "mtime_ns": 1}
    providers = [
        entry("1111111-1", name="Ammattiopisto <img src=x onerror=alert(1)>",
              provider_language="fi", language="fi", code="K7Q", status=runs.OK,
              files={"provider_1111111-1.html": made}),
        entry("2222222-2", name="Yrkesinstitut & Co", provider_language="sv", language="sv",
              code="M2X", status=runs.FAILED, earlier_html="provider_2222222-2.html",
              error=Failure("RuntimeError: <script>boom</script>", "RuntimeError", "boom",
                            "4: scores = compute(data)", 4,
                            "_work/notebooks/provider_2222222-2.failed.ipynb")),
        *[entry(f"33333{i:02d}-3", name=f"Opisto {i}", provider_language="fi", language="fi",
                code=f"C{i:02d}", status=runs.SKIPPED, selected=False,
                files={f"provider_33333{i:02d}-3.html": made}) for i in range(79)],
    ]
    return Manifest(run={"status": runs.FAILED, "started": "2026-11-30T09:05:59+00:00",
                         "finished": "2026-11-30T09:07:01+00:00", **run},
                    dataset={"name": "verkosto<2026>", "path": "data/verkosto"},
                    reports=[*providers, network])


def test_index_is_in_the_coordinators_language_with_network_and_failures_first():
    from strapetsi_lib.batch.index_page import CSP, local_time, render_index

    page = render_index(index_manifest(), "fi")
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"fi\">")
    assert f'content="{CSP}"' in page.replace("&#x27;", "'") and "<script" not in page
    body = page[page.index("<main>"):]
    network, failed, made = (body.index("Verkostoraportti"), body.index("Epäonnistuneet"),
                             body.index("Tässä ajossa tehdyt"))
    assert network < failed < made  # network report first, then failures, then the rest
    assert "RuntimeError: &lt;script&gt;boom&lt;/script&gt;" in body
    assert "Muistikirjan solu: 4: scores = compute(data)" in body
    assert "Aiempi raportti on tallessa." in body
    # the key: each provider's code in the network report, beside its name
    code = 'data-label="Koodi verkostoraportissa">'
    assert f"{code}M2X</td>" in body and f"{code}K7Q</td>" in body
    # a run of two providers: the 79 others in one closed group, said to be unchanged
    assert "Muut raportit (79) ovat ennallaan aiemmista ajoista." in body
    others = body[body.index("<details>"):body.index("</details>")]
    assert others.count('<th scope="row">') == 79
    assert body[:body.index("<details>")].count('<th scope="row">') == 2
    assert "ei ajettu" not in body and "not run" not in body
    # escaped data, no absolute path, local time to the minute
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and "<img" not in body
    assert "verkosto&lt;2026&gt;" in body and "Yrkesinstitut &amp; Co" in body
    assert "data/verkosto" not in body
    assert local_time("2026-11-30T09:05:59+00:00", "fi") in body
    assert re.search(r"klo \d{1,2}\.\d{2}</dd>", body)
    assert not re.search(r"(klo|kl\.) \d{1,2}\.\d{2}\.\d{2}", body)  # no seconds


def test_index_leaves_out_the_codes_when_the_network_report_names_the_providers():
    """With --name-providers the network report shows names, so its codes are a key to
    nothing: the index has no "Koodi verkostoraportissa" column; "(ei raporttia)" stays with
    the name it belongs to."""
    from dataclasses import replace

    from strapetsi_lib.batch.index_page import render_index

    manifest = index_manifest()
    named = replace(manifest, reports=[
        replace(r, parameters={"name_providers": True}) if r.kind == runs.NETWORK else r
        for r in manifest.reports])
    body = render_index(named, "fi")
    assert "Koodi verkostoraportissa" not in body and ">K7Q</td>" not in body
    assert 'data-label="Raportin kieli"' in body
    assert "Koodi verkostoraportissa" in render_index(manifest, "fi")
    # the run's option decides before the network report has been made
    assert "Koodi verkostoraportissa" not in render_index(
        replace(manifest, options={"name_providers": True},
                reports=[r for r in manifest.reports if r.kind != runs.NETWORK]), "fi")
    missing = replace(manifest, reports=[replace(r, files={}) for r in manifest.reports])
    row = render_index(missing, "fi", on_disk={})
    assert '</span>\u00a0<span class="no-report">(ei raporttia)</span>' in row


def test_index_lists_providers_by_name_with_the_link_first_and_those_needing_support():
    """Name order as a Finnish reader looks names up (ä and ö after z), the name the link to the
    report in the row's first cell (in sight on a phone), and the needs-support section with
    its reasons, escaped, when the run recorded them."""
    from bs4 import BeautifulSoup

    from strapetsi_lib.batch.index_page import render_index

    made = {"bytes": 1, "mtime_ns": 1}
    names = ["Östra yrkesinstitut", "ammattiopisto Aalto", "Zeta-opisto", "Ähtärin opisto",
             "Bertan <b>opisto</b>"]
    providers = [entry(f"44444{k:02d}-4", name=name, provider_language="fi", language="fi",
                       code=f"J{k:03d}", status=runs.OK,
                       files={f"provider_44444{k:02d}-4.html": made})
                 for k, name in enumerate(names)]
    support = {"rules": {"min_group": 5, "low_rate": "35 %"},
               "providers": [{"id": "4444404-4", "reasons": ["<script>x</script> laski"]},
                             {"id": "4444400-4", "reasons": ["alin neljännes", "toinen syy"]}]}
    page = render_index(Manifest(run={"status": runs.OK, "needs_support": support},
                                 dataset={"name": "d"}, reports=providers), "fi")
    soup = BeautifulSoup(page, "html.parser")
    made_table = soup.find("h2", string="Tässä ajossa tehdyt raportit").find_next("table")
    rows = made_table.find("tbody").find_all("tr")
    assert [row.th.get_text() for row in rows] == [
        "ammattiopisto Aalto", "Bertan <b>opisto</b>", "Zeta-opisto", "Ähtärin opisto",
        "Östra yrkesinstitut"]
    first = rows[0].find_all(["th", "td"])[0]
    assert first.name == "th" and first.a["href"] == "provider_4444401-4.html"
    section = soup.find("section", id="needs-support")
    assert section is not None and "35 %" in section.p.get_text()
    listed = section.find("tbody").find_all("tr")
    assert [row.th.get_text() for row in listed] == ["Bertan <b>opisto</b>",
                                                     "Östra yrkesinstitut"]
    assert [li.get_text() for li in listed[1].find_all("li")] == ["alin neljännes",
                                                                  "toinen syy"]
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt; laski" in page
    # the page comes before the report groups: the coordinator reads it first
    assert page.index('id="needs-support"') < page.index("Tässä ajossa tehdyt")
    # no run recorded the list: no section (not an empty one that would read "nobody")
    plain = render_index(Manifest(run={"status": runs.OK}, dataset={"name": "d"},
                                  reports=providers), "fi")
    assert 'id="needs-support"' not in plain


def test_index_speaks_swedish_and_english_when_asked():
    from strapetsi_lib.batch.index_page import render_index

    swedish = render_index(index_manifest(), "sv")
    assert '<html lang="sv">' in swedish and "Nätverksrapporten" in swedish
    assert "Rapporter som misslyckades" in swedish and "Kod i nätverksrapporten" in swedish
    english = render_index(index_manifest(), "en")
    assert "Reports that failed" in english and "unchanged from earlier runs" in english


# --- a manifest write that fails -----------------------------------------------------------


def test_a_failed_manifest_write_lets_the_other_reports_finish(tiny_dataset, tmp_path,
                                                               monkeypatch):
    """A full disk while recording a finished report must not stop the reports still running:
    the fault is recorded and reported once, at the end, with a non-zero exit."""
    import errno

    from rich.console import Console

    from strapetsi_lib.batch import run as batch_run
    from strapetsi_lib.batch.run_folder import make_out_dir
    from strapetsi_lib.batch.tasks import ReportTask, TaskResult

    out = tmp_path / "out"
    make_out_dir(out, given=True)
    run = batch_run._Run(batch_run.RunOptions(dataset=tiny_dataset, out_dir=out),
                         Console(stderr=True))
    ids = ["1111111-1", "2222222-2"]
    run.entries = {i: entry(i) for i in ids}
    run.targets = dict.fromkeys(ids, "f")
    run.to_run = list(run.entries.values())
    run.begin()

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch_run.runs, "write_manifest", full)
    for report_id in ids:
        task = ReportTask(report_id, runs.PROVIDER, "nb.ipynb", {}, str(out),
                          str(out / "_work" / "notebooks"), f"provider_{report_id}", "fi")
        run.on_start(task)
        run._saved = 0.0  # every save is attempted
        run.on_done(task, TaskResult(report_id, True, 0.0, 1.0))
    assert [run.entries[i].status for i in ids] == [runs.OK, runs.OK]
    outcome = run.finish(batch_run.EXIT_OK)
    assert outcome.exit_code == batch_run.EXIT_FAILED and outcome.ran == 2
    assert str(outcome.folder_fault) == (f"cannot write to {out}: No space left on device; "
                                         "free space there, or choose another folder with --out")


def test_run_records_are_json_a_record_a_line():
    record = {"reports": [{"id": "b", "files": {"x.html": 1}}, {"id": "a"}],
              "run": {"counts": {"baseline/all": 12}}, "empty": {}, "name": "Åbo"}
    text = json_text(record, sort_keys=True, ensure_ascii=False)
    assert json.loads(text) == record
    assert text.splitlines() == [
        "{", ' "empty": {},', ' "name": "Åbo",', ' "reports": [',
        '  {"files": {"x.html": 1}, "id": "b"},', '  {"id": "a"}', " ],", ' "run": {',
        '  "counts": {"baseline/all": 12}', " }", "}"]
