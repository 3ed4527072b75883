"""Human in the loop: the analyst queue, each alert with its reasons in words.

The model never blocks a payment: it ranks transactions, each day's alerts up to the analysts' capacity
(``alerts_per_day``) go to a queue, and an analyst decides on every one. Each queued alert carries its top
reasons, written as a reviewer would say them ("7 postings of this account in the previous hour (usual: 0)",
"first payment with this counterparty", "unknown counterparty"): for LightGBM the features that pushed its
score up most (exact TreeSHAP contributions, ``predict(..., pred_contrib=True)``), otherwise the features
furthest from the usual values (robust z-scores). The page never shows a transaction's exact time or amount:
the time of day is a band of six hours (or "date only"), the amount a band of the 1-2-5 series in the ledger's
currency (``amount_band``). Account ids are keyed pseudonyms (``livinglab.trust.pseudonymise`` with the run's
key, ``livinglab.trust.pseudonym_key``): a synthetic run's key follows from its seed, a real run's is the
secret in ``LIVINGLAB_PSEUDONYM_KEY``. Feature tables show row numbers only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..model.detectors import SupervisedModel
from ..model.features import FEATURE_DESCRIPTIONS
from ..model.outliers import deviation_reasons, robust_z

QUEUE_COLUMNS = ["rank", "time of day", "account", "amount", "score", "why"]
DAY_PARTS = (
    (0, "night (0-6 h)"),
    (6, "morning (6-12 h)"),
    (12, "afternoon (12-18 h)"),
    (18, "evening (18-24 h)"),
)
WINDOW_WORDS = {"1h": "previous hour", "24h": "previous 24 h", "7d": "previous 7 days"}
UNKNOWN_COUNTERPARTY = "unknown counterparty (the file names none)"
COUNTERPARTY_FEATURES = ("new_counterparty", "counterparty_age_days", "cp_in_degree", "cp_out_degree",
                         "cp_in_n_24h", "cp_known_days")  # fmt: skip


def amount_band(amount: float, currency: str = "") -> str:
    """An amount as a band of the 1-2-5 series (``1,000-2,000 CZK``): never the exact amount."""
    unit = f" {currency}" if currency else ""
    if not np.isfinite(amount) or amount <= 0:
        return f"0{unit}"
    if amount < 1:
        return f"under 1{unit}"
    exp = math.floor(math.log10(amount))
    for low, high in ((1, 2), (2, 5), (5, 10)):
        if amount < high * 10**exp:
            return f"{low * 10**exp:,}-{high * 10**exp:,}{unit}"
    return f"{10 ** (exp + 1):,}-{2 * 10 ** (exp + 1):,}{unit}"  # rounding at the top edge


def day_part(times: pd.Series) -> pd.Series:
    """Six-hour bands of the time of day; ``date only`` when the ledger gives no times."""
    if (times.dt.normalize() == times).all():
        return pd.Series("date only", index=times.index)
    hour = times.dt.hour
    out = pd.Series(DAY_PARTS[0][1], index=times.index)
    for start, words in DAY_PARTS[1:]:
        out = out.where(hour < start, words)
    return out


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:.0f} days"


def _n(v: float, one: str, many: str) -> str:
    return f"{v:,.0f} {one if round(v) == 1 else many}"


def _money(v: float, currency: str) -> str:
    return amount_band(math.expm1(v), currency)


def _described(name: str, v: float, currency: str) -> tuple[str, str] | None:
    """A numeric feature's value as a phrase, and the value alone (for "usual: ..."); None: not numeric here."""
    for window, words in WINDOW_WORDS.items():
        if name == f"n_{window}":
            return f"{_n(v, 'posting', 'postings')} of this account in the {words}", _n(
                v, "posting", "postings"
            )
        if name == f"sum_{window}_log":
            return f"about {_money(v, currency)} moved by this account in the {words}", _money(v, currency)
    days = f"{v:,.0f} days"
    table = {
        "amount_log": (f"the amount ({_money(v, currency)})", _money(v, currency)),
        "gap_since_last_log": (
            f"{_duration(math.expm1(v))} since the account's previous posting",
            _duration(math.expm1(v)),
        ),
        "n_new_counterparty_24h": (
            f"{_n(v, 'new counterparty', 'new counterparties')} of this account in the previous 24 h",
            f"{v:,.0f}",
        ),
        "history_n": (f"{_n(v, 'earlier posting', 'earlier postings')} of this account", f"{v:,.0f}"),
        "counterparty_age_days": (f"counterparty first used by this account {days} ago", days),
        "device_age_days": (f"device first used on this account {days} ago", days),
        "acc_in_degree": (
            f"{_n(v, 'distinct payer', 'distinct payers')} into this account so far",
            f"{v:,.0f}",
        ),
        "acc_out_degree": (
            f"{_n(v, 'distinct payee', 'distinct payees')} of this account so far",
            f"{v:,.0f}",
        ),
        "acc_in_n_24h": (
            f"{_n(v, 'payment', 'payments')} into this account in the previous 24 h",
            f"{v:,.0f}",
        ),
        "acc_in_n_7d": (
            f"{_n(v, 'payment', 'payments')} into this account in the previous 7 days",
            f"{v:,.0f}",
        ),
        "acc_in_24h_log": (
            f"about {_money(v, currency)} into this account in the previous 24 h",
            _money(v, currency),
        ),
        "acc_out_24h_log": (
            f"about {_money(v, currency)} out of this account in the previous 24 h",
            _money(v, currency),
        ),
        "pass_through_24h": (
            f"{v:.0%} of the money that came in over the last 24 h went out again",
            f"{v:.0%}",
        ),
        "cp_in_degree": (
            f"the counterparty has had {_n(v, 'distinct payer', 'distinct payers')}",
            f"{v:,.0f}",
        ),
        "cp_out_degree": (
            f"the counterparty has paid {_n(v, 'distinct payee', 'distinct payees')}",
            f"{v:,.0f}",
        ),
        "cp_in_n_24h": (
            f"{_n(v, 'payment', 'payments')} into the counterparty in the previous 24 h",
            f"{v:,.0f}",
        ),
        "cp_known_days": (f"the bank first saw the counterparty {days} ago", days),
        "amount_dev_z": (
            f"the amount is {abs(v):.1f} standard deviations {'above' if v > 0 else 'below'} this account's usual",
            "",
        ),
        "amount_over_past_max": (
            f"the amount is {v:.1f} times the account's largest so far"
            if v > 1
            else f"the amount is {v:.0%} of the account's largest so far",
            "",
        ),
        "hour": (
            f"in the {next((w for start, w in reversed(DAY_PARTS) if v >= start), DAY_PARTS[0][1])}",
            "",
        ),
    }
    return table.get(name)


def feature_words(name: str, value, currency: str = "", label: str | None = None) -> str:
    """A feature's value as a reviewer would say it (``value`` NaN: what is missing, in words)."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if name in COUNTERPARTY_FEATURES and missing:
        return UNKNOWN_COUNTERPARTY
    if missing:
        return f"{FEATURE_DESCRIPTIONS.get(name, name)}: not known"
    if name in FLAGS:
        yes = str(label) == "credit" if label is not None else float(value) >= 0.5
        return FLAGS[name][0] if yes else FLAGS[name][1]
    if label is not None:
        return f"{FEATURE_DESCRIPTIONS.get(name, name)}: {label}"
    if name == "weekday":
        return f"on a {('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')[int(value) % 7]}"
    described = _described(name, float(value), currency)
    return described[0] if described else f"{FEATURE_DESCRIPTIONS.get(name, name)}: {float(value):.3g}"


def usual_value(name: str, value, currency: str = "") -> str:
    """The value alone, as "usual: ..." says it ("" when a feature is said without one)."""
    if value is None or not np.isfinite(value) or name in FLAGS:
        return ""
    described = _described(name, float(value), currency)
    return described[1] if described else f"{float(value):.3g}"


FLAGS = {
    "new_counterparty": ("first payment with this counterparty", "a counterparty used before"),
    "new_country": ("first transaction with this country", "a country used before"),
    "new_device": ("a device never used on this account", "a device used before"),
    "direction": ("money in (credit)", "money out (debit)"),
}


def shap_reasons(
    contrib: pd.DataFrame,
    X: pd.DataFrame,
    *,
    k: int = 3,
    labels: pd.DataFrame | None = None,
    currency: str = "",
) -> pd.Series:
    """The ``k`` features that pushed each row's score up most (TreeSHAP), in words."""
    feats = [c for c in contrib.columns if c != "bias"]
    values = contrib[feats].to_numpy()
    top = np.argsort(-values, axis=1)[:, :k]
    texts = []
    for i, (idx, row) in enumerate(X[feats].iterrows()):  # the queue's few rows, not the ledger's
        parts = []
        for j in top[i]:
            if values[i, j] <= 0:
                continue
            name = feats[j]
            label = str(labels.at[idx, name]) if labels is not None and name in labels.columns else None
            parts.append(feature_words(name, row[name], currency, label))
        texts.append("; ".join(dict.fromkeys(parts)) or "no single feature stands out")
    return pd.Series(texts, index=contrib.index)


def deviation_words(
    X_rows: pd.DataFrame, reference: pd.DataFrame, *, k: int = 3, currency: str = ""
) -> list[str]:
    """The ``k`` features furthest from the reference rows' usual values (robust z), in words with the usual
    value beside them; an unknown counterparty is said once."""
    cols = list(reference.columns)
    rows = X_rows[cols].to_numpy(dtype="float64")
    z, median = robust_z(rows, reference.to_numpy(dtype="float64"))
    top = np.argsort(-np.abs(z), axis=1)[:, :k]
    texts = []
    for i in range(len(rows)):  # the queue's few rows, not the ledger's
        parts = []
        for j in top[i]:
            if abs(z[i, j]) < 1.0:
                continue
            name = cols[j]
            words, usual = feature_words(name, rows[i, j], currency), usual_value(name, median[j], currency)
            parts.append(f"{words} (usual: {usual})" if usual else words)
        if any(np.isnan(rows[i, cols.index(c)]) for c in COUNTERPARTY_FEATURES if c in cols):
            parts.append(UNKNOWN_COUNTERPARTY)
        texts.append("; ".join(parts) or "no single feature stands out: the combination of values is unusual")
    return texts


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
    currency: str = "",
) -> pd.DataFrame:
    """The top alerted transactions of one day (default: the last test day) with their top reasons in words.

    Reasons come from LightGBM's exact TreeSHAP contributions; without a supervised model (no labels) they
    are the features furthest from the ``reference`` rows' median. The time is a band of the day and the amount
    a band (never exact). The ``outcome`` column is the eventual label, shown here for evaluation only; an
    analyst does not have it when the alert arrives. ``routine`` says which alerts are routine postings (when
    they are shown rather than kept out of the alerts).
    """
    from livinglab.trust import pseudonymise

    days = test["timestamp"].dt.normalize()
    day = days.max() if day is None else pd.Timestamp(day).normalize()
    pool = test[(days == day) & test[alerted]]
    pool = pool.sort_values("score", ascending=False, kind="stable").head(size)
    if pool.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    if model is not None:
        contrib = model.contributions(X_test.loc[pool.index])
        labels = pool[[c for c in ("channel", "direction", "country") if c in pool]]
        reasons = shap_reasons(contrib, X_test.loc[pool.index], k=n_reasons, labels=labels, currency=currency)
    else:
        ref = X_test if reference is None else reference
        reasons = pd.Series(
            deviation_words(X_test.loc[pool.index], ref, k=n_reasons, currency=currency), index=pool.index
        )
    queue = pd.DataFrame(
        {"rank": np.arange(1, len(pool) + 1), "time of day": day_part(pool["timestamp"])}, index=pool.index
    )
    queue["account"] = pseudonymise(pool["account_id"].astype(str), key=pseudonym_key, length=10)
    for col in (*segments, "channel", "direction", "country"):
        if col in pool:
            queue[col] = pool[col].astype(str)
    queue["amount"] = [amount_band(a, currency) for a in pool["amount"].to_numpy(dtype=float)]
    queue["score"] = pool["score"].round(4)
    queue["why"] = reasons
    if "routine" in pool and pool["routine"].any():
        queue["routine"] = np.where(pool["routine"].to_numpy(dtype=bool), "routine posting", "")
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
