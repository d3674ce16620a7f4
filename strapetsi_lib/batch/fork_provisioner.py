"""The warm kernelspec's kernel provisioner: a kernel forked by the kernel server, else ordinary.

Jupyter starts a kernel through its kernelspec's *kernel provisioner* (jupyter_client's
documented extension point, registered under the entry point group
``jupyter_client.kernel_provisioners``). The warm kernelspec
(:class:`~strapetsi_lib.batch.warm_kernel.WarmKernel`) names :class:`ForkServerProvisioner`: it
hands the connection file, the working folder, the environment and the standard streams to the
kernel server (:mod:`strapetsi_lib.batch.kernel_server`) over its Unix socket, and the server
forks a fresh kernel from a process that has already imported the heavy libraries. No process
stands between Jupyter and the kernel: Jupyter signals the kernel itself (it leads a process
group of its own), and learns its exit status from the server over the same connection. If
the connection closes (this process died), the server kills the kernel, so no kernel outlives
the process that asked for it.

When the server cannot be reached or declines (it is gone, or not safe to fork), the kernel is
started as the kernelspec's ordinary command (:class:`~jupyter_client.provisioning.
LocalProvisioner`), so a notebook always gets a kernel.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

__all__ = ["CONNECT_TIMEOUT", "PROVISIONER_NAME", "ForkServerProvisioner"]

#: The provisioner's entry point name (``pyproject.toml``), as a kernelspec names it.
PROVISIONER_NAME = "strapetsi-fork-server"
#: Seconds to wait for the server to fork (it may still be importing when the first one asks).
CONNECT_TIMEOUT = 120.0


class _Lines:
    """JSON messages, one a line, from the server (two may arrive in one read)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b""

    def next(self) -> dict | None:
        """The next message; ``None`` when the server closed the connection. On a socket
        without blocking, ``BlockingIOError`` when no whole message has arrived yet."""
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(4096)
            except InterruptedError:
                continue
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


class ForkedKernel:
    """A kernel the server forked, seen as :class:`subprocess.Popen` is by the provisioner.

    ``returncode`` is the kernel's exit status as the server saw it (negative: the signal that
    ended it; 1 when the server went away, taking its kernels with it).
    """

    stdin = stdout = stderr = None

    def __init__(self, sock: socket.socket, lines: _Lines, pid: int):
        self.sock, self._lines, self.pid = sock, lines, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.sock.setblocking(False)
            try:
                self._ended(self._lines.next())
            except BlockingIOError:
                pass
            finally:
                if self.returncode is None:
                    self.sock.setblocking(True)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.sock.settimeout(timeout)
            try:
                self._ended(self._lines.next())
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout) from None
        return self.returncode

    def _ended(self, status: dict | None) -> None:
        self.returncode = int(status.get("exit", 1)) if status else 1
        self.sock.close()

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def close(self) -> None:
        """Let go of the kernel: the server kills it if it is still running."""
        self.sock.close()


def request_kernel(socket_path: str, connection_file: str, cwd: str | None,
                   env: dict[str, str] | None) -> ForkedKernel | str:
    """Ask the server at ``socket_path`` to fork a kernel on ``connection_file``.

    Returns
    -------
    ForkedKernel or str
        The kernel, or why there is none (the server is unreachable or declined).
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    request = {"argv": ["-f", connection_file], "cwd": cwd or os.getcwd(),
               "env": dict(os.environ if env is None else env), "client": os.getpid()}
    # the kernel reads no standard input (its input comes over Jupyter's stdin channel); its
    # output and errors go where this process's go (a worker's log)
    stdin = os.open(os.devnull, os.O_RDONLY)
    try:
        sock.connect(socket_path)
        socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], [stdin, 1, 2])
        lines = _Lines(sock)
        reply = lines.next()
    except OSError as exc:
        sock.close()
        return f"fork server unavailable ({exc})"
    finally:
        os.close(stdin)
    if not reply or "pid" not in reply:
        sock.close()
        return (reply or {}).get("error", "fork server closed the connection")
    sock.settimeout(None)
    return ForkedKernel(sock, lines, int(reply["pid"]))


class ForkServerProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked by the kernel server.

    Everything but the start is :class:`~jupyter_client.provisioning.LocalProvisioner`'s: the
    connection file, the signals (to the kernel's process group), waiting and cleaning up.
    """

    socket_path = Unicode(help="The kernel server's Unix socket.").tag(config=True)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        forked = request_kernel(self.socket_path, self.parent.connection_file,
                                kwargs.get("cwd"), kwargs.get("env"))
        if isinstance(forked, str):
            sys.stderr.write(f"strapetsi kernel server: {forked}; starting an ordinary "
                             "kernel\n")
            sys.stderr.flush()
            return await super().launch_kernel(cmd, **kwargs)
        # the kernel starts a session of its own: its id is its process group's
        self.process, self.pid, self.pgid = forked, forked.pid, forked.pid
        self.cwd = kwargs.get("cwd") or os.getcwd()
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        if isinstance(self.process, ForkedKernel):
            self.process.close()
        await super().cleanup(restart=restart)
