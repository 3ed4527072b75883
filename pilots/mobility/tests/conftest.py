"""Shared, session-scoped objects of the mobility tests (built once: the network, small simulations, runs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import livinglab
from pilots.mobility import model
from pilots.mobility.data import PilotData, prepare
from pilots.mobility.model.network import attach_stations, build_embedded_network, region_shares
from pilots.mobility.model.reference import load_counting_posts
from pilots.mobility.run import read_sites
from pilots.mobility.synthetic.simulator import simulate_counts

FIXTURES = Path(__file__).parent / "fixtures"
#: the smoke profile: the notebook as committed (its own parameters)
SMOKE: dict = {}


def prepared(params: dict) -> PilotData:
    """What ``run`` prepares from ``params`` (through ``livinglab.load`` and the site table's one read)."""
    loaded = livinglab.load("mobility", "counts", params, record=False)
    return prepare(loaded, read_sites(loaded.params))


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


SPRING = {"n_stations": 6, "start": "2023-04-03", "days": 70, "seed": 1}


@pytest.fixture(scope="session")
def spring_data():
    """Six motorway stations, ten weeks of spring 2023 (includes 8 May, a French holiday), synthetic."""
    return prepared(SPRING)


@pytest.fixture(scope="session")
def spring_sim(graph):
    """The simulation behind ``spring_data`` (the same posts, period and seed as ``synthetic.make_counts``)."""
    posts = attach_stations(graph, load_counting_posts(SPRING["n_stations"]))
    return simulate_counts(
        posts, region_shares(posts, graph), start=SPRING["start"], days=SPRING["days"], seed=SPRING["seed"]
    )


@pytest.fixture(scope="session")
def spring_run(spring_data):
    """The rolling-origin backtest (two folds of a week) and its feature builder."""
    return model.backtest(spring_data, n_folds=2, test_days=7, seed=0)


@pytest.fixture(scope="session")
def spring_backtest(spring_run):
    return spring_run[0]


@pytest.fixture(scope="session")
def spring_builder(spring_run):
    return spring_run[1]


@pytest.fixture(scope="session")
def smoke_result():
    """``run`` with the smoke profile's parameters (the notebook's own), in this process."""
    from pilots.mobility.run import run

    return run(SMOKE)


@pytest.fixture(scope="session")
def lust_graph():
    """The LuST OpenStreetMap extract as a graph (built once); skipped without the data mirror."""
    from pilots.mobility.model.network import network_from_osm_file

    path = (
        Path(os.environ.get("LIVINGLAB_DATA_MIRROR", "/nonexistent"))
        / "mobility"
        / "lust_luxembourg_city.osm"
    )
    if not path.is_file():
        pytest.skip(f"{path} is absent; the OpenStreetMap tests need the data mirror")
    return network_from_osm_file(path)
