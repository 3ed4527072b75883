"""Bootstrap intervals: nominal coverage on simulated data, and cluster resampling when rows are correlated."""

import numpy as np
import pytest

from livinglab.trust import CI, bootstrap_ci


def mean_error(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) - np.asarray(y_pred)))


def _coverage(confidence: float, n_sets: int = 800, n: int = 200) -> float:
    rng = np.random.default_rng(42)
    covered = 0
    for i in range(n_sets):
        y = rng.normal(1.0, 2.0, size=n)
        covered += bootstrap_ci(mean_error, y, np.zeros(n), n_boot=300, confidence=confidence, seed=i).contains(1.0)
    return covered / n_sets


# 800 simulated data sets: the coverage estimate has a standard error of about 0.008, so the band
# [0.925, 0.975] accepts a true 95 % interval and rejects a 90 % one (about 3 standard errors below).
COVERAGE_BAND = (0.925, 0.975)


def test_ci_covers_true_mean_at_nominal_rate():
    coverage = _coverage(0.95)
    assert COVERAGE_BAND[0] <= coverage <= COVERAGE_BAND[1], coverage


def test_the_coverage_band_rejects_a_90_percent_interval_passed_off_as_95():
    assert _coverage(0.90) < COVERAGE_BAND[0]


def test_ci_narrower_at_lower_confidence_and_estimate_is_full_data_value():
    rng = np.random.default_rng(1)
    y = rng.normal(0, 1, 200)
    wide = bootstrap_ci(mean_error, y, np.zeros(200), confidence=0.95, seed=0)
    narrow = bootstrap_ci(mean_error, y, np.zeros(200), confidence=0.5, seed=0)
    assert narrow.width < wide.width
    assert wide.estimate == pytest.approx(y.mean())
    assert wide.low < wide.estimate < wide.high
    assert wide.n == 200 and wide.n_clusters == 200 and wide.method == "percentile"


def test_grouped_bootstrap_wider_than_naive_when_rows_share_a_subject():
    rng = np.random.default_rng(7)
    n_subjects, per_subject = 40, 25
    subject = np.repeat(np.arange(n_subjects), per_subject)
    # A strong per-subject effect: rows of one subject are far from independent.
    y = rng.normal(0, 1.0, n_subjects)[subject] + rng.normal(0, 0.3, len(subject))
    zeros = np.zeros(len(y))
    naive = bootstrap_ci(mean_error, y, zeros, seed=0)
    grouped = bootstrap_ci(mean_error, y, zeros, groups=subject, seed=0)
    assert grouped.estimate == pytest.approx(naive.estimate)
    assert grouped.width > 2.5 * naive.width
    assert grouped.n_clusters == n_subjects and grouped.method == "cluster percentile"


def test_grouped_resample_keeps_whole_groups():
    # Each group has a constant value, so every resampled mean is a weighted mean of group values:
    # with groups {0: size 1 value 0, 1: size 3 value 10}, only 0, 2.5, 5 (not possible), 7.5, 10... occur.
    y = np.array([0.0, 10.0, 10.0, 10.0])
    groups = np.array(["a", "b", "b", "b"])
    from livinglab.trust.bootstrap import bootstrap_statistics

    samples = bootstrap_statistics({"m": mean_error}, y, np.zeros(4), groups=groups, n_boot=200, seed=0)["m"]
    # Two clusters drawn with replacement: {a,a} -> 0, {b,b} -> 10, {a,b} -> 30/4 = 7.5.
    assert set(np.round(samples, 6)) <= {0.0, 7.5, 10.0}


def test_ci_as_dict_and_str():
    ci = CI(0.5, 0.4, 0.6, 0.95, 500, 100, 100)
    d = ci.as_dict()
    assert d["estimate"] == 0.5 and d["low"] == 0.4 and d["high"] == 0.6 and d["confidence"] == 0.95
    assert str(ci) == "0.500 [0.400, 0.600] (95% CI)"


def rank_auc(y_true, score):
    """ROC-AUC as the Mann-Whitney probability; undefined (ValueError) with a single class, like sklearn's."""
    y_true, score = np.asarray(y_true), np.asarray(score)
    pos, neg = score[y_true == 1], score[y_true == 0]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("only one class present")
    return float(np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :]))


def test_undefined_resamples_are_dropped():
    # One positive in six rows: about a third of the resamples hold no positive, so AUC is undefined there.
    y = np.array([0, 0, 0, 0, 0, 1])
    s = np.array([0.1, 0.2, 0.6, 0.5, 0.3, 0.9])
    with pytest.warns(RuntimeWarning, match="undefined"):
        ci = bootstrap_ci(rank_auc, y, s, n_boot=200, seed=0)
    assert 0 < ci.n_boot < 200 and 0 <= ci.low <= ci.high <= 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y_pred": np.zeros(3)}, "aligned"),
        ({"groups": np.zeros(3)}, "aligned"),
        ({"confidence": 95}, "between 0 and 1"),
        ({"n_boot": 5}, "at least 10"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(kwargs, message):
    args = {"y_pred": np.zeros(4)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        bootstrap_ci(mean_error, np.ones(4), **args)


def test_paired_difference_interval_tells_a_real_gain_from_none():
    from sklearn.metrics import mean_absolute_error

    from livinglab.trust import bootstrap_difference_ci

    rng = np.random.default_rng(3)
    y = rng.normal(size=2000)
    groups = np.repeat(np.arange(200), 10)
    noisy = y + rng.normal(scale=1.0, size=y.size)
    better = y + rng.normal(scale=0.8, size=y.size)
    gain = bootstrap_difference_ci(mean_absolute_error, y, better, noisy, groups=groups, n_boot=300)
    assert gain.estimate < 0 and gain.high < 0 and gain.method == "paired cluster percentile"
    same = bootstrap_difference_ci(mean_absolute_error, y, noisy, noisy.copy(), n_boot=100)
    assert same.estimate == 0 and same.low <= 0 <= same.high


def test_time_blocks_follow_the_data_span():
    import pandas as pd

    from livinglab.trust import time_blocks

    minutes = pd.date_range("2024-01-01", periods=600, freq="s")  # ten minutes of data
    blocks = time_blocks(minutes, n_blocks=10)
    assert sorted(set(blocks)) == list(range(10)) and np.bincount(blocks).min() >= 59
