"""Human in the loop: abstain below a confidence threshold chosen on validation data for a target precision.

``choose_threshold`` picks, on validation data, the lowest confidence threshold (= largest coverage)
at which the auto-routed requests reach the target precision; everything below it goes to the human
queue. With ``method="lower_bound"`` the Wilson lower bound of the precision (not its point estimate)
must reach the target, which is more conservative on small validation sets.

On new data the precision of auto-routed requests fluctuates around the validation value: both are
binomial proportions, so their difference has standard error sqrt(p (1 - p) (1/n_val + 1/n_test)).
``binomial_margin`` gives z of those (z = 2): the tolerance below the target within which the test
precision counts as meeting it (the run reports it, and the tests allow it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

URGENCY_RANK = {"urgent": 0, "time_sensitive": 1, "routine": 2}


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    target_precision: float
    coverage: float
    precision: float | None
    n_auto: int
    n: int
    method: str


def _check(confidence, correct) -> tuple[np.ndarray, np.ndarray]:
    conf = np.asarray(confidence, dtype=float)
    corr = np.asarray(correct, dtype=bool)
    if conf.shape != corr.shape or conf.ndim != 1:
        raise ValueError(
            f"confidence and correct must be 1-D of the same length, got {conf.shape} and {corr.shape}."
        )
    if len(conf) == 0:
        raise ValueError("No validation requests to choose a threshold on.")
    if np.isnan(conf).any():
        raise ValueError("confidence contains NaN; the classifier must give a probability for every request.")
    if pd.Series(correct).isna().any():  # a missing outcome would count as correct and inflate precision
        raise ValueError("correct has missing values; give True or False for every validation request.")
    return conf, corr


def wilson_lower(successes: np.ndarray, n: np.ndarray, z: float = 1.645) -> np.ndarray:
    """Wilson score lower bound of a binomial proportion (one-sided 95% for z = 1.645)."""
    n = np.asarray(n, dtype=float)
    p = np.asarray(successes) / np.maximum(n, 1)  # true division by the float n
    denom = 1 + z**2 / n
    centre = p + z**2 / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (centre - half) / denom


def coverage_curve(confidence, correct) -> pd.DataFrame:
    """For every distinct threshold t: coverage (share with confidence >= t) and precision among them."""
    conf, corr = _check(confidence, correct)
    order = np.argsort(-conf)  # order within ties does not matter: only each tie's last row is kept
    c, k = conf[order], corr[order]
    n_auto = np.arange(1, len(c) + 1)
    n_correct = np.cumsum(k)
    last_of_tie = np.append(c[1:] != c[:-1], True)  # threshold t routes every request with confidence >= t
    curve = pd.DataFrame(
        {"threshold": c[last_of_tie], "n_auto": n_auto[last_of_tie], "n_correct": n_correct[last_of_tie]}
    )
    curve["coverage"] = curve["n_auto"] / len(c)
    curve["precision"] = curve["n_correct"] / curve["n_auto"]
    curve["precision_lower"] = wilson_lower(curve["n_correct"].to_numpy(), curve["n_auto"].to_numpy())
    return curve


def choose_threshold(
    confidence, correct, target_precision: float = 0.95, *, method: str = "empirical", min_auto: int = 20
) -> OperatingPoint:
    """Largest coverage whose auto-routed precision (or its lower bound) reaches ``target_precision``."""
    if not 0 < target_precision < 1:
        raise ValueError(f"target_precision must lie strictly between 0 and 1, got {target_precision}.")
    if method not in ("empirical", "lower_bound"):
        raise ValueError(f"method must be 'empirical' or 'lower_bound', not {method!r}.")
    curve = coverage_curve(confidence, correct)
    score = curve["precision"] if method == "empirical" else curve["precision_lower"]
    ok = (score >= target_precision) & (curve["n_auto"] >= min_auto)
    n = int(curve["n_auto"].iloc[-1])
    if not ok.any():  # nothing reaches the target: every request goes to a person
        return OperatingPoint(np.inf, target_precision, 0.0, None, 0, n, method)
    best = curve[ok].iloc[-1]  # curve is sorted by decreasing threshold: the last ok row covers most
    return OperatingPoint(
        float(best["threshold"]),
        target_precision,
        float(best["coverage"]),
        float(best["precision"]),
        int(best["n_auto"]),
        n,
        method,
    )


def binomial_margin(
    target_precision: float, n_auto: int, n_validation_auto: int | None = None, z: float = 2.0
) -> float:
    """Tolerance below the target for the precision measured on new data at a validation-chosen threshold.

    z standard errors of the difference between two binomial proportions near the target: the test
    precision (``n_auto`` requests) and the validation precision the threshold was chosen on
    (``n_validation_auto``; omit it to count the test sample only). z = 2 is about 97.7% one-sided;
    choosing the largest coverage on validation adds a small optimistic bias, and in simulations with
    calibrated scores the test precision fell below ``target - margin`` in about 3% of repeats.
    """
    if n_auto <= 0:
        return 1.0
    inv = 1 / n_auto + (1 / n_validation_auto if n_validation_auto else 0.0)
    return float(z * np.sqrt(target_precision * (1 - target_precision) * inv))


def route(confidence, threshold: float) -> np.ndarray:
    """'auto' where confidence >= threshold, else 'human'."""
    return np.where(np.asarray(confidence, dtype=float) >= threshold, "auto", "human")


def human_queue(routed: pd.DataFrame) -> pd.DataFrame:
    """The requests a person must route: most urgent first, then least confident first."""
    required = {"route", "urgency", "confidence"}
    missing = required - set(routed.columns)
    if missing:
        raise ValueError(f"human_queue needs the routing columns {sorted(missing)}.")
    queue = routed[routed["route"] == "human"].copy()
    queue["_u"] = queue["urgency"].astype(str).map(URGENCY_RANK).fillna(3)
    queue = queue.sort_values(["_u", "confidence"]).drop(columns="_u")  # several keys: a stable lexsort
    queue.insert(0, "queue_position", np.arange(1, len(queue) + 1))
    return queue
