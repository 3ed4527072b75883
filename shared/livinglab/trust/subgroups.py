"""Performance per subgroup: any metrics by any grouping, with counts, intervals and the largest gap.

The per-group point values are the metric called on each group's rows, in their order (what fairlearn's
``MetricFrame`` computes, without its overhead of about 4 ms a group); the intervals are bootstrap intervals
computed *within* each group (with whole clusters resampled when ``groups=`` names subjects or accounts).
Groups with fewer rows than ``min_count`` are flagged: their numbers are reported but left out of the
largest gap, since a gap driven by twelve people is noise more often than a finding.

Example::

    from sklearn.metrics import mean_absolute_error
    report = subgroup_report({"mae": mean_absolute_error}, y_test, pred,
                             sensitive=test[["sex", "age_band"]], groups=test["subject"])
    report.table          # group, n, mae, mae_low, mae_high, small_group
    report.gaps["mae"]    # {"largest_gap": 1.9, "best": "F, <60", "worst": "M, 70+", ...}
    report.to_markdown()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..escaping import md_inline
from .bootstrap import (
    CI,
    SeedLike,
    _as_array,
    _rng,
    bootstrap_statistics,
    ci_from_distribution,
    format_number,
)

__all__ = ["SubgroupReport", "subgroup_report", "LOWER_IS_BETTER_HINTS"]

#: Metric names containing one of these words are treated as "lower is better" unless told otherwise.
LOWER_IS_BETTER_HINTS = (
    "error",
    "mae",
    "mse",
    "rmse",
    "mape",
    "wape",
    "smape",
    "loss",
    "brier",
    "fpr",
    "fnr",
    "false",
    "miss",
    "deviation",
    "regret",
    "wrmsse",
    "ece",
    "calibration_gap",
)

_MISSING_LABEL = "(missing)"


def _lower_is_better(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in LOWER_IS_BETTER_HINTS)


def _nan_safe(fn: Callable[[Any, Any], float]) -> Callable[[Any, Any], float]:
    """Wrap a metric so that a group where it is undefined (e.g. one class only) yields NaN."""

    def wrapped(y_true: Any, y_pred: Any) -> float:
        try:
            return float(fn(y_true, y_pred))
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return math.nan

    wrapped.__name__ = getattr(fn, "__name__", "metric")
    return wrapped


@dataclass
class SubgroupReport:
    """Per-group metrics with bootstrap intervals, counts, small-group flags and the largest gaps.

    Attributes:
        table: one row per group: ``group`` (label), one column per sensitive feature, ``n``, then for
            each metric ``<metric>``, ``<metric>_low``, ``<metric>_high``, and ``small_group``.
        gaps: ``{metric: {"largest_gap", "best", "worst", "best_value", "worst_value",
            "higher_is_better", "groups_compared", "excluded_small_groups"}}``. The gap is
            ``max - min`` over groups with at least ``min_count`` rows (all groups when fewer than
            two qualify, then ``"includes_small_groups": True``); NaN when fewer than two groups have a value.
        overall: ``{metric: CI}`` on all rows.
        sensitive_features: names of the grouping columns.
        metrics: metric names in order.
        min_count, confidence, n_boot: the settings used.
        overall_label: the name of the all-rows line ("All"; e.g. "All in the groups shown" when the caller
            left some levels out, so that line is not read as the whole evaluation's value).
    """

    table: pd.DataFrame
    gaps: dict[str, dict[str, Any]]
    overall: dict[str, CI]
    sensitive_features: list[str]
    metrics: list[str]
    min_count: int
    confidence: float
    n_boot: int
    higher_is_better: dict[str, bool] = field(default_factory=dict)
    overall_label: str = "All"

    @property
    def small_groups(self) -> list[str]:
        """Labels of the groups flagged as too small to compare."""
        return self.table.loc[self.table["small_group"], "group"].tolist()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (used by the model card's ``model_card.json``)."""
        records = self.table.astype(object).where(self.table.notna(), None).to_dict(orient="records")
        return {
            "sensitive_features": list(self.sensitive_features),
            "metrics": list(self.metrics),
            "min_count": self.min_count,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "overall": {name: ci.as_dict() for name, ci in self.overall.items()},
            "overall_label": self.overall_label,
            "groups": [{k: _plain(v) for k, v in row.items()} for row in records],
            "gaps": {name: {k: _plain(v) for k, v in gap.items()} for name, gap in self.gaps.items()},
        }

    to_dict = as_dict

    def to_markdown(self) -> str:
        """A table a reviewer can read (value and interval per group) and one sentence per largest gap."""
        pct = f"{self.confidence:.0%}"
        header = [
            "Group",
            "n",
            *[f"{metric_words(m)} [{pct} CI]" for m in self.metrics],
        ]
        rows = []
        for _, row in self.table.iterrows():  # one line per subgroup: a handful of rows, not data
            label = (
                f"{row['group']} (small, n < {self.min_count})" if row["small_group"] else str(row["group"])
            )
            cells = [label, format_number(int(row["n"]))]
            cells += [_value_with_ci(row[m], row[f"{m}_low"], row[f"{m}_high"]) for m in self.metrics]
            rows.append(cells)
        overall = [self.overall_label, format_number(int(self.table["n"].sum()))]
        overall += [
            _value_with_ci(self.overall[m].estimate, self.overall[m].low, self.overall[m].high)
            for m in self.metrics
        ]
        rows.append(overall)
        lines = [f"Grouped by: {', '.join(self.sensitive_features)}.", "", markdown_table(header, rows), ""]
        for m in self.metrics:
            gap = self.gaps[m]
            if gap["best"] is None:
                lines.append(
                    f"- **{metric_words(m)}**: fewer than two groups have a value; no gap can be computed."
                )
                continue
            direction = "higher is better" if gap["higher_is_better"] else "lower is better"
            sentence = (
                f"- **{metric_words(m)}** ({direction}): largest gap {format_number(gap['largest_gap'])} between "
                f"{md_inline(gap['best'])} (best, {format_number(gap['best_value'])}) and {md_inline(gap['worst'])} "
                f"(worst, {format_number(gap['worst_value'])})"
            )
            if gap.get("includes_small_groups"):
                sentence += "; fewer than two groups reach the minimum size, so small groups are included"
            elif gap["excluded_small_groups"]:
                sentence += (
                    f"; small groups left out: {', '.join(map(md_inline, gap['excluded_small_groups']))}"
                )
            lines.append(sentence + ".")
        small = self.small_groups
        if small:
            lines.append(
                f"- Groups with fewer than {self.min_count} rows are flagged: their intervals are wide "
                "and their values should not be read as findings."
            )
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


#: A metric's name on a page (others: underscores as spaces).
_METRIC_WORDS = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC", "mae": "MAE", "f1": "F1", "macro_f1": "macro-F1"}


def metric_words(metric: str) -> str:
    """A metric's name as pages write it: ``macro_f1`` -> "macro-F1", ``median_ae`` -> "median ae"."""
    return _METRIC_WORDS.get(metric, metric.replace("_", " "))


def _value_with_ci(value: float, low: float, high: float) -> str:
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return format_number(value)
    return f"{format_number(value)} [{format_number(low)}, {format_number(high)}]"


def _plain(value: Any) -> Any:
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured markdown table (pipes in cells are escaped)."""

    def cell(x: Any) -> str:
        return md_inline(x)  # a group name from the data stays text: no link, image, line break or cell

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _sensitive_frame(sensitive: Any, n: int) -> pd.DataFrame:
    if isinstance(sensitive, pd.Series):
        frame = sensitive.to_frame(name=sensitive.name if sensitive.name is not None else "group")
    elif isinstance(sensitive, pd.DataFrame):
        frame = sensitive.copy()
    elif isinstance(sensitive, Mapping):
        frame = pd.DataFrame(dict(sensitive))
    else:
        frame = pd.DataFrame({"group": _as_array(sensitive, "sensitive")})
    if frame.shape[1] == 0:
        raise ValueError("sensitive has no columns; give at least one grouping column.")
    if len(frame) != n:
        raise ValueError(f"sensitive has {len(frame)} rows but y_true has {n}; they must be aligned.")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    # A missing attribute is a group of its own: it is often where a model fails.
    return frame.astype(object).where(frame.notna(), _MISSING_LABEL).astype(str)


def subgroup_report(
    metrics: Mapping[str, Callable[[Any, Any], float]],
    y_true: Any,
    y_pred: Any,
    sensitive: pd.Series | pd.DataFrame,
    *,
    min_count: int = 30,
    n_boot: int = 200,
    groups: Any = None,
    seed: SeedLike = 0,
    confidence: float = 0.95,
    higher_is_better: Mapping[str, bool] | None = None,
    overall_ci: bool = True,
) -> SubgroupReport:
    """Metrics per subgroup with bootstrap intervals, counts, small-group flags and the largest gap.

    Args:
        metrics: ``{name: metric(y_true, y_pred) -> float}``; names become table columns.
        y_true, y_pred: aligned arrays or Series (``y_pred`` may hold scores for ranking metrics).
        sensitive: one grouping (Series) or several (DataFrame: groups are their combinations).
            Missing values form their own group ``"(missing)"``.
        min_count: groups with fewer rows are flagged ``small_group`` and left out of the gaps.
        n_boot: bootstrap resamples per group for the intervals.
        groups: optional cluster ids (subject/account); resampled whole within each subgroup.
        seed: reproducible resampling.
        confidence: interval coverage.
        higher_is_better: direction per metric for "best"/"worst"; by default a metric whose name
            contains one of :data:`LOWER_IS_BETTER_HINTS` (error, mae, loss, brier, fpr, ...) is
            lower-is-better and any other higher-is-better.
        overall_ci: also bootstrap the all-rows interval (the "All" line); False saves about
            1/(groups + 1) of the cost when the evaluation section has it already (the "All" line then
            shows the estimate only).

    Cost: a metric with a fast path (:mod:`livinglab.trust.metrics`, scikit-learn's mean absolute error,
    accuracy and ROC-AUC, or one given :func:`livinglab.trust.bootstrap.fast_path`) is computed on all
    resamples of a group at once; any other makes ``n_boot x (number of groups + 1)`` calls (scikit-learn
    metrics take about 1-5 ms each: keep ``n_boot`` near 200 and the metrics few).
    """
    if not metrics:
        raise ValueError("metrics is empty; pass e.g. {'mae': mean_absolute_error}.")
    if "n" in metrics or "group" in metrics or "small_group" in metrics:
        raise ValueError("Metric names 'n', 'group' and 'small_group' are reserved for the table columns.")
    if int(min_count) < 1:
        raise ValueError(f"min_count must be a positive number of rows, not {min_count}.")
    yt = _as_array(y_true, "y_true")
    yp = _as_array(y_pred, "y_pred")
    if len(yt) != len(yp):
        raise ValueError(f"y_true has {len(yt)} rows but y_pred has {len(yp)}; they must be aligned.")
    frame = _sensitive_frame(sensitive, len(yt))
    cluster = None if groups is None else _as_array(groups, "groups")
    if cluster is not None and len(cluster) != len(yt):
        raise ValueError(f"groups has {len(cluster)} rows but y_true has {len(yt)}; they must be aligned.")
    names = list(metrics)
    directions = {m: (not _lower_is_better(m)) for m in names}
    directions.update(dict(higher_is_better or {}))

    safe = {m: _nan_safe(fn) for m, fn in metrics.items()}
    features = list(frame.columns)

    rng = _rng(seed)
    labels = (
        frame[features[0]].str.cat([frame[f] for f in features[1:]], sep=", ")
        if len(features) > 1
        else frame[features[0]]
    )
    codes, uniques = pd.factorize(labels, sort=True)
    counts = np.bincount(codes, minlength=len(uniques))
    reserved = {
        "group",
        "n",
        "small_group",
        *names,
        *(f"{m}_low" for m in names),
        *(f"{m}_high" for m in names),
    }
    rows = []
    in_groups = np.argsort(codes, kind="stable")  # each group's rows, in their order, one slice a group
    starts = np.concatenate([[0], np.cumsum(counts)])
    firsts = frame[features].iloc[in_groups[starts[:-1]]]  # a group's features: those of its first row
    for code, label in enumerate(uniques):  # one iteration per subgroup, not per row
        rows_of = in_groups[starts[code] : starts[code + 1]]
        values = firsts.iloc[code]
        row: dict[str, Any] = {"group": label}
        row.update({f: values[f] for f in features if f not in reserved})
        row["n"] = int(counts[code])
        yt_group, yp_group = yt[rows_of], yp[rows_of]
        samples = bootstrap_statistics(  # the metrics themselves: their fast paths, NaN where they raise
            metrics,
            yt_group,
            yp_group,
            groups=None if cluster is None else cluster[rows_of],
            n_boot=n_boot,
            seed=rng,
        )
        for m in names:
            estimate = safe[m](yt_group, yp_group)
            ci = ci_from_distribution(estimate, samples[m], confidence=confidence, n=int(counts[code]))
            row[m], row[f"{m}_low"], row[f"{m}_high"] = estimate, ci.low, ci.high
        row["small_group"] = bool(counts[code] < min_count)
        rows.append(row)
    table = pd.DataFrame(rows)

    if overall_ci:
        overall_samples = bootstrap_statistics(metrics, yt, yp, groups=cluster, n_boot=n_boot, seed=rng)
    else:
        overall_samples = {m: np.full(int(n_boot), math.nan) for m in names}
    n_clusters = len(pd.unique(cluster)) if cluster is not None else len(yt)
    overall = {
        m: ci_from_distribution(
            safe[m](yt, yp), overall_samples[m], confidence=confidence, n=len(yt), n_clusters=n_clusters
        )
        for m in names
    }

    gaps = {m: _gap(table, m, directions[m]) for m in names}
    return SubgroupReport(
        table=table,
        gaps=gaps,
        overall=overall,
        sensitive_features=features,
        metrics=names,
        min_count=int(min_count),
        confidence=confidence,
        n_boot=int(n_boot),
        higher_is_better=directions,
    )


def _gap(table: pd.DataFrame, metric: str, higher_is_better: bool) -> dict[str, Any]:
    valued = table[table[metric].notna()]
    large = valued[~valued["small_group"]]
    includes_small = len(large) < 2
    compared = valued if includes_small else large
    excluded = [] if includes_small else valued.loc[valued["small_group"], "group"].tolist()
    if len(compared) < 2:
        return {
            "largest_gap": math.nan,
            "best": None,
            "worst": None,
            "best_value": math.nan,
            "worst_value": math.nan,
            "higher_is_better": higher_is_better,
            "groups_compared": len(compared),
            "excluded_small_groups": excluded,
            "includes_small_groups": includes_small,
        }
    hi = compared.loc[compared[metric].idxmax()]
    lo = compared.loc[compared[metric].idxmin()]
    best, worst = (hi, lo) if higher_is_better else (lo, hi)
    return {
        "largest_gap": float(hi[metric] - lo[metric]),
        "best": best["group"],
        "worst": worst["group"],
        "best_value": float(best[metric]),
        "worst_value": float(worst[metric]),
        "higher_is_better": higher_is_better,
        "groups_compared": len(compared),
        "excluded_small_groups": excluded,
        "includes_small_groups": includes_small,
    }
