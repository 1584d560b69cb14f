"""Argument checks of the clustering references: point sets, labels, centres, and the scalar parameters.

The course's one rule (as numpy and scikit-learn): ``TypeError`` when the kind is wrong (not numeric data, not an
integer, not a number, not a bool, a str expected); ``ValueError`` when the kind is right but the value is not (shape,
range, NaN or infinity, an unknown name). Integers, numbers and seeds are checked by :mod:`coursekit._checks`; the
checks of arrays specific to point sets are here. Every message says what was expected and what was given.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_int, check_nonneg


def as_real_array(a, name: str) -> np.ndarray:
    """``a`` as a float64 array; TypeError for non-numeric, bool or complex data, ValueError for NaN or infinity."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (an integer or float dtype), given dtype {arr.dtype}")
    out = np.asarray(arr, dtype=np.float64)
    bad = ~np.isfinite(out)
    if bad.any():
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), out.shape))
        raise ValueError(f"{name} must hold finite numbers, given {out[pos]} at index "
                         f"{pos[0] if len(pos) == 1 else pos}")
    return out


def as_points(X, name: str = "X") -> np.ndarray:
    """A point set as a C-contiguous float64 ``(N, D)`` array with ``N, D >= 1``."""
    arr = as_real_array(X, name)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 3:
            hint = f"; for an image of shape (H, W, C) pass {name}.reshape(-1, C)"
        elif arr.ndim == 1:
            hint = f"; for N scalar values pass {name}.reshape(-1, 1)"
        raise ValueError(f"{name} must be a 2-D array of points of shape (N, D), given shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of at least one coordinate, given shape {arr.shape}")
    return np.ascontiguousarray(arr)


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
    """Integer labels of one of the ``shapes``, as int64; within ``0 .. k - 1`` when ``k`` is given.

    TypeError for data that are not numbers; ValueError for numbers of a non-integer dtype (with a hint), a wrong
    shape or a label out of range.
    """
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iufb":
        raise TypeError(f"{name} must hold integer {what} (an integer dtype), given dtype {arr.dtype}")
    if arr.dtype.kind not in "iu":
        hint = "; convert whole numbers with .astype(np.int64)" if arr.dtype.kind == "f" else ""
        raise ValueError(f"{name} must hold integer {what} (an integer dtype), given dtype {arr.dtype}{hint}")
    if arr.shape not in shapes:
        expected = " or ".join(str(s) for s in shapes)
        raise ValueError(f"{name} must have shape {expected}, {per}, given shape {arr.shape}")
    arr = arr.astype(np.int64, copy=False)
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


def check_positive(value, name: str) -> float:
    """A finite real number ``> 0`` as a float (a bandwidth)."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and value <= 0:
        raise ValueError(f"{name} must be > 0, given {value:g}")
    return check_nonneg(value, name)


def check_bool(value, name: str, none: bool = False) -> bool | None:
    """True or False (or None when ``none``); TypeError for anything else."""
    if (none and value is None) or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    expected = "True, False or None" if none else "True or False"
    raise TypeError(f"{name} must be {expected}, given {type(value).__name__} {value!r}")


def check_choice(value, name: str, choices: tuple) -> str:
    """One of the names ``choices``: TypeError when ``value`` is not a str, ValueError when it is not one of them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {list(choices)}, given {type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, given {value!r}")
    return value
