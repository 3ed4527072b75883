"""One prepared, pseudonymised data set for the health notebook, whatever the data mode.

``load_study`` resolves the data (synthetic generator, the UCI telemonitoring file, or a user's
long-format cohort), validates it, and replaces subject identifiers by keyed pseudonyms *before*
anything else sees them: the raw identifiers never leave this function. In real-data mode the
pseudonymisation key is checked first, so a missing key fails in a second, not after the analysis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import livinglab
from livinglab.trust import PSEUDONYM_KEY_ENV, PseudonymKeyMissing

from .loaders import load_long_cohort, load_telemonitoring
from .privacy import pseudonymise_subjects
from .synthetic import generate_cohort, onset_band

DATASET_ID = "uci-parkinsons-telemonitoring"
GENERATOR = "pilots.health.synthetic.generate_cohort"
# a user's cohort file must name these (age and sex are quasi-identifiers the release step needs)
COHORT_FILE_FIELDS = ("subject", "time", "updrs3", "age", "sex")


@dataclass
class Study:
    """What the notebook analyses. ``visits`` is long format with pseudonymised ``pid``."""

    visits: pd.DataFrame
    kind: str  # "cohort" (synthetic or a long-format file) or "telemonitoring"
    source: livinglab.DataSource
    outcome: str  # "updrs3" or "motor_updrs"
    outcome_label: str
    true_rates: pd.DataFrame | None = None
    subgroup_factors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_synthetic(self) -> bool:
        return self.source.is_synthetic

    @property
    def n_subjects(self) -> int:
        return int(self.visits["pid"].nunique())

    def baseline(self) -> pd.DataFrame:
        """One row a participant: their first visit (first recording for telemonitoring)."""
        first = self.visits.sort_values(["pid", "years"], kind="stable").groupby("pid", sort=False).head(1)
        return first.reset_index(drop=True)

    def patients(self) -> pd.DataFrame:
        """Visits of people with PD only (everyone in the telemonitoring data has PD)."""
        return self.visits[self.visits["group"] == "PD"] if "group" in self.visits.columns else self.visits


def _require_key() -> None:
    if not os.environ.get(PSEUDONYM_KEY_ENV):
        raise PseudonymKeyMissing(
            f"Real-data mode needs a pseudonymisation key: set the environment variable {PSEUDONYM_KEY_ENV} "
            "to a secret of at least 16 characters before starting the notebook (it is never written anywhere)."
        )


def load_study(
    data_mode: str = "synthetic",
    *,
    seed: int = 0,
    n_pd: int = 800,
    n_controls: int = 800,
    max_years: int = 5,
    cohort_path: str = "",
    cohort_columns: dict | None = None,
    time_unit: str = "years",
) -> Study:
    """Resolve, validate and pseudonymise the pilot's data.

    - ``synthetic``: the calibrated generator (``n_pd``, ``n_controls``, ``max_years``, ``seed``).
    - ``real`` with ``cohort_path``: a long-format cohort file read through ``cohort_columns``.
    - ``real`` without it (or ``auto`` when reachable): the UCI telemonitoring data from the catalogue.
    """
    if data_mode not in ("synthetic", "real", "auto"):
        raise ValueError(f"data_mode must be 'synthetic', 'real' or 'auto', not {data_mode!r}.")
    if data_mode == "real":
        _require_key()
    if data_mode != "synthetic" and cohort_path:
        path = Path(cohort_path)
        if not path.exists():
            raise FileNotFoundError(f"cohort_path {path} does not exist.")
        _require_key()
        frame = load_long_cohort(path, cohort_columns or {}, time_unit=time_unit, required=COHORT_FILE_FIELDS)
        sha = livinglab.catalog.sha256_of(path)
        from livinglab.recording import record_source

        record_source(
            path.name,
            "file",
            path=str(path),
            sha256=sha,
            synthetic=False,
            detail="long-format cohort loaded through a column mapping",
        )
        source = livinglab.DataSource(path.name, "file", path, sha, "user cohort file")
        visits = pseudonymise_subjects(frame, "subject", real=True)
        if "age_at_onset" in visits.columns and "onset_band" not in visits.columns:
            visits["onset_band"] = onset_band(visits["age_at_onset"]).astype(object).to_numpy()
        factors = [f for f in ("sex", "subtype", "onset_band") if f in visits.columns]
        return Study(visits, "cohort", source, "updrs3", "MDS-UPDRS part III", None, factors)

    source = livinglab.resolve(DATASET_ID, data_mode, generator=GENERATOR)
    if source.is_synthetic:
        cohort = generate_cohort(n_pd, n_controls, max_years, seed=seed)
        visits = pseudonymise_subjects(cohort.visits, "subject_id", real=False)
        return Study(
            visits,
            "cohort",
            source,
            "updrs3",
            "MDS-UPDRS part III",
            cohort.true_rates,
            ["sex", "subtype", "onset_band"],
            notes=[
                "SYNTHETIC data: generated by pilots.health.synthetic, calibrated to published "
                "LuxPARK and PPMI figures; no real person is described."
            ],
        )
    _require_key()
    frame = load_telemonitoring(source.path)
    visits = pseudonymise_subjects(frame, "subject", real=True)
    visits["group"] = "PD"
    visits["age_band"] = pd.cut(
        visits["age"], [0, 60, 70, 200], right=False, labels=["<60", "60-69", ">=70"]
    ).astype(object)
    return Study(
        visits,
        "telemonitoring",
        source,
        "motor_updrs",
        "UPDRS motor score (interpolated)",
        None,
        ["sex", "age_band"],
        notes=[
            "REAL data: UCI Parkinson's telemonitoring (42 people with early PD, voice recordings "
            "at home over about six months). Scores were assessed at baseline, 3 and 6 months and "
            "linearly interpolated to each recording."
        ],
    )
