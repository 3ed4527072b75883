"""One prepared, pseudonymised data set for the health notebook, whatever the data mode and design.

``load_study`` resolves the data (the synthetic generators, the catalogue's UCI telemonitoring file, or
a partner's file given by ``data_path``/``columns``/``read_options``), prepares it (value codes,
times, duplicates: ``loaders``), and replaces subject identifiers by keyed pseudonyms *before* anything
else sees them: the raw identifiers never leave this function. For real data the pseudonymisation key
is checked first, so a missing key fails in a second, not after the analysis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

import livinglab
from livinglab.contract import ContractError, effective_data_mode, load_data
from livinglab.trust import PSEUDONYM_KEY_ENV, PseudonymKeyMissing

from .contract import TIME_UNITS, contract_for
from .loaders import (
    TELEMONITORING,
    apply_value_codes,
    patient_mask,
    prepare_case_control,
    prepare_longitudinal,
    sanitise_column_names,
)
from .privacy import pseudonymise_subjects
from .synthetic import SCORE_RANGES, generate_cohort, onset_band

DATASET_ID = "uci-parkinsons-telemonitoring"
GENERATOR = "pilots.health.synthetic.generate_cohort"
SYNTHETIC_COVARIATES = (
    "age",
    "age_at_onset",
    "disease_duration",
    "updrs1",
    "updrs2",
    "updrs4",
    "hy",
    "moca",
    "ledd",
    "sex",
    "subtype",
    "carrier",
)
OPTIONAL_NUMERIC = ("age", "age_at_onset", "disease_duration", "hy", "moca")
OPTIONAL_CATEGORIES = ("sex", "subtype", "carrier", "group")


@dataclass
class Study:
    """What the notebook analyses.

    ``data``: longitudinal: one row an assessment (``pid``, ``years``, ``score``, ``group`` and
    covariates); case-control: one row a record (``pid``, ``y`` (1 = case), ``label`` and features).
    ``notes``: sentences about the data and its preparation, fit for the public page.
    """

    design: str
    data: pd.DataFrame
    source: livinglab.DataSource
    origin: str  # "synthetic", "catalogue" or "file"
    score_label: str = ""
    score_range: tuple[float, float] | None = None
    horizon_years: float = 0.0
    horizon_text: str = "the next assessment"
    covariates: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    case_label: str = "case"
    control_label: str = "control"
    true_rates: pd.DataFrame | None = None
    subgroup_factors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    time_unit: str = "years"
    duplicates: str = "mean"
    read_notes: list[str] = field(default_factory=list)

    @property
    def is_synthetic(self) -> bool:
        return self.source.is_synthetic

    @property
    def visits(self) -> pd.DataFrame:
        return self.data

    @property
    def n_subjects(self) -> int:
        return int(self.data["pid"].nunique())

    def baseline(self) -> pd.DataFrame:
        """One row a participant: their first assessment (first record for case-control data)."""
        order = ["pid", "years"] if "years" in self.data.columns else ["pid"]
        first = self.data.sort_values(order, kind="stable").groupby("pid", sort=False).head(1)
        return first.reset_index(drop=True)

    def patients(self) -> pd.DataFrame:
        """Assessments of the people analysed for progression (everyone not in a control group)."""
        if "group" not in self.data.columns:
            return self.data
        return self.data[patient_mask(self.data["group"])]

    @property
    def group_column(self) -> str | None:
        """The column that splits Table 1 and the DP release (diagnosis group, or the label)."""
        column = "label" if self.design == "case_control" else "group"
        return column if column in self.data.columns and self.data[column].nunique() > 1 else None


def _require_key() -> None:
    if not os.environ.get(PSEUDONYM_KEY_ENV):
        raise PseudonymKeyMissing(
            f"Real data need a pseudonymisation key: set the environment variable {PSEUDONYM_KEY_ENV} "
            "to a secret of at least 16 characters before starting the notebook (it is never written anywhere)."
        )


def _score_range(value) -> tuple[float, float] | None:
    if value in (None, "", [], ()):
        return None
    return float(value[0]), float(value[1])


def load_study(
    data_mode: str = "synthetic",
    *,
    data_path: str = "",
    columns: dict | None = None,
    read_options: dict | None = None,
    design: str = "longitudinal",
    time_unit: str = "years",
    score_name: str = "",
    score_range=None,
    value_codes: dict | None = None,
    duplicates: str = "mean",
    visit_resolution: float = 0.0,
    horizon: float = 0.0,
    case_label: str = "",
    subject_pattern: str = "",
    seed: int = 0,
    n_pd: int = 200,
    n_controls: int = 100,
    max_years: int = 5,
    records_per_subject: int = 6,
) -> Study:
    """Resolve, prepare and pseudonymise the pilot's data (parameters as in the notebook)."""
    contract = contract_for({"design": design, "score_range": score_range})  # checks design, score_range
    mode = effective_data_mode(data_mode, data_path)
    if mode == "real" and design == "case_control":
        raise ContractError(
            "The catalogue has no case-control data set; give your file with -p data_path (and -p columns), "
            "or use data_mode synthetic."
        )
    if mode in ("file", "real"):
        _require_key()
    if mode in ("real", "auto") and design == "longitudinal":
        source = livinglab.resolve(DATASET_ID, mode, generator=GENERATOR)
        if not source.is_synthetic:
            _require_key()
            preset = dict(TELEMONITORING)
            loaded = load_data(str(source.path), preset["columns"], contract_for(preset), record=False)
            return _longitudinal_from_frame(
                loaded.frame,
                loaded.applied.mapping,
                source,
                "catalogue",
                time_unit=preset["time_unit"],
                score_name=score_name or preset["score_name"],
                score_range=_score_range(preset["score_range"]),
                value_codes=preset["value_codes"],
                duplicates=duplicates,
                visit_resolution=visit_resolution or preset["visit_resolution"],
                horizon=horizon or preset["horizon"],
                notes=list(loaded.notes),
                extra_note=(
                    "REAL data: UCI Parkinson's telemonitoring (people with early PD recording their voice at home "
                    "for about six months). The clinician's motor UPDRS (original UPDRS, not MDS-UPDRS) was "
                    "assessed at baseline, 3 and 6 months and linearly interpolated to each recording."
                ),
            )
    if mode == "file":
        try:
            loaded = load_data(data_path, columns or {}, contract, read_options or {})
        except ContractError as exc:
            if "(mapped to 'score') fails" in str(exc) and score_range:
                raise ContractError(
                    f"{exc} The check comes from score_range {list(score_range)}: if the score's scale is "
                    "another, correct -p score_range."
                ) from None
            raise
        if design == "case_control":
            return _case_control_from_frame(
                loaded.frame,
                loaded.applied.mapping,
                loaded.source,
                "file",
                value_codes=value_codes,
                case_label=case_label,
                subject_pattern=subject_pattern,
                notes=list(loaded.notes),
            )
        return _longitudinal_from_frame(
            loaded.frame,
            loaded.applied.mapping,
            loaded.source,
            "file",
            time_unit=time_unit,
            score_name=score_name,
            score_range=_score_range(score_range),
            value_codes=value_codes,
            duplicates=duplicates,
            visit_resolution=visit_resolution,
            horizon=horizon,
            notes=list(loaded.notes),
        )
    return _synthetic(design, seed, n_pd, n_controls, max_years, records_per_subject, horizon)


def _synthetic(design, seed, n_pd, n_controls, max_years, records_per_subject, horizon) -> Study:
    source = livinglab.resolve(DATASET_ID, "synthetic", generator=GENERATOR)
    if design == "case_control":
        from .casecontrol import generate_case_control

        frame = generate_case_control(n_pd, n_controls, records_per_subject, seed=seed)
        frame = frame.rename(columns={"status": "label"})
        prepared = prepare_case_control(frame, case_label="1")
        records = pseudonymise_subjects(prepared.frame, "subject", real=False)
        records["label"] = records["y"].map({1: "PD", 0: "control"})
        return Study(
            "case_control",
            records,
            source,
            "synthetic",
            features=prepared.frame.attrs["features"],
            case_label="PD",
            control_label="control",
            counts=prepared.counts,
            notes=[
                "SYNTHETIC data: case-control voice records generated by pilots.health.casecontrol "
                "(people with PD and controls, several recordings each, 16 voice-like measures; the disease "
                "shifts a few measures much less than people differ from each other); no real person is described."
            ],
        )
    cohort = generate_cohort(n_pd, n_controls, max_years, seed=seed)
    visits = pseudonymise_subjects(cohort.visits, "subject_id", real=False).rename(
        columns={"updrs3": "score"}
    )
    return Study(
        "longitudinal",
        visits,
        source,
        "synthetic",
        score_label="MDS-UPDRS part III",
        score_range=SCORE_RANGES["updrs3"],
        horizon_years=float(horizon),
        horizon_text=_horizon_text(float(horizon), "years"),
        covariates=list(SYNTHETIC_COVARIATES),
        true_rates=cohort.true_rates,
        subgroup_factors=["sex", "subtype", "onset_band"],
        counts={"participants": int(visits["pid"].nunique()), "assessments": len(visits)},
        notes=[
            "SYNTHETIC data: a cohort generated by pilots.health.synthetic, its baseline calibrated to published "
            "LuxPARK figures and its progression to PPMI rates (MDS-UPDRS part III); no real person is described."
        ],
    )


def _horizon_text(horizon: float, unit: str) -> str:
    if not horizon:
        return "the next assessment"
    return f"the first assessment at least {horizon:g} {unit} later"


def _longitudinal_from_frame(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    source,
    origin: str,
    *,
    time_unit: str,
    score_name: str,
    score_range,
    value_codes,
    duplicates: str,
    visit_resolution: float,
    horizon: float,
    notes: list[str],
    extra_note: str = "",
) -> Study:
    read_notes, notes = notes, ([extra_note] if extra_note else [])
    frame = frame.copy()
    coded = apply_value_codes(frame, value_codes, mapping)
    prepared = prepare_longitudinal(
        frame, time_unit=time_unit, duplicates=duplicates, visit_resolution=visit_resolution
    )
    data = prepared.frame
    score_column = mapping.get("score", "score")
    label = score_name or score_column
    if not score_name:
        notes.append(
            f"The score's name was not given (score_name): it is shown under its column name {score_column!r}."
        )
    if score_range is None:
        notes.append(
            "The score's scale was not given (score_range): its values are not range-checked and its mean is "
            "not released with differential privacy."
        )
    if "sex" in data.columns and not any(k in (value_codes or {}) for k in ("sex", mapping.get("sex"))):
        codes = sorted(data["sex"].dropna().astype(str).unique().tolist())[:4]
        if codes and not set(codes) <= {"male", "female", "m", "f", "M", "F"}:
            notes.append(
                f"Sex is coded {'/'.join(codes)} in the file and value_codes does not say what the codes mean: "
                "they are shown as codes."
            )
    extras = [
        c
        for c in data.columns
        if c not in (*mapping.keys(), "years", "visit", "subject") and pd.api.types.is_numeric_dtype(data[c])
    ]
    clean = sanitise_column_names(extras)
    data = data.rename(columns=dict(zip(extras, clean, strict=True)))
    data = pseudonymise_subjects(data, "subject", real=True)
    if "group" not in data.columns:
        data["group"] = "all participants"
    if "age_at_onset" in data.columns and "onset_band" not in data.columns:
        data["onset_band"] = onset_band(data["age_at_onset"]).astype(object).to_numpy()
    if "age" in data.columns:
        data["age_band"] = pd.cut(
            data["age"], [0, 60, 70, 200], right=False, labels=["<60", "60-69", ">=70"]
        ).astype(object)
    covariates = [c for c in (*OPTIONAL_NUMERIC, *OPTIONAL_CATEGORIES) if c in data.columns] + clean
    covariates = [c for c in covariates if c != "group" or data["group"].nunique() > 1]
    factors = [f for f in ("sex", "subtype", "onset_band", "age_band") if f in data.columns]
    return Study(
        "longitudinal",
        data,
        source,
        origin,
        score_label=label,
        score_range=score_range,
        horizon_years=float(horizon) / TIME_UNITS[time_unit],
        horizon_text=_horizon_text(float(horizon), time_unit),
        covariates=covariates,
        subgroup_factors=factors[:3],
        notes=[*notes, *[n for n in coded], *prepared.notes],
        counts=prepared.counts,
        time_unit=time_unit,
        duplicates=duplicates,
        read_notes=list(read_notes),
    )


def _case_control_from_frame(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    source,
    origin: str,
    *,
    value_codes,
    case_label: str,
    subject_pattern: str,
    notes: list[str],
) -> Study:
    frame = frame.copy()
    coded = apply_value_codes(frame, value_codes, mapping)
    prepared = prepare_case_control(frame, case_label=case_label, subject_pattern=subject_pattern)
    records = pseudonymise_subjects(prepared.frame, "subject", real=True)
    attrs = prepared.frame.attrs
    return Study(
        "case_control",
        records,
        source,
        origin,
        features=list(attrs["features"]),
        case_label=attrs["case"],
        control_label=attrs["control"],
        counts=prepared.counts,
        notes=[*coded, *prepared.notes],
        read_notes=list(notes),
    )
