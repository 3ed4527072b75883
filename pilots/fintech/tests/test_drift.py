"""Drift (PSI) against earlier runs, only ever on the same data: copied from the core's tests/test_drift.py
with the PSI that moved into the pilot (report/drift.py). The data fingerprint is now ``Loaded.fingerprint``
and the comparison of recorded values ``livinglab.history``: their tests stay with the core."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilots.fintech.report.drift import (
    SUMMARY_FILE,
    compare_and_store,
    find_previous_summary,
    psi,
    psi_level,
)


def frame(shift: float = 0.0, n: int = 5000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    x[:50] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "channel": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1] if shift == 0 else [0.2, 0.3, 0.5]),
            "score": rng.beta(1, 20 + 10 * shift, n),
        }
    )


def store(runs: Path, run_id: str, data: pd.DataFrame, fingerprint: str):
    return compare_and_store(
        data, categorical=("channel",), fingerprint=fingerprint, output=runs / run_id / "fintech"
    )


def test_psi_of_identical_and_shifted_distributions(tmp_path):
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0 and psi([0.9, 0.1], [0.1, 0.9]) > 1
    assert psi_level(0.05) == "stable" and psi_level(0.2) == "moderate" and psi_level(0.4) == "significant"
    runs = tmp_path / "runs"
    first = store(runs, "20260101T000000Z-aaaa", frame(), "fp-same")
    assert first.previous is None and "No earlier run on the same data" in first.note and first.table.empty
    summary = json.loads((runs / "20260101T000000Z-aaaa" / "fintech" / SUMMARY_FILE).read_text())
    assert summary["fingerprint"] == "fp-same" and len(summary["columns"]["x"]["edges"]) == 9
    again = store(runs, "20260102T000000Z-bbbb", frame(), "fp-same")
    assert again.max_psi == pytest.approx(0, abs=1e-9) and set(again.table["level"]) == {"stable"}
    moved = store(runs, "20260103T000000Z-cccc", frame(shift=1.0, seed=2), "fp-same")
    assert (
        moved.previous == runs / "20260102T000000Z-bbbb" / "fintech" / SUMMARY_FILE
    )  # the newest earlier run
    psis = moved.table.set_index("column")["psi"]
    assert psis["x"] > 0.25 and psis["channel"] > 0.25 and psis["score"] > 0.1
    assert "largest PSI" in moved.note and moved.max_psi == pytest.approx(psis.max())


def test_a_previous_run_on_other_data_is_not_used(tmp_path):
    runs = tmp_path / "runs"
    store(runs, "20260101T000000Z-aaaa", frame(), "fp-ledger")
    store(runs, "20260102T000000Z-bbbb", frame(shift=1.0), "fp-other")  # newer, but other data
    report = store(runs, "20260103T000000Z-cccc", frame(seed=3), "fp-ledger")
    assert report.previous.parent.parent.name == "20260101T000000Z-aaaa"
    assert report.max_psi < 0.05
    lonely = store(runs, "20260104T000000Z-dddd", frame(), "fp-new")
    assert lonely.previous is None and "No earlier run on the same data" in lonely.note
    # a run folder named explicitly is used, with a caution when its data differ
    named = compare_and_store(
        frame(),
        categorical=("channel",),
        fingerprint="fp-new",
        output=runs / "20260105T000000Z-eeee" / "fintech",
        previous_run_dir=runs / "20260101T000000Z-aaaa",
    )
    assert "caution: that run used other data" in named.note
    with pytest.raises(FileNotFoundError, match="holds no"):
        find_previous_summary(runs / "x" / "fintech", fingerprint="fp", previous_run_dir=tmp_path / "nowhere")
