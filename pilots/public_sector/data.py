"""The requests a run works on, in one shape whatever their origin, and the story of what was loaded.

``load_requests(data_mode, data_path, columns, read_options, ...)`` returns a :class:`RequestData`:

- **synthetic** (default): the embedded generator's requests to Guichet.lu (``synthetic.make_splits``):
  training requests from one half of every phrase pool and of the writers, validation and test requests
  from the other half;
- **real**: SIB-200's twelve files through the data catalogue (``loaders.resolve_sib200``);
- **file**: a partner's labelled file(s) through the shared reader and the ``labelled_requests`` contract,
  or, with ``model_path``, unlabelled requests (the ``requests`` contract) for a saved model to route.

On a partner's file:

- the **language** comes from the language column (codes such as ``fr``, ``fra``, ``French`` are
  normalised), else from the file names when they name one language each (``eng_Latn/train.tsv``), else
  py3langid detects it (restricted to French, German, Luxembourgish, English);
- the **split** comes from the file names when they say train/dev/test, else from the time stamps (the
  latest ``test_share`` of the requests are the test requests), else it is a stratified random split; rows
  sharing an id (e.g. translations of one sentence) stay on one side;
- **rare labels**: a label with fewer than ``min_class_size`` training requests cannot be learnt; its
  requests are merged into ``OTHER`` ("other (too few examples)"), which the router always hands to a
  person, and a note says which labels were merged; a test label never seen in training goes there too.

Every problem is one sentence (:class:`RequestDataError`) before any model is fitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .themes import LANGUAGE_NAMES, LANGUAGES

OTHER = "other (too few examples)"
SPLIT_WORDS = {"train": "train", "training": "train", "dev": "train", "valid": "train", "validation": "train",
               "val": "train", "test": "test", "testing": "test", "eval": "test"}  # fmt: skip
# language codes and names -> the pilot's codes
LANGUAGE_CODES = {
    **{c: c for c in LANGUAGES},
    "fra": "fr", "fre": "fr", "french": "fr", "français": "fr", "francais": "fr", "französisch": "fr",
    "deu": "de", "ger": "de", "german": "de", "deutsch": "de", "allemand": "de", "däitsch": "de",
    "ltz": "lb", "lux": "lb", "luxembourgish": "lb", "lëtzebuergesch": "lb", "letzebuergesch": "lb",
    "luxembourgeois": "lb", "luxemburgisch": "lb", "lu": "lb",
    "eng": "en", "english": "en", "anglais": "en", "englisch": "en",
}  # fmt: skip


class RequestDataError(ValueError):
    """Input data that cannot be used, with a sentence that says what to fix."""


@dataclass
class RequestData:
    """Train / validation / test requests (columns request_id, text, label, language, ...) and their story."""

    train: pd.DataFrame | None
    validation: pd.DataFrame | None
    test: pd.DataFrame
    sources: list
    mode: str  # "synthetic" | "real" | "file"
    labelled: bool = True
    label_name: str = "label"
    split: str = ""
    language_origin: str = ""
    groups: np.ndarray | None = None  # cross-validation groups of the training rows
    merged_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loaded: object = None  # the LoadedData of a partner's file
    truth: object = None  # synthetic mode: the generator's Splits (planted personal data)

    @property
    def synthetic(self) -> bool:
        return self.mode == "synthetic"

    @property
    def source(self):
        return self.sources[0]

    @property
    def languages(self) -> list[str]:
        frames = [f for f in (self.train, self.validation, self.test) if f is not None]
        return sorted(set(pd.concat([f["language"] for f in frames]).dropna().astype(str)))

    @property
    def labels(self) -> list[str]:
        frames = [f for f in (self.train, self.test) if f is not None and "label" in f]
        return sorted(set(pd.concat([f["label"] for f in frames]).astype(str))) if frames else []

    def overview(self) -> pd.DataFrame:
        """Requests per label and language in each part."""
        parts = {"train": self.train, "validation": self.validation, "test": self.test}
        frames = [f.assign(part=name) for name, f in parts.items() if f is not None]
        both = pd.concat(frames, ignore_index=True)
        if not self.labelled:
            return pd.crosstab(both["language"], both["part"], margins=True)
        return pd.crosstab(both["label"], [both["part"]], margins=True)

    def describe(self) -> str:
        """A paragraph (markdown) on what was loaded, computed from the data."""
        n = {
            k: len(f)
            for k, f in (("train", self.train), ("validation", self.validation), ("test", self.test))
            if f is not None
        }
        langs = ", ".join(f"{LANGUAGE_NAMES.get(c, c)} ({c})" for c in self.languages)
        if self.mode == "synthetic":
            head = (
                "**These requests are SYNTHETIC**: no citizen wrote them. The embedded generator writes requests "
                "to Guichet.lu, the Luxembourg government's one-stop portal, in French, German, Luxembourgish and "
                "English (12% mix two languages), with typos, dropped accents and planted personal data, about 13 "
                "themes each handled by one administration plus an *other / not for us* route. Training requests "
                "use one half of every phrase pool and of the writers, validation and test requests the other "
                "half: a synthetic score says how the method carries to wordings and writers it never saw, not "
                "how real requests would be routed."
            )
        elif self.mode == "real":
            head = (
                "Real sentences: **SIB-200** (Adelani et al. 2024; sentences of FLORES-200, CC BY-SA 4.0), the same "
                "sentences in each language, labelled with topics. Topics are not an administration's services: "
                "this checks the method on real text in the four languages, not the routing of real requests."
            )
        else:
            loaded = self.loaded
            head = f"A file given by `data_path`: **{loaded.name}** ({loaded.report.summary()})."
        if not self.labelled:
            body = f" {n['test']:,} unlabelled requests to route with the saved model; languages: {langs}."
        else:
            labels = self.labels
            shown = ", ".join(f"*{lab}*" for lab in labels[:12]) + (", ..." if len(labels) > 12 else "")
            body = (
                f" {sum(n.values()):,} labelled requests ({', '.join(f'{k} {v:,}' for k, v in n.items())}); "
                f"{len(labels)} values of the {self.label_name}: {shown}; languages: {langs} "
                f"({self.language_origin}). Split: {self.split}."
            )
        notes = "".join(f"\n- {note}" for note in self.notes)
        return head + body + (f"\n\nNotes:{notes}" if notes else "")


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


def _split_parts(frame: pd.DataFrame, test_share: float, seed: int) -> tuple[np.ndarray, str]:
    """A boolean 'is test' mask and how it was made."""
    if "source_file" in frame:
        split = split_from_paths(frame["source_file"])
        if split.notna().all() and set(split) == {"train", "test"}:
            files = frame.groupby(split)["source_file"].nunique()
            return (split == "test").to_numpy(), (
                f"by file name: {files['train']} training file(s) (train/dev) and {files['test']} test file(s)"
            )
    if "timestamp" in frame and frame["timestamp"].notna().mean() > 0.9:
        times = frame["timestamp"]
        cut = times.quantile(1 - test_share)
        is_test = (times > cut).to_numpy()
        if 0 < is_test.sum() < len(frame):
            return is_test, (
                f"time-ordered: requests after {cut:%Y-%m-%d %H:%M} ({is_test.mean():.0%}) are the test requests, "
                "the earlier ones train the model"
            )
    rng = np.random.default_rng(seed)
    shared_ids = "id" in frame and frame["id"].duplicated().any()
    key = frame["id"].astype(str) if shared_ids else pd.Series(np.arange(len(frame)))
    # stratified by label, whole id groups together: each group gets one random number
    codes, uniques = pd.factorize(key)
    draw = rng.random(len(uniques))[codes]
    labels = frame["label"].to_numpy()
    rank = pd.Series(draw).groupby(labels).rank(method="first").to_numpy()
    per_label = pd.Series(labels).map(pd.Series(labels).value_counts()).to_numpy()
    is_test = rank > per_label - np.floor(test_share * per_label)  # a label seen once stays in training
    how = "random, stratified by label" + (" (rows sharing an id kept together)" if shared_ids else "")
    return is_test, f"{how}: {is_test.mean():.0%} test requests"


def merge_rare_labels(
    train: pd.DataFrame, test: pd.DataFrame, min_class_size: int
) -> tuple[list[str], list[str]]:
    """Labels with fewer than ``min_class_size`` training requests (and test labels unseen in training) ->
    ``OTHER``, in place. Returns (merged labels, notes)."""
    counts = train["label"].value_counts()
    rare = sorted(counts[counts < min_class_size].index.astype(str))
    unseen = sorted(set(test["label"]) - set(counts.index))
    notes = []
    if rare:
        train.loc[train["label"].isin(rare), "label"] = OTHER
        test.loc[test["label"].isin(rare), "label"] = OTHER
        shown = ", ".join(f"{r!r} ({counts[r]})" for r in rare[:8]) + (" ..." if len(rare) > 8 else "")
        notes.append(
            f"{len(rare)} label(s) with fewer than {min_class_size} training requests cannot be learnt and were "
            f"merged into '{OTHER}', which always goes to a person: {shown}."
        )
    if unseen:
        test.loc[test["label"].isin(unseen), "label"] = OTHER
        notes.append(
            f"{len(unseen)} test label(s) never seen in training also count as '{OTHER}': {', '.join(map(repr, unseen[:8]))}."
        )
    return rare + unseen, notes


# ----- loading ---------------------------------------------------------------------------------------------
def _from_loaded(frame: pd.DataFrame, labelled: bool, files=None) -> tuple[pd.DataFrame, str, list[str]]:
    """The contract's frame -> the pilot's columns, with the language filled in; (frame, origin, notes).

    ``files``: the reader's list of files (path, rows) in reading order, to give every row its file's full
    path (the reader's ``source_file`` column holds only the name for files of the first folder)."""
    from .langid import LanguageDetector

    notes: list[str] = []
    if files and len(files) > 1 and sum(f.rows for f in files) == len(frame):
        frame = frame.assign(source_file=np.repeat([f.path for f in files], [f.rows for f in files]))
    out = pd.DataFrame({"text": frame["text"].astype("string")})
    if labelled:
        out["label"] = frame["label"].astype("string").str.strip()
    for name in ("timestamp", "id", "source_file"):
        if name in frame:
            out[name] = frame[name]
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
        origin = "from the language column"
    elif "source_file" in out:
        from_path = language_from_paths(out["source_file"])
        if from_path.notna().all():
            out["language"] = from_path.to_numpy()
            origin = "from the file names"
    if "language" not in out or out["language"].isna().any():
        detected = LanguageDetector().predict(out["text"])
        out["language"] = out["language"].fillna(pd.Series(detected)) if "language" in out else detected
        origin = origin + "; missing ones detected by py3langid" if origin else "detected by py3langid"
    out["language"] = out["language"].astype(str)
    ids = out["id"].astype(str) if "id" in out else pd.Series(np.arange(1, len(out) + 1)).astype(str)
    if "id" in out and ids.duplicated().any():
        out["request_id"] = ids + "-" + out.groupby(ids).cumcount().astype(str)
    else:
        out["request_id"] = ids.to_numpy()
    out["second_language"] = ""
    return out, origin, notes


def load_requests(
    data_mode: str = "synthetic",
    data_path: str = "",
    columns: dict | None = None,
    read_options: dict | None = None,
    *,
    model_path: str = "",
    n_requests: int = 2000,
    seed: int = 0,
    test_share: float = 0.2,
    min_class_size: int = 5,
) -> RequestData:
    """The run's requests (see the module docstring)."""
    from livinglab.contract import effective_data_mode, load_data

    from .contract import LABELLED, REQUESTS
    from .loaders import resolve_sib200, sib200_splits

    if not 0 < test_share < 1:
        raise RequestDataError(f"test_share must lie strictly between 0 and 1, got {test_share}.")
    mode = effective_data_mode(data_mode, data_path)
    if str(model_path or "").strip() and mode != "file":
        raise RequestDataError("model_path routes a file of new requests: give it with -p data_path as well.")
    if mode == "file":
        batch = bool(str(model_path or "").strip())
        loaded = load_data(data_path, columns or {}, REQUESTS if batch else LABELLED, read_options or {})
        frame, origin, notes = _from_loaded(loaded.frame, labelled=not batch, files=loaded.report.files)
        notes = [*loaded.notes, *notes]
        if batch:
            return RequestData(None, None, frame, [loaded.source], "file", labelled=False,
                               language_origin=origin, notes=notes, loaded=loaded)  # fmt: skip
        label_name = (columns or {}).get("label") or "label"
        is_test, how = _split_parts(frame, test_share, seed)
        train, test = frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)
        if len(train) == 0 or len(test) == 0:
            raise RequestDataError(
                f"The split ({how}) leaves no {'training' if len(train) == 0 else 'test'} rows."
            )
        merged, more = merge_rare_labels(train, test, min_class_size)
        if train["label"].nunique() < 2:
            raise RequestDataError(
                f"Only one label is left to learn ({train['label'].iloc[0]!r}) after merging labels with fewer than "
                f"{min_class_size} training requests; give more labelled requests or a lower -p min_class_size."
            )
        groups = _groups(train)
        return RequestData(train, None, test, [loaded.source], "file", label_name=label_name, split=how,
                           language_origin=origin, groups=groups, merged_labels=merged, notes=notes + more,
                           loaded=loaded)  # fmt: skip
    frame, sources = resolve_sib200(mode)
    if frame is not None:
        train, validation, test = sib200_splits(frame)
        train = pd.concat([train, validation], ignore_index=True).rename(columns={"theme": "label"})
        test = test.rename(columns={"theme": "label"})
        train["id"], test["id"] = train["index_id"], test["index_id"]
        return RequestData(train, None, test, sources, "real", label_name="topic",
                           split="SIB-200's own: train + dev sentences train the model, test sentences score it",
                           language_origin="from the file names", groups=_groups(train))  # fmt: skip
    from .synthetic import make_splits

    splits = make_splits(n_requests, seed)
    parts = [p.rename(columns={"theme": "label"}) for p in (splits.train, splits.validation, splits.test)]
    return RequestData(*parts, sources, "synthetic", label_name="theme",
                       split="generator pools: 60% training requests, 20% validation and 20% test requests written "
                       "with the other half of the phrase pools and by other writers",
                       language_origin="known (generator)", truth=splits)  # fmt: skip


def _groups(train: pd.DataFrame) -> np.ndarray | None:
    """Cross-validation groups: time blocks when time stamps exist, shared ids otherwise (translations)."""
    if "timestamp" in train and train["timestamp"].notna().all() and len(train) >= 50:
        from livinglab.trust import time_blocks

        return time_blocks(train["timestamp"], n_blocks=10)
    if "id" in train and train["id"].duplicated().any():
        return pd.factorize(train["id"].astype(str))[0]
    return None


def absent_languages_note(present) -> str | None:
    """A one-line note naming the languages in scope that the data lack (skipped in the tables)."""
    absent = [LANGUAGE_NAMES[c] for c in LANGUAGES if c not in set(present)]
    return (
        f"No {', '.join(absent)} requests in these data: skipped in the per-language tables."
        if absent
        else None
    )
