"""Table 1 suppression, time to event, leak-free forecasts against baselines, case-control validation, clustering."""

import numpy as np
import pandas as pd
import pytest

from pilots.health.data import prepare_case_control
from pilots.health.model import forecast as pr
from pilots.health.model import mae
from pilots.health.model.classify import calibration_line, evaluate
from pilots.health.model.clustering import cluster_profiles
from pilots.health.model.survival import analyse_endpoint, fit_cox, time_to_event
from pilots.health.privacy.table1 import table_one
from pilots.health.synthetic import generate_case_control

from .pages import count_small_cells, recoverable_cells

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
    # controls: GBA = 1 hidden, and the only other non-zero cell (none = 19) withheld as its complement (it is
    # not small: it says so); the row's other group (PD none = 35) withheld too, Overall minus it would give 19
    assert table.loc[("Carrier", "GBA, n (%)"), "control"] == "<5"
    assert table.loc[("Carrier", "none, n (%)"), "control"] == "withheld"
    assert table.loc[("Carrier", "none, n (%)"), "PD"] == "withheld"
    assert recoverable_cells(table) == []
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


# ----------------------------------------------------------------------------------------- forecast


def test_forecast_frame_uses_the_past_only_and_the_horizon():
    v = pd.DataFrame(
        {
            "pid": ["a"] * 5 + ["b"] * 2,
            "years": [0, 0.1, 0.3, 0.5, 0.6, 0, 1.0],
            "score": [10, 14, np.nan, 20, 21, 30, 31],
        }
    )
    f = pr.forecast_frame(v).set_index(["pid", "years"])
    assert list(f.index) == [("a", 0), ("a", 0.1), ("a", 0.5), ("b", 0)]  # the last assessment has no target
    assert f.loc[("a", 0.1), "target"] == 20 and f.loc[("a", 0.1), "gap_years"] == pytest.approx(0.4)
    assert f.loc[("a", 0.1), "score_prev"] == 10 and f.loc[("a", 0.1), "score_mean_so_far"] == 12
    assert f.loc[("a", 0.1), "score_slope_so_far"] == pytest.approx(40.0)
    assert f.loc[("a", 0.1), "deviation"] == 2 and np.isnan(f.loc[("a", 0), "score_slope_so_far"])
    h = pr.forecast_frame(v, horizon=0.45).set_index(["pid", "years"])
    assert h.loc[("a", 0), "target"] == 20 and h.loc[("a", 0.1), "target"] == 21  # first >= 0.45 later
    assert ("a", 0.5) not in h.index and h.loc[("b", 0), "target"] == 31  # never into the next person


def test_history_features_ignore_the_future():
    """Changing a later assessment must not change the features of an earlier row."""
    from pilots.health.synthetic import generate_cohort

    v = generate_cohort(60, 0, seed=3).visits.rename(columns={"subject_id": "pid", "updrs3": "score"})
    before = pr.forecast_frame(v)
    later = v.groupby("pid")["years"].transform("max") == v["years"]
    after = pr.forecast_frame(v.assign(score=v["score"].where(~later, v["score"] + 50)))
    cols = ["score", "score_prev", "score_mean_so_far", "score_slope_so_far", "deviation", "n_prior"]
    pd.testing.assert_frame_equal(before[cols], after[cols])
    assert (after["target"] - before["target"]).isin([0, 50]).all()


def test_personal_trend_model_beats_the_strongest_baseline_on_held_out_people():
    from livinglab.trust import bootstrap_difference_ci
    from pilots.health.synthetic import generate_cohort

    v = generate_cohort(300, 0, seed=2).visits.rename(columns={"subject_id": "pid", "updrs3": "score"})
    frame = pr.forecast_frame(v)
    res = pr.forecast_cv(frame, ["age", "sex", "moca"], shap_rows=300, recordwise=False)
    p = res.predictions
    assert p.groupby("subject")["fold"].nunique().eq(1).all()  # a person in one fold
    maes = {c: mae(p["y"], p[c]) for c in ("model", "lightgbm", *pr.BASELINES)}
    strongest = min(pr.BASELINES, key=maes.get)
    assert strongest == "locf_trend" and maes["locf_trend"] < maes["locf"] < maes["mean"]
    diff = bootstrap_difference_ci(mae, p["y"], p["model"], p[strongest], groups=p["subject"], n_boot=200)
    assert diff.high < 0, diff
    # the model believes a noisy own trend less than LOCF + own trend does (coefficient below 1) and lets a
    # single assessment regress to the person's mean (negative coefficient), in every fold
    assert (res.coefficients["own trend x gap"] < 1).all() and (
        res.coefficients["score - own mean so far"] < 0
    ).all()
    # exact TreeSHAP: contributions + bias = LightGBM's predicted change
    rows = res.shap.index
    change = p.loc[rows, "lightgbm"] - frame.loc[rows, "score"]
    assert np.allclose(res.shap.sum(axis=1), change, atol=1e-6)
    imp = pr.shap_importance(res.shap)
    assert imp["share"].sum() == pytest.approx(1.0)


def test_forecast_cv_rejects_too_few_people():
    v = pd.DataFrame({"pid": list("aabbcc"), "years": [0, 1] * 3, "score": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(ValueError, match="at least 5 participants"):
        pr.forecast_cv(pr.forecast_frame(v))


# ----------------------------------------------------------------------------------------- case-control


def test_case_control_records_correlate_within_a_person():
    data = generate_case_control(40, 20, 6, seed=1)
    per_person = data.groupby("subject")
    assert per_person["status"].nunique().eq(1).all() and per_person.size().min() >= 2
    assert data.groupby("subject")["status"].first().sum() == 40
    # most of a measure's variance is between people (intraclass correlation well above 0.5)
    x = np.log(data["jitter_pct"])
    within = x.groupby(data["subject"]).transform(lambda s: s - s.mean()).var()
    assert 1 - within / x.var() > 0.6
    assert list(generate_case_control(40, 20, 6, seed=1)["hnr_db"]) == list(data["hnr_db"])  # deterministic


def test_record_wise_validation_is_measurably_optimistic_and_grouped_folds_keep_people_apart():
    data = generate_case_control(60, 30, 6, seed=0).rename(columns={"status": "label"})
    prepared = prepare_case_control(data)
    records = prepared.frame.rename(columns={"subject": "pid"})
    res = evaluate(records, prepared.frame.attrs["features"], n_boot=100, seed=0)
    assert res.predictions.groupby("subject")["fold"].nunique().eq(1).all()
    grouped, leaky = res.cis["auc_lightgbm"], res.cis["auc_lightgbm_recordwise"]
    assert 0.55 < grouped.estimate < 0.9 and leaky.estimate > 0.95
    assert res.differences["recordwise_minus_grouped"].low > 0.1  # the optimism, with its interval
    assert 0.5 < res.person_auc["lightgbm"].estimate < 0.95
    for name in ("lightgbm", "logistic"):
        cal = res.calibration[name]
        assert len(cal["predicted"]) == len(cal["observed"]) >= 4 and np.isfinite(cal["slope"])
    assert res.importance["share"].sum() == pytest.approx(1.0)


def test_case_control_refuses_too_few_people_of_a_label():
    data = generate_case_control(20, 3, 4, seed=0).rename(columns={"status": "label"})
    prepared = prepare_case_control(data)
    records = prepared.frame.rename(columns={"subject": "pid"})
    with pytest.raises(ValueError, match="at least 5 persons of each label"):
        evaluate(records, prepared.frame.attrs["features"], n_boot=20)


def test_calibration_line_recovers_a_known_miscalibration():
    rng = np.random.default_rng(0)
    logit = rng.normal(0, 2, 20000)
    y = rng.random(20000) < 1 / (1 + np.exp(-logit))
    too_extreme = 1 / (1 + np.exp(-2 * logit))  # twice the true log-odds: slope 0.5
    intercept, slope = calibration_line(y, too_extreme)
    assert slope == pytest.approx(0.5, abs=0.05) and abs(intercept) < 0.1


# ----------------------------------------------------------------------------------------- clustering


def test_clustering_stability_separates_structure_from_noise():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 0], [6, 6, 0], [0, 6, 6]])
    blobs = pd.DataFrame(np.vstack([rng.normal(c, 1, (80, 3)) for c in centres]), columns=["a", "b", "score"])
    res = cluster_profiles(blobs, ["a", "b", "score"], n_boot=15)
    assert res.k == 3 and res.stability > 0.9
    assert list(res.profiles["score"]) == sorted(res.profiles["score"])  # ordered mild -> severe
    noise = pd.DataFrame(rng.normal(0, 1, (240, 3)), columns=["a", "b", "score"])
    assert cluster_profiles(noise, ["a", "b", "score"], k=4, n_boot=15).stability < res.stability - 0.2
