"""Every feature against a plain, row-by-row reading of its definition (``features`` module docstring).

The reference below is deliberately naive: for each row it filters the ledger with pandas (same account,
earlier times, the window) and computes the value from its definition, so it shares no code and no trick
(sorted keys, prefix sums, integer scaling) with ``transaction_features``. The ledger is small but holds
the cases the vectorised code has to get right: rows at the same instant, rows exactly one window before
another, accounts that are also counterparties (internal transfers), credits and debits, refunds, cash,
amounts near the reporting threshold, missing devices in every spelling, a first row of one account at the
ledger's first second and the last row of another at its last second, weekly postings (routine, and two that
are not: an amount too different, an irregular gap) and, in a second version, rows without a counterparty
(unknown counterparties: no counterparty features, never a distinct payer or payee) and a purpose column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.model.features import (
    GRAPH_INPUTS,
    PERIODS,
    ROUTINE_AMOUNT_RATIO,
    RULE_INPUTS,
    FeatureError,
    _GroupTime,
    feature_names,
    graph_events,
    node_event_features,
    transaction_features,
)

HOUR, DAY = 3600, 86_400
T0 = pd.Timestamp("2026-03-02 00:00:00")


def weekly(account: str, counterparty, amounts, days, purpose=None) -> pd.DataFrame:
    """Postings of one account to one counterparty at the given days (a series, routine or not)."""
    return pd.DataFrame(
        {
            "timestamp": [T0 + pd.Timedelta(days=d) for d in days],
            "account_id": account,
            "counterparty_id": counterparty,
            "amount": amounts,
            "direction": "debit",
            "channel": "SEPA",
            "country": "LU",
            "device_id": "d1",
            **({"purpose": purpose} if purpose is not None else {}),
        }
    )


def rich_ledger(seed: int = 0, *, unknown_counterparties: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 260
    accounts = np.array(["acc-7", "acc-3", "acc-9", "acc-1"])
    others = np.array(["acc-3", "acc-9", "shop-a", "shop-b", "iban-x", "iban-y", "acc-1", "acc-7"])
    # times on a coarse grid so that ties and exact window edges (1 h, 24 h, 7 d apart) occur often
    seconds = rng.choice(np.arange(0, 12 * DAY, 30 * 60), size=n)
    seconds[:4] = [HOUR, HOUR + HOUR, HOUR + DAY, HOUR + 7 * DAY]  # exactly 1 h, 24 h, 7 d after a row
    frame = pd.DataFrame(
        {
            "timestamp": T0 + pd.to_timedelta(seconds, unit="s"),
            "account_id": rng.choice(accounts, size=n),
            "counterparty_id": rng.choice(others, size=n),
            "amount": np.round(rng.lognormal(4, 2, size=n), 2),
            "direction": rng.choice(["debit", "credit"], size=n, p=[0.6, 0.4]),
            "channel": rng.choice(["Card", "e-commerce", "cash_deposit", "SEPA", "refund"], size=n),
            "country": rng.choice(["LU", "FR", "DE", "BE"], size=n),
            "device_id": rng.choice(
                np.array(["d1", "d2", "d3", "-1", "", "none", None], dtype=object), size=n
            ),
        }
    )
    frame.loc[:3, "account_id"] = "acc-7"
    frame.loc[5:12, "amount"] = [9000.0, 9999.99, 8999.99, 10000.0, 9500.0, 0.0, 0.004, 12.5]
    # the ledger's first second belongs to the account coded last, its last second to the one coded first
    first = pd.DataFrame([{**frame.iloc[20].to_dict(), "account_id": "acc-1", "timestamp": T0}])
    last = pd.DataFrame(
        [{**frame.iloc[21].to_dict(), "account_id": "acc-7", "timestamp": T0 + pd.Timedelta(days=12)}]
    )
    planted = [
        weekly("acc-9", "iban-rent", [500.0, 520.0, 510.0], [0, 6, 12]),  # routine on its third posting
        weekly("acc-3", "iban-gym", [40.0, 40.0, 70.0], [0, 6, 12]),  # third amount too different
        weekly("acc-1", "iban-club", [30.0, 30.0, 30.0], [0.5, 6.5, 10.0]),  # irregular second gap
    ]
    if unknown_counterparties:  # a fee series told apart by its purpose, with no counterparty
        planted.append(weekly("acc-7", None, [4.5, 4.5, 4.5], [0, 6, 12], purpose="FEE"))
    frame = pd.concat([first, frame, *planted, last], ignore_index=True)
    frame = frame[frame["account_id"] != frame["counterparty_id"]]
    if unknown_counterparties:
        frame["counterparty_id"] = frame["counterparty_id"].astype(object)
        gone = np.random.default_rng(seed + 1).random(len(frame)) < 0.4
        gone &= ~frame["counterparty_id"].isin(["iban-rent", "iban-gym", "iban-club"]).to_numpy()
        frame.loc[gone, "counterparty_id"] = None
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


def _period(days: float) -> int:
    return next((k for k, (low, high) in enumerate(PERIODS.values(), 1) if low <= days <= high), 0)


def reference_routine(tx: pd.DataFrame, t: pd.Series) -> np.ndarray:
    """Routine postings read row by row from ``ROUTINE_RULE``: the two earlier postings of the same account,
    direction and purpose (else counterparty, else channel), at one regular interval, similar amounts."""

    def what(row):
        if "purpose" in row and isinstance(row["purpose"], str):
            return ("purpose", row["purpose"])
        if isinstance(row["counterparty_id"], str):
            return ("counterparty", row["counterparty_id"])
        return ("channel", row["channel"])

        # (unreachable: every test ledger has a channel)

    keys = [(r["account_id"], r["direction"], what(r)) for _, r in tx.iterrows()]
    out = np.zeros(len(tx), dtype=bool)
    for i in range(len(tx)):
        earlier = [j for j in range(len(tx)) if keys[j] == keys[i] and (t.iloc[j], j) < (t.iloc[i], i)]
        earlier.sort(key=lambda j: (t.iloc[j], j))
        if len(earlier) < 2:
            continue
        j1, j2 = earlier[-1], earlier[-2]
        gap1, gap2 = (t.iloc[i] - t.iloc[j1]) / DAY, (t.iloc[j1] - t.iloc[j2]) / DAY
        a0, a1, a2 = tx["amount"].iloc[i], tx["amount"].iloc[j1], tx["amount"].iloc[j2]
        similar = all(
            a > 0 and b > 0 and 1 / ROUTINE_AMOUNT_RATIO <= a / b <= ROUTINE_AMOUNT_RATIO
            for a, b in ((a0, a1), (a1, a2))
        )
        out[i] = similar and _period(gap1) > 0 and _period(gap1) == _period(gap2)
    return out


def _log1p_pos(x: float) -> float:
    return float(np.log1p(max(x, 0.0)))


def _first_appearance_codes(values: pd.Series) -> pd.Series:
    order = {}
    for v in values:
        order.setdefault(v, len(order))
    return values.map(order)


NODE_KEYS = ("in_degree", "out_degree", "in_n_24h", "in_n_7d", "in_24h", "out_24h", "known_days")


def reference_features(tx: pd.DataFrame) -> pd.DataFrame:
    t = (tx["timestamp"] - tx["timestamp"].min()).dt.total_seconds().astype(int)
    debit = tx["direction"] == "debit"
    channel = tx["channel"].str.lower()
    refund = channel.str.contains("commerce") | channel.str.contains("card") | channel.str.contains("refund")
    refund &= ~debit
    cash = channel.str.contains("cash")
    near = (tx["amount"] >= 9000) & (tx["amount"] < 10_000)
    in_cents = tx["amount"].round(2)  # sums are of amounts in whole cents (0.004 EUR adds nothing)
    device_missing = tx["device_id"].isna() | tx["device_id"].isin(["-1", "", "none"])
    # payment events: one per side of every payment (payer: money out, payee: money in)
    payer = np.where(debit, tx["account_id"], tx["counterparty_id"])
    payee = np.where(debit, tx["counterparty_id"], tx["account_id"])
    events = pd.DataFrame(
        {
            "node": np.concatenate([payer, payee]),
            "other": np.concatenate([payee, payer]),
            "incoming": np.r_[np.zeros(len(tx), bool), np.ones(len(tx), bool)],
            "t": np.r_[t, t],
            "amount": np.r_[in_cents, in_cents],
        }
    )

    def node_state(node, time) -> dict:  # an unknown other party ("other" None) is never counted as distinct
        mine = events[events["node"] == node]
        before = mine[mine["t"] < time]
        incoming, outgoing = before[before["incoming"]], before[~before["incoming"]]
        return {
            "in_degree": incoming["other"].nunique(),
            "out_degree": outgoing["other"].nunique(),
            "in_n_24h": int((incoming["t"] >= time - DAY).sum()),
            "in_n_7d": int((incoming["t"] >= time - 7 * DAY).sum()),
            "in_24h": incoming.loc[incoming["t"] >= time - DAY, "amount"].sum(),
            "out_24h": outgoing.loc[outgoing["t"] >= time - DAY, "amount"].sum(),
            "known_days": (time - mine["t"].min()) / DAY,
        }

    pairs = list(zip(tx["account_id"], tx["counterparty_id"], strict=True))
    known = tx["counterparty_id"].notna().to_numpy()
    first_of_pair = {}
    for pair, time in zip(pairs, t, strict=True):  # rows are in time order: the first seen is the earliest
        first_of_pair.setdefault(pair, time)
    new_counterparty = np.array(  # an unknown counterparty is neither new nor known
        [first_of_pair[p] == time if ok else False for p, time, ok in zip(pairs, t, known, strict=True)]
    )

    rows = []
    for i in range(len(tx)):
        row, ti = tx.iloc[i], t.iloc[i]
        same = (tx["account_id"] == row["account_id"]).to_numpy()
        past = same & (t < ti).to_numpy()
        amounts = tx["amount"][past]

        def window(seconds, past=past, ti=ti):
            return past & (t >= ti - seconds).to_numpy()

        with_cp = same & (tx["counterparty_id"] == row["counterparty_id"]).to_numpy()
        first_cp = t[with_cp].min() if known[i] else np.nan
        first_country = t[same & (tx["country"] == row["country"]).to_numpy()].min()
        logs = np.round(np.log1p(amounts.to_numpy()) * 10_000)
        f = {
            "amount_log": np.log1p(row["amount"]),
            "direction": int(row["direction"] == "credit"),
            "hour": row["timestamp"].hour,
            "weekday": row["timestamp"].dayofweek,
            "n_1h": window(HOUR).sum(),
            "n_24h": window(DAY).sum(),
            "n_7d": window(7 * DAY).sum(),
            "sum_1h_log": _log1p_pos(in_cents[window(HOUR)].sum()),
            "sum_24h_log": _log1p_pos(in_cents[window(DAY)].sum()),
            "sum_7d_log": _log1p_pos(in_cents[window(7 * DAY)].sum()),
            "n_new_counterparty_24h": int((window(DAY) & new_counterparty).sum()),
            "history_n": past.sum(),
            "amount_dev_z": (
                (round(np.log1p(row["amount"]) * 10_000) - logs.mean()) / (logs.std() + 1000)
                if len(logs) >= 3
                else np.nan
            ),
            "amount_over_past_max": row["amount"] / max(amounts.max(), 0.01) if past.any() else np.nan,
            "gap_since_last_log": np.log1p(ti - t[past].max()) if past.any() else np.nan,
            "new_counterparty": int(first_cp == ti) if known[i] else np.nan,
            "counterparty_age_days": (ti - first_cp) / DAY,
            "new_country": int(first_country == ti),
            "near_threshold": int(near.iloc[i]),
            "n_near_threshold_7d": (window(7 * DAY) & near.to_numpy()).sum(),
            "n_refund_7d": (window(7 * DAY) & refund.to_numpy()).sum(),
            "n_cash_7d": (window(7 * DAY) & cash.to_numpy()).sum(),
        }
        if device_missing.iloc[i]:
            f["new_device"] = f["device_age_days"] = np.nan
        else:
            first_device = t[same & (tx["device_id"] == row["device_id"]).to_numpy()].min()
            f["new_device"] = int(first_device == ti)
            f["device_age_days"] = (ti - first_device) / DAY
        account = node_state(row["account_id"], ti)
        counterparty = (
            node_state(row["counterparty_id"], ti) if known[i] else dict.fromkeys(NODE_KEYS, np.nan)
        )
        for k in ("in_degree", "out_degree", "in_n_24h", "in_n_7d"):
            f[f"acc_{k}"] = account[k]
        f["acc_in_24h_log"] = _log1p_pos(account["in_24h"])
        f["acc_out_24h_log"] = _log1p_pos(account["out_24h"])
        out_now = account["out_24h"] + (row["amount"] if row["direction"] == "debit" else 0.0)
        f["pass_through_24h"] = min(out_now / account["in_24h"], 100.0) if account["in_24h"] > 0 else np.nan
        for k in ("in_degree", "out_degree", "in_n_24h", "known_days"):
            f[f"cp_{k}"] = counterparty[k]
        rows.append(f)
    out = pd.DataFrame(rows, index=tx.index)
    out["channel"] = _first_appearance_codes(tx["channel"])
    out["country"] = _first_appearance_codes(tx["country"])
    out["routine"] = reference_routine(tx, t)
    return out


@pytest.fixture(scope="module")
def tx():
    return rich_ledger()


@pytest.fixture(scope="module")
def tx_unknown():
    return rich_ledger(3, unknown_counterparties=True)


@pytest.fixture(scope="module")
def reference(tx):
    return reference_features(tx)


def test_the_ledger_has_the_edge_cases(tx):
    t = (tx["timestamp"] - tx["timestamp"].min()).dt.total_seconds()
    assert tx.duplicated(["account_id", "timestamp"]).sum() > 5  # same-instant rows of one account
    assert set(tx["account_id"]) <= set(tx["counterparty_id"])  # every account is also paid by another
    assert tx["device_id"].isna().any() and tx["device_id"].isin(["-1", "", "none"]).sum() > 10
    assert t.min() == 0 and tx["account_id"].iloc[0] == "acc-1" and tx["account_id"].iloc[-1] == "acc-7"
    for gap in (HOUR, DAY, 7 * DAY):
        assert ((t.to_numpy()[:, None] - t.to_numpy()[None, :]) == gap).any()


@pytest.mark.parametrize(
    "name",
    [*feature_names(frozenset({"counterparty", "channel", "country", "direction", "device"})), *RULE_INPUTS],
)
@pytest.mark.filterwarnings("error")  # divisions by zero are expected and silenced where they occur
def test_every_feature_equals_its_definition(tx, reference, name):
    got = transaction_features(tx)[name].to_numpy(dtype=float)
    expected = reference[name].to_numpy(dtype=float)
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-6, equal_nan=True, err_msg=name)


@pytest.mark.filterwarnings("error")
def test_unknown_counterparties_stay_unknown_and_every_feature_equals_its_definition(tx_unknown):
    """40 % of the rows name no counterparty: their counterparty features are empty, they add no distinct payer
    or payee, and they never become one shared counterparty; routine postings are told apart by purpose."""
    got, expected = transaction_features(tx_unknown), reference_features(tx_unknown)
    for name in got.columns:
        np.testing.assert_allclose(
            got[name].to_numpy(dtype=float), expected[name].to_numpy(dtype=float), rtol=2e-6, atol=2e-6,
            equal_nan=True, err_msg=name,
        )  # fmt: skip
    unknown = tx_unknown["counterparty_id"].isna().to_numpy()
    assert 0.3 < unknown.mean() < 0.5
    for name in ("new_counterparty", "counterparty_age_days", "cp_in_degree", "cp_known_days"):
        assert got.loc[unknown, name].isna().all() and got.loc[~unknown, name].notna().all(), name
    # as one shared counterparty, the unknown ones would have been "known" for days by the end
    shared = transaction_features(tx_unknown.fillna({"counterparty_id": "(none)"}))
    assert (
        shared.loc[unknown, "cp_known_days"].max() > 5
        and shared["acc_out_degree"].max() > got["acc_out_degree"].max()
    )
    fee = (tx_unknown["purpose"] == "FEE").to_numpy()
    assert got.loc[fee, "routine"].tolist() == [0, 0, 1]


def test_weekly_postings_are_routine_only_when_regular_and_similar(tx, reference):
    got = transaction_features(tx)["routine"]
    for payee, expected in (("iban-rent", [0, 0, 1]), ("iban-gym", [0, 0, 0]), ("iban-club", [0, 0, 0])):
        assert got[(tx["counterparty_id"] == payee).to_numpy()].tolist() == expected, payee
    assert got.sum() == reference["routine"].sum() >= 1


def test_row_order_of_the_input_is_kept_and_a_shuffled_account_order_changes_nothing(tx):
    """Accounts coded in another order (another first row) give the same features, row for row."""
    base = transaction_features(tx)
    relabelled = tx.replace({"acc-1": "zz-1", "acc-7": "aa-7"})
    pd.testing.assert_frame_equal(transaction_features(relabelled), base)


def test_node_features_given_from_elsewhere_equal_those_computed_here(tx):
    """The Dask path's way: node features computed on events, handed over as ``graph``."""
    n = len(tx)
    debit = (tx["direction"] == "debit").to_numpy()
    ev = graph_events(tx["account_id"].to_numpy(), tx["counterparty_id"].to_numpy(), debit)
    t = (tx["timestamp"] - T0).dt.total_seconds().to_numpy().astype(np.int64) + 10**6  # any origin
    cents = np.round(tx["amount"].to_numpy() * 100).astype(np.int64)
    node = node_event_features(ev["node"], ev["other"], ev["is_in"], np.r_[t, t], np.r_[cents, cents])
    acc_ev = np.where(debit, np.arange(n), n + np.arange(n))
    cp_ev = np.where(debit, n + np.arange(n), np.arange(n))
    graph = pd.DataFrame(
        {c: node[c[4:]][acc_ev] if c.startswith("acc_") else node[c[3:]][cp_ev] for c in GRAPH_INPUTS},
        index=tx.index,
    )
    pd.testing.assert_frame_equal(transaction_features(tx, graph=graph), transaction_features(tx))
    with pytest.raises(FeatureError, match="graph must hold"):
        transaction_features(tx, graph=graph.drop(columns="cp_known_days"))
    with pytest.raises(FeatureError, match="graph must hold"):
        transaction_features(tx, graph=graph.iloc[1:])


def test_without_direction_every_row_is_money_out(tx):
    plain = tx.drop(columns="direction")
    f = transaction_features(plain)
    as_debits = reference_features(tx.assign(direction="debit"))
    assert "direction" not in f
    for name in ("n_refund_7d", "acc_out_24h_log", "cp_in_degree", "pass_through_24h"):
        np.testing.assert_allclose(
            f[name], as_debits[name], rtol=2e-6, atol=2e-6, equal_nan=True, err_msg=name
        )


def test_categorical_codes_are_the_categories_own():
    tx = rich_ledger(1)
    tx["country"] = pd.Categorical(tx["country"], categories=["BE", "DE", "FR", "LU", "NL"])
    f = transaction_features(tx)
    assert (f["country"].to_numpy() == tx["country"].cat.codes.to_numpy()).all()
    assert f["country"].max() <= 3 and (tx["country"].iloc[0] != "BE") == (f["country"].iloc[0] != 0)


def test_a_ledger_of_one_row_and_time_keys_that_would_overflow():
    one = rich_ledger().iloc[:1]
    f = transaction_features(one)
    assert f[["n_24h", "history_n", "acc_in_degree", "cp_known_days"]].iloc[0].tolist() == [0, 0, 0, 0]
    assert f["new_counterparty"].iloc[0] == 1 and np.isnan(f["gap_since_last_log"].iloc[0])
    with pytest.raises(FeatureError, match="64-bit"):
        _GroupTime(np.array([2**31]), np.array([2**31]), 7 * DAY)
    ok = _GroupTime(np.array([0, 1, 1]), np.array([5, 0, 5]), 10)  # fits: no error, keys per group
    assert ok.m == 5 + 1 + 10 + 1 and ok.key.tolist() == [5, ok.m, ok.m + 5]
    assert ok.start.tolist() == [0, 1, 1] and ok.right.tolist() == [0, 1, 2]


INT16 = {"channel", "direction", "country", "hour", "weekday", "near_threshold", "new_country", "routine"}


def test_feature_types_are_compact(tx):
    """int16 codes and flags, float32 for the rest: the 30M-row ledger's features fit because of it."""
    f = transaction_features(tx)
    for name in f.columns:
        assert f[name].dtype == (np.int16 if name in INT16 else np.float32), name


@pytest.mark.filterwarnings("error")  # divisions by zero are expected and silenced where they occur
def test_small_accounts_at_their_edges_equal_the_definition():
    """Three equal amounts (no spread), past amounts below one euro, an amount of exactly 9,000 EUR."""
    rows = [
        ("flat", "p", 20.0), ("flat", "p", 20.0), ("flat", "q", 20.0), ("flat", "q", 35.0), ("flat", "r", 20.0),
        ("tiny", "p", 0.004), ("tiny", "p", 0.5), ("tiny", "q", 3.0), ("tiny", "q", 0.2),
        ("edge", "p", 9000.0), ("edge", "q", 9999.99), ("edge", "r", 10_000.0), ("edge", "p", 8999.99),
        ("late", "p", 1.0),
    ]  # fmt: skip
    tx = pd.DataFrame(rows, columns=["account_id", "counterparty_id", "amount"])
    seconds = np.arange(len(tx)) * 600
    seconds[-1] = (
        seconds[-2] - 1
    )  # 'late' starts 1 s before 'edge' ends: a -1 s step between them when sorted
    tx["timestamp"] = T0 + pd.to_timedelta(seconds, unit="s")
    tx = tx.sort_values("timestamp", kind="stable").reset_index(drop=True)
    tx["direction"], tx["channel"], tx["country"], tx["device_id"] = "debit", "SEPA", "LU", "d1"
    got, expected = transaction_features(tx), reference_features(tx)
    for name in got.columns:
        np.testing.assert_allclose(
            got[name], expected[name], rtol=2e-6, atol=2e-6, equal_nan=True, err_msg=name
        )
    assert got.loc[tx["account_id"] == "edge", "near_threshold"].tolist() == [1, 1, 0, 0]
    assert got["amount_over_past_max"].iloc[[6, 7]].tolist() == pytest.approx(
        [50.0, 6.0]
    )  # 0.5 / 0.01, 3 / 0.5


def test_numeric_device_ids_with_minus_one_and_missing_mean_no_device(tx):
    codes = {"d1": 11, "d2": 12, "d3": 13}
    numeric = tx.assign(device_id=tx["device_id"].map(codes).astype("float64"))  # -1, "", "none", None -> NaN
    numeric.loc[numeric.index[::7], "device_id"] = -1.0
    as_text = numeric.assign(device_id=numeric["device_id"].map({11.0: "d1", 12.0: "d2", 13.0: "d3"}))
    got, expected = transaction_features(numeric), reference_features(as_text)
    for name in ("new_device", "device_age_days"):
        np.testing.assert_allclose(
            got[name], expected[name], rtol=2e-6, atol=2e-6, equal_nan=True, err_msg=name
        )
    assert (
        got["new_device"].isna().sum()
        == numeric["device_id"].isna().sum() + (numeric["device_id"] == -1).sum()
    )


def test_a_categorical_channel_keeps_its_own_codes():
    tx = rich_ledger(2)
    tx["channel"] = pd.Categorical(
        tx["channel"], categories=["SEPA", "refund", "Card", "e-commerce", "cash_deposit"]
    )
    f = transaction_features(tx)
    assert (f["channel"].to_numpy() == tx["channel"].cat.codes.to_numpy()).all()


def test_bad_input_is_named_in_full(tx):
    with pytest.raises(FeatureError) as err:
        transaction_features(tx.drop(columns=["account_id", "amount"]))
    assert str(err.value) == (
        "Transaction table lacks column(s) account_id, amount; map account, timestamp and amount."
    )
    with pytest.raises(FeatureError) as err:
        transaction_features(tx.iloc[::-1])
    assert str(err.value) == "Transactions must be sorted by timestamp (data.ledger_frame sorts them)."
    with pytest.raises(FeatureError) as err:
        transaction_features(tx, graph=pd.DataFrame(index=tx.index))
    assert str(err.value) == f"graph must hold {', '.join(GRAPH_INPUTS)} for every row of tx."


def test_the_64_bit_guard_is_exact():
    """Keys are group * m + t with m = span + window + 1: exactly 2**62 is refused, one group less is not."""
    with pytest.raises(FeatureError) as err:
        _GroupTime(np.array([2**31 - 1]), np.array([2**31 - 2]), 0)  # 2**31 groups x m = 2**31
    assert str(err.value) == "Too many accounts times too long a period for 64-bit time keys."
    fits = _GroupTime(np.array([2**31 - 2]), np.array([2**31 - 2]), 0)
    assert fits.m == 2**31 and fits.key.tolist() == [(2**31 - 2) * 2**31 + 2**31 - 2]
    empty = _GroupTime(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 5)
    assert empty.m == 1 + 5 + 1 and len(empty.order) == 0


def test_an_empty_ledger_gives_an_empty_table_of_every_feature(tx):
    """A Dask partition may hold no rows: its feature table is empty, with every column and type."""
    empty = transaction_features(tx.iloc[:0])
    full = transaction_features(tx)
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    assert (empty.dtypes == full.dtypes).all()
    plain = transaction_features(tx.iloc[:0][["timestamp", "account_id", "amount"]])
    assert len(plain) == 0 and "n_24h" in plain and "acc_in_degree" not in plain
    node = node_event_features(*(np.array([], dtype=np.int64) for _ in range(5)))
    assert all(len(v) == 0 for v in node.values())


def test_payment_events_name_the_sides():
    ev = graph_events(np.array([1, 2]), np.array([7, 8]), np.array([True, False]))
    assert ev["node"].tolist() == [1, 8, 7, 2] and ev["other"].tolist() == [7, 2, 1, 8]
    assert ev["is_in"].tolist() == [0, 0, 1, 1] and ev["is_in"].dtype == np.int64
    assert ev["account_side"].tolist() == [True, False, False, True]  # the row's own account's event
