"""The data of a run, whatever it is: the synthetic ledger, the catalogue's card data, or a partner's file.

:func:`load_fintech` returns a :class:`FintechData` of one of two kinds:

- ``ledger`` (contract A): the pilot's internal ledger schema (``transaction_id, timestamp, account_id,
  counterparty_id, amount, direction, channel, country, device_id`` plus ``label``, ``label_available_at``,
  segment columns and, for the generator's ledger, ``typology``), with ``available`` naming the optional
  parts the data really has. :func:`ledger_frame` converts a frame in contract A's names.
- ``features`` (contract B): ``features`` (numeric columns only), ``label`` (or None), ``time`` (or None),
  ``group`` (or None). :func:`feature_table` converts a frame in contract B's names; a label column named
  ``y``, ``class``, ``label``, ``is_fraud`` ... is found by name (with a note) when none was mapped.

Every conversion step that changes or ignores something says so in ``notes`` (shown in the notebook).
``describe()`` is the data paragraph of the notebook and the model card, computed from the data loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from livinglab.contract import ContractError

DEBIT_WORDS = {"debit", "d", "dr", "out", "outgoing", "-", "withdrawal", "payment", "sent", "-1"}
CREDIT_WORDS = {"credit", "c", "cr", "in", "incoming", "+", "deposit", "received", "1"}
LABEL_NAMES = (
    "y", "label", "class", "isfraud", "is_fraud", "fraud", "anomaly", "outlier", "target", "betrug", "fraude",
)  # fmt: skip
TIME_NAMES = ("time", "timestamp", "datetime", "date", "step")
GROUP_NAMES = ("group", "account", "account_id", "card", "card_id", "customer", "customer_id")
NOMINAL_EPOCH = pd.Timestamp("2000-01-01")  # times given in seconds are placed after this nominal start


@dataclass
class FintechData:
    kind: str  # "ledger" or "features"
    origin: str  # "synthetic", "real" (the catalogue's data) or "file" (a partner's)
    source: object  # livinglab DataSource
    name: str  # what to call the data in text: "the synthetic ledger", "creditcard.csv", ...
    frame: pd.DataFrame | None = None  # ledger rows (kind "ledger")
    features: pd.DataFrame | None = None  # kind "features"
    label: pd.Series | None = None
    time: pd.Series | None = None  # datetimes (seconds are placed after NOMINAL_EPOCH)
    time_in_seconds: bool = False
    group: pd.Series | None = None
    available: frozenset = frozenset()  # ledger: optional parts present
    segments: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    lazy: object | None = None  # scale.LazyLedger: the ledger as a Dask frame (engine "dask")
    engine: object | None = None  # scale.EngineChoice: which engine runs the ledger, and why
    client: object | None = None  # the Dask client of engine "dask"
    _summary: object | None = None

    @property
    def has_labels(self) -> bool:
        if self.kind == "ledger":
            if self.frame is None and self.lazy is not None:
                return self.lazy.has_labels
            return self.frame is not None and "label" in self.frame
        return self.label is not None

    @property
    def engine_used(self) -> str:
        return self.engine.engine if self.engine is not None else "pandas"

    @property
    def summary(self):
        """Counts of a ledger read in parts (``scale.summarise``, one pass of Dask reductions; cached)."""
        if self._summary is None and self.lazy is not None:
            from .scale import summarise

            self._summary = summarise(self.lazy)
        return self._summary

    @property
    def is_synthetic(self) -> bool:
        return self.origin == "synthetic"

    @property
    def rows(self) -> int:
        if self.kind == "ledger":
            return len(self.frame) if self.frame is not None else self.lazy.rows
        return len(self.features)

    def describe(self) -> str:
        """One paragraph about the data of this run, computed from it."""
        if self.kind == "ledger":
            if self.frame is not None:
                tx = self.frame
                n, accounts = len(tx), tx["account_id"].nunique()
                start, end, median = tx["timestamp"].min(), tx["timestamp"].max(), tx["amount"].median()
                frauds = int(tx["label"].sum()) if self.has_labels else None
                approx = ""
            else:
                s = self.summary
                n, accounts, start, end, median, frauds = (
                    s.rows,
                    s.accounts,
                    s.start,
                    s.end,
                    s.amount_median,
                    s.frauds,
                )
                approx = " (approximate)"
            span = end - start
            text = (
                f"{self.name}: {n:,} transactions of {accounts:,} accounts over "
                f"{span / pd.Timedelta(days=1):.1f} days ({start:%Y-%m-%d} to "
                f"{end:%Y-%m-%d}); amounts median{approx} {median:,.2f}"
            )
            if self.has_labels:
                text += f"; {frauds:,} rows labelled fraud ({frauds / max(1, n):.3%})"
            else:
                text += "; no labels (unsupervised detection only)"
            absent = [
                p
                for p in ("counterparty", "channel", "country", "direction", "device")
                if p not in self.available
            ]
            if absent:
                text += f"; without {', '.join(absent)}"
            return text + "."
        feats = self.features
        text = f"{self.name}: {len(feats):,} rows, {feats.shape[1]} numeric feature(s)"
        if self.label is not None:
            text += f", {int(self.label.sum()):,} labelled anomalies ({self.label.mean():.2%})"
        else:
            text += ", no label (scores and queue only)"
        if self.time is not None:
            span = self.time.max() - self.time.min()
            hours = span / pd.Timedelta(hours=1)
            text += f", spanning {hours:.1f} h" if hours < 72 else f", spanning {hours / 24:.1f} days"
        if self.group is not None:
            text += f", {self.group.nunique():,} groups"
        return text + "."


# ----------------------------------------------------------------------------- labels, times
def labels_01(values: pd.Series, column: str) -> tuple[pd.Series, int]:
    """0/1 labels from numbers, booleans or yes/no/true/false text; missing values count as 0 (returned)."""
    text = values.astype("string").str.strip().str.lower()
    mapping = {
        "1": 1, "1.0": 1, "true": 1, "yes": 1, "y": 1, "fraud": 1, "anomaly": 1,
        "0": 0, "0.0": 0, "false": 0, "no": 0, "n": 0, "genuine": 0, "normal": 0,
    }  # fmt: skip
    out = text.map(mapping)
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
    from livinglab.contract import parse_datetimes

    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]"), False
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().mean() > 0.99:
        return NOMINAL_EPOCH + pd.to_timedelta(numbers.fillna(numbers.median()), unit="s"), True
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
def feature_table(frame: pd.DataFrame, mapping: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    """Split a frame in contract B's names into features, label, time and group, with notes.

    ``label``/``time``/``group`` not mapped are looked for by name among the other columns (a label
    column must hold only 0/1). Text columns are left out; constant columns too.
    """
    notes: list[str] = []
    mapping = dict(mapping or {})
    out = {"label": None, "time": None, "group": None, "time_in_seconds": False}
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
    if "time" not in frame:
        found = _find(extras, TIME_NAMES)
        if found is not None:
            frame["time"] = frame.pop(found)
            extras.remove(found)
            notes.append(f"column {found!r} is the time (found by its name); it is not a feature")
    if "group" not in frame:
        found = _find(extras, GROUP_NAMES)
        if found is not None:
            frame["group"] = frame.pop(found)
            extras.remove(found)
            notes.append(f"column {found!r} groups the rows (found by its name); it is not a feature")
    if "label" in frame:
        out["label"], missing = labels_01(frame["label"], mapping.get("label", "label"))
        if missing:
            notes.append(f"{missing:,} rows without a label count as normal (0)")
    if "time" in frame:
        out["time"], out["time_in_seconds"] = time_values(frame["time"], mapping.get("time", "time"))
        if out["time_in_seconds"]:
            notes.append("time is given in seconds; it is shown as time after a nominal start (day 1)")
    if "group" in frame:
        out["group"] = frame["group"].astype("string").fillna("(none)")
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
            "give numeric features, or choose the ledger contract with -p data_kind ledger."
        )
    if len(features) < 50:
        raise ContractError(f"The table has only {len(features)} rows; anomaly detection needs at least 50.")
    duplicates = int(features.duplicated().sum())
    if duplicates:
        notes.append(f"{duplicates:,} rows repeat another row's features exactly (kept)")
    out["features"] = features.reset_index(drop=True)
    return out, notes


# ----------------------------------------------------------------------------- contract A: ledgers
def ledger_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, frozenset, tuple[str, ...], list[str]]:
    """A frame in contract A's names -> the pilot's ledger schema, the optional parts present, segment
    columns and notes. Sorted by time; exact duplicate rows dropped (counted)."""
    n_in = len(frame)
    out, available, segments, notes = ledger_rows(frame)
    dup = out.duplicated()
    if dup.any():
        notes.append(f"{int(dup.sum()):,} exact duplicate rows dropped")
        out = out[~dup]
    disorder = int((out["timestamp"].diff() < pd.Timedelta(0)).sum())
    if disorder:
        notes.append(f"{disorder:,} rows were out of time order and were sorted")
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    out.insert(0, "transaction_id", np.arange(len(out), dtype=np.int64))
    if len(out) < 200:
        raise ContractError(
            f"The ledger has only {len(out)} rows (of {n_in:,} read); the pilot needs at least 200."
        )
    return out, available, segments, notes


def ledger_rows(
    frame: pd.DataFrame, *, signed: bool | None = None, label_time_used: bool | None = None
) -> tuple[pd.DataFrame, frozenset, tuple[str, ...], list[str]]:
    """Row by row part of :func:`ledger_frame` (no sorting, no duplicates dropped, no transaction ids).

    Two choices depend on the whole ledger; a partitioned reader passes them in, decided once: ``signed``
    (without a direction column, whether some amount is negative, so that signs give the direction) and
    ``label_time_used`` (whether the label_time column holds any time). None: decided from ``frame``.
    """
    notes: list[str] = []
    out = pd.DataFrame(index=frame.index)
    out["timestamp"] = frame["timestamp"].astype("datetime64[ns]")
    if out["timestamp"].isna().any():
        raise ContractError(
            f"{int(out['timestamp'].isna().sum()):,} row(s) have no timestamp; drop them or map another column."
        )
    out["account_id"] = frame["account"].astype("string").fillna("(none)")
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
        notes.append(
            f"no direction column: {int((amount < 0).sum()):,} negative amounts read as money out, the rest as money in"
        )
    else:
        direction = pd.Series("debit", index=frame.index)
        notes.append("no direction column and no negative amount: every row is read as money out")
    out["amount"] = amount.abs()
    out["direction"] = direction.astype("string")
    if "counterparty" in frame:
        out["counterparty_id"] = frame["counterparty"].astype("string").fillna("(none)")
        available.add("counterparty")
    elif "merchant" in frame:
        out["counterparty_id"] = frame["merchant"].astype("string").fillna("(none)")
        available.add("counterparty")
        notes.append("no counterparty column: the merchant is used as the counterparty")
    else:
        notes.append(
            "no counterparty or merchant column: new-counterparty and payment-graph features are skipped"
        )
    for part, col in (("channel", "channel"), ("country", "country"), ("device", "device")):
        if col in frame:
            out["device_id" if col == "device" else col] = frame[col].astype("string").fillna("(none)")
            available.add(part)
        else:
            skipped = {
                "channel": "channel feature and per-channel rule thresholds",
                "country": "country and new-country features",
                "device": "new-device features",
            }[part]
            notes.append(f"no {col} column: {skipped} skipped")
    segments: tuple[str, ...] = ()
    if "segment" in frame:
        out["segment"] = frame["segment"].astype("string").fillna("(none)")
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
    else:
        notes.append(
            "no label column: the unsupervised detector ranks the transactions; the supervised model, "
            "the evaluation and the cost threshold are skipped"
        )
    return out, frozenset(available), segments, notes


# ----------------------------------------------------------------------------- one entry point
def load_fintech(
    data_mode: str,
    data_path: str,
    columns: dict,
    read_options: dict,
    data_kind: str,
    *,
    n_transactions: int,
    n_days: int,
    fraud_rate: float,
    seed: int,
    real_distribution: str,
    engine: str = "auto",
    memory_budget_gib: float = 0.0,
    dask_address: str = "",
) -> FintechData:
    """Resolve and load the run's data (records the data source and the data fingerprint).

    A ledger runs on the engine ``scale.choose_engine`` picks from ``engine`` (``auto``: Dask when its rows
    need more memory than ``memory_budget_gib``; 0 = half of this machine's memory). On Dask a Parquet ledger is
    read in parts (``scale.read_parquet_ledger``) and a generated one is partitioned from memory; the client
    is a LocalCluster here, or the scheduler at ``dask_address``. Feature tables always run in memory.
    """
    import livinglab
    from livinglab.contract import effective_data_mode, load_data
    from livinglab.drift import data_fingerprint

    from .contract import FEATURES, contract_for
    from .loaders import validate_transactions
    from .scale import choose_engine, parquet_files, parquet_rows
    from .synthetic import SEGMENT_COLUMNS, generate_transactions

    mode = effective_data_mode(data_mode, data_path)
    if mode == "file":
        contract = contract_for(
            {"data_kind": data_kind, "data_path": data_path, "columns": columns, "read_options": read_options}
        )
        choice = None
        if contract.name == "ledger":
            files = parquet_files(data_path)
            choice = choose_engine(
                engine, parquet_rows(files) if files else None, memory_budget_gib, parquet=bool(files)
            )
            if choice.engine == "dask":
                return _lazy_file_ledger(
                    data_path, columns, read_options, choice, memory_budget_gib, dask_address
                )
        else:
            choose_engine(engine, 0, memory_budget_gib)  # only checks the value: feature tables run in memory
        loaded = load_data(data_path, columns, contract, read_options)
        source = loaded.source
        data_fingerprint(source)
        notes = list(loaded.notes)
        if contract.name == "ledger":
            frame, available, segments, more = ledger_frame(loaded.frame)
            return FintechData(
                "ledger", "file", source, loaded.name, frame=frame, available=available, segments=segments,
                notes=notes + more, engine=choice,
            )  # fmt: skip
        parts, more = feature_table(loaded.frame, loaded.applied.mapping)
        return _features_data("file", source, loaded.name, parts, notes + more)
    source = livinglab.resolve(
        "ulb-creditcard-fraud",
        mode,
        real_distribution,
        generator="pilots.fintech.synthetic.generate_transactions",
    )
    if source.is_synthetic:
        data_fingerprint(
            source, n_transactions=n_transactions, n_days=n_days, fraud_rate=fraud_rate, seed=seed
        )
        choice = choose_engine(engine, n_transactions, memory_budget_gib)
        frame = validate_transactions(
            generate_transactions(n_transactions, n_days=n_days, fraud_rate=fraud_rate, seed=seed)
        )
        data = FintechData(
            "ledger", "synthetic", source, "the SYNTHETIC ledger generated in this run", frame=frame,
            available=frozenset({"counterparty", "channel", "country", "direction", "device"}),
            segments=tuple(reversed(SEGMENT_COLUMNS)), engine=choice,
        )  # fmt: skip
        if choice.engine == "dask":
            from .scale import LazyLedger, shared_client

            data.client = shared_client(dask_address, memory_budget_gib)
            data.lazy = LazyLedger.from_frame(
                frame, available=data.available, segments=data.segments, name=data.name
            )
            data.notes.append(
                "the generated ledger is held in memory and partitioned from there (its rows are the same)"
            )
        return data
    data_fingerprint(source)
    from .loaders import _read_table

    raw = _read_table(source.path)
    applied = FEATURES.apply(raw.rename(columns={"class": "Class"}), {"label": "Class", "time": "Time"})
    parts, notes = feature_table(applied.frame, applied.mapping)
    name = Path(str(source.path)).name
    return _features_data("real", source, f"{source.dataset} ({name})", parts, notes)


def _lazy_file_ledger(
    data_path: str, columns: dict, read_options: dict, choice, memory_budget_gib: float, dask_address: str
) -> FintechData:
    """A Parquet ledger read in parts for the Dask engine (recorded as the run's data source, by checksum)."""
    from livinglab.catalog import DataSource
    from livinglab.drift import data_fingerprint

    from .scale import read_parquet_ledger, shared_client

    client = shared_client(dask_address, memory_budget_gib)  # first: reading passes run on its workers
    lazy = read_parquet_ledger(data_path, columns, read_options)
    source = DataSource(
        lazy.name,
        "file",
        Path(lazy.files[0]),
        lazy.sha256,
        f"Transaction ledger: {len(lazy.files)} Parquet file(s), {lazy.rows:,} rows, read in parts",
        {"rows": lazy.rows, "files": lazy.files, "contract": "ledger"},
    )
    data_fingerprint(source)
    return FintechData(
        "ledger", "file", source, lazy.name, available=lazy.available, segments=lazy.segments,
        notes=list(lazy.notes), lazy=lazy, engine=choice, client=client,
    )  # fmt: skip


def _features_data(origin: str, source, name: str, parts: dict, notes: list[str]) -> FintechData:
    return FintechData(
        "features",
        origin,
        source,
        name,
        features=parts["features"],
        label=parts["label"],
        time=parts["time"],
        time_in_seconds=parts["time_in_seconds"],
        group=parts["group"],
        notes=notes,
    )
