"""Privacy measures of the health pilot: the public tier of every page (OpenSAFELY's pattern).

- :func:`pseudonymise_subjects`: the raw subject identifier replaced by a keyed HMAC pseudonym at load time
  (the key from ``livinglab.trust.pseudonym_key``: derived from the seed for synthetic data, so the same run
  gives the same pseudonyms and folds; the secret in ``LIVINGLAB_PSEUDONYM_KEY`` for real data);
- :mod:`.table1`: Table 1 with small cells suppressed, and their complements;
- :mod:`.dp`: means released only through OpenDP under a budget that refuses to be exceeded;
- :mod:`.kanonymity`: the k-anonymous extract (k-anonymity moved here from the core);
- :func:`public_count` / :func:`rounded_count`: counts as the public page may show them;
- :func:`public_table_one`: Table 1 as the page shows it (counts suppressed, means only with DP).
"""

from __future__ import annotations

import pandas as pd

from livinglab.trust import pseudonymise

from .dp import DP_BOUNDS, BudgetExceeded, DPRelease, PrivacyBudget, dp_means
from .kanonymity import KAnonReport, age_band, enforce_k_anonymity, k_anonymity, k_anonymous_extract
from .table1 import table_one

__all__ = [
    "DP_BOUNDS",
    "PSEUDONYM_LENGTH",
    "BudgetExceeded",
    "DPRelease",
    "KAnonReport",
    "PrivacyBudget",
    "age_band",
    "dp_means",
    "enforce_k_anonymity",
    "k_anonymity",
    "k_anonymous_extract",
    "pseudonymise_subjects",
    "public_count",
    "public_counts",
    "public_table_one",
    "rounded_count",
    "table_one",
]

PSEUDONYM_LENGTH = 16


def pseudonymise_subjects(frame: pd.DataFrame, column: str, *, key: str, out: str = "pid") -> pd.DataFrame:
    """``frame`` with ``column`` replaced by ``out`` (keyed pseudonyms, 16 hex digits); the raw column is
    dropped. ``key``: from ``livinglab.trust.pseudonym_key(mode, seed)``."""
    pids = pseudonymise(frame[column], key=key, required=True, length=PSEUDONYM_LENGTH)
    result = frame.drop(columns=[column])
    result.insert(0, out, pids.to_numpy())
    return result


def public_table_one(
    baseline: pd.DataFrame,
    group: str | None,
    categorical: dict[str, str],
    dp_variables: dict[str, tuple[float, float]],
    labels: dict[str, str],
    epsilon: float,
    *,
    min_cell: int = 5,
) -> tuple[pd.DataFrame, int, pd.DataFrame, PrivacyBudget]:
    """Table 1 for the public page: counts with small cells suppressed; means only with DP.

    ``baseline``: one row a person; ``group``: the column of the table's columns (None: one column);
    ``categorical``: ``{column: label}`` counted; ``dp_variables``: ``{column: (low, high)}`` whose means are
    released through OpenDP (bounds from the scales, never the data); ``labels``: the variables' names.
    Returns ``(table, n_suppressed, dp_table, budget)``.
    """
    counts, n_hidden = table_one(baseline, group, {}, categorical, min_cell=min_cell)
    dp_table, budget = dp_means(baseline, dp_variables, epsilon, group=group, min_cell=min_cell)
    rows = []
    for r in dp_table.itertuples():
        column = r.statistic.split(",")[0]
        rows.append(
            {
                "variable": labels.get(column, column),
                "statistic": "mean, DP (95% of noise within +/-)",
                "group": r.group if group else "Overall",
                "text": f"{r.dp_value:.1f} (+/-{r.noise_95:.1f})",
            }
        )
    if not rows:
        return counts, n_hidden, dp_table, budget
    dp_rows = pd.DataFrame(rows).pivot(index=["variable", "statistic"], columns="group", values="text")
    dp_rows = dp_rows.reindex(columns=counts.columns).fillna("–")
    order = [labels.get(c, c) for c in dp_variables]
    dp_rows = dp_rows.reindex([idx for label in order for idx in dp_rows.index if idx[0] == label])
    return pd.concat([counts.iloc[:1], dp_rows, counts.iloc[1:]]), n_hidden, dp_table, budget


def public_count(n: int | float, min_cell: int = 5) -> str:
    """A count as the public page may show it: ``<5`` for 1-4 people (or rows), the number otherwise."""
    n = int(n)
    return f"<{min_cell}" if 0 < n < min_cell else f"{n:,}"


def public_counts(counts: dict, min_cell: int = 5) -> dict:
    """Counts of people that add up to a total the page shows, as the page may show them: ``<5`` for 1-4, and
    when exactly one is that small, the smallest other count ``withheld`` too (the total minus the others would
    give the small one back)."""
    shown = {k: public_count(n, min_cell) for k, n in counts.items()}
    small = [k for k, n in counts.items() if 0 < int(n) < min_cell]
    if len(small) == 1:
        others = sorted((int(n), k) for k, n in counts.items() if k not in small and int(n) > 0)
        if others:
            shown[others[0][1]] = "withheld"
    return shown


def rounded_count(n: int | float, base: int = 5) -> str:
    """A count rounded to the nearest ``base`` (``~25``), where the exact count could be combined with
    other released figures to recover a protected one."""
    return f"~{int(base * round(float(n) / base)):,}"
