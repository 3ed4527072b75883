"""The ULB path of the package on the real 7,972-row slice (skipped where ../shared/data is absent)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from pilots.fintech.loaders import load_ulb
from pilots.fintech.pipeline import run_detection

pytestmark = pytest.mark.realdata


@pytest.fixture
def ulb(shared_data_dir):
    path = shared_data_dir / "fintech" / "creditcard_ulb_head7972.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent from the data mirror")
    return load_ulb(path)


def test_the_slice_loads_with_a_counted_cleaning(ulb):
    data, report = ulb
    assert report.rows_in == 7_972 and report.duplicates_dropped == 39 and len(data) == 7_933
    assert int(data["Class"].sum()) == 25
    assert report.rows_out_of_order == 0 and report.same_time_rows > 0  # one-second resolution


def test_time_ordered_detectors_on_the_slice(ulb):
    from livinglab.trust import bootstrap_ci

    data, _ = ulb
    run = run_detection(data, data_source="mirror:ulb-creditcard-fraud", train_frac=0.7, alerts_per_day=50)
    assert run.kind == "ulb"
    assert run.test["timestamp"].min() >= data.loc[run.split.train, "timestamp"].max()
    m = run.metrics
    assert m["labels_train_frauds"] + m["frauds_test"] == 25
    for key in ("pr_auc", "pr_auc_rules", "pr_auc_unsupervised"):
        assert 0 <= m[key] <= 1
    # an amount rule is no fraud detector on these data: the frauds of the slice are mostly small amounts
    assert m["pr_auc"] > m["pr_auc_rules"]
    ci = bootstrap_ci(
        average_precision_score,
        run.test["label"].to_numpy(),
        run.test["score"].to_numpy(),
        n_boot=100,
        seed=0,
    )
    assert ci.low <= ci.estimate <= ci.high and np.isfinite(ci.low)
