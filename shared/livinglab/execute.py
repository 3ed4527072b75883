"""Execute one pilot design's notebook with papermill and write what it recorded.

``run_pilot`` runs a :class:`Job` (a pilot's design, its parameters, a run folder) in a kernel of this
environment with the pilot folder as working directory; ``finish_pilot`` writes ``params.json`` and
``metrics.json`` from what the notebook recorded. Used by the runner here and by cluster tasks on workers.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import secrets
import subprocess
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .paths import project_root, write_atomically
from .pilots import Design, Pilot
from .recording import METRICS_ENV, read_metrics_file
from .report import render_html, render_model_card_html

KERNEL_NAME = "livinglab"
CLUSTER_ENV = "LIVINGLAB_CLUSTER"  # a Dask scheduler address for scheduled runs (as --cluster)
TRACKED_PACKAGES = (
    "livinglab",
    "pandas",
    "numpy",
    "scikit-learn",
    "lightgbm",
    "statsmodels",
    "lifelines",
    "geopandas",
    "osmnx",
    "networkx",
    "holidays",
    "pandera",
    "papermill",
)


@dataclass
class PilotResult:
    pilot: str
    status: str  # "ok" | "failed"
    directory: Path
    wall_time_s: float
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


def ensure_kernel() -> str:
    """A kernelspec named ``livinglab`` that starts *this* Python, so runs use this environment."""
    kernel_dir = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (livinglab)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    spec_file = kernel_dir / "kernel.json"
    if not spec_file.exists() or json.loads(spec_file.read_text()) != spec:
        kernel_dir.mkdir(parents=True, exist_ok=True)
        spec_file.write_text(json.dumps(spec, indent=1))
    return KERNEL_NAME


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def git_state(root: Path) -> dict[str, Any]:
    """The commit and whether the working tree differs from it, as git sees it (after filters).

    Run once per run, not per notebook. A first look bypasses the notebook filter (``cat``): a tree whose
    files equal the commit byte for byte is clean, and another changed file makes it dirty, in well under a
    second. Only notebooks that differ byte for byte are then compared through the nbstripout clean filter
    (``git diff``, which compares contents; ``git status`` also counts a file whose size changed): a notebook
    saved by JupyterLab with outputs or kernel metadata, whose cells' sources are the commit's, is clean.
    """

    def git(*args: str, timeout: float = 5) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=timeout
            )
        except (OSError, subprocess.TimeoutExpired):
            return None

    head = git("rev-parse", "HEAD")
    commit = head.stdout.strip() if head is not None and head.returncode == 0 else None
    raw = git("-c", "filter.nbstripout.clean=cat", "status", "--porcelain", "-z", "--untracked-files=no")
    if raw is None or raw.returncode != 0:
        return {"commit": commit, "dirty": None}
    entries = [entry for entry in raw.stdout.split("\0") if entry]
    if not entries:
        return {"commit": commit, "dirty": False}
    # only notebooks changed in the working tree (not staged, renamed or deleted) can be clean after filters
    notebooks = [e[3:] for e in entries if e[:3] == " M " and e.endswith(".ipynb")]
    if len(notebooks) < len(entries):
        return {"commit": commit, "dirty": True}
    filtered = git("diff", "--quiet", "--", *notebooks, timeout=120)
    dirty = {0: False, 1: True}.get(filtered.returncode) if filtered is not None else None
    return {"commit": commit, "dirty": dirty}


def _package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@contextmanager
def environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def log(message: str) -> None:
    """One line on standard error; its control characters shown (a unit's error can quote a file's names)."""
    from .escaping import terminal_text

    print(terminal_text(message), file=sys.stderr, flush=True)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a run: the pilot that was running is recorded as interrupted, the index
    updated."""


class DiskFull(RuntimeError):
    """The disk filled up during a run: the unit that was writing is marked failed and its half-written
    files removed; the message is one sentence."""


def is_disk_full(exc: BaseException) -> bool:
    """An error that says the disk is full: here (ENOSPC, EDQUOT) or in the kernel (its error's text)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = f"{getattr(exc, 'ename', '')}: {getattr(exc, 'evalue', '')}"
    return "No space left on device" in text or "[Errno 28]" in text or "Disk quota exceeded" in text


def _kernel_manager_class(stderr_file: Path):
    """A kernel manager whose kernel writes its stderr to a file in the run folder, not to the terminal."""
    from jupyter_client.manager import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stderr", stderr_file.open("ab"))
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return RunKernelManager


class _CellProgress:
    """One live line on a terminal: which pilot, which cell, elapsed time. Silent when not a terminal."""

    def __init__(self, pilot: str, notebook: str, enabled: bool):
        self.label, self.enabled, self.t0 = f"{pilot}/{notebook}", enabled, time.perf_counter()
        self.n_cells = 0

    def start(self, cell, cell_index: int) -> None:
        if self.enabled:
            first_line = (cell.source.strip().splitlines() or [""])[0][:50]
            sys.stderr.write(
                f"\r\x1b[K  {self.label}: cell {cell_index + 1}/{self.n_cells}  "
                f"{time.perf_counter() - self.t0:6.1f} s  {first_line}"
            )
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _execute(
    pilot: Pilot, notebook: str, executed: Path, parameters: dict, kernel: str, progress: bool
) -> None:
    import nbformat
    import papermill as pm

    tracker = _CellProgress(pilot.name, notebook, progress)
    tracker.n_cells = sum(
        c.cell_type == "code" for c in nbformat.read(pilot.directory / notebook, as_version=4).cells
    )
    tracker.n_cells += 1 if parameters else 0  # papermill's injected-parameters cell
    stderr_file = executed.parent / "kernel-stderr.log"
    try:
        for attempt in (1, 2):
            try:
                pm.execute_notebook(
                    str(pilot.directory / notebook),
                    str(executed),
                    parameters=parameters,
                    kernel_name=kernel,
                    cwd=str(pilot.directory),
                    progress_bar=False,
                    request_save_on_cell_execute=True,
                    kernel_manager_class=_kernel_manager_class(stderr_file),
                    on_cell_start=tracker.start,
                )
                return
            except RuntimeError as exc:
                if attempt == 2 or not died_starting(exc):
                    raise
                log(
                    f"  {pilot.name}/{notebook}: the kernel died while starting, before any cell ran "
                    f"({stderr_file.name} has its output); starting it once more"
                )
    finally:
        tracker.done()


def died_starting(exc: BaseException) -> bool:
    """A kernel that exited before its first reply (jupyter_client's "Kernel died before replying to
    kernel_info"): no cell ran, so starting it again repeats nothing. Seen in a test run where two Dask
    workers of one machine started kernels at the same moment."""
    return "Kernel died before replying to kernel_info" in str(exc)


@dataclass
class Job:
    """One pilot design to execute into ``run_dir/<unit>/`` (a sweep's grid point carries its ``sweep`` tag)."""

    pilot: Pilot
    design: Design
    plan: dict[str, Any]  # the parameters injected into the design's notebook
    run_id: str
    run_dir: Path
    profile: str
    sweep: dict[str, Any] | None = None

    @property
    def unit(self) -> str:
        return self.pilot.unit(self.design)

    @property
    def directory(self) -> Path:
        return self.run_dir / self.unit

    @property
    def label(self) -> str:
        if not self.sweep:
            return self.unit
        point = {
            **self.sweep["grid"],
            **({"seed": self.sweep["seed"]} if self.sweep["seed"] is not None else {}),
        }
        return f"{self.unit} {' '.join(f'{k}={v}' for k, v in point.items())}".strip()


def run_pilot(job: Job, *, kernel: str, progress: bool, git: dict[str, Any] | None = None) -> PilotResult:
    """Execute one design's notebook; write the executed notebook, HTML, params.json and metrics.json.

    Ctrl-C marks the pilot ``interrupted`` (its files are written) and raises :class:`RunInterrupted`.
    """
    import papermill as pm

    pilot, notebook = job.pilot, job.design.notebook
    pilot_dir = job.directory
    pilot_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    error: str | None = None
    status = "ok"
    env = {
        METRICS_ENV: str(pilot_dir / ".recorded.jsonl"),
        "LIVINGLAB_OUTPUT_DIR": str(pilot_dir),
        "LIVINGLAB_RUN_ID": job.run_id,
        "LIVINGLAB_PROFILE": job.profile,
        "LIVINGLAB_UNIT": job.unit,
        "LIVINGLAB_PARAMETERS": json.dumps(job.plan, sort_keys=True, default=str),
        "LIVINGLAB_ROOT": str(project_root()),
        # `import pilots.<name>` in the kernel finds this project's pilots (also a project outside the install)
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project_root()), os.environ.get("PYTHONPATH")])),
        # figures are shown inline in the notebook (and so in its HTML), whatever the caller's backend
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        # the kernel's working directory (the pilot folder) is not put first on sys.path: a pilot's folder
        # such as pilots/fintech/distributed/ would be imported for Dask's own `distributed`
        "PYTHONSAFEPATH": "1",
    }
    executed = pilot_dir / notebook
    full: BaseException | None = None
    with environment(env):
        try:
            _execute(pilot, notebook, executed, job.plan, kernel, progress)
        except pm.PapermillExecutionError as exc:
            error, status = f"{notebook}: {exc.ename}: {exc.evalue}", "failed"
            full = exc if is_disk_full(exc) else None
        except KeyboardInterrupt as exc:
            how = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "Ctrl-C"
            error, status = f"{notebook}: interrupted ({how}) before the notebook finished", "interrupted"
        except Exception as exc:  # kernel died, notebook unreadable, ...: keep going with the others
            error, status = f"{notebook}: {type(exc).__name__}: {exc}", "failed"
            full = exc if is_disk_full(exc) else None
            if full is None:
                (pilot_dir / "runner-error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        if executed.exists() and full is None:
            try:
                render_html(executed, executed.with_suffix(".html"))
            except Exception as exc:  # a rendering problem must not hide the run's status
                full = exc if is_disk_full(exc) else None
                log(f"  could not render {executed.name} to HTML: {exc}")
    if full is None:
        try:
            result = finish_pilot(job, status, error, started, time.perf_counter() - t0, git)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            full = exc
    if full is not None:
        raise disk_full(job, started, time.perf_counter() - t0, git, full)
    if status == "interrupted":
        raise RunInterrupted(result)
    return result


def disk_full(job: Job, started: datetime, wall: float, git: dict | None, exc: BaseException) -> DiskFull:
    """The unit's half-written files removed (a truncated notebook or model is no result), the unit marked
    failed if the disk still takes its small record, and the sentence that says so."""
    removed = 0
    for path in sorted(job.directory.rglob("*"), reverse=True):
        try:
            path.rmdir() if path.is_dir() else path.unlink()
            removed += 1
        except OSError:
            pass
    where = getattr(exc, "filename", None) or "its outputs"
    error = f"the disk is full (No space left on device) while writing {Path(str(where)).name}"
    try:
        job.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(
            job.directory / "metrics.json", json.dumps(run_record(job, "failed", error, started, wall))
        )
    except OSError:
        pass  # still full: the next run finds the unit unfinished and marks it interrupted
    return DiskFull(
        f"the disk is full (No space left on device) while {job.unit} was writing {Path(str(where)).name}; "
        f"its {removed} half-written file(s) were removed and it is marked failed, the run stopped there and "
        "latest still links each design's last good run: free some space and run again."
    )


def run_record(
    job: Job, status: str, error: str | None, started: datetime, wall: float, found: Any = None
) -> dict[str, Any]:
    """A unit's ``metrics.json``: what the index lists (status, error, metrics, claims, timings)."""
    pilot, design = job.pilot, job.design
    return {
        "run_id": job.run_id,
        "pilot": pilot.name,
        "design": design.name,
        "unit": job.unit,
        "title": pilot.title,
        "design_title": design.title,
        "profile": job.profile,
        "parameters": job.plan,
        "status": status,
        "error": error,
        "started": started.isoformat(timespec="seconds"),
        "wall_time_s": round(wall, 2),
        "notebooks": [design.notebook],
        "key_metrics": [m.name for m in design.key_metrics],
        "key_metric_specs": [m.as_dict() for m in design.key_metrics],
        "data_fingerprint": next(
            (str(s["fingerprint"]) for s in found.sources if s.get("fingerprint")),
            found.metrics.get("data_fingerprint"),
        )
        if found is not None
        else None,
        "metrics": found.metrics if found is not None else {},
        "claims": found.claims if found is not None else {},
        "timings": found.timings if found is not None else {},
        **({"sweep": job.sweep} if job.sweep else {}),
    }


#: A unit not yet finished: listed as running, and as interrupted once its run's process is gone.
RUNNING = "running"
PLANNED = ".planned.json"  # a unit's record before it finishes (its metrics.json replaces it)
_LOCK = ".run.lock"


def announce(jobs: list[Job], started: datetime) -> None:
    """Each planned unit written as ``running`` (``.planned.json``) before anything runs, so a run killed
    outright (SIGKILL, a machine that stops) leaves records the next run finds (:func:`mark_interrupted`)."""
    for job in jobs:
        job.directory.mkdir(parents=True, exist_ok=True)
        record = run_record(job, RUNNING, "started, not finished", started, 0.0)
        write_atomically(job.directory / PLANNED, json.dumps(record, indent=2))


def unfinished(run_dir: Path) -> list[Path]:
    """The planned records of a run's units that have no metrics.json (not finished)."""
    return [p for p in sorted(run_dir.glob(f"*/{PLANNED}")) if not (p.parent / "metrics.json").exists()]


def stop_unfinished(run_dir: Path, reason: str) -> list[Path]:
    """A run's unfinished units recorded as ``interrupted`` (metrics.json from their planned record, with
    ``reason``); their files are kept. Returns the records written."""
    written = []
    for planned in unfinished(run_dir):
        try:
            doc = json.loads(planned.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        doc.update(status="interrupted", error=reason)
        written.append(write_atomically(planned.parent / "metrics.json", json.dumps(doc, indent=2)))
    return written


def hold_run(run_dir: Path):
    """A lock on the run folder held while its process lives (released by the system when it dies); the
    open file is returned and must be kept open."""
    handle = (run_dir / _LOCK).open("a")
    try:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):
        pass
    return handle


def _is_held(lock: Path) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: a run is never assumed dead
        return True
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def mark_interrupted(out: Path) -> list[Path]:
    """Unfinished units of runs under ``out`` whose process is gone (their lock is free) recorded as
    ``interrupted``: what the next run does first. Returns the records written."""
    written = []
    for lock in sorted(Path(out).glob(f"*/{_LOCK}")):
        run_dir = lock.parent
        if run_dir.name == "latest" or not unfinished(run_dir) or _is_held(lock):
            continue
        written += stop_unfinished(
            run_dir,
            "the run stopped before this unit finished (its process was killed or the machine stopped); "
            "found by a later run",
        )
    return written


def finish_pilot(
    job: Job, status: str, error: str | None, started: datetime, wall: float, git: dict[str, Any] | None
) -> PilotResult:
    """Write a design's params.json and metrics.json from what its notebook recorded (also for a pilot
    whose worker was lost: the client writes them then)."""
    pilot, design, pilot_dir = job.pilot, job.design, job.directory
    metrics_file = pilot_dir / ".recorded.jsonl"
    found = read_metrics_file(metrics_file)
    metrics_file.unlink(missing_ok=True)
    if (pilot_dir / "model_card.md").exists():
        render_model_card_html(pilot_dir / "model_card.md", pilot_dir / "model_card.html")
    effective = pilot.defaults(design) | job.plan
    params_doc = {
        "run_id": job.run_id,
        "pilot": pilot.name,
        "design": design.name,
        "profile": job.profile,
        "notebooks": [design.notebook],
        "parameters": job.plan,
        "effective_parameters": effective,
        "defaults": pilot.defaults(design),
        "data_sources": found.sources,
        "started": started.isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": _package_versions(),
        "git": git if git is not None else git_state(project_root()),
    }
    metrics_doc = run_record(job, status, error, started, wall, found)
    write_atomically(pilot_dir / "params.json", json.dumps(params_doc, indent=2, default=str))
    write_atomically(pilot_dir / "metrics.json", json.dumps(metrics_doc, indent=2))
    return PilotResult(job.unit, status, pilot_dir, wall, found.metrics, error, found.claims)
