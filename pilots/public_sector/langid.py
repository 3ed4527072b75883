"""Language identification for FR / DE / LB / EN: character n-grams + Luxembourgish cue words.

A rule + model hybrid: the model is a linear SVM (one-vs-rest) on character 1-3-grams of the first
200 characters, plus a small block of hand-written cue features that separate Luxembourgish from
German (the hard pair): the share of tokens that are Luxembourgish function words ("ech", "mäin",
"hunn", "gëtt", "iech", "w.e.g.", ...), the share that are German function words that Luxembourgish
spells differently ("ich", "ist", "haben", "mein", "nicht", ...), and the rate of "ë". The
model is trained on the generator's text; ``evaluate_language_id`` on real sentences (SIB-200) tells how far that
carries to real writing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .charngrams import CharNgramTfidf
from .themes import LANGUAGES

LB_CUES = [
    "ech",
    "mäin",
    "mäi",
    "meng",
    "menger",
    "mengem",
    "wéi",
    "ass",
    "hunn",
    "hu",
    "gëtt",
    "iech",
    "är",
    "w.e.g",
    "w.e.g.",
    "moien",
    "kënnt",
    "bräicht",
    "wëll",
    "wéilt",
    "gär",
    "säit",
    "zënter",
    "mee",
    "awer",
    "muer",
    "elo",
    "huet",
    "gouf",
    "goufen",
    "dës",
    "dëst",
    "eis",
    "eise",
    "hei",
    "ze",
    "sinn",
    "vun",
    "fir",
    "mat",
    "och",
    "schonn",
    "net",
    "déi",
    "kee",
    "keng",
    "ginn",
    "ugefaang",
    "wou",
    "dann",
    "wann",
    "gutt",
    "ganz",
    "vill",
    "méi",
    "ënner",
    "iwwer",
    "tëschent",
    "lëtzebuerg",
    "ee",
]
DE_CUES = [
    "ich",
    "ist",
    "haben",
    "habe",
    "mein",
    "meine",
    "meiner",
    "meinem",
    "nicht",
    "sie",
    "und",
    "wir",
    "bitte",
    "für",
    "von",
    "mit",
    "auch",
    "schon",
    "aber",
    "der",
    "die",
    "das",
    "den",
    "dem",
    "ein",
    "eine",
    "einen",
    "einem",
    "einer",
    "wurde",
    "wurden",
    "sind",
    "wird",
    "über",
    "zwischen",
    "auf",
    "im",
    "zum",
    "zur",
    "es",
    "nach",
]


class CueFeatures(BaseEstimator, TransformerMixin):
    """Three dense cue rates per text: LB function words, DE function words, ë per character."""

    def __init__(self, max_chars: int | None = 200):
        self.max_chars = max_chars

    def fit(self, X, y=None):
        lb, de = sorted(set(LB_CUES)), sorted(set(DE_CUES) - set(LB_CUES))
        # one tokenisation pass for both cue lists
        self.vectorizer_ = CountVectorizer(vocabulary=lb + de, token_pattern=r"(?u)\w[\w.']*", lowercase=True)
        self.split_ = len(lb)
        return self

    def transform(self, X):
        s = pd.Series(X, dtype=object).fillna("").astype(str)
        if self.max_chars:
            s = s.str[: self.max_chars]
        counts = self.vectorizer_.transform(s)
        tokens = s.str.count(" ").to_numpy(dtype=float) + 1.0
        lb = np.asarray(counts[:, : self.split_].sum(axis=1)).ravel() / tokens
        de = np.asarray(counts[:, self.split_ :].sum(axis=1)).ravel() / tokens
        umlaut = s.str.count("ë").to_numpy(dtype=float) * 20 / (s.str.len().to_numpy(dtype=float) + 1)
        return sp.csr_matrix(np.column_stack([lb, de, umlaut]) * 3.0)

    def get_feature_names_out(self, input_features=None):
        return np.array(["cue:lb_words", "cue:de_words", "cue:e_diaeresis"], dtype=object)


class LanguageIdentifier:
    """``fit(texts, languages)``, ``predict(texts)``, ``predict_frame(texts)`` over fr/de/lb/en."""

    def __init__(self, C: float = 0.5, max_chars: int = 200, seed: int = 0):
        self.C = C
        self.max_chars = max_chars
        self.seed = seed

    def fit(self, texts, languages) -> LanguageIdentifier:
        langs = pd.Series(languages).astype(str)
        unknown = sorted(set(langs) - set(LANGUAGES))
        if unknown:
            raise ValueError(
                f"Unknown language label(s) {unknown}; the identifier knows {', '.join(LANGUAGES)}."
            )
        if langs.nunique() < 2:
            raise ValueError("Language identification needs training texts in at least two languages.")
        self.model_ = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            ("char", CharNgramTfidf((1, 3), min_df=2, max_chars=self.max_chars)),
                            ("cues", CueFeatures(max_chars=self.max_chars)),
                        ]
                    ),
                ),
                ("clf", LinearSVC(C=self.C, random_state=self.seed)),
            ]
        )
        self.model_.fit(pd.Series(texts, dtype=object), langs)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, texts) -> np.ndarray:
        return self.model_.decision_function(pd.Series(texts, dtype=object))

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

    def predict_frame(self, texts) -> pd.DataFrame:
        """language and its margin over the runner-up (small margins: mixed or very short texts)."""
        scores = self.decision_function(texts)
        order = np.argsort(-scores, axis=1)
        rows = np.arange(len(scores))
        return pd.DataFrame(
            {
                "language": self.classes_[order[:, 0]],
                "language_margin": scores[rows, order[:, 0]] - scores[rows, order[:, 1]],
            }
        )


def evaluate_language_id(identifier: LanguageIdentifier, texts, languages, second_languages=None) -> dict:
    """Accuracy on single-language texts; on code-switched texts, the share named as one of their two languages."""
    pred = identifier.predict(texts)
    langs = np.asarray(languages, dtype=object)
    second = np.asarray(second_languages if second_languages is not None else [""] * len(langs), dtype=object)
    mono = second == ""
    out = {
        "accuracy_single_language": float(np.mean(pred[mono] == langs[mono])) if mono.any() else None,
        "n_single_language": int(mono.sum()),
    }
    if (~mono).any():
        out["either_language_code_switched"] = float(
            np.mean((pred[~mono] == langs[~mono]) | (pred[~mono] == second[~mono]))
        )
        out["n_code_switched"] = int((~mono).sum())
    per = pd.Series(pred[mono] == langs[mono]).groupby(langs[mono]).mean()
    out["accuracy_by_language"] = {k: float(v) for k, v in per.items()}
    return out
