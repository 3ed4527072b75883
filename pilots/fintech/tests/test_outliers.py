"""Detectors for any numeric table: the PyOD combination, the label reveal, the semi-supervised blend and its fallback."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from pilots.fintech.model.outliers import (
    MIN_ANOMALIES,
    Combination,
    OutlierError,
    SemiSupervised,
    combine,
    default_iforest,
    deviation_reasons,
    fit_logistic,
    reveal_labels,
    robust_z,
)


def correlated(n: int = 3000, n_out: int = 60, seed: int = 0):
    """Two strongly correlated features; the anomalies break the correlation but stay inside each range."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    X = np.column_stack([a, a + 0.1 * rng.standard_normal(n), rng.standard_normal(n)])
    out = rng.choice(n, n_out, replace=False)
    X[out, 1] = -X[out, 0] * rng.uniform(0.3, 1.0, n_out)
    y = np.zeros(n, dtype=int)
    y[out] = 1
    return X, y


def test_reveal_is_stratified_seeded_and_checked():
    y = np.r_[np.ones(200, dtype=int), np.zeros(3800, dtype=int)]
    mask = reveal_labels(y, 0.05, seed=1)
    assert mask[y == 1].sum() == 10 and mask[y == 0].sum() == 190
    np.testing.assert_array_equal(mask, reveal_labels(y, 0.05, seed=1))
    assert not np.array_equal(mask, reveal_labels(y, 0.05, seed=2))
    assert not reveal_labels(y, 0.0).any()
    assert reveal_labels(np.r_[1, np.zeros(999, dtype=int)], 0.01)[0]  # the one anomaly is revealed
    with pytest.raises(OutlierError, match="between 0"):
        reveal_labels(y, 1.0)


def test_the_mixture_catches_what_the_forest_misses_and_the_forest_stays_the_backbone():
    X, y = correlated()
    comb = Combination.fit(X, ["a", "b", "c"], seed=0)
    z = comb.components(X)
    auc = {name: roc_auc_score(y, s) for name, s in z.items()}
    combined = roc_auc_score(y, comb.score(X))
    assert auc["mixture"] > auc["iforest"] + 0.1  # correlation-breaking anomalies: the forest is weak
    assert combined > roc_auc_score(y, default_iforest(X, seed=0)) + 0.05
    np.testing.assert_allclose(comb.training_score(), comb.score(X))
    # raised a quarter of the way to the mixture where it is higher, unchanged elsewhere
    np.testing.assert_allclose(combine(np.array([1.0, -1.0]), np.array([3.0, -5.0])), [1.5, -1.0])
    # missing values are filled with the training median, constant columns do not break the mixture
    X_gaps = np.column_stack([X, np.ones(len(X))])
    X_gaps[::50, 0] = np.nan
    assert np.isfinite(Combination.fit(X_gaps, seed=0).score(X_gaps)).all()
    with pytest.raises(OutlierError, match="at least 10 rows"):
        Combination.fit(X[:5])


def test_semi_supervised_learns_from_enough_revealed_anomalies():
    X, y = correlated(n=4000, n_out=200, seed=1)
    unsupervised = Combination.fit(X, seed=0).training_score()
    revealed = reveal_labels(y, 0.05, seed=0)
    semi = SemiSupervised.fit(X, y, revealed, unsupervised, seed=0)
    assert (
        semi.n_revealed_anomalies == 10
        and semi.weight > 0
        and set(semi.cv_auc) == {0.0, 0.25, 0.5, 0.75, 1.0}
    )
    hidden = ~revealed
    score = semi.score(X[hidden], unsupervised[hidden])
    assert roc_auc_score(y[hidden], score) >= roc_auc_score(y[hidden], unsupervised[hidden]) - 0.02


def test_with_too_few_revealed_anomalies_the_unsupervised_score_is_kept():
    X, y = correlated(n=2000, n_out=40, seed=2)
    unsupervised = Combination.fit(X, seed=0).training_score()
    revealed = reveal_labels(y, 0.05, seed=0)  # 2 anomalies revealed
    semi = SemiSupervised.fit(X, y, revealed, unsupervised, seed=0)
    assert semi.n_revealed_anomalies == 2 < MIN_ANOMALIES and semi.weight == 0 and semi.classifier is None
    assert "unsupervised score is used unchanged" in semi.note
    hidden = ~revealed
    score = semi.score(X[hidden], unsupervised[hidden])
    assert roc_auc_score(y[hidden], score) == pytest.approx(roc_auc_score(y[hidden], unsupervised[hidden]))


def test_logistic_baseline_and_reasons():
    X, y = correlated()
    lr = fit_logistic(X, y)
    assert np.isfinite(lr.score(X)).all()
    with pytest.raises(OutlierError, match="both classes"):
        fit_logistic(X, np.zeros(len(X)))
    reasons = deviation_reasons(np.array([[0.0, 0.0, 9.0], [0.0, 0.0, 0.0]]), X, ["a", "b", "c"], k=2)
    assert reasons[0].startswith("c = 9 (z +") and reasons[1].startswith("no single feature stands out")


def test_robust_z_falls_back_from_the_mad_to_the_iqr_to_one():
    """Column a: MAD 1 (scale 1.4826); b: more than half the values equal (MAD 0), so the IQR; c: constant (1)."""
    ref = np.array(
        [[0.0, 0.0, 5.0], [1.0, 0.0, 5.0], [2.0, 0.0, 5.0], [3.0, 4.0, 5.0], [4.0, 8.0, 5.0]], dtype=float
    )
    z, median = robust_z(np.array([[2.0 + 1.4826, 1.0, 7.0], [np.nan, 0.0, 5.0]]), ref)
    assert median.tolist() == [2.0, 0.0, 5.0]
    iqr_scale = (4.0 - 0.0) / 1.349
    assert z[0] == pytest.approx([1.0, 1.0 / iqr_scale, 2.0])
    assert z[1].tolist() == [0.0, 0.0, 0.0]  # a missing value is not a deviation


def test_the_pilots_detector_is_the_frozen_choice_of_the_search():
    """``model.adbench.CHOSEN`` (chosen on the development sets) is what ``Combination`` computes, score for score,
    and the search's rule picks it from a table where it is the best admissible candidate."""
    import pandas as pd

    from pilots.fintech.model import adbench

    X, y = correlated(800, 20, seed=3)
    Z = adbench.standardise(X)
    parts = {p: adbench.component_scores(p, Z, 2) for p in adbench.CANDIDATES[adbench.CHOSEN]}
    np.testing.assert_allclose(
        adbench.candidate_score(adbench.CHOSEN, parts), Combination.fit(X, seed=2).training_score(), atol=1e-9
    )
    rows = [("reference: IsolationForest()", "s1", 0.80), ("reference: IsolationForest()", "s2", 0.60)]
    rows += [("iforest", "s1", 0.80), ("iforest", "s2", 0.61)]  # admissible, lower mean
    rows += [("gmm", "s1", 0.70), ("gmm", "s2", 0.95)]  # best mean but 0.10 below on s1: not admissible
    rows += [("combo_rule", "s1", 0.79), ("combo_rule", "s2", 0.70)]  # admissible, best admissible mean
    rows += [("iforest+gmm+knn", "s1", 0.79), ("iforest+gmm+knn", "s2", 0.7015)]  # within TIE, more detectors
    long = pd.DataFrame(rows, columns=["candidate", "set", "roc_auc"]).assign(seed=0, seconds=1.0)
    chosen, table = adbench.choose(long)
    assert chosen == "combo_rule" and not table.loc["gmm", "admissible"]
    assert table.loc["combo_rule", "worst_vs_iforest"] == pytest.approx(-0.01)


def test_the_peers_table_scores_the_frozen_detector_as_its_evaluation_does(tmp_path):
    """``peers_on_group`` (PyOD peers beside the detector) computes the frozen detector from components exactly as
    ``evaluate_group`` does through ``Combination``, averages over seeds, runs deterministic peers once, and its
    intervals are paired differences from the reference over the sets."""
    from scipy import stats

    from pilots.fintech.model import adbench

    names = []
    for i, n in enumerate((400, 500, 600)):
        X, y = correlated(n, 20, seed=10 + i)
        np.savez(tmp_path / f"s{i}.npz", X=X, y=y)
        names.append(f"s{i}")
    seeds = (0, 1)
    peers = adbench.peers_on_group(tmp_path, names, group="t", seeds=seeds, peers=("iforest", "ecod"))
    evaluation = adbench.evaluate_group(tmp_path, names, group="t", seeds=seeds)
    np.testing.assert_allclose(peers.auc["detector"], evaluation.table["detector_mean"], atol=1e-12)
    np.testing.assert_allclose(peers.auc["reference"], evaluation.table["iforest_mean"], atol=1e-12)
    assert (peers.sd["ecod"] == 0).all() and (peers.sd["iforest"] > 0).any()
    d = (peers.auc["ecod"] - peers.auc["reference"]).to_numpy()
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    np.testing.assert_allclose(peers.interval("ecod"), (d.mean() - half, d.mean() + half))
    summary = peers.summary()
    assert summary.loc["ecod", "worst_set"] == names[int(np.argmin(d))]
    table = adbench.peers_markdown(peers)
    assert "| PyOD ECOD |" in table and f"{summary.loc['ecod', 'difference']:+.3f}" in table
