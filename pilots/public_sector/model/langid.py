"""Language identification for FR / DE / LB / EN: py3langid, measured against a hand-written identifier.

``LanguageDetector`` is the identifier the pilot uses: py3langid (the maintained packaging of langid.py,
Lui & Baldwin 2012: a naive-Bayes model over byte n-grams, 97 languages including Luxembourgish ``lb``),
restricted to the languages in scope. Its model ships inside the wheel: nothing is downloaded.

``HandwrittenIdentifier`` is the pilot's earlier identifier (a linear SVM on character 1-3-grams plus
Luxembourgish and German cue-word rates and the rate of "ë"), trained on synthetic requests. It is kept
only as the comparator each run measures py3langid against (``compare_identifiers``): on SIB-200's test
sentences py3langid is right for every sentence in all four languages and better on short texts, so the
hand-written part is not used for routing or for the per-language tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from ..contract import LANGUAGES
from .charngrams import CharNgramTfidf

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


class HandwrittenIdentifier:
    """The hand-written comparator: ``fit(texts, languages)``, ``predict(texts)`` over fr/de/lb/en."""

    def __init__(self, C: float = 0.5, max_chars: int = 200, seed: int = 0):
        self.C = C
        self.max_chars = max_chars
        self.seed = seed

    def fit(self, texts, languages) -> HandwrittenIdentifier:
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


class LanguageDetector:
    """py3langid restricted to ``languages``: ``predict(texts)`` and ``predict_frame(texts)`` (language and
    its probability among the languages in scope). Pickles without its model (reloaded on first use)."""

    def __init__(self, languages=LANGUAGES):
        self.languages = tuple(languages)

    def _identifier(self):
        if getattr(self, "_id", None) is None:
            from py3langid.langid import MODEL_FILE
            from py3langid.langid import LanguageIdentifier as Py3

            identifier = Py3.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(self.languages))
            self._id = identifier
        return self._id

    def __getstate__(self):
        return {"languages": self.languages}

    def __setstate__(self, state):
        self.languages = state["languages"]
        self._id = None

    def predict_frame(self, texts) -> pd.DataFrame:
        """``language`` and ``language_confidence`` per text (py3langid classifies one text at a time)."""
        identifier = self._identifier()
        series = pd.Series(np.asarray(texts, dtype=object), dtype=object).fillna("").astype(str)
        pairs = [identifier.classify(t) for t in series.tolist()]
        return pd.DataFrame(
            {
                "language": np.array([p[0] for p in pairs], dtype=object),
                "language_confidence": np.array([p[1] for p in pairs], dtype=float),
            }
        )

    def predict(self, texts) -> np.ndarray:
        return self.predict_frame(texts)["language"].to_numpy(dtype=object)


def accuracy_by_language(predicted, languages) -> dict[str, float]:
    """Share identified right, per true language."""
    pred = np.asarray(predicted, dtype=object)
    truth = np.asarray(languages, dtype=object)
    per = pd.Series(pred == truth).groupby(truth).mean()
    return {str(k): float(v) for k, v in per.items()}


def short_texts(texts, n_words: int = 4) -> pd.Series:
    """The first ``n_words`` words of each text (a short request, a subject line)."""
    return (
        pd.Series(np.asarray(texts, dtype=object), dtype=object)
        .fillna("")
        .str.split()
        .str[:n_words]
        .str.join(" ")
    )


def identify(identifiers: dict, texts, *, n_words: int = 4) -> dict[tuple[str, str], np.ndarray]:
    """Each identifier's languages for whole texts and for their first ``n_words`` words:
    ``{(texts variant, identifier name): predicted languages}``."""
    texts = pd.Series(np.asarray(texts, dtype=object), dtype=object)
    variants = (("whole texts", texts), (f"first {n_words} words", short_texts(texts, n_words)))
    return {
        (label, name): ident.predict(variant)
        for label, variant in variants
        for name, ident in identifiers.items()
    }


def accuracy_table(predictions: dict[tuple[str, str], np.ndarray], languages) -> pd.DataFrame:
    """Rows identifier, texts, language, n, accuracy from :func:`identify`'s predictions."""
    langs = np.asarray(languages, dtype=object)
    counts = pd.Series(langs).value_counts()
    rows = []
    for (label, name), predicted in predictions.items():
        per = accuracy_by_language(predicted, langs)
        rows += [
            {"identifier": name, "texts": label, "language": lang, "n": int(counts[lang]), "accuracy": acc}
            for lang, acc in per.items()
        ]
    return pd.DataFrame(rows)


def compare_identifiers(identifiers: dict, texts, languages, *, n_words: int = 4) -> pd.DataFrame:
    """Accuracy per language of each identifier on whole texts and on their first ``n_words`` words.

    Rows: identifier, texts ("whole" | "first N words"), language, n, accuracy.
    """
    return accuracy_table(identify(identifiers, texts, n_words=n_words), languages)


def evaluate_language_id(identifier, texts, languages, second_languages=None) -> dict:
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
