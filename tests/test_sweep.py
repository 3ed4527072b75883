"""``livinglab sweep``: the grid's values typed and checked before anything runs; a local sweep in
worker processes; sweeps kept out of the pilot's latest summary and regression checks."""

from __future__ import annotations

import json

import pytest

from livinglab.cli import main
from livinglab.sweep import plan_sweep, split_values


@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("3,5", ["3", "5"]),
        (" 0.1, 0.2 ,1e-3", ["0.1", "0.2", "1e-3"]),
        ("[6.5,9.5],[7,10]", ["[6.5,9.5]", "[7,10]"]),
        ('{"sep": ";", "x": [1,2]},{}', ['{"sep": ";", "x": [1,2]}', "{}"]),
        ("\"a,b\",c,'d'", ["a,b", "c", "d"]),
        ("09:00", ["09:00"]),
    ],
)
def test_values_split_on_top_level_commas_only(raw, values):
    assert split_values(raw) == values


def test_every_grid_point_is_typed_and_tagged(fixture_project, tmp_path):
    out = tmp_path / "runs"
    jobs = plan_sweep(
        "gamma",
        [("read_options", '{"sep": ";"},{"sep": ","}'), ("data_mode", "synthetic,auto")],
        None,
        "default",
        out,
    )
    assert [j.plan for j in jobs] == [
        {"read_options": {"sep": ";"}, "data_mode": "synthetic"},
        {"read_options": {"sep": ";"}, "data_mode": "auto"},
        {"read_options": {"sep": ","}, "data_mode": "synthetic"},
        {"read_options": {"sep": ","}, "data_mode": "auto"},
    ]
    assert len({j.run_id for j in jobs}) == 4 and len({j.sweep["id"] for j in jobs}) == 1
    assert (
        jobs[1].sweep["grid"] == {"read_options": {"sep": ";"}, "data_mode": "auto"}
        and jobs[1].sweep["seed"] is None
    )
    assert all(j.run_dir.parent == out for j in jobs) and not any(out.iterdir())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["alpha", "-p", "n_rows", "2,x"], "parameter n_rows expects a value of type int"),
        (["alpha", "-p", "n_rows", "2,,3"], "has an empty value"),
        (["alpha", "-p", "n_rows", "2", "-p", "n_rows", "3"], "Give each parameter once"),
        (["alpha", "--seeds", "2"], "--seeds needs a parameter named seed in alpha"),
        (["alpha", "-p", "n_rowz", "1,2"], "Unknown parameter n_rowz"),
        (["nosuch", "-p", "n_rows", "1,2"], "Unknown pilot nosuch"),
    ],
)
def test_bad_sweeps_exit_2_before_any_work(fixture_project, tmp_path, capsys, argv, message):
    out = tmp_path / "runs"
    assert main(["sweep", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists() or not any(out.iterdir())


def test_a_local_sweep_is_listed_but_not_compared_with_ordinary_runs(fixture_project, tmp_path):
    out = tmp_path / "runs"
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 0  # total 2 * 1.5 = 3
    sweep = [
        "sweep",
        "alpha",
        "--profile",
        "smoke",
        "-p",
        "scale",
        "1,1.2",
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    assert main(sweep) == 0  # totals 2.0 and 2.4, in two local worker processes
    index = json.loads((out / "index.json").read_text())
    points = [r for r in index["runs"] if r.get("sweep")]
    assert sorted(r["metrics"]["total"] for r in points) == [2.0, 2.4]
    assert {r["sweep"]["grid"]["scale"] for r in points} == {1.0, 1.2}
    assert [row["cells"][0]["text"] for row in index["sweeps"][0]["rows"]] == ["2", "2.4"]
    # the next ordinary run is compared with the previous ordinary run (3.0), not with a sweep point
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out), "--fail-on-regression"]) == 0
    html = (out / "index.html").read_text()
    assert "Sweep " in html and html.count("sweep ") >= 2 and "Regression" not in html


def test_a_lost_local_worker_fails_its_point_and_the_client_records_it(fixture_project, tmp_path):
    """With the sweep's own scheduler a lost worker is reported at once (no retry); the client writes
    the point's metrics.json from what it recorded before the loss."""
    import os
    import signal
    import threading
    import time

    from test_cluster import _slow_pilot

    _slow_pilot(fixture_project)
    out = tmp_path / "runs"
    done: dict[str, int] = {}
    argv = ["sweep", "slow", "-p", "n_rows", "1", "--workers", "1", "--out", str(out)]
    thread = threading.Thread(target=lambda: done.update(code=main(argv)))
    thread.start()
    try:  # generous deadlines (a loaded machine starts a cluster slowly); the sweep's thread always joined,
        # so that its cluster never outlives the test and leaves dask's settings to the next one
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not list(out.glob("*/slow/.recorded.jsonl")):
            time.sleep(0.2)
        attempts = list(out.glob("*/slow/.attempt"))
        assert len(attempts) == 1, f"the sweep's point did not start within 180 s: {attempts}"
        attempt = attempts[0]
        os.kill(int(attempt.read_text().split()[-1]), signal.SIGKILL)  # the worker process, not its nanny
    finally:
        thread.join(timeout=180)
    assert not thread.is_alive() and done == {"code": 1}
    doc = json.loads((attempt.parent / "metrics.json").read_text())
    # a local cluster speaks TLS
    assert doc["status"] == "failed" and doc["error"].startswith("worker lost while running (on tls://")
    assert " pid " not in doc["error"]  # reported by the client at once, not by a retried task
    assert doc["metrics"] == {"started": 1} and doc["sweep"]["grid"] == {"n_rows": 1}
    assert "worker lost while running" in (out / "index.html").read_text()
