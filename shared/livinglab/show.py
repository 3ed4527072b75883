"""What a notebook shows a reviewer: tables, figures, sentences and maps made for reading.

    from livinglab import show
    show.table(frame, "Requests per service in each part", headers={"n": "requests"})
    show.figure(fig, "Macro-F1 per language: the ensemble and the plain reference")
    show.sentence("Urgent requests found: {recall} of {n}.", recall=0.111, n=127)
    show.claims(result.claims)
    show.save_map(folium_map, output_dir() / "congestion_map.html")

Every value that comes from the data is escaped (a page shows it as text, never as markup) and every
number is written as every page writes it (:func:`livinglab.claims.fmt`). A table has readable headers and
no index column or ``repr`` footer, and an empty table is one sentence saying so; a figure is a compressed
PNG whose caption is its alt text; a saved map carries its libraries and asks the network for nothing.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .claims import Claim, fmt, signed

_MARKDOWN = re.compile(r"([\\`*_\[\]|#~])")


def _text(value: Any) -> str:
    """A value as a page writes it: numbers by :func:`fmt`, missing values as a dash."""
    if value is None or (not isinstance(value, (str, list, dict, tuple)) and pd.isna(value)):
        return "–"
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    return fmt(value.item() if hasattr(value, "item") and not isinstance(value, str) else value)


def header(name: Any) -> str:
    """A column name for people: ``n_requests`` -> ``n requests``; a multi-level name joined by spaces."""
    parts = name if isinstance(name, tuple) else (name,)
    return " ".join(str(p).replace("_", " ").strip() for p in parts if str(p).strip())


@dataclass
class Table:
    frame: pd.DataFrame  # the cells as text, headers as shown
    caption: str | None = None
    note: str | None = None  # "first 30 of 73 rows", or why there are none

    def _repr_html_(self) -> str:
        note = f'<p class="ll-note">{html.escape(self.note)}</p>' if self.note else ""
        if self.frame.empty:
            return f"<p><b>{html.escape(self.caption)}</b></p>{note}" if self.caption else note
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
            for row in self.frame.itertuples(index=False)
        )
        return (
            f'<div class="ll-table"><table>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>{note}"
        )

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False) if not self.frame.empty else ""
        return "\n".join(t for t in (self.caption, text, self.note) if t)


def table(
    data: Any,
    caption: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    formats: dict[str, Any] | None = None,
    empty: str = "No rows to show.",
    max_rows: int = 40,
) -> Table:
    """A table for reading: a named or non-default index becomes a column, headers are words (or
    ``headers``), numbers are formatted (``formats``: a column's format string or function), at most
    ``max_rows`` rows (the note says how many there are); no rows is the sentence ``empty``."""
    frame = data.to_frame() if isinstance(data, pd.Series) else pd.DataFrame(data)
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    frame = frame.rename(columns=lambda c: (headers or {}).get(c, header(c)))
    shown = frame.head(max_rows).copy()
    for column in shown.columns:
        style = (formats or {}).get(column)
        convert = (lambda v, s=style: s.format(v)) if isinstance(style, str) else style or _text
        shown[column] = shown[column].map(convert).astype(str)
    note = f"First {max_rows} of {len(frame):,} rows." if len(frame) > max_rows else None
    return Table(shown, caption, empty if frame.empty else note)


def claims(items: Any, names: list[str] | None = None, caption: str | None = None) -> Table:
    """Claims (or a result's ``claims``) one a row: both values, the baseline in words, the paired
    interval and the verdict, as every page states them."""
    records = [c if isinstance(c, Claim) else Claim.from_dict(c) for c in getattr(items, "claims", items)]
    columns = ["comparison", "model", "baseline", "model minus baseline [95% interval]", "verdict"]
    rows = [
        [c.label, f"{fmt(c.model_value)} ({c.model})", f"{fmt(c.baseline_value)} ({c.baseline})",
         f"{signed(c.difference)} {c.interval}", c.verdict]
        for c in records
        if names is None or c.name in names
    ]  # fmt: skip
    return table(
        pd.DataFrame(rows, columns=columns), caption, empty="No comparison with a baseline in this run."
    )


def compress_png(data: bytes, max_width: int = 1400) -> bytes:
    """A PNG at most ``max_width`` pixels wide with a palette of 256 colours (a figure's lines and text
    look the same at a third of the weight); the original when that is not smaller."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if image.width > max_width:
        image = image.resize((max_width, round(image.height * max_width / image.width)), Image.LANCZOS)
    mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
    out = io.BytesIO()
    image.convert(mode).quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(data) else data


@dataclass
class Figure:
    png: bytes
    caption: str

    def _repr_html_(self) -> str:
        alt = html.escape(self.caption)
        return (
            f'<figure class="ll-figure"><img src="data:image/png;base64,{base64.b64encode(self.png).decode()}" '
            f'alt="{alt}"><figcaption>{alt}</figcaption></figure>'
        )

    def __repr__(self) -> str:
        return f"[figure: {self.caption}]"

    def save(self, path: str | Path) -> Path:
        Path(path).write_bytes(self.png)
        return Path(path)


def figure(fig: Any, caption: str, *, dpi: int = 96) -> Figure:
    """A matplotlib figure (or axes, or a PNG file) shown with ``caption`` as its caption and alt text, as
    a compressed PNG; the matplotlib figure is closed so the notebook does not show it a second time."""
    if not str(caption or "").strip():
        raise ValueError("A figure needs a caption: it is the text a reader who cannot see it gets.")
    fig = getattr(fig, "figure", fig)
    if hasattr(fig, "savefig"):
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        data = buffer.getvalue()
    else:
        data = Path(fig).read_bytes()
    return Figure(compress_png(data), str(caption).strip())


@dataclass
class Text:
    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_html_(self) -> str:
        import mistune

        return mistune.html(self.markdown)

    def __repr__(self) -> str:
        return self.markdown


def escape(value: Any) -> str:
    """A value from the data as inert text inside markdown or HTML."""
    return _MARKDOWN.sub(r"\\\1", html.escape(_text(value), quote=True))


def sentence(template: str, **values: Any) -> Text:
    """``template`` (the notebook author's markdown) with ``{name}`` filled by ``values``: numbers
    formatted, every value escaped so that nothing from the data becomes markup."""
    return Text(template.format(**{k: escape(v) for k, v in values.items()}))


# ----- maps that work offline -------------------------------------------------------------------------------
_ASSETS = {"leaflet.js": "leaflet.js", "leaflet.css": "leaflet.css", "d3.min.js": "d3"}
_BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def _asset(url: str) -> str | None:
    name = next((n for n, key in _ASSETS.items() if key in url.rsplit("/", 1)[-1]), None)
    return resources.files("livinglab").joinpath("static", name).read_text("utf-8") if name else None


def offline_html(page: str) -> str:
    """A folium/Leaflet page that asks the network for nothing: Leaflet and D3 inlined from the copies
    installed with this package, other remote scripts and styles left out, remote tiles blank."""

    def script(match: re.Match) -> str:
        code = _asset(match.group(1))
        return f"<script>{code}</script>" if code else ""

    def style(match: re.Match) -> str:
        code = _asset(match.group(1))
        return f"<style>{code}</style>" if code else ""

    page = re.sub(r'<script[^>]*\ssrc="(https?://[^"]+)"[^>]*>\s*</script>', script, page)
    page = re.sub(r'<link[^>]*\shref="(https?://[^"]+)"[^>]*/?>', style, page)
    return re.sub(r'L\.tileLayer\(\s*"https?://[^"]*"', f'L.tileLayer("{_BLANK_TILE}"', page)


def save_map(fmap: Any, path: str | Path) -> Path:
    """Save a folium map as one HTML file that works offline (:func:`offline_html`)."""
    target = Path(path)
    target.write_text(offline_html(fmap.get_root().render()), encoding="utf-8")
    return target
