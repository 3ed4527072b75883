"""Recording what a run found so the runner (and tests) can read it back.

A pilot's notebook records its :class:`livinglab.result.Result` (``result.record()``): its metrics,
its claims (model against baseline, :mod:`livinglab.claims`), its timings and its data source. Under
``livinglab run`` the runner sets ``LIVINGLAB_METRICS_FILE`` and every entry is one JSON line appended
to it; in JupyterLab the values are kept in memory (``recorded()``) so nothing is written beside the
notebook. Timings are kept apart from metrics: they vary with the machine's load, metrics may not.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

METRICS_ENV = "LIVINGLAB_METRICS_FILE"
_MAX_ITEMS = 200  # a "small dict": enough for per-typology or per-language breakdowns

_in_memory: dict[str, Any] = {}


class RecordError(TypeError):
    """A value that cannot be recorded as a metric."""


def _clean(value: Any, name: str, depth: int = 0) -> Any:
    if depth > 3:
        raise RecordError(f"Metric {name!r} is nested more than 3 levels deep; record a flatter dict.")
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            return None  # JSON has no NaN; a missing value is recorded as null
        return value
    if isinstance(value, str):
        if len(value) > 2000:
            raise RecordError(f"Metric {name!r} is a string of {len(value)} characters; keep it under 2000.")
        return value
    if value is None:
        return None
    if isinstance(value, dict):
        if len(value) > _MAX_ITEMS:
            raise RecordError(f"Metric {name!r} has {len(value)} entries; record at most {_MAX_ITEMS}.")
        return {str(k): _clean(v, f"{name}.{k}", depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        if len(items) > _MAX_ITEMS:
            raise RecordError(f"Metric {name!r} has {len(items)} items; record at most {_MAX_ITEMS}.")
        return [_clean(v, f"{name}[]", depth + 1) for v in items]
    raise RecordError(
        f"Metric {name!r} has type {type(value).__name__}; record a number, a string, or a small "
        "dict/list of those (convert frames with .to_dict())."
    )


def _append(entry: dict[str, Any]) -> None:
    target = os.environ.get(METRICS_ENV)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def _checked(name: str, value: Any) -> Any:
    if not isinstance(name, str) or not name.isidentifier():
        raise RecordError(f"Metric name {name!r} must be a plain identifier such as 'mae_h1'.")
    return _clean(value, name)


def record(name: str, value: Any) -> Any:
    """Record one metric of this run and return the value unchanged (so it can be displayed)."""
    record_many({name: value})
    return value


def record_many(values: Mapping[str, Any]) -> dict[str, Any]:
    """Record every ``name: value`` of ``values`` (all checked before any is kept) and return them."""
    cleaned = {name: _checked(name, value) for name, value in values.items()}
    for name, value in cleaned.items():
        _in_memory[name] = value
        _append({"kind": "metric", "name": name, "value": value})
    return dict(values)


def record_claims(claims: Any) -> None:
    """Record :class:`livinglab.claims.Claim` records (each once, by name; a later one replaces it)."""
    for claim in claims:
        _append({"kind": "claim", **_clean(claim.as_dict(), f"claim {claim.name}")})


def record_timings(timings: Mapping[str, float]) -> None:
    """Record wall-clock timings in seconds (kept apart from metrics: they depend on the machine's load)."""
    for name, seconds in timings.items():
        _append({"kind": "timing", "name": name, "value": round(float(_checked(name, seconds)), 3)})


def record_source(
    dataset: str,
    origin: str,
    *,
    path: str | None = None,
    sha256: str | None = None,
    synthetic: bool = False,
    detail: str | None = None,
    **facts: Any,
) -> None:
    """Record where a dataset came from (cache, mirror, download, synthetic or a partner's file) for
    params.json; ``facts`` (size, rows, columns, time span, encoding, dialect, ...) are kept beside it."""
    entry = {
        "dataset": dataset,
        "origin": origin,
        "path": path,
        "sha256": sha256,
        "synthetic": synthetic,
        "detail": detail,
        **_clean(facts, "source facts"),
    }
    _append({"kind": "source", **entry})


def recorded() -> dict[str, Any]:
    """Metrics recorded in this Python process so far (a copy)."""
    return dict(_in_memory)


@dataclass
class Recorded:
    """What a notebook recorded: metrics, claims (by name), timings and data sources."""

    metrics: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)


def read_metrics_file(path: Path) -> Recorded:
    """Read what a notebook recorded. Later values of a name win."""
    found = Recorded()
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        kind = entry.pop("kind", None)
        if kind == "metric":
            found.metrics[entry["name"]] = entry["value"]
        elif kind == "claim":
            found.claims[entry["name"]] = entry
        elif kind == "timing":
            found.timings[entry["name"]] = entry["value"]
        elif kind == "source":
            found.sources.append(entry)
    return found
