"""Mean shift: every point climbs the kernel density estimate to a mode; its segment is its basin of attraction.

From a starting point ``y``, repeat ``y <- m(y)`` with the sample mean

    ``m(y) = sum_i K(x_i - y) x_i / sum_i K(x_i - y)``          (:func:`mean_shift_step`)

until ``y`` stops moving (Comaniciu & Meer 2002); ``y`` climbs the kernel density estimate to a mode. A point's
segment is the mode its *own* trajectory reaches (its basin of attraction), not the nearest mode. Kernels: ``"flat"``
(``K = 1`` when ``||x_i - y|| <= h``, else 0; as scikit-learn) and ``"gaussian"`` (``K = exp(-||x_i - y||^2 /
(2 h^2))``), ``h`` the bandwidth.

The window sums run on :mod:`coursekit.clustering._fast.windows` (all positions at once, in tiles, exact flat-kernel
edges, steps shared between trajectories that meet); the plain versions they equal are :func:`_step_plain`,
:func:`_trajectories` with an unshared step, and :func:`_count_cells_plain`.

References
----------
.. [1] D. Comaniciu, P. Meer, "Mean Shift: A Robust Approach Toward Feature Space Analysis", IEEE Transactions on
   Pattern Analysis and Machine Intelligence 24(5):603-619, 2002.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_points, check_bool, check_choice, check_int, check_nonneg, check_positive
from . import _fast

__all__ = ["mean_shift_step", "mean_shift", "MeanShiftResult"]

_KERNELS = ("flat", "gaussian")


@dataclass(frozen=True, eq=False)
class MeanShiftResult:
    """Result of :func:`mean_shift`.

    Attributes
    ----------
    modes : numpy.ndarray, shape (m, D)
        The modes (cluster centres), strongest first (see ``counts``).
    labels : numpy.ndarray of int64, shape (N,)
        Segment of every data point: the index of the mode its trajectory reached (see :func:`mean_shift` for the
        rule when only some points are seeds).
    counts : numpy.ndarray of int64, shape (m,)
        Strength of each mode (scikit-learn's "intensity", which orders the modes): for the flat kernel the number
        of data points in the window of the trajectory's last step, for the Gaussian kernel the number within ``h``
        of the mode.
    seeds : numpy.ndarray, shape (S, D)
        The starting points of the trajectories.
    seed_ends : numpy.ndarray, shape (S, D)
        Where each trajectory stopped, before near-duplicate ends were merged into modes.
    seed_labels : numpy.ndarray of int64, shape (S,)
        Mode reached by each seed; -1 for a seed with no data point within the bandwidth.
    n_iter : int
        Most steps taken by a trajectory.
    """

    modes: np.ndarray
    labels: np.ndarray
    counts: np.ndarray
    seeds: np.ndarray
    seed_ends: np.ndarray
    seed_labels: np.ndarray
    n_iter: int


# ---------------------------------------------------------------------------------------------------------------
# one step


def _as_positions(Y, name: str, d: int) -> np.ndarray:
    Y = as_points(Y, name)
    if Y.shape[1] != d:
        raise ValueError(f"{name} must have D={d} coordinates like X, given shape {Y.shape}")
    return Y


def _step_plain(X: np.ndarray, Y: np.ndarray, h: float, kernel: str):
    """``m(y)`` for every row of ``Y`` from the ``(M, N)`` array of squared distances ``||x_i - y||^2``; returns the
    new positions (unchanged where the kernel sum is 0) and the kernel sums ``sum_i K(x_i - y)``."""
    d2 = ((Y[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    K = (d2 <= h * h).astype(np.float64) if kernel == "flat" else np.exp(-d2 / (2.0 * h * h))
    total = K.sum(axis=1)
    new = Y.copy()
    ok = total > 0
    new[ok] = (K[ok] @ X) / total[ok, None]
    return new, total


def mean_shift_step(X, points, bandwidth, kernel="flat") -> np.ndarray:
    """One mean-shift step for every point of ``points``: ``y <- m(y)``.

    ``m(y) = sum_i K(x_i - y) x_i / sum_i K(x_i - y)``, the kernel-weighted mean of the data around ``y``
    (Comaniciu & Meer 2002). ``"flat"``: ``K = 1`` for ``||x_i - y||^2 <= h^2``, else 0 (the mean of the data points
    within distance ``h``). ``"gaussian"``: ``K = exp(-||x_i - y||^2 / (2 h^2))`` (every data point, weighted). A point
    with no data point in its window (flat), or whose kernel weights all underflow to 0, stays where it is.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Data points ``x_i``.
    points : array_like, shape (M, D)
        Current positions ``y`` (for instance ``X`` itself at the first step).
    bandwidth : float
        ``h > 0``.
    kernel : {"flat", "gaussian"}, default "flat"

    Returns
    -------
    numpy.ndarray of float64, shape (M, D)
        ``m(y)`` for every position.

    Raises
    ------
    TypeError
        When an array does not hold numbers, ``bandwidth`` is not a number or ``kernel`` not a str.
    ValueError
        For arrays that are not finite ``(N, D)`` and ``(M, D)`` point sets, ``bandwidth <= 0`` or an unknown kernel.

    Notes
    -----
    The result is that of :func:`_step_plain` up to rounding, computed without its ``(M, N)`` array: the distances
    come from matrix products in tiles, and the few pairs within rounding error of the flat window's edge are decided
    with ``||x - y||^2 <= h^2``, so the windows are exactly the same.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> mean_shift_step(X, np.array([[0.0], [1.5], [6.0]]), bandwidth=1.0)  # (0+1)/2, (1+2)/2, no neighbour
    array([[0.5],
           [1.5],
           [6. ]])
    """
    X = as_points(X)
    Y = _as_positions(points, "points", X.shape[1])
    h = check_positive(bandwidth, "bandwidth")
    kernel = check_choice(kernel, "kernel", _KERNELS)
    return _fast.Windows(X, h, kernel).step(Y)[0]


# ---------------------------------------------------------------------------------------------------------------
# trajectories, seeds, modes


def _trajectories(step, seeds: np.ndarray, max_iter: int, stop: float):
    """Every seed's trajectory ``y <- m(y)`` under ``step`` (positions -> new positions, kernel sums).

    A trajectory stops after the first step that moves it by at most ``stop``, after ``max_iter`` steps, or when its
    window is empty (it then stays). Returns the ends, the kernel sum of each last step, and the steps taken.
    """
    pos = seeds.copy()
    counts = np.zeros(len(pos))
    steps = np.zeros(len(pos), dtype=np.int64)
    active = np.arange(len(pos))
    while active.size:
        new, total = step(pos[active])
        moved = total > 0
        shift = np.sqrt(((new - pos[active]) ** 2).sum(axis=1))
        pos[active] = new
        counts[active] = total
        steps[active[moved]] += 1
        done = ~moved | (shift <= stop) | (steps[active] >= max_iter)
        active = active[~done]
    return pos, counts, steps


def _count_cells_plain(cells: np.ndarray):
    """The distinct rows of ``cells`` (lexicographic order) and how many times each occurs."""
    return np.unique(cells, axis=0, return_counts=True)


def _bin_seeds(X: np.ndarray, h: float, min_bin_freq: int) -> np.ndarray:
    """scikit-learn's ``get_bin_seeds``: the centres ``h * round(x / h)`` of the grid cells holding at least
    ``min_bin_freq`` points; all of ``X`` when every point has a cell of its own."""
    cells, counts = _fast.count_cells(np.round(X / h))
    seeds = cells[counts >= min_bin_freq]
    return X.copy() if len(seeds) == len(X) else seeds * h


def _merge_ends(ends: np.ndarray, counts: np.ndarray, h: float):
    """Merge trajectory ends closer than ``h`` into modes, as ``sklearn.cluster.mean_shift`` does.

    ``ends`` in seed order: one end is kept per exact position, with the count of the last seed there; the ends are
    sorted strongest first (count, then coordinates, descending), and each end that is kept removes the later ends
    within distance ``h``, which belong to the first kept end that removed them. Returns the modes, their counts and
    the mode of every end.
    """
    from scipy.spatial import cKDTree

    cand, last, inverse = _fast.unique_rows(ends)
    cand_counts = counts[last]
    order = np.lexsort(tuple(cand.T[::-1]) + (cand_counts,))[::-1]
    sorted_ends = cand[order]
    tree = cKDTree(sorted_ends)
    keep = np.ones(len(sorted_ends), dtype=bool)
    owner = np.full(len(sorted_ends), -1, dtype=np.int64)
    for i in range(len(sorted_ends)):
        if keep[i]:
            near = np.asarray(tree.query_ball_point(sorted_ends[i], h), dtype=np.int64)
            keep[near] = False
            keep[i] = True
            owner[near[owner[near] < 0]] = i
            owner[i] = i
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return sorted_ends[keep], cand_counts[order][keep], (np.cumsum(keep) - 1)[owner[rank[inverse]]]


def _merge_seeds(ends: np.ndarray, counts: np.ndarray, steps: np.ndarray, seed_inverse: np.ndarray, h: float):
    """Modes from the ends of the distinct seeds' trajectories: :func:`_merge_ends` of the seeds that moved, in the
    order of the last seed (of ``seed_inverse``) that started there. Returns the modes, their counts and the mode of
    every distinct seed (-1 for a seed whose first window was empty)."""
    # a seed counts when it moved: its first window held a data point (flat) or its weights did not all underflow
    valid = np.flatnonzero(steps > 0)
    if valid.size == 0:
        raise ValueError(f"no data point lies within bandwidth={h:g} of any seed; use other seeds or a larger "
                         f"bandwidth")
    last_seed = np.zeros(len(ends), dtype=np.int64)
    np.maximum.at(last_seed, seed_inverse, np.arange(len(seed_inverse)))
    valid = valid[np.argsort(last_seed[valid], kind="stable")]
    modes, mode_counts, end_labels = _merge_ends(ends[valid], counts[valid], h)
    labels = np.full(len(ends), -1, dtype=np.int64)
    labels[valid] = end_labels
    return modes, mode_counts, labels


def mean_shift(X, bandwidth, kernel="flat", seeds=None, max_iter=300, tol=1e-3, bin_seeding=False,
               min_bin_freq=1) -> MeanShiftResult:
    """Mean-shift clustering (Comaniciu & Meer 2002): every seed climbs the kernel density estimate to a mode.

    From each seed ``y``, repeat :func:`mean_shift_step` ``y <- m(y)``; the trajectory stops after the first step
    with ``||m(y) - y|| <= tol * h`` (scikit-learn's rule, ``tol=1e-3``) or after ``max_iter`` steps. Ends closer than
    the bandwidth are then merged exactly as in ``sklearn.cluster.mean_shift``: the ends are sorted by their count
    (the number of data points in the window of the last step; for the Gaussian kernel, within ``h`` of the end),
    strongest first, and each end that is kept removes the later ends within distance ``h``; a removed end belongs to
    the first kept mode that removed it.

    **Labels (basins of attraction).** A point's segment is the mode its own trajectory reaches, not the nearest mode
    (scikit-learn's ``labels_`` are the nearest mode; the two differ for points between clusters of different
    densities). With ``seeds=None`` and ``bin_seeding=False`` every data point is a seed, so this holds for every
    point. With given ``seeds`` or ``bin_seeding=True`` only the seeds' trajectories are run, and, as an approximation
    for speed, **a point that is not a seed takes the mode of its nearest seed** (among the seeds that reached one).

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points (for an image: ``luv.reshape(-1, 3)``, optionally with scaled pixel coordinates appended).
    bandwidth : float
        Kernel radius ``h > 0`` (``sklearn.cluster.estimate_bandwidth`` gives a starting value).
    kernel : {"flat", "gaussian"}, default "flat"
        ``"flat"``: uniform within distance ``h`` (as scikit-learn); ``"gaussian"``: ``exp(-||x - y||^2 / (2 h^2))``.
    seeds : array_like, shape (S, D), optional
        Starting points; default every point of ``X`` (identical points share one trajectory).
    max_iter : int, default 300
        Most steps per trajectory.
    tol : float, default 1e-3
        A trajectory stops when a step moves it by at most ``tol * h``.
    bin_seeding : bool, default False
        Without ``seeds``: start from the centres of the grid cells of side ``h`` that hold at least
        ``min_bin_freq`` points (scikit-learn's ``get_bin_seeds``): far fewer trajectories.
    min_bin_freq : int, default 1
        See ``bin_seeding``.

    Returns
    -------
    MeanShiftResult
        ``modes`` ``(m, D)`` strongest first, ``labels`` ``(N,)``, ``counts``, ``seeds``, ``seed_ends``,
        ``seed_labels``, ``n_iter``.

    Raises
    ------
    TypeError
        When an array does not hold numbers, ``bandwidth`` or ``tol`` is not a number, ``max_iter`` or
        ``min_bin_freq`` not an int, ``kernel`` not a str, ``bin_seeding`` not a bool.
    ValueError
        For a point set that is not a finite ``(N, D)`` array, ``bandwidth <= 0``, an unknown kernel, seeds of the
        wrong shape, or when no seed has a data point within the bandwidth.

    Notes
    -----
    All trajectories advance together (:func:`_trajectories`): one step for every active trajectory is a dense
    kernel-weighted sum computed with matrix products in cache-sized tiles (threads for large problems); trajectories
    that have stopped leave the active set and trajectories that meet share their computation. The flat kernel's
    windows are exact. Cost: ``O(N)`` per trajectory step, so for an image use ``bin_seeding=True`` or a subset of
    seeds, or work on a downsampled image. With the flat kernel and the same seeds, the modes equal those of
    ``sklearn.cluster.mean_shift(X, bandwidth=h, seeds=seeds)`` up to rounding.

    Examples
    --------
    >>> X = np.array([[0.0], [0.5], [1.0], [5.0], [5.5]])
    >>> result = mean_shift(X, bandwidth=1.0)
    >>> result.modes
    array([[0.5 ],
           [5.25]])
    >>> result.labels
    array([0, 0, 0, 1, 1])
    """
    X = as_points(X)
    h = check_positive(bandwidth, "bandwidth")
    kernel = check_choice(kernel, "kernel", _KERNELS)
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = check_nonneg(tol, "tol")
    min_bin_freq = check_int(min_bin_freq, "min_bin_freq", 1)
    bin_seeding = check_bool(bin_seeding, "bin_seeding")
    if seeds is not None:
        S = _as_positions(seeds, "seeds", X.shape[1])
    else:
        S = _bin_seeds(X, h, min_bin_freq) if bin_seeding else X

    distinct, _, seed_inverse = _fast.unique_rows(S)  # identical seeds have identical trajectories
    ends, counts, steps = _trajectories(_fast.shared(_fast.Windows(X, h, kernel).step), distinct, max_iter, tol * h)
    if kernel == "gaussian":  # a mode's strength: the data points within h of it
        counts = _fast.Windows(X, h, "flat").sums(ends)[:, -1]
    modes, mode_counts, labels_u = _merge_seeds(ends, np.rint(counts).astype(np.int64), steps, seed_inverse, h)
    seed_labels = labels_u[seed_inverse]
    if seeds is None and not bin_seeding:  # every point is a seed: the mode of its own trajectory
        labels = seed_labels
    else:  # the mode of the nearest seed that reached one
        from scipy.spatial import cKDTree

        reached = np.flatnonzero(labels_u >= 0)
        labels = labels_u[reached[cKDTree(distinct[reached]).query(X)[1]]]
    return MeanShiftResult(modes=modes, labels=labels.astype(np.int64), counts=mode_counts, seeds=S.copy(),
                           seed_ends=ends[seed_inverse], seed_labels=seed_labels, n_iter=int(steps.max()))
