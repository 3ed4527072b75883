"""Abstention: the threshold chosen on validation data reaches the target precision; the human queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilots.public_sector.model.abstention import (
    OperatingPoint,
    binomial_margin,
    choose_threshold,
    coverage_curve,
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
    auto = conf2 >= op.threshold
    assert correct2[auto].mean() >= 0.95 - binomial_margin(0.95, int(auto.sum()), op.n_auto)
    assert binomial_margin(0.95, 1000, 1000) == pytest.approx(2 * np.sqrt(0.95 * 0.05 * 2 / 1000))
    assert binomial_margin(0.95, 0) == 1.0


def test_lower_bound_method_is_more_conservative():
    conf, correct = simulated(600, seed=4)
    emp = choose_threshold(conf, correct, 0.95)
    low = choose_threshold(conf, correct, 0.95, method="lower_bound")
    assert low.method == "lower_bound" and low.threshold > emp.threshold and low.coverage < emp.coverage
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


# ----- tests that pin each piece down (mutation testing: `make mutate MODULES=abstention`) --------------
def wilson_reference(k, n):
    """One-sided 95 % Wilson lower bound from scipy (two-sided 90 % interval)."""
    return stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.90, method="wilson").low


@pytest.mark.parametrize("k, n", [(95, 100), (0, 10), (10, 10), (1, 1), (0, 1), (3, 7), (480, 500)])
def test_wilson_lower_matches_scipy(k, n):
    # z = 1.645 against scipy's 1.64485...: equal to about 1e-4
    assert wilson_lower(np.array([k]), np.array([n]))[0] == pytest.approx(wilson_reference(k, n), abs=2e-4)
    assert wilson_lower([k], [n])[0] == pytest.approx(wilson_reference(k, n), abs=2e-4)  # plain lists


def test_wilson_lower_with_another_z():
    # z = 1.96: the two-sided 95 % interval's lower end
    ref = stats.binomtest(40, 50).proportion_ci(confidence_level=0.95, method="wilson").low
    assert wilson_lower(np.array([40]), np.array([50]), z=stats.norm.ppf(0.975))[0] == pytest.approx(
        ref, abs=1e-12
    )


def conservative_case():
    """50 requests: the first 30 (most confident) right, then right and wrong in turn."""
    conf = np.round(np.linspace(0.99, 0.5, 50), 2)
    correct = np.r_[np.ones(30, dtype=bool), np.tile([True, False], 10)]
    return conf, correct


def test_conservative_method_is_used_and_gives_a_smaller_coverage():
    """The planted bug 'method="lower_bound" silently ignored' (the empirical precision used) fails here."""
    conf, correct = conservative_case()
    emp = choose_threshold(conf, correct, 0.9, min_auto=1)
    low = choose_threshold(conf, correct, 0.9, min_auto=1, method="lower_bound")
    assert emp == OperatingPoint(0.63, 0.9, 0.74, 34 / 37, 37, 50, "empirical")
    assert low == OperatingPoint(0.69, 0.9, 0.62, 1.0, 31, 50, "lower_bound")
    # the lower-bound point: its Wilson bound reaches the target; no larger coverage has one that does
    curve = coverage_curve(conf, correct)
    reference = [wilson_reference(k, n) for k, n in zip(curve["n_correct"], curve["n_auto"], strict=True)]
    assert curve["precision_lower"].to_numpy() == pytest.approx(reference, abs=2e-4)
    reaching = curve["n_auto"][np.array(reference) >= 0.9]
    assert reaching.max() == low.n_auto
    # and the empirical point is what the plain precision gives
    assert curve["n_auto"][curve["precision"] >= 0.9].max() == emp.n_auto


def test_curve_with_ties_keeps_one_row_per_threshold():
    conf = [0.7, 0.9, 0.8, 0.8, 0.6, 0.8]
    correct = [True, True, False, True, False, True]
    curve = coverage_curve(conf, correct)
    assert curve["threshold"].tolist() == [0.9, 0.8, 0.7, 0.6]
    assert curve["n_auto"].tolist() == [1, 4, 5, 6]
    assert curve["n_correct"].tolist() == [1, 3, 4, 4]
    assert curve["coverage"].tolist() == pytest.approx([1 / 6, 4 / 6, 5 / 6, 1.0])
    assert curve["precision"].tolist() == pytest.approx([1.0, 0.75, 0.8, 4 / 6])
    op = choose_threshold(conf, correct, 0.75, min_auto=1)
    assert op == OperatingPoint(0.7, 0.75, pytest.approx(5 / 6), pytest.approx(0.8), 5, 6, "empirical")


def test_counts_are_integers_whatever_the_input_types():
    curve = coverage_curve([0.9, 0.8, 0.7], [1.0, 0.0, 1.0])  # correctness as 1.0 / 0.0
    assert curve["n_correct"].dtype.kind == "i" and curve["n_correct"].tolist() == [1, 1, 2]


def test_precision_exactly_at_the_target_is_enough():
    op = choose_threshold([0.9, 0.8, 0.7, 0.6], [True, True, True, False], 0.75, min_auto=1)
    assert op.threshold == 0.6 and op.n_auto == 4 and op.precision == 0.75


def test_default_min_auto_is_twenty_requests():
    conf = np.linspace(0.99, 0.6, 40)
    correct = np.r_[np.ones(20, dtype=bool), np.zeros(20, dtype=bool)]
    op = choose_threshold(conf, correct, 0.96)  # 20 right, then wrong: 20/21 = 0.952 < 0.96
    assert op.n_auto == 20 and op.threshold == conf[19] and op.coverage == 0.5
    op = choose_threshold(conf[1:], correct[1:], 0.96)  # only 19 right: fewer than 20, nothing is automated
    assert op.n_auto == 0 and op.threshold == np.inf


def test_unreachable_target_operating_point_in_full():
    conf = np.linspace(0.5, 1, 100)
    op = choose_threshold(conf, np.zeros(100, dtype=bool), 0.95, method="lower_bound")
    assert op == OperatingPoint(np.inf, 0.95, 0.0, None, 0, 100, "lower_bound")


@pytest.mark.parametrize("target", [0.0, 1.0, -0.1, 1.5])
def test_target_outside_zero_one_is_refused(target):
    with pytest.raises(
        ValueError, match=rf"^target_precision must lie strictly between 0 and 1, got {target}\.$"
    ):
        choose_threshold([0.5], [True], target)


def test_unknown_method_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"^method must be 'empirical' or 'lower_bound', not 'wilson'\.$"):
        choose_threshold([0.5], [True], method="wilson")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ([0.5, None], [True, False]),
            r"^confidence contains NaN; the classifier must give a probability for every",
        ),
        (
            ([0.5, 0.6], [True, None]),
            r"^correct has missing values; give True or False for every validation request\.$",
        ),
        (([0.5, 0.6], [1.0, np.nan]), r"^correct has missing values"),
        (([], []), r"^No validation requests to choose a threshold on\.$"),
        (
            ([[0.5]], [[True]]),
            r"^confidence and correct must be 1-D of the same length, got \(1, 1\) and \(1, 1\)\.$",
        ),
    ],
)
def test_bad_inputs_full_sentences(args, message):
    with pytest.raises(ValueError, match=message):
        choose_threshold(*args)


def test_binomial_margin_counts_the_test_sample_alone_when_no_validation_size():
    assert binomial_margin(0.95, 400) == pytest.approx(2 * np.sqrt(0.95 * 0.05 / 400))
    assert binomial_margin(0.95, 400, 0) == pytest.approx(2 * np.sqrt(0.95 * 0.05 / 400))
    assert binomial_margin(0.95, 1) == pytest.approx(2 * np.sqrt(0.95 * 0.05))
    assert binomial_margin(0.9, 100, 300, z=3.0) == pytest.approx(3 * np.sqrt(0.09 * (1 / 100 + 1 / 300)))


def test_route_sends_the_threshold_itself_to_auto_and_missing_confidence_to_a_person():
    assert route([0.9, 0.7, 0.5, None], 0.7).tolist() == ["auto", "auto", "human", "human"]
    assert route(pd.Series([0.2, np.nan]), 0.1).tolist() == ["auto", "human"]


def test_human_queue_columns_and_unknown_urgency_last():
    routed = pd.DataFrame(
        {
            "route": ["human", "human", "human", "auto"],
            "urgency": ["unknown", "routine", None, "urgent"],
            "confidence": [0.1, 0.5, 0.3, 0.2],
            "request_id": list("abcd"),
        }
    )
    queue = human_queue(routed)
    assert queue.columns.tolist() == ["queue_position", "route", "urgency", "confidence", "request_id"]
    assert queue["request_id"].tolist() == ["b", "a", "c"]
    with pytest.raises(
        ValueError, match=r"^human_queue needs the routing columns \['confidence', 'route'\]\.$"
    ):
        human_queue(routed[["urgency"]])
