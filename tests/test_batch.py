"""The batch run (`strapetsi run`): reports, index, manifest, failures, incremental, interrupts.

Runs the real command in a subprocess on a six-provider demo network, providers only (the
network report has its own tests). The steps share one run folder and build on each other, so
the module runs them in order: a first run, an unchanged re-run, a failing notebook, a forced
re-run, invalid data, and an interrupted run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from run_folder import leftovers

from strapetsi_lib.batch import manifest as runs
from strapetsi_lib.batch.index_page import render_index, write_index
from strapetsi_lib.config import NOTEBOOKS_DIR, PROVIDER_NOTEBOOK
from strapetsi_lib.ingest.demo import generate_demo

N_PROVIDERS = 6
PLANTED = "planted failure for the batch test"


# --- helpers ----------------------------------------------------------------------------------


def _ctrl_c_default() -> None:
    """Let the run see Ctrl-C even when pytest itself was started with SIGINT ignored (a
    background job of a non-interactive shell): Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def strapetsi_run(*args: str | Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """``strapetsi run ARGS`` in a fresh process, as a user would call it."""
    command = [sys.executable, "-m", "strapetsi_lib", "run", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def manifest(out: Path) -> dict:
    return json.loads((out / "_work" / "manifest.json").read_text(encoding="utf-8"))


def entries(out: Path) -> dict[str, dict]:
    return {entry["id"]: entry for entry in manifest(out)["reports"]}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.glob("provider_*")}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def planted_notebook(source: Path, target: Path, provider_id: str) -> Path:
    """A copy of ``source`` whose third code cell raises for ``provider_id`` only."""
    nb = nbformat.read(source, as_version=4)
    position = next(i for i, cell in enumerate(nb.cells)
                    if "parameters" in cell.metadata.get("tags", [])) + 1
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell(
        f'if provider_id == "{provider_id}":\n    raise RuntimeError("{PLANTED}")'))
    nbformat.write(nb, target)
    return target


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("batch")


@pytest.fixture(scope="module")
def notebook(work) -> Path:
    """The provider report notebook (made from its paired .py when the .ipynb is missing)."""
    if PROVIDER_NOTEBOOK.is_file():
        return PROVIDER_NOTEBOOK
    import jupytext

    target = work / "provider_report.ipynb"
    jupytext.write(jupytext.read(NOTEBOOKS_DIR / "provider_report.py"), target)
    return target


@pytest.fixture(scope="module")
def dataset(work) -> Path:
    return generate_demo(work / "demo", n_providers=N_PROVIDERS)


@pytest.fixture(scope="module")
def ids(dataset) -> list[str]:
    lines = (dataset / "providers.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",")[0] for line in lines]


@pytest.fixture(scope="module")
def out(work) -> Path:
    return work / "run"


@pytest.fixture(scope="module")
def first_run(dataset, notebook, out) -> subprocess.CompletedProcess:
    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook, "--no-network")
    assert result.returncode == 0, result.stderr
    return result


# --- a run ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_writes_reports_index_and_manifest(first_run, dataset, notebook, out, ids):
    for provider_id in ids:
        html = out / f"provider_{provider_id}.html"
        assert html.is_file() and (out / "_work" / "notebooks" /
                                   f"provider_{provider_id}.ipynb").is_file()
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    index = (out / "index.html").read_text(encoding="utf-8")
    links = {attrs.get("href") for tag, attrs in parse(index).tags if tag == "a"}
    assert {f"provider_{i}.html" for i in ids} <= links

    record = manifest(out)
    assert record["run"]["status"] == "ok" and record["run"]["exit_code"] == 0
    assert record["run"]["started"] and record["run"]["finished"]
    assert record["run"]["reports_run"] == N_PROVIDERS
    hashed = {Path(item["path"]).name: item["sha256"] for item in record["inputs"]}
    for name in ("dataset.yml", "providers.csv"):
        assert hashed[name] == sha256(dataset / name)
    assert hashed[notebook.name] == sha256(notebook)
    for package in ("python", "pandas", "statsmodels", "papermill", "nbconvert",
                    "strapetsi-workbench"):
        assert record["versions"][package]
    reports = entries(out)
    for provider_id in ids:
        entry = reports[provider_id]
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["parameters"]["provider_id"] == provider_id
        assert entry["produced"]["seconds"] > 0 and entry["produced"]["execute_seconds"] > 0
    assert not leftovers(out)


@pytest.mark.slow
def test_index_is_a_self_contained_accessible_page(first_run, out, ids):
    html = (out / "index.html").read_text(encoding="utf-8")
    page = parse(html)
    tags = [tag for tag, _ in page.tags]
    assert next(attrs for tag, attrs in page.tags if tag == "html").get("lang") == "fi"
    assert tags.count("h1") == 1 and "table" in tags and "caption" in tags
    assert all(attrs.get("scope") in ("col", "row") for tag, attrs in page.tags if tag == "th")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "<script" not in html
    text = " ".join(page.text)
    for provider_id in ids:
        assert provider_id in text
    # the providers that may need support, as the run found them from the prepared tables
    assert '<section id="needs-support">' in html
    assert manifest(out)["run"]["needs_support"]["rules"]["min_group"] == 5


# --- incremental ------------------------------------------------------------------------------


@pytest.mark.slow
def test_unchanged_rerun_does_no_work(first_run, dataset, notebook, out, ids):
    before = mtimes(out)
    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook, "--no-network")
    assert result.returncode == 0, result.stderr
    assert "Nothing to do" in result.stdout
    assert mtimes(out) == before
    record = manifest(out)
    assert record["run"]["reports_run"] == 0
    assert {entries(out)[i]["status"] for i in ids} == {runs.SKIPPED}
    # nothing parsed and nothing started: the inputs' identity was enough (no timing asserted)
    assert record["dataset"]["validation"]["checked"].startswith("reused")
    assert record["run"]["executor"] is None
    # the index keeps the list of providers that may need support, though no table was read
    assert record["run"]["needs_support"] is not None
    assert '<section id="needs-support">' in (out / "index.html").read_text(encoding="utf-8")
    # No report ran and nothing was written: that is what makes a re-run cheap. How long it
    # takes is measured by benchmarks/batch.py, not asserted here (a busy machine is not a bug).


@pytest.mark.slow
def test_failing_notebook_is_contained(first_run, dataset, notebook, out, ids, work):
    broken, other = ids[0], ids[1]
    raising = planted_notebook(notebook, work / "raising.ipynb", broken)
    good_before = sha256(out / f"provider_{broken}.html")
    other_before = (out / f"provider_{other}.html").stat().st_mtime_ns

    result = strapetsi_run(dataset, "--out", out, "--notebook", raising, "--provider", broken,
                           "--provider", other)
    assert result.returncode == 1
    assert broken in result.stderr and PLANTED in result.stderr
    # the other report was written, the broken one's earlier good report is untouched
    assert (out / f"provider_{other}.html").stat().st_mtime_ns != other_before
    assert sha256(out / f"provider_{broken}.html") == good_before
    assert (out / "_work" / "notebooks" / f"provider_{broken}.failed.ipynb").is_file()

    entry = entries(out)[broken]
    assert entry["status"] == "failed"
    assert PLANTED in entry["error"]["cause"] and entry["error"]["ename"] == "RuntimeError"
    assert "raise RuntimeError" in entry["error"]["cell"] or "provider_id" in entry["error"]["cell"]
    assert entry["error"]["cell_index"] is not None
    assert entries(out)[other]["status"] == "ok"
    assert manifest(out)["run"]["exit_code"] == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert PLANTED in index and "epäonnistui" in index
    assert not leftovers(out)


@pytest.mark.slow
def test_force_reruns_and_provider_selects(first_run, dataset, notebook, out, ids):
    chosen = ids[2]
    before = mtimes(out)
    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook, "--provider", chosen,
                           "--force")
    assert result.returncode == 0, result.stderr
    after = mtimes(out)
    assert after[f"provider_{chosen}.html"] != before[f"provider_{chosen}.html"]
    assert after[f"provider_{ids[3]}.html"] == before[f"provider_{ids[3]}.html"]
    assert entries(out)[chosen]["status"] == "ok"
    assert manifest(out)["run"]["reports_run"] == 1


@pytest.mark.slow
def test_unknown_provider_is_a_usage_error(first_run, dataset, notebook, out):
    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook,
                           "--provider", "1234567-1")
    assert result.returncode == 2 and "1234567-1" in result.stderr


@pytest.mark.slow
def test_unknown_provider_is_a_usage_error_while_workers_start(first_run, dataset, notebook,
                                                               work):
    # Inputs known to be valid and a folder without a record: the run is planned in a thread
    # while its workers start; the unknown id is still a usage error, and no folder is made.
    fresh = work / "fresh"
    result = strapetsi_run(dataset, "--out", fresh, "--notebook", notebook,
                           "--provider", "1234567-1")
    assert result.returncode == 2 and "1234567-1" in result.stderr
    assert not fresh.exists()


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.slow
def test_invalid_data_stops_before_any_work(first_run, dataset, notebook, out, work):
    broken = work / "broken"
    broken.mkdir()
    for path in dataset.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    providers = (broken / "providers.csv").read_text(encoding="utf-8").splitlines()
    fields = providers[1].split(",")
    fields[0], fields[2] = "1234567-0", "de"  # a wrong check digit and an unknown language
    providers[1] = ",".join(fields)
    (broken / "providers.csv").write_text("\n".join(providers) + "\n", encoding="utf-8")

    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = strapetsi_run(broken, "--out", out, "--notebook", notebook, "--no-network")
    assert result.returncode == 1
    assert "problem" in result.stderr and "providers.csv" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before

    fresh = work / "never-written"
    result = strapetsi_run(broken, "--out", fresh, "--notebook", notebook, "--no-network")
    assert result.returncode == 1 and not fresh.exists()


# --- interruption -----------------------------------------------------------------------------


def test_atomic_writes_keep_the_old_file_when_interrupted(tmp_path, monkeypatch):
    record = runs.Manifest(run={"status": "ok"}, dataset={"name": "x"})
    target = tmp_path / "manifest.json"
    runs.write_manifest(target, record)
    write_index(tmp_path, record)
    old_manifest = target.read_bytes()
    old_index = (tmp_path / "index.html").read_bytes()

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    changed = runs.Manifest(run={"status": "failed"}, dataset={"name": "x"})
    with pytest.raises(KeyboardInterrupt):
        runs.write_manifest(target, changed)
    with pytest.raises(KeyboardInterrupt):
        write_index(tmp_path, changed)
    assert target.read_bytes() == old_manifest
    assert (tmp_path / "index.html").read_bytes() == old_index
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "manifest.json"]
    assert render_index(changed) != old_index.decode()


@pytest.mark.slow
def test_interrupted_run_leaves_whole_reports_and_can_be_rerun(first_run, dataset, notebook,
                                                               out, ids):
    before = mtimes(out)
    command = [sys.executable, "-m", "strapetsi_lib", "run", str(dataset), "--out", str(out),
               "--notebook", str(notebook), "--no-network", "--force"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_ctrl_c_default)
    deadline = time.monotonic() + 180
    while mtimes(out) == before and time.monotonic() < deadline:  # a first report is written
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert not leftovers(out)
    for html in out.glob("provider_*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    record = manifest(out)
    assert record["run"]["status"] == "interrupted"
    assert all(entry["files"] for entry in record["reports"])

    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook, "--no-network")
    assert result.returncode == 0, result.stderr
    assert {entries(out)[i]["status"] for i in ids} <= {runs.OK, runs.SKIPPED}
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
