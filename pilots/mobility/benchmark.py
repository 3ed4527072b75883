"""Benchmark of the mobility pilot: ``run`` (the notebook's whole analysis) per case.

    python -m pilots.mobility.benchmark --list
    python -m pilots.mobility.benchmark --case scale

Each case prints one JSON line last: pilot, case, rows, wall_s, metric, model, baseline (plus the other
claims at 1 h, the band's coverage, the split of the time and this process's peak memory). ``livinglab
bench`` also measures the peak memory.

- ``smoke``: the notebook's defaults (4 synthetic posts x 8 weeks).
- ``full``: the pilot's full profile (60 synthetic posts x 2 years hourly, three refits).
- ``scale``: 1,000 sites x 2 years hourly (17.5 million rows) written as a partner's Parquet file and run
  through the same ``run`` (one read, conversion, backtest of the last 7 days at 1, 3, 24 h with fits
  capped at 300,000 rows, claims, subgroups); the issue's target is under 10 minutes and 8 GiB on 2 cores.
  The counts come from a light generator (daily shape x weekday x site level x persistent day deviations x
  noise, 3 % of hours missing), not the network simulator, which only knows the 60 reference posts.
- ``sites200`` and ``sites200_cluster``: 200 sites x 1 year hourly (1.75 million rows, same generator), the
  backtest of the last 14 days, in this process, and the same with every fit as a task on a Dask
  ``LocalCluster`` of 2 worker processes (1 thread each) started here (``-p cluster``: the executor seam);
  ``peak_mib_workers`` is each worker's peak. ``forecasts_sha1`` is a digest of the forecasts: the two
  cases gave the same one (LightGBM deterministic, col-wise histograms: 2 threads here, 1 on the workers).
  Run them one at a time: each is its own process, so the peaks do not mix.
- ``city700``: a city's loop-detector export at partner scale: 700 detectors x 13 weeks (91 daily CSV files,
  1.5 million series-hours) plus three sums of detectors, a detector writing -1 error codes and a test
  channel; the whole ``run`` on this machine's threads (the implausible series are left out, the peer is
  fitted too). The goal is under 3 minutes on 2 cores; ``forecasts_sha1`` shows the forecasts do not depend
  on how the fits are spread over threads. ``city200``: the same export with 200 detectors (a few minutes;
  the fits near the same row cap), to profile and to check that a change keeps the forecasts' digest.
"""

from __future__ import annotations

import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from livinglab.bench import case_main

GENERATED = {
    "scale": dict(n_sites=1000, start="2021-01-04", days=730, params={"test_days": 7}),
    "sites200": dict(n_sites=200, start="2022-01-03", days=365, params={"test_days": 14}, workers=0),
    "sites200_cluster": dict(n_sites=200, start="2022-01-03", days=365, params={"test_days": 14}, workers=2),
}
#: a city's loop detectors as partners export them: one CSV a day, about 700 series x 13 weeks (1.5 million
#: series-hours), with sums of detectors, a detector writing negative error codes and a test channel
CITY = dict(n_sites=700, start="2024-01-01", days=91, params={})
#: the same export with 200 detectors (same 13 weeks, same daily files, fits near the same 300,000-row cap):
#: a case that behaves like ``city700`` in a few minutes, to profile and to compare digests
CITIES = {"city700": CITY, "city200": {**CITY, "n_sites": 200}}
CASES = ["smoke", "full", *GENERATED, *CITIES]


def scale_counts(n_sites: int, start: str, days: int, seed: int = 0) -> pd.DataFrame:
    """A tidy frame of ``n_sites`` x ``days`` x 24 hourly counts (site as a category), built vectorised."""
    rng = np.random.default_rng(seed)
    t = pd.date_range(start, periods=days * 24, freq="h")
    hour, weekday = t.hour.to_numpy(), t.weekday.to_numpy()
    shape = 0.12 + np.exp(-0.5 * ((hour - 8) / 1.4) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 17) / 1.8) ** 2)
    shape = (shape * np.where(weekday < 5, 1.0, 0.65)).astype(np.float32)
    level = rng.lognormal(6.5, 0.8, (n_sites, 1)).astype(np.float32)
    day = np.exp(
        np.cumsum(rng.normal(0, 0.02, (n_sites, days)), axis=1) * 0.3 + rng.normal(0, 0.05, (n_sites, days))
    )
    values = level * shape[None, :] * np.repeat(day.astype(np.float32), 24, axis=1)
    values *= np.exp(rng.normal(0, 0.1, values.shape)).astype(np.float32)
    values = np.round(values)
    values[rng.random(values.shape) < 0.03] = np.nan
    sites = pd.Categorical.from_codes(
        np.repeat(np.arange(n_sites), len(t)), [f"S{i:04d}" for i in range(n_sites)]
    )
    return pd.DataFrame({"site": sites, "timestamp": np.tile(t.to_numpy(), n_sites), "count": values.ravel()})


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)


def _digest(predictions: pd.DataFrame) -> str:
    columns = ["series", "t", "horizon", "p10", "p50", "p90", "plain_lgbm"]
    return hashlib.sha1(pd.util.hash_pandas_object(predictions[columns], index=False).to_numpy()).hexdigest()


def _summary(name: str, result, rows: int, wall_s: float) -> dict:
    plain, naive = result.claim("mae_h1"), result.claim("mae_h1_naive")
    return {
        "pilot": "mobility",
        "case": name,
        "rows": int(rows),
        "wall_s": round(wall_s, 2),
        "metric": f"{plain.label} (vs {plain.baseline})",
        "model": round(plain.model_value, 3),
        "baseline": round(plain.baseline_value, 3),
        "baseline_name": plain.baseline,
        "difference_interval": [round(plain.low, 2), round(plain.high, 2)],
        "verdict": plain.verdict,
        "mae_h1_seasonal_naive": round(naive.baseline_value, 3),
        "ratio_h1_seasonal_naive": round(naive.model_value / naive.baseline_value, 3),
        "mae_h3": round(result.claim("mae_h3").model_value, 3),
        "mae_h24": round(result.claim("mae_h24").model_value, 3),
        "mae_h24_plain_lgbm": round(result.claim("mae_h24").baseline_value, 3),
        "coverage_p10_p90": round(result.metrics["coverage_p10_p90"], 3),
        "timings": {k: round(v, 2) for k, v in result.timings.items()},
        "train_rows": int(result.backtest.folds["train_rows"].max()),
        "forecast_rows": len(result.predictions),
        "forecasts_sha1": _digest(result.predictions),
        "backtest_on": result.backtest.cluster or "this process",
        "peak_mib_self": _peak_mib(),
    }


def run_generated(name: str) -> dict:
    """A generated partner's file (Parquet) through ``run``, here or with its fits on a LocalCluster."""
    from pilots.mobility.run import run

    case = GENERATED[name]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.parquet"
        frame = scale_counts(case["n_sites"], case["start"], case["days"])
        rows = len(frame)
        frame.to_parquet(path, index=False)
        del frame
        params = {"data_path": str(path), **case["params"]}
        workers: list[float] = []
        t0 = time.perf_counter()
        if case.get("workers"):
            from livinglab.cluster import client as local_cluster
            from livinglab.execute import environment

            # the lab's local cluster (TLS with its own CA: no other user of the machine joins it); its
            # worker processes start with LIVINGLAB_THREADS=1
            with (
                environment({"LIVINGLAB_THREADS": "1"}),
                local_cluster("local", n_workers=case["workers"]) as client,
            ):
                result = run({**params, "cluster": client.scheduler.address})
                workers = sorted(client.run(_peak_mib).values())
        else:
            result = run(params)
        out = _summary(name, result, rows, time.perf_counter() - t0)
    return out | {"peak_mib_workers": workers, "peak_mib_total": _peak_mib() + sum(workers)}


def city_files(folder: Path, n_sites: int, start: str, days: int, seed: int = 0) -> int:
    """``n_sites`` detectors as daily CSV files (detector;zeit;anzahl), plus three sums of detectors, one
    detector whose error code is -1 in a fifth of its hours and a flat test channel; returns the rows."""
    frame = scale_counts(n_sites, start, days, seed)
    wide = frame["count"].to_numpy().reshape(n_sites, -1)
    t = frame["timestamp"].to_numpy()[: wide.shape[1]]
    rng = np.random.default_rng(seed + 1)
    extra = {
        "SUM_A": np.nansum(wide[: n_sites // 4], axis=0),
        "SUM_B": np.nansum(wide[n_sites // 4 : n_sites // 2], axis=0),
        "SUM_CITY": np.nansum(wide, axis=0),
        "TEST_CHANNEL": np.full(wide.shape[1], 100.0),
    }
    wide[5, rng.random(wide.shape[1]) < 0.2] = -1.0
    names = [*frame["site"].cat.categories, *extra]
    values = np.vstack([wide, *extra.values()])
    long = pd.DataFrame(
        {"detector": np.repeat(names, len(t)), "zeit": np.tile(t, len(names)), "anzahl": values.ravel()}
    )
    day = long["zeit"].dt.strftime("%Y-%m-%d")
    for key, part in long.groupby(day, sort=True):  # one file a day, as exported
        part.to_csv(folder / f"counts_{key}.csv", sep=";", index=False, date_format="%Y-%m-%d %H:%M")
    return len(long)


def run_city(name: str = "city700") -> dict:
    """``city700`` (or ``city200``): the daily files through ``run`` here (threads), the implausible series
    left out."""
    from pilots.mobility.run import run

    city = CITIES[name]
    with tempfile.TemporaryDirectory() as folder:
        rows = city_files(Path(folder), city["n_sites"], city["start"], city["days"])
        params = {
            "data_path": str(Path(folder) / "counts_*.csv"),
            "columns": {"site": "detector", "timestamp": "zeit", "count": "anzahl"},
            **city["params"],
        }
        load = os.getloadavg()[0]  # a shared machine: the wall time grows with the others' load
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = run(params)
        out = _summary(name, result, rows, time.perf_counter() - t0)
        cpu_s = time.process_time() - cpu0  # CPU seconds of the run, all its threads
    peer = result.claim("mae_h1_peer") if "mae_h1_peer" in result.verdicts else None
    return out | {
        "implausible_series": result.metrics["implausible_series"],
        "mae_h1_peer": round(peer.baseline_value, 3) if peer else None,
        "verdict_vs_peer_h1": peer.verdict if peer else "no peer",
        "under_3_minutes": out["wall_s"] < 180,
        "load_1min_at_start": round(load, 1),
        "cpu_s_run": round(cpu_s, 1),
    }


def run_case(name: str) -> dict:
    from livinglab.pilots import get_pilot
    from pilots.mobility.run import run

    if name in CITIES:
        return run_city(name)
    if name in GENERATED:
        return run_generated(name)
    t0 = time.perf_counter()
    result = run(get_pilot("mobility").profiles[name])
    return _summary(name, result, result.metrics["rows"], time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, CASES, run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
