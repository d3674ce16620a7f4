"""The private parts of libraries the workbench still relies on are there, in the versions the
lock installs (docs/architecture.md §8 lists each with its bounds and the test that guards it).

Where one of them goes away, the workbench stays right but gets slower (or, for the kernel
server's exit, leaves a kernel's clean-up undone): these tests say so instead.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from jupyter_client.manager import AsyncKernelManager

from strapetsi_lib.render.kernel_client import QuickStartKernelManager


def test_jupyter_client_still_waits_for_a_killed_kernel_through_async_wait():
    # render/kernel_client.py shortens its poll interval
    wait = inspect.signature(AsyncKernelManager._async_wait)
    assert "pollinterval" in wait.parameters
    assert QuickStartKernelManager._async_wait is not AsyncKernelManager._async_wait
    source = inspect.getsource(AsyncKernelManager._async_kill_kernel)
    assert "self._async_wait(" in source  # the kill waits through it


@pytest.mark.slow
def test_python_still_runs_exit_handlers_on_request():
    # batch/kernel_server.py runs a forked kernel's exit handlers before os._exit (in a process
    # of its own here: running this one's handlers would close what pytest still uses)
    code = ("import atexit, os\natexit.register(print, 'ran', flush=True)\n"
            "atexit._run_exitfuncs()\nos._exit(0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout == "ran\n", done.stderr


@pytest.mark.slow
def test_jsonschema_still_does_without_rfc3987_syntax_in_batch_processes():
    # batch/startup.py hides the module, which jsonschema imports only if it can
    code = ("import sys\nfrom strapetsi_lib.batch.startup import skip_slow_optional_imports\n"
            "skip_slow_optional_imports()\nimport nbformat, jsonschema\n"
            "nbformat.validate(nbformat.v4.new_notebook())\n"
            "print('rfc3987_syntax' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
