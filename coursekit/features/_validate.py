"""Argument checks of the feature functions: numeric arrays, finite values, images in [0, 1].

The course's one rule: ``TypeError`` when the kind is wrong (not numeric data, not an int), ``ValueError`` when the
kind is right but the value is not (shape, NaN or infinity, out of range). Integers, numbers and seeds are checked by
:mod:`coursekit._checks`.
"""

from __future__ import annotations

import numpy as np


def as_float_array(a, name: str) -> np.ndarray:
    """``a`` as a float64 array (bool read as 0 and 1); TypeError for data that are not real numbers."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_finite(arr: np.ndarray, name: str) -> None:
    """ValueError naming the first NaN or infinity of ``arr``."""
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), arr.shape))
        raise ValueError(f"{name} must be finite, got {arr[pos]} at index {pos}")


def as_image(image, name: str = "image", gray_only: bool = False) -> np.ndarray:
    """A float64 image in [0, 1], (H, W) or (H, W, 3); ValueError/TypeError saying what was given."""
    arr = as_float_array(image, name)
    expected = "a 2-D (H, W) grey image" if gray_only else "a (H, W) grey or (H, W, 3) RGB image"
    if gray_only and arr.ndim == 3 and arr.shape[-1] == 3:
        raise ValueError(f"{name} must be {expected}, got an RGB image of shape {arr.shape}; convert it with "
                         f"skimage.color.rgb2gray first")
    if arr.ndim == 3 and arr.shape[-1] == 4 and not gray_only:
        raise ValueError(f"{name} must be {expected}, got shape {arr.shape} (4 channels); drop the alpha channel "
                         f"with {name}[..., :3]")
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] == 3 and not gray_only)):
        raise ValueError(f"{name} must be {expected}, got an array of shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape {arr.shape}")
    check_finite(arr, name)
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        bad = (arr < 0.0) | (arr > 1.0)
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), arr.shape))
        raise ValueError(f"{name} must have values in [0, 1], got {arr[pos]} at index {pos} (range [{lo}, {hi}]); "
                         f"for an 8-bit image use skimage.util.img_as_float")
    return arr
