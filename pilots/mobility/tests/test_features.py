"""Features are horizon-aware and leak-free: changing the future never changes a feature of the past."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.calendar import day_calendar
from pilots.mobility.features import (
    FeatureBuilder,
    RollingSums,
    WideCounts,
    _rolling,
    lags_for,
    plain_lags_for,
    shift,
    to_wide,
)


def _builder(data, values=None, covariates=None):
    wide = data.wide if values is None else WideCounts(values, data.wide.series, data.wide.timestamps)
    return FeatureBuilder(wide, data.calendar, data.calendar_flags, covariates or {})


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


def test_only_lags_at_least_the_horizon_are_used():
    assert lags_for(1) == [1, 2, 3, 24, 48, 168, 336]
    assert lags_for(3) == [3, 4, 5, 24, 48, 168, 336]
    assert lags_for(24) == [24, 25, 26, 48, 168, 336]
    assert plain_lags_for(1) == [1, 2, 3, 24, 168]  # the README's plain LightGBM
    assert plain_lags_for(3) == [3, 4, 5, 24, 168]
    assert plain_lags_for(24) == [24, 25, 26, 168]
    for h in (1, 3, 24):
        assert min(lags_for(h)) == h and min(plain_lags_for(h)) == h


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


def test_rolling_ignores_missing_values_and_needs_enough_of_them():
    a = np.array([[1, 2, np.nan, 4, 5, np.nan, np.nan, np.nan]], dtype=np.float32)
    mean, _ = _rolling(a, 3, 2)
    assert mean[0, 3] == pytest.approx(3.0) and mean[0, 4] == pytest.approx(4.5)
    assert np.isnan(mean[0, 7])  # only missing values in the window
    sums = RollingSums(a)
    n, s1, _ = sums.window(np.array([0]), np.array([-1]), 3)  # a window before the data is empty
    assert n[0] == 0 and s1[0] == 0
    assert (
        np.array_equal(shift(a, 2)[0, 2:], a[0, :-2], equal_nan=True) and np.isnan(shift(a, 2)[0, :2]).all()
    )


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
    assert np.array_equal(
        w.values, np.array([[1, np.nan, 3], [np.nan, np.nan, 7]], dtype=np.float32), equal_nan=True
    )
    with pytest.raises(ValueError, match="whole hours"):
        to_wide(tidy.assign(timestamp=tidy["timestamp"] + pd.Timedelta(minutes=15)))


def test_bad_arguments(spring_data):
    builder = _builder(spring_data)
    with pytest.raises(ValueError, match="horizon must be"):
        builder.design(np.array([0]), np.array([500]), 0, np.ones(12))
    with pytest.raises(ValueError, match="does not cover"):
        FeatureBuilder(spring_data.wide, spring_data.calendar.iloc[5:], spring_data.calendar_flags)
    with pytest.raises(ValueError, match="covariate"):
        FeatureBuilder(spring_data.wide, covariates={"w": np.ones(3)})
