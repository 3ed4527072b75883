"""A ledger as a Dask frame in the pilot's schema, and the counts the data section shows (Dask reductions).

- :meth:`LazyLedger.from_loaded`: a partner's Parquet ledger loaded lazily by ``livinglab.load(..., lazy=True)``
  (contract A's names, every part checked by the contract as it is read, index = the row's position in the
  files' order). Two choices depend on the whole ledger and are made once, in one pass of Dask reductions:
  whether amounts carry the direction (some negative amount, no direction column) and whether ``label_time``
  holds any time; channel and country get the categories of the whole ledger, in order of first appearance in
  time (the codes the in-memory path's features give them). Each part is then converted by
  ``data.ledger_rows``, the in-memory loader's own function; a row's ``transaction_id`` is its position.
  Not done here: exact duplicate rows are kept (the in-memory loader drops them: that needs a shuffle).
- :meth:`LazyLedger.from_frame`: a ledger in memory (the generated one) partitioned from there.
- :func:`overview`: ``data.LedgerOverview`` of a lazy ledger in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from livinglab.contract import ContractError

from ..data import (
    MIN_LEDGER_ROWS,
    LedgerData,
    LedgerOverview,
    apply_value_codes,
    ledger_currency,
    ledger_rows,
)
from ..model.features import available_parts
from .engine import ScaleError

TARGET_PARTITION_ROWS = 250_000  # rows per account partition (a partition's features need ~0.6 kB per row)


@dataclass
class LazyLedger:
    """A ledger as a Dask frame in the pilot's schema (``data.ledger_frame``'s columns) with its facts."""

    frame: Any  # dask.dataframe.DataFrame
    available: frozenset
    segments: tuple[str, ...]
    rows: int
    notes: list[str] = field(default_factory=list)
    currency: str = ""

    @classmethod
    def from_frame(cls, ledger: LedgerData, *, npartitions: int | None = None) -> LazyLedger:
        """A ledger in memory (``data.ledger_frame``'s), partitioned."""
        import dask.dataframe as dd

        frame = ledger.frame
        parts = npartitions or max(1, math.ceil(len(frame) / TARGET_PARTITION_ROWS))
        notes = ["the ledger is held in memory and partitioned from there (its rows are the same)"]
        lazy = dd.from_pandas(frame, npartitions=parts, sort=False)
        return cls(lazy, ledger.available, ledger.segments, len(frame), notes, ledger.currency)

    @classmethod
    def from_loaded(
        cls, loaded, *, value_codes: dict | None = None, mapping: dict | None = None, currency: str = ""
    ) -> LazyLedger:
        """A lazily loaded ledger (``livinglab.load(..., lazy=True)``, contract A's names) in the pilot's schema;
        ``value_codes``, ``mapping`` and ``currency`` as ``data.ledger_frame`` takes them."""
        import dask

        f = loaded.frame
        if loaded.rows < MIN_LEDGER_ROWS:
            raise ContractError(
                f"The ledger has only {loaded.rows} rows; the pilot needs at least {MIN_LEDGER_ROWS}."
            )
        codes = (value_codes or None, dict(mapping or {}))
        cat_cols = [c for c in ("channel", "country") if c in f.columns]
        meta = _first_appearance(f._meta, cat_cols, codes)
        found = dask.compute(f.map_partitions(_first_appearance, cat_cols, codes, meta=meta))[0]
        currencies = []
        if "currency" in f.columns:
            currencies = (
                f["currency"].dropna().astype(str).str.strip().str.upper().unique().compute().tolist()
            )
        currency, currency_notes = ledger_currency(pd.DataFrame({"currency": currencies}), currency)
        facts = found[found["column"] == "_facts"]
        categories = {}
        for col in cat_cols:
            sub = found[found["column"] == col].sort_values(["ts", "rid"], kind="stable")
            categories[col] = tuple(sub.drop_duplicates("value")["value"])
        signed = bool(facts["negative"].any()) if "direction" not in f.columns else None
        label_time_used = bool(facts["label_times"].sum() > 0) if "label_time" in f.columns else None
        conv = _Conversion(signed, label_time_used, categories, codes)
        head, available, segments, notes = ledger_rows(
            f._meta, signed=signed, label_time_used=label_time_used, value_codes=codes[0], mapping=codes[1]
        )
        out_meta = _convert_part(f._meta, conv)
        frame = f.map_partitions(_convert_part, conv, meta=out_meta, enforce_metadata=False)
        notes = [
            *notes,
            *currency_notes,
            "read in parts: each part is converted like the rows of a ledger read whole; exact duplicate rows "
            "are kept and not counted (the in-memory path counts and drops them)",
        ]
        return cls(frame, available_parts(out_meta), segments, loaded.rows, notes, currency)

    @property
    def has_labels(self) -> bool:
        return "label" in self.frame.columns


@dataclass(frozen=True)
class _Conversion:
    """How every part becomes rows of the pilot's schema (decided once for the whole ledger)."""

    signed: bool | None
    label_time_used: bool | None
    categories: dict  # column -> categories in order (the same codes in every partition)
    codes: tuple = (None, {})  # value_codes and the mapping they may name columns by


def _convert_part(part: pd.DataFrame, conv: _Conversion) -> pd.DataFrame:
    out, _, _, _ = ledger_rows(
        part, signed=conv.signed, label_time_used=conv.label_time_used, compact=False, value_codes=conv.codes[0],
        mapping=conv.codes[1],
    )  # fmt: skip
    out.insert(0, "transaction_id", part.index.to_numpy().astype(np.int64))
    for col, cats in conv.categories.items():
        values = out[col]
        typed = values.astype(pd.CategoricalDtype(list(cats)))
        unknown = typed.isna() & values.notna()
        if unknown.any():
            raise ContractError(
                f"column {col!r} has value(s) that the first pass did not see "
                f"({values[unknown].astype(str).unique()[:3].tolist()}); read the ledger with engine 'pandas'."
            )
        out[col] = typed
    return out


def _first_appearance(part: pd.DataFrame, cols: Sequence[str], codes: tuple = (None, {})) -> pd.DataFrame:
    """Per category value of ``cols`` (after ``value_codes``): its earliest (timestamp, row id) in the part, and
    a few facts."""
    part, _ = apply_value_codes(part, codes[0], codes[1])
    rows = []
    ts = part["timestamp"].astype("datetime64[ns]")
    rid = part.index.to_numpy().astype(np.int64)
    for col in cols:
        values = part[col].astype("string").fillna("(none)")
        frame = pd.DataFrame({"value": values.to_numpy(dtype=object), "ts": ts.to_numpy(), "rid": rid})
        first = frame.sort_values(["ts", "rid"], kind="stable").drop_duplicates("value")
        rows.append(first.assign(column=col))
    facts = pd.DataFrame(
        {
            "column": ["_facts"],
            "value": [None],
            "ts": [ts.min()],
            "rid": [-1],
            "negative": [bool((pd.to_numeric(part["amount"]) < 0).any())],
            "label_times": [int(part["label_time"].notna().sum()) if "label_time" in part else 0],
        }
    )
    columns = ["value", "ts", "rid", "column", "negative", "label_times"]
    return pd.concat([*(r.reindex(columns=columns) for r in rows), facts[columns]], ignore_index=True).astype(
        {"value": object, "ts": "datetime64[ns]", "rid": np.int64, "column": object}
    )


def overview(ledger: LazyLedger) -> LedgerOverview:
    """What the data section shows of a lazy ledger, in one pass of Dask reductions."""
    import dask

    f = ledger.frame
    day = f["timestamp"].dt.floor("D")
    channel = f["channel"].astype(str) if "channel" in f.columns else "all"
    work = f.assign(_day=day, _channel=channel, _hour=f["timestamp"].dt.hour)
    todo = {
        "accounts": f["account_id"].nunique(),
        "start": f["timestamp"].min(),
        "end": f["timestamp"].max(),
        "median": f["amount"].quantile(0.5),
        "daily": work.groupby(["_day", "_channel"]).size(),
        "hourly": work.groupby("_hour").size(),
    }
    if ledger.has_labels:
        todo["frauds"] = f["label"].sum()
    if "direction" in f.columns:
        todo["credits"] = (f["direction"].astype(str) == "credit").sum()
        todo["debits"] = (f["direction"].astype(str) == "debit").sum()
    if "counterparty_id" in f.columns:
        todo["counterparty_missing"] = f["counterparty_id"].isna().sum()
    if ledger.segments:
        seg = list(ledger.segments)
        keyed = f.assign(**{s: f[s].astype(str) for s in seg})
        todo["seg_size"] = keyed.groupby(seg).size()
        todo["seg_accounts"] = keyed.groupby(seg)["account_id"].nunique()
        if ledger.has_labels:
            todo["seg_fraud"] = keyed.groupby(seg)["label"].sum()
    done = dict(zip(todo, dask.compute(*todo.values()), strict=True))
    segments = None
    if ledger.segments:
        table = {"accounts": done["seg_accounts"], "transactions": done["seg_size"]}
        if "seg_fraud" in done:
            table["fraud_rows"] = done["seg_fraud"]
        segments = pd.DataFrame(table).sort_index().reset_index()
    daily = done["daily"].unstack(fill_value=0).sort_index()
    daily.index.name, daily.columns.name = "timestamp", None
    return LedgerOverview(
        ledger.rows,
        int(done["accounts"]),
        pd.Timestamp(done["start"]),
        pd.Timestamp(done["end"]),
        float(done["median"]),
        int(done["frauds"]) if "frauds" in done else None,
        daily,
        done["hourly"].sort_index(),
        segments,
        currency=ledger.currency,
        credits=int(done["credits"]) if "credits" in done else None,
        debits=int(done["debits"]) if "debits" in done else None,
        counterparty_missing=int(done["counterparty_missing"]) if "counterparty_missing" in done else None,
    )


def check_schema(frame) -> None:
    missing = [c for c in ("transaction_id", "timestamp", "account_id", "amount") if c not in frame.columns]
    if missing:
        raise ScaleError(f"The ledger lacks column(s) {', '.join(missing)} of the pilot's schema.")
