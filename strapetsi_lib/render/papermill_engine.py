"""A Papermill engine that writes the executed notebook when it ends, not at every cell.

Papermill's own engine writes (and validates) the whole output notebook when each cell starts
and again when it ends: about thirty writes of the notebook, figures included, for a report of
fifteen cells, where one is read. This engine runs the cells the same way (the same nbclient
client, the same metadata, the same errors) and writes the notebook:

* when execution stops on a time-out or a dead kernel (so the failed notebook that locates the
  error is there, as before); when the cells ran, also when one failed, Papermill writes the
  notebook itself right after the engine returns, so the engine does not write it first, and
* during a long run, at most every ``autosave_cell_every`` seconds (Papermill's own setting), so
  a notebook stopped from outside still leaves a recent partial notebook.

As each cell starts it writes which cell that is to a small file beside the notebook
(:func:`running_marker`), so that a report stopped from outside (a time-out, a kill) still names
the cell it was running (:func:`strapetsi_lib.render.export.running_cell`).
"""

from __future__ import annotations

import json
from pathlib import Path

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

__all__ = ["ENGINE_NAME", "QuietSaveEngine", "register", "running_marker"]

#: The name the engine is registered under (``papermill.execute_notebook(engine_name=...)``).
ENGINE_NAME = "strapetsi"


class _QuietSaveManager(NotebookExecutionManager):
    """Papermill's execution state, saving only when it ends or when a save is overdue."""

    _finished = False

    def save(self, **kwargs):  # noqa: D102 - see the module docstring
        if kwargs.get("nb") is not None:
            self.nb = kwargs["nb"]
        overdue = (self.now() - self.last_save_time).total_seconds() >= self.autosave_cell_every
        if self._finished or overdue:
            super().save()

    def cell_start(self, cell, cell_index=None, **kwargs):  # noqa: D102 - see the module docstring
        super().cell_start(cell, cell_index=cell_index, **kwargs)
        if self.output_path and cell_index is not None:
            from strapetsi_lib.render.export import describe_cell

            where = describe_cell(self.nb.cells, cell_index)
            # a transient note in the work folder, not a result: a plain write is enough
            running_marker(Path(self.output_path)).write_text(json.dumps(where),
                                                              encoding="utf-8")

    def notebook_complete(self, save=True, **kwargs):  # noqa: D102 - see the module docstring
        super().notebook_complete(**kwargs)
        self._finished = True
        if save:
            self.save()


def running_marker(executed: Path) -> Path:
    """The file beside an executing notebook that names the cell it is running."""
    return executed.with_name(executed.name + ".running")


class QuietSaveEngine(NBClientEngine):
    """Papermill's nbclient engine with :class:`_QuietSaveManager` (see the module docstring)."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                         log_output=False, autosave_cell_every=30, **kwargs):
        """As :meth:`papermill.engines.Engine.execute_notebook`, with fewer writes."""
        nb_man = _QuietSaveManager(nb, output_path=output_path, progress_bar=progress_bar,
                                   log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        except BaseException:
            nb_man.notebook_complete()  # Papermill writes nothing when the engine raises
            raise
        # The cells ran (one may have failed): papermill.execute_notebook writes the notebook
        # next, with its error marker if a cell failed. (Papermill's notebook_complete also
        # closes the progress bar.)
        nb_man.notebook_complete(save=False)
        return nb_man.nb


def register() -> str:
    """Register the engine with Papermill (idempotent); return its name."""
    papermill_engines.register(ENGINE_NAME, QuietSaveEngine)
    return ENGINE_NAME
