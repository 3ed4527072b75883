"""Execute one pilot design's notebook with papermill and write what it recorded.

``run_pilot`` runs a :class:`Job` (a pilot's design, its parameters, a run folder) in a kernel of this
environment with the pilot folder as working directory; ``finish_pilot`` writes ``params.json`` and
``metrics.json`` from what the notebook recorded. Used by the runner here and by cluster tasks on workers.
"""

from __future__ import annotations

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

from .paths import project_root
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
    "fairlearn",
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
    print(message, file=sys.stderr, flush=True)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: the pilot that was running is recorded as interrupted, the index updated."""


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
    try:
        pm.execute_notebook(
            str(pilot.directory / notebook),
            str(executed),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(pilot.directory),
            progress_bar=False,
            request_save_on_cell_execute=True,
            kernel_manager_class=_kernel_manager_class(executed.parent / "kernel-stderr.log"),
            on_cell_start=tracker.start,
        )
    finally:
        tracker.done()


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
    }
    executed = pilot_dir / notebook
    with environment(env):
        try:
            _execute(pilot, notebook, executed, job.plan, kernel, progress)
        except pm.PapermillExecutionError as exc:
            error, status = f"{notebook}: {exc.ename}: {exc.evalue}", "failed"
        except KeyboardInterrupt:
            error, status = f"{notebook}: interrupted (Ctrl-C) before the notebook finished", "interrupted"
        except Exception as exc:  # kernel died, notebook unreadable, ...: keep going with the others
            error, status = f"{notebook}: {type(exc).__name__}: {exc}", "failed"
            (pilot_dir / "runner-error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        if executed.exists():
            try:
                render_html(executed, executed.with_suffix(".html"))
            except Exception as exc:  # a rendering problem must not hide the run's status
                log(f"  could not render {executed.name} to HTML: {exc}")
    result = finish_pilot(job, status, error, started, time.perf_counter() - t0, git)
    if status == "interrupted":
        raise RunInterrupted(result)
    return result


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
    metrics_doc = {
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
        "started": params_doc["started"],
        "wall_time_s": round(wall, 2),
        "notebooks": [design.notebook],
        "key_metrics": [m.name for m in design.key_metrics],
        "key_metric_specs": [m.as_dict() for m in design.key_metrics],
        "data_fingerprint": next(
            (str(s["fingerprint"]) for s in found.sources if s.get("fingerprint")),
            found.metrics.get("data_fingerprint"),
        ),
        "metrics": found.metrics,
        "claims": found.claims,
        "timings": found.timings,
        **({"sweep": job.sweep} if job.sweep else {}),
    }
    (pilot_dir / "params.json").write_text(json.dumps(params_doc, indent=2, default=str), encoding="utf-8")
    (pilot_dir / "metrics.json").write_text(json.dumps(metrics_doc, indent=2), encoding="utf-8")
    return PilotResult(job.unit, status, pilot_dir, wall, found.metrics, error, found.claims)
