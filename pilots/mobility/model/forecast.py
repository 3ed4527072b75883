"""One global LightGBM model over all series, the baselines it must beat, and a rolling-origin backtest.

Per horizon (1, 3 and 24 h by default, one direct model each) three LightGBM models are fitted on the
features of ``features.FeatureBuilder``: the median (the point forecast) and the 10 % and 90 % quantiles.
The target is ``log1p(count) - log1p(scale)`` (``scale`` = the series' mean over the training window), so
one model serves sites of any size and the band is multiplicative: narrow in absolute terms at night,
wide at the peaks, never a floor or a ceiling. The P10-P90 band is calibrated by conformalised quantile
regression on the last weeks before each origin (held out of the quantile models' fit).

Baselines, scored on exactly the same rows:

- **plain LightGBM**: the strongest simple reference, a LightGBM regressor (300 trees, library defaults)
  on raw count lags 1, 2, 3, 24 and 168 h (moved to what is known ``h`` hours ahead), hour and weekday,
  trained on the same rows;
- **seasonal naive**: the count of the same hour one week earlier;
- **hour x weekday average** of the training window.

Hyperparameters are fixed (``POINT_PARAMS``, ``BAND_PARAMS``): they were chosen on validation windows
that end before any test window (the 90 days before the I-94 test period and the synthetic network's
first weeks), never on a test window.

The backtest is planned first (``plan_backtest``: every fold x horizon with its rows, drawn from the seed
in a fixed order), then the parts of every unit (median, band, plain reference: ``fit_part``) go to one
``concurrent.futures`` executor (``livinglab.cluster.executor``: threads in this process, or the Dask
client's executor, each part a task on a worker), and each unit is calibrated and forecast here from its
parts: the same rows, seeds and code wherever the parts run, so the same forecasts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from livinglab.threads import n_jobs

from .features import FeatureBuilder

HORIZONS = (1, 3, 24)
POINT_PARAMS = {
    "n_estimators": 600,
    "learning_rate": 0.03,
    "num_leaves": 63,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "verbose": -1,
}
BAND_PARAMS = {**POINT_PARAMS, "n_estimators": 250, "learning_rate": 0.05, "num_leaves": 31}
PLAIN_PARAMS = {"n_estimators": 300, "verbose": -1}
#: the same rows, parameters and seed give the same trees (LightGBM's own choice of the histogram layout,
#: by timing, is the one thing that varied from run to run); the thread count is ``threads_for``'s
DETERMINISTIC = {"deterministic": True, "force_col_wise": True}
COVERAGE = 0.8
WARMUP_HOURS = 336


def to_target(y: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The models' target: log1p(count) - log1p(series scale)."""
    return np.log1p(np.maximum(y, 0.0)) - np.log1p(scale)


def from_target(z: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.maximum(np.expm1(z + np.log1p(scale)), 0.0)


def series_scale(Y: np.ndarray, end: int) -> np.ndarray:
    """Per series, the mean count before hour ``end`` (1 when it has none)."""
    with np.errstate(invalid="ignore"):
        valid = ~np.isnan(Y[:, :end])
        total = np.where(valid, Y[:, :end], 0.0).sum(axis=1, dtype=np.float64)
        n = valid.sum(axis=1)
    scale = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


@dataclass
class HorizonModel:
    """The three models of one horizon fitted on one training window, and the band's conformal margin."""

    horizon: int
    models: dict[float, lgb.LGBMRegressor]
    scale: np.ndarray
    margin: float = 0.0  # added to both sides of the P10-P90 band, in target (log) units
    plain: lgb.LGBMRegressor | None = None
    feature_names: list[str] = field(default_factory=list)

    def predict_target(self, builder: FeatureBuilder, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        X = builder.design(s, t, self.horizon, self.scale)
        # any thread count: the same trees, the same numbers; asked per model, so a prediction started while
        # the last fits ran takes every thread as soon as they end
        z = np.column_stack(
            [self.models[q].predict(X, num_threads=predict_threads(len(s))) for q in sorted(self.models)]
        )
        return np.sort(z, axis=1)  # no quantile crossing

    def predict(self, builder: FeatureBuilder, s: np.ndarray, t: np.ndarray) -> pd.DataFrame:
        z = self.predict_target(builder, s, t)
        mid = z[:, 1]
        z[:, 0] = np.minimum(z[:, 0] - self.margin, mid)
        z[:, 2] = np.maximum(z[:, 2] + self.margin, mid)
        out = from_target(z, self.scale[s][:, None])
        frame = pd.DataFrame(out, columns=["p10", "p50", "p90"])
        if self.plain is not None:
            frame["plain_lgbm"] = np.maximum(
                self.plain.predict(
                    builder.plain_design(s, t, self.horizon), num_threads=predict_threads(len(s))
                ),
                0.0,
            )
        return frame


SMALL_FIT_ROWS = 100_000


#: threads of one fit while several fits run side by side in this process (``rolling_origin_backtest``)
_side_by_side: int | None = None


def threads_for(rows: int) -> int:
    """One thread for small fits (on shared cores a second thread mostly waits: several times slower
    here under load), the budget (``livinglab.threads``) for large ones; one thread each when the
    backtest runs as many fits side by side as there are threads."""
    if _side_by_side is not None:
        return _side_by_side
    return 1 if rows < SMALL_FIT_ROWS else n_jobs()


def predict_threads(rows: int) -> int:
    """Threads of one prediction: one while the backtest's fits run side by side (they already keep every
    thread busy; a second prediction thread only waits, spinning, for the same numbers),
    otherwise the budget for large predictions and one for small ones."""
    if _side_by_side is not None:
        return 1
    return n_jobs() if rows >= SMALL_FIT_ROWS // 10 else 1


def quantile_specs(
    point_params: dict | None = None,
    band_params: dict | None = None,
    coverage: float = COVERAGE,
    seed: int = 0,
) -> dict[float, tuple[str, dict, int]]:
    """The three quantile models of a horizon: quantile -> (the rows it is fitted on, ``"train"`` or
    ``"band"``; its LightGBM parameters; its seed)."""
    lower, upper = (1 - coverage) / 2, 1 - (1 - coverage) / 2
    point = {**POINT_PARAMS, **(point_params or {})}
    band = {**BAND_PARAMS, **(band_params or {})}
    return {0.5: ("train", point, seed), lower: ("band", band, seed + 1), upper: ("band", band, seed + 1)}


def _fit(X: pd.DataFrame, z: np.ndarray, alpha: float, params: dict, seed: int) -> lgb.LGBMRegressor:
    model = lgb.LGBMRegressor(
        objective="quantile",
        alpha=alpha,
        random_state=seed,
        n_jobs=threads_for(len(X)),
        **DETERMINISTIC,
        **params,
    )
    categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    return model.fit(X, z, categorical_feature=categorical or "auto")


def fit_plain(
    builder: FeatureBuilder, horizon: int, train: tuple[np.ndarray, np.ndarray], seed: int
) -> lgb.LGBMRegressor:
    """The plain LightGBM reference fitted on ``train`` rows (s, t)."""
    s, t = train
    y = builder.Y[s, t]
    model = lgb.LGBMRegressor(random_state=seed, n_jobs=threads_for(len(y)), **DETERMINISTIC, **PLAIN_PARAMS)
    return model.fit(builder.plain_design(s, t, horizon), y)


def calibrate(
    hm: HorizonModel,
    builder: FeatureBuilder,
    calibration: tuple[np.ndarray, np.ndarray] | None,
    coverage: float = COVERAGE,
) -> None:
    """Set the band's conformal margin from the ``calibration`` rows (conformalised quantile regression)."""
    if calibration is not None and len(calibration[0]):
        cs, ct = calibration
        zc = hm.predict_target(builder, cs, ct)
        truth = to_target(builder.Y[cs, ct], hm.scale[cs])
        score = np.maximum(zc[:, 0] - truth, truth - zc[:, 2])
        level = min(1.0, np.ceil((len(score) + 1) * coverage) / len(score))
        hm.margin = float(np.quantile(score, level))


@dataclass
class BacktestResult:
    """Predictions of every fold and horizon next to the actual counts and the baselines.

    ``predictions``: series, t, horizon, fold, actual, p10, p50, p90, plain_lgbm, seasonal_naive,
    hour_weekday_avg, station_id, direction, direction_label, timestamp (one row per forecast hour with an
    actual count). ``folds``: per horizon and fold the origin, row counts, margin and seconds.
    """

    predictions: pd.DataFrame
    folds: pd.DataFrame
    last_models: dict[int, HorizonModel] = field(default_factory=dict)
    seconds: float = 0.0
    test_days: int = 0
    cluster: str = ""  # the Dask scheduler the fits ran on; empty: in this process


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
            f"not enough history: the first forecast origin is hour {origins[0]} but training needs "
            f"{min_train_hours} hours; give more days of data or set smaller test_days/n_folds."
        )
    return origins


def auto_test_days(n_days: int) -> int:
    """The test window when ``test_days`` is 0: the last 90 days when the data cover more than a year and
    a quarter, otherwise a fifth of the days (at least 7)."""
    return 90 if n_days >= 455 else max(7, int(round(n_days * 0.2)))


def _rows(S: int, t_from: int, t_to: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(max(t_from, 0), max(t_to, t_from))
    return np.repeat(np.arange(S), len(t)), np.tile(t, S)


def _present(Y: np.ndarray, rows: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    s, t = rows
    keep = ~np.isnan(Y[s, t])
    return s[keep], t[keep]


def _sample(rows, limit: int, rng: np.random.Generator):
    s, t = rows
    if len(s) <= limit:
        return s, t
    pick = np.sort(rng.choice(len(s), limit, replace=False))
    return s[pick], t[pick]


@dataclass
class BacktestUnit:
    """One fold x horizon of the backtest: its origin, the series' scale and the rows (s, t) of its fits,
    calibration and test, drawn from the backtest's seed in a fixed order (so any executor fits the same
    rows)."""

    fold: int
    horizon: int
    origin: int
    scale: np.ndarray
    train: tuple[np.ndarray, np.ndarray]
    band_train: tuple[np.ndarray, np.ndarray]
    calibration: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    seed: int


def plan_backtest(
    builder: FeatureBuilder,
    *,
    horizons=HORIZONS,
    n_folds: int = 1,
    test_days: int = 0,
    min_train_days: int = 21,
    max_train_rows: int = 300_000,
    calibration_days: int = 0,
    seed: int = 0,
) -> tuple[list[BacktestUnit], int]:
    """Every fold x horizon of a rolling-origin backtest (fold by fold, horizons in order) and the test
    days per fold (``rolling_origin_backtest`` explains the arguments)."""
    rng = np.random.default_rng(seed)
    Y, S, T = builder.Y, builder.S, builder.T
    n_days = T // 24
    test_days = int(test_days) or auto_test_days(n_days)
    test_hours = test_days * 24
    origins = fold_origins(T, n_folds, test_hours, min_train_days * 24)
    units = []
    for k, origin in enumerate(origins):
        scale = series_scale(Y, origin)
        cal_days = int(calibration_days) or max(3, min(28, origin // 24 // 5))
        cal_start = origin - cal_days * 24
        test = _present(Y, _rows(S, origin, min(origin + test_hours, T)))
        for h in horizons:
            warmup = min(WARMUP_HOURS, max(168, origin // 4)) + h
            train = _sample(_present(Y, _rows(S, warmup, origin)), max_train_rows, rng)
            band_train = _sample(_present(Y, _rows(S, warmup, cal_start)), max_train_rows, rng)
            calibration = _present(Y, _rows(S, cal_start, origin))
            units.append(BacktestUnit(k, h, origin, scale, train, band_train, calibration, test, seed + k))
    return units, test_days


#: the parts of a unit in the order they are submitted: the longest fits first (median 600 trees, the band
#: 2 x 250, the plain reference 300 small trees); the peers (500 trees each) go after every unit's own models,
#: so each unit is calibrated and forecast here while the peers fit
PARTS = ("median", "band", "plain", "peer")


def fit_part(
    builder: FeatureBuilder,
    unit: BacktestUnit,
    part: str,
    point_params: dict | None = None,
    band_params: dict | None = None,
    coverage: float = COVERAGE,
) -> tuple[dict, float]:
    """One part of a unit's models, wherever the executor runs it (a thread here, a Dask worker): the
    ``"median"`` on the training rows, the ``"band"`` (P10 and P90, on the rows before the calibration
    weeks) or the ``"plain"`` LightGBM reference. Returns {quantile or "plain": model} and the seconds."""
    t0 = time.perf_counter()
    if part == "plain":
        return {"plain": fit_plain(builder, unit.horizon, unit.train, unit.seed)}, time.perf_counter() - t0
    if part == "peer":  # the mlforecast peer: fitted and forecast in the task (its features are its own)
        from .peer import fit_predict

        forecast = fit_predict(
            builder.Y, builder.wide.timestamps, unit.horizon, unit.train, unit.test, unit.seed,
            n_jobs=threads_for(len(unit.train[0])),
        )  # fmt: skip
        return {"peer": forecast.astype(np.float32)}, time.perf_counter() - t0
    specs = quantile_specs(point_params, band_params, coverage, unit.seed)
    rows = unit.train if part == "median" else unit.band_train
    s, t = rows
    X = builder.design(s, t, unit.horizon, unit.scale)
    z = to_target(builder.Y[s, t], unit.scale[s])
    wanted = "train" if part == "median" else "band"
    models = {q: _fit(X, z, q, params, seed) for q, (on, params, seed) in specs.items() if on == wanted}
    return models, time.perf_counter() - t0


def assemble(
    builder: FeatureBuilder, unit: BacktestUnit, parts: dict[str, dict], coverage: float = COVERAGE
) -> HorizonModel:
    """A unit's fitted parts as one ``HorizonModel``, its band calibrated on the unit's calibration rows."""
    models = {**parts["median"], **parts["band"]}
    hm = HorizonModel(unit.horizon, models, unit.scale, plain=(parts.get("plain") or {}).get("plain"))
    hm.feature_names = list(models[0.5].feature_name_)
    calibrate(hm, builder, unit.calibration, coverage)
    return hm


class _Here:
    """The executor of no executor: each step runs when submitted, in this thread."""

    def submit(self, fn, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def rolling_origin_backtest(
    builder: FeatureBuilder,
    *,
    horizons=HORIZONS,
    n_folds: int = 1,
    test_days: int = 0,
    min_train_days: int = 21,
    max_train_rows: int = 300_000,
    calibration_days: int = 0,
    point_params: dict | None = None,
    band_params: dict | None = None,
    seed: int = 0,
    executor=None,
    where: str = "",
    peer: bool = False,
) -> BacktestResult:
    """Rolling-origin evaluation: for each fold, train on the hours before its origin, predict the next days.

    ``test_days`` 0 means ``auto_test_days``. ``max_train_rows`` caps the rows of one fit (a uniform
    sample of the training window), which bounds time and memory on long histories. The P10/P90 models
    leave out the last ``calibration_days`` before each origin (0: four weeks, or a fifth of the training
    window when that is shorter) and are calibrated on them; the median and the plain reference use every
    hour before the origin.

    Every part of every unit (``fit_part``: median, band, plain reference) is submitted to ``executor``
    (``livinglab.cluster.executor``: threads here, or the Dask client's executor, each part a task on a
    worker; None: here, one after another) before any is awaited; each unit is then calibrated and
    forecast here from its parts. Rows, seeds and code are the same whatever runs the parts, so the
    forecasts are too. ``where`` names the cluster for the pages ("" here). ``peer``: also the mlforecast
    peer reference (``peer.py``), a fourth part of every unit (column ``peer_mlforecast``).
    """
    start = time.perf_counter()
    units, test_days = plan_backtest(
        builder,
        horizons=horizons,
        n_folds=n_folds,
        test_days=test_days,
        min_train_days=min_train_days,
        max_train_rows=max_train_rows,
        calibration_days=calibration_days,
        seed=seed,
    )
    pool = executor if executor is not None else _Here()
    workers = getattr(pool, "_max_workers", 1) if not where else 1
    with _fits_side_by_side(workers > 1):  # threads here: a fit a thread, as many fits as threads
        return _backtest(builder, units, test_days, pool, point_params, band_params, peer, where, start)


def _results(futures: dict[str, Future], parts: list[str], where: str) -> dict[str, tuple[dict, float]]:
    try:
        return {part: futures[part].result() for part in parts}
    except Exception as exc:
        on = f" on the Dask cluster {where}" if where else ""
        raise RuntimeError(f"the backtest failed{on}: {type(exc).__name__}: {exc}") from exc


def _when_all_done(futures: list[Future], then: Callable[[], None]) -> None:
    """Call ``then`` once every future is done (in the thread that finishes the last one)."""
    remaining = [len(futures)]
    lock = threading.Lock()

    def one_done(_: Future) -> None:
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            then()

    if not futures:
        then()
    for future in futures:
        future.add_done_callback(one_done)


def _fits_done() -> None:
    global _side_by_side
    _side_by_side = None


@contextmanager
def _fits_side_by_side(on: bool):
    global _side_by_side
    _side_by_side = 1 if on else None
    try:
        yield
    finally:
        _side_by_side = None


def _backtest(
    builder, units, test_days, pool, point_params, band_params, peer, where, start
) -> BacktestResult:
    own = [part for part in PARTS if part != "peer"]
    submitted = [
        {part: pool.submit(fit_part, builder, unit, part, point_params, band_params) for part in own}
        for unit in units
    ]
    if peer:
        for unit, futures in zip(units, submitted, strict=True):
            futures["peer"] = pool.submit(fit_part, builder, unit, "peer", point_params, band_params)
    _when_all_done([future for futures in submitted for future in futures.values()], _fits_done)
    Y, ts = builder.Y, builder.wide.timestamps
    slot = (ts.weekday.to_numpy() * 24 + ts.hour.to_numpy()).astype(int)
    averages: dict[int, np.ndarray] = {}
    last_fold = units[-1].fold if units else 0
    pieces, fold_rows, last_models = [], [], {}
    for unit, futures in zip(units, submitted, strict=True):
        done = _results(futures, own, where)
        t0 = time.perf_counter()
        hm = assemble(builder, unit, {part: models for part, (models, _) in done.items()})
        piece = hm.predict(builder, *unit.test)
        seconds = sum(sec for _, sec in done.values()) + time.perf_counter() - t0
        if unit.origin not in averages:
            averages[unit.origin] = hour_weekday_average(Y[:, : unit.origin], slot[: unit.origin])
        h, k = unit.horizon, unit.fold
        s_idx, t_idx = unit.test
        piece.insert(0, "series", s_idx.astype(np.int32))
        piece.insert(1, "t", t_idx.astype(np.int32))
        piece.insert(2, "horizon", h)
        piece.insert(3, "fold", k)
        piece.insert(4, "actual", Y[s_idx, t_idx])
        piece["seasonal_naive"] = builder.lag(s_idx, t_idx, 168) if h <= 168 else np.nan
        piece["hour_weekday_avg"] = averages[unit.origin][s_idx, slot[t_idx]].astype(np.float32)
        pieces.append(piece)
        fold_rows.append(
            {
                "horizon": h,
                "fold": k,
                "origin": ts[unit.origin],
                "train_rows": len(unit.train[0]),
                "band_rows": len(unit.band_train[0]),
                "calibration_rows": len(unit.calibration[0]),
                "test_rows": len(s_idx),
                "band_margin_log": round(hm.margin, 4),
                "fit_seconds": round(seconds, 2),
            }
        )
        if k == last_fold:
            last_models[h] = hm
    if peer:  # the column where it always was: after the plain reference, before the seasonal naive
        for piece, futures, row in zip(pieces, submitted, fold_rows, strict=True):
            models, peer_seconds = _results(futures, ["peer"], where)["peer"]
            piece.insert(piece.columns.get_loc("seasonal_naive"), "peer_mlforecast", models["peer"])
            row["fit_seconds"] = round(row["fit_seconds"] + peer_seconds, 2)
    preds = pd.concat(pieces, ignore_index=True)
    series = builder.wide.series
    for col in ("station_id", "direction", "direction_label"):
        preds[col] = series[col].to_numpy()[preds["series"].to_numpy()]
    preds["timestamp"] = ts[preds["t"].to_numpy()]
    return BacktestResult(
        preds, pd.DataFrame(fold_rows), last_models, round(time.perf_counter() - start, 2), test_days, where
    )


# --- metrics ---------------------------------------------------------------------------------------

MODELS = {
    "model": "p50",
    "plain_lgbm": "plain_lgbm",
    "seasonal_naive": "seasonal_naive",
    "hour_weekday_avg": "hour_weekday_avg",
    "peer_mlforecast": "peer_mlforecast",  # when the backtest ran the peer
}


def _models(frame: pd.DataFrame) -> dict[str, str]:
    return {name: col for name, col in MODELS.items() if col in frame}


def _scores(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: MAE, RMSE and WAPE of the model and of every baseline, the band's coverage and
    the rows, from one grouped sum (no Python call per group: ~2,000 site groups at partner scale)."""
    actual = frame["actual"].to_numpy(float)
    sums = {"n": np.ones(len(frame)), "abs_actual": np.abs(actual)}
    models = _models(frame)
    for name, col in models.items():
        err = frame[col].to_numpy(float) - actual
        sums[f"abs_{name}"], sums[f"sq_{name}"] = np.abs(err), err**2
    sums["inside"] = ((actual >= frame["p10"]) & (actual <= frame["p90"])).to_numpy(float)
    total = (
        pd.DataFrame(sums, index=frame.index)
        .groupby([frame[k] for k in keys], sort=True, observed=True)
        .sum()
    )
    out = {}
    for name in models:
        out[f"mae_{name}"] = total[f"abs_{name}"] / total["n"]
        out[f"rmse_{name}"] = np.sqrt(total[f"sq_{name}"] / total["n"])
        out[f"wape_{name}"] = total[f"abs_{name}"] / total["abs_actual"].clip(lower=1e-9)
    out["coverage_p10_p90"] = total["inside"] / total["n"]
    out["n"] = total["n"]
    return pd.DataFrame(out)


def comparable(predictions: pd.DataFrame) -> pd.DataFrame:
    """Rows where the model and every baseline have a value, so all are scored on the same hours."""
    return predictions.dropna(subset=["actual", *_models(predictions).values()])


def evaluate(predictions: pd.DataFrame, calendar: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """MAE, RMSE, WAPE (model and baselines) and P10-P90 coverage: overall, per site, hour of day, weekday,
    direction (when the data have several) and day type (when a holiday calendar was given); and the band's
    hits and misses by hour of day (``band_by_hour``)."""
    frame = comparable(predictions).copy()
    frame["hour"] = frame["timestamp"].dt.hour
    frame["weekday"] = (
        (frame["timestamp"].dt.weekday + 1).astype(str) + " " + frame["timestamp"].dt.day_name().str[:3]
    )
    out = {
        "by_horizon": _scores(frame, ["horizon"]),
        "by_site": _scores(frame, ["horizon", "station_id"]),
        "by_hour": _scores(frame, ["horizon", "hour"]),
        "by_weekday": _scores(frame, ["horizon", "weekday"]),
    }
    if frame["direction_label"].nunique() > 1:
        out["by_direction"] = _scores(frame, ["horizon", "direction_label"])
    band = predictions.dropna(subset=["actual", "p10", "p90"])
    hour = band["timestamp"].dt.hour
    out["band_by_hour"] = pd.DataFrame(
        {
            "inside": ((band["actual"] >= band["p10"]) & (band["actual"] <= band["p90"]))
            .groupby(hour)
            .mean(),
            "below": (band["actual"] < band["p10"]).groupby(hour).mean(),
            "above": (band["actual"] > band["p90"]).groupby(hour).mean(),
        }
    )
    if calendar is not None and "day_type" not in frame:
        types = day_types(calendar)
        if types is not None:
            frame["day_type"] = frame["timestamp"].dt.normalize().map(types).fillna("regular day")
            out["by_day_type"] = _scores(frame, ["horizon", "day_type"])
    return out


def day_types(calendar: pd.DataFrame) -> pd.Series | None:
    """Per day: ``holiday``, ``home-region holiday`` (cross-border data) or ``regular day``; None without a
    holiday calendar."""
    has_work = "holiday" in calendar and bool(calendar["holiday"].any())
    has_home = "home_holiday_not_work" in calendar
    if not (has_work or has_home):
        return None
    kinds = np.select(
        [
            calendar["holiday"].to_numpy(bool),
            calendar["home_holiday_not_work"].to_numpy(bool) if has_home else np.zeros(len(calendar), bool),
        ],
        ["holiday", "home-region holiday"],
        "regular day",
    )
    return pd.Series(kinds, index=calendar.index)


def headline_metrics(evaluation: dict[str, pd.DataFrame], predictions: pd.DataFrame) -> dict[str, float]:
    """The plain numbers a run records besides its claims: per horizon the model's RMSE, WAPE and band
    coverage, the band's overall coverage, the rows scored, and (with a holiday calendar) the day-ahead and
    1-hour MAE of the model and the band's coverage by day type. The comparisons with the baselines are claims (``model.claims``)."""
    bh = evaluation["by_horizon"]
    out: dict[str, float] = {}
    for h in bh.index:
        row = bh.loc[h]
        out[f"rmse_h{h}"] = float(row["rmse_model"])
        out[f"wape_h{h}"] = float(row["wape_model"])
        out[f"coverage_p10_p90_h{h}"] = float(row["coverage_p10_p90"])
    comp = comparable(predictions)
    out["coverage_p10_p90"] = float(
        ((comp["actual"] >= comp["p10"]) & (comp["actual"] <= comp["p90"])).mean()
    )
    out["eval_rows"] = int(len(comp))
    out["eval_rows_excluded"] = int(len(predictions) - len(comp))
    if "by_day_type" in evaluation:
        for (h, kind), row in evaluation["by_day_type"].iterrows():
            if h in (1, 24):
                key = kind.replace(" ", "_").replace("-", "_")
                out[f"mae_h{h}_{key}"] = float(row["mae_model"])
                out[f"coverage_p10_p90_h{h}_{key}"] = float(row["coverage_p10_p90"])
    return out


def shap_importance(
    model: HorizonModel,
    builder: FeatureBuilder,
    s: np.ndarray,
    t: np.ndarray,
    *,
    max_rows: int = 2000,
    seed: int = 0,
) -> pd.Series:
    """Mean absolute TreeSHAP contribution per feature of the median model (LightGBM ``pred_contrib``)."""
    rng = np.random.default_rng(seed)
    if len(s) > max_rows:
        pick = rng.choice(len(s), max_rows, replace=False)
        s, t = s[pick], t[pick]
    X = builder.design(s, t, model.horizon, model.scale)
    contrib = model.models[0.5].predict(X, pred_contrib=True)
    return pd.Series(np.abs(contrib[:, :-1]).mean(axis=0), index=X.columns).sort_values(ascending=False)
