"""Horizon-aware, leak-free features for forecasting hourly counts.

For a forecast of the count at hour ``t`` issued ``h`` hours ahead (at ``t - h``), every feature
built from counts uses only values at or before ``t - h``: lags ``k >= h``, rolling statistics over
windows that end at ``t - h``, and the anomaly of the latest observed hour against the week before.
Calendar features (hour, weekday, public holidays of each region, "holiday in the commuters' home
region but not in Luxembourg") describe ``t`` itself: they are known in advance. Flags are split the
same way: ``known`` flags (planned roadworks, weather forecast) describe ``t``; ``issue`` flags
(an incident reported when the forecast is issued) are taken at ``t - h``.

All work happens on (series x hours) arrays, built once with ``to_wide``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import flag_name
from .reference import NEIGHBOUR_REGIONS, REGIONS

SEASONAL_LAGS = (24, 48, 168, 336)
CALENDAR_FLAGS = [flag_name(r) for r in REGIONS] + ["lu_working_day", "border_holiday"]


@dataclass
class WideCounts:
    """Counts as a (series x hours) float32 array on a regular hourly grid (NaN = missing)."""

    values: np.ndarray
    series: pd.DataFrame  # station_id, direction (one row per series, in array order)
    timestamps: pd.DatetimeIndex

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape


def to_wide(tidy: pd.DataFrame) -> WideCounts:
    """Tidy counts (station_id, direction, timestamp, count) -> ``WideCounts`` on the full hourly range."""
    needed = {"station_id", "direction", "timestamp", "count"}
    if not needed <= set(tidy.columns):
        raise ValueError(f"counts lack column(s) {', '.join(sorted(needed - set(tidy.columns)))}.")
    ts = pd.DatetimeIndex(tidy["timestamp"])
    if (ts != ts.floor("h")).any():
        raise ValueError("timestamps must fall on whole hours (hourly counts).")
    grid = pd.date_range(ts.min(), ts.max(), freq="h")
    keys = tidy[["station_id", "direction"]].astype({"station_id": str})
    series = keys.drop_duplicates().sort_values(["station_id", "direction"]).reset_index(drop=True)
    code = pd.MultiIndex.from_frame(series).get_indexer(pd.MultiIndex.from_frame(keys))
    t_index = ((ts - grid[0]) // pd.Timedelta(hours=1)).to_numpy()
    values = np.full((len(series), len(grid)), np.nan, dtype=np.float32)
    values[code, t_index] = tidy["count"].to_numpy(dtype=np.float32)
    return WideCounts(values, series, grid)


def shift(a: np.ndarray, k: int) -> np.ndarray:
    """Values ``k`` hours earlier along axis 1 (NaN where unknown); ``k >= 0``."""
    out = np.full(a.shape, np.nan, dtype=np.float32)
    if k == 0:
        out[:] = a
    elif k < a.shape[1]:
        out[:, k:] = a[:, :-k]
    return out


def _rolling(a: np.ndarray, window: int, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over the last ``window`` hours (inclusive), ignoring NaN."""
    valid = ~np.isnan(a)
    x = np.where(valid, a, 0.0).astype(np.float64)
    zeros = np.zeros((a.shape[0], 1))
    c1 = np.concatenate([zeros, np.cumsum(x, axis=1)], axis=1)
    c2 = np.concatenate([zeros, np.cumsum(x * x, axis=1)], axis=1)
    cn = np.concatenate([zeros, np.cumsum(valid, axis=1)], axis=1)
    end = np.arange(1, a.shape[1] + 1)
    begin = np.maximum(end - window, 0)
    n = cn[:, end] - cn[:, begin]
    s1 = c1[:, end] - c1[:, begin]
    s2 = c2[:, end] - c2[:, begin]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = np.maximum(s2 / n - mean**2, 0.0)
    enough = n >= min_count
    return (
        np.where(enough, mean, np.nan).astype(np.float32),
        np.where(enough, np.sqrt(var), np.nan).astype(np.float32),
    )


def lags_for(horizon: int) -> list[int]:
    """Count lags usable for horizon ``h``: the three latest hours known at issue time and seasonal lags >= h."""
    return sorted({horizon, horizon + 1, horizon + 2, *[k for k in SEASONAL_LAGS if k >= horizon]})


@dataclass
class FeatureSet:
    """Long frame (series-major rows ``s * T + t``) with the target and the features for one horizon."""

    frame: pd.DataFrame
    horizon: int
    feature_columns: list[str]
    scaled_columns: list[str]  # count-valued columns a model should divide by the series scale
    categorical_columns: list[str]
    n_series: int
    n_hours: int

    def rows(
        self, series_mask: np.ndarray | None = None, t_from: int = 0, t_to: int | None = None
    ) -> np.ndarray:
        """Row positions for hours ``t_from <= t < t_to`` (optionally only some series)."""
        t_to = self.n_hours if t_to is None else t_to
        s_idx = np.arange(self.n_series) if series_mask is None else np.flatnonzero(series_mask)
        return (s_idx[:, None] * self.n_hours + np.arange(t_from, t_to)[None, :]).ravel()


def build_features(
    wide: WideCounts,
    horizon: int,
    *,
    calendar: pd.DataFrame,
    static: pd.DataFrame | None = None,
    exposure: np.ndarray | None = None,
    known: dict[str, np.ndarray] | None = None,
    issue: dict[str, np.ndarray] | None = None,
) -> FeatureSet:
    """Features for predicting each hour ``t`` from what is known at ``t - horizon``.

    - ``calendar``: day-level frame from ``calendar.holiday_calendar`` covering the period.
    - ``static``: one row per series (same order as ``wide.series``) with numeric columns (AADT,
      lanes, origin shares ...); a ``series_code`` categorical is always added.
    - ``exposure``: days x series array, the share of the series' traffic whose home region has a
      holiday on a Luxembourg working day (``calendar.home_holiday_exposure``).
    - ``known``: flags known in advance for hour ``t`` ((series x hours) or (hours,) arrays).
    - ``issue``: flags observed at issue time; they are shifted by ``horizon``.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 hour, got {horizon}.")
    Y = wide.values.astype(np.float32)
    S, T = Y.shape
    ts = wide.timestamps
    cols: dict[str, np.ndarray] = {}
    scaled: list[str] = []

    for k in lags_for(horizon):
        cols[f"lag_{k}"] = shift(Y, k)
        scaled.append(f"lag_{k}")
    at_issue = shift(Y, horizon)
    for window, min_count in ((3, 2), (24, 12), (168, 84)):
        mean, std = _rolling(at_issue, window, min_count)
        cols[f"roll_mean_{window}"] = mean
        scaled.append(f"roll_mean_{window}")
        if window >= 24:
            cols[f"roll_std_{window}"] = std
            scaled.append(f"roll_std_{window}")
    weekly = np.stack([shift(Y, 168 * w) for w in range(1, 5) if 168 * w >= horizon])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns at the start give NaN, as wanted
        cols["same_hour_mean_4w"] = np.nanmean(weekly, axis=0).astype(np.float32)
    scaled.append("same_hour_mean_4w")
    cols["anomaly_at_issue"] = at_issue - shift(Y, horizon + 168)
    scaled.append("anomaly_at_issue")
    day_mean = cols["roll_mean_24"]
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["level_vs_last_week"] = (day_mean / shift(day_mean, 168)).astype(np.float32)

    def per_hour(values: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=np.float32)[None, :], (S, T))

    cols["hour"] = per_hour(ts.hour)
    cols["weekday"] = per_hour(ts.weekday)
    cols["month"] = per_hour(ts.month)
    day = ts.normalize()
    cal = calendar.reindex(pd.DatetimeIndex(day.unique()))
    if cal.isna().any().any():
        raise ValueError("calendar does not cover every day of the counts.")
    day_pos = pd.DatetimeIndex(cal.index).get_indexer(day)
    for name in CALENDAR_FLAGS:
        flag = cal[name].to_numpy(dtype=np.float32)
        cols[name] = per_hour(flag[day_pos])
        if name == "hol_LU" or name == "border_holiday":
            cols[name + "_last_week"] = per_hour(np.r_[np.full(7, np.nan), flag[:-7]][day_pos])
            cols[name + "_yesterday"] = per_hour(np.r_[np.nan, flag[:-1]][day_pos])
            cols[name + "_tomorrow"] = per_hour(np.r_[flag[1:], np.nan][day_pos])
    if exposure is not None:
        if exposure.shape != (len(cal), S):
            raise ValueError(f"exposure must be days x series = {(len(cal), S)}, got {exposure.shape}.")
        cols["home_holiday_not_lu"] = exposure[day_pos].T.astype(np.float32)
        cols["home_holiday_not_lu_last_week"] = np.vstack([np.full((7, S), np.nan), exposure[:-7]])[
            day_pos
        ].T.astype(np.float32)
    for name, values in (known or {}).items():
        values = np.asarray(values, dtype=np.float32)
        cols[name] = per_hour(values) if values.ndim == 1 else values
    for name, values in (issue or {}).items():
        values = np.asarray(values, dtype=np.float32)
        values = np.broadcast_to(values[None, :], (S, T)) if values.ndim == 1 else values
        cols[name + "_at_issue"] = shift(values, horizon)

    categorical = ["series_code"]
    cols["series_code"] = np.broadcast_to(np.arange(S, dtype=np.float32)[:, None], (S, T))
    cols["direction"] = np.broadcast_to(wide.series["direction"].to_numpy(dtype=np.float32)[:, None], (S, T))
    if static is not None:
        if len(static) != S:
            raise ValueError(f"static has {len(static)} rows for {S} series.")
        for name in static.columns:
            cols[name] = np.broadcast_to(static[name].to_numpy(dtype=np.float32)[:, None], (S, T))

    frame = pd.DataFrame(
        {name: np.ascontiguousarray(v, dtype=np.float32).ravel() for name, v in cols.items()}
    )
    frame["target"] = Y.ravel()
    frame["series"] = np.repeat(np.arange(S, dtype=np.int32), T)
    frame["t"] = np.tile(np.arange(T, dtype=np.int32), S)
    feature_columns = [c for c in cols]
    return FeatureSet(frame, horizon, feature_columns, scaled, categorical, S, T)


def static_features(series: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Per-series numeric descriptors from the stations table (AADT, lanes, road class, origin shares)."""
    meta = stations.set_index("station_id")
    sid = series["station_id"].astype(str)
    out = pd.DataFrame(index=series.index)
    if "aadt_2023" in meta:
        out["log_aadt"] = np.log1p(sid.map(meta["aadt_2023"]).astype(float))
    if "lanes_dir" in meta:
        out["lanes"] = sid.map(meta["lanes_dir"]).astype(float)
    if "highway" in meta:
        out["road_class"] = (
            sid.map(meta["highway"]).map({"motorway": 0, "trunk": 1, "primary": 2}).fillna(3).astype(float)
        )
    for region in NEIGHBOUR_REGIONS:
        col = "share_" + region.replace("-", "_")
        if col in meta:
            out[col] = sid.map(meta[col]).astype(float)
    return out.reset_index(drop=True)
