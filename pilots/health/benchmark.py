"""Benchmark of the health pilot: the whole analysis (``pilots.health.pipeline.run``) per profile.

    python -m pilots.health.benchmark --list
    python -m pilots.health.benchmark --case full

Cases take their parameters from the notebook's defaults and ``pilots/health/pilot.yaml`` (smoke, full,
case_control, real), so the benchmark measures exactly what a profile runs, minus the kernel start and the
figures. The ``real`` case (UCI telemonitoring) is listed only when the data mirror is present; it uses a
random pseudonymisation key.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

from livinglab.bench import case_main

HERE = Path(__file__).resolve().parent
MIRROR = HERE.parents[2] / "shared" / "data"


def _cases() -> dict[str, dict]:
    from livinglab.pilots import load_pilot

    pilot = load_pilot(HERE)
    defaults = {n: p.default for n, p in pilot.parameters()["health.ipynb"].items()}
    cases = {name: {**defaults, **pilot.profiles[name]} for name in ("smoke", "full", "case_control")}
    if (MIRROR / "health" / "parkinsons_updrs.data").exists() or os.environ.get("LIVINGLAB_DATA_MIRROR"):
        cases["real"] = {**defaults, **pilot.profiles["real"]}
    return cases


def run_case(name: str) -> dict:
    from pilots.health import pipeline

    params = _cases()[name]
    os.environ.setdefault("LIVINGLAB_OFFLINE", "1")
    os.environ.setdefault("LIVINGLAB_DATA_MIRROR", str(MIRROR))  # only the real case reads them
    os.environ.setdefault("LIVINGLAB_PSEUDONYM_KEY", secrets.token_hex(16))
    args = {k: v for k, v in params.items() if k != "data_mode"}
    t0 = time.perf_counter()
    metrics = pipeline.run(params["data_mode"], **args)
    wall = time.perf_counter() - t0
    if metrics["design"] == "case_control":
        metric, model, baseline = (
            "ROC-AUC, subject-grouped (vs logistic regression)",
            "auc_lightgbm",
            "auc_logistic",
        )
    else:
        metric = f"forecast MAE (vs {metrics['forecast_strongest_baseline']}, the strongest baseline)"
        model, baseline = "forecast_mae_model", "forecast_mae_strongest"
    return {
        "pilot": "health",
        "case": name,
        "rows": int(metrics["n_rows"]),
        "wall_s": round(wall, 2),
        "metric": metric,
        "model": metrics[model],
        "baseline": metrics[baseline],
    }


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, _cases(), run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
