"""The run folder itself: creating it, its lock, leftovers of killed runs, the kept logs.

Every fault of the folder (missing parent, read-only, full) becomes one
:class:`~strapetsi_lib.errors.OutputFolderError` that names the folder and what to do. The lock
is ``_work/run.lock`` in the folder (:mod:`filelock`: fcntl on POSIX, msvcrt on Windows), so two
runs into one folder exclude each other whichever installation they come from. The layout is
in :mod:`strapetsi_lib.batch.layout`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from strapetsi_lib.batch import layout
from strapetsi_lib.config import PROJ_ROOT
from strapetsi_lib.errors import OutputFolderError, StrapetsiError
from strapetsi_lib.files import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE


class FolderBusy(StrapetsiError):
    """Another run holds the run folder's lock."""


def make_out_dir(out_dir: Path, given: bool) -> None:
    """Create the run folder and its working folder, or say in one line why it cannot be.

    A folder given with ``--out`` must have an existing parent (a typo must not create a tree
    of folders); the default ``reports/<dataset>`` is created with its parents.

    Raises
    ------
    OutputFolderError
        When the folder cannot be created or written.
    """
    if given and not out_dir.parent.is_dir():
        raise OutputFolderError(str(out_dir), f"its parent folder {out_dir.parent} does not "
                                "exist", "create it, or choose another folder with --out")
    refuse_links(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder in layout.PRIVATE_DIRS:
            private_folder(out_dir / folder)
    except OSError as exc:
        raise OutputFolderError.from_os_error(out_dir, exc) from exc


def refuse_links(out_dir: Path) -> None:
    """Stop a run whose folder holds a symbolic link where the run writes.

    A link planted as ``_work`` (or as its folders, the manifest, the lock, the published
    counts or the index) would make the run write the manifest, the executed notebooks naming
    the provider, the logs or the lock wherever it points, or read a planted record. Files
    swapped in by rename replace a link rather than follow it, but nothing a run writes by name
    is meant to be a link, so any is refused.

    Raises
    ------
    OutputFolderError
        Naming the link and where it points.
    """
    for name in layout.WRITTEN:
        path = out_dir / name
        if path.is_symlink():
            raise OutputFolderError(str(out_dir), f"{name} in it is a symbolic link (to "
                                    f"{os.readlink(path)}), and a run never writes through one",
                                    f"remove {path}, or choose another folder with --out")


def private_folder(folder: Path) -> None:
    """Create ``folder`` (its parent exists) readable by the user only (``0700``), whatever
    the umask, and make an existing one so: the run's working files name every provider."""
    folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise OSError(errno.ENOTDIR, "not a folder", str(folder))
    os.chmod(folder, PRIVATE_DIR_MODE)


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the run folder's lock (``_work/run.lock``): two runs, from any installation, must
    not swap files in one folder at once. :mod:`filelock` is portable (fcntl on POSIX, msvcrt
    on Windows), and the lock is released when the process ends, however it ends."""
    from filelock import FileLock, Timeout

    refuse_links(out_dir)  # the lock file is opened, and created, where a link points
    lock = FileLock(str(out_dir / layout.LOCK_FILE), timeout=0,
                    mode=PRIVATE_FILE_MODE)
    try:
        lock.acquire()
    except Timeout:
        raise FolderBusy(f"another run is writing to {out_dir}; wait for it to end") from None
    except OSError as exc:
        raise OutputFolderError.from_os_error(out_dir, exc) from exc
    try:
        yield
    finally:
        lock.release()


def remove_leftovers(out_dir: Path, stems: list[str]) -> None:
    """Remove what a killed run may have left: hidden work folders and temporary files.

    Reports are written beside their final names and renamed into place, so a killed run
    leaves only these hidden entries, never a half-written report.
    """
    folders = {out_dir: [*stems, layout.INDEX_FILE],
               out_dir / layout.NOTEBOOKS_DIR: stems,
               out_dir / layout.WORK_DIR: [Path(layout.MANIFEST_FILE).name]}
    for folder, names in folders.items():
        for name in names:
            for leftover in folder.glob(f".{name}.*"):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        leftover.unlink()


def keep_logs(logs: Path, target: Path, replacements: dict[str, str]) -> None:
    """Copy the workers' logs into the run folder, with the user's and the machine's paths
    replaced by placeholders (libraries print absolute paths in their warnings)."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(replacements, key=len,
                                                                 reverse=True)))
    host = socket.gethostname()
    if target.is_symlink():  # removed, never followed (rmtree refuses a link)
        target.unlink()
    shutil.rmtree(target, ignore_errors=True)
    private_folder(target)
    for log in sorted(logs.glob("*.log")):
        text = pattern.sub(lambda m: replacements[m.group(0)],
                           log.read_text(encoding="utf-8", errors="replace"))
        if host:  # as a word: a short host name may be part of other words
            text = re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", "<host>", text)
        (target / log.name).write_text(text, encoding="utf-8")


def path_placeholders(dataset: Path, out_dir: Path) -> dict[str, str]:
    """Absolute paths a log may contain, and what replaces each."""
    places = {sys.prefix: "<python>", sys.base_prefix: "<python>", str(PROJ_ROOT): "<project>",
              str(dataset): "<dataset>", str(out_dir): "<run folder>",
              tempfile.gettempdir(): "<tmp>", str(Path.home()): "~"}
    return {path: name for path, name in places.items() if path and path != os.sep}
