"""Settings: the project folder, where package data lives, and the constants every stage shares.

Where things are written (see docs/architecture.md §3). The *project folder* holds what the
workbench writes by default, ``reports/`` and ``.cache/``. It is, in this order:

1. ``$STRAPETSI_HOME``, when set;
2. the source checkout, when the package runs from one (the package's parent folder holds the
   project's ``pyproject.toml``: ``make``, ``pip install -e .``, ``PYTHONPATH=checkout``);
3. the current working directory (an installed wheel).

The first process that imports this module decides, and puts its answer into ``STRAPETSI_HOME``
so that the processes it starts (report kernels, workers, whose working directory Papermill and
Jupyter choose) use the same folder and therefore the same cache. Nothing is ever written inside
an installed package. ``strapetsi run --out`` writes a run elsewhere.

Package data (instruments, texts, templates) is read from the package. The report notebooks are
read from the checkout's ``notebooks/`` when there is one (analysts edit them there), otherwise
from the copies the wheel carries in ``strapetsi_lib/notebooks/``.
"""

from __future__ import annotations

import os
import platform
import tomllib
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

#: The environment variable that names the project folder.
HOME_VARIABLE = "STRAPETSI_HOME"
#: The distribution name in the checkout's pyproject.toml.
DISTRIBUTION = "strapetsi-workbench"

PACKAGE_DIR = Path(__file__).resolve().parent


def source_checkout(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source checkout the package runs from, or ``None`` for an installed package.

    A checkout is the package's parent folder when it holds this project's ``pyproject.toml``;
    an installed package's parent is ``site-packages``, which holds none.
    """
    pyproject = package_dir.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        return None
    return package_dir.parent if project.get("name") == DISTRIBUTION else None


def project_folder(environ: Mapping[str, str] = os.environ,
                   package_dir: Path = PACKAGE_DIR) -> Path:
    """The project folder: ``$STRAPETSI_HOME``, else the source checkout, else the working
    directory (see the module docstring)."""
    named = environ.get(HOME_VARIABLE)
    if named:
        return Path(named).expanduser().resolve()
    return source_checkout(package_dir) or Path.cwd().resolve()


CHECKOUT = source_checkout()
PROJ_ROOT = project_folder()
# Children (kernels, workers) must agree with this process whatever their working directory.
os.environ.setdefault(HOME_VARIABLE, str(PROJ_ROOT))

DATA_DIR = PROJ_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
REPORTS_DIR = PROJ_ROOT / "reports"
CACHE_DIR = PROJ_ROOT / ".cache"

INSTRUMENTS_DIR = PACKAGE_DIR / "instruments"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
#: The report notebooks: the checkout's own when there is one, else the wheel's copies.
NOTEBOOKS_DIR = (CHECKOUT / "notebooks" if CHECKOUT and (CHECKOUT / "notebooks").is_dir()
                 else PACKAGE_DIR / "notebooks")
PROVIDER_NOTEBOOK = NOTEBOOKS_DIR / "provider_report.ipynb"
NETWORK_NOTEBOOK = NOTEBOOKS_DIR / "network_report.ipynb"

KERNEL_NAME = "strapetsi"
LANGUAGES = ("fi", "sv", "en")
REPORT_LANGUAGES = ("fi", "sv", "en")
#: The languages' names in the workbench's own (English) messages.
LANGUAGE_NAMES = {"fi": "Finnish", "sv": "Swedish", "en": "English"}
#: Codes written for a language by mistake, often a country's or ISO 639-2's, and the
#: language code meant (Sweden's ``se`` for Swedish ``sv``).
LANGUAGE_CODE_SLIPS = {"se": "sv", "swe": "sv", "fin": "fi", "eng": "en", "gb": "en",
                       "uk": "en", "us": "en"}


def language_list(codes) -> str:
    """``Finnish, Swedish or English`` for the codes given, in the order given."""
    names = [LANGUAGE_NAMES.get(code, code) for code in codes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"

#: Smallest group whose figures may be shown, the rule of the national Arvo feedback system.
DEFAULT_MIN_GROUP_SIZE = 5


def resolve_dataset(ref: str | Path) -> Path:
    """A dataset folder given as a notebook parameter: relative paths are from the project folder.

    Notebooks run with whatever working directory Jupyter or Papermill gives them, so a relative
    path there (the notebooks' default ``data/demo``) means relative to the project folder
    (:data:`PROJ_ROOT`), never to the working directory. The command line passes absolute paths.

    Parameters
    ----------
    ref
        A folder path; ``~`` is expanded.

    Returns
    -------
    Path
        ``ref`` itself when absolute, else ``PROJ_ROOT / ref``.
    """
    path = Path(ref).expanduser()
    return path if path.is_absolute() else PROJ_ROOT / path


def installed_versions(distributions: Iterable[str]) -> dict[str, str | None]:
    """Python's version and those of ``distributions`` (``None`` when one is not installed).

    Read from the installed metadata, without importing anything: what run manifests record
    (the keys read every library's: :func:`strapetsi_lib.cache_keys.library_versions`).
    """
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in distributions:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
