"""Figures a person would rather look at than read: congestion maps (static and folium), forecasts
against actual counts, error by hour of day, the holiday effect and departure curves."""

from __future__ import annotations

from pathlib import Path

import branca.colormap as bcm
import folium
import geopandas as gpd
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from .network import CRS_WGS84, edges_frame, nodes_frame

CONGESTION_CMAP = "RdYlGn_r"
VC_MAX = 1.1
LABELLED_KINDS = ("district", "town")
MAJOR_PLACES = (
    "LUX_GARE",
    "LUX_KIRCHBERG",
    "THIONVILLE",
    "METZ",
    "ARLON",
    "TRIER",
    "ESCH",
    "LONGWY",
    "PERL",
    "SAARLOUIS",
    "ETTELBRUCK",
    "GREVENMACHER",
    "REMICH",
    "MONDORF",
    "DUDELANGE",
)


def _segments(G: nx.MultiDiGraph, congestion: pd.Series) -> gpd.GeoDataFrame:
    """One line per road segment (both directions merged) with the larger volume/capacity ratio."""
    edges = edges_frame(G)
    edges = edges.assign(vc=congestion.reindex(edges.index).to_numpy(float))
    u = edges.index.get_level_values(0).astype(str)
    v = edges.index.get_level_values(1).astype(str)
    edges["pair"] = np.where(u < v, u + "|" + v, v + "|" + u) + "|" + edges["ref"].astype(str)
    agg = edges.sort_values("vc", ascending=False).drop_duplicates("pair")
    return agg.reset_index()


def plot_network_congestion(
    G: nx.MultiDiGraph,
    congestion: pd.Series,
    *,
    stations: pd.DataFrame | None = None,
    ax=None,
    title: str = "",
    label_places=MAJOR_PLACES,
):
    """The network coloured by volume/capacity ratio (``congestion``: one value per (u, v, key) edge)."""
    segments = _segments(G, congestion)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    norm = Normalize(0, VC_MAX)
    width = 0.8 + 1.2 * segments["lanes_dir"].astype(float).clip(1, 3)
    segments.plot(
        ax=ax,
        column="vc",
        cmap=CONGESTION_CMAP,
        norm=norm,
        linewidth=width,
        zorder=2,
        missing_kwds={"color": "lightgrey"},
    )
    nodes = nodes_frame(G)
    borders = nodes[nodes["kind"] == "border"] if "kind" in nodes else nodes.iloc[:0]
    if len(borders):
        borders.plot(ax=ax, marker="D", color="black", markersize=18, zorder=3, label="border crossing")
    if stations is not None and len(stations):
        ax.scatter(
            stations["x"],
            stations["y"],
            s=14,
            facecolor="white",
            edgecolor="navy",
            zorder=4,
            label="counting station",
        )
    for place in label_places:
        if place in G.nodes:
            ax.annotate(
                G.nodes[place].get("name", place),
                (G.nodes[place]["x"], G.nodes[place]["y"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
                zorder=5,
            )
    sm = plt.cm.ScalarMappable(norm=norm, cmap=CONGESTION_CMAP)
    plt.colorbar(sm, ax=ax, shrink=0.6, label="volume / capacity")
    ax.set_title(title)
    ax.set_axis_off()
    ax.legend(loc="lower left", fontsize=7)
    return ax


def folium_congestion_map(
    G: nx.MultiDiGraph,
    congestion: pd.Series,
    *,
    stations: pd.DataFrame | None = None,
    station_text: pd.Series | None = None,
    routes: dict[str, list] | None = None,
    path: str | Path | None = None,
    title: str = "",
) -> folium.Map:
    """An interactive map: road segments coloured by volume/capacity, stations and routes with tooltips."""
    segments = _segments(G, congestion).to_crs(CRS_WGS84)
    cmap = bcm.LinearColormap(
        ["#1a9850", "#fee08b", "#d73027"], vmin=0, vmax=VC_MAX, caption=title or "volume / capacity"
    )
    segments["color"] = [cmap(min(x, VC_MAX)) if np.isfinite(x) else "#bbbbbb" for x in segments["vc"]]
    segments["vc_text"] = segments["vc"].map(lambda x: f"{x:.2f}" if np.isfinite(x) else "n/a")
    segments["weight"] = 2 + 1.5 * segments["lanes_dir"].astype(float).clip(1, 3)
    bounds = segments.total_bounds
    fmap = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=10,
        tiles="OpenStreetMap",
        control_scale=True,
    )
    cols = ["ref", "name", "vc_text", "color", "weight", "geometry"]
    folium.GeoJson(
        segments[cols],
        name="road segments",
        style_function=lambda f: {
            "color": f["properties"]["color"],
            "weight": f["properties"]["weight"],
            "opacity": 0.9,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["ref", "name", "vc_text"], aliases=["road", "segment", "volume/capacity"]
        ),
    ).add_to(fmap)
    if stations is not None and len(stations):
        pts = gpd.GeoDataFrame(
            stations[["station_id", "name"]].copy(),
            geometry=gpd.points_from_xy(stations["lon"], stations["lat"]),
            crs=CRS_WGS84,
        )
        pts["info"] = (
            station_text.reindex(stations.index).fillna("").to_numpy() if station_text is not None else ""
        )
        folium.GeoJson(
            pts,
            name="counting stations",
            marker=folium.CircleMarker(radius=4, color="navy", fill=True, fill_color="white", fill_opacity=1),
            tooltip=folium.GeoJsonTooltip(fields=["station_id", "name", "info"]),
        ).add_to(fmap)
    colours = ["#2c7bb6", "#7b3294", "#008837", "#e66101"]
    for i, (label, nodes) in enumerate((routes or {}).items()):
        coords = gpd.GeoSeries(
            gpd.points_from_xy([G.nodes[n]["x"] for n in nodes], [G.nodes[n]["y"] for n in nodes]),
            crs=G.graph["crs"],
        ).to_crs(CRS_WGS84)
        folium.PolyLine(
            [(p.y, p.x) for p in coords],
            color=colours[i % len(colours)],
            weight=4,
            dash_array="8",
            tooltip=label,
        ).add_to(fmap)
    cmap.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    if path is not None:
        fmap.save(str(path))
    return fmap


def plot_forecast_vs_actual(
    predictions: pd.DataFrame, station_ids, *, horizon: int = 1, direction: int = 1, days: int = 7, axes=None
):
    """Actual counts, P50 forecast and the P10-P90 band for a few stations over the last ``days`` of the backtest."""
    station_ids = list(station_ids)
    if axes is None:
        _, axes = plt.subplots(
            len(station_ids), 1, figsize=(11, 2.4 * len(station_ids)), sharex=True, squeeze=False
        )
        axes = axes[:, 0]
    sel = predictions[(predictions["horizon"] == horizon) & (predictions["direction"] == direction)]
    end = sel["timestamp"].max()
    sel = sel[sel["timestamp"] > end - pd.Timedelta(days=days)]
    for ax, sid in zip(axes, station_ids, strict=False):
        d = sel[sel["station_id"] == sid].sort_values("timestamp")
        ax.fill_between(d["timestamp"], d["p10"], d["p90"], color="tab:blue", alpha=0.2, label="P10-P90")
        ax.plot(d["timestamp"], d["p50"], color="tab:blue", lw=1.2, label=f"forecast P50 ({horizon} h ahead)")
        ax.plot(d["timestamp"], d["actual"], color="black", lw=0.9, label="actual count")
        ax.plot(
            d["timestamp"],
            d["seasonal_naive"],
            color="tab:orange",
            lw=0.8,
            ls=":",
            label="same hour last week",
        )
        ax.set_ylabel("veh/h")
        ax.set_title(f"{sid}, {'inbound' if direction == 1 else 'outbound'}", fontsize=9, loc="left")
    axes[0].legend(fontsize=7, ncol=4, loc="upper right")
    return axes


def plot_error_by_hour(by_hour: pd.DataFrame, *, horizon: int = 1, ax=None):
    """MAE per hour of day for the model and the two baselines (``evaluate(...)["by_hour"]``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    d = by_hour.loc[horizon]
    ax.plot(d.index, d["mae_lightgbm_p50"], marker="o", label="LightGBM P50")
    ax.plot(d.index, d["mae_seasonal_naive"], marker=".", label="seasonal naive (last week)")
    ax.plot(d.index, d["mae_hour_weekday_avg"], marker=".", label="hour x weekday average")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("MAE (veh/h)")
    ax.set_xticks(range(0, 24, 2))
    ax.set_title(f"Error by hour of day, {horizon} h ahead")
    ax.legend(fontsize=8)
    return ax


def plot_holiday_effect(
    wide, calendar: pd.DataFrame, station_id: str, holiday: str, *, direction: int = 1, ax=None
):
    """Hourly counts of one station on a holiday against the mean of the same weekday in the 4 weeks around it."""
    day = pd.Timestamp(holiday).normalize()
    row = np.flatnonzero(
        (wide.series["station_id"] == station_id).to_numpy()
        & (wide.series["direction"] == direction).to_numpy()
    )
    if len(row) == 0:
        raise ValueError(f"no series for station {station_id} direction {direction}.")
    values = pd.Series(wide.values[row[0]], index=wide.timestamps)
    others = [day + pd.Timedelta(weeks=w) for w in (-2, -1, 1, 2)]
    others = [
        d
        for d in others
        if d in calendar.index and not calendar.loc[d, "hol_LU"] and not calendar.loc[d, "border_holiday"]
    ]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    hours = np.arange(24)
    ref = (
        np.nanmean([values[d : d + pd.Timedelta(hours=23)].to_numpy() for d in others], axis=0)
        if others
        else None
    )
    if ref is not None:
        ax.plot(hours, ref, color="grey", label=f"same weekday, {len(others)} ordinary weeks")
    ax.plot(
        hours,
        values[day : day + pd.Timedelta(hours=23)].to_numpy(),
        color="crimson",
        label=f"{day:%a %d %b %Y}: {calendar.loc[day, 'holiday_name'] or 'no holiday'}",
    )
    ax.set_xlabel("hour of day")
    ax.set_ylabel("veh/h")
    ax.set_title(f"{station_id} {'inbound' if direction == 1 else 'outbound'}")
    ax.legend(fontsize=8)
    return ax


def plot_departure_curves(advice, *, ax=None):
    """P90 arrival time against departure time per route, with the deadline."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    for label, d in advice.curves.groupby("route", sort=False):
        ax.plot(d["departure"], d["arrival_p90"], label=f"{label} (P90)")
    ax.axhline(advice.latest_arrival, color="black", ls="--", lw=1, label="latest arrival")
    best = advice.best
    if pd.notna(best["latest_departure"]):
        ax.axvline(
            best["latest_departure"],
            color="crimson",
            lw=1,
            label=f"leave by {best['latest_departure']:%H:%M}",
        )
    ax.set_xlabel("departure")
    ax.set_ylabel("arrival (P90)")
    ax.set_title(f"{advice.origin} to {advice.destination}, {advice.date:%a %d %b %Y}")
    ax.legend(fontsize=7)
    import matplotlib.dates as mdates

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    return ax


def plot_network(G: nx.MultiDiGraph, *, stations: pd.DataFrame | None = None, ax=None, title: str = ""):
    """The road network by class (motorway, trunk, primary), border crossings, places and counting stations."""
    edges = edges_frame(G)
    highway = (
        edges["highway"]
        .map(lambda h: h[0] if isinstance(h, list) else h)
        .astype(str)
        .str.removesuffix("_link")
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    styles = {"motorway": ("#c0392b", 2.4), "trunk": ("#e67e22", 2.0), "primary": ("#7f8c8d", 1.0)}
    for cls, (colour, width) in styles.items():
        part = edges[highway == cls]
        if len(part):
            part.plot(ax=ax, color=colour, linewidth=width, label=cls, zorder=2)
    other = edges[~highway.isin(list(styles))]
    if len(other):
        other.plot(ax=ax, color="#bdc3c7", linewidth=0.5, label="other", zorder=1)
    nodes = nodes_frame(G)
    if "kind" in nodes:
        borders = nodes[nodes["kind"] == "border"]
        borders.plot(ax=ax, marker="D", color="black", markersize=18, zorder=3, label="border crossing")
    if stations is not None and len(stations):
        ax.scatter(
            stations["x"],
            stations["y"],
            s=16,
            facecolor="white",
            edgecolor="navy",
            zorder=4,
            label="counting station",
        )
    for place in MAJOR_PLACES:
        if place in G.nodes:
            ax.annotate(
                G.nodes[place].get("name", place),
                (G.nodes[place]["x"], G.nodes[place]["y"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
                zorder=5,
            )
    ax.set_title(title)
    ax.set_axis_off()
    ax.legend(loc="lower left", fontsize=7)
    return ax
