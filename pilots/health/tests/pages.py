"""What the tests look for on rendered pages: identifiers and pseudonym-shaped tokens, small counts left in
a Table 1 (test instruments, not part of the pilot)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pilots.health.privacy import PSEUDONYM_LENGTH

_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+")
# 16 lowercase hex digits with at least one letter (a run of 16 decimal digits is a number, e.g. a float)
_HEX_TOKEN = re.compile(rf"(?<![0-9A-Za-z.])(?=[0-9]*[a-f])[0-9a-f]{{{PSEUDONYM_LENGTH}}}(?![0-9A-Za-z])")


def identifier_leaks(text: str, identifiers=(), *, pseudonym_shaped: bool = True) -> list[str]:
    """Identifiers from ``identifiers`` found in ``text``, plus (optionally) any token shaped like one
    of this pilot's pseudonyms (16 lowercase hex digits, at least one of them a letter) outside embedded
    images. A pseudonym made only of decimal digits (about 1 in 1,800) is caught only when listed."""
    stripped = _DATA_URI.sub(" ", text)
    ids = [str(i) for i in identifiers if str(i)]
    found = [i for i in ids if i in stripped]
    if pseudonym_shaped:
        found += sorted(set(_HEX_TOKEN.findall(stripped)))
    return found


def count_small_cells(table: pd.DataFrame, min_cell: int = 5) -> int:
    """Cells of a rendered Table 1 that still show a count of people between 1 and ``min_cell - 1``."""
    small = 0
    for (_, statistic), row in table.iterrows():
        if not (statistic.endswith("n (%)") or statistic in ("missing, n", "")):
            continue
        for cell in row:
            head = str(cell).split(" ")[0]
            if head.isdigit() and 0 < int(head) < min_cell:
                small += 1
    return int(np.int64(small))


def _number(cell) -> int | None:
    head = str(cell).split(" ")[0].replace(",", "")
    return int(head) if head.isdigit() else None


def recoverable_cells(table: pd.DataFrame) -> list[str]:
    """Hidden counts of a rendered Table 1 that a reader gets back by subtraction: a categorical block (its
    levels and its missing count add up to the column's N) with one hidden cell, or a row of counts whose
    groups add up to the Overall cell with one group hidden. The subtraction a reader would try, as a test."""
    found = []
    columns = list(table.columns)
    n_row = table.loc[("N", "")] if ("N", "") in table.index else None
    count_rows = [i for i in table.index if i[1].endswith("n (%)") or i[1] == "missing, n"]
    blocks: dict[str, list] = {}
    for variable, statistic in count_rows:
        if statistic.endswith("n (%)") or any(s.endswith("n (%)") for v, s in count_rows if v == variable):
            blocks.setdefault(variable, []).append((variable, statistic))
    for variable, rows in blocks.items():
        for c in columns:
            cells = [_number(table.loc[r, c]) for r in rows]
            total = _number(n_row[c]) if n_row is not None else None
            if total is not None and sum(v is None for v in cells) == 1:
                found.append(f"{variable} / {c}: N minus the others")
    if "Overall" in columns and len(columns) > 2:
        groups = [c for c in columns if c != "Overall"]
        for row in count_rows:
            cells = [_number(table.loc[row, c]) for c in groups]
            if _number(table.loc[row, "Overall"]) is not None and sum(v is None for v in cells) == 1:
                found.append(f"{row[0]} {row[1]}: Overall minus the other groups")
    return found
