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

Features (``FEATURE_DESCRIPTIONS`` has the plain-language text used in the analyst queue):

- the transaction itself: log amount, channel, direction, MCC, country, hour, weekday,
  just-below-reporting-threshold flag;
- per-account velocity over 1 h / 24 h / 7 d (counts and sums), refunds, cash deposits, first-time
  counterparties and near-threshold amounts in the last 7 days / 24 h;
- deviation from the account's own history (z-score of the log amount, amount over the past
  maximum, time since the previous transaction);
- first time this account uses this counterparty / country / device, and how long ago the
  counterparty or device was first used;
- payment-graph features from past edges only: distinct payers into and payees out of the account
  (in/out degree), money in and out over the last 24 h and the pass-through ratio (out / in), and
  for the counterparty its in/out degree, incoming payments in the last 24 h and how long the bank
  has known it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .synthetic import REPORTING_THRESHOLD_EUR

WINDOWS = {"1h": 3600, "24h": 86_400, "7d": 7 * 86_400}
CATEGORICAL = ("channel", "direction", "country")  # MCC stays numeric: its ranges are meaningful groups
_LOG_SCALE = 10_000  # log-amounts are summed as integers in 1e-4 units (exact prefix sums)

FEATURE_DESCRIPTIONS = {
    "amount_log": "amount (log EUR)",
    "channel": "channel",
    "direction": "money in (credit) or out (debit)",
    "mcc": "merchant category",
    "country": "country of the counterparty or shop",
    "hour": "hour of day",
    "weekday": "day of week",
    "near_threshold": "amount just below the 10,000 EUR reporting threshold",
    "n_1h": "account's transactions in the previous hour",
    "n_24h": "account's transactions in the previous 24 h",
    "n_7d": "account's transactions in the previous 7 days",
    "sum_1h_log": "account's amount in the previous hour (log)",
    "sum_24h_log": "account's amount in the previous 24 h (log)",
    "sum_7d_log": "account's amount in the previous 7 days (log)",
    "n_refund_7d": "refunds received in the previous 7 days",
    "n_cash_7d": "cash deposits in the previous 7 days",
    "n_near_threshold_7d": "amounts just below 10,000 EUR in the previous 7 days",
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
    "acc_in_24h_log": "money into the account in the previous 24 h (log)",
    "acc_out_24h_log": "money out of the account in the previous 24 h (log)",
    "pass_through_24h": "money out over money in, last 24 h (pass-through)",
    "cp_in_degree": "distinct payers into the counterparty so far",
    "cp_out_degree": "distinct payees of the counterparty so far",
    "cp_in_n_24h": "payments into the counterparty in the previous 24 h",
    "cp_known_days": "days since the bank first saw the counterparty",
}
TRANSACTION_FEATURES = tuple(FEATURE_DESCRIPTIONS)
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
    "n_refund_7d",
    "n_near_threshold_7d",
    "acc_in_n_24h",
    "pass_through_24h",
    "cp_known_days",
    "cp_in_n_24h",
)


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
    return pd.Series(t).groupby(pair, sort=False).transform("min").to_numpy()


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes that never depend on later rows: a categorical's own codes, else order of first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(values, sort=False)[0].astype(np.int64)


def _log1p_pos(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.maximum(x, 0)).astype(np.float32)


def transaction_features(tx: pd.DataFrame) -> pd.DataFrame:
    """The feature table of a transaction ledger (same row order and index as ``tx``).

    ``tx`` follows the pilot's schema (``loaders.load_transactions`` or the generator) and must be
    sorted by timestamp.
    """
    needed = [
        "timestamp",
        "account_id",
        "counterparty_id",
        "amount",
        "direction",
        "channel",
        "mcc",
        "country",
        "device_id",
    ]
    missing = [c for c in needed if c not in tx.columns]
    if missing:
        raise FeatureError(
            f"Transaction table lacks column(s) {', '.join(missing)}; load it with load_transactions."
        )
    if not tx["timestamp"].is_monotonic_increasing:
        raise FeatureError("Transactions must be sorted by timestamp (load_transactions sorts them).")
    n = len(tx)
    t = _seconds(tx["timestamp"])
    amount = tx["amount"].to_numpy(dtype=float)
    cents = np.round(amount * 100).astype(np.int64)
    log_amt = np.log1p(amount)
    log_q = np.round(log_amt * _LOG_SCALE).astype(np.int64)
    debit = (
        (tx["direction"].astype(str) == "debit").to_numpy()
        if not isinstance(tx["direction"].dtype, pd.CategoricalDtype)
        else (tx["direction"] == "debit").to_numpy()
    )
    channel = (
        tx["channel"].astype(str)
        if not isinstance(tx["channel"].dtype, pd.CategoricalDtype)
        else tx["channel"]
    )
    is_refund = (channel == "ecommerce").to_numpy() & ~debit
    is_cash = (channel == "cash_deposit").to_numpy()
    near = (amount >= 0.9 * REPORTING_THRESHOLD_EUR) & (amount < REPORTING_THRESHOLD_EUR)

    nodes, _ = pd.factorize(pd.concat([tx["account_id"], tx["counterparty_id"]], ignore_index=True))
    nodes = nodes.astype(np.int64)
    acc, cp = nodes[:n], nodes[n:]
    n_nodes = int(nodes.max()) + 1 if n else 1
    feats: dict[str, np.ndarray] = {}

    # --- the transaction itself
    ts = tx["timestamp"]
    feats["amount_log"] = log_amt.astype(np.float32)
    feats["channel"] = _codes(channel).astype(np.int16)
    feats["direction"] = (~debit).astype(np.int16)
    feats["mcc"] = tx["mcc"].to_numpy().astype(np.int16)
    feats["country"] = _codes(tx["country"]).astype(np.int16)
    feats["hour"] = ts.dt.hour.to_numpy().astype(np.int16)
    feats["weekday"] = ts.dt.dayofweek.to_numpy().astype(np.int16)
    feats["near_threshold"] = near.astype(np.int16)

    # --- first-time counterparty / country / device (the pair's earliest time is never a future row's)
    first_cp = _first_time(acc * n_nodes + cp, t)
    feats["new_counterparty"] = (first_cp == t).astype(np.int16)
    feats["counterparty_age_days"] = ((t - first_cp) / 86_400).astype(np.float32)
    country = _codes(tx["country"])
    first_country = _first_time(acc * (int(country.max()) + 2) + country, t)
    feats["new_country"] = (first_country == t).astype(np.int16)
    device_raw = tx["device_id"]
    if pd.api.types.is_numeric_dtype(device_raw):
        has_device = (device_raw.notna() & (device_raw != -1)).to_numpy()
    else:
        has_device = (device_raw.notna() & ~device_raw.astype(str).isin(["-1", "", "none"])).to_numpy()
    device = pd.factorize(device_raw)[0].astype(np.int64)
    first_dev = _first_time(acc * (int(device.max()) + 2) + device, t)
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
    for name, mask, left in (
        ("n_refund_7d", is_refund, left7),
        ("n_cash_7d", is_cash, left7),
        ("n_near_threshold_7d", near, left7),
        ("n_new_counterparty_24h", feats["new_counterparty"].astype(bool), left24),
    ):
        p = g.prefix(mask[o].astype(np.int64))
        feats[name] = g.unsort((p[right] - p[left]).astype(np.float32))
    hist = right - g.start
    feats["history_n"] = g.unsort(hist.astype(np.float32))
    p1, p2 = g.prefix(log_q[o]), g.prefix(log_q[o] ** 2)
    s1 = (p1[right] - p1[g.start]).astype(float)
    s2 = (p2[right] - p2[g.start]).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / hist
        var = np.maximum(s2 / hist - mean**2, 0.0)
        z = (log_q[o] - mean) / (np.sqrt(var) + 0.1 * _LOG_SCALE)
    feats["amount_dev_z"] = g.unsort(np.where(hist >= 3, z, np.nan).astype(np.float32))
    cummax = pd.Series(amount[o]).groupby(g.group, sort=False).cummax().to_numpy()
    has_past = hist > 0
    prev = np.maximum(right - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = amount[o] / np.maximum(cummax[prev], 0.01)
        gap = np.log1p(g.t - g.t[prev]).astype(np.float32)
    feats["amount_over_past_max"] = g.unsort(np.where(has_past, ratio, np.nan).astype(np.float32))
    feats["gap_since_last_log"] = g.unsort(np.where(has_past, gap, np.nan).astype(np.float32))
    del g, p_cents, p1, p2

    # --- payment graph from past edges: one event per side of every payment
    payer = np.where(debit, acc, cp)
    payee = np.where(debit, cp, acc)
    node = np.concatenate([payer, payee])
    other = np.concatenate([payee, payer])
    is_in = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64)])
    ev_t = np.concatenate([t, t])
    ev_cents = np.concatenate([cents, cents])
    ge = _GroupTime(node, ev_t, WINDOWS["24h"])
    o = ge.order
    right, start, left24 = ge.right, ge.start, ge.left(WINDOWS["24h"])
    in_s, other_s = is_in[o], other[o]
    pair = (ge.group * n_nodes + other_s) * 2 + in_s
    first_pair = ~pd.Series(pair).duplicated().to_numpy()  # earliest event of each (node, other, side)
    p_in_first = ge.prefix((first_pair & (in_s == 1)).astype(np.int64))
    p_out_first = ge.prefix((first_pair & (in_s == 0)).astype(np.int64))
    p_in = ge.prefix(in_s)
    p_in_c = ge.prefix(ev_cents[o] * in_s)
    p_out_c = ge.prefix(ev_cents[o] * (1 - in_s))
    node_feats = {
        "in_degree": p_in_first[right] - p_in_first[start],
        "out_degree": p_out_first[right] - p_out_first[start],
        "in_n_24h": p_in[right] - p_in[left24],
        "in_24h": (p_in_c[right] - p_in_c[left24]) / 100.0,
        "out_24h": (p_out_c[right] - p_out_c[left24]) / 100.0,
        "known_days": (ge.t - ge.t[start]) / 86_400,
    }
    node_feats = {k: ge.unsort(np.asarray(v, dtype=float)) for k, v in node_feats.items()}
    # The account's own event of row r is the payer event (r) for a debit, the payee event (n + r) for a credit.
    acc_ev = np.where(debit, np.arange(n), n + np.arange(n))
    cp_ev = np.where(debit, n + np.arange(n), np.arange(n))
    feats["acc_in_degree"] = node_feats["in_degree"][acc_ev].astype(np.float32)
    feats["acc_out_degree"] = node_feats["out_degree"][acc_ev].astype(np.float32)
    feats["acc_in_n_24h"] = node_feats["in_n_24h"][acc_ev].astype(np.float32)
    acc_in = node_feats["in_24h"][acc_ev]
    acc_out = node_feats["out_24h"][acc_ev]
    feats["acc_in_24h_log"] = _log1p_pos(acc_in)
    feats["acc_out_24h_log"] = _log1p_pos(acc_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        through = (acc_out + np.where(debit, amount, 0.0)) / acc_in
    feats["pass_through_24h"] = np.where(acc_in > 0, np.minimum(through, 100.0), np.nan).astype(np.float32)
    feats["cp_in_degree"] = node_feats["in_degree"][cp_ev].astype(np.float32)
    feats["cp_out_degree"] = node_feats["out_degree"][cp_ev].astype(np.float32)
    feats["cp_in_n_24h"] = node_feats["in_n_24h"][cp_ev].astype(np.float32)
    feats["cp_known_days"] = node_feats["known_days"][cp_ev].astype(np.float32)

    return pd.DataFrame({name: feats[name] for name in TRANSACTION_FEATURES}, index=tx.index)


ULB_MODEL_FEATURES = tuple(f"V{i}" for i in range(1, 29)) + ("amount_log",)


def ulb_features(df: pd.DataFrame) -> pd.DataFrame:
    """Features of the ULB credit-card data: the 28 published PCA components and the log amount.

    ``Time`` is left out on purpose: in a time-ordered split the test period's times lie outside
    the training range, so a model could only learn the period, not fraud.
    """
    out = df[[f"V{i}" for i in range(1, 29)]].astype(np.float32).copy()
    out["amount_log"] = np.log1p(df["Amount"].to_numpy()).astype(np.float32)
    return out
