"""From forecast flows to travel times, routes and a departure advice.

1. Every directed edge of the network borrows the hourly volume/capacity ratio of a "donor"
   counting station: the station on that edge if there is one, otherwise the nearest station on
   the same road (then of the same road class), in the direction whose bearing matches the edge.
2. Edge travel times follow the BPR volume-delay function
   ``t = t0 * (1 + alpha * (v / c_practical) ** beta)`` (alpha 0.15, beta 4; practical capacity
   = 0.8 x the lanes x lane-capacity of the edge's class), with optional incidents that cut an
   edge's capacity for some hours.
3. Routes come from ``osmnx.routing.k_shortest_paths`` on free-flow travel times, kept when they
   differ in their border crossing or roads; a trip is timed hour by hour along the path (the edge
   time of the hour in which the car reaches the edge).
4. The departure advisor returns, per route, the latest departure whose P90 arrival is still on
   time, using the P90 flow forecasts (summing per-edge P90 times assumes the edges are congested
   together, which errs on the early side).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd

from .network import edges_frame

BPR_ALPHA = 0.15
BPR_BETA = 4.0
PRACTICAL_CAPACITY = 0.8


def bpr_travel_time(free_flow_s, volume, capacity, *, alpha: float = BPR_ALPHA, beta: float = BPR_BETA):
    """Bureau of Public Roads volume-delay function (vectorised)."""
    return np.asarray(free_flow_s) * (1.0 + alpha * (np.asarray(volume) / np.asarray(capacity)) ** beta)


def _bearing(dx, dy):
    norm = np.hypot(dx, dy)
    norm = np.where(norm == 0, 1.0, norm)
    return dx / norm, dy / norm


def edge_donors(G: nx.MultiDiGraph, stations: pd.DataFrame) -> pd.DataFrame:
    """For each directed edge, the station-direction whose volume/capacity ratio it borrows.

    ``stations`` come from ``network.attach_stations`` on ``G`` or on another graph in the same CRS
    (e.g. the embedded network's stations lending their forecasts to an OpenStreetMap graph): only
    their position, road, class and inbound bearing are used, plus the edge they sit on when it
    belongs to ``G``.

    Returns a frame indexed like the edges (u, v, key) with ``station_id``, ``direction`` (1 inbound,
    2 outbound), ``how`` (``on edge``, ``same road``, ``same class``, ``nearest``) and ``distance_m``.
    """
    edges = edges_frame(G)
    xs = nx.get_node_attributes(G, "x")
    ys = nx.get_node_attributes(G, "y")
    u = edges.index.get_level_values(0)
    v = edges.index.get_level_values(1)
    ex0, ey0 = u.map(xs).to_numpy(float), u.map(ys).to_numpy(float)
    ex1, ey1 = v.map(xs).to_numpy(float), v.map(ys).to_numpy(float)
    ebx, eby = _bearing(ex1 - ex0, ey1 - ey0)
    mx, my = (ex0 + ex1) / 2, (ey0 + ey1) / 2

    sx, sy = stations["x"].to_numpy(float), stations["y"].to_numpy(float)
    sin_x, sin_y = stations["inbound_dx"].to_numpy(float), stations["inbound_dy"].to_numpy(float)
    dist = np.hypot(mx[:, None] - sx[None, :], my[:, None] - sy[None, :])
    e_ref = edges["ref"].fillna("").astype(str).str.upper().to_numpy()
    e_cls = (
        edges["highway"]
        .map(lambda h: h[0] if isinstance(h, list) else h)
        .astype(str)
        .str.removesuffix("_link")
        .to_numpy()
    )
    s_road = stations["road"].astype(str).str.upper().to_numpy()
    s_cls = stations["highway"].astype(str).str.removesuffix("_link").to_numpy()
    same_road = (
        np.array([[r in ref.split(";") for r in s_road] for ref in e_ref])
        if len(e_ref)
        else np.zeros((0, len(s_road)), bool)
    )
    same_cls = e_cls[:, None] == s_cls[None, :]
    penalty = np.where(same_road, 0.0, np.where(same_cls, 20_000.0, 60_000.0))  # metres-equivalent preference
    best = np.argmin(dist + penalty, axis=1)
    rows = np.arange(len(edges))
    how = np.where(
        same_road[rows, best], "same road", np.where(same_cls[rows, best], "same class", "nearest")
    )
    align = ebx * sin_x[best] + eby * sin_y[best]
    direction = np.where(align >= 0, 1, 2)

    # A station on the edge itself wins (the first one when several posts share an edge).
    pairs = pd.MultiIndex.from_arrays([u, v])
    for direction_code, (cu, cv) in ((1, ("u_in", "v_in")), (2, ("u_out", "v_out"))):
        own = pd.Series(
            np.arange(len(stations)), index=pd.MultiIndex.from_arrays([stations[cu], stations[cv]])
        )
        own = own[~own.index.duplicated(keep="first")]
        pos = own.reindex(pairs).to_numpy()
        hit = ~np.isnan(pos)
        best[hit] = pos[hit].astype(int)
        direction[hit] = direction_code
        how[hit] = "on edge"
    out = pd.DataFrame(
        {
            "station_id": stations["station_id"].to_numpy()[best],
            "direction": direction,
            "how": how,
            "distance_m": np.round(dist[rows, best], 0),
        },
        index=edges.index,
    )
    return out


def station_flow_table(
    predictions: pd.DataFrame, date, *, horizon: int = 24, column: str = "p50"
) -> pd.DataFrame:
    """Forecast flows of one day: rows (station_id, direction), columns hours 0..23 (gaps interpolated)."""
    day = pd.Timestamp(date).normalize()
    sel = predictions[(predictions["horizon"] == horizon) & (predictions["timestamp"].dt.normalize() == day)]
    if sel.empty:
        raise ValueError(
            f"no horizon-{horizon} forecasts for {day.date()}: pick a day inside the backtest's test windows."
        )
    table = sel.pivot_table(
        index=["station_id", "direction"],
        columns=sel["timestamp"].dt.hour,
        values=column,
        aggfunc="first",
        observed=True,
    ).reindex(columns=range(24))
    return table.interpolate(axis=1, limit_direction="both")


def volume_capacity(flows: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Station flows (rows station_id, direction; columns hours) divided by the station capacity."""
    cap_col = "capacity_vph_sim" if "capacity_vph_sim" in stations else "capacity_vph"
    cap = stations.set_index("station_id")[cap_col]
    capacity = flows.index.get_level_values("station_id").map(cap).to_numpy(float)
    return flows.div(capacity, axis=0)


def edge_congestion(G: nx.MultiDiGraph, donors: pd.DataFrame, vc: pd.DataFrame) -> pd.DataFrame:
    """Volume/capacity ratio per directed edge (rows like ``donors``) and hour (columns of ``vc``)."""
    key = pd.MultiIndex.from_arrays([donors["station_id"], donors["direction"]])
    values = vc.reindex(key).to_numpy(float)
    return pd.DataFrame(values, index=donors.index, columns=vc.columns)


@dataclass(frozen=True)
class Incident:
    """A capacity cut on the directed edge ``u -> v`` from ``start_hour`` to ``end_hour`` (exclusive)."""

    u: object
    v: object
    start_hour: float
    end_hour: float
    capacity_factor: float = 0.5
    label: str = "incident"


def edge_travel_times(
    G: nx.MultiDiGraph, congestion: pd.DataFrame, incidents: list[Incident] | None = None
) -> pd.DataFrame:
    """BPR travel time (s) per directed edge and hour from the edges' volume/capacity ratios.

    The ratio is taken against the practical capacity (``PRACTICAL_CAPACITY`` x capacity); an
    incident divides the edge's capacity by its factor during its hours. An edge whose donor has no
    forecast for an hour gets a moderate load (ratio 0.3).
    """
    edges = edges_frame(G).reindex(congestion.index)
    t0 = edges["travel_time"].to_numpy(float)
    vc = np.nan_to_num(congestion.to_numpy(float), nan=0.3)
    factor = np.ones_like(vc)
    hours = np.asarray(congestion.columns, dtype=float)
    for inc in incidents or []:
        rows = (congestion.index.get_level_values(0) == inc.u) & (
            congestion.index.get_level_values(1) == inc.v
        )
        if not rows.any():
            raise ValueError(f"incident on {inc.u} -> {inc.v}: the network has no such edge.")
        cols = (hours >= np.floor(inc.start_hour)) & (hours < inc.end_hour)
        factor[np.ix_(rows, cols)] = np.minimum(factor[np.ix_(rows, cols)], inc.capacity_factor)
    tt = bpr_travel_time(t0[:, None], vc, PRACTICAL_CAPACITY * factor)
    return pd.DataFrame(tt, index=congestion.index, columns=congestion.columns)


def path_edges(G: nx.MultiDiGraph, path: list) -> list[tuple]:
    """The (u, v, key) edges of a node path, taking the fastest parallel edge."""
    out = []
    for a, b in zip(path[:-1], path[1:], strict=True):
        key = min(G[a][b], key=lambda k: G[a][b][k].get("travel_time", np.inf))
        out.append((a, b, key))
    return out


def arrival_seconds(tt: np.ndarray, departures_s: np.ndarray) -> np.ndarray:
    """Time-dependent trip: edge times ``tt`` (edges x hours, s) along the path, for many departures (s after midnight)."""
    t = np.asarray(departures_s, dtype=float).copy()
    last = tt.shape[1] - 1
    for edge_times in tt:  # one step per edge of the path, vectorised over departures
        hour = np.clip((t // 3600).astype(int), 0, last)
        t = t + edge_times[hour]
    return t


def describe_route(G: nx.MultiDiGraph, path: list) -> tuple[str, str]:
    """A short name (main roads in order) and the border crossing of a route."""
    refs = []
    edges = path_edges(G, path)
    for u, v, k in edges:
        ref = G[u][v][k].get("ref", "") or ""
        if ref and (not refs or refs[-1] != ref):
            refs.append(ref)
    if not refs:  # OpenStreetMap extracts without road numbers: the longest named streets instead
        named = [(G[u][v][k].get("length", 0.0), G[u][v][k].get("name")) for u, v, k in edges]
        lengths: dict[str, float] = {}
        for length, name in named:
            name = name[0] if isinstance(name, list) else name
            if isinstance(name, str) and name:
                lengths[name] = lengths.get(name, 0.0) + float(length)
        refs = sorted(lengths, key=lengths.get, reverse=True)[:3]
    crossing = next(
        (G.nodes[n].get("name", str(n)) for n in path if G.nodes[n].get("kind") == "border"), "no border"
    )
    return " - ".join(refs) if refs else "local roads", crossing


def candidate_routes(
    G: nx.MultiDiGraph, origin, destination, *, k: int = 3, search: int = 6, max_detour: float = 1.5
) -> list[list]:
    """Up to ``k`` routes that differ in border crossing or roads, fastest (free flow) first.

    Candidates: the ``search`` free-flow-shortest paths (``osmnx.routing.k_shortest_paths``) and,
    for every border crossing of the network, the fastest path through it; candidates slower than
    ``max_detour`` x the fastest are dropped. The best route of each crossing comes before a second
    route through the same crossing.
    """
    if origin not in G or destination not in G:
        missing = [n for n in (origin, destination) if n not in G]
        raise ValueError(
            f"unknown place(s) {', '.join(map(str, missing))}; use node ids such as 'THIONVILLE'."
        )
    candidates = list(ox.routing.k_shortest_paths(G, origin, destination, search, weight="travel_time"))
    crossings = [n for n, kind in G.nodes(data="kind") if kind == "border" and n not in (origin, destination)]
    for crossing in crossings:
        try:
            first = nx.shortest_path(G, origin, crossing, weight="travel_time")
            second = nx.shortest_path(G, crossing, destination, weight="travel_time")
        except nx.NetworkXNoPath:
            continue
        if first and second:
            path = first + second[1:]
            if len(set(path)) == len(path):
                candidates.append(path)

    def free_flow(path):
        return sum(G[u][v][key]["travel_time"] for u, v, key in path_edges(G, path))

    timed = sorted(((free_flow(p), p) for p in candidates), key=lambda x: x[0])
    fastest = timed[0][0]
    firsts, seconds, seen, crossings_seen = [], [], set(), set()
    for t, path in timed:
        if t > max_detour * fastest:
            break
        name, crossing = describe_route(G, path)
        if (crossing, name) in seen:
            continue
        seen.add((crossing, name))
        (seconds if crossing in crossings_seen else firsts).append(path)
        crossings_seen.add(crossing)
    return (firsts + seconds)[:k]


@dataclass
class DepartureAdvice:
    origin: str
    destination: str
    date: pd.Timestamp
    latest_arrival: pd.Timestamp
    routes: (
        pd.DataFrame
    )  # one row per route: name, crossing, free-flow and P50/P90 trip minutes, latest departure
    curves: pd.DataFrame  # route, departure, arrival_p50, arrival_p90 (for plots)
    paths: dict[str, list]

    @property
    def best(self) -> pd.Series:
        ok = self.routes.dropna(subset=["latest_departure"])
        if ok.empty:
            return self.routes.iloc[0]
        return ok.sort_values("latest_departure", ascending=False).iloc[0]

    def summary(self) -> str:
        b = self.best
        if pd.isna(b["latest_departure"]):
            return (
                f"No route reaches {self.destination} by {self.latest_arrival:%H:%M} with 90% confidence "
                f"when leaving in the searched window."
            )
        return (
            f"Leave {self.origin} by {b['latest_departure']:%H:%M} via {b['route']} ({b['crossing']}): "
            f"with 90% confidence you reach {self.destination} by {self.latest_arrival:%H:%M} "
            f"(typical trip {b['trip_p50_min']:.0f} min, allow {b['trip_p90_min']:.0f} min)."
        )


def advise_departure(
    G: nx.MultiDiGraph,
    donors: pd.DataFrame,
    vc_p50: pd.DataFrame,
    vc_p90: pd.DataFrame,
    *,
    origin,
    destination,
    date,
    latest_arrival: str,
    incidents: list[Incident] | None = None,
    k: int = 3,
    step_minutes: int = 2,
    window_hours: float = 4.0,
) -> DepartureAdvice:
    """Latest departure per route whose P90 arrival is no later than ``latest_arrival`` (``"HH:MM"``).

    ``vc_p50``/``vc_p90``: station volume/capacity ratios of that day (rows station_id, direction;
    columns hours 0..23), from the P50 and P90 forecasts (``volume_capacity``).
    """
    day = pd.Timestamp(date).normalize()
    arrive = day + pd.Timedelta(latest_arrival + ":00" if latest_arrival.count(":") == 1 else latest_arrival)
    arrive_s = (arrive - day).total_seconds()
    departures = np.arange(max(0.0, arrive_s - window_hours * 3600), arrive_s + 1, step_minutes * 60.0)
    tt = {
        q: edge_travel_times(G, edge_congestion(G, donors, vc), incidents)
        for q, vc in (("p50", vc_p50), ("p90", vc_p90))
    }
    rows, curves, paths = [], [], {}
    for path in candidate_routes(G, origin, destination, k=k):
        name, crossing = describe_route(G, path)
        edges = path_edges(G, path)
        free = sum(G[u][v][key]["travel_time"] for u, v, key in edges)
        arr = {q: arrival_seconds(tt[q].loc[edges].to_numpy(float), departures) for q in tt}
        on_time = arr["p90"] <= arrive_s
        latest = departures[on_time].max() if on_time.any() else np.nan
        label = f"{name} ({crossing})"
        paths[label] = path
        ref_dep = latest if np.isfinite(latest) else departures[0]
        i = int(np.argmin(np.abs(departures - ref_dep)))
        rows.append(
            {
                "route": name,
                "crossing": crossing,
                "free_flow_min": free / 60,
                "trip_p50_min": (arr["p50"][i] - departures[i]) / 60,
                "trip_p90_min": (arr["p90"][i] - departures[i]) / 60,
                "latest_departure": day + pd.Timedelta(seconds=float(latest))
                if np.isfinite(latest)
                else pd.NaT,
                "label": label,
            }
        )
        curves.append(
            pd.DataFrame(
                {
                    "route": label,
                    "departure": day + pd.to_timedelta(departures, unit="s"),
                    "arrival_p50": day + pd.to_timedelta(arr["p50"], unit="s"),
                    "arrival_p90": day + pd.to_timedelta(arr["p90"], unit="s"),
                }
            )
        )
    routes = (
        pd.DataFrame(rows)
        .sort_values("latest_departure", ascending=False, na_position="last")
        .reset_index(drop=True)
    )
    return DepartureAdvice(
        str(origin), str(destination), day, arrive, routes, pd.concat(curves, ignore_index=True), paths
    )


def incident_between(
    G: nx.MultiDiGraph,
    a,
    b,
    start_hour: float,
    end_hour: float,
    capacity_factor: float = 0.5,
    label: str = "incident",
) -> Incident:
    """An incident on the direct road from place ``a`` to place ``b`` (a directed edge of ``G``)."""
    if not G.has_edge(a, b):
        raise ValueError(f"no direct road from {a} to {b} in the network.")
    return Incident(a, b, start_hour, end_hour, capacity_factor, label)
