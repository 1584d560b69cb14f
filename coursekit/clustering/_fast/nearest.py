"""The assignment step of k-means, fast: nearest and second-nearest centre of every point.

Plain version: ``argmin_j ((x_i - c_j) ** 2).sum()`` over an ``(N, k, D)`` array of differences
(:func:`coursekit.clustering.k_means._nearest_plain`); the labels here are the same, ties included.
"""

from __future__ import annotations

import numpy as np

from .threads import TILE_MNK, WIDE, pool, workers

_EPS = np.finfo(np.float64).eps


def tie_tolerance(d: int, x2max: float, c2max: float) -> float:
    """Bound on the rounding error of ``||x||^2 - 2 x.c + ||c||^2`` (a few ulps of the largest squared norm)."""
    return 8.0 * (d + 4) * _EPS * (x2max + c2max) + np.finfo(np.float64).tiny


def _tile_narrow(XT: np.ndarray, Cm2: np.ndarray, c2: np.ndarray, lab: np.ndarray, d1: np.ndarray,
                 d2: np.ndarray) -> None:
    """:func:`nearest_two` for one tile of points ``XT`` (D, n), one pass per centre; written into the views."""
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


def _tile_wide(XT: np.ndarray, Cm2: np.ndarray, c2: np.ndarray, lab: np.ndarray, d1: np.ndarray,
               d2: np.ndarray) -> None:
    """:func:`_tile_narrow` for many centres: one row of distances per point, argmin and min along the rows."""
    g = XT.T @ Cm2.T  # (n, k): -2 x.c
    g += c2
    rows = np.arange(g.shape[0])
    arg = np.argmin(g, axis=1)  # first minimum: ties to the lowest index
    lab[:] = arg
    d1[:] = g[rows, arg]
    g[rows, arg] = np.inf
    np.min(g, axis=1, out=d2)


def nearest_two(XT: np.ndarray, x2: np.ndarray, C: np.ndarray, c2: np.ndarray, tie_tol: float,
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
    cols = max(256, min(8192, TILE_MNK // max(1, k * d)))
    Cm2 = -2.0 * C
    tiles = [(a, min(a + cols, n)) for a in range(0, n, cols)]
    tile = _tile_wide if k > WIDE else _tile_narrow

    def run(group):
        for a, b in group:
            tile(XT[:, a:b], Cm2, c2, lab[a:b], d1[a:b], d2[a:b])

    if parallel and workers() > 1 and len(tiles) > 1 and n * k >= 100_000:
        list(pool().map(run, [tiles[i::2 * workers()] for i in range(2 * workers())]))
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


def sq_norms(A: np.ndarray) -> np.ndarray:
    """``||a_i||^2`` of every row."""
    return np.einsum("ij,ij->i", A, A)


def nearest_centre(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """The label ``argmin_j ||x_i - c_j||^2`` of every point of ``X`` (N, D), ties to the lowest index."""
    x2, c2 = sq_norms(X), sq_norms(C)
    tol = tie_tolerance(X.shape[1], float(x2.max()), float(c2.max()))
    return nearest_two(X.T, x2, C, c2, tol)[0]
