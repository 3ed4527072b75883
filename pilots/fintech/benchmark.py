"""Fintech pilot benchmark: a synthetic ledger end to end in memory (100k, 1M, 10M, 30M rows) and on the Dask
path (dask-1M, dask-10M, dask-30M), and the six ADBench feature tables.

    python -m pilots.fintech.benchmark --list
    python -m pilots.fintech.benchmark --case 1M
    python -m pilots.fintech.benchmark --case dask-10M
    python -m pilots.fintech.benchmark --case adbench

In-memory ledger cases = generate the ledger, validate it (pandera), build the leak-free features, split by time,
fit the threshold LightGBM, the final LightGBM, the logistic regression, the unsupervised combination, the
default Isolation Forest and the rules, score and evaluate the test period, build the analyst queue with SHAP
reasons, the alert share per segment and the drift summary. (The notebook's bootstrap intervals are not
included: they scale with n_boot, not with the pipeline.) The 30M in-memory case refuses to start when the
machine has less memory than it would need (``scale.BYTES_PER_ROW`` per row).

Dask cases = the same steps on the out-of-core path (``scale.run_detection_dask``) on a LocalCluster of
``DASK_WORKERS`` worker processes with ``DASK_WORKER_MEMORY`` each, reading the ledger from a folder of Parquet
files. The files are written first, by a separate process (``synthetic.write_parquet_ledger``; 1M and 10M: the
in-memory cases' ledger, 30M: ten banks of 3M rows generated one after another, so that generation fits in
memory), and kept in ``$LIVINGLAB_BENCH_DATA`` (default: the system's temporary folder) for the next run. The
case reports the pipeline's wall time (cluster start included, generation not), this process's peak memory
(the harness measures it too) and each worker process's peak memory (its own getrusage), and their sum (an upper
bound of the memory the run held at once; the nanny processes, about 100 MiB each, are not counted).

The ``adbench`` case reads the six sets of ``../shared/data/fintech/adbench`` through the pilot's loader and
times fit + score of the unsupervised combination and of the semi-supervised mode (label_fraction 0.05) per set.
The last line printed is one JSON object; the harness (`livinglab bench`) measures peak memory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from livinglab.bench import case_main

CASES = {
    "100k": (100_000, 60),
    "1M": (1_000_000, 90),
    "10M": (10_000_000, 90),
    "30M": (30_000_000, 90),
    "dask-1M": (1_000_000, 90),
    "dask-10M": (10_000_000, 90),
    "dask-30M": (30_000_000, 90),
    "adbench": (0, 0),
}
BANKS = {"dask-30M": 10}  # generated bank by bank (ten ledgers of 3M rows); the others in one piece
DASK_WORKERS = 2
DASK_WORKER_MEMORY = "6GiB"
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


def _peak_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _own_peak_mib() -> int:
    """Peak resident memory of the calling process (run on each Dask worker)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _available_bytes() -> int:
    """Memory available for a new process (Linux's MemAvailable), else the machine's memory."""
    from pilots.fintech.scale import machine_memory_bytes

    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return machine_memory_bytes()


def _bench_data(name: str) -> tuple[Path, dict]:
    """The case's Parquet ledger, written by a separate process the first time (its time and peak memory)."""
    n, days = CASES[name]
    banks = BANKS.get(name, 1)
    root = Path(
        os.environ.get("LIVINGLAB_BENCH_DATA") or Path(tempfile.gettempdir()) / "livinglab-bench-data"
    )
    folder = root / f"fintech-ledger-{n}-{days}d-{banks}banks-seed0"
    done = folder / "written.json"
    if done.is_file():
        return folder, json.loads(done.read_text()) | {"reused": True}
    code = (
        "import json, resource, sys; from pilots.fintech.synthetic import write_parquet_ledger; "
        f"info = write_parquet_ledger({str(folder)!r}, {n}, n_days={days}, fraud_rate=0.002, seed=0, banks={banks}); "
        "info['peak_mib'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); print(json.dumps(info))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    done.write_text(json.dumps(info))
    return folder, info | {"reused": False}


def run_dask_case(name: str) -> dict:
    from livinglab.drift import compare_and_store
    from pilots.fintech.oversight import analyst_queue, segment_alert_report
    from pilots.fintech.reporting import drift_categoricals, drift_frame
    from pilots.fintech.scale import dask_client, read_parquet_ledger, run_detection_dask

    folder, written = _bench_data(name)
    load = os.getloadavg()
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    with dask_client(n_workers=DASK_WORKERS, memory_limit=DASK_WORKER_MEMORY) as client:
        steps["cluster_start_s"] = time.perf_counter() - t0
        pids_before = client.run(os.getpid)
        ledger = read_parquet_ledger(folder, record=False)
        run = run_detection_dask(ledger, client=client, data_source="synthetic", alerts_per_day=50, seed=0)
        steps.update(run.timings)
        t1 = time.perf_counter()
        segments = ledger.segments
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
        workers = client.run(_own_peak_mib)  # each worker process's own peak (getrusage), exact
        restarted = sorted(set(pids_before.values()) ^ set(client.run(os.getpid).values()))
    load_after = os.getloadavg()
    m = run.metrics
    worker_peaks = sorted(workers.values(), reverse=True)
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
        "engine": "dask",
        "dask_workers": DASK_WORKERS,
        "worker_memory_limit": DASK_WORKER_MEMORY,
        "steps_s": {k: round(v, 2) for k, v in steps.items()},
        "self_peak_rss_mib": _peak_mib(),
        "worker_peak_rss_mib": worker_peaks,
        "sum_of_peaks_mib": _peak_mib() + sum(worker_peaks),  # an upper bound of the memory used at once
        "workers_restarted": restarted,
        "written": written,
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in load_after],
    }


def run_case(name: str) -> dict:
    if name == "adbench":
        return run_adbench()
    if name.startswith("dask-"):
        return run_dask_case(name)
    from livinglab.drift import compare_and_store
    from pilots.fintech.loaders import validate_transactions
    from pilots.fintech.oversight import analyst_queue, segment_alert_report
    from pilots.fintech.pipeline import run_detection
    from pilots.fintech.reporting import drift_categoricals, drift_frame
    from pilots.fintech.synthetic import SEGMENT_COLUMNS, generate_transactions

    n, days = CASES[name]
    _check_memory(name, n)
    load = os.getloadavg()
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
        "engine": "pandas",
        "steps_s": {k: round(v, 2) for k, v in steps.items()},
        "self_peak_rss_mib": _peak_mib(),
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def _check_memory(name: str, rows: int) -> None:
    """The in-memory path refuses a ledger this machine cannot hold (rather than swapping or being killed)."""
    from pilots.fintech.scale import BYTES_PER_ROW

    need, have = rows * BYTES_PER_ROW, _available_bytes()
    if need > have:
        raise SystemExit(
            f"case {name}: the in-memory path needs about {need / 2**30:.0f} GiB for {rows:,} rows and this machine "
            f"has {have / 2**30:.0f} GiB available; run dask-{name} (the out-of-core path) instead."
        )


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, CASES, run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
