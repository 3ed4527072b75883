"""Run-to-run comparison: PSI against earlier runs and recorded metrics, only ever on the same data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from livinglab import recording
from livinglab.catalog import DataSource
from livinglab.drift import (
    SUMMARY_FILE,
    compare_and_store,
    compare_metrics,
    data_fingerprint,
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


def test_fingerprint_follows_the_data_and_is_recorded(monkeypatch):
    monkeypatch.delenv(recording.METRICS_ENV, raising=False)
    synthetic = DataSource("ledger", "synthetic", None, None, "gen")
    a = data_fingerprint(synthetic, n=100, seed=0)
    assert recording.recorded()["data_fingerprint"] == a
    assert data_fingerprint(synthetic, seed=0, n=100) == a != data_fingerprint(synthetic, n=200, seed=0)
    real = DataSource("ledger", "mirror", Path("x.csv"), "ab" * 32)
    assert data_fingerprint(real, n=1) == data_fingerprint(real, n=2)  # shape only shapes generated data
    assert data_fingerprint(real) != data_fingerprint(
        DataSource("ledger", "mirror", Path("x.csv"), "cd" * 32)
    )
    with pytest.raises(ValueError, match="No data fingerprint"):
        monkeypatch.setattr(recording, "_in_memory", {})
        compare_metrics()


def _metrics_json(runs: Path, run_id: str, profile: str, fingerprint: str, mae: float, status: str = "ok"):
    folder = runs / run_id / "mobility"
    folder.mkdir(parents=True)
    doc = {
        "run_id": run_id,
        "pilot": "mobility",
        "profile": profile,
        "status": status,
        "started": run_id[:16],
        "key_metrics": ["mae", "data_source"],
        "metrics": {"mae": mae, "data_source": "synthetic", "data_fingerprint": fingerprint},
    }
    (folder / "metrics.json").write_text(json.dumps(doc))


def test_metrics_are_compared_with_earlier_runs_of_the_same_profile_and_data(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    _metrics_json(runs, "20260101T000000Z-aaaa", "smoke", "fp", 10.0)
    _metrics_json(runs, "20260102T000000Z-bbbb", "smoke", "fp", 11.0)
    _metrics_json(runs, "20260103T000000Z-cccc", "full", "fp", 5.0)  # another profile
    _metrics_json(runs, "20260104T000000Z-dddd", "smoke", "other", 50.0)  # other data
    _metrics_json(runs, "20260105T000000Z-eeee", "smoke", "fp", 99.0, status="failed")
    (runs / "latest").symlink_to("20260102T000000Z-bbbb")  # the runner's pointer is not another run
    this = runs / "20260106T000000Z-ffff" / "mobility"
    monkeypatch.setenv("LIVINGLAB_OUTPUT_DIR", str(this))
    monkeypatch.setenv("LIVINGLAB_RUN_ID", "20260106T000000Z-ffff")
    monkeypatch.setenv("LIVINGLAB_PROFILE", "smoke")
    monkeypatch.delenv(recording.METRICS_ENV, raising=False)
    monkeypatch.setattr(recording, "_in_memory", {})
    recording.record_many({"mae": 12.5, "data_source": "synthetic", "data_fingerprint": "fp"})
    result = compare_metrics()
    assert list(result.table.columns) == [
        "this run",
        "20260102T000000Z-bbbb",
        "20260101T000000Z-aaaa",
        "change",
    ]
    assert result.table.loc["mae"].tolist() == [12.5, 11.0, 10.0, 1.5] and list(result.table.index) == ["mae"]
    assert result.previous_run == "20260102T000000Z-bbbb" and "2 earlier run(s)" in result.note
    assert repr(result).startswith(result.note)
    none = compare_metrics(["mae"], fingerprint="never-seen")
    assert none.previous_run is None and "No earlier run on the same data" in none.note
    assert none.table.loc["mae", "this run"] == 12.5
