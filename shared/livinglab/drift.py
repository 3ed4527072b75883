"""Run-to-run comparison: drift of distributions (PSI) and of recorded metrics, against earlier runs.

Under ``livinglab run`` a pilot's files live in ``<runs>/<run id>/<pilot>/`` (``livinglab.output_dir()``).
Runs are compared only when they used the same data: :func:`data_fingerprint` names it (the sha256 of
every real file, or a synthetic generator and the parameters that shape its data) and records it as
the metric ``data_fingerprint``.

- :func:`compare_and_store` summarises a frame (``drift_summary.json``: ten quantile bins a numeric
  column plus the share missing, the share of each category) and computes each column's population
  stability index against the newest earlier summary on the same data,
  PSI = sum over bins of (p_now - p_before) * ln(p_now / p_before), shares floored at 1e-4
  (below 0.1 stable, 0.1-0.25 moderate, above 0.25 worth investigating before trusting the scores).
- :func:`compare_metrics` puts this run's recorded metrics beside those of earlier runs of the same
  pilot and profile on the same data (their ``metrics.json``).

Outside the runner (JupyterLab) the summary is kept in ``outputs/`` and earlier runs are looked for in
the project's ``runs/`` folder.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .catalog import DataSource
from .paths import output_dir, project_root
from .recording import record, recorded

SUMMARY_FILE = "drift_summary.json"
FINGERPRINT = "data_fingerprint"
_FLOOR = 1e-4
_N_BINS = 10


def data_fingerprint(sources: DataSource | list[DataSource], **shape: Any) -> str:
    """A short id of the data a run used, recorded as ``data_fingerprint``.

    Real files are identified by their sha256; a synthetic stand-in by its generator and ``shape``,
    the parameters that shape the generated data (sizes, rates, seed); ``shape`` is ignored for real files.
    """
    items = [sources] if isinstance(sources, DataSource) else list(sources)
    parts = [[s.dataset, s.detail, shape] if s.is_synthetic else [s.dataset, s.sha256] for s in items]
    text = json.dumps(parts, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]  # 12 digits: unlike a 16-digit pseudonym
    record(FINGERPRINT, digest)
    return digest


def _fingerprint(given: str | None) -> str:
    fingerprint = given or recorded().get(FINGERPRINT)
    if not fingerprint:
        raise ValueError(
            "No data fingerprint was recorded in this run: call livinglab.drift.data_fingerprint(source, ...) "
            "after resolving the data, so that only runs on the same data are compared."
        )
    return fingerprint


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
    fingerprint: str | None = None,
    data_source: str | None = None,
    previous_run_dir: str | Path | None = None,
    output: str | Path | None = None,
) -> DriftReport:
    """PSI of every column of ``frame`` against the newest earlier run on the same data (or the run
    folder given), then store this run's summary in ``output`` (default ``livinglab.output_dir()``)."""
    fingerprint = _fingerprint(fingerprint)
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


# ----------------------------------------------------------------------------- recorded metrics
def earlier_runs(
    *,
    fingerprint: str,
    pilot: str | None = None,
    profile: str | None = None,
    runs_dir: str | Path | None = None,
) -> list[dict[str, Any]]:
    """``metrics.json`` of earlier successful runs of this pilot and profile on the same data, newest first.

    Defaults come from the runner's environment (this run's folder, id and profile); in JupyterLab the
    pilot is the working directory's name, the runs folder the project's ``runs/``, and any profile counts.
    """
    in_runner = bool(os.environ.get("LIVINGLAB_OUTPUT_DIR"))
    out = output_dir()
    pilot = pilot or (out.name if in_runner else Path.cwd().name)
    runs = Path(runs_dir) if runs_dir else (out.parent.parent if in_runner else project_root() / "runs")
    profile = profile or os.environ.get("LIVINGLAB_PROFILE")
    this_run = os.environ.get("LIVINGLAB_RUN_ID")
    docs = [_read_json(p) for p in runs.glob(f"*/{pilot}/metrics.json") if not p.parent.parent.is_symlink()]
    docs = [
        d
        for d in docs
        if d
        and d.get("status") == "ok"
        and d.get("run_id") != this_run
        and (not profile or d.get("profile") == profile)
        and (d.get("metrics") or {}).get(FINGERPRINT) == fingerprint
    ]
    return sorted(docs, key=lambda d: (str(d.get("started", "")), str(d.get("run_id", ""))), reverse=True)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class MetricComparison:
    table: pd.DataFrame  # one row a metric: this run, the earlier runs (newest first), change vs the newest
    note: str
    previous_run: str | None

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.note)}</p>" + self.table._repr_html_()

    def __repr__(self) -> str:
        return f"{self.note}\n\n{self.table.to_string()}"


def compare_metrics(
    names: list[str] | None = None, *, fingerprint: str | None = None, last: int = 3, **where: Any
) -> MetricComparison:
    """This run's recorded numeric metrics beside the ``last`` earlier runs on the same data.

    ``names`` defaults to the earlier runs' key metrics (all recorded metrics when there is none);
    ``where`` passes ``pilot``, ``profile`` or ``runs_dir`` to :func:`earlier_runs`.
    """
    fingerprint = _fingerprint(fingerprint)
    now = recorded()
    docs = earlier_runs(fingerprint=fingerprint, **where)[:last]
    names = names or (docs[0].get("key_metrics") if docs else None) or list(now)
    numeric = [n for n in names if _number(now.get(n))]
    table = pd.DataFrame({"this run": [now[n] for n in numeric]}, index=pd.Index(numeric, name="metric"))
    for doc in docs:
        table[doc["run_id"]] = pd.to_numeric(
            pd.Series([doc["metrics"].get(n) for n in numeric], index=numeric)
        )
    if not docs:
        note = f"No earlier run on the same data (fingerprint {fingerprint}): nothing to compare with yet."
        return MetricComparison(table, note, None)
    table["change"] = table["this run"] - table[docs[0]["run_id"]]
    note = (
        f"Compared with {len(docs)} earlier run(s) on the same data (fingerprint {fingerprint}), "
        f"newest first; 'change' is this run minus {docs[0]['run_id']}."
    )
    return MetricComparison(table, note, docs[0]["run_id"])
