"""``livinglab sweep``: one pilot over a grid of parameter values times seeds, in parallel.

``-p n_folds 3,5 -p n_boot 100,200 --seeds 3`` runs 2 x 2 x 3 = 12 grid points (the pilot's ``seed``
parameter set to 0, 1, 2). Each value is typed like ``-p NAME VALUE`` and every point is checked before
anything runs. Commas inside brackets, braces or quotes do not split, so a list-typed parameter takes
``-p incident_hours '[6.5,9.5],[7,10]'`` and a text with a comma ``-p label '"a,b",c'``.

Each grid point is an ordinary run folder ``<sweep id>-<k>/<pilot>/`` whose metrics.json carries
``sweep: {id, grid, seed}``; the index summarises each sweep (mean, sd, min-max over seeds). Points run
as tasks on a Dask cluster: ``--cluster ADDRESS`` or, by default, worker processes on this machine.
``runs/latest`` and regression checks are about ordinary runs and ignore sweeps.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from .execute import CLUSTER_ENV, Job, PilotResult, git_state, log, new_run_id
from .paths import project_root
from .pilots import DEFAULT_PROFILE, UsageError, plan_parameters
from .report import write_index
from .runner import check_data_request, prepare
from .tracking import open_sink

SEED = "seed"


def split_values(raw: str) -> list[str]:
    """``"3,5"`` -> ``["3", "5"]``; a comma inside ``[]``, ``{}`` or quotes does not split; quotes around
    a whole value are removed."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(raw):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    values = [p.strip() for p in parts]
    values = [v[1:-1] if len(v) > 1 and v[0] == v[-1] and v[0] in "\"'" else v for v in values]
    if "" in values:
        raise UsageError(f"-p ... {raw!r} has an empty value; separate values with single commas.")
    return values


def plan_sweep(
    pilot_name: str, params: list[tuple[str, str]], seeds: int | None, profile: str, out: Path
) -> list[Job]:
    """Every grid point as a :class:`Job`, each checked like a run request; UsageError before any work."""
    names = [name for name, _ in params]
    if len(set(names)) < len(names):
        raise UsageError("Give each parameter once, with all its values: -p NAME v1,v2,...")
    if seeds is not None and (seeds < 1 or SEED in names):
        raise UsageError(f"--seeds N needs N >= 1 and sets the parameter {SEED} itself (drop -p {SEED}).")
    axes = [split_values(raw) for _, raw in params]
    points = list(itertools.product(itertools.product(*axes), range(seeds) if seeds else [None]))
    units = prepare([pilot_name], profile, dict(zip(names, points[0][0], strict=True)), out)
    pilot = units[0].pilot
    if seeds and not all(SEED in pilot.parameters()[u.design.notebook] for u in units):
        raise UsageError(f"--seeds needs a parameter named {SEED} in {pilot_name}'s parameters cell.")
    designs = [u.design for u in units]
    sweep_id = new_run_id()
    jobs = []
    for k, (values, seed) in enumerate(points, start=1):
        overrides = dict(zip(names, values, strict=True)) | ({SEED: str(seed)} if seed is not None else {})
        plan = plan_parameters(pilot, profile, overrides)
        run_id = f"{sweep_id}-{k:03d}"
        for unit in check_data_request(pilot, plan, designs):
            chosen = unit.plan
            tag = {"id": sweep_id, "grid": {n: chosen[n] for n in names if n in chosen}, "seed": seed}
            jobs.append(Job(pilot, unit.design, chosen, run_id, out / run_id, profile, tag))
    return jobs


def run_sweep(
    pilot_name: str,
    params: list[tuple[str, str]],
    *,
    seeds: int | None = None,
    profile: str = DEFAULT_PROFILE,
    out: Path = Path("runs"),
    cluster: str | None = None,
    workers: int | None = None,
    mlflow: str | None = None,
) -> list[PilotResult]:
    """Run the grid (on ``cluster``, ``LIVINGLAB_CLUSTER`` or ``workers`` local processes) and index it;
    with ``mlflow`` (or ``LIVINGLAB_MLFLOW``) the sweep is also an MLflow parent run with a child a point."""
    from .cluster import check_personal_workers, connect, run_jobs

    out = Path(out).resolve()
    jobs = plan_sweep(pilot_name, params, seeds, profile, out)
    axes = {name: split_values(raw) for name, raw in params}
    sink = open_sink(mlflow, sweep={"id": jobs[0].sweep["id"], "axes": axes, "seeds": seeds})
    cluster = cluster or os.environ.get(CLUSTER_ENV, "").strip() or "local"
    local = min(len(jobs), workers or os.cpu_count() or 1)
    with connect(cluster, out, local_workers=local) as client:
        personal = check_personal_workers(client, jobs)  # a refused point leaves no folder
        for job, private in zip(jobs, personal, strict=True):
            job.run_dir.mkdir(parents=True, exist_ok=True)
            if private:  # real or partner data: this user's only, whatever the umask
                job.run_dir.chmod(0o700)
        results = run_jobs(client, jobs, out=out, git=git_state(project_root()))
    for result in results if sink is not None else []:
        sink.log(result)
    write_index(out)
    ok = sum(r.status == "ok" for r in results)
    log(f"Sweep {jobs[0].sweep['id']}: {ok}/{len(results)} grid points ok; open {out / 'index.html'}")
    return results
