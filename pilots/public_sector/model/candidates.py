"""The candidate models the router chooses from, one interface for all, and the choice on validation data.

Every candidate is fitted on the same (redacted) training requests and answers the same calls, so the
router routes with whichever was chosen:

- ``fit(texts, y, groups=None)``; ``decision_function(texts, X_svm=None)`` (class scores);
  ``predict_proba`` (softmax of the scores times ``temperature_``); ``predict``; ``calibrate(texts, y)``
  on held-out requests (the ensemble refits its members' weights, the others a temperature);
  ``features(texts)`` (a sparse matrix the urgency head and the explanations use); ``slim()``;
  ``words()`` (its word vocabulary: what the privacy check reads).

Candidates (:func:`candidates`):

- ``plain``: **plain TF-IDF + logistic regression**: scikit-learn's ``TfidfVectorizer`` of words and of
  character 2-5-grams within word boundaries (library defaults), ``LogisticRegression(C=100)``: the
  reference every page compares with (C = 100 is its best of 1, 10, 100 in grouped cross-validation on
  SIB-200's training sentences);
- ``svm``: a **linear SVM on the same features** (``LinearSVC``, C = 1);
- ``ensemble``: the pilot's **cross-lingual ensemble** (:class:`.ensemble.CrossLingualEnsemble`);
- ``fasttext``: **fastText** (Joulin et al. 2017, the ``fasttext-numpy2-wheel`` package): supervised, word
  bigrams and character 2-5-grams, no pretrained vectors; the peer a user would pick for text. It is a
  candidate only where the package imports (:func:`fasttext_available`).

:func:`choose` fits them on the training requests without the validation requests, scores each on the
validation requests only (macro-F1; ties go to the plain model, then in the order above) and returns the
choice. The test requests are never looked at.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from livinglab.threads import limit_threads

from .ensemble import REFERENCE_C, CrossLingualEnsemble, clean

#: The candidates in words (what every page names them); the order breaks ties (plain first).
WORDS = {
    "plain": "plain TF-IDF + logistic regression",
    "svm": "a linear SVM on the plain model's features",
    "ensemble": "the cross-lingual ensemble (linear SVM and stem naive Bayes)",
    "fasttext": "fastText (supervised, word bigrams and character n-grams)",
}


def fasttext_available() -> bool:
    """Whether the fastText package imports here (``fasttext-numpy2-wheel``)."""
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True


def fit_temperature(scores: np.ndarray, y, classes: np.ndarray) -> float:
    """The temperature ``T`` minimising the log loss of ``softmax(T * scores)`` on held-out rows (1 when
    no held-out row has a known label)."""
    idx = pd.Index(classes).get_indexer(np.asarray(y, dtype=object).astype(str))
    known = idx >= 0
    if not known.any():
        return 1.0
    z, idx = scores[known], idx[known]

    def loss(log_t: float) -> float:
        return float(-log_softmax(np.exp(log_t) * z, axis=1)[np.arange(len(idx)), idx].mean())

    best = minimize_scalar(loss, bounds=(-6.0, 6.0), method="bounded")
    return float(np.exp(best.x))


def _centred(d: np.ndarray) -> np.ndarray:
    if d.ndim == 1:  # two classes: one column for the positive class
        d = np.column_stack([-d / 2, d / 2])
    return d - d.mean(axis=1, keepdims=True)


class LinearTextModel(BaseEstimator, ClassifierMixin):
    """TF-IDF words + character 2-5-grams (scikit-learn defaults) -> a linear classifier: logistic
    regression (``"lr"``, the plain reference) or a linear SVM (``"svm"``)."""

    def __init__(self, classifier: str = "lr", C: float | None = None, seed: int = 0):
        self.classifier = classifier
        self.C = C
        self.seed = seed

    def _new_features(self) -> FeatureUnion:
        return FeatureUnion(
            [
                ("word", TfidfVectorizer(dtype=np.float32)),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), dtype=np.float32)),
            ]
        )

    def _new_classifier(self):
        if self.classifier == "lr":
            C = REFERENCE_C if self.C is None else self.C
            return LogisticRegression(C=C, solver="newton-cg", max_iter=200)
        if self.classifier == "svm":
            return LinearSVC(C=1.0 if self.C is None else self.C, random_state=self.seed)
        raise ValueError(f"classifier must be 'lr' or 'svm', not {self.classifier!r}.")

    def fit(self, texts, y, groups=None) -> LinearTextModel:
        texts = clean(texts)
        y = pd.Series(y).astype(str).to_numpy()
        if len(np.unique(y)) < 2:
            raise ValueError("The training requests need at least two different labels.")
        with limit_threads(1, user_api="blas"):
            self.svm_features_ = self._new_features()
            X = sp.csr_matrix(self.svm_features_.fit_transform(texts))
            self.svm_ = self._new_classifier().fit(X, y)
        self.classes_ = self.svm_.classes_
        self.temperature_ = 1.0
        return self

    def features(self, texts) -> sp.csr_matrix:
        return sp.csr_matrix(self.svm_features_.transform(clean(texts)))

    def decision_function(self, texts, X_svm: sp.csr_matrix | None = None) -> np.ndarray:
        with limit_threads(1, user_api="blas"):
            X = self.features(texts) if X_svm is None else X_svm
            return _centred(self.svm_.decision_function(X))

    def predict_proba(self, texts, X_svm: sp.csr_matrix | None = None) -> np.ndarray:
        return softmax(self.decision_function(texts, X_svm) * self.temperature_, axis=1)

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

    def calibrate(self, texts, y) -> LinearTextModel:
        self.temperature_ = fit_temperature(self.decision_function(texts), y, self.classes_)
        return self

    def words(self) -> set[str]:
        return set(dict(self.svm_features_.transformer_list)["word"].vocabulary_)

    def slim(self) -> LinearTextModel:
        for _, step in self.svm_features_.transformer_list:
            step.stop_words_ = None
        return self


class FastTextModel(BaseEstimator, ClassifierMixin):
    """fastText's supervised classifier (one thread and a seed: the same model from the same requests),
    with a word TF-IDF beside it for the urgency head. Pickles as the bytes of fastText's own file."""

    def __init__(
        self,
        epoch: int = 25,
        lr: float = 0.5,
        word_ngrams: int = 2,
        minn: int = 2,
        maxn: int = 5,
        dim: int = 50,
        bucket: int = 200_000,
        min_count: int = 1,
        seed: int = 0,
    ):
        self.epoch = epoch
        self.lr = lr
        self.word_ngrams = word_ngrams
        self.minn = minn
        self.maxn = maxn
        self.dim = dim
        self.bucket = bucket
        self.min_count = min_count
        self.seed = seed

    @staticmethod
    def _lines(texts) -> pd.Series:
        return clean(texts).str.lower().str.replace(r"\s+", " ", regex=True).str.strip()

    def fit(self, texts, y, groups=None) -> FastTextModel:
        import fasttext

        y = pd.Series(y).astype(str).to_numpy()
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("The training requests need at least two different labels.")
        codes = pd.Index(self.classes_).get_indexer(y)
        lines = "__label__" + pd.Series(codes).astype(str) + " " + self._lines(texts).to_numpy(dtype=object)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "train.txt")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines.tolist()) + "\n")
            # fastText's SGD can diverge ("Encountered NaN") at a learning rate that suits most data: the
            # same training at half the rate, at most three times (deterministic: one thread, a seed)
            for attempt in range(4):
                self.lr_ = self.lr / 2**attempt
                try:
                    self.model_ = fasttext.train_supervised(
                        path, epoch=self.epoch, lr=self.lr_, wordNgrams=self.word_ngrams, minn=self.minn,
                        maxn=self.maxn, dim=self.dim, bucket=self.bucket, minCount=self.min_count, thread=1,
                        seed=self.seed, verbose=0,
                    )  # fmt: skip
                    break
                except RuntimeError as error:
                    if "NaN" not in str(error) or attempt == 3:
                        raise
        self.svm_features_ = FeatureUnion([("word", TfidfVectorizer(min_df=2, dtype=np.float32))])
        self.svm_features_.fit(clean(texts))
        self.temperature_ = 1.0
        return self

    def features(self, texts) -> sp.csr_matrix:
        return sp.csr_matrix(self.svm_features_.transform(clean(texts)))

    def decision_function(self, texts, X_svm=None) -> np.ndarray:
        """Log-probabilities of fastText (centred per request)."""
        lines = self._lines(texts).tolist()
        k = len(self.classes_)
        labels, probs = self.model_.predict(lines, k=k)
        codes = np.array([[int(label[9:]) for label in row] for row in labels], dtype=int).reshape(-1, k)
        logp = np.full((len(lines), k), np.log(1e-12))
        logp[np.arange(len(lines))[:, None], codes] = np.log(np.clip(np.asarray(probs), 1e-12, 1.0))
        return logp - logp.mean(axis=1, keepdims=True)

    def predict_proba(self, texts, X_svm=None) -> np.ndarray:
        return softmax(self.decision_function(texts) * self.temperature_, axis=1)

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

    def calibrate(self, texts, y) -> FastTextModel:
        self.temperature_ = fit_temperature(self.decision_function(texts), y, self.classes_)
        return self

    def words(self) -> set[str]:
        return {w for w in self.model_.get_words() if w != "</s>"} | set(
            dict(self.svm_features_.transformer_list)["word"].vocabulary_
        )

    def slim(self) -> FastTextModel:
        for _, step in self.svm_features_.transformer_list:
            step.stop_words_ = None
        return self

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        model = state.pop("model_", None)
        if model is not None:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.bin")
                model.save_model(path)
                with open(path, "rb") as handle:
                    state["model_bytes_"] = handle.read()
        return state

    def __setstate__(self, state: dict) -> None:
        raw = state.pop("model_bytes_", None)
        self.__dict__.update(state)
        if raw is not None:
            import fasttext

            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.bin")
                with open(path, "wb") as handle:
                    handle.write(raw)
                fasttext.FastText.eprint = lambda *_: None  # its load_model warning says nothing here
                self.model_ = fasttext.load_model(path)


def _ensemble_words(model: CrossLingualEnsemble) -> set[str]:
    return set(dict(model.svm_features_.transformer_list)["word"].vocabulary_)


def candidates(seed: int = 0, *, include_fasttext: bool = False) -> dict[str, Callable[[], object]]:
    """The candidates' factories, in tie-breaking order (plain first); fastText only when asked for and where
    it imports: its training is not reproducible here (the same data and seed gave different scores from
    one process to the next, and "Encountered NaN" at times), which breaks a run's byte-equal record, and it
    was the weakest candidate on SIB-200 (test macro-F1 0.527 against 0.656 for the plain model)."""
    out: dict[str, Callable[[], object]] = {
        "plain": lambda: LinearTextModel("lr", seed=seed),
        "svm": lambda: LinearTextModel("svm", seed=seed),
        "ensemble": lambda: CrossLingualEnsemble(seed=seed),
    }
    if include_fasttext and fasttext_available():
        out["fasttext"] = lambda: FastTextModel(seed=seed)
    return out


def model_words(model) -> set[str]:
    """The word vocabulary a fitted candidate holds (word n-grams split into words)."""
    words = model.words() if hasattr(model, "words") else _ensemble_words(model)
    return {piece for w in words for piece in str(w).split()}


@dataclass
class Choice:
    """The candidates fitted for the choice, their validation scores and the one chosen."""

    chosen: str
    table: pd.DataFrame  # per candidate: validation macro-F1 and accuracy, chosen
    models: dict[str, object]  # fitted on the training requests without the validation requests
    validation_proba: np.ndarray  # the chosen model's calibrated probabilities of the validation requests
    validation_labels: np.ndarray
    where: str  # what the validation requests are, in words
    notes: list[str] = field(default_factory=list)


def choose(
    factories: dict[str, Callable[[], object]],
    train_texts,
    train_labels,
    validation_texts,
    validation_labels,
    *,
    groups=None,
    where: str,
    score: Callable,
    n_boot: int = 200,
    seed: int = 0,
) -> Choice:
    """Fit every candidate on the training texts, score each on the validation texts (``score``: macro-F1)
    and choose the best (ties: the earlier in ``factories``). The first candidate (the plain model) is the
    fall-back: another replaces it only when its validation score is ahead with the paired 95% bootstrap
    interval over validation texts (``n_boot`` resamples) above zero, so that a candidate ahead by chance
    on validation is not the one saved. The abstention threshold is chosen on cross-fitted probabilities of all
    validation texts (each random half scored by the chosen model calibrated on the other half); the model
    keeps the calibration on all validation texts."""
    y_val = pd.Series(np.asarray(validation_labels, dtype=object)).astype(str).to_numpy()
    models, rows, preds = {}, [], {}
    for name, make in factories.items():
        model = make()
        if isinstance(model, CrossLingualEnsemble):
            model.fit(train_texts, train_labels, groups=groups)
        else:
            model.fit(train_texts, train_labels)
        pred = preds[name] = np.asarray(model.predict(validation_texts), dtype=object)
        models[name] = model
        rows.append(
            {"candidate": name, "model": WORDS.get(name, name), "validation_macro_f1": score(y_val, pred),
             "validation_accuracy": float(np.mean(pred == y_val))}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    best = int(np.argmax(table["validation_macro_f1"].to_numpy()))  # the first of equal scores
    chosen = str(table["candidate"].iloc[best])
    fallback = str(table["candidate"].iloc[0])
    notes: list[str] = []
    if chosen != fallback:
        draws = np.random.default_rng(seed).integers(0, len(y_val), size=(n_boot, len(y_val)))
        diff = np.array(
            [score(y_val[d], preds[chosen][d]) - score(y_val[d], preds[fallback][d]) for d in draws]
        )
        low, high = np.quantile(diff, [0.025, 0.975])
        if low <= 0:
            notes.append(
                f"{WORDS.get(chosen, chosen)} was ahead of {WORDS.get(fallback, fallback)} on {where} by "
                f"{score(y_val, preds[chosen]) - score(y_val, preds[fallback]):+.3f} [{low:+.3f}, {high:+.3f}]: "
                f"not clearly, so {WORDS.get(fallback, fallback)} routes"
            )
            chosen = fallback
    table["chosen"] = table["candidate"] == chosen
    table.attrs["notes"] = notes
    # cross-fitted: each half's probabilities come from a calibration fitted on the other half, and the threshold
    # is chosen on all of them. A threshold chosen on the texts it was calibrated on promised a precision the
    # test requests did not reach; choosing it on one half only (the other calibrating) halved the rows it is
    # chosen on, and so the coverage the margin of precision allows. The router then routes with the
    # calibration fitted on all validation texts.
    texts = pd.Series(np.asarray(validation_texts, dtype=object))
    half = np.zeros(len(y_val), dtype=bool)
    half[np.random.default_rng(seed).permutation(len(y_val))[: len(y_val) // 2]] = True
    model = models[chosen]
    proba = np.zeros((len(y_val), len(model.classes_)))
    for fit_on in (half, ~half):
        if fit_on.all() or not fit_on.any():
            continue
        model.calibrate(texts[fit_on].reset_index(drop=True), y_val[fit_on])
        proba[~fit_on] = model.predict_proba(texts[~fit_on].reset_index(drop=True))
    model.calibrate(texts, y_val)
    if not half.any() or half.all():  # a single validation text: nothing to cross-fit
        proba = model.predict_proba(texts)
    where = (
        f"{where} (calibration cross-fitted over two halves: each half scored by a calibration on the other)"
    )
    return Choice(chosen, table, models, proba, y_val, where, notes)


def refit(make: Callable[[], object], texts, labels, *, groups=None, like=None):
    """A candidate fitted on all training texts; ``like``: the same candidate fitted for the choice and
    calibrated on the validation texts, whose calibration (the ensemble's member weights, a temperature)
    the refitted model takes over, so the threshold chosen on its probabilities holds for this one."""
    model = make()
    if isinstance(model, CrossLingualEnsemble):
        model.fit(texts, labels, groups=groups, out_of_fold=like is None)
    else:
        model.fit(texts, labels)
    if like is not None:
        for name in ("weights_", "scales_", "temperature_"):
            if hasattr(like, name):
                setattr(model, name, getattr(like, name))
    return model
