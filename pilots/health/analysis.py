"""The health pilot's analysis steps on a prepared ``Study`` (called by the notebook and ``pipeline``).

Each step returns aggregate results only (tables, estimates, intervals); nothing here returns or
prints a row-level record with an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from livinglab.trust import CI, bootstrap_ci, subgroup_report

from . import prediction as pr
from .loaders import VOICE_FEATURES
from .progression import ProgressionFit, fit_progression, progression_table
from .reference import cohort_facts
from .study import Study
from .table1 import table_one

CONTINUOUS = {
    "age": "Age at baseline (years)",
    "age_at_onset": "Age at onset (years)",
    "disease_duration": "Disease duration (years)",
    "updrs1": "MDS-UPDRS I",
    "updrs2": "MDS-UPDRS II",
    "updrs3": "MDS-UPDRS III",
    "updrs4": "MDS-UPDRS IV",
    "hy": "Hoehn & Yahr stage",
    "moca": "MoCA",
    "ledd": "LEDD (mg/day)",
    "motor_updrs": "UPDRS motor (interpolated)",
    "total_updrs": "UPDRS total (interpolated)",
    "hnr": "Harmonics-to-noise ratio (dB)",
    "ppe": "Pitch period entropy",
}
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
        ("luxpark_pd_updrs3", "PD MDS-UPDRS III, mean", pdb["updrs3"].mean(), "value"),
        ("luxpark_pd_updrs3", "PD MDS-UPDRS III, SD", pdb["updrs3"].std(), "sd"),
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
            ("luxpark2025_hc_updrs3", "Control MDS-UPDRS III, median", hc["updrs3"].median(), "value"),
        ]
    out = pd.DataFrame(
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
    return out


# --------------------------------------------------------------------------------------- table 1


def baseline_table(study: Study, min_cell: int = 5) -> tuple[pd.DataFrame, int]:
    base = study.baseline()
    group = "group" if base["group"].nunique() > 1 else ("sex" if "sex" in base.columns else None)
    return table_one(
        base, group, CONTINUOUS, {k: v for k, v in CATEGORICAL.items() if k != group}, min_cell=min_cell
    )


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
    fit = fit_progression(patients, study.outcome)
    table = progression_table(
        patients,
        study.subgroup_factors,
        study.outcome,
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


# --------------------------------------------------------------------------------------- prediction


@dataclass
class PredictionResult:
    task: str
    target_label: str
    grouped: pr.CVResult
    recordwise: pr.CVResult
    summary: pd.DataFrame  # name, split, mae, low, high
    cis: dict[str, CI]
    importance: pd.DataFrame
    frame: pd.DataFrame  # the modelling rows (pseudonymised ids), kept for subgroup reports
    primary_baseline: str

    def mae(self, name: str) -> float:
        return float(self.cis[name].estimate)


def predict(study: Study, *, n_folds: int = 5, n_boot: int = 200, seed: int = 0) -> PredictionResult:
    """Next-visit UPDRS III (cohort) or motor UPDRS from voice (telemonitoring), subject-grouped CV
    against baselines, the same model with record-wise CV, and SHAP importance."""
    if study.kind == "telemonitoring":
        frame = study.visits.reset_index(drop=True)
        features, target = list(VOICE_FEATURES), "motor_updrs"
        baselines = {"mean": "mean"}
        names = {"mean": "training mean (subject-grouped CV)"}
        task, label, primary = "voice", "motor UPDRS from voice measures", "mean"
    else:
        frame = pr.next_visit_frame(study.patients(), study.outcome)
        features, target = list(pr.NEXT_VISIT_FEATURES), "target"
        baselines = {
            "locf": f"locf:{study.outcome}",
            "drift": f"drift:{study.outcome}:gap_years",
            "mean": "mean",
        }
        names = {
            "locf": "last observation carried forward (LOCF)",
            "drift": "LOCF + mean annual change of the training folds",
            "mean": "training mean",
        }
        task, label, primary = "next_visit", "next-visit MDS-UPDRS III", "locf"
    grouped = pr.cross_validate(
        frame, features, target, split="grouped", n_splits=n_folds, seed=seed, baselines=baselines
    )
    recordwise = pr.cross_validate(
        frame, features, target, split="record-wise", n_splits=n_folds, seed=seed, shap_rows=0
    )
    g = grouped.predictions
    subjects = g["subject"]
    cis = {"model": bootstrap_ci(mae, g["y"], g["pred"], groups=subjects, n_boot=n_boot, seed=seed)}
    for name in baselines:
        cis[name] = bootstrap_ci(mae, g["y"], g[name], groups=subjects, n_boot=n_boot, seed=seed)
    r = recordwise.predictions
    cis["recordwise"] = bootstrap_ci(mae, r["y"], r["pred"], groups=r["subject"], n_boot=n_boot, seed=seed)
    rows = [("LightGBM", "subject-grouped CV", cis["model"])]
    rows += [(names[b], "subject-grouped CV", cis[b]) for b in baselines]
    rows += [("LightGBM", "record-wise CV (leaky)", cis["recordwise"])]
    summary = pd.DataFrame(
        [
            {
                "name": n if "LightGBM" not in n else f"{n} ({s})",
                "split": s,
                "mae": c.estimate,
                "low": c.low,
                "high": c.high,
            }
            for n, s, c in rows
        ]
    )
    return PredictionResult(
        task, label, grouped, recordwise, summary, cis, pr.shap_importance(grouped), frame, primary
    )


def prediction_subgroups(
    result: PredictionResult, study: Study, *, n_boot: int = 200, seed: int = 0, min_count: int = 30
):
    """MAE of the subject-grouped predictions by sex and by age band (trust.subgroup_report)."""
    frame = result.frame
    age = frame["age"] if "age" in frame.columns else None
    sensitive = {}
    if "sex" in frame.columns:
        sensitive["sex"] = frame["sex"].astype(str)
    if age is not None:
        sensitive["age band"] = pd.cut(
            age, [0, 60, 70, 200], right=False, labels=["<60", "60-69", ">=70"]
        ).astype(str)
    if "subtype" in frame.columns:
        sensitive["subtype"] = (
            frame["subtype"].astype(object).where(frame["subtype"].notna(), "(missing)").astype(str)
        )
    g = result.grouped.predictions
    return {
        f"by {name}": subgroup_report(
            {"mae": mae},
            g["y"],
            g["pred"],
            col.reset_index(drop=True),
            groups=g["subject"],
            n_boot=n_boot,
            seed=seed,
            min_count=min_count,
        )
        for name, col in sensitive.items()
    }


# --------------------------------------------------------------------------------------- time to event


def survival(study: Study):
    """Time to H&Y >= 3 (KM by motor subtype, Cox) and to MoCA < 26 (KM by carrier status, Cox).

    Returns ``{}`` for data without these scores (telemonitoring)."""
    from .survival import analyse_endpoint

    patients = study.patients()
    if not {"hy", "moca"} <= set(patients.columns):
        return {}
    base = study.baseline()
    wanted = ["pid", "age", "age_at_onset", "sex", "subtype", "carrier", "updrs3", "moca"]
    base = base[base["group"] == "PD"][[c for c in wanted if c in base.columns]]
    base = base.rename(columns={"updrs3": "baseline_updrs3", "moca": "baseline_moca"})

    def by(column):
        return column if column in base.columns and base[column].notna().any() else None

    return {
        "hy3": analyse_endpoint(
            patients,
            base,
            "hy3",
            by=by("subtype"),
            covariates=["age_at_onset", "sex", "subtype", "carrier", "baseline_updrs3"],
        ),
        "cognitive": analyse_endpoint(
            patients,
            base,
            "cognitive",
            by=by("carrier"),
            covariates=["age", "sex", "carrier", "baseline_moca"],
        ),
    }


# --------------------------------------------------------------------------------------- clustering


def clusters(study: Study, *, n_boot: int = 30, seed: int = 0):
    """Baseline profiles of people with PD clustered, with bootstrap stability (None when too few)."""
    from .clustering import PROFILE_FEATURES, cluster_profiles

    base = study.baseline()
    base = base[base["group"] == "PD"].reset_index(drop=True)
    present = [f for f in PROFILE_FEATURES if f in base.columns]
    if len(base) < 50 or len(present) < 3:
        return None
    return cluster_profiles(base, present, n_boot=n_boot, seed=seed)


# --------------------------------------------------------------------------------------- recorded values


def run_metrics(
    study: Study, prog, pred, surv, clus, kreport, dp_table, n_suppressed: int, reports, *, settings: dict
) -> dict:
    """Everything the notebook records (the model card and altai.yaml are filled from these).

    ``settings``: the parameters the card quotes (``n_folds``, ``min_cell``, ``epsilon``) and the run time.
    Task-specific names (``mae_next_visit*``, ``mae_voice_*``) are None for the other task; the
    ``prediction_*`` names hold the same numbers whatever the task.
    """
    est = prog.fit.estimate
    model, base, leak = pred.cis["model"], pred.cis[pred.primary_baseline], pred.cis["recordwise"]
    is_next = pred.task == "next_visit"
    covered = prog.covered_subgroups
    gaps = {title: r.gaps.get("mae", {}) for title, r in reports.items()}
    gap_by = next((t for t, g in gaps.items() if g.get("largest_gap") is not None), None)
    gap = gaps.get(gap_by, {})
    values = {
        "data_source": study.source.label,
        "n_subjects": study.n_subjects,
        "n_visits": len(study.visits),
        "outcome_label": study.outcome_label,
        "progression_slope": est.slope,
        "progression_slope_ci_low": est.ci_low,
        "progression_slope_ci_high": est.ci_high,
        "progression_slope_true": prog.true_slope,
        "progression_converged": bool(prog.table["converged"].all()),
        "progression_by_subgroup": {
            f"{r.factor}={r.level}": round(r.slope, 3)
            for r in prog.table.itertuples()
            if r.factor != "overall"
        },
        "progression_subgroups_covered": covered[0] if covered else None,
        "progression_subgroups_total": covered[1] if covered else None,
        "prediction_task": pred.task,
        "prediction_target": pred.target_label,
        "prediction_baseline_name": pred.summary["name"].iloc[1],
        "prediction_mae": model.estimate,
        "prediction_mae_ci_low": model.low,
        "prediction_mae_ci_high": model.high,
        "prediction_mae_baseline": base.estimate,
        "prediction_mae_baseline_ci_low": base.low,
        "prediction_mae_baseline_ci_high": base.high,
        "prediction_mae_recordwise": leak.estimate,
        "prediction_mae_recordwise_ci_low": leak.low,
        "prediction_mae_recordwise_ci_high": leak.high,
        "top_shap_feature": str(pred.importance.index[0]),
        "mae_gap_subgroup": gap.get("largest_gap"),
        "mae_gap_by": gap_by,
        "mae_gap_worst": gap.get("worst"),
        "mae_gap_best": gap.get("best"),
        "cluster_k": clus.k if clus is not None else None,
        "cluster_stability_ari": clus.stability if clus is not None else None,
        "table1_cells_suppressed": n_suppressed,
        "k_anonymity_k": kreport.k_after,
        "k_anonymity_target": kreport.k,
        "k_anonymity_k_before": kreport.k_before,
        "k_anonymity_rows_generalised": kreport.rows_generalised,
        "k_anonymity_rows_suppressed": kreport.rows_suppressed,
        "k_anonymity_quasi_identifiers": ", ".join(kreport.quasi_identifiers),
        "dp_max_abs_error": float(dp_table["abs_error"].max()),
        "cv_folds": settings["n_folds"],
        "min_cell": settings["min_cell"],
        "dp_epsilon": float(settings["epsilon"]),
        "analysis_s": settings["runtime_s"],
    }
    drift = pred.cis.get("drift") if is_next else None
    values.update(
        {
            "mae_next_visit": model.estimate if is_next else None,
            "mae_next_visit_ci_low": model.low if is_next else None,
            "mae_next_visit_ci_high": model.high if is_next else None,
            "mae_next_visit_baseline": base.estimate if is_next else None,
            "mae_next_visit_drift": drift.estimate if drift else None,
            "mae_next_visit_drift_ci_low": drift.low if drift else None,
            "mae_next_visit_drift_ci_high": drift.high if drift else None,
            "mae_next_visit_recordwise": leak.estimate if is_next else None,
            "mae_voice_grouped": None if is_next else model.estimate,
            "mae_voice_grouped_ci_low": None if is_next else model.low,
            "mae_voice_grouped_ci_high": None if is_next else model.high,
            "mae_voice_baseline": None if is_next else base.estimate,
            "mae_voice_recordwise": None if is_next else leak.estimate,
        }
    )
    for name, res in surv.items():
        values.update(
            {
                f"events_{name}": res.n_events,
                f"at_risk_{name}": res.n_at_risk,
                f"cox_concordance_{name}": res.cox_concordance,
            }
        )
    return values
