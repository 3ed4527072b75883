"""Bootstrap intervals: nominal coverage on simulated data, and cluster resampling when rows are correlated."""

import math
import warnings

import numpy as np
import pytest

from livinglab.trust import CI, bootstrap_ci, bootstrap_difference_ci


def mean_error(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) - np.asarray(y_pred)))


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


# ----------------------------------------------------------------------------- readable numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (math.nan, "n/a"),
        (True, "True"),  # not "1": a bool is an int in Python
        (np.bool_(False), "False"),
        (1234567, "1,234,567"),
        (np.int64(-5), "-5"),
        ("abc", "abc"),  # not a number: shown as it is
        ([1], "[1]"),
        ("0.5", "0.500"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (1000.0, "1,000"),
        (-1234.0, "-1,234"),
        (999.4, "999.4"),
        (100.0, "100.0"),
        (99.5, "99.50"),
        (1.5, "1.50"),
        (1.0, "1.000"),  # shares and scores: 1.000, like 0.950
        (0.5, "0.500"),
        (-0.5, "-0.500"),
        (0.001, "0.001"),
        (0.0009, "9.00e-04"),
        (0.0, "0.000"),
    ],
)
def test_format_number(value, text):
    from livinglab.trust import format_number

    assert format_number(value) == text


# ----------------------------------------------------------------------------- the CI record


def test_ci_width_contains_and_dict_with_missing_values():
    ci = CI(0.5, 0.4, 0.6, 0.9, 480, 100, 20, "cluster percentile")
    assert ci.width == pytest.approx(0.2)
    assert ci.contains(0.4) and ci.contains(0.6) and not ci.contains(0.61) and not ci.contains(0.39)
    assert type(ci.contains(0.5)) is bool
    assert ci.as_dict() == {
        "estimate": 0.5,
        "low": 0.4,
        "high": 0.6,
        "confidence": 0.9,
        "n_boot": 480,
        "n": 100,
        "n_clusters": 20,
        "method": "cluster percentile",
    }
    assert str(ci) == "0.500 [0.400, 0.600] (90% CI)"
    empty = CI(math.nan, math.nan, math.nan).as_dict()
    assert empty["estimate"] is None and empty["low"] is None and empty["high"] is None
    assert CI(None, 1, 2).as_dict()["estimate"] is None
    assert type(CI(np.float32(0.5), 1, 2).as_dict()["estimate"]) is float
    assert (CI(1, 0, 2).confidence, CI(1, 0, 2).n_boot, CI(1, 0, 2).method) == (0.95, 0, "percentile")


# ----------------------------------------------------------------------------- input checks


def _sentence(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message and message.endswith("."), message
    return message


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"y_true": np.ones(4), "y_pred": np.zeros(3)}, "y_true has 4 rows but y_pred has 3"),
        ({"y_true": [], "y_pred": []}, "Cannot bootstrap a metric on zero rows"),
        ({"y_true": 1.0, "y_pred": np.zeros(3)}, "y_true must be a sequence of values, not a scalar"),
        ({"y_pred": 0.0}, "y_pred must be a sequence of values, not a scalar"),
        ({"groups": np.zeros(3)}, "groups has 3 rows but y_true has 4"),
        ({"groups": "a"}, "groups must be a sequence of values, not a scalar"),
        ({"groups": [1, 1, None, 2]}, "groups contains missing values; give every row its subject"),
        ({"confidence": 1.0}, "confidence must be between 0 and 1 (e.g. 0.95), not 1.0"),
        ({"confidence": 0.0}, "confidence must be between 0 and 1"),
        ({"n_boot": 9}, "n_boot must be at least 10 (500 or more"),
    ],
)
def test_bad_input_names_the_argument(kwargs, words):
    args = {"y_true": np.ones(4), "y_pred": np.zeros(4)}
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        bootstrap_ci(mean_error, args.pop("y_true"), args.pop("y_pred"), **args)
    assert words in _sentence(err)


def test_smallest_accepted_settings():
    ci = bootstrap_ci(mean_error, np.arange(4.0), np.zeros(4), n_boot=10, confidence=0.5)
    assert ci.n_boot == 10 and ci.confidence == 0.5


def test_defaults_are_500_resamples_95_percent_and_seed_0():
    y = np.random.default_rng(0).normal(size=50)
    ci = bootstrap_ci(mean_error, y, np.zeros(50))
    assert ci.n_boot == 500 and ci.confidence == 0.95
    assert ci == bootstrap_ci(mean_error, y, np.zeros(50), seed=0, n_boot=500, confidence=0.95)
    mae = lambda t, p: float(np.mean(np.abs(t - p)))  # noqa: E731
    diff = bootstrap_difference_ci(mae, y, np.zeros(50), np.ones(50))
    assert diff == bootstrap_difference_ci(mae, y, np.zeros(50), np.ones(50), seed=0, n_boot=500)
    assert diff != bootstrap_difference_ci(mae, y, np.zeros(50), np.ones(50), seed=1, n_boot=500)
    assert diff.n_boot == 500 and diff.confidence == 0.95
    from livinglab.trust.bootstrap import bootstrap_statistics

    samples = bootstrap_statistics({"m": mean_error}, y, np.zeros(50))["m"]
    assert (
        len(samples) == 500
        and samples.tolist() == bootstrap_statistics({"m": mean_error}, y, np.zeros(50), seed=0)["m"].tolist()
    )


def test_pandas_inputs_and_2d_predictions():
    import pandas as pd

    y = pd.Series([0, 1, 0, 1, 1, 0], index=[5, 4, 3, 2, 1, 0])
    proba = pd.DataFrame({"p0": [0.9, 0.2, 0.8, 0.3, 0.1, 0.7], "p1": [0.1, 0.8, 0.2, 0.7, 0.9, 0.3]})

    def accuracy(t, p):
        assert isinstance(t, np.ndarray) and isinstance(p, np.ndarray) and p.shape[1] == 2
        return float(np.mean(np.argmax(p, axis=1) == t))

    ci = bootstrap_ci(accuracy, y, proba, n_boot=50)
    assert ci.estimate == 1.0 and ci.low == ci.high == 1.0


# ----------------------------------------------------------------------------- resampling, exactly


def _seen(n_boot, groups=None, n=7, seed=3):
    """The rows each resample holds (y_true = row numbers)."""
    from livinglab.trust.bootstrap import bootstrap_statistics

    seen = []

    def record(t, p):
        seen.append(t.copy())
        return 0.0

    bootstrap_statistics({"r": record}, np.arange(n), np.zeros(n), groups=groups, n_boot=n_boot, seed=seed)
    return seen


def test_row_resamples_draw_n_rows_with_replacement_from_the_seeded_generator():
    seen = _seen(30)
    rng = np.random.default_rng(3)
    expected = [rng.integers(0, 7, size=7) for _ in range(30)]
    assert len(seen) == 30 and all(np.array_equal(a, b) for a, b in zip(seen, expected, strict=True))
    assert set(np.concatenate(seen)) == set(range(7))  # the first and the last row are drawn too


def test_cluster_resamples_draw_whole_clusters_numbered_by_first_appearance():
    groups = np.array(["c", "a", "c", "b", "b", "c", "a"])  # c: rows 0, 2, 5; a: 1, 6; b: 3, 4
    seen = _seen(40, groups=groups)
    rows = {0: [0, 2, 5], 1: [1, 6], 2: [3, 4]}  # cluster numbers in order of first appearance
    rng = np.random.default_rng(3)
    for resample in seen:
        chosen = rng.integers(0, 3, size=3)
        assert resample.tolist() == [r for c in chosen for r in rows[c]]
    assert {len(r) for r in seen} >= {6, 7, 8, 9}


def test_rows_of_a_cluster_keep_their_order_in_large_data():
    groups = np.random.default_rng(0).integers(0, 5, size=3000)  # five interleaved clusters
    seen = _seen(10, groups=groups, n=3000)
    first_seen = list(dict.fromkeys(groups))
    rows = {i: np.flatnonzero(groups == g).tolist() for i, g in enumerate(first_seen)}
    rng = np.random.default_rng(3)
    for resample in seen:
        assert resample.tolist() == [r for c in rng.integers(0, 5, size=5) for r in rows[c]]


def test_a_generator_seed_is_used_as_it_is():
    y = np.random.default_rng(1).normal(size=30)
    a = bootstrap_ci(mean_error, y, np.zeros(30), seed=np.random.default_rng(5), n_boot=50)
    assert a == bootstrap_ci(mean_error, y, np.zeros(30), seed=5, n_boot=50)
    assert a != bootstrap_ci(mean_error, y, np.zeros(30), seed=6, n_boot=50)


def test_interval_is_the_percentile_interval_of_the_bootstrap_distribution():
    from livinglab.trust.bootstrap import bootstrap_statistics

    y = np.random.default_rng(2).normal(size=40)
    groups = np.repeat(np.arange(8), 5)
    for confidence in (0.8, 0.95):
        for g in (None, groups):
            samples = bootstrap_statistics({"m": mean_error}, y, np.zeros(40), groups=g, n_boot=200, seed=1)[
                "m"
            ]
            ci = bootstrap_ci(
                mean_error, y, np.zeros(40), groups=g, n_boot=200, confidence=confidence, seed=1
            )
            alpha = (1 - confidence) / 2
            assert (ci.low, ci.high) == tuple(np.quantile(samples, [alpha, 1 - alpha]))
            assert ci.estimate == pytest.approx(y.mean()) and ci.n == 40 and ci.n_boot == 200
            assert ci.n_clusters == (40 if g is None else 8)


def test_several_metrics_share_the_same_resamples():
    from livinglab.trust.bootstrap import bootstrap_statistics

    y = np.arange(10.0)
    out = bootstrap_statistics(
        {"mean": mean_error, "total": lambda t, p: float(np.sum(t - p))}, y, np.zeros(10), n_boot=20, seed=4
    )
    assert list(out) == ["mean", "total"] and np.allclose(out["total"], 10 * out["mean"])


# ----------------------------------------------------------------------------- undefined resamples


def test_resamples_where_the_metric_fails_are_dropped_and_other_errors_propagate():
    from livinglab.trust.bootstrap import bootstrap_statistics

    for error in (ValueError, ZeroDivisionError, FloatingPointError):

        def failing(t, p, error=error):
            if t.sum() > 20:
                raise error("undefined here")
            return float(t.mean())

        samples = bootstrap_statistics({"m": failing}, np.arange(7), np.zeros(7), n_boot=50, seed=0)["m"]
        assert 0 < np.isnan(samples).sum() < 50

    def broken(t, p):
        raise TypeError("a bug in the metric")

    with pytest.raises(TypeError, match="a bug in the metric"):
        bootstrap_statistics({"m": broken}, np.arange(7), np.zeros(7), n_boot=10)


def test_a_metric_warning_on_a_resample_is_silenced():
    def noisy(t, p):
        warnings.warn("single class", UserWarning, stacklevel=1)
        return float(np.mean(t))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from livinglab.trust.bootstrap import bootstrap_statistics

        samples = bootstrap_statistics({"m": noisy}, np.arange(5.0), np.zeros(5), n_boot=10)["m"]
    assert np.isfinite(samples).all()


def test_the_drop_warning_starts_above_ten_percent_and_points_at_the_caller():
    from livinglab.trust.bootstrap import ci_from_distribution

    ten = np.r_[np.full(10, np.nan), np.arange(90.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ci = ci_from_distribution(1.0, ten, n=5, n_clusters=4, method="m")
    assert ci.n_boot == 90 and (ci.n, ci.n_clusters, ci.method) == (5, 4, "m")
    eleven = np.r_[np.full(11, np.nan), np.arange(89.0)]
    with pytest.warns(
        RuntimeWarning, match=r"undefined on 11 of 100 bootstrap resamples \(e.g. a single class\)"
    ):
        ci = ci_from_distribution(1.0, eleven)
    assert (ci.confidence, ci.n, ci.n_clusters, ci.method) == (0.95, 0, 0, "percentile")

    y = np.array([0, 0, 0, 0, 0, 1])
    with pytest.warns(RuntimeWarning, match="the interval uses the remaining ones.") as record:
        bootstrap_ci(rank_auc, y, np.linspace(0, 1, 6), n_boot=100, seed=0)
    assert str(record[0].message).endswith("remaining ones.")


def test_the_drop_warning_is_attributed_to_the_caller():
    """The warning names the caller's line (stacklevel), not the library's. (``make mutate`` deselects the
    tests named ``attributed_to_the_caller``: mutmut's trampoline sits between the two frames.)"""
    y = np.array([0, 0, 0, 0, 0, 1])
    with pytest.warns(RuntimeWarning, match="the interval uses the remaining ones.") as record:
        bootstrap_ci(rank_auc, y, np.linspace(0, 1, 6), n_boot=100, seed=0)
    assert record[0].filename == __file__


def test_metric_undefined_on_every_resample_gives_no_interval():
    from livinglab.trust.bootstrap import ci_from_distribution

    ci = ci_from_distribution(0.7, np.full(20, np.nan), confidence=0.9, n=6, n_clusters=3, method="m")
    assert ci.estimate == 0.7 and math.isnan(ci.low) and math.isnan(ci.high)
    assert (ci.confidence, ci.n_boot, ci.n, ci.n_clusters, ci.method) == (0.9, 0, 6, 3, "m")
    assert ci.as_dict()["low"] is None


# ----------------------------------------------------------------------------- paired differences


def test_paired_difference_is_computed_on_the_same_resamples():
    from livinglab.trust.bootstrap import bootstrap_statistics

    rng = np.random.default_rng(8)
    y = rng.normal(size=60)
    model, baseline = y + rng.normal(scale=0.5, size=60), y + rng.normal(scale=1.0, size=60)
    mae = lambda t, p: float(np.mean(np.abs(t - p)))  # noqa: E731
    groups = np.repeat(np.arange(12), 5)
    for g, method in ((None, "paired percentile"), (groups, "paired cluster percentile")):
        diff = bootstrap_difference_ci(mae, y, model, baseline, groups=g, n_boot=200, confidence=0.8, seed=2)
        a = bootstrap_statistics({"m": mae}, y, model, groups=g, n_boot=200, seed=2)["m"]
        b = bootstrap_statistics({"m": mae}, y, baseline, groups=g, n_boot=200, seed=2)["m"]
        assert (diff.low, diff.high) == pytest.approx(tuple(np.quantile(a - b, [0.1, 0.9])), rel=1e-12)
        assert diff.estimate == pytest.approx(mae(y, model) - mae(y, baseline))
        assert diff.method == method and diff.n == 60 and diff.n_clusters == (60 if g is None else 12)
        assert diff.n_boot == 200 and diff.confidence == 0.8


def test_paired_difference_checks_the_baseline_and_drops_undefined_resamples():
    with pytest.raises(ValueError) as err:
        bootstrap_difference_ci(mean_error, np.ones(4), np.zeros(4), np.zeros(3))
    assert "y_baseline has 3 rows but y_true has 4" in _sentence(err)
    with pytest.raises(ValueError, match="y_baseline must be a sequence of values, not a scalar"):
        bootstrap_difference_ci(mean_error, np.ones(4), np.zeros(4), 0.0)
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        bootstrap_difference_ci(mean_error, np.ones(4), np.zeros(4), np.zeros(4), confidence=2)
    y = np.array([0, 0, 0, 0, 0, 1])
    with pytest.warns(RuntimeWarning, match="undefined"):
        diff = bootstrap_difference_ci(rank_auc, y, np.linspace(0, 1, 6), np.full(6, 0.5), n_boot=100)
    assert diff.estimate == 0.5 and 0 < diff.n_boot < 100 and diff.low <= diff.high


# ----------------------------------------------------------------------------- time blocks


def test_time_blocks_are_equal_spans_and_the_last_instant_closes_the_last_block():
    import pandas as pd

    from livinglab.trust import time_blocks

    hours = pd.date_range("2024-01-01", periods=25, freq="h")  # 24 hours of span
    blocks = time_blocks(hours, n_blocks=4)
    assert blocks.tolist() == [0] * 6 + [1] * 6 + [2] * 6 + [3] * 7
    assert time_blocks(list(hours.astype(str)), n_blocks=4).tolist() == blocks.tolist()
    assert sorted(set(time_blocks(pd.date_range("2024-01-01", periods=400, freq="min")))) == list(range(20))
    same = time_blocks(pd.Series([pd.Timestamp("2024-01-01")] * 3), n_blocks=5)
    assert same.tolist() == [0, 0, 0]
    with pytest.raises(ValueError) as err:
        time_blocks(pd.Series([pd.Timestamp("2024-01-01"), pd.NaT]))
    assert "timestamps contains missing values" in _sentence(err)
    with pytest.raises(ValueError, match="timestamps must be a sequence of values, not a scalar"):
        time_blocks(pd.Timestamp("2024-01-01"))


# ----------------------------------------------------------------------------- calibration (slowest, last)


def _coverage(confidence: float, n_sets: int = 800, n: int = 200) -> float:
    rng = np.random.default_rng(42)
    covered = 0
    for i in range(n_sets):
        y = rng.normal(1.0, 2.0, size=n)
        covered += bootstrap_ci(
            mean_error, y, np.zeros(n), n_boot=300, confidence=confidence, seed=i
        ).contains(1.0)
    return covered / n_sets


# 800 simulated data sets: the coverage estimate has a standard error of about 0.008, so the band
# [0.925, 0.975] accepts a true 95 % interval and rejects a 90 % one (about 3 standard errors below).
COVERAGE_BAND = (0.925, 0.975)


def test_ci_covers_true_mean_at_nominal_rate():
    coverage = _coverage(0.95)
    assert COVERAGE_BAND[0] <= coverage <= COVERAGE_BAND[1], coverage


def test_the_coverage_band_rejects_a_90_percent_interval_passed_off_as_95():
    assert _coverage(0.90) < COVERAGE_BAND[0]
