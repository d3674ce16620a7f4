"""Strapetsi workbench: baseline analysis of competence management and take-hold evaluation.

The package is laid out by stage of the data flow (see ``docs/architecture.md``)::

    ingest → analysis → prepare → present → render → batch → cli

``load_dataset``, ``stats`` and ``takehold`` are re-exported here as the public API, so
``from strapetsi_lib import load_dataset, stats`` keeps working.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

__all__ = ["__version__", "load_dataset", "stats", "takehold"]

#: Public names and where they live; imported lazily so `import strapetsi_lib` stays cheap.
_PUBLIC = {
    "load_dataset": ("strapetsi_lib.ingest.dataset", "load_dataset"),
    "stats": ("strapetsi_lib.analysis.stats", None),
    "takehold": ("strapetsi_lib.analysis.takehold", None),
}


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(name)
    module_name, attribute = _PUBLIC[name]
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module
