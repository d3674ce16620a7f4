"""A warm kernel: start a fork server and a private kernelspec that reaches it.

:class:`WarmKernel` starts :mod:`strapetsi_lib.batch.kernel_server` as a child process and writes a
private kernelspec whose kernel provisioner is
:class:`~strapetsi_lib.batch.fork_provisioner.ForkServerProvisioner`. A process that has called
:func:`use_kernelspecs` and passes :attr:`~WarmKernel.kernel_name` to Papermill (through
:func:`strapetsi_lib.render.export.render_report`) runs every notebook in a real ipykernel forked
from the warm server, with the interpreter and library imports already paid; several worker
processes can share one server. The kernelspec keeps the ordinary kernel's command, which the
provisioner runs when the server is gone: a notebook still runs, only slower.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from strapetsi_lib.config import KERNEL_NAME

_READY_TIMEOUT = 10.0


def use_kernelspecs(path: str) -> None:
    """Let Jupyter (and so Papermill) in this process find the kernelspecs under ``path``."""
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if path not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([path, *filter(None, paths)])


class WarmKernel:
    """A fork server owned by this process and the kernelspec that reaches it.

    Parameters
    ----------
    base_kernel
        The ordinary kernelspec this one stands for; its environment and metadata are copied,
        and its command is the fallback.
    log
        Where the server's and kernels' own messages go (a file opened for writing), or
        ``None`` to inherit this process's stderr.
    max_restarts
        How many times :meth:`ensure` restarts a server that died, before giving up and
        letting notebooks fall back to the ordinary kernel.
    preload
        A dataset folder whose prepared tables the server reads once before forking, so that
        the kernels find them in memory (:func:`strapetsi_lib.prepare.preload`); ``None``:
        each kernel reads them.

    Examples
    --------
    >>> with WarmKernel() as warm:                                   # doctest: +SKIP
    ...     use_kernelspecs(warm.kernelspec_path)  # in each process that runs notebooks
    ...     render_report(notebook, parameters, out, stem, "fi", kernel_name=warm.kernel_name)
    """

    def __init__(self, base_kernel: str = KERNEL_NAME, log: IO | None = None,
                 max_restarts: int = 3, preload: Path | None = None):
        self.base_kernel = base_kernel
        self.preload = ["--preload", str(Path(preload).resolve())] if preload else []
        self.log = log
        self.restarts_left = max_restarts
        self.folder = Path(tempfile.mkdtemp(prefix="strapetsi-kernel-"))
        self.socket_path = str(self.folder / "server.sock")
        self.kernel_name = f"strapetsi-warm-{os.getpid()}"
        self.process: subprocess.Popen | None = None
        self._write_kernelspec()

    def _write_kernelspec(self) -> None:
        from jupyter_client.kernelspec import KernelSpecManager

        from strapetsi_lib.batch.fork_provisioner import PROVISIONER_NAME

        base = KernelSpecManager().get_kernel_spec(self.base_kernel)
        # The server runs on the kernel's own interpreter with its flags (for instance
        # -Xfrozen_modules=off, which the debugger in ipykernel asks for).
        argv = list(base.argv)
        self.python = (argv[:argv.index("-m")] if "-m" in argv and "ipykernel_launcher" in argv
                       else [sys.executable])
        spec = base.to_dict()
        # the ordinary command stays the kernelspec's: the provisioner runs it when the server
        # cannot fork a kernel
        spec["metadata"] = {**spec.get("metadata", {}), "kernel_provisioner": {
            "provisioner_name": PROVISIONER_NAME, "config": {"socket_path": self.socket_path}}}
        spec.update(display_name=f"{base.display_name} (warm)", interrupt_mode="signal")
        spec_dir = self.folder / "kernels" / self.kernel_name
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")

    @property
    def kernelspec_path(self) -> str:
        """The folder to put on ``JUPYTER_PATH`` (see :func:`use_kernelspecs`)."""
        return str(self.folder)

    def start(self) -> WarmKernel:
        """Start the server and wait until its socket is bound (imports continue after that)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        self.process = subprocess.Popen(
            [*self.python, "-m", "strapetsi_lib.batch.kernel_server", "--socket", self.socket_path,
             *self.preload],
            stdin=subprocess.PIPE, stdout=self.log, stderr=self.log, close_fds=True)
        deadline = time.monotonic() + _READY_TIMEOUT
        while not os.path.exists(self.socket_path) and self.process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        return self

    def alive(self) -> bool:
        """Whether the server process is running."""
        return self.process is not None and self.process.poll() is None

    def ensure(self) -> str:
        """Restart a dead server (a limited number of times); return the kernel name to use."""
        if not self.alive() and self.restarts_left > 0:
            self.restarts_left -= 1
            self.stop(remove=False)
            self.start()
        return self.kernel_name

    def stop(self, remove: bool = True) -> None:
        """Stop the server, which kills the kernels it forked, and remove the kernelspec."""
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> WarmKernel:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
