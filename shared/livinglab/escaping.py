"""Pages never run what the data hold: escaping for text that goes into Markdown, and the sanitiser every
rendered page passes through.

- :func:`md`: a data-derived string (a label, a category, a file or column name, a parameter value) as
  Markdown that shows it as it is: every ASCII punctuation character is backslash-escaped (CommonMark's
  escapes, which JupyterLab and the pages' renderer both honour), so ``<script>``, ``&lt;``,
  ``[x](javascript:...)`` or a ``|`` in a table cell is text.
- :func:`markdown_html`: Markdown to HTML with raw HTML shown as text (mistune ``escape=True``; links to
  ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` other than images become ``#harmful-link``).
- :func:`clean_html`: HTML through an allow-list (tables, text, inline images, style sheets): scripts,
  event handlers, frames, forms and ``javascript:`` links are removed; a tag not on the list is shown as
  text.
- :func:`safe_notebook`: every output of an executed notebook made safe before it is rendered: HTML
  cleaned, Markdown rendered with :func:`markdown_html` and cleaned, SVG shown as an image (a script inside
  an ``<img>`` never runs), JavaScript and widget outputs dropped.
- :func:`terminal_text`: text from a file printed on a terminal with its control characters (ESC
  sequences that move the cursor, retitle the window or write the clipboard) shown as ``\\x1b`` and the like.
- :func:`spreadsheet_safe`: a table written as CSV for people to open, its text cells that a spreadsheet
  would take for a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) prefixed with
  ``'``, so that ``=HYPERLINK(...)`` from the data is text in Excel or LibreOffice.
"""

from __future__ import annotations

import base64
import re
from typing import Any

# every ASCII punctuation character: CommonMark escapes them all
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption figure h1 h2 h3 "
    "h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strong style sub summary sup table tbody "
    "td tfoot th thead tr u ul var".split()
)
_GLOBAL_ATTRIBUTES = frozenset(
    {"class", "id", "title", "style", "align", "valign", "dir", "role", "aria-label"}
)
_TAG_ATTRIBUTES = {
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border", "cellpadding", "cellspacing"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    "style": {"type"},
}
_IMAGE_DATA = (
    "data:image/png;",
    "data:image/jpeg;",
    "data:image/gif;",
    "data:image/webp;",
    "data:image/svg+xml;",
)
_SAFE_OUTPUTS = ("text/plain", "image/png", "image/jpeg", "image/gif", "text/latex")


def md(value: Any) -> str:
    """``value`` as Markdown text that renders as exactly that text (never as HTML, a link or a table)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ").replace("\r", " ")


_MD_MARKUP = re.compile(r"([\\\[\]!<>|`])")


def md_inline(value: Any) -> str:
    """``value`` on one line of Markdown with the characters that make links, images, autolinks, HTML, code
    or table cells (``[ ] ! < > | ` \\``) escaped, and line breaks made spaces (a break would let it start a
    heading or a list): a group name from the data stays text inside a sentence or a table cell, and an
    ordinary one (``65+``, ``St. Martin``, ``low_income``) is written as it is."""
    return _MD_MARKUP.sub(r"\\\1", str(value)).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def markdown_html(text: str) -> str:
    """Markdown to HTML, raw HTML in it shown as text, then :func:`clean_html`."""
    import mistune

    render = mistune.create_markdown(escape=True, plugins=["strikethrough", "footnotes", "table"])
    return clean_html(render(text))


def _attribute(tag: str, name: str, value: str) -> bool:
    if name in _GLOBAL_ATTRIBUTES or name in _TAG_ATTRIBUTES.get(tag, ()):
        if tag == "img" and name == "src" and value.strip().lower().startswith("data:"):
            return value.strip().lower().startswith(_IMAGE_DATA)
        if tag == "a" and name == "href" and value.strip().lower().startswith("data:"):
            return False
        return True
    return False


_CLEANER = None


def clean_html(text: str) -> str:
    """``text`` with only the allow-listed tags and attributes (see the module docstring)."""
    global _CLEANER
    if _CLEANER is None:
        from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer
        from bleach.sanitizer import Cleaner

        _CLEANER = Cleaner(
            tags=_TAGS,
            attributes=_attribute,
            protocols={"http", "https", "mailto", "data"},
            strip=False,  # a tag not on the list is shown as text, not silently dropped
            strip_comments=True,
            css_sanitizer=CSSSanitizer(
                allowed_css_properties=ALLOWED_CSS_PROPERTIES | {"max-width", "min-width", "overflow-x"}
            ),
        )
    return _CLEANER.clean(text)


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def safe_output(data: dict[str, Any]) -> dict[str, Any]:
    """One output's ``data`` bundle made safe (see :func:`safe_notebook`)."""
    safe = {k: v for k, v in data.items() if k in _SAFE_OUTPUTS}
    if "text/html" in data:
        safe["text/html"] = clean_html(_joined(data["text/html"]))
    elif "text/markdown" in data:
        safe["text/html"] = markdown_html(_joined(data["text/markdown"]))
    elif "image/svg+xml" in data:
        svg = base64.b64encode(_joined(data["image/svg+xml"]).encode("utf-8")).decode("ascii")
        safe["text/html"] = f'<img src="data:image/svg+xml;base64,{svg}" alt="figure">'
    if not safe:
        safe["text/plain"] = "(an output of a kind these pages do not show)"
    return safe


def safe_notebook(nb: Any) -> Any:
    """Every output of ``nb`` (an nbformat notebook, changed in place and returned) made safe to show."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "data" in output:
                output["data"] = safe_output(output["data"])
    return nb


_FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(frame: Any) -> Any:
    """A copy of ``frame`` (a DataFrame) whose text cells a spreadsheet would run as a formula start with
    ``'`` (shown as text, the value after it unchanged); numbers and missing values are left as they are."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (
            pd.api.types.is_object_dtype(values)
            or pd.api.types.is_string_dtype(values)
            or isinstance(values.dtype, pd.CategoricalDtype)
        ):
            continue
        text = values.astype("string")
        risky = text.str.contains(_FORMULA_START, regex=True, na=False).to_numpy(dtype=bool)
        if risky.any() and pd.api.types.is_object_dtype(values):  # a number in a text column stays a number
            risky &= values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + text.astype(object))
    return out


# C0 controls but tab and newline, DEL, and the C1 controls (a terminal acts on them)
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]}


def terminal_text(text: Any) -> str:
    """``text`` safe to print on a terminal: control characters (an escape sequence from a partner's file
    could erase lines, forge output or write the clipboard) shown as ``\\x1b`` and the like."""
    return str(text).translate(_CONTROLS)
