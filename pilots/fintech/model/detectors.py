"""Detectors of a ledger: a supervised LightGBM and a rules baseline, and the time-ordered split.

The unsupervised detectors and the logistic regression live in ``outliers``. All are fitted on the past
and scored on the future (``time_split``). The supervised model only sees labels that were known when it was trained (``known_labels``): a fraud whose label had
not arrived by then counts as genuine, as it would in the bank.

Class imbalance (0.2 % fraud): genuine training rows are subsampled to at most ``neg_per_pos``
per known fraud (never below ``min_negatives``) and frauds get ``scale_pos_weight``. Scores are
therefore a ranking, not calibrated probabilities; the operating threshold is chosen on a
validation period scored the same way (``evaluation.choose_cost_threshold``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from livinglab import threads

from .features import CATEGORICAL, FEATURE_DESCRIPTIONS


class DetectorError(ValueError):
    """A detector cannot be fitted on what it was given."""


def known_labels(labels: pd.Series, available_at: pd.Series | None, at: pd.Timestamp) -> pd.Series:
    """Labels as the bank knew them at time ``at``: a fraud not yet confirmed counts as genuine."""
    if available_at is None:
        return labels.astype(np.int8)
    return ((labels == 1) & (available_at <= at)).astype(np.int8)


@dataclass(frozen=True)
class TimeSplit:
    """Time-ordered split of the rows into the past (training) and the future (test).

    Inside the past, a validation window (``valid``) picks the operating threshold: it ends
    ``label_maturity`` before the split, so that most of its frauds are confirmed by then (labels
    arrive late; a window just before the split would look fraud-free). The threshold model is
    fitted on the other training rows (``fit``), the final model on all of them (``train``).
    """

    split: pd.Timestamp
    valid_start: pd.Timestamp
    valid_end: pd.Timestamp
    train: np.ndarray  # rows before split (the final model's training rows)
    fit: np.ndarray  # training rows outside the validation window
    valid: np.ndarray  # rows in [valid_start, valid_end)
    test: np.ndarray  # rows at or after split

    def describe(self) -> dict:
        return {
            "split": str(self.split),
            "valid_window": f"{self.valid_start} to {self.valid_end}",
            "rows_train": int(self.train.sum()),
            "rows_valid": int(self.valid.sum()),
            "rows_test": int(self.test.sum()),
        }


def time_split(
    timestamps: pd.Series,
    train_frac: float = 0.7,
    valid_frac: float = 0.2,
    label_maturity: pd.Timedelta | str | None = None,
) -> TimeSplit:
    """Split rows by time: the first ``train_frac`` of rows (by time) train, the rest test.

    The validation window holds ``valid_frac`` of the training rows and ends ``label_maturity``
    before the split (clamped so that it stays inside the training period). Cut points are
    timestamps, so rows sharing a timestamp always land on the same side.
    """
    if not 0.1 <= train_frac <= 0.95:
        raise DetectorError(f"train_frac must be between 0.1 and 0.95, got {train_frac}.")
    if not 0.0 < valid_frac < 0.9:
        raise DetectorError(f"valid_frac must be between 0 and 0.9 (exclusive), got {valid_frac}.")
    ts = pd.Series(timestamps).reset_index(drop=True)
    if not ts.is_monotonic_increasing:
        raise DetectorError("Timestamps must be sorted before a time-ordered split.")
    n = len(ts)
    t = ts.to_numpy()
    split = ts.iloc[min(n - 1, int(n * train_frac))]
    n_train = int(np.searchsorted(t, split.to_datetime64(), side="left"))
    n_valid = int(n_train * valid_frac)
    maturity = pd.Timedelta(label_maturity or 0)
    end_idx = int(np.searchsorted(t, (split - maturity).to_datetime64(), side="left"))
    end_idx = min(max(end_idx, n_valid + max(1, n_train // 10)), n_train)  # leave some earlier rows to fit on
    valid_end = ts.iloc[end_idx] if end_idx < n else split
    valid_start = ts.iloc[max(0, end_idx - n_valid)]
    train = t < split.to_datetime64()
    valid = (t >= valid_start.to_datetime64()) & (t < valid_end.to_datetime64()) & train
    fit = train & ~valid
    if fit.sum() == 0 or valid.sum() == 0 or (~train).sum() == 0:
        raise DetectorError("The time split left an empty fit, validation or test period; use more data.")
    return TimeSplit(
        split=split,
        valid_start=valid_start,
        valid_end=valid_end,
        train=train,
        fit=fit,
        valid=valid,
        test=~train,
    )


# ----------------------------------------------------------------------------- LightGBM


@dataclass
class SupervisedConfig:
    num_boost_round: int = 200
    learning_rate: float = 0.08
    num_leaves: int = 31
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    scale_pos_weight: float = 5.0
    neg_per_pos: int = 100
    min_negatives: int = 50_000
    num_threads: int = field(default_factory=threads.n_jobs)  # the thread budget (LIVINGLAB_THREADS)


@dataclass
class SupervisedModel:
    booster: lgb.Booster
    features: list[str]
    categorical: list[str]
    n_pos: int
    n_neg_used: int
    n_neg_total: int
    config: SupervisedConfig = field(default_factory=SupervisedConfig)

    def score(self, X: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(X[self.features], num_threads=self.config.num_threads)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Exact TreeSHAP contributions (log-odds) per feature and row, plus the ``bias`` column."""
        contrib = self.booster.predict(
            X[self.features], pred_contrib=True, num_threads=self.config.num_threads
        )
        return pd.DataFrame(contrib, columns=[*self.features, "bias"], index=X.index)


def fit_lightgbm(
    X: pd.DataFrame, y: np.ndarray, *, config: SupervisedConfig | None = None, seed: int = 0
) -> SupervisedModel:
    """LightGBM on the training rows with genuine rows subsampled and frauds up-weighted."""
    cfg = config or SupervisedConfig()
    y = np.asarray(y).astype(np.int8)
    n_pos = int(y.sum())
    if n_pos < 2:
        raise DetectorError(
            f"Only {n_pos} known fraud(s) in the training period; the supervised model needs at least 2. "
            "Use more data, a larger train_frac, or a later split."
        )
    rng = np.random.default_rng(seed)
    neg = np.flatnonzero(y == 0)
    keep_n = negatives_to_keep(n_pos, len(neg), cfg)
    neg_kept = np.sort(rng.choice(neg, size=keep_n, replace=False)) if keep_n < len(neg) else neg
    rows = np.sort(np.concatenate([np.flatnonzero(y == 1), neg_kept]))
    features = list(X.columns)
    categorical = [c for c in CATEGORICAL if c in features]
    data = lgb.Dataset(
        X.iloc[rows],
        label=y[rows],
        categorical_feature=categorical,
        free_raw_data=True,
        params={"verbose": -1},
    )
    booster = lgb.train(lightgbm_params(cfg, seed), data, num_boost_round=cfg.num_boost_round)
    return SupervisedModel(booster, features, categorical, n_pos, int(keep_n), int(len(neg)), cfg)


def negatives_to_keep(n_pos: int, n_neg: int, cfg: SupervisedConfig) -> int:
    """Genuine training rows kept: ``neg_per_pos`` per known fraud, never below ``min_negatives``."""
    return int(min(n_neg, max(cfg.neg_per_pos * n_pos, cfg.min_negatives)))


def lightgbm_params(cfg: SupervisedConfig, seed: int) -> dict:
    """LightGBM's parameters for the supervised model (the in-memory and the Dask path share them)."""
    return {
        "objective": "binary",
        "learning_rate": cfg.learning_rate,
        "num_leaves": cfg.num_leaves,
        "min_data_in_leaf": cfg.min_data_in_leaf,
        "feature_fraction": cfg.feature_fraction,
        "bagging_fraction": cfg.bagging_fraction,
        "bagging_freq": 1,
        "lambda_l2": cfg.lambda_l2,
        "scale_pos_weight": cfg.scale_pos_weight,
        "num_threads": cfg.num_threads,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
        "min_data_per_group": 20,
        "cat_smooth": 10,
    }


def top_reasons(
    contrib: pd.DataFrame, X: pd.DataFrame, k: int = 3, labels: pd.DataFrame | None = None
) -> pd.Series:
    """The k features that pushed each row's score up most, as text: ``description = value (+contribution)``.

    ``labels`` (same index) may give readable values for coded features, e.g. the country name
    instead of its category code.
    """
    feats = [c for c in contrib.columns if c != "bias"]
    values = contrib[feats].to_numpy()
    top = np.argsort(-values, axis=1)[:, :k]
    names = np.asarray(feats)[top]
    contribs = np.take_along_axis(values, top, axis=1)
    text_values = X[feats].astype(float).map(lambda v: "n/a" if np.isnan(v) else f"{v:.3g}")
    if labels is not None:
        for col in labels.columns.intersection(feats):
            text_values[col] = labels[col].astype(str).to_numpy()
    shown = np.take_along_axis(text_values.to_numpy(dtype=object), top, axis=1)
    parts = []
    for j in range(k):  # k columns, vectorised over rows
        desc = pd.Series(names[:, j]).map(lambda f: FEATURE_DESCRIPTIONS.get(f, f))
        val = pd.Series(shown[:, j])
        con = pd.Series(contribs[:, j]).map(lambda c: f"{c:+.2f}")
        part = desc + " = " + val + " (" + con + ")"
        parts.append(part.where(contribs[:, j] > 0, ""))
    text = parts[0]
    for p in parts[1:]:
        text = text.str.cat(p, sep="; ").str.strip("; ")
    text.index = contrib.index
    return text


# ----------------------------------------------------------------------------- rules


@dataclass
class RulesBaseline:
    """Rules of the kind banks start with; thresholds are percentiles of the training period.

    - amount above the 99th percentile of its channel and direction;
    - velocity limits: more payments in the last hour / 24 h than the 99.9th percentile;
    - a payment to a new counterparty above the 95th amount percentile of its channel;
    - a payment from a device never seen on the account above the 95th amount percentile;
    - a third refund within 7 days;
    - money arriving just below the 10,000 EUR reporting threshold with another such amount in the last
      7 days (euro ledgers only: ``structuring``).

    A rule whose input the ledger lacks (no counterparty, device, channel or direction column) is left out.
    The score is the number of rules fired plus half the amount's percentile rank (a tie-breaker inside
    each count), so the baseline has a ranking for PR-AUC like the models.
    """

    amount_p99: pd.Series
    amount_p95: pd.Series
    limit_1h: float
    limit_24h: float
    amounts_sorted: np.ndarray
    structuring: bool = True

    @classmethod
    def fit(cls, X: pd.DataFrame, *, structuring: bool = True) -> RulesBaseline:
        amount = np.expm1(X["amount_log"].to_numpy(dtype=float))
        frame = pd.DataFrame({"key": _rule_key(X), "amount": amount})
        grouped = frame.groupby("key")["amount"]
        return cls(
            grouped.quantile(0.99),
            grouped.quantile(0.95),
            max(3.0, float(np.quantile(X["n_1h"], 0.999))),
            max(10.0, float(np.quantile(X["n_24h"], 0.999))),
            np.sort(amount),
            structuring,
        )

    def fired(self, X: pd.DataFrame) -> pd.DataFrame:
        amount = np.expm1(X["amount_log"].to_numpy(dtype=float))
        key = pd.Series(_rule_key(X))
        p99 = key.map(self.amount_p99).fillna(np.inf).to_numpy()
        p95 = key.map(self.amount_p95).fillna(np.inf).to_numpy()
        credit = X["direction"].to_numpy() == 1 if "direction" in X else np.zeros(len(X), dtype=bool)
        rules = {
            "amount_above_p99": amount > p99,
            "velocity_1h": X["n_1h"].to_numpy() >= self.limit_1h,
            "velocity_24h": X["n_24h"].to_numpy() >= self.limit_24h,
            "refund_velocity": credit & (X["n_refund_7d"].to_numpy() >= 2),
        }
        if self.structuring:
            near = X["near_threshold"].to_numpy() == 1
            rules["structuring"] = near & credit & (X["n_near_threshold_7d"].to_numpy() >= 1)
        if "new_counterparty" in X:
            rules["new_counterparty_large"] = (X["new_counterparty"].to_numpy() == 1) & (amount > p95)
        if "new_device" in X:
            rules["new_device_large"] = (X["new_device"].to_numpy() == 1) & (amount > p95)
        return pd.DataFrame(rules, index=X.index)

    def score(self, X: pd.DataFrame) -> np.ndarray:
        amount = np.expm1(X["amount_log"].to_numpy(dtype=float))
        rank = np.searchsorted(self.amounts_sorted, amount, side="right") / max(1, len(self.amounts_sorted))
        return self.fired(X).sum(axis=1).to_numpy(dtype=float) + 0.5 * rank


def _rule_key(X: pd.DataFrame) -> np.ndarray:
    key = np.zeros(len(X), dtype=np.int64)
    if "channel" in X:
        key += X["channel"].to_numpy(dtype=np.int64) * 2
    if "direction" in X:
        key += X["direction"].to_numpy(dtype=np.int64)
    return key
