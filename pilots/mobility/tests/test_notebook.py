"""The pilot notebook as committed (the smoke profile), run once through the runner (the shared smoke run).
Partners' files through the notebook: test_realdata.py (I-94); their conversion, calendar and network
paths: test_counts.py, test_official.py, test_calendar.py, test_roads.py; the notebook against ``run``:
test_pilot.py."""

from __future__ import annotations

import json
import re

import pytest


def _doc(run) -> dict:
    return json.loads((run.dir / "metrics.json").read_text())


@pytest.mark.notebook
def test_smoke_run_is_clearly_ahead_of_the_plain_lightgbm(smoke_runs):
    run = smoke_runs["mobility"]
    assert run.status == "ok", run.error
    m, claims = run.metrics, _doc(run)["claims"]
    plain, naive = claims["mae_h1"], claims["mae_h1_naive"]
    # the strongest baseline, with a margin: the paired 95% interval of the MAE difference lies below
    # -3% of the plain LightGBM's MAE
    assert plain["high"] < -0.03 * plain["baseline_value"], plain
    assert plain["verdict"] == "better" and m["mae_h1"] == plain["model_value"] < plain["baseline_value"]
    assert naive["model_value"] / naive["baseline_value"] < 0.6 and naive["verdict"] == "better"
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
    assert [row["name"] for row in card["evaluation"]] == list(
        _doc(run)["claims"]
    )  # the claims, nothing else
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
    assert "congestion_map.html</a>, works offline" in html
    interactive = (run.dir / "congestion_map.html").read_text()  # asks the network for nothing
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', interactive)
    assert 'L.tileLayer("data:image/gif' in interactive and "FeatureCollection" in interactive  # roads drawn
    assert "SYNTHETIC" in html
    for claim in _doc(run)["claims"].values():  # the page says what the record says
        assert claim["verdict"] in html
