"""Where things live (the project root, the data catalogue, the cache, a notebook's output folder) and how a
file is replaced there without a reader ever seeing half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_MARKERS = ("pyproject.toml", "pilots")


def _looks_like_root(path: Path) -> bool:
    return all((path / marker).exists() for marker in _MARKERS) and (path / "data").is_dir()


def _yours(path: Path) -> bool:
    """``path`` and its ``pilots/`` belong to this user (as git asks of a repository): a folder another user
    made above the working directory (``/tmp/pilots/...``) is never taken for the project, whose pilots'
    code the runner imports."""
    if not hasattr(os, "getuid"):
        return True
    try:
        return path.stat().st_uid == os.getuid() and (path / "pilots").stat().st_uid == os.getuid()
    except OSError:
        return False


def project_root() -> Path:
    """The repository root.

    ``LIVINGLAB_ROOT`` wins; otherwise the first parent of the working directory that holds
    ``pyproject.toml``, ``pilots/`` and ``data/`` and belongs to this user (notebooks run with the pilot
    folder as working directory); otherwise the checkout this package was installed from in editable mode.
    """
    override = os.environ.get("LIVINGLAB_ROOT")
    if override:
        return Path(override).resolve()
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _looks_like_root(candidate) and _yours(candidate):
            return candidate
    here = Path(__file__).resolve().parents[2]
    if _looks_like_root(here):
        return here
    raise FileNotFoundError(
        "Cannot find the living-lab project root (a folder with pyproject.toml, pilots/ and data/). "
        "Run from inside the checkout or set LIVINGLAB_ROOT to it."
    )


def pilots_dir() -> Path:
    return project_root() / "pilots"


def catalog_dir() -> Path:
    return project_root() / "data" / "catalog"


def cache_dir() -> Path:
    """Downloaded datasets (git-ignored). ``LIVINGLAB_CACHE`` overrides the location."""
    override = os.environ.get("LIVINGLAB_CACHE")
    return Path(override).resolve() if override else project_root() / "data" / "cache"


def output_dir() -> Path:
    """Where a notebook writes files that belong to its run (figures, maps, model cards).

    Under ``livinglab run`` this is the pilot's folder inside the run (``LIVINGLAB_OUTPUT_DIR``);
    in JupyterLab it is ``outputs/`` beside the notebook (git-ignored).
    """
    target = os.environ.get("LIVINGLAB_OUTPUT_DIR")
    path = Path(target) if target else Path.cwd() / "outputs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomically(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` through a temporary file of a unique name in the same folder (two writers
    never share one), replaced in one step: a reader sees the old file or the new one, never half of one; a
    full disk leaves the old one."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
