"""Routing requests in batches: redact, identify the language, suggest a route, abstain when unsure.

``RequestRouter.fit(texts, labels)`` trains on *redacted* text (the models never see personal data) the
calibrated cross-lingual ensemble (``ensemble.CrossLingualEnsemble``), optionally an urgency head, and
chooses the abstention threshold for the target precision: on validation requests when given (their
distribution differs from the training requests', as in the synthetic set-up), otherwise on the
ensemble's out-of-fold predictions of the training requests. ``RequestRouter.route(requests)`` returns one
row a request:

``request_id, language, language_confidence, redacted_text, label, administration (synthetic themes),
confidence, route ("auto" | "human"), alternatives, [urgency], [missing_fields, inconsistencies, complete],
[explanation]`` (the words that drove the route).

Requests predicted as the merged rare labels (``contract.OTHER``) always go to a person. ``save(path)`` writes
the fitted router as data, never a pickle (``saved.py``: JSON and arrays; the language model is not stored:
py3langid ships it) and records its sha256; ``RequestRouter.load`` checks and reads it back;
``run.route_file`` routes a partner's file of new requests with it.

With ``n_jobs=2`` a large batch is split in two and routed in two processes (the redaction regexes and the
string handling hold Python's GIL, so threads would not help).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..contract import LANGUAGES, MODEL_FILE, MODEL_FORMAT, OTHER, describe_saved_model
from ..privacy import redact
from ..synthetic.forms import check_forms
from ..synthetic.themes import ADMINISTRATIONS, FORM_FIELDS
from .abstention import OperatingPoint, choose_threshold, route
from .ensemble import CrossLingualEnsemble, explain, make_urgency_model
from .langid import LanguageDetector

PICKLE_WARNING = (
    "WARNING: the router was loaded from a pickle file because trust_pickle was set; a pickle can run any "
    "code while loading, so use this only for a file you made yourself, and save it again in the data format."
)


class RequestRouter:
    """Batch routing with abstention. ``model``: an already fitted ensemble to reuse (else fitted here)."""

    def __init__(
        self, target_precision: float = 0.95, threshold_method: str = "empirical", seed: int = 0, model=None
    ):
        self.target_precision = target_precision
        self.threshold_method = threshold_method
        self.seed = seed
        self.model = model

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        train_texts,
        train_labels,
        *,
        validation_texts=None,
        validation_labels=None,
        groups=None,
        urgency=None,
        redacted: bool = False,
        label_name: str = "label",
        validation_proba=None,
        calibration: str = "",
        languages=None,
    ) -> RequestRouter:
        """Fit on training requests; choose the threshold on validation requests or out-of-fold predictions.

        ``redacted``: the texts already went through :func:`privacy.redact` (saves redacting twice).
        ``validation_proba`` (with ``validation_labels``): the probabilities an already fitted ``model``
        (``model.candidates.choose``) gave held-out requests, ``calibration`` what they are in words: the
        threshold is chosen on them. ``languages``: the languages the training requests were given in (the
        identifier of new requests is restricted to those of them in scope; default: all four).
        """
        labels = pd.Series(np.asarray(train_labels, dtype=object)).astype(str)
        if labels.nunique() < 2:
            raise ValueError("The training requests need at least two different labels.")
        if len(labels) != len(train_texts):
            raise ValueError("train_texts and train_labels must have the same length.")
        texts = pd.Series(np.asarray(train_texts, dtype=object)) if redacted else redact(train_texts)[0]
        self.label_name = label_name
        in_scope = [c for c in LANGUAGES if languages is None or c in set(languages)]
        self.detector_ = LanguageDetector(in_scope or LANGUAGES)
        self.model_ = self.model if self.model is not None else CrossLingualEnsemble(seed=self.seed)
        if self.model is None:
            self.model_.fit(texts, labels, groups=groups, out_of_fold=validation_texts is None)
        self.classes_ = self.model_.classes_
        self.urgency_model_ = None
        if urgency is not None:
            X = self.model_.features(texts)
            self.urgency_model_ = make_urgency_model(self.seed).fit(X, pd.Series(urgency).astype(str))
        if validation_proba is not None:
            proba = np.asarray(validation_proba, dtype=float)
            val_labels = pd.Series(np.asarray(validation_labels, dtype=object)).astype(str).to_numpy()
            self.calibration_ = calibration or "validation requests"
        elif validation_texts is not None:
            val_texts = redact(validation_texts)[0]
            val_labels = pd.Series(np.asarray(validation_labels, dtype=object)).astype(str).to_numpy()
            self.model_.calibrate(val_texts, val_labels)
            proba = self.model_.predict_proba(val_texts)
            self.calibration_ = "validation requests"
        else:
            keep = self.model_.oof_mask_
            proba = self.model_.oof_proba_[keep]
            val_labels = labels.to_numpy()[keep]
            self.calibration_ = "out-of-fold predictions of the training requests"
        predicted = self.classes_[proba.argmax(axis=1)]
        confidence = proba.max(axis=1)
        confidence = np.where(predicted == OTHER, 0.0, confidence)  # never auto-routed
        self.validation_ = pd.DataFrame({"label": predicted, "confidence": confidence, "truth": val_labels})
        self.operating_point_: OperatingPoint = choose_threshold(
            confidence, predicted == val_labels, self.target_precision, method=self.threshold_method
        )
        self.threshold_ = self.operating_point_.threshold
        self.model_.slim()
        return self

    # ------------------------------------------------------------------ routing
    def _route_chunk(self, requests: pd.DataFrame, text_col: str, explain_terms: bool) -> pd.DataFrame:
        redacted, pii_counts = redact(requests[text_col])
        X = self.model_.features(redacted)
        proba = self.model_.predict_proba(redacted, X_svm=X)
        order = np.argsort(-proba, axis=1)
        top = order[:, 0]
        label = self.classes_[top]
        confidence = proba[np.arange(len(proba)), top]
        runner_up = [self.classes_[order[:, j]] for j in range(1, min(3, proba.shape[1]))]
        alternatives = pd.Series(runner_up[0], dtype=object)
        for extra in runner_up[1:]:
            alternatives = alternatives.str.cat(pd.Series(extra, dtype=object), sep=", ")
        ids = requests["request_id"].to_numpy() if "request_id" in requests else np.arange(len(requests))
        out = pd.DataFrame({"request_id": ids})
        if "language" in requests and requests["language"].notna().all():
            out["language"] = requests["language"].astype(str).to_numpy()
            out["language_confidence"] = np.nan
        else:
            out = pd.concat([out, self.detector_.predict_frame(redacted)], axis=1)
        out["redacted_text"] = redacted.to_numpy(dtype=object)
        out["label"] = label
        out["confidence"] = confidence
        out["route"] = np.where(label == OTHER, "human", route(confidence, self.threshold_))
        out["alternatives"] = alternatives.to_numpy(dtype=object)
        out["pii_redacted"] = pii_counts.sum(axis=1).to_numpy()
        known = {t: v[1] for t, v in ADMINISTRATIONS.items()}
        if set(self.classes_) <= set(known) | {OTHER}:
            out["administration"] = out["label"].map(known).fillna("a person decides")
        if self.urgency_model_ is not None:
            out["urgency"] = self.urgency_model_.predict(X)
        if all(f"form_{f}" in requests.columns for f in FORM_FIELDS):
            procedure = out["label"].where(out["label"].isin(list(ADMINISTRATIONS)))
            checked = check_forms(requests.reset_index(drop=True), procedure.to_numpy())
            out = pd.concat([out, checked.reset_index(drop=True)], axis=1)
        if explain_terms:
            out["explanation"] = explain(self.model_, predicted=label, X=X, words_only=True)[
                "terms"
            ].to_numpy()
        return out

    def _route_part(self, requests, text_col, explain_terms, chunk_size) -> pd.DataFrame:
        starts = range(0, len(requests), chunk_size)  # a loop over chunks, not over requests
        return pd.concat(
            [self._route_chunk(requests.iloc[a : a + chunk_size], text_col, explain_terms) for a in starts],
            ignore_index=True,
        )

    def route(
        self,
        requests: pd.DataFrame,
        *,
        text_col: str = "text",
        explain: bool = False,
        n_jobs: int = 1,
        min_chunk: int = 2000,
        chunk_size: int = 5000,
    ) -> pd.DataFrame:
        """Route a batch (a frame with the text column, optional request_id, language and form_* columns).

        ``n_jobs`` processes each take one part of the batch (when it has at least ``min_chunk`` requests
        per process) and work through it in chunks of ``chunk_size``.
        """
        if text_col not in requests.columns:
            raise ValueError(f"The requests lack the text column {text_col!r}.")
        if len(requests) == 0:
            raise ValueError("No requests to route.")
        requests = requests.reset_index(drop=True)
        if n_jobs <= 1 or len(requests) < 2 * min_chunk:
            return self._route_part(requests, text_col, explain, chunk_size)
        bounds = np.linspace(0, len(requests), n_jobs + 1).astype(int)
        parts = Parallel(n_jobs=n_jobs, backend="loky")(
            delayed(self._route_part)(requests.iloc[a:b], text_col, explain, chunk_size)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        )
        return pd.concat(parts, ignore_index=True)

    # ------------------------------------------------------------------ saving
    def info(self) -> dict:
        """What the saved model is: labels, threshold, target, calibration."""
        return {
            "labels": [str(c) for c in self.classes_],
            "label_name": self.label_name,
            "threshold": float(self.threshold_),
            "target_precision": float(self.target_precision),
            "calibration": self.calibration_,
            "urgency_head": self.urgency_model_ is not None,
        }

    def save(self, path: str | Path) -> Path:
        """Write the router as data (``model/saved.py``: JSON and arrays, no pickle) and ``<name>.json`` with
        :meth:`info` and the file's sha256 beside it; the sha256 is also recorded for the run's params.json
        (``sha256_`` keeps it for the model card)."""
        from livinglab.recording import record_source

        from . import saved

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.sha256_ = saved.save(self, path)
        self.saved_as_ = path.name
        info = {**self.info(), "file": path.name, "format": MODEL_FORMAT, "sha256": self.sha256_}
        path.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        record_source(
            "request_router", "saved by this run", path=str(path), sha256=self.sha256_,
            detail=f"the fitted router, saved as data ({MODEL_FORMAT}); route with -p model_sha256 {self.sha256_}",
        )  # fmt: skip
        return path

    @staticmethod
    def load(path: str | Path, *, sha256: str = "", trust_pickle: bool = False) -> RequestRouter:
        """A router saved by :meth:`save`, checked before anything is built: only the types of
        ``contract.MODEL_TYPES``, and the file's sha256 equal to ``sha256`` when given. A pickle (joblib) file
        of an earlier version is refused unless ``trust_pickle`` (then ``loaded_from_pickle_`` is set and the
        page says so). Raises ``ValueError`` (one sentence) or ``FileNotFoundError``."""
        from livinglab.recording import record_source

        from . import saved

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"model_path {str(path)!r} does not exist; give the {MODEL_FILE} that an earlier run saved beside "
                "its model card."
            )
        what = describe_saved_model(path, sha256=sha256, trust_pickle=trust_pickle is True)
        if what["format"] == "pickle":
            router = saved.load_pickle(path)
            if not isinstance(router, RequestRouter):
                raise TypeError(f"{path} does not hold a RequestRouter (it holds a {type(router).__name__}).")
            router.loaded_from_pickle_ = True
        else:
            router, _ = saved.load(path, RequestRouter, sha256=sha256)
            router.loaded_from_pickle_ = False
        router.sha256_ = what["sha256"]
        router.saved_as_ = path.name
        record_source(
            "request_router", "model_path", path=str(path), sha256=what["sha256"],
            detail="a pickle, loaded because -p trust_pickle true was given" if router.loaded_from_pickle_
            else f"the saved router, data only ({MODEL_FORMAT})",
        )  # fmt: skip
        return router
