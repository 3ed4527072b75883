"""The health pilot's analysis steps on a prepared ``Study`` (called by the notebook and ``pipeline``).

Each step returns aggregate results only (tables, estimates, intervals); nothing here returns or
prints a row-level record with an identifier. Counts of people below ``min_cell`` are shown as
``<5``; means of baseline characteristics are released only with differential privacy (``privacy``),
never beside their exact values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from livinglab.trust import CI, bootstrap_ci, bootstrap_difference_ci, subgroup_report

from . import prediction as pr
from .privacy import DP_BOUNDS, dp_means, public_count, rounded_count
from .progression import ProgressionFit, fit_progression, progression_table
from .reference import cohort_facts
from .study import Study
from .table1 import table_one

CONTINUOUS = {
    "age": "Age at first assessment (years)",
    "age_at_onset": "Age at onset (years)",
    "disease_duration": "Disease duration (years)",
    "score": "{score}",
    "moca": "MoCA",
    "hy": "Hoehn & Yahr stage",
}
#: the characteristics whose means the public page releases (with DP); few, so each gets more budget
DP_RELEASED = ("score", "age", "moca")
CATEGORICAL = {
    "sex": "Sex",
    "subtype": "Motor subtype",
    "carrier": "Genetic carrier status",
    "onset_band": "Age at onset band",
}


def mae(y, pred) -> float:
    return float(np.mean(np.abs(np.asarray(y, dtype=float) - np.asarray(pred, dtype=float))))


# --------------------------------------------------------------------------------------- calibration


def calibration_comparison(study: Study) -> pd.DataFrame:
    """The synthetic cohort's baseline figures beside the published ones they were calibrated to."""
    facts = cohort_facts()
    base = study.baseline()
    pdb, hc = base[base["group"] == "PD"], base[base["group"] == "control"]
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


# --------------------------------------------------------------------------------------- table 1


def dp_variables(study: Study) -> dict[str, tuple[float, float]]:
    """Bounded variables whose means are released with DP: bounds from the scales, never the data.

    The score's bounds come from ``score_range``; without it the score's mean is not released."""
    variables = {c: DP_BOUNDS[c] for c in DP_RELEASED if c in DP_BOUNDS and c in study.data.columns}
    if study.design == "longitudinal" and study.score_range is not None:
        variables = {"score": tuple(study.score_range), **variables}
    return variables


def public_table_one(
    study: Study, epsilon: float, *, min_cell: int = 5
) -> tuple[pd.DataFrame, int, pd.DataFrame, object]:
    """Table 1 for the public page: counts with small cells suppressed; means only with DP.

    Returns ``(table, n_suppressed, dp_table, budget)``: the table (one column a group, plus Overall
    for counts), the number of suppressed cells, the DP release (statistic, group, n, dp_value,
    noise_sd, noise_95, epsilon) and the OpenDP budget that produced it.
    """
    base = study.baseline()
    group = study.group_column
    categorical = {k: v for k, v in CATEGORICAL.items() if k != group}
    counts, n_hidden = table_one(base, group, {}, categorical, min_cell=min_cell)
    dp_table, budget = dp_means(base, dp_variables(study), epsilon, group=group, min_cell=min_cell)
    rows = []
    for r in dp_table.itertuples():
        column = r.statistic.split(",")[0]
        label = CONTINUOUS.get(column, column).format(score=study.score_label)
        rows.append(
            {
                "variable": label,
                "statistic": "mean, DP (95% of noise within +/-)",
                "group": r.group if group else "Overall",
                "text": f"{r.dp_value:.1f} (+/-{r.noise_95:.1f})",
            }
        )
    if rows:
        dp_rows = pd.DataFrame(rows).pivot(index=["variable", "statistic"], columns="group", values="text")
        dp_rows = dp_rows.reindex(columns=counts.columns).fillna("–")
        order = [(CONTINUOUS.get(c, c).format(score=study.score_label)) for c in dp_variables(study)]
        dp_rows = dp_rows.reindex([idx for label in order for idx in dp_rows.index if idx[0] == label])
        table = pd.concat([counts.iloc[:1], dp_rows, counts.iloc[1:]])
    else:
        table = counts
    return table, n_hidden, dp_table, budget


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


def progression(study: Study, *, min_subjects: int = 20) -> ProgressionResult:
    patients = study.patients()
    fit = fit_progression(patients, "score")
    table = progression_table(
        patients,
        study.subgroup_factors,
        "score",
        overall=fit,
        min_subjects=min_subjects,
        true_rates=study.true_rates,
    )
    true = (
        float(study.true_rates.query("factor == 'overall'")["rate"].iloc[0])
        if study.true_rates is not None
        else None
    )
    return ProgressionResult(fit, table, true)


# --------------------------------------------------------------------------------------- forecast


METHOD_NAMES = {
    "model": "personal-trend model",
    "lightgbm": "LightGBM (history + covariates)",
    **pr.BASELINES,
}


@dataclass
class ForecastSummary:
    """The forecast evaluation: every method on the same rows, intervals and paired differences."""

    frame: pd.DataFrame  # the modelling rows (pseudonymised ids), kept for subgroup reports
    cv: pr.ForecastResult
    summary: pd.DataFrame  # method, name, split, mae, low, high
    cis: dict[str, CI]
    differences: dict[str, CI]  # model - each baseline (and lightgbm - strongest baseline)
    strongest: str  # the baseline with the lowest MAE
    importance: pd.DataFrame
    n_rows: int
    n_subjects: int
    external: dict | None = None  # synthetic only: a cohort from other generator settings

    def mae(self, name: str) -> float:
        return float(self.cis[name].estimate)

    @property
    def beats_strongest(self) -> bool:
        return bool(self.differences[self.strongest].high < 0)


def forecast(study: Study, *, n_folds: int = 5, n_boot: int = 200, seed: int = 0) -> ForecastSummary:
    """Forecast the score at ``study.horizon_text`` for people never seen (module ``prediction``)."""
    frame = pr.forecast_frame(study.patients(), "score", horizon=study.horizon_years)
    if frame["pid"].nunique() < n_folds:
        raise ValueError(
            f"Only {frame['pid'].nunique()} participants have an assessment {study.horizon_text}; "
            "too few for a forecast evaluation (lower horizon or n_folds)."
        )
    cv = pr.forecast_cv(frame, study.covariates, n_splits=n_folds, seed=seed, shap_rows=1000)
    p = cv.predictions
    kw = {"groups": p["subject"], "n_boot": n_boot, "seed": seed}
    cis = {name: bootstrap_ci(mae, p["y"], p[name], **kw) for name in ("model", "lightgbm", *pr.BASELINES)}
    cis["lightgbm_recordwise"] = bootstrap_ci(mae, cv.recordwise["y"], cv.recordwise["lightgbm"], **kw)
    strongest = min(pr.BASELINES, key=lambda b: cis[b].estimate)
    differences = {b: bootstrap_difference_ci(mae, p["y"], p["model"], p[b], **kw) for b in pr.BASELINES}
    differences["lightgbm_vs_strongest"] = bootstrap_difference_ci(
        mae, p["y"], p["lightgbm"], p[strongest], **kw
    )
    rows = [("model", "subject-grouped CV"), ("lightgbm", "subject-grouped CV")]
    rows += [(b, "subject-grouped CV") for b in pr.BASELINES]
    rows += [("lightgbm_recordwise", "record-wise CV (leaky)")]
    summary = pd.DataFrame(
        [
            {
                "method": m,
                "name": METHOD_NAMES.get(m, "LightGBM, record-wise folds (leaky; for contrast)"),
                "split": s,
                "mae": cis[m].estimate,
                "low": cis[m].low,
                "high": cis[m].high,
            }
            for m, s in rows
        ]
    )
    return ForecastSummary(
        frame,
        cv,
        summary,
        cis,
        differences,
        strongest,
        pr.shap_importance(cv.shap),
        len(frame),
        int(frame["pid"].nunique()),
    )


def external_validation(study: Study, result: ForecastSummary, *, seed: int = 0, n_boot: int = 200) -> dict:
    """Synthetic data only: the trend model fitted on this cohort, scored on a cohort drawn from other
    generator settings (faster progression, noisier visits, more dropout, another seed) that it never saw."""
    from .privacy import pseudonymise_subjects
    from .synthetic import CohortSpec, generate_cohort

    spec = CohortSpec(rate_updrs3=3.2, noise_updrs3=5.5, slope_sd=1.4, dropout_pd=0.1)
    n = max(int(study.data.loc[study.data["group"] == "PD", "pid"].nunique()), 50)
    other = generate_cohort(n, 0, int(study.data["visit"].max()), seed=seed + 1000, spec=spec)
    visits = pseudonymise_subjects(other.visits, "subject_id", real=False).rename(columns={"updrs3": "score"})
    test = pr.forecast_frame(visits, "score", horizon=study.horizon_years)
    model = pr.TrendModel.fit(result.frame)
    pred = model.predict(test)
    base = pr.baseline_predictions(result.frame, test)
    strongest = result.strongest
    kw = {"groups": test["pid"], "n_boot": n_boot, "seed": seed}
    return {
        "settings": "UPDRS III rate 3.2 points/year (not 2.4), visit noise SD 5.5 (not 4.5), personal-slope SD "
        "1.4 (not 1.0), yearly dropout 10% (not 7%)",
        "n_subjects": int(test["pid"].nunique()),
        "model": bootstrap_ci(mae, test["target"], pred, **kw),
        "strongest": bootstrap_ci(mae, test["target"], base[strongest], **kw),
        "difference": bootstrap_difference_ci(mae, test["target"], pred, base[strongest], **kw),
    }


def prediction_subgroups(
    result: ForecastSummary,
    study: Study,
    *,
    n_boot: int = 200,
    seed: int = 0,
    min_count: int = 30,
    min_cell: int = 5,
):
    """MAE of the personal-trend model's forecasts by sex, age band and subtype (trust.subgroup_report).

    Levels with fewer than ``min_cell`` people are left out (not shown, not counted)."""
    frame = result.frame
    sensitive = {}
    if "sex" in frame.columns and frame["sex"].notna().any():
        sensitive["sex"] = frame["sex"].astype(object).where(frame["sex"].notna(), "(missing)").astype(str)
    if "age" in frame.columns and frame["age"].notna().any():
        sensitive["age band"] = pd.cut(
            frame["age"], [0, 60, 70, 200], right=False, labels=["<60", "60-69", ">=70"]
        ).astype(str)
    if "subtype" in frame.columns and frame["subtype"].notna().any():
        sensitive["subtype"] = (
            frame["subtype"].astype(object).where(frame["subtype"].notna(), "(missing)").astype(str)
        )
    p = result.cv.predictions.reset_index(drop=True)
    reports = {}
    for name, col in sensitive.items():
        col = col.reset_index(drop=True)
        people = p.groupby(col)["subject"].nunique()
        keep = col.isin(people.index[people >= min_cell]).to_numpy()
        if col[keep].nunique() < 2:
            continue
        reports[f"by {name}"] = subgroup_report(
            {"mae": mae},
            p.loc[keep, "y"],
            p.loc[keep, "model"],
            col[keep].reset_index(drop=True),
            groups=p.loc[keep, "subject"],
            n_boot=n_boot,
            seed=seed,
            min_count=min_count,
        )
    return reports


# --------------------------------------------------------------------------------------- time to event


def survival(study: Study) -> dict:
    """Time to H&Y >= 3 (by subtype) and to MoCA < 26 (by carrier status), when the data have them."""
    from .survival import analyse_endpoint

    patients = study.patients()
    base = study.baseline()
    wanted = ["pid", "age", "age_at_onset", "sex", "subtype", "carrier", "score", "moca"]
    base = base[patient_mask_of(study, base)][[c for c in wanted if c in base.columns]]
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


def patient_mask_of(study: Study, frame: pd.DataFrame) -> pd.Series:
    from .loaders import patient_mask

    return patient_mask(frame["group"]) if "group" in frame.columns else pd.Series(True, index=frame.index)


# --------------------------------------------------------------------------------------- clustering


def clusters(study: Study, *, n_boot: int = 30, seed: int = 0, min_cell: int = 5):
    """Baseline profiles of the patients clustered, with bootstrap stability (None when too few).

    Cluster sizes are rounded to the nearest 5 for the page, so that the clusters' means cannot be
    combined into an exact mean of the whole group (which is released only with DP)."""
    from .clustering import PROFILE_FEATURES, cluster_profiles

    base = study.baseline()
    base = base[patient_mask_of(study, base)].reset_index(drop=True)
    present = [f for f in PROFILE_FEATURES if f in base.columns and base[f].notna().mean() > 0.5]
    if len(base) < 50 or len(present) < 3:
        return None
    result = cluster_profiles(base, present, n_boot=n_boot, seed=seed, min_cell=min_cell)
    sizes = pd.to_numeric(result.profiles["n"], errors="coerce")
    result.profiles["n"] = [rounded_count(s) if pd.notna(s) else f"<{min_cell}" for s in sizes]
    return result


# --------------------------------------------------------------------------------------- case-control


def case_control(study: Study, *, n_folds: int = 5, n_boot: int = 200, seed: int = 0):
    from .casecontrol import evaluate

    return evaluate(study.data, study.features, n_splits=n_folds, n_boot=n_boot, seed=seed)


def case_control_subgroups(cc, study: Study, *, n_boot: int = 200, seed: int = 0, min_cell: int = 5) -> dict:
    """ROC-AUC of LightGBM (subject-grouped folds) by sex and age band; levels of fewer than ``min_cell``
    people of either label are left out (an AUC needs both labels)."""
    from .casecontrol import auc

    p = cc.predictions.reset_index(drop=True)
    data = study.data.reset_index(drop=True)
    sensitive = {}
    if "sex" in data.columns and data["sex"].notna().any():
        sensitive["sex"] = data["sex"].astype(object).where(data["sex"].notna(), "(missing)").astype(str)
    if "age" in data.columns and data["age"].notna().any():
        sensitive["age band"] = pd.cut(
            data["age"], [0, 60, 70, 200], right=False, labels=["<60", "60-69", ">=70"]
        ).astype(str)
    reports = {}
    for name, col in sensitive.items():
        people = p.groupby([col, p["y"]])["subject"].nunique().unstack(fill_value=0)
        ok = people.index[(people.shape[1] == 2) & (people.min(axis=1) >= min_cell)] if len(people) else []
        keep = col.isin(list(ok)).to_numpy()
        if col[keep].nunique() < 2:
            continue
        reports[f"by {name}"] = subgroup_report(
            {"roc_auc": auc},
            p.loc[keep, "y"],
            p.loc[keep, "lightgbm"],
            col[keep].reset_index(drop=True),
            groups=p.loc[keep, "subject"],
            n_boot=n_boot,
            seed=seed,
            min_count=30,
        )
    return reports


def no_subgroups_note(study: Study) -> str:
    return (
        "No subgroup with enough people of each kind could be formed from these data (sex and age are absent "
        "or too few people share a value); performance per subgroup is not established."
    )


# --------------------------------------------------------------------------------------- recorded values


def _ci_values(prefix: str, ci: CI | None) -> dict:
    if ci is None:
        return {prefix: None, f"{prefix}_ci_low": None, f"{prefix}_ci_high": None}
    return {prefix: ci.estimate, f"{prefix}_ci_low": ci.low, f"{prefix}_ci_high": ci.high}


def run_metrics(
    study: Study,
    *,
    settings: dict,
    dp_table: pd.DataFrame,
    budget,
    n_suppressed: int,
    prog: ProgressionResult | None = None,
    fc: ForecastSummary | None = None,
    surv: dict | None = None,
    clus=None,
    kreport=None,
    reports: dict | None = None,
    cc=None,
) -> dict:
    """Everything the notebook records (the model card and altai.yaml are filled from these).

    Names that do not apply to the run's design are recorded as None, so the index and the card see the
    same names whatever the data. No exact value of a DP-protected statistic is recorded.
    """
    values = {
        "data_source": study.source.label,
        "data_origin": study.origin,
        "design": study.design,
        "n_subjects": study.n_subjects,
        "n_rows": len(study.data),
        "score_label": study.score_label or None,
        "outcome_label": study.score_label or study.case_label,
        "table1_cells_suppressed": n_suppressed,
        "dp_epsilon": float(settings["epsilon"]),
        "dp_epsilon_spent": float(budget.spent),
        "dp_releases": len(dp_table),
        "dp_max_noise_sd": float(dp_table["noise_sd"].max()) if len(dp_table) else None,
        "cv_folds": settings["n_folds"],
        "min_cell": settings["min_cell"],
        "analysis_s": settings["runtime_s"],
        "k_anonymity_k": kreport.k_after if kreport else None,
        "k_anonymity_target": kreport.k if kreport else None,
        "k_anonymity_rows_generalised": kreport.rows_generalised if kreport else None,
        "k_anonymity_rows_suppressed": kreport.rows_suppressed if kreport else None,
        "k_anonymity_quasi_identifiers": ", ".join(kreport.quasi_identifiers) if kreport else None,
    }
    for name in (
        "rows_read",
        "rows_negative_time",
        "rows_implausible_time",
        "rows_sharing_subject_time",
        "assessments",
    ):
        values[f"prep_{name}"] = study.counts.get(name)
    # progression
    est = prog.fit.estimate if prog else None
    covered = prog.covered_subgroups if prog else None
    values.update(
        {
            "progression_slope": est.slope if est else None,
            "progression_slope_ci_low": est.ci_low if est else None,
            "progression_slope_ci_high": est.ci_high if est else None,
            "progression_slope_true": prog.true_slope if prog else None,
            "progression_converged": bool(prog.table["converged"].all()) if prog else None,
            "progression_by_subgroup": {
                f"{r.factor}={r.level}": round(r.slope, 3)
                for r in prog.table.itertuples()
                if r.factor != "overall"
            }
            if prog
            else None,
            "progression_subgroups_covered": covered[0] if covered else None,
            "progression_subgroups_total": covered[1] if covered else None,
        }
    )
    # forecast
    values["forecast_target"] = f"{study.score_label} at {study.horizon_text}" if fc else None
    values["forecast_rows"] = fc.n_rows if fc else None
    values["forecast_subjects"] = fc.n_subjects if fc else None
    for name in ("model", "lightgbm", "mean", "locf", "locf_trend", "locf_own_trend", "lightgbm_recordwise"):
        values.update(_ci_values(f"forecast_mae_{name}", fc.cis[name] if fc else None))
    values["forecast_strongest_baseline"] = fc.strongest if fc else None
    values["forecast_strongest_baseline_name"] = METHOD_NAMES[fc.strongest] if fc else None
    values.update(_ci_values("forecast_mae_strongest", fc.cis[fc.strongest] if fc else None))
    values.update(_ci_values("forecast_mae_diff_strongest", fc.differences[fc.strongest] if fc else None))
    values.update(_ci_values("forecast_mae_diff_locf_trend", fc.differences["locf_trend"] if fc else None))
    values.update(_ci_values("forecast_mae_diff_mean", fc.differences["mean"] if fc else None))
    values["forecast_beats_strongest"] = fc.beats_strongest if fc else None
    values["top_shap_feature"] = (
        str(fc.importance.index[0]) if fc else (str(cc.importance.index[0]) if cc else None)
    )
    ext = fc.external if fc else None
    values.update(_ci_values("external_mae_model", ext["model"] if ext else None))
    values.update(_ci_values("external_mae_strongest", ext["strongest"] if ext else None))
    values.update(_ci_values("external_mae_diff", ext["difference"] if ext else None))
    metric = "mae" if fc is not None else "roc_auc"
    gaps = {t: r.gaps.get(metric, {}) for t, r in (reports or {}).items()}
    gap_by = next((t for t, g in gaps.items() if g.get("largest_gap") is not None), None)
    gap = gaps.get(gap_by, {})
    values.update(
        {
            "mae_gap_subgroup": gap.get("largest_gap"),
            "mae_gap_by": gap_by,
            "mae_gap_worst": gap.get("worst"),
            "mae_gap_best": gap.get("best"),
            "cluster_k": clus.k if clus is not None else None,
            "cluster_stability_ari": clus.stability if clus is not None else None,
        }
    )
    for name in ("hy3", "cognitive"):
        res = (surv or {}).get(name)
        values[f"cox_concordance_{name}"] = res.cox_concordance if res else None
    # case-control
    for key in (
        "auc_lightgbm",
        "auc_logistic",
        "auc_lightgbm_recordwise",
        "brier_lightgbm",
        "brier_logistic",
    ):
        values.update(_ci_values(key, cc.cis[key] if cc else None))
    values.update(
        _ci_values("auc_diff_lightgbm_logistic", cc.differences["lightgbm_minus_logistic"] if cc else None)
    )
    values.update(
        _ci_values("auc_optimism_recordwise", cc.differences["recordwise_minus_grouped"] if cc else None)
    )
    values.update(_ci_values("auc_person_lightgbm", cc.person_auc["lightgbm"] if cc else None))
    values["calibration_slope_lightgbm"] = cc.calibration["lightgbm"]["slope"] if cc else None
    values["calibration_intercept_lightgbm"] = cc.calibration["lightgbm"]["intercept"] if cc else None
    values.update(_summaries(values, fc, cc, kreport, settings["min_cell"]))
    values["cc_records"] = study.counts.get("records") if cc else None
    values["cc_cases"] = public_count(study.counts["cases"], settings["min_cell"]) if cc else None
    values["cc_controls"] = public_count(study.counts["controls"], settings["min_cell"]) if cc else None
    return values


def _summaries(values: dict, fc, cc, kreport, min_cell: int) -> dict:
    """Design-neutral sentences for the ALTAI answers (filled whatever the data)."""
    if fc is not None:
        d = fc.differences[fc.strongest]
        m, b = fc.cis["model"], fc.cis[fc.strongest]
        headline = (
            f"{values['forecast_target']}: subject-grouped cross-validated MAE of the personal-trend model "
            f"{m.estimate:.2f} (95% cluster-bootstrap CI {m.low:.2f} to {m.high:.2f}) against {b.estimate:.2f} for "
            f"{METHOD_NAMES[fc.strongest]}, the strongest baseline; paired difference {d.estimate:+.2f} "
            f"({d.low:+.2f} to {d.high:+.2f}): "
            + (
                "the model is better."
                if d.high < 0
                else "the model is NOT better; the baseline is the forecast to use."
            )
        )
        leak = fc.cis["lightgbm_recordwise"].estimate
        leakage = (
            f"With record-wise folds (assessments of one person in training and test) LightGBM reports {leak:.2f} "
            f"against {fc.cis['lightgbm'].estimate:.2f} with subject-grouped folds: the leaky split is shown, never "
            "claimed."
        )
    elif cc is not None:
        g, lr = cc.cis["auc_lightgbm"], cc.cis["auc_logistic"]
        opt = cc.differences["recordwise_minus_grouped"]
        headline = (
            f"ROC-AUC for people never seen (subject-grouped folds): LightGBM {g.estimate:.3f} (95% CI {g.low:.3f} "
            f"to {g.high:.3f}), logistic regression {lr.estimate:.3f} ({lr.low:.3f} to {lr.high:.3f}); calibration "
            f"slope of LightGBM {cc.calibration['lightgbm']['slope']:.2f}."
        )
        leakage = (
            f"Record-wise folds report {cc.cis['auc_lightgbm_recordwise'].estimate:.3f}, "
            f"{opt.estimate:+.3f} above the honest figure (paired CI {opt.low:+.3f} to {opt.high:+.3f}): shown as "
            "a warning, never claimed."
        )
    else:
        headline = leakage = "No model was evaluated in this run."
    if kreport is not None:
        release = (
            f"A row-level extract for collaborators is {kreport.k_after}-anonymous (target {kreport.k}) over "
            f"{', '.join(kreport.quasi_identifiers)}: {public_count(kreport.rows_generalised, min_cell)} rows "
            f"generalised, {public_count(kreport.rows_suppressed, min_cell)} suppressed."
        )
    else:
        release = "No row-level extract is prepared (the data have no age)."
    gap = values.get("mae_gap_subgroup")
    if gap is not None:
        what, unit = ("Forecast errors (MAE)", "points") if fc is not None else ("ROC-AUC", "AUC")
        fairness = (
            f"{what} per subgroup (sex, age band, subtype where present) are reported with intervals; the largest "
            f"gap between subgroups with enough data is {gap:.2f} {unit} ({values['mae_gap_by']}: worst "
            f"{values['mae_gap_worst']}, best {values['mae_gap_best']})."
        )
    else:
        fairness = (
            "No subgroup had enough people for an error gap (or the data carry no sex, age or subtype); "
            "subgroup performance is therefore not established."
        )
    return {
        "headline_result": headline,
        "headline_leakage": leakage,
        "release_summary": release,
        "fairness_summary": fairness,
    }
