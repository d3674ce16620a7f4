"""The record of a run (``manifest.json``) and what it tells the next run.

A run folder holds one ``manifest.json``: the inputs and their SHA-256 hashes, the parameters of
every report, package versions, per-report timings and statuses, every failure with its cause
and cell, and the run's start, end and exit status. It is written atomically (beside, then
renamed), during the run as reports finish and at its end, so an interrupted run leaves a
manifest that says what was done.

The next run reads it to decide what to skip: a report is up to date when its *fingerprint* is
unchanged and its files are still in place. The fingerprint hashes everything the report
depends on without reading the data: the prepared-tables cache key (which covers the dataset's
files and the library's code), the notebook's hash, and the options that make up its
parameters. A manifest also records whether its dataset passed validation, so identical inputs
are not validated (parsed) again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from strapetsi_lib.config import installed_versions
from strapetsi_lib.files import write_atomic

MANIFEST = "manifest.json"
FORMAT = 1

#: Statuses of a report in a run.
OK, FAILED, SKIPPED, NOT_RUN, INTERRUPTED = (
    "ok", "failed", "skipped-unchanged", "not-run", "interrupted")
#: Distributions whose versions every manifest records.
VERSIONED = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill",
             "nbconvert", "nbclient", "ipykernel", "jupyter_client", "dask", "distributed",
             "strapetsi-workbench")


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
        :func:`strapetsi_lib.prepare.cache_key` of the dataset: its files and the library code.
    notebook_sha256
        The report notebook's hash.
    kind, report_id
        Which report.
    options
        The run options that shape the report's parameters (dataset path, language, ...).
    """
    payload = json.dumps({"key": cache_key, "notebook": notebook_sha256, "kind": kind,
                          "id": report_id, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of the last run in ``out_dir``; ``None`` if absent or unreadable."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None



def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` atomically; readers see the old one or the new one, whole."""
    text = json.dumps(manifest, indent=1, ensure_ascii=False, default=str) + "\n"
    return write_atomic(Path(out_dir) / MANIFEST, text)


def file_state(path: Path) -> dict[str, int] | None:
    """Size and modification time of a report file, to notice it was replaced or removed."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def is_current(entry: dict[str, Any] | None, fingerprint_now: str, out_dir: Path) -> bool:
    """Whether a report of an earlier run can stand: same fingerprint, files untouched.

    ``entry["files"]`` are the files of the last good production of the report and
    ``entry["fingerprint"]`` the inputs they were made from; a failed attempt changes neither.
    """
    if not entry or entry.get("fingerprint") != fingerprint_now:
        return False
    files = entry.get("files") or {}
    return bool(files) and all(file_state(Path(out_dir) / name) == state
                               for name, state in files.items())


def validation_reusable(manifest: dict[str, Any] | None, cache_key: str | None) -> bool:
    """Whether an earlier run validated exactly these inputs and found them valid."""
    if not manifest or cache_key is None:
        return False
    validation = (manifest.get("dataset") or {}).get("validation") or {}
    return validation.get("valid") is True and validation.get("cache_key") == cache_key


def summarise(reports: list[dict[str, Any]]) -> dict[str, int]:
    """How many reports have each status."""
    counts: dict[str, int] = {}
    for entry in reports:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    return counts
