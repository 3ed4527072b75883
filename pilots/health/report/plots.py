"""Figures of the health pilot (matplotlib). None of them labels a participant.

Individual trajectories (spaghetti) are drawn only for synthetic data; for real data the trajectory
figure shows percentile bands per time bin over at least ``min_cell`` people instead, so no single
person's record is rendered.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from livinglab.claims import fmt

COLORS = ["#1f5f8b", "#c8553d", "#2a9d8f", "#8d6cab", "#e9a03b", "#6b705c"]


def save(fig, name: str, directory: Path | None = None) -> None:
    """Save a figure as ``<name>.png`` into the run's output folder (``livinglab.output_dir()``).

    Returns nothing, so a notebook cell ending with it shows the figure, not a local path."""
    import livinglab

    fig.savefig(Path(directory or livinglab.output_dir()) / f"{name}.png", dpi=110, bbox_inches="tight")


def calibration(comparison: pd.DataFrame):
    """Synthetic vs published baseline figures, as ratios to the published value (1 = on target)."""
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(comparison) + 1.2))
    ratio = comparison["synthetic"] / comparison["published"]
    # bars drawn from 1 (on target), the axis wide enough for every ratio: one at 0.5 was drawn from 0 and
    # vanished below the axis's old fixed start at 0.5
    ax.barh(comparison["figure"], ratio - 1.0, left=1.0, color=COLORS[0], alpha=0.8)
    ax.axvline(1.0, color="k", lw=1)
    finite = ratio[np.isfinite(ratio)]
    low, high = (
        min(0.5, float(finite.min()) if len(finite) else 0.5),
        max(1.5, float(finite.max()) if len(finite) else 1.5),
    )
    ax.set_xlim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    ax.set_xlabel("synthetic / published (1 = on target)")
    ax.set_title("Calibration of the SYNTHETIC cohort to published figures")
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def trajectories(
    visits: pd.DataFrame,
    outcome: str,
    label: str,
    mean_curve: pd.DataFrame,
    *,
    individual: bool,
    n_lines: int = 40,
    seed: int = 0,
    min_cell: int = 5,
    subject: str = "pid",
    time: str = "years",
):
    """Spaghetti (synthetic) or percentile bands (real) with the mixed model's mean trajectory."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    data = visits.dropna(subset=[outcome])
    if individual:
        ids = data[subject].drop_duplicates().sample(min(n_lines, data[subject].nunique()), random_state=seed)
        sample = data[data[subject].isin(ids)].sort_values([subject, time])
        # one polyline per participant drawn in a single call: NaN rows separate the lines
        sample = sample.assign(_sep=0)
        breaks = (
            sample.groupby(subject, sort=False).tail(1).assign(**{time: np.nan, outcome: np.nan, "_sep": 1})
        )
        joined = pd.concat([sample, breaks]).sort_values([subject, "_sep", time], kind="stable")
        ax.plot(joined[time], joined[outcome], color="0.55", lw=0.7, alpha=0.6)
        ax.plot([], [], color="0.55", lw=0.7, label=f"{len(ids)} random SYNTHETIC participants")
    else:
        edges = np.linspace(data[time].min(), data[time].max(), 8)
        bins = pd.cut(data[time], edges, include_lowest=True)
        stats = data.groupby(bins, observed=True).agg(
            mid=(time, "median"),
            n=(subject, "nunique"),
            p10=(outcome, lambda s: s.quantile(0.1)),
            p50=(outcome, "median"),
            p90=(outcome, lambda s: s.quantile(0.9)),
        )
        stats = stats[stats["n"] >= min_cell]
        ax.fill_between(
            stats["mid"], stats["p10"], stats["p90"], color="0.8", label="10th-90th percentile (binned)"
        )
        ax.plot(stats["mid"], stats["p50"], color="0.4", lw=1.5, ls="--", label="median (binned)")
    ax.fill_between(mean_curve["years"], mean_curve["low"], mean_curve["high"], color=COLORS[1], alpha=0.25)
    ax.plot(
        mean_curve["years"],
        mean_curve["mean"],
        color=COLORS[1],
        lw=2.5,
        label="mixed model: population mean (95% CI)",
    )
    ax.set_xlabel("years since baseline")
    ax.set_ylabel(label)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{label} over time")
    fig.tight_layout()
    return fig


def slope_forest(table: pd.DataFrame, label: str):
    """Annual change per subgroup with its 95% CI; the true rate (synthetic data) as a marker."""
    t = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(t) + 1.2))
    y = np.arange(len(t))[::-1]
    ax.errorbar(
        t["slope"],
        y,
        xerr=[t["slope"] - t["ci_low"], t["ci_high"] - t["slope"]],
        fmt="o",
        color=COLORS[0],
        capsize=3,
        label="estimate (95% CI)",
    )
    if "true_slope" in t.columns and t["true_slope"].notna().any():
        ax.scatter(t["true_slope"], y, marker="x", color=COLORS[1], zorder=3, label="true rate (generator)")
    ax.set_yticks(
        y,
        [
            f"{f}: {lv}" if f != "overall" else "overall"
            for f, lv in zip(t["factor"], t["level"], strict=True)
        ],
    )
    ax.set_xlabel(f"annual change in {label} (points/year)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def km_curves(fits: dict, title: str):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (_, kmf) in enumerate(fits.items()):
        kmf.plot_survival_function(ax=ax, color=COLORS[i % len(COLORS)], ci_show=True)
    ax.set_xlabel("years since first assessment")
    ax.set_ylabel("event-free proportion")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def model_vs_baselines(rows: pd.DataFrame, title: str):
    """Bar chart of MAE with 95% CIs: columns method, name, mae, low, high (models blue, leaky hatched)."""
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    colors = [
        COLORS[0] if m == "model" else (COLORS[2] if str(m).startswith("lightgbm") else "0.65")
        for m in rows["method"]
    ]
    bars = ax.barh(y, rows["mae"], color=colors)
    for bar, m in zip(bars, rows["method"], strict=True):
        if str(m).endswith("recordwise"):
            bar.set_hatch("//")
            bar.set_alpha(0.5)
    err = np.vstack([rows["mae"] - rows["low"], rows["high"] - rows["mae"]])
    ax.errorbar(rows["mae"], y, xerr=np.nan_to_num(err), fmt="none", color="k", capsize=3)
    ax.set_yticks(y, rows["name"])
    ax.set_xlabel("mean absolute error (points; lower is better), 95% cluster-bootstrap CI")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def roc_curves(result, title: str = "ROC curves, out of fold"):
    """ROC of LightGBM and logistic regression (subject-grouped folds) and of LightGBM with record-wise
    folds (dashed: the leaky estimate)."""
    from sklearn.metrics import roc_curve

    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    p, r = result.predictions, result.recordwise
    curves = [
        (
            p,
            "lightgbm",
            f"LightGBM, subject-grouped (AUC {fmt(result.cis['auc_lightgbm'].estimate)})",
            COLORS[0],
            "-",
        ),
        (
            p,
            "logistic",
            f"logistic regression, subject-grouped (AUC {fmt(result.cis['auc_logistic'].estimate)})",
            "0.45",
            "-",
        ),
        (
            r,
            "lightgbm",
            f"LightGBM, record-wise: LEAKY (AUC {fmt(result.cis['auc_lightgbm_recordwise'].estimate)})",
            COLORS[1],
            "--",
        ),
    ]
    for frame, column, label, color, style in curves:
        fpr, tpr, _ = roc_curve(frame["y"], frame[column])
        ax.plot(fpr, tpr, color=color, ls=style, lw=2, label=label)
    ax.plot([0, 1], [0, 1], color="0.8", lw=1)
    ax.set_xlabel("false positive rate (controls flagged)")
    ax.set_ylabel("true positive rate (cases found)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def reliability(result, title: str = "Calibration, subject-grouped folds"):
    """Observed share of cases against the mean predicted probability (quantile bins)."""
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    for name, label, color in (
        ("lightgbm", "LightGBM", COLORS[0]),
        ("logistic", "logistic regression", "0.45"),
    ):
        cal = result.calibration[name]
        ax.plot(
            cal["predicted"],
            cal["observed"],
            marker="o",
            color=color,
            label=f"{label} (slope {fmt(cal['slope'])}, intercept {fmt(cal['intercept'])})",
        )
    ax.plot([0, 1], [0, 1], color="0.8", lw=1, label="perfect calibration")
    ax.set_xlabel("mean predicted probability of being a case")
    ax.set_ylabel("observed share of case records")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def auc_grouped_vs_recordwise(result, title: str = "ROC-AUC: honest vs leaky validation"):
    """The ROC-AUCs, subject-grouped beside record-wise, as points: each comparison's one interval is the claim's
    (model minus baseline) or the optimism's (record-wise minus subject-grouped), given in the text beside it, so
    no AUC is drawn with a second interval of its own."""
    names = [
        ("auc_lightgbm", "LightGBM, subject-grouped", COLORS[0]),
        ("auc_logistic", "logistic, subject-grouped", "0.55"),
        ("auc_lightgbm_recordwise", "LightGBM, record-wise (LEAKY)", COLORS[1]),
    ]
    fig, ax = plt.subplots(figsize=(7, 2.6))
    y = np.arange(len(names))[::-1]
    for yi, (key, _, color) in zip(y, names, strict=True):
        ax.plot([result.cis[key].estimate], [yi], "o", color=color, ms=8)
    ax.axvline(0.5, color="0.8", lw=1)
    ax.set_yticks(y, [n for _, n, _ in names])
    ax.set_xlim(0.4, 1.0)
    ax.set_xlabel("ROC-AUC over records (0.5 = chance; the intervals of the differences are in the text)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def shap_bar(importance: pd.DataFrame, title: str, top: int = 12, xlabel: str = "mean |SHAP value| (points)"):
    imp = importance.head(top)[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(imp) + 1.2))
    ax.barh(imp.index, imp["mean_abs_shap"], color=COLORS[2])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def cluster_profiles(profiles: pd.DataFrame, features: list[str]):
    """Cluster means as z-scores across clusters (a heat map of what distinguishes them)."""
    values = profiles[features].astype(float)
    z = (values - values.mean()) / values.std(ddof=0).replace(0, 1)
    fig, ax = plt.subplots(figsize=(0.9 * len(features) + 2, 0.6 * len(values) + 1.5))
    im = ax.imshow(z.to_numpy(), cmap="RdBu_r", vmin=-1.5, vmax=1.5, aspect="auto")
    ax.set_xticks(range(len(features)), features, rotation=45, ha="right")
    ax.set_yticks(
        range(len(values)), [f"cluster {i} (n {n})" for i, n in zip(values.index, profiles["n"], strict=True)]
    )
    for (i, j), v in np.ndenumerate(values.to_numpy()):
        ax.text(j, i, "" if np.isnan(v) else f"{v:.1f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax, label="z-score across clusters")
    ax.set_title("Baseline profile of each cluster (means)")
    fig.tight_layout()
    return fig
