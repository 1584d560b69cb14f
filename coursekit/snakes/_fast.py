"""Speed for the dynamic-programming snake: the same Viterbi programme as the plain
``coursekit.snakes.steps._viterbi``, computed faster.

:func:`~coursekit.snakes.steps.dp_step` validates its arguments, then calls :func:`viterbi` here; it is tested equal
to the plain version (``tests/test_snakes.py``, "the fast programme equals the plain one"), and
``benchmarks/bench_snakes.py`` is where its speed is judged. Two ideas, both exact:

- **Terms of one or two vertices go into the tables beforehand, for all vertices at once.** Candidates share one
  offset grid ``o``, so the second difference of candidates ``(a, b, c)`` of ``v_{i-1}, v_i, v_{i+1}`` is
  ``d_i + O_abc`` with ``d_i = v_{i-1} - 2 v_i + v_{i+1}`` and ``O_abc = o_a - 2 o_b + o_c``: the curvature
  ``beta ||d_i + O_abc||^2 = beta ||d_i||^2 + p_a - 2 p_b + p_c + beta ||O_abc||^2`` with ``p = 2 beta d_i . o``.
  The squared tension splits the same way, ``alpha ||e_i + o_c - o_b||^2`` with ``e_i = v_{i+1} - v_i``. Only
  ``beta ||O_abc||^2`` and ``alpha ||o_c - o_b||^2`` need pairs or triples, and they are the same for every vertex.
- **The minimum over a is a distance transform.** What the recursion still has to do per vertex,
  ``min_a [S_i(a, b) + beta ||O_abc||^2]``, is the squared-distance transform of ``S_i(., b)`` over the offset grid
  evaluated at ``2 o_b - o_c`` (Felzenszwalb & Huttenlocher 2012): one axis at a time, first ``min`` over ``a_y``,
  then over ``a_x``, ``2 window^5`` sums per vertex instead of ``window^6``, in arrays laid out so that numpy's
  inner loops run over ``window^3`` contiguous numbers.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .energies import _squared_norm, _tension

__all__ = ["viterbi"]


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@lru_cache(maxsize=16)
def _offset_tables(window: int, beta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The curvature of the offsets alone: ``Qy[a_y, c_y, (a_x, b)] = beta (t_{a_y} - 2 y_b + t_{c_y})^2`` and
    ``Qx[a_x, c_y, c_x, b] = beta (t_{a_x} - 2 x_b + t_{c_x})^2`` for the distance transform's two passes (``t =
    -r..r`` the offsets' coordinates, ``(x_b, y_b)`` offset ``b``), and ``O[b, c, a] = beta ||o_a - 2 o_b + o_c||^2``
    for the way back."""
    from .steps import _offsets

    t = np.arange(window, dtype=np.float64) - window // 2
    o = _offsets(window)
    x, y = o[:, 0], o[:, 1]
    shape = (window, window, window, len(o))
    Qy = np.broadcast_to(beta * (t[:, None, None, None] - 2 * y + t[None, :, None, None]) ** 2, shape)
    Qx = np.broadcast_to(beta * (t[:, None, None, None] - 2 * x + t[None, None, :, None]) ** 2, shape)
    O = beta * _squared_norm(o[None, None, :] - 2 * o[:, None, None] + o[None, :, None])
    return (_frozen(np.ascontiguousarray(Qy).reshape(window, window, -1)), _frozen(np.ascontiguousarray(Qx)),
            _frozen(O))


@lru_cache(maxsize=16)
def _offset_tension(window: int, alpha: float) -> np.ndarray:
    """``alpha ||o_c - o_b||^2``, shape ``(k, k)``."""
    from .steps import _offsets

    o = _offsets(window)
    return _frozen(alpha * _squared_norm(o[None, :, :] - o[:, None, :]))


def _tables(v, offsets, window, unary, alpha, beta, dbar) -> np.ndarray:
    """``T[i](b, c)``, ``i = 0..n-2``: every term of the energy that the recursion adds with ``v_i`` at ``b`` and
    ``v_{i+1}`` at ``c``, beyond the minimum over ``a``: the tension between them, the unary term of ``v_{i+1}`` (and
    of ``v_0`` in ``T[0]``), the curvature at ``v_i`` less ``beta ||O_abc||^2 + p_a``, and ``p_b`` of the curvature
    at ``v_{i+1}``, where ``v_i`` is the ``a``. Shape ``(n - 1, k, k)``."""
    n = len(v)
    rows, cols = np.zeros((n - 1, len(offsets))), unary[1:].copy()                 # the terms of b, of c
    rows[0] += unary[0]
    d = v[:-2] - 2 * v[1:-1] + v[2:]                                                # d_i, i = 1..n-2
    p = 2 * beta * (d @ offsets.T)                                                  # (n - 2, k)
    rows[1:] -= 2 * p
    cols[1:] += p + (beta * _squared_norm(d))[:, None]
    rows[:-1] += p
    if dbar is None:  # squared tension
        e = v[1:] - v[:-1]
        q = 2 * alpha * (e @ offsets.T)
        rows -= q
        cols += q + (alpha * _squared_norm(e))[:, None]
        T = np.add(_offset_tension(window, alpha), rows[:, :, None])
    else:
        cands = v[:, None, :] + offsets[None, :, :]
        T = _tension(cands[:-1, :, None], cands[1:, None, :], alpha, dbar) + rows[:, :, None]
    T += cols[:, None, :]
    return T


def viterbi(v, offsets, unary, alpha, beta, dbar, closing=None) -> tuple[np.ndarray, float]:
    """``coursekit.snakes.steps._viterbi`` computed faster, with the same arguments and result: the offsets of an
    open chain's minimum, and the minimum."""
    n, k = len(v), len(offsets)
    w = int(round(np.sqrt(k)))
    Qy, Qx, O = _offset_tables(w, float(beta))
    S = _tables(v, offsets, w, unary, float(alpha), beta, dbar)      # S[i] becomes S_{i+1}(b, c) in place
    along_y, by_y = np.empty((w, w, w * k)), np.empty((w, w * k))
    along_x, by_x = np.empty((w, w, w, k)), np.empty((k, k))
    # views made once: the loop below is the programme's cost, five numpy calls a vertex
    for_y, tables = list(S.reshape(n - 1, w, 1, w * k)), list(S)   # each table, and laid out for the y pass
    by_y_for_x = by_y.reshape(w, w, k).transpose(1, 0, 2)[:, :, None, :]
    along_x_flat, by_x_t = along_x.reshape(w, k, k), by_x.T
    add, least = np.add, np.minimum.reduce
    for i in range(1, n - 1):  # S[i] += min_a [S_i(a, b) + beta ||O_abc||^2]
        add(for_y[i - 1], Qy, along_y)                     # [a_y, c_y, (a_x, b)]
        least(along_y, 0, None, by_y)                      # [c_y, (a_x, b)]: min over a_y
        add(by_y_for_x, Qx, along_x)                       # [a_x, c_y, c_x, b]
        least(along_x_flat, 0, None, by_x)                 # [c, b]: min over a_x
        add(tables[i], by_x_t, tables[i])
    last = S[n - 2]
    if closing is not None:
        cands = v[n - 2:, None, :] + offsets[None, :, :]
        last = last + closing(cands[0][:, None], cands[1][None, :])
    b, c = np.unravel_index(int(last.argmin()), last.shape)
    path = [int(c), int(b)]                                            # offsets of v_{n-1}, v_{n-2}, ...
    for i in range(n - 2, 0, -1):  # the a of v_{i-1} that gave the minimum, given b of v_i and c of v_{i+1}
        b, c = path[-1], path[-2]
        path.append(int((S[i - 1][:, b] + O[b, c]).argmin()))
    return np.array(path[::-1]), float(last.min())
