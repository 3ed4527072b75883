"""The synthetic cohort: calibration to the published figures, truth, dropout, missingness, determinism."""

import numpy as np
import pandas as pd
import pytest

from pilots.health.synthetic.cohort import (
    SCORE_RANGES,
    CohortSpec,
    centred_effects,
    generate_cohort,
    population_shares,
    synthetic_subject_ids,
    true_progression_rates,
)
from pilots.health.synthetic.reference import cohort_facts, fact, fact_sd


@pytest.fixture(scope="module")
def big():
    return generate_cohort(4000, 1500, seed=11)


def test_reference_table_is_attributed():
    facts = cohort_facts()
    assert {"luxpark_pd_age_at_onset", "luxpark_pd_updrs3", "ppmi_rate_updrs3"} <= set(facts.index)
    assert facts["source"].str.len().gt(5).all() and facts["reference"].str.startswith("http").all()
    assert fact("luxpark_pd_age_at_onset") == 62.3 and fact_sd("luxpark_pd_updrs3") == 16.3
    with pytest.raises(KeyError, match="No published fact"):
        fact("made_up")


def test_baseline_calibrated_to_luxpark(big):
    """Within tolerances wider than sampling error at n=4000 (SE of a mean ~ SD/63)."""
    base = big.baseline()
    pdb, hc = base[base["group"] == "PD"], base[base["group"] == "control"]
    assert pdb["age_at_onset"].mean() == pytest.approx(62.3, abs=0.8)
    assert pdb["age_at_onset"].std() == pytest.approx(11.8, abs=1.0)
    assert (pdb["sex"] == "male").mean() == pytest.approx(0.665, abs=0.03)
    assert pdb["updrs3"].mean() == pytest.approx(35.2, abs=1.5)
    assert pdb["updrs3"].std() == pytest.approx(16.3, abs=1.5)
    assert pdb["disease_duration"].mean() == pytest.approx(4.9, abs=0.4)
    assert pdb["disease_duration"].std() == pytest.approx(5.2, abs=0.7)
    assert (pdb["age_at_onset"] < 50).mean() == pytest.approx(0.15, abs=0.03)
    assert pdb["moca"].median() == 26 and pdb["hy"].median() == 2
    assert hc["updrs3"].median() == pytest.approx(2, abs=1)
    assert (hc["sex"] == "male").mean() == pytest.approx(0.54, abs=0.04)
    assert hc["age"].median() == pytest.approx(60.8, abs=1.5)


def test_scores_in_range_and_types(big):
    v = big.visits
    for col, (lo, hi) in SCORE_RANGES.items():
        values = v[col].dropna()
        assert values.between(lo, hi).all(), col
    assert set(v.loc[v["group"] == "PD", "hy"].dropna().unique()) <= {1, 2, 3, 4, 5}
    assert (v.loc[v["group"] == "control", ["hy", "ledd", "updrs4"]].fillna(0) == 0).all().all()
    assert not v.duplicated(["subject_id", "visit"]).any()
    assert v["visit"].max() == 5 and v.groupby("subject_id")["years"].is_monotonic_increasing.all()


def test_missing_values_and_dropout_depend_on_severity(big):
    v = big.visits
    for col in ("updrs3", "moca", "ledd"):
        assert 0.005 < v[col].isna().mean() < 0.15
    assert v["carrier"].isna().mean() > 0.05
    pdv = v[v["group"] == "PD"].sort_values(["subject_id", "visit"])
    follow = pdv.groupby("subject_id")["visit"].max()
    base = pdv[pdv["visit"] == 0].set_index("subject_id")["updrs3"]
    severe = base > base.median()
    # more severe people leave earlier (severity-dependent dropout), and retention falls with visits
    assert follow[severe[severe].index].mean() < follow[severe[~severe].index].mean() - 0.2
    counts = pdv.groupby("visit").size()
    assert counts.is_monotonic_decreasing and counts.iloc[-1] < 0.6 * counts.iloc[0]


def test_true_rates_are_consistent():
    spec = CohortSpec()
    rates = true_progression_rates(spec)
    assert rates.loc[rates["factor"] == "overall", "rate"].item() == pytest.approx(fact("ppmi_rate_updrs3"))
    shares = population_shares(spec)
    for factor, part in rates[rates["factor"] != "overall"].groupby("factor"):
        weighted = (part["rate"] * part["level"].map(shares[factor])).sum()
        assert weighted == pytest.approx(spec.rate_updrs3), (
            factor
        )  # centred effects average to the overall rate
    eff = centred_effects(spec)
    assert (
        eff["subtype"]["PIGD"] > eff["subtype"]["TD"] and eff["onset_band"][">=70"] > eff["onset_band"]["<50"]
    )


def test_personal_slopes_average_to_the_truth(big):
    """Per-person least-squares slopes (people with >= 4 visits) centre on the true subgroup rates."""
    pdv = big.visits[(big.visits["group"] == "PD")].dropna(subset=["updrs3"])
    g = pdv.groupby("subject_id")
    n = g.size()
    keep = n[n >= 4].index
    d = pdv[pdv["subject_id"].isin(keep)]
    t_mean = d.groupby("subject_id")["years"].transform("mean")
    y_mean = d.groupby("subject_id")["updrs3"].transform("mean")
    slope = ((d["years"] - t_mean) * (d["updrs3"] - y_mean)).groupby(d["subject_id"]).sum() / (
        (d["years"] - t_mean) ** 2
    ).groupby(d["subject_id"]).sum()
    subtype = d.groupby("subject_id")["subtype"].first()
    by = slope.groupby(subtype).mean()
    truth = big.true_rates.set_index(["factor", "level"])["rate"]
    assert by["PIGD"] == pytest.approx(truth["subtype", "PIGD"], abs=0.35)
    assert by["TD"] == pytest.approx(truth["subtype", "TD"], abs=0.35)


def test_deterministic_ids_and_data():
    a, b = generate_cohort(60, 40, seed=3), generate_cohort(60, 40, seed=3)
    pd.testing.assert_frame_equal(a.visits, b.visits)
    ids = synthetic_subject_ids(60, 40, 3)
    assert len(set(ids)) == 100 and set(a.visits["subject_id"]) == set(ids)
    assert all(i.startswith("SYN-") and len(i) == 12 for i in ids)
    assert set(generate_cohort(60, 40, seed=4).visits["subject_id"]).isdisjoint(ids)


def test_generator_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_pd must be an integer"):
        generate_cohort(1, 10)
    with pytest.raises(ValueError, match="max_years"):
        generate_cohort(10, 10, max_years=0)
    assert np.isclose(
        generate_cohort(20, 0, seed=1)
        .true_rates.set_index(["factor", "level"])
        .loc[("subtype", "PIGD"), "rate"],
        true_progression_rates().set_index(["factor", "level"]).loc[("subtype", "PIGD"), "rate"],
    )


def test_the_generators_pilot_yaml_names_write_the_contracts_names_and_are_deterministic():
    """Each design's generator: a frame in its contract's names (checked like a file), labelled synthetic,
    the same frame for the same seed and another for another seed."""
    from pilots.health.contract import CONTRACTS
    from pilots.health.synthetic import make_case_control, make_longitudinal

    params = {"n_pd": 30, "n_controls": 20, "max_years": 3, "records_per_subject": 4, "seed": 7}
    for make, name in ((make_longitudinal, "longitudinal"), (make_case_control, "case_control")):
        frame = make(params)
        CONTRACTS[name].check(frame, name)
        assert "synthetic" in frame.attrs["generator"] and make.__name__ in frame.attrs["generator"]
        pd.testing.assert_frame_equal(frame, make(params))
        assert not frame.equals(make({**params, "seed": 8}))
    cohort = make_longitudinal(params)
    assert {"subject", "time", "score", "group"} <= set(cohort.columns) and "updrs3" not in cohort.columns
    assert set(cohort["group"]) == {"PD", "control"} and cohort["time"].max() < 4
    records = make_case_control(params)
    assert set(records["label"]) == {"PD", "control"} and records["subject"].nunique() == 50
