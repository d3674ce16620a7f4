"""The record of a run (``manifest.json``) and what it tells the next run.

A run folder holds one manifest (``_work/manifest.json``, see :mod:`strapetsi_lib.batch.layout`):
the inputs and their SHA-256 hashes, the parameters of every report, package versions,
per-report timings and statuses, every failure with its cause and cell, and the run's start,
end and exit status. Each report is one :class:`ReportEntry`; a failure is one
:class:`Failure`. The file is read by :func:`read_manifest` and written by
:func:`write_manifest` only, atomically, during the run as reports finish and at its end, so an
interrupted run leaves a manifest that says what was done.

The next run reads it to decide what to skip: a report is up to date when its *fingerprint* is
unchanged and its files are still in place. The fingerprint hashes everything the report
depends on without reading the data: the prepared-tables cache key (which covers the dataset's
files and the library's code), the notebook's hash, and the options that make up its
parameters. A manifest also records whether its dataset passed validation, so identical inputs
are not validated (parsed) again.

A manifest that cannot be read or has the wrong structure is not an error of the run: the
reader says in one line which file and what is wrong, and the run goes on as if there were no
manifest (every report is re-run). A manifest left by a run that was killed (status
``running``) is read with that run and its running reports marked ``interrupted``.

No absolute path and no host name goes into a manifest (it may be copied with the run folder):
paths are relative to the dataset folder or the project
(:func:`strapetsi_lib.files.portable_path`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from strapetsi_lib.config import installed_versions
from strapetsi_lib.files import PRIVATE_FILE_MODE, json_text, write_atomic

MANIFEST = "manifest.json"
FORMAT = 2

#: Statuses of a report in a run.
OK, FAILED, SKIPPED, NOT_RUN, INTERRUPTED, RUNNING, HELD = (
    "ok", "failed", "skipped-unchanged", "not-run", "interrupted", "running", "held")
STATUSES = (OK, FAILED, SKIPPED, NOT_RUN, INTERRUPTED, RUNNING, HELD)
#: Statuses of a report that this run finished (successfully or not).
FINISHED = (OK, FAILED)
#: The kinds of report.
PROVIDER, NETWORK = "provider", "network"
#: Distributions whose versions every manifest records.
VERSIONED = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill",
             "nbconvert", "nbclient", "ipykernel", "jupyter_client", "dask", "distributed",
             "strapetsi-workbench")


class ManifestProblem(ValueError):
    """A manifest does not have the structure of :class:`Manifest`; the message says where."""


@dataclass
class Failure:
    """Why a report failed.

    Attributes
    ----------
    cause
        What went wrong, in words a coordinator can act on.
    ename, evalue
        The exception's name and value.
    cell
        Index and first line of the notebook cell that raised or was running, where known.
    cell_index
        The index of that cell in the source notebook.
    failed_notebook
        The executed notebook kept for the researcher, relative to the run folder.
    """

    cause: str
    ename: str = "BatchError"
    evalue: str | None = None
    cell: str | None = None
    cell_index: int | None = None
    failed_notebook: str | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Failure:
        """A failure from its JSON form (a manifest's or a subprocess's)."""
        return cls(**_fields_of(cls, record, "error"))


@dataclass
class ReportEntry:
    """One report in a run: what the run did with it and where its last good files are.

    ``fingerprint`` and ``files`` describe the report's last good production (the inputs it was
    made from and the size and time of each file, keyed by path relative to the run folder); a
    failed attempt changes neither. ``code`` is the provider's neutral code in the network
    report (the coordinator's key), where known. ``selected`` says whether the run was asked
    for this report (a run of some providers leaves the others as earlier runs made them).
    """

    id: str
    kind: str
    stem: str
    html: str
    notebook: str
    name: str | None = None
    provider_language: str | None = None
    language: str | None = None
    code: str | None = None
    selected: bool = True
    status: str = NOT_RUN
    seconds: float | None = None
    error: Failure | None = None
    note: str | None = None
    earlier_html: str | None = None
    fingerprint: str | None = None
    files: dict[str, dict[str, int] | None] = field(default_factory=dict)
    parameters: dict[str, Any] | None = None
    produced: dict[str, Any] | None = None

    @classmethod
    def from_record(cls, record: Any, position: int) -> ReportEntry:
        """An entry from its JSON form; :class:`ManifestProblem` names what is wrong."""
        where = f"report {position + 1}"
        if not isinstance(record, dict):
            raise ManifestProblem(f"{where} is a {type(record).__name__}, not an object")
        values = _fields_of(cls, record, where)
        for key in ("id", "kind", "stem", "html", "notebook", "status"):
            if not isinstance(values.get(key), str) or not values[key]:
                raise ManifestProblem(f"{where} has no valid {key!r} (found "
                                      f"{json.dumps(values.get(key))})")
        if values["kind"] not in (PROVIDER, NETWORK):
            raise ManifestProblem(f"{where} has an unknown kind {values['kind']!r}")
        if values["status"] not in STATUSES:
            raise ManifestProblem(f"{where} has an unknown status {values['status']!r}")
        if not isinstance(values.get("files") or {}, dict):
            raise ManifestProblem(f"{where}: 'files' is not an object")
        values["files"] = values.get("files") or {}
        error = values.get("error")
        if error is not None:
            if not isinstance(error, dict) or not isinstance(error.get("cause"), str):
                raise ManifestProblem(f"{where}: 'error' has no cause")
            values["error"] = Failure.from_record(error)
        return cls(**values)

    def to_record(self) -> dict[str, Any]:
        """The entry's JSON form (its values as they are: only what the JSON writer reads,
        without :func:`dataclasses.asdict`'s deep copy, which the manifest written before each
        report starts would pay for every entry)."""
        record = _shallow(self)
        if self.error is not None:
            record["error"] = asdict(self.error)
        return record


@dataclass
class Manifest:
    """A run's whole record: the run, its dataset and inputs, options, versions, reports."""

    run: dict[str, Any]
    dataset: dict[str, Any]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    reports: list[ReportEntry] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    format: int = FORMAT

    def to_record(self) -> dict[str, Any]:
        """The manifest's JSON form."""
        record = _shallow(self)
        record["reports"] = [entry.to_record() for entry in self.reports]
        return record

    @classmethod
    def from_record(cls, record: Any) -> Manifest:
        """A manifest from its JSON form; :class:`ManifestProblem` names what is wrong."""
        if not isinstance(record, dict):
            raise ManifestProblem(f"it holds a {type(record).__name__}, not an object")
        if record.get("format") != FORMAT:
            raise ManifestProblem(f"format {record.get('format')!r} is not {FORMAT} (written "
                                  "by another version of the workbench)")
        values = _fields_of(cls, record, "the manifest")
        for key in ("run", "dataset"):
            if not isinstance(values.get(key), dict):
                raise ManifestProblem(f"{key!r} is missing or not an object")
        for key in ("options", "versions", "summary"):
            if not isinstance(values.get(key) or {}, dict):
                raise ManifestProblem(f"{key!r} is not an object")
        for key in ("inputs", "reports"):
            if not isinstance(values.get(key) or [], list):
                raise ManifestProblem(f"{key!r} is not a list")
        reports = [ReportEntry.from_record(r, i) for i, r in enumerate(values.get("reports") or [])]
        ids = [entry.id for entry in reports]
        if len(set(ids)) != len(ids):
            raise ManifestProblem("a report id appears twice")
        values.update(reports=reports, inputs=values.get("inputs") or [],
                      options=values.get("options") or {},
                      versions=values.get("versions") or {}, summary=values.get("summary") or {})
        return cls(**values)


def _shallow(instance: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, values not copied (for writing, never for keeping)."""
    return {f.name: getattr(instance, f.name) for f in dataclasses.fields(instance)}


def _fields_of(cls: type, record: dict[str, Any], where: str) -> dict[str, Any]:
    """The values of ``cls``'s fields in ``record`` (unknown keys are an error)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(record) - names)
    if unknown:
        raise ManifestProblem(f"{where} has unknown key(s) {', '.join(map(repr, unknown))}")
    return {key: value for key, value in record.items() if key in names}


def now() -> str:
    """The current time as an ISO 8601 string with the local offset."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def iso(timestamp: float) -> str:
    """A time in seconds since the epoch as an ISO 8601 string with the local offset."""
    return dt.datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


def package_versions() -> dict[str, str | None]:
    """Python's and the analysis stack's versions (from installed metadata, without imports)."""
    return installed_versions(VERSIONED)


def fingerprint(cache_key: str, notebook_sha256: str, kind: str, report_id: str,
                options: dict[str, Any]) -> str:
    """The hash of everything a report depends on.

    Parameters
    ----------
    cache_key
        :func:`strapetsi_lib.cache_keys.cache_key` of the dataset: its files and the library code.
    notebook_sha256
        The report notebook's hash.
    kind, report_id
        Which report.
    options
        The run options that shape the report's parameters (dataset, language, ...).
    """
    payload = json.dumps({"key": cache_key, "notebook": notebook_sha256, "kind": kind,
                          "id": report_id, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def read_manifest(path: Path) -> tuple[Manifest | None, str | None]:
    """The manifest at ``path`` and, when it cannot be used, one line saying why.

    Returns
    -------
    (Manifest or None, str or None)
        ``(manifest, None)``; ``(None, None)`` when there is none; ``(None, problem)`` when the
        file cannot be read or has the wrong structure (``problem`` names the file and what is
        wrong). A manifest of a run that was killed comes back with that run and its running
        reports marked interrupted.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path}: cannot be read ({_reason(exc)})"
    try:
        manifest = Manifest.from_record(json.loads(text))
    except json.JSONDecodeError as exc:
        return None, f"{path}: not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
    except (ManifestProblem, TypeError) as exc:
        return None, f"{path}: wrong structure: {exc}"
    _mark_interrupted(manifest)
    return manifest, None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def _mark_interrupted(manifest: Manifest) -> None:
    """A run that still says ``running`` was killed: say so, and of its running reports."""
    if manifest.run.get("status") != RUNNING:
        return
    manifest.run["status"] = INTERRUPTED
    for entry in manifest.reports:
        if entry.status == RUNNING:
            entry.status = INTERRUPTED
            entry.note = "the run was stopped (killed) while this report was running"


def write_manifest(path: Path, manifest: Manifest) -> Path:
    """Write the manifest to ``path`` atomically; readers see the old one or the new one.
    Readable by the user only: it lists every provider."""
    text = json_text(manifest.to_record(), ensure_ascii=False, default=str) + "\n"
    return write_atomic(Path(path), text, mode=PRIVATE_FILE_MODE)


def file_state(path: Path) -> dict[str, int] | None:
    """Size and modification time of a report file, to notice it was replaced or removed."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def is_current(entry: ReportEntry | None, fingerprint_now: str, out_dir: Path) -> bool:
    """Whether a report of an earlier run can stand: same fingerprint, files untouched.

    ``entry.files`` are the files of the last good production of the report and
    ``entry.fingerprint`` the inputs they were made from; a failed attempt changes neither.
    """
    if entry is None or entry.fingerprint != fingerprint_now:
        return False
    return bool(entry.files) and all(file_state(Path(out_dir) / name) == state
                                     for name, state in entry.files.items())


def validation_reusable(manifest: Manifest | None, cache_key: str | None) -> bool:
    """Whether an earlier run validated exactly these inputs and found them valid."""
    if manifest is None or cache_key is None:
        return False
    validation = manifest.dataset.get("validation") or {}
    return validation.get("valid") is True and validation.get("cache_key") == cache_key


def summarise(reports: list[ReportEntry]) -> dict[str, int]:
    """How many reports have each status."""
    counts: dict[str, int] = {}
    for entry in reports:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    return counts
