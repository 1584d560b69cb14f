"""Cuts of a graph: cut, association and normalized cut of a bipartition, and the minimum cut by maximum flow."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from ._graph import as_graph, as_mask, check_node, degrees

__all__ = ["cut_value", "assoc", "ncut_value", "min_cut", "MinCutResult"]

# scipy's maximum_flow counts in int32: capacities are scaled so that the capacities at any node sum to at most this
# (half the int32 range: a residual capacity c_ij - f_ij can reach c_ij + c_ji).
_FLOW_MAX = 2**30

# min_cut refines its integer scale until the cut found is certified within this relative gap of the minimum.
_CUT_RTOL = 1e-6


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
    W = as_graph(W)
    return _cut(W, as_mask(mask, W.shape[0]))


def assoc(W, mask) -> float:
    """Association of ``A`` (``mask``) with all nodes: ``assoc(A, V) = sum_{i in A, j in V} w_ij = sum_{i in A} d_i``.

    Parameters
    ----------
    W, mask
        The affinities and the nodes of ``A``, as in :func:`cut_value`.

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
    W = as_graph(W)
    return _assoc(W, as_mask(mask, W.shape[0]))


def ncut_value(W, mask) -> float:
    """Normalized cut of the bipartition ``A`` (``mask``), ``B`` (the rest).

    ``Ncut(A, B) = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V)``, between 0 and 2.

    Parameters
    ----------
    W, mask
        As in :func:`cut_value`.

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
    Shi & Malik 2000, equation (2), which defines Ncut with the associations of the two sides as denominators.

    Examples
    --------
    >>> W = [[0, 3, 1], [3, 0, 2], [1, 2, 0]]
    >>> ncut_value(W, [True, False, False])   # cut 4, assoc(A, V) = 4, assoc(B, V) = 8
    1.5
    """
    W = as_graph(W)
    mask = as_mask(mask, W.shape[0])
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
    scale = _FLOW_MAX / degrees(capped).max()
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
    W = as_graph(W)
    n = W.shape[0]
    source, sink = check_node(source, n, "source"), check_node(sink, n, "sink")
    if source == sink:
        raise ValueError(f"source and sink must be different nodes, given {source} for both")
    G = _edges(W)
    reach = _reachable(G, source)
    if not reach[sink]:  # no path: the source's connected component is a cut of value 0
        return MinCutResult(mask=reach, cut=0.0)
    degree = degrees(G)
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

