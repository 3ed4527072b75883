"""A transaction ledger end to end, shared by the notebook and the benchmark.

``run_detection`` takes a ledger in the pilot's schema (``data.ledger_frame`` or the generator's) and:

1. builds the leak-free features the ledger's columns allow (``features.transaction_features``);
2. splits by time: training period (the past) and test period (the future); inside the training period a
   validation window that ends ``label_maturity_days`` before the split (labels arrive late);
3. with labels: fits a LightGBM on the training rows outside the validation window, with the labels known
   at the split, and scores the validation window, where the expected-cost threshold is chosen; then the
   final LightGBM on the whole training period;
4. fits the baselines on the training period: the unsupervised combination (``outliers.Combination``) and
   the default Isolation Forest on the behaviour features, a logistic regression on the model's features
   (with the labels known at the split), and the bank-style rules;
5. scores the test period with all of them and evaluates against the eventual labels.

Without a label column (or with fewer than ``MIN_KNOWN_FRAUDS`` frauds known in the training period) the
unsupervised combination is the model: it ranks the test period for the analyst queue, and the evaluation,
the logistic regression and the cost threshold are skipped with a note.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import evaluation as ev
from .detectors import (
    DetectorError,
    RulesBaseline,
    SupervisedConfig,
    SupervisedModel,
    TimeSplit,
    fit_lightgbm,
    known_labels,
    time_split,
)
from .features import CATEGORICAL, UNSUPERVISED_FEATURES, available_parts, feature_names, transaction_features
from .outliers import Combination, LogisticBaseline, default_iforest, fit_logistic

MIN_KNOWN_FRAUDS = 5

DETECTOR_NAMES = {
    "score": "LightGBM (supervised)",
    "score_lr": "logistic regression (same features)",
    "score_iforest": "Isolation Forest (scikit-learn defaults)",
    "score_unsupervised": "unsupervised combination (PyOD)",
    "score_rules": "rules baseline",
}
ALERT_COLUMNS = {col: "alerted" + col.removeprefix("score") for col in DETECTOR_NAMES}


@dataclass
class PipelineConfig:
    train_frac: float = 0.7
    valid_frac: float = 0.2
    label_maturity_days: float = 14.0  # the validation window ends this long before the split (label delay)
    alerts_per_day: int = 50
    review_cost_eur: float = 25.0
    loss_share: float = 1.0
    seed: int = 0
    supervised: SupervisedConfig = field(default_factory=SupervisedConfig)


@dataclass
class DetectionRun:
    data_source: str
    config: PipelineConfig
    split: TimeSplit
    features: pd.DataFrame  # all rows: the model's features and the rules' inputs
    model_features: list[str]
    unsupervised_features: list[str]
    available: frozenset
    test: pd.DataFrame  # test rows with scores and alert flags
    supervised: bool  # False: the unsupervised combination is the model
    model: SupervisedModel | None
    unsupervised: Combination
    logistic: LogisticBaseline | None
    rules: RulesBaseline
    cost_choice: ev.CostChoice | None  # chosen on the validation period
    cost_test: dict | None
    cost_curve_valid: pd.DataFrame | None
    labels: dict
    metrics: dict
    timings: dict
    notes: list[str] = field(default_factory=list)
    engine: str = "pandas"  # "pandas": every row in memory; "dask": out of core (``features`` = test rows)
    reference: pd.DataFrame | None = None  # training rows' behaviour features (a sample on the Dask path)

    @property
    def X_test(self) -> pd.DataFrame:
        return self.features.loc[self.test.index]

    @property
    def reference_features(self) -> pd.DataFrame:
        """The training period's behaviour features: what the queue's deviation reasons compare with."""
        if self.reference is not None:
            return self.reference
        return self.features.loc[self.split.train, self.unsupervised_features]

    @property
    def has_labels(self) -> bool:
        return "label" in self.test

    @property
    def detectors(self) -> dict[str, str]:
        """The score columns this run has, with their names (the model first)."""
        names = dict(DETECTOR_NAMES)
        if not self.supervised:
            names["score"] = "unsupervised combination (PyOD), the model of this run"
            names.pop("score_unsupervised")
        return {c: n for c, n in names.items() if c in self.test}


def _view(data: pd.DataFrame, segments: tuple[str, ...]) -> pd.DataFrame:
    cols = [
        c
        for c in (
            "transaction_id",
            "timestamp",
            "account_id",
            "counterparty_id",
            "amount",
            "direction",
            "channel",
            "country",
            *segments,
            "label",
            "typology",
        )
        if c in data
    ]
    return data[cols].copy()


def _one_hot(X: pd.DataFrame) -> pd.DataFrame:
    """The model's features for a linear model: categorical codes one-hot encoded."""
    cats = [c for c in CATEGORICAL if c in X]
    return pd.get_dummies(X, columns=cats, dtype=float) if cats else X.astype(float)


def configure(config: PipelineConfig | None, overrides: dict) -> PipelineConfig:
    """The run's settings: ``config`` (or the defaults) with keyword overrides, checked."""
    cfg = config or PipelineConfig()
    for key, value in overrides.items():
        if not hasattr(cfg, key):
            raise TypeError(
                f"Unknown pipeline setting {key!r}; known: {', '.join(PipelineConfig.__annotations__)}."
            )
        setattr(cfg, key, value)
    if cfg.alerts_per_day < 1:
        raise ValueError(f"alerts_per_day must be at least 1, got {cfg.alerts_per_day}.")
    return cfg


def run_detection(
    data: pd.DataFrame,
    *,
    available: frozenset[str] | set[str] | None = None,
    segments: tuple[str, ...] = (),
    data_source: str = "synthetic",
    config: PipelineConfig | None = None,
    **overrides,
) -> DetectionRun:
    """Features, time split, detectors, evaluation on the future (see the module docstring)."""
    cfg = configure(config, overrides)
    available = available_parts(data) if available is None else frozenset(available)
    notes: list[str] = []
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    has_delay = "label_available_at" in data
    maturity = pd.Timedelta(days=cfg.label_maturity_days if has_delay else 0)
    split = time_split(data["timestamp"], cfg.train_frac, cfg.valid_frac, maturity)  # fails fast if unsorted
    X = transaction_features(data, available)
    model_cols = feature_names(available)
    unsup_cols = [c for c in UNSUPERVISED_FEATURES if c in model_cols]
    timings["features_s"] = time.perf_counter() - t0

    view = _view(data, segments)
    has_labels = "label" in view
    labels: dict = {}
    y_known = None
    if has_labels:
        available_at = data["label_available_at"] if has_delay else None
        y_known = known_labels(view["label"], available_at, split.split).to_numpy()
        y_true = view["label"].to_numpy()
        labels = {
            "train_frauds": int(y_true[split.train].sum()),
            "train_frauds_known": int(y_known[split.train].sum()),
            "train_frauds_pending": int(y_true[split.train].sum() - y_known[split.train].sum()),
            "valid_frauds_known": int(y_known[split.valid].sum()),
            "test_frauds": int(y_true[split.test].sum()),
        }
        if "typology" not in view:
            view["typology"] = np.where(view["label"] == 1, "fraud", "none")
    supervised = has_labels and labels["train_frauds_known"] >= MIN_KNOWN_FRAUDS
    if has_labels and not supervised:
        notes.append(
            f"Only {labels['train_frauds_known']} frauds were known in the training period (at least "
            f"{MIN_KNOWN_FRAUDS} are needed to learn from): the unsupervised combination is the model."
        )

    X_train, X_test = X[split.train], X[split.test]
    t0 = time.perf_counter()
    combination = Combination.fit(X_train[unsup_cols].to_numpy(), unsup_cols, seed=cfg.seed)
    test = view[split.test].copy()
    test["score_unsupervised"] = combination.score(X_test[unsup_cols].to_numpy())
    test["score_iforest"] = default_iforest(
        X_train[unsup_cols].to_numpy(), X_test[unsup_cols].to_numpy(), seed=cfg.seed
    )
    rules = RulesBaseline.fit(X_train)
    test["score_rules"] = rules.score(X_test)
    timings["unsupervised_and_rules_s"] = time.perf_counter() - t0

    model = logistic = choice = curve = None
    amount = view["amount"].to_numpy()
    if supervised:
        t0 = time.perf_counter()
        X_fit, X_valid = X.loc[split.fit, model_cols], X.loc[split.valid, model_cols]
        if y_known[split.fit].sum() >= 2 and y_known[split.valid].sum() >= 1:
            model_valid = fit_lightgbm(X_fit, y_known[split.fit], config=cfg.supervised, seed=cfg.seed)
            valid_score = model_valid.score(X_valid)
            curve = ev.cost_curve(
                valid_score,
                y_known[split.valid],
                amount[split.valid],
                review_cost=cfg.review_cost_eur,
                loss_share=cfg.loss_share,
            )
            choice = ev.choose_cost_threshold(
                valid_score,
                y_known[split.valid],
                amount[split.valid],
                review_cost=cfg.review_cost_eur,
                loss_share=cfg.loss_share,
            )
        else:
            notes.append(
                "Too few known frauds in the validation window to choose a cost threshold: the cost view is skipped."
            )
        model = fit_lightgbm(X_train[model_cols], y_known[split.train], config=cfg.supervised, seed=cfg.seed)
        test["score"] = model.score(X_test[model_cols])
        timings["supervised_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        X_lr = _one_hot(X[model_cols])
        logistic = fit_logistic(X_lr[split.train].to_numpy(), y_known[split.train], seed=cfg.seed)
        test["score_lr"] = logistic.score(X_lr[split.test].to_numpy())
        timings["logistic_s"] = time.perf_counter() - t0
    else:
        test["score"] = test["score_unsupervised"]
        if not has_labels:
            notes.append(
                "No labels: the unsupervised combination ranks the transactions; there is no evaluation, no "
                "logistic regression and no cost threshold."
            )
    test, metrics, cost_test, timings["alerts_s"] = finish_test_period(
        test,
        cfg=cfg,
        choice=choice,
        supervised=supervised,
        labels=labels,
        rows=len(data),
        n_features=len(model_cols),
        available=available,
        data_source=data_source,
    )
    metrics["engine"] = "pandas"
    timings["total_s"] = sum(timings.values())
    return DetectionRun(
        data_source,
        cfg,
        split,
        X,
        model_cols,
        unsup_cols,
        available,
        test,
        supervised,
        model,
        combination,
        logistic,
        rules,
        choice,
        cost_test,
        curve,
        labels,
        metrics,
        timings,
        notes,
    )


def run_ledger(data, **settings) -> DetectionRun:
    """The ledger of a ``data.FintechData`` on the engine chosen when it was loaded: in memory
    (:func:`run_detection`) or partitioned on Dask (``scale.run_detection_dask``); same settings, same result."""
    if data.lazy is not None:
        from .scale import run_detection_dask

        run = run_detection_dask(data.lazy, client=data.client, data_source=data.source.label, **settings)
    else:
        run = run_detection(
            data.frame,
            available=data.available,
            segments=data.segments,
            data_source=data.source.label,
            **settings,
        )
    if data.engine is not None:
        run.metrics["engine_reason"] = data.engine.reason
    return run


def finish_test_period(
    test: pd.DataFrame,
    *,
    cfg: PipelineConfig,
    choice: ev.CostChoice | None,
    supervised: bool,
    labels: dict,
    rows: int,
    n_features: int,
    available: frozenset,
    data_source: str,
) -> tuple[pd.DataFrame, dict, dict | None, float]:
    """Alerts at the daily budget, the metrics and the cost on the scored test period (both engines)."""
    cost_test = None
    has_labels = "label" in test
    test = test.reindex(  # the score columns last, model first (a new frame: the caller's is not written to)
        columns=[c for c in test.columns if not c.startswith("score")]
        + [c for c in DETECTOR_NAMES if c in test]
    )

    t0 = time.perf_counter()
    day = test["timestamp"].dt.normalize().to_numpy()
    for col in DETECTOR_NAMES:
        if col in test:
            test[ALERT_COLUMNS[col]] = ev.alerts_at_budget(test[col].to_numpy(), day, cfg.alerts_per_day)
    if choice is not None:
        test["alerted_cost"] = test["score"].to_numpy() >= choice.threshold
    alerts_s = time.perf_counter() - t0

    metrics = {
        "rows": int(rows),
        "data_source": data_source,
        "data_kind": "ledger",
        "detection_mode": "supervised" if supervised else "unsupervised",
        "rows_test": int(len(test)),
        "n_features": int(n_features),
        "alerts_per_day": int(cfg.alerts_per_day),
        "optional_columns": ", ".join(sorted(available)) or "none",
    }
    if has_labels:
        y = test["label"].to_numpy()
        metrics.update(frauds_test=int(y.sum()), prevalence_test=float(y.mean()))
        for col in DETECTOR_NAMES:
            if col not in test or (col == "score_unsupervised" and not supervised):
                continue
            suffix = col.removeprefix("score")
            metrics[f"pr_auc{suffix}"] = ev.pr_auc(y, test[col])
            metrics[f"roc_auc{suffix}"] = ev.roc_auc(y, test[col])
            budget = ev.budget_metrics(y, test[ALERT_COLUMNS[col]])
            metrics[f"precision_at_budget{suffix}"] = budget["precision"]
            metrics[f"recall_at_budget{suffix}"] = budget["recall"]
            metrics[f"recall_by_typology{suffix}"] = ev.recall_by_typology(
                test["typology"], test[ALERT_COLUMNS[col]], y
            )
        metrics.update({f"labels_{k}": v for k, v in labels.items()})
        if choice is not None:
            n_test_days = max(1, int(pd.Series(day).nunique()))
            cost_test = ev.cost_at_threshold(
                test["score"],
                y,
                test["amount"],
                choice.threshold,
                review_cost=cfg.review_cost_eur,
                loss_share=cfg.loss_share,
            )
            metrics.update(
                cost_threshold=choice.threshold,
                cost_alerts_per_day=cost_test["alerts"] / n_test_days,
                cost_test_eur=cost_test["cost"],
                cost_no_alerts_eur=cost_test["cost_no_alerts"],
                cost_saving_eur=cost_test["saving"],
            )
    return test, metrics, cost_test, alerts_s


__all__ = [
    "DetectionRun",
    "DetectorError",
    "PipelineConfig",
    "run_detection",
    "run_ledger",
    "finish_test_period",
    "configure",
    "DETECTOR_NAMES",
    "ALERT_COLUMNS",
]
