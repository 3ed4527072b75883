"""Mixed-effects progression: the model recovers the generator's true rates."""

import numpy as np
import pandas as pd
import pytest

from pilots.health.model.progression import fit_progression, progression_by, progression_table
from pilots.health.synthetic import generate_cohort

SEEDS = range(8)


def _true_rate(cohort, factor="overall", level="all") -> float:
    rates = cohort.true_rates
    return float(rates.loc[(rates["factor"] == factor) & (rates["level"] == level), "rate"].iloc[0])


def _pd_visits(seed, n=250):
    cohort = generate_cohort(n, 0, seed=seed)
    return cohort.visits.rename(columns={"subject_id": "pid"}), cohort


@pytest.fixture(scope="module")
def fits():
    out = []
    for seed in SEEDS:
        visits, cohort = _pd_visits(seed)
        out.append((fit_progression(visits), _true_rate(cohort)))
    return out


def test_true_slope_inside_the_95_ci_in_most_seeds(fits):
    covered = [f.estimate.ci_low <= truth <= f.estimate.ci_high for f, truth in fits]
    # nominal 95%; in simulation with severity-dependent dropout the Wald interval covers ~85-90%
    assert sum(covered) >= 6, covered
    assert all(f.estimate.converged for f, _ in fits)


def test_estimates_are_unbiased_across_seeds(fits):
    slopes = np.array([f.slope for f, _ in fits])
    assert slopes.mean() == pytest.approx(2.4, abs=0.2)
    widths = np.array([f.estimate.ci_high - f.estimate.ci_low for f, _ in fits])
    assert (widths > 0.2).all() and (widths < 1.5).all()
    assert all(0.5 < f.slope_sd < 3.0 for f, _ in fits)  # true personal-slope SD is about 1.3


def test_subgroup_rates_recovered():
    visits, cohort = _pd_visits(5, n=700)
    table = progression_table(visits, ["subtype", "onset_band"], true_rates=cohort.true_rates)
    sub = table[table["factor"] != "overall"]
    assert sub["covered"].mean() >= 0.8, sub
    slope = sub.set_index("level")["slope"]
    assert slope["PIGD"] > slope["TD"] + 0.5  # true difference 1.5 points/year
    assert slope[">=70"] > slope["<50"] + 0.5  # true difference 1.8 points/year
    assert set(table.columns) >= {"factor", "level", "slope", "ci_low", "ci_high", "n_subjects", "true_slope"}


def test_predict_mean_and_small_levels_dropped():
    visits, _ = _pd_visits(1, n=120)
    fit = fit_progression(visits)
    curve = fit.predict_mean(np.array([0.0, 5.0]))
    assert curve["mean"].iloc[1] - curve["mean"].iloc[0] == pytest.approx(5 * fit.slope)
    assert (curve["low"] < curve["mean"]).all() and (curve["high"] > curve["mean"]).all()
    levels = {e.level for e in progression_by(visits, "carrier", min_subjects=20)}
    assert "none" in levels and "LRRK2" not in levels  # about 2 of 120 carry LRRK2


def test_clear_errors():
    visits, _ = _pd_visits(0, n=30)
    with pytest.raises(ValueError, match="lacks column"):
        fit_progression(visits.drop(columns=["updrs3"]))
    with pytest.raises(ValueError, match="at least 5 participants"):
        fit_progression(visits[visits["pid"].isin(visits["pid"].unique()[:3])])
    assert fit_progression(pd.concat([visits])).estimate.n_subjects == visits["pid"].nunique()


def test_the_intervals_are_95_percent_wald_intervals_not_90(fits):
    """Coverage simulations of a mixed model take minutes; the interval's construction is checked exactly
    instead: half-width = 1.96 standard errors (a 90% interval would be 1.645), for the slope and for the
    fitted mean trajectory."""
    for fit, _ in fits[:3]:
        se = float(fit.result.bse["_years"])
        assert (fit.estimate.ci_high - fit.estimate.slope) / se == pytest.approx(1.959964, rel=1e-4)
        assert (fit.estimate.slope - fit.estimate.ci_low) / se == pytest.approx(1.959964, rel=1e-4)
        curve = fit.predict_mean(np.array([0.0]))
        se0 = float(fit.result.bse["Intercept"])
        assert (curve["high"].iloc[0] - curve["mean"].iloc[0]) / se0 == pytest.approx(1.96, rel=1e-3)
