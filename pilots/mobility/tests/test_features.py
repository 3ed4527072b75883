"""Features are horizon-aware and leak-free: changing the future never changes a feature of the past."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.calendar import holiday_calendar
from pilots.mobility.features import WideCounts, _rolling, build_features, lags_for, shift, to_wide


@pytest.fixture(scope="module")
def wide(spring_data):
    return spring_data.wide


@pytest.mark.parametrize("horizon", [1, 3, 24])
def test_perturbing_the_future_leaves_earlier_features_unchanged(spring_data, horizon):
    data = spring_data
    kwargs = dict(
        calendar=data.calendar, static=data.static, exposure=data.exposure, known=data.known, issue=data.issue
    )
    base = build_features(data.wide, horizon, **kwargs)
    cut = 900  # hour index of the "present"
    rng = np.random.default_rng(0)
    future = data.wide.values.copy()
    future[:, cut + 1 :] = rng.uniform(0, 10_000, future[:, cut + 1 :].shape).astype(np.float32)
    future[:, cut + 5 : cut + 40] = np.nan  # and some future outages
    issue = {k: v.copy() for k, v in data.issue.items()}
    issue["incident"][:, cut + 1 :] = 1.0  # incidents reported after the cut
    perturbed = build_features(
        WideCounts(future, data.wide.series, data.wide.timestamps), horizon, **{**kwargs, "issue": issue}
    )
    cols = base.feature_columns
    t = base.frame["t"].to_numpy()
    known_at_issue = t <= cut + horizon  # issued at t - h <= cut: everything it may use is unchanged
    a = base.frame.loc[known_at_issue, cols].to_numpy()
    b = perturbed.frame.loc[known_at_issue, cols].to_numpy()
    assert np.array_equal(a, b, equal_nan=True)
    # and the test can fail: rows issued after the cut do see the change
    later = (t > cut + horizon) & (t < cut + horizon + 48)
    assert not np.array_equal(
        base.frame.loc[later, cols].to_numpy(), perturbed.frame.loc[later, cols].to_numpy(), equal_nan=True
    )


def test_only_lags_at_least_the_horizon_are_used():
    assert lags_for(1) == [1, 2, 3, 24, 48, 168, 336]
    assert lags_for(3) == [3, 4, 5, 24, 48, 168, 336]
    assert lags_for(24) == [24, 25, 26, 48, 168, 336]
    for h in (1, 3, 24):
        assert min(lags_for(h)) == h


def test_lag_and_rolling_values(wide, spring_data):
    fs = build_features(wide, 3, calendar=spring_data.calendar)
    Y = wide.values
    s, t = 2, 500
    row = fs.frame.iloc[s * fs.n_hours + t]
    assert row["lag_3"] == Y[s, t - 3] or (np.isnan(row["lag_3"]) and np.isnan(Y[s, t - 3]))
    assert row["lag_168"] == Y[s, t - 168] or np.isnan(Y[s, t - 168])
    window = pd.Series(Y[s, t - 3 - 23 : t - 3 + 1])
    assert row["roll_mean_24"] == pytest.approx(window.mean(), rel=1e-5)
    assert row["roll_std_24"] == pytest.approx(window.std(ddof=0), rel=1e-4)
    assert row["target"] == Y[s, t] or np.isnan(Y[s, t])
    assert row["hour"] == wide.timestamps[t].hour and row["weekday"] == wide.timestamps[t].weekday()


def test_rolling_ignores_missing_values_and_needs_enough_of_them():
    a = np.array([[1, 2, np.nan, 4, 5, np.nan, np.nan, np.nan]], dtype=np.float32)
    mean, _ = _rolling(a, 3, 2)
    assert mean[0, 3] == pytest.approx(3.0) and mean[0, 4] == pytest.approx(4.5)
    assert np.isnan(mean[0, 7])  # only missing values in the window
    assert (
        np.array_equal(shift(a, 2)[0, 2:], a[0, :-2], equal_nan=True) and np.isnan(shift(a, 2)[0, :2]).all()
    )


def test_holiday_features_describe_the_target_day(spring_data):
    fs = build_features(spring_data.wide, 24, calendar=spring_data.calendar, exposure=spring_data.exposure)
    f = fs.frame
    ts = spring_data.wide.timestamps[f["t"].to_numpy()]
    may8 = ts.normalize() == pd.Timestamp("2023-05-08")
    assert (f.loc[may8, "hol_FR"] == 1).all() and (f.loc[may8, "hol_LU"] == 0).all()
    assert (f.loc[may8, "border_holiday"] == 1).all()
    a3 = f["series"] == spring_data.wide.series.index[spring_data.wide.series["station_id"] == "P009-A3"][0]
    assert f.loc[may8 & a3, "home_holiday_not_lu"].iloc[0] > 0.5
    may15 = ts.normalize() == pd.Timestamp("2023-05-15")
    assert (f.loc[may15, "border_holiday_last_week"] == 1).all()  # last week's lag was a holiday
    assert (f.loc[may8, "home_holiday_not_lu"] >= 0).all()


def test_to_wide_puts_gaps_on_the_grid():
    tidy = pd.DataFrame(
        {
            "station_id": ["B", "A", "A"],
            "direction": [1, 1, 1],
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


def test_bad_arguments(wide):
    cal = holiday_calendar(wide.timestamps[0], wide.timestamps[-1])
    with pytest.raises(ValueError, match="horizon must be"):
        build_features(wide, 0, calendar=cal)
    with pytest.raises(ValueError, match="does not cover"):
        build_features(wide, 1, calendar=cal.iloc[5:])
