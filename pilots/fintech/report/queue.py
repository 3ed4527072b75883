"""Human in the loop: the analyst queue, each alert with its reasons.

The model never blocks a payment: it ranks transactions, each day's alerts up to the analysts' capacity
(``alerts_per_day``) go to a queue, and an analyst decides on every one. Each queued alert carries its top
reasons: for LightGBM the features that pushed its score up most (exact TreeSHAP contributions,
``predict(..., pred_contrib=True)``), otherwise the features furthest from the usual values (robust z-scores).
Account ids are keyed pseudonyms (``livinglab.trust.pseudonymise`` with the run's key,
``livinglab.trust.pseudonym_key``): a synthetic run's key follows from its seed, a real run's is the secret in
``LIVINGLAB_PSEUDONYM_KEY``. Feature tables show row numbers only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.detectors import SupervisedModel, top_reasons
from ..model.outliers import deviation_reasons


def analyst_queue(
    test: pd.DataFrame,
    X_test: pd.DataFrame,
    model: SupervisedModel | None,
    *,
    pseudonym_key: str,
    day=None,
    size: int = 20,
    n_reasons: int = 3,
    reference: pd.DataFrame | None = None,
    segments: tuple[str, ...] = (),
    alerted: str = "alerted_operating",
) -> pd.DataFrame:
    """The top alerted transactions of one day (default: the last test day) with their top reasons.

    Reasons come from LightGBM's exact TreeSHAP contributions; without a supervised model (no labels) they
    are the features furthest from the ``reference`` rows' median (``outliers.deviation_reasons``). The
    ``outcome`` column is the eventual label, shown here for evaluation only; an analyst does not have it
    when the alert arrives.
    """
    from livinglab.trust import pseudonymise

    days = test["timestamp"].dt.normalize()
    day = days.max() if day is None else pd.Timestamp(day).normalize()
    pool = test[(days == day) & test[alerted]]
    pool = pool.sort_values("score", ascending=False, kind="stable").head(size)
    if pool.empty:
        return pd.DataFrame(columns=["rank", "time", "account", "amount_eur", "score", "top_reasons"])
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
    queue["account"] = pseudonymise(pool["account_id"].astype(str), key=pseudonym_key, length=10)
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


def table_queue(
    scores: pd.DataFrame,
    features: pd.DataFrame,
    *,
    size: int = 15,
    n_reasons: int = 3,
    time_format: str = "%Y-%m-%d %H:%M",
) -> pd.DataFrame:
    """The highest-scored rows not yet reviewed (the last day when a time column exists), with reasons: the
    features furthest from the usual values. Rows are shown by their number in the table (1 = first)."""
    frame = scores[scores["evaluated"]]
    if "time" in frame:
        frame = frame[frame["day"] == frame["day"].max()]
    top = frame.sort_values("score", ascending=False, kind="stable").head(size)
    reasons = deviation_reasons(
        features.loc[top.index].to_numpy(), features.to_numpy(), list(features.columns), k=n_reasons
    )
    queue = pd.DataFrame({"rank": np.arange(1, len(top) + 1), "row": top.index.to_numpy() + 1})
    if "time" in top:
        queue["time"] = pd.to_datetime(top["time"]).dt.strftime(time_format).to_numpy()
    queue["score"] = top["score"].round(4).to_numpy()
    queue["reasons"] = reasons
    if "label" in top:
        queue["outcome"] = np.where(top["label"].to_numpy() == 1, "anomaly", "normal")
    return queue
