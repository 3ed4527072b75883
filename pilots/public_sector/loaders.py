"""Real-data mode: a generic labelled-text CSV loader validated with pandera, and SIB-200 over its folders.

``load_labelled_csv(path, labels=...)`` reads a CSV/TSV with a text column, a label column and an
optional language column, and fails with one clear sentence (naming rows) on: a file that is not
UTF-8, missing columns, empty text, a label outside the known set, an unknown language code.

``load_sib200(root)`` reads SIB-200 (Adelani et al. 2024) from ``<root>/<lang>_Latn/<split>.tsv``
(columns index_id, category, text); ``resolve_sib200(data_mode)`` gets the same files through the data
catalogue (cache -> mirror -> download with checksum), or the source of the synthetic generator
when the mode (or, in auto mode, a missing file) calls for it, and records the provenance.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .themes import LANGUAGES

SIB200_DATASET = "sib200"
SIB200_LANGUAGES = {"eng_Latn": "en", "fra_Latn": "fr", "deu_Latn": "de", "ltz_Latn": "lb"}
SIB200_SPLITS = ("train", "dev", "test")
SIB200_LABELS = ("science/technology", "travel", "politics", "sports", "health", "entertainment", "geography")


class TriageDataError(ValueError):
    """Input data that cannot be used, with a sentence that says what to fix."""


def _rows(index, limit: int = 5) -> str:
    rows = [str(int(i) + 2) for i in list(index)[:limit]]  # +2: header line and 1-based numbering
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return ", ".join(rows) + more


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        raise TriageDataError(
            f"{where} is not valid UTF-8 (byte 0x{bad:02x} at offset {exc.start}); re-save it as UTF-8 "
            "(e.g. from Latin-1: iconv -f latin1 -t utf-8)."
        ) from None


def load_labelled_csv(
    path: str | Path,
    *,
    labels: list[str] | tuple[str, ...] | None = None,
    text_col: str = "text",
    label_col: str = "label",
    language_col: str = "language",
    sep: str | None = None,
    language_map: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read and validate labelled texts; returns columns ``text``, ``label`` and (if present) ``language``.

    ``labels``: the allowed labels (None: any non-empty label). ``sep``: None guesses from the suffix
    (".tsv" -> tab, else comma). ``language_map`` maps the file's language codes to fr/de/lb/en.
    """
    path = Path(path)
    if not path.is_file():
        raise TriageDataError(f"{path} does not exist or is not a file.")
    text = _decode(path.read_bytes(), str(path))
    if not text.strip():
        raise TriageDataError(f"{path} is empty: expected a header line and labelled rows.")
    sep = sep or ("\t" if path.suffix.lower() in (".tsv", ".tab") else ",")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise TriageDataError(
            f"{path} cannot be parsed as {'TSV' if sep == chr(9) else 'CSV'}: {exc}"
        ) from None
    missing = [c for c in (text_col, label_col) if c not in frame.columns]
    if missing:
        raise TriageDataError(
            f"{path} lacks the column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}."
        )
    out = pd.DataFrame({"text": frame[text_col], "label": frame[label_col].str.strip()})
    if language_col in frame.columns:
        codes = frame[language_col].str.strip()
        out["language"] = codes.map(language_map).fillna(codes) if language_map else codes
    return validate_labelled(out, labels=labels, where=str(path))


def labelled_schema(labels=None, with_language: bool = False) -> pa.DataFrameSchema:
    columns = {
        "text": pa.Column(str, pa.Check(lambda s: s.str.strip().str.len() > 0, error="empty text")),
        "label": pa.Column(
            str,
            [pa.Check(lambda s: s.str.len() > 0, error="empty label")]
            + ([pa.Check.isin(list(labels), error="unknown label")] if labels else []),
        ),
    }
    if with_language:
        columns["language"] = pa.Column(str, pa.Check.isin(list(LANGUAGES), error="unknown language"))
    return pa.DataFrameSchema(columns, strict=False)


def validate_labelled(frame: pd.DataFrame, *, labels=None, where: str = "the data") -> pd.DataFrame:
    """Validate a text/label(/language) frame with pandera; one clear sentence on the first problem."""
    if len(frame) == 0:
        raise TriageDataError(f"{where} has a header but no rows.")
    schema = labelled_schema(labels, with_language="language" in frame.columns)
    try:
        return schema.validate(frame.reset_index(drop=True), lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        check = str(first["check"])
        bad = cases[(cases["check"] == first["check"]) & (cases["column"] == first["column"])]
        index = pd.to_numeric(bad["index"], errors="coerce").dropna()
        if "empty text" in check:
            msg = f"{where}: row(s) {_rows(index)} have empty text; remove them or fill them in."
        elif "unknown label" in check:
            values = ", ".join(repr(v) for v in sorted(set(bad["failure_case"].astype(str)))[:5])
            msg = (
                f"{where}: row(s) {_rows(index)} have label(s) {values} that are not among the known labels "
                f"({', '.join(map(str, labels))})."
            )
        elif "unknown language" in check:
            values = ", ".join(repr(v) for v in sorted(set(bad["failure_case"].astype(str)))[:5])
            msg = (
                f"{where}: row(s) {_rows(index)} have language code(s) {values}; use one of "
                f"{', '.join(LANGUAGES)} (or pass language_map)."
            )
        elif "empty label" in check:
            msg = f"{where}: row(s) {_rows(index)} have no label."
        else:
            msg = f"{where}: column {first['column']} fails {check} at row(s) {_rows(index)}."
        raise TriageDataError(msg) from None


def load_sib200(root: str | Path, languages=tuple(SIB200_LANGUAGES), splits=SIB200_SPLITS) -> pd.DataFrame:
    """SIB-200 from a folder ``<root>/<lang>/<split>.tsv``: text, label, language (fr/de/lb/en), split, index_id."""
    root = Path(root)
    paths = {(lang, split): root / lang / f"{split}.tsv" for lang in languages for split in splits}
    return _read_sib200(paths)


def _read_sib200(paths: dict[tuple[str, str], Path]) -> pd.DataFrame:
    frames = []
    for (lang, split), path in paths.items():  # one file per language and split
        if lang not in SIB200_LANGUAGES:
            raise TriageDataError(f"SIB-200 language {lang!r} is not one of {', '.join(SIB200_LANGUAGES)}.")
        part = load_labelled_csv(path, labels=SIB200_LABELS, label_col="category", sep="\t")
        ids = pd.read_csv(path, sep="\t", dtype=str, usecols=["index_id"], keep_default_na=False)["index_id"]
        part["language"] = SIB200_LANGUAGES[lang]
        part["split"] = split
        part["index_id"] = ids.to_numpy()
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def sib200_distribution(lang: str, split: str) -> str:
    """The catalogue distribution name of one SIB-200 file."""
    return f"{lang}_{split}.tsv"


GENERATOR = "pilots.public_sector.synthetic.make_splits"
STAND_IN = "guichet-requests"  # the synthetic requests: the pilot's own data, which SIB-200 does not replace


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
