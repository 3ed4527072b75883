"""The pipeline's entry points: the synthetic path gives the model no oracle, the file path follows the data."""

from __future__ import annotations

import numpy as np
import pytest

from pilots.mobility import pipeline
from pilots.mobility.counts import CountsError

from .conftest import FIXTURES


def test_the_synthetic_counts_give_the_model_no_simulator_flags(spring_data, spring_builder):
    """Only what a real counts file gives (counts, their directions) plus the calendar of parameters: none of
    the simulator's incident, roadworks or weather flags, nor its holiday exposure or origin shares."""
    assert spring_data.counts.covariates == {}
    X = spring_builder.design(np.array([0]), np.array([900]), 24, np.ones(spring_data.wide.shape[0]))
    oracle = ("incident", "roadworks", "weather", "exposure", "share_", "aadt", "lanes", "road_class")
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


def test_a_partner_file_keeps_its_own_calendar_and_directions():
    counts, _ = pipeline.load_counts(
        str(FIXTURES / "city_export.csv.gz"),
        {"site": "Zählstelle", "date": "Datum", "hour": "Stunde", "direction": "Richtung", "count": "Anzahl"},
        {"dayfirst": True},
    )
    plain = pipeline.prepare_counts(counts)
    assert plain.calendar_flags == [] and "No holiday calendar" in plain.calendar_note
    german = pipeline.prepare_counts(counts, holiday_country="DE", holiday_subdivisions=["BW"])
    assert (
        german.calendar_flags == ["holiday"] and german.calendar.loc["2024-04-01", "holiday"]
    )  # Easter Monday
    assert "home_holiday_not_work" not in german.calendar  # not cross-border data


def test_too_short_counts_are_refused_with_one_sentence():
    import pandas as pd

    from pilots.mobility.counts import counts_from_frame

    frame = pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=24 * 20, freq="h"), "count": 1.0})
    data = pipeline.prepare_counts(counts_from_frame(frame, "tidy"))
    with pytest.raises(CountsError, match="cover 20 days.*at least 28"):
        pipeline.backtest(data)


def test_run_returns_the_headline_numbers():
    m = pipeline.run(n_stations=2, start="2023-03-06", days=42, seed=0)
    assert m["rows"] == 2 * 2 * 42 * 24 and m["series"] == 4
    assert np.isfinite(m["mae_h1"]) and m["mae_h1"] < m["mae_h1_seasonal_naive"]
    assert {"mae_h1_plain_lgbm", "ratio_h1_plain_lgbm", "ratio_h24_seasonal_naive"} <= set(m)


def test_real_network_choices_are_checked():
    with pytest.raises(ValueError, match="osm_network must be"):
        pipeline.real_network("somewhere")
