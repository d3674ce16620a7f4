"""The `strapetsi` command line: demo data, validation, the prepare stage and report runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strapetsi_lib.config import DATA_DIR, DEMO_DIR, REPORT_LANGUAGES

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
    out: Annotated[Path | None, typer.Option(
        help="Folder to write the demo dataset into (default: data/demo, or "
             "data/demo-INSTRUMENT for another instrument).", show_default=False)] = None,
    providers: Annotated[int, typer.Option(help="Number of fictitious providers.")] = 81,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")]
    = 2024,
    instrument: Annotated[str | None, typer.Option(
        help="A packaged instrument with a demo (default: the built-in network's).",
        show_default=False)] = None,
    waves: Annotated[int, typer.Option(
        help="Number of survey waves (1 to 3): a baseline and its follow-ups.")] = 2,
) -> None:
    """Write a demo network of fictitious providers with planted effects."""
    from strapetsi_lib.ingest.demo import demo_instruments, generate_demo
    from strapetsi_lib.ingest.instrument import DEFAULT_INSTRUMENT

    instrument = instrument or DEFAULT_INSTRUMENT
    if instrument not in demo_instruments():
        _fail(f"instrument {instrument!r} has no demo; instruments with a demo: "
              f"{', '.join(demo_instruments())}", 2)
    if out is None:
        out = DEMO_DIR if instrument == DEFAULT_INSTRUMENT else DATA_DIR / f"demo-{instrument}"
    try:
        path = generate_demo(out, n_providers=providers, seed=seed, instrument=instrument,
                             waves=waves)
    except ValueError as exc:  # a number of waves the instrument's demo plan does not have
        _fail(str(exc), 2)
    typer.echo(f"demo dataset written to {path}")


@app.command()
def validate(
    dataset: DatasetArg,
    all_lines: Annotated[bool, typer.Option(
        "--all", help="List every problem on its own line (default: the same problem in many "
                      "rows is one line, and the list stops after 50 lines).")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the summary or the problems to this file instead of "
                               "printing them.")] = None,
) -> None:
    """Check a dataset; print its summary and warnings (exit 0) or its problems (exit 1).

    Problems go to standard output (or --output FILE), "required column" problems first,
    each as file:row:column: message.
    """
    from strapetsi_lib.files import write_atomic
    from strapetsi_lib.ingest.dataset import format_summary, validate_dataset
    from strapetsi_lib.ingest.problem_list import problem_lines

    loaded, problems = validate_dataset(dataset)
    if problems:
        shown = problem_lines(problems, every=all_lines)
        rows = len({(p.file, p.row) for p in problems if p.row is not None})
        lines = [f"{dataset}: {len(problems)} problem(s) found, on {rows} line(s) of the files "
                 f"and {sum(p.row is None for p in problems)} about a whole file or column; "
                 f"{len(shown)} line(s) below", *shown]
    else:
        lines = [format_summary(loaded)]
    report = "\n".join(lines)
    if output is None:
        typer.echo(report)
    else:
        try:
            write_atomic(output, report + "\n")
        except OSError as exc:
            _fail(f"strapetsi validate: cannot write {output}: {exc.strerror}")
        typer.echo(f"{dataset}: {len(problems)} problem(s); written to {output}"
                   if problems else f"{dataset} is valid; its summary is in {output}", err=True)
    raise typer.Exit(1 if problems else 0)


@app.command()
def init(
    exports: Annotated[list[str], typer.Argument(
        help="The survey tool's exports, one per wave, in wave order (.csv, .xlsx or .sav). "
             "A round answered on several forms (a Finnish and a Swedish one) is one "
             "argument, its exports joined by +: kysely_fi.xlsx+kysely_sv.xlsx.",
        show_default=False)],
    providers: Annotated[Path, typer.Option(
        help="The providers file: provider_id (Y-tunnus), name, language, region, themes.",
        exists=True, dir_okay=False, readable=True)],
    out: Annotated[Path, typer.Option(help="The dataset folder to write.")],
    instrument: Annotated[str | None, typer.Option(
        help="A packaged instrument id or an instrument YAML (default: the packaged "
             "instrument whose questions the exports' headers name most).")] = None,
    codes: Annotated[Path | None, typer.Option(
        help="LimeSurvey's survey structure (tab-separated .txt), which explains the "
             "question and answer codes of its exports.",
        exists=True, dir_okay=False, readable=True)] = None,
    name: Annotated[str | None, typer.Option(
        help="The dataset's name (default: the folder's name).")] = None,
    force: Annotated[bool, typer.Option(
        help="Replace a dataset.yml already in the folder.")] = False,
) -> None:
    """Make a dataset folder from a survey tool's exports, with a map for you to review.

    Matches every column to an item, the provider, the role, or metadata to ignore; copies the
    exports unchanged into the folder; writes dataset.yml and the review table mapping.csv.
    Uncertain matches are written as CHECK lines, not in use until you accept them.

    Exit status: 0 every item, provider and role column and every answer matched with
    confidence; 1 something to check (or an export cannot be read, or two waves look like one
    round's forms in two languages: join them with +); 2 usage.
    """
    from rich.console import Console

    from strapetsi_lib.errors import InstrumentError
    from strapetsi_lib.ingest.dataset_spec import name_problem
    from strapetsi_lib.ingest.limesurvey import CodeMapError, read_code_map
    from strapetsi_lib.ingest.survey_export import (
        MAPPING_FILE,
        InitError,
        propose,
        write_dataset_folder,
    )
    from strapetsi_lib.present.i18n import text

    if name is not None and name_problem(name):
        _fail(f"--name: {name_problem(name)}", 2)
    rounds = [_export_round(argument) for argument in exports]
    try:
        code_map = read_code_map(codes) if codes is not None else None
        proposal = propose(rounds, providers, instrument, code_map)
        labels = _wave_labels(proposal, text)
        written = write_dataset_folder(proposal, out, labels, name, replace=force)
    except (InitError, InstrumentError, CodeMapError) as exc:
        _fail(f"strapetsi init: {exc}")
    except OSError as exc:
        _fail(f"strapetsi init: cannot write {out}: {exc.strerror or exc}")
    _print_review(Console(), proposal)
    checks = [d for d in proposal.decisions if d.status in ("check", "missing")]
    typer.echo(f"Instrument: {proposal.instrument.id}. Written {written} and "
               f"{out / MAPPING_FILE}; the exports are copied unchanged into {out}.")
    if checks:
        typer.echo(f"{len(checks)} line(s) to check (status check or missing above): correct "
                   f"or accept the CHECK lines of {written}, then run "
                   f"`strapetsi validate {out}`.")
        raise typer.Exit(1)
    typer.echo(f"Every column matched with confidence. Next: `strapetsi validate {out}`, "
               f"then `strapetsi run {out}`.")


def _export_round(argument: str) -> list[Path]:
    """The exports of one round: an EXPORT argument, or several joined by ``+`` (a file whose
    own name holds a ``+`` is taken as it is)."""
    whole = Path(argument)
    paths = [whole] if whole.is_file() else [Path(part) for part in argument.split("+")]
    for path in paths:
        if not path.is_file():
            _fail(f"strapetsi init: the export {path} does not exist (or is not a file)", 2)
    return paths


def _wave_labels(proposal, text) -> list[dict[str, str]]:
    """Each round's default label in the instrument's languages: "Kysely 2024" when the
    exports give each round its own year, else baseline/follow-up (with the year where
    known). Edited in dataset.yml."""
    years = proposal.round_years()
    count = len(years)
    by_year = all(years) and len(set(years)) == count
    labels = []
    for number, year in enumerate(years):
        if by_year:
            key, values = "init_wave_year", {"year": year}
        elif number == 0:
            key, values = "init_wave_baseline", {}
        elif count == 2:
            key, values = "init_wave_followup", {}
        else:
            key, values = "init_wave_followup_n", {"number": number}
        label = {lang: str(text(key, lang, **values)) for lang in proposal.instrument.languages}
        if year and not by_year:
            label = {lang: f"{words} {year}" for lang, words in label.items()}
        labels.append(label)
    return labels


_STATUS_STYLE = {"ok": "green", "check": "bold yellow", "missing": "bold red",
                 "ignored": "dim"}


def _print_review(console, proposal) -> None:
    """The review table: each column (and answer code) → what it was taken to be, how, score."""
    from rich.table import Table

    for wave in proposal.waves:
        table = Table(title=f"{wave.wave_id}: {wave.file_name}", title_justify="left")
        for heading in ("column", "→ maps to", "how", "score", "status"):
            table.add_column(heading, overflow="fold",
                             max_width=60 if heading == "column" else None)
        for d in wave.decisions:
            style = _STATUS_STYLE.get(d.status, "")
            table.add_row(d.column, d.maps_to, d.how, "" if d.score is None else str(d.score),
                          f"[{style}]{d.status}[/]" if style else d.status)
        console.print(table)


@app.command()
def template(
    language: Annotated[str, typer.Option(help="Language of the texts: fi, sv or en.")],
    out: Annotated[Path, typer.Option(help="The spreadsheet to write (.xlsx).")],
    instrument: Annotated[str, typer.Option(
        help="A packaged instrument id or an instrument YAML (default: the network's, "
             "competence_management_v1).")] = "",
) -> None:
    """Write the instrument as a spreadsheet, for building the survey's form in a survey tool.

    It lists the questions in order with their codes and answer options, and the scales."""
    from strapetsi_lib.errors import InstrumentError
    from strapetsi_lib.ingest.instrument import DEFAULT_INSTRUMENT, load_instrument
    from strapetsi_lib.present.instrument_sheet import write_instrument_sheet

    if language not in REPORT_LANGUAGES:
        _fail(f"--language must be one of {', '.join(REPORT_LANGUAGES)}, not {language!r}", 2)
    if out.suffix.lower() != ".xlsx":
        _fail("--out must name an .xlsx file", 2)
    try:
        chosen = load_instrument(instrument or DEFAULT_INSTRUMENT)
        if language not in chosen.languages:
            _fail(f"strapetsi template: the instrument {chosen.id} has no texts in {language} "
                  f"(its languages are {', '.join(chosen.languages)})", 2)
        write_instrument_sheet(chosen, language, out)
    except InstrumentError as exc:
        _fail(f"strapetsi template: {exc}")
    except OSError as exc:
        _fail(f"strapetsi template: cannot write {out}: {exc.strerror or exc}")
    typer.echo(f"{out}: the questions of instrument {chosen.id} in {language}")


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
        help="Also print each report to a PDF beside its HTML (needs Chromium or Chrome: "
             "$STRAPETSI_CHROMIUM, else on PATH, else where it is usually installed).")]
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
