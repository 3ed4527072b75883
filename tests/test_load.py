"""One way in for data: `livinglab.load` reads a partner's file, the catalogue file or the generator, checks
it against the design's contract, records the source once and names the data by a fingerprint."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from livinglab import DataUnavailable, load, reader, recording
from livinglab.contract import ContractError
from livinglab.data import frame_fingerprint

AMOUNTS = "date,value\n2024-01-01,1.5\n2024-01-02,2.5\n"


@pytest.fixture
def mirror(fixture_project, tmp_path):
    folder = tmp_path / "mirror"
    (folder / "fixture").mkdir(parents=True)
    (folder / "fixture" / "amounts.csv").write_text(AMOUNTS)
    return folder


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "recorded.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(path))
    return path


@pytest.fixture
def reads(monkeypatch):
    """Every file the shared reader opens, in order."""
    opened: list[str] = []
    original = reader._read_one

    def counting(path, *args, **kwargs):
        opened.append(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(reader, "_read_one", counting)
    return opened


def test_synthetic_is_generated_checked_and_labelled(fixture_project, log, reads):
    data = load("gamma", "amounts", {"data_mode": "synthetic"})
    assert data.mode == "synthetic" and data.is_synthetic and list(data.frame["amount"]) == [1.0, 2.0, 3.0]
    assert data.label == "synthetic" and data.describe().startswith("SYNTHETIC data: 3 rows made in this run")
    assert data.fingerprint == frame_fingerprint(data.frame) != ""
    assert reads == []  # nothing read from disk
    (source,) = recording.read_metrics_file(log).sources
    assert (
        source["origin"] == "synthetic"
        and source["synthetic"] is True
        and source["fingerprint"] == data.fingerprint
    )
    # the catalogue dataset it stands in for is attached, for the card's data section
    assert source["catalogue"]["title"] == "Fixture amounts"


def test_real_reads_the_catalogue_file_once_through_the_contract(mirror, log, reads, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(mirror))
    data = load("gamma", "amounts", {"data_mode": "real"})
    assert data.mode == "real" and list(data.frame.columns) == ["day", "amount"]  # the contract's names
    assert data.frame["day"].dtype.kind == "M" and data.frame["amount"].sum() == 4.0
    assert data.params["unit"] == "EUR"  # what the catalogue entry says of its file
    assert reads == ["amounts.csv"]
    (source,) = recording.read_metrics_file(log).sources
    expected = hashlib.sha256(AMOUNTS.encode()).hexdigest()  # computed here, not by the reader
    assert source["origin"] == "mirror" and source["sha256"] == expected and source["rows"] == 2
    assert source["mapping"] == {"day": "date", "amount": "value"}


def test_auto_generates_when_the_catalogue_file_is_unreachable(fixture_project, log):
    data = load("gamma", "amounts", {"data_mode": "auto"})
    assert data.is_synthetic
    assert [s["origin"] for s in recording.read_metrics_file(log).sources] == ["synthetic"]  # recorded once


def test_real_without_the_file_says_what_to_do(fixture_project):
    with pytest.raises(DataUnavailable, match="LIVINGLAB_DATA_MIRROR"):
        load("gamma", "amounts", {"data_mode": "real"})


def test_a_partner_file_is_read_once_and_every_file_has_its_own_checksum(
    fixture_project, tmp_path, log, reads
):
    folder = tmp_path / "exports"
    folder.mkdir()
    texts = {
        "jan.csv": "Datum;Betrag\n01.01.2024;1,5\n02.01.2024;2\n",
        "feb.csv": "Datum;Betrag\n01.02.2024;3\n",
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    data = load(
        "gamma", "amounts", {"data_path": str(folder), "columns": {"day": "Datum", "amount": "Betrag"}}
    )
    assert data.mode == "file" and data.frame["amount"].tolist() == [3.0, 1.5, 2.0]  # files in name order
    assert reads == ["feb.csv", "jan.csv"]
    (source,) = recording.read_metrics_file(log).sources
    assert source["file_sha256"] == [
        hashlib.sha256(texts[n].encode()).hexdigest() for n in ("feb.csv", "jan.csv")
    ]
    assert data.fingerprint == source["sha256"][:12]
    assert source["time_span"] == ["2024-01-01 00:00:00", "2024-02-01 00:00:00"]


def test_a_file_that_does_not_fit_the_contract_names_the_fix(fixture_project, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Datum;Betrag\n01.01.2024;abc\n", encoding="utf-8")
    with pytest.raises(ContractError, match="holds text, not numbers"):
        load("gamma", "amounts", {"data_path": str(path), "columns": {"day": "Datum", "amount": "Betrag"}})


def test_a_generator_that_breaks_its_contract_is_caught(fixture_project, monkeypatch):
    from livinglab.pilots import get_pilot

    module = get_pilot("gamma").module("synthetic")
    monkeypatch.setattr(
        module, "make_amounts", lambda params: pd.DataFrame({"day": [pd.Timestamp(0)], "amount": [-1.0]})
    )
    with pytest.raises(ContractError, match="amount.*greater_than_or_equal_to"):
        load("gamma", "amounts", {})


def test_a_file_whose_rows_were_all_loaded_says_its_row_count_once(tmp_path):
    """The reader's "N rows x M columns" already says it; the count is repeated only when rows were left out."""
    from livinglab.catalog import DataSource
    from livinglab.data import Loaded

    def loaded(detail, rows):
        source = DataSource(
            dataset="x.csv", origin="file", detail=detail, sha256="ab" * 32, facts={"rows": rows}
        )
        return Loaded(frame=None, pilot="p", design="d", mode="file", source=source, params={})

    assert loaded("x.csv: CSV; 1,066 rows x 31 columns", 1066).describe() == (
        "x.csv: CSV; 1,066 rows x 31 columns (sha256 abababababab...)."
    )
    assert loaded("x.csv: CSV; 6,483 rows x 8 columns", 6481).describe() == (
        "x.csv: CSV; 6,483 rows x 8 columns: 6,481 rows (sha256 abababababab...)."
    )
