"""Trimming process start-up: keep a needlessly slow optional import out of batch processes.

jsonschema imports ``rfc3987_syntax`` when it is installed (an optional format checker that
jupyterlab's jupyter-events pulls in), and that module builds dozens of Lark parsers when it is
imported: about three seconds in every process that imports nbformat, which the batch's
processes all do. nbformat validates notebooks without format checks, so the batch's own
processes (the coordinator and its workers) go without it. Kernels and other programs are not
affected.
"""

from __future__ import annotations

import importlib.abc
import sys

#: Modules the batch's processes do without (see the module docstring).
SKIPPED = ("rfc3987_syntax",)


class _Skip(importlib.abc.MetaPathFinder):
    """Makes ``import`` of a skipped module fail as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in SKIPPED:
            raise ModuleNotFoundError(f"{name} is skipped in strapetsi batch processes",
                                      name=name)


def skip_slow_optional_imports() -> None:
    """Install the skip in this process (idempotent; call before nbformat is imported)."""
    if not any(isinstance(finder, _Skip) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Skip())
