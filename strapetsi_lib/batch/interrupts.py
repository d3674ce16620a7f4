"""Ctrl-C and ``kill`` during a run, taken where the coordinator can stop cleanly.

In: SIGINT (Ctrl-C) and SIGTERM (``kill``) while :func:`taken_at_safe_points` is in force.
Out: ``KeyboardInterrupt`` in the main thread, raised at once where the coordinator is only
waiting, and at the end of a :func:`deferred` block where it is keeping its books.

Python raises ``KeyboardInterrupt`` between any two bytecodes, and a library caught in the middle
does not always recover: an interrupt that comes while ``subprocess.Popen.poll`` holds its lock
leaves the lock held, and the run then hangs for good in ``Popen.wait`` (the kernel server's
health check polls on every turn of the run's loop). The executor therefore keeps its
books (checking the kernel server, handing out tasks, recording results, replacing workers)
inside :func:`deferred`: an interrupt that arrives there is held until the block ends, a fraction
of a second, and raised then. While the coordinator waits for its workers, an interrupt is
raised at once, as before.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_held = {"deferring": False, "pending": False}


def _interrupt(_signum: int, _frame: object) -> None:
    if _held["deferring"]:
        _held["pending"] = True
    else:
        raise KeyboardInterrupt


@contextlib.contextmanager
def taken_at_safe_points() -> Iterator[None]:
    """Take Ctrl-C and ``kill`` as ``KeyboardInterrupt``, held while :func:`deferred` is.

    Ctrl-C stays ignored if the process was started with it ignored (a background job). Outside
    the main thread this does nothing (only the main thread may set signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        taken.append(signal.SIGINT)
    previous = {signum: signal.signal(signum, _interrupt) for signum in taken}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _held.update(deferring=False, pending=False)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold an interrupt that arrives during the block; raise it when the block ends."""
    outer = _held["deferring"]
    _held["deferring"] = True
    try:
        yield
    finally:
        _held["deferring"] = outer
        if not outer and _held["pending"]:
            _held["pending"] = False
            raise KeyboardInterrupt
