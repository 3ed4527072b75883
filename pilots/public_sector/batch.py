"""Route a file of new, unlabelled requests with a model saved by an earlier run.

Every run of the notebook on labelled requests saves its fitted router as ``request_router.joblib`` (and
``request_router.json``: labels, threshold, target precision) beside its model card. To route new
requests with it, either run the notebook in routing mode::

    livinglab run public_sector -p model_path runs/<run>/public_sector/request_router.joblib \\
        -p data_path new_requests.csv -p columns '{"text": "message"}'

or call :func:`route_file` (or this module from the command line)::

    python -m pilots.public_sector.batch runs/<run>/public_sector/request_router.joblib new_requests.csv \\
        --columns '{"text": "message"}' --out routed/

The file is read by the shared reader and checked against the ``requests`` contract (a text column;
language, time stamp and id when present). The output ``routed_requests.csv`` holds, per request: id,
language, suggested label, confidence, route (auto | human), runner-ups, and the text as it may be shown
on a page (``privacy.public_text``: personal data, dates, amounts, addresses, family and health details,
numbers and rare words masked). The original text is never written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from .pipeline import RequestRouter
from .privacy import known_words_of, public_text

OUTPUT_FILE = "routed_requests.csv"
OUTPUT_COLUMNS = ("request_id", "language", "label", "confidence", "route", "alternatives", "public_text")


def route_requests(router: RequestRouter, requests: pd.DataFrame, *, n_jobs: int = 1) -> pd.DataFrame:
    """The routing table of :data:`OUTPUT_COLUMNS` for requests with a ``text`` column."""
    routed = router.route(requests, n_jobs=n_jobs)
    routed["public_text"] = public_text(
        routed["redacted_text"], known_words_of(router), max_chars=None
    ).to_numpy()
    return routed[[c for c in OUTPUT_COLUMNS if c in routed]]


def route_file(
    model_path: str | Path,
    data_path: str,
    columns: dict | None = None,
    read_options: dict | None = None,
    out_dir: str | Path | None = None,
    *,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Read ``data_path`` (``requests`` contract), route it with the saved model, write ``routed_requests.csv``
    in ``out_dir`` (default: ``livinglab.output_dir()``) and return the routing table."""
    from livinglab.contract import load_data

    from .contract import REQUESTS
    from .data import _from_loaded

    router = RequestRouter.load(model_path)
    loaded = load_data(data_path, columns or {}, REQUESTS, read_options or {})
    frame, _, _ = _from_loaded(loaded.frame, labelled=False, files=loaded.report.files)
    routed = route_requests(router, frame, n_jobs=n_jobs)
    if out_dir is None:
        from livinglab import output_dir

        out_dir = output_dir()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    routed.to_csv(out / OUTPUT_FILE, index=False)
    return routed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pilots.public_sector.batch", description=__doc__.split("\n")[0]
    )
    parser.add_argument("model_path", help="request_router.joblib saved by an earlier run")
    parser.add_argument("data_path", help="a file, a folder or a glob of new requests")
    parser.add_argument(
        "--columns", default="{}", help='contract name -> file column, e.g. \'{"text": "message"}\''
    )
    parser.add_argument("--read-options", default="{}", help="sep, encoding, ... as JSON")
    parser.add_argument("--out", default=".", help="folder for routed_requests.csv")
    args = parser.parse_args(argv)
    try:
        routed = route_file(
            args.model_path, args.data_path, json.loads(args.columns), json.loads(args.read_options), args.out
        )
    except (ValueError, FileNotFoundError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shares = routed["route"].value_counts(normalize=True)
    print(
        f"{len(routed):,} requests routed: {shares.get('auto', 0):.0%} automatically, {shares.get('human', 0):.0%} "
        f"to a person; written to {Path(args.out) / OUTPUT_FILE}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
