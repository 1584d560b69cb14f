"""Snakes minimized step after step until nothing moves, and the circle a snake often starts from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_real_array, check_bool, check_choice, check_int, check_positive
from ._validate import TENSIONS, as_contour, check_pin, check_snake
from .energies import _dbar, _total
from .steps import _dp_step, _greedy_step

__all__ = ["snake_greedy", "snake_dp", "SnakeResult", "circle"]

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
    energy, v, alpha, beta, gamma, window, prior, prior_weight, closed = check_snake(
        energy, v, alpha, beta, gamma, window, prior, prior_weight, closed)
    tension = check_choice(tension, "tension", TENSIONS)
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
    """A snake minimized greedily: :func:`~coursekit.snakes.steps.greedy_step` sweeps until no vertex moves (or
    ``max_iter`` sweeps).

    Parameters are those of :func:`~coursekit.snakes.steps.greedy_step`, and ``max_iter`` (``>= 1``) the largest
    number of sweeps.

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
    """A snake minimized by dynamic programming: :func:`~coursekit.snakes.steps.dp_step` until nothing moves (or
    ``max_iter`` steps).

    A closed contour pins a different pair of vertices at each step: step ``k`` pins ``p_k = pin + k // 2 + (k mod
    2) (n // 2)`` and ``p_k + 1`` (mod ``n``), alternating between opposite sides of the contour and shifting by one
    every two steps. A pinned vertex cannot move, so a closed snake stops only when two steps in a row move nothing;
    an open one (nothing pinned) stops after one.

    Parameters are those of :func:`~coursekit.snakes.steps.dp_step`, ``pin`` the first pinned vertex of step 0, and
    ``max_iter`` (``>= 1``) the largest number of steps.

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

    closed = check_bool(closed, "closed")
    pin = check_pin(pin, len(as_contour(v, closed)), closed)
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
    center = as_real_array(center, "center", bool_ok=True)
    if center.shape != (2,):
        raise ValueError(f"center must be one (x, y) pair, given shape {center.shape}")
    radius = check_positive(radius, "radius")
    n = check_int(n, "n", 3)
    t = 2 * np.pi * np.arange(n) / n
    return center + radius * np.stack([np.cos(t), np.sin(t)], axis=1)
