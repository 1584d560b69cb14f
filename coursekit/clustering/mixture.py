"""Gaussian mixtures with full covariances, fitted by EM: the E-step, the M-step and the loop.

``p(x) = sum_j pi_j N(x | mu_j, Sigma_j)`` is fitted by EM (Dempster, Laird & Rubin 1977):

- the *E-step* computes responsibilities ``gamma_ij = pi_j N(x_i | mu_j, Sigma_j) / p(x_i)`` (:func:`e_step`);
- the *M-step* re-estimates ``pi_j = N_j / N``, ``mu_j = sum_i gamma_ij x_i / N_j`` and
  ``Sigma_j = sum_i gamma_ij (x_i - mu_j)(x_i - mu_j)^T / N_j`` with ``N_j = sum_i gamma_ij`` (:func:`m_step`).

The mean log-likelihood ``(1/N) sum_i log p(x_i)`` never decreases. Densities are computed in log space from the
Cholesky factors of the precision matrices: no inverse, no determinant that could overflow, and no 0/0 for points far
from every component. The sums over points run in tiles (:mod:`coursekit.clustering._fast.gaussian`); the plain
versions they equal are :func:`_log_gaussian_plain` and :func:`_moments_plain`.

References
----------
.. [1] A. P. Dempster, N. M. Laird, D. B. Rubin, "Maximum Likelihood from Incomplete Data via the EM Algorithm",
   Journal of the Royal Statistical Society B 39(1):1-38, 1977.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import as_points, as_real_array, check_int, check_nonneg
from . import _fast
from ._validate import as_centers, check_k
from .k_means import assign_labels, kmeans

__all__ = ["e_step", "m_step", "gmm_em", "GMMResult"]

_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True, eq=False)
class GMMResult:
    """Result of :func:`gmm_em`.

    Attributes
    ----------
    weights : numpy.ndarray, shape (k,)
        Mixing weights ``pi_j`` (sum 1).
    means : numpy.ndarray, shape (k, D)
        Means ``mu_j``.
    covariances : numpy.ndarray, shape (k, D, D)
        Full covariance matrices ``Sigma_j`` (``reg_covar`` added to their diagonals).
    responsibilities : numpy.ndarray, shape (N, k)
        ``gamma_ij`` of the final parameters (rows sum to 1).
    labels : numpy.ndarray of int64, shape (N,)
        ``argmax_j gamma_ij``.
    log_likelihood : float
        Mean log-likelihood per sample ``(1/N) sum_i log p(x_i)`` of the final parameters (scikit-learn's
        ``GaussianMixture.score(X)``).
    history : tuple of float
        Mean log-likelihood of the parameters before each M-step and, last, of the final parameters:
        ``n_iter + 1`` values, non-decreasing (EM's guarantee), ``history[-1] == log_likelihood``.
    n_iter : int
        EM iterations (E-step + M-step) run.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    responsibilities: np.ndarray
    labels: np.ndarray
    log_likelihood: float
    history: tuple
    n_iter: int
    converged: bool


# ---------------------------------------------------------------------------------------------------------------
# densities from Cholesky factors


def _cholesky(matrices: np.ndarray, name: str) -> np.ndarray:
    """Lower Cholesky factors of a stack ``(k, D, D)`` of symmetric positive definite matrices."""
    try:
        return np.linalg.cholesky(matrices)
    except np.linalg.LinAlgError:
        for j in range(matrices.shape[0]):
            try:
                np.linalg.cholesky(matrices[j])
            except np.linalg.LinAlgError:
                raise ValueError(f"{name}[{j}] must be symmetric positive definite, given a matrix that is not (its "
                                 f"Cholesky factorisation failed); increase reg_covar if a component collapsed"
                                 ) from None
        raise


def _precision_cholesky(covariances: np.ndarray, name: str = "covariances") -> np.ndarray:
    """``P_j`` with ``P_j P_j^T = Sigma_j^{-1}``: ``P_j = L_j^{-T}``, ``L_j`` the lower Cholesky factor of ``Sigma_j``
    (forward substitution, all components at once)."""
    L = _cholesky(covariances, name)
    d = L.shape[1]
    inv = np.zeros_like(L)  # L^{-1}, lower triangular
    for i in range(d):
        row = -np.einsum("jc,jcm->jm", L[:, i, :i], inv[:, :i, :])
        row[:, i] += 1.0
        inv[:, i, :] = row / L[:, i, i][:, None]
    return inv.transpose(0, 2, 1)


def _log_gaussian_plain(X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray) -> np.ndarray:
    """``log N(x_i | mu_j, Sigma_j) = -(D/2) log(2 pi) + sum log diag(P_j) - (1/2) ||P_j^T (x_i - mu_j)||^2`` as a
    ``(k, N)`` array, with ``P_j P_j^T = Sigma_j^{-1}`` (``sum log diag(P_j) = -(1/2) log det Sigma_j``)."""
    z = np.einsum("knd,kde->kne", X[None, :, :] - means[:, None, :], prec_chol)  # P_j^T (x_i - mu_j)
    half_log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)
    return half_log_det[:, None] - 0.5 * X.shape[1] * math.log(2.0 * math.pi) - 0.5 * (z ** 2).sum(axis=2)


def _e_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray, prec_chol: np.ndarray):
    """Responsibilities ``(k, N)`` and the mean log-likelihood, in log space (log-sum-exp)."""
    log_p = _fast.log_gaussian(X, means, prec_chol)
    with np.errstate(divide="ignore"):
        log_p += np.log(weights)[:, None]  # log pi_j N(x_i | mu_j, Sigma_j)
    top = log_p.max(axis=0)
    log_p -= top
    np.exp(log_p, out=log_p)
    total = log_p.sum(axis=0)
    log_p /= total
    return log_p, float((np.log(total) + top).mean())


def _moments_plain(X: np.ndarray, resp: np.ndarray, nk: np.ndarray):
    """``mu_j = sum_i gamma_ij x_i / N_j`` and ``sum_i gamma_ij (x_i - mu_j)(x_i - mu_j)^T / N_j`` for
    responsibilities ``resp`` of shape ``(k, N)``."""
    means = resp @ X / nk[:, None]
    diff = X[None, :, :] - means[:, None, :]  # (k, N, D)
    return means, np.einsum("kn,knd,kne->kde", resp, diff, diff) / nk[:, None, None]


def _m_step(X: np.ndarray, resp: np.ndarray, reg_covar: float):
    """M-step from responsibilities ``(k, N)``; ``N_j`` gets ``10 eps`` added (as scikit-learn) so that a component
    with no responsibility has a defined mean."""
    n, d = X.shape
    nk = resp.sum(axis=1) + 10.0 * _EPS
    means, covariances = _fast.moments(X, resp, nk)
    covariances[:, np.arange(d), np.arange(d)] += reg_covar
    weights = nk / n
    return weights / weights.sum(), means, covariances


# ---------------------------------------------------------------------------------------------------------------
# validation of mixture parameters


def _check_weights(weights, k: int | None, name: str) -> np.ndarray:
    w = as_real_array(weights, name)
    if w.ndim != 1 or w.size == 0 or (k is not None and w.shape != (k,)):
        expected = f"({k},)" if k is not None else "(k,) with k >= 1"
        raise ValueError(f"{name} must have shape {expected}, one mixing weight per component, given shape {w.shape}")
    if (w < 0).any() or abs(w.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name} must be non-negative and sum to 1, given {np.array2string(w, precision=4)} "
                         f"(sum {w.sum():.6g})")
    return w


def _check_symmetric(matrices, k: int, d: int, name: str) -> np.ndarray:
    M = as_real_array(matrices, name)
    if M.shape != (k, d, d):
        raise ValueError(f"{name} must have shape ({k}, {d}, {d}), one D x D matrix per component, given "
                         f"shape {M.shape}")
    for j in range(k):
        if not np.allclose(M[j], M[j].T, rtol=1e-10, atol=1e-12 * np.abs(M[j]).max()):
            raise ValueError(f"{name}[{j}] must be symmetric, given a matrix that is not")
    return M


# ---------------------------------------------------------------------------------------------------------------
# the steps and the loop


def e_step(X, weights, means, covariances):
    """E-step of EM for a Gaussian mixture: responsibilities and the mean log-likelihood.

    ``gamma_ij = pi_j N(x_i | mu_j, Sigma_j) / sum_l pi_l N(x_i | mu_l, Sigma_l)`` and
    ``(1/N) sum_i log sum_j pi_j N(x_i | mu_j, Sigma_j)``, computed in log space: ``log N`` from the Cholesky factor
    of ``Sigma_j`` (no inverse, no determinant that could overflow), then log-sum-exp, so points far from every
    component do not underflow to 0/0.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    weights : array_like, shape (k,)
        Mixing weights ``pi_j >= 0`` summing to 1.
    means : array_like, shape (k, D)
        Means ``mu_j``.
    covariances : array_like, shape (k, D, D)
        Symmetric positive definite covariance matrices ``Sigma_j``.

    Returns
    -------
    responsibilities : numpy.ndarray, shape (N, k)
        Rows sum to 1.
    log_likelihood : float
        Mean log-likelihood per sample.

    Raises
    ------
    TypeError
        When an argument does not hold numbers.
    ValueError
        When shapes disagree, the weights are negative or do not sum to 1, or a covariance is not symmetric
        positive definite.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> resp, ll = e_step(X, [0.5, 0.5], [[0.0], [2.0]], [[[1.0]], [[1.0]]])
    >>> resp.round(3)
    array([[0.881, 0.119],
           [0.5  , 0.5  ],
           [0.119, 0.881]])
    >>> round(ll, 6)
    -1.463085
    """
    X = as_points(X)
    d = X.shape[1]
    w = _check_weights(weights, None, "weights")
    mu = as_centers(means, w.size, d, "means")
    cov = _check_symmetric(covariances, w.size, d, "covariances")
    resp, ll = _e_step(X, w, mu, _precision_cholesky(cov))
    return resp.T, ll


def m_step(X, responsibilities, reg_covar=1e-6):
    """M-step of EM for a Gaussian mixture with full covariances.

    With ``N_j = sum_i gamma_ij``: ``pi_j = N_j / N``, ``mu_j = (1 / N_j) sum_i gamma_ij x_i`` and
    ``Sigma_j = (1 / N_j) sum_i gamma_ij (x_i - mu_j)(x_i - mu_j)^T + reg_covar I``. ``10 eps`` is added to every
    ``N_j`` (as scikit-learn does) so that a component with no responsibility still has a mean (0) and a covariance
    (``reg_covar I``); ``reg_covar > 0`` keeps every covariance positive definite.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    responsibilities : array_like, shape (N, k)
        ``gamma_ij >= 0`` (rows normally sum to 1).
    reg_covar : float, default 1e-6
        Added to the diagonal of every covariance, ``>= 0``.

    Returns
    -------
    weights : numpy.ndarray, shape (k,)
    means : numpy.ndarray, shape (k, D)
    covariances : numpy.ndarray, shape (k, D, D)

    Raises
    ------
    TypeError
        When an array does not hold numbers or ``reg_covar`` is not a number.
    ValueError
        When shapes disagree, a responsibility is negative or not finite, or ``reg_covar < 0``.

    Examples
    --------
    >>> X = np.array([[0.0], [2.0], [10.0]])
    >>> weights, means, covariances = m_step(X, [[1, 0], [1, 0], [0, 1]], reg_covar=0.0)
    >>> weights.round(4), means.round(4), covariances.round(4)
    (array([0.6667, 0.3333]), array([[ 1.],
           [10.]]), array([[[1.]],
    <BLANKLINE>
           [[0.]]]))
    """
    X = as_points(X)
    n = X.shape[0]
    R = as_real_array(responsibilities, "responsibilities")
    if R.ndim != 2 or R.shape[0] != n or R.shape[1] == 0:
        raise ValueError(f"responsibilities must have shape ({n}, k), one row per point, given shape {R.shape}")
    if (R < 0).any():
        i, j = (int(v) for v in np.argwhere(R < 0)[0])
        raise ValueError(f"responsibilities must be non-negative, given {R[i, j]} at index ({i}, {j})")
    reg_covar = check_nonneg(reg_covar, "reg_covar")
    return _m_step(X, np.ascontiguousarray(R.T), reg_covar)


def _initial_mixture(X, k, means_init, weights_init, precisions_init, reg_covar, seed):
    """Weights, means and Cholesky factors of the precisions to start EM from (see :func:`gmm_em`)."""
    n, d = X.shape
    if means_init is not None:
        means0 = as_centers(means_init, k, d, "means_init")
        labels0 = assign_labels(X, means0)
    else:
        labels0 = kmeans(X, k, seed=seed, keep_labels=False).labels
    resp0 = np.zeros((k, n))
    resp0[labels0, np.arange(n)] = 1.0  # hard responsibilities: one M-step on the clusters
    weights, means, covariances = _m_step(X, resp0, reg_covar)
    if means_init is not None:
        means = means0
    if weights_init is not None:
        weights = _check_weights(weights_init, k, "weights_init")
    if precisions_init is None:
        return weights, means, _precision_cholesky(covariances)
    return weights, means, _cholesky(_check_symmetric(precisions_init, k, d, "precisions_init"), "precisions_init")


def gmm_em(X, k, means_init=None, weights_init=None, precisions_init=None, max_iter=100, tol=1e-6,
           reg_covar=1e-6, seed=None) -> GMMResult:
    """Fit a Gaussian mixture with full covariances by EM (Dempster, Laird & Rubin 1977).

    Each iteration runs the E-step (:func:`e_step`: responsibilities ``gamma_ij`` and the mean log-likelihood of the
    current parameters) and the M-step (:func:`m_step`). The mean log-likelihood never decreases.

    **Initialisation.** Without ``means_init``: k-means (:func:`~coursekit.clustering.kmeans`, k-means++ seeding
    drawn from ``seed``) and one M-step on its hard labels (``gamma_ij = 1`` for the point's cluster) give the weights,
    means and covariances, as scikit-learn's default ``init_params="kmeans"``. With ``means_init``: the hard labels are
    those of the nearest given mean and the means are ``means_init``. ``weights_init`` and ``precisions_init`` (inverse
    covariances, as in scikit-learn) replace the weights and covariances so obtained.

    **Stopping rule** (scikit-learn's, so that both run the same iterations): at iteration ``t`` the E-step gives the
    mean log-likelihood ``L_t`` of the current parameters, the M-step new parameters; stop when
    ``|L_t - L_{t-1}| < tol`` (``converged=True``) or after ``max_iter`` iterations.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points.
    k : int
        Number of components, ``1 <= k <= N``.
    means_init : array_like, shape (k, D), optional
        Initial means.
    weights_init : array_like, shape (k,), optional
        Initial weights (non-negative, sum 1).
    precisions_init : array_like, shape (k, D, D), optional
        Initial precision matrices ``Sigma_j^{-1}`` (symmetric positive definite).
    max_iter : int, default 100
        Most EM iterations, ``>= 1``.
    tol : float, default 1e-6
        Tolerance on the change of the mean log-likelihood, ``>= 0``.
    reg_covar : float, default 1e-6
        Added to the diagonal of every covariance (keeps them invertible), ``>= 0``.
    seed : None, int or numpy.random.Generator
        Randomness of the k-means initialisation (unused with ``means_init``).

    Returns
    -------
    GMMResult
        ``weights``, ``means``, ``covariances``, ``responsibilities`` (``(N, k)``) and ``labels`` of the final
        parameters, ``log_likelihood`` (mean per sample, final parameters), ``history`` (``n_iter + 1`` mean
        log-likelihoods, the last one the final), ``n_iter``, ``converged``.

    Raises
    ------
    TypeError
        When an array does not hold numbers, ``k`` or ``max_iter`` is not an int, ``tol`` or ``reg_covar`` not a
        number, ``seed`` not an int or a Generator.
    ValueError
        For a point set that is not a finite ``(N, D)`` array, ``k`` out of range, initial parameters of the wrong
        shape (or weights not summing to 1, precisions not positive definite), ``max_iter < 1``, ``tol < 0`` or
        ``reg_covar < 0``.

    Notes
    -----
    With the same ``means_init``, ``weights_init`` and ``precisions_init``, the parameters and ``log_likelihood``
    equal those of ``sklearn.mixture.GaussianMixture(k, covariance_type="full", ...)`` with the same ``tol``,
    ``reg_covar`` and ``max_iter`` (its ``score(X)``) up to rounding.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(0.0, 1.0, (200, 2)), rng.normal(6.0, 0.5, (100, 2))])
    >>> result = gmm_em(X, 2, means_init=[[0.0, 0.0], [6.0, 6.0]])
    >>> result.weights.round(2), result.means.round(1)
    (array([0.67, 0.33]), array([[-0.1,  0. ],
           [ 6. ,  6. ]]))
    >>> bool(np.all(np.diff(result.history) >= -1e-10)), result.converged
    (True, True)
    """
    X = as_points(X)
    k = check_k(k, X.shape[0])
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = check_nonneg(tol, "tol")
    reg_covar = check_nonneg(reg_covar, "reg_covar")
    weights, means, prec_chol = _initial_mixture(X, k, means_init, weights_init, precisions_init, reg_covar, seed)
    history, converged, previous = [], False, -np.inf
    for it in range(1, max_iter + 1):
        resp, ll = _e_step(X, weights, means, prec_chol)  # E-step: gamma and L_t of the current parameters
        history.append(ll)
        weights, means, covariances = _m_step(X, resp, reg_covar)  # M-step
        prec_chol = _precision_cholesky(covariances)
        if abs(ll - previous) < tol:
            converged = True
            break
        previous = ll
    resp, ll = _e_step(X, weights, means, prec_chol)
    history.append(ll)
    return GMMResult(weights=weights, means=means, covariances=covariances, responsibilities=resp.T,
                     labels=np.argmax(resp, axis=0).astype(np.int64), log_likelihood=ll, history=tuple(history),
                     n_iter=it, converged=converged)
