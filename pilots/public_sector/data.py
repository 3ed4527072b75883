"""What the public-sector pilot does to loaded requests before modelling (it never reads files:
``livinglab.load`` does, once, whatever the data's origin).

``prepare(loaded, params)`` turns the frame in the contract's names into a :class:`RequestData`:

- rows without text (or, to train, without label) are left out with a note;
- the **language** comes from the language column (``fr``, ``fra``, ``French``, ``fr-LU`` ... are
  normalised), else from the reader's ``source_file`` when each file names one language
  (``eng_Latn/train.tsv``, ``requests_de.csv``), else py3langid detects it (restricted to French, German,
  Luxembourgish and English);
- the **split** comes from a ``split`` column (train / validation / test; the synthetic generator's), else
  from ``source_file`` when the file names say train/dev/test, else from the time stamps (the latest
  ``test_share`` of the requests are the test requests), else it is a random split stratified by label;
  rows sharing an id (e.g. translations of one sentence) stay on one side;
- **rare labels**: a label with fewer than ``min_class_size`` training requests cannot be learnt; its
  requests are merged into ``OTHER`` ("other (too few examples)"), which the router always hands to a
  person, and a note says which; a test label never seen in training goes there too.

With ``model_path`` (a saved router) the requests are new and unlabelled: they are all to be routed.
Every problem is one sentence (:class:`RequestDataError`) before any model is fitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .contract import LABELLED, LANGUAGE_CODES, LANGUAGES, OTHER

SPLIT_WORDS = {"train": "train", "training": "train", "dev": "train", "valid": "train", "validation": "train",
               "val": "train", "test": "test", "testing": "test", "eval": "test"}  # fmt: skip
#: Columns of the synthetic generator's truth kept beside the contract's (urgency, forms, planted data).
TRUTH_COLUMNS = ("second_language", "urgency", "missing_truth", "inconsistent_truth", "planted_pii")


class RequestDataError(ValueError):
    """Input data that cannot be used, with a sentence that says what to fix."""


@dataclass
class RequestData:
    """Train / validation / test requests (columns request_id, text, label, language, ...) and how they
    were made from the loaded data."""

    train: pd.DataFrame | None
    validation: pd.DataFrame | None
    test: pd.DataFrame
    labelled: bool = True
    label_name: str = "label"
    split: str = ""
    language_origin: str = ""
    groups: np.ndarray | None = None  # cross-validation groups of the training rows
    merged_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    near_duplicates: dict = field(
        default_factory=dict
    )  # mode, pairs, share of test rows with a twin in training

    @property
    def parts(self) -> dict[str, pd.DataFrame]:
        found = {"train": self.train, "validation": self.validation, "test": self.test}
        return {name: part for name, part in found.items() if part is not None}

    @property
    def languages(self) -> list[str]:
        return sorted(set(pd.concat([f["language"] for f in self.parts.values()]).dropna().astype(str)))

    @property
    def labels(self) -> list[str]:
        frames = [f for f in (self.train, self.test) if f is not None and "label" in f]
        return sorted(set(pd.concat([f["label"] for f in frames]).astype(str))) if frames else []

    @property
    def language_known(self) -> bool:
        """True when the languages were given (column, file names, generator), not detected."""
        return bool(self.language_origin) and "detected" not in self.language_origin


# ----- language and split from the data ------------------------------------------------------------------
def normalise_languages(values: pd.Series) -> pd.Series:
    """Language codes/names -> fr/de/lb/en where recognised (``fr-LU``, ``fra``, ``French``); others kept."""
    text = values.astype("string").str.strip().str.lower()
    base = text.str.split(r"[-_]", n=1, regex=True).str[0]
    mapped = base.map(LANGUAGE_CODES)
    return mapped.fillna(text).astype(object)


def language_from_paths(paths: pd.Series) -> pd.Series:
    """The language a file name or folder names (``eng_Latn``, ``/de/``, ``requests_fr.csv``), else NaN."""
    parts = paths.astype(str).str.lower().str.replace("\\", "/", regex=False)
    tokens = parts.str.findall(r"[a-zäëéöüç]+")
    codes = tokens.map(lambda ts: [LANGUAGE_CODES[t] for t in ts if t in LANGUAGE_CODES and t != "lu"])
    return codes.map(lambda cs: cs[-1] if len(set(cs)) == 1 else np.nan)


def split_from_paths(paths: pd.Series) -> pd.Series:
    """'train' / 'test' from file names that say train, dev, validation or test; else NaN."""
    names = paths.astype(str).str.lower().str.replace("\\", "/", regex=False).str.rsplit("/", n=1).str[-1]
    tokens = names.str.findall(r"[a-z]+")
    found = tokens.map(lambda ts: [SPLIT_WORDS[t] for t in ts if t in SPLIT_WORDS])
    return found.map(lambda s: s[0] if len(set(s)) == 1 else np.nan)


#: A split column's names and the words of its values in the partners' languages (``jeu``: train / dev / test).
SPLIT_COLUMNS = ("split", "jeu", "ensemble", "partition", "subset", "teilmenge", "aufteilung")
SPLIT_VALUES = {
    "train": "train", "training": "train", "entrainement": "train", "entraînement": "train", "apprentissage": "train",
    "validation": "validation", "dev": "validation", "valid": "validation", "val": "validation",
    "validierung": "validation", "test": "test", "testing": "test", "eval": "test",
}  # fmt: skip


def split_column(columns) -> str | None:
    """The file's split column, found by its name (``split``, ``jeu``, ``Teilmenge`` ...), or None."""
    return next((c for c in columns if str(c).strip().lower() in SPLIT_COLUMNS), None)


def _given_split(frame: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """The ``split`` column when it says train / validation / test (dev ...) for every row and has both
    ends; else None and, when there is such a column, why it was not used (said on the page)."""
    if "split" not in frame:
        return None, ""
    values = frame["split"].astype("string").str.strip().str.lower()
    split = values.map(SPLIT_VALUES)
    if split.isna().any() or not {"train", "test"} <= set(split):
        shown = sorted(values.dropna().unique().tolist())[:6]
        return None, (
            f"; the file's split column was not used: its values {shown} are not train / validation / test "
            "with both train and test requests"
        )
    return split.astype(object), ""


# ----- near-duplicates: the same text twice, or translations of one text ------------------------------------
#: Near-duplicates: character 3-5-gram TF-IDF cosine at least this ...
NEAR_COSINE = 0.8
#: ... or (cross-lingual) at least this many shared anchors (numbers, proper nouns), or one rare anchor (in
#: at most ``ANCHOR_RARE`` texts: a name in the four translations of one sentence), making at least this share
#: of the smaller text's anchors.
ANCHOR_MIN, ANCHOR_JACCARD, ANCHOR_RARE = 2, 0.5, 8
#: Above this share of test requests with a near-duplicate in training, the card warns.
NEAR_WARN = 0.05
#: ``near_duplicates``: look and warn (default), look and keep them together in a random split, or skip.
NEAR_MODES = ("warn", "group", "off")
_ANCHOR = r"(?<![\w])(?:\d+(?:[.,]\d+)*|(?<=[\w,;:] )[A-ZÀ-ÖØ-Þ][\w'’-]{2,})(?![\w])"


def _pairs_above(X, threshold: float, chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i < j) whose similarity ``X @ X.T`` reaches ``threshold`` (sparse products by blocks)."""
    import scipy.sparse as sp

    X = sp.csr_matrix(X)
    rows, cols = [], []
    for start in range(0, X.shape[0], chunk):  # blocks of rows, not single rows
        block = (X[start : start + chunk] @ X.T).tocoo()
        keep = (block.data >= threshold) & (block.row + start < block.col)
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
    return (np.concatenate(rows), np.concatenate(cols)) if rows else (np.array([], int), np.array([], int))


def near_duplicate_pairs(texts: pd.Series, languages=None) -> pd.DataFrame:
    """Pairs of rows that are near-duplicates: character 3-5-gram cosine >= ``NEAR_COSINE`` (the same text,
    re-sent or lightly edited), or cross-lingual duplicates: shared anchors (numbers, capitalised words inside
    a sentence: names, places, organisations; at least ``ANCHOR_MIN``, or one that few texts hold) making at
    least ``ANCHOR_JACCARD`` of the smaller text's anchors (the translations of one text keep its numbers
    and names). With ``languages`` (one a text), anchors pair texts of different languages only: within one
    language the character n-grams find the twins, and German capitalises its nouns, so two German texts
    about one subject share "anchors" without being related (on SIB-200's official split, all 289 pairs of
    one language found by anchors were of different sentences). Columns ``i``, ``j`` (positions, i < j) and
    ``how``."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    texts = pd.Series(np.asarray(texts, dtype=object)).fillna("").astype(str)
    # n-grams of more than 5% of the texts are dropped: twins share rare n-grams, and the products stay sparse
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.05 if len(texts) > 200 else 1.0,
        dtype=np.float32,
    )  # fmt: skip
    i1, j1 = _pairs_above(char.fit_transform(texts), NEAR_COSINE)
    anchors = texts.str.findall(_ANCHOR).map(
        lambda a: " ".join(sorted({w.lower().replace(",", ".") for w in a}))
    )
    frames = [pd.DataFrame({"i": i1, "j": j1, "how": "same text (character n-grams)"})]
    has = anchors.str.len() > 0
    if has.sum() >= 2:
        vec = CountVectorizer(binary=True, token_pattern=r"\S+", max_df=0.05 if has.sum() > 200 else 1.0)
        try:
            A = sp.csr_matrix(vec.fit_transform(anchors), dtype=np.float32)
        except ValueError:  # no anchor left after dropping the common ones
            A = None
        if A is not None:
            size = np.asarray(A.sum(axis=1)).ravel()
            df = np.asarray(A.sum(axis=0)).ravel()
            rare = A.multiply((df <= ANCHOR_RARE)[None, :].astype(np.float32)).tocsr()
            i2, j2 = _pairs_above(A, 1)
            shared = np.asarray(A[i2].multiply(A[j2]).sum(axis=1)).ravel()
            shared_rare = np.asarray(rare[i2].multiply(rare[j2]).sum(axis=1)).ravel()
            # overlap coefficient: German capitalises its nouns, so its anchors are a superset of the others'
            overlap = shared / np.maximum(np.minimum(size[i2], size[j2]), 1)
            keep = (overlap >= ANCHOR_JACCARD) & (
                (shared >= ANCHOR_MIN) | ((shared_rare >= 1) & (shared == size[i2]) & (shared == size[j2]))
            )
            if languages is not None:
                lang = np.asarray(languages, dtype=object)
                keep &= lang[i2] != lang[j2]
            frames.append(pd.DataFrame({"i": i2[keep], "j": j2[keep], "how": "shared numbers and names"}))
    pairs = pd.concat(frames, ignore_index=True).drop_duplicates(["i", "j"])
    return pairs.reset_index(drop=True)


def duplicate_groups(n: int, pairs: pd.DataFrame) -> np.ndarray:
    """Connected components of the near-duplicate pairs: a group id per row."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs["i"], pairs["j"])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def duplicate_share(part: np.ndarray, pairs: pd.DataFrame) -> float:
    """Share of the test rows (``part == "test"``) with a near-duplicate among the training rows."""
    is_test = part == "test"
    if not is_test.any() or pairs.empty:
        return 0.0
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    is_train = part == "train"
    across = (is_test[i] & is_train[j]) | (is_train[i] & is_test[j])
    hit = np.zeros(len(part), bool)
    hit[np.where(is_test[i], i, j)[across]] = True
    return float(hit[is_test].mean())


def _split_parts(
    frame: pd.DataFrame, test_share: float, seed: int, near_groups: np.ndarray | None = None
) -> tuple[np.ndarray, str]:
    """The part of each row ('train', 'validation' or 'test') and how the split was made; ``near_groups``
    (near-duplicate groups) keep their rows on one side of a random split."""
    given, unused = _given_split(frame)
    if given is None:
        part, how = _derived_split(frame, test_share, seed, near_groups)
        return part, how + unused
    counts = given.value_counts()
    shown = ", ".join(
        f"{counts.get(p, 0):,} {p}" for p in ("train", "validation", "test") if counts.get(p, 0)
    )
    return given.to_numpy(), f"as the data's split column gives it ({shown} requests)"


def _derived_split(
    frame: pd.DataFrame, test_share: float, seed: int, near_groups: np.ndarray | None = None
) -> tuple[np.ndarray, str]:
    """The split when the file gives none: by file name, by time, else random (see :func:`_split_parts`)."""
    if "source_file" in frame:
        split = split_from_paths(frame["source_file"])
        if split.notna().all() and set(split) == {"train", "test"}:
            files = frame.groupby(split)["source_file"].nunique()
            return split.to_numpy(dtype=object), (
                f"by file name: {files['train']} training file(s) (train/dev) and {files['test']} test file(s)"
            )
    if "timestamp" in frame and frame["timestamp"].notna().mean() > 0.9:
        times = frame["timestamp"]
        cut = times.quantile(1 - test_share)
        is_test = (times > cut).to_numpy()
        if 0 < is_test.sum() < len(frame):
            return np.where(is_test, "test", "train"), (
                f"time-ordered: requests after {cut:%Y-%m-%d %H:%M} ({is_test.mean():.0%}) are the test requests, "
                "the earlier ones train the model"
            )
    rng = np.random.default_rng(seed)
    link = _link(frame)
    shared_ids = link is not None
    key = frame[link].astype(str) if shared_ids else pd.Series(np.arange(len(frame)))
    if near_groups is not None and not shared_ids:
        key = pd.Series(near_groups)
    # stratified by label, whole id groups together: each group gets one random number
    codes, uniques = pd.factorize(key)
    draw = rng.random(len(uniques))[codes]
    labels = frame["label"].to_numpy()
    rank = pd.Series(draw).groupby(labels).rank(method="first").to_numpy()
    per_label = pd.Series(labels).map(pd.Series(labels).value_counts()).to_numpy()
    is_test = rank > per_label - np.floor(test_share * per_label)  # a label seen once stays in training
    how = "random, stratified by label" + (
        f" (rows sharing {'a group' if link == 'group' else 'an id'} kept together)"
        if shared_ids
        else " (near-duplicates and translations kept together)"
        if near_groups is not None
        else ""
    )
    return np.where(is_test, "test", "train"), f"{how}: {is_test.mean():.0%} test requests"


def merge_rare_labels(parts: dict[str, pd.DataFrame], min_class_size: int) -> tuple[list[str], list[str]]:
    """Labels with fewer than ``min_class_size`` training requests (and labels of the other parts unseen in
    training) -> ``OTHER``, in place. Returns (merged labels, notes)."""
    train = parts["train"]
    counts = train["label"].value_counts()
    rare = sorted(counts[counts < min_class_size].index.astype(str))
    others = [p for name, p in parts.items() if name != "train"]
    unseen = sorted(set().union(*(set(p["label"]) for p in others)) - set(counts.index))
    notes = []
    if rare:
        for part in parts.values():
            part.loc[part["label"].isin(rare), "label"] = OTHER
        shown = ", ".join(f"{r!r} ({counts[r]})" for r in rare[:8]) + (" ..." if len(rare) > 8 else "")
        notes.append(
            f"{len(rare)} label(s) with fewer than {min_class_size} training requests cannot be learnt and were "
            f"merged into '{OTHER}', which always goes to a person: {shown}."
        )
    if unseen:
        for part in others:
            part.loc[part["label"].isin(unseen), "label"] = OTHER
        notes.append(
            f"{len(unseen)} test label(s) never seen in training also count as '{OTHER}': "
            f"{', '.join(map(repr, unseen[:8]))}."
        )
    return rare + unseen, notes


def _link(frame: pd.DataFrame) -> str | None:
    """The column that ties related rows together: ``group`` when given for every row, else ``id`` when
    rows share one (translations of one sentence), else None."""
    if "group" in frame and frame["group"].notna().all() and frame["group"].duplicated().any():
        return "group"
    if "id" in frame and frame["id"].duplicated().any():
        return "id"
    return None


def _groups(train: pd.DataFrame, near: np.ndarray | None = None) -> np.ndarray | None:
    """Cross-validation groups: time blocks when time stamps exist, shared ids otherwise (translations),
    else the near-duplicate groups (so no fold or validation part holds a twin of a training row)."""
    if "timestamp" in train and train["timestamp"].notna().all() and len(train) >= 50:
        from livinglab.trust import time_blocks

        return time_blocks(train["timestamp"], n_blocks=10)
    link = _link(train)
    if link is not None:
        return pd.factorize(train[link].astype(str))[0]
    if near is not None and len(np.unique(near)) < len(near):
        return pd.factorize(near)[0]
    return None


# ----- the loaded frame -> the pilot's requests ---------------------------------------------------------------
def declared_languages(value: Any) -> list[str]:
    """The ``languages`` parameter (the file's languages, e.g. ``["de"]``) as the pilot's codes; one sentence
    naming the choices when a code is not one of them."""
    if value in (None, "", [], ()):
        return []
    values = [value] if isinstance(value, str) else list(value)
    codes = normalise_languages(pd.Series(values, dtype="object"))
    unknown = [str(v) for v, c in zip(values, codes, strict=True) if c not in LANGUAGES]
    if unknown:
        raise RequestDataError(
            f"languages: {', '.join(unknown)} is not one of {', '.join(LANGUAGES)}; give the file's languages "
            "as codes, e.g. -p languages '[\"de\"]'."
        )
    return sorted(set(codes), key=LANGUAGES.index)


def _requests(
    loaded: Any, labelled: bool, declared: list[str] | None = None
) -> tuple[pd.DataFrame, str, list[str]]:
    """The contract's frame -> the pilot's columns, with the language filled in; (frame, origin, notes).
    ``declared``: the file's languages as the partner states them (``-p languages``): requests without a
    language are identified among those only, and all are in it when there is one."""
    frame = loaded.frame
    notes: list[str] = []
    out = pd.DataFrame({"text": frame["text"].astype("string")})
    if labelled:
        out["label"] = frame["label"].astype("string").str.strip()
    kept = ("timestamp", "id", "group", "source_file", "split") + (
        TRUTH_COLUMNS if loaded.is_synthetic else ()
    )
    kept += tuple(c for c in frame.columns if loaded.is_synthetic and c.startswith("form_"))
    for name in kept:
        if name in frame:
            out[name] = frame[name]
    found = split_column(frame.columns)
    if "split" not in out and found is not None:  # 'jeu', 'Teilmenge': the partner's own split
        out["split"] = frame[found]
        notes.append(f"column {found!r} is the split (train / validation / test)")
    keep = out["text"].notna() & (out["text"].str.strip() != "")
    if labelled:
        keep &= out["label"].notna() & (out["label"] != "")
    if (~keep).any():
        notes.append(
            f"{int((~keep).sum()):,} row(s) without text{' or label' if labelled else ''} were left out."
        )
        out = out[keep].reset_index(drop=True)
        frame = frame[keep.to_numpy()].reset_index(drop=True)
    if len(out) == 0:
        raise RequestDataError(
            "No row has a text" + (" and a label" if labelled else "") + "; check the columns mapping."
        )
    out["text"] = out["text"].astype(str)
    if labelled:
        out["label"] = out["label"].astype(str)
    origin = ""
    if "language" in frame and frame["language"].notna().any():
        out["language"] = normalise_languages(frame["language"]).to_numpy()
        origin = "known (generator)" if loaded.is_synthetic else "from the language column"
    elif "source_file" in out:
        from_path = language_from_paths(out["source_file"])
        if from_path.notna().all():
            out["language"] = from_path.to_numpy()
            origin = "from the file names"
    if "language" not in out or out["language"].isna().any():
        from .model.langid import LanguageDetector

        given = set(out["language"].dropna()) & set(LANGUAGES) if "language" in out else set()
        # the languages the partner declares, else those the file gives for some rows (when two or more):
        # the other rows are identified among those only (a German file's reports are all German)
        allowed = declared or ([c for c in LANGUAGES if c in given] if len(given) >= 2 else list(LANGUAGES))
        if len(allowed) == 1:
            detected = np.full(len(out), allowed[0], dtype=object)
            how = f"declared ({allowed[0]})"
        else:
            detected = LanguageDetector(allowed).predict(out["text"])
            how = "detected by py3langid" + (f" among {', '.join(allowed)}" if declared else "")
        out["language"] = out["language"].fillna(pd.Series(detected)) if "language" in out else detected
        origin = origin + f"; missing ones {how}" if origin else how
    out["language"] = out["language"].astype(str)
    ids = out["id"].astype(str) if "id" in out else pd.Series(np.arange(1, len(out) + 1)).astype(str)
    if "id" in out and ids.duplicated().any():
        out["request_id"] = ids + "-" + out.groupby(ids).cumcount().astype(str)
    else:
        out["request_id"] = ids.to_numpy()
    if "second_language" not in out:
        out["second_language"] = ""
    return out, origin, notes


def prepare(loaded: Any, params: dict) -> RequestData:
    """The run's requests from the loaded data (see the module docstring)."""
    test_share, seed = float(params["test_share"]), int(params["seed"])
    min_class_size = int(params["min_class_size"])
    if not 0 < test_share < 1:
        raise RequestDataError(f"test_share must lie strictly between 0 and 1, got {test_share}.")
    routing = bool(str(params.get("model_path") or "").strip())
    if routing and loaded.mode != "file":
        raise RequestDataError("model_path routes a file of new requests: give it with -p data_path as well.")
    notes = list(loaded.notes)
    if not routing and "label" not in loaded.frame:
        # the file's columns against the labelled contract: the contract's one sentence with the fix
        report = loaded.report
        LABELLED.resolve_mapping(
            report.columns if report else list(loaded.frame.columns), params.get("columns")
        )
    frame, origin, more = _requests(
        loaded, labelled=not routing, declared=declared_languages(params.get("languages"))
    )
    notes += more
    if routing:
        return RequestData(None, None, frame, labelled=False, language_origin=origin, notes=notes)
    applied = loaded.applied
    mapped = applied.mapping.get("label") if applied is not None else None
    label_name = (
        (mapped if mapped and mapped != "label" else None) or loaded.frame.attrs.get("label_name") or "label"
    )
    mode = str(params.get("near_duplicates") or "warn").strip().lower()
    if mode not in NEAR_MODES:
        raise RequestDataError(
            f"near_duplicates must be one of {', '.join(NEAR_MODES)}, not {mode!r} ('group' keeps near-duplicates "
            "and translations on one side of a random split)."
        )
    pairs = (
        near_duplicate_pairs(frame["text"], frame["language"])
        if mode != "off"
        else pd.DataFrame(columns=["i", "j", "how"])
    )
    groups_all = duplicate_groups(len(frame), pairs) if len(pairs) else None
    part, how = _split_parts(frame, test_share, seed, groups_all if mode == "group" else None)
    share = duplicate_share(part, pairs)
    near = {
        "mode": mode,
        "pairs": int(len(pairs)),
        "cross_lingual_pairs": int((pairs["how"] == "shared numbers and names").sum()) if len(pairs) else 0,
        "share": share,
        "grouped": mode == "group" and "near-duplicates" in how,
        "warn": share > NEAR_WARN,
    }
    if near["warn"] and not near["grouped"]:
        notes.append(
            f"{share:.0%} of the test requests have a near-duplicate or a translation among the training "
            "requests: the test scores are optimistic. Give a group or id column that ties related texts "
            "together, or run again with -p near_duplicates group (a random split that keeps them together)."
        )
    parts = {
        p: frame[part == p].reset_index(drop=True)
        for p in ("train", "validation", "test")
        if (part == p).any()
    }
    if "train" not in parts or "test" not in parts:
        raise RequestDataError(
            f"The split ({how}) leaves no {'training' if 'train' not in parts else 'test'} rows."
        )
    merged, more = merge_rare_labels(parts, min_class_size)
    train = parts["train"]
    if train["label"].nunique() < 2:
        raise RequestDataError(
            f"Only one label is left to learn ({train['label'].iloc[0]!r}) after merging labels with fewer than "
            f"{min_class_size} training requests; give more labelled requests or a lower -p min_class_size."
        )
    return RequestData(
        train,
        parts.get("validation"),
        parts["test"],
        label_name=label_name,
        split=how,
        language_origin=origin,
        groups=_groups(train, None if groups_all is None else groups_all[part == "train"]),
        merged_labels=merged,
        notes=notes + more,
        near_duplicates=near,
    )
