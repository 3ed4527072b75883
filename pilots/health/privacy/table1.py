"""Table 1: baseline characteristics by group, with missingness and small cells suppressed.

Continuous variables: mean (SD) and median [IQR]; categorical variables: n (%). Every count that
describes fewer than ``min_cell`` people (a category, a missing-value count, or a whole group) is
shown as ``<min_cell``. Complementary suppression, repeated until nothing changes: when a single cell of a
variable is hidden in a column, the next smallest cell of that column is withheld too (the column's total
would give it back), and when a single group's cell is hidden in a row, the smallest other group's cell of
that row is withheld (or, when no other group has one, the Overall cell: Overall minus the other groups
would give it back). Withheld cells say ``withheld``, never ``<min_cell``: they are not small. A whole group
below ``min_cell`` is not shown, and then the Overall column is left out (it minus the other groups would be
that group).
"""

from __future__ import annotations

import pandas as pd

OVERALL = "Overall"
WITHHELD = "withheld"


def _fmt(x: float, digits: int = 1) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}f}"


def table_one(
    baseline: pd.DataFrame,
    group: str | None,
    continuous: dict[str, str],
    categorical: dict[str, str],
    *,
    min_cell: int = 5,
    overall: bool = True,
) -> tuple[pd.DataFrame, int]:
    """Build Table 1.

    Args:
        baseline: one row a participant.
        group: column defining the table's columns (e.g. ``"group"``: PD / control); None for one column.
        continuous, categorical: ``{column: label}`` in display order (absent columns are skipped).
        min_cell: counts below this are suppressed.

    Returns:
        ``(table, n_suppressed)``: a frame indexed by (variable, statistic) with one column a group,
        and the number of cells suppressed.
    """
    if group is not None and group not in baseline.columns:
        raise KeyError(f"Table 1 group column {group!r} is not in the baseline table.")
    if min_cell < 1:
        raise ValueError(f"min_cell must be >= 1, not {min_cell}.")
    data = baseline.copy()
    key = "_group"
    data[key] = data[group].astype(object).where(data[group].notna(), "missing") if group else OVERALL
    columns = [str(g) for g in sorted(data[key].unique(), key=str)]
    frames = {g: data[data[key] == g] for g in columns}
    if overall and group is not None:
        columns.append(OVERALL)
        frames[OVERALL] = data

    rows: list[tuple[str, str]] = []
    values: dict[tuple[str, str], dict[str, str]] = {}
    counts: dict[tuple[str, str], dict[str, int]] = {}  # cells that are counts of people
    suppressible_sets: list[list[tuple[str, str]]] = []  # cells that add up to a column total

    def add(row: tuple[str, str], cells: dict[str, str], cell_counts: dict[str, int] | None = None):
        rows.append(row)
        values[row] = cells
        if cell_counts is not None:
            counts[row] = cell_counts

    add(("N", ""), {c: str(len(f)) for c, f in frames.items()}, {c: len(f) for c, f in frames.items()})
    for col, label in continuous.items():
        if col not in data.columns:
            continue
        x = {c: pd.to_numeric(f[col], errors="coerce") for c, f in frames.items()}
        add(
            (label, "mean (SD)"),
            {c: f"{_fmt(v.mean())} ({_fmt(v.std())})" if v.notna().any() else "n/a" for c, v in x.items()},
        )
        add(
            (label, "median [IQR]"),
            {
                c: f"{_fmt(v.median())} [{_fmt(v.quantile(0.25))}, {_fmt(v.quantile(0.75))}]"
                if v.notna().any()
                else "n/a"
                for c, v in x.items()
            },
        )
        n_missing = {c: int(v.isna().sum()) for c, v in x.items()}
        add((label, "missing, n"), {c: str(n) for c, n in n_missing.items()}, n_missing)
    for col, label in categorical.items():
        if col not in data.columns:
            continue
        levels = [
            lv for lv in pd.Series(data[col].dropna().unique()).sort_values(key=lambda s: s.astype(str))
        ]
        block = []
        for level in [*levels, None]:
            is_missing = level is None
            cell_counts = {
                c: int(f[col].isna().sum() if is_missing else (f[col] == level).sum())
                for c, f in frames.items()
            }
            row = (label, "missing, n" if is_missing else f"{level}, n (%)")
            cells = {
                c: str(n) if is_missing else f"{n} ({100 * n / max(len(frames[c]), 1):.1f})"
                for c, n in cell_counts.items()
            }
            add(row, cells, cell_counts)
            block.append(row)
        suppressible_sets.append(block)

    # a whole group below min_cell: hide the group's every statistic, and the Overall column with it
    small_groups = [c for c in columns if c != OVERALL and 0 < len(frames[c]) < min_cell]
    if small_groups and OVERALL in columns:
        columns.remove(OVERALL)
    groups = [c for c in columns if c != OVERALL and c not in small_groups]
    # primary suppression: every count of people below min_cell (zero is not a small cell: it reveals nobody)
    primary: set[tuple[tuple[str, str], str]] = set()
    for row, cell_counts in counts.items():
        for c, n in cell_counts.items():
            if c in columns and c not in small_groups and 0 < n < min_cell:
                primary.add((row, c))
    withheld = complementary(primary, counts, suppressible_sets, groups, OVERALL in columns)
    table = pd.DataFrame(
        [[values[r][c] for c in columns] for r in rows],
        index=pd.MultiIndex.from_tuples(rows, names=["variable", "statistic"]),
        columns=columns,
    )
    for row, c in primary:
        table.loc[row, c] = f"<{min_cell}"
    for row, c in withheld:
        table.loc[row, c] = WITHHELD
    for c in small_groups:
        table[c] = f"<{min_cell} people: not shown"
    n_suppressed = len(primary) + len(withheld) + sum(len(rows) for _ in small_groups)
    return table, int(n_suppressed)


def complementary(
    primary: set, counts: dict, blocks: list[list[tuple[str, str]]], groups: list[str], overall: bool
) -> set:
    """The cells to withhold so that no hidden count comes back from a total (module docstring): by column
    within each categorical block, by row across the groups (a row's groups add up to its Overall cell)."""
    hidden = set(primary)
    withheld: set = set()

    def withhold(cell) -> None:
        hidden.add(cell)
        withheld.add(cell)

    columns = [*groups, *([OVERALL] if overall else [])]
    changed = True
    while changed:
        before = len(hidden)
        for block in blocks:
            for c in columns:
                if sum((r, c) in hidden for r in block) == 1:
                    others = sorted(
                        (counts[r][c], r) for r in block if (r, c) not in hidden and counts[r][c] > 0
                    )
                    if others:
                        withhold((others[0][1], c))
        if overall and len(groups) >= 2:
            for row, cell_counts in counts.items():
                if row == ("N", ""):
                    continue  # group sizes are never small here (small groups are not shown)
                if sum((row, c) in hidden for c in groups) == 1:
                    others = sorted(
                        (cell_counts[c], c) for c in groups if (row, c) not in hidden and cell_counts[c] > 0
                    )
                    if others:
                        withhold((row, others[0][1]))
                    elif (row, OVERALL) not in hidden:
                        withhold((row, OVERALL))
        changed = len(hidden) > before
    return withheld
