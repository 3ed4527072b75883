"""Run every pilot's benchmark cases, each in its own process, and write one markdown table.

Each ``benchmarks/bench_<pilot>.py`` answers ``--list`` (case names, one a line) and ``--case NAME``
(runs one case end to end and prints one JSON line last: pilot, case, rows, wall_s, metric, model,
baseline). Peak memory is the case process's maximum resident set size, read from ``wait4``.

    python benchmarks/run_all.py [--only PILOT ...] [--cases CASE ...] [--out bench-results/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_case(script: Path, case: str) -> dict:
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen([sys.executable, str(script), "--case", case], stdout=subprocess.PIPE,
                                stderr=err, text=True)
        stdout = proc.stdout.read()  # stderr goes to a file, so neither pipe can fill up and block
        # wait4 gives this child's own peak RSS (ru_maxrss, KiB on Linux), unlike RUSAGE_CHILDREN.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    elapsed = time.perf_counter() - start
    row = {"pilot": script.stem.removeprefix("bench_"), "case": case, "process_s": round(elapsed, 1),
           "peak_mib": round(usage.ru_maxrss / 1024, 0)}
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
    head = ("| pilot | case | rows | wall time (s) | peak memory (MiB) | rows/s | metric | model | baseline |\n"
            "|---|---|---:|---:|---:|---:|---|---:|---:|\n")
    lines = []
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['pilot']} | {r['case']} | | | {_fmt(r['peak_mib'])} | | FAILED: {r['error']} | | |")
            continue
        wall = r.get("wall_s") or r["process_s"]
        rate = r["rows"] / wall if r.get("rows") and wall else None
        lines.append(f"| {r['pilot']} | {r['case']} | {_fmt(r.get('rows'))} | {wall:.1f} | {_fmt(r['peak_mib'])} | "
                     f"{_fmt(rate)} | {r.get('metric', '')} | {_fmt(r.get('model'))} | {_fmt(r.get('baseline'))} |")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"# Benchmarks ({stamp}, {os.cpu_count()} cores)\n\n" + head + "\n".join(lines) + "\n\n"
            "Wall time is the case's own measurement (end to end inside the process, after imports); "
            "peak memory is the process's maximum resident set size.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="pilot names (default: every benchmarks/bench_*.py)")
    parser.add_argument("--cases", nargs="*", help="only these case names")
    parser.add_argument("--out", default="bench-results/benchmarks.md")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
    rows = []
    for script in scripts:
        listed = subprocess.run([sys.executable, str(script), "--list"], capture_output=True, text=True, check=True)
        for case in listed.stdout.split():
            if args.cases and case not in args.cases:
                continue
            print(f"{script.stem} {case} ...", file=sys.stderr, flush=True)
            row = run_case(script, case)
            print(f"  {json.dumps(row)}", file=sys.stderr, flush=True)
            rows.append(row)
    table = to_markdown(rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8")
    print(table)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
