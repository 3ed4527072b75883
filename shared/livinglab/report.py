"""What reviewers read: executed notebooks rendered to HTML and the run index.

The index is rebuilt from the ``metrics.json`` files under the run folder every time, so it never
disagrees with what is on disk: one section a pilot, one row a run, newest first, with the pilot's
key metrics as columns so a drift from one scheduled run to the next is visible at a glance.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import statistics
from pathlib import Path
from typing import Any

from .escaping import markdown_html, safe_notebook
from .paths import write_atomically

_CDN_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)
REMOVE_CELL_TAG = "remove-cell"
REMOVE_INPUT_TAG = "remove-input"


def render_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook for reviewers; cells tagged ``remove-cell`` are left out. Every output
    passes :func:`livinglab.escaping.safe_notebook` first: what the data put in a table, a sentence or a
    figure is shown as text and never runs (no script, event handler or ``javascript:`` link survives)."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_CELL_TAG}
    config.TagRemovePreprocessor.remove_input_tags = {REMOVE_INPUT_TAG}
    config.TagRemovePreprocessor.enabled = True
    templates = [str(Path(__file__).parent / "templates")]
    exporter = HTMLExporter(config=config, extra_template_basedirs=templates, **REVIEWER_PAGE)
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.register_preprocessor(for_reviewers, enabled=True)
    safe = safe_notebook(nbformat.read(notebook, as_version=4))  # what the data hold is shown, never run
    body, _ = exporter.from_notebook_node(safe, _page_resources(target))
    # The page must open from disk with no network: figures are inline PNG already; require.js and MathJax
    # come from a CDN and serve nothing these notebooks show (no widgets, no LaTeX), so they are left out.
    body = _CDN_SCRIPT.sub("", body)
    return write_atomically(target, body)


# The reviewer's notebook page (templates/reviewer): code folded, no prompts, a light stylesheet.
REVIEWER_PAGE = dict(template_name="reviewer", exclude_input_prompt=True, exclude_output_prompt=True)
_RUN_ID = re.compile(r"^\d{8}T\d{6}Z")


def _page_resources(target: Path) -> dict[str, Any]:
    """The page's title (the run unit and the run; :func:`for_reviewers` adds the first heading), and
    the run it belongs to, for the template's links to the index, the model card and the parameters."""
    unit, run_id = target.parent.name, target.parent.parent.name
    run = f"{unit}, run {run_id}" if _RUN_ID.match(run_id) else ""
    card = (target.parent / "model_card.md").is_file()  # written by the notebook; its page comes next
    return {"metadata": {"name": run or target.stem}, "ll_run": run, "ll_card": card}


def for_reviewers(nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """What a reviewer's page needs of the executed notebook: the title from its first heading, each
    figure compressed and given alt text (its ``alt`` metadata, else the section it is in), an output
    repeated word for word shown once, and a table without rows said in words."""
    from .show import compress_png

    section, seen, first = "", set(), None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#+\s+(.+)$", cell.source, re.M)
            section = headings[-1].strip() if headings else section
            first = first or (headings[0].strip() if headings else None)
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            key = json.dumps(data, sort_keys=True) if data else None
            if key is not None and key in seen:
                continue
            seen.add(key)
            if "image/png" in data:
                png = compress_png(base64.b64decode(data["image/png"]))
                data["image/png"] = base64.b64encode(png).decode()
                meta = output.setdefault("metadata", {}).setdefault("image/png", {})
                meta.setdefault(
                    "alt", f"Figure of the section \u201c{section}\u201d" if section else "Figure"
                )
            if "<table" in data.get("text/html", "") and "<td" not in data["text/html"]:
                data["text/html"] = "<p>No rows to show.</p>"
            kept.append(output)
        if "outputs" in cell:
            cell.outputs = kept
    if first:
        resources["metadata"]["name"] = f"{resources['metadata']['name']} \u00b7 {first}"
    return nb, resources


def _templates():
    """The Jinja2 templates of the pages (shared/livinglab/templates), HTML-escaped by default."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("livinglab", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_model_card_html(markdown_file: Path, target: Path) -> Path:
    """The model card's Markdown as a page; HTML in it (a label, a file name) is shown as text."""
    body = markdown_html(markdown_file.read_text(encoding="utf-8"))
    page = (
        _templates()
        .get_template("model_card.html.j2")
        .render(title=f"Model card: {_page_resources(target)['metadata']['name']}", body=body)
    )
    return write_atomically(target, page)


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
    if not isinstance(value, (dict, list)):
        return _fmt(value)
    return [
        (str(k), _value_table(v)) for k, v in (value.items() if isinstance(value, dict) else enumerate(value))
    ]


def _sparkline(points: list[tuple[str, float]], width: int = 150, height: int = 30) -> str:
    """A small inline SVG of a metric across comparable runs (oldest left, the newest marked) with its scale
    (lowest and highest value) written beside it and each run's value on hover; no script, no network."""
    if len(points) < 2:
        return ""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span, left = (high - low) or 1.0, 46
    xs = [left + i * (width - left - 4) / (len(points) - 1) for i in range(len(points))]
    ys = [height - 4 - (v - low) / span * (height - 8) for v in values]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3 if i == len(xs) - 1 else 2}" fill="#1d2731">'
        f"<title>{html.escape(run)}: {_fmt(v)}</title></circle>"
        for i, (x, y, (run, v)) in enumerate(zip(xs, ys, points, strict=True))
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{len(points)} comparable runs, from {_fmt(values[0])} to {_fmt(values[-1])}">'
        f'<text x="0" y="9" font-size="9">{_fmt(high)}</text><text x="0" y="{height - 1}" font-size="9">'
        f'{_fmt(low)}</text><polyline fill="none" stroke="#4a6fa5" stroke-width="1.5" points="{line}"/>'
        f"{dots}</svg>"
    )


def collect_runs(out: Path) -> list[dict[str, Any]]:
    rows = []
    for metrics_file in out.glob("*/*/metrics.json"):
        if metrics_file.parent.parent.name == "latest" or metrics_file.parent.is_symlink():
            continue
        try:
            doc = json.loads(metrics_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        doc["_dir"] = metrics_file.parent.relative_to(out).as_posix()
        doc["_path"] = metrics_file.parent
        doc["_files"] = sorted(p.name for p in metrics_file.parent.iterdir() if not p.name.startswith("."))
        rows.append(doc)
    rows.sort(key=lambda d: (d.get("started", ""), d.get("run_id", "")), reverse=True)
    return rows


def update_latest(out: Path) -> dict[str, str]:
    """``out/latest/<unit>``: a link to the newest successful run of every pilot design (sweeps aside), so
    that after a run of one pilot ``latest`` still reaches the others' newest good results. Each link is
    replaced atomically; a unit whose newest run failed keeps its last good one."""
    latest = out / "latest"
    if latest.is_symlink():  # the layout before per-unit links: one link to a whole run
        latest.unlink()
    latest.mkdir(parents=True, exist_ok=True)
    chosen: dict[str, str] = {}
    for doc in collect_runs(out):
        if doc.get("status") == "ok" and not doc.get("sweep"):
            chosen.setdefault(_unit(doc), doc["_dir"])
    for unit, folder in chosen.items():
        target = f"../{folder}"
        if (latest / unit).is_symlink() and os.readlink(latest / unit) == target:
            continue
        tmp = latest / f".{unit}-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target, target_is_directory=True)
        os.replace(tmp, latest / unit)
    return chosen


_LINKS = {"model_card.html": "model card", "params.json": "parameters", "metrics.json": "metrics"}


def _links(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The run folder's pages: the rendered notebook, the model card, parameters, metrics, the notebook file."""
    notebooks = doc.get("notebooks", [])
    names = (
        {f"{Path(nb).stem}.html": "notebook" for nb in notebooks} | _LINKS | dict.fromkeys(notebooks, "ipynb")
    )
    return [
        {"href": f"{doc['_dir']}/{n}", "label": label} for n, label in names.items() if n in doc["_files"]
    ]


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


def differences(now: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """Why two runs' metrics may not be compared, in words (empty: they may). Comparable runs are of the
    same pilot design and profile, with the same parameters and the same data (fingerprint): only then
    can a change come from the code or the libraries."""
    found = []
    if _unit(now) != _unit(before):
        found.append(f"pilot design {_unit(before)} -> {_unit(now)}")
    if now.get("profile") != before.get("profile"):
        found.append(f"profile {before.get('profile')} -> {now.get('profile')}")
    a, b = now.get("parameters") or {}, before.get("parameters") or {}
    found += [
        f"parameter {k} {_fmt(b.get(k, 'default'))} -> {_fmt(a.get(k, 'default'))}"
        for k in sorted({*a, *b})
        if a.get(k) != b.get(k)
    ]
    if _fingerprint(now) != _fingerprint(before):
        found.append(f"data {_fingerprint(before)} -> {_fingerprint(now)}")
    return found


def comparable(now: dict[str, Any], before: dict[str, Any]) -> bool:
    """Two runs whose metrics may be compared (:func:`differences` finds none)."""
    return not differences(now, before)


def _fingerprint(doc: dict[str, Any]) -> Any:
    return doc.get("data_fingerprint") or (doc.get("metrics") or {}).get("data_fingerprint")


_PROFILES: dict[str, dict[str, Any]] = {}


def profile_label(doc: dict[str, Any]) -> str:
    """The profile a run used and what it overrode: ``default + n_requests=500``."""
    profile, pilot = doc.get("profile") or "default", doc.get("pilot", "")
    if pilot not in _PROFILES:
        from .pilots import get_pilot

        try:
            _PROFILES[pilot] = get_pilot(pilot).profiles
        except Exception:  # the pilot is not in this project (a copied run folder): every value is shown
            _PROFILES[pilot] = {}
    declared = _PROFILES[pilot].get(profile, {})
    extra = {k: v for k, v in (doc.get("parameters") or {}).items() if declared.get(k, ...) != v}
    return " + ".join([profile, *(f"{k}={_fmt(v)}" for k, v in extra.items())])


def _claim_cell(claim: dict[str, Any]) -> dict[str, Any]:
    """What the index shows of a claim: both values, the baseline in words, the interval and the verdict,
    all from the record (:class:`livinglab.claims.Claim`)."""
    from .claims import Claim, fmt, signed

    record = Claim.from_dict(claim)
    return {
        "value": fmt(record.model_value),  # rounded as the claim's sentence and the card round it
        "baseline": fmt(record.baseline_value),
        "baseline_name": record.baseline,
        "difference": f"{signed(record.difference)} {record.interval}",
        "verdict": record.verdict,
        "evidence": record.evidence(),
        "headline": f"{record.label}: {fmt(record.model_value)} for {record.model} against "
        f"{fmt(record.baseline_value)} for {record.baseline}, difference {signed(record.difference)} "
        f"{record.interval}",
    }


def regressions(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims of the newest run whose model value moved the wrong way beyond their tolerance since the
    previous successful *comparable* run (``docs``: one design's runs, newest first; sweeps do not count).
    Only claims are checked: a timing or a plain count is never flagged."""
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
            found.append(dict(pilot=_unit(newest), metric=spec["name"], label=spec["label"], before=before))
            found[-1] |= dict(
                now=now, change=change, tolerance=spec["tolerance"], previous_run=previous["run_id"]
            )
    return found


def _value_of(doc: dict[str, Any], name: str) -> Any:
    claim = (doc.get("claims") or {}).get(name)
    return claim.get("model_value") if claim else (doc.get("metrics") or {}).get(name)


def _shown_value(doc: dict[str, Any], name: str) -> str:
    """A key value in a run's row: a claim's model value rounded as its sentence rounds it, any other as is."""
    from .claims import fmt

    claim = (doc.get("claims") or {}).get(name)
    return (
        fmt(claim["model_value"])
        if claim and _number(claim.get("model_value"))
        else _fmt(_value_of(doc, name))
    )


def _history(docs: list[dict[str, Any]], name: str, newest: dict[str, Any]) -> list[tuple[str, float]]:
    points = [
        (d.get("run_id", ""), _value_of(d, name))
        for d in reversed(docs)
        if d.get("status") == "ok" and not d.get("sweep") and comparable(newest, d)
    ]
    return [(run, v) for run, v in points if _number(v)][-20:]


def _comparison(docs: list[dict[str, Any]], specs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The two newest runs of a design side by side: parameters, data and key values, and whether (and
    why not) they are comparable."""
    if len(docs) < 2:
        return None
    pair = docs[:2]
    params = []
    for doc in pair:
        try:
            params.append(json.loads((doc["_path"] / "params.json").read_text())["effective_parameters"])
        except (OSError, ValueError, KeyError, TypeError):
            params.append(doc.get("parameters") or {})
    rows = [("run", *(f"{d.get('run_id')} ({d.get('status')})" for d in pair))]
    rows += [("profile", *(profile_label(d) for d in pair)), ("data", *(str(_fingerprint(d)) for d in pair))]
    names = sorted({*params[0], *params[1]})
    rows += [(n, *(_fmt(p.get(n)) for p in params)) for n in names if params[0].get(n) != params[1].get(n)]
    for spec in specs:
        cells = []
        for doc in pair:
            value, claim = _value_of(doc, spec["name"]), (doc.get("claims") or {}).get(spec["name"])
            if not isinstance(value, (dict, list)):
                cells.append(_fmt(value) + (f" ({claim['verdict']})" if claim else ""))
        if len(cells) == 2:
            rows.append((spec["label"], *cells))
    return {"runs": [d.get("run_id") for d in pair], "rows": rows, "differences": differences(*pair)}


def _latest_link(unit: str, doc: dict[str, Any] | None) -> str | None:
    """``latest/<unit>/<notebook>.html`` when that link exists (:func:`update_latest`)."""
    if doc is None or not (doc["_path"].parent.parent / "latest" / unit).exists():
        return None
    pages = [
        f"{Path(nb).stem}.html" for nb in doc.get("notebooks", []) if f"{Path(nb).stem}.html" in doc["_files"]
    ]
    return f"latest/{unit}/{pages[0] if pages else ''}"


def _section(unit: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    newest = docs[0]
    specs = _specs(newest)
    flagged = {r["metric"]: r for r in regressions(docs)}
    plain = [d for d in docs if not d.get("sweep")]  # sweeps have their own summary
    latest_ok = next((d for d in plain if d.get("status") == "ok"), None)
    summary, headline = [], None
    if latest_ok is not None:
        metrics, claims = latest_ok.get("metrics", {}), latest_ok.get("claims") or {}
        for spec in specs:
            claim = claims.get(spec["name"])
            cell = _claim_cell(claim) if claim else {}
            headline = headline or (cell or None)
            summary.append(
                {
                    "label": claim["label"] if claim else spec["label"],  # a claim is shown in its own words
                    "value": _value_table(claim["model_value"] if claim else metrics.get(spec["name"])),
                    "baseline": None,
                    "verdict": None,
                    **cell,
                    "spark": _sparkline(_history(docs, spec["name"], latest_ok)),
                    "regression": flagged.get(spec["name"]) if latest_ok is plain[0] else None,
                }
            )
        if headline is None and claims:
            headline = _claim_cell(next(iter(claims.values())))
    rows = []
    for doc in docs:
        values = [(s["label"], _shown_value(doc, s["name"])) for s in specs]
        rows.append(
            {
                "run_id": doc.get("run_id", ""),
                "started": (doc.get("started") or "").replace("T", " ")[:16],
                "status": doc.get("status", "?"),
                "error": doc.get("error"),
                "profile": profile_label(doc),
                "wall_time_s": doc.get("wall_time_s") or 0,
                "shown": [(k, v) for k, v in values if not isinstance(_value_of(doc, k), (dict, list))][:6],
                "links": _links(doc),
                "figures": _figures(doc),
                "data_source": (doc.get("metrics") or {}).get("data_source"),
                "sweep": _point_label(doc.get("sweep")),
            }
        )
    title = newest.get("title", unit)
    if newest.get("design_title") and _unit(newest) != newest.get("pilot"):
        title = f"{title}: {newest['design_title']}"
    return {
        "pilot": unit,
        "title": title,
        "what": newest.get("design_title") or title,
        "headline": headline,
        "failed": None if plain and plain[0].get("status") == "ok" else (plain or docs)[0],
        "summary": summary,
        "latest": latest_ok,
        "latest_profile": profile_label(latest_ok) if latest_ok else None,
        "latest_link": _latest_link(unit, latest_ok),
        "runs": rows,
        "regressions": list(flagged.values()),
        "sweeps": sweeps(docs, specs),
        "comparison": _comparison(plain, specs),
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
    index = write_atomically(out / "index.html", page)
    summary = [{k: v for k, v in doc.items() if not k.startswith("_")} | {"dir": doc["_dir"]} for doc in runs]
    swept = [{"pilot": s["pilot"], **sweep} for s in sections for sweep in s["sweeps"]]
    write_atomically(
        out / "index.json", json.dumps({"latest": latest_id, "runs": summary, "sweeps": swept}, indent=1)
    )
    return index
