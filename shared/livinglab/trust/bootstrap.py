"""Bootstrap confidence intervals for any metric, with a cluster (grouped) bootstrap.

Rows that share a subject, a customer or an account are not independent: resampling rows as if
they were makes intervals too narrow. Pass ``groups=`` and whole groups are resampled instead
(the cluster bootstrap), so the interval reflects how many *independent units* were evaluated.

Example::

    from sklearn.metrics import mean_absolute_error
    ci = bootstrap_ci(mean_absolute_error, y_test, pred, groups=test["subject"])
    print(ci)            # 7.41 [6.88, 8.02] (95% CI)
    ci.as_dict()         # {"estimate": 7.41, "low": 6.88, "high": 8.02, ...}
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .metrics import Evaluator, Metric, fast_path, fast_path_of

SeedLike = int | np.random.Generator | None

__all__ = ["CI", "bootstrap_ci", "bootstrap_difference_ci", "fast_path", "format_number", "time_blocks"]

#: Index cells per batch of resamples a fast path evaluates at once (bounds the memory: a few arrays of this
#: many values, whatever the number of rows and resamples).
_BATCH_CELLS = 1 << 20


def format_number(value: Any) -> str:
    """A short, readable rendering of a metric value for tables and sentences (``n/a`` for missing)."""
    if value is None:
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return str(x)  # "inf" or "-inf"
    magnitude = abs(x)
    if magnitude >= 1000:
        return f"{x:,.0f}"
    if magnitude >= 100:
        return f"{x:.1f}"
    if magnitude > 1:
        return f"{x:.2f}"
    if magnitude >= 0.001 or x == 0:  # shares, rates, scores in [0, 1]: three decimals, 1.000 included
        return f"{x:.3f}"
    return f"{x:.2e}"


@dataclass(frozen=True)
class CI:
    """A point estimate with a bootstrap confidence interval.

    Attributes:
        estimate: the metric on the full data (not the bootstrap mean).
        low, high: the percentile interval bounds.
        confidence: nominal coverage, e.g. 0.95.
        n_boot: number of bootstrap resamples that produced a finite value.
        n: number of rows evaluated.
        n_clusters: number of independent units resampled (groups, or rows without ``groups``).
        method: ``"percentile"`` (rows) or ``"cluster percentile"`` (``groups=`` given).
    """

    estimate: float
    low: float
    high: float
    confidence: float = 0.95
    n_boot: int = 0
    n: int = 0
    n_clusters: int = 0
    method: str = "percentile"

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """True when ``low <= value <= high``."""
        return bool(self.low <= value <= self.high)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None), e.g. for ``livinglab.record`` or a model card row."""

        def clean(x: float) -> float | None:
            return None if x is None or math.isnan(x) else float(x)

        return {
            "estimate": clean(self.estimate),
            "low": clean(self.low),
            "high": clean(self.high),
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "n": self.n,
            "n_clusters": self.n_clusters,
            "method": self.method,
        }

    def __str__(self) -> str:
        return (
            f"{format_number(self.estimate)} [{format_number(self.low)}, {format_number(self.high)}] "
            f"({self.confidence:.0%} CI)"
        )


def _rng(seed: SeedLike) -> np.random.Generator:
    return np.random.default_rng(seed)  # a Generator is returned as it is


def _as_array(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)  # lists, arrays, pandas Series and DataFrames
    if array.ndim == 0:
        raise ValueError(f"{name} must be a sequence of values, not a scalar.")
    return array


def _check_inputs(
    y_true: Any, y_pred: Any, groups: Any, n_boot: int, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    yt = _as_array(y_true, "y_true")
    yp = _as_array(y_pred, "y_pred")
    if len(yt) != len(yp):
        raise ValueError(f"y_true has {len(yt)} rows but y_pred has {len(yp)}; they must be aligned.")
    if len(yt) == 0:
        raise ValueError("Cannot bootstrap a metric on zero rows.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence}.")
    if int(n_boot) < 10:
        raise ValueError(f"n_boot must be at least 10 (500 or more for a stable 95% interval), not {n_boot}.")
    codes = None
    if groups is not None:
        g = _as_array(groups, "groups")
        if len(g) != len(yt):
            raise ValueError(f"groups has {len(g)} rows but y_true has {len(yt)}; they must be aligned.")
        if pd.isna(pd.Series(g)).any():
            raise ValueError("groups contains missing values; give every row its subject/account id.")
        codes, _ = pd.factorize(pd.Series(g))  # clusters numbered in order of first appearance
    return yt, yp, codes


def _resample_indices(
    n: int, codes: np.ndarray | None, n_boot: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Row indices of each bootstrap resample (whole clusters when ``codes`` is given), one at a time.

    A generator, so memory stays at one resample (n_boot x n indices at once would not fit for large n).
    """
    if codes is None:
        for _ in range(n_boot):
            yield rng.integers(n, size=n)
        return
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    n_clusters = len(sizes)
    for _ in range(n_boot):
        chosen = rng.integers(n_clusters, size=n_clusters)
        lengths = sizes[chosen]
        # Positions start[c], start[c]+1, ... start[c]+size[c]-1 for each chosen cluster, vectorised.
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        yield order[np.repeat(starts[chosen], lengths) + offsets]


def _safe_call(metric: Metric, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    # e.g. ROC-AUC on a resample with a single class raises or returns NaN with a warning: that resample
    # carries no information. Its warning is silenced here; the share dropped is reported once instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(metric(y_true, y_pred))
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return math.nan


def _evaluator(metric: Metric, y_true: np.ndarray, y_pred: np.ndarray) -> Evaluator | None:
    """The metric's fast path on these data (its own, or the one of a scikit-learn metric), else None."""
    resampled = getattr(metric, "resampled", None)
    if resampled is None:
        resampled = fast_path_of(metric)  # scikit-learn's metrics passed as they are
    if resampled is None:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return resampled(y_true, y_pred)
        except (ValueError, TypeError, ZeroDivisionError, FloatingPointError):
            return None  # no fast form for these data: the metric itself decides, resample by resample


def _evaluate(evaluator: Evaluator, idx: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.asarray(evaluator(idx), dtype=float)


def _batches(resamples: Iterator[np.ndarray]) -> Iterator[list[np.ndarray]]:
    """The resamples in order, in lists of at most about :data:`_BATCH_CELLS` indices."""
    batch: list[np.ndarray] = []
    cells = 0
    for idx in resamples:
        batch.append(idx)
        cells += len(idx)
        if cells >= _BATCH_CELLS:
            yield batch
            batch, cells = [], 0
    if batch:
        yield batch


def _resampled_values(
    tasks: list[tuple[Metric, np.ndarray]], y_true: np.ndarray, resamples: Iterator[np.ndarray], n_boot: int
) -> np.ndarray:
    """``(len(tasks), n_boot)`` values of each ``(metric, y_pred)`` on each resample: all resamples of a batch
    at once for a metric with a fast path (resamples of equal length in one index matrix: all of them without
    clusters or with clusters of one size), one call per resample for any other."""
    out = np.full((len(tasks), n_boot), math.nan)
    evaluators = [_evaluator(fn, y_true, y_pred) for fn, y_pred in tasks]
    slow = [i for i, ev in enumerate(evaluators) if ev is None]
    start = 0
    for batch in _batches(resamples):
        if len(slow) < len(tasks):
            lengths = np.array([len(idx) for idx in batch])
            for length in np.unique(lengths):
                where = np.flatnonzero(lengths == length)
                matrix = np.stack([batch[j] for j in where])
                for i, ev in enumerate(evaluators):
                    if ev is not None:
                        out[i, start + where] = _evaluate(ev, matrix)
        if slow:
            for j, idx in enumerate(batch):
                t = y_true[idx]
                out[slow, start + j] = [_safe_call(tasks[i][0], t, tasks[i][1][idx]) for i in slow]
        start += len(batch)
    return out


def bootstrap_statistics(
    metrics: Mapping[str, Metric],
    y_true: Any,
    y_pred: Any,
    *,
    groups: Any = None,
    n_boot: int = 500,
    seed: SeedLike = 0,
) -> dict[str, np.ndarray]:
    """The raw bootstrap distribution of several metrics computed on the same resamples.

    Returns ``{name: array of n_boot values}`` (NaN where a metric is undefined on a resample). A metric with
    a fast path (:func:`fast_path`, :mod:`livinglab.trust.metrics`, scikit-learn's mean absolute error,
    accuracy and ROC-AUC) is computed on many resamples at once; any other callable once per resample.
    """
    yt, yp, codes = _check_inputs(y_true, y_pred, groups, n_boot, 0.95)
    resamples = _resample_indices(len(yt), codes, int(n_boot), _rng(seed))
    out = _resampled_values([(fn, yp) for fn in metrics.values()], yt, resamples, int(n_boot))
    return {name: out[i] for i, name in enumerate(metrics)}


def ci_from_distribution(
    estimate: float,
    samples: np.ndarray,
    *,
    confidence: float = 0.95,
    n: int = 0,
    n_clusters: int = 0,
    method: str = "percentile",
) -> CI:
    """A percentile interval from an already computed bootstrap distribution."""
    finite = samples[np.isfinite(samples)]
    if len(finite) == 0:
        return CI(float(estimate), math.nan, math.nan, confidence, 0, n, n_clusters, method)
    if len(finite) < 0.9 * len(samples):
        warnings.warn(
            f"The metric was undefined on {len(samples) - len(finite)} of {len(samples)} bootstrap "
            "resamples (e.g. a single class); the interval uses the remaining ones.",
            RuntimeWarning,
            stacklevel=3,
        )
    alpha = (1 - confidence) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return CI(float(estimate), float(low), float(high), confidence, int(len(finite)), n, n_clusters, method)


def bootstrap_ci(
    metric: Metric,
    y_true: Any,
    y_pred: Any,
    *,
    groups: Any = None,
    n_boot: int = 500,
    confidence: float = 0.95,
    seed: SeedLike = 0,
) -> CI:
    """Percentile bootstrap confidence interval of ``metric(y_true, y_pred)``.

    Args:
        metric: any callable ``metric(y_true, y_pred) -> float`` (scikit-learn metrics, lambdas).
            ``y_pred`` may be 2-D (e.g. class probabilities); rows are resampled.
        y_true, y_pred: aligned arrays, lists or pandas objects.
        groups: optional cluster ids (subject, customer, account), one per row. Whole clusters are
            resampled with replacement, which keeps within-cluster correlation; use it whenever a
            unit contributes several rows, otherwise the interval is too narrow.
        n_boot: number of resamples (500 is a fair default for 95% intervals).
        confidence: nominal coverage of the interval.
        seed: int or ``numpy.random.Generator`` for reproducible intervals.

    Returns:
        :class:`CI` whose ``estimate`` is the metric on the full data.

    Resamples on which the metric is undefined (it raises ``ValueError`` or returns NaN) are
    dropped with a warning when they are more than 10%.
    """
    yt, yp, codes = _check_inputs(y_true, y_pred, groups, n_boot, confidence)
    estimate = float(metric(yt, yp))
    samples = bootstrap_statistics({"m": metric}, yt, yp, groups=groups, n_boot=n_boot, seed=seed)["m"]
    n_clusters = int(codes.max() + 1) if codes is not None else len(yt)
    method = "cluster percentile" if codes is not None else "percentile"
    return ci_from_distribution(
        estimate, samples, confidence=confidence, n=len(yt), n_clusters=n_clusters, method=method
    )


def bootstrap_difference_ci(
    metric: Metric,
    y_true: Any,
    y_model: Any,
    y_baseline: Any,
    *,
    groups: Any = None,
    n_boot: int = 500,
    confidence: float = 0.95,
    seed: SeedLike = 0,
) -> CI:
    """Paired bootstrap interval of ``metric(model) - metric(baseline)`` on the same resamples.

    The honest way to say a model beats a baseline: both are scored on each resample (whole clusters
    with ``groups=``, e.g. subjects, accounts or time blocks from :func:`time_blocks`), so their shared
    noise cancels. For an error (lower is better) the model wins when ``high < 0``; for a score when
    ``low > 0``.
    """
    yt, ym, codes = _check_inputs(y_true, y_model, groups, n_boot, confidence)
    yb = _as_array(y_baseline, "y_baseline")
    if len(yb) != len(yt):
        raise ValueError(f"y_baseline has {len(yb)} rows but y_true has {len(yt)}; they must be aligned.")
    estimate = float(metric(yt, ym)) - float(metric(yt, yb))
    resamples = _resample_indices(len(yt), codes, int(n_boot), _rng(seed))
    both = _resampled_values([(metric, ym), (metric, yb)], yt, resamples, int(n_boot))
    samples = both[0] - both[1]
    n_clusters = int(codes.max() + 1) if codes is not None else len(yt)
    method = "paired cluster percentile" if codes is not None else "paired percentile"
    return ci_from_distribution(
        estimate, samples, confidence=confidence, n=len(yt), n_clusters=n_clusters, method=method
    )


def time_blocks(timestamps: Any, n_blocks: int = 20) -> np.ndarray:
    """Block ids for a block bootstrap of time-ordered rows: ``n_blocks`` equal spans of the data's own
    time range (an hour of data gets minutes-long blocks, a year weeks-long ones)."""
    times = pd.to_datetime(pd.Series(_as_array(timestamps, "timestamps")))
    if times.isna().any():
        raise ValueError(
            "timestamps contains missing values; every row needs its time for a block bootstrap."
        )
    # Each row's position in the data's time span, 0 to 1 (0 for all when every row has the same time).
    position = ((times - times.min()) / (times.max() - times.min())).fillna(0.0)
    return np.minimum((position * n_blocks).astype(int).to_numpy(), n_blocks - 1)
