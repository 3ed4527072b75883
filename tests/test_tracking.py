"""``--mlflow``: runs and sweeps arrive in an MLflow tracking store as a team's MLflow UI shows them.

The store is a local folder (MLflow's file store), so no server is needed; what arrives is read back with
MLflow's own client. Without the option nothing changes and MLflow is not imported.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from livinglab.cli import main

mlflow = pytest.importorskip("mlflow", reason="mlflow-skinny is part of make install")


def _client(store: Path):
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return mlflow.tracking.MlflowClient(tracking_uri=store.resolve().as_uri())


def _runs(client, experiment: str):
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment}"
    return client.search_runs([found.experiment_id])


def _artefacts(client, run_id: str, path: str | None = None) -> set[str]:
    paths = set()
    for entry in client.list_artifacts(run_id, path):
        paths |= _artefacts(client, run_id, entry.path) if entry.is_dir else {entry.path}
    return paths


def _committed(root: Path) -> str:
    """The fixture project as a git repository with one commit (so the run records a commit)."""
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "fixture"], check=True)
    return subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_run_arrives_with_parameters_metrics_claims_and_notebook(fixture_project, tmp_path):
    commit = _committed(fixture_project)
    out, store = tmp_path / "runs", tmp_path / "mlruns"
    argv = ["run", "alpha", "--profile", "smoke", "-p", "label", "beta", "--out", str(out)]
    assert main([*argv, "--mlflow", str(store)]) == 0

    client = _client(store)
    (run,) = _runs(client, "livinglab-alpha")
    doc = json.loads(next(out.glob("*/alpha/metrics.json")).read_text())
    # every parameter the notebook ran with (profile, override and defaults), the data and the commit
    assert run.data.params == {
        "n_rows": "2",
        "scale": "1.5",
        "label": "beta",
        "verbose": "false",
        "data_fingerprint": "",
        "git_commit": commit,
        "git_dirty": "false",
    }
    metrics = run.data.metrics
    assert metrics["total"] == 3.0 and metrics["baseline_total"] == 10.0
    assert metrics["by_group/a"] == 1.0 and metrics["by_group/b"] == 2.5  # nested numbers, flattened
    assert "label" not in metrics and "cwd_is_pilot" not in metrics  # texts and yes/no are not metrics
    claim = {k.split("/")[-1]: v for k, v in metrics.items() if k.startswith("claim/total_error/")}
    assert claim == {"model": 3.0, "baseline": 10.0, "difference": -7.0, "low": -8.0, "high": -6.0}
    assert metrics["time/wall_s"] == doc["wall_time_s"]
    tags = run.data.tags
    assert tags["claim.total_error.verdict"] == "better" == doc["claims"]["total_error"]["verdict"]
    assert tags["claim.total_error.sentence"].startswith("Total error (units): 3.00 for alpha against 10.0")
    assert tags["claim.total_error.sentence"] in tags["mlflow.note.content"]
    assert tags["livinglab.run_id"] == doc["run_id"] and tags["livinglab.profile"] == "smoke"
    assert tags["mlflow.source.git.commit"] == commit and tags["mlflow.runName"] == "alpha"
    assert run.info.status == "FINISHED"
    assert _artefacts(client, run.info.run_id) == {
        "notebook/alpha.ipynb",
        "notebook/alpha.html",
        "params.json",
        "metrics.json",
    }


def test_a_pilot_run_sends_its_model_card_and_figures(smoke_runs, tmp_path):
    """A real pilot's smoke run (shared with the other tests): card and figures arrive as artefacts."""
    from livinglab.execute import PilotResult
    from livinglab.tracking import open_sink

    run = smoke_runs["public_sector"]
    assert run.status == "ok", run.error
    sink = open_sink(str(tmp_path / "mlruns"))
    run_id = sink.log(PilotResult("public_sector", "ok", run.dir, 0.0))
    assert run_id is not None
    sent = _artefacts(sink.client, run_id)
    figures = sorted(p.name for p in run.dir.iterdir() if p.suffix == ".png")
    assert figures and {f"figures/{name}" for name in figures} <= sent
    assert {"model_card/model_card.md", "model_card/model_card.html", "notebook/public_sector.html"} <= sent
    assert not any(p.endswith((".csv", ".parquet", ".joblib")) for p in sent)  # nothing row-level
    record = json.loads((run.dir / "metrics.json").read_text())
    logged = sink.client.get_run(run_id).data
    assert record["claims"] and all(
        logged.tags[f"claim.{name}.verdict"] == claim["verdict"]
        and logged.metrics.get(f"claim/{name}/model") == claim["model_value"]
        for name, claim in record["claims"].items()
    )


def test_a_sweep_is_a_parent_run_with_a_child_a_point(fixture_project, tmp_path, monkeypatch):
    out, store = tmp_path / "runs", tmp_path / "mlruns"
    monkeypatch.setenv("LIVINGLAB_MLFLOW", str(store))  # the variable instead of --mlflow
    grid = ["-p", "scale", "1,1.2", "--workers", "1"]
    assert main(["sweep", "alpha", "--profile", "smoke", *grid, "--out", str(out)]) == 0
    client = _client(store)
    runs = _runs(client, "livinglab-alpha")
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    (parent,) = parents
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert parent.data.params["grid/scale"] == '["1", "1.2"]'
    assert parent.data.metrics == {"points": 2.0, "points_ok": 2.0} and parent.info.status == "FINISHED"
    assert sorted(c.data.metrics["total"] for c in children) == [2.0, 2.4]
    assert sorted(c.data.tags["mlflow.runName"] for c in children) == ["scale=1.0", "scale=1.2"]
    assert {c.data.tags["livinglab.sweep_id"] for c in children} == {parent.data.tags["livinglab.sweep_id"]}


def test_without_the_option_nothing_is_sent_and_mlflow_is_not_imported(fixture_project, tmp_path):
    out = tmp_path / "runs"
    script = (
        "import sys\nfrom livinglab.cli import main\n"
        f"code = main(['run', 'alpha', '--profile', 'smoke', '--out', {str(out)!r}])\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'mlflow'}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "LIVINGLAB_MLFLOW"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout + done.stderr
    assert "MLflow" not in done.stderr and not list(tmp_path.glob("**/mlruns"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_server_is_one_sentence_before_any_work(fixture_project, tmp_path, capsys):
    out = tmp_path / "runs"
    uri = f"http://analyst:s3cret@127.0.0.1:{_closed_port()}"
    assert main(["run", "alpha", "--out", str(out), "--mlflow", uri]) == 2
    err = capsys.readouterr().err
    assert err.startswith("livinglab: Cannot reach the MLflow tracking store http://***@127.0.0.1:")
    assert err.count("\n") == 1 and "s3cret" not in err
    assert not out.exists() or not any(out.iterdir())  # no notebook ran


def test_a_run_that_cannot_be_sent_is_said_and_the_run_stands(fixture_project, tmp_path, capsys):
    from livinglab.execute import PilotResult
    from livinglab.tracking import open_sink

    out = tmp_path / "runs"
    assert main(["run", "alpha", "--profile", "smoke", "--out", str(out)]) == 0
    folder = next(out.glob("*/alpha"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    sink = open_sink(str(tmp_path / "mlruns"))

    def refuse(*args, **kwargs):
        raise ConnectionError("the server went away")

    sink.client.create_run = refuse
    capsys.readouterr()
    assert sink.log(PilotResult("alpha", "ok", folder, 1.0)) is None
    assert "could not send alpha to MLflow" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_run_on_a_partners_file_sends_its_records_and_card_not_its_notebook(
    fixture_project, tmp_path, monkeypatch
):
    """A notebook on a partner's file shows rows (an alert queue, example texts): it stays in the run folder;
    the records arrive, and a tag says why the notebook did not. A synthetic run sends it (a run on the
    catalogue's published data too: the public-sector smoke run below)."""
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", "a-test-key-that-is-long-enough")
    partner = tmp_path / "amounts.csv"
    partner.write_text("day,amount\n2024-01-01,3\n2024-01-02,4\n")
    out, store = tmp_path / "runs", tmp_path / "mlruns"
    assert (
        main(["run", "gamma", "-p", "data_path", str(partner), "--out", str(out), "--mlflow", str(store)])
        == 0
    )
    assert main(["run", "gamma", "--out", str(out), "--mlflow", str(store)]) == 0
    client = _client(store)
    runs = {r.data.params["data_path"]: r for r in _runs(client, "livinglab-gamma")}
    sent = _artefacts(client, runs[str(partner)].info.run_id)
    assert sent == {"params.json", "metrics.json"}, sent
    assert "stay in its run folder" in runs[str(partner)].data.tags["livinglab.artefacts"]
    assert "notebook/gamma.ipynb" in _artefacts(client, runs[""].info.run_id)
    assert "livinglab.artefacts" not in runs[""].data.tags


def test_the_error_of_a_run_on_personal_data_is_sent_without_the_values_it_quotes():
    """A contract check's message quotes what it refused (an IBAN, a name): for a run on a partner's file
    MLflow gets where and what failed, not the message; a synthetic run's message is sent whole."""
    from livinglab.tracking import run_tags

    error = "ledger.ipynb: ContractError: Column 'iban' fails the check: row 5: 'LU28 0019 4006 4475 0000'"
    doc = {"run_id": "r", "pilot": "fintech", "status": "failed", "error": error}
    partner = {"data_sources": [{"dataset": "partner", "origin": "file", "synthetic": False}]}
    synthetic = {"data_sources": [{"dataset": "synthetic", "origin": "synthetic", "synthetic": True}]}
    sent = run_tags(doc, partner)["livinglab.error"]
    assert sent.startswith("ledger.ipynb: ContractError (the message") and "LU28" not in sent
    assert run_tags(doc, synthetic)["livinglab.error"] == error
