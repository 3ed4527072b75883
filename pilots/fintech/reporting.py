"""Tables and facts the notebook shows and the model card is written from (all from the run itself)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import evaluation as ev
from .features import CATEGORICAL
from .pipeline import DetectionRun
from .synthetic import TYPOLOGIES, typology_targets

DETECTOR_NAMES = {
    "score": "LightGBM (supervised)",
    "score_rules": "rules baseline",
    "score_unsupervised": "Isolation Forest (unsupervised)",
}
_ALERT_COLUMNS = {
    "score": "alerted",
    "score_rules": "alerted_rules",
    "score_unsupervised": "alerted_unsupervised",
}

AI_ACT = {
    "category": "not high-risk: the fraud-detection exception of Annex III point 5(b)",
    "reference": "EU AI Act (Regulation (EU) 2024/1689), Annex III 5(b)",
    "reason": (
        "Annex III 5(b) lists AI systems that evaluate creditworthiness or establish credit scores as "
        "high-risk 'with the exception of AI systems used for the purpose of detecting financial fraud'; "
        "this system detects fraudulent transactions, does not score creditworthiness, and decides "
        "nothing on its own (analysts review every alert). Transparency duties, GDPR (profiling of "
        "customers, Art. 22 safeguards) and anti-money-laundering rules still apply, and the "
        "classification must be revisited if its scores are ever reused for credit decisions."
    ),
}


def typology_table(data: pd.DataFrame, n_transactions: int, fraud_rate: float) -> pd.DataFrame:
    """Injected fraud rows per typology: requested, present, share of all rows, median label delay."""
    targets = typology_targets(n_transactions, fraud_rate)
    fraud = data[data["label"] == 1]
    present = fraud["typology"].astype(str).value_counts()
    delay = (
        ((fraud["label_available_at"] - fraud["timestamp"]).dt.total_seconds() / 86400)
        .groupby(fraud["typology"].astype(str))
        .median()
    )
    rows = [
        {
            "typology": t,
            "requested_rows": targets[t],
            "rows": int(present.get(t, 0)),
            "share_of_all_rows": present.get(t, 0) / len(data),
            "median_label_delay_days": round(float(delay.get(t, float("nan"))), 1),
        }
        for t in TYPOLOGIES
    ]
    return pd.DataFrame(rows)


def segment_table(data: pd.DataFrame) -> pd.DataFrame:
    """Accounts and transactions per customer segment."""
    grouped = data.groupby([data["residency"].astype(str), data["customer_type"].astype(str)])
    return pd.DataFrame(
        {
            "accounts": grouped["account_id"].nunique(),
            "transactions": grouped.size(),
            "fraud_rows": grouped["label"].sum(),
        }
    ).reset_index()


def detector_comparison(
    run: DetectionRun, *, n_boot: int = 200, seed: int = 0, ulb_block_minutes: int = 10
) -> tuple[pd.DataFrame, dict]:
    """PR-AUC (with a bootstrap interval), ROC-AUC and the budget metrics of the three detectors.

    Intervals come from ``livinglab.trust.bootstrap_ci``; on a ledger whole accounts are resampled
    (an account's transactions are not independent). The ULB data has no card ids and its frauds come
    in bursts (probably a few cards each), so there whole ``ulb_block_minutes`` blocks of time are
    resampled instead of rows; a row bootstrap would give a falsely narrow interval.
    """
    from livinglab.trust import bootstrap_ci

    test = run.test
    y = test["label"].to_numpy()
    if "account_id" in test:
        groups = test["account_id"].to_numpy()
    else:
        groups = test["timestamp"].dt.floor(f"{ulb_block_minutes}min").to_numpy()
    rows, cis = [], {}
    for col, name in DETECTOR_NAMES.items():  # three detectors
        ci = bootstrap_ci(ev.pr_auc, y, test[col].to_numpy(), groups=groups, n_boot=n_boot, seed=seed)
        cis[col] = ci
        budget = ev.budget_metrics(y, test[_ALERT_COLUMNS[col]])
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
    return pd.DataFrame(rows), cis


def typology_recall_table(run: DetectionRun) -> pd.DataFrame:
    test = run.test
    y = test["label"].to_numpy()
    table = pd.DataFrame(
        {
            name: ev.recall_by_typology(test["typology"], test[_ALERT_COLUMNS[col]], y)
            for col, name in DETECTOR_NAMES.items()
        }
    )
    counts = test.loc[test["label"] == 1, "typology"].astype(str).value_counts()
    table.insert(0, "test_fraud_rows", counts.reindex(table.index).fillna(0).astype(int))
    return table


def drift_frame(run: DetectionRun) -> pd.DataFrame:
    """What the drift check compares between runs: the test period's features and the three scores."""
    frame = run.X_test.copy()
    for col in DETECTOR_NAMES:
        frame[col] = run.test[col].to_numpy()
    return frame


def drift_categoricals(run: DetectionRun) -> tuple[str, ...]:
    return tuple(c for c in CATEGORICAL if c in run.features.columns)


def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def card_facts(
    run: DetectionRun, cis: dict, *, segments=None, drift=None, wall_s: float | None = None
) -> dict:
    """Facts for altai.yaml's placeholders: the run's own numbers (None where the run has none)."""
    m = run.metrics
    facts = {
        k: m.get(k)
        for k in (
            "alerts_per_day",
            "precision_at_budget",
            "recall_at_budget",
            "pr_auc_rules",
            "pr_auc_unsupervised",
            "prevalence_test",
            "frauds_test",
            "cost_alerts_per_day",
            "cost_saving_eur",
            "data_source",
        )
    }
    facts.update(
        pr_auc=cis["score"].estimate,
        pr_auc_low=cis["score"].low,
        pr_auc_high=cis["score"].high,
        train_frauds_pending=run.labels["train_frauds_pending"],
        n_features=run.features.shape[1],
        review_cost_eur=run.config.review_cost_eur,
        wall_s=wall_s,
    )
    if drift is not None:
        if drift.previous is None:
            facts["drift_text"] = "no previous run to compare with (this run is stored as the reference)."
        else:
            top = drift.table.iloc[0] if len(drift.table) else None
            facts["drift_text"] = (
                f"largest PSI {drift.max_psi:.3f} ({top['column']}, {top['level']})"
                if top is not None
                else "no shared columns with the previous run."
            )
    if segments is not None:
        table = segments.table[~segments.table["small_group"]]
        if len(table) >= 2:
            hi = table.loc[table["alert_share"].idxmax()]
            lo = table.loc[table["alert_share"].idxmin()]
            facts.update(
                alert_share_high=hi["group"],
                alert_share_high_value=float(hi["alert_share"]),
                alert_share_low=lo["group"],
                alert_share_low_value=float(lo["alert_share"]),
                false_alert_gap=_num(segments.gaps["false_alert_rate"]["largest_gap"]),
            )
    return {k: (_num(v) if isinstance(v, (float, np.floating)) else v) for k, v in facts.items()}


def evaluation_rows(run: DetectionRun, cis: dict, comparison: pd.DataFrame) -> list[dict]:
    """The model card's evaluation section: the model next to each baseline, with intervals."""
    split = f"time-ordered: trained before {run.split.split:%Y-%m-%d %H:%M}, tested after"
    by_name = comparison.set_index("detector")
    lgbm, rules, unsup = (
        by_name.loc[DETECTOR_NAMES[c]] for c in ("score", "score_rules", "score_unsupervised")
    )
    budget_col = f"precision_at_{run.config.alerts_per_day}_a_day"
    return [
        {
            "metric": "PR-AUC (primary)",
            "model": cis["score"],
            "baseline": cis["score_rules"],
            "baseline_name": "rules baseline",
            "split": split,
            "n": int(len(run.test)),
        },
        {
            "metric": "PR-AUC",
            "model": cis["score"],
            "baseline": cis["score_unsupervised"],
            "baseline_name": "Isolation Forest (unsupervised)",
            "split": split,
        },
        {
            "metric": "ROC-AUC",
            "model": float(lgbm["roc_auc"]),
            "baseline": float(rules["roc_auc"]),
            "baseline_name": "rules baseline",
        },
        {
            "metric": f"precision at {run.config.alerts_per_day} alerts a day",
            "model": float(lgbm[budget_col]),
            "baseline": float(rules[budget_col]),
            "baseline_name": "rules baseline",
        },
        {
            "metric": "recall at the alert budget",
            "model": float(lgbm["recall_at_budget"]),
            "baseline": float(unsup["recall_at_budget"]),
            "baseline_name": "Isolation Forest (unsupervised)",
        },
    ]
