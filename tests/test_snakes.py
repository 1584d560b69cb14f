"""Tests of coursekit.snakes: energies against hand computations and scipy, the greedy and dynamic-programming steps
against exhaustive search, convergence on a synthetic disc, and scikit-image's active_contour on a coin."""

import dataclasses
import itertools

import numpy as np
import pytest
from scipy import ndimage as ndi
from scipy.spatial import cKDTree
from skimage import data, filters, measure
from skimage.draw import disk
from skimage.segmentation import active_contour

from coursekit import snakes as S
from coursekit.snakes import (
    SnakeResult,
    circle,
    dp_step,
    edge_energy,
    external_energy,
    greedy_step,
    internal_energy,
    shape_prior_energy,
    snake_dp,
    snake_greedy,
    total_energy,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One BLAS thread: the test machines are shared."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def offsets(window):
    """The window's offsets (dx, dy) in the order of the issue: dy = -r..r, then dx = -r..r."""
    r = window // 2
    return np.array([(dx, dy) for dy in range(-r, r + 1) for dx in range(-r, r + 1)], dtype=float)


def mean_spacing(v, closed):
    d = np.diff(np.vstack([v, v[:1]]) if closed else v, axis=0)
    return np.hypot(d[:, 0], d[:, 1]).mean()


def plain_energies(U, energy, alpha, beta, gamma, prior=None, prior_weight=0.0, closed=True, dbar=None):
    """Total energy of each contour of a batch ``U`` (m, n, 2), written out term by term with loops over the
    vertices and scipy's map_coordinates for the image: an independent version of the module's energy."""
    m, n, _ = U.shape
    total = np.zeros(m)
    edges = range(n) if closed else range(n - 1)
    centres = range(n) if closed else range(1, n - 1)
    for i in edges:
        length = np.linalg.norm(U[:, (i + 1) % n] - U[:, i], axis=1)
        total += alpha * (length ** 2 if dbar is None else (dbar - length) ** 2)
    for i in centres:
        total += beta * np.sum((U[:, (i + 1) % n] - 2 * U[:, i] + U[:, i - 1]) ** 2, axis=1)
    flat = U.reshape(-1, 2)
    total += gamma * ndi.map_coordinates(energy, [flat[:, 1], flat[:, 0]], order=1, mode="nearest").reshape(m, n).sum(1)
    if prior is not None:
        total += prior_weight * np.sum((U - prior) ** 2, axis=(1, 2))
    return total


def random_problem(seed, n, closed, tension, shape=(14, 12)):
    rng = np.random.default_rng(seed)
    return dict(
        energy=rng.normal(size=shape),
        v=rng.uniform(2.0, 9.0, size=(n, 2)),
        alpha=float(rng.uniform(0, 1)), beta=float(rng.uniform(0, 1)), gamma=float(rng.uniform(0, 2)),
        prior=rng.uniform(2.0, 9.0, size=(n, 2)), prior_weight=float(rng.uniform(0, 0.5)),
        closed=closed, tension=tension, pin=int(rng.integers(n)),
    )


# ---------------------------------------------------------------------------------------------------------------
# energies against hand computations and scipy


def test_internal_energy_lecture_three_points():
    # curvature only (alpha = 0, beta = 1) of the middle vertex of three:
    # a sharp bend: (5, 1) - 2 (3, 5) + (1, 1) = (0, -8), squared norm 64
    assert internal_energy([[1, 1], [3, 5], [5, 1]], alpha=0, beta=1, closed=False) == 64.0
    # a gentle one: (5, 1) - 2 (3, 2) + (1, 1) = (0, -2), squared norm 4
    assert internal_energy([[1, 1], [3, 2], [5, 1]], alpha=0, beta=1, closed=False) == 4.0
    # straight and evenly spaced: no curvature; straight but unevenly spaced: (4, 0) - 2 (1, 0) + (0, 0) = (2, 0)
    assert internal_energy([[1, 1], [3, 1], [5, 1]], alpha=0, beta=1, closed=False) == 0.0
    assert internal_energy([[0, 0], [1, 0], [4, 0]], alpha=0, beta=1, closed=False) == 4.0
    # tension of the same: 1 + 9
    assert internal_energy([[0, 0], [1, 0], [4, 0]], alpha=1, beta=0, closed=False) == 10.0


def test_internal_energy_square_by_hand():
    square = [[0, 0], [2, 0], [2, 2], [0, 2]]
    # closed: four edges of squared length 4; at every corner the second difference is (2, 2) or a sign change of
    # it, squared norm 8
    assert internal_energy(square, alpha=1, beta=0) == 16.0
    assert internal_energy(square, alpha=0, beta=1) == 32.0
    assert internal_energy(square, alpha=0.5, beta=2) == 0.5 * 16 + 2 * 32
    # open: three edges, curvature at the two inner corners only
    assert internal_energy(square, alpha=1, beta=1, closed=False) == 12.0 + 16.0


def test_spacing_tension_by_hand():
    rectangle = [[0, 0], [4, 0], [4, 2], [0, 2]]
    # spacings 4, 2, 4, 2: dbar = 3, each edge off by 1
    assert internal_energy(rectangle, alpha=1, beta=0, tension="spacing") == 4.0
    assert internal_energy(rectangle, alpha=1, beta=0, tension="spacing", dbar=2) == 8.0
    # an evenly spaced polygon costs nothing, however large (the squared tension would shrink it)
    assert internal_energy(circle((0, 0), 50, 12), 1, 0, tension="spacing") == pytest.approx(0, abs=1e-9)
    # open: dbar is the mean of the n - 1 spacings 4 and 2
    assert internal_energy(rectangle[:3], alpha=1, beta=0, closed=False, tension="spacing") == 2.0


def test_external_energy_is_map_coordinates():
    rng = np.random.default_rng(0)
    energy = rng.normal(size=(17, 23))
    v = np.column_stack([rng.uniform(-4, 27, 200), rng.uniform(-4, 21, 200)])  # (x, y), some outside
    v[:10] = np.round(v[:10])  # on pixels
    v[10, :] = [22, 16]        # the last pixel
    expected = ndi.map_coordinates(energy, [v[:, 1], v[:, 0]], order=1, mode="nearest")
    assert external_energy(v, energy) == pytest.approx(expected.sum(), rel=1e-12)
    for point, value in zip(v, expected):
        assert external_energy(point[None], energy) == pytest.approx(value, rel=1e-12, abs=1e-12)
    # x is the column, y the row
    ramp = np.tile(np.arange(5.0), (3, 1))
    assert external_energy([[2.5, 1.0]], ramp) == 2.5
    assert external_energy([[1.0, 2.5]], ramp.T) == 2.5
    # a 1 x 1 image
    assert external_energy([[3.0, -2.0]], [[7.0]]) == 7.0


@pytest.mark.parametrize("sigma", [0, 0.7, 2.0])
def test_edge_energy_is_minus_squared_gradient(sigma):
    image = np.random.default_rng(1).random((20, 31))
    smooth = ndi.gaussian_filter(image, sigma) if sigma else image
    gy, gx = np.gradient(smooth)
    got = edge_energy(image, sigma)
    assert got.shape == image.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, -(gx ** 2 + gy ** 2), rtol=1e-12, atol=1e-15)
    assert np.all(got <= 0)


def test_edge_energy_on_a_step():
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0
    got = edge_energy(image, 0)
    # central differences: a jump of 1 between columns 2 and 3 gives a gradient 0.5 at both
    np.testing.assert_array_equal(got[:, 2], -0.25)
    np.testing.assert_array_equal(got[:, 3], -0.25)
    np.testing.assert_array_equal(got[:, [0, 1, 4, 5]], 0.0)


def test_shape_prior_and_total_energy():
    assert shape_prior_energy([[0, 0], [1, 1], [3, 1]], [[0, 2], [1, 1], [0, 5]]) == 4.0 + 0.0 + 25.0
    rng = np.random.default_rng(2)
    for closed, tension in itertools.product([True, False], ["squared", "spacing"]):
        p = random_problem(int(rng.integers(1000)), 7, closed, tension)
        kw = dict(closed=closed, tension=tension)
        expected = (internal_energy(p["v"], p["alpha"], p["beta"], **kw)
                    + p["gamma"] * external_energy(p["v"], p["energy"])
                    + p["prior_weight"] * shape_prior_energy(p["v"], p["prior"]))
        got = total_energy(p["v"], p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"], **kw)
        assert got == pytest.approx(expected, rel=1e-12)
        dbar = mean_spacing(p["v"], closed) if tension == "spacing" else None
        plain = plain_energies(p["v"][None], p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"],
                               p["prior_weight"], closed, dbar)[0]
        assert got == pytest.approx(plain, rel=1e-12)
    # no prior, no prior term
    v = circle((5, 5), 3, 6)
    assert total_energy(v, np.zeros((9, 9)), 1, 0, 1) == pytest.approx(internal_energy(v, 1, 0))


def test_circle():
    v = circle((10, 20), 5, 8)
    assert v.shape == (8, 2)
    np.testing.assert_allclose(np.hypot(v[:, 0] - 10, v[:, 1] - 20), 5)
    np.testing.assert_allclose(v[0], [15, 20])
    spacing = np.linalg.norm(np.diff(np.vstack([v, v[:1]]), axis=0), axis=1)
    np.testing.assert_allclose(spacing, spacing[0])


# ---------------------------------------------------------------------------------------------------------------
# the dynamic-programming step against exhaustive search


def exhaustive_minimum(p, window):
    """The least energy over every contour whose free vertices take one of the window's offsets (the pinned pair of
    a closed contour fixed), the energy with the step's dbar; and the pinned vertices."""
    v, n, closed = p["v"], len(p["v"]), p["closed"]
    pinned = {p["pin"], (p["pin"] + 1) % n} if closed else set()
    free = [i for i in range(n) if i not in pinned]
    o = offsets(window)
    dbar = mean_spacing(v, closed) if p["tension"] == "spacing" else None
    best = np.inf
    for first in range(len(o)):  # in chunks: one per offset of the first free vertex
        combos = np.array(list(itertools.product(range(len(o)), repeat=len(free) - 1)), dtype=int)
        combos = np.column_stack([np.full(len(combos), first), combos]) if combos.size else np.array([[first]])
        U = np.repeat(v[None], len(combos), axis=0)
        U[:, free] += o[combos]
        e = plain_energies(U, p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"],
                           closed, dbar)
        best = min(best, e.min())
    return best, sorted(pinned), dbar


CASES = [(n, closed, tension, seed)
         for n, closed in [(2, False), (3, False), (4, False), (5, False), (3, True), (4, True), (5, True), (6, True)]
         for tension in ["squared", "spacing"] for seed in range(3)]


@pytest.mark.parametrize("n, closed, tension, seed", CASES)
def test_dp_step_is_the_exhaustive_minimum(n, closed, tension, seed):
    p = random_problem(100 * n + 10 * seed + closed, n, closed, tension)
    if seed == 1:
        p["prior_weight"], p["prior"] = 0.0, None   # without a shape prior
    if seed == 2:
        p["alpha"] = 0.0                           # curvature and image only
    v0 = p["v"].copy()
    new, moved = dp_step(p["energy"], p["v"], p["alpha"], p["beta"], p["gamma"], 3, p["pin"], prior=p["prior"],
                         prior_weight=p["prior_weight"], closed=closed, tension=tension)
    np.testing.assert_array_equal(p["v"], v0)  # the input is not changed
    best, pinned, dbar = exhaustive_minimum(p, 3)
    got = plain_energies(new[None], p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"],
                         closed, dbar)[0]
    assert got == pytest.approx(best, rel=1e-9, abs=1e-9)
    current = plain_energies(v0[None], p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"],
                             p["prior_weight"], closed, dbar)[0]
    assert got <= current + 1e-12
    np.testing.assert_array_equal(new[pinned], v0[pinned])
    step = new - v0   # integer offsets, up to the rounding of (v + offset) - v
    np.testing.assert_allclose(step, np.round(step), atol=1e-12)
    assert np.abs(np.round(step)).max() <= 1
    assert moved == int(np.any(np.round(step) != 0, axis=1).sum())


def test_dp_step_exhaustive_open_six_vertices_and_window_five():
    p = random_problem(7, 6, False, "squared")
    new, _ = dp_step(p["energy"], p["v"], p["alpha"], p["beta"], p["gamma"], 3, prior=p["prior"],
                     prior_weight=p["prior_weight"], closed=False)
    best, _, _ = exhaustive_minimum(p, 3)
    assert total_energy(new, p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"],
                        closed=False) == pytest.approx(best, rel=1e-9)
    # window 5: a closed contour of 4 vertices, two of them free
    p = random_problem(8, 4, True, "spacing")
    new, _ = dp_step(p["energy"], p["v"], p["alpha"], p["beta"], p["gamma"], 5, p["pin"], prior=p["prior"],
                     prior_weight=p["prior_weight"], tension="spacing")
    best, _, dbar = exhaustive_minimum(p, 5)
    assert total_energy(new, p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"],
                        tension="spacing", dbar=dbar) == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("window", [1, 3, 5, 7])
@pytest.mark.parametrize("tension", ["squared", "spacing"])
def test_the_fast_programme_equals_the_plain_one(window, tension):
    # dp_step calls coursekit.snakes._fast.viterbi; the plain recursion in steps._viterbi is what it must equal, on
    # chains long and short, with and without the terms that close a contour, with infinite (pinned) unary terms
    from coursekit.snakes._fast import viterbi
    from coursekit.snakes.energies import _curvature, _tension
    from coursekit.snakes.steps import _offsets, _viterbi

    o = _offsets(window)
    rng = np.random.default_rng(window)
    for n in (2, 3, 4, 9, 40):
        v = rng.uniform(5, 30, size=(n, 2))
        unary = rng.normal(size=(n, len(o))) * rng.uniform(0.1, 5)
        if n > 3:
            unary[:2, np.arange(len(o)) != len(o) // 2] = np.inf
        alpha, beta = rng.uniform(0, 2, size=2)
        dbar = None if tension == "squared" else float(rng.uniform(0.5, 4))
        v0, v1 = v[0], v[1]

        def closing(a, b):
            return _tension(b, v0, alpha, dbar) + _curvature(a, b, v0, beta) + _curvature(b, v0, v1, beta)

        for close in (None, closing if n >= 3 else None):
            fast_path, fast_min = viterbi(v, o, unary, alpha, beta, dbar, close)
            plain_path, plain_min = _viterbi(v, o, unary, alpha, beta, dbar, close)
            assert fast_min == pytest.approx(plain_min, rel=1e-12, abs=1e-12), (n, close)
            np.testing.assert_array_equal(fast_path, plain_path)


def test_dp_step_keeps_a_minimum_and_pins_by_index():
    # with nothing to gain, nothing moves (and a tie is no reason to move)
    v = circle((10, 10), 4, 8)
    new, moved = dp_step(np.zeros((20, 20)), v, 0, 0, 1)
    assert moved == 0 and np.array_equal(new, v)
    # a shape prior 1 pixel to the right of every vertex: all move but the pinned pair 5, 6
    new, moved = dp_step(np.zeros((20, 20)), v, 0, 0, 0, 3, 5, prior=v + [1, 0], prior_weight=1)
    assert moved == 6
    np.testing.assert_array_equal(new[[5, 6]], v[[5, 6]])
    np.testing.assert_allclose(np.delete(new - v, [5, 6], axis=0), [[1, 0]] * 6)
    # pin 7: the pair 7, 0 wraps around
    new, _ = dp_step(np.zeros((20, 20)), v, 0, 0, 0, 3, 7, prior=v + [1, 0], prior_weight=1)
    np.testing.assert_array_equal(new[[7, 0]], v[[7, 0]])


# ---------------------------------------------------------------------------------------------------------------
# the greedy step


@pytest.mark.parametrize("closed, tension, window", [(True, "squared", 5), (True, "spacing", 3),
                                                     (False, "squared", 3), (False, "spacing", 5)])
@pytest.mark.parametrize("seed", range(4))
def test_greedy_step_each_vertex_at_its_best_offset(closed, tension, window, seed):
    p = random_problem(seed, 7, closed, tension)
    if seed == 3:
        p["energy"] = np.round(p["energy"])  # ties are frequent on a coarse energy with no internal energy
        p["alpha"] = p["beta"] = p["prior_weight"] = 0.0
    v0 = p["v"].copy()
    new, moved = greedy_step(p["energy"], p["v"], p["alpha"], p["beta"], p["gamma"], window, prior=p["prior"],
                             prior_weight=p["prior_weight"], closed=closed, tension=tension)
    np.testing.assert_array_equal(p["v"], v0)
    dbar = mean_spacing(v0, closed) if tension == "spacing" else None  # kept for the whole sweep
    args = (p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"], closed, dbar)
    o = offsets(window)
    stay = len(o) // 2
    for i in range(len(v0)):
        at_that_moment = np.vstack([new[:i], v0[i:]])       # earlier vertices moved, later ones not yet
        U = np.repeat(at_that_moment[None], len(o), axis=0)
        U[:, i] += o
        e = plain_energies(U, *args)
        chosen = int(np.flatnonzero(np.all(o == np.round(new[i] - v0[i]), axis=1))[0])
        tol = 1e-9 * (1 + np.abs(e).max())
        assert e[chosen] <= e.min() + tol
        if e[stay] <= e.min() + tol:
            assert chosen == stay
        else:
            assert chosen == int(np.flatnonzero(e <= e.min() + tol)[0])
    assert moved == int(np.any(new != v0, axis=1).sum())
    before = plain_energies(v0[None], *args)[0]
    after = plain_energies(new[None], *args)[0]
    assert after <= before + 1e-9
    # the energy with the new contour's own dbar is lower still
    assert total_energy(new, p["energy"], p["alpha"], p["beta"], p["gamma"], p["prior"], p["prior_weight"],
                        closed, tension=tension) <= before + 1e-9


def test_greedy_step_tie_rule():
    # no energy at all: everything ties, every vertex stays
    v = circle((8, 8), 3, 5)
    new, moved = greedy_step(np.zeros((16, 16)), v, 0, 0, 1)
    assert moved == 0 and np.array_equal(new, v)
    # an energy that ties between two offsets, neither staying: the first in the order dy = -r..r, then dx
    energy = np.zeros((9, 9))
    energy[3, 5] = energy[5, 3] = -1  # (x, y) = (5, 3) and (3, 5) around (4, 4): offsets (1, -1) and (-1, 1)
    new, moved = greedy_step(energy, [[4, 4], [0, 0], [8, 0]], 0, 0, 1, window=3, closed=True)
    assert moved == 1 and new[0].tolist() == [5, 3]


def test_greedy_stalls_where_dp_moves():
    energy = np.zeros((9, 9))
    energy[6, 1:6] = -1
    v = [[1, 4], [3, 4], [5, 4]]
    kw = dict(alpha=1, beta=1, gamma=1, closed=False, tension="spacing")
    assert greedy_step(energy, v, **kw)[1] == 0
    new, moved = dp_step(energy, v, **kw)
    assert moved == 3 and np.all(new[:, 1] == 6)


# ---------------------------------------------------------------------------------------------------------------
# iterating: a synthetic disc, a shape prior, and scikit-image on a coin


@pytest.fixture(scope="module")
def disc_energy():
    image = np.zeros((64, 64))
    image[disk((32, 32), 16)] = 1.0
    return edge_energy(ndi.gaussian_filter(image, 1.0), 2.0)


@pytest.mark.parametrize("method", [snake_greedy, snake_dp])
@pytest.mark.parametrize("tension", ["squared", "spacing"])
def test_snakes_converge_to_a_disc(disc_energy, method, tension):
    start = circle((32, 32), 20, 40)   # 4 pixels outside
    result = method(disc_energy, start, 0.05, 0.05, 1000, tension=tension)
    radii = np.hypot(*(result.contour - 32).T)
    assert np.abs(radii - 16).mean() < 1.0
    assert result.converged and result.n_iter < 50
    assert result.energies.shape == (result.n_iter + 1,)
    assert np.all(np.diff(result.energies) <= 1e-9 * np.abs(result.energies).max())
    assert result.energies[-1] == pytest.approx(total_energy(result.contour, disc_energy, 0.05, 0.05, 1000,
                                                             tension=tension))


def test_snake_result_is_a_frozen_dataclass(disc_energy):
    result = snake_dp(disc_energy, circle((32, 32), 18, 20), 0.05, 0.05, 1000, max_iter=2)
    assert isinstance(result, SnakeResult) and dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_iter = 0
    assert result.n_iter == 2 and not result.converged and len(result.energies) == 3


@pytest.mark.parametrize("method", [snake_greedy, snake_dp])
def test_shape_prior_alone_reaches_the_template(method):
    start = circle((20, 20), 6, 10)
    template = start + [5, -3]
    result = method(np.zeros((40, 40)), start, 0, 0, 0, prior=template, prior_weight=1.0)
    np.testing.assert_allclose(result.contour, template)
    assert result.energies[-1] == pytest.approx(0)


def test_snake_dp_moves_the_pinned_pair():
    # a translation needs every vertex to move, the pinned ones included
    start = circle((20, 20), 6, 9)
    result = snake_dp(np.zeros((40, 40)), start, 0, 0, 0, window=3, prior=start + [3, 0], prior_weight=1.0)
    np.testing.assert_allclose(result.contour, start + [3, 0])


def symmetric_boundary_error(contour_xy, mask):
    """Mean distance between a contour and the boundary of a mask (its level 0.5), both ways, both densely
    resampled (0.1 px): (mean from the contour to the boundary + mean from the boundary to the contour) / 2."""
    def dense(points):
        closed = np.vstack([points, points[:1]])
        pieces = [np.linspace(a, b, max(2, int(np.ceil(np.linalg.norm(b - a) / 0.1))), endpoint=False)
                  for a, b in zip(closed[:-1], closed[1:])]
        return np.vstack(pieces)

    boundary = max(measure.find_contours(mask.astype(float), 0.5), key=len)[:, ::-1]  # (row, col) -> (x, y)
    a, b = dense(np.asarray(contour_xy, float)), dense(boundary)
    return 0.5 * (cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean())


def coin_mask(image, center, half=40):
    """The coin around ``center`` (row, col): Otsu's threshold on an 80 x 80 crop, holes filled."""
    r0, c0 = center
    crop = image[r0 - half:r0 + half, c0 - half:c0 + half]
    inside = ndi.binary_fill_holes(ndi.binary_opening(crop > filters.threshold_otsu(crop), iterations=2))
    labels = measure.label(inside)
    mask = np.zeros(image.shape, bool)
    mask[r0 - half:r0 + half, c0 - half:c0 + half] = labels == labels[half, half]
    return mask


def test_dp_snake_on_a_coin_against_active_contour():
    image = data.coins() / 255.0
    mask = coin_mask(image, (193, 213))
    cy, cx = ndi.center_of_mass(mask)
    radius = np.sqrt(mask.sum() / np.pi)
    start = circle((cx, cy), radius + 5, 100)                  # (x, y)
    ours = snake_dp(edge_energy(image, 3.0), start, alpha=0.1, beta=1.0, gamma=300.0)
    # scikit-image works in (row, col): swap the columns both ways; its gallery's parameters, the same smoothing
    peer = active_contour(ndi.gaussian_filter(image, 3.0), start[:, ::-1], alpha=0.015, beta=10, gamma=0.001)[:, ::-1]
    ours_error, peer_error = symmetric_boundary_error(ours.contour, mask), symmetric_boundary_error(peer, mask)
    assert symmetric_boundary_error(start, mask) > 4
    assert ours_error < 1.0
    assert ours_error <= peer_error + 0.25, (ours_error, peer_error)
    assert ours.converged and np.all(np.diff(ours.energies) <= 0)


# ---------------------------------------------------------------------------------------------------------------
# bad input


E9 = np.zeros((9, 9))
V4 = circle((4, 4), 2, 4)


@pytest.mark.parametrize("call, error, match", [
    # contours
    (lambda: internal_energy("abc", 1, 1), TypeError, "array of real numbers"),
    (lambda: internal_energy(None, 1, 1), TypeError, "array of real numbers"),
    (lambda: internal_energy(np.array([[1 + 1j, 0]] * 3), 1, 1), TypeError, "complex"),
    (lambda: internal_energy([[0, 0], [1, 1, 1], [2, 2]], 1, 1), ValueError, "rectangular"),
    (lambda: internal_energy(np.zeros((4, 3)), 1, 1), ValueError, r"shape \(n, 2\)"),
    (lambda: internal_energy(np.zeros(8), 1, 1), ValueError, r"shape \(n, 2\)"),
    (lambda: internal_energy(np.zeros((2, 2)), 1, 1), ValueError, "at least 3 vertices"),
    (lambda: internal_energy(np.zeros((1, 2)), 1, 1, closed=False), ValueError, "at least 2 vertices"),
    (lambda: internal_energy([[0, 0], [np.nan, 1], [2, 2]], 1, 1), ValueError,
     r"v must hold finite numbers, given nan at index \(1, 0\)"),
    (lambda: internal_energy([[0, 0], [np.inf, 1], [2, 2]], 1, 1), ValueError, "finite numbers, given inf"),
    # weights
    (lambda: internal_energy(V4, -1, 1), ValueError, "alpha"),
    (lambda: internal_energy(V4, 1, -0.5), ValueError, "beta"),
    (lambda: internal_energy(V4, "1", 1), TypeError, "alpha"),
    (lambda: internal_energy(V4, 1, np.nan), ValueError, "beta"),
    (lambda: total_energy(V4, E9, 1, 1, -1), ValueError, "gamma"),
    (lambda: total_energy(V4, E9, 1, 1, 1, V4, -1), ValueError, "prior_weight"),
    (lambda: total_energy(V4, E9, 1, 1, 1, None, 1.0), ValueError, "no prior"),
    (lambda: total_energy(V4, E9, 1, 1, 1, V4[:3], 1.0), ValueError, "one vertex per"),
    (lambda: internal_energy(V4, 1, 1, tension="even"), ValueError, "tension"),
    (lambda: internal_energy(V4, 1, 1, tension=2), TypeError, "tension"),
    (lambda: internal_energy(V4, 1, 1, tension="spacing", dbar=-1), ValueError, "dbar"),
    (lambda: internal_energy(V4, 1, 1, closed="yes"), TypeError, "closed"),
    # images
    (lambda: total_energy(V4, np.zeros((3, 3, 3)), 1, 1, 1), ValueError, "2-D"),
    (lambda: total_energy(V4, np.zeros(9), 1, 1, 1), ValueError, "2-D"),
    (lambda: external_energy(V4, np.zeros((0, 4))), ValueError, "non-empty"),
    (lambda: external_energy(V4, [["a"]]), TypeError, "real numbers"),
    (lambda: external_energy(np.zeros((3, 3)), E9), ValueError, r"shape \(n, 2\)"),
    (lambda: external_energy(V4, np.full((4, 4), np.nan)), ValueError, "energy must hold finite numbers"),
    (lambda: edge_energy(np.zeros((4, 4, 3)), 1), ValueError, "2-D"),
    (lambda: edge_energy(np.zeros((1, 4)), 1), ValueError, "H, W >= 2"),
    (lambda: edge_energy(E9, -1), ValueError, "sigma"),
    (lambda: edge_energy(E9, None), TypeError, "sigma"),
    (lambda: edge_energy("image", 1), TypeError, "image"),
    (lambda: shape_prior_energy(V4, V4[:3]), ValueError, "same shape"),
    # steps and snakes
    (lambda: greedy_step(E9, V4, 1, 1, 1, window=4), ValueError, "odd"),
    (lambda: greedy_step(E9, V4, 1, 1, 1, window=0), ValueError, "window"),
    (lambda: greedy_step(E9, V4, 1, 1, 1, window=-3), ValueError, "window"),
    (lambda: greedy_step(E9, V4, 1, 1, 1, window=3.0), TypeError, "window"),
    (lambda: greedy_step(E9, V4, -1, 1, 1), ValueError, "alpha"),
    (lambda: greedy_step(np.zeros((9, 9, 1)), V4, 1, 1, 1), ValueError, "2-D"),
    (lambda: greedy_step(E9, V4[:2], 1, 1, 1), ValueError, "at least 3"),
    (lambda: dp_step(E9, V4, 1, 1, 1, window=2), ValueError, "odd"),
    (lambda: dp_step(E9, V4, 1, 1, 1, 5, 4), ValueError, "pin"),
    (lambda: dp_step(E9, V4, 1, 1, 1, 5, -1), ValueError, "pin"),
    (lambda: dp_step(E9, V4, 1, 1, 1, 5, 1.5), TypeError, "pin"),
    (lambda: dp_step(E9, V4, 1, 1, -2), ValueError, "gamma"),
    (lambda: dp_step(E9, [[0, 0], [1, np.nan], [2, 2]], 1, 1, 1), ValueError, r"given nan at index \(1, 1\)"),
    (lambda: dp_step(E9, V4, 1, 1, 1, prior=V4, prior_weight=-1), ValueError, "prior_weight"),
    (lambda: snake_greedy(E9, V4, 1, 1, 1, max_iter=0), ValueError, "max_iter"),
    (lambda: snake_dp(E9, V4, 1, 1, 1, window=6), ValueError, "odd"),
    (lambda: snake_dp(E9, V4, 1, 1, 1, pin=4), ValueError, "pin"),
    (lambda: snake_dp(E9, V4, 1, 1, 1, tension="elastic"), ValueError, "tension"),
    (lambda: snake_dp(np.zeros(9), V4, 1, 1, 1), ValueError, "2-D"),
    (lambda: circle((0, 0), 0, 5), ValueError, "radius"),
    (lambda: circle((0, 0), -1, 5), ValueError, "radius"),
    (lambda: circle((0, 0, 0), 1, 5), ValueError, "center"),
    (lambda: circle((0, 0), 1, 2), ValueError, "n must be at least 3, given 2"),
    (lambda: circle((0, 0), 1, 5.0), TypeError, "n must be an int"),
    (lambda: circle((0, 0), "1", 5), TypeError, "radius"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_public_names_come_from_the_package_with_their_docstrings():
    assert set(S.__all__) == {"internal_energy", "edge_energy", "external_energy", "shape_prior_energy",
                              "total_energy", "greedy_step", "dp_step", "snake_greedy", "snake_dp", "SnakeResult",
                              "circle"}
    for name in S.__all__:
        assert "Examples" in getattr(S, name).__doc__ or name == "SnakeResult"
