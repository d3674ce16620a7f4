"""A Jupyter kernel client that knows when a new kernel is ready without waiting out a timer.

``jupyter_client``'s ``wait_for_ready`` asks the kernel for ``kernel_info``, and once it has the
reply it "flushes" the IOPub channel: it reads until nothing has come for 0.2 s. Every kernel
start therefore waits 0.2 s for nothing, which is a tenth of a report's time in a batch. Here the
wait ends when the kernel's own messages for that request have arrived: the ``idle`` status the
kernel publishes on IOPub after it answered ``kernel_info``. Seeing it also proves IOPub is
connected, which is what the flush was for; anything that arrives later belongs to the
``kernel_info`` request, and nbclient ignores messages of other requests.

Its manager also looks more often whether a killed kernel has ended (a report's kernel is
killed when its last cell ends, see ``shutdown_kernel="immediate"`` there).

Papermill takes it as ``kernel_manager_class=QuickStartKernelManager``
(see :func:`strapetsi_lib.render.export.execute_notebook`). If no ``idle`` status comes within
the usual 0.2 s (an old kernel, IOPub not yet connected), the request is repeated, as
``jupyter_client`` does.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

__all__ = ["QuickStartKernelClient", "QuickStartKernelManager"]

#: Seconds to wait for the IOPub messages of one ``kernel_info`` request (jupyter_client's).
IOPUB_WAIT = 0.2
#: Seconds to wait for the ``kernel_info`` reply before asking again (jupyter_client's).
REPLY_WAIT = 1.0
#: Seconds between two looks at whether a killed kernel has ended.
KILL_POLL = 0.005


class QuickStartKernelClient(AsyncKernelClient):
    """An ``AsyncKernelClient`` whose :meth:`wait_for_ready` ends when the kernel is ready."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        """Wait until the kernel answered ``kernel_info`` and its IOPub messages arrived.

        Parameters
        ----------
        timeout
            Seconds to wait in all (``None``: no limit).

        Raises
        ------
        RuntimeError
            When the kernel dies or does not answer in time (as ``jupyter_client`` does).
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
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _iopub_done(self, request: str) -> bool:
        """Read IOPub until the kernel's ``idle`` status for ``request``; ``False`` if it does
        not come within :data:`IOPUB_WAIT` seconds of the previous message."""
        while True:
            try:
                message = await self.iopub_channel.get_msg(timeout=IOPUB_WAIT)
            except Empty:
                return False
            if (message["msg_type"] == "status"
                    and message["content"].get("execution_state") == "idle"
                    and message["parent_header"].get("msg_id") == request):
                return True


class QuickStartKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose clients are :class:`QuickStartKernelClient`, and which
    sees a killed kernel gone within milliseconds (``jupyter_client`` looks every 0.1 s)."""

    client_class = DottedObjectName("strapetsi_lib.render.kernel_client.QuickStartKernelClient")
    client_factory = Type(QuickStartKernelClient, klass=AsyncKernelClient)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client's own hook (private): it polls until the process has ended, called
        # with its 0.1 s default after a kill; a report's kernel ends at once.
        await super()._async_wait(pollinterval=min(pollinterval, KILL_POLL))
