"""The synthetic ledger: typologies at the requested rates, segments, channels, rhythms, label delay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.contract import LEDGER, REPORTING_THRESHOLD_EUR
from pilots.fintech.synthetic.ledger import (
    CHANNELS,
    HELD_OUT_ONLY,
    LEARNT,
    TYPOLOGIES,
    GeneratorError,
    generate_transactions,
    in_contract_names,
    typology_targets,
)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return generate_transactions(40_000, n_days=28, fraud_rate=0.01, seed=3)


def test_every_typology_is_present_at_the_requested_rate(ledger):
    counts = ledger.loc[ledger["label"] == 1, "typology"].astype(str).value_counts()
    for typology in TYPOLOGIES:
        assert counts[typology] == round(40_000 * 0.01 / len(TYPOLOGIES)), typology
    assert len(ledger) == 40_000
    assert ledger["label"].mean() == pytest.approx(0.01, abs=1e-4)
    assert ((ledger["typology"] != "none") == (ledger["label"] == 1)).all()


def test_custom_shares_and_default_rate():
    shares = {
        "card_testing": 0.5,
        "account_takeover": 0.1,
        "money_mule": 0.2,
        "structuring": 0.1,
        "refund_abuse": 0.1,
    }
    tx = generate_transactions(50_000, n_days=20, fraud_rate=0.004, typology_shares=shares, seed=1)
    counts = tx.loc[tx["label"] == 1, "typology"].astype(str).value_counts()
    assert counts.to_dict() == {k: v for k, v in typology_targets(50_000, 0.004, shares).items() if v}
    assert counts["card_testing"] == 100
    default = generate_transactions(20_000, n_days=20, seed=1)
    assert default["label"].sum() == sum(typology_targets(20_000, 0.002).values())  # 6 x round(6.67)


def _cut(tx: pd.DataFrame, held_out_from: float = 0.7) -> pd.Timestamp:
    start = tx["timestamp"].min().normalize()
    n_days = (tx["timestamp"].max().normalize() - start).days + 1
    return start + pd.Timedelta(days=round(n_days * held_out_from))


def test_typologies_have_their_learnt_signatures_before_the_cut(ledger):
    learnt = ledger[ledger["timestamp"] < _cut(ledger)]
    by = {t: learnt[learnt["typology"] == t] for t in LEARNT}
    ct = by["card_testing"]
    assert (ct["amount"] < 10).all() and (ct["channel"] == "ecommerce").all()
    # bursts: most card-testing rows follow another row of the same account within minutes
    gaps = ct.groupby("account_id")["timestamp"].diff().dropna()
    assert (gaps < pd.Timedelta(minutes=30)).mean() > 0.8
    st = by["structuring"]
    assert ((st["amount"] >= 8000) & (st["amount"] < REPORTING_THRESHOLD_EUR)).all()
    assert (st["channel"] == "cash_deposit").all() and (st["direction"] == "credit").all()
    assert (by["refund_abuse"]["direction"] == "credit").all()
    ato = by["account_takeover"]
    assert ato["amount"].min() >= 800 and ato["channel"].isin(["sepa_transfer", "instant_payment"]).all()
    mule = by["money_mule"]
    # money arrives at mule accounts and leaves them again: some mule accounts both receive and send
    receivers = set(mule.loc[mule["direction"] == "debit", "counterparty_id"]) | set(
        mule.loc[mule["direction"] == "credit", "account_id"]
    )
    senders = set(mule.loc[mule["direction"] == "debit", "account_id"])
    assert len(receivers & senders) >= 3
    assert not learnt["typology"].isin(HELD_OUT_ONLY).any()


def test_the_test_period_holds_fraud_the_models_never_saw(ledger):
    cut = _cut(ledger)
    fraud = ledger[ledger["label"] == 1]
    before, after = fraud[fraud["timestamp"] < cut], fraud[fraud["timestamp"] >= cut]
    assert set(after["typology"].astype(str)) == set(TYPOLOGIES)
    assert (fraud.loc[fraud["typology"] == "bust_out", "timestamp"] >= cut).all()

    def rows(frame, typology):
        return frame[frame["typology"] == typology]

    # held-out parameters: outside the learnt ranges
    assert (rows(after, "card_testing")["amount"] >= 5).all() and (
        rows(before, "card_testing")["amount"] < 10
    ).all()
    assert rows(after, "structuring")["amount"].max() < 8000 <= rows(before, "structuring")["amount"].min()
    assert (rows(after, "structuring")["channel"] == "instant_payment").any()
    assert rows(after, "refund_abuse")["amount"].min() >= 900 > rows(before, "refund_abuse")["amount"].max()
    assert rows(after, "account_takeover")["amount"].max() < rows(before, "account_takeover")["amount"].max()
    # each learnt typology's rows are split in proportion to the two parts of the period (28 days: 20 + 8)
    for t in LEARNT:
        assert len(rows(before, t)) == round(typology_targets(40_000, 0.01)[t] * 20 / 28)
    # without a held-out part every typology keeps its learnt parameters throughout
    plain = generate_transactions(40_000, n_days=28, fraud_rate=0.01, seed=3, held_out_from=None)
    assert (plain.loc[plain["typology"] == "card_testing", "amount"] < 10).all()
    with pytest.raises(GeneratorError, match="held_out_from"):
        generate_transactions(5_000, n_days=14, held_out_from=0.99)


def test_segments_channels_and_merchant_codes(ledger):
    assert set(ledger["customer_type"].astype(str)) == {"retail", "corporate"}
    assert set(ledger["residency"].astype(str)) == {"resident", "cross_border"}
    assert set(ledger["channel"].astype(str)) == set(CHANNELS)
    card = ledger["channel"].isin(["card_present", "ecommerce"])
    assert (ledger.loc[card, "mcc"] > 0).all() and (ledger.loc[~card, "mcc"] == 0).all()
    cross = ledger[ledger["residency"] == "cross_border"]

    # cross-border customers shop in their home countries more than residents do
    def share_abroad(df):
        return df.loc[df["channel"] == "card_present", "country"].isin(["FR", "BE", "DE"]).mean()

    assert share_abroad(cross) > 2 * share_abroad(ledger[ledger["residency"] == "resident"])


def test_amounts_and_rhythms_are_plausible(ledger):
    genuine = ledger[ledger["label"] == 0]
    assert (genuine["amount"] > 0).all()
    median = genuine.groupby(genuine["channel"].astype(str))["amount"].median()
    assert 10 < median["card_present"] < 100 and median["sepa_transfer"] > median["card_present"]
    transfers = genuine[genuine["channel"] == "sepa_transfer"]
    by_weekday = transfers["timestamp"].dt.dayofweek.value_counts()
    assert by_weekday[2] > 3 * by_weekday[6]  # Wednesday vs Sunday
    by_hour = genuine["timestamp"].dt.hour.value_counts()
    assert by_hour[12] > 5 * by_hour[3]


def test_labels_arrive_late(ledger):
    delay = (ledger["label_available_at"] - ledger["timestamp"]).dt.total_seconds() / 86400
    assert (delay > 0).all()
    fraud_delay = delay[ledger["label"] == 1].groupby(ledger["typology"].astype(str)).median()
    assert fraud_delay["account_takeover"] < fraud_delay["money_mule"] < fraud_delay["structuring"]


def test_sorted_valid_and_reproducible(ledger):
    assert ledger["timestamp"].is_monotonic_increasing
    # in the ledger contract's names it passes the contract, as a partner's file would
    named = in_contract_names(ledger)
    LEDGER.check(named, "the generated ledger")
    assert named["device"].isna().sum() == int((ledger["device_id"] == -1).sum())  # no device: missing
    assert set(named["segment"]) == {"resident, retail", "resident, corporate", "cross_border, retail",
                                     "cross_border, corporate"}  # fmt: skip
    assert (named["fraud_type"].notna() == (ledger["label"] == 1)).all()
    a = generate_transactions(5_000, n_days=14, seed=7)
    b = generate_transactions(5_000, n_days=14, seed=7)
    c = generate_transactions(5_000, n_days=14, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["amount"].to_numpy(), c["amount"].to_numpy())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_transactions": 10}, "at least 1000"),
        ({"n_days": 3}, "at least 14"),
        ({"fraud_rate": 0.5}, "between 0 and 0.05"),
        ({"typology_shares": {"phishing": 1.0}}, "Unknown typology"),
        ({"typology_shares": {"card_testing": 0.5}}, "sum to 1"),
    ],
)
def test_bad_parameters_are_refused(kwargs, match):
    args = {"n_transactions": 5_000, **kwargs}
    with pytest.raises(GeneratorError, match=match):
        generate_transactions(**args)
