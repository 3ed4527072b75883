"""Fintech pilot benchmark: a synthetic ledger end to end (100k, 1M, 10M rows) and the six ADBench feature tables.

    python -m pilots.fintech.benchmark --list
    python -m pilots.fintech.benchmark --case 1M
    python -m pilots.fintech.benchmark --case adbench

Ledger cases = generate the ledger, validate it (pandera), build the leak-free features, split by time, fit the
threshold LightGBM, the final LightGBM, the logistic regression, the unsupervised combination, the default
Isolation Forest and the rules, score and evaluate the test period, build the analyst queue with SHAP reasons,
the alert share per segment and the drift summary. (The notebook's bootstrap intervals are not included: they
scale with n_boot, not with the pipeline.) The 10M case is the single-machine ceiling; beyond it the ledger
features are to run partitioned on a cluster (the scale-out work item).

The ``adbench`` case reads the six sets of ``../shared/data/fintech/adbench`` through the pilot's loader and
times fit + score of the unsupervised combination and of the semi-supervised mode (label_fraction 0.05) per set.
The last line printed is one JSON object; the harness (`livinglab bench`) measures peak memory.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from livinglab.bench import case_main

CASES = {"100k": (100_000, 60), "1M": (1_000_000, 90), "10M": (10_000_000, 90), "adbench": (0, 0)}
ADBENCH = ("2_annthyroid", "23_mammography", "27_PageBlocks", "28_pendigits", "30_satellite", "44_Wilt")


def run_adbench() -> dict:
    from livinglab.paths import project_root
    from pilots.fintech.data import load_fintech
    from pilots.fintech.tabular import run_table_detection

    folder = project_root().parent / "shared" / "data" / "fintech" / "adbench"
    t0 = time.perf_counter()
    per_set = {}
    for name in ADBENCH:
        data = load_fintech(
            "synthetic", str(folder / f"{name}.npz"), {}, {}, "auto",
            n_transactions=0, n_days=0, fraud_rate=0.0, seed=0, real_distribution="",
        )  # fmt: skip
        unsup = run_table_detection(data, n_boot=10).metrics
        semi = run_table_detection(data, label_fraction=0.05, n_boot=10).metrics
        per_set[name] = {
            "roc_auc_iforest": round(unsup["roc_auc_iforest"], 4),
            "roc_auc": round(unsup["roc_auc"], 4),
            "roc_auc_semisupervised": round(semi["roc_auc_semisupervised"], 4),
            "fit_score_s": unsup["fit_score_s"],
            "fit_score_semi_s": semi["fit_score_s"],
        }
    mean = {
        k: round(sum(v[k] for v in per_set.values()) / len(per_set), 4) for k in next(iter(per_set.values()))
    }
    return {
        "pilot": "fintech",
        "case": "adbench",
        "rows": 0,
        "wall_s": round(time.perf_counter() - t0, 2),
        "metric": "roc_auc (mean of six)",
        "model": mean["roc_auc"],
        "baseline": mean["roc_auc_iforest"],
        "roc_auc_semisupervised": mean["roc_auc_semisupervised"],
        "max_fit_score_s": max(max(v["fit_score_s"], v["fit_score_semi_s"]) for v in per_set.values()),
        "per_set": per_set,
        "self_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def run_case(name: str) -> dict:
    if name == "adbench":
        return run_adbench()
    from livinglab.drift import compare_and_store
    from pilots.fintech.loaders import validate_transactions
    from pilots.fintech.oversight import analyst_queue, segment_alert_report
    from pilots.fintech.pipeline import run_detection
    from pilots.fintech.reporting import drift_categoricals, drift_frame
    from pilots.fintech.synthetic import SEGMENT_COLUMNS, generate_transactions

    n, days = CASES[name]
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    tx = validate_transactions(generate_transactions(n, n_days=days, fraud_rate=0.002, seed=0))
    steps["generate_validate_s"] = time.perf_counter() - t0
    segments = tuple(reversed(SEGMENT_COLUMNS))
    run = run_detection(tx, segments=segments, data_source="synthetic", alerts_per_day=50, seed=0)
    steps.update(run.timings)
    t1 = time.perf_counter()
    analyst_queue(run.test, run.X_test, run.model, size=20, segments=segments)
    segment_alert_report(run.test, segments=segments, n_boot=50)
    with tempfile.TemporaryDirectory() as tmp:
        compare_and_store(
            drift_frame(run),
            categorical=drift_categoricals(run),
            fingerprint=f"benchmark-{name}",
            output=Path(tmp) / "run" / "fintech",
        )
    steps["oversight_drift_s"] = time.perf_counter() - t1
    wall = time.perf_counter() - t0
    m = run.metrics
    return {
        "pilot": "fintech",
        "case": name,
        "rows": int(m["rows"]),
        "wall_s": round(wall, 2),
        "metric": "pr_auc",
        "model": round(m["pr_auc"], 4),
        "baseline": round(m["pr_auc_lr"], 4),
        "pr_auc_iforest": round(m["pr_auc_iforest"], 4),
        "pr_auc_unsupervised": round(m["pr_auc_unsupervised"], 4),
        "pr_auc_rules": round(m["pr_auc_rules"], 4),
        "precision_at_budget": round(m["precision_at_budget"], 4),
        "steps_s": {k: round(v, 2) for k, v in steps.items()},
        "self_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, CASES, run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
