"""The `strapetsi` command line: demo data, validation, the prepare stage and report runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .config import DEMO_DIR

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
    from .demo import generate_demo

    path = generate_demo(out, n_providers=providers, seed=seed)
    typer.echo(f"demo dataset written to {path}")


@app.command()
def validate(dataset: DatasetArg) -> None:
    """Check a dataset; print its summary (exit 0) or every problem found (exit 1)."""
    from .dataset import format_summary, validate_dataset

    loaded, problems = validate_dataset(dataset)
    if problems:
        typer.echo(f"{dataset}: {len(problems)} problem(s) found", err=True)
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    typer.echo(format_summary(loaded))


@app.command()
def prepare(dataset: DatasetArg) -> None:
    """Compute the network-wide analysis tables once and cache them."""
    from .dataset import load_dataset
    from .errors import DatasetError
    from .prepare import prepare_tables

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
        help="Report language fi, sv or en (default: each provider's own).")] = None,
) -> None:
    """Validate, prepare, and write the HTML reports of a dataset."""
    from .dataset import load_dataset
    from .errors import DatasetError, ReportError
    from .prepare import prepare_tables
    from .report import default_out_dir, run_provider_report

    try:
        prepared = prepare_tables(load_dataset(dataset))
    except DatasetError as exc:
        _fail(str(exc))
    out_dir = out or default_out_dir(prepared)
    ids = provider or list(prepared["providers"]["provider_id"])
    failures = 0
    for provider_id in ids:
        try:
            result = run_provider_report(prepared, provider_id, out_dir, language)
        except (ReportError, KeyError) as exc:
            failures += 1
            typer.echo(f"FAILED {provider_id}: {exc}", err=True)
            continue
        typer.echo(f"{provider_id}: {result.html}")
    if failures:
        raise typer.Exit(1)
