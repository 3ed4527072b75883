"""The pilot's steps wired together, so the notebook stays thin and the benchmark runs the same code.

Two ways in, one way on:

- ``prepare_synthetic``: the embedded Luxembourg tri-border network and the calibrated simulator; its
  counts go through the same conversion as a partner's file (``counts.counts_from_frame``). The model
  gets none of the simulator's own flags (incidents, roadworks, weather, the holiday exposure it drives
  the counts with): only what a real file of counts would give, plus the holiday calendar of parameters.
- ``load_counts`` + ``prepare_counts``: anyone's file (tidy, wide or the official Luxembourg format) and
  an optional site table, with the holiday calendar from parameters.

Then ``backtest`` (rolling origin, model and baselines on the same hours), ``comparisons`` (paired
bootstrap intervals of the model against each baseline), and, where coordinates exist, the network part.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .calendar import TRI_BORDER, day_calendar, holiday_calendar
from .cluster import cluster_address
from .counts import CountsData, CountsError, attach_site_table, counts_from_frame
from .features import FeatureBuilder
from .forecast import HORIZONS, BacktestResult, evaluate, headline_metrics, rolling_origin_backtest
from .network import attach_stations, build_embedded_network, region_shares
from .reference import ATTRIBUTION, load_counting_posts
from .simulator import SimConfig, SimulationResult, simulate_counts

#: the synthetic run's default trips: a cross-border commute, and a trip inside the capital for the
#: OpenStreetMap check
DEFAULT_TRIP = ("THIONVILLE", "LUX_KIRCHBERG")
CITY_TRIP = ("LUX_GARE", "LUX_KIRCHBERG")
SYNTHETIC_DIRECTIONS = {"1": "inbound (towards Luxembourg City)", "2": "outbound"}


@dataclass
class PilotData:
    """Everything the forecasting and advice steps need, whatever the data source."""

    counts: CountsData
    calendar: pd.DataFrame
    calendar_flags: list[str]
    calendar_note: str
    synthetic: bool = False
    G: nx.MultiDiGraph | None = None  # the embedded tri-border network (synthetic data)
    stations: pd.DataFrame | None = None  # the simulator's stations on G
    simulation: SimulationResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def wide(self):
        return self.counts.wide

    @property
    def rows(self) -> int:
        return self.counts.rows

    def builder(self) -> FeatureBuilder:
        return FeatureBuilder(
            self.counts.wide,
            self.calendar,
            self.calendar_flags,
            self.counts.covariates,
            categorical_covariates=self.counts.categorical,
        )


def build_calendar(
    counts: CountsData, *, country: str = "", subdivisions=(), home_regions=(), default: dict | None = None
) -> tuple[pd.DataFrame, list[str], str]:
    """The day calendar from parameters (or ``default``, or the site table's single country)."""
    ts = counts.wide.timestamps
    spec = {
        "country": country,
        "subdivisions": list(subdivisions or []),
        "home_regions": list(home_regions or []),
    }
    origin = "parameters"
    if not spec["country"] and not spec["home_regions"]:
        if default:
            spec, origin = dict(default), "the simulator's setting"
        elif counts.sites is not None and counts.sites["country"].astype(str).str.strip().nunique() == 1:
            only = str(counts.sites["country"].iloc[0]).strip()
            if only:
                spec["country"], origin = only, "the site table's country"
    cal, flags = day_calendar(ts[0], ts[-1], **spec)
    if not spec["country"]:
        note = (
            "No holiday calendar: the data say nothing about where they were counted; set -p holiday_country "
            "(and holiday_subdivisions) to add public holidays."
        )
    else:
        where = spec["country"] + (f" ({', '.join(spec['subdivisions'])})" if spec["subdivisions"] else "")
        n = int(cal["holiday"].sum())
        note = f"Public holidays of {where} from {origin}: {n} in the period."
        if spec["home_regions"]:
            note += (
                f" Cross-border data: commuters' home regions {', '.join(spec['home_regions'])}; "
                f"{int(cal['home_holiday_not_work'].sum())} working days with a holiday at home only."
            )
    return cal, flags, note


def prepare_synthetic(
    n_stations: int = 6,
    *,
    start: str = "2023-04-03",
    days: int = 70,
    seed: int = 0,
    G: nx.MultiDiGraph | None = None,
    config: SimConfig | None = None,
    calendar: dict | None = None,
) -> PilotData:
    """Embedded network, the first ``n_stations`` reference posts on it, and simulated counts."""
    G = G if G is not None else build_embedded_network()
    stations = attach_stations(G, load_counting_posts(n_stations))
    shares = region_shares(stations, G)
    sim = simulate_counts(stations, shares, start=start, days=days, seed=seed, config=config)
    tidy = sim.counts_frame().rename(columns={"station_id": "site"})
    tidy["site"] = tidy["site"].astype(str)
    tidy["direction"] = tidy["direction"].astype(str)
    counts = counts_from_frame(tidy, "tidy", source_name="synthetic counts")
    counts.wide.series["direction_label"] = counts.wide.series["direction"].map(SYNTHETIC_DIRECTIONS)
    sites = sim.stations[["station_id", "name", "road", "lon", "lat"]].assign(country="LU")
    counts.sites = sites.astype({"station_id": str}).reset_index(drop=True)
    spec = calendar if calendar and (calendar.get("country") or calendar.get("home_regions")) else None
    cal, flags, note = build_calendar(counts, **(spec or {}), default=TRI_BORDER)
    return PilotData(counts, cal, flags, note, True, G, sim.stations, sim)


def load_counts(
    data_path: str,
    columns: dict | None = None,
    read_options: dict | None = None,
    *,
    counts_format: str = "auto",
    vehicle_class: str = "",
    sentinels=(),
    sites_path: str = "",
    site_columns: dict | None = None,
    sites_crs: str = "EPSG:4326",
):
    """A partner's counts (and site table) through the contracts; returns ``CountsData`` and the loaded files
    (``livinglab.contract.LoadedData``, recorded as the run's data sources)."""
    from livinglab.contract import load_data

    from .contract import SITES, contract_for
    from .contract import counts_format as chosen_format

    params = {"data_path": data_path, "read_options": read_options, "counts_format": counts_format}
    layout = chosen_format(params)
    loaded = load_data(data_path, columns or {}, contract_for(params), read_options)
    name = Path(str(data_path).rstrip("/*")).name.split(".")[0] or "counts"
    counts = counts_from_frame(
        loaded.frame,
        layout,
        source_name=name,
        vehicle_class=vehicle_class,
        sentinels=sentinels,
        extras=loaded.applied.extra_columns,
    )
    files = [loaded]
    if sites_path:
        site_file = load_data(sites_path, site_columns or {}, SITES, read_options)
        counts.report.notes.extend(attach_site_table(counts, site_file.frame, sites_crs))
        files.append(site_file)
    return counts, files


def prepare_counts(
    counts: CountsData, *, holiday_country: str = "", holiday_subdivisions=(), commuter_regions=()
) -> PilotData:
    """A partner's counts with the calendar of parameters."""
    cal, flags, note = build_calendar(
        counts, country=holiday_country, subdivisions=holiday_subdivisions, home_regions=commuter_regions
    )
    return PilotData(counts, cal, flags, note)


def backtest(
    data: PilotData,
    *,
    n_folds: int = 1,
    test_days: int = 0,
    max_train_rows: int = 300_000,
    seed: int = 0,
    horizons=HORIZONS,
    min_train_days: int = 21,
    cluster: str = "",
) -> tuple[BacktestResult, FeatureBuilder]:
    """Rolling-origin backtest of the model and the baselines (horizons 1, 3, 24 h) on ``data``.

    ``cluster`` (else ``LIVINGLAB_CLUSTER``): a Dask scheduler address, ``local`` or ``slurm:<profile>``;
    the model fits then run as tasks there (``pilots.mobility.cluster``) with the same results. Empty: in
    this process, and Dask is not imported."""
    builder = data.builder()
    days = len(data.wide.timestamps) // 24
    if days < min_train_days + 7:
        raise CountsError(
            f"the counts cover {days} days; the backtest needs at least {min_train_days + 7} "
            "(three weeks of history and a test week)."
        )
    options = dict(
        horizons=horizons,
        n_folds=n_folds,
        test_days=test_days,
        min_train_days=min_train_days,
        max_train_rows=max_train_rows,
        seed=seed,
    )
    address = cluster_address(cluster)
    if not address:
        return rolling_origin_backtest(builder, **options), builder
    from .cluster import client_for

    with client_for(address) as client:
        return rolling_origin_backtest(builder, client=client, **options), builder


def time_block_ids(predictions: pd.DataFrame) -> np.ndarray:
    """Bootstrap clusters of the test hours: one block per test day (at least 20 blocks), all series of a
    block resampled together, which keeps the correlation between sites and hours of a day."""
    from livinglab.trust import time_blocks

    days = predictions["timestamp"].dt.normalize().nunique()
    return time_blocks(predictions["timestamp"], n_blocks=max(20, int(days)))


def comparisons(predictions: pd.DataFrame, *, n_boot: int = 200, seed: int = 0) -> dict:
    """Per horizon: MAE of the model and of each baseline with 95 % intervals, and the paired interval of
    the model's MAE minus each baseline's (the model wins when the whole interval is below 0)."""
    from sklearn.metrics import mean_absolute_error

    from livinglab.trust import bootstrap_ci, bootstrap_difference_ci

    from .forecast import comparable

    out: dict = {}
    frame = comparable(predictions)
    for h, part in frame.groupby("horizon"):
        blocks = time_block_ids(part)
        y = part["actual"].to_numpy(float)
        out[f"mae_h{h}_ci"] = bootstrap_ci(
            mean_absolute_error, y, part["p50"], groups=blocks, n_boot=n_boot, seed=seed
        )
        for name in ("plain_lgbm", "seasonal_naive"):
            base = part[name].to_numpy(float)
            out[f"mae_h{h}_{name}_ci"] = bootstrap_ci(
                mean_absolute_error, y, base, groups=blocks, n_boot=n_boot, seed=seed
            )
            out[f"diff_h{h}_{name}"] = bootstrap_difference_ci(
                mean_absolute_error,
                y,
                part["p50"].to_numpy(float),
                base,
                groups=blocks,
                n_boot=n_boot,
                seed=seed,
            )
    return out


def comparison_table(comp: dict) -> pd.DataFrame:
    """The comparisons as a table: one row per horizon and baseline."""
    rows = []
    for key, ci in comp.items():
        if not key.startswith("diff_h"):
            continue
        h, name = key.removeprefix("diff_h").split("_", 1)
        model, base = comp[f"mae_h{h}_ci"], comp[f"mae_h{h}_{name}_ci"]
        rows.append(
            {
                "horizon (h)": int(h),
                "baseline": name.replace("_", " ").replace("lgbm", "LightGBM"),
                "MAE model": f"{model.estimate:.1f} [{model.low:.1f}, {model.high:.1f}]",
                "MAE baseline": f"{base.estimate:.1f} [{base.low:.1f}, {base.high:.1f}]",
                "model - baseline": f"{ci.estimate:.1f} [{ci.low:.1f}, {ci.high:.1f}]",
                "ratio": round(model.estimate / base.estimate, 3),
                "model ahead": bool(ci.high < 0),
            }
        )
    return pd.DataFrame(rows)


def subgroup_frame(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per prediction row: site, hour of day, weekday and direction (as the data name it)."""
    return pd.DataFrame(
        {
            "site": predictions["station_id"].astype(str).to_numpy(),
            "hour": predictions["timestamp"].dt.hour.map(lambda h: f"{h:02d}:00").to_numpy(),
            "weekday": (
                (predictions["timestamp"].dt.weekday + 1).astype(str)
                + " "
                + predictions["timestamp"].dt.day_name().str[:3]
            ).to_numpy(),
            "direction": predictions["direction_label"].astype(str).to_numpy(),
        }
    )


def run(
    *,
    n_stations: int = 6,
    start: str = "2023-04-03",
    days: int = 70,
    n_folds: int = 1,
    test_days: int = 0,
    max_train_rows: int = 300_000,
    seed: int = 0,
    data: PilotData | None = None,
) -> dict:
    """End to end (data, backtest, metrics) with timings; what the benchmark calls."""
    t0 = time.perf_counter()
    data = data or prepare_synthetic(n_stations, start=start, days=days, seed=seed)
    t1 = time.perf_counter()
    result, _ = backtest(data, n_folds=n_folds, test_days=test_days, max_train_rows=max_train_rows, seed=seed)
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


# --- from forecasts to advice: the simulator's Luxembourg network ----------------------------------


def lu_predictions(predictions: pd.DataFrame) -> pd.DataFrame:
    """Synthetic predictions with the simulator's direction codes (1 inbound, 2 outbound) as integers."""
    return predictions.assign(direction=predictions["direction"].astype(int))


def day_volume_capacity(
    data: PilotData, predictions: pd.DataFrame, date, *, column: str = "p50", horizon: int = 24
) -> pd.DataFrame:
    """Station volume/capacity ratios of one day (rows station_id, direction; columns hours) from forecasts."""
    from .travel import station_flow_table, volume_capacity

    return volume_capacity(
        station_flow_table(lu_predictions(predictions), date, horizon=horizon, column=column), data.stations
    )


def pick_days(
    calendar: pd.DataFrame, predictions: pd.DataFrame, *, horizon: int = 24, region: str | None = None
) -> dict[str, pd.Timestamp | None]:
    """An ordinary working day and a border-holiday working day (if any) inside the forecast windows
    (``calendar`` is the tri-border ``holiday_calendar``)."""
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


def ordinary_day(calendar: pd.DataFrame, predictions: pd.DataFrame, *, horizon: int = 24) -> pd.Timestamp:
    """The last Tuesday-Thursday of the test window that is not a holiday (else its last full day)."""
    days = pd.DatetimeIndex(
        sorted(predictions.loc[predictions["horizon"] == horizon, "timestamp"].dt.normalize().unique())
    )
    holiday = (
        calendar["holiday"].reindex(days).fillna(False).to_numpy(bool) if "holiday" in calendar else False
    )
    good = days[days.weekday.isin([1, 2, 3]) & ~holiday]
    return good[-1] if len(good) else days[-1]


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
    """The departure advice on each day of ``days`` (label -> date) and, if given, with ``incidents`` on the
    ordinary day, on the simulator's network. Returns a summary table (one row per scenario) and the advices."""
    from .travel import advise_departure, edge_donors

    G = G if G is not None else data.G
    stations = stations if stations is not None else data.stations
    donors = donors if donors is not None else edge_donors(G, stations)
    o, d = resolve_place(G, origin), resolve_place(G, destination)
    scenarios = [(label, day, None) for label, day in days.items() if day is not None]
    if incidents and days.get("ordinary") is not None:
        scenarios.append(("ordinary + incident", days["ordinary"], incidents))
    lu_cal = holiday_calendar(data.wide.timestamps[0], data.wide.timestamps[-1])
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
        rows.append(
            _advice_row(label, day, adv, lu_cal.loc[day, "holiday_name"] if day in lu_cal.index else "")
        )
    return _advice_table(rows), advices


def _advice_row(label, day, adv, holiday: str) -> dict:
    best = adv.best
    return {
        "scenario": label,
        "date": day.date(),
        "weekday": f"{day:%a}",
        "holiday": holiday,
        "best route": f"{best['route']} ({best['crossing']})",
        "latest departure": best["latest_departure"],
        "trip P50 (min)": round(best["trip_p50_min"], 1),
        "trip P90 (min)": round(best["trip_p90_min"], 1),
    }


def _advice_table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    if len(table) and "ordinary" in table["scenario"].values:
        departure = pd.to_datetime(table["latest departure"])
        minutes = (departure - departure.dt.normalize()).dt.total_seconds() / 60
        reference = minutes[table["scenario"] == "ordinary"].iloc[0]
        table["leave earlier than ordinary day (min)"] = (reference - minutes).round(0)
    return table


# --- from forecasts to advice: anyone's sites on an OpenStreetMap (or given) network ----------------


@dataclass
class SiteNetwork:
    """A road network around located sites, the sites on it and the donor of every edge."""

    G: nx.MultiDiGraph
    snapped: pd.DataFrame
    donors: pd.DataFrame
    source: str


def site_network(data: PilotData, *, network_file: str = "") -> SiteNetwork:
    """The network for a partner's located sites: ``network_file``; the embedded tri-border network when
    every site lies in Luxembourg; otherwise OpenStreetMap (cache, mirror, download). Raises
    ``network.NetworkUnavailable`` (or ``CountsError`` when no site lies on the network)."""
    from .roads import network_for_sites, site_donors, snap_sites

    sites = data.counts.sites
    embedded = not network_file and data.counts.in_luxembourg()
    if embedded:
        G = build_embedded_network()
        source = "the embedded schematic network of the Luxembourg tri-border area"
    else:
        G, source = network_for_sites(sites, network_file=network_file)
    snapped = snap_sites(G, sites, max_snap_m=2500.0 if embedded else 1000.0)  # schematic: straight segments
    if snapped.empty:
        raise CountsError(f"none of the {len(sites)} located sites lies near the road network ({source}).")
    return SiteNetwork(G, snapped, site_donors(G, snapped), source)


def site_advice(
    net: SiteNetwork,
    data: PilotData,
    predictions: pd.DataFrame,
    *,
    origin: str,
    destination: str,
    latest_arrival: str,
    day,
):
    """The departure advice between two places a person names (site ids, ``lat, lon``, node ids or names)."""
    from .roads import resolve_point, site_volume_capacity
    from .travel import advise_departure

    o = resolve_point(net.G, origin, data.counts.sites)
    d = resolve_point(net.G, destination, data.counts.sites)
    if o == d:
        raise ValueError(f"{origin!r} and {destination!r} are the same place on the network.")
    vc50 = site_volume_capacity(predictions, net.snapped, day, column="p50")
    vc90 = site_volume_capacity(predictions, net.snapped, day, column="p90")
    advice = advise_departure(
        net.G, net.donors, vc50, vc90, origin=o, destination=d, date=day, latest_arrival=latest_arrival
    )
    advice.origin, advice.destination = str(origin), str(destination)
    return advice, vc50


# --- data sources and what the notebook records ------------------------------------------------------

COUNTS_DATASET = "lu-traffic-counts-2023"
GENERATOR = (
    "pilots.mobility.simulator.simulate_counts (calibrated to the 2023 AADT/AAWT of real "
    "Luxembourg counting posts, catalogue entry lu-aadt-2023)"
)
AADT_REFERENCE = {
    "dataset": "lu-aadt-2023",
    "title": "2023 AADT/AAWT of 60 Luxembourg counting posts (committed reference table)",
    "synthetic": False,
    "origin": "reference table",
    "licence": "CC BY 4.0",
    "provenance": "calibration targets of the simulator; " + ATTRIBUTION,
}


def synthetic_source():
    """The simulator as the run's data source (recorded)."""
    import livinglab

    return livinglab.resolve(COUNTS_DATASET, "synthetic", generator=GENERATOR)


def real_network(kind: str) -> nx.MultiDiGraph:
    """OpenStreetMap road network of Luxembourg City: ``"lust_file"`` (the LuST extract via the data catalogue)
    or ``"download"``."""
    import livinglab

    from .network import network_from_osm_download, network_from_osm_file

    if kind == "lust_file":
        source = livinglab.resolve("lust-luxembourg-osm", "real")
        return network_from_osm_file(source.path)
    if kind == "download":
        return network_from_osm_download()
    raise ValueError(f"osm_network must be 'lust_file', 'download' or 'none', not {kind!r}.")


def band_shape(predictions: pd.DataFrame, horizon: int = 1) -> dict:
    """Whether the band's edges move with the traffic (no floor at the peaks, no ceiling at night): the
    median over series of corr(P10, P50) and corr(P90, P50), and the median P90 of the night hours (2-3 h)
    over the median P10 of the peak hours (7, 8, 17 h)."""
    p = predictions[predictions["horizon"] == horizon]
    corr10 = p.groupby("series").apply(lambda d: d["p10"].corr(d["p50"]), include_groups=False)
    corr90 = p.groupby("series").apply(lambda d: d["p90"].corr(d["p50"]), include_groups=False)
    hour = p["timestamp"].dt.hour
    night = p.loc[hour.isin([2, 3])].groupby("series")["p90"].median()
    peak = p.loc[hour.isin([7, 8, 17])].groupby("series")["p10"].median()
    return {
        f"band_corr_p10_h{horizon}": float(corr10.median()),
        f"band_corr_p90_h{horizon}": float(corr90.median()),
        f"band_night_p90_over_peak_p10_h{horizon}": float((night / peak).median()),
    }


def calendar_summary(flags: list[str]) -> str:
    """A few words on the holiday features: none, the counting place's, and the home regions' (cross-border)."""
    if not flags:
        return "no holiday calendar given"
    regions = [f.removeprefix("hol_").replace("_", "-") for f in flags if f.startswith("hol_")]
    text = "public holidays where counted" if "holiday" in flags else "no holidays where counted"
    return text + (f" and in the commuters' home regions {', '.join(regions)}" if regions else "")


def run_metrics(data: PilotData, bt: BacktestResult, metrics: dict, comp: dict) -> dict:
    """The values a run records: the headline metrics with their intervals, the paired differences against
    the plain LightGBM and the seasonal naive, and facts about the data and the cleaning."""
    values = dict(metrics)
    for key, ci in comp.items():
        if key.endswith("_ci"):
            name = key.removesuffix("_ci")
            values[f"{name}_ci_low"], values[f"{name}_ci_high"] = ci.low, ci.high
        else:
            values[key] = ci.estimate
            values[f"{key}_ci_low"], values[f"{key}_ci_high"] = ci.low, ci.high
            values[f"{key.replace('diff_', 'beats_')}"] = bool(ci.high < 0)
            base = comp[key.replace("diff_", "mae_") + "_ci"].estimate
            # with 95 % confidence the model's MAE is at least this share below the baseline's
            values[f"{key.replace('diff_', 'margin_')}"] = float(max(0.0, -ci.high / base))
    values.update(band_shape(bt.predictions))
    facts = data.counts.facts()
    report = data.counts.report
    values.update(
        {
            "rows": data.rows,
            "n_sites": facts["n_sites"],
            "n_series": facts["n_series"],
            "directions": facts["directions"],
            "missing_share": facts["missing_share"],
            "hours_excluded_sentinels": report.counts.get("sentinel_values_excluded", 0),
            "hours_missing_from_file": report.counts.get("hours_missing_from_the_file", 0),
            "covariates": facts["covariates"],
            "calendar_note": data.calendar_note,
            "calendar_summary": calendar_summary(data.calendar_flags),
            "test_days": bt.test_days,
            "backtest_s": bt.seconds,
            "synthetic": data.synthetic,
            "data_name": facts["data_name"],
            "period": f"{facts['period_start']} to {facts['period_end']}",
        }
    )
    if bt.cluster:
        values["backtest_cluster"] = bt.cluster
    if data.simulation is not None:
        from .simulator import calibration_table

        calib = calibration_table(data.simulation)
        values["calibration_max_abs_error"] = float((calib["ratio"] - 1).abs().max())
    return values


# --- the notebook's decision section in one call ------------------------------------------------------


@dataclass
class Decision:
    """What the decision section shows: the network used (or why none), the congestion of one hour of an
    ordinary day, the advice (table and object), and notes to display."""

    network: str | None = None
    G: nx.MultiDiGraph | None = None
    sites: pd.DataFrame | None = None
    day: pd.Timestamp | None = None
    congestion: pd.Series | None = None
    advice_table: pd.DataFrame | None = None
    advice: object | None = None
    advices: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def decision(
    data: PilotData,
    predictions: pd.DataFrame,
    *,
    network_file: str = "",
    origin: str = "",
    destination: str = "",
    latest_arrival: str = "09:00",
    map_hour: int = 8,
    incident_edge=(),
    incident_hours=(),
) -> Decision:
    """Network, congestion and advice for the run: the simulator's network (with a neighbour-holiday day and
    an incident scenario) for synthetic data; a partner's located sites on their network; a note otherwise."""
    from .network import NetworkUnavailable
    from .roads import site_volume_capacity
    from .travel import edge_congestion, edge_donors, incident_between

    out = Decision()
    if data.synthetic:
        lu_cal = holiday_calendar(data.wide.timestamps[0], data.wide.timestamps[-1])
        origin, destination = origin or DEFAULT_TRIP[0], destination or DEFAULT_TRIP[1]
        days = pick_days(lu_cal, predictions, region=home_region(origin))
        out.day = days["ordinary"]
        donors = edge_donors(data.G, data.stations)
        vc50 = day_volume_capacity(data, predictions, out.day, column="p50")
        out.congestion = edge_congestion(data.G, donors, vc50)[map_hour]
        out.G, out.sites = data.G, data.stations
        incidents = None
        if len(incident_edge) == 2 and len(incident_hours) == 2:
            incidents = [incident_between(data.G, *incident_edge, *incident_hours, 0.5, "one lane closed")]
        out.advice_table, out.advices = compare_advice(
            data,
            predictions,
            origin=origin,
            destination=destination,
            latest_arrival=latest_arrival,
            days=days,
            incidents=incidents,
            donors=donors,
        )
        out.advice = out.advices["ordinary"]
        out.network = f"the simulator's schematic network ({data.G.number_of_edges()} directed road segments)"
        return out
    if not data.counts.has_coordinates:
        out.notes.append(
            "**Skipped:** the counts have no coordinates, so there is no network, congestion map or departure "
            "advice. Give a site table (`-p sites_path sites.csv`, with lon/lat or x/y and `sites_crs`) to add them."
        )
        return out
    try:
        net = site_network(data, network_file=network_file)
    except (NetworkUnavailable, CountsError) as exc:
        out.notes.append(f"**Network skipped:** {exc}")
        return out
    out.day = ordinary_day(data.calendar, predictions)
    out.G, out.sites = net.G, net.snapped
    out.network = f"{net.source}: {len(net.G):,} nodes, {net.G.number_of_edges():,} edges; {len(net.snapped)} sites on it"
    vc50 = site_volume_capacity(predictions, net.snapped, out.day, column="p50")
    out.congestion = edge_congestion(net.G, net.donors, vc50)[map_hour]
    out.notes.append(
        "Directions of the data are not matched to the road's: a site's forecast (all its directions) is split "
        "equally over the two directions of its road."
    )
    if not (origin and destination):
        out.notes.append(
            "**Advice skipped:** name two places with -p advice_origin and -p advice_destination (site ids, "
            "'lat, lon' or place names)."
        )
        return out
    try:
        out.advice, _ = site_advice(
            net,
            data,
            predictions,
            origin=origin,
            destination=destination,
            latest_arrival=latest_arrival,
            day=out.day,
        )
    except (ValueError, KeyError) as exc:
        out.notes.append(f"**Advice skipped:** {exc}")
        return out
    out.advice_table = out.advice.routes.drop(columns=["label"]).round(1)
    out.advices = {"ordinary": out.advice}
    return out


def subgroup_reports(predictions: pd.DataFrame, *, directions: bool, n_boot: int = 50, seed: int = 0) -> dict:
    """1-hour errors by site, hour, weekday and (when the data have them) direction, with intervals that
    resample whole test days (``livinglab.trust.subgroup_report``)."""
    from sklearn.metrics import mean_absolute_error

    from livinglab.trust import subgroup_report

    from .forecast import comparable

    h1 = comparable(predictions[predictions["horizon"] == 1])
    groups = subgroup_frame(h1)
    blocks = time_block_ids(h1)
    reports = {}
    for column in ["site", "hour", "weekday"] + (["direction"] if directions else []):
        if groups[column].nunique() > 1:
            reports[f"by {column}"] = subgroup_report(
                {"mae": mean_absolute_error},
                h1["actual"],
                h1["p50"],
                groups[column],
                groups=blocks,
                n_boot=n_boot,
                seed=seed,
                overall_ci=False,
            )
    return reports
