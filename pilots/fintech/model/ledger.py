"""Detection on a transaction ledger, evaluated on the future, and the claims the pages make about it.

:func:`detect` takes a ledger in the pilot's schema (``data.ledger_frame``) and:

1. builds the leak-free features the ledger's columns allow (``features.transaction_features``);
2. splits by time: training period (the past) and test period (the future); inside the training period a
   validation window that ends ``label_maturity_days`` before the split (labels arrive late);
3. with labels: fits a LightGBM on the training rows outside the validation window, with the labels known
   at the split, and scores the validation window, where the expected-cost threshold is chosen; then the
   final LightGBM on the whole training period;
4. fits the baselines on the training period: the unsupervised combination (``outliers.Combination``) and
   the default Isolation Forest on the behaviour features, a logistic regression on the model's features
   (with the labels known at the split), and the bank-style rules;
5. scores the test period with all of them (:func:`finish_test_period`: the alerts at the analysts' daily
   capacity, the operating point, the values of every detector).

Without a label column (or with fewer than ``MIN_KNOWN_FRAUDS`` frauds known in the training period) the
unsupervised combination is the model: it ranks the test period for the analyst queue, and the evaluation,
the logistic regression and the cost threshold are skipped with a note.

**The operating point.** Analysts review at most ``alerts_per_day`` alerts a day: each day's highest scores
up to that capacity are alerted. The expected-cost threshold (review cost per alert, loss of a missed fraud's
amount) chosen on the validation window can only lower that number (when fewer alerts cost less); the saving
is reported there, never at the uncapped cost optimum, which often needs more alerts than the analysts can
review (it is recorded apart, named ``uncapped_cost_optimum_*``).

:func:`ledger_claims` makes every comparison the pages state (:mod:`livinglab.claims`): PR-AUC against the
strongest plain baseline and against each other baseline, precision of the daily alerts and the saving at
the analysts' capacity against the strongest baseline; intervals resample whole accounts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from livinglab.claims import Claim, compare

from ..data import LedgerData
from . import evaluation as ev
from .detectors import (
    RulesBaseline,
    SupervisedConfig,
    SupervisedModel,
    TimeSplit,
    fit_lightgbm,
    known_labels,
    time_split,
)
from .features import CATEGORICAL, UNSUPERVISED_FEATURES, feature_names, transaction_features
from .outliers import Combination, LogisticBaseline, default_iforest, fit_logistic

MIN_KNOWN_FRAUDS = 5
ROUTINE_CHOICES = ("exclude", "show")
MODEL_NAME = "LightGBM on the leak-free ledger features"
UNSUPERVISED_NAME = "the unsupervised combination (PyOD Isolation Forest + Gaussian mixture)"
#: Score column -> (claim key, the detector in words).
BASELINES = {
    "score_lr": ("logistic", "a logistic regression on the same features"),
    "score_rules": ("rules", "bank-style rules (amount, velocity, new counterparty or device)"),
    "score_iforest": (
        "isolation_forest",
        "scikit-learn's default Isolation Forest on the behaviour features",
    ),
    "score_unsupervised": ("combination", UNSUPERVISED_NAME),
}
INTERVALS = "whole accounts resampled (an account's transactions are not independent)"


def alert_column(score: str) -> str:
    return "alerted" + score.removeprefix("score")


@dataclass
class LedgerConfig:
    train_frac: float = 0.7
    valid_frac: float = 0.2
    label_maturity_days: float = 14.0  # the validation window ends this long before the split (label delay)
    alerts_per_day: int = 30  # the analysts' daily capacity
    review_cost: float = 25.0  # in the ledger's currency
    loss_share: float = 1.0
    seed: int = 0
    currency: str = "EUR"  # the amounts' currency ("" when the data do not say)
    routine: str = "exclude"  # routine (recurring) postings: kept out of the alerts, or "show"n as routine
    supervised: SupervisedConfig = field(default_factory=SupervisedConfig)

    @classmethod
    def of(cls, params: dict) -> LedgerConfig:
        """The settings a run's parameters give (checked)."""
        cfg = cls(**{k: params[k] for k in cls.__dataclass_fields__ if k in params and k != "supervised"})
        if int(cfg.alerts_per_day) < 1:
            raise ValueError(f"alerts_per_day must be at least 1, got {cfg.alerts_per_day}.")
        if cfg.routine not in ROUTINE_CHOICES:
            raise ValueError(
                f"routine must be {' or '.join(ROUTINE_CHOICES)} (routine postings kept out of the alerts, or "
                f"alerted and shown as routine), not {cfg.routine!r}; e.g. -p routine show."
            )
        return cfg

    @property
    def money(self) -> str:
        """The currency as the pages write it after an amount."""
        return self.currency or "(currency not given)"


@dataclass
class CostView:
    """The operating point at the analysts' capacity and the uncapped cost optimum (labelled as such)."""

    choice: ev.CostChoice | None  # the cost-optimal threshold chosen on the validation window (uncapped)
    curve_valid: pd.DataFrame | None  # total cost against alerts on the validation window
    valid_days: float
    uncapped: dict | None  # that threshold applied to the test period without the capacity


@dataclass
class LedgerDetection:
    """What :func:`detect` (or the out-of-core path) found on a ledger."""

    split: TimeSplit
    X_test: pd.DataFrame  # the test period's features (and the rules' inputs)
    model_features: list[str]
    unsupervised_features: list[str]
    available: frozenset
    test: pd.DataFrame  # test rows with scores and alert flags
    supervised: bool  # False: the unsupervised combination is the model
    model: SupervisedModel | None
    unsupervised: Combination
    logistic: LogisticBaseline | None
    rules: RulesBaseline
    cost: CostView
    labels: dict
    reference: pd.DataFrame  # training rows' behaviour features (a sample on the Dask path): the queue's
    timings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    engine: str = "pandas"
    extra: dict = field(default_factory=dict)  # engine facts (Dask workers, baseline sample)

    @property
    def has_labels(self) -> bool:
        return "label" in self.test

    @property
    def model_name(self) -> str:
        return MODEL_NAME if self.supervised else UNSUPERVISED_NAME

    @property
    def detectors(self) -> dict[str, str]:
        """The score columns this run has, with their names in words (the model first)."""
        names = {"score": self.model_name} | {c: words for c, (_, words) in BASELINES.items()}
        if not self.supervised:
            names.pop("score_unsupervised")
        return {c: n for c, n in names.items() if c in self.test}


def one_hot(X: pd.DataFrame) -> pd.DataFrame:
    """The model's features for a linear model: categorical codes one-hot encoded."""
    cats = [c for c in CATEGORICAL if c in X]
    return pd.get_dummies(X, columns=cats, dtype=float) if cats else X.astype(float)


VIEW_COLUMNS = (
    "transaction_id", "timestamp", "account_id", "counterparty_id", "amount", "direction", "channel", "country",
)  # fmt: skip


def view_columns(columns, segments: tuple[str, ...]) -> list[str]:
    """The ledger columns carried beside the scores of the test period."""
    return [c for c in (*VIEW_COLUMNS, *segments, "label", "typology") if c in columns]


def label_counts(y_true: np.ndarray, y_known: np.ndarray, split: TimeSplit) -> dict:
    return {
        "train_frauds": int(y_true[split.train].sum()),
        "train_frauds_known": int(y_known[split.train].sum()),
        "train_frauds_pending": int(y_true[split.train].sum() - y_known[split.train].sum()),
        "valid_frauds_known": int(y_known[split.valid].sum()),
        "test_frauds": int(y_true[split.test].sum()),
    }


def detect(ledger: LedgerData, cfg: LedgerConfig) -> LedgerDetection:
    """Features, time split, detectors, the scored test period (see the module docstring)."""
    data, available = ledger.frame, ledger.available
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

    view = data[view_columns(data.columns, ledger.segments)]
    has_labels = "label" in view
    labels: dict = {}
    y_known = None
    if has_labels:
        available_at = data["label_available_at"] if has_delay else None
        y_known = known_labels(view["label"], available_at, split.split).to_numpy()
        labels = label_counts(view["label"].to_numpy(), y_known, split)
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
    rules = RulesBaseline.fit(X_train, structuring=cfg.currency == "EUR")
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
            kw = {"review_cost": cfg.review_cost, "loss_share": cfg.loss_share}
            curve = ev.cost_curve(valid_score, y_known[split.valid], amount[split.valid], **kw)
            choice = ev.choose_cost_threshold(valid_score, y_known[split.valid], amount[split.valid], **kw)
        else:
            notes.append(
                "Too few known frauds in the validation window to choose a cost threshold: the operating point "
                "is the analysts' capacity."
            )
        model = fit_lightgbm(X_train[model_cols], y_known[split.train], config=cfg.supervised, seed=cfg.seed)
        test["score"] = model.score(X_test[model_cols])
        timings["supervised_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        X_lr = one_hot(X[model_cols])
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
    valid_days = (split.valid_end - split.valid_start) / pd.Timedelta(days=1)
    t0 = time.perf_counter()
    test["routine"] = X_test["routine"].to_numpy() == 1
    test, uncapped = finish_test_period(test, cfg=cfg, choice=choice)
    timings["alerts_s"] = time.perf_counter() - t0
    return LedgerDetection(
        split,
        X_test,
        model_cols,
        unsup_cols,
        available,
        test,
        supervised,
        model,
        combination,
        logistic,
        rules,
        CostView(choice, curve, valid_days, uncapped),
        labels,
        X.loc[split.train, unsup_cols],
        timings,
        notes,
    )


def finish_test_period(
    test: pd.DataFrame, *, cfg: LedgerConfig, choice: ev.CostChoice | None
) -> tuple[pd.DataFrame, dict | None]:
    """Alerts at the analysts' daily capacity for every detector, the model's operating point (the capacity,
    lowered by the cost threshold when fewer alerts cost less) and the uncapped cost optimum (both engines).

    With ``cfg.routine == "exclude"`` routine postings (``test["routine"]``) never take an alert of any detector:
    the capacity goes to the other postings (scores, and so PR-AUC, are unchanged)."""
    test = test.reindex(  # the score columns last, model first (a new frame: the caller's is not written to)
        columns=[c for c in test.columns if not c.startswith("score")]
        + [c for c in ("score", *BASELINES) if c in test]
    )
    if "routine" not in test:
        test["routine"] = False
    day = test["timestamp"].dt.normalize().to_numpy()
    eligible = ~test["routine"].to_numpy(dtype=bool) if cfg.routine == "exclude" else None
    for col in ("score", *BASELINES):
        if col in test:
            values = test[col].to_numpy(dtype=float)
            if eligible is not None:
                values = np.where(eligible, values, -np.inf)
            alerted = ev.alerts_at_budget(values, day, cfg.alerts_per_day)
            test[alert_column(col)] = alerted & eligible if eligible is not None else alerted
    uncapped = None
    test["alerted_operating"] = test["alerted"].to_numpy()
    if choice is not None:
        above = test["score"].to_numpy() >= choice.threshold
        test["alerted_operating"] = test["alerted"].to_numpy() & above
        if "label" in test:
            n_days = max(1, int(pd.Series(day).nunique()))
            cost = ev.cost_at_threshold(
                test["score"], test["label"], test["amount"], choice.threshold,
                review_cost=cfg.review_cost, loss_share=cfg.loss_share,
            )  # fmt: skip
            uncapped = cost | {"alerts_per_day": cost["alerts"] / n_days}
    return test, uncapped


def detection_metrics(det: LedgerDetection, cfg: LedgerConfig) -> dict:
    """The values the run records (deterministic), beside the claims."""
    test = det.test
    day = test["timestamp"].dt.normalize()
    per_day = test.groupby(day)["alerted_operating"].sum()
    m = {
        "detection_mode": "supervised" if det.supervised else "unsupervised",
        "engine": det.engine,
        "rows_test": int(len(test)),
        "n_features": len(det.model_features),
        "optional_columns": ", ".join(sorted(det.available)) or "none",
        "alerts_per_day": int(cfg.alerts_per_day),
        "operating_alerts_per_day": float(per_day.mean()) if len(per_day) else 0.0,
        "operating_alerts_max_day": int(per_day.max()) if len(per_day) else 0,
        "interval_method": INTERVALS,
        "currency": cfg.currency,
        "routine_rule": cfg.routine,
        "routine_test": int(test["routine"].sum()) if "routine" in test else 0,
    }
    if det.model is not None:
        m |= {
            "lightgbm_trees": det.model.config.num_boost_round,
            "negatives_used": det.model.n_neg_used,
            "negatives_total": det.model.n_neg_total,
            "scale_pos_weight": det.model.config.scale_pos_weight,
        }
    if not det.has_labels:
        return m
    y = test["label"].to_numpy()
    m |= {"frauds_test": int(y.sum()), "prevalence_test": float(y.mean())}
    m |= {f"labels_{k}": v for k, v in det.labels.items()}
    for col in det.detectors:
        suffix = col.removeprefix("score")
        m[f"pr_auc{suffix}"] = ev.pr_auc(y, test[col])
        m[f"roc_auc{suffix}"] = ev.roc_auc(y, test[col])
        budget = ev.budget_metrics(y, test[alert_column(col)])
        m[f"precision_at_budget{suffix}"] = budget["precision"]
        m[f"recall_at_budget{suffix}"] = budget["recall"]
        m[f"recall_by_typology{suffix}"] = ev.recall_by_typology(test["typology"], test[alert_column(col)], y)
    m["review_cost"], m["loss_share"] = float(cfg.review_cost), float(cfg.loss_share)
    m["cost_no_alerts"] = float(cfg.loss_share * test.loc[test["label"] == 1, "amount"].sum())
    if det.cost.uncapped is not None:
        u = det.cost.uncapped
        m |= {
            "uncapped_cost_optimum_threshold": float(u["threshold"]),
            "uncapped_cost_optimum_alerts_per_day": float(u["alerts_per_day"]),
            "uncapped_cost_optimum_saving": float(u["saving"]),
        }
    return m


# ----------------------------------------------------------------------------- claims
def _precision(y_true, alerted) -> float:
    a = np.asarray(alerted).astype(bool)
    return float(np.asarray(y_true)[a].mean()) if a.any() else float("nan")


def saving_score(review_cost: float, loss_share: float):
    """Saving of a set of alerts (in the ledger's currency) against alerting nothing: the fraud amount caught minus the review cost;
    ``y_true`` holds (label, amount) per row, ``alerted`` the alert flags."""

    def saving(y_true, alerted) -> float:
        y_true, a = np.asarray(y_true, dtype=float), np.asarray(alerted).astype(bool)
        caught = float(y_true[a, 1][y_true[a, 0] == 1].sum())
        return loss_share * caught - review_cost * float(a.sum())

    return saving


def strongest_baseline(det: LedgerDetection) -> str | None:
    """The baseline score column with the highest PR-AUC on the test period (ties: the first in BASELINES)."""
    y = det.test["label"].to_numpy()
    present = [c for c in det.detectors if c != "score"]
    if not present:
        return None
    values = {c: ev.pr_auc(y, det.test[c]) for c in present}
    return max(present, key=lambda c: (values[c], -present.index(c)))


def not_evaluated(name: str, metric: str, label: str, model: str, reason: str) -> Claim:
    """A claim that could not be made (no labels): 'not computed' on every page, with the reason."""
    nan = math.nan
    return Claim(name, metric, label, model, reason, nan, nan, nan, nan, "nothing evaluated", 0, 0)


def ledger_claims(det: LedgerDetection, cfg: LedgerConfig, *, n_boot: int, seed: int) -> list[Claim]:
    """Every comparison the ledger's pages state, each once (see the module docstring)."""
    label = "PR-AUC on the test period (the future)"
    if not det.has_labels:
        return [
            not_evaluated("pr_auc", "pr_auc", label, det.model_name, "no baseline: the ledger has no labels")
        ]
    test = det.test
    y = test["label"].to_numpy()
    groups = test["account_id"].astype(str).to_numpy()
    split = f"time-ordered: trained before {det.split.split:%Y-%m-%d %H:%M}, tested after it"
    common = {"groups": groups, "unit": "accounts", "n_boot": n_boot, "seed": seed, "split": split}
    strongest = strongest_baseline(det)
    if strongest is None:
        return [not_evaluated("pr_auc", "pr_auc", label, det.model_name, "no baseline could be fitted")]
    words = dict(BASELINES)
    model = test["score"].to_numpy()
    claims = [
        compare(
            "pr_auc",
            "pr_auc",
            ev.pr_auc,
            y,
            model,
            test[strongest].to_numpy(),
            label=label,
            model=det.model_name,
            baseline=f"the strongest plain baseline, {words[strongest][1]}",
            **common,
        )  # fmt: skip
    ]
    for col in det.detectors:
        if col in ("score", strongest):
            continue
        key, name = words[col]
        claims.append(
            compare(
                f"pr_auc_vs_{key}",
                "pr_auc",
                ev.pr_auc,
                y,
                model,
                test[col].to_numpy(),
                label=label,
                model=det.model_name,
                baseline=name,
                **common,
            )  # fmt: skip
        )
    capacity = f"{cfg.alerts_per_day} alerts a day"
    claims.append(
        compare(
            "precision_at_budget",
            "precision",
            _precision,
            y,
            test["alerted"].to_numpy(),
            test[alert_column(strongest)].to_numpy(),
            label=f"Precision of the daily alerts at the analysts' capacity ({capacity})",
            model=det.model_name,
            baseline=f"{words[strongest][1]}, at the same capacity",
            **common,
        )  # fmt: skip
    )
    dropped = int((test["alerted"].to_numpy() & ~test["alerted_operating"].to_numpy()).sum())
    how = "the daily alerts at the analysts' capacity"
    if det.cost.choice is not None:  # say whether the threshold changed anything the baseline did not get
        how += (
            f", lowered by the expected-cost threshold where fewer alerts cost less ({dropped:,} alerts dropped)"
            if dropped
            else " (the expected-cost threshold dropped none)"
        )
    claims.append(
        compare(
            "saving_at_capacity",
            "saving",
            saving_score(cfg.review_cost, cfg.loss_share),
            np.column_stack([y, test["amount"].to_numpy(dtype=float)]),
            test["alerted_operating"].to_numpy(),
            test[alert_column(strongest)].to_numpy(),
            label=(
                f"Saving ({cfg.money} over the test period: fraud amount caught minus {cfg.review_cost:g} {cfg.money} "
                "a review) "
                f"at the analysts' capacity of {capacity}"
            ),
            model=f"{det.model_name}, {how}",
            baseline=f"{words[strongest][1]}, its top alerts at the same capacity",
            **common,
        )  # fmt: skip
    )
    return claims


# ----------------------------------------------------------------------------- tables the pages show
def detector_table(det: LedgerDetection, cfg: LedgerConfig) -> pd.DataFrame | None:
    """One row per detector: PR-AUC, ROC-AUC, precision and recall of its daily alerts (point values; the
    comparisons with their intervals are the claims)."""
    if not det.has_labels:
        return None
    y = det.test["label"].to_numpy()
    rows = []
    for col, name in det.detectors.items():
        budget = ev.budget_metrics(y, det.test[alert_column(col)])
        rows.append(
            {
                "detector": name,
                "pr_auc": ev.pr_auc(y, det.test[col]),
                "roc_auc": ev.roc_auc(y, det.test[col]),
                f"precision_at_{cfg.alerts_per_day}_a_day": budget["precision"],
                "recall_at_budget": budget["recall"],
            }
        )
    return pd.DataFrame(rows)


def typology_recall_table(det: LedgerDetection) -> pd.DataFrame | None:
    """Share of each kind of fraud's test rows alerted at the capacity, per detector (labels naming kinds only)."""
    test = det.test
    if not det.has_labels or test.loc[test["label"] == 1, "typology"].nunique() < 2:
        return None
    y = test["label"].to_numpy()
    table = pd.DataFrame(
        {
            name: ev.recall_by_typology(test["typology"], test[alert_column(col)], y)
            for col, name in det.detectors.items()
        }
    )
    counts = test.loc[test["label"] == 1, "typology"].astype(str).value_counts()
    table.insert(0, "test_fraud_rows", counts.reindex(table.index).fillna(0).astype(int))
    return table
