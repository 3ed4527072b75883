"""One reader for the tables partners actually send.

``read_table(data_path, **options)`` takes a file, a folder or a glob of files of one format (monthly
exports, say), reads them and concatenates them. It understands

- CSV/TSV/text with the separator sniffed among ``,`` ``;`` tab ``|`` (or given: ``sep``);
- gzip, bz2, xz and zip compression (by extension or by the file's first bytes);
- UTF-8 with or without BOM, UTF-16 with BOM, otherwise Windows-1252/Latin-1 (or given: ``encoding``);
- CRLF line ends, stray spaces or tabs around header names, a header that ends in a separator;
- Parquet, Excel (``.xlsx``; ``sheet``), NumPy ``.npz`` archives of arrays ``X`` (features) and ``y``;
- several files (a folder or a glob): concatenated, with a ``source_file`` column naming each row's file
  (its path below the files' common folder, e.g. ``deu_Latn/train.tsv``);
- a declared list of missing-value sentinels (``missing_values``: ``[-1, "n/a"]`` for every column, or
  ``{"count": [-1]}`` per column).

What it found (format, encoding, separator, compression, rows, columns, sha256 and size of every file)
is returned in a :class:`ReadReport`, shown by ``livinglab inspect`` and recorded as the run's data
source. Every failure is a :class:`DataFileError` whose message says what is wrong and what to change.
"""

from __future__ import annotations

import bz2
import csv
import glob
import gzip
import hashlib
import io
import lzma
import os
import warnings
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Options a partner can set in the ``read_options`` parameter of every pilot.
READ_OPTIONS = ("sep", "encoding", "sheet", "missing_values", "dayfirst", "skiprows", "decimal")
SEPARATORS = (",", ";", "\t", "|")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".dat", ".data")
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ": "xz", b"PK\x03\x04": "zip"}
_SAMPLE_BYTES = 1 << 16


class DataFileError(ValueError):
    """A data file that cannot be read as a table; the message names the file, the problem and the fix."""


@dataclass
class FileInfo:
    path: str
    sha256: str
    size_bytes: int
    rows: int


@dataclass
class ReadReport:
    """What :func:`read_table` found and did."""

    data_path: str
    format: str  # "csv" | "parquet" | "excel" | "npz"
    files: list[FileInfo] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    compression: str | None = None
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        """One checksum for the whole input: the file's own, or a digest of the files' digests."""
        if len(self.files) == 1:
            return self.files[0].sha256
        digest = hashlib.sha256()
        for info in self.files:
            digest.update(info.sha256.encode())
        return digest.hexdigest()

    @property
    def size_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)

    @property
    def dialect(self) -> str:
        if self.format != "csv":
            return self.format
        shown = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
            self.separator or "", self.separator
        )
        return f"{self.compression + '-compressed ' if self.compression else ''}CSV, {shown}-separated"

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.update(sha256=self.sha256, size_bytes=self.size_bytes, dialect=self.dialect)
        return doc

    def summary(self) -> str:
        names = ", ".join(Path(f.path).name for f in self.files[:3]) + (" ..." if len(self.files) > 3 else "")
        enc = f", encoding {self.encoding}" if self.encoding else ""
        return f"{names}: {self.dialect}{enc}; {self.rows:,} rows x {len(self.columns)} columns"


def expand_paths(data_path: str | Path | list) -> list[Path]:
    """A file, every data file of a folder (one format), the files a glob pattern matches (sorted), or a
    list of files (kept in its order)."""
    if isinstance(data_path, (list, tuple)):
        return [p for item in data_path for p in expand_paths(item)]
    text = str(data_path).strip()
    if not text:
        raise DataFileError(
            "data_path is empty; give a file, a folder or a glob such as 'exports/2024-*.csv'."
        )
    path = Path(text).expanduser()
    if any(ch in text for ch in "*?["):
        found = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
        if not found:
            raise DataFileError(f"data_path {text!r} matches no file; check the pattern and the folder.")
        return found
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        kinds = {_kind(p) for p in found} - {None}
        if not kinds:
            raise DataFileError(f"The folder {path} holds no CSV, TSV, Parquet, Excel or .npz file.")
        if len(kinds) > 1:
            raise DataFileError(
                f"The folder {path} mixes formats ({', '.join(sorted(kinds))}); give a glob for one of them, "
                f"e.g. data_path='{path}/*.csv'."
            )
        return [p for p in found if _kind(p) is not None]
    if not path.exists():
        raise DataFileError(f"data_path {text!r} does not exist (working directory: {Path.cwd()}).")
    return [path]


def _kind(path: Path) -> str | None:
    last = path.suffix.lower()
    if last in (".parquet", ".pq"):
        return "parquet"
    if last in (".xlsx", ".xlsm"):
        return "excel"
    if last == ".npz":
        return "npz"
    if last in _COMPRESSION or last in TEXT_SUFFIXES or not last:
        return "csv"
    return None


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, hashlib.sha256).hexdigest()


def _raw_bytes(path: Path, limit: int | None = None) -> tuple[bytes, str | None]:
    """The file's (decompressed) bytes, or its first ``limit`` of them cut at a line end, and the
    compression found by extension or magic number."""
    with path.open("rb") as fh:
        head = fh.read(8)
    compression = _COMPRESSION.get(path.suffix.lower())
    compression = compression or next(
        (kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None
    )
    try:
        if compression == "zip":
            with zipfile.ZipFile(path) as archive:
                members = [
                    n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")
                ]
                if len(members) != 1:
                    raise DataFileError(
                        f"{path.name} is a zip archive with {len(members)} files; unpack it and give the folder "
                        "or one file as data_path."
                    )
                with archive.open(members[0]) as fh:
                    data = fh.read(limit)
        else:
            opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}.get(compression, open)
            with opener(path, "rb") as fh:
                data = fh.read(limit)
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile) as exc:
        raise DataFileError(
            f"{path.name} looks {compression}-compressed but cannot be unpacked ({exc})."
        ) from exc
    if limit is not None and len(data) == limit and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data, compression


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataFileError(
                f"{path.name} cannot be decoded as {encoding} ({exc}); remove 'encoding' from read_options to "
                "let it be detected, or give the right one (utf-8, cp1252, latin-1, utf-16)."
            ) from exc
    candidates: tuple[str, ...] = ("utf-8", "cp1252")
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)  # the codec drops the byte order mark
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    elif b"\x00" in raw[:_SAMPLE_BYTES]:
        raise DataFileError(
            f"{path.name} is not a text table (it holds binary data): give a CSV/TSV, Parquet, Excel (.xlsx) "
            "or .npz file."
        )
    for encoding in (*candidates, "latin-1"):  # Latin-1 decodes any byte: the loop always returns
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue


def sniff_separator(text: str) -> str:
    """The separator among , ; tab | that splits the first lines into the same number (>1) of fields."""
    lines = [ln for ln in text[:_SAMPLE_BYTES].splitlines() if ln.strip()][:50]
    if len(lines) > 1 and not text[:_SAMPLE_BYTES].endswith(("\n", "\r")):
        lines = lines[:-1]  # a sample cut in the middle of a line
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        pass
    best, best_score = ",", 0.0
    for sep in SEPARATORS:
        counts = [len(next(csv.reader([ln], delimiter=sep))) for ln in lines]
        if counts[0] < 2:
            continue
        score = counts[0] * sum(c == counts[0] for c in counts)  # fields x lines that have as many
        if score > best_score:
            best, best_score = sep, score
    return best


def _clean_header(frame: pd.DataFrame, report: ReadReport) -> pd.DataFrame:
    original = frame.columns.astype(str)
    names = original.str.replace("\ufeff", "").str.strip()
    stripped = int((original != names).sum())
    if stripped:
        report.notes.append(f"stripped spaces/tabs from {stripped} header name(s)")
    frame.columns = names
    empty = [c for c in frame.columns if (c == "" or c.startswith("Unnamed: ")) and frame[c].isna().all()]
    if empty:
        frame = frame.drop(columns=empty)
        report.notes.append(
            f"dropped {len(empty)} empty unnamed column(s) (a header or rows ending in a separator)"
        )
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise DataFileError(f"The header names {sorted(set(dupes))} more than once; rename the duplicates.")
    for col in frame.select_dtypes(include="object").columns:  # stray spaces around text values
        if pd.api.types.infer_dtype(frame[col]) == "string":
            frame[col] = frame[col].str.strip()
    return frame


def _read_text(path: Path, options: dict, report: ReadReport) -> pd.DataFrame:
    raw, compression = _raw_bytes(path, options.get("sample_bytes"))
    if not raw.strip():
        raise DataFileError(f"{path.name} is empty: there is no header and no row to read.")
    text, encoding = _decode(raw, path, options.get("encoding"))
    skiprows = options.get("skiprows")
    # The separator is sniffed on the rows that are read (a title line above the header has none).
    sep = options.get("sep") or sniff_separator(
        text.split("\n", skiprows)[-1] if isinstance(skiprows, int) else text
    )
    report.encoding, report.separator, report.compression = encoding, sep, compression
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=options.get("dtype"),  # the contract's text columns stay text (ids keep leading zeros)
                skipinitialspace=True,
                skiprows=skiprows,
                index_col=False,  # rows ending in a separator; never turn leading fields into an index
                engine="c",
            )
    except pd.errors.ParserWarning as exc:
        raise DataFileError(
            f"{path.name}: some rows have more fields than the header (an unquoted {sep!r} inside a text?); "
            "quote such texts in the export or set read_options {'sep': ...} to the file's real separator."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataFileError(f"{path.name} has no columns to read ({exc}).") from exc
    except pd.errors.ParserError as exc:
        raise DataFileError(
            f"{path.name} is not a consistent table with separator {sep!r} ({exc}); set read_options "
            "{'sep': ...} to the right separator."
        ) from exc
    if frame.shape[1] == 1 and len(frame) and any(s in frame.columns[0] for s in SEPARATORS if s != sep):
        raise DataFileError(
            f"{path.name} was read as a single column {frame.columns[0][:60]!r}; set read_options {{'sep': ...}}."
        )
    return frame


def _read_npz(path: Path) -> pd.DataFrame:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path.name} is not a readable NumPy .npz archive ({exc}).") from exc
    if "X" not in arrays:
        raise DataFileError(
            f"{path.name} has arrays {sorted(arrays)}; a feature archive needs 'X' (and optionally 'y')."
        )
    X = np.asarray(arrays["X"])
    if X.ndim != 2:
        raise DataFileError(f"{path.name}: X has shape {X.shape}; it must be rows x features.")
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    if "y" in arrays:
        y = np.asarray(arrays["y"]).ravel()
        if len(y) != len(frame):
            raise DataFileError(f"{path.name}: y has {len(y)} values for {len(frame)} rows of X.")
        frame["y"] = y
    return frame


def _read_one(path: Path, kind: str, options: dict, report: ReadReport) -> pd.DataFrame:
    if kind == "csv":
        return _read_text(path, options, report)
    try:
        sample = options.get("sample_bytes")
        if kind == "parquet":
            if sample:
                import pyarrow.parquet as pq

                return next(pq.ParquetFile(path).iter_batches(batch_size=20_000)).to_pandas()
            return pd.read_parquet(path)
        if kind == "excel":
            return pd.read_excel(
                path,
                sheet_name=options.get("sheet") or 0,
                skiprows=options.get("skiprows"),
                nrows=20_000 if sample else None,
            )
    except ImportError as exc:
        raise DataFileError(
            f"Reading {path.name} needs a package that is missing ({exc}); run `make install`."
        ) from exc
    except Exception as exc:  # pyarrow / openpyxl raise many types for a damaged file
        raise DataFileError(f"{path.name} cannot be read as {kind} ({type(exc).__name__}: {exc}).") from exc
    return _read_npz(path)


def _apply_missing(frame: pd.DataFrame, missing_values: Any, report: ReadReport) -> pd.DataFrame:
    if not missing_values:
        return frame
    per_column = (
        missing_values if isinstance(missing_values, dict) else {c: missing_values for c in frame.columns}
    )
    unknown = sorted(set(per_column) - set(frame.columns))
    if unknown:
        raise DataFileError(
            f"read_options missing_values names column(s) {unknown} that the file does not have."
        )
    total = 0
    for col, values in per_column.items():
        values = values if isinstance(values, (list, tuple, set)) else [values]
        text_values = {str(v).strip() for v in values}
        series = frame[col]
        hit = series.astype(str).str.strip().isin(text_values)
        if pd.api.types.is_numeric_dtype(series):
            numeric = [float(v) for v in values if _is_number(v)]
            hit |= series.isin(numeric)
        total += int(hit.sum())
        frame[col] = series.mask(hit)
    report.notes.append(f"{total:,} value(s) equal to a declared missing-value sentinel set to missing")
    return frame


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def read_table(data_path: str | Path | list, **options: Any) -> tuple[pd.DataFrame, ReadReport]:
    """Read a partner's file(s) into one frame; see the module docstring for what is understood.

    ``sample_bytes=N`` reads only the first file's first N bytes (about 20,000 rows of Parquet or Excel)
    and skips checksums: the quick check the runner makes before a kernel starts.
    """
    unknown = sorted(set(options) - set(READ_OPTIONS) - {"dtype", "sample_bytes"})
    if unknown:
        raise DataFileError(f"Unknown read option(s) {unknown}; read_options accepts {list(READ_OPTIONS)}.")
    paths = expand_paths(data_path)
    kinds = {_kind(p) for p in paths}
    if None in kinds:
        bad = next(p for p in paths if _kind(p) is None)
        raise DataFileError(
            f"{bad.name}: unsupported file type {bad.suffix!r}; give CSV/TSV (optionally .gz/.zip/.bz2), Parquet, "
            "Excel (.xlsx) or .npz."
        )
    if len(kinds) > 1:
        raise DataFileError(
            f"data_path {str(data_path)!r} matches files of several formats ({sorted(kinds)})."
        )
    kind = kinds.pop()
    shown = ", ".join(map(str, data_path)) if isinstance(data_path, (list, tuple)) else str(data_path)
    report = ReadReport(data_path=shown, format=kind)
    frames = []
    sampling = bool(options.get("sample_bytes"))
    common = Path(os.path.commonpath([p.resolve().parent for p in paths])) if len(paths) > 1 else None
    paths = [p.resolve() for p in paths]
    for path in paths[:1] if sampling else paths:
        frame = _read_one(path, kind, options, report)
        if frame.empty:
            raise DataFileError(f"{path.name} has a header but no rows.")
        if (
            len(paths) > 1
        ):  # the path below the files' common folder: sib200/deu_Latn/train.tsv -> deu_Latn/train.tsv
            frame["source_file"] = path.relative_to(common).as_posix()
        frames.append(frame)
        digest = "" if sampling else _sha256(path)
        report.files.append(FileInfo(str(path.resolve()), digest, path.stat().st_size, len(frame)))
    first = set(frames[0].columns)
    for i, other in enumerate(frames[1:], start=1):
        path = paths[i]
        if set(other.columns) != first:
            raise DataFileError(
                f"{path.name} has other columns than {paths[0].name} (differing: {sorted(first ^ set(other.columns))}); "
                "files read together must share their columns."
            )
    frame = _clean_header(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0], report)
    frame = _apply_missing(frame, options.get("missing_values"), report)
    report.rows, report.columns = len(frame), list(frame.columns)
    if len(paths) > 1:
        report.notes.append(f"{len(paths)} files read and concatenated in name order")
    return frame, report


# ----------------------------------------------------------------------------- Parquet read in parts (lazy)
PARTITION_ROWS = 250_000  # rows a partition of a lazily read Parquet input holds (consecutive row groups)


def parquet_files(data_path: str | Path | list) -> list[Path] | None:
    """The files of ``data_path`` when every one is Parquet, else None (nothing is read)."""
    try:
        paths = expand_paths(data_path)
    except DataFileError:
        return None
    return paths if paths and all(_kind(p) == "parquet" for p in paths) else None


def parquet_rows(data_path: str | Path | list) -> int | None:
    """Rows of a Parquet input from the files' footers (no row is read); None when it is not all Parquet."""
    import pyarrow.parquet as pq

    paths = parquet_files(data_path)
    return None if paths is None else int(sum(pq.read_metadata(p).num_rows for p in paths))


def parquet_columns(data_path: str | Path | list) -> list[str]:
    """The column names of a Parquet input (its first file's schema)."""
    import pyarrow.parquet as pq

    paths = parquet_files(data_path)
    if paths is None:
        raise DataFileError(
            f"data_path {str(data_path)!r} is not Parquet: only Parquet files are read in parts."
        )
    return list(pq.read_schema(paths[0]).names)


@dataclass(frozen=True)
class _Piece:
    path: str
    row_groups: tuple[int, ...]
    offset: int  # position of the piece's first row in the files' order
    rows: int


def _pieces(paths: list[Path], partition_rows: int) -> list[_Piece]:
    """Consecutive row groups of each file, gathered into pieces of about ``partition_rows`` rows."""
    import pyarrow.parquet as pq

    pieces, offset = [], 0
    for path in paths:
        meta = pq.read_metadata(path)
        groups, rows = [], 0
        for i in range(meta.num_row_groups):
            groups.append(i)
            rows += meta.row_group(i).num_rows
            if rows >= partition_rows:
                pieces.append(_Piece(str(path), tuple(groups), offset, rows))
                offset, groups, rows = offset + rows, [], 0
        if groups:
            pieces.append(_Piece(str(path), tuple(groups), offset, rows))
            offset += rows
    return [p for p in pieces if p.rows]


def _read_piece(piece: _Piece, columns: list[str] | None, missing_values: Any) -> pd.DataFrame:
    import pyarrow.parquet as pq

    frame = pq.ParquetFile(piece.path).read_row_groups(list(piece.row_groups), columns=columns).to_pandas()
    frame.index = pd.RangeIndex(piece.offset, piece.offset + len(frame))
    return _apply_missing(frame, missing_values, ReadReport(piece.path, "parquet"))


def read_table_lazy(
    data_path: str | Path | list,
    *,
    columns: list[str] | None = None,
    missing_values: Any = None,
    partition_rows: int = PARTITION_ROWS,
) -> tuple[Any, ReadReport]:
    """Parquet file(s) as a Dask dataframe read in parts (consecutive row groups of about ``partition_rows``
    rows a partition; only ``columns`` when given), nothing read yet. The index is each row's position in
    the files' order, as :func:`read_table` numbers the rows it concatenates; the divisions are known.
    The report holds every file's sha256, size and rows (from its footer)."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    paths = parquet_files(data_path)
    if paths is None:
        raise DataFileError(
            f"data_path {str(data_path)!r} is not Parquet: only a Parquet file, folder or glob is read in parts; "
            "convert the file to Parquet, or read it whole."
        )
    shown = ", ".join(map(str, data_path)) if isinstance(data_path, (list, tuple)) else str(data_path)
    report = ReadReport(data_path=shown, format="parquet")
    names = [list(pq.read_schema(p).names) for p in paths]
    differing = [p for p, n in zip(paths, names, strict=True) if set(n) != set(names[0])]
    if differing:
        raise DataFileError(
            f"{differing[0].name} has other columns than {paths[0].name}; files read together must share their columns."
        )
    wanted = list(columns) if columns is not None else names[0]
    absent = sorted(set(wanted) - set(names[0]))
    if absent:
        raise DataFileError(f"{paths[0].name} has no column(s) {absent}; its columns are {names[0][:30]}.")
    for path in paths:
        rows = int(pq.read_metadata(path).num_rows)
        report.files.append(FileInfo(str(path.resolve()), _sha256(path), path.stat().st_size, rows))
    pieces = _pieces(paths, partition_rows)
    if not pieces:
        raise DataFileError(f"{paths[0].name} has a header but no rows.")
    report.rows, report.columns = sum(p.rows for p in pieces), wanted
    meta = pq.read_schema(paths[0]).empty_table().select(wanted).to_pandas()  # no row read
    meta.index = pd.RangeIndex(0)
    divisions = (*(p.offset for p in pieces), report.rows - 1)
    frame = dd.from_map(
        _read_piece, pieces, columns=wanted, missing_values=missing_values, meta=meta, divisions=divisions,
        enforce_metadata=False,
    )  # fmt: skip
    report.notes.append(
        f"read in {len(pieces)} part(s) of up to {partition_rows:,} rows (nothing loaded whole)"
    )
    return frame, report
