"""Road networks for the pilot, all as osmnx graphs projected to LUREF (EPSG:2169).

- ``build_embedded_network()``: the schematic tri-border network from the committed reference tables
  (real places, road numbers, classes, lanes, speed limits), built with ``osmnx.graph_from_gdfs``; no
  download.
- ``network_from_osm_file(path)``: the same pipeline on an OpenStreetMap XML extract
  (``osmnx.graph_from_xml``), e.g. the LuST Luxembourg City file of the data mirror.
- ``network_from_osm_download(bbox)``: OpenStreetMap for the Schengen area via the Overpass API, cached
  as GraphML; refuses at once, with a sentence, when the machine is offline.

``attach_stations`` puts counting posts on edges of any of these graphs and tells which direction of
the road is "inbound" (towards Luxembourg City).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from shapely.geometry import Point

from .reference import load_places, load_segments

CRS_METRIC = "EPSG:2169"  # LUREF / Luxembourg TM
CRS_WGS84 = "EPSG:4326"
# Maximum flow per lane and hour by road class (HCM-style orders of magnitude for free-flowing
# sections; urban primaries are limited by junctions). Used for capacities of edges.
LANE_CAPACITY_VPH = {"motorway": 1900, "trunk": 1700, "primary": 1100, "secondary": 800, "tertiary": 700}
DEFAULT_LANE_CAPACITY_VPH = 600
# Straight segments are shorter than the real road (road-network circuity is about 1.2-1.3).
DETOUR_FACTOR = {"motorway": 1.2, "trunk": 1.2}
DEFAULT_DETOUR_FACTOR = 1.3
# Free-flow speed as a share of the speed limit (junctions, curves, towns on the primaries): osmnx
# takes the limit itself, which makes trips too fast on a schematic network.
FREE_FLOW_SHARE = {"motorway": 0.85, "trunk": 0.85, "primary": 0.75}
CITY_PLACES = ("LUX_GARE", "LUX_CENTRE", "LUX_KIRCHBERG", "LUX_CLOCHE_DOR")
# Schengen tri-border area: Thionville/Metz to Trier, Arlon to Saarlouis (west, south, east, north).
SCHENGEN_BBOX = (5.70, 49.10, 6.80, 49.90)
DRIVE_FILTER = '["highway"~"motorway|motorway_link|trunk|trunk_link|primary|primary_link"]'


class NetworkUnavailable(RuntimeError):
    """A real-data network was asked for but cannot be obtained (offline, file missing)."""


def configure_osmnx_offline_safe(timeout: float = 5) -> None:
    """Settings that make an osmnx download fail fast instead of stalling when the network is blocked."""
    ox.settings.overpass_rate_limit = False
    ox.settings.requests_timeout = timeout
    ox.settings.doh_url_template = None


def lane_capacity(highway: pd.Series | str) -> pd.Series | int:
    """Capacity of one lane (veh/h) for an OSM highway class (``motorway_link`` counts as ``motorway``)."""
    if isinstance(highway, str):
        return LANE_CAPACITY_VPH.get(highway.removesuffix("_link"), DEFAULT_LANE_CAPACITY_VPH)
    base = highway.astype(str).str.removesuffix("_link")
    return base.map(LANE_CAPACITY_VPH).fillna(DEFAULT_LANE_CAPACITY_VPH).astype(int)


def _finish(
    G: nx.MultiDiGraph,
    *,
    hwy_speeds: dict[str, float] | None = None,
    fallback: float = 50.0,
    free_flow_share: dict[str, float] | None = None,
    crs: str | None = CRS_METRIC,
) -> nx.MultiDiGraph:
    """Speeds and free-flow travel times from osmnx, capacities, then projection to LUREF.

    ``free_flow_share`` scales osmnx's speed (from the speed limit) per road class before the
    travel times are computed. ``crs`` None projects to the local UTM zone (osmnx's choice).
    """
    G = ox.add_edge_speeds(G, hwy_speeds=hwy_speeds, fallback=fallback)
    if free_flow_share:
        for _, _, data in G.edges(data=True):
            highway = data.get("highway", "")
            highway = highway[0] if isinstance(highway, list) else str(highway)
            data["speed_limit_kph"] = data["speed_kph"]
            data["speed_kph"] = round(data["speed_kph"] * free_flow_share.get(highway, 1.0), 1)
    G = ox.add_edge_travel_times(G)
    for _, _, data in G.edges(data=True):
        highway = data.get("highway", "")
        highway = highway[0] if isinstance(highway, list) else str(highway)
        lanes = _lanes_per_direction(data.get("lanes"), data.get("oneway", True))
        data["lanes_dir"] = lanes
        data["capacity_vph"] = float(lanes * lane_capacity(highway))
        ref = data.get("ref", "")
        data["ref"] = ";".join(map(str, ref)) if isinstance(ref, list) else ("" if ref is None else str(ref))
    return ox.project_graph(G, to_crs=crs)


def _lanes_per_direction(lanes, oneway) -> int:
    """OSM ``lanes`` counts both directions on two-way roads; the embedded table gives it per direction."""
    if isinstance(lanes, list):
        lanes = lanes[0]
    try:
        value = int(float(lanes))
    except (TypeError, ValueError):
        return 1
    if isinstance(oneway, str):
        oneway = oneway.lower() in ("yes", "true", "1")
    return max(1, value if oneway else value // 2)


def build_embedded_network() -> nx.MultiDiGraph:
    """The schematic tri-border network from the reference tables, as a projected osmnx graph.

    Nodes are the reference places (ids such as ``"THIONVILLE"``, ``"LUX_KIRCHBERG"``); every segment
    becomes two directed edges carrying ``ref`` (road number), ``highway``, ``lanes`` (per direction),
    ``maxspeed``, ``length`` (m, great-circle x circuity), ``capacity_vph``, and from osmnx
    ``speed_kph`` (the limit times ``FREE_FLOW_SHARE``) and ``travel_time`` (s).
    """
    places = load_places()
    segments = load_segments()
    unknown = sorted(set(segments["u"]).union(segments["v"]) - set(places.index))
    if unknown:
        raise ValueError(f"segments.csv names places that places.csv lacks: {', '.join(unknown)}.")

    nodes = gpd.GeoDataFrame(
        {
            "x": places["lon"],
            "y": places["lat"],
            "name": places["name"],
            "kind": places["kind"],
            "country": places["country"],
            "region": places["region"],
        },
        geometry=gpd.points_from_xy(places["lon"], places["lat"]),
        crs=CRS_WGS84,
    )
    nodes.index.name = "osmid"

    both = pd.concat([segments, segments.rename(columns={"u": "v", "v": "u"})], ignore_index=True)
    both["segment_id"] = np.tile(np.arange(len(segments)), 2)
    p = places.loc[both["u"]]
    q = places.loc[both["v"]]
    geometry = shapely.linestrings(
        np.stack([np.column_stack([p["lon"], p["lat"]]), np.column_stack([q["lon"], q["lat"]])], axis=1)
    )
    great_circle = ox.distance.great_circle(
        p["lat"].to_numpy(), p["lon"].to_numpy(), q["lat"].to_numpy(), q["lon"].to_numpy()
    )
    detour = both["highway"].map(DETOUR_FACTOR).fillna(DEFAULT_DETOUR_FACTOR).to_numpy()
    edges = gpd.GeoDataFrame(
        {
            "u": both["u"],
            "v": both["v"],
            "key": both.groupby(["u", "v"]).cumcount(),
            "osmid": both["segment_id"],
            "ref": both["road"],
            "highway": both["highway"],
            "lanes": both["lanes"].astype(int),
            "maxspeed": both["maxspeed"].astype(str),
            "oneway": True,
            "reversed": False,
            "length": np.round(great_circle * detour, 1),
            "name": both["road"] + " " + p["name"].to_numpy() + " - " + q["name"].to_numpy(),
        },
        geometry=geometry,
        crs=CRS_WGS84,
    ).set_index(["u", "v", "key"])
    G = ox.graph_from_gdfs(
        nodes, edges, graph_attrs={"crs": CRS_WGS84, "name": "embedded tri-border network"}
    )
    return _finish(G, free_flow_share=FREE_FLOW_SHARE)


def network_from_osm_file(path: str | Path, *, crs: str | None = CRS_METRIC) -> nx.MultiDiGraph:
    """An OpenStreetMap XML extract as a drivable, projected graph with speeds, travel times, capacities.

    ``crs`` None: the local UTM zone (for networks outside Luxembourg)."""
    path = Path(path)
    if not path.is_file():
        raise NetworkUnavailable(
            f"OpenStreetMap file {path} does not exist; pass an .osm extract or use the "
            "embedded network (network_source='embedded')."
        )
    G = ox.graph_from_xml(path, simplify=True, retain_all=False)
    drivable = {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "residential",
        "unclassified",
        "living_street",
    }
    keep = [
        (u, v, k)
        for u, v, k, h in G.edges(keys=True, data="highway")
        if (h[0] if isinstance(h, list) else h) in drivable
    ]
    G = G.edge_subgraph(keep).copy()
    G = ox.truncate.largest_component(G, strongly=True)
    G.graph["name"] = f"OpenStreetMap extract {path.name}"
    return _finish(
        G,
        crs=crs,
        hwy_speeds={
            "motorway": 110,
            "trunk": 90,
            "primary": 50,
            "secondary": 50,
            "tertiary": 50,
            "residential": 30,
        },
    )


def network_from_osm_download(
    bbox: tuple[float, float, float, float] = SCHENGEN_BBOX, *, cache_dir: str | Path | None = None
) -> nx.MultiDiGraph:
    """Motorways, trunks and primaries of the Schengen area from OpenStreetMap (Overpass), cached as GraphML.

    A cached copy is used without any network access. Offline (``LIVINGLAB_OFFLINE=1``) with no
    cached copy this raises ``NetworkUnavailable`` before trying to connect.
    """
    from livinglab.paths import cache_dir as default_cache

    folder = Path(cache_dir) if cache_dir else default_cache() / "osm"
    target = folder / ("schengen_" + "_".join(f"{c:.2f}" for c in bbox) + ".graphml")
    if target.is_file():
        G = ox.load_graphml(target)
        G.graph["name"] = f"OpenStreetMap (cached {target.name})"
        return G
    if os.environ.get("LIVINGLAB_OFFLINE", "").strip().lower() in ("1", "true", "yes"):
        raise NetworkUnavailable(
            f"Downloading OpenStreetMap is disabled offline (LIVINGLAB_OFFLINE=1) and there is no cached copy at "
            f"{target}; use network_source='embedded' or 'osm_file', or run once online."
        )
    configure_osmnx_offline_safe()
    try:
        G = ox.graph_from_bbox(bbox, custom_filter=DRIVE_FILTER, simplify=True, retain_all=False)
    except Exception as exc:  # requests/overpass errors come in many types
        raise NetworkUnavailable(
            f"OpenStreetMap download for {bbox} failed ({type(exc).__name__}: {exc}); "
            "use the embedded network or a local .osm file."
        ) from exc
    G = _finish(G, hwy_speeds={"motorway": 120, "trunk": 90, "primary": 70})
    folder.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(G, target)
    return G


def edges_frame(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """The graph's edges as a GeoDataFrame (index u, v, key) in the graph's CRS."""
    return ox.graph_to_gdfs(G, nodes=False, edges=True)


def nodes_frame(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    return ox.graph_to_gdfs(G, nodes=True, edges=False)


def city_nodes(G: nx.MultiDiGraph) -> list:
    """Graph nodes that stand for Luxembourg City (the reference districts, or the nodes nearest to them)."""
    present = [p for p in CITY_PLACES if p in G.nodes]
    if present:
        return present
    places = load_places().loc[list(CITY_PLACES)]
    pts = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]), crs=CRS_WGS84).to_crs(
        G.graph["crs"]
    )
    return sorted(set(ox.distance.nearest_nodes(G, pts.x.to_numpy(), pts.y.to_numpy()).tolist()))


def attach_stations(G: nx.MultiDiGraph, posts: pd.DataFrame, *, max_snap_m: float = 2500.0) -> pd.DataFrame:
    """Put counting posts on edges of ``G``: the nearest edge of the same road, else the nearest edge.

    Returns one row per post that lies within ``max_snap_m`` of the graph, with the inbound edge
    (``u_in``, ``v_in``: the direction that gets closer to Luxembourg City) and the outbound edge
    (``u_out``, ``v_out``), its unit bearing (``inbound_dx``, ``inbound_dy``), the snapping distance,
    LUREF coordinates and the edge attributes
    (``highway``, ``lanes_dir``, ``capacity_vph``, ``speed_kph``). Posts too far from the graph are
    left out and listed in ``result.attrs["dropped"]``.
    """
    needed = {"station_id", "road", "lat", "lon"}
    missing = needed - set(posts.columns)
    if missing:
        raise ValueError(f"posts lack column(s) {', '.join(sorted(missing))}.")
    edges = edges_frame(G).reset_index()
    pts = gpd.GeoSeries(gpd.points_from_xy(posts["lon"], posts["lat"]), crs=CRS_WGS84).to_crs(G.graph["crs"])
    point_arr = np.asarray(pts.values)
    line_arr = np.asarray(edges.geometry.values)
    dist = shapely.distance(point_arr[:, None], line_arr[None, :])  # posts x edges, metres
    refs = edges["ref"].fillna("").astype(str).str.upper().str.split(";")
    road = posts["road"].astype(str).str.upper().to_numpy()
    same_road = (
        np.array([[r in ref for ref in refs] for r in road]) if len(edges) else np.zeros((len(posts), 0))
    )
    masked = np.where(same_road, dist, np.inf)
    has_same = np.isfinite(masked).any(axis=1) & (masked.min(axis=1, initial=np.inf) <= max_snap_m)
    best = np.where(has_same, masked.argmin(axis=1), dist.argmin(axis=1))
    snap = dist[np.arange(len(posts)), best]

    chosen = edges.iloc[best].reset_index(drop=True)
    city = city_nodes(G)
    to_city = nx.multi_source_dijkstra_path_length(G.reverse(copy=False), city, weight="length")
    du = chosen["u"].map(to_city).astype(float).to_numpy()
    dv = chosen["v"].map(to_city).astype(float).to_numpy()
    inbound_is_uv = ~(dv > du)  # ties (and unreachable) count as inbound
    u_in = np.where(inbound_is_uv, chosen["u"].to_numpy(dtype=object), chosen["v"].to_numpy(dtype=object))
    v_in = np.where(inbound_is_uv, chosen["v"].to_numpy(dtype=object), chosen["u"].to_numpy(dtype=object))

    out = posts.reset_index(drop=True).copy()
    out["u_in"], out["v_in"] = u_in, v_in
    out["u_out"], out["v_out"] = v_in, u_in
    out["snap_m"] = np.round(snap, 1)
    out["matched_road"] = has_same
    out["x"], out["y"] = pts.x.to_numpy(), pts.y.to_numpy()
    xs, ys = nx.get_node_attributes(G, "x"), nx.get_node_attributes(G, "y")
    dx = pd.Series(v_in).map(xs).to_numpy(float) - pd.Series(u_in).map(xs).to_numpy(float)
    dy = pd.Series(v_in).map(ys).to_numpy(float) - pd.Series(u_in).map(ys).to_numpy(float)
    norm = np.where(np.hypot(dx, dy) > 0, np.hypot(dx, dy), 1.0)
    out["inbound_dx"], out["inbound_dy"] = dx / norm, dy / norm  # unit bearing of the inbound direction
    for col in ("highway", "lanes_dir", "capacity_vph", "speed_kph", "ref"):
        out["edge_" + col if col == "ref" else col] = chosen[col].to_numpy()
    out["highway"] = out["highway"].map(lambda h: h[0] if isinstance(h, list) else h)
    has_reverse = np.array([G.has_edge(a, b) for a, b in zip(out["u_out"], out["v_out"], strict=True)])
    keep = (snap <= max_snap_m) & has_reverse
    result = out[keep].reset_index(drop=True)
    result.attrs["dropped"] = out.loc[~keep, "station_id"].tolist()
    return result


# Cross-border commuters to Luxembourg by home country: about half from France, a quarter each from
# Belgium and Germany (STATEC via RTL, 2022; FACTS.md). The German quarter is split evenly between
# Saarland and Rhineland-Palatinate (an assumption).
COMMUTER_ORIGIN_SHARES = {"FR": 0.5, "BE": 0.25, "DE-SL": 0.125, "DE-RP": 0.125}


CROSSING_WEIGHT = {"motorway": 3.0, "trunk": 2.0}  # how a region's commuters split over its crossings


def commuter_assignment(G: nx.MultiDiGraph) -> pd.DataFrame:
    """All-or-nothing assignment of each region's cross-border commuters to the road network.

    Each region's share (``COMMUTER_ORIGIN_SHARES``) is split over its border crossings in the graph
    (motorway crossing 3, trunk 2, other 1), and sent along the fastest free-flow path from the crossing
    to each Luxembourg-City district. Returns, per undirected edge ``(a, b)`` (sorted pair), the flow
    share of each region that passes it. Empty when the graph has no border-crossing nodes.
    """
    from .reference import NEIGHBOUR_REGIONS

    places = load_places()
    crossings = places[(places["kind"] == "border") & places.index.isin(list(G.nodes))]
    if crossings.empty:
        return pd.DataFrame(columns=list(NEIGHBOUR_REGIONS))
    dests = city_nodes(G)
    best_class = {}
    for u, v, h in G.edges(data="highway"):
        for node in (u, v):
            best_class[node] = max(best_class.get(node, 1.0), CROSSING_WEIGHT.get(str(h), 1.0))
    weight = crossings.index.map(best_class).to_series(index=crossings.index).astype(float)
    volume = (
        weight
        / weight.groupby(crossings["region"]).transform("sum")
        * crossings["region"].map(COMMUTER_ORIGIN_SHARES)
    )
    records = []
    for crossing, region in crossings["region"].items():
        paths = nx.single_source_dijkstra_path(G, crossing, weight="travel_time")
        for dest in dests:
            path = paths.get(dest)
            if not path:
                continue
            share = volume[crossing] / len(dests)
            records += [
                (min(a, b), max(a, b), region, share) for a, b in zip(path[:-1], path[1:], strict=True)
            ]
    flows = pd.DataFrame(records, columns=["a", "b", "region", "share"])
    table = flows.pivot_table(
        index=["a", "b"], columns="region", values="share", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(columns=list(NEIGHBOUR_REGIONS), fill_value=0.0)


def region_shares(
    stations: pd.DataFrame,
    G: nx.MultiDiGraph | None = None,
    *,
    scale_km: float = 8.0,
    local_weight: float = 0.12,
    proximity_weight: float = 0.3,
) -> pd.DataFrame:
    """Assumed origin mix of each station's traffic: Luxembourg and the neighbouring holiday regions.

    Two ingredients, both assumptions of the simulator (stated in the pilot card), not a measured
    origin-destination matrix:

    - route: the share of each region's commuters that ``commuter_assignment`` sends over the
      station's edge (needs ``G`` with border crossings and ``u_in``/``v_in`` columns);
    - proximity: ``COMMUTER_ORIGIN_SHARES[r] * exp(-d_r / scale_km)``, ``d_r`` the distance to the
      nearest crossing towards region ``r`` (traffic near a border is partly from that side even off
      the main commuter routes), weighted by ``proximity_weight``.

    Luxembourg's own traffic weighs ``local_weight``; the shares are the weights normalised (about
    60-70% cross-border next to a border, under 10% in the north).
    """
    from .reference import NEIGHBOUR_REGIONS

    places = load_places()
    crossings = places[places["kind"] == "border"]
    cross_pts = gpd.GeoSeries(gpd.points_from_xy(crossings["lon"], crossings["lat"]), crs=CRS_WGS84).to_crs(
        CRS_METRIC
    )
    post_pts = gpd.GeoSeries(gpd.points_from_xy(stations["lon"], stations["lat"]), crs=CRS_WGS84).to_crs(
        CRS_METRIC
    )
    d_km = (
        shapely.distance(np.asarray(post_pts.values)[:, None], np.asarray(cross_pts.values)[None, :]) / 1000.0
    )
    weights = {"LU": np.full(len(stations), local_weight)}
    for region in NEIGHBOUR_REGIONS:
        cols = (crossings["region"] == region).to_numpy()
        weights[region] = (
            proximity_weight * COMMUTER_ORIGIN_SHARES[region] * np.exp(-d_km[:, cols].min(axis=1) / scale_km)
        )
    frame = pd.DataFrame(weights, index=stations.index)
    if G is not None and {"u_in", "v_in"} <= set(stations.columns):
        assigned = commuter_assignment(G)
        if not assigned.empty:
            keys = pd.MultiIndex.from_arrays(
                [
                    np.minimum(stations["u_in"].astype(str), stations["v_in"].astype(str)),
                    np.maximum(stations["u_in"].astype(str), stations["v_in"].astype(str)),
                ]
            )
            assigned.index = pd.MultiIndex.from_arrays(
                [
                    assigned.index.get_level_values(0).astype(str),
                    assigned.index.get_level_values(1).astype(str),
                ]
            )
            on_route = assigned.reindex(keys).fillna(0.0).to_numpy()
            frame[list(NEIGHBOUR_REGIONS)] += on_route
    return frame.div(frame.sum(axis=1), axis=0)


def place_point(place_id: str, G: nx.MultiDiGraph | None = None) -> Point:
    """A reference place as a point in LUREF (or in ``G``'s CRS)."""
    row = load_places().loc[place_id]
    crs = G.graph["crs"] if G is not None else CRS_METRIC
    return gpd.GeoSeries([Point(row["lon"], row["lat"])], crs=CRS_WGS84).to_crs(crs).iloc[0]
