"""A ledger end to end: the model against its strongest baselines, the queue, segments, drift, unlabelled ledgers."""

from __future__ import annotations

import numpy as np
import pytest

from livinglab.drift import compare_and_store
from pilots.fintech.oversight import analyst_queue, segment_alert_report
from pilots.fintech.pipeline import run_detection
from pilots.fintech.reporting import (
    detector_comparison,
    drift_categoricals,
    drift_frame,
    evaluation_rows,
    ledger_metrics,
    typology_recall_table,
    typology_table,
)
from pilots.fintech.synthetic import TYPOLOGIES, generate_transactions

SEGMENTS = ("residency", "customer_type")


@pytest.fixture(scope="module")
def ledger():
    return generate_transactions(40_000, n_days=40, fraud_rate=0.01, seed=11)


@pytest.fixture(scope="module")
def run(ledger):
    return run_detection(ledger, segments=SEGMENTS, data_source="synthetic", alerts_per_day=25, seed=0)


@pytest.fixture(scope="module")
def comparison(run):
    return detector_comparison(run, n_boot=100, seed=0)


def test_metrics_and_time_order(run, ledger):
    m = run.metrics
    assert m["rows"] == 40_000 and m["data_source"] == "synthetic" and m["detection_mode"] == "supervised"
    assert run.test["timestamp"].min() >= ledger.loc[run.split.train, "timestamp"].max()
    assert m["labels_train_frauds_known"] + m["labels_train_frauds_pending"] == m["labels_train_frauds"]
    assert m["labels_train_frauds_pending"] > 0  # label delay bites
    alerts_per_day = run.test.groupby(run.test["timestamp"].dt.normalize())["alerted"].sum()
    assert (alerts_per_day <= 25).all() and (alerts_per_day == 25).mean() > 0.9
    assert set(m["recall_by_typology"]) == set(TYPOLOGIES)  # the held-out bust-out included
    assert not {"near_threshold", "n_refund_7d", "n_cash_7d", "n_near_threshold_7d"} & set(run.model_features)


def test_lightgbm_beats_its_strongest_baselines_with_an_interval_that_excludes_zero(run, comparison):
    """The logistic regression on the same features and the default Isolation Forest, on held-out fraud."""
    _, cis = comparison
    for baseline in ("lr", "iforest", "unsupervised", "rules"):
        difference = cis[f"minus_{baseline}"]
        assert difference.low > 0, f"LightGBM minus {baseline}: {difference}"
    values = ledger_metrics(run, cis)
    assert values["strongest_baseline"] == "logistic regression"
    assert values["pr_auc_minus_lr_ci_low"] > 0 and values["pr_auc_baseline"] == values["pr_auc_lr"]


def test_settings_are_checked(ledger):
    with pytest.raises(TypeError, match="Unknown pipeline setting"):
        run_detection(ledger, alert_budget=3)
    with pytest.raises(ValueError, match="alerts_per_day"):
        run_detection(ledger, alerts_per_day=0)


def test_analyst_queue(run):
    day = run.test["timestamp"].dt.normalize().iloc[len(run.test) // 2]
    queue = analyst_queue(
        run.test, run.X_test, run.model, day=day, size=12, pseudonym_key="k" * 32, segments=SEGMENTS
    )
    assert len(queue) == 12 and queue["rank"].tolist() == list(range(1, 13))
    assert queue["score"].is_monotonic_decreasing
    assert (queue["top_reasons"].str.len() > 0).all()
    raw_ids = set(run.test["account_id"].astype(str))
    assert not set(queue["account"]) & raw_ids  # pseudonyms, not account ids
    alerted_that_day = run.test[(run.test["timestamp"].dt.normalize() == day) & run.test["alerted"]]
    assert queue["amount_eur"].round(2).isin(alerted_that_day["amount"].round(2)).all()
    assert analyst_queue(run.test, run.X_test, run.model, day="1999-01-01").empty  # a day without alerts
    # coded features are shown by name: no reason says "country ... = 3"
    assert (
        not queue["top_reasons"].str.contains(r"country of the counterparty or shop = \d", regex=True).any()
    )


def test_segment_report_matches_a_hand_count(run):
    report = segment_alert_report(run.test, segments=SEGMENTS, n_boot=20)
    table = report.table.set_index("group")
    assert len(table) == 4
    manual = run.test.groupby([run.test["residency"].astype(str), run.test["customer_type"].astype(str)])[
        "alerted"
    ].mean()
    for (res, typ), share in manual.items():
        assert table.loc[f"{res}, {typ}", "alert_share"] == pytest.approx(share)
    assert segment_alert_report(run.test.drop(columns=["residency"]), segments=SEGMENTS) is None
    assert segment_alert_report(run.test, segments=()) is None


def test_reporting_tables_and_values(run, ledger, comparison):
    table = typology_table(ledger, 40_000, 0.01, 0.7).set_index("typology")
    assert (table["rows_learnt_parameters"] + table["rows_held_out"] == table["requested_rows"]).all()
    assert table.loc["bust_out", "rows_learnt_parameters"] == 0 and table.loc["bust_out", "only_held_out"]
    frame, cis = comparison
    assert frame.loc[0, "pr_auc"] == pytest.approx(run.metrics["pr_auc"])
    assert cis["score"].low <= cis["score"].estimate <= cis["score"].high
    recall = typology_recall_table(run)
    assert recall["test_fraud_rows"].sum() == run.metrics["frauds_test"]
    values = ledger_metrics(run, cis, segments=segment_alert_report(run.test, segments=SEGMENTS, n_boot=20))
    assert {"pr_auc", "pr_auc_ci_low", "alert_share_high", "false_alert_gap", "interval_method"} <= set(
        values
    )
    assert all(not (isinstance(v, float) and np.isnan(v)) for v in values.values())
    rows = evaluation_rows(run, cis)
    assert {r["baseline_name"] for r in rows} >= {"logistic regression (same features)", "rules baseline"}


def test_drift_of_the_scored_period_against_an_earlier_run_on_the_same_data(run, tmp_path):
    runs = tmp_path / "runs"
    frame, categorical = drift_frame(run), drift_categoricals(run)
    assert {"score", "score_lr", "score_iforest", "score_rules"} <= set(frame) and set(categorical) <= set(
        frame
    )
    first = compare_and_store(
        frame, categorical=categorical, fingerprint="ledger", output=runs / "r1" / "fintech"
    )
    again = compare_and_store(
        frame, categorical=categorical, fingerprint="ledger", output=runs / "r2" / "fintech"
    )
    other = compare_and_store(
        frame, categorical=categorical, fingerprint="other", output=runs / "r3" / "fintech"
    )
    assert first.previous is None and again.previous_run_id is not None and other.previous is None
    assert len(again.table) == frame.shape[1] and again.max_psi < 1e-9  # the same run: no drift at all


def test_a_ledger_without_labels_is_ranked_by_the_unsupervised_combination(ledger):
    bare = ledger.drop(columns=["label", "typology", "label_available_at"])
    run = run_detection(bare, segments=SEGMENTS, alerts_per_day=20)
    assert not run.supervised and not run.has_labels and run.model is None and run.logistic is None
    np.testing.assert_array_equal(run.test["score"], run.test["score_unsupervised"])
    assert "pr_auc" not in run.metrics and run.metrics["detection_mode"] == "unsupervised"
    assert any("No labels" in note for note in run.notes)
    queue = analyst_queue(
        run.test,
        run.X_test,
        None,
        size=5,
        reference=run.features.loc[run.split.train, run.unsupervised_features],
    )
    assert len(queue) == 5 and "outcome" not in queue and (queue["top_reasons"].str.contains("z ")).all()
    assert evaluation_rows(run)[0]["metric"].startswith("not evaluated")


def test_too_few_known_frauds_fall_back_on_the_unsupervised_score(ledger):
    few = ledger.copy()
    keep = np.flatnonzero(few["label"].to_numpy() == 1)[:3]
    few["label"] = 0
    few.loc[keep, "label"] = 1
    run = run_detection(few, alerts_per_day=20)
    assert not run.supervised and run.has_labels and "pr_auc" in run.metrics
    assert any("unsupervised combination is the model" in note for note in run.notes)
