"""Build step that ships the report notebooks inside the wheel (all other settings: pyproject.toml).

The notebooks stay where analysts open them, in ``notebooks/`` at the top of the checkout; the
wheel carries a copy of each ``notebooks/*.ipynb`` as package data in ``strapetsi_lib/notebooks/``,
which :mod:`strapetsi_lib.config` uses when the package is installed rather than run from a
checkout (see docs/architecture.md §3). An editable install reads the checkout's own notebooks,
so it needs no copy.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class BuildWithNotebooks(build_py):
    """``build_py`` that also copies the report notebooks into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "strapetsi_lib" / "notebooks"
        self.mkpath(str(target))
        for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
            self.copy_file(str(notebook), str(target / notebook.name))


setup(cmdclass={"build_py": BuildWithNotebooks})
