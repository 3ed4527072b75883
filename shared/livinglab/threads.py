"""One thread budget for every pilot, and one way to keep numerical libraries within it.

``LIVINGLAB_THREADS`` sets the budget (default: the CPUs this process may run on). ``limit_threads(n)``,
a context manager and a decorator, caps the BLAS and OpenMP pools (threadpoolctl) at ``n`` threads
(default and maximum: the budget). ``n_jobs()`` is the value to pass as LightGBM's ``num_threads`` /
``n_jobs`` or scikit-learn's ``n_jobs``: the active limit inside ``limit_threads``, the budget outside::

    from livinglab.threads import limit_threads, n_jobs

    @limit_threads(1)                       # tiny fits: one thread beats spinning pools on busy cores
    def fit(...): ...
    lgb.LGBMRegressor(n_jobs=n_jobs())
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from threadpoolctl import threadpool_limits

THREADS_ENV = "LIVINGLAB_THREADS"
_active: ContextVar[int | None] = ContextVar("livinglab_thread_limit", default=None)


def thread_budget() -> int:
    """Threads the pilots may use: ``LIVINGLAB_THREADS``, else the CPUs available to this process."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{THREADS_ENV} must be a whole number of threads of at least 1, not {raw!r}.")
        return int(raw)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on macOS and Windows
        return os.cpu_count() or 1


def n_jobs() -> int:
    """The ``n_jobs`` / ``num_threads`` value for LightGBM and scikit-learn at this point of the code."""
    return _active.get() or thread_budget()


@contextmanager
def limit_threads(threads: int | None = None, *, user_api: str | None = None) -> Iterator[int]:
    """Cap BLAS/OpenMP pools (``user_api``: "blas" or "openmp" only) at ``threads`` within the budget."""
    if threads is not None and threads < 1:
        raise ValueError(f"limit_threads needs at least 1 thread, not {threads}.")
    limit = min(threads or thread_budget(), thread_budget())
    token = _active.set(limit)
    try:
        with threadpool_limits(limits=limit, user_api=user_api):
            yield limit
    finally:
        _active.reset(token)
