"""Benchmark: the plain Papermill + nbconvert loop against ``strapetsi run``, on the same work.

Times, in one run, on the same notebook and dataset:

1. **the plain loop**: for each provider, ``papermill`` (the command) executes the report
   notebook, then ``jupyter nbconvert --to html --no-input`` exports it, one after another;
2. **strapetsi run** with its default settings (``--force``, into a separate folder, providers
   only, as the loop does);
3. **a no-change re-run** of the same ``strapetsi run`` (nothing should run).

It prints both times, per-provider figures and their ratio. The prepared tables are computed
once beforehand and not timed, so neither side pays for them.

Usage::

    .venv/bin/python benchmarks/batch.py                 # all providers of data/demo
    .venv/bin/python benchmarks/batch.py --providers 10  # a quick run on the first 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from strapetsi_lib.config import DEMO_DIR, KERNEL_NAME, PROJ_ROOT, PROVIDER_NOTEBOOK

BIN = Path(sys.executable).parent


def _run(command: list[str], **kwargs) -> float:
    """Run a command; return its wall-clock seconds (raise if it fails)."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   **kwargs)
    return time.perf_counter() - started


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
        execute = _run(command)
        export = _run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                       str(executed)])
        rows.append({"id": provider["id"], "papermill": execute, "nbconvert": export})
        print(f"  plain loop {len(rows):>3}/{len(providers)} {provider['id']}: "
              f"papermill {execute:5.1f} s, nbconvert {export:4.1f} s", flush=True)
    return {"seconds": sum(r["papermill"] + r["nbconvert"] for r in rows), "rows": rows}


def strapetsi_run(dataset: Path, notebook: Path, providers: list[dict], all_providers: bool,
                  out: Path, force: bool) -> dict:
    """``strapetsi run`` with default settings; return its time and its manifest."""
    command = [str(BIN / "strapetsi"), "run", str(dataset), "--out", str(out), "--notebook",
               str(notebook), "--no-network"]
    if not all_providers:
        for provider in providers:
            command += ["--provider", provider["id"]]
    if force:
        command.append("--force")
    seconds = _run(command)
    manifest = json.loads((out / "_work" / "manifest.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "manifest": manifest}


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
    print(f"Benchmark: {len(providers)} providers of {dataset}, notebook {notebook}, "
          f"{os.cpu_count()} cores")

    print("1. plain loop (papermill, then jupyter nbconvert --to html --no-input, per provider)")
    plain = plain_loop(notebook, prepared, providers, args.out / "plain")
    print("2. strapetsi run --force (default settings)", flush=True)
    batch = strapetsi_run(dataset, notebook, providers, all_providers, args.out / "batch",
                          force=True)
    failed = [r["id"] for r in batch["manifest"]["reports"] if r["status"] == "failed"]
    print("3. strapetsi run again, nothing changed", flush=True)
    again = strapetsi_run(dataset, notebook, providers, all_providers, args.out / "batch",
                          force=False)

    n = len(providers)
    reports = [r for r in batch["manifest"]["reports"] if r["status"] == "ok"]
    executed = [r["produced"]["seconds"] for r in reports]
    figures = {
        "providers": n,
        "cores": os.cpu_count(),
        "plain_loop_seconds": round(plain["seconds"], 1),
        "plain_loop_per_provider": round(plain["seconds"] / n, 2),
        "plain_papermill_per_provider": round(sum(r["papermill"] for r in plain["rows"]) / n, 2),
        "plain_nbconvert_per_provider": round(sum(r["nbconvert"] for r in plain["rows"]) / n, 2),
        "strapetsi_run_seconds": round(batch["seconds"], 1),
        "strapetsi_run_per_provider": round(batch["seconds"] / n, 2),
        "strapetsi_report_seconds_mean": round(sum(executed) / max(len(executed), 1), 2),
        "jobs": batch["manifest"]["run"].get("executor", {}).get("jobs"),
        "ratio": round(plain["seconds"] / batch["seconds"], 2),
        "no_change_rerun_seconds": round(again["seconds"], 2),
        "no_change_reports_run": again["manifest"]["run"].get("reports_run"),
        "failed": failed,
    }
    print()
    print(f"plain loop:        {figures['plain_loop_seconds']:8.1f} s  "
          f"({figures['plain_loop_per_provider']:.2f} s a provider: papermill "
          f"{figures['plain_papermill_per_provider']:.2f} s + nbconvert "
          f"{figures['plain_nbconvert_per_provider']:.2f} s)")
    print(f"strapetsi run:     {figures['strapetsi_run_seconds']:8.1f} s  "
          f"({figures['strapetsi_run_per_provider']:.2f} s a provider of wall time; each report "
          f"{figures['strapetsi_report_seconds_mean']:.2f} s in a worker, "
          f"{figures['jobs']} workers)")
    print(f"ratio:             {figures['ratio']:8.2f} x faster")
    print(f"no-change re-run:  {figures['no_change_rerun_seconds']:8.2f} s  "
          f"({figures['no_change_reports_run']} reports run)")
    if failed:
        print(f"FAILED in strapetsi run: {', '.join(failed)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
