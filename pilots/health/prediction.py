"""Prediction with LightGBM, evaluated the way a clinic would use it: on people the model never saw.

- ``next_visit_frame``: one row per visit that has a later visit; features from that visit and the
  participant's *past* only (running mean, personal slope so far), target = the next visit's score.
- ``cross_validate``: out-of-fold predictions with subject-grouped folds (``GroupKFold``: all visits of
  a participant in one fold) or, to show the leakage pitfall, record-wise folds (``KFold``).
- Baselines: last observation carried forward (LOCF), LOCF plus the training folds' mean annual
  change, and the training folds' mean.
- SHAP values from LightGBM's exact TreeSHAP (``predict(..., pred_contrib=True)``) on held-out rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold

from livinglab.threads import limit_threads, n_jobs

NEXT_VISIT_FEATURES = (
    "updrs3",
    "updrs3_prev",
    "updrs3_mean_so_far",
    "updrs3_slope_so_far",
    "n_prior_visits",
    "years",
    "gap_years",
    "age",
    "age_at_onset",
    "disease_duration",
    "updrs1",
    "updrs2",
    "updrs4",
    "hy",
    "moca",
    "ledd",
    "sex",
    "subtype",
    "carrier",
)
CATEGORICAL = ("sex", "subtype", "carrier", "group")

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


def next_visit_frame(
    visits: pd.DataFrame, outcome: str = "updrs3", *, subject: str = "pid", time: str = "years"
) -> pd.DataFrame:
    """Rows = visits with an observed ``outcome`` and a later visit with an observed ``outcome``.

    Adds ``target`` (next value), ``gap_years`` (time to it) and history features computed from the
    current and earlier visits only: previous value, running mean, least-squares slope so far.
    """
    missing = [c for c in (subject, time, outcome) if c not in visits.columns]
    if missing:
        raise KeyError(f"The visits table lacks column(s) {', '.join(missing)}.")
    d = visits.loc[visits[outcome].notna()].sort_values([subject, time], kind="stable").copy()
    g = d.groupby(subject, sort=False)
    d["target"] = g[outcome].shift(-1)
    d["gap_years"] = g[time].shift(-1) - d[time]
    d[f"{outcome}_prev"] = g[outcome].shift(1)
    n = g.cumcount() + 1
    st, sy = g[time].cumsum(), g[outcome].cumsum()
    stt = (d[time] ** 2).groupby(d[subject], sort=False).cumsum()
    sty = (d[time] * d[outcome]).groupby(d[subject], sort=False).cumsum()
    denom = n * stt - st**2
    d[f"{outcome}_mean_so_far"] = sy / n
    d[f"{outcome}_slope_so_far"] = np.where(
        (n >= 2) & (denom > 1e-9), (n * sty - st * sy) / denom.where(denom > 1e-9), np.nan
    )
    d["n_prior_visits"] = n - 1
    return d.loc[d["target"].notna()].reset_index(drop=True)


def model_matrix(frame: pd.DataFrame, features: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """The feature columns present in ``frame``, categoricals as pandas categories (LightGBM-native)."""
    cols = [f for f in features if f in frame.columns and frame[f].notna().any()]
    X = frame[cols].copy()
    for c in cols:
        if c in CATEGORICAL or not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype("category")
    return X


@dataclass
class CVResult:
    """Out-of-fold predictions and per-row SHAP contributions."""

    split: str  # "subject-grouped" or "record-wise"
    predictions: pd.DataFrame  # y, pred, fold, subject and baseline columns, same row order as the input
    shap: pd.DataFrame  # one column per feature (+ "bias"), held-out rows only
    features: list[str]

    def mae(self, column: str = "pred") -> float:
        return float(np.mean(np.abs(self.predictions["y"] - self.predictions[column])))


@limit_threads(1)  # one thread: at these sizes as fast, and no spinning pools on busy cores
def cross_validate(
    frame: pd.DataFrame,
    features,
    target: str,
    *,
    subject: str = "pid",
    split: str = "grouped",
    n_splits: int = 5,
    seed: int = 0,
    baselines: dict[str, str] | None = None,
    params: dict | None = None,
    shap_rows: int | None = 1000,
) -> CVResult:
    """Out-of-fold LightGBM predictions with subject-grouped (default) or record-wise folds.

    ``baselines`` maps a name to a recipe computed inside each fold from the training rows only:
    ``"mean"`` (training mean), ``"locf:<col>"`` (the current value of ``col``), or
    ``"drift:<col>:<rate_col>"`` (``col`` plus the training rows' mean of ``(target - col)/gap`` times
    the row's ``gap_years``).

    SHAP contributions (exact TreeSHAP, about a millisecond a row) are computed for a random sample of
    at most ``shap_rows`` held-out rows (all rows when None, none when 0). LightGBM runs on one thread
    (``limit_threads(1)``): on a busy machine its OpenMP threads can be far slower at these sizes.
    """
    if split not in ("grouped", "record-wise"):
        raise ValueError(f"split must be 'grouped' or 'record-wise', not {split!r}.")
    n_subjects = frame[subject].nunique()
    if split == "grouped" and n_subjects < n_splits:
        raise ValueError(
            f"Subject-grouped CV with {n_splits} folds needs at least {n_splits} subjects; got {n_subjects}."
        )
    X = model_matrix(frame, features)
    y = frame[target].to_numpy(dtype=float)
    groups = frame[subject].to_numpy()
    splitter = (
        GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        if split == "grouped"
        else KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    )
    pred = np.full(len(frame), np.nan)
    fold_of = np.full(len(frame), -1)
    contrib = np.full((len(frame), X.shape[1] + 1), np.nan)
    base_cols = {name: np.full(len(frame), np.nan) for name in (baselines or {})}
    config = {**LGBM_PARAMS, **(params or {}), "random_state": seed, "n_jobs": n_jobs()}
    rng = np.random.default_rng(seed)
    explain = np.ones(len(frame), dtype=bool)
    if shap_rows is not None and shap_rows < len(frame):
        explain[:] = False
        explain[rng.choice(len(frame), size=max(int(shap_rows), 0), replace=False)] = True
    for fold, (train, test) in enumerate(splitter.split(X, y, groups if split == "grouped" else None)):
        model = lgb.LGBMRegressor(**config)
        model.fit(X.iloc[train], y[train])
        pred[test] = model.predict(X.iloc[test])
        shap_test = test[explain[test]]
        if len(shap_test):
            contrib[shap_test] = model.predict(X.iloc[shap_test], pred_contrib=True)
        fold_of[test] = fold
        for name, recipe in (baselines or {}).items():
            base_cols[name][test] = _baseline(recipe, frame, y, train, test)
    preds = pd.DataFrame(
        {"subject": groups, "y": y, "pred": pred, "fold": fold_of, **base_cols}, index=frame.index
    )
    shap = pd.DataFrame(contrib[explain], columns=[*X.columns, "bias"], index=frame.index[explain])
    return CVResult("subject-grouped" if split == "grouped" else "record-wise", preds, shap, list(X.columns))


def _baseline(
    recipe: str, frame: pd.DataFrame, y: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    kind, *args = recipe.split(":")
    if kind == "mean":
        return np.full(len(test), float(np.mean(y[train])))
    if kind == "locf":
        return frame[args[0]].to_numpy(dtype=float)[test]
    if kind == "drift":
        col, gap = args[0], args[1] if len(args) > 1 else "gap_years"
        current = frame[col].to_numpy(dtype=float)
        gaps = frame[gap].to_numpy(dtype=float)
        rate = float(np.nanmean((y[train] - current[train]) / gaps[train]))
        return current[test] + rate * gaps[test]
    raise ValueError(
        f"Unknown baseline recipe {recipe!r}; use 'mean', 'locf:<col>' or 'drift:<col>:<gap col>'."
    )


def shap_importance(result: CVResult, top: int | None = None) -> pd.DataFrame:
    """Mean |SHAP| per feature on held-out rows (in points of the outcome) and its share, largest first."""
    contrib = result.shap.drop(columns="bias")
    imp = contrib.abs().mean().rename("mean_abs_shap").to_frame()
    imp["share"] = imp["mean_abs_shap"] / imp["mean_abs_shap"].sum()
    imp = imp.sort_values("mean_abs_shap", ascending=False)
    return imp.head(top) if top else imp


def mae(y, pred) -> float:
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    return float(np.mean(np.abs(y - pred)))
