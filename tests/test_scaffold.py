"""`livinglab new`: a scaffolded pilot has the lab's one shape, runs through the runner, passes its own test
and its lint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from livinglab.cli import main
from livinglab.paths import project_root
from livinglab.pilots import discover_pilots

PROJECT_ROOT = project_root()


def test_new_pilot_runs_and_its_own_test_passes(fixture_project, tmp_path, capsys):
    assert main(["new", "demo", "--title", "Demo forecast"]) == 0
    folder = fixture_project / "pilots" / "demo"
    assert {p.name for p in folder.iterdir()} >= {
        "README.md",
        "demo.ipynb",
        "pilot.yaml",
        "altai.yaml",
        "card.yaml",
        "contract.py",
        "synthetic.py",
        "data.py",
        "model.py",
        "run.py",
        "report.py",
        "benchmark.py",
        "tests",
    }
    pilot = discover_pilots()["demo"]
    assert set(pilot.parameters()["demo.ipynb"]) >= {
        "data_mode",
        "data_path",
        "columns",
        "read_options",
        "seed",
    }
    assert pilot.profiles["smoke"] == {} and "full" in pilot.profiles
    assert "| `target` | number | yes |" in (folder / "README.md").read_text()
    out = tmp_path / "runs"
    assert main(["run", "demo", "--profile", "smoke", "--out", str(out)]) == 0
    doc = json.loads(next(out.glob("*/demo/metrics.json")).read_text())
    claim = doc["claims"]["mae"]
    assert claim["verdict"] == "better" and claim["high"] < 0 and claim["baseline"] == "the training mean"
    assert doc["metrics"]["mae"] == claim["model_value"] < claim["baseline_value"]
    card = next(out.glob("*/demo/model_card.md")).read_text()
    assert "the training mean" in card and "| **better** |" in card
    lint = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--config",
            str(PROJECT_ROOT / "pyproject.toml"),
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    # the scaffold's own test passes in the new project (with the project's conftest: the smoke_runs fixture)
    shutil.copy(PROJECT_ROOT / "conftest.py", fixture_project / "conftest.py")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(fixture_project),
            "-c",
            str(fixture_project / "pyproject.toml"),
            str(folder / "tests"),
        ],
        capture_output=True,
        text=True,
        cwd=fixture_project,
        env={**os.environ, "LIVINGLAB_ROOT": str(fixture_project)},
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_new_refuses_an_existing_folder_or_a_bad_name(fixture_project, capsys):
    assert main(["new", "alpha"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "Bad-Name"]) == 2
    assert "lowercase" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["demo2"])
def test_new_pilot_reads_a_partner_file(fixture_project, tmp_path, name):
    main(["new", name])
    path = tmp_path / "export.csv"
    path.write_text(
        "Tag;Messwert;Ergebnis\n"
        + "\n".join(f"{d:02d}.02.2024;{x};{3 * x + 1}" for d, x in zip(range(1, 29), range(28), strict=True)),
        encoding="utf-8",
    )
    code = main(
        [
            "run",
            name,
            "--out",
            str(tmp_path / "runs"),
            "-p",
            "data_path",
            str(path),
            "-p",
            "columns",
            '{"timestamp": "Tag", "feature": "Messwert", "target": "Ergebnis"}',
        ]
    )
    assert code == 0
    card = next((tmp_path / "runs").glob(f"*/{name}/model_card.md")).read_text()
    assert "export.csv" in card and "SYNTHETIC" not in card


def test_a_title_is_text_in_every_file_it_goes_into(fixture_project, capsys):
    """A title with YAML, Python and Markdown syntax stays the title (it cannot add keys to pilot.yaml or code
    to the package); a Jinja marker, which the card's prose would evaluate, or a second line is refused."""
    import importlib.util

    import yaml

    title = 'Health: "outcomes" \\ """; import os #'
    assert main(["new", "quoted", "--title", title]) == 0
    target = fixture_project / "pilots" / "quoted"
    for file in ("pilot.yaml", "card.yaml", "altai.yaml"):
        assert yaml.safe_load((target / file).read_text())["title"].startswith(title), file
    spec = importlib.util.spec_from_file_location("quoted_pilot", target / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.__doc__ == f"{title}: the pilot's own code (pilots.quoted)."
    capsys.readouterr()
    for bad in ("{{ cycler.__init__.__globals__.os.getcwd() }}", "one\nprofiles: {}"):
        assert main(["new", "other", "--title", bad]) == 2
        assert "must be one line of text" in capsys.readouterr().err
        assert not (fixture_project / "pilots" / "other").exists()
