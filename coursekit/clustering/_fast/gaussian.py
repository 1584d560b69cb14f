"""EM for Gaussian mixtures, fast: log-densities of all components and the M-step's weighted sums, in tiles.

Plain versions: :func:`coursekit.clustering.mixture._log_gaussian_plain` and ``_moments_plain`` (one ``einsum`` over
all points); the results here are equal up to rounding. Tiles of points keep the ``(k, D, n)`` intermediates in cache
and the products under the size at which OpenBLAS uses one thread.
"""

from __future__ import annotations

import math

import numpy as np

from .threads import TILE_MNK


def _tiles(n: int, k: int, d: int):
    cols = max(256, TILE_MNK // (k * d * d))
    return [(a, min(a + cols, n)) for a in range(0, n, cols)]


def log_gaussian(X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray) -> np.ndarray:
    """``log N(x_i | mu_j, Sigma_j)`` as a ``(k, N)`` array, from the Cholesky factors ``P_j`` of the precisions.

    ``log N = -(D/2) log(2 pi) + sum log diag(P_j) - (1/2) ||P_j^T (x_i - mu_j)||^2``; all components at once with
    one product per tile of points.
    """
    n, d = X.shape
    k = means.shape[0]
    PT = np.ascontiguousarray(prec_chol.transpose(0, 2, 1).reshape(k * d, d))  # rows: P_j^T stacked, (kD, D)
    shift = np.einsum("jd,jde->je", means, prec_chol).reshape(k * d, 1)  # P_j^T mu_j, stacked
    half_log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)  # -(1/2) log det Sigma_j
    const = (half_log_det - 0.5 * d * math.log(2.0 * math.pi))[:, None]
    out = np.empty((k, n))
    XT = X.T
    for a, b in _tiles(n, k, d):
        Y = PT @ XT[:, a:b]  # (kD, n_tile)
        Y -= shift
        Y *= Y
        maha = out[:, a:b]
        np.sum(Y.reshape(k, d, b - a), axis=1, out=maha)
        maha *= -0.5
        maha += const
    return out


def moments(X: np.ndarray, resp: np.ndarray, nk: np.ndarray):
    """Weighted means ``(k, D)`` and covariances ``(k, D, D)`` of the points for responsibilities ``resp`` (k, N):
    ``mu_j = sum_i gamma_ij x_i / N_j`` and ``sum_i gamma_ij (x_i - mu_j)(x_i - mu_j)^T / N_j``."""
    n, d = X.shape
    k = resp.shape[0]
    tiles = _tiles(n, k, d)
    weighted = np.zeros((k, d))
    for a, b in tiles:
        weighted += resp[:, a:b] @ X[a:b]
    means = weighted / nk[:, None]
    XT = X.T
    scatter = np.zeros((k, d, d))
    for a, b in tiles:
        diff = XT[None, :, a:b] - means[:, :, None]  # (k, D, n_tile): x_i - mu_j
        scatter += np.matmul(diff * resp[:, None, a:b], diff.transpose(0, 2, 1))
    return means, scatter / nk[:, None, None]
