"""The batch run behind ``strapetsi run``: every report of a dataset, in parallel, on the record.

Steps (docs/architecture.md §1 and §4; README "Runs and outputs"):

1. **Identify the inputs cheaply**: the prepared-tables cache key (the dataset's files and the
   library code, hashed without parsing anything), the notebooks' hashes, and the last run's
   manifest in the run folder (one that cannot be read is reported in one line and ignored).
2. **Plan**: a report whose inputs, notebook, library and parameters are unchanged and whose
   files are in place is skipped. When the last run (or the prepared-tables cache) vouches
   for these exact inputs and nothing is to run, the run ends here, without having read the
   data: well under two seconds.
3. **Validate** the dataset unless those inputs were validated before; invalid data stops the
   run with every problem listed, before any report is touched. The workers start warming up
   meanwhile.
4. **Prepare once** (:func:`strapetsi_lib.prepare.prepare_tables`), then run the reports on an
   executor (:mod:`strapetsi_lib.batch.executors`) with a progress bar, holding the run
   folder's lock (``_work/run.lock``, a portable :mod:`filelock`), so two runs never write
   into one folder at once.
5. **Record**: a report's start is written to the manifest before the executor hands it over
   (write-ahead: a run killed at any moment, ``kill -9`` included, leaves it "running", which
   the next run reads as interrupted); the manifest and ``index.html`` are rewritten
   atomically as reports finish (at most every few seconds) and at the end. A failed report
   keeps its earlier good files; the exit status is non-zero when anything failed; Ctrl-C (or
   SIGTERM) stops the workers and records the run as interrupted, and running it again picks
   up where it stopped. A run folder that cannot be written (full, read-only, missing) is one
   :class:`~strapetsi_lib.errors.OutputFolderError`, reported at the end; a failed manifest
   write never stops the reports still running.

The folder layout (what is for sharing, what is working files) is in
:mod:`strapetsi_lib.batch.layout`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from strapetsi_lib.batch import interrupts, layout, publication, run_folder
from strapetsi_lib.batch import manifest as runs
from strapetsi_lib.batch.index_page import write_index
from strapetsi_lib.batch.manifest import Manifest, ReportEntry
from strapetsi_lib.batch.progress import Progress
from strapetsi_lib.batch.tasks import OUTPUT_FOLDER_FAULT, ReportTask, TaskResult
from strapetsi_lib.config import NETWORK_NOTEBOOK, PROJ_ROOT, PROVIDER_NOTEBOOK, REPORTS_DIR
from strapetsi_lib.errors import OutputFolderError, Problem, StrapetsiError
from strapetsi_lib.files import portable_path, sha256_file

if TYPE_CHECKING:  # executors is imported only when there is work (a no-change run has none)
    from strapetsi_lib.batch.executors import Executor

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
NETWORK_ID = runs.NETWORK
_SAVE_EVERY = 2.0  # seconds between manifest writes while reports finish


class BatchError(StrapetsiError):
    """The run cannot start (unknown provider, notebook missing, run folder busy)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        self.exit_code = exit_code
        super().__init__(message)


@dataclass
class RunOptions:
    """What ``strapetsi run`` was asked to do (see the command's help for each option).

    Selection: ``providers`` runs those providers (and the network report only with
    ``network=True``); without ``providers``, ``network=True`` runs only the network report,
    ``network=False`` every provider report, and ``None`` (or ``everything``) every report.
    ``language`` sets every report's language and the index page's (default: each provider's
    own for its report, Finnish for the network report and the index).
    """

    dataset: Path
    out_dir: Path | None = None
    providers: list[str] | None = None
    language: str | None = None
    jobs: int | None = None
    force: bool = False
    network: bool | None = None
    everything: bool = False
    name_providers: bool = False
    executor: str = "local"
    scheduler: str | None = None
    warm_kernel: bool = True
    cell_timeout: float | None = None
    notebook_timeout: float | None = 900.0
    provider_notebook: Path = PROVIDER_NOTEBOOK
    network_notebook: Path = NETWORK_NOTEBOOK
    pdf: bool = False
    publish_held: bool = False


@dataclass
class RunOutcome:
    """What a run did: its exit code, folder and manifest, or the dataset's problems.

    ``ran`` counts the reports this run finished (written or failed), not those it was cut off
    from; ``folder_fault`` is set when the run folder could not be written.
    """

    exit_code: int
    out_dir: Path | None = None
    manifest: Manifest | None = None
    problems: list[Problem] = field(default_factory=list)
    ran: int = 0
    folder_fault: OutputFolderError | None = None

    @property
    def failed(self) -> list[ReportEntry]:
        """The entries of reports that failed (or were cut off) in this run."""
        reports = self.manifest.reports if self.manifest else []
        return [r for r in reports if r.status in (runs.FAILED, runs.INTERRUPTED)]


# --- helpers ----------------------------------------------------------------------------------


def _identity(folder: Path) -> tuple[str | None, str | None]:
    """The dataset's name and cache key, read without parsing the data; ``None`` when the
    folder is too broken to tell (validation then says why)."""
    from strapetsi_lib.cache_keys import inputs_key
    from strapetsi_lib.ingest.dataset_spec import read_dataset_spec

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
    """Every input file with its size and SHA-256, for the manifest (paths relative to the
    dataset folder, notebooks relative to the project)."""
    from strapetsi_lib.ingest.dataset_spec import dataset_input_files

    files = [("dataset", path, folder) for path in dataset_input_files(folder)]
    files += [(f"{kind} notebook", path, PROJ_ROOT) for kind, path in notebooks.items()]
    return [{"role": role, "path": portable_path(path, base), "bytes": path.stat().st_size,
             "sha256": sha256_file(path)} for role, path, base in files]


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """:func:`strapetsi_lib.batch.run_folder.locked`, a busy folder being a :class:`BatchError`."""
    try:
        with run_folder.locked(out_dir):
            yield
    except run_folder.FolderBusy as exc:
        raise BatchError(str(exc)) from None


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
        self.entries: dict[str, ReportEntry] = {}
        self.targets: dict[str, str] = {}  # report id -> the fingerprint of this run's inputs
        self.to_run: list[ReportEntry] = []
        self.manifest: Manifest | None = None
        self.publication: publication.Publication | None = None
        #: The providers that may need support (index page), when this run prepared the tables
        #: (found while the reports run, :meth:`find_support`).
        self.support: dict[str, Any] | None = None
        self._support_search: _InBackground | None = None
        #: Report id -> the counts of the groups its new version would publish (precompute).
        self.counts: dict[str, dict[str, int]] | None = None
        self.write_fault: OutputFolderError | None = None
        self._saved = 0.0
        self.identify()
        self.notebooks = {runs.PROVIDER: Path(options.provider_notebook).resolve()}
        if not self.notebooks[runs.PROVIDER].is_file():
            raise BatchError(f"the provider report notebook {self.notebooks[runs.PROVIDER]} "
                             "does not exist")
        network = Path(options.network_notebook).resolve()
        if options.providers:
            self.want_network = options.network is True
        else:
            self.want_network = options.network is not False or options.everything
        self.want_providers = bool(options.providers) or options.everything or \
            options.network is not True
        self.network_note = None
        if network.is_file():
            self.notebooks[NETWORK_ID] = network
        elif self.want_network:
            self.network_note = (f"not run: {network} does not exist yet; this run wrote the "
                                 "provider reports only")
            self.want_network = False
        self.hashes = {kind: sha256_file(p) for kind, p in self.notebooks.items()}

    def identify(self) -> None:
        self.name, self.key = _identity(self.folder)
        out_dir = self.options.out_dir or (_default_out_dir(self.name) if self.name else None)
        self.out_dir = Path(out_dir).expanduser().resolve() if out_dir else None
        self.previous, problem = (runs.read_manifest(layout.manifest_path(self.out_dir))
                                  if self.out_dir else (None, None))
        if problem:
            self.console.print(f"[yellow]{problem}; it is ignored and every report is re-run"
                               "[/yellow]", highlight=False, soft_wrap=True)

    # -- validation and preparation --

    def vouched(self) -> bool:
        """Whether these exact inputs were validated before: by the last run in this folder,
        or because prepared tables exist for them (they are only made from a valid dataset)."""
        if runs.validation_reusable(self.previous, self.key):
            when = self.previous.run.get("started")
            self.validation = {"valid": True, "cache_key": self.key, "problems": 0,
                               "checked": f"reused: the run of {when} validated these inputs"}
            return True
        from strapetsi_lib.cache_keys import is_prepared

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
        previous = self.previous
        return (previous is not None and self.key is not None
                and previous.dataset.get("cache_key") == self.key
                and any(r.kind == runs.PROVIDER for r in previous.reports))

    def catalogue(self) -> list[dict[str, Any]]:
        """Every provider (id, name, language, network-report code) in dataset order; from the
        last run's manifest when it describes the same inputs, so an unchanged run reads no
        data."""
        if self.catalogue_known():
            return [{"id": r.id, "name": r.name, "provider_language": r.provider_language,
                     "code": r.code}
                    for r in self.previous.reports if r.kind == runs.PROVIDER]
        self.prepare()
        # the network report's own codes (one rule; a light module, so that planning a run
        # does not import the statistics libraries): the coordinator's key
        from strapetsi_lib.present.provider_codes import provider_codes

        codes = provider_codes(self.prepared)
        return [{"id": str(p.provider_id), "name": str(p.name),
                 "provider_language": str(p.language), "code": codes.get(str(p.provider_id))}
                for p in self.prepared["providers"].itertuples(index=False)]

    def plan(self) -> None:
        """Decide, for every report, whether it runs, is skipped or is left alone."""
        options, catalogue = self.options, self.catalogue()
        everyone = [p["id"] for p in catalogue]
        selected = list(dict.fromkeys(options.providers or
                                      (everyone if self.want_providers else [])))
        unknown = sorted(set(selected) - set(everyone))
        if unknown:
            raise BatchError(f"unknown provider id(s) for dataset {self.name}: "
                             f"{', '.join(unknown)}", EXIT_USAGE)
        earlier_entries = {e.id: e for e in self.previous.reports} if self.previous else {}
        network = {"id": NETWORK_ID, "name": None, "provider_language": None, "code": None}
        self.entries, self.to_run = {}, []
        for info in [network, *catalogue]:
            kind = NETWORK_ID if info["id"] == NETWORK_ID else runs.PROVIDER
            earlier = earlier_entries.get(info["id"])
            chosen = info["id"] in selected if kind == runs.PROVIDER else self.want_network
            if kind == NETWORK_ID and not (chosen or self.network_note or earlier):
                continue
            entry = self._entry(info, kind, earlier)
            entry.selected = chosen
            current = runs.is_current(earlier, self.targets[entry.id], self.out_dir) and (
                not options.pdf or layout.pdf_name(entry.stem) in entry.files)
            if kind == NETWORK_ID and self.network_note:
                entry.note = self.network_note
            elif chosen and (options.force or not current):
                self.to_run.append(entry)
            elif chosen:
                entry.status = runs.SKIPPED
            else:
                entry.status = runs.SKIPPED if current else runs.NOT_RUN
                if earlier is not None and earlier.status == runs.INTERRUPTED:
                    entry.status, entry.note = runs.INTERRUPTED, earlier.note
            self.entries[info["id"]] = entry

    def _entry(self, info: dict[str, Any], kind: str, earlier: ReportEntry | None) -> ReportEntry:
        """A report's manifest entry: what this run will say about it. ``fingerprint`` and
        ``files`` describe its last good files; only a success replaces them."""
        stem = earlier.stem if earlier else _stem(kind, info["id"])
        # the report's language: asked for, else the provider's own (the network's: Finnish)
        language = self.options.language or info["provider_language"] or "fi"
        options = {"dataset": str(self.folder), "language": self.options.language}
        if kind == NETWORK_ID:
            options["name_providers"] = self.options.name_providers
        self.targets[info["id"]] = runs.fingerprint(
            self.key, self.hashes.get(kind, "missing"), kind, info["id"], options)
        return ReportEntry(
            id=info["id"], kind=kind, stem=stem, html=layout.html_name(stem),
            notebook=layout.notebook_name(stem), name=info["name"],
            provider_language=info["provider_language"], language=language, code=info["code"],
            fingerprint=earlier.fingerprint if earlier else None,
            files=dict(earlier.files) if earlier else {},
            parameters=earlier.parameters if earlier else None,
            produced=earlier.produced if earlier else None)

    def precompute(self) -> None:
        """What :meth:`tasks` needs that takes time, for the planned reports: the prepared
        tables and the counts of the groups each report's new version would publish (two
        seconds for a network of 80). Reads the tables and writes nothing, so it may run while
        the workers start (:func:`run_batch`)."""
        self.prepare()
        self.counts = {entry.id: publication.report_counts(self.prepared, entry.id, NETWORK_ID)
                       for entry in self.to_run}

    def tasks(self) -> list[ReportTask]:
        """The work: one task per report to run, with its Papermill parameters."""
        from strapetsi_lib.render.export import portable_parameters
        from strapetsi_lib.render.parameters import network_parameters, provider_parameters

        if self.counts is None or set(self.counts) != {entry.id for entry in self.to_run}:
            self.precompute()
        self.publication = publication.Publication.of(
            self.out_dir, self.prepared.min_group_size, self.options.publish_held)
        tasks = []
        for entry in list(self.to_run):
            held = self.publication.decide(entry.id, self.counts[entry.id])
            if held:  # the published version stays (batch/publication.py)
                entry.status, entry.note = runs.HELD, held
                continue
            if entry.kind == NETWORK_ID:
                parameters = network_parameters(self.prepared, self.network_language,
                                                self.options.name_providers)
            else:
                parameters = provider_parameters(self.prepared, entry.id, self.options.language)
            entry.parameters = portable_parameters(parameters)
            tasks.append(ReportTask(entry.id, entry.kind, str(self.notebooks[entry.kind]),
                                    parameters, str(self.out_dir),
                                    str(self.out_dir / layout.NOTEBOOKS_DIR), entry.stem,
                                    parameters["language"], self.options.cell_timeout,
                                    self.options.pdf))
        return tasks

    # -- recording --

    def begin(self, executor: Executor | None = None) -> None:
        """Start the manifest of this run (no absolute path, no host name: it may travel)."""
        options = self.options
        self.manifest = Manifest(
            run={"started": runs.iso(self.started), "finished": None, "seconds": None,
                 "status": runs.RUNNING, "exit_code": None, "reports_run": len(self.to_run),
                 "reports_finished": 0, "force": options.force,
                 "selected": options.providers or None, "network": self.want_network,
                 "index_language": self.index_language,
                 "executor": executor.describe() if executor is not None else None,
                 "needs_support": self.support if self.support is not None
                 else self.earlier_support()},
            dataset={"path": portable_path(self.folder, PROJ_ROOT), "name": self.name,
                     "cache_key": self.key, "validation": self.validation},
            inputs=_inputs(self.folder, self.notebooks),
            options={"language": options.language, "name_providers": options.name_providers,
                     "publish_held": options.publish_held,
                     "cell_timeout": options.cell_timeout,
                     "notebook_timeout": options.notebook_timeout},
            versions=runs.package_versions())

    def find_support(self) -> None:
        """Work out the providers that may need support (:meth:`needs_support`) in a thread
        while the reports run: only the record and the index page need them, and the reports
        need not wait the second it takes. It reads the prepared tables and writes nothing;
        :meth:`write_record` records them once found, :meth:`finish` waits for them."""
        if self.prepared is not None and self._support_search is None:
            self._support_search = _InBackground(
                lambda: setattr(self, "support", self.needs_support()))

    def needs_support(self) -> dict[str, Any] | None:
        """The providers that may need support
        (:func:`strapetsi_lib.present.support.needs_support`), for the index page; ``None``,
        with one line on the console, when they cannot be worked out: the list is the index
        page's, and its failure must not stop the reports."""
        from strapetsi_lib.present.support import needs_support

        try:
            return needs_support(self.prepared, self.index_language)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            self.console.print(f"[yellow]The index page lists no providers that may need "
                               f"support: {type(exc).__name__}: {exc}[/yellow]",
                               highlight=False, soft_wrap=True)
            return None

    def earlier_support(self) -> dict[str, Any] | None:
        """The providers that may need support as the last run in this folder found them, for
        a run that prepared no tables: the same inputs (cache key) in the same language."""
        earlier = self.previous
        if earlier is None or earlier.dataset.get("cache_key") != self.key or \
                earlier.run.get("index_language") != self.index_language:
            return None
        return earlier.run.get("needs_support")

    @property
    def network_language(self) -> str:
        """The network report's language: the run's ``--language``, else Finnish, else the
        instrument's first language (an instrument may carry only Swedish texts)."""
        languages = self.prepared.instrument.languages
        return self.options.language or ("fi" if "fi" in languages else languages[0])

    @property
    def index_language(self) -> str:
        """The coordinator's language: the run's ``--language``, else Finnish."""
        return self.options.language or "fi"

    def on_start(self, task: ReportTask) -> None:
        """Record that a report starts, on disk, before the executor hands it over (a
        write-ahead record: the manifest is written now, whenever it was last written, so that
        a run killed at any moment, ``kill -9`` included, leaves the report "running", which
        the next run reads as interrupted). The index page follows at the next :meth:`save`."""
        entry = self.entries[task.report_id]
        entry.status, entry.note = runs.RUNNING, None
        self.write_record()

    def write_record(self) -> None:
        """Write the manifest now (a failed write is recorded as the run folder's fault)."""
        self.manifest.reports = list(self.entries.values())
        self.manifest.summary = runs.summarise(self.manifest.reports)
        self.manifest.run["reports_finished"] = self.finished()
        if self.support is not None:
            self.manifest.run["needs_support"] = self.support
        if self.publication is not None and self.publication.released:
            self.manifest.run["published_held"] = list(self.publication.released)
        try:
            runs.write_manifest(layout.manifest_path(self.out_dir), self.manifest)
        except OSError as exc:
            self.write_fault = self.write_fault or OutputFolderError.from_os_error(
                self.out_dir, exc)

    def on_done(self, task: ReportTask, result: TaskResult) -> None:
        entry = self.entries[task.report_id]
        entry.status = runs.OK if result.ok else runs.FAILED
        entry.seconds, entry.note, entry.error = round(result.seconds, 3), None, result.error
        if result.ok:
            entry.fingerprint = self.targets[entry.id]
            made = [entry.html, entry.notebook]
            made += [layout.pdf_name(entry.stem)] if self.options.pdf else []
            entry.files = {name: runs.file_state(self.out_dir / name) for name in made}
            entry.produced = {
                "run_started": self.manifest.run["started"], "worker": result.worker,
                "started": runs.iso(result.started), "seconds": round(result.seconds, 3),
                "execute_seconds": _round(result.execute_seconds),
                "export_seconds": _round(result.export_seconds),
                "kernel_restarts": result.kernel_restarts}
            entry.earlier_html = None
            self._published(entry)
        elif (self.out_dir / entry.html).is_file():
            entry.earlier_html = entry.html  # left in place by render_report
        if result.error is not None and result.error.ename == OUTPUT_FOLDER_FAULT:
            self.write_fault = self.write_fault or _folder_fault(result.error.cause,
                                                                 self.out_dir)
        self.save()

    def _published(self, entry: ReportEntry) -> None:
        """Record what the new version published; one the rule would have held says so."""
        if self.publication is None:  # no task was planned by this run
            return
        try:
            self.publication.written(entry.id)
        except OSError as exc:
            self.write_fault = self.write_fault or OutputFolderError.from_os_error(
                self.out_dir, exc)
        if entry.id in self.publication.released:
            entry.note = ("published with --publish-held, although it differs from the "
                          "version it replaced by fewer answers than the minimum in a group")

    def interrupted(self) -> None:
        for entry in self.to_run:
            if entry.status == runs.RUNNING:
                entry.status = runs.INTERRUPTED
                entry.note = "the run was interrupted while this report was running"
            elif entry.status == runs.NOT_RUN:
                entry.note = "the run was interrupted before this report"

    def finished(self) -> int:
        """How many of the reports this run set out to run it finished (written or failed)."""
        return sum(1 for entry in self.to_run if entry.status in runs.FINISHED)

    def save(self, final: bool = False) -> None:
        """Write the manifest and index.html (atomically; at most every few seconds).

        A write that fails (full or read-only folder) is recorded, never raised: the reports
        still running go on, and the run reports the fault at its end.
        """
        if not final and time.monotonic() - self._saved < _SAVE_EVERY:
            return
        self.write_record()
        try:
            write_index(self.out_dir, self.manifest, self.index_language)
        except OSError as exc:
            self.write_fault = self.write_fault or OutputFolderError.from_os_error(
                self.out_dir, exc)
        self._saved = time.monotonic()

    def finish(self, code: int) -> RunOutcome:
        if self._support_search is not None:
            self._support_search.wait()  # the record names them (needs_support never raises)
        if self.write_fault is not None and code == EXIT_OK:
            code = EXIT_FAILED
        status = {EXIT_OK: "ok", EXIT_FAILED: "failed", EXIT_INTERRUPTED: "interrupted"}[code]
        self.manifest.run.update(finished=runs.now(), exit_code=code, status=status,
                                 seconds=round(time.time() - self.started, 3))
        self.save(final=True)
        return RunOutcome(code, self.out_dir, self.manifest, ran=self.finished(),
                          folder_fault=self.write_fault)


def _folder_fault(cause: str, out_dir: Path) -> OutputFolderError:
    """The run folder's fault from a report's failure cause (the worker's one line)."""
    prefix = f"cannot write to {out_dir}: "
    reason, _, advice = cause.removeprefix(prefix).partition("; ")
    return OutputFolderError(str(out_dir), reason, advice or "see the failures above")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def default_jobs() -> int:
    """Reports run at once when ``--jobs`` is not given: one more than the cores.

    A report leaves its core idle for moments (the kernel starting, each cell's messages between
    worker and kernel, files written): with one report a core, about a tenth of a run's CPU
    time went unused on two cores; a report more fills most of it (four runs of all 81 each,
    alternating: 68.2 s to 65.2 s on average), for another kernel's and
    worker's memory.
    """
    return (os.cpu_count() or 1) + 1


def _check_chromium() -> None:
    """``--pdf`` needs Chromium: found now, once, or the run stops before anything runs."""
    from strapetsi_lib.render.pdf import ChromiumMissing, find_chromium

    try:
        find_chromium()
    except ChromiumMissing as exc:
        raise BatchError(f"--pdf needs Chromium: {exc}") from None


def _start_executor(options: RunOptions, expected: int, log_dir: Path,
                    dataset: Path) -> Executor:
    from strapetsi_lib.batch.executors import make_executor

    jobs = options.jobs or default_jobs()
    executor = make_executor(options.executor, jobs, scheduler=options.scheduler,
                             warm=options.warm_kernel,
                             notebook_timeout=options.notebook_timeout, log_dir=log_dir,
                             dataset=dataset)
    executor.start(expected)
    return executor


def _check_language(options: RunOptions) -> None:
    """A ``--language`` the dataset's instrument has no texts in stops the run before it starts
    (exit status 2); a dataset that cannot be read is left to validation."""
    if options.language is None:
        return
    from strapetsi_lib.errors import DatasetError, InstrumentError
    from strapetsi_lib.ingest.dataset_spec import load_dataset_spec
    from strapetsi_lib.ingest.instrument import load_instrument

    folder = Path(options.dataset)
    try:
        instrument = load_instrument(load_dataset_spec(folder).instrument, folder)
    except (DatasetError, InstrumentError):
        return
    if options.language not in instrument.languages:
        raise BatchError(f"--language {options.language}: the instrument {instrument.id} has no "
                         f"texts in {options.language} (its languages are "
                         f"{', '.join(instrument.languages)})", exit_code=2)


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
        ``exit_code`` is 0 when every report asked for is in place, 1 when a report failed,
        the data is invalid (``problems`` then lists every problem and nothing was written) or
        the run folder could not be written (``folder_fault``), 130 when interrupted.

    Raises
    ------
    BatchError
        When the run cannot start: an unknown ``--provider`` (``exit_code`` 2), the provider
        notebook missing, another run holding the folder, ``--pdf`` without Chromium.
    OutputFolderError
        When the run folder cannot be created or written at all.
    """
    console = console or Console(stderr=True)
    if options.pdf:
        _check_chromium()
    _check_language(options)
    run = _Run(options, console)
    if run.network_note:
        console.print(f"[yellow]Network report {run.network_note}[/yellow]", highlight=False)
    vouched = run.vouched()
    planned = vouched and run.catalogue_known()
    if planned:
        run.plan()
        if not run.to_run:  # the no-change path: nothing parsed, nothing started
            run_folder.make_out_dir(run.out_dir, options.out_dir is not None)
            with _locked(run.out_dir):
                # what a killed run left of the reports it was running
                run_folder.remove_leftovers(run.out_dir, [
                    e.stem for e in run.entries.values() if e.status == runs.INTERRUPTED])
                run.begin()
                return run.finish(EXIT_OK)
    # There is work: workers import their libraries while the data is validated and prepared,
    # and inputs known to be valid are planned and precomputed meanwhile, in a thread (the
    # workers and the kernel server must be started by this one: they die with the thread that
    # started them, see batch/kernel_server.py die_with_parent).
    early = _InBackground(lambda: _plan_and_precompute(run, planned)) if vouched else None
    expected = len(options.providers) + 1 if options.providers else options.jobs or 64
    logs = Path(tempfile.mkdtemp(prefix="strapetsi-logs-"))
    try:
        executor = _start_executor(options, expected, logs, run.folder)
    except BaseException:
        if early is not None:
            early.wait()
        shutil.rmtree(logs, ignore_errors=True)
        raise
    executed = False
    try:
        if early is not None:
            early.result()  # its error (an unknown --provider) is raised here
        if not vouched:
            problems = run.validate()
            if problems:
                return RunOutcome(EXIT_FAILED, problems=problems)
        if not planned and early is None:
            run.plan()
        run_folder.make_out_dir(run.out_dir, options.out_dir is not None)
        with _locked(run.out_dir):
            executed = True
            try:
                return _execute(run, executor)
            finally:
                executor.shutdown()
                with contextlib.suppress(OSError):  # a full folder was reported already
                    run_folder.keep_logs(logs, run.out_dir / layout.LOGS_DIR,
                                         run_folder.path_placeholders(run.folder, run.out_dir))
    finally:
        if early is not None:
            early.wait()  # nothing of the run's is shared with a thread still computing
        if not executed:
            executor.shutdown()
        shutil.rmtree(logs, ignore_errors=True)


def _plan_and_precompute(run: _Run, planned: bool) -> None:
    """Plan (unless done) and precompute a run of inputs known to be valid (see run_batch)."""
    if not planned:
        run.plan()
    if run.to_run:
        run.precompute()


class _InBackground:
    """A call made in a daemon thread; :meth:`result` waits for it and raises what it raised."""

    def __init__(self, call: Any):
        self._error: BaseException | None = None

        def target() -> None:
            try:
                call()
            except BaseException as exc:  # noqa: BLE001 - raised again in result()
                self._error = exc

        self._thread = threading.Thread(target=target, name="strapetsi-plan", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> None:
        self.wait()
        if self._error is not None:
            raise self._error


def _execute(run: _Run, executor: Executor) -> RunOutcome:
    """Prepare, run the planned reports on ``executor`` and record the run."""
    run_folder.remove_leftovers(run.out_dir, [entry.stem for entry in run.entries.values()])
    tasks = run.tasks() if run.to_run else []
    run.begin(executor)
    run.find_support()
    if not tasks:
        return run.finish(EXIT_OK)
    try:
        # kill is taken like Ctrl-C, so both stop the workers and record the run; both are
        # held while the executor keeps its books (see batch/interrupts.py)
        with interrupts.taken_at_safe_points(), Progress(run.console, len(tasks)) as progress:
            executor.run(tasks, run.on_start, progress.wrap(run.on_done))
    except KeyboardInterrupt:
        executor.shutdown()  # before the clean-up, so no worker is still writing
        run.interrupted()
        run_folder.remove_leftovers(run.out_dir, [entry.stem for entry in run.to_run])
        return run.finish(EXIT_INTERRUPTED)
    except Exception:
        # A fault of the workbench itself: the record is still closed (reports cut off read
        # interrupted) and no work folder stays; the traceback is for whoever fixes it.
        executor.shutdown()
        run.interrupted()
        run_folder.remove_leftovers(run.out_dir, [entry.stem for entry in run.to_run])
        run.finish(EXIT_FAILED)
        raise
    # A worker stopped at its time-out leaves its work folder; no worker is running now.
    run_folder.remove_leftovers(run.out_dir, [entry.stem for entry in run.to_run])
    failed = any(entry.status == runs.FAILED for entry in run.entries.values())
    return run.finish(EXIT_FAILED if failed else EXIT_OK)
