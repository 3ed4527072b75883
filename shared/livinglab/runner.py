"""Run pilots with papermill and keep every run for reviewers.

``run_pilots`` checks the whole request first (pilots and designs, profile, parameter names and types,
the data a request names, output folder); only then does it execute. Each design of a pilot is one unit:
its notebook runs with the pilot folder as working directory and this environment's kernel, into
``<run>/<pilot>/`` (or ``<run>/<pilot>-<design>/`` for a pilot with several designs). A partner's file
runs the designs whose contract it fits (the first of them in pilot.yaml; ``pilot-design`` picks one).
A unit that fails keeps its executed notebook (with the error) and does not stop the others;
``DIR/latest/<unit>`` links each design's newest successful run (a failed unit keeps its last good one).

Runs that end badly are listed as such: every planned unit is written ``running`` before anything runs and
the run folder is locked while its process lives; SIGTERM is handled like Ctrl-C (the unit ``interrupted``);
a run killed outright is found by the next run (its lock is free) and its unfinished units marked
``interrupted``; a full disk stops the run with one sentence, the unit that was writing marked failed and
its half-written files removed.
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .execute import (
    CLUSTER_ENV,
    DiskFull,
    Job,
    PilotResult,
    RunInterrupted,
    announce,
    ensure_kernel,
    git_state,
    hold_run,
    is_disk_full,
    log,
    mark_interrupted,
    new_run_id,
    run_pilot,
    stop_unfinished,
)
from .paths import project_root
from .personal import PERSONAL_MODES, check_pseudonym_key, personal_mode
from .pilots import DEFAULT_PROFILE, Design, Pilot, UsageError, discover_pilots, plan_parameters
from .report import update_latest, write_index
from .tracking import open_sink


@dataclass
class RunResult:
    run_id: str
    directory: Path
    results: list[PilotResult]
    regressions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.results)


@dataclass(frozen=True)
class Planned:
    """A unit of a run request, checked: a pilot's design and the parameters for its notebook."""

    pilot: Pilot
    design: Design
    plan: dict[str, Any]
    personal: bool = False  # it reads real or partner data (personal data)


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        # a new file of a unique name (O_EXCL): in a folder others can write to, a link planted at a name
        # known in advance would have this write go to the file it points to
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(
            f"Cannot write to the output folder {out} ({exc.strerror}); choose another with --out."
        ) from exc


def _requested(names: list[str] | None, pilots: dict[str, Pilot]) -> list[tuple[Pilot, list[Design] | None]]:
    """``fintech`` (every design, or those a file fits) or ``fintech-ledger`` (that design only)."""
    units = {p.unit(d): (p, d) for p in pilots.values() for d in p.designs.values()}
    chosen: list[tuple[Pilot, list[Design] | None]] = []
    for name in dict.fromkeys(names or list(pilots)):
        if name in pilots:
            chosen.append((pilots[name], None))
        elif name in units:
            chosen.append((units[name][0], [units[name][1]]))
        else:
            known = sorted(set(pilots) | set(units))
            raise UsageError(f"Unknown pilot {name}; available: {', '.join(known)}.")
    return chosen


def prepare(
    pilot_names: list[str] | None, profile: str, overrides: dict[str, str], out: Path
) -> list[Planned]:
    """Check a run request completely; raise UsageError with one clear sentence if it cannot start."""
    pilots = discover_pilots()
    if not pilots:
        raise UsageError("No pilots found (no pilots/*/pilot.yaml).")
    requested = _requested(pilot_names, pilots)
    # -p data_path, model_path, ... are typed from the caller's folder; notebooks run in the pilot folder.
    overrides = {k: _from_here(v) if k.endswith("_path") else v for k, v in overrides.items()}
    plans = [(pilot, designs, plan_parameters(pilot, profile, overrides)) for pilot, designs in requested]
    declared = {p for pilot, _, _ in plans for params in pilot.parameters().values() for p in params}
    undeclared = sorted(set(overrides) - declared)
    if undeclared:
        raise UsageError(
            f"Unknown parameter {', '.join(undeclared)} for pilot(s) {', '.join(p.name for p, _ in requested)}; "
            "see `livinglab list` for each pilot's parameters."
        )
    planned = [unit for pilot, designs, plan in plans for unit in check_data_request(pilot, plan, designs)]
    _check_writable(out)
    return planned


def _from_here(value: str) -> str:
    """A ``-p *_path`` value as the full path it names (``~``, ``..`` and symbolic links resolved), so that
    the run record (params.json) says exactly which file was read."""
    text = value.strip()
    if not text:
        return value
    return str((Path.cwd() / Path(text).expanduser()).resolve())


def check_data_request(
    pilot: Pilot, plan: dict[str, dict[str, Any]], designs: list[Design] | None = None
) -> list[Planned]:
    """The units to run, with ``data_mode``/``data_path``/``columns`` checked before any kernel starts
    (seconds, on a sample). With a partner's file, the first design (in pilot.yaml's order) whose contract
    the file fits; none fitting is one sentence from the first design's contract.

    Relative paths in the notebook's defaults or a profile are relative to the pilot folder (the
    notebook's working directory); relative ``-p *_path`` values were made absolute by :func:`prepare`.
    """
    from .catalog import DataUnavailable
    from .contract import ContractError, check_file, effective_data_mode
    from .data import check_with_pilot

    candidates = designs or list(pilot.designs.values())
    units: list[Planned] = []
    first_error: str | None = None
    file_mode = False
    for design in candidates:
        chosen = plan[design.notebook]
        values = pilot.defaults(design) | chosen
        if "data_mode" not in values:
            units.append(Planned(pilot, design, chosen))
            continue
        data_path = str(values.get("data_path") or "").strip()
        if data_path and not Path(data_path).expanduser().is_absolute():  # a default or a profile's value
            data_path = str(pilot.directory / Path(data_path).expanduser())
        try:
            mode = personal_mode(design, effective_data_mode(values["data_mode"], data_path))
            if mode in PERSONAL_MODES:  # real or partner data: a key in the environment must be a key
                check_pseudonym_key()
            module = pilot.contract_module()
            if module is not None and hasattr(module, "preflight"):  # e.g. a key real data need
                module.preflight(mode, values)
            if mode == "real" and design.real is None and designs is None and len(candidates) > 1:
                continue  # data_mode real runs the designs that have a catalogue dataset
            if mode == "real" and design.real is None:
                raise DataUnavailable(
                    f"design {design.name} has no catalogue dataset for data_mode 'real'; give -p data_path"
                )
            if mode == "file":
                file_mode = True
                contract = pilot.contract_of(design)
                if contract is None:
                    raise ContractError(
                        "this pilot publishes no data contract, so it cannot read a partner's file"
                    )
                applied = check_file(
                    data_path, values.get("columns"), contract, values.get("read_options"), values
                )
                if not applied.sample:  # the pilot's own checks of the whole file (e.g. the days it covers)
                    check_with_pilot(pilot, contract, applied.frame, values)
        except (ContractError, ValueError, DataUnavailable) as exc:
            first_error = first_error or f"{pilot.name}: {exc}"
            if not file_mode or designs is not None:
                raise UsageError(first_error) from None
            continue
        units.append(Planned(pilot, design, chosen, mode in PERSONAL_MODES))
        if file_mode:
            break  # a partner's file: the first design it fits
    if not units:
        raise UsageError(first_error or f"{pilot.name}: no design of this pilot can run this request.")
    return units


def _say_if_outside(planned: list[Planned]) -> None:
    """A partner's file outside the project, the data mirror and the caller's folder is fine; it is said
    after the run (never beside a refusal, which stays one sentence), and named in full (resolved) in
    the run record's parameters and data sources."""
    from .catalog import MIRROR_ENV

    mirror = os.environ.get(MIRROR_ENV)
    homes = [project_root(), Path.cwd().resolve(), *([Path(mirror).resolve()] if mirror else [])]
    targets = []
    for unit in planned:
        data_path = str((unit.pilot.defaults(unit.design) | unit.plan).get("data_path") or "").strip()
        if data_path:
            targets.append((unit.pilot.directory / Path(data_path).expanduser()).resolve())
    for target in dict.fromkeys(targets):
        if not any(target.is_relative_to(home) for home in homes):
            log(
                f"data_path {target} is outside the project, the data mirror and this folder "
                "(named in params.json)."
            )


def run_pilots(
    pilot_names: list[str] | None = None,
    *,
    profile: str = DEFAULT_PROFILE,
    overrides: dict[str, str] | None = None,
    out: Path = Path("runs"),
    progress: bool | None = None,
    cluster: str | None = None,
    mlflow: str | None = None,
) -> RunResult:
    """Run pilots and update the run index. Raises UsageError before any work if the request is bad.

    ``cluster`` (or ``LIVINGLAB_CLUSTER``): a Dask scheduler address or ``slurm:<profile>``; each unit
    is then a task on that cluster (:mod:`livinglab.cluster`). Without it Dask is not imported.
    ``mlflow`` (or ``LIVINGLAB_MLFLOW``): also log each unit to that MLflow store (:mod:`livinglab.tracking`);
    without it MLflow is not imported.
    """
    out = Path(out).resolve()
    planned = prepare(pilot_names, profile, overrides or {}, out)
    sink = open_sink(mlflow)  # None without the option; an unreachable store is a UsageError before any work
    cluster = os.environ.get(CLUSTER_ENV, "").strip() if cluster is None else cluster
    session = nullcontext()
    if cluster:
        from .cluster import connect

        session = connect(cluster, out)  # an unreachable cluster is a UsageError, before the run folder
    found = mark_interrupted(out)
    if found:
        log(f"{len(found)} unit(s) of earlier runs stopped without finishing: listed as interrupted")
    with session as client, terminate_as_interrupt():
        if client is not None:
            from .cluster import check_personal_workers

            check_personal_workers(client, planned)  # a refused unit leaves no folder, no index entry
        run_id = new_run_id()
        run_dir = out / run_id
        run_dir.mkdir(parents=True)
        if any(u.personal for u in planned):
            # what the notebooks show of real or partner data (tables, pseudonyms, texts) is not for the other
            # users of the machine: the folder is this user's only, whatever the umask
            run_dir.chmod(0o700)
        lock = hold_run(run_dir)
        git = git_state(project_root())
        jobs = [Job(u.pilot, u.design, u.plan, run_id, run_dir, profile) for u in planned]
        try:
            announce(jobs, datetime.now(UTC))
            write_index(out)  # the run is listed, its units running, from its first second
            if client is not None:
                from .cluster import run_jobs

                results = run_jobs(client, jobs, out=out, git=git)
            else:
                results = _run_here(jobs, out, progress, git)
            for result in results if sink is not None else []:
                sink.log(result)
            run = RunResult(run_id, run_dir, results, _regressions(out, [r.pilot for r in results]))
            _say_if_outside(planned)
            # latest/<unit>: each design's newest successful run, whichever pilots this run had
            update_latest(out)
            write_index(out)
        except KeyboardInterrupt:
            _stop(out, run_dir, "not started: the run was interrupted before this unit")
            raise
        except (DiskFull, OSError) as exc:
            if not isinstance(exc, DiskFull) and not is_disk_full(exc):
                raise
            _stop(out, run_dir, "not finished: the disk was full")
            said = (
                str(exc)
                if isinstance(exc, DiskFull)
                else (
                    f"the disk is full (No space left on device) while writing "
                    f"{Path(str(exc.filename or out)).name}; the run stopped and latest still links each design's "
                    "last good run: free some space and run again."
                )
            )
            log(f"livinglab: {said}")  # one sentence; the command exits with status 1
            failed = PilotResult(run_id, "failed", run_dir, 0.0, error=said)
            return RunResult(run_id, run_dir, [failed])
        finally:
            lock.close()
    for reg in run.regressions:
        log(
            f"Regression: {reg['pilot']} {reg['label']} {reg['before']:.4g} -> {reg['now']:.4g} "
            f"({100 * reg['change']:+.1f} %, tolerance {100 * reg['tolerance']:.0f} %) since run {reg['previous_run']}"
        )
    log(
        f"Run {run_id}: {sum(r.status == 'ok' for r in results)}/{len(results)} pilots ok"
        f"{f', {len(run.regressions)} regression(s)' if run.regressions else ''}; open {out / 'index.html'}"
    )
    return run


def _stop(out: Path, run_dir: Path, reason: str) -> None:
    """The units of a stopped run that did not finish listed as interrupted; the index rewritten if the
    disk takes it (a full disk leaves the old index whole)."""
    try:
        stop_unfinished(run_dir, reason)
        write_index(out)
    except OSError:
        pass


_INTERRUPTED = threading.Event()  # set by Ctrl-C or SIGTERM during a run; cleared when the next run starts
# the notebook client logs through papermill's logger (else traitlets'); a task of the kernel that died with
# the Ctrl-C is reported by asyncio when it is collected, possibly after the run has ended
_NOISY_WHEN_INTERRUPTED = ("papermill", "traitlets", "asyncio")


class _QuietOnceInterrupted(logging.Filter):
    """Drops a record once the run is interrupted: the kernel that died with the Ctrl-C is no news, the one
    line says what was kept. A run that is not interrupted shows every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _INTERRUPTED.is_set()


_QUIET = _QuietOnceInterrupted()


@contextmanager
def terminate_as_interrupt():
    """SIGTERM (a scheduler's or `kill`'s stop) handled like Ctrl-C while a run lasts: the running unit is
    recorded as interrupted and the index updated. Only in the main thread (signals are delivered there).
    Once interrupted, the notebook client's and asyncio's messages about the dying kernel are not shown."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _INTERRUPTED.clear()
    for name in _NOISY_WHEN_INTERRUPTED:
        if _QUIET not in logging.getLogger(name).filters:
            logging.getLogger(name).addFilter(_QUIET)

    def stop(signum, frame):
        _INTERRUPTED.set()
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.getsignal(signal.SIGINT)
    if callable(previous_int):  # not when Ctrl-C is ignored (SIG_IGN) or left to the system (SIG_DFL)

        def ctrl_c(signum, frame):
            _INTERRUPTED.set()
            previous_int(signum, frame)  # Python's own handler raises KeyboardInterrupt

        signal.signal(signal.SIGINT, ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if callable(previous_int):
            signal.signal(signal.SIGINT, previous_int)


def _run_here(jobs: list[Job], out: Path, progress: bool | None, git: dict[str, Any]) -> list[PilotResult]:
    """The units one after another in this process (each notebook in its own kernel)."""
    import sys

    kernel = ensure_kernel()
    progress = sys.stderr.isatty() if progress is None else progress
    results: list[PilotResult] = []
    for i, job in enumerate(jobs, start=1):
        log(f"[{i}/{len(jobs)}] {job.label}: {job.design.notebook} (profile {job.profile}) ...")
        try:
            result = run_pilot(job, kernel=kernel, progress=progress, git=git)
        except RunInterrupted:
            write_index(out)
            raise RunInterrupted(
                f"interrupted during {job.unit}; run {job.run_id} is kept and listed as interrupted in "
                f"{out / 'index.html'}; runs/latest/<design> still links each design's last good run."
            ) from None
        results.append(result)
        tail = f"failed: {result.error}" if result.error else "ok"
        log(f"[{i}/{len(jobs)}] {job.label}: {tail} ({result.wall_time_s:.1f} s)")
        write_index(out)  # the index shows each unit as soon as it is done
    return results


def _regressions(out: Path, units: list[str]) -> list[dict[str, Any]]:
    from .report import collect_runs, regressions

    runs = collect_runs(out)
    return [reg for name in units for reg in regressions([d for d in runs if _unit(d) == name])]


def _unit(doc: dict[str, Any]) -> str:
    return doc.get("unit") or doc.get("pilot", "")
