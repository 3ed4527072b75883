"""Case-control biomarker records (several records a person, a diagnosis label): honest validation.

- ``generate_case_control``: a SYNTHETIC stand-in in the shape of the classic voice data sets (people
  with PD and controls, several recordings each, 16 voice-like measures). Each person has a stable
  voice signature shared by all their recordings (features correlate strongly within a person); the
  disease shifts a few measures by a person-level severity, much less than people differ from each
  other. Record-wise cross-validation can therefore recognise a person it has seen and inherit their
  label: it is measurably optimistic, as on real data.
- ``evaluate``: LightGBM and a logistic-regression baseline with subject-grouped folds
  (``StratifiedGroupKFold``: all records of a person in one fold), ROC-AUC with cluster-bootstrap
  intervals (whole persons resampled), per-person AUC, calibration (Brier score, reliability curve,
  calibration intercept and slope), exact TreeSHAP importance, and the same LightGBM with record-wise
  folds (``StratifiedKFold``), reported beside it as the warning it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from livinglab.threads import limit_threads, n_jobs
from livinglab.trust import CI, bootstrap_ci, bootstrap_difference_ci

from .synthetic import synthetic_subject_ids

VOICE_MEASURES = (
    "f0_mean_hz",
    "f0_sd_hz",
    "jitter_pct",
    "jitter_abs_us",
    "jitter_rap",
    "shimmer_pct",
    "shimmer_db",
    "shimmer_apq5",
    "nhr",
    "hnr_db",
    "rpde",
    "dfa",
    "ppe",
    "spread1",
    "spread2",
    "d2",
)
# measures the disease shifts (in person-level SD units per unit of severity); the rest carry none
DISEASE_SHIFT = {
    "jitter_pct": 0.45,
    "shimmer_db": 0.4,
    "nhr": 0.35,
    "hnr_db": -0.45,
    "ppe": 0.5,
    "spread1": 0.3,
}

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


def generate_case_control(
    n_cases: int = 60,
    n_controls: int = 30,
    records_per_subject: int = 6,
    *,
    seed: int = 0,
    person_sd: float = 1.0,
    record_sd: float = 0.35,
) -> pd.DataFrame:
    """SYNTHETIC case-control voice records: ``subject``, ``status`` (1 = PD), ``age``, ``sex`` and 16 measures.

    A person's records: signature (N(0, person_sd) per measure, correlated across measures through a
    shared "voice quality" factor) + disease shift x severity (cases only; severity ~ Gamma, mean 1) +
    age effect + recording noise (N(0, record_sd)). The number of records varies around
    ``records_per_subject`` (at least 2). Measures are put on plausible scales (positive ones
    exponentiated). Identifiers come from the health pilot's raw-id generator (a separate stream).
    """
    if n_cases < 2 or n_controls < 2:
        raise ValueError("n_cases and n_controls must be at least 2 each.")
    rng = np.random.default_rng([seed, 4242])
    n = n_cases + n_controls
    case = np.arange(n) < n_cases
    age = np.where(case, rng.normal(66, 9, n), rng.normal(62, 10, n)).clip(35, 90)
    male = rng.random(n) < np.where(case, 0.66, 0.5)
    severity = np.where(case, rng.gamma(2.0, 0.5, n), 0.0)
    m = len(VOICE_MEASURES)
    loading = rng.uniform(0.3, 0.8, m) * rng.choice([-1, 1], m)
    quality = rng.normal(0, 1, n)
    signature = person_sd * (np.sqrt(1 - loading**2) * rng.normal(0, 1, (n, m)) + loading * quality[:, None])
    shift = np.array([DISEASE_SHIFT.get(name, 0.0) for name in VOICE_MEASURES])
    person_level = signature + severity[:, None] * shift * person_sd + 0.02 * (age - 64)[:, None]
    counts = np.maximum(rng.poisson(records_per_subject, n), 2)
    who = np.repeat(np.arange(n), counts)
    latent = person_level[who] + rng.normal(0, record_sd, (len(who), m))
    scale = {
        "f0_mean_hz": (np.where(male, 120, 200)[who], 18.0, False),
        "f0_sd_hz": (2.0, 0.35, True),
        "jitter_pct": (-0.6, 0.45, True),
        "jitter_abs_us": (3.3, 0.45, True),
        "jitter_rap": (-1.2, 0.45, True),
        "shimmer_pct": (1.0, 0.4, True),
        "shimmer_db": (-1.4, 0.4, True),
        "shimmer_apq5": (0.6, 0.4, True),
        "nhr": (-3.8, 0.8, True),
        "hnr_db": (22.0, 4.0, False),
        "rpde": (0.5, 0.08, False),
        "dfa": (0.7, 0.05, False),
        "ppe": (0.2, 0.08, False),
        "spread1": (-5.7, 1.0, False),
        "spread2": (0.23, 0.08, False),
        "d2": (2.4, 0.35, False),
    }
    columns = {}
    for k, name in enumerate(VOICE_MEASURES):
        centre, spread, positive = scale[name]
        value = centre + spread * latent[:, k]
        columns[name] = np.round(np.exp(value) if positive else value, 5)
    ids = synthetic_subject_ids(n_cases, n_controls, seed)
    return pd.DataFrame(
        {
            "subject": ids[who],
            "status": case[who].astype(int),
            "age": np.round(age[who], 0),
            "sex": np.where(male, "male", "female")[who],
            **columns,
        }
    )


def auc(y, score) -> float:
    return float(roc_auc_score(np.asarray(y), np.asarray(score, dtype=float)))


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
class CaseControlResult:
    """Out-of-fold probabilities of each method, intervals, calibration and SHAP."""

    predictions: pd.DataFrame  # subject, y, fold, lightgbm, logistic (subject-grouped folds)
    recordwise: pd.DataFrame  # subject, y, lightgbm, logistic (record-wise folds)
    cis: dict[str, CI]  # auc_* and brier_* with cluster-bootstrap intervals
    differences: dict[str, CI]  # paired: lightgbm - logistic (grouped); record-wise - grouped (LightGBM)
    person_auc: dict[str, CI]  # per-person AUC (mean probability of their records)
    calibration: dict[str, dict]  # method -> intercept, slope, curve (mean predicted, observed)
    importance: pd.DataFrame
    features: list[str]
    notes: list[str] = field(default_factory=list)


def _classifiers(seed: int):
    lgbm = lgb.LGBMClassifier(**LGBM_CLASSIFIER, random_state=seed, n_jobs=n_jobs())
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
) -> CaseControlResult:
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
        X, y, groups
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
    differences = {
        "lightgbm_minus_logistic": bootstrap_difference_ci(
            auc, y, grouped["lightgbm"], grouped["logistic"], **kw
        ),
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
    return CaseControlResult(
        predictions, recordwise, cis, differences, person_auc, calibration, importance, list(features)
    )
