"""Report kernels that start: Unix sockets instead of ports, and one more start for a kernel that
died before it ran a cell.

Over TCP a report kernel gets five ports that ``jupyter_client`` chose and closed before the
kernel binds them; with several workers starting kernels at once, about one start in a hundred
finds a port taken ("ZMQError: Address already in use") and its report fails with "Kernel died
before replying to kernel_info". Every test here starts real kernels.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from rich.console import Console

from strapetsi_lib.batch import manifest as runs
from strapetsi_lib.batch.run import RunOptions, run_batch
from strapetsi_lib.batch.tasks import ReportTask, run_task
from strapetsi_lib.batch.warm_kernel import use_kernelspecs
from strapetsi_lib.config import PROVIDER_NOTEBOOK
from strapetsi_lib.errors import ReportError
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.render import export
from strapetsi_lib.render.kernel_client import QuickStartKernelManager, ipc_address

PLANTED = "planted failure"
#: A kernel command that dies at once while its file of deaths to come holds a number above 0
#: (counting down), and is an ordinary ipykernel otherwise.
DYING_KERNEL = """\
import os, sys
deaths = sys.argv[1]
left = int(open(deaths).read())
if left > 0:
    open(deaths, "w").write(str(left - 1))
    os._exit(3)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", sys.argv[2]])
"""


def test_report_kernels_talk_over_unix_sockets_named_afresh():
    manager = QuickStartKernelManager(kernel_name="strapetsi")
    assert manager.transport == "ipc"
    assert Path(manager.ip).parent.is_dir()
    assert manager.ip != QuickStartKernelManager(kernel_name="strapetsi").ip
    assert ipc_address("/" + "x" * 120) is None  # a path too long for a socket: TCP ports


@pytest.fixture
def dying_kernel(tmp_path, monkeypatch):
    """``set(n)``: the kernel ``dying`` dies at start ``n`` times, then runs; returns its name."""
    deaths = tmp_path / "deaths"
    script = tmp_path / "dying_kernel.py"
    script.write_text(DYING_KERNEL, encoding="utf-8")
    spec = tmp_path / "jupyter" / "kernels" / "dying"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(script), str(deaths), "{connection_file}"],
        "display_name": "dies at start", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", "")
    use_kernelspecs(str(tmp_path / "jupyter"))

    def dies(times: int) -> str:
        deaths.write_text(str(times), encoding="utf-8")
        return "dying"

    return dies


def _notebook(path: Path) -> Path:
    nb = new_notebook(cells=[new_code_cell("word = 'x'"), new_code_cell("print(word)")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("# A report"))
    nb.metadata["kernelspec"] = {"name": "strapetsi", "language": "python",
                                 "display_name": "Python"}
    nbformat.write(nb, path)
    return path


def _task(tmp_path: Path) -> ReportTask:
    return ReportTask("0100013-3", runs.PROVIDER, str(_notebook(tmp_path / "nb.ipynb")),
                      {"word": "ok"}, str(tmp_path / "out"), str(tmp_path / "out" / "nb"),
                      "provider_0100013-3", "fi")


@pytest.mark.slow
def test_a_kernel_that_died_at_start_is_started_once_more_and_that_is_on_record(
        tmp_path, dying_kernel):
    result = run_task(_task(tmp_path), kernel_name=dying_kernel(1))
    assert result.ok, result.error
    assert result.kernel_restarts == 1
    assert "ok" in (tmp_path / "out" / "provider_0100013-3.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_kernel_that_dies_at_every_start_fails_its_report_saying_so(tmp_path, dying_kernel):
    with pytest.raises(ReportError) as raised:
        export.render_report(Path(_notebook(tmp_path / "nb.ipynb")), {"word": "ok"},
                             tmp_path / "out", "report", "fi", kernel_name=dying_kernel(5))
    assert raised.value.ename == "KernelStartError"
    assert (f"{export.KERNEL_STARTS} kernels were started and each died before it ran a cell"
            in raised.value.message)
    assert not (tmp_path / "out" / "report.html").exists()


def _planted(source: Path, target: Path, provider_id: str) -> Path:
    """The provider notebook with a last cell that raises for ``provider_id`` only."""
    nb = nbformat.read(source, as_version=4)
    nb.cells.append(new_code_cell(f'if provider_id == "{provider_id}":\n'
                                  f'    raise RuntimeError("{PLANTED}")'))
    nbformat.write(nb, target)
    return target


@pytest.mark.slow
def test_runs_after_a_failed_run_start_every_kernel(tmp_path):
    """Ten times: a run whose notebook fails for one provider, then the notebook restored and
    run again. Only the planted failure fails; no kernel dies at start, so none is restarted."""
    dataset = generate_demo(tmp_path / "demo", n_providers=4, seed=11)
    ids = [line.split(",")[0] for line in
           (dataset / "providers.csv").read_text(encoding="utf-8-sig").splitlines()[1:]]
    good = PROVIDER_NOTEBOOK.read_bytes()
    bad = _planted(PROVIDER_NOTEBOOK, tmp_path / "bad.ipynb", ids[0]).read_bytes()
    notebook, out = tmp_path / "provider_report.ipynb", tmp_path / "out"

    def run(source: bytes) -> runs.Manifest:
        notebook.write_bytes(source)
        outcome = run_batch(RunOptions(dataset=dataset, out_dir=out, network=False,
                                       provider_notebook=notebook),
                            console=Console(file=io.StringIO()))
        return outcome.manifest

    run(good)
    restarts = []
    for attempt in range(10):
        for source, failing in ((bad, {ids[0]}), (good, set())):
            manifest = run(source)
            failed = {entry.id: entry.error for entry in manifest.reports
                      if entry.status == runs.FAILED}
            assert set(failed) == failing, (attempt, failed)
            assert all(PLANTED in error.evalue for error in failed.values())
            ran = [entry for entry in manifest.reports if entry.status == runs.OK]
            assert ran, attempt
            restarts += [entry.produced["kernel_restarts"] for entry in ran]
    assert restarts and set(restarts) == {0}
