"""Anyone's counts: the contracts, the layouts (tidy, wide; the official Luxembourg file: test_official.py),
sentinels, gaps, classes; always through ``livinglab.load`` and ``data.prepare``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab.contract import ContractError, check_file
from pilots.mobility import contract as C
from pilots.mobility.data import CountsError
from pilots.mobility.data.counts import counts_from_frame

from .conftest import FIXTURES, prepared

CITY = FIXTURES / "city_export.csv.gz"
CITY_COLUMNS = {
    "site": "Zählstelle",
    "date": "Datum",
    "hour": "Stunde",
    "direction": "Richtung",
    "count": "Anzahl",
}
WIDE = FIXTURES / "wide_export.csv"


def _city_truth() -> pd.DataFrame:
    raw = pd.read_csv(CITY, sep=";", encoding="cp1252")
    raw["timestamp"] = pd.to_datetime(raw["Datum"], format="%d.%m.%Y") + pd.to_timedelta(
        raw["Stunde"] - 1, unit="h"
    )
    return raw


def test_a_city_export_as_people_send_it():
    """`;`, gzip, Windows-1252, day-first dates, an hour column 1-24, -1 for no count, one direction, no
    coordinates, a sixth of the hours absent: read through data_path/columns/read_options only."""
    params = {"data_path": str(CITY), "columns": CITY_COLUMNS, "read_options": {"dayfirst": True}}
    loaded = livinglab.load("mobility", "counts", params, record=False)
    counts = prepared(params).counts
    truth = _city_truth()
    assert loaded.report.separator == ";" and loaded.report.compression == "gzip"
    assert loaded.mode == "file" and "layout: Hourly traffic counts (one row per hour)" in loaded.notes
    assert counts.n_sites == 3 and list(counts.wide.series["direction_label"].unique()) == ["stadteinwärts"]
    assert counts.wide.timestamps[0] == pd.Timestamp("2024-03-04 00:00")  # hour 1 = the hour from 0:00
    assert counts.wide.timestamps[-1] == pd.Timestamp("2024-04-28 23:00")
    n_sentinels = int((truth["Anzahl"] == -1).sum())
    assert counts.report.counts["sentinel_values_excluded"] == n_sentinels > 0
    assert int(counts.excluded.sum()) == n_sentinels
    grid = 3 * 56 * 24
    assert counts.report.counts["hours_missing_from_the_file"] == grid - len(truth)
    assert np.isnan(counts.wide.values).sum() == grid - len(truth) + n_sentinels
    assert not counts.has_coordinates and counts.sites is None
    assert "Temperatur" in counts.covariates  # decimal commas read as numbers
    row = truth[(truth["Zählstelle"] == "Zählstelle Süd") & (truth["Anzahl"] >= 0)].iloc[100]
    code = np.flatnonzero(counts.wide.series["station_id"] == "Zählstelle Süd")[0]
    t = int((row["timestamp"] - counts.wide.timestamps[0]) / pd.Timedelta(hours=1))
    assert counts.wide.values[code, t] == row["Anzahl"]


def test_the_runner_checks_the_export_before_any_kernel_starts():
    header = pd.read_csv(CITY, sep=";", encoding="cp1252", nrows=0).columns
    assert C.COUNTS.layout_for(header) is C.TIDY
    contract = C.CONTRACTS["counts"]  # the design's contract, as the runner checks the file with it
    applied = check_file(str(CITY), CITY_COLUMNS, contract, {"dayfirst": True})
    assert "timestamp: built from date + hour" in applied.notes
    with pytest.raises(ContractError, match="no column for 'count'.*-p columns"):
        check_file(
            str(CITY), {k: v for k, v in CITY_COLUMNS.items() if k != "count"}, contract, {"dayfirst": True}
        )
    with pytest.raises(ContractError, match="no such column.*did you mean 'Anzahl'"):
        check_file(str(CITY), {**CITY_COLUMNS, "count": "Anzahll"}, contract, {"dayfirst": True})


def test_a_wide_export_is_found_by_its_hour_columns():
    raw = pd.read_csv(WIDE)
    assert C.COUNTS.layout_for(raw.columns) is C.WIDE_COUNTS and C.sniff_format(raw.columns) == "wide"
    counts = prepared({"data_path": str(WIDE), "columns": {"site": "station"}}).counts
    assert counts.n_sites == 2 and counts.wide.shape == (2, 42 * 24) and counts.missing_share() == 0
    code = np.flatnonzero(counts.wide.series["station_id"] == "MSP-94E")[0]
    first = raw[raw["station"] == "MSP-94E"].iloc[3]
    day = int((pd.Timestamp(first["date"]) - counts.wide.timestamps[0]) / pd.Timedelta(hours=1))
    assert counts.wide.values[code, day + 7] == first["07-08"]
    with pytest.raises(CountsError, match="24 hour columns"):
        counts_from_frame(raw.drop(columns=["07-08"]).rename(columns={"station": "site"}), "wide")


@pytest.mark.parametrize(
    "names, first",
    [
        ([str(h) for h in range(24)], 0),
        ([str(h) for h in range(1, 25)], 0),
        ([f"h{h:02d}" for h in range(24)], 0),
        ([f"{h:02d}:00" for h in range(24)], 0),
        ([f"P{h:02d}_{h + 1:02d}" for h in range(24)], 0),
        ([f"{h:02d}:00-{h + 1:02d}:00" for h in range(24)], 0),
        ([f"hour_{h}" for h in range(24)], 0),
    ],
)
def test_hour_columns_are_recognised(names, first):
    found = C.hour_columns(["site", "date", *names])
    assert sorted(found.values()) == list(range(24)) and found[names[0]] == first
    assert C.hour_columns(["site", *names[:23]]) == {}  # 23 columns are not a day


def test_one_series_without_a_site_column_is_one_site():
    frame = pd.DataFrame(
        {"timestamp": pd.date_range("2024-01-01", periods=48, freq="h"), "count": np.arange(48.0)}
    )
    counts = counts_from_frame(frame, "tidy", source_name="my_counter")
    assert list(counts.wide.series["station_id"]) == ["my_counter"] and not counts.has_directions
    assert counts.wide.series["direction_label"].iloc[0] == "all directions"


def test_vehicle_classes_total_chosen_else_summed():
    t = pd.date_range("2024-01-01", periods=4, freq="h")
    frame = pd.DataFrame(
        {
            "site": "A",
            "timestamp": np.tile(t, 3),
            "vehicle_class": np.repeat(["car", "truck", "all"], 4),
            "count": [10.0, 11, 12, 13, 1, 2, 3, 4, 11, 13, 15, 17],
        }
    )
    total = counts_from_frame(frame, "tidy")
    assert total.vehicle_class == "all" and list(total.wide.values[0]) == [11, 13, 15, 17]
    summed = counts_from_frame(frame[frame["vehicle_class"] != "all"], "tidy")
    assert summed.vehicle_class.startswith("sum of") and list(summed.wide.values[0]) == [11, 13, 15, 17]
    trucks = counts_from_frame(frame, "tidy", vehicle_class="truck")
    assert list(trucks.wide.values[0]) == [1, 2, 3, 4]
    with pytest.raises(CountsError, match="does not occur"):
        counts_from_frame(frame, "tidy", vehicle_class="bus")


def test_sub_hourly_readings_are_summed_and_incomplete_hours_excluded():
    t = pd.date_range("2024-01-01", periods=12, freq="15min")
    frame = pd.DataFrame({"site": "A", "timestamp": t, "count": 1.0}).drop(
        index=[5]
    )  # hour 1 lacks a quarter
    counts = counts_from_frame(frame, "tidy")
    assert (
        counts.wide.values[0, 0] == 4 and np.isnan(counts.wide.values[0, 1]) and counts.wide.values[0, 2] == 4
    )
    assert counts.report.counts["incomplete_hours_of_sub_hourly_data_excluded"] == 1


def test_declared_sentinels_and_duplicates_are_counted():
    t = pd.date_range("2024-01-01", periods=6, freq="h")
    frame = pd.DataFrame({"site": "A", "timestamp": t, "count": [5.0, 9999, -1, 7, 8, 9]})
    frame = pd.concat([frame, frame.iloc[[3]], frame.iloc[[4]].assign(count=80.0)], ignore_index=True)
    counts = counts_from_frame(frame, "tidy", sentinels=[9999])
    assert counts.report.counts["sentinel_values_excluded"] == 2
    assert counts.report.counts["exact_duplicate_rows_dropped"] == 1
    assert counts.report.counts["conflicting_duplicate_hours_first_kept"] == 1
    assert np.isnan(counts.wide.values[0, [1, 2]]).all() and counts.wide.values[0, 4] == 8


def test_a_site_table_with_projected_coordinates(tmp_path):
    sites = pd.DataFrame(
        {
            "site": ["MSP-35W", "MSP-94E", "elsewhere"],
            "x": [478_600.0, 480_400, 1.0],
            "y": [4_980_300.0, 4_979_700, 1.0],
        }
    )
    path = tmp_path / "sites.csv"
    sites.to_csv(path, index=False)
    params = {"data_path": str(WIDE), "columns": {"site": "station"}, "sites_path": str(path)}
    counts = prepared({**params, "sites_crs": "EPSG:26915"}).counts
    assert counts.has_coordinates and not counts.in_luxembourg()
    located = counts.sites.set_index("station_id")
    assert located.loc["MSP-35W", "lat"] == pytest.approx(44.98, abs=0.01)
    assert any("have no counts" in n for n in counts.report.notes)
    with pytest.raises(CountsError, match="sites_crs"):
        prepared({**params, "sites_crs": "EPSG:nonsense"})
