"""Figures of the fintech notebooks (matplotlib), each readable in a few seconds; drawn from a result's values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from ..model.evaluation import CostChoice


def plot_ledger_overview(daily: pd.DataFrame, hourly: pd.Series):
    """Daily volume by channel and the hour-of-day profile: the rhythms of the ledger (``data.LedgerOverview``)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
    daily.plot.area(ax=axes[0], linewidth=0, alpha=0.85)
    axes[0].set(title="Transactions per day by channel", xlabel="", ylabel="transactions")
    axes[0].legend(fontsize=7, loc="upper left", ncol=2)
    axes[1].bar(hourly.index, hourly.to_numpy(), color="#4c72b0")
    axes[1].set(title="Transactions by hour of day", xlabel="hour", ylabel="transactions")
    fig.tight_layout()
    return fig


def plot_pr_curves(
    frame: pd.DataFrame, detectors: dict[str, str], *, title: str, prevalence: float | None = None
):
    """Precision-recall curves of the detectors on the scored rows (``label`` and one column per detector)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.3))
    y = frame["label"].to_numpy()
    for col, name in detectors.items():  # a handful of curves
        precision, recall, _ = precision_recall_curve(y, frame[col].to_numpy())
        ax.step(recall, precision, where="post", label=name, lw=2.2 if col == "score" else 1.3)
    base = prevalence if prevalence is not None else float(y.mean())
    ax.axhline(base, color="grey", ls=":", label=f"share of positives ({base:.2%})")
    ax.set(
        xlabel="recall (share of frauds/anomalies found)",
        ylabel="precision (share of alerts that are right)",
        title=title,
        ylim=(0, 1.02),
    )
    ax.legend(fontsize=7.5)
    fig.tight_layout()
    return fig


def plot_baseline_differences(rows: pd.DataFrame, *, title: str):
    """The model minus each baseline with its paired bootstrap interval (``baseline``, ``estimate``, ``low``,
    ``high`` per row, from the claims): green when the interval is above zero, red below, grey otherwise."""
    fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(rows) + 1.2))
    pos = np.arange(len(rows))
    est = rows["estimate"].to_numpy()
    err = np.vstack([est - rows["low"].to_numpy(), rows["high"].to_numpy() - est])
    colors = np.where(
        rows["low"].to_numpy() > 0, "#55a868", np.where(rows["high"].to_numpy() < 0, "#c44e52", "#8c8c8c")
    )
    ax.barh(pos, est, xerr=np.clip(err, 0, None), color=colors, height=0.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(pos, rows["baseline"])
    ax.set(xlabel="model minus baseline (95% paired bootstrap interval)", title=title)
    fig.tight_layout()
    return fig


def plot_cost_curve(curve: pd.DataFrame, choice: CostChoice, n_days: float, capacity: int):
    """Expected cost on the validation window against the number of alerts a day, with the analysts' capacity;
    the uncapped cost optimum is marked as such (it is not what the analysts would get above the capacity)."""
    fig, ax = plt.subplots(figsize=(6.2, 3.8))
    days = max(n_days, 1e-9)
    per_day = curve["n_alerts"].to_numpy() / days
    optimum = choice.n_alerts / days
    keep = per_day <= max(1.5 * max(optimum, capacity), 50)
    ax.plot(per_day[keep], curve["total_cost"].to_numpy()[keep] / 1000, label="review cost + fraud loss")
    ax.plot(per_day[keep], curve["fraud_loss"].to_numpy()[keep] / 1000, ls="--", label="fraud loss only")
    ax.axvspan(capacity, per_day[keep].max(initial=capacity), color="grey", alpha=0.15,
               label=f"beyond the analysts' capacity ({capacity} a day)")  # fmt: skip
    ax.axvline(
        min(optimum, capacity),
        color="crimson",
        lw=1.6,
        label=f"operating point: {min(optimum, capacity):.0f} a day",
    )
    if optimum > capacity:
        ax.axvline(
            optimum,
            color="crimson",
            ls=":",
            label=f"uncapped cost optimum ({optimum:.0f} a day, not reachable)",
        )
    ax.set(
        xlabel="alerts per day",
        ylabel="thousand EUR (validation window)",
        title="Expected cost and the analysts' capacity",
    )
    ax.legend(fontsize=7.5)
    fig.tight_layout()
    return fig


def plot_segment_alert_share(table: pd.DataFrame):
    """Alert share and fraud share per customer segment, with intervals."""
    fig, ax = plt.subplots(figsize=(6.2, 3.2))
    pos = np.arange(len(table))
    for offset, metric, color in ((-0.2, "alert_share", "#dd8452"), (0.2, "fraud_share", "#4c72b0")):
        values = table[metric].to_numpy() * 100
        err = np.vstack(
            [
                values - table[f"{metric}_low"].to_numpy() * 100,
                table[f"{metric}_high"].to_numpy() * 100 - values,
            ]
        )
        ax.barh(
            pos + offset,
            values,
            height=0.38,
            xerr=np.clip(err, 0, None),
            color=color,
            label=metric.replace("_", " ") + " (%)",
        )
    ax.set_yticks(pos, table["group"])
    ax.set(
        xlabel="% of the segment's test transactions", title="Who gets flagged (alerts at the daily budget)"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
