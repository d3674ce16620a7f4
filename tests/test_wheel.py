"""The wheel: built with ``python -m build``, installed into a fresh venv, run from any folder.

The venv gets the workbench only from the wheel. Its dependencies (pandas, statsmodels,
Papermill, ...) come from the environment running the tests through a ``.pth`` line, which adds
that site-packages folder to the path without running its ``.pth`` hooks, so the editable install
of the checkout stays invisible (nbconvert's templates, data files under ``<prefix>/share``, are
linked the same way); installing them from PyPI would take minutes and a network.
The wheel is built without build isolation for the same reason (setuptools and wheel are test
dependencies). The test checks that the package imports from the venv, carries its notebooks,
instruments, texts and templates, runs a report from a folder outside the checkout, and writes
its cache there and nothing inside the installed package.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import strapetsi_lib

pytestmark = pytest.mark.slow

CHECKOUT = Path(strapetsi_lib.__file__).resolve().parent.parent


def _run(args: list, cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_env() -> dict[str, str]:
    """The environment without anything that would point back at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "STRAPETSI_HOME", "VIRTUAL_ENV", "JUPYTER_PATH"}}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the wheel installed and the kernel registered: (python, bin folder)."""
    root = tmp_path_factory.mktemp("wheel")
    # Build from a copy of the tracked files: the build writes build/ and *.egg-info beside them.
    source = root / "source"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=CHECKOUT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (CHECKOUT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / name, source / name)
    env = _clean_env()
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", root / "dist",
          source], root, env)
    wheel = next((root / "dist").glob("strapetsi_workbench-*.whl"))

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], root, env)
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     root, env).strip())
    (site / "_outer_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # nbconvert's own templates are data files under <prefix>/share, where pip would have put them
    (venv / "share" / "jupyter").mkdir(parents=True)
    (venv / "share" / "jupyter" / "nbconvert").symlink_to(
        Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
          "--quiet", wheel], root, env)
    _run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "strapetsi"], root, env)
    return python, venv / "bin", site


def test_the_wheel_carries_the_package_data(installed, tmp_path):
    python, _, site = installed
    listing = _run([sys.executable, "-m", "pip", "--python", python, "show", "--files",
                    "strapetsi-workbench"], tmp_path, _clean_env())
    for name in ("strapetsi_lib/notebooks/provider_report.ipynb",
                 "strapetsi_lib/notebooks/network_report.ipynb",
                 "strapetsi_lib/instruments/competence_management_v1.yml",
                 "strapetsi_lib/instruments/wellbeing_at_work_v1.yml",
                 "strapetsi_lib/instruments/instrument.schema.json",
                 "strapetsi_lib/instruments/defaults/roles.yml",
                 "strapetsi_lib/instruments/demos/wellbeing_at_work_v1.yml",
                 "strapetsi_lib/texts/texts.yml",
                 "strapetsi_lib/templates/strapetsi/index.html.j2"):
        assert name in listing
    probe = ("import json, strapetsi_lib, strapetsi_lib.config as c; print(json.dumps("
             "[strapetsi_lib.__file__, str(c.PROVIDER_NOTEBOOK), str(c.PROJ_ROOT), c.CHECKOUT]))")
    module, notebook, project, checkout = json.loads(_run([python, "-c", probe], tmp_path,
                                                          _clean_env()))
    # the wheel's copy, not the checkout's editable install
    assert Path(module).resolve() == (site / "strapetsi_lib" / "__init__.py").resolve()
    assert Path(notebook).resolve() == (site / "strapetsi_lib" / "notebooks"
                                        / "provider_report.ipynb").resolve()
    assert Path(project) == tmp_path.resolve() and checkout is None


def test_strapetsi_run_from_any_folder_writes_there_and_not_into_the_package(installed,
                                                                            tmp_path):
    python, bin_dir, site = installed
    env = _clean_env()
    work = tmp_path / "project"
    work.mkdir()
    data, out = tmp_path / "data", tmp_path / "out"
    _run([bin_dir / "strapetsi", "demo", "--out", data, "--providers", "6"], work, env)
    with open(data / "providers.csv", encoding="utf-8", newline="") as stream:
        provider = next(csv.DictReader(stream))
    provider_id = provider["provider_id"]

    _run([bin_dir / "strapetsi", "run", data, "--provider", provider_id, "--out", out], work, env)

    report = out / f"provider_{provider_id}.html"
    assert report.is_file() and provider["name"] in report.read_text(encoding="utf-8")
    assert list((work / ".cache" / "prepared").iterdir())  # the cache is in the project folder
    package = site / "strapetsi_lib"
    written = [p for p in package.rglob("*") if p.name in {"reports", ".cache", "data"}
               or p.suffix in {".html", ".zip", ".pkl", ".lock"}]
    assert written == []
    assert not (CHECKOUT / "build").exists()
