"""Faults of a run, end to end: a broken or stale manifest, a killed run, a hung cell, an output
folder that is full, read-only or missing, two runs into one folder, the portable batch, and no
absolute path or host name in anything a run writes.

Most runs use a tiny report notebook written here (a title and one line per provider), so each
`strapetsi run` costs seconds; the portable test runs the real provider report.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from run_folder import error_lines, leftovers, provider_ids, record

from strapetsi_lib.config import NOTEBOOKS_DIR, PROVIDER_NOTEBOOK
from strapetsi_lib.ingest.demo import generate_demo

pytestmark = pytest.mark.slow

SLEEP_CALL = "time.sleep(600 if provider_id"


def _ctrl_c_default() -> None:
    """Let the run see Ctrl-C even when pytest itself was started with SIGINT ignored (a
    background job of a non-interactive shell): Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def strapetsi_run(*args, env: dict | None = None, umask: int = -1,
                  timeout: float = 300) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "strapetsi_lib", "run", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, umask=umask)


def status(out: Path) -> dict[str, str]:
    return {entry["id"]: entry["status"] for entry in record(out)["reports"]}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def dataset(work) -> Path:
    return generate_demo(work / "demo", n_providers=4)


@pytest.fixture(scope="module")
def ids(dataset) -> list[str]:
    return provider_ids(dataset)


@pytest.fixture(scope="module")
def tiny(work, ids) -> Path:
    """A report notebook that takes a second, except for the last provider: it hangs."""
    parameters = new_code_cell('dataset = ""\nprovider_id = ""\nlanguage = "fi"')
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[
        parameters,
        new_markdown_cell("# Pieni raportti"),
        new_code_cell("import time\nfrom IPython.display import Markdown\n"
                      "Markdown(f'Järjestäjä {provider_id}')"),
        new_code_cell(f"{SLEEP_CALL} == {ids[-1]!r} else 0)  # the hung cell"),
    ])
    nb.metadata["kernelspec"] = {"name": "strapetsi", "display_name": "strapetsi",
                                 "language": "python"}
    path = work / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def tiny_run(dataset, tiny, out, *args, **kwargs) -> subprocess.CompletedProcess:
    return strapetsi_run(dataset, "--out", out, "--notebook", tiny, "--no-warm-kernel", *args,
                         **kwargs)


# --- the manifest -----------------------------------------------------------------------------


def test_a_broken_manifest_is_one_line_and_the_run_heals(dataset, tiny, ids, work):
    out = work / "healing"
    first = tiny_run(dataset, tiny, out, "--provider", ids[0])
    assert first.returncode == 0, first.stderr
    manifest = out / "_work" / "manifest.json"
    broken = record(out)
    broken["reports"][0]["id"] = None  # once made a valid provider "unknown"
    manifest.write_text(json.dumps(broken), encoding="utf-8")

    again = tiny_run(dataset, tiny, out, "--provider", ids[0])
    assert again.returncode == 0, again.stderr
    lines = [line for line in error_lines(again) if "manifest.json" in line]
    assert len(lines) == 1 and "report 1 has no valid 'id'" in lines[0], again.stderr
    assert "unknown" not in again.stderr and "Traceback" not in again.stderr
    assert status(out)[ids[0]] == "ok" and record(out)["run"]["reports_run"] == 1


def test_a_killed_run_reads_interrupted_and_a_hung_cell_is_named(dataset, tiny, ids, work):
    out, hung = work / "killed", ids[-1]
    command = [sys.executable, "-m", "strapetsi_lib", "run", str(dataset), "--out", str(out),
               "--notebook", str(tiny), "--no-warm-kernel", "--provider", hung]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                if status(out).get(hung) == "running":
                    break
            time.sleep(0.5)
        assert status(out)[hung] == "running"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # kill -9, the whole run
        process.wait()

    other = tiny_run(dataset, tiny, out, "--provider", ids[0])
    assert other.returncode == 0, other.stderr
    assert status(out)[hung] == "interrupted"
    assert "killed" in next(e for e in record(out)["reports"] if e["id"] == hung)["note"]

    timed = tiny_run(dataset, tiny, out, "--provider", hung, "--timeout", "40")
    assert timed.returncode == 1
    error = next(e for e in record(out)["reports"] if e["id"] == hung)["error"]
    assert error["ename"] == "Timeout" and error["cell_index"] == 3
    assert error["cell"].startswith(f"3: {SLEEP_CALL}") and SLEEP_CALL in timed.stderr
    assert not leftovers(out)


def test_the_summary_counts_only_finished_reports(dataset, tiny, ids, work):
    out = work / "interrupted"
    command = [sys.executable, "-m", "strapetsi_lib", "run", str(dataset), "--out", str(out),
               "--notebook", str(tiny), "--no-warm-kernel", "--no-network", "-j", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_ctrl_c_default)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # until the hung report is running
        with contextlib.suppress(OSError, ValueError, KeyError):
            if status(out).get(ids[-1]) == "running":
                break
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    finished = sum(1 for value in status(out).values() if value in ("ok", "failed"))
    assert finished == len(ids) - 1
    assert f"{finished} report(s) run" in stdout
    assert record(out)["run"]["reports_finished"] == finished


# --- the output folder ------------------------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path) -> Path:
    mount = tmp_path / "mnt"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_full_and_read_only_folders_are_one_line_and_keep_earlier_reports(dataset, tiny, ids,
                                                                         tmpfs):
    out = tmpfs / "out"
    first = tiny_run(dataset, tiny, out, "--provider", ids[0])
    assert first.returncode == 0, first.stderr
    report = out / f"provider_{ids[0]}.html"
    earlier = report.read_bytes()
    with open(tmpfs / "filler", "wb") as filler:  # fill the disk
        with contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
    full = tiny_run(dataset, tiny, out, "--provider", ids[0], "--force")
    assert full.returncode == 1
    lines = error_lines(full)
    assert len(lines) == 1, full.stderr
    assert lines[0].startswith(f"strapetsi run: cannot write to {out}: No space left on device")
    assert "free space" in lines[0]
    assert report.read_bytes() == earlier
    assert not leftovers(out) and not list(out.rglob("*.failed.ipynb"))

    (tmpfs / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    read_only = tiny_run(dataset, tiny, out, "--provider", ids[0], "--force")
    assert read_only.returncode == 1
    lines = error_lines(read_only)
    assert len(lines) == 1 and "Read-only file system" in lines[0], read_only.stderr
    assert str(out) in lines[0] and "--out" in lines[0]
    assert report.read_bytes() == earlier


def test_missing_parent_and_a_busy_folder_are_one_line(dataset, tiny, ids, work):
    missing = work / "no" / "such" / "out"
    result = tiny_run(dataset, tiny, missing, "--provider", ids[0])
    assert result.returncode == 1 and not (work / "no").exists()
    assert error_lines(result) == [
        f"strapetsi run: cannot write to {missing}: its parent folder {missing.parent} does not "
        "exist; create it, or choose another folder with --out"]

    from filelock import FileLock

    out = work / "busy"
    (out / "_work").mkdir(parents=True)
    with FileLock(str(out / "_work" / "run.lock"), timeout=0):
        result = tiny_run(dataset, tiny, out, "--provider", ids[0])
    assert result.returncode == 1
    assert error_lines(result) == [f"strapetsi run: another run is writing to {out}; wait for "
                                   "it to end"]
    assert not (out / f"provider_{ids[0]}.html").exists()


# --- portable, and nothing personal in the files -----------------------------------------------


def test_the_batch_imports_without_fork_or_fcntl():
    code = ("import os, sys\nsys.modules['fcntl'] = None\ndel os.fork\n"
            "import strapetsi_lib.cli, strapetsi_lib.batch.run, strapetsi_lib.batch.executors\n"
            "from strapetsi_lib.batch.executors import warm_kernels_possible\n"
            "assert not warm_kernels_possible()\nprint('imported')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and "imported" in result.stdout, result.stderr


def test_portable_run_writes_nothing_personal_and_respects_the_umask(dataset, ids, work):
    notebook = PROVIDER_NOTEBOOK
    if not notebook.is_file():
        import jupytext

        notebook = work / "provider_report.ipynb"
        jupytext.write(jupytext.read(NOTEBOOKS_DIR / "provider_report.py"), notebook)
    out = work / "portable"
    result = strapetsi_run(dataset, "--out", out, "--notebook", notebook, "--provider", ids[0],
                           "--provider", ids[1], "-j", "2", env={"STRAPETSI_PORTABLE": "1"},
                           umask=0o027)
    assert result.returncode == 0, result.stderr
    executor = record(out)["run"]["executor"]
    assert executor["portable"] is True and executor["warm_kernel"] is False
    assert status(out)[ids[0]] == status(out)[ids[1]] == "ok"

    host = socket.gethostname()
    personal = re.compile("|".join([re.escape(str(p)) for p in (work, Path.home(), sys.prefix)]
                                   + ["/work/", "/tmp/", "/home/", "/root"]))
    hostname = re.compile(rf"(?<![\w+/=]){re.escape(host)}(?![\w+/=])")
    # the coordinator's files are the user's only whatever the umask; the others follow it
    private = {out / name for name in ("index.html", "_work/manifest.json",
                                       "_work/published.json", "_work/run.lock")}
    for path in [p for p in out.rglob("*") if p.is_file()]:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not personal.search(text), (path, personal.search(text))
        assert not hostname.search(text), path
        expected = 0o600 if path in private else 0o640  # the umask, not a forced 0644
        assert path.stat().st_mode & 0o777 == expected, path
    notebook_parameters = json.loads(
        (out / "_work" / "notebooks" / f"provider_{ids[0]}.ipynb").read_text())["metadata"][
        "papermill"]["parameters"]
    assert notebook_parameters["dataset"] == dataset.name


# --- selection --------------------------------------------------------------------------------


def test_network_alone_runs_only_the_network_report(dataset, tiny, ids, work):
    out = work / "selection"
    alone = tiny_run(dataset, tiny, out, "--network", "--network-notebook", tiny)
    assert alone.returncode == 0, alone.stderr
    assert (out / "network.html").is_file() and not list(out.glob("provider_*.html"))
    assert status(out)["network"] == "ok"
    assert {status(out)[i] for i in ids} == {"not-run"}

    both = tiny_run(dataset, tiny, out, "--network", "--network-notebook", tiny, "--provider",
                    ids[0], "--force", "--language", "sv")
    assert both.returncode == 0, both.stderr
    assert sorted(p.name for p in out.glob("*.html")) == [
        "index.html", "network.html", f"provider_{ids[0]}.html"]
    assert record(out)["run"]["reports_run"] == 2
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in index and "Nätverksrapporten" in index
    assert index.index("Nätverksrapporten") < index.index(f"provider_{ids[0]}.html")

    usage = tiny_run(dataset, tiny, out, "--all", "--network")
    assert usage.returncode == 2 and "--all" in usage.stderr
