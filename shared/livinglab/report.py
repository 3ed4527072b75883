"""What reviewers read: executed notebooks rendered to HTML and the run index.

The index is rebuilt from the ``metrics.json`` files under the run folder every time, so it never
disagrees with what is on disk: one section a pilot, one row a run, newest first, with the pilot's
key metrics as columns so a drift from one scheduled run to the next is visible at a glance.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

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
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, target)
    return target


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
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
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
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        text = json.dumps(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


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
            links.append({"href": f"{doc['_dir']}/{stem}.html", "label": stem})
        if nb in doc["_files"]:
            links.append({"href": f"{doc['_dir']}/{nb}", "label": "ipynb"})
    for name, label in (
        ("model_card.html", "model card"),
        ("params.json", "params"),
        ("metrics.json", "metrics"),
    ):
        if name in doc["_files"]:
            links.append({"href": f"{doc['_dir']}/{name}", "label": label})
    return links


def write_index(out: Path) -> Path:
    """Write ``index.html`` and ``index.json`` for every run under ``out``."""
    runs = collect_runs(out)
    latest = out / "latest"
    latest_id = os.readlink(latest) if latest.is_symlink() else None
    by_pilot: dict[str, list[dict[str, Any]]] = {}
    for doc in runs:
        by_pilot.setdefault(doc["pilot"], []).append(doc)
    sections = []
    for pilot, docs in sorted(by_pilot.items()):
        keys = docs[0].get("key_metrics") or []
        rows = [
            {
                "run_id": doc.get("run_id", ""),
                "status": doc.get("status", "?"),
                "error": doc.get("error"),
                "profile": doc.get("profile", ""),
                "wall_time_s": doc.get("wall_time_s") or 0,
                "cells": [_fmt(doc.get("metrics", {}).get(k)) for k in keys],
                "links": _links(doc),
            }
            for doc in docs
        ]
        sections.append({"pilot": pilot, "title": docs[0].get("title", pilot), "metrics": keys, "rows": rows})
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
    _write_atomically(out / "index.json", json.dumps({"latest": latest_id, "runs": summary}, indent=1))
    return index
