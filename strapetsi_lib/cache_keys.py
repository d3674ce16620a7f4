"""The keys of the prepared-tables cache and of a run's inputs, computed without pandas.

A no-change ``strapetsi run`` needs only these keys to see that nothing is to be done, so they
live apart from :mod:`strapetsi_lib.prepare` (which imports pandas and pyarrow, most of a second):

* :func:`cache_key`: the bytes of the dataset's files, the analysis code (:data:`ANALYSIS_CODE`:
  ingest, analysis, the prepare stage, the settings and the instruments) and the versions of
  Python and of every library the workbench runs on (:func:`library_versions`). Words, figures,
  templates and notebooks are not in it: a new text does not recompute the tables.
* :func:`inputs_key`: what a *report* depends on besides its notebook: the cache key and the
  whole package. The batch uses it to tell which reports are up to date, so a report is made
  again after any library that shapes its bytes (matplotlib, nbconvert, Jinja2, ...) changes.

See docs/architecture.md §4, "The prepared-tables cache".
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

from strapetsi_lib.config import CACHE_DIR, CHECKOUT, DISTRIBUTION, PACKAGE_DIR
from strapetsi_lib.files import sha256_file, sha256_text
from strapetsi_lib.ingest.dataset_spec import dataset_input_files

#: Where the prepared tables are cached (one zip per dataset, see :mod:`strapetsi_lib.prepare`).
PREPARED_DIR = CACHE_DIR / "prepared"
#: The layout of a cache entry; a new layout gives new keys, so old entries are never misread.
ENTRY_FORMAT = 1
#: The parts of the package (relative to it) that the prepared tables depend on.
ANALYSIS_CODE = ("ingest", "analysis", "instruments", "prepare.py", "cache_keys.py",
                 "config.py")
#: The workbench's requirements that only run the batch (the command line, its progress, the
#: cluster, the run lock, the notebooks' pairing); no report or table is made with them, so their
#: versions are not in the keys (the run's manifest records them). Their own requirements count
#: only where a library that does make reports needs them too.
RUN_ONLY = frozenset({"typer", "rich", "dask", "distributed", "filelock", "jupytext"})
CODE_SUFFIXES = {".py", ".yml", ".j2", ".css", ".json"}


def code_fingerprint(parts: tuple[str, ...] | None = None) -> str:
    """A hash of the package's source and package data, so that new code means a new key.

    Parameters
    ----------
    parts
        Files or folders relative to the package folder to hash; ``None`` hashes the whole
        package.
    """
    roots = [PACKAGE_DIR / part for part in parts] if parts is not None else [PACKAGE_DIR]
    paths = set()
    for root in roots:
        paths.update([root] if root.is_file() else root.rglob("*"))
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            sha256_file(path, digest)
    return digest.hexdigest()


@functools.cache
def library_versions() -> dict[str, str | None]:
    """The versions of Python and of every distribution the tables and reports are made with.

    That is the workbench's requirements (``pyproject.toml``, without the optional extras and
    :data:`RUN_ONLY`) and, recursively, theirs with the extras asked for: numpy and pandas, and
    just as much matplotlib's fonttools, nbconvert's Jinja2 and mistune, IPython for the
    kernel's displays. An upgrade of any of them changes the keys, so the reports are made
    again. Read from the installed metadata, without importing anything.

    Read once a process (reading package metadata costs a report kernel more than the rest of
    its cache look-up; the batch's kernel server reads it before it forks them): a library
    upgraded under a running process changes nothing the process computes, since it goes on
    running the code it imported. Treat the result as read-only.
    """
    versions: dict[str, str | None] = {}
    todo = [(name, extras) for name, extras, marker in map(_parse, _own_requirements())
            if name not in RUN_ONLY and _applies(marker, frozenset())]
    done: dict[str, frozenset[str]] = {}
    while todo:
        name, extras = todo.pop()
        if name in done and extras <= done[name]:
            continue
        extras = done[name] = done.get(name, frozenset()) | extras
        versions[name], requirements = _version_and_requirements(name)
        for requirement in requirements:
            if "extra" in requirement and not any(re.search(rf"""["']{re.escape(extra)}["']""",
                                                            requirement) for extra in extras):
                continue  # for an extra not asked for (most are): no need to parse it
            needed, more, marker = _parse(requirement)
            if _applies(marker, extras):
                todo.append((needed, more))
    return {"python": platform.python_version(), **dict(sorted(versions.items()))}


def _own_requirements() -> list[str]:
    """The workbench's requirements: a checkout's ``pyproject.toml`` when it runs from one (its
    installed metadata may be older than the file), else the installed package's metadata."""
    if CHECKOUT is not None:
        pyproject = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))
        return list(pyproject["project"]["dependencies"])
    return [r for r in metadata.requires(DISTRIBUTION) or [] if "extra ==" not in r]


def _version_and_requirements(name: str) -> tuple[str | None, list[str]]:
    """An installed distribution's version and requirements (``None, []`` when it is not
    installed), read from the headers of its metadata file: parsing the whole file as
    :func:`importlib.metadata.metadata` does, long description included, takes ten times as
    long, and the keys are computed on every run."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None, []
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    headers = text.replace("\r\n", "\n").split("\n\n", 1)[0]
    version = re.search(r"^Version:[ \t]*(\S+)", headers, re.MULTILINE)
    return (version.group(1) if version else dist.version,
            re.findall(r"^Requires-Dist:[ \t]*(.+?)[ \t]*$", headers, re.MULTILINE))


def _canonical(name: str) -> str:
    """A distribution's name as the packaging standards compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse(requirement: str) -> tuple[str, frozenset[str], Any]:
    """A requirement's distribution, the extras it asks for and its environment marker."""
    from packaging.requirements import Requirement

    parsed = Requirement(requirement)
    return _canonical(parsed.name), frozenset(parsed.extras), parsed.marker


def _applies(marker: Any, extras: frozenset[str]) -> bool:
    """Whether a requirement with ``marker`` is needed here, given the extras asked for."""
    return marker is None or any(marker.evaluate({"extra": extra})
                                 for extra in (extras or {""}))


def cache_key(dataset_path: str | Path) -> str:
    """The key of a dataset's prepared tables: its files' bytes, the analysis code
    (:data:`ANALYSIS_CODE`) and the library versions; read without parsing the data."""
    digest = hashlib.sha256(json.dumps({"format": ENTRY_FORMAT, "versions": library_versions(),
                                        "code": code_fingerprint(ANALYSIS_CODE)},
                                       sort_keys=True).encode())
    for path in dataset_input_files(dataset_path):
        digest.update(path.name.encode())
        sha256_file(path, digest)
    return digest.hexdigest()[:20]


def inputs_key(dataset_path: str | Path) -> str:
    """The key of everything a report depends on besides its notebook: :func:`cache_key` and the
    whole package (words, figures, templates too); the batch uses it to tell which reports are
    up to date."""
    return sha256_text(cache_key(dataset_path) + code_fingerprint())[:20]


def entry_path(dataset_path: str | Path, key: str | None = None) -> Path:
    """The cache entry of a dataset's prepared tables (for ``key``, default its current key).

    Entries are named ``<dataset>-<key>.zip``, where ``<dataset>`` is a hash of the dataset
    folder's absolute path, so that a new entry can replace the same dataset's earlier ones.
    """
    key = cache_key(dataset_path) if key is None else key
    return PREPARED_DIR / f"{_dataset_slot(dataset_path)}-{key}.zip"


def is_prepared(dataset_path: str | Path) -> bool:
    """Whether the cache holds an entry for the dataset's current inputs (it may still turn out
    unreadable; :func:`load_prepared` then rebuilds it)."""
    return entry_path(dataset_path).is_file()


def _dataset_slot(dataset_path: str | Path) -> str:
    return sha256_text(str(Path(dataset_path).resolve()))[:12]
