"""Warm kernels on Dask workers: the local executor's speed on a cluster.

:class:`WarmKernelPlugin` is a Dask ``WorkerPlugin``. When it is registered
(:class:`~strapetsi_lib.batch.executors.DaskExecutor` does that on connecting), every Dask worker
starts, once:

* a :class:`~strapetsi_lib.batch.warm_kernel.WarmKernel` (the fork server with the analysis
  libraries imported), and
* one report runner per worker thread: the very loop the local executor's worker processes run
  (:func:`strapetsi_lib.batch.executors._worker_main`: Papermill and nbconvert imported once,
  every notebook in a fresh kernel forked from the warm server).

A task (:func:`run_on_worker`) hands its :class:`~strapetsi_lib.batch.tasks.ReportTask` to an
idle runner of its worker and waits for the result, so a report costs on a worker what it costs
in a local pool. The runners are plain subprocesses talking over a socket pair, because a Dask
worker is a daemonic process that ``multiprocessing`` may not give children; and a Papermill
kernel inside the Dask worker's own process is fragile (dask/distributed#2479).

What a worker needs (checked before each report, failing it with a clear cause):

* the same workbench code as the coordinator (the code fingerprint of
  :func:`strapetsi_lib.cache_keys.code_fingerprint` must match), with the ``strapetsi`` kernel
  registered in its environment;
* the same paths: the dataset, the notebooks and the run folder are read and written where the
  coordinator names them (a shared file system). Tasks do not ship the dataset: a report reads
  the prepared tables and writes its HTML into the run folder, so the folder must be shared
  anyway.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from strapetsi_lib.batch.tasks import ReportTask, TaskResult, failure, run_task_subprocess

#: The name the plugin is registered under on every worker.
PLUGIN_NAME = "strapetsi-warm-kernel"
_POLL = 0.2
_STOP_GRACE = 5.0
_WARM_UP_TIMEOUT = 600.0


@dataclass
class _Runner:
    """A report runner subprocess and our end of its socket pair."""

    process: subprocess.Popen
    conn: Connection
    tasks_run: int = field(default=0)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Ask it to end (it kills its kernels on SIGTERM); kill it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        with contextlib.suppress(ProcessLookupError):
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.conn.close()


class WarmKernelPlugin(WorkerPlugin):
    """A Dask worker plugin that keeps a warm kernel server and report runners on each worker.

    Parameters
    ----------
    fingerprint
        The coordinator's :func:`~strapetsi_lib.cache_keys.code_fingerprint`; a worker whose code
        differs fails every report with a message that says so.

    Notes
    -----
    Dask calls :meth:`setup` when the plugin is registered (and on workers that join later) and
    :meth:`teardown` when it is unregistered or the worker closes.
    """

    name = PLUGIN_NAME

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint
        self._state: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint}  # the coordinator's side has no live state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.fingerprint = state["fingerprint"]
        self._state = None

    # -- on the worker --------------------------------------------------------------------------

    def setup(self, worker: Any) -> None:
        """Start the warm kernel server and one runner per worker thread."""
        from strapetsi_lib.batch.warm_kernel import WarmKernel
        from strapetsi_lib.cache_keys import code_fingerprint

        folder = Path(worker.local_directory) / "strapetsi"
        folder.mkdir(parents=True, exist_ok=True)
        mismatch = None
        if code_fingerprint() != self.fingerprint:
            mismatch = (f"the workbench code on Dask worker {socket.gethostname()} differs from "
                        "the coordinator's; install the same version on every worker")
        kernel_log = open(folder / "kernel-server.log", "ab")  # noqa: SIM115 - closed in teardown
        kernel = None
        try:
            kernel = WarmKernel(log=kernel_log).start()
        except Exception as exc:  # noqa: BLE001 - the ordinary kernel still works, slower
            print(f"warm kernel unavailable on this worker: {exc}", file=sys.stderr)
        self._state = {"folder": folder, "kernel": kernel, "kernel_log": kernel_log,
                       "idle": [], "all": [], "lock": threading.Lock(), "count": 0,
                       "mismatch": mismatch}
        # Started here, on the worker's main thread, so that "die with parent" follows the
        # worker process rather than a task thread.
        for _ in range(max(1, int(getattr(worker.state, "nthreads", 1)))):
            self._state["idle"].append(self._spawn())

    def teardown(self, worker: Any) -> None:
        """Stop every runner and the kernel server (and so every kernel)."""
        state, self._state = self._state, None
        if state is None:
            return
        for runner in state["all"]:
            runner.stop()
        if state["kernel"] is not None:
            state["kernel"].stop()
        state["kernel_log"].close()

    def _spawn(self) -> _Runner:
        state = self._state
        state["count"] += 1
        kernel = state["kernel"]
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", "strapetsi_lib.batch.dask_worker",
                   str(theirs.fileno()), str(state["folder"] / f"runner-{state['count']}.log")]
        if kernel is not None:
            command += [kernel.kernel_name, kernel.kernelspec_path]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=[theirs.fileno()],
                                   start_new_session=True)
        theirs.close()
        runner = _Runner(process, Connection(ours.detach()))
        state["all"].append(runner)
        return runner

    def _checkout(self) -> _Runner:
        state = self._state
        with state["lock"]:
            while state["idle"]:
                runner = state["idle"].pop()
                if runner.alive():
                    return runner
                self._discard(runner)
            return self._spawn()

    def _discard(self, runner: _Runner) -> None:
        with contextlib.suppress(ValueError):
            self._state["all"].remove(runner)
        runner.stop()

    def run(self, task: ReportTask, timeout: float | None) -> TaskResult:
        """Run ``task`` on an idle runner of this worker; failures come back as results."""
        started = time.time()
        problem = self._state["mismatch"] or _unreachable_paths(task)
        if problem:
            return failure(task, problem, started, ename="WorkerSetupError")
        if self._state["kernel"] is not None:
            self._state["kernel"].ensure()  # a crashed server is restarted, a few times
        runner = self._checkout()
        try:
            runner.conn.send(task)
            result = self._wait(runner, task, timeout)
        except (OSError, EOFError) as exc:
            result = failure(task, f"the report runner on this worker stopped ({exc})", started,
                             ename="WorkerDied")
        if result.ok or runner.alive():
            runner.tasks_run += 1
            with self._state["lock"]:
                self._state["idle"].append(runner)
        else:
            with self._state["lock"]:
                self._discard(runner)
        return result

    def _wait(self, runner: _Runner, task: ReportTask, timeout: float | None) -> TaskResult:
        started, clock = time.time(), time.monotonic()
        while True:
            if runner.conn.poll(_POLL):
                kind, payload = runner.conn.recv()
                if kind == "started":
                    started, clock = time.time(), time.monotonic()
                    continue
                return payload
            if not runner.alive():
                return failure(task, f"the report runner on this worker died (exit code "
                               f"{runner.process.returncode})", started, ename="WorkerDied")
            if timeout is not None and time.monotonic() - clock > timeout:
                with self._state["lock"]:
                    self._discard(runner)
                return failure(task, f"the notebook did not finish within {timeout:g} s",
                               started, ename="Timeout")


def _unreachable_paths(task: ReportTask) -> str | None:
    """Why this worker cannot run ``task`` with the coordinator's paths, or ``None``."""
    needed = {"notebook": Path(task.notebook), "run folder": Path(task.out_dir)}
    if isinstance(task.parameters.get("dataset"), str):
        needed["dataset"] = Path(task.parameters["dataset"])
    missing = [f"{what} {path}" for what, path in needed.items() if not path.exists()]
    if not missing:
        return None
    return (f"Dask worker {socket.gethostname()} cannot see " + ", ".join(missing) +
            "; workers need the dataset, the notebooks and the run folder on a shared path")


def run_on_worker(task: ReportTask, timeout: float | None = None) -> TaskResult:
    """The Dask task: run ``task`` through this worker's warm plugin.

    Without the plugin (a worker that joined before it was registered and failed to set it up),
    the report still runs, in a fresh subprocess with an ordinary kernel.
    """
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if plugin is None or getattr(plugin, "_state", None) is None:
        return run_task_subprocess(task, timeout)
    return plugin.run(task, timeout)


@contextmanager
def separate_cluster(folder: Path, n_workers: int = 2,
                     start_timeout: float = 180.0) -> Iterator[str]:
    """A ``dask scheduler`` and a ``dask worker --nworkers N`` started as processes of their own.

    On 127.0.0.1 with random ports, as a real cluster would be set up by hand; for tests and
    benchmarks of the cluster path. Yields the scheduler's address; on exit both are stopped
    with every process they started.

    Parameters
    ----------
    folder
        Receives ``scheduler.json``, the two logs and the workers' local directories.
    n_workers
        Worker processes, one thread each.
    start_timeout
        Seconds to wait for the scheduler file and for the workers to register.
    """
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    scheduler_file.unlink(missing_ok=True)
    dask = [sys.executable, "-m", "dask"]
    processes = [_start([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                         "--dashboard-address", ":0", "--scheduler-file", str(scheduler_file)],
                        folder / "scheduler.log")]
    try:
        deadline = time.monotonic() + start_timeout
        while not scheduler_file.is_file():
            if processes[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Dask scheduler did not start; see "
                                   f"{folder / 'scheduler.log'}")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text(encoding="utf-8"))["address"]
        processes.append(_start([*dask, "worker", address, "--nworkers", str(n_workers),
                                 "--nthreads", "1", "--host", "127.0.0.1",
                                 "--dashboard-address", ":0",
                                 "--local-directory", str(folder / "workers")],
                                folder / "worker.log"))
        with Client(address, timeout=start_timeout) as client:
            client.wait_for_workers(n_workers, timeout=start_timeout)
        yield address
    finally:
        for process in reversed(processes):
            _stop_group(process)


def _start(command: list[str], log: Path) -> subprocess.Popen:
    # A session of its own, so that stopping it reaches every process it started (the nanny's
    # workers, their kernel servers and runners).
    with open(log, "wb") as stream:
        return subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _stop_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):  # whatever of the group is left
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_for_kernel(kernel_name: str, timeout: float = _WARM_UP_TIMEOUT) -> None:
    """Start one kernel from the warm server and stop it, waiting as long as the server needs.

    A server still importing when the first report asks for a kernel (the worker and its
    neighbours all warm up at once) could exceed Papermill's 60-second kernel start time-out on
    a busy machine; this waits for it once, before the runner takes its first report.
    """
    from jupyter_client.manager import start_new_kernel

    try:
        manager, client = start_new_kernel(kernel_name=kernel_name, startup_timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - the reports then meet the problem themselves
        print(f"warm kernel did not start: {exc}", file=sys.stderr)
        return
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def _main(argv: list[str]) -> None:
    """A runner: ``python -m strapetsi_lib.batch.dask_worker FD LOG [KERNEL SPECS]``."""
    from strapetsi_lib.batch.executors import _worker_main
    from strapetsi_lib.batch.warm_kernel import use_kernelspecs

    fd, log = int(argv[0]), argv[1]
    kernel = (argv[2], argv[3]) if len(argv) >= 4 else None
    if kernel is not None:
        with open(log, "ab") as stream:  # _worker_main sends its own output there too
            os.dup2(stream.fileno(), 1)
            os.dup2(stream.fileno(), 2)
        use_kernelspecs(kernel[1])
        _wait_for_kernel(kernel[0])
    _worker_main(Connection(fd), kernel, log)


if __name__ == "__main__":
    _main(sys.argv[1:])
