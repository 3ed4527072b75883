"""Tables and facts the notebook shows and the model card is written from (all from the run itself)."""

from __future__ import annotations

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


RECORDED = (  # the run's own metrics the notebook records (pipeline.run_detection computes them)
    "rows",
    "data_source",
    "pr_auc",
    "pr_auc_rules",
    "pr_auc_unsupervised",
    "roc_auc",
    "roc_auc_rules",
    "roc_auc_unsupervised",
    "alerts_per_day",
    "precision_at_budget",
    "recall_at_budget",
    "precision_at_budget_rules",
    "recall_by_typology",
    "recall_by_typology_rules",
    "frauds_test",
    "prevalence_test",
    "cost_threshold",
    "cost_alerts_per_day",
    "cost_saving_eur",
    "labels_train_frauds_known",
    "labels_train_frauds_pending",
)


def run_metrics(run: DetectionRun, cis: dict, *, segments=None, drift=None, queue=None) -> dict:
    """What the notebook records; the model card and altai.yaml are filled from these (None where the
    run has no value, e.g. segment shares on the ULB data)."""
    values = {name: run.metrics[name] for name in RECORDED}
    for col, name in (
        ("score", "pr_auc"),
        ("score_rules", "pr_auc_rules"),
        ("score_unsupervised", "pr_auc_unsupervised"),
    ):
        values.update({f"{name}_ci_low": cis[col].low, f"{name}_ci_high": cis[col].high})
    cfg, model = run.config, run.model
    values.update(
        review_cost_eur=cfg.review_cost_eur,
        loss_share=cfg.loss_share,
        n_features=run.features.shape[1],
        lightgbm_trees=model.config.num_boost_round,
        negatives_used=model.n_neg_used,
        negatives_total=model.n_neg_total,
        scale_pos_weight=model.config.scale_pos_weight,
        iforest_trees=cfg.iforest_trees,
    )
    if drift is not None:
        values.update(
            drift_max_psi=None if drift.previous is None else drift.max_psi,
            drift_previous_run=drift.previous_run_id,
            drift_note=drift.note,
        )
    if queue is not None:
        values["queue_rows_with_reasons"] = int((queue["top_reasons"].str.len() > 0).sum())
    values["alert_share_gap"] = None if segments is None else segments.gaps["alert_share"]["largest_gap"]
    if segments is not None:
        table = segments.table[~segments.table["small_group"]]
        if len(table) >= 2:
            hi = table.loc[table["alert_share"].idxmax()]
            lo = table.loc[table["alert_share"].idxmin()]
            values.update(
                alert_share_high=hi["group"],
                alert_share_high_value=float(hi["alert_share"]),
                alert_share_low=lo["group"],
                alert_share_low_value=float(lo["alert_share"]),
                false_alert_gap=segments.gaps["false_alert_rate"]["largest_gap"],
            )
    return values


def data_note(source, data: pd.DataFrame) -> str:
    """What a reader of the card must know about the data of this run."""
    if source.is_synthetic:
        return (
            "SYNTHETIC ledger: fraud patterns injected by the generator; results show the method, not a "
            "bank's real detection rate."
        )
    fraud_amounts = data.loc[data["Class"] == 1, "Amount"]
    return (
        f"Real ULB/Worldline card data ({source.path.name}): {len(fraud_amounts)} frauds over "
        f"{data['Time'].max() / 3600:.1f} h, {(fraud_amounts == 1.0).mean():.0%} of them payments of exactly "
        "1.00 EUR; frauds that come in look-alike bursts (probably few cards) are easy to rank, so a high "
        "score here says little about new fraud. Published work on the full data reports AUPRC 0.817 for a "
        "tuned XGBoost with a random, not time-ordered, split (FACTS.md). The mirrored slice is only the "
        "first 7,972 rows: its numbers do not stand for the full data."
    )


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
