"""The saved router as data, never code: a zip of ``model.json`` (the structure, vocabularies, settings and
small values) and ``.npy`` arrays (coefficients, idf weights, hash-bucket tables), read back with
``allow_pickle=False``.

Loading builds only the types of :data:`contract.MODEL_TYPES` (the router; each candidate it can route
with by default: the ensemble and the plain or SVM ``LinearTextModel``; scikit-learn's ``TfidfVectorizer``,
``FeatureUnion``, ``LinearSVC``, ``LogisticRegression`` and ``ComplementNB``; the pilot's ``CharNgramTfidf``,
the language detector and the operating point): each is constructed with its settings and given its fitted
arrays as attributes. A file naming any other type is refused before anything is built, so a crafted file
can at worst be a wrong model, never run code. The bytes are deterministic (fixed zip timestamps, arrays in a
fixed order): the same fit gives the same file and the same sha256.

A router saved with joblib by an earlier version is a pickle: :func:`load_pickle` reads it only when the
caller trusts it explicitly (``-p trust_pickle true``).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contract import MODEL_FORMAT, MODEL_TYPES, describe_saved_model

_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same model gives the same bytes

# what each trusted type keeps: its settings (constructor arguments) and its fitted attributes, in order
_FITTED = {
    "RequestRouter": ("label_name", "classes_", "threshold_", "calibration_", "operating_point_",
                      "validation_", "urgency_model_", "model_", "detector_"),
    "CrossLingualEnsemble": ("classes_", "svm_features_", "stem_features_", "svm_", "nbs_", "weights_",
                             "scales_", "temperature_", "oof_scores_", "oof_mask_"),
    "LinearTextModel": ("classes_", "svm_features_", "svm_", "temperature_"),
    "FeatureUnion": (),
    "TfidfVectorizer": ("vocabulary_", "fixed_vocabulary_", "stop_words_", "idf_"),
    "CharNgramTfidf": ("lookup_", "idf_", "feature_names_"),
    "LinearSVC": ("classes_", "coef_", "intercept_", "n_features_in_", "n_iter_"),
    "LogisticRegression": ("classes_", "coef_", "intercept_", "n_features_in_", "n_iter_"),
    "ComplementNB": ("classes_", "class_count_", "class_log_prior_", "feature_log_prob_", "n_features_in_"),
    "LanguageDetector": (),
    "OperatingPoint": (),
}  # fmt: skip
assert set(_FITTED) == set(MODEL_TYPES)


def _classes(router_type: type) -> dict[str, type]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import FeatureUnion
    from sklearn.svm import LinearSVC

    from .abstention import OperatingPoint
    from .candidates import LinearTextModel
    from .charngrams import CharNgramTfidf
    from .ensemble import CrossLingualEnsemble
    from .langid import LanguageDetector

    found = {
        "RequestRouter": router_type,
        "CrossLingualEnsemble": CrossLingualEnsemble,
        "LinearTextModel": LinearTextModel,
        "FeatureUnion": FeatureUnion,
        "TfidfVectorizer": TfidfVectorizer,
        "CharNgramTfidf": CharNgramTfidf,
        "LinearSVC": LinearSVC,
        "LogisticRegression": LogisticRegression,
        "ComplementNB": ComplementNB,
        "LanguageDetector": LanguageDetector,
        "OperatingPoint": OperatingPoint,
    }
    assert set(found) == set(MODEL_TYPES)
    return found


def _settings(obj: Any) -> dict[str, Any]:
    name = type(obj).__name__
    if name == "FeatureUnion":
        return {"transformer_list": [[n, t] for n, t in obj.transformer_list],
                "transformer_weights": obj.transformer_weights}  # fmt: skip
    if name == "LanguageDetector":
        return {"languages": list(obj.languages)}
    if name == "OperatingPoint":
        return {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    if name == "RequestRouter":
        return {k: getattr(obj, k) for k in ("target_precision", "threshold_method", "seed")}
    return obj.get_params(deep=False)


class _Writer:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray) -> dict[str, Any]:
        kind = "object" if value.dtype == object else None
        if kind:  # texts (labels, n-gram names): a fixed-width unicode array, object again when read
            if not all(isinstance(v, str) for v in value.ravel()):
                raise TypeError("only arrays of texts or numbers can be saved")
            value = value.astype(str)
        name = f"a{len(self.arrays):03d}"
        self.arrays[name] = np.ascontiguousarray(value)
        return {"__array__": name, **({"object": True} if kind else {})}

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value)
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"__dtype__": np.dtype(value).name}
        if isinstance(value, tuple):
            return {"__tuple__": [self.value(v) for v in value]}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, (set, frozenset)):
            return {"__set__": sorted(self.value(v) for v in value)}
        if isinstance(value, pd.DataFrame):
            return {"__frame__": [[str(c), self.array(value[c].to_numpy())] for c in value.columns]}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and all(
                isinstance(v, (int, np.integer)) for v in value.values()
            ):  # a vocabulary: its terms in index order
                terms = sorted(value, key=value.__getitem__)
                if [int(value[t]) for t in terms] == list(range(len(terms))):
                    return {"__vocabulary__": self.array(np.asarray(terms, dtype=object))}
            return {"__dict__": [[self.value(k), self.value(v)] for k, v in value.items()]}
        name = type(value).__name__
        if name not in MODEL_TYPES:
            raise TypeError(f"a {name} cannot be saved as data")
        return {
            "__type__": name,
            "settings": {k: self.value(v) for k, v in _settings(value).items()},
            "fitted": {k: self.value(getattr(value, k)) for k in _FITTED[name] if hasattr(value, k)},
        }


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def save(router: Any, path: Path) -> str:
    """Write ``router`` to ``path`` (see the module docstring); return the file's sha256."""
    writer = _Writer()
    tree = writer.value(router)
    doc = {"format": MODEL_FORMAT, "model": tree}
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(_entry("model.json"), json.dumps(doc, sort_keys=True, separators=(",", ":")))
        for name, value in writer.arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, value, allow_pickle=False)
            archive.writestr(_entry(f"{name}.npy"), buffer.getvalue())
    tmp.replace(path)  # a failed save never replaces a good file
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, router_type: type) -> None:
        self.archive = archive
        self.classes = _classes(router_type)

    def array(self, ref: dict[str, Any]) -> np.ndarray:
        with self.archive.open(f"{ref['__array__']}.npy") as fh:
            value = np.lib.format.read_array(fh, allow_pickle=False)
        return value.astype(object) if ref.get("object") else value

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "__array__" in node:
            return self.array(node)
        if "__dtype__" in node:
            return np.dtype(node["__dtype__"]).type
        if "__tuple__" in node:
            return tuple(self.value(v) for v in node["__tuple__"])
        if "__set__" in node:
            return set(self.value(v) for v in node["__set__"])
        if "__frame__" in node:
            return pd.DataFrame({c: self.array(ref) for c, ref in node["__frame__"]})
        if "__vocabulary__" in node:
            terms = self.array(node["__vocabulary__"])
            return {str(t): i for i, t in enumerate(terms)}
        if "__dict__" in node:
            return {self.value(k): self.value(v) for k, v in node["__dict__"]}
        # a trusted type (describe_saved_model checked every name before anything is read)
        cls = self.classes[node["__type__"]]
        settings = {k: self.value(v) for k, v in node["settings"].items()}
        if node["__type__"] == "FeatureUnion":
            settings["transformer_list"] = [tuple(pair) for pair in settings["transformer_list"]]
        obj = cls(**settings)
        for key, value in node["fitted"].items():
            setattr(obj, key, self.value(value))
        return obj


def load(path: Path, router_type: type, *, sha256: str = "") -> tuple[Any, str]:
    """The router (a ``router_type``, the caller's class) saved at ``path`` and the file's sha256. Raises
    ``ValueError`` (one sentence) for a file that is not a saved router, names an untrusted type, or whose
    sha256 differs from ``sha256``."""
    digest = describe_saved_model(path, sha256=sha256)["sha256"]
    with zipfile.ZipFile(path) as archive:
        doc = json.loads(archive.read("model.json"))
        router = _Reader(archive, router_type).value(doc["model"])
    return router, digest


def load_pickle(path: Path) -> Any:
    """A router an earlier version saved with joblib (a pickle: it can run any code while loading). Only
    for files the caller made or trusts; the caller asked for it with ``trust_pickle``."""
    import joblib

    return joblib.load(path)
