"""Data contracts: what a pilot needs from a partner's file, checked before any model sees it.

A pilot publishes one or more :class:`Contract` objects in ``pilots/<pilot>/contract.py``::

    COUNTS = Contract("counts", "Hourly traffic counts", fields=(
        Field("site", "text", required=False, meaning="counting site id", aliases=("station", "zaehlstelle")),
        Field("timestamp", "datetime", meaning="start of the hour", aliases=("datetime", "date_time")),
        Field("count", "number", meaning="vehicles in the hour", minimum=0, aliases=("traffic_volume", "volume")),
    ), alternatives={"timestamp": ("date", "hour")}, keys=("site", "timestamp"), min_rows=48)

A partner maps the contract's names to their file's columns with the ``columns`` parameter
(``{"count": "traffic_volume"}``; ``{"label": ""}`` leaves a column out); a column already named like the
contract needs no mapping. :meth:`Contract.apply` renames, converts types (numbers with a decimal comma,
day-first, mixed or compact dates with ``read_options.date_format``, hours as 0-23, 1-24 or "07:00"), maps
coded values (``value_codes``), checks the whole table and returns the frame in the contract's names.
What it checks, each with one sentence that names the column and a fix that works as printed:

- required columns present and not all missing (an optional column that is all missing is left out and
  said so, but a label is refused: it would change the analysis);
- types, and values in range (``minimum``/``maximum``, or the range a parameter gives: ``range_param``);
- coded columns (``Field.codes``: e.g. fraud labels 1/0, yes/no; debit/credit) hold known codes, or codes
  ``value_codes`` maps; a coded column with missing values is refused unless ``value_codes`` says what a
  missing value means (``{"label": {"": 0}}``);
- rows identical in every column of the file are dropped and counted; rows that share the contract's
  ``keys`` but differ elsewhere are refused unless the ``duplicates`` parameter says how to combine them
  (sum, mean, first, last);
- at least ``min_rows`` rows and ``min_distinct`` distinct values of a field (participants, classes).

Rows left out are counted per reason (``Applied.dropped``); :meth:`Contract.propose` suggests a mapping
from names, types and values (``livinglab inspect``); a coded field is proposed only from a column whose
values are its codes. Every problem is a :class:`ContractError` whose ``fix`` holds the parameters its
message proposes.
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .reader import CONTRACT_OPTIONS, DataFileError, read_table

KINDS = ("text", "category", "integer", "number", "datetime", "hour", "label", "bool")
_DTYPES = {
    "integer": "Int64",
    "number": "float64",
    "datetime": "datetime64[ns]",
    "hour": "Int64",
    "text": "string",
    "category": "string",
    "bool": "boolean",
}
#: How rows sharing a contract's keys are combined (the ``duplicates`` parameter).
DUPLICATE_RULES = ("sum", "mean", "median", "first", "last")
#: Date layouts tried when a date column is not read: the first that reads every value is proposed.
DATE_FORMATS = (
    "%y%m%d",
    "%Y%m%d",
    "%d%m%Y",
    "%d%m%y",
    "%Y%m%d%H%M",
    "%Y%m%d%H%M%S",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d %Y",
)
MISSING_CODE = ""  # the value_codes key for a missing value: {"label": {"": 0}}
#: Yes and no in the partners' languages (English, French, German, Luxembourgish), in lower case: a yes/no
#: field's values, a label answered oui/non or ja/nein.
YES_WORDS = frozenset({"yes", "y", "true", "oui", "vrai", "ja", "wahr", "jo"})
NO_WORDS = frozenset({"no", "n", "false", "non", "faux", "nein", "falsch", "nee", "neen"})
#: ``read_options: {"date_format": "excel"}``: dates written as Excel's serial day numbers (45311 = 20.01.2024)
EXCEL_DATES = "excel"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def looks_like_excel_dates(values: pd.Series) -> bool:
    """Numbers that are Excel serial day numbers of the years 1954-2119 (20,000-80,000), nearly all of them."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and numbers.between(20_000, 80_000).mean() > 0.95


class ContractError(ValueError):
    """A file that does not meet a pilot's contract; the message says what to change, ``fix`` holds the
    parameters it proposes (as a dict, for ``livinglab inspect`` and the tests of advice)."""

    def __init__(self, message: str, fix: dict | None = None, field: str | None = None):
        super().__init__(message)
        self.fix = fix
        self.field = field  # the contract field the sentence is about, when it is about one


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = True
    meaning: str = ""
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: known codes (compared in lower case, stripped) -> the value the pilot reads, e.g. {"fraud": 1, "no": 0}
    codes: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    #: a parameter [min, max] that replaces minimum and maximum when it is given (e.g. "score_range")
    range_param: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Field {self.name}: kind must be one of {KINDS}, not {self.kind!r}.")


@dataclass
class Applied:
    """The outcome of :meth:`Contract.apply`: the frame in contract names and what was done to it."""

    frame: pd.DataFrame
    mapping: dict[str, str]  # contract name -> file column
    extra_columns: list[str]
    notes: list[str] = field(default_factory=list)
    time_span: tuple[str, str] | None = None
    #: rows left out, by reason
    dropped: dict[str, int] = field(default_factory=dict)
    #: value_codes were applied here (the pilot must not apply them again)
    coded: bool = False
    #: the frame was a part of the file: the checks of the whole table were not made
    sample: bool = False


def _norm(name: str) -> str:
    """Compare names without case, accents, spaces or punctuation (Zählstelle ~ zaehlstelle ~ ZAEHL_STELLE)."""
    text = str(name).lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "", unicodedata.normalize("NFKD", text))  # é -> e + accent, then dropped


def _example_mapping(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False)


def _param(name: str, value: Any) -> str:
    """``-p name value`` as a person types it (JSON in single quotes for anything but a plain word)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.:-]+", value):
        return f"-p {name} {value}"
    return f"-p {name} '{json.dumps(value, ensure_ascii=False)}'"


def _where(column: str, name: str) -> str:
    """How a message names a column: the file's name, and the contract's when it differs."""
    return f"Column {column!r} (mapped to {name!r})" if column != name else f"Column {name!r}"


def _rows(series: pd.Series, mask: pd.Series, limit: int = 3) -> str:
    bad = series[mask].head(limit)
    return ", ".join(f"row {i + 2}: {v!r}" for i, v in bad.items())


def _shown(values, limit: int = 3) -> str:
    return ", ".join(repr(v) for v in list(values)[:limit])


def _code_text(values: pd.Series) -> pd.Series:
    """Values as the text a person would type in value_codes: 1.0 -> "1", " M " -> "M"."""
    codes, uniques = pd.factorize(values)  # each distinct value once: a million rows of 0/1 are two values
    text = pd.Series(uniques, dtype=object).astype("string").str.strip()
    text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return pd.Series(text.array.take(codes, allow_fill=True), index=values.index, dtype="string")


# A time ending in a UTC offset or Z ("...T05:00:00+02:00", "... 10:00 +0100", "...T10:00Z").
_UTC_OFFSET = r":\d{2}(?::\d{2}(?:[.,]\d+)?)?[ ]?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_TIME_OF_DAY = r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*-\s*\d{1,2}:\d{2})?$"


def _format_width(date_format: str) -> int | None:
    """The length of a date written in an all-digit layout (%y%m%d: 6), or None for other layouts."""
    example = pd.Timestamp(2001, 1, 1, 1, 1, 1).strftime(date_format)
    return len(example) if example.isdigit() else None


def guess_date_format(values: pd.Series) -> str | None:
    """The first layout of :data:`DATE_FORMATS` that reads every value as a date between 1900 and 2100."""
    text = _code_text(values).dropna()
    if text.empty:
        return None
    sample = pd.concat([text.head(500), text.tail(500)]).drop_duplicates()
    for candidate in DATE_FORMATS:
        width = _format_width(candidate)
        probe = sample.str.zfill(width) if width else sample
        parsed = pd.to_datetime(probe, format=candidate, errors="coerce")
        if parsed.notna().all() and parsed.dt.year.between(1900, 2100).all():
            return candidate
    return None


def parse_datetimes(
    values: pd.Series, *, dayfirst: bool | None = None, date_format: str | None = None
) -> tuple[pd.Series, str]:
    """Datetimes from text in any common layout; ``dayfirst`` is detected for d/m/y text unless given;
    ``date_format`` (e.g. ``%y%m%d`` for 930101) reads a layout pandas cannot guess.

    Times with UTC offsets (an export across the change to summer time has two) and time-zone-aware
    datetimes are converted to UTC and returned without a time zone; times without one stay as written.
    A column mixing layouts (ISO 8601 and day-first dates, say) is read value by value, and said so.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed, how, offsets = values, "already datetimes", values.dt.tz is not None
    elif date_format == EXCEL_DATES:  # 45311.5 = 20.01.2024 12:00: days since 30.12.1899, as Excel counts
        days = pd.to_numeric(values, errors="coerce")
        days = days.where(days.between(1, 2_958_465))  # Excel's first and last day
        parsed = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("s")
        how, offsets = "Excel serial day numbers (date_format excel)", False
    elif date_format:
        text = _code_text(values)
        width = _format_width(date_format)
        if width:
            text = text.str.zfill(width)  # 50101 read as a number was 050101
        parsed = pd.to_datetime(text, format=date_format, errors="coerce")
        how, offsets = f"as {date_format} (date_format)", False
    elif pd.api.types.is_numeric_dtype(values):
        raise ContractError("numbers, not dates")
    else:
        text = values.astype("string").str.strip()
        sample = text.dropna().head(2000)
        if len(sample) and sample.str.match(_TIME_OF_DAY).all():
            raise ContractError("times of day without a date")
        if dayfirst is not None:
            how = "day first (given)" if dayfirst else "month first (given)"
        else:
            parts = sample.str.extract(r"^(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}").dropna().astype(int)
            if parts.empty:
                how = "ISO 8601"
            else:
                dayfirst = bool((parts[0] > 12).any() or not (parts[1] > 12).any())
                how = "day first (dd.mm.yyyy)" if dayfirst else "month first (mm/dd/yyyy)"
        iso = how == "ISO 8601"
        # digits only (930101, 01052023) are never guessed: date_format says how they are written
        digits = text.str.fullmatch(r"\d+").fillna(False)
        text = text.where(~digits, pd.NA) if digits.any() else text
        # year first (2024-01-02) is never read day first, whatever the other values' order
        yearfirst = text.str.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}").fillna(False) if dayfirst else None
        if yearfirst is not None and yearfirst.any():
            ymd, text = _year_first(text[yearfirst]), text.where(~yearfirst, pd.NA)
        with (
            warnings.catch_warnings()
        ):  # "Could not infer format": the values are read one by one, said below
            warnings.simplefilter("ignore", UserWarning)
            # utc=True parses several UTC offsets in one call (pandas 2 and 3); times without one stay as written
            parsed = pd.to_datetime(
                text, dayfirst=dayfirst, format="ISO8601" if iso else None, errors="coerce", utc=True
            )
        failed = parsed.isna() & text.notna()
        if failed.any():  # other layouts among the first one's ("Jan 5 2024", 05.01.2024 among ISO dates)
            again = pd.to_datetime(
                text[failed], errors="coerce", format="mixed", dayfirst=bool(dayfirst), utc=True
            )
            parsed = parsed.where(~failed, again)
            if iso and again.notna().any() and sample.str.match(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}").any():
                how += " and day-first dates" if dayfirst else " and other layouts"
        if yearfirst is not None and yearfirst.any():
            parsed = parsed.where(~yearfirst, ymd)
            how += (
                f", and {int(yearfirst.sum()):,} value(s) written year first (2024-01-02) as year, month, day"
            )
        offsets = sample.str.contains(_UTC_OFFSET).any()
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed, how + (", converted to UTC" if offsets else "")


def _year_first(text: pd.Series) -> pd.Series:
    """Year-first dates (2024-01-02, 2024/1/2), in UTC like :func:`parse_datetimes`' other values."""
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    failed = parsed.isna()
    if failed.any():
        again = pd.to_datetime(
            text[failed], format="mixed", yearfirst=True, dayfirst=False, errors="coerce", utc=True
        )
        parsed = parsed.where(~failed, again)
    return parsed


def parse_hours(values: pd.Series) -> tuple[pd.Series, str]:
    """Hour of day 0-23 from 0-23, 1-24 (hour ending), "07:00", "07-08" or "07:00-08:00"."""
    if pd.api.types.is_numeric_dtype(values):
        hours = pd.to_numeric(values, errors="coerce")
    else:
        text = values.astype("string").str.strip()
        hours = pd.to_numeric(text.str.extract(r"^(\d{1,2})")[0], errors="coerce")
    how = "hour of day 0-23"
    if hours.min() >= 1 and hours.max() == 24:
        hours, how = hours - 1, "hour ending 1-24, shifted to 0-23"
    return hours.astype("Int64"), how


#: A number as exports write it: a currency sign or ISO code before or after, thousands separated by '.', ',',
#: spaces or apostrophes, a decimal comma or point ('1.234,56 €', 'EUR -12,50', "CHF 1'234.50", '$1,234.50').
_AMOUNT = re.compile(
    r"^(?P<pre>[€£$]|[A-Z]{3}(?=\s))?\s*(?P<num>[-+\u2212]?\s*\d[\d.,'\s\u00a0\u202f]*)(?<=\d)\s*"
    r"(?P<post>[€£$]|(?<=\s)[A-Z]{3})?\s*(?P<trail>-)?$"  # '1.234,56-': SAP writes the minus after
)
CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "$": ""}  # '$' names no one currency: removed, not named


def parse_numbers(values: pd.Series) -> tuple[pd.Series, str | None, str]:
    """Numbers from numbers or text as exports write them, with the currency their text names.

    Returns ``(numbers, currency, how)``: ``currency`` is the ISO code every value's sign or code names
    (``'€'`` -> EUR), ``''`` when a sign names none (``$``), None when there was none; ``how`` says in words
    what was removed or read ('' when nothing). Values are converted only when every text value reads one
    way (one currency, one decimal mark); else the unreadable ones stay missing and the caller names them."""
    if pd.api.types.is_numeric_dtype(values):  # booleans too
        return values.astype("float64"), None, ""
    text = values.astype("string").str.strip()
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    failed = number.isna() & text.notna()
    if not failed.any():
        return number, None, ""
    given = text.notna()  # every value is read one way: '1.234' beside '12,50' is 1234, not 1.234
    parts = text[given].str.extract(_AMOUNT)
    if parts["num"].isna().any():
        return number, None, ""
    signs = pd.concat([parts["pre"], parts["post"]]).dropna().unique().tolist()
    if len(signs) > 1 or any(not (s in CURRENCY_SIGNS or s.isalpha()) for s in signs):
        return number, None, ""
    digits = parts["num"].str.replace(r"[\s'\u00a0\u202f]", "", regex=True).str.replace("\u2212", "-")
    has_comma, has_point = digits.str.contains(",", regex=False), digits.str.contains(".", regex=False)
    both = has_comma & has_point
    if both.any():  # the mark that comes last is the decimal mark, the same in every value
        comma_last = digits[both].str.rfind(",") > digits[both].str.rfind(".")
        if comma_last.nunique() > 1:
            return number, None, ""
        decimal = "," if comma_last.iloc[0] else "."
    elif has_comma.any():  # '7,25' '1234,5': a decimal comma; '1,234,567' only: thousands
        decimal = "." if digits[has_comma].str.fullmatch(r"-?\d{1,3}(,\d{3}){2,}").all() else ","
    else:  # '1.234.567': thousands points
        decimal = (
            ","
            if digits.str.fullmatch(r"-?\d{1,3}(\.\d{3})+").all() and digits.str.count(r"\.").max() > 1
            else "."
        )
    thousands = "." if decimal == "," else ","
    t, d = re.escape(thousands), re.escape(decimal)
    if not digits.str.fullmatch(rf"[-+]?(\d{{1,3}}({t}\d{{3}})+|\d+)({d}\d+)?").all():
        return number, None, ""  # '123.45' beside '12,50': no one reading of the marks, the caller names them
    plain = digits.str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)
    fixed = pd.to_numeric(plain, errors="coerce").astype("float64")
    if fixed.isna().any():
        return number, None, ""
    trailing = parts["trail"].eq("-").fillna(False).astype(bool)
    if trailing.any():
        fixed = fixed.where(~trailing, -fixed.abs())
    number = number.where(~given, fixed)
    said = []
    if signs:
        said.append(f"{signs[0]!r} removed")
    if trailing.any():
        said.append("a minus written after the number")
    if decimal == "," and has_comma.any():
        said.append("decimal comma")
    if (digits.str.contains(re.escape(thousands))).any():
        said.append(f"thousands separated by {thousands!r}")
    currency = None if not signs else CURRENCY_SIGNS.get(signs[0], signs[0])
    return number, currency, ", ".join(said)


def _to_number(values: pd.Series) -> pd.Series:
    """Numbers from numbers or text; text with a decimal comma (``1.234,5``, ``7,25``), thousands separators
    and a currency sign (``1.234,56 €``) is understood (:func:`parse_numbers`)."""
    return parse_numbers(values)[0]


def _range_of(f: Field, params: dict) -> tuple[float | None, float | None, str]:
    """A field's (minimum, maximum) and where they come from (its parameter when given)."""
    if f.range_param:
        given = params.get(f.range_param)
        if isinstance(given, str) and given.strip():
            try:
                given = json.loads(given)
            except json.JSONDecodeError:
                pass
        if given not in (None, "", [], ()):
            if not (
                isinstance(given, (list, tuple))
                and len(given) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given)
                and given[0] < given[1]
            ):
                raise ContractError(
                    f"{f.range_param} must be [min, max] of the {f.name}'s scale, e.g. [0, 108], not {given!r}; "
                    f"set {_param(f.range_param, [0, 108])}."
                )
            return float(given[0]), float(given[1]), f.range_param
    return f.minimum, f.maximum, "the contract"


@dataclass
class Contract:
    """What a pilot needs: named, typed fields with their meaning; other columns are kept as extras."""

    name: str
    title: str
    fields: tuple[Field, ...]
    #: a field that may instead be built from others, e.g. {"timestamp": ("date", "hour")}
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: what other columns are: "numeric features", "covariates", ...; None drops them
    extras: str | None = None
    description: str = ""
    #: the fields that identify a row (e.g. site, direction, timestamp): rows sharing them are combined by
    #: the ``duplicates`` parameter, or refused
    keys: tuple[str, ...] = ()
    #: the fewest rows the analysis can use
    min_rows: int = 1
    #: the fewest distinct values of a field the analysis needs, e.g. {"label": 2, "subject": 20}
    min_distinct: dict[str, int] = field(default_factory=dict)
    #: rows identical in every column are separate observations (a table of measurements without an id, as
    #: benchmark feature tables are: ADBench scores every row); otherwise they are dropped and counted
    identical_rows_are_observations: bool = False

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def to_markdown(self) -> str:
        """The contract as a table for the pilot card."""
        rows = ["| column | type | required | meaning |", "|---|---|---|---|"]
        for f in self.fields:
            alt = self.alternatives.get(f.name)
            required = "yes" if f.required and not alt else ("or " + " + ".join(alt) if alt else "no")
            rows.append(f"| `{f.name}` | {f.kind} | {required} | {f.meaning} |")
        if self.extras:
            rows.append(f"| any other column | kept | no | {self.extras} |")
        return "\n".join(rows)

    # ----- mapping -------------------------------------------------------------------------------------
    def _implicit(self, columns: list[str], taken: set[str]) -> dict[str, str]:
        by_norm = {_norm(c): c for c in columns if c not in taken}
        return {f.name: by_norm[_norm(f.name)] for f in self.fields if _norm(f.name) in by_norm}

    def _score(self, f: Field, column: str, values: pd.Series) -> float:
        name = _norm(column)
        names = [_norm(f.name), *(_norm(a) for a in f.aliases)]
        score = 3.0 if name in names else max(difflib.SequenceMatcher(None, name, n).ratio() for n in names)
        if any(n and n in name for n in names):  # contains the name or an alias
            score = max(score, 0.8)
        if score < 0.6:
            # No name signal: a column is never proposed for its type alone (DFA as a time, NHR as a stage).
            # Free text is the exception: its values alone score a column of long sentences, and a few letters
            # shared with the name add nothing ("Ufro" is not a "group": that took the requests' text for ids).
            if f.kind != "text":
                return 0.0
            score = 0.0
        sample = values.dropna().head(500)
        if sample.empty:
            return score * 0.5
        if f.codes is not None:  # a coded field only from a column of its codes (a label, a direction)
            known = _code_text(values.dropna()).str.lower().isin([str(k).lower() for k in f.codes])
            if known.mean() < 0.99:
                return 0.0
        numeric = _to_number(sample).notna().mean()
        if f.kind in ("number", "integer"):
            if numeric > 0.95:
                score += 1.0
            else:  # numbers with a few codes ('k.A.', '-'): proposed, and the check names the codes to declare
                codes = sample[_to_number(sample).isna()].astype(str).str.strip().unique()
                score += 0.5 if numeric > 0.5 and len(codes) <= 5 and score >= 0.8 else -2.0
        elif f.kind == "datetime":  # datetimes too: their text parses back
            ok = (
                numeric < 0.5
                and pd.to_datetime(sample.astype(str), errors="coerce", format="mixed").notna().mean() > 0.9
            )
            compact = not ok and numeric > 0.95 and guess_date_format(sample) is not None  # 930101
            score += 1.0 if ok else 0.5 if compact else -2.0
        elif f.kind == "hour":
            hours = pd.to_numeric(sample, errors="coerce")  # text is NaN, never between 0 and 24
            score += 0.5 if hours.between(0, 24).all() and hours.nunique() <= 25 else -1.0
        elif f.kind == "text":
            length = sample.astype(str).str.len().mean()
            whole = numeric > 0.95 and bool((_to_number(sample) % 1 == 0).all())
            short = numeric < 0.5 and length <= 25
            # ids in a column named so ('N° compte' 101, 'N° patient' P001): an id, not a measure
            if (whole or short) and 0.8 <= score < 3.0:
                score += 0.6
            else:
                score += 1.0 if numeric < 0.5 and length > 25 else (0.2 if numeric < 0.5 else -0.5)
        elif f.kind in ("label", "category"):
            distinct = values.nunique()
            if f.kind == "label" and distinct < 2:
                return 0.0  # one value is no label
            score += 0.5 if distinct <= max(50, 0.05 * len(values)) else -0.5
        return score

    def propose(self, frame: pd.DataFrame) -> dict[str, str]:
        """A mapping contract name -> file column, from names, aliases, types and values."""
        mapping: dict[str, str] = {}
        taken: set[str] = set()
        candidates = []
        for f in self.fields:
            for column in frame.columns:
                candidates.append((self._score(f, column, frame[column]), f.name, column))
        for score, name, column in sorted(candidates, key=lambda c: -c[0]):
            if name in mapping or column in taken or score < 1.3:
                continue
            mapping[name], _ = column, taken.add(column)
        for target, parts in self.alternatives.items():  # one timestamp column wins over date + hour
            if target in mapping:
                for part in parts:
                    mapping.pop(part, None)
        return {f.name: mapping[f.name] for f in self.fields if f.name in mapping}

    def resolve_mapping(
        self,
        columns_in_file: list[str],
        columns: dict[str, str] | None,
        frame: pd.DataFrame | None = None,
        read_options: dict | None = None,
    ) -> dict[str, str]:
        """The full mapping: the user's ``columns`` plus columns already named like the contract; a name
        mapped to "" (or null) is left out, even when a column is named like it. ``read_options``: the run's,
        for a fix that adds to them (a date taken from the file names or a title line)."""
        if not isinstance(columns or {}, dict):
            raise ContractError(
                f"columns must be a dict from contract names to file columns, not {columns!r}."
            )
        given = dict(columns or {})
        unknown = [k for k in given if k not in self.names]
        if unknown:
            raise ContractError(
                f"columns names {unknown}, which the {self.name} contract does not have; its names are "
                f"{self.names} (keys are the contract's names, values the file's column names); correct -p columns."
            )
        left_out = {k for k, v in given.items() if v in (None, "")}
        columns = {k: v for k, v in given.items() if k not in left_out}
        absent = {k: v for k, v in columns.items() if v not in columns_in_file}
        if absent:
            k, v = next(iter(absent.items()))
            close = difflib.get_close_matches(str(v), columns_in_file)  # the closest first
            raise ContractError(
                f"columns maps {k!r} to {v!r}, but the file has no such column"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; the file's columns are {columns_in_file[:30]}. Correct it in -p columns."
            )
        implicit = self._implicit(columns_in_file, set(columns.values()))
        mapping = {**{k: v for k, v in implicit.items() if k not in left_out}, **columns}
        missing = [
            f
            for f in self.fields
            if f.required
            and f.name not in mapping
            and not all(p in mapping for p in self.alternatives.get(f.name) or [None])  # None: no column
        ]
        if missing:
            proposal = self.propose(frame) if frame is not None else {}
            example = {**proposal, **columns}
            f = missing[0]
            alt = self.alternatives.get(f.name)
            covered = f.name in example or bool(alt and all(p in example for p in alt))
            outside = self._date_outside(f, frame, read_options, example)
            if outside is not None:
                raise outside
            if not covered:
                example[f.name] = "<column>"
            raise ContractError(
                f"The file has no column for {f.name!r} ({f.meaning}"
                + (f"; or give {' and '.join(alt)}" if alt else "")
                + f"); the file's columns are {columns_in_file[:30]}. Map it with the columns parameter, e.g. "
                f"-p columns '{_example_mapping(example)}'"
                + ("" if covered else " (replace <column>)")
                + "; `livinglab inspect` proposes a mapping.",
                fix={"columns": example} if covered else None,
            )
        return mapping

    def _date_outside(
        self, f: Field, frame: pd.DataFrame | None, read_options: dict | None, example: dict
    ) -> ContractError | None:
        """No column for a date field, when each file's date stands in its name or above its table (one file
        a day): the sentence that says so, with the ``date_from`` that takes it and the mapping (``example``,
        the proposed one) that maps the 'date' column it adds."""
        from .reader import find_date

        options = dict(read_options or {})
        dates = {f.name, *(self.alternatives.get(f.name) or ())}
        if (
            frame is None
            or options.get("date_from")
            or not any(self.field(n).kind == "datetime" for n in dates)
        ):
            return None
        names = frame.attrs.get("file_names") or []
        titles = [*frame.attrs.get("title_lines", []), *map(str, frame.columns)]
        if names and all(find_date(Path(n).stem) is not None for n in names):
            how, where = "file_name", f"each file's name holds its date (e.g. {names[0]!r})"
        elif any(find_date(t) is not None for t in titles):
            shown = next(t for t in titles if find_date(t) is not None)
            how, where = "header", f"the date stands above the table or in its header (e.g. {shown[:60]!r})"
        else:
            return None
        options["date_from"] = how
        parts = self.alternatives.get(f.name) or (f.name,)  # timestamp: date (+ hour) when it has them
        day = next((n for n in parts if self.field(n).kind == "datetime"), f.name)
        columns = {k: v for k, v in {**example, day: "date"}.items() if v != "<column>"}
        return ContractError(
            f"The file has no column for {f.name!r} ({f.meaning}), but {where}: take it with "
            f"{_param('read_options', options)} (a 'date' column added to each file's rows) together with "
            f"{_param('columns', columns)}.",
            fix={"read_options": options, "columns": columns},
            field=f.name,
        )

    # ----- conversion and validation ------------------------------------------------------------------
    def apply(
        self,
        frame: pd.DataFrame,
        columns: dict[str, str] | None = None,
        *,
        dayfirst: bool | None = None,
        params: dict | None = None,
        sample: bool = False,
    ) -> Applied:
        """Rename, convert and check ``frame``; raise :class:`ContractError` with a fix on any problem.

        ``params``: the run's parameters the checks read (``read_options``, ``value_codes``, ``duplicates``
        and the fields' ``range_param``). ``sample``: the frame is a part of a bigger file, so what concerns
        the whole table (rows, distinct values, all missing, identical rows) waits for the whole of it.
        """
        params = dict(params or {})
        read_options = dict(params.get("read_options") or {})
        if dayfirst is None:
            dayfirst = read_options.get("dayfirst")
        given = dict(columns or {}) if isinstance(columns, dict) else columns
        # a pilot's contract may override resolve_mapping without read_options (then no date_from advice)
        takes = "read_options" in inspect.signature(self.resolve_mapping).parameters
        mapping = self.resolve_mapping(
            list(frame.columns), columns, frame, **({"read_options": read_options} if takes else {})
        )
        ctx = _Context(self, frame, mapping, given or {}, params, read_options)
        dropped: dict[str, int] = {}
        exact = (
            frame.duplicated()
            if not (sample or self.identical_rows_are_observations)
            else pd.Series(False, index=frame.index)
        )
        if exact.any():
            frame = frame[~exact.to_numpy()]
            dropped["identical to an earlier row in every column"] = int(exact.sum())
        notes = [
            f"columns: {', '.join(f'{k} <- {v}' for k, v in mapping.items() if k != v) or 'names as in the file'}"
        ]
        frame, coded = self._value_codes(frame, ctx, notes)
        used = set(mapping.values())
        # a column named like a field the run leaves out ("label": "") is not kept under that name
        left_out = (
            {k for k, v in (given or {}).items() if v in (None, "")} if isinstance(given, dict) else set()
        )
        extras = [c for c in frame.columns if c not in used and c not in left_out] if self.extras else []
        converted = {}
        for name, column in mapping.items():
            f = self.field(name)
            converted[name] = self._convert(f, frame[column], column, dayfirst, notes, ctx)
        out = pd.DataFrame(converted, index=frame.index)
        named = sorted(set(ctx.currencies.values()))
        if "currency" in self.names and "currency" not in out and len(named) == 1:
            out["currency"] = named[0]  # amounts written '1.234,56 €': the unit the pages write them in
            notes.append(
                f"currency: {named[0]}, named by the sign of every {', '.join(ctx.currencies)} value"
            )
        for target, parts in self.alternatives.items():
            if target not in out and all(p in out for p in parts):
                out[target] = self._combine(target, parts, out, notes)
        if extras:  # one concat: a wide file's thousands of columns are not inserted one by one
            out = pd.concat([out, frame[extras]], axis=1)
        if not sample:
            out = self._check_missing(out, ctx, notes)
        self._check_codes(out, ctx)
        self._check_ranges(out, ctx)
        self._validate(out, mapping)
        out = self._combine_duplicates(out, ctx, notes, dropped)
        if not sample:
            self._check_size(out, ctx, dropped)
        span = None
        times = [f.name for f in self.fields if f.kind == "datetime" and f.name in out]
        if times and out[times[0]].notna().any():
            span = (str(out[times[0]].min()), str(out[times[0]].max()))
        for reason, n in dropped.items():
            notes.append(f"{n:,} row(s) left out: {reason}")
        return Applied(out.reset_index(drop=True), mapping, extras, notes, span, dropped, coded, sample)

    def _value_codes(self, frame: pd.DataFrame, ctx: _Context, notes: list) -> tuple[pd.DataFrame, bool]:
        """``value_codes`` applied to the file's columns (keys: contract names or the file's column names)."""
        value_codes = ctx.params.get("value_codes") or {}
        if not value_codes:
            return frame, False
        if not isinstance(value_codes, dict) or not all(isinstance(v, dict) for v in value_codes.values()):
            raise ContractError(
                "value_codes must map a column to {code: meaning}, e.g. "
                f'-p value_codes \'{{"sex": {{"0": "male", "1": "female"}}}}\', not {value_codes!r}.'
            )
        frame = frame.copy()
        by_file = {v: k for k, v in ctx.mapping.items()}
        for key, codes in value_codes.items():
            column = ctx.mapping.get(key, key if key in frame.columns else None)
            if column is None or column not in frame.columns:
                raise ContractError(
                    f"value_codes names {key!r}, which is neither a mapped contract name nor a column of the file; "
                    f"mapped: {list(ctx.mapping)}, columns: {list(frame.columns)[:20]}. Correct -p value_codes."
                )
            f = self.field(by_file[column]) if column in by_file else None
            lookup = {str(k).strip(): v for k, v in codes.items()}
            text = _code_text(frame[column])
            field_codes = (f.codes if f is not None else None) or {}  # a column no field is mapped to
            known = {str(k).lower() for k in field_codes} | {str(v).lower() for v in field_codes.values()}
            covered = text.isin(list(lookup)) | text.str.lower().isin(list(known))
            uncovered = text.notna() & ~covered.fillna(False)
            if uncovered.any():
                values = sorted(text[uncovered].unique().tolist())[:5]
                example = {**value_codes, key: {**codes, **{v: v for v in values}}}
                raise ContractError(
                    f"value_codes[{key!r}] does not cover the value(s) {values} found in {int(uncovered.sum()):,} "
                    f"row(s) of {column!r}; add what each means, e.g. {_param('value_codes', example)} (each "
                    "code kept as its own meaning: write yours).",
                    fix={"value_codes": example},
                )
            mapped = text.map(lookup)
            hit = text.isin(list(lookup)).fillna(False)
            values = frame[column].astype(object).where(~hit.to_numpy(), mapped.astype(object))
            if MISSING_CODE in lookup:
                values = values.where(frame[column].notna().to_numpy(), lookup[MISSING_CODE])
            frame[column] = values
            shown = ", ".join(f"{k or '(missing)'} -> {v}" for k, v in lookup.items())
            notes.append(f"{column}: codes mapped by value_codes ({shown})")
        return frame, True

    def _convert(
        self, f: Field, values: pd.Series, column: str, dayfirst, notes: list, ctx: _Context | None = None
    ) -> pd.Series:
        where = f"column {column!r} (mapped to {f.name!r})" if column != f.name else f"column {f.name!r}"
        if f.codes is not None:
            return self._decode_codes(f, values, column, where, ctx)
        if f.kind in ("number", "integer"):
            converted, currency, how = parse_numbers(values)
            bad = converted.isna() & values.notna()
            if bad.any():
                raise _not_numbers(f, values, bad, column, where, ctx)
            if how:
                notes.append(f"{f.name}: read as numbers ({how})")
            if currency and ctx is not None:
                ctx.currencies[f.name] = currency
            if f.kind == "integer":
                frac = converted.notna() & (converted % 1 != 0)
                if frac.any():
                    raise ContractError(f"{where} must hold whole numbers ({_rows(values, frac)}).")
                return converted.astype("Int64")
            return converted
        if f.kind == "datetime":
            date_format = (ctx.read_options if ctx else {}).get("date_format")
            try:
                parsed, how = parse_datetimes(values, dayfirst=dayfirst, date_format=date_format)
            except ContractError as exc:
                raise _not_dates(f, values, column, where, str(exc), ctx) from None
            bad = parsed.isna() & values.notna()
            if bad.any():
                raise _bad_dates(f, values, bad, column, where, dayfirst, ctx)
            notes.append(f"{f.name}: parsed as {how}")
            return parsed
        if f.kind == "hour":
            hours, how = parse_hours(values)
            bad = values.notna() & ~hours.between(0, 23).fillna(False)  # unreadable or out of range
            if bad.any():
                raise ContractError(
                    f"{where} must be an hour of day (0-23, 1-24 or 'HH:MM'): {_rows(values, bad)}."
                )
            notes.append(f"{f.name}: {how}")
            return hours
        if f.kind == "bool":
            text = values.astype("string").str.strip().str.lower()
            truth = {"1": True, "1.0": True, "0": False, "0.0": False}
            truth |= dict.fromkeys(YES_WORDS, True) | dict.fromkeys(NO_WORDS, False)
            converted = text.map(truth).astype("boolean")
            bad = converted.isna() & values.notna()
            if bad.any():
                raise ContractError(f"{where} must be yes/no (1/0, true/false): {_rows(values, bad)}.")
            return converted
        if f.kind == "label":
            return values
        if pd.api.types.is_float_dtype(values) and bool((values.dropna() % 1 == 0).all()):
            values = values.astype(
                "Int64"
            )  # ids 307 that a blank cell made 307.0 are '307', as in other files
        return values.astype("string").str.strip()  # text and category

    def _decode_codes(self, f: Field, values: pd.Series, column: str, where: str, ctx) -> pd.Series:
        """A coded field's values as the pilot reads them (``f.codes``); unknown codes refused with the fix."""
        codes = {str(k).lower(): v for k, v in (f.codes or {}).items()}
        canonical = {str(v).lower(): v for v in codes.values()}
        text = _code_text(values).str.lower()
        decoded = text.map({**canonical, **codes})
        bad = decoded.isna() & text.notna()
        if bad.any():
            counts = _code_text(values[bad]).value_counts()
            shown = ", ".join(f"{v!r} ({n:,} rows)" for v, n in counts.head(4).items())
            meanings = sorted({str(v) for v in codes.values()}, key=str)
            example = _code_example(f, counts.index.tolist(), codes, ctx)
            fixes = [
                f"say what each code means with {_param('value_codes', example['value_codes'])} (an "
                "example: check which is which)"
            ]
            fix = example
            if not f.required and ctx is not None:
                fixes.append(f"leave the {f.name} out with {_param('columns', ctx.left_out(f.name))}")
            fixes.append("map another column with -p columns")
            raise ContractError(
                f"{where} holds codes that are not {f.name} values ({shown}); the pilot reads "
                f"{'/'.join(meanings)} and their usual spellings: {'; '.join(fixes)}.",
                fix=fix,
                field=f.name,
            )
        if f.kind in ("label", "integer", "number"):
            return pd.to_numeric(decoded, errors="coerce").astype(
                "Int64" if f.kind != "number" else "float64"
            )
        return decoded.astype("string")

    def _combine(self, target: str, parts: tuple[str, ...], out: pd.DataFrame, notes: list) -> pd.Series:
        date, hour = parts
        days = out[date].dt.normalize()
        notes.append(f"{target}: built from {date} + {hour}")
        return days + pd.to_timedelta(out[hour], unit="h")

    # ----- checks of the whole table ------------------------------------------------------------------
    def _check_missing(self, out: pd.DataFrame, ctx: _Context, notes: list) -> pd.DataFrame:
        """Required columns must hold values; an optional column with none is left out (said), a label
        refused (leaving it out changes the analysis: the person decides)."""
        for f in self.fields:
            if f.name not in out or out[f.name].notna().any():
                continue
            source = ctx.mapping.get(f.name, f.name)
            where = _where(source, f.name)
            others = [c for c in ctx.frame.columns if c != source and ctx.frame[c].notna().any()]
            required = f.required
            if required:
                alternative = self._alternative(f, source, ctx)
                fix = (
                    f"map the column that holds it with {_param('columns', alternative)}"
                    if alternative
                    else (
                        f"map the column that holds it with -p columns (the file's columns with values: {others[:20]})"
                    )
                )
                raise ContractError(
                    f"{where} is empty in all {len(out):,} rows, and the {self.name} analysis needs its {f.name} "
                    f"({f.meaning}): {fix}, or give a file where it is filled.",
                    fix={"columns": alternative} if alternative else None,
                )
            if f.kind == "label" or f.codes is not None:
                left_out = ctx.left_out(f.name)
                raise ContractError(
                    f"{where} is empty in all {len(out):,} rows: map the column that holds the {f.name} with "
                    f"-p columns, or run without it with {_param('columns', left_out)}.",
                    fix={"columns": left_out},
                )
            out = out.drop(columns=f.name)
            notes.append(f"{f.name}: column {source!r} is empty in every row and was left out")
        return out

    @property
    def required_names(self) -> set[str]:
        return {f.name for f in self.fields if f.required}

    def _alternative(self, f: Field, source: str, ctx: _Context) -> dict | None:
        """A mapping with the best other column for ``f`` that holds values, when one is named like it."""
        scored = [
            (self._score(f, c, ctx.frame[c]), c)
            for c in ctx.frame.columns
            if c != source and c not in ctx.mapping.values() and ctx.frame[c].notna().any()
        ]
        best = max(scored, default=(0.0, None))
        if best[0] < 1.3:
            return None
        return {**ctx.given, f.name: best[1]}

    def _check_codes(self, out: pd.DataFrame, ctx: _Context) -> None:
        """A coded field (a label, a direction) with missing values is refused unless value_codes says what
        a missing value means."""
        for f in self.fields:
            if f.codes is None or f.name not in out:
                continue
            missing = out[f.name].isna()
            if not missing.any():
                continue
            source = ctx.mapping.get(f.name, f.name)
            value_codes = dict(ctx.params.get("value_codes") or {})
            example = {**value_codes, f.name: {**value_codes.get(f.name, {}), MISSING_CODE: _first_code(f)}}
            fixes = [
                f"if an empty {f.name} means {_first_code(f)!r}, say so with {_param('value_codes', example)}"
            ]
            if not f.required:
                fixes.append(f"or run without it with {_param('columns', ctx.left_out(f.name))}")
            raise ContractError(
                f"{_where(source, f.name)} is empty in {int(missing.sum()):,} of {len(out):,} rows "
                f"({_rows(out[f.name], missing)}), and the pilot does not guess what an empty {f.name} means: "
                f"{' '.join(fixes)}.",
                fix={"value_codes": example},
                field=f.name,
            )

    def _check_ranges(self, out: pd.DataFrame, ctx: _Context) -> None:
        """Numbers inside the field's range (or the range its parameter gives), with fixes that work."""
        for f in self.fields:
            if f.name not in out or f.kind not in ("number", "integer"):
                continue
            low, high, source_of_range = _range_of(f, ctx.params)
            if low is None and high is None:
                continue
            values = out[f.name].astype("float64")
            below = values < low if low is not None else pd.Series(False, index=values.index)
            above = values > high if high is not None else pd.Series(False, index=values.index)
            outside = (below | above).fillna(False)
            if not outside.any():
                continue
            source = ctx.mapping.get(f.name, f.name)
            bad_values = values[outside]
            what = f.name
            if source_of_range != "the contract":
                side = f"outside {source_of_range} [{low:g}, {high:g}], e.g."
            elif below.any() and above.any():
                side = f"outside {low:g} to {high:g}, the range allowed for {what}"
            elif below.any():
                side = f"below {low:g}, the smallest {what} allowed"
            else:
                side = f"above {high:g}, the largest {what} allowed"
            fixes, fix = [], None
            distinct = sorted(bad_values.unique().tolist())
            if len(distinct) <= 3:
                sentinel = [int(v) if float(v).is_integer() else v for v in distinct]
                missing = (
                    dict(ctx.read_options.get("missing_values") or {})
                    if isinstance(ctx.read_options.get("missing_values"), dict)
                    else {}
                )
                options = {**ctx.read_options, "missing_values": {**missing, source: sentinel}}
                fixes.append(f"if they mean 'missing', declare them with {_param('read_options', options)}")
                fix = {"read_options": options}
            if f.range_param:
                span = [
                    min(values.min(), low if low is not None else values.min()),
                    max(values.max(), high if high is not None else values.max()),
                ]
                span = [int(v) if float(v).is_integer() else float(v) for v in span]
                fixes.append(f"if the scale is another, correct {_param(f.range_param, span)}")
                fix = fix or {f.range_param: span}
            fixes.append(("or " if fixes else "") + "map another column with -p columns")
            raise ContractError(
                f"{_where(source, f.name)} has {int(outside.sum()):,} value(s) {side} "
                + (
                    f"{_rows(values, outside)}: "
                    if side.endswith("e.g.")
                    else f"({_rows(values, outside)}): "
                )
                + f"{'; '.join(fixes)}.",
                fix=fix,
            )

    def _combine_duplicates(
        self, out: pd.DataFrame, ctx: _Context, notes: list, dropped: dict[str, int]
    ) -> pd.DataFrame:
        """Rows that share the keys: refused unless the ``duplicates`` parameter says how to combine them."""
        keys = [k for k in self.keys if k in out]
        if not keys or not len(out):
            return out
        shared = out.duplicated(keys, keep=False)
        if not shared.any():
            return out
        rule = str(ctx.params.get("duplicates") or "").strip()
        names = ", ".join(ctx.mapping.get(k, k) for k in keys)
        if rule not in DUPLICATE_RULES:
            ids = out.groupby(keys, sort=False, dropna=False).ngroup()
            first_id = ids[shared].iloc[0]
            group = out[(ids == first_id).to_numpy()]
            first = group.iloc[0]
            differing = [c for c in out.columns if c not in keys and group[c].nunique(dropna=False) > 1][:1]
            key_text = ", ".join(f"{ctx.mapping.get(k, k)} {first[k]}" for k in keys)
            detail = (
                f"{ctx.mapping.get(differing[0], differing[0])} {' and '.join(map(str, group[differing[0]].head(3).tolist()))}"
                if differing
                else "the same values in the mapped columns, other values elsewhere"
            )
            given = f" ({rule!r} is not one)" if rule else ""
            raise ContractError(
                f"{int(shared.sum()):,} rows share their {names} with another row but are not identical (e.g. "
                f"{key_text}: {detail}); say how to combine them with {_param('duplicates', 'sum')} (e.g. lanes "
                f"or detectors counted apart), mean, median, first or last{given}.",
                fix={"duplicates": "sum"},
            )
        before = len(out)
        if rule in ("first", "last"):
            combined = out.drop_duplicates(keys, keep=rule)
        else:
            numeric = [
                c
                for c in out.columns
                if c not in keys
                and pd.api.types.is_numeric_dtype(out[c])
                and not pd.api.types.is_bool_dtype(out[c])
            ]
            other = [c for c in out.columns if c not in keys and c not in numeric]
            grouped = out.groupby(keys, sort=False, dropna=False)
            parts = []
            if numeric:
                parts.append(
                    grouped[numeric].sum(min_count=1) if rule == "sum" else grouped[numeric].agg(rule)
                )
            if other:
                parts.append(grouped[other].first())
            combined = (
                pd.concat(parts, axis=1).reset_index()[list(out.columns)]
                if parts
                else grouped.size().reset_index()[keys]
            )
        reason = f"combined with rows of the same {names} (duplicates {rule})"
        dropped[reason] = before - len(combined)
        return combined

    def _check_size(self, out: pd.DataFrame, ctx: _Context, dropped: dict[str, int]) -> None:
        """At least ``min_rows`` rows and ``min_distinct`` distinct values (participants, classes)."""
        left = f" (after {sum(dropped.values()):,} row(s) left out: {', '.join(dropped)})" if dropped else ""
        if len(out) < self.min_rows:
            raise ContractError(
                f"The file has {len(out):,} row(s){left}; the {self.name} analysis needs at least "
                f"{self.min_rows:,}: give a longer extract."
            )
        for name, least in self.min_distinct.items():
            if name not in out:
                continue
            f = self.field(name)
            found = out[name].dropna().unique()
            if len(found) >= least:
                continue
            source = ctx.mapping.get(name, name)
            if f.kind == "label" or f.codes is not None or name == "label":
                what = (
                    f"{len(found)} class(es) ({_shown(str(v) for v in found)})" if len(found) else "no class"
                )
                fixes = ["give a file with more", "map the column that holds them with -p columns"]
                if not f.required:
                    fixes.append(f"run without the {name} with {_param('columns', ctx.left_out(name))}")
                raise ContractError(
                    f"{_where(source, name)} holds {what} in {len(out):,} rows, and the {self.name} analysis "
                    f"needs at least {least} classes: {', '.join(fixes[:-1])}, or {fixes[-1]}.",
                    fix={"columns": ctx.left_out(name)} if not f.required else None,
                )
            raise ContractError(
                f"{_where(source, name)} holds {len(found):,} distinct {name}(s) in {len(out):,} rows, "
                f"and the {self.name} analysis needs at least {least}: give a file with more, or check "
                "that -p columns maps the right column."
            )

    def schema(self):
        """The pandera schema of the converted frame (types, ranges, required columns)."""
        import pandera.pandas as pa

        cols = {}
        for f in self.fields:
            checks = []
            if f.minimum is not None:
                checks.append(pa.Check.ge(f.minimum))
            if f.maximum is not None:
                checks.append(pa.Check.le(f.maximum))
            dtype = _DTYPES.get(f.kind)
            if f.codes is not None:
                dtype = None  # decoded to what the pilot reads (0/1, debit/credit)
            cols[f.name] = pa.Column(dtype, checks=checks, nullable=True, required=False)
        return pa.DataFrameSchema(cols)  # not strict (extras are kept), no coercion (done above)

    def check(self, frame: pd.DataFrame, where: str = "the data") -> pd.DataFrame:
        """A frame already in the contract's names (a synthetic generator's) checked like a file: every
        required field present, types and ranges; returned unchanged."""
        missing = [
            f.name
            for f in self.fields
            if f.required
            and f.name not in frame
            and not all(p in frame for p in self.alternatives.get(f.name) or [None])
        ]
        if missing:
            raise ContractError(f"{where} lacks the {self.name} contract's required column(s) {missing}.")
        self._validate(frame, {c: c for c in frame.columns})
        return frame

    def _validate(self, out: pd.DataFrame, mapping: dict[str, str]) -> None:
        import pandera.errors as pe

        try:
            self.schema().validate(out, lazy=True)
        except pe.SchemaErrors as exc:
            cases = exc.failure_cases
            first = cases.iloc[0]
            column = str(first["column"])
            rows = cases[cases["column"] == first["column"]]
            examples = rows.set_index("index")["failure_case"].head(3)
            shown = ", ".join(f"row {int(i) + 2}: {v!r}" for i, v in examples.items() if pd.notna(i))
            source = mapping.get(column, column)
            raise ContractError(
                f"Column {source!r} (mapped to {column!r}) fails the check {first['check']}: "
                f"{len(rows):,} value(s), e.g. {shown or repr(first['failure_case'])}; map another column with "
                "-p columns, or fix the values in the file."
            ) from None


@dataclass
class _Context:
    """What the checks of one :meth:`Contract.apply` need to word their fixes as the person would type them."""

    contract: Contract
    frame: pd.DataFrame
    mapping: dict[str, str]
    given: dict[str, Any]
    params: dict[str, Any]
    read_options: dict[str, Any]
    #: the currency a number field's values name by their sign or code ({"amount": "EUR"})
    currencies: dict[str, str] = field(default_factory=dict)

    def left_out(self, name: str) -> dict[str, Any]:
        """The ``columns`` the person gave, with ``name`` left out."""
        return {**self.given, name: ""}


def _first_code(f: Field) -> Any:
    """The value an empty coded field would most often mean: the first of its meanings (0: genuine)."""
    meanings = list(dict.fromkeys((f.codes or {}).values()))
    return sorted(meanings, key=lambda v: (str(v) != "0", str(v)))[0]


def _code_example(f: Field, unknown: list[str], codes: dict, ctx: _Context | None) -> dict:
    """value_codes pairing each unknown code with one of the field's meanings, in order (an example)."""
    meanings = list(dict.fromkeys(codes.values()))
    pairing = {str(code): meanings[i % len(meanings)] for i, code in enumerate(unknown)}
    value_codes = dict((ctx.params.get("value_codes") if ctx else None) or {})
    return {"value_codes": {**value_codes, f.name: {**value_codes.get(f.name, {}), **pairing}}}


def _not_numbers(f: Field, values: pd.Series, bad: pd.Series, column: str, where: str, ctx) -> ContractError:
    """A number field with values that are not numbers: a few codes are sentinels, many are another column."""
    distinct = values[bad].astype(str).str.strip().unique()
    mostly_text = (
        bad.sum() > 0.5 * values.notna().sum() or len(distinct) > 5
    )  # else a few missing-value codes
    if mostly_text:
        alternative = ctx.contract._alternative(f, column, ctx) if ctx is not None else None
        numeric = [
            c
            for c in (ctx.frame.columns if ctx is not None else [])
            if c != column and pd.api.types.is_numeric_dtype(ctx.frame[c])
        ]
        fix = (
            f"map the column that holds the {f.name} with {_param('columns', alternative)}"
            if alternative
            else f"map the column that holds the {f.name} with -p columns (numeric columns: {numeric[:12]})"
        )
        return ContractError(
            f"{where} holds text, not numbers ({int(bad.sum()):,} of {int(values.notna().sum()):,} values, e.g. "
            f"{_rows(values, bad)}): {fix}.",
            fix={"columns": alternative} if alternative else None,
        )
    sentinels = sorted(map(str, distinct))
    options = dict(ctx.read_options) if ctx is not None else {}
    given = options.get("missing_values")
    per_column = dict(given) if isinstance(given, dict) else {}
    options["missing_values"] = {**per_column, column: sentinels}
    return ContractError(
        f"{where} must hold numbers: {int(bad.sum()):,} value(s) are not ({_rows(values, bad)}). If they mean "
        f"'missing', declare them: {_param('read_options', options)}; if the wrong column is mapped, change "
        "-p columns.",
        fix={"read_options": options},
    )


def _not_dates(f: Field, values: pd.Series, column: str, where: str, what: str, ctx) -> ContractError:
    options = dict(ctx.read_options) if ctx is not None else {}
    if what == "numbers, not dates" and looks_like_excel_dates(values):
        options["date_format"] = EXCEL_DATES
        first = float(pd.to_numeric(values, errors="coerce").dropna().iloc[0])
        return ContractError(
            f"{where} holds numbers like {first:,.6g}, Excel's serial day numbers ({first:,.6g} is "
            f"{EXCEL_EPOCH + pd.to_timedelta(first, unit='D'):%d.%m.%Y %H:%M}); read them as dates with "
            f"{_param('read_options', options)}, or map another column with -p columns.",
            fix={"read_options": options},
        )
    if what == "numbers, not dates":
        guess = guess_date_format(values)
        if guess:
            options["date_format"] = guess
            return ContractError(
                f"{where} holds numbers like {_shown(_code_text(values).dropna().head(2))}; if they are dates "
                f"written as {guess}, say so with {_param('read_options', options)}; otherwise map another "
                "column with -p columns.",
                fix={"read_options": options},
            )
    if what == "times of day without a date" and ctx is not None:
        hour = next((h for h in ctx.contract.fields if h.kind == "hour"), None)
        if hour is not None:
            columns = {k: v for k, v in ctx.given.items() if k != f.name} | {f.name: "", hour.name: column}
            return ContractError(
                f"{where} holds times of day without a date (e.g. {_shown(values.dropna().head(2))}): map it as "
                f"the {hour.name} with {_param('columns', columns)} and give the day with a date column, or with "
                'read_options date_from "file_name" or "header" when each file holds one day.',
                fix={"columns": columns},
            )
    return ContractError(
        f"{where} must hold dates/times, but it holds {what}; map another column with -p columns."
    )


def _bad_dates(
    f: Field, values: pd.Series, bad: pd.Series, column: str, where: str, dayfirst, ctx
) -> ContractError:
    """Values that are not dates, with the first fix that reads them all (verified before it is proposed)."""
    options = dict(ctx.read_options) if ctx is not None else {}
    tried = []
    if options.get("date_format") is None:
        for flipped in (True, False):
            if dayfirst is flipped:
                continue
            parsed, _ = parse_datetimes(values, dayfirst=flipped)
            if not (parsed.isna() & values.notna()).any():
                tried.append(("dayfirst", flipped))
                break
        guess = guess_date_format(values)
        if guess and not tried:
            parsed, _ = parse_datetimes(values, date_format=guess)
            if not (parsed.isna() & values.notna()).any():
                tried.append(("date_format", guess))
    message = f"{where} has {int(bad.sum()):,} value(s) that are not dates ({_rows(values, bad)})"
    if tried:
        name, value = tried[0]
        options[name] = value
        return ContractError(
            f"{message}; they are all read with {_param('read_options', options)}.",
            fix={"read_options": options},
        )
    distinct = sorted(values[bad].astype(str).str.strip().unique().tolist())
    if len(distinct) <= 3:
        given = options.get("missing_values")
        options["missing_values"] = {**(dict(given) if isinstance(given, dict) else {}), column: distinct}
        return ContractError(
            f"{message}; if they mean 'missing', declare them with {_param('read_options', options)}; otherwise "
            "correct them in the file or map another column with -p columns.",
            fix={"read_options": options},
        )
    return ContractError(
        f'{message}; give their layout with read_options date_format (e.g. "%d.%m.%Y %H:%M"), correct them '
        "in the file, or map another column with -p columns."
    )


def split_read_options(read_options: dict | None) -> tuple[dict, bool | None]:
    """The reader's options and ``dayfirst`` (the contract's); ``date_format`` stays in both (the reader
    ignores it, the contract reads it from ``params["read_options"]``)."""
    if not isinstance(read_options or {}, dict):
        raise ContractError(f"read_options must be a dict such as {{'sep': ';'}}, not {read_options!r}.")
    options = dict(read_options or {})
    return options, options.pop("dayfirst", None)


def text_dtypes(contract: Contract, columns: dict | None) -> dict[str, str]:
    """The file columns read as text: the contract's text, category and date fields (ids keep their leading
    zeros, compact dates such as 050101 keep theirs)."""
    kinds = ("text", "category", "datetime")
    names = {(columns or {}).get(f.name, f.name) for f in contract.fields if f.kind in kinds}
    return dict.fromkeys((n for n in names if n), "string")


def _share(share: float) -> str:
    """A share in whole percent, where a few missing values of many are '<1%', never '0%'."""
    return "<1%" if 0 < share < 0.005 else ">99%" if 0.995 <= share < 1 else f"{share:.0%}"


def describe_columns(frame: pd.DataFrame, n_examples: int = 3) -> pd.DataFrame:
    """One row per column: type, share missing, distinct values and examples (``livinglab inspect``)."""
    rows = []
    for column in frame.columns:
        values = frame[column]
        examples = values.dropna().drop_duplicates().head(n_examples).astype(str).str[:40]
        rows.append(
            {
                "column": column,
                "type": str(values.dtype),
                "missing": _share(values.isna().mean()),
                "distinct": int(values.nunique(dropna=True)),
                "examples": ", ".join(examples),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "DUPLICATE_RULES",
    "check_file",
    "guess_date_format",
    "text_dtypes",
    "effective_data_mode",
    "Applied",
    "Contract",
    "ContractError",
    "Field",
    "describe_columns",
    "parse_datetimes",
    "parse_hours",
]


# ----- a pilot's data parameters -------------------------------------------------------------------------
FILE_MODE = "file"


def effective_data_mode(data_mode: str, data_path: str = "") -> str:
    """The mode a run really uses: ``data_path`` given means ``"file"``, whatever ``data_mode`` says.

    ``data_mode="file"`` without ``data_path`` is an error; otherwise one of the catalogue's modes
    (synthetic, real, auto) is checked and returned.
    """
    from .catalog import check_data_mode

    if str(data_path or "").strip():
        return FILE_MODE
    if data_mode == FILE_MODE:
        raise ContractError(
            "data_mode 'file' needs the file: set -p data_path PATH (a file, a folder or a glob)."
        )
    return check_data_mode(data_mode)


#: A file whose text is at most this big is read and checked whole before any kernel starts (seconds); a
#: bigger one is checked here on its first 4 MiB, and whole in the pilot, with the same sentences.
WHOLE_FILE_BYTES = 96 << 20
SAMPLE_BYTES = 4 << 20


def check_file(
    data_path: str,
    columns: dict | None,
    contract: Contract,
    read_options: dict | None = None,
    params: dict | None = None,
) -> Applied:
    """The check the runner makes before a kernel starts: the whole file against the contract when it reads
    in seconds (:data:`WHOLE_FILE_BYTES`), else its first 4 MiB (the pilot checks the rest as it reads it).
    ``params``: the run's parameters the contract's checks read (value_codes, duplicates, ranges)."""
    from .reader import expand_paths, text_bytes

    split_read_options(read_options)  # a dict, or one sentence
    options = dict(read_options or {})
    reader_options = {k: v for k, v in options.items() if k not in CONTRACT_OPTIONS}
    try:
        whole = text_bytes(expand_paths(data_path)) <= WHOLE_FILE_BYTES
        frame, _ = read_table(
            data_path,
            **reader_options,
            dtype=text_dtypes(contract, columns),
            **({} if whole else {"sample_bytes": SAMPLE_BYTES}),
        )
    except DataFileError as exc:
        raise ContractError(str(exc), exc.fix) from None
    return contract.apply(
        frame, columns, params={**(params or {}), "read_options": options}, sample=not whole
    )
