"""The real-data path end to end on a file in the official format, and the pipeline's entry points."""

from __future__ import annotations

import numpy as np
import pytest

import livinglab
from pilots.mobility import loaders, pipeline


def test_official_file_runs_through_the_same_pipeline(spring_data, tmp_path):
    sim = spring_data.simulation
    counts = sim.counts_frame()
    counts = counts[counts["station_id"].isin(["P009-A3", "P147-A6", "P048-A1"])]
    path = tmp_path / "donneestrafic-2023.csv"
    table = loaders.to_official_format(counts, sim.stations)
    table = table[~((table["POSTE_ID"] == "P048-A1") & (table["DATECOM"] == "2023-05-02"))]  # a lost day
    table.to_csv(path, index=False)
    data = pipeline.prepare_official(path, G=spring_data.G)
    assert set(data.stations["station_id"]) == {"P009-A3", "P147-A6", "P048-A1"}
    assert data.cleaning.counts["missing_hours_added_as_nan"] == 2 * 24
    assert data.wide.values.shape == (6, 70 * 24)
    assert data.known == {} and data.issue == {}  # the official file has no weather or incident flags
    # the posts' own means stand in for AADT; the origin mix comes from their position on the network
    assert data.stations.set_index("station_id").loc["P009-A3", "share_FR"] > 0.5
    result = pipeline.backtest(data, n_folds=1, test_days=7, n_estimators=40, num_leaves=15)
    assert result.predictions["p50"].notna().all() and set(result.predictions["horizon"]) == {1, 3, 24}


def test_resolve_counts_source(tmp_path):
    assert pipeline.resolve_counts_source("synthetic").is_synthetic
    assert pipeline.resolve_counts_source("auto", "").is_synthetic
    with pytest.raises(livinglab.DataUnavailable, match="needs counts_file.*pch-comptage-trafic"):
        pipeline.resolve_counts_source("real", "")
    path = tmp_path / "donneestrafic-2023.csv"
    path.write_text("POSTE_ID\n")
    source = pipeline.resolve_counts_source("auto", str(path))
    assert (
        not source.is_synthetic and source.label == "file:lu-traffic-counts-2023" and len(source.sha256) == 64
    )
    with pytest.raises(ValueError, match="data_mode must be"):
        pipeline.resolve_counts_source("maybe")


def test_run_returns_the_headline_numbers():
    m = pipeline.run(
        n_stations=2, start="2023-03-06", days=42, n_folds=1, test_days=7, n_estimators=40, num_leaves=15
    )
    assert m["rows"] == 2 * 2 * 42 * 24 and m["series"] == 4
    assert np.isfinite(m["mae_h1"]) and m["mae_h1"] < m["mae_h1_seasonal_naive"]


def test_real_network_choices_are_checked():
    with pytest.raises(ValueError, match="osm_network must be"):
        pipeline.real_network("somewhere")
