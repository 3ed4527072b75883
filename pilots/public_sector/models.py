"""Theme and urgency classifiers, and the terms that drove each decision.

- ``baseline``: TF-IDF word 1-2-grams + character 3-5-grams within word boundaries (the n-grams of
  scikit-learn's ``char_wb`` analyser, computed by ``charngrams.CharNgramTfidf``) -> LinearSVC, calibrated with ``CalibratedClassifierCV`` (sigmoid, 3 folds). The model to beat.
- ``strong``: the same on *folded* text (lower case, accents removed: "gëtt" = "gett", which helps
  Luxembourgish written without diacritics), plus the multilingual concept lexicon
  (``lexicon.CONCEPTS``: "impôt" = "Steuer" = "Steier" = "tax"), -> calibrated LinearSVC.
  Runs offline on 2 cores in seconds; no pretrained weights. A small multilingual static-embedding
  model was not used: none ships its weights inside a PyPI package, and hub downloads at run time are
  excluded (offline runs, provenance).

Explanations: for a linear model, the score of class c is sum_j w_cj x_j. The contribution of feature
j to the routing decision is w_cj x_j for the predicted class c, with w the coefficients averaged over
the calibration folds' LinearSVCs (the calibrator is monotone, so it does not change the ranking).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from livinglab.threads import limit_threads

from .charngrams import CharNgramTfidf
from .lexicon import LexiconFeatures
from .noise import fold_text

MODEL_KINDS = ("baseline", "strong")


PLACEHOLDER = r"\[(?:EMAIL|PHONE|IBAN|NATIONAL_ID|NAME)\]"


def _strip_placeholders(texts) -> pd.Series:
    """Drop the redactor's placeholders: where personal data stood says nothing about the theme."""
    return pd.Series(texts, dtype=object).fillna("").str.replace(PLACEHOLDER, " ", regex=True)


def _fold(texts) -> pd.Series:
    return fold_text(_strip_placeholders(texts))


def _word(**kw) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=60000,
        token_pattern=r"(?u)\b\w\w+\b",
        dtype=np.float32,
        **kw,
    )


def _char(lowercase: bool = True) -> CharNgramTfidf:
    return CharNgramTfidf(ngram_range=(3, 5), min_df=2, lowercase=lowercase)


def make_features(kind: str = "strong") -> Pipeline:
    """The text -> sparse features part of a model (shared by the theme and urgency heads)."""
    if kind == "baseline":
        return Pipeline(
            [
                ("clean", FunctionTransformer(_strip_placeholders, validate=False)),
                ("union", FeatureUnion([("word", _word()), ("char", _char())])),
            ]
        )
    if kind == "strong":
        return Pipeline(
            [
                ("fold", FunctionTransformer(_fold, validate=False)),
                (
                    "union",
                    FeatureUnion(
                        [
                            ("word", _word(lowercase=False)),
                            ("char", _char(lowercase=False)),
                            ("lexicon", LexiconFeatures()),
                        ],
                        transformer_weights={"word": 1.0, "char": 1.0, "lexicon": 0.5},
                    ),
                ),
            ]
        )
    raise ValueError(f"Unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}.")


def calibrated_svc(C: float = 0.5, seed: int = 0) -> CalibratedClassifierCV:
    return CalibratedClassifierCV(LinearSVC(C=C, random_state=seed), method="sigmoid", cv=3)


def make_theme_model(kind: str = "strong", seed: int = 0) -> Pipeline:
    """Text -> theme pipeline with calibrated probabilities (unfitted; see ``fit_theme_model``)."""
    return Pipeline([("features", make_features(kind)), ("clf", calibrated_svc(seed=seed))])


def fit_theme_model(kind: str, texts, labels, seed: int = 0) -> Pipeline:
    """Fit ``make_theme_model(kind)`` on (redacted) texts."""
    # BLAS on one thread: the calibrators' many tiny optimisations otherwise make OpenBLAS threads spin
    # against each other (on a shared 2-core machine 3x slower)
    with limit_threads(1, user_api="blas"):
        model = make_theme_model(kind, seed).fit(
            pd.Series(texts, dtype=object), pd.Series(labels).astype(str)
        )
    return slim(model)


def slim(model: Pipeline) -> Pipeline:
    """Drop the vectorisers' lists of pruned terms (only kept for introspection) so the model pickles small."""
    for _, step in model.named_steps["features"].named_steps["union"].transformer_list:
        if hasattr(step, "stop_words_"):
            step.stop_words_ = None
    return model


def make_urgency_model(seed: int = 0) -> LinearSVC:
    """Urgency head on the shared features (balanced classes: urgent requests are the rare ones)."""
    return LinearSVC(C=0.5, class_weight="balanced", random_state=seed)


def linear_weights(model: Pipeline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes, W of shape classes x features, feature names) of a fitted calibrated linear pipeline."""
    clf = model.named_steps["clf"]
    if isinstance(clf, CalibratedClassifierCV):
        coefs = [c.estimator.coef_ for c in clf.calibrated_classifiers_]
        W = np.mean(coefs, axis=0)
    else:
        W = clf.coef_
    classes = clf.classes_
    if W.shape[0] == 1 and len(classes) == 2:  # binary: one row for the positive class
        W = np.vstack([-W[0], W[0]])
    names = model.named_steps["features"].named_steps["union"].get_feature_names_out()
    return classes, W, np.asarray(names, dtype=object)


def _readable(names: np.ndarray) -> np.ndarray:
    """'union__word__impot' -> 'impot'; char n-grams keep their spaces shown as '_'."""
    s = pd.Series(names, dtype=object).str.replace(r"^(union__)?", "", regex=True)
    kind = s.str.split("__", n=1).str[0]
    term = s.str.split("__", n=1).str[1].fillna(s)
    term = np.where(kind == "char", "'" + term.str.replace(" ", "_", regex=False) + "'", term)
    return np.asarray(term, dtype=object)


def explain(
    model: Pipeline, texts, predicted: np.ndarray | None = None, k: int = 5, X: sp.csr_matrix | None = None
) -> pd.DataFrame:
    """Top-k terms (w_cj * x_j, positive) behind each text's predicted class; vectorised over all texts.

    Returns one row a text (``predicted``, ``terms`` joined by ", "); the long form (row, rank, term,
    weight) is in ``.attrs["long"]``.
    """
    classes, W, names = linear_weights(model)
    if X is None:
        X = model.named_steps["features"].transform(texts)
    X = sp.csr_matrix(X)
    if predicted is None:
        predicted = model.named_steps["clf"].predict(X)
    cls_idx = pd.Index(classes).get_indexer(np.asarray(predicted))
    n = X.shape[0]
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    contrib = X.data * W[cls_idx[rows], X.indices]
    keep = contrib > 0
    rows, cols, contrib = rows[keep], X.indices[keep], contrib[keep]
    order = np.lexsort((-contrib, rows))
    rows, cols, contrib = rows[order], cols[order], contrib[order]
    first = np.searchsorted(rows, np.arange(n))
    rank = np.arange(len(rows)) - first[rows]
    top = rank < k
    readable = _readable(names)
    long = pd.DataFrame(
        {
            "row": rows[top],
            "rank": rank[top] + 1,
            "term": readable[cols[top]],
            "weight": contrib[top].astype(float),
        }
    )
    terms = long.groupby("row")["term"].agg(", ".join).reindex(range(n), fill_value="")
    out = pd.DataFrame(
        {"predicted": np.asarray(predicted, dtype=object), "terms": terms.to_numpy(dtype=object)}
    )
    out.attrs["long"] = long
    return out
