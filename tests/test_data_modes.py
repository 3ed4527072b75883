"""One data_mode resolution: the modes, their check, and several distributions of one dataset at once."""

from __future__ import annotations

import hashlib

import pytest

from livinglab import DATA_MODES, DataUnavailable, check_data_mode, recording, resolve, resolve_all
from livinglab.catalog import file_source

FILES = {"a.csv": "x\n1\n", "b.csv": "x\n2\n"}


@pytest.fixture
def two_files(fixture_project, tmp_path):
    """A dataset with two distributions, both in a mirror folder."""
    lines = [
        "identifier: two-files",
        "title: Two files",
        "description: Two distributions resolved together.",
        "publisher: {name: Test publisher}",
        "license: https://creativecommons.org/licenses/by/4.0/",
        "landing_page: https://example.org/two-files",
        "synthetic_stand_in: the catalogue's generator",
        "distributions:",
    ]
    mirror = tmp_path / "mirror"
    (mirror / "two").mkdir(parents=True)
    for name, content in FILES.items():
        (mirror / "two" / name).write_text(content)
        sha = hashlib.sha256(content.encode()).hexdigest()
        lines.append(f"  - {{name: {name}, sha256: {sha}, mirror_path: two/{name}}}")
    (fixture_project / "data" / "catalog" / "two-files.yaml").write_text("\n".join(lines) + "\n")
    return mirror


def test_check_data_mode_names_the_valid_values():
    assert DATA_MODES == ("synthetic", "real", "auto")
    assert check_data_mode("auto") == "auto"
    with pytest.raises(ValueError, match="^data_mode must be 'synthetic', 'real' or 'auto', not 'maybe'.$"):
        check_data_mode("maybe")
    with pytest.raises(ValueError, match="data_mode must be"):
        resolve_all("two-files", "Real", ["a.csv"])


def test_all_files_real_and_each_recorded(two_files, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(two_files))
    log = tmp_path / "rec.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    for mode in ("real", "auto"):
        sources = resolve_all("two-files", mode, list(FILES))
        assert [s.path.name for s in sources] == list(FILES) and all(s.origin == "mirror" for s in sources)
    recorded = recording.read_metrics_file(log).sources
    assert [s["origin"] for s in recorded] == ["mirror"] * 4


def test_auto_falls_back_once_when_any_file_is_missing(two_files, tmp_path, monkeypatch):
    (two_files / "two" / "b.csv").unlink()
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(two_files))
    log = tmp_path / "rec.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    sources = resolve_all("two-files", "auto", list(FILES), generator="tests.gen", stand_in="stand-in")
    assert len(sources) == 1 and sources[0].is_synthetic and sources[0].dataset == "stand-in"
    assert sources[0].detail == "tests.gen"
    recorded = recording.read_metrics_file(log).sources
    assert [(s["dataset"], s["origin"]) for s in recorded] == [("stand-in", "synthetic")]  # recorded once
    assert resolve_all("two-files", "auto", list(FILES))[0].detail == "the catalogue's generator"
    with pytest.raises(DataUnavailable, match="b.csv"):
        resolve_all("two-files", "real", list(FILES))


def test_synthetic_touches_no_catalogue_and_one_distribution_is_the_same_path(two_files, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(two_files))
    assert resolve_all("not-in-the-catalogue", "synthetic", generator="g")[0].detail == "g"
    assert resolve("two-files", "real", "b.csv").path.name == "b.csv"
    assert resolve("two-files", "synthetic").is_synthetic


def test_file_source_has_its_checksum(tmp_path):
    path = tmp_path / "partner.csv"
    path.write_text("x\n1\n")
    source = file_source("partner-data", path, "a partner's file")
    assert source.label == "file:partner-data" and source.sha256 == hashlib.sha256(b"x\n1\n").hexdigest()
