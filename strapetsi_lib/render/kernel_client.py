"""A Jupyter kernel manager for report kernels: Unix sockets, and ready without waiting out a timer.

**Unix sockets, not ports.** By default ``jupyter_client`` gives a kernel five TCP ports: it
binds five sockets to port 0, notes the ports the system chose, closes the sockets and hands the
ports to the kernel, which binds them when it starts, moments later. Nothing holds a port in
between. Several batch workers start kernels at once, and in that gap another worker's port
choice or connection can take a port that was handed out: the kernel then fails to bind it
(``ZMQError: Address already in use``), dies before it answers, and its report fails with
``Kernel died before replying to kernel_info`` (jupyter/jupyter_client#487). A report kernel
started here talks over Unix sockets instead (ZeroMQ's ``ipc`` transport, a documented setting of
``jupyter_client`` and ipykernel) named after a random name in Jupyter's private runtime folder,
so no two kernels can want the same address. Where there are no Unix sockets (Windows), or
the runtime folder's path is too long for one, kernels keep TCP ports.

**Ready without a timer.** ``jupyter_client``'s ``wait_for_ready`` asks the kernel for
``kernel_info``, and once it has the reply it "flushes" the IOPub channel: it reads until
nothing has come for 0.2 s. Every kernel start therefore waits 0.2 s for nothing, which is a
tenth of a report's time in a batch. Here the wait ends when the kernel's own messages for that
request have arrived: the ``idle`` status the kernel publishes on IOPub after it answered
``kernel_info``. Seeing it also proves IOPub is connected, which is what the flush was for;
anything that arrives later belongs to the ``kernel_info`` request, and nbclient ignores messages
of other requests. If no ``idle`` status comes within the usual 0.2 s (an old kernel, IOPub not
yet connected), the request is repeated, as ``jupyter_client`` does.

A client usually connects before its kernel has bound its sockets (a forked kernel binds them
some 30 ms after it is asked for), and two things then cost time for nothing. ZeroMQ retries a
refused connection after 100 ms: the channels here retry after 5 ms, backing off to ZeroMQ's
100 ms for a kernel that starts slowly (:meth:`QuickStartKernelClient.start_channels`). And what
the kernel publishes before the client's IOPub subscription reaches it is lost, the ``idle``
status of the first ``kernel_info`` often among it: a kernel that announces the subscription
(ipykernel's ``iopub_welcome``, Jupyter enhancement proposal 65) is asked again as soon as it
does, instead of after 0.2 s without news. A kernel that dies before
it answers raises :class:`KernelStartError`: no cell has run, so the report may start it again
(:func:`strapetsi_lib.render.export.render_report` does, once).

The manager also looks more often whether a killed kernel has ended (a report's kernel is
killed when its last cell ends, see ``shutdown_kernel="immediate"`` there), through
``jupyter_client``'s private ``_async_wait`` (docs/architecture.md §8 lists it).

Papermill takes it as ``kernel_manager_class=QuickStartKernelManager``
(see :func:`strapetsi_lib.render.export.execute_notebook`).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from queue import Empty

import zmq
from jupyter_client import protocol_version_info
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.localinterfaces import localhost
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import DottedObjectName, Type, default

__all__ = ["KernelStartError", "QuickStartKernelClient", "QuickStartKernelManager",
           "ipc_address"]

#: Seconds to wait for the IOPub messages of one ``kernel_info`` request (jupyter_client's).
IOPUB_WAIT = 0.2
#: Seconds to wait for the ``kernel_info`` reply before asking again (jupyter_client's).
REPLY_WAIT = 1.0
#: Milliseconds before the channels' first retry of a connection the kernel refused (not bound
#: yet), and the longest they back off to (ZeroMQ's default retry interval).
RECONNECT_FIRST = 5
RECONNECT_MOST = 100
#: Seconds between two looks at whether a killed kernel has ended.
KILL_POLL = 0.005
#: The longest path of a Unix socket that every system binds (Linux allows 107 bytes, macOS 103).
_MOST_SOCKET_PATH = 100


class KernelStartError(RuntimeError):
    """The kernel died before it answered its first request: it ran no cell."""


def ipc_address(folder: str | None = None) -> str | None:
    """A new address for a kernel's Unix sockets (``ADDRESS-1`` to ``ADDRESS-5``), or ``None``
    where kernels must use TCP ports (no Unix sockets, or a folder whose path is too long)."""
    if not hasattr(socket, "AF_UNIX") or os.name != "posix":
        return None
    folder = folder or jupyter_runtime_dir()
    address = os.path.join(folder, f"strapetsi-kernel-{uuid.uuid4().hex[:16]}")
    if len(os.fsencode(address)) + 2 > _MOST_SOCKET_PATH:
        return None
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return address


class QuickStartKernelClient(AsyncKernelClient):
    """An ``AsyncKernelClient`` whose :meth:`wait_for_ready` ends when the kernel is ready."""

    def start_channels(self, *args: object, **kwargs: object) -> None:
        """Start the channels as ``jupyter_client`` does, retrying a refused connection soon.

        The retry interval is a default of the client's own ZeroMQ context, set before the
        channels' sockets are made (see the module docstring).
        """
        self.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_FIRST)
        self.context.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_MOST)
        super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        """Wait until the kernel answered ``kernel_info`` and its IOPub messages arrived.

        Parameters
        ----------
        timeout
            Seconds to wait in all (``None``: no limit).

        Raises
        ------
        KernelStartError
            When the kernel dies before it answers.
        RuntimeError
            When it does not answer in time (as ``jupyter_client`` does).
        """
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=REPLY_WAIT)
            except Empty:
                reply = None
            if (reply is not None and reply["msg_type"] == "kernel_info_reply"
                    and await self._iopub_done(request)):
                self._speak_the_kernels_protocol(reply)
                return
            if not await self.is_alive():
                raise KernelStartError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    def _speak_the_kernels_protocol(self, reply: dict) -> None:
        """Adapt the messages to a kernel of another major protocol version, as
        ``jupyter_client`` does on this reply."""
        major = int(reply["content"]["protocol_version"].split(".")[0])
        if major != protocol_version_info[0]:
            self.session.adapt_version = major

    async def _iopub_done(self, request: str) -> bool:
        """Read IOPub until the kernel's ``idle`` status for ``request``; ``False`` if it does
        not come within :data:`IOPUB_WAIT` seconds of the previous message, or if the kernel
        announces that the subscription has just reached it (what it published for ``request``
        before then may be lost: ask again)."""
        while True:
            try:
                message = await self.iopub_channel.get_msg(timeout=IOPUB_WAIT)
            except Empty:
                return False
            if message["msg_type"] == "iopub_welcome":
                return False
            if (message["msg_type"] == "status"
                    and message["content"].get("execution_state") == "idle"
                    and message["parent_header"].get("msg_id") == request):
                return True


class QuickStartKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels talk over Unix sockets where there are any, whose
    clients are :class:`QuickStartKernelClient`, and which sees a killed kernel gone within
    milliseconds (``jupyter_client`` looks every 0.1 s)."""

    client_class = DottedObjectName("strapetsi_lib.render.kernel_client.QuickStartKernelClient")
    client_factory = Type(QuickStartKernelClient, klass=AsyncKernelClient)

    @default("transport")
    def _unix_sockets_where_there_are_any(self) -> str:
        return "tcp" if ipc_address() is None else "ipc"

    @default("ip")
    def _a_new_address(self) -> str:
        address = ipc_address() if self.transport == "ipc" else None
        return address if address is not None else localhost()

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client's own hook (private): it polls until the process has ended, called
        # with its 0.1 s default after a kill; a report's kernel ends at once.
        await super()._async_wait(pollinterval=min(pollinterval, KILL_POLL))
