"""The simulator: calibration to the published AADT, calendar effects, events, queues, missing hours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.mobility.model.calendar import holiday_calendar
from pilots.mobility.synthetic.simulator import INBOUND, SimConfig, simulate_counts


def _series(sim, station_id, direction):
    s = sim.series
    return int(
        np.flatnonzero((s["station_id"] == station_id).to_numpy() & (s["direction"] == direction).to_numpy())[
            0
        ]
    )


def _daily(sim, name, row, hours=slice(None)):
    a = sim.arrays[name][row].reshape(-1, 24)[:, hours]
    return pd.Series(np.nansum(a, axis=1), index=sim.timestamps[::24])


def test_calibration_within_ten_percent_of_the_published_aadt(year_sim):
    table = year_sim.calibration()
    assert table.attrs["period"] == "2023"
    assert (table["ratio"] - 1).abs().max() < 0.10
    assert (table["ratio"] - 1).abs().median() < 0.03


def test_working_days_match_the_published_aawt(year_sim):
    counts = year_sim.arrays["count"]
    S = counts.shape[0]
    both = counts.reshape(S, -1, 24).sum(axis=2)  # NaN if any hour missing
    both = both[0::2] + both[1::2]
    working = year_sim.calendar["lu_working_day"].to_numpy()
    with np.errstate(invalid="ignore"):
        aawt = np.nanmean(both[:, working], axis=1)
    ratio = aawt / year_sim.stations["aawt_2023"].to_numpy()
    assert np.abs(ratio - 1).max() < 0.10


def test_commuter_peaks_inbound_morning_outbound_evening(year_sim):
    working = np.repeat(year_sim.calendar["lu_working_day"].to_numpy(), 24)
    expected = year_sim.arrays["expected"][:, working]
    by_hour = expected.reshape(expected.shape[0], -1, 24).mean(axis=1)
    inbound_peak = by_hour[0::2].argmax(axis=1)
    outbound_peak = by_hour[1::2].argmax(axis=1)
    assert np.isin(inbound_peak, [6, 7, 8]).all()  # 6:30-9:00
    assert np.isin(outbound_peak, [16, 17, 18]).all()  # 16:30-19:00


def test_weekends_and_luxembourg_holidays_are_lower(year_sim):
    row = _series(year_sim, "P009-A3", INBOUND)
    daily = _daily(year_sim, "expected", row)
    cal = year_sim.calendar
    working = daily[cal["lu_working_day"].to_numpy()].mean()
    sunday = daily[(cal["weekday"] == 6).to_numpy() & ~cal["hol_LU"].to_numpy()].mean()
    assert sunday < 0.9 * working
    # Europe Day (Tuesday 9 May 2023) is a Luxembourg holiday: like a Sunday, not like a Tuesday
    assert daily["2023-05-09"] < 0.9 * daily["2023-05-02"]


def test_french_holiday_on_a_lu_working_day_drops_the_french_side_inbound(year_sim):
    """8 May 2023 (Victoire 1945, a Monday) is a holiday in France but a working day in Luxembourg."""
    cal = year_sim.calendar
    assert cal.loc["2023-05-08", "border_holiday"] and not cal.loc["2023-05-08", "hol_LU"]
    mondays = [
        d
        for d in pd.date_range("2023-04-17", "2023-06-19", freq="W-MON")
        if d != pd.Timestamp("2023-05-08")
        and cal.loc[d, "lu_working_day"]
        and not cal.loc[d, "border_holiday"]
    ]
    morning = slice(6, 9)
    fr_side = _series(year_sim, "P009-A3", INBOUND)  # A3 from Thionville: mostly French traffic
    domestic = _series(year_sim, "P165-A7", INBOUND)  # A7 in the north: mostly Luxembourg traffic
    for name in ("expected", "count"):
        fr = _daily(year_sim, name, fr_side, morning)
        lu = _daily(year_sim, name, domestic, morning)
        fr_drop = 1 - fr["2023-05-08"] / fr[mondays].mean()
        lu_drop = 1 - lu["2023-05-08"] / lu[mondays].mean()
        assert fr_drop > 0.15, (name, fr_drop)
        assert fr_drop > lu_drop + 0.10, (name, fr_drop, lu_drop)


def test_holiday_drop_is_the_configured_assumption(stations, shares):
    """Without the assumed drop, 8 May looks like any Monday: the effect comes from holiday_drop alone."""
    kwargs = dict(start="2023-05-01", days=14, seed=0)
    with_drop = simulate_counts(stations.head(1), shares.head(1), **kwargs)
    no_drop = simulate_counts(stations.head(1), shares.head(1), config=SimConfig(holiday_drop=0.0), **kwargs)
    day = slice(7 * 24, 8 * 24)  # 8 May
    ratio = with_drop.arrays["expected"][0, day].sum() / no_drop.arrays["expected"][0, day].sum()
    assert ratio < 0.9
    other = slice(8 * 24, 9 * 24)
    # other days differ only by the calibration (the drop lowers the annual mean a little)
    assert with_drop.arrays["expected"][0, other].sum() == pytest.approx(
        no_drop.arrays["expected"][0, other].sum(), rel=0.01
    )


def test_events_cut_capacity_and_queues_spill_into_later_hours(year_sim):
    a = year_sim.arrays
    assert a["incident"].mean() > 0 and a["roadworks"].mean() > 0
    assert year_sim.calendar["bad_weather"].sum() > 0
    # served flow never exceeds capacity; what is not served waits in the queue
    assert (a["flow"] <= a["capacity"] * 1.0001 + 1e-3).all()
    queued = a["queue"] > 1
    assert queued.any()
    cap_at_queue = a["capacity"][queued]
    assert np.allclose(a["flow"][queued], cap_at_queue, rtol=1e-3)
    # the queue empties later: total served equals total demand minus what is left at the end
    served = a["flow"].astype(float).sum(axis=1)
    demand = a["demand"].astype(float).sum(axis=1)
    assert np.allclose(served + a["queue"][:, -1], demand, rtol=1e-4)
    # incidents happen where capacity is reduced
    assert (
        a["capacity"][a["incident"]]
        < np.repeat(a["capacity"].max(axis=1, keepdims=True), a["capacity"].shape[1], axis=1)[a["incident"]]
    ).all()


def test_missing_hours_and_truth_are_kept(year_sim):
    count = year_sim.arrays["count"]
    missing = np.isnan(count).mean()
    assert 0.003 < missing < 0.05
    truth = year_sim.truth_frame()
    assert {"expected", "demand", "capacity", "queue", "flow", "incident", "roadworks", "bad_weather"} <= set(
        truth.columns
    )
    assert len(truth) == year_sim.n_rows == 120 * 365 * 24
    assert truth["flow"].notna().all()  # the truth has no gaps, the observations do


def test_same_seed_same_counts(stations, shares):
    a = simulate_counts(stations.head(2), shares.head(2), start="2023-03-01", days=7, seed=5)
    b = simulate_counts(stations.head(2), shares.head(2), start="2023-03-01", days=7, seed=5)
    c = simulate_counts(stations.head(2), shares.head(2), start="2023-03-01", days=7, seed=6)
    assert np.array_equal(a.arrays["count"], b.arrays["count"], equal_nan=True)
    assert not np.array_equal(a.arrays["count"], c.arrays["count"], equal_nan=True)


def test_bad_inputs_fail_with_a_sentence(stations, shares):
    with pytest.raises(ValueError, match="stations lack"):
        simulate_counts(stations.drop(columns=["aadt_2023"]), shares)
    with pytest.raises(ValueError, match="shares has"):
        simulate_counts(stations, shares.head(3))
    with pytest.raises(ValueError, match="days must be"):
        simulate_counts(stations, shares, days=0)


def test_holiday_calendar_flags():
    cal = holiday_calendar("2023-01-01", "2023-12-31")
    assert cal["hol_LU"].sum() == 11  # Luxembourg 2023, including Europe Day and National Day
    assert cal.loc["2023-06-23", "hol_LU"] and not cal.loc["2023-06-23", "hol_FR"]
    assert cal.loc["2023-07-14", "border_holiday"] and cal.loc["2023-07-21", "border_holiday"]
    assert cal.loc["2023-06-08", "hol_DE_SL"] and cal.loc["2023-06-08", "hol_DE_RP"]
    assert cal.loc["2023-08-15", "hol_DE_SL"] and not cal.loc["2023-08-15", "hol_DE_RP"]
    assert cal.loc["2023-04-07", "hol_FR"]  # Good Friday: Moselle only
    with pytest.raises(ValueError, match="before start"):
        holiday_calendar("2023-02-01", "2023-01-01")
