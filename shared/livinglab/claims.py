"""Claim records: a model compared with a named baseline, computed once and rendered everywhere.

A claim is what a page may say about a model: "on this metric, over these rows and this split, the model
is better than that baseline". It holds both values, the paired interval of their difference and the
verdict that interval allows. The notebook's sentences, the model card and the run index all render
from the same records (``metrics.json`` keeps them under ``claims``), so they cannot disagree::

    from livinglab.claims import compare
    claim = compare(
        "mae_h1", "mae", mean_absolute_error, y_test, model_pred, baseline_pred,
        label="MAE 1 h ahead (vehicles/h)", model="LightGBM with calendar features",
        baseline="plain LightGBM on lags", split="time-ordered: the last 21 days",
        groups=time_blocks(test["timestamp"]), unit="time blocks", n_boot=200, seed=0,
    )
    claim.verdict     # "better" | "worse" | "no clear difference" | "not computed"
    claim.sentence()  # the sentence every page shows

Which way is better is declared once, here, for each kind of metric (:data:`DIRECTIONS`): an error is
lower-is-better, a score higher-is-better, whatever a pilot calls its metric. "Better" always means the
paired interval of model minus baseline excludes zero on the right side; otherwise there is no clear
difference, however the point estimates compare.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Kinds of metric and which way is better; the only place a direction is declared.
DIRECTIONS: dict[str, str] = {
    # errors and costs: lower is better
    "mae": "lower",
    "rmse": "lower",
    "mape": "lower",
    "mase": "lower",
    "error": "lower",
    "brier": "lower",
    "log_loss": "lower",
    "cost": "lower",
    "alerts": "lower",
    # scores: higher is better
    "roc_auc": "higher",
    "pr_auc": "higher",
    "average_precision": "higher",
    "accuracy": "higher",
    "balanced_accuracy": "higher",
    "f1": "higher",
    "macro_f1": "higher",
    "precision": "higher",
    "recall": "higher",
    "coverage": "higher",
    "c_index": "higher",
    "saving": "higher",
    "r2": "higher",
}
VERDICTS = ("better", "worse", "no clear difference", "not computed")


class ClaimError(ValueError):
    """A claim that cannot be made as asked (unknown metric kind, missing values)."""


def direction_of(metric: str) -> str:
    """``"lower"`` or ``"higher"`` for a metric kind of :data:`DIRECTIONS`; a clear error otherwise."""
    try:
        return DIRECTIONS[metric]
    except KeyError:
        raise ClaimError(
            f"Unknown metric kind {metric!r}; use one of {', '.join(sorted(DIRECTIONS))} "
            "(or add it to livinglab.claims.DIRECTIONS with its direction)."
        ) from None


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt(value: Any) -> str:
    """A number as every page shows it (three significant digits, thousands separated)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.1f}"
        if magnitude >= 1 or value == 0:
            return f"{value:.2f}"
        if magnitude >= 0.001:
            return f"{value:.3f}"
        return f"{value:.2e}"
    return str(value)


def signed(value: Any) -> str:
    """A difference with its sign (``+0.012``, ``-3.41``)."""
    text = fmt(value)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


@dataclass(frozen=True)
class Claim:
    """One comparison of a model with a baseline on one metric, with its paired interval."""

    name: str  # identifier, e.g. "mae_h1": the key metric it backs in pilot.yaml and metrics.json
    metric: str  # kind of metric (a key of DIRECTIONS), e.g. "mae"
    label: str  # in words, e.g. "MAE 1 h ahead (vehicles/h)"
    model: str  # the model in words
    baseline: str  # the baseline in words
    model_value: float
    baseline_value: float
    low: float  # paired interval of model minus baseline
    high: float
    split: str  # how the rows were chosen, e.g. "time-ordered: the last 21 days"
    rows: int  # rows the values were computed on
    units: int  # independent units the interval resampled
    unit: str = "rows"  # what a unit is: "rows", "subjects", "accounts", "time blocks", "sets"
    confidence: float = 0.95
    method: str = "paired bootstrap"

    def __post_init__(self) -> None:
        direction_of(self.metric)
        for name in ("label", "model", "baseline", "split"):
            if not str(getattr(self, name)).strip():
                raise ClaimError(f"Claim {self.name!r} needs a {name} in words.")

    @property
    def direction(self) -> str:
        return direction_of(self.metric)

    @property
    def difference(self) -> float:
        return self.model_value - self.baseline_value

    @property
    def verdict(self) -> str:
        """``better`` when the interval excludes zero in the metric's good direction, ``worse`` when it
        excludes zero in the other, ``no clear difference`` otherwise; ``not computed`` without an interval."""
        if not (_finite(self.low) and _finite(self.high)):
            return "not computed"
        good_side = (self.high < 0) if self.direction == "lower" else (self.low > 0)
        bad_side = (self.low > 0) if self.direction == "lower" else (self.high < 0)
        return "better" if good_side else "worse" if bad_side else "no clear difference"

    @property
    def interval(self) -> str:
        return f"[{signed(self.low)}, {signed(self.high)}]"

    def evidence(self) -> str:
        """How the interval was computed, in words."""
        over = f"{self.units:,} {self.unit}"
        if self.units != self.rows:  # one unit a row: "over 198 requests, 198 rows" would say it twice
            over += f", {self.rows:,} rows"
        return f"{self.confidence:.0%} {self.method} interval over {over}, {self.split}"

    def sentence(self) -> str:
        """The one sentence every page says about this comparison."""
        verdict = {
            "better": f"the model is better than {self.baseline}",
            "worse": f"the model is worse than {self.baseline}",
            "no clear difference": f"no clear difference from {self.baseline} (the interval includes zero)",
            "not computed": f"no interval could be computed against {self.baseline}",
        }[self.verdict]
        return (
            f"{self.label}: {fmt(self.model_value)} for {self.model} against {fmt(self.baseline_value)} for "
            f"{self.baseline}; difference {signed(self.difference)} {self.interval} ({self.evidence()}): "
            f"{verdict}."
        )

    def as_dict(self) -> dict[str, Any]:
        out = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()
        }
        return out | {"direction": self.direction, "difference": self.difference, "verdict": self.verdict}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Claim:
        known = {f.name for f in fields(cls)}
        values = {k: raw[k] for k in known if k in raw}
        for key in ("low", "high", "model_value", "baseline_value"):
            values[key] = math.nan if values.get(key) is None else float(values[key])
        return cls(**values)


def from_interval(
    name: str,
    metric: str,
    model_value: float,
    baseline_value: float,
    interval: Any,
    **words: Any,
) -> Claim:
    """A claim from values already computed and a paired interval (a :class:`livinglab.trust.CI` of
    model minus baseline, or a ``(low, high)`` pair); ``words`` are the remaining :class:`Claim` fields."""
    if hasattr(interval, "low"):
        low, high = interval.low, interval.high
        words.setdefault("rows", getattr(interval, "n", 0))
        words.setdefault("units", getattr(interval, "n_clusters", 0))
        words.setdefault("confidence", getattr(interval, "confidence", 0.95))
    else:
        low, high = interval
    return Claim(
        name=name,
        metric=metric,
        model_value=float(model_value),
        baseline_value=float(baseline_value),
        low=float(low),
        high=float(high),
        **words,
    )


def compare(
    name: str,
    metric: str,
    score: Callable[[Any, Any], float],
    y_true: Any,
    y_model: Any,
    y_baseline: Any,
    *,
    groups: Any = None,
    unit: str | None = None,
    n_boot: int = 200,
    seed: int = 0,
    confidence: float = 0.95,
    **words: Any,
) -> Claim:
    """Score a model and a baseline on the same rows and make the claim with a paired bootstrap interval
    (whole ``groups`` resampled when given: subjects, accounts, time blocks)."""
    from .trust.bootstrap import bootstrap_difference_ci

    direction_of(metric)
    ci = bootstrap_difference_ci(
        score, y_true, y_model, y_baseline, groups=groups, n_boot=n_boot, confidence=confidence, seed=seed
    )
    model_value = float(score(y_true, y_model))
    return from_interval(
        name,
        metric,
        model_value,
        model_value - ci.estimate,
        ci,
        unit=unit or ("groups" if groups is not None else "rows"),
        method="paired cluster bootstrap" if groups is not None else "paired bootstrap",
        **words,
    )


def largest_gap(reports: Mapping[str, Any]) -> dict[str, Any] | None:
    """The largest gap of any metric across every grouping given (``{title: SubgroupReport}``): what every
    page quotes as the fairness answer, so no page can pick a smaller one. ``metric`` is its name in words
    (``macro_f1`` -> "macro-F1"), ``metric_key`` the key; ``excluded_small_groups`` the groups too small to
    compare (a page quoting the gap names them, so a weaker small group is not hidden by it); ``evidence``
    whether the two groups' intervals overlap, in words (a gap within the noise is not a finding)."""
    from .trust.subgroups import metric_words, overlap_words

    best = None
    for title, report in reports.items():
        for metric, gap in (getattr(report, "gaps", None) or {}).items():
            value = gap.get("largest_gap")
            if gap.get("best") is None:  # no group is best at it (a base rate, a share alerted)
                continue
            if _finite(value) and (best is None or value > best["gap"]):
                best = {
                    "gap": float(value),
                    "metric": metric_words(metric),
                    "metric_key": metric,
                    "grouping": title,
                }
                best |= {k: gap.get(k) for k in ("best", "worst", "best_value", "worst_value")}
                best["intervals_overlap"] = gap.get("intervals_overlap")
                best["evidence"] = overlap_words(gap.get("intervals_overlap"))
                best["excluded_small_groups"] = list(gap.get("excluded_small_groups") or [])
    return best
