"""Loaders: the UCI Parkinson's telemonitoring file and any cohort in long format.

Both check their input before any model sees it and fail with one sentence that says what is wrong.
Error messages name rows by their position in the file, never by a subject identifier, so an error
shown in a notebook cannot leak one.

``load_long_cohort`` takes a column mapping from the pilot's standard names to the file's own
columns (for example ``{"subject": "PATNO", "time": "YEARS", "updrs3": "NP3TOT"}``), converts types,
refuses duplicate subject-visit rows and validates value ranges with a pandera schema.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .synthetic import SCORE_RANGES


class CohortDataError(ValueError):
    """Input data that cannot be analysed as given (the message says why and where)."""


# ---------------------------------------------------------------------------------------------
# column names
# ---------------------------------------------------------------------------------------------


def sanitise_column_names(columns) -> list[str]:
    """Names LightGBM and formulas accept: ``Jitter(%)`` -> ``jitter_pct``, ``Shimmer:APQ3`` -> ``shimmer_apq3``."""
    out = []
    for col in columns:
        name = str(col).strip().replace("%", "pct").replace("#", "").lower()
        name = re.sub(r"[^a-z0-9]+", "_", name).strip("_") or "column"
        if name[0].isdigit():
            name = f"c_{name}"
        out.append(name)
    seen: dict[str, str] = {}
    for raw, clean in zip(columns, out, strict=True):
        if clean in seen:
            raise CohortDataError(
                f"Columns {seen[clean]!r} and {raw!r} both become {clean!r} once sanitised; rename one."
            )
        seen[clean] = raw
    return out


# ---------------------------------------------------------------------------------------------
# shared checks
# ---------------------------------------------------------------------------------------------


def _read_table(data: pd.DataFrame | str | Path, what: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
    else:
        path = Path(data)
        if not path.exists():
            raise CohortDataError(f"The {what} file {path} does not exist.")
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(
                path,
                sep=None if path.suffix.lower() not in (".csv", ".data") else ",",
                engine="python" if path.suffix.lower() not in (".csv", ".data") else "c",
            )
    if frame.empty:
        raise CohortDataError(f"The {what} has no rows.")
    return frame.reset_index(drop=True)


def _rows(mask: pd.Series, limit: int = 3) -> str:
    idx = np.flatnonzero(np.asarray(mask))[:limit]
    return ", ".join(str(i) for i in idx) + (" ..." if int(np.asarray(mask).sum()) > limit else "")


def _coerce_numeric(frame: pd.DataFrame, columns: list[str], labels: dict[str, str]) -> pd.DataFrame:
    for col in columns:
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            continue
        raw = frame[col]
        blank = raw.isna() | raw.astype(str).str.strip().isin(["", "NA", "NaN", "nan", "null", "None"])
        converted = pd.to_numeric(raw.where(~blank), errors="coerce")
        bad = converted.isna() & ~blank
        if bad.any():
            example = raw[bad].iloc[0]
            raise CohortDataError(
                f"Column {labels.get(col, col)} must be numeric but holds {int(bad.sum())} non-numeric value(s) "
                f"such as {str(example)[:20]!r} (row(s) {_rows(bad)})."
            )
        frame[col] = converted.astype(float)
    return frame


SCALE_NAMES = {
    "updrs1": "MDS-UPDRS part I",
    "updrs2": "MDS-UPDRS part II",
    "updrs3": "MDS-UPDRS part III",
    "updrs4": "MDS-UPDRS part IV",
    "hy": "Hoehn & Yahr stage",
    "moca": "MoCA",
    "motor_updrs": "UPDRS motor score",
    "total_updrs": "total UPDRS",
}


def _validate(
    frame: pd.DataFrame,
    ranges: dict[str, tuple[float, float]],
    labels: dict[str, str],
    categories: dict[str, set[str]] | None = None,
    required_non_null: tuple[str, ...] = (),
) -> None:
    """Check value ranges (and allowed categories) with a pandera schema; raise one clear sentence."""
    columns, rules = {}, {}
    for col, (lo, hi) in ranges.items():
        if col in frame.columns:
            columns[col] = pa.Column(
                float, pa.Check.in_range(lo, hi), nullable=col not in required_non_null, coerce=True
            )
            scale = f" (the {SCALE_NAMES[col]} range)" if col in SCALE_NAMES else ""
            rules[col] = f"within {lo:g}-{hi:g}{scale}"
    for col, allowed in (categories or {}).items():
        if col in frame.columns:
            columns[col] = pa.Column(object, pa.Check.isin(sorted(allowed)), nullable=True)
            rules[col] = f"one of {', '.join(sorted(allowed))}"
    schema = pa.DataFrameSchema(columns, strict=False)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        col = first["column"]
        n_bad = int((cases["column"] == col).sum())
        label = labels.get(col, col)
        if "not_nullable" in str(first["check"]):
            raise CohortDataError(
                f"Column {label} has {n_bad} missing value(s); every row needs one."
            ) from None
        rows = cases.loc[cases["column"] == col, "index"].dropna().astype(int).tolist()[:3]
        value = first["failure_case"]
        value = f"{float(value):g}" if isinstance(value, (int, float, np.number)) else repr(value)
        raise CohortDataError(
            f"Column {label} must be {rules.get(col, first['check'])} but {n_bad} row(s) are not, e.g. {value} "
            f"(row(s) {', '.join(map(str, rows))}); fix or remove them (impossible values are not clipped)."
        ) from None


# ---------------------------------------------------------------------------------------------
# UCI Parkinson's telemonitoring
# ---------------------------------------------------------------------------------------------

TELEMONITORING_COLUMNS = (
    "subject#",
    "age",
    "sex",
    "test_time",
    "motor_UPDRS",
    "total_UPDRS",
    "Jitter(%)",
    "Jitter(Abs)",
    "Jitter:RAP",
    "Jitter:PPQ5",
    "Jitter:DDP",
    "Shimmer",
    "Shimmer(dB)",
    "Shimmer:APQ3",
    "Shimmer:APQ5",
    "Shimmer:APQ11",
    "Shimmer:DDA",
    "NHR",
    "HNR",
    "RPDE",
    "DFA",
    "PPE",
)
VOICE_FEATURES = tuple(sanitise_column_names(TELEMONITORING_COLUMNS[6:]))
TELEMONITORING_RANGES = {
    "age": (18, 110),
    "sex": (0, 1),
    "test_time": (-30, 400),
    "motor_updrs": (0, 108),  # original UPDRS motor section (part III), 27 items x 0-4
    "total_updrs": (0, 176),  # original UPDRS parts I-III
    **{f: (0, 1e6) for f in VOICE_FEATURES},
}


def load_telemonitoring(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The UCI telemonitoring table with sanitised column names, ``years`` and a ``sex`` label.

    One row a voice recording (about six a session, so several rows share a subject and test time;
    that is how the file is, not an error). ``motor_updrs``/``total_updrs`` are the clinician's scores
    linearly interpolated between three visits (baseline, 3 and 6 months).
    """
    frame = _read_table(path, "telemonitoring")
    missing = [c for c in TELEMONITORING_COLUMNS if c not in frame.columns]
    if missing:
        raise CohortDataError(
            f"The telemonitoring file lacks column(s) {', '.join(missing)}; expected the UCI "
            "parkinsons_updrs.data layout (subject#, age, sex, test_time, motor_UPDRS, total_UPDRS and 16 voice measures)."
        )
    frame = frame[list(TELEMONITORING_COLUMNS)]
    frame.columns = sanitise_column_names(frame.columns)
    labels = dict(zip(frame.columns, TELEMONITORING_COLUMNS, strict=True))
    frame = _coerce_numeric(frame, list(frame.columns), labels)
    if frame["subject"].isna().any():
        raise CohortDataError(f"Column subject# is empty in row(s) {_rows(frame['subject'].isna())}.")
    _validate(frame, TELEMONITORING_RANGES, labels, required_non_null=("motor_updrs", "test_time"))
    if frame.duplicated().any():
        raise CohortDataError(
            f"The telemonitoring file repeats {int(frame.duplicated().sum())} identical row(s) "
            f"(row(s) {_rows(frame.duplicated())}); remove the copies."
        )
    frame["subject"] = frame["subject"].astype(int).astype(str)
    frame["sex"] = np.where(frame["sex"] == 0, "male", "female")
    frame["years"] = frame["test_time"] / 365.25
    frame["age"] = frame["age"].astype(float)
    return frame


# ---------------------------------------------------------------------------------------------
# any cohort in long format
# ---------------------------------------------------------------------------------------------

COHORT_NUMERIC = {
    "time": (0, 80),  # years since the participant's baseline visit
    "age": (0, 120),
    "age_at_onset": (0, 120),
    "disease_duration": (0, 90),
    "updrs1": SCORE_RANGES["updrs1"],
    "updrs2": SCORE_RANGES["updrs2"],
    "updrs3": SCORE_RANGES["updrs3"],
    "updrs4": SCORE_RANGES["updrs4"],
    "updrs_total": (0, 260),
    "hy": SCORE_RANGES["hy"],
    "moca": SCORE_RANGES["moca"],
    "ledd": SCORE_RANGES["ledd"],
    "visit": (0, 1000),
}
COHORT_CATEGORIES = {
    "sex": {"male", "female"},
    "group": {"PD", "control"},
    "subtype": {"TD", "indeterminate", "PIGD"},
    "carrier": {"none", "GBA", "LRRK2", "other"},
}
COHORT_TEXT = ("subject", "region", "onset_band")
COHORT_FIELDS = ("subject", *COHORT_NUMERIC, *COHORT_CATEGORIES, "region", "onset_band")
REQUIRED_FIELDS = ("subject", "time", "updrs3")
_SEX_CODES = {
    "m": "male",
    "male": "male",
    "man": "male",
    "f": "female",
    "female": "female",
    "woman": "female",
}
_TIME_UNITS = {"years": 1.0, "months": 12.0, "days": 365.25}


def load_long_cohort(
    data: pd.DataFrame | str | Path,
    columns: dict[str, str],
    *,
    time_unit: str = "years",
    required: tuple[str, ...] = REQUIRED_FIELDS,
) -> pd.DataFrame:
    """Read a long-format cohort (one row a subject-visit) into the pilot's standard columns.

    ``columns`` maps standard names (``subject``, ``time``, ``updrs3``, and optionally ``sex``, ``age``,
    ``age_at_onset``, ``group``, ``subtype``, ``carrier``, ``region``, ``updrs1/2/4``, ``hy``, ``moca``,
    ``ledd`` ...) to the file's column names. ``time`` is time since the participant's baseline in
    ``time_unit`` (years, months or days). The result has the standard names, ``years`` and ``visit``.
    """
    if not isinstance(columns, dict) or not columns:
        raise CohortDataError(
            "Give a column mapping such as {'subject': 'PATNO', 'time': 'YEARS', 'updrs3': 'NP3TOT'}."
        )
    unknown = sorted(set(columns) - set(COHORT_FIELDS))
    if unknown:
        raise CohortDataError(
            f"Unknown standard name(s) {', '.join(unknown)} in the column mapping; "
            f"known: {', '.join(COHORT_FIELDS)}."
        )
    absent = [f for f in required if f not in columns]
    if absent:
        raise CohortDataError(f"The column mapping must name a column for {', '.join(absent)}.")
    if time_unit not in _TIME_UNITS:
        raise CohortDataError(f"time_unit must be one of {', '.join(_TIME_UNITS)}, not {time_unit!r}.")
    frame = _read_table(data, "cohort")
    missing = [f"{src!r} (for {std})" for std, src in columns.items() if src not in frame.columns]
    if missing:
        raise CohortDataError(
            f"The cohort has no column {', '.join(missing)}; it has: "
            f"{', '.join(map(str, frame.columns[:30]))}."
        )
    frame = frame[list(columns.values())].copy()
    frame.columns = list(columns.keys())
    labels = {std: f"{src!r} ({std})" if src != std else repr(src) for std, src in columns.items()}

    numeric = [c for c in frame.columns if c in COHORT_NUMERIC]
    frame = _coerce_numeric(frame, numeric, labels)
    for col in ("subject", "time"):
        if frame[col].isna().any():
            raise CohortDataError(
                f"Column {labels[col]} is empty in {int(frame[col].isna().sum())} row(s) "
                f"(row(s) {_rows(frame[col].isna())}); every visit needs a subject and a time."
            )
    frame["subject"] = frame["subject"].astype(str).str.strip()
    frame["time"] = frame["time"] / _TIME_UNITS[time_unit]
    dup = frame.duplicated(["subject", "time"], keep=False)
    if dup.any():
        raise CohortDataError(
            f"{int(dup.sum())} rows share a subject and a visit time with another row (row(s) {_rows(dup)}); "
            "keep one row a subject-visit (aggregate or remove the duplicates first)."
        )
    if "sex" in frame.columns:
        text = frame["sex"].where(frame["sex"].isna(), frame["sex"].astype(str).str.strip().str.lower())
        frame["sex"] = text.map(_SEX_CODES).where(text.notna())
        bad = text.notna() & frame["sex"].isna()
        if bad.any():
            raise CohortDataError(
                f"Column {labels['sex']} must be male/female (or m/f) but row(s) {_rows(bad)} "
                f"hold {str(text[bad].iloc[0])!r}."
            )
    for col in ("subtype", "carrier", "group", "region", "onset_band"):
        if col in frame.columns:
            frame[col] = (
                frame[col].where(frame[col].isna(), frame[col].astype(str).str.strip()).astype(object)
            )
    _validate(
        frame,
        {c: r for c, r in COHORT_NUMERIC.items() if c in numeric},
        labels,
        {c: s for c, s in COHORT_CATEGORIES.items() if c != "sex"},
        required_non_null=("time",),
    )
    frame = frame.rename(columns={"time": "years"}).sort_values(["subject", "years"], kind="stable")
    frame["visit"] = frame.groupby("subject").cumcount() if "visit" not in frame.columns else frame["visit"]
    if "group" not in frame.columns:
        frame["group"] = "PD"
    if "updrs_total" not in frame.columns and {"updrs1", "updrs2", "updrs3", "updrs4"} <= set(frame.columns):
        frame["updrs_total"] = frame[["updrs1", "updrs2", "updrs3", "updrs4"]].sum(axis=1, min_count=4)
    return frame.reset_index(drop=True)
