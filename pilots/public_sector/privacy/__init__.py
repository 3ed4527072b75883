"""Personal data in the requests: the redactor (:mod:`.redactor`), how well it works on planted
identifiers, and texts fit for the public page.

- :func:`redact`: e-mail, IBAN, national id, phone and names replaced (``redactor.redact_pii``) before any
  text is modelled, stored or shown.
- :func:`pii_recall`, :func:`recall_table`, :func:`redactor_recall`: the redactor's recall on the synthetic
  generator's planted identifiers. The generator writes most names after the very cue words the redactor
  looks for, so this recall says how the rules work on the generator's text; it is not a finding about
  real requests (which have no planted truth).
- :func:`public_text`, :func:`examples_html`, :func:`known_words`: what a page may show.

A planted identifier counts as **found** only if no piece of it is left in the redacted text: no word of
a name (any case), no digit group of a phone number, IBAN or national id, not the local part of an e-mail
address (as :func:`.redactor.identifier_tokens` defines them). A piece that also appears
elsewhere in the original request (the day "12" of a date, say) is only counted when the redacted text
holds it more often than the request did without the identifier. Everything is vectorised: texts and
identifiers are cut into tokens once and compared by a merge.

``pii_recall`` returns one row per planted identifier; ``recall_table`` the recall per kind (and per way
of writing it) with a bootstrap interval, the table the model card shows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from livinglab.trust import bootstrap_ci

from .redactor import PII_KINDS, identifier_tokens, leaked_tokens, redact_for_public_page, redact_pii

__all__ = [
    "PII_KINDS",
    "examples_html",
    "identifier_tokens",
    "known_words",
    "known_words_of",
    "leaked_tokens",
    "pii_recall",
    "public_text",
    "recall_table",
    "redact",
    "redact_for_public_page",
    "redact_pii",
    "redactor_recall",
    "removed_words",
    "scrub",
    "vocabulary_leaks",
]

_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)?"


def redact(texts) -> tuple[pd.Series, pd.DataFrame]:
    """The redactor on any texts (missing ones as ""): ``(redacted, replacements per kind)``."""
    series = pd.Series(np.asarray(texts, dtype=object), dtype=object).fillna("")
    return redact_pii(series)


def _identifier_tokens(pii: pd.DataFrame) -> pd.DataFrame:
    """One row per (planted identifier, token): the pieces whose presence counts as a leak."""
    value = pii["value"].astype(str)
    kind = pii["kind"].to_numpy()
    words = value.str.findall(_WORD).map(lambda ws: [w.lower() for w in ws if len(w) >= 2])
    digits = value.str.findall(r"\d+")
    iban_groups = value.str.findall(r"[A-Za-z0-9]+").map(lambda gs: [g.lower() for g in gs])
    local = value.str.split("@").str[0].str.lower()
    email = local.map(lambda x: [x])  # the local part names the person; the provider's domain does not
    tokens = np.select(
        [kind == "name", kind == "email", kind == "iban"],
        [words, email, iban_groups],
        default=digits,
    )
    long = pd.DataFrame({"pii_row": np.arange(len(pii)), "token": tokens}).explode("token").dropna()
    return long[long["token"] != ""]


def _token_counts(texts: pd.Series) -> pd.DataFrame:
    """(row, token, count) of the pieces of each text (lower case): words, digit groups, letter-and-digit
    groups (an IBAN's "lu28") and the local parts of e-mail addresses."""
    low = texts.fillna("").str.lower()
    cut = (
        low.str.findall(_WORD)
        + low.str.findall(r"\d+")
        + low.str.findall(r"(?<![a-z0-9])(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]+")
        + low.str.findall(r"[\w.%+-]+(?=@)")
    )
    long = pd.DataFrame({"row": np.arange(len(texts)), "token": cut.to_numpy()}).explode("token").dropna()
    return long.groupby(["row", "token"]).size().rename("n").reset_index()


def pii_recall(original: pd.Series, redacted: pd.Series, pii: pd.DataFrame) -> pd.DataFrame:
    """One row per planted identifier in the texts: ``found`` (no token left) and the ``leaked`` tokens.

    ``original`` and ``redacted`` are indexed by request id; ``pii`` is the generator's truth (request_id,
    kind, value, where, form); identifiers planted in forms are skipped (forms are not free text).
    """
    truth = pii[(pii["where"] == "text") & pii["request_id"].isin(redacted.index)].reset_index(drop=True)
    row_of = pd.Series(np.arange(len(redacted)), index=redacted.index)
    truth_rows = row_of[truth["request_id"]].to_numpy()
    # the original request with all its planted values removed: what a token may legitimately match
    background = original.reindex(redacted.index).fillna("").to_numpy(dtype=str).copy()
    rank = truth.groupby("request_id").cumcount().to_numpy()
    for r in range(int(rank.max()) + 1 if len(rank) else 0):  # a few passes, each over all requests
        sel = rank == r
        rows = truth_rows[sel]
        background[rows] = np.strings.replace(
            background[rows], truth.loc[sel, "value"].to_numpy(dtype=str), " "
        )
    tokens = _identifier_tokens(truth)
    tokens["row"] = truth_rows[tokens["pii_row"].to_numpy()]
    after = _token_counts(redacted.reset_index(drop=True)).rename(columns={"n": "n_after"})
    before = _token_counts(pd.Series(background)).rename(columns={"n": "n_before"})
    merged = tokens.merge(after, on=["row", "token"], how="left").merge(
        before, on=["row", "token"], how="left"
    )
    merged["leak"] = merged["n_after"].fillna(0) > merged["n_before"].fillna(0)
    leaked = merged[merged["leak"]].groupby("pii_row")["token"].agg(", ".join)
    out = truth[["request_id", "kind", "form", "value"]].copy()
    out["leaked"] = leaked.reindex(range(len(truth))).fillna("").to_numpy()
    out["found"] = out["leaked"] == ""
    return out


def removed_words(original, redacted) -> frozenset[str]:
    """The words (lower case, letters or digits, two characters or more) the redactor took out of the
    texts: those a redacted text holds fewer times than its original."""
    original = pd.Series(np.asarray(original, dtype=object), dtype=object).fillna("").astype(str)
    redacted = pd.Series(np.asarray(redacted, dtype=object), dtype=object).fillna("").astype(str)
    before = _word_counts(original).rename(columns={"n": "n_before"})
    after = _word_counts(redacted).rename(columns={"n": "n_after"})
    merged = before.merge(after, on=["row", "token"], how="left")
    gone = merged["n_after"].fillna(0) < merged["n_before"]
    return frozenset(merged.loc[gone, "token"].astype(str))


_TOKEN = r"(?u)\b\w\w+\b"  # the word vectorisers' tokens


def _word_counts(texts: pd.Series) -> pd.DataFrame:
    words = texts.str.lower().str.findall(_TOKEN)
    long = pd.DataFrame({"row": np.arange(len(texts)), "token": words.to_numpy()}).explode("token").dropna()
    return long.groupby(["row", "token"]).size().rename("n").reset_index()


def scrub(texts, words) -> pd.Series:
    """The texts without any of ``words`` (whole words, any case): what the models are fitted on, so no
    word the redactor removed anywhere enters a vocabulary, even where it also stood elsewhere."""
    series = pd.Series(np.asarray(texts, dtype=object), dtype=object).fillna("").astype(str)
    words = frozenset(words)
    if not words:
        return series
    return series.str.replace(
        _TOKEN, lambda m: " " if m.group(0).lower() in words else m.group(0), regex=True
    )


def vocabulary_leaks(vocabulary, words) -> list[str]:
    """The entries of a model's vocabulary (word n-grams split into words) that are removed words."""
    pieces = {piece for entry in vocabulary for piece in str(entry).lower().split()}
    return sorted(pieces & frozenset(words))


def _mean(_, found) -> float:
    return float(np.mean(found))


def recall_table(
    recall: pd.DataFrame, by: tuple[str, ...] = ("kind",), *, n_boot: int = 200, seed: int = 0
) -> pd.DataFrame:
    """Recall (share of planted identifiers found) per group with a bootstrap 95% interval."""
    rows = []
    for key, part in recall.groupby(list(by), sort=True):
        found = part["found"].to_numpy(dtype=float)
        ci = bootstrap_ci(_mean, found, found, n_boot=n_boot, seed=seed)
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "planted": len(part),
                "found": int(found.sum()),
                "recall": ci.estimate,
                "recall_low": ci.low,
                "recall_high": ci.high,
            }
        )
    return pd.DataFrame(rows)


def redactor_recall(
    requests: pd.DataFrame | None = None,
    truth: pd.DataFrame | None = None,
    *,
    seed: int = 0,
    n_boot: int = 200,
    n_bench: int = 800,
) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    """Recall of the redactor per kind of identifier (and per way of writing it), with intervals.

    On ``requests`` (request_id, text, redacted_text) and their planted ``truth`` when given (a synthetic
    run's own requests); otherwise on ``n_bench`` held-out synthetic requests generated for the check (the
    test half of every phrase pool): a partner's file has no planted truth. Either way the identifiers are
    the generator's, written with the redactor's own cue words. Returns (per kind, per form, metrics,
    where it was measured).
    """
    if requests is not None and truth is not None:
        frame = requests.set_index("request_id")
        where = "this run's synthetic requests"
    else:
        from ..synthetic import generate_requests

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


_RARE_WORD = re.compile(r"(?<![\[\w])([^\W\d_]{2,}(?:['’][^\W\d_]+)?)(?![\w\]])")


def known_words(texts, min_requests: int = 2) -> frozenset[str]:
    """Words (lower case) that occur in at least ``min_requests`` of the given (redacted) texts."""
    words = pd.Series(texts, dtype=object).fillna("").str.lower().str.findall(_WORD)
    per_text = words.map(lambda ws: list(set(ws))).explode().dropna()
    counts = per_text.value_counts()
    return frozenset(counts[counts >= min_requests].index)


def public_text(
    texts, known: frozenset[str] | set[str] | None = None, max_chars: int | None = 220
) -> pd.Series:
    """Text fit for a public page: ``redact_for_public_page`` (personal data, dates, amounts, addresses,
    family and health details, numbers), then every word outside ``known`` (the words of at least two
    training requests) replaced by ``[rare]``: a word that few requests contain can identify a person
    (names the redactor missed, a rare street, a typo of a name). Shortened to ``max_chars``."""
    masked, _ = redact_for_public_page(pd.Series(texts, dtype=object).fillna(""))
    if known is not None:
        masked = masked.str.replace(
            _RARE_WORD, lambda m: m.group(0) if m.group(0).lower() in known else "[rare]", regex=True
        )
    if max_chars:
        long = masked.str.len() > max_chars
        masked = masked.where(~long, masked.str.slice(0, max_chars - 1) + "…")
    return masked


def examples_html(
    frame: pd.DataFrame, known=None, text_columns=("text", "redacted_text"), max_chars: int = 220
) -> str:
    """An HTML table of example requests for the page (class ``public-examples``), texts through
    :func:`public_text`."""
    shown = frame.copy()
    for col in text_columns:
        if col in shown:
            shown[col] = public_text(shown[col], known, max_chars).to_numpy()
    return shown.to_html(
        index=False, classes="public-examples", escape=True, border=0, float_format="{:.2f}".format
    )


def known_words_of(router) -> frozenset[str]:
    """The words of at least two training requests, as the router's word vectoriser kept them."""
    word = dict(router.model_.svm_features_.transformer_list)["word"]
    terms = [t for t in word.vocabulary_ if " " not in t]
    if word.min_df >= 2 or not getattr(word, "smooth_idf", False) or not len(terms):
        return frozenset(terms)
    # a vectoriser that kept words of one request (the plain model's library defaults): the number of requests
    # holding each word from its idf, ln((1 + n) / (1 + df)) + 1, the largest idf being that of df = 1
    idf = word.idf_[[word.vocabulary_[t] for t in terms]].astype(float)
    df = 2 * np.exp(float(word.idf_.max()) - idf) - 1
    return frozenset(t for t, d in zip(terms, df, strict=True) if d > 1.5)
