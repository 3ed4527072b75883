"""The command line every ``bench_<pilot>.py`` shares: ``--list`` and ``--case NAME`` (see run_all.py)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable


def case_main(doc: str | None, cases: Iterable[str], run_case: Callable[[str], dict],
              argv: list[str] | None = None) -> int:
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
