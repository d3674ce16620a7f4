"""The standard streams of a report kernel: ipykernel's, flushed only when written to.

ipykernel flushes ``sys.stdout`` and ``sys.stderr`` before every output it sends and around
every cell, and each flush is a round trip to its I/O thread (about 0.2 ms of processor time and
two thread wake-ups) even when nothing was written. A report prints nothing: its words, tables
and figures are display outputs, so of a report's hundred-odd flushes none has anything to send.
:class:`ReportOutStream` is ipykernel's :class:`~ipykernel.iostream.OutStream` that returns at
once from a flush when nothing was written since the last one, and flushes as ipykernel does
otherwise (what was written before a flush is sent before the output that follows it). The
kernel server gives it to the kernels it forks through ipykernel's documented setting
``IPKernelApp.outstream_class`` (:mod:`strapetsi_lib.batch.kernel_server`).
"""

from __future__ import annotations

from ipykernel.iostream import OutStream

__all__ = ["OUTSTREAM_SETTING", "ReportOutStream"]


class ReportOutStream(OutStream):
    """ipykernel's output stream, with a flush that skips the round trip when nothing was
    written since the last flush."""

    _written = False

    def write(self, string: str) -> int | None:
        # set before the text is buffered: a flush that misses the flag has missed the text too
        self._written = True
        return super().write(string)

    def flush(self) -> None:
        if not self._written:
            return
        # cleared before flushing: a write during the flush sets it again for the next one
        self._written = False
        super().flush()


#: The kernel's command-line setting that makes its streams :class:`ReportOutStream`.
OUTSTREAM_SETTING = f"--IPKernelApp.outstream_class={__name__}.ReportOutStream"
