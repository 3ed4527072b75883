"""The health pilot's data contracts: what a partner's file must hold for each study design.

- ``longitudinal``: repeated assessments of an outcome score per participant (one row an assessment,
  several rows may share a participant and a time: they are aggregated by the ``duplicates`` rule).
  The score's name and scale come from the parameters ``score_name`` and ``score_range``, never
  assumed; ``time`` is in ``time_unit`` (years, months, weeks or days) since the participant's baseline.
- ``case_control``: records (e.g. voice recordings) of people with a diagnosis label, several records a
  person; every other numeric column is a feature.

Chosen by the ``design`` parameter. Standalone: imports only livinglab and pandas (the runner loads it
by file path to check a file before any kernel starts).
"""

from __future__ import annotations

import re
import unicodedata

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
DESIGNS = ("longitudinal", "case_control")


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


def _tokens(column: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(column))
    return {_norm(t) for t in re.split(r"[^0-9A-Za-zÀ-ÿ]+", spaced) if t}


def _named_like(f: Field, column: str) -> bool:
    """The column is the field's name or an alias, has it as a word, or contains a long one (>= 5 letters)."""
    col, words = _norm(column), _tokens(column)
    names = [n for n in (_norm(f.name), *(_norm(a) for a in f.aliases)) if n]
    return any(col == n or n in words or (len(n) >= 5 and n in col) for n in names)


def longitudinal_contract(score_range=None) -> Contract:
    """The longitudinal contract; ``score_range`` ([min, max] of the score's scale) bounds ``score``."""
    low, high = (float(score_range[0]), float(score_range[1])) if score_range else (None, None)
    scale = f" ({low:g}-{high:g}, from score_range)" if score_range else " (give its scale with score_range)"
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
                "(years, months, weeks or days); negative and implausible times are dropped and counted",
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
                ),
            ),
            Field(
                "score",
                "number",
                meaning=f"the outcome score analysed; its name from score_name{scale}",
                aliases=("updrs3", "motor_updrs", "np3tot", "updrs_iii", "outcome"),
                minimum=low,
                maximum=high,
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
        ),
        extras="features: every other numeric column",
        description="One row a record; a person contributes several records.",
    )


CONTRACTS = {"longitudinal": longitudinal_contract(), "case_control": case_control_contract()}
PARAMS_FOR = {"longitudinal": {"design": "longitudinal"}, "case_control": {"design": "case_control"}}


def contract_for(params: dict) -> Contract:
    """The contract the run's ``design`` selects (``score_range`` bounds the longitudinal score)."""
    design = str(params.get("design") or "longitudinal")
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {', '.join(DESIGNS)}, not {design!r}; set -p design.")
    if design == "case_control":
        return CONTRACTS["case_control"]
    score_range = params.get("score_range") or None
    if score_range is not None:
        if isinstance(score_range, str):
            import json

            score_range = json.loads(score_range)
        if not (
            isinstance(score_range, (list, tuple))
            and len(score_range) == 2
            and all(isinstance(v, (int, float)) for v in score_range)
            and score_range[0] < score_range[1]
        ):
            raise ValueError(
                f"score_range must be [min, max] of the score's scale, e.g. [0, 108], not {score_range!r}; "
                "set -p score_range '[0, 108]'."
            )
    return longitudinal_contract(score_range)


def suggest_params(name: str, frame, columns: dict) -> dict:
    """Parameters `livinglab inspect` adds to the command it prints: the time unit, guessed from how far the
    time column reaches (beyond 120: days; beyond 30: months; otherwise years). A guess, said to be one."""
    import pandas as pd

    if name != "longitudinal" or "time" not in columns:
        return {}
    times = pd.to_numeric(frame[columns["time"]], errors="coerce").dropna()
    if times.empty:
        return {}
    reach = float(times.max() - max(float(times.min()), 0.0))
    return {"time_unit": "days" if reach > 120 else "months" if reach > 30 else "years"}


def preflight(mode: str, params: dict) -> None:
    """Checked by the runner before any kernel starts: personal data need the pseudonymisation key."""
    import os

    if (
        mode in ("file", "real", "auto")
        and len(os.environ.get("LIVINGLAB_PSEUDONYM_KEY", "")) < 16
        and mode != "auto"
    ):
        raise ValueError(
            "real or partner data need a pseudonymisation key: set LIVINGLAB_PSEUDONYM_KEY to a secret of at "
            "least 16 characters (it is never written anywhere), then run again."
        )
