"""Loaders for real transaction data, validated with pandera before any model sees them.

Two schemas:

- the ULB/Worldline credit-card data (``Time, V1..V28, Amount, Class``; Dal Pozzolo et al. 2015):
  ``load_ulb``; CSV (Kaggle) or ARFF (OpenML dataset 1597);
- a generic transaction table: ``load_transactions`` maps the caller's column names onto the
  pilot's (``transaction_id, timestamp, account_id, counterparty_id, amount`` required;
  ``direction, channel, mcc, country, device_id, customer_type, residency, label, typology,
  label_available_at`` optional).

Bad input either stops with one clear sentence (``TransactionDataError``) or is cleaned in a
counted step that the ``LoadReport`` lists:

- missing columns, non-numeric or missing amounts, unparseable timestamps, negative amounts (unless
  ``signed_amounts=True``), labels other than 0/1, one transaction id with two different contents:
  error;
- rows out of time order: sorted (counted); exact duplicate records: dropped (counted); several
  rows of one account at the same timestamp: kept and counted (card data has one-second resolution,
  simultaneous payments happen).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

ULB_FEATURES = tuple(f"V{i}" for i in range(1, 29))
ULB_COLUMNS = ("Time", *ULB_FEATURES, "Amount", "Class")
# The ULB data are two days of September 2013 with Time in seconds from the first transaction; the
# calendar start is not published, so the pilot ASSUMES midnight of 1 September 2013 for display only.
ULB_EPOCH = pd.Timestamp("2013-09-01")

REQUIRED = ("transaction_id", "timestamp", "account_id", "counterparty_id", "amount")
OPTIONAL_DEFAULTS = {
    "direction": "debit",
    "channel": "unknown",
    "mcc": 0,
    "country": "unknown",
    "device_id": -1,
    "customer_type": "unknown",
    "residency": "unknown",
}
OPTIONAL_LABELS = ("label", "typology", "label_available_at")
DIRECTION_VALUES = ("debit", "credit")


class TransactionDataError(ValueError):
    """Input data that cannot be used as it is (the message says what is wrong and what to do)."""


@dataclass
class LoadReport:
    """What a loader found and which counted cleaning steps it applied."""

    schema: str
    rows_in: int
    rows_out: int = 0
    duplicates_dropped: int = 0
    rows_out_of_order: int = 0
    same_time_rows: int = 0
    signed_amounts_converted: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        parts = [f"{self.rows_in:,} rows read, {self.rows_out:,} kept"]
        if self.duplicates_dropped:
            parts.append(f"{self.duplicates_dropped:,} exact duplicate records dropped")
        if self.rows_out_of_order:
            parts.append(f"{self.rows_out_of_order:,} rows were out of time order and were sorted")
        if self.same_time_rows:
            parts.append(
                f"{self.same_time_rows:,} rows share a timestamp with another row of the same key (kept)"
            )
        if self.signed_amounts_converted:
            parts.append(f"{self.signed_amounts_converted:,} negative amounts read as debits")
        return "; ".join(parts) + "." + ("".join(" " + n for n in self.notes))


def _examples(values: pd.Series, n: int = 3) -> str:
    return ", ".join(repr(v) for v in values.head(n).tolist())


def _numeric(df: pd.DataFrame, column: str, what: str) -> pd.Series:
    raw = df[column]
    if pd.api.types.is_bool_dtype(raw):
        raw = raw.astype(np.int8)
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        raise TransactionDataError(
            f"{what} column {column!r} has {int(bad.sum())} non-numeric value(s) (e.g. {_examples(raw[bad])}); "
            "fix or drop those rows before loading."
        )
    if values.isna().any():
        raise TransactionDataError(f"{what} column {column!r} is empty in {int(values.isna().sum())} row(s).")
    return values.astype(float)


def _labels(values: pd.Series, column: str) -> pd.Series:
    numeric = pd.to_numeric(values, errors="coerce")
    bad = ~numeric.isin([0, 1])
    if bad.any():
        shown = sorted({str(v) for v in values[bad].head(20).tolist()})[:5]
        raise TransactionDataError(
            f"Label column {column!r} must hold only 0 (genuine) or 1 (fraud); {int(bad.sum())} row(s) have "
            f"other values ({', '.join(shown)})."
        )
    return numeric.astype(np.int8)


def _schema_check(schema: pa.DataFrameSchema, df: pd.DataFrame, what: str) -> None:
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        raise TransactionDataError(
            f"{what} failed {len(cases)} schema check(s); first: column {first['column']!r}, check "
            f"{first['check']!r}, value {first['failure_case']!r}."
        ) from exc


def _read_table(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.exists():
        raise TransactionDataError(f"File {path} does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".arff":
        from scipy.io import arff

        data, _ = arff.loadarff(str(path))
        df = pd.DataFrame(data)
        for col in df.columns:
            if df[col].dtype == object:  # nominal attributes come back as bytes
                df[col] = df[col].str.decode("utf-8").str.strip("'\"")
        return df
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


ULB_SCHEMA = pa.DataFrameSchema(
    {
        "Time": pa.Column(float, pa.Check.ge(0)),
        **{v: pa.Column(float) for v in ULB_FEATURES},
        "Amount": pa.Column(float, pa.Check.ge(0)),
        "Class": pa.Column(np.int8, pa.Check.isin([0, 1])),
        "timestamp": pa.Column("datetime64[ns]"),
    },
    checks=[pa.Check(lambda d: d["Time"].is_monotonic_increasing, error="Time is sorted")],
    strict=True,
)


def load_ulb(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, LoadReport]:
    """Read and validate ULB/Worldline credit-card data: ``Time, V1..V28, Amount, Class``.

    Returns the frame sorted by Time, with exact duplicate rows dropped and a ``timestamp`` column
    (``ULB_EPOCH`` + Time seconds; the real calendar date is not published).
    """
    df = _read_table(source)
    report = LoadReport(schema="ulb", rows_in=len(df))
    if "class" in df.columns and "Class" not in df.columns:  # OpenML spells it lower-case
        df = df.rename(columns={"class": "Class"})
    missing = [c for c in ULB_COLUMNS if c not in df.columns]
    if missing:
        raise TransactionDataError(
            f"The ULB credit-card schema needs columns Time, V1..V28, Amount, Class; missing: {', '.join(missing)}."
        )
    extra = [c for c in df.columns if c not in ULB_COLUMNS]
    if extra:
        report.notes.append(f"Ignored extra column(s): {', '.join(map(str, extra))}.")
    out = pd.DataFrame({c: _numeric(df, c, "ULB") for c in ULB_COLUMNS[:-1]})
    out["Class"] = _labels(df["Class"], "Class")
    if (out["Amount"] < 0).any():
        n = int((out["Amount"] < 0).sum())
        raise TransactionDataError(
            f"Amount must not be negative; {n} row(s) are (e.g. {_examples(out.loc[out.Amount < 0, 'Amount'])})."
        )
    if (out["Time"] < 0).any():
        raise TransactionDataError(
            f"Time (seconds since the first transaction) is negative in {int((out['Time'] < 0).sum())} row(s)."
        )
    dup = out.duplicated()
    report.duplicates_dropped = int(dup.sum())
    out = out[~dup]
    report.rows_out_of_order = int((out["Time"].diff() < 0).sum())
    out = out.sort_values("Time", kind="stable").reset_index(drop=True)
    report.same_time_rows = int(out["Time"].duplicated().sum())
    out["timestamp"] = ULB_EPOCH + pd.to_timedelta(out["Time"], unit="s")
    _schema_check(ULB_SCHEMA, out, "ULB data")
    report.rows_out = len(out)
    if report.same_time_rows:
        report.notes.append("Time has one-second resolution, so shared timestamps are expected and kept.")
    return out, report


TRANSACTION_SCHEMA = pa.DataFrameSchema(
    {
        "transaction_id": pa.Column(unique=True),
        "timestamp": pa.Column("datetime64[ns]"),
        "account_id": pa.Column(nullable=False),
        "counterparty_id": pa.Column(nullable=False),
        "amount": pa.Column(float, pa.Check.ge(0)),
        "direction": pa.Column(checks=pa.Check.isin(DIRECTION_VALUES)),
        "channel": pa.Column(),
        "mcc": pa.Column(checks=pa.Check.ge(0)),
        "country": pa.Column(),
        "device_id": pa.Column(nullable=True),
        "customer_type": pa.Column(),
        "residency": pa.Column(),
        "label": pa.Column(np.int8, pa.Check.isin([0, 1]), required=False),
        "typology": pa.Column(required=False),
        "label_available_at": pa.Column("datetime64[ns]", nullable=True, required=False),
    },
    checks=[pa.Check(lambda d: d["timestamp"].is_monotonic_increasing, error="timestamp is sorted")],
    strict=True,
)


def load_transactions(
    source: str | Path | pd.DataFrame, mapping: dict[str, str] | None = None, *, signed_amounts: bool = False
) -> tuple[pd.DataFrame, LoadReport]:
    """Read a transaction table through a column mapping and validate it.

    ``mapping`` maps the pilot's column names to the source's, e.g.
    ``{"timestamp": "booking_time", "account_id": "iban", "amount": "amount_eur", "label": "is_fraud"}``;
    columns not mentioned are looked up under the pilot's own name. With ``signed_amounts=True`` a
    negative amount is read as money leaving the account (direction ``debit``) and a positive one as
    money arriving (``credit``); otherwise a negative amount is an error.
    """
    df = _read_table(source)
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(REQUIRED) - set(OPTIONAL_DEFAULTS) - set(OPTIONAL_LABELS))
    if unknown:
        raise TransactionDataError(
            f"The mapping names unknown pilot column(s) {', '.join(unknown)}; known: "
            f"{', '.join((*REQUIRED, *OPTIONAL_DEFAULTS, *OPTIONAL_LABELS))}."
        )
    absent = sorted(src for src in mapping.values() if src not in df.columns)
    if absent:
        raise TransactionDataError(
            f"The mapping refers to column(s) {', '.join(absent)} that the data does not have."
        )
    names = {col: mapping.get(col, col) for col in (*REQUIRED, *OPTIONAL_DEFAULTS, *OPTIONAL_LABELS)}
    missing = [c for c in REQUIRED if names[c] not in df.columns]
    if missing:
        raise TransactionDataError(
            f"Missing required column(s) {', '.join(missing)}; add them or map them, e.g. "
            f"mapping={{'{missing[0]}': '<your column>'}}."
        )
    report = LoadReport(schema="transactions", rows_in=len(df))
    out = pd.DataFrame(index=df.index)
    out["transaction_id"] = df[names["transaction_id"]]
    ts = pd.to_datetime(df[names["timestamp"]], errors="coerce", utc=False)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        report.notes.append("Timestamps were converted to UTC without time zone.")
    bad_ts = ts.isna()
    if bad_ts.any():
        raise TransactionDataError(
            f"Column {names['timestamp']!r} has {int(bad_ts.sum())} missing or unreadable timestamp(s) "
            f"(e.g. {_examples(df.loc[bad_ts, names['timestamp']])})."
        )
    out["timestamp"] = ts.astype("datetime64[ns]")
    for col in ("account_id", "counterparty_id"):
        values = df[names[col]]
        if values.isna().any():
            raise TransactionDataError(
                f"Column {names[col]!r} ({col}) is empty in {int(values.isna().sum())} row(s)."
            )
        out[col] = values
    amount = _numeric(df, names["amount"], "Amount")
    direction = (
        df[names["direction"]].astype(str).str.strip().str.lower()
        if names["direction"] in df.columns
        else pd.Series(OPTIONAL_DEFAULTS["direction"], index=df.index)
    )
    negative = amount < 0
    if negative.any():
        if not signed_amounts:
            raise TransactionDataError(
                f"Amount column {names['amount']!r} has {int(negative.sum())} negative value(s) (e.g. "
                f"{_examples(amount[negative])}); give money out and in as positive amounts with a "
                "'direction' column (debit/credit), or pass signed_amounts=True."
            )
        report.signed_amounts_converted = int(negative.sum())
    if signed_amounts:
        direction = pd.Series(np.where(amount < 0, "debit", "credit"), index=df.index)
        amount = amount.abs()
    bad_dir = ~direction.isin(DIRECTION_VALUES)
    if bad_dir.any():
        raise TransactionDataError(
            f"Direction must be 'debit' or 'credit'; {int(bad_dir.sum())} row(s) have other values "
            f"(e.g. {_examples(direction[bad_dir])})."
        )
    out["amount"] = amount
    out["direction"] = direction.to_numpy()
    for col in ("channel", "country", "customer_type", "residency"):
        out[col] = df[names[col]].astype(str) if names[col] in df.columns else OPTIONAL_DEFAULTS[col]
    out["mcc"] = (
        _numeric(df, names["mcc"], "MCC").astype(np.int64)
        if names["mcc"] in df.columns
        else OPTIONAL_DEFAULTS["mcc"]
    )
    out["device_id"] = (
        df[names["device_id"]].fillna(-1)
        if names["device_id"] in df.columns
        else OPTIONAL_DEFAULTS["device_id"]
    )
    if names["label"] in df.columns:
        out["label"] = _labels(df[names["label"]], names["label"])
    if names["typology"] in df.columns:
        out["typology"] = df[names["typology"]].fillna("none").astype(str)
    if names["label_available_at"] in df.columns:
        if names["label"] not in df.columns:
            raise TransactionDataError("label_available_at is given without a label column.")
        out["label_available_at"] = pd.to_datetime(df[names["label_available_at"]], errors="coerce").astype(
            "datetime64[ns]"
        )

    dup = out.duplicated()
    report.duplicates_dropped = int(dup.sum())
    out = out[~dup]
    clash = out["transaction_id"].duplicated(keep=False)
    if clash.any():
        raise TransactionDataError(
            f"{int(out.loc[clash, 'transaction_id'].nunique())} transaction id(s) occur with different contents "
            f"(e.g. {_examples(out.loc[clash, 'transaction_id'].drop_duplicates())}); ids must be unique."
        )
    report.rows_out_of_order = int((out["timestamp"].diff() < pd.Timedelta(0)).sum())
    out = out.sort_values("timestamp", kind="stable").reset_index(drop=True)
    report.same_time_rows = int(out.duplicated(["account_id", "timestamp"]).sum())
    _schema_check(TRANSACTION_SCHEMA, out, "Transaction data")
    report.rows_out = len(out)
    return out, report


def validate_transactions(df: pd.DataFrame) -> pd.DataFrame:
    """Check an in-memory ledger (e.g. the generator's) against the pilot's schema; returns it unchanged."""
    _schema_check(TRANSACTION_SCHEMA, df, "Transaction data")
    return df
