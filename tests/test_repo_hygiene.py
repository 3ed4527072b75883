"""Habits the project keeps: clean notebooks, literal parameters cells, lint, CI runs the README command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from livinglab.paths import project_root
from livinglab.pilots import discover_pilots

ROOT = project_root()
QUICKSTARTS = sorted(ROOT.glob("pilots/*/quickstart.ipynb"))  # committed with outputs, checked by nbval
NOTEBOOKS = sorted(p for p in ROOT.glob("pilots/*/*.ipynb") if p not in QUICKSTARTS) + sorted(
    ROOT.glob("tests/fixtures/**/*.ipynb")
)


def _committed(path: Path) -> str:
    """What git holds for a file (the index, after the notebook filter), or the file when it is untracked
    or there is no git: a notebook run and saved in JupyterLab is still committed without outputs."""
    relative = path.relative_to(ROOT).as_posix()
    try:
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f":{relative}"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        shown = None
    return shown.stdout if shown is not None and shown.returncode == 0 else path.read_text(encoding="utf-8")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_committed_without_outputs(notebook: Path):
    nb = json.loads(_committed(notebook))
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert dirty == [], f"cells {dirty} carry outputs: run `make strip`"


@pytest.mark.parametrize("notebook", sorted(ROOT.glob("pilots/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_pilot_notebook_has_one_literal_parameters_cell(notebook: Path):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert nb["metadata"]["kernelspec"]["name"] == "livinglab", "the project kernel, Python (livinglab)"


def test_every_pilot_loads_and_has_smoke_and_full_profiles():
    pilots = discover_pilots(ROOT / "pilots")
    assert set(pilots) >= {"mobility", "health", "fintech", "public_sector"}
    for pilot in pilots.values():
        assert {"smoke", "full"} <= set(pilot.profiles), pilot.name
        # each notebook executes once per `make test`: the smoke run is the notebook as committed
        assert pilot.profiles["smoke"] == {}, f"{pilot.name}: smoke must be the notebook's own parameters"
        assert (pilot.directory / "README.md").is_file(), f"{pilot.name} has no pilot card"
        pilot.parameters()  # literal defaults, notebooks exist


@pytest.mark.parametrize("notebook", QUICKSTARTS, ids=lambda p: p.parent.name)
def test_quick_start_is_committed_with_its_outputs_and_kept_out_of_the_filter(notebook: Path, tmp_path):
    nb = json.loads(_committed(notebook))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(isinstance(c.get("execution_count"), int) for c in code), "run `make quickstart`"
    shown = {kind for c in code for o in c.get("outputs", []) for kind in o.get("data", {})}
    html = "".join(
        "".join(o.get("data", {}).get("text/html", "")) for c in code for o in c.get("outputs", [])
    )
    # a figure through livinglab.show.figure is an <img> of a PNG inside its <figure>, with its caption
    figure = "image/png" in shown or re.search(r"<img[^>]+src=\"data:image/png;base64,", html)
    assert figure and "<table" in html, "the headline figure and table are shown"
    assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", []))
    relative = notebook.relative_to(ROOT).as_posix()

    def attributes(repo: Path) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), "check-attr", "filter", "--", relative], capture_output=True, text=True
        ).stdout

    # a fresh clone (the committed .gitattributes only) and this checkout (with .git/info/attributes)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    assert attributes(tmp_path).strip().endswith("filter: unset")
    if (ROOT / ".git").exists():
        assert attributes(ROOT).strip().endswith("filter: unset"), "run `make hooks`"


def test_every_pilot_has_a_quick_start():
    pilots = discover_pilots(ROOT / "pilots")
    assert {p.parent.name for p in QUICKSTARTS} == set(pilots)


def test_nbstripout_keeps_cell_tags(tmp_path):
    source = ROOT / "tests" / "fixtures" / "project" / "pilots" / "alpha" / "alpha.ipynb"
    nb = json.loads(source.read_text())
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
    nb["cells"][1]["execution_count"] = 3
    target = tmp_path / "nb.ipynb"
    target.write_text(json.dumps(nb))
    subprocess.run([str(Path(sys.executable).with_name("nbstripout")), "--keep-id", str(target)], check=True)
    stripped = json.loads(target.read_text())
    assert stripped["cells"][1]["outputs"] == []
    assert stripped["cells"][1]["metadata"]["tags"] == ["parameters"]


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is not installed (it is in the dev extra)"
    result = subprocess.run([ruff, "check", "--quiet", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_test_command_the_readme_gives():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", readme, re.M), "README must give `make test`"
    assert re.search(r"^make test\b", ci, re.M), ".ci/run must call `make test`"
    assert re.search(r"^make run$", readme, re.M)


def test_the_readme_first_screen_has_the_two_commands_and_the_picture():
    first_screen = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:30]
    assert {"make run", "make test"} <= set(first_screen)
    pictures = [re.search(r"!\[[^\]]*\]\(([^)]+\.png)\)", line) for line in first_screen]
    (picture,) = [m.group(1) for m in pictures if m]
    assert (ROOT / picture).is_file() and (ROOT / picture).stat().st_size < 200_000, picture


def test_a_skipped_realdata_test_fails_when_the_data_are_there(tmp_path):
    """With ../shared/data beside the project, a skipped real-data test turns the run red (root conftest)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "conftest.py", project / "conftest.py")
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\nmarkers = ["realdata: x"]\n')
    (project / "test_x.py").write_text(
        "import pytest\n\n@pytest.mark.realdata\ndef test_real():\n    pytest.skip('mirror missing')\n\n"
        "def test_other():\n    pytest.skip('not real data')\n"
    )

    def run():
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
            capture_output=True,
            text=True,
            cwd=project,
        )

    assert run().returncode == 0  # no ../shared/data: skips are fine
    (tmp_path / "shared" / "data").mkdir(parents=True)
    result = run()
    assert result.returncode == 1 and "1 failed, 1 skipped" in result.stdout, result.stdout
