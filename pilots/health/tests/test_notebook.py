"""The health notebook end to end: smoke profile through the runner, and real-data mode on the mirror."""

import json

import pytest

from livinglab.trust import pseudonymise
from pilots.health.privacy import identifier_leaks
from pilots.health.synthetic import synthetic_subject_ids

pytestmark = pytest.mark.notebook


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


def test_recorded_metrics(run):
    m = run.metrics
    for name in (
        "n_subjects",
        "progression_slope",
        "progression_slope_ci_low",
        "progression_slope_ci_high",
        "progression_slope_true",
        "mae_next_visit",
        "mae_next_visit_baseline",
        "k_anonymity_k",
        "data_source",
    ):
        assert name in m, name
    assert m["data_source"] == "synthetic"
    p = _parameters(run.dir)
    assert m["n_subjects"] == p["n_pd"] + p["n_controls"]
    assert m["k_anonymity_k"] >= p["k_anonymity"]


def test_true_slope_in_recorded_ci_and_model_beats_baseline(run):
    m = run.metrics
    assert m["progression_slope_ci_low"] <= m["progression_slope_true"] <= m["progression_slope_ci_high"]
    assert m["mae_next_visit"] < m["mae_next_visit_baseline"]
    assert m["mae_voice_grouped"] is None  # the voice task is real-data only


def test_rendered_notebook_shows_no_identifier(run):
    p = _parameters(run.dir)
    raw_ids = synthetic_subject_ids(p["n_pd"], p["n_controls"], p["seed"])  # the generator is deterministic
    html = (run.dir / "health.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html and len(html) > 50_000
    assert identifier_leaks(html, raw_ids) == []  # neither raw ids nor pseudonym-shaped tokens
    for name in (
        "model_card.md",
        "model_card.json",
        "metrics.json",
        f"baseline_extract_k{p['k_anonymity']}.csv",
    ):
        assert identifier_leaks((run.dir / name).read_text(encoding="utf-8"), raw_ids) == [], name


def test_model_card_states_ai_act_and_oversight(run):
    card = json.loads((run.dir / "model_card.json").read_text())
    assert "Annex I" in card["ai_act"]["reference"] and "MDR" in card["ai_act"]["reference"]
    assert "high-risk" in card["ai_act"]["category"] and "clinician" in card["human_oversight"].lower()
    assert card["synthetic_data"] is True


@pytest.mark.realdata
def test_real_data_mode_on_the_telemonitoring_mirror(shared_data_dir, tmp_path, monkeypatch):
    from livinglab.runner import run_pilots

    key = "realdata-test-key-0123456789"
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", key)
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(shared_data_dir))
    result = run_pilots(
        ["health"], profile="smoke", overrides={"data_mode": "real"}, out=tmp_path, progress=False
    )
    res = result.results[0]
    assert res.status == "ok", res.error
    m = res.metrics
    assert m["data_source"] == "mirror:uci-parkinsons-telemonitoring" and m["n_subjects"] == 42
    assert m["progression_slope_true"] is None and m["mae_next_visit"] is None
    # the subject-grouped MAE is reported beside its baseline, and the leaky split looks better
    assert m["mae_voice_grouped"] > 0 and m["mae_voice_baseline"] > 0
    assert m["mae_voice_recordwise"] < m["mae_voice_grouped"]
    html = (res.directory / "health.html").read_text(encoding="utf-8")
    assert "mae" in html.lower() and "training mean" in html
    pseudonyms = pseudonymise([str(i) for i in range(1, 43)], key=key, length=16)
    assert identifier_leaks(html, list(pseudonyms)) == []
