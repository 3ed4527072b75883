"""End-to-end leakage guards and recorded truth of the ledger's detection (``model.ledger.detect``).

After the split, everything the bank could not know at the split is perturbed (the test period's labels,
the frauds of the training period confirmed only after the split, and genuine training rows relabelled as
frauds confirmed later): every test-period score, the cost threshold and the fitted baselines must not
move. Each fitted object's rows are counted: the model and every baseline saw exactly the rows before the
split. The values the run records next to the model (each baseline's PR-AUC and precision, the claims'
baseline values) are recomputed here with scikit-learn and pandas, and the analysts' queue pseudonyms with
``hmac`` itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from pilots.fintech.data import LedgerData, ledger_frame
from pilots.fintech.model import ledger as L
from pilots.fintech.model.detectors import SupervisedConfig
from pilots.fintech.model.ledger import BASELINES, LedgerConfig, detect, detection_metrics, ledger_claims
from pilots.fintech.report.queue import analyst_queue
from pilots.fintech.synthetic.ledger import generate_transactions, in_contract_names

CFG = LedgerConfig(alerts_per_day=25, seed=3, supervised=SupervisedConfig(num_boost_round=60))
SCORES = ["score", *BASELINES]


@pytest.fixture(scope="module")
def ledger() -> LedgerData:
    return ledger_frame(in_contract_names(generate_transactions(20_000, n_days=40, fraud_rate=0.015, seed=5)))


class Spy:
    """Counts the rows each fitted object of ``detect`` is given (model, logistic, rules, combination)."""

    def __init__(self, monkeypatch):
        self.rows: dict[str, list[int]] = {}

        def wrap(name, fn, rows_of):
            def spied(*args, **kwargs):
                self.rows.setdefault(name, []).append(rows_of(*args, **kwargs))
                return fn(*args, **kwargs)

            return spied

        monkeypatch.setattr(L, "fit_lightgbm", wrap("lightgbm", L.fit_lightgbm, lambda X, y, **_: len(X)))
        monkeypatch.setattr(L, "fit_logistic", wrap("logistic", L.fit_logistic, lambda X, y, **_: len(X)))
        monkeypatch.setattr(
            L, "default_iforest", wrap("iforest", L.default_iforest, lambda train, test, **_: len(train))
        )
        for cls, name in ((L.RulesBaseline, "rules"), (L.Combination, "combination")):
            fit = cls.fit.__func__
            monkeypatch.setattr(cls, "fit", classmethod(wrap(name, fit, lambda c, X, *a, **k: len(X))))


@pytest.fixture(scope="module")
def runs(ledger):
    """The detection on the ledger and on the ledger perturbed after the split (rows counted on the first)."""
    with pytest.MonkeyPatch.context() as mp:
        spy = Spy(mp)
        det = detect(ledger, CFG)
    frame = ledger.frame.copy()
    split = det.split.split
    rng = np.random.default_rng(0)
    after = frame["timestamp"] >= split
    # the test period: labels shuffled, every one confirmed at once
    frame.loc[after, "label"] = rng.permutation(frame.loc[after, "label"].to_numpy())
    frame.loc[after, "label_available_at"] = frame.loc[after, "timestamp"]
    # the training period: frauds confirmed after the split dropped, genuine rows made frauds confirmed later
    pending = ~after & (frame["label_available_at"] > split)
    assert frame.loc[pending, "label"].sum() > 0  # the synthetic ledger has late labels to perturb
    frame.loc[pending, "label"] = 0
    genuine = np.flatnonzero((~after & (frame["label"] == 0)).to_numpy())
    late = rng.choice(genuine, size=len(genuine) // 50, replace=False)
    frame.loc[frame.index[late], "label"] = 1
    frame.loc[frame.index[late], "label_available_at"] = split + pd.Timedelta(days=30)
    perturbed = detect(LedgerData(frame, ledger.available, ledger.segments, list(ledger.notes)), CFG)
    return det, perturbed, spy.rows


def test_what_arrives_after_the_split_changes_no_test_score_and_no_threshold(runs):
    det, perturbed, _ = runs
    assert det.supervised and perturbed.supervised
    assert det.cost.choice is not None
    for col in SCORES:
        np.testing.assert_array_equal(det.test[col].to_numpy(), perturbed.test[col].to_numpy(), err_msg=col)
    assert det.cost.choice == perturbed.cost.choice  # the cost threshold, chosen on labels known at the split
    np.testing.assert_array_equal(det.test["alerted_operating"], perturbed.test["alerted_operating"])


def test_the_model_and_every_baseline_saw_exactly_the_rows_before_the_split(runs, ledger):
    det, _, rows = runs
    n_train = int(det.split.train.sum())
    assert n_train == int((ledger.frame["timestamp"] < det.split.split).sum())
    assert rows["lightgbm"] == [int(det.split.fit.sum()), n_train]  # threshold model, then the final model
    for name in ("logistic", "rules", "combination", "iforest"):
        assert rows[name] == [n_train], name  # the same window as the model, not an earlier or shorter one


def _top_per_day(test: pd.DataFrame, col: str, k: int) -> np.ndarray:
    rank = test.groupby(test["timestamp"].dt.normalize())[col].rank(method="first", ascending=False)
    return (rank <= k).to_numpy()


def test_each_recorded_baseline_value_is_that_baseline_recomputed(runs):
    det = runs[0]
    test, y = det.test, det.test["label"].to_numpy()
    m = detection_metrics(det, CFG)
    ap = {col: average_precision_score(y, test[col]) for col in SCORES if col in test}
    precision = {col: y[_top_per_day(test, col, CFG.alerts_per_day)].mean() for col in ap}
    for col in ap:
        suffix = col.removeprefix("score")
        assert m[f"pr_auc{suffix}"] == pytest.approx(ap[col], abs=1e-9), col
        assert m[f"precision_at_budget{suffix}"] == pytest.approx(precision[col], abs=1e-12), col
    strongest = max((c for c in ap if c != "score"), key=ap.get)
    claims = {c.name: c for c in ledger_claims(det, CFG, n_boot=20, seed=0)}
    assert BASELINES[strongest][1] in claims["pr_auc"].baseline
    assert claims["pr_auc"].model_value == pytest.approx(ap["score"], abs=1e-9)
    assert claims["pr_auc"].baseline_value == pytest.approx(ap[strongest], abs=1e-9)
    for col in ap:
        if col not in ("score", strongest):
            assert claims[f"pr_auc_vs_{BASELINES[col][0]}"].baseline_value == pytest.approx(ap[col], abs=1e-9)
    alerted = test["alerted"].to_numpy()
    assert claims["precision_at_budget"].model_value == pytest.approx(y[alerted].mean(), abs=1e-12)
    assert claims["precision_at_budget"].baseline_value == pytest.approx(precision[strongest], abs=1e-12)
    assert claims["precision_at_budget"].model_value != claims["precision_at_budget"].baseline_value


def test_queue_pseudonyms_are_the_keyed_hash_of_the_account_and_change_with_the_key(runs):
    det = runs[0]
    accounts = det.test["account_id"].astype(str).unique()

    def keyed(key: str) -> set[str]:
        return {hmac.new(key.encode(), a.encode(), hashlib.sha256).hexdigest()[:10] for a in accounts}

    one, other = "3f9c2a7e5b1d8046c2e9a1f7b3d5086e", "another secret key of 32 chars!!"  # random-looking
    queue = analyst_queue(det.test, det.X_test, det.model, pseudonym_key=one, size=10)
    again = analyst_queue(det.test, det.X_test, det.model, pseudonym_key=other, size=10)
    assert len(queue) >= 3 and len(again) == len(queue)
    assert set(queue["account"]) <= keyed(one)
    assert set(again["account"]) <= keyed(other)
    assert not set(queue["account"]) & set(again["account"])  # another key, other pseudonyms
    plain = {hashlib.sha256(a.encode()).hexdigest()[:10] for a in accounts}
    assert not set(queue["account"]) & plain  # not an unkeyed hash anyone can recompute from an id


# ----------------------------------------------------------------------------- feature tables (ADBench-style)
@pytest.fixture(scope="module")
def table():
    import livinglab
    from pilots.fintech.data import feature_table

    data = livinglab.load(
        "fintech", "features", {"n_rows": 4000, "anomaly_rate": 0.03, "seed": 2}, record=False
    )
    applied = data.applied.mapping if data.applied is not None else {}
    return feature_table(data.frame, applied)


def test_labels_not_revealed_reach_no_score(table, monkeypatch):
    """Only the revealed labels may be read: the others (the rows every score is evaluated on) are flipped,
    the revealed rows kept, and no score of an evaluated row moves."""
    from pilots.fintech.model import table as T

    first = T.detect_table(table, label_fraction=0.2, alerts_per_day=20, seed=0)
    revealed = first.scores["revealed"].to_numpy()
    assert "score_semisupervised" in first.scores and "score_lr" in first.scores
    monkeypatch.setattr(T, "reveal_labels", lambda y, fraction, seed=0: revealed.copy())
    flipped = table.label.copy()
    flipped[~revealed] = 1 - flipped[~revealed]
    again = T.detect_table(
        dataclasses.replace(table, label=flipped), label_fraction=0.2, alerts_per_day=20, seed=0
    )
    for col in ("score", "score_semisupervised", "score_lr", "score_unsupervised", "score_iforest"):
        np.testing.assert_array_equal(first.scores[col], again.scores[col], err_msg=col)
