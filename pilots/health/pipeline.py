"""The whole health analysis without the notebook's narrative and figures (benchmarks, scripts, tests).

``run(...)`` takes the notebook's parameters, performs the same steps in the same order with the same
functions, and returns the metrics the notebook records (``analysis.run_metrics``).
"""

from __future__ import annotations

import time

from . import analysis
from .privacy import k_anonymous_extract
from .study import load_study

STUDY_PARAMETERS = (
    "data_path",
    "columns",
    "read_options",
    "design",
    "time_unit",
    "score_name",
    "score_range",
    "value_codes",
    "duplicates",
    "visit_resolution",
    "horizon",
    "case_label",
    "subject_pattern",
    "seed",
    "n_pd",
    "n_controls",
    "max_years",
    "records_per_subject",
)


def run(
    data_mode: str = "synthetic",
    *,
    n_folds: int = 5,
    n_boot: int = 50,
    n_boot_clusters: int = 10,
    k_anonymity: int = 5,
    min_cell: int = 5,
    epsilon: float = 1.0,
    seed: int = 0,
    **params,
) -> dict:
    """The notebook's analysis; ``params`` are the other notebook parameters (data, design, sizes)."""
    t0 = time.perf_counter()
    unknown = set(params) - set(STUDY_PARAMETERS) - {"release_extract"}
    if unknown:
        raise TypeError(f"Unknown parameter(s) {', '.join(sorted(unknown))}.")
    study = load_study(data_mode, seed=seed, **{k: v for k, v in params.items() if k in STUDY_PARAMETERS})
    longitudinal = study.design == "longitudinal"
    if study.is_synthetic and longitudinal:
        analysis.calibration_comparison(study)
    _, n_suppressed, dp_table, budget = analysis.public_table_one(study, epsilon, min_cell=min_cell)
    prog = fc = reports = clus = cc = None
    surv: dict = {}
    if longitudinal:
        prog = analysis.progression(study)
        surv = analysis.survival(study)
        fc = analysis.forecast(study, n_folds=n_folds, n_boot=n_boot, seed=seed)
        if study.is_synthetic:
            fc.external = analysis.external_validation(study, fc, seed=seed, n_boot=n_boot)
        reports = analysis.prediction_subgroups(
            fc, study, n_boot=max(n_boot // 2, 20), seed=seed, min_cell=min_cell
        )
        clus = analysis.clusters(study, n_boot=n_boot_clusters, seed=seed, min_cell=min_cell)
    else:
        cc = analysis.case_control(study, n_folds=n_folds, n_boot=n_boot, seed=seed)
        reports = analysis.case_control_subgroups(
            cc, study, n_boot=max(n_boot // 2, 20), seed=seed, min_cell=min_cell
        )
    kreport = None
    if "age" in study.baseline().columns:
        _, kreport = k_anonymous_extract(
            study.baseline(), k_anonymity, columns=("group",) if longitudinal else ("label",)
        )
    settings = {
        "n_folds": n_folds,
        "min_cell": min_cell,
        "epsilon": epsilon,
        "runtime_s": time.perf_counter() - t0,
    }
    return analysis.run_metrics(
        study,
        settings=settings,
        dp_table=dp_table,
        budget=budget,
        n_suppressed=n_suppressed,
        prog=prog,
        fc=fc,
        surv=surv,
        clus=clus,
        kreport=kreport,
        reports=reports,
        cc=cc,
    )
