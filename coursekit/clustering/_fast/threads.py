"""Threads and tiles for the clustering kernels.

numpy releases the GIL inside its loops, so tiles of points processed on a small thread pool run in parallel. The
pool is created on first use and forgotten in a forked child (its threads do not exist there), so that a process
forked by a grader or a multiprocessing pool starts its own.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: OpenBLAS runs a matrix product on one thread when ``m * n * k <= 4 * 65536``. The kernels cut their products into
#: tiles under that size: on a busy machine multi-threaded BLAS calls on thin matrices stall for milliseconds each,
#: and small tiles stay in cache.
TILE_MNK = 4 * 65536

#: Above this many centres, one row of distances per point beats one pass over the points per centre.
WIDE = 16

_POOL: ThreadPoolExecutor | None = None


def workers() -> int:
    """Threads for the tiled kernels: the CPUs, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def pool() -> ThreadPoolExecutor:
    """The shared thread pool (created on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="coursekit-clustering")
    return _POOL


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: start a new pool when one is needed."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def chunks(n: int, minimum: int = 16384) -> list[tuple[int, int]]:
    """Contiguous ranges splitting ``0 .. n`` for the thread pool (a few per thread; one when ``n`` is small)."""
    parts = max(1, min(2 * workers(), n // minimum))
    edges = np.linspace(0, n, parts + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def run_chunks(fn, ranges):
    """``[fn(a, b) for a, b in ranges]``, on the thread pool when there are several ranges."""
    if len(ranges) > 1:
        return list(pool().map(lambda ab: fn(*ab), ranges))
    return [fn(a, b) for a, b in ranges]
