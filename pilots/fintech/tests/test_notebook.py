"""The pilot notebook, run by the runner: smoke profile on synthetic data, and real mode on the ULB slice."""

from __future__ import annotations

import json

import pytest

from pilots.fintech.synthetic import TYPOLOGIES

REQUIRED = (
    "pr_auc",
    "pr_auc_rules",
    "pr_auc_unsupervised",
    "roc_auc",
    "precision_at_budget",
    "recall_by_typology",
    "rows",
    "data_source",
)


@pytest.mark.notebook
def test_smoke_run_beats_the_rules_and_catches_every_typology(smoke_runs):
    run = smoke_runs["fintech"]
    assert run.status == "ok", run.error
    m = run.metrics
    assert set(REQUIRED) <= set(m)
    assert m["data_source"] == "synthetic" and m["rows"] == 60_000
    assert m["pr_auc"] > m["pr_auc_rules"]
    assert m["pr_auc_ci_low"] > m["pr_auc_rules_ci_high"]  # not just a lucky draw
    assert set(m["recall_by_typology"]) == set(TYPOLOGIES)
    for typology, recall in m["recall_by_typology"].items():
        assert recall > 0, f"{typology} never reached the analyst queue"
    assert m["queue_rows_with_reasons"] >= 1
    card = json.loads((run.dir / "model_card.json").read_text())
    assert "5(b)" in json.dumps(card["ai_act"]) and card["data"][0]["synthetic"] is True
    assert "never blocks" in card["human_oversight"]
    assert (run.dir / "drift_summary.json").is_file() and (run.dir / "fintech.html").is_file()


@pytest.mark.notebook
@pytest.mark.realdata
def test_real_mode_runs_on_the_ulb_slice(shared_data_dir, tmp_path, monkeypatch):
    if not (shared_data_dir / "fintech" / "creditcard_ulb_head7972.csv").is_file():
        pytest.skip("the ULB slice fintech/creditcard_ulb_head7972.csv is not in the data mirror")
    from livinglab.paths import project_root
    from livinglab.runner import run_pilots

    monkeypatch.setenv("LIVINGLAB_ROOT", str(project_root()))
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(shared_data_dir))
    result = run_pilots(
        ["fintech"], profile="smoke", overrides={"data_mode": "real"}, out=tmp_path / "runs", progress=False
    ).results[0]
    assert result.status == "ok", result.error
    m = result.metrics
    assert m["data_source"] == "mirror:ulb-creditcard-fraud"
    assert m["rows"] == 7_933  # 7,972 rows minus 39 exact duplicates
    assert 0 < m["frauds_test"] <= 25 and 0 <= m["pr_auc"] <= 1
    assert m["pr_auc_ci_low"] < m["pr_auc"] or m["pr_auc"] == 1.0  # few frauds: an interval, not a point
    card = json.loads((result.directory / "model_card.json").read_text())
    assert card["data"][0]["synthetic"] is False
