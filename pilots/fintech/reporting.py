"""Tables and recorded values the notebook shows and the model card is written from (all from the run itself)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import evaluation as ev
from .data import FintechData
from .features import CATEGORICAL
from .pipeline import ALERT_COLUMNS, DetectionRun
from .synthetic import HELD_OUT_ONLY, TYPOLOGIES, typology_targets
from .tabular import TableRun, comparison_table

LEDGER_INTERVALS = "whole accounts resampled (an account's transactions are not independent)"


# ----------------------------------------------------------------------------- the data
def synthetic_intro() -> str:
    """The notebook's paragraph about the generated ledger (shown only when the data are synthetic)."""
    from .synthetic import HELD_OUT_FROM

    return (
        "**This ledger is SYNTHETIC**, generated in this run: retail and corporate accounts, residents of "
        "Luxembourg and cross-border customers, card payments, e-commerce, SEPA and instant transfers and cash "
        "deposits, with six labelled fraud typologies whose labels arrive late. Five of them change their "
        f"parameters after {HELD_OUT_FROM:.0%} of the period and the sixth (bust-out) appears only then, so the "
        "test period holds fraud no model was trained on. Results show the method, not a bank's detection rate."
    )


def typology_table(
    data: pd.DataFrame, n_transactions: int, fraud_rate: float, held_out_from: float | None
) -> pd.DataFrame:
    """Injected fraud rows per typology: requested, learnt and held-out rows, median label delay."""
    targets = typology_targets(n_transactions, fraud_rate)
    fraud = data[data["label"] == 1]
    start = data["timestamp"].min().normalize()
    n_days = (data["timestamp"].max().normalize() - start).days + 1
    cut = (
        start + pd.Timedelta(days=round(n_days * held_out_from)) if held_out_from else data["timestamp"].max()
    )
    later = fraud["timestamp"] >= cut
    typ = fraud["typology"].astype(str)
    delay = (
        ((fraud["label_available_at"] - fraud["timestamp"]).dt.total_seconds() / 86400).groupby(typ).median()
    )
    rows = [
        {
            "typology": t,
            "requested_rows": targets[t],
            "rows_learnt_parameters": int(((typ == t) & ~later).sum()),
            "rows_held_out": int(((typ == t) & later).sum()),
            "only_held_out": t in HELD_OUT_ONLY,
            "median_label_delay_days": round(float(delay.get(t, float("nan"))), 1),
        }
        for t in TYPOLOGIES
    ]
    return pd.DataFrame(rows)


def segment_table(data: pd.DataFrame, segments: tuple[str, ...]) -> pd.DataFrame | None:
    """Accounts and transactions per customer segment (None without segment columns)."""
    if not segments:
        return None
    grouped = data.groupby([data[s].astype(str) for s in segments])
    table = {"accounts": grouped["account_id"].nunique(), "transactions": grouped.size()}
    if "label" in data:
        table["fraud_rows"] = grouped["label"].sum()
    return pd.DataFrame(table).reset_index()


def segment_table_of(data: FintechData) -> pd.DataFrame | None:
    """:func:`segment_table` of the run's ledger, in memory or read in parts (Dask reductions)."""
    if data.frame is not None:
        return segment_table(data.frame, data.segments)
    return data.summary.segments


def overview_of(data: FintechData):
    """What ``plots.plot_ledger_overview`` draws: the ledger's rows, or its counts when read in parts."""
    return data.frame if data.frame is not None else data.summary


def data_note(data: FintechData) -> str:
    """What a reader of the card must know about the data of this run (computed from it)."""
    if data.is_synthetic:
        return (
            "SYNTHETIC ledger: fraud patterns injected by the generator; the test period holds frauds with "
            "parameters (and one typology) the models never saw in training. Results show the method, not a "
            "bank's real detection rate."
        )
    text = data.describe()
    if data.kind == "features" and data.time is not None:
        span_h = (data.time.max() - data.time.min()) / pd.Timedelta(hours=1)
        if span_h < 24:
            text += (
                f" The rows span only {span_h:.1f} h: the intervals resample blocks of minutes, and the numbers "
                "say little about other days."
            )
    if data.kind == "features" and data.label is not None and data.label.sum() < 50:
        text += f" Only {int(data.label.sum())} anomalies are labelled: intervals are wide."
    return text


# ----------------------------------------------------------------------------- a ledger run
def detector_comparison(run: DetectionRun, *, n_boot: int = 200, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """PR-AUC with an interval, ROC-AUC and the budget metrics of every detector, and the paired interval of
    the model minus each baseline (``<name>_minus_<baseline>``). Whole accounts are resampled."""
    from livinglab.trust import bootstrap_ci, bootstrap_difference_ci

    test = run.test
    y = test["label"].to_numpy()
    groups = test["account_id"].to_numpy()
    rows, cis = [], {}
    detectors = run.detectors
    for col, name in detectors.items():
        ci = bootstrap_ci(ev.pr_auc, y, test[col].to_numpy(), groups=groups, n_boot=n_boot, seed=seed)
        cis[col] = ci
        budget = ev.budget_metrics(y, test[ALERT_COLUMNS[col]])
        rows.append(
            {
                "detector": name,
                "pr_auc": ci.estimate,
                "pr_auc_low": ci.low,
                "pr_auc_high": ci.high,
                "roc_auc": ev.roc_auc(y, test[col]),
                f"precision_at_{run.config.alerts_per_day}_a_day": budget["precision"],
                "recall_at_budget": budget["recall"],
            }
        )
    model = test["score"].to_numpy()
    for col in detectors:
        if col == "score":
            continue
        cis["minus" + col.removeprefix("score")] = bootstrap_difference_ci(
            ev.pr_auc, y, model, test[col].to_numpy(), groups=groups, n_boot=n_boot, seed=seed
        )
    return pd.DataFrame(rows), cis


def typology_recall_table(run: DetectionRun) -> pd.DataFrame:
    test = run.test
    y = test["label"].to_numpy()
    table = pd.DataFrame(
        {
            name: ev.recall_by_typology(test["typology"], test[ALERT_COLUMNS[col]], y)
            for col, name in run.detectors.items()
        }
    )
    counts = test.loc[test["label"] == 1, "typology"].astype(str).value_counts()
    table.insert(0, "test_fraud_rows", counts.reindex(table.index).fillna(0).astype(int))
    return table


def drift_frame(run: DetectionRun | TableRun) -> pd.DataFrame:
    """What the drift check compares between runs: the scored rows' features and scores."""
    if isinstance(run, TableRun):
        # the model's score is named by its mode, so that a semi-supervised run's ranks are never compared
        # with an unsupervised run's scores (PSI only compares columns both runs have)
        frame = run.data.features.copy()
        frame["score" if run.semi is None else "score_semisupervised"] = run.scores["score"].to_numpy()
        for col in ("score_unsupervised", "score_iforest"):
            frame[col] = run.scores[col].to_numpy()
        return frame
    frame = run.X_test.copy()
    for col in run.detectors:
        frame[col] = run.test[col].to_numpy()
    return frame


def drift_categoricals(run: DetectionRun | TableRun) -> tuple[str, ...]:
    if isinstance(run, TableRun):
        return ()
    return tuple(c for c in CATEGORICAL if c in run.features.columns)


def _strongest(metrics: dict, candidates: tuple[str, ...], metric: str) -> str | None:
    present = [
        c
        for c in candidates
        if isinstance(metrics.get(f"{metric}_{c}"), float) and not np.isnan(metrics[f"{metric}_{c}"])
    ]
    return max(present, key=lambda c: metrics[f"{metric}_{c}"]) if present else None


BASELINE_LABELS = {
    "lr": "logistic regression",
    "iforest": "Isolation Forest (defaults)",
    "unsupervised": "unsupervised combination",
    "rules": "rules",
}


def ledger_metrics(run: DetectionRun, cis: dict | None, *, segments=None, drift=None, queue=None) -> dict:
    """What the notebook records for a ledger; the model card and altai.yaml are filled from these."""
    m = dict(run.metrics)
    m["interval_method"] = LEDGER_INTERVALS
    m["model_name"] = "LightGBM" if run.supervised else "the unsupervised combination"
    if cis:
        for col in run.detectors:
            suffix = col.removeprefix("score")
            m[f"pr_auc{suffix}_ci_low"], m[f"pr_auc{suffix}_ci_high"] = cis[col].low, cis[col].high
        for key, ci in cis.items():
            if key.startswith("minus"):
                name = "pr_auc_" + key
                m[name], m[f"{name}_ci_low"], m[f"{name}_ci_high"] = ci.estimate, ci.low, ci.high
    if run.has_labels and run.supervised:
        best = _strongest(m, ("lr", "iforest", "unsupervised", "rules"), "pr_auc")
        m.update(
            strongest_baseline=BASELINE_LABELS[best],
            pr_auc_baseline=m[f"pr_auc_{best}"],
            roc_auc_baseline=m[f"roc_auc_{best}"],
            precision_at_budget_baseline=m[f"precision_at_budget_{best}"],
        )
    if run.model is not None:
        m.update(
            lightgbm_trees=run.model.config.num_boost_round,
            negatives_used=run.model.n_neg_used,
            negatives_total=run.model.n_neg_total,
            scale_pos_weight=run.model.config.scale_pos_weight,
            review_cost_eur=run.config.review_cost_eur,
            loss_share=run.config.loss_share,
        )
    if drift is not None:
        m.update(
            drift_max_psi=None if drift.previous is None else drift.max_psi,
            drift_previous_run=drift.previous_run_id,
            drift_note=drift.note,
        )
    if queue is not None:
        m["queue_rows_with_reasons"] = int((queue["top_reasons"].str.len() > 0).sum())
    m["alert_share_gap"] = None if segments is None else segments.gaps["alert_share"]["largest_gap"]
    if segments is not None:
        table = segments.table[~segments.table["small_group"]]
        if len(table) >= 2:
            hi = table.loc[table["alert_share"].idxmax()]
            lo = table.loc[table["alert_share"].idxmin()]
            m.update(
                alert_share_high=hi["group"],
                alert_share_high_value=float(hi["alert_share"]),
                alert_share_low=lo["group"],
                alert_share_low_value=float(lo["alert_share"]),
                false_alert_gap=segments.gaps["false_alert_rate"]["largest_gap"],
            )
    return m


def table_run_metrics(run: TableRun, *, drift=None) -> dict:
    """What the notebook records for a feature table."""
    m = dict(run.metrics)
    m["data_source"] = run.data.source.label
    m["model_name"] = (
        "the semi-supervised blend (ExtraTrees on the revealed labels + the unsupervised combination)"
        if run.semi is not None
        else "the unsupervised combination (Isolation Forest + Gaussian mixture, PyOD)"
    )
    if "roc_auc" in m:
        best = _strongest(m, ("lr", "iforest", "unsupervised") if run.semi else ("iforest",), "roc_auc")
        m.update(
            strongest_baseline=BASELINE_LABELS[best],
            pr_auc_baseline=m[f"pr_auc_{best}"],
            roc_auc_baseline=m[f"roc_auc_{best}"],
            precision_at_budget_baseline=m[f"precision_at_budget_{best}"],
        )
    if drift is not None:
        m.update(
            drift_max_psi=None if drift.previous is None else drift.max_psi,
            drift_previous_run=drift.previous_run_id,
            drift_note=drift.note,
        )
    return m


def _not_evaluated(reason: str) -> list[dict]:
    return [
        {"metric": f"not evaluated: {reason}", "model": "n/a", "baseline": "n/a", "baseline_name": "none"}
    ]


def evaluation_rows(run: DetectionRun | TableRun, cis: dict | None = None) -> list[dict]:
    """The model card's evaluation section: the model next to each baseline, with intervals."""
    if isinstance(run, TableRun):
        m = run.metrics
        if "roc_auc" not in m:
            return _not_evaluated(m.get("evaluation", "no labels").removeprefix("none: "))
        split = f"{m['evaluation']}; intervals: {m['interval_method']}"
        rows = []
        for suffix, name in (
            ("_iforest", "Isolation Forest (scikit-learn defaults)"),
            ("_lr", "logistic regression"),
            ("_unsupervised", "unsupervised combination"),
        ):
            if f"roc_auc{suffix}" not in m or (suffix == "_unsupervised" and run.semi is None):
                continue
            for metric, label in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC")):
                rows.append(
                    {
                        "metric": label,
                        "model": run.cis[metric],
                        "baseline": run.cis[f"{metric}{suffix}"],
                        "baseline_name": name,
                        "split": split,
                        "n": m["rows_evaluated"],
                    }
                )
        return rows
    if not run.has_labels:
        return _not_evaluated(
            "the ledger has no labels (the unsupervised combination ranks the transactions)"
        )
    if not run.supervised:
        return _not_evaluated("too few known frauds to train the supervised model")
    split = f"time-ordered: trained before {run.split.split:%Y-%m-%d %H:%M}, tested after; intervals: {LEDGER_INTERVALS}"
    names = run.detectors
    rows = [
        {
            "metric": "PR-AUC (primary)",
            "model": cis["score"],
            "baseline": cis[col],
            "baseline_name": names[col],
            "split": split,
            "n": int(len(run.test)),
        }
        for col in names
        if col != "score"
    ]
    y = run.test["label"].to_numpy()
    for col in ("score_lr", "score_iforest"):
        budget_model = ev.budget_metrics(y, run.test["alerted"])["precision"]
        rows.append(
            {
                "metric": f"precision at {run.config.alerts_per_day} alerts a day",
                "model": budget_model,
                "baseline": ev.budget_metrics(y, run.test[ALERT_COLUMNS[col]])["precision"],
                "baseline_name": names[col],
            }
        )
    return rows


def table_comparison(run: TableRun) -> pd.DataFrame:
    return comparison_table(run)


# ----------------------------------------------------------------------------- what the notebook shows
@dataclass
class Comparison:
    """The model beside its baselines: the table, the intervals (ledgers) and the figures, or why not."""

    table: pd.DataFrame | None = None
    cis: dict | None = None
    figures: dict = field(default_factory=dict)
    note: str = ""


def compare_with_baselines(run: DetectionRun | TableRun, *, n_boot: int, seed: int) -> Comparison:
    """Table, paired intervals of the model minus each baseline, precision-recall curves (labelled data only)."""
    from . import plots

    if isinstance(run, DetectionRun):
        if not (run.has_labels and run.supervised):
            return Comparison(note="No labels to learn from and evaluate against: the comparison is skipped.")
        table, cis = detector_comparison(run, n_boot=n_boot, seed=seed)
        differences = pd.DataFrame(
            [
                {"baseline": name, **_ci_parts(cis["minus" + col.removeprefix("score")])}
                for col, name in run.detectors.items()
                if col != "score"
            ]
        )
        curves = plots.plot_pr_curves(
            run.test, run.detectors, title="Test period (the future): precision vs recall"
        )
        bars = plots.plot_baseline_differences(differences, title="PR-AUC: LightGBM minus each baseline")
        note = f"Intervals: {LEDGER_INTERVALS}."
    else:
        if "roc_auc" not in run.metrics:
            return Comparison(note=f"Not evaluated: {run.metrics.get('evaluation', 'no label')}.")
        table, cis = table_comparison(run), None
        names = {
            "roc_auc_minus_iforest": "Isolation Forest (defaults)",
            "roc_auc_minus_lr": "logistic regression",
            "roc_auc_minus_unsupervised": "unsupervised combination",
        }
        differences = pd.DataFrame(
            [{"baseline": name, **_ci_parts(run.cis[key])} for key, name in names.items() if key in run.cis]
        )
        shown = {
            "score": "the model",
            "score_unsupervised": "unsupervised combination",
            "score_iforest": "Isolation Forest (defaults)",
            "score_lr": "logistic regression",
        }
        if run.semi is None:
            shown.pop("score_unsupervised")
        shown = {c: n for c, n in shown.items() if c in run.scores}
        curves = plots.plot_pr_curves(
            run.evaluated, shown, title=f"{run.data.name}: precision vs recall ({run.mode})"
        )
        bars = plots.plot_baseline_differences(differences, title="ROC-AUC: the model minus each baseline")
        note = f"Evaluated {run.metrics['evaluation']}; intervals: {run.metrics['interval_method']}."
    figures = {
        "Precision vs recall of the model and its baselines": curves,
        "The model minus each baseline (paired bootstrap interval)": bars,
    }
    return Comparison(table, cis, figures, note)


def _ci_parts(ci) -> dict:
    return {"estimate": ci.estimate, "low": ci.low, "high": ci.high}


def queue_for(run: DetectionRun | TableRun, data: FintechData, *, size: int) -> pd.DataFrame:
    """The analyst queue of the last day, with reasons (see ``oversight.analyst_queue``, ``tabular.table_queue``)."""
    from .oversight import analyst_queue
    from .tabular import table_queue

    if isinstance(run, TableRun):
        return table_queue(run, size=size)
    return analyst_queue(
        run.test,
        run.X_test,
        run.model,
        size=size,
        reference=run.reference_features,
        segments=data.segments,
    )
