"""Drift: PSI against the previous run, found through previous_run_dir or the sibling run folders."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.drift import SUMMARY_FILE, compare_and_store, find_previous_summary, psi, psi_level


def frame(shift: float = 0.0, n: int = 5000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    x[:50] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "count": rng.poisson(2 + shift, n).astype(float),
            "channel": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1] if shift == 0 else [0.2, 0.3, 0.5]),
            "score": rng.beta(1, 20 + 10 * shift, n),
        }
    )


def test_psi_values():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert psi([0.9, 0.1], [0.1, 0.9]) > 1
    assert psi_level(0.05) == "stable" and psi_level(0.2) == "moderate" and psi_level(0.4) == "significant"


def test_first_run_then_sibling_runs(tmp_path):
    runs = tmp_path / "runs"
    first = runs / "20260101T000000Z-aaaa" / "fintech"
    report = compare_and_store(
        frame(), first, kind="transactions", data_source="synthetic", categorical=("channel",)
    )
    assert report.previous is None and "No previous run" in report.note and report.table.empty
    summary = json.loads((first / SUMMARY_FILE).read_text())
    assert (
        summary["columns"]["channel"]["kind"] == "categorical" and len(summary["columns"]["x"]["edges"]) == 9
    )

    same = runs / "20260102T000000Z-bbbb" / "fintech"
    again = compare_and_store(
        frame(seed=1), same, kind="transactions", data_source="synthetic", categorical=("channel",)
    )
    assert again.previous == first / SUMMARY_FILE
    assert again.max_psi < 0.05 and set(again.table["level"]) == {"stable"}

    shifted = runs / "20260103T000000Z-cccc" / "fintech"
    moved = compare_and_store(
        frame(shift=1.0, seed=2),
        shifted,
        kind="transactions",
        data_source="synthetic",
        categorical=("channel",),
    )
    assert moved.previous == same / SUMMARY_FILE  # the most recent earlier run
    psis = moved.table.set_index("column")["psi"]
    assert psis["x"] > 0.25 and psis["channel"] > 0.25 and psis["score"] > 0.1
    assert moved.as_dict()["max_psi"] == pytest.approx(psis.max())


def test_explicit_previous_run_dir_and_kind_filter(tmp_path):
    a = tmp_path / "runs" / "r1" / "fintech"
    compare_and_store(frame(), a, kind="ulb", data_source="mirror:ulb", categorical=("channel",))
    b = tmp_path / "runs" / "r2" / "fintech"
    # a ULB summary is no reference for a ledger run
    assert find_previous_summary(b, kind="transactions") is None
    report = compare_and_store(
        frame(),
        b,
        kind="transactions",
        data_source="synthetic",
        categorical=("channel",),
        previous_run_dir=a.parent,
    )
    assert report.previous == a / SUMMARY_FILE and "Caution" in report.note
    with pytest.raises(FileNotFoundError, match="holds no"):
        find_previous_summary(b, kind="transactions", previous_run_dir=tmp_path / "nowhere")
