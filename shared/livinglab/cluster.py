"""Dask, in one place: pilots as tasks on a cluster, and the seam for a pilot's own heavy steps.

- A pilot's own steps (``cluster`` parameter, else ``LIVINGLAB_CLUSTER``: :func:`cluster_address`) go
  through :func:`executor` (a ``concurrent.futures`` executor: threads here, or the Dask client's executor
  on a cluster) or, for Dask collections, :func:`client`.
- ``livinglab run --cluster ADDRESS`` and ``livinglab sweep``: each pilot design (or a sweep's grid point)
  is one task that calls :func:`livinglab.execute.run_pilot` on a
worker, which writes the pilot's folder under ``--out``: that folder must be on a filesystem the client
and every worker share, and the workers need the same checkout at the same path and the same
environment (the ``livinglab`` kernel is created in the worker's own environment). Only the client
writes the index, after each result. A task is never run twice: a worker that starts a pilot leaves a
``.attempt`` file in its folder, so a pilot whose worker was lost is reported failed, not re-run.

``ADDRESS`` is a scheduler address (``tcp://host:8786``), ``slurm:<profile>`` (a dask-jobqueue
``SLURMCluster`` from the project's ``cluster.yaml``) or ``local`` (processes on this machine).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .execute import (
    CLUSTER_ENV,
    Job,
    PilotResult,
    RunInterrupted,
    ensure_kernel,
    environment,
    finish_pilot,
    log,
    run_pilot,
)
from .paths import project_root
from .pilots import UsageError
from .report import render_html, write_index

CONNECT_TIMEOUT = 5  # seconds to reach a scheduler and to find a worker there
CLUSTER_FILE = "cluster.yaml"
PROGRESS_TOPIC = "livinglab-progress"
_ONE_AT_A_TIME = threading.Lock()  # run_pilot sets os.environ for its kernels: one pilot per worker process


@contextmanager
def connect(address: str, out: Path, *, local_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``address``, checked before any work; closed (with the cluster) after."""
    import dask
    from distributed import Client

    cluster = None
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # our scheduler: a lost worker fails
        if address == "local":
            cluster = _local_cluster(local_workers or os.cpu_count() or 1)
        elif address.startswith("slurm:"):
            cluster = slurm_cluster(address.removeprefix("slurm:"), submit=True)
        else:
            _check_reachable(address)
    try:
        client = Client(cluster or address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise UsageError(f"Cannot connect to the Dask cluster {address} ({exc}).") from None
    try:
        if cluster is None:
            _check_workers(client, address, out)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def cluster_address(cluster: str = "") -> str:
    """Where a pilot sends its own heavy steps: its ``cluster`` parameter, else ``LIVINGLAB_CLUSTER``, else
    ``""`` (this process). The one parameter name every pilot uses."""
    if not isinstance(cluster, str):
        raise ValueError(
            f"cluster must be a text (a Dask scheduler address such as 'tcp://host:8786', 'local' or "
            f"'slurm:<profile>'), not {cluster!r}."
        )
    return cluster.strip() or os.environ.get(CLUSTER_ENV, "").strip()


@contextmanager
def client(
    address: str = "local",
    *,
    n_workers: int | None = None,
    memory_limit: str | int = "auto",
    threads_per_worker: int = 1,
) -> Iterator[Any]:
    """A ``distributed.Client`` for a pilot's own steps (Dask dataframes, ``lightgbm.dask``): the scheduler
    at ``address`` (it must answer within 5 s and have a worker that sees this checkout), ``slurm:<profile>``,
    or ``local``/empty: a LocalCluster of ``n_workers`` processes started here. Closed (with any cluster it
    started) on exit."""
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    address = address.strip()
    if address in ("", "local"):
        cluster = LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=threads_per_worker,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    elif address.startswith("slurm:"):
        cluster = slurm_cluster(address.removeprefix("slurm:"), submit=True)
    else:
        _check_reachable(address)
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT}s"}):
            connected = Client(cluster or address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise UsageError(f"Cannot connect to the Dask cluster {address} ({exc}).") from None
    try:
        if cluster is None:
            _check_workers(connected, address, None)
        yield connected
    finally:
        connected.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def executor(address: str = "", *, max_workers: int = 1) -> Iterator[Any]:
    """The one seam for a pilot's independent steps: a ``concurrent.futures`` executor. Empty ``address``:
    threads in this process (``max_workers``; 1 runs the steps one after another, as a plain loop); a
    cluster address: the Dask client's executor, each step a task on a worker (Dask imported only then)."""
    from concurrent.futures import ThreadPoolExecutor

    if not address:
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            yield pool
        return
    with client(address) as connected, connected.get_executor(pure=False) as pool:
        yield pool


def _check_reachable(address: str) -> None:
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return  # other transports: the client's own connect timeout applies
    try:
        socket.create_connection((parts.hostname, parts.port or 8786), timeout=CONNECT_TIMEOUT).close()
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"Cannot reach the Dask scheduler at {address} ({getattr(exc, 'strerror', None) or exc}); start "
            f"one there with `dask scheduler` or fix --cluster / {CLUSTER_ENV}."
        ) from None


def _visible(root: str, out: str | None) -> str | None:
    """Run on each worker: what it cannot see of the checkout or the output folder, or None."""
    if not (Path(root) / "pilots").is_dir():
        return f"cannot see the checkout {root}"
    if out is not None and not (Path(out).is_dir() and os.access(out, os.W_OK)):
        return f"cannot write to the output folder {out}"
    return None


def _check_workers(client, address: str, out: Path | None) -> None:
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        raise UsageError(
            f"The Dask scheduler at {address} has no workers; start some with `dask worker {address} "
            "--nthreads 1` from the same checkout and environment."
        ) from None
    problems = {w: p for w, p in client.run(_visible, str(project_root()), out and str(out)).items() if p}
    if problems:
        worker, problem = next(iter(problems.items()))
        raise UsageError(
            f"Worker {worker} {problem}: workers need this checkout at the same path and --out on a "
            "filesystem shared with this machine."
        )


def _local_cluster(n_workers: int):
    """Worker processes on this machine, one pilot each at a time, sharing the CPUs between them."""
    from distributed import LocalCluster

    threads = max(1, (os.cpu_count() or 1) // n_workers)
    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # a free port, no warning when 8787 is taken
        silence_logs=logging.ERROR,
        env={"LIVINGLAB_THREADS": os.environ.get("LIVINGLAB_THREADS", str(threads))},
    )


def slurm_cluster(profile: str, *, submit: bool = False):
    """A dask-jobqueue ``SLURMCluster`` from ``cluster.yaml`` (``slurm: {<profile>: {...}}``) at the
    project root; with ``submit`` its ``jobs`` are submitted with sbatch. Keys are SLURMCluster's
    (``queue`` = partition, ``account``, ``cores``, ``memory``, ``walltime``, ``processes``,
    ``job_extra_directives``, ``job_script_prologue``, ...) plus ``partition`` and ``jobs``."""
    from dask_jobqueue import SLURMCluster

    path = project_root() / CLUSTER_FILE
    profiles = (
        (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("slurm", {}) if path.is_file() else {}
    )
    if profile not in profiles:
        raise UsageError(
            f"No Slurm profile {profile!r} in {path}; it has: {', '.join(profiles) or 'none'} "
            "(see README, Scaling out)."
        )
    options = dict(profiles[profile])
    if "partition" in options:
        options["queue"] = options.pop("partition")
    jobs = int(options.pop("jobs", 1))
    options.setdefault("scheduler_options", {}).setdefault("dashboard_address", ":0")
    try:
        cluster = SLURMCluster(silence_logs="error", **options)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path} profile {profile}: {str(exc).splitlines()[0].split('. ')[0]}.") from None
    if submit:
        if shutil.which("sbatch") is None:
            cluster.close()
            raise UsageError(
                f"--cluster slurm:{profile} needs sbatch: run it on a login node of the Slurm cluster."
            )
        cluster.scale(jobs=jobs)
    return cluster


def _task(job: Job, root: str, git: dict[str, Any], tag: str) -> tuple[PilotResult, str]:
    """On a worker: run one pilot into its folder, unless a lost worker already started it."""
    from distributed import get_worker

    worker = get_worker()
    # CLUSTER_ENV emptied: a notebook running as a task does not send its own steps to the cluster it runs on
    # (a worker busy with the notebook could wait for itself); a pilot's explicit cluster parameter still can
    with _ONE_AT_A_TIME, environment({"LIVINGLAB_ROOT": root, CLUSTER_ENV: ""}):
        attempt = job.directory / ".attempt"
        attempt.parent.mkdir(parents=True, exist_ok=True)
        try:
            with attempt.open("x") as fh:
                fh.write(f"{worker.address} pid {os.getpid()}")
        except FileExistsError:
            reason = f"worker lost while running (on {attempt.read_text() or 'another worker'}); not re-run"
            return record_lost(job, "failed", reason, git), worker.address
        worker.log_event(PROGRESS_TOPIC, {"tag": tag, "worker": worker.address})
        return run_pilot(job, kernel=ensure_kernel(), progress=False, git=git), worker.address


def record_lost(job: Job, status: str, reason: str, git: dict[str, Any]) -> PilotResult:
    """The result of a pilot whose worker could not report: its metrics.json if the worker wrote one,
    else written here from what the notebook recorded before it was lost (its partial notebook rendered)."""
    pilot_dir = job.directory
    try:
        doc = json.loads((pilot_dir / "metrics.json").read_text(encoding="utf-8"))
        return PilotResult(
            job.unit,
            doc["status"],
            pilot_dir,
            doc["wall_time_s"],
            doc["metrics"],
            doc["error"],
            doc.get("claims", {}),
        )
    except (OSError, ValueError, KeyError):
        pass
    pilot_dir.mkdir(parents=True, exist_ok=True)
    attempt = pilot_dir / ".attempt"
    t0 = attempt.stat().st_mtime if attempt.exists() else time.time()
    notebook = job.design.notebook
    if (pilot_dir / notebook).exists():
        try:
            render_html(pilot_dir / notebook, (pilot_dir / notebook).with_suffix(".html"))
        except Exception:  # a half-written notebook may not render; the status still counts
            pass
    return finish_pilot(job, status, reason, datetime.fromtimestamp(t0, UTC), time.time() - t0, git)


def _reason(exc: BaseException) -> str:
    worker = getattr(getattr(exc, "last_worker", None), "address", None)
    if worker:  # KilledWorker
        return f"worker lost while running (on {worker}); not re-run"
    return f"{type(exc).__name__} on the cluster: {exc}"


def run_jobs(client, jobs: list[Job], *, out: Path, git: dict[str, Any]) -> list[PilotResult]:
    """Submit every job (retries=0), collect results as they finish, write the index after each."""
    from distributed import as_completed

    n = len(jobs)
    client.subscribe_topic(
        PROGRESS_TOPIC, lambda event: log(f"{event[1]['tag']}: running on {event[1]['worker']}")
    )
    root = str(project_root())
    workers = len(client.scheduler_info().get("workers", {}))
    log(f"{n} pilot run(s) to the Dask scheduler at {client.scheduler.address} ({workers} worker(s) now)")
    futures = {
        client.submit(
            _task, job, root, git, f"[{i}/{n}] {job.label}", key=f"{job.unit}-{job.run_id}", retries=0
        ): (i, job)
        for i, job in enumerate(jobs, start=1)
    }
    results: dict[int, PilotResult] = {}
    try:
        for future in as_completed(list(futures)):
            i, job = futures[future]
            try:
                result, where = future.result()
            except Exception as exc:  # the worker died (KilledWorker) or the task could not start there
                result, where = record_lost(job, "failed", _reason(exc), git), "the cluster"
            results[i] = result
            tail = f"failed: {result.error}" if result.error else "ok"
            log(f"[{i}/{n}] {job.label}: {tail} on {where} ({result.wall_time_s:.1f} s)")
            write_index(out)
    except KeyboardInterrupt:
        client.cancel(list(futures))
        left = [(i, job) for i, job in futures.values() if i not in results]
        for _, job in left:
            record_lost(
                job, "interrupted", "interrupted (Ctrl-C) on the client; its cluster task was cancelled", git
            )
        write_index(out)
        raise RunInterrupted(
            f"interrupted with {len(left)} of {n} pilot run(s) unfinished, listed as interrupted in "
            f"{out / 'index.html'} (one already running on a worker finishes there and records its result); "
            "runs/latest still points at the last complete run."
        ) from None
    finally:
        client.unsubscribe_topic(PROGRESS_TOPIC)
    return [results[i] for i in sorted(results)]
