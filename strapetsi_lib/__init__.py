"""Strapetsi workbench: baseline analysis of competence management and take-hold evaluation."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_dataset"]


def __getattr__(name: str):
    # Imported lazily so `import strapetsi_lib` stays cheap for the CLI and the batch runner.
    if name == "load_dataset":
        from .dataset import load_dataset

        return load_dataset
    raise AttributeError(name)
