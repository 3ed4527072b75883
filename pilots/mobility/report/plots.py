"""Figures a person would rather look at than read: congestion maps (static and folium), forecasts
against actual counts, error by hour of day, the holiday effect and departure curves."""

from __future__ import annotations

import html
from pathlib import Path

import branca.colormap as bcm
import folium
import geopandas as gpd
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from livinglab.show import save_map

from ..model.network import CRS_WGS84, edges_frame, nodes_frame

CONGESTION_CMAP = "RdYlGn_r"
VC_MAX = 1.1
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
            label="counting site",
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
    """An interactive map: road segments coloured by volume/capacity, stations and routes with tooltips;
    saved to ``path`` as one page that works offline (``livinglab.show.save_map``: the map library inlined,
    no background tiles, the roads and places drawn from the data)."""
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
    for col in ("ref", "name"):  # Leaflet shows a tooltip's text as HTML: the data's names are escaped
        segments[col] = segments[col].astype(str).map(html.escape)
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
        for col in ("station_id", "name", "info"):
            pts[col] = pts[col].astype(str).map(html.escape)
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
            tooltip=html.escape(str(label)),
        ).add_to(fmap)
    cmap.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    if path is not None:
        save_map(fmap, path)  # Leaflet and D3 inlined: the page asks the network for nothing
    return fmap


def plot_forecast_vs_actual(predictions: pd.DataFrame, series, *, horizon: int = 1, days: int = 7, axes=None):
    """Actual counts, the P50 forecast with its P10-P90 band, the plain LightGBM and last week's count for a
    few series (``series``: codes of ``predictions["series"]``) over the last ``days`` of the test window."""
    series = list(series)
    if axes is None:
        _, axes = plt.subplots(len(series), 1, figsize=(11, 2.5 * len(series)), sharex=True, squeeze=False)
        axes = axes[:, 0]
    sel = predictions[predictions["horizon"] == horizon]
    end = sel["timestamp"].max()
    sel = sel[sel["timestamp"] > end - pd.Timedelta(days=days)]
    hours = pd.date_range(sel["timestamp"].min(), end, freq="h") if len(sel) else pd.DatetimeIndex([])
    for ax, code in zip(axes, series, strict=False):
        one = sel[sel["series"] == code]
        # every hour of the window, so that an hour without a count or forecast is a gap, not a straight line
        d = one.set_index("timestamp").reindex(hours).rename_axis("timestamp").reset_index()
        ax.fill_between(d["timestamp"], d["p10"], d["p90"], color="tab:blue", alpha=0.2, label="P10-P90")
        ax.plot(d["timestamp"], d["p50"], color="tab:blue", lw=1.3, label=f"model P50 ({horizon} h ahead)")
        ax.plot(d["timestamp"], d["actual"], color="black", lw=0.9, label="actual count")
        ax.plot(d["timestamp"], d["plain_lgbm"], color="tab:green", lw=0.8, ls="--", label="plain LightGBM")
        ax.plot(
            d["timestamp"],
            d["seasonal_naive"],
            color="tab:orange",
            lw=0.8,
            ls=":",
            label="same hour last week",
        )
        ax.set_ylabel("vehicles / h")
        if len(one):
            label = one["direction_label"].iloc[0]
            title = str(one["station_id"].iloc[0]) + ("" if label == "all directions" else f", {label}")
            ax.set_title(title, fontsize=9, loc="left")
    axes[0].legend(fontsize=7, ncol=5, loc="upper right")
    return axes


def plot_error_by_hour(by_hour: pd.DataFrame, *, horizon: int = 1, ax=None):
    """MAE per hour of day for the model and the baselines (``evaluate(...)["by_hour"]``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    d = by_hour.loc[horizon]
    ax.plot(d.index, d["mae_model"], marker="o", label="model P50")
    ax.plot(d.index, d["mae_plain_lgbm"], marker=".", label="plain LightGBM")
    ax.plot(d.index, d["mae_seasonal_naive"], marker=".", label="seasonal naive (last week)")
    ax.plot(d.index, d["mae_hour_weekday_avg"], marker=".", lw=0.8, label="hour x weekday average")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("MAE (vehicles / h)")
    ax.set_xticks(range(0, 24, 2))
    ax.set_title(f"Error by hour of day, {horizon} h ahead")
    ax.legend(fontsize=8)
    return ax


def plot_horizon_comparison(claims, horizons=(1, 3, 24)):
    """The claims per horizon: the MAE of the model and of each baseline (left), and the model's MAE minus
    each baseline's with its paired interval (right; below zero: the model's error is lower)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    by_name = {c.name: c for c in claims}
    x = np.arange(len(horizons))
    plain = [by_name[f"mae_h{h}"] for h in horizons]
    naive = [by_name[f"mae_h{h}_naive"] for h in horizons]
    width = 0.26
    left.bar(x - width, [c.model_value for c in plain], width, color="tab:blue", label="model")
    left.bar(x, [c.baseline_value for c in plain], width, color="tab:green", label="plain LightGBM")
    left.bar(x + width, [c.baseline_value for c in naive], width, color="tab:orange", label="seasonal naive")
    left.set_xticks(x, [f"{h} h ahead" for h in horizons])
    left.set_ylabel("MAE (vehicles / h)")
    left.set_title("Model and baselines on the same hours")
    left.legend(fontsize=8)
    for offset, group, colour, label in (
        (-0.1, plain, "tab:green", "plain LightGBM"),
        (0.1, naive, "tab:orange", "seasonal naive"),
    ):
        diff = np.array([c.difference for c in group])
        err = np.array([diff - [c.low for c in group], [c.high for c in group] - diff])
        right.errorbar(x + offset, diff, yerr=err, fmt="o", capsize=4, color=colour, label=f"model - {label}")
    right.axhline(0, color="black", lw=0.8)
    right.set_xticks(x, [f"{h} h" for h in horizons])
    right.set_ylabel("MAE difference (vehicles / h)")
    right.set_title("Model minus baseline, paired 95% interval")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_coverage_by_hour(band_by_hour: pd.DataFrame, *, nominal: float = 0.8, ax=None):
    """Share of actual counts inside the P10-P90 band, below P10 and above P90, per hour of day (all
    horizons; ``evaluate(...)["band_by_hour"]``): a band with a floor or a ceiling shows as misses piling up
    at some hours."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    d = band_by_hour
    ax.plot(d.index, d["inside"], marker="o", label="inside P10-P90")
    ax.plot(d.index, d["below"], marker=".", label="below P10")
    ax.plot(d.index, d["above"], marker=".", label="above P90")
    ax.axhline(nominal, color="grey", ls="--", lw=0.8)
    ax.axhline((1 - nominal) / 2, color="grey", ls=":", lw=0.8)
    ax.set_ylim(0, 1)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("hour of day")
    ax.set_ylabel("share of hours")
    ax.set_title(
        f"Calibration of the band by hour (nominal {nominal:.0%} inside, {(1 - nominal) / 2:.0%} each side)"
    )
    ax.legend(fontsize=8)
    return ax


def _series_labels(wide) -> np.ndarray:
    """Each series' site, with its direction's label when the data have directions."""
    series = wide.series
    direction = np.where(
        series["direction"].astype(str) == "", "", " / " + series["direction_label"].astype(str).str[:18]
    )
    return (series["station_id"].astype(str) + direction).to_numpy()


def representative(level, k: int, skip=None) -> np.ndarray:
    """Positions of ``k`` series spread over the range of volumes: the series at the (i + 0.5) / k
    quantiles of the ranking by ``level`` (mean count per series, NaN for none), busiest first, leaving out
    the positions in ``skip`` (the implausible series a run kept) and series without a count. All of them
    when there are ``k`` or fewer."""
    level = np.asarray(level, dtype=float)
    ok = np.isfinite(level)
    if skip is not None and len(skip):
        ok[np.asarray(skip, dtype=int)] = False
    order = np.flatnonzero(ok)[np.argsort(-level[ok], kind="stable")]
    if len(order) <= k:
        return order
    ranks = ((np.arange(k) + 0.5) / k * len(order)).astype(int)
    return order[np.unique(ranks)]


def series_level(values: np.ndarray) -> np.ndarray:
    """The mean count of each row of a (series x hours) array, NaN for a row without a count."""
    valid = ~np.isnan(values)
    n = valid.sum(axis=1)
    total = np.where(valid, values, 0.0).sum(axis=1, dtype=np.float64)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def plot_gaps(wide, excluded: np.ndarray | None = None, *, max_series: int = 40, skip=None, ax=None):
    """Share of each day's hours without a usable count, per series (missing or excluded codes); with more
    than ``max_series`` series, that many chosen across the range of volumes (:func:`representative`)."""
    level = series_level(wide.values)
    chosen = (
        np.arange(len(level))
        if len(level) <= max_series and skip is None
        else representative(np.where(np.isnan(level), 0.0, level), max_series, skip)
    )
    values = wide.values[chosen]
    missing = np.isnan(values)
    days = len(wide.timestamps) // 24
    share = missing[:, : days * 24].reshape(len(values), days, 24).mean(axis=2)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.9 + 0.22 * len(values)))
    image = ax.imshow(share, aspect="auto", cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
    labels = _series_labels(wide)[chosen]
    ax.set_yticks(range(len(values)), labels, fontsize=7)
    ticks = np.linspace(0, days - 1, min(days, 8)).astype(int)
    ax.set_xticks(ticks, [f"{wide.timestamps[t * 24]:%d %b %y}" for t in ticks], fontsize=7)
    plt.colorbar(image, ax=ax, shrink=0.8, label="share of the day's hours missing")
    n_excl = int(excluded.sum()) if excluded is not None else 0
    which = "" if len(chosen) == len(level) else f"; {len(chosen)} of {len(level)} series, across the volumes"
    ax.set_title(
        f"Hours without a usable count ({np.isnan(wide.values).mean():.1%} of all; {n_excl:,} excluded as "
        f"codes{which})"
    )
    return ax


def plot_overview(wide, *, max_series: int = 6, skip=None, ax=None):
    """Weekly mean count of a few series chosen across the range of volumes (:func:`representative`; not
    the first of the file, which may be sums of detectors) over the whole period, and the typical week
    (hour x weekday). A week with fewer than half of its hours counted, and missing hours, stay gaps."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    chosen = representative(series_level(wide.values), max_series, skip)
    frame = pd.DataFrame(wide.values[chosen].T, index=wide.timestamps)
    labels = _series_labels(wide)[chosen]
    frame.columns = labels
    weekly = frame.resample("W")
    weekly.mean().where(weekly.count() >= 84).plot(ax=axes[0], lw=1, marker=".", legend=len(labels) > 1)
    axes[0].set_ylabel("mean vehicles / h")
    axes[0].set_title("Weekly mean of the hourly counts (sites across the range of volumes)")
    slot = wide.timestamps.weekday * 24 + wide.timestamps.hour
    week = frame.groupby(np.asarray(slot)).mean()
    week.plot(ax=axes[1], lw=1, legend=False)
    axes[1].set_xticks(range(0, 168, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    axes[1].set_title("Typical week (mean by hour of the week)")
    axes[1].set_ylabel("vehicles / h")
    fig.tight_layout()
    return fig


def plot_holiday_effect(wide, series_code: int, day, *, label: str = "", ax=None):
    """Hourly counts of one series on a holiday against the mean of the same weekday 1-2 weeks around it."""
    day = pd.Timestamp(day).normalize()
    values = pd.Series(wide.values[series_code], index=wide.timestamps)
    others = [day + pd.Timedelta(weeks=w) for w in (-2, -1, 1, 2)]
    others = [d for d in others if d in values.index and d + pd.Timedelta(hours=23) in values.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    hours = np.arange(24)
    if others:
        ref = np.nanmean([values[d : d + pd.Timedelta(hours=23)].to_numpy() for d in others], axis=0)
        ax.plot(hours, ref, color="grey", label=f"same weekday, {len(others)} weeks around it")
    ax.plot(
        hours,
        values[day : day + pd.Timedelta(hours=23)].to_numpy(),
        color="crimson",
        label=f"{day:%a %d %b %Y}: {label}",
    )
    ax.set_xlabel("hour of day")
    ax.set_ylabel("vehicles / h")
    row = wide.series.iloc[series_code]
    ax.set_title(f"{row['station_id']}" + ("" if row["direction"] == "" else f", {row['direction_label']}"))
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
