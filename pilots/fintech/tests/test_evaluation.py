"""Evaluation: alert budget, recall per typology, and the expected-cost threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from pilots.fintech.model import evaluation as ev


def test_budget_alerts_the_top_scores_of_each_day():
    day = np.array([1, 1, 1, 1, 2, 2, 3])
    score = np.array([0.1, 0.9, 0.5, 0.7, 0.2, 0.3, 0.05])
    alerted = ev.alerts_at_budget(score, day, 2)
    assert alerted.tolist() == [False, True, False, True, True, True, True]
    assert ev.alerts_at_budget(score, day, 0).sum() == 0
    with pytest.raises(ev.EvaluationError, match="non-negative"):
        ev.alerts_at_budget(score, day, -1)


def test_budget_metrics_and_recall_by_typology():
    y = np.array([1, 0, 1, 0, 1])
    alerted = np.array([True, True, False, False, True])
    m = ev.budget_metrics(y, alerted)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3) and m["alerts"] == 3
    typ = np.array(["mule", "none", "mule", "none", "ato"])
    assert ev.recall_by_typology(typ, alerted, y) == {"ato": 1.0, "mule": 0.5}
    assert np.isnan(ev.pr_auc(np.zeros(3), np.ones(3)))
    assert ev.pr_auc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]) == pytest.approx(1.0)


def test_pr_auc_equals_scikit_learn_average_precision():
    rng = np.random.default_rng(4)
    for n, rate, decimals in ((50, 0.2, 1), (5000, 0.01, 3), (2000, 0.05, 8)):
        y = (rng.random(n) < rate).astype(int)
        y[0] = 1
        score = np.round(rng.random(n) + 0.5 * y * rng.random(n), decimals)  # ties included
        assert ev.pr_auc(y, score) == pytest.approx(average_precision_score(y, score), rel=1e-12, abs=1e-12)
    assert ev.pr_auc([1, 1, 0], [0.5, 0.5, 0.5]) == pytest.approx(2 / 3)


def test_cost_threshold_by_hand():
    score = [0.9, 0.8, 0.3, 0.1]
    y = [1, 0, 1, 0]
    amount = [1000.0, 50.0, 30.0, 500.0]
    # review 25 EUR: alerting only the top row costs 25 + 30 missed = 55, the cheapest option
    choice = ev.choose_cost_threshold(score, y, amount, review_cost=25)
    assert choice.threshold == 0.9 and choice.n_alerts == 1 and choice.expected_cost == 55
    assert choice.cost_no_alerts == 1030 and choice.cost_alert_everything == 100 and choice.saving == 975
    # cheap reviews (5 EUR): alerting down to 0.3 catches both frauds for 15 EUR
    cheap = ev.choose_cost_threshold(score, y, amount, review_cost=5)
    assert cheap.threshold == 0.3 and cheap.expected_cost == 15
    # expensive reviews: better to alert nothing
    never = ev.choose_cost_threshold(score, y, amount, review_cost=5000)
    assert never.threshold == np.inf and never.n_alerts == 0
    test = ev.cost_at_threshold(score, y, amount, 0.9, review_cost=25)
    assert test["cost"] == 55 and test["alerts"] == 1 and test["saving"] == 975


def test_cost_threshold_matches_brute_force_and_respects_ties():
    rng = np.random.default_rng(0)
    score = np.round(rng.random(400), 2)  # many ties
    y = (rng.random(400) < 0.05).astype(int)
    amount = rng.uniform(1, 3000, 400)
    for review_cost, loss_share in ((10, 1.0), (40, 0.5), (0, 1.0)):
        choice = ev.choose_cost_threshold(score, y, amount, review_cost=review_cost, loss_share=loss_share)
        costs = {
            thr: review_cost * (score >= thr).sum() + loss_share * (amount * y * (score < thr)).sum()
            for thr in [*np.unique(score), np.inf]
        }  # test-side brute force over every cut
        best = min(costs.values())
        assert choice.expected_cost == pytest.approx(best)
        assert costs[choice.threshold] == pytest.approx(best)
        curve = ev.cost_curve(score, y, amount, review_cost=review_cost, loss_share=loss_share)
        assert len(curve) == len(np.unique(score)) + 1  # one cut per distinct score, plus "alert nothing"
    free = ev.choose_cost_threshold(score, y, amount, review_cost=0)
    assert (
        free.fraud_caught_share == 1.0 and free.threshold == score[y == 1].min()
    )  # fewest alerts at zero cost
    with pytest.raises(ev.EvaluationError):
        ev.cost_curve(score, y, amount, review_cost=-1)


def test_arrays_must_align():
    with pytest.raises(ev.EvaluationError, match="aligned"):
        ev.budget_metrics([0, 1], [True])
    assert isinstance(ev.cost_curve(pd.Series([0.5]), [1], [10.0], review_cost=1), pd.DataFrame)
