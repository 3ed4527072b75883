"""Loaders: the ULB schema and the generic mapped transaction table, with every kind of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.loaders import TransactionDataError, load_transactions, load_ulb


def ulb_frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"Time": np.sort(rng.integers(0, 3600, n)).astype(float)})
    for i in range(1, 29):
        frame[f"V{i}"] = rng.standard_normal(n)
    frame["Amount"] = rng.uniform(0, 200, n).round(2)
    frame["Class"] = (rng.random(n) < 0.1).astype(int)
    return frame


def ledger_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["t1", "t2", "t3", "t4"],
            "booked": ["2026-01-05 10:00", "2026-01-05 11:00", "2026-01-05 11:30", "2026-01-06 09:00"],
            "iban": ["A", "A", "B", "A"],
            "beneficiary": ["M1", "B", "M2", "M1"],
            "eur": [12.5, 300.0, 40.0, 8.0],
            "is_fraud": [0, 1, 0, 0],
        }
    )


MAPPING = {
    "transaction_id": "id",
    "timestamp": "booked",
    "account_id": "iban",
    "counterparty_id": "beneficiary",
    "amount": "eur",
    "label": "is_fraud",
}


# ------------------------------------------------------------------ ULB


def test_ulb_reads_validates_and_adds_timestamps(tmp_path):
    path = tmp_path / "cc.csv"
    ulb_frame().to_csv(path, index=False)
    data, report = load_ulb(path)
    assert len(data) == 50 and report.rows_in == 50 and report.rows_out == 50
    assert data["Class"].dtype == np.int8 and data["timestamp"].is_monotonic_increasing
    assert data["timestamp"].iloc[0] == pd.Timestamp("2013-09-01") + pd.Timedelta(
        seconds=data["Time"].iloc[0]
    )


def test_ulb_missing_columns_are_named():
    with pytest.raises(TransactionDataError, match="missing: V3, Class"):
        load_ulb(ulb_frame().drop(columns=["V3", "Class"]))


def test_ulb_non_numeric_and_negative_amounts_and_bad_labels():
    bad = ulb_frame()
    bad["Amount"] = bad["Amount"].astype(object)
    bad.loc[3, "Amount"] = "12,50 EUR"
    with pytest.raises(TransactionDataError, match="1 non-numeric value.*'12,50 EUR'"):
        load_ulb(bad)
    neg = ulb_frame()
    neg.loc[[1, 2], "Amount"] = -5.0
    with pytest.raises(TransactionDataError, match="must not be negative; 2 row"):
        load_ulb(neg)
    labels = ulb_frame()
    labels.loc[0, "Class"] = 2
    labels.loc[1, "Class"] = -1
    with pytest.raises(TransactionDataError, match=r"only 0 \(genuine\) or 1 \(fraud\); 2 row\(s\).*-1, 2"):
        load_ulb(labels)


def test_ulb_unsorted_and_duplicated_rows_are_cleaned_and_counted():
    frame = ulb_frame(40)
    shuffled = pd.concat(
        [frame.iloc[::-1], frame.iloc[[5, 6, 7]]], ignore_index=True
    )  # reversed + 3 duplicates
    data, report = load_ulb(shuffled)
    assert report.duplicates_dropped == 3 and report.rows_out == 40
    assert report.rows_out_of_order > 0 and data["Time"].is_monotonic_increasing
    assert report.same_time_rows == int(frame["Time"].duplicated().sum())
    assert "3 exact duplicate records dropped" in report.summary()


def test_ulb_reads_openml_arff(tmp_path):
    frame = ulb_frame(6)
    header = ["@RELATION creditcard", "@ATTRIBUTE Time NUMERIC"]
    header += [f"@ATTRIBUTE V{i} NUMERIC" for i in range(1, 29)]
    header += ["@ATTRIBUTE Amount NUMERIC", "@ATTRIBUTE Class {'0','1'}", "@DATA"]
    rows = [",".join([*(f"{v:.6f}" for v in r[:-1]), f"'{int(r[-1])}'"]) for r in frame.to_numpy()]
    path = tmp_path / "creditcard.arff"
    path.write_text("\n".join(header + rows) + "\n")
    data, report = load_ulb(path)
    assert report.rows_out == 6 and data["Class"].tolist() == frame["Class"].tolist()


# ------------------------------------------------------------------ generic transactions


def test_mapping_renames_and_fills_optional_columns():
    data, report = load_transactions(ledger_frame(), MAPPING)
    assert list(data["transaction_id"]) == ["t1", "t2", "t3", "t4"]
    assert (data["direction"] == "debit").all() and (data["channel"] == "unknown").all()
    assert data["label"].tolist() == [0, 1, 0, 0] and report.rows_out == 4


def test_missing_required_column_and_bad_mapping():
    with pytest.raises(TransactionDataError, match="Missing required column.*amount"):
        load_transactions(
            ledger_frame().drop(columns=["eur"]), {k: v for k, v in MAPPING.items() if k != "amount"}
        )
    with pytest.raises(TransactionDataError, match=r"column\(s\) nope that the data does not have"):
        load_transactions(ledger_frame(), {**MAPPING, "amount": "nope"})
    with pytest.raises(TransactionDataError, match="unknown pilot column"):
        load_transactions(ledger_frame(), {**MAPPING, "colour": "eur"})


def test_non_numeric_and_negative_amounts():
    bad = ledger_frame()
    bad["eur"] = ["12.5", "abc", "40", None]
    with pytest.raises(TransactionDataError, match="1 non-numeric"):
        load_transactions(bad, MAPPING)
    neg = ledger_frame()
    neg.loc[1, "eur"] = -300.0
    with pytest.raises(TransactionDataError, match="1 negative value.*signed_amounts=True"):
        load_transactions(neg, MAPPING)
    data, report = load_transactions(neg, MAPPING, signed_amounts=True)
    assert report.signed_amounts_converted == 1
    assert data.loc[data["transaction_id"] == "t2", "direction"].item() == "debit"
    assert data.loc[data["transaction_id"] == "t1", "direction"].item() == "credit"
    assert (data["amount"] >= 0).all()


def test_labels_other_than_0_1_are_refused():
    bad = ledger_frame()
    bad["is_fraud"] = [0, 1, 2, "yes"]
    with pytest.raises(TransactionDataError, match="only 0 .* or 1 .*; 2 row"):
        load_transactions(bad, MAPPING)


def test_unsorted_and_duplicated_rows_are_cleaned_and_counted():
    frame = ledger_frame()
    messy = pd.concat([frame.iloc[[3, 1, 0, 2]], frame.iloc[[1]]], ignore_index=True)
    data, report = load_transactions(messy, MAPPING)
    assert report.duplicates_dropped == 1 and report.rows_out_of_order == 2
    assert data["timestamp"].is_monotonic_increasing and list(data["transaction_id"]) == [
        "t1",
        "t2",
        "t3",
        "t4",
    ]
    same_time = pd.concat([frame, frame.iloc[[0]].assign(id="t5", beneficiary="M9")], ignore_index=True)
    _, report = load_transactions(same_time, MAPPING)
    assert (
        report.same_time_rows == 1
    )  # kept: two payments of one account in the same instant can both be real


def test_one_id_with_two_contents_and_bad_timestamps_and_directions():
    clash = ledger_frame()
    clash.loc[1, "id"] = "t1"
    with pytest.raises(TransactionDataError, match="different contents.*'t1'"):
        load_transactions(clash, MAPPING)
    bad_time = ledger_frame()
    bad_time.loc[2, "booked"] = "yesterday-ish"
    with pytest.raises(TransactionDataError, match="unreadable timestamp"):
        load_transactions(bad_time, MAPPING)
    bad_dir = ledger_frame().assign(direction=["debit", "out", "credit", "debit"])
    with pytest.raises(TransactionDataError, match="'debit' or 'credit'.*'out'"):
        load_transactions(bad_dir, MAPPING)


def test_reads_files(tmp_path):
    path = tmp_path / "ledger.csv"
    ledger_frame().to_csv(path, index=False)
    data, _ = load_transactions(path, MAPPING)
    assert len(data) == 4
    with pytest.raises(TransactionDataError, match="does not exist"):
        load_transactions(tmp_path / "missing.csv", MAPPING)
