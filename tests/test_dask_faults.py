"""A Dask run that loses a worker mid-run does no report twice, and leaves nothing to redo.

A real ``dask scheduler`` and ``dask worker --nworkers 2`` (nannies) run a small network; once
reports are recorded, the worker process that made one is killed with ``kill -9`` and its nanny
starts a new one. A finished report must not be computed again (its future was released once
recorded), nor rewritten after the run recorded it (its fence), and a second run must find
nothing to do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from run_folder import record

from strapetsi_lib.batch.dask_worker import separate_cluster
from strapetsi_lib.batch.tasks import SUPERSEDED, ReportTask, run_task
from strapetsi_lib.ingest.demo import generate_demo

pytestmark = pytest.mark.slow


def notebook(path: Path, log: Path, seconds: float) -> Path:
    """A report notebook that notes each execution in ``log`` and takes ``seconds``."""
    parameters = new_code_cell('dataset = ""\nprovider_id = ""\nlanguage = "fi"')
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[
        parameters,
        new_markdown_cell("# Pieni raportti"),
        new_code_cell(f"with open({str(log)!r}, 'a') as log:\n"
                      "    print(provider_id, file=log)\n"
                      f"import time\ntime.sleep({seconds})"),
    ])
    nb.metadata["kernelspec"] = {"name": "strapetsi", "display_name": "strapetsi",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[1])


def test_a_worker_killed_mid_run_redoes_no_recorded_report(tmp_path):
    dataset = generate_demo(tmp_path / "demo", n_providers=6)
    executions = tmp_path / "executions.log"
    report = notebook(tmp_path / "slow.ipynb", executions, seconds=3)
    out = tmp_path / "out"
    with separate_cluster(tmp_path / "cluster", n_workers=2) as address:
        command = [sys.executable, "-m", "strapetsi_lib", "run", str(dataset), "--out", str(out),
                   "--notebook", str(report), "--no-network", "--executor", "dask",
                   "--scheduler", address]
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        try:
            deadline = time.monotonic() + 300
            done = []
            while time.monotonic() < deadline and run.poll() is None:
                with contextlib.suppress(OSError, ValueError, KeyError):
                    done = [e for e in record(out)["reports"] if e["status"] == "ok"]
                if len(done) >= 2:
                    break
                time.sleep(0.2)
            assert len(done) >= 2 and run.poll() is None, "no two reports before the end"
            # kill -9 the Dask worker process that made a recorded report (its report runner
            # is its child); the nanny starts a new one
            runner = int(done[0]["produced"]["worker"].split(":")[1])
            os.kill(parent_of(runner), signal.SIGKILL)
            recorded = {e["id"] for e in done}
            stdout, stderr = run.communicate(timeout=600)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
        assert run.returncode == 0, stderr
        reports = record(out)["reports"]
        assert [e["status"] for e in reports] == ["ok"] * 6
        # no report was rewritten after the run recorded it
        for entry in reports:
            for name, state in entry["files"].items():
                stat = (out / name).stat()
                assert {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns} == state, name
        # the reports recorded before the kill were executed once
        runs = executions.read_text(encoding="utf-8").split()
        assert all(runs.count(provider_id) == 1 for provider_id in recorded), runs
        assert not list((out / "_work" / "notebooks").glob(".*"))

        again = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert "Nothing to do: all 6 reports are up to date" in again.stdout
        assert record(out)["run"]["reports_run"] == 0


def test_a_task_fenced_while_it_ran_writes_nothing(tmp_path):
    """The run recorded the report while a repetition of its task was executing (the fence
    appears during execution): the repetition puts no file in place."""
    fence = tmp_path / "out" / "_work" / "notebooks" / ".provider_x.1.recorded"
    fence.parent.mkdir(parents=True)
    parameters = new_code_cell('dataset = ""\nprovider_id = ""\nlanguage = "fi"')
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[parameters, new_markdown_cell("# Raportti"),
                             new_code_cell(f"import pathlib\npathlib.Path({str(fence)!r})"
                                           ".touch()")])
    nb.metadata["kernelspec"] = {"name": "strapetsi", "display_name": "strapetsi",
                                 "language": "python"}
    nbformat.write(nb, tmp_path / "fence.ipynb")
    task = ReportTask("0100013-3", "provider", str(tmp_path / "fence.ipynb"),
                      {"dataset": "", "provider_id": "0100013-3", "language": "fi"},
                      out_dir=str(tmp_path / "out"), notebook_dir=str(fence.parent),
                      stem="provider_x", language="fi", fence=str(fence))
    result = run_task(task)
    assert not result.ok and result.error.ename == SUPERSEDED
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == [
        ".provider_x.1.recorded", "_work", "notebooks"]
    # fenced before it starts: not even a kernel
    again = run_task(task)
    assert again.error.ename == SUPERSEDED and "before this task ran" in again.error.cause
