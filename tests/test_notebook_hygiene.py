"""Every notebook under notebooks/ is paired, and running one leaves git clean.

* A notebook created in ``notebooks/exploration/`` through jupytext's contents manager (the one
  JupyterLab uses when jupytext is installed) gets its ``py:percent`` pair from
  ``notebooks/jupytext.toml``.
* A committed notebook, executed and saved, goes through the git filter that ``make setup``
  configures (nbstripout with the Makefile's ``NBSTRIPOUT_EXTRA_KEYS``) back to its committed
  bytes, and JupyterLab's save tells git's index so (``strapetsi_lib/lab_hooks.py``), so
  ``git status`` stays clean.
"""

from __future__ import annotations

import asyncio
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


def _repository(folder: Path) -> Path:
    """A git repository holding the committed explore notebook, with the filter and attributes
    ``make setup`` configures."""
    folder.mkdir()
    command = git_filter_command()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                              text=True).stdout

    git("init", "-q")
    git("config", "user.email", "test@example.invalid")
    git("config", "user.name", "test")
    git("config", "filter.nbstripout.clean", shlex.join(command))
    git("config", "filter.nbstripout.smudge", "cat")
    shutil.copy(PROJ_ROOT / ".gitattributes", folder)
    shutil.copy(PROJ_ROOT / ".gitignore", folder)  # JupyterLab's checkpoints are ignored
    shutil.copy(NOTEBOOKS_DIR / "explore.ipynb", folder)
    git("add", ".")
    git("commit", "-q", "-m", "committed")
    return folder


def _status(folder: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout.strip("\n")


def _as_run(notebook: dict) -> dict:
    """The notebook as a run leaves it: outputs, counts, the kernel's language info."""
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            cell.execution_count = index + 1
            cell.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    return notebook


@pytest.mark.slow
def test_saving_a_run_notebook_in_jupyterlab_leaves_git_status_clean(tmp_path):
    """JupyterLab's contents manager, configured as ``make setup`` configures it, saves a run
    of the committed notebook: ``git status`` stays clean. A real edit stays modified, and
    unstaged."""
    from types import SimpleNamespace

    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

    from strapetsi_lib import lab_hooks

    # the server extension is enabled in this environment's Jupyter configuration (make setup)
    enabled = ExtensionConfigManager(read_config_path=jupyter_config_path())
    assert enabled.get_jpserver_extensions().get("strapetsi_lib.lab_hooks") is True
    repository = _repository(tmp_path / "repository")
    manager = AsyncLargeFileManager(root_dir=str(repository))
    committed = nbformat.read(repository / "explore.ipynb", as_version=4)
    run = _as_run(committed)

    def save() -> None:
        asyncio.run(manager.save({"type": "notebook", "format": "json", "content": run},
                                 "explore.ipynb"))

    save()  # without the hook: git's index makes the run look like a change
    assert "hello" in (repository / "explore.ipynb").read_text(encoding="utf-8")
    assert _status(repository) == " M explore.ipynb"
    lab_hooks._load_jupyter_server_extension(SimpleNamespace(contents_manager=manager))
    run.metadata["language_info"]["version"] = "3.11.10"  # saved again after another run
    save()
    assert _status(repository) == ""

    run.cells[-1].source += "\nprint('a real change')"
    save()
    assert _status(repository) == " M explore.ipynb"  # modified, not staged
