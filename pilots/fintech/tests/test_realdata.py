"""Real files through livinglab.load only: the six ADBench sets (unsupervised and with 5 % of the labels
revealed) against the default Isolation Forest and the data mirror's reference; the ULB card-fraud slice through
data_path and as the features design's catalogue dataset (data_mode real), whose pages must describe that file,
never the synthetic data. Fit times are the benchmark's (``python -m pilots.fintech.benchmark --case adbench``),
not a test's."""

from __future__ import annotations

import hashlib
import html as html_text
import json
import re

import numpy as np
import pytest

from pilots.fintech.model import evaluation as ev
from pilots.fintech.run import run_features

pytestmark = pytest.mark.realdata

# ../shared/data/README.md: scikit-learn IsolationForest defaults, ROC-AUC on all rows, mean of 3 seeds
REFERENCE = {
    "2_annthyroid": 0.832,
    "23_mammography": 0.861,
    "27_PageBlocks": 0.904,
    "28_pendigits": 0.947,
    "30_satellite": 0.695,
    "44_Wilt": 0.441,
}
SYNTHETIC_ONLY = (
    "SYNTHETIC",
    "Luxembourg",
    "generated in this run",
    "cross-border",
    "bust-out",
    "made in this run",
)
_CACHE: dict = {}


@pytest.fixture
def adbench(shared_data_dir):
    """Each set run twice through data_path only: unsupervised, and with label_fraction 0.05."""
    if "runs" not in _CACHE:
        runs = {}
        for name in REFERENCE:
            path = str(shared_data_dir / "fintech" / "adbench" / f"{name}.npz")
            runs[name] = (
                run_features({"data_path": path, "n_boot": 20, "seed": 0}),
                run_features({"data_path": path, "n_boot": 20, "seed": 0, "label_fraction": 0.05}),
            )
        _CACHE["runs"] = runs
    return _CACHE["runs"]


def pooled_difference(results, model: str, baseline: str, n_boot: int = 200):
    """Paired bootstrap interval of (mean over the sets of ROC-AUC) model minus baseline, rows resampled."""
    from livinglab.trust import bootstrap_difference_ci

    ys, ms, bs = [], [], []
    for k, result in enumerate(results):
        frame = result.detection.evaluated
        ys.append(k * 2 + frame["label"].to_numpy())  # the set rides along in the label
        ms.append(frame[model].to_numpy())
        bs.append(frame[baseline].to_numpy())
    n_sets = len(results)

    def mean_auc(y, s):
        return float(np.mean([ev.roc_auc(y[(y // 2) == k] % 2, s[(y // 2) == k]) for k in range(n_sets)]))

    return bootstrap_difference_ci(
        mean_auc, np.concatenate(ys), np.concatenate(ms), np.concatenate(bs), n_boot=n_boot
    )


def test_unsupervised_combination_holds_up_against_the_default_isolation_forest(adbench):
    unsup = {name: pair[0] for name, pair in adbench.items()}
    for name, result in unsup.items():
        m, claim = result.metrics, result.claim("roc_auc_unsupervised")
        assert m["detection_mode"] == "unsupervised" and m["evaluation"] == "on all rows scored"
        assert claim.model_value == m["roc_auc_unsupervised"] and claim.baseline_value == pytest.approx(
            m["roc_auc_iforest"]
        )
        assert claim.model_value >= claim.baseline_value - 0.02, (name, claim.sentence())
        assert claim.model_value >= REFERENCE[name] - 0.02, (name, claim.model_value, REFERENCE[name])
    mean = np.mean([r.metrics["roc_auc_unsupervised"] for r in unsup.values()])
    mean_iforest = np.mean([r.metrics["roc_auc_iforest"] for r in unsup.values()])
    assert mean >= mean_iforest and mean >= np.mean(list(REFERENCE.values())), (mean, mean_iforest)
    difference = pooled_difference(list(unsup.values()), "score_unsupervised", "score_iforest")
    assert difference.low > 0, difference


def test_five_percent_of_the_labels_reach_the_target_without_falling_below_the_unsupervised_score(adbench):
    semi = {name: pair[1] for name, pair in adbench.items()}
    for name, result in semi.items():
        m = result.metrics
        assert m["detection_mode"] == "semi-supervised"
        assert m["evaluation"] == "on the rows whose labels were not revealed"
        assert m["n_revealed_anomalies"] >= 1 and m["rows_evaluated"] == m["rows"] - m["n_revealed"]
        claim = result.claim("roc_auc_semisupervised")
        assert claim.model_value >= claim.baseline_value - 0.02, (name, claim.sentence())
        assert claim.baseline_value == pytest.approx(m["roc_auc_unsupervised"])  # the same rows
    assert np.mean([r.metrics["roc_auc_semisupervised"] for r in semi.values()]) >= 0.93
    # the strongest baseline with the same labels: a logistic regression on the revealed rows
    results = list(semi.values())
    assert pooled_difference(results, "score_semisupervised", "score_lr").low > 0
    assert pooled_difference(results, "score_semisupervised", "score_unsupervised").low > 0


def test_the_ulb_slice_through_data_path_and_as_the_catalogue_dataset(shared_data_dir):
    """One contract, two ways in: the file given by path (Time and Class found by name) and the design's
    catalogue dataset (data_mode real, mapped by pilot.yaml) give the same claims."""
    path = shared_data_dir / "fintech" / "creditcard_ulb_head7972.csv"
    by_path = run_features({"data_path": str(path)})
    real = run_features({"data_mode": "real"})
    m = by_path.metrics
    assert m["rows"] == 7_972 and m["anomalies_evaluated"] == 25
    assert m["n_features"] == 29  # V1..V28 and Amount; Time is the time column, Class the label
    assert m["interval_method"].startswith("blocks of time resampled (20 blocks of 9 min")
    claim = by_path.claim("roc_auc_unsupervised")
    assert claim.model_value >= claim.baseline_value - 0.02
    assert real.data.mode == "real" and real.metrics["data_source"] == "mirror:ulb-creditcard-fraud"
    assert real.as_record()["claims"] == by_path.as_record()["claims"]
    assert real.data.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


_RUNNER: dict = {}


def _run(overrides, tmp_path_factory):
    from livinglab.runner import run_pilots

    key = tuple(sorted(overrides.items()))
    if key not in _RUNNER:
        run = run_pilots(
            ["fintech"], profile="smoke", overrides=overrides, out=tmp_path_factory.mktemp("fintech-real"),
            progress=False,
        )  # fmt: skip
        assert [r.pilot for r in run.results] == ["fintech-features"]  # the design the file fits, only
        result = run.results[0]
        assert result.status == "ok", result.error
        _RUNNER[key] = result
    return _RUNNER[key]


def _names_its_file(path, result):
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    params = json.loads((result.directory / "params.json").read_text())
    assert sha in json.dumps(params) and path.name in json.dumps(params)
    card = (result.directory / "model_card.md").read_text()
    assert (sha in card or sha[:12] in card) and path.name in card
    page = re.sub(
        r"data:image/[^\"')]+", "", (result.directory / "features.html").read_text()
    )  # not in images
    html = html_text.unescape(page) + card
    for phrase in SYNTHETIC_ONLY:
        assert phrase not in html, phrase
    return html


@pytest.mark.notebook
def test_the_ulb_slice_through_the_runner_with_data_path_only(shared_data_dir, tmp_path_factory):
    path = shared_data_dir / "fintech" / "creditcard_ulb_head7972.csv"
    result = _run({"data_path": str(path)}, tmp_path_factory)
    m = result.metrics
    assert m["rows"] == 7_972 and m["anomalies_evaluated"] == 25 and m["n_features"] == 29
    html = _names_its_file(path, result)
    assert "spanning 3.1 h" in html and "column 'Class' is the label" in html


@pytest.mark.notebook
def test_an_adbench_set_through_the_runner_with_revealed_labels(shared_data_dir, tmp_path_factory):
    path = shared_data_dir / "fintech" / "adbench" / "44_Wilt.npz"
    result = _run({"data_path": str(path), "label_fraction": "0.05"}, tmp_path_factory)
    m = result.metrics
    assert m["detection_mode"] == "semi-supervised" and m["n_revealed_anomalies"] == 13
    assert m["roc_auc_semisupervised"] >= 0.9 and m["roc_auc_iforest"] < 0.5
    assert result.claims["roc_auc_semisupervised"]["verdict"] == "better"
    html = _names_its_file(path, result)
    assert "4,819 rows, 5 numeric feature(s)" in html and "ULB" not in html and "card data" not in html


@pytest.mark.notebook
def test_real_mode_reads_the_catalogue_slice(shared_data_dir, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(shared_data_dir))
    result = _run({"data_mode": "real"}, tmp_path_factory)
    m = result.metrics
    assert m["data_source"] == "mirror:ulb-creditcard-fraud" and m["rows"] == 7_972
    assert m["anomalies_evaluated"] == 25 and 0 <= m["pr_auc_unsupervised"] <= 1
    card = json.loads((result.directory / "model_card.json").read_text())
    assert card["data"][0]["synthetic"] is False


# ../shared/data/README.md, adbench_eval: IsolationForest() defaults, ROC-AUC on all rows, mean over seeds 0-4
EVAL_REFERENCE = {"12_fault": 0.570, "18_Ionosphere": 0.844, "29_Pima": 0.670, "47_yeast": 0.394}


def test_the_evaluation_group_as_the_card_shows_it(shared_data_dir):
    """The four smallest sets of round one's evaluation group (the whole group, eight sets, is the benchmark's
    ``adbench-eval`` case): the seed-averaged Isolation Forest matches the data mirror's own reference, and the
    pilot card's rows for these sets with round two's detector are this run's, to the digit shown."""
    from pathlib import Path

    from pilots.fintech.model import adbench

    folder = shared_data_dir / adbench.EVAL_GROUP
    result = adbench.evaluate_group(folder, tuple(EVAL_REFERENCE), group=adbench.EVAL_GROUP)
    table = result.table.set_index("set")
    for name, reference in EVAL_REFERENCE.items():
        assert table.loc[name, "iforest_mean"] == pytest.approx(reference, abs=0.0015), name
        assert 0 < table.loc[name, "detector_sd"] < 0.05 and table.loc[name, "rows"] > 300
    card = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    card = card[
        card.index("*The ADBench groups with round two's detector") : card.index("**What this says.**")
    ]
    for line in adbench.markdown_table(result).splitlines():
        if line.startswith(tuple(f"| {name} |" for name in EVAL_REFERENCE)):
            assert line in card, line
    low, high = result.interval()
    assert low < result.mean_detector - result.mean_iforest < high
    assert result.claim().units == 4 and result.claim().unit == "sets"
