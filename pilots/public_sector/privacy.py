"""How well the redactor works, measured honestly on planted identifiers; texts fit for the public page.

A planted identifier counts as **found** only if no piece of it is left in the redacted text: no word of
a name (any case), no digit group of a phone number, IBAN or national id, not the local part of an e-mail
address (``livinglab.trust.pii.identifier_tokens``). A piece that also appears
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
from livinglab.trust.pii import redact_for_public_page

_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)?"


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
    return frozenset(t for t in word.vocabulary_ if " " not in t)
