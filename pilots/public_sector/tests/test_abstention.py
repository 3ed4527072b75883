"""Abstention: the threshold chosen on validation data reaches the target precision; the human queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.public_sector.abstention import (
    binomial_margin,
    choose_threshold,
    coverage_curve,
    evaluate_operating_point,
    human_queue,
    route,
    wilson_lower,
)


def simulated(n, seed):
    """Confidences and correctness from a calibrated model: P(correct | confidence) = confidence."""
    rng = np.random.default_rng(seed)
    conf = rng.beta(5, 1.2, n)
    return conf, rng.random(n) < conf


def test_hand_made_example():
    conf = [0.99, 0.95, 0.9, 0.8, 0.7, 0.6]
    correct = [True, True, True, False, True, False]
    op = choose_threshold(conf, correct, target_precision=0.75, min_auto=1)
    # precision at each cut: 1, 1, 1, .75, .8, .667 -> the largest coverage reaching .75 is 5 of 6 (t = .7)
    assert op.threshold == 0.7 and op.n_auto == 5 and op.coverage == pytest.approx(5 / 6)
    assert op.precision == pytest.approx(0.8)


@pytest.mark.parametrize("target", [0.9, 0.95, 0.98])
def test_threshold_reaches_the_target_on_validation_and_is_the_largest_coverage(target):
    conf, correct = simulated(4000, seed=1)
    op = choose_threshold(conf, correct, target)
    auto = conf >= op.threshold
    assert correct[auto].mean() >= target
    assert op.coverage == pytest.approx(auto.mean())
    # any lower threshold (one more request routed) would miss the target or be the same coverage
    curve = coverage_curve(conf, correct)
    better = curve[(curve["coverage"] > op.coverage) & (curve["precision"] >= target)]
    assert better.empty


def test_threshold_carries_to_new_data_within_the_binomial_margin():
    conf, correct = simulated(3000, seed=2)
    op = choose_threshold(conf, correct, 0.95)
    conf2, correct2 = simulated(3000, seed=3)
    res = evaluate_operating_point(conf2, correct2, op.threshold)
    assert res["precision_auto_routed"] >= 0.95 - binomial_margin(0.95, res["n_auto"], op.n_auto)
    assert binomial_margin(0.95, 1000, 1000) == pytest.approx(2 * np.sqrt(0.95 * 0.05 * 2 / 1000))
    assert binomial_margin(0.95, 0) == 1.0


def test_lower_bound_method_is_more_conservative():
    conf, correct = simulated(600, seed=4)
    emp = choose_threshold(conf, correct, 0.95)
    low = choose_threshold(conf, correct, 0.95, method="lower_bound")
    assert low.threshold >= emp.threshold and low.coverage <= emp.coverage
    assert wilson_lower(np.array([95]), np.array([100]))[0] < 0.95


def test_unreachable_target_routes_everything_to_people():
    conf = np.linspace(0.5, 1, 100)
    correct = np.zeros(100, dtype=bool)
    op = choose_threshold(conf, correct, 0.95)
    assert op.threshold == float("inf") and op.coverage == 0.0
    assert (route(conf, op.threshold) == "human").all()


@pytest.mark.parametrize(
    "args, message",
    [
        (([0.5, np.nan], [True, False]), "NaN"),
        (([0.5], [True, False]), "same length"),
        (([], []), "No validation"),
    ],
)
def test_bad_inputs(args, message):
    with pytest.raises(ValueError, match=message):
        choose_threshold(*args)


def test_bad_target():
    with pytest.raises(ValueError, match="strictly between"):
        choose_threshold([0.5], [True], 1.0)


def test_curve_coverage_increases_as_threshold_decreases():
    conf, correct = simulated(500, seed=5)
    curve = coverage_curve(conf, correct)
    assert curve["threshold"].is_monotonic_decreasing and curve["coverage"].is_monotonic_increasing
    assert curve["coverage"].iloc[-1] == 1.0


def test_human_queue_puts_urgent_and_unsure_first():
    routed = pd.DataFrame(
        {
            "route": ["human", "auto", "human", "human", "human"],
            "urgency": ["routine", "urgent", "urgent", "time_sensitive", "urgent"],
            "confidence": [0.1, 0.99, 0.4, 0.2, 0.3],
            "request_id": list("abcde"),
        }
    )
    queue = human_queue(routed)
    assert queue["request_id"].tolist() == ["e", "c", "d", "a"]
    assert queue["queue_position"].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="urgency"):
        human_queue(routed.drop(columns="urgency"))
