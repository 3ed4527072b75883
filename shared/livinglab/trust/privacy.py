"""Privacy helpers shared by every pilot that touches personal data.

- :func:`pseudonymise`: keyed HMAC-SHA256 pseudonyms. The key comes from the environment variable
  ``LIVINGLAB_PSEUDONYM_KEY`` (or an explicit argument) and is never written anywhere by this
  module. Pseudonymised data remain personal data (GDPR Art. 4(5)): whoever holds the key can
  re-link them, so keep the key apart from the data.
- :func:`k_anonymity` / :func:`enforce_k_anonymity`: the size of the smallest equivalence class over
  the quasi-identifiers, and a table made k-anonymous by the caller's generalisations followed by
  suppression of the rows still in classes smaller than k, with a report of what was changed. A missing
  quasi-identifier is a category of its own (never a reason to drop the row).
- :func:`dp_count` / :func:`dp_mean`: differentially private releases of counts and bounded means
  (Laplace or Gaussian mechanism), with the sensitivity stated in each docstring.
- :func:`redact_pii` lives in :mod:`livinglab.trust.pii` and is re-exported here.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .pii import redact_pii

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "PseudonymKeyMissing",
    "pseudonymise",
    "new_pseudonym_key",
    "pseudonym_key",
    "k_anonymity",
    "enforce_k_anonymity",
    "KAnonReport",
    "dp_count",
    "dp_mean",
    "laplace_scale",
    "gaussian_sigma",
    "redact_pii",
]

PSEUDONYM_KEY_ENV = "LIVINGLAB_PSEUDONYM_KEY"
_MIN_KEY_CHARS = 16


class PseudonymKeyMissing(RuntimeError):
    """Pseudonymisation was required but no key was given or found in the environment."""


def new_pseudonym_key() -> str:
    """A fresh random 256-bit key (hex), e.g. for a synthetic run whose pseudonyms need not be linkable."""
    return secrets.token_hex(32)


def pseudonym_key(mode: str, seed: int = 0) -> str:
    """The key a run pseudonymises with. Synthetic data: a key derived from the seed, so the same run gives
    the same pseudonyms (and the same subject-grouped folds, which are built from them). Real data or a
    partner's file: the secret in ``LIVINGLAB_PSEUDONYM_KEY``, required."""
    if mode == "synthetic":
        return hashlib.sha256(f"livinglab synthetic pseudonyms, seed {int(seed)}".encode()).hexdigest()
    key = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if len(key) < _MIN_KEY_CHARS:
        raise PseudonymKeyMissing(
            f"Real data need a pseudonymisation key: set {PSEUDONYM_KEY_ENV} to a secret of at least "
            f"{_MIN_KEY_CHARS} characters, e.g. export {PSEUDONYM_KEY_ENV}=$(python -c "
            "'import secrets; print(secrets.token_hex(32))'), and keep it apart from the data."
        )
    return key


def pseudonymise(
    ids: pd.Series | Sequence[Any],
    *,
    key: str | bytes | None = None,
    key_env: str = PSEUDONYM_KEY_ENV,
    required: bool = False,
    length: int = 16,
) -> pd.Series:
    """Replace identifiers by keyed pseudonyms: the first ``length`` hex digits of HMAC-SHA256(key, id).

    The same id and key always give the same pseudonym (joins across tables still work); without
    the key a pseudonym cannot be recomputed from a guessed id, unlike a plain hash.

    Args:
        ids: identifiers (any type; compared by their ``str()``); missing values stay missing.
        key: the secret. If None, the environment variable ``key_env`` is read.
        key_env: name of the environment variable holding the key.
        required: when True and no key is available, raise :class:`PseudonymKeyMissing`. When False,
            a random per-call key is used with a warning: pseudonyms are then consistent within this
            call only (fine for synthetic data, useless for linking real records across runs).
        length: hex digits kept (8-64). 16 hex digits = 64 bits, collisions negligible below ~10^8 ids.

    Returns:
        A Series of strings aligned with ``ids`` (same index).
    """
    if not 8 <= int(length) <= 64:
        raise ValueError(f"length must be between 8 and 64 hex digits, not {length}.")
    if key is None:
        key = os.environ.get(key_env) or None
    if key is None:
        if required:
            raise PseudonymKeyMissing(
                f"No pseudonymisation key: set the environment variable {key_env} to a secret of at least "
                f"{_MIN_KEY_CHARS} characters (e.g. from a secrets manager), or pass key= explicitly."
            )
        warnings.warn(
            f"No pseudonymisation key in {key_env}; using a random key for this call only, so the "
            "pseudonyms cannot be linked to another run.",
            stacklevel=2,
        )
        key = new_pseudonym_key()
    key_bytes = key.encode() if isinstance(key, str) else bytes(key)
    if len(key_bytes) < _MIN_KEY_CHARS:
        raise ValueError(
            f"The pseudonymisation key is shorter than {_MIN_KEY_CHARS} characters; use a longer secret."
        )
    series = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    # HMAC has no vectorised form: hash each distinct id once, then map back (vectorised take). A missing
    # id has code -1, which takes the trailing None: missing stays missing.
    codes, uniques = pd.factorize(series)
    digests = [hmac.new(key_bytes, str(u).encode(), hashlib.sha256).hexdigest()[:length] for u in uniques]
    return pd.Series(np.array([*digests, None])[codes], index=series.index, name=series.name)


# --------------------------------------------------------------------------- k-anonymity


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


# --------------------------------------------------------------------------- differential privacy


def _check_epsilon(epsilon: float) -> float:
    eps = float(epsilon)
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"epsilon must be a positive finite number (smaller = more private), not {epsilon}.")
    return eps


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """Scale b of the Laplace mechanism: b = sensitivity / epsilon (noise std = sqrt(2) * b)."""
    return float(sensitivity) / _check_epsilon(epsilon)


def gaussian_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """Noise std of the classic Gaussian mechanism: sigma = sqrt(2 ln(1.25/delta)) * sensitivity / epsilon.

    This calibration (Dwork & Roth 2014, Theorem A.1) gives (epsilon, delta)-DP for epsilon < 1 only.
    """
    eps = _check_epsilon(epsilon)
    if eps >= 1:
        raise ValueError(
            f"The classic Gaussian mechanism needs epsilon < 1, not {epsilon}; use mechanism='laplace'."
        )
    if not 0 < delta < 1:
        raise ValueError(f"delta must be between 0 and 1 (e.g. 1e-6, well below 1/n), not {delta}.")
    return math.sqrt(2 * math.log(1.25 / delta)) * float(sensitivity) / eps


def dp_count(
    true_count: float | Sequence[float] | np.ndarray,
    epsilon: float,
    *,
    rng: int | np.random.Generator | None = None,
    mechanism: str = "laplace",
    delta: float = 1e-6,
) -> float | np.ndarray:
    """A differentially private count (or an array of disjoint counts, e.g. a histogram).

    Sensitivity: adding or removing one person changes a count by at most 1, so the L1 and L2
    sensitivity is 1 (for a histogram where each person is in exactly one cell, too; a person in
    several cells needs epsilon split between them).

    - ``"laplace"``: adds Laplace(0, 1/epsilon) noise: epsilon-DP; noise std = sqrt(2)/epsilon.
    - ``"gaussian"``: adds N(0, sigma^2) with sigma = sqrt(2 ln(1.25/delta))/epsilon:
      (epsilon, delta)-DP for epsilon < 1.

    The result is a float and may be negative or fractional; rounding or clipping at 0 afterwards
    is post-processing and keeps the guarantee. ``rng`` is a seed or Generator (None = fresh entropy;
    a fixed seed is for tests only: a released figure must use unpredictable noise).
    """
    counts = np.asarray(true_count, dtype=float)
    if not np.all(np.isfinite(counts)):
        raise ValueError("true_count must be finite.")
    gen = np.random.default_rng(rng)  # a Generator is used as it is
    if mechanism == "laplace":
        noisy = counts + gen.laplace(0.0, laplace_scale(1.0, epsilon), size=counts.shape)
    elif mechanism == "gaussian":
        noisy = counts + gen.normal(0.0, gaussian_sigma(1.0, epsilon, delta), size=counts.shape)
    else:
        raise ValueError(f"mechanism must be 'laplace' or 'gaussian', not {mechanism!r}.")
    return float(noisy) if noisy.ndim == 0 else noisy


def dp_mean(
    values: Sequence[float] | np.ndarray | pd.Series,
    lower: float,
    upper: float,
    epsilon: float,
    *,
    rng: int | np.random.Generator | None = None,
    mechanism: str = "laplace",
    delta: float = 1e-6,
) -> float:
    """A differentially private mean of values bounded to ``[lower, upper]``.

    Values are first clipped to the bounds (the bounds must be chosen without looking at the data,
    e.g. a score's scale 0-132). With n rows treated as public (neighbouring datasets differ by
    *replacing* one person's value), the mean's sensitivity is ``(upper - lower) / n``; Laplace noise
    of scale ``(upper - lower) / (n * epsilon)`` is added (or Gaussian noise, see :func:`dp_count`).
    The result is clipped back into ``[lower, upper]`` (post-processing).
    """
    lo, hi = float(lower), float(upper)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"Need finite bounds with lower < upper, got lower={lower}, upper={upper}.")
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError("values must be a non-empty one-dimensional sequence.")
    if np.isnan(x).any():
        raise ValueError(
            "values contains missing values; drop or impute them first (that choice is not private)."
        )
    clipped = np.clip(x, lo, hi)
    sensitivity = (hi - lo) / len(x)
    gen = np.random.default_rng(rng)  # a Generator is used as it is
    if mechanism == "laplace":
        noise = gen.laplace(0.0, laplace_scale(sensitivity, epsilon))
    elif mechanism == "gaussian":
        noise = gen.normal(0.0, gaussian_sigma(sensitivity, epsilon, delta))
    else:
        raise ValueError(f"mechanism must be 'laplace' or 'gaussian', not {mechanism!r}.")
    return float(np.clip(clipped.mean() + noise, lo, hi))
