"""What ``data.prepare`` makes of loaded counts: the synthetic path gives the model no oracle, a partner's
file keeps its own calendar and directions, and too short counts are one sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility import model
from pilots.mobility.data import CountsError, PilotData, build_calendar
from pilots.mobility.data.counts import counts_from_frame
from pilots.mobility.model.decision import real_network

from .conftest import FIXTURES, prepared

CITY = {
    "data_path": str(FIXTURES / "city_export.csv.gz"),
    "columns": {
        "site": "Zählstelle",
        "date": "Datum",
        "hour": "Stunde",
        "direction": "Richtung",
        "count": "Anzahl",
    },
    "read_options": {"dayfirst": True},
}


def test_the_synthetic_counts_give_the_model_no_simulator_flags(spring_data, spring_builder):
    """Only what a real counts file gives (counts, their directions) plus the calendar of parameters: none of
    the simulator's incident, roadworks or weather flags, nor its holiday exposure or origin shares."""
    assert spring_data.counts.covariates == {}
    X = spring_builder.design(np.array([0]), np.array([900]), 24, np.ones(spring_data.wide.shape[0]))
    oracle = (
        "incident",
        "roadworks",
        "weather",
        "exposure",
        "share_",
        "aadt",
        "lanes",
        "road_class",
        "capacity",
    )
    assert not [c for c in X.columns if any(word in c for word in oracle)]
    assert spring_data.calendar_flags == [
        "holiday",
        "hol_FR_57",
        "hol_BE",
        "hol_DE_SL",
        "hol_DE_RP",
        "home_holiday_not_work",
    ]
    assert set(spring_data.wide.series["direction_label"]) == {
        "inbound (towards Luxembourg City)",
        "outbound",
    }
    # the synthetic world for the decision section: the simulator's posts on its network, with its capacity
    assert set(spring_data.stations["station_id"]) == set(spring_data.wide.series["station_id"])
    assert (spring_data.stations["capacity_vph_sim"] >= spring_data.stations["capacity_vph"]).all()


def test_a_partner_file_keeps_its_own_calendar_and_directions():
    plain = prepared(CITY)
    assert plain.calendar_flags == [] and "No holiday calendar" in plain.calendar_note
    german = prepared({**CITY, "holiday_country": "DE", "holiday_subdivisions": ["BW"]})
    assert (
        german.calendar_flags == ["holiday"] and german.calendar.loc["2024-04-01", "holiday"]
    )  # Easter Monday
    assert "home_holiday_not_work" not in german.calendar  # not cross-border data
    assert list(german.wide.series["direction_label"].unique()) == ["stadteinwärts"]


def test_too_short_counts_are_refused_with_one_sentence():
    frame = pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=24 * 20, freq="h"), "count": 1.0})
    counts = counts_from_frame(frame, "tidy")
    data = PilotData(counts, *build_calendar(counts))
    with pytest.raises(CountsError, match="cover 20 days.*at least 28"):
        model.backtest(data)


def test_real_network_choices_are_checked():
    with pytest.raises(ValueError, match="osm_network must be"):
        real_network("somewhere")
