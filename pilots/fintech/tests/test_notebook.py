"""The pilot notebook as committed (the smoke run, once per session through the runner): the model against its
strongest baselines, every kind of fraud reaching the queue, the figures and the card."""

from __future__ import annotations

import json

import pytest

from pilots.fintech.synthetic import TYPOLOGIES


@pytest.mark.notebook
def test_smoke_run_beats_its_strongest_baselines_on_fraud_it_never_saw(smoke_runs):
    run = smoke_runs["fintech"]
    assert run.status == "ok", run.error
    m = run.metrics
    assert m["data_source"] == "synthetic" and m["rows"] == 60_000 and m["data_kind"] == "ledger"
    # the strongest baselines (issue "tests that can fail"): a logistic regression on the same features and
    # the default Isolation Forest; the paired 95 % interval of LightGBM minus each excludes zero
    assert m["pr_auc_minus_lr_ci_low"] > 0, (m["pr_auc"], m["pr_auc_lr"], m["pr_auc_minus_lr_ci_low"])
    assert m["pr_auc_minus_iforest_ci_low"] > 0
    assert m["pr_auc_minus_unsupervised_ci_low"] > 0 and m["pr_auc_minus_rules_ci_low"] > 0
    assert m["pr_auc_baseline"] == max(m[f"pr_auc_{b}"] for b in ("lr", "iforest", "unsupervised", "rules"))
    assert set(m["recall_by_typology"]) == set(TYPOLOGIES)  # held-out parameters and the held-out bust-out
    for typology, recall in m["recall_by_typology"].items():
        assert recall > 0, f"{typology} never reached the analyst queue"
    assert m["queue_rows_with_reasons"] >= 1
    assert m["interval_method"].startswith("whole accounts resampled")
    assert m["wall_s"] < 120


@pytest.mark.notebook
def test_smoke_run_shows_its_figures_and_writes_the_card(smoke_runs):
    run = smoke_runs["fintech"]
    assert run.status == "ok", run.error
    html = (run.dir / "fintech.html").read_text(encoding="utf-8")
    assert html.count("<img") >= 5  # overview, PR curves, differences, cost, segments
    assert "This ledger is SYNTHETIC" in html
    card = json.loads((run.dir / "model_card.json").read_text())
    assert "5(b)" in json.dumps(card["ai_act"]) and card["data"][0]["synthetic"] is True
    assert "never blocks" in card["human_oversight"]
    assert "10 million" in json.dumps(card["notes"])  # the single-machine ceiling and the hand-off
    card_md = (run.dir / "model_card.md").read_text()
    assert "logistic regression" in card_md and card_md.count("![") >= 2
    assert (run.dir / "drift_summary.json").is_file()
