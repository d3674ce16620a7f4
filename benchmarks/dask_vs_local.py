"""Benchmark: a report's cost on Dask workers beside its cost in the local pool.

Runs the same providers of a dataset twice with ``strapetsi run --force`` (providers only):

1. with the local executor (``--jobs N``, warm kernels);
2. with ``--executor dask`` through a ``dask scheduler`` and a ``dask worker --nworkers N``
   started here as separate processes on 127.0.0.1 (or through ``--scheduler ADDRESS``, a
   cluster you started yourself), where the warm-kernel worker plugin runs the reports;

and prints the per-report times from each run's ``manifest.json`` (median of the reports'
own seconds, and the run's wall-clock time per report) with the ratio Dask / local. The issue
asks for a ratio within 1.5.

Usage::

    .venv/bin/python benchmarks/dask_vs_local.py                       # 6 providers, 2 workers
    .venv/bin/python benchmarks/dask_vs_local.py --providers 10 --workers 2 [--dataset DIR]
    .venv/bin/python benchmarks/dask_vs_local.py --scheduler tcp://host:8786
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from strapetsi_lib.batch.dask_worker import separate_cluster


def _run(dataset: Path, out: Path, ids: list[str], *options: str) -> dict:
    """One ``strapetsi run --force`` of ``ids``; the wall-clock seconds and report seconds."""
    selection = [arg for provider_id in ids for arg in ("--provider", provider_id)]
    command = [sys.executable, "-m", "strapetsi_lib", "run", str(dataset), "--out", str(out),
               "--force", *selection, *options]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    seconds = [entry["produced"]["seconds"] for entry in manifest["reports"]
               if entry["id"] in ids]
    return {"wall": wall, "per_report": statistics.median(seconds), "reports": len(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="a dataset folder (default: a new demo)")
    parser.add_argument("--providers", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2,
                        help="local jobs and Dask worker processes (one thread each)")
    parser.add_argument("--scheduler", help="use this running cluster instead of starting one")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="strapetsi-dask-bench-") as folder:
        work = Path(folder)
        dataset = args.dataset
        if dataset is None:
            from strapetsi_lib.ingest.demo import generate_demo

            dataset = generate_demo(work / "demo", n_providers=args.providers)
        from strapetsi_lib.ingest.dataset import load_dataset
        from strapetsi_lib.prepare import prepare_tables

        prepared = prepare_tables(load_dataset(dataset))  # cached: untimed for both sides
        ids = [str(p) for p in prepared["providers"]["provider_id"]][:args.providers]

        local = _run(dataset, work / "local", ids, "--jobs", str(args.workers))
        cluster = (nullcontext(args.scheduler) if args.scheduler
                   else separate_cluster(work / "cluster", n_workers=args.workers))
        with cluster as address:
            dask = _run(dataset, work / "dask", ids, "--executor", "dask",
                        "--scheduler", address)

    print(f"{len(ids)} providers, {args.workers} local jobs / Dask workers")
    print(f"{'':24}{'local':>10}{'dask':>10}{'dask/local':>12}")
    for label, key in (("report (median s)", "per_report"), ("run, wall-clock (s)", "wall")):
        print(f"{label:24}{local[key]:10.1f}{dask[key]:10.1f}{dask[key] / local[key]:12.2f}")
    print(f"{'run / report (s)':24}{local['wall'] / len(ids):10.1f}"
          f"{dask['wall'] / len(ids):10.1f}{dask['wall'] / local['wall']:12.2f}")


if __name__ == "__main__":
    main()
