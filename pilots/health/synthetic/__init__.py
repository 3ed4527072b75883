"""The health pilot's SYNTHETIC stand-ins, one per design, labelled synthetic everywhere.

- :func:`make_longitudinal` (design ``longitudinal``): a cohort of people with PD and controls seen yearly
  (:mod:`.cohort`), its baseline calibrated to published LuxPARK figures and its progression to PPMI rates
  (:mod:`.reference`), with known true rates (:func:`true_progression_rates`);
- :func:`make_case_control` (design ``case_control``): voice-like records, several a person (:mod:`.voice`).

Each takes the run's parameters and returns a frame in its design's contract names (``contract.py``), with
the generator's extra columns; ``livinglab.load`` checks it against the contract like a partner's file.
Deterministic in ``params["seed"]``.
"""

from __future__ import annotations

import pandas as pd

from .cohort import (
    SCORE_RANGES,
    CohortSpec,
    SyntheticCohort,
    generate_cohort,
    synthetic_subject_ids,
    true_progression_rates,
)
from .reference import cohort_facts
from .voice import generate_case_control

__all__ = [
    "SCORE_RANGES",
    "CohortSpec",
    "SyntheticCohort",
    "calibration_comparison",
    "generate_case_control",
    "generate_cohort",
    "make_case_control",
    "make_longitudinal",
    "synthetic_subject_ids",
    "true_progression_rates",
]

#: the other settings of the held-out generation (the forecast scored on a cohort it never saw)
HELD_OUT_SPEC = {"rate_updrs3": 3.2, "noise_updrs3": 5.5, "slope_sd": 1.4, "dropout_pd": 0.1}
HELD_OUT_SETTINGS = (
    "UPDRS III rate 3.2 points/year (not 2.4), visit noise SD 5.5 (not 4.5), personal-slope SD 1.4 (not 1.0), "
    "yearly dropout 10% (not 7%)"
)
#: what the synthetic longitudinal score is, for the pages (its scale is SCORE_RANGES["updrs3"])
SCORE_NAME = "MDS-UPDRS part III"


def _longitudinal_frame(cohort: SyntheticCohort) -> pd.DataFrame:
    """A generated cohort in the longitudinal contract's names (time in years)."""
    frame = cohort.visits.drop(columns=["updrs_total"]).rename(
        columns={"subject_id": "subject", "years": "time", "updrs3": "score"}
    )
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    return frame.astype(dict.fromkeys(numeric, "float64"))


def make_longitudinal(params: dict) -> pd.DataFrame:
    """SYNTHETIC longitudinal cohort: ``n_pd`` people with PD and ``n_controls`` controls, yearly visits up
    to ``max_years`` (MDS-UPDRS I-IV, Hoehn & Yahr, MoCA, LEDD, subtype, carrier, region)."""
    cohort = generate_cohort(
        int(params["n_pd"]), int(params["n_controls"]), int(params["max_years"]), seed=int(params["seed"])
    )
    frame = _longitudinal_frame(cohort)
    frame.attrs["generator"] = (
        "synthetic.make_longitudinal (a cohort calibrated to published LuxPARK figures, progression at PPMI "
        "rates, MDS-UPDRS part III as the score)"
    )
    return frame


def make_held_out(n_pd: int, max_years: int, seed: int) -> pd.DataFrame:
    """SYNTHETIC people with PD drawn with other generator settings (:data:`HELD_OUT_SPEC`), another seed:
    the cohort the forecast is scored on after fitting on the run's own cohort."""
    spec = CohortSpec(**HELD_OUT_SPEC)
    return _longitudinal_frame(generate_cohort(n_pd, 0, max_years, seed=seed + 1000, spec=spec))


def make_case_control(params: dict) -> pd.DataFrame:
    """SYNTHETIC case-control voice records: ``n_pd`` people with PD and ``n_controls`` controls, about
    ``records_per_subject`` recordings each, 16 voice-like measures, the label PD / control."""
    records = generate_case_control(
        int(params["n_pd"]),
        int(params["n_controls"]),
        int(params["records_per_subject"]),
        seed=int(params["seed"]),
    )
    frame = records.rename(columns={"status": "label"})
    frame["label"] = frame["label"].map({1: "PD", 0: "control"})
    frame.attrs["generator"] = (
        "synthetic.make_case_control (voice-like records of people with PD and controls, several a person; "
        "the disease shifts a few measures much less than people differ)"
    )
    return frame


def calibration_comparison(baseline: pd.DataFrame) -> pd.DataFrame:
    """The synthetic cohort's baseline figures (one row a participant, the score as ``score``) beside the
    published ones they were calibrated to, with their sources."""
    facts = cohort_facts()
    pdb, hc = baseline[baseline["group"] == "PD"], baseline[baseline["group"] == "control"]
    rows = [
        ("luxpark_pd_age_at_onset", "PD age at onset, mean", pdb["age_at_onset"].mean(), "value"),
        ("luxpark_pd_age_at_onset", "PD age at onset, SD", pdb["age_at_onset"].std(), "sd"),
        ("luxpark_pd_male", "PD male, %", 100 * (pdb["sex"] == "male").mean(), "value"),
        ("luxpark_pd_updrs3", "PD MDS-UPDRS III, mean", pdb["score"].mean(), "value"),
        ("luxpark_pd_updrs3", "PD MDS-UPDRS III, SD", pdb["score"].std(), "sd"),
        ("luxpark_pd_duration", "PD disease duration, mean", pdb["disease_duration"].mean(), "value"),
        ("luxpark_pd_duration", "PD disease duration, SD", pdb["disease_duration"].std(), "sd"),
        ("luxpark_pd_early_onset", "PD onset before 50, %", 100 * (pdb["age_at_onset"] < 50).mean(), "value"),
        ("luxpark2025_pd_moca", "PD MoCA, median", pdb["moca"].median(), "value"),
        ("luxpark2025_pd_hy", "PD Hoehn & Yahr, median", pdb["hy"].median(), "value"),
        ("luxpark2025_pd_age", "PD age at baseline, median", pdb["age"].median(), "value"),
    ]
    if len(hc):
        rows += [
            ("luxpark2025_hc_age", "Control age, median", hc["age"].median(), "value"),
            ("luxpark2025_hc_male", "Control male, %", 100 * (hc["sex"] == "male").mean(), "value"),
            ("luxpark2025_hc_updrs3", "Control MDS-UPDRS III, median", hc["score"].median(), "value"),
        ]
    return pd.DataFrame(
        [
            {
                "figure": label,
                "published": float(facts.at[fid, col]),
                "synthetic": round(float(val), 2),
                "source": facts.at[fid, "source"],
            }
            for fid, label, val, col in rows
        ]
    )
