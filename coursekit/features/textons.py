"""Textons: k-means on the pixels' filter-response vectors, and histograms of texton labels as texture features.

Textons are the ``k`` cluster centres of the response vectors ``r(p)`` (:mod:`coursekit.features.filters`);
``t(p)`` in ``{0, ..., k - 1}`` is the texton of pixel ``p``, and ``h(p)`` the normalised histogram of ``t`` over the
``w x w`` window centred at ``p``: it describes the texture there, so that regions of equal mean intensity but
different texture can be told apart.

References
----------
.. [1] T. Leung, J. Malik, "Representing and Recognizing the Visual Appearance of Materials using
   Three-dimensional Textons", International Journal of Computer Vision 43(1):29-44, 2001. Textons as k-means
   centres of filter responses.
.. [2] J. Malik, S. Belongie, T. Leung, J. Shi, "Contour and Texture Analysis for Image Segmentation",
   International Journal of Computer Vision 43(1):7-27, 2001. Texton channels, and histograms of textons in a local
   window (Section 3) as the texture descriptor for segmentation.
.. [3] D. Arthur, S. Vassilvitskii, "k-means++: The Advantages of Careful Seeding", SODA 2007.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int, rng
from ..clustering import assign_labels, kmeans
from ._validate import as_float_array, check_finite

__all__ = ["texton_map", "texton_histograms"]


def _n_distinct(points: np.ndarray) -> int:
    """How many distinct rows ``points`` holds (each row compared as one block of bytes; -0.0 counts as 0.0)."""
    rows = np.ascontiguousarray(points + 0.0)
    return len(np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))))


def texton_map(responses, k: int, seed=0, *, max_samples: int | None = 10_000) -> np.ndarray:
    """Textons (Leung & Malik 2001, in the module's References): k-means on the pixels' filter-response vectors,
    and the texton label of every pixel.

    The response vectors ``r(p)`` (``responses.reshape(H * W, F)``) are clustered into ``k`` clusters with the
    course's k-means (:func:`coursekit.clustering.kmeans`: k-means++ seeding, Lloyd's iterations until the assignment
    stops changing, at most 100; an empty cluster keeps its centre); the cluster centres are the textons, and every
    pixel gets the label of the nearest texton in Euclidean distance (:func:`coursekit.clustering.assign_labels`):
    ``t(p) = argmin_j ||r(p) - c_j||``. When the fitted pixels hold fewer than ``k`` distinct response vectors (a
    flat image), each distinct vector is a texton. To stay fast on large images, the centres are fitted on
    ``max_samples`` pixels drawn at random without replacement (all pixels when there are fewer), then *all* pixels
    are assigned. The responses are used as they are (no contrast normalisation); the kernels of
    :func:`~coursekit.features.filter_bank` are L1-normalised, so the filters' responses have comparable ranges.

    Parameters
    ----------
    responses : array_like
        ``(H, W, F)`` filter responses (:func:`~coursekit.features.filter_responses`), finite; or ``(H, W)`` for a
        single feature.
    k : int
        Number of textons, ``1 <= k <= H * W``.
    seed : int or numpy.random.Generator
        Seed of the subsample and of the k-means++ seeding; the result is deterministic in ``seed``.
    max_samples : int or None
        Number of pixels the centres are fitted on (>= ``k``); None fits on all pixels.

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(H, W)`` texton labels in ``{0, ..., k - 1}``. The numbering of the textons is arbitrary
        (compare texton maps up to a permutation of the labels); a texton may end up with no pixel.

    Raises
    ------
    ValueError
        For responses that are not ``(H, W, F)`` (or ``(H, W)``), are empty or not finite; ``k < 1`` or
        ``k > H * W``; ``max_samples < k``.
    TypeError
        For non-integer ``k`` or ``max_samples``, a bad ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> responses = np.zeros((4, 6, 2))
    >>> responses[:, 3:] = [5.0, -1.0]  # the right half responds differently from the left half
    >>> textons = texton_map(responses, k=2, seed=0)
    >>> bool((textons[:, :3] == textons[0, 0]).all() and (textons[:, 3:] != textons[0, 0]).all())
    True
    """
    arr = as_float_array(responses, "responses")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"responses must be an (H, W, F) array of filter responses, got shape {arr.shape}")
    h, w, f = arr.shape
    if h == 0 or w == 0 or f == 0:
        raise ValueError(f"responses must not be empty, got shape {arr.shape}")
    check_finite(arr, "responses")
    n = h * w
    k = check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k must be at most the number of pixels H * W = {n}, got k = {k}")
    if max_samples is not None:
        max_samples = check_int(max_samples, "max_samples", 1)
        if max_samples < k:
            raise ValueError(f"max_samples must be >= k = {k} (or None), got {max_samples}")
    generator = rng(seed)

    points = arr.reshape(n, f)
    if max_samples is not None and n > max_samples:
        sample = points[np.sort(generator.choice(n, size=max_samples, replace=False))]
    else:
        sample = points
    # k-means++ draws k distinct vectors: when the sample holds fewer (a flat image), each distinct vector is a texton
    k_fit = min(k, _n_distinct(sample))
    centers = kmeans(sample, k_fit, max_iter=100, tol=0.0, seed=generator, keep_labels=False).centers
    return assign_labels(points, centers).reshape(h, w)


def texton_histograms(texton_map, k: int, window: int) -> np.ndarray:
    """The normalised histogram of texton labels in the ``window x window`` neighbourhood of every pixel (Malik,
    Belongie, Leung & Shi 2001, Section 3; see the module's References).

    ``h(p)[j]`` is the fraction of the pixels ``q`` of the window centred at ``p`` whose texton is ``j``:
    ``h(p)[j] = (1 / w^2) * #{q in window(p) : t(q) = j}``, so ``h(p)`` sums to 1. Near the border the window is
    completed by mirroring the texton map with the edge pixel repeated (``d c b a | a b c d``: ``numpy.pad`` mode
    ``"symmetric"``, ``scipy.ndimage`` mode ``"reflect"``), so every window holds ``w^2`` labels. Computed with one
    :func:`scipy.ndimage.uniform_filter` of the one-hot encoding of the map (a box filter per texton).

    Parameters
    ----------
    texton_map : array_like of int
        ``(H, W)`` texton labels in ``{0, ..., k - 1}`` (:func:`texton_map`); bool is read as 0 and 1.
    k : int
        Number of textons, >= 1 (the length of each histogram).
    window : int
        Side ``w`` of the square window, odd (the window is centred on the pixel) and >= 1.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H, W, k)``, every ``[y, x, :]`` a histogram that sums to 1.

    Raises
    ------
    ValueError
        For a map that is not 2-D or empty, labels that are not integers or lie outside ``[0, k)``, ``k < 1``, or
        an even or non-positive ``window``.
    TypeError
        For non-integer ``k`` or ``window``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[0, 0, 1],
    ...               [0, 2, 1],
    ...               [2, 2, 1]])
    >>> texton_histograms(t, k=3, window=3)[1, 1]  # the whole map: 3 zeros, 3 ones, 3 twos
    array([0.33333333, 0.33333333, 0.33333333])
    >>> texton_histograms(t, k=3, window=1)[2, 0]
    array([0., 0., 1.])
    """
    arr = np.asarray(texton_map)
    if arr.ndim != 2:
        raise ValueError(f"texton_map must be a 2-D (H, W) label map, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"texton_map must not be empty, got shape {arr.shape}")
    if arr.dtype.kind not in "biu":
        hint = "; convert whole numbers with .astype(np.int64)" if arr.dtype.kind == "f" else ""
        raise ValueError(f"texton_map must hold integer labels (an integer or bool dtype), got dtype {arr.dtype}"
                         f"{hint}")
    k = check_int(k, "k", 1)
    window = check_int(window, "window", 1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd (the window is centred on the pixel), got {window}")
    labels = arr.astype(np.int64)
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= k:
        bad = (labels < 0) | (labels >= k)
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), labels.shape))
        raise ValueError(f"texton_map labels must lie in [0, k) = [0, {k}), got {labels[pos]} at index {pos}")
    from scipy.ndimage import uniform_filter

    one_hot = (labels[:, :, None] == np.arange(k)[None, None, :]).astype(np.float64)
    hist = uniform_filter(one_hot, size=(window, window, 1), mode="reflect")
    np.clip(hist, 0.0, None, out=hist)  # round-off of the running sums
    hist /= hist.sum(axis=-1, keepdims=True)
    return hist
