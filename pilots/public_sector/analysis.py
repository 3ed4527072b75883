"""The notebook's steps, each returning what it shows and the values it records (the notebook stays thin).

Each function works on a :class:`data.RequestData` and returns plain tables, figures and a dict of metrics
with the names the notebook records (``livinglab.record_many``), the card and ``pilot.yaml`` use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livinglab.trust import bootstrap_ci

from . import evaluation as ev
from .data import RequestData
from .langid import HandwrittenIdentifier, LanguageDetector, compare_identifiers, evaluate_language_id
from .models import fit_plain_reference
from .pipeline import RequestRouter, redact
from .privacy import pii_recall, recall_table
from .themes import LANGUAGE_NAMES, LANGUAGES

PLAIN = "plain TF-IDF + LR"
#: the metrics compared with earlier runs (as in pilot.yaml's key metrics)
KEY_METRICS = [
    "macro_f1",
    "macro_f1_plain_tfidf_lr",
    "macro_f1_margin_plain",
    "worst_language_macro_f1",
    "precision_auto_routed",
    "coverage_at_target_precision",
    "langid_accuracy_lb",
    "pii_recall_name",
    "throughput_per_s",
]
MODEL = "cross-lingual ensemble"
MAJORITY = "majority label"


def redact_parts(data: RequestData) -> pd.DataFrame:
    """Redact every part in place (column ``redacted_text``); returns the replacements per kind."""
    counts = []
    for part in (data.train, data.validation, data.test):
        if part is not None:
            part["redacted_text"], c = redact(part["text"])
            counts.append(c.sum())
    return pd.concat(counts, axis=1).sum(axis=1).astype(int).rename("replacements").to_frame()


def pii_bench(data: RequestData, *, seed: int = 0, n_boot: int = 200, n_bench: int = 800):
    """Recall of the redactor per kind of identifier (and per way of writing it), with intervals.

    Synthetic mode: on this run's own requests. Otherwise on held-out synthetic requests generated for
    the check (``n_bench``, the test half of every pool): a partner's file has no planted truth.
    Returns (per kind, per form, metrics, where it was measured).
    """
    from .synthetic import generate_requests

    if data.synthetic:
        parts = [p for p in (data.train, data.validation, data.test) if p is not None]
        frame = pd.concat(parts, ignore_index=True).set_index("request_id")
        truth = data.truth.pii
        where = "this run's synthetic requests"
    else:
        bench = generate_requests(n_bench, seed + 101, phrase_pool="test", id_prefix="PII")
        frame = bench.requests.set_index("request_id")
        frame["redacted_text"] = redact(frame["text"])[0].to_numpy()
        truth = bench.pii
        where = (
            f"{n_bench} held-out synthetic requests generated for this check (a file has no planted truth)"
        )
    recall = pii_recall(frame["text"], frame["redacted_text"], truth)
    per_kind = recall_table(recall, ("kind",), n_boot=n_boot, seed=seed)
    per_form = recall_table(recall, ("kind", "form"), n_boot=n_boot, seed=seed)
    metrics = {}
    for row in per_kind.itertuples():
        metrics[f"pii_recall_{row.kind}"] = float(row.recall)
        metrics[f"pii_recall_{row.kind}_ci"] = [float(row.recall_low), float(row.recall_high)]
    metrics["pii_planted_values"] = int(per_kind["planted"].sum())
    metrics["pii_leaked_values"] = int((per_kind["planted"] - per_kind["found"]).sum())
    return per_kind, per_form, metrics, where


def recall_markdown(per_kind: pd.DataFrame, where: str) -> str:
    """The PII recall table for the model card."""
    rows = [
        "| identifier | planted | found (no piece left) | recall [95% CI] |",
        "|---|---|---|---|",
    ]
    rows += [
        f"| {r.kind} | {r.planted:,} | {r.found:,} | {r.recall:.3f} [{r.recall_low:.3f}, {r.recall_high:.3f}] |"
        for r in per_kind.itertuples()
    ]
    return "\n".join(rows) + f"\n\nMeasured on {where}; a leak is any word of a name or digit group left."


def language_check(data: RequestData, *, seed: int = 0, n_words: int = 4):
    """py3langid against the hand-written identifier on the requests whose language is known.

    Returns (long table, metrics, note). The hand-written identifier is trained on synthetic requests
    (the training half of the pools); py3langid needs no training.
    """
    from .synthetic import generate_requests

    known = data.language_origin and "detected" not in data.language_origin
    evaluated = data.test if data.test is not None else None
    if not known or evaluated is None:
        return (
            None,
            {},
            "The languages of these requests are not given, so identification cannot be scored here.",
        )
    scope = evaluated[evaluated["language"].isin(LANGUAGES)]
    mono = scope[scope["second_language"] == ""] if "second_language" in scope else scope
    lid_train = generate_requests(1200, seed + 7, phrase_pool="train").requests
    lid_train = lid_train[lid_train["second_language"] == ""]
    hand = HandwrittenIdentifier(seed=seed).fit(redact(lid_train["text"])[0], lid_train["language"])
    detector = LanguageDetector()
    texts = mono["redacted_text"] if "redacted_text" in mono else redact(mono["text"])[0]
    table = compare_identifiers(
        {"py3langid": detector, "hand-written": hand}, texts, mono["language"], n_words=n_words
    )
    metrics = {}
    for row in table.itertuples():
        suffix = "" if row.identifier == "py3langid" else "_handwritten"
        short = "" if row.texts == "whole texts" else "short_"
        metrics[f"langid_accuracy_{short}{row.language}{suffix}"] = float(row.accuracy)
    mixed = scope[scope.get("second_language", pd.Series("", index=scope.index)) != ""]
    if len(mixed):
        for name, ident in (("", detector), ("_handwritten", hand)):
            res = evaluate_language_id(
                ident, mixed["redacted_text"], mixed["language"], mixed["second_language"]
            )
            metrics[f"langid_code_switched_either{name}"] = res["either_language_code_switched"]
    absent = [LANGUAGE_NAMES[c] for c in LANGUAGES if c not in set(mono["language"])]
    note = f"No {', '.join(absent)} requests in these data: left out of this table." if absent else ""
    return table, metrics, note


def fit_and_compare(data: RequestData, *, target_precision: float, seed: int = 0, n_boot: int = 200):
    """Fit the router (ensemble) and the plain reference on the training requests; score both on the test
    requests with the majority label, with paired intervals of the differences (pooled and per language).

    Returns (router, predictions {name: array}, scores, differences, metrics).
    """
    train, test = data.train, data.test
    router = RequestRouter(target_precision=target_precision, seed=seed).fit(
        train["redacted_text"],
        train["label"],
        validation_texts=None if data.validation is None else data.validation["text"],
        validation_labels=None if data.validation is None else data.validation["label"],
        groups=data.groups,
        urgency=train["urgency"] if "urgency" in train else None,
        redacted=True,
        label_name=data.label_name,
    )
    plain = fit_plain_reference(train["redacted_text"], train["label"])
    from .models import clean

    predictions = {
        MODEL: router.model_.predict(test["redacted_text"]),
        PLAIN: plain.predict(clean(test["redacted_text"])),
        MAJORITY: ev.majority_baseline(train["label"], len(test)),
    }
    y = test["label"].to_numpy(dtype=object)
    scores, diffs = ev.compare_models(y, predictions, MODEL, test["language"], n_boot=n_boot, seed=seed)
    members = router.model_.member_predictions(test["redacted_text"])
    for name, pred in members.items():
        scores.loc[f"  member: {name}"] = [ev.macro_f1(y, pred), ev.accuracy(y, pred)]
    cis = {
        name: bootstrap_ci(ev.macro_f1, y, predictions[name], n_boot=n_boot, seed=seed)
        for name in (MODEL, PLAIN)
    }
    pooled = diffs[diffs["language"] == "all"].set_index("baseline")
    per_lang = diffs[diffs["language"] != "all"]
    metrics = {
        "macro_f1": cis[MODEL].estimate,
        "macro_f1_ci": [cis[MODEL].low, cis[MODEL].high],
        "macro_f1_plain_tfidf_lr": cis[PLAIN].estimate,
        "macro_f1_plain_tfidf_lr_ci": [cis[PLAIN].low, cis[PLAIN].high],
        "macro_f1_majority": ev.macro_f1(y, predictions[MAJORITY]),
        "accuracy": ev.accuracy(y, predictions[MODEL]),
        "accuracy_plain_tfidf_lr": ev.accuracy(y, predictions[PLAIN]),
        "accuracy_majority": ev.accuracy(y, predictions[MAJORITY]),
        "macro_f1_margin_plain": float(pooled.loc[PLAIN, "difference"]),
        "macro_f1_margin_plain_ci": [float(pooled.loc[PLAIN, "low"]), float(pooled.loc[PLAIN, "high"])],
        "macro_f1_margin_majority": float(pooled.loc[MAJORITY, "difference"]),
        "macro_f1_margin_majority_ci": [
            float(pooled.loc[MAJORITY, "low"]),
            float(pooled.loc[MAJORITY, "high"]),
        ],
        "macro_f1_members": {name: round(ev.macro_f1(y, p), 4) for name, p in members.items()},
        "model": MODEL,
    }
    plain_lang = per_lang[per_lang["baseline"] == PLAIN]
    if len(plain_lang):
        metrics["macro_f1_margin_plain_by_language"] = {
            r.language: [round(r.difference, 4), round(r.low, 4), round(r.high, 4)]
            for r in plain_lang.itertuples()
        }
        metrics["languages_beating_plain"] = int(plain_lang["beats"].sum())
    return router, predictions, scores, diffs, metrics


def language_figure(diffs: pd.DataFrame, predictions: dict, y, languages, label_name: str):
    """Macro-F1 per language, model and plain reference, with the difference's interval in the labels."""
    import matplotlib.pyplot as plt

    langs = sorted(set(np.asarray(languages, dtype=object)))
    langs_arr = np.asarray(languages, dtype=object)
    y = np.asarray(y, dtype=object)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.38
    x = np.arange(len(langs))
    for k, name in enumerate((PLAIN, MODEL)):
        vals = [
            ev.macro_f1(y[langs_arr == lang], np.asarray(predictions[name])[langs_arr == lang])
            for lang in langs
        ]
        ax.bar(x + (k - 0.5) * width, vals, width, label=name, color=("#9aa5b1", "#1f6f8b")[k])
    plain = diffs[(diffs["baseline"] == PLAIN)].set_index("language")
    labels = []
    for lang in langs:
        name = LANGUAGE_NAMES.get(lang, lang)
        if lang in plain.index:
            r = plain.loc[lang]
            labels.append(f"{name}\n{r['difference']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}]")
        else:
            labels.append(name)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel("macro-F1 (test)")
    ax.set_ylim(0, 1)
    ax.set_title(f"Routing by {label_name}: ensemble vs plain reference, per language (difference [95% CI])")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def abstention_metrics(router: RequestRouter, routed: pd.DataFrame, y_true) -> tuple[dict, pd.DataFrame]:
    """Coverage and precision of auto-routed requests on the test requests at the chosen threshold."""
    op = router.operating_point_
    right = routed["label"].to_numpy() == np.asarray(y_true, dtype=object)
    auto = (routed["route"] == "auto").to_numpy()
    # nothing auto-routed (the target was out of reach): every request goes to a person; NaN, not a crash
    precision = float(right[auto].mean()) if auto.any() else float("nan")
    metrics = {
        "target_precision": router.target_precision,
        "abstention_threshold": op.threshold,
        "threshold_chosen_on": router.calibration_,
        "coverage_validation": op.coverage,
        "coverage_at_target_precision": float(auto.mean()),
        "share_to_person": float(1 - auto.mean()),
        "precision_auto_routed": precision,
        "n_auto_routed": int(auto.sum()),
        "n_auto_routed_validation": op.n_auto,
        "accuracy_if_all_automated": float(right.mean()),
    }
    table = pd.DataFrame(
        {
            f"chosen on {router.calibration_}": {
                "threshold": op.threshold,
                "coverage": op.coverage,
                "precision": op.precision,
            },
            "test requests": {
                "threshold": op.threshold,
                "coverage": float(auto.mean()),
                "precision": precision,
            },
        }
    )
    return metrics, table


def absent_languages(languages) -> str:
    """A one-line note naming the languages in scope that the data lack ("" when all are there)."""
    present = set(pd.Series(languages).astype(str))
    absent = [LANGUAGE_NAMES[c] for c in LANGUAGES if c not in present]
    return f"No {', '.join(absent)} requests in these data: skipped in this table." if absent else ""


def card_facts(data: RequestData, pii_kind: pd.DataFrame, pii_where: str) -> dict:
    """Values the card's text needs besides the recorded metrics: its title and the PII recall table."""
    if data.synthetic:
        title = "Routing citizens' requests to the competent administration (synthetic Guichet.lu requests)"
    elif data.mode == "real":
        title = f"Routing texts by {data.label_name} in four languages (SIB-200 sentences)"
    else:
        title = f"Routing requests by {data.label_name}: {data.loaded.name}"
    return {"card_title": title, "pii_recall_table": recall_markdown(pii_kind, pii_where)}
