"""The pilot in the lab's one shape: its module names, no import circle, literal parameters cells that papermill
parses without a warning, card and ALTAI texts with no number or verdict typed by hand, deterministic runs, and
the queue's pseudonyms from the run's key."""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path

import pytest

from livinglab.recording import _clean
from livinglab.trust.texts import typed_by_hand

PILOT = Path(__file__).resolve().parent.parent
MODULES = {"__init__", "contract", "synthetic", "data", "model", "report", "run", "benchmark", "distributed"}


def _modules() -> dict[str, Path]:
    """Module name (dotted, below the pilot) -> file, without the tests."""
    out = {}
    for path in PILOT.rglob("*.py"):
        rel = path.relative_to(PILOT)
        if rel.parts[0] == "tests":
            continue
        name = ".".join(rel.with_suffix("").parts)
        out[name.removesuffix(".__init__") if name != "__init__" else ""] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The pilot's own modules that ``name`` imports (relative or absolute), at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif (node.module or "").startswith("pilots.fintech"):
                stem = node.module.removeprefix("pilots.fintech").lstrip(".")
            else:
                continue
            targets = [stem] + [f"{stem}.{a.name}".lstrip(".") for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [
                a.name.removeprefix("pilots.fintech").lstrip(".")
                for a in node.names
                if a.name.startswith("pilots.fintech")
            ]
        found |= {t for t in targets if t in known and t != name}
    return found


def test_the_modules_carry_the_shared_names():
    top = {p.stem for p in PILOT.glob("*.py")} | {
        p.name for p in PILOT.iterdir() if (p / "__init__.py").is_file()
    }
    assert top - {"tests"} == MODULES
    assert not (PILOT / "fintech.ipynb").exists() and {p.name for p in PILOT.glob("*.ipynb")} == {
        "ledger.ipynb",
        "features.ipynb",
        "quickstart.ipynb",  # the pilot's quick start (committed with its outputs, checked by nbval)
    }


def test_no_import_circle_and_distributed_is_imported_by_run_only():
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                pytest.fail(f"import circle: {' -> '.join([*trail, node, nxt])}")
            if not state.get(nxt):
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in graph:
        if not state.get(node):
            visit(node, [])
    users = {
        n
        for n, deps in graph.items()
        if any(d == "distributed" or d.startswith("distributed.") for d in deps)
    }
    assert {u for u in users if not u.startswith("distributed")} == {"run"}
    assert not _imports("contract", modules["contract"], set(modules))  # the runner imports it by itself


@pytest.mark.parametrize("name", ["card.yaml", "altai.yaml"])
def test_no_number_or_verdict_is_typed_by_hand(name):
    import yaml

    def texts(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from texts(v)
        elif isinstance(value, list):
            for v in value:
                yield from texts(v)
        elif isinstance(value, str):
            yield value

    content = yaml.safe_load((PILOT / name).read_text(encoding="utf-8"))
    for section in ("evaluation", "data", "subgroups"):
        assert section not in content  # they come from the result
    typed = {text[:60]: typed_by_hand(text) for text in texts(content) if typed_by_hand(text)}
    assert typed == {}


@pytest.mark.parametrize("notebook", ["ledger.ipynb", "features.ipynb"])
def test_parameters_cells_parse_without_a_warning(notebook, caplog):
    import papermill as pm

    with caplog.at_level(logging.WARNING):
        found = pm.inspect_notebook(str(PILOT / notebook))
    assert not [r.message for r in caplog.records if "Unable to parse" in r.message]
    for name, info in found.items():
        ast.literal_eval(info["default"]), name
    nb = json.loads((PILOT / notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in cells[0]["metadata"]["tags"]
    assert any(c["source"] and "".join(c["source"]).strip() == "result.record();" for c in cells)


def _record(result) -> str:
    return json.dumps(_clean(result.as_record(), "record"), sort_keys=True)


@pytest.mark.parametrize(
    "design, params",
    [
        ("ledger", {"n_transactions": 20_000, "n_days": 30, "fraud_rate": 0.02, "n_boot": 20}),
        ("features", {"n_rows": 5_000, "n_boot": 20}),
        ("features", {"n_rows": 5_000, "n_boot": 20, "label_fraction": 0.1}),
    ],
)
def test_two_runs_with_the_same_seed_give_the_same_record(design, params):
    from pilots.fintech.run import run

    first, second = run(params, design), run(params, design)
    assert _record(first) == _record(second)
    assert _record(run({**params, "seed": 1}, design)) != _record(first)
