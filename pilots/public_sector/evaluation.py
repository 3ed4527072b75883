"""Evaluation of the triage: metrics next to baselines, fairness across languages, the Luxembourgish gap.

- ``macro_f1`` / ``majority_baseline``: the model against predicting the most frequent training theme.
- ``language_report`` / ``theme_report``: per-language macro-F1 and per-theme recall through the shared
  ``livinglab.trust.subgroup_report`` (bootstrap intervals, small-group flags, largest gap). Per theme,
  macro-F1 inside one true theme is not meaningful (one true class), so the per-theme metric is the
  recall of that theme (share routed correctly); ``per_theme_f1`` adds the one-vs-rest F1.
- ``lb_gap_experiment``: how the Luxembourgish gap moves with the amount of Luxembourgish training data
  (0% = zero-shot from FR/DE/EN) for the baseline and the cross-lingual model (both calibrated, as in
  the notebook's main comparison).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from livinglab.trust import subgroup_report

from .models import fit_theme_model


def macro_f1(y_true, y_pred) -> float:
    """Macro-F1 over the labels present in y_true or y_pred (as scikit-learn's, zero_division=0).

    Computed from one bincount, so the thousands of bootstrap resamples stay fast.
    """
    yt = np.asarray(y_true, dtype=object)
    yp = np.asarray(y_pred, dtype=object)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true and y_pred have different lengths ({len(yt)} and {len(yp)}).")
    codes, labels = pd.factorize(np.concatenate([yt, yp]))
    k = len(labels)
    t, p = codes[: len(yt)], codes[len(yt) :]
    cm = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)  # predicted + true counts
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    return float(f1.mean()) if k else 0.0


def accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true, dtype=object) == np.asarray(y_pred, dtype=object)))


def recall(y_true, y_pred) -> float:
    """Share of the rows predicted right (inside one true theme: that theme's recall)."""
    return accuracy(y_true, y_pred)


def majority_baseline(y_train, y_test) -> dict:
    """Macro-F1 and accuracy of always predicting the most frequent training label."""
    majority = pd.Series(y_train).value_counts().idxmax()
    pred = np.full(len(y_test), majority, dtype=object)
    return {"label": majority, "macro_f1": macro_f1(y_test, pred), "accuracy": accuracy(y_test, pred)}


def language_report(y_true, y_pred, languages, *, n_boot: int = 200, seed: int = 0, min_count: int = 30):
    """Macro-F1 and accuracy per language (trust.subgroup_report)."""
    return subgroup_report(
        {"macro_f1": macro_f1, "accuracy": accuracy},
        pd.Series(y_true).to_numpy(dtype=object),
        pd.Series(y_pred).to_numpy(dtype=object),
        pd.Series(np.asarray(languages), name="language"),
        n_boot=n_boot,
        seed=seed,
        min_count=min_count,
    )


def theme_report(y_true, y_pred, *, n_boot: int = 200, seed: int = 0, min_count: int = 30):
    """Recall per true theme (trust.subgroup_report)."""
    y_true = pd.Series(y_true).to_numpy(dtype=object)
    return subgroup_report(
        {"recall": recall},
        y_true,
        pd.Series(y_pred).to_numpy(dtype=object),
        pd.Series(y_true, name="theme"),
        n_boot=n_boot,
        seed=seed,
        min_count=min_count,
    )


def per_theme_f1(y_true, y_pred) -> pd.DataFrame:
    labels = sorted(set(pd.Series(y_true)))
    p, r, f, n = precision_recall_fscore_support(
        np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object), labels=labels, zero_division=0
    )
    return pd.DataFrame({"theme": labels, "precision": p, "recall": r, "f1": f, "n": n})


def _subsample_language(
    train: pd.DataFrame, language: str, share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Keep a fraction of one language's training rows so that it makes ``share`` of the training set."""
    is_lang = (train["language"] == language).to_numpy()
    others = int((~is_lang).sum())
    want = int(round(share * others / (1 - share))) if share < 1 else int(is_lang.sum())
    want = min(want, int(is_lang.sum()))
    keep_lang = rng.choice(np.flatnonzero(is_lang), size=want, replace=False)
    keep = np.sort(np.concatenate([np.flatnonzero(~is_lang), keep_lang]))
    return train.iloc[keep]


def lb_gap_experiment(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    shares=(0.0, None),
    kinds=("baseline", "strong"),
    language: str = "lb",
    text_col: str = "redacted_text",
    label_col: str = "theme",
    seed: int = 0,
    fitted: dict | None = None,
) -> pd.DataFrame:
    """Macro-F1 on ``language`` and on the best other language, per training share of ``language``.

    ``shares``: shares of the training set that are in ``language`` (None = all of it, as generated).
    ``fitted``: ``{kind: model}`` already fitted on the whole training set, reused for ``None``.
    Returns one row per (kind, share): ``n_lang_train``, ``lang_macro_f1``, ``best_other_macro_f1``,
    ``gap`` (best other minus the language).
    """
    rng = np.random.default_rng(seed)
    fitted = fitted or {}
    rows = []
    for share in shares:  # a handful of model fits, not a loop over requests
        subset = train if share is None else _subsample_language(train, language, share, rng)
        for kind in kinds:
            if share is None and kind in fitted:
                model = fitted[kind]
            else:
                model = fit_theme_model(kind, subset[text_col], subset[label_col], seed=seed)
            pred = model.predict(test[text_col])
            frame = pd.DataFrame(
                {"y": test[label_col].to_numpy(), "p": pred, "lang": test["language"].to_numpy()}
            )
            per_lang = frame.groupby("lang")[["y", "p"]].apply(lambda g: macro_f1(g["y"], g["p"]))
            target = float(per_lang.get(language, np.nan))
            best_other = float(per_lang.drop(language, errors="ignore").max())
            rows.append(
                {
                    "model": kind,
                    "lang_train_share": float((subset["language"] == language).mean()),
                    "n_lang_train": int((subset["language"] == language).sum()),
                    "lang_macro_f1": target,
                    "best_other_macro_f1": best_other,
                    "gap": best_other - target,
                }
            )
    return pd.DataFrame(rows)


def plot_coverage_curve(
    curve: pd.DataFrame, operating_point, target_precision: float, ax=None, label: str = "validation"
):
    """Precision of auto-routed requests against coverage, with the chosen operating point."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 4))[1]
    ax.plot(curve["coverage"], curve["precision"], label=f"{label}: precision of auto-routed")
    ax.axhline(target_precision, color="grey", ls="--", lw=1, label=f"target {target_precision:.0%}")
    if operating_point.coverage > 0:
        ax.scatter(
            [operating_point.coverage],
            [operating_point.precision],
            color="crimson",
            zorder=3,
            label=f"chosen: threshold {operating_point.threshold:.2f}, coverage {operating_point.coverage:.0%}",
        )
    ax.set_xlabel("coverage (share routed automatically)")
    ax.set_ylabel("precision (share routed right)")
    ax.set_ylim(max(0.0, float(curve["precision"].min()) - 0.05), 1.005)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def planted_pii_leaks(redacted: pd.Series, pii: pd.DataFrame, where: str = "text") -> pd.DataFrame:
    """Per PII kind: how many planted values (generator truth) still appear in their redacted text.

    ``redacted``: redacted texts indexed by request_id; ``pii``: the generator's truth table.
    """
    truth = pii[(pii["where"] == where) & pii["request_id"].isin(redacted.index)]
    texts = redacted.reindex(truth["request_id"]).fillna("").to_numpy(dtype=str)
    leaked = np.strings.find(texts, truth["value"].to_numpy(dtype=str)) >= 0
    out = (
        pd.DataFrame({"kind": truth["kind"].to_numpy(), "leaked": leaked})
        .groupby("kind")["leaked"]
        .agg(planted="size", leaked="sum")
        .reset_index()
    )
    out["leaked"] = out["leaked"].astype(int)
    return out


def top_terms(model, k: int = 6, kinds=("word", "lexicon")) -> pd.DataFrame:
    """The k most positive word / concept features of each class of a fitted linear theme model."""
    from .models import _readable, linear_weights

    classes, W, names = linear_weights(model)
    kind = pd.Series(names, dtype=object).str.replace(r"^(union__)?", "", regex=True).str.split("__").str[0]
    allowed = kind.isin(list(kinds)).to_numpy()
    readable = _readable(names)
    Wm = np.where(allowed[None, :], W, -np.inf)
    top = np.argsort(-Wm, axis=1)[:, :k]
    return pd.DataFrame({"theme": classes, "top_terms": [", ".join(readable[row]) for row in top]})


def measure_throughput(triage, requests: pd.DataFrame, *, n_jobs: int = 1, repeats: int = 1) -> dict:
    """Requests per second of ``triage.triage`` on a batch (best of ``repeats``)."""
    import time

    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        triage.triage(requests, n_jobs=n_jobs)
        best = min(best, time.perf_counter() - start)
    return {
        "requests": len(requests),
        "seconds": float(best),
        "per_s": float(len(requests) / best),
        "n_jobs": n_jobs,
    }
