"""The pilot's steps wired together, so the notebook stays thin and the benchmark runs the same code.

``prepare_synthetic`` (embedded network + calibrated simulator) or ``prepare_official`` (a real
data.public.lu counts file) give a ``PilotData``; ``backtest`` runs the rolling-origin evaluation;
``run`` does everything end to end and returns the headline numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .calendar import holiday_calendar, home_holiday_exposure
from .features import WideCounts, static_features, to_wide
from .forecast import BacktestResult, evaluate, headline_metrics, rolling_origin_backtest
from .loaders import CleaningReport, complete_hourly_grid, read_official_counts
from .network import attach_stations, build_embedded_network, region_shares
from .reference import ATTRIBUTION, load_counting_posts
from .simulator import SimConfig, SimulationResult, simulate_counts


@dataclass
class PilotData:
    """Everything the forecasting and advice steps need, whatever the data source."""

    G: nx.MultiDiGraph
    stations: pd.DataFrame
    shares: pd.DataFrame
    wide: WideCounts
    calendar: pd.DataFrame
    static: pd.DataFrame
    exposure: np.ndarray  # days x series
    known: dict[str, np.ndarray] = field(default_factory=dict)
    issue: dict[str, np.ndarray] = field(default_factory=dict)
    simulation: SimulationResult | None = None
    cleaning: CleaningReport | None = None

    @property
    def rows(self) -> int:
        return int(self.wide.values.size)


def _series_exposure(
    calendar: pd.DataFrame, shares: pd.DataFrame, stations: pd.DataFrame, series: pd.DataFrame
) -> np.ndarray:
    per_station = home_holiday_exposure(calendar, shares)
    position = pd.Series(np.arange(len(stations)), index=stations["station_id"].astype(str))
    return per_station[:, position[series["station_id"].astype(str)].to_numpy()]


def prepare_synthetic(
    n_stations: int = 6,
    *,
    start: str = "2023-04-03",
    days: int = 70,
    seed: int = 0,
    G: nx.MultiDiGraph | None = None,
    config: SimConfig | None = None,
) -> PilotData:
    """Embedded network, the first ``n_stations`` reference posts on it, and simulated counts."""
    G = G if G is not None else build_embedded_network()
    stations = attach_stations(G, load_counting_posts(n_stations))
    shares = region_shares(stations, G)
    sim = simulate_counts(stations, shares, start=start, days=days, seed=seed, config=config)
    wide = to_wide(sim.counts_frame())
    order = pd.MultiIndex.from_frame(sim.series.astype({"station_id": str})).get_indexer(
        pd.MultiIndex.from_frame(wide.series)
    )
    known = {
        "roadworks": sim.arrays["roadworks"][order].astype(np.float32),
        "bad_weather": np.repeat(sim.calendar["bad_weather"].to_numpy(np.float32), 24),
    }
    issue = {"incident": sim.arrays["incident"][order].astype(np.float32)}
    stations = sim.stations
    return PilotData(
        G,
        stations,
        shares,
        wide,
        sim.calendar,
        static_features(wide.series, stations),
        _series_exposure(sim.calendar, shares, stations, wide.series),
        known,
        issue,
        sim,
    )


def prepare_official(
    path_or_frame, *, G: nx.MultiDiGraph | None = None, vehicle: str = "U", posts: list[str] | None = None
) -> PilotData:
    """A real data.public.lu counts file (or frame) on the embedded network.

    The posts' LUREF coordinates place them on the network; their own 2023 means stand in for the
    reference AADT. No weather, roadworks or incident flags exist in this file, so those features
    are absent.
    """
    G = G if G is not None else build_embedded_network()
    tidy, post_table, report = read_official_counts(path_or_frame, vehicle=vehicle, known_posts=posts)
    tidy, added = complete_hourly_grid(tidy)
    report.add("missing_hours_added_as_nan", added)
    wide = to_wide(tidy)
    daily = np.nansum(wide.values.reshape(len(wide.series), -1, 24), axis=2)
    per_station = pd.DataFrame(daily).groupby(wide.series["station_id"].to_numpy()).sum().mean(axis=1)
    post_table = post_table.assign(
        road=post_table.get("road", pd.Series("", index=post_table.index)).fillna("").astype(str),
        aadt_2023=post_table["station_id"].map(per_station).astype(float),
    )
    post_table["aawt_2023"] = post_table["aadt_2023"]
    if not {"lat", "lon"} <= set(post_table.columns):
        raise ValueError(
            "the counts file has no COORD_X/COORD_Y, so its posts cannot be placed on the network."
        )
    stations = attach_stations(G, post_table.dropna(subset=["lat", "lon"]))
    wide_keep = wide.series["station_id"].isin(stations["station_id"]).to_numpy()
    report.add(
        "posts_off_the_network_dropped", int((~wide_keep).sum() // 2), stations.attrs.get("dropped", [])
    )
    wide = WideCounts(wide.values[wide_keep], wide.series[wide_keep].reset_index(drop=True), wide.timestamps)
    shares = region_shares(stations, G)
    for region in shares.columns:
        stations["share_" + region.replace("-", "_")] = shares[region].to_numpy()
    cal = holiday_calendar(wide.timestamps[0], wide.timestamps[-1])
    return PilotData(
        G,
        stations,
        shares,
        wide,
        cal,
        static_features(wide.series, stations),
        _series_exposure(cal, shares, stations, wide.series),
        cleaning=report,
    )


def backtest(
    data: PilotData,
    *,
    n_folds: int = 2,
    test_days: int = 7,
    max_train_rows: int = 200_000,
    n_estimators: int = 250,
    num_leaves: int = 63,
    seed: int = 0,
    min_train_days: int = 21,
    keep_features: bool | tuple = False,
) -> BacktestResult:
    """Rolling-origin backtest of the LightGBM quantile models (horizons 1, 3, 24 h) on ``data``."""
    return rolling_origin_backtest(
        data.wide,
        calendar=data.calendar,
        static=data.static,
        exposure=data.exposure,
        known=data.known or None,
        issue=data.issue or None,
        n_folds=n_folds,
        test_days=test_days,
        min_train_days=min_train_days,
        max_train_rows=max_train_rows,
        seed=seed,
        keep_features=keep_features,
        params={"n_estimators": n_estimators, "num_leaves": num_leaves},
    )


def run(
    *,
    n_stations: int = 6,
    start: str = "2023-04-03",
    days: int = 70,
    n_folds: int = 2,
    test_days: int = 7,
    max_train_rows: int = 200_000,
    n_estimators: int = 250,
    num_leaves: int = 63,
    seed: int = 0,
    counts_file: str | Path | None = None,
) -> dict:
    """End to end (data, backtest, metrics) with timings; what the benchmark calls."""
    t0 = time.perf_counter()
    data = (
        prepare_official(counts_file)
        if counts_file
        else prepare_synthetic(n_stations, start=start, days=days, seed=seed)
    )
    t1 = time.perf_counter()
    result = backtest(
        data,
        n_folds=n_folds,
        test_days=test_days,
        max_train_rows=max_train_rows,
        n_estimators=n_estimators,
        num_leaves=num_leaves,
        seed=seed,
    )
    t2 = time.perf_counter()
    metrics = headline_metrics(evaluate(result.predictions, data.calendar), result.predictions)
    metrics.update(
        rows=data.rows,
        series=len(data.wide.series),
        hours=len(data.wide.timestamps),
        prepare_s=round(t1 - t0, 2),
        backtest_s=round(t2 - t1, 2),
        wall_s=round(time.perf_counter() - t0, 2),
    )
    return metrics


# --- from forecasts to advice ----------------------------------------------------------------------


def day_volume_capacity(
    data: PilotData, predictions: pd.DataFrame, date, *, column: str = "p50", horizon: int = 24
) -> pd.DataFrame:
    """Station volume/capacity ratios of one day (rows station_id, direction; columns hours) from forecasts."""
    from .travel import station_flow_table, volume_capacity

    return volume_capacity(
        station_flow_table(predictions, date, horizon=horizon, column=column), data.stations
    )


def pick_days(
    calendar: pd.DataFrame, predictions: pd.DataFrame, *, horizon: int = 24, region: str | None = None
) -> dict[str, pd.Timestamp | None]:
    """An ordinary working day and a border-holiday working day (if any) inside the forecast windows.

    The ordinary day is the last Tuesday-Thursday of the windows that is neither a Luxembourg nor a
    neighbour holiday; the border holiday is the first Luxembourg working day with a holiday in
    ``region`` (e.g. the home region of the trip's origin), or in any neighbouring region when
    ``region`` has none in the windows or is not given.
    """
    days = pd.DatetimeIndex(
        sorted(predictions.loc[predictions["horizon"] == horizon, "timestamp"].dt.normalize().unique())
    )
    cal = calendar.reindex(days)
    ordinary = days[
        (cal["lu_working_day"] & ~cal["border_holiday"] & days.weekday.isin([1, 2, 3])).to_numpy()
    ]
    border = days[cal["border_holiday"].fillna(False).to_numpy(bool)]
    if region is not None and region != "LU":
        from .calendar import flag_name

        own = days[
            (cal["border_holiday"].fillna(False) & cal[flag_name(region)].fillna(False)).to_numpy(bool)
        ]
        border = own if len(own) else border
    return {
        "ordinary": ordinary[-1] if len(ordinary) else None,
        "border_holiday": border[0] if len(border) else None,
    }


def home_region(place: str) -> str | None:
    """The holiday region of a reference place (``FR`` for Thionville, ``DE-RP`` for Trier ...)."""
    from .reference import load_places

    places = load_places()
    return str(places.loc[place, "region"]) if place in places.index else None


def resolve_place(G: nx.MultiDiGraph, place: str):
    """A reference place id as a node of ``G`` (itself, or the nearest node on an OpenStreetMap graph)."""
    if place in G.nodes:
        return place
    import osmnx as ox

    from .network import place_point

    point = place_point(place, G)
    return ox.distance.nearest_nodes(G, point.x, point.y)


def compare_advice(
    data: PilotData,
    predictions: pd.DataFrame,
    *,
    origin: str,
    destination: str,
    latest_arrival: str,
    days: dict[str, pd.Timestamp | None],
    incidents=None,
    donors=None,
    G: nx.MultiDiGraph | None = None,
    stations: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict]:
    """The departure advice on each day of ``days`` (label -> date) and, if given, with ``incidents``
    on the ordinary day. Returns a summary table (one row per scenario, best route) and the advices."""
    from .travel import advise_departure, edge_donors

    G = G if G is not None else data.G
    stations = stations if stations is not None else data.stations
    donors = donors if donors is not None else edge_donors(G, stations)
    o, d = resolve_place(G, origin), resolve_place(G, destination)
    scenarios = [(label, day, None) for label, day in days.items() if day is not None]
    if incidents and days.get("ordinary") is not None:
        scenarios.append(("ordinary + incident", days["ordinary"], incidents))
    advices, rows = {}, []
    for label, day, inc in scenarios:
        vc50 = day_volume_capacity(data, predictions, day, column="p50")
        vc90 = day_volume_capacity(data, predictions, day, column="p90")
        adv = advise_departure(
            G,
            donors,
            vc50,
            vc90,
            origin=o,
            destination=d,
            date=day,
            latest_arrival=latest_arrival,
            incidents=inc,
        )
        advices[label] = adv
        best = adv.best
        rows.append(
            {
                "scenario": label,
                "date": day.date(),
                "weekday": f"{day:%a}",
                "holiday": data.calendar.loc[day, "holiday_name"] if day in data.calendar.index else "",
                "best route": f"{best['route']} ({best['crossing']})",
                "latest departure": best["latest_departure"],
                "trip P50 (min)": round(best["trip_p50_min"], 1),
                "trip P90 (min)": round(best["trip_p90_min"], 1),
            }
        )
    table = pd.DataFrame(rows)
    if len(table) and "ordinary" in table["scenario"].values:
        departure = pd.to_datetime(table["latest departure"])
        minutes = (departure - departure.dt.normalize()).dt.total_seconds() / 60
        reference = minutes[table["scenario"] == "ordinary"].iloc[0]
        table["leave earlier than ordinary day (min)"] = (reference - minutes).round(0)
    return table, advices


# --- data sources, the real road network, subgroups -------------------------------------------------

COUNTS_DATASET = "lu-traffic-counts-2023"
GENERATOR = (
    "pilots.mobility.simulator.simulate_counts (calibrated to the 2023 AADT/AAWT of real "
    "Luxembourg counting posts, catalogue entry lu-aadt-2023)"
)


def resolve_counts_source(data_mode: str, counts_file: str = ""):
    """The counts' ``DataSource``: the simulator, or a yearly official file given by path.

    ``real`` needs ``counts_file`` (the yearly file downloaded from the dataset's landing page: the
    catalogue lists no copy of it); ``auto`` uses it when it exists and the simulator otherwise.
    The provenance is recorded.
    """
    import livinglab
    from livinglab.catalog import file_source, get_dataset

    found = bool(counts_file) and Path(counts_file).is_file()
    if livinglab.check_data_mode(data_mode) == "real" and not found:
        page = get_dataset(COUNTS_DATASET).landing_page
        raise livinglab.DataUnavailable(
            f"data_mode='real' needs counts_file, a yearly file of {COUNTS_DATASET} (donneestrafic-YYYY.xlsx or "
            f".csv) downloaded from {page}; got {counts_file!r}."
        )
    if data_mode == "synthetic" or not found:
        return livinglab.resolve(COUNTS_DATASET, "synthetic", generator=GENERATOR)
    return file_source(COUNTS_DATASET, counts_file, "yearly file given by counts_file")


def real_network(kind: str) -> nx.MultiDiGraph:
    """OpenStreetMap road network: ``"lust_file"`` (the LuST extract via the data catalogue) or ``"download"``."""
    import livinglab

    from .network import network_from_osm_download, network_from_osm_file

    if kind == "lust_file":
        source = livinglab.resolve("lust-luxembourg-osm", "real")
        return network_from_osm_file(source.path)
    if kind == "download":
        return network_from_osm_download()
    raise ValueError(f"osm_network must be 'lust_file', 'download' or 'none', not {kind!r}.")


def holiday_showcase(data: PilotData) -> tuple[str, pd.Timestamp] | None:
    """A border holiday of the period and the station most exposed to it (for the holiday-effect plot)."""
    days = data.calendar.index[data.calendar["border_holiday"].to_numpy(bool)]
    if len(days) == 0:
        return None
    per_day = data.exposure[data.calendar.index.get_indexer(days)]  # days x series
    d, s = np.unravel_index(np.argmax(per_day), per_day.shape)
    return str(data.wide.series["station_id"].iloc[s]), days[d]


def dominant_origin(stations: pd.DataFrame) -> pd.Series:
    """Per station, the region with the largest assumed share of its traffic (LU, FR, BE, DE-SL, DE-RP)."""
    cols = [c for c in stations.columns if c.startswith("share_")]
    if not cols:
        return pd.Series("unknown", index=stations["station_id"].astype(str))
    top = stations[cols].idxmax(axis=1).str.removeprefix("share_").str.replace("_", "-")
    return pd.Series(top.to_numpy(), index=stations["station_id"].astype(str))


def subgroup_frame(predictions: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Per prediction row: the station's dominant origin region, road class and the direction."""
    sid = predictions["station_id"].astype(str)
    road_class = stations.set_index(stations["station_id"].astype(str))["highway"].astype(str)
    return pd.DataFrame(
        {
            "origin": sid.map(dominant_origin(stations)).to_numpy(),
            "road class": sid.map(road_class)
            .str.replace("trunk", "motorway/trunk")
            .str.replace("^motorway$", "motorway/trunk", regex=True)
            .to_numpy(),
            "direction": np.where(predictions["direction"].to_numpy() == 1, "inbound", "outbound"),
        }
    )


# --- what the notebook records (the model card and altai.yaml are filled from these) ---------------

AADT_REFERENCE = {
    "dataset": "lu-aadt-2023",
    "title": "2023 AADT/AAWT of 60 Luxembourg counting posts (committed reference table)",
    "synthetic": False,
    "origin": "reference table",
    "licence": "CC BY 4.0",
    "provenance": "calibration targets of the simulator; " + ATTRIBUTION,
}


def run_metrics(data, bt, metrics, mae_ci, naive_ci, by_origin, advice_table, *, calibration=None) -> dict:
    """The values a run records: the headline metrics, the 1-hour intervals, the subgroup gap, the
    advice's latest departures and extra lead times, and the calibration error of the simulator."""
    lead = advice_table.set_index("scenario").get(
        "leave earlier than ordinary day (min)", pd.Series(dtype=float)
    )
    ordinary = advice_table.set_index("scenario").loc["ordinary", "latest departure"]
    gap = by_origin.gaps["mae"]
    values = {
        **metrics,
        "mae_h1_ci_low": mae_ci.low,
        "mae_h1_ci_high": mae_ci.high,
        "mae_h1_seasonal_naive_ci_low": naive_ci.low,
        "mae_h1_seasonal_naive_ci_high": naive_ci.high,
        "mae_h24_beats_hour_weekday_avg": bool(metrics["mae_h24"] <= metrics["mae_h24_hour_weekday_avg"]),
        "rows": data.rows,
        "n_stations": len(data.stations),
        "backtest_s": bt.seconds,
        "latest_departure_ordinary": f"{pd.Timestamp(ordinary):%H:%M}",
        "extra_lead_min_incident": float(lead.get("ordinary + incident", np.nan)),
        "extra_lead_min_border_holiday": float(lead.get("border_holiday", np.nan)),
        "mae_gap_by_origin": gap["largest_gap"],
        "mae_worst_origin": gap["worst"],
        "mae_best_origin": gap["best"],
    }
    if calibration is not None:
        values["calibration_max_abs_error"] = float((calibration["ratio"] - 1).abs().max())
    return values
