"""k-means: the assignment step, the update step, k-means++ seeding, and Lloyd's algorithm with its history.

A point set is an ``(N, D)`` array ``X`` of rows ``x_i``; ``k`` centres ``c_1 .. c_k`` minimise the sum of squared
distances (SSD, "inertia") ``J = sum_i ||x_i - c_{l_i}||^2``. Lloyd's algorithm alternates

- the *assignment step* ``l_i = argmin_j ||x_i - c_j||^2`` (:func:`assign_labels`), and
- the *update step* ``c_j = mean{x_i : l_i = j}`` (:func:`update_centers`);

neither step can increase ``J``. Centres start from k-means++ (:func:`kmeans_plus_plus`), from ``k`` random points,
or from given centres.

Every public function checks its arguments, then computes. :func:`assign_labels` and :func:`kmeans` call the fast
kernels of :mod:`coursekit.clustering._fast` (matrix products in tiles, Hamerly's distance bounds); the plain versions
they equal are here, :func:`_nearest_plain` and :func:`_lloyd_plain`, the lecture's steps written out in numpy.

References
----------
.. [1] S. P. Lloyd, "Least squares quantization in PCM", IEEE Transactions on Information Theory 28(2):129-137, 1982.
.. [2] J. MacQueen, "Some methods for classification and analysis of multivariate observations", Proc. 5th Berkeley
   Symposium on Mathematical Statistics and Probability, vol. 1, pp. 281-297, 1967.
.. [3] D. Arthur, S. Vassilvitskii, "k-means++: The Advantages of Careful Seeding", Proc. 18th ACM-SIAM Symposium on
   Discrete Algorithms (SODA), pp. 1027-1035, 2007.
.. [4] G. Hamerly, "Making k-means even faster", Proc. SIAM International Conference on Data Mining, pp. 130-140,
   2010 (the distance bounds :func:`kmeans` uses to skip points whose label cannot change).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_points, check_bool, check_choice, check_int, check_nonneg, rng
from . import _fast
from ._validate import as_centers, as_labels, check_k

__all__ = ["assign_labels", "update_centers", "inertia", "kmeans_plus_plus", "kmeans", "KMeansStep", "KMeansResult"]

_INITS = ("k-means++", "random")


# ---------------------------------------------------------------------------------------------------------------
# the two steps, and the objective


def _nearest_plain(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """The assignment step as the lecture writes it: ``argmin_j ||x_i - c_j||^2`` from an ``(N, k, D)`` array of
    differences (``np.argmin`` keeps the first minimum: ties go to the lowest index)."""
    return np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)


def assign_labels(X, centers) -> np.ndarray:
    """Assignment step of k-means: the index of the nearest centre of every point.

    ``l_i = argmin_j ||x_i - c_j||^2`` (squared Euclidean distance); a point at the same distance from several
    centres goes to the lowest index.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points (finite real numbers).
    centers : array_like, shape (k, D)
        Centres ``c_1 .. c_k`` (finite).

    Returns
    -------
    numpy.ndarray of int64, shape (N,)
        Labels in ``0 .. k - 1``.

    Raises
    ------
    TypeError
        When ``X`` or ``centers`` does not hold real numbers.
    ValueError
        When ``X`` is not a non-empty 2-D array of finite numbers, or ``centers`` has not shape ``(k, D)``.

    Notes
    -----
    The result is that of :func:`_nearest_plain`, computed without its ``(N, k, D)`` array: the distances come from
    ``||x||^2 - 2 x.c + ||c||^2`` (a matrix product, in tiles), and the few points whose two nearest centres are within
    rounding error of each other are decided again with ``((x - c) ** 2).sum()``, ties included.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.9, 0.0], [1.0, 0.0], [3.0, 0.0]])
    >>> assign_labels(X, np.array([[0.0, 0.0], [2.0, 0.0]]))  # x = 1 is as far from both: lowest index
    array([0, 0, 0, 1])
    """
    X = as_points(X)
    C = as_centers(centers, None, X.shape[1])
    return _fast.nearest_centre(X, C)


def _means(X: np.ndarray, labels: np.ndarray, k: int, previous: np.ndarray | None):
    """``c_j = (1 / |S_j|) sum_{i in S_j} x_i`` (per-cluster sums with ``np.bincount``); an empty cluster keeps
    ``previous[j]`` (NaN when ``previous`` is None). Returns the centres and the boolean mask of empty clusters."""
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.stack([np.bincount(labels, weights=X[:, dim], minlength=k) for dim in range(X.shape[1])], axis=1)
    empty = counts == 0
    centers = np.full((k, X.shape[1]), np.nan)
    np.divide(sums, counts[:, None], out=centers, where=~empty[:, None])
    if previous is not None:
        centers[empty] = previous[empty]
    return centers, empty


def update_centers(X, labels, k, previous=None) -> np.ndarray:
    """Update step of k-means: every centre moves to the mean of the points assigned to it.

    ``c_j = (1 / |S_j|) sum_{i in S_j} x_i`` with ``S_j = {i : l_i = j}``.

    **Empty clusters.** A cluster with no point has no mean. With ``previous`` given (the centres the labels were
    computed from, as :func:`kmeans` passes them) an empty cluster keeps its previous centre ``previous[j]``: it then
    contributes nothing to the SSD, so the update step still cannot increase it. Without ``previous`` an empty cluster
    is an error (ValueError naming the clusters).

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    labels : array_like of int, shape (N,)
        Cluster of every point, in ``0 .. k - 1``.
    k : int
        Number of clusters ``>= 1``.
    previous : array_like, shape (k, D), optional
        Centres before the update; kept for clusters that are empty.

    Returns
    -------
    numpy.ndarray of float64, shape (k, D)
        The new centres.

    Raises
    ------
    TypeError
        When ``k`` is not an int, or an array does not hold numbers.
    ValueError
        When shapes disagree, the labels are not integers or one is outside ``0 .. k - 1``, or a cluster is empty and
        ``previous`` is None.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]])
    >>> update_centers(X, np.array([0, 0, 1]), 2)
    array([[1., 0.],
           [5., 5.]])
    >>> update_centers(X, np.array([0, 0, 0]), 2, previous=np.array([[0.0, 0.0], [9.0, 9.0]]))  # cluster 1 empty
    array([[2.33333333, 1.66666667],
           [9.        , 9.        ]])
    """
    X = as_points(X)
    n, d = X.shape
    k = check_int(k, "k", 1)
    labels = as_labels(labels, ((n,),), k)
    prev = None if previous is None else as_centers(previous, k, d, "previous")
    centers, empty = _means(X, labels, k, prev)
    if empty.any() and prev is None:
        raise ValueError(f"cluster(s) {np.flatnonzero(empty).tolist()} have no point, so their mean is undefined; "
                         f"pass previous=<the centres the labels came from> to keep them where they were")
    return centers


def _ssd(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> float:
    diff = X - C[labels]
    return float(np.einsum("ij,ij->", diff, diff))


def inertia(X, centers, labels) -> float:
    """Sum of squared distances of the points to their assigned centres (the lecture's SSD, k-means' objective).

    ``J = sum_i ||x_i - c_{l_i}||^2``.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    centers : array_like, shape (k, D)
        Centres.
    labels : array_like of int, shape (N,)
        Centre of every point, in ``0 .. k - 1``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When an array does not hold numbers.
    ValueError
        When shapes disagree or a label is outside ``0 .. k - 1``.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 2.0], [5.0, 5.0]])
    >>> inertia(X, np.array([[0.0, 1.0], [5.0, 5.0]]), np.array([0, 0, 1]))
    2.0
    """
    X = as_points(X)
    C = as_centers(centers, None, X.shape[1])
    return _ssd(X, C, as_labels(labels, ((X.shape[0],),), C.shape[0]))


# ---------------------------------------------------------------------------------------------------------------
# initial centres


def kmeans_plus_plus(X, k, seed=None) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): ``k`` distinct points of ``X`` spread over the data.

    The first centre is a point drawn uniformly; every next centre is a point drawn with probability proportional to
    ``D(x)^2``, its squared distance to the nearest centre chosen so far. A point equal to a chosen centre has
    ``D(x) = 0`` and is never drawn again, so the ``k`` centres are distinct points. (This is the algorithm of the
    paper; scikit-learn's default "greedy" variant tries several candidates per step and keeps the best.)

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    k : int
        Number of centres, ``1 <= k <= N``.
    seed : None, int or numpy.random.Generator
        Source of randomness; the same int gives the same centres.

    Returns
    -------
    numpy.ndarray of float64, shape (k, D)
        Rows of ``X``, in the order they were drawn.

    Raises
    ------
    TypeError
        When ``k`` is not an int or ``seed`` is not an int or a Generator.
    ValueError
        When ``k`` is out of range or ``X`` has fewer than ``k`` distinct points.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0]])
    >>> C = kmeans_plus_plus(X, 2, seed=0)
    >>> sorted((C[:, 0] > 5).tolist())  # one centre in each group (with probability > 0.999)
    [False, True]
    """
    X = as_points(X)
    k = check_k(k, X.shape[0])
    return X[_kmeans_plus_plus_indices(X, k, rng(seed))]


def _kmeans_plus_plus_indices(X: np.ndarray, k: int, generator: np.random.Generator) -> np.ndarray:
    n = X.shape[0]
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = generator.integers(n)
    dist2 = ((X - X[chosen[0]]) ** 2).sum(axis=1)  # D(x)^2
    for j in range(1, k):
        cumulative = np.cumsum(dist2)
        total = cumulative[-1]
        if not total > 0:
            raise ValueError(f"X has only {j} distinct point(s), fewer than k={k}: k-means++ cannot choose {k} "
                             f"distinct centres")
        idx = min(int(np.searchsorted(cumulative, generator.random() * total, side="right")), n - 1)
        while dist2[idx] == 0:  # guard against rounding at the ends of the cumulative sum
            idx = int(np.flatnonzero(dist2 > 0)[0]) if idx == n - 1 else idx + 1
        chosen[j] = idx
        np.minimum(dist2, ((X - X[idx]) ** 2).sum(axis=1), out=dist2)
    return chosen


def _initial_centers(X: np.ndarray, k: int, init, generator: np.random.Generator) -> np.ndarray:
    n, d = X.shape
    if not isinstance(init, str):
        return as_centers(init, k, d, "init").copy()
    if check_choice(init, "init", _INITS) == "k-means++":
        return X[_kmeans_plus_plus_indices(X, k, generator)].copy()
    C = X[generator.choice(n, size=k, replace=False)]
    if len(np.unique(C, axis=0)) < k:  # X has repeated points: draw among its distinct ones
        distinct = np.unique(X, axis=0)
        if len(distinct) < k:
            raise ValueError(f"X has only {len(distinct)} distinct points, fewer than k={k}")
        C = distinct[generator.choice(len(distinct), size=k, replace=False)]
    return C.copy()


# ---------------------------------------------------------------------------------------------------------------
# Lloyd's algorithm


@dataclass(frozen=True, eq=False)
class KMeansStep:
    """One iteration of Lloyd's algorithm, for step-by-step figures.

    Attributes
    ----------
    centers : numpy.ndarray, shape (k, D)
        The centres at the start of the iteration (the ones the assignment step used).
    labels : numpy.ndarray of int64, shape (N,), or None
        The labels of the assignment step (None unless labels are kept, see ``keep_labels`` of :func:`kmeans`).
    inertia : float
        SSD ``sum_i ||x_i - c_{l_i}||^2`` of these centres and labels (computed from per-cluster sums, exact up to
        rounding). It never increases from one iteration to the next.
    """

    centers: np.ndarray
    labels: np.ndarray | None
    inertia: float


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """Result of :func:`kmeans`.

    Attributes
    ----------
    labels : numpy.ndarray of int64, shape (N,)
        Nearest final centre of every point.
    centers : numpy.ndarray, shape (k, D)
        Final centres.
    inertia : float
        SSD of the final centres and labels.
    n_iter : int
        Number of iterations (assignment + update) run; ``len(history)``.
    history : tuple of KMeansStep
        One record per iteration.
    """

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int
    history: tuple


def _lloyd_plain(X: np.ndarray, C: np.ndarray, max_iter: int, tol_abs: float, keep_labels: bool):
    """Lloyd's algorithm from centres ``C`` as the lecture writes it, with the stopping rule of :func:`kmeans`.

    Returns ``(labels, centers, n_iter, records, ssd)`` with one ``(centers, labels or None, SSD)`` record per
    iteration, like the fast kernel :func:`coursekit.clustering._fast.lloyd` that :func:`kmeans` runs.
    """
    records, labels = [], None
    for it in range(1, max_iter + 1):
        new_labels = _nearest_plain(X, C)  # assignment step
        records.append((C.copy(), new_labels if keep_labels else None, _ssd(X, C, new_labels)))
        unchanged = labels is not None and np.array_equal(new_labels, labels)
        labels = new_labels
        new_C = _means(X, labels, C.shape[0], previous=C)[0]  # update step; an empty cluster keeps its centre
        moved = float(((new_C - C) ** 2).sum())
        C = new_C
        if unchanged:  # the same labels give the same means: the labels are those of C
            return labels, C, it, records, _ssd(X, C, labels)
        if moved <= tol_abs:
            break
    labels = _nearest_plain(X, C)  # the labels of the final centres
    return labels, C, it, records, _ssd(X, C, labels)


def kmeans(X, k, init="k-means++", max_iter=100, tol=1e-4, seed=None, keep_labels=None) -> KMeansResult:
    """k-means clustering with Lloyd's algorithm (Lloyd 1982, MacQueen 1967).

    Minimises the SSD ``J = sum_i ||x_i - c_{l_i}||^2`` by alternating the assignment step
    ``l_i = argmin_j ||x_i - c_j||^2`` (:func:`assign_labels`) and the update step ``c_j = mean{x_i : l_i = j}``
    (:func:`update_centers`, an empty cluster keeps its centre). ``J`` never increases; the result is a local minimum
    that depends on the initial centres.

    **Stopping rule** (as scikit-learn's ``KMeans(algorithm="lloyd")``, so that both run the same iterations): after
    iteration ``t`` (assign with ``c^t``, update to ``c^{t+1}``) stop when the labels equal those of iteration
    ``t - 1``, or when the centres moved little: ``sum_j ||c_j^{t+1} - c_j^t||^2 <= tol * mean_d var(X[:, d])``
    (``tol`` is relative to the data's variance; ``tol=0`` stops only when the labels no longer change), or after
    ``max_iter`` iterations. The returned labels are always those of the returned centres.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points (for an image: ``image.reshape(-1, C)``).
    k : int
        Number of clusters, ``1 <= k <= N``.
    init : {"k-means++", "random"} or array_like of shape (k, D), default "k-means++"
        Initial centres: k-means++ seeding (:func:`kmeans_plus_plus`, Arthur & Vassilvitskii 2007), ``k`` distinct
        points drawn uniformly, or the given centres.
    max_iter : int, default 100
        Most iterations, ``>= 1``.
    tol : float, default 1e-4
        Relative tolerance on the centres' movement (see the stopping rule), ``>= 0``.
    seed : None, int or numpy.random.Generator
        Randomness of the initialisation (unused when ``init`` is an array).
    keep_labels : bool or None, default None
        Whether ``history`` records the labels of every iteration (``N`` int64 each). None keeps them when
        ``N * max_iter <= 2_000_000`` (at most 16 MB), enough for the lecture's toy examples.

    Returns
    -------
    KMeansResult
        ``labels`` (int64, ``(N,)``), ``centers`` (``(k, D)``), ``inertia`` (float), ``n_iter`` and ``history`` (a
        tuple of :class:`KMeansStep`: centres before the step, labels, SSD).

    Raises
    ------
    TypeError
        When ``X`` does not hold numbers, ``k`` or ``max_iter`` is not an int, ``tol`` not a number, ``seed`` not an
        int or a Generator, ``keep_labels`` not a bool or None.
    ValueError
        For a point set that is not a finite ``(N, D)`` array, ``k`` out of range, an unknown ``init`` name or an
        ``init`` array of the wrong shape, ``max_iter < 1`` or ``tol < 0``.

    Notes
    -----
    The iterations are those of :func:`_lloyd_plain` (a full assignment and update step each). With the same initial
    centres, the labels, centres and SSD equal those of ``sklearn.cluster.KMeans(k, init=centres, n_init=1,
    algorithm="lloyd", max_iter=max_iter, tol=tol)`` up to rounding, except when a cluster becomes empty
    (scikit-learn moves it to a far point; here it stays). For speed, after the first iteration distance bounds
    (Hamerly 2010) prove that most points keep their label, only the others are compared with every centre, and the
    cluster sums are updated from the points that changed; the labels are exactly those of a full assignment step.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    >>> result = kmeans(X, 2, init=X[[0, 1]])
    >>> result.labels, result.n_iter
    (array([0, 0, 1, 1]), 3)
    >>> [round(step.inertia, 6) for step in result.history]  # never increases
    [381.0, 43.777778, 1.0]
    >>> kmeans(X, 2, seed=0).inertia
    1.0
    """
    X = as_points(X)
    n = X.shape[0]
    k = check_k(k, n)
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = check_nonneg(tol, "tol")
    keep_labels = check_bool(keep_labels, "keep_labels", none=True)
    if keep_labels is None:
        keep_labels = n * max_iter <= 2_000_000
    C = _initial_centers(X, k, init, rng(seed))
    tol_abs = float(np.mean(np.var(X, axis=0))) * tol if tol > 0 else 0.0
    labels, C, n_iter, records, ssd = _fast.lloyd(X, C, max_iter, tol_abs, keep_labels)
    return KMeansResult(labels=labels, centers=C, inertia=ssd, n_iter=n_iter,
                        history=tuple(KMeansStep(*record) for record in records))
