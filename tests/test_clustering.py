"""Tests of coursekit.clustering.

Expected values come from scikit-learn and SciPy (independent implementations), from direct loops written out here,
or from small examples worked by hand in comments; never from the code under test.
"""

from __future__ import annotations

import importlib
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import optimize, stats
from sklearn.cluster import KMeans, MeanShift, estimate_bandwidth
from sklearn.cluster import mean_shift as sk_mean_shift
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from coursekit import clustering as CL
from coursekit.clustering import _fast, k_means, meanshift, mixture


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS/OpenMP thread for the peers (and us) while this module runs: other test runs share the machine, and
    multi-threaded BLAS on small matrices only waits for busy cores."""
    with threadpool_limits(limits=1):
        yield


# ---------------------------------------------------------------------------------------------------------------
# data


def _blobs(n=900, centers=4, d=2, seed=0, std=1.0):
    X, _ = make_blobs(n_samples=n, centers=centers, n_features=d, cluster_std=std, random_state=seed)
    return X


def _uniform(n=1200, d=4, seed=1):
    return np.random.default_rng(seed).random((n, d))


def _astronaut_pixels(step=8):
    """Colours of skimage's astronaut, every ``step``-th pixel in both directions, as floats in [0, 1]."""
    from skimage import data

    return data.astronaut()[::step, ::step].reshape(-1, 3).astype(np.float64) / 255.0


def _astronaut_luv(step=12):
    from skimage import color, data

    return color.rgb2luv(data.astronaut()[::step, ::step]).reshape(-1, 3)


DATASETS = {
    "blobs": lambda: (_blobs(), 4),
    "uniform": lambda: (_uniform(), 6),
    "astronaut": lambda: (_astronaut_pixels(step=10), 8),
}


def _init_centres(X, k, seed):
    return X[np.random.default_rng(seed).choice(len(X), size=k, replace=False)].copy()


# ---------------------------------------------------------------------------------------------------------------
# brute-force references written out


def _assign_loop(X, C):
    labels = np.empty(len(X), dtype=np.int64)
    for i, x in enumerate(X):
        best, best_j = np.inf, -1
        for j, c in enumerate(C):
            dist = float(((x - c) ** 2).sum())
            if dist < best:  # strict: ties keep the lowest index
                best, best_j = dist, j
        labels[i] = best_j
    return labels


def _means_loop(X, labels, k, previous):
    out = np.array(previous, dtype=float, copy=True)
    for j in range(k):
        members = [x for x, lab in zip(X, labels) if lab == j]
        if members:
            out[j] = np.mean(members, axis=0)
    return out


def _ssd_loop(X, C, labels):
    return float(sum(((x - C[lab]) ** 2).sum() for x, lab in zip(X, labels)))


def _mean_shift_step_loop(X, Y, h, kernel):
    out = np.array(Y, dtype=float, copy=True)
    for m, y in enumerate(Y):
        num, den = np.zeros(X.shape[1]), 0.0
        for x in X:
            dist2 = float(((x - y) ** 2).sum())
            w = (1.0 if dist2 <= h * h else 0.0) if kernel == "flat" else math.exp(-dist2 / (2 * h * h))
            num += w * x
            den += w
        if den > 0:
            out[m] = num / den
    return out


def _trajectory_end(X, y, h, tol=1e-3, max_iter=300):
    """Flat-kernel mean shift from one point with the direct formula, stopping as scikit-learn does."""
    y = np.array(y, dtype=float)
    for _ in range(max_iter):
        inside = ((X - y) ** 2).sum(axis=1) <= h * h
        new = X[inside].mean(axis=0)
        if np.linalg.norm(new - y) <= tol * h:
            return new
        y = new
    return y


def _kde(X, h):
    """Gaussian kernel density (unnormalised) f(y) = sum_i exp(-||x_i - y||^2 / (2 h^2)) and its gradient."""

    def f(y):
        return float(np.exp(-((X - y) ** 2).sum(axis=1) / (2 * h * h)).sum())

    def grad(y):
        w = np.exp(-((X - y) ** 2).sum(axis=1) / (2 * h * h))
        return (w[:, None] * (X - y)).sum(axis=0) / (h * h)

    return f, grad


def _sort_rows(A):
    A = np.asarray(A, dtype=float)
    return A[np.lexsort(A.T[::-1])]


# ---------------------------------------------------------------------------------------------------------------
# k-means against scikit-learn


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("max_iter, tol", [(300, 0.0), (300, 1e-4), (5, 0.0)])
def test_kmeans_matches_sklearn_lloyd(name, max_iter, tol):
    X, k = DATASETS[name]()
    C0 = _init_centres(X, k, seed=3)
    ours = CL.kmeans(X, k, init=C0, max_iter=max_iter, tol=tol)
    peer = KMeans(n_clusters=k, init=C0, n_init=1, algorithm="lloyd", max_iter=max_iter, tol=tol).fit(X)
    np.testing.assert_array_equal(ours.labels, peer.labels_)  # same init: the same cluster order
    assert ours.inertia == pytest.approx(peer.inertia_, rel=1e-6)
    np.testing.assert_allclose(ours.centers, peer.cluster_centers_, rtol=0, atol=1e-9)
    assert ours.n_iter == peer.n_iter_
    assert ours.labels.dtype == np.int64 and ours.labels.shape == (len(X),)


def test_kmeans_matches_sklearn_up_to_permutation_with_kmeans_plus_plus():
    # our own k-means++ and scikit-learn's greedy one start differently; on well separated blobs both find the
    # same partition, with clusters numbered differently
    from scipy.optimize import linear_sum_assignment

    X = _blobs(n=600, centers=5, std=0.4, seed=7)
    ours = CL.kmeans(X, 5, seed=0)
    peer = KMeans(n_clusters=5, n_init=1, random_state=0).fit(X)
    table = np.zeros((5, 5), dtype=np.int64)
    np.add.at(table, (ours.labels, peer.labels_), 1)
    rows, cols = linear_sum_assignment(-table)
    assert table[rows, cols].sum() == len(X)
    assert ours.inertia == pytest.approx(peer.inertia_, rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_kmeans_history_replays_lloyd_and_never_increases(seed):
    X = np.concatenate([_uniform(300, 2, seed), _blobs(300, 3, 2, seed, std=2.0)])
    k = 7
    result = CL.kmeans(X, k, init="random", seed=seed, tol=0.0, max_iter=300, keep_labels=True)
    assert len(result.history) == result.n_iter
    ssd = [step.inertia for step in result.history]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(ssd, ssd[1:])), ssd
    assert result.inertia <= ssd[-1] * (1 + 1e-12)
    # every recorded step is one plain Lloyd iteration written out with loops
    for t, step in enumerate(result.history):
        direct = ((X[:, None, :] - step.centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        np.testing.assert_array_equal(step.labels, direct)
        assert step.inertia == pytest.approx(_ssd_loop(X, step.centers, step.labels), rel=1e-9)
        following = result.history[t + 1].centers if t + 1 < result.n_iter else result.centers
        np.testing.assert_allclose(following, _means_loop(X, step.labels, k, step.centers), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.labels, _assign_loop(X, result.centers))
    assert result.inertia == pytest.approx(_ssd_loop(X, result.centers, result.labels), rel=1e-12)
    assert result.n_iter < 300  # converged: the labels stopped changing


def test_kmeans_history_keeps_labels_only_when_asked():
    X = _uniform(300, 2)
    assert CL.kmeans(X, 3, seed=0).history[0].labels is not None  # N * max_iter small: kept by default
    assert all(s.labels is None for s in CL.kmeans(X, 3, seed=0, keep_labels=False).history)
    big = CL.kmeans(_uniform(30_000, 2), 3, seed=0, max_iter=100)
    assert all(s.labels is None for s in big.history)
    assert all(s.centers.shape == (3, 2) for s in big.history)


def test_kmeans_empty_cluster_keeps_its_centre():
    # centre 2 starts far from every point: its cluster is empty from the first step and it stays where it is
    X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
    init = np.array([[0.0, 0.5], [4.0, 0.5], [100.0, 100.0]])
    result = CL.kmeans(X, 3, init=init)
    np.testing.assert_array_equal(result.labels, [0, 0, 1, 1])
    np.testing.assert_array_equal(result.centers, init)
    assert result.inertia == pytest.approx(1.0)  # four points at distance 0.5


def test_kmeans_is_deterministic_in_seed_and_accepts_a_generator():
    X = _uniform(500, 3)
    a, b = CL.kmeans(X, 5, seed=11), CL.kmeans(X, 5, seed=11)
    np.testing.assert_array_equal(a.centers, b.centers)
    c = CL.kmeans(X, 5, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(a.centers, c.centers)
    r1, r2 = CL.kmeans(X, 5, init="random", seed=1), CL.kmeans(X, 5, init="random", seed=2)
    assert not np.array_equal(r1.history[0].centers, r2.history[0].centers)


def test_kmeans_random_init_picks_distinct_points_even_with_repeated_points():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]), 50, axis=0)
    for seed in range(10):
        C = CL.kmeans(X, 4, init="random", seed=seed, max_iter=1).history[0].centers
        assert len(np.unique(C, axis=0)) == 4
        assert all(any(np.array_equal(c, x) for x in X) for c in C)


def test_kmeans_with_k_equal_to_one_and_to_n():
    X = _uniform(50, 2)
    one = CL.kmeans(X, 1)
    np.testing.assert_allclose(one.centers[0], X.mean(axis=0))
    np.testing.assert_array_equal(one.labels, np.zeros(50))
    every = CL.kmeans(X, 50, seed=0)
    assert every.inertia == pytest.approx(0.0, abs=1e-24)


# ---------------------------------------------------------------------------------------------------------------
# the steps


@pytest.mark.parametrize("seed, k", [(0, 9), (1, 3), (2, 40)])
def test_assign_labels_against_a_loop(seed, k):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(700, 3)) * 20 + 100
    C = rng.normal(size=(k, 3)) * 20 + 100
    labels = CL.assign_labels(X, C)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, _assign_loop(X, C))


@pytest.mark.parametrize("extra", [0, 30])
def test_assign_labels_ties_go_to_the_lowest_index(extra):
    # integer grid: many points are exactly as far from two or more centres (extra far centres: many-centre path)
    g = np.arange(-3, 4, dtype=float)
    X = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2) * 0.1 + 7.3  # not exact in binary: rounding matters
    C = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 0.0]]) * 0.1 + 7.3  # 4 repeats 0
    C = np.concatenate([C, 100.0 + np.arange(2 * extra, dtype=float).reshape(extra, 2)])
    labels = CL.assign_labels(X, C)
    np.testing.assert_array_equal(labels, _assign_loop(X, C))
    assert labels[24] == 0  # the grid's centre, (7.3, 7.3), is as far from the first four
    assert not np.any(labels == 4)


def test_update_centers_against_a_loop():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 3))
    labels = rng.integers(0, 6, size=500)
    centers = CL.update_centers(X, labels, 6)
    np.testing.assert_allclose(centers, _means_loop(X, labels, 6, np.zeros((6, 3))), rtol=1e-12, atol=1e-15)


def test_update_centers_empty_cluster_rule():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]])
    previous = np.array([[9.0, 9.0], [7.0, 7.0], [3.0, 3.0]])
    out = CL.update_centers(X, np.array([0, 0, 2]), 3, previous=previous)
    np.testing.assert_array_equal(out, [[1.0, 0.0], [7.0, 7.0], [5.0, 5.0]])  # cluster 1 kept its centre
    with pytest.raises(ValueError, match=r"cluster\(s\) \[1\] have no point.*previous="):
        CL.update_centers(X, np.array([0, 0, 2]), 3)


def test_inertia_against_a_loop():
    rng = np.random.default_rng(5)
    X, C = rng.normal(size=(200, 4)), rng.normal(size=(5, 4))
    labels = rng.integers(0, 5, size=200)
    assert CL.inertia(X, C, labels) == pytest.approx(_ssd_loop(X, C, labels), rel=1e-12)


def test_kmeans_plus_plus_picks_distinct_points_deterministically():
    X = np.repeat(_uniform(40, 2, seed=3), 5, axis=0)  # every point five times
    for seed in range(5):
        C = CL.kmeans_plus_plus(X, 12, seed=seed)
        assert C.shape == (12, 2)
        assert len(np.unique(C, axis=0)) == 12
        assert all((X == c).all(axis=1).any() for c in C)
        np.testing.assert_array_equal(C, CL.kmeans_plus_plus(X, 12, seed=seed))
    assert not np.array_equal(CL.kmeans_plus_plus(X, 12, seed=0), CL.kmeans_plus_plus(X, 12, seed=1))


def test_kmeans_plus_plus_draws_proportionally_to_squared_distance():
    # points 0, 1, 3 on a line; when 0 is drawn first, the second centre is 1 with probability 1/10 and 3 with 9/10
    X = np.array([[0.0], [1.0], [3.0]])
    draws = np.array([CL.kmeans_plus_plus(X, 2, seed=s)[:, 0] for s in range(2000)])
    after_zero = draws[draws[:, 0] == 0.0, 1]
    assert abs(len(after_zero) / 2000 - 1 / 3) < 0.05  # the first centre is uniform
    share = np.mean(after_zero == 3.0)
    assert abs(share - 0.9) < 4 * math.sqrt(0.09 / len(after_zero))


def test_kmeans_plus_plus_needs_k_distinct_points():
    X = np.array([[1.0, 1.0]] * 5 + [[2.0, 2.0]] * 5)
    with pytest.raises(ValueError, match="only 2 distinct point"):
        CL.kmeans_plus_plus(X, 3, seed=0)


# ---------------------------------------------------------------------------------------------------------------
# Gaussian mixture against scikit-learn and SciPy


def _gmm_cases():
    blobs = _blobs(n=800, centers=3, d=2, seed=2, std=1.3)
    pixels = _astronaut_pixels(step=10)
    return {"blobs": (blobs, 3), "astronaut": (pixels, 4)}


@pytest.mark.parametrize("name", ["blobs", "astronaut"])
@pytest.mark.parametrize("tol, max_iter", [(1e-6, 200), (0.0, 25), (1e-3, 100)])
def test_gmm_em_matches_sklearn(name, tol, max_iter):
    X, k = _gmm_cases()[name]
    rng = np.random.default_rng(0)
    means0 = X[rng.choice(len(X), k, replace=False)]
    weights0 = rng.dirichlet(np.full(k, 5.0))
    scale = X.var(axis=0).mean()
    precisions0 = np.stack([np.eye(X.shape[1]) / (scale * (0.5 + j)) for j in range(k)])
    reg = 1e-6
    ours = CL.gmm_em(X, k, means_init=means0, weights_init=weights0, precisions_init=precisions0,
                     max_iter=max_iter, tol=tol, reg_covar=reg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        peer = GaussianMixture(n_components=k, covariance_type="full", means_init=means0, weights_init=weights0,
                               precisions_init=precisions0, reg_covar=reg, tol=tol, max_iter=max_iter,
                               random_state=0).fit(X)
    assert ours.log_likelihood == pytest.approx(peer.score(X), rel=1e-6)
    assert ours.n_iter == peer.n_iter_
    assert ours.converged == peer.converged_
    np.testing.assert_allclose(ours.weights, peer.weights_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.means, peer.means_, rtol=0, atol=1e-6 * np.sqrt(scale))
    np.testing.assert_allclose(ours.covariances, peer.covariances_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(ours.responsibilities, peer.predict_proba(X), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(ours.labels, peer.predict(X))
    bounds = getattr(peer, "lower_bounds_", None)
    if bounds is not None:
        np.testing.assert_allclose(ours.history[:-1], bounds, rtol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_gmm_em_log_likelihood_never_decreases(seed):
    X = np.concatenate([_blobs(500, 4, 2, seed, std=1.5), _uniform(200, 2, seed) * 20 - 10])
    result = CL.gmm_em(X, 5, seed=seed, tol=0.0, max_iter=60)
    history = np.asarray(result.history)
    assert len(history) == result.n_iter + 1 == 61
    assert np.all(np.diff(history) >= -1e-10)
    assert history[-1] == result.log_likelihood
    # the final value is the mean log-density of the final mixture, computed with SciPy
    density = sum(w * stats.multivariate_normal(m, c).pdf(X) for w, m, c in
                  zip(result.weights, result.means, result.covariances))
    assert result.log_likelihood == pytest.approx(np.mean(np.log(density)), rel=1e-10)


def test_gmm_em_default_initialisation_is_kmeans_then_one_m_step():
    X = _blobs(600, 3, 2, seed=5, std=0.8)
    result = CL.gmm_em(X, 3, seed=4, max_iter=1)
    labels = CL.kmeans(X, 3, seed=4).labels
    onehot = np.eye(3)[labels]
    weights, means, covariances = CL.m_step(X, onehot)
    resp, ll = CL.e_step(X, weights, means, covariances)
    assert result.history[0] == pytest.approx(ll, rel=1e-12)
    w1, m1, c1 = CL.m_step(X, resp)
    np.testing.assert_allclose(result.means, m1, rtol=1e-10)
    # with a fixed seed the result is reproducible, and well separated blobs are found as scikit-learn finds them
    full = CL.gmm_em(X, 3, seed=4)
    peer = GaussianMixture(3, covariance_type="full", tol=1e-6, random_state=0).fit(X)
    assert full.log_likelihood == pytest.approx(peer.score(X), rel=1e-5)
    assert CL.gmm_em(X, 3, seed=4).log_likelihood == full.log_likelihood


def test_e_step_against_scipy():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(300, 3)) * 3
    k = 4
    weights = rng.dirichlet(np.ones(k))
    means = rng.normal(size=(k, 3)) * 3
    A = rng.normal(size=(k, 3, 3))
    covariances = A @ A.transpose(0, 2, 1) + 0.5 * np.eye(3)
    resp, ll = CL.e_step(X, weights, means, covariances)
    joint = np.stack([w * stats.multivariate_normal(m, c).pdf(X) for w, m, c in zip(weights, means, covariances)],
                     axis=1)
    np.testing.assert_allclose(resp, joint / joint.sum(axis=1, keepdims=True), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)
    assert ll == pytest.approx(np.mean(np.log(joint.sum(axis=1))), rel=1e-12)


def test_e_step_is_stable_far_from_every_component():
    # densities underflow to 0 in linear space (exp(-5e5)); log space still gives finite, correct answers
    X = np.array([[1000.0, 0.0], [-1000.0, 0.0]])
    resp, ll = CL.e_step(X, [0.5, 0.5], [[1.0, 0.0], [-1.0, 0.0]], [np.eye(2), np.eye(2)])
    np.testing.assert_allclose(resp, [[1.0, 0.0], [0.0, 1.0]], atol=1e-12)
    log_pdf = stats.multivariate_normal([1.0, 0.0], np.eye(2)).logpdf(X[0]) + math.log(0.5)
    assert np.isfinite(ll) and ll == pytest.approx(log_pdf, rel=1e-9)


def test_m_step_against_a_loop():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(250, 3))
    R = rng.random((250, 4))
    R /= R.sum(axis=1, keepdims=True)
    weights, means, covariances = CL.m_step(X, R, reg_covar=1e-3)
    for j in range(4):
        nj = R[:, j].sum()
        mu = sum(R[i, j] * X[i] for i in range(250)) / nj
        cov = sum(R[i, j] * np.outer(X[i] - mu, X[i] - mu) for i in range(250)) / nj + 1e-3 * np.eye(3)
        assert weights[j] == pytest.approx(nj / 250, rel=1e-12)
        np.testing.assert_allclose(means[j], mu, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(covariances[j], cov, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------------------------
# mean shift


@pytest.mark.parametrize("case", ["blobs", "luv"])
def test_mean_shift_flat_modes_match_sklearn_with_the_same_seeds(case):
    if case == "blobs":
        X = _blobs(n=500, centers=4, d=2, seed=3, std=0.7)
        h = 1.6
    else:
        X = _astronaut_luv(step=12)
        h = float(estimate_bandwidth(X, quantile=0.1, n_samples=500, random_state=0))
    seeds = X[np.random.default_rng(0).choice(len(X), 60, replace=False)]
    ours = CL.mean_shift(X, h, seeds=seeds)
    modes, _ = sk_mean_shift(X, bandwidth=h, seeds=seeds)
    assert len(ours.modes) == len(modes)
    np.testing.assert_allclose(_sort_rows(ours.modes), _sort_rows(modes), rtol=0, atol=1e-6)


def test_mean_shift_bin_seeding_matches_sklearn():
    X = _astronaut_luv(step=12)
    h = np.float64(estimate_bandwidth(X, quantile=0.2, n_samples=500, random_state=0))
    ours = CL.mean_shift(X, float(h), bin_seeding=True)
    peer = MeanShift(bandwidth=h, bin_seeding=True).fit(X)
    assert len(ours.modes) == len(peer.cluster_centers_)
    np.testing.assert_allclose(_sort_rows(ours.modes), _sort_rows(peer.cluster_centers_), rtol=0, atol=1e-6)
    # scikit-learn lists the modes strongest first, as we do
    np.testing.assert_allclose(ours.modes, peer.cluster_centers_, rtol=0, atol=1e-6)


def test_mean_shift_label_is_the_mode_of_the_points_own_trajectory():
    # a dense cluster on [0, 1], a sparse one near 3 and one point p at 1.9 in between, h = 1.5: p is nearer the
    # sparse cluster's mode, but its window holds many dense points, so its trajectory climbs to the dense mode
    X = np.concatenate([np.linspace(0.0, 1.0, 200), [1.9], np.linspace(2.9, 3.1, 5)])[:, None]
    h = 1.5
    p = 200
    result = CL.mean_shift(X, h)
    assert len(result.modes) == 2
    end = _trajectory_end(X, X[p], h)
    reached = int(np.argmin(np.abs(result.modes[:, 0] - end[0])))
    nearest = int(np.argmin(np.abs(result.modes[:, 0] - X[p, 0])))
    assert reached != nearest  # the case really separates the two rules
    assert result.labels[p] == reached
    peer = MeanShift(bandwidth=h).fit(X)  # scikit-learn labels by the nearest mode
    assert peer.labels_[p] == int(np.argmin(np.abs(peer.cluster_centers_[:, 0] - X[p, 0])))
    # every point: the mode its own trajectory reaches
    for i in range(0, len(X), 7):
        end = _trajectory_end(X, X[i], h)
        assert result.labels[i] == int(np.argmin(np.abs(result.modes[:, 0] - end[0])))
    np.testing.assert_array_equal(result.seed_labels, result.labels)


def test_mean_shift_every_point_follows_its_own_trajectory_in_2d():
    X = _blobs(n=120, centers=3, d=2, seed=9, std=1.2)
    h = 2.0
    result = CL.mean_shift(X, h)
    for i in range(len(X)):
        end = _trajectory_end(X, X[i], h)
        np.testing.assert_allclose(result.seed_ends[i], end, rtol=0, atol=1e-9)
    # each mode is one of the ends, and every end is within the bandwidth of the mode that absorbed it
    dist = np.linalg.norm(result.seed_ends - result.modes[result.labels], axis=1)
    assert np.all(dist <= h)


def test_mean_shift_given_seeds_label_other_points_by_the_nearest_seed():
    X = _blobs(n=300, centers=3, d=2, seed=4, std=1.0)
    seeds = X[::10]
    result = CL.mean_shift(X, 1.5, seeds=seeds)
    np.testing.assert_array_equal(result.seeds, seeds)
    for i in range(len(X)):
        nearest = int(np.argmin(((seeds - X[i]) ** 2).sum(axis=1)))
        assert result.labels[i] == result.seed_labels[nearest]


def test_mean_shift_seeds_without_neighbours():
    X = np.array([[0.0], [0.2], [0.4]])
    result = CL.mean_shift(X, 0.5, seeds=np.array([[0.2], [50.0]]))
    np.testing.assert_array_equal(result.seed_labels, [0, -1])
    np.testing.assert_allclose(result.modes, [[0.2]])
    np.testing.assert_array_equal(result.labels, [0, 0, 0])
    with pytest.raises(ValueError, match="no data point lies within bandwidth"):
        CL.mean_shift(X, 0.5, seeds=np.array([[50.0]]))


def test_mean_shift_gaussian_modes_are_kernel_density_maxima():
    X = _blobs(n=150, centers=3, d=2, seed=1, std=1.0)
    h = 0.8
    result = CL.mean_shift(X, h, kernel="gaussian", tol=1e-7, max_iter=5000)
    f, grad = _kde(X, h)
    for mode in result.modes:
        # gradient ~ 0 relative to the density's scale, and a maximum (higher than every point around it)
        assert np.linalg.norm(grad(mode)) * h <= 1e-5 * f(mode)
        for v in np.random.default_rng(0).normal(size=(8, 2)):
            assert f(mode + 0.05 * h * v / np.linalg.norm(v)) < f(mode)
        # the same maximum as a brute-force optimiser started nearby
        best = optimize.minimize(lambda y: -f(y), mode + 0.1 * h, jac=lambda y: -grad(y), method="BFGS",
                                 options={"gtol": 1e-12})
        np.testing.assert_allclose(best.x, mode, rtol=0, atol=1e-4 * h)
    # the points' ends are near the mode they are labelled with
    assert np.all(np.linalg.norm(result.seed_ends - result.modes[result.labels], axis=1) < h)


@pytest.mark.parametrize("kernel", ["flat", "gaussian"])
def test_mean_shift_step_against_a_loop(kernel):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 3)) * 2
    Y = np.concatenate([X[:40], rng.normal(size=(10, 3)) * 2, [[40.0, 40.0, 40.0]]])  # the last has no neighbour
    for h in (0.7, 2.5):
        ours = CL.mean_shift_step(X, Y, h, kernel=kernel)
        np.testing.assert_allclose(ours, _mean_shift_step_loop(X, Y, h, kernel), rtol=0, atol=1e-12)
        if kernel == "flat":
            np.testing.assert_array_equal(ours[-1], Y[-1])


@pytest.mark.parametrize("spacing", [1.0, 0.1, 0.3])
def test_mean_shift_step_flat_window_edge_is_exact(spacing):
    # a square grid at a random offset: many points lie at distance h (up to the last bit) from a position, and
    # whether ||x - y||^2 <= h^2 holds depends on rounding; the direct formula decides
    rng = np.random.default_rng(0)
    g = np.arange(0, 9, dtype=float)
    for offset in rng.uniform(-1000, 1000, size=(4, 2)):
        X = offset + spacing * np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
        Y = X[::3]
        for multiple in (1.0, 2.0, math.sqrt(2.0), math.sqrt(5.0)):
            h = spacing * multiple
            np.testing.assert_allclose(CL.mean_shift_step(X, Y, h), _mean_shift_step_loop(X, Y, h, "flat"),
                                       rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# segment_image


@pytest.mark.parametrize("channels", [None, 3])
def test_segment_image_against_a_loop(channels):
    rng = np.random.default_rng(8)
    shape = (13, 17) if channels is None else (13, 17, channels)
    image = rng.random(shape)
    labels = rng.integers(-2, 5, size=(13, 17)) * 1000  # any integers, negative ones included
    out = CL.segment_image(image, labels)
    expected = np.empty_like(image)
    for value in np.unique(labels):
        mask = labels == value
        expected[mask] = image[mask].mean(axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(CL.segment_image(image, labels.ravel()), expected, rtol=1e-12)


def test_segment_image_of_a_kmeans_result():
    image = np.random.default_rng(0).random((20, 30, 3))
    result = CL.kmeans(image.reshape(-1, 3), 4, seed=0)
    out = CL.segment_image(image, result.labels)
    assert out.shape == image.shape
    np.testing.assert_allclose(out.reshape(-1, 3), result.centers[result.labels], rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# the fast kernels equal the plain versions of the same steps


@pytest.mark.parametrize("n, k", [(500, 1), (3000, 3), (40_000, 8), (5000, 16), (5000, 17), (2000, 300)])
def test_fast_assignment_equals_the_plain_one(n, k):
    # k <= 16: one pass per centre; k > 16: one row of distances per point; n * k >= 100,000: tiles on threads
    rng = np.random.default_rng(n + k)
    X = rng.normal(size=(n, 3)) * 20 + 100
    C = X[rng.choice(n, size=k, replace=False)] + rng.normal(size=(k, 3))
    np.testing.assert_array_equal(_fast.nearest_centre(X, C), k_means._nearest_plain(X, C))


def test_fast_assignment_equals_the_plain_one_on_ties():
    g = np.arange(-20, 21, dtype=float)
    X = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2) * 0.1 + 7.3  # many exact ties, rounding decides
    C = np.concatenate([np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]) * 0.5 + 7.3,
                        np.array([[7.3, 7.3], [7.3, 7.3]])])  # two identical centres: the first wins
    for centres in (C, np.concatenate([C, 50.0 + np.arange(40.0).reshape(20, 2)])):
        np.testing.assert_array_equal(_fast.nearest_centre(X, centres), k_means._nearest_plain(X, centres))


def _lloyd_cases():
    rng = np.random.default_rng(21)
    blobs = _blobs(n=40_000, centers=6, d=3, seed=5, std=1.5)  # several chunks of points on the thread pool
    far = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0], [0.2, 0.4]])
    return {
        "blobs, tol 0": (blobs, blobs[rng.choice(len(blobs), 6, replace=False)], 300, 0.0),
        "blobs, max_iter 4": (blobs, blobs[rng.choice(len(blobs), 9, replace=False)], 4, 0.0),
        "uniform, tol": (_uniform(3000, 4), _uniform(3000, 4)[:20], 300, 1e-4 * _uniform(3000, 4).var(0).mean()),
        "astronaut, 30 centres": (_astronaut_pixels(step=4), _astronaut_pixels(step=4)[::500][:30], 100, 0.0),
        "empty cluster": (far, np.array([[0.0, 0.5], [4.0, 0.5], [100.0, 100.0]]), 100, 0.0),
        "k = 1": (_uniform(100, 2), _uniform(100, 2)[:1], 10, 0.0),
    }


@pytest.mark.parametrize("case", sorted(_lloyd_cases()))
def test_fast_lloyd_equals_the_plain_loop(case):
    X, C0, max_iter, tol_abs = _lloyd_cases()[case]
    fast = _fast.lloyd(X, C0.copy(), max_iter, tol_abs, True)
    plain = k_means._lloyd_plain(X, C0.copy(), max_iter, tol_abs, True)
    np.testing.assert_array_equal(fast[0], plain[0])  # labels
    np.testing.assert_allclose(fast[1], plain[1], rtol=0, atol=1e-12 * (1 + np.abs(X).max()))  # centres
    assert fast[2] == plain[2]  # iterations
    assert fast[4] == pytest.approx(plain[4], rel=1e-10, abs=1e-12)  # SSD
    assert len(fast[3]) == len(plain[3]) == fast[2]
    for (c_fast, l_fast, ssd_fast), (c_plain, l_plain, ssd_plain) in zip(fast[3], plain[3]):
        np.testing.assert_allclose(c_fast, c_plain, rtol=0, atol=1e-12 * (1 + np.abs(X).max()))
        np.testing.assert_array_equal(l_fast, l_plain)
        assert ssd_fast == pytest.approx(ssd_plain, rel=1e-9, abs=1e-12)


def test_fast_mixture_sums_equal_the_plain_ones():
    rng = np.random.default_rng(22)
    X = rng.normal(size=(20_000, 3)) * 2 + 1  # several tiles of points
    k = 5
    means = X[rng.choice(len(X), k, replace=False)]
    A = rng.normal(size=(k, 3, 3))
    prec_chol = mixture._precision_cholesky(A @ A.transpose(0, 2, 1) + 0.5 * np.eye(3))
    np.testing.assert_allclose(_fast.log_gaussian(X, means, prec_chol), mixture._log_gaussian_plain(X, means,
                                                                                                   prec_chol),
                               rtol=1e-12, atol=1e-12)
    resp = rng.dirichlet(np.ones(k), size=len(X)).T.copy()
    nk = resp.sum(axis=1)
    for fast, plain in zip(_fast.moments(X, resp, nk), mixture._moments_plain(X, resp, nk)):
        np.testing.assert_allclose(fast, plain, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kernel", ["flat", "gaussian"])
def test_fast_windows_equal_the_plain_step(kernel):
    # a grid at a random offset (many points exactly at distance h) and enough positions for the thread pool
    rng = np.random.default_rng(23)
    g = np.arange(0, 60, dtype=float)
    X = 317.3 + 0.3 * np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    Y = np.concatenate([X[::3], rng.uniform(317.3, 335.0, size=(200, 2))])  # inside: no weight underflows
    for h in (0.3, 0.3 * math.sqrt(5.0), 2.0):
        new, total = _fast.Windows(X, h, kernel).step(Y)
        for a in range(0, len(Y), 250):  # the plain (M, N) distances, a slice of positions at a time
            plain_new, plain_total = meanshift._step_plain(X, Y[a:a + 250], h, kernel)
            if kernel == "flat":
                np.testing.assert_array_equal(total[a:a + 250], plain_total)  # the same windows, exactly
            else:
                np.testing.assert_allclose(total[a:a + 250], plain_total, rtol=1e-10)
            np.testing.assert_allclose(new[a:a + 250], plain_new, rtol=0, atol=1e-9)


@pytest.mark.parametrize("kernel", ["flat", "gaussian"])
def test_shared_steps_give_the_trajectories_of_unshared_ones(kernel):
    X = np.concatenate([_blobs(n=400, centers=3, d=2, seed=8, std=0.8), _blobs(n=400, centers=3, d=2, seed=8,
                                                                               std=0.8)])  # every point twice
    windows = _fast.Windows(X, 1.2, kernel)
    shared = meanshift._trajectories(_fast.shared(windows.step), X, 300, 1e-3 * 1.2)
    alone = meanshift._trajectories(windows.step, X, 300, 1e-3 * 1.2)
    np.testing.assert_allclose(shared[0], alone[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(shared[1], alone[1], rtol=1e-12)
    np.testing.assert_array_equal(shared[2], alone[2])


def test_fast_grid_cells_equal_numpy_unique():
    rng = np.random.default_rng(24)
    cells = np.round(rng.normal(size=(5000, 3)) * 4)
    huge = cells * np.array([1.0, 1e7, 1e7])  # too many cells for one 62-bit key: rows are compared instead
    for c in (cells, huge, cells[:1]):
        for fast, plain in zip(_fast.count_cells(c), meanshift._count_cells_plain(c)):
            np.testing.assert_array_equal(fast, plain)


def test_unique_rows():
    A = np.random.default_rng(25).integers(0, 3, size=(300, 2)).astype(float)
    distinct, last, inverse = _fast.unique_rows(A)
    np.testing.assert_array_equal(distinct, np.unique(A, axis=0))
    np.testing.assert_array_equal(distinct[inverse], A)
    for j, row in enumerate(distinct):
        assert last[j] == np.flatnonzero((A == row).all(axis=1)).max()


# ---------------------------------------------------------------------------------------------------------------
# bad input


X_OK = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])

# the course's one rule: TypeError when the kind is wrong (not numbers, not an int, not a str, not a bool),
# ValueError when the kind is right but the value is not (shape, range, NaN, an unknown name)
BAD_CALLS = {
    "nan in X": (lambda: CL.kmeans(np.array([[0.0, np.nan], [1.0, 1.0]]), 1), ValueError,
                 r"finite numbers, given nan at index \(0, 1\)"),
    "inf in X": (lambda: CL.mean_shift(np.array([[0.0], [np.inf]]), 1.0), ValueError, r"finite numbers, given inf"),
    "X 1-D": (lambda: CL.kmeans(np.arange(5.0), 2), ValueError,
              r"2-D array of points of shape \(N, D\), given shape \(5,\)"),
    "X image": (lambda: CL.kmeans(np.zeros((4, 4, 3)), 2), ValueError, r"reshape\(-1, C\)"),
    "X empty": (lambda: CL.assign_labels(np.zeros((0, 2)), X_OK), ValueError, "at least one point"),
    "X strings": (lambda: CL.kmeans(np.array([["a", "b"]]), 1), TypeError, "real numbers.*given dtype <U1"),
    "X bool": (lambda: CL.assign_labels(np.ones((3, 2), dtype=bool), X_OK), TypeError, "real numbers"),
    "X complex": (lambda: CL.kmeans(X_OK + 0j, 2), TypeError, "real numbers"),
    "k zero": (lambda: CL.kmeans(X_OK, 0), ValueError, "k must be at least 1, given 0"),
    "k too large": (lambda: CL.kmeans(X_OK, 5), ValueError, r"k must be at most the number of points N=4, given k=5"),
    "k float": (lambda: CL.kmeans(X_OK, 2.0), TypeError, "k must be an int, given float 2.0"),
    "k bool": (lambda: CL.kmeans_plus_plus(X_OK, True), TypeError, "k must be an int"),
    "update k float": (lambda: CL.update_centers(X_OK, np.zeros(4, dtype=int), 2.0), TypeError, "k must be an int"),
    "init shape": (lambda: CL.kmeans(X_OK, 2, init=np.zeros((3, 2))), ValueError, r"init must have shape \(2, 2\)"),
    "init dims": (lambda: CL.kmeans(X_OK, 2, init=np.zeros((2, 3))), ValueError, r"init must have shape \(2, 2\)"),
    "init name": (lambda: CL.kmeans(X_OK, 2, init="kmeans++"), ValueError,
                  r"init must be one of \['k-means\+\+', 'random'\]"),
    "init strings": (lambda: CL.kmeans(X_OK, 2, init=np.array([["a", "b"], ["c", "d"]])), TypeError,
                     "init must be an array of real numbers"),
    "max_iter": (lambda: CL.kmeans(X_OK, 2, max_iter=0), ValueError, "max_iter must be at least 1"),
    "max_iter float": (lambda: CL.mean_shift(X_OK, 1.0, max_iter=10.0), TypeError, "max_iter must be an int"),
    "tol": (lambda: CL.kmeans(X_OK, 2, tol=-1.0), ValueError, "tol must be a finite number >= 0"),
    "tol str": (lambda: CL.gmm_em(X_OK, 2, tol="0.1"), TypeError, "tol must be a number"),
    "seed": (lambda: CL.kmeans(X_OK, 2, seed="abc"), TypeError, "seed must be an int or a numpy.random.Generator"),
    "seed negative": (lambda: CL.kmeans_plus_plus(X_OK, 2, seed=-1), ValueError, "seed must be a non-negative int"),
    "keep_labels": (lambda: CL.kmeans(X_OK, 2, keep_labels="yes"), TypeError, "keep_labels must be True, False or "
                                                                                "None"),
    "centers dims": (lambda: CL.assign_labels(X_OK, np.zeros((2, 3))), ValueError,
                     r"centers must have shape \(k, 2\)"),
    "labels shape": (lambda: CL.update_centers(X_OK, np.zeros(3, dtype=int), 2), ValueError,
                     r"labels must have shape \(4,\)"),
    "labels float": (lambda: CL.update_centers(X_OK, np.zeros(4), 2), ValueError, "integer labels.*astype"),
    "labels strings": (lambda: CL.inertia(X_OK, X_OK[:2], np.array(list("abcd"))), TypeError, "integer labels"),
    "labels range": (lambda: CL.inertia(X_OK, X_OK[:2], np.array([0, 1, 2, 0])), ValueError,
                     "given label 2 at index 2"),
    "update labels range": (lambda: CL.update_centers(X_OK, np.array([0, 1, -1, 0]), 2), ValueError,
                            "given label -1 at index 2"),
    "bandwidth zero": (lambda: CL.mean_shift(X_OK, 0.0), ValueError, "bandwidth must be a finite number > 0, given 0"),
    "bandwidth negative": (lambda: CL.mean_shift_step(X_OK, X_OK, -1.0), ValueError,
                           "bandwidth must be a finite number > 0, given -1.0"),
    "bandwidth nan": (lambda: CL.mean_shift_step(X_OK, X_OK, float("nan")), ValueError, "bandwidth must be a finite"),
    "bandwidth str": (lambda: CL.mean_shift(X_OK, "1.0"), TypeError, "bandwidth must be a number"),
    "kernel": (lambda: CL.mean_shift(X_OK, 1.0, kernel="epanechnikov"), ValueError,
               r"kernel must be one of \['flat', 'gaussian'\]"),
    "kernel not a str": (lambda: CL.mean_shift_step(X_OK, X_OK, 1.0, kernel=None), TypeError, "kernel must be a str"),
    "bin_seeding": (lambda: CL.mean_shift(X_OK, 1.0, bin_seeding="yes"), TypeError, "bin_seeding must be True or "
                                                                                    "False"),
    "min_bin_freq": (lambda: CL.mean_shift(X_OK, 1.0, bin_seeding=True, min_bin_freq=0), ValueError,
                     "min_bin_freq must be at least 1"),
    "seeds dims": (lambda: CL.mean_shift(X_OK, 1.0, seeds=np.zeros((2, 3))), ValueError,
                   "seeds must have D=2 coordinates"),
    "points dims": (lambda: CL.mean_shift_step(X_OK, np.zeros((2, 1)), 1.0), ValueError, "points must have D=2"),
    "weights sum": (lambda: CL.gmm_em(X_OK, 2, weights_init=[0.5, 0.6]), ValueError,
                    "weights_init must be non-negative and sum to 1"),
    "weights shape": (lambda: CL.gmm_em(X_OK, 2, weights_init=[1.0]), ValueError,
                      r"weights_init must have shape \(2,\)"),
    "means_init shape": (lambda: CL.gmm_em(X_OK, 2, means_init=np.zeros((2, 3))), ValueError,
                         r"means_init must have shape"),
    "precisions shape": (lambda: CL.gmm_em(X_OK, 2, precisions_init=np.ones((2, 3, 3))), ValueError,
                         r"precisions_init must have shape \(2, 2, 2\)"),
    "precisions not PD": (lambda: CL.gmm_em(X_OK, 2, precisions_init=np.stack([np.eye(2), -np.eye(2)])), ValueError,
                          r"precisions_init\[1\] must be symmetric positive definite"),
    "reg_covar": (lambda: CL.gmm_em(X_OK, 2, reg_covar=-1e-3), ValueError, "reg_covar must be a finite number >= 0"),
    "weights 2-D": (lambda: CL.e_step(X_OK, [[1.0]], [[0.0, 0.0]], [np.eye(2)]), ValueError,
                    r"weights must have shape \(k,\)"),
    "covariance not symmetric": (lambda: CL.e_step(X_OK, [1.0], [[0.0, 0.0]], [[[1.0, 0.5], [0.0, 1.0]]]),
                                 ValueError, r"covariances\[0\] must be symmetric"),
    "covariance not PD": (lambda: CL.e_step(X_OK, [1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]]), ValueError,
                          r"covariances\[0\] must be symmetric positive definite"),
    "covariance shape": (lambda: CL.e_step(X_OK, [1.0], [[0.0, 0.0]], np.eye(2)), ValueError,
                         r"covariances must have shape \(1, 2, 2\)"),
    "responsibilities": (lambda: CL.m_step(X_OK, -np.ones((4, 2))), ValueError,
                         "responsibilities must be non-negative"),
    "responsibilities shape": (lambda: CL.m_step(X_OK, np.ones((3, 2))), ValueError,
                               r"responsibilities must have shape \(4, k\)"),
    "image ndim": (lambda: CL.segment_image(np.zeros(5), np.zeros(5, dtype=int)), ValueError,
                   r"image must have shape \(H, W\)"),
    "image labels": (lambda: CL.segment_image(np.zeros((2, 3)), np.zeros((3, 2), dtype=int)), ValueError,
                     r"labels must have shape \(2, 3\) or \(6,\)"),
    "image labels float": (lambda: CL.segment_image(np.zeros((2, 3)), np.zeros((2, 3))), ValueError,
                           "integer segment labels"),
    "image nan": (lambda: CL.segment_image(np.full((2, 2), np.nan), np.zeros((2, 2), dtype=int)), ValueError,
                  "finite numbers"),
    "image strings": (lambda: CL.segment_image(np.array([["a"]]), np.zeros((1, 1), dtype=int)), TypeError,
                      "image must be an array of real numbers"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_a_clear_error(case):
    call, error, message = BAD_CALLS[case]
    with pytest.raises(error, match=message) as info:
        call()
    assert type(info.value) is error  # exactly the rule's class, not a subclass of it


# ---------------------------------------------------------------------------------------------------------------
# module


def test_results_are_frozen_dataclasses():
    result = CL.kmeans(X_OK, 2, seed=0)
    with pytest.raises(AttributeError):
        result.inertia = 0.0
    gmm = CL.gmm_em(_blobs(100, 2, 2, 0), 2, seed=0)
    with pytest.raises(AttributeError):
        gmm.weights = None
    ms = CL.mean_shift(X_OK, 2.0)
    with pytest.raises(AttributeError):
        ms.modes = None


def test_no_global_random_state_is_used():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    CL.kmeans(_uniform(200, 2), 3, seed=1)
    CL.kmeans_plus_plus(_uniform(200, 2), 3, seed=1)
    CL.gmm_em(_uniform(200, 2), 2, seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


CLUSTERING_MODULES = ["coursekit.clustering", "coursekit.clustering.k_means", "coursekit.clustering.mixture",
                      "coursekit.clustering.meanshift", "coursekit.clustering.segments"]


def test_public_names():
    assert set(CL.__all__) == {"kmeans", "KMeansResult", "KMeansStep", "assign_labels", "update_centers",
                               "kmeans_plus_plus", "inertia", "gmm_em", "GMMResult", "e_step", "m_step",
                               "mean_shift", "MeanShiftResult", "mean_shift_step", "segment_image"}
    for name in CL.__all__:
        assert getattr(CL, name).__doc__
        # every name is defined in one of the algorithm modules and exported from there too
        module = importlib.import_module(getattr(CL, name).__module__)
        assert module.__name__ in CLUSTERING_MODULES and name in module.__all__


def test_import_needs_only_numpy():
    code = ("import sys, coursekit.clustering; "
            "print(sorted(m for m in ('scipy', 'sklearn', 'torch', 'matplotlib', 'skimage') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
