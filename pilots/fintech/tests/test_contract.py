"""Partners' files through data_path: a ledger with ';' and day-first dates, a ledger without labels, feature tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livinglab.contract import ContractError
from pilots.fintech.contract import CONTRACTS, contract_for
from pilots.fintech.data import load_fintech
from pilots.fintech.pipeline import run_detection
from pilots.fintech.synthetic import generate_transactions
from pilots.fintech.tabular import run_table_detection, table_queue

SYNTH = {"n_transactions": 1000, "n_days": 14, "fraud_rate": 0.01, "seed": 0, "real_distribution": ""}


def load(path, columns=None, read_options=None, data_kind="auto"):
    return load_fintech("synthetic", str(path), columns or {}, read_options or {}, data_kind, **SYNTH)


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


def test_a_semicolon_ledger_with_day_first_dates_runs_end_to_end(export):
    path, tx = export
    data = load(path, COLUMNS, {"sep": ";", "dayfirst": True})
    assert data.kind == "ledger" and data.origin == "file" and data.rows == 12_000
    assert data.frame["timestamp"].is_monotonic_increasing
    assert data.frame["timestamp"].min() == tx["timestamp"].min()  # 5 January, not 1 May
    assert data.available == {"counterparty", "channel", "country", "direction"}  # no device column
    assert any("negative amounts read as money out" in n for n in data.notes)
    assert any("no device column" in n for n in data.notes) and any(
        "no segment column" in n for n in data.notes
    )
    assert data.frame["amount"].sum() == pytest.approx(tx["amount"].sum(), rel=1e-9)
    run = run_detection(
        data.frame, available=data.available, data_source=data.source.label, alerts_per_day=20
    )
    assert (
        run.supervised and "new_device" not in run.model_features and "pass_through_24h" in run.model_features
    )
    assert run.metrics["pr_auc"] > run.metrics["pr_auc_iforest"]
    assert "export.csv" in data.describe() and "SYNTHETIC" not in data.describe()


def test_auto_picks_the_contract_from_the_columns(export, tmp_path):
    path, _ = export
    assert (
        contract_for({"data_path": str(path), "columns": COLUMNS, "read_options": {"sep": ";"}}).name
        == "ledger"
    )
    plain = tmp_path / "plain.csv"
    pd.DataFrame({"account": ["a"] * 3, "timestamp": ["2026-01-01"] * 3, "amount": [1, 2, 3]}).to_csv(
        plain, index=False
    )
    assert contract_for({"data_path": str(plain)}).name == "ledger"
    table = tmp_path / "table.csv"
    pd.DataFrame({"f1": [1.0, 2.0], "f2": [3.0, 4.0]}).to_csv(table, index=False)
    assert contract_for({"data_path": str(table)}).name == "features"
    assert contract_for({"data_kind": "features"}) is CONTRACTS["features"]
    with pytest.raises(ContractError, match="data_kind must be one of"):
        contract_for({"data_kind": "graph"})


def test_a_ledger_without_labels_takes_the_unsupervised_path_with_a_clear_note(export):
    path, _ = export
    columns = {k: v for k, v in COLUMNS.items() if k not in ("label", "label_time")}
    data = load(path, columns, {"sep": ";", "dayfirst": True})
    assert not data.has_labels
    assert any("no label column: the unsupervised detector ranks the transactions" in n for n in data.notes)
    run = run_detection(data.frame, available=data.available, alerts_per_day=10)
    assert not run.supervised and "pr_auc" not in run.metrics
    assert run.test["alerted"].sum() > 0


def test_a_ledger_with_only_the_required_columns(tmp_path):
    tx = generate_transactions(5_000, n_days=20, fraud_rate=0.0, seed=1)
    path = tmp_path / "minimal.csv"
    tx[["timestamp", "account_id", "amount"]].rename(columns={"account_id": "account"}).to_csv(
        path, index=False
    )
    data = load(path, data_kind="ledger")
    assert data.available == frozenset() and not data.has_labels
    assert any("no counterparty or merchant column" in n for n in data.notes)
    run = run_detection(data.frame, available=data.available, alerts_per_day=5)
    assert "acc_in_degree" not in run.features and len(run.test) > 0


def test_a_feature_table_without_label_gives_scores_and_a_queue(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.standard_normal((800, 4)), columns=["amount_z", "velocity", "age", "ratio"])
    frame.loc[:9, "velocity"] += 8
    frame["note"] = "text"
    path = tmp_path / "features.parquet"
    frame.to_parquet(path)
    data = load(path)
    assert (
        data.kind == "features"
        and data.label is None
        and list(data.features.columns) == list(frame.columns[:4])
    )
    assert any("text column(s) left out" in n for n in data.notes)
    run = run_table_detection(data, alerts_per_day=10, n_boot=20)
    assert run.mode == "unsupervised" and "roc_auc" not in run.metrics
    assert run.metrics["evaluation"].startswith("none")
    queue = table_queue(run, size=5)
    planted = queue["row"].isin(range(1, 11))
    assert len(queue) == 5 and "outcome" not in queue and planted.sum() >= 4
    assert queue.loc[planted, "reasons"].str.startswith("velocity").all()
    semi = run_table_detection(data, label_fraction=0.05, n_boot=20)
    assert semi.mode == "unsupervised" and "has none" in semi.notes[0]


def test_an_npz_archive_is_read_with_its_label_and_a_time_column_gives_time_blocks(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1500, 5))
    y = (rng.random(1500) < 0.05).astype(int)
    X[y == 1] += 3
    np.savez(tmp_path / "bench.npz", X=X, y=y)
    data = load(tmp_path / "bench.npz")
    assert data.kind == "features" and data.label.sum() == y.sum() and data.features.shape[1] == 5
    assert any("'y' is the label" in n for n in data.notes)
    run = run_table_detection(data, n_boot=30)
    assert run.metrics["roc_auc"] > 0.9 and run.metrics["interval_method"].startswith("rows resampled")
    semi = run_table_detection(data, label_fraction=0.05, n_boot=30)
    assert semi.metrics["evaluation"] == "on the rows whose labels were not revealed"
    assert semi.metrics["rows_evaluated"] == 1500 - semi.metrics["n_revealed"]
    timed = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)]).assign(Time=np.arange(1500) * 7.0, Class=y)
    timed.to_csv(tmp_path / "timed.csv", index=False)
    data = load(tmp_path / "timed.csv")
    assert data.time_in_seconds and data.label is not None and "Time" not in data.features
    run = run_table_detection(data, n_boot=30)
    assert run.metrics["interval_method"].startswith("blocks of time resampled (20 blocks of")
