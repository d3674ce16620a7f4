"""Report kernels: the quick-start kernel client, the immediate stop, and warm kernels that find
the run's prepared tables already read by their fork server.

Every test starts real Jupyter kernels through Papermill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from queue import Empty

import nbformat
import psutil
import pytest
import zmq
from nbformat.v4 import new_code_cell, new_notebook

from strapetsi_lib import cache_keys, prepare
from strapetsi_lib.batch import kernel_server
from strapetsi_lib.batch.warm_kernel import WarmKernel, use_kernelspecs
from strapetsi_lib.ingest.dataset import load_dataset
from strapetsi_lib.render import kernel_client
from strapetsi_lib.render.export import execute_notebook
from strapetsi_lib.render.kernel_client import QuickStartKernelClient, QuickStartKernelManager

pytestmark = pytest.mark.slow  # every test starts kernels


def _notebook(path, *sources: str):
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "strapetsi", "language": "python",
                                 "display_name": "Python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(nb) -> list[str]:
    return ["".join(output.get("text", "")) for cell in nb.cells for output in cell.outputs
            if output.output_type == "stream"]


def test_the_manager_hands_out_quick_start_clients():
    manager = QuickStartKernelManager(kernel_name="python3")
    assert isinstance(manager.client(), QuickStartKernelClient)


def test_a_refused_channel_is_retried_soon_then_backing_off_to_zeromqs_interval():
    """A client connects before its kernel has bound the sockets; ZeroMQ's own first retry
    comes 100 ms later."""
    with zmq.Context() as context, context.socket(zmq.SUB) as plain:
        zeromqs_interval = plain.getsockopt(zmq.RECONNECT_IVL)
    client = QuickStartKernelManager(kernel_name="python3").client()
    client.start_channels(hb=False)  # (no heartbeat thread still making its socket at the end)
    try:
        for channel in (client.shell_channel, client.iopub_channel, client.control_channel):
            assert channel.socket.getsockopt(zmq.RECONNECT_IVL) == kernel_client.RECONNECT_FIRST
            assert channel.socket.getsockopt(zmq.RECONNECT_IVL_MAX) == zeromqs_interval
    finally:
        client.stop_channels()


def test_a_kernel_announcing_the_iopub_subscription_is_asked_again_at_once():
    """What a kernel published before the subscription reached it is lost, the status of the
    first kernel_info among it: its welcome ends the wait for that status, so the wait reads
    the welcome and no further message (waiting on would read until IOPUB_WAIT passed)."""
    manager = QuickStartKernelManager(kernel_name="python3")

    async def first_iopub_wait() -> tuple[bool, list[str]]:
        await manager.start_kernel()
        client = manager.client()
        try:  # (no heartbeat threads, which may still be making a socket as a client stops)
            client.start_channels(hb=False)
            await client.wait_for_ready(timeout=60)  # its welcome came and went
            client.stop_channels()
            client = manager.client()
            client.start_channels(hb=False)  # a new subscription: the kernel welcomes it
            channel, read = client.iopub_channel, []
            get_msg = channel.get_msg

            async def recorded(*args, **kwargs):
                try:
                    message = await get_msg(*args, **kwargs)
                except Empty:
                    read.append("nothing")
                    raise
                read.append(message["msg_type"])
                return message

            channel.get_msg = recorded
            done = await client._iopub_done("a request the kernel never had")  # noqa: SLF001
            return done, read
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    done, read = asyncio.run(first_iopub_wait())
    assert done is False
    assert read == ["iopub_welcome"]


def test_a_notebook_runs_with_clean_outputs_and_leaves_no_kernel_behind(tmp_path):
    """The readiness check consumes the kernel_info messages itself: the first cell's outputs
    are its own, and the kernel is gone when execution returns (stopped at once)."""
    source = _notebook(tmp_path / "nb.ipynb", "word = 'x'", "print('first', word)",
                       "import os\nprint(os.getpid())")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    executed = execute_notebook(source, tmp_path / "out.ipynb", {"word": "ok"})
    texts = _stdout(executed)
    assert texts[0] == "first ok\n"
    kernel_pid = int(texts[1])
    assert [o.output_type for c in executed.cells for o in c.outputs] == ["stream", "stream"]
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert not psutil.pid_exists(kernel_pid) or psutil.Process(kernel_pid).status() == "zombie"
    assert after <= before


@pytest.fixture
def prepared_home(tmp_path, monkeypatch, write_dataset):
    """A tiny dataset with prepared tables, under a project folder of its own."""
    home = tmp_path / "home"
    monkeypatch.setenv("STRAPETSI_HOME", str(home))
    monkeypatch.setattr(cache_keys, "PREPARED_DIR", home / ".cache" / "prepared")
    dataset = write_dataset(home / "data" / "tiny")
    prepare.prepare_tables(load_dataset(dataset))
    return dataset


def test_warm_kernels_get_the_tables_their_server_read(prepared_home, tmp_path):
    # also: the tables come grouped by provider, a kernel runs without cycle collection, and
    # it starts with the texts of a report's figures measured (the dimensions' names among them)
    probe = ("import gc\nfrom strapetsi_lib import prepare\n"
             "from strapetsi_lib.present import text_metrics\n"
             "tables = prepare.load_prepared(dataset)\n"
             "names = {tables.instrument.dimension(code).name['fi']\n"
             "         for code in tables.instrument.dimension_codes}\n"
             "print(any(tables is t for t in prepare._PRELOADED.values()), "
             "'_positions_by_table' in vars(tables), gc.isenabled(), "
             "any(key[2] in names for key in text_metrics._sizes), "
             "len(tables['providers']))")
    source = _notebook(tmp_path / "probe.ipynb", "dataset = ''", probe)
    expected = len(prepare.load_prepared(prepared_home)["providers"])
    with WarmKernel(preload=prepared_home) as warm:
        use_kernelspecs(warm.kernelspec_path)
        for run in range(2):
            executed = execute_notebook(source, tmp_path / f"out{run}.ipynb",
                                        {"dataset": str(prepared_home)},
                                        kernel_name=warm.kernel_name)
            assert _stdout(executed) == [f"True True False True {expected}\n"]
    with WarmKernel() as cold:  # without --preload each kernel reads the tables itself
        use_kernelspecs(cold.kernelspec_path)
        executed = execute_notebook(source, tmp_path / "cold.ipynb",
                                    {"dataset": str(prepared_home)},
                                    kernel_name=cold.kernel_name)
        assert _stdout(executed) == [f"False False False False {expected}\n"]


def test_warm_kernels_send_what_a_cell_prints_before_what_it_shows_next(tmp_path):
    """A warm kernel's streams skip a flush only when nothing was written: printed text still
    comes before the output shown after it, on stdout and stderr."""
    cell = ("import sys\nfrom IPython.display import display\n"
            "print('one')\ndisplay({'text/plain': 'shown'}, raw=True)\n"
            "print('two', file=sys.stderr)\ndisplay({'text/plain': 'shown again'}, raw=True)\n"
            "display({'text/plain': 'nothing printed in between'}, raw=True)\n"
            "print(type(sys.stdout).__name__)")
    source = _notebook(tmp_path / "nb.ipynb", "x = 1", cell)
    with WarmKernel() as warm:
        use_kernelspecs(warm.kernelspec_path)
        executed = execute_notebook(source, tmp_path / "out.ipynb", {},
                                    kernel_name=warm.kernel_name)
    outputs = [(o.output_type, o.get("name") or o.data["text/plain"], o.get("text"))
               for o in executed.cells[1].outputs]
    assert outputs == [("stream", "stdout", "one\n"), ("display_data", "shown", None),
                       ("stream", "stderr", "two\n"), ("display_data", "shown again", None),
                       ("display_data", "nothing printed in between", None),
                       ("stream", "stdout", "ReportOutStream\n")]


def test_without_its_server_the_warm_kernelspec_starts_an_ordinary_kernel(tmp_path, capfd):
    """The provisioner hands Jupyter the forked kernel itself (no process between them), and
    when the server is gone it starts the kernelspec's ordinary command instead."""
    import os

    source = _notebook(tmp_path / "nb.ipynb", "x = 1",
                       "import os, sys\nprint(type(sys.stdout).__name__, os.getppid())")
    warm = WarmKernel().start()
    try:
        use_kernelspecs(warm.kernelspec_path)
        forked = execute_notebook(source, tmp_path / "forked.ipynb", {},
                                  kernel_name=warm.kernel_name)
        assert _stdout(forked) == [f"ReportOutStream {warm.process.pid}\n"]
        warm.stop(remove=False)  # the server is gone; its kernelspec stays
        ordinary = execute_notebook(source, tmp_path / "ordinary.ipynb", {},
                                    kernel_name=warm.kernel_name)
        assert _stdout(ordinary) == [f"OutStream {os.getpid()}\n"]
        assert "fork server unavailable" in capfd.readouterr().err
    finally:
        warm.stop()


def test_a_cells_shown_html_is_one_output_in_order_sent_when_the_cell_ends(tmp_path):
    """Everything a cell shows with the show_* functions becomes one output of that cell, in
    the order shown, after what it prints; a failing cell still sends what it showed; the
    figures' drawing times add up; outside a running cell show_* displays at once."""
    cells = [
        "x = 1",
        "from strapetsi_lib.present import display as d\n"
        "d.show_heading('Otsikko <1>', 2)\nprint('printed')\nd.show_text('Sana **{n}**.', n=3)\n"
        "d._display_html('<p>a</p>', 'a', {d.TIMING_METADATA: {'figure_seconds': 0.25}})\n"
        "d._display_html('<p>b</p>', 'b', {d.TIMING_METADATA: {'figure_seconds': 0.5}})",
        "d.show_text('ennen virhettä')\nraise ValueError('stop')",
    ]
    source = _notebook(tmp_path / "nb.ipynb", *cells)
    with pytest.raises(Exception, match="stop"):
        execute_notebook(source, tmp_path / "out.ipynb", {})
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = {cell.source: cell for cell in executed.cells if cell.cell_type == "code"}
    shown = code[cells[1]].outputs
    assert [o.output_type for o in shown] == ["stream", "display_data"]
    html = shown[1].data["text/html"]
    assert html.index("Otsikko &lt;1&gt;") < html.index("<strong>3</strong>") < html.index(
        "<p>a</p>") < html.index("<p>b</p>")
    assert shown[1].data["text/plain"].split("\n\n")[:2] == ["Otsikko <1>", "Sana **3**."]
    assert shown[1].metadata["strapetsi"]["figure_seconds"] == 0.75
    failed = code[cells[2]].outputs
    assert sorted(o.output_type for o in failed) == ["display_data", "error"]
    assert "ennen virhettä" in next(o for o in failed if o.output_type == "display_data"
                                    ).data["text/html"]


def test_show_functions_display_at_once_outside_a_running_cell(capsys):
    from strapetsi_lib.present.display import show_text

    show_text("heti {n}", n=1)  # no IPython cell runs: IPython's display prints the text
    assert "heti 1" in capsys.readouterr().out


def test_the_kernel_server_imports_no_library_a_provider_report_does_not_use():
    """The server imports what provider reports import, and nothing heavier: scipy, seaborn and
    statsmodels (only the network report and the prepare stage use them) would add seconds to
    the start of every run, and a report module importing one at its top would bring it back."""
    import subprocess
    import sys

    code = ("import sys\nfrom strapetsi_lib.batch.kernel_server import warm_caches, warm_up\n"
            "failed = warm_up() + warm_caches()\n"
            "print(failed, sorted({name.split('.')[0] for name in sys.modules}"
            " & {'scipy', 'seaborn', 'statsmodels'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[] []"


def test_the_kernel_server_wakes_as_soon_as_a_kernel_ends():
    """A worker waits for its kernel's exit status: the server's loop is woken by the kernel's
    end (SIGCHLD through Python's signal wake-up descriptor), not by its next look."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server = kernel_server._Server("unused", listener)  # noqa: SLF001
    previous = signal.getsignal(signal.SIGCHLD)
    try:
        server.wake_when_a_child_ends()
        child = os.fork()
        if child == 0:
            os._exit(0)
        woken = [key.data for key, _ in server.selector.select(timeout=30)]
        os.waitpid(child, 0)
        assert woken == ["child"]
    finally:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, previous)
        server.selector.close()
        listener.close()
        for fd in server.wake_pipe or ():
            os.close(fd)
