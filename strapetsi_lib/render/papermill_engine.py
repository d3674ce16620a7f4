"""A Papermill engine that writes the executed notebook when it ends, not at every cell.

Papermill's own engine writes (and validates) the whole output notebook when each cell starts
and again when it ends: about thirty writes of the notebook, figures included, for a report of
fifteen cells, where one is read. This engine runs the cells the same way (the same nbclient
client, the same metadata, the same errors) and writes the notebook:

* when execution ends, also when a cell fails, times out or the kernel dies (so the failed
  notebook that locates the error is there, as before), and
* during a long run, at most every ``autosave_cell_every`` seconds (Papermill's own setting), so
  a notebook stopped from outside still leaves a recent partial notebook.

Papermill itself writes the final notebook once more after the engine returns.
"""

from __future__ import annotations

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

__all__ = ["ENGINE_NAME", "QuietSaveEngine", "register"]

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

    def notebook_complete(self, **kwargs):  # noqa: D102 - runs also when execution failed
        super().notebook_complete(**kwargs)
        self._finished = True
        self.save()


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
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


def register() -> str:
    """Register the engine with Papermill (idempotent); return its name."""
    papermill_engines.register(ENGINE_NAME, QuietSaveEngine)
    return ENGINE_NAME
