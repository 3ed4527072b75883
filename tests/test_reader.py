"""The shared reader on files with the quirks partners' exports really have: every refusal is one sentence."""

from __future__ import annotations

import bz2
import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest

from livinglab.reader import DataFileError, read_table, sniff_separator

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
    with pytest.raises(DataFileError, match=message):
        read_table(path)


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
    for name, kind in (("c.parquet", "parquet"), ("c.xlsx", "excel")):
        table, report = read_table(tmp_path / name)
        assert table["count"].sum() == 6 and report.format == kind and len(table) == 3
    np.savez(tmp_path / "f.npz", X=np.arange(6.0).reshape(3, 2), y=np.array([0, 1, 0]))
    table, report = read_table(tmp_path / "f.npz")
    assert list(table.columns) == ["x0", "x1", "y"] and report.format == "npz"


def test_sniffer_picks_the_consistent_separator():
    assert sniff_separator("a;b;c\n1,5;2;3\n4,5;5;6\n") == ";"
    assert sniff_separator("a|b\n1|2\n") == "|"


# ----------------------------------------------------------------------------- paths


def _sentence(err: pytest.ExceptionInfo) -> str:
    """A refused file: one sentence (one line, ending with a full stop) that names the problem."""
    message = str(err.value)
    assert "\n" not in message and message.endswith("."), message
    return message


def _table(path, text="a,b\n1,2\n"):
    path.write_text(text, encoding="utf-8")
    return path


def test_expand_paths_file_folder_and_glob(tmp_path):
    from livinglab.reader import expand_paths

    for name in ("b.csv", "a.csv", ".hidden.csv", "notes.md"):
        _table(tmp_path / name)
    (tmp_path / "sub").mkdir()
    _table(tmp_path / "sub" / "c.csv")
    assert expand_paths(tmp_path) == [tmp_path / "a.csv", tmp_path / "b.csv"]  # sorted, no hidden, no .md
    assert expand_paths(f"  {tmp_path / 'a.csv'}  ") == [tmp_path / "a.csv"]
    assert expand_paths(tmp_path / "?.csv") == [tmp_path / "a.csv", tmp_path / "b.csv"]
    assert expand_paths(tmp_path / "[b].csv") == [tmp_path / "b.csv"]
    assert expand_paths(str(tmp_path / "**" / "*.csv")) == sorted(
        [tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "sub" / "c.csv"]
    )
    with pytest.raises(DataFileError) as err:
        expand_paths(tmp_path / "z*.csv")
    assert "matches no file; check the pattern and the folder" in _sentence(err)
    with pytest.raises(DataFileError) as err:
        expand_paths(tmp_path / "s*")
    assert "matches no file" in _sentence(err)
    with pytest.raises(DataFileError) as err:
        expand_paths("   ")
    assert "data_path is empty; give a file, a folder or a glob" in _sentence(err)
    with pytest.raises(DataFileError) as err:
        expand_paths(tmp_path / "nope.csv")
    assert "does not exist (working directory:" in _sentence(err)


def test_folders_without_data_or_with_mixed_formats_are_refused(tmp_path):
    from livinglab.reader import expand_paths

    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(DataFileError) as err:
        expand_paths(tmp_path)
    assert "holds no CSV, TSV, Parquet, Excel or .npz file" in _sentence(err)
    _table(tmp_path / "a.csv")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(DataFileError) as err:
        expand_paths(tmp_path)
    assert "mixes formats (csv, parquet); give a glob for one of them" in _sentence(err)
    assert f"data_path='{tmp_path}/*.csv'" in str(err.value)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("x.parquet", "parquet"),
        ("x.PQ", "parquet"),
        ("x.xlsx", "excel"),
        ("x.XLSM", "excel"),
        ("x.npz", "npz"),
        ("x.csv.gz", "csv"),
        ("x.zip", "csv"),
        ("x.bz2", "csv"),
        ("x.xz", "csv"),
        ("x.TSV", "csv"),
        ("x.txt", "csv"),
        ("x.tab", "csv"),
        ("x.dat", "csv"),
        ("x.data", "csv"),
        ("export", "csv"),
        ("x.json", None),
        ("x.csv.bak", None),
    ],
)
def test_file_kinds(name, kind):
    from pathlib import Path

    from livinglab.reader import _kind

    assert _kind(Path(name)) == kind


def test_unsupported_files_and_unknown_options_are_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert "x.json: unsupported file type '.json'; give CSV/TSV" in _sentence(err)
    with pytest.raises(DataFileError) as err:
        read_table(path, separator=";", quote='"')
    message = _sentence(err)
    assert "Unknown read option(s) ['quote', 'separator']" in message
    assert "'sep', 'encoding', 'sheet', 'missing_values', 'dayfirst', 'skiprows', 'decimal'" in message
    _table(tmp_path / "a.csv")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path / "a.*")
    assert "matches files of several formats (['csv', 'parquet'])" in _sentence(err)


# ----------------------------------------------------------------------------- bytes, compression, encodings


def test_checksums_sizes_and_rows_of_each_file(tmp_path):
    import hashlib

    path = _table(tmp_path / "a.csv", "a,b\n1,2\n3,4\n")
    frame, report = read_table(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.sha256 == digest and report.files[0].sha256 == digest
    assert report.size_bytes == len(path.read_bytes()) and report.files[0].rows == 2
    assert report.files[0].path == str(path.resolve()) and report.data_path == str(path)
    assert report.rows == 2 and report.columns == ["a", "b"] and report.format == "csv"


def test_several_files_have_one_checksum_of_their_checksums(tmp_path):
    import hashlib

    for i in range(4):
        _table(tmp_path / f"m{i}.csv", f"a,b\n{i},2\n")
    frame, report = read_table(tmp_path)
    combined = hashlib.sha256("".join(f.sha256 for f in report.files).encode()).hexdigest()
    assert report.sha256 == combined and len(report.files) == 4 and report.rows == 4
    assert report.size_bytes == sum((tmp_path / f"m{i}.csv").stat().st_size for i in range(4))
    assert report.notes[-1] == "4 files read and concatenated in name order"
    assert (
        report.summary()
        == "m0.csv, m1.csv, m2.csv ...: CSV, comma-separated, encoding utf-8; 4 rows x 3 columns"
    )
    assert frame["a"].tolist() == [0, 1, 2, 3] and frame.index.tolist() == [0, 1, 2, 3]
    doc = report.as_dict()
    assert doc["sha256"] == combined and doc["size_bytes"] == report.size_bytes
    assert doc["dialect"] == "CSV, comma-separated" and doc["files"][0]["rows"] == 1


def test_files_in_subfolders_are_named_by_their_path(tmp_path):
    (tmp_path / "2024").mkdir()
    _table(tmp_path / "a.csv")
    _table(tmp_path / "2024" / "b.csv")
    frame, _ = read_table(str(tmp_path / "**" / "*.csv"))
    # Sorted by path (2024/b.csv first); each named by its path below the files' common folder.
    assert frame["source_file"].tolist() == ["2024/b.csv", "a.csv"]


def test_rows_ending_in_a_separator_and_unquoted_separators_in_text(tmp_path):
    trailing = tmp_path / "trailing.csv"
    trailing.write_text("a;b\n1;2;\n3;4;\n", encoding="utf-8")
    frame, _ = read_table(trailing)
    assert frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}  # not shifted into an index
    unquoted = tmp_path / "unquoted.csv"
    unquoted.write_text("text,label\nhello, world,x\nok,y\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_table(unquoted)
    assert _sentence(err) == (
        "unquoted.csv: line 2 has 3 field(s) where the header and the other rows have 2 (an unquoted ',' inside "
        "a text?: 'hello, world,x'); correct the export, or leave such lines out (they are counted) with "
        '-p read_options \'{"bad_lines": "skip"}\'.'
    )
    assert err.value.fix == {"read_options": {"bad_lines": "skip"}}
    frame, report = read_table(unquoted, **err.value.fix["read_options"])  # the fix, as printed
    assert frame.to_dict("list") == {"text": ["ok"], "label": ["y"]}
    assert report.dropped == {"a line with fewer or more fields than the header (bad_lines skip)": 1}


def test_a_zip_with_one_member_besides_folders_and_mac_metadata(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/", "")
        archive.writestr("__MACOSX/._export.csv", "junk")
        archive.writestr("data/export.csv", "a;b\n1;2\n")
    frame, report = read_table(path)
    assert (
        frame.shape == (1, 2)
        and report.compression == "zip"
        and report.dialect == "zip-compressed CSV, semicolon-separated"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "a\n1\n")
        archive.writestr("b.csv", "a\n1\n")
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert "export.zip is a zip archive with 2 files; unpack it" in _sentence(err)


@pytest.mark.parametrize("suffix", ["gz", "bz2", "xz", "zip"])
def test_damaged_compressed_files_say_so(tmp_path, suffix):
    path = tmp_path / f"export.csv.{suffix}"
    path.write_bytes(b"this is not compressed at all\n")
    kind = {"gz": "gzip", "bz2": "bz2", "xz": "xz", "zip": "zip"}[suffix]
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert f"export.csv.{suffix} looks {kind}-compressed but cannot be unpacked (" in _sentence(err)


@pytest.mark.parametrize(
    ("compress", "kind"),
    [(bz2.compress, "bz2"), (__import__("lzma").compress, "xz"), (gzip.compress, "gzip")],
)
def test_compression_found_by_magic_number(tmp_path, compress, kind):
    path = tmp_path / "export.dat"
    path.write_bytes(compress(b"a|b\n1|2\n"))
    frame, report = read_table(path)
    assert report.compression == kind and frame.shape == (1, 2)


def test_zip_found_by_magic_number_and_plain_file_without_suffix(tmp_path):
    path = tmp_path / "export"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export.csv", "a,b\n1,2\n")
    assert read_table(path)[1].compression == "zip"
    _table(path)
    frame, report = read_table(path)
    assert report.compression is None and report.dialect == "CSV, comma-separated" and frame.shape == (1, 2)


def test_sample_bytes_reads_whole_lines_of_the_first_file_only(tmp_path):
    lines = "".join(f"{i},{i * 2}\n" for i in range(2000))
    for name in ("a.csv", "b.csv"):
        _table(tmp_path / name, "x,y\n" + lines)
    frame, report = read_table(tmp_path, sample_bytes=1000)
    assert 50 < len(frame) < 200 and frame["y"].tolist() == [2 * x for x in frame["x"]]
    assert len(report.files) == 1 and report.files[0].sha256 == "" and "source_file" in frame
    gz = tmp_path / "c.csv.gz"
    gz.write_bytes(gzip.compress(("x,y\n" + lines).encode()))
    assert len(read_table(gz, sample_bytes=1000)[0]) == len(frame)
    exact = _table(tmp_path / "d.csv", "x,y\n1,2\n")
    assert len(read_table(exact, sample_bytes=len("x,y\n1,2\n"))[0]) == 1


def test_sample_without_a_line_end_is_kept_whole(tmp_path):
    from livinglab.reader import _raw_bytes

    path = tmp_path / "one.csv"
    path.write_bytes(b"abcdefghij")
    assert _raw_bytes(path, 4) == (b"abcd", None)
    path.write_bytes(b"ab\ncd\nef")
    assert _raw_bytes(path, 7) == (b"ab\ncd\n", None)
    assert _raw_bytes(path, 6) == (b"ab\ncd\n", None)
    assert _raw_bytes(path) == (b"ab\ncd\nef", None)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("a;b\n1;2\n".encode("utf-16-le"), None, None),
        (b"\xff\xfe" + "a;b\n1;Zä\n".encode("utf-16-le"), "a;b\n1;Zä\n", "utf-16"),
        (b"\xfe\xff" + "a;b\n1;Zä\n".encode("utf-16-be"), "a;b\n1;Zä\n", "utf-16"),
        (b"\xef\xbb\xbfa;b\n1;\xc3\xa4\n", "a;b\n1;ä\n", "utf-8-sig"),
        (b"a;b\n1;\xc3\xa4\n", "a;b\n1;ä\n", "utf-8"),
        (b"a;b\n1;\x80\n", "a;b\n1;€\n", "cp1252"),
        (b"a;b\n1;\x81\n", "a;b\n1;\x81\n", "latin-1"),  # 0x81 is undefined in cp1252
    ],
)
def test_decoding(tmp_path, data, text, encoding):
    from pathlib import Path

    from livinglab.reader import _decode

    if text is None:
        with pytest.raises(DataFileError) as err:
            _decode(data, Path("x.csv"), None)
        assert "x.csv is not a text table (it holds binary data)" in _sentence(err)
    else:
        assert _decode(data, Path("x.csv"), None) == (text, encoding)


def test_binary_data_anywhere_in_the_file_is_found_with_its_line():
    from pathlib import Path

    from livinglab.reader import _decode

    data = b"a\n" * (1 << 15) + b"\x00"
    with pytest.raises(DataFileError) as err:
        _decode(data, Path("x.csv"), None)
    assert "x.csv is not a text table (it holds binary data from line 32,769)" in _sentence(err)


def test_a_windows_1252_file_whose_bytes_now_and_then_read_as_utf8_is_read_as_windows_1252(tmp_path):
    """A French closing quote after an accent and a no-break space ("é »": bytes E9 A0 BB) is also one valid
    UTF-8 character; the other lines' accented letters are not UTF-8, so it is a Windows-1252 file, read
    whole as such with a note (it was refused as "UTF-8 but line 3 is not", proposing the mixed reading)."""
    lines = [
        "id;texte",
        "1;Il a dit oui, c'est allé\u00a0»",
        *(f"{i};déjà vu à Eschsur-Alzette n° {i}" for i in range(2, 9)),
    ]
    path = tmp_path / "x.csv"
    path.write_bytes("\n".join(lines).encode("cp1252") + b"\n")
    frame, report = read_table(path)
    assert report.encoding == "cp1252" and frame["texte"].iloc[0] == "Il a dit oui, c'est allé\u00a0»"
    assert any(
        "read as Windows-1252: 7 line(s) are not UTF-8, and the bytes of 1 other line(s) that would also read as UTF-8 (line 2)"
        in n
        for n in report.notes
    )
    # a UTF-8 file with one pasted Windows-1252 line is still refused, with the line's number
    mixed = tmp_path / "y.csv"
    mixed.write_bytes("id;texte\n1;été à Lëtzebuerg\n2;déjà\n".encode() + "3;Zä\n".encode("cp1252"))
    with pytest.raises(DataFileError) as err:
        read_table(mixed)
    assert "y.csv is UTF-8 but line 4 is not" in _sentence(err)


def test_a_given_encoding_is_used_and_an_unknown_one_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("a;b\n1;Zä\n".encode("cp1252"))
    frame, report = read_table(path, encoding="latin-1")
    assert report.encoding == "latin-1" and frame["b"].tolist() == ["Zä"]
    with pytest.raises(DataFileError) as err:
        read_table(path, encoding="klingon")
    message = _sentence(err)
    assert (
        "x.csv cannot be decoded as klingon" in message and "remove 'encoding' from read_options" in message
    )


# ----------------------------------------------------------------------------- separators and headers


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("", ","),
        ("\n\n", ","),
        ("a\n", ","),
        ("a\tb\n1\t2\n", "\t"),
        ("x|y\n1|2\n3|4\n5", "|"),
        ("a;b\n1;2\n3;4;5;6", ";"),  # the last, cut line is not counted
    ],
)
def test_sniff_separator_edges(text, sep):
    assert sniff_separator(text) == sep


def test_sniffer_fallback_scores_consistent_field_counts():
    # csv.Sniffer gives up on these; the separator splitting most lines into the first line's count wins.
    text = "a;b;c\n1;2;3\n4;5\n6,7,8,9,10\n"
    assert sniff_separator(text) == ";"
    assert sniff_separator("a,b\nc;d;e;f\ng;h;i;j\nk;l;m;n\n") in (",", ";")
    assert sniff_separator("one\nline,with;many|fields\n") == ","


def test_only_the_first_50_non_empty_lines_are_sniffed():
    text = "a;b\n" + "1;2\n" * 49 + "x,y,z,w\n" * 500
    assert sniff_separator(text) == ";"


def test_header_cleaning_and_value_stripping(tmp_path):
    path = _table(tmp_path / "x.csv", "\ufeff id , name\t,Unnamed: 9,\n 1 , Anna ,,\n2,Bob,,\n")
    frame, report = read_table(path)
    assert list(frame.columns) == ["id", "name"] and frame["name"].tolist() == ["Anna", "Bob"]
    assert "stripped spaces/tabs from 2 header name(s)" in report.notes
    assert "dropped 2 empty unnamed column(s) (a header or rows ending in a separator)" in report.notes


def test_unnamed_columns_with_values_are_kept_and_clean_headers_leave_no_note(tmp_path):
    frame, report = read_table(_table(tmp_path / "x.csv", "a,,c\n1,2,3\n"))
    assert list(frame.columns) == ["a", "Unnamed: 1", "c"] and report.notes == []


def test_duplicate_header_names_are_refused(tmp_path):
    with pytest.raises(DataFileError) as err:
        read_table(_table(tmp_path / "x.csv", "a, a ,b\n1,2,3\n"))
    assert "The header names ['a'] more than once; rename the duplicates" in _sentence(err)


def test_mixed_and_numeric_columns_are_not_stripped(tmp_path):
    frame, _ = read_table(_table(tmp_path / "x.csv", "a;b\n 1 ; x \n2;\n"))
    assert frame["a"].tolist() == [1, 2] and frame["b"].iloc[0] == "x" and pd.isna(frame["b"].iloc[1])


def test_given_separator_skiprows_and_dtype(tmp_path):
    path = _table(tmp_path / "x.csv", "exported 2024-01-01\nid;n\n007;1,5\n")
    frame, report = read_table(path, sep=";", skiprows=1, dtype={"id": "string"})
    assert frame["id"].tolist() == ["007"] and report.separator == ";"
    assert frame["n"].tolist() == [1.5]  # a decimal comma in a ';' file is a number (said in a note)
    frame, _ = read_table(path, skiprows=1)
    assert frame["id"].tolist() == [7]


def test_a_file_read_as_one_column_asks_for_the_separator(tmp_path):
    path = _table(tmp_path / "x.csv", "a;b\n1;2\n")
    with pytest.raises(DataFileError) as err:
        read_table(path, sep=",")
    assert "x.csv was read as a single column 'a;b'; set read_options {'sep': ...}" in _sentence(err)
    frame, _ = read_table(_table(tmp_path / "y.csv", "name\nAnna\n"), sep=",")
    assert frame["name"].tolist() == ["Anna"]


def test_an_inconsistent_table_names_the_separator(tmp_path):
    path = _table(tmp_path / "x.csv", 'a,b\n1,2\n3,"4\n')
    with pytest.raises(DataFileError) as err:
        read_table(path, sep=",")
    assert _sentence(err) == (
        "x.csv ends inside a quoted text that opens on line 3 (the file was cut off, or a quote is not closed): "
        "export it again, or close the quote on that line."
    )
    path = _table(tmp_path / "y.csv", "a,b\n1,2\n3,4,5,6\n7,8,9,10\n")  # half the rows: not a cut line
    with pytest.raises(DataFileError) as err:
        read_table(path, sep=",")
    message = _sentence(err)
    assert "y.csv is not a consistent table with separator ','" in message and "{'sep': ...}" in message


def test_a_header_without_columns(tmp_path):
    path = _table(tmp_path / "x.csv", "\n\n  \n")
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert "x.csv is empty: there is no header and no row to read" in _sentence(err)


# ----------------------------------------------------------------------------- missing-value sentinels


def test_missing_value_sentinels_for_every_column_and_per_column(tmp_path):
    path = _table(tmp_path / "x.csv", "n;t;u\n-1;X;-1\n5; - ;x\n-1.0;ok;-1\n")
    frame, report = read_table(path, missing_values=[-1, "-"])
    assert frame["n"].isna().tolist() == [True, False, True]
    assert frame["t"].isna().tolist() == [False, True, False]  # text is compared stripped, case kept
    assert frame["u"].isna().tolist() == [True, False, True]
    assert report.notes[-1] == "5 value(s) equal to a declared missing-value sentinel set to missing"
    frame, report = read_table(path, missing_values={"n": -1})
    assert frame["n"].isna().sum() == 2 and frame["u"].notna().all()
    assert report.notes[-1].startswith("2 value(s)")
    frame, report = read_table(path, missing_values={"u": ("x",)})
    assert frame["u"].isna().tolist() == [False, True, False]
    assert read_table(path, missing_values={"t": ["x"]})[0]["t"].notna().all()  # case matters
    frame, report = read_table(path, missing_values={})
    assert report.notes == [] and frame["n"].notna().all()


def test_numeric_sentinels_match_numbers_whatever_their_spelling(tmp_path):
    path = _table(tmp_path / "x.csv", "n\n-1.0\n2\n-1\n")
    frame, _ = read_table(path, missing_values=["-1"])
    assert frame["n"].isna().tolist() == [True, False, True]
    frame, _ = read_table(path, missing_values=["none", None])
    assert frame["n"].notna().all()


def test_sentinels_for_unknown_columns_are_refused(tmp_path):
    with pytest.raises(DataFileError) as err:
        read_table(_table(tmp_path / "x.csv"), missing_values={"z": [-1], "y": [0]})
    assert "missing_values names column(s) ['y', 'z'] that the file does not have" in _sentence(err)


# ----------------------------------------------------------------------------- parquet, excel, npz


def test_parquet_and_excel_samples_and_options(tmp_path):
    frame = pd.DataFrame({"a": range(30_000), "b": 1.5})
    frame.to_parquet(tmp_path / "big.parquet")
    sample, report = read_table(tmp_path / "big.parquet", sample_bytes=1000)
    assert len(sample) == 20_000 and report.dialect == "parquet" and report.encoding is None
    whole, report = read_table(tmp_path / "big.parquet")
    assert len(whole) == 30_000 and report.summary().endswith("parquet; 30,000 rows x 2 columns")
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="first", index=False)
        pd.DataFrame({"title": ["Counts"], "y": [None]}).to_excel(writer, sheet_name="counts", index=False)
    sheet, report = read_table(tmp_path / "book.xlsx", sheet="counts")
    assert list(sheet.columns) == ["title", "y"] and report.dialect == "excel"
    assert list(read_table(tmp_path / "book.xlsx")[0].columns) == ["x"]
    assert read_table(tmp_path / "book.xlsx", sample_bytes=100)[0]["x"].tolist() == [1]
    pd.DataFrame({"n": range(25_000)}).to_excel(tmp_path / "long.xlsx", index=False)
    assert len(read_table(tmp_path / "long.xlsx", sample_bytes=100)[0]) == 20_000


def test_excel_skiprows(tmp_path):
    raw = pd.DataFrame([["Export of 2024", None], ["a", "b"], [1, 2]])
    raw.to_excel(tmp_path / "x.xlsx", index=False, header=False)
    frame, _ = read_table(tmp_path / "x.xlsx", skiprows=1)
    assert list(frame.columns) == ["a", "b"] and frame["a"].tolist() == [1]


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_damaged_parquet_and_excel_say_so(tmp_path, suffix):
    path = tmp_path / f"x.{suffix}"
    path.write_bytes({"parquet": b"PAR1 not really", "xlsx": b"PK\x03\x04 not really"}[suffix])
    kind = {"parquet": "parquet", "xlsx": "excel"}[suffix]
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert _sentence(err).startswith(f"x.{suffix} cannot be read as {kind} (")


def test_a_missing_reader_package_says_run_make_install(tmp_path, monkeypatch):
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "x.parquet")

    def missing(*args, **kwargs):
        raise ImportError("No module named 'pyarrow'")

    monkeypatch.setattr(pd, "read_parquet", missing)
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path / "x.parquet")
    assert (
        "Reading x.parquet needs a package that is missing (No module named 'pyarrow'); run `make install`"
        in _sentence(err)
    )


def test_npz_archives(tmp_path):
    np.savez(tmp_path / "x.npz", X=np.arange(6.0).reshape(3, 2))
    frame, report = read_table(tmp_path / "x.npz")
    assert list(frame.columns) == ["x0", "x1"] and frame["x1"].tolist() == [1.0, 3.0, 5.0]
    np.savez(tmp_path / "y.npz", X=np.zeros((3, 2)), y=np.array([[1], [0], [1]]))
    assert read_table(tmp_path / "y.npz")[0]["y"].tolist() == [1, 0, 1]
    cases = {
        "noX.npz": (
            {"features": np.zeros((2, 2))},
            "noX.npz has arrays ['features']; a feature archive needs 'X'",
        ),
        "flat.npz": ({"X": np.zeros(4)}, "flat.npz: X has shape (4,); it must be rows x features"),
        "short.npz": ({"X": np.zeros((3, 2)), "y": np.zeros(2)}, "short.npz: y has 2 values for 3 rows of X"),
    }
    for name, (arrays, words) in cases.items():
        np.savez(tmp_path / name, **arrays)
        with pytest.raises(DataFileError) as err:
            read_table(tmp_path / name)
        assert words in _sentence(err)
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path / "broken.npz")
    assert "broken.npz is not a readable NumPy .npz archive (" in _sentence(err)
    (tmp_path / "text.npz").write_bytes(b"not a zip")
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path / "text.npz")
    assert _sentence(err) == (
        "text.npz has a header but no rows (its content was read as csv, whatever its name says)."
    )
    np.savez(tmp_path / "objects.npz", X=np.array([[{"a": 1}]], dtype=object))
    with pytest.raises(DataFileError, match="not a readable NumPy .npz archive"):
        read_table(tmp_path / "objects.npz")


# ----------------------------------------------------------------------------- the report


def test_report_dialect_and_summary_of_one_file(tmp_path):
    from livinglab.reader import FileInfo, ReadReport

    report = ReadReport(
        "x", "csv", [FileInfo("/d/x.csv", "s", 10, 3)], "cp1252", "\t", "gzip", 1234, ["a", "b"]
    )
    assert report.dialect == "gzip-compressed CSV, tab-separated"
    assert (
        report.summary()
        == "x.csv: gzip-compressed CSV, tab-separated, encoding cp1252; 1,234 rows x 2 columns"
    )
    assert ReadReport("x", "csv", separator=":").dialect == "CSV, :-separated"
    assert ReadReport("x", "csv", separator="|").dialect == "CSV, pipe-separated"
    assert ReadReport("x", "csv", separator=",").dialect == "CSV, comma-separated"
    assert ReadReport("x", "npz").dialect == "npz"
    assert ReadReport("x", "npz").summary() == ": npz; 0 rows x 0 columns"


# ----------------------------------------------------------------------------- more edges


def test_a_byte_order_mark_kept_in_a_header_name_is_dropped(tmp_path):
    pd.DataFrame({"\ufeffid": [1], "name": ["Anna"]}).to_parquet(tmp_path / "x.parquet")
    frame, report = read_table(tmp_path / "x.parquet")
    assert (
        list(frame.columns) == ["id", "name"] and "stripped spaces/tabs from 1 header name(s)" in report.notes
    )


def test_an_empty_unnamed_column_of_a_parquet_file_is_dropped(tmp_path):
    pd.DataFrame({"a": [1, 2], "": [None, None]}).to_parquet(tmp_path / "x.parquet")
    frame, report = read_table(tmp_path / "x.parquet")
    assert list(frame.columns) == ["a"] and report.notes[0].startswith("dropped 1 empty unnamed column(s)")


def test_sampling_a_zip_reads_part_of_its_member(tmp_path):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.csv", "x,y\n" + "".join(f"{i},{i}\n" for i in range(5000)))
    assert 10 < len(read_table(path, sample_bytes=500)[0]) < 100 and len(read_table(path)[0]) == 5000


def test_whole_excel_files_are_read_and_damage_names_the_error_type(tmp_path):
    pd.DataFrame({"n": range(20_050)}).to_excel(tmp_path / "long.xlsx", index=False)
    assert len(read_table(tmp_path / "long.xlsx")[0]) == 20_050
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DataFileError, match=r"bad.xlsx cannot be read as excel \(\w+: "):
        read_table(tmp_path / "bad.xlsx")


def test_skiprows_above_a_title_block_and_quoted_values_after_a_space(tmp_path):
    path = _table(tmp_path / "x.csv", "Export\nof 2024\nid;n\n1;2\n")
    frame, report = read_table(path, skiprows=2)
    assert list(frame.columns) == ["id", "n"] and report.separator == ";"
    frame, _ = read_table(_table(tmp_path / "q.csv", 'a,b\n1, "x,y"\n'))
    assert frame["b"].tolist() == ["x,y"] and frame.shape == (1, 2)
    with pytest.raises(DataFileError) as err:
        read_table(_table(tmp_path / "h.csv", "a,b\n"), skiprows=1)
    assert "h.csv has no columns to read (" in _sentence(err)


def test_a_long_single_column_name_is_cut_at_60_characters(tmp_path):
    header = ";".join(f"column{i:02d}" for i in range(12))
    with pytest.raises(DataFileError) as err:
        read_table(_table(tmp_path / "x.csv", header + "\n" + ";".join("1" * 12) + "\n"), sep=",")
    assert f"single column {header[:60]!r};" in _sentence(err)


def test_a_missing_path_with_capital_letters_is_not_a_glob(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        read_table(tmp_path / "Export_X.csv")


def test_files_of_a_folder_must_share_their_columns_and_two_files_are_noted(tmp_path):
    _table(tmp_path / "m1.csv", "a,b\n1,2\n")
    _table(tmp_path / "m2.csv", "a,b\n3,4\n")
    frame, report = read_table(tmp_path)
    assert report.notes[-1] == "2 files read and concatenated in name order" and len(frame) == 2
    _table(tmp_path / "m2.csv", "a,c\n3,4\n")
    _table(tmp_path / "m3.csv", "a,b\n5,6\n")
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path)
    message = _sentence(err)
    assert message.startswith(
        "m2.csv has other columns than m1.csv (differing: ['b', 'c']); files read together"
    )
    _table(tmp_path / "m2.csv", "a,b\n3,4\n")
    _table(tmp_path / "m3.csv", "a,d\n5,6\n")
    with pytest.raises(
        DataFileError, match=r"m3.csv has other columns than m1.csv \(differing: \['b', 'd'\]\)"
    ):
        read_table(tmp_path)


def test_refusals_end_with_their_advice(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert _sentence(err).endswith("Parquet, Excel (.xlsx) or .npz.")
    _table(tmp_path / "a.csv")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(DataFileError) as err:
        read_table(str(tmp_path / "a.*"))
    assert f"data_path {str(tmp_path / 'a.*')!r} matches files of several formats" in _sentence(err)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.csv", "a\n1\n")
        archive.writestr("b.csv", "a\n1\n")
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path / "two.zip")
    assert _sentence(err).endswith("give the folder or one file as data_path.")
    with pytest.raises(DataFileError) as err:
        read_table(_table(tmp_path / "bin.csv", "a\x00b\n"))
    assert _sentence(err).endswith("give a CSV/TSV, Parquet, Excel (.xlsx) or .npz file.")
    with pytest.raises(DataFileError) as err:
        read_table(tmp_path / "a.csv", encoding="ascii-nope")
    assert _sentence(err).endswith("or give the right one (utf-8, cp1252, latin-1, utf-16).")


def test_a_summary_of_three_files_lists_them_all(tmp_path):
    for i in range(3):
        _table(tmp_path / f"m{i}.csv")
    assert read_table(tmp_path)[1].summary().startswith("m0.csv, m1.csv, m2.csv: CSV")


def test_sentinels_of_a_yes_no_column(tmp_path):
    pd.DataFrame({"flag": [True, False, True]}).to_parquet(tmp_path / "x.parquet")
    frame, _ = read_table(tmp_path / "x.parquet", missing_values={"flag": ["True"]})
    assert frame["flag"].isna().tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("a;b|c;d\n1|2;3\nx;y|z;w\nq|r", ";"),  # the cut last line is not counted
        ("a;b|c;d\n1|2;3\nx;y|z;w\nq|r\n", "|"),  # a complete last line is
        ("a;b|c;d\n1|2;3\nx;y|z;w\nq|r\r", "|"),
        ("a;b|c;d\nq|r", ";"),  # two lines, the second cut
        ("a|b", "|"),  # one line, kept
        ("a,b;c\n1;2\n3;4\nx", ";"),
        ("a;b\nx\ny\n", ";"),  # one line of two fields still beats nothing
        ("a;b\n1;2\n", ";"),
        ("a;b;c\n1;2\n4;5;6\n7|8|9|10\n", ";"),
    ],
)
def test_separator_fallback_when_the_sniffer_gives_up(monkeypatch, text, sep):
    import csv

    def give_up(*args, **kwargs):
        raise csv.Error("Could not determine delimiter")

    monkeypatch.setattr(csv.Sniffer, "sniff", give_up)
    assert sniff_separator(text) == sep


# ----------------------------------------------------------------------------- partners' exports (review)
def test_a_total_line_at_the_end_is_left_out_and_the_columns_keep_their_types(tmp_path):
    text = "Konto;Betrag;Anzahl\n101;12,50;3\n102;7,25;4\n103;1,00;5\nSumme;;12\n"
    (tmp_path / "e.csv").write_bytes(text.encode("cp1252"))
    frame, report = read_table(tmp_path / "e.csv")
    assert len(frame) == 3 and frame["Konto"].tolist() == [101, 102, 103]
    assert pd.api.types.is_integer_dtype(frame["Konto"]) and pd.api.types.is_integer_dtype(frame["Anzahl"])
    assert report.dropped == {"a total line at the end of the file": 1}
    assert any("total line" in n and "Summe" in n for n in report.notes)
    # the same in a workbook, and words that are not a total stay rows
    pd.DataFrame({"Compte": ["A", "B", "Total"], "Montant": [1.5, 2.5, 4.0]}).to_excel(
        tmp_path / "e.xlsx", index=False
    )
    frame, report = read_table(tmp_path / "e.xlsx")
    assert frame["Compte"].tolist() == ["A", "B"] and report.dropped
    pd.DataFrame({"Compte": ["A", "B", "Totalement"], "Montant": [1.5, 2.5, 4.0]}).to_csv(
        tmp_path / "k.csv", index=False
    )
    assert len(read_table(tmp_path / "k.csv")[0]) == 3


def test_a_workbooks_total_line_leaves_text_ids_as_text(tmp_path):
    """Account numbers written as text ('00123') stay text once a workbook's total line is left out (they
    became the numbers 123 and 456); a column the total's word alone made text is numbers again."""
    pd.DataFrame(
        {"Konto": ["00123", "00456", "Summe"], "Nr": [7, 8, "Summe"], "Betrag": [1.5, 2.5, 4.0]}
    ).to_excel(tmp_path / "ids.xlsx", index=False)
    frame, report = read_table(tmp_path / "ids.xlsx")
    assert frame["Konto"].tolist() == ["00123", "00456"] and report.dropped
    assert pd.api.types.is_integer_dtype(frame["Nr"])


def test_a_cp1252_title_line_is_shown_in_its_own_encoding(tmp_path):
    text = "Export Transaktionen – Bank\na;b;c\n" + "1;2;3\n" * 20
    (tmp_path / "t.csv").write_bytes(text.encode("cp1252"))
    _, report = read_table(tmp_path / "t.csv")
    assert report.title_lines == ["Export Transaktionen – Bank"]


def test_a_workbook_with_a_cover_sheet_and_a_title_row(tmp_path):
    path = tmp_path / "export.xlsx"
    table = pd.DataFrame({"Datum": ["01.02.2024"] * 30, "Anzahl": range(30), "Ort": ["Mersch"] * 30})
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"Info": ["Export du 03.02.2025"]}).to_excel(w, sheet_name="Lisez-moi", index=False)
        table.to_excel(w, sheet_name="Données", index=False, startrow=2)
    with pytest.raises(DataFileError, match="'Lisez-moi'.*'Données'.*sheet") as err:
        read_table(path)
    assert err.value.fix == {"read_options": {"sheet": "Données"}}
    frame, report = read_table(path, sheet="Données")
    assert list(frame.columns) == ["Datum", "Anzahl", "Ort"] and len(frame) == 30
    assert pd.api.types.is_integer_dtype(frame["Anzahl"]) and report.title_lines
    with pd.ExcelWriter(path) as w:  # a title cell above the header, two sheets of a size: the first, said
        pd.DataFrame({"Zählungen 2024": []}).to_excel(w, sheet_name="A", index=False)
        table.to_excel(w, sheet_name="A", index=False, startrow=1)
        table.to_excel(w, sheet_name="B", index=False)
    frame, report = read_table(path)
    assert list(frame.columns) == ["Datum", "Anzahl", "Ort"] and len(frame) == 30
    assert report.title_lines == ["Zählungen 2024"] and any(
        "'A' read, the first of 2" in n for n in report.notes
    )


def test_decimal_commas_and_thousands_points_in_a_semicolon_file(tmp_path):
    """'1.195' vehicles in a decimal-comma file is 1195, never 1.195 (pandas reads it as a decimal point)."""
    text = "Datum;Fahrzeuge;Temperatur;Jitter\n01.10.2016;1.195;13,1;3,38e-05\n02.10.2016;776;-2,5;0,5\n03.10.2016;12.345;;1\n"
    (tmp_path / "z.csv").write_bytes(text.encode("cp1252"))
    frame, report = read_table(tmp_path / "z.csv")
    assert frame["Fahrzeuge"].tolist() == [1195.0, 776.0, 12345.0] and frame["Jitter"].tolist() == [
        3.38e-05,
        0.5,
        1.0,
    ]
    assert frame["Temperatur"].iloc[:2].tolist() == [13.1, -2.5] and frame["Datum"].iloc[0] == "01.10.2016"
    assert any("thousands separator in Fahrzeuge" in n for n in report.notes)
    # no decimal comma anywhere to tell: refused with both readings, each an option that works
    (tmp_path / "c.csv").write_text("Datum;Fahrzeuge\n" + "01.10.2016;1.195\n02.10.2016;776\n" * 5)
    with pytest.raises(DataFileError, match=r"'1\.195'.*thousands separator") as err:
        read_table(tmp_path / "c.csv")
    assert err.value.fix == {"read_options": {"decimal": ","}}
    assert read_table(tmp_path / "c.csv", decimal=",")[0]["Fahrzeuge"].tolist()[:2] == [1195.0, 776.0]
    assert read_table(tmp_path / "c.csv", decimal=".")[0]["Fahrzeuge"].tolist()[:2] == [1.195, 776.0]
    # a decimal point beside a decimal comma: one sentence, not a silent mix
    (tmp_path / "m.csv").write_text("a;b\n1,5;0.25\n2,5;0.5\n")
    with pytest.raises(DataFileError, match="decimal point"):
        read_table(tmp_path / "m.csv")


def test_a_sheet_whose_header_has_empty_names_keeps_its_header(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (["Name", "Ort", None, None, None], list("abcde"), list("fghij")):
        sheet.append(row)
    book.save(tmp_path / "h.xlsx")
    frame, report = read_table(tmp_path / "h.xlsx")
    assert frame.columns[0] == "Name" and len(frame) == 2 and not report.title_lines
