"""Normalized cuts (Shi & Malik 2000): the two-way cut from the generalized eigenproblem, and recursive segmentation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, eigsh
from threadpoolctl import threadpool_limits

from .._checks import check_choice, check_int, check_nonneg
from .affinity import image_affinity
from .cuts import _assoc, _cut
from ._graph import as_graph, degrees

__all__ = ["ncut_bipartition", "NcutResult", "ncut_segment"]

_EIGEN_SOLVERS = ("auto", "dense", "sparse")

# "auto": graphs with at most this many nodes are solved with the dense eigh (exact, and fast enough).
_DENSE_MAX = 500


@dataclass(frozen=True, eq=False)
class NcutResult:
    """Result of :func:`ncut_bipartition`.

    Attributes
    ----------
    mask : numpy.ndarray of bool, shape (N,)
        ``A = {i : y_i > threshold}``.
    ncut : float
        ``Ncut(A, B)`` of that bipartition.
    eigenvalue : float
        ``lambda``, the second smallest generalized eigenvalue of ``(D - W) y = lambda D y``; a lower bound of the
        Ncut of every bipartition (the relaxation's minimum).
    vector : numpy.ndarray, shape (N,)
        Its eigenvector ``y``, scaled to ``y^T D y = 1``, signed so that its entry of largest magnitude is positive.
    threshold : float
        The split point, midway between two consecutive sorted values of ``y``.
    """

    mask: np.ndarray
    ncut: float
    eigenvalue: float
    vector: np.ndarray
    threshold: float


def _start_vector(n: int) -> np.ndarray:
    """A fixed start vector for the Lanczos iteration, so that results do not change from run to run."""
    return np.random.default_rng(0).uniform(-1.0, 1.0, n)


def _second_eigenvector(W, degree: np.ndarray, dense: bool, tol: float) -> tuple[float, np.ndarray]:
    """Second smallest eigenpair ``(lambda, z)`` of ``L_sym = I - D^-1/2 W D^-1/2``.

    The smallest eigenvalues of ``L_sym`` are the largest ones of ``M = D^-1/2 W D^-1/2`` (``lambda = 1 - mu``),
    and Lanczos finds the largest eigenvalues of a matrix quickly (``which="LA"``), where asking it for the
    smallest ones of ``L_sym`` (``which="SM"``) converges very slowly. The top eigenvector of ``M`` is known,
    ``z_0 = D^1/2 1``, and ``z`` is the direction orthogonal to it (``y^T D 1 = 0``), which also picks a right vector
    when 0 is a repeated eigenvalue (a graph in several pieces). The dense solver computes the top two eigenvectors
    and keeps the direction orthogonal to ``z_0``. Lanczos is given ``M - 2 z_0 z_0^T`` instead (``z_0`` deflated to
    the eigenvalue -1, below every other one): asked for the top two of ``M`` with a tolerance, it cannot tell
    ``mu = 1`` from ``mu_2 = 1 - lambda_2`` when ``lambda_2`` is below the tolerance (a piece joined by very weak
    edges), finds one vector for both and returns the third eigenvector instead of the second.
    """
    s = 1.0 / np.sqrt(degree)
    z0 = np.sqrt(degree) / np.linalg.norm(np.sqrt(degree))
    if dense:
        W = W.toarray() if sp.issparse(W) else W
        M = s[:, None] * W * s[None, :]
        _, Z = scipy.linalg.eigh(M, subset_by_index=[len(s) - 2, len(s) - 1])
        a = Z.T @ z0
        z = Z @ np.array([a[1], -a[0]])
    else:
        M = sp.diags_array(s) @ sp.csr_array(W) @ sp.diags_array(s) if sp.issparse(W) else s[:, None] * W * s
        deflated = LinearOperator(M.shape, dtype=np.float64,
                                  matvec=lambda v: M @ np.ravel(v) - 2.0 * z0 * (z0 @ np.ravel(v)))
        # Speed only. ncv: a longer Lanczos basis between restarts than the default 20 halves the matrix products
        # on large image graphs, whose top eigenvalues crowd near 1 (256 x 256 pixels: 1,000 instead of 2,100).
        # One BLAS thread: Lanczos' other steps are matrix-vector products, limited by memory, where threads gain
        # little and, on a busy machine, wait for each other (256 x 256 on 2 busy cores: 7 s instead of 38 s).
        with threadpool_limits(limits=1, user_api="blas"):
            _, Z = eigsh(deflated, k=1, which="LA", tol=tol, v0=_start_vector(len(s)), ncv=min(len(s), 40))
        z = Z[:, 0] - z0 * (z0 @ Z[:, 0])
    z /= np.linalg.norm(z)
    return float(1.0 - z @ (M @ z)), z


def _best_threshold(W, degree: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Shi & Malik's search: the split ``y > t`` of least Ncut, ``t`` midway between consecutive sorted values of ``y``.

    All ``N - 1`` splits at once. With the nodes sorted by ``y`` and ``B_k`` the ``k`` first:
    ``assoc(B_k, V)`` is the running sum of the sorted degrees, and ``cut(B_k, A_k) = assoc(B_k, V) - assoc(B_k, B_k)``
    where ``w_ij`` joins ``assoc(B_k, B_k)`` as soon as both ``i`` and ``j`` are in, at ``k = max(rank_i, rank_j) + 1``.
    """
    n = len(y)
    order = np.argsort(y, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    edges = sp.coo_array(W)
    joins = np.maximum(rank[edges.row], rank[edges.col])
    assoc_inside = np.cumsum(np.bincount(joins, weights=edges.data, minlength=n))[:-1]
    assoc_b = np.cumsum(degree[order])[:-1]
    assoc_a = degree.sum() - assoc_b
    cut = assoc_b - assoc_inside
    ncut = cut / assoc_a + cut / assoc_b
    y_sorted = y[order]
    ncut[y_sorted[1:] == y_sorted[:-1]] = np.inf  # no threshold falls between equal values
    k = int(np.argmin(ncut))
    mask = np.zeros(n, dtype=bool)
    mask[order[k + 1 :]] = True
    return mask, float((y_sorted[k] + y_sorted[k + 1]) / 2)


def _ncut_bipartition(W, degree: np.ndarray, eigen_solver: str, tol: float) -> NcutResult:
    """:func:`ncut_bipartition` of a checked ``W`` with its degrees, all positive (prior validation is assumed)."""
    n = len(degree)
    dense = eigen_solver == "dense" or (eigen_solver == "auto" and n <= _DENSE_MAX) or n < 3  # ARPACK: k=2 < n
    eigenvalue, z = _second_eigenvector(W, degree, dense, tol)
    y = z / np.sqrt(degree)
    y *= np.sign(y[np.argmax(np.abs(y))])
    mask, threshold = _best_threshold(W, degree, y)
    cut = _cut(W, mask)
    ncut = cut / _assoc(W, mask) + cut / _assoc(W, ~mask)
    return NcutResult(mask=mask, ncut=ncut, eigenvalue=eigenvalue, vector=y, threshold=threshold)


def ncut_bipartition(W, *, eigen_solver="auto", tol=1e-6) -> NcutResult:
    """Two-way normalized cut: threshold the second generalized eigenvector of ``(D - W) y = lambda D y``.

    1. Solve ``(D - W) y = lambda D y`` through the symmetric normalized Laplacian: with ``z = D^1/2 y``,
       ``L_sym z = (I - D^-1/2 W D^-1/2) z = lambda z``. Take the second smallest ``lambda`` (the smallest is 0, with
       ``y = 1``) and map back, ``y = D^-1/2 z``.
    2. Sort ``y`` and try every threshold midway between consecutive values: ``A = {i : y_i > t}``. Keep the one of
       least ``Ncut(A, B)``.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (N, N)
        Symmetric non-negative affinities, ``N >= 2``, every node with an edge (degree > 0).
    eigen_solver : {"auto", "dense", "sparse"}
        ``"dense"``: :func:`scipy.linalg.eigh` (exact); ``"sparse"``: Lanczos, :func:`scipy.sparse.linalg.eigsh`
        for the two largest eigenvalues of ``D^-1/2 W D^-1/2``; ``"auto"``: dense up to 500 nodes.
    tol : float
        Relative accuracy of the sparse eigensolver, ``>= 0`` (0: machine precision). The eigenvector only needs to
        order the nodes well enough for the threshold search.

    Returns
    -------
    NcutResult
        ``mask``, ``ncut``, ``eigenvalue``, ``vector`` (``y``) and ``threshold``.

    Raises
    ------
    ValueError
        For a node of degree 0: ``D`` is not invertible and Ncut of a split around it is undefined.

    References
    ----------
    Shi & Malik 2000, section 2 (the relaxation to the generalized eigenproblem) and section 3 (the search for the
    splitting point).

    Examples
    --------
    Two triangles joined by one weak edge (2 - 3):

    >>> import numpy as np
    >>> W = np.zeros((6, 6))
    >>> for i, j, w in [(0, 1, 1), (0, 2, 1), (1, 2, 1), (3, 4, 1), (3, 5, 1), (4, 5, 1), (2, 3, 0.1)]:
    ...     W[i, j] = W[j, i] = w
    >>> result = ncut_bipartition(W)
    >>> result.mask
    array([ True,  True,  True, False, False, False])
    >>> round(result.ncut, 4), round(result.eigenvalue, 4)
    (0.0328, 0.0314)
    """
    W = as_graph(W)
    eigen_solver = check_choice(eigen_solver, "eigen_solver", _EIGEN_SOLVERS)
    tol = check_nonneg(tol, "tol")
    if W.shape[0] < 2:
        raise ValueError(f"W must have at least 2 nodes to be split, given shape {W.shape}")
    degree = degrees(W)
    isolated = np.flatnonzero(degree == 0)
    if len(isolated):
        raise ValueError(f"every node needs an edge, but node(s) {isolated[:5].tolist()} of W have degree 0: D is not "
                         f"invertible and Ncut is undefined for a side made of them; remove or connect them")
    return _ncut_bipartition(W, degree, eigen_solver, tol)


# ---------------------------------------------------------------------------------------------------------------
# segmentation


def _split(W, nodes: np.ndarray, eigen_solver: str, tol: float):
    """Best Ncut split of the segment ``nodes`` within its own subgraph, as ``(ncut, side A, side B)``, or None.

    Nodes with no edge inside the segment cannot be split off (Ncut is undefined there): they stay on side B.
    """
    sub = W[nodes][:, nodes]
    degree = degrees(sub)
    linked = np.flatnonzero(degree > 0)
    if len(linked) < 2:
        return None
    result = _ncut_bipartition(sub[linked][:, linked], degree[linked], eigen_solver, tol)
    in_a = np.zeros(len(nodes), dtype=bool)
    in_a[linked[result.mask]] = True
    return result.ncut, nodes[in_a], nodes[~in_a]


def _in_order_of_appearance(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, 2, ... in the order they first appear."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse].astype(np.int64)


def ncut_segment(image, n_segments, sigma_color, sigma_space, radius, *, max_ncut=2.0, eigen_solver="auto",
                 tol=1e-6) -> np.ndarray:
    """Segment an image by recursive two-way normalized cuts.

    Start from one segment holding every pixel of the graph :func:`~coursekit.graphs.affinity.image_affinity`
    builds. Repeat: among the segments, find the best two-way Ncut of each one's own subgraph
    (:func:`ncut_bipartition`), and split the segment
    whose split has the least Ncut. Stop at ``n_segments`` segments, or earlier when no split has an Ncut of at most
    ``max_ncut`` (Shi & Malik's stopping threshold) or no segment can be split.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey or colour image.
    n_segments : int
        Number of segments wanted, between 1 and ``H * W``.
    sigma_color, sigma_space, radius : float
        The affinity of :func:`~coursekit.graphs.affinity.image_affinity`.
    max_ncut : float
        Largest Ncut of a split that is made, ``>= 0``; the default 2 is the largest possible Ncut (no early stop).
    eigen_solver, tol
        As in :func:`ncut_bipartition`.

    Returns
    -------
    numpy.ndarray of int64, shape (H, W)
        Labels ``0 .. k-1`` (``k <= n_segments``), numbered in raster order of their first pixel.

    References
    ----------
    Shi & Malik 2000, section 3 (recursive two-way Ncut, stopped by a threshold on Ncut).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((6, 8))
    >>> image[:, 4:] = 1.0
    >>> ncut_segment(image, 2, sigma_color=0.2, sigma_space=2.0, radius=2)
    array([[0, 0, 0, 0, 1, 1, 1, 1],
           [0, 0, 0, 0, 1, 1, 1, 1],
           [0, 0, 0, 0, 1, 1, 1, 1],
           [0, 0, 0, 0, 1, 1, 1, 1],
           [0, 0, 0, 0, 1, 1, 1, 1],
           [0, 0, 0, 0, 1, 1, 1, 1]])
    """
    W = image_affinity(image, sigma_color, sigma_space, radius)
    height, width = np.shape(image)[:2]
    n = height * width
    n_segments = check_int(n_segments, "n_segments", 1)
    if n_segments > n:
        raise ValueError(f"n_segments must be at most the number of pixels {n}, given {n_segments}")
    max_ncut = check_nonneg(max_ncut, "max_ncut")
    eigen_solver = check_choice(eigen_solver, "eigen_solver", _EIGEN_SOLVERS)
    tol = check_nonneg(tol, "tol")

    labels = np.zeros(n, dtype=np.int64)
    splits = {}  # segment label -> its best split (ncut, side A, side B), or None when it cannot be split
    new_segments = {0: np.arange(n)}  # segments whose best split is not known yet
    for new in range(1, n_segments):
        splits.update({label: _split(W, nodes, eigen_solver, tol) for label, nodes in new_segments.items()})
        candidates = [(split[0], label) for label, split in splits.items() if split and split[0] <= max_ncut]
        if not candidates:
            break
        _, label = min(candidates)
        _, side_a, side_b = splits[label]
        labels[side_b] = new
        new_segments = {label: side_a, new: side_b}
    return _in_order_of_appearance(labels).reshape(height, width)
