"""The bootstraps' fast paths give exactly (to the last bit) what one call per resample gives, and each metric
of ``livinglab.trust.metrics`` is scikit-learn's: on random inputs with ties, single-class resamples, clusters
of one size and of many sizes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from livinglab.trust import bootstrap_ci, bootstrap_difference_ci, subgroup_report
from livinglab.trust.bootstrap import _evaluator, bootstrap_statistics
from livinglab.trust.metrics import (
    accuracy,
    false_positive_rate,
    macro_f1,
    mean_absolute_error,
    positive_rate,
    prevalence,
    recall,
    roc_auc,
)

FAST = {
    "mae": mean_absolute_error,
    "accuracy": accuracy,
    "macro_f1": macro_f1,
    "recall": recall,
    "false_positive_rate": false_positive_rate,
    "positive_rate": positive_rate,
    "prevalence": prevalence,
}


def slow(metric):
    """The same metric without its fast path (a plain callable: one call per resample)."""
    return lambda y_true, y_pred: metric(y_true, y_pred)


def identical(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


def counts(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rounded counts (many ties) against float forecasts."""
    rng = np.random.default_rng(seed)
    return np.round(rng.lognormal(3, 1, n)), rng.lognormal(3, 1, n)


def labels(n: int, seed: int, p: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels, rarely positive, against 0/1 predictions that agree with them most of the time."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < p).astype(int)
    return y, np.where(rng.random(n) < 0.8, y, 1 - y)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 1000, 4099, 20_001])
def test_mean_absolute_error_is_scikit_learns_to_the_last_bit(n):
    y, p = counts(n, n)
    assert mean_absolute_error(y, p) == sk.mean_absolute_error(y, p)
    for a, b in ((y, p.astype(np.float32)), (y.astype(int), p), (y, list(p)), (pd.Series(y), p)):
        assert mean_absolute_error(a, b) == sk.mean_absolute_error(a, b)
    for a, b in ((y.astype(np.float32), p.astype(np.float32)), (y.astype(int), p.astype(np.float32))):
        assert mean_absolute_error(a, b) == sk.mean_absolute_error(a, b)  # scikit-learn's own float32 path


@pytest.mark.parametrize("seed", range(5))
def test_shares_are_scikit_learns(seed):
    y, p = labels(301, seed)
    assert accuracy(y, p) == sk.accuracy_score(y, p)
    assert recall(y, p) == sk.recall_score(y, p, zero_division=np.nan)
    tn, fp, fn, tp = sk.confusion_matrix(y, p, labels=[0, 1]).ravel()
    assert false_positive_rate(y, p) == fp / (fp + tn)
    assert positive_rate(y, p) == float(np.mean(p == 1)) and prevalence(y, p) == float(np.mean(y == 1))
    words = np.array(["bus", "car", "tram", "bike"], dtype=object)
    t, q = words[np.random.default_rng(seed).integers(4, size=(2, 301))]
    assert accuracy(t, q) == sk.accuracy_score(t, q)
    assert recall(t, q, pos_label="car") == sk.recall_score(t, q, labels=["car"], average="micro")
    none = np.zeros(9, dtype=int)
    assert np.isnan(recall(none, none)) and np.isnan(sk.recall_score(none, none, zero_division=np.nan))
    assert np.isnan(false_positive_rate(none + 1, none))


def data(kind: str, n: int, seed: int):
    return counts(n, seed) if kind == "mae" else labels(n, seed, p=0.04)


CLUSTERS = {
    "rows": lambda n, rng: None,
    "clusters of one size": lambda n, rng: np.repeat(np.arange(n // 5 + 1), 5)[:n],
    "clusters of many sizes": lambda n, rng: np.sort(rng.integers(0, max(n // 6, 1), n)),
}


@pytest.mark.parametrize("clusters", list(CLUSTERS))
@pytest.mark.parametrize("name", list(FAST))
@pytest.mark.parametrize("n", [3, 9, 40, 301, 2000])
def test_fast_path_gives_what_one_call_per_resample_gives(name, n, clusters):
    """With 4% positives, small resamples often hold no positive: NaN there, as the metric itself gives."""
    metric = FAST[name]
    y, p = data(name, n, n)
    groups = CLUSTERS[clusters](n, np.random.default_rng(n))
    assert _evaluator(metric, y, p) is not None
    fast = bootstrap_statistics({"m": metric}, y, p, groups=groups, n_boot=120, seed=n)["m"]
    plain = bootstrap_statistics({"m": slow(metric)}, y, p, groups=groups, n_boot=120, seed=n)["m"]
    assert identical(fast, plain)


@pytest.mark.parametrize("name", ["recall", "false_positive_rate", "accuracy"])
def test_single_class_resamples_are_nan_where_the_metric_is(name):
    """One positive (recall) or one negative (false-positive rate) among 12 rows: about a third of the
    resamples lack it; the metric has no value there, with or without the fast path."""
    y = np.array([1] + [0] * 11) if name == "recall" else np.array([0] + [1] * 11)
    p = np.array([1, 0] * 6)
    fast = bootstrap_statistics({"m": FAST[name]}, y, p, n_boot=200, seed=0)["m"]
    assert identical(fast, bootstrap_statistics({"m": slow(FAST[name])}, y, p, n_boot=200, seed=0)["m"])
    assert np.isnan(fast).any() == (name != "accuracy") and not np.isnan(fast).all()


def test_batches_of_resamples_change_nothing(monkeypatch):
    """Resamples are scored in batches of bounded size; batch boundaries in the middle change no value."""
    import livinglab.trust.bootstrap as bootstrap

    y, p = counts(1001, 3)
    groups = np.sort(np.random.default_rng(3).integers(0, 150, 1001))
    whole = bootstrap_statistics({"m": mean_absolute_error}, y, p, groups=groups, n_boot=200, seed=5)["m"]
    monkeypatch.setattr(bootstrap, "_BATCH_CELLS", 2500)
    cut = bootstrap_statistics({"m": mean_absolute_error}, y, p, groups=groups, n_boot=200, seed=5)["m"]
    assert identical(whole, cut)


def test_scikit_learns_metrics_passed_as_they_are_take_the_fast_path():
    y, p = counts(500, 1)
    yl, pl = labels(500, 1)
    assert _evaluator(sk.mean_absolute_error, y, p) is not None
    assert _evaluator(sk.accuracy_score, yl, pl) is not None
    assert _evaluator(sk.roc_auc_score, yl, p) is not None
    assert _evaluator(sk.mean_absolute_error, y.astype(np.float32), p.astype(np.float32)) is None  # float32
    assert _evaluator(sk.accuracy_score, y, p) is None  # continuous: scikit-learn refuses, per resample
    assert _evaluator(sk.f1_score, yl, pl) is None and _evaluator(slow(accuracy), yl, pl) is None
    for metric, a, b in ((sk.mean_absolute_error, y, p), (sk.accuracy_score, yl, pl)):
        fast = bootstrap_statistics({"m": metric}, a, b, n_boot=100, seed=2)["m"]
        assert identical(fast, bootstrap_statistics({"m": slow(metric)}, a, b, n_boot=100, seed=2)["m"])


def test_a_metric_without_fast_path_is_called_on_the_same_resamples():
    """Fast and plain metrics side by side see the same resamples (one random stream)."""
    y, p = labels(200, 4)
    seen = []

    def share(y_true, y_pred):
        seen.append(len(y_true))
        return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))

    both = bootstrap_statistics({"fast": accuracy, "plain": share}, y, p, n_boot=60, seed=9)
    assert identical(both["fast"], both["plain"]) and len(seen) == 60


def test_bootstrap_intervals_are_unchanged_by_the_fast_path():
    y, p = counts(700, 6)
    baseline = p * 1.1
    groups = np.arange(700) // 7
    for kw in ({}, {"groups": groups}):
        fast = bootstrap_ci(mean_absolute_error, y, p, n_boot=200, seed=1, **kw)
        assert fast == bootstrap_ci(slow(mean_absolute_error), y, p, n_boot=200, seed=1, **kw)
        fast = bootstrap_difference_ci(mean_absolute_error, y, p, baseline, n_boot=200, seed=1, **kw)
        assert fast == bootstrap_difference_ci(
            slow(mean_absolute_error), y, p, baseline, n_boot=200, seed=1, **kw
        )


@pytest.mark.parametrize("clusters", [False, True])
def test_subgroup_report_is_unchanged_by_the_fast_path(clusters):
    """The whole report (values, intervals, gaps, the "All" line) with and without fast paths, including a
    group too small to hold a positive in most resamples."""
    n = 3000
    y, p = labels(n, 8, p=0.1)
    rng = np.random.default_rng(8)
    sensitive = pd.Series(
        rng.choice(["a", "b", "c", "d", "tiny"], n, p=[0.4, 0.3, 0.2, 0.097, 0.003]), name="g"
    )
    groups = rng.integers(0, 600, n) if clusters else None
    names = ["accuracy", "recall", "false_positive_rate", "positive_rate", "prevalence"]
    kw = dict(n_boot=150, seed=3, groups=groups, min_count=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = subgroup_report({m: FAST[m] for m in names}, y, p, sensitive, **kw)
        plain = subgroup_report({m: slow(FAST[m]) for m in names}, y, p, sensitive, **kw)
    pd.testing.assert_frame_equal(fast.table, plain.table, check_exact=True)
    assert fast.as_dict() == plain.as_dict()
    yc, pc = counts(n, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = subgroup_report({"mae": mean_absolute_error}, yc, pc, sensitive, **kw)
        plain = subgroup_report({"mae": sk.mean_absolute_error}, yc, pc, sensitive, **{**kw})
        plainest = subgroup_report({"mae": slow(sk.mean_absolute_error)}, yc, pc, sensitive, **kw)
    pd.testing.assert_frame_equal(fast.table, plainest.table, check_exact=True)
    pd.testing.assert_frame_equal(plain.table, plainest.table, check_exact=True)
    assert fast.as_dict() == plainest.as_dict()


def test_accuracy_compares_text_and_numbers_as_the_values_they_are():
    """Labels as text never equal labels as numbers (numpy alone would turn 1 into "1"), as when both are
    compared as Python objects."""
    text, numbers = np.array(["1", "2", "3"]), np.array([1, 2, 3])
    assert accuracy(text, numbers) == 0.0 == float(np.mean(text.astype(object) == numbers.astype(object)))
    assert accuracy(list(text), ["1", "2", "4"]) == 2 / 3
    fast = bootstrap_statistics({"m": accuracy}, text, numbers, n_boot=20)["m"]
    assert identical(fast, np.zeros(20))


@pytest.mark.parametrize("seed", range(40))
def test_macro_f1_is_scikit_learns_to_the_last_bit_on_every_resample(seed):
    """Up to 13 labels (numpy sums 8 and more values in a different pattern), some absent from a resample or
    only predicted, single-label resamples: the mean over the labels present, in scikit-learn's order."""
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 300)), int(rng.integers(1, 14))
    words = np.array([f"label {i}" for i in range(k)], dtype=object)
    y = words[rng.integers(k, size=n)]
    p = np.where(rng.random(n) < 0.6, y, words[rng.integers(k, size=n)])

    def sklearn_f1(a, b):
        return sk.f1_score(a, b, average="macro", zero_division=0)

    assert macro_f1(y, p) == sklearn_f1(y, p)
    groups = rng.integers(0, max(n // 4, 1), n) if seed % 2 else None
    fast = bootstrap_statistics({"m": macro_f1}, y, p, groups=groups, n_boot=60, seed=seed)["m"]
    assert identical(
        fast, bootstrap_statistics({"m": sklearn_f1}, y, p, groups=groups, n_boot=60, seed=seed)["m"]
    )


@pytest.mark.parametrize("seed", range(30))
def test_roc_auc_is_scikit_learns_to_the_last_bit_on_every_resample(seed):
    """Rare positives (single-class resamples: NaN, as scikit-learn gives), scores rounded to few decimals
    (many ties, intermediate corners dropped), integer, float32 and True/False inputs."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    y = (rng.random(n) < rng.uniform(0.02, 0.5)).astype(int)
    score = np.round(rng.normal(y, 1.0), int(rng.integers(0, 3)))
    if seed % 3 == 1:
        score = score.astype(np.float32)
    elif seed % 3 == 2:
        y, score = y.astype(bool), (score * 10).astype(int)

    def sklearn_auc(a, b):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sk.roc_auc_score(a, b)

    assert identical([roc_auc(y, score)], [sklearn_auc(y, score)])
    groups = rng.integers(0, max(n // 3, 1), n) if seed % 2 else None
    kw = dict(groups=groups, n_boot=60, seed=seed)
    plain = bootstrap_statistics({"m": sklearn_auc}, y, score, **kw)["m"]
    assert identical(bootstrap_statistics({"m": roc_auc}, y, score, **kw)["m"], plain)
    assert identical(bootstrap_statistics({"m": sk.roc_auc_score}, y, score, **kw)["m"], plain)


def test_roc_auc_leaves_other_labels_to_scikit_learn():
    y, score = np.array([-1, 1, 1, -1, 1]), np.array([0.1, 0.8, 0.4, 0.3, 0.9])
    assert _evaluator(roc_auc, y, score) is None
    assert roc_auc(y, score) == sk.roc_auc_score(y, score)
    assert _evaluator(roc_auc, np.array([0, 1, 1]), np.array([0.2, np.nan, 0.4])) is None
