"""SYNTHETIC case-control voice records in the shape of the classic voice data sets (people with PD and
controls, several recordings each, 16 voice-like measures), labelled synthetic.

Each person has a stable voice signature shared by all their recordings (features correlate strongly within
a person); the disease shifts a few measures by a person-level severity, much less than people differ from
each other. Record-wise cross-validation can therefore recognise a person it has seen and inherit their
label: it is measurably optimistic, as on real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cohort import synthetic_subject_ids

VOICE_MEASURES = (
    "f0_mean_hz",
    "f0_sd_hz",
    "jitter_pct",
    "jitter_abs_us",
    "jitter_rap",
    "shimmer_pct",
    "shimmer_db",
    "shimmer_apq5",
    "nhr",
    "hnr_db",
    "rpde",
    "dfa",
    "ppe",
    "spread1",
    "spread2",
    "d2",
)
# measures the disease shifts (in person-level SD units per unit of severity); the rest carry none
DISEASE_SHIFT = {
    "jitter_pct": 0.45,
    "shimmer_db": 0.4,
    "nhr": 0.35,
    "hnr_db": -0.45,
    "ppe": 0.5,
    "spread1": 0.3,
}


def generate_case_control(
    n_cases: int = 60,
    n_controls: int = 30,
    records_per_subject: int = 6,
    *,
    seed: int = 0,
    person_sd: float = 1.0,
    record_sd: float = 0.35,
) -> pd.DataFrame:
    """SYNTHETIC case-control voice records: ``subject``, ``status`` (1 = PD), ``age``, ``sex`` and 16 measures.

    A person's records: signature (N(0, person_sd) per measure, correlated across measures through a
    shared "voice quality" factor) + disease shift x severity (cases only; severity ~ Gamma, mean 1) +
    age effect + recording noise (N(0, record_sd)). The number of records varies around
    ``records_per_subject`` (at least 2). Measures are put on plausible scales (positive ones
    exponentiated). Identifiers come from the health pilot's raw-id generator (a separate stream).
    """
    if n_cases < 2 or n_controls < 2:
        raise ValueError("n_cases and n_controls must be at least 2 each.")
    rng = np.random.default_rng([seed, 4242])
    n = n_cases + n_controls
    case = np.arange(n) < n_cases
    age = np.where(case, rng.normal(66, 9, n), rng.normal(62, 10, n)).clip(35, 90)
    male = rng.random(n) < np.where(case, 0.66, 0.5)
    severity = np.where(case, rng.gamma(2.0, 0.5, n), 0.0)
    m = len(VOICE_MEASURES)
    loading = rng.uniform(0.3, 0.8, m) * rng.choice([-1, 1], m)
    quality = rng.normal(0, 1, n)
    signature = person_sd * (np.sqrt(1 - loading**2) * rng.normal(0, 1, (n, m)) + loading * quality[:, None])
    shift = np.array([DISEASE_SHIFT.get(name, 0.0) for name in VOICE_MEASURES])
    person_level = signature + severity[:, None] * shift * person_sd + 0.02 * (age - 64)[:, None]
    counts = np.maximum(rng.poisson(records_per_subject, n), 2)
    who = np.repeat(np.arange(n), counts)
    latent = person_level[who] + rng.normal(0, record_sd, (len(who), m))
    scale = {
        "f0_mean_hz": (np.where(male, 120, 200)[who], 18.0, False),
        "f0_sd_hz": (2.0, 0.35, True),
        "jitter_pct": (-0.6, 0.45, True),
        "jitter_abs_us": (3.3, 0.45, True),
        "jitter_rap": (-1.2, 0.45, True),
        "shimmer_pct": (1.0, 0.4, True),
        "shimmer_db": (-1.4, 0.4, True),
        "shimmer_apq5": (0.6, 0.4, True),
        "nhr": (-3.8, 0.8, True),
        "hnr_db": (22.0, 4.0, False),
        "rpde": (0.5, 0.08, False),
        "dfa": (0.7, 0.05, False),
        "ppe": (0.2, 0.08, False),
        "spread1": (-5.7, 1.0, False),
        "spread2": (0.23, 0.08, False),
        "d2": (2.4, 0.35, False),
    }
    columns = {}
    for k, name in enumerate(VOICE_MEASURES):
        centre, spread, positive = scale[name]
        value = centre + spread * latent[:, k]
        columns[name] = np.round(np.exp(value) if positive else value, 5)
    ids = synthetic_subject_ids(n_cases, n_controls, seed)
    return pd.DataFrame(
        {
            "subject": ids[who],
            "status": case[who].astype(int),
            "age": np.round(age[who], 0),
            "sex": np.where(male, "male", "female")[who],
            **columns,
        }
    )
