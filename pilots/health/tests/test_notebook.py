"""The health notebooks end to end through the runner: both designs' smoke runs (the notebook adds nothing of
its own to ``run``), the telemonitoring file given only by parameters, and a case-control file where
record-wise validation is measurably optimistic."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from livinglab.claims import fmt
from livinglab.trust import pseudonymise
from pilots.health.run import run
from pilots.health.synthetic import generate_case_control, synthetic_subject_ids

from .intervals import conflicts, shown_intervals
from .pages import identifier_leaks

pytestmark = pytest.mark.notebook
KEY = "realdata-test-key-0123456789"
SYNTHETIC_ONLY = ("SYNTHETIC data", "LuxPARK", "PPMI", "MDS-UPDRS", "Luxembourg", "generator's true")


def _ok(smoke_runs, unit):
    result = smoke_runs[unit]
    assert result.status == "ok", result.error
    return result


@pytest.fixture(scope="module")
def longitudinal(smoke_runs):
    return _ok(smoke_runs, "health-longitudinal")


@pytest.fixture(scope="module")
def case_control(smoke_runs):
    return _ok(smoke_runs, "health-case_control")


def _parameters(run_dir):
    return json.loads((run_dir / "params.json").read_text())["effective_parameters"]


def _metrics_doc(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def _visible(html: str) -> str:
    """The page without embedded images (base64 can contain any short digit string)."""
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", " ", html)


@pytest.mark.parametrize("design", ["longitudinal", "case_control"])
def test_the_notebook_records_exactly_what_run_returns(smoke_runs, design):
    """The notebook adds nothing of its own: its metrics.json holds ``run(<the smoke profile>)``'s record,
    byte for byte (another process, the same numbers: the run is deterministic)."""
    unit = _ok(smoke_runs, f"health-{design}")
    doc = _metrics_doc(unit.dir)
    assert doc["parameters"] == {}  # the smoke profile is the notebook as committed
    record = json.loads(json.dumps(run({}, design=design).as_record()))
    assert doc["metrics"] == record["metrics"]
    assert doc["claims"] == record["claims"]
    assert set(doc["timings"]) >= {"run_s", "load_s"} and not set(doc["timings"]) & set(doc["metrics"])


def test_recorded_metrics(longitudinal):
    m = longitudinal.metrics
    p = _parameters(longitudinal.dir)
    assert m["data_source"] == "synthetic" and m["data_origin"] == "synthetic"
    assert m["n_subjects"] == p["n_pd"] + p["n_controls"]
    assert m["k_anonymity_k"] >= p["k_anonymity"]
    assert 0 < m["dp_epsilon_spent"] <= m["dp_epsilon"] == p["epsilon"]
    assert "auc_lightgbm" not in m  # the case-control design is its own notebook


def test_model_beats_its_strongest_baseline_with_a_margin(longitudinal):
    m, claims = longitudinal.metrics, _metrics_doc(longitudinal.dir)["claims"]
    assert m["progression_slope_ci_low"] <= m["progression_slope_true"] <= m["progression_slope_ci_high"]
    strongest = m["forecast_strongest_baseline"]
    baselines = ("mean", "locf", "locf_trend", "locf_own_trend")
    assert m[f"forecast_mae_{strongest}"] == min(m[f"forecast_mae_{b}"] for b in baselines)
    model = claims["forecast_mae_model"]
    assert model["baseline_value"] == m[f"forecast_mae_{strongest}"] and "strongest" in model["baseline"]
    # the paired interval of model minus strongest baseline excludes zero, and the verdict says so
    assert model["high"] < 0 and model["verdict"] == "better" and model["unit"] == "participants"
    assert claims["forecast_mae_model_vs_mean"]["verdict"] == "better"
    # held-out generation: a cohort from other generator settings, never seen in fitting
    assert claims["forecast_mae_heldout_generation"]["high"] < 0
    assert set(claims) == {
        "forecast_mae_model",
        "forecast_mae_model_vs_mean",
        "forecast_mae_lightgbm",
        "forecast_mae_heldout_generation",
    }


def test_rendered_notebook_shows_figures_and_no_identifier(longitudinal):
    p = _parameters(longitudinal.dir)
    raw_ids = synthetic_subject_ids(p["n_pd"], p["n_controls"], p["seed"])  # the generator is deterministic
    html = (longitudinal.dir / "longitudinal.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html and html.count("<img") >= 6
    assert identifier_leaks(html, raw_ids) == []  # neither raw ids nor pseudonym-shaped tokens
    for name in (
        "model_card.md",
        "model_card.json",
        "metrics.json",
        f"baseline_extract_k{p['k_anonymity']}.csv",
    ):
        assert identifier_leaks((longitudinal.dir / name).read_text(encoding="utf-8"), raw_ids) == [], name
    card = (longitudinal.dir / "model_card.md").read_text(encoding="utf-8")
    assert card.count("![") >= 2  # the card shows its figures


def test_model_card_states_ai_act_oversight_and_the_claims(longitudinal):
    card = json.loads((longitudinal.dir / "model_card.json").read_text())
    assert "Annex I" in card["ai_act"]["reference"] and "MDR" in card["ai_act"]["reference"]
    assert "high-risk" in card["ai_act"]["category"] and "clinician" in card["human_oversight"].lower()
    assert card["synthetic_data"] is True
    claims = _metrics_doc(longitudinal.dir)["claims"]
    assert card["evaluation"] == list(claims.values())  # the card's table is the recorded claims


@pytest.mark.parametrize("design", ["longitudinal", "case_control"])
def test_the_card_quotes_the_largest_gap_of_every_grouping_it_shows(smoke_runs, design):
    unit = _ok(smoke_runs, f"health-{design}")
    card = json.loads((unit.dir / "model_card.json").read_text())
    gaps = [
        (gap["largest_gap"], title)
        for title, report in card["subgroups"].items()
        for gap in report["gaps"].values()
        if gap["largest_gap"] is not None
    ]
    largest, grouping = max(gaps)
    assert len(card["subgroups"]) >= 2  # several groupings: the largest is across all of them
    assert unit.metrics["subgroup_gap"] == largest and unit.metrics["subgroup_gap_by"] == grouping
    quoted = [f for f in card["failure_modes"] if "largest gap" in f]
    assert len(quoted) == 1 and f"{fmt(largest)} in" in quoted[0] and grouping in quoted[0]
    fairness = card["altai"]["items"][4]
    assert fairness["key"] == "diversity_fairness" and f"{fmt(largest)} in" in fairness["answer"][0]


def test_the_case_control_notebook(case_control):
    m, claims = case_control.metrics, _metrics_doc(case_control.dir)["claims"]
    p = _parameters(case_control.dir)
    assert m["n_subjects"] == p["n_pd"] + p["n_controls"] and m["data_source"] == "synthetic"
    assert set(claims) == {"auc_lightgbm", "brier_lightgbm"} and "forecast_mae_model" not in m
    assert claims["auc_lightgbm"]["baseline"].startswith("logistic regression")
    assert (
        claims["auc_lightgbm"]["unit"] == "persons" and "subject-grouped" in claims["auc_lightgbm"]["split"]
    )
    # the leaky contrast is shown, not claimed: record-wise far above subject-grouped
    assert m["auc_lightgbm_recordwise"] > claims["auc_lightgbm"]["model_value"] + 0.1
    html = (case_control.dir / "case_control.html").read_text(encoding="utf-8")
    assert "Record-wise validation is optimistic here" in html and html.count("<img") >= 4
    raw_ids = synthetic_subject_ids(p["n_pd"], p["n_controls"], p["seed"])
    assert identifier_leaks(html, raw_ids) == []


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
    try:  # "health" with a file: the first design whose contract it fits (longitudinal)
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
    assert res.directory.name == "health-longitudinal"
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
    html = (res.directory / "longitudinal.html").read_text(encoding="utf-8")
    for sentence in SYNTHETIC_ONLY:
        assert sentence not in html and sentence not in card, sentence
    assert "motor UPDRS (original UPDRS part III)" in html and "at least 90 days later" in html
    # the forecast beats the strongest baseline and the mean, with paired intervals excluding zero
    claims = _metrics_doc(res.directory)["claims"]
    assert claims["forecast_mae_model"]["verdict"] == "better", claims["forecast_mae_model"]
    assert claims["forecast_mae_model_vs_mean"]["verdict"] == "better"
    assert "forecast_mae_heldout_generation" not in claims  # synthetic only
    # record-wise folds flatter LightGBM (several recordings a person)
    assert m["forecast_mae_lightgbm_recordwise"] < m["forecast_mae_lightgbm"]
    # one interval per quantity on the real file's pages too
    shown = [s for name in ("longitudinal.html", "model_card.html")
             for s in shown_intervals(name, (res.directory / name).read_text(encoding="utf-8"))]  # fmt: skip
    assert len(shown) >= 30 and conflicts(shown) == []


@pytest.mark.realdata
def test_real_page_keeps_the_dp_protected_values_and_the_key_out(shared_data_dir, real_run):
    res, data = real_run
    visible = {
        name: _visible((res.directory / name).read_text(encoding="utf-8"))
        for name in (
            "longitudinal.html",
            "model_card.md",
            "model_card.json",
            "metrics.json",
            "model_card.html",
        )
    }
    # A DP release is shown with one decimal beside its noise ("73.6 (+/-17.1)"): with a noise SD of about 8, it
    # rounds to the exact mean's one-decimal form in about 1 run in 100 by chance. Forms with fewer than two
    # decimals are therefore looked for outside those noisy cells (that the noise is there is tested in
    # test_privacy.py); the finer forms are looked for everywhere.
    outside_dp_cells = {
        name: re.sub(r"-?\d+(?:\.\d+)? \(\+/-[\d.]+\)", " ", page) for name, page in visible.items()
    }
    for stat, value in _protected_means(data).items():
        for text in (f"{value:.2f}", f"{value:.3f}", f"{value:.4f}", repr(value), f"{round(value, 2)}"):
            pages = visible if len(text.partition(".")[2]) >= 2 else outside_dp_cells
            for name, page in pages.items():
                assert not re.search(rf"(?<![\d.]){re.escape(text)}(?!\d)", page), (stat, text, name)
    assert "DP" in visible["longitudinal.html"] and "OpenDP" in visible["longitudinal.html"]
    for path in res.directory.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path  # the pseudonym key is written nowhere
    pseudonyms = pseudonymise([str(i) for i in range(1, 43)], key=KEY, length=16)
    assert identifier_leaks(visible["longitudinal.html"], list(pseudonyms)) == []
    assert not (res.directory / "baseline_extract_k5.csv").exists()  # no row-level file for real data


# ---------------------------------------------------------------------------------------------------- case-control


def test_case_control_file_where_record_wise_validation_is_optimistic(tmp_path, monkeypatch):
    """Oxford-style voice records: the person in the record name, status coded 0/1, ';' and CRLF; given to
    ``health`` without naming the design, the file runs the design whose contract it fits."""
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
    assert res.directory.name == "health-case_control" and len(result.results) == 1
    m = res.metrics
    assert m["n_subjects"] == 72 and m["data_origin"] == "file" and "forecast_mae_model" not in m
    assert m["auc_optimism_recordwise_ci_low"] > 0  # measurably optimistic, with its interval
    assert m["auc_lightgbm_recordwise"] > m["auc_lightgbm"] + 0.1
    html = (res.directory / "case_control.html").read_text(encoding="utf-8")
    assert "Record-wise validation is optimistic here" in html
    card = (res.directory / "model_card.md").read_text(encoding="utf-8")
    assert "overstates ROC-AUC" in card and "voice_records.csv" in card
    shown = shown_intervals("case_control.html", html) + shown_intervals(
        "model_card.html", (res.directory / "model_card.html").read_text(encoding="utf-8")
    )
    assert len(shown) >= 20 and conflicts(shown) == []
    assert identifier_leaks(html, list(records["subject"].unique())) == []
    for sentence in SYNTHETIC_ONLY:
        assert sentence not in html, sentence
