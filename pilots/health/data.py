"""What the health pilot does to loaded data before modelling, with every change counted.

``livinglab.load`` has already read the file once (a partner's file, the catalogue's telemonitoring file,
or the synthetic frame), renamed its columns to the design's contract names, converted types and checked
them against the contract. This module never reads a file. What is left is the health-specific
preparation, each step stated in a sentence the page shows (rows are named by count, never by a subject
identifier):

- value codings mapped by the ``value_codes`` parameter (``{"sex": {"0": "male", "1": "female"}}``);
  a code the mapping does not cover is an error naming the parameter;
- longitudinal (:func:`longitudinal`): the score checked against ``score_range``; rows without a subject or
  a time dropped; times converted from ``time_unit`` to years; negative and implausible times (more than
  80 years after baseline) dropped with a count; times rounded down to ``visit_resolution`` if asked;
  several rows of one participant at one time aggregated by the ``duplicates`` rule (mean, median, first
  or last) with the count shown; numeric extras become covariates (names sanitised for LightGBM);
- case-control (:func:`case_control`): the person extracted from a record name with ``subject_pattern`` if
  asked; the case label chosen by ``case_label``; feature columns are the numeric extras;
- both: subject identifiers replaced by keyed pseudonyms (:func:`privacy.pseudonymise_subjects`, the key
  from ``livinglab.trust.pseudonym_key``: derived from the seed for synthetic data, the secret in
  ``LIVINGLAB_PSEUDONYM_KEY`` for real data) before anything else sees them.

Errors are ``livinglab.contract.ContractError`` (one sentence that names the parameter to change,
with an example that works as printed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from livinglab.contract import NO_WORDS, YES_WORDS, ContractError, parse_numbers

from .contract import (
    CONTROL_WORDS,
    DUPLICATE_RULES,
    MAX_YEARS_AFTER_BASELINE,
    TIME_UNITS,
    age_group,
    excel_serials_advice,
    onset_band,
    record_name_pattern,
)
from .privacy import pseudonymise_subjects

OPTIONAL_NUMERIC = ("age", "age_at_onset", "disease_duration", "hy", "moca")
OPTIONAL_CATEGORIES = ("sex", "subtype", "carrier")
#: the longitudinal contract's names (never covariates by themselves: they have their own roles)
LONGITUDINAL_FIELDS = (
    "subject",
    "time",
    "years",
    "visit",
    "score",
    "age",
    "sex",
    "group",
    "age_at_onset",
    "disease_duration",
    "hy",
    "moca",
    "subtype",
    "carrier",
    "region",
)


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
            raise ContractError(
                f"Columns {seen[clean]!r} and {raw!r} both become {clean!r} once sanitised; rename one."
            )
        seen[clean] = raw
    return out


def _code_text(values: pd.Series) -> pd.Series:
    """Values as the text a person would type in value_codes: 1.0 -> "1", " M " -> "M"."""
    text = values.astype("string").str.strip()
    return text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)


def apply_value_codes(frame: pd.DataFrame, value_codes: dict | None, mapping: dict[str, str]) -> list[str]:
    """Replace codes by labels in place, column by column; returns one note a column.

    Keys of ``value_codes`` are contract names (``sex``) or the file's own column names (``gender``);
    every non-missing value of a coded column must be covered.
    """
    if not value_codes:
        return []
    if not isinstance(value_codes, dict) or not all(isinstance(v, dict) for v in value_codes.values()):
        raise ContractError(
            f"value_codes must map a column to {{code: label}}, e.g. "
            f'-p value_codes \'{{"sex": {{"0": "male", "1": "female"}}}}\', not {value_codes!r}.'
        )
    by_file = {v: k for k, v in mapping.items()}
    notes = []
    for key, codes in value_codes.items():
        column = key if key in frame.columns else by_file.get(key)
        if column is None or column not in frame.columns:
            raise ContractError(
                f"value_codes names {key!r}, which is neither a contract name nor a column of the file; "
                f"columns: {list(frame.columns)[:20]}. Correct -p value_codes."
            )
        lookup = {str(k).strip(): str(v) for k, v in codes.items()}
        text = _code_text(frame[column])
        uncovered = text.notna() & ~text.isin(list(lookup))
        if uncovered.any():
            values = sorted(text[uncovered].unique().tolist())[:5]
            example = {**lookup, **{v: "<label>" for v in values}}
            raise ContractError(
                f"value_codes[{key!r}] does not cover the value(s) {values} found in "
                f"{int(uncovered.sum()):,} row(s) of {column!r}; add them, e.g. -p value_codes "
                f"'{json.dumps({key: example}, ensure_ascii=False)}' (replace <label>)."
            )
        frame[column] = text.map(lookup).astype(object).where(text.notna(), None)
        shown = ", ".join(f"{k} -> {v}" for k, v in lookup.items())
        notes.append(f"{column}: codes mapped by value_codes ({shown})")
    return notes


#: Columns a loader adds that are not columns of the partner's file (never part of a duplicate's identity).
NOT_FROM_THE_FILE = ("source_file",)
#: Names that say a column numbers records or rows (after ``sanitise_column_names``): never a feature.
ORDER_NAMES = re.compile(
    r"^(c_)?(unnamed(_\d+)?|index|idx|row|row_(id|number|nr|no)|record(_(id|number|nr|no|index))?|"
    r"recording(_(id|number|nr|no|index))?|rec_(id|no|nr)|trial(_(number|nr|no))?|take|repetition|rep|"
    r"sample(_(id|number|nr|no))?|seq|sequence|n|no|nr|number|id|visit(_(number|nr|no|index))?)$"
)


def exact_duplicates(frame: pd.DataFrame, dropped_before: int = 0) -> tuple[pd.DataFrame, int, str]:
    """``frame`` without the records identical to an earlier one in every column of the file, how many, and
    the sentence the page shows (``dropped_before``: such records a loader already dropped, counted here)."""
    own = [c for c in frame.columns if c not in NOT_FROM_THE_FILE]
    dup = frame.duplicated(subset=own) if own else pd.Series(False, index=frame.index)
    n = int(dup.sum()) + int(dropped_before)
    note = (
        f"{n:,} exact duplicate records (identical in every column of the file) dropped: each is counted once"
        if n
        else "no exact duplicate records (no two rows identical in every column of the file)"
    )
    return (frame[~dup.to_numpy()] if dup.any() else frame), n, note


def order_columns(data: pd.DataFrame, columns: list[str], subject: str = "subject") -> dict[str, str]:
    """The numeric ``columns`` that number records or rows rather than measure anything, with the reason in
    words: named so (``ORDER_NAMES``), numbering each person's records 0/1, 2, 3 ... (every person's values
    distinct whole numbers from 0 or 1 without a gap, most people with several records), or numbering the
    file's rows (distinct, increasing, whole, without a gap)."""
    found: dict[str, str] = {}
    for col in columns:
        values = pd.to_numeric(data[col], errors="coerce")
        clean = sanitise_column_names([col])[0]
        if ORDER_NAMES.match(clean):
            found[col] = "its name says it numbers records or rows"
            continue
        if values.isna().any() or not (values % 1 == 0).all() or len(values) < 4:
            continue
        by = values.groupby(data[subject].to_numpy())
        stats = pd.DataFrame({"n": by.size(), "distinct": by.nunique(), "low": by.min(), "high": by.max()})
        counter = (
            (stats["n"] == stats["distinct"]).all()
            and (stats["high"] - stats["low"] + 1 == stats["n"]).all()
            and stats["low"].isin([0, 1]).all()
            and (stats["n"] >= 2).mean() >= 0.5
        )
        if counter:
            found[col] = "it numbers each person's records (1, 2, 3 ...)"
        elif (
            values.is_unique
            and values.is_monotonic_increasing
            and values.max() - values.min() + 1 == len(values)
        ):
            found[col] = "it numbers the file's rows"
    return found


def _order_note(found: dict[str, str]) -> list[str]:
    return [f"column {col!r} is not a feature: {why}" for col, why in found.items()]


@dataclass
class Prepared:
    """A prepared table and what was done to it (counts of rows, never identifiers)."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _aggregate(frame: pd.DataFrame, keys: list[str], rule: str) -> pd.DataFrame:
    """One row per key: numeric columns by ``rule``, the others by their first value (vectorised)."""
    numeric = [c for c in frame.columns if c not in keys and pd.api.types.is_numeric_dtype(frame[c])]
    other = [c for c in frame.columns if c not in keys and c not in numeric]
    grouped = frame.groupby(keys, sort=False, dropna=False)
    parts = [grouped[numeric].agg(rule)] if numeric else []
    if other:
        parts.append(grouped[other].first())
    out = pd.concat(parts, axis=1) if parts else grouped.size().to_frame("_n").drop(columns="_n")
    return out.reset_index()[frame.columns.tolist()]


def prepare_longitudinal(
    frame: pd.DataFrame,
    *,
    time_unit: str = "years",
    duplicates: str = "mean",
    visit_resolution: float = 0.0,
    dropped_before: int = 0,
) -> Prepared:
    """Times in years since baseline, bad times dropped, one row a participant-time (see module doc)."""
    if time_unit not in TIME_UNITS:
        raise ContractError(
            f"time_unit must be one of {', '.join(TIME_UNITS)}, not {time_unit!r}; e.g. -p time_unit days."
        )
    if duplicates not in DUPLICATE_RULES:
        raise ContractError(
            f"duplicates must be one of {', '.join(DUPLICATE_RULES)}, not {duplicates!r}; e.g. -p duplicates mean."
        )
    if not float(visit_resolution) >= 0:
        raise ContractError(f"visit_resolution must be >= 0 (in {time_unit}), not {visit_resolution!r}.")
    data = frame.copy()
    counts = {"rows_read": len(data) + int(dropped_before)}
    data, counts["duplicate_records"], duplicate_note = exact_duplicates(data, dropped_before)
    notes = [duplicate_note]
    missing = data["subject"].isna() | data["time"].isna()
    counts["rows_missing_subject_or_time"] = int(missing.sum())
    data = data[~missing]
    if visit_resolution:
        data["time"] = np.floor(data["time"] / float(visit_resolution)) * float(visit_resolution)
        notes.append(
            f"times rounded down to multiples of {visit_resolution:g} {time_unit} (visit_resolution)"
        )
    raw_times = data["time"]
    data["time"] = data["time"].astype(float) / TIME_UNITS[time_unit]
    negative = data["time"] < 0
    implausible = data["time"] > MAX_YEARS_AFTER_BASELINE
    counts["rows_negative_time"] = int(negative.sum())
    counts["rows_implausible_time"] = int(implausible.sum())
    if implausible.mean() > 0.05:
        serials, fix = excel_serials_advice(raw_times, time_unit)
        if serials:
            raise ContractError(serials, fix)
        raise ContractError(
            f"{implausible.mean():.0%} of the times are more than {MAX_YEARS_AFTER_BASELINE:g} years after baseline "
            f"when read in {time_unit}: is time_unit right? e.g. -p time_unit days (or months, weeks)."
        )
    data = data[~negative & ~implausible]
    if not len(data):
        raise ContractError(
            f"No row is left after dropping negative and implausible times; is time_unit ({time_unit!r}) right, "
            "and does columns map 'time' to the time since baseline?"
        )
    dup = data.duplicated(["subject", "time"], keep=False)
    counts["rows_sharing_subject_time"] = int(dup.sum())
    if dup.any():
        data = _aggregate(data, ["subject", "time"], duplicates)
    counts["assessments"] = len(data)
    counts["participants"] = int(data["subject"].nunique())
    data = data.rename(columns={"time": "years"}).sort_values(["subject", "years"], kind="stable")
    data["visit"] = data.groupby("subject", sort=False).cumcount()
    return Prepared(data.reset_index(drop=True), notes, counts)


def numbers_written_as_text(data: pd.DataFrame, columns: list, used_as: str) -> list[str]:
    """Read as numbers, in place, those of ``columns`` that are text but whose every value is a number ('0,00662'
    quoted in a comma-separated file); the notes say so, and name the text columns left out of ``used_as``."""
    notes, left_out = [], []
    for c in columns:
        if pd.api.types.is_numeric_dtype(data[c]):
            continue
        numbers, _, how = parse_numbers(data[c])
        if data[c].notna().any() and numbers.notna().sum() == data[c].notna().sum():
            data[c] = numbers
            notes.append(f"{c}: read as numbers ({how or 'numbers written as text'})")
        else:
            left_out.append(c)
    if left_out:
        notes.append(f"text column(s) not used as {used_as}: {', '.join(map(str, left_out[:8]))}")
    return notes


def drop_small_groups(data: pd.DataFrame, counts: dict, min_cell: int) -> tuple[pd.DataFrame, list[str]]:
    """Diagnosis groups of fewer than ``min_cell`` participants left out of every table and analysis (such a
    count cannot be shown, and the total minus the other groups would give it back): the rows kept, ``counts``
    updated, one note a group (never its size)."""
    if "group" not in data.columns:
        return data, []
    group = data["group"].astype(object).where(data["group"].notna(), "missing")
    sizes = data.groupby(group)["subject"].nunique()
    small = sizes[(sizes > 0) & (sizes < min_cell)]
    if sizes.size < 2 or small.size == 0 or small.size == sizes.size:
        return data, []
    kept = data[~group.isin(small.index).to_numpy()]
    counts["assessments"] = len(kept)
    counts["participants"] = int(kept["subject"].nunique())
    counts["groups_left_out"] = int(small.size)
    notes = [
        f"the group {g!r} has fewer than {min_cell} participants: it is left out of every table and analysis "
        "(a count that small is never shown, and the total minus the other groups would give it back)"
        for g in small.index
    ]
    return kept.reset_index(drop=True), notes


def patient_mask(group: pd.Series) -> pd.Series:
    """People analysed for progression: everyone whose group is not a control label (all without a group)."""
    text = group.astype("string").str.strip()
    return ~text.fillna("").str.match(CONTROL_WORDS)


def prepare_case_control(
    frame: pd.DataFrame,
    *,
    case_label: str = "",
    subject_pattern: str = "",
    features: list[str] | None = None,
    dropped_before: int = 0,
) -> Prepared:
    """Records with a 0/1 ``y`` (1 = case), the person in ``subject`` and numeric feature columns.

    Records identical in every column of the file are dropped first (counted, with ``dropped_before`` a
    loader already dropped). ``features``: the numeric extras to use (default: all of them but the columns
    that number records or rows, ``order_columns``, and the ``record`` and ``score`` roles); their names are
    sanitised.
    """
    data = frame.copy()
    counts = {"rows_read": len(data) + int(dropped_before)}
    data, counts["duplicate_records"], duplicate_note = exact_duplicates(data, dropped_before)
    notes = [duplicate_note]
    if subject_pattern:
        try:
            pattern = re.compile(subject_pattern)
        except re.error as exc:
            raise ContractError(
                f"subject_pattern {subject_pattern!r} is not a regular expression ({exc}); e.g. "
                "-p subject_pattern '^(.*)_[0-9]+$' takes 'phon_R01_S01' from 'phon_R01_S01_3'."
            ) from None
        if pattern.groups == 0:
            raise ContractError(
                f"subject_pattern {subject_pattern!r} has no group; put the person part in parentheses, "
                "e.g. -p subject_pattern '^(.*)_[0-9]+$'."
            )
        person = data["subject"].astype("string").str.extract(pattern, expand=True).iloc[:, 0]
        unmatched = person.isna() & data["subject"].notna()
        if unmatched.any():
            raise ContractError(
                f"subject_pattern {subject_pattern!r} matches no person in {int(unmatched.sum()):,} row(s); "
                "adjust it, e.g. -p subject_pattern '^(.*)_[0-9]+$'."
            )
        data["subject"] = person
        notes.append(f"person taken from the record name with subject_pattern {subject_pattern!r}")
    else:
        guessed = record_name_pattern(data["subject"])
        if guessed:
            persons = data["subject"].astype("string").str.extract(guessed, expand=False).nunique()
            raise ContractError(
                f"Every one of the {data['subject'].notna().sum():,} records has its own subject, but the names "
                f"end in a recording number ({data['subject'].dropna().iloc[0]!r}): validating by subject would "
                f"be validating by record, which is optimistic. Take the person out of the name with -p "
                f"subject_pattern '{guessed}' ({persons:,} persons), or, if every record really is another "
                "person, -p subject_pattern '^(.*)$'."
            )
    missing = data["subject"].isna() | data["label"].isna()
    counts["rows_missing_subject_or_label"] = int(missing.sum())
    data = data[~missing].copy()
    labels = _code_text(data["label"])
    values = sorted(labels.unique().tolist())
    if len(values) != 2:
        raise ContractError(
            f"The label column must hold exactly two values (case and control); it holds {values[:10]}; "
            'map them with value_codes, e.g. -p value_codes \'{"label": {"1": "PD", "0": "control"}}\'.'
        )
    if case_label:
        if str(case_label) not in values:
            raise ContractError(
                f"case_label {case_label!r} is not a value of the label column ({values}); e.g. "
                f"-p case_label {values[-1]}."
            )
        case = str(case_label)
    elif set(values) == {"0", "1"}:
        case = "1"
    elif (
        len({v.lower() for v in values} & YES_WORDS) == 1 and len({v.lower() for v in values} & NO_WORDS) == 1
    ):
        case = next(v for v in values if v.lower() in YES_WORDS)  # oui/non, ja/nein: the yes is the case
    else:
        controls = [v for v in values if CONTROL_WORDS.match(v)]
        if len(controls) != 1:
            raise ContractError(
                f"Which label is the case? The label column holds {values}; set it, e.g. -p case_label {values[0]}."
            )
        case = next(v for v in values if v != controls[0])
    control = next(v for v in values if v != case)
    data["y"] = (labels == case).astype(int)
    data["label"] = labels
    per_person = data.groupby("subject")["y"].nunique()
    mixed = int((per_person > 1).sum())
    if mixed:
        raise ContractError(
            f"{mixed:,} person(s) have records with both labels; a case-control label belongs to a person. "
            "Check the subject mapping in -p columns (or subject_pattern)."
        )
    reserved = {"subject", "label", "y", "age", "sex", "record", "score"}
    texts = [c for c in data.columns if c not in reserved and c not in NOT_FROM_THE_FILE]
    notes += numbers_written_as_text(data, texts, "features")
    candidates = [c for c in data.columns if c not in reserved and pd.api.types.is_numeric_dtype(data[c])]
    if "record" in data.columns:
        notes.append("column 'record' (mapped as the record's number) is not a feature")
    if "score" in data.columns:
        notes.append(
            "column 'score' is a characteristic of the person (Table 1, its mean released with differential "
            "privacy when score_range is given), not a feature: a diagnosis-related score would hand the model "
            "the label"
        )
    ordering = order_columns(data, candidates) if not features else {}
    notes += _order_note(ordering)
    candidates = [c for c in candidates if c not in ordering]
    if features:
        unknown = [f for f in features if f not in data.columns]
        if unknown:
            raise ContractError(f"features names column(s) {unknown} that the file does not have.")
        candidates = list(features)
    if "age" in data.columns:
        candidates.append("age")
    if not candidates:
        raise ContractError(
            "The file has no numeric feature column besides subject and label; a case-control analysis "
            "needs features (every other numeric column is one)."
        )
    clean = sanitise_column_names(candidates)
    data = data.rename(columns=dict(zip(candidates, clean, strict=True)))
    counts.update(
        records=len(data),
        persons=int(data["subject"].nunique()),
        cases=int(data.groupby("subject")["y"].first().sum()),
    )
    counts["controls"] = counts["persons"] - counts["cases"]
    prepared = Prepared(data.reset_index(drop=True), notes, counts)
    prepared.frame.attrs.update(case=case, control=control, features=clean)
    return prepared


# ----------------------------------------------------------------------------------------- the designs


@dataclass
class Cohort:
    """Longitudinal data ready for modelling: one row an assessment (``pid``, ``years``, ``score``, ``group``,
    ``visit`` and covariates), pseudonymised, with what the pages say about it."""

    data: pd.DataFrame
    score_label: str
    score_range: tuple[float, float] | None
    time_unit: str
    duplicates: str
    horizon_years: float
    horizon_text: str
    covariates: list[str]
    subgroup_factors: list[str]
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def n_subjects(self) -> int:
        return int(self.data["pid"].nunique())

    def baseline(self) -> pd.DataFrame:
        """One row a participant: their first assessment."""
        first = self.data.sort_values(["pid", "years"], kind="stable").groupby("pid", sort=False).head(1)
        return first.reset_index(drop=True)

    def patients(self) -> pd.DataFrame:
        """Assessments of the people analysed for progression and forecasts (everyone not a control)."""
        return self.data[patient_mask(self.data["group"])]

    @property
    def group_column(self) -> str | None:
        """The column that splits Table 1 and the DP release (the diagnosis group, when there are two)."""
        return "group" if self.data["group"].nunique() > 1 else None


@dataclass
class Records:
    """Case-control records ready for modelling: one row a record (``pid``, ``y`` (1 = case), ``label`` and
    features), pseudonymised, with what the pages say about them."""

    data: pd.DataFrame
    features: list[str]
    case_label: str
    control_label: str
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)
    score_range: tuple[float, float] | None = (
        None  # the score's scale (its DP bounds); None: no score or none given
    )
    score_label: str = "score"

    @property
    def n_subjects(self) -> int:
        return int(self.data["pid"].nunique())

    def baseline(self) -> pd.DataFrame:
        """One row a person: their first record."""
        first = self.data.sort_values("pid", kind="stable").groupby("pid", sort=False).head(1)
        return first.reset_index(drop=True)

    @property
    def group_column(self) -> str | None:
        return "label"


def horizon_text(horizon: float, unit: str) -> str:
    """The forecast target in words."""
    if not horizon:
        return "the next assessment"
    return f"the first assessment at least {horizon:g} {unit} later"


def check_score_range(score_range: Any) -> tuple[float, float] | None:
    """``score_range`` as (min, max), None when not given; a clear error for anything else."""
    if score_range in (None, "", [], ()):
        return None
    if isinstance(score_range, str):
        try:
            score_range = json.loads(score_range)
        except json.JSONDecodeError:
            pass
    if not (
        isinstance(score_range, (list, tuple))
        and len(score_range) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in score_range)
        and score_range[0] < score_range[1]
    ):
        raise ContractError(
            f"score_range must be [min, max] of the score's scale, e.g. [0, 108], not {score_range!r}; "
            "set -p score_range '[0, 108]'."
        )
    return float(score_range[0]), float(score_range[1])


def _check_score(frame: pd.DataFrame, score_range: tuple[float, float] | None, column: str) -> None:
    """Every score inside the scale ``score_range`` says (checked before anything is dropped or averaged)."""
    if score_range is None:
        return
    low, high = score_range
    outside = frame["score"].notna() & ~frame["score"].between(low, high)
    if outside.any():
        shown = ", ".join(f"row {i + 2}: {v!r}" for i, v in frame.loc[outside, "score"].head(3).items())
        raise ContractError(
            f"Column {column!r} (mapped to 'score') has {int(outside.sum()):,} value(s) outside score_range "
            f"[{low:g}, {high:g}], e.g. {shown}. The check comes from score_range: if the score's scale is "
            "another, correct -p score_range; if the wrong column is mapped, change -p columns."
        )


def _sex_note(data: pd.DataFrame, value_codes: dict | None, mapping: dict[str, str]) -> list[str]:
    if "sex" not in data.columns or any(k in (value_codes or {}) for k in ("sex", mapping.get("sex"))):
        return []
    codes = sorted(data["sex"].dropna().astype(str).unique().tolist())[:4]
    if codes and not set(codes) <= {"male", "female", "m", "f", "M", "F"}:
        return [
            f"Sex is coded {'/'.join(codes)} in the data and value_codes does not say what the codes mean: "
            "they are shown as codes."
        ]
    return []


def longitudinal(
    frame: pd.DataFrame,
    params: dict[str, Any],
    *,
    key: str,
    mapping: dict[str, str] | None = None,
    dropped_before: int = 0,
) -> Cohort:
    """The longitudinal design's preparation (module doc); ``key`` pseudonymises, ``mapping`` (contract name
    -> the file's column) names the file's columns in messages; ``dropped_before``: records identical in every
    column that a loader already dropped (counted on the page)."""
    mapping = dict(mapping or {})
    time_unit, duplicates = str(params["time_unit"]), str(params["duplicates"])
    score_range = check_score_range(params.get("score_range"))
    score_name = str(params.get("score_name") or "")
    value_codes = params.get("value_codes") or {}
    data = frame.copy()
    _check_score(data, score_range, mapping.get("score", "score"))
    coded = apply_value_codes(data, value_codes, mapping)
    prepared = prepare_longitudinal(
        data, time_unit=time_unit, duplicates=duplicates, visit_resolution=float(params["visit_resolution"]),
        dropped_before=dropped_before,
    )  # fmt: skip
    data = prepared.frame
    data, notes = drop_small_groups(data, prepared.counts, int(params.get("min_cell", 5)))
    if not score_name:
        notes.append(
            f"The score's name was not given (score_name): it is shown under its column name "
            f"{mapping.get('score', 'score')!r}."
        )
    if score_range is None:
        notes.append(
            "The score's scale was not given (score_range): its values are not range-checked and its mean is "
            "not released with differential privacy."
        )
    notes += _sex_note(data, value_codes, mapping)
    texts = [
        c
        for c in data.columns
        if c not in (*LONGITUDINAL_FIELDS, *NOT_FROM_THE_FILE, "onset_band", "age_band")  # bands: made below
        and not pd.api.types.is_numeric_dtype(data[c])
    ]
    notes += numbers_written_as_text(data, texts, "covariates")
    extras = [
        c for c in data.columns if c not in LONGITUDINAL_FIELDS and pd.api.types.is_numeric_dtype(data[c])
    ]
    ordering = order_columns(data, extras)
    notes += _order_note(ordering)
    data = data.drop(columns=list(ordering))
    extras = [c for c in extras if c not in ordering]
    clean = sanitise_column_names(extras)
    data = data.rename(columns=dict(zip(extras, clean, strict=True)))
    data = pseudonymise_subjects(data, "subject", key=key)
    if "group" not in data.columns:
        data["group"] = "all participants"
    if "age_at_onset" in data.columns:
        data["onset_band"] = onset_band(data["age_at_onset"]).astype(object).to_numpy()
    if "age" in data.columns:
        data["age_band"] = age_group(data["age"]).to_numpy()
    covariates = [c for c in (*OPTIONAL_NUMERIC, *OPTIONAL_CATEGORIES) if c in data.columns] + clean
    factors = [f for f in ("sex", "subtype", "onset_band", "age_band") if f in data.columns]
    horizon = float(params["horizon"])
    return Cohort(
        data,
        score_label=score_name or mapping.get("score", "score"),
        score_range=score_range,
        time_unit=time_unit,
        duplicates=duplicates,
        horizon_years=horizon / TIME_UNITS[time_unit],
        horizon_text=horizon_text(horizon, time_unit),
        covariates=covariates,
        subgroup_factors=factors[:3],
        counts=prepared.counts,
        notes=[*notes, *coded, *prepared.notes],
    )


def case_control(
    frame: pd.DataFrame,
    params: dict[str, Any],
    *,
    key: str,
    mapping: dict[str, str] | None = None,
    dropped_before: int = 0,
) -> Records:
    """The case-control design's preparation (module doc); ``key`` pseudonymises; ``dropped_before`` as for
    :func:`longitudinal`."""
    mapping = dict(mapping or {})
    data = frame.copy()
    score_range = check_score_range(params.get("score_range")) if "score" in data.columns else None
    _check_score(data, score_range, mapping.get("score", "score"))
    coded = apply_value_codes(data, params.get("value_codes") or {}, mapping)
    if "score" in data.columns and score_range is None:
        coded.append(
            "The score's scale was not given (score_range): its mean is not released with differential privacy."
        )
    prepared = prepare_case_control(
        data,
        case_label=str(params.get("case_label") or ""),
        subject_pattern=str(params.get("subject_pattern") or ""),
        dropped_before=dropped_before,
    )
    attrs = dict(prepared.frame.attrs)
    records = pseudonymise_subjects(prepared.frame, "subject", key=key)
    return Records(
        records,
        features=list(attrs["features"]),
        case_label=attrs["case"],
        control_label=attrs["control"],
        counts=prepared.counts,
        notes=[*coded, *prepared.notes],
        score_range=score_range,
        score_label=str(params.get("score_name") or "") or mapping.get("score", "score"),
    )
