"""One global LightGBM quantile model over all stations, baselines, and a rolling-origin backtest.

For each horizon (1 h, 3 h, 24 h by default) and each quantile (P10, P50, P90) a LightGBM model is
fitted on the features of ``features.build_features`` (count-valued features and the target divided
by each series' mean over the training window, so one model serves stations of 3,000 and 60,000
vehicles a day). The backtest moves the forecast origin forward in time: each fold trains on
everything before its origin and predicts the next ``test_days``; nothing after the origin is used
for training, and features never look past the issue time.

Baselines on the same rows: seasonal naive (same hour last week) and the hour x weekday average of
the training window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from livinglab.threads import n_jobs

from .features import FeatureSet, WideCounts, build_features

QUANTILES = (0.1, 0.5, 0.9)
HORIZONS = (1, 3, 24)
DEFAULT_PARAMS = {
    "n_estimators": 250,
    "learning_rate": 0.06,
    "num_leaves": 63,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "max_bin": 127,
    "reg_lambda": 1.0,
    "verbose": -1,
}


@dataclass
class HorizonModel:
    """The quantile models of one horizon, fitted on one training window."""

    horizon: int
    models: dict[float, lgb.LGBMRegressor]
    feature_columns: list[str]
    scaled_columns: list[str]
    scale: np.ndarray  # per series
    conformal_margin: float = 0.0  # widening of the P10-P90 band (scaled units), if calibrated

    def design(self, fs: FeatureSet, rows: np.ndarray) -> pd.DataFrame:
        X = fs.frame.iloc[rows][self.feature_columns].copy()
        s = self.scale[fs.frame["series"].to_numpy()[rows]]
        X[self.scaled_columns] = X[self.scaled_columns].to_numpy() / s[:, None]
        X["series_code"] = X["series_code"].astype(int).astype("category")
        return X

    def predict(self, fs: FeatureSet, rows: np.ndarray) -> pd.DataFrame:
        X = self.design(fs, rows)
        s = self.scale[fs.frame["series"].to_numpy()[rows]]
        raw = np.column_stack([self.models[q].predict(X) for q in sorted(self.models)])
        raw = np.sort(raw, axis=1)  # no quantile crossing
        if self.conformal_margin:  # a negative margin narrows the band, never past the median
            mid = raw[:, len(self.models) // 2]
            raw[:, 0] = np.minimum(raw[:, 0] - self.conformal_margin, mid)
            raw[:, -1] = np.maximum(raw[:, -1] + self.conformal_margin, mid)
        out = np.maximum(raw, 0.0) * s[:, None]
        return pd.DataFrame(out, columns=[f"p{int(round(q * 100))}" for q in sorted(self.models)], index=rows)


def fit_horizon(
    fs: FeatureSet,
    train_rows: np.ndarray,
    scale: np.ndarray,
    *,
    quantiles=QUANTILES,
    params: dict | None = None,
    seed: int = 0,
    calibration_rows: np.ndarray | None = None,
    coverage: float = 0.8,
) -> HorizonModel:
    """Fit the quantile models of one horizon on ``train_rows`` (target must be present).

    With ``calibration_rows`` (a later, held-out slice of the training window) the P10-P90 band is
    widened or narrowed by conformalised quantile regression so that it covers ``coverage`` of the
    calibration rows.
    """
    params = {**DEFAULT_PARAMS, "n_jobs": n_jobs(), **(params or {})}
    hm = HorizonModel(fs.horizon, {}, list(fs.feature_columns), list(fs.scaled_columns), scale)
    X = hm.design(fs, train_rows)
    y = fs.frame["target"].to_numpy()[train_rows] / scale[fs.frame["series"].to_numpy()[train_rows]]
    for q in quantiles:
        model = lgb.LGBMRegressor(objective="quantile", alpha=q, random_state=seed, **params)
        model.fit(X, y, categorical_feature=["series_code"])
        hm.models[q] = model
    if calibration_rows is not None and len(calibration_rows):
        pred = hm.predict(fs, calibration_rows).to_numpy()
        s = scale[fs.frame["series"].to_numpy()[calibration_rows]]
        y_cal = fs.frame["target"].to_numpy()[calibration_rows] / s
        score = np.maximum(pred[:, 0] / s - y_cal, y_cal - pred[:, -1] / s)
        level = min(1.0, np.ceil((len(score) + 1) * coverage) / len(score))
        hm.conformal_margin = float(np.quantile(score, level))
    return hm


@dataclass
class BacktestResult:
    """Predictions of every fold and horizon next to the actual counts and the baselines."""

    predictions: (
        pd.DataFrame
    )  # series, station_id, direction, timestamp, horizon, fold, actual, p10, p50, p90,
    #                                seasonal_naive, hour_weekday_avg
    folds: pd.DataFrame  # fold, origin, train_rows, test_rows, fit_seconds
    last_models: dict[int, HorizonModel] = field(default_factory=dict)
    last_features: dict[int, FeatureSet] = field(default_factory=dict)
    seconds: float = 0.0


def hour_weekday_average(Y: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """Per series, the mean count of each hour of the week (0..167) over the given hours, NaN ignored."""
    onehot = np.zeros((len(slot), 168), dtype=np.float64)
    onehot[np.arange(len(slot)), slot] = 1.0
    valid = ~np.isnan(Y)
    sums = np.where(valid, Y, 0.0).astype(np.float64) @ onehot
    counts = valid.astype(np.float64) @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def fold_origins(n_hours: int, n_folds: int, test_hours: int, min_train_hours: int) -> list[int]:
    """Forecast origins (hour indices) of a rolling-origin backtest ending at the last hour."""
    origins = [n_hours - (n_folds - k) * test_hours for k in range(n_folds)]
    if origins[0] < min_train_hours:
        raise ValueError(
            f"not enough history: the first origin is hour {origins[0]} but training needs "
            f"{min_train_hours} hours; shorten test_days/n_folds or simulate more days."
        )
    return origins


def rolling_origin_backtest(
    wide: WideCounts,
    *,
    calendar: pd.DataFrame,
    static: pd.DataFrame | None = None,
    exposure: np.ndarray | None = None,
    known: dict | None = None,
    issue: dict | None = None,
    horizons=HORIZONS,
    quantiles=QUANTILES,
    n_folds: int = 2,
    test_days: int = 7,
    min_train_days: int = 21,
    max_train_rows: int = 300_000,
    params: dict | None = None,
    calibrate: bool = True,
    calibration_days: int = 7,
    seed: int = 0,
    keep_features: bool | tuple = False,
) -> BacktestResult:
    """Rolling-origin evaluation: for each fold, train on hours before the origin, predict the next days.

    ``max_train_rows`` caps the rows of one fit (a uniform random sample of the training window),
    which bounds time and memory on long histories. With ``calibrate`` the last ``calibration_days``
    before each origin are held out of the fit and used to calibrate the P10-P90 band.
    ``keep_features`` (True, or a tuple of horizons) keeps those feature sets for explanations.
    """
    keep = set(horizons) if keep_features is True else set(keep_features or ())
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    Y = wide.values
    S, T = Y.shape
    test_hours = test_days * 24
    warmup = 168
    origins = fold_origins(
        T, n_folds, test_hours, (min_train_days + (calibration_days if calibrate else 0)) * 24
    )
    ts = wide.timestamps
    slot = ts.weekday.to_numpy() * 24 + ts.hour.to_numpy()  # hour of the week, 0..167
    pieces, fold_rows, last_models, last_features = [], [], {}, {}
    for h in horizons:
        fs = build_features(
            wide, h, calendar=calendar, static=static, exposure=exposure, known=known, issue=issue
        )
        target = fs.frame["target"].to_numpy()
        series_of_row = fs.frame["series"].to_numpy()
        for k, origin in enumerate(origins):
            t0 = time.perf_counter()
            scale = np.nanmean(Y[:, :origin], axis=1).astype(np.float64)
            scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
            fit_end = origin - calibration_days * 24 if calibrate else origin
            train = fs.rows(t_from=warmup + h, t_to=fit_end)
            train = train[~np.isnan(target[train])]
            if len(train) > max_train_rows:
                train = np.sort(rng.choice(train, max_train_rows, replace=False))
            cal_rows = None
            if calibrate:
                cal_rows = fs.rows(t_from=fit_end, t_to=origin)
                cal_rows = cal_rows[~np.isnan(target[cal_rows])]
            hm = fit_horizon(
                fs, train, scale, quantiles=quantiles, params=params, seed=seed + k, calibration_rows=cal_rows
            )
            test = fs.rows(t_from=origin, t_to=min(origin + test_hours, T))
            test = test[~np.isnan(target[test])]
            pred = hm.predict(fs, test)
            t_idx = fs.frame["t"].to_numpy()[test]
            s_idx = series_of_row[test]
            hw = hour_weekday_average(Y[:, :origin], slot[:origin])
            piece = pd.DataFrame(
                {
                    "series": s_idx,
                    "t": t_idx,
                    "horizon": h,
                    "fold": k,
                    "actual": target[test],
                    "seasonal_naive": fs.frame["lag_168"].to_numpy()[test],
                    "hour_weekday_avg": hw[s_idx, slot[t_idx]].astype(np.float32),
                }
            )
            piece = pd.concat([piece, pred.reset_index(drop=True)], axis=1)
            pieces.append(piece)
            fold_rows.append(
                {
                    "horizon": h,
                    "fold": k,
                    "origin": ts[origin],
                    "train_rows": len(train),
                    "calibration_rows": 0 if cal_rows is None else len(cal_rows),
                    "test_rows": len(test),
                    "conformal_margin": hm.conformal_margin,
                    "fit_seconds": round(time.perf_counter() - t0, 2),
                }
            )
            if k == len(origins) - 1:
                last_models[h] = hm
                if h in keep:
                    last_features[h] = fs
        del fs
    preds = pd.concat(pieces, ignore_index=True)
    preds["station_id"] = wide.series["station_id"].to_numpy()[preds["series"].to_numpy()]
    preds["direction"] = wide.series["direction"].to_numpy()[preds["series"].to_numpy()]
    preds["timestamp"] = ts[preds["t"].to_numpy()]
    return BacktestResult(
        preds, pd.DataFrame(fold_rows), last_models, last_features, round(time.perf_counter() - start, 2)
    )


# --- metrics ---------------------------------------------------------------------------------------

MODELS = {"lightgbm_p50": "p50", "seasonal_naive": "seasonal_naive", "hour_weekday_avg": "hour_weekday_avg"}


def _scores(frame: pd.DataFrame) -> pd.Series:
    out = {}
    for name, col in MODELS.items():
        err = frame[col] - frame["actual"]
        out[f"mae_{name}"] = err.abs().mean()
        out[f"rmse_{name}"] = np.sqrt((err**2).mean())
        out[f"wape_{name}"] = err.abs().sum() / frame["actual"].abs().sum()
    out["coverage_p10_p90"] = ((frame["actual"] >= frame["p10"]) & (frame["actual"] <= frame["p90"])).mean()
    out["n"] = len(frame)
    return pd.Series(out)


def comparable(predictions: pd.DataFrame) -> pd.DataFrame:
    """Rows where the model and both baselines have a value, so all are scored on the same rows."""
    return predictions.dropna(subset=["actual", "p50", "seasonal_naive", "hour_weekday_avg"])


def evaluate(predictions: pd.DataFrame, calendar: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """MAE, RMSE, WAPE (model and baselines) and P10-P90 coverage: overall, per station, per hour of day,
    per direction, and by day type (regular / Luxembourg holiday / border holiday)."""
    frame = comparable(predictions).copy()
    out = {
        "by_horizon": frame.groupby("horizon").apply(_scores, include_groups=False),
        "by_station": frame.groupby(["horizon", "station_id"]).apply(_scores, include_groups=False),
        "by_hour": frame.groupby(["horizon", frame["timestamp"].dt.hour.rename("hour")]).apply(
            _scores, include_groups=False
        ),
        "by_direction": frame.groupby(["horizon", "direction"]).apply(_scores, include_groups=False),
    }
    if calendar is not None:
        day = frame["timestamp"].dt.normalize()
        lu = day.map(calendar["hol_LU"]).astype(bool)
        border = day.map(calendar["border_holiday"]).astype(bool)
        frame["day_type"] = np.select([lu, border], ["LU holiday", "border holiday"], "regular day")
        out["by_day_type"] = frame.groupby(["horizon", "day_type"]).apply(_scores, include_groups=False)
    return out


def headline_metrics(evaluation: dict[str, pd.DataFrame], predictions: pd.DataFrame) -> dict[str, float]:
    """The numbers the pilot records: per-horizon MAE of model and baselines, WAPE, coverage."""
    bh = evaluation["by_horizon"]
    out: dict[str, float] = {}
    for h in bh.index:
        out[f"mae_h{h}"] = float(bh.loc[h, "mae_lightgbm_p50"])
        out[f"mae_h{h}_seasonal_naive"] = float(bh.loc[h, "mae_seasonal_naive"])
        out[f"mae_h{h}_hour_weekday_avg"] = float(bh.loc[h, "mae_hour_weekday_avg"])
        out[f"rmse_h{h}"] = float(bh.loc[h, "rmse_lightgbm_p50"])
        out[f"wape_h{h}"] = float(bh.loc[h, "wape_lightgbm_p50"])
        out[f"wape_h{h}_seasonal_naive"] = float(bh.loc[h, "wape_seasonal_naive"])
        out[f"coverage_p10_p90_h{h}"] = float(bh.loc[h, "coverage_p10_p90"])
    comp = comparable(predictions)
    out["coverage_p10_p90"] = float(
        ((comp["actual"] >= comp["p10"]) & (comp["actual"] <= comp["p90"])).mean()
    )
    out["eval_rows"] = int(len(comp))
    if "by_day_type" in evaluation:
        bd = evaluation["by_day_type"]
        for (h, day_type), row in bd.iterrows():
            if h == 1 or h == 24:
                key = day_type.replace(" ", "_").replace("LU", "lu")
                out[f"mae_h{h}_{key}"] = float(row["mae_lightgbm_p50"])
                out[f"mae_h{h}_{key}_seasonal_naive"] = float(row["mae_seasonal_naive"])
    return out


def shap_importance(
    model: HorizonModel,
    fs: FeatureSet,
    rows: np.ndarray,
    *,
    quantile: float = 0.5,
    max_rows: int = 2000,
    seed: int = 0,
) -> pd.Series:
    """Mean absolute TreeSHAP contribution per feature (LightGBM ``pred_contrib``) on up to ``max_rows`` rows."""
    rng = np.random.default_rng(seed)
    if len(rows) > max_rows:
        rows = rng.choice(rows, max_rows, replace=False)
    X = model.design(fs, rows)
    contrib = model.models[quantile].predict(X, pred_contrib=True)
    return pd.Series(np.abs(contrib[:, :-1]).mean(axis=0), index=X.columns).sort_values(ascending=False)
