"""``run(params) -> RequestsResult``: the whole public-sector analysis, called by the notebook, the benchmark
and the tests.

Training (labelled requests): load (synthetic, SIB-200 or a partner's file, through ``livinglab.load``),
prepare (the split, near-duplicates looked for), redact, measure the redactor on planted identifiers and on
the hand-written held-out corpus, identify languages, fit the candidates and choose the router's on
validation requests, make the claims, route the test requests with abstention, look at languages and labels,
the Luxembourgish gap, urgency and forms. Routing (``model_path``, new unlabelled requests): the saved
router routes them and the routing table holds masked texts only.

From the command line (the same run in routing mode, then the routing table written)::

    python -m pilots.public_sector.run runs/<run>/public_sector/request_router.zip new_requests.csv \\
        --columns '{"text": "message"}' --out routed/
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import livinglab

from . import model
from .contract import MODEL_FILE
from .data import RequestData, prepare
from .model.abstention import human_queue
from .model.router import PICKLE_WARNING, RequestRouter
from .privacy import known_words_of, public_text, redact, redactor_recall, removed_words
from .privacy.evaluation import evaluate as evaluate_redactor
from .synthetic import planted_truth

PILOT, DESIGN = "public_sector", "requests"
ROUTED_FILE = "routed_requests.csv"
ROUTED_COLUMNS = ("request_id", "language", "label", "confidence", "route", "alternatives", "public_text")


@dataclass
class Saved:
    """What :meth:`RequestsResult.save` wrote."""

    path: Path
    size_mb: float
    rows: int
    same_share: float | None = None  # training: share of test requests the reloaded router routes the same


@dataclass(kw_only=True)
class RequestsResult(livinglab.Result):
    """A run's result with what the pages show besides the records."""

    mode: str = "train"  # "train" (labelled requests) | "route" (a saved router routes new requests)
    requests: RequestData | None = None
    router: RequestRouter | None = None
    routed: pd.DataFrame = field(default_factory=pd.DataFrame)  # the test (or new) requests routed
    queue: pd.DataFrame = field(default_factory=pd.DataFrame)  # what a person must route, in order
    scores: pd.DataFrame | None = None  # macro-F1 and accuracy of every model (values, no intervals)
    per_class: pd.DataFrame | None = None
    abstention: dict[str, Any] = field(default_factory=dict)  # table, curves, operating point
    replacements: pd.DataFrame | None = None
    pii_by_kind: pd.DataFrame | None = None
    pii_by_form: pd.DataFrame | None = None
    pii_where: str = ""
    language_ids: pd.DataFrame | None = None
    language_note: str = ""
    redaction_heldout: pd.DataFrame | None = None  # the redactor on the hand-written held-out corpus
    lb_gap: pd.DataFrame | None = None
    lb_gap_note: str = ""
    urgency: pd.DataFrame | None = None
    urgency_note: str = ""
    top_terms: pd.DataFrame | None = None
    routed_table: pd.DataFrame | None = None  # routing mode: what routed_requests.csv holds
    known_words: frozenset = frozenset()  # words of at least two training requests (what a page may show)

    @property
    def label_name(self) -> str:
        return self.requests.label_name if self.requests is not None else "label"

    def save(self, folder: str | Path) -> Saved:
        """Training: the router (``request_router.zip``, data only, + ``.json``), reloaded and checked on 200 test
        requests. Routing: ``routed_requests.csv`` (masked texts only)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self.mode == "route":
            path = folder / ROUTED_FILE
            self.routed_table.to_csv(path, index=False)
            return Saved(path, path.stat().st_size / 1e6, len(self.routed_table))
        path = self.router.save(folder / MODEL_FILE)
        head = self.requests.test.head(200)
        again = RequestRouter.load(path).route(head)
        same = float((again["label"].to_numpy() == self.routed["label"].head(len(head)).to_numpy()).mean())
        return Saved(path, path.stat().st_size / 1e6, len(head), same)


def _redact_parts(requests: RequestData) -> pd.DataFrame:
    """Redact every part in place (column ``redacted_text``); the replacements per kind."""
    counts = []
    for part in requests.parts.values():
        part["redacted_text"], c = redact(part["text"])
        counts.append(c.sum())
    return pd.concat(counts, axis=1).sum(axis=1).astype(int).rename("replacements").to_frame()


def _redactor(loaded: Any, requests: RequestData, *, seed: int, n_boot: int):
    """The redactor's recall: on this run's own requests when the generator planted them, else on held-out
    synthetic requests."""
    if loaded.is_synthetic:
        frame = pd.concat([p for p in requests.parts.values()], ignore_index=True)
        truth = planted_truth(frame["planted_pii"], frame["request_id"])
        return redactor_recall(
            frame[["request_id", "text", "redacted_text"]], truth, seed=seed, n_boot=n_boot
        )
    return redactor_recall(seed=seed, n_boot=n_boot)


def _routing_table(router: RequestRouter, routed: pd.DataFrame) -> pd.DataFrame:
    """The routing table of :data:`ROUTED_COLUMNS`: the text as a page may show it, never the original."""
    table = routed.assign(
        public_text=public_text(routed["redacted_text"], known_words_of(router), max_chars=None)
    )
    return table[[c for c in ROUTED_COLUMNS if c in table]].reset_index(drop=True)


def _throughput_seconds(router: RequestRouter, test: pd.DataFrame, n: int) -> float:
    """Seconds to route ``n`` requests (the test requests repeated) in one process: a timing, not a metric."""
    batch = pd.concat([test] * int(np.ceil(n / len(test))), ignore_index=True).iloc[:n]
    start = time.perf_counter()
    router.route(batch, n_jobs=1)
    return time.perf_counter() - start


def run(params: Any = None) -> RequestsResult:
    """The whole analysis of the ``requests`` design for ``params`` (a dict or a notebook's ``globals()``;
    the notebook's parameters fill what is not given)."""
    t0 = time.perf_counter()
    data = livinglab.load(PILOT, DESIGN, params)
    p = data.params
    seed, n_boot = int(p["seed"]), int(p["n_boot"])
    requests = prepare(data, p)
    replacements = _redact_parts(requests)
    pii_by_kind, pii_by_form, pii_metrics, pii_where = _redactor(data, requests, seed=seed, n_boot=n_boot)
    heldout, _, _ = evaluate_redactor(lambda texts: redact(texts)[0], n_boot=n_boot, seed=seed)
    redaction_metrics = {f"redaction_heldout_{r.measure}": float(r.value) for r in heldout.itertuples()}
    redaction_metrics |= {
        f"redaction_heldout_{r.measure}_ci": [float(r.low), float(r.high)] for r in heldout.itertuples()
    }
    redaction_metrics["redaction_heldout_texts"] = int(heldout["texts"].iloc[0])
    near = requests.near_duplicates
    split_metrics = {
        "near_duplicates": near.get("mode", "off"),
        "near_duplicate_pairs": near.get("pairs", 0),
        "near_duplicate_cross_lingual_pairs": near.get("cross_lingual_pairs", 0),
        "near_duplicate_share_test": near.get("share", 0.0),
        "near_duplicate_warning": bool(near.get("warn") and not near.get("grouped")),
        "split_keeps_near_duplicates_together": bool(near.get("grouped", False)),
    }
    language_ids, lid_metrics, lid_claim, language_note = model.language_check(
        requests, seed=seed, n_boot=n_boot
    )
    test = requests.test
    metrics: dict[str, Any] = {
        "data_source": "synthetic" if data.is_synthetic else str(data.source.dataset),
        "n_train": 0 if requests.train is None else len(requests.train),
        "n_test": len(test),
        "label_name": requests.label_name,
        "n_labels": len(requests.labels),
        "languages": requests.languages,
        "merged_labels": len(requests.merged_labels),
        "split": requests.split,
        "pii_replacements": replacements["replacements"].to_dict(),
        **pii_metrics,
        **redaction_metrics,
        **split_metrics,
        **lid_metrics,
    }
    claims = [lid_claim] if lid_claim is not None else []
    found: dict[str, Any] = {}
    if requests.labelled:
        train = requests.train
        fitted = model.fit(
            requests,
            target_precision=float(p["target_precision"]),
            seed=seed,
            removed=removed_words(train["text"], train["redacted_text"]),
        )
        router = fitted.router
        routing, routing_metrics, found["scores"] = model.routing_claims(
            requests, fitted, n_boot=n_boot, seed=seed
        )
        routed = router.route(test, explain=True)
        abstention_metrics, found["abstention"] = model.abstention(router, routed, test["label"])
        subgroups, subgroup_metrics, found["per_class"] = model.subgroups(
            requests, fitted, n_boot=n_boot, seed=seed
        )
        found["lb_gap"], gap_claim, gap_metrics, found["lb_gap_note"] = model.luxembourgish_gap(
            requests, fitted, shares=p["lb_gap_shares"], n_boot=n_boot, seed=seed
        )
        urgency_claims, urgency_metrics, found["urgency"], found["urgency_note"] = model.urgency_and_forms(
            requests, routed, n_boot=n_boot, seed=seed
        )
        claims = routing + claims + ([gap_claim] if gap_claim is not None else []) + urgency_claims
        metrics |= routing_metrics | abstention_metrics | subgroup_metrics | gap_metrics | urgency_metrics
    else:
        router = RequestRouter.load(
            p["model_path"],
            sha256=str(p.get("model_sha256") or ""),
            trust_pickle=p.get("trust_pickle") is True,
        )  # data only; a pickle only with trust_pickle, said on the page
        if router.loaded_from_pickle_:
            requests.notes.append(PICKLE_WARNING)
        routed = router.route(test, explain=True)
        subgroups = {}
        metrics |= {
            "model_labels": len(router.classes_),
            "share_to_person": float((routed["route"] == "human").mean()),
        }
        found["routed_table"] = _routing_table(router, routed)
        found["lb_gap_note"] = "Routing mode: these requests have no label, so nothing is scored."
        found["urgency_note"] = found["lb_gap_note"]
    queue = human_queue(routed.assign(urgency=routed["urgency"] if "urgency" in routed else "n/a"))
    timings = {"throughput_batch_s": _throughput_seconds(router, test, int(p["throughput_batch"]))}
    timings["run_s"] = time.perf_counter() - t0
    return RequestsResult(
        pilot=PILOT,
        design=DESIGN,
        data=data,
        params=p,
        metrics=metrics,
        claims=claims,
        subgroups=subgroups,
        timings=timings,
        notes=requests.notes,
        mode="train" if requests.labelled else "route",
        requests=requests,
        router=router,
        routed=routed,
        queue=queue,
        replacements=replacements,
        pii_by_kind=pii_by_kind,
        pii_by_form=pii_by_form,
        pii_where=pii_where,
        language_ids=language_ids,
        language_note=language_note,
        redaction_heldout=heldout,
        top_terms=model.top_terms(router.model_, k=6),
        known_words=known_words_of(router),
        **found,
    )


# ----- routing a file from the command line ------------------------------------------------------------------
def route_file(
    model_path: str | Path,
    data_path: str,
    columns: dict | None = None,
    read_options: dict | None = None,
    out_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Route ``data_path`` (new requests) with the saved router, write ``routed_requests.csv`` in ``out_dir``
    (default: ``livinglab.output_dir()``) and return the routing table."""
    path = Path(model_path).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(
            f"model_path {str(model_path)!r} does not exist; give the {MODEL_FILE} that an earlier run saved "
            "beside its model card."
        )
    result = run(
        {"model_path": str(path), "data_path": str(data_path), "columns": columns or {},
         "read_options": read_options or {}}
    )  # fmt: skip
    result.save(livinglab.output_dir() if out_dir is None else out_dir)
    return result.routed_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pilots.public_sector.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("model_path", help=f"{MODEL_FILE} saved by an earlier run")
    parser.add_argument("data_path", help="a file, a folder or a glob of new requests")
    parser.add_argument(
        "--columns", default="{}", help='contract name -> file column, e.g. \'{"text": "message"}\''
    )
    parser.add_argument("--read-options", default="{}", help="sep, encoding, ... as JSON")
    parser.add_argument("--out", default=".", help=f"folder for {ROUTED_FILE}")
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
        f"to a person; written to {Path(args.out) / ROUTED_FILE}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
