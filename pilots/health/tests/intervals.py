"""Every value shown with an interval on a rendered page, with what it is a value of (test instruments, not part
of the pilot): ``shown_intervals(html)`` reads a notebook page, a model card or the index; ``conflicts`` lists the
quantities shown with two different intervals (or, for a table's labelled cell, two different values)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

NUM = r"[+\-−]?\d+(?:,\d{3})*(?:\.\d+)?"
_GAP = r"[^\d\[\]()|;:]{0,60}?"  # words between a value and its interval, within one clause
#: "<value> [<lo>, <hi>]" (subgroup tables, claims) and "-0.381 points, interval [-0.547, -0.157]"
_BRACKET = re.compile(rf"(?<![\d.])(?P<v>{NUM})(?P<gap>{_GAP})\[(?P<lo>{NUM}), (?P<hi>{NUM})\]")
#: "2.35 points/year (95% CI 2.04 to 2.65)", "0.90 (95% of resamples 0.81 to 0.98)", "(paired interval a to b)"
_PAREN = re.compile(
    rf"(?<![\d.])(?P<v>{NUM})(?P<gap>{_GAP})\((?:95% )?(?:CI|confidence interval|paired interval|interval|"
    rf"of resamples)[:,]? ?(?P<lo>{NUM}) (?:to|-|–) (?P<hi>{NUM})\)"
)
#: "optimism +0.248, 95% paired interval +0.156 to +0.291"
_INLINE = re.compile(
    rf"(?<![\d.])(?P<v>{NUM}), (?:95% )?(?:CI|(?:paired )?interval) (?P<lo>{NUM}) to (?P<hi>{NUM})"
)
#: "36.0 (+/-11.9)", "0.75 ± 0.05", "0.75 (SD 0.05)": a value with a spread is a value with an interval too
_SPREAD = re.compile(rf"(?<![\d.])(?P<v>{NUM}) ?(?:\(\+/- ?|\+/- ?|± ?|\((?:SD|sd|std) )(?P<h>{NUM})")
_VALUE = re.compile(rf"^(?P<v>{NUM})(?: \(.*\))?$")
_RANGE = re.compile(rf"^(?P<lo>{NUM}) to (?P<hi>{NUM})$")
_NUMERIC_CELL = re.compile(rf"^{NUM}(?:$|\s)")  # "4.82 [4.54, 5.24]", "247"; not "60-69" or "<60"


@dataclass(frozen=True)
class Shown:
    """One value shown with an interval: where (page, table context and row label, or the sentence) and what."""

    page: str
    where: str  # "table" or "text"
    key: tuple  # (context, row label, column) for a table cell; the sentence for text
    value: str
    interval: tuple[str, str]  # (lo, hi), or ("+/-", half-width)
    #: compared by its label only: a named subgroup's row, whose value may equal another quantity's by chance,
    #: or a DP release in Table 1 (a value with its noise's half-width, drawn afresh in every run)
    by_label_only: bool = False


def number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "").lstrip("+"))


def decimals(text: str) -> int:
    return len(text.partition(".")[2])


def same_number(a: str, b: str) -> bool:
    """Equal as shown: within half a unit of the coarser of the two roundings (0.745 and 0.75 are the same)."""
    return abs(number(a) - number(b)) <= 0.5 * 10 ** -min(decimals(a), decimals(b)) + 1e-9


def same_interval(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if (a[0] == "+/-") != (b[0] == "+/-"):
        return False
    if a[0] == "+/-":
        return same_number(a[1], b[1])
    return same_number(a[0], b[0]) and same_number(a[1], b[1])


class _Units(HTMLParser):
    """A page as units in document order: ``("row", context, header, cells)`` for a table row, ``("text", s)``
    for a paragraph, list item or heading. A table's context is its caption, else the block before it."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "td", "th"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.units: list[tuple] = []
        self.stack: list[list[str]] = []  # open text blocks
        self.last_block = ""
        self.tables: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"context": self.last_block, "header": [], "row": None})
        elif tag == "tr" and self.tables:
            self.tables[-1]["row"] = []
        elif tag in self.BLOCKS:
            self.stack.append([])
        elif tag == "br" and self.stack:
            self.stack[-1].append(" ")

    def handle_endtag(self, tag):
        if tag == "table" and self.tables:
            self.tables.pop()
        elif tag == "tr" and self.tables and self.tables[-1]["row"] is not None:
            table = self.tables[-1]
            if not table["header"]:
                table["header"] = table["row"]
            else:
                self.units.append(("row", table["context"], tuple(table["header"]), tuple(table["row"])))
            table["row"] = None
        elif tag in self.BLOCKS and self.stack:
            text = re.sub(r"\s+", " ", "".join(self.stack.pop())).strip()
            if tag in ("td", "th") and self.tables and self.tables[-1]["row"] is not None:
                self.tables[-1]["row"].append(text)
            elif tag == "caption" and self.tables:
                self.tables[-1]["context"] = text
            elif text:
                self.units.append(("text", text))
                self.last_block = text
            if self.stack:  # a block inside a block (a paragraph in a list item) belongs to it too
                self.stack[-1].append(" " + text + " ")

    def handle_data(self, data):
        if self.stack:
            self.stack[-1].append(data)


def _in_text(text: str) -> list[tuple[str, tuple[str, str]]]:
    found = []
    for pattern in (_BRACKET, _PAREN, _INLINE):
        found += [(m["v"], (m["lo"], m["hi"])) for m in pattern.finditer(text)]
    found += [(m["v"], ("+/-", m["h"])) for m in _SPREAD.finditer(text)]
    return found


def shown_intervals(page: str, html: str) -> list[Shown]:
    """Every value shown with an interval on the page (embedded images removed first)."""
    html = re.sub(r"data:image/[^\"')]+", "", html)
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    parser = _Units()
    parser.feed(html)
    shown = []
    for unit in parser.units:
        if unit[0] == "text":
            shown += [Shown(page, "text", (unit[1],), v, iv) for v, iv in _in_text(unit[1])]
            continue
        _, context, header, cells = unit
        first = next((i for i, c in enumerate(cells) if _NUMERIC_CELL.match(c)), len(cells))
        label = " / ".join(cells[:first])
        group_row = context.startswith("Grouped by") and not label.startswith("All")
        dp_row = "DP" in label
        for i, cell in enumerate(cells):
            column = header[i] if i < len(header) else ""
            key = (context, label, column)
            for v, iv in _in_text(cell):
                shown.append(Shown(page, "table", key, v, iv, group_row or (dp_row and iv[0] == "+/-")))
            pair = _RANGE.match(cell)
            value = _VALUE.match(cells[i - 1]) if i else None
            if pair and value:  # "4.90 | 4.66 to 5.11": the interval in the column beside the value
                key = (context, label, header[i - 1] if i - 1 < len(header) else "")
                shown.append(Shown(page, "table", key, value["v"], (pair["lo"], pair["hi"]), group_row))
    return shown


def labelled_values(html: str, label: str) -> list[str]:
    """The values shown right after ``label``: "<label>: <value>" or "<label>, <value>" in a sentence, and the
    first number of a table row whose first cell is the label (the claim's model value in the card's table)."""
    html = re.sub(r"data:image/[^\"')]+", "", html)
    parser = _Units()
    parser.feed(html)
    values = []
    for unit in parser.units:
        if unit[0] == "text":
            values += re.findall(rf"{re.escape(label)}[:,] (?P<v>{NUM})(?![\d.%])", unit[1])
        elif unit[3] and unit[3][0] == label:
            values += [c.split(" ")[0] for c in unit[3][1:2] if _NUMERIC_CELL.match(c)]
    return values


def all_lines(html: str) -> list[tuple[str, str]]:
    """(label, value) of every subgroup table's overall line ("All", "All in the groups shown")."""
    parser = _Units()
    parser.feed(re.sub(r"data:image/[^\"')]+", "", html))
    return [
        (unit[3][0], unit[3][2])
        for unit in parser.units
        if unit[0] == "row" and unit[1].startswith("Grouped by") and unit[3][0].startswith("All")
    ]


def conflicts(shown: list[Shown]) -> list[str]:
    """Quantities shown with two different intervals, in words (empty: one interval per quantity).

    - a table's labelled cell (its caption or heading, row label and column), on every page that shows the
      table: one value and one interval;
    - a value shown with an interval, outside a named subgroup's row: every other place where that value is
      shown with an interval gives the same interval (a sentence, another table, the card or the index that
      repeat a quantity with another interval fail here, whatever their wording). Named subgroups' rows are
      compared by their label only (a subgroup's value may equal another quantity's by chance), and so are
      Table 1's DP releases (their noise is drawn afresh in every run).
    """
    problems = []
    by_key: dict[tuple, list[Shown]] = {}
    for s in shown:
        if s.where == "table":
            by_key.setdefault(s.key, []).append(s)
    for key, items in by_key.items():
        first = items[0]
        for other in items[1:]:
            if not (same_number(first.value, other.value) and same_interval(first.interval, other.interval)):
                problems.append(
                    f"{' / '.join(key)}: {first.value} {first.interval} on {first.page}, "
                    f"{other.value} {other.interval} on {other.page}"
                )
    free = [s for s in shown if not s.by_label_only]
    for i, a in enumerate(free):
        for b in free[i + 1 :]:
            if same_number(a.value, b.value) and not same_interval(a.interval, b.interval):
                problems.append(
                    f"{a.value}: {a.interval} ({a.page}, {a.where} {a.key[-2:]}) and {b.value} {b.interval} "
                    f"({b.page}, {b.where} {b.key[-2:]})"
                )
    return problems
