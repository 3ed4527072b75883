"""``run(params, design) -> Result``: the whole health analysis, called by the notebooks, the benchmark and
the tests (the one orchestration of the pilot).

- ``run(globals())`` in longitudinal.ipynb (:func:`run_longitudinal`): load, prepare and pseudonymise;
  Table 1 (small cells suppressed, means only with DP); the mixed model of progression; time to event; the
  forecast against the clinician baselines (claims); the error by subgroup; clusters of baseline profiles;
  the k-anonymous extract.
- ``run(globals(), design="case_control")`` in case_control.ipynb (:func:`run_case_control`): load, prepare
  and pseudonymise; Table 1; LightGBM against logistic regression with subject-grouped folds (claims) and
  the record-wise contrast; ROC-AUC by subgroup; the k-anonymous extract.

``params`` is a dict or a notebook's ``globals()``; what it does not give comes from the design's notebook
(``livinglab.load`` fills it). The same data, parameters and seed give the same ``as_record()``, byte for
byte: synthetic pseudonyms come from a key derived from the seed (``livinglab.trust.pseudonym_key``), folds
from the sorted pseudonyms, every draw from ``seed``; timings are kept apart. The DP-released means are the
one exception, by design: OpenDP's noise is never seeded, and no released value is a metric.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import livinglab
from livinglab.trust import pseudonym_key

from . import data as prepare
from . import model, synthetic
from .privacy import (
    DP_BOUNDS,
    KAnonReport,
    PrivacyBudget,
    k_anonymous_extract,
    public_counts,
    public_table_one,
)

PILOT = "health"
#: the characteristics whose means the public page releases (with DP); few, so each gets more budget
DP_RELEASED = ("score", "age", "moca")
VARIABLE_LABELS = {
    "age": "Age at first assessment (years)",
    "age_at_onset": "Age at onset (years)",
    "disease_duration": "Disease duration (years)",
    "moca": "MoCA",
    "hy": "Hoehn & Yahr stage",
}
CATEGORICAL = {
    "sex": "Sex",
    "subtype": "Motor subtype",
    "carrier": "Genetic carrier status",
    "onset_band": "Age at onset band",
}


@dataclass(kw_only=True)
class HealthResult(livinglab.Result):
    """What both designs show: the public Table 1 (with its DP release) and the k-anonymous extract."""

    table1: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_suppressed: int = 0
    dp_table: pd.DataFrame = field(default_factory=pd.DataFrame)  # noisy values: shown, never recorded
    budget: PrivacyBudget | None = None
    extract: pd.DataFrame | None = None
    kreport: KAnonReport | None = None

    @property
    def min_cell(self) -> int:
        return int(self.params["min_cell"])


@dataclass(kw_only=True)
class LongitudinalResult(HealthResult):
    cohort: prepare.Cohort
    calibration: pd.DataFrame | None = None  # synthetic only: the generated baseline beside published figures
    progression: model.ProgressionResult | None = None
    survival: dict[str, Any] = field(default_factory=dict)
    forecast: model.ForecastEvaluation | None = None
    held_out: model.HeldOut | None = None  # synthetic only
    clusters: model.ClusterResult | None = None


@dataclass(kw_only=True)
class CaseControlResult(HealthResult):
    records: prepare.Records
    classification: model.Classification | None = None


def run(params: Any = None, design: str = "longitudinal") -> HealthResult:
    """The whole analysis of ``design`` ("longitudinal" or "case_control") with ``params``."""
    designs = {"longitudinal": run_longitudinal, "case_control": run_case_control}
    if design not in designs:
        raise ValueError(f"design must be one of {', '.join(designs)}, not {design!r}.")
    return designs[design](params)


def _ci(prefix: str, ci) -> dict[str, Any]:
    return {prefix: ci.estimate, f"{prefix}_ci_low": ci.low, f"{prefix}_ci_high": ci.high}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: model.scalar(v) for k, v in values.items()}


def _release(baseline: pd.DataFrame, p: dict, columns: tuple[str, ...]):
    if "age" not in baseline.columns:
        return None, None
    return k_anonymous_extract(baseline, int(p["k_anonymity"]), columns=columns)


def _privacy_metrics(p: dict, n_suppressed: int, dp_table: pd.DataFrame, budget, kreport) -> dict[str, Any]:
    return {
        "table1_cells_suppressed": n_suppressed,
        "dp_epsilon": float(p["epsilon"]),
        "dp_epsilon_spent": float(budget.spent),
        "dp_releases": len(dp_table),
        "dp_max_noise_sd": float(dp_table["noise_sd"].max()) if len(dp_table) else None,
        "min_cell": int(p["min_cell"]),
        "k_anonymity_k": kreport.k_after if kreport else None,
        "k_anonymity_target": kreport.k if kreport else None,
        "k_anonymity_rows_generalised": kreport.rows_generalised if kreport else None,
        "k_anonymity_rows_suppressed": kreport.rows_suppressed if kreport else None,
        "k_anonymity_quasi_identifiers": ", ".join(kreport.quasi_identifiers) if kreport else None,
    }


def _gap_metrics(result: livinglab.Result) -> dict[str, Any]:
    gap = result.largest_gap() or {}
    return {
        "subgroup_gap": gap.get("gap"),
        "subgroup_gap_by": gap.get("grouping"),
        "subgroup_gap_worst": gap.get("worst"),
        "subgroup_gap_best": gap.get("best"),
    }


def _identical_dropped(data) -> int:
    """Records identical in every column that the loader already dropped (counted once, on the page)."""
    dropped = getattr(data.applied, "dropped", None) or {}
    return sum(int(n) for reason, n in dropped.items() if "identical" in reason)


def _mapping_notes(data) -> list[str]:
    """How the file's columns became the contract's (none for synthetic data); the reader's timings stay out."""
    return list(data.applied.notes) if data.applied else []


def _synthetic_params(p: dict) -> dict:
    """What the synthetic cohort implies (as a catalogue entry's ``params`` do for its file): years, its
    score's name and scale, codes already in words."""
    return {
        **p,
        "time_unit": "years",
        "score_name": p["score_name"] or synthetic.SCORE_NAME,
        "score_range": p["score_range"] or list(synthetic.SCORE_RANGES["updrs3"]),
        "value_codes": {},
        "visit_resolution": 0.0,
    }


def run_longitudinal(params: Any = None) -> LongitudinalResult:
    """Repeated assessments of a score (module doc)."""
    t0 = time.perf_counter()
    data = livinglab.load(PILOT, "longitudinal", params)
    p = _synthetic_params(data.params) if data.is_synthetic else dict(data.params)
    seed, n_boot, n_folds, min_cell = int(p["seed"]), int(p["n_boot"]), int(p["n_folds"]), int(p["min_cell"])
    key = pseudonym_key(data.mode, seed)
    mapping = data.applied.mapping if data.applied else None
    cohort = prepare.longitudinal(
        data.frame, p, key=key, mapping=mapping, dropped_before=_identical_dropped(data)
    )
    timings = {"load_s": time.perf_counter() - t0}

    baseline = cohort.baseline()
    group = cohort.group_column
    dp_variables = {c: DP_BOUNDS[c] for c in DP_RELEASED if c in DP_BOUNDS and c in baseline.columns}
    if cohort.score_range is not None:
        dp_variables = {"score": cohort.score_range, **dp_variables}
    labels = {**VARIABLE_LABELS, "score": cohort.score_label}
    categorical = {k: v for k, v in CATEGORICAL.items() if k != group}
    table1, n_suppressed, dp_table, budget = public_table_one(
        baseline, group, categorical, dp_variables, labels, float(p["epsilon"]), min_cell=min_cell
    )
    true_rates = synthetic.true_progression_rates() if data.is_synthetic else None
    calibration = synthetic.calibration_comparison(baseline) if data.is_synthetic else None
    prog = model.progression_analysis(cohort, true_rates)
    surv = model.survival_analysis(cohort)
    t1 = time.perf_counter()
    fc = model.evaluate_forecast(cohort, n_folds=n_folds, n_boot=n_boot, seed=seed)
    held = None
    if data.is_synthetic:  # the forecast on people drawn with other generator settings
        n_pd = max(int(cohort.patients()["pid"].nunique()), 50)
        other = synthetic.make_held_out(n_pd, int(cohort.data["visit"].max()), seed)
        visits = prepare.longitudinal(other, p, key=key).patients()
        held = model.held_out_generation(
            fc, visits, cohort.horizon_years, synthetic.HELD_OUT_SETTINGS, n_boot=n_boot, seed=seed
        )
    timings["forecast_s"] = time.perf_counter() - t1
    reports = model.forecast_subgroups(fc, n_boot=max(n_boot // 2, 20), seed=seed, min_cell=min_cell)
    clus = model.clusters(cohort, n_boot=int(p["n_boot_clusters"]), seed=seed, min_cell=min_cell)
    extract, kreport = _release(baseline, p, ("group",))

    est = prog.fit.estimate
    covered = prog.covered_subgroups
    metrics = {
        "data_source": data.label,
        "data_origin": data.mode,
        "n_subjects": cohort.n_subjects,
        "n_rows": len(cohort.data),
        "score_label": cohort.score_label,
        "forecast_target": f"{cohort.score_label} at {cohort.horizon_text}",
        **{f"prep_{k}": v for k, v in cohort.counts.items()},
        **_privacy_metrics(p, n_suppressed, dp_table, budget, kreport),
        "cv_folds": n_folds,
        "progression_slope": est.slope,
        "progression_slope_ci_low": est.ci_low,
        "progression_slope_ci_high": est.ci_high,
        "progression_slope_true": prog.true_slope,
        "progression_converged": bool(prog.table["converged"].all()),
        "progression_subgroups_covered": covered[0] if covered else None,
        "progression_subgroups_total": covered[1] if covered else None,
        "forecast_rows": fc.n_rows,
        "forecast_subjects": fc.n_subjects,
        "forecast_strongest_baseline": fc.strongest,
        "forecast_strongest_baseline_name": fc.strongest_name,
        **{k: v for m, ci in fc.cis.items() for k, v in _ci(f"forecast_mae_{m}", ci).items()},
        "top_shap_feature": str(fc.importance.index[0]),
        "cluster_k": clus.k if clus is not None else None,
        "cluster_stability_ari": clus.stability if clus is not None else None,
        **{f"cox_concordance_{n}": r.cox_concordance for n, r in surv.items()},
    }
    result = LongitudinalResult(
        pilot=PILOT,
        design="longitudinal",
        data=data,
        params=p,
        claims=[*fc.claims, *([held.claim] if held else [])],
        subgroups=reports,
        notes=[*_mapping_notes(data), *cohort.notes],
        table1=table1,
        n_suppressed=n_suppressed,
        dp_table=dp_table,
        budget=budget,
        extract=extract,
        kreport=kreport,
        cohort=cohort,
        calibration=calibration,
        progression=prog,
        survival=surv,
        forecast=fc,
        held_out=held,
        clusters=clus,
    )
    result.metrics = _plain({**metrics, **_gap_metrics(result)})
    result.timings = {**timings, "run_s": time.perf_counter() - t0}
    return result


def run_case_control(params: Any = None) -> CaseControlResult:
    """Records of people with a diagnosis label, several a person (module doc)."""
    t0 = time.perf_counter()
    data = livinglab.load(PILOT, "case_control", params)
    p = dict(data.params)
    seed, n_boot, n_folds, min_cell = int(p["seed"]), int(p["n_boot"]), int(p["n_folds"]), int(p["min_cell"])
    key = pseudonym_key(data.mode, seed)
    mapping = data.applied.mapping if data.applied else None
    records = prepare.case_control(
        data.frame, p, key=key, mapping=mapping, dropped_before=_identical_dropped(data)
    )
    timings = {"load_s": time.perf_counter() - t0}

    baseline = records.baseline()
    dp_variables = {c: DP_BOUNDS[c] for c in DP_RELEASED if c in DP_BOUNDS and c in baseline.columns}
    if records.score_range is not None:
        dp_variables = {"score": records.score_range, **dp_variables}
    categorical = {k: v for k, v in CATEGORICAL.items() if k != "label"}
    labels = {**VARIABLE_LABELS, "score": records.score_label}
    table1, n_suppressed, dp_table, budget = public_table_one(
        baseline, "label", categorical, dp_variables, labels, float(p["epsilon"]), min_cell=min_cell
    )
    t1 = time.perf_counter()
    cl = model.evaluate_case_control(records, n_folds=n_folds, n_boot=n_boot, seed=seed)
    timings["models_s"] = time.perf_counter() - t1
    reports = model.case_control_subgroups(
        cl, records, n_boot=max(n_boot // 2, 20), seed=seed, min_cell=min_cell
    )
    extract, kreport = _release(baseline, p, ("label",))

    cc = cl.result
    metrics = {
        "data_source": data.label,
        "data_origin": data.mode,
        "n_subjects": records.n_subjects,
        "n_rows": len(records.data),
        "case_label": records.case_label,
        **{
            f"cc_{k}": v
            for k, v in public_counts(
                {"cases": records.counts["cases"], "controls": records.counts["controls"]}, min_cell
            ).items()
        },
        "n_features": len(records.features),
        **_privacy_metrics(p, n_suppressed, dp_table, budget, kreport),
        "cv_folds": n_folds,
        **_ci("auc_lightgbm", cc.cis["auc_lightgbm"]),
        **_ci("auc_logistic", cc.cis["auc_logistic"]),
        **_ci("brier_lightgbm", cc.cis["brier_lightgbm"]),
        "auc_lightgbm_recordwise": cc.cis["auc_lightgbm_recordwise"].estimate,
        "auc_logistic_recordwise": cc.cis["auc_logistic_recordwise"].estimate,
        **_ci("auc_optimism_recordwise", cc.differences["recordwise_minus_grouped"]),
        **_ci("auc_person_lightgbm", cc.person_auc["lightgbm"]),
        "calibration_slope_lightgbm": cc.calibration["lightgbm"]["slope"],
        "calibration_intercept_lightgbm": cc.calibration["lightgbm"]["intercept"],
        "top_shap_feature": str(cc.importance.index[0]),
    }
    result = CaseControlResult(
        pilot=PILOT,
        design="case_control",
        data=data,
        params=p,
        claims=list(cl.claims),
        subgroups=reports,
        notes=[*_mapping_notes(data), *records.notes],
        table1=table1,
        n_suppressed=n_suppressed,
        dp_table=dp_table,
        budget=budget,
        extract=extract,
        kreport=kreport,
        records=records,
        classification=cl,
    )
    result.metrics = _plain({**metrics, **_gap_metrics(result)})
    result.timings = {**timings, "run_s": time.perf_counter() - t0}
    return result
