"""One unit of batch work: a report to execute and export, and what came of it.

A :class:`ReportTask` holds plain values only (paths as text, parameters as JSON types), so the
same task goes to a local worker process, through a Dask cluster, or as JSON to a subprocess.
:func:`run_task` runs it in the current process; :func:`run_task_subprocess` runs it in a fresh
Python process, which is how Dask workers run notebooks (a Papermill kernel inside a Dask
worker is fragile: dask/distributed#2479).

``python -m strapetsi_lib.batch.tasks TASK.json RESULT.json`` is the subprocess's entry point.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from strapetsi_lib.batch.manifest import Failure
from strapetsi_lib.config import KERNEL_NAME
from strapetsi_lib.files import portable_path, sha256_text

#: ``Failure.ename`` of a report that failed because the run folder cannot be written.
OUTPUT_FOLDER_FAULT = "OutputFolderError"
#: ``Failure.ename`` of a repeated task that wrote nothing: the run had recorded the report.
SUPERSEDED = "ReportSuperseded"


@dataclass(frozen=True)
class ReportTask:
    """A report to produce.

    Attributes
    ----------
    report_id
        The provider's Y-tunnus, or ``"network"``.
    kind
        ``"provider"`` or ``"network"``.
    notebook
        The report notebook (absolute path).
    parameters
        The Papermill parameters.
    out_dir
        The run folder that receives ``{stem}.html``.
    notebook_dir
        The folder that receives the executed notebook ``{stem}.ipynb`` (under ``out_dir``).
    stem
        The reports' file name without suffix.
    language
        The report's language.
    cell_timeout
        Seconds one cell may run (``None``: no limit).
    pdf
        Also print the report to ``{stem}.pdf`` (``strapetsi run --pdf``); a failed print fails
        the report and keeps its earlier files.
    fence
        A file whose presence means the run has recorded this report already: the task then
        writes nothing (checked before it starts and again just before its files are put in
        place). The Dask executor sets it, since a scheduler may run a task again after the
        worker holding its result died.
    """

    report_id: str
    kind: str
    notebook: str
    parameters: dict[str, Any]
    out_dir: str
    notebook_dir: str
    stem: str
    language: str
    cell_timeout: float | None = None
    pdf: bool = False
    fence: str | None = None


@dataclass
class TaskResult:
    """What became of a :class:`ReportTask`.

    Attributes
    ----------
    report_id
        The task's report id.
    ok
        Whether both files were written.
    started
        When the work began (seconds since the epoch).
    seconds, execute_seconds, export_seconds
        Wall-clock time in all, executing (kernel start included) and exporting.
    error
        On failure, why (with the failing cell and the kept notebook, where known).
    worker
        Which process ran the notebook: a short code of the host (not its name) and the pid.
    kernel_restarts
        How many times the report's kernel died before it ran any cell and was started again.
    """

    report_id: str
    ok: bool
    started: float
    seconds: float
    execute_seconds: float | None = None
    export_seconds: float | None = None
    error: Failure | None = None
    worker: str = field(default_factory=lambda: worker_code())
    kernel_restarts: int = 0

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> TaskResult:
        """A result from its JSON form (as a subprocess writes it)."""
        error = record.get("error")
        return cls(**{**record, "error": Failure.from_record(error) if error else None})


def worker_code() -> str:
    """This process, for the record: a short hash of the host name (a manifest must not name
    the machine) and the pid."""
    return f"{sha256_text(socket.gethostname())[:6]}:{os.getpid()}"


def failure(task: ReportTask, cause: str, started: float, ename: str = "BatchError",
            **fields: Any) -> TaskResult:
    """A failed result for ``task`` raised outside the notebook (worker died, time out, ...)."""
    error = Failure(cause=cause, ename=ename, evalue=fields.pop("evalue", cause), **fields)
    return TaskResult(task.report_id, False, started, time.time() - started, error=error)


def timed_out(task: ReportTask, limit: float, started: float) -> TaskResult:
    """The result of a report stopped after ``limit`` seconds, naming the cell it was running.

    Call it once the process running the report is gone: its work folder still holds the note
    of the running cell (and the executed notebook as last saved), see
    :func:`~strapetsi_lib.render.export.running_cell`.
    """
    from strapetsi_lib.render.export import running_cell

    cell_index = cell = None
    for folder in sorted(Path(task.notebook_dir).glob(f".{task.stem}.*")):
        if folder.is_dir():  # the report's work folder; the notebook itself may not be saved
            cell_index, cell = running_cell(folder / f"{task.stem}.ipynb")
    where = f" (it was running cell {cell})" if cell else ""
    return failure(task, f"the notebook did not finish within {limit:g} s{where}", started,
                   ename="Timeout", cell=cell, cell_index=cell_index)


def run_task(task: ReportTask, kernel_name: str = KERNEL_NAME) -> TaskResult:
    """Execute and export one report here; failures come back as a result, never raised.

    Parameters
    ----------
    task
        The report.
    kernel_name
        The kernelspec Papermill starts (a warm one from :mod:`strapetsi_lib.batch.warm_kernel`, or
        the ordinary ``strapetsi`` kernel).

    Returns
    -------
    TaskResult
        ``ok`` when ``{stem}.ipynb`` and ``{stem}.html`` are in place; on failure the files of
        an earlier run are left untouched (:func:`strapetsi_lib.render.export.render_report`).
    """
    from strapetsi_lib.errors import OutputFolderError, ReportError, ReportSuperseded
    from strapetsi_lib.render.export import render_report
    from strapetsi_lib.render.pdf import PdfError

    started = time.time()
    clock = time.perf_counter()
    fenced = (lambda: os.path.exists(task.fence)) if task.fence else None
    try:
        if fenced is not None and fenced():
            raise ReportSuperseded(f"report {task.report_id} was recorded before this task ran")
        result = render_report(Path(task.notebook), task.parameters, Path(task.out_dir),
                               task.stem, task.language, kernel_name=kernel_name,
                               report_id=task.report_id, timeout=task.cell_timeout,
                               notebook_dir=Path(task.notebook_dir), pdf=task.pdf,
                               superseded=fenced)
    except ReportSuperseded as exc:  # nobody waits for this result; it says why nothing changed
        return failure(task, f"nothing written: {exc}", started, ename=SUPERSEDED)
    except PdfError as exc:  # the report itself is fine; its earlier files are kept
        return failure(task, f"the PDF could not be printed: {exc.reason}", started,
                       ename="PdfError", evalue=exc.reason)
    except ReportError as exc:
        failed = exc.executed_notebook
        return failure(task, exc.message, started, ename=exc.ename or "ReportError",
                       evalue=exc.evalue, cell=exc.cell, cell_index=exc.cell_index,
                       failed_notebook=portable_path(failed, task.out_dir) if failed else None)
    except OutputFolderError as exc:
        return failure(task, str(exc), started, ename=OUTPUT_FOLDER_FAULT, evalue=exc.folder)
    except Exception as exc:  # noqa: BLE001 - one report's failure must not stop the batch
        lines = traceback.format_exception_only(type(exc), exc)
        return failure(task, "".join(lines).strip(), started, ename=type(exc).__name__,
                       evalue=str(exc))
    return TaskResult(task.report_id, True, started, time.perf_counter() - clock,
                      result.execute_seconds, result.export_seconds,
                      kernel_restarts=result.kernel_restarts)


def run_task_subprocess(task: ReportTask, timeout: float | None = None,
                        kernel_name: str = KERNEL_NAME) -> TaskResult:
    """Run :func:`run_task` in a fresh Python process and return its result.

    Parameters
    ----------
    task
        The report.
    timeout
        Seconds the whole notebook may take; the process (and so its kernel) is then killed
        and the report recorded as failed.
    kernel_name
        The kernelspec to use in the subprocess.
    """
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="strapetsi-task-") as folder:
        task_file, result_file = Path(folder, "task.json"), Path(folder, "result.json")
        task_file.write_text(json.dumps(asdict(task)), encoding="utf-8")
        command = [sys.executable, "-m", "strapetsi_lib.batch.tasks", str(task_file),
                   str(result_file), kernel_name]
        # Its own session, so a time-out can kill the process with the kernel it started.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return timed_out(task, timeout, started)
        except BaseException:
            _kill_group(process)
            raise
        if not result_file.is_file():
            tail = output.decode(errors="replace").strip().splitlines()[-5:]
            return failure(task, f"the report process ended with exit code "
                           f"{process.returncode}: " + " | ".join(tail), started,
                           ename="ProcessDied")
        return TaskResult.from_record(json.loads(result_file.read_text(encoding="utf-8")))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # no process groups (Windows): the process, its kernel dies with its pipes
            process.kill()
    except ProcessLookupError:
        pass
    process.wait()


def _main(argv: list[str]) -> int:
    from strapetsi_lib.batch.kernel_server import die_with_parent
    from strapetsi_lib.batch.startup import skip_slow_optional_imports

    die_with_parent(signal.SIGTERM)
    skip_slow_optional_imports()
    task_file, result_file, kernel_name = argv
    task = ReportTask(**json.loads(Path(task_file).read_text(encoding="utf-8")))
    result = run_task(task, kernel_name)
    Path(result_file).write_text(json.dumps(asdict(result)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
