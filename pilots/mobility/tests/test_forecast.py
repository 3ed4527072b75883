"""The LightGBM quantile forecaster, the baselines and the rolling-origin backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.forecast import (
    evaluate,
    fold_origins,
    headline_metrics,
    hour_weekday_average,
    shap_importance,
)


def test_backtest_is_time_ordered(spring_backtest, spring_data):
    folds = spring_backtest.folds
    assert list(folds["origin"].drop_duplicates()) == [pd.Timestamp("2023-05-29"), pd.Timestamp("2023-06-05")]
    preds = spring_backtest.predictions
    for (h, k), part in preds.groupby(["horizon", "fold"]):
        origin = folds.loc[(folds["horizon"] == h) & (folds["fold"] == k), "origin"].iloc[0]
        assert part["timestamp"].min() >= origin
        assert part["timestamp"].max() < origin + pd.Timedelta(days=7)
    assert set(preds["horizon"]) == {1, 3, 24}


def test_quantiles_are_ordered_and_non_negative(spring_backtest):
    p = spring_backtest.predictions
    assert (p["p10"] <= p["p50"]).all() and (p["p50"] <= p["p90"]).all() and (p["p10"] >= 0).all()


def test_model_beats_both_baselines_and_is_calibrated(spring_backtest, spring_data):
    ev = evaluate(spring_backtest.predictions, spring_data.calendar)
    m = headline_metrics(ev, spring_backtest.predictions)
    assert m["mae_h1"] < 0.7 * m["mae_h1_seasonal_naive"]
    assert m["mae_h1"] < m["mae_h1_hour_weekday_avg"]
    assert m["mae_h24"] < m["mae_h24_seasonal_naive"]
    assert m["mae_h1"] <= m["mae_h24"]  # nearer is easier
    assert 0.7 <= m["coverage_p10_p90"] <= 0.95
    assert {"by_horizon", "by_station", "by_hour", "by_direction", "by_day_type"} <= set(ev)
    assert {"LU holiday", "border holiday", "regular day"} <= set(
        ev["by_day_type"].index.get_level_values("day_type")
    )


def test_seasonal_naive_is_the_count_one_week_earlier(spring_backtest, spring_data):
    p = spring_backtest.predictions.sample(200, random_state=0)
    Y = spring_data.wide.values
    expected = Y[p["series"].to_numpy(), p["t"].to_numpy() - 168]
    assert np.allclose(p["seasonal_naive"], expected, equal_nan=True)


def test_hour_weekday_average():
    rng = np.random.default_rng(0)
    Y = rng.uniform(0, 100, (2, 24 * 14)).astype(np.float32)
    Y[0, 5] = np.nan
    slot = np.arange(24 * 14) % 168
    hw = hour_weekday_average(Y, slot)
    assert hw.shape == (2, 168)
    assert hw[1, 10] == pytest.approx((Y[1, 10] + Y[1, 178]) / 2)
    assert hw[0, 5] == pytest.approx(Y[0, 173])  # the missing hour is ignored


def test_fold_origins_need_history():
    assert fold_origins(1000, 2, 100, 500) == [800, 900]
    with pytest.raises(ValueError, match="not enough history"):
        fold_origins(1000, 3, 300, 500)


def test_shap_contributions_explain_the_prediction(spring_backtest):
    fs = spring_backtest.last_features[24]
    model = spring_backtest.last_models[24]
    rows = fs.rows(t_from=fs.n_hours - 48)
    rows = rows[~np.isnan(fs.frame["target"].to_numpy()[rows])]
    imp = shap_importance(model, fs, rows)
    assert (imp >= 0).all() and imp.index[0] != "series_code"
    X = model.design(fs, rows[:50])
    contrib = model.models[0.5].predict(X, pred_contrib=True)
    assert np.allclose(contrib.sum(axis=1), model.models[0.5].predict(X), atol=1e-6)
