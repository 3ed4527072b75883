"""The peer reference: what a competent analyst would build with Nixtla's mlforecast.

For each horizon ``h`` (a direct model per horizon, as the pilot's own): mlforecast's features of the counts
known ``h`` hours ahead (the lags ``h .. h + 23`` and 168 hours, i.e. lags 1-24 and 168 for the next hour;
the rolling means over 24 and 168 hours ending ``h`` hours back; hour of day and day of week), the series as
a categorical feature, and a LightGBM regressor (500 trees, learning rate 0.05, 63 leaves) fitted on the
same training rows as the pilot's models and scored on the same test hours. mlforecast computes the
features (``MLForecast.preprocess``, its own lag and rolling-window code; missing hours carry the last
count forward, as mlforecast needs a complete target); the rows are the backtest's.

It is the reference the pilot's model should beat besides the plain LightGBM, which is a deliberately simple
baseline (library defaults on raw lags 1, 2, 3, 24 and 168, hour and weekday).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PEER_WORDS = "Nixtla mlforecast (LightGBM on lags 1-24 and 168, 24 h and 168 h rolling means, hour, weekday)"
PEER_PARAMS = {"n_estimators": 500, "learning_rate": 0.05, "num_leaves": 63, "verbose": -1}


def available() -> bool:
    try:
        import mlforecast  # noqa: F401
    except ImportError:
        return False
    return True


def peer_features(Y: np.ndarray, timestamps: pd.DatetimeIndex, horizon: int) -> pd.DataFrame:
    """mlforecast's features of every (series, hour) for forecasts ``horizon`` hours ahead, in (series,
    hour) order: row ``s * T + t``."""
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    S, T = Y.shape
    h = int(horizon)
    lags = sorted({*range(h, h + 24), *([168] if h <= 168 else [])})
    fcst = MLForecast(
        models=[],
        freq="h",
        lags=lags,
        lag_transforms={h: [RollingMean(24, min_samples=12), RollingMean(168, min_samples=84)]},
        date_features=["hour", "dayofweek"],
    )
    # mlforecast wants no missing target: missing hours carry the series' last count forward (only past
    # values, so nothing leaks; the hours before a series' first count are 0); fits and scores use counted
    # hours only
    filled = pd.DataFrame(Y.T).ffill().fillna(0.0).to_numpy().T
    long = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(S), T),
            "ds": np.tile(timestamps.to_numpy(), S),
            "y": filled.reshape(-1).astype(np.float64),
        }
    )
    features = fcst.preprocess(long, static_features=[], dropna=False, validate_data=False)
    features = features.drop(columns=["ds", "y"])
    features["unique_id"] = pd.Categorical(features["unique_id"], categories=np.arange(S))
    return features.reset_index(drop=True)


def fit_predict(
    Y: np.ndarray,
    timestamps: pd.DatetimeIndex,
    horizon: int,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    seed: int = 0,
    n_jobs: int = 1,
    features: pd.DataFrame | None = None,
) -> np.ndarray:
    """The peer fitted on the ``train`` rows (s, t) and its forecasts of the ``test`` rows."""
    import lightgbm as lgb

    T = Y.shape[1]
    X = peer_features(Y, timestamps, horizon) if features is None else features
    rows_train = train[0].astype(np.int64) * T + train[1]
    rows_test = test[0].astype(np.int64) * T + test[1]
    model = lgb.LGBMRegressor(random_state=seed, n_jobs=n_jobs, deterministic=True, force_col_wise=True,
                              **PEER_PARAMS)  # fmt: skip
    model.fit(X.iloc[rows_train], Y[train[0], train[1]], categorical_feature=["unique_id"])
    return np.maximum(model.predict(X.iloc[rows_test]), 0.0)
