"""Request classifiers: the plain reference to beat, and the pilot's calibrated cross-lingual ensemble.

- ``plain_reference()``: TF-IDF of words + TF-IDF of character 2-5-grams (scikit-learn's ``char_wb``,
  library defaults) -> ``LogisticRegression(C=100)``. C = 100 is the best of 1, 10 and 100 for this
  reference in grouped 5-fold cross-validation on SIB-200's training sentences (the library default C = 1
  scores about 0.62 macro-F1 on SIB-200's test sentences, C = 100 about 0.68): the reference gets its
  best setting, so a margin over it is a margin over a tuned model.
- ``CrossLingualEnsemble``: three members, each a classical, well-kept method, trained on the same texts:

  1. a linear SVM on TF-IDF of words (1-2-grams) and character 2-5-grams within word boundaries
     (``charngrams.CharNgramTfidf``, the same n-grams as scikit-learn's ``char_wb``, faster);
  2. and 3. complement naive Bayes (Rennie et al. 2003) on *stems*: every word folded (lower case, no
     accents) and cut to its first 5 (resp. 6) letters. Stems are cross-lingual features: "politique",
     "Politik", "political" and "politesch" share "polit"; "Regierung" and "Regierong" share "regie";
     they also absorb typos at the end of words and Luxembourgish written without its diacritics.

  Each member's class scores (SVM decision values, naive-Bayes log-probabilities) are centred per
  request and scaled by their spread, then summed with non-negative weights fitted by log loss on
  out-of-fold predictions of the training requests (or on validation requests, ``calibrate``): a
  stacked, calibrated linear ensemble. A member that does not help on the data at hand gets a small
  weight; the weights' size is the temperature that makes the probabilities calibrated, which the
  abstention threshold needs. The members were chosen by grouped 5-fold
  cross-validation on SIB-200's training sentences, never on its test sentences.

No pretrained weights: everything is fitted on the run's own training requests, offline, in seconds.

Explanations: the linear SVM's contribution ``w_cj x_j`` of each feature ``j`` to the predicted class
``c`` (the naive-Bayes members are not explained term by term).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from livinglab.threads import limit_threads

from ..synthetic.noise import fold_text
from .charngrams import CharNgramTfidf

PLACEHOLDER = r"\[(?:EMAIL|PHONE|IBAN|NATIONAL_ID|NAME)\]"
REFERENCE_C = 100.0


def clean(texts) -> pd.Series:
    """Drop the redactor's placeholders: where personal data stood says nothing about the topic."""
    return (
        pd.Series(np.asarray(texts, dtype=object), dtype=object)
        .fillna("")
        .astype(str)
        .str.replace(PLACEHOLDER, " ", regex=True)
    )


def stems(texts, k: int = 5) -> pd.Series:
    """Every word folded (lower case, no accents) and cut to its first ``k`` letters, space-joined."""
    folded = fold_text(clean(texts))
    return folded.str.replace(rf"\b(\w{{{k}}})\w+", r"\1", regex=True)


def plain_reference(C: float = REFERENCE_C) -> Pipeline:
    """The plain reference: TF-IDF words + character 2-5-grams (library defaults) -> logistic regression."""
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("word", TfidfVectorizer(dtype=np.float32)),
                        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), dtype=np.float32)),
                    ]
                ),
            ),
            ("clf", LogisticRegression(C=C, solver="newton-cg", max_iter=200)),
        ]
    )


def fit_plain_reference(texts, labels, C: float = REFERENCE_C) -> Pipeline:
    with limit_threads(1, user_api="blas"):
        return plain_reference(C).fit(clean(texts), pd.Series(labels).astype(str))


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,  # a word of a single request (a name the redactor missed) never enters the model
        max_features=200_000,
        token_pattern=r"(?u)\b\w\w+\b",
        dtype=np.float32,
    )


def _stem_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w\w+\b", dtype=np.float32)


def _centred_log(proba: np.ndarray) -> np.ndarray:
    logp = np.log(np.clip(proba, 1e-12, 1.0))
    return logp - logp.mean(axis=1, keepdims=True)


def _folds(y: np.ndarray, groups, n_folds: int, seed: int):
    """Group folds (rows sharing a group stay together) or stratified folds."""
    if groups is not None:
        groups = np.asarray(groups)
        n = min(n_folds, len(np.unique(groups)))
        return list(GroupKFold(n).split(np.zeros(len(y)), y, groups))
    smallest = int(pd.Series(y).value_counts().min())
    n = max(2, min(n_folds, smallest))
    return list(StratifiedKFold(n, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


class CrossLingualEnsemble(BaseEstimator, ClassifierMixin):
    """Calibrated ensemble of a word + character-n-gram linear SVM and two stem naive-Bayes models."""

    def __init__(
        self,
        C: float = 1.0,
        stem_lengths: tuple[int, ...] = (5, 6),
        alphas: tuple[float, ...] = (0.5, 0.3),
        n_folds: int = 5,
        seed: int = 0,
    ):
        self.C = C
        self.stem_lengths = stem_lengths
        self.alphas = alphas
        self.n_folds = n_folds
        self.seed = seed

    # ----- features -----------------------------------------------------------------------------------
    def _svm_matrix(self, texts: pd.Series, fit: bool = False) -> sp.csr_matrix:
        if fit:
            self.svm_features_ = FeatureUnion(
                [("word", _word_vectorizer()), ("char", CharNgramTfidf((2, 5), min_df=2))]
            )
            return sp.csr_matrix(self.svm_features_.fit_transform(texts))
        return sp.csr_matrix(self.svm_features_.transform(texts))

    def _stem_matrices(self, texts: pd.Series, fit: bool = False) -> list[sp.csr_matrix]:
        if fit:
            self.stem_features_ = [_stem_vectorizer() for _ in self.stem_lengths]
        out = []
        for k, vec in zip(self.stem_lengths, self.stem_features_, strict=True):
            s = stems(texts, k)
            out.append(sp.csr_matrix(vec.fit_transform(s) if fit else vec.transform(s)))
        return out

    def features(self, texts) -> sp.csr_matrix:
        """The linear SVM's feature matrix (words + character n-grams) of redacted texts."""
        return self._svm_matrix(clean(texts))

    def _new_members(self):
        svm = LinearSVC(C=self.C, random_state=self.seed)
        nbs = [ComplementNB(alpha=a) for a in self.alphas]
        return svm, nbs

    @staticmethod
    def _member_scores(svm, nbs, X_svm, X_stems) -> list[np.ndarray]:
        d = svm.decision_function(X_svm)
        if d.ndim == 1:  # two classes: one column for the positive class
            d = np.column_stack([-d / 2, d / 2])
        scores = [d - d.mean(axis=1, keepdims=True)]
        for nb, X in zip(nbs, X_stems, strict=True):
            scores.append(_centred_log(nb.predict_proba(X)))
        return scores

    # ----- fitting ------------------------------------------------------------------------------------
    def fit(self, texts, y, groups=None, *, out_of_fold: bool = True) -> CrossLingualEnsemble:
        """Fit on (redacted) texts; ``groups``: rows that must share a cross-validation fold (e.g. the
        translations of one sentence, or one time block). ``out_of_fold=False`` skips the cross-validated
        predictions: then :meth:`calibrate` on held-out requests sets the weights and the temperature."""
        texts = clean(texts)
        y = pd.Series(y).astype(str).to_numpy()
        if len(np.unique(y)) < 2:
            raise ValueError("The training requests need at least two different labels.")
        self.classes_ = np.unique(y)
        with limit_threads(1, user_api="blas"):
            X_svm = self._svm_matrix(texts, fit=True)
            X_stems = self._stem_matrices(texts, fit=True)
            # out-of-fold member scores: their spread sets the weights, their sum the temperature
            oof = [np.zeros((len(y), len(self.classes_))) for _ in range(1 + len(self.alphas))]
            folds = _folds(y, groups, self.n_folds, self.seed) if out_of_fold else []
            for train_idx, test_idx in folds:
                svm, nbs = self._new_members()
                if len(np.unique(y[train_idx])) < len(self.classes_):
                    continue  # a fold without some class: left out of the calibration
                svm.fit(X_svm[train_idx], y[train_idx])
                for nb, X in zip(nbs, X_stems, strict=True):
                    nb.fit(X[train_idx], y[train_idx])
                parts = self._member_scores(svm, nbs, X_svm[test_idx], [X[test_idx] for X in X_stems])
                for store, part in zip(oof, parts, strict=True):
                    store[test_idx] = part
            scored = np.any(oof[0] != 0, axis=1)
            self._set_weights([o[scored] for o in oof], y[scored])
            combined = sum(o / s for o, s in zip(oof, self.scales_, strict=True))
            self.oof_scores_ = np.where(scored[:, None], combined, np.nan)
            self.oof_mask_ = scored
            self.svm_, self.nbs_ = self._new_members()
            self.svm_.fit(X_svm, y)
            for nb, X in zip(self.nbs_, X_stems, strict=True):
                nb.fit(X, y)
        return self

    def _set_weights(self, parts: list[np.ndarray], y: np.ndarray) -> None:
        """Member weights (>= 0) minimising the log loss of ``softmax(sum_k w_k s_k / sd_k)`` on held-out
        scores: a weak member gets a small weight, and the sum of the weights plays the temperature."""
        sd = np.array([max(float(p.std()), 1e-6) if len(p) else 1.0 for p in parts])
        self.temperature_ = 1.0
        idx = pd.Index(self.classes_).get_indexer(y)
        known = idx >= 0
        if not known.any():
            self.weights_, self.scales_ = np.ones(len(parts)), sd
            return
        z = np.stack([p[known] / s for p, s in zip(parts, sd, strict=True)])  # members x rows x classes
        rows, idx = np.arange(known.sum()), idx[known]

        def nll(w: np.ndarray) -> tuple[float, np.ndarray]:
            logits = np.tensordot(w, z, axes=1)
            lse = logsumexp(logits, axis=1)
            proba = np.exp(logits - lse[:, None])
            loss = float(np.mean(lse - logits[rows, idx]))
            grad = np.einsum("krc,rc->k", z, proba) / len(rows) - z[:, rows, idx].mean(axis=1)
            return loss, grad

        res = minimize(
            nll, np.ones(len(parts)), jac=True, method="L-BFGS-B", bounds=[(0.0, 50.0)] * len(parts)
        )
        self.weights_ = np.asarray(res.x, dtype=float)
        with np.errstate(divide="ignore"):
            self.scales_ = np.where(self.weights_ > 0, sd / np.maximum(self.weights_, 1e-300), np.inf)

    def calibrate(self, texts, y) -> CrossLingualEnsemble:
        """Set the members' weights (and so the temperature) on held-out requests (e.g. validation
        requests of another distribution than the training requests)."""
        texts = clean(texts)
        with limit_threads(1, user_api="blas"):
            X_svm, X_stems = self._svm_matrix(texts), self._stem_matrices(texts)
            parts = self._member_scores(self.svm_, self.nbs_, X_svm, X_stems)
        self._set_weights(parts, pd.Series(y).astype(str).to_numpy())
        return self

    @property
    def oof_proba_(self) -> np.ndarray:
        """Calibrated out-of-fold probabilities of the training rows (NaN where a fold could not score)."""
        return softmax(self.oof_scores_ * self.temperature_, axis=1)

    # ----- prediction ---------------------------------------------------------------------------------
    def decision_function(self, texts, X_svm: sp.csr_matrix | None = None) -> np.ndarray:
        texts = clean(texts)
        with limit_threads(1, user_api="blas"):
            X_svm = self._svm_matrix(texts) if X_svm is None else X_svm
            parts = self._member_scores(self.svm_, self.nbs_, X_svm, self._stem_matrices(texts))
        return sum(p / s for p, s in zip(parts, self.scales_, strict=True))

    def predict_proba(self, texts, X_svm: sp.csr_matrix | None = None) -> np.ndarray:
        return softmax(self.decision_function(texts, X_svm) * self.temperature_, axis=1)

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

    def member_predictions(self, texts) -> dict[str, np.ndarray]:
        """Each member's own prediction (to show what the ensemble adds)."""
        texts = clean(texts)
        parts = self._member_scores(self.svm_, self.nbs_, self._svm_matrix(texts), self._stem_matrices(texts))
        names = ["linear SVM (words + character n-grams)"] + [
            f"complement NB ({k}-letter stems)" for k in self.stem_lengths
        ]
        return {n: self.classes_[p.argmax(axis=1)] for n, p in zip(names, parts, strict=True)}

    def slim(self) -> CrossLingualEnsemble:
        """Drop what is only needed while fitting (out-of-fold scores, pruned-term lists) before saving."""
        self.oof_scores_ = None
        self.oof_mask_ = None
        for _, step in self.svm_features_.transformer_list:
            if hasattr(step, "stop_words_"):
                step.stop_words_ = None
        for vec in self.stem_features_:
            vec.stop_words_ = None
        return self


# ----- explanations -------------------------------------------------------------------------------------
def _readable(names: np.ndarray) -> np.ndarray:
    """'word__impot' -> 'impot'; character n-grams quoted, their spaces shown as '_'."""
    s = pd.Series(names, dtype=object).astype(str)
    kind = s.str.split("__", n=1).str[0]
    term = s.str.split("__", n=1).str[1].fillna(s)
    term = np.where(kind == "char", "'" + term.str.replace(" ", "_", regex=False) + "'", term)
    return np.asarray(term, dtype=object)


def linear_weights(model: CrossLingualEnsemble) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes, W of shape classes x features, feature names) of the ensemble's linear SVM."""
    W = model.svm_.coef_
    classes = model.classes_
    if W.shape[0] == 1 and len(classes) == 2:
        W = np.vstack([-W[0], W[0]])
    names = np.asarray(model.svm_features_.get_feature_names_out(), dtype=object)
    return classes, W, names


def explain(
    model: CrossLingualEnsemble,
    texts=None,
    predicted=None,
    k: int = 5,
    X: sp.csr_matrix | None = None,
    *,
    words_only: bool = False,
) -> pd.DataFrame:
    """Top-k terms (``w_cj * x_j`` > 0 of the linear SVM) behind each text's predicted class; vectorised.

    ``words_only``: only word features (what a page shows: words of at least two training requests, no
    character fragments). Returns one row a text (``predicted``, ``terms`` joined by ", "); the long form
    (row, rank, term, weight) is in ``.attrs["long"]``.
    """
    classes, W, names = linear_weights(model)
    if words_only:
        is_word = pd.Series(names, dtype=object).astype(str).str.startswith("word__").to_numpy()
        W = np.where(is_word[None, :], W, 0.0)
    X = sp.csr_matrix(model.features(texts) if X is None else X)
    if predicted is None:
        predicted = model.predict(texts)
    cls_idx = pd.Index(classes).get_indexer(np.asarray(predicted))
    n = X.shape[0]
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    valid = cls_idx[rows] >= 0
    contrib = np.where(valid, X.data * W[np.maximum(cls_idx[rows], 0), X.indices], 0.0)
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


def top_terms(model: CrossLingualEnsemble, k: int = 6) -> pd.DataFrame:
    """The k words with the largest linear-SVM weight for each class."""
    classes, W, names = linear_weights(model)
    is_word = pd.Series(names, dtype=object).astype(str).str.startswith("word__").to_numpy()
    readable = _readable(names)
    Wm = np.where(is_word[None, :], W, -np.inf)
    top = np.argsort(-Wm, axis=1)[:, :k]
    return pd.DataFrame({"class": classes, "top_terms": [", ".join(readable[row]) for row in top]})


def make_urgency_model(seed: int = 0) -> LinearSVC:
    """Urgency head on the SVM's features (balanced classes: urgent requests are the rare ones)."""
    return LinearSVC(C=0.5, class_weight="balanced", random_state=seed)
