"""Evaluation of the routing: the model next to the plain reference and the majority label, with paired
intervals; fairness across the languages present; the Luxembourgish gap.

- ``compare_models``: macro-F1 and accuracy of each model, and the paired bootstrap interval of the
  difference between the model and each baseline (``livinglab.trust.bootstrap_difference_ci``), pooled
  and per language; the model beats a baseline when the interval of the difference excludes 0.
- ``language_report`` / ``class_report``: per-language macro-F1 and per-label recall through the shared
  ``livinglab.trust.subgroup_report`` (bootstrap intervals, small-group flags, largest gap). Languages
  absent from the data simply have no row. Per label, macro-F1 inside one true label is not meaningful,
  so the per-label metric is the recall (share routed right); ``per_class_f1`` adds the one-vs-rest F1.
- ``lb_gap_experiment``: how Luxembourgish macro-F1 moves with the amount of Luxembourgish training data
  (0% = zero-shot from French, German and English) for the plain reference and the ensemble.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from livinglab.trust import bootstrap_difference_ci, subgroup_report

from .models import CrossLingualEnsemble, clean, fit_plain_reference


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
    """Share of the rows predicted right (inside one true label: that label's recall)."""
    return accuracy(y_true, y_pred)


def majority_baseline(y_train, n_test: int) -> np.ndarray:
    """Always the most frequent training label."""
    return np.full(n_test, pd.Series(y_train).value_counts().idxmax(), dtype=object)


def compare_models(
    y_true,
    predictions: dict[str, np.ndarray],
    model: str,
    languages=None,
    *,
    n_boot: int = 200,
    seed: int = 0,
    groups=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scores, differences): macro-F1 and accuracy per model; model minus each other with paired intervals.

    ``differences`` has one row per (baseline, language) with ``language == "all"`` for the pooled test
    requests: estimate, low, high, and ``beats`` (the interval excludes 0 on the right side).
    """
    y = np.asarray(y_true, dtype=object)
    scores = pd.DataFrame(
        {
            "macro-F1": {name: macro_f1(y, p) for name, p in predictions.items()},
            "accuracy": {name: accuracy(y, p) for name, p in predictions.items()},
        }
    )
    langs = np.asarray(languages, dtype=object) if languages is not None else None
    rows = []
    for name, pred in predictions.items():
        if name == model:
            continue
        parts = [("all", np.ones(len(y), dtype=bool))]
        if langs is not None:
            parts += [(str(lang), langs == lang) for lang in sorted(set(langs))]
        for lang, mask in parts:
            if mask.sum() < 10:
                continue
            ci = bootstrap_difference_ci(
                macro_f1,
                y[mask],
                np.asarray(predictions[model], dtype=object)[mask],
                np.asarray(pred, dtype=object)[mask],
                groups=None if groups is None else np.asarray(groups)[mask],
                n_boot=n_boot,
                seed=seed,
            )
            rows.append(
                {
                    "baseline": name,
                    "language": lang,
                    "n": int(mask.sum()),
                    "difference": ci.estimate,
                    "low": ci.low,
                    "high": ci.high,
                    "beats": bool(ci.low > 0),
                }
            )
    return scores, pd.DataFrame(rows)


def language_report(y_true, y_pred, languages, *, n_boot: int = 200, seed: int = 0, min_count: int = 30):
    """Macro-F1 and accuracy per language present (trust.subgroup_report)."""
    return subgroup_report(
        {"macro_f1": macro_f1, "accuracy": accuracy},
        pd.Series(y_true).to_numpy(dtype=object),
        pd.Series(y_pred).to_numpy(dtype=object),
        pd.Series(np.asarray(languages), name="language"),
        n_boot=n_boot,
        seed=seed,
        min_count=min_count,
    )


def class_report(
    y_true, y_pred, *, name: str = "label", n_boot: int = 200, seed: int = 0, min_count: int = 30
):
    """Recall per true label (trust.subgroup_report)."""
    y_true = pd.Series(y_true).to_numpy(dtype=object)
    return subgroup_report(
        {"recall": recall},
        y_true,
        pd.Series(y_pred).to_numpy(dtype=object),
        pd.Series(y_true, name=name),
        n_boot=n_boot,
        seed=seed,
        min_count=min_count,
    )


def per_class_f1(y_true, y_pred) -> pd.DataFrame:
    labels = sorted(set(pd.Series(y_true).astype(str)))
    p, r, f, n = precision_recall_fscore_support(
        np.asarray(y_true, dtype=object).astype(str),
        np.asarray(y_pred, dtype=object).astype(str),
        labels=labels,
        zero_division=0,
    )
    return pd.DataFrame({"label": labels, "precision": p, "recall": r, "f1": f, "n": n})


def _subsample_language(
    train: pd.DataFrame, language: str, share: float, rng: np.random.Generator
) -> np.ndarray:
    """Row positions keeping a fraction of one language's training rows so that it makes ``share`` of them."""
    is_lang = (train["language"] == language).to_numpy()
    others = int((~is_lang).sum())
    want = int(round(share * others / (1 - share))) if share < 1 else int(is_lang.sum())
    want = min(want, int(is_lang.sum()))
    keep_lang = rng.choice(np.flatnonzero(is_lang), size=want, replace=False)
    return np.sort(np.concatenate([np.flatnonzero(~is_lang), keep_lang]))


def lb_gap_experiment(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    shares=(0.0, None),
    language: str = "lb",
    text_col: str = "redacted_text",
    label_col: str = "label",
    seed: int = 0,
    fitted: dict | None = None,
) -> pd.DataFrame:
    """Macro-F1 on ``language`` and on the best other language, per training share of ``language``.

    ``shares``: shares of the training set that are in ``language`` (None = all of it, as loaded).
    ``fitted``: ``{name: predictions on test}`` of the models already fitted on the whole training set.
    Returns one row per (model, share): ``n_lang_train``, ``lang_macro_f1``, ``best_other_macro_f1``, ``gap``.
    """
    rng = np.random.default_rng(seed)
    fitted = fitted or {}
    rows = []
    test_text = clean(test[text_col])
    for share in shares:  # a handful of model fits, not a loop over requests
        keep = np.arange(len(train)) if share is None else _subsample_language(train, language, share, rng)
        subset = train.iloc[keep]
        for name in ("plain TF-IDF + LR", "cross-lingual ensemble"):
            if share is None and name in fitted:
                pred = fitted[name]
            elif name == "plain TF-IDF + LR":
                pred = fit_plain_reference(subset[text_col], subset[label_col]).predict(test_text)
            else:
                model = CrossLingualEnsemble(n_folds=3, seed=seed).fit(subset[text_col], subset[label_col])
                pred = model.predict(test_text)
            frame = pd.DataFrame(
                {"y": test[label_col].to_numpy(), "p": pred, "lang": test["language"].to_numpy()}
            )
            per_lang = frame.groupby("lang")[["y", "p"]].apply(lambda g: macro_f1(g["y"], g["p"]))
            target = float(per_lang.get(language, np.nan))
            best_other = float(per_lang.drop(language, errors="ignore").max())
            rows.append(
                {
                    "model": name,
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


def measure_throughput(router, requests: pd.DataFrame, *, n_jobs: int = 1, repeats: int = 1) -> dict:
    """Requests per second of ``router.route`` on a batch (best of ``repeats``)."""
    import time

    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        router.route(requests, n_jobs=n_jobs)
        best = min(best, time.perf_counter() - start)
    return {
        "requests": len(requests),
        "seconds": float(best),
        "per_s": float(len(requests) / best),
        "n_jobs": n_jobs,
    }
