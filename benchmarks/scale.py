"""Benchmark: how the prepare stage and one report grow with the network's size.

For each network size (81, 243 and 810 providers by default) it generates a demo dataset
(``strapetsi demo --providers N``, kept in ``--work`` for the next run), then times:

* **prepare**: reading and validating the dataset and computing every prepared table
  (``load_dataset`` + ``prepare_tables(force=True)``), in this process, wall-clock and CPU
  seconds. Its cost should grow no faster than the number of respondents: the CPU seconds per
  1000 respondents should stay level.
* **one report**: ``render_report`` of the first ``--reports`` providers with a warm kernel,
  as ``strapetsi run`` does; the median report (execution and export) and the median time in
  its cells. A report shows one provider, so its time should stay level as the network grows
  (its network figures aside, which draw one dot per provider).

It prints a table with the ratios to the smallest network and whether each growth is within
``--tolerance`` (default 1.3, as timings on a shared machine are noisy).

Usage::

    .venv/bin/python benchmarks/scale.py                       # 81, 243 and 810 providers
    .venv/bin/python benchmarks/scale.py --sizes 27 81 --reports 2   # a quick run
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from strapetsi_lib.config import PROVIDER_NOTEBOOK

BIN = Path(sys.executable).parent


def demo(work: Path, providers: int) -> Path:
    """The demo dataset with ``providers`` providers under ``work`` (generated once)."""
    folder = work / f"demo_{providers}"
    if not (folder / "dataset.yml").is_file():
        subprocess.run([str(BIN / "strapetsi"), "demo", "--out", str(folder), "--providers",
                        str(providers)], check=True, stdout=subprocess.DEVNULL)
    return folder


def time_prepare(dataset: Path) -> dict:
    """Wall-clock and CPU seconds of loading the dataset and computing its prepared tables."""
    from strapetsi_lib.ingest.dataset import load_dataset
    from strapetsi_lib.prepare import prepare_tables

    wall, cpu = time.perf_counter(), time.process_time()
    loaded = load_dataset(dataset)
    prepared = prepare_tables(loaded, force=True)
    return {"prepare_seconds": time.perf_counter() - wall,
            "prepare_cpu": time.process_time() - cpu,
            "respondents": len(loaded.responses), "prepared": prepared}


def time_reports(prepared, notebook: Path, out: Path, count: int, kernel_name: str) -> dict:
    """Median seconds of one report (execution and export) and of its cells."""
    import nbformat

    from strapetsi_lib.render.export import render_report
    from strapetsi_lib.render.parameters import provider_parameters

    totals, cells = [], []
    for provider_id in list(prepared["providers"]["provider_id"])[:count]:
        language = prepared.provider(provider_id)["language"]
        result = render_report(notebook, provider_parameters(prepared, provider_id), out,
                               f"provider_{provider_id}", language, kernel_name=kernel_name,
                               report_id=provider_id)
        totals.append(result.total_seconds)
        executed = nbformat.read(result.notebook, as_version=4)
        cells.append(sum(c.metadata.get("papermill", {}).get("duration") or 0.0
                         for c in executed.cells))
    return {"report_seconds": statistics.median(totals), "cells_seconds": statistics.median(cells)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[81, 243, 810],
                        help="network sizes in providers (default: 81 243 810)")
    parser.add_argument("--reports", type=int, default=3,
                        help="reports timed per size; the median is shown (default 3)")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "strapetsi-scale",
                        help="folder for the generated datasets and reports (kept)")
    parser.add_argument("--notebook", type=Path, default=PROVIDER_NOTEBOOK)
    parser.add_argument("--tolerance", type=float, default=1.3,
                        help="largest ratio counted as level (default 1.3)")
    args = parser.parse_args(argv)

    from strapetsi_lib.batch.warm_kernel import WarmKernel, use_kernelspecs

    sizes = sorted(args.sizes)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"Scale benchmark: {sizes} providers, {args.reports} report(s) each, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    with WarmKernel() as warm:
        use_kernelspecs(warm.kernelspec_path)
        for size in sizes:
            dataset = demo(args.work, size)
            row = {"providers": size, **time_prepare(dataset)}
            prepared = row.pop("prepared")
            row.update(time_reports(prepared, args.notebook.resolve(),
                                    args.work / f"reports_{size}", args.reports,
                                    warm.kernel_name))
            row["prepare_cpu_per_1000"] = 1000 * row["prepare_cpu"] / row["respondents"]
            rows.append(row)
            print(f"  {size} providers: prepare {row['prepare_seconds']:.1f} s, one report "
                  f"{row['report_seconds']:.1f} s", flush=True)

    first = rows[0]
    print()
    print("| providers | respondents | prepare (wall) | prepare (CPU) | CPU per 1000 "
          "respondents | ratio | one report | its cells | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        growth = row["prepare_cpu_per_1000"] / first["prepare_cpu_per_1000"]
        report = row["report_seconds"] / first["report_seconds"]
        row["prepare_ratio"], row["report_ratio"] = growth, report
        print(f"| {row['providers']} | {row['respondents']} | {row['prepare_seconds']:.1f} s "
              f"| {row['prepare_cpu']:.1f} s | {row['prepare_cpu_per_1000']:.2f} s | "
              f"{growth:.2f} | {row['report_seconds']:.2f} s | {row['cells_seconds']:.2f} s | "
              f"{report:.2f} |")
    linear = all(row["prepare_ratio"] <= args.tolerance for row in rows)
    flat = all(row["report_ratio"] <= args.tolerance for row in rows)
    print()
    print(f"prepare grows no worse than linearly in respondents: {'yes' if linear else 'NO'}")
    print(f"one report's time is level in the network's size:   {'yes' if flat else 'NO'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0 if linear and flat else 1


if __name__ == "__main__":
    sys.exit(main())
