"""Case-control biomarker records (several records a person, a diagnosis label): honest validation.

``evaluate``: LightGBM and a logistic-regression baseline with subject-grouped folds (``StratifiedGroupKFold``
over the sorted pseudonyms: all records of a person in one fold), ROC-AUC with cluster-bootstrap intervals
(whole persons resampled), per-person AUC, calibration (Brier score, reliability curve, calibration
intercept and slope), exact TreeSHAP importance, and the same LightGBM with record-wise folds
(``StratifiedKFold``), reported beside it as the leaky contrast it is (never as a claim). The comparison of
LightGBM with logistic regression is a claim made in ``model/__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from livinglab.threads import limit_threads, n_jobs
from livinglab.trust import CI, bootstrap_ci, bootstrap_difference_ci
from livinglab.trust.metrics import roc_auc

from .folds import subject_codes

LGBM_CLASSIFIER = {
    "n_estimators": 200,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 10,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "verbose": -1,
}


#: scikit-learn's ROC-AUC to the last bit, scored on all bootstrap resamples of a batch at once
auc = roc_auc


def brier(y, score) -> float:
    return float(brier_score_loss(np.asarray(y), np.clip(np.asarray(score, dtype=float), 0, 1)))


def calibration_line(y, p) -> tuple[float, float]:
    """Calibration intercept and slope: logistic regression of the outcome on logit(p) (1 and 0 = ideal
    slope and intercept; slope < 1: predictions too extreme)."""
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(logit, np.asarray(y))
    return float(fit.intercept_[0]), float(fit.coef_[0, 0])


@dataclass
class ClassifierEvaluation:
    """Out-of-fold probabilities of each method, intervals, calibration and SHAP."""

    predictions: pd.DataFrame  # subject, y, fold, lightgbm, logistic (subject-grouped folds)
    recordwise: pd.DataFrame  # subject, y, lightgbm, logistic (record-wise folds)
    cis: dict[str, CI]  # auc_* and brier_* with cluster-bootstrap intervals
    differences: dict[str, CI]  # paired: record-wise minus subject-grouped (LightGBM), the optimism
    person_auc: dict[str, CI]  # per-person AUC (mean probability of their records)
    calibration: dict[str, dict]  # method -> intercept, slope, curve (mean predicted, observed)
    importance: pd.DataFrame
    features: list[str]
    notes: list[str] = field(default_factory=list)


def _classifiers(seed: int):
    lgbm = lgb.LGBMClassifier(**LGBM_CLASSIFIER, random_state=seed, n_jobs=n_jobs(), deterministic=True)
    logistic = make_pipeline(
        SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)
    )
    return lgbm, logistic


def _oof(X, y, splits, seed, shap_rows=None):
    out = {"lightgbm": np.full(len(y), np.nan), "logistic": np.full(len(y), np.nan)}
    fold_of = np.full(len(y), -1)
    contrib = np.full((len(y), X.shape[1] + 1), np.nan) if shap_rows is not None else None
    for fold, (train, test) in enumerate(splits):
        lgbm, logistic = _classifiers(seed)
        lgbm.fit(X.iloc[train], y[train])
        logistic.fit(X.iloc[train], y[train])
        out["lightgbm"][test] = lgbm.predict_proba(X.iloc[test])[:, 1]
        out["logistic"][test] = logistic.predict_proba(X.iloc[test])[:, 1]
        fold_of[test] = fold
        if contrib is not None:
            contrib[test] = lgbm.predict(X.iloc[test], pred_contrib=True)
    return out, fold_of, contrib


@limit_threads(1)
def evaluate(
    records: pd.DataFrame,
    features: list[str],
    *,
    subject: str = "pid",
    n_splits: int = 5,
    n_boot: int = 200,
    seed: int = 0,
) -> ClassifierEvaluation:
    """Subject-grouped and record-wise cross-validation of LightGBM and logistic regression (module doc)."""
    persons = records.groupby(subject)["y"].first()
    smallest = int(persons.value_counts().min()) if persons.nunique() == 2 else 0
    if smallest < n_splits:
        raise ValueError(
            f"Subject-grouped CV with {n_splits} folds needs at least {n_splits} persons of each label; "
            f"the smaller label has {smallest} (lower n_folds)."
        )
    X = records[features].astype(float)
    y = records["y"].to_numpy(dtype=int)
    groups = records[subject].to_numpy()
    grouped_splits = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(
        X, y, subject_codes(groups)
    )
    grouped, fold_of, contrib = _oof(X, y, grouped_splits, seed, shap_rows=len(y))
    record_splits = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(X, y)
    leaky, _, _ = _oof(X, y, record_splits, seed)
    predictions = pd.DataFrame({"subject": groups, "y": y, "fold": fold_of, **grouped}, index=records.index)
    recordwise = pd.DataFrame({"subject": groups, "y": y, **leaky}, index=records.index)

    kw = {"groups": groups, "n_boot": n_boot, "seed": seed}
    cis = {}
    for name in ("lightgbm", "logistic"):
        cis[f"auc_{name}"] = bootstrap_ci(auc, y, grouped[name], **kw)
        cis[f"auc_{name}_recordwise"] = bootstrap_ci(auc, y, leaky[name], **kw)
        cis[f"brier_{name}"] = bootstrap_ci(brier, y, grouped[name], **kw)
    differences = {  # the leaky contrast: record-wise minus subject-grouped, the same LightGBM
        "recordwise_minus_grouped": bootstrap_difference_ci(
            auc, y, leaky["lightgbm"], grouped["lightgbm"], **kw
        ),
    }
    per_person = predictions.groupby("subject")[["y", "lightgbm", "logistic"]].mean()
    person_auc = {
        name: bootstrap_ci(auc, per_person["y"], per_person[name], n_boot=n_boot, seed=seed)
        for name in ("lightgbm", "logistic")
    }
    calibration = {}
    for name in ("lightgbm", "logistic"):
        intercept, slope = calibration_line(y, grouped[name])
        observed, predicted = calibration_curve(y, grouped[name], n_bins=8, strategy="quantile")
        calibration[name] = {
            "intercept": intercept,
            "slope": slope,
            "predicted": predicted.tolist(),
            "observed": observed.tolist(),
        }
    shap = pd.DataFrame(contrib, columns=[*features, "bias"], index=records.index)
    importance = shap.drop(columns="bias").abs().mean().rename("mean_abs_shap").to_frame()
    importance["share"] = importance["mean_abs_shap"] / importance["mean_abs_shap"].sum()
    importance = importance.sort_values("mean_abs_shap", ascending=False)
    return ClassifierEvaluation(
        predictions, recordwise, cis, differences, person_auc, calibration, importance, list(features)
    )
