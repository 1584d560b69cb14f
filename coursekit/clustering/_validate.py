"""Argument checks of the clustering references: centres, labels and the number of clusters.

They follow the course's one rule and call its helpers (:mod:`coursekit._checks`, where the rule is written down):
``TypeError`` when the kind is wrong, ``ValueError`` when the kind is right but the value is not. Every message says
what was expected and what was given.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_int_array, as_real_array, check_int


def as_centers(centers, k: int | None, d: int, name: str = "centers") -> np.ndarray:
    """Centres as a C-contiguous float64 ``(k, D)`` array (any ``k >= 1`` when ``k`` is None)."""
    arr = as_real_array(centers, name)
    expected = f"({k}, {d})" if k is not None else f"(k, {d})"
    if arr.ndim != 2 or arr.shape[1] != d or (k is not None and arr.shape[0] != k) or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape {expected}, one row per cluster with as many coordinates as X, "
                         f"given shape {arr.shape}")
    return np.ascontiguousarray(arr)


def as_labels(labels, shapes: tuple, k: int | None = None, name: str = "labels", what: str = "labels",
              per: str = "one label per point") -> np.ndarray:
    """Integer labels of one of the ``shapes``, as int64; within ``0 .. k - 1`` when ``k`` is given."""
    arr = as_int_array(labels, name, f"integer {what}")
    if arr.shape not in shapes:
        expected = " or ".join(str(s) for s in shapes)
        raise ValueError(f"{name} must have shape {expected}, {per}, given shape {arr.shape}")
    if k is not None and arr.size and (arr.min() < 0 or arr.max() >= k):
        bad = int(np.argmax((arr.ravel() < 0) | (arr.ravel() >= k)))
        raise ValueError(f"{name} must lie in 0 .. k-1 = {k - 1}, given label {int(arr.ravel()[bad])} at index {bad}")
    return arr


def check_k(k, n: int) -> int:
    """The number of clusters: an int with ``1 <= k <= n``."""
    k = check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k must be at most the number of points N={n}, given k={k}")
    return k
