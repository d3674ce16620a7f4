"""The batch run behind ``strapetsi run``: every report of a dataset, in parallel, on the record.

Steps (docs/architecture.md §1 and §4):

1. **Identify the inputs cheaply**: the prepared-tables cache key (the dataset's files and the
   library code, hashed without parsing anything), the notebooks' hashes, and the last run's
   ``manifest.json`` in the run folder.
2. **Plan**: a report whose inputs, notebook, library and parameters are unchanged and whose
   files are in place is skipped. When the last run (or the prepared-tables cache) vouches
   for these exact inputs and nothing is to run, the run ends here, without having read the
   data: well under two seconds.
3. **Validate** the dataset unless those inputs were validated before; invalid data stops the
   run with every problem listed, before any report is touched. The workers start warming up
   meanwhile.
4. **Prepare once** (:func:`strapetsi_lib.prepare.prepare_tables`), then run the reports on an
   executor (:mod:`strapetsi_lib.batch.executors`) with a progress bar.
5. **Record**: ``manifest.json`` and ``index.html`` are rewritten atomically as reports finish
   and at the end. A failed report keeps its earlier good files; the exit status is non-zero
   when anything failed; Ctrl-C (or SIGTERM) stops the workers and records the run as
   interrupted, and running it again picks up where it stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from strapetsi_lib.batch import manifest as runs
from strapetsi_lib.batch.index_page import INDEX, write_index
from strapetsi_lib.batch.progress import Progress
from strapetsi_lib.batch.tasks import ReportTask, TaskResult
from strapetsi_lib.config import CACHE_DIR, NETWORK_NOTEBOOK, PROVIDER_NOTEBOOK, REPORTS_DIR
from strapetsi_lib.errors import Problem, StrapetsiError
from strapetsi_lib.files import sha256_file

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
NETWORK_ID = "network"
LOG_DIR = ".logs"
_SAVE_EVERY = 2.0  # seconds between manifest writes while reports finish


class BatchError(StrapetsiError):
    """The run cannot start (unknown provider, notebook missing, run folder busy)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        self.exit_code = exit_code
        super().__init__(message)


@dataclass
class RunOptions:
    """What ``strapetsi run`` was asked to do (see the command's help for each option)."""

    dataset: Path
    out_dir: Path | None = None
    providers: list[str] | None = None
    language: str | None = None
    jobs: int | None = None
    force: bool = False
    network: bool | None = None
    name_providers: bool = False
    executor: str = "local"
    scheduler: str | None = None
    warm_kernel: bool = True
    cell_timeout: float | None = None
    notebook_timeout: float | None = 900.0
    provider_notebook: Path = PROVIDER_NOTEBOOK
    network_notebook: Path = NETWORK_NOTEBOOK
    pdf: bool = False


@dataclass
class RunOutcome:
    """What a run did: its exit code, folder and manifest, or the dataset's problems."""

    exit_code: int
    out_dir: Path | None = None
    manifest: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    ran: int = 0

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The manifest entries of reports that failed (or were cut off) in this run."""
        reports = (self.manifest or {}).get("reports", [])
        return [r for r in reports if r["status"] in (runs.FAILED, runs.INTERRUPTED)]


# --- helpers ----------------------------------------------------------------------------------


def _identity(folder: Path) -> tuple[str | None, str | None]:
    """The dataset's name and cache key, read without parsing the data; ``None`` when the
    folder is too broken to tell (validation then says why)."""
    from strapetsi_lib.ingest.dataset_spec import read_dataset_spec
    from strapetsi_lib.prepare import inputs_key

    try:
        spec = read_dataset_spec(folder).spec  # None when invalid, and never an unsafe name
        return (None, None) if spec is None else (spec.name, inputs_key(folder))
    except Exception:  # noqa: BLE001 - any breakage is reported by validation
        return None, None


def _default_out_dir(name: str) -> Path:
    """The default run folder, ``reports/<dataset name>`` in the project folder (kept here, not
    in render/, whose import of nbformat would cost a no-change run two seconds)."""
    return REPORTS_DIR / name


def _stem(kind: str, report_id: str) -> str:
    """The report's file stem, from report.py (imported only when the last run's manifest does
    not already name it, that is when the report has yet to run)."""
    from strapetsi_lib.render.parameters import NETWORK_STEM, provider_stem

    return NETWORK_STEM if kind == NETWORK_ID else provider_stem(report_id)


def _inputs(folder: Path, notebooks: dict[str, Path]) -> list[dict[str, Any]]:
    """Every input file with its size and SHA-256, for the manifest."""
    from strapetsi_lib.prepare import dataset_input_files

    files = [("dataset", path) for path in dataset_input_files(folder)]
    files += [(f"{kind} notebook", path) for kind, path in notebooks.items()]
    return [{"role": role, "path": str(path), "bytes": path.stat().st_size,
             "sha256": sha256_file(path)} for role, path in files]


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold the run folder's lock: two runs must not swap files in one folder at once. The
    lock lives in the cache, so a run that stops on invalid data creates nothing in the
    reports folder."""
    locks = CACHE_DIR / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(str(out_dir).encode()).hexdigest()[:16]
    with open(locks / f"{name}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(f"another run is writing into {out_dir}; wait for it to end") \
                from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(out_dir: Path, stems: list[str]) -> None:
    """Remove what a killed run may have left: hidden work folders and temporary files.

    Reports are written beside their final names and renamed into place, so a killed run
    leaves only these hidden entries, never a half-written report.
    """
    for name in [*stems, INDEX, runs.MANIFEST]:
        for leftover in out_dir.glob(f".{name}.*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat ``kill`` like Ctrl-C, so both stop the workers and record the run."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- the run ----------------------------------------------------------------------------------


class _Run:
    """One run: its inputs, plan and manifest, and the steps that fill them."""

    def __init__(self, options: RunOptions, console: Console):
        self.options, self.console = options, console
        self.started = time.time()
        folder = Path(options.dataset).expanduser().resolve()
        self.folder = folder.parent if folder.name == "dataset.yml" else folder
        self.dataset = self.prepared = None
        self.validation: dict[str, Any] = {}
        self.entries: dict[str, dict[str, Any]] = {}
        self.to_run: list[dict[str, Any]] = []
        self.manifest: dict[str, Any] = {}
        self._saved = 0.0
        self.identify()
        self.notebooks = {"provider": Path(options.provider_notebook).resolve()}
        if not self.notebooks["provider"].is_file():
            raise BatchError(f"the provider report notebook {self.notebooks['provider']} "
                             "does not exist")
        network = Path(options.network_notebook).resolve()
        self.want_network = (options.network if options.network is not None
                             else not options.providers)
        self.network_note = None
        if network.is_file():
            self.notebooks["network"] = network
        elif self.want_network:
            self.network_note = (f"not run: {network} does not exist yet; this run wrote the "
                                 "provider reports only")
            self.want_network = False
        self.hashes = {kind: sha256_file(p) for kind, p in self.notebooks.items()}

    def identify(self) -> None:
        self.name, self.key = _identity(self.folder)
        out_dir = self.options.out_dir or (_default_out_dir(self.name) if self.name else None)
        self.out_dir = Path(out_dir).resolve() if out_dir else None
        self.previous = runs.read_manifest(self.out_dir) if self.out_dir else None

    # -- validation and preparation --

    def vouched(self) -> bool:
        """Whether these exact inputs were validated before: by the last run in this folder,
        or because prepared tables exist for them (they are only made from a valid dataset)."""
        if runs.validation_reusable(self.previous, self.key):
            when = (self.previous.get("run") or {}).get("started")
            self.validation = {"valid": True, "cache_key": self.key, "problems": 0,
                               "checked": f"reused: the run of {when} validated these inputs"}
            return True
        from strapetsi_lib.prepare import is_prepared

        if self.key is not None and is_prepared(self.folder):
            self.validation = {"valid": True, "cache_key": self.key, "problems": 0,
                               "checked": "reused: prepared tables exist for these inputs"}
            return True
        return False

    def validate(self) -> list[Problem]:
        from strapetsi_lib.ingest.dataset import validate_dataset

        self.dataset, problems = validate_dataset(self.folder)
        if not problems and self.key is None:  # valid now, so its identity can be read
            self.identify()
        self.validation = {"valid": not problems, "cache_key": self.key,
                           "problems": len(problems), "checked": "validated in this run"}
        return problems

    def prepare(self) -> None:
        if self.prepared is None:
            from strapetsi_lib.prepare import load_prepared, prepare_tables

            self.prepared = (prepare_tables(self.dataset) if self.dataset is not None
                             else load_prepared(self.folder))

    # -- planning --

    def catalogue_known(self) -> bool:
        """Whether the last run's manifest lists the providers of these very inputs."""
        previous = self.previous or {}
        return (self.key is not None and (previous.get("dataset") or {}).get("cache_key")
                == self.key and any(r.get("kind") == "provider"
                                    for r in previous.get("reports", [])))

    def catalogue(self) -> list[dict[str, Any]]:
        """Every provider (id, name, language) in dataset order; from the last run's manifest
        when it describes the same inputs, so an unchanged run reads no data."""
        if self.catalogue_known():
            return [{"id": r["id"], "name": r.get("name"),
                     "provider_language": r.get("provider_language") or r.get("language")}
                    for r in self.previous["reports"] if r.get("kind") == "provider"]
        self.prepare()
        return [{"id": str(p.provider_id), "name": str(p.name),
                 "provider_language": str(p.language)}
                for p in self.prepared["providers"].itertuples(index=False)]

    def plan(self) -> None:
        """Decide, for every report, whether it runs, is skipped or is left alone."""
        options, catalogue = self.options, self.catalogue()
        selected = list(dict.fromkeys(options.providers or [p["id"] for p in catalogue]))
        unknown = sorted(set(selected) - {p["id"] for p in catalogue})
        if unknown:
            raise BatchError(f"unknown provider id(s) for dataset {self.name}: "
                             f"{', '.join(unknown)}", EXIT_USAGE)
        earlier_entries = {e["id"]: e for e in (self.previous or {}).get("reports", [])}
        network = {"id": NETWORK_ID, "name": "Network report (coordinator)",
                   "provider_language": None}
        self.entries, self.to_run = {}, []
        for info in [*catalogue, network]:
            kind = NETWORK_ID if info["id"] == NETWORK_ID else "provider"
            earlier = earlier_entries.get(info["id"], {})
            chosen = info["id"] in selected if kind == "provider" else self.want_network
            if kind == NETWORK_ID and not (chosen or self.network_note or earlier):
                continue
            entry = self._entry(info, kind, earlier)
            current = runs.is_current(earlier, entry["_target"], self.out_dir)
            if kind == NETWORK_ID and self.network_note:
                entry["note"] = self.network_note
            elif chosen and (options.force or not current):
                self.to_run.append(entry)
            elif chosen:
                entry["status"] = runs.SKIPPED
            else:
                entry["note"] = "not selected in this run; its report is " + (
                    "up to date" if current else "out of date or missing")
                entry["status"] = runs.SKIPPED if current else runs.NOT_RUN
            self.entries[info["id"]] = entry

    def _entry(self, info: dict[str, Any], kind: str, earlier: dict[str, Any]) -> dict[str, Any]:
        """A report's manifest entry: what this run will say about it. ``fingerprint`` and
        ``files`` describe its last good files; only a success replaces them."""
        stem = earlier.get("stem") or _stem(kind, info["id"])
        # the report's language: asked for, else the provider's own (the network's: Finnish)
        language = self.options.language or info["provider_language"] or "fi"
        options = {"dataset": str(self.folder), "language": self.options.language}
        if kind == NETWORK_ID:
            options["name_providers"] = self.options.name_providers
        target = runs.fingerprint(self.key, self.hashes.get(kind, "missing"), kind, info["id"],
                                  options)
        return {**info, "language": language, "kind": kind, "stem": stem, "html": f"{stem}.html",
                "notebook": f"{stem}.ipynb", "status": runs.NOT_RUN, "seconds": None,
                "error": None, "note": None, "earlier_html": None,
                "fingerprint": earlier.get("fingerprint"), "files": earlier.get("files") or {},
                "parameters": earlier.get("parameters"), "produced": earlier.get("produced"),
                "_target": target}

    def tasks(self) -> list[ReportTask]:
        """The work: one task per report to run, with its Papermill parameters."""
        from strapetsi_lib.render.parameters import network_parameters, provider_parameters

        self.prepare()
        tasks = []
        for entry in self.to_run:
            if entry["kind"] == NETWORK_ID:
                parameters = network_parameters(self.prepared, self.options.language or "fi",
                                                 self.options.name_providers)
            else:
                parameters = provider_parameters(self.prepared, entry["id"],
                                                 self.options.language)
            entry["parameters"] = parameters
            tasks.append(ReportTask(entry["id"], entry["kind"],
                                    str(self.notebooks[entry["kind"]]), parameters,
                                    str(self.out_dir), entry["stem"], parameters["language"],
                                    self.options.cell_timeout))
        return tasks

    # -- recording --

    def begin(self, executor: Any = None) -> None:
        """Start the manifest of this run."""
        options = self.options
        self.manifest = {
            "format": runs.FORMAT,
            "run": {"started": runs.iso(self.started), "finished": None, "seconds": None,
                    "status": "running", "exit_code": None, "reports_run": len(self.to_run),
                    "command": sys.argv, "host": socket.gethostname(),
                    "out_dir": str(self.out_dir), "force": options.force,
                    "selected": options.providers or None, "network": self.want_network,
                    "executor": executor.describe() if executor is not None else None},
            "dataset": {"path": str(self.folder), "name": self.name, "cache_key": self.key,
                        "validation": self.validation},
            "inputs": _inputs(self.folder, self.notebooks),
            "options": {"language": options.language, "name_providers": options.name_providers,
                        "cell_timeout": options.cell_timeout,
                        "notebook_timeout": options.notebook_timeout},
            "versions": runs.package_versions(),
        }

    def on_start(self, task: ReportTask) -> None:
        self.entries[task.report_id]["note"] = "running"

    def on_done(self, task: ReportTask, result: TaskResult) -> None:
        entry = self.entries[task.report_id]
        if result.ok and self.options.pdf:
            result = _with_pdf(self.out_dir / entry["html"], result)
        entry.update(status=runs.OK if result.ok else runs.FAILED,
                     seconds=round(result.seconds, 3), note=None, error=result.error)
        if result.ok:
            entry["fingerprint"] = entry["_target"]
            entry["files"] = {name: runs.file_state(self.out_dir / name)
                              for name in (entry["html"], entry["notebook"])}
            entry["produced"] = {
                "run_started": self.manifest["run"]["started"], "worker": result.worker,
                "started": runs.iso(result.started), "seconds": round(result.seconds, 3),
                "execute_seconds": _round(result.execute_seconds),
                "export_seconds": _round(result.export_seconds)}
            entry["earlier_html"] = None
        elif (self.out_dir / entry["html"]).is_file():
            entry["earlier_html"] = entry["html"]  # left in place by render_report
        self.save()

    def interrupted(self) -> None:
        for entry in self.to_run:
            if entry["status"] == runs.NOT_RUN:
                running = entry.get("note") == "running"
                entry["status"] = runs.INTERRUPTED if running else runs.NOT_RUN
                entry["note"] = ("the run was interrupted while this report was running"
                                 if running else "the run was interrupted before this report")

    def save(self, final: bool = False) -> None:
        """Write manifest.json and index.html (atomically; at most every few seconds)."""
        if not final and time.monotonic() - self._saved < _SAVE_EVERY:
            return
        reports = list(self.entries.values())
        self.manifest["reports"] = [{k: v for k, v in entry.items() if not k.startswith("_")}
                                    for entry in reports]
        self.manifest["summary"] = runs.summarise(reports)
        runs.write_manifest(self.out_dir, self.manifest)
        write_index(self.out_dir, self.manifest)
        self._saved = time.monotonic()

    def finish(self, code: int) -> RunOutcome:
        status = {EXIT_OK: "ok", EXIT_FAILED: "failed", EXIT_INTERRUPTED: "interrupted"}[code]
        self.manifest["run"].update(finished=runs.now(), exit_code=code, status=status,
                                    seconds=round(time.time() - self.started, 3))
        self.save(final=True)
        return RunOutcome(code, self.out_dir, self.manifest, ran=len(self.to_run))


def _with_pdf(html: Path, result: TaskResult) -> TaskResult:
    """Print the report to a PDF beside it (``--pdf``); a failed print fails the report."""
    import dataclasses

    from strapetsi_lib.render.pdf import PdfError, write_pdf

    try:
        write_pdf(html)
    except PdfError as exc:
        error = {"cause": str(exc), "ename": "PdfError", "evalue": exc.reason, "cell": None,
                 "cell_index": None, "failed_notebook": None}
        return dataclasses.replace(result, ok=False, error=error)
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _start_executor(options: RunOptions, expected: int, log_dir: Path):
    from strapetsi_lib.batch.executors import make_executor

    jobs = options.jobs or os.cpu_count() or 1
    executor = make_executor(options.executor, jobs, scheduler=options.scheduler,
                             warm=options.warm_kernel,
                             notebook_timeout=options.notebook_timeout, log_dir=log_dir)
    executor.start(expected)
    return executor


def run_batch(options: RunOptions, console: Console | None = None) -> RunOutcome:
    """Run the reports of a dataset into a run folder; see the module docstring.

    Parameters
    ----------
    options
        What to run and how.
    console
        Where progress and messages go (default: stderr).

    Returns
    -------
    RunOutcome
        ``exit_code`` is 0 when every report asked for is in place, 1 when a report failed or
        the data is invalid (``problems`` then lists every problem and nothing was written),
        130 when interrupted.

    Raises
    ------
    BatchError
        When the run cannot start: an unknown ``--provider`` (``exit_code`` 2), the provider
        notebook missing, another run holding the folder.
    """
    console = console or Console(stderr=True)
    run = _Run(options, console)
    if run.network_note:
        console.print(f"[yellow]Network report {run.network_note}[/yellow]", highlight=False)
    vouched = run.vouched()
    planned = vouched and run.catalogue_known()
    if planned:
        run.plan()
        if not run.to_run:  # the no-change path: nothing parsed, nothing started
            with _locked(run.out_dir):
                run.begin()
                return run.finish(EXIT_OK)
    # There is work: workers import their libraries while the data is validated and prepared.
    expected = len(options.providers) + 1 if options.providers else options.jobs or 64
    logs = Path(tempfile.mkdtemp(prefix="strapetsi-logs-"))
    executor = _start_executor(options, expected, logs)
    executed = False
    try:
        if not vouched:
            problems = run.validate()
            if problems:
                return RunOutcome(EXIT_FAILED, problems=problems)
        if not planned:
            run.plan()
        with _locked(run.out_dir):
            executed = True
            return _execute(run, executor)
    finally:
        executor.shutdown()
        if executed:  # the workers' and kernels' own messages, kept with the run
            shutil.rmtree(run.out_dir / LOG_DIR, ignore_errors=True)
            shutil.copytree(logs, run.out_dir / LOG_DIR, dirs_exist_ok=True)
        shutil.rmtree(logs, ignore_errors=True)


def _execute(run: _Run, executor: Any) -> RunOutcome:
    """Prepare, run the planned reports on ``executor`` and record the run."""
    run.out_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(run.out_dir, [entry["stem"] for entry in run.entries.values()])
    tasks = run.tasks() if run.to_run else []
    run.begin(executor)
    if not tasks:
        return run.finish(EXIT_OK)
    try:
        with _sigterm_as_interrupt(), Progress(run.console, len(tasks)) as progress:
            executor.run(tasks, run.on_start, progress.wrap(run.on_done))
    except KeyboardInterrupt:
        executor.shutdown()  # before the clean-up, so no worker is still writing
        run.interrupted()
        _remove_leftovers(run.out_dir, [entry["stem"] for entry in run.to_run])
        return run.finish(EXIT_INTERRUPTED)
    # A worker stopped at its time-out leaves its work folder; no worker is running now.
    _remove_leftovers(run.out_dir, [entry["stem"] for entry in run.to_run])
    failed = any(entry["status"] == runs.FAILED for entry in run.entries.values())
    return run.finish(EXIT_FAILED if failed else EXIT_OK)
