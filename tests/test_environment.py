"""environment.yml (conda) and pyproject.toml (pip) must name the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from strapetsi_lib.config import PROJ_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower()


def _spec(requirement: str) -> str:
    return re.sub(r"^[A-Za-z0-9_.-]+(\[[^\]]*\])?", "", requirement.strip()).strip()


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    deps = {}
    for requirement in requirements:
        name = _name(requirement)
        if name == "dask":  # dask[distributed] is two conda packages
            deps["distributed"] = _spec(requirement)
        deps[name] = _spec(requirement)
    return deps


def _environment() -> dict[str, str]:
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    deps = {}
    for entry in env["dependencies"]:
        items = entry["pip"] if isinstance(entry, dict) else [entry]
        for requirement in items:
            if requirement.startswith("-e") or _name(requirement) in {"python", "pip"}:
                continue
            deps[_name(requirement)] = _spec(requirement)
    return deps


def test_environment_and_pyproject_name_the_same_dependencies():
    assert _environment() == _pyproject()


def test_environment_installs_the_package_itself():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    pip_section = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert "-e ." in pip_section
