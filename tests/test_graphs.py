"""Tests of coursekit.graphs.

Expected values come from independent peers (scikit-learn's rbf_kernel, SciPy's generalized eigh, networkx's
minimum cuts), from brute force written out here (double loops over pixels, every bipartition of small graphs, every
s-t cut), or from small graphs worked by hand in comments; never from the code under test.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from sklearn.metrics.pairwise import rbf_kernel

from threadpoolctl import threadpool_limits

from coursekit import graphs as G
from coursekit.graphs.ncut import _best_threshold
from coursekit.data import toy_intensity_image
from coursekit.metrics import confusion_matrix


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS/OpenMP thread while this module runs: other test runs share the machine, and multi-threaded BLAS on
    small matrices only waits for busy cores."""
    with threadpool_limits(limits=1):
        yield


def random_graph(rng, n, density=0.6, tiny=False, self_loops=False):
    """A symmetric non-negative W on n nodes, every node with an edge (a ring of weak edges keeps degrees > 0)."""
    W = rng.uniform(0.05, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < density)
    if tiny:
        W *= 10.0 ** rng.uniform(-12, 0, (n, n))
    W = np.triu(W, 1)
    ring = np.arange(n)
    W[ring, (ring + 1) % n] += 0.01
    W = W + W.T
    if self_loops:
        W[ring, ring] = rng.uniform(0, 1, n)
    return W


def all_masks(n):
    """Every bipartition of n nodes with both sides non-empty, as a (2^n - 2, n) boolean array."""
    codes = np.arange(1, 2**n - 1)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(bool)


def brute_ncuts(W, masks):
    """Ncut of every mask, with the sums written as matrix products: cut = a^T W (1 - a), assoc = a^T W 1."""
    A = masks.astype(float)
    cut = np.einsum("ki,ij,kj->k", A, W, 1 - A)
    degree = W.sum(axis=1)
    return cut / (A @ degree) + cut / ((1 - A) @ degree)


def loop_ncut(W, mask):
    """Ncut(A, B) by plain loops over the definition."""
    n = len(W)
    cut = sum(W[i][j] for i in range(n) for j in range(n) if mask[i] and not mask[j])
    assoc_a = sum(W[i][j] for i in range(n) for j in range(n) if mask[i])
    assoc_b = sum(W[i][j] for i in range(n) for j in range(n) if not mask[i])
    return cut / assoc_a + cut / assoc_b


# ---------------------------------------------------------------------------------------------------------------
# affinities


@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.5])
def test_gaussian_affinity_is_sklearn_rbf_kernel_with_gamma_one_over_two_sigma_squared(sigma):
    X = np.random.default_rng(0).normal(size=(30, 3))
    W = G.gaussian_affinity(X, sigma)
    np.testing.assert_allclose(W, rbf_kernel(X, gamma=1 / (2 * sigma**2)), rtol=1e-12, atol=1e-14)
    assert np.array_equal(W, W.T) and np.all(np.diag(W) == 1.0)


def test_gaussian_affinity_by_hand():
    # distances 1 and 2: exp(-1/2) and exp(-4/2) for sigma = 1
    W = G.gaussian_affinity([[0.0], [1.0], [2.0]], 1.0)
    assert W[0, 1] == pytest.approx(math.exp(-0.5)) and W[0, 2] == pytest.approx(math.exp(-2.0))


def brute_image_affinity(image, sigma_color, sigma_space, radius):
    """The definition, pixel pair by pixel pair, nodes in raster order."""
    H, W = image.shape[:2]
    F = image.reshape(H, W, -1)
    A = np.zeros((H * W, H * W))
    for (r1, c1), (r2, c2) in itertools.product(itertools.product(range(H), range(W)), repeat=2):
        distance = math.dist((r1, c1), (r2, c2))
        if 0 < distance <= radius:
            color = float(np.sum((F[r1, c1] - F[r2, c2]) ** 2))
            A[r1 * W + c1, r2 * W + c2] = (math.exp(-color / (2 * sigma_color**2))
                                           * math.exp(-distance**2 / (2 * sigma_space**2)))
    return A


@pytest.mark.parametrize("radius", [1, 1.5, 2, math.sqrt(8), 3.5, 10])
@pytest.mark.parametrize("channels", [None, 3])
def test_image_affinity_equals_a_double_loop_over_pixels(radius, channels):
    rng = np.random.default_rng(int(radius * 10))
    image = rng.uniform(size=(6, 7) if channels is None else (6, 7, channels))
    W = G.image_affinity(image, sigma_color=0.3, sigma_space=2.0, radius=radius)
    assert sp.issparse(W) and W.format == "csr" and W.shape == (42, 42)
    np.testing.assert_allclose(W.toarray(), brute_image_affinity(image, 0.3, 2.0, radius), rtol=1e-13, atol=0)
    assert (W != W.T).nnz == 0  # symmetric by construction, not up to rounding
    assert np.all(W.diagonal() == 0)


def test_image_affinity_stores_no_zeros_and_has_int32_indices_for_scipy_and_sklearn():
    image = np.zeros((4, 5))
    image[:, 3:] = 1.0  # the colour term underflows to 0 across the edge for sigma_color = 0.01
    W = G.image_affinity(image, sigma_color=0.01, sigma_space=1.0, radius=1)
    assert np.all(W.data > 0) and W.indices.dtype == np.int32
    assert W[2, 3] == 0 and W[2, 1] == pytest.approx(math.exp(-0.5))


def test_image_affinity_of_one_pixel_is_an_empty_graph():
    assert G.image_affinity(np.ones((1, 1)), 1.0, 1.0, 3).shape == (1, 1)


# ---------------------------------------------------------------------------------------------------------------
# cut, assoc, Ncut


def test_cut_assoc_ncut_by_hand():
    # triangle 0-1 (3), 0-2 (1), 1-2 (2); A = {0}: cut 3 + 1 = 4, assoc(A) = 4, assoc(B) = d_1 + d_2 = 5 + 3 = 8
    W = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float)
    mask = np.array([True, False, False])
    assert G.cut_value(W, mask) == 4.0
    assert G.assoc(W, mask) == 4.0 and G.assoc(W, ~mask) == 8.0
    assert G.ncut_value(W, mask) == pytest.approx(4 / 4 + 4 / 8)
    assert G.cut_value(W, [1, 0, 0]) == 4.0  # 0/1 integers are a mask too


def test_assoc_counts_self_loops_once_and_inner_edges_twice():
    W = np.array([[2.0, 1.0, 0.0], [1.0, 0.0, 5.0], [0.0, 5.0, 0.0]])
    assert G.assoc(W, [True, True, False]) == 2 + 1 + 1 + 5
    assert G.cut_value(W, [True, True, False]) == 5.0


@pytest.mark.parametrize("n", [3, 5, 8, 12])
def test_ncut_value_against_every_bipartition(n):
    rng = np.random.default_rng(n)
    W = random_graph(rng, n, self_loops=n == 8)
    masks = all_masks(n)
    expected = brute_ncuts(W, masks)
    pick = rng.choice(len(masks), size=min(len(masks), 60), replace=False)
    for k in pick:
        assert G.ncut_value(W, masks[k]) == pytest.approx(expected[k], rel=1e-12)
        assert G.ncut_value(W, masks[k]) == pytest.approx(loop_ncut(W, masks[k]), rel=1e-12)
        assert G.ncut_value(sp.csr_array(W), masks[k]) == pytest.approx(expected[k], rel=1e-12)
        assert G.cut_value(sp.csr_matrix(W), masks[k]) == pytest.approx(G.cut_value(W, masks[k]), rel=1e-12)
    assert np.all((expected >= 0) & (expected <= 2))


# ---------------------------------------------------------------------------------------------------------------
# Ncut bipartition


@pytest.mark.parametrize("seed", range(8))
def test_the_eigenvector_split_is_never_better_than_the_brute_force_optimum(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(4, 13))
    W = random_graph(rng, n, density=0.5, self_loops=seed % 2 == 1)
    best = brute_ncuts(W, all_masks(n)).min()
    result = G.ncut_bipartition(W)
    assert result.ncut >= best - 1e-12
    assert result.ncut == pytest.approx(G.ncut_value(W, result.mask), rel=1e-12)
    assert result.eigenvalue <= best + 1e-12  # the relaxation's minimum is a lower bound of every Ncut
    assert np.array_equal(result.mask, result.vector > result.threshold)


@pytest.mark.parametrize("eigen_solver", ["dense", "sparse"])
@pytest.mark.parametrize("seed", range(6))
def test_eigenpair_equals_scipy_generalized_eigh(seed, eigen_solver):
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(3, 40))
    W = random_graph(rng, n, density=0.4)
    D = np.diag(W.sum(axis=1))
    lam, Y = scipy.linalg.eigh(D - W, D)  # eigenvectors normalized to y^T D y = 1, as ours
    graph = sp.csr_array(W) if seed % 2 else W
    result = G.ncut_bipartition(graph, eigen_solver=eigen_solver, tol=0)
    assert result.eigenvalue == pytest.approx(lam[1], rel=1e-8, abs=1e-12)
    y = Y[:, 1] * np.sign(Y[:, 1] @ D @ result.vector)
    np.testing.assert_allclose(result.vector, y, atol=1e-7)
    assert abs(result.vector @ D.sum(axis=1)) < 1e-8  # y^T D 1 = 0


def test_sparse_and_dense_solvers_agree_on_an_image_graph():
    image, _ = toy_intensity_image(seed=3, size=24)
    W = G.image_affinity(image, sigma_color=0.2, sigma_space=3.0, radius=2)
    dense = G.ncut_bipartition(W, eigen_solver="dense")
    sparse = G.ncut_bipartition(W, eigen_solver="sparse")  # the default tolerance
    auto = G.ncut_bipartition(W)  # 576 nodes: sparse
    assert sparse.eigenvalue == pytest.approx(dense.eigenvalue, rel=1e-5)
    assert np.array_equal(sparse.mask, dense.mask) and np.array_equal(auto.mask, sparse.mask)
    np.testing.assert_allclose(sparse.vector, dense.vector, atol=1e-4 * np.abs(dense.vector).max())


def test_the_sparse_solver_finds_a_second_eigenvalue_below_its_tolerance():
    # the toy image's dark disk is joined to the rest by weights of about 1e-6: lambda_2 is about 6e-11, far below
    # the default tol=1e-6, and lambda_3 about 1e-3. Lanczos asked for the top two of D^-1/2 W D^-1/2 cannot tell
    # mu = 1 from 1 - 6e-11 at that tolerance and returned the third eigenpair (a split of Ncut 7e-4, not 6e-11).
    image, truth = toy_intensity_image(seed=0, size=24)
    W = G.image_affinity(image, sigma_color=0.1, sigma_space=3.0, radius=2)
    D = np.diag(W.sum(axis=1))
    lam = scipy.linalg.eigh(D - W.toarray(), D, eigvals_only=True, subset_by_index=[0, 2])
    assert lam[1] < 1e-9 < 1e-4 < lam[2]
    for result in (G.ncut_bipartition(W), G.ncut_bipartition(W, eigen_solver="sparse")):  # auto: 576 nodes, sparse
        assert result.eigenvalue == pytest.approx(lam[1], rel=1e-3, abs=1e-13)
        assert result.ncut < 1e-9
        assert {frozenset(np.flatnonzero(result.mask)), frozenset(np.flatnonzero(~result.mask))} >= \
            {frozenset(np.flatnonzero(truth.ravel() == 0))}  # the disk is cut off


def test_the_threshold_search_equals_trying_every_midpoint():
    rng = np.random.default_rng(5)
    for trial in range(20):
        n = int(rng.integers(2, 15))
        W = random_graph(rng, n, self_loops=trial % 3 == 0)
        y = rng.integers(-3, 4, n).astype(float) if trial % 2 else rng.normal(size=n)  # with ties, or without
        if np.ptp(y) == 0:
            y[0] += 1.0
        mask, threshold = _best_threshold(W, W.sum(axis=1), y)
        values = np.unique(y)
        plain = min(G.ncut_value(W, y > t) for t in (values[1:] + values[:-1]) / 2)
        assert G.ncut_value(W, mask) == pytest.approx(plain, rel=1e-10)
        assert np.array_equal(mask, y > threshold)


def test_disconnected_graphs_are_split_along_components_with_ncut_zero():
    blocks = [np.ones((3, 3)), np.ones((4, 4)), np.ones((2, 2))]
    W = scipy.linalg.block_diag(*blocks) - np.eye(9)
    for graph in (W[:7, :7], W):  # two pieces, then three: 0 is then a triple eigenvalue
        result = G.ncut_bipartition(graph)
        assert result.ncut == 0.0 and result.eigenvalue == pytest.approx(0.0, abs=1e-10)
        assert 0 < result.mask.sum() < len(graph)
        for block in (range(0, 3), range(3, 7), range(7, 9))[: 2 if len(graph) == 7 else 3]:
            assert len(set(result.mask[list(block)])) == 1  # no piece is cut


def bad_partition_graph():
    """The lecture's picture: two groups of 5 (weights 1 inside), joined by four edges of 0.3 (cut 1.2), and an
    outlier (node 10) joined to node 0 only, by 0.5. The cheapest cut cuts off the outlier (0.5 < 1.2)."""
    W = np.zeros((11, 11))
    W[:5, :5] = W[5:10, 5:10] = 1.0
    for i, j in [(1, 5), (2, 6), (3, 7), (4, 8)]:
        W[i, j] = 0.3
    W[0, 10] = 0.5
    W = np.maximum(W, W.T)
    np.fill_diagonal(W, 0.0)
    return W


def test_min_cut_cuts_off_the_outlier_and_ncut_does_not():
    W = bad_partition_graph()
    # the global minimum cut: the least s-t cut over every sink, the source in the first group
    best = min((G.min_cut(W, 1, t) for t in range(11) if t != 1), key=lambda r: r.cut)
    value, _ = nx.stoer_wagner(nx.from_numpy_array(W))
    assert best.cut == pytest.approx(0.5) and value == pytest.approx(0.5)
    assert np.flatnonzero(~best.mask).tolist() == [10]
    result = G.ncut_bipartition(W)
    groups = {frozenset(np.flatnonzero(result.mask)), frozenset(np.flatnonzero(~result.mask))}
    assert groups == {frozenset([0, 1, 2, 3, 4, 10]), frozenset(range(5, 10))}
    assert result.ncut < G.ncut_value(W, np.arange(11) == 10)


# ---------------------------------------------------------------------------------------------------------------
# minimum cut


def brute_min_cut(W, s, t):
    n = len(W)
    others = [i for i in range(n) if i not in (s, t)]
    best = math.inf
    for k in range(2 ** len(others)):
        mask = np.zeros(n, dtype=bool)
        mask[s] = True
        mask[[o for b, o in enumerate(others) if k >> b & 1]] = True
        best = min(best, W[mask][:, ~mask].sum())
    return best


@pytest.mark.parametrize("tiny", [False, True])
def test_min_cut_equals_networkx_and_brute_force(tiny):
    rng = np.random.default_rng(7 + tiny)
    for trial in range(40):
        n = int(rng.integers(3, 11))
        W = random_graph(rng, n, density=0.5, tiny=tiny)
        if trial % 4 == 0:
            W[W < np.median(W)] = 0.0  # sparser, sometimes disconnected
        s, t = rng.choice(n, 2, replace=False).tolist()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # certified: no warning
            result = G.min_cut(W if trial % 2 else sp.csr_array(W), s, t)
        graph = nx.from_numpy_array(W)
        peer = nx.minimum_cut(graph, s, t, capacity="weight")[0] if nx.has_path(graph, s, t) else 0.0
        assert result.cut == pytest.approx(peer, rel=1e-9, abs=0)
        assert result.cut == pytest.approx(brute_min_cut(W, s, t), rel=1e-9, abs=0)
        assert result.mask[s] and not result.mask[t]
        assert result.cut == pytest.approx(G.cut_value(W, result.mask), rel=1e-12)


def test_min_cut_keeps_weights_many_orders_of_magnitude_below_the_largest():
    # a chain 0 - 1 - 2 - 3 with huge outer links and two tiny middle ones: the cut is the smaller tiny one
    W = np.zeros((4, 4))
    W[0, 1], W[1, 2], W[2, 3] = 1e6, 3e-12, 1e6
    W[0, 2] = 2e-12
    W = W + W.T
    result = G.min_cut(W, 0, 3)
    assert result.cut == pytest.approx(5e-12, rel=1e-9)
    assert result.mask.tolist() == [True, True, False, False]


def test_min_cut_on_an_image_graph_equals_networkx():
    image, _ = toy_intensity_image(seed=1, size=16)
    W = G.image_affinity(image, sigma_color=0.1, sigma_space=2.0, radius=2)
    s, t = 3 * 16 + 5, 12 * 16 + 12
    result = G.min_cut(W, s, t)
    peer, _ = nx.minimum_cut(nx.from_scipy_sparse_array(W), s, t, capacity="weight")
    assert result.cut == pytest.approx(peer, rel=1e-9)


def test_min_cut_with_the_sink_out_of_reach_is_the_source_component():
    W = scipy.linalg.block_diag(np.ones((3, 3)), np.ones((2, 2))) - np.eye(5)
    result = G.min_cut(W, 4, 0)
    assert result.cut == 0.0 and result.mask.tolist() == [False, False, False, True, True]


def test_min_cut_warns_when_the_integer_scale_cannot_certify_the_cut():
    # a source with 6000 edges: each loses up to one unit of 2^30 / 6000 when rounded down, 1e-6 of the cut in all
    rng = np.random.default_rng(3)
    n = 6002
    weights = rng.uniform(0.5, 1.0, n - 2)
    rows = np.r_[np.zeros(n - 2, int), np.arange(1, n - 1)]
    cols = np.r_[np.arange(1, n - 1), np.full(n - 2, n - 1)]
    W = sp.csr_array((np.r_[weights, weights * 2], (rows, cols)), shape=(n, n))
    W = W + W.T
    with pytest.warns(RuntimeWarning, match="certify"):
        result = G.min_cut(W, 0, n - 1)
    assert result.cut == pytest.approx(weights.sum(), rel=1e-4)


# ---------------------------------------------------------------------------------------------------------------
# segmentation


def matches_up_to_a_permutation(labels, target, k):
    cm = confusion_matrix(labels, target, num_classes=k, ignore_index=None)
    return bool(np.all((cm > 0).sum(axis=0) == 1) and np.all((cm > 0).sum(axis=1) == 1))


def test_ncut_segment_recovers_the_toy_image_regions():
    image, target = toy_intensity_image(seed=0, size=32)
    labels = G.ncut_segment(image, 3, sigma_color=0.1, sigma_space=3.0, radius=2)
    assert labels.dtype == np.int64 and labels.shape == (32, 32)
    assert matches_up_to_a_permutation(labels, target, 3)
    assert labels[0, 0] == 0 and set(np.unique(labels).tolist()) == {0, 1, 2}


def test_ncut_segment_recovers_four_colour_quadrants():
    rng = np.random.default_rng(4)
    target = np.zeros((24, 24), dtype=np.int64)
    target[:12, 12:], target[12:, :12], target[12:, 12:] = 1, 2, 3
    colours = np.array([[0.9, 0.1, 0.1], [0.1, 0.8, 0.2], [0.2, 0.2, 0.9], [0.9, 0.9, 0.2]])
    image = np.clip(colours[target] + rng.normal(0, 0.04, (24, 24, 3)), 0, 1)
    labels = G.ncut_segment(image, 4, sigma_color=0.15, sigma_space=3.0, radius=2)
    assert matches_up_to_a_permutation(labels, target, 4)


def test_ncut_segment_stopping_rules():
    image, _ = toy_intensity_image(seed=0, size=20)
    assert np.all(G.ncut_segment(image, 1, 0.1, 3.0, 2) == 0)
    assert np.all(G.ncut_segment(image, 3, 0.1, 3.0, 2, max_ncut=0.0) == 0)  # no split is free


def test_ncut_segment_on_a_checkerboard_with_isolated_pixels():
    board = (np.add.outer(np.arange(8), np.arange(8)) % 2).astype(float)
    # radius 1: every neighbour has the other colour, all weights underflow to 0: nothing can be split
    assert np.all(G.ncut_segment(board, 2, sigma_color=0.01, sigma_space=1.0, radius=1) == 0)
    # radius 1.5: diagonal neighbours share the colour: two components, split at Ncut 0
    labels = G.ncut_segment(board, 2, sigma_color=0.01, sigma_space=1.0, radius=1.5)
    assert np.array_equal(labels, board.astype(np.int64))


# ---------------------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("X, error", [
    ("points", TypeError), (None, TypeError), ([[1, "a"]], TypeError), ([1.0, 2.0], ValueError),
    (np.ones((2, 2, 2)), ValueError), (np.zeros((0, 2)), ValueError), ([[0.0], [np.nan]], ValueError),
])
def test_gaussian_affinity_rejects_bad_points(X, error):
    with pytest.raises(error, match="X"):
        G.gaussian_affinity(X, 1.0)


@pytest.mark.parametrize("sigma, error", [
    (0, ValueError), (-1.0, ValueError), (np.nan, ValueError), (np.inf, ValueError), ("1", TypeError),
    (None, TypeError), (True, TypeError),
])
def test_sigma_must_be_a_positive_number(sigma, error):
    with pytest.raises(error, match="sigma"):
        G.gaussian_affinity([[0.0], [1.0]], sigma)
    with pytest.raises(error, match="sigma_color"):
        G.image_affinity(np.zeros((3, 3)), sigma, 1.0, 1)
    with pytest.raises(error, match="sigma_space"):
        G.image_affinity(np.zeros((3, 3)), 1.0, sigma, 1)


@pytest.mark.parametrize("radius, error", [(0.5, ValueError), (0, ValueError), (-2, ValueError),
                                           (np.nan, ValueError), ("2", TypeError)])
def test_radius_must_be_at_least_one(radius, error):
    with pytest.raises(error, match="radius"):
        G.image_affinity(np.zeros((3, 3)), 1.0, 1.0, radius)


@pytest.mark.parametrize("image, error", [
    (np.zeros(5), ValueError), (np.zeros((2, 2, 3, 1)), ValueError), (np.zeros((0, 3)), ValueError),
    (np.full((2, 2), np.nan), ValueError), (np.array([["a", "b"]]), TypeError), ("image", TypeError),
])
def test_image_affinity_rejects_bad_images(image, error):
    with pytest.raises(error, match="image"):
        G.image_affinity(image, 1.0, 1.0, 1)


BAD_GRAPHS = [
    (np.ones((2, 3)), ValueError, "square"),
    (np.ones(3), ValueError, "square"),
    (np.zeros((0, 0)), ValueError, "square"),
    (np.array([[0.0, 1.0], [2.0, 0.0]]), ValueError, "symmetric"),
    (sp.csr_array(np.array([[0.0, 1.0], [0.0, 0.0]])), ValueError, "symmetric"),
    (np.array([[0.0, -1.0], [-1.0, 0.0]]), ValueError, ">= 0"),
    (sp.csr_array(np.array([[0.0, -1.0], [-1.0, 0.0]])), ValueError, ">= 0"),
    (np.array([[0.0, np.nan], [np.nan, 0.0]]), ValueError, "finite"),
    (sp.csr_array(np.array([[0.0, np.inf], [np.inf, 0.0]])), ValueError, "finite"),
    (np.array([["a", "b"], ["b", "a"]]), TypeError, "real numbers"),
    ("W", TypeError, "real numbers"),
]


@pytest.mark.parametrize("W, error, match", BAD_GRAPHS)
@pytest.mark.parametrize("fn", [lambda W: G.cut_value(W, [True, False]), lambda W: G.assoc(W, [True, False]),
                                lambda W: G.ncut_value(W, [True, False]), G.ncut_bipartition,
                                lambda W: G.min_cut(W, 0, 1)])
def test_every_graph_function_rejects_bad_graphs(fn, W, error, match):
    with pytest.raises(error, match=match):
        fn(W)


def test_small_asymmetry_from_rounding_is_forgiven():
    W = np.array([[0.0, 1.0], [1.0 + 1e-14, 0.0]])
    assert G.cut_value(W, [True, False]) == 1.0


@pytest.mark.parametrize("mask, error, match", [
    ([True, False], ValueError, r"shape \(3,\)"), (np.ones((3, 1), bool), ValueError, "ravel"),
    ([0.0, 1.0, 1.0], ValueError, r"0/1 \(an integer or bool dtype\), given dtype float64"),
    ([0, 2, 1], ValueError, "0/1"), ("abc", TypeError, "mask must be an array of real numbers, given str"),
    (np.array(list("abc")), TypeError, "given dtype <U1"), ([None, 1, 0], TypeError, "given dtype object"),
])
def test_masks_must_be_boolean_with_one_entry_per_node(mask, error, match):
    W = np.ones((3, 3))
    for fn in (G.cut_value, G.assoc, G.ncut_value):
        with pytest.raises(error, match=match):
            fn(W, mask)


def test_ncut_value_is_undefined_for_an_empty_side_or_isolated_nodes():
    W = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="empty"):
        G.ncut_value(W, [False, False, False])
    with pytest.raises(ValueError, match="degree 0"):
        G.ncut_value(W, [False, False, True])
    assert G.ncut_value(W, [True, False, True]) == 2.0  # node 2 adds nothing to A


def test_ncut_bipartition_rejects_isolated_nodes_and_single_nodes():
    W = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"node\(s\) \[2\].*degree 0"):
        G.ncut_bipartition(W)
    with pytest.raises(ValueError, match="at least 2 nodes"):
        G.ncut_bipartition(np.ones((1, 1)))
    board = (np.add.outer(np.arange(4), np.arange(4)) % 2).astype(float)
    with pytest.raises(ValueError, match="degree 0"):
        G.ncut_bipartition(G.image_affinity(board, 0.01, 1.0, 1))


@pytest.mark.parametrize("kwargs, error", [
    ({"eigen_solver": "lanczos"}, ValueError), ({"eigen_solver": 1}, TypeError), ({"tol": -1.0}, ValueError),
    ({"tol": "small"}, TypeError),
])
def test_ncut_bipartition_rejects_bad_options(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        G.ncut_bipartition(np.ones((3, 3)), **kwargs)


@pytest.mark.parametrize("source, sink, error, match", [
    (0, 0, ValueError, "different"), (0, 3, ValueError, "sink"), (-1, 1, ValueError, "source"),
    (0.0, 1, TypeError, "source"), (0, "1", TypeError, "sink"), (True, 1, TypeError, "source"),
])
def test_min_cut_rejects_bad_terminals(source, sink, error, match):
    with pytest.raises(error, match=match):
        G.min_cut(np.ones((3, 3)), source, sink)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_segments": 0}, ValueError, "n_segments"), ({"n_segments": 10}, ValueError, "n_segments"),
    ({"n_segments": 2.0}, TypeError, "n_segments"), ({"max_ncut": -0.1}, ValueError, "max_ncut"),
    ({"radius": 0.9}, ValueError, "radius"), ({"sigma_color": 0.0}, ValueError, "sigma_color"),
    ({"eigen_solver": "SM"}, ValueError, "eigen_solver"),
])
def test_ncut_segment_rejects_bad_arguments(kwargs, error, match):
    args = {"n_segments": 2, "sigma_color": 0.1, "sigma_space": 1.0, "radius": 1, **kwargs}
    with pytest.raises(error, match=match):
        G.ncut_segment(np.zeros((3, 3)), **args)


# ---------------------------------------------------------------------------------------------------------------
# the module itself


def test_the_graph_module_does_not_import_torch():
    code = "import sys, coursekit.graphs; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_results_are_frozen():
    result = G.ncut_bipartition(bad_partition_graph())
    with pytest.raises(AttributeError):
        result.ncut = 0.0
    with pytest.raises(AttributeError):
        G.min_cut(bad_partition_graph(), 0, 5).cut = 0.0
