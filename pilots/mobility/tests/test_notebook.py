"""The pilot notebook as committed (the smoke profile), run once through the runner (the shared smoke run).
Partners' files through the notebook: tests/test_realdata.py (I-94); their conversion, calendar and network
paths: test_counts.py, test_calendar.py, test_roads.py."""

from __future__ import annotations

import json
import re

import pytest


@pytest.mark.notebook
def test_smoke_run_is_clearly_ahead_of_the_plain_lightgbm(smoke_runs):
    run = smoke_runs["mobility"]
    assert run.status == "ok", run.error
    m = run.metrics
    # the strongest baseline, with a margin: the paired 95% interval of the MAE difference lies below
    # -3% of the plain LightGBM's MAE
    assert m["diff_h1_plain_lgbm_ci_high"] < -0.03 * m["mae_h1_plain_lgbm"], m["diff_h1_plain_lgbm_ci_high"]
    assert m["margin_h1_plain_lgbm"] > 0.03
    assert m["beats_h1_plain_lgbm"] is True and m["mae_h1"] < m["mae_h1_plain_lgbm"]
    assert m["ratio_h1_seasonal_naive"] < 0.6
    assert 0.7 <= m["coverage_p10_p90"] <= 0.9
    assert m["data_source"] == "synthetic" and m["synthetic"] is True
    assert m["rows"] == 4 * 2 * 56 * 24
    assert m["calibration_max_abs_error"] < 0.10
    assert m["extra_lead_min_incident"] > 0  # an incident on the A3 means leaving earlier


@pytest.mark.notebook
def test_smoke_run_shows_its_figures_and_leaves_a_card_and_maps(smoke_runs):
    run = smoke_runs["mobility"]
    assert run.status == "ok", run.error
    card = json.loads((run.dir / "model_card.json").read_text())
    assert card["pilot"] == "mobility" and any(entry.get("synthetic") for entry in card["data"])
    for name in (
        "congestion_map.html",
        "congestion_map.png",
        "forecast_vs_actual.png",
        "model_vs_baselines.png",
        "band_calibration.png",
        "departure_curves.png",
        "missing_hours.png",
    ):
        assert (run.dir / name).is_file(), name
    html = (run.dir / "mobility.html").read_text()
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64", html)) >= 8  # figures inline
    assert "needs an internet connection" in html  # the folium map says so, the static one is beside it
    assert "needs an internet connection" in (run.dir / "congestion_map.html").read_text()
    assert "SYNTHETIC" in html
