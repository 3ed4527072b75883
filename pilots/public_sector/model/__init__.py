"""The public-sector pilot's models, their baselines and their evaluation: every comparison of a model with
a baseline that a page states is a :class:`livinglab.claims.Claim` made here, once.

Models (submodules): :mod:`.ensemble` (the cross-lingual ensemble and the plain TF-IDF + logistic-regression
reference), :mod:`.router` (:class:`RequestRouter`: redaction, routing, abstention, saving),
:mod:`.langid` (py3langid and the hand-written identifier it is measured against), :mod:`.charngrams`
(character n-gram TF-IDF) and :mod:`.abstention` (the threshold for a target precision, the human queue).

Claims (paired bootstrap intervals of model minus baseline; rows that share an id, such as the translations
of one sentence, are resampled together):

- ``macro_f1``: the router's ensemble against plain TF-IDF + logistic regression, on the test requests;
  ``macro_f1_vs_majority`` against always the majority label; ``macro_f1_<language>`` per language;
- ``worst_language_macro_f1``: each model's macro-F1 in its own weakest language;
- ``langid_accuracy_lb``: py3langid against the hand-written identifier on Luxembourgish requests;
- ``lb_zero_shot_macro_f1``: the two models trained without any Luxembourgish request, on Luxembourgish;
- ``urgency_macro_f1``: the urgency head against the majority urgency (where the data have urgency).

The precision of automatically routed requests is a plain check against the target (within two binomial
standard errors), not a comparison with a baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from livinglab.claims import Claim, compare
from livinglab.trust import subgroup_report

from ..contract import LANGUAGE_NAMES, LANGUAGES, OTHER
from .abstention import binomial_margin, coverage_curve
from .ensemble import CrossLingualEnsemble, clean, fit_plain_reference, top_terms
from .router import RequestRouter

MODEL = "the cross-lingual ensemble (linear SVM and stem naive Bayes)"
PLAIN = "plain TF-IDF + logistic regression"
MAJORITY = "always the majority label"
PY3LANGID = "py3langid"
HANDWRITTEN = "the hand-written identifier (character n-grams and cue words, trained on synthetic requests)"
MIN_LANGUAGE_ROWS = 10  # per-language claims need at least this many test requests
MIN_LB_GAP = 20  # the Luxembourgish-gap experiment needs this many Luxembourgish training and test requests


# ----- metrics -------------------------------------------------------------------------------------------
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


def worst_language_macro_f1(y_true, y_pred) -> float:
    """The lowest per-language macro-F1; ``y_true`` holds (label, language) rows."""
    y = np.asarray(y_true, dtype=object)
    pred = np.asarray(y_pred, dtype=object)
    labels, languages = y[:, 0], y[:, 1]
    return min(
        macro_f1(labels[languages == lang], pred[languages == lang]) for lang in sorted(set(languages))
    )


def majority_baseline(y_train, n_test: int) -> np.ndarray:
    """Always the most frequent training label."""
    return np.full(n_test, pd.Series(y_train).value_counts().idxmax(), dtype=object)


def per_class_f1(y_true, y_pred) -> pd.DataFrame:
    labels = sorted(set(pd.Series(y_true).astype(str)))
    p, r, f, n = precision_recall_fscore_support(
        np.asarray(y_true, dtype=object).astype(str),
        np.asarray(y_pred, dtype=object).astype(str),
        labels=labels,
        zero_division=0,
    )
    return pd.DataFrame({"label": labels, "precision": p, "recall": r, "f1": f, "n": n})


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


def _shared_ids(frame: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    """Resampling units of a claim: ids when rows share them (translations of one sentence), else rows."""
    if "id" in frame and frame["id"].duplicated().any():
        return pd.factorize(frame["id"].astype(str))[
            0
        ], "ids (rows sharing an id, e.g. translations, together)"
    return None, "requests"


# ----- routing: the ensemble against its baselines ------------------------------------------------------
@dataclass
class Fitted:
    """The router and the plain reference fitted on the training requests, and their test predictions."""

    router: RequestRouter
    plain: Any
    predictions: dict[str, np.ndarray]  # MODEL, PLAIN, MAJORITY on the test requests
    members: dict[str, np.ndarray] = field(default_factory=dict)  # the ensemble's members alone


def fit(data: Any, *, target_precision: float, seed: int = 0) -> Fitted:
    """Fit the router (ensemble, threshold, urgency head where the data have urgency) and the plain
    reference on the redacted training requests; predict the test requests."""
    train, test, validation = data.train, data.test, data.validation
    router = RequestRouter(target_precision=target_precision, seed=seed).fit(
        train["redacted_text"],
        train["label"],
        validation_texts=None if validation is None else validation["text"],
        validation_labels=None if validation is None else validation["label"],
        groups=data.groups,
        urgency=train["urgency"] if "urgency" in train else None,
        redacted=True,
        label_name=data.label_name,
    )
    plain = fit_plain_reference(train["redacted_text"], train["label"])
    predictions = {
        MODEL: router.model_.predict(test["redacted_text"]),
        PLAIN: plain.predict(clean(test["redacted_text"])),
        MAJORITY: majority_baseline(train["label"], len(test)),
    }
    return Fitted(router, plain, predictions, router.model_.member_predictions(test["redacted_text"]))


def routing_claims(
    data: Any, fitted: Fitted, *, n_boot: int, seed: int
) -> tuple[list[Claim], dict[str, Any], pd.DataFrame]:
    """The claims on the test requests, the metrics beside them, and the table of every model's scores."""
    test = data.test
    y = test["label"].to_numpy(dtype=object)
    languages = test["language"].to_numpy(dtype=object)
    model, plain, majority = (fitted.predictions[k] for k in (MODEL, PLAIN, MAJORITY))
    groups, unit = _shared_ids(test)
    common = {"n_boot": n_boot, "seed": seed, "split": data.split}
    label = f"Macro-F1 of the routing by {data.label_name} (test requests)"
    claims = [
        compare("macro_f1", "macro_f1", macro_f1, y, model, plain, groups=groups, unit=unit,
                label=label, model=MODEL, baseline=PLAIN, **common),
        compare("macro_f1_vs_majority", "macro_f1", macro_f1, y, model, majority, groups=groups, unit=unit,
                label=f"{label}, against the majority label", model=MODEL, baseline=MAJORITY, **common),
        compare("worst_language_macro_f1", "macro_f1", worst_language_macro_f1,
                np.column_stack([y, languages]), model, plain, groups=groups, unit=unit,
                label="Macro-F1 in the weakest language (each model's own)", model=MODEL, baseline=PLAIN,
                **common),
    ]  # fmt: skip
    for lang in sorted(set(languages)):
        mask = languages == lang
        if mask.sum() < MIN_LANGUAGE_ROWS:
            continue
        part_groups, part_unit = _shared_ids(test[mask])
        name = LANGUAGE_NAMES.get(lang, lang)
        claims.append(
            compare(f"macro_f1_{lang}", "macro_f1", macro_f1, y[mask], model[mask], plain[mask],
                    groups=part_groups, unit=part_unit, label=f"Macro-F1 on the {name} test requests",
                    model=MODEL, baseline=PLAIN, **common)
        )  # fmt: skip
    scores = pd.DataFrame(
        {
            "macro-F1": {name: macro_f1(y, p) for name, p in fitted.predictions.items()},
            "accuracy": {name: accuracy(y, p) for name, p in fitted.predictions.items()},
        }
    )
    for name, pred in fitted.members.items():
        scores.loc[f"member alone: {name}"] = [macro_f1(y, pred), accuracy(y, pred)]
    metrics = {
        "accuracy": accuracy(y, model),
        "accuracy_plain_tfidf_lr": accuracy(y, plain),
        "accuracy_majority": accuracy(y, majority),
        "macro_f1_members": {name: round(macro_f1(y, p), 4) for name, p in fitted.members.items()},
    }
    return claims, metrics, scores


def subgroups(
    data: Any, fitted: Fitted, *, n_boot: int, seed: int
) -> tuple[dict, dict[str, Any], pd.DataFrame]:
    """The model's macro-F1 per language and recall per label (subgroup reports), the per-label F1 table
    and the metrics the card quotes (weakest language and label)."""
    test = data.test
    pred = fitted.predictions[MODEL]
    by_language = language_report(test["label"], pred, test["language"], n_boot=n_boot, seed=seed)
    by_label = class_report(test["label"], pred, name=data.label_name, n_boot=n_boot, seed=seed)
    per_class = per_class_f1(test["label"], pred).set_index("label")
    per_class = per_class.join(by_label.table.set_index("group")[["recall_low", "recall_high"]])
    languages = by_language.table.set_index("group")["macro_f1"]
    metrics = {
        "worst_language": str(languages.idxmin()),
        "best_language": str(languages.idxmax()),
        "best_language_macro_f1": float(languages.max()),
        "f1_by_label": per_class["f1"].round(4).to_dict(),
        "worst_label": str(per_class["f1"].idxmin()),
        "worst_label_f1": float(per_class["f1"].min()),
    }
    reports = {"by language": by_language, f"by {data.label_name}": by_label}
    return reports, metrics, per_class


# ----- abstention: a plain check against the target precision ------------------------------------------
def abstention(router: RequestRouter, routed: pd.DataFrame, y_true) -> tuple[dict[str, Any], dict[str, Any]]:
    """Coverage and precision of auto-routed test requests at the threshold chosen on validation (or
    out-of-fold) requests, checked against the target within two binomial standard errors; the tables
    and curves the page shows."""
    op = router.operating_point_
    right = routed["label"].to_numpy() == np.asarray(y_true, dtype=object)
    auto = (routed["route"] == "auto").to_numpy()
    # nothing auto-routed (the target was out of reach): every request goes to a person; NaN, not a crash
    precision = float(right[auto].mean()) if auto.any() else float("nan")
    margin = binomial_margin(router.target_precision, int(auto.sum()), op.n_auto)
    metrics = {
        "target_precision": router.target_precision,
        "abstention_threshold": op.threshold,
        "threshold_chosen_on": router.calibration_,
        "coverage_validation": op.coverage,
        "coverage_at_target_precision": float(auto.mean()),
        "share_to_person": float(1 - auto.mean()),
        "precision_auto_routed": precision,
        "precision_margin": margin,
        "precision_meets_target": bool(auto.any() and precision >= router.target_precision - margin),
        "n_auto_routed": int(auto.sum()),
        "n_auto_routed_validation": op.n_auto,
        "accuracy_if_all_automated": float(right.mean()),
    }
    table = pd.DataFrame(
        {
            f"chosen on {router.calibration_}": {"threshold": op.threshold, "coverage": op.coverage,
                                                 "precision": op.precision},
            "test requests": {"threshold": op.threshold, "coverage": float(auto.mean()), "precision": precision},
        }
    )  # fmt: skip
    validation = router.validation_
    shown = {
        "table": table,
        "validation_curve": coverage_curve(
            validation["confidence"], validation["label"] == validation["truth"]
        ),
        "test_curve": coverage_curve(routed["confidence"], right),
        "operating_point": op,
    }
    return metrics, shown


# ----- language identification: py3langid against the hand-written identifier -------------------------
def language_check(data: Any, *, seed: int = 0, n_words: int = 4, n_boot: int = 200):
    """py3langid against the hand-written identifier on the test requests whose language is known.

    Returns (long table or None, metrics, claim or None, note). The hand-written identifier is trained on
    synthetic requests (the training half of the pools); py3langid needs no training.
    """
    from ..privacy import redact
    from ..synthetic import generate_requests
    from .langid import (
        HandwrittenIdentifier,
        LanguageDetector,
        accuracy_table,
        evaluate_language_id,
        identify,
    )

    if not data.language_known:
        return (
            None,
            {},
            None,
            "The languages of these requests are not given, so identification cannot be scored here.",
        )
    scope = data.test[data.test["language"].isin(LANGUAGES)]
    mono = scope[scope["second_language"] == ""]
    lid_train = generate_requests(1200, seed + 7, phrase_pool="train").requests
    lid_train = lid_train[lid_train["second_language"] == ""]
    hand = HandwrittenIdentifier(seed=seed).fit(redact(lid_train["text"])[0], lid_train["language"])
    detector = LanguageDetector()
    identifiers = {"py3langid": detector, "hand-written": hand}
    predictions = identify(identifiers, mono["redacted_text"], n_words=n_words)
    table = accuracy_table(predictions, mono["language"])
    metrics = {}
    for row in table.itertuples():
        suffix = "" if row.identifier == "py3langid" else "_handwritten"
        short = "" if row.texts == "whole texts" else "short_"
        metrics[f"langid_accuracy_{short}{row.language}{suffix}"] = float(row.accuracy)
    mixed = scope[scope["second_language"] != ""]
    if len(mixed):
        for name, ident in (("", detector), ("_handwritten", hand)):
            res = evaluate_language_id(
                ident, mixed["redacted_text"], mixed["language"], mixed["second_language"]
            )
            metrics[f"langid_code_switched_either{name}"] = res["either_language_code_switched"]
    lb = (mono["language"] == "lb").to_numpy()
    claim = None
    if lb.sum() >= MIN_LANGUAGE_ROWS:
        truth = mono["language"].to_numpy(dtype=object)[lb]
        claim = compare(
            "langid_accuracy_lb", "accuracy", accuracy, truth,
            predictions[("whole texts", "py3langid")][lb], predictions[("whole texts", "hand-written")][lb],
            n_boot=n_boot, seed=seed, unit="requests", label="Language identification accuracy, Luxembourgish",
            model=PY3LANGID, baseline=HANDWRITTEN,
            split="the single-language Luxembourgish test requests (whole texts)",
        )  # fmt: skip
    absent = [LANGUAGE_NAMES[c] for c in LANGUAGES if c not in set(mono["language"])]
    note = f"No {', '.join(absent)} requests in these data: left out of this table." if absent else ""
    return table, metrics, claim, note


# ----- the Luxembourgish gap -------------------------------------------------------------------------------
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
) -> tuple[pd.DataFrame, dict[tuple[str, float | None], np.ndarray]]:
    """Macro-F1 on ``language`` and on the best other language, per training share of ``language``.

    ``shares``: shares of the training set that are in ``language`` (None = all of it, as loaded).
    ``fitted``: ``{name: predictions on test}`` of the models already fitted on the whole training set.
    Returns one row per (model, share) (``n_lang_train``, ``lang_macro_f1``, ``best_other_macro_f1``,
    ``gap``) and the predictions on the test requests per (model, share).
    """
    rng = np.random.default_rng(seed)
    fitted = fitted or {}
    rows, predictions = [], {}
    test_text = clean(test[text_col])
    for share in shares:  # a handful of model fits, not a loop over requests
        keep = np.arange(len(train)) if share is None else _subsample_language(train, language, share, rng)
        subset = train.iloc[keep]
        for name in (PLAIN, MODEL):
            if share is None and name in fitted:
                pred = fitted[name]
            elif name == PLAIN:
                pred = fit_plain_reference(subset[text_col], subset[label_col]).predict(test_text)
            else:
                model = CrossLingualEnsemble(n_folds=3, seed=seed).fit(subset[text_col], subset[label_col])
                pred = model.predict(test_text)
            predictions[(name, share)] = np.asarray(pred, dtype=object)
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
    return pd.DataFrame(rows), predictions


def luxembourgish_gap(data: Any, fitted: Fitted, *, shares, n_boot: int, seed: int):
    """The gap experiment when the data hold enough Luxembourgish requests: (table or None, claim or None,
    metrics, note)."""
    train, test = data.train, data.test
    n_train, n_test = int((train["language"] == "lb").sum()), int((test["language"] == "lb").sum())
    if n_train < MIN_LB_GAP or n_test < MIN_LB_GAP:
        note = (
            f"Skipped: the data hold {n_train} Luxembourgish training requests (and {n_test} test requests); "
            f"the experiment needs {MIN_LB_GAP} of each."
        )
        return None, None, {}, note
    gap, predictions = lb_gap_experiment(
        train, test, shares=tuple(shares) + (None,), seed=seed,
        fitted={MODEL: fitted.predictions[MODEL], PLAIN: fitted.predictions[PLAIN]},
    )  # fmt: skip
    full = gap[gap["n_lang_train"] == gap["n_lang_train"].max()]
    metrics = {"lb_train_share": float(full["lang_train_share"].iloc[0])}
    claim = None
    if (MODEL, 0.0) in predictions:
        lb = (test["language"] == "lb").to_numpy()
        claim = compare(
            "lb_zero_shot_macro_f1", "macro_f1", macro_f1, test["label"].to_numpy(dtype=object)[lb],
            predictions[(MODEL, 0.0)][lb], predictions[(PLAIN, 0.0)][lb], n_boot=n_boot, seed=seed,
            unit="requests", label="Macro-F1 on Luxembourgish with no Luxembourgish training request (zero-shot)",
            model=MODEL, baseline=PLAIN,
            split=f"{data.split}; both models retrained without the Luxembourgish training requests",
        )  # fmt: skip
    return gap, claim, metrics, ""


# ----- urgency and forms (where the data have them: the synthetic requests) ---------------------------
def urgency_and_forms(data: Any, routed: pd.DataFrame, *, n_boot: int, seed: int):
    """The urgency head against the majority urgency, and the form check against the generator's truth:
    (claim or None, metrics, confusion table or None, note)."""
    test = data.test
    if "urgency" not in routed or "urgency" not in test:
        return None, {}, None, "Skipped: these data have no urgency and no form fields."
    truth = test["urgency"].astype(str).to_numpy(dtype=object)
    predicted = routed["urgency"].astype(str).to_numpy(dtype=object)
    majority = majority_baseline(data.train["urgency"].astype(str), len(truth))
    claim = compare(
        "urgency_macro_f1", "macro_f1", macro_f1, truth, predicted, majority, n_boot=n_boot, seed=seed,
        unit="requests", label="Macro-F1 of the urgency (routine, time-sensitive, urgent)",
        model="the urgency head (linear SVM on the router's features)", baseline="always the majority urgency",
        split=data.split,
    )  # fmt: skip
    right = routed["label"].to_numpy() == test["label"].to_numpy()
    metrics = {"urgent_recall": float((predicted[truth == "urgent"] == "urgent").mean())}
    if "missing_fields" in routed and "missing_truth" in test:
        form_ok = (routed["missing_fields"] == test["missing_truth"]) & (
            routed["inconsistencies"] == test["inconsistent_truth"]
        )
        metrics["form_check_agreement"] = float(form_ok[right].mean())
        metrics["share_forms_incomplete"] = float((routed["missing_fields"] != "").mean())
    confusion = pd.crosstab(pd.Series(truth, name="true"), pd.Series(predicted, name="predicted"))
    return claim, metrics, confusion, ""


__all__ = [
    "HANDWRITTEN",
    "MAJORITY",
    "MODEL",
    "OTHER",
    "PLAIN",
    "Fitted",
    "RequestRouter",
    "abstention",
    "accuracy",
    "class_report",
    "fit",
    "language_check",
    "language_report",
    "lb_gap_experiment",
    "luxembourgish_gap",
    "macro_f1",
    "majority_baseline",
    "per_class_f1",
    "routing_claims",
    "subgroups",
    "top_terms",
    "urgency_and_forms",
    "worst_language_macro_f1",
]
