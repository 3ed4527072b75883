"""Detection on a table of numeric features (contract B), evaluated ADBench-style when labels exist.

:func:`detect_table` fits, on every row and without labels, the unsupervised combination
(``outliers.Combination``) and scikit-learn's default Isolation Forest it must not fall below, as ADBench does
(transductive: the rows scored are the rows fitted; no label is used). With ``label_fraction`` > 0 a
stratified, seeded share of the labels is revealed (as when analysts have reviewed some past alerts): the
semi-supervised score (``outliers.SemiSupervised``) and a logistic regression are trained on the revealed
rows, and every score is evaluated on the rows whose labels were NOT revealed.

:func:`table_claims` makes the comparisons the pages state (:mod:`livinglab.claims`): the unsupervised
combination against the default Isolation Forest (ROC-AUC and PR-AUC), and with revealed labels the
semi-supervised blend against the unsupervised combination and against a logistic regression on the same
labels. Intervals resample whole groups when a group column exists, else blocks of time
(``livinglab.trust.time_blocks``: the data's own span cut in ``N_TIME_BLOCKS`` equal parts), else rows.
Precision at the analysts' daily budget counts the ``alerts_per_day`` highest scores of each day (without a
time column the whole table is one batch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from livinglab.claims import Claim, compare

from ..data import FeatureTable
from . import evaluation as ev
from .outliers import (
    MIN_ANOMALIES,
    Combination,
    OutlierError,
    SemiSupervised,
    default_iforest,
    fit_logistic,
    reveal_labels,
)

N_TIME_BLOCKS = 20
UNSUPERVISED_NAME = "the unsupervised combination (PyOD Isolation Forest + Gaussian mixture)"
SEMI_NAME = "the semi-supervised blend (ExtraTrees on the revealed labels + the unsupervised combination)"
IFOREST_NAME = "scikit-learn's default Isolation Forest"
LOGISTIC_NAME = "a logistic regression on the same revealed labels"
SCORE_NAMES = {
    "score_semisupervised": SEMI_NAME,
    "score_unsupervised": UNSUPERVISED_NAME,
    "score_iforest": IFOREST_NAME,
    "score_lr": LOGISTIC_NAME,
}


@dataclass
class TableDetection:
    mode: str  # "unsupervised" or "semi-supervised"
    scores: pd.DataFrame  # one row per table row: score columns, label, revealed, evaluated, day, alerts
    combination: Combination
    semi: SemiSupervised | None
    timings: dict
    notes: list[str] = field(default_factory=list)

    @property
    def model_column(self) -> str:
        return "score_semisupervised" if self.semi is not None else "score_unsupervised"

    @property
    def evaluated(self) -> pd.DataFrame:
        return self.scores[self.scores["evaluated"]]

    @property
    def has_labels(self) -> bool:
        if "label" not in self.scores:
            return False
        y = self.evaluated["label"]
        return 0 < int(y.sum()) < len(y)

    @property
    def detectors(self) -> dict[str, str]:
        return {c: n for c, n in SCORE_NAMES.items() if c in self.scores}


def interval_groups(table: FeatureTable, rows: np.ndarray) -> tuple[np.ndarray | None, str, str]:
    """Resampling units for the intervals of ``rows``: the units, their name and a sentence saying which."""
    from livinglab.trust import time_blocks

    if table.group is not None:
        groups = table.group.to_numpy()[rows]
        n = pd.Series(groups).nunique()
        return groups, "groups", f"whole groups resampled ({n:,} groups)"
    if table.time is not None:
        times = table.time.to_numpy()[rows]
        block = (pd.Timestamp(times.max()) - pd.Timestamp(times.min())) / N_TIME_BLOCKS
        return (
            time_blocks(times, N_TIME_BLOCKS),
            "time blocks",
            (
                f"blocks of time resampled ({N_TIME_BLOCKS} blocks of {_duration(block)}, the data's span cut in "
                f"{N_TIME_BLOCKS})"
            ),
        )
    return None, "rows", "rows resampled (the table has no time or group column)"


def _duration(delta: pd.Timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def detect_table(
    table: FeatureTable, *, label_fraction: float = 0.0, alerts_per_day: int = 30, seed: int = 0
) -> TableDetection:
    """Unsupervised (and with ``label_fraction``, semi-supervised) scores of every row, and the daily alerts."""
    if alerts_per_day < 1:
        raise OutlierError(f"alerts_per_day must be at least 1, got {alerts_per_day}.")
    notes: list[str] = []
    X = table.features.to_numpy(dtype="float64")
    y = None if table.label is None else table.label.to_numpy().astype(int)
    timings = {}
    t0 = time.perf_counter()
    combination = Combination.fit(X, list(table.features.columns), seed=seed)
    unsupervised = combination.training_score() if combination.fitted_on_all else combination.score(X)
    timings["unsupervised_fit_score_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iforest = default_iforest(X, seed=seed)
    timings["iforest_s"] = time.perf_counter() - t0
    frame = pd.DataFrame({"score_unsupervised": unsupervised, "score_iforest": iforest})
    revealed = np.zeros(len(X), dtype=bool)
    semi = None
    if label_fraction and y is None:
        notes.append(
            f"label_fraction {label_fraction} asks for labels, but the table has none: unsupervised detection only."
        )
    elif label_fraction:
        revealed = reveal_labels(y, label_fraction, seed=seed)
        t0 = time.perf_counter()
        semi = SemiSupervised.fit(X, y, revealed, unsupervised, seed=seed)
        blend = np.full(len(X), np.nan)
        blend[~revealed] = semi.score(X[~revealed], unsupervised[~revealed])
        timings["semi_supervised_fit_score_s"] = time.perf_counter() - t0
        frame["score_semisupervised"] = blend
        notes.append(semi.note)
        y_rev = y[revealed]
        if 0 < y_rev.sum() < len(y_rev):
            lr = fit_logistic(X[revealed], y_rev, seed=seed)
            lr_score = np.full(len(X), np.nan)
            lr_score[~revealed] = lr.score(X[~revealed])
            frame["score_lr"] = lr_score
    mode = "semi-supervised" if semi is not None else "unsupervised"
    frame["score"] = frame["score_semisupervised" if semi is not None else "score_unsupervised"]
    frame["revealed"] = revealed
    frame["evaluated"] = ~revealed
    if y is not None:
        frame["label"] = y
    if table.time is not None:
        frame["time"] = table.time.to_numpy()
        frame["day"] = pd.to_datetime(frame["time"]).dt.normalize()
    else:
        frame["day"] = pd.Timestamp(0)  # one batch
    if table.group is not None:
        frame["group"] = table.group.to_numpy()
    timings["fit_score_s"] = timings["unsupervised_fit_score_s"] + timings.get(
        "semi_supervised_fit_score_s", 0.0
    )
    ev_rows = frame["evaluated"].to_numpy()
    for col in ("score", *SCORE_NAMES):
        if col not in frame:
            continue
        alert = np.zeros(len(frame), dtype=bool)
        alert[ev_rows] = ev.alerts_at_budget(
            frame.loc[ev_rows, col].to_numpy(), frame.loc[ev_rows, "day"].to_numpy(), alerts_per_day
        )
        frame["alerted" + col.removeprefix("score")] = alert
    return TableDetection(mode, frame, combination, semi, timings, notes)


def table_metrics(det: TableDetection, table: FeatureTable, *, alerts_per_day: int) -> dict:
    """What the run records beside the claims (deterministic)."""
    frame = det.scores
    ev_rows = frame["evaluated"].to_numpy()
    m: dict = {
        "rows": int(len(frame)),
        "detection_mode": det.mode,
        "n_features": int(table.features.shape[1]),
        "rows_evaluated": int(ev_rows.sum()),
        "alerts_per_day": int(alerts_per_day),
    }
    if table.time is not None:
        m["hours_spanned"] = float((table.time.max() - table.time.min()) / pd.Timedelta(hours=1))
    if table.group is not None:
        m["groups"] = int(table.group.nunique())
    if table.label is not None:
        m["anomalies"] = int(table.label.sum())
    if det.semi is not None:
        m |= {
            "label_fraction": float(det.semi.n_revealed / len(frame)),
            "n_revealed": int(det.semi.n_revealed),
            "n_revealed_anomalies": int(det.semi.n_revealed_anomalies),
            "semi_weight": float(det.semi.weight),
            "semi_min_anomalies": MIN_ANOMALIES,
        }
    if "label" not in frame:
        m["evaluation"] = "none: the table has no label"
        return m
    if not det.has_labels:
        m["evaluation"] = "none: the evaluated rows hold a single class"
        return m
    y = frame.loc[ev_rows, "label"].to_numpy()
    _, _, method = interval_groups(table, np.flatnonzero(ev_rows))
    m |= {
        "evaluation": "on the rows whose labels were not revealed" if det.semi else "on all rows scored",
        "interval_method": method,
        "anomalies_evaluated": int(y.sum()),
        "prevalence": float(y.mean()),
    }
    for col in det.detectors:
        suffix = col.removeprefix("score")
        s = frame.loc[ev_rows, col].to_numpy()
        m[f"roc_auc{suffix}"] = ev.roc_auc(y, s)
        m[f"pr_auc{suffix}"] = ev.pr_auc(y, s)
        m[f"precision_at_budget{suffix}"] = ev.budget_metrics(y, frame.loc[ev_rows, "alerted" + suffix])[
            "precision"
        ]
    return m


def table_claims(det: TableDetection, table: FeatureTable, *, n_boot: int, seed: int) -> list[Claim]:
    """Every comparison the feature table's pages state, each once (see the module docstring)."""
    frame = det.scores
    rows = np.flatnonzero(frame["evaluated"].to_numpy())
    if not det.has_labels:
        reason = "no baseline: the table has no label" if "label" not in frame else "a single class evaluated"
        nan = float("nan")
        label = "ROC-AUC of the unsupervised combination"
        return [Claim("roc_auc_unsupervised", "roc_auc", label, UNSUPERVISED_NAME, reason, nan, nan, nan, nan,
                      "nothing evaluated", 0, 0)]  # fmt: skip
    groups, unit, _ = interval_groups(table, rows)
    y = frame["label"].to_numpy()[rows]
    split = (
        "evaluated on the rows whose labels were not revealed"
        if det.semi is not None
        else "transductive: fitted and scored on every row, as ADBench does"
    )
    common = {"groups": groups, "unit": unit, "n_boot": n_boot, "seed": seed, "split": split}

    def score(col: str) -> np.ndarray:
        return frame[col].to_numpy()[rows]

    claims = [
        compare(
            f"{metric}_unsupervised",
            metric,
            fn,
            y,
            score("score_unsupervised"),
            score("score_iforest"),
            label=f"{title} of the unsupervised detector (no label used)",
            model=UNSUPERVISED_NAME,
            baseline=IFOREST_NAME,
            **common,
        )  # fmt: skip
        for metric, fn, title in (("roc_auc", ev.roc_auc, "ROC-AUC"), ("pr_auc", ev.pr_auc, "PR-AUC"))
    ]
    if det.semi is not None:
        label = f"ROC-AUC with {det.semi.n_revealed:,} labels revealed ({det.semi.n_revealed_anomalies} anomalies)"
        claims.append(
            compare(
                "roc_auc_semisupervised",
                "roc_auc",
                ev.roc_auc,
                y,
                score("score_semisupervised"),
                score("score_unsupervised"),
                label=label,
                model=SEMI_NAME,
                baseline=UNSUPERVISED_NAME,
                **common,
            )  # fmt: skip
        )
        if "score_lr" in frame:
            claims.append(
                compare(
                    "roc_auc_semi_vs_logistic",
                    "roc_auc",
                    ev.roc_auc,
                    y,
                    score("score_semisupervised"),
                    score("score_lr"),
                    label=label,
                    model=SEMI_NAME,
                    baseline=LOGISTIC_NAME,
                    **common,
                )  # fmt: skip
            )
    return claims


def detector_table(det: TableDetection, *, alerts_per_day: int) -> pd.DataFrame | None:
    """One row per detector: ROC-AUC, PR-AUC, precision of its daily alerts (point values; the comparisons
    with their intervals are the claims)."""
    if not det.has_labels:
        return None
    frame = det.evaluated
    y = frame["label"].to_numpy()
    rows = []
    for col, name in det.detectors.items():
        rows.append(
            {
                "detector": name + (" (the model)" if col == det.model_column else ""),
                "roc_auc": ev.roc_auc(y, frame[col]),
                "pr_auc": ev.pr_auc(y, frame[col]),
                f"precision_at_{alerts_per_day}_a_day": ev.budget_metrics(
                    y, frame["alerted" + col.removeprefix("score")]
                )["precision"],
            }
        )
    return pd.DataFrame(rows)
