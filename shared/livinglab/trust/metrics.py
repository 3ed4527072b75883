"""Metrics the bootstraps compute on all resamples at once, each the same number as scikit-learn's.

A bootstrap interval calls its metric hundreds of times per group; scikit-learn's input checks alone cost
about 0.3 ms a call. These metrics are plain functions (use them anywhere) with a fast path
(:func:`fast_path`): the bootstraps compute each once per row, then score every
resample of a batch with one indexed sum, giving exactly (to the last bit) the values one call per resample
gives. scikit-learn's own ``mean_absolute_error``, ``accuracy_score`` and ``roc_auc_score`` passed as they
are take the same fast path.

- :func:`mean_absolute_error`: scikit-learn's ``mean_absolute_error``.
- :func:`accuracy`: scikit-learn's ``accuracy_score`` on labels (the share of rows predicted right).
- :func:`macro_f1`: scikit-learn's ``f1_score(..., average="macro", zero_division=0)``.
- :func:`roc_auc`: scikit-learn's ``roc_auc_score`` for labels 0/1 and scores (scored one resample at a time
  without scikit-learn's checks: the curves differ in length).
- :func:`recall`, :func:`false_positive_rate`, :func:`positive_rate`, :func:`prevalence`: shares of rows of a
  binary task (label ``pos_label``, 1 by default), NaN where the share has no rows to count (no positive or no
  negative row): ``recall`` is scikit-learn's ``recall_score(..., zero_division=np.nan)``.

Example::

    from livinglab.trust import subgroup_report
    from livinglab.trust.metrics import mean_absolute_error
    subgroup_report({"mae": mean_absolute_error}, y, pred, sensitive=site, n_boot=1000)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

Metric = Callable[[Any, Any], float]
#: A metric's vectorised form on given data: row indices of equal-length resamples, shape (resamples, rows),
#: to the metric's value on each resample (NaN where it is undefined).
Evaluator = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "mean_absolute_error",
    "accuracy",
    "macro_f1",
    "recall",
    "roc_auc",
    "false_positive_rate",
    "positive_rate",
    "prevalence",
    "fast_path",
    "fast_path_of",
]


def fast_path(resampled: Callable[[np.ndarray, np.ndarray], Evaluator | None]) -> Callable[[Metric], Metric]:
    """Give a metric a vectorised form the bootstraps use instead of one call per resample.

    ``resampled(y_true, y_pred)`` sees the full data once and returns an :data:`Evaluator` (a function of a
    resamples-by-rows index matrix giving one value per resample, exactly the metric's own value on
    ``y_true[idx], y_pred[idx]``, NaN where the metric raises or is undefined), or None when it has no fast
    form for these data (the metric is then called once per resample)::

        @fast_path(lambda y, p: (lambda idx: (np.asarray(p)[idx] > 0).mean(axis=1)))
        def positive_share(y, p):
            return float((np.asarray(p) > 0).mean())

    This module holds such metrics, each equal to scikit-learn's to the last bit.
    """

    def attach(metric: Metric) -> Metric:
        metric.resampled = resampled  # type: ignore[attr-defined]
        return metric

    return attach


# ----- mean absolute error ----------------------------------------------------------------------------------
def _float64_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Both as float64 when scikit-learn computes the error in float64 without a check that could fail: 1-d
    numbers of equal length, one of them float64 (else None: scikit-learn decides)."""
    a, b = np.asarray(y_true), np.asarray(y_pred)
    if a.ndim != 1 or b.ndim != 1 or len(a) != len(b) or len(a) == 0:
        return None
    if (
        a.dtype.kind not in "biuf"
        or b.dtype.kind not in "biuf"
        or np.dtype(np.float64) not in (a.dtype, b.dtype)
    ):
        return None
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None  # scikit-learn refuses NaN and infinity
    return a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)


def _mean_rows(values: np.ndarray) -> Evaluator:
    # A row of values[idx] is summed as numpy sums the 1-d resample (pairwise, in the same order):
    # the same bits.
    return lambda idx: values[idx].sum(axis=1) / idx.shape[1]


def _mae_resampled(y_true: Any, y_pred: Any) -> Evaluator | None:
    pair = _float64_pair(y_true, y_pred)
    return None if pair is None else _mean_rows(np.abs(pair[1] - pair[0]))


@fast_path(_mae_resampled)
def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """scikit-learn's ``mean_absolute_error`` (the same number to the last bit), without its input checks
    for 1-d float64 numbers (the bootstraps call it thousands of times); anything else goes to
    scikit-learn."""
    pair = _float64_pair(y_true, y_pred)
    if pair is None:
        from sklearn.metrics import mean_absolute_error as sklearn_mae

        return float(sklearn_mae(y_true, y_pred))
    return float(np.mean(np.abs(pair[1] - pair[0])))


# ----- shares of rows ---------------------------------------------------------------------------------------
def _labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(y_true), np.asarray(y_pred)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("y_true and y_pred must be 1-d arrays of labels.")
    if len(a) != len(b):
        raise ValueError(f"y_true has {len(a)} rows but y_pred has {len(b)}; they must be aligned.")
    return a, b


def _share(hit: np.ndarray, among: np.ndarray | None) -> float:
    """The share of ``among`` rows (all rows when None) that are ``hit``, NaN when there are none."""
    if among is None:
        return float(hit.sum() / len(hit)) if len(hit) else float("nan")
    n = among.sum()
    return float((hit & among).sum() / n) if n else float("nan")


def _share_resampled(hit: np.ndarray, among: np.ndarray | None) -> Evaluator:
    """Counts are whole numbers, exact in any order of summation: the same quotient as :func:`_share`."""
    hits = hit if among is None else hit & among

    def evaluate(idx: np.ndarray) -> np.ndarray:
        counted = np.count_nonzero(hits[idx], axis=1)
        total = np.full(len(idx), idx.shape[1]) if among is None else np.count_nonzero(among[idx], axis=1)
        return np.where(total > 0, counted / np.maximum(total, 1), np.nan)

    return evaluate


def _equal(y_true: Any, y_pred: Any) -> np.ndarray:
    a, b = _labels(y_true, y_pred)
    if a.dtype != b.dtype and (a.dtype.kind in "OUS" or b.dtype.kind in "OUS"):
        a, b = a.astype(object), b.astype(object)  # text against numbers: compared as the values they are
    return np.asarray(a == b, dtype=bool)


@fast_path(lambda y_true, y_pred: _share_resampled(_equal(y_true, y_pred), None))
def accuracy(y_true: Any, y_pred: Any) -> float:
    """The share of rows whose predicted label equals the true one (scikit-learn's ``accuracy_score`` for 1-d
    labels of one kind; labels of different kinds, e.g. text and numbers, simply never match here)."""
    return _share(_equal(y_true, y_pred), None)


def _binary(metric: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray | None]]):
    """A share metric of a binary task from ``metric(is_positive_true, is_positive_predicted) -> (hit,
    among)``, with a ``pos_label`` keyword and its fast path."""

    def parts(y_true: Any, y_pred: Any, pos_label: Any) -> tuple[np.ndarray, np.ndarray | None]:
        a, b = _labels(y_true, y_pred)
        return metric(np.asarray(a == pos_label, dtype=bool), np.asarray(b == pos_label, dtype=bool))

    def share(y_true: Any, y_pred: Any, pos_label: Any = 1) -> float:
        return _share(*parts(y_true, y_pred, pos_label))

    share.resampled = lambda y_true, y_pred: _share_resampled(*parts(y_true, y_pred, 1))
    share.__name__ = share.__qualname__ = metric.__name__
    share.__doc__ = metric.__doc__
    share.__module__ = __name__
    return share


@_binary
def recall(true: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The share of positive rows predicted positive, NaN without a positive row (scikit-learn's
    ``recall_score(y_true, y_pred, pos_label=pos_label, zero_division=np.nan)``)."""
    return predicted, true


@_binary
def false_positive_rate(true: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The share of negative rows (not ``pos_label``) predicted positive, NaN without a negative row."""
    return predicted, ~true


@_binary
def positive_rate(true: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The share of rows predicted positive (e.g. the share of transactions alerted)."""
    return predicted, None


@_binary
def prevalence(true: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The share of rows truly positive (e.g. the share of transactions that are fraud)."""
    return true, None


# ----- macro-F1 -------------------------------------------------------------------------------------------
def _label_codes(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Both as codes of the labels in sorted order (scikit-learn's order of labels)."""
    a, b = _labels(y_true, y_pred)
    labels, codes = np.unique(np.concatenate([a, b]), return_inverse=True)
    return codes[: len(a)], codes[len(a) :], len(labels)


def _f1_per_label(true: np.ndarray, pred: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """F1 of each of ``k`` labels on each row of code matrices ``(resamples, rows)``, and whether the label
    occurs in the resample (in its truth or its predictions)."""
    b = np.arange(len(true))[:, None]
    cm = np.bincount((b * k * k + true * k + pred).ravel(), minlength=len(true) * k * k).reshape(-1, k, k)
    tp = np.diagonal(cm, axis1=1, axis2=2).astype(np.float64)
    denom = cm.sum(axis=2).astype(np.float64) + cm.sum(axis=1).astype(np.float64)  # true + predicted counts
    present = denom > 0
    return np.divide(2.0 * tp, denom, out=np.zeros_like(denom), where=present), present


def _mean_present(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per row, the mean of the values of the labels present, summed as numpy sums them in label order."""
    order = np.argsort(~present, axis=1, kind="stable")  # the present labels first, in their order
    packed = np.take_along_axis(values, order, axis=1)
    count = present.sum(axis=1)
    out = np.full(len(values), np.nan)
    for c in np.unique(count[count > 0]):  # one numpy sum per number of labels present
        rows = count == c
        out[rows] = packed[rows, :c].sum(axis=1) / c
    return out


def _macro_f1_resampled(y_true: Any, y_pred: Any) -> Evaluator:
    t, p, k = _label_codes(y_true, y_pred)
    return lambda idx: _mean_present(*_f1_per_label(t[idx], p[idx], k))


@fast_path(_macro_f1_resampled)
def macro_f1(y_true: Any, y_pred: Any) -> float:
    """The mean F1 over the labels present in ``y_true`` or ``y_pred`` (scikit-learn's
    ``f1_score(y_true, y_pred, average="macro", zero_division=0)``, to the last bit)."""
    t, p, k = _label_codes(y_true, y_pred)
    return float(_mean_present(*_f1_per_label(t[None, :], p[None, :], k))[0])


# ----- ROC-AUC ----------------------------------------------------------------------------------------------
def _binary_scores(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Labels 0/1 (or False/True) as booleans and finite 1-d numeric scores of equal length, else None
    (scikit-learn decides: other labels, scores it refuses)."""
    a, s = np.asarray(y_true), np.asarray(y_score)
    if a.ndim != 1 or s.ndim != 1 or len(a) != len(s) or len(a) == 0:
        return None
    if a.dtype.kind not in "biuf" or s.dtype.kind not in "biuf" or not np.isfinite(s).all():
        return None
    if not np.isin(a, (0, 1)).all():
        return None
    return a == 1, s


def _roc_auc_sorted(positive: np.ndarray, score: np.ndarray) -> float:
    """scikit-learn's binary ROC-AUC, its own steps without its checks: the curve's corners at each distinct
    score (intermediate collinear ones dropped), the area by scipy's trapezoid rule; NaN with one class."""
    from scipy.integrate import trapezoid

    n_pos = np.count_nonzero(positive)
    if n_pos == 0 or n_pos == len(positive):
        return float("nan")  # one class only: scikit-learn warns and gives NaN
    order = np.argsort(score, kind="stable")[
        ::-1
    ]  # the order inside ties is irrelevant: only their ends count
    ends = np.flatnonzero(np.diff(score[order]))
    ends = np.concatenate([ends, [len(score) - 1]])
    tps = np.cumsum(positive[order].astype(np.float64))[ends]
    fps = 1 + ends.astype(np.float64) - tps
    if len(fps) > 2:
        keep = np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]])
        fps, tps = fps[keep], tps[keep]
    fps, tps = np.concatenate([[0.0], fps]), np.concatenate([[0.0], tps])
    return float(trapezoid(tps / tps[-1], fps / fps[-1]))


def _roc_auc_resampled(y_true: Any, y_score: Any) -> Evaluator | None:
    pair = _binary_scores(y_true, y_score)
    if pair is None:
        return None
    positive, score = pair

    def evaluate(idx: np.ndarray) -> np.ndarray:
        # one resample at a time (curves differ in length), each from the resample's rows gathered at once
        p, s = positive[idx], score[idx]
        return np.array([_roc_auc_sorted(p[i], s[i]) for i in range(len(idx))])

    return evaluate


@fast_path(_roc_auc_resampled)
def roc_auc(y_true: Any, y_score: Any) -> float:
    """scikit-learn's ``roc_auc_score`` for labels 0/1 and scores (the same number to the last bit; NaN when
    one class only, as scikit-learn gives with a warning), without its input checks; anything else (other
    labels, several columns of scores) goes to scikit-learn."""
    pair = _binary_scores(y_true, y_score)
    if pair is None:
        from sklearn.metrics import roc_auc_score

        return float(roc_auc_score(y_true, y_score))
    return _roc_auc_sorted(*pair)


# ----- scikit-learn's metrics passed as they are ------------------------------------------------------------
def _sklearn_accuracy_resampled(y_true: Any, y_pred: Any) -> Evaluator | None:
    from sklearn.metrics import accuracy_score

    a, b = np.asarray(y_true), np.asarray(y_pred)
    if a.ndim != 1 or b.ndim != 1:
        return None
    accuracy_score(a, b)  # raises where scikit-learn refuses the labels (then it is called per resample)
    return _share_resampled(np.asarray(a == b, dtype=bool), None)


def fast_path_of(metric: Any) -> Callable[[Any, Any], Evaluator | None] | None:
    """The fast path of a scikit-learn metric passed as it is (``mean_absolute_error``, ``accuracy_score``,
    ``roc_auc_score``), else None."""
    sk = sys.modules.get("sklearn.metrics")
    if sk is None:
        return None  # scikit-learn's metrics not imported: the metric is none of them
    known = {
        sk.mean_absolute_error: _mae_resampled,
        sk.accuracy_score: _sklearn_accuracy_resampled,
        sk.roc_auc_score: _roc_auc_resampled,
    }
    try:
        return known.get(metric)
    except TypeError:  # an unhashable callable
        return None
