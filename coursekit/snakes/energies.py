"""The energy of a snake, one equation a function: tension, curvature, the image term and the shape prior."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from .._checks import as_real_array, check_bool, check_choice, check_nonneg
from ._validate import TENSIONS, as_contour, as_energy_image, check_prior, check_weights

__all__ = ["internal_energy", "edge_energy", "external_energy", "shape_prior_energy", "total_energy"]

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
    closed = check_bool(closed, "closed")
    v = as_contour(v, closed)
    alpha, beta = check_nonneg(alpha, "alpha"), check_nonneg(beta, "beta")
    return _internal(v, alpha, beta, closed, _dbar(v, closed, check_choice(tension, "tension", TENSIONS), dbar))


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
    image = as_real_array(image, "image", bool_ok=True)
    if image.ndim != 2 or min(image.shape) < 2:
        raise ValueError(f"image must be a 2-D (H, W) array with H, W >= 2, given shape {image.shape}")
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
    v = as_real_array(v, "v", bool_ok=True)
    if v.ndim != 2 or v.shape[1] != 2 or len(v) == 0:
        raise ValueError(f"v must have shape (n, 2) with n >= 1, given shape {v.shape}")
    return float(_bilinear(as_energy_image(energy), v).sum())


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
    v = as_contour(v, closed=False)
    v_hat = as_contour(v_hat, closed=False, name="v_hat")
    if v.shape != v_hat.shape:
        raise ValueError(f"v and v_hat must have the same shape, given {v.shape} and {v_hat.shape}")
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
    closed = check_bool(closed, "closed")
    v = as_contour(v, closed)
    alpha, beta, gamma = check_weights(alpha, beta, gamma)
    energy = as_energy_image(energy)
    prior, prior_weight = check_prior(prior, prior_weight, len(v))
    dbar = _dbar(v, closed, check_choice(tension, "tension", TENSIONS), dbar)
    return _total(v, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar)


def _total(v, energy, alpha, beta, gamma, prior, prior_weight, closed, dbar) -> float:
    """:func:`total_energy` of validated arguments (``dbar`` None for squared tension)."""
    total = _internal(v, alpha, beta, closed, dbar) + gamma * _bilinear(energy, v).sum()
    if prior is not None:
        total += prior_weight * _squared_norm(v - prior).sum()
    return float(total)

