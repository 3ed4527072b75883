"""Execute pilots with papermill and keep every run for reviewers.

``run_pilots`` checks the whole request first (pilots, profile, parameter names and types, output
folder); only then does it execute. Each pilot's notebook runs with the pilot folder as working
directory and this environment's kernel. A pilot that fails keeps its executed notebook (with the
error) and does not stop the others; ``DIR/latest`` moves only when every pilot of the run succeeded.
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
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .paths import project_root
from .pilots import DEFAULT_PROFILE, Pilot, UsageError, discover_pilots, plan_parameters
from .recording import METRICS_ENV, read_metrics_file
from .report import render_html, render_model_card_html, write_index

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


@dataclass
class RunResult:
    run_id: str
    directory: Path
    results: list[PilotResult]
    regressions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.results)


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
    """The commit and whether the working tree differs from it, in well under a second.

    Run once per run, not per notebook. The nbstripout clean filter is bypassed (``cat``): running it
    on every notebook took 8-16 s, and a notebook whose content equals the commit is clean either way.
    """

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("-c", "filter.nbstripout.clean=cat", "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def _package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise UsageError(
            f"Cannot write to the output folder {out} ({exc.strerror}); choose another with --out."
        ) from exc


def prepare(
    pilot_names: list[str] | None, profile: str, overrides: dict[str, str], out: Path
) -> list[tuple[Pilot, dict[str, dict[str, Any]]]]:
    """Check a run request completely; raise UsageError with one clear sentence if it cannot start."""
    pilots = discover_pilots()
    if not pilots:
        raise UsageError("No pilots found (no pilots/*/pilot.yaml).")
    names = pilot_names or list(pilots)
    unknown = [n for n in names if n not in pilots]
    if unknown:
        raise UsageError(f"Unknown pilot {', '.join(unknown)}; available: {', '.join(pilots)}.")
    names = list(dict.fromkeys(names))
    # -p data_path, model_path, ... are typed from the caller's folder; notebooks run in the pilot folder.
    overrides = {k: _from_here(v) if k.endswith("_path") else v for k, v in overrides.items()}
    plans = [(pilots[n], plan_parameters(pilots[n], profile, overrides)) for n in names]
    declared = {p for pilot, _ in plans for params in pilot.parameters().values() for p in params}
    undeclared = sorted(set(overrides) - declared)
    if undeclared:
        raise UsageError(
            f"Unknown parameter {', '.join(undeclared)} for pilot(s) {', '.join(names)}; "
            "see `livinglab list` for each pilot's parameters."
        )
    for pilot, plan in plans:
        check_data_request(pilot, plan)
    _check_writable(out)
    return plans


def _from_here(value: str) -> str:
    text = value.strip()
    if not text or Path(text).expanduser().is_absolute():
        return value
    return str(Path.cwd() / Path(text).expanduser())


def check_data_request(pilot: Pilot, plan: dict[str, dict[str, Any]]) -> None:
    """``data_mode``/``data_path``/``columns`` checked before any kernel starts (seconds, on a sample).

    Relative paths in the notebook's defaults or a profile are relative to the pilot folder (the
    notebook's working directory); relative ``-p *_path`` values were made absolute by :func:`prepare`.
    """
    from .contract import ContractError, check_file, effective_data_mode

    for notebook, chosen in plan.items():
        values = {n: p.default for n, p in pilot.parameters()[notebook].items()} | chosen
        if "data_mode" not in values:
            continue
        data_path = str(values.get("data_path") or "").strip()
        if data_path and not Path(data_path).expanduser().is_absolute():  # a default or a profile's value
            data_path = str(pilot.directory / Path(data_path).expanduser())
        try:
            mode = effective_data_mode(values["data_mode"], data_path)
            module = pilot.contract_module()
            if module is not None and hasattr(module, "preflight"):  # e.g. a key real data need
                module.preflight(mode, values)
            if mode != "file":
                continue
            if module is None:
                raise ContractError(
                    "this pilot publishes no data contract, so it cannot read a partner's file"
                )
            check_file(
                data_path, values.get("columns"), module.contract_for(values), values.get("read_options")
            )
        except (ContractError, ValueError) as exc:
            raise UsageError(f"{pilot.name}: {exc}") from None


@contextmanager
def _environment(values: dict[str, str]):
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


def _log(message: str) -> None:
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
    """One pilot to execute into ``run_dir/<pilot>/`` (a sweep's grid point carries its ``sweep`` tag)."""

    pilot: Pilot
    plan: dict[str, dict[str, Any]]
    run_id: str
    run_dir: Path
    profile: str
    sweep: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        if not self.sweep:
            return self.pilot.name
        point = {
            **self.sweep["grid"],
            **({"seed": self.sweep["seed"]} if self.sweep["seed"] is not None else {}),
        }
        return f"{self.pilot.name} {' '.join(f'{k}={v}' for k, v in point.items())}".strip()


def run_pilot(job: Job, *, kernel: str, progress: bool, git: dict[str, Any] | None = None) -> PilotResult:
    """Execute one pilot's notebooks; write the executed notebooks, HTML, params.json and metrics.json.

    Ctrl-C marks the pilot ``interrupted`` (its files are written) and raises :class:`RunInterrupted`.
    """
    import papermill as pm

    pilot = job.pilot
    pilot_dir = job.run_dir / pilot.name
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
        "LIVINGLAB_ROOT": str(project_root()),
        # figures are shown inline in the notebook (and so in its HTML), whatever the caller's backend
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    with _environment(env):
        for notebook in pilot.notebooks:
            executed = pilot_dir / notebook
            try:
                _execute(pilot, notebook, executed, job.plan[notebook], kernel, progress)
            except pm.PapermillExecutionError as exc:
                error, status = f"{notebook}: {exc.ename}: {exc.evalue}", "failed"
            except KeyboardInterrupt:
                error, status = (
                    f"{notebook}: interrupted (Ctrl-C) before the notebook finished",
                    "interrupted",
                )
            except Exception as exc:  # kernel died, notebook unreadable, ...: keep going with the others
                error, status = f"{notebook}: {type(exc).__name__}: {exc}", "failed"
                (pilot_dir / "runner-error.txt").write_text(traceback.format_exc(), encoding="utf-8")
            if executed.exists():
                try:
                    render_html(executed, executed.with_suffix(".html"))
                except Exception as exc:  # a rendering problem must not hide the run's status
                    _log(f"  could not render {executed.name} to HTML: {exc}")
            if error:
                break
    result = finish_pilot(job, status, error, started, time.perf_counter() - t0, git)
    if status == "interrupted":
        raise RunInterrupted(result)
    return result


def finish_pilot(
    job: Job, status: str, error: str | None, started: datetime, wall: float, git: dict[str, Any] | None
) -> PilotResult:
    """Write a pilot's params.json and metrics.json from what its notebooks recorded (also for a pilot
    whose worker was lost: the client writes them then)."""
    pilot, pilot_dir = job.pilot, job.run_dir / job.pilot.name
    metrics_file = pilot_dir / ".recorded.jsonl"
    metrics, sources = read_metrics_file(metrics_file)
    metrics_file.unlink(missing_ok=True)
    if (pilot_dir / "model_card.md").exists():
        render_model_card_html(pilot_dir / "model_card.md", pilot_dir / "model_card.html")
    params_doc = {
        "run_id": job.run_id,
        "pilot": pilot.name,
        "profile": job.profile,
        "notebooks": pilot.notebooks,
        "parameters": job.plan,
        "defaults": {nb: {n: p.default for n, p in ps.items()} for nb, ps in pilot.parameters().items()},
        "data_sources": sources,
        "started": started.isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": _package_versions(),
        "git": git if git is not None else git_state(project_root()),
    }
    metrics_doc = {
        "run_id": job.run_id,
        "pilot": pilot.name,
        "title": pilot.title,
        "profile": job.profile,
        "status": status,
        "error": error,
        "started": params_doc["started"],
        "wall_time_s": round(wall, 2),
        "notebooks": pilot.notebooks,
        "key_metrics": [m.name for m in pilot.key_metrics],
        "key_metric_specs": [m.as_dict() for m in pilot.key_metrics],
        "metrics": metrics,
        **({"sweep": job.sweep} if job.sweep else {}),
    }
    (pilot_dir / "params.json").write_text(json.dumps(params_doc, indent=2, default=str), encoding="utf-8")
    (pilot_dir / "metrics.json").write_text(json.dumps(metrics_doc, indent=2), encoding="utf-8")
    return PilotResult(pilot.name, status, pilot_dir, wall, metrics, error)


def _point_latest(out: Path, run_id: str) -> None:
    tmp = out / f".latest-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, out / "latest")


def run_pilots(
    pilot_names: list[str] | None = None,
    *,
    profile: str = DEFAULT_PROFILE,
    overrides: dict[str, str] | None = None,
    out: Path = Path("runs"),
    progress: bool | None = None,
    cluster: str | None = None,
) -> RunResult:
    """Run pilots and update the run index. Raises UsageError before any work if the request is bad.

    ``cluster`` (or ``LIVINGLAB_CLUSTER``): a Dask scheduler address or ``slurm:<profile>``; each pilot
    is then a task on that cluster (:mod:`livinglab.cluster`). Without it Dask is not imported.
    """
    out = Path(out).resolve()
    plans = prepare(pilot_names, profile, overrides or {}, out)
    cluster = os.environ.get(CLUSTER_ENV, "").strip() if cluster is None else cluster
    session = nullcontext()
    if cluster:
        from .cluster import connect

        session = connect(cluster, out)  # an unreachable cluster is a UsageError, before the run folder
    with session as client:
        run_id = new_run_id()
        run_dir = out / run_id
        run_dir.mkdir(parents=True)
        git = git_state(project_root())
        jobs = [Job(pilot, plan, run_id, run_dir, profile) for pilot, plan in plans]
        if client is not None:
            from .cluster import run_jobs

            results = run_jobs(client, jobs, out=out, git=git)
        else:
            results = _run_here(jobs, out, progress, git)
    run = RunResult(run_id, run_dir, results, _regressions(out, [r.pilot for r in results]))
    if run.ok:
        _point_latest(out, run_id)
    write_index(out)
    for reg in run.regressions:
        _log(
            f"Regression: {reg['pilot']} {reg['label']} {reg['before']:.4g} -> {reg['now']:.4g} "
            f"({100 * reg['change']:+.1f} %, tolerance {100 * reg['tolerance']:.0f} %) since run {reg['previous_run']}"
        )
    _log(
        f"Run {run_id}: {sum(r.status == 'ok' for r in results)}/{len(results)} pilots ok"
        f"{f', {len(run.regressions)} regression(s)' if run.regressions else ''}; open {out / 'index.html'}"
    )
    return run


def _run_here(jobs: list[Job], out: Path, progress: bool | None, git: dict[str, Any]) -> list[PilotResult]:
    """The pilots one after another in this process (each notebook in its own kernel)."""
    kernel = ensure_kernel()
    progress = sys.stderr.isatty() if progress is None else progress
    results: list[PilotResult] = []
    for i, job in enumerate(jobs, start=1):
        _log(f"[{i}/{len(jobs)}] {job.label}: {', '.join(job.pilot.notebooks)} (profile {job.profile}) ...")
        try:
            result = run_pilot(job, kernel=kernel, progress=progress, git=git)
        except RunInterrupted:
            write_index(out)
            raise RunInterrupted(
                f"interrupted during {job.pilot.name}; run {job.run_id} is kept and listed as interrupted in "
                f"{out / 'index.html'}; runs/latest still points at the last complete run."
            ) from None
        results.append(result)
        tail = f"failed: {result.error}" if result.error else "ok"
        _log(f"[{i}/{len(jobs)}] {job.label}: {tail} ({result.wall_time_s:.1f} s)")
        write_index(out)  # the index shows each pilot as soon as it is done
    return results


def _regressions(out: Path, pilots: list[str]) -> list[dict[str, Any]]:
    from .report import collect_runs, regressions

    runs = collect_runs(out)
    return [reg for name in pilots for reg in regressions([d for d in runs if d.get("pilot") == name])]
