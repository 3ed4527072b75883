"""The features of a ledger's rows on Dask: the in-memory feature function on partitions holding whole accounts.

Every payment gives two events (payer, payee); the events are shuffled once by party and each event's node
features computed from that party's earlier events (``features.node_event_features``); the features of each
row's account and counterparty go to the row's account partition; the ledger rows are **shuffled once by
account** (``set_index`` on a hash of the account with fixed divisions, so that each partition holds whole
accounts); ``features.transaction_features``, the function of the in-memory path, runs on each partition
(``map_partitions``; rows sorted by time): the windows ``[t - w, t)`` per account are exactly the in-memory
ones (a test compares them row for row).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.detectors import TimeSplit
from ..model.features import (
    ACCOUNT_NODE_FEATURES,
    COUNTERPARTY_NODE_FEATURES,
    FeatureError,
    graph_events,
    node_event_features,
    transaction_features,
)
from .ledger import TARGET_PARTITION_ROWS, LazyLedger

VIEW_PREFIX = "_v_"  # ledger columns carried beside the features (channel, country ... are features too)


def _uniform(ids: np.ndarray, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per row id (splitmix64): the same for a row in any partition."""
    z = np.asarray(ids).astype(np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _ids(values: pd.Series, as_text: bool) -> np.ndarray:
    """Party ids comparable between the account and counterparty columns (numbers, or text)."""
    if as_text:
        return values.astype(str).to_numpy(dtype=object)
    return values.to_numpy(dtype=np.int64)


def _partition_of(ids: np.ndarray, n: int) -> np.ndarray:
    return (pd.util.hash_array(ids) % np.uint64(n)).astype(np.int64)


def _seconds_abs(ts: pd.Series) -> np.ndarray:
    return ts.to_numpy(dtype="datetime64[s]").astype(np.int64)


def _debit(part: pd.DataFrame, available: frozenset) -> np.ndarray:
    if "direction" in available:
        return (part["direction"].astype(str) == "debit").to_numpy()
    return np.ones(len(part), dtype=bool)


def _with_pid(part: pd.DataFrame, n: int, as_text: bool) -> pd.DataFrame:
    return part.assign(_pid=_partition_of(_ids(part["account_id"], as_text), n))


def _events_part(part: pd.DataFrame, n: int, as_text: bool, available: frozenset) -> pd.DataFrame:
    debit = _debit(part, available)
    acc = _ids(part["account_id"], as_text)
    cp = _ids(part["counterparty_id"], as_text)
    ev = graph_events(acc, cp, debit, part["counterparty_id"].notna().to_numpy())
    t = _seconds_abs(part["timestamp"])
    cents = np.round(part["amount"].to_numpy(dtype=float) * 100).astype(np.int64)
    tid = part["transaction_id"].to_numpy(dtype=np.int64)
    row_pid = _partition_of(acc, n)
    return pd.DataFrame(
        {
            "_pid": _partition_of(ev["node"], n),
            "node": ev["node"],
            "other": ev["other"],
            "is_in": ev["is_in"].astype(np.int8),
            "t": np.concatenate([t, t]),
            "cents": np.concatenate([cents, cents]),
            "tid": np.concatenate([tid, tid]),
            "account_side": ev["account_side"],
            "other_known": ev["other_known"],
            "_row_pid": np.concatenate([row_pid, row_pid]),
        }
    )


def _node_part(part: pd.DataFrame) -> pd.DataFrame:
    feats = node_event_features(
        part["node"].to_numpy(),
        part["other"].to_numpy(),
        part["is_in"].to_numpy(dtype=np.int64),
        part["t"].to_numpy(),
        part["cents"].to_numpy(),
        part["other_known"].to_numpy(dtype=bool),
    )
    out = pd.DataFrame(feats, index=part.index)
    out["tid"] = part["tid"].to_numpy()
    out["account_side"] = part["account_side"].to_numpy()
    out["_row_pid"] = part["_row_pid"].to_numpy()
    return out


@dataclass(frozen=True)
class _SplitRule:
    split: np.datetime64
    valid_start: np.datetime64
    valid_end: np.datetime64
    has_delay: bool

    @classmethod
    def of(cls, split: TimeSplit, has_delay: bool) -> _SplitRule:
        return cls(
            split.split.to_datetime64(),
            split.valid_start.to_datetime64(),
            split.valid_end.to_datetime64(),
            has_delay,
        )

    def flags(self, part: pd.DataFrame) -> dict[str, np.ndarray]:
        """The time split of ``pipeline.run_detection`` row by row, and the labels known at the split."""
        t = part["timestamp"].to_numpy()
        train = t < self.split
        valid = (t >= self.valid_start) & (t < self.valid_end) & train
        out = {"train": train, "valid": valid, "fit": train & ~valid}
        if "label" in part:
            label = part["label"].to_numpy() == 1
            known = label & (part["label_available_at"].to_numpy() <= self.split) if self.has_delay else label
            out["label"] = label
            out["known"] = known
        return out


def _features_part(
    rows: pd.DataFrame,
    acc_ev: pd.DataFrame | None,
    cp_ev: pd.DataFrame | None,
    *,
    available: frozenset,
    keep: tuple[str, ...],
    rule: _SplitRule | None,
    seed: int,
) -> pd.DataFrame:
    """``transaction_features`` on one account partition (rows sorted by time), with the ledger columns in
    ``keep`` (prefixed ``VIEW_PREFIX``), the split flags and two uniform numbers per row for sampling."""
    rows = rows.sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True)
    graph = None
    if acc_ev is not None:
        tid = rows["transaction_id"].to_numpy()
        acc = acc_ev.set_index("tid").reindex(tid)
        cp = cp_ev.set_index("tid").reindex(tid)
        graph = pd.DataFrame(
            {f"acc_{k}": acc[k].to_numpy() for k in ACCOUNT_NODE_FEATURES}
            | {f"cp_{k}": cp[k].to_numpy() for k in COUNTERPARTY_NODE_FEATURES},
            index=rows.index,
        )
        if graph.isna().any().any():
            raise FeatureError(
                "Payment-graph features are missing for some rows of an account partition: the events and the "
                "rows were not partitioned alike (a bug, not a data problem)."
            )
    X = transaction_features(rows, available, graph=graph)
    out = pd.DataFrame({"transaction_id": rows["transaction_id"].to_numpy()}, index=rows.index)
    for col in keep:
        out[VIEW_PREFIX + col] = rows[col]
    out = pd.concat([out, X], axis=1)
    ids = rows["transaction_id"].to_numpy()
    out["_u"] = _uniform(ids, 2 * seed + 1)
    out["_u2"] = _uniform(ids, 2 * seed + 2)
    if rule is not None:
        for name, values in rule.flags(rows).items():
            out[f"_{name}"] = values
    return out


def partition_count(rows: int, workers: int = 1) -> int:
    return max(2 * workers, math.ceil(rows / TARGET_PARTITION_ROWS))


def dask_features(
    ledger: LazyLedger,
    *,
    npartitions: int | None = None,
    keep: Sequence[str] = (),
    rule: _SplitRule | None = None,
    seed: int = 0,
):
    """The features of every row as a Dask frame: accounts shuffled once, the payment graph's events once by
    party (see the module docstring); columns ``transaction_id``, ``keep`` (prefixed), the features of
    ``features.transaction_features`` and the rule inputs, ``_u``/``_u2`` and, with a split, its flags."""
    import dask.dataframe as dd

    f = ledger.frame
    available = ledger.available
    n = npartitions or partition_count(ledger.rows)
    divisions = tuple(range(n + 1))
    has_cp = "counterparty" in available
    needed = ["transaction_id", "timestamp", "account_id", "amount"]
    needed += [
        c
        for c in ("direction", "channel", "country", "counterparty_id", "device_id", "purpose")
        if c in f.columns
    ]
    needed += [c for c in ("label", "label_available_at") if c in f.columns and rule is not None]
    needed = list(dict.fromkeys(needed + list(keep)))
    rows = f[needed]
    as_text = not all(
        pd.api.types.is_integer_dtype(f._meta[c]) for c in ("account_id", "counterparty_id") if c in f.columns
    )
    meta_pid = _with_pid(rows._meta, n, as_text)
    by_account = rows.map_partitions(_with_pid, n, as_text, meta=meta_pid).set_index(
        "_pid", divisions=divisions
    )  # the one shuffle of the ledger's rows: whole accounts per partition
    acc_ev = cp_ev = None
    if has_cp:
        ev_meta = _events_part(rows._meta, n, as_text, available)
        events = rows.map_partitions(_events_part, n, as_text, available, meta=ev_meta)
        by_node = events.set_index("_pid", divisions=divisions)
        node_meta = _node_part(ev_meta.set_index("_pid"))
        node = by_node.map_partitions(_node_part, meta=node_meta)
        acc_ev = node[node["account_side"]]  # a party's own events: already in its account's partition
        cp_ev = node[~node["account_side"]].reset_index(drop=True).set_index("_row_pid", divisions=divisions)
    keep = tuple(keep)
    sample = rows._meta_nonempty.sort_values("timestamp")
    meta = _features_part(sample, None, None, available=available, keep=keep, rule=rule, seed=seed).iloc[:0]
    args = [by_account] + ([acc_ev, cp_ev] if has_cp else [None, None])
    return dd.map_partitions(
        _features_part,
        *args,
        available=available,
        keep=keep,
        rule=rule,
        seed=seed,
        meta=meta,
        align_dataframes=False,
        enforce_metadata=False,
    )
