"""The same batch on a Dask cluster (`strapetsi run --executor dask`) gives the same reports.

A few providers of a small demo network run twice: with the local executor (warm, forked
kernels) and through a Dask ``LocalCluster`` (each notebook in its own subprocess with an
ordinary kernel). Every word, number and table of the reports must be the same. The figures
are compared by count, size and text alternative rather than by pixels, because one figure
(the providers' place, a seaborn strip plot) jitters its points at random in every kernel.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_dask_local_cluster_gives_the_same_reports(setup):
    work, dataset, notebook, ids = setup
    selection = [arg for provider_id in ids for arg in ("--provider", provider_id)]
    local, dask = work / "local", work / "dask"
    result = strapetsi_run(dataset, "--out", local, "--notebook", notebook, *selection)
    assert result.returncode == 0, result.stderr
    result = strapetsi_run(dataset, "--out", dask, "--notebook", notebook, *selection,
                           "--executor", "dask", "--jobs", "2")
    assert result.returncode == 0, result.stderr

    manifest = json.loads((dask / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["executor"]["executor"] == "dask"
    assert manifest["run"]["executor"]["scheduler"] == "LocalCluster"
    workers = {entry["produced"]["worker"] for entry in manifest["reports"]
               if entry["id"] in ids}
    assert len(workers) == len(ids)  # each notebook ran in a process of its own
    for provider_id in ids:
        name = f"provider_{provider_id}.html"
        ours = (local / name).read_text(encoding="utf-8")
        theirs = (dask / name).read_text(encoding="utf-8")
        assert ours.count("data:image/svg+xml") == theirs.count("data:image/svg+xml") > 0
        assert without_pixels(ours) == without_pixels(theirs), name
        assert json.loads((local / f"provider_{provider_id}.ipynb").read_text())["metadata"][
            "papermill"]["parameters"] == json.loads(
            (dask / f"provider_{provider_id}.ipynb").read_text())["metadata"]["papermill"][
            "parameters"]
