"""Benchmark of the health pilot: ``run`` per profile and design (``python -m pilots.health.benchmark --list``).

    python -m pilots.health.benchmark --case full

Cases: ``smoke`` and ``full`` (longitudinal), ``case_control_smoke`` and ``case_control`` (case-control),
and ``real`` (the catalogue's UCI telemonitoring file) when the data mirror is present. Each takes its
parameters from its notebook's defaults and the profile in ``pilot.yaml``, and calls the same ``run`` as the
notebook, minus the kernel start and the figures. The ``real`` case needs ``LIVINGLAB_PSEUDONYM_KEY``; without
it a random key is used for this process (the forecast's folds, and so its numbers, then depend on the key).
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
#: case -> (design, profile)
CASES = {
    "smoke": ("longitudinal", "smoke"),
    "full": ("longitudinal", "full"),
    "case_control_smoke": ("case_control", "smoke"),
    "case_control": ("case_control", "case_control"),
    "real": ("longitudinal", "real"),
}


def _cases() -> list[str]:
    real = (MIRROR / "health" / "parkinsons_updrs.data").exists() or os.environ.get("LIVINGLAB_DATA_MIRROR")
    return [c for c in CASES if c != "real" or real]


def run_case(name: str) -> dict:
    from livinglab.pilots import load_pilot
    from pilots.health.run import run

    design, profile = CASES[name]
    params = load_pilot(HERE).profiles.get(profile, {})
    os.environ.setdefault("LIVINGLAB_OFFLINE", "1")
    os.environ.setdefault("LIVINGLAB_DATA_MIRROR", str(MIRROR))  # only the real case reads it
    os.environ.setdefault("LIVINGLAB_PSEUDONYM_KEY", secrets.token_hex(32))
    t0 = time.perf_counter()
    result = run(params, design=design)
    wall = time.perf_counter() - t0
    claim = result.claim("forecast_mae_model" if design == "longitudinal" else "auc_lightgbm")
    return {
        "pilot": "health",
        "case": name,
        "rows": int(result.metrics["n_rows"]),
        "wall_s": round(wall, 2),
        "metric": f"{claim.label} (vs {claim.baseline}; {claim.verdict}, {claim.interval})",
        "model": claim.model_value,
        "baseline": claim.baseline_value,
    }


if __name__ == "__main__":
    sys.exit(case_main(__doc__, _cases(), run_case))
