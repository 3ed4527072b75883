"""Run numerical code single-threaded.

At this pilot's sizes (hundreds to thousands of participants) one thread is as fast as several, and
on a shared or busy machine OpenMP/BLAS thread pools that spin-wait for busy cores can be ten to a
hundred times slower (measured: k-means bootstrap 17 s with the default pools, 0.6 s with one thread).
"""

from __future__ import annotations

import functools

from threadpoolctl import threadpool_limits


def single_threaded(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper
