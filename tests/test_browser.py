"""What reviewers read, opened in a real browser (headless Chromium driven by Playwright), at a laptop's
width (1440 px) and a phone's (390 px).

The smoke run of every pilot design (one execution, shared with the other tests) leaves a run folder; each
of its pages (the index, every design's rendered notebook and model card) is opened from disk as a
reviewer would, and checked: no horizontal overflow, no request leaving the machine, every image loaded
with real alt text, every link resolving; the index's summary above the fold, the notebook's code folded,
its title naming the design and the run, its weight under 1 MB; every table on it made for reading (no
snake_case header, no index column, no pandas ``repr`` footer). Planted runs (one design better than its
baseline, one worse, one failed) are read back from the page. A map saved by ``livinglab.show.save_map``
draws offline. Screenshots are kept for a person to look at: in ``$LIVINGLAB_SCREENSHOTS`` when set (CI keeps
``build/screenshots`` as an artefact), else in ``<run folder>/screenshots``.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from livinglab.paths import project_root
from livinglab.pilots import discover_pilots

DESIGNS = {
    p.unit(d): d for p in discover_pilots(project_root() / "pilots").values() for d in p.designs.values()
}
PILOTS = tuple(sorted(DESIGNS))  # the run units: a pilot, or pilot-design when it has several
WIDTHS = (1440, 390)
FOLD = 900  # the viewport's height: what is seen without scrolling
PLACEHOLDER_ALT = ("", "figure", "image", "no description has been provided for this image")


def _shots(default: Path) -> Path:
    """Where screenshots go: ``$LIVINGLAB_SCREENSHOTS`` (kept by CI) or beside the pages."""
    return Path(os.environ["LIVINGLAB_SCREENSHOTS"]) if os.environ.get("LIVINGLAB_SCREENSHOTS") else default


@pytest.fixture(scope="module")
def runs(smoke_runs) -> Path:
    """The folder holding every pilot's smoke run (and so index.html)."""
    folders = {pilot: smoke_runs[pilot].dir for pilot in PILOTS}
    failed = {p: smoke_runs[p].error for p in PILOTS if smoke_runs[p].status != "ok"}
    assert not failed, failed
    roots = {folder.parent.parent for folder in folders.values()}
    assert len(roots) == 1
    from livinglab.report import write_index

    root = roots.pop()
    write_index(root)
    return root


SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")  # n_requests, ci_low, coverage_p10_p90
REPR_FOOTER = re.compile(r"\d[\d,]*\s+rows?\s*[x×]\s*\d[\d,]*\s+columns?")  # "73 rows x 1 columns"
INDEX_HEADERS = ("", "index", "level_0", "unnamed: 0")


class _Tables(HTMLParser):
    """Every table of a page as rows of ``(tag, text)`` cells, each row marked as a header row (in
    ``<thead>``, or only ``<th>`` cells) or a body row; and the page's text outside scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.open: list[dict] = []
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.open.append({"head": [], "body": [], "in_head": False, "row": None, "cell": None})
        elif self.open:
            table = self.open[-1]
            if tag == "thead":
                table["in_head"] = True
            elif tag == "tr":
                table["row"] = []
            elif tag in ("th", "td") and table["row"] is not None:
                table["cell"] = [tag, ""]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        if not self.open:
            return
        table = self.open[-1]
        if tag == "table":
            self.tables.append(self.open.pop())
        elif tag == "thead":
            table["in_head"] = False
        elif tag in ("th", "td") and table["cell"] is not None:
            table["row"].append((table["cell"][0], table["cell"][1].strip()))
            table["cell"] = None
        elif tag == "tr" and table["row"] is not None:
            row, table["row"] = table["row"], None
            head = table["in_head"] or all(kind == "th" for kind, _ in row)
            table["head" if head else "body"].append(row)

    def handle_data(self, data):
        if self.open and self.open[-1]["cell"] is not None:
            self.open[-1]["cell"][1] += data
        if not self.skip:
            self.text.append(data)


def unreadable_tables(page: str) -> list[str]:
    """What makes a page's tables hard to read: snake_case headers, an index column (a header cell opening a
    body row, or a blank or 'index' header over the first column), a pandas repr footer."""
    found = _Tables()
    found.feed(page)
    problems = []
    for table in found.tables:
        heads = [text for row in table["head"] for kind, text in row if kind == "th"]
        problems += [f"snake_case header {h!r} in {heads[:6]}" for h in heads if SNAKE_CASE.search(h)]
        row_heads = [row[0][1] for row in table["body"] if row and row[0][0] == "th"]
        corner = [row[0][1].lower() for row in table["head"] if len(row) > 1]
        if row_heads or any(c in INDEX_HEADERS for c in corner):
            problems.append(f"an index column in the table headed {heads[:6]} (rows headed {row_heads[:3]})")
    problems += [f"a pandas repr footer {m.group(0)!r}" for m in REPR_FOOTER.finditer(" ".join(found.text))]
    return problems


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": FOLD})
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(("file:", "data:")) else None
        ),
    )
    page.goto(path.as_uri(), wait_until="load")
    return page, outside


def _check_page(page, outside: list[str], path: Path, width: int, shots: Path, name: str) -> dict:
    """What every page must do at every width; a screenshot of what is seen without scrolling."""
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}-{width}.png"))
    images = page.evaluate("Array.from(document.images).map(i => [i.alt, i.naturalWidth])")
    broken = [alt for alt, w in images if w == 0]
    placeholders = [alt for alt, _ in images if alt.strip().lower() in PLACEHOLDER_ALT]
    ids = set(page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
    dead = []
    for href in page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
        parsed = urlparse(href)
        if parsed.scheme == "file" and not Path(unquote(parsed.path)).exists():
            dead.append(href)
        elif parsed.scheme == "file" and parsed.fragment and unquote(parsed.path) == str(path):
            dead += [] if unquote(parsed.fragment) in ids else [href]
        elif parsed.scheme not in ("file", "http", "https", "mailto"):
            dead.append(href)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert not broken, f"{name} at {width} px: images that did not load: {broken}"
    assert not placeholders, f"{name} at {width} px: images without real alt text: {placeholders}"
    assert not dead, f"{name} at {width} px: links that do not open: {dead}"
    assert not outside, f"{name} at {width} px: requests that left the machine: {outside[:5]}"
    assert overflow <= 0, f"{name} is {overflow} px wider than a {width} px screen"
    return {"images": len(images)}


@pytest.mark.parametrize("width", WIDTHS)
def test_index_summary_above_the_fold(browser, runs, width):
    page, outside = _open(browser, runs / "index.html", width)
    _check_page(page, outside, runs / "index.html", width, _shots(runs / "screenshots"), "index")
    first = page.locator("#summary .card").first.bounding_box()
    assert first["y"] + min(first["height"], 120) <= FOLD, "the summary is below the fold"
    cards = page.locator("#summary .card").all_inner_texts()
    assert len(cards) == len(PILOTS)
    for text in cards:  # each design's headline says better / no clear difference / worse in words
        assert re.search(r"\b(better|worse|no clear difference)\b", text), text
    text = page.inner_text("body")
    for pilot in PILOTS:
        assert f"({pilot})" in text, pilot
    page.screenshot(path=str(_shots(runs / "screenshots") / f"index-full-{width}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("pilot", PILOTS)
def test_notebook_and_model_card_read_on_any_screen(browser, runs, smoke_runs, pilot, width):
    folder = smoke_runs[pilot].dir
    notebook = folder / Path(DESIGNS[pilot].notebook).with_suffix(".html")
    assert notebook.stat().st_size < 1_000_000, (
        f"{pilot}: the notebook page weighs {notebook.stat().st_size:,} B"
    )
    page, outside = _open(browser, notebook, width)
    seen = _check_page(page, outside, notebook, width, _shots(runs / "screenshots"), f"{pilot}-notebook")
    assert seen["images"] >= 1, f"{pilot}: the rendered notebook shows no figure"
    assert pilot in page.title() and folder.parent.name in page.title()  # which design, which run
    code = page.locator("details.ll-code").first
    assert not code.evaluate("d => d.open") and not code.locator("pre").first.is_visible()
    code.locator("summary").click()  # one click shows it
    assert code.locator("pre").first.is_visible()
    page.close()
    card = folder / "model_card.html"
    page, outside = _open(browser, card, width)
    _check_page(page, outside, card, width, _shots(runs / "screenshots"), f"{pilot}-model_card")
    text = page.inner_text("body")
    assert folder.parent.name in text and "owner" in text and "fingerprint" in text
    page.close()


def test_unreadable_tables_are_found():
    """The check below finds each defect on a page pandas writes, and passes the tables livinglab.show makes."""
    import pandas as pd

    from livinglab import show

    frame = pd.DataFrame({"n_requests": [3, 4], "share": [0.5, 0.25]}, index=["fr", "de"])
    raw = frame.to_html()
    assert any("snake_case header 'n_requests'" in p for p in unreadable_tables(raw))
    assert any("index column" in p for p in unreadable_tables(pd.DataFrame({"a": [1]}).to_html()))
    assert unreadable_tables("<p>73 rows × 1 columns</p>") == ["a pandas repr footer '73 rows × 1 columns'"]
    shown = show.table(frame.rename_axis("language"), "Requests", headers={"n_requests": "requests"})
    assert unreadable_tables(shown._repr_html_()) == []


@pytest.mark.parametrize("pilot", PILOTS)
def test_every_table_of_a_page_is_made_for_reading(smoke_runs, pilot):
    """Each design's rendered notebook and model card (smoke run): every table has readable headers, no index
    column and no repr footer (the report functions show tables through livinglab.show)."""
    run = smoke_runs[pilot]
    assert run.status == "ok", run.error
    for page in (run.dir / Path(DESIGNS[pilot].notebook).with_suffix(".html"), run.dir / "model_card.html"):
        problems = unreadable_tables(page.read_text(encoding="utf-8"))
        assert problems == [], f"{pilot}: {page.name}: {problems[:5]}"


@pytest.mark.parametrize("width", WIDTHS)
def test_planted_verdicts_are_read_back_from_the_page(browser, tmp_path, width):
    from test_pages import claim, plant

    from livinglab.report import update_latest, write_index

    out = tmp_path / "runs"
    plant(out, "20250101T080000Z-aaaa", "better", {"mae": claim("mae", 4.0, 5.0, (-1.4, -0.6))})
    plant(out, "20250101T080000Z-aaaa", "worse", {"mae": claim("mae", 6.0, 5.0, (0.5, 1.5))})
    plant(out, "20250102T080000Z-bbbb", "failing", {}, status="failed")
    update_latest(out)
    page, outside = _open(browser, write_index(out), width)
    _check_page(page, outside, out / "index.html", width, _shots(out / "screenshots"), "planted")
    read = {
        card.locator("h3 a").get_attribute("href")[1:]: card.locator(".badge").all_inner_texts()
        for card in page.locator("#summary .card").all()
    }
    assert read == {"better": ["better"], "worse": ["worse"], "failing": []}
    banner = page.locator(".banner.bad")
    assert banner.count() == 1 and "failed" in banner.inner_text() and banner.bounding_box()["y"] < FOLD
    page.close()


def test_a_saved_map_draws_offline(browser, tmp_path):
    import folium
    from branca.colormap import LinearColormap

    from livinglab.show import save_map

    fmap = folium.Map(location=[49.61, 6.13], zoom_start=11, tiles="OpenStreetMap")
    folium.PolyLine([(49.6, 6.1), (49.62, 6.15)], tooltip="A1", color="red").add_to(fmap)
    folium.CircleMarker((49.61, 6.12), radius=5, tooltip="site 3").add_to(fmap)
    LinearColormap(["green", "red"], vmin=0, vmax=1, caption="volume / capacity").add_to(fmap)
    folium.LayerControl().add_to(fmap)
    page, outside = _open(browser, save_map(fmap, tmp_path / "map.html"), 390)
    assert outside == [], outside[:5]
    assert page.evaluate("typeof L === 'object' && typeof d3 === 'object'")
    assert page.locator("path.leaflet-interactive").count() == 2  # the line and the circle are drawn
    assert page.locator(".legend svg, svg.legend, .legend").count() >= 1  # the colour scale (D3)
    page.close()
