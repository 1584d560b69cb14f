"""Segments as an image: every pixel replaced by the mean colour of its segment."""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array
from ._validate import as_labels

__all__ = ["segment_image"]


def segment_image(image, labels) -> np.ndarray:
    """The image of a segmentation's mean colours: each pixel replaced by the mean colour of its segment.

    ``out(p) = mean{image(q) : labels(q) = labels(p)}``.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey or colour image (finite real numbers, e.g. floats in ``[0, 1]``).
    labels : array_like of int, shape (H, W) or (H * W,)
        Segment of every pixel (any integers, e.g. the ``labels`` of :func:`~coursekit.clustering.kmeans` on
        ``image.reshape(-1, C)``).

    Returns
    -------
    numpy.ndarray of float64, shape of ``image``
        Pixel ``p`` of segment ``s`` holds ``mean{image[q] : labels[q] = s}``.

    Raises
    ------
    TypeError
        When ``image`` or ``labels`` does not hold numbers.
    ValueError
        When ``image`` is not 2-D or 3-D, holds NaN or infinity, or ``labels`` has not H x W integer entries.

    Examples
    --------
    >>> image = np.array([[0.0, 0.2, 1.0], [0.4, 0.8, 1.0]])
    >>> segment_image(image, np.array([[0, 0, 1], [0, 1, 1]]))
    array([[0.2       , 0.2       , 0.93333333],
           [0.2       , 0.93333333, 0.93333333]])
    """
    img = as_real_array(image, "image")
    if img.ndim not in (2, 3) or img.size == 0:
        raise ValueError(f"image must have shape (H, W) or (H, W, C), given shape {img.shape}")
    h, w = img.shape[:2]
    flat_labels = as_labels(labels, ((h, w), (h * w,)), what="segment labels",
                            per="one label per pixel of the image").reshape(-1)
    if flat_labels.min() >= 0 and flat_labels.max() < 4 * flat_labels.size:
        ids = flat_labels  # small non-negative labels index the bins directly
    else:
        ids = np.unique(flat_labels, return_inverse=True)[1].reshape(-1)
    pixels = img.reshape(h * w, -1)
    counts = np.maximum(np.bincount(ids), 1)
    out = np.empty_like(pixels)
    for c in range(pixels.shape[1]):
        out[:, c] = (np.bincount(ids, weights=pixels[:, c], minlength=counts.size) / counts)[ids]
    return out.reshape(img.shape)
