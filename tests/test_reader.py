"""The shared reader and data contracts on files with the quirks partners' exports really have."""

from __future__ import annotations

import bz2
import gzip
import json
import time
import zipfile

import numpy as np
import pandas as pd
import pytest

from livinglab.contract import Contract, ContractError, Field, load_data
from livinglab.reader import DataFileError, read_table, sniff_separator

COUNTS = Contract(
    "counts",
    "Hourly counts",
    fields=(
        Field("site", "text", required=False, meaning="site id", aliases=("station", "zaehlstelle")),
        Field("timestamp", "datetime", meaning="start of the hour", aliases=("datetime",)),
        Field("date", "datetime", required=False, meaning="day", aliases=("datum",)),
        Field("hour", "hour", required=False, meaning="hour of day", aliases=("stunde",)),
        Field("count", "number", meaning="vehicles", minimum=0, aliases=("anzahl", "traffic_volume")),
    ),
    alternatives={"timestamp": ("date", "hour")},
    extras="covariates",
)

ROWS = [("A-01", "03.04.2023", 7, 120), ("A-01", "03.04.2023", 8, -1), ("B-02", "13.04.2023", 24, 95)]


def _german_export(sep=";", crlf=True, header_tail=None) -> str:
    header_tail = sep if header_tail is None else header_tail  # a header ending in a separator
    eol = "\r\n" if crlf else "\n"
    lines = [f" Zählstelle {sep} Datum{sep}Stunde {sep}Anzahl{header_tail}"]
    lines += [f"{s}{sep}{d}{sep}{h}{sep}{c}" for s, d, h, c in ROWS]
    return eol.join(lines) + eol


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_encodings_are_detected_and_header_cleaned(tmp_path, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(_german_export().encode(encoding))
    frame, report = read_table(path)
    assert list(frame.columns) == [
        "Zählstelle",
        "Datum",
        "Stunde",
        "Anzahl",
    ]  # spaces, trailing tab column gone
    assert report.separator == ";" and len(frame) == 3
    assert report.encoding == (
        "utf-8-sig" if encoding == "utf-8-sig" else "utf-8" if encoding == "utf-8" else "cp1252"
    )
    assert any("empty unnamed" in n for n in report.notes)


@pytest.mark.parametrize("compression", ["gz", "bz2", "zip"])
def test_compressed_files(tmp_path, compression):
    raw = _german_export(sep="|").encode("utf-8")
    path = tmp_path / f"export.csv.{compression}"
    if compression == "gz":
        path.write_bytes(gzip.compress(raw))
    elif compression == "bz2":
        path.write_bytes(bz2.compress(raw))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("export.csv", raw)
    frame, report = read_table(path)
    assert report.compression == {"gz": "gzip", "bz2": "bz2", "zip": "zip"}[compression]
    assert report.separator == "|" and frame.shape == (3, 4)


def test_gzip_without_extension_is_found_by_its_magic_number(tmp_path):
    path = tmp_path / "export.dat"
    path.write_bytes(gzip.compress(_german_export(sep="\t").encode()))
    frame, report = read_table(path)
    assert report.compression == "gzip" and report.separator == "\t" and len(frame) == 3


def test_contract_maps_day_first_dates_hours_1_24_and_a_sentinel(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    loaded = load_data(
        str(path),
        {"site": "Zählstelle", "date": "Datum", "hour": "Stunde", "count": "Anzahl"},
        COUNTS,
        {"missing_values": {"Anzahl": [-1]}},
        record=False,
    )
    frame = loaded.frame
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2023-04-03 06:00"),
        pd.Timestamp("2023-04-03 07:00"),
        pd.Timestamp("2023-04-13 23:00"),
    ]  # hour ending 1-24 -> 0-23
    assert frame["count"].isna().tolist() == [False, True, False]
    assert any("day first" in n for n in loaded.notes) and any("sentinel" in n for n in loaded.notes)
    facts = loaded.source_facts()
    assert (
        facts["rows"] == 3 and len(facts["sha256"]) == 64 and facts["time_span"][0].startswith("2023-04-03")
    )


def test_proposed_mapping_works_as_printed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    frame, _ = read_table(path, missing_values=[-1])
    proposal = COUNTS.propose(frame)
    assert proposal == {"site": "Zählstelle", "date": "Datum", "hour": "Stunde", "count": "Anzahl"}
    with pytest.raises(ContractError) as err:
        COUNTS.apply(frame, {})  # no mapping: the message carries a working example
    example = json.loads(str(err.value).split("-p columns '")[1].split("'")[0])
    assert COUNTS.apply(frame, example).frame["count"].notna().sum() == 2


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"count": "Anzahll"}, "did you mean 'Anzahl'"),
        ({"cnt": "Anzahl"}, "does not have"),
        ({"count": "Zählstelle", "date": "Datum", "hour": "Stunde"}, "must hold numbers"),
        ({"count": "Anzahl", "timestamp": "Zählstelle"}, "not dates"),
    ],
)
def test_wrong_mappings_name_the_column_and_the_fix(tmp_path, columns, message):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    frame, _ = read_table(path)
    with pytest.raises(ContractError, match=message) as err:
        COUNTS.apply(frame, columns)
    assert "\n" not in str(err.value) and "-p " in str(err.value)


def test_negative_counts_fail_the_pandera_check_with_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_german_export(), encoding="utf-8")
    frame, _ = read_table(path)
    with pytest.raises(ContractError, match=r"greater_than_or_equal_to.*row 3: -1"):
        COUNTS.apply(frame, {"date": "Datum", "hour": "Stunde", "count": "Anzahl"})


def test_unparsable_dates_are_reported(tmp_path):
    path = tmp_path / "bad_dates.csv"
    path.write_text("datetime,count\n2023-04-01 00:00,3\nyesterday,4\n", encoding="utf-8")
    frame, _ = read_table(path)
    with pytest.raises(ContractError, match=r"1 value\(s\) that are not dates \(row 3: 'yesterday'\)"):
        COUNTS.apply(frame, {"timestamp": "datetime"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text table"),
        (b"a;b\n", "header but no rows"),
    ],
)
def test_broken_files_fail_fast_with_one_sentence(tmp_path, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    t0 = time.perf_counter()
    with pytest.raises(DataFileError, match=message):
        read_table(path)
    assert time.perf_counter() - t0 < 5


def test_wrong_encoding_given_by_parameter(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("a;b\n1;2\n".encode("utf-16"))
    with pytest.raises(DataFileError, match="cannot be decoded as ascii"):
        read_table(path, encoding="ascii")
    assert read_table(path)[1].encoding == "utf-16"


def test_missing_path_and_unknown_option(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataFileError, match="Unknown read option"):
        read_table(tmp_path / "nope.csv", separator=";")


def test_folder_and_glob_concatenate_monthly_exports(tmp_path):
    for month in ("01", "02"):
        pd.DataFrame({"datetime": [f"2024-{month}-01 00:00"], "count": [1]}).to_csv(
            tmp_path / f"m{month}.csv", index=False
        )
    frame, report = read_table(tmp_path)
    assert len(frame) == 2 and frame["source_file"].tolist() == ["m01.csv", "m02.csv"]
    frame, report = read_table(str(tmp_path / "m*.csv"))
    assert len(report.files) == 2 and len(report.sha256) == 64
    (tmp_path / "m03.csv").write_text("other,columns\n1,2\n")
    with pytest.raises(DataFileError, match="other columns"):
        read_table(tmp_path)


def test_parquet_excel_and_npz(tmp_path):
    frame = pd.DataFrame(
        {"datetime": pd.date_range("2024-01-01", periods=3, freq="h"), "count": [1.0, 2.0, 3.0]}
    )
    frame.to_parquet(tmp_path / "c.parquet")
    frame.to_excel(tmp_path / "c.xlsx", index=False)
    for name in ("c.parquet", "c.xlsx"):
        loaded = load_data(str(tmp_path / name), {"timestamp": "datetime"}, COUNTS, record=False)
        assert loaded.frame["count"].sum() == 6 and loaded.report.format in ("parquet", "excel")
    np.savez(tmp_path / "f.npz", X=np.arange(6.0).reshape(3, 2), y=np.array([0, 1, 0]))
    table, report = read_table(tmp_path / "f.npz")
    assert list(table.columns) == ["x0", "x1", "y"] and report.format == "npz"


def test_decimal_comma_numbers(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("datetime;count\n2024-01-01 00:00;1.234,5\n2024-01-01 01:00;7,25\n", encoding="utf-8")
    loaded = load_data(str(path), {"timestamp": "datetime"}, COUNTS, record=False)
    assert loaded.frame["count"].tolist() == [1234.5, 7.25]


def test_sniffer_picks_the_consistent_separator():
    assert sniff_separator("a;b;c\n1,5;2;3\n4,5;5;6\n") == ";"
    assert sniff_separator("a|b\n1|2\n") == "|"
