"""The notebooks' one import: ``strapetsi_lib.api`` hands out the stages' own objects, the
notebooks import the workbench through it only, and a provider report's imports stay light."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from strapetsi_lib import api
from strapetsi_lib.config import CHECKOUT, NOTEBOOKS_DIR
from strapetsi_lib.ingest import dataset
from strapetsi_lib.prepare import load_prepared
from strapetsi_lib.present import display, network_figures, provider_view

NOTEBOOKS = ("provider_report", "network_report", "explore")


def _workbench_imports(name: str) -> list[tuple[str, list[str]]]:
    """The notebook's imports of the workbench: (module, names) for each statement."""
    tree = ast.parse((NOTEBOOKS_DIR / f"{name}.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("strapetsi_lib"):
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names
                      if alias.name.startswith("strapetsi_lib")]
    return found


def test_every_name_is_the_stages_own():
    assert api.load_prepared is load_prepared
    assert api.load_dataset is dataset.load_dataset
    assert api.provider_view is provider_view and api.network_figures is network_figures
    assert api.show_table is display.show_table
    assert sorted(dir(api)) == sorted(api.__all__)
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    with pytest.raises(AttributeError):
        api.no_such_name  # noqa: B018


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_notebooks_import_the_workbench_from_the_api_only(notebook):
    imports = _workbench_imports(notebook)
    assert imports and {module for module, _ in imports} == {"strapetsi_lib.api"}
    assert all(set(names) <= set(api.__all__) for _, names in imports)


@pytest.mark.slow
def test_a_provider_reports_imports_need_neither_the_readers_nor_seaborn():
    imports = "\n".join(f"from {module} import {', '.join(names)}"
                        for module, names in _workbench_imports("provider_report"))
    probe = (f"import sys\n{imports}\n"
             "print(sorted(m for m in ('pandera', 'seaborn', 'openpyxl',"
             " 'strapetsi_lib.ingest.dataset') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=CHECKOUT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
