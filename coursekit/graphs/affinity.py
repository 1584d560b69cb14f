"""Affinity matrices ``W``: Gaussian affinities of points, and colour-times-space affinities of an image's pixels."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from .._checks import as_points, as_real_array, check_positive, check_real

__all__ = ["gaussian_affinity", "image_affinity"]


def _as_features(image) -> np.ndarray:
    """An ``(H, W)`` or ``(H, W, C)`` image as an ``(H, W, C)`` float64 array of features ``F`` (any real values)."""
    F = as_real_array(image, "image", bool_ok=True)
    if F.ndim not in (2, 3) or F.size == 0:
        raise ValueError(f"image must be a non-empty (H, W) grey or (H, W, 3) colour image, given shape {F.shape}")
    return F.reshape(F.shape[0], F.shape[1], -1)


def _check_radius(value) -> float:
    value = check_real(value, "radius")
    if value < 1:
        raise ValueError(f"radius must be >= 1 (pixels; 1 joins the 4 nearest neighbours), given {value:g}")
    return value


def gaussian_affinity(X, sigma) -> np.ndarray:
    """Dense Gaussian affinity matrix of a point set.

    ``w_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))``, with ``w_ii = 1``. A small ``sigma`` groups only nearby points;
    a large one groups distant points too. This is scikit-learn's
    :func:`~sklearn.metrics.pairwise.rbf_kernel` with ``gamma = 1 / (2 sigma^2)``.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Points ``x_i``, one per row.
    sigma : float
        Scale of the affinity, ``> 0``, in the units of ``X``.

    Returns
    -------
    numpy.ndarray, shape (N, N)
        Symmetric affinities in (0, 1], 1 on the diagonal.

    References
    ----------
    Shi & Malik 2000 (the weights ``w_ij`` of a graph of points).

    Examples
    --------
    >>> gaussian_affinity([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]], sigma=1.0).round(4)
    array([[1.    , 0.6065, 0.0111],
           [0.6065, 1.    , 0.1353],
           [0.0111, 0.1353, 1.    ]])
    """
    X = as_points(X)
    sigma = check_positive(sigma, "sigma")
    squared_distances = cdist(X, X, "sqeuclidean")
    return np.exp(-squared_distances / (2 * sigma**2))


def _half_offsets(radius: float, height: int, width: int) -> list[tuple[int, int]]:
    """Pixel offsets ``(dr, dc)`` with ``0 < dr^2 + dc^2 <= radius^2``, one of each pair ``+-(dr, dc)``, that join
    at least one pair of pixels of a ``height x width`` image."""
    r = int(np.floor(radius))
    dr, dc = np.mgrid[0 : r + 1, -r : r + 1]
    keep = ((dr > 0) | (dc > 0)) & (dr**2 + dc**2 <= radius**2) & (dr < height) & (abs(dc) < width)
    return list(zip(dr[keep].tolist(), dc[keep].tolist()))


def image_affinity(image, sigma_color, sigma_space, radius):
    """Sparse affinity matrix of an image's pixels: colour similarity times spatial proximity.

    ``w_ij = exp(-||F_i - F_j||^2 / (2 sigma_color^2)) * exp(-||X_i - X_j||^2 / (2 sigma_space^2))``

    for pixels ``i != j`` with ``||X_i - X_j|| <= radius``, and 0 otherwise (no self-loops). ``F_i`` is the intensity
    of pixel ``i`` in a grey image, its colour vector in a colour one; ``X_i`` its position ``(row, col)``.

    The matrix is built one offset ``(dr, dc)`` at a time: every pixel pair at that offset at once, and both ``w_ij``
    and ``w_ji`` from the same number, so ``W`` is exactly symmetric. Weights that underflow to 0 are not stored.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey or colour image (any real features per pixel, e.g. RGB in [0, 1]).
    sigma_color : float
        Scale of the feature term, ``> 0``, in the units of the image.
    sigma_space : float
        Scale of the space term, ``> 0``, in pixels.
    radius : float
        Largest distance between joined pixels, ``>= 1`` (1: the 4 nearest neighbours, ``sqrt(2)``: 8).

    Returns
    -------
    scipy.sparse.csr_array, shape (H*W, H*W)
        Nodes in raster order: pixel ``(row, col)`` is node ``row * W + col``.

    References
    ----------
    Shi & Malik 2000 (the weights of their image graphs: brightness or colour, times distance, within a radius).

    Examples
    --------
    >>> import numpy as np
    >>> W = image_affinity(np.array([[0.0, 0.0], [0.0, 1.0]]), sigma_color=1.0, sigma_space=1.0, radius=1)
    >>> W.toarray().round(4)
    array([[0.    , 0.6065, 0.6065, 0.    ],
           [0.6065, 0.    , 0.    , 0.3679],
           [0.6065, 0.    , 0.    , 0.3679],
           [0.    , 0.3679, 0.3679, 0.    ]])
    """
    F = _as_features(image)
    sigma_color = check_positive(sigma_color, "sigma_color")
    sigma_space = check_positive(sigma_space, "sigma_space")
    radius = _check_radius(radius)
    H, W = F.shape[:2]
    node = np.arange(H * W, dtype=np.int32).reshape(H, W)  # int32 indices, as scipy.sparse.csgraph and sklearn use
    rows, cols, weights = [], [], []
    for dr, dc in _half_offsets(radius, H, W):
        # every pixel p with p + (dr, dc) inside the image, and that neighbour q
        p = (slice(0, H - dr), slice(max(0, -dc), W - max(0, dc)))
        q = (slice(dr, H), slice(max(0, dc), W - max(0, -dc)))
        color = np.sum((F[p] - F[q]) ** 2, axis=-1)
        w = (np.exp(-color / (2 * sigma_color**2)) * np.exp(-(dr**2 + dc**2) / (2 * sigma_space**2))).ravel()
        rows += [node[p].ravel(), node[q].ravel()]
        cols += [node[q].ravel(), node[p].ravel()]
        weights += [w, w]
    if not weights:  # a single pixel
        return sp.csr_array((H * W, H * W), dtype=np.float64)
    pairs = (np.concatenate(rows), np.concatenate(cols))
    affinity = sp.coo_array((np.concatenate(weights), pairs), shape=(H * W, H * W)).tocsr()
    affinity.eliminate_zeros()
    return affinity

