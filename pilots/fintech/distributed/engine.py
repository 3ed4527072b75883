"""Which engine runs a ledger: ``pandas`` (every row in memory) or ``dask`` (partitioned), and why.

``auto`` takes Dask when the ledger's rows times the measured memory per row of the in-memory path
(``BYTES_PER_ROW``) exceed the memory budget (default: half of this machine's memory) and the input can be read
in parts (Parquet files, counted from their footers, or a ledger generated in memory). Nothing here imports
Dask.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

ENGINES = ("auto", "pandas", "dask")
# Peak memory of the in-memory path per ledger row (generation, features, models, evaluation and oversight):
# the benchmark measured 13.6 GiB (14.26e9 bytes) for 10 million rows; engine "auto" compares rows x this with
# the budget.
BYTES_PER_ROW = 1_430
DEFAULT_WORKERS = 2  # worker processes of a cluster started on this machine (the memory budget shared)


class ScaleError(ValueError):
    """A setting of the out-of-core path that cannot work; the message says what to change."""


def machine_memory_bytes() -> int:
    """This machine's physical memory (Linux, macOS)."""
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def memory_budget_bytes(gib: float = 0.0) -> int:
    """The memory budget in bytes: ``gib`` GiB, or half of this machine's memory when 0."""
    if gib is None or gib < 0:
        raise ScaleError(f"memory_budget_gib must be 0 (half of this machine's memory) or more, not {gib!r}.")
    if gib == 0:
        return machine_memory_bytes() // 2
    return int(gib * 2**30)


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # "pandas" or "dask"
    requested: str
    rows: int
    estimated_bytes: int
    budget_bytes: int
    reason: str
    bytes_per_row: int = BYTES_PER_ROW  # the in-memory path's measured peak per row


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


def worker_count(client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
