"""Exercises of the snakes chapter (``03_snakes``): the two energies of a contour, one greedy step, one
dynamic-programming step.

Four exercises, in the order of the notebook, each checked against :mod:`coursekit.snakes`: the internal energy
(tension and curvature, open or closed), the external energy (an energy image sampled bilinearly at the vertices,
clamped to the border), one greedy sweep of a closed contour and one exact dynamic-programming step of a closed
contour with a pinned pair of vertices. Contours are ``(n, 2)`` arrays of ``(x, y)`` = (column, row).

Public cases are small and fixed and show the traps the chapter teaches: the lecture's three points (64 versus 4);
the edge from the last vertex back to the first and the curvature that wraps around on a closed contour, and neither on
an open one; ``(x, y)`` on a non-square image (``energy[y, x]``, not ``energy[x, y]``); points half way between pixels
(bilinear, not the nearest pixel), and points between pixels in the steps; points beyond the border and on the last
row and column (clamped, and no index ``W``); ties in the greedy search (stay when staying is among the best, else the
first best offset in the order dy = -r..r, then dx = -r..r); vertices that see the new positions of the vertices
before them (Gauss-Seidel, not Jacobi); candidates outside the image; a contour where the greedy step stalls and the
programme moves several vertices at once; the pinned pair at ``pin = 0``, at another pin and wrapping around
(``pin = n - 1``); strong curvature; a triangle (one free vertex); a contour that no step can improve. Each case
carries its kind (``Case.kind``); every hidden set holds the same kinds as the public cases, with random sizes and
values.

The snakes' images are synthetic: a blurred ellipse with noise, its edge energy ``-(G_x^2 + G_y^2)`` scaled so that
the strongest edge is ``-1``. Their values are not round numbers, so that the greedy and dynamic-programming cases have
one best answer (no two choices within rounding of each other); the cases built for exact ties use small integers,
which every way of adding up the energy computes exactly.
"""

from __future__ import annotations

import numpy as np

from .compare import allclose
from .registry import Case, chapter

NOTEBOOK = "03_snakes"

#: Every exercise is written from scratch with NumPy: no coursekit.snakes (a package: every module in it), no
#: scikit-image snake.
_FORBIDDEN = (
    "coursekit.snakes",
    "skimage.segmentation.active_contour",
)

#: The lecture's three points: a sharp bend (curvature 64) and a gentle one (4).
_SHARP = np.array([[1, 1], [3, 5], [5, 1]])
_GENTLE = np.array([[1, 1], [3, 2], [5, 1]])


# ---------------------------------------------------------------------------------------------------------------
# helpers for the cases


def _r(rng):
    """Inclusive random integers from ``rng``."""
    return lambda lo, hi: int(rng.integers(lo, hi + 1))


def _offsets(window: int) -> list[tuple[int, int]]:
    """The window's offsets ``(dx, dy)`` in the order of the statement: dy = -r..r, then dx = -r..r."""
    r = window // 2
    return [(dx, dy) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]


def _scene(rng, h: int, w: int, noise: float = 0.03):
    """A blurred ellipse on a noisy background: its edge energy scaled to ``[-1, 0]``, and the ellipse
    ``(cx, cy, rx, ry)``."""
    from scipy.ndimage import gaussian_filter

    from ..snakes import edge_energy

    yy, xx = np.mgrid[:h, :w]
    cx, cy = w / 2 + rng.uniform(-1.5, 1.5), h / 2 + rng.uniform(-1.5, 1.5)
    rx, ry = w * rng.uniform(0.22, 0.32), h * rng.uniform(0.22, 0.32)
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1
    image = gaussian_filter(0.2 + 0.6 * inside, 1.0) + noise * rng.normal(size=(h, w))
    energy = edge_energy(image, rng.uniform(1.0, 2.0))
    return energy / -energy.min(), (cx, cy, rx, ry)


def _ellipse(rng, ellipse, n: int, scale: float, jitter: float = 0.4) -> np.ndarray:
    """``n`` vertices on the ellipse scaled by ``scale`` about its centre, each moved by up to ``jitter`` pixels (so
    that no two choices of a step tie)."""
    cx, cy, rx, ry = ellipse
    t = 2 * np.pi * (np.arange(n) + rng.uniform(0, 1)) / n
    v = np.stack([cx + scale * rx * np.cos(t), cy + scale * ry * np.sin(t)], axis=1)
    return v + rng.uniform(-jitter, jitter, size=v.shape)


def _weights(rng) -> dict:
    """alpha, beta, gamma of a snake on an energy image scaled to [-1, 0]."""
    return {"alpha": float(rng.uniform(0.01, 0.08)), "beta": float(rng.uniform(0.2, 1.5)),
            "gamma": float(rng.uniform(2.0, 8.0))}


def _greedy_fixed_point(energy, v, weights, window):
    """A contour where the greedy step stalls (``coursekit.snakes.snake_greedy`` run until nothing moves)."""
    from ..snakes import snake_greedy

    return snake_greedy(energy, v, window=window, max_iter=200, **weights).contour


def _dp_fixed_point(energy, v, weights, window):
    """A contour that no dynamic-programming step improves, whichever pair is pinned."""
    from ..snakes import dp_step, snake_dp

    v = snake_dp(energy, v, window=window, max_iter=200, **weights).contour
    for _ in range(10):
        moved = 0
        for pin in range(len(v)):
            v, m = dp_step(energy, v, window=window, pin=pin, **weights)
            moved += m
        if not moved:
            return v
    raise RuntimeError("no dynamic-programming fixed point found")  # pragma: no cover - never seen


# ---------------------------------------------------------------------------------------------------------------
# internal_energy(v, alpha, beta, closed=True)


def _public_internal() -> list[Case]:
    line = np.array([[0.0, 0.0], [2.0, 1.0], [5.0, 1.0], [6.0, 3.0]])
    square = np.array([[0, 0], [4, 0], [4, 4], [0, 4]])
    rng = np.random.default_rng(301)  # fixed: these cases are public
    polygon = np.round(rng.uniform(0, 20, size=(7, 2)), 2)
    chain = np.round(rng.uniform(0, 20, size=(6, 2)), 2)
    return [
        Case((_SHARP, 0, 1), {"closed": False}, label="the lecture's sharp bend (1, 1), (3, 5), (5, 1), open, "
                                                      "curvature only: 64", kind="the lecture's three points"),
        Case((_GENTLE, 0, 1), {"closed": False}, label="the lecture's gentle bend (1, 1), (3, 2), (5, 1), open, "
                                                       "curvature only: 4", kind="the lecture's three points"),
        Case((line, 1.0, 0.0), {"closed": False}, label="open, tension only: the n - 1 edges, no edge from the last "
                                                        "vertex back to the first", kind="open, tension only"),
        Case((square, 1.0, 0.0), {"closed": True},
             label="closed square, tension only: the edge from the last vertex back to the first counts (4 x 16 = 64)",
             kind="closed, tension only"),
        Case((np.array([[0, 0], [6, 0], [0, 3]]), 0.0, 1.0), {"closed": True},
             label="closed triangle, curvature only: the curvature at the first and last vertices wraps around",
             kind="closed, curvature only"),
        Case((polygon, 0.3, 2.5), label="closed by default (closed not given), tension and curvature",
             kind="closed by default"),
        Case((chain, 0.7, 1.3), {"closed": False},
             label="open, tension and curvature: curvature at the interior vertices 1 .. n-2 only",
             kind="open, both terms"),
        Case((np.array([[1.0, 2.0], [4.0, 6.0]]), 2.0, 5.0), {"closed": False},
             label="two vertices, open: one edge and no curvature", kind="two vertices"),
    ]


def _hidden_internal(rng) -> list[Case]:
    r = _r(rng)
    cases = []
    p = rng.integers(0, 8, size=(3, 2))
    cases.append(Case((p, 0, r(1, 3)), {"closed": False},
                      label="three integer points (the lecture's example), open, curvature only",
                      kind="the lecture's three points"))
    n = r(4, 9)
    cases.append(Case((rng.uniform(0, 30, size=(n, 2)), float(rng.uniform(0.5, 2)), 0.0), {"closed": False},
                      label=f"open, tension only: the {n - 1} edges, no edge from the last vertex back to the first",
                      kind="open, tension only"))
    n = r(4, 9)
    cases.append(Case((rng.uniform(0, 30, size=(n, 2)), float(rng.uniform(0.5, 2)), 0.0), {"closed": True},
                      label=f"closed, {n} vertices, tension only: the edge from the last vertex back to the first "
                            "counts", kind="closed, tension only"))
    n = r(3, 6)
    cases.append(Case((rng.integers(0, 10, size=(n, 2)), 0.0, float(rng.uniform(0.5, 3))), {"closed": True},
                      label=f"closed, {n} integer vertices, curvature only: the curvature at the first and last "
                            "vertices wraps around", kind="closed, curvature only"))
    n = r(5, 15)
    cases.append(Case((rng.uniform(0, 50, size=(n, 2)), float(rng.uniform(0.1, 2)), float(rng.uniform(0.1, 3))),
                      label=f"closed by default (closed not given), {n} vertices, tension and curvature",
                      kind="closed by default"))
    n = r(4, 12)
    cases.append(Case((rng.uniform(0, 50, size=(n, 2)), float(rng.uniform(0.1, 2)), float(rng.uniform(0.1, 3))),
                      {"closed": False}, label=f"open, {n} vertices, tension and curvature: curvature at the "
                                               "interior vertices 1 .. n-2 only", kind="open, both terms"))
    cases.append(Case((rng.uniform(0, 20, size=(2, 2)), float(rng.uniform(0.5, 2)), float(rng.uniform(0.5, 3))),
                      {"closed": False}, label="two vertices, open: one edge and no curvature", kind="two vertices"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# external_energy(v, energy)


def _public_external() -> list[Case]:
    energy = -np.arange(24, dtype=float).reshape(4, 6) ** 1.5 / 10   # (H, W) = (4, 6): every value different
    return [
        Case((np.array([[0, 0], [5, 1], [2, 3], [4, 2]]), energy),
             label="integer (x, y) on a 4 x 6 image: energy[y, x] (row y, column x), not energy[x, y]",
             kind="(x, y) order"),
        Case((np.array([[0.5, 0.0], [3.0, 1.5]]), energy),
             label="half way between two pixels: the mean of the two (bilinear, not the nearest pixel)",
             kind="half way"),
        Case((np.array([[1.25, 0.75], [3.6, 2.2], [0.1, 2.9], [4.5, 0.5]]), energy),
             label="fractional (x, y): bilinear interpolation of the four surrounding pixels", kind="fractional"),
        Case((np.array([[5.0, 3.0], [5.0, 0.5], [2.5, 3.0]]), energy),
             label="on the last column (x = W - 1) and the last row (y = H - 1): no pixel beyond them is read",
             kind="last row and column"),
        Case((np.array([[-2.0, 1.0], [7.5, 2.25], [2.5, -1.0], [3.0, 9.0], [-1.0, -1.0], [6.3, 4.7]]), energy),
             label="beyond the border: coordinates clamped to the image (map_coordinates' mode='nearest')",
             kind="beyond the border"),
        Case((np.array([[2.7, 1.1]]), energy), label="a single vertex", kind="single vertex"),
    ]


def _hidden_external(rng) -> list[Case]:
    r = _r(rng)
    h = r(3, 12)
    w = h + r(2, 10)
    energy = -rng.uniform(0, 1, size=(h, w)) ** 2
    if rng.random() < 0.5:
        energy = energy.T.copy()
        h, w = w, h
    cases = []
    m = r(3, 8)
    pts = np.stack([rng.integers(0, w, size=m), rng.integers(0, h, size=m)], axis=1)
    pts[0] = [w - 1, 0] if w > h else [0, h - 1]   # a coordinate that is out of range on the other axis
    cases.append(Case((pts, energy), label=f"integer (x, y) on a {h} x {w} image: energy[y, x] (row y, column x), "
                                           "not energy[x, y]", kind="(x, y) order"))
    m = r(2, 6)
    x0, y0 = rng.integers(0, w - 1, size=m), rng.integers(0, h - 1, size=m)
    half = np.stack([x0 + 0.5, y0.astype(float)], axis=1)
    half[::2] = np.stack([x0[::2].astype(float), y0[::2] + 0.5], axis=1)
    cases.append(Case((half, energy), label="half way between two pixels: the mean of the two (bilinear, not the "
                                            "nearest pixel)", kind="half way"))
    m = r(4, 12)
    cases.append(Case((np.stack([rng.uniform(0, w - 1, m), rng.uniform(0, h - 1, m)], axis=1), energy),
                      label="fractional (x, y): bilinear interpolation of the four surrounding pixels",
                      kind="fractional"))
    last = np.array([[w - 1, rng.uniform(0, h - 1)], [rng.uniform(0, w - 1), h - 1], [w - 1, h - 1]])
    cases.append(Case((last, energy), label="on the last column (x = W - 1) and the last row (y = H - 1): no pixel "
                                            "beyond them is read", kind="last row and column"))
    out = np.array([[-rng.uniform(0.2, 5), rng.uniform(0, h - 1)], [w - 1 + rng.uniform(0.2, 5), rng.uniform(0, h - 1)],
                    [rng.uniform(0, w - 1), -rng.uniform(0.2, 5)], [rng.uniform(0, w - 1), h - 1 + rng.uniform(0.2, 5)],
                    [-rng.uniform(0.2, 5), h - 1 + rng.uniform(0.2, 5)]])
    cases.append(Case((out[rng.permutation(len(out))], energy),
                      label="beyond the border: coordinates clamped to the image (map_coordinates' mode='nearest')",
                      kind="beyond the border"))
    cases.append(Case((np.array([[rng.uniform(0, w - 1), rng.uniform(0, h - 1)]]), energy), label="a single vertex",
                      kind="single vertex"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# greedy_step(energy, v, alpha, beta, gamma, window=5), closed contours


def _tie_scene(rng, window: int):
    """Integer energies around three vertices far apart, alpha = beta = 0 (each vertex on its own): vertex 0 has two
    best offsets, one first in the order dy-then-dx and the other first in the order dx-then-dy (and last in the
    statement's order); vertex 1 ties between staying and an offset before it; vertex 2 has one best offset."""
    r = window // 2
    order = _offsets(window)
    size = 6 * window + 2
    energy = np.zeros((size, size))
    centres = np.array([[r + 1, r + 1], [size - r - 2, r + 1], [size // 2, size - r - 2]]) + rng.integers(0, 2, (3, 2))
    low = -float(rng.integers(2, 5))
    while True:   # two offsets (dx1, dy1) before (dx2, dy2) in the statement's order, with dx1 > dx2
        a, b = sorted(rng.choice(len(order), size=2, replace=False))
        (dx1, dy1), (dx2, dy2) = order[a], order[b]
        if dy1 < dy2 and dx1 > dx2 and (0, 0) not in (order[a], order[b]):
            break
    (x, y) = centres[0]
    energy[y + dy1, x + dx1] = energy[y + dy2, x + dx2] = low
    earlier = order[int(rng.integers(0, len(order) // 2))]           # an offset before staying
    (x, y) = centres[1]
    energy[y, x] = energy[y + earlier[1], x + earlier[0]] = low
    single = order[int(rng.choice([k for k in range(len(order)) if order[k] != (0, 0)]))]
    (x, y) = centres[2]
    energy[y + single[1], x + single[0]] = low - 1
    return energy, centres.astype(float)


def _between_pixels(rng, n: int, size: int, window: int = 3):
    """A rough energy image (random values, no smoothing) and ``n`` points half way between its pixels, placed so
    that at least three of them rank their candidates differently when the image is read at the nearest pixel
    instead of bilinearly (each point is on its own: the cases using this have no internal energy)."""
    from ..snakes.energies import _bilinear

    offsets = np.array(_offsets(window), dtype=float)
    for _ in range(100):
        energy = -rng.uniform(0, 1, size=(size, size))
        v = np.floor(rng.uniform(3, size - 4, size=(n, 2))) + 0.5
        cand = v[:, None, :] + offsets[None]
        nearest = energy[np.rint(cand[..., 1]).astype(int), np.rint(cand[..., 0]).astype(int)]
        if np.sum(_bilinear(energy, cand).argmin(axis=1) != nearest.argmin(axis=1)) >= 3:
            return energy, v
    raise RuntimeError("no image found where nearest and bilinear reading differ")  # pragma: no cover


def _gauss_seidel(rng):
    """An integer contour, no image force: each vertex's best offset depends on where the one before it went."""
    r = _r(rng)
    n = r(6, 9)
    t = 2 * np.pi * np.arange(n) / n
    radius = r(5, 8)
    v = np.round(np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)) + radius + 3
    spike = r(0, n - 1)
    v[spike] += np.round(2.5 * np.array([np.cos(t[spike]), np.sin(t[spike])]))
    size = int(v.max()) + 6
    return np.zeros((size, size)), v


def _public_greedy() -> list[Case]:
    rng = np.random.default_rng(303)  # fixed: these cases are public
    ties, centres = _tie_scene(rng, 3)
    flat_v = np.array([[3.0, 3.0], [9.0, 4.0], [6.0, 10.0], [2.0, 8.0]])
    gs_energy, gs_v = _gauss_seidel(rng)
    energy, ellipse = _scene(rng, 40, 48)
    weights = {"alpha": 0.04, "beta": 0.8, "gamma": 5.0}
    start5 = _ellipse(rng, ellipse, 16, 1.25)
    start3 = _ellipse(rng, ellipse, 12, 1.1)
    border_energy, border_ellipse = _scene(rng, 24, 30)
    border = _ellipse(rng, (border_ellipse[0], border_ellipse[1], 14.0, 11.0), 10, 1.0)
    return [
        Case((np.zeros((14, 14)), flat_v, 0.0, 0.0, 1.0, 3),
             label="a flat image and no internal energy: every offset ties with staying, so every vertex stays",
             kind="all offsets tie"),
        Case((ties, centres, 0.0, 0.0, 1.0, 3),
             label="ties: vertex 0 has two best offsets (the first in the order dy = -r..r, then dx = -r..r wins), "
                   "vertex 1 ties with staying (it stays), vertex 2 has one best offset", kind="tie order"),
        Case((gs_energy, gs_v, 0.0, 1.0, 0.0, 3),
             label="curvature only, integer vertices: each vertex sees the new positions of the vertices before it "
                   "(Gauss-Seidel, not Jacobi)", kind="Gauss-Seidel"),
        Case((energy, start5, *weights.values()), {"window": 5},
             label="16 vertices around a blurred ellipse, window 5, fractional positions (bilinear sampling)",
             kind="window 5"),
        Case((energy, start3, *weights.values(), 3), label="12 vertices close to the ellipse, window 3",
             kind="window 3"),
        Case((*_between_pixels(rng, 6, 16), 0.0, 0.0, 1.0, 3),
             label="points between pixels, no internal energy: every candidate reads the image bilinearly (not at "
                   "the nearest pixel)", kind="between pixels"),
        Case((border_energy, border, 0.03, 0.5, 4.0), label="a contour crossing the image border, window 5 (the "
                                                            "default): candidates outside sample the clamped border",
             kind="border"),
    ]


def _hidden_greedy(rng) -> list[Case]:
    r = _r(rng)
    cases = []
    n = r(3, 7)
    size = r(10, 20)
    cases.append(Case((np.zeros((size, size)), rng.uniform(2, size - 3, size=(n, 2)), 0.0, 0.0,
                       float(rng.uniform(0.5, 3)), 2 * r(1, 2) + 1),
                      label="a flat image and no internal energy: every offset ties with staying, so every vertex "
                            "stays", kind="all offsets tie"))
    window = 2 * r(1, 2) + 1
    ties, centres = _tie_scene(rng, window)
    cases.append(Case((ties, centres, 0.0, 0.0, float(r(1, 3)), window),
                      label=f"ties in a {window} x {window} window: two best offsets (the first in the order dy = "
                            "-r..r, then dx = -r..r wins), a tie with staying (it stays)", kind="tie order"))
    gs_energy, gs_v = _gauss_seidel(rng)
    cases.append(Case((gs_energy, gs_v, float(r(0, 1)) / 4, float(r(1, 3)), 0.0, 3),
                      label="no image force, integer vertices: each vertex sees the new positions of the vertices "
                            "before it (Gauss-Seidel, not Jacobi)", kind="Gauss-Seidel"))
    energy, ellipse = _scene(rng, r(32, 48), r(32, 48))
    cases.append(Case((energy, _ellipse(rng, ellipse, r(12, 20), rng.uniform(1.1, 1.35)), *_weights(rng).values()),
                      {"window": 5}, label="a snake around a blurred ellipse, window 5, fractional positions",
                      kind="window 5"))
    cases.append(Case((energy, _ellipse(rng, ellipse, r(8, 16), rng.uniform(0.9, 1.1)), *_weights(rng).values(), 3),
                      label="a snake close to the ellipse, window 3", kind="window 3"))
    window = 2 * r(1, 2) + 1
    between, points = _between_pixels(rng, r(4, 8), r(14, 24), window)
    cases.append(Case((between, points, 0.0, 0.0, float(rng.uniform(0.5, 3)), window),
                      label="points between pixels, no internal energy: every candidate reads the image bilinearly "
                            "(not at the nearest pixel)", kind="between pixels"))
    energy, ellipse = _scene(rng, r(20, 28), r(20, 28))
    cx, cy, rx, ry = ellipse
    cases.append(Case((energy, _ellipse(rng, (cx, cy, cx + rng.uniform(0, 1.5), cy - rng.uniform(0, 1.5)), r(8, 12),
                                        1.0), *_weights(rng).values()),
                      label="a contour crossing the image border, window 5: candidates outside sample the clamped "
                            "border", kind="border"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# dp_step(energy, v, alpha, beta, gamma, window=5, pin=0), closed contours


def _public_dp() -> list[Case]:
    rng = np.random.default_rng(304)  # fixed: these cases are public
    energy, ellipse = _scene(rng, 36, 44)
    weights = {"alpha": 0.03, "beta": 0.6, "gamma": 5.0}
    w = tuple(weights.values())
    stalled = _greedy_fixed_point(energy, _ellipse(rng, ellipse, 10, 1.2), weights, 3)
    start = _ellipse(rng, ellipse, 10, 1.15)
    bendy = {"alpha": 0.02, "beta": 4.0, "gamma": 3.0}
    tri_energy, tri_ellipse = _scene(rng, 24, 24)
    optimal = _dp_fixed_point(energy, _ellipse(rng, ellipse, 8, 1.05), weights, 3)
    border_energy, border_ellipse = _scene(rng, 22, 26)
    border = _ellipse(rng, (border_ellipse[0], border_ellipse[1], 12.5, 10.5), 8, 1.0)
    return [
        Case((energy, stalled, *w, 3, 0),
             label="a contour where the greedy step stalls: the programme moves several vertices at once",
             kind="greedy stalls"),
        Case((energy, start, *w, 3, 0), label="10 vertices, window 3, pin = 0: vertices 0 and 1 stay", kind="pin 0"),
        Case((energy, start, *w, 3, 4), label="the same contour, pin = 4: vertices 4 and 5 stay", kind="another pin"),
        Case((energy, start, *w, 3, 9), label="pin = n - 1 = 9: the pinned pair wraps around (vertices 9 and 0)",
             kind="pin wraps around"),
        Case((energy, start, *bendy.values(), 3, 2),
             label="strong curvature (beta = 4): the curvature couples three consecutive vertices",
             kind="strong curvature"),
        Case((energy, _ellipse(rng, ellipse, 7, 1.2), *w), {"window": 5, "pin": 1},
             label="7 vertices, window 5, pin = 1", kind="window 5"),
        Case((*_between_pixels(rng, 6, 16), 0.0, 0.0, 1.0, 3, 2),
             label="points between pixels, no internal energy: every candidate reads the image bilinearly (not at "
                   "the nearest pixel)", kind="between pixels"),
        Case((tri_energy, _ellipse(rng, tri_ellipse, 3, 1.1), 0.05, 0.5, 4.0, 5, 0),
             label="a triangle (n = 3): two vertices pinned, one free", kind="triangle"),
        Case((energy, optimal, *w, 3, 3),
             label="a contour no step can improve: it is returned unchanged, with 0 vertices moved", kind="optimal"),
        Case((border_energy, border, 0.03, 0.5, 4.0, 3, 0),
             label="a contour crossing the image border: candidates outside sample the clamped border", kind="border"),
    ]


def _hidden_dp(rng) -> list[Case]:
    r = _r(rng)
    cases = []
    energy, ellipse = _scene(rng, r(30, 44), r(30, 44))
    weights = _weights(rng)
    w = tuple(weights.values())
    cases.append(Case((energy, _greedy_fixed_point(energy, _ellipse(rng, ellipse, r(8, 12), 1.2), weights, 3), *w,
                       3, 0), label="a contour where the greedy step stalls: the programme moves several vertices",
                      kind="greedy stalls"))
    n = r(8, 14)
    start = _ellipse(rng, ellipse, n, rng.uniform(1.05, 1.25))
    cases.append(Case((energy, start, *w, 3, 0), label=f"{n} vertices, window 3, pin = 0: vertices 0 and 1 stay",
                      kind="pin 0"))
    pin = r(2, n - 2)
    cases.append(Case((energy, start, *w, 3, pin), label=f"pin = {pin}: vertices {pin} and {pin + 1} stay",
                      kind="another pin"))
    cases.append(Case((energy, start, *w, 3, n - 1),
                      label=f"pin = n - 1 = {n - 1}: the pinned pair wraps around (vertices {n - 1} and 0)",
                      kind="pin wraps around"))
    bendy = dict(weights, beta=float(rng.uniform(3, 6)))
    cases.append(Case((energy, start, *bendy.values(), 3, r(0, n - 1)),
                      label="strong curvature: the curvature couples three consecutive vertices",
                      kind="strong curvature"))
    n = r(5, 8)
    cases.append(Case((energy, _ellipse(rng, ellipse, n, rng.uniform(1.1, 1.3)), *w), {"window": 5, "pin": r(0, n - 1)},
                      label=f"{n} vertices, window 5", kind="window 5"))
    between, points = _between_pixels(rng, r(5, 8), r(14, 24))
    cases.append(Case((between, points, 0.0, 0.0, float(rng.uniform(0.5, 3)), 3, r(0, len(points) - 1)),
                      label="points between pixels, no internal energy: every candidate reads the image bilinearly "
                            "(not at the nearest pixel)", kind="between pixels"))
    cases.append(Case((energy, _ellipse(rng, ellipse, 3, rng.uniform(0.9, 1.2)), *w, 2 * r(1, 2) + 1, r(0, 2)),
                      label="a triangle (n = 3): two vertices pinned, one free", kind="triangle"))
    cases.append(Case((energy, _dp_fixed_point(energy, _ellipse(rng, ellipse, r(6, 9), 1.05), weights, 3), *w, 3,
                       r(0, 5)), label="a contour no step can improve: it is returned unchanged, 0 vertices moved",
                      kind="optimal"))
    energy, ellipse = _scene(rng, r(20, 26), r(20, 26))
    cx, cy, _, _ = ellipse
    cases.append(Case((energy, _ellipse(rng, (cx, cy, cx + rng.uniform(0, 1.5), cy - rng.uniform(0, 1.5)), r(6, 9),
                                        1.0), *_weights(rng).values(), 3, 0),
                      label="a contour crossing the image border: candidates outside sample the clamped border",
                      kind="border"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# the exercises

exercise = chapter(NOTEBOOK, forbidden=_FORBIDDEN, modules=("numpy",))

_STEP = allclose(rtol=1e-9, atol=1e-9, names=("contour", "n_moved"))

exercise(
    id="snakes.internal_energy", function="internal_energy", reference="coursekit.snakes.internal_energy",
    public=_public_internal, hidden=_hidden_internal, compare=allclose(rtol=1e-9, atol=1e-9), points=2,
    hint="with v as a float array, nxt = np.roll(v, -1, axis=0) and prv = np.roll(v, 1, axis=0): tension terms "
         "alpha * ((nxt - v) ** 2).sum(axis=1), curvature terms beta * ((nxt - 2 * v + prv) ** 2).sum(axis=1) "
         "(squared norms, and the 2); closed: sum them all; open: the tension terms [:-1] (no edge from the last "
         "vertex back to the first) and the curvature terms [1:-1]. Return a float.",
)

exercise(
    id="snakes.external_energy", function="external_energy", reference="coursekit.snakes.external_energy",
    public=_public_external, hidden=_hidden_external, compare=allclose(rtol=1e-9, atol=1e-12), points=2,
    hint="x = np.clip(v[:, 0], 0, W - 1), y = np.clip(v[:, 1], 0, H - 1) (x is the column, y the row); "
         "x0 = np.minimum(np.floor(x).astype(int), W - 2) (so that x0 + 1 is a column even on the last one; the same "
         "for y0 with H - 2), fx = x - x0, fy = y - y0; the value is (1 - fy) * ((1 - fx) * E[y0, x0] + "
         "fx * E[y0, x0 + 1]) + fy * ((1 - fx) * E[y0 + 1, x0] + fx * E[y0 + 1, x0 + 1]); return the sum over the "
         "vertices.",
)

exercise(
    id="snakes.greedy_step", function="greedy_step", reference="coursekit.snakes.greedy_step",
    public=_public_greedy, hidden=_hidden_greedy, compare=_STEP, points=3,
    hint="new = np.array(v, dtype=float) (a copy); for i in range(n): for each offset (dx, dy) in the order "
         "dy = -r..r, then dx = -r..r, put new[i] = old position + offset in a copy and compute the total energy "
         "internal_energy(...) + gamma * external_energy(...) of that copy (with the vertices before i where they "
         "moved to); keep the offset of the least energy, staying when staying is among the least "
         "(e[stay] == e.min()), else the first; count the vertices that moved. Return (new, n_moved).",
)

exercise(
    id="snakes.dp_step", function="dp_step", reference="coursekit.snakes.dp_step",
    public=_public_dp, hidden=_hidden_dp, compare=_STEP, points=4,
    hint="rotate: u = np.roll(v, -pin, axis=0), so that the pinned pair is u[0], u[1]; candidates "
         "c[i] = u[i] + offsets (k = window**2 of them), c[0] and c[1] only their current position. Table "
         "S[b, c] for vertices 1, 2: the terms that involve only u[0], u[1], u[2]; then for i = 3 .. n-1: "
         "S_new[b, c] = min over a of (S[a, b] + beta ||c - 2b + a||^2) + alpha ||c - b||^2 + gamma E(c), keeping the "
         "argmin a of each (b, c) for the way back; at the end add the terms that wrap around (tension u[n-1]-u[0], "
         "curvature at u[n-1] and at u[0]), take the best (b, c), follow the argmins back, and roll the result by "
         "+pin. Keep v when the minimum is not below its energy.",
)


# ---------------------------------------------------------------------------------------------------------------
# the demo's partially correct submission: the internal energy right, the external energy read at the nearest pixel,
# the steps left as the submitted stubs. `coursekit samples` builds it from the released notebook.

PARTIAL_SAMPLE = {
    "correct": ("internal_energy",),
    "wrong": {
        "external_energy": '''def external_energy(v, energy):
    """External energy: the energy image summed over the vertices."""
    # Mistake: the nearest pixel instead of bilinear interpolation.
    v = np.asarray(v, dtype=float)
    energy = np.asarray(energy, dtype=float)
    h, w = energy.shape
    x = np.clip(np.rint(v[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.rint(v[:, 1]).astype(int), 0, h - 1)
    return float(energy[y, x].sum())''',
    },
}
