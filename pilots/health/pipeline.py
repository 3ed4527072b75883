"""The whole health analysis without the notebook's narrative and figures (benchmarks, scripts).

``run(...)`` takes the notebook's parameters, performs the same steps in the same order with the
same functions, and returns the metrics the notebook records.
"""

from __future__ import annotations

import numpy as np

from . import analysis
from .privacy import dp_release, k_anonymous_extract
from .study import load_study


def run(
    data_mode: str = "synthetic",
    *,
    seed: int = 0,
    n_pd: int = 800,
    n_controls: int = 800,
    max_years: int = 5,
    n_folds: int = 5,
    n_boot: int = 200,
    n_boot_clusters: int = 30,
    k_anonymity: int = 5,
    min_cell: int = 5,
    epsilon: float = 1.0,
    cohort_path: str = "",
    cohort_columns: dict | None = None,
    cohort_time_unit: str = "years",
) -> dict:
    study = load_study(
        data_mode,
        seed=seed,
        n_pd=n_pd,
        n_controls=n_controls,
        max_years=max_years,
        cohort_path=cohort_path,
        cohort_columns=cohort_columns,
        time_unit=cohort_time_unit,
    )
    metrics: dict = {
        "data_source": study.source.label,
        "n_subjects": study.n_subjects,
        "n_visits": len(study.visits),
    }
    if study.is_synthetic:
        analysis.calibration_comparison(study)
    _, metrics["table1_cells_suppressed"] = analysis.baseline_table(study, min_cell)
    prog = analysis.progression(study)
    est = prog.fit.estimate
    metrics.update(
        progression_slope=est.slope,
        progression_slope_ci_low=est.ci_low,
        progression_slope_ci_high=est.ci_high,
        progression_slope_true=prog.true_slope,
    )
    surv = analysis.survival(study)
    for name, res in surv.items():
        metrics[f"events_{name}"] = res.n_events
    pred = analysis.predict(study, n_folds=n_folds, n_boot=n_boot, seed=seed)
    metrics[f"mae_{pred.task}"] = pred.mae("model")
    metrics[f"mae_{pred.task}_baseline"] = pred.mae(pred.primary_baseline)
    metrics[f"mae_{pred.task}_recordwise"] = pred.mae("recordwise")
    analysis.prediction_subgroups(pred, study, n_boot=max(n_boot // 2, 20), seed=seed)
    clus = analysis.clusters(study, n_boot=n_boot_clusters, seed=seed)
    metrics["cluster_stability_ari"] = clus.stability if clus is not None else None
    _, report = k_anonymous_extract(study.baseline(), k_anonymity, columns=("group",))
    metrics["k_anonymity_k"] = report.k_after
    dp_release(study.baseline(), epsilon, rng=np.random.default_rng())
    metrics["rows"] = len(study.visits)
    return metrics
