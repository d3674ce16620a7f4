"""The Papermill engine that writes the executed notebook when execution ends."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook
from papermill.engines import papermill_engines

from strapetsi_lib.render import papermill_engine


def _manager(tmp_path, autosave: float = 30):
    nb = new_notebook(cells=[new_code_cell("1 + 1"), new_code_cell("2 + 2")])
    nb.metadata.papermill = {}
    target = tmp_path / "out.ipynb"
    manager = papermill_engine._QuietSaveManager(nb, output_path=str(target),
                                                 progress_bar=False,
                                                 autosave_cell_every=autosave)
    return manager, target


def test_notebook_is_written_once_when_execution_ends(tmp_path):
    manager, target = _manager(tmp_path)
    manager.notebook_start()
    for index, cell in enumerate(manager.nb.cells):
        manager.cell_start(cell, index)
        manager.cell_complete(cell, index)
        assert not target.exists(), "no write at a cell's start or end"
    manager.notebook_complete()
    written = nbformat.read(target, as_version=4)
    assert [c.metadata.papermill["status"] for c in written.cells] == ["completed"] * 2


def test_a_long_run_still_saves_when_a_save_is_overdue(tmp_path):
    manager, target = _manager(tmp_path, autosave=0)
    manager.notebook_start()
    manager.cell_start(manager.nb.cells[0], 0)
    assert nbformat.read(target, as_version=4).cells[0].metadata.papermill["status"] == "running"


def test_engine_is_registered_under_its_name():
    assert papermill_engine.register() == papermill_engine.ENGINE_NAME
    assert papermill_engines.get_engine(papermill_engine.ENGINE_NAME) is (
        papermill_engine.QuietSaveEngine)
