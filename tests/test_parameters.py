"""Every parameter of every parameters cell is read by papermill as written, without a warning.

papermill's notebook inspection (what papermill's own tools use; ``livinglab.pilots.inspect_parameters``
reads the cell with the standard library and must give the same, tested below) reads a parameters cell line
by line with a regular expression: a line it cannot read is dropped with a warning ("Unable to parse line 7
..."), and the parameter is then unknown to ``-p``. Python's own parser is the reference here: the names,
literal defaults and trailing comments papermill reads must be exactly those of the cell.
"""

from __future__ import annotations

import ast
import io
import json
import logging
import subprocess
import sys
import tokenize
from pathlib import Path

import papermill as pm
import pytest

from livinglab.cli import main
from livinglab.paths import project_root
from livinglab.pilots import UsageError, discover_pilots, inspect_parameters

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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_parameters_read_without_papermill_are_papermills(notebook: Path):
    """``livinglab.pilots.inspect_parameters`` reads the cell with the standard library: the same names in
    the same order, the same literal defaults (type included) and the same help as papermill's inspection."""
    ours = inspect_parameters(notebook)
    theirs = pm.inspect_notebook(str(notebook))
    assert list(ours) == list(theirs)
    for name, info in theirs.items():
        default = ast.literal_eval(info["default"])
        assert (type(ours[name].default), ours[name].default) == (type(default), default), name
        assert ours[name].help == info.get("help", ""), name


def test_parameters_read_without_papermill_on_unusual_cells(tmp_path):
    """Annotations, a value over several lines, a '#' inside a string, comments of two '#', other statements
    and a missing cell read as papermill reads them (where papermill reads them right)."""
    source = (
        "# a comment line\n"
        "n: int = 3  # rows\n"
        "names = [\n"
        "    'a',  # first\n"
        "    'b',\n"
        "]  # the names\n"
        "sep = ','  ## two hashes\n"
        "ratio = 0.5\n"
        "flag = None  #\n"
    )
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "p",
                "metadata": {"tags": ["parameters"]},
                "source": source.splitlines(True),
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    ours = {n: (p.default, p.help) for n, p in inspect_parameters(path).items()}
    theirs = {
        n: (ast.literal_eval(p["default"]), p["help"]) for n, p in pm.inspect_notebook(str(path)).items()
    }
    assert (
        ours
        == theirs
        == {
            "n": (3, "rows"),
            "names": (["a", "b"], "the names"),
            "sep": (",", "# two hashes"),
            "ratio": (0.5, ""),
            "flag": (None, ""),
        }
    )
    nb["cells"][0]["metadata"] = {}
    path.write_text(json.dumps(nb))
    assert inspect_parameters(path) == {} == pm.inspect_notebook(str(path))


def test_a_parameter_that_is_no_literal_is_one_clear_sentence(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "n = 2 * 3\n"}]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(UsageError, match=r"parameter n = 2 \* 3 is not a literal"):
        inspect_parameters(path)
    nb["cells"][0]["source"] = "n = (\n"
    path.write_text(json.dumps(nb))
    with pytest.raises(UsageError, match="not valid Python"):
        inspect_parameters(path)


def test_reading_parameters_imports_neither_papermill_nor_nbformat():
    code = (
        "import sys; from livinglab.pilots import discover_pilots\n"
        "for p in discover_pilots().values():\n"
        "    assert p.parameters()\n"
        "print(sorted(m for m in ('papermill', 'nbformat') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
