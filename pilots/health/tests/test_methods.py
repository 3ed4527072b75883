"""Table 1 suppression, time to event with censoring, leak-free prediction, SHAP, clustering stability."""

import numpy as np
import pandas as pd
import pytest

from pilots.health import prediction as pr
from pilots.health.clustering import cluster_profiles
from pilots.health.survival import analyse_endpoint, fit_cox, km_summary, time_to_event
from pilots.health.table1 import count_small_cells, table_one

# ----------------------------------------------------------------------------------------- Table 1


def _baseline():
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "group": ["PD"] * 40 + ["control"] * 20,
            "age": rng.normal(65, 8, n),
            "carrier": ["none"] * 35 + ["GBA"] * 3 + ["LRRK2"] * 2 + ["none"] * 19 + ["GBA"] * 1,
            "sex": ["male"] * 25 + ["female"] * 15 + ["male"] * 10 + ["female"] * 10,
            "moca": np.r_[rng.normal(26, 2, 57), [np.nan] * 3],
        }
    )


def test_table_one_suppresses_small_cells_and_their_complement():
    table, n_hidden = table_one(
        _baseline(), "group", {"age": "Age", "moca": "MoCA"}, {"carrier": "Carrier", "sex": "Sex"}, min_cell=5
    )
    assert count_small_cells(table, 5) == 0
    assert table.loc[("Carrier", "GBA, n (%)"), "PD"] == "<5"
    assert table.loc[("Carrier", "LRRK2, n (%)"), "PD"] == "<5"
    # controls: GBA = 1 hidden, and the only other non-zero cell (none = 19) hidden as its complement
    assert table.loc[("Carrier", "GBA, n (%)"), "control"] == "<5"
    assert table.loc[("Carrier", "none, n (%)"), "control"] == "<5"
    assert table.loc[("MoCA", "missing, n"), "control"] == "<5"  # 3 missing
    assert table.loc[("Sex", "male, n (%)"), "PD"].startswith("25 (62.5)")
    assert table.loc[("N", ""), "Overall"] == "60"
    assert n_hidden >= 5
    assert table.loc[("Age", "mean (SD)"), "PD"].count("(") == 1


def test_table_one_hides_a_whole_small_group():
    base = _baseline()
    base.loc[:2, "group"] = "tiny"
    table, _ = table_one(base, "group", {"age": "Age"}, {"sex": "Sex"}, min_cell=5)
    assert table["tiny"].str.contains("not shown").all()


# ----------------------------------------------------------------------------------------- survival


def _visits_for_survival():
    return pd.DataFrame(
        {
            "pid": ["a"] * 4 + ["b"] * 3 + ["c"] * 3 + ["d"] * 1 + ["e"] * 3,
            "years": [0, 1, 2, 3, 0, 1, 2, 0, 1.1, 2.0, 0, 0, 1, 2],
            "hy": [2, 2, 3, 3, 1, 2, 2, 3, 3, 4, 2, np.nan, 2, 3],
        }
    )


def test_time_to_event_with_censoring_and_prevalent_cases():
    tte = time_to_event(_visits_for_survival(), "hy", ">=", 3).set_index("pid")
    assert tte.loc["a", "event"] and tte.loc["a", "duration"] == 2  # first seen at year 2
    assert not tte.loc["b", "event"] and tte.loc["b", "duration"] == 2  # censored at the last visit
    assert "c" not in tte.index  # already at stage 3: not at risk
    assert "d" not in tte.index  # one assessment: no follow-up
    assert tte.loc["e", "event"] and tte.loc["e", "duration"] == 1  # first assessed at year 1
    assert tte.attrs["n_prevalent"] == 1 and tte.attrs["n_single_assessment"] == 1


def test_km_and_cox_on_synthetic_cohort():
    from pilots.health.synthetic import generate_cohort

    v = generate_cohort(500, 0, seed=4).visits.rename(columns={"subject_id": "pid"})
    base = v[v["visit"] == 0][["pid", "age", "sex", "carrier", "moca", "subtype"]].rename(
        columns={"moca": "baseline_moca"}
    )
    res = analyse_endpoint(
        v, base, "cognitive", by="carrier", covariates=["age", "sex", "carrier", "baseline_moca"]
    )
    assert res.n_events > 30 and res.n_at_risk > res.n_events
    hr = res.cox_summary["hazard_ratio"]
    assert hr["baseline_moca"] < 1 and hr["age"] > 1  # generator: lower MoCA, older -> sooner
    assert "carrier_GBA" in hr.index and "carrier_none" not in hr.index  # 'none' is the reference
    summ = km_summary(res.km, [1, 3])
    assert set(summ["group"]) >= {"none"} and summ["event_free"].dropna().between(0, 1).all()
    small = summ[summ["at_risk"].astype(str).str.startswith("<")]
    assert small["event_free"].isna().all()
    with pytest.raises(KeyError, match="Unknown endpoint"):
        analyse_endpoint(v, base, "death")


def test_cox_recovers_a_known_hazard_ratio():
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.integers(0, 2, n)
    t = rng.exponential(1 / (0.2 * np.exp(np.log(2.0) * x)))
    c = rng.uniform(0, 6, n)
    data = pd.DataFrame({"duration": np.minimum(t, c), "event": t <= c, "x": x})
    summ, conc, used = fit_cox(data, ["x"], penalizer=0.0)
    assert summ.loc["x", "hazard_ratio"] == pytest.approx(2.0, rel=0.12) and used == n and conc > 0.5


# ----------------------------------------------------------------------------------------- prediction


def test_next_visit_features_use_the_past_only():
    v = pd.DataFrame(
        {"pid": ["a"] * 4 + ["b"] * 2, "years": [0, 1, 2, 3, 0, 1.0], "updrs3": [10, 14, np.nan, 20, 30, 31]}
    )
    f = pr.next_visit_frame(v).set_index(["pid", "years"])
    assert list(f.index) == [("a", 0), ("a", 1), ("b", 0)]  # last observed visit has no target
    assert f.loc[("a", 1), "target"] == 20 and f.loc[("a", 1), "gap_years"] == 2  # skips the missing visit
    assert f.loc[("a", 1), "updrs3_prev"] == 10 and f.loc[("a", 1), "updrs3_mean_so_far"] == 12
    assert f.loc[("a", 1), "updrs3_slope_so_far"] == pytest.approx(4.0)
    assert np.isnan(f.loc[("a", 0), "updrs3_slope_so_far"])


def _subject_dominated(n_subjects=60, per=30, seed=0):
    """The target is mostly a per-subject level that features can only identify, not explain."""
    rng = np.random.default_rng(seed)
    subject = np.repeat(np.arange(n_subjects), per)
    level = rng.normal(0, 10, n_subjects)[subject]
    fingerprint = rng.normal(0, 1, (n_subjects, 3))[subject] + rng.normal(0, 0.05, (len(subject), 3))
    return pd.DataFrame(
        {
            "pid": subject.astype(str),
            "f1": fingerprint[:, 0],
            "f2": fingerprint[:, 1],
            "f3": fingerprint[:, 2],
            "y": level + rng.normal(0, 1, len(subject)),
        }
    )


def test_grouped_folds_keep_subjects_apart_and_record_wise_leaks():
    data = _subject_dominated()
    grouped = pr.cross_validate(
        data,
        ["f1", "f2", "f3"],
        "y",
        split="grouped",
        baselines={"mean": "mean"},
        params={"n_estimators": 100},
    )
    folds = grouped.predictions.groupby("subject")["fold"].nunique()
    assert (folds == 1).all()
    leaky = pr.cross_validate(
        data, ["f1", "f2", "f3"], "y", split="record-wise", shap_rows=0, params={"n_estimators": 100}
    )
    assert leaky.mae() < 0.5 * grouped.mae()  # identity leaks through the fingerprint
    assert grouped.mae() > 0.8 * grouped.mae("mean")  # nothing generalises to new subjects


def test_model_beats_locf_on_synthetic_next_visit_and_shap_adds_up():
    from pilots.health.synthetic import generate_cohort

    v = generate_cohort(400, 0, seed=2).visits.rename(columns={"subject_id": "pid"})
    frame = pr.next_visit_frame(v)
    res = pr.cross_validate(
        frame,
        pr.NEXT_VISIT_FEATURES,
        "target",
        baselines={"locf": "locf:updrs3", "drift": "drift:updrs3:gap_years"},
        shap_rows=300,
    )
    assert res.mae() < res.mae("locf")
    assert res.mae("drift") < res.mae("locf")  # the cohort trend is real
    # exact TreeSHAP: contributions + bias = the prediction of the fold's model
    rows = res.shap.index
    assert np.allclose(res.shap.sum(axis=1), res.predictions.loc[rows, "pred"], atol=1e-6)
    imp = pr.shap_importance(res)
    assert imp.index[0].startswith("updrs3") and imp["share"].sum() == pytest.approx(1.0)


def test_cross_validate_rejects_bad_requests():
    data = _subject_dominated(n_subjects=3, per=5)
    with pytest.raises(ValueError, match="at least 5 subjects"):
        pr.cross_validate(data, ["f1"], "y")
    with pytest.raises(ValueError, match="split must be"):
        pr.cross_validate(data, ["f1"], "y", split="random")


# ----------------------------------------------------------------------------------------- clustering


def test_clustering_stability_separates_structure_from_noise():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 0], [6, 6, 0], [0, 6, 6]])
    blobs = pd.DataFrame(
        np.vstack([rng.normal(c, 1, (80, 3)) for c in centres]), columns=["a", "b", "updrs3"]
    )
    res = cluster_profiles(blobs, ["a", "b", "updrs3"], n_boot=15)
    assert res.k == 3 and res.stability > 0.9
    assert list(res.profiles["updrs3"]) == sorted(res.profiles["updrs3"])  # ordered mild -> severe
    noise = pd.DataFrame(rng.normal(0, 1, (240, 3)), columns=["a", "b", "updrs3"])
    assert cluster_profiles(noise, ["a", "b", "updrs3"], k=4, n_boot=15).stability < res.stability - 0.2
