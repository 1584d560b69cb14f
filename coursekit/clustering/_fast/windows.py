"""Mean shift, fast: kernel-weighted window sums for many positions at once, steps shared between trajectories,
and the grid cells of bin seeding counted with integer keys.

Plain versions (in :mod:`coursekit.clustering.meanshift`): ``_step_plain`` (an ``(M, N)`` array of squared
distances; window membership is the same here, positions equal up to rounding), every trajectory stepping on its own
(:func:`shared` gives the same results) and ``_count_cells_plain`` (``np.unique`` of rows, equal).
"""

from __future__ import annotations

import numpy as np

from .nearest import sq_norms, tie_tolerance
from .threads import TILE_MNK, pool, workers

_EPS = np.finfo(np.float64).eps


class Windows:
    """Kernel-weighted sums over ``X`` for many window positions at once (dense, in cache-sized tiles).

    For positions ``y`` it returns ``sum_i K(x_i - y) (x_i - mu)`` and ``sum_i K(x_i - y)``, where ``mu`` is the mean
    of ``X`` (data centred for accuracy). Squared distances come from ``||x||^2 - 2 x.y + ||y||^2`` (matrix
    products); for the flat kernel the few pairs within rounding error of the window's edge are decided again with
    ``((x - y)**2).sum() <= h^2``, so membership is exact.
    """

    def __init__(self, X: np.ndarray, bandwidth: float, kernel: str):
        self.X = X
        n = X.shape[0]
        self.mu = X.mean(axis=0)
        Xc = X - self.mu
        xc2 = sq_norms(Xc)
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
        yc2 = sq_norms(Yc)
        # [-2 y, 1, ||y||^2] . [x, ||x||^2, 1] = ||x - y||^2; the flat kernel compares it with h^2 (folded in), the
        # Gaussian kernel needs it times -1/(2 h^2) (folded in too)
        if self.kernel == "flat":
            Yaug = np.hstack([-2.0 * Yc, np.ones((m, 1)), (yc2 - self.h2)[:, None]])
        else:
            Yaug = np.hstack([-2.0 * Yc, np.ones((m, 1)), yc2[:, None]]) * (-0.5 / self.h2)
        # the product formula's error bound, as for k-means, plus a little for h^2's own rounding
        band = tie_tolerance(d, self.xc2max, float(yc2.max())) + 8 * _EPS * self.h2
        out = np.zeros((m, d + 1))
        rows = min(self.rows, m)
        cols = max(512, TILE_MNK // ((d + 2) * rows))
        per_job = rows * 8
        jobs = [(a, min(a + per_job, m)) for a in range(0, m, per_job)]

        def run(job):
            a, b = job
            buffers = {}
            for r in range(a, b, rows):
                self._tile_rows(Y, Yaug, r, min(r + rows, b), cols, band, out, buffers)

        if m * self.X1.shape[0] >= 4_000_000 and len(jobs) > 1 and workers() > 1:
            list(pool().map(run, jobs))
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


def unique_rows(A: np.ndarray):
    """Distinct rows of ``A`` (compared exactly, in lexicographic order), the index of the last occurrence of each,
    and the inverse (``A == distinct[inverse]``)."""
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


def shared(step):
    """``step`` (:meth:`Windows.step`) computed once per distinct position.

    A mean-shift step depends only on the position, so identical rows of a call share one computation, and a position
    computed before (by any trajectory, at any time) is looked up; with the flat kernel, trajectories that meet share
    their windows exactly. The results are those of ``step``.
    """
    memo: dict[bytes, tuple[np.ndarray, float]] = {}

    def shared_step(P: np.ndarray):
        U, _, inverse = unique_rows(P)
        keys = [row.tobytes() for row in U]
        new_u = np.empty_like(U)
        total_u = np.empty(len(U))
        todo = np.asarray([i for i, key in enumerate(keys) if key not in memo], dtype=np.int64)
        if todo.size:
            new_u[todo], total_u[todo] = step(U[todo])
            for i in todo.tolist():
                memo[keys[i]] = (new_u[i], float(total_u[i]))
        if todo.size < len(U):
            for i, key in enumerate(keys):
                new_u[i], total_u[i] = memo[key]
        return new_u[inverse], total_u[inverse]

    return shared_step


def count_cells(cells: np.ndarray):
    """``np.unique(cells, axis=0, return_counts=True)`` for integer-valued float cells ``(N, D)``: one integer key
    per cell when they fit in 62 bits (a 1-D unique is much faster than one of rows)."""
    low, high = cells.min(axis=0), cells.max(axis=0)
    span = high - low + 1
    if float(np.prod(span)) >= 2.0 ** 62:
        return np.unique(cells, axis=0, return_counts=True)
    span = span.astype(np.int64)
    strides = np.cumprod(np.concatenate([[1], span[:0:-1]]))[::-1]
    keys = (cells - low).astype(np.int64) @ strides
    distinct, counts = np.unique(keys, return_counts=True)
    out = np.empty((distinct.size, cells.shape[1]))
    for dim in range(cells.shape[1]):
        out[:, dim] = distinct // strides[dim] + low[dim]
        distinct = distinct % strides[dim]
    return out, counts
