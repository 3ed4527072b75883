"""Network building: embedded graph from the reference tables, OpenStreetMap file, download refusal, stations."""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from pilots.mobility.model import network as net
from pilots.mobility.model.reference import load_counting_posts, load_segments


def test_embedded_network_is_a_projected_osmnx_graph_with_travel_times(graph):
    assert graph.graph["crs"] == "EPSG:2169"
    assert graph.number_of_edges() == 2 * len(load_segments())  # every segment in both directions
    edges = net.edges_frame(graph)
    assert (edges["length"] > 0).all() and (edges["travel_time"] > 0).all()
    # osmnx's speed from the limit, times the free-flow share of the class
    motorway = edges[edges["highway"] == "motorway"]
    assert np.allclose(motorway["speed_kph"], motorway["speed_limit_kph"] * 0.85, atol=0.1)
    assert np.allclose(edges["travel_time"], edges["length"] / (edges["speed_kph"] / 3.6), rtol=1e-3)
    assert nx.is_strongly_connected(graph)
    # LUREF coordinates of Luxembourg City are near (77 km, 75 km)
    assert 70_000 < graph.nodes["LUX_GARE"]["x"] < 85_000 and 70_000 < graph.nodes["LUX_GARE"]["y"] < 80_000
    assert edges.loc[("METZ", "THIONVILLE", 0), "capacity_vph"] == 3 * 1900


def test_stations_sit_on_edges_of_their_road_and_know_inbound(graph, stations):
    assert len(stations) == 60 and stations.attrs["dropped"] == []
    assert stations["matched_road"].all()
    assert (stations["snap_m"] < 1500).all()
    refs = [graph[u][v][0]["ref"] for u, v in zip(stations["u_in"], stations["v_in"], strict=True)]
    assert refs == stations["road"].tolist()
    # inbound gets closer to Luxembourg City: A3 at Bettembourg runs north, A6 at Steinfort east
    a3 = stations.set_index("station_id").loc["P009-A3"]
    assert graph.nodes[a3["v_in"]]["y"] > graph.nodes[a3["u_in"]]["y"]
    a6 = stations.set_index("station_id").loc["P147-A6"]
    assert graph.nodes[a6["v_in"]]["x"] > graph.nodes[a6["u_in"]]["x"]
    assert np.allclose(np.hypot(stations["inbound_dx"], stations["inbound_dy"]), 1.0)


def test_region_shares_follow_the_commuter_corridors(stations, shares):
    assert np.allclose(shares.sum(axis=1), 1.0)
    by_id = shares.set_index(stations["station_id"])
    assert by_id.loc["P009-A3", "FR"] > 0.5  # A3 towards Thionville
    assert by_id.loc["P147-A6", "BE"] > by_id.loc["P147-A6", "FR"]  # A6 towards Arlon
    assert by_id.loc["P048-A1", "DE-RP"] > 0.3  # A1 towards Trier
    assert by_id.loc["P165-A7", "LU"] > 0.8  # A7 in the north: mostly domestic


def test_attach_stations_rejects_posts_without_coordinates(graph):
    with pytest.raises(ValueError, match="lack column"):
        net.attach_stations(graph, load_counting_posts(2).drop(columns=["lat"]))


def test_download_refuses_offline_before_any_connection(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "1")
    with pytest.raises(net.NetworkUnavailable, match="offline"):
        net.network_from_osm_download(cache_dir=tmp_path)


def test_download_uses_the_cached_graph_without_network(graph, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "1")
    bbox = (6.0, 49.5, 6.2, 49.7)
    small = graph.subgraph(["LUX_GARE", "LUX_CENTRE", "LUX_KIRCHBERG"]).copy()
    relabel = {n: i for i, n in enumerate(small.nodes)}
    ox.save_graphml(
        nx.relabel_nodes(small, relabel),
        tmp_path / ("schengen_" + "_".join(f"{c:.2f}" for c in bbox) + ".graphml"),
    )
    cached = net.network_from_osm_download(bbox, cache_dir=tmp_path)
    assert len(cached) == 3 and "cached" in cached.graph["name"]


def test_missing_osm_file_is_a_clear_error(tmp_path):
    with pytest.raises(net.NetworkUnavailable, match="does not exist"):
        net.network_from_osm_file(tmp_path / "nowhere.osm")


@pytest.mark.realdata
def test_lust_osm_file_builds_the_same_kind_of_graph(shared_data_dir, lust_graph):
    G = lust_graph
    assert G.graph["crs"] == "EPSG:2169"
    assert len(G) > 1000 and nx.is_strongly_connected(G)
    edges = net.edges_frame(G)
    assert {"speed_kph", "travel_time", "capacity_vph"} <= set(edges.columns)
    assert (edges["travel_time"] > 0).all()
    city = net.attach_stations(G, load_counting_posts(), max_snap_m=300)
    assert 3 <= len(city) < 60  # only the city posts lie on this extract
    assert {"P028-N6", "P046-N1"} <= set(city["station_id"])
