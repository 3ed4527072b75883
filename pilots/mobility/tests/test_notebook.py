"""The pilot notebook as committed (the smoke profile), run once through the runner; and a partner's export
without coordinates through data_path/columns/read_options only."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import FIXTURES


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


@pytest.mark.notebook
def test_an_export_without_coordinates_runs_and_skips_the_network(tmp_path):
    from livinglab.runner import run_pilots

    columns = {
        "site": "Zählstelle",
        "date": "Datum",
        "hour": "Stunde",
        "direction": "Richtung",
        "count": "Anzahl",
    }
    run = run_pilots(
        ["mobility"],
        profile="smoke",
        overrides={
            "data_path": str(FIXTURES / "city_export.csv.gz"),
            "columns": json.dumps(columns, ensure_ascii=False),
            "read_options": json.dumps({"dayfirst": True}),
            "holiday_country": "DE",
            "holiday_subdivisions": '["BW"]',
        },
        out=tmp_path,
        progress=False,
    )
    result = run.results[0]
    assert result.status == "ok", result.error
    m = result.metrics
    assert m["n_sites"] == 3 and m["directions"] == "stadteinwärts" and m["hours_excluded_sentinels"] > 0
    assert m["network"].startswith("none") and m["diff_h1_seasonal_naive_ci_high"] < 0
    html = (result.directory / "mobility.html").read_text()
    assert "Skipped:" in html and "no coordinates" in html
    assert "Public holidays of DE (BW)" in html and "stadteinwärts" in html
    for phrase in ("SYNTHETIC", "Luxembourg", "inbound", "border holiday", "Thionville"):
        assert phrase not in html, phrase


@pytest.mark.notebook
def test_located_sites_abroad_get_a_network_map_and_advice(tmp_path):
    """A wide export from Minneapolis with a site table and a road network file: congestion map and advice
    between two places named by the user (a site id and 'lat, lon')."""
    import osmnx as ox

    from livinglab.runner import run_pilots

    from .test_roads import _grid_graph

    network = tmp_path / "minneapolis.graphml"
    ox.save_graphml(_grid_graph(), network)
    run = run_pilots(
        ["mobility"],
        profile="smoke",
        overrides={
            "data_path": str(FIXTURES / "wide_export.csv"),
            "columns": json.dumps({"site": "station"}),
            "sites_path": str(FIXTURES / "sites_minneapolis.csv"),
            "site_columns": json.dumps({"site": "station", "lat": "latitude", "lon": "longitude"}),
            "network_file": str(network),
            "advice_origin": "MSP-35W",
            "advice_destination": "44.995, -93.22",
            "holiday_country": "US",
            "holiday_subdivisions": '["MN"]',
        },
        out=tmp_path / "runs",
        progress=False,
    )
    result = run.results[0]
    assert result.status == "ok", result.error
    assert "minneapolis.graphml" in result.metrics["network"]
    for name in ("congestion_map.png", "congestion_map.html", "departure_curves.png"):
        assert (result.directory / name).is_file(), name
    html = (result.directory / "mobility.html").read_text()
    assert "Leave MSP-35W by" in html and "split equally over the two directions" in html
    for phrase in ("SYNTHETIC", "Luxembourg", "inbound", "Thionville"):
        assert phrase not in html, phrase
