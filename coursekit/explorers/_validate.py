"""Argument checks of the explorers, by the course's one rule (:mod:`coursekit._checks`): ``TypeError`` when the
kind is wrong (not an integer, not a number, not numeric data), ``ValueError`` when the kind is right but the value is
not (outside the slider's range, NaN, a wrong shape)."""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import as_image, check_int, check_nonneg


def int_in(value, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``lo .. hi`` (a slider's range)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) and not lo <= value <= hi:
        raise ValueError(f"{name} must lie in {lo} .. {hi}, given {value}")
    return check_int(value, name, lo)


def number_in(value, name: str, hi: float) -> float:
    """``value`` as a finite float in ``[0, hi]`` (a slider's range)."""
    value = check_nonneg(value, name)
    if value > hi:
        raise ValueError(f"{name} must lie in [0, {hi:g}], given {value:g}")
    return value


def small_rgb(image, size) -> np.ndarray:
    """An RGB image in [0, 1], downsampled by striding so that its longer side is at most ``size`` (>= 8)."""
    size = check_int(size, "size", 8)
    img = as_image(image)
    if img.ndim != 3 or min(img.shape[:2]) < 2:
        raise ValueError(f"image must be an RGB image of shape (H, W, 3) with H, W >= 2, given shape {img.shape}")
    step = int(np.ceil(max(img.shape[:2]) / size))
    return np.ascontiguousarray(img[::step, ::step])
