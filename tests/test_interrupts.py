"""Ctrl-C and kill during a run are raised where the coordinator can stop cleanly.

An interrupt that comes while ``subprocess.Popen.poll`` holds its lock leaves a run hanging for
good in ``Popen.wait``; interrupts are therefore held where the run keeps its books. These tests
send real signals to this process.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from strapetsi_lib.batch import interrupts


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_in_a_deferred_block_is_raised_when_the_block_ends(signum):
    lock = threading.Lock()
    steps = []
    with interrupts.taken_at_safe_points():
        with pytest.raises(KeyboardInterrupt):
            with interrupts.deferred():
                with lock:  # as Popen.poll holds its lock
                    os.kill(os.getpid(), signum)
                    steps.extend(range(1000))  # many bytecodes: the handler has run by now
                steps.append("released")
        assert steps[-1] == "released"
        assert lock.acquire(blocking=False)  # the lock was released before the interrupt


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_outside_a_deferred_block_is_raised_at_once(signum):
    steps = []
    with interrupts.taken_at_safe_points():
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signum)
            for step in range(100_000):  # never reaches the end
                steps.append(step)
    assert len(steps) < 100_000


def test_nested_deferred_blocks_raise_once_at_the_outer_end():
    with interrupts.taken_at_safe_points():
        with pytest.raises(KeyboardInterrupt):
            with interrupts.deferred():
                with interrupts.deferred():
                    os.kill(os.getpid(), signal.SIGINT)
                    sum(range(1000))
                inner_done = True
        assert inner_done


def test_the_handlers_are_restored_and_an_ignored_ctrl_c_stays_ignored():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with interrupts.taken_at_safe_points():
        assert signal.getsignal(signal.SIGINT) is not before[0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a background job's Ctrl-C
    try:
        with interrupts.taken_at_safe_points():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
