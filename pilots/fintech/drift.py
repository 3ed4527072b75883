"""Drift between scheduled runs: population stability (PSI) of features and scores.

Each run stores a small summary of its distributions (``drift_summary.json`` in
``livinglab.output_dir()``): for every numeric column ten quantile bin edges and the share of rows
per bin (plus the share missing), for categorical columns the share per category. The next run
bins its own data with the previous run's edges and computes

    PSI = sum over bins of (p_now - p_before) * ln(p_now / p_before)

(shares floored at 1e-4). Usual reading: below 0.1 stable, 0.1-0.25 moderate shift, above 0.25 a
shift worth investigating before trusting the scores.

The previous run is the folder given as ``previous_run_dir`` or, when empty, the most recent
sibling run of the same pilot (``<runs>/<run id>/fintech/drift_summary.json``) with the same data
kind (synthetic ledger or ULB); in JupyterLab, the summary a previous session left in ``outputs/``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

SUMMARY_FILE = "drift_summary.json"
_FLOOR = 1e-4
_N_BINS = 10


def _numeric_summary(values: np.ndarray) -> dict:
    values = values.astype(float)
    missing = np.isnan(values)
    finite = values[~missing]
    if len(finite) == 0:
        return {"kind": "numeric", "edges": [], "shares": [], "missing": 1.0}
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, _N_BINS + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    return {
        "kind": "numeric",
        "edges": [float(e) for e in edges],
        "shares": [float(c) / len(values) for c in counts],
        "missing": float(missing.mean()),
    }


def _categorical_summary(values: pd.Series) -> dict:
    shares = values.astype(str).value_counts(normalize=True, dropna=False)
    return {"kind": "categorical", "shares": {str(k): float(v) for k, v in shares.items()}}


def summarise(
    frame: pd.DataFrame,
    *,
    kind: str,
    data_source: str,
    categorical: tuple[str, ...] = (),
    run_id: str | None = None,
) -> dict:
    """A small JSON-able summary of each column's distribution."""
    import os

    columns = {}
    for col in frame.columns:  # one entry per column, each vectorised over rows
        if col in categorical:
            columns[col] = _categorical_summary(frame[col])
        else:
            columns[col] = _numeric_summary(frame[col].to_numpy(dtype=float))
    return {
        "kind": kind,
        "data_source": data_source,
        "rows": int(len(frame)),
        "created": datetime.now(UTC).isoformat(timespec="microseconds"),
        "run_id": run_id or os.environ.get("LIVINGLAB_RUN_ID"),
        "columns": columns,
    }


def psi(before: list[float] | np.ndarray, now: list[float] | np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    b = np.maximum(np.asarray(before, dtype=float), _FLOOR)
    n = np.maximum(np.asarray(now, dtype=float), _FLOOR)
    return float(np.sum((n - b) * np.log(n / b)))


def column_psi(previous: dict, values: pd.Series) -> float:
    """PSI of the current values against one column summary of a previous run."""
    if previous["kind"] == "categorical":
        now = values.astype(str).value_counts(normalize=True, dropna=False)
        cats = sorted(set(previous["shares"]) | set(now.index))
        return psi([previous["shares"].get(c, 0.0) for c in cats], [float(now.get(c, 0.0)) for c in cats])
    x = values.to_numpy(dtype=float)
    missing = np.isnan(x)
    edges = np.asarray(previous["edges"], dtype=float)
    counts = np.bincount(np.searchsorted(edges, x[~missing], side="right"), minlength=len(edges) + 1)
    now_shares = np.r_[counts / max(1, len(x)), missing.mean() if len(x) else 0.0]
    before = np.r_[previous["shares"], previous["missing"]]
    return psi(before, now_shares)


def psi_level(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "stable" if value < 0.1 else ("moderate" if value < 0.25 else "significant")


def find_previous_summary(
    output_dir: Path, *, kind: str, previous_run_dir: str | Path | None = None, pilot: str = "fintech"
) -> Path | None:
    """The previous run's summary file: the given folder, else the newest sibling run of the pilot."""
    if previous_run_dir:
        folder = Path(previous_run_dir)
        for candidate in (folder / SUMMARY_FILE, folder / pilot / SUMMARY_FILE):
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(
            f"previous_run_dir {folder} holds no {SUMMARY_FILE} (nor {pilot}/{SUMMARY_FILE})."
        )
    output_dir = Path(output_dir).resolve()
    candidates = {p.resolve() for p in output_dir.parent.parent.glob(f"*/{pilot}/{SUMMARY_FILE}")}
    own = output_dir / SUMMARY_FILE
    if own.is_file():  # JupyterLab: the summary a previous session left in outputs/
        candidates.add(own.resolve())
    best, best_key = None, ("",)
    for path in sorted(candidates):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if doc.get("kind") != kind:
            continue
        # newest first by creation time, then by run id (run ids start with their UTC time), then file time
        key = (str(doc.get("created", "")), path.parent.parent.name, str(path.stat().st_mtime_ns))
        if key > best_key:
            best, best_key = path, key
    return best


@dataclass
class DriftReport:
    previous: Path | None
    previous_run_id: str | None
    table: pd.DataFrame  # column, psi, level
    note: str

    @property
    def max_psi(self) -> float:
        return float(self.table["psi"].max()) if len(self.table) else float("nan")

    def as_dict(self, top: int = 10) -> dict:
        return {
            "previous_run": self.previous_run_id,
            "note": self.note,
            "max_psi": None if math.isnan(self.max_psi) else self.max_psi,
            "psi": {r.column: round(float(r.psi), 4) for r in self.table.head(top).itertuples()},
        }


def compare_and_store(
    frame: pd.DataFrame,
    output_dir: Path,
    *,
    kind: str,
    data_source: str,
    categorical: tuple[str, ...] = (),
    previous_run_dir: str | Path | None = None,
    pilot: str = "fintech",
) -> DriftReport:
    """PSI of every column of ``frame`` against the previous run, then store this run's summary."""
    output_dir = Path(output_dir)
    previous_path = find_previous_summary(
        output_dir, kind=kind, previous_run_dir=previous_run_dir, pilot=pilot
    )
    rows = []
    if previous_path is None:
        note = "No previous run: this run's distributions are stored as the reference for the next one."
        prev_id = None
    else:
        previous = json.loads(previous_path.read_text(encoding="utf-8"))
        prev_id = previous.get("run_id") or str(previous_path.parent)
        shared = [c for c in frame.columns if c in previous["columns"]]
        for col in shared:  # one PSI per column
            value = column_psi(previous["columns"][col], frame[col])
            rows.append({"column": col, "psi": value, "level": psi_level(value)})
        note = (
            f"Compared with the previous run {prev_id} ({previous.get('data_source')}, "
            f"{previous.get('rows', 0):,} rows) on {len(shared)} columns."
        )
        if previous.get("data_source") != data_source:
            note += f" Caution: that run used {previous.get('data_source')}, this one {data_source}."
    table = pd.DataFrame(rows, columns=["column", "psi", "level"]).sort_values(
        "psi", ascending=False, ignore_index=True
    )
    summary = summarise(frame, kind=kind, data_source=data_source, categorical=categorical)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return DriftReport(previous_path, prev_id, table, note)
