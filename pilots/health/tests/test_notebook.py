"""The health notebook end to end through the runner: the smoke run, the telemonitoring file given only by
parameters, and a case-control file where record-wise validation is measurably optimistic."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from livinglab.trust import pseudonymise
from pilots.health.casecontrol import generate_case_control
from pilots.health.privacy import identifier_leaks
from pilots.health.synthetic import synthetic_subject_ids

pytestmark = pytest.mark.notebook
KEY = "realdata-test-key-0123456789"
SYNTHETIC_ONLY = ("SYNTHETIC data", "LuxPARK", "PPMI", "MDS-UPDRS", "Luxembourg", "generator's true")


@pytest.fixture(scope="module")
def run(smoke_runs):
    result = smoke_runs["health"]
    assert result.status == "ok", result.error
    return result


def _parameters(run_dir):
    params = json.loads((run_dir / "params.json").read_text())
    values = dict(params["defaults"]["health.ipynb"])
    values.update(params["parameters"]["health.ipynb"])
    return values


def _visible(html: str) -> str:
    """The page without embedded images (base64 can contain any short digit string)."""
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", " ", html)


def test_recorded_metrics(run):
    m = run.metrics
    p = _parameters(run.dir)
    assert m["data_source"] == "synthetic" and m["design"] == "longitudinal"
    assert m["n_subjects"] == p["n_pd"] + p["n_controls"]
    assert m["k_anonymity_k"] >= p["k_anonymity"]
    assert 0 < m["dp_epsilon_spent"] <= m["dp_epsilon"] == p["epsilon"]
    assert m["auc_lightgbm"] is None  # the case-control path did not run


def test_model_beats_its_strongest_baseline_with_a_margin(run):
    m = run.metrics
    assert m["progression_slope_ci_low"] <= m["progression_slope_true"] <= m["progression_slope_ci_high"]
    strongest = m["forecast_strongest_baseline"]
    assert strongest in ("locf_trend", "locf", "locf_own_trend", "mean")
    assert m["forecast_mae_strongest"] == min(
        m[f"forecast_mae_{b}"] for b in ("mean", "locf", "locf_trend", "locf_own_trend")
    )
    # the paired interval of model minus strongest baseline excludes zero (and so does LOCF + trend's)
    assert m["forecast_mae_diff_strongest_ci_high"] < 0 and m["forecast_beats_strongest"] is True
    assert m["forecast_mae_diff_locf_trend_ci_high"] < 0
    # held-out generation: a cohort from other generator settings, never seen in fitting
    assert m["external_mae_diff_ci_high"] < 0


def test_rendered_notebook_shows_figures_and_no_identifier(run):
    p = _parameters(run.dir)
    raw_ids = synthetic_subject_ids(p["n_pd"], p["n_controls"], p["seed"])  # the generator is deterministic
    html = (run.dir / "health.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html and html.count("<img") >= 6
    assert identifier_leaks(html, raw_ids) == []  # neither raw ids nor pseudonym-shaped tokens
    for name in (
        "model_card.md",
        "model_card.json",
        "metrics.json",
        f"baseline_extract_k{p['k_anonymity']}.csv",
    ):
        assert identifier_leaks((run.dir / name).read_text(encoding="utf-8"), raw_ids) == [], name
    card = (run.dir / "model_card.md").read_text(encoding="utf-8")
    assert card.count("![") >= 2  # the card shows its figures


def test_model_card_states_ai_act_and_oversight(run):
    card = json.loads((run.dir / "model_card.json").read_text())
    assert "Annex I" in card["ai_act"]["reference"] and "MDR" in card["ai_act"]["reference"]
    assert "high-risk" in card["ai_act"]["category"] and "clinician" in card["human_oversight"].lower()
    assert card["synthetic_data"] is True
    assert any("strongest baseline" in str(row.get("baseline_name")) for row in card["evaluation"])


# ---------------------------------------------------------------------------------------------------- real


TELEMONITORING = {
    "columns": json.dumps({"subject": "subject#", "time": "test_time", "score": "motor_UPDRS"}),
    "time_unit": "days",
    "score_name": "motor UPDRS (original UPDRS part III)",
    "score_range": "[0, 108]",
    "value_codes": json.dumps({"sex": {"0": "male", "1": "female"}}),
    "visit_resolution": "1",
    "horizon": "90",
    "n_boot": "200",
}


def _protected_means(path) -> dict[str, float]:
    """The exact values the DP release protects, computed from the file independently of the pilot."""
    raw = pd.read_csv(path)
    raw = raw[raw["test_time"] >= 0].assign(day=lambda d: np.floor(d["test_time"]))
    first = raw[raw["day"] == raw.groupby("subject#")["day"].transform("min")]
    per_person = first.groupby("subject#")[["motor_UPDRS", "age"]].mean()
    return {"score": float(per_person["motor_UPDRS"].mean()), "age": float(per_person["age"].mean())}


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    from pathlib import Path

    from livinglab.runner import run_pilots

    data = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "health" / "parkinsons_updrs.data"
    if not data.exists():
        pytest.skip("real-data mirror absent")
    out = tmp_path_factory.mktemp("health-real")
    mp = pytest.MonkeyPatch()
    mp.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)
    try:
        result = run_pilots(
            ["health"],
            profile="smoke",
            overrides={"data_path": str(data), **TELEMONITORING},
            out=out,
            progress=False,
        )
    finally:
        mp.undo()
    res = result.results[0]
    assert res.status == "ok", res.error
    return res, data


@pytest.mark.realdata
def test_telemonitoring_through_parameters_only(shared_data_dir, real_run):
    res, data = real_run
    m = res.metrics
    params = json.loads((res.directory / "params.json").read_text())
    source = params["data_sources"][0]
    assert source["origin"] == "file" and source["path"].endswith("parkinsons_updrs.data")
    sha = source["sha256"]
    card = (res.directory / "model_card.md").read_text(encoding="utf-8")
    assert sha in card and "parkinsons_updrs.data" in card
    assert (
        m["n_subjects"] == 42 and m["prep_rows_negative_time"] == 12 and m["progression_slope_true"] is None
    )
    html = (res.directory / "health.html").read_text(encoding="utf-8")
    for sentence in SYNTHETIC_ONLY:
        assert sentence not in html and sentence not in card, sentence
    assert "motor UPDRS (original UPDRS part III)" in html and "at least 90 days later" in html
    # the forecast beats the strongest baseline and the mean, with paired intervals excluding zero
    assert m["forecast_mae_diff_strongest_ci_high"] < 0, m["headline_result"]
    assert m["forecast_mae_diff_mean_ci_high"] < 0
    # record-wise folds flatter LightGBM (several recordings a person)
    assert m["forecast_mae_lightgbm_recordwise"] < m["forecast_mae_lightgbm"]


@pytest.mark.realdata
def test_real_page_keeps_the_dp_protected_values_and_the_key_out(shared_data_dir, real_run):
    res, data = real_run
    visible = {
        name: _visible((res.directory / name).read_text(encoding="utf-8"))
        for name in ("health.html", "model_card.md", "model_card.json", "metrics.json", "model_card.html")
    }
    for stat, value in _protected_means(data).items():
        for text in (f"{value:.2f}", f"{value:.3f}", f"{value:.4f}", repr(value), f"{round(value, 2)}"):
            for name, page in visible.items():
                assert not re.search(rf"(?<![\d.]){re.escape(text)}(?!\d)", page), (stat, text, name)
    assert "DP" in visible["health.html"] and "OpenDP" in visible["health.html"]
    for path in res.directory.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path  # the pseudonym key is written nowhere
    pseudonyms = pseudonymise([str(i) for i in range(1, 43)], key=KEY, length=16)
    assert identifier_leaks(visible["health.html"], list(pseudonyms)) == []
    assert not (res.directory / "baseline_extract_k5.csv").exists()  # no row-level file for real data


# ---------------------------------------------------------------------------------------------------- case-control


def test_case_control_file_where_record_wise_validation_is_optimistic(tmp_path, monkeypatch):
    """Oxford-style voice records: the person in the record name, status coded 0/1, ';' and CRLF."""
    from livinglab.runner import run_pilots

    records = generate_case_control(48, 24, 6, seed=5)
    records.insert(
        0, "name", records["subject"] + "_" + records.groupby("subject").cumcount().add(1).astype(str)
    )
    path = tmp_path / "voice_records.csv"
    records.drop(columns=["subject"]).to_csv(path, index=False, sep=";", lineterminator="\r\n")
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY)
    overrides = {
        "data_path": str(path),
        "design": "case_control",
        "columns": json.dumps({"subject": "name", "label": "status"}),
        "subject_pattern": r"^(.*)_\d+$",
        "value_codes": json.dumps({"label": {"1": "PD", "0": "control"}}),
        "case_label": "PD",
        "n_boot": "100",
    }
    result = run_pilots(
        ["health"], profile="smoke", overrides=overrides, out=tmp_path / "runs", progress=False
    )
    res = result.results[0]
    assert res.status == "ok", res.error
    m = res.metrics
    assert m["design"] == "case_control" and m["n_subjects"] == 72 and m["forecast_mae_model"] is None
    assert m["auc_optimism_recordwise_ci_low"] > 0  # measurably optimistic, with its interval
    assert m["auc_lightgbm_recordwise"] > m["auc_lightgbm"] + 0.1
    html = (res.directory / "health.html").read_text(encoding="utf-8")
    assert "Record-wise validation is optimistic here" in html
    assert "Skipped: case-control records have no later assessment to forecast" in html
    card = (res.directory / "model_card.md").read_text(encoding="utf-8")
    assert "LEAKY" in card and "voice_records.csv" in card
    assert identifier_leaks(html, list(records["subject"].unique())) == []
    for sentence in SYNTHETIC_ONLY:
        assert sentence not in html, sentence
