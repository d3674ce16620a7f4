"""The same batch on a Dask cluster (`strapetsi run --executor dask`) gives the same reports.

A few providers of a small demo network run with the local executor (warm, forked kernels), then
through a Dask ``LocalCluster`` and through a separately started ``dask scheduler`` and
``dask worker --nworkers 2`` (processes of their own, as on a real cluster), where the
warm-kernel worker plugin runs them. Every word, number and table of the reports must be the
same; the figures are compared by count, size and text alternative rather than by pixels.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from strapetsi_lib.batch.dask_worker import separate_cluster
from strapetsi_lib.config import NOTEBOOKS_DIR, PROVIDER_NOTEBOOK
from strapetsi_lib.ingest.demo import generate_demo

pytestmark = pytest.mark.slow

_FIGURE = re.compile(r'data:image/svg\+xml;base64,[A-Za-z0-9+/=]+')


def strapetsi_run(*args: str | Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "strapetsi_lib", "run", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def without_pixels(html: str) -> str:
    """The page with every embedded figure replaced by a placeholder (sizes and alt stay)."""
    return _FIGURE.sub("data:image/svg+xml;base64,…", html)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    work = tmp_path_factory.mktemp("dask")
    dataset = generate_demo(work / "demo", n_providers=4)
    notebook = PROVIDER_NOTEBOOK
    if not notebook.is_file():
        import jupytext

        notebook = work / "provider_report.ipynb"
        jupytext.write(jupytext.read(NOTEBOOKS_DIR / "provider_report.py"), notebook)
    lines = (dataset / "providers.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = [line.split(",")[0] for line in lines][:3]
    return work, dataset, notebook, ids


@pytest.fixture(scope="module")
def local_reports(setup):
    """The selected providers' reports from the local executor."""
    work, dataset, notebook, ids = setup
    selection = [arg for provider_id in ids for arg in ("--provider", provider_id)]
    local = work / "local"
    result = strapetsi_run(dataset, "--out", local, "--notebook", notebook, *selection)
    assert result.returncode == 0, result.stderr
    return local


def assert_same_reports(local: Path, dask: Path, ids: list[str]) -> None:
    for provider_id in ids:
        name = f"provider_{provider_id}.html"
        ours = (local / name).read_text(encoding="utf-8")
        theirs = (dask / name).read_text(encoding="utf-8")
        assert ours.count("data:image/svg+xml") == theirs.count("data:image/svg+xml") > 0
        assert without_pixels(ours) == without_pixels(theirs), name
        executed = Path("_work", "notebooks", f"provider_{provider_id}.ipynb")
        assert json.loads((local / executed).read_text())["metadata"][
            "papermill"]["parameters"] == json.loads(
            (dask / executed).read_text())["metadata"]["papermill"]["parameters"]


def test_dask_local_cluster_gives_the_same_reports(setup, local_reports):
    work, dataset, notebook, ids = setup
    selection = [arg for provider_id in ids for arg in ("--provider", provider_id)]
    dask = work / "dask"
    result = strapetsi_run(dataset, "--out", dask, "--notebook", notebook, *selection,
                           "--executor", "dask", "--jobs", "2")
    assert result.returncode == 0, result.stderr

    manifest = json.loads((dask / "_work" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["executor"]["executor"] == "dask"
    assert manifest["run"]["executor"]["scheduler"] == "LocalCluster"
    assert_same_reports(local_reports, dask, ids)


@pytest.fixture()
def cluster(tmp_path):
    """A `dask scheduler` and a `dask worker --nworkers 2` on 127.0.0.1 (random ports)."""
    with separate_cluster(tmp_path, n_workers=2) as address:
        yield address, tmp_path


def test_separate_scheduler_and_workers_give_the_same_reports(setup, local_reports, cluster):
    work, dataset, notebook, ids = setup
    address, cluster_dir = cluster
    selection = [arg for provider_id in ids for arg in ("--provider", provider_id)]
    out = work / "dask-cluster"
    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook, *selection,
                           "--executor", "dask", "--scheduler", address)
    assert result.returncode == 0, result.stderr

    manifest = json.loads((out / "_work" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["executor"] == {**manifest["run"]["executor"], "executor": "dask",
                                           "scheduler": address, "warm_kernel": True}
    reports = [entry for entry in manifest["reports"] if entry["id"] in ids]
    assert all(entry["status"] == "ok" for entry in reports)
    # The plugin's runners are long-lived: three reports on two one-thread workers ran in at
    # most two processes (one subprocess per report would give three).
    runners = {entry["produced"]["worker"] for entry in reports}
    assert 1 <= len(runners) <= 2
    # ... and each worker started its warm kernel server once.
    assert len(list((cluster_dir / "workers").rglob("kernel-server.log"))) == 2
    assert_same_reports(local_reports, out, ids)


def test_a_worker_with_other_code_or_without_the_paths_fails_the_report_clearly(tmp_path):
    import types

    from strapetsi_lib.batch.dask_worker import WarmKernelPlugin
    from strapetsi_lib.batch.tasks import ReportTask
    from strapetsi_lib.cache_keys import code_fingerprint

    worker = types.SimpleNamespace(local_directory=str(tmp_path),
                                   state=types.SimpleNamespace(nthreads=1))
    task = ReportTask("0100013-3", "provider", str(tmp_path / "absent.ipynb"),
                      {"dataset": str(tmp_path / "no-dataset")}, out_dir=str(tmp_path),
                      notebook_dir=str(tmp_path / "_work" / "notebooks"), stem="provider_x",
                      language="fi")
    for fingerprint, expected in (("0" * 64, "differs from the coordinator's"),
                                  (code_fingerprint(), "cannot see notebook")):
        plugin = WarmKernelPlugin(fingerprint)
        plugin.setup(worker)
        try:
            result = plugin.run(task, timeout=60)
        finally:
            plugin.teardown(worker)
        assert not result.ok
        assert result.error.ename == "WorkerSetupError"
        assert expected in result.error.cause
    assert str(tmp_path / "no-dataset") in result.error.cause
    assert not (tmp_path / "provider_x.html").exists()
