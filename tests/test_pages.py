"""The pages' core, without a browser: the display helpers, the run index built from planted run folders
(verdicts, regressions only between comparable runs, overrides, latest per design) and the reviewer's
notebook page. The same planted runs are opened in Chromium by tests/test_browser.py."""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from pathlib import Path

import pytest

from livinglab import show
from livinglab.claims import from_interval
from livinglab.report import differences, profile_label, regressions, update_latest, write_index


def claim(name: str, model: float, baseline: float, interval: tuple[float, float], metric: str = "mae"):
    return from_interval(
        name,
        metric,
        model,
        baseline,
        interval,
        label=f"{name} error (units)",
        model=f"the {name} model",
        baseline="the seasonal naive forecast",
        split="the last two weeks",
        rows=500,
        units=20,
        unit="days",
    ).as_dict()


def plant(out: Path, run_id: str, unit: str, claims: dict, *, status="ok", parameters=None, data="abc123"):
    """A run folder as the runner leaves it (metrics.json, params.json, the pages' files)."""
    folder = out / run_id / unit
    folder.mkdir(parents=True)
    doc = {
        "run_id": run_id,
        "pilot": unit,
        "design": unit,
        "unit": unit,
        "title": f"The {unit} pilot",
        "design_title": f"Forecasts of the {unit} design",
        "profile": "default",
        "parameters": parameters or {},
        "status": status,
        "error": None if status == "ok" else "model.ipynb: ValueError: planted failure",
        "started": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T{run_id[9:11]}:{run_id[11:13]}:00+00:00",
        "wall_time_s": 1.0,
        "notebooks": ["model.ipynb"],
        "key_metric_specs": [{"name": n, "label": f"{n} error (units)", "tolerance": 0.1} for n in claims]
        + [{"name": "throughput", "label": "requests a second", "tolerance": 0.1}],
        "data_fingerprint": data,
        "metrics": {"throughput": 100.0 if status == "ok" else None, "data_source": "synthetic"},
        "claims": claims,
        "timings": {},
    }
    (folder / "metrics.json").write_text(json.dumps(doc))
    effective = {"n_requests": 2000, **(parameters or {})}
    (folder / "params.json").write_text(json.dumps({"effective_parameters": effective}))
    for name in ("model.html", "model_card.html"):
        (folder / name).write_text(f"<!doctype html><title>{name}</title><p>{unit}</p>")
    return folder


@pytest.fixture
def planted(tmp_path) -> Path:
    """Three designs: one better than its baseline, one worse, one failed after a good run; a single-design
    run last (after it, latest must still reach the others)."""
    out = tmp_path / "runs"
    plant(out, "20250101T080000Z-aaaa", "better", {"mae": claim("mae", 4.0, 5.0, (-1.4, -0.6))})
    plant(out, "20250101T080000Z-aaaa", "worse", {"mae": claim("mae", 6.0, 5.0, (0.5, 1.5))})
    plant(out, "20250101T080000Z-aaaa", "broken", {"mae": claim("mae", 5.0, 5.0, (-0.2, 0.2))})
    plant(out, "20250102T080000Z-bbbb", "broken", {}, status="failed")
    plant(out, "20250103T080000Z-cccc", "better", {"mae": claim("mae", 4.1, 5.0, (-1.3, -0.5))})
    update_latest(out)
    write_index(out)
    return out


def summary_cards(page: str) -> dict[str, str]:
    """Each summary card's text, by the design it links to."""
    cards = re.findall(r'<article class="card">\s*<h3><a href="#([^"]+)">.*?</article>', page, re.S)
    texts = re.findall(r'<article class="card">.*?</article>', page, re.S)
    return {
        unit: html.unescape(re.sub(r"<[^>]+>", " ", text)) for unit, text in zip(cards, texts, strict=True)
    }


def test_the_summary_gives_each_design_its_planted_verdict_and_a_banner_for_the_failure(planted):
    page = (planted / "index.html").read_text()
    cards = summary_cards(page)
    assert set(cards) == {"better", "worse", "broken"}
    verdict = {
        unit: re.search(r":\s+(better|worse|no clear difference)\s", text).group(1)
        for unit, text in cards.items()
    }
    assert verdict == {"better": "better", "worse": "worse", "broken": "no clear difference"}
    assert "4.10 for the mae model against 5.00 for the seasonal naive forecast" in cards["better"]
    assert "[-1.30, -0.500]" in cards["better"]  # the interval of the newest good run, from its record
    banner = re.findall(r'<div class="banner bad">(.*?)</div>', page, re.S)
    assert len(banner) == 1 and "20250102T080000Z-bbbb failed" in banner[0] and 'href="#broken"' in banner[0]
    assert page.count("planted failure") == 1  # the error itself once, in the design's list of runs
    assert page.index('id="summary"') < page.index('<section id="better">')  # the summary comes first


def test_latest_keeps_every_designs_newest_good_run(planted):
    latest = planted / "latest"
    assert {p.name: os.readlink(p) for p in latest.iterdir()} == {
        "better": "../20250103T080000Z-cccc/better",  # the single-design run moved only its own link
        "worse": "../20250101T080000Z-aaaa/worse",
        "broken": "../20250101T080000Z-aaaa/broken",  # its newest run failed: the last good one stays
    }
    assert (latest / "worse" / "metrics.json").is_file()
    update_latest(planted)  # again: nothing changes, nothing breaks
    assert os.readlink(latest / "worse") == "../20250101T080000Z-aaaa/worse"
    old = planted / "old-layout"  # a folder from before: latest was one link to a whole run
    old.mkdir()
    (old / "latest").symlink_to("nowhere")
    plant(old, "20250101T080000Z-aaaa", "x", {})
    assert update_latest(old) == {"x": "20250101T080000Z-aaaa/x"} and (old / "latest" / "x").is_dir()


def _runs(tmp_path, second_parameters, second_value):
    out = tmp_path / "runs"
    plant(out, "20250101T080000Z-aaaa", "unit", {"mae": claim("mae", 4.0, 5.0, (-1.4, -0.6))})
    plant(out, "20250102T080000Z-bbbb", "unit", {"mae": claim("mae", second_value, 5.0, (-1.4, 9.0))},
          parameters=second_parameters)  # fmt: skip
    from livinglab.report import collect_runs

    return out, collect_runs(out)


def test_a_second_run_with_an_override_is_not_flagged_as_a_regression(tmp_path):
    out, docs = _runs(tmp_path, {"n_requests": 500}, 8.0)  # the error doubled, with other parameters
    assert regressions(docs) == []
    assert differences(docs[0], docs[1]) == ["parameter n_requests default -> 500"]
    assert profile_label(docs[0]) == "default + n_requests=500"
    page = write_index(out).read_text()
    assert "Regression since" not in page and 'class="regression"' not in page and "banner bad" not in page
    assert "default + n_requests=500" in page and "not comparable" in page
    assert "n_requests" in page and ">2,000<" in page and ">500<" in page  # parameters side by side


def test_the_same_change_with_the_same_parameters_is_flagged(tmp_path):
    out, docs = _runs(tmp_path, {}, 8.0)  # the control: were the override ignored, this is what it gives
    (found,) = regressions(docs)
    assert found["metric"] == "mae" and found["change"] == pytest.approx(1.0)
    assert "Regression since the previous run" in write_index(out).read_text()


def test_timings_are_never_flagged(tmp_path):
    out, docs = _runs(tmp_path, {}, 4.0)
    doc = json.loads((out / "20250102T080000Z-bbbb/unit/metrics.json").read_text())
    doc["metrics"]["throughput"] = 10.0  # a tenth of the speed under machine load: a key metric, not a claim
    (out / "20250102T080000Z-bbbb/unit/metrics.json").write_text(json.dumps(doc))
    from livinglab.report import collect_runs

    assert regressions(collect_runs(out)) == []


def test_sparklines_have_a_scale_and_each_runs_value_on_hover(tmp_path):
    out, _ = _runs(tmp_path, {}, 4.2)
    page = write_index(out).read_text()
    spark = re.findall(r'<svg class="spark".*?</svg>', page, re.S)[0]  # the claim's (then the throughput's)
    assert (
        "<title>20250101T080000Z-aaaa: 4</title>" in spark
        and "<title>20250102T080000Z-bbbb: 4.2</title>" in spark
    )
    assert re.findall(r"<text[^>]*>([^<]+)</text>", spark) == ["4.2", "4"]  # the scale: highest, lowest


def test_table_reads_like_a_table_not_a_repr():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {"n_requests": [1200, 3], "share_ok": [0.12345, np.nan], "name": ["<b>Anna</b>", "x|y"]},
        index=pd.Index(["fr", "de"], name="language"),
    )
    page = show.table(frame, "Requests per language")._repr_html_()
    assert "<th>language</th><th>n requests</th><th>share ok</th>" in page  # the index is a column, words
    assert "<td>1,200</td><td>0.123</td><td>&lt;b&gt;Anna&lt;/b&gt;</td>" in page and "<td>–</td>" in page
    assert "rows ×" not in page and "dtype" not in page
    empty = show.table(frame.iloc[:0], "Drift", empty="No earlier run on the same data.")._repr_html_()
    assert "<table" not in empty and "No earlier run on the same data." in empty
    long = show.table(pd.DataFrame({"x": range(100)}), max_rows=10)
    assert len(long.frame) == 10 and long.note == "First 10 of 100 rows."


def test_sentence_escapes_what_comes_from_the_data():
    text = show.sentence(
        "Names redacted: **{n}**, e.g. {name}.", n=0.111, name="<img src=x onerror=alert(1)> *a*"
    )
    page = text._repr_html_()
    assert "<strong>0.111</strong>" in page and "<img" not in page and "&lt;img" in page
    assert "<em>" not in page  # the value's asterisks stay asterisks


def test_figure_has_its_caption_as_alt_text_and_is_compressed():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(np.cumsum(np.random.default_rng(0).normal(size=500)))
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=96, bbox_inches="tight")
    shown = show.figure(fig, 'Counts at "site 3" <by hour>')
    assert len(shown.png) < 0.6 * len(raw.getvalue()) and shown.png.startswith(b"\x89PNG")
    assert 'alt="Counts at &quot;site 3&quot; &lt;by hour&gt;"' in shown._repr_html_()
    assert fig.number not in plt.get_fignums()  # closed: the notebook does not show it a second time
    with pytest.raises(ValueError, match="needs a caption"):
        show.figure(plt.subplots()[0], " ")


def test_a_saved_map_carries_its_libraries_and_asks_the_network_for_nothing(tmp_path):
    import folium
    from branca.colormap import LinearColormap

    fmap = folium.Map(location=[49.61, 6.13], zoom_start=10, tiles="OpenStreetMap")
    folium.PolyLine([(49.6, 6.1), (49.62, 6.15)], tooltip="A1").add_to(fmap)
    LinearColormap(["green", "red"], vmin=0, vmax=1, caption="volume / capacity").add_to(fmap)
    folium.LayerControl().add_to(fmap)
    page = show.save_map(fmap, tmp_path / "map.html").read_text()
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', page)  # nothing from the network
    assert 'L.tileLayer("data:image/gif' in page and "tile.openstreetmap.org" not in page
    assert "Leaflet 1.9.3" in page[:200_000] or "leafletjs.com" in page  # the library itself, inlined
    assert "d3" in page


def test_the_reviewers_page_folds_code_names_the_run_and_gives_figures_alt_text(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from livinglab.report import render_html

    png = io.BytesIO()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    fig.savefig(png, format="png")
    plt.close(fig)
    image = {"image/png": base64.b64encode(png.getvalue()).decode(), "text/plain": "<Figure>"}
    table = {"text/html": "<table><thead><tr><th>a</th></tr></thead><tbody></tbody></table>"}
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Traffic forecasts\n\n## Forecasts against counts"),
            new_code_cell("secret_code_marker = 1", outputs=[new_output("display_data", data=image)]),
            new_code_cell("x", outputs=[new_output("display_data", data=table)] * 2),
        ]
    )
    folder = tmp_path / "20250101T080000Z-aaaa" / "mobility"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "mobility.ipynb")
    page = render_html(folder / "mobility.ipynb", folder / "mobility.html").read_text()
    assert "<title>mobility, run 20250101T080000Z-aaaa · Traffic forecasts</title>" in page
    assert re.search(
        r"<details class=\"ll-code\"><summary>Show code</summary>.*secret_code_marker", page, re.S
    )
    assert 'alt="Figure of the section “Forecasts against counts”"' in page
    assert page.count("No rows to show.") == 1  # an empty table in words, and a repeated output once
    assert "<script src=" not in page and len(page) < 60_000  # no JupyterLab stylesheet of 260 kB
    assert '<a href="../../index.html">All runs</a>' in page


def test_the_card_opens_with_a_summary_and_renders_every_finding_from_the_records(monkeypatch):
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "trust"))
    from test_trust_model_card import CLAIMS, card_fields

    from livinglab.trust import ModelCard

    card = ModelCard(**card_fields(evaluation=[*CLAIMS, CLAIMS[0]]))  # a claim given twice
    md = card.to_markdown()
    summary = md.split("\n\n")[1]
    assert "2 comparison(s) with a baseline: 1 better, 1 no clear difference" in summary
    assert "The largest gap between groups: 0.333 in accuracy (fr against de; their intervals" in summary
    findings = md.split("## Key findings")[1].split("\n## ")[0]
    for claim in CLAIMS:
        assert claim.sentence() in findings
    assert "Subgroups: accuracy differs by 0.333 between de (best, 1.000) and fr (worst, 0.667)" in findings
    assert md.count("| Macro-F1 |") == 1  # the repeated record is one row
    identity = {"run_id": "20250101T080000Z-aaaa", "date": "2025-01-01 08:00 UTC", "profile": "smoke",
                "owner": "the routing team", "contact": "routing@example.org", "commit": "commit 0123456789ab",
                "packages": "Python 3.11", "data": "SYNTHETIC data", "period": "no calendar dates in the data",
                "fingerprint": "abc123", "links": [("the notebook", "x.html")], "unit": "public_sector"}  # fmt: skip
    md = ModelCard(**card_fields(identity=identity)).to_markdown()
    assert "owner: the routing team; contact: routing@example.org" in md
    assert (
        "`20250101T080000Z-aaaa` of 2025-01-01 08:00 UTC, profile smoke" in md
        and "[the notebook](x.html)" in md
    )


def test_after_a_one_pilot_run_latest_still_reaches_the_other_pilots(fixture_project, tmp_path):
    from livinglab.runner import run_pilots

    out = tmp_path / "runs"
    both = run_pilots(["alpha", "gamma"], profile="smoke", out=out, progress=False)
    alone = run_pilots(["alpha"], profile="smoke", out=out, progress=False)
    assert both.ok and alone.ok
    assert os.readlink(out / "latest" / "alpha") == f"../{alone.run_id}/alpha"
    assert os.readlink(out / "latest" / "gamma") == f"../{both.run_id}/gamma"  # not lost by alpha's run
    assert (out / "latest" / "gamma" / "metrics.json").is_file()
    page = (out / "index.html").read_text()
    assert 'href="latest/gamma/gamma.html"' in page and 'href="latest/alpha/alpha.html"' in page


def test_a_claims_model_value_in_the_index_is_rounded_as_its_baseline_and_its_card(tmp_path):
    """The index's model cell of a claim shows the value as the claim's sentence does (0.954 beside a baseline
    of 0.921), not another rounding of the same record (0.9542) that the card never shows."""
    out = tmp_path / "runs"
    auc = from_interval(
        "roc_auc", "roc_auc", 0.95423, 0.92061, (0.028, 0.040), label="ROC-AUC", model="the detector",
        baseline="the default forest", split="every row", rows=2000, units=20, unit="time blocks",
    ).as_dict()  # fmt: skip
    same = from_interval(
        "langid", "accuracy", 1.0, 1.0, (0.0, 0.0), label="Language id accuracy", model="py3langid",
        baseline="the hand-written identifier", split="test", rows=63, units=63,
    ).as_dict()  # fmt: skip
    plant(out, "20250101T080000Z-aaaa", "detector", {"roc_auc": auc, "langid": same})
    write_index(out)
    rows = re.findall(r"<tr>(.*?)</tr>", (out / "index.html").read_text(), re.S)
    cells = {
        html.unescape(re.sub(r"<[^>]+>", "", row.split("</td>")[0])).strip(): [
            html.unescape(re.sub(r"<[^>]+>", " ", c)).split()[0] for c in row.split("</td>")[1:3]
        ]
        for row in rows
        if "</td>" in row
    }
    assert cells["ROC-AUC"] == ["0.954", "0.921"]
    assert cells["Language id accuracy"] == ["1.00", "1.00"]
    page = html.unescape(re.sub(r"<[^>]+>", "", (out / "index.html").read_text()))
    assert "roc_auc error (units): 0.954" in page and "0.9542" not in page  # the runs' rows round it alike
