"""Who gets flagged: the share of each customer segment's transactions alerted, against its fraud share.

``segment_alert_report`` shows the share of transactions alerted per customer segment (resident vs
cross-border, retail vs corporate) with bootstrap intervals (clustered by account) next to the segment's fraud
share, the share of its *genuine* transactions alerted (the burden on innocent customers) and its recall, using
``livinglab.trust.subgroup_report``. Segments are never model inputs.
"""

from __future__ import annotations

import pandas as pd

from livinglab.trust import metrics

#: Shares of a segment's rows (labels 1 = fraud, 0 = genuine; alerted True/False), NaN where a share has no
#: rows to count; the shared metrics score every bootstrap resample of a segment at once.
SEGMENT_METRICS = {
    "alert_share": metrics.positive_rate,  # the share of transactions alerted
    "fraud_share": metrics.prevalence,  # the share that are fraud
    "false_alert_rate": metrics.false_positive_rate,  # the share of genuine transactions alerted
    "recall": metrics.recall,  # the share of frauds alerted
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
        higher_is_better={  # the shares describe a segment (None): no segment is best at having less fraud
            "alert_share": None,
            "fraud_share": None,
            "false_alert_rate": False,
            "recall": True,
        },
    )
