"""Lloyd's algorithm, fast: Hamerly's distance bounds and cluster sums that follow the labels.

Plain version: :func:`coursekit.clustering.k_means._lloyd_plain`, a full assignment step and a full update step per
iteration. The iterations here are the same (same labels, same stopping), the sums and the SSD equal up to rounding.

References
----------
.. [1] G. Hamerly, "Making k-means even faster", Proc. SIAM International Conference on Data Mining, pp. 130-140,
   2010.
"""

from __future__ import annotations

import math

import numpy as np

from .nearest import nearest_two, sq_norms, tie_tolerance
from .threads import TILE_MNK, WIDE, chunks, run_chunks


def onehot_sums(labels: np.ndarray, A: np.ndarray, k: int, sign: float = 1.0, out=None) -> np.ndarray:
    """``sum_{i : labels_i = j} A_i`` for every ``j`` as a ``(k, A.shape[1])`` array (one-hot products in tiles)."""
    out = np.zeros((k, A.shape[1])) if out is None else out
    if k > WIDE:  # many clusters: a weighted count per column
        for col in range(A.shape[1]):
            out[:, col] += sign * np.bincount(labels, weights=A[:, col], minlength=k)
        return out
    step = max(256, TILE_MNK // (k * A.shape[1]))
    ar = np.arange(k)[:, None]
    for a in range(0, len(labels), step):
        onehot = (labels[None, a:a + step] == ar).astype(np.float64)
        if sign != 1.0:
            onehot *= sign
        out += onehot @ A[a:a + step]
    return out


class Bounds:
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
        self.x2 = sq_norms(X)
        x2max = float(self.x2.max())
        c2max = max(x2max, float(sq_norms(C).max()))
        self.tie_tol = tie_tolerance(d, x2max, c2max)
        # the two distances come from the product formula: each is off by at most sqrt(tie_tol) (near 0), less
        # elsewhere; the bound updates add a few ulps per iteration
        self.margin = 4.0 * math.sqrt(self.tie_tol) + 1e-9 * math.sqrt(x2max + c2max)
        self.chunks = chunks(n)
        self.shrunk = np.zeros(self.k)
        self.labels, d1, d2 = nearest_two(self.XT, self.x2, C, sq_norms(C), self.tie_tol)
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

    def _add(self, total: np.ndarray) -> None:
        d = self.XT.shape[0]
        self.sums += total[:, :d]
        self.sq += total[:, d]
        self.counts += total[:, d + 1]

    def recount(self) -> None:
        """The per-cluster sums from scratch."""
        d = self.XT.shape[0]
        self.sums, self.sq, self.counts = np.zeros((self.k, d)), np.zeros(self.k), np.zeros(self.k)
        parts = run_chunks(lambda a, b: onehot_sums(self.labels[a:b], self._rows(a, b), self.k), self.chunks)
        self._add(np.sum(parts, axis=0))

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
        c2 = sq_norms(C)
        results = run_chunks(lambda a, b: self._step_chunk(a, b, C, c2, threshold), self.chunks)
        n_moved = sum(r[0] for r in results)
        if n_moved == 0:
            return 0
        if n_moved > self.XT.shape[1] // 8:  # many changed: recompute the sums (no drift from many updates)
            self.recount()
        else:
            self._add(np.sum([r[1] for r in results if r[1] is not None], axis=0))
        return n_moved

    def _step_chunk(self, a: int, b: int, C: np.ndarray, c2: np.ndarray, threshold: np.ndarray):
        labels, key, XT = self.labels[a:b], self.key[a:b], self.XT[:, a:b]
        cand = np.flatnonzero(key <= np.take(threshold, labels))
        if cand.size == 0:
            return 0, None
        if 3 * cand.size > 2 * (b - a):  # most points: a pass over contiguous data is cheaper than gathering
            cand = np.arange(b - a)
            new, d1, d2 = nearest_two(XT, self.x2[a:b], C, c2, self.tie_tol, parallel=False)
        else:
            sub = np.empty((XT.shape[0], cand.size))
            for dim in range(XT.shape[0]):
                np.take(XT[dim], cand, out=sub[dim])
            new, d1, d2 = nearest_two(sub, np.take(self.x2[a:b], cand), C, c2, self.tie_tol, parallel=False)
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
        delta = onehot_sums(new[moved], rows, self.k)
        onehot_sums(old[moved], rows, self.k, sign=-1.0, out=delta)
        return int(moved.size), delta

    def ssd(self, C: np.ndarray) -> float:
        """``sum_j (Q_j - 2 c_j.S_j + n_j ||c_j||^2)``: the SSD of centres ``C`` with the current labels."""
        value = self.sq.sum() - 2.0 * np.einsum("ij,ij->", C, self.sums) + np.dot(self.counts, sq_norms(C))
        return max(float(value), 0.0)

    def inertia(self, C: np.ndarray) -> float:
        """The SSD of ``C`` and the current labels summed directly, ``sum ||x_i - c_{l_i}||^2`` (chunks in parallel)."""

        def part(a, b):
            diff = self.X[a:b] - C[self.labels[a:b]]
            return float(np.einsum("ij,ij->", diff, diff))

        return float(sum(run_chunks(part, self.chunks)))


def lloyd(X: np.ndarray, C: np.ndarray, max_iter: int, tol_abs: float, keep_labels: bool):
    """Lloyd's iterations from centres ``C`` with the stopping rule of :func:`coursekit.clustering.kmeans`.

    Returns ``(labels, centers, n_iter, records, ssd)``: ``records`` holds one ``(centers, labels or None, SSD)`` per
    iteration, ``labels`` are those of the returned centres and ``ssd`` their SSD.
    """
    state = None
    records = []
    strict = False
    shift = None
    for it in range(max_iter):
        if state is None:
            state = Bounds(X, C)
            changed = -1  # the first labels are never "unchanged"
        else:
            changed = state.step(C, shift)
        records.append((C.copy(), state.labels.copy() if keep_labels else None, state.ssd(C)))
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
    return state.labels, C, it + 1, records, state.inertia(C)
