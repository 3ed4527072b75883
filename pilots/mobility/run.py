"""``run(params) -> MobilityResult``: the whole mobility analysis, called by the notebook, the benchmark and
the tests.

One pass: the counts (``livinglab.load``: a partner's file read once, or the simulator's frame) and the
optional site table (``livinglab.data.read_checked`` with the ``sites`` contract, read once); the counts
prepared (``data.prepare``); the rolling-origin backtest, its fits sent to one executor
(``livinglab.cluster.executor``: threads here, or the Dask client's executor when ``cluster`` or
``LIVINGLAB_CLUSTER`` names a cluster); the claims (the model against the plain LightGBM and the seasonal
naive at 1, 3 and 24 h, each with its paired interval), plain metrics and subgroup reports; the decision
part (network, congestion, departure advice) where the data allow. The notebook only displays the result.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import livinglab
from livinglab.cluster import cluster_address, executor
from livinglab.data import read_checked
from livinglab.recording import record_source
from livinglab.threads import n_jobs

from . import model
from .contract import SITES
from .data import PilotData, calendar_summary, counts_facts, prepare
from .model.decision import Decision, city_check, decide
from .model.features import FeatureBuilder
from .model.forecast import COVERAGE, BacktestResult, shap_importance
from .model.peer import available as peer_available
from .synthetic import calibration_table

PILOT, DESIGN = "mobility", "counts"


@dataclass(kw_only=True)
class MobilityResult(livinglab.Result):
    prepared: PilotData  # the counts as (series x hours), their report, the calendar (the synthetic world)
    backtest: BacktestResult  # forecasts of every fold and horizon beside the baselines
    builder: FeatureBuilder
    evaluation: dict[str, pd.DataFrame] = field(default_factory=dict)  # errors by horizon, site, hour ...
    decision: Decision = field(default_factory=Decision)
    importance: pd.Series | None = None  # day-ahead median: mean |SHAP| per feature
    calibration: pd.DataFrame | None = None  # synthetic: simulated daily traffic against the published AADT
    horizons_text: str = "1, 3 and 24 hours"
    band: str = model.BAND
    coverage_nominal: float = COVERAGE

    @property
    def predictions(self) -> pd.DataFrame:
        return self.backtest.predictions


def read_sites(params: dict[str, Any]) -> pd.DataFrame | None:
    """The optional site table, read once by the core's reader and checked with the ``sites`` contract."""
    path = str(params.get("sites_path") or "").strip()
    if not path:
        return None
    frame, report, applied = read_checked(path, SITES, params.get("site_columns"), params.get("read_options"))
    record_source(
        Path(report.files[0].path).name,
        "file",
        path=report.data_path,
        sha256=report.sha256,
        detail=f"{SITES.title}: {report.summary()}",
        rows=len(frame),
        columns=list(frame.columns),
        mapping=applied.mapping,
    )
    return frame


def _decision_metrics(prepared: PilotData, decision: Decision) -> dict[str, Any]:
    located = prepared.counts.has_coordinates
    out: dict[str, Any] = {
        "network": decision.network or ("unavailable" if located else "none (no coordinates)")
    }
    if prepared.synthetic and decision.advice_table is not None:
        lead = decision.advice_table.set_index("scenario")["leave earlier than ordinary day (min)"]
        if "ordinary + incident" in lead:
            out["extra_lead_min_incident"] = float(lead["ordinary + incident"])
        out["latest_departure_ordinary"] = f"{pd.Timestamp(decision.advice.best['latest_departure']):%H:%M}"
    return out


def run(params: Any = None) -> MobilityResult:
    """Load, prepare, backtest, compare with the baselines, and turn the forecasts into advice where the
    sites are on a map. ``params``: a dict or a notebook's ``globals()`` (the notebook's defaults fill the rest)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = livinglab.load(PILOT, DESIGN, params)
    p = data.params
    sites = read_sites(p)
    prepared = prepare(data, sites)
    timings["load_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    where = cluster_address(p["cluster"])
    with executor(where, max_workers=1 if where else n_jobs()) as pool:  # here: as many fits as threads
        bt, builder = model.backtest(
            prepared,
            n_folds=p["n_folds"],
            test_days=p["test_days"],
            max_train_rows=p["max_train_rows"],
            seed=p["seed"],
            executor=pool,
            where=where,
            peer=bool(p.get("peer_reference", True)) and peer_available(),
        )
    timings["backtest_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    preds = bt.predictions
    # the claims' resampling (numpy, which releases the GIL) in a thread beside the tables
    with ThreadPoolExecutor(1) as beside:
        claims_done = beside.submit(
            model.claims, preds, split=model.split_words(bt, p["n_folds"]), n_boot=p["n_boot"], seed=p["seed"]
        )
        evaluation = model.evaluate(preds, prepared.calendar)
        subgroups = model.subgroup_reports(
            preds, directions=prepared.counts.has_directions, n_boot=max(50, p["n_boot"] // 4), seed=p["seed"]
        )
        claims = claims_done.result()
    last = preds[(preds["horizon"] == 24) & (preds["fold"] == preds["fold"].max())]
    importance = shap_importance(
        bt.last_models[24],
        builder,
        last["series"].to_numpy(),
        last["t"].to_numpy(),
        max_rows=300,
        seed=p["seed"],
    )
    timings["evaluate_s"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    decision = decide(
        prepared,
        preds,
        network_file=p["network_file"],
        origin=p["advice_origin"],
        destination=p["advice_destination"],
        latest_arrival=p["latest_arrival"],
        map_hour=p["map_hour"],
        incident_edge=p["incident_edge"] if prepared.synthetic else (),
        incident_hours=p["incident_hours"],
    )
    decision.city, decision.city_note = city_check(
        prepared, preds, osm_network=p["osm_network"], latest_arrival=p["latest_arrival"], day=decision.day
    )
    timings["decision_s"] = time.perf_counter() - t3

    facts = counts_facts(prepared.counts)
    metrics: dict[str, Any] = {
        "data_source": data.label,
        "synthetic": data.is_synthetic,
        **facts,
        "data_description": f"{facts['n_sites']} site(s), {facts['period']}",
        "calendar_note": prepared.calendar_note,
        "implausible_mode": str(p.get("implausible") or "exclude").strip().lower(),
        "n_implausible_series": 0 if prepared.implausible is None else len(prepared.implausible),
        "implausible_series": {}
        if prepared.implausible is None
        else {
            f"{r.station_id} {r.direction_label}".strip(): r.reason for r in prepared.implausible.itertuples()
        },
        "implausible_note": prepared.implausible_note,
        "calendar_summary": calendar_summary(prepared.calendar_flags),
        "test_days": bt.test_days,
        "n_folds": int(p["n_folds"]),
        **model.headline_metrics(evaluation, preds),
        **model.band_shape(preds),
        **_decision_metrics(prepared, decision),
    }
    calibration = None
    if prepared.synthetic:
        calibration = calibration_table(data.frame, prepared.stations)
        metrics["calibration_max_abs_error"] = float((calibration["ratio"] - 1).abs().max())
    timings["run_s"] = time.perf_counter() - t0
    return MobilityResult(
        pilot=PILOT,
        design=DESIGN,
        data=data,
        params=p,
        metrics=metrics,
        claims=claims,
        subgroups=subgroups,
        timings=timings,
        notes=[*data.notes, *prepared.counts.report.notes],
        prepared=prepared,
        backtest=bt,
        builder=builder,
        evaluation=evaluation,
        decision=decision,
        importance=importance,
        calibration=calibration,
    )
