"""Who gets flagged: the share of each customer segment's transactions alerted, against its fraud share.

``segment_alert_report`` shows the share of transactions alerted per customer segment (resident vs
cross-border, retail vs corporate) with bootstrap intervals (clustered by account) next to the segment's fraud
share, the share of its *genuine* transactions alerted (the burden on innocent customers) and its recall, using
``livinglab.trust.subgroup_report``. Segments are never model inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
    segments: tuple[str, ...] = ("segment",),
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
