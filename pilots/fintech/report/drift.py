"""Drift of the scored rows' distributions (PSI) against earlier runs on the same data.

Under ``livinglab run`` a design's files live in ``<runs>/<run id>/<unit>/`` (``livinglab.output_dir()``).
Runs are compared only when they used the same data: the run's data fingerprint (``Loaded.fingerprint``:
the files' sha256, or a hash of the generated frame) names it.

:func:`compare_and_store` summarises a frame (``drift_summary.json``: ten quantile bins a numeric column
plus the share missing, the share of each category) and computes each column's population stability index
against the newest earlier summary on the same data,
PSI = sum over bins of (p_now - p_before) * ln(p_now / p_before), shares floored at 1e-4
(below 0.1 stable, 0.1-0.25 moderate, above 0.25 worth investigating before trusting the scores).
It compares runs; it is no metric of this run, so it is never recorded among the run's metrics (a rerun
with the same data, parameters and seed records the same metrics whatever ran before it).

Outside the runner (JupyterLab) the summary is kept in ``outputs/``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from livinglab.paths import output_dir

SUMMARY_FILE = "drift_summary.json"
_FLOOR = 1e-4
_N_BINS = 10


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


# ----------------------------------------------------------------------------- distributions (PSI)
def _numeric_summary(values: np.ndarray) -> dict:
    missing = np.isnan(values)
    finite = values[~missing]
    if len(finite) == 0:
        return {"kind": "numeric", "edges": [], "shares": [], "missing": 1.0}
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, _N_BINS + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    return {
        "kind": "numeric",
        "edges": edges.tolist(),
        "shares": (counts / len(values)).tolist(),
        "missing": float(missing.mean()),
    }


def _categorical_summary(values: pd.Series) -> dict:
    shares = values.astype(str).value_counts(normalize=True, dropna=False)
    return {"kind": "categorical", "shares": {str(k): float(v) for k, v in shares.items()}}


def summarise(
    frame: pd.DataFrame,
    *,
    categorical: tuple[str, ...] = (),
    fingerprint: str,
    data_source: str | None = None,
) -> dict:
    """A small JSON-able summary of each column's distribution, with the data's fingerprint."""
    columns = {  # one entry a column, each vectorised over the rows
        col: _categorical_summary(frame[col])
        if col in categorical
        else _numeric_summary(frame[col].to_numpy(dtype=float))
        for col in frame.columns
    }
    return {
        "fingerprint": fingerprint,
        "data_source": data_source,
        "rows": int(len(frame)),
        "created": datetime.now(UTC).isoformat(timespec="microseconds"),
        "run_id": os.environ.get("LIVINGLAB_RUN_ID"),
        "columns": columns,
    }


def psi(before: list[float] | np.ndarray, now: list[float] | np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    b = np.maximum(np.asarray(before, dtype=float), _FLOOR)
    n = np.maximum(np.asarray(now, dtype=float), _FLOOR)
    return float(np.sum((n - b) * np.log(n / b)))


def column_psi(previous: dict, values: pd.Series) -> float:
    """PSI of the current values against one column summary of an earlier run."""
    if previous["kind"] == "categorical":
        now = values.astype(str).value_counts(normalize=True, dropna=False)
        cats = sorted(set(previous["shares"]) | set(now.index))
        return psi([previous["shares"].get(c, 0.0) for c in cats], [float(now.get(c, 0.0)) for c in cats])
    x = values.to_numpy(dtype=float)
    missing = np.isnan(x)
    edges = np.asarray(previous["edges"], dtype=float)
    counts = np.bincount(np.searchsorted(edges, x[~missing], side="right"), minlength=len(edges) + 1)
    now_shares = np.r_[counts / max(1, len(x)), missing.mean() if len(x) else 0.0]
    return psi(np.r_[previous["shares"], previous["missing"]], now_shares)


def psi_level(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return "stable" if value < 0.1 else ("moderate" if value < 0.25 else "significant")


def find_previous_summary(
    output: Path, *, fingerprint: str, previous_run_dir: str | Path | None = None
) -> Path | None:
    """The given run folder's summary, else the newest summary on the same data among sibling runs."""
    if previous_run_dir:
        folder = Path(previous_run_dir)
        for candidate in (folder / SUMMARY_FILE, *sorted(folder.glob(f"*/{SUMMARY_FILE}"))):
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(
            f"previous_run_dir {folder} holds no {SUMMARY_FILE} (nor <pilot>/{SUMMARY_FILE})."
        )
    output = Path(output).resolve()
    best, best_key = None, ("",)
    for path in output.parent.parent.glob(f"*/{output.name}/{SUMMARY_FILE}"):  # includes this folder
        doc = None if path.parent.parent.is_symlink() else _read_json(path)  # not runs/latest again
        if doc is None or doc.get("fingerprint") != fingerprint:
            continue
        key = (str(doc.get("created", "")), path.parent.parent.name, str(path.stat().st_mtime_ns))
        if key > best_key:
            best, best_key = path, key
    return best


@dataclass
class DriftReport:
    previous: Path | None
    previous_run_id: str | None
    table: pd.DataFrame  # column, psi, level; largest PSI first
    note: str

    @property
    def max_psi(self) -> float:
        return float(self.table["psi"].max()) if len(self.table) else float("nan")


def compare_and_store(
    frame: pd.DataFrame,
    *,
    categorical: tuple[str, ...] = (),
    fingerprint: str,
    data_source: str | None = None,
    previous_run_dir: str | Path | None = None,
    output: str | Path | None = None,
) -> DriftReport:
    """PSI of every column of ``frame`` against the newest earlier run on the same data (or the run
    folder given), then store this run's summary in ``output`` (default ``livinglab.output_dir()``)."""
    if not fingerprint:
        raise ValueError(
            "compare_and_store needs the data's fingerprint, so that only runs on the same data meet."
        )
    output = Path(output) if output else output_dir()
    previous_path = find_previous_summary(output, fingerprint=fingerprint, previous_run_dir=previous_run_dir)
    rows, prev_id = [], None
    if previous_path is None:
        note = "No earlier run on the same data: this run's distributions are stored as the reference for the next one."
    else:
        previous = json.loads(previous_path.read_text(encoding="utf-8"))
        prev_id = previous.get("run_id") or str(previous_path.parent)
        shared = [c for c in frame.columns if c in previous["columns"]]
        for col in shared:  # one PSI a column
            value = column_psi(previous["columns"][col], frame[col])
            rows.append({"column": col, "psi": value, "level": psi_level(value)})
        note = f"Compared with run {prev_id} ({previous.get('rows', 0):,} rows) on {len(shared)} columns"
        if previous.get("fingerprint") != fingerprint:
            note += f"; caution: that run used other data ({previous.get('data_source')})"
    table = pd.DataFrame(rows, columns=["column", "psi", "level"])
    table = table.sort_values("psi", ascending=False, ignore_index=True)
    if len(table):
        note += (
            f": largest PSI {table['psi'].iloc[0]:.3f} ({table['column'].iloc[0]}, {table['level'].iloc[0]})."
        )
    elif previous_path is not None:
        note += ": no column in common."
    summary = summarise(frame, categorical=categorical, fingerprint=fingerprint, data_source=data_source)
    output.mkdir(parents=True, exist_ok=True)
    (output / SUMMARY_FILE).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return DriftReport(previous_path, prev_id, table, note)
