"""Exercises of the clustering chapter (``01_clustering``): k-means step by step, pixel features, EM and mean shift.

Seven exercises, in the order of the notebook: the assignment step and the update step of k-means, Lloyd's loop from
given initial centres, the feature vector of every pixel (colour, then scaled position), the E-step and the M-step of
EM for a Gaussian mixture, and one step of mean shift with the flat kernel. Each is checked against
:mod:`coursekit.clustering` or :mod:`coursekit.features`, on outputs that are deterministic given the inputs (centres
are given, never drawn), so results are compared exactly (labels) or with ``allclose`` (numbers).

Public cases are small and fixed and show the traps the chapter teaches: ties between centres (the lowest index
wins), squared Euclidean distance (a point whose nearest centre in the L1 sense is another one), empty clusters (keep
the previous centre; without ``previous`` a ValueError), a last cluster that is empty (``k`` is given, not
``labels.max() + 1``), a loop stopped by ``max_iter`` before it converged (the returned labels are those of the
returned centres), a non-square image (position ``(x, y)`` = (column, row) scaled by ``lambda / max(H, W)``), points
far from every Gaussian (log-sum-exp), full covariances and unequal weights, a component without responsibility
(``10 eps`` added to ``N_j``), the regularisation of the covariances, a flat window whose edge passes exactly through
a data point (``<=``), and a point with no neighbour (it stays). Each case names its trap as its ``kind``. Hidden
cases are random, and every hidden set holds each kind of the public cases (and no other), with random sizes and
values.
"""

from __future__ import annotations

import numpy as np

from .compare import allclose, exact
from .registry import Case, chapter

NOTEBOOK = "01_clustering"

#: Every exercise is written from scratch with NumPy: no coursekit clustering or features, no library clustering.
#: A module path forbids the functions and classes defined in that module itself; the public classes and functions of
#: scikit-learn and SciPy live in private submodules, so they are named one by one as well.
_FORBIDDEN = (
    "coursekit.clustering",
    "coursekit.features",
    "sklearn.cluster",
    "sklearn.cluster.KMeans",
    "sklearn.cluster.MiniBatchKMeans",
    "sklearn.cluster.BisectingKMeans",
    "sklearn.cluster.k_means",
    "sklearn.cluster.kmeans_plusplus",
    "sklearn.cluster.MeanShift",
    "sklearn.cluster.mean_shift",
    "sklearn.mixture",
    "sklearn.mixture.GaussianMixture",
    "sklearn.mixture.BayesianGaussianMixture",
    "scipy.cluster",
    "scipy.cluster.vq.kmeans",
    "scipy.cluster.vq.kmeans2",
    "scipy.cluster.vq.vq",
)


# ---------------------------------------------------------------------------------------------------------------
# the reference of the k-means loop: coursekit.clustering.kmeans from given centres, tol=0


def reference_kmeans_loop(X, init_centers, max_iter):
    """Lloyd's algorithm from ``init_centers`` (the reference of ``clustering.kmeans_loop``).

    :func:`coursekit.clustering.kmeans` with ``init=init_centers`` and ``tol=0``: iterate the assignment and update
    steps (an empty cluster keeps its centre) until the labels no longer change or ``max_iter`` iterations ran;
    return ``(labels, centers)``, the labels being those of the returned centres.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    >>> labels, centers = reference_kmeans_loop(X, X[[0, 1]], max_iter=10)
    >>> labels
    array([0, 0, 1, 1])
    >>> centers
    array([[ 0. ,  0.5],
           [10. , 10.5]])
    """
    from coursekit.clustering import kmeans

    init_centers = np.asarray(init_centers, dtype=np.float64)
    if init_centers.ndim != 2:
        raise ValueError(f"init_centers must be a (k, D) array, given shape {init_centers.shape}")
    result = kmeans(X, init_centers.shape[0], init=init_centers, max_iter=max_iter, tol=0.0, keep_labels=False)
    return result.labels, result.centers


# ---------------------------------------------------------------------------------------------------------------
# helpers for the cases


def _blobs(rng, k, n_per, d, spread=4.0, scale=0.6):
    centers = rng.uniform(-spread, spread, size=(k, d))
    X = np.concatenate([c + scale * rng.normal(size=(n_per, d)) for c in centers])
    return X[rng.permutation(len(X))], centers


# ---------------------------------------------------------------------------------------------------------------
# assign_labels(X, centers)


def _public_assign() -> list[Case]:
    X = np.array([[0.0, 0.0], [0.9, 0.0], [1.0, 0.0], [3.0, 0.0], [1.0, 2.0]])
    C = np.array([[0.0, 0.0], [2.0, 0.0]])
    rng = np.random.default_rng(101)
    Xb, Cb = _blobs(rng, 3, 6, 2)
    return [
        Case((X, C), label="x = 1 is as far from both centres: the lowest index wins", kind="tie"),
        Case((np.array([[0.0, 0.0], [2.0, 3.0]]), np.array([[2.0, 2.0], [0.0, 3.5]])),
             label="squared Euclidean distance: (0, 0) is nearer centre 0 (8 < 12.25) although its L1 distance to "
                   "centre 1 is smaller (3.5 < 4)", kind="squared, not L1"),
        Case((np.array([[0.1], [0.5], [0.52], [0.9]]), np.array([[0.1], [0.5], [0.9]])),
             label="intensities: D = 1, points as an (N, 1) array", kind="D = 1"),
        Case((np.round(Xb, 2), np.round(Cb, 2)), label="three blobs of 6 points in 2-D", kind="blobs"),
        Case((X, np.array([[1.0, 1.0], [1.0, 1.0], [5.0, 0.0]])),
             label="two identical centres: the lower index wins every tie", kind="identical centres"),
        Case((np.round(rng.uniform(0, 1, (7, 5)), 2), np.round(rng.uniform(0, 1, (1, 5)), 2)),
             label="k = 1 in 5-D: every label is 0", kind="k = 1"),
    ]


def _hidden_assign(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    k, d = r(2, 5), r(1, 4)
    C = rng.integers(-4, 5, size=(k, d)).astype(np.float64)
    C[1] = C[0] + 2 * rng.integers(1, 3, size=d)  # centres 0 and 1 differ by an even vector: their midpoint ties
    X = rng.integers(-6, 7, size=(r(10, 25), d)).astype(np.float64)
    X[rng.integers(0, len(X))] = (C[0] + C[1]) / 2
    X[rng.integers(0, len(X))] = (C[0] + C[1]) / 2
    cases.append(Case((X, C), label=f"integer points and {k} centres in {d}-D with exact ties: the lowest index wins",
                      kind="tie"))
    a = float(rng.uniform(1.5, 3))
    t = a * float(rng.uniform(1.55, 1.85))  # sqrt(2) a < t < 2 a: L2 prefers (a, a), L1 prefers (0, t)
    offset = rng.uniform(-3, 3, size=2)
    C = np.array([[a, a], [0.0, t]]) + offset
    X = np.concatenate([np.zeros((1, 2)), rng.uniform(-1, 4, size=(r(3, 8), 2))])[::-1] + offset
    cases.append(Case((X, C), label="squared Euclidean, not L1: the nearest centre differs",
                      kind="squared, not L1"))
    X = rng.uniform(0, 1, size=(r(20, 60), 1))
    C = np.sort(rng.uniform(0, 1, size=(r(2, 4), 1)), axis=0)
    cases.append(Case((X, C), label=f"intensities: D = 1, {len(C)} centres", kind="D = 1"))
    k, d = r(3, 6), r(2, 5)
    X, C = _blobs(rng, k, r(5, 15), d)
    C = C + rng.normal(scale=0.5, size=C.shape)
    cases.append(Case((X, C), label=f"{k} blobs in {d}-D", kind="blobs"))
    C = rng.normal(size=(r(3, 4), 3))
    C[2] = C[0]
    cases.append(Case((rng.normal(size=(r(10, 30), 3)), C),
                      label="two identical centres: the lower index wins every tie", kind="identical centres"))
    d = r(2, 5)
    cases.append(Case((rng.normal(size=(r(4, 12), d)), rng.normal(size=(1, d))), label=f"k = 1 in {d}-D", kind="k = 1"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# update_centers(X, labels, k, previous=None)


def _public_update() -> list[Case]:
    X = np.array([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0], [1.0, 3.0], [6.0, 4.0]])
    return [
        Case((X, np.array([0, 0, 1, 0, 1]), 2), label="two clusters: every centre moves to the mean of its points",
             kind="labels in any order"),
        Case((X, np.array([1, 2, 0, 2, 1]), 3), label="labels in any order, three clusters",
             kind="labels in any order"),
        Case((X, np.array([0, 0, 0, 2, 2]), 3), {"previous": np.array([[0.0, 0.0], [9.0, 9.0], [1.0, 1.0]])},
             label="cluster 1 is empty: it keeps its previous centre (9, 9)", kind="empty cluster"),
        Case((X, np.array([0, 1, 1, 0, 1]), 3), {"previous": np.array([[0.0, 0.0], [1.0, 1.0], [-4.0, 2.0]])},
             label="the last cluster is empty: k = 3 is given, labels.max() + 1 is only 2",
             kind="last cluster empty"),
        Case((X, np.array([0, 0, 1, 1, 1]), 3), label="cluster 2 is empty and previous is None: raise ValueError",
             kind="raises: empty without previous"),
        Case((np.array([[0.2], [0.3], [0.8], [0.9], [0.85]]), np.array([0, 0, 1, 1, 1]), 2),
             label="intensities: D = 1", kind="D = 1"),
        Case((X, np.array([1, 0, 1, 1, 0]), 2), {"previous": np.array([[7.0, 7.0], [-7.0, 7.0]])},
             label="previous given, no cluster empty: it changes nothing", kind="previous, none empty"),
    ]


def _hidden_update(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    k, d = r(2, 5), r(1, 4)
    n = r(10, 40)
    labels = np.concatenate([np.arange(k), rng.integers(0, k, size=n - k)])[rng.permutation(n)]
    cases.append(Case((rng.normal(size=(n, d)), labels, k), label=f"{k} clusters in {d}-D, labels in any order",
                      kind="labels in any order"))
    labels = np.concatenate([np.arange(k), rng.integers(0, k, size=n - k)])[rng.permutation(n)]
    cases.append(Case((rng.normal(size=(n, d)), labels, k), {"previous": rng.normal(size=(k, d))},
                      label="previous given, no cluster empty: it changes nothing",
                      kind="previous, none empty"))
    k = r(3, 5)
    empty = r(0, k - 2)
    keep = np.array([j for j in range(k) if j != empty])
    labels = np.concatenate([keep, rng.choice(keep, size=n - len(keep))])[rng.permutation(n)]
    cases.append(Case((rng.normal(size=(n, d)), labels, k), {"previous": 5 + rng.normal(size=(k, d))},
                      label=f"cluster {empty} is empty: it keeps its previous centre", kind="empty cluster"))
    k = r(3, 5)
    labels = np.concatenate([np.arange(k - 1), rng.integers(0, k - 1, size=n - k + 1)])[rng.permutation(n)]
    cases.append(Case((rng.normal(size=(n, d)), labels, k), {"previous": rng.normal(size=(k, d))},
                      label=f"the last cluster is empty: k = {k} is given, labels.max() + 1 is only {k - 1}",
                      kind="last cluster empty"))
    labels = np.concatenate([np.arange(k - 1), rng.integers(0, k - 1, size=n - k + 1)])[rng.permutation(n)]
    cases.append(Case((rng.normal(size=(n, d)), labels, k),
                      label=f"cluster {k - 1} is empty and previous is None: raise ValueError",
                      kind="raises: empty without previous"))
    n = r(5, 20)
    labels = np.concatenate([np.arange(k), rng.integers(0, k, size=n - k)])[rng.permutation(n)]
    cases.append(Case((rng.uniform(0, 1, size=(n, 1)), labels, k), label=f"intensities: D = 1, {k} clusters",
                      kind="D = 1"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# kmeans_loop(X, init_centers, max_iter)


def _public_loop() -> list[Case]:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    rng = np.random.default_rng(102)
    Xb, Cb = _blobs(rng, 3, 8, 2)
    Xb = np.round(Xb, 2)
    line = np.array([[0.0], [1.0], [2.0], [8.0], [9.0], [10.0]])
    return [
        Case((X, X[[0, 1]], 10), label="the lecture's example: two pairs of points, both centres start in one pair",
             kind="converges"),
        Case((X, X[[0, 1]], 1), label="max_iter = 1 stops before convergence: labels of the returned centres",
             kind="max_iter stops early"),
        Case((Xb, Xb[:3], 50), label="three blobs, initial centres the first three points", kind="converges"),
        Case((line, np.array([[0.0], [1.0], [50.0]]), 20),
             label="a centre far from every point: its cluster is empty and keeps its centre", kind="empty cluster"),
        Case((Xb, Xb[[0, 1, 2]] + 0.5, 2), label="two iterations only", kind="max_iter stops early"),
    ]


def _hidden_loop(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []

    def leftmost(X, k):  # k points at one end of the data: a poor start that needs several iterations
        return X[np.argsort(X[:, 0], kind="stable")[:k]].copy()

    k, d = r(2, 4), r(1, 3)
    X, _ = _blobs(rng, k, r(6, 15), d, scale=1.0)
    cases.append(Case((X, leftmost(X, k), 100),
                      label=f"{k} blobs in {d}-D, initial centres {k} points at one end: runs to convergence",
                      kind="converges"))
    X, _ = _blobs(rng, 3, r(6, 12), 2, spread=6.0)
    init = leftmost(X, 3)
    cases.append(Case((X, init, 1), label="max_iter = 1 stops before convergence: labels of the returned centres",
                      kind="max_iter stops early"))
    cases.append(Case((X, init + rng.normal(scale=0.1, size=init.shape), 2), label="two iterations only",
                      kind="max_iter stops early"))
    X, _ = _blobs(rng, 2, r(6, 12), 2)
    far = np.abs(X).max() * 10 + rng.uniform(10, 20, size=(1, 2))
    init = np.concatenate([leftmost(X, 2), far])
    cases.append(Case((X, init, 30), label="a centre far from every point: its cluster is empty and keeps its centre",
                      kind="empty cluster"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# pixel_features(image, space="rgb", position_weight=0.0), spaces "gray" (grey image) and "rgb" (RGB image)


def _public_features() -> list[Case]:
    rgb = np.zeros((2, 3, 3))
    rgb[1, 2] = [1.0, 0.5, 0.0]
    rng = np.random.default_rng(103)
    return [
        Case((rgb,), {"space": "rgb"}, label="RGB, no position: one row (R, G, B) per pixel in raster order",
             kind="rgb"),
        Case((rgb,), {"space": "rgb", "position_weight": 1.0},
             label="a 2 x 3 RGB image with position: columns x (column) then y (row), scaled by 1 / max(H, W)",
             kind="position, wider than tall"),
        Case((np.round(rng.uniform(0, 1, (4, 2)), 2),), {"space": "gray", "position_weight": 2.0},
             label="a 4 x 2 grey image (taller than wide), lambda = 2", kind="position, taller than wide"),
        Case((np.round(rng.uniform(0, 1, (3, 3)), 2),), {"space": "gray"},
             label="grey, no position: D = 1, an (N, 1) array", kind="gray"),
        Case((np.round(rng.uniform(0, 1, (3, 5, 3)), 2),), {"space": "rgb", "position_weight": 0.5},
             label="a 3 x 5 RGB image, lambda = 0.5", kind="position, wider than tall"),
        Case((np.zeros((2, 2)),), {"space": "rgb"}, label="a grey image with space='rgb': raise ValueError",
             kind="raises: grey image as rgb"),
    ]


def _hidden_features(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    h, w = r(2, 8), r(2, 8)
    cases.append(Case((rng.uniform(0, 1, (h, w, 3)),), {"space": "rgb"}, label=f"a {h} x {w} RGB image, no position",
                      kind="rgb"))
    h = r(2, 6)
    w = h + r(1, 4)
    cases.append(Case((rng.uniform(0, 1, (h, w, 3)),), {"space": "rgb", "position_weight": float(rng.uniform(0.3, 3))},
                      label=f"a {h} x {w} RGB image (wider than tall) with position", kind="position, wider than tall"))
    w = r(2, 6)
    h = w + r(1, 4)
    cases.append(Case((rng.uniform(0, 1, (h, w)),), {"space": "gray", "position_weight": float(rng.uniform(0.3, 3))},
                      label=f"a {h} x {w} grey image (taller than wide) with position",
                      kind="position, taller than wide"))
    h, w = r(2, 6), r(2, 6)
    cases.append(Case((rng.uniform(0, 1, (h, w)),), {"space": "gray"}, label=f"a {h} x {w} grey image, no position",
                      kind="gray"))
    cases.append(Case((rng.uniform(0, 1, (h, w)),), {"space": "rgb"},
                      label="a grey image with space='rgb': raise ValueError", kind="raises: grey image as rgb"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# e_step(X, weights, means, covariances) -> (responsibilities, mean log-likelihood)


def _spd(rng, d, scale=1.0):
    A = rng.normal(size=(d, d))
    return scale * (A @ A.T / d + 0.3 * np.eye(d))


def _public_e() -> list[Case]:
    X1 = np.array([[0.0], [1.0], [2.0]])
    X2 = np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 3.0], [2.0, -1.0]])
    cov_full = np.array([[[1.0, 0.8], [0.8, 1.0]], [[0.5, -0.2], [-0.2, 0.3]]])
    return [
        Case((X1, np.array([0.5, 0.5]), np.array([[0.0], [2.0]]), np.array([[[1.0]], [[1.0]]])),
             label="the lecture's example in 1-D: equal weights, unit variances", kind="1-D"),
        Case((X1, np.array([0.8, 0.2]), np.array([[0.0], [2.0]]), np.array([[[1.0]], [[0.25]]])),
             label="unequal weights and variances", kind="unequal weights"),
        Case((X2, np.array([0.3, 0.7]), np.array([[0.0, 0.0], [2.0, 1.0]]), cov_full),
             label="full (non-diagonal) covariances in 2-D", kind="full covariances"),
        Case((np.array([[0.0, 0.0], [40.0, 40.0]]), np.array([0.5, 0.5]), np.array([[0.0, 0.0], [1.0, 1.0]]),
              np.array([0.01 * np.eye(2), 0.01 * np.eye(2)])),
             label="a point far from both components: its densities underflow to 0 (work in log space)",
             kind="far point: log space"),
    ]


def _hidden_e(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    k = r(2, 4)
    w = rng.dirichlet(np.ones(k))
    cases.append(Case((rng.normal(size=(r(5, 20), 1)), w, rng.normal(size=(k, 1)),
                       rng.uniform(0.2, 2, size=(k, 1, 1))), label=f"1-D, {k} components with unequal weights",
                      kind="unequal weights"))
    k, d = r(2, 4), r(2, 4)
    cases.append(Case((rng.normal(size=(r(10, 30), d)), rng.dirichlet(np.ones(k)), rng.normal(size=(k, d)),
                       np.stack([_spd(rng, d) for _ in range(k)])),
                      label=f"full (non-diagonal) covariances in {d}-D, {k} components", kind="full covariances"))
    d = r(2, 3)
    X = rng.normal(size=(r(5, 10), d))
    X[0] = rng.uniform(30, 60) * np.sign(rng.normal(size=d))
    cases.append(Case((X, np.array([0.5, 0.5]), rng.normal(scale=0.5, size=(2, d)),
                       np.stack([_spd(rng, d, 0.02) for _ in range(2)])),
                      label="a point far from every component: its densities underflow to 0 (work in log space)",
                      kind="far point: log space"))
    k = r(2, 4)
    cases.append(Case((rng.normal(size=(r(3, 10), 1)), np.full(k, 1.0 / k), rng.normal(scale=2, size=(k, 1)),
                       np.ones((k, 1, 1))), label=f"1-D, {k} components with equal weights and unit variances",
                      kind="1-D"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# m_step(X, responsibilities, reg_covar=1e-6) -> (weights, means, covariances)


def _public_m() -> list[Case]:
    X1 = np.array([[0.0], [2.0], [10.0]])
    X2 = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 3.0], [4.0, 1.0], [2.0, -1.0]])
    R2 = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9], [0.5, 0.5]])
    return [
        Case((X1, np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])), {"reg_covar": 0.0},
             label="hard responsibilities, no regularisation: the k-means update with variances (divide by N_j)",
             kind="hard responsibilities"),
        Case((X2, R2), {"reg_covar": 0.0}, label="soft responsibilities in 2-D: full covariances",
             kind="soft responsibilities"),
        Case((X2, R2), label="the default reg_covar = 1e-6 is added to every diagonal", kind="default reg_covar"),
        Case((X2, R2), {"reg_covar": 0.5}, label="reg_covar = 0.5 is added to every diagonal", kind="reg_covar"),
        Case((X2, np.column_stack([np.ones(5), np.zeros(5)])), {"reg_covar": 0.1},
             label="component 1 has no responsibility: with N_j + 10 eps its mean is 0 and its covariance reg_covar I",
             kind="no responsibility"),
    ]


def _hidden_m(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    k, n = r(2, 4), r(6, 20)
    labels = np.concatenate([np.arange(k), rng.integers(0, k, size=n - k)])
    cases.append(Case((rng.normal(size=(n, 1)), np.eye(k)[labels]), {"reg_covar": 0.0},
                      label=f"hard responsibilities in 1-D, {k} components, no regularisation",
                      kind="hard responsibilities"))
    k, d, n = r(2, 4), r(2, 4), r(10, 30)
    R = rng.dirichlet(np.ones(k), size=n)
    cases.append(Case((rng.normal(size=(n, d)), R), {"reg_covar": 0.0},
                      label=f"soft responsibilities in {d}-D: full covariances", kind="soft responsibilities"))
    cases.append(Case((rng.normal(size=(n, d)), R),
                      label="the default reg_covar = 1e-6 is added to every diagonal", kind="default reg_covar"))
    reg = float(rng.uniform(0.05, 1.0))
    cases.append(Case((rng.normal(size=(n, d)), R), {"reg_covar": reg},
                      label=f"reg_covar = {reg:.3f} is added to every diagonal", kind="reg_covar"))
    R = rng.dirichlet(np.ones(k), size=n)
    zero = r(0, k - 1)
    R[:, zero] = 0.0
    R /= R.sum(axis=1, keepdims=True)
    cases.append(Case((rng.normal(size=(n, d)), R), {"reg_covar": float(rng.uniform(0.05, 0.5))},
                      label=f"component {zero} has no responsibility: its mean is 0 and its covariance reg_covar I",
                      kind="no responsibility"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# mean_shift_step(X, points, bandwidth), flat kernel


def _public_shift() -> list[Case]:
    X = np.array([[0.0], [1.0], [2.0], [10.0]])
    X2 = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0], [0.0, 1.0], [8.0, 8.0], [9.0, 8.0]])
    return [
        Case((X, np.array([[0.0], [1.5], [6.0]]), 1.0),
             label="1-D: (0 + 1) / 2, (1 + 2) / 2, and a point with no data point in its window stays",
             kind="no neighbour: stays"),
        Case((X2, X2, 5.0), label="2-D, the points are the data: (3, 4) is exactly at distance h = 5 from (0, 0), "
                                  "inside the window (<=)", kind="edge of the window (<=)"),
        Case((X2, np.array([[0.5, 0.5], [8.5, 8.0], [20.0, 20.0]]), 1.0),
             label="points between the data points, one with no neighbour", kind="no neighbour: stays"),
        Case((X2, np.array([[1.0, 1.0]]), 100.0), label="a bandwidth covering all the data: the mean of all points",
             kind="window covers all"),
        Case((X2, X2, 1.5), label="the points are the data, h = 1.5: every window holds its own point",
             kind="points are the data"),
    ]


def _hidden_shift(rng) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    d = r(1, 3)
    X = rng.integers(-5, 6, size=(r(8, 20), d)).astype(np.float64)
    h = float(r(2, 4))
    Y = X[rng.choice(len(X), r(3, 6), replace=False)].copy()
    Y[0] = X[0]
    Y[0, 0] = X[0, 0] + h  # X[0] lies exactly on the edge of the window of Y[0]
    cases.append(Case((X, Y, h), label=f"integer data in {d}-D with a data point exactly at distance h = {h:g} (<=)",
                      kind="edge of the window (<=)"))
    X, _ = _blobs(rng, 3, r(5, 12), 2)
    h = float(rng.uniform(0.5, 2.0))
    cases.append(Case((X, X.copy(), h), label=f"2-D blobs, the points are the data, h = {h:.2f}",
                      kind="points are the data"))
    far = np.abs(X).max() + 10 * h + rng.uniform(1, 5, size=(1, 2))
    Y = np.concatenate([rng.uniform(-4, 4, size=(r(2, 5), 2)), far])
    cases.append(Case((X, Y, h), label="points between the data, one with no data point in its window: it stays",
                      kind="no neighbour: stays"))
    d = r(2, 4)
    X = rng.normal(size=(r(5, 15), d))
    cases.append(Case((X, rng.normal(size=(r(2, 4), d)), 100.0),
                      label=f"a bandwidth covering all the data in {d}-D: the mean of all points",
                      kind="window covers all"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# the exercises

exercise = chapter(NOTEBOOK, forbidden=_FORBIDDEN)

exercise(
    id="clustering.assign_labels", function="assign_labels", reference="coursekit.clustering.assign_labels",
    public=_public_assign, hidden=_hidden_assign, compare=exact(), points=1,
    hint="compute the squared distances of every point to every centre with broadcasting, "
         "d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), shape (N, k), and take "
         "d2.argmin(axis=1) (argmin returns the first, i.e. lowest, index on a tie); return int64 labels.",
)

exercise(
    id="clustering.update_centers", function="update_centers", reference="coursekit.clustering.update_centers",
    public=_public_update, hidden=_hidden_update, compare=allclose(rtol=1e-7, atol=1e-10), points=2,
    hint="loop over j in range(k) (k is given: the last clusters may be empty): centre j is "
         "X[labels == j].mean(axis=0) when the cluster has points; an empty cluster keeps previous[j], and when "
         "previous is None raise ValueError. Return a new (k, D) float array.",
)

exercise(
    id="clustering.kmeans_loop", function="kmeans_loop",
    reference="coursekit.grading.ch01_clustering.reference_kmeans_loop",
    public=_public_loop, hidden=_hidden_loop, points=2,
    compare=allclose(rtol=1e-7, atol=1e-9, names=("labels", "centers")),
    hint="start from a copy of init_centers; repeat at most max_iter times: labels = assign_labels(X, centers), "
         "centers = update_centers(X, labels, k, previous=centers), and stop early when the labels equal those of "
         "the previous iteration. Return (assign_labels(X, centers), centers): the labels of the centres you return.",
)

exercise(
    id="clustering.pixel_features", function="pixel_features", reference="coursekit.features.pixel_features",
    public=_public_features, hidden=_hidden_features, compare=allclose(rtol=1e-9, atol=1e-12), points=2,
    hint="colour = image.reshape(H * W, 3) for 'rgb' or image.reshape(H * W, 1) for 'gray' (raise ValueError for a "
         "grey image with 'rgb'); with position_weight > 0 append the columns x * s and y * s, where "
         "y, x = np.divmod(np.arange(H * W), W) (x is the column, y the row) and s = position_weight / max(H, W).",
)

exercise(
    id="clustering.e_step", function="e_step", reference="coursekit.clustering.e_step",
    public=_public_e, hidden=_hidden_e,
    compare=allclose(rtol=1e-6, atol=1e-9, names=("responsibilities", "log_likelihood")), points=3,
    hint="for every component j: log N(x | mu_j, Sigma_j) = -0.5 * (D log(2 pi) + log det Sigma_j + "
         "(x - mu_j)^T Sigma_j^-1 (x - mu_j)) (np.linalg.slogdet, np.linalg.solve); add log pi_j to get an (N, k) "
         "array a; with m = a.max(axis=1, keepdims=True), log p(x_i) = m + log sum_j exp(a - m) (log-sum-exp: "
         "never exp(a) alone); responsibilities = exp(a - log p), log-likelihood = mean of log p.",
)

exercise(
    id="clustering.m_step", function="m_step", reference="coursekit.clustering.m_step",
    public=_public_m, hidden=_hidden_m,
    compare=allclose(rtol=1e-6, atol=1e-9, names=("weights", "means", "covariances")), points=2,
    hint="N_j = R[:, j].sum() + 10 * np.finfo(float).eps; weights = N_j / N (N = number of points, before the "
         "10 eps); means[j] = R[:, j] @ X / N_j; with diff = X - means[j], covariances[j] = "
         "(R[:, j, None] * diff).T @ diff / N_j + reg_covar * np.eye(D). Divide by N_j, not N_j - 1.",
)

exercise(
    id="clustering.mean_shift_step", function="mean_shift_step", reference="coursekit.clustering.mean_shift_step",
    public=_public_shift, hidden=_hidden_shift, compare=allclose(rtol=1e-9, atol=1e-12), points=2,
    hint="for every point y: inside = ((X - y) ** 2).sum(axis=1) <= bandwidth ** 2 (the edge counts); the new "
         "position is X[inside].mean(axis=0), or y itself when no data point is inside. Return the new positions, "
         "not the shift.",
)


# ---------------------------------------------------------------------------------------------------------------
# the demo's partially correct submission: the assignment step right, an update step that forgets empty clusters,
# the rest left as the submitted stubs. `coursekit samples` builds it from the released notebook.

PARTIAL_SAMPLE = {
    "correct": ("assign_labels",),
    "wrong": {
        "update_centers": '''def update_centers(X, labels, k, previous=None):
    """Update step of k-means."""
    # Mistake: an empty cluster gets the mean of no points (NaN) instead of keeping its previous centre.
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    return np.array([X[labels == j].mean(axis=0) if np.any(labels == j) else np.full(X.shape[1], np.nan)
                     for j in range(k)])''',
    },
}
