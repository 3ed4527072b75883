"""From forecasts to a decision: congestion on a road network and the departure advice, where the data allow.

- Synthetic data: the simulator's schematic Luxembourg tri-border network and its stations, an ordinary
  working day, a working day with a holiday in the commuters' home region, and an incident scenario (a
  reported lane closure); optionally the same trip timed on OpenStreetMap's Luxembourg City (the LuST
  extract of the data catalogue, fetched with ``livinglab.fetch``).
- A partner's located sites: ``network_file``, the embedded network when every site lies in Luxembourg, or
  OpenStreetMap (cache, mirror, download: ``roads.network_for_sites``); advice between two places a person
  names.
- No coordinates: a note says what to give.

``decide(...)`` returns a ``Decision`` the pages display; every reason a part is skipped is a note in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from .calendar import holiday_calendar
from .features import CountsError

#: the synthetic run's default trips: a cross-border commute, and a trip inside the capital for the
#: OpenStreetMap check
DEFAULT_TRIP = ("THIONVILLE", "LUX_KIRCHBERG")
CITY_TRIP = ("LUX_GARE", "LUX_KIRCHBERG")
OSM_NETWORKS = ("none", "lust_file", "download")


# --- the synthetic world: the simulator's Luxembourg network ----------------------------------------


def lu_predictions(predictions: pd.DataFrame) -> pd.DataFrame:
    """Synthetic predictions with the simulator's direction codes (1 inbound, 2 outbound) as integers."""
    return predictions.assign(direction=predictions["direction"].astype(int))


def day_volume_capacity(
    data: Any, predictions: pd.DataFrame, date, *, column: str = "p50", horizon: int = 24
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
    data: Any,
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


def site_network(data: Any, *, network_file: str = "") -> SiteNetwork:
    """The network for a partner's located sites: ``network_file``; the embedded tri-border network when
    every site lies in Luxembourg; otherwise OpenStreetMap (cache, mirror, download). Raises
    ``network.NetworkUnavailable`` (or ``CountsError`` when no site lies on the network)."""
    from .network import build_embedded_network
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
    data: Any,
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


# --- the decision section of a run ---------------------------------------------------------------


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
    city: pd.DataFrame | None = None  # synthetic data: the city trip on OpenStreetMap geometry
    city_note: str = ""


def decide(
    data: Any,
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


def real_network(kind: str) -> nx.MultiDiGraph:
    """OpenStreetMap road network of Luxembourg City: ``"lust_file"`` (the LuST extract of the data
    catalogue, fetched with ``livinglab.fetch``: cache, mirror or download) or ``"download"``."""
    import livinglab

    from .network import network_from_osm_download, network_from_osm_file

    if kind == "lust_file":
        return network_from_osm_file(livinglab.fetch("lust-luxembourg-osm").path)
    if kind == "download":
        return network_from_osm_download()
    raise ValueError(f"osm_network must be one of {', '.join(OSM_NETWORKS)}, not {kind!r}.")


def city_check(
    data: Any, predictions: pd.DataFrame, *, osm_network: str, latest_arrival: str, day
) -> tuple[pd.DataFrame | None, str]:
    """Synthetic data: the city trip timed on OpenStreetMap geometry with the forecasts of the simulator's
    stations (a table), or why not (a note)."""
    from .network import NetworkUnavailable

    if osm_network not in OSM_NETWORKS:
        raise ValueError(f"osm_network must be one of {', '.join(OSM_NETWORKS)}, not {osm_network!r}.")
    if osm_network == "none" or not data.synthetic or day is None:
        return None, ""
    import livinglab

    try:
        G = real_network(osm_network)
    except (livinglab.DataUnavailable, NetworkUnavailable) as exc:
        return None, f"OpenStreetMap network not available: {exc}"
    table, _ = compare_advice(
        data,
        predictions,
        origin=CITY_TRIP[0],
        destination=CITY_TRIP[1],
        latest_arrival=latest_arrival,
        days={"ordinary": day},
        G=G,
        stations=data.stations,
    )
    return (
        table,
        f"The same advisor on OpenStreetMap's Luxembourg City ({len(G):,} nodes), {CITY_TRIP[0]} to {CITY_TRIP[1]}:",
    )
