"""Sites outside Luxembourg: the road network from a file, the mirror or the cache (never hanging offline),
sites snapped to it, congestion from their forecasts and advice between two places a person names."""

from __future__ import annotations

import shutil
import socket

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from pilots.mobility import model
from pilots.mobility.model import decision, roads, travel
from pilots.mobility.model.network import NetworkUnavailable

from .conftest import FIXTURES, prepared

LATS = np.array([44.955, 44.9735, 44.979, 44.995])
LONS = np.array([-93.30, -93.271, -93.248, -93.22])


def _grid_graph():
    """A 4 x 4 street grid over Minneapolis: one row is the I 94, one column the I 35W (OSM-like, unprojected)."""
    ids = {(i, j): 1000 + 10 * i + j for i in range(4) for j in range(4)}
    nodes = gpd.GeoDataFrame(
        {"x": [LONS[j] for (i, j) in ids], "y": [LATS[i] for (i, j) in ids]},
        geometry=gpd.points_from_xy([LONS[j] for (i, j) in ids], [LATS[i] for (i, j) in ids]),
        index=pd.Index(list(ids.values()), name="osmid"),
        crs="EPSG:4326",
    )
    rows = []
    for (i, j), a in ids.items():
        for di, dj in ((0, 1), (1, 0)):
            if (i + di, j + dj) not in ids:
                continue
            b = ids[(i + di, j + dj)]
            if i == 1 and di == 0:
                ref, hw, lanes = "I 94", "motorway", 4
            elif j == 1 and dj == 0:
                ref, hw, lanes = "I 35W", "motorway", 4
            else:
                ref, hw, lanes = "", "primary", 2
            for u, v in ((a, b), (b, a)):
                pu, pv = nodes.loc[u], nodes.loc[v]
                rows.append(
                    {
                        "u": u,
                        "v": v,
                        "key": 0,
                        "osmid": len(rows),
                        "ref": ref,
                        "highway": hw,
                        "lanes": str(lanes),
                        "oneway": False,
                        "reversed": False,
                        "name": f"{hw} {u}-{v}",
                        "length": float(ox.distance.great_circle(pu.y, pu.x, pv.y, pv.x)),
                        "geometry": shapely.LineString([(pu.x, pu.y), (pv.x, pv.y)]),
                    }
                )
    edges = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").set_index(["u", "v", "key"])
    return ox.graph_from_gdfs(nodes, edges, graph_attrs={"crs": "EPSG:4326"})


@pytest.fixture(scope="module")
def graphml(tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "minneapolis.graphml"
    ox.save_graphml(_grid_graph(), path)
    return path


@pytest.fixture(scope="module")
def located_data():
    return prepared(
        {
            "data_path": str(FIXTURES / "wide_export.csv"),
            "columns": {"site": "station"},
            "sites_path": str(FIXTURES / "sites_minneapolis.csv"),
            "site_columns": {"site": "station", "lat": "latitude", "lon": "longitude"},
            "holiday_country": "US",
            "holiday_subdivisions": ["MN"],
        }
    )


@pytest.fixture(scope="module")
def located_predictions(located_data):
    bt, _ = model.backtest(located_data, n_folds=1, test_days=7, horizons=(24,))
    return bt.predictions


def test_a_graphml_file_becomes_a_projected_network(graphml):
    G = roads.read_network_file(graphml)
    assert ox.projection.is_projected(G.graph["crs"])
    data = next(iter(G.edges(data=True)))[2]
    assert data["travel_time"] > 0 and data["capacity_vph"] > 0
    with pytest.raises(NetworkUnavailable, match="does not exist"):
        roads.read_network_file(graphml.with_name("absent.graphml"))
    with pytest.raises(NetworkUnavailable, match="expected an .osm or .graphml"):
        roads.read_network_file(FIXTURES / "wide_export.csv")


def test_the_mirror_is_used_and_offline_without_one_fails_at_once(
    located_data, graphml, tmp_path, monkeypatch
):
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "1")
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(tmp_path / "mirror"))

    tried = []

    def no_connection(sock, address):
        tried.append(address)
        raise OSError("offline")

    with monkeypatch.context() as offline:  # never hanging: no connection is even tried
        offline.setattr(socket.socket, "connect", no_connection)
        with pytest.raises(NetworkUnavailable, match="LIVINGLAB_OFFLINE=1.*network_file"):
            roads.network_for_sites(located_data.counts.sites, cache_dir=tmp_path / "cache")
    assert tried == []
    (tmp_path / "mirror" / "osm").mkdir(parents=True)
    shutil.copy(graphml, tmp_path / "mirror" / "osm" / "minneapolis.graphml")
    G, source = roads.network_for_sites(located_data.counts.sites, cache_dir=tmp_path / "cache")
    assert "data mirror" in source and len(G) == 16


def test_congestion_and_advice_between_named_places(located_data, located_predictions, graphml):
    net = decision.site_network(located_data, network_file=str(graphml))
    assert set(net.snapped["station_id"]) == {"MSP-35W", "MSP-94E"}
    assert (net.snapped["snap_m"] < 300).all() and set(net.donors["how"]) >= {"on edge", "same road"}
    day = decision.ordinary_day(located_data.calendar, located_predictions)
    vc = roads.site_volume_capacity(located_predictions, net.snapped, day)
    assert vc.shape == (2, 24) and (vc.to_numpy() > 0).all()
    busy = vc.loc[("MSP-35W", "all")]
    assert busy[8] > busy[3]  # the morning peak loads the road more than the night
    congestion = travel.edge_congestion(net.G, net.donors, vc)[8]
    assert congestion.notna().all()
    advice, _ = decision.site_advice(
        net,
        located_data,
        located_predictions,
        origin="MSP-35W",
        destination="44.995, -93.22",
        latest_arrival="09:00",
        day=day,
    )
    assert (
        pd.notna(advice.best["latest_departure"])
        and advice.best["trip_p90_min"] >= advice.best["trip_p50_min"]
    )
    assert advice.origin == "MSP-35W" and "Leave MSP-35W by" in advice.summary()
    with pytest.raises(ValueError, match="needs a connection"):
        roads.resolve_point(net.G, "Minneapolis City Hall", located_data.counts.sites)
    with pytest.raises(ValueError, match="km from the road network"):
        roads.resolve_point(net.G, "49.6, 6.1", located_data.counts.sites)


def test_the_decision_section_follows_the_data(located_data, located_predictions, graphml):
    """Located sites abroad: congestion and advice between a site and 'lat, lon'; no coordinates: a note."""
    dec = decision.decide(
        located_data,
        located_predictions,
        network_file=str(graphml),
        origin="MSP-35W",
        destination="44.995, -93.22",
        latest_arrival="09:00",
        map_hour=8,
    )
    assert "minneapolis.graphml" in dec.network and dec.congestion.notna().all()
    assert dec.advice_table is not None and "Leave MSP-35W by" in dec.advice.summary()
    assert any("split equally" in note for note in dec.notes)
    unnamed = decision.decide(located_data, located_predictions, network_file=str(graphml))
    assert unnamed.advice is None and any("Advice skipped" in note for note in unnamed.notes)
    blind = decision.decide(
        prepared({"data_path": str(FIXTURES / "wide_export.csv"), "columns": {"site": "station"}}),
        located_predictions,
    )
    assert blind.network is None and blind.notes[0].startswith("**Skipped:** the counts have no coordinates")
