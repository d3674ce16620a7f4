"""A Papermill engine that writes the executed notebook when it ends, not at every cell.

Papermill's own engine writes (and validates) the whole output notebook when each cell starts
and again when it ends: about thirty writes of the notebook, figures included, for a report of
fifteen cells, where one is read. The report is executed with Papermill's
``request_save_on_cell_execute=False`` instead, so Papermill writes the notebook once, when it
has run (with its error marker if a cell failed), and this engine, through Papermill's
documented engine hook ``execute_managed_notebook`` and nbclient's documented ``on_cell_start``
hook, writes the notebook only:

* when execution stops on a time-out or a dead kernel (so the failed notebook that locates the
  error is there), and
* during a long run, at most every :data:`AUTOSAVE_EVERY` seconds, so a notebook stopped from
  outside still leaves a recent partial notebook.

As each cell starts it writes which cell that is to a small file beside the notebook
(:func:`running_marker`), so that a report stopped from outside (a time-out, a kill) still names
the cell it was running (:func:`strapetsi_lib.render.export.running_cell`).

It runs the cells as Papermill's nbclient engine does (the same client, metadata and errors);
the engine learns where the notebook goes from its own argument ``partial_notebook``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from papermill.engines import NBClientEngine, papermill_engines
from papermill.iorw import write_ipynb

__all__ = ["AUTOSAVE_EVERY", "ENGINE_NAME", "QuietSaveEngine", "register", "running_marker"]

#: The name the engine is registered under (``papermill.execute_notebook(engine_name=...)``).
ENGINE_NAME = "strapetsi"
#: Seconds between two writes of a notebook still running (Papermill's own default).
AUTOSAVE_EVERY = 30.0


def running_marker(executed: Path) -> Path:
    """The file beside an executing notebook that names the cell it is running."""
    return executed.with_name(executed.name + ".running")


class QuietSaveEngine(NBClientEngine):
    """Papermill's nbclient engine writing the notebook only where the module docstring says."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, partial_notebook=None,
                                 autosave_every=None, **kwargs):
        """Run the cells as :class:`papermill.engines.NBClientEngine` does.

        Parameters
        ----------
        nb_man
            Papermill's execution manager (the notebook and its metadata).
        kernel_name
            The kernel to start.
        partial_notebook
            Where a notebook stopped by a time-out or a dead kernel, or running for longer than
            ``autosave_every`` seconds, is written, with the running cell's note beside it;
            ``None`` writes nothing.
        autosave_every
            Seconds between two writes of a notebook still running (default
            :data:`AUTOSAVE_EVERY`).
        **kwargs
            Papermill's and nbclient's options, as for ``NBClientEngine``.
        """
        from strapetsi_lib.render.export import describe_cell

        target = Path(partial_notebook) if partial_notebook else None
        every = AUTOSAVE_EVERY if autosave_every is None else autosave_every
        saved = time.monotonic()
        note = _RunningNote(running_marker(target)) if target is not None else None

        def on_cell_start(cell, cell_index):
            nonlocal saved
            if note is None:
                return
            note.write(describe_cell(nb_man.nb.cells, cell_index))
            if time.monotonic() - saved >= every:
                write_ipynb(nb_man.nb, str(target))
                saved = time.monotonic()

        try:
            return super().execute_managed_notebook(nb_man, kernel_name,
                                                    on_cell_start=on_cell_start, **kwargs)
        except BaseException:
            # Papermill writes nothing when the engine raises: keep the notebook that locates
            # the error (a time-out, a dead kernel).
            if target is not None:
                write_ipynb(nb_man.nb, str(target))
            raise
        finally:
            if note is not None:
                note.close()


class _RunningNote:
    """The running cell's note (:func:`running_marker`), rewritten in place as each cell starts.

    A transient note in the work folder, not a result: the file is opened once and each cell's
    note written over the last from its start, padded with spaces to the longest note so far
    (JSON ignores them). Creating and truncating the file for every cell cost a report some
    twenty file-system round trips while its kernel waited.
    """

    def __init__(self, path: Path):
        self.path, self.fd, self.size = path, None, 0

    def write(self, where: dict) -> None:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        data = json.dumps(where).encode("utf-8")
        os.pwrite(self.fd, data.ljust(self.size), 0)
        self.size = max(self.size, len(data))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def register() -> str:
    """Register the engine with Papermill (idempotent); return its name."""
    papermill_engines.register(ENGINE_NAME, QuietSaveEngine)
    return ENGINE_NAME
