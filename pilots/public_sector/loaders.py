"""SIB-200 (Adelani et al. 2024) in English, French, German and Luxembourgish, as the pilot's real data.

``load_sib200(root)`` reads ``<root>/<lang>_Latn/<split>.tsv`` (columns index_id, category, text);
``resolve_sib200(data_mode)`` gets the same twelve files through the data catalogue (cache -> mirror ->
download with checksum), or the source of the synthetic generator when the mode (or, in auto mode, a
missing file) calls for it, and records the provenance. A partner's own files go through the shared
reader and the pilot's contract instead (``data.load_requests``); SIB-200 can be read that way too:
``data_path='../shared/data/triage/sib200/*/*.tsv'``, ``columns='{"label": "category", "id": "index_id"}'``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .data import RequestDataError

SIB200_DATASET = "sib200"
SIB200_LANGUAGES = {"eng_Latn": "en", "fra_Latn": "fr", "deu_Latn": "de", "ltz_Latn": "lb"}
SIB200_SPLITS = ("train", "dev", "test")
SIB200_LABELS = ("science/technology", "travel", "politics", "sports", "health", "entertainment", "geography")
GENERATOR = "pilots.public_sector.synthetic.make_splits"
STAND_IN = "guichet-requests"  # the synthetic requests: the pilot's own data, which SIB-200 does not replace


def load_sib200(root: str | Path, languages=tuple(SIB200_LANGUAGES), splits=SIB200_SPLITS) -> pd.DataFrame:
    """SIB-200 from a folder ``<root>/<lang>/<split>.tsv``: text, label, language, split, index_id."""
    root = Path(root)
    return _read_sib200(
        {(lang, split): root / lang / f"{split}.tsv" for lang in languages for split in splits}
    )


def _read_sib200(paths: dict[tuple[str, str], Path]) -> pd.DataFrame:
    frames = []
    for (lang, split), path in paths.items():  # twelve files at most
        if lang not in SIB200_LANGUAGES:
            raise RequestDataError(f"SIB-200 language {lang!r} is not one of {', '.join(SIB200_LANGUAGES)}.")
        if not Path(path).is_file():
            raise RequestDataError(f"SIB-200 file {path} does not exist.")
        part = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=0, encoding="utf-8-sig")
        missing = {"index_id", "category", "text"} - set(part.columns)
        if missing:
            raise RequestDataError(f"{path} lacks the column(s) {', '.join(sorted(missing))} of SIB-200.")
        unknown = sorted(set(part["category"]) - set(SIB200_LABELS))
        if unknown:
            raise RequestDataError(
                f"{path} has topic(s) {', '.join(map(repr, unknown))} that SIB-200 does not have."
            )
        frames.append(
            pd.DataFrame(
                {
                    "text": part["text"],
                    "label": part["category"],
                    "language": SIB200_LANGUAGES[lang],
                    "split": split,
                    "index_id": part["index_id"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def sib200_distribution(lang: str, split: str) -> str:
    """The catalogue distribution name of one SIB-200 file."""
    return f"{lang}_{split}.tsv"


def resolve_sib200(data_mode: str = "real", languages=tuple(SIB200_LANGUAGES), splits=SIB200_SPLITS):
    """The pilot's data through the catalogue: ``(frame, sources)`` with one source a SIB-200 file, or
    ``(None, [the synthetic generator's source])`` in synthetic mode, and in auto mode when any file is
    missing. The provenance is recorded."""
    import livinglab

    keys = [(lang, split) for lang in languages for split in splits]
    names = [sib200_distribution(lang, split) for lang, split in keys]
    sources = livinglab.resolve_all(SIB200_DATASET, data_mode, names, generator=GENERATOR, stand_in=STAND_IN)
    if sources[0].is_synthetic:
        return None, sources
    return _read_sib200({key: src.path for key, src in zip(keys, sources, strict=True)}), sources


def sib200_splits(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SIB-200 as the pilot's (train, validation, test) requests: theme, request id, no second language."""
    frame = frame.rename(columns={"label": "theme"})
    frame["request_id"] = "SIB-" + frame["language"] + "-" + frame["split"] + "-" + frame["index_id"]
    frame["second_language"] = ""
    train, validation, test = (frame[frame["split"] == s].reset_index(drop=True) for s in SIB200_SPLITS)
    return train, validation, test
