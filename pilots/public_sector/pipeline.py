"""Batch triage of citizens' requests: redact, identify the language, route, detect urgency, check the form.

``Triage.fit(train, validation)`` trains on *redacted* text (models never see personal data), fits
the language identifier, the theme classifier (``kind="strong"`` or ``"baseline"``) and the urgency
head on the same features, then chooses the abstention threshold on the validation requests for the
target precision. ``Triage.triage(requests)`` returns one row a request:

``request_id, language, language_margin, redacted_text, theme, administration,
confidence, route ("auto" | "human"), alternatives, urgency, missing_fields, inconsistencies,
complete`` and, with ``explain=True``, ``explanation`` (the terms that drove the routing).

With ``n_jobs=2`` a large batch is split in two and triaged in two processes (the redaction regexes
and the string handling hold Python's GIL, so threads would not help).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from livinglab.threads import limit_threads
from livinglab.trust import redact_pii

from .abstention import OperatingPoint, choose_threshold, route
from .forms import check_forms
from .langid import LanguageIdentifier
from .models import explain, make_theme_model, make_urgency_model, slim
from .themes import ADMINISTRATIONS, FORM_FIELDS


def redact(texts) -> tuple[pd.Series, pd.DataFrame]:
    """The shared redactor (livinglab.trust.redact_pii): e-mail, phone, IBAN, national id, cued names."""
    series = pd.Series(texts, dtype=object).fillna("")
    return redact_pii(series)


class Triage:
    """Batch triage. ``theme_model`` / ``langid``: already fitted components to reuse (else fitted here)."""

    def __init__(
        self,
        kind: str = "strong",
        target_precision: float = 0.95,
        threshold_method: str = "empirical",
        seed: int = 0,
        theme_model=None,
        langid: LanguageIdentifier | None = None,
    ):
        self.kind = kind
        self.target_precision = target_precision
        self.threshold_method = threshold_method
        self.seed = seed
        self.theme_model = theme_model
        self.langid = langid

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        train: pd.DataFrame,
        validation: pd.DataFrame,
        *,
        text_col: str = "text",
        label_col: str = "theme",
        urgency_col: str | None = "urgency",
        language_col: str | None = "language",
        train_redacted: pd.Series | None = None,
    ) -> Triage:
        """Fit on ``train`` and choose the threshold on ``validation``.

        ``train_redacted``: the training texts already passed through :func:`redact` (saves redacting twice).
        """
        for name, frame in (("train", train), ("validation", validation)):
            missing = [c for c in (text_col, label_col) if c not in frame.columns]
            if missing:
                raise ValueError(f"The {name} requests lack the column(s) {', '.join(missing)}.")
        if train[label_col].nunique() < 2:
            raise ValueError("The training requests need at least two different themes.")
        self.text_col, self.label_col = text_col, label_col
        with limit_threads(1, user_api="blas"):  # see fit_theme_model
            return self._fit(
                train, validation, text_col, label_col, urgency_col, language_col, train_redacted
            )

    def _fit(
        self, train, validation, text_col, label_col, urgency_col, language_col, train_redacted
    ) -> Triage:
        if train_redacted is not None and len(train_redacted) != len(train):
            raise ValueError("train_redacted must have one redacted text per training request.")
        train_text = (
            pd.Series(np.asarray(train_redacted, dtype=object), index=train.index)
            if train_redacted is not None
            else redact(train[text_col])[0]
        )
        if self.theme_model is not None:
            self.theme_model_ = self.theme_model
        else:
            self.theme_model_ = slim(
                make_theme_model(self.kind, seed=self.seed).fit(train_text, train[label_col])
            )
        self.classes_ = self.theme_model_.classes_
        X = self.theme_model_.named_steps["features"].transform(train_text)
        self.urgency_model_ = None
        if urgency_col and urgency_col in train.columns:
            self.urgency_model_ = make_urgency_model(self.seed).fit(X, train[urgency_col].astype(str))
        self.langid_ = self.langid
        if self.langid_ is None and language_col and language_col in train.columns:
            mono = train["second_language"].eq("") if "second_language" in train.columns else slice(None)
            self.langid_ = LanguageIdentifier(seed=self.seed).fit(
                train_text[mono], train.loc[mono, language_col]
            )
        # operating point on validation data
        val, _ = self._classify(validation[text_col])
        self.validation_ = val.drop(columns="redacted_text")
        correct = val["theme"].to_numpy() == validation[label_col].to_numpy()
        self.operating_point_: OperatingPoint = choose_threshold(
            val["confidence"], correct, self.target_precision, method=self.threshold_method
        )
        self.threshold_ = self.operating_point_.threshold
        return self

    # ------------------------------------------------------------------ prediction
    def _classify(self, texts) -> tuple[pd.DataFrame, object]:
        redacted, pii_counts = redact(texts)
        X = self.theme_model_.named_steps["features"].transform(redacted)
        proba = self.theme_model_.named_steps["clf"].predict_proba(X)
        order = np.argsort(-proba, axis=1)
        top = order[:, 0]
        out = pd.DataFrame(
            {
                "redacted_text": redacted.to_numpy(dtype=object),
                "theme": self.classes_[top],
                "confidence": proba[np.arange(len(proba)), top],
                "alternatives": pd.Series(self.classes_[order[:, 1]], dtype=object)
                .str.cat(pd.Series(self.classes_[order[:, 2]], dtype=object), sep=", ")
                .to_numpy(dtype=object)
                if proba.shape[1] > 2
                else self.classes_[order[:, 1]],
            }
        )
        out["pii_redacted"] = pii_counts.sum(axis=1).to_numpy()
        if self.urgency_model_ is not None:
            out["urgency"] = self.urgency_model_.predict(X)
        if self.langid_ is not None:
            out = pd.concat([self.langid_.predict_frame(redacted).reset_index(drop=True), out], axis=1)
        return out, X

    def _triage_part(self, requests: pd.DataFrame, explain_terms: bool, chunk_size: int) -> pd.DataFrame:
        """Triage in chunks of ``chunk_size`` requests (bounded memory, cache-friendly arrays)."""
        if len(requests) <= chunk_size:
            return self._triage_chunk(requests, explain_terms)
        starts = range(0, len(requests), chunk_size)  # a loop over chunks, not over requests
        return pd.concat(
            [self._triage_chunk(requests.iloc[a : a + chunk_size], explain_terms) for a in starts],
            ignore_index=True,
        )

    def _triage_chunk(self, requests: pd.DataFrame, explain_terms: bool) -> pd.DataFrame:
        out, X = self._classify(requests[self.text_col])
        out.insert(
            0,
            "request_id",
            requests["request_id"].to_numpy()
            if "request_id" in requests.columns
            else np.arange(len(requests)),
        )
        out["route"] = route(out["confidence"], self.threshold_)
        known = {t: v[1] for t, v in ADMINISTRATIONS.items()}
        out["administration"] = out["theme"].map(known).fillna(out["theme"])
        if all(f"form_{f}" in requests.columns for f in FORM_FIELDS):
            procedure = out["theme"].where(out["theme"].isin(list(ADMINISTRATIONS)))
            checked = check_forms(requests.reset_index(drop=True), procedure.to_numpy())
            out = pd.concat([out, checked.reset_index(drop=True)], axis=1)
        if explain_terms:
            out["explanation"] = explain(self.theme_model_, None, predicted=out["theme"].to_numpy(), X=X)[
                "terms"
            ]
        return out

    def triage(
        self,
        requests: pd.DataFrame,
        *,
        explain: bool = False,
        n_jobs: int = 1,
        min_chunk: int = 2000,
        chunk_size: int = 5000,
    ) -> pd.DataFrame:
        """Triage a batch (a frame with the text column, optional request_id and form_* columns).

        ``n_jobs`` processes each take one part of the batch (when it has at least ``min_chunk``
        requests per process) and work through it in chunks of ``chunk_size``.
        """
        if self.text_col not in requests.columns:
            raise ValueError(f"The requests lack the text column {self.text_col!r}.")
        if len(requests) == 0:
            raise ValueError("No requests to triage.")
        requests = requests.reset_index(drop=True)
        if n_jobs <= 1 or len(requests) < 2 * min_chunk:
            return self._triage_part(requests, explain, chunk_size)
        bounds = np.linspace(0, len(requests), n_jobs + 1).astype(int)
        parts = Parallel(n_jobs=n_jobs, backend="loky")(
            delayed(self._triage_part)(requests.iloc[a:b], explain, chunk_size)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        )
        return pd.concat(parts, ignore_index=True)
