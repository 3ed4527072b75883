"""Features are horizon-aware and leak-free: changing the future never changes a feature of the past.

The first tests use small hand-made counts (fast, and they cover the edge cases: gaps, zeros, a start at
23:00, windows before the data); every feature is compared with an independent pandas computation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.model.calendar import day_calendar
from pilots.mobility.model.features import (
    FeatureBuilder,
    RollingSums,
    WideCounts,
    _ratio,
    lags_for,
    plain_lags_for,
    to_wide,
)

# --- small hand-made counts --------------------------------------------------------------------------

START = "2023-03-05 23:00"  # a Sunday, one hour before midnight: day 0 of the calendar is one hour long
HOURS = 24 * 35 + 2  # ... and the last hour is 00:00 of day 36
FLAGS = ["holiday", "hol_X"]


def _counts(seed: int = 0) -> WideCounts:
    """Three series: a busy one with random gaps, a quiet one (zeros and ones at night, fractional
    profile means) and one with every other hour missing for a week and a constant stretch."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(START, periods=HOURS, freq="h")
    hour = ts.hour.to_numpy()
    shape = 0.15 + np.exp(-0.5 * ((hour - 8) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 17) / 2) ** 2)
    busy = np.round(1500 * shape * rng.lognormal(0, 0.15, HOURS))
    busy[rng.random(HOURS) < 0.2] = np.nan
    quiet = np.where((hour < 6) | (hour > 21), rng.integers(0, 2, HOURS), np.round(30 * shape)).astype(float)
    quiet[rng.random(HOURS) < 0.1] = np.nan
    gappy = np.round(400 * shape * rng.lognormal(0, 0.1, HOURS))
    gappy[200:400:2] = np.nan  # exactly 12 of every 24 hours and 84 of every 168 hours
    gappy[500:540] = 250.0  # a constant stretch: a standard deviation of 0
    gappy[600:606] = np.nan
    gappy[603] = 80.0  # one count among missing hours
    gappy[650:690] = np.nan
    gappy[665] = 90.0  # ... and one in a whole day
    values = np.vstack([busy, quiet, gappy]).astype(np.float32)
    series = pd.DataFrame({"station_id": ["a", "b", "c"], "direction": ["1", "2", "1"]})
    series["direction_label"] = series["direction"]
    return WideCounts(values, series, ts)


def _calendar(ts: pd.DatetimeIndex) -> pd.DataFrame:
    days = pd.date_range(ts[0].normalize(), ts[-1].normalize(), freq="D")
    cal = pd.DataFrame(index=days)
    cal["holiday"] = np.isin(np.arange(len(days)), [0, 9, 20, len(days) - 1])
    cal["hol_X"] = np.isin(np.arange(len(days)), [1, 10, 11, 30])
    return cal


def _covariates(wide: WideCounts) -> tuple[dict, tuple, tuple]:
    rng = np.random.default_rng(1)
    S, T = wide.shape
    weather = rng.integers(0, 4, T).astype(float)
    weather[::7] = np.nan
    covariates = {
        "temp": rng.normal(10, 5, T).astype(np.float32),  # observed: taken at issue time
        "rain": rng.gamma(1, 1, (S, T)).astype(np.float32),  # per series
        "event": (rng.random(T) < 0.1).astype(np.float32),  # known in advance
        "weather": weather,  # category codes, observed
        "plan": rng.integers(2, 5, T).astype(float),  # category codes, known in advance
    }
    return covariates, ("event", "plan"), ("weather", "plan")


def _full_builder(seed: int = 0) -> FeatureBuilder:
    wide = _counts(seed)
    covariates, known, categorical = _covariates(wide)
    return FeatureBuilder(wide, _calendar(wide.timestamps), FLAGS, covariates, known, categorical)


def _all_rows(S: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(S), T), np.tile(np.arange(T), S)


def _strict_design(builder: FeatureBuilder, s, t, h: int, scale) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from gaps and zeros, no deprecated pandas call
        return builder.design(s, t, h, scale)


# --- the independent reference -------------------------------------------------------------------


def _ratio_ref(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    out = np.full(a.shape, np.nan)
    ok = b > 0
    out[ok] = a[ok] / b[ok]
    return out


def _window_mean_or_zero(y: pd.Series, window: int) -> pd.Series:
    """Mean of the counts in the ``window`` hours ending at each hour; 0 where there is none."""
    total = y.rolling(window, min_periods=0).sum()
    n = y.notna().astype(float).rolling(window, min_periods=0).sum()
    return total / n.clip(lower=1)


def _profile_ref(y: pd.Series, min_back: int) -> pd.Series:
    weeks = [w for w in (1, 2, 3, 4) if 168 * w >= min_back] or [4]
    return pd.concat([y.shift(168 * w) for w in weeks], axis=1).mean(axis=1, skipna=True)


def _reference(builder: FeatureBuilder, h: int, scale: np.ndarray) -> pd.DataFrame:
    """Every feature of every (series, hour) row, computed series by series with pandas."""
    wide = builder.wide
    S, T = wide.shape
    ts = wide.timestamps
    frames = []
    day = ((ts.normalize() - ts[0].normalize()) // pd.Timedelta(days=1)).to_numpy()
    n_days = day[-1] + 1
    for s in range(S):
        y = pd.Series(wide.values[s].astype(float))
        c: dict[str, pd.Series] = {}
        for k in lags_for(h):
            c[f"lag_{k}"] = y.shift(k)
        for window, min_count in ((3, 2), (24, 12), (168, 84)):
            c[f"roll_mean_{window}"] = y.rolling(window, min_periods=min_count).mean().shift(h)
        c["roll_std_24"] = y.rolling(24, min_periods=12).std(ddof=0).shift(h)
        latest, prof_t, prof_issue = y.shift(h), _profile_ref(y, h), _profile_ref(y, 0).shift(h)
        c["profile_t"], c["profile_issue"] = prof_t, prof_issue
        c["profile_step_forecast"] = latest * _ratio_ref(prof_t, prof_issue)
        c["profile_diff_forecast"] = latest + prof_t - prof_issue
        c["momentum"] = latest - y.shift(h + 1)
        if h < 168:
            c["week_step_forecast"] = latest * _ratio_ref(y.shift(168), y.shift(168 + h))
        if h < 24:
            c["day_step_forecast"] = latest * _ratio_ref(y.shift(24), y.shift(24 + h))
        frame = pd.DataFrame({name: values / scale[s] for name, values in c.items()})
        frame["profile_step"] = _ratio_ref(prof_t, prof_issue)
        frame["anomaly_at_issue"] = _ratio_ref(latest, y.shift(h + 168))
        m3, m24 = _window_mean_or_zero(y, 3), _window_mean_or_zero(y, 24)
        frame["anomaly_3h"] = _ratio_ref(m3.shift(h, fill_value=0), m3.shift(h + 168, fill_value=0))
        frame["level_vs_day_before"] = _ratio_ref(m24.shift(h, fill_value=0), m24.shift(h + 24, fill_value=0))
        frame["hour"], frame["weekday"], frame["month"] = ts.hour, ts.weekday, ts.month
        for name in builder.calendar_flags:
            flag = builder.calendar[name].to_numpy(float)
            for suffix, offset in (("", 0), ("_tomorrow", 1), ("_yesterday", -1), ("_last_week", -7)):
                d = day + offset
                inside = (d >= 0) & (d < n_days)
                frame[name + suffix] = np.where(inside, flag[np.clip(d, 0, n_days - 1)], np.nan)
        for name, values in builder.covariates.items():
            row = pd.Series(values[s] if np.ndim(values) == 2 else values, dtype=float)
            known = name in builder.known_ahead
            frame[name if known else name + "_at_issue"] = row if known else row.shift(h)
        frame["log_scale"] = np.log1p(scale[s])
        frame["direction_code"] = float(pd.factorize(wide.series["direction"])[0][s])
        frame["series_code"] = float(s)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _expected_columns(h: int, flags=(), covariates=(), known=()) -> list[str]:
    counts = [f"lag_{k}" for k in lags_for(h)] + [
        "roll_mean_3",
        "roll_mean_24",
        "roll_std_24",
        "roll_mean_168",
    ]
    counts += ["profile_t", "profile_issue", "profile_step_forecast", "profile_diff_forecast", "momentum"]
    counts += (["week_step_forecast"] if h < 168 else []) + (["day_step_forecast"] if h < 24 else [])
    cols = counts + ["profile_step", "anomaly_at_issue", "anomaly_3h", "level_vs_day_before"]
    cols += ["hour", "weekday", "month"]
    for name in flags:
        cols += [name, name + "_tomorrow", name + "_yesterday", name + "_last_week"]
    cols += [name if name in known else name + "_at_issue" for name in covariates]
    return cols + ["log_scale", "direction_code", "series_code"]


# --- every feature against the reference ---------------------------------------------------------


@pytest.mark.parametrize("horizon", [1, 3, 24, 168, 200])
def test_every_feature_matches_an_independent_computation(horizon):
    builder = _full_builder()
    S, T = builder.wide.shape
    s, t = _all_rows(S, T)
    scale = np.array([900.0, 14.0, 0.5])
    X = _strict_design(builder, s, t, horizon, scale)
    assert list(X.columns) == _expected_columns(horizon, FLAGS, builder.covariates, builder.known_ahead)
    ref = _reference(builder, horizon, scale)
    categorical = ["weather_at_issue", "plan", "direction_code", "series_code"]
    for name in X.columns:
        if name in categorical:
            continue
        assert X[name].dtype == np.float32, name
        np.testing.assert_allclose(
            X[name].to_numpy(float), ref[name].to_numpy(float), rtol=2e-5, err_msg=name
        )
    assert X["direction_code"].cat.categories.tolist() == [0, 1]
    assert X["direction_code"].astype(int).tolist() == ref["direction_code"].astype(int).tolist()
    assert X["series_code"].cat.categories.tolist() == [0, 1, 2]
    assert X["series_code"].astype(int).tolist() == s.tolist()
    # the category codes of the data, with -1 for an unknown value; observed ones as at issue time
    weather = pd.Series(builder.covariates["weather"]).shift(horizon).fillna(-1).astype(int).to_numpy()
    assert X["weather_at_issue"].cat.categories.tolist() == [-1, 0, 1, 2, 3]
    assert X["weather_at_issue"].cat.categories.dtype.kind == X["plan"].cat.categories.dtype.kind == "i"
    assert X["weather_at_issue"].astype(int).tolist() == np.tile(weather, S).tolist()
    assert X["plan"].cat.categories.tolist() == [-1, 2, 3, 4]
    assert X["plan"].astype(int).tolist() == np.tile(builder.covariates["plan"].astype(int), S).tolist()
    assert builder.categorical_names() == ["weather_at_issue", "plan"]


def test_the_reference_sees_the_edge_cases_it_is_meant_to():
    """The data hold what the comparison above must get right: windows at exactly their minimum count,
    a single count in a window, zero denominators, fractional profile means, a zero deviation."""
    builder = _full_builder()
    sums = builder.sums
    s, t = np.full(400, 2), np.arange(200, 600)
    n24, _, _ = sums.window(s, t, 24)
    n168, _, _ = sums.window(s, t, 168)
    n3, _, _ = sums.window(np.full(3, 2), np.array([603, 604, 605]), 3)
    n1, _, _ = sums.window(np.array([2]), np.array([673]), 24)
    assert (n24 == 12).any() and (n168 == 84).any() and (n3 == 1).all() and n1[0] == 1
    X = builder.design(*_all_rows(*builder.wide.shape), 1, np.ones(3))
    assert (X["roll_std_24"] == 0).any()
    prof = X["profile_issue"].to_numpy()
    assert ((prof > 0) & (prof < 1)).any() and (prof == 0).any()


def test_features_of_the_first_hours_need_the_hours_before_them():
    """At ``t < h`` nothing is known; windows reaching before the first hour hold only what exists."""
    builder = _full_builder()
    X = builder.design(np.full(5, 2), np.arange(5), 3, np.ones(3))
    assert X.loc[:2, "lag_3"].isna().all() and X.loc[3, "lag_3"] == builder.Y[2, 0]
    assert (
        X.loc[:2, "temp_at_issue"].isna().all() and X.loc[3, "temp_at_issue"] == builder.covariates["temp"][0]
    )


@pytest.mark.parametrize("index_type", [list, np.int32, np.float64])
def test_rows_may_be_given_as_any_whole_numbers(index_type):
    builder = _full_builder()
    s, t = np.array([0, 1, 2, 2]), np.array([400, 401, 700, 841])
    convert = (lambda a: a.tolist()) if index_type is list else (lambda a: a.astype(index_type))
    expected = builder.design(s, t, 3, np.ones(3))
    pd.testing.assert_frame_equal(builder.design(convert(s), convert(t), 3, np.ones(3)), expected)
    plain = builder.plain_design(s, t, 3)
    pd.testing.assert_frame_equal(builder.plain_design(convert(s), convert(t), 3), plain)


@pytest.mark.parametrize("horizon", [1, 24, 200])
def test_plain_design_is_raw_lags_hour_and_weekday(horizon):
    builder = _full_builder()
    s, t = _all_rows(*builder.wide.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = builder.plain_design(s, t, horizon)
    assert list(X.columns) == [f"lag_{k}" for k in plain_lags_for(horizon)] + ["hour", "weekday"]
    assert (X.dtypes == np.float32).all()
    for k in plain_lags_for(horizon):
        expected = np.concatenate([pd.Series(v).shift(k).to_numpy(float) for v in builder.Y.astype(float)])
        np.testing.assert_array_equal(X[f"lag_{k}"].to_numpy(float), expected)
    ts = builder.wide.timestamps
    assert X["hour"].tolist() == np.tile(ts.hour, 3).tolist()
    assert X["weekday"].tolist() == np.tile(ts.weekday, 3).tolist()


# --- leak-free: the current row and the hours after the issue time -------------------------------


class _CurrentRowBuilder(FeatureBuilder):
    """A planted bug: a feature that includes the current row (the count being forecast)."""

    def design(self, s, t, horizon, scale):
        X = super().design(s, t, horizon, scale)
        X["recent_mean"] = self.sums.mean_std(np.asarray(s), np.asarray(t), 3, 1)[0]
        return X


def _leaking_columns(factory, horizon: int) -> list[str]:
    """Columns of rows issued at hour ``cut`` (and before) that change when the counts (and the observed
    covariates) after ``cut`` change: the forecast hour itself, and every hour between issue and target."""
    wide = _counts(3)
    covariates, known, categorical = _covariates(wide)
    cal = _calendar(wide.timestamps)
    S, T = wide.shape
    rng = np.random.default_rng(5)
    changed = []
    for cut in (300, 500, 700):
        later = wide.values.copy()
        later[:, cut + 1 :] = rng.uniform(0, 5000, later[:, cut + 1 :].shape).astype(np.float32)
        later[:, cut + 3 : cut + 9] = np.nan  # and an outage
        later_cov = {
            name: (values if name in known else np.where(np.arange(T) > cut, 99.0, values))
            for name, values in covariates.items()
        }
        a = factory(wide, cal, FLAGS, covariates, known, categorical)
        b = factory(
            WideCounts(later, wide.series, wide.timestamps), cal, FLAGS, later_cov, known, categorical
        )
        t = np.arange(cut - 30, cut + horizon + 1)  # issued at t - h <= cut: the last row's target is cut + h
        s = np.repeat(np.arange(S), len(t))
        t = np.tile(t, S)
        Xa, Xb = a.design(s, t, horizon, np.ones(S)), b.design(s, t, horizon, np.ones(S))
        for name in Xa.columns:
            if not Xa[name].astype(float).equals(Xb[name].astype(float)):
                changed.append(name)
    return sorted(set(changed))


@pytest.mark.parametrize("horizon", [1, 3, 24])
def test_no_feature_sees_the_current_row_or_anything_after_the_issue_time(horizon):
    assert _leaking_columns(FeatureBuilder, horizon) == []
    # and the check can fail: a feature that includes the hour being forecast is caught
    assert _leaking_columns(_CurrentRowBuilder, horizon) == ["recent_mean"]


@pytest.mark.parametrize("horizon", [1, 3, 24])
def test_perturbing_the_future_leaves_earlier_features_unchanged(spring_data, horizon):
    data = spring_data
    S, T = data.wide.shape
    rng = np.random.default_rng(0)
    weather = rng.normal(size=T).astype(np.float32)
    base = _builder(data, covariates={"weather": weather})
    cut = 900  # hour index of the "present"
    future = data.wide.values.copy()
    future[:, cut + 1 :] = rng.uniform(0, 10_000, future[:, cut + 1 :].shape).astype(np.float32)
    future[:, cut + 5 : cut + 40] = np.nan  # and some future outages
    later_weather = weather.copy()
    later_weather[cut + 1 :] = 99.0
    perturbed = _builder(data, future, {"weather": later_weather})
    t = np.arange(600, cut + horizon + 48)
    s = np.repeat(np.arange(S), len(t))
    t = np.tile(t, S)
    scale = np.nanmean(data.wide.values[:, :cut], axis=1)
    a = base.design(s, t, horizon, scale)
    b = perturbed.design(s, t, horizon, scale)
    known = t <= cut + horizon  # issued at t - h <= cut: everything it may use is unchanged
    numeric = [c for c in a.columns if not isinstance(a[c].dtype, pd.CategoricalDtype)]
    assert np.array_equal(a.loc[known, numeric].to_numpy(), b.loc[known, numeric].to_numpy(), equal_nan=True)
    # and the test can fail: rows issued after the cut do see the change
    assert not np.array_equal(
        a.loc[~known, numeric].to_numpy(), b.loc[~known, numeric].to_numpy(), equal_nan=True
    )


# --- the pieces ----------------------------------------------------------------------------------


def test_only_lags_at_least_the_horizon_are_used():
    assert lags_for(1) == [1, 2, 3, 24, 48, 168, 336]
    assert lags_for(3) == [3, 4, 5, 24, 48, 168, 336]
    assert lags_for(24) == [24, 25, 26, 48, 168, 336]
    assert lags_for(200) == [200, 201, 202, 336]
    assert plain_lags_for(1) == [1, 2, 3, 24, 168]  # the README's plain LightGBM
    assert plain_lags_for(3) == [3, 4, 5, 24, 168]
    assert plain_lags_for(24) == [24, 25, 26, 168]
    assert plain_lags_for(200) == [200, 201, 202]
    for h in (1, 3, 24, 200):
        assert min(lags_for(h)) == h and min(plain_lags_for(h)) == h


def test_profile_uses_only_weeks_far_enough_back():
    """The weekly profile of hour t for a forecast issued h hours ahead averages the same hour of the
    weeks at least h hours back (the fourth week alone when none is), ignoring missing weeks."""
    T = 5 * 168 + 1
    values = np.zeros((1, T), np.float32)
    t = T - 1
    for w, v in ((1, 10.0), (2, 20.0), (3, np.nan), (4, 40.0)):
        values[0, t - 168 * w] = v
    builder = FeatureBuilder(WideCounts(values, pd.DataFrame({"direction": [""]}), _hours(T)))
    s, tt = np.array([0]), np.array([t])
    expected = {0: 70 / 3, 168: 70 / 3, 169: 30.0, 336: 30.0, 337: 40.0, 1000: 40.0}
    for min_back, value in expected.items():
        assert builder.profile(s, tt, min_back)[0] == pytest.approx(value), min_back
    values[0, t - 168] = np.nan
    values[0, t - 336] = np.nan
    one = FeatureBuilder(WideCounts(values, pd.DataFrame({"direction": [""]}), _hours(T)))
    assert one.profile(s, tt, 0)[0] == 40.0  # a single week: its count, not half of it
    values[0, t - 672] = np.nan
    none = FeatureBuilder(WideCounts(values, pd.DataFrame({"direction": [""]}), _hours(T)))
    assert np.isnan(none.profile(s, tt, 0)[0])  # no week: unknown, not 0


def _hours(T: int) -> pd.DatetimeIndex:
    return pd.date_range("2024-01-01", periods=T, freq="h")


def test_lag_reaches_the_first_hour_and_no_further():
    values = np.arange(12, dtype=np.float32).reshape(2, 6)
    builder = FeatureBuilder(WideCounts(values, pd.DataFrame({"direction": ["", ""]}), _hours(6)))
    out = builder.lag(np.array([1, 1, 1]), np.array([2, 3, 5]), 3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [np.nan, 6.0, 8.0])


def test_ratio_is_undefined_unless_the_denominator_is_positive():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _ratio(np.array([1.0, 1.0, 0.0, 3.0, np.nan]), np.array([0.5, 0.0, 0.0, -1.0, 2.0]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [2.0, np.nan, np.nan, np.nan, np.nan])


def test_rolling_sums_ignore_missing_values_and_need_enough_of_them():
    a = np.array([[1, 2, np.nan, 4, 5, np.nan, np.nan, np.nan]], dtype=np.float32)
    sums = RollingSums(a)
    s, end = np.zeros(8, int), np.arange(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 in empty windows stays silent
        mean, std = sums.mean_std(s, end, 3, 2)
    assert mean.dtype == np.float32 and std.dtype == np.float32
    np.testing.assert_allclose(mean, [np.nan, 1.5, 1.5, 3.0, 4.5, 4.5, np.nan, np.nan])
    np.testing.assert_allclose(std, [np.nan, 0.5, 0.5, 1.0, 0.5, 0.5, np.nan, np.nan])
    n, s1, s2 = sums.window(np.zeros(3, int), np.array([7, 4, 0]), 8)
    assert n.tolist() == [4, 4, 1] and s1.tolist() == [12.0, 12.0, 1.0] and s2.tolist() == [46.0, 46.0, 1.0]


def test_rolling_windows_at_the_edges_of_the_data():
    """A window partly outside the hours holds the part inside; one wholly outside holds nothing (no
    wrap-around to the other end, no index error)."""
    sums = RollingSums(np.array([[3, np.nan, 5, 7]], dtype=np.float32))
    ends = np.array([-5, -1, 0, 3, 4, 10])
    n, s1, s2 = sums.window(np.zeros(len(ends), int), ends, 2)
    assert n.tolist() == [0, 0, 1, 2, 1, 0]
    assert s1.tolist() == [0.0, 0.0, 3.0, 12.0, 7.0, 0.0] and s2.tolist() == [0.0, 0.0, 9.0, 74.0, 49.0, 0.0]


def test_arrays_are_compact():
    """float32 counts, int32 running counts and int16 calendar codes: what lets 1,000 sites x 2 years fit."""
    builder = _full_builder()
    assert builder.Y.dtype == np.float32 and builder.sums.cn.dtype == np.int32
    assert builder.sums.c1.dtype == np.float64 and builder.sums.c2.dtype == np.float64  # exact sums
    assert {builder.hour.dtype, builder.weekday.dtype, builder.month.dtype} == {np.dtype(np.int16)}
    assert builder.direction_code.dtype == np.float32
    assert all(flag.dtype == np.float32 for flag in builder.flags.values())
    assert builder.wide.values.dtype == np.float32
    wide = builder.wide
    doubles = FeatureBuilder(WideCounts(wide.values.astype(np.float64), wide.series, wide.timestamps))
    assert doubles.Y.dtype == np.float32 and np.array_equal(doubles.Y, builder.Y, equal_nan=True)


def test_calendar_flags_describe_the_days_around_the_target_hour():
    """Counts starting one hour before midnight and ending one hour after: the first and the last day are
    calendar days of their own; yesterday of the first day and tomorrow of the last are unknown."""
    builder = _full_builder()
    cal = _calendar(builder.wide.timestamps)
    T = builder.T
    t = np.array([0, 1, 24, 25, T - 2, T - 1])  # 23:00 day 0, 00:00 and 23:00 day 1, 00:00 day 2, day 35, 36
    X = builder.design(np.zeros(len(t), int), t, 1, np.ones(3))
    holiday = cal["holiday"].to_numpy(float)
    assert len(cal) == 37 and X["holiday"].tolist() == holiday[[0, 1, 1, 2, 35, 36]].tolist()
    assert X["hol_X"].tolist() == [0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert np.isnan(X.loc[0, "holiday_yesterday"]) and X.loc[1, "holiday_yesterday"] == holiday[0] == 1.0
    assert np.isnan(X.loc[5, "holiday_tomorrow"]) and X.loc[4, "holiday_tomorrow"] == holiday[36] == 1.0
    assert X.loc[0, "hol_X_tomorrow"] == 1.0 and X.loc[3, "hol_X_yesterday"] == 1.0
    assert X["holiday_last_week"].isna().tolist() == [True] * 4 + [False] * 2


def test_holiday_flags_describe_the_target_day():
    days = pd.date_range("2023-05-01", periods=21 * 24, freq="h")
    wide = WideCounts(
        np.ones((1, len(days)), np.float32), pd.DataFrame({"station_id": ["a"], "direction": [""]}), days
    )
    cal, flags = day_calendar(days[0], days[-1], country="LU", home_regions=["FR-57"])
    builder = FeatureBuilder(wide, cal, flags)
    t = np.flatnonzero(
        days.normalize() == pd.Timestamp("2023-05-08")
    )  # French holiday, Luxembourg working day
    X = builder.design(np.zeros(len(t), int), t, 24, np.ones(1))
    assert (
        (X["hol_FR_57"] == 1).all() and (X["holiday"] == 0).all() and (X["home_holiday_not_work"] == 1).all()
    )
    later = np.flatnonzero(days.normalize() == pd.Timestamp("2023-05-15"))
    assert (
        builder.design(np.zeros(len(later), int), later, 1, np.ones(1))["home_holiday_not_work_last_week"]
        == 1
    ).all()


def test_flags_without_a_calendar_and_no_series_at_all():
    wide = _counts()
    builder = FeatureBuilder(wide, None, FLAGS)
    assert builder.flags == {} and "holiday" not in builder.design(
        np.array([0]), np.array([500]), 1, np.ones(3)
    )
    empty = FeatureBuilder(WideCounts(np.zeros((0, 48), np.float32), wide.series.iloc[:0], _hours(48)))
    X = empty.design(np.array([], int), np.array([], int), 1, np.ones(0))
    assert X.empty and list(X.columns) == _expected_columns(1)
    assert (
        X["direction_code"].cat.categories.tolist() == [0] and X["series_code"].cat.categories.tolist() == []
    )


def test_lag_rolling_and_profile_values(spring_data):
    builder = _builder(spring_data)
    Y = spring_data.wide.values
    s, t, h = np.array([2]), np.array([900]), 3
    scale = np.ones(Y.shape[0])
    X = builder.design(s, t, h, scale).iloc[0]
    assert X["lag_3"] == Y[2, 897] or (np.isnan(X["lag_3"]) and np.isnan(Y[2, 897]))
    window = pd.Series(Y[2, 897 - 23 : 898])
    assert X["roll_mean_24"] == pytest.approx(window.mean(), rel=1e-5)
    assert X["roll_std_24"] == pytest.approx(window.std(ddof=0), rel=1e-4)
    weeks = pd.Series([Y[2, 900 - 168 * w] for w in range(1, 5)])
    assert X["profile_t"] == pytest.approx(weeks.mean(), rel=1e-5)
    step = weeks.mean() / pd.Series([Y[2, 897 - 168 * w] for w in range(1, 5)]).mean()
    assert X["profile_step_forecast"] == pytest.approx(Y[2, 897] * step, rel=1e-4)
    assert X["hour"] == spring_data.wide.timestamps[900].hour
    assert X["weekday"] == spring_data.wide.timestamps[900].weekday()
    plain = builder.plain_design(s, t, 1).iloc[0]
    assert list(plain.index) == ["lag_1", "lag_2", "lag_3", "lag_24", "lag_168", "hour", "weekday"]
    assert plain["lag_168"] == Y[2, 900 - 168] or np.isnan(Y[2, 900 - 168])


def test_count_features_are_divided_by_the_series_scale(spring_data):
    builder = _builder(spring_data)
    s, t = np.array([0, 0]), np.array([800, 801])
    one = builder.design(s, t, 1, np.ones(spring_data.wide.shape[0]))
    ten = builder.design(s, t, 1, np.full(spring_data.wide.shape[0], 10.0))
    assert np.allclose(one["lag_1"] / 10, ten["lag_1"]) and np.allclose(one["anomaly_3h"], ten["anomaly_3h"])


# --- counts to the (series x hours) array --------------------------------------------------------


def test_to_wide_puts_gaps_on_the_grid():
    tidy = pd.DataFrame(
        {
            "station_id": ["B", "A", "A"],
            "direction": ["", "", ""],
            "timestamp": pd.to_datetime(["2023-01-01 02:00", "2023-01-01 00:00", "2023-01-01 02:00"]),
            "count": [7.0, 1.0, 3.0],
        }
    )
    w = to_wide(tidy)
    assert list(w.series["station_id"]) == ["A", "B"] and len(w.timestamps) == 3
    assert w.values.dtype == np.float32
    assert np.array_equal(
        w.values, np.array([[1, np.nan, 3], [np.nan, np.nan, 7]], dtype=np.float32), equal_nan=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_wide(tidy)
    with pytest.raises(ValueError, match=r"^timestamps must fall on whole hours \(hourly counts\)\.$"):
        to_wide(tidy.assign(timestamp=tidy["timestamp"] + pd.Timedelta(minutes=15)))
    with pytest.raises(ValueError, match=r"^counts lack column\(s\) count, timestamp\.$"):
        to_wide(tidy[["station_id", "direction"]])


def test_to_wide_orders_series_by_site_then_direction_and_keeps_each_row_in_its_place():
    rng = np.random.default_rng(0)
    pairs = [("S2", "2"), ("S10", "1"), ("S1", "2"), ("S2", "1"), ("S1", "1"), ("S10", "2")]
    stamps = pd.date_range("2024-02-01", periods=5, freq="h")
    rows = pd.DataFrame(
        [(site, d, ts) for site, d in pairs for ts in stamps],
        columns=["station_id", "direction", "timestamp"],
    )
    rows["count"] = rng.integers(0, 1000, len(rows)).astype(float)
    rows = rows.sample(frac=1, random_state=1).reset_index(drop=True)
    for frame in (rows, rows.astype({"station_id": "category", "direction": "category"})):
        w, code, hour = to_wide(frame, return_index=True)
        assert list(zip(w.series["station_id"], w.series["direction"], strict=True)) == [
            ("S1", "1"), ("S1", "2"), ("S10", "1"), ("S10", "2"), ("S2", "1"), ("S2", "2"),
        ]  # fmt: skip
        assert w.series["direction_label"].tolist() == w.series["direction"].tolist()
        assert w.values[code, hour].tolist() == frame["count"].tolist()
        series = w.series.iloc[code]
        assert series["station_id"].tolist() == frame["station_id"].astype(str).tolist()
        assert series["direction"].tolist() == frame["direction"].astype(str).tolist()
        assert (w.timestamps[hour] == frame["timestamp"]).all()


def test_to_wide_names_a_site_given_as_number_and_as_text_once():
    """A spreadsheet that holds the site 1204 as a number in some rows and as text in others: one site."""
    tidy = pd.DataFrame(
        {
            "station_id": pd.Series([1204, "1204", 7, "7"], dtype=object),
            "direction": pd.Series([1, "1", 2, "2"], dtype=object),
            "timestamp": pd.to_datetime(["2023-01-01 00:00", "2023-01-01 01:00"] * 2),
            "count": [1.0, 2.0, 3.0, 4.0],
        }
    )
    w = to_wide(tidy)
    assert w.series[["station_id", "direction"]].values.tolist() == [["1204", "1"], ["7", "2"]]
    assert w.values.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_to_wide_refuses_rows_without_a_site():
    tidy = pd.DataFrame(
        {
            "station_id": pd.Categorical(["A", None]),
            "direction": ["", ""],
            "timestamp": pd.to_datetime(["2023-01-01 00:00", "2023-01-01 01:00"]),
            "count": [1.0, 2.0],
        }
    )
    with pytest.raises(ValueError, match=r"^some counts have no site or no direction name: name them"):
        to_wide(tidy)


def test_to_wide_refuses_site_categories_that_are_the_same_as_text():
    """Categories 1204 and "1204" of a categorical column would be two sites printed alike: refused."""
    tidy = pd.DataFrame(
        {
            "station_id": pd.Categorical(pd.Series([1204, "1204"], dtype=object)),
            "direction": ["", ""],
            "timestamp": pd.to_datetime(["2023-01-01 00:00", "2023-01-01 01:00"]),
            "count": [1.0, 2.0],
        }
    )
    with pytest.raises(ValueError, match="unique"):
        to_wide(tidy)


def test_bad_arguments(spring_data):
    builder = _builder(spring_data)
    with pytest.raises(ValueError, match="horizon must be"):
        builder.design(np.array([0]), np.array([500]), 0, np.ones(12))
    with pytest.raises(ValueError, match=r"^calendar does not cover every day of the counts\.$"):
        FeatureBuilder(spring_data.wide, spring_data.calendar.iloc[5:], spring_data.calendar_flags)
    with pytest.raises(ValueError, match="covariate"):
        FeatureBuilder(spring_data.wide, covariates={"w": np.ones(3)})


def _builder(data, values=None, covariates=None):
    wide = data.wide if values is None else WideCounts(values, data.wide.series, data.wide.timestamps)
    return FeatureBuilder(wide, data.calendar, data.calendar_flags, covariates or {})
