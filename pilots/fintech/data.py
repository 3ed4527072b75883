"""What the fintech pilot does to loaded data before modelling. It never reads a file: ``livinglab.load`` does
(a partner's file, the catalogue's file and the synthetic frame alike), once, through the design's contract.

- A ledger (contract A's names) becomes the pilot's ledger schema (:func:`ledger_frame`): ``transaction_id,
  timestamp, account_id, counterparty_id, amount, direction, channel, country, device_id`` plus ``label``,
  ``label_available_at``, ``typology`` and ``segment`` when the data have them, sorted by time, exact
  duplicates dropped (counted), with ``available`` naming the optional parts the data really hold.
  :func:`ledger_rows` is its row-by-row part (the out-of-core path applies it to each partition).
- A feature table (contract B's names) becomes :class:`FeatureTable`: the numeric features, and the label,
  time and group when the data have them (found by name when ``columns`` did not map them).
- :func:`ledger_overview`: the counts the data section shows (per day and channel, per hour, per segment).

Every step that changes or leaves out something says so in ``notes`` (shown on the page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from livinglab.contract import ContractError, parse_datetimes

from .contract import CREDIT_WORDS, DEBIT_WORDS, GROUP_NAMES, LABEL_NAMES, LABEL_WORDS, TIME_NAMES

NOMINAL_EPOCH = pd.Timestamp("2000-01-01")  # times given in seconds are placed after this nominal start
MIN_LEDGER_ROWS = 200
MIN_TABLE_ROWS = 50


# ----------------------------------------------------------------------------- values
def labels_01(values: pd.Series, column: str) -> tuple[pd.Series, int]:
    """0/1 labels from numbers, booleans or yes/no/true/false text; missing values count as 0 (returned)."""
    if pd.api.types.is_numeric_dtype(values) and values.isin([0, 1]).all():  # the usual case, without text
        return values.astype(np.int8), 0
    text = values.astype("string").str.strip().str.lower()
    out = text.map(LABEL_WORDS)
    bad = out.isna() & text.notna()
    if bad.any():
        shown = ", ".join(repr(v) for v in values[bad].astype(str).unique()[:3])
        raise ContractError(
            f"Label column {column!r} must hold 0/1 (or yes/no, true/false): {int(bad.sum()):,} value(s) do "
            f"not ({shown}); map another column with -p columns or fix the values."
        )
    missing = int(out.isna().sum())
    return out.fillna(0).astype(np.int8), missing


def time_values(values: pd.Series, column: str) -> tuple[pd.Series, bool]:
    """Datetimes from date-time text or from numbers of seconds (placed after ``NOMINAL_EPOCH``)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]"), False
    seconds = pd.to_numeric(values, errors="coerce")
    if seconds.notna().mean() > 0.99:
        return NOMINAL_EPOCH + pd.to_timedelta(seconds.fillna(seconds.median()), unit="s"), True
    parsed, _ = parse_datetimes(values.astype("string"))
    bad = parsed.isna() & values.notna()
    if bad.any() or parsed.isna().all():
        raise ContractError(
            f"Time column {column!r} holds neither date-times nor numbers of seconds (e.g. "
            f"{values[bad].astype(str).head(2).tolist()}); map another column as time, or none."
        )
    return parsed.astype("datetime64[ns]"), False


def numbers(values: pd.Series) -> pd.Series:
    """Numbers from numbers or text, understanding a decimal comma (``-0,18``, ``1.234,5``)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip()
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    failed = number.isna() & text.notna()
    if failed.any() and text[failed].str.fullmatch(r"-?[\d.\s']*\d,\d+(?:[eE][-+]?\d+)?").mean() > 0.99:
        fixed = text[failed].str.replace(r"[.\s']", "", regex=True).str.replace(",", ".", regex=False)
        number = number.where(~failed, pd.to_numeric(fixed, errors="coerce").astype("float64"))
    return number


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(name).lower())


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    by = {_norm(c): c for c in columns}
    for name in names:
        if _norm(name) in by:
            return by[_norm(name)]
    return None


# ----------------------------------------------------------------------------- contract B: feature tables
@dataclass
class FeatureTable:
    """A feature table split into its parts (contract B)."""

    features: pd.DataFrame  # numeric columns only, float64, rows 0..n-1
    label: pd.Series | None = None  # int8 0/1
    time: pd.Series | None = None  # datetimes (seconds are placed after NOMINAL_EPOCH)
    time_in_seconds: bool = False
    group: pd.Series | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.features)


def feature_table(frame: pd.DataFrame, mapping: dict[str, str] | None = None) -> FeatureTable:
    """Split a frame in contract B's names into features, label, time and group, with notes.

    ``label``/``time``/``group`` not mapped are looked for by name among the other columns (a label column
    must hold only 0/1). Text columns are left out; constant columns too.
    """
    notes: list[str] = []
    mapping = dict(mapping or {})
    frame = frame.copy()
    extras = [c for c in frame.columns if c not in ("label", "time", "group", "source_file")]
    if "label" not in frame:
        found = _find(extras, LABEL_NAMES)
        if found is not None:
            values = pd.to_numeric(frame[found], errors="coerce")
            if values.notna().all() and values.isin([0, 1]).all():
                frame["label"] = frame.pop(found)
                extras.remove(found)
                notes.append(f"column {found!r} is the label (0/1, found by its name); it is not a feature")
    for part, names, what in (("time", TIME_NAMES, "is the time"), ("group", GROUP_NAMES, "groups the rows")):
        if part not in frame:
            found = _find(extras, names)
            if found is not None:
                frame[part] = frame.pop(found)
                extras.remove(found)
                notes.append(f"column {found!r} {what} (found by its name); it is not a feature")
    table = FeatureTable(pd.DataFrame())
    if "label" in frame:
        table.label, missing = labels_01(frame["label"], mapping.get("label", "label"))
        if missing:
            notes.append(f"{missing:,} rows without a label count as normal (0)")
    if "time" in frame:
        table.time, table.time_in_seconds = time_values(frame["time"], mapping.get("time", "time"))
        if table.time_in_seconds:
            notes.append("time is given in seconds; it is shown as time after a nominal start (day 1)")
    if "group" in frame:
        table.group = frame["group"].astype("string").fillna("(none)")
    numeric, dropped_text = [], []
    for col in extras:
        values = frame[col]
        if pd.api.types.is_bool_dtype(values):
            numeric.append(col)
            continue
        converted = numbers(values)
        if pd.api.types.is_numeric_dtype(values) or converted.notna().mean() > 0.99:
            frame[col] = converted
            numeric.append(col)
        else:
            dropped_text.append(col)
    if dropped_text:
        notes.append(f"text column(s) left out of the features: {', '.join(map(str, dropped_text[:8]))}")
    features = frame[numeric].astype("float64")
    constant = [c for c in features.columns if features[c].nunique(dropna=True) <= 1]
    if constant:
        features = features.drop(columns=constant)
        notes.append(f"constant column(s) left out: {', '.join(map(str, constant[:8]))}")
    if features.shape[1] == 0:
        raise ContractError(
            "The table has no numeric feature column left (after the label, time and group columns); "
            "give numeric features, or run the ledger design (fintech-ledger) for one row per transaction."
        )
    if len(features) < MIN_TABLE_ROWS:
        raise ContractError(
            f"The table has only {len(features)} rows; anomaly detection needs at least {MIN_TABLE_ROWS}."
        )
    duplicates = int(features.duplicated().sum())
    if duplicates:
        notes.append(f"{duplicates:,} rows repeat another row's features exactly (kept)")
    table.features = features.reset_index(drop=True)
    table.notes = notes
    return table


# ----------------------------------------------------------------------------- contract A: ledgers
@dataclass
class LedgerData:
    """A ledger in the pilot's schema with the optional parts it holds."""

    frame: pd.DataFrame
    available: frozenset  # optional parts present: counterparty, channel, country, direction, device
    segments: tuple[str, ...]  # customer-segment columns (only to check who gets flagged)
    notes: list[str] = field(default_factory=list)

    @property
    def has_labels(self) -> bool:
        return "label" in self.frame


def ledger_frame(frame: pd.DataFrame) -> LedgerData:
    """A frame in contract A's names -> the pilot's ledger schema, sorted by time; ``transaction_id`` = the
    row's position after sorting. Rows equal in the mapped columns are kept: they can be two payments alike
    (the contract drops, and counts, rows identical in every column of the file)."""
    n_in = len(frame)
    out, available, segments, notes = ledger_rows(frame)
    disorder = int((out["timestamp"].diff() < pd.Timedelta(0)).sum())
    if disorder:
        notes.append(f"{disorder:,} rows were out of time order and were sorted")
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    for col in TEXT_COLUMNS:  # codes as the text's would be in time order (features use them)
        if col in out and isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = _in_order_of_appearance(out[col])
    out.insert(0, "transaction_id", np.arange(len(out), dtype=np.int64))
    if len(out) < MIN_LEDGER_ROWS:
        raise ContractError(
            f"The ledger has only {len(out)} rows (of {n_in:,} read); the pilot needs at least {MIN_LEDGER_ROWS}."
        )
    return LedgerData(out, available, segments, notes)


def _compact(values: pd.Series) -> pd.Series:
    """Text as a categorical whose categories are in order of first appearance (its codes are those
    ``pd.factorize`` gives the text, so features do not change), a fraction of the text's memory."""
    codes, uniques = pd.factorize(values)
    return pd.Series(pd.Categorical.from_codes(codes, uniques), index=values.index, name=values.name)


def _in_order_of_appearance(values: pd.Series) -> pd.Series:
    """A categorical's categories put in the order they first appear in ``values`` (after sorting by time)."""
    codes = values.cat.codes.to_numpy()
    order = pd.unique(codes[codes >= 0])  # old codes, in order of first appearance
    remap = np.full(len(values.cat.categories), -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    new = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return pd.Series(
        pd.Categorical.from_codes(new, values.cat.categories[order]), index=values.index, name=values.name
    )


TEXT_COLUMNS = (
    "account_id",
    "counterparty_id",
    "device_id",
    "direction",
    "channel",
    "country",
    "segment",
    "typology",
)


def ledger_rows(
    frame: pd.DataFrame,
    *,
    signed: bool | None = None,
    label_time_used: bool | None = None,
    compact: bool = True,
) -> tuple[pd.DataFrame, frozenset, tuple[str, ...], list[str]]:
    """Row by row part of :func:`ledger_frame` (no sorting, no duplicates dropped, no transaction ids).

    Two choices depend on the whole ledger; a partitioned reader passes them in, decided once: ``signed``
    (without a direction column, whether some amount is negative, so that signs give the direction) and
    ``label_time_used`` (whether the label_time column holds any time). None: decided from ``frame``.
    ``compact``: the text columns as categoricals in order of first appearance (a ledger in memory); a
    partitioned reader keeps text, whose categories differ from part to part.
    """
    notes: list[str] = []

    def as_text(values: pd.Series, fill: str | None = "(none)") -> pd.Series:  # one text column at a time
        values = values.astype("string") if fill is None else values.astype("string").fillna(fill)
        return _compact(values) if compact else values

    out = pd.DataFrame(index=frame.index)
    out["timestamp"] = frame["timestamp"].astype("datetime64[ns]")
    if out["timestamp"].isna().any():
        raise ContractError(
            f"{int(out['timestamp'].isna().sum()):,} row(s) have no timestamp; drop them or map another column."
        )
    out["account_id"] = as_text(frame["account"])
    amount = frame["amount"].astype("float64")
    if amount.isna().any():
        raise ContractError(f"{int(amount.isna().sum()):,} row(s) have no amount; drop them before loading.")
    available = set()
    if "direction" in frame:
        text = frame["direction"].astype("string").str.strip().str.lower()
        direction = pd.Series(
            np.where(text.isin(DEBIT_WORDS), "debit", np.where(text.isin(CREDIT_WORDS), "credit", "?")),
            index=frame.index,
        )
        bad = direction == "?"
        if bad.any():
            raise ContractError(
                f"direction must say debit/credit (or out/in, D/C, -/+): {int(bad.sum()):,} value(s) do not, e.g. "
                f"{text[bad].unique()[:3].tolist()}; map another column or none."
            )
        available.add("direction")
    elif (amount < 0).any() if signed is None else signed:
        direction = pd.Series(np.where(amount < 0, "debit", "credit"), index=frame.index)
        available.add("direction")
        counted = (
            f"{int((amount < 0).sum()):,} " if signed is None else ""
        )  # a partition's count would mislead
        notes.append(
            f"no direction column: {counted}negative amounts read as money out, the rest as money in"
        )
    else:
        direction = pd.Series("debit", index=frame.index)
        notes.append("no direction column and no negative amount: every row is read as money out")
    out["amount"] = amount.abs()
    out["direction"] = as_text(direction)
    if "counterparty" in frame:
        out["counterparty_id"] = as_text(frame["counterparty"])
        available.add("counterparty")
    elif "merchant" in frame:
        out["counterparty_id"] = as_text(frame["merchant"])
        available.add("counterparty")
        notes.append("no counterparty column: the merchant is used as the counterparty")
    else:
        notes.append(
            "no counterparty or merchant column: new-counterparty and payment-graph features are skipped"
        )
    for part, col in (("channel", "channel"), ("country", "country")):
        if col in frame:
            out[col] = as_text(frame[col])
            available.add(part)
        else:
            skipped = {"channel": "channel feature and per-channel rule thresholds", "country": "country and new-country features"}[part]  # fmt: skip
            notes.append(f"no {col} column: {skipped} skipped")
    if "device" in frame:
        out["device_id"] = as_text(frame["device"], fill=None)  # missing: no device was used
        available.add("device")
    else:
        notes.append("no device column: new-device features skipped")
    segments: tuple[str, ...] = ()
    if "segment" in frame:
        out["segment"] = as_text(frame["segment"])
        segments = ("segment",)
    else:
        notes.append("no segment column: the who-gets-flagged table is skipped")
    if "label" in frame:
        out["label"], missing = labels_01(frame["label"], "label")
        if missing:
            notes.append(f"{missing:,} rows without a label count as genuine (0)")
        if "label_time" in frame:
            label_time = frame["label_time"].astype("datetime64[ns]")
            if label_time.notna().any() if label_time_used is None else label_time_used:
                out["label_available_at"] = label_time
                unknown = int(label_time.isna().sum())
                if unknown:
                    notes.append(f"{unknown:,} rows have no label_time: their labels count as not yet known")
            else:
                notes.append("label_time is empty: every label is taken as known at once")
        else:
            notes.append("no label_time column: every label is taken as known at once (no label delay)")
        kind = frame["fraud_type"].astype("string") if "fraud_type" in frame else None
        fraud = out["label"] == 1
        named = kind.fillna("fraud") if kind is not None else pd.Series("fraud", index=frame.index)
        out["typology"] = as_text(named.where(fraud, "none"))
    else:
        notes.append(
            "no label column: the unsupervised detector ranks the transactions; the supervised model, "
            "the evaluation and the cost threshold are skipped"
        )
    return out, frozenset(available), segments, notes


# ----------------------------------------------------------------------------- what the data section shows
@dataclass
class LedgerOverview:
    """Counts of a ledger for the data section (from the rows in memory, or Dask reductions)."""

    rows: int
    accounts: int
    start: pd.Timestamp
    end: pd.Timestamp
    amount_median: float
    frauds: int | None
    daily: pd.DataFrame  # transactions per day (rows) and channel (columns)
    hourly: pd.Series  # transactions per hour of day
    segments: pd.DataFrame | None  # accounts, transactions, fraud rows per segment

    def metrics(self) -> dict:
        out = {
            "rows": int(self.rows),
            "accounts": int(self.accounts),
            "days": float((self.end - self.start) / pd.Timedelta(days=1)),
            "first_time": str(self.start),
            "last_time": str(self.end),
            "amount_median": float(self.amount_median),
        }
        if self.frauds is not None:
            out |= {"fraud_rows": int(self.frauds), "fraud_share": self.frauds / max(1, self.rows)}
        return out


def ledger_overview(ledger: LedgerData) -> LedgerOverview:
    """The counts of a ledger in memory."""
    tx = ledger.frame
    day = tx["timestamp"].dt.normalize()
    channel = tx["channel"].astype(str) if "channel" in tx else pd.Series("all", index=tx.index)
    daily = tx.groupby([day, channel], observed=True).size().unstack(fill_value=0)
    daily.index.name, daily.columns.name = "timestamp", None
    segments = None
    if ledger.segments:
        grouped = tx.groupby([tx[s].astype(str) for s in ledger.segments])
        table = {"accounts": grouped["account_id"].nunique(), "transactions": grouped.size()}
        if "label" in tx:
            table["fraud_rows"] = grouped["label"].sum()
        segments = pd.DataFrame(table).reset_index()
    return LedgerOverview(
        len(tx),
        int(tx["account_id"].nunique()),
        tx["timestamp"].min(),
        tx["timestamp"].max(),
        float(tx["amount"].median()),
        int(tx["label"].sum()) if "label" in tx else None,
        daily,
        tx.groupby(tx["timestamp"].dt.hour).size(),
        segments,
    )
