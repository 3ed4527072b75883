"""A partner's file through livinglab.load and data.py: codings, duplicates, bad times, CRLF, errors that work
as printed."""

import json
import re

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab.contract import ContractError
from livinglab.pilots import get_pilot
from pilots.health import data
from pilots.health.contract import CONTRACTS
from pilots.health.data import (
    apply_value_codes,
    check_score_range,
    prepare_case_control,
    prepare_longitudinal,
    sanitise_column_names,
)

KEY = "a-test-key-that-is-long-enough"


def load_cohort(data_path, **params):
    """The longitudinal design's first steps, as ``run`` takes them: load (read once, contract), prepare."""
    loaded = livinglab.load("health", "longitudinal", {"data_path": str(data_path), **params}, record=False)
    mapping = loaded.applied.mapping if loaded.applied else None
    return data.longitudinal(loaded.frame, loaded.params, key=KEY, mapping=mapping), loaded


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)


def quirky_cohort(n_subjects: int = 30, seed: int = 0) -> pd.DataFrame:
    """A telemonitoring-like long file: several recordings a session (duplicate subject-times), sex coded
    0/1, a few negative times (before recruitment), a score in its own column name, voice-like extras."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(1, n_subjects + 1):
        base, slope, sex, age = rng.uniform(10, 35), rng.normal(6, 4), s % 2, rng.integers(45, 80)
        days = np.r_[[-3.0] if s <= 6 else [], np.sort(rng.choice(np.arange(0, 180), 14, replace=False))]
        for d in days:
            for _ in range(rng.integers(1, 4)):  # 1-3 recordings of the same session
                rows.append(
                    {
                        "Patient No": f"P{s:03d}",
                        "gender": sex,
                        "Age (y)": age,
                        "day": d,
                        "Motor score": round(base + slope * max(d, 0) / 365.25, 3),
                        "Jitter(%)": rng.lognormal(-5, 0.3),
                        "HNR": rng.normal(21, 3),
                    }
                )
    return pd.DataFrame(rows)


COLUMNS = {"subject": "Patient No", "time": "day", "score": "Motor score", "sex": "gender", "age": "Age (y)"}
CODES = {"sex": {"0": "male", "1": "female"}}


@pytest.fixture
def crlf_file(tmp_path):
    frame = quirky_cohort()
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False, sep=";", lineterminator="\r\n")
    assert b"\r\n" in path.read_bytes()
    return path, frame


def test_crlf_file_with_duplicates_codes_and_negative_times(crlf_file):
    path, raw = crlf_file
    study, loaded = load_cohort(
        path,
        columns=COLUMNS,
        time_unit="days",
        score_name="motor score",
        score_range=[0, 108],
        value_codes=CODES,
    )
    c = study.counts
    assert loaded.mode == "file" and not loaded.is_synthetic and loaded.source.sha256
    assert c["rows_read"] == len(raw)
    assert c["rows_negative_time"] == int((raw["day"] < 0).sum()) == raw.loc[raw["day"] < 0].shape[0] > 0
    sessions = raw[raw["day"] >= 0].groupby(["Patient No", "day"]).size()
    assert c["assessments"] == len(sessions) == len(study.data)
    assert c["rows_sharing_subject_time"] == int(sessions[sessions > 1].sum())
    assert set(study.data["sex"]) == {"male", "female"}
    assert study.data["years"].min() >= 0 and study.data["years"].max() < 0.5  # days -> years
    assert {"jitter_pct", "hnr"} <= set(study.covariates)  # extras, sanitised for LightGBM
    # the mean of a session's duplicate recordings is kept
    first = raw[(raw["Patient No"] == "P010") & (raw["day"] >= 0)].sort_values("day")
    expected = first.groupby("day")["HNR"].mean().iloc[0]
    assert (
        study.data.sort_values("years")
        .groupby("pid")
        .head(1)["hnr"]
        .round(9)
        .isin([round(expected, 9)])
        .any()
    )
    assert not study.data.astype(str).isin(raw["Patient No"].unique()).any().any()  # pseudonymised
    assert any("0 -> male" in n for n in study.notes)


def test_duplicates_rule_and_visit_resolution():
    frame = pd.DataFrame(
        {
            "subject": ["a"] * 4 + ["b"] * 2,
            "time": [0.0, 0.2, 0.3, 5.0, 1.0, 1.0],
            "score": [10.0, 20.0, 30.0, 40.0, 5.0, 7.0],
        }
    )
    out = prepare_longitudinal(frame, time_unit="days", duplicates="median", visit_resolution=1)
    a = out.frame[out.frame["subject"] == "a"]
    assert a["score"].tolist() == [20.0, 40.0] and out.counts["rows_sharing_subject_time"] == 5
    assert out.frame.loc[out.frame["subject"] == "b", "score"].tolist() == [6.0]
    first = prepare_longitudinal(frame, time_unit="days", duplicates="first", visit_resolution=1)
    assert first.frame.loc[first.frame["subject"] == "a", "score"].tolist() == [10.0, 40.0]
    exact = prepare_longitudinal(frame, time_unit="days")
    assert exact.counts["rows_sharing_subject_time"] == 2 and exact.counts["assessments"] == 5


def test_implausible_times_are_dropped_and_counted():
    plausible = pd.DataFrame(
        {"subject": np.repeat(list("bcdefghijk"), 3), "time": [0.0, 1, 2] * 10, "score": 1.0}
    )
    frame = pd.DataFrame({"subject": ["a", "a", "a"], "time": [-1.0, 2.0, 95.0], "score": [1.0, 2, 3]})
    out = prepare_longitudinal(pd.concat([frame, plausible], ignore_index=True))
    assert out.counts["rows_negative_time"] == 1 and out.counts["rows_implausible_time"] == 1
    assert out.counts["assessments"] == 31
    with pytest.raises(ContractError, match="time_unit"):
        prepare_longitudinal(frame, time_unit="fortnights")
    with pytest.raises(ContractError, match="duplicates must be one of"):
        prepare_longitudinal(frame, duplicates="max")


def _example(message: str, parameter: str) -> dict:
    """The JSON example a message gives for ``-p <parameter> '...'``."""
    found = re.search(rf"-p {parameter} '(\{{.*?\}})'", message)
    assert found, message
    return json.loads(found.group(1))


def test_missing_mapping_names_the_columns_parameter_with_an_example_that_works(crlf_file):
    path, _ = crlf_file
    partial = {"subject": "Patient No", "time": "day"}  # the score is not mapped and not guessable by name
    with pytest.raises(ContractError) as err:
        load_cohort(path, columns=partial, time_unit="days", value_codes=CODES)
    message = str(err.value)
    assert "columns" in message and "'score'" in message and "\n" not in message
    example = _example(message, "columns")
    assert example.get("score") == "Motor score"  # the proposal found it, so the example runs as printed
    study, _ = load_cohort(path, columns=example, time_unit="days", value_codes=CODES)
    assert study.n_subjects == 30


def test_value_codes_must_cover_every_code_and_the_example_works(crlf_file):
    path, _ = crlf_file
    with pytest.raises(ContractError) as err:
        load_cohort(path, columns=COLUMNS, time_unit="days", value_codes={"sex": {"0": "male"}})
    message = str(err.value)
    assert "value_codes['sex']" in message and "['1']" in message
    example = _example(message, "value_codes")
    example["sex"] = {k: ("female" if v == "<label>" else v) for k, v in example["sex"].items()}
    study, _ = load_cohort(path, columns=COLUMNS, time_unit="days", value_codes=example)
    assert set(study.data["sex"]) == {"male", "female"}


def test_without_codes_or_scale_nothing_is_assumed(crlf_file):
    path, _ = crlf_file
    study, _ = load_cohort(path, columns=COLUMNS, time_unit="days")
    assert study.score_label == "Motor score" and study.score_range is None
    assert set(study.data["sex"]) == {"0", "1"}
    text = " ".join(study.notes)
    assert "score_name" in text and "score_range" in text and "coded 0/1" in text


def test_score_outside_the_given_scale_is_refused(crlf_file):
    path, _ = crlf_file
    with pytest.raises(
        ContractError,
        match=r"'Motor score' \(mapped to 'score'\) has \d+ value\(s\) outside score_range \[0, 10\], e\.g\. row "
        r"\d+: .*correct -p score_range",
    ):
        load_cohort(path, columns=COLUMNS, time_unit="days", score_range=[0, 10])


def test_each_design_has_its_contract_and_score_range_is_checked():
    pilot = get_pilot("health")
    assert [pilot.contract_of(d).name for d in pilot.designs.values()] == ["longitudinal", "case_control"]
    assert check_score_range([0, 108]) == (0.0, 108.0) and check_score_range("[0, 108]") == (0.0, 108.0)
    assert check_score_range([]) is None
    for bad in ([108], [10, 0], ["a", "b"], 5):
        with pytest.raises(ContractError, match="score_range must be"):
            check_score_range(bad)
    assert "| `score` | number | yes |" in CONTRACTS["longitudinal"].to_markdown()


def test_value_codes_by_file_column_name_and_errors():
    frame = pd.DataFrame({"sex": [0, 1, 1.0, None]})
    notes = apply_value_codes(frame, {"gender": {0: "m", 1: "f"}}, {"sex": "gender"})
    assert frame["sex"].tolist() == ["m", "f", "f", None] and notes
    with pytest.raises(ContractError, match="neither a contract name nor a column"):
        apply_value_codes(frame, {"colour": {"1": "x"}}, {})
    with pytest.raises(ContractError, match="value_codes must map"):
        apply_value_codes(frame, {"sex": ["male"]}, {})


def test_case_control_subject_pattern_labels_and_features():
    rows = pd.DataFrame(
        {
            "subject": [f"phon_R01_S{p:02d}_{r}" for p in range(1, 7) for r in range(1, 4)],
            "label": ["1"] * 9 + ["0"] * 9,
            "MDVP:Fo(Hz)": np.arange(18.0) + 100.5,  # a measure (0, 1, 2 ... would number the rows)
            "HNR": np.arange(18.0) * 2,
        }
    )
    out = prepare_case_control(rows, subject_pattern=r"^(.*)_\d+$")
    assert out.counts == {
        "rows_read": 18,
        "duplicate_records": 0,
        "rows_missing_subject_or_label": 0,
        "records": 18,
        "persons": 6,
        "cases": 3,
        "controls": 3,
    }
    assert out.frame.attrs["features"] == ["mdvp_fo_hz", "hnr"] and out.frame.attrs["case"] == "1"
    named = rows.assign(label=np.where(rows["label"] == "1", "PD", "healthy control"))
    assert prepare_case_control(named, subject_pattern=r"^(.*)_\d+$").frame.attrs["case"] == "PD"
    with pytest.raises(ContractError, match="both labels"):
        prepare_case_control(rows.assign(subject=["A", "B"] * 9))  # A and B each have cases and controls
    with pytest.raises(ContractError, match="case_label 'PD' is not a value"):
        prepare_case_control(rows, subject_pattern=r"^(.*)_\d+$", case_label="PD")
    with pytest.raises(ContractError, match="has no group"):
        prepare_case_control(rows, subject_pattern=r"_\d+$")


def test_sanitise_column_names():
    assert sanitise_column_names(["Jitter(%)", "Shimmer:APQ3", "subject#", "Shimmer(dB)", "motor_UPDRS"]) == [
        "jitter_pct",
        "shimmer_apq3",
        "subject",
        "shimmer_db",
        "motor_updrs",
    ]
    with pytest.raises(ContractError, match="both become"):
        sanitise_column_names(["a b", "a-b"])


@pytest.mark.realdata
def test_telemonitoring_file_through_parameters_only(shared_data_dir):
    study, _ = load_cohort(
        shared_data_dir / "health" / "parkinsons_updrs.data",
        columns={"subject": "subject#", "time": "test_time", "score": "motor_UPDRS"},
        time_unit="days",
        value_codes={"sex": {"0": "male", "1": "female"}},
        score_range=[0, 108],
        visit_resolution=1,
    )
    c = study.counts
    assert c["rows_read"] == 5875 and c["rows_negative_time"] == 12 and c["participants"] == 42
    assert c["rows_sharing_subject_time"] > 4000 and 900 < c["assessments"] < 1000
    assert study.data["score"].between(0, 108).all() and set(study.data["sex"]) == {"male", "female"}
    assert "total_updrs" in study.covariates and study.score_label == "motor_UPDRS"


def test_times_in_the_wrong_unit_are_refused_with_the_parameter_to_change():
    frame = pd.DataFrame({"subject": ["a"] * 3 + ["b"] * 3, "time": [0, 90, 180] * 2, "score": [1.0] * 6})
    with pytest.raises(
        ContractError, match=r"67% of the times .* is time_unit right\? e\.g\. -p time_unit days"
    ):
        prepare_longitudinal(frame, time_unit="years")
    assert prepare_longitudinal(frame, time_unit="days").counts["assessments"] == 6


def test_proposals_only_name_columns_named_like_the_field():
    """Type alone must not propose a column: a wrong proposal printed in an error would run as printed."""
    german = pd.DataFrame(
        {
            "Patient-Nr": [1, 1, 2],
            "Tage seit Einschluss": [0.0, 7.0, 0.0],
            "UPDRS motorisch": [20.0, 21, 30],
            "NHR": [0.01, 0.02, 0.03],
            "DFA": [0.5, 0.6, 0.7],
            "total_UPDRS": [30.0, 31, 40],
        }
    )
    proposal = CONTRACTS["longitudinal"].propose(german)
    assert proposal == {"subject": "Patient-Nr", "time": "Tage seit Einschluss"}  # no "age" in "Tage"
    assert "hy" not in CONTRACTS["longitudinal"].propose(quirky_cohort())  # HNR is not Hoehn & Yahr
