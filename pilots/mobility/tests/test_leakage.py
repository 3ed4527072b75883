"""End-to-end leakage guards of the rolling-origin backtest (``model.forecast.rolling_origin_backtest``).

After the forecast origin, the counts and the weather are replaced by noise: the series' scale, the band's
conformal margin, the fitted models and every forecast whose features end before the origin (a test hour
``t`` forecast ``h`` hours ahead with ``t < origin + h``) must not move, nor the hour-of-week average. The
rows each fit saw are recorded: every fitted object saw only hours before the origin, and the plain
LightGBM reference the same rows as the model's median. The recorded baseline values (the claims' MAE of
each baseline, the hour-of-week average, the seasonal naive) are recomputed here with pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility import model as M
from pilots.mobility.model import forecast as F
from pilots.mobility.model.features import FeatureBuilder, WideCounts

HORIZONS = (1, 24)
SMALL = {"n_estimators": 40, "learning_rate": 0.1}
KW = {"horizons": HORIZONS, "n_folds": 1, "test_days": 7, "min_train_days": 21, "point_params": SMALL,
      "band_params": SMALL, "seed": 4}  # fmt: skip


def _counts(seed: int = 0, n_series: int = 5, weeks: int = 6) -> tuple[WideCounts, np.ndarray, np.ndarray]:
    """Hourly counts with a daily and weekly shape, day-level deviations and noise; an hourly temperature;
    the counts without their hourly noise (what a forecaster knowing everything but the noise would say)."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2024-03-04", periods=weeks * 168, freq="h")
    hour, weekday = t.hour.to_numpy(), t.weekday.to_numpy()
    shape = 0.2 + np.exp(-0.5 * ((hour - 8) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 17) / 2) ** 2)
    shape = shape * np.where(weekday < 5, 1.0, 0.6)
    level = rng.uniform(200, 2000, (n_series, 1))
    day = np.repeat(np.exp(rng.normal(0, 0.1, (n_series, weeks * 7))), 24, axis=1)
    signal = level * shape * day
    values = (signal * np.exp(rng.normal(0, 0.1, (n_series, len(t))))).astype(np.float32)
    series = pd.DataFrame({"station_id": [f"s{i}" for i in range(n_series)], "direction": ""})
    series["direction_label"] = "all directions"
    temperature = (10 + 8 * np.sin(np.arange(len(t)) / 24 * 2 * np.pi) + rng.normal(0, 1, len(t))).astype(
        np.float32
    )
    return WideCounts(values, series, t), temperature, signal


def _builder(wide: WideCounts, temperature: np.ndarray) -> FeatureBuilder:
    return FeatureBuilder(wide, covariates={"temperature": temperature})


@pytest.fixture(scope="module")
def runs():
    """The backtest on the counts and on the counts and weather replaced by noise after the origin; the
    rows every fit was given, recorded on the first."""
    wide, temperature, signal = _counts()
    builder = _builder(wide, temperature)
    seen: dict[str, list] = {"plain": [], "quantile": []}
    fit_plain, fit_quantile = F.fit_plain, F._fit
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            F,
            "fit_plain",
            lambda b, h, train, seed: seen["plain"].append((h, train)) or fit_plain(b, h, train, seed),
        )
        mp.setattr(
            F,
            "_fit",
            lambda X, z, alpha, params, seed: (
                seen["quantile"].append((alpha, len(X))) or fit_quantile(X, z, alpha, params, seed)
            ),
        )
        first = F.rolling_origin_backtest(builder, **KW)
    units, _ = F.plan_backtest(builder, **{k: v for k, v in KW.items() if not k.endswith("_params")})
    origin = units[0].origin
    rng = np.random.default_rng(1)
    values, weather = wide.values.copy(), temperature.copy()
    values[:, origin:] = rng.uniform(0, 5000, values[:, origin:].shape).astype(np.float32)
    weather[origin:] = rng.uniform(-20, 40, len(weather) - origin).astype(np.float32)
    noisy = _builder(WideCounts(values, wide.series, wide.timestamps), weather)
    second = F.rolling_origin_backtest(noisy, **KW)
    return first, second, builder, units, seen, signal


def test_counts_and_weather_after_the_origin_change_no_scale_no_band_and_no_forecast_made_before(runs):
    first, second, _, units, _, _ = runs
    origin = units[0].origin
    for h in HORIZONS:
        a, b = first.last_models[h], second.last_models[h]
        np.testing.assert_array_equal(a.scale, b.scale)  # the series' scale: the training window only
        assert a.margin == b.margin  # the band calibrated on the weeks before the origin
    p, q = first.predictions, second.predictions
    assert (p[["series", "t", "horizon"]].to_numpy() == q[["series", "t", "horizon"]].to_numpy()).all()
    before = (p["t"] < origin + p["horizon"]).to_numpy()  # forecasts whose features all end before the origin
    assert before.sum() >= len(units[0].test[0]) // 168 * 25  # the first hour and day of every series
    for col in ("p10", "p50", "p90", "plain_lgbm"):
        np.testing.assert_array_equal(p.loc[before, col], q.loc[before, col], err_msg=col)
    np.testing.assert_array_equal(p["hour_weekday_avg"], q["hour_weekday_avg"])
    np.testing.assert_array_equal(p["seasonal_naive"], q["seasonal_naive"])  # a week back: before the origin


def test_every_fit_saw_only_hours_before_the_origin_and_the_reference_the_models_rows(runs):
    _, _, _, units, seen, _ = runs
    assert [h for h, _ in seen["plain"]] == list(HORIZONS)
    for unit, (h, rows) in zip(units, seen["plain"], strict=True):
        assert unit.horizon == h
        assert rows[1].max() < unit.origin
        for got, want in zip(rows, unit.train, strict=True):  # the same window and rows as the median
            np.testing.assert_array_equal(got, want)
        assert (
            unit.calibration[1].min() >= unit.band_train[1].max() and unit.calibration[1].max() < unit.origin
        )
        assert unit.test[1].min() >= unit.origin
    three = [u for u in units for _ in range(3)]  # median, P10, P90 of each unit, in order
    sizes = {(u.horizon, round(q, 6)): n for u, (q, n) in zip(three, seen["quantile"], strict=True)}
    for unit in units:
        assert sizes[(unit.horizon, 0.5)] == len(unit.train[0])
        assert sizes[(unit.horizon, 0.1)] == sizes[(unit.horizon, 0.9)] == len(unit.band_train[0])


def test_recorded_baselines_are_the_baselines_recomputed(runs):
    first, _, builder, units, _, _ = runs
    origin = units[0].origin
    p = first.predictions
    Y, ts = builder.Y, builder.wide.timestamps
    # the hour-of-week average over the training hours only, by pandas
    long = pd.DataFrame(Y[:, :origin].T, index=ts[:origin])
    mean = long.groupby([long.index.weekday, long.index.hour]).mean()
    want = mean.loc[list(zip(p["timestamp"].dt.weekday, p["timestamp"].dt.hour, strict=True))].to_numpy()
    want = want[np.arange(len(p)), p["series"].to_numpy()]
    np.testing.assert_allclose(p["hour_weekday_avg"], want, rtol=1e-5)
    np.testing.assert_array_equal(p["seasonal_naive"], Y[p["series"], p["t"] - 168])
    claims = {c.name: c for c in M.claims(p, split="the last week", n_boot=20, seed=0)}
    for h in HORIZONS:
        part = p[p["horizon"] == h].dropna(subset=["actual", "p50", "plain_lgbm", "seasonal_naive"])
        mae = {
            c: float((part[c] - part["actual"]).abs().mean()) for c in ("p50", "plain_lgbm", "seasonal_naive")
        }
        assert claims[f"mae_h{h}"].model_value == pytest.approx(mae["p50"], rel=1e-6)
        assert claims[f"mae_h{h}"].baseline_value == pytest.approx(mae["plain_lgbm"], rel=1e-6)
        assert claims[f"mae_h{h}_naive"].baseline_value == pytest.approx(mae["seasonal_naive"], rel=1e-6)


def test_no_forecast_beats_one_that_knows_everything_but_the_noise(runs):
    """Too good to be true: the simulator's counts without their hourly noise, taken as the forecast (the
    median a forecaster knowing the day's level and the shape would give), set a floor on the MAE that no
    honest model can go much below; a model there has seen the counts it forecasts."""
    first, *_, signal = runs
    p = first.predictions
    for h in HORIZONS:
        part = p[p["horizon"] == h]
        floor = np.abs(part["actual"] - signal[part["series"], part["t"]]).mean()
        mae = np.abs(part["actual"] - part["p50"]).mean()
        assert mae >= 0.9 * floor, (h, mae, floor)
