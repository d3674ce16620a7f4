"""Project paths and defaults, resolved from this file and never from the working directory."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJ_ROOT = PACKAGE_DIR.parent

DATA_DIR = PROJ_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
REPORTS_DIR = PROJ_ROOT / "reports"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
CACHE_DIR = PROJ_ROOT / ".cache"
INSTRUMENTS_DIR = PACKAGE_DIR / "instruments"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

PROVIDER_NOTEBOOK = NOTEBOOKS_DIR / "provider_report.ipynb"
NETWORK_NOTEBOOK = NOTEBOOKS_DIR / "network_report.ipynb"

KERNEL_NAME = "strapetsi"
LANGUAGES = ("fi", "sv", "en")
REPORT_LANGUAGES = ("fi", "sv", "en")
ROLES = ("leader", "teacher", "support", "other")
THEMES = ("pedagogy", "quality", "competence", "future")

#: Smallest group whose figures may be shown, the rule of the national Arvo feedback system.
DEFAULT_MIN_GROUP_SIZE = 5


def resolve_dataset(ref: str | Path) -> Path:
    """A dataset folder given as a notebook parameter: relative paths are from the project root.

    Notebooks run with whatever working directory Jupyter or Papermill gives them, so a relative
    path there means relative to the project, never to the working directory. The CLI passes
    absolute paths.
    """
    path = Path(ref).expanduser()
    return path if path.is_absolute() else PROJ_ROOT / path
