"""The ledger design out of core: the same steps as in memory, partitioned on a Dask cluster.

``run.run_ledger`` switches here (a lazy import) when ``engine`` is ``dask``, or ``auto`` and the ledger's
rows need more memory than the budget (:func:`engine.choose_engine`). Nothing else imports this package, and
nothing here imports Dask until the Dask path runs.

- The data: a partner's Parquet ledger comes from ``livinglab.load(..., lazy=True)`` (read once, in parts,
  through the ledger contract; :meth:`ledger.LazyLedger.from_loaded` converts each part as the in-memory
  loader converts a whole ledger); a generated ledger is partitioned from memory.
- The cluster: ``livinglab.cluster.client`` (the lab's one seam), at the run's ``cluster`` parameter or
  ``LIVINGLAB_CLUSTER`` (``livinglab.cluster.cluster_address``); empty: ``DEFAULT_WORKERS`` worker processes
  started on this machine, sharing the memory budget; closed when the detection is done.
- The steps: :mod:`.features` (features by account partition, the in-memory feature function on each) and
  :mod:`.detect` (split, LightGBM's Dask estimator, the baselines on a training sample, the test period
  scored on the workers and collected). What follows (claims, segments, queue, pages) is the in-memory code.
"""

from __future__ import annotations

from .engine import (
    BYTES_PER_ROW,
    DEFAULT_WORKERS,
    ENGINES,
    EngineChoice,
    ScaleError,
    choose_engine,
    memory_budget_bytes,
)

__all__ = [
    "BYTES_PER_ROW",
    "DEFAULT_WORKERS",
    "ENGINES",
    "EngineChoice",
    "ScaleError",
    "choose_engine",
    "detect_ledger",
    "memory_budget_bytes",
]


def detect_ledger(data, cfg, *, cluster: str = "", memory_budget_gib: float = 0.0, ledger=None, how=None):
    """The ledger's detection on Dask: ``(LedgerDetection, LedgerOverview, LazyLedger)``.

    ``data``: the run's ``livinglab.Loaded`` (a lazy Parquet ledger), or ``ledger`` (``data.LedgerData``, a
    ledger in memory: the generated one) to partition. ``cluster``: a scheduler address, ``local`` or
    ``slurm:<profile>``; empty: ``LIVINGLAB_CLUSTER``, else workers started here. ``how``: the
    ``value_codes``, ``mapping`` and ``currency`` of ``data.ledger_frame`` (a lazy ledger's); ``cfg.currency``
    is set to the ledger's currency.
    """
    from livinglab.cluster import client, cluster_address

    from ..data import ledger_overview
    from .detect import detect_dask
    from .ledger import LazyLedger, overview

    address = cluster_address(cluster) or "local"
    limit = max(2**30, memory_budget_bytes(memory_budget_gib) // DEFAULT_WORKERS)
    with client(address, n_workers=DEFAULT_WORKERS, memory_limit=limit) as connected:
        if ledger is not None:
            lazy = LazyLedger.from_frame(ledger)
            seen = ledger_overview(ledger)
        else:
            options = {k: v for k, v in (how or {}).items() if k != "dropped_before"}
            lazy = LazyLedger.from_loaded(data, **options)
            seen = overview(lazy)
        cfg.currency = lazy.currency
        det = detect_dask(lazy, cfg, client=connected)
    det.notes[:0] = lazy.notes
    return det, seen, lazy
