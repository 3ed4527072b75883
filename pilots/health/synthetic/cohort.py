"""A synthetic longitudinal Parkinson's disease cohort with known truth (people with PD and controls).

The baseline is calibrated to the published LuxPARK figures and the annual progression to the PPMI
mixed-model rates carried in ``reference/cohort_facts.csv``; everything else (subgroup effects,
dropout, missingness, carrier frequencies, score correlations) is an assumption listed in
``CohortSpec`` and in the pilot card's caveats log. Every participant has their own UPDRS III
intercept and slope; the population mean slope of each subgroup is exposed in ``true_rates`` so an
analysis can be checked against it.

Generative model for a person with PD (t = years since the baseline visit)::

    UPDRS III(t) = a_i + b_i * t + e,   e ~ N(0, noise_updrs3)
    b_i = rate_updrs3 + effect[sex] + effect[subtype] + effect[onset band] + effect[carrier] + N(0, slope_sd)

with each factor's effects centred on the population shares, so that the mean slope of people with PD
is ``rate_updrs3`` and the mean slope of one level of a factor is ``rate_updrs3 + effect[level]``
(the factors are drawn independently). Dropout at a visit depends on the *previous* visit's observed
UPDRS III, Hoehn & Yahr stage and age (missing at random), so likelihood-based mixed models stay
unbiased; missing values of single scores are missing completely at random.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..contract import CANTONS, ONSET_BANDS, SEXES, onset_band
from .reference import fact, fact_sd

GROUPS = ("PD", "control")
SUBTYPES = ("TD", "indeterminate", "PIGD")
CARRIERS = ("none", "GBA", "LRRK2")
SUBGROUP_FACTORS = ("sex", "subtype", "onset_band", "carrier")

SCORE_RANGES = {
    "updrs1": (0, 52),
    "updrs2": (0, 52),
    "updrs3": (0, 132),
    "updrs4": (0, 24),
    "hy": (0, 5),
    "moca": (0, 30),
    "ledd": (0, 5000),
}


@dataclass(frozen=True)
class CohortSpec:
    """Parameters of the generator. Published targets come from the reference table by default."""

    # --- calibrated to published figures (reference/cohort_facts.csv) ---
    onset_mean: float = field(default_factory=lambda: fact("luxpark_pd_age_at_onset"))
    onset_sd: float = field(default_factory=lambda: fact_sd("luxpark_pd_age_at_onset"))
    male_share_pd: float = field(default_factory=lambda: fact("luxpark_pd_male") / 100)
    male_share_control: float = field(default_factory=lambda: fact("luxpark2025_hc_male") / 100)
    updrs3_mean: float = field(default_factory=lambda: fact("luxpark_pd_updrs3"))
    updrs3_sd: float = field(default_factory=lambda: fact_sd("luxpark_pd_updrs3"))
    duration_mean: float = field(default_factory=lambda: fact("luxpark_pd_duration"))
    duration_sd: float = field(default_factory=lambda: fact_sd("luxpark_pd_duration"))
    control_age_median: float = field(default_factory=lambda: fact("luxpark2025_hc_age"))
    rate_updrs3: float = field(default_factory=lambda: fact("ppmi_rate_updrs3"))
    rate_updrs1: float = field(default_factory=lambda: fact("ppmi_rate_updrs1"))
    rate_updrs2: float = field(default_factory=lambda: fact("ppmi_rate_updrs2"))
    # --- assumptions (not published figures; see the pilot card's caveats log) ---
    onset_range: tuple[float, float] = (20.0, 95.0)
    control_age_sd: float = 9.5
    updrs3_per_duration_year: float = 1.0  # baseline severity rises with disease duration
    noise_updrs3: float = 4.5  # visit-to-visit (test-retest) noise, points
    slope_sd: float = 1.0  # spread of personal slopes around the subgroup mean
    subtype_shares: tuple[float, float, float] = (0.47, 0.15, 0.38)  # TD, indeterminate, PIGD
    carrier_shares_pd: tuple[float, float, float] = (0.88, 0.10, 0.02)  # none, GBA, LRRK2
    carrier_shares_control: tuple[float, float, float] = (0.985, 0.012, 0.003)
    # raw slope effects (points/year); centred on the population shares before use
    slope_effect_sex: tuple[float, float] = (0.5, 0.0)  # male, female
    slope_effect_subtype: tuple[float, float, float] = (0.0, 0.5, 1.5)  # TD, indeterminate, PIGD
    slope_effect_onset: tuple[float, float, float] = (-0.8, 0.0, 1.0)  # <50, 50-69, >=70
    slope_effect_carrier: tuple[float, float, float] = (0.0, 0.8, -0.8)  # none, GBA, LRRK2
    dropout_pd: float = 0.07  # yearly dropout probability at average severity
    dropout_control: float = 0.05
    dropout_per_updrs3_point: float = 0.035  # log-odds per point of the previous visit's UPDRS III
    dropout_hy3: float = (
        0.0  # extra log-odds when the previous H&Y stage is >= 3 (MNAR for a UPDRS III model)
    )
    dropout_per_age_year: float = 0.0  # log-odds per year of age (MNAR for a model without age)
    full_follow_up_share: float = 0.6  # the others enrolled later (administrative censoring)
    missing_rates: dict[str, float] = field(
        default_factory=lambda: {
            "updrs1": 0.03,
            "updrs2": 0.03,
            "updrs3": 0.02,
            "updrs4": 0.05,
            "hy": 0.02,
            "moca": 0.06,
            "ledd": 0.04,
        }
    )
    missing_subtype: float = 0.03
    missing_carrier: float = 0.10  # not genotyped

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SyntheticCohort:
    """A generated cohort: ``visits`` (long format, one row a subject-visit) and its truth."""

    visits: pd.DataFrame
    true_rates: pd.DataFrame  # factor, level, share, rate (UPDRS III points/year, population mean)
    spec: CohortSpec
    seed: int

    def baseline(self) -> pd.DataFrame:
        """One row a participant: the first visit."""
        return self.visits.loc[self.visits["visit"] == 0].reset_index(drop=True)


def synthetic_subject_ids(n_pd: int, n_controls: int, seed: int) -> np.ndarray:
    """The raw identifiers ``generate_cohort(n_pd, n_controls, seed=seed)`` gives its participants.

    Deterministic in (n_pd, n_controls, seed) and drawn from their own random stream, so a test can
    regenerate them to check that none of them appears in a rendered report.
    """
    rng = np.random.default_rng([seed, 7919])
    codes = rng.choice(16**8, size=n_pd + n_controls, replace=False)
    return np.array([f"SYN-{c:08X}" for c in codes])


def _onset_truncnorm(spec: CohortSpec):
    lo, hi = spec.onset_range
    return stats.truncnorm(
        (lo - spec.onset_mean) / spec.onset_sd,
        (hi - spec.onset_mean) / spec.onset_sd,
        loc=spec.onset_mean,
        scale=spec.onset_sd,
    )


def population_shares(spec: CohortSpec) -> dict[str, dict[str, float]]:
    """Population share of each level of each subgroup factor among people with PD."""
    dist = _onset_truncnorm(spec)
    cdf = dist.cdf([50.0, 70.0])
    return {
        "sex": {"male": spec.male_share_pd, "female": 1 - spec.male_share_pd},
        "subtype": dict(zip(SUBTYPES, spec.subtype_shares, strict=True)),
        "onset_band": {"<50": cdf[0], "50-69": cdf[1] - cdf[0], ">=70": 1 - cdf[1]},
        "carrier": dict(zip(CARRIERS, spec.carrier_shares_pd, strict=True)),
    }


def centred_effects(spec: CohortSpec) -> dict[str, dict[str, float]]:
    """Slope effects per level, centred so that each factor averages to zero over the PD population."""
    shares = population_shares(spec)
    raw = {
        "sex": dict(zip(SEXES, spec.slope_effect_sex, strict=True)),
        "subtype": dict(zip(SUBTYPES, spec.slope_effect_subtype, strict=True)),
        "onset_band": dict(zip(ONSET_BANDS, spec.slope_effect_onset, strict=True)),
        "carrier": dict(zip(CARRIERS, spec.slope_effect_carrier, strict=True)),
    }
    out = {}
    for factor, effects in raw.items():
        mean = sum(shares[factor][lvl] * eff for lvl, eff in effects.items())
        out[factor] = {lvl: eff - mean for lvl, eff in effects.items()}
    return out


def true_progression_rates(spec: CohortSpec | None = None) -> pd.DataFrame:
    """Population mean annual change of UPDRS III among people with PD, overall and per subgroup."""
    spec = spec or CohortSpec()
    shares, effects = population_shares(spec), centred_effects(spec)
    rows = [{"factor": "overall", "level": "all", "share": 1.0, "rate": spec.rate_updrs3}]
    for factor in SUBGROUP_FACTORS:
        for level, eff in effects[factor].items():
            rows.append(
                {
                    "factor": factor,
                    "level": level,
                    "share": shares[factor][level],
                    "rate": spec.rate_updrs3 + eff,
                }
            )
    return pd.DataFrame(rows)


def _categorical(rng, n, levels, shares):
    return np.asarray(levels, dtype=object)[
        rng.choice(len(levels), size=n, p=np.asarray(shares) / np.sum(shares))
    ]


def _round_clip(x, name):
    lo, hi = SCORE_RANGES[name]
    return np.clip(np.floor(x + 0.5), lo, hi)


def generate_cohort(
    n_pd: int = 800,
    n_controls: int = 800,
    max_years: int = 5,
    *,
    seed: int = 0,
    spec: CohortSpec | None = None,
) -> SyntheticCohort:
    """Generate a cohort of ``n_pd`` people with PD and ``n_controls`` controls, seen yearly.

    Each participant has a baseline visit and up to ``max_years`` yearly follow-up visits (a visit
    falls within about a month of its anniversary). Returns the long table and the true rates.
    """
    for name, value, low in (("n_pd", n_pd, 2), ("n_controls", n_controls, 0), ("max_years", max_years, 1)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, not {value!r}.")
    spec = spec or CohortSpec()
    rng = np.random.default_rng(seed)
    n = n_pd + n_controls
    is_pd = np.arange(n) < n_pd
    pd_idx = np.flatnonzero(is_pd)
    hc_idx = np.flatnonzero(~is_pd)

    # ---- static characteristics -------------------------------------------------------------
    male = rng.random(n) < np.where(is_pd, spec.male_share_pd, spec.male_share_control)
    sex = np.where(male, "male", "female").astype(object)
    onset = np.full(n, np.nan)
    onset[pd_idx] = _onset_truncnorm(spec).rvs(size=n_pd, random_state=rng)
    k = (spec.duration_mean / spec.duration_sd) ** 2
    duration = np.full(n, np.nan)
    duration[pd_idx] = np.minimum(
        rng.gamma(k, spec.duration_sd**2 / spec.duration_mean, size=n_pd), 99.0 - onset[pd_idx]
    )
    age0 = np.empty(n)
    age0[pd_idx] = onset[pd_idx] + duration[pd_idx]
    age0[hc_idx] = np.clip(rng.normal(spec.control_age_median, spec.control_age_sd, size=n_controls), 35, 92)
    subtype = np.full(n, None, dtype=object)
    subtype[pd_idx] = _categorical(rng, n_pd, SUBTYPES, spec.subtype_shares)
    carrier = np.empty(n, dtype=object)
    carrier[pd_idx] = _categorical(rng, n_pd, CARRIERS, spec.carrier_shares_pd)
    carrier[hc_idx] = _categorical(rng, n_controls, CARRIERS, spec.carrier_shares_control)
    band = np.asarray(onset_band(onset).astype(object))
    weights = np.array([w for *_, w in CANTONS])
    region = _categorical(rng, n, [c for c, *_ in CANTONS], weights)

    # ---- personal trajectories (latent, noise-free) -----------------------------------------
    eff = centred_effects(spec)
    pigd = (subtype == "PIGD").astype(float)
    td = (subtype == "TD").astype(float)
    gba = (carrier == "GBA").astype(float)

    a3 = np.empty(n)
    b3 = np.empty(n)
    var_dur = (spec.updrs3_per_duration_year * spec.duration_sd) ** 2
    sd_a3 = np.sqrt(max(spec.updrs3_sd**2 - var_dur - spec.noise_updrs3**2, 1.0))
    a3[pd_idx] = np.maximum(
        spec.updrs3_mean
        + spec.updrs3_per_duration_year * (duration[pd_idx] - spec.duration_mean)
        + rng.normal(0, sd_a3, n_pd),
        2.0,
    )
    slope_mean = np.full(n_pd, spec.rate_updrs3)
    for factor, values in (("sex", sex), ("subtype", subtype), ("onset_band", band), ("carrier", carrier)):
        slope_mean += pd.Series(values[pd_idx]).map(eff[factor]).to_numpy(dtype=float)
    b3[pd_idx] = slope_mean + rng.normal(0, spec.slope_sd, n_pd)
    a3[hc_idx] = rng.gamma(1.5, 1.6, n_controls)
    b3[hc_idx] = 0.15 + rng.normal(0, 0.15, n_controls)
    noise3 = np.where(is_pd, spec.noise_updrs3, 1.5)

    a1 = np.where(is_pd, 9.0 + 0.12 * (a3 - spec.updrs3_mean) + rng.normal(0, 4.0, n), rng.gamma(1.5, 2.0, n))
    b1 = np.where(is_pd, spec.rate_updrs1 + rng.normal(0, 0.5, n), 0.1 + rng.normal(0, 0.1, n))
    a2 = np.where(
        is_pd,
        10.0 + 0.2 * (a3 - spec.updrs3_mean) + 2.0 * pigd - 1.0 * td + rng.normal(0, 4.5, n),
        rng.gamma(0.8, 1.2, n),
    )
    b2 = np.where(is_pd, spec.rate_updrs2 + rng.normal(0, 0.5, n), 0.05 + rng.normal(0, 0.05, n))
    a1, a2 = np.maximum(a1, 0), np.maximum(a2, 0)
    cog0 = np.where(
        is_pd,
        26.5 - 0.07 * (age0 - 67) - 0.6 * pigd + rng.normal(0, 2.3, n),
        27.4 - 0.05 * (age0 - spec.control_age_median) + rng.normal(0, 1.8, n),
    )
    cog_slope = np.where(
        is_pd, -0.35 - 0.8 * gba - 0.02 * (age0 - 67) + rng.normal(0, 0.3, n), -0.1 + rng.normal(0, 0.1, n)
    )
    treat_start = rng.gamma(1.2, 1.0, n)  # years after onset when dopaminergic treatment starts
    ledd_scale = np.exp(rng.normal(0, 0.25, n))

    # ---- the visit grid: n x (max_years + 1) -------------------------------------------------
    n_vis = max_years + 1
    visit = np.broadcast_to(np.arange(n_vis), (n, n_vis))
    jitter = np.clip(rng.normal(0, 1 / 12, (n, n_vis)), -0.2, 0.2)
    jitter[:, 0] = 0.0
    years = visit + jitter
    dur_t = duration[:, None] + years
    age_t = age0[:, None] + years

    def noisy(a, b, sd, name):  # personal line + visit noise (sd per participant), rounded to the scale
        return _round_clip(a[:, None] + b[:, None] * years + rng.normal(0, 1, (n, n_vis)) * sd[:, None], name)

    updrs3_true = a3[:, None] + b3[:, None] * years
    updrs3 = _round_clip(updrs3_true + rng.normal(0, 1, (n, n_vis)) * noise3[:, None], "updrs3")
    updrs1 = noisy(a1, b1, np.where(is_pd, 2.0, 1.2), "updrs1")
    updrs2 = noisy(a2, b2, np.where(is_pd, 2.0, 0.8), "updrs2")
    updrs4 = np.where(
        is_pd[:, None],
        _round_clip(-1.5 + 0.45 * np.nan_to_num(dur_t) + rng.normal(0, 1.8, (n, n_vis)), "updrs4"),
        0.0,
    )
    hy_latent = 0.9 + updrs3_true / 28 + (0.35 * pigd - 0.15 * td)[:, None] + rng.normal(0, 0.3, (n, n_vis))
    hy = np.where(is_pd[:, None], np.clip(np.floor(hy_latent + 0.5), 1, 5), 0.0)
    moca = _round_clip(cog0[:, None] + cog_slope[:, None] * years + rng.normal(0, 1.2, (n, n_vis)), "moca")
    on_treatment = is_pd[:, None] & (np.nan_to_num(dur_t) > treat_start[:, None])
    ledd = np.where(
        on_treatment,
        25
        * np.floor(
            (200 + 75 * (np.nan_to_num(dur_t) - treat_start[:, None])) * ledd_scale[:, None] / 25 + 0.5
        ),
        0.0,
    )

    # ---- follow-up: staggered enrolment and severity-dependent dropout (MAR) -----------------
    full = rng.random(n) < spec.full_follow_up_share
    horizon = np.where(full, max_years, rng.integers(1, max_years + 1, n))
    present = np.zeros((n, n_vis), dtype=bool)
    present[:, 0] = True
    base_logit = np.log(
        np.where(is_pd, spec.dropout_pd, spec.dropout_control)
        / (1 - np.where(is_pd, spec.dropout_pd, spec.dropout_control))
    )
    for v in range(1, n_vis):  # one step per visit (at most max_years), vectorised over participants
        prev = v - 1
        logit = (
            base_logit
            + is_pd * spec.dropout_per_updrs3_point * (updrs3[:, prev] - spec.updrs3_mean)
            + spec.dropout_hy3 * (hy[:, prev] >= 3)
            + spec.dropout_per_age_year * (age_t[:, prev] - 67)
        )
        stays = rng.random(n) >= 1 / (1 + np.exp(-logit))
        present[:, v] = present[:, prev] & stays & (v <= horizon)

    rows, cols = np.nonzero(present)
    ids = synthetic_subject_ids(n_pd, n_controls, seed)
    visits = pd.DataFrame(
        {
            "subject_id": ids[rows],
            "group": np.where(is_pd, "PD", "control")[rows],
            "visit": cols.astype(int),
            "years": np.round(years[rows, cols], 3),
            "sex": sex[rows],
            "age": np.round(age_t[rows, cols], 1),
            "age_at_onset": np.round(onset[rows], 1),
            "onset_band": band[rows],
            "disease_duration": np.round(dur_t[rows, cols], 2),
            "subtype": subtype[rows],
            "carrier": carrier[rows],
            "region": region[rows],
            "updrs1": updrs1[rows, cols],
            "updrs2": updrs2[rows, cols],
            "updrs3": updrs3[rows, cols],
            "updrs4": updrs4[rows, cols],
            "hy": hy[rows, cols],
            "moca": moca[rows, cols],
            "ledd": ledd[rows, cols],
        }
    )

    # ---- missing values (MCAR) ----------------------------------------------------------------
    m = len(visits)
    for col, rate in spec.missing_rates.items():
        visits.loc[rng.random(m) < rate, col] = np.nan
    subj_missing_subtype = rng.random(n) < spec.missing_subtype
    subj_missing_carrier = rng.random(n) < spec.missing_carrier
    visits.loc[subj_missing_subtype[rows] & is_pd[rows], "subtype"] = None
    visits.loc[subj_missing_carrier[rows], "carrier"] = None
    visits["updrs_total"] = visits[["updrs1", "updrs2", "updrs3", "updrs4"]].sum(axis=1, min_count=4)
    for col in ("sex", "group", "subtype", "carrier", "region"):
        visits[col] = visits[col].astype("object")
    return SyntheticCohort(visits=visits, true_rates=true_progression_rates(spec), spec=spec, seed=seed)
