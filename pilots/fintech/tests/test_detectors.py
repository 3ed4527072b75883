"""Detectors of a ledger: time split, labels known at the split, LightGBM with SHAP reasons, rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.model.detectors import (
    DetectorError,
    RulesBaseline,
    SupervisedConfig,
    fit_lightgbm,
    known_labels,
    time_split,
    top_reasons,
)
from pilots.fintech.model.features import RULE_INPUTS, feature_names, transaction_features
from pilots.fintech.synthetic.ledger import generate_transactions


def test_known_labels_hide_frauds_confirmed_after_the_split():
    labels = pd.Series([1, 1, 0, 1])
    available = pd.to_datetime(pd.Series(["2026-01-02", "2026-01-10", "2026-01-03", "2026-01-05"]))
    assert known_labels(labels, available, pd.Timestamp("2026-01-05")).tolist() == [1, 0, 0, 1]
    assert known_labels(labels, None, pd.Timestamp("2026-01-05")).tolist() == [1, 1, 0, 1]


def test_time_split_orders_the_past_before_the_future():
    ts = pd.Series(pd.date_range("2026-01-01", periods=1000, freq="h"))
    ts = pd.concat([ts, ts.iloc[[699, 699]]]).sort_values(ignore_index=True)  # ties at the cut
    split = time_split(ts, train_frac=0.7, valid_frac=0.2, label_maturity="5D")
    t = ts.to_numpy()
    assert t[split.train].max() < t[split.test].min()
    assert not (split.fit & split.valid).any() and ((split.fit | split.valid) == split.train).all()
    assert split.valid.sum() == pytest.approx(0.2 * split.train.sum(), abs=3)
    assert split.valid_end <= split.split - pd.Timedelta("5D")  # labels had 5 days to arrive
    # rows sharing a timestamp land on one side
    same = ts == ts.iloc[700]
    assert len(set(split.train[same.to_numpy()])) == 1
    with pytest.raises(DetectorError, match="sorted"):
        time_split(ts.iloc[::-1])
    with pytest.raises(DetectorError, match="train_frac"):
        time_split(ts, train_frac=0.99)


@pytest.fixture(scope="module")
def features():
    tx = generate_transactions(30_000, n_days=21, fraud_rate=0.01, seed=2)
    return tx, transaction_features(tx)


def test_lightgbm_learns_from_the_past_and_explains_itself(features):
    tx, X = features
    split = time_split(tx["timestamp"], 0.7, 0.2)
    y = tx["label"].to_numpy()
    cfg = SupervisedConfig(num_boost_round=80, min_negatives=5_000, neg_per_pos=20)
    X = X[[c for c in X.columns if c not in RULE_INPUTS]]
    model = fit_lightgbm(X[split.train], y[split.train], config=cfg, seed=0)
    assert model.n_neg_used == max(20 * model.n_pos, 5_000) < model.n_neg_total  # genuine rows subsampled
    score = model.score(X[split.test])
    y_test = y[split.test]
    assert score[y_test == 1].mean() > 10 * score[y_test == 0].mean()
    contrib = model.contributions(X[split.test].head(50))
    raw = model.booster.predict(X[split.test].head(50), raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1).to_numpy(), raw, rtol=1e-6, atol=1e-6)  # exact TreeSHAP
    reasons = top_reasons(contrib, X[split.test].head(50), k=3)
    top_feature = contrib.drop(columns="bias").idxmax(axis=1)
    from pilots.fintech.model.features import FEATURE_DESCRIPTIONS

    for text, feat, best in zip(reasons, top_feature, contrib.drop(columns="bias").max(axis=1), strict=True):
        if best > 0:
            assert text.startswith(FEATURE_DESCRIPTIONS[feat])


def test_lightgbm_refuses_without_known_frauds(features):
    _, X = features
    with pytest.raises(DetectorError, match="needs at least 2"):
        fit_lightgbm(X.head(100), np.zeros(100))


def test_rules_fire_and_rank(features):
    tx, X = features
    rules = RulesBaseline.fit(X)
    fired = rules.fired(X)
    assert set(fired.columns) == {
        "amount_above_p99",
        "velocity_1h",
        "velocity_24h",
        "refund_velocity",
        "structuring",
        "new_counterparty_large",
        "new_device_large",
    }
    burst = X["n_1h"] >= rules.limit_1h
    assert fired.loc[burst, "velocity_1h"].all() and not fired.loc[~burst, "velocity_1h"].any()
    score = rules.score(X)
    n_fired = fired.sum(axis=1).to_numpy()
    assert score[n_fired >= 2].min() > score[n_fired == 0].max()
    near = fired["structuring"]
    assert (
        near.any()
        and (tx.loc[near, "amount"] < 10_000).all()
        and (tx.loc[near, "direction"] == "credit").all()
    )
    # a ledger without counterparty, device, channel or direction: only the rules it can support
    bare = transaction_features(tx[["timestamp", "account_id", "amount"]], available=set())
    assert "channel" not in bare and "new_counterparty" not in bare
    bare_rules = RulesBaseline.fit(bare)
    assert set(bare_rules.fired(bare).columns) == {
        "amount_above_p99",
        "velocity_1h",
        "velocity_24h",
        "refund_velocity",
        "structuring",
    }
    assert not bare_rules.fired(bare)["structuring"].any()  # without a direction nothing is money in


def test_model_features_leave_the_rule_inputs_out():
    assert not set(RULE_INPUTS) & set(
        feature_names({"counterparty", "channel", "country", "direction", "device"})
    )
