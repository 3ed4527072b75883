"""The road network around anyone's counting sites, and what the advisor needs from it.

``network_for_sites(sites, network_file=...)`` returns a drivable, projected osmnx graph covering the
sites, from the first source that has it:

1. ``network_file``: an OpenStreetMap ``.osm`` extract or a ``.graphml`` graph the user gives;
2. the cache (``livinglab`` cache folder ``osm/``): a graph saved by an earlier run for the same area;
3. the data mirror (``$LIVINGLAB_DATA_MIRROR/osm/``): a ``.graphml`` or ``.osm`` file whose extent covers
   the sites;
4. a download from OpenStreetMap (Overpass), with osmnx's offline-safe settings (no rate-limit pause,
   5 s timeouts), saved to the cache; refused at once when ``LIVINGLAB_OFFLINE=1``.

Each failure is a ``NetworkUnavailable`` with one sentence; the notebook then skips the network part and
says why. Sites are snapped to the nearest edge (of the same road when the site table names it); every
edge borrows the forecast of the nearest site on the same road or class. The data's directions are not
matched to the road's: a site's forecast (all directions together) is split equally over the two
directions of its road, which the pages say.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely

from .network import (
    CRS_WGS84,
    NetworkUnavailable,
    _finish,
    configure_osmnx_offline_safe,
    edges_frame,
    network_from_osm_file,
)

MARGIN_KM = 3.0
#: the roads downloaded around counting sites (motorways to secondary roads and their links)
SITES_FILTER = (
    '["highway"~"motorway|motorway_link|trunk|trunk_link|primary|primary_link|secondary|secondary_link"]'
)
ALL_DIRECTIONS = "all"


def sites_bbox(sites: pd.DataFrame, margin_km: float = MARGIN_KM) -> tuple[float, float, float, float]:
    """(west, south, east, north) around the located sites plus ``margin_km``."""
    s = sites.dropna(subset=["lon", "lat"])
    dlat = margin_km / 111.0
    dlon = margin_km / (111.0 * max(np.cos(np.radians(s["lat"].mean())), 0.2))
    return (
        round(float(s["lon"].min() - dlon), 3),
        round(float(s["lat"].min() - dlat), 3),
        round(float(s["lon"].max() + dlon), 3),
        round(float(s["lat"].max() + dlat), 3),
    )


def _offline() -> bool:
    return os.environ.get("LIVINGLAB_OFFLINE", "").strip().lower() in ("1", "true", "yes")


def _covers(G: nx.MultiDiGraph, bbox) -> bool:
    nodes = ox.graph_to_gdfs(G, edges=False).to_crs(CRS_WGS84)
    w, s, e, n = nodes.total_bounds
    return bool(w <= bbox[0] + 0.02 and s <= bbox[1] + 0.02 and e >= bbox[2] - 0.02 and n >= bbox[3] - 0.02)


def read_network_file(path: str | Path) -> nx.MultiDiGraph:
    """A ``.osm`` (OpenStreetMap XML) or ``.graphml`` file as a projected drivable graph (local UTM)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise NetworkUnavailable(f"network_file {path} does not exist; give an .osm or .graphml file.")
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        G = ox.load_graphml(path)
        if "travel_time" not in next(iter(G.edges(data=True)), (0, 0, {}))[2]:
            G = _finish(G, crs=None)
        elif not ox.projection.is_projected(G.graph["crs"]):
            G = ox.project_graph(G)
        G.graph.setdefault("name", f"road network {path.name}")
        return G
    if suffix in (".osm", ".xml"):
        return network_from_osm_file(path, crs=None)
    raise NetworkUnavailable(f"network_file {path.name}: expected an .osm or .graphml file, not {suffix!r}.")


def network_for_sites(
    sites: pd.DataFrame, *, network_file: str = "", cache_dir: str | Path | None = None
) -> tuple[nx.MultiDiGraph, str]:
    """The network covering ``sites`` and a sentence saying where it came from (see the module docstring)."""
    if network_file:
        G = read_network_file(network_file)
        return G, f"road network from the file {Path(network_file).name}"
    from livinglab.paths import cache_dir as default_cache

    bbox = sites_bbox(sites)
    key = hashlib.sha256(repr(bbox).encode()).hexdigest()[:12]
    folder = Path(cache_dir) if cache_dir else default_cache() / "osm"
    cached = folder / f"sites_{key}.graphml"
    if cached.is_file():
        G = ox.load_graphml(cached)
        return G, f"OpenStreetMap road network from the cache ({cached.name})"
    mirror = os.environ.get("LIVINGLAB_DATA_MIRROR", "")
    for candidate in sorted(Path(mirror, "osm").glob("*")) if mirror else []:
        if candidate.suffix.lower() not in (".graphml", ".osm"):
            continue
        try:
            G = read_network_file(candidate)
        except Exception:  # a mirror file that does not read is skipped, the next one is tried
            continue
        if _covers(G, bbox):
            return G, f"OpenStreetMap road network from the data mirror ({candidate.name})"
    if _offline():
        raise NetworkUnavailable(
            f"no road network for the sites' area {bbox}: none cached or in the data mirror, and downloads are "
            "off (LIVINGLAB_OFFLINE=1); give -p network_file with an .osm or .graphml file, or run once online."
        )
    configure_osmnx_offline_safe()
    try:
        G = ox.graph_from_bbox(bbox, custom_filter=SITES_FILTER)
    except Exception as exc:  # requests/overpass errors come in many types
        raise NetworkUnavailable(
            f"OpenStreetMap download for {bbox} failed ({type(exc).__name__}: {str(exc)[:120]}); "
            "give -p network_file with an .osm or .graphml file."
        ) from exc
    G = _finish(G, hwy_speeds={"motorway": 110, "trunk": 90, "primary": 70, "secondary": 60}, crs=None)
    folder.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(G, cached)
    return G, f"OpenStreetMap road network downloaded for {bbox} (cached as {cached.name})"


def _first(value):
    return value[0] if isinstance(value, list) else value


def snap_sites(G: nx.MultiDiGraph, sites: pd.DataFrame, *, max_snap_m: float = 1000.0) -> pd.DataFrame:
    """Each located site on its nearest edge (of the same road when ``road`` is given and found).

    Returns one row per site within ``max_snap_m`` of the graph: station_id, name, road, lon, lat, x, y
    (graph CRS), u, v, key, snap_m, highway, capacity_vph (one direction), two_way; ``attrs["dropped"]``
    lists the others.
    """
    located = sites.dropna(subset=["lon", "lat"]).reset_index(drop=True)
    edges = edges_frame(G).reset_index()
    pts = gpd.GeoSeries(gpd.points_from_xy(located["lon"], located["lat"]), crs=CRS_WGS84).to_crs(
        G.graph["crs"]
    )
    tree = shapely.STRtree(np.asarray(edges.geometry.values))
    nearest, dist = tree.query_nearest(np.asarray(pts.values), return_distance=True, all_matches=False)
    best = np.full(len(located), -1)
    best[nearest[0]] = nearest[1]
    snap = np.full(len(located), np.inf)
    snap[nearest[0]] = dist
    road = located.get("road", pd.Series("", index=located.index)).astype(str).str.upper().str.strip()
    refs = edges.get("ref", pd.Series("", index=edges.index)).map(_first).fillna("").astype(str).str.upper()
    for i in np.flatnonzero(road.to_numpy() != ""):
        same = np.flatnonzero(refs.str.split(";").map(lambda r, want=road.iloc[i]: want in r).to_numpy())
        if len(same):
            d = shapely.distance(pts.values[i], np.asarray(edges.geometry.values[same]))
            j = int(np.argmin(d))
            if d[j] <= max_snap_m:
                best[i], snap[i] = same[j], d[j]
    chosen = edges.iloc[np.maximum(best, 0)].reset_index(drop=True)
    out = located[[c for c in ("station_id", "name", "road", "lon", "lat") if c in located]].copy()
    out["x"], out["y"] = pts.x.to_numpy(), pts.y.to_numpy()
    out["u"], out["v"], out["key"] = chosen["u"].to_numpy(), chosen["v"].to_numpy(), chosen["key"].to_numpy()
    out["snap_m"] = np.round(snap, 1)
    out["highway"] = chosen["highway"].map(_first).astype(str).to_numpy()
    out["capacity_vph"] = chosen["capacity_vph"].astype(float).to_numpy()
    out["two_way"] = [G.has_edge(b, a) for a, b in zip(out["u"], out["v"], strict=True)]
    keep = (best >= 0) & (snap <= max_snap_m)
    result = out[keep].reset_index(drop=True)
    result.attrs["dropped"] = out.loc[~keep, "station_id"].astype(str).tolist()
    return result


def site_donors(G: nx.MultiDiGraph, snapped: pd.DataFrame) -> pd.DataFrame:
    """Per directed edge, the site whose forecast it borrows: the site on the edge, else the nearest site on
    the same road, then of the same class, then the nearest (``how``, ``distance_m``)."""
    edges = edges_frame(G)
    xs, ys = nx.get_node_attributes(G, "x"), nx.get_node_attributes(G, "y")
    u = edges.index.get_level_values(0)
    v = edges.index.get_level_values(1)
    mx = (u.map(xs).to_numpy(float) + v.map(xs).to_numpy(float)) / 2
    my = (u.map(ys).to_numpy(float) + v.map(ys).to_numpy(float)) / 2
    dist = np.hypot(
        mx[:, None] - snapped["x"].to_numpy(float)[None, :],
        my[:, None] - snapped["y"].to_numpy(float)[None, :],
    )
    e_cls = edges["highway"].map(_first).astype(str).str.removesuffix("_link").to_numpy()
    s_cls = snapped["highway"].astype(str).str.removesuffix("_link").to_numpy()
    e_ref = (
        edges.get("ref", pd.Series("", index=edges.index))
        .map(_first)
        .fillna("")
        .astype(str)
        .str.upper()
        .to_numpy()
    )
    s_road = snapped.get("road", pd.Series("", index=snapped.index)).astype(str).str.upper().to_numpy()
    same_road = (e_ref[:, None] == s_road[None, :]) & (s_road[None, :] != "")
    same_cls = e_cls[:, None] == s_cls[None, :]
    penalty = np.where(same_road, 0.0, np.where(same_cls, 5_000.0, 20_000.0))
    best = np.argmin(dist + penalty, axis=1)
    rows = np.arange(len(edges))
    how = np.where(
        same_road[rows, best], "same road", np.where(same_cls[rows, best], "same class", "nearest")
    )
    on_edge = pd.Series(
        np.arange(len(snapped)), index=pd.MultiIndex.from_arrays([snapped["u"], snapped["v"]])
    )
    on_edge = on_edge[~on_edge.index.duplicated()]
    for pairs in (pd.MultiIndex.from_arrays([u, v]), pd.MultiIndex.from_arrays([v, u])):
        pos = on_edge.reindex(pairs).to_numpy()
        hit = ~np.isnan(pos)
        best[hit] = pos[hit].astype(int)
        how[hit] = "on edge"
    return pd.DataFrame(
        {
            "station_id": snapped["station_id"].astype(str).to_numpy()[best],
            "direction": ALL_DIRECTIONS,
            "how": how,
            "distance_m": np.round(dist[rows, best], 0),
        },
        index=edges.index,
    )


def site_volume_capacity(
    predictions: pd.DataFrame, snapped: pd.DataFrame, date, *, column: str = "p50", horizon: int = 24
) -> pd.DataFrame:
    """Volume/capacity per site and hour of one day: the forecast of all the site's directions together,
    split equally over the two directions of a two-way road, over the capacity of one direction.

    Rows (station_id, ``"all"``), columns hours 0..23 (gaps interpolated)."""
    day = pd.Timestamp(date).normalize()
    sel = predictions[(predictions["horizon"] == horizon) & (predictions["timestamp"].dt.normalize() == day)]
    if sel.empty:
        raise ValueError(
            f"no horizon-{horizon} forecasts for {day.date()}: pick a day inside the test window."
        )
    total = sel.pivot_table(
        index="station_id", columns=sel["timestamp"].dt.hour, values=column, aggfunc="sum", observed=True
    ).reindex(columns=range(24))
    total = total.interpolate(axis=1, limit_direction="both")
    meta = snapped.set_index(snapped["station_id"].astype(str))
    share = np.where(meta["two_way"].reindex(total.index).fillna(True).to_numpy(bool), 0.5, 1.0)
    capacity = meta["capacity_vph"].reindex(total.index).to_numpy(float)
    vc = total.mul(share / capacity, axis=0)
    vc.index = pd.MultiIndex.from_arrays(
        [vc.index.astype(str), [ALL_DIRECTIONS] * len(vc)], names=["station_id", "direction"]
    )
    return vc


def resolve_point(G: nx.MultiDiGraph, place: str, sites: pd.DataFrame | None = None):
    """A graph node for what a person names: a node id, a site id, ``"lat, lon"``, or a place name
    (geocoded with OpenStreetMap's Nominatim, which needs a connection). Raises ``ValueError``."""
    text = str(place).strip()
    if not text:
        raise ValueError("an empty place name; set advice_origin and advice_destination.")
    if text in G.nodes:
        return text
    lonlat = None
    if sites is not None and text in set(sites["station_id"].astype(str)):
        row = sites.set_index(sites["station_id"].astype(str)).loc[text]
        lonlat = (float(row["lon"]), float(row["lat"]))
    else:
        parts = [p.strip() for p in text.replace(";", ",").split(",")]
        if len(parts) == 2:
            try:
                lat, lon = float(parts[0]), float(parts[1])
                lonlat = (lon, lat)
            except ValueError:
                lonlat = None
    if lonlat is None:
        if _offline():
            raise ValueError(
                f"{text!r} is not a site id or 'lat, lon', and looking a name up needs a connection "
                "(LIVINGLAB_OFFLINE=1); give coordinates as 'lat, lon'."
            )
        configure_osmnx_offline_safe()
        try:
            lat, lon = ox.geocode(text)
        except Exception as exc:  # geocoder errors come in many types
            raise ValueError(
                f"{text!r} could not be found ({type(exc).__name__}); give 'lat, lon'."
            ) from None
        lonlat = (lon, lat)
    point = gpd.GeoSeries(gpd.points_from_xy([lonlat[0]], [lonlat[1]]), crs=CRS_WGS84).to_crs(G.graph["crs"])
    node, dist = ox.distance.nearest_nodes(G, point.x.iloc[0], point.y.iloc[0], return_dist=True)
    if dist > 5000:
        raise ValueError(f"{text!r} lies {dist / 1000:.0f} km from the road network of the sites.")
    return node
