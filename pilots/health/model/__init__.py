"""The health pilot's models, baselines and evaluations, and the claims every page renders.

Each design's comparisons of a model with a baseline are :class:`livinglab.claims.Claim` records made here,
once (paired cluster-bootstrap intervals over participants; "better" only when the interval excludes zero):

- longitudinal (:func:`evaluate_forecast`): the personal-trend model against the strongest of the four
  clinician baselines (named in words) and against the training mean; LightGBM with the covariates against
  the strongest baseline; on synthetic data also the personal-trend model on a cohort drawn with other
  generator settings (:func:`held_out_generation`). LightGBM with record-wise folds is the leaky contrast,
  shown beside them, never claimed.
- case-control (:func:`evaluate_case_control`): LightGBM against logistic regression on ROC-AUC and on the
  Brier score, with subject-grouped folds; the record-wise ROC-AUC is the leaky contrast.

The other analyses of a cohort (mixed-model progression, time to event, clusters of baseline profiles) and
the per-subgroup errors are here too. Modules: :mod:`.forecast`, :mod:`.classify`, :mod:`.progression`,
:mod:`.survival`, :mod:`.clustering`, :mod:`.folds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from livinglab.claims import Claim, compare
from livinglab.trust import CI, SubgroupReport, bootstrap_ci, subgroup_report
from livinglab.trust.metrics import mean_absolute_error

from ..contract import age_group
from ..data import Cohort, Records, patient_mask
from ..privacy import rounded_count
from . import forecast as fcst
from .classify import ClassifierEvaluation, auc, brier, evaluate
from .clustering import PROFILE_FEATURES, ClusterResult, cluster_profiles
from .progression import ProgressionFit, fit_progression, progression_table

#: the forecast's methods in words (the baselines as a clinician would name them)
METHOD_NAMES = {
    "model": "personal-trend model",
    "lightgbm": "LightGBM with the history and covariates",
    **fcst.BASELINES,
    "lightgbm_recordwise": "LightGBM, record-wise folds (leaky; for contrast)",
}
#: the baselines as a claim names them (short; the table above the claims explains them)
BASELINE_WORDS = {
    "mean": "the training mean",
    "locf": "last observation carried forward (LOCF)",
    "locf_trend": "LOCF + cohort trend",
    "locf_own_trend": "LOCF + own trend",
}


#: the mean absolute error of every forecast comparison: scikit-learn's, which the bootstraps score on all
#: resamples at once (``livinglab.trust.metrics``)
mae = mean_absolute_error


def _split(n_folds: int, what: str) -> str:
    return f"subject-grouped {n_folds}-fold cross-validation (all {what} of a person in one fold)"


# --------------------------------------------------------------------------------------- progression


@dataclass
class ProgressionResult:
    fit: ProgressionFit
    table: pd.DataFrame
    true_slope: float | None

    @property
    def covered_subgroups(self) -> tuple[int, int] | None:
        if "covered" not in self.table.columns:
            return None
        sub = self.table[self.table["factor"] != "overall"]
        return int(sub["covered"].sum()), len(sub)


def progression_analysis(cohort: Cohort, true_rates: pd.DataFrame | None = None, *, min_subjects: int = 20):
    """The mixed model of the score over years, overall and per subgroup (``true_rates``: synthetic truth)."""
    patients = cohort.patients()
    fit = fit_progression(patients, "score")
    table = progression_table(
        patients,
        cohort.subgroup_factors,
        "score",
        overall=fit,
        min_subjects=min_subjects,
        true_rates=true_rates,
    )
    true = float(true_rates.query("factor == 'overall'")["rate"].iloc[0]) if true_rates is not None else None
    return ProgressionResult(fit, table, true)


# --------------------------------------------------------------------------------------- forecast


@dataclass
class ForecastEvaluation:
    """The forecast: every method on the same rows and folds, each method's MAE with its interval, and the
    claims (model minus baseline, paired intervals)."""

    frame: pd.DataFrame  # the modelling rows (pseudonymised ids), kept for subgroup reports
    cv: fcst.ForecastResult
    summary: pd.DataFrame  # method, name, split, mae, low, high
    cis: dict[str, CI]  # each method's MAE (cluster bootstrap over participants)
    strongest: str  # the baseline with the lowest MAE
    importance: pd.DataFrame
    n_rows: int
    n_subjects: int
    claims: list[Claim] = field(default_factory=list)

    @property
    def strongest_name(self) -> str:
        return METHOD_NAMES[self.strongest]


def evaluate_forecast(
    cohort: Cohort, *, n_folds: int = 5, n_boot: int = 200, seed: int = 0
) -> ForecastEvaluation:
    """Forecast the score at ``cohort.horizon_text`` for people never seen (:mod:`.forecast`)."""
    frame = fcst.forecast_frame(cohort.patients(), "score", horizon=cohort.horizon_years)
    n_subjects = int(frame["pid"].nunique())
    if n_subjects < n_folds:
        raise ValueError(
            f"Only {n_subjects} participants have an assessment {cohort.horizon_text}; "
            "too few for a forecast evaluation (lower horizon or n_folds)."
        )
    cv = fcst.forecast_cv(frame, cohort.covariates, n_splits=n_folds, seed=seed, shap_rows=1000)
    p = cv.predictions
    kw = {"groups": p["subject"], "n_boot": n_boot, "seed": seed}
    cis = {name: bootstrap_ci(mae, p["y"], p[name], **kw) for name in ("model", "lightgbm", *fcst.BASELINES)}
    cis["lightgbm_recordwise"] = bootstrap_ci(mae, cv.recordwise["y"], cv.recordwise["lightgbm"], **kw)
    strongest = min(fcst.BASELINES, key=lambda b: (cis[b].estimate, b))
    rows = [(m, "subject-grouped CV") for m in ("model", "lightgbm", *fcst.BASELINES)]
    rows += [("lightgbm_recordwise", "record-wise CV (leaky)")]
    summary = pd.DataFrame(
        [
            {
                "method": m,
                "name": METHOD_NAMES[m],
                "split": s,
                "mae": cis[m].estimate,
                "low": cis[m].low,
                "high": cis[m].high,
            }
            for m, s in rows
        ]
    )
    target = f"{cohort.score_label} at {cohort.horizon_text}"
    words = {
        "split": _split(n_folds, "assessments"),
        "groups": p["subject"],
        "unit": "participants",
        "n_boot": n_boot,
        "seed": seed,
    }
    strongest_words = f"{BASELINE_WORDS[strongest]}, the strongest of the four clinician baselines"
    claims = [
        compare(
            "forecast_mae_model",
            "mae",
            mae,
            p["y"],
            p["model"],
            p[strongest],
            label=f"Forecast MAE, {target} (points)",
            model="the personal-trend model",
            baseline=strongest_words,
            **words,
        )
    ]
    if strongest != "mean":
        claims.append(
            compare(
                "forecast_mae_model_vs_mean",
                "mae",
                mae,
                p["y"],
                p["model"],
                p["mean"],
                label="Forecast MAE against the trivial reference (points)",
                model="the personal-trend model",
                baseline=BASELINE_WORDS["mean"],
                **words,
            )
        )
    claims.append(
        compare(
            "forecast_mae_lightgbm",
            "mae",
            mae,
            p["y"],
            p["lightgbm"],
            p[strongest],
            label="Forecast MAE of LightGBM with the covariates (points)",
            model="LightGBM with the history and covariates",
            baseline=strongest_words,
            **words,
        )
    )
    return ForecastEvaluation(
        frame, cv, summary, cis, strongest, fcst.shap_importance(cv.shap), len(frame), n_subjects, claims
    )


@dataclass
class HeldOut:
    """The personal-trend model, fitted on the run's cohort, scored on a cohort from other settings."""

    claim: Claim
    n_subjects: int
    settings: str


def held_out_generation(
    fc: ForecastEvaluation,
    test_visits: pd.DataFrame,
    horizon_years: float,
    settings: str,
    *,
    n_boot: int,
    seed: int,
) -> HeldOut:
    """Synthetic data only: the model fitted on all of this cohort's forecast rows, scored against the strongest
    baseline (fitted on the same rows) on ``test_visits`` (pseudonymised, ``pid``/``years``/``score``)."""
    test = fcst.forecast_frame(test_visits, "score", horizon=horizon_years)
    model = fcst.TrendModel.fit(fc.frame)
    base = fcst.baseline_predictions(fc.frame, test)
    n_subjects = int(test["pid"].nunique())
    claim = compare(
        "forecast_mae_heldout_generation",
        "mae",
        mae,
        test["target"],
        model.predict(test),
        base[fc.strongest],
        groups=test["pid"],
        unit="participants",
        n_boot=n_boot,
        seed=seed,
        label="Forecast MAE on a cohort from other generator settings (points)",
        model="the personal-trend model fitted on this cohort",
        baseline=f"{BASELINE_WORDS[fc.strongest]}, fitted on this cohort",
        split=f"held-out generation: {n_subjects:,} SYNTHETIC people drawn with other settings ({settings})",
    )
    return HeldOut(claim, n_subjects, settings)


def _subgroup_report(
    metrics: dict, y, pred, col: pd.Series, keep: np.ndarray, subjects, **kw
) -> SubgroupReport:
    """``subgroup_report`` on the rows of the levels kept; the "All" line has no interval of its own (the
    claim's value has its interval elsewhere on the page) and is named "All in the groups shown" when levels
    were left out (its value is then not the whole evaluation's: read as "All", it would be a second
    estimate of the same quantity)."""
    report = subgroup_report(
        metrics, y[keep], pred[keep], col[keep].reset_index(drop=True), groups=subjects[keep], **kw,
        overall_ci=False,
    )  # fmt: skip
    return report if keep.all() else replace(report, overall_label="All in the groups shown")


def _labelled(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column].astype(object)
    return values.where(values.notna(), "(missing)").astype(str)


def forecast_subgroups(
    fc: ForecastEvaluation, *, n_boot: int = 200, seed: int = 0, min_count: int = 30, min_cell: int = 5
) -> dict[str, SubgroupReport]:
    """MAE of the personal-trend model's forecasts by sex, age band and subtype; levels of fewer than
    ``min_cell`` people are left out (not shown, not counted). The "All" line carries no interval of its
    own: the model's MAE has one interval on a page, in the forecast table."""
    frame = fc.frame
    sensitive = {}
    if "sex" in frame.columns and frame["sex"].notna().any():
        sensitive["sex"] = _labelled(frame, "sex")
    if "age" in frame.columns and frame["age"].notna().any():
        sensitive["age band"] = age_group(frame["age"]).astype(str)
    if "subtype" in frame.columns and frame["subtype"].notna().any():
        sensitive["subtype"] = _labelled(frame, "subtype")
    p = fc.cv.predictions.reset_index(drop=True)
    reports = {}
    for name, col in sensitive.items():
        col = col.reset_index(drop=True)
        people = p.groupby(col)["subject"].nunique()
        keep = col.isin(people.index[people >= min_cell]).to_numpy()
        if col[keep].nunique() < 2:
            continue
        reports[f"by {name}"] = _subgroup_report(
            {"mae": mae}, p["y"], p["model"], col, keep, p["subject"], n_boot=n_boot, seed=seed,
            min_count=min_count,
        )  # fmt: skip
    return reports


# --------------------------------------------------------------------------------------- time to event


def survival_analysis(cohort: Cohort) -> dict:
    """Time to H&Y >= 3 (by subtype) and to MoCA < 26 (by carrier status), when the data have them."""
    from .survival import analyse_endpoint

    patients = cohort.patients()
    base = cohort.baseline()
    wanted = ["pid", "age", "age_at_onset", "sex", "subtype", "carrier", "score", "moca"]
    base = base[patient_mask(base["group"])][[c for c in wanted if c in base.columns]]
    base = base.rename(columns={"score": "baseline_score", "moca": "baseline_moca"})

    def by(column):
        return column if column in base.columns and base[column].notna().any() else None

    out = {}
    if "hy" in patients.columns and patients["hy"].notna().sum() > 20:
        out["hy3"] = analyse_endpoint(
            patients,
            base,
            "hy3",
            by=by("subtype"),
            covariates=["age_at_onset", "sex", "subtype", "carrier", "baseline_score"],
        )
    if "moca" in patients.columns and patients["moca"].notna().sum() > 20:
        out["cognitive"] = analyse_endpoint(
            patients,
            base,
            "cognitive",
            by=by("carrier"),
            covariates=["age", "sex", "carrier", "baseline_moca"],
        )
    return out


# --------------------------------------------------------------------------------------- clustering


def clusters(cohort: Cohort, *, n_boot: int = 30, seed: int = 0, min_cell: int = 5) -> ClusterResult | None:
    """Baseline profiles of the patients clustered, with bootstrap stability (None when too few).

    Cluster sizes are rounded to the nearest 5 for the page, so that the clusters' means cannot be
    combined into an exact mean of the whole group (which is released only with DP)."""
    base = cohort.baseline()
    base = base[patient_mask(base["group"])].reset_index(drop=True)
    present = [f for f in PROFILE_FEATURES if f in base.columns and base[f].notna().mean() > 0.5]
    if len(base) < 50 or len(present) < 3:
        return None
    result = cluster_profiles(base, present, n_boot=n_boot, seed=seed, min_cell=min_cell)
    if "subtype" in base.columns and base["subtype"].notna().any():
        known = base["subtype"].notna().to_numpy()
        result.subtype_ari = float(
            adjusted_rand_score(base.loc[known, "subtype"].astype(str), result.labels.to_numpy()[known])
        )
    sizes = pd.to_numeric(result.profiles["n"], errors="coerce")
    result.profiles["n"] = [rounded_count(s) if pd.notna(s) else f"<{min_cell}" for s in sizes]
    return result


# --------------------------------------------------------------------------------------- case-control


@dataclass
class Classification:
    """The case-control evaluation and its claims."""

    result: ClassifierEvaluation
    claims: list[Claim]
    n_subjects: int


def evaluate_case_control(
    records: Records, *, n_folds: int = 5, n_boot: int = 200, seed: int = 0
) -> Classification:
    """LightGBM and logistic regression, subject-grouped and record-wise (:mod:`.classify`), and the claims."""
    cc = evaluate(records.data, records.features, n_splits=n_folds, n_boot=n_boot, seed=seed)
    p = cc.predictions
    n_subjects = int(p["subject"].nunique())
    words = {
        "split": _split(n_folds, "records"),
        "groups": p["subject"],
        "unit": "persons",
        "n_boot": n_boot,
        "seed": seed,
        "model": "LightGBM (200 trees) on the record's measures",
        "baseline": "logistic regression (standardised features, ridge penalty) on the same folds",
    }
    claims = [
        compare(
            "auc_lightgbm",
            "roc_auc",
            auc,
            p["y"],
            p["lightgbm"],
            p["logistic"],
            label="ROC-AUC over records, for people never seen",
            **words,
        ),
        compare(
            "brier_lightgbm",
            "brier",
            brier,
            p["y"],
            p["lightgbm"],
            p["logistic"],
            label="Brier score of the predicted probabilities",
            **words,
        ),
    ]
    return Classification(cc, claims, n_subjects)


def case_control_subgroups(
    cl: Classification, records: Records, *, n_boot: int = 200, seed: int = 0, min_cell: int = 5
) -> dict[str, SubgroupReport]:
    """ROC-AUC of LightGBM (subject-grouped folds) by sex and age band; levels of fewer than ``min_cell``
    people of either label are left out (an AUC needs both labels). No interval on the "All" line."""
    p = cl.result.predictions.reset_index(drop=True)
    data = records.data.reset_index(drop=True)
    sensitive = {}
    if "sex" in data.columns and data["sex"].notna().any():
        sensitive["sex"] = _labelled(data, "sex")
    if "age" in data.columns and data["age"].notna().any():
        sensitive["age band"] = age_group(data["age"]).astype(str)
    reports = {}
    for name, col in sensitive.items():
        people = p.groupby([col, p["y"]])["subject"].nunique().unstack(fill_value=0)
        ok = people.index[(people.shape[1] == 2) & (people.min(axis=1) >= min_cell)] if len(people) else []
        keep = col.isin(list(ok)).to_numpy()
        if col[keep].nunique() < 2:
            continue
        reports[f"by {name}"] = _subgroup_report(
            {"roc_auc": auc}, p["y"], p["lightgbm"], col, keep, p["subject"], n_boot=n_boot, seed=seed,
            min_count=30,
        )  # fmt: skip
    return reports


def scalar(value: Any) -> Any:
    """A value as a metric records it (plain Python; NaN as None)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    return value
