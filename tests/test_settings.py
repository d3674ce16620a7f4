"""The project folder rule of strapetsi_lib.config (docs/architecture.md §3)."""

from __future__ import annotations

from pathlib import Path

from strapetsi_lib import config


def _package(parent: Path, pyproject: str | None) -> Path:
    package = parent / "strapetsi_lib"
    package.mkdir(parents=True)
    if pyproject is not None:
        (parent / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return package


def test_strapetsi_home_wins(tmp_path):
    package = _package(tmp_path / "checkout", '[project]\nname = "strapetsi-workbench"\n')
    home = tmp_path / "home"
    assert config.project_folder({"STRAPETSI_HOME": str(home)}, package) == home.resolve()


def test_a_source_checkout_is_its_own_project_folder(tmp_path, monkeypatch):
    package = _package(tmp_path / "checkout", '[project]\nname = "strapetsi-workbench"\n')
    monkeypatch.chdir(tmp_path)
    assert config.source_checkout(package) == tmp_path / "checkout"
    assert config.project_folder({}, package) == tmp_path / "checkout"


def test_an_installed_package_uses_the_working_directory(tmp_path, monkeypatch):
    # site-packages holds no pyproject.toml, or another project's: never the package's parent.
    installed = _package(tmp_path / "site-packages", None)
    other = _package(tmp_path / "other", '[project]\nname = "something-else"\n')
    broken = _package(tmp_path / "broken", "[project\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for package in (installed, other, broken):
        assert config.source_checkout(package) is None
        assert config.project_folder({}, package) == work.resolve()


def test_this_checkout_runs_its_own_notebooks_and_writes_into_itself():
    checkout = Path(config.__file__).resolve().parent.parent
    assert config.CHECKOUT == checkout
    assert config.PROVIDER_NOTEBOOK == checkout / "notebooks" / "provider_report.ipynb"
    assert config.PROVIDER_NOTEBOOK.is_file() and config.NETWORK_NOTEBOOK.is_file()
    assert config.resolve_dataset("data/demo") == config.PROJ_ROOT / "data" / "demo"
    assert config.resolve_dataset(checkout) == checkout
