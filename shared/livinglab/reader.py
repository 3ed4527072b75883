"""One reader for the tables partners actually send.

``read_table(data_path, **options)`` takes a file, a folder or a glob of files of one format (monthly
exports, say), reads them and concatenates them. It understands

- CSV/TSV/text with the separator sniffed among ``,`` ``;`` tab ``|`` (or given: ``sep``);
- the format found from the file's content, not its name: a CSV called ``.xlsx``, ``.asc``, ``.dat`` or
  ``.txt`` is read as a CSV (and said so); Parquet, Excel (``.xlsx``; ``sheet``), NumPy ``.npz`` archives
  of arrays ``X`` (features) and ``y``;
- gzip, bz2, xz and zip compression (by extension or by the file's first bytes);
- one encoding a file, decided on the whole file: UTF-8 with or without BOM, UTF-16 with BOM, otherwise
  Windows-1252/Latin-1 (or given: ``encoding``). A UTF-8 file with a line in another encoding is refused
  with the line's number (``encoding: "utf-8+cp1252"`` reads such lines as Windows-1252, counted); a file
  with more lines that are not UTF-8 than lines that are is Windows-1252, also where some bytes happen to
  form UTF-8 letters (said in a note);
- CRLF line ends, stray spaces or tabs around header names, a header that ends in a separator, title lines
  above the header (skipped and said so; or ``skiprows``);
- rows with fewer or more fields than the others (a short or cut line) named by their line number, or
  left out and counted with ``bad_lines: "skip"``;
- several files (a folder or a glob): concatenated, with a ``source_file`` column naming each row's file
  (its path below the files' common folder, e.g. ``deu_Latn/train.tsv``);
- a date that stands only in the file name or above the table (one file a day): ``date_from: "file_name"``
  or ``"header"`` adds it as a ``date`` column;
- a declared list of missing-value sentinels (``missing_values``: ``[-1, "n/a"]`` for every column, or
  ``{"count": [-1]}`` per column).

The whole file is checked, not a sample: it decodes, holds no binary data (a file padded with zeros says
from which line), and fits in memory (otherwise the sizes are said in words, before anything is read); a
table wider than ``max_columns`` (default 2,000) is refused with the limit in words.

What it found (format, encoding, separator, compression, rows, columns, rows left out and why, sha256 and
size of every file) is returned in a :class:`ReadReport`, shown by ``livinglab inspect`` and recorded as the
run's data source. Every failure is a :class:`DataFileError` whose message says what is wrong and what to
change; a fix that is a parameter is also in ``error.fix`` (``{"read_options": {...}}``), as printed.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import glob
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import warnings
import zipfile
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Options a partner can set in the ``read_options`` parameter of every pilot (``dayfirst`` and
#: ``date_format`` are the contract's: they say how dates are written).
READ_OPTIONS = (
    "sep",
    "encoding",
    "sheet",
    "missing_values",
    "dayfirst",
    "skiprows",
    "decimal",
    "date_format",
    "date_from",
    "bad_lines",
    "max_columns",
)
CONTRACT_OPTIONS = ("dayfirst", "date_format")
SEPARATORS = (",", ";", "\t", "|")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".dat", ".data", ".asc")
#: Names of files that are documents, not tables, whatever their content
DOCUMENT_SUFFIXES = (".json", ".geojson", ".xml", ".html", ".htm", ".md", ".yaml", ".yml", ".ipynb", ".pdf")
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ": "xz", b"PK\x03\x04": "zip"}
_SAMPLE_BYTES = 1 << 16
#: The widest table read (columns); ``read_options: {"max_columns": N}`` reads wider ones.
MAX_COLUMNS = 2_000
#: Memory a table takes once read, per byte of its text (numbers and short texts as pandas holds them).
MEMORY_PER_TEXT_BYTE = 5
MIXED_ENCODING = "utf-8+cp1252"
BAD_LINES = ("error", "skip")
DATE_FROM = ("file_name", "header")
_RAGGED_SHARE = (
    0.01  # more rows than this share with another field count: a separator problem, not a cut line
)


class DataFileError(ValueError):
    """A data file that cannot be read as a table; the message names the file, the problem and the fix.

    ``fix``: the parameters the message proposes, as a dict (``{"read_options": {...}}``), or None."""

    def __init__(self, message: str, fix: dict | None = None):
        super().__init__(message)
        self.fix = fix


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
    #: rows left out, by reason (e.g. "a line with fewer or more fields than the header": 2)
    dropped: dict[str, int] = field(default_factory=dict)
    #: a date found in each file's name (``date_from`` uses them; ``inspect`` proposes it)
    name_dates: list[str] = field(default_factory=list)
    #: the title lines above each file's header that were skipped (the first of each file)
    title_lines: list[str] = field(default_factory=list)

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

    def drop(self, reason: str, n: int) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)


def shown_options(options: dict, **changes: Any) -> str:
    """``-p read_options '{...}'`` as a person types it: the options given, with ``changes``."""
    given = {k: v for k, v in options.items() if k in READ_OPTIONS and k not in changes}
    return f"-p read_options '{json.dumps({**given, **changes}, ensure_ascii=False)}'"


def _options_fix(options: dict, **changes: Any) -> dict:
    given = {k: v for k, v in options.items() if k in READ_OPTIONS and k not in changes}
    return {"read_options": {**given, **changes}}


def in_words(n_bytes: float) -> str:
    """A size as a person says it: 950 bytes, 12 KB, 3.4 MB, 2.0 GB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}" if unit != "KB" else f"{n_bytes / size:.0f} KB"
    return f"{int(n_bytes)} bytes"


def available_memory() -> int:
    """Bytes of memory this machine can still give (MemAvailable), or a large number when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 50


# ----------------------------------------------------------------------------- paths and formats
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
        found = sorted(p for p in _glob(path) if p.is_file())
        if not found:
            raise DataFileError(f"data_path {text!r} matches no file; check the pattern and the folder.")
        return found
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        kinds = {p: file_kind(p)[0] for p in found if p.suffix.lower() not in DOCUMENT_SUFFIXES}
        kinds = {p: k for p, k in kinds.items() if k is not None}
        if not kinds:
            raise DataFileError(f"The folder {path} holds no CSV, TSV, Parquet, Excel or .npz file.")
        if len(set(kinds.values())) > 1:
            raise DataFileError(
                f"The folder {path} mixes formats ({', '.join(sorted(set(kinds.values())))}); give a glob for one "
                f"of them, e.g. data_path='{path}/*.csv'."
            )
        return list(kinds)
    if not path.exists():
        raise DataFileError(f"data_path {text!r} does not exist (working directory: {Path.cwd()}).")
    if not path.is_file():  # reading a pipe waits for a writer forever; a device never ends
        raise DataFileError(
            f"data_path {text!r} is not a regular file (a pipe, a device or a socket); give a file, a folder "
            "or a glob of files."
        )
    return [path]


def _glob(pattern: Path) -> list[Path]:
    """The paths a glob pattern matches; ``**`` does not descend into linked folders (``glob.glob`` does:
    a folder holding two links to itself made it walk 2**40 paths), and hidden files are left out."""
    if "**" not in pattern.parts:
        return [Path(p) for p in glob.glob(str(pattern))]
    parts = pattern.parts
    fixed = next(i for i, part in enumerate(parts) if any(ch in part for ch in "*?["))
    base, rest = Path(*parts[:fixed]) if fixed else Path(), Path(*parts[fixed:])
    if rest.parts[-1] == "**":  # glob.glob's "folder/**": every file below it
        rest = rest / "*"
    found = base.glob(str(rest))  # pathlib's ** does not follow links to folders
    return [p for p in found if not any(part.startswith(".") for part in p.parts[fixed:])]


def _kind(path: Path) -> str | None:
    """The format a file's name suggests (its content decides: :func:`file_kind`)."""
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


def file_kind(path: Path) -> tuple[str | None, str]:
    """The format of a file from its first bytes (``csv``, ``parquet``, ``excel``, ``npz``), or None and the
    sentence that says why it cannot be read as a table."""
    unsupported = (
        f"{path.name}: unsupported file type {path.suffix!r}; give CSV/TSV (optionally .gz/.zip/.bz2), Parquet, "
        "Excel (.xlsx) or .npz."
    )
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        return None, f"{path.name} cannot be opened ({exc.strerror})."
    if head.startswith(b"PAR1"):
        return "parquet", ""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return _kind(path) or "csv", ""  # a damaged archive: said when it is read
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "excel", ""
        if names and all(n.endswith(".npy") for n in names):
            return "npz", ""
        return "csv", ""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return None, (
            f"{path.name} is an Excel 97-2003 workbook (.xls), which is not read here; save it as .xlsx or CSV."
        )
    if any(head.startswith(magic) for magic in _MAGIC):
        return "csv", ""
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        return None, unsupported
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head:
        return "csv", ""
    if _kind(path) in ("csv", None) and path.suffix.lower() not in TEXT_SUFFIXES and path.suffix:
        return None, unsupported
    return "csv", ""  # binary data in a text file: said with its line when it is read


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, hashlib.sha256).hexdigest()


def _compression(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(8)
    found = next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)
    return found or _COMPRESSION.get(path.suffix.lower())


def _text_size(path: Path, compression: str | None) -> int:
    """Bytes of text the file holds once unpacked (gzip says it in its last 4 bytes; others: about 5x)."""
    size = path.stat().st_size
    if compression == "gzip" and size >= 18:
        with path.open("rb") as fh:
            fh.seek(-4, os.SEEK_END)
            return max(int.from_bytes(fh.read(4), "little"), size)
    if compression == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                return sum(i.file_size for i in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            return size
    return size * 5 if compression else size


def _check_memory(path: Path, compression: str | None, limit: int | None) -> None:
    """Refuse, in words, a file whose table would not fit in this machine's memory (before reading it)."""
    text = min(_text_size(path, compression), limit or 1 << 62)
    needed, free = text * MEMORY_PER_TEXT_BYTE, available_memory()
    if needed > free:
        raise _too_big(path, f"holds {in_words(text)} of text", f"about {in_words(needed)}", free)


def _too_big(path: Path, holds: str, needs: str, free: float) -> DataFileError:
    return DataFileError(
        f"{path.name} {holds}; read whole it needs {needs} of memory and this machine has {in_words(free)} "
        "free: give it as Parquet (the pilots that read in parts read it piece by piece), split it into "
        "smaller files, or run on a machine with more memory."
    )


def _unpacked_within(fh, path: Path, most: int) -> bytes:
    """A compressed stream read in blocks, refused as soon as it unpacks to more than ``most`` bytes: the
    sizes a gzip, bz2 or xz file states about itself are not trusted (a few MB can unpack to many GB)."""
    blocks, got = [], 0
    while block := fh.read(16 << 20):
        got += len(block)
        if got > most:
            raise _too_big(
                path,
                f"unpacks to more than {in_words(most)} of text",
                f"more than {in_words(most * MEMORY_PER_TEXT_BYTE)}",
                available_memory(),
            )
        blocks.append(block)
    return b"".join(blocks)


def _dictionary_text_bytes(path: Path, meta: Any, groups: range) -> int:
    """Bytes of text the dictionary-encoded text columns of these row groups hold once decoded: a 1 MB text
    repeated 3,000 times is 500 bytes of Parquet and 3 GB in memory. Read as dictionaries (small), summed
    with Arrow's kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = meta.schema.to_arrow_schema()
    texts = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_binary(f.type)
             or pa.types.is_large_string(f.type) or pa.types.is_large_binary(f.type)]  # fmt: skip
    encoded = [
        name for name in texts
        if any(meta.row_group(g).column(schema.get_field_index(name)).has_dictionary_page for g in groups)
    ]  # fmt: skip
    if not encoded:
        return 0
    total = 0
    reader = pq.ParquetFile(path, read_dictionary=encoded)
    for g in groups:
        for column in reader.read_row_group(g, columns=encoded).columns:
            for chunk in column.chunks:
                if pa.types.is_dictionary(chunk.type) and len(chunk):
                    lengths = pc.binary_length(chunk.dictionary)
                    total += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
    return total


def _check_unpacked(path: Path, kind: str, sample: bool = False) -> None:
    """A Parquet, Excel or .npz file refused, in words, before it is read when what it unpacks to (the sizes
    its own metadata declare, which the readers then hold it to) would not fit in memory: a few MB of
    compressed zeros must not take the machine's memory. ``sample``: only what a sample reads (a Parquet
    file's first row group; an Excel sheet's first rows are read as a stream and not checked)."""
    if kind == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        rows = meta.row_group(0).num_rows if sample and meta.num_row_groups else meta.num_rows
        width = sum(max(8, meta.schema.column(i).length or 0) for i in range(meta.num_columns))
        groups = range(min(1, meta.num_row_groups) if sample else meta.num_row_groups)
        # the pages' own sizes (a plain-encoded text), and the texts a dictionary-encoded column repeats
        pages = sum(
            meta.row_group(g).column(c).total_uncompressed_size
            for g in groups
            for c in range(meta.num_columns)
        )
        size = max(rows * width, pages, _dictionary_text_bytes(path, meta, groups))
        # Arrow's columns, then pandas' copy of them
        needed, holds = (
            2 * size,
            f"holds {rows:,} rows x {meta.num_columns:,} columns ({in_words(size)} once read)",
        )
        holds += " in its first row group" if sample else ""
    elif kind == "excel" and sample:
        return
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(i.file_size for i in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            return  # said when it is read
        factor = MEMORY_PER_TEXT_BYTE if kind == "excel" else 2  # cells from XML; arrays, then the frame
        needed, holds = unpacked * factor, f"unpacks to {in_words(unpacked)}"
    free = available_memory()
    if needed > free:
        raise _too_big(path, holds, f"about {in_words(needed)}", free)


_SHEET_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d{1,9})"')
_SHEET_COLUMNS = [re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{%d})\d' % n) for n in (3, 2, 1)]
CELL_BYTES = 50  # memory a cell of an Excel sheet takes once read (pandas' lists of Python values)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = 26 * number + letter - 64
    return number


def _excel_extent(path: Path) -> tuple[int, int]:
    """The last row and column any cell of the workbook's sheets names (read from the sheets' XML in blocks,
    not from the ``dimension`` a file states): one cell at XFD1048576 makes pandas build a billion empty
    cells."""
    rows = columns = 0
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            for name in sheets:
                with archive.open(name) as fh:
                    tail = b""
                    while block := fh.read(4 << 20):
                        chunk, tail = tail + block, (tail + block)[-256:]  # a tag cut between two blocks
                        found = _SHEET_ROW.findall(chunk)
                        rows = max(rows, max(map(int, found), default=0))
                        for pattern in _SHEET_COLUMNS:  # the longest names first: "AA" is after "Z"
                            letters = pattern.findall(chunk)
                            if letters:
                                columns = max(columns, _column_number(max(letters)))
                                break
    except (zipfile.BadZipFile, OSError):
        return 0, 0  # said when it is read
    return rows, columns


def _zero_tail(path: Path, compression: str | None) -> None:
    """A file that ends in binary zeros (cut off or padded while it was written) is refused with the line
    where the zeros start, before the file is read whole (a 2 GB tail of zeros would fill the memory)."""
    if compression:
        return
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(4096)
        fh.seek(max(size - 4096, 0))
        tail = fh.read()
    if b"\x00" not in tail or head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return  # no zeros at the end; UTF-16 (zeros are half its bytes); binary from the start (said later)
    position, lines, chunk = 0, 0, 16 << 20
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            at = block.find(b"\x00")
            if at >= 0:
                lines += block.count(b"\n", 0, at)
                position += at
                break
            lines += block.count(b"\n")
            position += len(block)
    raise DataFileError(
        f"{path.name} holds binary zeros from line {lines + 1:,} (byte {position:,}) to its end "
        f"({in_words(size - position)} of {in_words(size)}): it was cut off or padded while it was written; "
        f"export it again, or keep the lines before: `head -n {lines} {path.name} > fixed-{path.name}` "
        "and give that file."
    )


def _raw_bytes(path: Path, limit: int | None = None, most: int | None = None) -> tuple[bytes, str | None]:
    """The file's (decompressed) bytes, or its first ``limit`` of them cut at a line end, and the
    compression found by extension or magic number; a gzip, bz2 or xz file that unpacks to more than
    ``most`` bytes is refused while it is read."""
    compression = _compression(path)
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
                if compression and limit is None and most is not None:
                    data = _unpacked_within(fh, path, most)
                else:
                    data = fh.read(limit)
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile) as exc:
        raise DataFileError(
            f"{path.name} looks {compression}-compressed but cannot be unpacked ({exc})."
        ) from exc
    if limit is not None and len(data) == limit and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data, compression


# ----------------------------------------------------------------------------- encodings
# A valid UTF-8 sequence of two to four bytes (a character beyond ASCII): found in a UTF-8 file, rare by
# chance in a Windows-1252 one (it would need, e.g., "Ã" followed by "©").
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _line_of(raw: bytes, position: int) -> int:
    return raw.count(b"\n", 0, position) + 1


def _non_utf8_lines(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Line numbers (sorted) of the lines holding a byte that is not UTF-8, and of the other lines holding
    a multi-byte UTF-8 character."""
    high = np.frombuffer(raw, dtype=np.uint8) >= 0x80
    in_utf8 = np.zeros(len(raw), dtype=bool)
    starts = []
    for match in _UTF8_MULTIBYTE.finditer(raw):
        in_utf8[match.start() : match.end()] = True
        starts.append(match.start())
    newlines = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 0x0A)
    stray = np.unique(np.searchsorted(newlines, np.flatnonzero(high & ~in_utf8)) + 1)
    utf8 = np.unique(np.searchsorted(newlines, np.asarray(starts, dtype=np.int64)) + 1)
    return stray, np.setdiff1d(utf8, stray)


def _snippet(raw: bytes, position: int, encoding: str = "cp1252") -> str:
    start = raw.rfind(b"\n", 0, position) + 1
    end = raw.find(b"\n", position)
    line = raw[start : end if end >= 0 else len(raw)].rstrip(b"\r")
    return line[:60].decode(encoding, errors="replace")


_POSITIONS: ContextVar[list[int] | None] = ContextVar("undecoded_positions", default=None)


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 read as Windows-1252 (Latin-1 where it has none)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    positions = _POSITIONS.get()
    if positions is not None:
        positions.append(exc.start)
    chunk = exc.object[exc.start : exc.end]
    try:
        return chunk.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return chunk.decode("latin-1"), exc.end


codecs.register_error("livinglab-cp1252-bytes", _cp1252_bytes)


def _decode_mixed(raw: bytes) -> tuple[str, list[int]]:
    """UTF-8 with the bytes that are not read as Windows-1252; the positions of those bytes."""
    positions: list[int] = []
    token = _POSITIONS.set(positions)
    try:
        return raw.decode("utf-8", errors="livinglab-cp1252-bytes"), positions
    finally:
        _POSITIONS.reset(token)


def _decode(raw: bytes, path: Path, encoding: str | None, notes: list | None = None) -> tuple[str, str]:
    """The whole file's text and its encoding, decided once for the file. A file that is UTF-8 but for some
    lines is refused with the first line's number (never decoded silently as another encoding)."""
    if encoding == MIXED_ENCODING:
        text, positions = _decode_mixed(raw)
        if positions and notes is not None:
            lines = sorted({_line_of(raw, p) for p in positions})
            shown = ", ".join(f"{n:,}" for n in lines[:5]) + (" ..." if len(lines) > 5 else "")
            notes.append(f"{len(lines):,} line(s) not in UTF-8 read as Windows-1252 (line {shown})")
        return text, MIXED_ENCODING
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError as exc:
            raise DataFileError(
                f"{path.name} cannot be decoded as {encoding} ({exc}); remove 'encoding' from read_options to "
                "let it be detected, or give the right one (utf-8, cp1252, latin-1, utf-16)."
            ) from exc
        except UnicodeDecodeError as exc:
            raise DataFileError(
                f"{path.name} cannot be decoded as {encoding}: line {_line_of(raw, exc.start):,} holds the byte "
                f"0x{raw[exc.start]:02X} ({_snippet(raw, exc.start)!r}); remove 'encoding' from read_options to "
                "let it be detected, or give the right one (utf-8, cp1252, latin-1, utf-16)."
            ) from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)  # the codec drops the byte order mark
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        zero = raw.find(b"\x00")
        if zero >= 0:
            where = "" if zero < _SAMPLE_BYTES else f" from line {_line_of(raw, zero):,}"
            raise DataFileError(
                f"{path.name} is not a text table (it holds binary data{where}): give a CSV/TSV, Parquet, "
                "Excel (.xlsx) or .npz file."
            )
        candidates = ("utf-8",)
    try:
        return raw.decode(candidates[0]), candidates[0]
    except UnicodeDecodeError as exc:
        if candidates[0] == "utf-16":
            raise DataFileError(
                f"{path.name} starts like UTF-16 but byte {exc.start:,} is not; export it again as UTF-8."
            ) from exc
        stray_lines, utf8_lines = _non_utf8_lines(raw) if _UTF8_MULTIBYTE.search(raw) else ((), ())
        if 0 < len(utf8_lines) < len(stray_lines):  # a legacy file whose bytes now and then also read as
            # UTF-8 (cp1252 "é »", E9 A0 BB, is one UTF-8 letter): read whole as Windows-1252 below, with a note
            if notes is not None:
                notes.append(
                    f"read as Windows-1252: {len(stray_lines):,} line(s) are not UTF-8, and the bytes of "
                    f"{len(utf8_lines):,} other line(s) that would also read as UTF-8 (line "
                    f"{int(utf8_lines[0]):,}) were taken as Windows-1252 too"
                )
        elif len(utf8_lines):
            _, positions = _decode_mixed(raw)
            lines = sorted({_line_of(raw, p) for p in positions})
            more = f", and {len(lines) - 1:,} more line(s)" if len(lines) > 1 else ""
            raise DataFileError(
                f"{path.name} is UTF-8 but line {lines[0]:,} is not (byte 0x{raw[exc.start]:02X} in "
                f"{_snippet(raw, exc.start)!r}{more}): a line in another encoding, e.g. pasted from a "
                "Windows-1252 export; save the file again as UTF-8, or read such lines as Windows-1252 with "
                f'-p read_options \'{{"encoding": "{MIXED_ENCODING}"}}\'.',
                fix={"read_options": {"encoding": MIXED_ENCODING}},
            ) from exc
    for fallback in ("cp1252", "latin-1"):  # Latin-1 decodes any byte: the loop always returns
        try:
            return raw.decode(fallback), fallback
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


# ----------------------------------------------------------------------------- the table's layout
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
        # the header's count, or most lines' when the first line has one field (a title line above the header)
        usual = counts[0] if counts[0] >= 2 else max(set(counts), key=counts.count)
        if usual < 2:
            continue
        score = usual * sum(c == usual for c in counts)  # fields x lines that have as many
        if score > best_score:
            best, best_score = sep, score
    return best


@dataclass
class Layout:
    """Records of a text table (a record ends at a line end outside quotes), found with NumPy."""

    starts: np.ndarray  # byte offset of each non-blank record
    ends: np.ndarray  # byte offset of its line end (exclusive)
    fields: np.ndarray  # separators outside quotes + 1
    lines: np.ndarray  # physical line (1-based) where it starts
    title: int = 0  # leading records above the header with one field, or fewer than a header could have
    usual: int = 0  # fields of most rows
    ragged: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # indexes of odd rows

    @property
    def header(self) -> int:
        return self.title

    @property
    def columns(self) -> int:
        return int(self.fields[self.header]) if len(self.fields) > self.header else 0


def scan_layout(data: bytes, sep: str, skip_lines: int = 0) -> Layout:
    """Where each record starts and ends and how many fields it has (quotes decided by their parity, as
    RFC 4180 quoting keeps it); the rows whose field count differs from most rows' (a short, cut or
    over-long line), when they are few."""
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    start = 0
    if skip_lines:
        start = int(newlines[skip_lines - 1]) + 1 if skip_lines <= len(newlines) else len(buf)
    quotes = np.flatnonzero(buf == 34)
    quotes = quotes[quotes >= start]
    ends = newlines[newlines >= start]
    seps = np.flatnonzero(buf == ord(sep)) if len(sep) == 1 else np.zeros(0, np.int64)
    seps = seps[seps >= start]
    if len(quotes):
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]
    if len(buf) > start and (not len(ends) or ends[-1] < len(buf) - 1):
        ends = np.append(ends, len(buf))  # the last record has no line end
    starts = np.concatenate(([start], ends[:-1] + 1)).astype(np.int64)
    content_end = ends.copy()
    cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13) if len(buf) else np.zeros(0, bool)
    content_end[cr] -= 1
    blank = content_end <= starts
    starts, ends, content_end = starts[~blank], ends[~blank], content_end[~blank]
    fields = np.searchsorted(seps, content_end) - np.searchsorted(seps, starts) + 1
    lines = np.searchsorted(newlines, starts) + 1
    layout = Layout(starts, content_end, fields, lines)
    if len(fields) < 2:
        return layout
    rows = fields[1:]
    usual = int(np.bincount(rows).argmax())
    if usual >= 2 and not skip_lines:
        title = 0
        limit = min(10, len(fields) - 2)
        while title < limit and fields[title] == 1:
            title += 1
        # or fewer fields than a header could have ("Cohort export, December" above 5 columns), when they are
        # a few lines above many rows (not the first rows of a table that changes its width)
        longer = title
        while longer < limit and fields[longer] < usual - 1:
            longer += 1
        if longer > title and longer <= 0.1 * len(fields):
            title = longer
        layout.title = title
        rows = fields[title + 1 :]
        usual = int(np.bincount(rows).argmax()) if len(rows) else usual
    layout.usual = usual
    if not len(rows):
        return layout
    trailing = (rows == usual + 1) & (buf[np.maximum(content_end[layout.title + 1 :] - 1, 0)] == ord(sep))
    odd = np.flatnonzero((rows != usual) & ~trailing)
    header = layout.columns
    fits_header = usual in (header, header + 1) or header == usual + 1
    if len(odd) and fits_header and len(odd) <= max(3, _RAGGED_SHARE * len(rows)):
        layout.ragged = odd + layout.title + 1
    return layout


def _ragged_message(path: Path, layout: Layout, data: bytes, sep: str, options: dict) -> DataFileError:
    i = int(layout.ragged[0])
    n = int(layout.fields[i])
    line = int(layout.lines[i])
    text = data[layout.starts[i] : layout.ends[i]][:60].decode("utf-8", errors="replace")
    last = i == len(layout.fields) - 1 and not data.endswith(b"\n")
    what = (
        "the last line is cut off"
        if last
        else "a short line"
        if n < layout.usual
        else f"an unquoted {sep!r} inside a text?"
    )
    more = f"; {len(layout.ragged) - 1:,} more line(s) like it" if len(layout.ragged) > 1 else ""
    fix = _options_fix(options, bad_lines="skip")
    return DataFileError(
        f"{path.name}: line {line:,} has {n} field(s) where the header and the other rows have {layout.usual} "
        f"({what}: {text!r}){more}; correct the export, or leave such lines out (they are counted) with "
        f"{shown_options(options, bad_lines='skip')}.",
        fix=fix,
    )


def _without(data: bytes, layout: Layout) -> bytes:
    """``data`` without the ragged records (each with its line end)."""
    keep, at = [], 0
    for i in layout.ragged:
        keep.append(data[at : layout.starts[i]])
        nxt = data.find(b"\n", int(layout.ends[i]))
        at = len(data) if nxt < 0 else nxt + 1
    keep.append(data[at:])
    return b"".join(keep)


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


def _too_wide(path: Path, n: int, options: dict) -> None:
    limit = int(options.get("max_columns") or MAX_COLUMNS)
    if n > limit:
        raise DataFileError(
            f"{path.name} has {n:,} columns, more than the {limit:,} a table may have here (a wider file is "
            "usually a matrix export, and every page and record of a run lists its columns): keep the columns "
            f"the analysis needs, or read them all with {shown_options(options, max_columns=n)}.",
            fix=_options_fix(options, max_columns=n),
        )


def _wide_first_line(path: Path, options: dict) -> None:
    """A first line (header or title) with more fields than ``max_columns`` is refused from the file's first
    MB, before the file is read whole: a 500 MB line of commas took 5 GB of memory before its width was said."""
    head, _ = _raw_bytes(path, 1 << 20)
    first = head.split(b"\n", 1)[0]
    separators = [options["sep"]] if options.get("sep") else list(SEPARATORS)
    fields = max(first.count(str(sep).encode("utf-8", "replace")) for sep in separators) + 1
    limit = int(options.get("max_columns") or MAX_COLUMNS)
    if fields > limit and b"\n" in head:
        _too_wide(path, fields, options)
    if fields > limit:  # the line goes on past the first MB: its width is not known yet
        raise DataFileError(
            f"{path.name}'s first line has more than {fields:,} fields in its first MB alone (no line end there), "
            f"more than the {limit:,} columns a table may have here: it is not a table of rows (a matrix "
            "export, or a file without line ends); export the columns the analysis needs, one row a line."
        )


def _read_text(path: Path, options: dict, report: ReadReport) -> pd.DataFrame:
    limit = options.get("sample_bytes")
    compression = _compression(path)
    _zero_tail(path, compression)  # a sample too: the zeros are where the file ends
    _check_memory(path, compression, limit)
    _wide_first_line(path, options)
    raw, compression = _raw_bytes(path, limit, most=available_memory() // MEMORY_PER_TEXT_BYTE)
    if not raw.strip():
        raise DataFileError(f"{path.name} is empty: there is no header and no row to read.")
    text, encoding = _decode(raw, path, options.get("encoding"), report.notes)
    if encoding.startswith("utf-16") or encoding == MIXED_ENCODING:
        data = text.encode("utf-8")
    else:
        data = raw[3:] if encoding == "utf-8-sig" else raw
    skiprows = options.get("skiprows")
    skip_lines = skiprows if isinstance(skiprows, int) else 0
    # The separator is sniffed on the rows that are read (a title line above the header has none).
    sep = options.get("sep") or sniff_separator(text.split("\n", skip_lines)[-1] if skip_lines else text)
    report.encoding, report.separator, report.compression = encoding, sep, compression
    data_encoding = encoding if data is raw else "utf-8"  # what the bytes of `data` are in
    layout = scan_layout(data, sep, skip_lines)
    n_total = _total_records(data, layout, sep, data_encoding)
    if n_total:  # cut before pandas reads it: a total's word or empty cells never make a column text or float
        shown = data[layout.starts[-n_total] : layout.ends[-n_total]].decode(data_encoding, errors="replace")
        data = data[: layout.starts[-n_total]]
        text = data.decode(data_encoding)
        layout = scan_layout(data, sep, skip_lines)
        _say_total_lines(report, path, n_total, shown.strip()[:60])
    _too_wide(path, layout.columns, options)
    titles: list[str] = []
    if layout.title:
        titles = [
            data[s:e].decode(data_encoding, errors="replace").strip()
            for s, e in zip(layout.starts[: layout.title], layout.ends[: layout.title], strict=True)
        ]
        skiprows = int(layout.lines[layout.title]) - 1
        report.title_lines.append(titles[0])
    if len(layout.ragged):
        if options.get("bad_lines", "error") != "skip":
            raise _ragged_message(path, layout, data, sep, options)
        report.drop("a line with fewer or more fields than the header (bad_lines skip)", len(layout.ragged))
        shown = ", ".join(f"{int(layout.lines[i]):,}" for i in layout.ragged[:5])
        report.notes.append(
            f"{path.name}: {len(layout.ragged):,} line(s) with other field counts left out ({shown})"
        )
        text = _without(data, layout).decode(data_encoding)
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
        if "EOF inside string" in str(exc):
            line = _line_of(data, int(np.flatnonzero(np.frombuffer(data, np.uint8) == 34)[-1]))
            raise DataFileError(
                f"{path.name} ends inside a quoted text that opens on line {line:,} (the file was cut off, or a "
                "quote is not closed): export it again, or close the quote on that line."
            ) from exc
        said = " ".join(str(exc).split())
        raise DataFileError(
            f"{path.name} is not a consistent table with separator {sep!r} ({said}); set read_options "
            "{'sep': ...} to the right separator."
        ) from exc
    if frame.shape[1] == 1 and len(frame) and any(s in frame.columns[0] for s in SEPARATORS if s != sep):
        raise DataFileError(
            f"{path.name} was read as a single column {frame.columns[0][:60]!r}; set read_options {{'sep': ...}}."
        )
    frame = _decimal_marks(frame, path, text, sep, skiprows, options, report)
    frame.attrs["title_lines"] = titles
    return frame


#: 12,5  1.234,5  3,38e-05  1.195  7
_COMMA_NUMBER = r"[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+([eE][-+]?\d+)?|[-+]?\d{1,3}(\.\d{3})+|[-+]?\d+"
_THOUSANDS_POINT = r"[-+]?\d{1,3}(\.\d{3})+"  # 1.195, 12.345.678: whole numbers, '.' between thousands


def _decimal_marks(
    frame: pd.DataFrame, path: Path, text: str, sep: str, skiprows, options: dict, report: ReadReport
) -> pd.DataFrame:
    """A file written with decimal commas (``sep`` ';' or tab, or ``decimal: ","`` given): its decimal-comma
    columns as numbers, and its whole numbers with '.' between thousands (1.195 vehicles, which pandas read as
    1.195) re-read as written. Without a decimal comma anywhere, a column of whole numbers below 1,000 beside
    values like 1.195 is refused with the option to set: the '.' is a thousands separator or a decimal point,
    and only the person knows which."""
    decimal = options.get("decimal")
    if decimal not in (None, ".", ","):
        raise DataFileError(f'read_options decimal must be "," or ".", not {decimal!r}.')
    if decimal == "." or (decimal is None and sep == ","):
        return frame
    comma = []
    text_columns = set(options.get("dtype") or {})  # the contract's text columns stay text
    for col in frame.select_dtypes(include="object").columns:
        if col in text_columns:
            continue
        values = frame[col].dropna()
        if not len(values) or pd.api.types.infer_dtype(values, skipna=True) != "string":
            continue
        values = values.head(2_000).str.strip()  # a sample decides; the C parser reads the whole column below
        if values.str.contains(",", regex=False).any() and values.str.fullmatch(_COMMA_NUMBER).all():
            comma.append(col)
    floats = [c for c in frame.columns if frame[c].dtype.kind == "f"]
    if decimal is None and not comma:
        suspects = []
        for col in floats:
            v = frame[col].dropna().to_numpy()
            whole = v % 1 == 0
            if len(v) and whole.mean() >= 0.2 and (v[whole] < 1000).all() and not whole.all():
                if ((v[~whole] >= 1) & (v[~whole] < 1000)).all():
                    suspects.append(col)
        if not suspects:
            return frame
        written = _written(text, sep, suspects, skiprows)
        for col in suspects:
            point = written[col].str.contains(".", regex=False, na=False)
            if written[col][point].str.fullmatch(_THOUSANDS_POINT).all():
                example = written[col][point].iloc[0]
                raise DataFileError(
                    f"{path.name}: column {col!r} holds whole numbers below 1,000 beside values like {example!r}: "
                    f"is '.' a thousands separator ({example} = {example.replace('.', '')})? Say so with "
                    f"{shown_options(options, decimal=',')} (decimal comma, '.' between thousands), or keep "
                    f"{example} as a decimal number with {shown_options(options, decimal='.')}.",
                    fix=_options_fix(options, decimal=","),
                )
        return frame
    frame = frame.copy()
    fixed = []
    if floats:
        written = _written(text, sep, floats, skiprows)
        for col in floats:
            point = written[col].str.contains(".", regex=False, na=False)
            if not point.any():
                continue  # whole numbers read as floats for a missing value: nothing to re-read
            if not written[col][point].str.fullmatch(_THOUSANDS_POINT).all():
                bad = written[col][point & ~written[col].str.fullmatch(_THOUSANDS_POINT, na=False)].iloc[0]
                shown = f" (as column {comma[0]!r} is)" if comma else ""
                raise DataFileError(
                    f"{path.name}: column {col!r} is written with a decimal point ({bad!r}) in a file whose decimal "
                    f"mark is a comma{shown}; export the file with one decimal mark, or read the points as "
                    f"written with {shown_options(options, decimal='.')} (the comma columns are then read field "
                    "by field).",
                    fix=_options_fix(options, decimal="."),
                )
            frame[col] = pd.to_numeric(written[col].str.replace(".", "", regex=False)).astype("float64")
            fixed.append(col)
    if comma:  # read again by pandas' C parser with the comma as the decimal mark (and '.' between thousands)
        points = any(frame[c].dropna().head(2_000).str.contains(".", regex=False).any() for c in comma)
        again = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            usecols=comma,
            decimal=",",
            thousands="." if points else None,
            skipinitialspace=True,
            skiprows=skiprows,
            index_col=False,
            engine="c",
        )
        # a column with a value that is not such a number stays text: the contract names the value
        comma = [c for c in comma if pd.api.types.is_numeric_dtype(again[c])]
        for col in comma:
            frame[col] = again[col].astype("float64").to_numpy()
    if comma:
        shown = ", ".join(map(str, comma[:5])) + (" ..." if len(comma) > 5 else "")
        report.notes.append(
            f"{path.name}: decimal commas read as numbers in {len(comma)} column(s) ({shown})"
        )
    if fixed:
        report.notes.append(
            f"{path.name}: '.' read as the thousands separator in {', '.join(map(str, fixed))} (e.g. 1.195 = 1195)"
        )
    return frame


def _written(text: str, sep: str, columns: list, skiprows) -> pd.DataFrame:
    """Columns of a text table as written (strings), to read their numbers again."""
    return pd.read_csv(
        io.StringIO(text),
        sep=sep,
        usecols=columns,
        dtype=str,
        skipinitialspace=True,
        skiprows=skiprows,
        index_col=False,
        engine="c",
    ).apply(lambda s: s.str.strip())


def _read_npz(path: Path) -> pd.DataFrame:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
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


def _excel_title_rows(frame: pd.DataFrame) -> int | None:
    """Rows of a sheet above its header: the header is not on the sheet's first row when most column names
    are pandas' 'Unnamed: N' (a title or blank rows above it); the header is then the first of the next
    rows filled at least as much as most rows. None: the first row is the header."""
    unnamed = sum(str(c).startswith("Unnamed: ") for c in frame.columns)
    # a title is one cell (or none: blank rows); a header with a few empty names is still the header
    if frame.shape[1] < 2 or frame.shape[1] - unnamed > 1 or len(frame) < 2:
        return None
    filled = frame.head(200).notna().sum(axis=1).to_numpy()
    usual = int(np.median(filled))
    for i in range(min(10, len(frame) - 1)):
        cells = frame.iloc[i].dropna()
        if filled[i] >= max(2, usual) and all(isinstance(v, str) for v in cells):  # names, not values
            return i
    return None


def _read_excel(path: Path, options: dict, report: ReadReport, *, sample: bool) -> pd.DataFrame:
    """A sheet of a workbook: the one named by ``sheet``, else the first; a workbook whose first sheet is a
    cover page beside a bigger sheet is refused with the sheet to name; title rows above the header are
    skipped (and said so), as in a CSV."""
    with pd.ExcelFile(path) as book:
        names = book.sheet_names
        sheet = options.get("sheet")
        if sheet is None and len(names) > 1:
            rows = {}
            for name in names:  # the sheets' declared sizes (openpyxl reads them without the cells)
                try:
                    rows[name] = int(book.book[name].max_row or 0)
                except Exception:  # another engine: sizes unknown, the first sheet is read and named
                    rows = {}
                    break
            shown = ", ".join(f"{n!r}" + (f" ({rows[n]:,} rows)" if rows else "") for n in names)
            biggest = max(rows, key=rows.get) if rows else names[0]
            if rows and biggest != names[0] and rows[names[0]] < 0.1 * rows[biggest]:
                raise DataFileError(
                    f"{path.name} has {len(names)} sheets: {shown}; the first is not the table. Name the sheet "
                    f"to read with {shown_options(options, sheet=biggest)}.",
                    fix=_options_fix(options, sheet=biggest),
                )
            report.notes.append(
                f"{path.name}: sheet {names[0]!r} read, the first of {len(names)} ({shown}); another with "
                "read_options {'sheet': NAME}"
            )
        frame = book.parse(
            sheet if sheet is not None else 0,
            skiprows=options.get("skiprows"),
            nrows=20_000 if sample else None,
        )
    if options.get("skiprows") is None:
        title = _excel_title_rows(frame)
        if title is not None:
            above = [str(c) for c in frame.columns if not str(c).startswith("Unnamed: ")]
            above += [str(v) for v in frame.iloc[:title].stack().tolist()]
            header = [
                str(v).strip() if pd.notna(v) else f"Unnamed: {j}" for j, v in enumerate(frame.iloc[title])
            ]
            frame = frame.iloc[title + 1 :].reset_index(drop=True)
            frame.columns = header
            frame = frame.infer_objects()
            report.title_lines.append(above[0] if above else "(blank rows)")
    return frame


#: What the first cells of an export's total line say (compared in lower case, stripped, alone in the cell).
TOTAL_WORDS = re.compile(
    r"(grand )?totals?|totaux|total g[ée]n[ée]ral|somme( totale)?|summe|gesamt(summe)?|insgesamt|zesummen|sum",
    re.I,
)


def _is_total(cells: list) -> bool:
    return any(
        isinstance(v, str) and TOTAL_WORDS.fullmatch(v.strip().strip('"').strip().rstrip(":")) for v in cells
    )


def _total_records(data: bytes, layout: Layout, sep: str, encoding: str) -> int:
    """How many of a text table's last records are total lines (at most 3, never the header or all rows)."""
    n = 0
    while n < min(3, len(layout.starts) - layout.title - 2):
        i = len(layout.starts) - 1 - n
        record = data[layout.starts[i] : layout.ends[i]].decode(encoding, errors="replace")
        if not _is_total(record.split(sep)[:3]):
            break
        n += 1
    return n


def _drop_total_rows(frame: pd.DataFrame, path: Path, report: ReadReport) -> pd.DataFrame:
    """The total line(s) an export ends with ('Total;;;1.234,56', 'Summe', 'Zesummen'), left out and counted:
    never a row of the table. Columns the total's word made text are numbers again."""
    n = 0
    first = frame.iloc[:, : min(3, frame.shape[1])]
    while n < min(3, len(frame) - 1):
        cells = first.iloc[len(frame) - 1 - n]
        if not _is_total(list(cells)):
            break
        n += 1
    if not n:
        return frame
    shown = " ".join(str(v) for v in frame.iloc[len(frame) - n] if pd.notna(v))[:60]
    frame = frame.iloc[: len(frame) - n].copy()
    for col in frame.columns[: first.shape[1]]:  # numbers once the word is gone; text ('00123') stays text
        kind = pd.api.types.infer_dtype(frame[col], skipna=True)
        if frame[col].dtype == object and kind in ("integer", "floating", "mixed-integer-float", "decimal"):
            frame[col] = pd.to_numeric(frame[col])
    _say_total_lines(report, path, n, shown)
    return frame


def _say_total_lines(report: ReadReport, path: Path, n: int, shown: str) -> None:
    report.drop("a total line at the end of the file", n)
    report.notes.append(f"{path.name}: {n} total line(s) at the end left out ({shown!r})")


def _read_one(path: Path, kind: str, options: dict, report: ReadReport) -> pd.DataFrame:
    if kind == "csv":
        return _read_text(path, options, report)
    try:
        sample = options.get("sample_bytes")
        _check_unpacked(path, kind, bool(sample))
        if kind == "parquet":
            import pyarrow.parquet as pq

            _too_wide(path, len(pq.read_schema(path).names), options)
            if sample:
                # the first row group only (pyarrow otherwise reads ahead into the next ones)
                return next(pq.ParquetFile(path).iter_batches(batch_size=20_000, row_groups=[0])).to_pandas()
            return pd.read_parquet(path)
        if kind == "excel":
            rows, columns = _excel_extent(path)
            _too_wide(path, columns, options)
            needed, free = min(rows, 20_000 if sample else rows) * columns * CELL_BYTES, available_memory()
            if needed > free:
                shown = f"has cells down to row {rows:,} and across {columns:,} columns"
                raise _too_big(path, shown, f"about {in_words(needed)}", free)
            return _read_excel(path, options, report, sample=bool(sample))
    except ImportError as exc:
        raise DataFileError(
            f"Reading {path.name} needs a package that is missing ({exc}); run `make install`."
        ) from exc
    except DataFileError:
        raise
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


# ----------------------------------------------------------------------------- a date outside the table
_NAME_DATES = (
    (re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)"), (0, 1, 2)),
    (
        re.compile(r"(?<!\d)(0?[1-9]|[12]\d|3[01])[./_-](0?[1-9]|1[0-2])[./_-]((?:19|20)\d\d)(?!\d)"),
        (2, 1, 0),
    ),
)


def find_date(text: str) -> pd.Timestamp | None:
    """The first calendar date written in ``text`` (2023-05-01, 20230501, 2023_05_01, 01.05.2023)."""
    for pattern, (y, m, d) in _NAME_DATES:
        match = pattern.search(str(text))
        if match:
            parts = match.groups()
            try:
                return pd.Timestamp(int(parts[y]), int(parts[m]), int(parts[d]))
            except ValueError:
                continue
    return None


def _add_file_date(frame: pd.DataFrame, path: Path, how: str, report: ReadReport) -> pd.DataFrame:
    """The date of a file that holds one day, from its name or from above its table, as a ``date`` column."""
    if how not in DATE_FROM:
        raise DataFileError(
            f'read_options date_from must be one of {list(DATE_FROM)}, not {how!r}: "file_name" takes each '
            'file\'s date from its name, "header" from the lines above its table or a header cell.'
        )
    column = "date" if "date" not in frame.columns else "file_date"
    if how == "file_name":
        found = find_date(path.stem)
        if found is None:
            raise DataFileError(
                f"{path.name}: read_options date_from 'file_name' needs a date in each file's name "
                "(2023-05-01, 20230501 or 01.05.2023) and this name has none; rename the file or map a date column."
            )
    else:
        found, renamed = None, {}
        for line in frame.attrs.get("title_lines", []):
            found = found or find_date(line)
        for name in frame.columns:
            date = find_date(name)
            if date is not None:
                found = found or date
                rest = re.sub(r"[\s:;,_-]+$", "", _strip_date(str(name))).strip()
                renamed[name] = rest or "value"
        if found is None:
            raise DataFileError(
                f"{path.name}: read_options date_from 'header' needs a date above the table or in a header cell "
                "and this file has none; give skiprows so that the title line is read, or use date_from 'file_name'."
            )
        frame = frame.rename(columns=renamed)
        if renamed:
            report.notes.append(
                f"{path.name}: the date in header cell(s) {list(renamed)} taken out of their names"
            )
    frame.insert(0, column, found.strftime("%Y-%m-%d"))
    return frame


def _strip_date(text: str) -> str:
    for pattern, _ in _NAME_DATES:
        text = pattern.sub("", text)
    return text


def read_table(data_path: str | Path | list, **options: Any) -> tuple[pd.DataFrame, ReadReport]:
    """Read a partner's file(s) into one frame; see the module docstring for what is understood.

    ``sample_bytes=N`` reads only the first file's first N bytes (about 20,000 rows of Parquet or Excel)
    and skips checksums: the quick check the runner makes before a kernel starts when a file is too big
    to read whole in seconds.
    """
    unknown = sorted(set(options) - set(READ_OPTIONS) - {"dtype", "sample_bytes"})
    if unknown:
        raise DataFileError(f"Unknown read option(s) {unknown}; read_options accepts {list(READ_OPTIONS)}.")
    if options.get("bad_lines", "error") not in BAD_LINES:
        raise DataFileError(
            f'read_options bad_lines must be "error" or "skip", not {options["bad_lines"]!r}.'
        )
    max_columns = options.get("max_columns")
    if max_columns is not None and (not isinstance(max_columns, int) or max_columns < 1):
        raise DataFileError(
            f"read_options max_columns must be a whole number of columns, not {max_columns!r}."
        )
    paths = expand_paths(data_path)
    found = {p: file_kind(p) for p in paths}
    bad = next((p for p, (kind, _) in found.items() if kind is None), None)
    if bad is not None:
        raise DataFileError(found[bad][1])
    kinds = {kind for kind, _ in found.values()}
    if len(kinds) > 1:
        raise DataFileError(
            f"data_path {str(data_path)!r} matches files of several formats ({sorted(kinds)})."
        )
    kind = kinds.pop()
    shown = ", ".join(map(str, data_path)) if isinstance(data_path, (list, tuple)) else str(data_path)
    report = ReadReport(data_path=shown, format=kind)
    named = {_kind(p) for p in paths if _kind(p) is not None and _kind(p) != kind}
    if named:
        suffixes = sorted({p.suffix for p in paths if _kind(p) not in (kind, None)})
        report.notes.append(f"read as {kind} by the content (the name ends in {', '.join(suffixes)})")
    report.name_dates = [d.strftime("%Y-%m-%d") for d in (find_date(p.stem) for p in paths) if d is not None][
        : len(paths)
    ]
    frames = []
    sampling = bool(options.get("sample_bytes"))
    common = Path(os.path.commonpath([p.resolve().parent for p in paths])) if len(paths) > 1 else None
    paths = [p.resolve() for p in paths]
    for path in paths[:1] if sampling else paths:
        by_name = _kind(path)
        try:
            frame = _read_one(path, kind, options, report)
            if frame.empty:
                raise DataFileError(f"{path.name} has a header but no rows.")
            frame = _drop_total_rows(frame, path, report)
        except DataFileError as exc:
            if by_name in (None, kind):
                raise
            raise DataFileError(
                f"{str(exc).rstrip('.')} (its content was read as {kind}, whatever its name says).", exc.fix
            ) from None
        if options.get("date_from"):
            frame = _add_file_date(frame, path, options["date_from"], report)
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
    if report.title_lines:
        each = "" if len(paths) == 1 else f" of {len(report.title_lines)} file(s)"
        report.notes.append(
            f"title line(s) above the header{each} skipped (e.g. {report.title_lines[0][:60]!r})"
        )
    frame = _clean_header(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0], report)
    frame = _apply_missing(frame, options.get("missing_values"), report)
    report.rows, report.columns = len(frame), list(frame.columns)
    # what a contract's sentence may point at when a date column is missing (date_from)
    frame.attrs.update(file_names=[p.name for p in paths], title_lines=list(report.title_lines))
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


def text_bytes(paths: list[Path]) -> int:
    """Bytes of text the files hold once unpacked (what reading them whole costs)."""
    total = 0
    for path in paths:
        if file_kind(path)[0] == "csv":
            total += _text_size(path, _compression(path))
        else:
            total += path.stat().st_size * 5  # Parquet and Excel pack their values
    return total
