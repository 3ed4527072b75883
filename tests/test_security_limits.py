"""Files a hostile partner could send to take a machine's memory: a few hundred KB that unpack to far more
than the memory there is. Each is refused with one sentence before it is unpacked whole, whatever sizes it
states about itself. The machine's free memory is set small here, so that the files stay small."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from livinglab import reader
from livinglab.reader import DataFileError, read_table

FREE = 20_000_000  # bytes this "machine" has free: a table of more than 4 MB of text does not fit


@pytest.fixture
def small_machine(monkeypatch):
    monkeypatch.setattr(reader, "available_memory", lambda: FREE)


def _gzip_bomb(path, text_bytes: int, stated: int) -> None:
    """A gzip CSV of ``text_bytes`` whose trailer states ``stated`` bytes (the trailer is the sender's)."""
    rows = b"1,2,3\n" * (text_bytes // 6)
    packed = bytearray(gzip.compress(b"a,b,c\n" + rows, compresslevel=9))
    packed[-4:] = (stated % (1 << 32)).to_bytes(4, "little")
    path.write_bytes(bytes(packed))


# a lie, and a real size past 4 GiB (the trailer holds it mod 2**32)
@pytest.mark.parametrize("stated", [100, 5 * (1 << 32) + 100])
def test_a_gzip_file_that_unpacks_past_the_memory_is_refused_while_it_is_read(
    tmp_path, small_machine, stated
):
    path = tmp_path / "ledger.csv.gz"
    _gzip_bomb(path, 60_000_000, stated)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(DataFileError, match=r"ledger\.csv\.gz unpacks to more than 4\.0 MB of text"):
        read_table(path)


def test_a_gzip_file_that_fits_is_read_as_before(tmp_path, small_machine):
    path = tmp_path / "ledger.csv.gz"
    _gzip_bomb(path, 600_000, 600_006)
    assert len(read_table(path)[0]) == 100_000


def test_an_npz_of_compressed_zeros_is_refused_before_it_is_unpacked(tmp_path, small_machine):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2_000_000, 4)))  # 64 MB of zeros
    path = tmp_path / "features.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("X.npy", buffer.getvalue())
    assert path.stat().st_size < 1_000_000
    with pytest.raises(DataFileError, match=r"features\.npz unpacks to 64\.0 MB; read whole it needs about"):
        read_table(path)


def test_a_parquet_file_of_repeated_values_is_refused_from_its_metadata(tmp_path, small_machine):
    path = tmp_path / "ledger.parquet"
    pd.DataFrame({"a": np.zeros(4_000_000, dtype="int64"), "b": 1}).to_parquet(path, compression="zstd")
    assert path.stat().st_size < 1_000_000
    with pytest.raises(
        DataFileError,
        match=r"ledger\.parquet holds 4,000,000 rows x 2 columns \(64\.0 MB once read\); read whole",
    ):
        read_table(path)
    # a sample reads the first row group only, checked the same way
    with pytest.raises(DataFileError, match=r"in its first row group"):
        read_table(path, sample_bytes=1 << 16)


def test_an_excel_sheet_that_unpacks_past_the_memory_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "ledger.xlsx"
    pd.DataFrame({"a": np.arange(30_000), "b": 1.5}).to_excel(path, index=False)
    monkeypatch.setattr(reader, "available_memory", lambda: 1_000_000)
    with pytest.raises(DataFileError, match=r"ledger\.xlsx unpacks to .* MB; read whole it needs about"):
        read_table(path)


def test_a_pipe_or_a_device_as_data_path_is_one_sentence_not_a_wait(tmp_path):
    """A named pipe waits for a writer forever and /dev/zero never ends: refused at once, never opened."""
    import os
    import threading

    pipe = tmp_path / "ledger.csv"
    os.mkfifo(pipe)
    for path in (pipe, "/dev/zero"):
        caught: list[BaseException] = []
        reading = threading.Thread(target=_catch, args=(caught, read_table, path), daemon=True)
        reading.start()
        reading.join(10)
        if reading.is_alive():  # let the blocked open of the pipe return before failing
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            reading.join(10)
        assert caught and isinstance(caught[0], DataFileError), (path, caught)
        assert "is not a regular file (a pipe, a device or a socket)" in str(caught[0])


def _catch(caught, function, *args):
    try:
        function(*args)
    except BaseException as exc:  # noqa: BLE001 - what the reader raised, checked by the test
        caught.append(exc)


def _far_cell(path, cell: str) -> None:
    """A two-row workbook with one more cell at ``cell`` (e.g. far to the right and down), its dimension
    claiming only A1:B2: a few KB that pandas would expand to rows x columns cells."""
    import re

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    book.save(path)
    row = re.sub(r"\D", "", cell)
    with zipfile.ZipFile(path) as source:
        items = [(item, source.read(item.filename)) for item in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item, data in items:
            if item.filename == "xl/worksheets/sheet1.xml":
                far = f'<row r="{row}"><c r="{cell}" t="n"><v>9</v></c></row></sheetData>'
                data = data.replace(b"</sheetData>", far.encode())
            target.writestr(item, data)


def test_an_excel_sheet_with_one_far_cell_is_refused_before_it_is_read(tmp_path, small_machine):
    path = tmp_path / "ledger.xlsx"
    _far_cell(path, "DKJ5000")  # column 3,000, row 5,000: 15 million cells in pandas
    assert path.stat().st_size < 20_000
    with pytest.raises(DataFileError, match=r"ledger\.xlsx has 3,000 columns, more than the 2,000"):
        read_table(path)
    with pytest.raises(
        DataFileError, match=r"has cells down to row 5,000 and across 3,000 columns; read whole"
    ):
        read_table(path, max_columns=5_000)


def test_a_recursive_glob_does_not_walk_links_a_folder_holds_to_itself(tmp_path):
    """A partner's folder with two links to itself: ``**`` followed them (2**40 paths, a hang)."""
    import threading

    folder = tmp_path / "exports"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "jan.csv").write_text("a,b\n1,2\n")
    (folder / "2024" / ".hidden.csv").write_text("a,b\n3,4\n")
    (folder / "a").symlink_to(".")
    (folder / "b").symlink_to(".")
    caught: list = []
    found = threading.Thread(
        target=lambda: caught.append(reader.expand_paths(f"{folder}/**/*.csv")), daemon=True
    )
    found.start()
    found.join(20)
    assert not found.is_alive(), "the glob is still walking the links"
    assert caught == [[folder / "2024" / "jan.csv"]]


def test_a_line_of_a_million_fields_is_refused_from_the_first_mb(tmp_path, monkeypatch):
    """Its width is said before the file is read whole (it took 10x the file in memory first); a first line
    that goes on past the first MB is refused without a width that is not known."""
    wide = tmp_path / "matrix.csv"
    wide.write_bytes(b",".join(b"c%d" % i for i in range(3_000)) + b"\n" + b"1," * 2_999 + b"1\n")
    endless = tmp_path / "endless.csv"
    endless.write_bytes(b"1," * 3_000_000)
    read_whole = []
    monkeypatch.setattr(reader, "_decode", lambda *a, **k: read_whole.append(a) or ("", "utf-8"))
    with pytest.raises(DataFileError, match=r"matrix\.csv has 3,000 columns, more than the 2,000"):
        read_table(wide)
    with pytest.raises(
        DataFileError, match=r"endless\.csv's first line has more than 524,289 fields in its first MB"
    ):
        read_table(endless)
    assert read_whole == []  # refused before the whole text was decoded


def test_a_parquet_text_repeated_by_its_dictionary_is_counted_as_read(tmp_path, small_machine):
    """One 100 KB text that 1,000 rows repeat: some hundred bytes of Parquet (a dictionary and its indices),
    100 MB once read; counted from the dictionary before the file is read whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "requests.parquet"
    pq.write_table(pa.table({"text": ["x" * 100_000] * 1_000}), path, use_dictionary=True, compression="zstd")
    assert path.stat().st_size < 10_000
    with pytest.raises(
        DataFileError, match=r"requests\.parquet holds 1,000 rows x 1 columns \(100\.0 MB once read\)"
    ):
        read_table(path)
