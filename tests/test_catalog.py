"""Catalogue resolution order, checksums and offline behaviour (the DCAT-AP export: test_dcat.py)."""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path

import pytest

from livinglab import recording
from livinglab.catalog import (
    CatalogError,
    ChecksumError,
    DataUnavailable,
    check_data_mode,
    fetch,
    is_online,
    load_catalog,
)
from livinglab.paths import project_root

CONTENT = "a,b\n1,2\n3,4\n5,6\n"


def _mirror(tmp_path: Path, content: str = CONTENT) -> Path:
    mirror = tmp_path / "mirror"
    (mirror / "fixture").mkdir(parents=True)
    (mirror / "fixture" / "table.csv").write_text(content)
    return mirror


def test_mirror_is_used_and_verified(fixture_project, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(_mirror(tmp_path)))
    source = fetch("fixture-table")
    assert source.origin == "mirror" and source.path.read_text() == CONTENT
    assert source.label == "mirror:fixture-table" and not source.is_synthetic


def test_cache_wins_over_mirror(fixture_project, tmp_path, monkeypatch):
    cached = tmp_path / "cache" / "fixture-table" / "table.csv"
    cached.parent.mkdir(parents=True)
    cached.write_text(CONTENT)
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(_mirror(tmp_path)))
    assert fetch("fixture-table").origin == "cache"


def test_corrupted_mirror_raises_a_clear_checksum_error(fixture_project, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_DATA_MIRROR", str(_mirror(tmp_path, CONTENT + "7,8\n")))
    with pytest.raises(ChecksumError, match="corrupted or a different version"):
        fetch("fixture-table")


def test_offline_without_mirror_fails_fast_with_advice(fixture_project, monkeypatch):
    tried = []

    def no_connection(sock, address):
        tried.append(address)
        raise OSError("offline")

    monkeypatch.setattr(socket.socket, "connect", no_connection)  # nothing to wait for: no connection at all
    with pytest.raises(DataUnavailable, match="Set LIVINGLAB_DATA_MIRROR"):
        fetch("fixture-table")
    assert tried == []


def test_synthetic_fallback_only_when_allowed(fixture_project):
    source = fetch("fixture-table", allow_synthetic=True)
    assert source.is_synthetic and source.path is None and source.label == "synthetic"
    with pytest.raises(ValueError, match="data_mode must be"):
        check_data_mode("maybe")


def test_sources_are_recorded_for_params_json(fixture_project, tmp_path, monkeypatch):
    log = tmp_path / "rec.jsonl"
    monkeypatch.setenv(recording.METRICS_ENV, str(log))
    fetch("fixture-table", allow_synthetic=True)
    sources = recording.read_metrics_file(log).sources
    assert sources == [
        {
            "dataset": "fixture-table",
            "origin": "synthetic",
            "path": None,
            "sha256": None,
            "synthetic": True,
            "detail": "a generator in the tests",
        }
    ]


def test_unknown_dataset_and_distribution(fixture_project):
    with pytest.raises(CatalogError, match="Unknown dataset 'nope'"):
        fetch("nope")
    with pytest.raises(CatalogError, match="no distribution 'x.csv'"):
        fetch("fixture-table", "x.csv")


class _Handler(http.server.BaseHTTPRequestHandler):
    body = CONTENT.encode()

    def do_GET(self):  # noqa: N802 (http.server API)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server(fixture_project):
    """A loopback HTTP server standing in for the publisher; the catalogue entry points at it."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    entry = fixture_project / "data" / "catalog" / "fixture-table.yaml"
    entry.write_text(
        entry.read_text().replace("http://127.0.0.1:9/", f"http://127.0.0.1:{server.server_port}/")
    )
    yield server
    server.shutdown()


def test_download_with_checksum_goes_to_cache(local_server, monkeypatch, tmp_path):
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "0")
    source = fetch("fixture-table")
    assert source.origin == "download"
    assert source.path == tmp_path / "cache" / "fixture-table" / "table.csv"
    assert fetch("fixture-table").origin == "cache"  # second call needs no network


def test_download_with_wrong_checksum_keeps_nothing(local_server, monkeypatch, tmp_path):
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "0")
    monkeypatch.setattr(_Handler, "body", b"tampered\n")
    with pytest.raises(ChecksumError, match="does not match"):
        fetch("fixture-table")
    assert not (tmp_path / "cache" / "fixture-table" / "table.csv").exists()


def test_is_online_is_fast_for_a_closed_port(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_OFFLINE", "0")
    assert is_online("http://127.0.0.1:9/x", timeout=1) is False


def test_project_catalogue_entries_are_complete():
    datasets = load_catalog(project_root() / "data" / "catalog")
    assert datasets, "the project catalogue is empty"
    for ds in datasets.values():
        assert ds.distributions, ds.identifier
        for dist in ds.distributions:
            assert dist.sha256 and len(dist.sha256) == 64, f"{ds.identifier}/{dist.name} lacks a sha256"
            assert dist.download_url or dist.mirror_path, f"{ds.identifier}/{dist.name} cannot be obtained"


def test_project_catalogue_matches_the_mirror(shared_data_dir):
    """Every mirror path named in the catalogue exists beside the project and passes its checksum."""
    for ds in load_catalog(project_root() / "data" / "catalog").values():
        for dist in ds.distributions:
            if dist.mirror_path:
                assert fetch(ds.identifier, dist.name, record=False).origin in ("mirror", "cache")
