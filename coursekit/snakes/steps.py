"""One step of a snake: a greedy sweep (Williams & Shah 1992) or an exact dynamic-programming step (Amini et al.
1990), each vertex choosing an integer offset in a ``window x window`` neighbourhood."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._checks import check_choice
from ._fast import viterbi
from ._validate import TENSIONS, check_pin, check_snake
from .energies import _bilinear, _curvature, _dbar, _squared_norm, _tension, _total

__all__ = ["greedy_step", "dp_step"]


# Two energies that differ by less than this (relative to the size of the terms) count as equal: a vertex never
# moves for a gain that is only rounding, which keeps the energy from creeping up and a snake from cycling.
_RTOL = 1e-10


@lru_cache(maxsize=16)
def _offsets(window: int) -> np.ndarray:
    """The ``window^2`` integer offsets ``(dx, dy)`` in the order dy = -r..r, then dx = -r..r (read-only)."""
    r = window // 2
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    offsets = np.stack([dx.ravel(), dy.ravel()], axis=1).astype(np.float64)
    offsets.flags.writeable = False
    return offsets


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
        Shape prior ``vhat`` and its weight ``lambda``, as in :func:`~coursekit.snakes.energies.total_energy`: a
        unary term ``lambda ||v_i - vhat_i||^2`` of each vertex, the template staying where it is.
    closed : bool
        Whether the contour is closed.
    tension : {"squared", "spacing"}
        As in :func:`~coursekit.snakes.energies.internal_energy`; for ``"spacing"``, ``dbar`` is the mean spacing of
        ``v`` at the start of the sweep, kept for the whole sweep (it is the ``dbar`` that minimizes the tension of
        any contour's spacings, so the energy with the new contour's own ``dbar`` is lower still).

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
    energy, v, alpha, beta, gamma, window, prior, prior_weight, closed = check_snake(
        energy, v, alpha, beta, gamma, window, prior, prior_weight, closed)
    dbar = _dbar(v, closed, check_choice(tension, "tension", TENSIONS), None)
    return _greedy_step(energy, v, alpha, beta, gamma, window, prior, prior_weight, closed, dbar)


def _viterbi(v, offsets, unary, alpha, beta, dbar, closing=None) -> tuple[np.ndarray, float]:
    """Minimum over one offset per vertex of an open chain's energy: the unary terms ``unary[i, k]`` of vertex
    ``i`` at ``v[i] + offsets[k]``, tension of consecutive and curvature of three consecutive vertices, plus
    ``closing(a, b)`` of the last two (the terms of a closed contour that wrap around). Returns the chosen offset
    indices and the minimum.

    ``S(a, b)``: the least energy of vertices ``0..i`` with ``v_{i-1}`` at offset ``a`` and ``v_i`` at offset ``b``;
    each vertex adds the minimum over ``a``. The tables are kept for the way back, where the best ``a`` of each
    ``(b, c)`` on the path is found again. This is the plain version: :func:`coursekit.snakes._fast.viterbi`
    computes the same faster, and is what :func:`dp_step` calls.
    """
    n = len(v)
    cands = v[:, None, :] + offsets[None, :, :]                             # (n, k, 2): each vertex's candidates
    S = unary[0][:, None] + _tension(cands[0][:, None], cands[1][None, :], alpha, dbar) + unary[1][None, :]
    tables = [S]
    for i in range(1, n - 1):  # S(b, c) = min_a [S(a, b) + curvature(a, b, c)] + tension(b, c) + U_{i+1}(c)
        a, b, c = cands[i - 1][:, None, None], cands[i][None, :, None], cands[i + 1][None, None, :]
        S = ((S[:, :, None] + _curvature(a, b, c, beta)).min(axis=0) + _tension(b[0], c[0], alpha, dbar)
             + unary[i + 1][None, :])
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

    choice, minimum = viterbi(v_rot, offsets, unary, alpha, beta, dbar, closing)
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
    tension), and the minimum read off the last table. Cost ``O(n window^6)`` time as written (the minimum over
    ``a`` is a distance transform, which takes it to ``O(n window^5)``: :mod:`coursekit.snakes._fast`),
    ``O(n window^4)`` memory. For a closed contour vertices ``pin`` and ``pin + 1`` (mod
    ``n``) stay where they are, which makes the rest a chain with known ends, so the step is exact; for an open
    contour nothing is pinned. The current contour is one of the choices, so ``E`` never increases; the contour is
    kept unless the minimum is lower by more than rounding.

    Parameters
    ----------
    energy, v, alpha, beta, gamma, window, prior, prior_weight, closed
        As in :func:`greedy_step`.
    pin : int
        First vertex of the pinned pair of a closed contour, ``0 <= pin < n`` (ignored when open).
    tension : {"squared", "spacing"}
        As in :func:`greedy_step` (``dbar`` of ``v``, fixed during the step).

    Returns
    -------
    contour, n_moved
        The minimizing contour (``v`` itself is not changed) and how many vertices moved.

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
    energy, v, alpha, beta, gamma, window, prior, prior_weight, closed = check_snake(
        energy, v, alpha, beta, gamma, window, prior, prior_weight, closed)
    pin = check_pin(pin, len(v), closed)
    dbar = _dbar(v, closed, check_choice(tension, "tension", TENSIONS), None)
    return _dp_step(energy, v, alpha, beta, gamma, window, pin, prior, prior_weight, closed, dbar)

