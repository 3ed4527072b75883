"""The data catalogue (DCAT-AP fields) and the one path every pilot takes to its data.

Each dataset has one YAML file in ``data/catalog/``. ``fetch`` resolves a distribution in this
order: local cache -> the mirror folder named by ``LIVINGLAB_DATA_MIRROR`` -> download with a
sha256 check (pooch) -> the pilot's synthetic generator, only where the caller allows it.
Offline is detected in seconds, never by waiting for a blocked HTTP request.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .paths import cache_dir, catalog_dir
from .recording import record_source

MIRROR_ENV = "LIVINGLAB_DATA_MIRROR"
OFFLINE_ENV = "LIVINGLAB_OFFLINE"
CATALOG_META = "_catalog.yaml"
REQUIRED_DATASET_FIELDS = ("identifier", "title", "description", "publisher", "license", "landing_page")


class CatalogError(ValueError):
    """The catalogue itself is malformed or a dataset/distribution name is unknown."""


class DataUnavailable(RuntimeError):
    """No copy of a dataset could be found and the caller did not allow a synthetic stand-in."""


class ChecksumError(RuntimeError):
    """A file's sha256 differs from the catalogue's."""


@dataclass(frozen=True)
class Distribution:
    name: str
    title: str = ""
    download_url: str | None = None
    media_type: str | None = None
    byte_size: int | None = None
    sha256: str | None = None
    mirror_path: str | None = None


@dataclass(frozen=True)
class Dataset:
    identifier: str
    title: str
    description: str
    publisher: dict[str, str]
    license: str
    landing_page: str
    theme: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    spatial: str | None = None
    temporal: dict[str, Any] | None = None
    citation: str | None = None
    synthetic_stand_in: str | None = None
    distributions: tuple[Distribution, ...] = ()

    def distribution(self, name: str | None = None) -> Distribution:
        if not self.distributions:
            raise CatalogError(f"Dataset {self.identifier!r} has no distributions in the catalogue.")
        if name is None:
            return self.distributions[0]
        for dist in self.distributions:
            if dist.name == name:
                return dist
        known = ", ".join(d.name for d in self.distributions)
        raise CatalogError(f"Dataset {self.identifier!r} has no distribution {name!r}; known: {known}.")


@dataclass(frozen=True)
class DataSource:
    """Where the data of one run came from. ``path`` is None for a synthetic stand-in."""

    dataset: str
    origin: str  # "cache" | "mirror" | "download" | "synthetic" | "file" (a partner's own file)
    path: Path | None = None
    sha256: str | None = None
    detail: str | None = None
    facts: dict[str, Any] | None = field(default=None, hash=False, compare=False)  # size, rows, columns, ...

    @property
    def is_synthetic(self) -> bool:
        return self.origin == "synthetic"

    @property
    def label(self) -> str:
        """Short text for metrics and plots, e.g. ``synthetic`` or ``mirror:uci-parkinsons``."""
        return "synthetic" if self.is_synthetic else f"{self.origin}:{self.dataset}"


def _parse_dataset(raw: dict[str, Any], source: Path) -> Dataset:
    missing = [f for f in REQUIRED_DATASET_FIELDS if not raw.get(f)]
    if missing:
        raise CatalogError(f"{source.name}: catalogue entry lacks required field(s) {', '.join(missing)}.")
    publisher = raw["publisher"]
    if isinstance(publisher, str):
        publisher = {"name": publisher}
    dists = tuple(Distribution(**d) for d in raw.get("distributions", []))
    known = {k: raw[k] for k in raw if k not in ("publisher", "distributions")}
    try:
        return Dataset(publisher=publisher, distributions=dists, **known)
    except TypeError as exc:
        raise CatalogError(f"{source.name}: {exc}") from exc


def _read_yaml(path: Path) -> Any:
    """The parsed YAML file; a syntax error becomes one sentence naming the file and line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "it does not parse"
        hint = (
            "put the value in double quotes (a value containing ': ' must be quoted)"
            if "mapping values are not allowed" in problem
            else "fix the YAML there"
        )
        raise CatalogError(f"{path}: invalid YAML{where} ({problem}); {hint}.") from exc


def load_catalog(directory: Path | None = None) -> dict[str, Dataset]:
    """All datasets of the catalogue, by identifier."""
    directory = directory or catalog_dir()
    datasets: dict[str, Dataset] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == CATALOG_META:
            continue
        raw = _read_yaml(path)
        if not isinstance(raw, dict):
            raise CatalogError(f"{path}: expected one dataset as a mapping.")
        dataset = _parse_dataset(raw, path)
        if dataset.identifier in datasets:
            raise CatalogError(f"{path.name}: dataset identifier {dataset.identifier!r} is used twice.")
        datasets[dataset.identifier] = dataset
    return datasets


def catalog_metadata(directory: Path | None = None) -> dict[str, Any]:
    path = (directory or catalog_dir()) / CATALOG_META
    if not path.exists():
        return {}
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: expected the catalogue's own metadata as a mapping.")
    return raw


def get_dataset(identifier: str, directory: Path | None = None) -> Dataset:
    datasets = load_catalog(directory)
    if identifier not in datasets:
        raise CatalogError(
            f"Unknown dataset {identifier!r}; the catalogue has: {', '.join(sorted(datasets)) or 'nothing'}."
        )
    return datasets[identifier]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_online(url: str, timeout: float = 3.0) -> bool:
    """True when the URL's host accepts a TCP connection within ``timeout`` seconds.

    Runs in a daemon thread so that a slow name lookup cannot stall the caller either.
    ``LIVINGLAB_OFFLINE=1`` answers False without trying.
    """
    if os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return False
    parsed = urlparse(url)
    if not parsed.hostname:
        return False
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((parsed.hostname, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def _verify(path: Path, expected: str | None, where: str) -> str:
    actual = sha256_of(path)
    if expected and actual != expected.lower():
        raise ChecksumError(
            f"{where} file {path} has sha256 {actual[:12]}..., but the catalogue expects {expected[:12]}...: "
            "the copy is corrupted or a different version. Replace it, or fix the catalogue entry "
            "if the publisher changed the file on purpose."
        )
    return actual


def _download(dist: Distribution, target_dir: Path) -> Path:
    import pooch  # imported here: only downloads need it

    known_hash = f"sha256:{dist.sha256}" if dist.sha256 else None
    try:
        fetched = pooch.retrieve(
            url=dist.download_url,
            known_hash=known_hash,
            fname=dist.name,
            path=target_dir,
            downloader=pooch.HTTPDownloader(timeout=30, progressbar=False),
        )
    except ValueError as exc:  # pooch's hash mismatch
        raise ChecksumError(
            f"The download of {dist.download_url} does not match the catalogue's sha256 ({exc}). "
            "Nothing was kept; check whether the publisher changed the file."
        ) from exc
    return Path(fetched)


def fetch(
    identifier: str,
    distribution: str | None = None,
    *,
    allow_synthetic: bool = False,
    catalog_directory: Path | None = None,
    record: bool = True,
) -> DataSource:
    """Resolve one distribution of a dataset to a local file (or to a synthetic stand-in)."""
    dataset = get_dataset(identifier, catalog_directory)
    dist = dataset.distribution(distribution)
    tried: list[str] = []

    cached = cache_dir() / dataset.identifier / dist.name
    source: DataSource | None = None
    if cached.exists():
        try:
            source = DataSource(identifier, "cache", cached, _verify(cached, dist.sha256, "Cached"))
        except ChecksumError:
            tried.append(f"the cached copy {cached} failed its checksum and will be replaced")
    else:
        tried.append(f"no cached copy at {cached}")

    mirror = os.environ.get(MIRROR_ENV)
    if source is None:
        if mirror and dist.mirror_path:
            candidate = Path(mirror) / dist.mirror_path
            if candidate.exists():
                source = DataSource(
                    identifier, "mirror", candidate, _verify(candidate, dist.sha256, "Mirror")
                )
            else:
                tried.append(f"{candidate} does not exist")
        elif not mirror:
            tried.append(f"{MIRROR_ENV} is not set")
        else:
            tried.append("the catalogue names no mirror path for it")

    if source is None:
        if not dist.download_url:
            tried.append("it has no public download address (mirror only)")
        elif not is_online(dist.download_url):
            tried.append(f"{urlparse(dist.download_url).hostname} cannot be reached (offline)")
        else:
            path = _download(dist, cached.parent)
            source = DataSource(identifier, "download", path, sha256_of(path), dist.download_url)

    if source is None:
        if not allow_synthetic:
            raise DataUnavailable(
                f"Dataset {identifier!r} ({dist.name}) is not available: {'; '.join(tried)}. "
                f"Set {MIRROR_ENV} to a folder that holds {dist.mirror_path or dist.name}, "
                "or run once with network access to download it."
            )
        source = DataSource(
            identifier, "synthetic", None, None, dataset.synthetic_stand_in or "synthetic stand-in"
        )
    if record:
        record_source(
            source.dataset,
            source.origin,
            path=str(source.path) if source.path else None,
            sha256=source.sha256,
            synthetic=source.is_synthetic,
            detail=source.detail,
        )
    return source


DATA_MODES = ("synthetic", "real", "auto")


def check_data_mode(mode: str) -> str:
    """``mode`` when it is one of :data:`DATA_MODES`; otherwise one sentence naming the valid values."""
    if mode not in DATA_MODES:
        valid = ", ".join(repr(m) for m in DATA_MODES[:-1]) + f" or {DATA_MODES[-1]!r}"
        raise ValueError(f"data_mode must be {valid}, not {mode!r}.")
    return mode
