"""Fintech pilot benchmark: the detection pipeline end to end on 100k, 1M and 10M synthetic transactions.

    python -m pilots.fintech.benchmark --list
    python -m pilots.fintech.benchmark --case 1M

One case = generate the ledger, validate it (pandera), build the leak-free features, split by time,
fit the threshold LightGBM, the final LightGBM, the Isolation Forest and the rules, score and
evaluate the test period, build the analyst queue with SHAP reasons, the alert share per segment
and the drift summary. (The notebook's bootstrap intervals for PR-AUC are not included: they scale
with n_boot, not with the pipeline.) The last line printed is one JSON object; the harness
(`livinglab bench`) measures peak memory.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from livinglab.bench import case_main

CASES = {"100k": (100_000, 60), "1M": (1_000_000, 90), "10M": (10_000_000, 90)}


def run_case(name: str) -> dict:
    from livinglab.drift import compare_and_store
    from pilots.fintech.loaders import validate_transactions
    from pilots.fintech.oversight import analyst_queue, segment_alert_report
    from pilots.fintech.pipeline import run_detection
    from pilots.fintech.reporting import drift_categoricals, drift_frame
    from pilots.fintech.synthetic import generate_transactions

    n, days = CASES[name]
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    tx = validate_transactions(generate_transactions(n, n_days=days, fraud_rate=0.002, seed=0))
    steps["generate_validate_s"] = time.perf_counter() - t0
    run = run_detection(tx, data_source="synthetic", alerts_per_day=50, seed=0)
    steps.update(run.timings)
    t1 = time.perf_counter()
    analyst_queue(run.test, run.X_test, run.model, size=20)
    segment_alert_report(run.test, n_boot=50)
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
        "baseline": round(m["pr_auc_rules"], 4),
        "pr_auc_unsupervised": round(m["pr_auc_unsupervised"], 4),
        "precision_at_budget": round(m["precision_at_budget"], 4),
        "steps_s": {k: round(v, 2) for k, v in steps.items()},
        "self_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, CASES, run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
