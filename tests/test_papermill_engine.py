"""The Papermill engine writes the executed notebook when execution ends, not at every cell."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from papermill.engines import papermill_engines

from strapetsi_lib.errors import ReportError
from strapetsi_lib.render import export, papermill_engine


def test_engine_is_registered_under_its_name():
    assert papermill_engine.register() == papermill_engine.ENGINE_NAME
    assert papermill_engines.get_engine(papermill_engine.ENGINE_NAME) is (
        papermill_engine.QuietSaveEngine)


def _notebook(path, *sources):
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "strapetsi", "language": "python",
                                 "display_name": "Python"}
    nbformat.write(nb, path)
    return path


def test_the_running_note_reads_as_the_last_cell_written_over_longer_ones(tmp_path):
    note = papermill_engine._RunningNote(tmp_path / "nb.ipynb.running")
    note.write({"cell_index": 12, "cell": "12: show_heading(text('a long first line', lang))"})
    note.write({"cell_index": 3, "cell": "3: x = 1"})
    note.close()
    assert export.running_cell(tmp_path / "nb.ipynb") == (3, "3: x = 1")


@pytest.mark.slow
def test_the_notebook_is_written_once_when_the_cells_ran(tmp_path, monkeypatch):
    writes = []
    write = papermill_engine.write_ipynb
    monkeypatch.setattr("papermill.execute.write_ipynb",
                        lambda nb, path: (writes.append(path), write(nb, path)))
    monkeypatch.setattr(papermill_engine, "write_ipynb",
                        lambda nb, path: (writes.append(path), write(nb, path)))
    source = _notebook(tmp_path / "nb.ipynb", "x = 1", "y = x + 1", "print(y)")
    out = tmp_path / "out.ipynb"
    export.execute_notebook(source, out, {"x": 2})
    assert writes == [str(out)]
    assert [c.metadata.papermill["status"] for c in nbformat.read(out, 4).cells] == \
        ["completed"] * 4  # the three cells and the injected parameters
    marker = json.loads(papermill_engine.running_marker(out).read_text(encoding="utf-8"))
    assert marker["cell_index"] == 2  # the last cell started


@pytest.mark.slow
def test_a_stopped_notebook_is_kept_naming_the_running_cell(tmp_path):
    source = _notebook(tmp_path / "nb.ipynb", "x = 1", "print('before')",
                       "import time\ntime.sleep(60)")
    out = tmp_path / "out.ipynb"
    with pytest.raises(ReportError) as raised:
        export.execute_notebook(source, out, {}, timeout=2)
    assert raised.value.cell_index == 2
    kept = nbformat.read(out, 4)  # written by the engine, with the outputs so far
    printed = next(cell for cell in kept.cells if cell.source == "print('before')")
    assert printed.outputs[0].text == "before\n"
    assert export.running_cell(out)[0] == 2


@pytest.mark.slow
def test_a_long_run_still_saves_when_a_save_is_overdue(tmp_path, monkeypatch):
    monkeypatch.setattr(papermill_engine, "AUTOSAVE_EVERY", 0.0)
    source = _notebook(tmp_path / "nb.ipynb", "x = 1", "open('seen', 'w').write("
                       f"open({str(tmp_path / 'out.ipynb')!r}).read())")
    out = tmp_path / "out.ipynb"
    export.execute_notebook(source, out, {}, cwd=tmp_path)
    seen = nbformat.reads((tmp_path / "seen").read_text(encoding="utf-8"), 4)
    # the notebook as written when the last cell started: it was running, not yet done
    assert seen.cells[-1].metadata.papermill["status"] == "running"
