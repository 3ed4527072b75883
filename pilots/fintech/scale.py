"""The out-of-core path of a ledger: Dask dataframes and LightGBM's own Dask estimators.

``engine`` chooses (:func:`choose_engine`): ``pandas`` keeps every row in memory (``pipeline.run_detection``),
``dask`` runs the heavy steps partitioned on a Dask cluster (:func:`run_detection_dask`), ``auto`` takes Dask
when the ledger's rows times the measured memory per row of the in-memory path (``BYTES_PER_ROW``) exceed the
memory budget (default: half of this machine's memory). Nothing here imports Dask until the Dask path runs.

The Dask path, step by step (same rules as in memory):

1. **Input**: a folder (or glob) of Parquet files, read row group by row group (:func:`read_parquet_ledger`:
   contract A with the same conversions as the in-memory loader, ``data.ledger_rows``; or files in the pilot's
   own schema, as ``synthetic.write_parquet_ledger`` writes them), or any Dask or pandas frame in the pilot's
   schema (:meth:`LazyLedger.from_frame`). Row ids: the files' ``transaction_id``, else the position in file
   order (the in-memory loader's tie-break for rows at the same instant).
2. **Time split** from the sorted timestamps (one column collected): the same cut points as in memory, and the
   labels known at the split (label maturity) decided row by row as in memory.
3. **Features**: every payment gives two events (payer, payee); events are shuffled by party and each
   event's node features computed from that party's earlier events (``features.node_event_features``); the
   features of each row's account and counterparty go to the row's account partition; the ledger rows are
   **shuffled once by account** (``set_index`` on a hash of the account with fixed divisions, so that each
   partition holds whole accounts); ``features.transaction_features``, the function of the in-memory path,
   runs on each partition (``map_partitions``; rows sorted by time): the windows ``[t - w, t)`` per account are
   exactly the in-memory ones (a test compares them row for row).
4. **Training** with ``lightgbm.dask.DaskLGBMClassifier`` on the workers (the threshold model on the training
   rows outside the validation window, the final model on all training rows). Genuine rows are subsampled as
   in memory (``neg_per_pos`` per known fraud, at least ``min_negatives``), decided row by row by a hash of the
   row id: the same share, not the same rows. Distributed LightGBM finds its bins per worker, so its model
   differs slightly from the in-memory one.
5. **Baselines** on a uniform sample of the training rows, collected (every training row up to
   ``BASELINE_SAMPLE_ROWS``: then exactly the rows, and the models, of the in-memory path): the logistic
   regression, the unsupervised combination, the default Isolation Forest and the rules.
6. **The test period** scored on the workers and collected (it is what the analysts work through: 30 % of
   the ledger by default), then evaluated by the in-memory code (``pipeline.finish_test_period``).

Not partitioned: exact duplicate rows are kept (the in-memory loader drops them; dropping them here would
need a shuffle before the time split), and the test period must fit in this process's memory.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import math
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from livinglab.contract import ContractError

from . import evaluation as ev
from .detectors import (
    RulesBaseline,
    SupervisedConfig,
    SupervisedModel,
    TimeSplit,
    lightgbm_params,
    negatives_to_keep,
    time_split,
)
from .features import (
    ACCOUNT_NODE_FEATURES,
    CATEGORICAL,
    COUNTERPARTY_NODE_FEATURES,
    NODE_FEATURES,
    RULE_INPUTS,
    UNSUPERVISED_FEATURES,
    FeatureError,
    feature_names,
    graph_events,
    node_event_features,
    transaction_features,
)

ENGINES = ("auto", "pandas", "dask")
# Peak memory of the in-memory path per ledger row (generation, features, models, evaluation and oversight):
# the benchmark measured 13.6 GiB (14.26e9 bytes) for 10 million rows; engine "auto" compares rows x this with the budget.
BYTES_PER_ROW = 1_430
TARGET_PARTITION_ROWS = 250_000  # rows per account partition (a partition's features need ~0.6 kB per row)
BASELINE_SAMPLE_ROWS = 1_000_000  # training rows collected for the baselines (all of them below this)
DEFAULT_WORKERS = 2
PILOT_SCHEMA = ("transaction_id", "timestamp", "account_id", "amount")  # files in the pilot's own schema
VIEW_PREFIX = "_v_"  # ledger columns carried beside the features (channel, country ... are features too)


class ScaleError(ValueError):
    """A setting of the out-of-core path that cannot work; the message says what to change."""


# ----------------------------------------------------------------------------- which engine
def memory_budget_bytes(gib: float = 0.0) -> int:
    """The memory budget in bytes: ``gib`` GiB, or half of this machine's memory when 0."""
    if gib is None or gib < 0:
        raise ScaleError(f"memory_budget_gib must be 0 (half of this machine's memory) or more, not {gib!r}.")
    if gib == 0:
        return machine_memory_bytes() // 2
    return int(gib * 2**30)


def machine_memory_bytes() -> int:
    """This machine's physical memory (Linux, macOS)."""
    import os

    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # "pandas" or "dask"
    requested: str
    rows: int
    estimated_bytes: int
    budget_bytes: int
    reason: str

    def describe(self) -> str:
        return self.reason


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def choose_engine(
    engine: str, rows: int | None, memory_budget_gib: float = 0.0, *, parquet: bool = True
) -> EngineChoice:
    """``pandas`` or ``dask`` for a ledger of ``rows`` rows, with the sentence the notebook prints.

    ``auto`` chooses Dask when ``rows * BYTES_PER_ROW`` (the in-memory path's measured peak) exceeds the budget
    and the input can be read in parts (Parquet files, or a ledger already in memory); ``dask`` needs that too.
    ``rows`` None: not known without reading the file (a text file, read whole by the in-memory path).
    """
    if engine not in ENGINES:
        raise ScaleError(
            f"engine must be one of {', '.join(ENGINES)}, not {engine!r}: 'pandas' keeps the ledger in memory, "
            "'dask' runs it partitioned on a Dask cluster, 'auto' chooses by size."
        )
    budget = memory_budget_bytes(memory_budget_gib)
    if engine == "dask" and not parquet:
        raise ScaleError(
            "engine 'dask' reads Parquet files (a file, a folder or a glob of .parquet files); convert the "
            "ledger to Parquet, or use engine 'pandas'."
        )
    if rows is None:
        why = (
            f"engine {engine!r}: pandas, every row in memory (the file is not Parquet, so it is read whole; a "
            "ledger larger than memory must come as Parquet files, which the Dask engine reads in parts)"
        )
        return EngineChoice("pandas", engine, -1, -1, budget, why + ".")
    need = int(rows) * BYTES_PER_ROW
    sizes = f"{rows:,} rows need about {_gib(need)} in memory; the budget is {_gib(budget)}"
    if engine == "pandas":
        chosen, why = "pandas", f"engine 'pandas' (as asked): every row in memory ({sizes})"
    elif engine == "dask":
        chosen, why = "dask", f"engine 'dask' (as asked): the heavy steps run partitioned on Dask ({sizes})"
    elif need > budget and parquet:
        chosen, why = "dask", f"engine 'auto' chose Dask: {sizes}, so the heavy steps run partitioned"
    elif need > budget:
        chosen, why = (
            "pandas",
            f"engine 'auto' kept pandas although {sizes}: only Parquet input can be read in parts "
            "(convert the ledger to a folder of Parquet files for the out-of-core path)",
        )
    else:
        chosen, why = "pandas", f"engine 'auto' chose pandas: {sizes}"
    return EngineChoice(chosen, engine, int(rows), need, budget, why + ".")


def parquet_files(data_path: str) -> list[Path]:
    """The Parquet files of a file, folder or glob; [] when the input is not Parquet."""
    from livinglab.reader import DataFileError, expand_paths

    try:
        files = expand_paths(data_path)
    except DataFileError:
        return []
    if files and all(f.suffix.lower() in (".parquet", ".pq") for f in files):
        return files
    return []


def parquet_rows(files: Sequence[Path]) -> int:
    """Rows of Parquet files from their footers (nothing else is read)."""
    import pyarrow.parquet as pq

    return int(sum(pq.read_metadata(f).num_rows for f in files))


# ----------------------------------------------------------------------------- a cluster
@contextmanager
def dask_client(
    address: str = "",
    *,
    n_workers: int = DEFAULT_WORKERS,
    memory_limit: str | int = "auto",
    threads_per_worker: int = 1,
    processes: bool = True,
) -> Iterator[Any]:
    """A ``distributed.Client``: to the scheduler at ``address``, or to a LocalCluster started here (and
    closed on exit) with ``n_workers`` worker processes of ``memory_limit`` each."""
    from distributed import Client, LocalCluster

    if address:
        client = Client(address, timeout=10)
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=processes,
        memory_limit=memory_limit,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


_SHARED: dict[str, Any] = {}


def shared_client(address: str = "", memory_budget_gib: float = 0.0, n_workers: int = DEFAULT_WORKERS):
    """One client per process for the notebook: the scheduler at ``address``, else a LocalCluster of
    ``n_workers`` processes sharing the memory budget; closed when the process ends."""
    key = f"{address}|{memory_budget_gib}|{n_workers}"
    if key not in _SHARED:
        limit = max(2**30, memory_budget_bytes(memory_budget_gib) // max(1, n_workers))
        context = dask_client(address, n_workers=n_workers, memory_limit=limit)
        _SHARED[key] = (context, context.__enter__())
        atexit.register(_close_shared, key)
    return _SHARED[key][1]


def close_shared_clients() -> None:
    """Close the clients (and LocalClusters) :func:`shared_client` started in this process."""
    for key in list(_SHARED):
        _close_shared(key)


def _close_shared(key: str) -> None:
    context, _ = _SHARED.pop(key, (None, None))
    if context is not None:
        context.__exit__(None, None, None)


def worker_count(client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))


# ----------------------------------------------------------------------------- a lazy ledger
@dataclass
class LazyLedger:
    """A ledger as a Dask frame in the pilot's schema (``data.ledger_frame``'s columns) with its facts."""

    frame: Any  # dask.dataframe.DataFrame
    available: frozenset
    segments: tuple[str, ...]
    rows: int
    name: str = "the ledger"
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    sha256: str | None = None  # of the files (recorded as the run's data source)

    @classmethod
    def from_frame(
        cls,
        frame,
        *,
        available: frozenset | set | None = None,
        segments: Sequence[str] = (),
        name: str = "the ledger",
        npartitions: int | None = None,
    ) -> LazyLedger:
        """A pandas or Dask frame in the pilot's schema (the generator's, ``data.ledger_frame``'s)."""
        import dask.dataframe as dd

        from .features import available_parts

        if isinstance(frame, pd.DataFrame):
            if "transaction_id" not in frame:
                frame = frame.assign(transaction_id=np.arange(len(frame), dtype=np.int64))
            parts = npartitions or max(1, math.ceil(len(frame) / TARGET_PARTITION_ROWS))
            rows = len(frame)
            frame = dd.from_pandas(frame, npartitions=parts, sort=False)
        else:
            if "transaction_id" not in frame.columns:
                raise ScaleError("A Dask ledger needs a transaction_id column (a unique id per row).")
            rows = int(frame.map_partitions(len).sum().compute())
        missing = [c for c in ("timestamp", "account_id", "amount") if c not in frame.columns]
        if missing:
            raise ScaleError(f"The ledger lacks column(s) {', '.join(missing)} of the pilot's schema.")
        avail = available_parts(frame._meta) if available is None else frozenset(available)
        return cls(frame, avail, tuple(segments), rows, name)

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    @property
    def has_labels(self) -> bool:
        return "label" in self.frame.columns


@dataclass(frozen=True)
class _Piece:
    path: str
    row_groups: tuple[int, ...]
    offset: int  # row id of the piece's first row (position in file order)


def _pieces(files: Sequence[Path], target_rows: int = TARGET_PARTITION_ROWS) -> tuple[list[_Piece], int]:
    """Consecutive row groups of each file gathered into pieces of about ``target_rows`` rows."""
    import pyarrow.parquet as pq

    pieces, offset = [], 0
    for f in files:
        meta = pq.read_metadata(f)
        group, rows = [], 0
        for i in range(meta.num_row_groups):
            group.append(i)
            rows += meta.row_group(i).num_rows
            if rows >= target_rows:
                pieces.append(_Piece(str(f), tuple(group), offset))
                offset += rows
                group, rows = [], 0
        if group:
            pieces.append(_Piece(str(f), tuple(group), offset))
            offset += rows
    return pieces, offset


def _read_piece(piece: _Piece, columns: list[str] | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(piece.path).read_row_groups(list(piece.row_groups), columns=columns)
    return table.to_pandas()


@dataclass(frozen=True)
class _Conversion:
    """How every piece becomes rows of the pilot's schema (decided once for the whole ledger)."""

    kind: str  # "pilot" (files in the pilot's schema) or "contract" (contract A, a partner's names)
    file_columns: tuple[str, ...] | None
    columns: dict
    dayfirst: bool | None
    signed: bool | None
    label_time_used: bool | None
    categories: dict  # column -> categories in order (consistent codes in every partition)


def _convert_piece(piece: _Piece, conv: _Conversion) -> pd.DataFrame:
    raw = _read_piece(piece, list(conv.file_columns) if conv.file_columns else None)
    if conv.kind == "pilot":
        out = raw
    else:
        from .contract import LEDGER
        from .data import ledger_rows

        applied = LEDGER.apply(raw, conv.columns, dayfirst=conv.dayfirst)
        out, _, _, _ = ledger_rows(applied.frame, signed=conv.signed, label_time_used=conv.label_time_used)
        out.insert(0, "transaction_id", np.arange(piece.offset, piece.offset + len(out), dtype=np.int64))
    for col, cats in conv.categories.items():
        values = out[col].astype("string").fillna("(none)") if conv.kind == "contract" else out[col]
        typed = values.astype(pd.CategoricalDtype(list(cats)))
        unknown = typed.isna() & values.notna()
        if unknown.any():
            raise ContractError(
                f"{Path(piece.path).name}: column {col!r} has value(s) the other files do not have "
                f"({values[unknown].astype(str).unique()[:3].tolist()}); write every file with the same "
                "categories, or read the ledger with engine 'pandas'."
            )
        out[col] = typed
    return out.reset_index(drop=True)


def _first_appearance(piece: _Piece, conv: _Conversion, cols: Sequence[str]) -> pd.DataFrame:
    """Per category value of ``cols``: its earliest (timestamp, row id) in the piece, and a few facts."""
    from .contract import LEDGER

    raw = _read_piece(piece, list(conv.file_columns) if conv.file_columns else None)
    applied = LEDGER.apply(raw, conv.columns, dayfirst=conv.dayfirst).frame
    rows = []
    ts = applied["timestamp"].astype("datetime64[ns]")
    rid = np.arange(piece.offset, piece.offset + len(applied), dtype=np.int64)
    for col in cols:
        values = applied[col].astype("string").fillna("(none)")
        frame = pd.DataFrame({"value": values.to_numpy(dtype=object), "ts": ts.to_numpy(), "rid": rid})
        first = frame.sort_values(["ts", "rid"], kind="stable").drop_duplicates("value")
        rows.append(first.assign(column=col))
    facts = pd.DataFrame(
        {
            "column": ["_facts"],
            "value": [None],
            "ts": [ts.min()],
            "rid": [-1],
            "negative": [bool((pd.to_numeric(applied["amount"]) < 0).any())],
            "label_times": [int(applied["label_time"].notna().sum()) if "label_time" in applied else 0],
        }
    )
    return pd.concat([*rows, facts], ignore_index=True)


def read_parquet_ledger(
    data_path: str | Path,
    columns: dict | None = None,
    read_options: dict | None = None,
    *,
    record: bool = True,
) -> LazyLedger:
    """A folder, glob or file of Parquet as a lazy ledger in the pilot's schema (nothing is loaded whole).

    Files with the pilot's own columns (``transaction_id, timestamp, account_id, amount`` ..., as
    ``synthetic.write_parquet_ledger`` writes them) and no ``columns`` are read as they are (the benchmark's
    and the tests' way: a run through the notebook maps contract A's names, e.g. ``account`` to
    ``account_id``); any other file goes through contract A with ``columns`` (the same conversions as the
    in-memory loader, checked on the first rows before anything else). With ``record`` the files are recorded as the run's data source (sha256 of each file).
    """
    import dask
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    from livinglab.contract import split_read_options

    from .contract import LEDGER
    from .data import ledger_rows
    from .synthetic import SEGMENT_COLUMNS

    files = parquet_files(str(data_path))
    if not files:
        raise ScaleError(
            f"{data_path} is not Parquet: the out-of-core path reads a Parquet file, a folder or a glob of them."
        )
    options, dayfirst = split_read_options(read_options)
    if options:
        raise ScaleError(
            f"read_options {sorted(options)} apply to text files; Parquet files are read as they are (only "
            "dayfirst is used)."
        )
    columns = dict(columns or {})
    schema_names = list(pq.read_schema(files[0]).names)
    pieces, rows = _pieces(files)
    if rows < 200:
        raise ContractError(f"The ledger has only {rows} rows; the pilot needs at least 200.")
    first = _read_piece(pieces[0], None).head(5_000)
    notes: list[str] = []
    if all(c in schema_names for c in PILOT_SCHEMA) and not columns:
        kind = "pilot"
        head = first
        cats = {
            c: tuple(head[c].cat.categories)
            for c in head.columns
            if isinstance(head[c].dtype, pd.CategoricalDtype)
        }
        conv = _Conversion("pilot", None, {}, dayfirst, None, None, cats)
        segments = tuple(c for c in reversed(SEGMENT_COLUMNS) if c in head) or (
            ("segment",) if "segment" in head else ()
        )
        notes.append("the files are in the pilot's own ledger schema: read as they are")
    else:
        kind = "contract"
        applied = LEDGER.apply(first, columns, dayfirst=dayfirst)  # a wrong mapping fails here, in seconds
        notes += applied.notes
        file_columns = tuple(dict.fromkeys(applied.mapping.values()))
        conv = _Conversion("contract", file_columns, columns, dayfirst, None, None, {})
        cat_cols = [c for c in ("channel", "country") if c in applied.frame]
        parts = dask.compute(*[dask.delayed(_first_appearance)(p, conv, cat_cols) for p in pieces])
        found = pd.concat(parts, ignore_index=True)
        facts = found[found["column"] == "_facts"]
        cats = {}
        for col in cat_cols:
            sub = found[found["column"] == col].sort_values(["ts", "rid"], kind="stable")
            cats[col] = tuple(sub.drop_duplicates("value")["value"])
        signed = bool(facts["negative"].any()) if "direction" not in applied.frame else None
        label_time_used = bool(facts["label_times"].sum() > 0) if "label_time" in applied.frame else None
        conv = _Conversion("contract", file_columns, columns, dayfirst, signed, label_time_used, cats)
        head, _, segments, more = ledger_rows(applied.frame, signed=signed, label_time_used=label_time_used)
        notes += [n for n in more if not n[:1].isdigit()]  # counts of the first rows would mislead
        notes.append(
            "read in parts: each row group is converted like the first rows; exact duplicate rows are kept "
            "(the in-memory loader drops them)"
        )
    meta = _convert_piece(_Piece(pieces[0].path, pieces[0].row_groups[:1], 0), conv).iloc[:0]
    frame = dd.from_map(_convert_piece, pieces, conv=conv, meta=meta, enforce_metadata=False)
    from .features import available_parts

    name = files[0].name if len(files) == 1 else f"{len(files)} Parquet files ({files[0].name}, ...)"
    ledger = LazyLedger(frame, available_parts(meta), segments, rows, name, notes, [str(f) for f in files])
    if kind == "pilot" and "label_available_at" in meta and "label" not in meta:
        raise ContractError("label_available_at without label: the files need a label column too.")
    if record:
        _record_files(ledger, files)
    return ledger


def _record_files(ledger: LazyLedger, files: Sequence[Path]) -> None:
    from livinglab.recording import record_source

    digests = []
    for f in files:
        with open(f, "rb") as fh:
            digests.append(hashlib.file_digest(fh, "sha256").hexdigest())
    sha = digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
    ledger.sha256 = sha
    record_source(
        ledger.name,
        "file",
        path=str(files[0].parent if len(files) > 1 else files[0]),
        sha256=sha,
        synthetic=False,
        detail=f"Transaction ledger: {len(files)} Parquet file(s), {ledger.rows:,} rows, read in parts",
        rows=ledger.rows,
        files=[str(f) for f in files],
        size_bytes=int(sum(Path(f).stat().st_size for f in files)),
        contract="ledger",
    )


# ----------------------------------------------------------------------------- a summary for the notebook
@dataclass
class LedgerSummary:
    rows: int
    accounts: int
    start: pd.Timestamp
    end: pd.Timestamp
    amount_median: float  # approximate (Dask's quantile)
    frauds: int | None
    daily: pd.DataFrame  # transactions per day (rows) and channel (columns)
    hourly: pd.Series  # transactions per hour of day
    segments: pd.DataFrame | None  # accounts, transactions, fraud rows per segment


def summarise(ledger: LazyLedger) -> LedgerSummary:
    """What the notebook shows about the data, in one pass of Dask reductions."""
    import dask

    f = ledger.frame
    day = f["timestamp"].dt.floor("D")
    channel = f["channel"].astype(str) if "channel" in f.columns else "all"
    work = f.assign(_day=day, _channel=channel, _hour=f["timestamp"].dt.hour)
    todo = {
        "accounts": f["account_id"].nunique(),
        "start": f["timestamp"].min(),
        "end": f["timestamp"].max(),
        "median": f["amount"].quantile(0.5),
        "daily": work.groupby(["_day", "_channel"]).size(),
        "hourly": work.groupby("_hour").size(),
    }
    if ledger.has_labels:
        todo["frauds"] = f["label"].sum()
    if ledger.segments:
        seg = ledger.segments
        keyed = f.assign(**{s: f[s].astype(str) for s in seg})
        todo["seg_size"] = keyed.groupby(list(seg)).size()
        todo["seg_accounts"] = keyed.groupby(list(seg))["account_id"].nunique()
        if ledger.has_labels:
            todo["seg_fraud"] = keyed.groupby(list(seg))["label"].sum()
    done = dict(zip(todo, dask.compute(*todo.values()), strict=True))
    segments = None
    if ledger.segments:
        table = {"accounts": done["seg_accounts"], "transactions": done["seg_size"]}
        if "seg_fraud" in done:
            table["fraud_rows"] = done["seg_fraud"]
        segments = pd.DataFrame(table).reset_index()
    daily = done["daily"].unstack(fill_value=0).sort_index()
    daily.index.name, daily.columns.name = "timestamp", None
    return LedgerSummary(
        ledger.rows,
        int(done["accounts"]),
        pd.Timestamp(done["start"]),
        pd.Timestamp(done["end"]),
        float(done["median"]),
        int(done["frauds"]) if "frauds" in done else None,
        daily,
        done["hourly"].sort_index(),
        segments,
    )


# ----------------------------------------------------------------------------- partitioned features
def _uniform(ids: np.ndarray, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per row id (splitmix64): the same for a row in any partition."""
    z = np.asarray(ids).astype(np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _ids(values: pd.Series, as_text: bool) -> np.ndarray:
    """Party ids comparable between the account and counterparty columns (numbers, or text)."""
    if as_text:
        return values.astype(str).to_numpy(dtype=object)
    return values.to_numpy(dtype=np.int64)


def _partition_of(ids: np.ndarray, n: int) -> np.ndarray:
    return (pd.util.hash_array(ids) % np.uint64(n)).astype(np.int64)


def _seconds_abs(ts: pd.Series) -> np.ndarray:
    return ts.to_numpy(dtype="datetime64[s]").astype(np.int64)


def _debit(part: pd.DataFrame, available: frozenset) -> np.ndarray:
    if "direction" in available:
        return (part["direction"].astype(str) == "debit").to_numpy()
    return np.ones(len(part), dtype=bool)


def _with_pid(part: pd.DataFrame, n: int, as_text: bool) -> pd.DataFrame:
    return part.assign(_pid=_partition_of(_ids(part["account_id"], as_text), n))


def _events_part(part: pd.DataFrame, n: int, as_text: bool, available: frozenset) -> pd.DataFrame:
    debit = _debit(part, available)
    acc = _ids(part["account_id"], as_text)
    cp = _ids(part["counterparty_id"], as_text)
    ev = graph_events(acc, cp, debit)
    t = _seconds_abs(part["timestamp"])
    cents = np.round(part["amount"].to_numpy(dtype=float) * 100).astype(np.int64)
    tid = part["transaction_id"].to_numpy(dtype=np.int64)
    row_pid = _partition_of(acc, n)
    return pd.DataFrame(
        {
            "_pid": _partition_of(ev["node"], n),
            "node": ev["node"],
            "other": ev["other"],
            "is_in": ev["is_in"].astype(np.int8),
            "t": np.concatenate([t, t]),
            "cents": np.concatenate([cents, cents]),
            "tid": np.concatenate([tid, tid]),
            "account_side": ev["account_side"],
            "_row_pid": np.concatenate([row_pid, row_pid]),
        }
    )


def _node_part(part: pd.DataFrame) -> pd.DataFrame:
    feats = node_event_features(
        part["node"].to_numpy(),
        part["other"].to_numpy(),
        part["is_in"].to_numpy(dtype=np.int64),
        part["t"].to_numpy(),
        part["cents"].to_numpy(),
    )
    out = pd.DataFrame(feats, index=part.index)
    out["tid"] = part["tid"].to_numpy()
    out["account_side"] = part["account_side"].to_numpy()
    out["_row_pid"] = part["_row_pid"].to_numpy()
    return out


@dataclass(frozen=True)
class _SplitRule:
    split: np.datetime64
    valid_start: np.datetime64
    valid_end: np.datetime64
    has_delay: bool

    @classmethod
    def of(cls, split: TimeSplit, has_delay: bool) -> _SplitRule:
        return cls(
            split.split.to_datetime64(),
            split.valid_start.to_datetime64(),
            split.valid_end.to_datetime64(),
            has_delay,
        )

    def flags(self, part: pd.DataFrame) -> dict[str, np.ndarray]:
        """The time split of ``pipeline.run_detection`` row by row, and the labels known at the split."""
        t = part["timestamp"].to_numpy()
        train = t < self.split
        valid = (t >= self.valid_start) & (t < self.valid_end) & train
        out = {"train": train, "valid": valid, "fit": train & ~valid}
        if "label" in part:
            label = part["label"].to_numpy() == 1
            known = label & (part["label_available_at"].to_numpy() <= self.split) if self.has_delay else label
            out["label"] = label
            out["known"] = known
        return out


def _features_part(
    rows: pd.DataFrame,
    acc_ev: pd.DataFrame | None,
    cp_ev: pd.DataFrame | None,
    *,
    available: frozenset,
    keep: tuple[str, ...],
    rule: _SplitRule | None,
    seed: int,
) -> pd.DataFrame:
    """``transaction_features`` on one account partition (rows sorted by time), with the ledger columns in
    ``keep`` (prefixed ``VIEW_PREFIX``), the split flags and two uniform numbers per row for sampling."""
    rows = rows.sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True)
    graph = None
    if acc_ev is not None:
        tid = rows["transaction_id"].to_numpy()
        acc = acc_ev.set_index("tid").reindex(tid)
        cp = cp_ev.set_index("tid").reindex(tid)
        graph = pd.DataFrame(
            {f"acc_{k}": acc[k].to_numpy() for k in ACCOUNT_NODE_FEATURES}
            | {f"cp_{k}": cp[k].to_numpy() for k in COUNTERPARTY_NODE_FEATURES},
            index=rows.index,
        )
        if graph.isna().any().any():
            raise FeatureError(
                "Payment-graph features are missing for some rows of an account partition: the events and the "
                "rows were not partitioned alike (a bug, not a data problem)."
            )
    X = transaction_features(rows, available, graph=graph)
    out = pd.DataFrame({"transaction_id": rows["transaction_id"].to_numpy()}, index=rows.index)
    for col in keep:
        out[VIEW_PREFIX + col] = rows[col]
    out = pd.concat([out, X], axis=1)
    ids = rows["transaction_id"].to_numpy()
    out["_u"] = _uniform(ids, 2 * seed + 1)
    out["_u2"] = _uniform(ids, 2 * seed + 2)
    if rule is not None:
        for name, values in rule.flags(rows).items():
            out[f"_{name}"] = values
    return out


def partition_count(rows: int, workers: int = 1) -> int:
    return max(2 * workers, math.ceil(rows / TARGET_PARTITION_ROWS))


def dask_features(
    ledger: LazyLedger,
    *,
    npartitions: int | None = None,
    keep: Sequence[str] = (),
    rule: _SplitRule | None = None,
    seed: int = 0,
):
    """The features of every row as a Dask frame: accounts shuffled once, the payment graph's events once by
    party (see the module docstring); columns ``transaction_id``, ``keep`` (prefixed), the features of
    ``features.transaction_features`` and the rule inputs, ``_u``/``_u2`` and, with a split, its flags."""
    import dask.dataframe as dd

    f = ledger.frame
    available = ledger.available
    n = npartitions or partition_count(ledger.rows)
    divisions = tuple(range(n + 1))
    has_cp = "counterparty" in available
    needed = ["transaction_id", "timestamp", "account_id", "amount"]
    needed += [
        c for c in ("direction", "channel", "country", "counterparty_id", "device_id") if c in f.columns
    ]
    needed += [c for c in ("label", "label_available_at") if c in f.columns and rule is not None]
    needed = list(dict.fromkeys(needed + list(keep)))
    rows = f[needed]
    as_text = not all(
        pd.api.types.is_integer_dtype(f._meta[c]) for c in ("account_id", "counterparty_id") if c in f.columns
    )
    meta_pid = _with_pid(rows._meta, n, as_text)
    by_account = rows.map_partitions(_with_pid, n, as_text, meta=meta_pid).set_index(
        "_pid", divisions=divisions
    )  # the one shuffle of the ledger's rows: whole accounts per partition
    acc_ev = cp_ev = None
    if has_cp:
        ev_meta = _events_part(rows._meta, n, as_text, available)
        events = rows.map_partitions(_events_part, n, as_text, available, meta=ev_meta)
        by_node = events.set_index("_pid", divisions=divisions)
        node_meta = _node_part(ev_meta.set_index("_pid"))
        node = by_node.map_partitions(_node_part, meta=node_meta)
        acc_ev = node[node["account_side"]]  # a party's own events: already in its account's partition
        cp_ev = node[~node["account_side"]].reset_index(drop=True).set_index("_row_pid", divisions=divisions)
    keep = tuple(keep)
    sample = rows._meta_nonempty.sort_values("timestamp")
    meta = _features_part(sample, None, None, available=available, keep=keep, rule=rule, seed=seed).iloc[:0]
    args = [by_account] + ([acc_ev, cp_ev] if has_cp else [None, None])
    return dd.map_partitions(
        _features_part,
        *args,
        available=available,
        keep=keep,
        rule=rule,
        seed=seed,
        meta=meta,
        align_dataframes=False,
        enforce_metadata=False,
    )


# ----------------------------------------------------------------------------- the run
def _count_part(part: pd.DataFrame, rule: _SplitRule) -> pd.DataFrame:
    fl = rule.flags(part)
    counts = {"rows": len(part), "train": int(fl["train"].sum()), "valid": int(fl["valid"].sum())}
    if "known" in fl:
        known, label = fl["known"], fl["label"]
        counts |= {
            "pos_fit": int((known & fl["fit"]).sum()),
            "neg_fit": int((~known & fl["fit"]).sum()),
            "pos_train": int((known & fl["train"]).sum()),
            "neg_train": int((~known & fl["train"]).sum()),
            "train_frauds": int((label & fl["train"]).sum()),
            "valid_known": int((known & fl["valid"]).sum()),
            "test_frauds": int((label & ~fl["train"]).sum()),
        }
    return pd.DataFrame([counts])


_SKLEARN_NAMES = {
    "min_data_in_leaf": "min_child_samples",
    "feature_fraction": "colsample_bytree",
    "bagging_fraction": "subsample",
    "bagging_freq": "subsample_freq",
    "lambda_l2": "reg_lambda",
    "seed": "random_state",
}


def _lightgbm_dask(client, X, y, *, config: SupervisedConfig, seed: int, categorical: list[str]):
    """LightGBM's own Dask estimator with the in-memory path's parameters; returns the fitted booster."""
    from lightgbm.dask import DaskLGBMClassifier

    params = lightgbm_params(config, seed)
    params.pop("num_threads")  # each worker trains with the threads it has
    params = {_SKLEARN_NAMES.get(k, k): v for k, v in params.items()}
    model = DaskLGBMClassifier(client=client, n_estimators=config.num_boost_round, **params)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Parameter n_jobs will be ignored")  # the estimator's own default
        model.fit(X, y, categorical_feature=categorical)
    return model.to_local().booster_


def _collect(frame, client) -> pd.DataFrame:
    """A Dask frame (or series) gathered partition by partition and concatenated here.

    ``frame.compute()`` first concatenates every partition on one worker (dask-expr's default), which kills a
    worker with a memory limit when the result is large (the 30M-row ledger's test period: 9 million rows).
    """
    futures = client.compute(frame.to_delayed())
    parts = client.gather(futures)
    del futures
    return pd.concat(parts) if parts else frame._meta


def _nonempty(frame):
    """A persisted Dask frame without its empty partitions (LightGBM's Dask training needs rows in each)."""
    lengths = frame.map_partitions(len).compute()
    keep = [i for i, n in enumerate(lengths) if n > 0]
    return frame.partitions[keep], int(sum(lengths))


def _predict_part(part: pd.DataFrame, booster, columns: list[str]) -> pd.Series:
    if len(part) == 0:
        return pd.Series(np.array([], dtype=float), index=part.index)
    return pd.Series(booster.predict(part[columns], num_threads=1), index=part.index)


@dataclass
class _Scorers:
    model_cols: list[str]
    unsup_cols: list[str]
    combination: Any
    forest: Any
    rules: RulesBaseline
    booster: Any = None
    logistic: Any = None
    lr_columns: list[str] | None = None

    def score(self, part: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=part.index)
        if len(part) == 0:
            for col in self.columns():
                out[col] = np.array([], dtype=float)
            return out
        X = part[[c for c in part.columns if not c.startswith(("_", "transaction_id"))]]
        unsup = X[self.unsup_cols].to_numpy()
        out["score_unsupervised"] = self.combination.score(unsup)
        out["score_iforest"] = self.forest.score(unsup)
        out["score_rules"] = self.rules.score(X)
        if self.booster is not None:
            out["score"] = self.booster.predict(X[self.model_cols], num_threads=1)
            lr = _one_hot(X[self.model_cols]).reindex(columns=self.lr_columns, fill_value=0.0)
            out["score_lr"] = self.logistic.score(lr.to_numpy())
        return out

    def columns(self) -> list[str]:
        cols = ["score_unsupervised", "score_iforest", "score_rules"]
        return cols + (["score", "score_lr"] if self.booster is not None else [])


def _one_hot(X: pd.DataFrame) -> pd.DataFrame:
    from .pipeline import _one_hot as one_hot

    return one_hot(X)


def _score_part(part: pd.DataFrame, scorers: _Scorers) -> pd.DataFrame:
    return pd.concat([part, scorers.score(part)], axis=1)


def run_detection_dask(
    ledger: LazyLedger,
    *,
    client=None,
    data_source: str = "synthetic",
    config=None,
    npartitions: int | None = None,
    **overrides,
):
    """``pipeline.run_detection`` out of core (see the module docstring): a :class:`pipeline.DetectionRun`
    whose ``features`` and ``test`` hold the test period only (collected), ``reference`` a training sample."""
    from distributed import default_client

    from .detectors import DetectorError
    from .outliers import Combination, DefaultForest, fit_logistic
    from .pipeline import MIN_KNOWN_FRAUDS, DetectionRun, configure, finish_test_period

    cfg = configure(config, overrides)
    client = client or default_client()
    timings: dict[str, float] = {}
    notes: list[str] = []
    workers = worker_count(client)
    t0 = time.perf_counter()
    f = ledger.frame
    has_delay = "label_available_at" in f.columns
    maturity = pd.Timedelta(days=cfg.label_maturity_days if has_delay else 0)
    ts = np.sort(_collect(f["timestamp"], client).to_numpy())  # one column collected: the exact cut points
    if len(ts) < 200:
        raise ContractError(f"The ledger has only {len(ts)} rows; the pilot needs at least 200.")
    split = time_split(pd.Series(ts), cfg.train_frac, cfg.valid_frac, maturity)
    del ts
    rule = _SplitRule.of(split, has_delay)
    counts = f.map_partitions(_count_part, rule, meta=_count_part(f._meta_nonempty.head(1), rule).iloc[:0])
    counts = counts.sum().compute().astype(int).to_dict()
    timings["split_s"] = time.perf_counter() - t0

    available = ledger.available
    model_cols = feature_names(available)
    unsup_cols = [c for c in UNSUPERVISED_FEATURES if c in model_cols]
    all_cols = [*model_cols, *RULE_INPUTS]
    has_labels = ledger.has_labels
    labels: dict = {}
    if has_labels:
        labels = {
            "train_frauds": counts["train_frauds"],
            "train_frauds_known": counts["pos_train"],
            "train_frauds_pending": counts["train_frauds"] - counts["pos_train"],
            "valid_frauds_known": counts["valid_known"],
            "test_frauds": counts["test_frauds"],
        }
    supervised = has_labels and labels["train_frauds_known"] >= MIN_KNOWN_FRAUDS
    if has_labels and not supervised:
        notes.append(
            f"Only {labels['train_frauds_known']} frauds were known in the training period (at least "
            f"{MIN_KNOWN_FRAUDS} are needed to learn from): the unsupervised combination is the model."
        )
    threshold_model = supervised and counts["pos_fit"] >= 2 and counts["valid_known"] >= 1
    if supervised and not threshold_model:
        notes.append(
            "Too few known frauds in the validation window to choose a cost threshold: the cost view is skipped."
        )
    scfg = cfg.supervised
    p_train = p_fit = 0.0
    if supervised:
        p_train = negatives_to_keep(counts["pos_train"], counts["neg_train"], scfg) / max(
            1, counts["neg_train"]
        )
        p_fit = negatives_to_keep(counts["pos_fit"], counts["neg_fit"], scfg) / max(1, counts["neg_fit"])
    p_base = min(1.0, BASELINE_SAMPLE_ROWS / max(1, counts["train"]))

    segments = tuple(ledger.segments)
    view_cols = [
        c
        for c in (
            "timestamp",
            "account_id",
            "counterparty_id",
            "amount",
            "direction",
            "channel",
            "country",
            *segments,
            "label",
            "typology",
        )  # fmt: skip
        if c in f.columns
    ]
    t0 = time.perf_counter()
    F = dask_features(ledger, npartitions=npartitions or partition_count(ledger.rows, workers), keep=view_cols,
                      rule=rule, seed=cfg.seed)  # fmt: skip
    known_col = ["_known"] if has_labels else []
    wanted = {
        "base": F[F["_train"] & (F["_u2"] < p_base)][["transaction_id", *all_cols, *known_col]],
        "test": F[~F["_train"]][["transaction_id", *[VIEW_PREFIX + c for c in view_cols], *all_cols]],
    }
    if supervised:
        p_cand = max(p_train, p_fit if threshold_model else 0.0)
        wanted["train"] = F[F["_train"] & (F["_known"] | (F["_u"] < p_cand))][
            [*model_cols, "_known", "_u", "_fit"]
        ]
        if threshold_model:
            wanted["valid"] = F[F["_valid"]][[*model_cols, "_known", VIEW_PREFIX + "amount"]]
    persisted = dict(zip(wanted, client.persist(list(wanted.values())), strict=True))
    from distributed import wait

    wait(list(persisted.values()))
    timings["features_s"] = time.perf_counter() - t0

    # ------------------------------------------------------------------ baselines on the training sample
    t0 = time.perf_counter()
    base = (
        _collect(persisted["base"], client)
        .sort_values("transaction_id", kind="stable")
        .reset_index(drop=True)
    )
    combination = Combination.fit(base[unsup_cols].to_numpy(), unsup_cols, seed=cfg.seed)
    forest = DefaultForest.fit(base[unsup_cols].to_numpy(), seed=cfg.seed)
    rules = RulesBaseline.fit(base[all_cols])
    timings["unsupervised_and_rules_s"] = time.perf_counter() - t0
    scorers = _Scorers(model_cols, unsup_cols, combination, forest, rules)

    model = logistic = choice = curve = None
    categorical = [c for c in CATEGORICAL if c in model_cols]
    if supervised:
        t0 = time.perf_counter()
        train = persisted["train"]
        if threshold_model:
            fit_rows, _ = _nonempty(train[train["_fit"] & (train["_known"] | (train["_u"] < p_fit))])
            booster_valid = _lightgbm_dask(
                client, fit_rows[model_cols], fit_rows["_known"].astype("int8"), config=scfg, seed=cfg.seed,
                categorical=categorical,
            )  # fmt: skip
            valid = persisted["valid"]
            scored = _collect(
                valid.assign(
                    _score=valid.map_partitions(
                        _predict_part, booster_valid, model_cols, meta=("_score", "f8")
                    )
                )[["_score", "_known", VIEW_PREFIX + "amount"]],
                client,
            )
            y_valid = scored["_known"].to_numpy().astype(np.int8)
            amount_valid = scored[VIEW_PREFIX + "amount"].to_numpy(dtype=float)
            kw = {"review_cost": cfg.review_cost_eur, "loss_share": cfg.loss_share}
            curve = ev.cost_curve(scored["_score"].to_numpy(), y_valid, amount_valid, **kw)
            choice = ev.choose_cost_threshold(scored["_score"].to_numpy(), y_valid, amount_valid, **kw)
        train_rows, n_used = _nonempty(train[train["_known"] | (train["_u"] < p_train)])
        booster = _lightgbm_dask(
            client, train_rows[model_cols], train_rows["_known"].astype("int8"), config=scfg, seed=cfg.seed,
            categorical=categorical,
        )  # fmt: skip
        model = SupervisedModel(
            booster, model_cols, categorical, counts["pos_train"], n_used - counts["pos_train"],
            counts["neg_train"], scfg,
        )  # fmt: skip
        timings["supervised_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        X_lr = _one_hot(base[model_cols])
        logistic = fit_logistic(X_lr.to_numpy(), base["_known"].to_numpy(), seed=cfg.seed)
        timings["logistic_s"] = time.perf_counter() - t0
        scorers.booster, scorers.logistic, scorers.lr_columns = booster, logistic, list(X_lr.columns)
    elif not has_labels:
        notes.append(
            "No labels: the unsupervised combination ranks the transactions; there is no evaluation, no "
            "logistic regression and no cost threshold."
        )

    # ------------------------------------------------------------------ the test period, scored on the workers
    t0 = time.perf_counter()
    test_dd = persisted["test"]
    score_meta = pd.concat([test_dd._meta, scorers.score(test_dd._meta)], axis=1)
    collected = _collect(test_dd.map_partitions(_score_part, scorers, meta=score_meta), client)
    client.cancel(list(persisted.values()))
    collected = collected.sort_values([VIEW_PREFIX + "timestamp", "transaction_id"], kind="stable")
    collected.index = pd.Index(collected["transaction_id"].to_numpy(), name=None)
    X_test = collected[all_cols]
    test = pd.DataFrame({"transaction_id": collected["transaction_id"].to_numpy()}, index=collected.index)
    for col in view_cols:
        test[col] = collected[VIEW_PREFIX + col]
    if has_labels and "typology" not in test:
        test["typology"] = np.where(test["label"] == 1, "fraud", "none")
    for col in scorers.columns():
        test[col] = collected[col].to_numpy()
    if not supervised:
        test["score"] = test["score_unsupervised"]
    del collected
    timings["scoring_s"] = time.perf_counter() - t0

    test, metrics, cost_test, timings["alerts_s"] = finish_test_period(
        test,
        cfg=cfg,
        choice=choice,
        supervised=supervised,
        labels=labels,
        rows=ledger.rows,
        n_features=len(model_cols),
        available=available,
        data_source=data_source,
    )
    metrics.update(engine="dask", dask_workers=workers, baseline_sample_rows=int(len(base)))
    if len(base) < counts["train"]:
        notes.append(
            f"The baselines were fitted on a uniform sample of {len(base):,} of the {counts['train']:,} training "
            "rows (the in-memory path fits them on at most 400,000 (logistic regression) and 200,000 "
            "(unsupervised) rows anyway; the rules' percentiles come from the sample)."
        )
    timings["total_s"] = sum(timings.values())
    if model is not None and len(test) == 0:
        raise DetectorError("The test period is empty.")
    return DetectionRun(
        data_source,
        cfg,
        split,
        X_test,
        model_cols,
        unsup_cols,
        available,
        test,
        supervised,
        model,
        combination,
        logistic,
        rules,
        choice,
        cost_test,
        curve,
        labels,
        metrics,
        timings,
        notes,
        engine="dask",
        reference=base[unsup_cols],
    )


__all__ = [
    "BYTES_PER_ROW",
    "ENGINES",
    "EngineChoice",
    "LazyLedger",
    "LedgerSummary",
    "NODE_FEATURES",
    "ScaleError",
    "choose_engine",
    "close_shared_clients",
    "dask_client",
    "dask_features",
    "memory_budget_bytes",
    "parquet_files",
    "parquet_rows",
    "read_parquet_ledger",
    "run_detection_dask",
    "shared_client",
    "summarise",
]
