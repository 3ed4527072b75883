"""Human in the loop: the analyst queue with its reasons, and who gets flagged.

The model never blocks a payment: it ranks transactions, the day's top ``alerts_per_day`` go to
an analyst queue, and an analyst decides on every one. Each queued alert carries its top reasons:
the features that pushed its score up most, from LightGBM's exact TreeSHAP contributions
(``predict(..., pred_contrib=True)``), in plain language.

``segment_alert_report`` shows the share of transactions alerted per customer segment (resident
vs cross-border, retail vs corporate) with bootstrap intervals (clustered by account) next to the
segment's fraud share and the share of its *genuine* transactions alerted (the burden on innocent
customers), using ``livinglab.trust.subgroup_report``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .detectors import SupervisedModel, top_reasons


def _false_alert_rate(y_true, alerted) -> float:
    y = np.asarray(y_true)
    a = np.asarray(alerted).astype(bool)
    genuine = y == 0
    return float(a[genuine].mean()) if genuine.any() else float("nan")


def _alert_share(y_true, alerted) -> float:
    return float(np.asarray(alerted).astype(float).mean())


def _fraud_share(y_true, alerted) -> float:
    return float(np.asarray(y_true).astype(float).mean())


def _recall(y_true, alerted) -> float:
    y = np.asarray(y_true) == 1
    a = np.asarray(alerted).astype(bool)
    return float(a[y].mean()) if y.any() else float("nan")


SEGMENT_METRICS = {
    "alert_share": _alert_share,
    "fraud_share": _fraud_share,
    "false_alert_rate": _false_alert_rate,
    "recall": _recall,
}


def segment_alert_report(
    test: pd.DataFrame,
    *,
    alerted_column: str = "alerted",
    segments: tuple[str, ...] = ("residency", "customer_type"),
    n_boot: int = 100,
    seed: int = 0,
    max_rows: int | None = 400_000,
):
    """Alert share, fraud share, false-alert rate and recall per segment (``trust.subgroup_report``).

    Returns None when the data has no segment columns.

    Intervals resample whole accounts. Above ``max_rows`` test rows a uniform random sample of rows
    is used (shares stay unbiased, intervals get a little wider), to keep the bootstrap fast.
    """
    from livinglab.trust import subgroup_report

    if not segments or not set(segments) <= set(test.columns) or "label" not in test:
        return None  # no segment column (or no label): nothing to compare
    frame = test
    if max_rows is not None and len(frame) > max_rows:
        frame = frame.sample(n=max_rows, random_state=seed).sort_index()
    sensitive = frame[list(segments)].astype(str)
    return subgroup_report(
        SEGMENT_METRICS,
        frame["label"].to_numpy(),
        frame[alerted_column].to_numpy(),
        sensitive,
        groups=frame["account_id"].to_numpy() if "account_id" in frame else None,
        n_boot=n_boot,
        seed=seed,
        min_count=100,
        higher_is_better={
            "alert_share": False,
            "fraud_share": False,
            "false_alert_rate": False,
            "recall": True,
        },
    )


def analyst_queue(
    test: pd.DataFrame,
    X_test: pd.DataFrame,
    model: SupervisedModel | None,
    *,
    day=None,
    size: int = 20,
    n_reasons: int = 3,
    pseudonym_key: str | None = None,
    reference: pd.DataFrame | None = None,
    segments: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The top alerted transactions of one day (default: the last test day) with their top reasons.

    Reasons come from LightGBM's exact TreeSHAP contributions; without a supervised model (no labels) they
    are the features furthest from the ``reference`` rows' median (``outliers.deviation_reasons``).
    Account ids are replaced by keyed pseudonyms (``trust.pseudonymise``): this table is for the
    rendered report that reviewers read; analysts work in the bank's case system with the real ids.
    The ``outcome`` column is the eventual label, shown here for evaluation only; an analyst does
    not have it when the alert arrives.
    """
    from livinglab.trust import new_pseudonym_key, pseudonymise

    from .outliers import deviation_reasons

    days = test["timestamp"].dt.normalize()
    day = days.max() if day is None else pd.Timestamp(day).normalize()
    pool = test[(days == day) & test["alerted"]]
    pool = pool.sort_values("score", ascending=False).head(size)
    if pool.empty:
        return pd.DataFrame(columns=["rank", "time", "amount_eur", "score", "top_reasons", "outcome"])
    if model is not None:
        contrib = model.contributions(X_test.loc[pool.index])
        labels = pool[[c for c in ("channel", "direction", "country") if c in pool]]
        reasons = top_reasons(contrib, X_test.loc[pool.index], k=n_reasons, labels=labels)
    else:
        ref = X_test if reference is None else reference
        cols = list(ref.columns)
        reasons = pd.Series(
            deviation_reasons(X_test.loc[pool.index, cols].to_numpy(), ref.to_numpy(), cols, k=n_reasons),
            index=pool.index,
        )
    queue = pd.DataFrame(
        {"rank": np.arange(1, len(pool) + 1), "time": pool["timestamp"].dt.strftime("%Y-%m-%d %H:%M")},
        index=pool.index,
    )
    queue["account"] = pseudonymise(pool["account_id"], key=pseudonym_key or new_pseudonym_key(), length=10)
    for col in (*segments, "channel", "direction", "country"):
        if col in pool:
            queue[col] = pool[col].astype(str)
    queue["amount_eur"] = pool["amount"].round(2)
    queue["score"] = pool["score"].round(4)
    queue["top_reasons"] = reasons
    if "label" in pool:
        kind = pool["typology"].astype(str) if "typology" in pool else pd.Series("fraud", index=pool.index)
        fraud_text = np.where(kind.isin(["fraud", "none"]), "fraud", "fraud: " + kind)
        queue["outcome"] = np.where(pool["label"] == 1, fraud_text, "genuine")
    return queue.reset_index(drop=True)
