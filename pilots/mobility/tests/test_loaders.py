"""Loaders: the official data.public.lu counts format and the CITA DATEX II feed, including bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors
import pytest

from pilots.mobility import loaders as L

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def official(spring_data):
    """Two stations x one week of simulated counts written in the official format."""
    sim = spring_data.simulation
    counts = sim.counts_frame()
    counts = counts[counts["station_id"].isin(["P009-A3", "P147-A6"]) & (counts["timestamp"] < "2023-04-10")]
    return counts, L.to_official_format(counts, sim.stations)


def test_official_format_has_the_published_columns(official):
    _, table = official
    assert list(table.columns) == L.OFFICIAL_COLUMNS
    assert set(table["DIRECTION"]) == {1, 2, 3}
    both = table[table["DIRECTION"] == 3].set_index(["POSTE_ID", "DATECOM"])["P07_08"]
    parts = table[table["DIRECTION"] < 3].groupby(["POSTE_ID", "DATECOM"])["P07_08"].sum(min_count=2)
    assert np.allclose(both.sort_index(), parts.sort_index(), equal_nan=True)


def test_round_trip_to_a_validated_tidy_frame(official, tmp_path):
    counts, table = official
    path = tmp_path / "donneestrafic-2023.csv"
    table.to_csv(path, index=False)
    tidy, posts, report = L.read_official_counts(path)
    L.TIDY_SCHEMA.validate(tidy)
    assert report.counts == {"direction_3_sum_rows_dropped": 14}
    merged = counts.assign(station_id=counts["station_id"].astype(str)).merge(
        tidy, on=["station_id", "direction", "timestamp"], suffixes=("", "_read")
    )
    assert len(merged) == len(counts) == len(tidy)
    assert np.allclose(merged["count"], merged["count_read"], equal_nan=True)
    assert set(posts["station_id"]) == {"P009-A3", "P147-A6"}
    # LUREF coordinates come back as WGS84 close to the posts' published positions
    assert posts.set_index("station_id").loc["P009-A3", "lat"] == pytest.approx(49.5155, abs=1e-3)


def test_zip_and_xlsx_files_are_read(official, tmp_path):
    _, table = official
    csv = tmp_path / "donneestrafic-2023.csv"
    table.to_csv(csv, index=False)
    with zipfile.ZipFile(tmp_path / "donneestrafic-2023.zip", "w") as z:
        z.write(csv, arcname="donneestrafic-2023.csv")
    tidy_zip, _, _ = L.read_official_counts(tmp_path / "donneestrafic-2023.zip")
    small = table[table["DATECOM"] <= "2023-04-04"]
    small.to_excel(tmp_path / "donneestrafic-2023.xlsx", index=False)
    tidy_xlsx, _, _ = L.read_official_counts(tmp_path / "donneestrafic-2023.xlsx")
    assert len(tidy_zip) == 2 * 2 * 7 * 24 and len(tidy_xlsx) == 2 * 2 * 2 * 24


def test_missing_hour_columns_are_a_clear_error(official):
    _, table = official
    with pytest.raises(L.CountsFormatError, match="missing hour column.*P07_08, P08_09"):
        L.read_official_counts(table.drop(columns=["P07_08", "P08_09"]))
    with pytest.raises(L.CountsFormatError, match="missing key column.*POSTE_ID"):
        L.read_official_counts(table.drop(columns=["POSTE_ID"]))
    with pytest.raises(L.CountsFormatError, match="no usable rows with VEHICULE == 'U'"):
        L.read_official_counts(table.assign(VEHICULE="C"))
    with pytest.raises(L.CountsFormatError, match="has no rows"):
        L.read_official_counts(table.iloc[:0])


def test_unreadable_or_absent_files(tmp_path):
    with pytest.raises(L.CountsFormatError, match="does not exist"):
        L.read_official_counts(tmp_path / "missing.csv")
    (tmp_path / "counts.json").write_text("{}")
    with pytest.raises(L.CountsFormatError, match="unsupported file type"):
        L.read_official_counts(tmp_path / "counts.json")


def test_bad_values_are_cleaned_counted_and_reported(official):
    _, table = official
    bad = table.astype({c: object for c in L.HOUR_COLUMNS}).copy()
    d1 = bad.index[bad["DIRECTION"] == 1]
    bad.loc[d1[0], "P03_04"] = "abc"  # non-numeric
    bad.loc[d1[1], "P05_06"] = -4  # negative
    bad.loc[d1[2], "SUM_TRAF"] = 1  # sum that does not add up
    bad.loc[d1[3], "DATECOM"] = "2023-13-45"  # impossible date
    bad.loc[d1[4], "DIRECTION"] = 7  # unknown direction
    exact = bad.loc[[d1[5]]]
    conflicting = bad.loc[[d1[6]]].copy()
    conflicting["P12_13"] = 99999
    unknown = bad.loc[[d1[7]]].copy()
    unknown["POSTE_ID"] = "P999-X9"
    bad = pd.concat([bad, exact, conflicting, unknown], ignore_index=True)
    tidy, _, report = L.read_official_counts(bad, known_posts=["P009-A3", "P147-A6"])
    assert report.counts["non_numeric_counts_set_missing"] == 1
    assert report.counts["negative_counts_set_missing"] == 1
    assert report.counts["sum_traf_mismatch_rows_kept"] >= 1
    assert report.counts["invalid_date_rows_dropped"] == 1
    assert report.counts["invalid_direction_rows_dropped"] == 1
    assert report.counts["exact_duplicate_rows_dropped"] == 1
    assert report.counts["conflicting_duplicate_rows_dropped"] == 2
    assert report.counts["unknown_post_rows_dropped"] == 1
    assert "P999-X9" in report.examples["unknown_post_rows_dropped"]
    assert "abc" in report.examples["non_numeric_counts_set_missing"]
    assert not report.clean and "negative_counts_set_missing: 1" in str(report)
    assert (tidy["count"].dropna() >= 0).all()
    L.TIDY_SCHEMA.validate(tidy)
    frame = report.to_frame()
    assert set(frame.columns) == {"issue", "count", "examples"} and len(frame) == len(report.counts)


def test_tidy_schema_rejects_what_the_loader_must_never_emit():
    bad = pd.DataFrame(
        {
            "station_id": ["P1", "P1"],
            "direction": np.array([1, 1], dtype=np.int8),
            "timestamp": pd.to_datetime(["2023-01-01 00:00", "2023-01-01 00:00"]),
            "count": np.array([5, -1], dtype=np.float32),
        }
    )
    with pytest.raises(pandera.errors.SchemaErrors):
        L.TIDY_SCHEMA.validate(bad, lazy=True)


def test_complete_hourly_grid_adds_missing_hours():
    tidy = pd.DataFrame(
        {
            "station_id": ["A"] * 3,
            "direction": np.array([1, 1, 1], dtype=np.int8),
            "timestamp": pd.to_datetime(["2023-01-01 00:00", "2023-01-01 01:00", "2023-01-01 04:00"]),
            "count": np.array([1, 2, 5], dtype=np.float32),
        }
    )
    full, added = L.complete_hourly_grid(tidy)
    assert added == 2 and len(full) == 5 and full["count"].isna().sum() == 2


def test_datex2_measurements_with_site_table():
    frame, report = L.parse_datex2(
        FIXTURES / "cita_a3_measured.xml", site_table=FIXTURES / "cita_a3_sites.xml"
    )
    L.DATEX_SCHEMA.validate(frame)
    assert list(frame.columns) == [
        "site_id",
        "time",
        "road",
        "direction",
        "lat",
        "lon",
        "speed_kmh",
        "occupancy_pct",
        "flow_vph",
    ]
    row = frame.set_index("site_id").loc["A3.LU.0231"]
    assert row["time"] == pd.Timestamp("2024-03-12 07:15")  # local clock time
    assert (row["road"], row["direction"]) == ("A3", "northBound")
    assert (row["lat"], row["lon"], row["speed_kmh"], row["occupancy_pct"], row["flow_vph"]) == (
        49.5431,
        6.1302,
        58.0,
        21.5,
        3420.0,
    )
    assert report.counts == {
        "non_numeric_speed_kmh_set_missing": 1,
        "out_of_range_occupancy_pct_set_missing": 1,
        "measurements_without_site_record": 1,
        "duplicate_measurements_dropped": 1,
    }
    assert report.rows_in == 5 and report.rows_out == 4


def test_datex2_without_site_table_keeps_rows_and_counts_them():
    frame, report = L.parse_datex2(FIXTURES / "cita_a3_measured.xml")
    assert frame["lat"].isna().all()
    assert report.counts["measurements_without_site_record"] == 5


def test_datex2_malformed_input_is_a_clear_error(tmp_path):
    with pytest.raises(L.DatexFormatError, match="not well-formed XML"):
        L.parse_datex2(b"<d2LogicalModel><payloadPublication>")
    with pytest.raises(L.DatexFormatError, match="no siteMeasurements"):
        L.parse_datex2((FIXTURES / "cita_a3_sites.xml").read_bytes())
    with pytest.raises(L.DatexFormatError, match="does not exist"):
        L.parse_datex2(tmp_path / "none.xml")
