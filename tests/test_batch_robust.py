"""A run that meets a missing or failing Chromium, a coordinator killed with ``kill -9``, and a
run folder written by two installations one after the other, end to end.

The runs use a tiny report notebook written here (a title and one line per provider), so each
`strapetsi run` costs seconds; Chromium prints its real HTML.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from run_folder import error_lines, leftovers, provider_ids, record

from strapetsi_lib.config import HOME_VARIABLE, PACKAGE_DIR
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.render.pdf import (
    CHROMIUM_VARIABLE,
    ChromiumMissing,
    PdfError,
    find_chromium,
    write_pdf,
)

pytestmark = pytest.mark.slow


def strapetsi_run(*args, env: dict | None = None, cwd: Path | None = None,
                  timeout: float = 300) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "strapetsi_lib", "run", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def entries(out: Path) -> dict[str, dict]:
    return {entry["id"]: entry for entry in record(out)["reports"]}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("robust")


@pytest.fixture(scope="module")
def dataset(work) -> Path:
    return generate_demo(work / "demo", n_providers=4)


@pytest.fixture(scope="module")
def ids(dataset) -> list[str]:
    return provider_ids(dataset)


def tiny_notebook(path: Path, hang_for: str = "", marker: Path | None = None) -> Path:
    """A report notebook that takes a moment; for ``hang_for`` it leaves ``marker`` (its
    kernel is running) and then hangs."""
    parameters = new_code_cell('dataset = ""\nprovider_id = ""\nlanguage = "fi"')
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[
        parameters,
        new_markdown_cell("# Pieni raportti"),
        new_code_cell("import pathlib, time\nfrom IPython.display import Markdown\n"
                      "Markdown(f'Järjestäjä {provider_id}')"),
        new_code_cell(f"if provider_id == {hang_for!r}:\n"
                      f"    pathlib.Path({str(marker)!r}).touch()\n"
                      "    time.sleep(600)"),
    ])
    nb.metadata["kernelspec"] = {"name": "strapetsi", "display_name": "strapetsi",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def tiny(work) -> Path:
    return tiny_notebook(work / "tiny.ipynb")


def row_of(index: str, provider_id: str) -> str:
    """The index page's table row of one provider."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", index, flags=re.S)
            if f'<td class="id" data-label="Y-tunnus">{provider_id}</td>' in row]
    assert len(rows) == 1, index
    return rows[0]


# --- PDF --------------------------------------------------------------------------------------


def test_chromium_is_found_by_variable_then_path_then_usual_places(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    chrome = bin_dir / "google-chrome"
    chrome.write_text("#!/bin/sh\nexit 0\n")
    chrome.chmod(0o755)
    own = tmp_path / "my-chromium"
    own.write_text("#!/bin/sh\nexit 0\n")
    own.chmod(0o755)
    empty = str(tmp_path / "nothing-here")
    # PATH before the usual places, the variable before PATH
    assert find_chromium({"PATH": str(bin_dir)}, platform="darwin") == chrome
    assert find_chromium({"PATH": str(bin_dir), CHROMIUM_VARIABLE: str(own)}) == own
    # a variable naming nothing usable is an error, never replaced by a guess
    with pytest.raises(ChromiumMissing, match=f"{CHROMIUM_VARIABLE}=.*no-such-file is not an "
                                              "executable file.*set STRAPETSI_CHROMIUM"):
        find_chromium({"PATH": str(bin_dir), CHROMIUM_VARIABLE: str(tmp_path / "no-such-file")})
    # nothing on PATH and nothing where a Mac keeps it
    with pytest.raises(ChromiumMissing, match="Chromium was not found .* set "
                                              "STRAPETSI_CHROMIUM to its executable"):
        find_chromium({"PATH": empty}, platform="darwin")
    # Windows' usual places are under the program folders
    program_files = tmp_path / "Program Files"
    exe = program_files / "Google" / "Chrome" / "Application" / "chrome.exe"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    exe.chmod(0o755)
    assert find_chromium({"PATH": empty, "PROGRAMFILES": str(program_files)},
                         platform="win32") == exe


def test_a_chromium_that_cannot_start_is_a_pdf_error(tmp_path):
    page = tmp_path / "r.html"
    page.write_text("<!DOCTYPE html><html lang='fi'><title>x</title></html>", encoding="utf-8")
    not_a_program = tmp_path / "chromium"
    not_a_program.write_text("no shebang, not a program\n")
    not_a_program.chmod(0o755)
    with pytest.raises(PdfError, match=r"Chromium \(chromium\) could not be started"):
        write_pdf(page, chromium=not_a_program, work_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chromium", "r.html"]


def test_pdf_without_chromium_runs_nothing(dataset, tiny, ids, work):
    out = work / "no-chromium"
    result = strapetsi_run(dataset, "--out", out, "--notebook", tiny, "--provider", ids[0],
                           "--pdf", env={CHROMIUM_VARIABLE: str(work / "chromium-is-not-here")})
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("strapetsi run: --pdf needs Chromium:")
    assert CHROMIUM_VARIABLE in lines[0] and "chromium-is-not-here" in lines[0]
    assert not out.exists()  # nothing run, nothing written


@pytest.fixture(scope="module")
def real_chromium() -> Path:
    try:
        return find_chromium()
    except ChromiumMissing as exc:
        pytest.skip(str(exc))


@pytest.mark.browser
def test_a_failing_pdf_fails_only_its_report_and_keeps_its_earlier_files(
        dataset, tiny, ids, work, real_chromium):
    out = work / "pdf"
    chosen = ids[:3]
    selection = [arg for provider_id in chosen for arg in ("--provider", provider_id)]
    first = strapetsi_run(dataset, "--out", out, "--notebook", tiny, *selection, "--pdf",
                          env={CHROMIUM_VARIABLE: str(real_chromium)})
    assert first.returncode == 0, first.stderr
    for provider_id in chosen:
        assert (out / f"provider_{provider_id}.pdf").read_bytes().startswith(b"%PDF")
        assert f"provider_{provider_id}.pdf" in entries(out)[provider_id]["files"]
    # Asking again for PDFs that are there runs nothing.
    again = strapetsi_run(dataset, "--out", out, "--notebook", tiny, *selection, "--pdf",
                          env={CHROMIUM_VARIABLE: str(real_chromium)})
    assert again.returncode == 0 and record(out)["run"]["reports_run"] == 0, again.stderr

    # A Chromium on PATH that fails to print one report and prints the others.
    broken = ids[1]
    bin_dir = work / "bin"
    bin_dir.mkdir()
    script = bin_dir / "chromium"
    script.write_text("#!/bin/sh\n"
                      f'case "$*" in *provider_{broken}*) '
                      'echo "[0101/000000.000:ERROR:printing] cannot print this page" >&2; '
                      "exit 1;; esac\n"
                      f'exec "{real_chromium}" "$@"\n')
    script.chmod(0o755)
    kept = {name: (out / name).stat().st_mtime_ns
            for name in (f"provider_{broken}.html", f"provider_{broken}.pdf")}
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {"PATH": path, CHROMIUM_VARIABLE: ""}
    failing = strapetsi_run(dataset, "--out", out, "--notebook", tiny, *selection, "--pdf",
                            "--force", env=env)
    assert failing.returncode == 1
    assert "Traceback" not in failing.stderr and "AttributeError" not in failing.stderr
    reports = entries(out)
    error = reports[broken]["error"]
    summary = [line for line in error_lines(failing) if line.startswith(f"  FAILED {broken} (")]
    assert summary == [f"  FAILED {broken} ({reports[broken]['name']}): {error['cause']}"], \
        failing.stderr
    assert reports[broken]["status"] == "failed" and error["ename"] == "PdfError"
    assert error["cause"] == ("the PDF could not be printed: Chromium (chromium) exited with 1 "
                              "without a PDF: [0101/000000.000:ERROR:printing] cannot print "
                              "this page")
    assert "\n" not in error["cause"] and str(work) not in error["cause"]
    # the new HTML is not swapped in: the earlier HTML and PDF stay, as a pair
    assert {name: (out / name).stat().st_mtime_ns for name in kept} == kept
    assert reports[broken]["earlier_html"] == f"provider_{broken}.html"
    # the other reports went on, each with its new PDF
    for provider_id in (ids[0], ids[2]):
        assert reports[provider_id]["status"] == "ok"
        state = reports[provider_id]["files"][f"provider_{provider_id}.pdf"]
        assert (out / f"provider_{provider_id}.pdf").stat().st_mtime_ns == state["mtime_ns"]
    # the manifest is closed and nothing temporary stays
    run = record(out)["run"]
    assert run["status"] == "failed" and run["finished"] and run["exit_code"] == 1
    assert leftovers(out) == []

    # The kept pair was made from these very inputs (only --force ran it again): it stands.
    fixed = strapetsi_run(dataset, "--out", out, "--notebook", tiny, *selection, "--pdf",
                          env={CHROMIUM_VARIABLE: str(real_chromium)})
    assert fixed.returncode == 0, fixed.stderr
    assert record(out)["run"]["reports_run"] == 0
    assert entries(out)[broken]["status"] == "skipped-unchanged"


# --- write-ahead records ----------------------------------------------------------------------


def test_a_report_started_just_before_kill_9_reads_interrupted(dataset, ids, work):
    """The coordinator is killed (SIGKILL) as soon as the last report's kernel runs: its
    start, right after the others finished, must be on record."""
    out, hung = work / "killed", ids[-1]
    marker = work / "kernel-of-the-last-report-runs"
    notebook = tiny_notebook(work / "tiny-hangs.ipynb", hang_for=hung, marker=marker)
    command = [sys.executable, "-m", "strapetsi_lib", "run", str(dataset), "--out", str(out),
               "--notebook", str(notebook), "--no-network", "--jobs", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the last report never started"
        os.kill(process.pid, signal.SIGKILL)  # kill -9 of the coordinator alone
        process.wait()
        # read at once, as the next run would: the last report runs, the others are done
        at_kill = entries(out)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever of the run is left
            os.killpg(process.pid, signal.SIGKILL)
    assert at_kill[hung]["status"] == "running"
    assert [at_kill[provider_id]["status"] for provider_id in ids[:-1]] == ["ok"] * 3

    finished = [arg for provider_id in ids[:-1] for arg in ("--provider", provider_id)]
    again = strapetsi_run(dataset, "--out", out, "--notebook", notebook, *finished)
    assert again.returncode == 0, again.stderr
    after = entries(out)
    assert after[hung]["status"] == "interrupted" and "killed" in after[hung]["note"]
    # the reports that had finished are on record as such: nothing to redo
    assert record(out)["run"]["reports_run"] == 0
    assert [after[provider_id]["status"] for provider_id in ids[:-1]] == [
        "skipped-unchanged"] * 3
    assert leftovers(out) == []


# --- two installations, one folder ------------------------------------------------------------


def second_installation(folder: Path) -> Path:
    """A copy of the workbench as another version would be installed: its own package folder
    and project folder, another manifest format (so it cannot read this one's manifests) and so
    other code, hence other fingerprints."""
    package = folder / "strapetsi_lib"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = package / "batch" / "manifest.py"
    text = manifest.read_text(encoding="utf-8")
    assert "\nFORMAT = 2\n" in text
    manifest.write_text(text.replace("\nFORMAT = 2\n", "\nFORMAT = 3\n"), encoding="utf-8")
    return folder


def test_the_index_lists_the_reports_on_disk_whichever_installation_wrote_them(
        dataset, tiny, ids, work):
    out = work / "shared"
    other = second_installation(work / "other-installation")
    first = strapetsi_run(dataset, "--out", out, "--notebook", tiny, "--no-network")
    assert first.returncode == 0, first.stderr

    # The other installation makes one report into the same folder.
    env = {"PYTHONPATH": str(other), HOME_VARIABLE: str(other)}
    second = strapetsi_run(dataset, "--out", out, "--notebook", tiny, "--provider", ids[0],
                           env=env, cwd=other)
    assert second.returncode == 0, second.stderr
    assert "format 2 is not 3" in second.stderr  # it could not read the first one's record
    assert record(out)["format"] == 3 and record(out)["run"]["reports_run"] == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="provider_{ids[0]}.html"' in row_of(index, ids[0])
    assert "Tässä ajossa tehdyt raportit (1)" in index
    for provider_id in ids[1:]:
        row = row_of(index, provider_id)
        assert f'href="provider_{provider_id}.html"' in row, row
        assert "aiemman ajon raportti (" in row and "puuttuu" not in row
    assert "puuttuu" not in index and "ei raporttia" not in index

    # Back to the first installation, after a report was deleted by hand.
    (out / f"provider_{ids[3]}.html").unlink()
    third = strapetsi_run(dataset, "--out", out, "--notebook", tiny, "--provider", ids[1])
    assert third.returncode == 0, third.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "aiemman ajon raportti (" in row_of(index, ids[0])
    assert "aiemman ajon raportti (" in row_of(index, ids[2])
    gone = row_of(index, ids[3])
    assert "puuttuu" in gone and "ei raporttia" in gone and "href" not in gone
