"""A synthetic table of numeric features with labelled anomalies (the feature-table design's stand-in).

Shaped like the tables partners and benchmarks send (one row per transaction or entity, anonymised numeric
features, an amount, a time, a 0/1 label): ``n_features`` features driven by two latent factors (so they are
correlated, as principal components of card data are not but raw behaviour features are), in two modes (two
kinds of customer), a log-normal amount tied to the first factor, and times over two days with a daily
rhythm. Three kinds of anomaly, a third each, each with a blind spot of one detector:

- **extreme**: one or two features far outside their range (4-7 standard deviations): what an Isolation
  Forest isolates quickly;
- **broken correlation**: every feature inside its usual range, drawn independently of the others, so the
  factor structure is broken: what a Gaussian mixture sees and axis-parallel trees miss;
- **cluster**: a small, tight group of rows at an unusual but not extreme place (masking: each looks less
  isolated because of the others).

Everything is an ASSUMPTION of the pilot, made to exercise the code and the page; numbers on it say nothing
about a real table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINDS = ("extreme", "broken correlation", "cluster")


def make_feature_table(
    n_rows: int = 20_000,
    *,
    anomaly_rate: float = 0.01,
    n_features: int = 8,
    seed: int = 0,
    start: str = "2026-01-05",
) -> pd.DataFrame:
    """Columns ``f1..f<n_features>``, ``amount``, ``time`` (date-time text, sorted), ``label`` (1 = anomaly)
    and ``anomaly_kind`` (the truth, text: left out of the features by the pilot)."""
    if n_rows < 500:
        raise ValueError(f"n_rows must be at least 500, got {n_rows}.")
    if not 0 < anomaly_rate <= 0.2:
        raise ValueError(f"anomaly_rate must be above 0 and at most 0.2, got {anomaly_rate}.")
    rng = np.random.default_rng(seed)
    n_anom = max(3, int(round(n_rows * anomaly_rate)))
    n_norm = n_rows - n_anom
    loadings = rng.normal(0, 1, (2, n_features))
    noise = 0.35

    def normal_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
        mode = rng.random(n) < 0.35
        factors = rng.normal(0, 1, (n, 2)) + np.where(mode[:, None], [2.5, -1.5], [0.0, 0.0])
        return factors @ loadings + rng.normal(0, noise, (n, n_features)), factors[:, 0]

    X, f0 = normal_rows(n_norm)
    mean, sd = X.mean(axis=0), X.std(axis=0)
    kind = rng.integers(0, len(KINDS), n_anom)
    A, a0 = normal_rows(n_anom)
    extreme = kind == 0
    for row in np.flatnonzero(extreme):  # one or two features pushed far out
        cols = rng.choice(n_features, size=rng.integers(1, 3), replace=False)
        A[row, cols] = mean[cols] + rng.choice([-1, 1], len(cols)) * rng.uniform(4, 7, len(cols)) * sd[cols]
    broken = kind == 1
    A[broken] = mean + rng.uniform(-1.6, 1.6, (int(broken.sum()), n_features)) * sd
    cluster = kind == 2
    centre = mean + rng.choice([-1, 1], n_features) * 2.2 * sd
    A[cluster] = centre + rng.normal(0, 0.15, (int(cluster.sum()), n_features)) * sd
    features = np.vstack([X, A])
    label = np.r_[np.zeros(n_norm, np.int8), np.ones(n_anom, np.int8)]
    amount = np.exp(3.5 + 0.6 * np.r_[f0, a0] + rng.normal(0, 0.8, n_rows))
    amount[n_norm:][extreme] *= rng.uniform(1, 20, int(extreme.sum()))
    hours = rng.choice(48, size=n_rows, p=_hour_weights())
    seconds = hours * 3600 + rng.integers(0, 3600, n_rows)
    order = np.argsort(seconds, kind="stable")
    frame = pd.DataFrame(features[order], columns=[f"f{i + 1}" for i in range(n_features)])
    frame["amount"] = np.round(amount[order], 2)
    times = pd.Timestamp(start) + pd.to_timedelta(seconds[order], unit="s")
    frame["time"] = pd.array(times.strftime("%Y-%m-%d %H:%M:%S"), dtype="string")
    frame["label"] = label[order]
    truth = np.r_[np.full(n_norm, "none", dtype=object), np.array(KINDS, dtype=object)[kind]]
    frame["anomaly_kind"] = pd.array(truth[order], dtype="string")
    return frame


def _hour_weights() -> np.ndarray:
    """Two days of a daily rhythm: quiet at night, busy from morning to evening."""
    day = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 10, 11, 10, 10, 10, 10, 10, 9, 8, 6, 4, 3, 2], float)
    both = np.r_[day, day]
    return both / both.sum()
