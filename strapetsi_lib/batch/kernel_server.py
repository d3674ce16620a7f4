"""A fork server for Jupyter kernels: import the heavy libraries once, fork a fresh kernel per run.

Starting a report kernel costs an interpreter, IPython and ipykernel, and then the notebook's own
imports (pandas, matplotlib, the workbench): several seconds, of
which the analysis needs none. This server pays that once. It imports the libraries, then
waits on a Unix socket; for every kernel Jupyter starts through the warm kernelspec's provisioner
(:mod:`strapetsi_lib.batch.fork_provisioner`) it forks a child that becomes a real ipykernel
(``IPKernelApp`` on the given connection file). Each notebook thus still gets its own process,
namespace and kernel, as with an ordinary kernel; only the already-imported modules are shared,
copy-on-write, and nothing is computed from data before the fork but the size and layout of
texts (the prepared tables may be read, and one report's figures a language drawn to measure
their texts, see below).

Rules that keep forking safe:

* the server never starts a thread, an event loop or a ZeroMQ context before forking (it
  checks, and declines to fork if a Python thread appeared: the provisioner then starts an
  ordinary kernel). The only other threads are the BLAS thread pools NumPy and SciPy load,
  which are fork-safe (OpenBLAS quiesces and rebuilds its pool around ``fork``);
* the imported objects are frozen out of garbage collection (``gc.freeze``), so kernels
  neither scan them nor copy their pages;
* a child starts a new session (terminal Ctrl-C does not reach it), dies with the server
  (``PR_SET_PDEATHSIG``), and is killed when the connection that asked for it closes;
* the server dies with the process that started it, killing its kernels.

Run with ``python -m strapetsi_lib.batch.kernel_server --socket PATH [--preload DATASET]``;
:class:`~strapetsi_lib.batch.warm_kernel.WarmKernel` does that. With ``--preload``, the one thing
read from data before a fork is the run's prepared tables, read-only and keyed like the cache
(:func:`strapetsi_lib.prepare.preload`): every kernel would read the same file. The server then
draws the figures of one provider in each report language and keeps nothing of them but the
size and layout of each text they placed (:func:`measure_texts`): names, statements, labels
and numbers that every kernel's figures measure and lay out again otherwise. Children it forks
for the purpose draw a share each on the other cores and send back only those sizes and
layouts (nothing else comes back).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import importlib
import json
import os
import pickle
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass

#: Modules a report kernel imports anyway; imported once here, before any fork.
WARM_MODULES = (
    # not statsmodels, scipy or seaborn: reports read the fitted models and statistics, and
    # provider figures take their theme from figure_style (see NETWORK_ONLY)
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "yaml", "bs4",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
    # what ipykernel imports while it starts (its debugger, IPython's history and completer)
    "ipykernel.debugger", "debugpy", "IPython.core.debugger", "IPython.core.completerlib",
    "sqlite3", "tornado.gen", "tornado.locks", "tornado.platform.asyncio", "pdb",
    # ... and what every forked kernel still imported itself (its modules after a report,
    # less those at the fork): jupyter_client's local addresses, IPython's object inspector and
    # store magic, ipykernel's fault handler and resource limits, zmq's zero-copy sends
    "psutil", "IPython.core.oinspect", "IPython.extensions.storemagic", "IPython.utils.wildcard",
    "IPython.core.logger", "faulthandler", "resource", "zmq.utils.garbage",
    "mistune",  # the report's words are Markdown (strapetsi_lib.present.display)
    "xlsxwriter",  # the report's Excel download (strapetsi_lib.present.download)
    "strapetsi_lib.batch.report_stream",  # the kernels' streams (see _become_kernel)
)
#: Workbench modules a report does not use (the command line and the batch machinery).
NOT_FOR_KERNELS = (
    "strapetsi_lib.__main__", "strapetsi_lib.cli", "strapetsi_lib.batch",
    "strapetsi_lib.ingest.demo",
    "strapetsi_lib.render",  # it imports nbformat and jsonschema, which no report needs
    # reading and checking a dataset's files is the prepare stage's (pandera, openpyxl)
    "strapetsi_lib.ingest.dataset", "strapetsi_lib.ingest.excel",
    "strapetsi_lib.ingest.problem_list", "strapetsi_lib.ingest.reading",
    "strapetsi_lib.ingest.validation", "strapetsi_lib.ingest.ytunnus",
)
#: Workbench modules only the network report imports: seaborn, and scipy with it, added a second
#: and a half to the server's start, which every provider report waits for; the one network
#: kernel of a run imports them itself.
NETWORK_ONLY = ("strapetsi_lib.present.network_figures",)
_PR_SET_PDEATHSIG = 1
#: Seconds between the server's looks for ended kernels when no signal woke it (a fallback: a
#: kernel's end wakes the server at once, see :meth:`_Server.wake_when_a_child_ends`).
_REAP_INTERVAL = 0.05
#: Processes that measure the texts of figures at once before the first fork (cores permitting).
MOST_MEASURERS = 4
#: Seconds the server waits for the children measuring texts before it forks kernels anyway.
_MEASURE_TIMEOUT = 60.0


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``signum`` to this process when its parent ends (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)


def workbench_modules() -> list[str]:
    """The workbench's own modules that provider report notebooks may import."""
    import pkgutil

    import strapetsi_lib

    names = [info.name for info in pkgutil.walk_packages(strapetsi_lib.__path__, "strapetsi_lib.")]
    return [name for name in names
            if not any(name == skip or name.startswith(skip + ".")
                       for skip in (*NOT_FOR_KERNELS, *NETWORK_ONLY))]


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> list[str]:
    """Import ``modules`` and the workbench's report modules as a kernel would; return the
    ones that failed (they stay unimported, so a kernel that needs one meets the error itself,
    in its notebook)."""
    # A kernel sets the inline backend before the notebook's first import (ipykernel does it in
    # IPKernelApp); set it the same way so matplotlib starts as it would in a fresh kernel.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    failed = []
    for name in [*modules, *workbench_modules()]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that fails here fails visibly in the kernel
            failed.append(name)
    return failed


def warm_caches() -> list[str]:
    """Fill the caches every report fills on its first call, once, before any fork.

    Each forked kernel then starts with them filled (copy-on-write): the report texts read from
    their YAML files, the Markdown renderer, matplotlib's fonts. Best effort: return the steps
    that failed; a kernel then fills that cache itself.
    """
    failed = []
    for name, step in _WARM_STEPS:
        try:
            step()
        except Exception:  # noqa: BLE001 - a cache left cold only costs the kernel time
            failed.append(name)
    return failed


def _warm_texts() -> None:
    from strapetsi_lib.present import i18n

    i18n._catalogue()  # noqa: SLF001 - the cached catalogue is what every report reads first


def _warm_markdown() -> None:
    from strapetsi_lib.present.display import text_html

    # a paragraph and a list: the list parser compiles its patterns on first use
    text_html("**warm** {value}\n\n- one\n- two", value="cache")


def _warm_figures() -> None:
    import matplotlib
    from matplotlib.figure import Figure

    from strapetsi_lib.present.display import figure_svg
    from strapetsi_lib.present.figure_style import apply_style

    # The settings are restored afterwards: a kernel starts with matplotlib's defaults, as a
    # fresh one would; only the font caches stay filled. (A Figure outside pyplot leaves no
    # figure behind either.)
    with matplotlib.rc_context():
        apply_style()
        figure = Figure(figsize=(2, 1), layout="constrained")
        ax = figure.subplots()
        ax.barh([0, 1], [1, 2])
        ax.set_title("Åäö 1,5 %", fontweight="bold")
        figure_svg(figure)


_WARM_STEPS = (("texts", _warm_texts), ("markdown", _warm_markdown), ("figures", _warm_figures))


@dataclass
class _Client:
    """One client's connection (a provisioner's) and the kernel forked for it."""

    sock: socket.socket
    pid: int | None = None


class _Server:
    """The accept/fork/reap loop (single-threaded, so forking stays safe)."""

    def __init__(self, socket_path: str, listener: socket.socket, preload: str | None = None):
        self.socket_path = socket_path
        self.preload_dataset = preload
        self.listener = listener
        self.selector = selectors.DefaultSelector()
        self.clients: dict[int, _Client] = {}  # by socket fd
        self.wake_pipe: tuple[int, int] | None = None  # see wake_when_a_child_ends
        self.start_dir = os.getcwd()
        self.running = True

    def serve(self) -> None:
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        if not sys.stdin.closed:
            self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
        self.wake_when_a_child_ends()
        while self.running:
            for key, _ in self.selector.select(timeout=_REAP_INTERVAL):
                if key.data == "accept":
                    self._accept()
                elif key.data == "parent":
                    if not os.read(key.fd, 4096):  # the parent closed our stdin: it is gone
                        self.running = False
                elif key.data == "child":
                    with contextlib.suppress(BlockingIOError):
                        while os.read(key.fd, 4096):
                            pass
                else:
                    self._request(key.data)
            self._reap()
        self.shutdown()

    def wake_when_a_child_ends(self) -> None:
        """Have the loop wake as soon as a kernel ends, so that its client hears at once.

        A worker waits for its kernel's exit status before it goes on; looked for every
        :data:`_REAP_INTERVAL` only, that cost a report 25 ms on average. Python's signal
        wake-up descriptor (``signal.set_wakeup_fd``) writes a byte to a pipe the loop watches
        whenever a signal arrives, here ``SIGCHLD``; the forked kernels drop both
        (:meth:`_become_kernel`).
        """
        read, write = os.pipe()
        for fd in (read, write):
            os.set_blocking(fd, False)
        self.wake_pipe = (read, write)
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
        self.selector.register(read, selectors.EVENT_READ, "child")

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            sock, _ = self.listener.accept()
            client = _Client(sock)
            self.clients[sock.fileno()] = client
            self.selector.register(sock, selectors.EVENT_READ, client)

    def _request(self, client: _Client) -> None:
        try:
            message, fds, _, _ = socket.recv_fds(client.sock, 1 << 16, 3)
            while message and client.pid is None and not message.endswith(b"\n"):
                chunk = client.sock.recv(1 << 16)
                if not chunk:
                    break
                message += chunk
        except OSError:
            message, fds = b"", []
        if not message:  # the client went away: its kernel goes too
            self._drop(client, kill=True)
            return
        if client.pid is not None:  # nothing else is expected from a client once forked
            return
        try:
            request = json.loads(message)
            self.preload(last_chance=True)
            if not _fork_safe():
                raise RuntimeError("fork server has threads; not safe to fork")
            client.pid = self._fork(request, fds)
            client.sock.sendall(json.dumps({"pid": client.pid}).encode() + b"\n")
        except Exception as exc:  # noqa: BLE001 - the client falls back to a normal kernel
            with contextlib.suppress(OSError):
                client.sock.sendall(json.dumps({"error": str(exc)}).encode() + b"\n")
            self._drop(client, kill=True)
        finally:
            for fd in fds:
                os.close(fd)

    def preload(self, last_chance: bool = False) -> None:
        """Read the run's prepared tables once, before forking, so that no kernel reads them
        (:func:`strapetsi_lib.prepare.preload`). They may not exist yet while the server warms
        up (the run prepares them meanwhile); the first fork request tries again, then never.
        """
        if self.preload_dataset is None:
            return
        from strapetsi_lib.prepare import preload

        try:
            done = preload(self.preload_dataset)
        except Exception:  # noqa: BLE001 - best effort: a kernel then reads the tables itself
            done = False
        if done:
            self._measure_texts()
        if done or last_chance:
            self.preload_dataset = None
            gc.freeze()  # as the imports: out of the kernels' garbage collections

    def _measure_texts(self) -> None:
        """Draw one report's figures a language and keep only their texts' sizes and layouts,
        which every kernel's figures then find measured (:func:`measure_texts`)."""
        from strapetsi_lib.prepare import load_prepared

        try:
            failed = measure_texts(load_prepared(self.preload_dataset))
        except Exception as exc:  # noqa: BLE001 - best effort: kernels then measure themselves
            failed = [repr(exc)]
        if failed:
            print(f"kernel server: could not measure the texts of {', '.join(failed)}",
                  file=sys.stderr, flush=True)

    def _fork(self, request: dict, fds: list[int]) -> int:
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            self._become_kernel(request, fds)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - report anything, never unwind into the server
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                atexit._run_exitfuncs()
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _become_kernel(self, request: dict, fds: list[int]) -> None:
        """In the child: leave the server behind and run an ipykernel on the connection file."""
        parent = os.getppid()
        os.setsid()
        die_with_parent()
        if os.getppid() != parent:
            os._exit(1)
        self.selector.close()
        self.listener.close()
        if self.wake_pipe is not None:  # the server's, not the kernel's
            signal.set_wakeup_fd(-1)
            for fd in self.wake_pipe:
                os.close(fd)
        for client in self.clients.values():
            client.sock.close()
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGCHLD", "SIGUSR1", "SIGUSR2"):
            signum = getattr(signal, name)
            signal.signal(signum, signal.default_int_handler if name == "SIGINT"
                          else signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # As ipykernel_launcher: the launch folder off sys.path; IPython puts the cwd back.
        if sys.path and sys.path[0] in ("", self.start_dir):
            del sys.path[0]
        _reseed()
        # A report kernel lives for one notebook. Python's cycle collector spent its time
        # scanning the object graphs of figures and tables that die with the kernel anyway
        # (in one process up to a seventh of a report's cells; in a whole batch run about 2 %
        # of the CPU); with it off, a kernel frees no reference cycles until it exits (their
        # memory is measured in benchmarks/batch.py: peak memory).
        gc.disable()
        from ipykernel import kernelapp

        from strapetsi_lib.batch.report_stream import OUTSTREAM_SETTING

        # ipykernel reads JPY_PARENT_PID when it is imported (here, before the fork), so give
        # the kernel its parent explicitly: it then watches the server and prints no banner.
        # No input history: a report never reads it, and kernels running side by side would
        # otherwise each open, lock and write the same SQLite file for every cell. Streams
        # that flush only what was written (a report writes nothing to them).
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={parent}",
                "--HistoryManager.enabled=False", OUTSTREAM_SETTING]
        sys.argv = ["ipykernel_launcher", *argv]
        kernelapp.launch_new_instance(argv=argv)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            for client in list(self.clients.values()):
                if client.pid == pid:
                    with contextlib.suppress(OSError):
                        client.sock.sendall(json.dumps({"exit": code}).encode() + b"\n")
                    client.pid = None
                    self._drop(client, kill=False)

    def _drop(self, client: _Client, kill: bool) -> None:
        if kill and client.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(client.pid, signal.SIGKILL)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(client.sock)
        self.clients.pop(client.sock.fileno(), None)
        client.sock.close()

    def shutdown(self) -> None:
        for client in list(self.clients.values()):
            self._drop(client, kill=True)
        self.listener.close()
        with contextlib.suppress(OSError):
            os.unlink(self.socket_path)


def _fork_safe() -> bool:
    """Whether this process may fork: no Python thread besides the main one (see the module
    docstring)."""
    return threading.active_count() == 1


def measure_texts(prepared: object, parts: int | None = None) -> list[str]:
    """Measure the texts of one report's figures a language, on up to ``parts`` cores.

    The server draws its share of the figures (:func:`~strapetsi_lib.present.report_figures.
    warm_text_metrics`) while forked children draw the rest and send back only the sizes and
    layouts of their texts, which the server keeps (:mod:`strapetsi_lib.present.text_metrics`):
    the server starts forking kernels sooner, while the workers, ready before it, would
    otherwise wait. ``parts`` defaults to the number of cores, at most :data:`MOST_MEASURERS`;
    a process with threads measures alone (forking it would not be safe). Best effort: returns
    what could not be measured (a failed or stuck child's share is left to the kernels, which
    measure as usual).
    """
    from strapetsi_lib.present import text_metrics
    from strapetsi_lib.present.report_figures import warm_text_metrics

    if parts is None:
        parts = min(os.cpu_count() or 1, MOST_MEASURERS)
    if not _fork_safe():
        parts = 1
    children = [_measuring_child(prepared, part, parts) for part in range(1, parts)]
    failed: list[str] = []
    try:
        failed += warm_text_metrics(prepared, 0, parts)
    finally:  # the children are collected whatever happened here
        deadline = time.monotonic() + _MEASURE_TIMEOUT
        for part, (pid, pipe) in enumerate(children, start=1):
            sent = _collect(pid, pipe, deadline)
            if sent is None:
                failed.append(f"part {part + 1} of {parts}")
            else:
                text_metrics.keep(sent[0])
                failed += sent[1]
    return failed


def _collect(pid: int, pipe: int, deadline: float) -> tuple[dict, list[str]] | None:
    """What a measuring child sent (its texts' store and failures), or ``None`` if it failed or did
    not finish by ``deadline`` (it is then killed)."""
    payload = _read_until(pipe, deadline)
    if payload is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    try:
        return pickle.loads(payload) if payload else None
    except Exception:  # noqa: BLE001 - a child that died mid-write sent a partial payload
        return None


def _measuring_child(prepared: object, part: int, parts: int) -> tuple[int, int]:
    """Fork a child that measures ``part`` of ``parts`` and writes its texts' store to a pipe;
    return its pid and the pipe's reading end."""
    from strapetsi_lib.present import text_metrics
    from strapetsi_lib.present.report_figures import warm_text_metrics

    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    code = 1
    try:  # in the child: never unwind into the server's code
        os.close(read)
        die_with_parent()
        failed = list(warm_text_metrics(prepared, part, parts))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(pickle.dumps((text_metrics.measured(), failed)))
        code = 0
    finally:
        os._exit(code)


def _read_until(fd: int, deadline: float) -> bytes | None:
    """All a pipe gives until its writer closes it, or ``None`` if ``deadline`` passes first."""
    chunks = []
    with os.fdopen(fd, "rb", buffering=0) as pipe, selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ)
        while True:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                return None
            chunk = pipe.read(1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _reseed() -> None:
    """Give the child its own random state, as a fresh kernel would have (Python's ``random``
    reseeds itself after fork; NumPy's global generator does not)."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def serve(socket_path: str, preload: str | None = None) -> None:
    """Bind ``socket_path``, warm up, and fork kernels until stdin closes or SIGTERM arrives.

    The socket is bound before the imports, so a client that connects early waits in the
    backlog instead of falling back to a slow ordinary kernel. ``preload`` is the run's dataset
    folder (absolute): its prepared tables are read before the first fork
    (:meth:`_Server.preload`).
    """
    die_with_parent(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch runner's to handle
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    server = _Server(socket_path, listener, preload)

    def stop(_signum: int, _frame: object) -> None:
        server.shutdown()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    failed = warm_up()
    failed += [f"(cache) {name}" for name in warm_caches()]
    if failed:
        print(f"kernel server: could not pre-import {', '.join(failed)}", file=sys.stderr)
    sys.stderr.flush()
    # The imported modules live as long as any kernel: keep them out of the kernels' garbage
    # collections, which then neither scan them nor copy their memory pages (copy-on-write).
    gc.collect()
    gc.freeze()
    server.preload()
    server.serve()


if __name__ == "__main__":
    arguments = dict(zip(sys.argv[1::2], sys.argv[2::2], strict=False))
    if len(sys.argv) % 2 == 0 or "--socket" not in arguments or set(arguments) - {"--socket",
                                                                                  "--preload"}:
        sys.exit("usage: python -m strapetsi_lib.batch.kernel_server --socket PATH "
                 "[--preload DATASET]")
    serve(arguments["--socket"], arguments.get("--preload"))
