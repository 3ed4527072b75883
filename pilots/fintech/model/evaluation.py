"""Evaluation the way a fraud team reads it: ranking quality, the daily alert budget, cost.

- PR-AUC (average precision, scikit-learn's step-wise estimate) is the primary metric: with 0.2 %
  fraud, ROC-AUC looks excellent for almost any detector (FACTS.md: an Isolation Forest with
  ROC-AUC near 0.96 had AUPRC 0.037), PR-AUC does not.
- Precision at the daily alert budget: analysts can review ``budget`` alerts a day; each day the
  ``budget`` highest scores are alerted, and precision/recall are computed over those alerts.
- Recall per typology at that budget: which kinds of fraud the queue catches.
- Expected cost: every alert costs ``review_cost`` (analyst time); a fraud that is not alerted
  costs ``loss_share`` times its amount; an alerted fraud is stopped. The threshold with the lowest
  total cost on the validation period lowers the daily alerts below the analysts' capacity when fewer
  alerts cost less (``model.ledger``: the operating point is never above the capacity).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


class EvaluationError(ValueError):
    """Evaluation inputs that do not fit together."""


def _arrays(*arrays):
    out = [np.asarray(a) for a in arrays]
    n = len(out[0])
    if any(len(a) != n for a in out):
        raise EvaluationError(f"Arrays must be aligned; lengths {[len(a) for a in out]}.")
    return out


def pr_auc(y_true, score) -> float:
    """Area under the precision-recall curve: average precision, as scikit-learn's
    ``average_precision_score`` (step-wise, tied scores form one threshold), in plain numpy.

    Written out because the bootstrap calls it hundreds of times and scikit-learn's parameter
    checks dominate at that rate; ``pilots/fintech/tests/test_evaluation.py`` checks it against
    ``average_precision_score``. NaN without any positive.
    """
    y, s = _arrays(y_true, score)
    y = y.astype(float)
    total = y.sum()
    if total <= 0:
        return float("nan")
    order = np.argsort(-s.astype(float), kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]  # the last row of each block of tied scores
    tp = np.cumsum(y_sorted)[last]
    n_alerts = (np.flatnonzero(last) + 1).astype(float)
    recall = tp / total
    return float(np.sum(np.diff(np.r_[0.0, recall]) * (tp / n_alerts)))


def roc_auc(y_true, score) -> float:
    y, s = _arrays(y_true, score)
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def alerts_at_budget(score, day, budget: int) -> np.ndarray:
    """True for the ``budget`` highest scores of each day (ties: earlier rows first)."""
    if budget < 0:
        raise EvaluationError(
            f"The alert budget must be a non-negative number of alerts a day, not {budget}."
        )
    s, d = _arrays(score, day)
    d = pd.factorize(d)[0]
    order = np.lexsort((np.arange(len(s)), -s, d))
    d_sorted = d[order]
    first = np.searchsorted(d_sorted, d_sorted, side="left")
    rank = np.arange(len(s)) - first
    alerted = np.zeros(len(s), dtype=bool)
    alerted[order] = rank < budget
    return alerted


def budget_metrics(y_true, alerted) -> dict[str, float]:
    """Precision and recall of a set of alerts."""
    y, a = _arrays(y_true, alerted)
    a = a.astype(bool)
    tp = int((y[a] == 1).sum())
    n_alerts = int(a.sum())
    positives = int(y.sum())
    return {
        "precision": tp / n_alerts if n_alerts else float("nan"),
        "recall": tp / positives if positives else float("nan"),
        "alerts": n_alerts,
        "true_alerts": tp,
    }


def recall_by_typology(typology, alerted, y_true) -> dict[str, float]:
    """Share of each typology's fraud rows that were alerted (typologies with fraud rows only)."""
    t, a, y = _arrays(typology, alerted, y_true)
    fraud = y == 1
    if not fraud.any():
        return {}
    frame = pd.DataFrame({"typology": t[fraud].astype(str), "alerted": a[fraud].astype(bool)})
    return {k: float(v) for k, v in frame.groupby("typology")["alerted"].mean().items()}


@dataclass(frozen=True)
class CostChoice:
    """The cost-optimal threshold and what it costs (EUR) on the data it was chosen on."""

    threshold: float
    n_alerts: int
    expected_cost: float
    cost_no_alerts: float
    cost_alert_everything: float
    fraud_caught_share: float

    @property
    def saving(self) -> float:
        return self.cost_no_alerts - self.expected_cost

    def as_dict(self) -> dict:
        return {**asdict(self), "saving": self.saving}


def cost_curve(score, y_true, amount, *, review_cost: float, loss_share: float = 1.0) -> pd.DataFrame:
    """Total cost if every row scoring at or above each distinct threshold is alerted.

    One row per distinct score plus the "no alert" point (threshold +inf): threshold, n_alerts,
    fraud_amount_caught, review_cost, fraud_loss, total_cost.
    """
    if review_cost < 0 or not 0 <= loss_share <= 1:
        raise EvaluationError("review_cost must be >= 0 and loss_share between 0 and 1.")
    s, y, amt = _arrays(score, y_true, amount)
    s = s.astype(float)
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    caught = np.cumsum((y[order] == 1) * amt[order].astype(float))
    # only cut after the last row of a block of tied scores
    ends = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])
    total_fraud = float(((y == 1) * amt).sum())
    n_alerts = np.r_[0, ends + 1]
    caught_amt = np.r_[0.0, caught[ends]]
    thresholds = np.r_[np.inf, s_sorted[ends]]
    review = review_cost * n_alerts
    loss = loss_share * (total_fraud - caught_amt)
    return pd.DataFrame(
        {
            "threshold": thresholds,
            "n_alerts": n_alerts,
            "fraud_amount_caught": caught_amt,
            "review_cost": review,
            "fraud_loss": loss,
            "total_cost": review + loss,
        }
    )


def choose_cost_threshold(
    score, y_true, amount, *, review_cost: float, loss_share: float = 1.0
) -> CostChoice:
    """The threshold with the lowest expected total cost (ties: fewer alerts)."""
    curve = cost_curve(score, y_true, amount, review_cost=review_cost, loss_share=loss_share)
    best = curve.iloc[int(np.argmin(curve["total_cost"].to_numpy()))]
    total_fraud = curve["fraud_amount_caught"].iloc[-1]
    return CostChoice(
        threshold=float(best["threshold"]),
        n_alerts=int(best["n_alerts"]),
        expected_cost=float(best["total_cost"]),
        cost_no_alerts=float(curve["total_cost"].iloc[0]),
        cost_alert_everything=float(curve["total_cost"].iloc[-1]),
        fraud_caught_share=float(best["fraud_amount_caught"] / total_fraud)
        if total_fraud > 0
        else float("nan"),
    )


def cost_at_threshold(
    score, y_true, amount, threshold: float, *, review_cost: float, loss_share: float = 1.0
) -> dict[str, float]:
    """Cost (EUR) of alerting every row with ``score >= threshold``, next to alerting nothing."""
    s, y, amt = _arrays(score, y_true, amount)
    alerted = s >= threshold
    fraud_amt = (y == 1) * amt.astype(float)
    total = float(fraud_amt.sum())
    caught = float(fraud_amt[alerted].sum())
    cost = review_cost * int(alerted.sum()) + loss_share * (total - caught)
    return {
        "threshold": float(threshold),
        "alerts": int(alerted.sum()),
        "cost": cost,
        "cost_no_alerts": loss_share * total,
        "saving": loss_share * total - cost,
        "fraud_amount_caught_share": caught / total if total > 0 else float("nan"),
    }
