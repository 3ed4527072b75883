"""Horizon-aware, leak-free features for forecasting hourly counts, computed only for the rows asked for.

For a forecast of the count at hour ``t`` issued ``h`` hours ahead (at ``t - h``), every feature built
from counts uses only values at or before ``t - h``: lags ``k >= h``, rolling statistics over windows that
end at ``t - h``, the typical weekly profile (mean of the same hour 1-4 weeks earlier, only weeks at least
``h`` hours back) and what it implies for the step from ``t - h`` to ``t`` (the latest count times the
profile's ratio between the two hours: the single most useful feature at short horizons). Calendar
features (hour, weekday, month, public holidays from ``calendar.day_calendar``) describe ``t`` itself:
they are known in advance. Covariates of the data (weather columns of a partner's file) are taken as
observed at issue time ``t - h``; only those declared known in advance (a planned event, a forecast)
are taken at ``t``.

Nothing is materialised for all (series x hours): features are gathered from the (series x hours) count
array for the requested rows only, so a year of 1,000 sites costs the rows one fit uses, not 8.8 million
rows times 40 columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SEASONAL_LAGS = (24, 48, 168, 336)
PROFILE_WEEKS = 4
PLAIN_LAGS = (1, 2, 3, 24, 168)


class CountsError(ValueError):
    """Counts that cannot be used; the message says what is wrong and what to change."""


@dataclass
class WideCounts:
    """Counts as a (series x hours) float32 array on a regular hourly grid (NaN = missing).

    ``series`` has one row per series in array order: ``station_id`` (the site), ``direction`` (as in the
    data; ``""`` when the data have none) and ``direction_label`` (what the pages print).
    """

    values: np.ndarray
    series: pd.DataFrame
    timestamps: pd.DatetimeIndex

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape


def to_wide(tidy: pd.DataFrame, *, return_index: bool = False):
    """Tidy counts (station_id, direction, timestamp, count) -> ``WideCounts`` on the full hourly range.

    Series are sorted by site and direction. With ``return_index`` also the (series, hour) position of
    every row of ``tidy``.
    """
    needed = {"station_id", "direction", "timestamp", "count"}
    if not needed <= set(tidy.columns):
        raise ValueError(f"counts lack column(s) {', '.join(sorted(needed - set(tidy.columns)))}.")
    ts = pd.DatetimeIndex(tidy["timestamp"])
    if (ts != ts.floor("h")).any():
        raise ValueError("timestamps must fall on whole hours (hourly counts).")
    grid = pd.date_range(ts.min(), ts.max(), freq="h")
    site = pd.Categorical(
        tidy["station_id"].astype(str) if tidy["station_id"].dtype != "category" else tidy["station_id"]
    )
    site = site.rename_categories([str(c) for c in site.categories]) if len(site.categories) else site
    direction = pd.Categorical(
        tidy["direction"].astype(str) if tidy["direction"].dtype != "category" else tidy["direction"]
    )
    if (site.codes < 0).any() or (direction.codes < 0).any():
        raise ValueError("some counts have no site or no direction name: name them (counts_from_frame does).")
    site_names = np.asarray([str(c) for c in site.categories], dtype=object)
    dir_names = np.asarray([str(c) for c in direction.categories], dtype=object)
    # sort the pairs by name: rank the categories alphabetically first
    site_rank = np.argsort(np.argsort(site_names.astype(str)))  # names are unique: any sort gives one order
    dir_rank = np.argsort(np.argsort(dir_names.astype(str)))
    pair = site_rank[site.codes].astype(np.int64) * max(len(dir_names), 1) + dir_rank[direction.codes]
    unique, code = np.unique(pair, return_inverse=True)
    series = pd.DataFrame(
        {
            "station_id": site_names[np.argsort(site_rank)][unique // max(len(dir_names), 1)].astype(str),
            "direction": dir_names[np.argsort(dir_rank)][unique % max(len(dir_names), 1)].astype(str),
        }
    )
    t_index = ((ts - grid[0]) // pd.Timedelta(hours=1)).to_numpy()
    values = np.full((len(series), len(grid)), np.nan, dtype=np.float32)
    values[code, t_index] = tidy["count"].to_numpy(dtype=np.float32)
    series["direction_label"] = series["direction"].astype(str)
    wide = WideCounts(values, series, grid)
    return (wide, code, t_index) if return_index else wide


def lags_for(horizon: int) -> list[int]:
    """Count lags usable for horizon ``h``: the three latest hours known at issue time and seasonal lags >= h."""
    return sorted({horizon, horizon + 1, horizon + 2, *[k for k in SEASONAL_LAGS if k >= horizon]})


def plain_lags_for(horizon: int) -> list[int]:
    """The plain reference model's lags (1, 2, 3, 24, 168 h) moved to what is known ``h`` hours ahead."""
    recent = [k + horizon - 1 for k in PLAIN_LAGS if k <= 3]
    return sorted({*recent, *[k for k in PLAIN_LAGS if k > 3 and k >= horizon]})


class RollingSums:
    """Cumulative sums of a (series x hours) array (NaN ignored) for O(1) window means at any (s, t)."""

    def __init__(self, a: np.ndarray):
        valid = ~np.isnan(a)
        x = np.where(valid, a, 0.0).astype(np.float64)
        zeros = np.zeros((a.shape[0], 1))
        self.c1 = np.concatenate([zeros, np.cumsum(x, axis=1)], axis=1)
        self.c2 = np.concatenate([zeros, np.cumsum(x * x, axis=1)], axis=1)
        self.cn = np.concatenate([zeros.astype(np.int32), np.cumsum(valid, axis=1, dtype=np.int32)], axis=1)

    def window(
        self, s: np.ndarray, end: np.ndarray, window: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Count, sum and sum of squares of the hours ``end - window + 1 .. end`` (inclusive) per row."""
        hi = np.clip(end + 1, 0, self.c1.shape[1] - 1)
        lo = np.clip(end + 1 - window, 0, self.c1.shape[1] - 1)
        return (
            self.cn[s, hi] - self.cn[s, lo],
            self.c1[s, hi] - self.c1[s, lo],
            self.c2[s, hi] - self.c2[s, lo],
        )

    def mean_std(self, s, end, window: int, min_count: int) -> tuple[np.ndarray, np.ndarray]:
        n, s1, s2 = self.window(s, end, window)
        with np.errstate(invalid="ignore"):  # 0 / 0 where the window holds no count
            mean = s1 / n
            std = np.sqrt(np.maximum(s2 / n - mean**2, 0.0))
        enough = n >= min_count
        return np.where(enough, mean, np.nan).astype(np.float32), np.where(enough, std, np.nan).astype(
            np.float32
        )


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / b, np.nan).astype(np.float32)


@dataclass
class FeatureBuilder:
    """Builds the design matrix of any (series, hour) rows for a horizon, from the counts and the calendar.

    - ``wide``: the counts.
    - ``calendar``: day-level frame covering the counts' days (``calendar.day_calendar``), or None.
    - ``calendar_flags``: the calendar's columns the model sees (holiday flags).
    - ``covariates``: name -> (series x hours) or (hours,) float array (e.g. weather), observed at their hour.
    - ``known_ahead``: covariate names known in advance (taken at ``t`` instead of ``t - h``).
    - ``categorical_covariates``: covariate names holding category codes.
    """

    wide: WideCounts
    calendar: pd.DataFrame | None = None
    calendar_flags: list[str] = field(default_factory=list)
    covariates: dict[str, np.ndarray] = field(default_factory=dict)
    known_ahead: tuple[str, ...] = ()
    categorical_covariates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.Y = np.ascontiguousarray(self.wide.values, dtype=np.float32)
        self.S, self.T = self.Y.shape
        self.sums = RollingSums(self.Y)
        ts = self.wide.timestamps
        self.hour = ts.hour.to_numpy().astype(np.int16)
        self.weekday = ts.weekday.to_numpy().astype(np.int16)
        self.month = ts.month.to_numpy().astype(np.int16)
        days = ts.normalize()
        self.day_index = ((days - days[0]) // pd.Timedelta(days=1)).to_numpy()
        self.flags: dict[str, np.ndarray] = {}
        if self.calendar is not None and self.calendar_flags:
            cal = self.calendar.reindex(pd.date_range(days[0], days[-1], freq="D"))
            if cal[self.calendar_flags].isna().any().any():
                raise ValueError("calendar does not cover every day of the counts.")
            for name in self.calendar_flags:
                self.flags[name] = cal[name].to_numpy(dtype=np.float32)
        self.direction_code = pd.factorize(self.wide.series["direction"].astype(str))[0].astype(np.float32)
        for name, values in self.covariates.items():
            values = np.asarray(values)
            if values.shape not in ((self.T,), (self.S, self.T)):
                raise ValueError(f"covariate {name} must be (hours,) or (series, hours), got {values.shape}.")

    def __getstate__(self) -> dict:
        """Sent to a worker without the running sums (twice the counts' size): rebuilt there."""
        return {k: v for k, v in self.__dict__.items() if k != "sums"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.sums = RollingSums(self.Y)

    # --- gathering ---------------------------------------------------------------------------------
    def lag(self, s: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
        src = t - k
        ok = src >= 0
        out = np.full(len(s), np.nan, dtype=np.float32)
        out[ok] = self.Y[s[ok], src[ok]]
        return out

    def profile(self, s: np.ndarray, t: np.ndarray, min_back: int) -> np.ndarray:
        """Mean of the same hour 1..4 weeks before ``t``, using only weeks at least ``min_back`` hours back."""
        weeks = [w for w in range(1, PROFILE_WEEKS + 1) if 168 * w >= min_back] or [PROFILE_WEEKS]
        stack = np.stack([self.lag(s, t, 168 * w) for w in weeks])
        n = (~np.isnan(stack)).sum(axis=0)
        return np.where(n > 0, np.nansum(stack, axis=0) / np.maximum(n, 1), np.nan).astype(np.float32)

    def _covariate(self, values: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        ok = t >= 0
        out = np.full(len(s), np.nan, dtype=np.float32)
        out[ok] = values[t[ok]] if values.ndim == 1 else values[s[ok], t[ok]]
        return out

    def _day_flag(self, flag: np.ndarray, t: np.ndarray, offset: int) -> np.ndarray:
        d = self.day_index[t] + offset
        ok = (d >= 0) & (d < len(flag))
        out = np.full(len(t), np.nan, dtype=np.float32)
        out[ok] = flag[d[ok]]
        return out

    # --- the design matrices -----------------------------------------------------------------------
    def design(self, s: np.ndarray, t: np.ndarray, horizon: int, scale: np.ndarray) -> pd.DataFrame:
        """The model's features for rows (``s``, ``t``) forecast ``horizon`` hours ahead.

        Count-valued features are divided by the series' ``scale`` (its mean over the training window)
        so one model serves sites of any size; ratios are scale-free.
        """
        h = int(horizon)
        if h < 1:
            raise ValueError(f"horizon must be at least 1 hour, got {horizon}.")
        s = np.asarray(s, dtype=np.int64)
        t = np.asarray(t, dtype=np.int64)
        sc = scale[s].astype(np.float32)
        cols: dict[str, np.ndarray] = {}
        counts: dict[str, np.ndarray] = {}
        for k in lags_for(h):
            counts[f"lag_{k}"] = self.lag(s, t, k)
        issue = t - h
        for window, min_count in ((3, 2), (24, 12), (168, 84)):
            mean, std = self.sums.mean_std(s, issue, window, min_count)
            counts[f"roll_mean_{window}"] = mean
            if window == 24:
                counts["roll_std_24"] = std
        latest = counts[f"lag_{h}"]
        prof_t = self.profile(s, t, h)
        prof_issue = self.profile(s, issue, 0)
        counts["profile_t"] = prof_t
        counts["profile_issue"] = prof_issue
        counts["profile_step_forecast"] = latest * _ratio(prof_t, prof_issue)
        counts["profile_diff_forecast"] = latest + prof_t - prof_issue
        counts["momentum"] = latest - counts[f"lag_{h + 1}"]
        if h < 168:
            counts["week_step_forecast"] = latest * _ratio(self.lag(s, t, 168), self.lag(s, t, 168 + h))
        if h < 24:
            counts["day_step_forecast"] = latest * _ratio(self.lag(s, t, 24), self.lag(s, t, 24 + h))
        for name, values in counts.items():
            cols[name] = values / sc
        cols["profile_step"] = _ratio(prof_t, prof_issue)
        cols["anomaly_at_issue"] = _ratio(latest, self.lag(s, t, h + 168))
        n3, s3, _ = self.sums.window(s, issue, 3)
        n3w, s3w, _ = self.sums.window(s, issue - 168, 3)
        cols["anomaly_3h"] = _ratio(s3 / np.maximum(n3, 1), s3w / np.maximum(n3w, 1))
        n24, s24, _ = self.sums.window(s, issue, 24)
        n24d, s24d, _ = self.sums.window(s, issue - 24, 24)
        cols["level_vs_day_before"] = _ratio(s24 / np.maximum(n24, 1), s24d / np.maximum(n24d, 1))
        cols["hour"] = self.hour[t].astype(np.float32)
        cols["weekday"] = self.weekday[t].astype(np.float32)
        cols["month"] = self.month[t].astype(np.float32)
        for name, flag in self.flags.items():
            cols[name] = self._day_flag(flag, t, 0)
            cols[name + "_tomorrow"] = self._day_flag(flag, t, 1)
            cols[name + "_yesterday"] = self._day_flag(flag, t, -1)
            cols[name + "_last_week"] = self._day_flag(flag, t, -7)
        for name, values in self.covariates.items():
            known = name in self.known_ahead
            cols[name if known else name + "_at_issue"] = self._covariate(values, s, t if known else issue)
        cols["log_scale"] = np.log1p(sc)
        cols["direction_code"] = self.direction_code[s]
        cols["series_code"] = s.astype(np.float32)
        X = pd.DataFrame(cols)
        for name in ("series_code", "direction_code", *self.categorical_names()):
            X[name] = pd.Categorical(X[name].fillna(-1).astype(np.int32), categories=self._categories(name))
        return X

    def categorical_names(self) -> list[str]:
        return [
            name if name in self.known_ahead else name + "_at_issue"
            for name in self.covariates
            if name in self.categorical_covariates
        ]

    def _categories(self, name: str) -> list[int]:
        if name == "series_code":
            return list(range(self.S))
        if name == "direction_code":
            return list(range(int(self.direction_code.max()) + 1)) if self.S else [0]
        base = name.removesuffix("_at_issue")
        values = np.asarray(self.covariates[base])
        return sorted({-1, *np.unique(values[np.isfinite(values)]).astype(int).tolist()})

    def plain_design(self, s: np.ndarray, t: np.ndarray, horizon: int) -> pd.DataFrame:
        """The plain reference model's features: raw count lags 1, 2, 3, 24, 168 h (moved to what is
        known ``horizon`` hours ahead), hour of day and weekday. No scaling, no series identity."""
        s = np.asarray(s, dtype=np.int64)
        t = np.asarray(t, dtype=np.int64)
        cols = {f"lag_{k}": self.lag(s, t, k) for k in plain_lags_for(horizon)}
        cols["hour"] = self.hour[t].astype(np.float32)
        cols["weekday"] = self.weekday[t].astype(np.float32)
        return pd.DataFrame(cols)
