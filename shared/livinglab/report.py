"""What reviewers read: executed notebooks rendered to HTML and the run index.

The index is rebuilt from the ``metrics.json`` files under the run folder every time, so it never
disagrees with what is on disk: one section a pilot, one row a run, newest first, with the pilot's
key metrics as columns so a drift from one scheduled run to the next is visible at a glance.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from pathlib import Path
from typing import Any

_CDN_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)
REMOVE_CELL_TAG = "remove-cell"
REMOVE_INPUT_TAG = "remove-input"


def render_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook for reviewers; cells tagged ``remove-cell`` are left out."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_CELL_TAG}
    config.TagRemovePreprocessor.remove_input_tags = {REMOVE_INPUT_TAG}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="lab")
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    # The page must open from disk with no network: figures are inline PNG already; require.js and MathJax
    # come from a CDN and serve nothing these notebooks show (no widgets, no LaTeX), so they are left out.
    body = _CDN_SCRIPT.sub("", body)
    return _write_atomically(target, body)


def _templates():
    """The Jinja2 templates of the pages (shared/livinglab/templates), HTML-escaped by default."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("livinglab", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_atomically(target: Path, text: str) -> Path:
    """Through a temporary file of a unique name beside ``target`` (two writers never share one), replaced
    in one step: a reader sees the old file or the new one; a full disk leaves the old one."""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def render_model_card_html(markdown_file: Path, target: Path) -> Path:
    import mistune

    body = mistune.html(markdown_file.read_text(encoding="utf-8"))
    page = (
        _templates()
        .get_template("model_card.html.j2")
        .render(title=f"Model card: {markdown_file.parent.name}", body=body)
    )
    return _write_atomically(target, page)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _value_table(value: Any) -> Any:
    """A metric value for the template: text, or rows for a small nested table (dicts and lists)."""
    if isinstance(value, dict):
        return [
            (str(k), _value_table(v) if isinstance(v, (dict, list)) else _fmt(v)) for k, v in value.items()
        ]
    if isinstance(value, list):
        return [
            (str(i), _value_table(v) if isinstance(v, (dict, list)) else _fmt(v)) for i, v in enumerate(value)
        ]
    return _fmt(value)


def _sparkline(values: list[float], width: int = 120, height: int = 26) -> str:
    """A small inline SVG of a metric across runs (oldest left), the latest run marked; no script, no network."""
    points = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    xs = [2 + i * (width - 4) / (len(points) - 1) for i in range(len(points))]
    ys = [height - 3 - (v - low) / span * (height - 6) for v in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{len(points)} runs, from {_fmt(points[0])} to {_fmt(points[-1])}">'
        f'<polyline fill="none" stroke="#4a6fa5" stroke-width="1.5" points="{line}"/>'
        f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.5" fill="#1d2731"/></svg>'
    )


def collect_runs(out: Path) -> list[dict[str, Any]]:
    rows = []
    for metrics_file in out.glob("*/*/metrics.json"):
        if metrics_file.parent.parent.name == "latest":
            continue
        try:
            doc = json.loads(metrics_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        doc["_dir"] = metrics_file.parent.relative_to(out).as_posix()
        doc["_files"] = sorted(p.name for p in metrics_file.parent.iterdir() if not p.name.startswith("."))
        rows.append(doc)
    rows.sort(key=lambda d: (d.get("started", ""), d.get("run_id", "")), reverse=True)
    return rows


def _links(doc: dict[str, Any]) -> list[dict[str, str]]:
    links = []
    for nb in doc.get("notebooks", []):
        stem = Path(nb).stem
        if f"{stem}.html" in doc["_files"]:
            links.append({"href": f"{doc['_dir']}/{stem}.html", "label": f"notebook ({stem})"})
    for name, label in (
        ("model_card.html", "model card"),
        ("params.json", "parameters"),
        ("metrics.json", "metrics"),
    ):
        if name in doc["_files"]:
            links.append({"href": f"{doc['_dir']}/{name}", "label": label})
    for nb in doc.get("notebooks", []):
        if nb in doc["_files"]:
            links.append({"href": f"{doc['_dir']}/{nb}", "label": "ipynb"})
    return links


def _figures(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The run folder's own plots and maps, linked from the index."""
    return [
        {"href": f"{doc['_dir']}/{name}", "label": name}
        for name in doc["_files"]
        if name.endswith((".png", ".svg")) or (name.endswith(".html") and "map" in name)
    ]


def _specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    specs = doc.get("key_metric_specs")
    if specs:
        return specs
    return [
        {"name": k, "label": k.replace("_", " "), "tolerance": None} for k in doc.get("key_metrics") or []
    ]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unit(doc: dict[str, Any]) -> str:
    return doc.get("unit") or doc.get("pilot", "")


def comparable(now: dict[str, Any], before: dict[str, Any]) -> bool:
    """Two runs whose metrics may be compared: the same pilot design and profile, the same parameters and
    the same data (fingerprint). Only then can a change come from the code or the libraries."""
    return (
        _unit(now) == _unit(before)
        and now.get("profile") == before.get("profile")
        and (now.get("parameters") or {}) == (before.get("parameters") or {})
        and _fingerprint(now) == _fingerprint(before)
    )


def _fingerprint(doc: dict[str, Any]) -> Any:
    return doc.get("data_fingerprint") or (doc.get("metrics") or {}).get("data_fingerprint")


def _claim_cell(claim: dict[str, Any]) -> dict[str, Any]:
    """What the index shows of a claim: both values, the baseline in words, the interval and the verdict,
    all from the record (:class:`livinglab.claims.Claim`)."""
    from .claims import Claim, fmt, signed

    record = Claim.from_dict(claim)
    return {
        "baseline": fmt(record.baseline_value),
        "baseline_name": record.baseline,
        "difference": f"{signed(record.difference)} {record.interval}",
        "verdict": record.verdict,
        "evidence": record.evidence(),
    }


def regressions(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims of the newest run whose model value moved the wrong way beyond their tolerance since the
    previous successful *comparable* run (``docs``: one design's runs, newest first; sweeps do not count)."""
    from .claims import direction_of

    docs = [d for d in docs if not d.get("sweep")]
    if not docs or docs[0].get("status") != "ok":
        return []
    newest = docs[0]
    previous = next((d for d in docs[1:] if d.get("status") == "ok" and comparable(newest, d)), None)
    if previous is None:
        return []
    found = []
    for spec in _specs(newest):
        claim = (newest.get("claims") or {}).get(spec["name"])
        before = ((previous.get("claims") or {}).get(spec["name"]) or {}).get("model_value")
        if (
            spec.get("tolerance") is None
            or claim is None
            or not (_number(claim.get("model_value")) and _number(before))
        ):
            continue
        now = claim["model_value"]
        change = (now - before) / abs(before) if before else 0.0
        lower = direction_of(claim["metric"]) == "lower"
        if change > spec["tolerance"] if lower else change < -spec["tolerance"]:
            found.append(
                {
                    "pilot": _unit(newest),
                    "metric": spec["name"],
                    "label": spec["label"],
                    "before": before,
                    "now": now,
                    "change": change,
                    "tolerance": spec["tolerance"],
                    "previous_run": previous.get("run_id"),
                }
            )
    return found


def _history(docs: list[dict[str, Any]], name: str, newest: dict[str, Any]) -> list[float]:
    values = []
    for d in reversed(docs):
        if d.get("status") != "ok" or d.get("sweep") or not comparable(newest, d):
            continue
        claim = (d.get("claims") or {}).get(name)
        values.append(claim.get("model_value") if claim else d.get("metrics", {}).get(name))
    return [v for v in values if _number(v)][-20:]


def _section(unit: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    newest = docs[0]
    specs = _specs(newest)
    flagged = {r["metric"]: r for r in regressions(docs)}
    plain = [d for d in docs if not d.get("sweep")]  # sweeps have their own summary
    latest_ok = next((d for d in plain if d.get("status") == "ok"), None)
    summary = []
    if latest_ok is not None:
        metrics, claims = latest_ok.get("metrics", {}), latest_ok.get("claims") or {}
        for spec in specs:
            claim = claims.get(spec["name"])
            value = claim["model_value"] if claim else metrics.get(spec["name"])
            summary.append(
                {
                    "label": claim["label"] if claim else spec["label"],  # a claim is shown in its own words
                    "value": _value_table(value),
                    "baseline": None,
                    "verdict": None,
                    **(_claim_cell(claim) if claim else {}),
                    "spark": _sparkline(_history(docs, spec["name"], latest_ok)),
                    "regression": flagged.get(spec["name"]) if latest_ok is plain[0] else None,
                }
            )
    rows = []
    for doc in docs:
        metrics, claims = doc.get("metrics", {}), doc.get("claims") or {}
        values = []
        for spec in specs:
            value = (
                claims[spec["name"]]["model_value"] if spec["name"] in claims else metrics.get(spec["name"])
            )
            if not isinstance(value, (dict, list)):
                values.append((spec["label"], _fmt(value)))
        rows.append(
            {
                "run_id": doc.get("run_id", ""),
                "started": (doc.get("started") or "").replace("T", " ")[:16],
                "status": doc.get("status", "?"),
                "error": doc.get("error"),
                "profile": doc.get("profile", ""),
                "wall_time_s": doc.get("wall_time_s") or 0,
                "shown": values[:6],
                "links": _links(doc),
                "figures": _figures(doc),
                "data_source": metrics.get("data_source"),
                "sweep": _point_label(doc.get("sweep")),
            }
        )
    title = newest.get("title", unit)
    if newest.get("design_title") and _unit(newest) != newest.get("pilot"):
        title = f"{title}: {newest['design_title']}"
    return {
        "pilot": unit,
        "title": title,
        "summary": summary,
        "latest": latest_ok,
        "runs": rows,
        "regressions": list(flagged.values()),
        "sweeps": sweeps(docs, specs),
    }


def _point_label(tag: dict[str, Any] | None) -> str | None:
    if not tag:
        return None
    point = {**tag["grid"], **({"seed": tag["seed"]} if tag.get("seed") is not None else {})}
    return f"sweep {tag['id']}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in point.items())


def _spread(values: list[float]) -> dict[str, Any]:
    """Mean, sample sd and range of a metric over a grid point's seeds, with the text the index shows."""
    if not values:
        return {"n": 0, "text": "–", "range": ""}
    mean, low, high = statistics.fmean(values), min(values), max(values)
    sd = statistics.stdev(values) if len(values) > 1 else None
    text = _fmt(mean) if sd is None else f"{_fmt(mean)} ± {_fmt(sd)}"
    span = f"{_fmt(low)}–{_fmt(high)}" if len(values) > 1 else ""
    return {"n": len(values), "mean": mean, "sd": sd, "min": low, "max": high, "text": text, "range": span}


def sweeps(docs: list[dict[str, Any]], specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each sweep among one pilot's runs (newest first): per grid point, each numeric key metric's mean,
    sd and min-max over the point's seeds (successful runs only)."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        if doc.get("sweep"):
            by_id.setdefault(doc["sweep"]["id"], []).append(doc)
    found = []
    for sweep_id, members in by_id.items():
        members.sort(key=lambda d: d.get("run_id", ""))
        names = list(members[0]["sweep"]["grid"])
        metrics = [s for s in specs if any(_number(d.get("metrics", {}).get(s["name"])) for d in members)]
        points: dict[str, list[dict[str, Any]]] = {}
        for doc in members:
            points.setdefault(json.dumps(doc["sweep"]["grid"], sort_keys=True), []).append(doc)
        rows = []
        for group in points.values():
            ok = [d for d in group if d.get("status") == "ok"]
            rows.append(
                {
                    "grid": [_fmt(group[0]["sweep"]["grid"][n]) for n in names],
                    "n_ok": len(ok),
                    "n": len(group),
                    "cells": [
                        _spread([d["metrics"][s["name"]] for d in ok if _number(d["metrics"].get(s["name"]))])
                        for s in metrics
                    ],
                    "links": [
                        {
                            "href": (_links(d) or [{"href": f"{d['_dir']}/metrics.json"}])[0]["href"],
                            "label": "run"
                            if d["sweep"].get("seed") is None
                            else f"seed {d['sweep']['seed']}",
                            "status": d.get("status", "?"),
                        }
                        for d in group
                    ],
                }
            )
        found.append(
            {
                "id": sweep_id,
                "profile": members[0].get("profile", ""),
                "names": names,
                "metrics": [s["label"] for s in metrics],
                "rows": rows,
                "n_ok": sum(r["n_ok"] for r in rows),
                "n": len(members),
                "seeds": len({d["sweep"].get("seed") for d in members}),
            }
        )
    return found


def write_index(out: Path) -> Path:
    """Write ``index.html`` and ``index.json`` for every run under ``out``, under a lock on the folder (two
    processes rebuilding one index take turns, and each writes what it read: the two files agree)."""
    from contextlib import nullcontext

    out.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: unique temporary names still keep the files whole
        fcntl = None
    handle = (out / ".index.lock").open("a") if fcntl is not None else nullcontext()
    with handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        return _write_index(out)


def _running(out: Path) -> list[dict[str, Any]]:
    """Units of runs still going (planned, no metrics.json yet): listed as running."""
    rows = []
    for planned in out.glob("*/*/.planned.json"):
        if planned.parent.parent.name == "latest" or (planned.parent / "metrics.json").exists():
            continue
        try:
            doc = json.loads(planned.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        doc["_dir"] = planned.parent.relative_to(out).as_posix()
        doc["_files"] = sorted(p.name for p in planned.parent.iterdir() if not p.name.startswith("."))
        rows.append(doc)
    return rows


def _write_index(out: Path) -> Path:
    runs = collect_runs(out) + _running(out)
    runs.sort(key=lambda d: (d.get("started", ""), d.get("run_id", "")), reverse=True)
    latest = out / "latest"
    latest_id = os.readlink(latest) if latest.is_symlink() else None
    by_pilot: dict[str, list[dict[str, Any]]] = {}
    for doc in runs:
        by_pilot.setdefault(_unit(doc), []).append(doc)
    sections = [_section(pilot, docs) for pilot, docs in sorted(by_pilot.items())]
    page = (
        _templates()
        .get_template("index.html.j2")
        .render(
            title="Living lab: pilot runs",
            n_runs=len(runs),
            out=str(out),
            latest=latest_id,
            sections=sections,
        )
    )
    out.mkdir(parents=True, exist_ok=True)
    index = _write_atomically(out / "index.html", page)
    summary = [{k: v for k, v in doc.items() if not k.startswith("_")} | {"dir": doc["_dir"]} for doc in runs]
    swept = [{"pilot": s["pilot"], **sweep} for s in sections for sweep in s["sweeps"]]
    _write_atomically(
        out / "index.json", json.dumps({"latest": latest_id, "runs": summary, "sweeps": swept}, indent=1)
    )
    return index
