"""Implausible series, found and named before any model sees them.

A detector file as partners export it holds more than detectors: sums of detectors (a road section, a
junction, the whole city), test or dummy channels, detectors stuck at one value, and error codes written as
negative counts. :func:`screen` looks at every series (site x direction) of the (series x hours) array at
once and names each implausible one with its reason:

- **negative counts**: more than ``NEGATIVE_SHARE`` of its hours were negative in the file (error codes;
  single negative hours are only masked, as every negative value is);
- **far above the others' level**: a mean count at least ``AGGREGATE_RATIO`` times the median series' and
  a robust z-score of its log level above ``AGGREGATE_Z``, or at least ``SUM_RATIO`` times and the plain
  sum of some other series (members picked on even days, ``SUM_R2`` of it explained on odd days): a sum of
  detectors, not a detector (when it follows the sum of the other series, the reason says so);
- **flat**: the same non-zero count as the hour before in at least ``FLAT_SHARE`` of its hours, zero in 95%
  of them, or at most ``FLAT_DISTINCT`` distinct values (a stuck, dead or simulated channel);
- **named as a test**: its site name says test, dummy, demo or simulation.

With ``implausible = "exclude"`` (the default) these series are left out of training, of the forecasts and
of every score, and the page says which and why; ``"keep"`` keeps them (still named).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

NEGATIVE_SHARE = 0.05  # a -1 now and then is a gap (masked hour by hour); the city export fixture has 1.2%
AGGREGATE_RATIO, AGGREGATE_Z = 20.0, 4.0
SUM_RATIO, SUM_R2 = 4.0, 0.99
FLAT_SHARE, FLAT_DISTINCT = 0.5, 3
TEST_NAMES = r"(?i)\b(?:test|dummy|demo|simul\w*|testing|probe)\b|(?i:^test|test$|_test|test_)"
MODES = ("exclude", "keep")


def screen(values: np.ndarray, series: pd.DataFrame, negative: np.ndarray | None = None) -> pd.DataFrame:
    """One row per implausible series: ``series`` (position), ``station_id``, ``direction_label``,
    ``reason`` (all reasons, "; "-joined), ``mean_count``, ``level_vs_median``, ``negative_hours``."""
    S = values.shape[0]
    valid = ~np.isnan(values)
    n = valid.sum(axis=1)
    total = np.where(valid, values, 0.0).sum(axis=1, dtype=np.float64)
    mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    reasons: list[list[str]] = [[] for _ in range(S)]

    negative_hours = (
        negative.sum(axis=1) if negative is not None else np.zeros(S, dtype=int)
    )  # hours the file gave as negative (already masked)
    seen = n + negative_hours
    neg_share = negative_hours / np.maximum(seen, 1)
    for s in np.flatnonzero(neg_share > NEGATIVE_SHARE):
        reasons[s].append(f"negative counts in {neg_share[s]:.0%} of its hours")

    median = float(np.nanmedian(mean)) if np.isfinite(mean).any() else np.nan
    ratio = mean / median if median and np.isfinite(median) and median > 0 else np.full(S, np.nan)
    log_level = np.log1p(np.where(np.isfinite(mean), np.maximum(mean, 0), np.nan))
    centre = np.nanmedian(log_level)
    mad = 1.4826 * np.nanmedian(np.abs(log_level - centre))
    z = (log_level - centre) / max(mad, 0.25)
    aggregate = (ratio >= AGGREGATE_RATIO) & (z > AGGREGATE_Z) if S >= 5 else np.zeros(S, bool)
    aggregate |= _sums_of_others(values, valid, ratio, aggregate)
    if aggregate.any():
        others = np.nansum(np.where(aggregate[:, None], 0.0, values), axis=0)
        for s in np.flatnonzero(aggregate):
            both = valid[s] & (others > 0)
            corr = np.corrcoef(values[s, both], others[both])[0, 1] if both.sum() > 24 else np.nan
            follows = f", follows the sum of the other series (r = {corr:.2f})" if corr > 0.8 else ""
            reasons[s].append(f"far above the others' level ({ratio[s]:.0f} x the median series){follows}")

    # flat: a stuck detector repeats one value hour after hour, a dead one counts nothing, a test channel
    # knows a few values; real counts change from one hour to the next
    prev, cur = values[:, :-1], values[:, 1:]
    pairs = ~np.isnan(prev) & ~np.isnan(cur) & (cur != 0)
    repeat_share = ((cur == prev) & pairs).sum(axis=1) / np.maximum(pairs.sum(axis=1), 1)
    zero_share = (values == 0).sum(axis=1) / np.maximum(n, 1)
    order = np.sort(np.where(valid, np.round(values, 3), np.inf), axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf past the last count
        distinct = ((np.diff(order, axis=1, prepend=-np.inf) != 0) & np.isfinite(order)).sum(axis=1)
    flat = (n >= 24) & ((repeat_share >= FLAT_SHARE) | (zero_share >= 0.95) | (distinct <= FLAT_DISTINCT))
    for s in np.flatnonzero(flat):
        reasons[s].append(
            f"flat: {distinct[s]} distinct value(s), the same count as the hour before in {repeat_share[s]:.0%} "
            f"of its hours, zero in {zero_share[s]:.0%}"
        )

    names = series["station_id"].astype(str)
    for s in np.flatnonzero(names.str.contains(TEST_NAMES, regex=True).to_numpy()):
        reasons[s].append("named as a test or dummy channel")

    rows = [
        {
            "series": s,
            "station_id": str(series["station_id"].iloc[s]),
            "direction_label": str(series["direction_label"].iloc[s]),
            "reason": "; ".join(reasons[s]),
            "mean_count": float(mean[s]) if np.isfinite(mean[s]) else np.nan,
            "level_vs_median": float(ratio[s]) if np.isfinite(ratio[s]) else np.nan,
            "negative_hours": int(negative_hours[s]),
        }
        for s in range(S)
        if reasons[s]
    ]
    columns = ["series", "station_id", "direction_label", "reason", "mean_count", "level_vs_median",
               "negative_hours"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _sums_of_others(
    values: np.ndarray, valid: np.ndarray, ratio: np.ndarray, known: np.ndarray
) -> np.ndarray:
    """Series at least ``SUM_RATIO`` times the median level that the plain sum of some other series
    reproduces on held-out days: a least-squares fit on even days picks the members (weight above one half),
    and their sum must explain ``SUM_R2`` of the series on odd days. Sums of detectors that are in the file;
    an ordinary detector is no sum of whole others, however alike the daily shapes. Needs more hours than
    series."""
    S, T = values.shape
    out = np.zeros(S, bool)
    candidates = np.flatnonzero((ratio >= SUM_RATIO) & ~known & (valid.sum(axis=1) > 96))
    if not len(candidates) or T < 2 * S + 96:
        return out
    X = np.nan_to_num(values, nan=0.0).T.astype(np.float64)  # hours x series
    even = (np.arange(T) // 24) % 2 == 0
    parts = np.setdiff1d(np.flatnonzero(~known), candidates)  # the members may be any other series ...
    # ... but one least-squares fit for all candidates at once: members among the non-candidates
    coef, *_ = np.linalg.lstsq(X[even][:, parts], X[even][:, candidates], rcond=None)
    for k, c in enumerate(candidates):  # the few series far above the median
        members = parts[coef[:, k] > 0.5]  # a sum of detectors: weight one on its members, none elsewhere
        check = ~even & valid[c]
        if not len(members) or not check.any():
            continue
        residual = X[check, c] - X[check][:, members].sum(axis=1)
        total = X[check, c] - X[check, c].mean()
        out[c] = 1 - (residual @ residual) / max(total @ total, 1e-9) >= SUM_R2
    return out


def sentence(table: pd.DataFrame, n_series: int, mode: str) -> str:
    """The line the page shows about the implausible series."""
    if table.empty:
        return (
            f"no implausible series among the {n_series} series (negative counts, far above the others' level, flat, "
            "named as a test)."
        )
    what = "left out of training, forecasts and scores" if mode == "exclude" else "kept (implausible = keep)"
    shown = "; ".join(f"{html.escape(r.station_id)} ({r.reason})" for r in table.head(6).itertuples())
    more = f"; and {len(table) - 6} more" if len(table) > 6 else ""
    return f"{len(table)} of {n_series} series are implausible and {what}: {shown}{more}."
