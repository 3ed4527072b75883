"""The thread budget and the limit on BLAS/OpenMP pools."""

from __future__ import annotations

import os

import numpy as np  # noqa: F401  (loads the BLAS library whose pool is limited)
import pytest
from threadpoolctl import threadpool_info

from livinglab.threads import THREADS_ENV, limit_threads, n_jobs, thread_budget


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_budget_defaults_to_the_cpus_of_this_process(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert thread_budget() == len(os.sched_getaffinity(0)) == n_jobs()
    monkeypatch.setenv(THREADS_ENV, "3")
    assert thread_budget() == 3 and n_jobs() == 3


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_budget_is_one_clear_sentence(monkeypatch, value):
    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(ValueError, match=f"{THREADS_ENV} must be a whole number"):
        thread_budget()


def test_limit_is_a_context_manager_and_a_decorator(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "2")
    before = _blas_threads()

    @limit_threads(1)
    def inside() -> tuple[int, set[int]]:
        return n_jobs(), _blas_threads()

    assert inside() == (1, {1})
    with limit_threads() as limit:
        assert limit == 2 == n_jobs()
        with limit_threads(8) as capped:  # never above the budget
            assert capped == 2
    assert n_jobs() == 2 and _blas_threads() == before
    with pytest.raises(ValueError, match="at least 1 thread"):
        with limit_threads(0):
            pass
