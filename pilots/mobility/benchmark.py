"""Benchmark of the mobility pilot: the notebook's heavy path (simulate, backtest, evaluate, advise).

    python -m pilots.mobility.benchmark --list
    python -m pilots.mobility.benchmark --case full

Each case prints one JSON line last: pilot, case, rows, wall_s, metric, model, baseline (plus the
split of the time). The harness (`livinglab bench`) measures the process's peak memory.
The ``full`` case is the pilot's full profile: 60 stations x 2 years hourly.
"""

from __future__ import annotations

import sys
import time

from livinglab.bench import case_main

CASES = {
    # name: (pipeline parameters), kept equal to pilots/mobility/pilot.yaml profiles and the notebook defaults
    "smoke": dict(
        n_stations=6,
        start="2023-04-03",
        days=70,
        n_folds=2,
        test_days=7,
        n_estimators=120,
        num_leaves=31,
        max_train_rows=150_000,
    ),
    "default": dict(
        n_stations=10,
        start="2023-02-27",
        days=140,
        n_folds=2,
        test_days=7,
        n_estimators=100,
        num_leaves=31,
        max_train_rows=150_000,
    ),
    "full": dict(
        n_stations=60,
        start="2021-08-02",
        days=728,
        n_folds=3,
        test_days=21,
        n_estimators=150,
        num_leaves=31,
        max_train_rows=100_000,
    ),
}


def run_case(name: str) -> dict:
    from pilots.mobility import pipeline, travel
    from pilots.mobility.forecast import evaluate, headline_metrics

    p = CASES[name]
    t0 = time.perf_counter()
    data = pipeline.prepare_synthetic(p["n_stations"], start=p["start"], days=p["days"], seed=0)
    t1 = time.perf_counter()
    bt = pipeline.backtest(
        data,
        n_folds=p["n_folds"],
        test_days=p["test_days"],
        max_train_rows=p["max_train_rows"],
        n_estimators=p["n_estimators"],
        num_leaves=p["num_leaves"],
        seed=0,
    )
    t2 = time.perf_counter()
    metrics = headline_metrics(evaluate(bt.predictions, data.calendar), bt.predictions)
    days = pipeline.pick_days(data.calendar, bt.predictions)
    incident = travel.incident_between(data.G, "J_A3_LIVANGE", "J_GASPERICH", 6.5, 9.5, 0.5)
    table, _ = pipeline.compare_advice(
        data,
        bt.predictions,
        origin="THIONVILLE",
        destination="LUX_KIRCHBERG",
        latest_arrival="09:00",
        days=days,
        incidents=[incident],
    )
    t3 = time.perf_counter()
    return {
        "pilot": "mobility",
        "case": name,
        "rows": data.rows,
        "wall_s": round(t3 - t0, 2),
        "metric": "mae_h1",
        "model": round(metrics["mae_h1"], 3),
        "baseline": round(metrics["mae_h1_seasonal_naive"], 3),
        "mae_h24": round(metrics["mae_h24"], 3),
        "mae_h24_seasonal_naive": round(metrics["mae_h24_seasonal_naive"], 3),
        "coverage_p10_p90": round(metrics["coverage_p10_p90"], 3),
        "prepare_s": round(t1 - t0, 2),
        "backtest_s": round(t2 - t1, 2),
        "advice_s": round(t3 - t2, 2),
        "scenarios": len(table),
    }


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, CASES, run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
