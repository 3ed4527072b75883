"""Every parameter of every parameters cell is read by papermill as written, without a warning.

papermill's notebook inspection (what ``livinglab list``, the runner's checks and papermill's own tools use)
reads a parameters cell line by line with a regular expression: a line it cannot read is dropped with a
warning ("Unable to parse line 7 ..."), and the parameter is then unknown to ``-p``. Python's own parser
is the reference here: the names, literal defaults and trailing comments papermill reads must be exactly
those of the cell.
"""

from __future__ import annotations

import ast
import io
import json
import logging
import tokenize
from pathlib import Path

import papermill as pm
import pytest

from livinglab.cli import main
from livinglab.paths import project_root
from livinglab.pilots import discover_pilots

ROOT = project_root()
NOTEBOOKS = sorted(ROOT.glob("pilots/*/*.ipynb")) + sorted(ROOT.glob("tests/fixtures/**/*.ipynb"))


def _parameters_cell(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{notebook.name}: one cell tagged 'parameters'"
    source = cells[0]["source"]
    return "".join(source) if isinstance(source, list) else source


def as_python_reads_it(source: str) -> dict[str, tuple[object, str]]:
    """name -> (literal default, the comment ending its last line), by Python's parser and tokenizer."""
    comments = {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    found = {}
    for node in ast.parse(source).body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), f"line {node.lineno}: only assignments"
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        assert len(targets) == 1 and isinstance(targets[0], ast.Name), f"line {node.lineno}: one name"
        found[targets[0].id] = (ast.literal_eval(node.value), comments.get(node.end_lineno, ""))
    return found


def as_papermill_reads_it(notebook: Path, caplog) -> tuple[dict[str, tuple[object, str]], list[str]]:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        found = pm.inspect_notebook(str(notebook))
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    read = {name: (ast.literal_eval(p["default"]), p.get("help", "")) for name, p in found.items()}
    return read, warnings


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_papermill_reads_every_parameter_as_written(notebook: Path, caplog):
    expected = as_python_reads_it(_parameters_cell(notebook))
    read, warnings = as_papermill_reads_it(notebook, caplog)
    assert warnings == []
    assert list(read) == list(expected), "papermill dropped or renamed a parameter"
    assert read == expected


def test_a_line_papermill_cannot_read_is_caught(tmp_path, caplog):
    """The check above fails on the kind of line that broke fintech's memory_budget_gib (an '=' in the
    comment) and on a '#' inside a string value."""
    source = ROOT / "tests" / "fixtures" / "project" / "pilots" / "alpha" / "alpha.ipynb"
    for line, symptom in (
        ("budget = 0.0  # 0 = half of the memory", "warning"),
        ('sep = "#"  # the separator', "value"),
    ):
        nb = json.loads(source.read_text())
        cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
        cell["source"] = "".join(cell["source"]) + "\n" + line
        target = tmp_path / f"{symptom}.ipynb"
        target.write_text(json.dumps(nb))
        expected = as_python_reads_it(_parameters_cell(target))
        try:
            read, warnings = as_papermill_reads_it(target, caplog)
        except (ValueError, SyntaxError):  # papermill's default is not even a literal
            continue
        assert warnings or read != expected, line


def test_livinglab_list_shows_every_parameter_with_type_default_and_comment(capsys):
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no warning
    lines = out.splitlines()
    for pilot in discover_pilots(ROOT / "pilots").values():
        for design in pilot.designs.values():
            cell = as_python_reads_it(_parameters_cell(pilot.directory / design.notebook))
            for name, (default, comment) in cell.items():
                kind = type(default).__name__ if default is not None else "any"
                shown = f"    {name} ({kind}) = {default!r}" + (f"  # {comment}" if comment else "")
                assert shown in lines, f"{pilot.unit(design)}: {shown.strip()}"
