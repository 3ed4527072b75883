"""Privacy measures of the health pilot, built on ``livinglab.trust``.

- ``pseudonymise_subjects``: replaces the raw subject identifier by a keyed HMAC pseudonym at load
  time. Real data: the key must come from ``LIVINGLAB_PSEUDONYM_KEY`` (a clear error otherwise).
  Synthetic data: a random key for this run only, never stored.
- ``k_anonymous_extract``: the row-level baseline extract that may leave the secure environment,
  without any identifier, made k-anonymous over (age band, sex, region) by global recoding
  (5-year -> 10-year -> 20-year age bands; canton -> district -> country) and then suppression.
- ``dp_release``: counts and means released with the Laplace mechanism beside the exact values.
- ``identifier_leaks``: what a rendered report contains of a list of identifiers or of anything
  shaped like a pseudonym (used by the tests on the rendered notebook).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from livinglab.trust import (
    dp_count,
    dp_mean,
    enforce_k_anonymity,
    new_pseudonym_key,
    pseudonymise,
)

from .synthetic import CANTON_TO_DISTRICT

PSEUDONYM_LENGTH = 16
QUASI_IDENTIFIERS = ("age_band", "sex", "region")


def pseudonymise_subjects(frame: pd.DataFrame, column: str, *, real: bool, out: str = "pid") -> pd.DataFrame:
    """``frame`` with ``column`` replaced by ``out`` (keyed pseudonyms); the raw column is dropped.

    ``real=True`` requires ``LIVINGLAB_PSEUDONYM_KEY`` (raises ``PseudonymKeyMissing`` before any
    work); otherwise a fresh random key is used and forgotten, so the pseudonyms cannot be linked to
    anything outside this run.
    """
    key = None if real else new_pseudonym_key()
    pids = pseudonymise(frame[column], key=key, required=real, length=PSEUDONYM_LENGTH)
    result = frame.drop(columns=[column])
    result.insert(0, out, pids.to_numpy())
    return result


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
    return pd.Series("Luxembourg", index=region.index, dtype=object).where(region.notna(), None)


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


def k_anonymity_sentence(report) -> str:
    gen = (
        ", ".join(f"{c} coarsened {n} level{'s' if n > 1 else ''}" for c, n in report.generalised.items())
        or "no generalisation needed"
    )
    return (
        f"Before release the extract had k = {report.k_before} over {', '.join(report.quasi_identifiers)}; "
        f"to reach k >= {report.k} {report.rows_generalised} of {report.rows_in} rows were generalised "
        f"({gen}) and {report.rows_suppressed} rows were suppressed, leaving {report.rows_out} rows with "
        f"k = {report.k_after}."
    )


# bounds fixed by the scales, not by the data (a DP requirement)
DP_BOUNDS = {
    "updrs3": (0.0, 132.0),
    "moca": (0.0, 30.0),
    "age_at_onset": (20.0, 100.0),
    "age": (18.0, 110.0),
    "motor_updrs": (0.0, 108.0),
    "updrs1": (0.0, 52.0),
    "updrs2": (0.0, 52.0),
}


def dp_release(
    baseline: pd.DataFrame,
    epsilon: float,
    *,
    group: str | None = "group",
    means: tuple[str, ...] = ("updrs3", "moca", "age_at_onset"),
    rng=None,
) -> pd.DataFrame:
    """Counts and means per group with the Laplace mechanism; the total budget ``epsilon`` is split
    evenly over the released figures (sequential composition), so the whole table is epsilon-DP.

    Columns: statistic, group, exact, dp, abs_error, noise_sd (the mechanism's standard deviation),
    epsilon_each.
    """
    data = baseline.copy()
    data["_g"] = data[group].astype(str) if group and group in data.columns else "all"
    groups = sorted(data["_g"].unique())
    queries: list[tuple[str, str, pd.Series | None]] = [("participants, n", g, None) for g in groups]
    if "sex" in data.columns:
        queries += [("male, n", g, None) for g in groups]
    for col in means:
        if col in data.columns and col in DP_BOUNDS:
            for g in groups:
                values = data.loc[(data["_g"] == g) & data[col].notna(), col]
                if len(values) >= 2:
                    queries.append((f"{col}, mean", g, values))
    eps_each = float(epsilon) / len(queries)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    rows = []
    for stat, g, values in queries:  # a handful of released figures, one mechanism call each
        part = data[data["_g"] == g]
        if stat == "participants, n":
            exact, noisy, sd = float(len(part)), dp_count(len(part), eps_each, rng=gen), np.sqrt(2) / eps_each
        elif stat == "male, n":
            n_male = float((part["sex"] == "male").sum())
            exact, noisy, sd = n_male, dp_count(n_male, eps_each, rng=gen), np.sqrt(2) / eps_each
        else:
            col = stat.split(",")[0]
            lo, hi = DP_BOUNDS[col]
            exact = float(values.mean())
            noisy = dp_mean(values.to_numpy(), lo, hi, eps_each, rng=gen)
            sd = np.sqrt(2) * (hi - lo) / (len(values) * eps_each)
        rows.append(
            {
                "statistic": stat,
                "group": g,
                "exact": round(exact, 2),
                "dp": round(max(noisy, 0.0) if stat.endswith("n") else noisy, 2),
                "abs_error": round(abs(noisy - exact), 2),
                "noise_sd": round(float(sd), 2),
                "epsilon_each": round(eps_each, 4),
            }
        )
    return pd.DataFrame(rows)


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
