"""k-anonymity of the row-level extract that may leave the secure environment (moved from the core
``livinglab.trust.privacy``: the health pilot is its only user).

- :func:`k_anonymity` / :func:`enforce_k_anonymity`: the size of the smallest equivalence class over the
  quasi-identifiers, and a table made k-anonymous by the caller's generalisations followed by suppression
  of the rows still in classes smaller than k, with a report of what was changed (:class:`KAnonReport`).
  A missing quasi-identifier is a category of its own (never a reason to drop the row).
- :func:`k_anonymous_extract`: the baseline extract without any identifier, made k-anonymous over
  (age band, sex, region) by global recoding (5-year -> 10-year -> 20-year age bands; canton -> district
  -> country) and then suppression.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..contract import CANTON_TO_DISTRICT

QUASI_IDENTIFIERS = ("age_band", "sex", "region")


def _check_columns(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> list[str]:
    qi = [quasi_identifiers] if isinstance(quasi_identifiers, str) else list(quasi_identifiers)
    if not qi:
        raise ValueError("quasi_identifiers is empty; name the columns that could re-identify a person.")
    missing = [c for c in qi if c not in df.columns]
    if missing:
        raise KeyError(f"Quasi-identifier column(s) {', '.join(map(str, missing))} are not in the table.")
    return qi


def _class_sizes(df: pd.DataFrame, qi: list[str]) -> np.ndarray:
    """Per-row size of the row's equivalence class: the rows equal on every quasi-identifier.

    A missing value is a value like any other: ``pd.factorize`` codes it -1, one more category of its
    column, so rows missing the same quasi-identifiers (and equal on the others) form a class of their own.
    """
    codes = np.column_stack([pd.factorize(df[column])[0] for column in qi])
    _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()]


def k_anonymity(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The k of ``df``: size of the smallest group of rows sharing all quasi-identifier values.

    A table is k-anonymous when every combination of quasi-identifiers (e.g. postcode, sex, birth
    year) that occurs, occurs at least k times. A missing value counts as a value of its own (all the
    rows missing a postcode share that "postcode"). An empty table has k = 0.
    """
    qi = _check_columns(df, quasi_identifiers)
    if len(df) == 0:
        return 0
    return int(_class_sizes(df, qi).min())


@dataclass
class KAnonReport:
    """What :func:`enforce_k_anonymity` did.

    Attributes:
        k: the target.
        k_before: k of the input table.
        k_after: k of the returned table (0 when every row had to be suppressed).
        rows_in, rows_out: row counts before and after.
        rows_generalised: rows whose quasi-identifier values were changed by a generaliser
            (counted before suppression).
        rows_suppressed: rows removed because their class was still smaller than k.
        generalised: ``{column: number of generalisation levels applied}``.
        quasi_identifiers: the columns checked.
    """

    k: int
    k_before: int
    k_after: int
    rows_in: int
    rows_out: int
    rows_generalised: int
    rows_suppressed: int
    generalised: dict[str, int] = field(default_factory=dict)
    quasi_identifiers: list[str] = field(default_factory=list)

    @property
    def suppressed_share(self) -> float:
        """Share of input rows removed."""
        return self.rows_suppressed / self.rows_in if self.rows_in else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        cols = (
            ", ".join(f"{c} ({n} level{'s' if n > 1 else ''})" for c, n in self.generalised.items()) or "none"
        )
        return (
            f"k-anonymity target {self.k}: k went from {self.k_before} to {self.k_after}; generalised columns: "
            f"{cols}; {self.rows_generalised} rows generalised, {self.rows_suppressed} of {self.rows_in} "
            f"rows suppressed ({self.suppressed_share:.1%})."
        )


Generaliser = Callable[[pd.Series], Any]


def enforce_k_anonymity(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    k: int,
    *,
    generalise: Mapping[str, Generaliser | Sequence[Generaliser]] | None = None,
) -> tuple[pd.DataFrame, KAnonReport]:
    """Make ``df`` k-anonymous: generalise quasi-identifiers step by step, then suppress what remains.

    Generalisation is global recoding: a generaliser receives the whole *original* column (a
    Series) and returns its coarser version (vectorised), e.g. ``lambda age: (age // 10) * 10`` or
    ``lambda postcode: postcode.str[:3]``. A column may have a list of generalisers, from fine to
    coarse (levels). They are applied in the order given (columns in dict order, then levels),
    stopping as soon as the table is k-anonymous. Rows still in an equivalence class smaller than
    ``k`` are then suppressed (removed).

    Missing quasi-identifiers: a missing value is a category of its own, generalised and suppressed like
    any other. A generaliser receives it with the rest of the column (``(age // 10) * 10`` keeps it
    missing; a generaliser may also map it to a value); rows missing the same quasi-identifiers and
    equal on the others form one class, kept when it holds at least ``k`` rows. A row is never dropped
    for being incomplete: that would bias the released table and is not what k-anonymity asks.

    Returns:
        ``(table, report)``: the k-anonymous copy (index kept, so suppressed rows can be traced)
        and a :class:`KAnonReport`.
    """
    qi = _check_columns(df, quasi_identifiers)
    if int(k) < 1:
        raise ValueError(
            f"k must be a positive integer (5, 11 and 20 are common minimum cell sizes), not {k}."
        )
    generalise = dict(generalise or {})
    unknown = [c for c in generalise if c not in qi]
    if unknown:
        raise KeyError(
            f"generalise names column(s) {', '.join(map(str, unknown))} that are not quasi-identifiers."
        )
    for column, fns in generalise.items():
        levels = list(fns) if isinstance(fns, Sequence) else [fns]
        if not levels or not all(callable(f) for f in levels):
            raise TypeError(f"generalise[{column!r}] must be a callable or a list of callables.")
        generalise[column] = levels

    k = int(k)
    k_before = k_anonymity(df, qi)
    out = df.copy()
    applied: dict[str, int] = {}
    current_k = k_before
    for column, levels in generalise.items():
        if current_k >= k:
            break
        for level, fn in enumerate(levels, start=1):
            recoded = fn(df[column])
            if not isinstance(recoded, pd.Series):
                recoded = pd.Series(np.asarray(recoded), index=df.index)
            if len(recoded) != len(df):
                raise ValueError(
                    f"The generaliser for {column!r} returned {len(recoded)} values for {len(df)} rows."
                )
            out[column] = recoded.to_numpy() if not recoded.index.equals(df.index) else recoded
            applied[column] = level
            current_k = k_anonymity(out, qi)
            if current_k >= k:
                break

    changed = pd.Series(False, index=df.index)
    for column in applied:
        before, after = df[column], out[column]
        differs = before.astype(object).ne(after.astype(object)) & ~(before.isna() & after.isna())
        changed |= differs.to_numpy()
    keep = _class_sizes(out, qi) >= k
    result = out.loc[keep]
    report = KAnonReport(
        k=k,
        k_before=k_before,
        k_after=k_anonymity(result, qi),
        rows_in=len(df),
        rows_out=len(result),
        rows_generalised=int(changed.sum()),
        rows_suppressed=int((~keep).sum()),
        generalised=applied,
        quasi_identifiers=qi,
    )
    if len(df) and not len(result):
        warnings.warn(
            f"Every row was suppressed to reach k={k}: add coarser generalisations.",
            stacklevel=2,
        )
    return result, report


# --------------------------------------------------------------------------- the extract


def age_band(age: pd.Series, width: int = 5) -> pd.Series:
    """Age bands such as ``65-69`` (width 5), ``60-69`` (10), ``60-79`` (20); missing stays missing."""
    a = pd.to_numeric(age, errors="coerce")
    low = np.floor(a / width) * width
    text = low.astype("Int64").astype(str) + "-" + (low + width - 1).astype("Int64").astype(str)
    return text.where(a.notna(), None).astype(object)


def _age_generaliser(width: int):
    def generalise(bands: pd.Series) -> pd.Series:
        low = pd.to_numeric(bands.astype(str).str.split("-").str[0], errors="coerce")
        return age_band(low, width)

    return generalise


def _region_to_district(region: pd.Series) -> pd.Series:
    return region.map(CANTON_TO_DISTRICT).fillna(region).astype(object)


def _region_to_country(region: pd.Series) -> pd.Series:
    lux = region.dropna().isin(list(CANTON_TO_DISTRICT) + list(CANTON_TO_DISTRICT.values())).all()
    label = "Luxembourg" if lux else "all regions"
    return pd.Series(label, index=region.index, dtype=object).where(region.notna(), None)


GENERALISERS = {
    "age_band": [_age_generaliser(10), _age_generaliser(20)],
    "region": [_region_to_district, _region_to_country],
}


def k_anonymous_extract(baseline: pd.DataFrame, k: int, *, columns: tuple[str, ...] = (), age: str = "age"):
    """A baseline extract without identifiers, k-anonymous over age band, sex and (if present) region.

    Returns ``(extract, report)`` where ``report`` is the trust toolkit's ``KAnonReport`` (rows
    generalised and suppressed, k before and after).
    """
    extract = pd.DataFrame({"age_band": age_band(baseline[age]).to_numpy()}, index=baseline.index)
    for col in ("sex", "region", *columns):
        if col in baseline.columns:
            extract[col] = baseline[col].to_numpy()
    qi = [c for c in QUASI_IDENTIFIERS if c in extract.columns]
    generalise = {c: GENERALISERS[c] for c in ("age_band", "region") if c in qi}  # age bands coarsen first
    result, report = enforce_k_anonymity(extract, qi, k, generalise=generalise)
    return result.reset_index(drop=True), report
