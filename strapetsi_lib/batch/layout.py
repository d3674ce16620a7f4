"""Where a run puts its files: what is for sharing apart from the run's working files.

A run folder (``reports/<dataset>/`` or ``--out``) holds::

    index.html               the coordinator's page: every report, failures first, code key
    network.html             the network report (coordinator)
    provider_<id>.html       one report per provider: the file to send to that provider
    provider_<id>.pdf        the same report printed (with ``--pdf``)
    _work/                   the run's working files, never to be sent to a provider:
        manifest.json        the record of the run (inputs, hashes, parameters, versions)
        run.lock             held while a run writes into the folder
        published.json       what each published report published (the rule across versions)
        notebooks/           executed notebooks (<stem>.ipynb, <stem>.failed.ipynb)
        logs/                the workers' and kernels' messages of the last run

The HTML reports are the only files meant for providers; ``index.html`` names every provider
and gives the key to the network report's codes, so it stays with the coordinator. Everything
under ``_work/`` is for the researcher who runs the batch (README: "Runs and outputs"). The
coordinator's files are created readable by the user only (``0600``, folders ``0700``) whatever
the umask, and no path a run writes by name may be a symbolic link
(:func:`strapetsi_lib.batch.run_folder.refuse_links`).
"""

from __future__ import annotations

from pathlib import Path

WORK_DIR = "_work"
NOTEBOOKS_DIR = f"{WORK_DIR}/notebooks"
LOGS_DIR = f"{WORK_DIR}/logs"
MANIFEST_FILE = f"{WORK_DIR}/manifest.json"
LOCK_FILE = f"{WORK_DIR}/run.lock"
#: What each published report published, for the rule across versions (batch/publication.py).
PUBLISHED_FILE = f"{WORK_DIR}/published.json"
INDEX_FILE = "index.html"
#: Folders of the run's working files, in the order they are made; each readable by the user
#: only, whatever the umask (``_work`` names every provider; the notebooks their parameters).
PRIVATE_DIRS = (WORK_DIR, NOTEBOOKS_DIR, LOGS_DIR)
#: What a run writes into the run folder by fixed name; none may be a symbolic link.
WRITTEN = (*PRIVATE_DIRS, MANIFEST_FILE, LOCK_FILE, PUBLISHED_FILE, INDEX_FILE)


def html_name(stem: str) -> str:
    """A report's HTML file, relative to the run folder."""
    return f"{stem}.html"


def pdf_name(stem: str) -> str:
    """A report's PDF (``strapetsi run --pdf``), beside its HTML, relative to the run folder."""
    return f"{stem}.pdf"


def notebook_name(stem: str) -> str:
    """A report's executed notebook, relative to the run folder."""
    return f"{NOTEBOOKS_DIR}/{stem}.ipynb"


def failed_notebook_name(stem: str) -> str:
    """The executed notebook of a report's failed attempt, relative to the run folder."""
    return f"{NOTEBOOKS_DIR}/{stem}.failed.ipynb"


def fence_name(stem: str, token: str) -> str:
    """The mark a Dask run leaves once it has recorded a report (a repeated task then writes
    nothing; :class:`~strapetsi_lib.batch.tasks.ReportTask`), relative to the run folder. Hidden
    and named after the report, so the run's clean-up removes it with the report's leftovers."""
    return f"{NOTEBOOKS_DIR}/.{stem}.{token}.recorded"


def manifest_path(out_dir: Path) -> Path:
    """The run folder's manifest."""
    return Path(out_dir) / MANIFEST_FILE
