"""The official Luxembourg yearly file (data.public.lu "PCH : Comptage trafic") works as it is: found by its
header, read once by the core's reader (CSV, zip, Excel), checked by the ``lu_official`` contract and converted
to series of post x direction, with its coordinates and its own direction words."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab.contract import ContractError
from pilots.mobility import contract as C
from pilots.mobility.data import CountsError
from pilots.mobility.model.decision import site_network

from .conftest import prepared
from .official import HOUR_COLUMNS, OFFICIAL_COLUMNS, to_official_format

POSTS = ["P009-A3", "P147-A6"]


@pytest.fixture(scope="module")
def official(spring_sim):
    """Two posts x two weeks of simulated counts, and the same written in the official format."""
    counts = spring_sim.counts_frame()
    counts = counts[counts["station_id"].isin(POSTS) & (counts["timestamp"] < "2023-04-17")]
    return counts, to_official_format(counts, spring_sim.stations)


def _write(table: pd.DataFrame, tmp_path) -> str:
    path = tmp_path / "donneestrafic-2023.csv"
    table.to_csv(path, index=False)
    return str(path)


def test_the_official_format_has_the_published_columns(official):
    _, table = official
    assert list(table.columns) == OFFICIAL_COLUMNS
    assert (
        C.sniff_format(table.columns) == "lu_official" and C.COUNTS.layout_for(table.columns) is C.LU_OFFICIAL
    )
    assert set(table["DIRECTION"]) == {1, 2, 3}
    both = table[table["DIRECTION"] == 3].set_index(["POSTE_ID", "DATECOM"])["P07_08"]
    parts = table[table["DIRECTION"] < 3].groupby(["POSTE_ID", "DATECOM"])["P07_08"].sum(min_count=2)
    assert np.allclose(both.sort_index(), parts.sort_index(), equal_nan=True)


def test_the_official_file_is_one_adapter(official, tmp_path):
    counts, table = official
    path = _write(table, tmp_path)
    loaded = livinglab.load("mobility", "counts", {"data_path": path}, record=False)
    assert loaded.mode == "file" and loaded.source.facts["contract"] == "counts"
    assert any("Official Luxembourg counts" in note for note in loaded.notes)
    pilot = prepared({"data_path": path})
    data = pilot.counts
    assert data.n_sites == 2 and set(data.wide.series["direction"]) == {"1", "2"}
    assert data.report.counts["direction_3_rows_dropped_(sum_of_both)"] == 2 * 14
    assert data.wide.series["direction_label"].str.contains("vers Luxembourg").any()  # the file's own words
    assert data.has_coordinates and data.in_luxembourg()
    a3 = data.sites.set_index("station_id").loc["P009-A3"]
    assert a3["lat"] == pytest.approx(49.5155, abs=1e-3) and a3["country"] == "LU"
    merged = counts.assign(
        station_id=counts["station_id"].astype(str), direction=counts["direction"].astype(str)
    )
    code = {(r.station_id, r.direction): i for i, r in data.wide.series.iterrows()}
    t = ((merged["timestamp"] - data.wide.timestamps[0]) // pd.Timedelta(hours=1)).to_numpy()
    rows = merged[["station_id", "direction"]].apply(tuple, axis=1).map(code).to_numpy()
    assert np.allclose(data.wide.values[rows, t], merged["count"], equal_nan=True)
    # posts in Luxembourg go on the embedded network; the calendar is Luxembourg's, with no border holidays
    assert pilot.calendar_flags == ["holiday"] and "site table's country" in pilot.calendar_note
    net = site_network(pilot)
    assert set(net.snapped["station_id"]) == set(POSTS) and "embedded" in net.source


def test_zip_and_xlsx_files_are_read(official, tmp_path):
    _, table = official
    csv = _write(table, tmp_path)
    with zipfile.ZipFile(tmp_path / "donneestrafic-2023.zip", "w") as z:
        z.write(csv, arcname="donneestrafic-2023.csv")
    small = table[table["DATECOM"] <= "2023-04-04"]
    small.to_excel(tmp_path / "donneestrafic-2023.xlsx", index=False)
    for name, days in (("donneestrafic-2023.zip", 14), ("donneestrafic-2023.xlsx", 2)):
        loaded = livinglab.load("mobility", "counts", {"data_path": str(tmp_path / name)}, record=False)
        hours = loaded.frame[loaded.frame["DIRECTION"].isin(["1", "2"])][HOUR_COLUMNS].notna().sum().sum()
        assert (
            hours
            == table[(table["DIRECTION"] < 3) & (table["DATECOM"] < f"2023-04-{3 + days:02d}")][HOUR_COLUMNS]
            .notna()
            .sum()
            .sum()
        ), name


def test_a_file_without_every_hour_is_a_clear_error(official, tmp_path):
    _, table = official
    path = _write(table.drop(columns=["P07_08", "P08_09"]), tmp_path)
    with pytest.raises(CountsError, match="24 hour columns"):
        prepared({"data_path": path})
    with pytest.raises(CountsError, match="vehicle_class 'C' does not occur.*'U'"):
        prepared({"data_path": _write(table, tmp_path), "vehicle_class": "C"})
    bad_date = table.astype({"DATECOM": object}).copy()
    bad_date.loc[0, "DATECOM"] = "2023-13-45"
    with pytest.raises(ContractError, match="DATECOM.*not dates"):
        livinglab.load("mobility", "counts", {"data_path": _write(bad_date, tmp_path)}, record=False)


def test_bad_values_are_left_out_counted_and_reported(official, tmp_path):
    counts, table = official
    bad = table.astype({c: object for c in HOUR_COLUMNS}).copy()
    d1 = bad.index[bad["DIRECTION"] == 1]
    bad.loc[d1[0], "P03_04"] = "abc"  # not a number
    bad.loc[d1[1], "P05_06"] = -4  # negative: a missing-value code
    exact = bad.loc[[d1[5]]]  # the same day twice
    conflicting = bad.loc[[d1[6]]].copy()
    conflicting["P12_13"] = 99999  # the same day with another count at noon
    bad = pd.concat([bad, exact, conflicting], ignore_index=True)
    path = _write(bad, tmp_path)
    with pytest.raises(
        ContractError, match="share their POSTE_ID, DATECOM, DIRECTION, VEHICULE.*-p duplicates"
    ):
        prepared({"data_path": path})  # conflicting rows are never resolved silently
    loaded = livinglab.load("mobility", "counts", {"data_path": path, "duplicates": "first"}, record=False)
    assert loaded.dropped == {
        "identical to an earlier row in every column": 1,
        "combined with rows of the same POSTE_ID, DATECOM, DIRECTION, VEHICULE (duplicates first)": 1,
    }
    data = prepared({"data_path": path, "duplicates": "first"}).counts
    report = data.report.counts
    assert report["non_numeric_counts_excluded"] == 1 and data.report.examples[
        "non_numeric_counts_excluded"
    ] == ["abc"]
    assert report["sentinel_values_excluded"] == 1
    assert "exact_duplicate_rows_dropped" not in report  # the contract dropped them, counted above
    assert "conflicting_duplicate_hours_first_kept" not in report
    assert int(data.excluded.sum()) == 1 and np.nanmin(data.wide.values) >= 0
    assert np.nanmax(data.wide.values) < 99999  # the first of two conflicting counts is kept
    frame = data.report.to_frame()
    assert set(frame.columns) == {"issue", "hours or rows", "examples"} and len(frame) == len(report)
