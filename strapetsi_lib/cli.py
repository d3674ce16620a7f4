"""The `strapetsi` command line: demo data, validation, the prepare stage and report runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strapetsi_lib.config import DEMO_DIR, REPORT_LANGUAGES

app = typer.Typer(help="Strapetsi workbench: survey analysis and reports for the network.",
                  no_args_is_help=True, add_completion=False)

DatasetArg = Annotated[Path, typer.Argument(help="Dataset folder (holds dataset.yml).")]


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@app.command()
def version() -> None:
    """Print the workbench version."""
    from . import __version__

    typer.echo(__version__)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder to write the demo dataset into.")] = DEMO_DIR,
    providers: Annotated[int, typer.Option(help="Number of fictitious providers.")] = 81,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")]
    = 2024,
) -> None:
    """Write the built-in demo network (fictitious providers, two waves, planted effects)."""
    from strapetsi_lib.ingest.demo import generate_demo

    path = generate_demo(out, n_providers=providers, seed=seed)
    typer.echo(f"demo dataset written to {path}")


@app.command()
def validate(
    dataset: DatasetArg,
    all_lines: Annotated[bool, typer.Option(
        "--all", help="List every problem on its own line (default: the same problem in many "
                      "rows is one line, and the list stops after 50 lines).")] = False,
) -> None:
    """Check a dataset; print its summary and warnings (exit 0) or its problems (exit 1)."""
    from strapetsi_lib.ingest.dataset import format_summary, validate_dataset
    from strapetsi_lib.ingest.problem_list import problem_lines

    loaded, problems = validate_dataset(dataset)
    if problems:
        typer.echo(f"{dataset}: {len(problems)} problem(s) found", err=True)
        for line in problem_lines(problems, every=all_lines):
            typer.echo(line, err=True)
        raise typer.Exit(1)
    typer.echo(format_summary(loaded))


@app.command()
def prepare(dataset: DatasetArg) -> None:
    """Compute the network-wide analysis tables once and cache them."""
    from strapetsi_lib.errors import DatasetError
    from strapetsi_lib.ingest.dataset import load_dataset
    from strapetsi_lib.prepare import prepare_tables

    try:
        prepared = prepare_tables(load_dataset(dataset))
    except DatasetError as exc:
        _fail(str(exc))
    typer.echo(f"prepared tables for {dataset} cached under key {prepared.key}")


@app.command()
def run(
    dataset: DatasetArg,
    provider: Annotated[list[str] | None, typer.Option(
        help="Run only this provider (Y-tunnus); repeat for several.")] = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (default reports/<dataset>).")]
    = None,
    language: Annotated[str | None, typer.Option(
        help="Language fi, sv or en of every report and of the index page (default: each "
             "provider's own for its report; Finnish for the network report and the index).")]
    = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Reports run at once (default: one more than the cores).")]
    = None,
    force: Annotated[bool, typer.Option(
        help="Re-run every report, even those whose inputs are unchanged.")] = False,
    network: Annotated[bool | None, typer.Option(
        "--network/--no-network",
        help="--network alone runs only the coordinator's network report; with --provider, "
             "that provider and the network report. --no-network runs every provider report "
             "but not the network report.")] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="Run every report (the same as giving no selection).")] = False,
    name_providers: Annotated[bool, typer.Option(
        help="Name providers in the network report (default: by code).")] = False,
    executor: Annotated[str, typer.Option(
        help="Where notebooks run: local (worker processes here) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address, e.g. tcp://host:8786 (default with --executor dask: a "
             "local cluster).")] = None,
    warm_kernel: Annotated[bool, typer.Option(
        help="Fork kernels from a warm process that has the libraries imported; "
             "--no-warm-kernel starts an ordinary kernel per report.")] = True,
    timeout: Annotated[float, typer.Option(
        min=0, help="Seconds one report may take before it is stopped and failed (0: none).")]
    = 900.0,
    notebook: Annotated[Path | None, typer.Option(
        help="Provider report notebook to run (default notebooks/provider_report.ipynb).")]
    = None,
    network_notebook: Annotated[Path | None, typer.Option(
        help="Network report notebook (default notebooks/network_report.ipynb).")] = None,
    publish_held: Annotated[bool, typer.Option(
        help="Publish reports that the rule across versions holds back (a new version a few "
             "answers apart from the published one); the manifest and the index record it.")]
    = False,
    pdf: Annotated[bool, typer.Option(
        help="Also print each report to a PDF beside its HTML (needs /usr/bin/chromium).")]
    = False,
) -> None:
    """Validate, prepare once, and write every report of a dataset in parallel.

    Writes the HTML reports and index.html into the run folder, and the run's working files
    (manifest, executed notebooks, logs) into its _work folder.

    Without a selection (or with --all) every report runs; --provider ID runs those providers,
    --network the network report; the two combine.

    Reports whose inputs are unchanged since the last run are skipped (--force re-runs them).

    Exit status: 0 all written; 1 a report failed or the data is invalid; 2 usage; 130 stopped.
    """
    from rich.console import Console

    from strapetsi_lib.batch.run import BatchError, RunOptions, run_batch
    from strapetsi_lib.batch.startup import skip_slow_optional_imports
    from strapetsi_lib.config import NETWORK_NOTEBOOK, PROVIDER_NOTEBOOK
    from strapetsi_lib.errors import OutputFolderError

    skip_slow_optional_imports()  # this process imports nbformat; see strapetsi_lib.batch.startup

    if executor not in ("local", "dask"):
        _fail(f"--executor must be local or dask, not {executor!r}", 2)
    if scheduler and executor != "dask":
        _fail("--scheduler needs --executor dask", 2)
    if language is not None and language not in REPORT_LANGUAGES:
        _fail(f"--language must be one of {', '.join(REPORT_LANGUAGES)}, not {language!r}", 2)
    if everything and (provider or network is not None):
        _fail("--all runs every report; give it without --provider and --network", 2)
    options = RunOptions(
        dataset=dataset, out_dir=out, providers=provider or None, language=language, jobs=jobs,
        force=force, network=network, everything=everything, name_providers=name_providers,
        executor=executor,
        scheduler=scheduler, warm_kernel=warm_kernel, notebook_timeout=timeout or None,
        provider_notebook=notebook or PROVIDER_NOTEBOOK,
        network_notebook=network_notebook or NETWORK_NOTEBOOK, pdf=pdf,
        publish_held=publish_held)
    console = Console(stderr=True)
    try:
        outcome = run_batch(options, console)
    except BatchError as exc:
        _fail(f"strapetsi run: {exc}", exc.exit_code)
    except OutputFolderError as exc:
        _fail(f"strapetsi run: {exc}", 1)
    except KeyboardInterrupt:
        _fail("strapetsi run: interrupted before any report started", 130)
    if outcome.problems:
        typer.echo(f"{dataset}: {len(outcome.problems)} problem(s) found; no report was run",
                   err=True)
        for problem in outcome.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(outcome.exit_code)
    _print_run_summary(outcome)
    raise typer.Exit(outcome.exit_code)


def _print_run_summary(outcome) -> None:
    """The end of ``strapetsi run``: what was done, what failed and why, where to look."""
    from strapetsi_lib.batch import layout
    from strapetsi_lib.batch.tasks import OUTPUT_FOLDER_FAULT

    manifest = outcome.manifest
    run_info, counts = manifest.run, manifest.summary
    if outcome.ran == 0 and outcome.exit_code == 0:
        typer.echo(f"Nothing to do: all {counts.get('skipped-unchanged', 0)} reports are up to "
                   "date (dataset, notebooks, library and parameters unchanged); nothing was "
                   "re-run. Use --force to re-run them.")
    else:
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        typer.echo(f"{outcome.ran} report(s) run in {run_info['seconds']:.1f} s; "
                   f"reports: {parts}.")
    for entry in outcome.failed:
        error = entry.error
        if error is not None and error.ename == OUTPUT_FOLDER_FAULT:
            continue  # one line for the folder below, not one per report
        cause = str(error.cause if error else entry.note or "").strip()
        typer.echo(f"  {entry.status.upper()} {entry.id} ({entry.name}): {cause}", err=True)
        if error is not None and error.cell:
            typer.echo(f"      in cell {error.cell}", err=True)
        if entry.earlier_html:
            typer.echo(f"      its earlier report is kept: {entry.earlier_html}", err=True)
    for entry in outcome.manifest.reports:
        if entry.status == "held":  # batch/publication.py: the published version stays
            typer.echo(f"  HELD {entry.id} ({entry.name or 'network report'}): {entry.note}",
                       err=True)
    if outcome.folder_fault is not None:
        typer.echo(f"strapetsi run: {outcome.folder_fault} (earlier reports are kept)",
                   err=True)
        return
    typer.echo(f"Index: {outcome.out_dir / layout.INDEX_FILE}")
