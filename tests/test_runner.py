"""The run pipeline on two fixture pilots: parameters, recording, rendering, index, failure isolation."""

from __future__ import annotations

import json
import os

import pytest

from livinglab.cli import main
from livinglab.pilots import UsageError, discover_pilots
from livinglab.runner import run_pilots


def test_discovery_reads_parameters_with_types(fixture_project):
    pilots = discover_pilots()
    assert set(pilots) == {"alpha", "broken"}
    params = pilots["alpha"].parameters()["alpha.ipynb"]
    assert {n: p.type_name for n, p in params.items()} == {
        "n_rows": "int",
        "scale": "float",
        "label": "str",
        "verbose": "bool",
    }


def test_run_writes_every_artefact_and_points_latest(fixture_project, tmp_path):
    out = tmp_path / "runs"
    run = run_pilots(["alpha"], profile="smoke", overrides={"scale": "3"}, out=out, progress=False)
    assert run.ok
    pilot_dir = out / run.run_id / "alpha"
    for name in ("alpha.ipynb", "alpha.html", "params.json", "metrics.json"):
        assert (pilot_dir / name).is_file(), name
    metrics = json.loads((pilot_dir / "metrics.json").read_text())
    # profile smoke sets n_rows=2, -p scale 3 is coerced to the float parameter: 2 * 3.0
    assert metrics["metrics"]["total"] == 6.0
    assert metrics["metrics"]["by_group"] == {"a": 1, "b": 2.5}
    assert metrics["metrics"]["cwd_is_pilot"] is True  # executed with the pilot folder as working dir
    assert metrics["status"] == "ok" and metrics["wall_time_s"] > 0
    params = json.loads((pilot_dir / "params.json").read_text())
    assert params["parameters"]["alpha.ipynb"] == {"n_rows": 2, "scale": 3.0}
    assert params["packages"]["pandas"]
    assert os.readlink(out / "latest") == run.run_id
    html = (pilot_dir / "alpha.html").read_text()
    assert "Alpha fixture" in html
    assert "only-in-hidden-cell" not in html  # remove-cell tag hides helper cells from reviewers
    index = (out / "index.html").read_text()
    assert run.run_id in index and "alpha/alpha.html" in index


def test_failing_pilot_is_isolated_and_latest_kept(fixture_project, tmp_path):
    out = tmp_path / "runs"
    good = run_pilots(["alpha"], profile="smoke", out=out, progress=False)
    mixed = run_pilots(["broken", "alpha"], profile="smoke", out=out, progress=False)
    assert not mixed.ok
    status = {r.pilot: r.status for r in mixed.results}
    assert status == {"broken": "failed", "alpha": "ok"}  # the failure did not stop alpha
    broken = next(r for r in mixed.results if r.pilot == "broken")
    assert "intentional failure" in broken.error
    assert broken.metrics == {"before_failure": 1}  # recorded before the error, nothing after
    executed = (out / mixed.run_id / "broken" / "broken.ipynb").read_text()
    assert "intentional failure" in executed  # the executed notebook keeps the error for reviewers
    assert os.readlink(out / "latest") == good.run_id
    index = json.loads((out / "index.json").read_text())
    assert [r["status"] for r in index["runs"] if r["run_id"] == mixed.run_id].count("failed") == 1
    assert "broken/broken.html" in (out / "index.html").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nosuchpilot"], "Unknown pilot nosuchpilot"),
        (["run", "alpha", "--profile", "nightly"], "has no profile 'nightly'"),
        (["run", "alpha", "-p", "n_rowz", "3"], "Unknown parameter n_rowz"),
        (["run", "alpha", "-p", "n_rows", "many"], "expects a value of type int"),
        (["run", "alpha", "-p", "verbose", "3"], "expects a value of type bool"),
    ],
)
def test_bad_requests_exit_2_before_any_work(fixture_project, tmp_path, capsys, argv, message):
    out = tmp_path / "runs"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1  # one sentence
    assert not out.exists() or not any(out.iterdir())  # nothing was started


def test_unwritable_output_folder_exits_2(fixture_project, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["run", "alpha", "--out", str(blocker / "runs")]) == 2
    assert "Cannot write to the output folder" in capsys.readouterr().err


def test_profile_with_unknown_parameter_is_refused(fixture_project):
    spec = fixture_project / "pilots" / "alpha" / "pilot.yaml"
    spec.write_text(spec.read_text().replace("smoke: {n_rows: 2}", "smoke: {n_rowss: 2}"))
    with pytest.raises(UsageError, match="n_rowss"):
        run_pilots(["alpha"], profile="smoke", out=fixture_project / "runs")


def test_cli_exit_status_1_when_a_pilot_fails(fixture_project, tmp_path):
    assert main(["run", "broken", "--profile", "smoke", "--out", str(tmp_path / "r")]) == 1


def test_list_shows_parameters_and_profiles(fixture_project, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "n_rows (int) = 10" in out and "profiles: default, smoke, full" in out
