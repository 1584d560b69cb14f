"""Argument checks of the figures, by the course's one rule (:mod:`coursekit._checks`): ``TypeError`` when the kind
is wrong (not numeric data, not a list of panels), ``ValueError`` when the kind is right but the value is not (a
shape, a dtype a figure cannot use, a label out of range, a name that is none of the choices)."""

from __future__ import annotations

import numpy as np

from .._checks import as_int_array, check_choice, check_int


def as_label_map(labels, name: str = "labels") -> np.ndarray:
    """A ``(H, W)`` label map as int64 (bools read as 0 and 1)."""
    lab = np.asarray(labels)
    if lab.dtype.kind == "f":
        raise ValueError(f"{name} must be an integer (or bool) label map, given dtype {lab.dtype}; for float images "
                         f"use show_image, or convert class indices with .astype(np.int64)")
    lab = as_int_array(lab, name, "integer labels", bool_ok=True)
    if lab.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) label map, given an array of shape {lab.shape}")
    return lab


def as_picture(image, name: str = "image") -> np.ndarray:
    """A ``(H, W)`` grey or ``(H, W, 3)`` RGB image as float64; uint8 and uint16 images are scaled to [0, 1]."""
    img = np.asarray(image)
    if img.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, given dtype {img.dtype}")
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] != 3):
        raise ValueError(f"{name} must be (H, W) grey or (H, W, 3) RGB, given an array of shape {img.shape}")
    if img.dtype in (np.uint8, np.uint16):
        return img / float(np.iinfo(img.dtype).max)
    if img.dtype.kind in "iu":
        raise ValueError(f"{name} must be a float image in [0, 1] (or uint8), given dtype {img.dtype}; for label "
                         f"maps use show_labels")
    return img.astype(np.float64, copy=False)


def value_range(img: np.ndarray):
    """``(smallest, largest)`` finite value of ``img``, or None when it has none."""
    finite = img[np.isfinite(img)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def in_unit_range(img: np.ndarray) -> bool:
    """Whether the finite values of ``img`` lie in [0, 1] (up to rounding)."""
    span = value_range(img)
    return span is None or (span[0] >= -1e-6 and span[1] <= 1 + 1e-6)


def resolve_classes(lab: np.ndarray, num_classes, class_names, ignore_index, name: str = "labels"):
    """Check the label values; return ``(num_classes, class names as str or None, valid-pixel mask)``."""
    ignored = (lab == ignore_index) if ignore_index is not None else np.zeros(lab.shape, dtype=bool)
    valid = lab[~ignored]
    if valid.size and valid.min() < 0:
        raise ValueError(f"{name} must be >= 0 (or ignore_index={ignore_index}), given a label {int(valid.min())}")
    if class_names is not None:
        class_names = [str(c) for c in class_names]
        if num_classes is None:
            num_classes = len(class_names)
    if num_classes is None:
        num_classes = int(valid.max()) + 1 if valid.size else 1
    num_classes = check_int(num_classes, "num_classes", 1)
    if class_names is not None and len(class_names) != num_classes:
        raise ValueError(f"class_names must have num_classes={num_classes} names, given {len(class_names)}")
    if valid.size and valid.max() >= num_classes:
        bad = np.unique(valid[valid >= num_classes])
        raise ValueError(f"{name} must be < num_classes={num_classes} (or ignore_index={ignore_index}), given labels "
                         f"{bad[:10].tolist()}")
    return num_classes, class_names, ~ignored


def check_legend(legend) -> None:
    """``legend`` is True, False, ``"all"`` or ``"present"``."""
    if isinstance(legend, (bool, np.bool_)):
        return
    if not isinstance(legend, str):
        raise TypeError(f"legend must be True, False, 'all' or 'present', given {type(legend).__name__} {legend!r}")
    check_choice(legend, "legend", ("all", "present"))
