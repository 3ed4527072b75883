"""Benchmarks: each pilot's ``benchmark.py`` runs named cases; ``livinglab bench`` runs them all.

A pilot's ``pilots/<pilot>/benchmark.py`` calls :func:`case_main`, so it answers ``--list`` (case
names, one a line) and ``--case NAME`` (runs one case end to end and prints one JSON line last:
pilot, case, rows, wall_s, metric, model, baseline)::

    python -m pilots.health.benchmark --list
    python -m pilots.health.benchmark --case full
    livinglab bench [--only PILOT ...] [--cases CASE ...] [--out bench-results/benchmarks.md]

Each case runs in its own process; peak memory is that process's maximum resident set size
(``wait4``), so cases do not inherit each other's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from .paths import pilots_dir


def case_main(
    doc: str | None, cases: Iterable[str], run_case: Callable[[str], dict], argv: list[str] | None = None
) -> int:
    """Print the case names, or run one case and print its result as one JSON line."""
    names = list(cases)
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0] if doc else None)
    parser.add_argument("--list", action="store_true", help="print the case names, one a line")
    parser.add_argument("--case", choices=names, help="run one case end to end and print one JSON line")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(names))
        return 0
    if not args.case:
        parser.error("give --list or --case NAME")
    print(json.dumps(run_case(args.case)))
    return 0


def _module(pilot: str) -> list[str]:
    return [sys.executable, "-m", f"pilots.{pilot}.benchmark"]


def run_case(pilot: str, case: str) -> dict:
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(
            [*_module(pilot), "--case", case], stdout=subprocess.PIPE, stderr=err, text=True
        )
        stdout = proc.stdout.read()  # stderr goes to a file, so neither pipe can fill up and block
        # wait4 gives this child's own peak RSS (ru_maxrss, KiB on Linux), unlike RUSAGE_CHILDREN.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    elapsed = time.perf_counter() - start
    row = {
        "pilot": pilot,
        "case": case,
        "process_s": round(elapsed, 1),
        "peak_mib": round(usage.ru_maxrss / 1024, 0),
    }
    if proc.returncode != 0:
        row["error"] = (stderr.strip().splitlines() or ["failed"])[-1][:200]
        return row
    lines = [ln for ln in stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        row["error"] = "printed no JSON result line"
        return row
    row.update(json.loads(lines[-1]))
    return row


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def to_markdown(rows: list[dict]) -> str:
    head = (
        "| pilot | case | rows | wall time (s) | peak memory (MiB) | rows/s | metric | model | baseline |\n"
        "|---|---|---:|---:|---:|---:|---|---:|---:|\n"
    )
    lines = []
    for r in rows:
        if "error" in r:
            lines.append(
                f"| {r['pilot']} | {r['case']} | | | {_fmt(r['peak_mib'])} | | FAILED: {r['error']} | | |"
            )
            continue
        wall = r.get("wall_s") or r["process_s"]
        rate = r["rows"] / wall if r.get("rows") and wall else None
        lines.append(
            f"| {r['pilot']} | {r['case']} | {_fmt(r.get('rows'))} | {wall:.1f} | {_fmt(r['peak_mib'])} | "
            f"{_fmt(rate)} | {r.get('metric', '')} | {_fmt(r.get('model'))} | {_fmt(r.get('baseline'))} |"
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"# Benchmarks ({stamp}, {os.cpu_count()} cores)\n\n" + head + "\n".join(lines) + "\n\n"
        "Wall time is the case's own measurement (end to end inside the process, after imports); "
        "peak memory is the process's maximum resident set size.\n"
    )


def benchmarked_pilots() -> list[str]:
    return sorted(p.name for p in pilots_dir().iterdir() if (p / "benchmark.py").is_file())


def run_all(only: list[str] | None, cases: list[str] | None, out: Path) -> int:
    rows = []
    for pilot in benchmarked_pilots():
        if only and pilot not in only:
            continue
        listed = subprocess.run([*_module(pilot), "--list"], capture_output=True, text=True, check=True)
        for case in listed.stdout.split():
            if cases and case not in cases:
                continue
            print(f"{pilot} {case} ...", file=sys.stderr, flush=True)
            row = run_case(pilot, case)
            print(f"  {json.dumps(row)}", file=sys.stderr, flush=True)
            rows.append(row)
    table = to_markdown(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8")
    print(table)
    return 1 if any("error" in r for r in rows) else 0
