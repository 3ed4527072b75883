"""Disease progression with linear mixed-effects models (statsmodels MixedLM).

``outcome ~ years`` with a random intercept and a random slope per participant: the fixed slope is the
population's mean annual change, with a Wald 95% confidence interval. Per subgroup, one model a
factor with a separate intercept and slope per level (``0 + C(level) + C(level):years``), so each
level's annual change and its interval are read off directly. Fitted by REML with L-BFGS (fast and
stable at cohort sizes); the model's convergence is reported, not hidden.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from livinglab.threads import limit_threads

MIN_SUBJECTS = 5


@dataclass(frozen=True)
class SlopeEstimate:
    factor: str
    level: str
    slope: float
    ci_low: float
    ci_high: float
    n_subjects: int
    n_visits: int
    converged: bool

    def as_dict(self) -> dict:
        return {
            "factor": self.factor,
            "level": self.level,
            "slope": self.slope,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n_subjects": self.n_subjects,
            "n_visits": self.n_visits,
            "converged": self.converged,
        }


@dataclass
class ProgressionFit:
    """The overall model: its slope estimate and what the plots need."""

    estimate: SlopeEstimate
    intercept: float
    intercept_ci: tuple[float, float]
    slope_sd: float  # SD of personal slopes (random-slope variance), points/year
    residual_sd: float
    result: object  # the statsmodels MixedLMResults

    @property
    def slope(self) -> float:
        return self.estimate.slope

    def predict_mean(self, years: np.ndarray) -> pd.DataFrame:
        """Population-mean trajectory with a pointwise 95% CI for the fixed part."""
        years = np.asarray(years, dtype=float)
        fe = self.result.fe_params
        cov = self.result.cov_params().loc[fe.index, fe.index].to_numpy()
        design = np.column_stack([np.ones_like(years), years])
        mean = design @ fe.to_numpy()
        se = np.sqrt(np.einsum("ij,jk,ik->i", design, cov, design))
        return pd.DataFrame({"years": years, "mean": mean, "low": mean - 1.96 * se, "high": mean + 1.96 * se})


def _prepare(
    visits: pd.DataFrame, outcome: str, subject: str, time: str, extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    missing = [c for c in (outcome, subject, time, *extra) if c not in visits.columns]
    if missing:
        raise ValueError(
            f"The visits table lacks column(s) {', '.join(missing)} needed for the progression model."
        )
    data = visits[[subject, time, outcome, *extra]].dropna(subset=[outcome, time])
    n_subj = data[subject].nunique()
    if n_subj < MIN_SUBJECTS:
        raise ValueError(
            f"A progression model needs at least {MIN_SUBJECTS} participants with {outcome}; got {n_subj}."
        )
    return data.rename(columns={subject: "_subject", time: "_years", outcome: "_y"})


def _moment_start(data: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Rough random-effects covariance (relative to the residual variance) from per-participant
    least-squares lines; a good start makes MixedLM converge in a few iterations instead of dozens."""
    g = data.groupby("_subject")
    t_mean = g["_years"].transform("mean")
    y_mean = g["_y"].transform("mean")
    sxx = ((data["_years"] - t_mean) ** 2).groupby(data["_subject"]).sum()
    sxy = ((data["_years"] - t_mean) * (data["_y"] - y_mean)).groupby(data["_subject"]).sum()
    count = g.size()
    ok = (count >= 3) & (sxx > 1e-6)
    if ok.sum() < 3:
        var_y = float(data["_y"].var()) or 1.0
        return np.diag([0.5, 0.05]), var_y / 2
    slope = sxy / sxx.where(ok)
    resid = data["_y"] - y_mean - slope.reindex(data["_subject"]).to_numpy() * (data["_years"] - t_mean)
    s2 = float((resid[ok.reindex(data["_subject"]).to_numpy()] ** 2).sum() / (count[ok] - 2).sum())
    s2 = max(s2, 1e-6)
    intercept = g["_y"].mean() - slope * g["_years"].mean()
    var_b = max(
        float(slope[ok].var()) - s2 * float((1 / sxx[ok]).mean()), 0.05 * float(slope[ok].var()), 1e-4
    )
    var_a = max(float(intercept[ok].var()) - s2, 0.05 * float(intercept[ok].var()), 1e-4)
    return np.diag([var_a, var_b]) / s2, s2


def _fit(formula: str, data: pd.DataFrame, reml: bool = True):
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    model = smf.mixedlm(formula, data, groups=data["_subject"], re_formula="~_years")
    cov_re, _ = _moment_start(data)
    fe_start = smf.ols(formula, data).fit().params.reindex(model.exog_names).fillna(0.0).to_numpy()
    start = MixedLMParams.from_components(fe_start, cov_re=cov_re)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        result = model.fit(reml=reml, method=["lbfgs", "bfgs"], maxiter=300, start_params=start)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return result, bool(result.converged) and not warned


@limit_threads(1)  # one thread: at these sizes as fast, and no spinning pools on busy cores
def fit_progression(
    visits: pd.DataFrame, outcome: str = "updrs3", *, subject: str = "pid", time: str = "years"
) -> ProgressionFit:
    """Random intercept + random slope model of ``outcome`` over ``time`` (years)."""
    data = _prepare(visits, outcome, subject, time)
    result, ok = _fit("_y ~ _years", data)
    ci = result.conf_int().loc[["Intercept", "_years"]]
    cov_re = result.cov_re
    slope_var = float(cov_re.iloc[1, 1]) if cov_re.shape[0] > 1 else float("nan")
    est = SlopeEstimate(
        "overall",
        "all",
        float(result.fe_params["_years"]),
        float(ci.loc["_years", 0]),
        float(ci.loc["_years", 1]),
        int(data["_subject"].nunique()),
        len(data),
        ok,
    )
    return ProgressionFit(
        est,
        float(result.fe_params["Intercept"]),
        (float(ci.loc["Intercept", 0]), float(ci.loc["Intercept", 1])),
        float(np.sqrt(max(slope_var, 0.0))),
        float(np.sqrt(result.scale)),
        result,
    )


@limit_threads(1)  # one thread: at these sizes as fast, and no spinning pools on busy cores
def progression_by(
    visits: pd.DataFrame,
    factor: str,
    outcome: str = "updrs3",
    *,
    subject: str = "pid",
    time: str = "years",
    min_subjects: int = 20,
) -> list[SlopeEstimate]:
    """Annual change per level of ``factor`` from one model with a slope per level.

    Levels with fewer than ``min_subjects`` participants are left out (too few to estimate a slope
    and, in a release, a small cell); participants with the factor missing are left out.
    """
    data = _prepare(visits, outcome, subject, time, extra=(factor,)).dropna(subset=[factor])
    data["_level"] = data[factor].astype(str)
    sizes = data.groupby("_level")["_subject"].nunique()
    keep = sizes.index[sizes >= min_subjects]
    data = data[data["_level"].isin(keep)]
    if len(keep) == 0:
        return []
    if len(keep) == 1:
        fit = fit_progression(
            data.rename(columns={"_subject": subject, "_years": time, "_y": outcome}),
            outcome,
            subject=subject,
            time=time,
        )
        e = fit.estimate
        return [
            SlopeEstimate(
                factor, keep[0], e.slope, e.ci_low, e.ci_high, e.n_subjects, e.n_visits, e.converged
            )
        ]
    result, ok = _fit("_y ~ 0 + C(_level) + C(_level):_years", data)
    ci = result.conf_int()
    out = []
    for level in keep:
        name = f"C(_level)[{level}]:_years"
        sub = data["_level"] == level
        out.append(
            SlopeEstimate(
                factor,
                str(level),
                float(result.fe_params[name]),
                float(ci.loc[name, 0]),
                float(ci.loc[name, 1]),
                int(data.loc[sub, "_subject"].nunique()),
                int(sub.sum()),
                ok,
            )
        )
    return out


def progression_table(
    visits: pd.DataFrame,
    factors: list[str],
    outcome: str = "updrs3",
    *,
    subject: str = "pid",
    time: str = "years",
    overall: ProgressionFit | None = None,
    min_subjects: int = 20,
    true_rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Overall and per-subgroup annual change in one table; with ``true_rates`` (synthetic data) the
    generator's true rate and whether the 95% CI covers it are added."""
    overall = overall or fit_progression(visits, outcome, subject=subject, time=time)
    rows = [overall.estimate.as_dict()]
    for factor in factors:
        if factor in visits.columns:
            rows += [
                e.as_dict()
                for e in progression_by(
                    visits, factor, outcome, subject=subject, time=time, min_subjects=min_subjects
                )
            ]
    table = pd.DataFrame(rows)
    if true_rates is not None:
        table = table.merge(
            true_rates[["factor", "level", "rate"]].rename(columns={"rate": "true_slope"}),
            on=["factor", "level"],
            how="left",
        )
        table["covered"] = (table["ci_low"] <= table["true_slope"]) & (
            table["true_slope"] <= table["ci_high"]
        )
    return table
