"""This run beside earlier runs that can be compared with it (the notebooks' "Compared with earlier runs").

Two runs are comparable when they are of the same pilot design and profile, with the same parameters and
the same data (:func:`livinglab.report.comparable`, the rule the index uses too): with everything else
unchanged, a difference comes from the code or the libraries. Outside the runner (JupyterLab) earlier runs
are looked for in the project's ``runs/`` folder.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .paths import output_dir, project_root
from .report import comparable


@dataclass
class History:
    table: pd.DataFrame  # one row a key value: this run, then the earlier comparable runs (newest first)
    note: str
    previous_run: str | None

    def _repr_html_(self) -> str:  # readable headers and numbers, no index column (livinglab.show)
        from .show import table

        return f"<p>{html.escape(self.note)}</p>" + table(self.table)._repr_html_()

    def __repr__(self) -> str:
        return f"{self.note}\n\n{self.table.to_string()}"


def _this_run(result: Any) -> dict[str, Any]:
    unit = os.environ.get("LIVINGLAB_UNIT") or result.pilot
    params = json.loads(os.environ.get("LIVINGLAB_PARAMETERS") or "{}")
    return {
        "unit": unit,
        "profile": os.environ.get("LIVINGLAB_PROFILE"),
        "parameters": params,
        "data_fingerprint": result.data.fingerprint,
        "run_id": os.environ.get("LIVINGLAB_RUN_ID"),
    }


def earlier_runs(result: Any, runs_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """``metrics.json`` of earlier successful runs comparable with ``result``'s, newest first."""
    in_runner = bool(os.environ.get("LIVINGLAB_OUTPUT_DIR"))
    runs = (
        Path(runs_dir) if runs_dir else (output_dir().parent.parent if in_runner else project_root() / "runs")
    )
    now = _this_run(result)
    docs = []
    for path in runs.glob("*/*/metrics.json"):
        if path.parent.is_symlink() or path.parent.parent.is_symlink():  # latest/<unit>, or latest itself
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if doc.get("status") != "ok" or doc.get("run_id") == now["run_id"] or doc.get("sweep"):
            continue
        if comparable(now, doc) if in_runner else doc.get("data_fingerprint") == now["data_fingerprint"]:
            docs.append(doc)
    return sorted(docs, key=lambda d: (str(d.get("started", "")), str(d.get("run_id", ""))), reverse=True)


def compare_with_earlier(result: Any, *, last: int = 3, runs_dir: str | Path | None = None) -> History:
    """The result's claims (model values) beside those of the ``last`` earlier comparable runs."""
    docs = earlier_runs(result, runs_dir)[:last]
    names = [c.name for c in result.claims]
    table = pd.DataFrame(
        {"this run": [c.model_value for c in result.claims]},
        index=pd.Index([c.label for c in result.claims], name="comparison"),
    )
    for doc in docs:
        claims = doc.get("claims") or {}
        table[doc["run_id"]] = [(claims.get(n) or {}).get("model_value") for n in names]
    if not docs:
        note = (
            "No earlier run with the same design, profile, parameters and data "
            f"(fingerprint {result.data.fingerprint}): nothing to compare with yet."
        )
        return History(table, note, None)
    table["change"] = table["this run"] - pd.to_numeric(table[docs[0]["run_id"]])
    note = (
        f"Compared with {len(docs)} earlier run(s) with the same design, profile, parameters and data "
        f"(fingerprint {result.data.fingerprint}), newest first; 'change' is this run minus {docs[0]['run_id']}."
    )
    return History(table, note, docs[0]["run_id"])
