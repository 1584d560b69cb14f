"""Clustering for segmentation: k-means, Gaussian mixtures fitted by EM, and mean shift.

Notation (as in the lecture)
----------------------------
A point set is an ``(N, D)`` array ``X`` of rows ``x_i`` (for colour segmentation: one row per pixel, ``D = 3``
colour coordinates, possibly with ``(row, col)`` appended). Labels are ``int64`` arrays of shape ``(N,)``.

- **k-means** (Lloyd 1982, MacQueen 1967): ``k`` centres ``c_1 .. c_k`` minimising the sum of squared distances
  (SSD, "inertia") ``J = sum_i ||x_i - c_{l_i}||^2``. Lloyd's algorithm alternates the *assignment step*
  ``l_i = argmin_j ||x_i - c_j||^2`` (:func:`assign_labels`) and the *update step* ``c_j = mean{x_i : l_i = j}``
  (:func:`update_centers`); neither step can increase ``J``. Centres start from k-means++ (Arthur & Vassilvitskii
  2007, :func:`kmeans_plus_plus`), from ``k`` random points, or from given centres.
- **Gaussian mixture** with full covariances ``p(x) = sum_j pi_j N(x | mu_j, Sigma_j)``, fitted by EM (Dempster, Laird &
  Rubin 1977): the *E-step* computes responsibilities ``gamma_ij = pi_j N(x_i | mu_j, Sigma_j) / p(x_i)``
  (:func:`e_step`), the *M-step* re-estimates ``pi_j = N_j / N``, ``mu_j = sum_i gamma_ij x_i / N_j``,
  ``Sigma_j = sum_i gamma_ij (x_i - mu_j)(x_i - mu_j)^T / N_j`` with ``N_j = sum_i gamma_ij`` (:func:`m_step`). The
  mean log-likelihood ``(1/N) sum_i log p(x_i)`` never decreases.
- **Mean shift** (Comaniciu & Meer 2002): from a starting point ``y``, repeat ``y <- m(y)`` with the sample mean
  ``m(y) = sum_i K(x_i - y) x_i / sum_i K(x_i - y)`` (:func:`mean_shift_step`) until ``y`` stops moving; ``y`` climbs
  the kernel density estimate to a mode. A point's segment is the mode its *own* trajectory reaches (its basin of
  attraction), not the nearest mode. Kernels: ``"flat"`` (``K = 1`` when ``||x_i - y|| <= h``, else 0; as
  scikit-learn) and ``"gaussian"`` (``K = exp(-||x_i - y||^2 / (2 h^2))``), ``h`` the bandwidth.

:func:`segment_image` turns a label map into the image of the segments' mean colours.

References
----------
.. [1] S. P. Lloyd, "Least squares quantization in PCM", IEEE Transactions on Information Theory 28(2):129-137, 1982.
.. [2] J. MacQueen, "Some methods for classification and analysis of multivariate observations", Proc. 5th Berkeley
   Symposium on Mathematical Statistics and Probability, vol. 1, pp. 281-297, 1967.
.. [3] D. Arthur, S. Vassilvitskii, "k-means++: The Advantages of Careful Seeding", Proc. 18th ACM-SIAM Symposium on
   Discrete Algorithms (SODA), pp. 1027-1035, 2007.
.. [4] A. P. Dempster, N. M. Laird, D. B. Rubin, "Maximum Likelihood from Incomplete Data via the EM Algorithm",
   Journal of the Royal Statistical Society B 39(1):1-38, 1977.
.. [5] D. Comaniciu, P. Meer, "Mean Shift: A Robust Approach Toward Feature Space Analysis", IEEE Transactions on
   Pattern Analysis and Machine Intelligence 24(5):603-619, 2002.
.. [6] G. Hamerly, "Making k-means even faster", Proc. SIAM International Conference on Data Mining, pp. 130-140,
   2010 (the distance bounds :func:`kmeans` uses to skip points whose label cannot change).

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
>>> result = kmeans(X, 2, init=X[[0, 2]])
>>> result.labels
array([0, 0, 1, 1])
>>> result.centers
array([[ 0. ,  0.5],
       [10. , 10.5]])
>>> result.inertia
1.0
"""

from __future__ import annotations

import math
import numbers
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

__all__ = [
    "kmeans",
    "KMeansResult",
    "KMeansStep",
    "assign_labels",
    "update_centers",
    "kmeans_plus_plus",
    "inertia",
    "gmm_em",
    "GMMResult",
    "e_step",
    "m_step",
    "mean_shift",
    "MeanShiftResult",
    "mean_shift_step",
    "segment_image",
]

_EPS = np.finfo(np.float64).eps
_KERNELS = ("flat", "gaussian")
_INITS = ("k-means++", "random")

# OpenBLAS runs a matrix product on one thread when m * n * k <= 4 * 65536. The distance kernels below cut their
# products into tiles under that size: on a busy machine, multi-threaded BLAS calls on thin matrices stall for
# milliseconds each, and small tiles stay in cache.
_TILE_MNK = 4 * 65536


_POOL: ThreadPoolExecutor | None = None


def _workers() -> int:
    """Threads for the tiled kernels: numpy releases the GIL inside its loops, so tiles run in parallel."""
    return max(1, min(8, os.cpu_count() or 1))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="coursekit-clustering")
    return _POOL


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: start a new pool when one is needed."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


# ---------------------------------------------------------------------------------------------------------------
# validation


def _check_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int; ValueError when it is not an integer (bool is refused) or out of range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, given {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, given {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, given {value}")
    return value


def _check_float(value, name: str, minimum: float = 0.0, strict: bool = False) -> float:
    """``value`` as a finite Python float ``>= minimum`` (``> minimum`` when ``strict``); ValueError otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, given {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, given {value}")
    if value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be {relation} {minimum:g}, given {value:g}")
    return value


def _as_float_array(a, name: str) -> np.ndarray:
    """``a`` as a float64 array; ValueError for non-numeric, complex or bool data and for NaN or infinity."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers (an integer or float dtype), given dtype {arr.dtype}")
    out = np.asarray(arr, dtype=np.float64)
    if out.size and not np.isfinite(out).all():
        flat = int(np.argmax(~np.isfinite(out).ravel()))
        pos = tuple(int(i) for i in np.unravel_index(flat, out.shape))
        raise ValueError(f"{name} must hold finite numbers, given {out.ravel()[flat]} at index "
                         f"{pos[0] if len(pos) == 1 else pos}")
    return out


def _as_points(X, name: str = "X") -> np.ndarray:
    """A point set as a C-contiguous float64 ``(N, D)`` array with ``N, D >= 1``; ValueError otherwise."""
    arr = np.asarray(X)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 3:
            hint = f"; for an image of shape (H, W, C) pass {name}.reshape(-1, C)"
        elif arr.ndim == 1:
            hint = f"; for N scalar values pass {name}.reshape(-1, 1)"
        raise ValueError(f"{name} must be a 2-D array of points of shape (N, D), given shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of at least one coordinate, given shape {arr.shape}")
    return np.ascontiguousarray(_as_float_array(arr, name))


def _check_k(k, n: int) -> int:
    k = _check_int(k, "k", minimum=1)
    if k > n:
        raise ValueError(f"k must be at most the number of points N={n}, given k={k}")
    return k


def _as_labels(labels, n: int, name: str = "labels") -> np.ndarray:
    """A label vector of length ``n`` as int64; ValueError for a wrong shape or a non-integer dtype."""
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer labels (an integer dtype), given dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per point, given shape {arr.shape}")
    return arr.astype(np.int64, copy=False)


def _as_centers(centers, k: int | None, d: int, name: str = "centers") -> np.ndarray:
    arr = np.asarray(centers)
    expected = f"({k}, {d})" if k is not None else f"(k, {d})"
    if arr.ndim != 2 or arr.shape[1] != d or (k is not None and arr.shape[0] != k) or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape {expected}, one row per cluster with as many coordinates as X, "
                         f"given shape {arr.shape}")
    return np.ascontiguousarray(_as_float_array(arr, name))


def _rng(seed) -> np.random.Generator:
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as err:
        raise TypeError(f"seed must be None, an int or a numpy.random.Generator, given {seed!r} ({err})") from None


# ---------------------------------------------------------------------------------------------------------------
# k-means: the assignment kernel


def _nearest_two_tile(XT: np.ndarray, Cm2: np.ndarray, c2: np.ndarray, lab: np.ndarray, d1: np.ndarray,
                      d2: np.ndarray) -> None:
    """``_nearest_two`` for one tile of points ``XT`` (D, n), written into ``lab``, ``d1``, ``d2`` (views)."""
    k = Cm2.shape[0]
    g = Cm2 @ XT  # (k, n): -2 x.c
    g += c2[:, None]  # ||c||^2 - 2 x.c
    best = g[0].copy()
    if k == 1:
        lab[:] = 0
        d1[:] = best
        d2[:] = np.inf
        return
    n = XT.shape[1]
    small = np.uint8 if k <= 256 else np.int64
    arg = np.zeros(n, dtype=small)
    second = np.full(n, np.inf)
    tmp = np.empty(n)
    better = np.empty(n, dtype=bool)
    index = np.empty(n, dtype=small)
    for j in range(1, k):
        gj = g[j]
        np.maximum(gj, best, out=tmp)
        np.minimum(second, tmp, out=second)
        np.less(gj, best, out=better)
        # the argmin is the last j at which the running minimum strictly decreased (ties: lowest index)
        np.multiply(better.view(np.uint8) if small is np.uint8 else better, small(j), out=index)
        np.maximum(arg, index, out=arg)
        np.minimum(best, gj, out=best)
    lab[:] = arg
    d1[:] = best
    d2[:] = second


def _nearest_two_tile_wide(XT: np.ndarray, Cm2: np.ndarray, c2: np.ndarray, lab: np.ndarray, d1: np.ndarray,
                           d2: np.ndarray) -> None:
    """``_nearest_two_tile`` for many centres: one row of distances per point, argmin and min along the rows."""
    g = XT.T @ Cm2.T  # (n, k): -2 x.c
    g += c2
    rows = np.arange(g.shape[0])
    arg = np.argmin(g, axis=1)  # first minimum: ties to the lowest index
    lab[:] = arg
    d1[:] = g[rows, arg]
    g[rows, arg] = np.inf
    np.min(g, axis=1, out=d2)


_WIDE = 16  # above this many centres, one row of distances per point beats one pass per centre


def _nearest_two(XT: np.ndarray, x2: np.ndarray, C: np.ndarray, c2: np.ndarray, tie_tol: float,
                 parallel: bool = True):
    """Nearest centre of every point (column of ``XT``, shape (D, n)) and the squared distances to the nearest and
    second-nearest centre.

    Distances come from ``||x||^2 - 2 x.c + ||c||^2`` (matrix products, in tiles); rows whose two smallest values are
    within ``tie_tol`` (the rounding error of that formula) are decided again with ``((x - c)**2).sum()``, so the
    labels are those of the direct formula, ties to the lowest index. ``d2`` is ``inf`` when ``k == 1``. With
    ``parallel`` the tiles run on the thread pool (never from inside a pool thread).
    """
    d, n = XT.shape
    k = C.shape[0]
    lab = np.empty(n, dtype=np.int64)
    d1 = np.empty(n)
    d2 = np.empty(n)
    cols = max(256, min(8192, _TILE_MNK // max(1, k * d)))
    Cm2 = -2.0 * C
    tiles = [(a, min(a + cols, n)) for a in range(0, n, cols)]

    tile = _nearest_two_tile_wide if k > _WIDE else _nearest_two_tile

    def run(group):
        for a, b in group:
            tile(XT[:, a:b], Cm2, c2, lab[a:b], d1[a:b], d2[a:b])

    workers = _workers()
    if parallel and workers > 1 and len(tiles) > 1 and n * k >= 100_000:
        groups = [tiles[i::2 * workers] for i in range(2 * workers)]
        list(_pool().map(run, groups))
    else:
        run(tiles)
    d1 += x2
    d2 += x2
    if k > 1:
        near = np.flatnonzero(d2 - d1 <= tie_tol)
        if near.size:
            exact = ((XT[:, near].T[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
            lab[near] = np.argmin(exact, axis=1)
            part = np.partition(exact, 1, axis=1)
            d1[near] = part[:, 0]
            d2[near] = part[:, 1]
    np.maximum(d1, 0.0, out=d1)
    np.maximum(d2, 0.0, out=d2)
    return lab, d1, d2


def _tie_tolerance(d: int, x2max: float, c2max: float) -> float:
    """Bound on the rounding error of ``||x||^2 - 2 x.c + ||c||^2`` (a few ulps of the largest squared norm)."""
    return 8.0 * (d + 4) * _EPS * (x2max + c2max) + np.finfo(np.float64).tiny


def assign_labels(X, centers) -> np.ndarray:
    """Assignment step of k-means: the index of the nearest centre of every point.

    ``l_i = argmin_j ||x_i - c_j||^2`` (squared Euclidean distance); a point at the same distance from several
    centres goes to the lowest index.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points (finite real numbers).
    centers : array_like, shape (k, D)
        Centres ``c_1 .. c_k`` (finite).

    Returns
    -------
    numpy.ndarray of int64, shape (N,)
        Labels in ``0 .. k - 1``.

    Raises
    ------
    ValueError
        When ``X`` is not a non-empty 2-D array of finite numbers, or ``centers`` has not shape ``(k, D)``.

    Notes
    -----
    Vectorized: the distances come from ``||x||^2 - 2 x.c + ||c||^2`` (a matrix product, in tiles), and the few points
    whose two nearest centres are within rounding error of each other are decided again with
    ``((x - c) ** 2).sum()``, so the result equals that of the direct formula, ties included.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.9, 0.0], [1.0, 0.0], [3.0, 0.0]])
    >>> assign_labels(X, np.array([[0.0, 0.0], [2.0, 0.0]]))  # x = 1 is as far from both: lowest index
    array([0, 0, 0, 1])
    """
    X = _as_points(X)
    C = _as_centers(centers, None, X.shape[1])
    x2 = np.einsum("ij,ij->i", X, X)
    c2 = np.einsum("ij,ij->i", C, C)
    tol = _tie_tolerance(X.shape[1], float(x2.max()), float(c2.max()))
    return _nearest_two(X.T, x2, C, c2, tol)[0]


def _cluster_sums(X: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster sums ``(k, D)`` of the points and counts ``(k,)`` (float64) with ``np.bincount``."""
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.empty((k, X.shape[1]))
    for dim in range(X.shape[1]):
        sums[:, dim] = np.bincount(labels, weights=X[:, dim], minlength=k)
    return sums, counts


def update_centers(X, labels, k, previous=None) -> np.ndarray:
    """Update step of k-means: every centre moves to the mean of the points assigned to it.

    ``c_j = (1 / |S_j|) sum_{i in S_j} x_i`` with ``S_j = {i : l_i = j}``.

    **Empty clusters.** A cluster with no point has no mean. With ``previous`` given (the centres the labels were
    computed from, as :func:`kmeans` passes them) an empty cluster keeps its previous centre ``previous[j]``: it then
    contributes nothing to the SSD, so the update step still cannot increase it. Without ``previous`` an empty cluster
    is an error (ValueError naming the clusters).

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    labels : array_like of int, shape (N,)
        Cluster of every point, in ``0 .. k - 1``.
    k : int
        Number of clusters ``>= 1``.
    previous : array_like, shape (k, D), optional
        Centres before the update; kept for clusters that are empty.

    Returns
    -------
    numpy.ndarray of float64, shape (k, D)
        The new centres.

    Raises
    ------
    ValueError
        When shapes disagree, a label is outside ``0 .. k - 1``, or a cluster is empty and ``previous`` is None.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]])
    >>> update_centers(X, np.array([0, 0, 1]), 2)
    array([[1., 0.],
           [5., 5.]])
    >>> update_centers(X, np.array([0, 0, 0]), 2, previous=np.array([[0.0, 0.0], [9.0, 9.0]]))  # cluster 1 empty
    array([[2.33333333, 1.66666667],
           [9.        , 9.        ]])
    """
    X = _as_points(X)
    n, d = X.shape
    k = _check_int(k, "k", minimum=1)
    labels = _as_labels(labels, n)
    if labels.min() < 0 or labels.max() >= k:
        bad = int(np.argmax((labels < 0) | (labels >= k)))
        raise ValueError(f"labels must lie in 0 .. k-1 = {k - 1}, given label {int(labels[bad])} at index {bad}")
    prev = None if previous is None else _as_centers(previous, k, d, "previous")
    sums, counts = _cluster_sums(X, labels, k)
    empty = counts == 0
    if empty.any() and prev is None:
        raise ValueError(f"cluster(s) {np.flatnonzero(empty).tolist()} have no point, so their mean is undefined; "
                         f"pass previous=<the centres the labels came from> to keep them where they were")
    centers = np.empty((k, d))
    np.divide(sums, counts[:, None], out=centers, where=~empty[:, None])
    if empty.any():
        centers[empty] = prev[empty]
    return centers


def inertia(X, centers, labels) -> float:
    """Sum of squared distances of the points to their assigned centres (the lecture's SSD, k-means' objective).

    ``J = sum_i ||x_i - c_{l_i}||^2``.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    centers : array_like, shape (k, D)
        Centres.
    labels : array_like of int, shape (N,)
        Centre of every point, in ``0 .. k - 1``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When shapes disagree or a label is outside ``0 .. k - 1``.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 2.0], [5.0, 5.0]])
    >>> inertia(X, np.array([[0.0, 1.0], [5.0, 5.0]]), np.array([0, 0, 1]))
    2.0
    """
    X = _as_points(X)
    C = _as_centers(centers, None, X.shape[1])
    labels = _as_labels(labels, X.shape[0])
    k = C.shape[0]
    if labels.min() < 0 or labels.max() >= k:
        bad = int(np.argmax((labels < 0) | (labels >= k)))
        raise ValueError(f"labels must index the {k} centres (0 .. {k - 1}), given label {int(labels[bad])} at "
                         f"index {bad}")
    return _inertia(X, C, labels)


def _inertia(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> float:
    diff = X - C[labels]
    return float(np.einsum("ij,ij->", diff, diff))


def kmeans_plus_plus(X, k, seed=None) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): ``k`` distinct points of ``X`` spread over the data.

    The first centre is a point drawn uniformly; every next centre is a point drawn with probability proportional to
    ``D(x)^2``, its squared distance to the nearest centre chosen so far. A point equal to a chosen centre has
    ``D(x) = 0`` and is never drawn again, so the ``k`` centres are distinct points. (This is the algorithm of the
    paper; scikit-learn's default "greedy" variant tries several candidates per step and keeps the best.)

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    k : int
        Number of centres, ``1 <= k <= N``.
    seed : None, int or numpy.random.Generator
        Source of randomness; the same int gives the same centres.

    Returns
    -------
    numpy.ndarray of float64, shape (k, D)
        Rows of ``X``, in the order they were drawn.

    Raises
    ------
    ValueError
        When ``k`` is out of range or ``X`` has fewer than ``k`` distinct points.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0]])
    >>> C = kmeans_plus_plus(X, 2, seed=0)
    >>> sorted((C[:, 0] > 5).tolist())  # one centre in each group (with probability > 0.999)
    [False, True]
    """
    X = _as_points(X)
    n = X.shape[0]
    k = _check_k(k, n)
    return X[_kmeans_plus_plus_indices(X, k, _rng(seed))]


def _kmeans_plus_plus_indices(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    n = X.shape[0]
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = rng.integers(n)
    dist2 = ((X - X[chosen[0]]) ** 2).sum(axis=1)
    for j in range(1, k):
        cumulative = np.cumsum(dist2)
        total = cumulative[-1]
        if not total > 0:
            raise ValueError(f"X has only {j} distinct point(s), fewer than k={k}: k-means++ cannot choose {k} "
                             f"distinct centres")
        idx = int(np.searchsorted(cumulative, rng.random() * total, side="right"))
        idx = min(idx, n - 1)
        while dist2[idx] == 0:  # guard against rounding at the ends of the cumulative sum
            idx = int(np.flatnonzero(dist2 > 0)[0]) if idx == n - 1 else idx + 1
        chosen[j] = idx
        np.minimum(dist2, ((X - X[idx]) ** 2).sum(axis=1), out=dist2)
    return chosen


# ---------------------------------------------------------------------------------------------------------------
# k-means: Lloyd's algorithm


@dataclass(frozen=True, eq=False)
class KMeansStep:
    """One iteration of Lloyd's algorithm, for step-by-step figures.

    Attributes
    ----------
    centers : numpy.ndarray, shape (k, D)
        The centres at the start of the iteration (the ones the assignment step used).
    labels : numpy.ndarray of int64, shape (N,), or None
        The labels of the assignment step (None unless labels are kept, see ``keep_labels`` of :func:`kmeans`).
    inertia : float
        SSD ``sum_i ||x_i - c_{l_i}||^2`` of these centres and labels (computed from per-cluster sums, exact up to
        rounding). It never increases from one iteration to the next.
    """

    centers: np.ndarray
    labels: np.ndarray | None
    inertia: float


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """Result of :func:`kmeans`.

    Attributes
    ----------
    labels : numpy.ndarray of int64, shape (N,)
        Nearest final centre of every point.
    centers : numpy.ndarray, shape (k, D)
        Final centres.
    inertia : float
        SSD of the final centres and labels.
    n_iter : int
        Number of iterations (assignment + update) run; ``len(history)``.
    history : tuple of KMeansStep
        One record per iteration.
    """

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int
    history: tuple


def _initial_centers(X: np.ndarray, k: int, init, rng: np.random.Generator) -> np.ndarray:
    n, d = X.shape
    if isinstance(init, str):
        if init == "k-means++":
            return X[_kmeans_plus_plus_indices(X, k, rng)].copy()
        if init == "random":
            idx = rng.choice(n, size=k, replace=False)
            C = X[idx]
            if len(np.unique(C, axis=0)) < k:  # X has repeated points: draw among its distinct ones
                distinct = np.unique(X, axis=0)
                if len(distinct) < k:
                    raise ValueError(f"X has only {len(distinct)} distinct points, fewer than k={k}")
                C = distinct[rng.choice(len(distinct), size=k, replace=False)]
            return C.copy()
        raise ValueError(f"init must be one of {list(_INITS)} or an array of shape ({k}, {d}), given {init!r}")
    return _as_centers(init, k, d, "init").copy()


def kmeans(X, k, init="k-means++", max_iter=100, tol=1e-4, seed=None, keep_labels=None) -> KMeansResult:
    """k-means clustering with Lloyd's algorithm (Lloyd 1982, MacQueen 1967).

    Minimises the SSD ``J = sum_i ||x_i - c_{l_i}||^2`` by alternating the assignment step
    ``l_i = argmin_j ||x_i - c_j||^2`` (:func:`assign_labels`) and the update step ``c_j = mean{x_i : l_i = j}``
    (:func:`update_centers`, an empty cluster keeps its centre). ``J`` never increases; the result is a local minimum
    that depends on the initial centres.

    **Stopping rule** (as scikit-learn's ``KMeans(algorithm="lloyd")``, so that both run the same iterations): after
    iteration ``t`` (assign with ``c^t``, update to ``c^{t+1}``) stop when the labels equal those of iteration
    ``t - 1``, or when the centres moved little: ``sum_j ||c_j^{t+1} - c_j^t||^2 <= tol * mean_d var(X[:, d])``
    (``tol`` is relative to the data's variance; ``tol=0`` stops only when the labels no longer change), or after
    ``max_iter`` iterations. The returned labels are always those of the returned centres.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points (for an image: ``image.reshape(-1, C)``).
    k : int
        Number of clusters, ``1 <= k <= N``.
    init : {"k-means++", "random"} or array_like of shape (k, D), default "k-means++"
        Initial centres: k-means++ seeding (:func:`kmeans_plus_plus`, Arthur & Vassilvitskii 2007), ``k`` distinct
        points drawn uniformly, or the given centres.
    max_iter : int, default 100
        Most iterations, ``>= 1``.
    tol : float, default 1e-4
        Relative tolerance on the centres' movement (see the stopping rule), ``>= 0``.
    seed : None, int or numpy.random.Generator
        Randomness of the initialisation (unused when ``init`` is an array).
    keep_labels : bool or None, default None
        Whether ``history`` records the labels of every iteration (``N`` int64 each). None keeps them when
        ``N * max_iter <= 2_000_000`` (at most 16 MB), enough for the lecture's toy examples.

    Returns
    -------
    KMeansResult
        ``labels`` (int64, ``(N,)``), ``centers`` (``(k, D)``), ``inertia`` (float), ``n_iter`` and ``history`` (a
        tuple of :class:`KMeansStep`: centres before the step, labels, SSD).

    Raises
    ------
    ValueError
        For a point set that is not a finite ``(N, D)`` array, ``k`` out of range, an unknown ``init`` name or an
        ``init`` array of the wrong shape, ``max_iter < 1`` or ``tol < 0``.

    Notes
    -----
    With the same initial centres, the labels, centres and SSD equal those of
    ``sklearn.cluster.KMeans(k, init=centres, n_init=1, algorithm="lloyd", max_iter=max_iter, tol=tol)`` up to
    rounding, except when a cluster becomes empty (scikit-learn moves it to a far point; here it stays). After the
    first iteration, distance bounds (Hamerly 2010) prove that most points keep their label, only the others are
    compared with every centre, and the cluster sums are updated from the points that changed; the labels are exactly
    those of a full assignment step.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    >>> result = kmeans(X, 2, init=X[[0, 1]])
    >>> result.labels, result.n_iter
    (array([0, 0, 1, 1]), 3)
    >>> [round(step.inertia, 6) for step in result.history]  # never increases
    [381.0, 43.777778, 1.0]
    >>> kmeans(X, 2, seed=0).inertia
    1.0
    """
    X = _as_points(X)
    n, d = X.shape
    k = _check_k(k, n)
    max_iter = _check_int(max_iter, "max_iter", minimum=1)
    tol = _check_float(tol, "tol")
    if keep_labels is None:
        keep_labels = n * max_iter <= 2_000_000
    elif not isinstance(keep_labels, (bool, np.bool_)):
        raise ValueError(f"keep_labels must be True, False or None, given {keep_labels!r}")
    C = _initial_centers(X, k, init, _rng(seed))
    tol_abs = float(np.mean(np.var(X, axis=0))) * tol if tol > 0 else 0.0
    labels, C, n_iter, history, ssd = _lloyd(X, C, max_iter, tol_abs, bool(keep_labels))
    return KMeansResult(labels=labels, centers=C, inertia=ssd, n_iter=n_iter, history=tuple(history))


def _chunks(n: int, minimum: int = 16384) -> list[tuple[int, int]]:
    """Contiguous ranges splitting ``0 .. n`` for the thread pool (a few per thread; one when ``n`` is small)."""
    parts = max(1, min(2 * _workers(), n // minimum))
    edges = np.linspace(0, n, parts + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _run_chunks(fn, chunks):
    """``[fn(a, b) for a, b in chunks]``, on the thread pool when there are several chunks."""
    if len(chunks) > 1:
        return list(_pool().map(lambda ab: fn(*ab), chunks))
    return [fn(a, b) for a, b in chunks]


def _onehot_sums(labels: np.ndarray, A: np.ndarray, k: int, sign: float = 1.0, out=None) -> np.ndarray:
    """``sum_{i : labels_i = j} A_i`` for every ``j`` as a ``(k, A.shape[1])`` array (one-hot products in tiles)."""
    out = np.zeros((k, A.shape[1])) if out is None else out
    if k > _WIDE:  # many clusters: a weighted count per column
        for col in range(A.shape[1]):
            out[:, col] += sign * np.bincount(labels, weights=A[:, col], minlength=k)
        return out
    step = max(256, _TILE_MNK // (k * A.shape[1]))
    ar = np.arange(k)[:, None]
    for a in range(0, len(labels), step):
        onehot = (labels[None, a:a + step] == ar).astype(np.float64)
        if sign != 1.0:
            onehot *= sign
        out += onehot @ A[a:a + step]
    return out


class _Bounds:
    """Hamerly's bounds for Lloyd's algorithm: which points can change label, without computing their distances.

    ``gap_i <= min_{j != l_i} ||x_i - c_j|| - ||x_i - c_{l_i}||``: while it is positive (beyond a margin for rounding)
    no other centre can be closer, so the label cannot change and the point is skipped. When the centres move by
    ``delta_j`` the gap shrinks by ``delta_{l_i} + max_{j != l_i} delta_j`` (triangle inequality); the points whose gap
    runs out are compared with every centre, which also restores their gap. The shrinking is summed per cluster
    (``shrunk[j]``) instead of written into every point: a point stores ``key_i = gap_i + shrunk[l_i]`` from its last
    comparison, and its gap is ``key_i - shrunk[l_i]``. The per-cluster sums ``S_j``, counts ``n_j`` and
    ``Q_j = sum ||x_i||^2`` follow the labels from the points that changed. An iteration runs on chunks of points in
    parallel (numpy releases the GIL in its loops).
    """

    def __init__(self, X: np.ndarray, C: np.ndarray):
        n, d = X.shape
        self.X = X
        self.XT = np.ascontiguousarray(X.T)  # coordinates in rows: gathers of candidates are 1-D takes
        self.k = C.shape[0]
        self.x2 = np.einsum("ij,ij->i", X, X)
        x2max = float(self.x2.max())
        c2max = max(x2max, float(np.einsum("ij,ij->i", C, C).max()))
        self.tie_tol = _tie_tolerance(d, x2max, c2max)
        # the two distances come from the product formula: each is off by at most sqrt(tie_tol) (near 0), less
        # elsewhere; the bound updates add a few ulps per iteration
        self.margin = 4.0 * math.sqrt(self.tie_tol) + 1e-9 * math.sqrt(x2max + c2max)
        self.chunks = _chunks(n)
        self.shrunk = np.zeros(self.k)
        c2 = np.einsum("ij,ij->i", C, C)
        self.labels, d1, d2 = _nearest_two(self.XT, self.x2, C, c2, self.tie_tol)
        self.key = np.sqrt(d2)
        self.key -= np.sqrt(d1)
        self.recount()

    def _rows(self, a: int, b: int, idx=None) -> np.ndarray:
        """``[x, ||x||^2, 1]`` for points ``a .. b`` (or ``a + idx``), as rows."""
        d = self.XT.shape[0]
        m = b - a if idx is None else idx.size
        A = np.empty((m, d + 2))
        for dim in range(d):
            A[:, dim] = self.XT[dim, a:b] if idx is None else np.take(self.XT[dim, a:b], idx)
        A[:, d] = self.x2[a:b] if idx is None else np.take(self.x2[a:b], idx)
        A[:, d + 1] = 1.0
        return A

    def recount(self) -> None:
        """The per-cluster sums from scratch."""
        k = self.k
        parts = _run_chunks(lambda a, b: _onehot_sums(self.labels[a:b], self._rows(a, b), k), self.chunks)
        total = np.sum(parts, axis=0)
        d = self.XT.shape[0]
        self.sums = total[:, :d].copy()
        self.sq = total[:, d].copy()
        self.counts = total[:, d + 1].copy()

    def step(self, C: np.ndarray, shift: np.ndarray) -> int:
        """The centres moved by ``shift`` to ``C``: update the labels (exactly those of a full assignment step) and
        the sums; returns how many labels changed."""
        k = self.k
        if k == 1:
            return 0
        order = np.argsort(shift)
        others = np.full(k, shift[order[-1]])
        others[order[-1]] = shift[order[-2]]  # for points of the fastest centre: the fastest other one
        self.shrunk += shift + others
        threshold = self.shrunk + self.margin
        c2 = np.einsum("ij,ij->i", C, C)
        results = _run_chunks(lambda a, b: self._step_chunk(a, b, C, c2, threshold), self.chunks)
        n_moved = sum(r[0] for r in results)
        if n_moved == 0:
            return 0
        if n_moved > self.XT.shape[1] // 8:  # many changed: recompute the sums (no drift from many updates)
            self.recount()
        else:
            delta = np.sum([r[1] for r in results if r[1] is not None], axis=0)
            d = self.XT.shape[0]
            self.sums += delta[:, :d]
            self.sq += delta[:, d]
            self.counts += delta[:, d + 1]
        return n_moved

    def _step_chunk(self, a: int, b: int, C: np.ndarray, c2: np.ndarray, threshold: np.ndarray):
        labels, key, XT = self.labels[a:b], self.key[a:b], self.XT[:, a:b]
        cand = np.flatnonzero(key <= np.take(threshold, labels))
        if cand.size == 0:
            return 0, None
        if 3 * cand.size > 2 * (b - a):  # most points: a pass over contiguous data is cheaper than gathering
            cand = np.arange(b - a)
            new, d1, d2 = _nearest_two(XT, self.x2[a:b], C, c2, self.tie_tol, parallel=False)
        else:
            sub = np.empty((XT.shape[0], cand.size))
            for dim in range(XT.shape[0]):
                np.take(XT[dim], cand, out=sub[dim])
            new, d1, d2 = _nearest_two(sub, np.take(self.x2[a:b], cand), C, c2, self.tie_tol, parallel=False)
        fresh = np.sqrt(d2)
        fresh -= np.sqrt(d1)
        fresh += np.take(self.shrunk, new)
        key[cand] = fresh
        old = np.take(labels, cand)
        moved = np.flatnonzero(new != old)
        if moved.size == 0:
            return 0, None
        labels[cand] = new
        rows = self._rows(a, b, cand[moved])
        delta = _onehot_sums(new[moved], rows, self.k)
        _onehot_sums(old[moved], rows, self.k, sign=-1.0, out=delta)
        return int(moved.size), delta

    def ssd(self, C: np.ndarray) -> float:
        """``sum_j (Q_j - 2 c_j.S_j + n_j ||c_j||^2)``: the SSD of centres ``C`` with the current labels."""
        value = self.sq.sum() - 2.0 * np.einsum("ij,ij->", C, self.sums) + np.dot(self.counts,
                                                                                    np.einsum("ij,ij->i", C, C))
        return max(float(value), 0.0)

    def inertia(self, C: np.ndarray) -> float:
        """The SSD of ``C`` and the current labels summed directly, ``sum ||x_i - c_{l_i}||^2`` (chunks in parallel)."""
        return float(sum(_run_chunks(lambda a, b: _inertia(self.X[a:b], C, self.labels[a:b]), self.chunks)))


def _lloyd(X: np.ndarray, C: np.ndarray, max_iter: int, tol_abs: float, keep_labels: bool):
    """Lloyd iterations from centres ``C``; returns labels, centres, iterations and the history records."""
    state = None
    history = []
    strict = False
    shift = None
    for it in range(max_iter):
        if state is None:
            state = _Bounds(X, C)
            changed = -1  # the first labels are never "unchanged"
        else:
            changed = state.step(C, shift)
        history.append(KMeansStep(centers=C.copy(), labels=state.labels.copy() if keep_labels else None,
                                  inertia=state.ssd(C)))
        empty = state.counts == 0
        new = np.empty_like(C)
        np.divide(state.sums, state.counts[:, None], out=new, where=~empty[:, None])
        new[empty] = C[empty]
        shift = np.sqrt(((new - C) ** 2).sum(axis=1))
        C = new
        if changed == 0:
            strict = True
            break
        if float(np.sum(shift ** 2)) <= tol_abs:
            break
    if not strict:  # the labels of the final centres (the assignment step without an update)
        state.step(C, shift)
    return state.labels, C, it + 1, history, state.inertia(C)


# ---------------------------------------------------------------------------------------------------------------
# Gaussian mixture, EM


@dataclass(frozen=True, eq=False)
class GMMResult:
    """Result of :func:`gmm_em`.

    Attributes
    ----------
    weights : numpy.ndarray, shape (k,)
        Mixing weights ``pi_j`` (sum 1).
    means : numpy.ndarray, shape (k, D)
        Means ``mu_j``.
    covariances : numpy.ndarray, shape (k, D, D)
        Full covariance matrices ``Sigma_j`` (``reg_covar`` added to their diagonals).
    responsibilities : numpy.ndarray, shape (N, k)
        ``gamma_ij`` of the final parameters (rows sum to 1).
    labels : numpy.ndarray of int64, shape (N,)
        ``argmax_j gamma_ij``.
    log_likelihood : float
        Mean log-likelihood per sample ``(1/N) sum_i log p(x_i)`` of the final parameters (scikit-learn's
        ``GaussianMixture.score(X)``).
    history : tuple of float
        Mean log-likelihood of the parameters before each M-step and, last, of the final parameters:
        ``n_iter + 1`` values, non-decreasing (EM's guarantee), ``history[-1] == log_likelihood``.
    n_iter : int
        EM iterations (E-step + M-step) run.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    responsibilities: np.ndarray
    labels: np.ndarray
    log_likelihood: float
    history: tuple
    n_iter: int
    converged: bool


def _cholesky(matrices: np.ndarray, name: str) -> np.ndarray:
    """Lower Cholesky factors of a stack ``(k, D, D)`` of symmetric positive definite matrices."""
    try:
        return np.linalg.cholesky(matrices)
    except np.linalg.LinAlgError:
        for j in range(matrices.shape[0]):
            try:
                np.linalg.cholesky(matrices[j])
            except np.linalg.LinAlgError:
                raise ValueError(f"{name}[{j}] must be symmetric positive definite, given a matrix that is not (its "
                                 f"Cholesky factorisation failed); increase reg_covar if a component collapsed"
                                 ) from None
        raise


def _precision_cholesky(covariances: np.ndarray, name: str = "covariances") -> np.ndarray:
    """``P_j`` with ``P_j P_j^T = Sigma_j^{-1}``: ``P_j = L_j^{-T}``, ``L_j`` the lower Cholesky factor of ``Sigma_j``
    (forward substitution, all components at once)."""
    L = _cholesky(covariances, name)
    k, d, _ = L.shape
    inv = np.zeros_like(L)  # L^{-1}, lower triangular
    for i in range(d):
        row = -np.einsum("jc,jcm->jm", L[:, i, :i], inv[:, :i, :])
        row[:, i] += 1.0
        inv[:, i, :] = row / L[:, i, i][:, None]
    return inv.transpose(0, 2, 1)


def _log_gaussian(X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray) -> np.ndarray:
    """``log N(x_i | mu_j, Sigma_j)`` as a ``(k, N)`` array, from the Cholesky factors of the precisions.

    ``log N = -(D/2) log(2 pi) + sum log diag(P_j) - (1/2) ||P_j^T (x_i - mu_j)||^2`` with ``P_j P_j^T = Sigma_j^{-1}``;
    all components at once with one product per tile of points.
    """
    n, d = X.shape
    k = means.shape[0]
    PT = np.ascontiguousarray(prec_chol.transpose(0, 2, 1).reshape(k * d, d))  # rows: P_j^T stacked, (kD, D)
    shift = np.einsum("jd,jde->je", means, prec_chol).reshape(k * d, 1)  # P_j^T mu_j, stacked
    half_log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)  # -(1/2) log det Sigma_j
    const = (half_log_det - 0.5 * d * math.log(2.0 * math.pi))[:, None]
    out = np.empty((k, n))
    XT = X.T
    cols = max(256, _TILE_MNK // (k * d * d))
    for a in range(0, n, cols):
        b = min(a + cols, n)
        Y = PT @ XT[:, a:b]  # (kD, n_tile)
        Y -= shift
        Y *= Y
        maha = out[:, a:b]
        np.sum(Y.reshape(k, d, b - a), axis=1, out=maha)
        maha *= -0.5
        maha += const
    return out


def _e_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray, prec_chol: np.ndarray):
    """Responsibilities ``(k, N)`` and the mean log-likelihood, in log space (log-sum-exp)."""
    log_p = _log_gaussian(X, means, prec_chol)
    with np.errstate(divide="ignore"):
        log_p += np.log(weights)[:, None]
    top = log_p.max(axis=0)
    log_p -= top
    np.exp(log_p, out=log_p)
    total = log_p.sum(axis=0)
    log_p /= total
    log_norm = np.log(total)
    log_norm += top
    return log_p, float(log_norm.mean())


def _m_step(X: np.ndarray, resp: np.ndarray, reg_covar: float):
    """M-step from responsibilities ``(k, N)``; ``N_j`` gets ``10 eps`` added (as scikit-learn) so that a component
    with no responsibility has a defined mean. Sums over the points in tiles (one product per tile)."""
    n, d = X.shape
    k = resp.shape[0]
    nk = resp.sum(axis=1) + 10.0 * _EPS
    XT = X.T
    cols = max(256, _TILE_MNK // (k * d * d))
    weighted = np.zeros((k, d))
    for a in range(0, n, cols):
        b = min(a + cols, n)
        weighted += resp[:, a:b] @ X[a:b]
    means = weighted / nk[:, None]
    scatter = np.zeros((k, d, d))
    for a in range(0, n, cols):
        b = min(a + cols, n)
        diff = XT[None, :, a:b] - means[:, :, None]  # (k, D, n_tile): x_i - mu_j
        scatter += np.matmul(diff * resp[:, None, a:b], diff.transpose(0, 2, 1))
    covariances = scatter / nk[:, None, None]
    covariances[:, np.arange(d), np.arange(d)] += reg_covar
    weights = nk / n
    weights /= weights.sum()
    return weights, means, covariances


def _check_mixture(weights, means, covariances, d: int, names=("weights", "means", "covariances")):
    w = _as_float_array(weights, names[0])
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"{names[0]} must be a 1-D array of k >= 1 mixing weights, given shape {w.shape}")
    k = w.size
    if (w < 0).any() or abs(w.sum() - 1.0) > 1e-6:
        raise ValueError(f"{names[0]} must be non-negative and sum to 1, given {np.array2string(w, precision=4)} "
                         f"(sum {w.sum():.6g})")
    mu = _as_centers(means, k, d, names[1])
    cov = _as_float_array(covariances, names[2])
    if cov.shape != (k, d, d):
        raise ValueError(f"{names[2]} must have shape ({k}, {d}, {d}), one D x D matrix per component, given "
                         f"shape {cov.shape}")
    for j in range(k):
        if not np.allclose(cov[j], cov[j].T, rtol=1e-10, atol=1e-12 * np.abs(cov[j]).max()):
            raise ValueError(f"{names[2]}[{j}] must be symmetric, given a matrix that is not")
    return w, mu, cov


def e_step(X, weights, means, covariances):
    """E-step of EM for a Gaussian mixture: responsibilities and the mean log-likelihood.

    ``gamma_ij = pi_j N(x_i | mu_j, Sigma_j) / sum_l pi_l N(x_i | mu_l, Sigma_l)`` and
    ``(1/N) sum_i log sum_j pi_j N(x_i | mu_j, Sigma_j)``, computed in log space: ``log N`` from the Cholesky factor
    of ``Sigma_j`` (no inverse, no determinant that could overflow), then log-sum-exp, so points far from every
    component do not underflow to 0/0.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    weights : array_like, shape (k,)
        Mixing weights ``pi_j >= 0`` summing to 1.
    means : array_like, shape (k, D)
        Means ``mu_j``.
    covariances : array_like, shape (k, D, D)
        Symmetric positive definite covariance matrices ``Sigma_j``.

    Returns
    -------
    responsibilities : numpy.ndarray, shape (N, k)
        Rows sum to 1.
    log_likelihood : float
        Mean log-likelihood per sample.

    Raises
    ------
    ValueError
        When shapes disagree, the weights are negative or do not sum to 1, or a covariance is not symmetric
        positive definite.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> resp, ll = e_step(X, [0.5, 0.5], [[0.0], [2.0]], [[[1.0]], [[1.0]]])
    >>> resp.round(3)
    array([[0.881, 0.119],
           [0.5  , 0.5  ],
           [0.119, 0.881]])
    >>> round(ll, 6)
    -1.463085
    """
    X = _as_points(X)
    w, mu, cov = _check_mixture(weights, means, covariances, X.shape[1])
    resp, ll = _e_step(X, w, mu, _precision_cholesky(cov))
    return resp.T, ll


def m_step(X, responsibilities, reg_covar=1e-6):
    """M-step of EM for a Gaussian mixture with full covariances.

    With ``N_j = sum_i gamma_ij``: ``pi_j = N_j / N``, ``mu_j = (1 / N_j) sum_i gamma_ij x_i`` and
    ``Sigma_j = (1 / N_j) sum_i gamma_ij (x_i - mu_j)(x_i - mu_j)^T + reg_covar I``. ``10 eps`` is added to every
    ``N_j`` (as scikit-learn does) so that a component with no responsibility still has a mean (0) and a covariance
    (``reg_covar I``); ``reg_covar > 0`` keeps every covariance positive definite.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    responsibilities : array_like, shape (N, k)
        ``gamma_ij >= 0`` (rows normally sum to 1).
    reg_covar : float, default 1e-6
        Added to the diagonal of every covariance, ``>= 0``.

    Returns
    -------
    weights : numpy.ndarray, shape (k,)
    means : numpy.ndarray, shape (k, D)
    covariances : numpy.ndarray, shape (k, D, D)

    Raises
    ------
    ValueError
        When shapes disagree, a responsibility is negative or not finite, or ``reg_covar < 0``.

    Examples
    --------
    >>> X = np.array([[0.0], [2.0], [10.0]])
    >>> weights, means, covariances = m_step(X, [[1, 0], [1, 0], [0, 1]], reg_covar=0.0)
    >>> weights.round(4), means.round(4), covariances.round(4)
    (array([0.6667, 0.3333]), array([[ 1.],
           [10.]]), array([[[1.]],
    <BLANKLINE>
           [[0.]]]))
    """
    X = _as_points(X)
    n = X.shape[0]
    R = _as_float_array(responsibilities, "responsibilities")
    if R.ndim != 2 or R.shape[0] != n or R.shape[1] == 0:
        raise ValueError(f"responsibilities must have shape ({n}, k), one row per point, given shape {R.shape}")
    if (R < 0).any():
        i, j = (int(v) for v in np.argwhere(R < 0)[0])
        raise ValueError(f"responsibilities must be non-negative, given {R[i, j]} at index ({i}, {j})")
    reg_covar = _check_float(reg_covar, "reg_covar")
    return _m_step(X, np.ascontiguousarray(R.T), reg_covar)


def gmm_em(X, k, means_init=None, weights_init=None, precisions_init=None, max_iter=100, tol=1e-6,
           reg_covar=1e-6, seed=None) -> GMMResult:
    """Fit a Gaussian mixture with full covariances by EM (Dempster, Laird & Rubin 1977).

    Each iteration runs the E-step (:func:`e_step`: responsibilities ``gamma_ij`` and the mean log-likelihood of the
    current parameters) and the M-step (:func:`m_step`). The mean log-likelihood never decreases.

    **Initialisation.** Without ``means_init``: k-means (:func:`kmeans`, k-means++ seeding drawn from ``seed``) and one
    M-step on its hard labels (``gamma_ij = 1`` for the point's cluster) give the weights, means and covariances, as
    scikit-learn's default ``init_params="kmeans"``. With ``means_init``: the hard labels are those of the nearest given
    mean and the means are ``means_init``. ``weights_init`` and ``precisions_init`` (inverse covariances, as in
    scikit-learn) replace the weights and covariances so obtained.

    **Stopping rule** (scikit-learn's, so that both run the same iterations): at iteration ``t`` the E-step gives the
    mean log-likelihood ``L_t`` of the current parameters, the M-step new parameters; stop when
    ``|L_t - L_{t-1}| < tol`` (``converged=True``) or after ``max_iter`` iterations.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    k : int
        Number of components, ``1 <= k <= N``.
    means_init : array_like, shape (k, D), optional
        Initial means.
    weights_init : array_like, shape (k,), optional
        Initial weights (non-negative, sum 1).
    precisions_init : array_like, shape (k, D, D), optional
        Initial precision matrices ``Sigma_j^{-1}`` (symmetric positive definite).
    max_iter : int, default 100
        Most EM iterations, ``>= 1``.
    tol : float, default 1e-6
        Tolerance on the change of the mean log-likelihood, ``>= 0``.
    reg_covar : float, default 1e-6
        Added to the diagonal of every covariance (keeps them invertible), ``>= 0``.
    seed : None, int or numpy.random.Generator
        Randomness of the k-means initialisation (unused with ``means_init``).

    Returns
    -------
    GMMResult
        ``weights``, ``means``, ``covariances``, ``responsibilities`` (``(N, k)``) and ``labels`` of the final
        parameters, ``log_likelihood`` (mean per sample, final parameters), ``history`` (``n_iter + 1`` mean
        log-likelihoods, the last one the final), ``n_iter``, ``converged``.

    Raises
    ------
    ValueError
        For a point set that is not a finite ``(N, D)`` array, ``k`` out of range, initial parameters of the wrong
        shape (or weights not summing to 1, precisions not positive definite), ``max_iter < 1``, ``tol < 0`` or
        ``reg_covar < 0``.

    Notes
    -----
    With the same ``means_init``, ``weights_init`` and ``precisions_init``, the parameters and ``log_likelihood``
    equal those of ``sklearn.mixture.GaussianMixture(k, covariance_type="full", ...)`` with the same ``tol``,
    ``reg_covar`` and ``max_iter`` (its ``score(X)``) up to rounding.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(0.0, 1.0, (200, 2)), rng.normal(6.0, 0.5, (100, 2))])
    >>> result = gmm_em(X, 2, means_init=[[0.0, 0.0], [6.0, 6.0]])
    >>> result.weights.round(2), result.means.round(1)
    (array([0.67, 0.33]), array([[-0.1,  0. ],
           [ 6. ,  6. ]]))
    >>> bool(np.all(np.diff(result.history) >= -1e-10)), result.converged
    (True, True)
    """
    X = _as_points(X)
    n, d = X.shape
    k = _check_k(k, n)
    max_iter = _check_int(max_iter, "max_iter", minimum=1)
    tol = _check_float(tol, "tol")
    reg_covar = _check_float(reg_covar, "reg_covar")

    if means_init is not None:
        means0 = _as_centers(means_init, k, d, "means_init")
        labels0 = assign_labels(X, means0)
    else:
        means0 = None
        labels0 = kmeans(X, k, seed=seed, keep_labels=False).labels
    resp0 = np.zeros((k, n))
    resp0[labels0, np.arange(n)] = 1.0
    weights, means, covariances = _m_step(X, resp0, reg_covar)
    if means0 is not None:
        means = means0
    if weights_init is not None:
        w = _as_float_array(weights_init, "weights_init")
        if w.shape != (k,):
            raise ValueError(f"weights_init must have shape ({k},), given shape {w.shape}")
        if (w < 0).any() or abs(w.sum() - 1.0) > 1e-6:
            raise ValueError(f"weights_init must be non-negative and sum to 1, given sum {w.sum():.6g}")
        weights = w
    if precisions_init is not None:
        prec = _as_float_array(precisions_init, "precisions_init")
        if prec.shape != (k, d, d):
            raise ValueError(f"precisions_init must have shape ({k}, {d}, {d}), given shape {prec.shape}")
        for j in range(k):
            if not np.allclose(prec[j], prec[j].T, rtol=1e-10, atol=1e-12 * np.abs(prec[j]).max()):
                raise ValueError(f"precisions_init[{j}] must be symmetric, given a matrix that is not")
        prec_chol = _cholesky(prec, "precisions_init")
    else:
        prec_chol = _precision_cholesky(covariances)

    history = []
    converged = False
    previous = -np.inf
    for it in range(1, max_iter + 1):
        resp, ll = _e_step(X, weights, means, prec_chol)
        history.append(ll)
        weights, means, covariances = _m_step(X, resp, reg_covar)
        prec_chol = _precision_cholesky(covariances)
        if abs(ll - previous) < tol:
            converged = True
            break
        previous = ll
    resp, ll = _e_step(X, weights, means, prec_chol)
    history.append(ll)
    labels = np.argmax(resp, axis=0).astype(np.int64)
    return GMMResult(weights=weights, means=means, covariances=covariances, responsibilities=resp.T, labels=labels,
                     log_likelihood=ll, history=tuple(history), n_iter=it, converged=converged)


# ---------------------------------------------------------------------------------------------------------------
# mean shift


class _Windows:
    """Kernel-weighted sums over ``X`` for many window positions at once (dense, in cache-sized tiles).

    For positions ``y`` it returns ``sum_i K(x_i - y) (x_i - mu)``, ``sum_i K(x_i - y)`` and, for the flat kernel, the
    window count, where ``mu`` is the mean of ``X`` (data centred for accuracy). Squared distances come from
    ``||x||^2 - 2 x.y + ||y||^2`` (matrix products); for the flat kernel the few pairs within rounding error of the
    window's edge are decided again with ``((x - y)**2).sum() <= h^2``, so membership is exact.
    """

    def __init__(self, X: np.ndarray, bandwidth: float, kernel: str):
        self.X = X
        n, d = X.shape
        self.mu = X.mean(axis=0)
        Xc = X - self.mu
        xc2 = np.einsum("ij,ij->i", Xc, Xc)
        self.XaugT = np.ascontiguousarray(np.vstack([Xc.T, xc2, np.ones(n)]))  # (D + 2, N)
        self.X1 = np.ascontiguousarray(np.hstack([Xc, np.ones((n, 1))]))  # (N, D + 1)
        self.xc2max = float(xc2.max())
        self.h2 = bandwidth * bandwidth
        self.kernel = kernel
        self.rows = 8

    def sums(self, Y: np.ndarray) -> np.ndarray:
        """``(m, D + 1)``: kernel-weighted sums of ``x - mu`` and the kernel sums, for positions ``Y`` (m, D)."""
        m, d = Y.shape
        Yc = Y - self.mu
        yc2 = np.einsum("ij,ij->i", Yc, Yc)
        # [-2 y, 1, ||y||^2] . [x, ||x||^2, 1] = ||x - y||^2; the flat kernel compares it with h^2 (folded in), the
        # Gaussian kernel needs it times -1/(2 h^2) (folded in too)
        if self.kernel == "flat":
            Yaug = np.hstack([-2.0 * Yc, np.ones((m, 1)), (yc2 - self.h2)[:, None]])
        else:
            Yaug = np.hstack([-2.0 * Yc, np.ones((m, 1)), yc2[:, None]]) * (-0.5 / self.h2)
        # the product formula's error bound, as for k-means, plus a little for h^2's own rounding
        band = _tie_tolerance(d, self.xc2max, float(yc2.max())) + 8 * _EPS * self.h2
        out = np.zeros((m, d + 1))
        rows = min(self.rows, m)
        cols = max(512, _TILE_MNK // ((d + 2) * rows))
        per_job = rows * 8
        jobs = [(a, min(a + per_job, m)) for a in range(0, m, per_job)]

        def run(job):
            a, b = job
            buffers = {}
            for r in range(a, b, rows):
                self._tile_rows(Y, Yaug, r, min(r + rows, b), cols, band, out, buffers)

        if m * self.X1.shape[0] >= 4_000_000 and len(jobs) > 1 and _workers() > 1:
            list(_pool().map(run, jobs))
        else:
            for job in jobs:
                run(job)
        return out

    def _tile_rows(self, Y, Yaug, r, s, cols, band, out, buffers) -> None:
        n = self.X1.shape[0]
        acc = out[r:s]
        flat = self.kernel == "flat"
        for c in range(0, n, cols):
            e = min(c + cols, n)
            shape = (s - r, e - c)
            if shape not in buffers:
                buffers[shape] = (np.empty(shape), np.empty(shape))
            D2, edge = buffers[shape]
            np.matmul(Yaug[r:s], self.XaugT[:, c:e], out=D2)
            if flat:  # D2 holds ||x - y||^2 - h^2
                np.abs(D2, out=edge)
                if edge.min() <= band:  # pairs within rounding error of the window's edge: decide exactly
                    ii, jj = np.nonzero(edge <= band)
                    diff = self.X[c + jj] - Y[r + ii]
                    D2[ii, jj] = np.einsum("ij,ij->i", diff, diff) - self.h2
                np.less_equal(D2, 0.0, out=D2)  # 1.0 inside the window, 0.0 outside
            else:  # D2 holds -||x - y||^2 / (2 h^2)
                np.exp(D2, out=D2)
            acc += D2 @ self.X1[c:e]

    def step(self, Y: np.ndarray):
        """One mean-shift step for positions ``Y``: new positions (unchanged where the kernel sum is 0) and sums."""
        R = self.sums(Y)
        total = R[:, -1]
        ok = total > 0
        new = Y.copy()
        new[ok] = self.mu + R[ok, :-1] / total[ok, None]
        return new, total


def _check_kernel(kernel) -> str:
    if not isinstance(kernel, str) or kernel not in _KERNELS:
        raise ValueError(f"kernel must be one of {list(_KERNELS)}, given {kernel!r}")
    return kernel


def mean_shift_step(X, points, bandwidth, kernel="flat") -> np.ndarray:
    """One mean-shift step for every point of ``points``: ``y <- m(y)``.

    ``m(y) = sum_i K(x_i - y) x_i / sum_i K(x_i - y)``, the kernel-weighted mean of the data around ``y``
    (Comaniciu & Meer 2002). ``"flat"``: ``K = 1`` for ``||x_i - y||^2 <= h^2``, else 0 (the mean of the data points
    within distance ``h``). ``"gaussian"``: ``K = exp(-||x_i - y||^2 / (2 h^2))`` (every data point, weighted). A point
    with no data point in its window (flat), or whose kernel weights all underflow to 0, stays where it is.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Data points ``x_i``.
    points : array_like, shape (M, D)
        Current positions ``y`` (for instance ``X`` itself at the first step).
    bandwidth : float
        ``h > 0``.
    kernel : {"flat", "gaussian"}, default "flat"

    Returns
    -------
    numpy.ndarray of float64, shape (M, D)
        ``m(y)`` for every position.

    Raises
    ------
    ValueError
        For arrays that are not finite ``(N, D)`` and ``(M, D)`` point sets, ``bandwidth <= 0`` or an unknown kernel.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> mean_shift_step(X, np.array([[0.0], [1.5], [6.0]]), bandwidth=1.0)  # (0+1)/2, (1+2)/2, no neighbour
    array([[0.5],
           [1.5],
           [6. ]])
    """
    X = _as_points(X)
    Y = _as_points(points, "points")
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"points must have D={X.shape[1]} coordinates like X, given shape {Y.shape}")
    h = _check_float(bandwidth, "bandwidth", strict=True)
    kernel = _check_kernel(kernel)
    return _Windows(X, h, kernel).step(Y)[0]


@dataclass(frozen=True, eq=False)
class MeanShiftResult:
    """Result of :func:`mean_shift`.

    Attributes
    ----------
    modes : numpy.ndarray, shape (m, D)
        The modes (cluster centres), strongest first (see ``counts``).
    labels : numpy.ndarray of int64, shape (N,)
        Segment of every data point: the index of the mode its trajectory reached (see :func:`mean_shift` for the
        rule when only some points are seeds).
    counts : numpy.ndarray of int64, shape (m,)
        Strength of each mode (scikit-learn's "intensity", which orders the modes): for the flat kernel the number
        of data points in the window of the trajectory's last step, for the Gaussian kernel the number within ``h``
        of the mode.
    seeds : numpy.ndarray, shape (S, D)
        The starting points of the trajectories.
    seed_ends : numpy.ndarray, shape (S, D)
        Where each trajectory stopped, before near-duplicate ends were merged into modes.
    seed_labels : numpy.ndarray of int64, shape (S,)
        Mode reached by each seed; -1 for a seed with no data point within the bandwidth.
    n_iter : int
        Most steps taken by a trajectory.
    """

    modes: np.ndarray
    labels: np.ndarray
    counts: np.ndarray
    seeds: np.ndarray
    seed_ends: np.ndarray
    seed_labels: np.ndarray
    n_iter: int


def _unique_rows(A: np.ndarray):
    """Distinct rows of ``A`` (compared exactly), the index of the last occurrence of each, and the inverse."""
    m = A.shape[0]
    order = np.lexsort(A.T[::-1])
    sorted_rows = A[order]
    new = np.ones(m, dtype=bool)
    new[1:] = np.any(sorted_rows[1:] != sorted_rows[:-1], axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(m, dtype=np.int64)
    inverse[order] = group
    last = np.zeros(int(group[-1]) + 1 if m else 0, dtype=np.int64)
    np.maximum.at(last, inverse, np.arange(m))
    return A[last], last, inverse


def _bin_seeds(X: np.ndarray, bin_size: float, min_bin_freq: int) -> np.ndarray:
    """scikit-learn's ``get_bin_seeds``: the centres ``bin_size * round(x / bin_size)`` of the grid cells holding at
    least ``min_bin_freq`` points; all of ``X`` when every point has a cell of its own."""
    cells = np.round(X / bin_size)
    low, high = cells.min(axis=0), cells.max(axis=0)
    span = high - low + 1
    if float(np.prod(span)) < 2.0 ** 62:  # one integer key per cell: a 1-D unique is much faster than rows
        span = span.astype(np.int64)
        strides = np.cumprod(np.concatenate([[1], span[:0:-1]]))[::-1]
        keys = (cells - low).astype(np.int64) @ strides
        distinct, counts = np.unique(keys, return_counts=True)
        distinct = distinct[counts >= min_bin_freq]
        seeds = np.empty((distinct.size, X.shape[1]))
        for dim in range(X.shape[1]):
            seeds[:, dim] = distinct // strides[dim] + low[dim]
            distinct = distinct % strides[dim]
    else:
        distinct, counts = np.unique(cells, axis=0, return_counts=True)
        seeds = distinct[counts >= min_bin_freq]
    if len(seeds) == len(X):
        return X.copy()
    return seeds * bin_size


def _trajectories(windows: _Windows, seeds: np.ndarray, max_iter: int, stop: float):
    """Run every seed's trajectory; returns the ends, the last window's count, and the steps of each seed.

    A trajectory stops after the first step that moves it by at most ``stop``, after ``max_iter`` steps, or when its
    window is empty (it then stays). A step depends only on the position, so a position reached before (by any
    trajectory, at any time; with the flat kernel trajectories that meet share their windows exactly) is not computed
    again.
    """
    pos = seeds.copy()
    s = len(pos)
    counts = np.zeros(s)
    steps = np.zeros(s, dtype=np.int64)
    active = np.arange(s)
    memo: dict[bytes, tuple[np.ndarray, float]] = {}
    while active.size:
        P = pos[active]
        U, _, inverse = _unique_rows(P)
        keys = [row.tobytes() for row in U]
        new_u = np.empty_like(U)
        total_u = np.empty(len(U))
        todo = [i for i, key in enumerate(keys) if key not in memo]
        if todo:
            todo = np.asarray(todo, dtype=np.int64)
            new_todo, total_todo = windows.step(U[todo])
            new_u[todo] = new_todo
            total_u[todo] = total_todo
            for i, row, total in zip(todo.tolist(), new_todo, total_todo.tolist()):
                memo[keys[i]] = (row, total)
        if len(todo) < len(U):
            for i, key in enumerate(keys):
                if key in memo:
                    new_u[i], total_u[i] = memo[key]
        new = new_u[inverse]
        total = total_u[inverse]
        moved = total > 0
        shift = np.sqrt(((new - P) ** 2).sum(axis=1))
        pos[active] = new
        counts[active] = total
        steps[active[moved]] += 1
        done = ~moved | (shift <= stop) | (steps[active] >= max_iter)
        active = active[~done]
    return pos, counts, steps


def mean_shift(X, bandwidth, kernel="flat", seeds=None, max_iter=300, tol=1e-3, bin_seeding=False,
               min_bin_freq=1) -> MeanShiftResult:
    """Mean-shift clustering (Comaniciu & Meer 2002): every seed climbs the kernel density estimate to a mode.

    From each seed ``y``, repeat :func:`mean_shift_step` ``y <- m(y)``; the trajectory stops after the first step
    with ``||m(y) - y|| <= tol * h`` (scikit-learn's rule, ``tol=1e-3``) or after ``max_iter`` steps. Ends closer than
    the bandwidth are then merged exactly as in ``sklearn.cluster.mean_shift``: the ends are sorted by their count
    (the number of data points in the window of the last step; for the Gaussian kernel, within ``h`` of the end),
    strongest first, and each end that is kept removes the later ends within distance ``h``; a removed end belongs to
    the first kept mode that removed it.

    **Labels (basins of attraction).** A point's segment is the mode its own trajectory reaches, not the nearest mode
    (scikit-learn's ``labels_`` are the nearest mode; the two differ for points between clusters of different
    densities). With ``seeds=None`` and ``bin_seeding=False`` every data point is a seed, so this holds for every
    point. With given ``seeds`` or ``bin_seeding=True`` only the seeds' trajectories are run, and, as an approximation
    for speed, **a point that is not a seed takes the mode of its nearest seed** (among the seeds that reached one).

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points (for an image: ``luv.reshape(-1, 3)``, optionally with scaled pixel coordinates appended).
    bandwidth : float
        Kernel radius ``h > 0`` (``sklearn.cluster.estimate_bandwidth`` gives a starting value).
    kernel : {"flat", "gaussian"}, default "flat"
        ``"flat"``: uniform within distance ``h`` (as scikit-learn); ``"gaussian"``: ``exp(-||x - y||^2 / (2 h^2))``.
    seeds : array_like, shape (S, D), optional
        Starting points; default every point of ``X`` (identical points share one trajectory).
    max_iter : int, default 300
        Most steps per trajectory.
    tol : float, default 1e-3
        A trajectory stops when a step moves it by at most ``tol * h``.
    bin_seeding : bool, default False
        Without ``seeds``: start from the centres of the grid cells of side ``h`` that hold at least
        ``min_bin_freq`` points (scikit-learn's ``get_bin_seeds``): far fewer trajectories.
    min_bin_freq : int, default 1
        See ``bin_seeding``.

    Returns
    -------
    MeanShiftResult
        ``modes`` ``(m, D)`` strongest first, ``labels`` ``(N,)``, ``counts``, ``seeds``, ``seed_ends``,
        ``seed_labels``, ``n_iter``.

    Raises
    ------
    ValueError
        For a point set that is not a finite ``(N, D)`` array, ``bandwidth <= 0``, an unknown kernel, seeds of the
        wrong shape, or when no seed has a data point within the bandwidth.

    Notes
    -----
    All trajectories advance together: one step for every active trajectory is a dense kernel-weighted sum computed
    with matrix products in cache-sized tiles (threads for large problems); trajectories that have stopped leave the
    active set and trajectories that meet share their computation. The flat kernel's windows are exact (pairs within
    rounding error of the edge are decided with ``||x - y||^2 <= h^2``). Cost: ``O(N)`` per trajectory step, so for
    an image use ``bin_seeding=True`` or a subset of seeds, or work on a downsampled image. With the flat kernel and
    the same seeds, the modes equal those of ``sklearn.cluster.mean_shift(X, bandwidth=h, seeds=seeds)`` up to
    rounding.

    Examples
    --------
    >>> X = np.array([[0.0], [0.5], [1.0], [5.0], [5.5]])
    >>> result = mean_shift(X, bandwidth=1.0)
    >>> result.modes
    array([[0.5 ],
           [5.25]])
    >>> result.labels
    array([0, 0, 0, 1, 1])
    """
    X = _as_points(X)
    n, d = X.shape
    h = _check_float(bandwidth, "bandwidth", strict=True)
    kernel = _check_kernel(kernel)
    max_iter = _check_int(max_iter, "max_iter", minimum=1)
    tol = _check_float(tol, "tol")
    min_bin_freq = _check_int(min_bin_freq, "min_bin_freq", minimum=1)
    if not isinstance(bin_seeding, (bool, np.bool_)):
        raise ValueError(f"bin_seeding must be True or False, given {bin_seeding!r}")

    point_seeds = False
    if seeds is not None:
        S = _as_points(seeds, "seeds")
        if S.shape[1] != d:
            raise ValueError(f"seeds must have D={d} coordinates like X, given shape {S.shape}")
    elif bin_seeding:
        S = _bin_seeds(X, h, min_bin_freq)
    else:
        S = X
        point_seeds = True

    windows = _Windows(X, h, kernel)
    # identical seeds have identical trajectories: run the distinct ones
    distinct, _, seed_inverse = _unique_rows(S)
    ends_u, counts_u, steps_u = _trajectories(windows, distinct, max_iter, tol * h)
    if kernel == "gaussian":
        flat = _Windows(X, h, "flat")
        counts_u = flat.sums(ends_u)[:, -1]
    counts_u = np.rint(counts_u).astype(np.int64)

    # merge near-duplicate ends (sklearn.cluster.mean_shift's post-processing). A seed counts when its first
    # window held a data point (flat) or its kernel weights did not all underflow (gaussian): it moved.
    valid = np.flatnonzero(steps_u > 0)
    if valid.size == 0:
        raise ValueError(f"no data point lies within bandwidth={h:g} of any seed; use other seeds or a larger "
                         f"bandwidth")
    # scikit-learn keeps one end per exact position with the count of the last seed (in seed order) that reached it
    last_seed = np.zeros(len(distinct), dtype=np.int64)
    np.maximum.at(last_seed, seed_inverse, np.arange(len(S)))
    valid = valid[np.argsort(last_seed[valid], kind="stable")]
    cand, last, cand_inverse = _unique_rows(ends_u[valid])
    cand_counts = counts_u[valid][last]
    order = np.lexsort(tuple(cand.T[::-1]) + (cand_counts,))[::-1]  # count, then coordinates, descending
    sorted_ends = cand[order]
    tree = cKDTree(sorted_ends)
    keep = np.ones(len(sorted_ends), dtype=bool)
    owner = np.full(len(sorted_ends), -1, dtype=np.int64)
    for i in range(len(sorted_ends)):
        if keep[i]:
            near = np.asarray(tree.query_ball_point(sorted_ends[i], h), dtype=np.int64)
            keep[near] = False
            keep[i] = True
            fresh = near[owner[near] < 0]
            owner[fresh] = i
            owner[i] = i
    mode_index = np.cumsum(keep) - 1
    modes = sorted_ends[keep]
    mode_counts = cand_counts[order][keep]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    labels_u = np.full(len(distinct), -1, dtype=np.int64)
    labels_u[valid] = mode_index[owner[rank[cand_inverse]]]

    seed_labels = labels_u[seed_inverse]
    seed_ends = ends_u[seed_inverse]
    if point_seeds:  # every point moved: its own window holds it
        labels = seed_labels
    else:
        reached = np.flatnonzero(labels_u >= 0)
        _, nearest = cKDTree(distinct[reached]).query(X)
        labels = labels_u[reached[nearest]]
    n_iter = int(steps_u.max()) if steps_u.size else 0
    return MeanShiftResult(modes=modes, labels=labels.astype(np.int64), counts=mode_counts, seeds=S.copy(),
                           seed_ends=seed_ends, seed_labels=seed_labels, n_iter=n_iter)


# ---------------------------------------------------------------------------------------------------------------
# segments as an image


def segment_image(image, labels) -> np.ndarray:
    """The image of a segmentation's mean colours: each pixel replaced by the mean colour of its segment.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey or colour image (finite real numbers, e.g. floats in ``[0, 1]``).
    labels : array_like of int, shape (H, W) or (H * W,)
        Segment of every pixel (any integers, e.g. the ``labels`` of :func:`kmeans` on ``image.reshape(-1, C)``).

    Returns
    -------
    numpy.ndarray of float64, shape of ``image``
        Pixel ``p`` of segment ``s`` holds ``mean{image[q] : labels[q] = s}``.

    Raises
    ------
    ValueError
        When ``image`` is not 2-D or 3-D, holds NaN or infinity, or ``labels`` has not H x W integer entries.

    Examples
    --------
    >>> image = np.array([[0.0, 0.2, 1.0], [0.4, 0.8, 1.0]])
    >>> segment_image(image, np.array([[0, 0, 1], [0, 1, 1]]))
    array([[0.2       , 0.2       , 0.93333333],
           [0.2       , 0.93333333, 0.93333333]])
    """
    img = _as_float_array(image, "image")
    if img.ndim not in (2, 3) or img.size == 0:
        raise ValueError(f"image must have shape (H, W) or (H, W, C), given shape {img.shape}")
    h, w = img.shape[:2]
    lab = np.asarray(labels)
    if lab.dtype.kind not in "iu":
        raise ValueError(f"labels must hold integer segment labels (an integer dtype), given dtype {lab.dtype}")
    if lab.shape not in ((h, w), (h * w,)):
        raise ValueError(f"labels must have shape ({h}, {w}) or ({h * w},), one label per pixel of the image, given "
                         f"shape {lab.shape}")
    flat_labels = lab.reshape(-1)
    if flat_labels.min() >= 0 and flat_labels.max() < 4 * flat_labels.size:
        ids = flat_labels.astype(np.int64, copy=False)
    else:
        ids = np.unique(flat_labels, return_inverse=True)[1].reshape(-1)
    pixels = img.reshape(h * w, -1)
    counts = np.bincount(ids)
    out = np.empty_like(pixels)
    for c in range(pixels.shape[1]):
        means = np.bincount(ids, weights=pixels[:, c], minlength=counts.size) / np.maximum(counts, 1)
        out[:, c] = means[ids]
    return out.reshape(img.shape)
