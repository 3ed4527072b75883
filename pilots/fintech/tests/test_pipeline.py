"""The pipeline end to end on a small ledger, the analyst queue, the segment report and the card facts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livinglab.drift import compare_and_store
from pilots.fintech.oversight import analyst_queue, segment_alert_report
from pilots.fintech.pipeline import detect_kind, run_detection
from pilots.fintech.reporting import (
    detector_comparison,
    drift_categoricals,
    drift_frame,
    run_metrics,
    typology_recall_table,
    typology_table,
)
from pilots.fintech.synthetic import TYPOLOGIES, generate_transactions

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


@pytest.fixture(scope="module")
def ledger():
    return generate_transactions(40_000, n_days=40, fraud_rate=0.01, seed=11)


@pytest.fixture(scope="module")
def run(ledger):
    return run_detection(ledger, data_source="synthetic", alerts_per_day=25, seed=0)


def test_metrics_and_time_order(run, ledger):
    m = run.metrics
    assert set(REQUIRED) <= set(m) and m["rows"] == 40_000 and m["data_source"] == "synthetic"
    assert run.test["timestamp"].min() >= ledger.loc[run.split.train, "timestamp"].max()
    assert m["pr_auc"] > m["pr_auc_rules"]
    assert m["labels_train_frauds_known"] + m["labels_train_frauds_pending"] == m["labels_train_frauds"]
    assert m["labels_train_frauds_pending"] > 0  # label delay bites
    alerts_per_day = run.test.groupby(run.test["timestamp"].dt.normalize())["alerted"].sum()
    assert (alerts_per_day <= 25).all() and (alerts_per_day == 25).mean() > 0.9
    assert set(m["recall_by_typology"]) == set(TYPOLOGIES)


def test_settings_are_checked(ledger):
    with pytest.raises(TypeError, match="Unknown pipeline setting"):
        run_detection(ledger, alert_budget=3)
    with pytest.raises(ValueError, match="alerts_per_day"):
        run_detection(ledger, alerts_per_day=0)
    assert detect_kind(ledger) == "transactions"
    with pytest.raises(ValueError, match="neither ULB"):
        detect_kind(pd.DataFrame({"x": [1]}))


def test_analyst_queue(run):
    day = run.test["timestamp"].dt.normalize().iloc[len(run.test) // 2]
    queue = analyst_queue(run.test, run.X_test, run.model, day=day, size=12, pseudonym_key="k" * 32)
    assert len(queue) == 12 and queue["rank"].tolist() == list(range(1, 13))
    assert queue["score"].is_monotonic_decreasing
    assert (queue["top_reasons"].str.len() > 0).all()
    raw_ids = set(run.test["account_id"].astype(str))
    assert not set(queue["account"]) & raw_ids  # pseudonyms, not account ids
    alerted_that_day = run.test[(run.test["timestamp"].dt.normalize() == day) & run.test["alerted"]]
    assert queue["amount_eur"].round(2).isin(alerted_that_day["amount"].round(2)).all()
    assert queue["outcome"].str.startswith("fraud").any()
    assert analyst_queue(run.test, run.X_test, run.model, day="1999-01-01").empty  # a day without alerts
    # coded features are shown by name: no reason says "country ... = 3"
    assert (
        not queue["top_reasons"].str.contains(r"country of the counterparty or shop = \d", regex=True).any()
    )


def test_segment_report_matches_a_hand_count(run):
    report = segment_alert_report(run.test, n_boot=20)
    table = report.table.set_index("group")
    assert len(table) == 4
    manual = run.test.groupby([run.test["residency"].astype(str), run.test["customer_type"].astype(str)])[
        "alerted"
    ].mean()
    for (res, typ), share in manual.items():
        assert table.loc[f"{res}, {typ}", "alert_share"] == pytest.approx(share)
    assert segment_alert_report(run.test.drop(columns=["residency"])) is None


def test_reporting_tables_and_facts(run, ledger):
    table = typology_table(ledger, 40_000, 0.01).set_index("typology")
    assert (table["rows"] == table["requested_rows"]).all()
    comparison, cis = detector_comparison(run, n_boot=30)
    assert comparison.loc[0, "pr_auc"] == pytest.approx(run.metrics["pr_auc"])
    assert cis["score"].low <= cis["score"].estimate <= cis["score"].high
    recall = typology_recall_table(run)
    assert recall["test_fraud_rows"].sum() == run.metrics["frauds_test"]
    facts = run_metrics(run, cis, segments=segment_alert_report(run.test, n_boot=20))
    assert {
        "pr_auc",
        "pr_auc_ci_low",
        "alert_share_high",
        "false_alert_gap",
        "labels_train_frauds_pending",
    } <= set(facts)
    assert all(not (isinstance(v, float) and np.isnan(v)) for v in facts.values())


def test_drift_of_the_scored_period_against_an_earlier_run_on_the_same_data(run, tmp_path):
    runs = tmp_path / "runs"
    frame, categorical = drift_frame(run), drift_categoricals(run)
    assert {"score", "score_rules", "score_unsupervised"} <= set(frame) and set(categorical) <= set(frame)
    first = compare_and_store(
        frame, categorical=categorical, fingerprint="ledger", output=runs / "r1" / "fintech"
    )
    again = compare_and_store(
        frame, categorical=categorical, fingerprint="ledger", output=runs / "r2" / "fintech"
    )
    assert first.previous is None and again.previous_run_id is not None
    assert len(again.table) == frame.shape[1] and again.max_psi < 1e-9  # the same run: no drift at all
    values = run_metrics(run, detector_comparison(run, n_boot=10)[1], drift=again)
    assert values["drift_max_psi"] == pytest.approx(0, abs=1e-9) and "largest PSI" in values["drift_note"]


def test_a_bank_export_runs_through_the_mapping_loader(tmp_path):
    from pilots.fintech.loaders import load_transactions

    tx = generate_transactions(20_000, n_days=30, fraud_rate=0.01, seed=4)
    export = tx.rename(
        columns={
            "transaction_id": "ref",
            "timestamp": "booking_time",
            "account_id": "iban",
            "counterparty_id": "other_party",
            "amount": "amount_eur",
            "label": "fraud_flag",
        }
    )
    export["iban"] = "LU" + export["iban"].astype(str)
    path = tmp_path / "export.csv"
    export.sample(frac=1.0, random_state=0).to_csv(path, index=False)  # shuffled, as exports often are
    data, report = load_transactions(
        path,
        {
            "transaction_id": "ref",
            "timestamp": "booking_time",
            "account_id": "iban",
            "counterparty_id": "other_party",
            "amount": "amount_eur",
            "label": "fraud_flag",
        },
    )
    assert report.rows_out == 20_000 and report.rows_out_of_order > 0
    run = run_detection(data, data_source="file", alerts_per_day=20)
    assert run.kind == "transactions" and run.metrics["pr_auc"] > run.metrics["pr_auc_rules"]
