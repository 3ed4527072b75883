"""``run(params, design=...)``: the whole fintech analysis of one design, called by the notebooks, the benchmark
and the tests (``run_ledger`` for ``ledger.ipynb``, ``run_features`` for ``features.ipynb``).

Each run loads its data once (``livinglab.load``: a partner's file, the catalogue's file or the synthetic
frame, through the design's contract), prepares it (``data``), detects and evaluates (``model``) and returns
a :class:`livinglab.Result` whose metrics and claims are deterministic in the data, the parameters and the
seed (timings apart). ``params`` is a dict or a notebook's ``globals()``; what it does not set comes from the
design notebook's parameters cell.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

import livinglab
from livinglab.contract import effective_data_mode
from livinglab.pilots import parameters_for
from livinglab.trust import pseudonym_key

from .data import FeatureTable, LedgerOverview, feature_table, ledger_frame, ledger_overview
from .model.ledger import (
    LedgerConfig,
    LedgerDetection,
    detect,
    detection_metrics,
    detector_table,
    ledger_claims,
    typology_recall_table,
)
from .model.segments import segment_alert_report
from .model.table import TableDetection, detect_table, table_claims, table_metrics
from .model.table import detector_table as table_detector_table

PILOT = "fintech"


@dataclass(kw_only=True)
class LedgerResult(livinglab.Result):
    """A ledger's run: the detection (test period, models, cost view), the data's counts, the tables."""

    detection: LedgerDetection
    overview: LedgerOverview
    config: LedgerConfig
    engine: str = "pandas"
    engine_reason: str = ""
    memory_rows: int = 0  # ledger rows the memory budget holds in memory (the engine's measured peak per row)
    segments: tuple[str, ...] = ()
    detectors: pd.DataFrame | None = None  # one row per detector (point values)
    typology_recall: pd.DataFrame | None = None
    typologies: pd.DataFrame | None = None  # the generator's injected fraud (synthetic only)


@dataclass(kw_only=True)
class FeaturesResult(livinglab.Result):
    """A feature table's run: the scores of every row, the table's parts, the detector table."""

    detection: TableDetection
    table: FeatureTable
    detectors: pd.DataFrame | None = None
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # mean, sd, min, median, max per feature


def run(params: Any = None, design: str = "ledger") -> LedgerResult | FeaturesResult:
    """The whole analysis of ``design`` (``ledger`` or ``features``) with ``params``."""
    runners = {"ledger": run_ledger, "features": run_features}
    if design not in runners:
        raise ValueError(f"The fintech pilot has the designs {', '.join(runners)}, not {design!r}.")
    return runners[design](params)


# ----------------------------------------------------------------------------- ledger
def _with_period(source, overview: LedgerOverview):
    """The source with the ledger's first and last timestamp as its period (the card's "period"), read from
    the prepared ledger: the loaded rows are emptied once it exists, so the card cannot read them."""
    if (source.facts or {}).get("time_span") or pd.isna(overview.start):
        return source
    return replace(
        source, facts={**(source.facts or {}), "time_span": [str(overview.start), str(overview.end)]}
    )


def engine_choice(p: dict):
    """Which engine runs the ledger (``distributed.engine.choose_engine``: ``pandas`` or ``dask`` and why), before
    anything is read; with the effective data mode."""
    from livinglab.reader import parquet_rows

    from .distributed.engine import choose_engine

    mode = effective_data_mode(str(p["data_mode"]), str(p.get("data_path") or ""))
    if mode == "file":
        rows = parquet_rows(p["data_path"])  # from the files' footers; None: not Parquet (read whole)
        return choose_engine(p["engine"], rows, p["memory_budget_gib"], parquet=rows is not None), mode
    return choose_engine(p["engine"], int(p["n_transactions"]), p["memory_budget_gib"]), mode


def ledger_options(data, p: dict) -> dict:
    """What ``data.ledger_frame`` needs beside the rows: value_codes (unless the loader applied them), the
    mapping they may name columns by, the currency (EUR for the generated ledger), and the exact duplicates
    the loader already dropped (counted once, on the page)."""
    applied = data.applied
    dropped = getattr(applied, "dropped", None) or {}
    return {
        "value_codes": {} if getattr(applied, "coded", False) else (p.get("value_codes") or {}),
        "mapping": applied.mapping if applied is not None else {},
        "currency": str(p.get("currency") or "") or ("EUR" if data.is_synthetic else ""),
        "dropped_before": sum(int(n) for reason, n in dropped.items() if "identical" in reason),
    }


def run_ledger(params: Any = None) -> LedgerResult:
    """A transaction ledger: features from the past only, a time-ordered split, LightGBM against plain
    baselines on the future, the operating point at the analysts' capacity, who gets flagged."""
    t0 = time.perf_counter()
    p = parameters_for(PILOT, "ledger", params)
    cfg = LedgerConfig.of(p)
    choice, mode = engine_choice(p)
    data = livinglab.load(PILOT, "ledger", p, lazy=choice.engine == "dask" and mode == "file")
    p = data.params
    pseudonym_key(data.mode, p["seed"])  # real data need the key for the queue: say so before any work
    t_load = time.perf_counter() - t0
    how = ledger_options(data, p)
    if choice.engine == "dask":
        from .distributed import detect_ledger

        ledger = ledger_frame(data.frame, **how) if mode != "file" else None
        if ledger is not None:
            data.frame = data.frame.iloc[:0]  # the prepared ledger replaces the loaded rows (one copy)
        det, overview, lazy = detect_ledger(
            data, cfg, cluster=p["cluster"], memory_budget_gib=p["memory_budget_gib"], ledger=ledger, how=how
        )
        segments, prepared_notes = lazy.segments, []
        data.source = _with_period(data.source, overview)
    else:
        ledger = ledger_frame(data.frame, **how)
        data.frame = data.frame.iloc[:0].copy()  # the prepared ledger replaces the loaded rows (one copy)
        cfg.currency = ledger.currency
        overview = ledger_overview(ledger)
        data.source = _with_period(data.source, overview)
        det = detect(ledger, cfg)
        segments, prepared_notes = ledger.segments, ledger.notes
    claims = ledger_claims(det, cfg, n_boot=p["n_boot"], seed=p["seed"])
    subgroups = {}
    report = segment_alert_report(
        det.test, alerted_column="alerted_operating", segments=segments, n_boot=max(20, p["n_boot"] // 2),
        seed=p["seed"],
    )  # fmt: skip
    if report is not None:
        subgroups["customer segment"] = report
    typologies = None
    if data.is_synthetic and ledger is not None and ledger.has_labels:
        from .synthetic.ledger import typology_table

        typologies = typology_table(
            ledger.frame[ledger.frame["label"] == 1], int(p["n_transactions"]), float(p["fraud_rate"]),
            overview.start, int(p["n_days"]),
        )  # fmt: skip
    metrics = {"data_source": data.label, **overview.metrics(), **detection_metrics(det, cfg)}
    timings = {"load_s": t_load, **det.timings, "run_s": time.perf_counter() - t0}
    return LedgerResult(
        pilot=PILOT,
        design="ledger",
        data=data,
        params=p,
        metrics=metrics,
        claims=claims,
        subgroups=subgroups,
        timings=timings,
        notes=[*data.notes, *prepared_notes, *det.notes],
        detection=det,
        overview=overview,
        config=cfg,
        engine=choice.engine,
        engine_reason=choice.reason,
        memory_rows=choice.budget_bytes // choice.bytes_per_row,
        segments=tuple(segments),
        detectors=detector_table(det, cfg),
        typology_recall=typology_recall_table(det),
        typologies=typologies,
    )


# ----------------------------------------------------------------------------- feature tables
def run_features(params: Any = None) -> FeaturesResult:
    """A table of numeric features: the unsupervised combination against the default Isolation Forest, and
    with revealed labels (``label_fraction``) the semi-supervised blend, evaluated ADBench-style."""
    t0 = time.perf_counter()
    data = livinglab.load(PILOT, "features", params)
    p = data.params
    applied = data.applied.mapping if data.applied is not None else {}
    table = feature_table(data.frame, applied)
    t_load = time.perf_counter() - t0
    det = detect_table(
        table,
        label_fraction=float(p["label_fraction"]),
        alerts_per_day=int(p["alerts_per_day"]),
        seed=p["seed"],
    )
    claims = table_claims(det, table, n_boot=p["n_boot"], seed=p["seed"])
    metrics = {
        "data_source": data.label,
        **table_metrics(det, table, alerts_per_day=int(p["alerts_per_day"])),
    }
    summary = table.features.describe().T[["mean", "std", "min", "50%", "max"]]
    return FeaturesResult(
        pilot=PILOT,
        design="features",
        data=data,
        params=p,
        metrics=metrics,
        claims=claims,
        timings={"load_s": t_load, **det.timings, "run_s": time.perf_counter() - t0},
        notes=[*data.notes, *table.notes, *det.notes],
        detection=det,
        table=table,
        detectors=table_detector_table(det, alerts_per_day=int(p["alerts_per_day"])),
        summary=summary,
    )
