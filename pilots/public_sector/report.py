"""What the public-sector pages show, built from a :class:`run.RequestsResult`: sentences, tables, figures
and the model card. Nothing is computed here: every number comes from the result, and every comparison
with a baseline is the sentence of its claim (the same one the card and the index show).

Example texts pass :func:`privacy.public_text` (the redactor, then dates, amounts, addresses, family and
health details, numbers and words of fewer than two training requests masked).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown

from livinglab import show
from livinglab.claims import fmt, signed
from livinglab.trust import ModelCard

from .contract import LANGUAGE_NAMES
from .model.router import PICKLE_WARNING
from .privacy import examples_html
from .synthetic.themes import theme_table

HERE = Path(__file__).resolve().parent
MODEL_COLOUR, PLAIN_COLOUR = "#1f6f8b", "#9aa5b1"


def _claim(result, name: str):
    return next((c for c in result.claims if c.name == name), None)


def _language_claims(result) -> list:
    """The per-language claims (``macro_f1_<language>``), in language order."""
    names = {f"macro_f1_{code}" for code in result.requests.languages}
    return [c for c in result.claims if c.name in names]


def _bullets(lines) -> str:
    return "\n".join(f"- {line}" for line in lines)


# ----- the data --------------------------------------------------------------------------------------------
def data_story(result) -> Markdown:
    """A paragraph on what was loaded and how it was split, computed from the result."""
    requests, data = result.requests, result.data
    counts = {name: len(part) for name, part in requests.parts.items()}
    languages = ", ".join(f"{LANGUAGE_NAMES.get(c, c)} ({c})" for c in requests.languages)
    if data.is_synthetic:
        head = (
            "**These requests are SYNTHETIC**: no citizen wrote them. The embedded generator writes requests "
            "to Guichet.lu, the Luxembourg government's one-stop portal, in French, German, Luxembourgish and "
            "English (12% mix two languages), with typos, dropped accents and planted personal data, about 13 "
            "themes each handled by one administration plus an *other / not for us* route. Training requests "
            "use one half of every phrase pool and of the writers, validation and test requests the other "
            "half: a synthetic score says how the method carries to wordings and writers it never saw, not "
            "how real requests would be routed."
        )
    elif data.mode == "real":
        head = (
            "Real sentences: **SIB-200** (Adelani et al. 2024; sentences of FLORES-200, CC BY-SA 4.0), the same "
            "sentences in each language, labelled with topics. Topics are not an administration's services: "
            f"this checks the method on real text in the four languages, not the routing of real requests. "
            f"{data.describe()}"
        )
    else:
        head = f"A file given by `data_path`: **{data.source.dataset}** ({data.report.summary()})."
    if not requests.labelled:
        body = (
            f" {counts['test']:,} unlabelled requests to route with the saved model; languages: {languages}."
        )
    else:
        labels = requests.labels
        shown = ", ".join(f"*{label}*" for label in labels[:12]) + (", ..." if len(labels) > 12 else "")
        body = (
            f" {sum(counts.values()):,} labelled requests ({', '.join(f'{k} {v:,}' for k, v in counts.items())}); "
            f"{len(labels)} values of the {requests.label_name}: {shown}; languages: {languages} "
            f"({requests.language_origin}). Split: {requests.split}."
        )
    notes = f"\n\nNotes:\n{_bullets(result.notes)}" if result.notes else ""
    return Markdown(head + body + " " + near_duplicates(result) + notes)


def near_duplicates(result) -> str:
    """One sentence on the near-duplicates and translations found across the split."""
    m = result.metrics
    if m.get("near_duplicates", "off") == "off" or not result.requests.labelled:
        return ""
    share = m["near_duplicate_share_test"]
    found = (
        f"Near-duplicates looked for (character n-grams; translations through shared numbers and names): "
        f"{m['near_duplicate_pairs']:,} pairs among all {result.data.rows:,} requests of every split, "
        f"{m['near_duplicate_cross_lingual_pairs']:,} of them across languages; {share:.1%} of the test requests "
        "have one among the training requests"
    )
    if m["split_keeps_near_duplicates_together"]:
        return found + " (the split keeps the groups they form together)."
    if m["near_duplicate_warning"]:
        return found + (
            ": **the test scores are optimistic**; a group or id column, or `-p near_duplicates group`, keeps "
            "related texts on one side."
        )
    return found + "."


def overview(result) -> show.Table:
    """Requests per label (or, unlabelled, per language) in each part."""
    requests = result.requests
    both = pd.concat([part.assign(part=name) for name, part in requests.parts.items()], ignore_index=True)
    by = "label" if requests.labelled else "language"
    counts = pd.crosstab(both[by], both["part"], margins=True, margins_name="all parts")
    counts = counts.rename(index={"all parts": "all"}).rename_axis(
        index=result.label_name if requests.labelled else by
    )
    return show.table(counts, f"Requests per {counts.index.name} in each part", max_rows=60)


def themes(result) -> show.Table | None:
    """The synthetic themes, the administration of each and the fields its form requires (synthetic data
    only: a partner's labels are their own)."""
    if not result.data.is_synthetic:
        return None
    headers = {"short_name": "short name", "required_fields": "fields its form requires"}
    return show.table(
        theme_table(), "The synthetic themes and the administration handling each", headers=headers
    )


def shown(fig, caption: str):
    """A figure of this page as the reader sees it (:func:`livinglab.show.figure`: compressed, its caption as
    alt text); nothing when the section has no figure."""
    return None if fig is None else show.figure(fig, caption)


def readable(items) -> tuple:
    """What a section returns, each table made for reading (:func:`livinglab.show.table`)."""
    items = items if isinstance(items, tuple) else (items,)
    return tuple(show.table(i) if isinstance(i, (pd.DataFrame, pd.Series)) else i for i in items)


# ----- personal data ----------------------------------------------------------------------------------------
def redaction(result) -> Markdown:
    """What the redactor replaced, and where (and on what) its recall was measured."""
    replaced = ", ".join(f"{kind} {n:,}" for kind, n in result.replacements["replacements"].items())
    return Markdown(
        f"Replacements in the loaded texts by kind: {replaced}.\n\n"
        f"**Recall of the redactor** on the identifiers the synthetic generator planted, measured on "
        f"{result.pii_where}. The generator writes most names after the very cue words the redactor looks "
        "for (titles, self-introductions, closings), so this recall shows how the rules work on the "
        "generator's text; it is not a measurement on real requests."
    )


def redaction_heldout(result):
    """The redactor on the hand-written corpus kept apart from the generator: a sentence and the table."""
    table = result.redaction_heldout
    if table is None:
        return (Markdown("No held-out redaction corpus in this run."),)
    n = int(table["texts"].iloc[0])
    library = int(table["library_examples"].iloc[0]) if "library_examples" in table else 0
    sentence = (
        f"**On {n - library} requests written by hand** in the four languages and kept apart from the generator "
        "(names in lower case, after closings and self-introductions, addresses with compound street names, "
        "obfuscated e-mails, and organisations, public bodies and places that must stay)"
        + (
            f" **and {library} built on phonenumbers' and python-stdnum's own example identifiers** (phone numbers "
            "of LU, FR, DE, BE, NL and PT in national and international formatting, national ids, VAT numbers and "
            "IBANs, in sentences without cue words)"
            if library
            else ""
        )
        + ", counted on tokens with 95% bootstrap intervals over texts (recall_<kind>: each kind of identifier "
        "alone; recall_library_examples: the requests built on the libraries' examples):"
    )
    shown = table[["measure", "value", "low", "high", "tokens", "goal"]].copy()
    return Markdown(sentence), shown.round(3)


def _recall_table(frame: pd.DataFrame, caption: str) -> show.Table:
    shown = frame.copy()
    if {"recall_low", "recall_high"} <= set(shown):
        shown["95% interval"] = [
            f"{fmt(low)} to {fmt(high)}"
            for low, high in zip(shown["recall_low"], shown["recall_high"], strict=True)
        ]
        shown = shown.drop(columns=["recall_low", "recall_high"])
    headers = {"kind": "identifier", "form": "how the name was written", "found": "found (no piece left)"}
    return show.table(shown.round(3), caption, headers=headers)


def redaction_tables(result) -> tuple[show.Table, show.Table]:
    """Recall per kind of identifier, and per way a name was written."""
    by_form = result.pii_by_form
    names = by_form[by_form["kind"] == "name"].drop(columns="kind").reset_index(drop=True)
    return (
        _recall_table(result.pii_by_kind, "Recall of the redactor per kind of identifier"),
        _recall_table(names, "Recall of the redactor on names, per way the name was written"),
    )


# ----- language identification -------------------------------------------------------------------------
def language_identification(result):
    """py3langid and the hand-written identifier per language, whole texts and first words; or the note."""
    lines = [result.language_note] if result.language_note else []
    claim = _claim(result, "langid_accuracy_lb")
    if claim is not None:
        lines.append(claim.sentence())
    m = result.metrics
    if "langid_code_switched_either" in m:
        lines.append(
            "Code-switched requests named as one of their two languages: "
            f"py3langid {fmt(m['langid_code_switched_either'])}, hand-written "
            f"{fmt(m['langid_code_switched_either_handwritten'])}."
        )
    if result.language_ids is None:
        return (Markdown("\n\n".join(lines)),)
    table = result.language_ids.pivot_table(
        index=["texts", "language"], columns="identifier", values="accuracy"
    ).reset_index()
    table["language"] = table["language"].map(lambda code: LANGUAGE_NAMES.get(code, code))
    caption = "Accuracy of language identification per language, whole texts and first words"
    return Markdown("\n\n".join(lines)), show.table(table.round(3), caption)


# ----- routing ----------------------------------------------------------------------------------------------
def claims_table(result, names=None) -> show.Table:
    """The claims (model, baseline in words, values, paired interval, verdict), one row each."""
    rows = [
        {
            "comparison": c.label,
            "model": f"{fmt(c.model_value)} ({c.model})",
            "baseline": f"{fmt(c.baseline_value)} ({c.baseline})",
            "model minus baseline [95% interval]": f"{signed(c.difference)} {c.interval}",
            "verdict": c.verdict,
            "resampled": f"{c.units:,} {c.unit}",
        }
        for c in result.claims
        if names is None or c.name in names
    ]
    return show.table(pd.DataFrame(rows), "Comparisons with a baseline", empty="No comparison in this run.")


def routing(result):
    """The routing claims as sentences, and every model's scores on the test requests (values only)."""
    if result.mode == "route":
        router = result.router
        return (
            Markdown(
                f"Routing mode: the router saved at `{result.params['model_path']}` ({len(router.classes_)} "
                f"labels, threshold {fmt(router.threshold_)}); these requests have no label, so nothing is scored."
            ),
        )
    m = result.metrics
    chosen = (
        f"The router routes with **{m['routing_model']}**, the best of {len(m['candidates'])} candidates on "
        f"{m['model_chosen_on']} (macro-F1 there: "
        + ", ".join(f"{k} {fmt(v)}" for k, v in m["validation_macro_f1"].items())
        + "); the test requests were not used to choose. Another candidate replaces the plain model only "
        "when it is ahead there with its paired 95% interval above zero"
        + (f" ({m['model_choice_fallback']})." if m.get("model_choice_fallback") else ".")
        + (
            ""
            if m["fasttext_candidate"]
            else " fastText is no candidate by default (not reproducible run to run here)."
        )
    )
    names = ["macro_f1", "macro_f1_vs_majority"] + [
        c.name for c in result.claims if c.name.endswith("_vs_plain")
    ]
    sentences = [c.sentence() for c in result.claims if c.name in names]
    scores = show.table(
        result.scores.round(3).rename_axis("model"),
        "Every candidate's scores (values only; the intervals are the claims')",
    )
    return Markdown(chosen + "\n\n" + _bullets(sentences)), scores


def languages(result):
    """Per language: the claims against the plain reference (their values are drawn by language_figure)."""
    if result.mode == "route":
        return Markdown("No labels: per-language scores need labelled requests.")
    return claims_table(result, ["worst_language_macro_f1"] + [c.name for c in _language_claims(result)])


def language_figure(result):
    """Macro-F1 per language of the ensemble and the plain reference (the values of the per-language claims;
    their paired intervals are in the table beside it)."""
    per_language = _language_claims(result)
    if not per_language:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.6))
    x = np.arange(len(per_language))
    width = 0.38
    ax.bar(x - width / 2, [c.baseline_value for c in per_language], width, label=per_language[0].baseline,
           color=PLAIN_COLOUR)  # fmt: skip
    ax.bar(x + width / 2, [c.model_value for c in per_language], width, label=per_language[0].model,
           color=MODEL_COLOUR)  # fmt: skip
    codes = [c.name.removeprefix("macro_f1_") for c in per_language]
    ax.set_xticks(x, [LANGUAGE_NAMES.get(code, code) for code in codes], fontsize=8)
    ax.set_ylabel("macro-F1 (test)")
    ax.set_ylim(0, 1)
    ax.set_title(
        f"Routing by {result.label_name} per language: the ensemble and the plain reference", fontsize=9
    )
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    plt.close(fig)  # shown where the notebook displays it, and in the card
    return fig


# ----- people in control --------------------------------------------------------------------------------
def against_target(m: dict) -> str:
    """The auto-routed precision against its target, in percentage points: at or above it, or below it within
    or beyond the sampling margin (two binomial standard errors); a shortfall is never called meeting it."""
    target, precision, margin = m["target_precision"], m["precision_auto_routed"], m["precision_margin"]
    if precision >= target:
        return f"at or above the target of {target:.0%}"
    within = "within" if m["precision_meets_target"] else "beyond"
    text = (
        f"below the target of {target:.0%} by {100 * (target - precision):.1f} points, {within} its sampling "
        f"margin of {100 * margin:.1f} points (two binomial standard errors)"
    )
    return text + (": the shortfall may be chance" if m["precision_meets_target"] else "")


def abstention(result):
    """How many requests go to a person, and the precision of the others against the target."""
    m = result.metrics
    if result.mode == "route":
        return (
            Markdown(
                f"{1 - m['share_to_person']:.0%} of the requests routed automatically, the rest to a person."
            ),
        )
    if not m["n_auto_routed"]:
        sentence = (
            f"No confidence level reached {m['target_precision']:.0%} precision on {m['threshold_chosen_on']}: "
            "every request goes to a person."
        )
    else:
        sentence = (
            f"At the threshold {fmt(m['abstention_threshold'])} (chosen on {m['threshold_chosen_on']}), "
            f"{m['coverage_at_target_precision']:.0%} of the test requests are routed automatically, "
            f"{m['precision_auto_routed']:.1%} of them right: {against_target(m)}. "
            f"{m['share_to_person']:.0%} go to a person."
        )
    table = result.abstention["table"].round(3).rename_axis("measure")
    return Markdown(sentence), show.table(
        table, "The operating point where it was chosen and on the test requests"
    )


def abstention_figure(result):
    """Precision of auto-routed requests against coverage: where the threshold was chosen, and on test."""
    if result.mode == "route":
        return None
    shown = result.abstention
    target = result.metrics["target_precision"]
    curve, op = shown["validation_curve"], shown["operating_point"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    chosen_on = "validation" if result.requests.validation is not None else "out-of-fold (training)"
    ax.plot(curve["coverage"], curve["precision"], label=f"{chosen_on}: precision of auto-routed")
    ax.axhline(target, color="grey", ls="--", lw=1, label=f"target {target:.0%}")
    if op.coverage > 0:
        ax.scatter([op.coverage], [op.precision], color="crimson", zorder=3,
                   label=f"chosen: threshold {op.threshold:.2f}, coverage {op.coverage:.0%}")  # fmt: skip
    test = shown["test_curve"]
    ax.plot(test["coverage"], test["precision"], color="grey", alpha=0.6, lw=1, label="test requests")
    ax.set_xlabel("coverage (share routed automatically)")
    ax.set_ylabel("precision (share routed right)")
    ax.set_ylim(max(0.0, float(curve["precision"].min()) - 0.05), 1.005)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Coverage vs precision of automatically routed requests")
    fig.tight_layout()
    plt.close(fig)  # shown where the notebook displays it, and in the card
    return fig


def queue(result) -> HTML:
    """The first requests of the human queue, their texts masked for the page."""
    q = result.queue
    shown = ["queue_position", "language", "urgency", "label", "confidence", "alternatives", "redacted_text"]
    shown = [c for c in shown if c in q and not (q[c] == "n/a").all()]
    head = q[shown].head(int(result.params["n_examples"]))
    head = head.rename(columns={"redacted_text": "text", "queue_position": "position in the queue"})
    n = len(result.routed)
    sentence = f"<p>{len(q):,} of {n:,} requests ({len(q) / n:.0%}) go to a person.</p>"
    return HTML(sentence + examples_html(head, result.known_words))


# ----- for whom does it fail ---------------------------------------------------------------------------
def fairness(result):
    """Macro-F1 per language and recall and F1 per label (with intervals), or why they are absent."""
    if result.mode == "route":
        return (Markdown("No labels: per-language and per-label scores need labelled requests."),)
    by_language = result.subgroups["by language"]
    absent = [
        name for code, name in LANGUAGE_NAMES.items() if code not in set(result.requests.test["language"])
    ]
    note = f"No {', '.join(absent)} requests in these data: skipped in this table." if absent else ""
    gap = result.largest_gap()
    gap_line = (
        f"The largest gap across the groupings shown: {fmt(gap['gap'])} in {gap['metric']} {gap['grouping']} "
        f"({gap['worst']} weakest, {gap['best']} strongest)."
        if gap
        else "No grouping has two groups large enough to compare."
    )
    per_class = result.per_class.copy()
    per_class["recall: 95% interval"] = [
        f"{fmt(low)} to {fmt(high)}"
        for low, high in zip(per_class["recall_low"], per_class["recall_high"], strict=True)
    ]
    per_class = per_class.drop(columns=["recall_low", "recall_high"]).round(3).rename_axis(result.label_name)
    headers = {"f1": "F1", "n": "test requests"}
    table = show.table(
        per_class,
        f"Precision, recall and F1 per {result.label_name} (one against the rest)",
        headers=headers,
        max_rows=60,
    )
    return Markdown("\n\n".join(s for s in (note, gap_line) if s)), by_language, table


def lb_gap(result):
    """Luxembourgish macro-F1 against the amount of Luxembourgish training data (and the zero-shot claim)."""
    if result.lb_gap is None:
        return (Markdown(result.lb_gap_note),)
    gap = result.lb_gap
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, g in gap.groupby("model", sort=False):
        ax.plot(g["n_lang_train"], g["lang_macro_f1"], marker="o", label=f"{name}: Luxembourgish")
        ax.plot(
            g["n_lang_train"],
            g["best_other_macro_f1"],
            ls=":",
            marker=".",
            label=f"{name}: best other language",
        )
    ax.set_xlabel("Luxembourgish training requests")
    ax.set_ylabel("macro-F1 (test)")
    ax.set_title("Luxembourgish macro-F1 against the amount of Luxembourgish training data", fontsize=9)
    ax.legend(fontsize=6)
    fig.tight_layout()
    plt.close(fig)
    claim = _claim(result, "lb_zero_shot_macro_f1")
    headers = {"lang_train_share": "Luxembourgish share of the training requests",
               "n_lang_train": "Luxembourgish training requests", "lang_macro_f1": "macro-F1 on Luxembourgish",
               "best_other_macro_f1": "macro-F1 in the best other language"}  # fmt: skip
    table = show.table(
        gap.round(3),
        "Luxembourgish macro-F1 against the amount of Luxembourgish training data",
        headers=headers,
    )
    return (
        Markdown(claim.sentence() if claim else ""),
        show.figure(fig, "Luxembourgish macro-F1 against the amount of Luxembourgish training data"),
        table,
    )


def urgency(result):
    """The urgency head against the majority urgency, and the form check; or why they are absent."""
    if result.urgency is None:
        return (Markdown(result.urgency_note),)
    m = result.metrics
    recall = _claim(result, "urgent_recall")
    lines = [
        _claim(result, "urgency_macro_f1").sentence(),
        recall.sentence()
        if recall is not None
        else f"Recall of urgent requests: {fmt(m['urgent_recall'])} (too few urgent test requests for an interval).",
    ]
    if "form_check_agreement" in m:
        lines.append(
            f"The form check agrees with the generator's truth for {m['form_check_agreement']:.1%} of the correctly "
            f"routed requests; {m['share_forms_incomplete']:.0%} of the forms lack a required field."
        )
    confusion = result.urgency.rename_axis(index="true urgency", columns=None)
    confusion = confusion.rename(index=show.header, columns=lambda c: f"predicted {show.header(c)}")
    return Markdown(_bullets(lines)), show.table(confusion, "Urgency: true against predicted (test requests)")


def explanations(result):
    """The words behind each route (first requests), then the strongest words per label."""
    shown = result.routed[["label", "confidence", "route", "explanation", "redacted_text"]].head(
        int(result.params["n_examples"])
    )
    html = examples_html(
        shown.rename(columns={"redacted_text": "text"}),
        result.known_words,
        text_columns=("text", "explanation"),
    )
    terms = result.top_terms.rename(columns={"class": result.label_name, "top_terms": "strongest words"})
    return HTML(html), show.table(terms, f"The strongest words per {result.label_name}", max_rows=60)


def throughput(result) -> Markdown:
    """Requests routed per second in one process on this machine (a timing: it depends on the load)."""
    seconds = result.timings["throughput_batch_s"]
    n = int(result.params["throughput_batch"])
    return Markdown(
        f"{n / seconds:,.0f} requests/s ({n:,} requests in {seconds:.2f} s, one process, this machine at this "
        "moment: a timing, not a metric)."
    )


def saved(result, what) -> Markdown:
    """What :meth:`RequestsResult.save` wrote."""
    if result.mode == "route":
        return Markdown(f"`{what.path.name}` written: {what.rows:,} rows, masked texts only.")
    return Markdown(
        f"Saved `{what.path.name}` ({what.size_mb:.1f} MB); reloaded, it routes {what.same_share:.0%} of "
        f"{what.rows} test requests the same way."
    )


# ----- the model card --------------------------------------------------------------------------------------
class RoutingNote:
    """In routing mode there is no evaluation to write a card from: the card is the one saved with the model
    by the run that trained it."""

    text = "Routing mode: the model card is the one saved with the model by the run that trained it."

    def save(self, directory: Any = None) -> None:
        return None

    def display(self) -> None:
        from IPython.display import display

        display(Markdown(self.text))

    def _repr_markdown_(self) -> str:
        return self.text


def card(result, figures: dict | None = None):
    """The model card (prose from card.yaml and altai.yaml, filled from the result), or the routing note."""
    if result.mode == "route":
        note = RoutingNote()
        if getattr(result.router, "loaded_from_pickle_", False):  # -p trust_pickle true: said on the card
            note.text = f"**{PICKLE_WARNING}** {note.text}"
        return note
    shown = {caption: fig for caption, fig in (figures or {}).items() if fig is not None}
    return ModelCard.from_result(result, HERE / "card.yaml", figures=shown)
