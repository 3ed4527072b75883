"""Privacy: pseudonyms (the key from the seed for synthetic data, required for real data), the k-anonymous
extract, DP through OpenDP with a budget, public counts, leaks."""

import numpy as np
import pandas as pd
import pytest

from livinglab.trust import PseudonymKeyMissing, pseudonym_key
from pilots.health.privacy import (
    PSEUDONYM_LENGTH,
    BudgetExceeded,
    DPRelease,
    PrivacyBudget,
    age_band,
    dp_means,
    k_anonymity,
    k_anonymous_extract,
    pseudonymise_subjects,
    public_count,
    rounded_count,
)
from pilots.health.run import run
from pilots.health.synthetic import generate_cohort, synthetic_subject_ids

from .pages import identifier_leaks

KEY = "a-test-key-that-is-long-enough"


def _frame():
    return pd.DataFrame({"sid": ["P1", "P2", "P1", "P3"], "x": [1, 2, 3, 4]})


def test_real_pseudonyms_need_the_key(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyMissing, match="LIVINGLAB_PSEUDONYM_KEY"):
        pseudonymise_subjects(_frame(), "sid", key=pseudonym_key("real"))


def test_pseudonyms_are_stable_for_a_key_and_depend_on_it(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)
    a = pseudonymise_subjects(_frame(), "sid", key=pseudonym_key("file"))
    b = pseudonymise_subjects(_frame(), "sid", key=pseudonym_key("real"))
    assert "sid" not in a.columns and list(a.columns) == ["pid", "x"]
    assert a["pid"].tolist() == b["pid"].tolist() and a["pid"].iloc[0] == a["pid"].iloc[2]
    assert a["pid"].nunique() == 3 and a["pid"].str.fullmatch(f"[0-9a-f]{{{PSEUDONYM_LENGTH}}}").all()
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY + "-other")
    c = pseudonymise_subjects(_frame(), "sid", key=pseudonym_key("file"))
    assert set(c["pid"]).isdisjoint(a["pid"])
    # synthetic data: a key derived from the seed, whatever the environment says: the same run gives the
    # same pseudonyms (and so the same subject-grouped folds); another seed, others
    s1, s2 = (pseudonymise_subjects(_frame(), "sid", key=pseudonym_key("synthetic", 3)) for _ in range(2))
    s3 = pseudonymise_subjects(_frame(), "sid", key=pseudonym_key("synthetic", 4))
    assert s1["pid"].tolist() == s2["pid"].tolist() and set(s1["pid"]).isdisjoint(s3["pid"])
    assert set(s1["pid"]).isdisjoint(a["pid"])


def test_real_data_are_refused_without_a_key(monkeypatch, tmp_path):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    path = tmp_path / "cohort.csv"  # files the contracts take (20 persons; 10 of each label)
    path.write_text(
        "subject,time,score\n" + "".join(f"p{i},{t},{i + t}\n" for i in range(20) for t in (0, 1))
    )
    with pytest.raises(PseudonymKeyMissing, match="LIVINGLAB_PSEUDONYM_KEY"):
        run({"data_path": str(path)})
    records = tmp_path / "records.csv"
    records.write_text(
        "subject,label,f\n" + "".join(f"p{i},{'PD' if i % 2 else 'control'},{i}\n" for i in range(20))
    )
    with pytest.raises(PseudonymKeyMissing, match="LIVINGLAB_PSEUDONYM_KEY"):
        run({"data_path": str(records)}, design="case_control")


def test_prepared_synthetic_data_contain_no_raw_identifier():
    result = run({"n_pd": 60, "n_controls": 30, "n_boot": 20, "n_boot_clusters": 5, "seed": 5})
    raw = set(synthetic_subject_ids(60, 30, 5))
    assert "subject" not in result.cohort.data.columns
    assert raw.isdisjoint(result.cohort.data.astype(str).stack().unique())
    assert result.cohort.n_subjects == 90 and result.data.is_synthetic
    assert result.metrics["progression_slope_true"] is not None


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


def _people(n_pd=120, n_controls=60, seed=0):
    return generate_cohort(n_pd, n_controls, seed=seed).baseline().rename(columns={"updrs3": "score"})


def test_dp_means_release_no_exact_value_and_spend_the_budget_evenly():
    base = _people()
    table, budget = dp_means(base, {"score": (0.0, 132.0), "age": (0.0, 120.0)}, 1.0)
    assert list(table.columns) == ["statistic", "group", "n", "dp_value", "noise_sd", "noise_95", "epsilon"]
    assert len(table) == 4 and table["epsilon"].sum() <= 1.0 and budget.spent == pytest.approx(1.0)
    assert table["epsilon"].nunique() == 1
    # the Laplace scale of a bounded mean over n people: (upper - lower) / (n * epsilon)
    row = table.set_index(["statistic", "group"]).loc[("age, mean", "control")]
    assert row["noise_sd"] == pytest.approx(np.sqrt(2) * 120 / (60 * 0.25), rel=1e-3)
    assert table["dp_value"].between(0, 132).all()
    # a variable that is structurally absent in a group is not released for it (no imputed mean of nothing)
    onset, _ = dp_means(base, {"age_at_onset": (0.0, 120.0)}, 1.0)
    assert onset["group"].tolist() == ["PD"]
    small, _ = dp_means(base.iloc[:63], {"age": (0.0, 120.0)}, 1.0, min_cell=5)  # 3 controls: not released
    assert small["group"].tolist() == ["PD"]


def test_the_budget_refuses_a_release_beyond_epsilon():
    base = _people()
    budget = PrivacyBudget(base, 0.5)
    budget.mean("age", (0.0, 120.0), n=120, epsilon=0.3, group_value="PD")
    with pytest.raises(BudgetExceeded, match="refused"):
        budget.mean("score", (0.0, 132.0), n=120, epsilon=0.3, group_value="PD")
    assert budget.spent == pytest.approx(0.3) and len(budget.releases) == 1
    budget.mean("score", (0.0, 132.0), n=120, epsilon=0.19, group_value="PD")  # what is left is still usable
    assert budget.remaining == pytest.approx(0.01, abs=1e-6)
    # OpenDP's filter refuses by itself, whatever the Python-side bookkeeping says, and then closes
    measurement, _ = budget.mean_measurement("moca", (0.0, 30.0), n=120, epsilon=0.05, group_value="PD")
    with pytest.raises(Exception, match="exceed privacy budget"):
        budget._filter(measurement)
    small, _ = budget.mean_measurement("moca", (0.0, 30.0), n=120, epsilon=0.001, group_value="PD")
    with pytest.raises(Exception, match="exhausted"):
        budget._filter(small)


def test_the_95_percent_noise_interval_covers_95_percent_not_90():
    """Many releases of the same mean: the stated 95% noise interval must hold the exact value 95% of the
    time; a 90% interval (or 1.645 SD) must fail this band with any seed."""
    base = _people(200, 0)
    exact = float(base["age"].clip(0, 120).mean())
    budget = PrivacyBudget(base, 1.0, group=None)
    measurement, scale = budget.mean_measurement("age", (0.0, 120.0), n=len(base), epsilon=0.05)
    draws = np.array([measurement(base) for _ in range(3000)])
    release = DPRelease("age, mean", "all", 0.0, 0.05, scale)
    covered = np.abs(draws - exact) <= release.noise_halfwidth(0.95)
    assert 0.935 <= covered.mean() <= 0.965, covered.mean()
    narrower = np.abs(draws - exact) <= release.noise_halfwidth(0.90)
    assert not 0.935 <= narrower.mean() <= 0.965
    assert np.std(draws) == pytest.approx(release.noise_sd, rel=0.08)


def test_public_counts():
    assert public_count(0) == "0" and public_count(3) == "<5" and public_count(5) == "5"
    assert public_count(1234) == "1,234" and public_count(2, min_cell=3) == "<3"
    assert rounded_count(23) == "~25" and rounded_count(22) == "~20"


def test_identifier_leaks():
    ids = ["SYN-0000ABCD", "SYN-1234FFFF"]
    html = (
        "<p>mean 0.9233249731279112</p><img src='data:image/png;base64,iVBORw0KGgo3f9c0d2e1b47788aa=='>"
        "<td>SYN-1234FFFF</td>"
    )
    assert identifier_leaks(html, ids) == ["SYN-1234FFFF"]
    assert identifier_leaks("<td>3f9c0d2e1b477881</td>") == ["3f9c0d2e1b477881"]
    assert identifier_leaks("<td>Luxembourg 12345678901234567</td>") == []


def test_a_partner_file_without_the_key_is_refused_before_any_kernel(monkeypatch, tmp_path, capsys):
    from livinglab.cli import main

    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("subject,time,score\na,0,10\na,1,12\n", encoding="utf-8")
    code = main(["run", "health", "--out", str(tmp_path / "runs"), "-p", "data_path", str(cohort)])
    assert code == 2 and "LIVINGLAB_PSEUDONYM_KEY" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_the_released_extract_shows_a_formula_from_the_data_as_text(tmp_path, monkeypatch):
    """The k-anonymous extract is a CSV people open in a spreadsheet: a partner's value such as
    ``=HYPERLINK(...)`` is written as text (a leading ``'``), not run as a formula."""
    from types import SimpleNamespace

    import pandas as pd

    from pilots.health import report

    monkeypatch.setenv("LIVINGLAB_OUTPUT_DIR", str(tmp_path))
    monkeypatch.setattr(report, "release_sentence", lambda result: "released")
    monkeypatch.setattr(report, "display", lambda *a, **k: None)
    extract = pd.DataFrame({"region": ['=HYPERLINK("http://x.example","open")', "Nord"], "n": [-1, 2]})
    result = SimpleNamespace(
        extract=extract,
        data=SimpleNamespace(is_synthetic=True),
        params={},
        kreport=SimpleNamespace(k=5),
    )
    report.release(result)
    written = (tmp_path / "baseline_extract_k5.csv").read_text()
    assert "'=HYPERLINK" in written and ",-1\n" in written
