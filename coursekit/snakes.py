"""Snakes (active contours): a discrete contour minimizing an energy, greedily or by dynamic programming.

Notation (as in the lecture)
----------------------------
A contour is an ``(n, 2)`` float array ``v`` of vertices ``v_i = (x_i, y_i)``: ``x`` the column, ``y`` the row
(scikit-image's ``active_contour`` takes ``(row, col)``: swap the columns, ``v[:, ::-1]``, when handing one over).
A contour is closed (indices modulo ``n``) unless ``closed=False``. Its energy is

    ``E(v) = E_int(v) + gamma * E_ext(v) + lambda * E_prior(v)``

- **internal energy** (:func:`internal_energy`), tension and curvature:
  ``E_int = sum_i alpha ||v_{i+1} - v_i||^2 + beta ||v_{i+1} - 2 v_i + v_{i-1}||^2``.
  The squared tension alone pulls every vertex towards its neighbours and so shrinks a snake to a point;
  ``tension="spacing"`` uses ``alpha (dbar - ||v_{i+1} - v_i||)^2`` instead, with ``dbar`` the mean spacing of the
  contour, which keeps the vertices evenly spread without shrinking (Williams & Shah 1992).
- **external energy** (:func:`external_energy`): ``E_ext = sum_i E_image(v_i)``, an energy image sampled bilinearly
  at the vertices; for edges (:func:`edge_energy`) ``E_image = -(G_x^2 + G_y^2)``, the squared gradient magnitude of
  the smoothed image with a minus sign, low on edges.
- **shape prior** (:func:`shape_prior_energy`): ``E_prior = sum_i ||v_i - vhat_i||^2``, pulling towards a template
  ``vhat`` with weight ``lambda`` (``prior_weight``). The steps take it as ``prior=vhat, prior_weight=lambda``: one
  more term of each vertex alone, like the image term, the template staying where it is.

Minimization over a discrete search space: each vertex may move by an integer offset ``(dx, dy)`` in a
``window x window`` neighbourhood (``r = window // 2``, so ``dx, dy in -r..r``).

- **greedy** (:func:`greedy_step`, Williams & Shah 1992): vertices in turn, each to its best offset with the others
  where they are at that moment. Cheap, but one vertex at a time: it stalls where moving two together would help.
- **dynamic programming** (:func:`dp_step`, Amini, Weymouth & Jain 1990): the exact minimum over all
  ``window^(2n)`` combinations of offsets, by the Viterbi algorithm. The curvature couples three consecutive vertices,
  so the states of the programme are *pairs* of consecutive positions:

      ``S_{i+1}(b, c) = min_a [S_i(a, b) + beta ||c - 2b + a||^2] + alpha ||c - b||^2 + U_{i+1}(c)``

  with ``U_i(c) = gamma E_image(c) + lambda ||c - vhat_i||^2`` the terms of a single vertex. A closed contour is no
  chain, so two consecutive vertices stay pinned where they are: the rest is a chain with known ends, and the step
  is exact and never worse than the current contour. :func:`snake_dp` moves the pinned pair around the contour.

:func:`snake_greedy` and :func:`snake_dp` iterate their steps until nothing moves; the energy never increases.
The original snakes (Kass, Witkin & Terzopoulos) move all vertices at once by a semi-implicit gradient step; that is
what :func:`skimage.segmentation.active_contour` does (there ``gamma`` is a step size, not the weight above).

References
----------
.. [1] M. Kass, A. Witkin, D. Terzopoulos, "Snakes: Active contour models", International Journal of Computer Vision
   1(4):321-331, 1988 (first presented at ICCV 1987).
.. [2] D. J. Williams, M. Shah, "A fast algorithm for active contours and curvature estimation", CVGIP: Image
   Understanding 55(1):14-26, 1992.
.. [3] A. A. Amini, T. E. Weymouth, R. C. Jain, "Using dynamic programming for solving variational problems in
   vision", IEEE Transactions on Pattern Analysis and Machine Intelligence 12(9):855-867, 1990.

Examples
--------
A blurred disc of radius 10 and a snake started on a circle of radius 13 around it:

>>> import numpy as np
>>> from scipy import ndimage
>>> yy, xx = np.mgrid[:40, :40]
>>> image = ndimage.gaussian_filter(((xx - 20) ** 2 + (yy - 20) ** 2 < 100).astype(float), 1.5)
>>> energy = edge_energy(image, sigma=0)
>>> result = snake_dp(energy, circle((20, 20), 13, 24), alpha=0.05, beta=0.1, gamma=200)
>>> radii = np.hypot(*(result.contour - 20).T)
>>> bool(abs(radii.mean() - 10) < 1), bool(np.all(np.diff(result.energies) <= 0))
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from ._checks import check_int, check_nonneg

__all__ = [
    "internal_energy",
    "edge_energy",
    "external_energy",
    "shape_prior_energy",
    "total_energy",
    "greedy_step",
    "dp_step",
    "snake_greedy",
    "snake_dp",
    "SnakeResult",
    "circle",
]

_TENSIONS = ("squared", "spacing")

# Two energies that differ by less than this (relative to the size of the terms) count as equal: a vertex never
# moves for a gain that is only rounding, which keeps the energy from creeping up and a snake from cycling.
_RTOL = 1e-10


# ---------------------------------------------------------------------------------------------------------------
# validation


def _real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; TypeError when it is not an array of real numbers."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array, got a ragged sequence ({error})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got an array of dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    return arr


def _contour(v, closed: bool, name: str = "v") -> np.ndarray:
    """A contour: an ``(n, 2)`` finite float array, ``n >= 3`` when closed and ``n >= 2`` when open."""
    arr = _real_array(v, name)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) (one (x, y) row per vertex), got shape {arr.shape}")
    least = 3 if closed else 2
    if len(arr) < least:
        raise ValueError(f"a{' closed' if closed else 'n open'} contour needs at least {least} vertices, "
                         f"{name} has {len(arr)}")
    return arr


def _energy_image(energy, name: str = "energy") -> np.ndarray:
    arr = _real_array(energy, name)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D (H, W) array, got shape {arr.shape}")
    return arr


def _closed(closed) -> bool:
    if not isinstance(closed, (bool, np.bool_)):
        raise TypeError(f"closed must be True or False, got {type(closed).__name__} {closed!r}")
    return bool(closed)


def _tension_kind(tension) -> str:
    if not isinstance(tension, str):
        raise TypeError(f"tension must be a string, one of {_TENSIONS}, got {type(tension).__name__}")
    if tension not in _TENSIONS:
        raise ValueError(f"tension must be one of {_TENSIONS}, got {tension!r}")
    return tension


def _window(window) -> int:
    window = check_int(window, "window", 1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd (the current position at its centre), got {window}")
    return window


def _prior(prior, prior_weight, n: int):
    """The template (or None) and its weight; a positive weight needs a template of n vertices."""
    prior_weight = check_nonneg(prior_weight, "prior_weight")
    if prior is None:
        if prior_weight > 0:
            raise ValueError(f"prior_weight is {prior_weight} but no prior (template contour) was given")
        return None, 0.0
    prior = _contour(prior, closed=False, name="prior")
    if len(prior) != n:
        raise ValueError(f"prior must have one vertex per contour vertex: {n} expected, got {len(prior)}")
    return prior, prior_weight


def _weights(alpha, beta, gamma):
    return check_nonneg(alpha, "alpha"), check_nonneg(beta, "beta"), check_nonneg(gamma, "gamma")


# ---------------------------------------------------------------------------------------------------------------
# the terms, one equation each; p, q, r broadcast, with (x, y) on the last axis


def _squared_norm(d: np.ndarray) -> np.ndarray:
    return d[..., 0] ** 2 + d[..., 1] ** 2


def _tension(p, q, alpha: float, dbar: float | None) -> np.ndarray:
    """``alpha ||q - p||^2``, or ``alpha (dbar - ||q - p||)^2`` (even spacing) when ``dbar`` is a number."""
    if dbar is None:
        return alpha * _squared_norm(q - p)
    return alpha * (dbar - np.sqrt(_squared_norm(q - p))) ** 2


def _curvature(p, q, r, beta: float) -> np.ndarray:
    """``beta ||r - 2 q + p||^2``, the squared second difference at ``q``."""
    return beta * _squared_norm(r - 2 * q + p)


def _bilinear(energy: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``energy`` at the ``(x, y)`` points, interpolated bilinearly, coordinates clamped to the image."""
    h, w = energy.shape
    x = np.clip(points[..., 0], 0, w - 1)
    y = np.clip(points[..., 1], 0, h - 1)
    x0 = np.minimum(np.floor(x).astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(np.floor(y).astype(np.intp), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = x - x0, y - y0
    top = (1 - fx) * energy[y0, x0] + fx * energy[y0, x1]
    bottom = (1 - fx) * energy[y1, x0] + fx * energy[y1, x1]
    return (1 - fy) * top + fy * bottom


def _mean_spacing(v: np.ndarray, closed: bool) -> float:
    """``dbar``: the mean of ``||v_{i+1} - v_i||`` over the contour's edges (``n`` closed, ``n - 1`` open)."""
    edges = np.roll(v, -1, axis=0) - v if closed else np.diff(v, axis=0)
    return float(np.sqrt(_squared_norm(edges)).mean())


def _dbar(v: np.ndarray, closed: bool, tension: str, dbar) -> float | None:
    """The target spacing the tension uses: None for squared tension."""
    if tension == "squared":
        return None
    return _mean_spacing(v, closed) if dbar is None else check_nonneg(dbar, "dbar")


def _offsets(window: int) -> np.ndarray:
    """The ``window^2`` integer offsets ``(dx, dy)`` in the order dy = -r..r, then dx = -r..r."""
    r = window // 2
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    return np.stack([dx.ravel(), dy.ravel()], axis=1).astype(np.float64)


# ---------------------------------------------------------------------------------------------------------------
# energies


def internal_energy(v, alpha, beta, closed=True, *, tension="squared", dbar=None) -> float:
    """Internal energy of a contour: tension plus curvature.

    ``E_int = sum_i alpha ||v_{i+1} - v_i||^2 + beta ||v_{i+1} - 2 v_i + v_{i-1}||^2``, indices modulo ``n`` when
    the contour is closed; when open, tension over ``i = 0..n-2`` and curvature over ``i = 1..n-2``. With
    ``tension="spacing"`` the tension term is ``alpha (dbar - ||v_{i+1} - v_i||)^2``.

    Parameters
    ----------
    v : array_like, shape (n, 2)
        Vertices ``(x, y)``; ``n >= 3`` when closed, ``n >= 2`` when open.
    alpha, beta : float
        Weights of tension and curvature, ``>= 0``.
    closed : bool
        Whether ``v_{n-1}`` connects back to ``v_0``.
    tension : {"squared", "spacing"}
        ``"squared"``: ``alpha ||v_{i+1} - v_i||^2`` (shrinks the contour); ``"spacing"``: ``alpha (dbar -
        ||v_{i+1} - v_i||)^2`` (keeps the vertices evenly spread).
    dbar : float, optional
        Target spacing of ``tension="spacing"``; by default the mean spacing of ``v`` itself.

    Returns
    -------
    float

    References
    ----------
    Kass, Witkin & Terzopoulos 1988; Williams & Shah 1992 (the spacing term).

    Examples
    --------
    The lecture's three points, curvature only (``alpha = 0``, ``beta = 1``): a sharp bend costs
    ``||(5, 1) - 2 (3, 5) + (1, 1)||^2 = ||(0, -8)||^2 = 64``, a gentle one ``||(0, -2)||^2 = 4``.

    >>> internal_energy([[1, 1], [3, 5], [5, 1]], alpha=0, beta=1, closed=False)
    64.0
    >>> internal_energy([[1, 1], [3, 2], [5, 1]], alpha=0, beta=1, closed=False)
    4.0
    """
    closed = _closed(closed)
    v = _contour(v, closed)
    alpha, beta = check_nonneg(alpha, "alpha"), check_nonneg(beta, "beta")
    return _internal(v, alpha, beta, closed, _dbar(v, closed, _tension_kind(tension), dbar))


def _internal(v, alpha, beta, closed, dbar) -> float:
    """:func:`internal_energy` of validated arguments (``dbar`` None for squared tension)."""
    after, before = np.roll(v, -1, axis=0), np.roll(v, 1, axis=0)
    tension_terms = _tension(v, after, alpha, dbar)              # edge (i, i+1)
    curvature_terms = _curvature(before, v, after, beta)         # centred at i
    if not closed:
        tension_terms, curvature_terms = tension_terms[:-1], curvature_terms[1:-1]
    return float(tension_terms.sum() + curvature_terms.sum())


def edge_energy(image, sigma) -> np.ndarray:
    """Edge energy image ``E_image = -(G_x^2 + G_y^2)``: low on strong edges.

    ``G_x, G_y`` are the central differences (:func:`numpy.gradient`) of the image smoothed by
    ``scipy.ndimage.gaussian_filter(image, sigma)``; ``sigma = 0`` means no smoothing. Smoothing widens the valleys
    so that a snake feels an edge from further away, at the price of blurring nearby edges together.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Grey image, ``H, W >= 2``.
    sigma : float
        Standard deviation of the Gaussian, in pixels, ``>= 0``.

    Returns
    -------
    numpy.ndarray, shape (H, W), float64

    References
    ----------
    Kass, Witkin & Terzopoulos 1988, section 3.2.

    Examples
    --------
    >>> edge_energy([[0, 0, 1, 1]] * 3, sigma=0)[0]
    array([ 0.  , -0.25, -0.25,  0.  ])
    """
    image = _real_array(image, "image")
    if image.ndim != 2 or min(image.shape) < 2:
        raise ValueError(f"image must be a 2-D (H, W) array with H, W >= 2, got shape {image.shape}")
    sigma = check_nonneg(sigma, "sigma")
    smooth = gaussian_filter(image, sigma) if sigma > 0 else image
    gy, gx = np.gradient(smooth)  # derivatives along rows (y), then columns (x)
    return 0.0 - (gx ** 2 + gy ** 2)  # (0.0 - so that flat regions read 0, not -0)


def external_energy(v, energy) -> float:
    """External energy ``E_ext = sum_i E_image(x_i, y_i)``, the energy image sampled bilinearly at the vertices.

    Coordinates outside the image are clamped to its border; the result equals
    ``scipy.ndimage.map_coordinates(energy, [y, x], order=1, mode="nearest").sum()``.

    Parameters
    ----------
    v : array_like, shape (n, 2)
        Vertices ``(x, y)``, ``n >= 1``.
    energy : array_like, shape (H, W)
        Energy image, e.g. from :func:`edge_energy`.

    Returns
    -------
    float

    Examples
    --------
    Half way between two pixels, and beyond the right border:

    >>> external_energy([[0.5, 0.0], [7.0, 1.0]], [[0.0, 1.0], [2.0, 4.0]])
    4.5
    """
    v = _real_array(v, "v")
    if v.ndim != 2 or v.shape[1] != 2 or len(v) == 0:
        raise ValueError(f"v must have shape (n, 2) with n >= 1, got shape {v.shape}")
    return float(_bilinear(_energy_image(energy), v).sum())


def shape_prior_energy(v, v_hat) -> float:
    """Shape-prior energy ``E_prior = sum_i ||v_i - vhat_i||^2``, the squared distance to a template.

    Parameters
    ----------
    v, v_hat : array_like, shape (n, 2)
        Contour and template, vertex ``i`` of one matched to vertex ``i`` of the other.

    Returns
    -------
    float

    Examples
    --------
    >>> shape_prior_energy([[0, 0], [1, 1]], [[0, 2], [1, 1]])
    4.0
    """
    v = _contour(v, closed=False)
    v_hat = _contour(v_hat, closed=False, name="v_hat")
    if v.shape != v_hat.shape:
        raise ValueError(f"v and v_hat must have the same shape, got {v.shape} and {v_hat.shape}")
    return float(_squared_norm(v - v_hat).sum())


def total_energy(v, energy, alpha, beta, gamma, prior=None, prior_weight=0.0, closed=True, *, tension="squared",
                 dbar=None) -> float:
    """Total energy ``E = E_int + gamma E_ext + lambda E_prior`` (``lambda`` is ``prior_weight``).

    Parameters
    ----------
    v : array_like, shape (n, 2)
        Vertices ``(x, y)``.
    energy : array_like, shape (H, W)
        Energy image ``E_image`` (e.g. from :func:`edge_energy`).
    alpha, beta, gamma : float
        Weights of tension, curvature and external energy, ``>= 0``.
    prior : array_like, shape (n, 2), optional
        Template ``vhat``; needed when ``prior_weight > 0``.
    prior_weight : float
        ``lambda >= 0``.
    closed, tension, dbar
        As in :func:`internal_energy`.

    Returns
    -------
    float

    Examples
    --------
    >>> v = [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0]]
    >>> total_energy(v, -np.ones((4, 4)), alpha=1, beta=0, gamma=2, prior=np.ones((3, 2)), prior_weight=0.5)
    -0.5

    Tension ``1 + 1 + 2 = 4``, external ``2 (-3) = -6``, prior ``0.5 (0 + 1 + 2) = 1.5``.
    """
    closed = _closed(closed)
    v = _contour(v, closed)
    alpha, beta, gamma = _weights(alpha, beta, gamma)
    energy = _energy_image(energy)
    prior, prior_weight = _prior(prior, prior_weight, len(v))
    dbar = _dbar(v, closed, _tension_kind(tension), dbar)
    return _total(v, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar)


def _total(v, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar) -> float:
    """:func:`total_energy` of validated arguments (``dbar`` None for squared tension)."""
    total = _internal(v, alpha, beta, closed, dbar) + gamma * _bilinear(energy, v).sum()
    if prior is not None:
        total += prior_weight * _squared_norm(v - prior).sum()
    return float(total)


# ---------------------------------------------------------------------------------------------------------------
# one step


def _unary(energy, points, gamma, prior_i, prior_weight) -> np.ndarray:
    """``U_i(p) = gamma E_image(p) + lambda ||p - vhat_i||^2``: the terms of one vertex alone."""
    u = gamma * _bilinear(energy, points)
    if prior_i is not None:
        u = u + prior_weight * _squared_norm(points - prior_i)
    return u


def _vertex_energy(v, i, cand, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar) -> np.ndarray:
    """For each candidate position ``cand[k]`` of vertex ``i``, the sum of every term of ``E`` that contains
    ``v_i`` (the others fixed): its unary term, two tension terms and the curvatures at ``i - 1``, ``i``, ``i + 1``.
    It differs from the total energy by a constant."""
    n = len(v)

    def point(j):
        return cand if j % n == i else v[j % n]

    def exists(j):  # an index along an open contour must stay inside it
        return closed or 0 <= j < n

    e = _unary(energy, cand, gamma, None if prior is None else prior[i], prior_weight)
    for a in (i - 1, i):
        if exists(a) and exists(a + 1):
            e = e + _tension(point(a), point(a + 1), alpha, dbar)
    for c in (i - 1, i, i + 1):
        if exists(c - 1) and exists(c + 1):
            e = e + _curvature(point(c - 1), point(c), point(c + 1), beta)
    return e


def _greedy_step(energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, dbar):
    offsets = _offsets(window)
    stay = len(offsets) // 2
    v = v.copy()
    moved = 0
    for i in range(len(v)):
        cand = v[i] + offsets
        e = _vertex_energy(v, i, cand, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar)
        tol = _RTOL * (1.0 + np.abs(e).max())
        best = stay if e[stay] <= e.min() + tol else int(np.argmax(e <= e.min() + tol))
        if best != stay:
            v[i] = cand[best]
            moved += 1
    return v, moved


def greedy_step(energy, v, alpha, beta, gamma, window=5, *, prior=None, prior_weight=0.0, closed=True,
                tension="squared"):
    """One greedy sweep (Williams & Shah 1992): each vertex in turn moves to its best position in its window.

    For ``i = 0..n-1``, vertex ``v_i`` moves to the integer offset ``(dx, dy)``, ``|dx|, |dy| <= window // 2``, that
    minimizes the total energy ``E`` with the other vertices where they are at that moment (vertices before ``i``
    have already moved). On a tie (energies equal up to rounding) it stays if staying is among the best, else it takes
    the first best offset in the order dy = -r..r, then dx = -r..r. No move increases ``E``.

    Parameters
    ----------
    energy : array_like, shape (H, W)
        Energy image ``E_image``.
    v : array_like, shape (n, 2)
        Current contour ``(x, y)``.
    alpha, beta, gamma : float
        Weights of tension, curvature and external energy, ``>= 0``.
    window : int
        Odd side of the square search window, ``>= 1``.
    prior, prior_weight
        Shape prior ``vhat`` and its weight ``lambda``, as in :func:`total_energy`: a unary term
        ``lambda ||v_i - vhat_i||^2`` of each vertex, the template staying where it is.
    closed : bool
        Whether the contour is closed.
    tension : {"squared", "spacing"}
        As in :func:`internal_energy`; for ``"spacing"``, ``dbar`` is the mean spacing of ``v`` at the start of the
        sweep, kept for the whole sweep (it is the ``dbar`` that minimizes the tension of any contour's spacings, so
        the energy with the new contour's own ``dbar`` is lower still).

    Returns
    -------
    contour : numpy.ndarray, shape (n, 2)
        The new contour (``v`` itself is not changed).
    n_moved : int
        How many vertices moved.

    References
    ----------
    Williams & Shah 1992.

    Examples
    --------
    Curvature only, no image force: each vertex in turn lessens the bend, seeing where the ones before it went.

    >>> greedy_step(np.zeros((9, 9)), [[1, 4], [3, 2], [5, 4]], alpha=0, beta=1, gamma=0, window=3, closed=False)
    (array([[1., 3.],
           [3., 3.],
           [5., 3.]]), 3)
    """
    closed = _closed(closed)
    v = _contour(v, closed)
    energy = _energy_image(energy)
    alpha, beta, gamma = _weights(alpha, beta, gamma)
    window = _window(window)
    prior, prior_weight = _prior(prior, prior_weight, len(v))
    dbar = _dbar(v, closed, _tension_kind(tension), None)
    return _greedy_step(energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, dbar)


def _viterbi(v, offsets, unary, alpha, beta, dbar, closing=None) -> tuple[np.ndarray, float]:
    """Minimum over one offset per vertex of an open chain's energy: the unary terms ``unary[i, k]`` of vertex
    ``i`` at ``v[i] + offsets[k]``, tension of consecutive and curvature of three consecutive vertices, plus
    ``closing(a, b)`` of the last two (the terms of a closed contour that wrap around). Returns the chosen offset
    indices and the minimum.

    ``S(a, b)``: the least energy of vertices ``0..i`` with ``v_{i-1}`` at offset ``a`` and ``v_i`` at offset ``b``.
    Candidates share one offset grid, so the second difference of candidates ``(a, b, c)`` is the current one plus
    that of the offsets, ``d_i + O_abc`` with ``d_i = v_{i-1} - 2 v_i + v_{i+1}`` and ``O_abc = o_a - 2 o_b + o_c``:
    the curvature term ``beta ||d_i + O_abc||^2 = beta ||d_i||^2 + 2 beta d_i . O_abc + beta ||O_abc||^2`` needs
    tables of ``O`` computed once per step, not once per vertex. The tables ``S`` are kept for the way back, where
    the best ``a`` of each ``(b, c)`` on the path is found again.
    """
    n, k = len(v), len(offsets)
    O = offsets[:, None, None] - 2 * offsets[None, :, None] + offsets[None, None, :]   # (k, k, k, 2)
    O_flat, O_curv = np.ascontiguousarray(O.reshape(-1, 2).T), beta * _squared_norm(O)
    cands = v[:, None, :] + offsets[None, :, :]                                      # (n, k, 2)
    # the terms of each pair (v_i at b, v_{i+1} at c): tension, and the unary term of v_{i+1}
    pair = _tension(cands[:-1, :, None], cands[1:, None, :], alpha, dbar) + unary[1:, None, :]   # (n - 1, k, k)
    d = v[:-2] - 2 * v[1:-1] + v[2:]                                                 # d_i, i = 1..n-2
    S = unary[0][:, None] + pair[0]
    tables = [S]
    for i in range(1, n - 1):
        d_i = d[i - 1]
        M = ((2 * beta * d_i) @ O_flat).reshape(k, k, k)                  # over (a, b, c): 2 beta d_i . O_abc
        M += O_curv                                                         # + beta ||O_abc||^2
        M += (S + beta * (d_i @ d_i))[:, :, None]                           # + beta ||d_i||^2 + S(a, b)
        S = M.min(axis=0) + pair[i]                                         # S(b, c)
        tables.append(S)
    if closing is not None:
        S = S + closing(cands[n - 2][:, None], cands[n - 1][None, :])
    b, c = np.unravel_index(int(S.argmin()), S.shape)
    path = [int(c), int(b)]                                                 # offsets of v_{n-1}, v_{n-2}, ...
    for i in range(n - 2, 0, -1):  # the offset a of v_{i-1} that gave the minimum, given b of v_i and c of v_{i+1}
        b, c = path[-1], path[-2]
        path.append(int(np.argmin(tables[i - 1][:, b] + _curvature(cands[i - 1], cands[i][b], cands[i + 1][c],
                                                                    beta))))
    return np.array(path[::-1]), float(S.min())


def _dp_step(energy, v, alpha, beta, gamma, window, pin, prior, prior_weight, closed, dbar):
    n = len(v)
    offsets = _offsets(window)
    if closed:  # rotate so that the pinned pair is v_0, v_1
        v_rot = np.roll(v, -pin, axis=0)
        prior_rot = None if prior is None else np.roll(prior, -pin, axis=0)
    else:
        v_rot, prior_rot = v, prior
    cands = v_rot[:, None, :] + offsets[None, :, :]
    unary = _unary(energy, cands, gamma, None if prior_rot is None else prior_rot[:, None, :], prior_weight)
    closing = None
    if closed:
        moves = np.arange(len(offsets)) != len(offsets) // 2
        unary[:2, moves] = np.inf            # a pinned vertex may only stay: every other offset costs infinity
        v0, v1 = v_rot[0], v_rot[1]

        def closing(a, b):  # the terms of a closed contour that involve v_{n-1} and v_0
            return _tension(b, v0, alpha, dbar) + _curvature(a, b, v0, beta) + _curvature(b, v0, v1, beta)

    choice, minimum = _viterbi(v_rot, offsets, unary, alpha, beta, dbar, closing)
    new = v_rot + offsets[choice]
    if closed:
        new = np.roll(new, pin, axis=0)
    # keep the current contour unless the minimum is lower by more than rounding
    current = _total(v, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar)
    scale = abs(current) + 2 * gamma * np.abs(_bilinear(energy, v)).sum()
    if minimum >= current - _RTOL * (1.0 + scale):
        return v.copy(), 0
    return new, int(np.any(new != v, axis=1).sum())


def dp_step(energy, v, alpha, beta, gamma, window=5, pin=0, *, prior=None, prior_weight=0.0, closed=True,
            tension="squared"):
    """One dynamic-programming step (Amini, Weymouth & Jain 1990): the best contour within the windows, exactly.

    Minimizes the total energy ``E`` over all contours whose every vertex takes one of the ``window^2`` integer
    offsets around its current position, by the Viterbi algorithm over pairs of consecutive positions (the curvature
    term couples three vertices):

        ``S_{i+1}(b, c) = min_a [S_i(a, b) + beta ||c - 2b + a||^2] + alpha ||c - b||^2 + U_{i+1}(c)``

    with ``U_i(c) = gamma E_image(c) + lambda ||c - vhat_i||^2`` (and ``alpha (dbar - ||c - b||)^2`` for the spacing
    tension), and the minimum read off the last table. Cost
    ``O(n window^6)`` time, ``O(n window^4)`` memory. For a closed contour vertices ``pin`` and ``pin + 1`` (mod
    ``n``) stay where they are, which makes the rest a chain with known ends, so the step is exact; for an open
    contour nothing is pinned. The current contour is one of the choices, so ``E`` never increases; the contour is
    kept unless the minimum is lower by more than rounding.

    Parameters
    ----------
    energy : array_like, shape (H, W)
        Energy image ``E_image``.
    v : array_like, shape (n, 2)
        Current contour ``(x, y)``.
    alpha, beta, gamma : float
        Weights of tension, curvature and external energy, ``>= 0``.
    window : int
        Odd side of the square search window, ``>= 1``.
    pin : int
        First vertex of the pinned pair of a closed contour, ``0 <= pin < n`` (ignored when open).
    prior, prior_weight
        Shape prior ``vhat`` and its weight ``lambda`` (a unary term of each vertex, as in :func:`greedy_step`).
    closed : bool
        Whether the contour is closed.
    tension : {"squared", "spacing"}
        As in :func:`greedy_step` (``dbar`` of ``v``, fixed during the step).

    Returns
    -------
    contour : numpy.ndarray, shape (n, 2)
        The minimizing contour (``v`` itself is not changed).
    n_moved : int
        How many vertices moved.

    References
    ----------
    Amini, Weymouth & Jain 1990.

    Examples
    --------
    An edge two rows below a straight contour: a greedy step stalls, since any vertex moving alone bends the
    contour more than the edge pays back; the programme moves all three together.

    >>> energy = np.zeros((9, 9)); energy[6, 1:6] = -1
    >>> v = [[1, 4], [3, 4], [5, 4]]
    >>> greedy_step(energy, v, alpha=1, beta=1, gamma=1, closed=False, tension="spacing")[1]
    0
    >>> dp_step(energy, v, alpha=1, beta=1, gamma=1, closed=False, tension="spacing")
    (array([[1., 6.],
           [3., 6.],
           [5., 6.]]), 3)
    """
    closed = _closed(closed)
    v = _contour(v, closed)
    energy = _energy_image(energy)
    alpha, beta, gamma = _weights(alpha, beta, gamma)
    window = _window(window)
    pin = check_int(pin, "pin", 0)
    if closed and pin >= len(v):
        raise ValueError(f"pin must be a vertex index, 0 <= pin < {len(v)}, got {pin}")
    prior, prior_weight = _prior(prior, prior_weight, len(v))
    dbar = _dbar(v, closed, _tension_kind(tension), None)
    return _dp_step(energy, v, alpha, beta, gamma, window, pin, prior, prior_weight, closed, dbar)


# ---------------------------------------------------------------------------------------------------------------
# iterating


@dataclass(frozen=True, eq=False)
class SnakeResult:
    """Result of :func:`snake_greedy` and :func:`snake_dp`.

    Attributes
    ----------
    contour : numpy.ndarray, shape (n, 2)
        Final contour ``(x, y)``.
    energies : numpy.ndarray, shape (n_iter + 1,)
        Total energy of the initial contour, then after every iteration; never increasing.
    n_iter : int
        Number of steps run.
    converged : bool
        Whether the iterations stopped because nothing moved (rather than at ``max_iter``).
    """

    contour: np.ndarray
    energies: np.ndarray
    n_iter: int
    converged: bool


def _snake(step, energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, tension, max_iter, quiet_steps):
    """Run ``step(v, k)`` until ``quiet_steps`` steps in a row move nothing, or ``max_iter`` steps."""
    closed = _closed(closed)
    v = _contour(v, closed)
    energy = _energy_image(energy)
    alpha, beta, gamma = _weights(alpha, beta, gamma)
    window = _window(window)
    prior, prior_weight = _prior(prior, prior_weight, len(v))
    tension = _tension_kind(tension)
    max_iter = check_int(max_iter, "max_iter", 1)

    def energy_of(contour):
        return _total(contour, energy, alpha, beta, gamma, prior, prior_weight, closed,
                      _dbar(contour, closed, tension, None))

    energies, quiet, k = [energy_of(v)], 0, 0
    while k < max_iter and quiet < quiet_steps:
        dbar = _dbar(v, closed, tension, None)
        v, moved = step(energy, v, alpha, beta, gamma, window, k, prior, prior_weight, closed, dbar)
        energies.append(energy_of(v))
        quiet = 0 if moved else quiet + 1
        k += 1
    return SnakeResult(v, np.array(energies), k, quiet >= quiet_steps)


def snake_greedy(energy, v, alpha, beta, gamma, window=5, *, prior=None, prior_weight=0.0, closed=True,
                 tension="squared", max_iter=500) -> SnakeResult:
    """A snake minimized greedily: :func:`greedy_step` sweeps until no vertex moves (or ``max_iter`` sweeps).

    Parameters are those of :func:`greedy_step`, and ``max_iter`` (``>= 1``) the largest number of sweeps.

    Returns
    -------
    SnakeResult

    References
    ----------
    Williams & Shah 1992.

    Examples
    --------
    An open contour drawn to an edge along row 2 (columns 1 to 7):

    >>> energy = np.zeros((9, 9)); energy[2, 1:8] = -1
    >>> result = snake_greedy(energy, [[1, 4], [3, 1], [5, 1], [7, 4]], 0, 1, 1, window=3, closed=False)
    >>> result.contour
    array([[1., 2.],
           [3., 2.],
           [5., 2.],
           [7., 2.]])
    >>> result.energies, result.n_iter, result.converged
    (array([18.,  8., -4., -4.]), 3, True)
    """
    def step(energy, v, alpha, beta, gamma, window, k, prior, prior_weight, closed, dbar):
        return _greedy_step(energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, dbar)

    return _snake(step, energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, tension, max_iter, 1)


def snake_dp(energy, v, alpha, beta, gamma, window=5, *, prior=None, prior_weight=0.0, closed=True,
             tension="squared", max_iter=200, pin=0) -> SnakeResult:
    """A snake minimized by dynamic programming: :func:`dp_step` until nothing moves (or ``max_iter`` steps).

    A closed contour pins a different pair of vertices at each step: step ``k`` pins ``p_k = pin + k // 2 + (k mod
    2) (n // 2)`` and ``p_k + 1`` (mod ``n``), alternating between opposite sides of the contour and shifting by one
    every two steps. A pinned vertex cannot move, so a closed snake stops only when two steps in a row move nothing;
    an open one (nothing pinned) stops after one.

    Parameters are those of :func:`dp_step`, ``pin`` the first pinned vertex of step 0, and ``max_iter`` (``>= 1``)
    the largest number of steps.

    Returns
    -------
    SnakeResult

    References
    ----------
    Amini, Weymouth & Jain 1990.

    Examples
    --------
    The example of :func:`snake_greedy`: the same contour, but a lower energy after the first step.

    >>> energy = np.zeros((9, 9)); energy[2, 1:8] = -1
    >>> result = snake_dp(energy, [[1, 4], [3, 1], [5, 1], [7, 4]], 0, 1, 1, window=3, closed=False)
    >>> result.energies
    array([18.,  0., -4., -4.])
    """
    def step(energy, v, alpha, beta, gamma, window, k, prior, prior_weight, closed, dbar):
        p = (pin + k // 2 + (k % 2) * (len(v) // 2)) % len(v)
        return _dp_step(energy, v, alpha, beta, gamma, window, p, prior, prior_weight, closed, dbar)

    pin = check_int(pin, "pin", 0)
    n = len(_contour(v, _closed(closed)))
    if closed and pin >= n:
        raise ValueError(f"pin must be a vertex index, 0 <= pin < {n}, got {pin}")
    return _snake(step, energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, tension, max_iter,
                  2 if closed else 1)


def circle(center, radius, n) -> np.ndarray:
    """``n`` vertices evenly spaced on a circle: ``v_i = center + radius (cos t_i, sin t_i)``, ``t_i = 2 pi i / n``.

    Parameters
    ----------
    center : array_like, shape (2,)
        ``(x, y)`` of the centre.
    radius : float
        ``> 0``.
    n : int
        Number of vertices, ``>= 3``.

    Returns
    -------
    numpy.ndarray, shape (n, 2)

    Examples
    --------
    >>> circle((2, 1), 1, 4).round(12) + 0.0
    array([[3., 1.],
           [2., 2.],
           [1., 1.],
           [2., 0.]])
    """
    center = _real_array(center, "center")
    if center.shape != (2,):
        raise ValueError(f"center must be one (x, y) pair, got shape {center.shape}")
    radius = check_nonneg(radius, "radius")
    if radius == 0:
        raise ValueError("radius must be > 0, got 0")
    n = check_int(n, "n", 3)
    t = 2 * np.pi * np.arange(n) / n
    return center + radius * np.stack([np.cos(t), np.sin(t)], axis=1)
