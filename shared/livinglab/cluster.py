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

``ADDRESS`` is a scheduler address, ``slurm:<profile>`` (a dask-jobqueue ``SLURMCluster`` from the
project's ``cluster.yaml``) or ``local`` (processes on this machine, on the loopback interface, speaking TLS
with a temporary CA of their own: another user of the machine reaches loopback ports too).

Security (docs/security.md): a scheduler that is not on this machine is reached over ``tls://`` with the
certificates named in ``cluster.yaml`` (``tls: {ca_file, cert, key}``; the scheduler and its workers ask for a
certificate signed by the same CA, so a client without one is refused). Plain ``tcp://`` is accepted on the
loopback interface only, unless ``--insecure`` (``LIVINGLAB_CLUSTER_INSECURE=1``): whoever reaches an
unauthenticated scheduler runs code on its workers. Slurm clusters started here use TLS too (the profile's
certificates, else temporary ones). Before any client is made, the address must answer a Dask handshake
within 3 s (:func:`handshake`, :func:`check_reachable`): a dashboard port, another service or a peer
speaking garbage is one sentence and exit 2 within 5 s, never a hang. Units that read real or partner data (personal data) run only on workers started
with ``--resources personal_data=1``: only those workers hold ``LIVINGLAB_PSEUDONYM_KEY``; every other unit
runs with the key removed from its kernel's environment.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import shutil
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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
from .personal import reads_personal_data
from .pilots import UsageError
from .report import render_html, write_index

CONNECT_TIMEOUT = 5  # seconds to reach a scheduler and to find a worker there
# seconds to hear a scheduler's greeting (sent as soon as it accepts): with the command's own start, a peer
# that is not a Dask scheduler is exit 2 within 5 s
HANDSHAKE_TIMEOUT = 3
CLUSTER_FILE = "cluster.yaml"
INSECURE_ENV = "LIVINGLAB_CLUSTER_INSECURE"  # "1": plain tcp:// to another machine is allowed (--insecure)
PERSONAL_RESOURCE = (
    "personal_data"  # the worker resource of the workers that may hold personal data and the key
)
PROGRESS_TOPIC = "livinglab-progress"
_ONE_AT_A_TIME = threading.Lock()  # run_pilot sets os.environ for its kernels: one pilot per worker process
_CONFIG_LOCK = threading.Lock()  # dask's configuration is process-wide: one client connects at a time
_TLS_KEYS = {"ca_file", "cert", "key"}
# the clusters this process started (address -> their temporary certificates): a pilot step given the address
# of one (its cluster parameter) connects with them
_STARTED_HERE: dict[str, Any] = {}


def check_reachable(cluster: str | None) -> None:
    """The scheduler address of ``--cluster`` (else ``LIVINGLAB_CLUSTER``) checked first, before the run
    request's own checks: refused if plain ``tcp://`` off this machine, one sentence unless it answers a Dask
    handshake within 3 s. ``local``, ``slurm:`` and no cluster start their own and are checked later."""
    address = (os.environ.get(CLUSTER_ENV, "") if not cluster else cluster).strip()
    if not address or address == "local" or address.startswith("slurm:"):
        return
    handshake(*checked_address(address))


@contextmanager
def connect(address: str, out: Path, *, local_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``address``, checked before any work; closed (with the cluster) after."""
    # a scheduler started here (local, slurm:) fails a pilot whose worker is lost instead of re-running it
    # elsewhere (a kernel's side effects would happen twice): its own option, not dask's process-wide config
    with _connected(
        address, local_workers=local_workers, out=out, check_out=True, allowed_failures=0
    ) as client:
        yield client


def cluster_address(cluster: str = "") -> str:
    """Where a pilot sends its own heavy steps: its ``cluster`` parameter, else ``LIVINGLAB_CLUSTER``, else
    ``""`` (this process). The one parameter name every pilot uses."""
    if not isinstance(cluster, str):
        raise ValueError(
            f"cluster must be a text (a Dask scheduler address such as 'tls://host:8786', 'local' or "
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
    at ``address`` (it must answer a Dask handshake within 3 s and have a worker that sees this checkout),
    ``slurm:<profile>``, or ``local``/empty: a LocalCluster of ``n_workers`` processes started here. Closed
    (with any cluster it started) on exit."""
    from distributed import LocalCluster

    address = address.strip()
    local = None
    if address in ("", "local"):
        with _health_only():
            local = LocalCluster(
                n_workers=n_workers or os.cpu_count() or 1,
                threads_per_worker=threads_per_worker,
                processes=True,
                memory_limit=memory_limit,
                dashboard_address="127.0.0.1:0",  # loopback only
                silence_logs=logging.ERROR,
                security=True,  # TLS with a CA made for this cluster: no other user of this machine joins it
            )
    started = local.scheduler_address if local is not None else None
    if local is not None:
        _STARTED_HERE[started] = local.security
    try:
        with _connected(address, cluster=local, out=None, check_out=False) as connected:
            yield connected
    finally:
        _STARTED_HERE.pop(started, None)


@contextmanager
def _connected(
    address: str,
    *,
    cluster: Any = None,
    local_workers: int | None = None,
    out: Path | None,
    check_out: bool,
    allowed_failures: int | None = None,
) -> Iterator[Any]:
    """The one way to a client: a cluster started here (``local``, ``slurm:``; its scheduler given
    ``allowed_failures`` when set) or a checked address."""
    import dask
    from distributed import Client

    security = None
    scheduler = {} if allowed_failures is None else {"allowed_failures": allowed_failures}
    if cluster is None:
        if address == "local":
            cluster = _local_cluster(local_workers or os.cpu_count() or 1, scheduler)
        elif address.startswith("slurm:"):
            cluster = slurm_cluster(address.removeprefix("slurm:"), submit=True, scheduler=scheduler)
        else:
            address, security = checked_address(address)
            handshake(address, security)
    try:
        # dask's configuration is one per process: the short connect timeout is set only while the client
        # connects, and one client at a time, so two runs in one process never undo each other's setting
        with _CONFIG_LOCK, dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT}s"}):
            connected = Client(cluster or address, timeout=CONNECT_TIMEOUT, security=security)
    except (OSError, ValueError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise UsageError(f"Cannot connect to the Dask cluster {address} ({exc}).") from None
    try:
        if cluster is None:
            _check_workers(connected, address, out if check_out else None)
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


# ----- who may connect: TLS, loopback, the handshake ---------------------------------------------------------
def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listener_owners(port: int) -> set[int]:
    """The user ids owning a listening TCP socket on ``port`` of this machine (Linux ``/proc/net``; empty
    where that cannot be read)."""
    owners = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 7 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                owners.add(int(fields[7]))
    return owners


def _cluster_file() -> Path:
    return project_root() / CLUSTER_FILE


def _cluster_config() -> dict[str, Any]:
    path = _cluster_file()
    if not path.is_file():
        return {}
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML ({str(exc).splitlines()[0]}).") from None


def tls_files() -> dict[str, Path] | None:
    """The ``tls:`` section of ``cluster.yaml`` (``ca_file``, ``cert``, ``key``; ``~`` and paths relative to
    the project root allowed), each file checked to exist; None when there is no such section."""
    section = _cluster_config().get("tls")
    if not section:
        return None
    path = _cluster_file()
    if not isinstance(section, dict) or set(section) != _TLS_KEYS:
        raise UsageError(
            f"{path}: tls needs exactly ca_file, cert and key (the cluster's CA, this machine's certificate "
            "signed by it, and its private key); see docs/security.md."
        )
    files = {}
    for name, value in section.items():
        file = Path(os.path.expandvars(str(value))).expanduser()
        file = file if file.is_absolute() else project_root() / file
        if not file.is_file():
            raise UsageError(
                f"{path}: tls {name} {file} does not exist; make the certificates as docs/security.md shows."
            )
        if name == "key" and os.name == "posix" and file.stat().st_mode & 0o077:
            raise UsageError(
                f"{path}: tls key {file} can be read by other users (mode {file.stat().st_mode & 0o777:o}), and "
                f"whoever reads it can join the cluster; make it yours only with `chmod 600 {file}`."
            )
        files[name] = file
    return files


def security(*, required: bool = True):
    """A ``distributed.Security`` (mutual TLS, encryption required) from ``cluster.yaml``'s ``tls:``; one
    certificate serves this client, and a scheduler and workers started from here."""
    from distributed.security import Security

    files = tls_files()
    if files is None:
        if not required:
            return None
        raise UsageError(
            f"A tls:// cluster needs certificates: name them in {_cluster_file()} (tls: ca_file, cert, key); "
            "docs/security.md shows how to make them."
        )
    ca, cert, key = (str(files[k]) for k in ("ca_file", "cert", "key"))
    return Security(
        require_encryption=True,
        tls_ca_file=ca,
        tls_client_cert=cert,
        tls_client_key=key,
        tls_scheduler_cert=cert,
        tls_scheduler_key=key,
        tls_worker_cert=cert,
        tls_worker_key=key,
    )


def checked_address(address: str) -> tuple[str, Any]:
    """``address`` as a ``scheme://host:port`` a client may use, and its ``Security`` (None for ``tcp``).

    ``tls://`` needs the certificates of ``cluster.yaml``; ``tcp://`` (or no scheme) is refused for anything
    but the loopback interface unless ``LIVINGLAB_CLUSTER_INSECURE=1`` (``--insecure``)."""
    text = address.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        port = parts.port or 8786
    except ValueError:
        port = None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or port is None:
        raise UsageError(
            f"--cluster {address!r} is not a Dask scheduler address: give tls://host:8786 (or tcp://127.0.0.1:PORT "
            "on this machine), slurm:<profile> or local."
        )
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    normal = f"{parts.scheme}://{shown}:{port}"
    if parts.scheme == "tls":
        return normal, _STARTED_HERE.get(normal) or security()
    insecure = os.environ.get(INSECURE_ENV, "").strip() in ("1", "true", "yes")
    others = (
        sorted(_listener_owners(port) - {os.getuid()}) if _is_loopback(host) and hasattr(os, "getuid") else []
    )
    if others and not insecure:
        # every user of this machine reaches its loopback interface: a scheduler someone else started there
        # would run this run's tasks, and what it sends back is unpickled in this process
        raise UsageError(
            f"Refusing plain {normal}: the scheduler listening there was started by another user of this machine "
            f"(uid {others[0]}), who could run code in this process and read its data through it; start your "
            f"own (`dask scheduler --host 127.0.0.1`, or --cluster local) or use tls:// ({CLUSTER_FILE}, "
            "docs/security.md)."
        )
    if not _is_loopback(host) and not insecure:
        raise UsageError(
            f"Refusing plain {normal}: a Dask scheduler without TLS lets anyone who reaches its port run code on "
            f"its workers and read their data and keys; use tls://{shown}:{port} with the certificates in "
            f"{CLUSTER_FILE} (docs/security.md), or add --insecure on a network only you can reach."
        )
    return normal, None


def _read_exactly(sock, n: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < n:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(min(n - got, 65536))
        if not chunk:
            raise ConnectionError("the connection was closed")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _not_dask(address: str, what: str) -> UsageError:
    return UsageError(
        f"{address} {what}, so it is not a Dask scheduler (a dashboard port or another service?); give the "
        f"scheduler's address (e.g. tls://host:8786) with --cluster or {CLUSTER_ENV}."
    )


def handshake(address: str, security: Any = None, timeout: float = HANDSHAKE_TIMEOUT) -> None:
    """Within ``timeout`` seconds: connect (TLS with this client's certificate for ``tls://``) and read the
    greeting every Dask server sends first (a small frame naming its pickle protocol and compression).
    Anything else, silence included, is one sentence (``UsageError``); nothing large is ever allocated."""
    import ssl

    parts = urlsplit(address)
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((parts.hostname, parts.port or 8786), timeout=timeout)
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"Cannot reach the Dask scheduler at {address} ({getattr(exc, 'strerror', None) or exc}); start "
            f"one there with `dask scheduler` or fix --cluster / {CLUSTER_ENV}."
        ) from None
    try:
        if parts.scheme == "tls":
            context = security.get_connection_args("client")["ssl_context"]
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            sock = context.wrap_socket(sock)
        (size,) = struct.unpack("<Q", _read_exactly(sock, 8, deadline))
        if not 16 <= size <= 1 << 16:  # a greeting is some tens of bytes; garbage is refused, not allocated
            raise _not_dask(address, "answered with something that is not a Dask greeting")
        payload = _read_exactly(sock, size, deadline)
        (n_frames,) = struct.unpack_from("<Q", payload)
        if not 1 <= n_frames <= 16 or 8 * (n_frames + 1) > size:
            raise _not_dask(address, "answered with something that is not a Dask greeting")
        lengths = struct.unpack_from(f"<{n_frames}Q", payload, 8)
        if 8 * (n_frames + 1) + sum(lengths) != size or b"pickle-protocol" not in payload:
            raise _not_dask(address, "answered with something that is not a Dask greeting")
    except TimeoutError:
        raise _not_dask(address, f"did not answer as a Dask scheduler within {timeout:g} s") from None
    except ssl.SSLError as exc:  # during the handshake, or (TLS 1.3) the server's refusal at the first read
        raise UsageError(
            f"The TLS handshake with {address} failed ({exc.reason or exc}): the scheduler and this client "
            f"need certificates signed by the same CA ({CLUSTER_FILE}, docs/security.md)."
        ) from None
    except (OSError, ConnectionError) as exc:
        raise _not_dask(address, f"closed the connection before a Dask greeting ({exc})") from None
    finally:
        sock.close()


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
        tls = " with the TLS options of docs/security.md" if address.startswith("tls://") else ""
        raise UsageError(
            f"The Dask scheduler at {address} has no workers; start some with `dask worker {address} "
            f"--nthreads 1`{tls} from the same checkout and environment."
        ) from None
    problems = {w: p for w, p in client.run(_visible, str(project_root()), out and str(out)).items() if p}
    if problems:
        worker, problem = next(iter(problems.items()))
        raise UsageError(
            f"Worker {worker} {problem}: workers need this checkout at the same path and --out on a "
            "filesystem shared with this machine."
        )


def _local_cluster(n_workers: int, scheduler: dict[str, Any] | None = None):
    """Worker processes on this machine, one pilot each at a time, sharing the CPUs between them;
    ``scheduler``: options of its scheduler (e.g. ``allowed_failures``)."""
    from distributed import LocalCluster

    threads = max(1, (os.cpu_count() or 1) // n_workers)
    with _health_only():
        return LocalCluster(
            n_workers=n_workers,
            scheduler_kwargs=scheduler or None,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # a free port on loopback, no warning when 8787 is taken
            silence_logs=logging.ERROR,
            env={"LIVINGLAB_THREADS": os.environ.get("LIVINGLAB_THREADS", str(threads))},
            security=True,  # TLS with a CA made for this cluster: no other user of this machine joins it
        )


def slurm_cluster(profile: str, *, submit: bool = False, scheduler: dict[str, Any] | None = None):
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
    options.setdefault("scheduler_options", {}).setdefault("dashboard_address", "127.0.0.1:0")
    options["scheduler_options"].update(scheduler or {})
    # TLS always: the profile's own `security`/`protocol` settings are not taken; the certificates of
    # cluster.yaml's tls section when it has one, else temporary ones (written, readable by this user only, to
    # shared_temp_directory: a folder the compute nodes see)
    for key in ("security", "protocol"):
        if key in options:
            raise UsageError(
                f"{path} profile {profile}: {key} is set by livinglab (TLS always; certificates from the tls "
                "section, else temporary ones); remove it."
            )
    options["protocol"] = "tls://"
    options["security"] = security(required=False) or True
    options.setdefault("shared_temp_directory", str(Path("~/.livinglab/tls").expanduser()))
    if options["security"] is True:
        Path(options["shared_temp_directory"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with _health_only():
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


def _health_only():
    """Dask's configuration while a scheduler is started here: its HTTP server (plain HTTP, no login, on the
    loopback interface every user of the machine reaches) answers ``/health`` only, not the pages that show
    the workers' logs, call stacks and task errors (which can quote the data)."""
    import dask

    return dask.config.set({"distributed.scheduler.http.routes": ["distributed.http.health"]})


@contextmanager
def _without(name: str) -> Iterator[None]:
    """``name`` removed from this process's environment (and so from the kernels it starts), then restored."""
    saved = os.environ.pop(name, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[name] = saved


def _task(
    job: Job, root: str, git: dict[str, Any], tag: str, personal: bool = False
) -> tuple[PilotResult, str]:
    """On a worker: run one pilot into its folder, unless a lost worker already started it. A unit that
    reads no personal data runs without the pseudonymisation key in its kernel's environment."""
    from distributed import get_worker

    from .trust.privacy import PSEUDONYM_KEY_ENV

    worker = get_worker()
    keyless = nullcontext() if personal else _without(PSEUDONYM_KEY_ENV)
    # CLUSTER_ENV emptied: a notebook running as a task does not send its own steps to the cluster it runs on
    # (a worker busy with the notebook could wait for itself); a pilot's explicit cluster parameter still can
    with _ONE_AT_A_TIME, keyless, environment({"LIVINGLAB_ROOT": root, CLUSTER_ENV: ""}):
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


def _key_env() -> str:
    from .trust.privacy import PSEUDONYM_KEY_ENV

    return PSEUDONYM_KEY_ENV


def _reason(exc: BaseException) -> str:
    worker = getattr(getattr(exc, "last_worker", None), "address", None)
    if worker:  # KilledWorker
        return f"worker lost while running (on {worker}); not re-run"
    return f"{type(exc).__name__} on the cluster: {exc}"


def check_personal_workers(client, units: list[Any], workers: dict[str, Any] | None = None) -> list[bool]:
    """Whether each unit (anything with ``pilot``, ``design`` and ``plan``) reads personal data; a
    ``UsageError`` if one does and the cluster has no worker that may hold it. Called before the run's folder
    is made, so a refused unit leaves nothing behind."""
    if workers is None:
        workers = client.scheduler_info().get("workers", {})
    personal = [reads_personal_data(unit.pilot, unit.design, unit.plan) for unit in units]
    keyed = [w for w, info in workers.items() if (info.get("resources") or {}).get(PERSONAL_RESOURCE)]
    if any(personal) and not keyed:
        first = units[personal.index(True)]
        raise UsageError(
            f"{first.pilot.unit(first.design)} reads real or partner data, which run only on workers started with `--resources "
            f"{PERSONAL_RESOURCE}=1` (and {_key_env()} when the pilot pseudonymises); the scheduler at "
            f"{client.scheduler.address} has none (docs/security.md)."
        )
    return personal


def run_jobs(client, jobs: list[Job], *, out: Path, git: dict[str, Any]) -> list[PilotResult]:
    """Submit every job (retries=0), collect results as they finish, write the index after each."""
    from distributed import as_completed

    n = len(jobs)
    client.subscribe_topic(
        PROGRESS_TOPIC, lambda event: log(f"{event[1]['tag']}: running on {event[1]['worker']}")
    )
    root = str(project_root())
    workers = client.scheduler_info().get("workers", {})
    personal = check_personal_workers(client, jobs, workers)
    log(
        f"{n} pilot run(s) to the Dask scheduler at {client.scheduler.address} ({len(workers)} worker(s) now)"
    )
    futures = {
        client.submit(
            _task,
            job,
            root,
            git,
            f"[{i}/{n}] {job.label}",
            personal[i - 1],
            key=f"{job.unit}-{job.run_id}",
            retries=0,
            resources={PERSONAL_RESOURCE: 1} if personal[i - 1] else None,
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
            "latest/<unit> still links each design's last good run."
        ) from None
    finally:
        client.unsubscribe_topic(PROGRESS_TOPIC)
    return [results[i] for i in sorted(results)]
