"""Partners' files through data_path only (``livinglab.load``, the one way in): a ledger with ';' and day-first
dates, a ledger without labels or with only the required columns, bad ledgers, feature tables; the runner picks
the design a file fits; a partner's file is read exactly once per run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab import reader
from livinglab.contract import ContractError
from livinglab.pilots import get_pilot, plan_parameters
from livinglab.runner import check_data_request
from livinglab.trust import PSEUDONYM_KEY_ENV
from pilots.fintech import report
from pilots.fintech.data import ledger_frame
from pilots.fintech.run import run_features, run_ledger
from pilots.fintech.synthetic.ledger import generate_transactions


@pytest.fixture(autouse=True)
def key(monkeypatch):
    """A partner's data need the pseudonymisation key (the queue's account pseudonyms)."""
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "a-test-key-of-32-characters-long")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A bank's export: its own column names, ';' separators, day-first dates, decimal commas, shuffled rows."""
    tx = generate_transactions(12_000, n_days=30, fraud_rate=0.02, seed=4)
    frame = pd.DataFrame(
        {
            "Buchungsdatum": tx["timestamp"].dt.strftime("%d.%m.%Y %H:%M:%S"),
            "Konto": "LU" + tx["account_id"].astype(str),
            "Empfaenger": tx["counterparty_id"].astype(str),
            "Betrag": np.where(tx["direction"] == "debit", -tx["amount"], tx["amount"]).round(2),
            "Kanal": tx["channel"].astype(str),
            "Land": tx["country"].astype(str),
            "Betrug": tx["label"],
            "Bestaetigt": tx["label_available_at"].dt.strftime("%d.%m.%Y %H:%M:%S"),
        }
    ).sample(frac=1.0, random_state=0)
    frame["Betrag"] = frame["Betrag"].map(lambda v: f"{v:.2f}".replace(".", ","))
    path = tmp_path_factory.mktemp("export") / "export.csv"
    frame.to_csv(path, sep=";", index=False)
    return path, tx


COLUMNS = {
    "timestamp": "Buchungsdatum",
    "account": "Konto",
    "counterparty": "Empfaenger",
    "amount": "Betrag",
    "channel": "Kanal",
    "country": "Land",
    "label": "Betrug",
    "label_time": "Bestaetigt",
}
READ = {"sep": ";", "dayfirst": True}


def test_a_semicolon_ledger_with_day_first_dates_runs_end_to_end(export):
    path, tx = export
    result = run_ledger(
        {"data_path": str(path), "columns": COLUMNS, "read_options": READ, "alerts_per_day": 20, "n_boot": 20}
    )
    m, det = result.metrics, result.detection
    assert result.data.mode == "file" and m["rows"] == 12_000 and m["data_source"] == "file:export.csv"
    assert m["first_time"] == str(tx["timestamp"].min())  # 5 January, not 1 May
    assert det.available == {"counterparty", "channel", "country", "direction"}  # no device column
    notes = " ".join(result.notes)
    assert (
        "negative amounts read as money out" in notes
        and "rows were out of time order and were sorted" in notes
    )
    assert "no device column" in notes and "no segment column" in notes
    assert (
        det.supervised and "new_device" not in det.model_features and "pass_through_24h" in det.model_features
    )
    assert result.claim("pr_auc_vs_isolation_forest").verdict == "better"
    summary = report.summary(result)
    assert "export.csv" in summary and "SYNTHETIC" not in summary and result.subgroups == {}


def test_a_partners_file_is_read_exactly_once_per_run(export, tmp_path, monkeypatch):
    path, _ = export
    reads = []
    original = reader._read_one
    monkeypatch.setattr(reader, "_read_one", lambda p, *a, **k: reads.append(p) or original(p, *a, **k))
    run_ledger({"data_path": str(path), "columns": COLUMNS, "read_options": READ, "n_boot": 10})
    assert reads == [path.resolve()]
    table = tmp_path / "table.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.standard_normal((300, 3)), columns=["a", "b", "c"]).assign(label=0).to_csv(
        table, index=False
    )
    reads.clear()
    run_features({"data_path": str(table), "n_boot": 10})
    assert reads == [table.resolve()]


def test_the_runner_picks_the_design_a_file_fits(export, tmp_path):
    pilot = get_pilot("fintech")

    def design_for(path, **given):
        overrides = {"data_path": str(path), **{k: json.dumps(v) for k, v in given.items()}}
        return [
            u.design.name for u in check_data_request(pilot, plan_parameters(pilot, "default", overrides))
        ]

    path, _ = export
    assert design_for(path, columns=COLUMNS, read_options=READ) == ["ledger"]
    plain = tmp_path / "plain.csv"
    pd.DataFrame({"account": ["a"] * 3, "timestamp": ["2026-01-01"] * 3, "amount": [1, 2, 3]}).to_csv(
        plain, index=False
    )
    assert design_for(plain) == ["ledger"]
    table = tmp_path / "table.csv"
    pd.DataFrame({"f1": [1.0, 2.0], "f2": [3.0, 4.0]}).to_csv(table, index=False)
    assert design_for(table) == ["features"]


def test_a_ledger_without_labels_takes_the_unsupervised_path_with_a_clear_note(export):
    path, _ = export
    columns = {k: v for k, v in COLUMNS.items() if k not in ("label", "label_time")}
    result = run_ledger(
        {"data_path": str(path), "columns": columns, "read_options": READ, "alerts_per_day": 10}
    )
    assert any("no label column: the unsupervised detector ranks the transactions" in n for n in result.notes)
    assert not result.detection.supervised and "pr_auc" in result.as_record()["metrics"]
    assert result.verdicts == {"pr_auc": "not computed"} and result.detection.test["alerted"].sum() > 0
    assert report.card(result).evaluation  # the card still renders: the claim says it was not computed
    assert len(report.queue_table(result)) == result.params["queue_size"]


def test_a_ledger_with_only_the_required_columns(tmp_path):
    tx = generate_transactions(5_000, n_days=20, fraud_rate=0.0, seed=1)
    path = tmp_path / "minimal.csv"
    tx[["timestamp", "account_id", "amount"]].rename(columns={"account_id": "account"}).to_csv(
        path, index=False
    )
    result = run_ledger({"data_path": str(path), "alerts_per_day": 5})
    det = result.detection
    assert det.available == frozenset() and not det.has_labels
    assert any("no counterparty or merchant column" in n for n in result.notes)
    assert "acc_in_degree" not in det.X_test and len(det.test) > 0


def _loaded(frame: pd.DataFrame, tmp_path, **params):
    path = tmp_path / "ledger.csv"
    frame.to_csv(path, index=False)
    return livinglab.load("fintech", "ledger", {"data_path": str(path), **params}, record=False)


@pytest.fixture
def small():
    tx = generate_transactions(2_000, n_days=14, fraud_rate=0.01, seed=5)
    return pd.DataFrame(
        {
            "booked": tx["timestamp"].astype(str),
            "iban": tx["account_id"].astype(str),
            "beneficiary": tx["counterparty_id"].astype(str),
            "eur": tx["amount"],
            "direction": tx["direction"].astype(str),
            "is_fraud": tx["label"],
        }
    )


MAPPING = {
    "timestamp": "booked",
    "account": "iban",
    "counterparty": "beneficiary",
    "amount": "eur",
    "label": "is_fraud",
}


def test_bad_ledgers_stop_with_one_sentence_that_says_what_to_change(small, tmp_path):
    bad = small.astype({"eur": object})
    bad.loc[3, "eur"] = "12,50 EUR"
    with pytest.raises(ContractError, match="must hold numbers.*12,50 EUR"):
        _loaded(bad, tmp_path, columns=MAPPING)
    labels = small.astype({"is_fraud": object})
    labels.loc[[0, 1], "is_fraud"] = ["2", "maybe"]
    with pytest.raises(ContractError, match="must hold 0/1"):
        ledger_frame(_loaded(labels, tmp_path, columns=MAPPING).frame)
    times = small.copy()
    times.loc[2, "booked"] = "yesterday-ish"
    with pytest.raises(ContractError, match="not dates"):
        _loaded(times, tmp_path, columns=MAPPING)
    direction = small.copy()
    direction.loc[5, "direction"] = "sideways"
    with pytest.raises(ContractError, match="direction must say debit/credit.*sideways"):
        ledger_frame(_loaded(direction, tmp_path, columns=MAPPING).frame)
    with pytest.raises(ContractError, match="only 100 rows"):
        ledger_frame(_loaded(small.head(100), tmp_path, columns=MAPPING).frame)


def test_unsorted_and_duplicated_rows_are_cleaned_and_counted(small, tmp_path):
    messy = pd.concat([small.iloc[::-1], small.iloc[[5, 6, 7]]], ignore_index=True)  # reversed + 3 duplicates
    ledger = ledger_frame(_loaded(messy, tmp_path, columns=MAPPING).frame)
    assert len(ledger.frame) == 2_000 and ledger.frame["timestamp"].is_monotonic_increasing
    assert "3 exact duplicate rows (identical in every column of the file) dropped" in ledger.notes
    assert ledger.counts["duplicates_dropped"] == 3 and ledger.counts["rows_read"] == 2_003
    assert any("out of time order and were sorted" in n for n in ledger.notes)
    assert ledger.frame["transaction_id"].tolist() == list(range(2_000))
    signed = small.assign(eur=np.where(small["direction"] == "debit", -small["eur"], small["eur"])).drop(
        columns=["direction"]
    )
    ledger = ledger_frame(_loaded(signed, tmp_path, columns=MAPPING).frame)
    assert (ledger.frame["amount"] >= 0).all() and "direction" in ledger.available
    assert (
        ledger.frame["direction"].to_numpy() == small.sort_values("booked", kind="stable")["direction"]
    ).all()


def test_a_feature_table_without_label_gives_scores_and_a_queue(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.standard_normal((800, 4)), columns=["amount_z", "velocity", "age", "ratio"])
    frame.loc[:9, "velocity"] += 8
    frame["note"] = "text"
    path = tmp_path / "features.parquet"
    frame.to_parquet(path)
    result = run_features({"data_path": str(path), "alerts_per_day": 10, "queue_size": 5})
    assert list(result.table.features.columns) == list(frame.columns[:4]) and result.table.label is None
    assert any("text column(s) left out" in n for n in result.notes)
    det = result.detection
    assert det.mode == "unsupervised" and result.metrics["evaluation"].startswith("none")
    assert result.verdicts == {"roc_auc_unsupervised": "not computed"}
    queue = report.queue_table(result)
    planted = queue["row"].isin(range(1, 11))
    assert len(queue) == 5 and "outcome" not in queue and planted.sum() >= 4
    assert queue.loc[planted, "reasons"].str.startswith("velocity").all()
    semi = run_features({"data_path": str(path), "label_fraction": 0.05})
    assert semi.detection.mode == "unsupervised" and any("has none" in n for n in semi.notes)


def test_an_npz_archive_is_read_with_its_label_and_a_time_column_gives_time_blocks(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1500, 5))
    y = (rng.random(1500) < 0.05).astype(int)
    X[y == 1] += 3
    np.savez(tmp_path / "bench.npz", X=X, y=y)
    result = run_features({"data_path": str(tmp_path / "bench.npz"), "n_boot": 30})
    assert result.table.label.sum() == y.sum() and result.table.features.shape[1] == 5
    assert any("'y' is the label" in n for n in result.notes)
    m = result.metrics
    assert m["roc_auc_unsupervised"] > 0.9 and m["interval_method"].startswith("rows resampled")
    semi = run_features({"data_path": str(tmp_path / "bench.npz"), "n_boot": 30, "label_fraction": 0.05})
    assert semi.metrics["evaluation"] == "on the rows whose labels were not revealed"
    assert semi.metrics["rows_evaluated"] == 1500 - semi.metrics["n_revealed"]
    assert {"roc_auc_semisupervised", "roc_auc_semi_vs_logistic"} <= set(semi.verdicts)
    timed = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)]).assign(Time=np.arange(1500) * 7.0, Class=y)
    timed.to_csv(tmp_path / "timed.csv", index=False)
    result = run_features({"data_path": str(tmp_path / "timed.csv"), "n_boot": 30})
    assert (
        result.table.time_in_seconds
        and result.table.label is not None
        and "Time" not in result.table.features
    )
    assert result.metrics["interval_method"].startswith("blocks of time resampled (20 blocks of")
    assert result.claim("roc_auc_unsupervised").unit == "time blocks"
