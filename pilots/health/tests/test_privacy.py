"""Privacy: pseudonyms (key required for real data), k-anonymous extract, DP noise, leak detection."""

import time

import numpy as np
import pandas as pd
import pytest

from livinglab.trust import PseudonymKeyMissing, k_anonymity
from pilots.health.privacy import (
    PSEUDONYM_LENGTH,
    age_band,
    dp_release,
    identifier_leaks,
    k_anonymity_sentence,
    k_anonymous_extract,
    pseudonymise_subjects,
)
from pilots.health.study import load_study
from pilots.health.synthetic import generate_cohort, synthetic_subject_ids

KEY = "a-test-key-that-is-long-enough"


def _frame():
    return pd.DataFrame({"sid": ["P1", "P2", "P1", "P3"], "x": [1, 2, 3, 4]})


def test_real_pseudonyms_need_the_key(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyMissing, match="LIVINGLAB_PSEUDONYM_KEY"):
        pseudonymise_subjects(_frame(), "sid", real=True)


def test_pseudonyms_are_stable_for_a_key_and_depend_on_it(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)
    a = pseudonymise_subjects(_frame(), "sid", real=True)
    b = pseudonymise_subjects(_frame(), "sid", real=True)
    assert "sid" not in a.columns and list(a.columns) == ["pid", "x"]
    assert a["pid"].tolist() == b["pid"].tolist() and a["pid"].iloc[0] == a["pid"].iloc[2]
    assert a["pid"].nunique() == 3 and a["pid"].str.fullmatch(f"[0-9a-f]{{{PSEUDONYM_LENGTH}}}").all()
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY + "-other")
    c = pseudonymise_subjects(_frame(), "sid", real=True)
    assert set(c["pid"]).isdisjoint(a["pid"])
    # synthetic mode: a fresh random key each time, whatever the environment says
    s1, s2 = (pseudonymise_subjects(_frame(), "sid", real=False) for _ in range(2))
    assert set(s1["pid"]).isdisjoint(s2["pid"]) and set(s1["pid"]).isdisjoint(a["pid"])


def test_real_mode_fails_fast_without_a_key(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    t0 = time.perf_counter()
    with pytest.raises(PseudonymKeyMissing, match="Real-data mode needs a pseudonymisation key"):
        load_study("real")
    assert time.perf_counter() - t0 < 2


def test_synthetic_study_contains_no_raw_identifier():
    study = load_study("synthetic", n_pd=40, n_controls=20, seed=5)
    raw = set(synthetic_subject_ids(40, 20, 5))
    assert "subject_id" not in study.visits.columns
    assert raw.isdisjoint(study.visits.astype(str).stack().unique())
    assert study.n_subjects == 60 and study.is_synthetic and study.true_rates is not None


def test_age_band():
    assert age_band(pd.Series([64.9, 65.0, np.nan])).tolist() == ["60-64", "65-69", None]
    assert age_band(pd.Series([64.0]), 20).tolist() == ["60-79"]


def test_k_anonymous_extract():
    base = generate_cohort(150, 80, seed=1).baseline()
    qi = ["age_band", "sex", "region"]
    raw = pd.DataFrame({"age_band": age_band(base["age"]), "sex": base["sex"], "region": base["region"]})
    assert k_anonymity(raw, qi) < 5  # some combinations are unique before release
    extract, report = k_anonymous_extract(base, 5, columns=("group",))
    assert k_anonymity(extract, qi) >= 5 and report.k_after >= 5
    assert report.rows_out == len(extract) == len(base) - report.rows_suppressed
    assert not {"subject_id", "pid", "age"} & set(extract.columns)
    assert set(extract["region"].dropna()) <= {"Luxembourg", "Diekirch", "Grevenmacher"}
    sentence = k_anonymity_sentence(report)
    assert f"{report.rows_suppressed} rows were suppressed" in sentence and "k = 5" not in sentence[:20]


def test_dp_release_noise_matches_the_mechanism():
    base = generate_cohort(300, 200, seed=0).baseline()
    table = dp_release(base, 1.0, rng=0)
    assert table["epsilon_each"].iloc[0] == pytest.approx(1.0 / len(table), abs=1e-4)  # budget split evenly
    exact = table.set_index(["statistic", "group"])["exact"]
    assert exact["participants, n", "PD"] == 300 and exact["participants, n", "control"] == 200
    # empirical noise of the count over many releases ~ sqrt(2) * n_queries / epsilon
    releases = [
        dp_release(base, 1.0, rng=seed, means=()).set_index(["statistic", "group"]) for seed in range(200)
    ]
    errors = np.array([r.loc[("participants, n", "control"), "dp"] - 200 for r in releases])
    expected_sd = np.sqrt(2) * 4 / 1.0  # 4 released figures without means
    assert np.std(errors) == pytest.approx(expected_sd, rel=0.25)
    tight = dp_release(base, 100.0, rng=1)
    assert (tight["abs_error"] < table["abs_error"].max()).all()


def test_identifier_leaks():
    ids = ["SYN-0000ABCD", "SYN-1234FFFF"]
    html = (
        "<p>mean 0.9233249731279112</p><img src='data:image/png;base64,iVBORw0KGgo3f9c0d2e1b47788aa=='>"
        "<td>SYN-1234FFFF</td>"
    )
    assert identifier_leaks(html, ids) == ["SYN-1234FFFF"]
    assert identifier_leaks("<td>3f9c0d2e1b477881</td>") == ["3f9c0d2e1b477881"]
    assert identifier_leaks("<td>Luxembourg 12345678901234567</td>") == []


def test_a_long_format_cohort_file_runs_through_the_whole_analysis(tmp_path, monkeypatch):
    from pilots.health import pipeline

    v = generate_cohort(120, 0, seed=8).visits
    frame = pd.DataFrame(
        {
            "PATNO": v["subject_id"],
            "MONTHS": v["years"] * 12,
            "NP3": v["updrs3"],
            "AGE": v["age"],
            "GENDER": v["sex"],
            "SUBTYPE": v["subtype"],
            "ONSET": v["age_at_onset"],
            "MOCA": v["moca"],
            "HY": v["hy"],
            "UPDRS1": v["updrs1"],
            "UPDRS2": v["updrs2"],
        }
    )
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False)
    columns = {
        "subject": "PATNO",
        "time": "MONTHS",
        "updrs3": "NP3",
        "age": "AGE",
        "sex": "GENDER",
        "subtype": "SUBTYPE",
        "age_at_onset": "ONSET",
        "moca": "MOCA",
        "hy": "HY",
        "updrs1": "UPDRS1",
        "updrs2": "UPDRS2",
    }
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyMissing):
        load_study("real", cohort_path=str(path), cohort_columns=columns)
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)
    study = load_study("real", cohort_path=str(path), cohort_columns=columns, time_unit="months")
    assert study.source.label == "file:cohort.csv" and not study.is_synthetic
    assert set(study.subgroup_factors) == {"sex", "subtype", "onset_band"}
    metrics = pipeline.run(
        "real",
        cohort_path=str(path),
        cohort_columns=columns,
        cohort_time_unit="months",
        n_boot=20,
        n_boot_clusters=5,
    )
    assert metrics["n_subjects"] == 120 and metrics["progression_slope_true"] is None
    assert (
        1.0 < metrics["progression_slope"] < 4.0
        and metrics["mae_next_visit"] < metrics["mae_next_visit_baseline"]
    )
    assert metrics["k_anonymity_k"] >= 5
    no_sex = {k: v for k, v in columns.items() if k != "sex"}
    with pytest.raises(Exception, match="must name a column for sex"):
        load_study("real", cohort_path=str(path), cohort_columns=no_sex)
