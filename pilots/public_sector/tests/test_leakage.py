"""End-to-end leakage guards of the request router (``model.fit``): the test requests' labels must not reach
the ensemble, its calibration, the abstention threshold, the plain reference or the majority baseline.

The test labels are all replaced by the rarest training label (so that even the majority label would move)
and everything is fitted again: the threshold, the operating point and every test prediction must be the
same. The threshold's rows are the validation requests; the claims' baseline values are recomputed here
with scikit-learn.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import f1_score

from pilots.public_sector import model

from .helpers import prepared


@pytest.fixture(scope="module")
def runs():
    data = prepared({"n_requests": 1200, "seed": 21}, redacted=True)
    fitted = model.fit(data, target_precision=0.9, seed=0)
    rarest = data.train["label"].value_counts().idxmin()
    relabelled = dataclasses.replace(data, test=data.test.assign(label=rarest))
    return data, fitted, model.fit(relabelled, target_precision=0.9, seed=0)


def test_test_labels_change_no_threshold_no_calibration_and_no_test_prediction(runs):
    data, fitted, again = runs
    assert fitted.router.threshold_ == again.router.threshold_
    assert fitted.router.operating_point_ == again.router.operating_point_
    assert fitted.chosen == again.chosen and set(fitted.predictions) == set(again.predictions)
    for name in fitted.predictions:  # every candidate, the plain model and the majority baseline
        np.testing.assert_array_equal(fitted.predictions[name], again.predictions[name], err_msg=name)
    a = fitted.router.route(data.test)
    b = again.router.route(data.test)
    np.testing.assert_array_equal(a["confidence"], b["confidence"])  # the calibrated confidence
    np.testing.assert_array_equal(a["route"], b["route"])


def test_the_threshold_is_chosen_on_the_validation_requests(runs):
    data, fitted, _ = runs
    router = fitted.router
    # the threshold is chosen on every validation request, each scored by a calibration on the other half
    assert router.calibration_.startswith("validation requests") and "cross-fitted" in router.calibration_
    assert len(router.validation_) == len(data.validation)
    chosen_on = router.validation_["truth"].astype(str).value_counts()
    available = data.validation["label"].astype(str).value_counts()
    assert (chosen_on <= available.reindex(chosen_on.index, fill_value=0)).all()  # validation rows only
    assert not set(data.validation["request_id"]) & set(data.test["request_id"])


def test_each_claims_baseline_value_is_that_baseline_recomputed(runs):
    data, fitted, _ = runs
    claims = {c.name: c for c in model.routing_claims(data, fitted, n_boot=20, seed=0)[0]}
    y = data.test["label"].astype(str).to_numpy()
    majority = data.train["label"].astype(str).value_counts().idxmax()

    def f1(pred):
        return f1_score(y, np.asarray(pred).astype(str), average="macro", zero_division=0)

    assert claims["macro_f1"].model_value == pytest.approx(f1(fitted.predictions[fitted.chosen]), abs=1e-12)
    assert claims["macro_f1"].baseline_value == pytest.approx(f1(fitted.predictions["plain"]), abs=1e-12)
    assert claims["macro_f1_vs_majority"].baseline_value == pytest.approx(
        f1(np.full(len(y), majority)), abs=1e-12
    )
