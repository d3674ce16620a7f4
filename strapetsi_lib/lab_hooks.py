"""JupyterLab's save, kept in step with git: a committed notebook that is only run stays unchanged.

In: a notebook file JupyterLab has just saved. Out: git's index up to date with it, when what
git would store of it (after the ``nbstripout`` clean filter ``make setup`` configures) is what
is committed.

Running a notebook changes its file (outputs, execution counts, the kernel's language info) but
not what git stores of it: the clean filter takes all that out again. Yet ``git status`` lists
the notebook as modified, because git trusts its index: when a tracked file's size differs from
the size recorded there, git calls it modified without running the filter (``git diff``, which
does run it, then shows nothing). :func:`refresh_git_index` is a Jupyter post-save hook: after
each save of a tracked notebook it asks git for the file's stored form, and when that is the
committed blob it records the file's new size and time in the index (``git update-index``). A
notebook whose cells were really changed is left alone, unstaged.

This module is a Jupyter server extension that registers the hook
(``ContentsManager.register_post_save_hook``, beside any hook of the user's); ``make setup``
enables it in the virtual environment's Jupyter configuration
(``jupyter_server_config.d/strapetsi.json``).

Only the standard library and the ``git`` command: the hook runs inside the Jupyter server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

#: Seconds a git command may take before the hook gives up (a save never waits longer).
GIT_TIMEOUT = 20.0


def _git(folder: Path, *args: str) -> str | None:
    """The output of ``git ARGS`` run in ``folder``; ``None`` when git fails or is missing."""
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def unchanged_for_git(notebook: Path) -> bool:
    """Whether git would store ``notebook`` exactly as its index holds it: the file is tracked
    and its filtered content is the indexed blob."""
    notebook = Path(notebook).resolve()
    folder = notebook.parent
    indexed = _git(folder, "ls-files", "--stage", "--", notebook.name)
    if not indexed:  # untracked, or not in a repository
        return False
    blob = indexed.split()[1]
    stored = _git(folder, "hash-object", "--path", notebook.name, "--", notebook.name)
    return stored is not None and stored.strip() == blob


def refresh_git_index(model: dict[str, Any] | None = None, os_path: str = "",
                      contents_manager: Any = None, **_: Any) -> bool:
    """Jupyter's post-save hook: record a saved notebook as unchanged in git's index when git
    would store it as it stands there (see the module docstring).

    Parameters
    ----------
    model
        Jupyter's model of the saved file; only notebooks are looked at.
    os_path
        The saved file.
    contents_manager
        The Jupyter contents manager that saved it (unused).

    Returns
    -------
    bool
        Whether the index was refreshed.
    """
    if (model or {}).get("type") != "notebook" or not os_path:
        return False
    notebook = Path(os_path)
    if not unchanged_for_git(notebook):
        return False
    return _git(notebook.resolve().parent, "update-index", "-q", "--",
                notebook.name) is not None


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """This module as a Jupyter server extension (Jupyter's documented entry point)."""
    return [{"module": "strapetsi_lib.lab_hooks"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register :func:`refresh_git_index` with the server's contents manager."""
    serverapp.contents_manager.register_post_save_hook(refresh_git_index)
