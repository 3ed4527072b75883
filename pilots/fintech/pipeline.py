"""The detection pipeline end to end, shared by the notebook and the benchmark.

``run_detection`` takes either a transaction ledger (the generator's or ``load_transactions``'s)
or ULB credit-card data (``load_ulb``) and:

1. builds the leak-free features;
2. splits by time: training period (the past) and test period (the future); inside the training
   period a validation window that ends ``label_maturity_days`` before the split (labels arrive late);
3. fits a LightGBM on the other training rows, with the labels known at the split time, and scores
   the validation window, where the expected-cost threshold is chosen;
4. fits the final LightGBM, the Isolation Forest and the rules on the whole training period;
5. scores the test period with all three and evaluates against the eventual labels.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from . import evaluation as ev
from .detectors import (
    RulesBaseline,
    SupervisedConfig,
    SupervisedModel,
    TimeSplit,
    UnsupervisedModel,
    fit_isolation_forest,
    fit_lightgbm,
    known_labels,
    time_split,
)
from .features import ULB_MODEL_FEATURES, UNSUPERVISED_FEATURES, transaction_features, ulb_features


@dataclass
class PipelineConfig:
    train_frac: float = 0.7
    valid_frac: float = 0.2
    label_maturity_days: float = 14.0  # the validation window ends this long before the split (label delay)
    alerts_per_day: int = 50
    review_cost_eur: float = 25.0
    loss_share: float = 1.0
    iforest_trees: int = 100
    seed: int = 0
    supervised: SupervisedConfig = field(default_factory=SupervisedConfig)


@dataclass
class DetectionRun:
    kind: str  # "transactions" or "ulb"
    data_source: str
    config: PipelineConfig
    split: TimeSplit
    features: pd.DataFrame  # all rows
    test: pd.DataFrame  # test rows with scores and alert flags
    model: SupervisedModel
    unsupervised: UnsupervisedModel
    rules: RulesBaseline
    cost_choice: ev.CostChoice  # chosen on the validation period
    cost_test: dict
    cost_curve_valid: pd.DataFrame
    labels: dict
    metrics: dict
    timings: dict

    @property
    def X_test(self) -> pd.DataFrame:
        return self.features.loc[self.test.index]


def detect_kind(data: pd.DataFrame) -> str:
    if {"V1", "Amount", "Class"} <= set(data.columns):
        return "ulb"
    if {"account_id", "counterparty_id", "amount"} <= set(data.columns):
        return "transactions"
    raise ValueError(
        "Data is neither ULB credit-card data (Time, V1..V28, Amount, Class) nor a transaction "
        "ledger (transaction_id, timestamp, account_id, counterparty_id, amount); load it with "
        "load_ulb or load_transactions."
    )


def _common_view(data: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "ulb":
        return pd.DataFrame(
            {
                "transaction_id": np.arange(len(data)),
                "timestamp": data["timestamp"],
                "amount": data["Amount"],
                "label": data["Class"].astype(np.int8),
                "typology": "unknown (ULB)",
            },
            index=data.index,
        )
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
            "customer_type",
            "residency",
            "label",
            "typology",
        )
        if c in data
    ]
    view = data[cols].copy()
    if "label" not in view:
        raise ValueError(
            "The ledger has no label column; the supervised model and the evaluation need labels."
        )
    if "typology" not in view:
        view["typology"] = np.where(view["label"] == 1, "unknown", "none")
    return view


def run_detection(
    data: pd.DataFrame, *, data_source: str = "synthetic", config: PipelineConfig | None = None, **overrides
) -> DetectionRun:
    """Features, time split, three detectors, evaluation on the future (see the module docstring)."""
    cfg = config or PipelineConfig()
    for key, value in overrides.items():
        if not hasattr(cfg, key):
            raise TypeError(
                f"Unknown pipeline setting {key!r}; known: {', '.join(PipelineConfig.__annotations__)}."
            )
        setattr(cfg, key, value)
    kind = detect_kind(data)
    if cfg.alerts_per_day < 1:
        raise ValueError(f"alerts_per_day must be at least 1, got {cfg.alerts_per_day}.")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    has_delay = "label_available_at" in data
    maturity = pd.Timedelta(days=cfg.label_maturity_days if has_delay else 0)
    split = time_split(
        data["timestamp"], cfg.train_frac, cfg.valid_frac, maturity
    )  # fails fast on unsorted data
    X = ulb_features(data) if kind == "ulb" else transaction_features(data)
    timings["features_s"] = time.perf_counter() - t0

    view = _common_view(data, kind)
    available = data["label_available_at"] if "label_available_at" in data else None
    y_known = known_labels(view["label"], available, split.split).to_numpy()
    y_true = view["label"].to_numpy()
    labels = {
        "train_frauds": int(y_true[split.train].sum()),
        "train_frauds_known": int(y_known[split.train].sum()),
        "train_frauds_pending": int(y_true[split.train].sum() - y_known[split.train].sum()),
        "valid_frauds_known": int(y_known[split.valid].sum()),
        "test_frauds": int(y_true[split.test].sum()),
        "label_delay": "label_available_at" if available is not None else "none (all labels assumed known)",
    }

    t0 = time.perf_counter()
    sup = cfg.supervised
    if kind == "ulb":  # a few thousand rows and a handful of frauds: smaller trees
        sup = SupervisedConfig(
            **{**asdict(sup), "num_leaves": 7, "min_data_in_leaf": 5, "num_boost_round": 200}
        )
    X_fit, X_valid = X[split.fit], X[split.valid]
    model_valid = fit_lightgbm(X_fit, y_known[split.fit], config=sup, seed=cfg.seed)
    valid_score = model_valid.score(X_valid)
    amount = view["amount"].to_numpy()
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
    X_train = X[split.train]
    model = fit_lightgbm(X_train, y_known[split.train], config=sup, seed=cfg.seed)
    timings["supervised_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    unsup_cols = list(ULB_MODEL_FEATURES if kind == "ulb" else UNSUPERVISED_FEATURES)
    forest = fit_isolation_forest(X_train[unsup_cols], n_estimators=cfg.iforest_trees, seed=cfg.seed)
    rules = RulesBaseline.fit(X_train)
    timings["baselines_fit_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    X_test = X[split.test]
    test = view[split.test].copy()
    test["score"] = model.score(X_test)
    test["score_unsupervised"] = forest.score(X_test)
    test["score_rules"] = rules.score(X_test)
    day = test["timestamp"].dt.normalize().to_numpy()
    test["alerted"] = ev.alerts_at_budget(test["score"].to_numpy(), day, cfg.alerts_per_day)
    test["alerted_rules"] = ev.alerts_at_budget(test["score_rules"].to_numpy(), day, cfg.alerts_per_day)
    test["alerted_unsupervised"] = ev.alerts_at_budget(
        test["score_unsupervised"].to_numpy(), day, cfg.alerts_per_day
    )
    test["alerted_cost"] = test["score"].to_numpy() >= choice.threshold
    timings["scoring_s"] = time.perf_counter() - t0

    y = test["label"].to_numpy()
    at_budget = ev.budget_metrics(y, test["alerted"])
    rules_budget = ev.budget_metrics(y, test["alerted_rules"])
    unsup_budget = ev.budget_metrics(y, test["alerted_unsupervised"])
    cost_test = ev.cost_at_threshold(
        test["score"],
        y,
        test["amount"],
        choice.threshold,
        review_cost=cfg.review_cost_eur,
        loss_share=cfg.loss_share,
    )
    n_test_days = max(1, int(pd.Series(day).nunique()))
    metrics = {
        "rows": int(len(data)),
        "data_source": data_source,
        "data_kind": kind,
        "rows_test": int(len(test)),
        "frauds_test": int(y.sum()),
        "prevalence_test": float(y.mean()),
        "pr_auc": ev.pr_auc(y, test["score"]),
        "pr_auc_rules": ev.pr_auc(y, test["score_rules"]),
        "pr_auc_unsupervised": ev.pr_auc(y, test["score_unsupervised"]),
        "roc_auc": ev.roc_auc(y, test["score"]),
        "roc_auc_rules": ev.roc_auc(y, test["score_rules"]),
        "roc_auc_unsupervised": ev.roc_auc(y, test["score_unsupervised"]),
        "alerts_per_day": int(cfg.alerts_per_day),
        "precision_at_budget": at_budget["precision"],
        "recall_at_budget": at_budget["recall"],
        "precision_at_budget_rules": rules_budget["precision"],
        "recall_at_budget_rules": rules_budget["recall"],
        "precision_at_budget_unsupervised": unsup_budget["precision"],
        "recall_by_typology": ev.recall_by_typology(test["typology"], test["alerted"], y),
        "recall_by_typology_rules": ev.recall_by_typology(test["typology"], test["alerted_rules"], y),
        "recall_by_typology_unsupervised": ev.recall_by_typology(
            test["typology"], test["alerted_unsupervised"], y
        ),
        "cost_threshold": choice.threshold,
        "cost_alerts_per_day": cost_test["alerts"] / n_test_days,
        "cost_test_eur": cost_test["cost"],
        "cost_no_alerts_eur": cost_test["cost_no_alerts"],
        "cost_saving_eur": cost_test["saving"],
        **{f"labels_{k}": v for k, v in labels.items() if k != "label_delay"},
    }
    timings["total_s"] = sum(timings.values())
    return DetectionRun(
        kind,
        data_source,
        cfg,
        split,
        X,
        test,
        model,
        forest,
        rules,
        choice,
        cost_test,
        curve,
        labels,
        metrics,
        timings,
    )
