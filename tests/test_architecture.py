"""The stages import only the stages below them (the layers contract in pyproject.toml).

The contract and the order of the stages are described in docs/architecture.md. The check is
import-linter's ``lint-imports``, run as CI would run it, on the package this test imports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import strapetsi_lib

CHECKOUT = Path(strapetsi_lib.__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(project: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` on the package in ``project`` with its pyproject.toml contract."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    # --no-cache: the linter would otherwise write its cache folder into the checkout
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_stages_import_only_the_stages_below_them():
    result = _lint_imports(CHECKOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.slow
def test_an_import_pointing_up_the_stages_breaks_the_contract(tmp_path):
    # Proof that the contract can fail: ingest (stage 1) importing the batch (stage 6).
    shutil.copy(CHECKOUT / "pyproject.toml", tmp_path)
    shutil.copytree(CHECKOUT / "strapetsi_lib", tmp_path / "strapetsi_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    reading = tmp_path / "strapetsi_lib" / "ingest" / "reading.py"
    reading.write_text(reading.read_text() + "\nfrom strapetsi_lib.batch import run  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "strapetsi_lib.ingest.reading -> strapetsi_lib.batch.run" in result.stdout
