"""The keys see every library a report is made with: upgrade one and the reports are made again.

The oracle is the installed metadata itself: a library "upgraded" here is a distribution of a
newer version put first on the path, which is what ``importlib.metadata`` (and so the keys) then
reads, as after ``pip install -U``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from strapetsi_lib import cache_keys
from strapetsi_lib.config import CHECKOUT
from strapetsi_lib.ingest.demo import generate_demo


def upgraded(folder: Path, name: str, version: str = "99.0") -> Path:
    """A folder holding the metadata of distribution ``name`` at ``version`` (its requirements
    as installed): first on the path, it is what ``importlib.metadata`` finds."""
    installed = metadata.distribution(name)
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    requires = "".join(f"Requires-Dist: {r}\n" for r in installed.requires or [])
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {installed.metadata['Name']}\n"
                                   f"Version: {version}\n{requires}\n", encoding="utf-8")
    return folder


def fresh_versions() -> dict[str, str | None]:
    """:func:`cache_keys.library_versions` read again (it is read once a process)."""
    return cache_keys.library_versions.__wrapped__()


def test_the_keys_see_the_libraries_that_make_a_reports_bytes_and_theirs():
    versions = fresh_versions()
    # the workbench's own requirements, and the libraries they make pages and figures with
    for name in ("numpy", "pandas", "statsmodels", "matplotlib", "nbconvert", "papermill",
                 "ipykernel", "mistune", "beautifulsoup4", "pyarrow",
                 "jinja2", "markupsafe", "pygments", "fonttools", "pillow", "ipython",
                 "traitlets"):
        assert versions[name] == metadata.version(name), name
    # what only runs the batch is left out (unless a report's library needs it too)
    for name in cache_keys.RUN_ONLY:
        assert name not in versions, name
    # test-only libraries are no requirement of the workbench
    assert "pytest" not in versions and "playwright" not in versions


@pytest.mark.parametrize("library", ["matplotlib", "jinja2", "nbconvert", "pandas"])
def test_an_upgraded_library_changes_both_keys(library, tiny_dataset, tmp_path, monkeypatch):
    key, inputs = cache_keys.cache_key(tiny_dataset), cache_keys.inputs_key(tiny_dataset)
    monkeypatch.syspath_prepend(str(upgraded(tmp_path / "site", library)))
    versions = fresh_versions()
    assert versions[library] == "99.0"
    monkeypatch.setattr(cache_keys, "library_versions", lambda: versions)
    assert cache_keys.inputs_key(tiny_dataset) != inputs
    assert cache_keys.cache_key(tiny_dataset) != key


def test_an_upgraded_batch_library_changes_no_key(tiny_dataset, tmp_path, monkeypatch):
    inputs = cache_keys.inputs_key(tiny_dataset)
    monkeypatch.syspath_prepend(str(upgraded(tmp_path / "site", "rich")))
    versions = fresh_versions()
    monkeypatch.setattr(cache_keys, "library_versions", lambda: versions)
    assert cache_keys.inputs_key(tiny_dataset) == inputs


@pytest.mark.slow
def test_a_run_after_an_upgrade_makes_the_reports_again(tmp_path):
    dataset = tmp_path / "demo"
    generate_demo(dataset, n_providers=4, seed=7)
    provider = next(line.split(",")[0] for line in
                    (dataset / "providers.csv").read_text(encoding="utf-8-sig").splitlines()[1:])
    out = tmp_path / "out"

    def run(*site: Path) -> str:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, site), str(CHECKOUT)])}
        done = subprocess.run([sys.executable, "-m", "strapetsi_lib", "run", str(dataset),
                               "--provider", provider, "--out", str(out)],
                              capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "1 report(s) run" in run()
    assert "up to date" in run()
    assert "up to date" in run(upgraded(tmp_path / "batch-only", "rich"))
    assert "1 report(s) run" in run(upgraded(tmp_path / "figures", "matplotlib"))
