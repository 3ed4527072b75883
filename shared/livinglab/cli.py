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
    "run each pilot as a task on a Dask cluster: a scheduler address (tls://host:8786 with the certificates "
    "of cluster.yaml; tcp:// on this machine only), slurm:PROFILE (cluster.yaml) or local (worker processes "
    "here); default: $LIVINGLAB_CLUSTER. --out must be on a filesystem the workers share (docs/security.md)"
)
INSECURE_HELP = (
    "allow a plain tcp:// scheduler on another machine (no TLS: anyone who reaches it runs code on its "
    "workers); only on a network you alone can reach"
)

MLFLOW_HELP = (
    "also log each run to MLflow: a tracking server (http://host:5000; login from MLFLOW_TRACKING_TOKEN or "
    "MLFLOW_TRACKING_USERNAME/PASSWORD), databricks, or a local folder; default: $LIVINGLAB_MLFLOW"
)


def _print_as_text(*values, **options) -> None:
    """``print`` for text that can come from a partner's file (names, values): escape sequences are shown."""
    import builtins

    from .escaping import terminal_text

    builtins.print(*(terminal_text(v) for v in values), **options)


def _insecure(args: argparse.Namespace) -> None:
    """``--insecure`` for the kernels too; then a scheduler address is checked first (seconds, before the
    request's data checks): a plain remote tcp:// or a peer that is not a Dask scheduler is one sentence."""
    from .cluster import INSECURE_ENV, check_reachable

    if getattr(args, "insecure", False):
        import os

        os.environ[INSECURE_ENV] = "1"  # also seen by the kernels' own cluster parameter
    check_reachable(args.cluster)


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
    """Read a partner's file, show what was found, check it against each design's contract, propose ``columns``
    (and the read options it needs), and print a command that was checked as ``livinglab run`` checks it."""
    import shlex
    import time

    import pandas as pd

    from .contract import describe_columns, split_read_options
    from .reader import CONTRACT_OPTIONS, DataFileError, read_table

    # what it prints comes from a partner's file: its control characters are shown, not acted on
    print = _print_as_text  # noqa: A001

    pilots = discover_pilots()
    if args.pilot not in pilots:
        raise UsageError(f"Unknown pilot {args.pilot}; available: {', '.join(pilots)}.")
    pilot = pilots[args.pilot]
    designs = [(d, pilot.contract_of(d)) for d in pilot.designs.values()]
    designs = [(d, c) for d, c in designs if c is not None]
    if not designs:
        raise UsageError(f"Pilot {args.pilot} publishes no data contract (no 'contract:' in its pilot.yaml).")
    read_options = parse_cli_value(args.read_options) if args.read_options else {}
    split_read_options(read_options)  # a dict, or one sentence
    t0 = time.perf_counter()
    try:
        _refuse_unless_tables(args.data_path)  # nothing of a file that is not a table is ever printed
        frame, report = read_table(
            args.data_path, **{k: v for k, v in read_options.items() if k not in CONTRACT_OPTIONS}
        )
    except DataFileError as exc:
        raise UsageError(str(exc)) from None
    print(f"Read {report.summary()} in {time.perf_counter() - t0:.1f} s")
    for note in report.notes:
        print(f"  - {note}")
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(describe_columns(frame).to_string(index=False))
    fits = []
    for order, (design, contract) in enumerate(designs):
        fit = _fit(pilot, contract, args.data_path, read_options, frame)
        if fit["error"]:
            print(
                f"\nDesign {design.name}, contract {contract.name} ({contract.title}): does not fit yet: {fit['error']}"
            )
            continue
        applied = fit["applied"]
        span = f"; time span {applied.time_span[0]} to {applied.time_span[1]}" if applied.time_span else ""
        print(
            f"\nDesign {design.name}, contract {contract.name} ({contract.title}): fits with columns "
            f"{fit['columns']}{span}"
        )
        for advice in fit["advice"]:
            print(f"  - {advice}")
        fits.append((len([v for v in fit["columns"].values() if v]), -order, design, contract, fit))
    if not fits:
        return 1
    _, _, design, contract, fit = max(fits, key=lambda found: found[:2])
    if fit["params"]:
        print(f"\nParameters guessed from the data (check them): {fit['params']}")
    command = ["livinglab", "run", pilot.unit(design), "-p", "data_path", args.data_path]
    command += ["-p", "columns", json.dumps(fit["columns"], ensure_ascii=False)]
    values = {**fit["params"], **({"read_options": fit["read_options"]} if fit["read_options"] else {})}
    for key, value in values.items():
        command += ["-p", key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)]
    shown = " ".join(shlex.quote(part) for part in command)
    problem = _runs_as_printed(command)
    if problem:
        print(f"\nThis command does not run yet: {problem}\n  {shown}")
        return 1
    print("\nRun it with:\n  " + shown)
    return 0


_TABLE_SUFFIXES = {
    ".csv",
    ".tsv",
    ".tab",
    ".txt",
    ".asc",
    ".dat",
    ".data",
    ".parquet",
    ".pq",
    ".xlsx",
    ".xlsm",
    ".npz",
}
_ZIPPED = {".xlsx", ".xlsm", ".npz", ".zip"}
_PACKED = {".gz": b"\x1f\x8b", ".bz2": b"BZh", ".xz": b"\xfd7zXZ", ".zip": b"PK\x03\x04"}


def _refuse_unless_tables(data_path: str) -> None:
    """``inspect`` shows values only from files it recognises as a table: a table's file name (``.csv``,
    ``.tsv``, ``.txt``, ``.asc``, ``.parquet``, ``.xlsx``, ``.npz``, optionally ``.gz``/``.bz2``/``.xz``/``.zip``) and
    content to match (Parquet's and zip's magic numbers; text with no NUL byte in its first 64 KiB). Any other
    file (``/etc/passwd``, a key, a binary) is refused by name, and nothing of it is read or printed."""
    from .reader import DataFileError, expand_paths

    for path in expand_paths(data_path):
        suffixes = [s.lower() for s in path.suffixes[-2:]]
        packed = suffixes[-1] if suffixes and suffixes[-1] in _PACKED else None
        table = suffixes[-2] if packed and len(suffixes) > 1 else suffixes[-1] if suffixes else ""
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
        if packed:
            fits = head.startswith(_PACKED[packed]) and table in _TABLE_SUFFIXES - _ZIPPED - {
                ".parquet",
                ".pq",
            }
            fits = fits or (packed == ".zip" and head.startswith(_PACKED[".zip"]))
        elif table in (".parquet", ".pq"):
            fits = head.startswith(b"PAR1")
        elif table in _ZIPPED:  # a workbook, or a text table misnamed (the reader decides by content)
            fits = head.startswith(_PACKED[".zip"]) or b"\x00" not in head
        else:
            fits = table in _TABLE_SUFFIXES and b"\x00" not in head
        if not fits:
            raise DataFileError(
                f"{path} is not a file livinglab recognises as a table (a .csv, .tsv, .txt, .parquet, .xlsx or "
                ".npz file, optionally .gz, .bz2, .xz or .zip, whose content is of that kind), so nothing of it "
                "is shown."
            )


#: read options a check may propose that say how the file is written, not what its values mean: inspect
#: takes them by itself (and says so); the others (missing values, value codes, skipping lines) it only shows
_LAYOUT_OPTIONS = ("date_format", "dayfirst", "date_from")


def _fit(pilot, contract, data_path: str, read_options: dict, frame) -> dict:
    """The columns (and read options) with which ``contract`` takes the file, found by proposing a mapping and
    taking the fixes of the checks' sentences that only say how the file is written; or the sentence of the
    first check that still fails."""
    from .contract import ContractError
    from .data import check_with_pilot
    from .reader import CONTRACT_OPTIONS, DataFileError, read_table

    options = dict(read_options)
    columns = contract.propose(frame)
    advice: list[str] = []
    suggest = getattr(pilot.contract_module(), "suggest_params", None)  # parameters read off the data
    for _ in range(6):
        params = dict(suggest(contract.name, frame, columns) or {}) if suggest is not None else {}
        try:
            applied = contract.apply(frame, columns, params={**params, "read_options": options})
            check_with_pilot(pilot, contract, applied.frame, params)
            changed = {k: v for k, v in options.items() if read_options.get(k) != v}
            if changed:
                advice.insert(0, f"read with read_options {changed} (found from the values: check it)")
            return {
                "error": None,
                "applied": applied,
                "columns": columns,
                "read_options": options,
                "params": params,
                "advice": advice,
            }
        except (ContractError, ValueError) as exc:
            fix = getattr(exc, "fix", None) or {}
            step = _layout_fix(fix, options)
            if step is not None:
                options = step
                try:
                    frame, _ = read_table(
                        data_path, **{k: v for k, v in options.items() if k not in CONTRACT_OPTIONS}
                    )
                except DataFileError as again:
                    return {"error": str(again)}
                columns = {**contract.propose(frame), **{k: v for k, v in columns.items() if v == ""}}
                continue
            if set(fix) == {"columns"} and fix["columns"] != columns:
                columns = fix["columns"]  # a better column for a field, or a field left out
                if any(v == "" for v in columns.values()):
                    advice.append(str(exc))
                continue
            field = getattr(exc, "field", None)
            if (
                "value_codes" in fix
                and field
                and not contract.field(field).required
                and columns.get(field) != ""
            ):
                advice.append(f"{exc} (left out of the command below)")
                columns = {**columns, field: ""}
                continue
            return {"error": str(exc)}
    return {"error": "no mapping fits after six attempts; map the columns with -p columns"}


def _layout_fix(fix: dict, options: dict) -> dict | None:
    """A fix that changes only how dates are written (date_format, dayfirst, date_from), with or without the
    mapping that goes with it (proposed again once the file is read so): the new options."""
    if "read_options" not in fix or not set(fix) <= {"read_options", "columns"}:
        return None
    proposed = fix["read_options"]
    changed = {k for k in set(proposed) | set(options) if proposed.get(k) != options.get(k)}
    return dict(proposed) if changed and changed <= set(_LAYOUT_OPTIONS) else None


def _runs_as_printed(command: list[str]) -> str | None:
    """None when ``livinglab run`` would start the printed command's kernel (the same checks, before any
    kernel), else its sentence."""
    import tempfile

    from .runner import prepare

    unit = command[2]
    pairs = command[3:]
    overrides = {pairs[i + 1]: pairs[i + 2] for i in range(0, len(pairs), 3) if pairs[i] == "-p"}
    with tempfile.TemporaryDirectory(prefix="livinglab-inspect-") as tmp:
        try:
            prepare([unit], DEFAULT_PROFILE, overrides, Path(tmp))
        except UsageError as exc:
            return str(exc)
    return None


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import run_pilots

    _insecure(args)
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

    _insecure(args)
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
    run.add_argument("--insecure", action="store_true", help=INSECURE_HELP)
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
    sweep.add_argument("--insecure", action="store_true", help=INSECURE_HELP)
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
        _print_as_text(f"livinglab: {exc}", file=sys.stderr)  # a message can quote a file's names
        return 2
    except BrokenPipeError:  # `livinglab catalog export | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as exc:  # RunInterrupted says what was kept; a bare Ctrl-C says no more
        print(f"livinglab: {exc.args[0] if exc.args else 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
