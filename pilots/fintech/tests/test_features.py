"""Features: correct windows, and no leakage (changing or removing future rows leaves past features alone)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.model.features import (
    FEATURE_DESCRIPTIONS,
    RULE_INPUTS,
    TRANSACTION_FEATURES,
    FeatureError,
    feature_names,
    transaction_features,
)
from pilots.fintech.synthetic.ledger import COUNTRIES, generate_transactions

T0 = pd.Timestamp("2026-01-05")


def ledger(rows: list[tuple]) -> pd.DataFrame:
    """rows: (minutes after T0, account, counterparty, amount, direction[, device])."""
    frame = pd.DataFrame(
        rows,
        columns=["minutes", "account_id", "counterparty_id", "amount", "direction", "device_id"][
            : len(rows[0])
        ],
    )
    if "device_id" not in frame:
        frame["device_id"] = -1
    frame["timestamp"] = T0 + pd.to_timedelta(frame.pop("minutes"), unit="min")
    frame["channel"] = "sepa_transfer"
    frame["mcc"] = 0
    frame["country"] = "LU"
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


def test_velocity_windows_are_half_open_and_exclude_same_instant_rows():
    tx = ledger(
        [
            (0, "A", "X", 10.0, "debit"),
            (10, "A", "Y", 20.0, "debit"),
            (30, "A", "X", 40.0, "debit"),
            (30, "A", "Z", 80.0, "debit"),
            (120, "A", "X", 5.0, "debit"),
            (25 * 60, "A", "X", 1.0, "debit"),
            (15, "B", "X", 999.0, "debit"),
        ]
    )
    f = transaction_features(tx)
    a = tx["account_id"] == "A"
    assert f.loc[a, "n_1h"].tolist() == [0, 1, 2, 2, 0, 0]
    assert f.loc[a, "n_24h"].tolist() == [0, 1, 2, 2, 4, 1]  # at 25 h only the 2 h row is inside [t-24h, t)
    assert np.expm1(f.loc[a, "sum_24h_log"]).round(2).tolist() == [0, 10, 30, 30, 150, 5]
    assert f.loc[a, "history_n"].tolist() == [0, 1, 2, 2, 4, 5]
    assert f.loc[a, "new_counterparty"].tolist() == [1, 1, 0, 1, 0, 0]
    assert f.loc[~a, "n_24h"].item() == 0  # another account's rows never count


def test_graph_features_see_past_edges_only():
    tx = ledger(
        [
            (0, "P1", "M", 100.0, "debit"),
            (10, "P2", "M", 200.0, "debit"),
            (20, "P3", "M", 50.0, "debit"),
            (60, "M", "Z", 315.0, "debit"),
            (61, "M", "Q", 10.0, "credit"),
        ]
    )
    f = transaction_features(tx)
    mule_out = f.iloc[3]
    assert mule_out["acc_in_degree"] == 3 and mule_out["acc_out_degree"] == 0
    assert np.expm1(mule_out["acc_in_24h_log"]) == pytest.approx(350.0, rel=1e-5)
    assert mule_out["pass_through_24h"] == pytest.approx(315 / 350, rel=1e-5)
    assert mule_out["cp_in_degree"] == 0 and mule_out["cp_known_days"] == 0  # Z is new to the bank
    first_in = f.iloc[0]
    assert first_in["cp_in_degree"] == 0 and np.isnan(first_in["pass_through_24h"])
    third_in = f.iloc[2]
    assert third_in["cp_in_degree"] == 2 and third_in["cp_in_n_24h"] == 2
    credit = f.iloc[4]  # Q pays M: M's in-degree now 3, out-degree 1 (Z)
    assert credit["acc_in_degree"] == 3 and credit["acc_out_degree"] == 1 and credit["direction"] == 1


def test_matches_pandas_rolling_closed_left():
    rng = np.random.default_rng(0)
    n = 3000
    seconds = rng.choice(20 * 86400, size=n, replace=False)  # distinct instants
    tx = pd.DataFrame(
        {
            "timestamp": T0 + pd.to_timedelta(np.sort(seconds), unit="s"),
            "account_id": rng.integers(0, 40, n),
            "counterparty_id": rng.integers(100, 140, n),
            "amount": rng.uniform(1, 500, n).round(2),
            "direction": "debit",
            "channel": "ecommerce",
            "mcc": 5411,
            "country": "LU",
            "device_id": -1,
        }
    )
    f = transaction_features(tx)
    for window, col in (("1h", "1h"), ("24h", "24h"), ("7D", "7d")):
        ref = (
            tx.set_index("timestamp")
            .groupby("account_id")["amount"]
            .rolling(window, closed="left")
            .agg(["count", "sum"])
            .reset_index()
        )
        ref = ref.merge(
            tx.reset_index()[["index", "account_id", "timestamp"]], on=["account_id", "timestamp"]
        )
        ref = ref.set_index("index").sort_index()
        np.testing.assert_array_equal(f[f"n_{col}"].to_numpy(), ref["count"].fillna(0).to_numpy())
        np.testing.assert_allclose(
            np.expm1(f[f"sum_{col}_log"].to_numpy(dtype=float)),
            ref["sum"].fillna(0).to_numpy(),
            rtol=1e-5,
            atol=1e-3,
        )


def test_changing_future_rows_does_not_change_past_features():
    tx = generate_transactions(8_000, n_days=20, fraud_rate=0.01, seed=5)
    cut = tx["timestamp"].iloc[len(tx) // 2]
    past = tx["timestamp"] <= cut
    before = transaction_features(tx)

    rng = np.random.default_rng(1)
    future = tx[~past].copy()
    future["amount"] = future["amount"] * 3 + 1
    future["counterparty_id"] = rng.choice(tx["counterparty_id"].to_numpy(), len(future))
    future["account_id"] = np.where(
        rng.random(len(future)) < 0.3,
        rng.choice(tx["account_id"].to_numpy(), len(future)),
        future["account_id"],
    )
    future["country"] = pd.Categorical.from_codes(rng.integers(0, len(COUNTRIES), len(future)), COUNTRIES)
    future["device_id"] = rng.integers(-1, 50, len(future))
    future["direction"] = pd.Categorical(
        np.where(future["direction"] == "debit", "credit", "debit"), categories=tx["direction"].cat.categories
    )
    future = future.sample(frac=0.8, random_state=2)  # drop a fifth of the future
    extra = future.sample(n=500, random_state=3).assign(
        timestamp=lambda d: d["timestamp"] + pd.Timedelta(minutes=7),
        transaction_id=lambda d: d["transaction_id"] + 10**6,
    )
    changed = pd.concat([tx[past], future, extra]).sort_values("timestamp", kind="stable")
    after = transaction_features(changed)

    past_ids = tx.loc[past, "transaction_id"]
    a = before.loc[past].set_axis(past_ids.to_numpy())
    b = after.loc[changed["timestamp"] <= cut].set_axis(
        changed.loc[changed["timestamp"] <= cut, "transaction_id"].to_numpy()
    )
    pd.testing.assert_frame_equal(a, b.loc[a.index])
    # and the future did change (the test can fail)
    assert not after.loc[changed["timestamp"] > cut, "n_24h"].equals(before.loc[~past, "n_24h"])


def test_all_features_are_described_and_unsorted_input_is_refused():
    tx = generate_transactions(2_000, n_days=14, seed=0)
    f = transaction_features(tx)
    assert tuple(f.columns) == (*TRANSACTION_FEATURES, *RULE_INPUTS) and set(FEATURE_DESCRIPTIONS) == set(
        TRANSACTION_FEATURES
    )
    assert f.index.equals(tx.index)
    with pytest.raises(FeatureError, match="sorted by timestamp"):
        transaction_features(tx.iloc[::-1])
    with pytest.raises(FeatureError, match="lacks column"):
        transaction_features(tx.drop(columns=["amount"]))


def test_missing_optional_columns_leave_their_features_out():
    tx = generate_transactions(3_000, n_days=14, seed=1)
    full = transaction_features(tx)
    bare = transaction_features(tx[["timestamp", "account_id", "amount"]], available=set())
    assert list(bare.columns) == [*feature_names(set()), *RULE_INPUTS]
    assert not {"new_counterparty", "acc_in_degree", "new_device", "country", "channel"} & set(bare.columns)
    # what does not need an optional column is the same whichever columns are present (debits only aside)
    debits = (tx["direction"] == "debit").to_numpy()
    for col in ("n_1h", "n_24h", "n_7d", "history_n", "amount_dev_z", "gap_since_last_log"):
        np.testing.assert_array_equal(bare[col].to_numpy(), full[col].to_numpy(), err_msg=col)
    assert debits.any()
    some = transaction_features(
        tx.drop(columns=["device_id"]), available={"counterparty", "channel", "direction"}
    )
    assert "new_counterparty" in some and "new_device" not in some and "new_country" not in some
