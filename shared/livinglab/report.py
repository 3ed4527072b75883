"""What reviewers read: executed notebooks rendered to HTML and the run index.

The index is rebuilt from the ``metrics.json`` files under the run folder every time, so it never
disagrees with what is on disk: one section a pilot, one row a run, newest first, with the pilot's
key metrics as columns so a drift from one scheduled run to the next is visible at a glance.
"""

from __future__ import annotations

import html
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


def render_model_card_html(markdown_file: Path, target: Path) -> Path:
    import mistune

    body = mistune.html(markdown_file.read_text(encoding="utf-8"))
    target.write_text(_page(f"Model card: {markdown_file.parent.name}", body), encoding="utf-8")
    return target


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


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1d2731; max-width: 80rem; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 2rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }}
th {{ background: #eef1f6; }}
.ok {{ color: #17663a; font-weight: 600; }} .failed {{ color: #b0161e; font-weight: 600; }}
.muted {{ color: #667; }}
</style></head><body>
{body}
</body></html>
"""


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


def _links(doc: dict[str, Any]) -> str:
    parts = []
    for nb in doc.get("notebooks", []):
        stem = Path(nb).stem
        if f"{stem}.html" in doc["_files"]:
            parts.append(f'<a href="{doc["_dir"]}/{stem}.html">{html.escape(stem)}</a>')
        if nb in doc["_files"]:
            parts.append(f'<a href="{doc["_dir"]}/{nb}">ipynb</a>')
    for name, label in (
        ("model_card.html", "model card"),
        ("params.json", "params"),
        ("metrics.json", "metrics"),
    ):
        if name in doc["_files"]:
            parts.append(f'<a href="{doc["_dir"]}/{name}">{label}</a>')
    return " · ".join(parts)


def write_index(out: Path) -> Path:
    """Write ``index.html`` and ``index.json`` for every run under ``out``."""
    runs = collect_runs(out)
    latest = out / "latest"
    latest_id = os.readlink(latest) if latest.is_symlink() else None
    by_pilot: dict[str, list[dict[str, Any]]] = {}
    for doc in runs:
        by_pilot.setdefault(doc["pilot"], []).append(doc)

    sections = [
        "<h1>Living lab: pilot runs</h1>",
        f'<p class="muted">{len(runs)} pilot runs in {html.escape(str(out))}. '
        f"Latest complete run: {html.escape(latest_id or 'none yet')}. Newest first.</p>",
    ]
    for pilot, docs in sorted(by_pilot.items()):
        keys = docs[0].get("key_metrics") or []
        head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
        sections.append(
            f"<h2>{html.escape(docs[0].get('title', pilot))} <span class='muted'>({pilot})</span></h2>"
        )
        sections.append(
            f"<table><tr><th>run</th><th>status</th><th>profile</th><th>duration</th>{head}<th>open</th></tr>"
        )
        for doc in docs:
            metrics = doc.get("metrics", {})
            cells = "".join(f"<td>{html.escape(_fmt(metrics.get(k)))}</td>" for k in keys)
            status = doc.get("status", "?")
            title = f' title="{html.escape(doc["error"])}"' if doc.get("error") else ""
            sections.append(
                f"<tr><td>{html.escape(doc.get('run_id', ''))}</td><td class='{status}'{title}>{status}</td>"
                f"<td>{html.escape(doc.get('profile', ''))}</td><td>{doc.get('wall_time_s', 0):.1f} s</td>"
                f"{cells}<td>{_links(doc)}</td></tr>"
            )
        sections.append("</table>")
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    tmp = out / ".index.html.tmp"
    tmp.write_text(_page("Living lab: pilot runs", "\n".join(sections)), encoding="utf-8")
    os.replace(tmp, page)
    summary = [{k: v for k, v in doc.items() if not k.startswith("_")} | {"dir": doc["_dir"]} for doc in runs]
    (out / "index.json").write_text(
        json.dumps({"latest": latest_id, "runs": summary}, indent=1), encoding="utf-8"
    )
    return page
