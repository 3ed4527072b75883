"""Every package the code imports directly is declared in pyproject.toml (and so in environment.yml)."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib import metadata

from livinglab.paths import project_root

ROOT = project_root()
FIRST_PARTY = {"livinglab", "pilots", "conftest"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imports(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # notebook cells with IPython magics
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _project_imports() -> dict[str, set[str]]:
    """Top-level module -> files that import it, over the package, pilots, tests and notebooks."""
    where: dict[str, set[str]] = {}
    files = [p for p in ROOT.glob("**/*.py") if not {".venv", "build", ".git"} & set(p.parts)]
    for path in files:
        for mod in _imports(path.read_text(encoding="utf-8")):
            where.setdefault(mod, set()).add(path.relative_to(ROOT).as_posix())
    for path in ROOT.glob("pilots/*/*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for mod in _imports(source):
            where.setdefault(mod, set()).add(path.relative_to(ROOT).as_posix())
    return where


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return {_normalise(re.match(r"[A-Za-z0-9_.\-]+", r).group(0)) for r in reqs}


def test_every_directly_imported_package_is_declared():
    local = {
        p.stem for p in ROOT.glob("**/*.py") if not {".venv", "build", ".git"} & set(p.parts)
    }  # test helpers
    dists = metadata.packages_distributions()
    declared = _declared()
    missing = {}
    for module, files in _project_imports().items():
        if module in FIRST_PARTY | local or module in sys.stdlib_module_names or module.startswith("_"):
            continue
        names = {_normalise(d) for d in dists.get(module, [])}
        if not names:
            missing[module] = f"not installed (imported by {sorted(files)[0]})"
        elif not names & declared:
            missing[module] = f"{sorted(names)} imported by {sorted(files)[0]}"
    assert not missing, f"declare these in pyproject.toml and environment.yml: {missing}"
