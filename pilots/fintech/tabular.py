"""Detection on a table of numeric features (contract B), evaluated ADBench-style when labels exist.

``run_table_detection`` fits, on every row and without labels, the unsupervised combination
(``outliers.Combination``) and the default Isolation Forest it must not fall below, as ADBench does
(transductive: the rows scored are the rows fitted; no label is used). With ``label_fraction`` > 0 a
stratified, seeded share of the labels is revealed (as when analysts have reviewed some past alerts): the
semi-supervised score (``outliers.SemiSupervised``) and a logistic regression are trained on the revealed
rows, and every score is evaluated on the rows whose labels were NOT revealed.

Evaluation (when a label exists): ROC-AUC and PR-AUC with bootstrap intervals, the paired interval of the
model minus each baseline, and precision at the analysts' daily budget (the ``alerts_per_day`` highest
scores of each day; without a time column the whole table is one batch). Intervals resample whole groups
when a group column exists, else blocks of time (``livinglab.trust.time_blocks``: the data's own span cut in
``n_blocks`` equal parts), else rows; ``interval_method`` says which.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import evaluation as ev
from .data import FintechData
from .outliers import (
    Combination,
    OutlierError,
    SemiSupervised,
    default_iforest,
    deviation_reasons,
    fit_logistic,
    reveal_labels,
)

N_TIME_BLOCKS = 20

SCORE_NAMES = {
    "score": "the model",
    "score_unsupervised": "unsupervised combination (Isolation Forest + Gaussian mixture, PyOD)",
    "score_iforest": "Isolation Forest (scikit-learn defaults)",
    "score_lr": "logistic regression on the revealed labels",
}


@dataclass
class TableRun:
    data: FintechData
    mode: str  # "unsupervised" or "semi-supervised"
    scores: pd.DataFrame  # one row per table row: score columns, label, revealed, evaluated, day
    combination: Combination
    semi: SemiSupervised | None
    metrics: dict
    timings: dict
    notes: list[str] = field(default_factory=list)
    cis: dict = field(default_factory=dict)
    interval_method: str = ""

    @property
    def evaluated(self) -> pd.DataFrame:
        return self.scores[self.scores["evaluated"]]

    @property
    def baselines(self) -> list[str]:
        return [
            c
            for c in ("score_unsupervised", "score_iforest", "score_lr")
            if c in self.scores and c != "score"
        ]


def interval_groups(
    data: FintechData, rows: np.ndarray, n_blocks: int = N_TIME_BLOCKS
) -> tuple[np.ndarray | None, str]:
    """Resampling units for the intervals of ``rows`` and a sentence saying which."""
    from livinglab.trust import time_blocks

    if data.group is not None:
        groups = data.group.to_numpy()[rows]
        return groups, f"whole groups resampled ({pd.Series(groups).nunique():,} groups)"
    if data.time is not None:
        times = data.time.to_numpy()[rows]
        span = pd.Timestamp(times.max()) - pd.Timestamp(times.min())
        block = span / n_blocks
        return time_blocks(times, n_blocks), (
            f"blocks of time resampled ({n_blocks} blocks of {_duration(block)}, the data's span cut in {n_blocks})"
        )
    return None, "rows resampled (the table has no time or group column)"


def _duration(delta: pd.Timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def run_table_detection(
    data: FintechData,
    *,
    label_fraction: float = 0.0,
    alerts_per_day: int = 50,
    n_boot: int = 200,
    seed: int = 0,
) -> TableRun:
    """Unsupervised (and with ``label_fraction``, semi-supervised) scores of every row, evaluated when labelled."""
    if data.kind != "features":
        raise OutlierError(
            "run_table_detection takes a feature table (contract B); ledgers go to run_detection."
        )
    if alerts_per_day < 1:
        raise OutlierError(f"alerts_per_day must be at least 1, got {alerts_per_day}.")
    notes: list[str] = []
    X = data.features.to_numpy(dtype="float64")
    columns = list(data.features.columns)
    y = None if data.label is None else data.label.to_numpy().astype(int)
    timings = {}
    t0 = time.perf_counter()
    combination = Combination.fit(X, columns, seed=seed)
    unsupervised = combination.training_score() if combination.fitted_on_all else combination.score(X)
    timings["unsupervised_fit_score_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iforest = default_iforest(X, seed=seed)
    timings["iforest_s"] = time.perf_counter() - t0
    frame = pd.DataFrame({"score_unsupervised": unsupervised, "score_iforest": iforest})
    revealed = np.zeros(len(X), dtype=bool)
    semi = None
    mode = "unsupervised"
    if label_fraction and y is None:
        notes.append(
            f"label_fraction {label_fraction} asks for labels, but the table has none: unsupervised detection only."
        )
    elif label_fraction:
        mode = "semi-supervised"
        revealed = reveal_labels(y, label_fraction, seed=seed)
        t0 = time.perf_counter()
        semi = SemiSupervised.fit(X, y, revealed, unsupervised, seed=seed)
        model = np.full(len(X), np.nan)
        model[~revealed] = semi.score(X[~revealed], unsupervised[~revealed])
        timings["semi_supervised_fit_score_s"] = time.perf_counter() - t0
        frame["score"] = model
        notes.append(semi.note)
        y_rev = y[revealed]
        if 0 < y_rev.sum() < len(y_rev):
            lr = fit_logistic(X[revealed], y_rev, seed=seed)
            lr_score = np.full(len(X), np.nan)
            lr_score[~revealed] = lr.score(X[~revealed])
            frame["score_lr"] = lr_score
    if "score" not in frame:
        frame["score"] = unsupervised
    frame["revealed"] = revealed
    frame["evaluated"] = ~revealed
    if y is not None:
        frame["label"] = y
    if data.time is not None:
        frame["time"] = data.time.to_numpy()
        frame["day"] = pd.to_datetime(frame["time"]).dt.normalize()
    else:
        frame["day"] = pd.Timestamp(0)  # one batch
    if data.group is not None:
        frame["group"] = data.group.to_numpy()
    timings["fit_score_s"] = timings["unsupervised_fit_score_s"] + timings.get(
        "semi_supervised_fit_score_s", 0.0
    )
    for col in ("score", *[c for c in ("score_unsupervised", "score_iforest", "score_lr") if c in frame]):
        alert = np.zeros(len(frame), dtype=bool)
        ev_rows = frame["evaluated"].to_numpy()
        alert[ev_rows] = ev.alerts_at_budget(
            frame.loc[ev_rows, col].to_numpy(), frame.loc[ev_rows, "day"].to_numpy(), alerts_per_day
        )
        frame["alerted" if col == "score" else "alerted_" + col.removeprefix("score_")] = alert
    run = TableRun(data, mode, frame, combination, semi, {}, timings, notes)
    run.metrics = table_metrics(run, alerts_per_day=alerts_per_day, n_boot=n_boot, seed=seed)
    return run


def table_metrics(run: TableRun, *, alerts_per_day: int, n_boot: int, seed: int) -> dict:
    """What the run records (the evaluation part only when labels exist)."""
    from livinglab.trust import bootstrap_ci, bootstrap_difference_ci

    frame, data = run.scores, run.data
    ev_rows = frame["evaluated"].to_numpy()
    m: dict = {
        "rows": int(len(frame)),
        "data_kind": "features",
        "detection_mode": run.mode,
        "n_features": int(data.features.shape[1]),
        "rows_evaluated": int(ev_rows.sum()),
        "alerts_per_day": int(alerts_per_day),
        "fit_score_s": round(run.timings["fit_score_s"], 2),
        "unsupervised_fit_score_s": round(run.timings["unsupervised_fit_score_s"], 2),
    }
    if run.semi is not None:
        m.update(
            label_fraction=float(run.semi.n_revealed / len(frame)),
            n_revealed=int(run.semi.n_revealed),
            n_revealed_anomalies=int(run.semi.n_revealed_anomalies),
            semi_weight=float(run.semi.weight),
            semi_note=run.semi.note,
        )
    if "label" not in frame:
        m["evaluation"] = "none: the table has no label"
        return m
    y = frame.loc[ev_rows, "label"].to_numpy()
    if y.sum() == 0 or y.sum() == len(y):
        m["evaluation"] = "none: the evaluated rows hold a single class"
        return m
    groups, method = interval_groups(data, np.flatnonzero(ev_rows))
    run.interval_method = method
    m.update(
        evaluation=(
            "on the rows whose labels were not revealed" if run.semi is not None else "on all rows scored"
        ),
        interval_method=method,
        anomalies_evaluated=int(y.sum()),
        prevalence=float(y.mean()),
    )
    names = {
        "score": "",
        "score_unsupervised": "_unsupervised",
        "score_iforest": "_iforest",
        "score_lr": "_lr",
    }
    for col, suffix in names.items():
        if col not in frame or (col == "score_unsupervised" and run.semi is None):
            continue  # unsupervised mode: the model is the unsupervised combination
        s = frame.loc[ev_rows, col].to_numpy()
        m[f"roc_auc{suffix}"] = ev.roc_auc(y, s)
        m[f"pr_auc{suffix}"] = ev.pr_auc(y, s)
        alerted = frame.loc[ev_rows, "alerted" + ("_" + suffix[1:] if suffix else "")].to_numpy()
        m[f"precision_at_budget{suffix}"] = ev.budget_metrics(y, alerted)["precision"]
        for metric, fn in (("roc_auc", ev.roc_auc), ("pr_auc", ev.pr_auc)):
            ci = bootstrap_ci(fn, y, s, groups=groups, n_boot=n_boot, seed=seed)
            run.cis[f"{metric}{suffix}"] = ci
            m[f"{metric}{suffix}_ci_low"], m[f"{metric}{suffix}_ci_high"] = ci.low, ci.high
    if run.semi is not None:
        m["roc_auc_semisupervised"] = m["roc_auc"]
    model = frame.loc[ev_rows, "score"].to_numpy()
    for col, suffix in names.items():
        if col == "score" or col not in frame or (col == "score_unsupervised" and run.semi is None):
            continue
        base = frame.loc[ev_rows, col].to_numpy()
        for metric, fn in (("roc_auc", ev.roc_auc), ("pr_auc", ev.pr_auc)):
            d = bootstrap_difference_ci(fn, y, model, base, groups=groups, n_boot=n_boot, seed=seed)
            run.cis[f"{metric}_minus{suffix}"] = d
            m[f"{metric}_minus{suffix}"] = d.estimate
            m[f"{metric}_minus{suffix}_ci_low"], m[f"{metric}_minus{suffix}_ci_high"] = d.low, d.high
    m["strongest_baseline"] = max(
        (
            c
            for c in ("iforest", "lr", "unsupervised")
            if f"roc_auc_{c}" in m and (c != "unsupervised" or run.semi)
        ),
        key=lambda c: m[f"roc_auc_{c}"],
    )
    return m


def table_queue(run: TableRun, *, size: int = 15, n_reasons: int = 3) -> pd.DataFrame:
    """The highest-scored rows not yet reviewed (the last day when a time column exists), with reasons."""
    frame = run.scores[run.scores["evaluated"]]
    if "time" in frame:
        frame = frame[frame["day"] == frame["day"].max()]
    top = frame.sort_values("score", ascending=False).head(size)
    X = run.data.features
    reasons = deviation_reasons(X.loc[top.index].to_numpy(), X.to_numpy(), list(X.columns), k=n_reasons)
    queue = pd.DataFrame({"rank": np.arange(1, len(top) + 1), "row": top.index.to_numpy() + 1})
    if "time" in top:
        fmt = "%H:%M:%S" if run.data.time_in_seconds else "%Y-%m-%d %H:%M"
        queue["time"] = pd.to_datetime(top["time"]).dt.strftime(fmt).to_numpy()
    queue["score"] = top["score"].round(4).to_numpy()
    queue["reasons"] = reasons
    if "label" in top:
        queue["outcome"] = np.where(top["label"].to_numpy() == 1, "anomaly", "normal")
    return queue


def comparison_table(run: TableRun) -> pd.DataFrame:
    """One row per detector: ROC-AUC and PR-AUC with intervals, precision at the budget."""
    m = run.metrics
    rows = []
    for col, suffix in (
        ("score", ""),
        ("score_unsupervised", "_unsupervised"),
        ("score_iforest", "_iforest"),
        ("score_lr", "_lr"),
    ):
        if f"roc_auc{suffix}" not in m or (col == "score_unsupervised" and run.semi is None):
            continue
        name = (
            SCORE_NAMES[col]
            if col != "score"
            else (
                "semi-supervised (ExtraTrees on revealed labels + unsupervised)"
                if run.semi
                else SCORE_NAMES["score_unsupervised"]
            )
        )
        rows.append(
            {
                "detector": name,
                "roc_auc": m[f"roc_auc{suffix}"],
                "roc_auc_ci": f"[{m[f'roc_auc{suffix}_ci_low']:.3f}, {m[f'roc_auc{suffix}_ci_high']:.3f}]",
                "pr_auc": m[f"pr_auc{suffix}"],
                "pr_auc_ci": f"[{m[f'pr_auc{suffix}_ci_low']:.3f}, {m[f'pr_auc{suffix}_ci_high']:.3f}]",
                f"precision_at_{m['alerts_per_day']}_a_day": m[f"precision_at_budget{suffix}"],
            }
        )
    return pd.DataFrame(rows)
