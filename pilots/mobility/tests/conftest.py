"""Shared, session-scoped objects of the mobility tests (built once: the network, small simulations)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pilots.mobility import pipeline
from pilots.mobility.network import attach_stations, build_embedded_network, region_shares
from pilots.mobility.reference import load_counting_posts
from pilots.mobility.simulator import simulate_counts

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def graph():
    return build_embedded_network()


@pytest.fixture(scope="session")
def stations(graph):
    return attach_stations(graph, load_counting_posts())


@pytest.fixture(scope="session")
def shares(graph, stations):
    return region_shares(stations, graph)


@pytest.fixture(scope="session")
def year_sim(stations, shares):
    """All 60 stations over the calendar year 2023 (the calibration year)."""
    return simulate_counts(stations, shares, start="2023-01-01", days=365, seed=3)


@pytest.fixture(scope="session")
def spring_data(graph):
    """Six motorway stations, ten weeks of spring 2023 (includes 8 May, a French holiday)."""
    return pipeline.prepare_synthetic(6, start="2023-04-03", days=70, seed=1, G=graph)


@pytest.fixture(scope="session")
def spring_run(spring_data):
    """The rolling-origin backtest (two folds of a week) and its feature builder."""
    return pipeline.backtest(spring_data, n_folds=2, test_days=7, seed=0)


@pytest.fixture(scope="session")
def spring_backtest(spring_run):
    return spring_run[0]


@pytest.fixture(scope="session")
def spring_builder(spring_run):
    return spring_run[1]


@pytest.fixture(scope="session")
def lust_graph():
    """The LuST OpenStreetMap extract as a graph (built once); skipped without the data mirror."""
    from pilots.mobility.network import network_from_osm_file

    path = (
        Path(os.environ.get("LIVINGLAB_DATA_MIRROR", "/nonexistent"))
        / "mobility"
        / "lust_luxembourg_city.osm"
    )
    if not path.is_file():
        pytest.skip(f"{path} is absent; the OpenStreetMap tests need the data mirror")
    return network_from_osm_file(path)
