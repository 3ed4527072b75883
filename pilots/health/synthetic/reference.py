"""The attributed reference table of published cohort figures the synthetic cohort is calibrated to.

``reference/cohort_facts.csv`` holds one published figure a row with its population, statistic, unit,
source and address (see ``reference/README.md``). The generator reads its calibration targets from
here, and the longitudinal notebook shows the synthetic cohort's own figures beside them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
FACTS_FILE = REFERENCE_DIR / "cohort_facts.csv"
FACT_COLUMNS = (
    "fact_id",
    "population",
    "quantity",
    "statistic",
    "value",
    "sd",
    "unit",
    "source",
    "reference",
)


@lru_cache(maxsize=1)
def _facts() -> pd.DataFrame:
    table = pd.read_csv(FACTS_FILE)
    missing = [c for c in FACT_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{FACTS_FILE.name} lacks column(s) {', '.join(missing)}.")
    if table["fact_id"].duplicated().any():
        raise ValueError(
            f"{FACTS_FILE.name} repeats fact_id {table.loc[table['fact_id'].duplicated(), 'fact_id'].iloc[0]}."
        )
    if table[["value", "source", "reference"]].isna().any().any():
        raise ValueError(f"{FACTS_FILE.name}: every fact needs a value, a source and a reference.")
    return table.set_index("fact_id", drop=False)


def cohort_facts() -> pd.DataFrame:
    """The whole table (a copy), indexed by ``fact_id``."""
    return _facts().copy()


def fact(fact_id: str) -> float:
    """One published value, e.g. ``fact("ppmi_rate_updrs3")`` -> 2.4."""
    table = _facts()
    if fact_id not in table.index:
        raise KeyError(
            f"No published fact {fact_id!r} in {FACTS_FILE.name}; known: {', '.join(table.index)}."
        )
    return float(table.at[fact_id, "value"])


def fact_sd(fact_id: str) -> float:
    """The standard deviation published with a mean (NaN when the source gives none)."""
    fact(fact_id)
    return float(_facts().at[fact_id, "sd"])
