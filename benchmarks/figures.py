"""Benchmark: the provider report's five figures, seconds per report, variants side by side.

It draws, for the first ``--providers`` providers of the demo (``data/demo``), the five figures
of ``notebooks/provider_report.py`` with the same library calls the notebook makes
(``present/report_figures.py`` selects the views and calls the figure functions of
``present/provider_figures.py``, then ``display.figure_html`` lays each figure out and draws it
as SVG), and prints the seconds one report's figures take and the SVG sizes, for each variant:

* **this checkout** (``here``), the library as it is here;
* **other revisions** (``--against REV``, repeatable, e.g. ``main``): each one's
  ``strapetsi_lib`` taken from git into a temporary folder, so old and new code are timed in
  the same run (a revision from the one that added ``present/report_figures.py`` on).

Each variant runs in its own process that imports the libraries and warms the caches as the
kernel server does (``kernel_server.warm_up`` and ``warm_caches``, the prepared tables, the
sizes of one report's texts a language, then ``gc.freeze``), then forks one child per report
without cycle collection, as the kernel server forks one kernel per report: every report
starts from the same warm state, and what a report fills in (matplotlib's caches) dies with it.
The warm-up draws the last provider of each language, so the first ones timed are not its own.
The variants take turns report by report, in fresh processes each of ``--rounds`` rounds
(two processes with the same code can differ by several per cent), and the medians are
printed: the machine may be shared, so compare the variants of one run, not times across
runs (the CPU seconds are the steadier figure).

``--save DIR`` writes every SVG as ``DIR/<variant>/<provider>-<figure>.svg`` to compare looks.

Usage::

    .venv/bin/python benchmarks/figures.py                    # this checkout, 5 providers
    .venv/bin/python benchmarks/figures.py --against main --save /tmp/figures
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from strapetsi_lib.present.report_figures import FIGURES

ROOT = Path(__file__).resolve().parents[1]


def _report_figures(prepared, provider_id: str) -> dict[str, tuple[float, float, bytes]]:
    """Draw one provider's five figures as the report notebook does.

    Returns, for each figure, the seconds (wall-clock and CPU) from the figure function's call
    to its SVG (what ``show_figure`` records as ``figure_seconds``), and the SVG.
    """
    import base64
    import re

    from strapetsi_lib.present.display import figure_html
    from strapetsi_lib.present.report_figures import figure_makers

    makers = figure_makers(prepared, provider_id)
    # The notebook's selections first (not timed, as in the report's figure_seconds).
    views = {name: select() for name, (select, _) in makers.items()}
    results = {}
    for name in FIGURES:
        wall, cpu = time.perf_counter(), time.process_time()
        markup = figure_html(*makers[name][1](views[name]))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        encoded = re.search(r'base64,([A-Za-z0-9+/=]+)"', markup).group(1)
        results[name] = (wall, cpu, base64.b64decode(encoded))
    return results


def _child(args: argparse.Namespace) -> None:
    """One variant: warm as the kernel server does, then fork one process per report asked for.

    It reads a provider id a line from stdin and answers with a line of JSON (the report's
    figure seconds and SVG sizes); ``ready`` once warm.
    """
    from strapetsi_lib.batch.kernel_server import warm_caches, warm_up
    from strapetsi_lib.config import DEMO_DIR
    from strapetsi_lib.prepare import load_prepared, preload
    from strapetsi_lib.present.report_figures import warm_text_metrics

    # what the kernel server does before it forks a report's kernel: imports and caches, the
    # prepared tables, and the sizes of one report's texts a language; all out of collection
    warm_up()
    warm_caches()
    gc.collect()
    gc.freeze()
    preload(DEMO_DIR)
    prepared = load_prepared(DEMO_DIR)
    list(warm_text_metrics(prepared))
    gc.freeze()
    print("ready", flush=True)
    for line in sys.stdin:
        provider_id = line.strip()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the report's kernel, without cycle collection as in the kernel server
            gc.disable()
            os.close(read)
            try:
                figures = _report_figures(prepared, provider_id)
                if args.save:
                    folder = Path(args.save)
                    folder.mkdir(parents=True, exist_ok=True)
                    for name, (_, _, svg) in figures.items():
                        (folder / f"{provider_id}-{name}.svg").write_bytes(svg)
            except BaseException:
                import traceback

                traceback.print_exc()
                os._exit(1)
            row = {"seconds": {name: wall for name, (wall, _, _) in figures.items()},
                   "cpu": {name: cpu for name, (_, cpu, _) in figures.items()},
                   "bytes": {name: len(svg) for name, (_, _, svg) in figures.items()}}
            with os.fdopen(write, "w") as out:
                json.dump(row, out)
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
        print(answer or "{}", flush=True)


def sorted_providers(dataset: Path) -> list[str]:
    """The dataset's provider ids in the order of its providers.csv (the first N are timed)."""
    import csv

    with (dataset / "providers.csv").open(encoding="utf-8") as rows:
        return [row["provider_id"] for row in csv.DictReader(rows)]


def _checkout(revision: str, into: Path) -> Path:
    """``strapetsi_lib`` (and its texts) of ``revision``, extracted from git into ``into``."""
    into.mkdir(parents=True)
    archive = into / "library.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", revision, "strapetsi_lib"],
                       stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def _start_variant(library: Path, save: Path | None) -> subprocess.Popen:
    command = [sys.executable, __file__, "--child"]
    if save:
        command += ["--save", str(save)]
    env = {**os.environ, "PYTHONPATH": str(library), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return subprocess.Popen(command, env=env, cwd=ROOT, text=True, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)


def _ask(process: subprocess.Popen, provider_id: str) -> dict:
    process.stdin.write(provider_id + "\n")
    process.stdin.flush()
    row = json.loads(process.stdout.readline() or "{}")
    if not row:
        raise SystemExit(f"a variant failed on {provider_id} (its error is above)")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--providers", type=int, default=5, help="reports a round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each variant (3)")
    parser.add_argument("--against", metavar="REV", action="append", default=[],
                        help="also time this git revision's library (may be repeated)")
    parser.add_argument("--save", type=Path, help="write each variant's SVGs under this folder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    from strapetsi_lib.config import DEMO_DIR

    providers = sorted_providers(DEMO_DIR)[:args.providers]
    with tempfile.TemporaryDirectory(prefix="strapetsi-figures-") as tmp:
        libraries = {revision: _checkout(revision, Path(tmp) / str(n))
                     for n, revision in enumerate(args.against)}
        libraries["here"] = ROOT
        runs: dict[str, list[dict]] = {name: [] for name in libraries}
        for round_ in range(args.rounds):
            # Fresh processes each round: one process can run a few per cent faster or slower
            # than another with the same code, so each variant's median spans several.
            save = args.save if args.save and round_ == 0 else None
            variants = {name: _start_variant(library, save / name if save else None)
                        for name, library in libraries.items()}
            try:
                for name, process in variants.items():
                    if process.stdout.readline().strip() != "ready":
                        raise SystemExit(f"variant {name} did not start (its error is above)")
                # Report by report, each variant in turn: a change in the machine's load falls
                # on all of them alike.
                for provider_id in providers:
                    for name, process in variants.items():
                        runs[name].append(_ask(process, provider_id))
            finally:
                for process in variants.values():
                    process.stdin.close()
                    process.wait()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{args.providers} reports x {args.rounds} rounds: median seconds of one report's "
          "figures (wall clock, and CPU of the report's process), per figure (CPU), SVG size; "
          f"load average at the end {load}")
    print(f"{'variant':<14}{'wall':>7}{'CPU':>7}" + "".join(f"{n:>8}" for n in FIGURES)
          + f"{'SVG KB':>8}")
    for name, rows in runs.items():
        wall = statistics.median(sum(row["seconds"].values()) for row in rows)
        cpu = statistics.median(sum(row["cpu"].values()) for row in rows)
        per_figure = {n: statistics.median(row["cpu"][n] for row in rows) for n in FIGURES}
        size = statistics.median(sum(row["bytes"].values()) for row in rows) / 1024
        print(f"{name:<14}{wall:>7.3f}{cpu:>7.3f}"
              + "".join(f"{per_figure[n]:>8.3f}" for n in FIGURES) + f"{size:>8.1f}")

if __name__ == "__main__":
    main()
