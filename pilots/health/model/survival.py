"""Time to event: Kaplan-Meier curves and Cox models (lifelines) on visit data.

An event is the first visit at which a score crosses a threshold (Hoehn & Yahr >= 3; MoCA < 26).
Participants who already meet the condition at their first assessed visit are not at risk and are
left out (prevalent cases); everyone else is followed to the event or censored at their last
assessed visit (dropout and end of follow-up are both censoring). Events are only seen at visits, so
the event time is the visit at which the crossing was first observed (an upper bound of the true
time: interval censoring approximated by right censoring, as is usual for yearly visits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError
from lifelines.statistics import multivariate_logrank_test

MIN_COX_EVENTS = 10
MIN_COX_PEOPLE = 20  # fewer people at risk: no hazard ratio is estimable with any honesty
ENDPOINTS = {
    "hy3": {"column": "hy", "op": ">=", "threshold": 3.0, "label": "Hoehn & Yahr stage 3 or more"},
    "cognitive": {
        "column": "moca",
        "op": "<",
        "threshold": 26.0,
        "label": "cognitive impairment (MoCA < 26)",
    },
}


def time_to_event(
    visits: pd.DataFrame, column: str, op: str, threshold: float, *, subject: str = "pid", time: str = "years"
) -> pd.DataFrame:
    """One row per participant at risk: ``duration`` (years from their first assessment), ``event`` (bool).

    Only visits where ``column`` was assessed count. Returns columns ``subject``, ``start``,
    ``duration``, ``event``, ``n_assessments``.
    """
    if op not in (">=", "<"):
        raise ValueError(f"op must be '>=' or '<', not {op!r}.")
    missing = [c for c in (subject, time, column) if c not in visits.columns]
    if missing:
        raise KeyError(f"The visits table lacks column(s) {', '.join(missing)} for time to event.")
    obs = visits.loc[visits[column].notna(), [subject, time, column]].sort_values(
        [subject, time], kind="stable"
    )
    met = obs[column] >= threshold if op == ">=" else obs[column] < threshold
    g = obs.groupby(subject, sort=False)
    first_time = g[time].transform("first")
    first_met = met.groupby(obs[subject], sort=False).transform("first")
    obs = obs.assign(_met=met, _start=first_time, _prevalent=first_met)
    g = obs.groupby(subject, sort=False)
    at_risk = obs[~obs["_prevalent"]]
    ga = at_risk.groupby(subject, sort=False)
    last = ga[time].max()
    start = ga["_start"].first()
    event_time = at_risk.loc[at_risk["_met"]].groupby(subject, sort=False)[time].min()
    out = pd.DataFrame({"start": start, "last": last})
    out["event"] = out.index.isin(event_time.index)
    out["duration"] = np.where(out["event"], event_time.reindex(out.index), out["last"]) - out["start"]
    out["n_assessments"] = ga.size()
    single = int((out["n_assessments"] < 2).sum())
    out = out[out["n_assessments"] >= 2]  # a single assessment gives no follow-up time
    out = out.drop(columns="last").rename_axis(subject).reset_index()
    out.attrs.update(n_prevalent=int(g["_prevalent"].first().sum()), n_single_assessment=single)
    return out


@dataclass
class SurvivalResult:
    endpoint: str
    label: str
    data: pd.DataFrame  # one row per participant at risk (pseudonymised ids)
    n_at_risk: int
    n_events: int
    n_prevalent: int
    km: dict[str, KaplanMeierFitter]
    logrank_p: float | None
    cox_summary: pd.DataFrame | None
    cox_concordance: float | None
    cox_n: int
    not_estimated: str = ""  # what could not be estimated on these data, in words (empty: everything was)


def kaplan_meier(
    data: pd.DataFrame, by: str | None = None, *, min_group: int = 10
) -> dict[str, KaplanMeierFitter]:
    """KM fits overall or per level of ``by`` (levels with fewer than ``min_group`` people skipped)."""
    fits: dict[str, KaplanMeierFitter] = {}
    if by is None:
        fits["all"] = KaplanMeierFitter(label="all").fit(data["duration"], data["event"])
        return fits
    for level, part in data.dropna(subset=[by]).groupby(by, sort=True):
        if len(part) >= min_group:
            fits[str(level)] = KaplanMeierFitter(label=str(level)).fit(part["duration"], part["event"])
    if not fits and len(data):  # no level large enough to show apart: one curve of everyone
        fits["all"] = KaplanMeierFitter(label="all").fit(data["duration"], data["event"])
    return fits


REFERENCE_LEVELS = {
    "sex": "female",
    "subtype": "TD",
    "carrier": "none",
    "onset_band": "50-69",
    "group": "control",
}


def fit_cox(
    data: pd.DataFrame,
    covariates: list[str],
    *,
    penalizer: float = 0.01,
    reference: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, float, int]:
    """Cox proportional-hazards model on complete cases; categorical covariates one-hot against a
    reference level (``REFERENCE_LEVELS`` by default, else the first level). A small ridge penalty
    keeps rare categories (e.g. LRRK2 carriers) from diverging.

    Returns (summary with hazard ratios and 95% CIs, concordance (None when no pair of people can be compared:
    every event at one follow-up time), number of participants used).
    """
    present = [c for c in covariates if c in data.columns and data[c].notna().any()]
    frame = data[["duration", "event", *present]].dropna().copy()
    categorical = [c for c in present if not pd.api.types.is_numeric_dtype(frame[c])]
    reference = {**REFERENCE_LEVELS, **(reference or {})}
    for col in categorical:
        levels = sorted(frame[col].astype(str).unique())
        if reference.get(col) in levels:
            levels.remove(reference[col])
            levels.insert(0, reference[col])
        frame[col] = pd.Categorical(frame[col].astype(str), categories=levels)
    design = pd.get_dummies(frame, columns=categorical, drop_first=True, dtype=float)
    design = design.loc[
        :, design.std(numeric_only=True).fillna(0).gt(0) | design.columns.isin(["duration", "event"])
    ]
    cph = CoxPHFitter(penalizer=penalizer)
    cph.fit(design, duration_col="duration", event_col="event")
    try:
        concordance = float(cph.concordance_index_)
    except ZeroDivisionError:  # no pair of people with different follow-up to compare (tiny or tied data)
        concordance = None
    summ = cph.summary[["exp(coef)", "exp(coef) lower 95%", "exp(coef) upper 95%", "p"]].rename(
        columns={
            "exp(coef)": "hazard_ratio",
            "exp(coef) lower 95%": "ci_low",
            "exp(coef) upper 95%": "ci_high",
        }
    )
    return summ, concordance, len(design)


def analyse_endpoint(
    visits: pd.DataFrame,
    baseline: pd.DataFrame,
    endpoint: str,
    *,
    by: str | None = None,
    covariates: list[str] | None = None,
    subject: str = "pid",
    time: str = "years",
    min_group: int = 10,
) -> SurvivalResult:
    """Time to ``endpoint`` ("hy3" or "cognitive"): KM (overall or by ``by``), log-rank test, Cox model."""
    if endpoint not in ENDPOINTS:
        raise KeyError(f"Unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}.")
    spec = ENDPOINTS[endpoint]
    tte = time_to_event(visits, spec["column"], spec["op"], spec["threshold"], subject=subject, time=time)
    prevalent = int(tte.attrs["n_prevalent"])
    data = tte.merge(
        baseline.drop(columns=[c for c in ("years",) if c in baseline.columns]), on=subject, how="left"
    )
    km = kaplan_meier(data, by, min_group=min_group)
    logrank_p = None
    if by is not None and len(km) > 1:
        sub = data[data[by].astype(str).isin(km)]
        logrank_p = float(
            multivariate_logrank_test(sub["duration"], sub[by].astype(str), sub["event"]).p_value
        )
    cox_summary, conc, cox_n = (None, None, 0)
    missing = []
    n_events = int(data["event"].sum())
    if covariates and n_events >= MIN_COX_EVENTS and len(data) >= MIN_COX_PEOPLE:
        try:
            cox_summary, conc, cox_n = fit_cox(data, covariates)
        except (ZeroDivisionError, ValueError, np.linalg.LinAlgError, ConvergenceError) as exc:
            missing.append(f"the Cox model could not be fitted on these people ({type(exc).__name__})")
        if cox_summary is not None and conc is None:
            missing.append("the Cox model's concordance (no two people with different follow-up to compare)")
    elif covariates:
        missing.append(
            f"the Cox model (it needs at least {MIN_COX_EVENTS} events among at least {MIN_COX_PEOPLE} people at "
            "risk)"
        )
    if by is not None and logrank_p is None:
        missing.append(f"the log-rank test across {by} (fewer than two groups of {min_group} people)")
    return SurvivalResult(
        endpoint,
        spec["label"],
        data,
        len(data),
        int(data["event"].sum()),
        prevalent,
        km,
        logrank_p,
        cox_summary,
        conc,
        cox_n,
        "; ".join(missing),
    )
