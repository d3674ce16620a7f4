"""Benchmark: the plain Papermill + nbconvert loop against ``strapetsi run``, on the same work.

Times, in one run, on the same notebook and dataset:

1. **strapetsi run --force** with its default settings (into a separate folder, providers only,
   as the loop does);
2. **the plain loop**: for each provider, ``papermill`` (the command) executes the report
   notebook, then ``jupyter nbconvert --to html --no-input`` exports it, one after another;
3. **strapetsi run --force** once more, into a second folder;
4. **a no-change re-run** of that ``strapetsi run`` (nothing should run).

``strapetsi run`` is timed just before and just after the plain loop, and the ratio uses the
mean of the two: the loop takes some 25 minutes for 81 providers, and a shared machine's speed
drifts over that long (by several per cent on this project's machine between runs a few minutes
apart), so a single run on one side of the loop can make the ratio look better or worse than it
is. Both times are printed.

It prints both times, their ratio, where one report's time goes in ``strapetsi run`` (kernel
start and Papermill, the cells, the figures within them, the export; read from the executed
notebooks and the manifest), the peak memory of each side (the resident memory of all its
processes together, sampled) and the no-change re-run's time. The prepared tables are computed
once beforehand and not timed, so neither side pays for them.

The machine may be shared: compare the ratio of one run, not times across runs.

Usage::

    .venv/bin/python benchmarks/batch.py                 # all providers of data/demo
    .venv/bin/python benchmarks/batch.py --providers 12  # a quick run on the first 12
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from strapetsi_lib.config import DEMO_DIR, KERNEL_NAME, PROJ_ROOT, PROVIDER_NOTEBOOK

BIN = Path(sys.executable).parent
#: Seconds between two samples of the memory in use.
MEMORY_SAMPLE = 0.1


class _PeakMemory:
    """The peak resident memory of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        # Sampling walks every process of the machine (a few ms each time). At the lowest
        # priority it takes only CPU time nothing else wants: timed, `strapetsi run` keeps both
        # cores busy, and the sampler must not slow it more than the plain loop, which leaves
        # one core idle (Linux sets the priority of one thread; elsewhere it stays as it is).
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        while not self._done.is_set():
            try:
                root = psutil.Process(self.pid)
                total = 0
                for process in [root, *root.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._done.wait(MEMORY_SAMPLE)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def _run(command: list[str], **kwargs) -> tuple[float, int]:
    """Run a command; return its wall-clock seconds and peak memory (raise if it fails)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               **kwargs)
    memory = _PeakMemory(process.pid)
    _, stderr = process.communicate()
    seconds, peak = time.perf_counter() - started, memory.stop()
    if process.returncode:
        tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"{command[0]} failed ({process.returncode}): " + " | ".join(tail))
    return seconds, peak


def _providers(dataset: Path, count: int | None) -> tuple[list[dict], object]:
    from strapetsi_lib.ingest.dataset import load_dataset
    from strapetsi_lib.prepare import prepare_tables

    prepared = prepare_tables(load_dataset(dataset))  # cached: untimed for both sides
    providers = [{"id": str(p.provider_id), "language": str(p.language)}
                 for p in prepared["providers"].itertuples(index=False)]
    return (providers[:count] if count else providers), prepared


def plain_loop(notebook: Path, prepared, providers: list[dict], out: Path) -> dict:
    """Per provider: the papermill command, then the nbconvert command, sequentially."""
    from strapetsi_lib.render.parameters import provider_parameters

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for provider in providers:
        parameters = provider_parameters(prepared, provider["id"])
        executed = out / f"provider_{provider['id']}.ipynb"
        command = [str(BIN / "papermill"), str(notebook), str(executed), "-k", KERNEL_NAME,
                   "--cwd", str(notebook.parent), "--no-progress-bar"]
        for name, value in parameters.items():
            command += ["-r", name, str(value)]  # raw: a Y-tunnus stays text
        execute, execute_memory = _run(command)
        export, export_memory = _run([str(BIN / "jupyter"), "nbconvert", "--to", "html",
                                      "--no-input", str(executed)])
        rows.append({"id": provider["id"], "papermill": execute, "nbconvert": export,
                     "memory": max(execute_memory, export_memory),
                     **notebook_breakdown(executed)})
        print(f"  plain loop {len(rows):>3}/{len(providers)} {provider['id']}: "
              f"papermill {execute:5.1f} s, nbconvert {export:4.1f} s", flush=True)
    return {"seconds": sum(r["papermill"] + r["nbconvert"] for r in rows), "rows": rows,
            "peak_memory": max(r["memory"] for r in rows)}


def notebook_breakdown(executed: Path) -> dict:
    """Seconds in the cells and in the figures of an executed notebook.

    The cells' time is Papermill's per-cell durations; the figures' is what
    ``show_figure`` recorded with each figure (making, laying out, drawing and encoding it).
    """
    import nbformat

    from strapetsi_lib.present.display import TIMING_METADATA

    nb = nbformat.read(executed, as_version=4)
    cells = figures = 0.0
    for cell in nb.cells:
        cells += cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
        for output in cell.get("outputs", []):
            timing = output.get("metadata", {}).get(TIMING_METADATA, {})
            figures += timing.get("figure_seconds", 0.0)
    return {"cells": cells, "figures": figures}


def strapetsi_run(dataset: Path, notebook: Path, providers: list[dict], all_providers: bool,
                  out: Path, force: bool) -> dict:
    """``strapetsi run`` with default settings; return its time, memory and manifest."""
    command = [str(BIN / "strapetsi"), "run", str(dataset), "--out", str(out), "--notebook",
               str(notebook), "--no-network"]
    if not all_providers:
        for provider in providers:
            command += ["--provider", provider["id"]]
    if force:
        command.append("--force")
    seconds, peak = _run(command)
    manifest = json.loads((out / "_work" / "manifest.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "peak_memory": peak, "manifest": manifest}


def run_breakdown(out: Path, manifest: dict) -> list[dict]:
    """Per report of a ``strapetsi run``: kernel (start and Papermill), cells, figures, export."""
    rows = []
    for entry in manifest["reports"]:
        if entry.get("status") != "ok" or not entry.get("produced"):
            continue
        produced = entry["produced"]
        executed = out / (entry.get("notebook") or f"{entry.get('stem')}.ipynb")
        parts = notebook_breakdown(executed)
        rows.append({"id": entry["id"], "total": produced["seconds"],
                     "kernel": produced["execute_seconds"] - parts["cells"],
                     "cells": parts["cells"] - parts["figures"], "figures": parts["figures"],
                     "export": produced["export_seconds"]})
    return rows


def _mean(rows: list[dict], key: str) -> float:
    return statistics.fmean(r[key] for r in rows) if rows else float("nan")


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEMO_DIR)
    parser.add_argument("--providers", type=int, default=None,
                        help="run only the first N providers (default: all)")
    parser.add_argument("--notebook", type=Path, default=PROVIDER_NOTEBOOK)
    parser.add_argument("--out", type=Path, default=PROJ_ROOT / "reports" / "benchmark",
                        help="scratch folder (emptied first)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    dataset, notebook = args.dataset.resolve(), args.notebook.resolve()
    providers, prepared = _providers(dataset, args.providers)
    all_providers = args.providers is None or args.providers >= len(prepared["providers"])
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    load_before = _load()
    print(f"Benchmark: {len(providers)} providers of {dataset}, notebook {notebook}, "
          f"{os.cpu_count()} cores, load average {load_before}")

    print("1. strapetsi run --force (default settings), before the plain loop", flush=True)
    before = strapetsi_run(dataset, notebook, providers, all_providers,
                           args.out / "batch-before", force=True)
    print("2. plain loop (papermill, then jupyter nbconvert --to html --no-input, per provider)")
    plain = plain_loop(notebook, prepared, providers, args.out / "plain")
    print("3. strapetsi run --force (default settings), after the plain loop", flush=True)
    batch = strapetsi_run(dataset, notebook, providers, all_providers, args.out / "batch",
                          force=True)
    failed = sorted({r["id"] for run in (before, batch) for r in run["manifest"]["reports"]
                     if r["status"] == "failed"})
    print("4. strapetsi run again, nothing changed", flush=True)
    again = strapetsi_run(dataset, notebook, providers, all_providers, args.out / "batch",
                          force=False)

    n = len(providers)
    parts = (run_breakdown(args.out / "batch-before", before["manifest"])
             + run_breakdown(args.out / "batch", batch["manifest"]))
    run_seconds = (before["seconds"] + batch["seconds"]) / 2
    mib = 1024 * 1024
    figures = {
        "providers": n,
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "plain_loop_seconds": round(plain["seconds"], 1),
        "plain_loop_per_provider": round(plain["seconds"] / n, 2),
        "plain_papermill_per_provider": round(sum(r["papermill"] for r in plain["rows"]) / n, 2),
        "plain_nbconvert_per_provider": round(sum(r["nbconvert"] for r in plain["rows"]) / n, 2),
        "plain_cells_per_provider": round(_mean(plain["rows"], "cells"), 2),
        "plain_figures_per_provider": round(_mean(plain["rows"], "figures"), 2),
        "plain_peak_memory_mib": round(plain["peak_memory"] / mib),
        "strapetsi_run_seconds": round(run_seconds, 1),
        "strapetsi_run_before_seconds": round(before["seconds"], 1),
        "strapetsi_run_after_seconds": round(batch["seconds"], 1),
        "strapetsi_run_per_provider": round(run_seconds / n, 2),
        "jobs": batch["manifest"]["run"].get("executor", {}).get("jobs"),
        "report_seconds_mean": round(_mean(parts, "total"), 2),
        "report_kernel_mean": round(_mean(parts, "kernel"), 2),
        "report_cells_mean": round(_mean(parts, "cells"), 2),
        "report_figures_mean": round(_mean(parts, "figures"), 2),
        "report_export_mean": round(_mean(parts, "export"), 2),
        "strapetsi_peak_memory_mib": round(max(before["peak_memory"],
                                               batch["peak_memory"]) / mib),
        "ratio": round(plain["seconds"] / run_seconds, 2),
        "no_change_rerun_seconds": round(again["seconds"], 2),
        "no_change_reports_run": again["manifest"]["run"].get("reports_run"),
        "failed": failed,
    }
    f = figures
    print()
    print(f"plain loop:        {f['plain_loop_seconds']:8.1f} s  "
          f"({f['plain_loop_per_provider']:.2f} s a provider: papermill "
          f"{f['plain_papermill_per_provider']:.2f} s (cells {f['plain_cells_per_provider']:.2f} s,"
          f" of which figures {f['plain_figures_per_provider']:.2f} s) + nbconvert "
          f"{f['plain_nbconvert_per_provider']:.2f} s); peak memory "
          f"{f['plain_peak_memory_mib']} MiB")
    print(f"strapetsi run:     {f['strapetsi_run_seconds']:8.1f} s  "
          f"(mean of {f['strapetsi_run_before_seconds']:.1f} s before and "
          f"{f['strapetsi_run_after_seconds']:.1f} s after the plain loop; "
          f"{f['strapetsi_run_per_provider']:.2f} s a provider of wall time, {f['jobs']} "
          f"workers); peak memory {f['strapetsi_peak_memory_mib']} MiB")
    print(f"  one report in a worker, mean of both runs: {f['report_seconds_mean']:.2f} s = "
          f"kernel start and Papermill {f['report_kernel_mean']:.2f} s + cells "
          f"{f['report_cells_mean']:.2f} s + figures {f['report_figures_mean']:.2f} s + export "
          f"{f['report_export_mean']:.2f} s")
    print(f"ratio:             {f['ratio']:8.2f} x faster")
    print(f"no-change re-run:  {f['no_change_rerun_seconds']:8.2f} s  "
          f"({f['no_change_reports_run']} reports run)")
    print(f"load average:      before {f['load_average_before']}, after "
          f"{f['load_average_after']} on {f['cores']} cores")
    if failed:
        print(f"FAILED in strapetsi run: {', '.join(failed)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
