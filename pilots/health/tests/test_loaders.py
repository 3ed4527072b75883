"""Loaders: sanitised telemonitoring columns, the long-format cohort mapping and its clear errors."""

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from pilots.health.loaders import (
    TELEMONITORING_COLUMNS,
    VOICE_FEATURES,
    CohortDataError,
    load_long_cohort,
    load_telemonitoring,
    sanitise_column_names,
)
from pilots.health.synthetic import generate_cohort

MAPPING = {
    "subject": "PATNO",
    "time": "YEARS",
    "updrs3": "NP3TOT",
    "sex": "SEX",
    "moca": "MOCA",
    "subtype": "SUBTYPE",
}


@pytest.fixture
def cohort_file_frame():
    v = generate_cohort(30, 0, seed=2).visits
    return pd.DataFrame(
        {
            "PATNO": v["subject_id"],
            "YEARS": v["years"],
            "NP3TOT": v["updrs3"],
            "SEX": v["sex"].str[0].str.upper(),
            "MOCA": v["moca"],
            "SUBTYPE": v["subtype"],
            "EXTRA": 1,
        }
    )


def _telemonitoring_like(n_subjects=3, per_subject=4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = n_subjects * per_subject
    frame = pd.DataFrame({c: rng.uniform(0.001, 0.5, n) for c in TELEMONITORING_COLUMNS})
    frame["subject#"] = np.repeat(np.arange(1, n_subjects + 1), per_subject)
    frame["age"] = np.repeat([60, 70, 55], per_subject)[:n]
    frame["sex"] = np.repeat([0, 1, 0], per_subject)[:n]
    frame["test_time"] = np.tile(np.arange(per_subject) * 30.0, n_subjects)
    frame["motor_UPDRS"] = rng.uniform(10, 30, n)
    frame["total_UPDRS"] = frame["motor_UPDRS"] + 8
    return frame


def test_sanitise_column_names():
    assert sanitise_column_names(["Jitter(%)", "Shimmer:APQ3", "subject#", "Shimmer(dB)", "motor_UPDRS"]) == [
        "jitter_pct",
        "shimmer_apq3",
        "subject",
        "shimmer_db",
        "motor_updrs",
    ]
    with pytest.raises(CohortDataError, match="both become"):
        sanitise_column_names(["a b", "a-b"])


def test_long_cohort_maps_and_validates(cohort_file_frame):
    out = load_long_cohort(cohort_file_frame, MAPPING)
    assert {"subject", "years", "updrs3", "sex", "moca", "subtype", "visit", "group"} <= set(out.columns)
    assert "EXTRA" not in out.columns and set(out["sex"].dropna()) <= {"male", "female"}
    assert out.groupby("subject")["visit"].min().eq(0).all()


def test_long_cohort_from_csv_and_time_unit(tmp_path, cohort_file_frame):
    frame = cohort_file_frame.assign(YEARS=cohort_file_frame["YEARS"] * 12)
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False)
    out = load_long_cohort(path, MAPPING, time_unit="months")
    assert out["years"].max() == pytest.approx(cohort_file_frame["YEARS"].max(), abs=1e-6)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f.drop(columns=["NP3TOT"]), r"no column 'NP3TOT' \(for updrs3\)"),
        (
            lambda f: f.assign(NP3TOT=f["NP3TOT"].astype(object).where(f.index != 3, "severe")),
            r"'NP3TOT' \(updrs3\) must be numeric .* 'severe' \(row\(s\) 3\)",
        ),
        (
            lambda f: pd.concat([f, f.iloc[[5]]], ignore_index=True),
            r"2 rows share a subject and a visit time",
        ),
        (
            lambda f: f.assign(NP3TOT=f["NP3TOT"].where(f.index != 7, 140.0)),
            r"'NP3TOT' \(updrs3\) must be within 0-132 \(the MDS-UPDRS part III range\) .* e\.g\. 140 \(row\(s\) 7\)",
        ),
        (lambda f: f.assign(MOCA=f["MOCA"].where(f.index != 2, 31.0)), r"MoCA range"),
        (lambda f: f.assign(YEARS=f["YEARS"].where(f.index != 1, -0.5)), r"\(time\) must be within 0-80"),
        (lambda f: f.assign(SEX=f["SEX"].where(f.index != 4, "X")), r"must be male/female"),
        (
            lambda f: f.assign(SUBTYPE=f["SUBTYPE"].where(f.index != 4, "tremor")),
            r"one of PIGD, TD, indeterminate",
        ),
        (lambda f: f.assign(PATNO=f["PATNO"].where(f.index != 0, None)), r"is empty in 1 row"),
    ],
)
def test_long_cohort_bad_inputs_give_one_clear_sentence(cohort_file_frame, mutate, message):
    with pytest.raises(CohortDataError, match=message) as err:
        load_long_cohort(mutate(cohort_file_frame), MAPPING)
    text = str(err.value)
    assert "\n" not in text and len(text) < 400
    assert not any(sid in text for sid in cohort_file_frame["PATNO"].dropna().unique())  # rows, never ids


def test_long_cohort_mapping_errors(cohort_file_frame):
    with pytest.raises(CohortDataError, match="must name a column for time, updrs3"):
        load_long_cohort(cohort_file_frame, {"subject": "PATNO"})
    with pytest.raises(CohortDataError, match="Unknown standard name"):
        load_long_cohort(cohort_file_frame, {**MAPPING, "weight": "EXTRA"})
    with pytest.raises(CohortDataError, match="time_unit"):
        load_long_cohort(cohort_file_frame, MAPPING, time_unit="weeks")
    with pytest.raises(CohortDataError, match="does not exist"):
        load_long_cohort("/nonexistent/cohort.csv", MAPPING)
    with pytest.raises(CohortDataError, match="has no rows"):
        load_long_cohort(cohort_file_frame.iloc[:0], MAPPING)


def test_telemonitoring_loader_on_a_small_frame():
    out = load_telemonitoring(_telemonitoring_like())
    assert set(VOICE_FEATURES) <= set(out.columns) and "jitter_pct" in out.columns
    assert out["years"].max() == pytest.approx(90 / 365.25)
    assert set(out["sex"]) == {"male", "female"}


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f.drop(columns=["Shimmer:APQ3"]), "lacks column"),
        (
            lambda f: f.assign(motor_UPDRS=f["motor_UPDRS"].where(f.index != 2, 150.0)),
            r"motor_UPDRS must be within 0-108",
        ),
        (lambda f: f.assign(HNR=f["HNR"].astype(object).where(f.index != 1, "n/a")), r"HNR must be numeric"),
        (lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True), "identical row"),
        (lambda f: f.assign(sex=f["sex"].where(f.index != 0, 2)), r"sex must be within 0-1"),
    ],
)
def test_telemonitoring_bad_inputs(mutate, message):
    with pytest.raises(CohortDataError, match=message):
        load_telemonitoring(mutate(_telemonitoring_like()))


def test_raw_telemonitoring_names_are_refused_by_lightgbm_and_sanitised_ones_work():
    """The STACK.md trap: LightGBM refuses JSON special characters in feature names."""
    raw = _telemonitoring_like()
    X_raw = raw[list(TELEMONITORING_COLUMNS[6:])]
    with pytest.raises(lgb.basic.LightGBMError, match="special JSON characters"):
        lgb.LGBMRegressor(n_estimators=2, verbose=-1, min_child_samples=1).fit(X_raw, raw["motor_UPDRS"])
    clean = load_telemonitoring(raw)
    lgb.LGBMRegressor(n_estimators=2, verbose=-1, min_child_samples=1).fit(
        clean[list(VOICE_FEATURES)], clean["motor_updrs"]
    )


@pytest.mark.realdata
def test_mirror_copy_loads(shared_data_dir):
    out = load_telemonitoring(shared_data_dir / "health" / "parkinsons_updrs.data")
    assert out.shape[0] == 5875 and out["subject"].nunique() == 42
    assert out["motor_updrs"].between(0, 108).all()
