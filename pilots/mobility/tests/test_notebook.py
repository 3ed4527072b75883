"""The pilot notebook, run through the runner with its smoke profile."""

from __future__ import annotations

import json

import pytest


@pytest.mark.notebook
def test_smoke_profile_beats_the_seasonal_naive_forecast(smoke_runs):
    run = smoke_runs["mobility"]
    assert run.status == "ok", run.error
    m = run.metrics
    assert m["mae_h1"] <= 0.7 * m["mae_h1_seasonal_naive"]
    assert 0.7 <= m["coverage_p10_p90"] <= 0.95
    assert m["mae_h24"] < m["mae_h24_seasonal_naive"]
    assert m["data_source"] == "synthetic"
    assert m["rows"] == 6 * 2 * 70 * 24
    assert m["calibration_max_abs_error"] < 0.10
    assert m["extra_lead_min_incident"] > 0  # an incident on the A3 means leaving earlier


@pytest.mark.notebook
def test_smoke_run_leaves_a_model_card_and_maps(smoke_runs):
    run = smoke_runs["mobility"]
    assert run.status == "ok", run.error
    card = json.loads((run.dir / "model_card.json").read_text())
    assert card["pilot"] == "mobility"
    assert any(entry.get("synthetic") for entry in card["data"])
    for name in (
        "congestion_map.html",
        "congestion_map.png",
        "forecast_vs_actual.png",
        "error_by_hour.png",
        "departure_curves.png",
    ):
        assert (run.dir / name).is_file(), name
    assert "leaflet" in (run.dir / "congestion_map.html").read_text().lower()
