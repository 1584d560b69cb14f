"""The checks of a graph's arguments that the graph modules share: an affinity matrix, a bipartition, a node.

They follow the course's one rule (:mod:`coursekit._checks`): ``TypeError`` when the kind is wrong, ``ValueError``
when the kind is right but the value is not. :func:`degrees` is here too, as every module needs it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._checks import as_int_array, as_real_array, check_int

# W counts as symmetric when |w_ij - w_ji| <= _SYMMETRY_RTOL * max |w|: rounding in how W was computed is forgiven.
_SYMMETRY_RTOL = 1e-10


def _largest_entry(M) -> tuple[int, int]:
    """Row and column of the largest entry of a dense or sparse matrix (among the stored ones if sparse)."""
    if sp.issparse(M):
        M = sp.coo_array(M)
        k = int(np.argmax(M.data))
        return int(M.row[k]), int(M.col[k])
    i, j = np.unravel_index(int(np.argmax(M)), M.shape)
    return int(i), int(j)


def _as_sparse(W, name: str):
    """A scipy.sparse ``W`` as a float64 CSR array; TypeError unless real numbers, ValueError for NaN or infinity."""
    if W.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, given a sparse matrix of dtype {W.dtype}")
    G = sp.csr_array(W, dtype=np.float64)
    if not np.isfinite(G.data).all():
        i, j = _largest_entry(sp.csr_array((~np.isfinite(G.data), G.indices, G.indptr), shape=G.shape))
        raise ValueError(f"{name} must hold finite numbers, given {name}[{i}, {j}] = {G[i, j]}")
    return G


def as_graph(W, name: str = "W"):
    """``W`` as a float64 dense array or CSR array; ValueError unless square, finite, non-negative and symmetric."""
    G = _as_sparse(W, name) if sp.issparse(W) else as_real_array(W, name, bool_ok=True)
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] == 0:
        raise ValueError(f"{name} must be a square (N, N) affinity matrix with N >= 1, given shape {G.shape}")
    if (G < 0).sum():
        i, j = _largest_entry(-G)
        raise ValueError(f"{name} must hold affinities >= 0, given {name}[{i}, {j}] = {G[i, j]:g}")
    asymmetry = abs(G - G.T)
    if asymmetry.max() > _SYMMETRY_RTOL * abs(G).max():
        i, j = _largest_entry(asymmetry)
        raise ValueError(f"{name} must be symmetric (w_ij = w_ji), given {name}[{i}, {j}] = {G[i, j]:g} but "
                         f"{name}[{j}, {i}] = {G[j, i]:g}")
    return G


def as_mask(mask, n: int) -> np.ndarray:
    """A bipartition: a boolean array of shape ``(n,)`` (0/1 integers are accepted)."""
    arr = as_int_array(mask, "mask", "True/False for the nodes of A, or 0/1", bool_ok=True)
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"mask must be boolean (or 0/1), given integer values {np.unique(arr)[:5].tolist()}")
    if arr.shape != (n,):
        hint = " (for an (H, W) mask of an image's pixels pass mask.ravel())" if arr.size == n else ""
        raise ValueError(f"mask must have shape ({n},), one entry per node of W, given shape {arr.shape}{hint}")
    return arr.astype(bool)


def check_node(value, n: int, name: str) -> int:
    """A node of a graph of ``n`` nodes: an int with ``0 <= value < n``."""
    value = check_int(value, name, 0)
    if value >= n:
        raise ValueError(f"{name} must be a node of W, between 0 and {n - 1}, given {value}")
    return value


def degrees(W) -> np.ndarray:
    """``d_i = sum_j w_ij`` of a dense or sparse ``W``."""
    return np.asarray(W.sum(axis=1), dtype=np.float64).ravel()
