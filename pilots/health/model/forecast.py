"""Forecasting a participant's score from their own earlier assessments, evaluated on people never seen.

The task (what a clinician would do at a visit): from a participant's assessments so far, forecast
the score at their next assessment at least ``horizon`` years later (``horizon = 0``: the next one).
``forecast_frame`` builds one row a (current assessment, target assessment) pair with history features
from the current and earlier assessments only.

Every method is scored on exactly the same rows and the same subject-grouped folds (``GroupKFold`` over
the sorted pseudonyms with the run's seed: all assessments of a participant in one fold, the same folds in
every run with the same data and seed):

- baselines: the training folds' mean; last observation carried forward (LOCF); LOCF plus the training
  folds' mean annual change (LOCF + cohort trend); LOCF plus the participant's own least-squares slope so
  far (LOCF + own trend, the cohort trend until a participant has two assessments);
- the **personal-trend model**: a robust linear regression (Huber) of the change from the current score
  on the own trend times the gap, the gap, and the distance of the current score from the participant's
  running mean. It learns, from the training participants, how much of a personal trend to believe and
  how much a single assessment regresses to the person's mean: the shrinkage a random-slope mixed
  model applies, in a form that forecasts from any history;
- **LightGBM** on the same history plus the file's covariates (the change from the current score as its
  target), explained by exact TreeSHAP (``predict(..., pred_contrib=True)``), and the same LightGBM with
  record-wise folds (``KFold``), the leakage pitfall shown for contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import HuberRegressor
from sklearn.model_selection import GroupKFold, KFold

from livinglab.threads import limit_threads, n_jobs

from .folds import subject_codes

HISTORY = (
    "score",
    "score_prev",
    "score_mean_so_far",
    "score_slope_so_far",
    "deviation",
    "n_prior",
    "years",
    "gap_years",
)
TREND_TERMS = ("own trend x gap", "gap (years)", "score - own mean so far", "no own trend yet x gap")
CATEGORICAL = ("sex", "subtype", "carrier", "group", "region", "onset_band", "age_band")
BASELINES = {
    "mean": "training mean",
    "locf": "last observation carried forward (LOCF)",
    "locf_trend": "LOCF + cohort trend (training folds' mean annual change)",
    "locf_own_trend": "LOCF + own trend so far",
}

LGBM_PARAMS = {
    "n_estimators": 300,
    "learning_rate": 0.04,
    "num_leaves": 15,
    "min_child_samples": 25,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "objective": "l1",
    "verbose": -1,
}


def forecast_frame(
    visits: pd.DataFrame,
    outcome: str = "score",
    *,
    horizon: float = 0.0,
    subject: str = "pid",
    time: str = "years",
) -> pd.DataFrame:
    """One row an assessment that has a target: the first later assessment at least ``horizon`` years on.

    Adds ``target``, ``gap_years`` and history features from the current and earlier assessments only:
    ``score`` (current), ``score_prev``, ``score_mean_so_far``, ``score_slope_so_far`` (least squares),
    ``deviation`` (current minus running mean) and ``n_prior``. Assessments without ``outcome`` are skipped.
    """
    missing = [c for c in (subject, time, outcome) if c not in visits.columns]
    if missing:
        raise KeyError(f"The visits table lacks column(s) {', '.join(missing)}.")
    d = visits.loc[visits[outcome].notna()].sort_values([subject, time], kind="stable").reset_index(drop=True)
    if outcome != "score":
        d = d.drop(columns=[c for c in ("score",) if c in d.columns]).rename(columns={outcome: "score"})
    g = d.groupby(subject, sort=False)
    n = g.cumcount() + 1
    t, y = d[time].astype(float), d["score"].astype(float)
    st, sy = g[time].cumsum(), g["score"].cumsum()
    stt = (t**2).groupby(d[subject], sort=False).cumsum()
    sty = (t * y).groupby(d[subject], sort=False).cumsum()
    denom = n * stt - st**2
    d["score_prev"] = g["score"].shift(1)
    d["score_mean_so_far"] = sy / n
    d["score_slope_so_far"] = np.where(
        (n >= 2) & (denom > 1e-9), (n * sty - st * sy) / denom.where(denom > 1e-9), np.nan
    )
    d["deviation"] = y - d["score_mean_so_far"]
    d["n_prior"] = n - 1
    # the target row: the first row of the same subject at least `horizon` later (vectorised search on a
    # key that puts each subject in its own block of the time axis)
    codes = pd.factorize(d[subject])[0]
    times = t.to_numpy()
    block = (np.nanmax(times) - np.nanmin(times)) + float(horizon) + 1.0
    key = codes * block * 2 + (times - np.nanmin(times))
    if horizon > 0:
        j = np.searchsorted(key, key + float(horizon) - 1e-9, side="left")
    else:
        j = np.arange(len(d)) + 1
    ok = j < len(d)
    ok[ok] = codes[j[ok]] == codes[ok]
    jj = np.where(ok, j, 0)
    d["target"] = np.where(ok, y.to_numpy()[jj], np.nan)
    d["gap_years"] = np.where(ok, times[jj] - times, np.nan)
    return d.loc[ok].reset_index(drop=True)


def model_matrix(frame: pd.DataFrame, features) -> pd.DataFrame:
    """The feature columns present in ``frame``, categoricals as pandas categories (LightGBM-native)."""
    cols = [f for f in dict.fromkeys(features) if f in frame.columns and frame[f].notna().any()]
    X = frame[cols].copy()
    for c in cols:
        if c in CATEGORICAL or not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype("category")
        else:
            X[c] = X[c].astype(float)
    return X


def trend_design(frame: pd.DataFrame, cohort_rate: float) -> np.ndarray:
    """The personal-trend model's inputs (``TREND_TERMS``)."""
    gap = frame["gap_years"].to_numpy(dtype=float)
    slope = frame["score_slope_so_far"].to_numpy(dtype=float)
    has = np.isfinite(slope)
    own = np.where(has, slope, cohort_rate)
    return np.column_stack([own * gap, gap, frame["deviation"].to_numpy(dtype=float), (~has) * gap])


@dataclass
class TrendModel:
    """The personal-trend model fitted on some participants (see the module docstring)."""

    cohort_rate: float
    regression: HuberRegressor

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> TrendModel:
        change = frame["target"].to_numpy(dtype=float) - frame["score"].to_numpy(dtype=float)
        rate = float(np.nanmean(change / frame["gap_years"].to_numpy(dtype=float)))
        reg = HuberRegressor(max_iter=500).fit(trend_design(frame, rate), change)
        return cls(rate, reg)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return frame["score"].to_numpy(dtype=float) + self.regression.predict(
            trend_design(frame, self.cohort_rate)
        )

    def coefficients(self) -> pd.Series:
        return pd.Series(
            [*self.regression.coef_, self.regression.intercept_], index=[*TREND_TERMS, "intercept"]
        )


def baseline_predictions(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, np.ndarray]:
    """The four baselines for ``test`` from ``train`` only."""
    y_train = train["target"].to_numpy(dtype=float)
    rate = float(np.nanmean((y_train - train["score"].to_numpy(dtype=float)) / train["gap_years"].to_numpy()))
    current = test["score"].to_numpy(dtype=float)
    gap = test["gap_years"].to_numpy(dtype=float)
    own = test["score_slope_so_far"].to_numpy(dtype=float)
    return {
        "mean": np.full(len(test), float(np.mean(y_train))),
        "locf": current,
        "locf_trend": current + rate * gap,
        "locf_own_trend": current + np.where(np.isfinite(own), own, rate) * gap,
    }


@dataclass
class ForecastResult:
    """Out-of-fold forecasts of every method on the same rows, SHAP of LightGBM, the trend model."""

    predictions: pd.DataFrame  # subject, y, fold, model, lightgbm, mean, locf, locf_trend, locf_own_trend
    recordwise: pd.DataFrame  # subject, y, lightgbm (record-wise folds)
    shap: pd.DataFrame  # LightGBM contributions on held-out rows (+ "bias")
    features: list[str]
    coefficients: pd.DataFrame  # the trend model's coefficients, one row a fold


def _lgbm(X_train, y_train, seed):
    config = {**LGBM_PARAMS, "random_state": seed, "n_jobs": n_jobs(), "deterministic": True}
    return lgb.LGBMRegressor(**config).fit(X_train, y_train)


@limit_threads(1)  # one thread: at these sizes as fast, and no spinning pools on busy cores
def forecast_cv(
    frame: pd.DataFrame,
    covariates=(),
    *,
    subject: str = "pid",
    n_splits: int = 5,
    seed: int = 0,
    shap_rows: int | None = 1000,
    recordwise: bool = True,
) -> ForecastResult:
    """Out-of-fold forecasts of the trend model, LightGBM and the baselines with subject-grouped folds."""
    n_subjects = frame[subject].nunique()
    if n_subjects < n_splits:
        raise ValueError(
            f"Subject-grouped CV with {n_splits} folds needs at least {n_splits} participants with a "
            f"forecast target; got {n_subjects} (lower n_folds or the horizon)."
        )
    features = [*HISTORY, *[c for c in covariates if c not in HISTORY and c != "score"]]
    X = model_matrix(frame, features)
    y = frame["target"].to_numpy(dtype=float)
    change = y - frame["score"].to_numpy(dtype=float)
    groups = frame[subject].to_numpy()
    out = {k: np.full(len(frame), np.nan) for k in ("model", "lightgbm", *BASELINES)}
    fold_of = np.full(len(frame), -1)
    contrib = np.full((len(frame), X.shape[1] + 1), np.nan)
    explain = np.ones(len(frame), dtype=bool)
    if shap_rows is not None and shap_rows < len(frame):
        explain[:] = False
        explain[
            np.random.default_rng(seed).choice(len(frame), size=max(int(shap_rows), 0), replace=False)
        ] = True
    coefs = []
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(X, y, subject_codes(groups))):
        tr, te = frame.iloc[train], frame.iloc[test]
        trend = TrendModel.fit(tr)
        out["model"][test] = trend.predict(te)
        coefs.append(trend.coefficients())
        for name, values in baseline_predictions(tr, te).items():
            out[name][test] = values
        booster = _lgbm(X.iloc[train], change[train], seed)
        out["lightgbm"][test] = te["score"].to_numpy(dtype=float) + booster.predict(X.iloc[test])
        shap_test = test[explain[test]]
        if len(shap_test):
            contrib[shap_test] = booster.predict(X.iloc[shap_test], pred_contrib=True)
        fold_of[test] = fold
    predictions = pd.DataFrame({"subject": groups, "y": y, "fold": fold_of, **out}, index=frame.index)
    leaky = np.full(len(frame), np.nan)
    if recordwise:
        for train, test in KFold(n_splits=n_splits, shuffle=True, random_state=seed).split(X):
            booster = _lgbm(X.iloc[train], change[train], seed)
            leaky[test] = frame["score"].to_numpy(dtype=float)[test] + booster.predict(X.iloc[test])
    shap = pd.DataFrame(contrib[explain], columns=[*X.columns, "bias"], index=frame.index[explain])
    return ForecastResult(
        predictions,
        pd.DataFrame({"subject": groups, "y": y, "lightgbm": leaky}, index=frame.index),
        shap,
        list(X.columns),
        pd.DataFrame(coefs).reset_index(drop=True),
    )


def shap_importance(shap: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Mean |SHAP| per feature on held-out rows (in the model's output units) and its share, largest first."""
    contrib = shap.drop(columns="bias", errors="ignore")
    imp = contrib.abs().mean().rename("mean_abs_shap").to_frame()
    imp["share"] = imp["mean_abs_shap"] / imp["mean_abs_shap"].sum()
    imp = imp.sort_values("mean_abs_shap", ascending=False)
    return imp.head(top) if top else imp
