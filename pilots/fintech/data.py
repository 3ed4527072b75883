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

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from livinglab.contract import ContractError, parse_datetimes, parse_numbers

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
    parsed, _, _ = parse_numbers(values)  # '1.234,56 €', '$1,234.50': every value read one way
    if parsed.notna().sum() == values.notna().sum():
        return parsed
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
            values = frame[found]
            text = values.astype("string").str.strip().str.lower()
            words = text.map(LABEL_WORDS)
            if pd.api.types.is_numeric_dtype(values):
                is_label = values.notna().all() and values.isin([0, 1]).all()
            else:  # yes/no in words (ja/nein, oui/non, ...): the label, not a text column left out
                is_label = bool(words.notna().all())
                codes = text.dropna().unique()
                if not is_label and 1 <= len(codes) <= 2:
                    shown = sorted(values.dropna().astype(str).str.strip().unique().tolist())
                    example = json.dumps({found: {shown[0]: 1, shown[-1]: 0}}, ensure_ascii=False)
                    raise ContractError(
                        f"Column {found!r} is named like the label but holds {shown}, which are not read as "
                        f"1 (fraud) and 0 (normal); say which is which with -p value_codes '{example}'."
                    )
            if is_label:
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
    missing = features.isna().sum()
    missing = missing[missing > 0]
    if len(missing):  # the detectors fill them with the column's median (model.outliers): said, not silent
        shown = ", ".join(f"{c}: {n:,}" for c, n in missing.head(5).items()) + (
            " ..." if len(missing) > 5 else ""
        )
        notes.append(
            f"{int(missing.sum()):,} missing value(s) in {len(missing)} feature column(s) ({shown}), each filled "
            "with its column's median before scoring"
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
    available: frozenset  # optional parts present: counterparty, channel, country, direction, device, purpose
    segments: tuple[str, ...]  # customer-segment columns (only to check who gets flagged)
    notes: list[str] = field(default_factory=list)
    currency: str = ""  # the amounts' currency (ISO code); empty: not given
    counts: dict = field(default_factory=dict)  # rows read, duplicates dropped, directions, counterparties

    @property
    def has_labels(self) -> bool:
        return "label" in self.frame


#: Columns a loader adds that are not columns of the partner's file (never part of a duplicate's identity).
NOT_FROM_THE_FILE = ("source_file",)


def exact_duplicates(frame: pd.DataFrame) -> pd.Series:
    """Rows identical to an earlier row in every column of the file (the contract's columns and the others the
    file holds, as read), the first of each kept."""
    own = [c for c in frame.columns if c not in NOT_FROM_THE_FILE]
    return frame.duplicated(subset=own) if own else pd.Series(False, index=frame.index)


def ledger_frame(
    frame: pd.DataFrame,
    *,
    value_codes: dict | None = None,
    currency: str = "",
    mapping: dict | None = None,
    dropped_before: int = 0,
) -> LedgerData:
    """A frame in contract A's names (with the file's other columns) -> the pilot's ledger schema, sorted by
    time; rows identical in every column of the file dropped (counted); ``transaction_id`` = the row's position
    after sorting. ``value_codes`` maps a column's codes to the contract's words (``direction``: credit/debit);
    ``currency`` is the amounts' currency (checked against a ``currency`` column); ``mapping`` (contract name
    -> the file's column) lets ``value_codes`` name the file's columns; ``dropped_before``: exact duplicates a
    loader already dropped (counted with these)."""
    n_in = len(frame) + int(dropped_before)
    dup = exact_duplicates(frame)
    out, available, segments, notes = ledger_rows(frame, value_codes=value_codes, mapping=mapping)
    currency, currency_notes = ledger_currency(frame, currency)
    notes += currency_notes
    n_dup = int(dup.sum()) + int(dropped_before)
    if n_dup:
        notes.append(f"{n_dup:,} exact duplicate rows (identical in every column of the file) dropped")
        out = out[~dup.to_numpy()] if dup.any() else out
    else:
        notes.append("no exact duplicate rows (no two rows identical in every column of the file)")
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
    counts = {"rows_read": n_in, "duplicates_dropped": n_dup, **direction_counts(out)}
    if "counterparty" in available:
        counts["counterparty_missing"] = int(out["counterparty_id"].isna().sum())
    return LedgerData(out, available, segments, notes, currency, counts)


def direction_counts(out: pd.DataFrame) -> dict:
    """Rows of money in (credit) and money out (debit); none when the ledger does not say."""
    if "direction" not in out:
        return {}
    text = out["direction"].astype(str)
    return {"credits": int((text == "credit").sum()), "debits": int((text == "debit").sum())}


CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def ledger_currency(frame: pd.DataFrame, currency: str = "") -> tuple[str, list[str]]:
    """The amounts' currency from the ``currency`` parameter and/or a ``currency`` column (one currency a
    ledger: amounts in several cannot be compared), with a note; empty when neither says."""
    given = str(currency or "").strip().upper()
    if given and not CURRENCY_CODE.match(given):
        raise ContractError(
            f"currency must be a three-letter ISO 4217 code such as EUR, CZK or USD, not {currency!r}; "
            "e.g. -p currency CZK."
        )
    found: list[str] = []
    if "currency" in frame:
        found = sorted(frame["currency"].dropna().astype(str).str.strip().str.upper().unique().tolist())
        if len(found) > 1:
            raise ContractError(
                f"The ledger holds amounts in {len(found)} currencies ({', '.join(found[:6])}); amounts in "
                "different currencies cannot be compared: give the rows of one currency, or convert them first."
            )
        if found and given and found[0] != given:
            raise ContractError(
                f"currency is {given}, but the file says {found[0]} (its currency column, or the sign of its "
                "amounts); correct -p currency or the file."
            )
    code = given or (found[0] if found else "")
    if not code:
        return "", [
            "the amounts' currency is not given: amounts are shown without one (set it with -p currency, "
            "e.g. -p currency CZK, or map a currency column)"
        ]
    said = "the file: its currency column or its amounts' sign" if found else "the currency parameter"
    return code, [f"amounts in {code} ({said})"]


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
    "purpose",
    "segment",
    "typology",
)
#: Contract names whose codes ``value_codes`` may translate (into the contract's words for direction and label).
CODED = ("direction", "label", "channel", "country", "segment", "fraud_type", "purpose")


def _code_text(values: pd.Series) -> pd.Series:
    """Values as the text a person would type in value_codes: 1.0 -> "1", " PRIJEM " -> "PRIJEM"."""
    text = values.astype("string").str.strip()
    return text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)


def apply_value_codes(frame: pd.DataFrame, value_codes: dict | None, mapping: dict | None = None):
    """``frame`` with each coded column's codes replaced by the words ``value_codes`` gives, and one note a
    column. Keys are contract names (``direction``) or the file's column names (``type``); every value of a
    coded column must be covered (a code left out is an error naming it)."""
    if not value_codes:
        return frame, []
    example = '-p value_codes \'{"direction": {"PRIJEM": "credit", "VYDAJ": "debit"}}\''
    if not isinstance(value_codes, dict) or not all(isinstance(v, dict) for v in value_codes.values()):
        raise ContractError(
            f"value_codes must map a column to {{code: word}}, e.g. {example}, not {value_codes!r}."
        )
    by_file = {v: k for k, v in (mapping or {}).items()}
    frame = frame.copy()
    notes = []
    for key, codes in value_codes.items():
        name = key if key in frame.columns else by_file.get(key)
        if name is None or name not in frame.columns or name not in CODED:
            raise ContractError(
                f"value_codes names {key!r}, which is not a coded column of the ledger ({', '.join(CODED)}, or "
                f"the file's column mapped to one); e.g. {example}."
            )
        lookup = {str(k).strip(): str(v).strip() for k, v in codes.items()}
        text = _code_text(frame[name])
        uncovered = text.notna() & ~text.isin(list(lookup))
        if uncovered.any():
            values = sorted(text[uncovered].unique().tolist())[:5]
            shown = json.dumps({key: {**lookup, **{v: "<word>" for v in values}}}, ensure_ascii=False)
            raise ContractError(
                f"value_codes[{key!r}] does not cover the value(s) {values} found in {int(uncovered.sum()):,} "
                f"row(s); add them, e.g. -p value_codes '{shown}' (replace <word>)."
            )
        frame[name] = text.map(lookup).astype("string").where(text.notna(), pd.NA)
        notes.append(
            f"{name}: codes translated by value_codes ({', '.join(f'{k} -> {v}' for k, v in lookup.items())})"
        )
    return frame, notes


#: Optional text columns whose empty or blank values mean "not given" (exports write ' ' or '' for none): an
#: empty purpose is no purpose, an empty counterparty an unknown one, never a value shared by those rows.
BLANK_IS_MISSING = ("counterparty", "merchant", "purpose", "channel", "country", "device", "segment")


def blank_as_missing(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` with empty or whitespace-only text in ``columns`` (those present) set missing."""
    present = [c for c in columns if c in frame.columns]
    blank = {
        c: frame[c].astype("string").str.strip().eq("").fillna(False).to_numpy()
        for c in present
        if not pd.api.types.is_numeric_dtype(frame[c])
    }
    if not any(b.any() for b in blank.values()):
        return frame
    frame = frame.copy()
    for c, b in blank.items():
        if b.any():
            frame[c] = frame[c].mask(b)
    return frame


def ledger_rows(
    frame: pd.DataFrame,
    *,
    signed: bool | None = None,
    label_time_used: bool | None = None,
    compact: bool = True,
    value_codes: dict | None = None,
    mapping: dict | None = None,
) -> tuple[pd.DataFrame, frozenset, tuple[str, ...], list[str]]:
    """Row by row part of :func:`ledger_frame` (no sorting, no duplicates dropped, no transaction ids).

    Two choices depend on the whole ledger; a partitioned reader passes them in, decided once: ``signed``
    (without a direction column, whether some amount is negative, so that signs give the direction) and
    ``label_time_used`` (whether the label_time column holds any time). None: decided from ``frame``.
    ``compact``: the text columns as categoricals in order of first appearance (a ledger in memory); a
    partitioned reader keeps text, whose categories differ from part to part. A missing counterparty stays
    missing (an unknown counterparty, never one shared counterparty of every such row).
    """
    frame, notes = apply_value_codes(frame, value_codes, mapping)
    frame = blank_as_missing(frame, BLANK_IS_MISSING)

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
            found = frame["direction"].astype("string").str.strip()[bad].unique()[:4].tolist()
            codes = json.dumps({"direction": {str(v): "credit or debit" for v in found}}, ensure_ascii=False)
            raise ContractError(
                f"direction must say debit/credit (or out/in, D/C, -/+): {int(bad.sum()):,} value(s) do not, e.g. "
                f"{found}; say what the codes mean with -p value_codes '{codes}' (each code: credit or debit), "
                "or map another column or none."
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
        notes.append(
            "no direction column and no negative amount: every row is read as money out (map the column that "
            "says in or out with -p columns and its codes with -p value_codes)"
        )
    out["amount"] = amount.abs()
    out["direction"] = as_text(direction)
    whole = compact  # a ledger read whole: a column with no value at all counts as absent (not a partition's)
    for source, what in (("counterparty", None), ("merchant", "the merchant is used as the counterparty")):
        if source in frame and (frame[source].notna().any() or not whole):
            out["counterparty_id"] = as_text(frame[source], fill=None)  # missing: an unknown counterparty
            available.add("counterparty")
            missing = int(frame[source].isna().sum())
            if what and "counterparty" not in frame:
                notes.append(f"no counterparty column: {what}")
            if missing and whole:
                notes.append(
                    f"{missing:,} of {len(frame):,} rows ({missing / max(1, len(frame)):.0%}) name no counterparty: "
                    "each is an unknown counterparty (its counterparty features are left empty; they are never "
                    "one shared counterparty)"
                )
            break
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
    if "purpose" in frame and (frame["purpose"].notna().any() or not whole):
        out["purpose"] = as_text(frame["purpose"], fill=None)
        available.add("purpose")
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
    currency: str = ""  # the amounts' currency; empty: not given
    credits: int | None = None  # rows of money in (None: the ledger does not say)
    debits: int | None = None
    duplicates_dropped: int | None = None  # None: not looked for (the partitioned path keeps them)
    counterparty_missing: int | None = None  # rows naming no counterparty (None: no counterparty column)

    def metrics(self) -> dict:
        out = {
            "rows": int(self.rows),
            "accounts": int(self.accounts),
            "days": float((self.end - self.start) / pd.Timedelta(days=1)),
            "first_time": str(self.start),
            "last_time": str(self.end),
            "amount_median": float(self.amount_median),
            "currency": self.currency,
        }
        for name in ("credits", "debits", "duplicates_dropped", "counterparty_missing"):
            value = getattr(self, name)
            if value is not None:
                out[name] = int(value)
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
    counts = ledger.counts or {"duplicates_dropped": None, **direction_counts(tx)}
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
        currency=ledger.currency,
        credits=counts.get("credits"),
        debits=counts.get("debits"),
        duplicates_dropped=counts.get("duplicates_dropped"),
        counterparty_missing=int(tx["counterparty_id"].isna().sum()) if "counterparty_id" in tx else None,
    )
