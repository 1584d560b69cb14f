"""Exercises of the graph chapter (``02_affinity_ncuts``): the Gaussian affinity, cut, association and normalized cut
of a bipartition, and the normalized-cut bipartition from the second generalized eigenvector.

Six exercises, in the order of the notebook: the dense Gaussian affinity of a point set; ``cut(A, B)``,
``assoc(A, V)`` and ``Ncut(A, B)`` of a bipartition given as a mask; the second smallest generalized eigenpair of
``(D - W) y = lambda D y`` (``y`` scaled to ``y^T D y = 1``, its entry of largest magnitude positive); and Shi &
Malik's search of the threshold of ``y`` whose split ``A = {i : y_i > t}`` has the least Ncut. The last two are
checked against :func:`coursekit.graphs.ncut_bipartition` through :func:`reference_ncut_eigenvector` and
:func:`reference_best_split`. The convention of the eigenvector (scale and sign) and the side the split returns
(``A`` the nodes above the threshold) make every result a function of the inputs, so results are compared with
``allclose`` (numbers) or exactly (masks); no "up to swapping the sides" is needed.

Public cases are small and fixed and show the traps the chapter teaches: ``2 sigma^2`` in the exponent (neither
``sigma`` nor ``sigma^2``, and the squared distance), the affinity's diagonal of ones, ``sigma <= 0`` refused;
self-loops (``w_ii > 0``, as a Gaussian affinity has) that never cross a cut and count once in ``assoc``; edges inside
``A`` counted twice in ``assoc(A, V)`` (once from each end) and once in nothing else; masks given as 0/1 integers;
an empty side or a side of isolated nodes, where Ncut is undefined (ValueError); degrees that differ from node to node,
so that ``z = D^1/2 y`` is not ``y``; a graph with self-loops and one without (neither dropped nor added); a node of
degree 0 (ValueError); a graph whose best threshold is not at ``y = 0``; equal values of ``y``, which stay on the same
side. Hidden cases are random, and every hidden set holds each of these traps with random sizes and weights; the
generators keep only well-posed cases (a clear gap after the second eigenvalue, a unique entry of largest magnitude,
a best split ahead of the next one), so that a right answer never fails by rounding.
"""

from __future__ import annotations

import numpy as np

from .compare import allclose, exact
from .registry import Case, chapter

NOTEBOOK = "02_affinity_ncuts"

#: Every exercise is written from scratch with NumPy: not the course's graphs package, nor a library's affinity, cut,
#: spectral embedding or normalized cut. A module path forbids every function defined in it; the public functions and
#: classes of scikit-learn, scikit-image and networkx live in private submodules, so they are named one by one.
_FORBIDDEN = (
    "coursekit.graphs",
    "sklearn.metrics.pairwise.rbf_kernel",
    "sklearn.cluster.SpectralClustering",
    "sklearn.cluster.spectral_clustering",
    "sklearn.manifold.spectral_embedding",
    "sklearn.manifold.SpectralEmbedding",
    "skimage.graph.cut_normalized",
    "networkx.algorithms.cuts",
    "scipy.sparse.csgraph.laplacian",
)


# ---------------------------------------------------------------------------------------------------------------
# the references of the last two exercises: coursekit.graphs.ncut_bipartition, taken apart


def reference_ncut_eigenvector(W):
    """The second smallest generalized eigenpair of ``(D - W) y = lambda D y`` (the reference of
    ``graphs.ncut_eigenvector``).

    :func:`coursekit.graphs.ncut_bipartition` with the dense eigensolver: ``lambda`` and ``y = D^-1/2 z``, where ``z``
    is the eigenvector of the second smallest eigenvalue of ``I - D^-1/2 W D^-1/2``; ``y`` is scaled to
    ``y^T D y = 1`` and signed so that its entry of largest magnitude is positive. Returns ``(lambda, y)``.

    Examples
    --------
    Node 2 hangs on weakly: ``y`` sets it apart.

    >>> W = np.array([[0.0, 1.0, 0.1], [1.0, 0.0, 0.2], [0.1, 0.2, 0.0]])
    >>> value, y = reference_ncut_eigenvector(W)
    >>> round(value, 4), y.round(4)
    (1.114, array([-0.322 , -0.1295,  1.6988]))
    """
    from coursekit.graphs import ncut_bipartition

    result = ncut_bipartition(W, eigen_solver="dense")
    return result.eigenvalue, result.vector


def reference_best_split(W, y):
    """Shi & Malik's splitting point (the reference of ``graphs.best_split``): among the thresholds ``t`` midway
    between consecutive distinct sorted values of ``y``, the split ``A = {i : y_i > t}`` of least ``Ncut(A, B)``
    (the lowest such ``t`` on a tie); returns the boolean mask of ``A``.

    The search of :func:`coursekit.graphs.ncut_bipartition`, on any vector ``y``.

    Examples
    --------
    >>> W = np.array([[0.0, 1.0, 0.1], [1.0, 0.0, 0.2], [0.1, 0.2, 0.0]])
    >>> reference_best_split(W, [0.3, 0.5, -1.0])
    array([ True,  True, False])
    """
    from coursekit._checks import as_real_array
    from coursekit.graphs._graph import as_graph, degrees
    from coursekit.graphs.ncut import _best_threshold

    W = as_graph(W)
    y = as_real_array(y, "y")
    n = W.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), one value per node of W, given shape {y.shape}")
    if n < 2 or np.all(y == y[0]):
        raise ValueError("y must hold at least two different values: no threshold splits a constant vector")
    degree = degrees(W)
    if np.any(degree == 0):
        raise ValueError(f"every node needs an edge, but node(s) {np.flatnonzero(degree == 0)[:5].tolist()} of W "
                         f"have degree 0")
    mask, _ = _best_threshold(W, degree, y)
    return mask


# ---------------------------------------------------------------------------------------------------------------
# graphs for the cases


def _sym(A) -> np.ndarray:
    """A symmetric matrix with zero diagonal from the upper triangle of ``A``."""
    upper = np.triu(np.asarray(A, dtype=np.float64), 1)
    return upper + upper.T


def _connect(rng, W, low=0.05, high=0.5) -> np.ndarray:
    """``W`` with a path through all its nodes in a random order (weights where none were), so it is connected."""
    W = W.copy()
    order = rng.permutation(len(W))
    for a, b in zip(order[:-1], order[1:]):
        if W[a, b] == 0:
            W[a, b] = W[b, a] = rng.uniform(low, high)
    return W


def _random_graph(rng, n, density=0.5, diagonal=False) -> np.ndarray:
    """A connected random graph of ``n`` nodes with weights in (0.05, 1); self-loops when ``diagonal``."""
    W = _connect(rng, _sym(rng.uniform(0.05, 1.0, (n, n)) * (rng.random((n, n)) < density)))
    if diagonal:
        W[np.diag_indices(n)] = rng.uniform(0.2, 1.0, n)
    return W


def _two_groups(rng, n1, n2, between=0.08, diagonal=False) -> np.ndarray:
    """Two densely connected groups (nodes ``0 .. n1-1`` and the rest) joined by a few weak edges."""
    n = n1 + n2
    strong = rng.uniform(0.4, 1.0, (n, n)) * (rng.random((n, n)) < 0.8)
    group = np.arange(n) < n1
    same = group[:, None] == group[None, :]
    weak = rng.uniform(0.0, between, (n, n)) * (rng.random((n, n)) < 0.3)
    W = _sym(np.where(same, strong, weak))
    for members in (np.flatnonzero(group), np.flatnonzero(~group)):
        W[np.ix_(members, members)] = _connect(rng, W[np.ix_(members, members)], 0.4, 1.0)
    a, b = int(rng.integers(0, n1)), int(rng.integers(n1, n))
    W[a, b] = W[b, a] = max(W[a, b], rng.uniform(0.01, between))
    if diagonal:
        W[np.diag_indices(n)] = 1.0
    return W


def _blob_affinity(rng, sizes, sigma=0.8, spread=2.2, scales=None) -> np.ndarray:
    """The Gaussian affinity (diagonal 1: self-loops) of blobs of points in 2-D, a blob after the other."""
    from coursekit.graphs import gaussian_affinity

    scales = scales or [rng.uniform(0.25, 0.8) for _ in sizes]
    centres = np.array([[spread * k, rng.uniform(-0.5, 0.5)] for k in range(len(sizes))])
    X = np.concatenate([c + s * rng.normal(size=(m, 2)) for m, c, s in zip(sizes, centres, scales)])
    return gaussian_affinity(X, sigma)


def _image_graph(rng, h, w) -> np.ndarray:
    """The dense affinity (no self-loops) of a small grey image of two regions, 8 neighbours: border pixels have
    fewer neighbours, so degrees differ."""
    from coursekit.graphs import image_affinity

    image = np.where(np.arange(w)[None, :] < int(rng.integers(2, w - 1)), 0.2, 0.8) * np.ones((h, 1))
    image = np.clip(image + 0.05 * rng.normal(size=(h, w)), 0, 1)
    return image_affinity(image, sigma_color=0.3, sigma_space=2.0, radius=1.5).toarray()


# ---------------------------------------------------------------------------------------------------------------
# what keeps a case well-posed


def _generalized_spectrum(W):
    d = W.sum(axis=1)
    s = 1.0 / np.sqrt(d)
    values, Z = np.linalg.eigh(np.eye(len(d)) - s[:, None] * W * s[None, :])
    return values, s[:, None] * Z


def _well_posed_eigen(W) -> bool:
    """A clear gap around the second eigenvalue, degrees that differ, and one entry of ``y`` of largest magnitude."""
    d = W.sum(axis=1)
    if np.any(d <= 0):
        return False
    values, Y = _generalized_spectrum(W)
    y = np.abs(Y[:, 1])
    top = np.sort(y)[-2:]
    return bool(values[1] > 1e-6 and values[2] - values[1] > 1e-3 and top[1] - top[0] > 1e-4 * top[1]
                and np.ptp(d) > 1e-3 * d.max())


def _split_ncuts(W, y):
    """Ncut of every threshold between consecutive distinct sorted values of ``y`` (ascending ``t``)."""
    d, values = W.sum(axis=1), np.unique(y)
    thresholds = (values[:-1] + values[1:]) / 2
    cuts = [W[y > t][:, y <= t].sum() for t in thresholds]
    return np.array([c / d[y > t].sum() + c / d[y <= t].sum() for c, t in zip(cuts, thresholds)]), thresholds


def _clear_best(W, y, margin=1e-6) -> bool:
    """The best split of ``y`` is ahead of the next one by more than rounding."""
    ncuts, _ = _split_ncuts(W, y)
    if len(ncuts) < 2:
        return True
    first, second = np.sort(ncuts)[:2]
    return bool(second - first > margin * max(first, 1e-3))


def _best_not_a_shortcut(W, y) -> bool:
    """The best split of ``y`` is not its split at 0, nor at the median, nor the split of least cut."""
    ncuts, thresholds = _split_ncuts(W, y)
    best = y > thresholds[int(np.argmin(ncuts))]
    cuts = [W[y > t][:, y <= t].sum() for t in thresholds]
    shortcuts = (y > 0, y > np.median(y), y > thresholds[int(np.argmin(cuts))])
    return not any(np.array_equal(best, s) or np.array_equal(best, ~s) for s in shortcuts)


def _eigenvector(W):
    return reference_ncut_eigenvector(W)[1]


def _tie_trap(rng, n1, n2):
    """A graph of two groups (nodes ``0 .. n1-1`` and the rest) and a ``y`` whose best proper split leaves tied nodes
    of both groups on one side: the split *between* equal values (in index order, as a stable argsort puts them)
    would separate the groups, and has a lower Ncut."""
    for _ in range(200):
        W = _two_groups(rng, n1, n2, between=0.05)
        k1, k2 = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        y = np.concatenate([-np.sort(rng.uniform(0.2, 1.0, n1))[::-1], np.sort(rng.uniform(0.2, 1.0, n2))])
        tie = float(np.round(rng.uniform(-0.1, 0.1), 3))
        y[n1 - k1:n1 + k2] = tie  # the last nodes of group 1 and the first of group 2 share a value
        group1 = np.arange(n1 + n2) < n1
        proper, _ = _split_ncuts(W, y)
        d = W.sum(axis=1)
        cut = W[group1][:, ~group1].sum()
        between_ties = cut / d[group1].sum() + cut / d[~group1].sum()
        if between_ties < proper.min() - 1e-6 and _clear_best(W, y):
            return W, y
    raise RuntimeError("no tie trap found")  # pragma: no cover - 200 draws always find one


# where a grid of 3 to 50 evenly spaced thresholds between min(y) and max(y) falls, as fractions of max - min
_GRIDS = np.unique([k / m for m in range(4, 52) for k in range(1, m)])


def _close_values(rng, n1, n2, gap=1e-3):
    """A graph of two groups and a positive ``y`` (not an eigenvector) whose best split separates the groups at a gap
    of ``gap`` between two values of ``y``, where no grid of 3 to 50 evenly spaced thresholds falls."""
    lo, hi = 0.05, 1.0
    room = [(f0, f1) for f0, f1 in zip(_GRIDS[:-1], _GRIDS[1:]) if 0.25 < f0 < 0.75 and (f1 - f0) * (hi - lo) > 3 * gap]
    for _ in range(200):
        W = _two_groups(rng, n1, n2)
        f0, f1 = room[int(rng.integers(0, len(room)))]
        a = lo + (hi - lo) * f0 + float(rng.uniform(gap, (hi - lo) * (f1 - f0) - 2 * gap))
        y = np.concatenate([rng.uniform(lo, a, n1), rng.uniform(a + gap, hi, n2)])
        y[[0, n1 - 1, n1, n1 + n2 - 1]] = lo, a, a + gap, hi
        ncuts, thresholds = _split_ncuts(W, y)
        if np.array_equal(y > thresholds[int(np.argmin(ncuts))], np.arange(n1 + n2) >= n1) and _clear_best(W, y):
            return W, y
    raise RuntimeError("no case with close values found")  # pragma: no cover


def _draw(make, *tests, tries=200):
    """``make()`` until every test passes (the case is well-posed)."""
    for _ in range(tries):
        value = make()
        if all(test(value) for test in tests):
            return value
    raise RuntimeError("no well-posed case drawn")  # pragma: no cover


# ---------------------------------------------------------------------------------------------------------------
# gaussian_affinity(X, sigma)


def _public_affinity() -> list[Case]:
    rng = np.random.default_rng(201)
    points = np.round(rng.normal(size=(6, 2)), 2)
    return [
        Case((np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), 1.0),
             label="the lecture's three points on a line, sigma = 1", kind="points"),
        Case((points, 0.7), label="sigma = 0.7: the exponent is -||x_i - x_j||^2 / (2 sigma^2), with the squared "
                                  "distance (not -d^2 / sigma^2, not -d^2 / (2 sigma))", kind="points"),
        Case((np.array([[0.1], [0.15], [0.5], [0.52], [0.9]]), 0.1), label="intensities: D = 1, an (N, 1) array",
             kind="intensities"),
        Case((np.round(rng.uniform(0, 1, (5, 3)), 2), 0.25), label="RGB colours: D = 3", kind="colours"),
        Case((np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [40.0, 0.0]]), 2.0),
             label="a repeated point has affinity 1, a far point affinity 0 (and the diagonal is 1)",
             kind="repeated and far points"),
        Case((np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0], [12.0, 9.0]]), 10.0),
             label="positions in pixels with sigma = 10 pixels", kind="pixel units"),
        Case((points, 0.0), label="sigma = 0: raise ValueError", kind="raises: sigma <= 0"),
    ]


def _hidden_affinity(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds

    def sigma():  # away from 0.5 and 1, where 2 sigma^2 equals sigma or sigma^2
        return float(rng.choice([rng.uniform(0.2, 0.45), rng.uniform(0.6, 0.9), rng.uniform(1.2, 3)]))

    cases = []
    d = r(2, 4)
    cases.append(Case((rng.normal(size=(r(5, 12), d)), sigma()),
                      label=f"{d}-D points: the exponent is -||x_i - x_j||^2 / (2 sigma^2)", kind="points"))
    cases.append(Case((rng.uniform(0, 1, (r(5, 15), 1)), float(rng.uniform(0.05, 0.3))),
                      label="intensities: D = 1, an (N, 1) array", kind="intensities"))
    cases.append(Case((rng.uniform(0, 1, (r(4, 10), 3)), float(rng.uniform(0.1, 0.4))), label="RGB colours: D = 3",
                      kind="colours"))
    X = rng.normal(size=(r(4, 8), 2))
    X[1] = X[0]
    X[-1] = rng.uniform(30, 60, 2)
    cases.append(Case((X, sigma()), label="a repeated point has affinity 1, a far point affinity 0 (and the "
                                          "diagonal is 1)", kind="repeated and far points"))
    s = float(rng.uniform(5, 20))
    cases.append(Case((rng.integers(0, 40, (r(4, 10), 2)).astype(np.float64), s),
                      label=f"positions in pixels with sigma = {s:.1f} pixels", kind="pixel units"))
    bad = 0.0 if rng.random() < 0.5 else -float(rng.uniform(0.1, 2))
    cases.append(Case((rng.normal(size=(r(3, 6), 2)), bad), label=f"sigma = {bad:g} <= 0: raise ValueError",
                      kind="raises: sigma <= 0"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# cut_value(W, mask), assoc(W, mask), ncut_value(W, mask): the same graphs, each with its own traps


def _lecture_graph() -> np.ndarray:
    return np.array([[0.0, 3.0, 1.0], [3.0, 0.0, 2.0], [1.0, 2.0, 0.0]])


def _triangles() -> np.ndarray:
    """Two triangles of unequal weights (nodes 0-2 and 3-5) joined by a weak edge 2 - 3."""
    W = np.zeros((6, 6))
    for i, j, w in [(0, 1, 1.0), (0, 2, 0.9), (1, 2, 0.8), (3, 4, 1.0), (3, 5, 0.7), (4, 5, 0.95), (2, 3, 0.1)]:
        W[i, j] = W[j, i] = w
    return W


def _public_masks(kind: str) -> list[Case]:
    rng = np.random.default_rng(202)
    loops = np.round(_blob_affinity(rng, [3, 4], sigma=1.0), 3)
    weights = np.round(_random_graph(rng, 8, 0.6), 2)
    half = np.array([True, True, True, False, False, False])
    cases = [
        Case((_lecture_graph(), np.array([True, False, False])), label="the lecture's 3-node graph, A = {0}",
             kind="weighted graph"),
        Case((_triangles(), half), kind="two groups",
             label="two triangles joined by one weak edge, A = the first triangle: edges inside A count twice in "
                   "assoc(A, V), once from each end"),
        Case((loops, np.arange(7) < 3), kind="self-loops",
             label="a Gaussian affinity: self-loops w_ii = 1 never cross a cut and count once in assoc"),
        Case((weights, np.array([1, 0, 0, 1, 1, 0, 1, 0])), label="the mask as 0/1 integers", kind="0/1 mask"),
        Case((weights, np.array([False, True, False, True, True, False, False, False])),
             label="a random graph of 8 nodes", kind="weighted graph"),
    ]
    if kind == "ncut":
        isolated = np.pad(_triangles(), ((0, 1), (0, 1)))
        cases += [
            Case((_triangles(), np.zeros(6, dtype=bool)), kind="raises: empty side",
                 label="A is empty: assoc(A, V) = 0 and Ncut is undefined: raise ValueError"),
            Case((isolated, np.arange(7) == 6), kind="raises: side without edges",
                 label="A = {6}, a node without edges: assoc(A, V) = 0, raise ValueError"),
        ]
    else:
        cases.append(Case((_triangles(), np.zeros(6, dtype=bool)), label="A is empty", kind="empty side"))
        cases.append(Case((weights, np.ones(8, dtype=bool)), label="A = V: B is empty", kind="empty side"))
    return cases


def _hidden_masks(rng, kind: str) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds

    def mask(n):
        m = np.zeros(n, dtype=bool)
        m[rng.choice(n, r(1, n - 1), replace=False)] = True
        return m

    cases = []
    n1, n2 = r(3, 6), r(3, 6)
    W = _two_groups(rng, n1, n2)
    cases.append(Case((W, np.arange(n1 + n2) < n1), kind="two groups",
                      label=f"two groups of {n1} and {n2} nodes, A = the first: edges inside A count twice in "
                            "assoc(A, V)"))
    sizes = [r(2, 5), r(2, 5)]
    W = _blob_affinity(rng, sizes, sigma=float(rng.uniform(0.6, 1.5)))
    cases.append(Case((W, mask(len(W))), kind="self-loops",
                      label="a Gaussian affinity: self-loops w_ii = 1 never cross a cut and count once in assoc"))
    n = r(5, 10)
    W = _random_graph(rng, n, float(rng.uniform(0.3, 0.8)), diagonal=True)
    cases.append(Case((W, mask(n).astype(np.int64)), kind="0/1 mask",
                      label=f"the mask as 0/1 integers, {n} nodes with self-loops"))
    n = r(6, 14)
    cases.append(Case((_random_graph(rng, n, float(rng.uniform(0.3, 0.8))), mask(n)),
                      label=f"a random graph of {n} nodes", kind="weighted graph"))
    n = r(4, 9)
    W = _random_graph(rng, n)
    if kind == "ncut":
        empty = np.zeros(n, dtype=bool) if rng.random() < 0.5 else np.ones(n, dtype=bool)
        side = "A" if not empty.any() else "B"
        cases.append(Case((W, empty), kind="raises: empty side",
                          label=f"{side} is empty: assoc({side}, V) = 0 and Ncut is undefined: raise ValueError"))
        k = r(0, n)
        W = np.insert(np.insert(W, k, 0.0, axis=0), k, 0.0, axis=1)
        alone = np.arange(n + 1) == k
        if rng.random() < 0.5:
            alone = ~alone  # the isolated node is B
        cases.append(Case((W, alone), kind="raises: side without edges",
                          label=f"node {k} has no edge and is a side alone: assoc = 0, raise ValueError"))
    else:
        cases.append(Case((W, np.zeros(n, dtype=bool)), label="A is empty", kind="empty side"))
        cases.append(Case((W, np.ones(n, dtype=bool)), label="A = V: B is empty", kind="empty side"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# ncut_eigenvector(W) -> (eigenvalue, y)


def _public_eigen() -> list[Case]:
    rng = np.random.default_rng(203)
    blobs = _draw(lambda: np.round(_blob_affinity(rng, [4, 7], sigma=0.9), 4), _well_posed_eigen)
    chain = np.zeros((7, 7))
    for i, w in enumerate([0.9, 0.5, 1.0, 0.2, 0.8, 0.6]):
        chain[i, i + 1] = chain[i + 1, i] = w
    isolated = np.pad(_triangles(), ((0, 1), (0, 1)))
    return [
        Case((_triangles(),), kind="two groups",
             label="two triangles joined by a weak edge: degrees differ, so y = D^-1/2 z is not z"),
        Case((blobs,), kind="self-loops",
             label="the Gaussian affinity of two blobs: keep its self-loops (w_ii = 1) in the degrees"),
        Case((np.round(_image_graph(rng, 4, 5), 4),), kind="image graph",
             label="the 8-neighbour graph of a 4 x 5 image (no self-loops: do not add any)"),
        Case((chain,), label="a chain of 7 nodes", kind="weighted graph"),
        Case((isolated,), label="node 6 has no edge: D is not invertible, raise ValueError", kind="raises: degree 0"),
    ]


def _hidden_eigen(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    n1, n2 = r(3, 7), r(3, 7)
    W = _draw(lambda: _two_groups(rng, n1, n2), _well_posed_eigen)
    cases.append(Case((W,), kind="two groups",
                      label=f"two groups of {n1} and {n2} nodes: degrees differ, so y = D^-1/2 z is not z"))
    sizes = [r(3, 8), r(3, 8)]
    W = _draw(lambda: _blob_affinity(rng, sizes, sigma=float(rng.uniform(0.6, 1.2))), _well_posed_eigen)
    cases.append(Case((W,), kind="self-loops",
                      label="the Gaussian affinity of two blobs: keep its self-loops (w_ii = 1) in the degrees"))
    h, w = r(3, 5), r(4, 6)
    W = _draw(lambda: _image_graph(rng, h, w), _well_posed_eigen)
    cases.append(Case((W,), kind="image graph",
                      label=f"the 8-neighbour graph of a {h} x {w} image (no self-loops: do not add any)"))
    n = r(6, 12)
    W = _draw(lambda: _random_graph(rng, n, float(rng.uniform(0.2, 0.6))), _well_posed_eigen)
    cases.append(Case((W,), label=f"a random graph of {n} nodes", kind="weighted graph"))
    n = r(4, 8)
    W = _random_graph(rng, n)
    k = r(0, n)
    W = np.insert(np.insert(W, k, 0.0, axis=0), k, 0.0, axis=1)
    cases.append(Case((W,), label=f"node {k} has no edge: D is not invertible, raise ValueError",
                      kind="raises: degree 0"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# best_split(W, y) -> mask of A = {i : y_i > t}


def _public_split() -> list[Case]:
    rng = np.random.default_rng(204)
    W = _triangles()
    off_zero = _draw(lambda: _blob_affinity(rng, [4, 11], sigma=0.8, scales=[0.3, 0.8]),
                     _well_posed_eigen, lambda W: _best_not_a_shortcut(W, _eigenvector(W)))
    W_tie, y_tie = _tie_trap(rng, 5, 6)
    W_any, y_any = _close_values(rng, 4, 5)
    return [
        Case((W, np.round(_eigenvector(W), 4)), kind="eigenvector",
             label="two triangles and their eigenvector: A = {i : y_i > t}"),
        Case((off_zero, _eigenvector(off_zero)), kind="best threshold not at 0",
             label="a tight blob of 4 points and a loose one of 11 (self-loops): the best threshold is not 0, nor "
                   "the median, nor that of the least cut"),
        Case((W_tie, y_tie), kind="ties in y",
             label="equal values of y stay on the same side: a threshold never falls between them"),
        Case((W_any, y_any), kind="close values of y",
             label="any vector y, not only an eigenvector (here all y_i > 0); the best split lies in a gap of 0.001 "
                   "between two values: try every threshold, not a grid"),
    ]


def _hidden_split(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    n1, n2 = r(3, 7), r(3, 7)
    W = _draw(lambda: _two_groups(rng, n1, n2), _well_posed_eigen, lambda W: _clear_best(W, _eigenvector(W)))
    cases.append(Case((W, _eigenvector(W)), kind="eigenvector",
                      label=f"two groups of {n1} and {n2} nodes and their eigenvector: A = {{i : y_i > t}}"))
    small, large = r(3, 5), r(9, 14)
    W = _draw(lambda: _blob_affinity(rng, [small, large], sigma=float(rng.uniform(0.7, 0.9)),
                                     scales=[float(rng.uniform(0.2, 0.35)), float(rng.uniform(0.7, 0.9))]),
              _well_posed_eigen, lambda W: _best_not_a_shortcut(W, _eigenvector(W)),
              lambda W: _clear_best(W, _eigenvector(W)))
    cases.append(Case((W, _eigenvector(W)), kind="best threshold not at 0",
                      label=f"a tight blob of {small} points and a loose one of {large} (self-loops): the best "
                            "threshold is not 0, nor the median, nor that of the least cut"))
    W, y = _tie_trap(rng, r(4, 7), r(4, 7))
    cases.append(Case((W, y), kind="ties in y",
                      label="equal values of y stay on the same side: a threshold never falls between them"))
    W, y = _close_values(rng, r(3, 7), r(3, 7))
    cases.append(Case((W, y), kind="close values of y",
                      label="any vector y, not only an eigenvector (here all y_i > 0); the best split lies in a gap "
                            "of 0.001 between two values: try every threshold, not a grid"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# the exercises

exercise = chapter(NOTEBOOK, forbidden=_FORBIDDEN)

exercise(
    id="graphs.gaussian_affinity", function="gaussian_affinity", reference="coursekit.graphs.gaussian_affinity",
    public=_public_affinity, hidden=_hidden_affinity, compare=allclose(rtol=1e-7, atol=1e-10), points=1,
    hint="raise ValueError unless sigma > 0; squared distances of all pairs by broadcasting, "
         "d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2), shape (N, N); then np.exp(-d2 / (2 * sigma**2)). "
         "The diagonal is exp(0) = 1: leave it.",
)

exercise(
    id="graphs.cut_value", function="cut_value", reference="coursekit.graphs.cut_value",
    public=lambda: _public_masks("cut"), hidden=lambda rng: _hidden_masks(rng, "cut"),
    compare=allclose(rtol=1e-9, atol=1e-12), points=1,
    hint="A = np.asarray(mask, dtype=bool) (a 0/1 integer mask would index rows 0 and 1), B = ~A; "
         "cut = W[A][:, B].sum(): rows in A, columns in B, each edge once (not W[A != B]-style sums over both "
         "orders). Return a float.",
)

exercise(
    id="graphs.assoc", function="assoc", reference="coursekit.graphs.assoc",
    public=lambda: _public_masks("assoc"), hidden=lambda rng: _hidden_masks(rng, "assoc"),
    compare=allclose(rtol=1e-9, atol=1e-12), points=1,
    hint="assoc(A, V) sums w_ij over i in A and j in V (all nodes, A included): W[A].sum(), the sum of the degrees "
         "of the nodes of A. An edge inside A counts twice (from each end), a self-loop once.",
)

exercise(
    id="graphs.ncut_value", function="ncut_value", reference="coursekit.graphs.ncut_value",
    public=lambda: _public_masks("ncut"), hidden=lambda rng: _hidden_masks(rng, "ncut"),
    compare=allclose(rtol=1e-9, atol=1e-12), points=1,
    hint="Ncut = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V), with your cut_value and assoc (B = ~A); when "
         "assoc(A, V) or assoc(B, V) is 0 (an empty side, or a side of nodes without edges) raise ValueError "
         "instead of dividing by 0.",
)

exercise(
    id="graphs.ncut_eigenvector", function="ncut_eigenvector",
    reference="coursekit.grading.ch02_affinity_ncuts.reference_ncut_eigenvector",
    public=_public_eigen, hidden=_hidden_eigen,
    compare=allclose(rtol=1e-6, atol=1e-8, names=("eigenvalue", "y")), points=2,
    hint="d = W.sum(axis=1) (raise ValueError if any d == 0); s = 1 / np.sqrt(d); "
         "L = np.eye(N) - s[:, None] * W * s[None, :] (I - D^-1/2 W D^-1/2, self-loops kept as they are); "
         "values, Z = np.linalg.eigh(L) sorts the eigenvalues in increasing order: take values[1] and Z[:, 1]; "
         "map back, y = s * z (then y^T D y = z^T z = 1), and flip the sign of y if its entry of largest magnitude "
         "is negative.",
)

exercise(
    id="graphs.best_split", function="best_split",
    reference="coursekit.grading.ch02_affinity_ncuts.reference_best_split",
    public=_public_split, hidden=_hidden_split, compare=exact(), points=2,
    hint="values = np.unique(y) (sorted, without repeats); try every t = (values[k] + values[k + 1]) / 2: "
         "A = y > t, compute ncut_value(W, A), keep the A of least Ncut (the first one on a tie). Thresholds "
         "between distinct values only: nodes with equal y stay together. Not y > 0, not the median.",
)


# ---------------------------------------------------------------------------------------------------------------
# the demo's partially correct submission: the affinity and the values right, an eigenvector that forgets to map
# back to y = D^-1/2 z, the threshold search left as the submitted stub. `coursekit samples` builds it.

PARTIAL_SAMPLE = {
    "correct": ("gaussian_affinity", "cut_value", "assoc", "ncut_value"),
    "wrong": {
        "ncut_eigenvector": '''def ncut_eigenvector(W):
    """Second smallest generalized eigenpair of (D - W) y = lambda D y."""
    # Mistake: returns z, the eigenvector of the normalized Laplacian, instead of y = D^-1/2 z.
    W = np.asarray(W, dtype=float)
    d = W.sum(axis=1)
    s = 1 / np.sqrt(d)
    values, Z = np.linalg.eigh(np.eye(len(d)) - s[:, None] * W * s[None, :])
    z = Z[:, 1]
    return values[1], z * np.sign(z[np.argmax(np.abs(z))])''',
    },
}
