"""Writing and fingerprinting files: the one atomic writer and the one content hash of the project.

Every file the workbench writes (reports, executed notebooks, manifests, the index page, cached
tables, the demo dataset) goes through :func:`write_atomic`: the bytes go to a temporary file in
the target's folder, are flushed and fsynced, and the temporary file is renamed over the target.
Readers see the old file or the new one, never a part, and a failed write leaves no temporary
file behind. Files get the mode the user's umask gives new files (``mode`` narrows it, e.g.
``0o600`` for caches readable by the user only).

:func:`sha256_file` and :func:`sha256_text` are the project's content hashes (manifest inputs,
cache keys, fingerprints of runs). :func:`load_yaml` is how the workbench's own YAML files (the
instruments and the report texts) are read.

This module sits below every stage and imports nothing of the workbench.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20
#: Modes of what only the user who runs the workbench may read (the coordinator's files: the
#: index, the run's working files, a report that names providers), whatever the umask.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def umask() -> int:
    """The process umask (the permission bits new files do not get)."""
    # os.umask can only be read by setting it; set it back at once.
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_atomic(target: str | os.PathLike, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``target`` atomically and durably.

    Parameters
    ----------
    target
        The file to create or replace; its folder must exist.
    data
        Text (written as UTF-8 with ``\\n`` line ends) or bytes.
    mode
        Permission bits to apply on top of the user's umask (default ``0o666``, i.e. what
        ``open()`` would give a new file).

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OSError
        When the folder cannot be written (read-only, full, missing); no temporary file is left.
    """
    target = Path(target)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, (0o666 if mode is None else mode) & ~umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(target.parent)
    return target


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def json_text(value: Any, *, levels: int = 2, sort_keys: bool = False, **options: Any) -> str:
    """``value`` as JSON, its first ``levels`` levels of objects and arrays one member a line
    (indented one space a level), anything deeper on one line.

    A run record of records reads as with ``json.dumps(indent=1)``, a record a line, and is
    written by :mod:`json`'s C encoder: any ``indent`` makes :mod:`json` use its pure-Python
    encoder, ten times slower, and the run's records are rewritten after every report.
    ``options`` go to :func:`json.dumps` (``ensure_ascii``, ``default``).
    """
    def text(item: Any, depth: int) -> str:
        pad, inner = " " * depth, " " * (depth + 1)
        if depth < levels and isinstance(item, dict) and item:
            keys = sorted(item) if sort_keys else list(item)
            return "{\n" + ",\n".join(f"{inner}{json.dumps(str(key), **options)}: "
                                        f"{text(item[key], depth + 1)}" for key in keys) + \
                f"\n{pad}}}"
        if depth < levels and isinstance(item, list) and item:
            return "[\n" + ",\n".join(inner + text(member, depth + 1) for member in item) + \
                f"\n{pad}]"
        return json.dumps(item, sort_keys=sort_keys, **options)

    return text(value, 0)


def portable_path(path: str | os.PathLike, base: str | os.PathLike) -> str:
    """``path`` as it may be written into a file a run keeps: relative to ``base`` when inside
    it, else only its last part. An absolute path would name the user's folders (and often
    the user), and would be wrong on any other machine.
    """
    path, base = Path(path).resolve(), Path(base).resolve()
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return path.name


def sha256_file(path: str | os.PathLike, digest: hashlib._Hash | None = None) -> str:
    """The sha256 of a file's bytes (hex); with ``digest``, feed the bytes into it instead."""
    own = digest is None
    digest = hashlib.sha256() if own else digest
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_yaml(text: str) -> Any:
    """Parse YAML safely, with libyaml's C loader when PyYAML has it (about ten times faster:
    a run with nothing to do still reads the instrument, and the index page every text file).

    Raises
    ------
    yaml.YAMLError
        When ``text`` is not valid YAML.
    """
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
