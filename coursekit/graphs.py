"""Images as graphs: affinities, cuts, the minimum cut and its bias, and normalized cuts.

Notation (as in the lecture)
----------------------------
A graph ``G = (V, E)`` over ``N`` nodes is given by its affinity matrix ``W``: ``w_ij = w_ji >= 0`` is the weight of
the edge between nodes ``i`` and ``j`` (0 where there is no edge), a dense ``(N, N)`` array or a :mod:`scipy.sparse`
CSR matrix. For an image, the nodes are the pixels in raster order: pixel ``(row, col)`` is node ``row * W + col``.
The degree of node ``i`` is ``d_i = sum_j w_ij`` and ``D = diag(d_1, ..., d_N)``. A bipartition ``V = A ∪ B`` is a
boolean ``mask`` of length ``N``: ``A`` holds the nodes where it is True, ``B`` the others.

- **affinity**: ``w_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))`` for points (:func:`gaussian_affinity`); for pixels, a
  colour term times a space term between pixels at most ``radius`` apart (:func:`image_affinity`).
- **cut**: ``cut(A, B) = sum_{i in A, j in B} w_ij`` (:func:`cut_value`), the weight of the edges a partition
  removes.
- **association**: ``assoc(A, V) = sum_{i in A, j in V} w_ij = sum_{i in A} d_i`` (:func:`assoc`).
- **minimum cut** (Wu & Leahy 1993): the cut of least value separating a source from a sink (:func:`min_cut`). It is
  biased towards small pieces: a node joined by a few weak edges is cheap to cut off, whatever the rest looks like.
- **normalized cut** (Shi & Malik 2000): ``Ncut(A, B) = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V)``
  (:func:`ncut_value`), between 0 and 2. Cutting off a small piece is now expensive: its association is about as
  small as the cut, so one term is close to 1.
- **the relaxation**: minimizing Ncut over bipartitions is NP-hard. Written with an indicator ``y`` (``y_i = 1`` in
  ``A``, ``-b`` in ``B``), ``min Ncut = min_y y^T (D - W) y / y^T D y`` subject to ``y^T D 1 = 0``; letting ``y``
  take real values gives the generalized eigenproblem ``(D - W) y = lambda D y``. Its smallest eigenvalue is 0, with
  ``y = 1`` (no partition); the eigenvector of the second smallest, thresholded, gives the bipartition
  (:func:`ncut_bipartition`). Applied again to the pieces, it gives more segments (:func:`ncut_segment`).

References
----------
.. [1] J. Shi, J. Malik, "Normalized Cuts and Image Segmentation", IEEE Transactions on Pattern Analysis and Machine
   Intelligence 22(8):888-905, 2000.
.. [2] Z. Wu, R. Leahy, "An Optimal Graph Theoretic Approach to Data Clustering: Theory and Its Application to Image
   Segmentation", IEEE Transactions on Pattern Analysis and Machine Intelligence 15(11):1101-1113, 1993.
.. [3] L. R. Ford, D. R. Fulkerson, "Maximal Flow Through a Network", Canadian Journal of Mathematics 8:399-404, 1956
   (the maximum flow equals the minimum cut).
.. [4] R. B. Lehoucq, D. C. Sorensen, C. Yang, "ARPACK Users' Guide", SIAM, 1998 (the Lanczos eigensolver behind
   :func:`scipy.sparse.linalg.eigsh`).

Examples
--------
Two groups of points on a line, and the Ncut bipartition of their affinity graph:

>>> import numpy as np
>>> X = np.array([[0.0], [0.5], [1.0], [4.0], [4.5]])
>>> W = gaussian_affinity(X, sigma=1.0)
>>> result = ncut_bipartition(W)
>>> result.mask
array([False, False, False,  True,  True])
>>> round(result.ncut, 4) == round(ncut_value(W, result.mask), 4)
True
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow
from scipy.sparse.linalg import eigsh
from scipy.spatial.distance import cdist
from threadpoolctl import threadpool_limits

from ._checks import check_int, check_nonneg

__all__ = [
    "gaussian_affinity",
    "image_affinity",
    "cut_value",
    "assoc",
    "ncut_value",
    "min_cut",
    "MinCutResult",
    "ncut_bipartition",
    "NcutResult",
    "ncut_segment",
]

_EIGEN_SOLVERS = ("auto", "dense", "sparse")

# "auto": graphs with at most this many nodes are solved with the dense eigh (exact, and fast enough).
_DENSE_MAX = 500

# W counts as symmetric when |w_ij - w_ji| <= _SYMMETRY_RTOL * max |w|: rounding in how W was computed is forgiven.
_SYMMETRY_RTOL = 1e-10

# scipy's maximum_flow counts in int32: capacities are scaled so that the capacities at any node sum to at most this
# (half the int32 range: a residual capacity c_ij - f_ij can reach c_ij + c_ji).
_FLOW_MAX = 2**30

# min_cut refines its integer scale until the cut found is certified within this relative gap of the minimum.
_CUT_RTOL = 1e-6


# ---------------------------------------------------------------------------------------------------------------
# validation


def _real(value, name: str) -> float:
    """``value`` as a finite float; TypeError when it is not a real number, ValueError when NaN or infinite."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _check_sigma(value, name: str) -> float:
    value = _real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value:g}")
    return value


def _check_radius(value) -> float:
    value = _real(value, "radius")
    if value < 1:
        raise ValueError(f"radius must be >= 1 (pixels; 1 joins the 4 nearest neighbours), got {value:g}")
    return value


def _real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; TypeError when it is not an array of real numbers, ValueError for NaN."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array, got a ragged sequence ({error})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got an array of dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        raise ValueError(f"{name} must hold finite numbers, got {arr[tuple(bad[0])]} at index {tuple(bad[0].tolist())}")
    return arr


def _largest_entry(M) -> tuple[int, int]:
    """Row and column of the largest entry of a dense or sparse matrix (among the stored ones if sparse)."""
    if sp.issparse(M):
        M = sp.coo_array(M)
        k = int(np.argmax(M.data))
        return int(M.row[k]), int(M.col[k])
    i, j = np.unravel_index(int(np.argmax(M)), M.shape)
    return int(i), int(j)


def _as_graph(W, name: str = "W"):
    """``W`` as a float64 dense array or CSR array; ValueError unless square, finite, non-negative and symmetric."""
    if sp.issparse(W):
        if W.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got a sparse matrix of dtype {W.dtype}")
        G = sp.csr_array(W, dtype=np.float64)
        if not np.isfinite(G.data).all():
            i, j = _largest_entry(sp.csr_array((~np.isfinite(G.data), G.indices, G.indptr), shape=G.shape))
            raise ValueError(f"{name} must hold finite numbers, got {name}[{i}, {j}] = {G[i, j]}")
    else:
        G = _real_array(W, name)
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] == 0:
        raise ValueError(f"{name} must be a square (N, N) affinity matrix with N >= 1, got shape {G.shape}")
    if (G < 0).sum():
        i, j = _largest_entry(-G)
        raise ValueError(f"{name} must hold affinities >= 0, got {name}[{i}, {j}] = {G[i, j]:g}")
    asymmetry = abs(G - G.T)
    if asymmetry.max() > _SYMMETRY_RTOL * abs(G).max():
        i, j = _largest_entry(asymmetry)
        raise ValueError(f"{name} must be symmetric (w_ij = w_ji), got {name}[{i}, {j}] = {G[i, j]:g} but "
                         f"{name}[{j}, {i}] = {G[j, i]:g}")
    return G


def _as_mask(mask, n: int) -> np.ndarray:
    """A bipartition: a boolean array of shape ``(n,)`` (0/1 integers are accepted)."""
    arr = np.asarray(mask)
    if arr.dtype.kind in "iu":
        if not np.isin(arr, (0, 1)).all():
            raise ValueError(f"mask must be boolean (or 0/1), got integer values {np.unique(arr)[:5].tolist()}")
        arr = arr.astype(bool)
    elif arr.dtype.kind != "b":
        raise TypeError(f"mask must be a boolean array (True for the nodes of A), got dtype {arr.dtype}")
    if arr.shape != (n,):
        hint = " (for an (H, W) mask of an image's pixels pass mask.ravel())" if arr.size == n else ""
        raise ValueError(f"mask must have shape ({n},), one entry per node of W, got shape {arr.shape}{hint}")
    return arr


def _as_image(image) -> np.ndarray:
    """An ``(H, W)`` or ``(H, W, C)`` image as an ``(H, W, C)`` float64 array of features ``F``."""
    F = _real_array(image, "image")
    if F.ndim not in (2, 3) or F.size == 0:
        raise ValueError(f"image must be a non-empty (H, W) grey or (H, W, 3) colour image, got shape {F.shape}")
    return F.reshape(F.shape[0], F.shape[1], -1)


def _check_node(value, n: int, name: str) -> int:
    value = check_int(value, name, 0)
    if value >= n:
        raise ValueError(f"{name} must be a node of W, between 0 and {n - 1}, got {value}")
    return value


def _check_eigen_solver(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"eigen_solver must be one of {_EIGEN_SOLVERS}, got {type(value).__name__} {value!r}")
    if value not in _EIGEN_SOLVERS:
        raise ValueError(f"eigen_solver must be one of {_EIGEN_SOLVERS}, got {value!r}")
    return value


def _degrees(W) -> np.ndarray:
    """``d_i = sum_j w_ij`` of a dense or sparse ``W``."""
    return np.asarray(W.sum(axis=1), dtype=np.float64).ravel()


# ---------------------------------------------------------------------------------------------------------------
# affinities


def gaussian_affinity(X, sigma) -> np.ndarray:
    """Dense Gaussian affinity matrix of a point set.

    ``w_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))``, with ``w_ii = 1``. A small ``sigma`` groups only nearby points;
    a large one groups distant points too. This is scikit-learn's
    :func:`~sklearn.metrics.pairwise.rbf_kernel` with ``gamma = 1 / (2 sigma^2)``.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points ``x_i``, one per row.
    sigma : float
        Scale of the affinity, ``> 0``, in the units of ``X``.

    Returns
    -------
    numpy.ndarray, shape (N, N)
        Symmetric affinities in (0, 1], 1 on the diagonal.

    References
    ----------
    Shi & Malik 2000 (the weights ``w_ij`` of a graph of points).

    Examples
    --------
    >>> gaussian_affinity([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]], sigma=1.0).round(4)
    array([[1.    , 0.6065, 0.0111],
           [0.6065, 1.    , 0.1353],
           [0.0111, 0.1353, 1.    ]])
    """
    X = _real_array(X, "X")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        hint = "; for N scalar values pass X.reshape(-1, 1)" if X.ndim == 1 else ""
        raise ValueError(f"X must be a 2-D array of points of shape (N, D), got shape {X.shape}{hint}")
    sigma = _check_sigma(sigma, "sigma")
    squared_distances = cdist(X, X, "sqeuclidean")
    return np.exp(-squared_distances / (2 * sigma**2))


def _half_offsets(radius: float, height: int, width: int) -> list[tuple[int, int]]:
    """Pixel offsets ``(dr, dc)`` with ``0 < dr^2 + dc^2 <= radius^2``, one of each pair ``+-(dr, dc)``, that join
    at least one pair of pixels of a ``height x width`` image."""
    r = int(np.floor(radius))
    dr, dc = np.mgrid[0 : r + 1, -r : r + 1]
    keep = ((dr > 0) | (dc > 0)) & (dr**2 + dc**2 <= radius**2) & (dr < height) & (abs(dc) < width)
    return list(zip(dr[keep].tolist(), dc[keep].tolist()))


def image_affinity(image, sigma_color, sigma_space, radius):
    """Sparse affinity matrix of an image's pixels: colour similarity times spatial proximity.

    ``w_ij = exp(-||F_i - F_j||^2 / (2 sigma_color^2)) * exp(-||X_i - X_j||^2 / (2 sigma_space^2))``

    for pixels ``i != j`` with ``||X_i - X_j|| <= radius``, and 0 otherwise (no self-loops). ``F_i`` is the intensity
    of pixel ``i`` in a grey image, its colour vector in a colour one; ``X_i`` its position ``(row, col)``.

    The matrix is built one offset ``(dr, dc)`` at a time: every pixel pair at that offset at once, and both ``w_ij``
    and ``w_ji`` from the same number, so ``W`` is exactly symmetric. Weights that underflow to 0 are not stored.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey or colour image (any real features per pixel, e.g. RGB in [0, 1]).
    sigma_color : float
        Scale of the feature term, ``> 0``, in the units of the image.
    sigma_space : float
        Scale of the space term, ``> 0``, in pixels.
    radius : float
        Largest distance between joined pixels, ``>= 1`` (1: the 4 nearest neighbours, ``sqrt(2)``: 8).

    Returns
    -------
    scipy.sparse.csr_array, shape (H*W, H*W)
        Nodes in raster order: pixel ``(row, col)`` is node ``row * W + col``.

    References
    ----------
    Shi & Malik 2000 (the weights of their image graphs: brightness or colour, times distance, within a radius).

    Examples
    --------
    >>> import numpy as np
    >>> W = image_affinity(np.array([[0.0, 0.0], [0.0, 1.0]]), sigma_color=1.0, sigma_space=1.0, radius=1)
    >>> W.toarray().round(4)
    array([[0.    , 0.6065, 0.6065, 0.    ],
           [0.6065, 0.    , 0.    , 0.3679],
           [0.6065, 0.    , 0.    , 0.3679],
           [0.    , 0.3679, 0.3679, 0.    ]])
    """
    F = _as_image(image)
    sigma_color = _check_sigma(sigma_color, "sigma_color")
    sigma_space = _check_sigma(sigma_space, "sigma_space")
    radius = _check_radius(radius)
    H, W = F.shape[:2]
    node = np.arange(H * W, dtype=np.int32).reshape(H, W)  # int32 indices, as scipy.sparse.csgraph and sklearn use
    rows, cols, weights = [], [], []
    for dr, dc in _half_offsets(radius, H, W):
        # every pixel p with p + (dr, dc) inside the image, and that neighbour q
        p = (slice(0, H - dr), slice(max(0, -dc), W - max(0, dc)))
        q = (slice(dr, H), slice(max(0, dc), W - max(0, -dc)))
        color = np.sum((F[p] - F[q]) ** 2, axis=-1)
        w = (np.exp(-color / (2 * sigma_color**2)) * np.exp(-(dr**2 + dc**2) / (2 * sigma_space**2))).ravel()
        rows += [node[p].ravel(), node[q].ravel()]
        cols += [node[q].ravel(), node[p].ravel()]
        weights += [w, w]
    if not weights:  # a single pixel
        return sp.csr_array((H * W, H * W), dtype=np.float64)
    pairs = (np.concatenate(rows), np.concatenate(cols))
    affinity = sp.coo_array((np.concatenate(weights), pairs), shape=(H * W, H * W)).tocsr()
    affinity.eliminate_zeros()
    return affinity


# ---------------------------------------------------------------------------------------------------------------
# cuts


def _cut(W, mask: np.ndarray) -> float:
    return float(W[mask][:, ~mask].sum())


def _assoc(W, mask: np.ndarray) -> float:
    return float(W[mask].sum())


def cut_value(W, mask) -> float:
    """Value of the cut between ``A`` (``mask``) and ``B`` (the rest): ``cut(A, B) = sum_{i in A, j in B} w_ij``.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (N, N)
        Symmetric non-negative affinities.
    mask : array_like of bool, shape (N,)
        True for the nodes of ``A``.

    Returns
    -------
    float
        Each edge between ``A`` and ``B`` counts once.

    References
    ----------
    Wu & Leahy 1993; Shi & Malik 2000, equation (1).

    Examples
    --------
    >>> W = [[0, 3, 1], [3, 0, 2], [1, 2, 0]]
    >>> cut_value(W, [True, False, False])
    4.0
    """
    W = _as_graph(W)
    return _cut(W, _as_mask(mask, W.shape[0]))


def assoc(W, mask) -> float:
    """Association of ``A`` (``mask``) with all nodes: ``assoc(A, V) = sum_{i in A, j in V} w_ij = sum_{i in A} d_i``.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (N, N)
        Symmetric non-negative affinities.
    mask : array_like of bool, shape (N,)
        True for the nodes of ``A``.

    Returns
    -------
    float
        The sum of the degrees of the nodes of ``A`` (edges inside ``A`` count twice, self-loops once).

    References
    ----------
    Shi & Malik 2000, equation (2).

    Examples
    --------
    >>> W = [[0, 3, 1], [3, 0, 2], [1, 2, 0]]
    >>> assoc(W, [True, False, False]), assoc(W, [False, True, True])
    (4.0, 8.0)
    """
    W = _as_graph(W)
    return _assoc(W, _as_mask(mask, W.shape[0]))


def ncut_value(W, mask) -> float:
    """Normalized cut of the bipartition ``A`` (``mask``), ``B`` (the rest).

    ``Ncut(A, B) = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V)``, between 0 and 2.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (N, N)
        Symmetric non-negative affinities.
    mask : array_like of bool, shape (N,)
        True for the nodes of ``A``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When ``assoc(A, V) = 0`` or ``assoc(B, V) = 0`` (a side is empty or has only nodes of degree 0): Ncut is
        undefined there.

    References
    ----------
    Shi & Malik 2000, equation (2).

    Examples
    --------
    >>> W = [[0, 3, 1], [3, 0, 2], [1, 2, 0]]
    >>> ncut_value(W, [True, False, False])   # cut 4, assoc(A, V) = 4, assoc(B, V) = 8
    1.5
    """
    W = _as_graph(W)
    mask = _as_mask(mask, W.shape[0])
    cut, assoc_a, assoc_b = _cut(W, mask), _assoc(W, mask), _assoc(W, ~mask)
    for side, value, part in (("A", assoc_a, mask), ("B", assoc_b, ~mask)):
        if value == 0:
            why = "it is empty" if not part.any() else "its nodes have no edges (degree 0)"
            raise ValueError(f"Ncut is undefined: assoc({side}, V) = 0 because {why}")
    return cut / assoc_a + cut / assoc_b


# ---------------------------------------------------------------------------------------------------------------
# minimum cut


@dataclass(frozen=True, eq=False)
class MinCutResult:
    """Result of :func:`min_cut`.

    Attributes
    ----------
    mask : numpy.ndarray of bool, shape (N,)
        The source side ``A`` of the cut (True at the source, False at the sink).
    cut : float
        ``cut(A, B)`` computed on the float weights of ``W``.
    """

    mask: np.ndarray
    cut: float


def _edges(W):
    """The edges of ``W`` as a CSR array: no self-loops, no stored zeros."""
    coo = sp.coo_array(W)
    keep = (coo.row != coo.col) & (coo.data > 0)
    return sp.csr_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=W.shape)


def _reachable(G, source: int) -> np.ndarray:
    """Boolean mask of the nodes reachable from ``source`` along the stored (non-zero) entries of ``G``."""
    mask = np.zeros(G.shape[0], dtype=bool)
    mask[breadth_first_order(G, source, directed=True, return_predecessors=False)] = True
    return mask


def _integer_min_cut(G, source: int, sink: int, upper: float) -> tuple[np.ndarray, float]:
    """Minimum s-t cut of the integer capacities ``c_ij = floor(min(w_ij, 2 upper) * s)``.

    ``upper`` is at least the minimum cut. Weights above ``2 upper`` are capped: an edge that heavy is in no minimum
    cut, and the cap lets small weights keep more digits. The scale ``s = 2^30 / max_i sum_j min(w_ij, 2 upper)``
    keeps every sum the flow algorithm forms at a node (at most twice a node's capacities) within int32. Rounding
    down keeps ``c_ij / s <= w_ij``, so the maximum flow divided by ``s`` is a flow of the float problem, hence a
    lower bound of its minimum cut.

    Returns the source side (the nodes the source reaches along edges the flow does not saturate) and that lower bound.
    """
    capped = G.copy()
    capped.data = np.minimum(G.data, 2.0 * upper)
    scale = _FLOW_MAX / _degrees(capped).max()
    capacity = capped.copy()
    capacity.data = np.floor(capped.data * scale).astype(np.int32)
    flow = maximum_flow(capacity, source, sink)
    residual = sp.csr_array(capacity, dtype=np.int64) - sp.csr_array(flow.flow, dtype=np.int64)
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    return _reachable(residual, source), float(flow.flow_value) / scale


def min_cut(W, source, sink) -> MinCutResult:
    """Minimum cut separating ``source`` from ``sink``, by maximum flow.

    ``min_{A : source in A, sink not in A} cut(A, V \\ A)``, which equals the maximum flow from ``source`` to ``sink``
    with capacities ``w_ij`` (Ford & Fulkerson 1956). The returned side ``A`` is the set of nodes the source still
    reaches along edges that a maximum flow does not saturate (the smallest minimum-cut side containing the source).

    :func:`scipy.sparse.csgraph.maximum_flow` takes integer capacities and counts in int32, so the weights are
    scaled and rounded down: ``c_ij = floor(min(w_ij, 2 u) * s)``, with ``u`` an upper bound of the minimum cut
    (first the smaller degree of source and sink, then the cut found) and ``s = 2^30 / max_i sum_j min(w_ij, 2 u)``
    (no sum at a node overflows). Capping at ``2 u`` changes no minimum cut and leaves more digits to small weights.
    Rounding down makes the maximum flow found a lower bound of the float minimum, and the cut of the side found,
    computed on the float weights, an upper bound. When the two differ by more than ``1e-6`` relative, the scale is
    refined to the cut found and the flow computed again. Weights too small for the scale can only matter through
    that gap, so none is lost silently: if the gap stays above ``1e-6`` relative, a ``RuntimeWarning`` says by how
    much the returned cut may exceed the minimum.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (N, N)
        Symmetric non-negative affinities (self-loops are ignored).
    source, sink : int
        Two different nodes.

    Returns
    -------
    MinCutResult
        ``mask`` (the source side) and ``cut`` (its value on the float weights).

    References
    ----------
    Wu & Leahy 1993 (minimum cuts for segmentation, and their bias towards small pieces); Ford & Fulkerson 1956;
    Shi & Malik 2000, figure 1 (the bias of the minimum cut).

    Examples
    --------
    A chain 0 - 1 - 2 - 3 whose weakest link is between 1 and 2:

    >>> W = [[0, 5, 0, 0], [5, 0, 1, 0], [0, 1, 0, 4], [0, 0, 4, 0]]
    >>> result = min_cut(W, source=0, sink=3)
    >>> result.mask, result.cut
    (array([ True,  True, False, False]), 1.0)
    """
    W = _as_graph(W)
    n = W.shape[0]
    source, sink = _check_node(source, n, "source"), _check_node(sink, n, "sink")
    if source == sink:
        raise ValueError(f"source and sink must be different nodes, got {source} for both")
    G = _edges(W)
    reach = _reachable(G, source)
    if not reach[sink]:  # no path: the source's connected component is a cut of value 0
        return MinCutResult(mask=reach, cut=0.0)
    degree = _degrees(G)
    upper = min(degree[source], degree[sink])  # the cut around the source alone, or around the sink alone
    while True:
        mask, lower = _integer_min_cut(G, source, sink, upper)
        cut = _cut(G, mask)
        if cut - lower <= _CUT_RTOL * cut or cut > upper / 2:  # certified, or a finer scale cannot help much
            break
        upper = cut
    if cut - lower > _CUT_RTOL * cut:
        warnings.warn(f"min_cut: the int32 capacities of the maximum flow certify this cut only within "
                      f"{cut - lower:.3g} ({(cut - lower) / cut:.2g} relative) of the minimum cut: weights that small "
                      f"are below the resolution of the integer scale", RuntimeWarning, stacklevel=2)
    return MinCutResult(mask=mask, cut=cut)


# ---------------------------------------------------------------------------------------------------------------
# normalized cut


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
    ``z_0 = D^1/2 1``: of the two computed, ``z`` is the direction orthogonal to ``z_0`` (``y^T D 1 = 0``), which also
    picks a right vector when 0 is a repeated eigenvalue (a graph in several pieces).
    """
    s = 1.0 / np.sqrt(degree)
    if dense:
        W = W.toarray() if sp.issparse(W) else W
        M = s[:, None] * W * s[None, :]
        _, Z = scipy.linalg.eigh(M, subset_by_index=[len(s) - 2, len(s) - 1])
    else:
        M = sp.diags_array(s) @ sp.csr_array(W) @ sp.diags_array(s) if sp.issparse(W) else s[:, None] * W * s
        # Speed only. ncv: a longer Lanczos basis between restarts than the default 20 halves the matrix products
        # on large image graphs, whose top eigenvalues crowd near 1 (256 x 256 pixels: 1,000 instead of 2,100).
        # One BLAS thread: Lanczos' other steps are matrix-vector products, limited by memory, where threads gain
        # little and, on a busy machine, wait for each other (256 x 256 on 2 busy cores: 7 s instead of 38 s).
        with threadpool_limits(limits=1, user_api="blas"):
            _, Z = eigsh(M, k=2, which="LA", tol=tol, v0=_start_vector(len(s)), ncv=min(len(s), 40))
    z0 = np.sqrt(degree) / np.linalg.norm(np.sqrt(degree))
    a = Z.T @ z0
    z = Z @ np.array([a[1], -a[0]])
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
    W = _as_graph(W)
    eigen_solver = _check_eigen_solver(eigen_solver)
    tol = check_nonneg(tol, "tol")
    if W.shape[0] < 2:
        raise ValueError(f"W must have at least 2 nodes to be split, got shape {W.shape}")
    degree = _degrees(W)
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
    degree = _degrees(sub)
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

    Start from one segment holding every pixel of the graph :func:`image_affinity` builds. Repeat: among the
    segments, find the best two-way Ncut of each one's own subgraph (:func:`ncut_bipartition`), and split the segment
    whose split has the least Ncut. Stop at ``n_segments`` segments, or earlier when no split has an Ncut of at most
    ``max_ncut`` (Shi & Malik's stopping threshold) or no segment can be split.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey or colour image.
    n_segments : int
        Number of segments wanted, between 1 and ``H * W``.
    sigma_color, sigma_space, radius : float
        The affinity of :func:`image_affinity`.
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
        raise ValueError(f"n_segments must be at most the number of pixels {n}, got {n_segments}")
    max_ncut = check_nonneg(max_ncut, "max_ncut")
    eigen_solver = _check_eigen_solver(eigen_solver)
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
