"""Where report tasks run: a pool of warm local worker processes, or a Dask cluster.

Every executor is an :class:`Executor`: it takes the same
:class:`~strapetsi_lib.batch.tasks.ReportTask` list and calls back as tasks start and finish; a
failure of one task is a failed :class:`~strapetsi_lib.batch.tasks.TaskResult`, never an
exception that stops the others. ``strapetsi run --executor NAME`` picks one from
:data:`EXECUTORS` (:func:`make_executor`); another executor is a class with the protocol's
methods and an entry there.

:class:`LocalExecutor` keeps ``jobs`` worker processes, which import Papermill and nbconvert once
and share one :class:`~strapetsi_lib.batch.warm_kernel.WarmKernel` (a fork server with the analysis
libraries imported), so a notebook pays neither an interpreter start nor the kernel's imports;
each notebook still gets a fresh kernel process. A worker that dies or overruns the notebook
time-out is replaced, and only its report fails.

:class:`DaskExecutor` sends the tasks to a Dask distributed cluster (or a ``LocalCluster`` it
starts). It registers :class:`~strapetsi_lib.batch.dask_worker.WarmKernelPlugin`, so every Dask
worker keeps a warm kernel server and runner processes like the local ones, and a report costs
about the same there. The cluster's workers must see the same file system paths (dataset,
notebooks, run folder) as this machine and run the same workbench code (both are checked).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

from strapetsi_lib.batch import interrupts, layout
from strapetsi_lib.batch.tasks import (
    ReportTask,
    TaskResult,
    failure,
    run_task,
    run_task_subprocess,
    timed_out,
)

OnStart = Callable[[ReportTask], None]
OnDone = Callable[[ReportTask, TaskResult], None]


class Executor(Protocol):
    """What the batch asks of a place where reports run (:func:`strapetsi_lib.batch.run.run_batch`
    calls the methods in this order: ``start``, ``describe``, ``run``, ``shutdown``).

    Attributes
    ----------
    name
        The executor's name in :data:`EXECUTORS` and in the run's manifest.
    """

    name: str

    def start(self, expected: int) -> None:
        """Get ready for about ``expected`` tasks (start workers, connect), while the
        coordinator validates and prepares; calling it again does nothing."""

    def describe(self) -> dict[str, Any]:
        """The executor's settings, for the manifest (no host names, no absolute paths)."""

    def run(self, tasks: list[ReportTask], on_start: OnStart, on_done: OnDone) -> None:
        """Run every task, calling ``on_start`` as one starts and ``on_done`` with its result
        as it ends (in the calling thread); a task's failure is a failed result. On
        ``KeyboardInterrupt`` stop the tasks, then let it propagate."""

    def shutdown(self) -> None:
        """Stop everything ``start`` started; safe to call twice."""


@dataclass(frozen=True)
class ExecutorSettings:
    """What ``strapetsi run`` tells an executor (see :class:`LocalExecutor` and
    :class:`DaskExecutor` for each setting)."""

    jobs: int
    scheduler: str | None = None
    warm: bool = True
    notebook_timeout: float | None = None
    log_dir: Path | None = None
    dataset: Path | None = None

#: Set this environment variable to 1 to run the batch as on a platform without ``fork``
#: (Windows): ordinary kernels, no fork server.
PORTABLE_ENV = "STRAPETSI_PORTABLE"
#: Seconds a whole notebook may run before its worker is stopped; ``None`` disables the limit.
DEFAULT_NOTEBOOK_TIMEOUT = 900.0
_POLL = 0.2
_STOP_GRACE = 5.0
_MAX_BARREN_DEATHS = 3
#: The module a worker's fork server imports before forking workers.
WORKER_IMPORTS = "strapetsi_lib.batch.worker_imports"


def warm_kernels_possible() -> bool:
    """Whether warm (forked) kernels can run here: the fork server needs ``os.fork`` and Unix
    sockets that pass file descriptors, which Windows lacks. ``STRAPETSI_PORTABLE=1`` answers
    no on any platform, to run (and test) the portable path: ordinary kernels, one per report.
    The run lock is portable everywhere (:mod:`filelock`)."""
    if os.environ.get(PORTABLE_ENV, "").strip() not in ("", "0"):
        return False
    return (hasattr(os, "fork") and hasattr(socket, "AF_UNIX")
            and hasattr(socket, "send_fds"))


def _kill_process_group(pid: int) -> None:
    """Kill ``pid`` and its process group (POSIX); just the process where there are none."""
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGTERM)


# --- the local worker process -----------------------------------------------------------------


def _child_pids() -> list[int]:
    """This process's children (Linux /proc), e.g. ordinary kernels."""
    me, children = str(os.getpid()), []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError):
                    stat = Path(entry.path, "stat").read_text()
                    if stat[stat.rindex(")") + 2:].split()[1] == me:
                        children.append(int(entry.name))
    return children


def _worker_main(conn: Connection, kernel: tuple[str, str] | None, log_path: str | None) -> None:
    """A worker: import once, then run tasks from ``conn`` until it sends ``None``.

    ``kernel`` is the warm kernel's (kernelspec name, kernelspec folder), or ``None`` for the
    ordinary kernel.
    """
    from strapetsi_lib.batch.kernel_server import die_with_parent
    from strapetsi_lib.batch.startup import skip_slow_optional_imports

    die_with_parent(signal.SIGTERM)
    skip_slow_optional_imports()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    if log_path:  # kernels and libraries write here, not over the progress bar
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)

    def stop(_signum: int, _frame: object) -> None:
        # Our children are ordinary kernels, each in its own process group; a forked kernel
        # dies when the server sees this process's connection to it close.
        for pid in _child_pids():
            _kill_process_group(pid)
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)
    if kernel is not None:
        from strapetsi_lib.batch.warm_kernel import use_kernelspecs

        use_kernelspecs(kernel[1])
    # What every task needs, imported once, up front (a worker forked from the fork server
    # has it already: importing it again costs nothing).
    importlib.import_module(WORKER_IMPORTS)

    # What is imported lives as long as the worker: keep it out of the garbage collections
    # that each report's export (thousands of linked tags) sets off (gc.freeze's own use).
    gc.collect()
    gc.freeze()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        conn.send(("started", task.report_id))
        result = run_task(task, kernel[0]) if kernel is not None else run_task(task)
        conn.send(("done", result))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: ReportTask | None = None
    running: bool = False  # the worker said it started the task (it may still be importing)
    started: float = 0.0  # epoch seconds, for the record
    clock: float = 0.0  # monotonic seconds, for the time-out
    worked: bool = False


class LocalExecutor:
    """Run tasks in ``jobs`` local worker processes, each with a warm kernel.

    Parameters
    ----------
    jobs
        Number of worker processes (notebooks running at once).
    warm
        Use the fork-server kernel; ``False`` (and any platform where
        :func:`warm_kernels_possible` says no) starts an ordinary kernel for every notebook.
    notebook_timeout
        Seconds one notebook may take before its worker is stopped and the report failed.
    log_dir
        Folder for the workers' logs (kernel messages); ``None`` inherits stderr.
    dataset
        The run's dataset folder: the warm kernel server reads its prepared tables once before
        forking (see :class:`~strapetsi_lib.batch.warm_kernel.WarmKernel`).
    """

    name = "local"

    def __init__(self, jobs: int, warm: bool = True,
                 notebook_timeout: float | None = DEFAULT_NOTEBOOK_TIMEOUT,
                 log_dir: Path | None = None, dataset: Path | None = None):
        self.jobs = max(1, int(jobs))
        self.dataset = dataset
        self.portable = not warm_kernels_possible()
        self.warm = warm and not self.portable
        self.notebook_timeout = notebook_timeout
        self.log_dir = log_dir
        # The coordinator has threads (progress bar) and must not be forked. Workers are forked
        # from a fork server, started afresh, that has imported what they need
        # (strapetsi_lib.batch.worker_imports) once; where there is no fork, each is spawned.
        # A forked worker has the environment the fork server started with (the coordinator's
        # at its first worker): what a task needs to know comes with the task.
        self._context = multiprocessing.get_context("spawn" if self.portable else "forkserver")
        if not self.portable:
            self._context.set_forkserver_preload([WORKER_IMPORTS])
        self._workers: list[_Worker] = []
        self._kernel = None  # the WarmKernel the workers share
        self._kernel_log = None
        self._count = 0
        self._barren_deaths = 0  # workers that died before running anything

    def describe(self) -> dict[str, Any]:
        """The executor's settings, for the manifest."""
        return {"executor": self.name, "jobs": self.jobs, "warm_kernel": self.warm,
                "portable": self.portable, "notebook_timeout": self.notebook_timeout}

    def start(self, expected: int) -> None:
        """Start the kernel server and the workers now, so that they import their libraries
        while the coordinator validates and prepares.

        Parameters
        ----------
        expected
            Roughly how many tasks will come; no more than that many workers are started.
        """
        if self.warm and self._kernel is None:
            from strapetsi_lib.batch.warm_kernel import WarmKernel

            log = self.log_dir / "kernel-server.log" if self.log_dir else None
            self._kernel_log = open(log, "ab") if log else None  # noqa: SIM115 - closed in shutdown
            try:
                self._kernel = WarmKernel(log=self._kernel_log, preload=self.dataset).start()
            except Exception as exc:  # noqa: BLE001 - the ordinary kernel still works
                print(f"warm kernel unavailable, using the ordinary kernel: {exc}",
                      file=sys.stderr)
                self.warm = False
        while len(self._workers) < min(self.jobs, max(1, expected)):
            self._spawn()

    def _spawn(self) -> _Worker:
        self._count += 1
        log = str(self.log_dir / f"worker-{self._count}.log") if self.log_dir else None
        kernel = ((self._kernel.kernel_name, self._kernel.kernelspec_path)
                  if self._kernel is not None else None)
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child, kernel, log),
                                        name=f"strapetsi-worker-{self._count}", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        worker.conn.close()
        if worker.process.is_alive():
            worker.process.terminate()
        worker.process.join(_STOP_GRACE)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()

    def run(self, tasks: list[ReportTask], on_start: OnStart, on_done: OnDone) -> None:
        """Run every task; call ``on_start`` before one is handed to a worker and ``on_done``
        when it ends.

        On ``KeyboardInterrupt`` the workers are stopped (their kernels with them) before the
        exception propagates; reports being written then are left as they were before. An
        interrupt is raised while the loop waits for its workers, or when the books it was
        keeping are in order (:func:`strapetsi_lib.batch.interrupts.deferred`).
        """
        pending = deque(tasks)
        try:
            with interrupts.deferred():
                self.start(len(pending))
            while pending or any(w.task is not None for w in self._workers):
                with interrupts.deferred():
                    if self._kernel is not None:
                        self._kernel.ensure()  # a crashed server is restarted, a few times
                    self._dispatch(pending, on_start)
                ready = wait([w.conn for w in self._workers if w.task is not None],
                             timeout=_POLL)
                with interrupts.deferred():
                    self._collect(ready, on_start, on_done, pending)
                    self._enforce_timeout(on_done, pending)
                    self._replace_dead(on_done, pending)
                    self._give_up_if_barren(on_done, pending)
            for worker in self._workers:  # let them stop their kernel servers themselves
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            for worker in self._workers:
                worker.process.join(_STOP_GRACE)
        finally:
            self.shutdown()

    def _dispatch(self, pending: deque, on_start: OnStart) -> None:
        """Give each idle worker the next task, once ``on_start`` has recorded that it starts
        (a write-ahead record: whatever stops the run from now on, the task was begun)."""
        for worker in self._workers:
            if worker.task is None and pending:
                worker.task, worker.running = pending.popleft(), False
                on_start(worker.task)
                worker.conn.send(worker.task)

    def _give_up_if_barren(self, on_done: OnDone, pending: deque) -> None:
        if self._barren_deaths >= _MAX_BARREN_DEATHS:
            cause = (f"{self._barren_deaths} worker processes died before running a "
                     "report; see the worker logs")
            while pending:
                task = pending.popleft()
                on_done(task, failure(task, cause, time.time(), ename="WorkerDied"))

    def _collect(self, ready: list, on_start: OnStart, on_done: OnDone, pending: deque) -> None:
        for worker in [w for w in self._workers if w.conn in ready]:
            try:
                kind, payload = worker.conn.recv()
            except (EOFError, OSError):
                continue  # it died; _replace_dead reports it
            if kind == "started":  # recorded when it was handed over; this starts its clock
                worker.running, worker.worked = True, True
                worker.started, worker.clock = time.time(), time.monotonic()
            else:
                task, worker.task = worker.task, None
                on_done(task, payload)
                # then the next report, whose write-ahead record carries this one's result
                self._dispatch(pending, on_start)

    def _enforce_timeout(self, on_done: OnDone, pending: deque) -> None:
        if self.notebook_timeout is None:
            return
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.running and worker.task and now - worker.clock > self.notebook_timeout:
                task, started = worker.task, worker.started
                self._retire(worker)
                on_done(task, timed_out(task, self.notebook_timeout, started))
                if pending:
                    self._spawn()

    def _replace_dead(self, on_done: OnDone, pending: deque) -> None:
        for worker in list(self._workers):
            if worker.process.is_alive():
                continue
            task, code = worker.task, worker.process.exitcode
            self._retire(worker)
            if task is not None and worker.running:
                on_done(task, failure(task, f"the worker process running this report died "
                                      f"(exit code {code})", worker.started, ename="WorkerDied"))
            elif task is not None:  # never started: give it to another worker
                pending.appendleft(task)
            if not worker.worked:
                self._barren_deaths += 1
            if pending and self._barren_deaths < _MAX_BARREN_DEATHS:
                self._spawn()

    def shutdown(self) -> None:
        """Stop every worker and the kernel server (and so every kernel); safe to call twice."""
        for worker in list(self._workers):
            with contextlib.suppress(OSError):
                worker.process.terminate()
        for worker in list(self._workers):
            self._retire(worker)
        if self._kernel is not None:
            self._kernel.stop()
            self._kernel = None
        if self._kernel_log is not None:
            self._kernel_log.close()
            self._kernel_log = None


class DaskExecutor:
    """Run tasks on a Dask distributed cluster, each notebook in a warm runner on a worker.

    Parameters
    ----------
    scheduler
        The scheduler's address (``tcp://host:8786``); ``None`` starts a ``LocalCluster`` with
        ``jobs`` single-threaded worker processes for the duration of the run.
    jobs
        Workers of the ``LocalCluster`` (ignored with ``scheduler``).
    notebook_timeout
        Seconds one notebook may take before its subprocess is killed.
    warm
        Register the warm-kernel worker plugin; ``False`` runs every notebook in a fresh
        subprocess with an ordinary kernel.
    """

    name = "dask"

    def __init__(self, scheduler: str | None, jobs: int,
                 notebook_timeout: float | None = DEFAULT_NOTEBOOK_TIMEOUT, warm: bool = True):
        self.scheduler = scheduler
        self.jobs = max(1, int(jobs))
        self.notebook_timeout = notebook_timeout
        self.warm = warm
        self._client = self._cluster = None

    def describe(self) -> dict[str, Any]:
        """The executor's settings, for the manifest."""
        return {"executor": self.name, "scheduler": self.scheduler or "LocalCluster",
                "jobs": None if self.scheduler else self.jobs, "warm_kernel": self.warm,
                "notebook_timeout": self.notebook_timeout}

    def start(self, expected: int) -> None:
        """Connect to the scheduler (or start the ``LocalCluster``) while the coordinator
        validates and prepares."""
        if self._client is not None:
            return
        from dask.distributed import Client, LocalCluster

        if self.scheduler is None:
            self._cluster = LocalCluster(n_workers=min(self.jobs, max(1, expected)),
                                         threads_per_worker=1, processes=True,
                                         dashboard_address=":0")
        self._client = Client(self._cluster if self._cluster is not None else self.scheduler)
        if self.warm:
            from strapetsi_lib.batch.dask_worker import PLUGIN_NAME, WarmKernelPlugin
            from strapetsi_lib.cache_keys import code_fingerprint

            # The server and runners start in the background on each worker (their imports
            # go on while the coordinator validates and prepares); a worker without the
            # plugin still runs reports, in a fresh subprocess each (dask_worker.run_on_worker).
            try:
                self._client.register_plugin(WarmKernelPlugin(code_fingerprint()),
                                             name=PLUGIN_NAME)
            except Exception as exc:  # noqa: BLE001 - slower, not wrong
                print(f"warm kernels unavailable on the Dask workers: {exc}", file=sys.stderr)

    def run(self, tasks: list[ReportTask], on_start: OnStart, on_done: OnDone) -> None:
        """Submit every task and report each as it completes.

        Each task is recorded as started (``on_start``) before it is submitted. Once a result
        is recorded (``on_done``) its future is released, so that the scheduler forgets the
        task: a worker that dies later (its nanny restarts it) holds nothing the run still
        wants, and nothing is computed again. A repetition already under way when the result
        was recorded writes nothing, since the run marks the report recorded first
        (:func:`strapetsi_lib.batch.layout.fence_name`, the task's ``fence``).
        """
        from dask.distributed import as_completed

        self.start(len(tasks))
        function = run_task_subprocess
        if self.warm:
            from strapetsi_lib.batch.dask_worker import run_on_worker as function
        token = str(time.time_ns())
        futures = {}
        try:
            for task in tasks:
                task = dataclasses.replace(task, fence=str(
                    Path(task.out_dir) / layout.fence_name(task.stem, token)))
                on_start(task)
                future = self._client.submit(function, task, self.notebook_timeout,
                                             pure=False, key=f"strapetsi-{task.stem}-{token}")
                futures[future] = task
            for future in as_completed(list(futures)):
                task = futures.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - lost worker, cancelled task
                    result = failure(task, f"the Dask task failed: {type(exc).__name__}: {exc}",
                                     time.time(), ename=type(exc).__name__)
                _mark_recorded(task)
                on_done(task, result)
                future.release()
        except BaseException:
            self._client.cancel(list(futures))
            raise

    def shutdown(self) -> None:
        """Stop the workers' warm kernels, disconnect, and stop a ``LocalCluster`` we started."""
        if self._client is not None:
            if self.warm:
                from strapetsi_lib.batch.dask_worker import PLUGIN_NAME

                with contextlib.suppress(Exception):  # a cluster that is gone has no plugin
                    self._client.unregister_worker_plugin(PLUGIN_NAME)
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _mark_recorded(task: ReportTask) -> None:
    """Leave the task's fence before its result is recorded: from now on a repetition of the
    task (the scheduler recomputing it) writes nothing over the files the record describes."""
    with contextlib.suppress(OSError):  # an unwritable folder fails the report on its own
        Path(task.fence).touch()


def _local(settings: ExecutorSettings) -> LocalExecutor:
    return LocalExecutor(settings.jobs, warm=settings.warm,
                         notebook_timeout=settings.notebook_timeout, log_dir=settings.log_dir,
                         dataset=settings.dataset)


def _dask(settings: ExecutorSettings) -> DaskExecutor:
    # Dask workers, possibly on other machines, read the prepared tables in each kernel
    return DaskExecutor(settings.scheduler, settings.jobs,
                        notebook_timeout=settings.notebook_timeout, warm=settings.warm)


#: The executors by the name ``strapetsi run --executor`` takes, each made from the run's
#: settings.
EXECUTORS: dict[str, Callable[[ExecutorSettings], Executor]] = {"local": _local, "dask": _dask}


def make_executor(kind: str, jobs: int, scheduler: str | None = None, warm: bool = True,
                  notebook_timeout: float | None = DEFAULT_NOTEBOOK_TIMEOUT,
                  log_dir: Path | None = None, dataset: Path | None = None) -> Executor:
    """The executor named ``kind`` in :data:`EXECUTORS`; ``dataset`` is the run's dataset
    folder, whose prepared tables local warm kernels read once.

    Raises
    ------
    ValueError
        For a name that is not in :data:`EXECUTORS`.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; use {' or '.join(EXECUTORS)}")
    return EXECUTORS[kind](ExecutorSettings(jobs, scheduler, warm, notebook_timeout, log_dir,
                                            dataset))
