"""pyproject.toml (pip, what CI installs) and environment.yml (conda) must list the same packages."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from livinglab.paths import project_root

# conda-forge names that differ from PyPI names.
CONDA_TO_PYPI: dict[str, str] = {"fasttext": "fasttext-numpy2-wheel"}
CONDA_ONLY = {"python", "pip"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    parsed = [Requirement(r) for r in reqs]
    return {_normalise(r.name): str(r.specifier) for r in parsed}


def _conda() -> dict[str, str]:
    env = yaml.safe_load((project_root() / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs the project, then what conda-forge lacks
            pip = dep.get("pip") or []
            assert pip[:1] == ["-e ."], "environment.yml's pip section should install the project first"
            for line in pip[1:]:
                requirement = Requirement(line)
                out[_normalise(requirement.name)] = str(requirement.specifier)
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep)
        name, spec = match.group(1), match.group(2).replace(" ", "")
        if name in CONDA_ONLY:
            continue
        out[_normalise(CONDA_TO_PYPI.get(name, name))] = (
            str(Requirement(f"x{spec}").specifier) if spec else ""
        )
    return out


def test_same_packages_in_pyproject_and_environment_yml():
    pip, conda = _pyproject(), _conda()
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but not in pyproject.toml"


def test_same_version_bounds():
    pip, conda = _pyproject(), _conda()
    differing = {name: (pip[name], conda[name]) for name in pip if name in conda and pip[name] != conda[name]}
    assert differing == {}


def test_environment_yml_targets_the_python_ci_uses():
    env = yaml.safe_load((project_root() / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert env["channels"] == ["conda-forge"]
