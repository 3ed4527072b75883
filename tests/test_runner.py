"""The run pipeline on two fixture pilots: parameters, recording, rendering, index, failure isolation."""

from __future__ import annotations

import json
import os
import re

import pytest

from livinglab.cli import main
from livinglab.pilots import UsageError, discover_pilots
from livinglab.runner import run_pilots


def test_discovery_reads_parameters_with_types(fixture_project):
    pilots = discover_pilots()
    assert set(pilots) == {"alpha", "broken", "gamma"}
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
    assert params["parameters"] == {"n_rows": 2, "scale": 3.0}
    assert params["effective_parameters"] == {"n_rows": 2, "scale": 3.0, "label": "alpha", "verbose": False}
    assert params["packages"]["pandas"]
    assert os.readlink(out / "latest" / "alpha") == f"../{run.run_id}/alpha"  # latest/<unit>: newest good run
    html = (pilot_dir / "alpha.html").read_text()
    assert "Alpha fixture" in html
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) == 1  # the figure, inline
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", html))  # no script from the network
    assert "only-in-hidden-cell" not in html  # remove-cell tag hides helper cells from reviewers
    index = (out / "index.html").read_text()
    assert run.run_id in index and "alpha/alpha.html" in index


def test_failing_pilot_is_isolated_and_latest_kept(fixture_project, tmp_path):
    out = tmp_path / "runs"
    run_pilots(["alpha"], profile="smoke", out=out, progress=False)
    mixed = run_pilots(["broken", "alpha"], profile="smoke", out=out, progress=False)
    assert not mixed.ok
    status = {r.pilot: r.status for r in mixed.results}
    assert status == {"broken": "failed", "alpha": "ok"}  # the failure did not stop alpha
    broken = next(r for r in mixed.results if r.pilot == "broken")
    assert "intentional failure" in broken.error
    assert broken.metrics == {"before_failure": 1}  # recorded before the error, nothing after
    executed = (out / mixed.run_id / "broken" / "broken.ipynb").read_text()
    assert "intentional failure" in executed  # the executed notebook keeps the error for reviewers
    # latest/<unit>: alpha's newest good run (in the mixed run); broken never succeeded, so it has none
    assert os.readlink(out / "latest" / "alpha") == f"../{mixed.run_id}/alpha"
    assert sorted(os.listdir(out / "latest")) == ["alpha"]
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


def _slow_pilot(project):
    """A copy of alpha whose second code cell waits, so that a run can be interrupted in the middle."""
    import shutil

    import nbformat

    target = project / "pilots" / "slow"
    shutil.copytree(project / "pilots" / "alpha", target)
    (target / "alpha.ipynb").rename(target / "slow.ipynb")
    nb = nbformat.read(target / "slow.ipynb", as_version=4)
    nb.cells[2].source = "import time\n\nimport livinglab\n\nlivinglab.record('started', 1)\ntime.sleep(120)"
    nb.cells = nb.cells[:3]
    nbformat.write(nb, target / "slow.ipynb")
    (target / "pilot.yaml").write_text(
        "title: Slow fixture\nnotebooks: [slow.ipynb]\nprofiles: {smoke: {}, full: {}}\n"
    )


def test_ctrl_c_prints_one_line_and_lists_the_run_as_interrupted(fixture_project, tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    _slow_pilot(fixture_project)
    out = tmp_path / "runs"
    cli = Path(sys.executable).with_name("livinglab")
    proc = subprocess.Popen(
        [str(cli), "run", "alpha", "slow", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a terminal's Ctrl-C
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not list(out.glob("*/slow/.recorded.jsonl")):
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("[")]
    assert len(lines) == 1 and "interrupted during slow" in lines[0], err
    assert "Traceback" not in err
    index = json.loads((out / "index.json").read_text())
    assert {r["pilot"]: r["status"] for r in index["runs"]} == {"alpha": "ok", "slow": "interrupted"}
    assert "interrupted" in (out / "index.html").read_text()
    assert not (out / "latest").exists()  # a run with an interrupted pilot never becomes latest


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_once_interrupted_the_dying_kernel_is_not_reported_but_other_runs_errors_are(sig, caplog):
    """The notebook client (papermill's logger) and asyncio report the kernel that died with the Ctrl-C;
    after the interruption they are quiet, before it and from the next run on they are heard."""
    import logging
    import signal
    import time

    from livinglab.runner import terminate_as_interrupt

    # a terminal's Ctrl-C (a test worker may ignore SIGINT); the worker's own handler is put back after
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        client_log = logging.getLogger("papermill")
        with caplog.at_level(logging.ERROR), terminate_as_interrupt():
            client_log.error("a normal run's error")
        with caplog.at_level(logging.ERROR), pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
            os.kill(os.getpid(), getattr(signal, sig))
            time.sleep(10)  # the handler raises at once
        with caplog.at_level(logging.ERROR):
            client_log.error("Kernel died while waiting for execute reply.")
            logging.getLogger("asyncio").error("Task exception was never retrieved")
        with caplog.at_level(logging.ERROR), terminate_as_interrupt():
            client_log.error("the next run's error")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert [r.getMessage() for r in caplog.records] == ["a normal run's error", "the next run's error"]


def test_git_state_is_fast_and_a_fresh_clone_stays_clean(tmp_path):
    import subprocess

    from livinglab.paths import project_root
    from livinglab.runner import git_state

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project_root()), str(clone)], check=True)
    venv = project_root() / ".venv"
    subprocess.run(["make", "-s", "hooks", f"VENV={venv}"], cwd=clone, check=True, capture_output=True)
    state = git_state(clone)
    assert state["dirty"] is False and len(state["commit"]) == 40
    # the filter installed by `make hooks` keeps cell ids: committed notebooks are not shown as modified
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""


def _partner_file(tmp_path):
    path = tmp_path / "partner export.csv"
    path.write_bytes(
        "Datum ;Betrag (€)\r\n01.02.2024;1,5\r\n02.02.2024;2,5\r\n13.02.2024;-1\r\n".encode("cp1252")
    )
    return path


def test_a_partner_file_given_by_parameters_only_is_the_recorded_source(
    fixture_project, tmp_path, monkeypatch
):
    path = _partner_file(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative data_path is read from where the command was typed
    out = tmp_path / "runs"
    code = main(
        [
            "run",
            "gamma",
            "--out",
            str(out),
            "-p",
            "data_path",
            path.name,
            "-p",
            "columns",
            '{"day": "Datum", "amount": "Betrag (€)"}',
            "-p",
            "read_options",
            '{"missing_values": [-1]}',
        ]
    )
    assert code == 0
    pilot_dir = next(out.glob("*/gamma"))
    metrics = json.loads((pilot_dir / "metrics.json").read_text())["metrics"]
    assert metrics == {"rows": 3, "total": 4.0}
    (source,) = json.loads((pilot_dir / "params.json").read_text())["data_sources"]
    from livinglab.catalog import sha256_of

    assert source["origin"] == "file" and source["sha256"] == sha256_of(path)
    assert source["rows"] == 3 and source["encoding"] == "cp1252" and "semicolon" in source["dialect"]
    assert source["time_span"] == ["2024-02-01 00:00:00", "2024-02-13 00:00:00"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            ["-p", "columns", '{"day": "Datum", "amount": "Betrag (€)"}'],
            "below 0, the smallest amount allowed",
        ),
        (["-p", "columns", '{"day": "Datum"}'], "no column for 'amount'"),
        (["-p", "columns", '{"amount": "Betrag (€)", "day": "Datumm"}'], "did you mean 'Datum'"),
    ],
)
def test_a_bad_partner_file_fails_before_any_kernel_in_seconds(
    fixture_project, tmp_path, capsys, monkeypatch, params, message
):
    import livinglab.execute

    def no_kernel(*args, **kwargs):
        raise AssertionError("a notebook was executed for a file that fails its check")

    monkeypatch.setattr(livinglab.execute, "_execute", no_kernel)  # before any kernel, so in seconds
    path = _partner_file(tmp_path)
    out = tmp_path / "runs"
    assert main(["run", "gamma", "--out", str(out), "-p", "data_path", str(path), *params]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("livinglab: gamma: ") and err.count("\n") == 1
    assert not out.exists() or not any(out.iterdir())


def test_file_mode_needs_a_path(fixture_project, tmp_path, capsys):
    assert main(["run", "gamma", "--out", str(tmp_path / "r"), "-p", "data_mode", "file"]) == 2
    assert "needs the file" in capsys.readouterr().err


def test_inspect_proposes_a_mapping_that_runs(fixture_project, tmp_path, capsys):
    import shlex

    path = _partner_file(tmp_path)
    assert main(["inspect", "gamma", str(path), "--read-options", '{"missing_values": [-1]}']) == 0
    out = capsys.readouterr().out
    assert "cp1252" in out and "fits with columns {'day': 'Datum', 'amount': 'Betrag (€)'}" in out
    command = shlex.split(out.strip().splitlines()[-1])
    assert command[:3] == ["livinglab", "run", "gamma"]
    assert main([*command[1:], "--out", str(tmp_path / "runs")]) == 0  # the printed command works as printed


def test_index_shows_claims_and_flags_a_regression_only_between_comparable_runs(fixture_project, tmp_path):
    out = tmp_path / "runs"
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 0  # total 3.0 vs a fixed ten
    index = (out / "index.html").read_text()
    # the claim as recorded: the baseline in words, the paired interval, the verdict it allows
    assert "Total error (units)" in index and "a fixed ten" in index and "-7.00 [-8.00, -6.00]" in index
    assert '<span class="better verdict">&#10003; better</span>' in index
    assert '<table class="nested">' in index  # by_group, a dict, as a small table
    # other parameters: not comparable, so no regression although the error doubled
    code = main(
        ["run", "alpha", "--profile", "smoke", "--out", str(out), "-p", "scale", "3", "--fail-on-regression"]
    )
    assert code == 0 and "Regression" not in (out / "index.html").read_text()
    # the same parameters and data after a code change: the error doubles and is flagged
    notebook = fixture_project / "pilots" / "alpha" / "alpha.ipynb"
    notebook.write_text(notebook.read_text().replace("total = n_rows * scale", "total = n_rows * scale * 3"))
    code = main(["run", "alpha", "--profile", "smoke", "--out", str(out), "--fail-on-regression"])
    assert code == 3  # lower is better (an error), tolerance 10 %
    index = (out / "index.html").read_text()
    assert "Regression since the previous run" in index and "+200.0 %" in index
    assert index.count("<polyline") == 2  # the claim and the plain total over their two comparable runs
    assert main(["run", "alpha", "--profile", "full", "--out", str(out), "--fail-on-regression"]) == 0


@pytest.mark.parametrize(
    ("failures", "message", "ok", "starts"),
    [
        (1, "Kernel died before replying to kernel_info", True, 2),  # started once more, then runs
        (2, "Kernel died before replying to kernel_info", False, 2),  # dies twice: the run fails
        (1, "Kernel didn't respond in 60 seconds", False, 1),  # any other failure: never repeated
    ],
)
def test_a_kernel_that_dies_while_starting_is_started_once_more(
    fixture_project, tmp_path, monkeypatch, capsys, failures, message, ok, starts
):
    """No cell has run when a kernel dies before its first reply, so the run starts it once more; a
    kernel that dies again, or any other failure, fails the run as before."""
    import papermill

    real = papermill.execute_notebook
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError(message)
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    run = run_pilots(["alpha"], profile="smoke", out=tmp_path / "runs", progress=False)
    assert run.ok is ok and len(calls) == starts
    err = capsys.readouterr().err
    assert ("the kernel died while starting, before any cell ran" in err) is (starts == 2)
    if not ok:
        assert run.results[0].status == "failed" and message in run.results[0].error
