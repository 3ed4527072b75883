"""``livinglab.load(..., lazy=True)``: a partner's Parquet input read in parts through the one contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import livinglab
from livinglab import reader
from livinglab.contract import Contract, ContractError, Field
from livinglab.data import read_checked, read_checked_lazy

AMOUNTS = Contract(
    "amounts",
    "Daily amounts",
    fields=(
        Field("day", "datetime", meaning="the day", aliases=("date",)),
        Field("who", "text", meaning="an id", aliases=("id",)),
        Field("amount", "number", meaning="the amount", minimum=0),
    ),
)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "Datum": pd.date_range("2024-01-01", periods=2_500, freq="h").strftime("%d.%m.%Y %H:%M"),
            "id": rng.integers(0, 50, 2_500).astype(str),
            "Betrag": rng.uniform(0, 10, 2_500).round(2),
            "unused": 1.0,
        }
    )
    out = tmp_path / "parts"
    out.mkdir()
    for i, start in enumerate(range(0, 2_500, 1_000)):
        frame.iloc[start : start + 1_000].to_parquet(
            out / f"part-{i}.parquet", index=False, row_group_size=300
        )
    return out


COLUMNS = {"day": "Datum", "who": "id", "amount": "Betrag"}


def test_parts_hold_the_rows_read_whole_in_the_same_order(folder):
    assert reader.parquet_rows(folder) == 2_500 and reader.parquet_rows(folder / "nothing.csv") is None
    lazy, report, applied = read_checked_lazy(folder, AMOUNTS, COLUMNS, {"dayfirst": True})
    whole, whole_report, _ = read_checked(folder, AMOUNTS, COLUMNS, {"dayfirst": True})
    assert report.rows == 2_500 and report.sha256 == whole_report.sha256 and len(report.files) == 3
    assert report.columns == ["Datum", "id", "Betrag"]  # only the mapped columns are read
    assert lazy.npartitions == 3 and lazy.known_divisions
    got = lazy.compute()
    assert got.index.tolist() == list(range(2_500))  # each row's position in the files' order
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), whole.drop(columns=["source_file"], errors="ignore")
    )
    assert applied.mapping == COLUMNS and got["day"].iloc[13] == pd.Timestamp("2024-01-01 13:00")


def test_a_file_that_does_not_fit_fails_before_any_part_is_read(folder, tmp_path):
    with pytest.raises(ContractError, match="no such column"):
        read_checked_lazy(folder, AMOUNTS, {**COLUMNS, "amount": "Amount"}, {})
    with pytest.raises(ContractError, match="apply to text files"):
        read_checked_lazy(folder, AMOUNTS, COLUMNS, {"sep": ";"})
    text = tmp_path / "x.csv"
    text.write_text("Datum,id,Betrag\n2024-01-01,a,1\n")
    with pytest.raises(ContractError, match="not Parquet"):
        read_checked_lazy(text, AMOUNTS, COLUMNS, {})


def test_load_lazy_records_the_files_and_counts_rows_without_reading(fixture_project, folder, monkeypatch):
    gamma = livinglab.pilots.get_pilot("gamma")
    monkeypatch.setattr(gamma, "contract_of", lambda design: AMOUNTS)
    calls = []
    original = reader._read_piece
    monkeypatch.setattr(reader, "_read_piece", lambda *a, **k: calls.append(a[0]) or original(*a, **k))
    loaded = livinglab.load(
        gamma, None, {"data_path": str(folder), "columns": COLUMNS, "read_options": {"dayfirst": True}},
        record=False, lazy=True,
    )  # fmt: skip
    assert loaded.mode == "file" and loaded.rows == 2_500 and len(calls) == 1  # the first rows, checked
    assert "2,500 rows" in loaded.describe() and loaded.fingerprint == loaded.source.sha256[:12]
    assert loaded.frame.compute()["amount"].notna().all()
