"""The health pilot's data contracts (one per design) and value codes: what a partner's file must hold.

- ``longitudinal`` (longitudinal.ipynb): repeated assessments of an outcome score per participant (one row
  an assessment, several rows may share a participant and a time: they are aggregated by the
  ``duplicates`` rule). The score's name and scale come from the parameters ``score_name`` and
  ``score_range``, never assumed (``data.py`` checks the score against ``score_range``); ``time`` is in
  ``time_unit`` (years, months, weeks or days) since the participant's baseline.
- ``case_control`` (case_control.ipynb): records (e.g. voice recordings) of people with a diagnosis label,
  several records a person; every other numeric column is a feature.

The design is the notebook (``livinglab run health-longitudinal`` / ``health-case_control``); a partner's
file given to ``livinglab run health`` runs the first design whose contract it fits. The value codes every
module shares live here too: time units, duplicate rules, control labels, onset and age bands, Luxembourg's
cantons. Standalone: imports only livinglab, numpy and pandas (the runner loads it by itself to check a
file before any kernel starts).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata

import numpy as np
import pandas as pd

from livinglab.contract import Contract, Field

SUBJECT_ALIASES = (
    "subject#",
    "patient_nr",
    "patientennummer",
    "id_patient",
    "subject_id",
    "participant",
    "participant_id",
    "patient",
    "patient_id",
    "patno",
    "pid",
    "id",
    "name",
)
TIME_UNITS = {"years": 1.0, "months": 12.0, "weeks": 52.1775, "days": 365.25}
#: the fewest participants of a longitudinal file: five subject-grouped folds of at least two people each
#: (smaller cohorts run with the analyses they cannot support named on the page, e.g. the clustering of
#: baseline profiles, which needs 20, and groups under the suppression threshold left out)
MIN_PARTICIPANTS = 10
DUPLICATE_RULES = ("mean", "median", "first", "last")
MAX_YEARS_AFTER_BASELINE = 80.0
#: labels of the control group (case-insensitive); everyone else in a group column is analysed as a patient
CONTROL_WORDS = re.compile(
    r"^(control|controls|hc|healthy|healthy control|healthy controls|non-pd|t[ée]moins?|contr[ôo]les?|sains?|"
    r"kontrollen?|kontrollgruppe|gesund|kontroll)$",
    re.I,
)
SEXES = ("male", "female")
ONSET_BANDS = ("<50", "50-69", ">=70")
ONSET_EDGES = (-np.inf, 50.0, 70.0, np.inf)
AGE_BANDS = ("<60", "60-69", ">=70")
AGE_EDGES = (0, 60, 70, 200)
# Luxembourg's 12 cantons, the district each belonged to, and rounded population shares (thousands,
# approximate, about 2023): the synthetic cohort's region, and the k-anonymous extract's coarsening.
CANTONS = (
    ("Luxembourg", "Luxembourg", 201.0),
    ("Esch-sur-Alzette", "Luxembourg", 195.0),
    ("Capellen", "Luxembourg", 53.0),
    ("Mersch", "Luxembourg", 36.0),
    ("Diekirch", "Diekirch", 37.0),
    ("Grevenmacher", "Grevenmacher", 32.0),
    ("Remich", "Grevenmacher", 25.0),
    ("Redange", "Diekirch", 21.0),
    ("Echternach", "Grevenmacher", 20.0),
    ("Clervaux", "Diekirch", 20.0),
    ("Wiltz", "Diekirch", 20.0),
    ("Vianden", "Diekirch", 5.5),
)
CANTON_TO_DISTRICT = {canton: district for canton, district, _ in CANTONS}


def onset_band(age_at_onset) -> pd.Categorical:
    """Age at onset in the bands ``<50``, ``50-69``, ``>=70``."""
    return pd.cut(pd.Series(age_at_onset, dtype=float), ONSET_EDGES, right=False, labels=list(ONSET_BANDS))


def age_group(age) -> pd.Series:
    """Age in the bands ``<60``, ``60-69``, ``>=70`` (text; missing stays missing)."""
    return pd.cut(pd.Series(age, dtype=float), AGE_EDGES, right=False, labels=list(AGE_BANDS)).astype(object)


def _norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name).lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", text)


class HealthContract(Contract):
    """A contract whose mapping proposals keep a field only when a column is named like it.

    The shared proposal also scores columns by type, which lets any numeric column stand for a numeric
    field (the telemonitoring file's NHR proposed as Hoehn & Yahr stage, total_UPDRS as MoCA, DFA as the
    time); a proposal printed in an error must work as printed and mean what it says, so a field without a
    column named like it is left for the person to map (the error then shows ``<column>``).
    """

    def propose(self, frame: pd.DataFrame) -> dict[str, str]:
        proposal = super().propose(frame)
        return {name: column for name, column in proposal.items() if _named_like(self.field(name), column)}

    def _score(self, f: Field, column: str, values: pd.Series) -> float:
        """The shared score; a longitudinal time column may hold visit dates (turned into time since baseline)."""
        score = super()._score(f, column, values)
        if self.name == "longitudinal" and f.name == "time" and score < 1.3 and _named_like(f, column):
            if _visit_dates(values.dropna().head(500), None, None) is not None:
                return 2.0
        return score

    def _convert(
        self, f: Field, values: pd.Series, column: str, dayfirst, notes: list, ctx=None
    ) -> pd.Series:
        """Visit dates in a longitudinal file's time column (dd.mm.yyyy, ISO, Excel dates) are read as dates,
        then :meth:`apply` turns them into the time since each participant's first assessment, in time_unit."""
        if self.name == "longitudinal" and f.name == "time":
            date_format = (ctx.read_options if ctx is not None else {}).get("date_format")
            found = _visit_dates(values, dayfirst, date_format)
            if found is not None:
                dates, how = found
                unit = str((ctx.params if ctx is not None else {}).get("time_unit", "years"))
                per_year = TIME_UNITS.get(unit, 1.0)
                days = (dates - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86_400.0
                notes.append(f"{VISIT_DATES_NOTE} ({how}) {column!r}")
                return days / 365.25 * per_year
        return super()._convert(f, values, column, dayfirst, notes, ctx)

    def apply(self, frame, columns=None, *, dayfirst=None, params=None, sample=False):
        applied = super().apply(frame, columns, dayfirst=dayfirst, params=params, sample=sample)
        said = next((n for n in applied.notes if n.startswith(VISIT_DATES_NOTE)), None)
        if said is not None and "subject" in applied.frame:
            out = applied.frame
            first = out.groupby("subject", sort=False)["time"].transform("min")
            per_year = TIME_UNITS.get(str((params or {}).get("time_unit", "years")), 1.0)
            start = pd.Timestamp("1970-01-01") + pd.to_timedelta(out["time"] / per_year * 365.25, unit="D")
            applied.time_span = (str(start.min().date()), str(start.max().date()))
            out["time"] = out["time"] - first
            unit = str((params or {}).get("time_unit", "years"))
            applied.notes[applied.notes.index(said)] = (
                f"time: visit dates{said[len(VISIT_DATES_NOTE) :]} from {applied.time_span[0]} to "
                f"{applied.time_span[1]}, turned into {unit} since each participant's first assessment "
                "(the baseline)"
            )
        return applied

    def resolve_mapping(self, columns_in_file, columns=None, frame=None):
        """The shared mapping; when it fails on the longitudinal contract for a file that looks like case-control
        records (a two-valued diagnosis column, no time), the error names the design to run instead."""
        try:
            return super().resolve_mapping(columns_in_file, columns, frame)
        except Exception as exc:
            hint = design_hint(self.name, frame, columns)
            if not hint or not type(exc).__name__.endswith("ContractError"):
                raise
            error = type(exc)(f"{exc} {hint}")
            if hasattr(exc, "fix"):
                error.fix = exc.fix
            raise error from None


VISIT_DATES_NOTE = "time: visit dates"


def _visit_dates(values: pd.Series, dayfirst, date_format) -> tuple[pd.Series, str] | None:
    """Dates (datetimes, or text that reads as dates throughout), with how they were read; None otherwise
    (numbers are times since baseline, as the contract says)."""
    from livinglab.contract import ContractError, parse_datetimes

    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]"), "already dates"
    if pd.api.types.is_numeric_dtype(values) and not date_format:
        return None
    text = values.astype("string").str.strip()
    if not date_format and pd.to_numeric(text, errors="coerce").notna().mean() > 0.5:
        return None  # numbers written as text (decimal commas): times, not dates
    if text.dropna().empty or not text.dropna().str.contains(r"\d").all():
        return None
    try:
        parsed, how = parse_datetimes(values, dayfirst=dayfirst, date_format=date_format)
    except ContractError:
        return None
    if (parsed.isna() & values.notna()).any():
        return None
    return parsed, how


def excel_serials_advice(
    times: pd.Series, unit: str, read_options: dict | None = None
) -> tuple[str, dict | None]:
    """The sentence (and the fix) for times that are Excel's serial day numbers (45,311 is 20.01.2024: a date
    column exported as numbers), or ('', None) when they are not."""
    from livinglab.contract import EXCEL_DATES, EXCEL_EPOCH, looks_like_excel_dates

    values = pd.to_numeric(times, errors="coerce").dropna()
    if values.empty or not looks_like_excel_dates(values):
        return "", None
    options = {**dict(read_options or {}), "date_format": EXCEL_DATES}
    first = EXCEL_EPOCH + pd.to_timedelta(float(values.iloc[0]), unit="D")
    return (
        f"The times look like Excel's serial day numbers ({values.iloc[0]:,.0f} is {first:%d.%m.%Y}), not times "
        f"since baseline in {unit}: read them as visit dates with -p read_options '{json.dumps(options)}' (they "
        "become the time since each participant's first assessment)."
    ), {"read_options": options}


def _tokens(column: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(column))
    return {_norm(t) for t in re.split(r"[^0-9A-Za-zÀ-ÿ]+", spaced) if t}


def _named_like(f: Field, column: str) -> bool:
    """The column is the field's name or an alias, has it as a word, or contains a long one (>= 5 letters)."""
    col, words = _norm(column), _tokens(column)
    names = [n for n in (_norm(f.name), *(_norm(a) for a in f.aliases)) if n]
    return any(col == n or n in words or (len(n) >= 5 and n in col) for n in names)


LABEL_LIKE = re.compile(r"^(status|class|diagnosis|target|label|pd|y|group|case|cases|control)$", re.I)
TIME_LIKE = re.compile(r"(time|day|days|year|years|month|months|week|weeks|visit|date|followup)", re.I)


def design_hint(contract: str, frame, columns: dict | None) -> str:
    """A sentence naming the case-control design when a file given to the longitudinal contract looks like
    case-control records: a two-valued column named like a diagnosis (or mapped as ``label``), and no column
    named like a time (nor ``time`` mapped)."""
    if contract != "longitudinal" or frame is None:
        return ""
    columns = dict(columns or {}) if isinstance(columns, dict) else {}
    if "time" in columns or any(TIME_LIKE.search(str(c)) for c in frame.columns):
        return ""
    named = [c for c in frame.columns if LABEL_LIKE.match(_norm(c)) and frame[c].dropna().nunique() == 2]
    label = columns.get("label") or (named[0] if named else None)
    if label is None:
        return ""
    example = {k: v for k, v in columns.items() if k in ("subject", "label", "age", "sex")}
    example.setdefault("label", label)
    return (
        f"This file looks like case-control records (a two-valued column {label!r}, no time): run the "
        "case_control design instead, e.g. livinglab run health-case_control -p data_path FILE -p columns "
        f"'{json.dumps(example)}'."
    )


def longitudinal_contract() -> Contract:
    """The longitudinal contract (the score's scale is a parameter, ``score_range``, checked in ``data.py``)."""
    return HealthContract(
        "longitudinal",
        "Longitudinal cohort: repeated assessments of an outcome score",
        fields=(
            Field(
                "subject",
                "text",
                meaning="participant identifier (replaced by a keyed pseudonym at load time)",
                aliases=SUBJECT_ALIASES,
            ),
            Field(
                "time",
                "number",
                meaning="time of the assessment since the participant's baseline, in time_unit "
                "(years, months, weeks or days), or visit dates (then the time since each participant's first "
                "assessment); negative and implausible times are dropped and counted",
                aliases=(
                    "test_time",
                    "years",
                    "visit_time",
                    "day",
                    "days",
                    "months",
                    "time_since_baseline",
                    "tage",
                    "jours",
                    "followup",
                    "visit_date",
                    "date_visite",
                    "besuchsdatum",
                    "untersuchungsdatum",
                    "visite",
                    "datum",
                    "date",
                ),
            ),
            Field(
                "score",
                "number",
                meaning="the outcome score analysed; its name from score_name, its scale from score_range "
                "(not given: 0 or more, as clinical scales are)",
                aliases=("updrs3", "motor_updrs", "np3tot", "updrs_iii", "outcome"),
                minimum=0,
                range_param="score_range",
            ),
            Field(
                "age", "number", False, "age at the assessment (years)", ("age_years", "alter", "âge"), 0, 120
            ),
            Field(
                "sex",
                "category",
                False,
                'sex; codes are mapped with value_codes, e.g. {"sex": {"0": "male", "1": "female"}}',
                ("gender", "geschlecht", "sexe"),
            ),
            Field(
                "group",
                "category",
                False,
                "diagnosis group (e.g. PD / control); without it everyone is analysed as one cohort",
                ("diagnosis", "cohort", "arm", "status"),
            ),
            Field("age_at_onset", "number", False, "age at diagnosis or onset (years)", ("onset",), 0, 120),
            Field("disease_duration", "number", False, "years since diagnosis", ("duration",), 0, 100),
            Field("hy", "number", False, "Hoehn & Yahr stage (0-5)", ("hoehn_yahr", "hy_stage"), 0, 5),
            Field("moca", "number", False, "MoCA total (0-30)", ("moca_total",), 0, 30),
            Field("subtype", "category", False, "motor subtype (e.g. TD, PIGD)", ("motor_subtype",)),
            Field("carrier", "category", False, "genetic carrier status", ("mutation", "genotype")),
            Field("region", "category", False, "region of residence (a quasi-identifier)", ("canton",)),
        ),
        extras="covariates: other numeric columns are predictors of the LightGBM forecast",
        description="One row an assessment; several rows of one participant at one time are aggregated.",
        min_distinct={"subject": MIN_PARTICIPANTS},
    )


def case_control_contract() -> Contract:
    return HealthContract(
        "case_control",
        "Case-control records: several records a person, a diagnosis label and numeric features",
        fields=(
            Field(
                "subject",
                "text",
                meaning="person identifier (records of one person share it; subject_pattern can extract "
                "it from a record name)",
                aliases=SUBJECT_ALIASES,
            ),
            Field(
                "label",
                "category",
                meaning="diagnosis of the person (case or control); case_label names the case value, "
                'value_codes can map codes, e.g. {"label": {"1": "PD", "0": "control"}}',
                aliases=("status", "class", "diagnosis", "target", "pd", "y"),
            ),
            Field("age", "number", False, "age (years)", ("age_years",), 0, 120),
            Field(
                "sex",
                "category",
                False,
                'sex; codes are mapped with value_codes, e.g. {"sex": {"0": "male", "1": "female"}}',
                ("gender",),
            ),
            Field(
                "record",
                "number",
                False,
                "the record's number within a person (recording 1, 2, 3 ...): never a feature (columns that "
                "number records or rows are left out by rule too)",
                ("recording", "record_number", "recording_number", "repetition", "trial", "take"),
            ),
            Field(
                "score",
                "number",
                False,
                "a clinical score of the person (e.g. UPDRS, MoCA): Table 1 only, its mean released with "
                "differential privacy within score_range; never a feature",
                ("updrs", "motor_updrs", "moca", "clinical_score"),
            ),
        ),
        extras="features: every other numeric column",
        description="One row a record; a person contributes several records.",
        min_distinct={"label": 2, "subject": 10},
    )


CONTRACTS = {"longitudinal": longitudinal_contract(), "case_control": case_control_contract()}


def suggest_params(name: str, frame, columns: dict) -> dict:
    """Parameters `livinglab inspect` adds to the command it prints, guesses said to be ones: for longitudinal
    files the time unit, from how far the time column reaches (beyond 120: days; beyond 30: months; otherwise
    years); for case-control files ``subject_pattern`` and ``case_label`` (:func:`_case_control_params`)."""
    if name == "case_control":
        return _case_control_params(frame, columns)
    if name != "longitudinal" or "time" not in columns:
        return {}
    times = pd.to_numeric(frame[columns["time"]], errors="coerce").dropna()
    if times.empty:
        return {}
    reach = float(times.max() - max(float(times.min()), 0.0))
    return {"time_unit": "days" if reach > 120 else "months" if reach > 30 else "years"}


#: Record names that end in a recording number ('phon_R01_S01_3'): the person is the part before it.
RECORD_NAME_PATTERNS = (r"^(.*)_[0-9]+$", r"^(.*)-[0-9]+$", r"^(.*)\.[0-9]+$")


def record_name_pattern(subject: pd.Series) -> str | None:
    """The ``subject_pattern`` that takes the person out of record names, when the subject column names
    records (every value once) that end in a recording number and the pattern groups them into persons with
    about two or more records each; else None."""
    names = subject.dropna().astype("string")
    if len(names) < 4 or names.nunique() != len(names):
        return None
    for pattern in RECORD_NAME_PATTERNS:
        person = names.str.extract(pattern, expand=False)
        if person.notna().all() and person.nunique() * 1.5 <= len(names):
            return pattern
    return None


def _case_control_params(frame, columns: dict) -> dict:
    """For case-control files: ``subject_pattern`` when the subject column names records ('phon_R01_S01_3'),
    and ``case_label`` 1 when the labels are 0 and 1 (said on the page as 'cases (label 1)')."""
    guessed: dict = {}
    if "subject" in columns:
        pattern = record_name_pattern(frame[columns["subject"]])
        if pattern:
            guessed["subject_pattern"] = pattern
    if "label" in columns:
        values = set(frame[columns["label"]].dropna().astype("string").str.strip().str.removesuffix(".0"))
        if values == {"0", "1"}:
            guessed["case_label"] = "1"
    return guessed


def preflight(mode: str, params: dict) -> None:
    """Checked by the runner before any kernel starts: personal data need the pseudonymisation key."""
    if mode in ("file", "real") and len(os.environ.get("LIVINGLAB_PSEUDONYM_KEY", "")) < 16:
        raise ValueError(
            "real or partner data need a pseudonymisation key: set LIVINGLAB_PSEUDONYM_KEY to a secret of at "
            "least 16 characters (it is never written anywhere), then run again."
        )


def check_data(name: str, frame: pd.DataFrame, params: dict) -> None:
    """Checked on the whole file before any kernel starts (and again as the pilot reads it): the time unit
    and the share of implausible times (longitudinal), persons of each label for the folds (case-control).
    The sentences are ``data.py``'s and the model's, with a time unit that fits the times."""
    from livinglab.contract import ContractError

    if name == "longitudinal" and "time" in frame:
        unit = str(params.get("time_unit", "years"))
        if unit not in TIME_UNITS:
            raise ContractError(
                f"time_unit must be one of {', '.join(TIME_UNITS)}, not {unit!r}; e.g. -p time_unit "
                f"{suggest_params(name, frame, {'time': 'time'}).get('time_unit', 'days')}."
            )
        times = pd.to_numeric(frame["time"], errors="coerce").dropna() / TIME_UNITS[unit]
        implausible = float((times > MAX_YEARS_AFTER_BASELINE).mean()) if len(times) else 0.0
        if implausible > 0.05:
            guess = suggest_params(name, frame, {"time": "time"}).get("time_unit", "days")
            serials, fix = excel_serials_advice(frame["time"], unit, params.get("read_options"))
            if serials or guess == unit:
                raise ContractError(
                    serials
                    or f"{implausible:.0%} of the times are more than {MAX_YEARS_AFTER_BASELINE:g} years after "
                    f"baseline even in {unit}: does columns map 'time' to the time since each participant's "
                    "baseline (or to visit dates)?",
                    fix=fix,
                )
            raise ContractError(
                f"{implausible:.0%} of the times are more than {MAX_YEARS_AFTER_BASELINE:g} years after baseline "
                f"when read in {unit}: is time_unit right? e.g. -p time_unit {guess}."
            )
    if name == "case_control" and "label" in frame:
        values = sorted(frame["label"].dropna().astype(str).str.strip().unique().tolist())
        if len(values) > 2:
            codes = {v: ("control" if CONTROL_WORDS.match(v) else "case") for v in values}
            if len(set(codes.values())) < 2:
                codes = {v: ("control" if i == 0 else "case") for i, v in enumerate(values)}
            raise ContractError(
                f"The label column must hold exactly two values (case and control); it holds {values[:10]}; "
                "say which are cases with value_codes, e.g. -p value_codes "
                f"'{json.dumps({'label': codes}, ensure_ascii=False)}' (an example: check it)."
            )
    if (
        name == "case_control"
        and {"subject", "label"} <= set(frame.columns)
        and not params.get("subject_pattern")
    ):
        n_folds = int(params.get("n_folds", 5))
        persons = frame.dropna(subset=["subject", "label"]).groupby("label")["subject"].nunique()
        smallest = int(persons.min()) if len(persons) == 2 else 0
        if len(persons) == 2 and smallest < n_folds:
            fix = f"lower n_folds, e.g. -p n_folds {smallest}" if smallest >= 2 else "give more persons"
            raise ContractError(
                f"Subject-grouped CV with {n_folds} folds needs at least {n_folds} persons of each label; "
                f"the smaller label has {smallest} ({fix})."
            )
