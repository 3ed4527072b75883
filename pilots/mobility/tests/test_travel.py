"""From flows to travel times and the departure advisor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.model import decision, travel


def test_bpr_volume_delay():
    assert travel.bpr_travel_time(100.0, 0.0, 1000.0) == 100.0
    assert travel.bpr_travel_time(100.0, 1000.0, 1000.0) == pytest.approx(115.0)
    assert travel.bpr_travel_time(100.0, 2000.0, 1000.0) == pytest.approx(100 * (1 + 0.15 * 16))


def test_donors_prefer_the_station_on_the_edge_then_the_same_road(graph, stations):
    donors = travel.edge_donors(graph, stations)
    assert len(donors) == graph.number_of_edges()
    a3 = stations.set_index("station_id").loc["P009-A3"]
    assert donors.loc[(a3["u_in"], a3["v_in"], 0), "how"] == "on edge"
    assert tuple(donors.loc[(a3["u_in"], a3["v_in"], 0), ["station_id", "direction"]]) == ("P009-A3", 1)
    assert tuple(donors.loc[(a3["v_in"], a3["u_in"], 0), ["station_id", "direction"]]) == ("P009-A3", 2)
    # the A3 south of Bettembourg has no station: it borrows from the A3 post, inbound going north
    south = donors.loc[("J_A3_DUDELANGE", "J_BETTEMBOURG", 0)]
    assert south["how"] == "same road" and south["station_id"] == "P009-A3" and south["direction"] == 1


def test_arrival_is_timed_hour_by_hour():
    tt = np.array([[600.0] * 8 + [1800.0] * 16, [600.0] * 24])  # edge 1 slow from 8:00
    dep = np.array([7 * 3600, 7 * 3600 + 3000, 8 * 3600])
    arr = travel.arrival_seconds(tt, dep)
    assert list(arr - dep) == [1200, 1200, 2400]  # 7:50 enters edge 1 before 8:00, 8:00 does not
    assert np.all(np.diff(arr) >= 0)


def _flat_vc(stations, level):
    idx = pd.MultiIndex.from_product([stations["station_id"], [1, 2]], names=["station_id", "direction"])
    return pd.DataFrame(level, index=idx, columns=range(24))


def test_advice_latest_departure_respects_p90_and_incident_makes_it_earlier(graph, stations):
    donors = travel.edge_donors(graph, stations)
    hours = np.arange(24)
    peak = 0.5 + 0.45 * np.exp(-0.5 * ((hours - 7.5) / 1.2) ** 2)
    vc50 = _flat_vc(stations, 1.0) * peak
    vc90 = vc50 * 1.12
    kw = dict(
        origin="THIONVILLE",
        destination="LUX_KIRCHBERG",
        date="2023-06-07",
        latest_arrival="09:00",
        step_minutes=1,
    )
    advice = travel.advise_departure(graph, donors, vc50, vc90, **kw)
    best = advice.best
    deadline = pd.Timestamp("2023-06-07 09:00")
    curve = advice.curves[advice.curves["route"] == best["label"]].set_index("departure")
    assert curve.loc[best["latest_departure"], "arrival_p90"] <= deadline
    assert curve.loc[best["latest_departure"] + pd.Timedelta(minutes=1), "arrival_p90"] > deadline
    assert best["trip_p90_min"] >= best["trip_p50_min"] >= best["free_flow_min"] - 1e-9
    assert advice.routes["crossing"].nunique() >= 2  # alternative crossings are compared
    assert "Leave THIONVILLE by" in advice.summary()

    incident = travel.incident_between(graph, "J_A3_LIVANGE", "J_GASPERICH", 6.0, 10.0, 0.5)
    worse = travel.advise_departure(graph, donors, vc50, vc90, incidents=[incident], **kw)
    a3_route = advice.routes.loc[advice.routes["route"].str.contains("A3 - A1"), "latest_departure"].iloc[0]
    a3_worse = worse.routes.loc[worse.routes["route"].str.contains("A3 - A1"), "latest_departure"].iloc[0]
    assert a3_worse < a3_route
    assert worse.best["latest_departure"] <= best["latest_departure"]


def test_unknown_places_and_roads_are_clear_errors(graph, stations):
    with pytest.raises(ValueError, match="unknown place"):
        travel.candidate_routes(graph, "ATLANTIS", "LUX_GARE")
    with pytest.raises(ValueError, match="no direct road"):
        travel.incident_between(graph, "METZ", "TRIER", 7, 9)


def _tri_border(data):
    from pilots.mobility.model.calendar import holiday_calendar

    return holiday_calendar(data.wide.timestamps[0], data.wide.timestamps[-1])


def test_compare_advice_on_forecasts(spring_backtest, spring_data):
    days = decision.pick_days(_tri_border(spring_data), spring_backtest.predictions)
    assert days["ordinary"].weekday() in (1, 2, 3)
    assert days["border_holiday"] == pd.Timestamp(
        "2023-06-08"
    )  # Corpus Christi in Saarland/Rhineland-Palatinate
    incident = travel.incident_between(spring_data.G, "J_A3_LIVANGE", "J_GASPERICH", 6.5, 9.5, 0.5)
    table, advices = decision.compare_advice(
        spring_data,
        spring_backtest.predictions,
        origin="THIONVILLE",
        destination="LUX_KIRCHBERG",
        latest_arrival="09:00",
        days=days,
        incidents=[incident],
    )
    assert list(table["scenario"]) == ["ordinary", "border_holiday", "ordinary + incident"]
    lead = table.set_index("scenario")["leave earlier than ordinary day (min)"]
    assert lead["ordinary"] == 0 and lead["ordinary + incident"] > 0
    with pytest.raises(ValueError, match="no horizon-24 forecasts"):
        travel.station_flow_table(spring_backtest.predictions, "2022-01-01")


@pytest.mark.realdata
def test_the_advisor_runs_on_openstreetmap_geometry(
    shared_data_dir, lust_graph, spring_backtest, spring_data
):
    G = lust_graph
    days = decision.pick_days(_tri_border(spring_data), spring_backtest.predictions)
    table, advices = decision.compare_advice(
        spring_data,
        spring_backtest.predictions,
        origin="LUX_GARE",
        destination="LUX_KIRCHBERG",
        latest_arrival="09:00",
        days={"ordinary": days["ordinary"]},
        G=G,
        stations=spring_data.stations,
    )
    adv = advices["ordinary"]
    assert pd.notna(adv.best["latest_departure"]) and 2 < adv.best["trip_p50_min"] < 30


@pytest.mark.realdata
def test_the_city_check_fetches_the_lust_network_from_the_catalogue(
    shared_data_dir, spring_backtest, spring_data
):
    """``osm_network lust_file``: the LuST extract comes through ``livinglab.fetch`` (the data mirror here)."""
    day = decision.pick_days(_tri_border(spring_data), spring_backtest.predictions)["ordinary"]
    table, note = decision.city_check(
        spring_data, spring_backtest.predictions, osm_network="lust_file", latest_arrival="09:00", day=day
    )
    assert table is not None and list(table["scenario"]) == ["ordinary"], note
    assert "OpenStreetMap's Luxembourg City" in note
    assert decision.city_check(
        spring_data, spring_backtest.predictions, osm_network="none", latest_arrival="09:00", day=day
    ) == (None, "")
    with pytest.raises(ValueError, match="osm_network must be one of"):
        decision.city_check(
            spring_data, spring_backtest.predictions, osm_network="x", latest_arrival="09:00", day=day
        )


def test_pick_days_prefers_the_origin_regions_holiday():
    from pilots.mobility.model.calendar import holiday_calendar

    cal = holiday_calendar("2023-06-01", "2023-07-31")
    preds = pd.DataFrame({"horizon": 24, "timestamp": pd.date_range("2023-06-05", "2023-07-30", freq="h")})
    assert decision.pick_days(cal, preds)["border_holiday"] == pd.Timestamp(
        "2023-06-08"
    )  # Corpus Christi (DE)
    assert decision.pick_days(cal, preds, region=decision.home_region("THIONVILLE"))[
        "border_holiday"
    ] == pd.Timestamp("2023-07-14")
    assert decision.pick_days(cal, preds, region="BE")["border_holiday"] == pd.Timestamp("2023-07-21")
    assert decision.home_region("TRIER") == "DE-RP"
