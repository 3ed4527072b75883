"""Real files through data_path only: the six ADBench sets (unsupervised and with 5 % of the labels revealed)
against the default Isolation Forest and the README's reference, and the ULB card-fraud slice and one ADBench
set through the runner, whose pages must describe those files (not the synthetic ledger)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from pilots.fintech import evaluation as ev
from pilots.fintech.data import load_fintech
from pilots.fintech.tabular import run_table_detection

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
    "ULB/Worldline",
)
_CACHE: dict = {}


def _load(path):
    return load_fintech(
        "synthetic", str(path), {}, {}, "auto",
        n_transactions=1000, n_days=14, fraud_rate=0.01, seed=0, real_distribution="",
    )  # fmt: skip


@pytest.fixture
def adbench(shared_data_dir):
    """Each set run twice through data_path only: unsupervised, and with label_fraction 0.05."""
    if "runs" not in _CACHE:
        runs = {}
        for name in REFERENCE:
            path = shared_data_dir / "fintech" / "adbench" / f"{name}.npz"
            data = _load(path)
            runs[name] = (
                run_table_detection(data, n_boot=20, seed=0),
                run_table_detection(data, label_fraction=0.05, n_boot=20, seed=0),
            )
        _CACHE["runs"] = runs
    return _CACHE["runs"]


def _pooled_difference(pairs, model: str, baseline: str, n_boot: int = 200):
    """Paired bootstrap interval of (mean over the sets of ROC-AUC) model minus baseline, rows resampled."""
    from livinglab.trust import bootstrap_difference_ci

    ys, ms, bs = [], [], []
    for k, run in enumerate(pairs):
        frame = run.evaluated
        ys.append(k * 2 + frame["label"].to_numpy())  # the set rides along in the label
        ms.append(frame[model].to_numpy())
        bs.append(frame[baseline].to_numpy())
    n_sets = len(pairs)

    def mean_auc(y, s):
        return float(np.mean([ev.roc_auc(y[(y // 2) == k] % 2, s[(y // 2) == k]) for k in range(n_sets)]))

    return bootstrap_difference_ci(
        mean_auc, np.concatenate(ys), np.concatenate(ms), np.concatenate(bs), n_boot=n_boot
    )


def test_unsupervised_combination_holds_up_against_the_default_isolation_forest(adbench):
    unsup = {name: pair[0].metrics for name, pair in adbench.items()}
    for name, m in unsup.items():
        assert m["detection_mode"] == "unsupervised" and m["evaluation"] == "on all rows scored"
        assert m["roc_auc"] >= m["roc_auc_iforest"] - 0.02, (name, m["roc_auc"], m["roc_auc_iforest"])
        assert m["roc_auc"] >= REFERENCE[name] - 0.02, (name, m["roc_auc"], REFERENCE[name])
        assert m["fit_score_s"] < 10, (name, m["fit_score_s"])
    mean = np.mean([m["roc_auc"] for m in unsup.values()])
    mean_iforest = np.mean([m["roc_auc_iforest"] for m in unsup.values()])
    assert mean >= mean_iforest and mean >= np.mean(list(REFERENCE.values())), (mean, mean_iforest)
    difference = _pooled_difference([pair[0] for pair in adbench.values()], "score", "score_iforest")
    assert difference.low > 0, difference


def test_five_percent_of_the_labels_reach_the_target_without_falling_below_the_unsupervised_score(adbench):
    semi = {name: pair[1].metrics for name, pair in adbench.items()}
    for name, m in semi.items():
        assert m["detection_mode"] == "semi-supervised"
        assert m["evaluation"] == "on the rows whose labels were not revealed"
        assert m["n_revealed_anomalies"] >= 1 and m["rows_evaluated"] == m["rows"] - m["n_revealed"]
        assert m["roc_auc_semisupervised"] >= m["roc_auc_unsupervised"] - 0.02, name
        assert m["fit_score_s"] < 10, (name, m["fit_score_s"])
    assert np.mean([m["roc_auc_semisupervised"] for m in semi.values()]) >= 0.93
    # the strongest baseline with the same labels: a logistic regression on the revealed rows
    runs = [pair[1] for pair in adbench.values()]
    assert _pooled_difference(runs, "score", "score_lr").low > 0
    assert _pooled_difference(runs, "score", "score_unsupervised").low > 0


_RUNNER: dict = {}


def _run(path, tmp_path_factory, **overrides):
    from livinglab.runner import run_pilots

    key = (str(path), tuple(sorted(overrides.items())))
    if key not in _RUNNER:
        run = run_pilots(
            ["fintech"],
            profile="smoke",
            overrides={"data_path": str(path), **overrides},
            out=tmp_path_factory.mktemp("fintech-real"),
            progress=False,
        )
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
    html = (result.directory / "fintech.html").read_text() + card
    for phrase in SYNTHETIC_ONLY:
        assert phrase not in html, phrase
    return html


def test_the_ulb_slice_through_data_path_only(shared_data_dir, tmp_path_factory):
    path = shared_data_dir / "fintech" / "creditcard_ulb_head7972.csv"
    result = _run(path, tmp_path_factory)
    m = result.metrics
    assert m["data_kind"] == "features" and m["rows"] == 7_972 and m["anomalies_evaluated"] == 25
    assert m["n_features"] == 29  # V1..V28 and Amount; Time is the time column, Class the label
    assert m["interval_method"].startswith("blocks of time resampled (20 blocks of 9 min")
    assert m["roc_auc"] >= m["roc_auc_iforest"] - 0.02
    html = _names_its_file(path, result)
    assert "spanning 3.1 h" in html and "column 'Class' is the label" in html


def test_an_adbench_set_through_the_runner_with_revealed_labels(shared_data_dir, tmp_path_factory):
    path = shared_data_dir / "fintech" / "adbench" / "44_Wilt.npz"
    result = _run(path, tmp_path_factory, label_fraction="0.05")
    m = result.metrics
    assert m["detection_mode"] == "semi-supervised" and m["n_revealed_anomalies"] == 13
    assert m["roc_auc_semisupervised"] >= 0.9 and m["roc_auc_iforest"] < 0.5
    html = _names_its_file(path, result)
    assert "4,819 rows, 5 numeric feature(s)" in html and "ULB" not in html and "card data" not in html


@pytest.mark.notebook
def test_real_mode_reads_the_catalogue_slice(shared_data_dir, tmp_path, monkeypatch):
    from livinglab.paths import project_root
    from livinglab.runner import run_pilots

    monkeypatch.setenv("LIVINGLAB_ROOT", str(project_root()))
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(shared_data_dir))
    result = run_pilots(
        ["fintech"], profile="smoke", overrides={"data_mode": "real"}, out=tmp_path / "runs", progress=False
    ).results[0]
    assert result.status == "ok", result.error
    m = result.metrics
    assert m["data_source"] == "mirror:ulb-creditcard-fraud" and m["rows"] == 7_972
    assert m["anomalies_evaluated"] == 25 and 0 <= m["pr_auc"] <= 1
    card = json.loads((result.directory / "model_card.json").read_text())
    assert card["data"][0]["synthetic"] is False
