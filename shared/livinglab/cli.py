"""The ``livinglab`` command: list pilots, run them (here or on a Dask cluster), sweep, export the catalogue.

Exit status: 0 success, 1 a pilot failed (the others still ran), 2 the request could not start,
3 (with --fail-on-regression) a key metric regressed beyond its tolerance, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .pilots import DEFAULT_PROFILE, UsageError, discover_pilots, parse_cli_value

DATA_HELP = """\
Data: data_mode "synthetic" (embedded generator), "real" (the catalogue's dataset) or "auto" (real when
reachable, else synthetic). A partner's own file: -p data_path PATH (a file, a folder or a quoted glob of one
format; setting it means data_mode "file"), -p columns '{"<contract name>": "<file column>"}' and, if needed,
-p read_options '{"sep": ";", "encoding": "cp1252", "missing_values": [-1], "dayfirst": true, "sheet": "..."}'.
`livinglab inspect PILOT PATH` reads the file, checks it against the pilot's contract and proposes columns.
"""

CLUSTER_HELP = (
    "run each pilot as a task on a Dask cluster: a scheduler address (tcp://host:8786), slurm:PROFILE "
    "(cluster.yaml) or local (worker processes here); default: $LIVINGLAB_CLUSTER. --out must be on a "
    "filesystem the workers share"
)

MLFLOW_HELP = (
    "also log each run to MLflow: a tracking server (http://host:5000; login from MLFLOW_TRACKING_TOKEN or "
    "MLFLOW_TRACKING_USERNAME/PASSWORD), databricks, or a local folder; default: $LIVINGLAB_MLFLOW"
)


def _cmd_list(args: argparse.Namespace) -> int:
    print(DATA_HELP)
    for name, pilot in discover_pilots().items():
        print(f"{name}: {pilot.title}")
        print(f"  profiles: {', '.join(pilot.profile_names())}")
        for design in pilot.designs.values():
            contract = pilot.contract_of(design)
            real = f"; real data: {design.real.dataset}" if design.real else ""
            shown = f", contract {contract.name} ({', '.join(contract.names)})" if contract else ""
            print(f"  {pilot.unit(design)}: {design.title} [{design.notebook}{shown}{real}]")
            for p in pilot.parameters()[design.notebook].values():
                note = f"  # {p.help}" if p.help else ""
                print(f"    {p.name} ({p.type_name}) = {p.default!r}{note}")
            for profile, values in pilot.profiles.items():
                declared = pilot.parameters()[design.notebook]
                shown = ", ".join(f"{k}={v!r}" for k, v in values.items() if k in declared)
                print(f"    [{profile}] {shown or '(notebook defaults)'}")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    """Read a partner's file, show what was found, check it against each design's contract, propose ``columns``."""
    import shlex
    import time

    import pandas as pd

    from .contract import ContractError, describe_columns, split_read_options
    from .reader import DataFileError, read_table

    pilots = discover_pilots()
    if args.pilot not in pilots:
        raise UsageError(f"Unknown pilot {args.pilot}; available: {', '.join(pilots)}.")
    pilot = pilots[args.pilot]
    designs = [(d, pilot.contract_of(d)) for d in pilot.designs.values()]
    designs = [(d, c) for d, c in designs if c is not None]
    if not designs:
        raise UsageError(f"Pilot {args.pilot} publishes no data contract (no 'contract:' in its pilot.yaml).")
    read_options = parse_cli_value(args.read_options) if args.read_options else {}
    options, dayfirst = split_read_options(read_options)
    t0 = time.perf_counter()
    try:
        frame, report = read_table(args.data_path, **options)
    except DataFileError as exc:
        raise UsageError(str(exc)) from None
    print(f"Read {report.summary()} in {time.perf_counter() - t0:.1f} s")
    for note in report.notes:
        print(f"  - {note}")
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(describe_columns(frame).to_string(index=False))
    fits = []
    for order, (design, contract) in enumerate(designs):
        proposal = contract.propose(frame)
        try:
            applied = contract.apply(frame, proposal, dayfirst=dayfirst)
        except ContractError as exc:
            print(
                f"\nDesign {design.name}, contract {contract.name} ({contract.title}): does not fit yet: {exc}"
            )
            continue
        span = f"; time span {applied.time_span[0]} to {applied.time_span[1]}" if applied.time_span else ""
        print(
            f"\nDesign {design.name}, contract {contract.name} ({contract.title}): fits with columns {proposal}{span}"
        )
        fits.append((len(proposal), -order, design, contract, proposal))
    if not fits:
        return 1
    _, _, design, contract, proposal = max(fits, key=lambda fit: fit[:2])
    selectors: dict = {}
    suggest = getattr(pilot.contract_module(), "suggest_params", None)  # parameters read off the data
    if suggest is not None:
        guessed = suggest(contract.name, frame, proposal)
        if guessed:
            selectors.update(guessed)
            print(f"\nParameters guessed from the data (check them): {guessed}")
    command = ["livinglab", "run", pilot.unit(design), "-p", "data_path", args.data_path]
    command += ["-p", "columns", json.dumps(proposal)]
    for key, value in {**selectors, **({"read_options": read_options} if read_options else {})}.items():
        command += ["-p", key, value if isinstance(value, str) else json.dumps(value)]
    print("\nRun it with:\n  " + " ".join(shlex.quote(part) for part in command))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import run_pilots

    overrides: dict[str, str] = {}
    for name, value in args.param or []:
        overrides[name] = value
    run = run_pilots(
        args.pilots or None,
        profile=args.profile,
        overrides=overrides,
        out=Path(args.out),
        cluster=args.cluster,
        mlflow=args.mlflow,
    )
    if not run.ok:
        return 1
    return 3 if args.fail_on_regression and run.regressions else 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import run_sweep

    results = run_sweep(
        args.pilot,
        [tuple(p) for p in args.param or []],
        seeds=args.seeds,
        profile=args.profile,
        out=Path(args.out),
        cluster=args.cluster,
        workers=args.workers,
        mlflow=args.mlflow,
    )
    return 0 if all(r.status == "ok" for r in results) else 1


def _cmd_catalog(args: argparse.Namespace) -> int:
    from .catalog import CatalogError, load_catalog

    try:
        if args.action == "export":
            from .dcat import export_jsonld

            text = json.dumps(export_jsonld(), indent=2, ensure_ascii=False)
            if args.out:
                Path(args.out).write_text(text + "\n", encoding="utf-8")
                print(f"Wrote the DCAT-AP catalogue to {args.out}", file=sys.stderr)
            else:
                print(text)
        else:
            for ds in load_catalog().values():
                files = ", ".join(d.name for d in ds.distributions)
                print(f"{ds.identifier}: {ds.title} [{files}]")
    except CatalogError as exc:  # a malformed catalogue: one sentence, no traceback
        print(f"livinglab: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_index(args: argparse.Namespace) -> int:
    from .report import write_index

    print(write_index(Path(args.out).resolve()))
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from .paths import project_root
    from .scaffold import new_pilot

    target = new_pilot(args.name, project_root(), args.title)
    print(
        f"Created {target}: run it with `livinglab run {args.name}`, test it with "
        f"`pytest pilots/{args.name}`, then make its card and notebook your own."
    )
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_all

    return run_all(args.only, args.cases, Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livinglab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser(
        "list", help="pilots, notebooks, parameters with defaults and types, profiles"
    ).set_defaults(func=_cmd_list)

    run = sub.add_parser("run", help="execute pilots with papermill and update the run index")
    run.add_argument("pilots", nargs="*", help="pilot names (default: all)")
    run.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        help=f"parameter profile from pilot.yaml, e.g. smoke or full (default: {DEFAULT_PROFILE}, "
        "the notebook's own parameters)",
    )
    run.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="override one notebook parameter (repeatable)",
    )
    run.add_argument("--out", default="runs", help="run folder (default: runs/)")
    run.add_argument("--cluster", metavar="ADDRESS", help=CLUSTER_HELP)
    run.add_argument("--mlflow", metavar="URI", help=MLFLOW_HELP)
    run.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit status 3 when a key metric moved the wrong way beyond its pilot.yaml tolerance since the "
        "previous run of the same profile (for scheduled runs)",
    )
    run.set_defaults(func=_cmd_run)

    sweep = sub.add_parser(
        "sweep",
        help="run one pilot over a grid of parameter values x seeds, in parallel; the index shows mean and "
        "spread over seeds",
    )
    sweep.add_argument("pilot")
    sweep.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUES"),
        help="comma-separated values (repeatable; commas inside [..], {..} or quotes do not split: "
        "-p incident_hours '[6.5,9.5],[7,10]')",
    )
    sweep.add_argument("--seeds", type=int, help="also run each point with seed = 0 .. N-1")
    sweep.add_argument("--profile", default=DEFAULT_PROFILE, help="parameter profile the grid starts from")
    sweep.add_argument("--out", default="runs", help="run folder (default: runs/)")
    sweep.add_argument("--cluster", metavar="ADDRESS", help=CLUSTER_HELP)
    sweep.add_argument("--mlflow", metavar="URI", help=MLFLOW_HELP + " (a parent run, a child a grid point)")
    sweep.add_argument("--workers", type=int, help="local worker processes without --cluster (default: CPUs)")
    sweep.set_defaults(func=_cmd_sweep)

    insp = sub.add_parser(
        "inspect", help="read a partner's file, check it against a pilot's contract, propose columns"
    )
    insp.add_argument("pilot")
    insp.add_argument("data_path", help="a file, a folder or a glob (quote it) of files of one format")
    insp.add_argument(
        "--read-options", help='reader options as JSON/YAML, e.g. \'{"sep": ";", "missing_values": [-1]}\''
    )
    insp.set_defaults(func=_cmd_inspect)

    cat = sub.add_parser("catalog", help="the data catalogue")
    cat.add_argument("action", choices=["list", "export"])
    cat.add_argument("--out", help="with export: write JSON-LD here instead of standard output")
    cat.set_defaults(func=_cmd_catalog)

    idx = sub.add_parser("index", help="rebuild index.html of a run folder")
    idx.add_argument("--out", default="runs")
    idx.set_defaults(func=_cmd_index)
    new = sub.add_parser(
        "new", help="scaffold a working pilot folder pilots/NAME (notebook, card, contract, test)"
    )
    new.add_argument("name", help="the pilot's name: lowercase letters, digits, underscores")
    new.add_argument("--title", help="the pilot's title (default: from the name)")
    new.set_defaults(func=_cmd_new)

    bench = sub.add_parser(
        "bench", help="run every pilot's benchmark cases (pilots/*/benchmark.py), one table"
    )
    bench.add_argument("--only", nargs="*", help="pilot names (default: every pilot with a benchmark.py)")
    bench.add_argument("--cases", nargs="*", help="only these case names")
    bench.add_argument("--out", default="bench-results/benchmarks.md")
    bench.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"livinglab: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `livinglab catalog export | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as exc:  # RunInterrupted says what was kept; a bare Ctrl-C says no more
        print(f"livinglab: {exc.args[0] if exc.args else 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
