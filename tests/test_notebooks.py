"""The committed notebooks follow the notebook anatomy: stripped, paired, literal parameters.

(Running them top to bottom is nbval's job: `pytest --nbval-lax notebooks/`, part of `make test`.)
"""

from __future__ import annotations

import ast
import subprocess

import jupytext
import nbformat
import pytest

from strapetsi_lib.config import NOTEBOOKS_DIR, PROJ_ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_the_report_notebooks_exist():
    names = {path.name for path in NOTEBOOKS}
    assert {"provider_report.ipynb", "explore.ipynb"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    committed = subprocess.run(["git", "show", f"HEAD:{path.relative_to(PROJ_ROOT)}"],
                               cwd=PROJ_ROOT, capture_output=True, text=True)
    if committed.returncode != 0:
        pytest.skip(f"{path.name} is not committed yet")
    nb = nbformat.reads(committed.stdout, as_version=4)
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs]
    assert with_outputs == []
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), "tags stripped"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_with_literals_only(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for statement in ast.parse(cells[0].source).body:
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        ast.literal_eval(statement.value)  # raises for anything derived


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_and_its_py_percent_pair_agree(path):
    paired = path.with_suffix(".py")
    assert paired.exists(), f"{path.name} has no jupytext py:percent pair"
    notebook = jupytext.read(path)
    script = jupytext.read(paired)
    assert [c.source for c in notebook.cells] == [c.source for c in script.cells]
    assert [c.cell_type for c in notebook.cells] == [c.cell_type for c in script.cells]
