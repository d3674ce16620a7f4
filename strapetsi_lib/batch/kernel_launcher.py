"""The kernel command of the warm kernelspec: ask the fork server for a kernel, else start one.

Jupyter starts this file as a kernel (``python -S kernel_launcher.py --socket S --fallback F
{connection_file}``). It hands the connection file, its working directory, environment and
standard streams to the fork server (:mod:`strapetsi_lib.batch.kernel_server`), which forks a fresh
kernel from a process that has already imported the heavy libraries. This process then stands in
for the kernel towards Jupyter: it forwards the signals Jupyter sends (interrupt, terminate) and
exits with the kernel's exit code. If it is killed, the server sees the connection close and
kills the kernel, so no kernel outlives its launcher.

When the server cannot be reached or declines, the launcher replaces itself (``exec``) with the
ordinary kernel command read from ``F``, so a notebook always gets a kernel.

This file uses the standard library only and is run with ``-S``: it must start in milliseconds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

#: Signals Jupyter (or a user) may send to a kernel; each is passed on to the real kernel.
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
#: Seconds to wait for the server to fork (it may still be importing when the first one asks).
CONNECT_TIMEOUT = 120.0


def _fallback(path: str, connection_file: str, reason: str) -> None:
    """Replace this process with the ordinary kernel command."""
    with open(path, encoding="utf-8") as handle:
        argv = [arg.replace("{connection_file}", connection_file) for arg in json.load(handle)]
    sys.stderr.write(f"strapetsi kernel launcher: {reason}; starting an ordinary kernel\n")
    sys.stderr.flush()
    os.execv(argv[0], argv)


class _Lines:
    """JSON messages, one a line, from the server (two may arrive in one read)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b""

    def next(self) -> dict | None:
        """The next message; ``None`` when the server closed the connection."""
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


def main(argv: list[str]) -> int:
    """Run the launcher; ``argv`` is ``--socket PATH --fallback FILE CONNECTION_FILE``."""
    args = dict(zip(argv[0:-1:2], argv[1:-1:2], strict=True))
    socket_path, fallback, connection_file = args["--socket"], args["--fallback"], argv[-1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(socket_path)
        request = {"argv": ["-f", connection_file], "cwd": os.getcwd(), "env": dict(os.environ),
                   "launcher": os.getpid()}
        socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        lines = _Lines(sock)
        reply = lines.next()
    except OSError as exc:
        _fallback(fallback, connection_file, f"fork server unavailable ({exc})")
        return 1
    if not reply or "pid" not in reply:
        reason = (reply or {}).get("error", "fork server closed the connection")
        _fallback(fallback, connection_file, reason)
        return 1
    kernel = int(reply["pid"])

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass

    for name in FORWARDED:
        signal.signal(getattr(signal, name), forward)
    sock.settimeout(None)
    # The server writes the kernel's exit status when it ends; EOF means the server died, and
    # the server's death takes its kernels with it (they die with their parent).
    status = lines.next()
    if status is None:
        return 1
    code = int(status.get("exit", 1))
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
