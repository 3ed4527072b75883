"""Subgroup metrics checked against a hand-computed example."""

import numpy as np
import pandas as pd
import pytest

from livinglab.trust import subgroup_report


def accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def mae(y_true, y_pred):
    return float(np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred))))


@pytest.fixture
def example():
    # Group A: 4 rows, 3 correct (accuracy 3/4, MAE 1/4).
    # Group B: 6 rows, 2 correct (accuracy 1/3, MAE 4/6).
    # Group C: 2 rows, both correct (accuracy 1, MAE 0): small with min_count=3.
    y_true = [1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    y_pred = [1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0]
    sex = pd.Series(["A"] * 4 + ["B"] * 6 + ["C"] * 2, name="grp")
    return y_true, y_pred, sex


def test_values_counts_and_gap_match_hand_computation(example):
    y_true, y_pred, sex = example
    report = subgroup_report({"accuracy": accuracy, "mae": mae}, y_true, y_pred, sex, min_count=3, n_boot=50)
    table = report.table.set_index("group")
    assert table.loc["A", "n"] == 4 and table.loc["B", "n"] == 6 and table.loc["C", "n"] == 2
    assert table.loc["A", "accuracy"] == pytest.approx(0.75)
    assert table.loc["B", "accuracy"] == pytest.approx(1 / 3)
    assert table.loc["B", "mae"] == pytest.approx(4 / 6)
    assert table["small_group"].to_dict() == {"A": False, "B": False, "C": True}
    assert report.small_groups == ["C"]

    acc_gap = report.gaps["accuracy"]
    assert acc_gap["largest_gap"] == pytest.approx(0.75 - 1 / 3)  # C (1.0) is small and left out
    assert (acc_gap["best"], acc_gap["worst"]) == ("A", "B")
    assert acc_gap["excluded_small_groups"] == ["C"]
    mae_gap = report.gaps["mae"]
    assert mae_gap["higher_is_better"] is False  # "mae" is an error: lower is better
    assert (mae_gap["best"], mae_gap["worst"]) == ("A", "B")
    assert mae_gap["largest_gap"] == pytest.approx(4 / 6 - 1 / 4)
    assert report.overall["accuracy"].estimate == pytest.approx(7 / 12)


def test_small_groups_count_when_fewer_than_two_groups_are_large(example):
    y_true, y_pred, sex = example
    report = subgroup_report({"accuracy": accuracy}, y_true, y_pred, sex, min_count=5, n_boot=50)
    gap = report.gaps["accuracy"]
    assert gap["includes_small_groups"] is True
    assert gap["largest_gap"] == pytest.approx(1.0 - 1 / 3)
    assert (gap["best"], gap["worst"]) == ("C", "B")


def test_intervals_bracket_values_and_direction_override(example):
    y_true, y_pred, sex = example
    report = subgroup_report(
        {"score": accuracy}, y_true, y_pred, sex, min_count=1, n_boot=100, higher_is_better={"score": False}
    )
    t = report.table
    assert (t["score_low"] <= t["score"] + 1e-12).all() and (t["score"] <= t["score_high"] + 1e-12).all()
    assert report.gaps["score"]["best"] == "B"  # told that lower is better
    md = report.to_markdown()
    assert "| A | 4 |" in md and "largest gap" in md


def test_several_sensitive_features_and_missing_values():
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    frame = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "age": rng.choice(["<60", "60+", None], n)})
    report = subgroup_report({"accuracy": accuracy}, y, y, frame, n_boot=20)
    assert set(report.table.columns) >= {"group", "sex", "age", "n", "accuracy", "small_group"}
    assert "F, (missing)" in set(report.table["group"])
    assert report.table["n"].sum() == n
    assert (report.table["accuracy"] == 1.0).all()
    d = report.as_dict()
    assert d["gaps"]["accuracy"]["largest_gap"] == 0.0 and len(d["groups"]) == len(report.table)


def test_clustered_intervals_are_wider():
    rng = np.random.default_rng(3)
    subject = np.repeat(np.arange(60), 10)
    y = rng.normal(0, 1, 60)[subject] + rng.normal(0, 0.2, 600)
    group = pd.Series(np.where(subject < 30, "a", "b"))
    naive = subgroup_report({"mae": mae}, y, np.zeros(600), group, n_boot=100)
    grouped = subgroup_report({"mae": mae}, y, np.zeros(600), group, n_boot=100, groups=subject)
    naive_width = (naive.table["mae_high"] - naive.table["mae_low"]).to_numpy()
    grouped_width = (grouped.table["mae_high"] - grouped.table["mae_low"]).to_numpy()
    assert (grouped_width > 1.5 * naive_width).all()


def test_misaligned_sensitive_is_refused():
    with pytest.raises(ValueError, match="aligned"):
        subgroup_report({"accuracy": accuracy}, [1, 0], [1, 0], pd.Series(["a", "b", "c"]))


def test_each_group_gets_its_own_rows_in_their_order_and_its_own_labels():
    """Interleaved groups of two features: a metric that reads the first and the last row of what it is
    given, and the features each table row names, are those of that group's rows as they came."""
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"site": rng.choice(["s1", "s2", "s3"], n), "hour": rng.choice(["07", "08"], n)})
    y_true, y_pred = np.arange(n, dtype=float), rng.normal(size=n)

    def first_and_last(yt, yp):
        return float(np.asarray(yt)[0] * 1000 + np.asarray(yt)[-1])

    report = subgroup_report({"ends": first_and_last}, y_true, y_pred, frame, n_boot=10, min_count=1)
    for row in report.table.itertuples():
        rows = np.flatnonzero((frame["site"] == row.site) & (frame["hour"] == row.hour))
        assert row.group == f"{row.site}, {row.hour}" and row.n == len(rows)
        assert row.ends == rows[0] * 1000 + rows[-1]
    assert report.overall["ends"].estimate == n - 1


def test_pages_name_a_metric_in_words_not_by_its_key(example):
    """The fairness answer and the gap lines say "macro-F1" and "alert share", never "macro_f1" (seen on a
    public-sector card: "Subgroups by language: macro_f1 differs by 0.060")."""
    from livinglab.claims import largest_gap

    y_true, y_pred, sex = example
    report = subgroup_report(
        {"macro_f1": accuracy, "alert_share": mae}, y_true, y_pred, sex, min_count=3, n_boot=20,
        higher_is_better={"alert_share": False},
    )  # fmt: skip
    gap = largest_gap({"by group": report})
    assert gap["metric"] in {"macro-F1", "alert share"} and gap["metric_key"] in {"macro_f1", "alert_share"}
    text = report.to_markdown()
    assert "**macro-F1**" in text and "**alert share**" in text and "macro_f1" not in text


def test_a_metric_that_describes_a_group_has_no_best_group_and_is_never_the_fairness_gap(example):
    """A group's base rate (fraud share) or its alert share is not a performance: no group is "best" at having
    less fraud (seen on the ledger card: "fraud share (lower is better) ... resident, corporate (best, 0.004)").
    ``higher_is_better=None`` says so: the page gives the range without best or worst, and the fairness
    answer (``largest_gap``) only reads metrics with a direction, even when the range is the larger."""
    from livinglab.claims import largest_gap

    y_true, y_pred, sex = example
    prevalence = lambda t, p: float(np.mean(np.asarray(t)) * 10)  # noqa: E731  a range larger than accuracy's
    report = subgroup_report(
        {"accuracy": accuracy, "fraud_share": prevalence}, y_true, y_pred, sex, min_count=3, n_boot=20,
        higher_is_better={"fraud_share": None},
    )  # fmt: skip
    described = report.gaps["fraud_share"]
    assert described["best"] is None and described["worst"] is None
    assert described["lowest"] in {"A", "B"} and described["highest"] in {"A", "B"}
    text = report.to_markdown()
    line = next(x for x in text.splitlines() if "**fraud share**" in x)
    assert "best" not in line and "worst" not in line and "is better" not in line
    gap = largest_gap({"by group": report})
    assert gap["metric_key"] == "accuracy" and gap["best"] == "A"


def test_the_fairness_answer_names_the_groups_too_small_to_compare(example):
    from livinglab.claims import largest_gap

    y_true, y_pred, sex = example
    report = subgroup_report({"accuracy": accuracy}, y_true, y_pred, sex, min_count=3, n_boot=20)
    assert largest_gap({"by group": report})["excluded_small_groups"] == ["C"]


def test_a_gap_says_whether_the_best_and_worst_groups_intervals_overlap(example):
    """The case-control card gave "ROC-AUC differs by 0.111 between male (best, 0.710) and female (worst,
    0.599)" as a finding, with intervals [0.515, 0.804] and [0.418, 0.804]: a gap inside the noise. Every
    gap line, the card's summary and the fairness answer say whether the two intervals overlap."""
    from livinglab.claims import largest_gap
    from livinglab.trust.subgroups import _gap

    table = pd.DataFrame(
        {
            "group": ["A", "B", "C"], "n": [100, 100, 100], "small_group": [False] * 3,
            "auc": [0.71, 0.60, 0.65], "auc_low": [0.52, 0.42, 0.61], "auc_high": [0.80, 0.80, 0.69],
        }
    )  # fmt: skip
    assert _gap(table, "auc", True)["intervals_overlap"] is True
    apart = table.assign(auc_low=[0.70, 0.55, 0.61], auc_high=[0.72, 0.65, 0.69])
    assert _gap(apart, "auc", True)["intervals_overlap"] is False
    y_true, y_pred, sex = example
    report = subgroup_report({"accuracy": accuracy}, y_true, y_pred, sex, min_count=3, n_boot=50)
    gap = report.gaps["accuracy"]
    assert gap["intervals_overlap"] in (True, False)
    line = next(x for x in report.to_markdown().splitlines() if "largest gap" in x)
    assert ("intervals overlap" in line) is gap["intervals_overlap"]
    assert "intervals" in largest_gap({"by group": report})["evidence"]


def test_a_described_metrics_group_names_stay_text():
    """The range line of a metric that describes a group names groups from the data: as the gap lines do,
    it writes them through md_inline (no live link on the card)."""
    from livinglab.escaping import md_inline

    y_true = [1, 0, 1, 0, 0, 0, 1, 1]
    y_pred = [1, 0, 1, 0, 0, 0, 1, 1]
    group = pd.Series(["[click](http://x.example)"] * 4 + ["plain"] * 4, name="grp")
    share = lambda t, p: float(np.mean(np.asarray(t)))  # noqa: E731
    report = subgroup_report({"fraud_share": share}, y_true, y_pred, group, min_count=1, n_boot=10,
                             higher_is_better={"fraud_share": None})  # fmt: skip
    line = next(x for x in report.to_markdown().splitlines() if "**fraud share**" in x)
    assert md_inline("[click](http://x.example)") in line and "[click](http://x.example)" not in line
