"""The checks of a snake's arguments that the snake modules share: a contour, an energy image, the weights, the
search window, the shape prior.

They follow the course's one rule (:mod:`coursekit._checks`): ``TypeError`` when the kind is wrong, ``ValueError``
when the kind is right but the value is not.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, check_bool, check_int, check_nonneg

#: The tension terms of :func:`~coursekit.snakes.energies.internal_energy`.
TENSIONS = ("squared", "spacing")


def as_contour(v, closed: bool, name: str = "v") -> np.ndarray:
    """A contour: an ``(n, 2)`` finite float array, ``n >= 3`` when closed and ``n >= 2`` when open."""
    arr = as_real_array(v, name, bool_ok=True)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) (one (x, y) row per vertex), given shape {arr.shape}")
    least = 3 if closed else 2
    if len(arr) < least:
        raise ValueError(f"a{' closed' if closed else 'n open'} contour needs at least {least} vertices, "
                         f"{name} has {len(arr)}")
    return arr


def as_energy_image(energy, name: str = "energy") -> np.ndarray:
    """An energy image: a non-empty 2-D finite float array."""
    arr = as_real_array(energy, name, bool_ok=True)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D (H, W) array, given shape {arr.shape}")
    return arr


def check_window(window) -> int:
    """The side of the search window: an odd int ``>= 1``."""
    window = check_int(window, "window", 1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd (the current position at its centre), given {window}")
    return window


def check_prior(prior, prior_weight, n: int):
    """The template (or None) and its weight; a positive weight needs a template of n vertices."""
    prior_weight = check_nonneg(prior_weight, "prior_weight")
    if prior is None:
        if prior_weight > 0:
            raise ValueError(f"prior_weight is {prior_weight} but no prior (template contour) was given")
        return None, 0.0
    prior = as_contour(prior, closed=False, name="prior")
    if len(prior) != n:
        raise ValueError(f"prior must have one vertex per contour vertex: {n} expected, given {len(prior)}")
    return prior, prior_weight


def check_pin(pin, n: int, closed: bool) -> int:
    """The first vertex of the pinned pair of a closed contour of ``n`` vertices: an int, ``0 <= pin < n``."""
    pin = check_int(pin, "pin", 0)
    if closed and pin >= n:
        raise ValueError(f"pin must be a vertex index, 0 <= pin < {n}, given {pin}")
    return pin


def check_weights(alpha, beta, gamma) -> tuple[float, float, float]:
    """The weights of tension, curvature and external energy, each a finite number ``>= 0``."""
    return check_nonneg(alpha, "alpha"), check_nonneg(beta, "beta"), check_nonneg(gamma, "gamma")


def check_snake(energy, v, alpha, beta, gamma, window, prior, prior_weight, closed):
    """The arguments that every step and every snake takes, checked, in the order of the private steps' arguments:
    ``(energy, v, alpha, beta, gamma, window, prior, prior_weight, closed)``."""
    closed = check_bool(closed, "closed")
    v = as_contour(v, closed)
    energy = as_energy_image(energy)
    alpha, beta, gamma = check_weights(alpha, beta, gamma)
    window = check_window(window)
    prior, prior_weight = check_prior(prior, prior_weight, len(v))
    return energy, v, alpha, beta, gamma, window, prior, prior_weight, closed
