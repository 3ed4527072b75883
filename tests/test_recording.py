from __future__ import annotations

import numpy as np
import pytest

from livinglab import recording


def test_record_appends_json_lines_and_returns_value(tmp_path, monkeypatch):
    log = tmp_path / "m.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    assert recording.record("mae", np.float32(1.5)) == np.float32(1.5)
    recording.record("n", np.int64(3))
    recording.record("mae", 2.0)  # a later value of the same name wins
    recording.record("per_lang", {"fr": 0.9, "lb": float("nan")})
    metrics = recording.read_metrics_file(log).metrics
    assert metrics == {"mae": 2.0, "n": 3, "per_lang": {"fr": 0.9, "lb": None}}
    assert isinstance(metrics["n"], int)


def test_record_without_runner_keeps_values_in_memory(monkeypatch):
    monkeypatch.delenv(recording.METRICS_ENV, raising=False)
    recording.record("in_memory_only", 7)
    assert recording.recorded()["in_memory_only"] == 7


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("bad name", 1, "plain identifier"),
        ("frame", object(), "record a number"),
        ("huge", list(range(500)), "at most 200"),
        ("long", "x" * 3000, "under 2000"),
    ],
)
def test_record_refuses_what_cannot_be_stored(name, value, message):
    with pytest.raises(recording.RecordError, match=message):
        recording.record(name, value)


def test_record_many_checks_every_value_before_keeping_any(tmp_path, monkeypatch):
    log = tmp_path / "m.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    values = {"many_a": np.float64(0.5), "many_b": [1, 2]}
    assert recording.record_many(values) == values
    with pytest.raises(recording.RecordError, match="plain identifier"):
        recording.record_many({"many_c": 1, "not valid": 2})
    metrics = recording.read_metrics_file(log).metrics
    assert metrics == {"many_a": 0.5, "many_b": [1, 2]} and "many_c" not in recording.recorded()
