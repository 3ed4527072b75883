"""Data contracts: what a pilot needs from a partner's file, checked with pandera before any model sees it.

A pilot publishes one or more :class:`Contract` objects in ``pilots/<pilot>/contract.py``::

    COUNTS = Contract("counts", "Hourly traffic counts", fields=(
        Field("site", "text", required=False, meaning="counting site id", aliases=("station", "zaehlstelle")),
        Field("timestamp", "datetime", meaning="start of the hour", aliases=("datetime", "date_time")),
        Field("count", "number", meaning="vehicles in the hour", minimum=0, aliases=("traffic_volume", "volume")),
    ), alternatives={"timestamp": ("date", "hour")})

A partner maps the contract's names to their file's columns with the ``columns`` parameter
(``{"count": "traffic_volume"}``); a column already named like the contract needs no mapping.
:meth:`Contract.apply` renames, converts types (numbers with a decimal comma, day-first dates, hours as
0-23, 1-24 or "07:00"), validates with pandera and returns the frame in the contract's names;
:meth:`Contract.propose` suggests a mapping from names, types and values (``livinglab inspect``).
Every problem is a :class:`ContractError` that names the column, what is wrong, a few offending rows and
the parameter to change, with an example that works as printed.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from .reader import DataFileError, read_table

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


class ContractError(ValueError):
    """A file that does not meet a pilot's contract; the message says what to change."""


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = True
    meaning: str = ""
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

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


def _norm(name: str) -> str:
    """Compare names without case, accents, spaces or punctuation (Zählstelle ~ zaehlstelle ~ ZAEHL_STELLE)."""
    text = str(name).lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "", unicodedata.normalize("NFKD", text))  # é -> e + accent, then dropped


def _example_mapping(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False)


def _rows(series: pd.Series, mask: pd.Series, limit: int = 3) -> str:
    bad = series[mask].head(limit)
    return ", ".join(f"row {i + 2}: {v!r}" for i, v in bad.items())


# A time ending in a UTC offset or Z ("...T05:00:00+02:00", "... 10:00 +0100", "...T10:00Z").
_UTC_OFFSET = r":\d{2}(?::\d{2}(?:[.,]\d+)?)?[ ]?(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def parse_datetimes(values: pd.Series, *, dayfirst: bool | None = None) -> tuple[pd.Series, str]:
    """Datetimes from text in any common layout; ``dayfirst`` is detected for d/m/y text unless given.

    Times with UTC offsets (an export across the change to summer time has two) and time-zone-aware
    datetimes are converted to UTC and returned without a time zone; times without one stay as written.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed, how, offsets = values, "already datetimes", values.dt.tz is not None
    elif pd.api.types.is_numeric_dtype(values):
        raise ContractError("numbers, not dates")
    else:
        text = values.astype("string").str.strip()
        sample = text.dropna().head(2000)
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
        # utc=True parses several UTC offsets in one call (pandas 2 and 3); times without one stay as written
        parsed = pd.to_datetime(
            text, dayfirst=dayfirst, format="ISO8601" if iso else None, errors="coerce", utc=True
        )
        if iso and parsed.isna().sum() > text.isna().sum():  # other layouts among ISO dates ("Jan 5 2024")
            parsed = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
        offsets = sample.str.contains(_UTC_OFFSET).any()
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed, how + (", converted to UTC" if offsets else "")


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


def _to_number(values: pd.Series) -> pd.Series:
    """Numbers from numbers or text; text with a decimal comma (``1.234,5``, ``7,25``) is understood."""
    if pd.api.types.is_numeric_dtype(values):  # booleans too
        return values.astype("float64")
    text = values.astype("string").str.strip()
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    failed = number.isna() & text.notna()
    if failed.any() and text[failed].str.fullmatch(r"-?[\d.\s']*\d,\d+").all():
        fixed = text[failed].str.replace(r"[.\s']", "", regex=True).str.replace(",", ".")
        number = number.where(~failed, pd.to_numeric(fixed).astype("float64"))  # all match the pattern
    return number


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
        if score < 0.6 and f.kind != "text":
            # No name signal: a column is never proposed for its type alone (DFA as a time, NHR as a stage).
            # Free text is the exception: a column of long sentences is the text whatever it is called.
            return 0.0
        sample = values.dropna().head(500)
        if sample.empty:
            return score * 0.5
        numeric = _to_number(sample).notna().mean()
        if f.kind in ("number", "integer"):
            score += 1.0 if numeric > 0.95 else -2.0
        elif f.kind == "datetime":  # datetimes too: their text parses back
            ok = (
                numeric < 0.5
                and pd.to_datetime(sample.astype(str), errors="coerce", format="mixed").notna().mean() > 0.9
            )
            score += 1.0 if ok else -2.0
        elif f.kind == "hour":
            hours = pd.to_numeric(sample, errors="coerce")  # text is NaN, never between 0 and 24
            score += 0.5 if hours.between(0, 24).all() and hours.nunique() <= 25 else -1.0
        elif f.kind == "text":
            length = sample.astype(str).str.len().mean()
            score += 1.0 if numeric < 0.5 and length > 25 else (0.2 if numeric < 0.5 else -0.5)
        elif f.kind in ("label", "category"):
            score += 0.5 if values.nunique() <= max(50, 0.05 * len(values)) else -0.5
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
        self, columns_in_file: list[str], columns: dict[str, str] | None, frame: pd.DataFrame | None = None
    ) -> dict[str, str]:
        """The full mapping: the user's ``columns`` plus columns already named like the contract."""
        if not isinstance(columns or {}, dict):
            raise ContractError(
                f"columns must be a dict from contract names to file columns, not {columns!r}."
            )
        columns = dict(columns or {})
        unknown = [k for k in columns if k not in self.names]
        if unknown:
            raise ContractError(
                f"columns names {unknown}, which the {self.name} contract does not have; its names are "
                f"{self.names} (keys are the contract's names, values the file's column names); correct -p columns."
            )
        absent = {k: v for k, v in columns.items() if v not in columns_in_file}
        if absent:
            k, v = next(iter(absent.items()))
            close = difflib.get_close_matches(str(v), columns_in_file)  # the closest first
            raise ContractError(
                f"columns maps {k!r} to {v!r}, but the file has no such column"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; the file's columns are {columns_in_file[:30]}. Correct it in -p columns."
            )
        mapping = {**self._implicit(columns_in_file, set(columns.values())), **columns}
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
            if not covered:
                example[f.name] = "<column>"
            raise ContractError(
                f"The file has no column for {f.name!r} ({f.meaning}"
                + (f"; or give {' and '.join(alt)}" if alt else "")
                + f"); the file's columns are {columns_in_file[:30]}. Map it with the columns parameter, e.g. "
                f"-p columns '{_example_mapping(example)}'"
                + ("" if covered else " (replace <column>)")
                + "; `livinglab inspect` proposes a mapping."
            )
        return mapping

    # ----- conversion and validation ------------------------------------------------------------------
    def apply(
        self, frame: pd.DataFrame, columns: dict[str, str] | None = None, *, dayfirst: bool | None = None
    ) -> Applied:
        """Rename, convert and validate ``frame``; raise :class:`ContractError` with a fix on any problem."""
        mapping = self.resolve_mapping(list(frame.columns), columns, frame)
        used = set(mapping.values())
        extras = [c for c in frame.columns if c not in used] if self.extras else []
        out = pd.DataFrame(index=frame.index)
        notes = [
            f"columns: {', '.join(f'{k} <- {v}' for k, v in mapping.items() if k != v) or 'names as in the file'}"
        ]
        for name, column in mapping.items():
            f = self.field(name)
            out[name] = self._convert(f, frame[column], column, dayfirst, notes)
        for target, parts in self.alternatives.items():
            if target not in out and all(p in out for p in parts):
                out[target] = self._combine(target, parts, out, notes)
        for column in extras:
            out[column] = frame[column]
        self._validate(out, mapping)
        span = None
        times = [f.name for f in self.fields if f.kind == "datetime" and f.name in out]
        if times and out[times[0]].notna().any():
            span = (str(out[times[0]].min()), str(out[times[0]].max()))
        return Applied(out.reset_index(drop=True), mapping, extras, notes, span)

    def _convert(self, f: Field, values: pd.Series, column: str, dayfirst, notes: list) -> pd.Series:
        where = f"column {column!r} (mapped to {f.name!r})" if column != f.name else f"column {f.name!r}"
        if f.kind in ("number", "integer"):
            converted = _to_number(values)
            bad = converted.isna() & values.notna()
            if bad.any():
                raise ContractError(
                    f"{where} must hold numbers: {int(bad.sum()):,} value(s) are not ({_rows(values, bad)}). "
                    f"If they mean 'missing', declare them: -p read_options "
                    f"'{{\"missing_values\": {json.dumps(sorted(map(str, values[bad].unique()[:3])))}}}'; "
                    f"if the wrong column is mapped, change -p columns."
                )
            if f.kind == "integer":
                frac = converted.notna() & (converted % 1 != 0)
                if frac.any():
                    raise ContractError(f"{where} must hold whole numbers ({_rows(values, frac)}).")
                return converted.astype("Int64")
            return converted
        if f.kind == "datetime":
            try:
                parsed, how = parse_datetimes(values, dayfirst=dayfirst)
            except ContractError as exc:
                raise ContractError(
                    f"{where} must hold dates/times, but it holds {exc}; map another column with -p columns."
                ) from exc
            bad = parsed.isna() & values.notna()
            if bad.any():
                raise ContractError(
                    f"{where} has {int(bad.sum()):,} value(s) that are not dates ({_rows(values, bad)}); "
                    "for day-first dates set -p read_options '{\"dayfirst\": true}', or declare the values "
                    'as missing with read_options {"missing_values": [...]}.'
                )
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
            truth = {
                "1": True,
                "true": True,
                "yes": True,
                "y": True,
                "0": False,
                "false": False,
                "no": False,
                "n": False,
                "1.0": True,
                "0.0": False,
            }
            converted = text.map(truth).astype("boolean")
            bad = converted.isna() & values.notna()
            if bad.any():
                raise ContractError(f"{where} must be yes/no (1/0, true/false): {_rows(values, bad)}.")
            return converted
        if f.kind == "label":
            return values
        return values.astype("string").str.strip()  # text and category

    def _combine(self, target: str, parts: tuple[str, ...], out: pd.DataFrame, notes: list) -> pd.Series:
        date, hour = parts
        days = out[date].dt.normalize()
        notes.append(f"{target}: built from {date} + {hour}")
        return days + pd.to_timedelta(out[hour], unit="h")

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
                f"{len(rows):,} value(s), e.g. {shown or repr(first['failure_case'])}. Fix the values, declare them "
                "missing with -p read_options '{\"missing_values\": {...}}', or map another column with -p columns."
            ) from None


def split_read_options(read_options: dict | None) -> tuple[dict, bool | None]:
    if not isinstance(read_options or {}, dict):
        raise ContractError(f"read_options must be a dict such as {{'sep': ';'}}, not {read_options!r}.")
    options = dict(read_options or {})
    return options, options.pop("dayfirst", None)


def describe_columns(frame: pd.DataFrame, n_examples: int = 3) -> pd.DataFrame:
    """One row per column: type, share missing, distinct values and examples (``livinglab inspect``)."""
    rows = []
    for column in frame.columns:
        values = frame[column]
        examples = values.dropna().astype(str).str[:40].unique()[:n_examples]
        rows.append(
            {
                "column": column,
                "type": str(values.dtype),
                "missing": f"{values.isna().mean():.0%}",
                "distinct": int(values.nunique(dropna=True)),
                "examples": ", ".join(examples),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "check_file",
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


def check_file(
    data_path: str, columns: dict | None, contract: Contract, read_options: dict | None = None
) -> Applied:
    """The quick check the runner makes before a kernel starts: a sample of the file against the contract."""
    options, dayfirst = split_read_options(read_options)
    try:
        frame, _ = read_table(data_path, **options, sample_bytes=4 << 20)
    except DataFileError as exc:
        raise ContractError(str(exc)) from None
    return contract.apply(frame, columns, dayfirst=dayfirst)
