"""Every notebook under notebooks/ is paired, and running one leaves git clean.

* A notebook created in ``notebooks/exploration/`` through jupytext's contents manager (the one
  JupyterLab uses when jupytext is installed) gets its ``py:percent`` pair from
  ``notebooks/jupytext.toml``.
* A committed notebook, executed and saved, goes through the git filter that ``make setup``
  configures (nbstripout with the Makefile's ``NBSTRIPOUT_EXTRA_KEYS``) back to its committed
  bytes, so ``git status`` stays clean.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from strapetsi_lib.config import NOTEBOOKS_DIR, PROJ_ROOT

MAKEFILE = PROJ_ROOT / "Makefile"


def git_filter_command() -> list[str]:
    """The nbstripout command ``make setup`` installs as the git clean filter, as a list."""
    text = MAKEFILE.read_text(encoding="utf-8")
    keys = re.search(r"^NBSTRIPOUT_EXTRA_KEYS\s*:=\s*(.*)$", text, re.MULTILINE)
    clean = re.search(r'filter\.nbstripout\.clean\s+"[^"]*/nbstripout([^"]*)"', text)
    assert keys and clean, "the Makefile no longer configures the nbstripout filter"
    nbstripout = Path(sys.executable).with_name("nbstripout")
    return [str(nbstripout), *shlex.split(clean.group(1)), "--extra-keys", keys.group(1).strip()]


def test_a_new_notebook_in_exploration_gets_its_py_pair():
    import jupytext

    manager = jupytext.TextFileContentsManager(root_dir=str(PROJ_ROOT))
    folder = NOTEBOOKS_DIR / "exploration"
    name = f"test-pairing-{uuid.uuid4().hex[:8]}"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 42")])
    try:
        manager.save({"type": "notebook", "format": "json", "content": notebook},
                     f"notebooks/exploration/{name}.ipynb")
        pair = folder / f"{name}.py"
        assert pair.is_file()
        text = pair.read_text(encoding="utf-8")
        assert "format_name: percent" in text
        assert "# %%\nanswer = 42" in text
        # and the pair is read back as the same notebook
        assert jupytext.read(pair).cells[0].source == "answer = 42"
    finally:
        for path in folder.glob(f"{name}.*"):
            path.unlink()
        shutil.rmtree(folder / ".ipynb_checkpoints", ignore_errors=True)


@pytest.mark.slow
def test_the_filter_strips_run_metadata_it_must():
    """Fast check of the filter on a notebook carrying what a run adds (without a kernel)."""
    committed = (NOTEBOOKS_DIR / "explore.ipynb").read_bytes()
    notebook = nbformat.reads(committed.decode("utf-8"), as_version=4)
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    notebook.metadata["papermill"] = {"duration": 1.5}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            cell.execution_count = index + 1
            cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
            cell.metadata["trusted"] = True
            cell.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    stripped = subprocess.run(git_filter_command(), input=nbformat.writes(notebook).encode(),
                              capture_output=True, check=True).stdout
    assert stripped == committed


@pytest.mark.slow
def test_running_and_saving_a_committed_notebook_leaves_git_clean(tmp_path):
    from nbclient import NotebookClient

    committed = (NOTEBOOKS_DIR / "explore.ipynb").read_bytes()
    notebook = nbformat.reads(committed.decode("utf-8"), as_version=4)
    NotebookClient(notebook, kernel_name="strapetsi", timeout=300, record_timing=True,
                   resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    executed = tmp_path / "explore.ipynb"
    nbformat.write(notebook, executed)  # what saving in JupyterLab writes
    assert "language_info" in notebook.metadata  # the run really changed the file
    assert executed.read_bytes() != committed
    stripped = subprocess.run(git_filter_command(), input=executed.read_bytes(),
                              capture_output=True, check=True, cwd=tmp_path).stdout
    assert stripped == committed
