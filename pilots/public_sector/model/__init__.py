"""The public-sector pilot's models, their baselines and their evaluation: every comparison of a model with
a baseline that a page states is a :class:`livinglab.claims.Claim` made here, once.

Models (submodules): :mod:`.candidates` (the models the router chooses from: plain TF-IDF + logistic
regression, a linear SVM on the same features, the cross-lingual ensemble, fastText; the choice on
validation requests), :mod:`.ensemble` (the cross-lingual ensemble), :mod:`.router`
(:class:`RequestRouter`: redaction, routing, abstention, saving), :mod:`.langid` (py3langid and the
hand-written identifier it is measured against), :mod:`.charngrams` (character n-gram TF-IDF) and
:mod:`.abstention` (the threshold for a target precision, the human queue).

The router never ships a model chosen on the test requests: every candidate is fitted on the training
requests, scored on validation requests only (the data's validation part, or a part held out of the
training requests), and the best (ties: the plain model) routes. The test requests score every candidate
once, for the card.

Claims (paired bootstrap intervals of model minus baseline; rows that share an id, such as the translations
of one sentence, are resampled together):

- ``macro_f1``: the router's model (the chosen candidate) against plain TF-IDF + logistic regression, on
  the test requests; ``macro_f1_<candidate>_vs_plain`` every other candidate against the plain model;
  ``macro_f1_vs_majority`` the router's model against always the majority label; ``macro_f1_<language>``
  per language;
- ``worst_language_macro_f1``: each model's macro-F1 in its own weakest language;
- ``langid_accuracy_lb``: py3langid against the hand-written identifier on Luxembourgish requests;
- ``lb_zero_shot_macro_f1``: the ensemble and the plain model trained without any Luxembourgish request;
- ``urgency_macro_f1``: the urgency head against the majority urgency (where the data have urgency);
- ``urgent_recall``: the share of the urgent test requests the urgency head calls urgent, against a keyword
  rule (a request is urgent when it says so: :data:`URGENT_WORDS` in any of the four languages).

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
from livinglab.trust.metrics import accuracy, macro_f1  # scikit-learn's numbers, all resamples at once

from ..contract import LANGUAGE_NAMES, LANGUAGES, OTHER
from .abstention import binomial_margin, coverage_curve
from .candidates import WORDS, LinearTextModel
from .ensemble import CrossLingualEnsemble, clean, top_terms
from .router import RequestRouter

MODEL = WORDS["ensemble"]
PLAIN = WORDS["plain"]
MAJORITY = "always the majority label"
MAJORITY_KEY = "majority"
PY3LANGID = "py3langid"
HANDWRITTEN = "the hand-written identifier (character n-grams and cue words, trained on synthetic requests)"
MIN_LANGUAGE_ROWS = 10  # per-language claims need at least this many test requests
MIN_LB_GAP = 20  # the Luxembourgish-gap experiment needs this many Luxembourgish training and test requests
#: The keyword rule the urgency head's recall of urgent requests is compared with: a word saying "urgent" or
#: "emergency" in French, German, Luxembourgish or English (any case, any ending).
URGENT_WORDS = r"\b(?:urgen\w*|dringend\w*|dr[eé]ngend\w*|eilt|eilig\w*|notfall\w*|emergenc\w*|asap)\b"
KEYWORD_RULE = "a keyword rule (urgent, urgence, dringend, dréngend, eilt, emergency ... in the text)"
MIN_URGENT = 5  # the urgent-recall claim needs this many urgent test requests


# ----- metrics -------------------------------------------------------------------------------------------
#: ``accuracy`` (imported): the share of rows predicted right, scored on all bootstrap resamples at once;
#: inside one true label (``class_report``) it is that label's recall.
recall = accuracy


def worst_language_macro_f1(y_true, y_pred) -> float:
    """The lowest per-language macro-F1; ``y_true`` holds (label, language) rows."""
    y = np.asarray(y_true, dtype=object)
    pred = np.asarray(y_pred, dtype=object)
    labels, languages = y[:, 0], y[:, 1]
    return min(
        macro_f1(labels[languages == lang], pred[languages == lang]) for lang in sorted(set(languages))
    )


def recall_of(positive: str):
    """The recall of the label ``positive`` (the share of its true rows predicted as it) as a score."""

    def recall(y_true, y_pred) -> float:
        true = np.asarray(y_true, dtype=object) == positive
        return float((true & (np.asarray(y_pred, dtype=object) == positive)).sum() / max(true.sum(), 1))

    return recall


def keyword_urgency(texts: pd.Series) -> np.ndarray:
    """The keyword rule: "urgent" where a text holds one of :data:`URGENT_WORDS`, else "not urgent"."""
    said = pd.Series(texts, dtype=object).astype(str).str.contains(URGENT_WORDS, case=False, regex=True)
    return np.where(said.to_numpy(), "urgent", "not urgent").astype(object)


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
    for link, words in (("group", "groups (rows of a group together)"),
                        ("id", "ids (rows sharing an id, e.g. translations, together)")):  # fmt: skip
        if link in frame and frame[link].notna().all() and frame[link].duplicated().any():
            return pd.factorize(frame[link].astype(str))[0], words
    return None, "requests"


# ----- routing: the candidates, the choice on validation data, the claims against the plain model ------
@dataclass
class Fitted:
    """The candidates fitted on the training requests, the one chosen on validation requests (the router
    routes with it), and the test predictions of every candidate.

    ``predictions``: per candidate name (``plain``, ``svm``, ``ensemble``, ``fasttext``) and ``majority``.
    """

    router: RequestRouter
    plain: Any
    predictions: dict[str, np.ndarray]
    members: dict[str, np.ndarray] = field(default_factory=dict)  # the ensemble's members alone
    chosen: str = "plain"
    choice: pd.DataFrame | None = None  # per candidate: validation scores, chosen
    models: dict[str, Any] = field(default_factory=dict)  # the fitted candidates (as shipped)
    removed_words: int = 0  # distinct words the redactor took out of the training requests


def selection_split(train: pd.DataFrame, groups, seed: int, share: float = 0.2) -> tuple[np.ndarray, str]:
    """Which training rows are held out to choose the model (boolean mask) and how, in words: the latest
    ``share`` when the requests have time stamps, else a random ``share`` of the groups (rows sharing an
    id or near-duplicates stay together), stratified by label; a label of a single row stays in training."""
    n = len(train)
    if "timestamp" in train and train["timestamp"].notna().all():
        order = train["timestamp"].rank(method="first").to_numpy()
        held = order > n - int(round(share * n))
        return held, f"the latest {held.mean():.0%} of the training requests"
    key = np.asarray(groups) if groups is not None else np.arange(n)
    codes, uniques = pd.factorize(pd.Series(key).astype(str))
    draw = np.random.default_rng(seed + 17).random(len(uniques))[codes]
    labels = train["label"].to_numpy()
    rank = pd.Series(draw).groupby(labels).rank(method="dense").to_numpy()
    per_label = pd.Series(codes).groupby(labels).transform("nunique").to_numpy()
    held = rank > per_label - np.floor(share * per_label)
    if groups is not None:  # a group goes where most of its rows went
        held = pd.Series(held).groupby(codes).transform("mean").to_numpy() >= 0.5
    together = " (rows of a group together)" if groups is not None else ""
    return held, f"a random {held.mean():.0%} of the training requests{together}, stratified by label"


def fit(
    data: Any,
    *,
    target_precision: float,
    seed: int = 0,
    removed: frozenset[str] = frozenset(),
    factories: dict | None = None,
) -> Fitted:
    """Fit every candidate on the redacted training requests (without any word the redactor ``removed``),
    choose one on validation requests only (the data's, or held out of training), fit the router with it,
    predict the test requests with every candidate. Raises when a vocabulary holds a removed word."""
    from ..privacy import scrub, vocabulary_leaks
    from .candidates import candidates, choose, model_words, refit

    train, test, validation = data.train, data.test, data.validation
    factories = factories or candidates(seed)
    texts = scrub(train["redacted_text"], removed)
    labels = train["label"].astype(str).reset_index(drop=True)
    groups = data.groups
    if validation is not None:
        choice = choose(factories, texts, labels, validation["redacted_text"], validation["label"],
                        groups=groups, where="validation requests", score=macro_f1)  # fmt: skip
        shipped = choice.models
    else:
        held, how = selection_split(train, groups, seed)
        inner_groups = None if groups is None else np.asarray(groups)[~held]
        choice = choose(
            factories, texts[~held].reset_index(drop=True), labels[~held].reset_index(drop=True),
            train["redacted_text"][held], labels[held], groups=inner_groups,
            where=f"validation requests held out of training ({how}); the chosen model is then fitted on all "
            "training requests", score=macro_f1,
        )  # fmt: skip
        shipped = {
            name: refit(make, texts, labels, groups=groups, like=choice.models[name])
            for name, make in factories.items()
        }
    for name, fitted_model in shipped.items():
        leaks = vocabulary_leaks(model_words(fitted_model), removed)
        if leaks:
            raise RuntimeError(
                f"the {name} model's vocabulary holds {len(leaks)} word(s) the redactor removed; nothing is saved."
            )
    chosen = choice.chosen
    router = RequestRouter(target_precision=target_precision, seed=seed, model=shipped[chosen]).fit(
        texts, labels, validation_proba=choice.validation_proba, validation_labels=choice.validation_labels,
        calibration=choice.where, urgency=train["urgency"] if "urgency" in train else None, redacted=True,
        label_name=data.label_name, languages=sorted(set(train["language"])) if data.language_known else None,
    )  # fmt: skip
    router.model_name_ = chosen
    test_texts = test["redacted_text"]
    predictions = {name: np.asarray(m.predict(test_texts), dtype=object) for name, m in shipped.items()}
    predictions[MAJORITY_KEY] = majority_baseline(train["label"], len(test))
    members = shipped["ensemble"].member_predictions(test_texts) if "ensemble" in shipped else {}
    return Fitted(router, shipped["plain"], predictions, members, chosen, choice.table, shipped, len(removed))


def _words(name: str, chosen: str) -> str:
    return WORDS.get(name, name) + (" (chosen on validation; the router uses it)" if name == chosen else "")


def routing_claims(
    data: Any, fitted: Fitted, *, n_boot: int, seed: int
) -> tuple[list[Claim], dict[str, Any], pd.DataFrame]:
    """The claims on the test requests (the router's model and every other candidate against the plain
    model, the router's model against the majority label, per language), the metrics beside them, and the
    table of every candidate's scores (validation and test)."""
    test = data.test
    y = test["label"].to_numpy(dtype=object)
    languages = test["language"].to_numpy(dtype=object)
    chosen = fitted.chosen
    model, plain, majority = (fitted.predictions[k] for k in (chosen, "plain", MAJORITY_KEY))
    groups, unit = _shared_ids(test)
    common = {"n_boot": n_boot, "seed": seed, "split": data.split}
    label = f"Macro-F1 of the routing by {data.label_name} (test requests)"
    routing_model = _words(chosen, chosen)
    claims = [
        compare("macro_f1", "macro_f1", macro_f1, y, model, plain, groups=groups, unit=unit,
                label=label, model=routing_model, baseline=PLAIN, **common),
        compare("macro_f1_vs_majority", "macro_f1", macro_f1, y, model, majority, groups=groups, unit=unit,
                label=f"{label}, against the majority label", model=routing_model, baseline=MAJORITY, **common),
        compare("worst_language_macro_f1", "macro_f1", worst_language_macro_f1,
                np.column_stack([y, languages]), model, plain, groups=groups, unit=unit,
                label="Macro-F1 in the weakest language (each model's own)", model=routing_model,
                baseline=PLAIN, **common),
    ]  # fmt: skip
    for name in fitted.predictions:
        if name in ("plain", MAJORITY_KEY):
            continue
        claims.append(
            compare(f"macro_f1_{name}_vs_plain", "macro_f1", macro_f1, y, fitted.predictions[name], plain,
                    groups=groups, unit=unit, label=f"{label}: candidate '{name}'",
                    model=_words(name, chosen), baseline=PLAIN, **common)
        )  # fmt: skip
    for lang in sorted(set(languages)):
        mask = languages == lang
        if mask.sum() < MIN_LANGUAGE_ROWS:
            continue
        part_groups, part_unit = _shared_ids(test[mask])
        name = LANGUAGE_NAMES.get(lang, lang)
        claims.append(
            compare(f"macro_f1_{lang}", "macro_f1", macro_f1, y[mask], model[mask], plain[mask],
                    groups=part_groups, unit=part_unit, label=f"Macro-F1 on the {name} test requests",
                    model=routing_model, baseline=PLAIN, **common)
        )  # fmt: skip
    choice = fitted.choice.set_index("candidate") if fitted.choice is not None else None
    rows = {}
    for name, pred in fitted.predictions.items():
        rows[_words(name, chosen) if name != MAJORITY_KEY else MAJORITY] = {
            "validation macro-F1": np.nan if choice is None or name not in choice.index
            else float(choice.loc[name, "validation_macro_f1"]),
            "test macro-F1": macro_f1(y, pred),
            "test accuracy": accuracy(y, pred),
        }  # fmt: skip
    for name, pred in fitted.members.items():
        rows[f"ensemble member alone: {name}"] = {
            "validation macro-F1": np.nan, "test macro-F1": macro_f1(y, pred), "test accuracy": accuracy(y, pred)
        }  # fmt: skip
    scores = pd.DataFrame(rows).T
    metrics = {
        "routing_model": chosen,
        "candidates": [n for n in fitted.predictions if n != MAJORITY_KEY],
        "validation_macro_f1": {} if choice is None else choice["validation_macro_f1"].round(4).to_dict(),
        "test_macro_f1_by_candidate": {
            n: round(macro_f1(y, p), 4) for n, p in fitted.predictions.items() if n != MAJORITY_KEY
        },
        "model_chosen_on": fitted.router.calibration_ if fitted.router is not None else "",
        # a candidate ahead of the plain model on validation, but not clearly: the plain model routes
        "model_choice_fallback": "" if choice is None else "; ".join(fitted.choice.attrs.get("notes", [])),
        "accuracy": accuracy(y, model),
        "accuracy_plain_tfidf_lr": accuracy(y, plain),
        "accuracy_majority": accuracy(y, majority),
        "macro_f1_members": {name: round(macro_f1(y, p), 4) for name, p in fitted.members.items()},
        "fasttext_candidate": "fasttext" in fitted.predictions,
        "vocabulary_removed_words": 0,  # fit() raised otherwise
        "redactor_removed_distinct_words": fitted.removed_words,
    }
    return claims, metrics, scores


def subgroups(
    data: Any, fitted: Fitted, *, n_boot: int, seed: int
) -> tuple[dict, dict[str, Any], pd.DataFrame]:
    """The model's macro-F1 per language and recall per label (subgroup reports), the per-label F1 table
    and the metrics the card quotes (weakest language and label)."""
    test = data.test
    pred = fitted.predictions[fitted.chosen]
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
            if share is None and fitted.get(name) is not None:
                pred = fitted[name]
            elif name == PLAIN:
                pred = (
                    LinearTextModel("lr", seed=seed)
                    .fit(subset[text_col], subset[label_col])
                    .predict(test_text)
                )
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
        fitted={MODEL: fitted.predictions.get("ensemble"), PLAIN: fitted.predictions["plain"]},
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
    """The urgency head against the majority urgency, its recall of urgent requests against the keyword rule
    (with at least :data:`MIN_URGENT` urgent test requests), and the form check against the generator's truth:
    (claims, metrics, confusion table or None, note)."""
    test = data.test
    if "urgency" not in routed or "urgency" not in test:
        return [], {}, None, "Skipped: these data have no urgency and no form fields."
    truth = test["urgency"].astype(str).to_numpy(dtype=object)
    predicted = routed["urgency"].astype(str).to_numpy(dtype=object)
    majority = majority_baseline(data.train["urgency"].astype(str), len(truth))
    claim = compare(
        "urgency_macro_f1", "macro_f1", macro_f1, truth, predicted, majority, n_boot=n_boot, seed=seed,
        unit="requests", label="Macro-F1 of the urgency (routine, time-sensitive, urgent)",
        model="the urgency head (linear SVM on the router's features)", baseline="always the majority urgency",
        split=data.split,
    )  # fmt: skip
    claims = [claim]
    metrics = {
        "urgent_recall": recall_of("urgent")(truth, predicted),
        "urgent_test_requests": int((truth == "urgent").sum()),
    }
    if metrics["urgent_test_requests"] >= MIN_URGENT:
        texts = test["redacted_text"] if "redacted_text" in test else test["text"]
        claims.append(compare(
            "urgent_recall", "recall", recall_of("urgent"), truth, predicted, keyword_urgency(texts),
            n_boot=n_boot, seed=seed, unit="requests",
            label="Recall of urgent requests (share of the urgent test requests called urgent)",
            model="the urgency head (linear SVM on the router's features)", baseline=KEYWORD_RULE,
            split=data.split,
        ))  # fmt: skip
    right = routed["label"].to_numpy() == test["label"].to_numpy()
    if "missing_fields" in routed and "missing_truth" in test:
        form_ok = (routed["missing_fields"] == test["missing_truth"]) & (
            routed["inconsistencies"] == test["inconsistent_truth"]
        )
        metrics["form_check_agreement"] = float(form_ok[right].mean())
        metrics["share_forms_incomplete"] = float((routed["missing_fields"] != "").mean())
    confusion = pd.crosstab(pd.Series(truth, name="true"), pd.Series(predicted, name="predicted"))
    return claims, metrics, confusion, ""


__all__ = [
    "HANDWRITTEN",
    "KEYWORD_RULE",
    "URGENT_WORDS",
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
    "keyword_urgency",
    "language_check",
    "language_report",
    "lb_gap_experiment",
    "luxembourgish_gap",
    "macro_f1",
    "majority_baseline",
    "per_class_f1",
    "recall_of",
    "routing_claims",
    "subgroups",
    "top_terms",
    "urgency_and_forms",
    "worst_language_macro_f1",
]
