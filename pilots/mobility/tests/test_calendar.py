"""The calendar comes from parameters: any country, subdivisions, and home regions for cross-border data only."""

from __future__ import annotations

import pandas as pd
import pytest

from pilots.mobility.data import build_calendar, calendar_summary
from pilots.mobility.data.counts import counts_from_frame
from pilots.mobility.model.calendar import CalendarError, day_calendar, parse_region


def test_a_us_state_calendar():
    cal, flags = day_calendar("2018-07-01", "2018-09-30", country="US", subdivisions=["MN"])
    assert flags == ["holiday"]
    assert cal.loc["2018-07-04", "holiday"] and cal.loc["2018-09-03", "holiday"]  # Independence, Labor Day
    assert "Independence Day" in cal.loc["2018-07-04", "holiday_name"]
    assert cal.loc["2018-07-05", "working_day"] and not cal.loc["2018-07-04", "working_day"]
    assert "home_holiday_not_work" not in cal  # no cross-border features unless the data are cross-border


def test_cross_border_flags_only_with_home_regions():
    cal, flags = day_calendar("2023-05-01", "2023-05-31", country="LU", home_regions=["FR-57", "BE"])
    assert flags == ["holiday", "hol_FR_57", "hol_BE", "home_holiday_not_work"]
    assert cal.loc["2023-05-08", "home_holiday_not_work"]  # Victory in Europe Day in France, LU works
    assert not cal.loc["2023-05-01", "home_holiday_not_work"]  # Labour Day everywhere: not "at home only"
    assert parse_region("DE-SL") == ("DE", "SL") and parse_region("be") == ("BE", None)


def test_no_country_no_holidays_and_bad_codes_are_one_sentence():
    cal, flags = day_calendar("2024-01-01", "2024-01-31")
    assert flags == [] and not cal["holiday"].any()
    with pytest.raises(CalendarError, match="no country 'XX'"):
        day_calendar("2024-01-01", "2024-01-31", country="XX")
    with pytest.raises(CalendarError, match="no subdivision 'ZZ'.*MN"):
        day_calendar("2024-01-01", "2024-01-31", country="US", subdivisions=["ZZ"])


def test_the_calendar_note_follows_the_parameters():
    frame = pd.DataFrame({"timestamp": pd.date_range("2018-07-01", periods=24 * 30, freq="h"), "count": 1.0})
    counts = counts_from_frame(frame, "tidy", source_name="x")
    _, flags, note = build_calendar(counts)
    assert flags == [] and "No holiday calendar" in note and "holiday_country" in note
    _, flags, note = build_calendar(counts, country="US", subdivisions=["MN"])
    assert flags == ["holiday"] and "US (MN)" in note and "1 in the period" in note


def test_the_card_names_the_holiday_features():
    assert calendar_summary([]) == "no holiday calendar given"
    assert calendar_summary(["holiday"]) == "public holidays where counted"
    assert calendar_summary(["holiday", "hol_FR_57", "hol_DE_SL", "home_holiday_not_work"]).endswith(
        "FR-57, DE-SL"
    )
