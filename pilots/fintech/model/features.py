"""Leak-free, vectorised transaction features.

Every feature of a transaction at time t uses only rows strictly before t (and the transaction's
own fields): the windows are half-open ``[t - w, t)``, the equivalent of pandas'
``rolling(w, closed="left")``, so neither the current row, nor other rows at the same instant, nor
any later row count. Changing or deleting future rows cannot change a past row's features
(``pilots/fintech/tests/test_features.py`` checks it).

How it is vectorised: rows are sorted by (key, time) once; for each row two binary searches on the
combined key ``group * M + t`` give the first row inside the window and the first row at or after
t; window counts are index differences and window sums are differences of prefix sums. Prefix sums
run on integers (amounts in cents, log-amounts in 1e-4 units), so they are exact: a row's value
cannot depend on rows outside its own window through rounding either. No Python loop touches rows.

Features (``FEATURE_DESCRIPTIONS`` has the plain-language text used in the analyst queue); those that
need an optional ledger column (``NEEDS``) are left out when the ledger lacks it:

- the transaction itself: log amount, channel, direction, country, hour, weekday;
- per-account velocity over 1 h / 24 h / 7 d (counts and sums) and first-time counterparties in the last
  24 h;
- deviation from the account's own history (z-score of the log amount, amount over the past
  maximum, time since the previous transaction);
- first time this account uses this counterparty / country / device, and how long ago the
  counterparty or device was first used;
- payment-graph features from past edges only: distinct payers into and payees out of the account
  (in/out degree), payments in over 24 h and 7 days, money in and out over the last 24 h and the
  pass-through ratio (out / in), and for the counterparty its in/out degree, incoming payments in the
  last 24 h and how long the bank has known it.

No feature is written for one fraud typology of the generator: the threshold, refund and cash counts of
the rules baseline (``RULE_INPUTS``) are computed beside the features but never given to a model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract import REPORTING_THRESHOLD_EUR

WINDOWS = {"1h": 3600, "24h": 86_400, "7d": 7 * 86_400}
CATEGORICAL = ("channel", "direction", "country")
_LOG_SCALE = 10_000  # log-amounts are summed as integers in 1e-4 units (exact prefix sums)

FEATURE_DESCRIPTIONS = {
    "amount_log": "amount (log EUR)",
    "channel": "channel",
    "direction": "money in (credit) or out (debit)",
    "country": "country of the counterparty or shop",
    "hour": "hour of day",
    "weekday": "day of week",
    "n_1h": "account's transactions in the previous hour",
    "n_24h": "account's transactions in the previous 24 h",
    "n_7d": "account's transactions in the previous 7 days",
    "sum_1h_log": "account's amount in the previous hour (log)",
    "sum_24h_log": "account's amount in the previous 24 h (log)",
    "sum_7d_log": "account's amount in the previous 7 days (log)",
    "n_new_counterparty_24h": "new counterparties in the previous 24 h",
    "history_n": "account's transactions so far",
    "amount_dev_z": "amount compared with the account's own history (z-score)",
    "amount_over_past_max": "amount over the account's largest so far",
    "gap_since_last_log": "time since the account's previous transaction (log s)",
    "new_counterparty": "first time with this counterparty",
    "counterparty_age_days": "days since the account first used this counterparty",
    "new_country": "first transaction with this country",
    "new_device": "first time this device is used",
    "device_age_days": "days since this device was first used",
    "acc_in_degree": "distinct payers into the account so far",
    "acc_out_degree": "distinct payees of the account so far",
    "acc_in_n_24h": "payments into the account in the previous 24 h",
    "acc_in_n_7d": "payments into the account in the previous 7 days",
    "acc_in_24h_log": "money into the account in the previous 24 h (log)",
    "acc_out_24h_log": "money out of the account in the previous 24 h (log)",
    "pass_through_24h": "money out over money in, last 24 h (pass-through)",
    "cp_in_degree": "distinct payers into the counterparty so far",
    "cp_out_degree": "distinct payees of the counterparty so far",
    "cp_in_n_24h": "payments into the counterparty in the previous 24 h",
    "cp_known_days": "days since the bank first saw the counterparty",
}
# Inputs of the rules baseline and the analyst queue only (bank rules written for the 10,000 EUR reporting
# threshold, refunds and cash; routine postings): never given to the models, which would otherwise be handed
# the generator's learnt tells.
RULE_INPUTS = {
    "near_threshold": "amount just below the 10,000 EUR reporting threshold",
    "n_near_threshold_7d": "amounts just below 10,000 EUR in the previous 7 days",
    "n_refund_7d": "refunds received in the previous 7 days",
    "n_cash_7d": "cash deposits in the previous 7 days",
    "routine": "a routine posting (recurring: see ROUTINE_RULE)",
}
#: Regular intervals of recurring postings (days, inclusive): weekly, fortnightly, monthly, quarterly, yearly.
PERIODS = {
    "weekly": (6, 8),
    "fortnightly": (13, 15),
    "monthly": (26, 35),
    "quarterly": (85, 97),
    "yearly": (355, 375),
}
ROUTINE_AMOUNT_RATIO = 1.5  # "similar amount": each within this factor of the previous posting of the series
ROUTINE_RULE = (
    "a posting is routine when the same account made at least two earlier postings in the same direction with "
    "the same purpose (without a purpose: the same counterparty; without either: the same channel) at one "
    "regular interval (weekly 6-8 days, fortnightly 13-15, monthly 26-35, quarterly 85-97 or yearly 355-375 "
    "days between consecutive postings), each amount within a factor of "
    f"{ROUTINE_AMOUNT_RATIO:g} of the one before (interest, fees, salaries, standing orders)"
)
TRANSACTION_FEATURES = tuple(FEATURE_DESCRIPTIONS)
# Which optional ledger column each feature needs (features not listed need only account, timestamp, amount).
NEEDS = {
    "channel": "channel",
    "direction": "direction",
    "country": "country",
    "new_country": "country",
    "new_device": "device",
    "device_age_days": "device",
    **{
        name: "counterparty"
        for name in (
            "new_counterparty",
            "counterparty_age_days",
            "n_new_counterparty_24h",
            "acc_in_degree",
            "acc_out_degree",
            "acc_in_n_24h",
            "acc_in_n_7d",
            "acc_in_24h_log",
            "acc_out_24h_log",
            "pass_through_24h",
            "cp_in_degree",
            "cp_out_degree",
            "cp_in_n_24h",
            "cp_known_days",
        )
    },
}
OPTIONAL_PARTS = ("counterparty", "channel", "country", "direction", "device", "purpose")
# What the unsupervised detector looks at: how unusual a payment is for its own account and
# counterparty, not how big the account is (size features make big corporates the "anomalies").
UNSUPERVISED_FEATURES = (
    "amount_dev_z",
    "amount_over_past_max",
    "gap_since_last_log",
    "n_1h",
    "n_24h",
    "n_new_counterparty_24h",
    "new_counterparty",
    "new_country",
    "new_device",
    "device_age_days",
    "counterparty_age_days",
    "acc_in_n_24h",
    "acc_in_n_7d",
    "pass_through_24h",
    "cp_known_days",
    "cp_in_n_24h",
)


def feature_names(available: set[str] | frozenset[str]) -> list[str]:
    """The model features a ledger with these optional columns supports (in the canonical order)."""
    return [f for f in TRANSACTION_FEATURES if NEEDS.get(f) is None or NEEDS[f] in available]


def available_parts(tx: pd.DataFrame) -> frozenset[str]:
    """The optional ledger parts a frame in the pilot's schema carries (all of them for the generator's)."""
    present = {"counterparty": "counterparty_id", "channel": "channel", "country": "country"}
    present["purpose"] = "purpose"
    parts = {part for part, col in present.items() if col in tx}
    if "direction" in tx:
        parts.add("direction")
    if "device_id" in tx:
        parts.add("device")
    return frozenset(parts)


class FeatureError(ValueError):
    """Input that the feature builder cannot use."""


def _seconds(ts: pd.Series) -> np.ndarray:
    t = ts.to_numpy(dtype="datetime64[s]").astype(np.int64)
    return t - t.min() if len(t) else t


class _GroupTime:
    """Rows sorted by (group, time) with binary-search window bounds (windows [t - w, t))."""

    def __init__(self, group: np.ndarray, t: np.ndarray, max_window: int):
        span = int(t.max()) + 1 if len(t) else 1
        self.m = span + max_window + 1
        n_groups = int(group.max()) + 1 if len(group) else 1
        if n_groups * self.m >= 2**62:
            raise FeatureError("Too many accounts times too long a period for 64-bit time keys.")
        key = group.astype(np.int64) * self.m + t
        self.order = np.argsort(key, kind="stable")
        self.key = key[self.order]
        self.t = t[self.order]
        self.group = group[self.order]
        self.right = np.searchsorted(self.key, self.key, side="left")  # first row at or after t
        self.start = np.searchsorted(self.key, self.group.astype(np.int64) * self.m, side="left")

    def left(self, window: int) -> np.ndarray:
        return np.searchsorted(self.key, self.key - window, side="left")

    def prefix(self, values: np.ndarray) -> np.ndarray:
        """Exclusive prefix sums of integer values in sorted order (length n + 1)."""
        out = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(values, out=out[1:])
        return out

    def unsort(self, sorted_values: np.ndarray) -> np.ndarray:
        out = np.empty_like(sorted_values)
        out[self.order] = sorted_values
        return out


def _first_time(pair: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For every row, the earliest time its (account, thing) pair occurs (never later than the row)."""
    return pd.Series(t).groupby(pair).transform("min").to_numpy()  # row order kept whatever the group order


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes that never depend on later rows: a categorical's own codes, else order of first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(values)[0]  # int64 codes in order of first appearance


def _log1p_pos(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.maximum(x, 0)).astype(np.float32)


def transaction_features(
    tx: pd.DataFrame,
    available: frozenset[str] | set[str] | None = None,
    *,
    graph: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The feature table of a transaction ledger (same row order and index as ``tx``).

    ``tx`` follows the pilot's ledger schema (``data.ledger_frame``)
    and must be sorted by timestamp. ``available`` names the optional parts the ledger really has
    (``counterparty``, ``channel``, ``country``, ``direction``, ``device``; default: whatever columns ``tx``
    has); features that need a missing part are left out (``feature_names``), and the rule inputs
    (``RULE_INPUTS``) are appended for the rules baseline. A pure function of the frame, so that a scale-out
    version can apply it to each account partition (rows of one account never need another partition,
    except for the payment-graph features).

    ``graph`` (same index as ``tx``, columns ``GRAPH_INPUTS``): the node features of each row's account and
    counterparty, computed elsewhere by ``node_event_features`` on events partitioned by node (the Dask path,
    ``distributed``); without it they are computed here from ``tx``'s own rows (which must then hold every payment).
    """
    missing = [c for c in ("timestamp", "account_id", "amount") if c not in tx.columns]
    if missing:
        raise FeatureError(
            f"Transaction table lacks column(s) {', '.join(missing)}; map account, timestamp and amount."
        )
    if not tx["timestamp"].is_monotonic_increasing:
        raise FeatureError("Transactions must be sorted by timestamp (data.ledger_frame sorts them).")
    available = available_parts(tx) if available is None else frozenset(available)
    n = len(tx)
    t = _seconds(tx["timestamp"])
    amount = tx["amount"].to_numpy(dtype=float)
    cents = np.round(amount * 100).astype(np.int64)
    log_amt = np.log1p(amount)
    log_q = np.round(log_amt * _LOG_SCALE).astype(np.int64)
    if "direction" in available:
        debit = (tx["direction"].astype(str) == "debit").to_numpy()
    else:
        debit = np.ones(n, dtype=bool)  # without a direction every row is read as money out
    channel = tx["channel"].astype(str) if "channel" in available else pd.Series("unknown", index=tx.index)
    lower = channel.str.lower()
    is_refund = (lower.str.contains("commerce|card|refund", regex=True)).to_numpy() & ~debit
    is_cash = lower.str.contains("cash").to_numpy()
    near = (amount >= 0.9 * REPORTING_THRESHOLD_EUR) & (amount < REPORTING_THRESHOLD_EUR)

    acc_codes = pd.factorize(tx["account_id"])[0]
    has_cp = "counterparty" in available
    cp_known = np.ones(n, dtype=bool)
    if has_cp:
        cp_known = tx["counterparty_id"].notna().to_numpy()
        nodes, _ = pd.factorize(pd.concat([tx["account_id"], tx["counterparty_id"]]))
        acc, cp = nodes[:n], nodes[n:]
        n_nodes = int(nodes.max()) + 2 if n else 1
        cp = np.where(cp_known, cp, n_nodes - 1)  # one code for "unknown": never a feature or a reason
    else:
        acc, cp, n_nodes = acc_codes, None, int(acc_codes.max()) + 1 if n else 1
    feats: dict[str, np.ndarray] = {}

    # --- the transaction itself
    ts = tx["timestamp"]
    feats["amount_log"] = log_amt.astype(np.float32)
    feats["channel"] = _codes(tx["channel"] if "channel" in available else channel).astype(np.int16)
    feats["direction"] = (~debit).astype(np.int16)
    if "country" in available:
        feats["country"] = _codes(tx["country"]).astype(np.int16)
    feats["hour"] = ts.dt.hour.to_numpy().astype(np.int16)
    feats["weekday"] = ts.dt.dayofweek.to_numpy().astype(np.int16)
    feats["near_threshold"] = near.astype(np.int16)

    # --- first-time counterparty / country / device (the pair's earliest time is never a future row's)
    if has_cp:  # an unknown counterparty is neither new nor known: its features are left empty
        first_cp = _first_time(acc * n_nodes + cp, t)
        feats["new_counterparty"] = np.where(cp_known, first_cp == t, np.nan).astype(np.float32)
        feats["counterparty_age_days"] = np.where(cp_known, (t - first_cp) / 86_400, np.nan).astype(
            np.float32
        )
    if "country" in available:
        country = _codes(tx["country"])
        first_country = _first_time(acc * (int(country.max(initial=-1)) + 2) + country, t)
        feats["new_country"] = (first_country == t).astype(np.int16)
    if "device" in available:
        device_raw = tx["device_id"]
        if pd.api.types.is_numeric_dtype(device_raw):
            has_device = (device_raw.notna() & (device_raw != -1)).to_numpy()
        else:
            has_device = (device_raw.notna() & ~device_raw.astype(str).isin(["-1", "", "none"])).to_numpy()
        device = pd.factorize(device_raw)[0]
        first_dev = _first_time(acc * (int(device.max(initial=-1)) + 2) + device, t)
        feats["new_device"] = np.where(has_device, (first_dev == t), np.nan).astype(np.float32)
        feats["device_age_days"] = np.where(has_device, (t - first_dev) / 86_400, np.nan).astype(np.float32)

    # --- per-account velocity and history (windows [t - w, t))
    g = _GroupTime(acc, t, max(WINDOWS.values()))
    o = g.order
    right = g.right
    p_cents = g.prefix(cents[o])
    p_one = np.arange(n + 1)
    for name, w in WINDOWS.items():
        left = g.left(w)
        feats[f"n_{name}"] = g.unsort((p_one[right] - p_one[left]).astype(np.float32))
        feats[f"sum_{name}_log"] = g.unsort(_log1p_pos((p_cents[right] - p_cents[left]) / 100.0))
    left7, left24 = g.left(WINDOWS["7d"]), g.left(WINDOWS["24h"])
    counted = [
        ("n_refund_7d", is_refund, left7),
        ("n_cash_7d", is_cash, left7),
        ("n_near_threshold_7d", near, left7),
    ]
    if has_cp:
        counted.append(("n_new_counterparty_24h", feats["new_counterparty"] == 1, left24))
    for name, mask, left in counted:
        p = g.prefix(mask[o].astype(np.int64))
        feats[name] = g.unsort((p[right] - p[left]).astype(np.float32))
    hist = right - g.start
    feats["history_n"] = g.unsort(hist.astype(np.float32))
    p1, p2 = g.prefix(log_q[o]), g.prefix(log_q[o] ** 2)
    s1 = (p1[right] - p1[g.start]).astype(float)
    s2 = (p2[right] - p2[g.start]).astype(float)
    with np.errstate(invalid="ignore"):  # 0 / 0 for a first row
        mean = s1 / hist
        var = np.maximum(s2 / hist - mean**2, 0.0)
        z = (log_q[o] - mean) / (np.sqrt(var) + 0.1 * _LOG_SCALE)
    feats["amount_dev_z"] = g.unsort(np.where(hist >= 3, z, np.nan).astype(np.float32))
    cummax = pd.Series(amount[o]).groupby(g.group).cummax().to_numpy()
    has_past = hist > 0
    prev = np.maximum(right - 1, 0)
    # a first row's prev is the previous account's last row: any value, even a gap of -1 s (log1p -> -inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = amount[o] / np.maximum(cummax[prev], 0.01)
        gap = np.log1p(g.t - g.t[prev]).astype(np.float32)
    feats["amount_over_past_max"] = g.unsort(np.where(has_past, ratio, np.nan).astype(np.float32))
    feats["gap_since_last_log"] = g.unsort(np.where(has_past, gap, np.nan).astype(np.float32))
    del g, p_cents, p1, p2

    if has_cp and graph is None:
        feats.update(_graph_features(acc, cp, t, cents, amount, debit, cp_known))
    elif has_cp:
        missing_graph = [c for c in GRAPH_INPUTS if c not in graph]
        if missing_graph or len(graph) != n:
            raise FeatureError(f"graph must hold {', '.join(GRAPH_INPUTS)} for every row of tx.")
        graph_values = {c: graph[c].to_numpy() for c in GRAPH_INPUTS}
        feats.update(graph_row_features(graph_values, debit, amount, cp_known))
    feats["routine"] = routine_postings(acc, t, amount, debit, _series_what(tx, available, cp, cp_known))

    names = [*feature_names(available), *RULE_INPUTS]
    return pd.DataFrame({name: feats[name] for name in names}, index=tx.index)


# Node features of the payment graph: per event, from the node's earlier events only.
NODE_FEATURES = ("in_degree", "out_degree", "in_n_24h", "in_n_7d", "in_24h", "out_24h", "known_days")
# What a row takes from its account's event (acc_*) and from its counterparty's event (cp_*).
ACCOUNT_NODE_FEATURES = ("in_degree", "out_degree", "in_n_24h", "in_n_7d", "in_24h", "out_24h")
COUNTERPARTY_NODE_FEATURES = ("in_degree", "out_degree", "in_n_24h", "known_days")
GRAPH_INPUTS = tuple(
    [f"acc_{k}" for k in ACCOUNT_NODE_FEATURES] + [f"cp_{k}" for k in COUNTERPARTY_NODE_FEATURES]
)


def graph_events(
    acc: np.ndarray, cp: np.ndarray, debit: np.ndarray, cp_known: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """One event per side of every payment: the payer's (rows 0..n-1), then the payee's (n..2n-1).

    ``node`` is the party the event belongs to, ``other`` the party at the other end, ``is_in`` 1 for money
    arriving at the node; ``account_side`` marks the event of the row's own account (the payer's event of a
    debit, the payee's of a credit); ``other_known`` is False where the party at the other end is an unknown
    counterparty (``cp_known``: False for a row without one). Works on any id values (codes, integers, text).
    """
    payer = np.where(debit, acc, cp)
    payee = np.where(debit, cp, acc)
    n = len(debit)
    known = np.ones(n, dtype=bool) if cp_known is None else np.asarray(cp_known, dtype=bool)
    return {
        "node": np.concatenate([payer, payee]),
        "other": np.concatenate([payee, payer]),
        "is_in": np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64)]),
        "account_side": np.concatenate([debit, ~debit]),
        "other_known": np.concatenate([np.where(debit, known, True), np.where(debit, True, known)]),
    }


def node_event_features(
    node: np.ndarray,
    other: np.ndarray,
    is_in: np.ndarray,
    t: np.ndarray,
    cents: np.ndarray,
    other_known: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """``NODE_FEATURES`` of each event (float64, event order) from the same node's events before it.

    Needs every event of each node present (all rows of the ledger, or a partition holding whole nodes);
    ids may be any values: they are coded here, and times only enter as differences. An event whose other
    party is unknown (``other_known`` False) counts as a payment, never as a distinct payer or payee.
    """
    codes, _ = pd.factorize(np.concatenate([node, other]))
    n_ev = len(node)
    node_c, other_c = codes[:n_ev], codes[n_ev:]
    n_nodes = int(codes.max()) + 1 if n_ev else 1
    t = np.asarray(t, dtype=np.int64)
    t = t - t.min() if n_ev else t
    ge = _GroupTime(node_c, t, WINDOWS["7d"])
    o = ge.order
    right, start, left24, left7 = ge.right, ge.start, ge.left(WINDOWS["24h"]), ge.left(WINDOWS["7d"])
    in_s, other_s = np.asarray(is_in, dtype=np.int64)[o], other_c[o]
    ev_cents = np.asarray(cents, dtype=np.int64)
    pair = (ge.group * n_nodes + other_s) * 2 + in_s
    first_pair = ~pd.Series(pair).duplicated().to_numpy()  # earliest event of each (node, other, side)
    if other_known is not None:
        first_pair &= np.asarray(other_known, dtype=bool)[o]
    p_in_first = ge.prefix((first_pair & (in_s == 1)).astype(np.int64))
    p_out_first = ge.prefix((first_pair & (in_s == 0)).astype(np.int64))
    p_in = ge.prefix(in_s)
    p_in_c = ge.prefix(ev_cents[o] * in_s)
    p_out_c = ge.prefix(ev_cents[o] * (1 - in_s))
    node_feats = {
        "in_degree": p_in_first[right] - p_in_first[start],
        "out_degree": p_out_first[right] - p_out_first[start],
        "in_n_24h": p_in[right] - p_in[left24],
        "in_n_7d": p_in[right] - p_in[left7],
        "in_24h": (p_in_c[right] - p_in_c[left24]) / 100.0,
        "out_24h": (p_out_c[right] - p_out_c[left24]) / 100.0,
        "known_days": (ge.t - ge.t[start]) / 86_400,
    }
    return {k: ge.unsort(np.asarray(v, dtype=float)) for k, v in node_feats.items()}


def graph_row_features(
    graph: dict, debit: np.ndarray, amount: np.ndarray, cp_known: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The payment-graph features of each row from its account's and counterparty's node features
    (``GRAPH_INPUTS``: ``acc_<feature>`` and ``cp_<feature>``, float64, row order); a row whose counterparty
    is unknown (``cp_known`` False) has no counterparty features (NaN)."""
    feats = {
        "acc_in_degree": graph["acc_in_degree"],
        "acc_out_degree": graph["acc_out_degree"],
        "acc_in_n_24h": graph["acc_in_n_24h"],
        "acc_in_n_7d": graph["acc_in_n_7d"],
    }
    acc_in = np.asarray(graph["acc_in_24h"], dtype=float)
    acc_out = np.asarray(graph["acc_out_24h"], dtype=float)
    feats["acc_in_24h_log"] = _log1p_pos(acc_in)
    feats["acc_out_24h_log"] = _log1p_pos(acc_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        through = (acc_out + np.where(debit, amount, 0.0)) / acc_in
    feats["pass_through_24h"] = np.where(acc_in > 0, np.minimum(through, 100.0), np.nan)
    known = np.ones(len(debit), dtype=bool) if cp_known is None else np.asarray(cp_known, dtype=bool)
    for k in COUNTERPARTY_NODE_FEATURES:
        feats[f"cp_{k}"] = np.where(known, np.asarray(graph[f"cp_{k}"], dtype=float), np.nan)
    return {k: np.asarray(v).astype(np.float32) for k, v in feats.items()}


def _graph_features(acc, cp, t, cents, amount, debit, cp_known=None) -> dict[str, np.ndarray]:
    """Payment graph from past edges: one event per side of every payment (all rows present)."""
    n = len(t)
    ev = graph_events(acc, cp, debit, cp_known)
    node_feats = node_event_features(
        ev["node"], ev["other"], ev["is_in"], np.concatenate([t, t]), np.concatenate([cents, cents]),
        ev["other_known"],
    )  # fmt: skip
    # The account's own event of row r is the payer event (r) for a debit, the payee event (n + r) for a credit.
    acc_ev = np.where(debit, np.arange(n), n + np.arange(n))
    cp_ev = np.where(debit, n + np.arange(n), np.arange(n))
    graph = {f"acc_{k}": node_feats[k][acc_ev] for k in ACCOUNT_NODE_FEATURES}
    graph |= {f"cp_{k}": node_feats[k][cp_ev] for k in COUNTERPARTY_NODE_FEATURES}
    return graph_row_features(graph, debit, amount, cp_known)


# ----------------------------------------------------------------------------- routine postings
def _series_what(tx: pd.DataFrame, available, cp: np.ndarray | None, cp_known: np.ndarray) -> np.ndarray:
    """What makes postings of an account one series: the purpose where given, else the counterparty where
    known, else the channel (codes offset so that the three never collide; -1: nothing to tell them apart)."""
    n = len(tx)
    what = np.full(n, -1, dtype=np.int64)
    step = 4 * (n + 1)
    if "channel" in available:
        channel = _codes(tx["channel"]).astype(np.int64)
        what = np.where(channel >= 0, 3 * step + channel, what)
    if cp is not None:
        what = np.where(cp_known, 2 * step + np.asarray(cp, dtype=np.int64), what)
    if "purpose" in available and "purpose" in tx:
        purpose = _codes(tx["purpose"]).astype(np.int64)
        what = np.where(purpose >= 0, step + purpose, what)
    return what


def _period(gap_days: np.ndarray) -> np.ndarray:
    """The regular interval a gap belongs to (1..len(PERIODS)), 0 for none."""
    out = np.zeros(len(gap_days), dtype=np.int64)
    for k, (low, high) in enumerate(PERIODS.values(), start=1):
        out = np.where((gap_days >= low) & (gap_days <= high), k, out)
    return out


def routine_postings(
    acc: np.ndarray, t: np.ndarray, amount: np.ndarray, debit: np.ndarray, what: np.ndarray
) -> np.ndarray:
    """1 for a routine posting (``ROUTINE_RULE``), from the posting and the two before it in its series (the
    same account, direction and ``what``): the past only, vectorised."""
    n = len(t)
    if n < 3:
        return np.zeros(n, dtype=np.int16)
    keys = pd.MultiIndex.from_arrays([np.asarray(acc), np.asarray(debit), np.asarray(what)])
    series = pd.factorize(keys)[0]
    order = np.lexsort((np.asarray(t), series))
    s, tt, a = series[order], np.asarray(t, dtype=np.int64)[order], np.asarray(amount, dtype=float)[order]
    same1 = np.zeros(n, dtype=bool)
    same2 = np.zeros(n, dtype=bool)
    same1[1:] = s[1:] == s[:-1]
    same2[2:] = same1[2:] & (s[2:] == s[:-2])
    gap1 = np.zeros(n)
    gap2 = np.zeros(n)
    gap1[1:] = (tt[1:] - tt[:-1]) / 86_400
    gap2[2:] = gap1[1:-1]
    ratio = ROUTINE_AMOUNT_RATIO
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.ones(n)
        r1[1:] = a[1:] / a[:-1]
        r2 = np.ones(n)
        r2[2:] = r1[1:-1]
    similar = (r1 <= ratio) & (r1 >= 1 / ratio) & (r2 <= ratio) & (r2 >= 1 / ratio)
    p1, p2 = _period(gap1), _period(gap2)
    routine = same2 & (p1 > 0) & (p1 == p2) & similar
    out = np.empty(n, dtype=np.int16)
    out[order] = routine
    return out
