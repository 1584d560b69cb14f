"""The course's palettes: one colour per class (label maps painted in it), and colour-blind-safe colours for a
prediction's right and wrong pixels."""

from __future__ import annotations

import colorsys

import numpy as np

from .._checks import check_int
from ._validate import as_label_map, resolve_classes

__all__ = ["label_colors", "label_cmap", "colorize_labels", "IGNORE_COLOR", "OUTCOME_COLORS", "CORRECT", "INCORRECT",
           "outcome_rgb", "outcome_patches"]

# class 0: black; classes 1-10: matplotlib's tab10; classes 11-20: the light halves of tab20; then golden-ratio hues
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_TAB20_LIGHT = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d",
                "#9edae5")
#: The colour of ignored pixels (VOC draws its 255 border white/cream).
IGNORE_COLOR = np.array([1.0, 1.0, 1.0])
#: The pixels of a binary prediction against its ground truth, in Okabe & Ito's colour-blind-safe colours (not green
#: and red, which one reader in twelve cannot tell apart): true positives blue, false positives vermillion, false
#: negatives (missed foreground) yellow, true negatives dark grey.
OUTCOME_COLORS = {"TP": "#0072B2", "FP": "#D55E00", "FN": "#F0E442", "TN": "#262626"}
#: Right and wrong, as the course draws them everywhere (a correct result, a good run: blue; a wrong one: vermillion).
CORRECT, INCORRECT = OUTCOME_COLORS["TP"], OUTCOME_COLORS["FP"]
_OUTCOME_NAMES = {"TP": "TP: correct", "FP": "FP: false alarm", "FN": "FN: missed"}


def _hex(h: str) -> tuple[float, float, float]:
    return tuple(int(h[i: i + 2], 16) / 255.0 for i in (1, 3, 5))


def _palette_color(k: int) -> tuple[float, float, float]:
    if k == 0:
        return (0.0, 0.0, 0.0)
    if k <= 10:
        return _hex(_TAB10[k - 1])
    if k <= 20:
        return _hex(_TAB20_LIGHT[k - 11])
    hue = ((k - 21) * 0.618033988749895 + 0.05) % 1.0
    sat, val = (0.75, 0.9) if (k - 21) % 2 == 0 else (0.55, 0.7)
    return colorsys.hsv_to_rgb(hue, sat, val)


def label_colors(num_classes: int) -> np.ndarray:
    """The course's fixed palette: one distinct RGB colour per class.

    Class 0 (background) is black, classes 1 to 10 take matplotlib's tab10 colours, 11 to 20 the light tab20
    colours (so 21 PASCAL VOC classes are all distinct), and further classes golden-ratio hues. The palette does
    not depend on ``num_classes``: ``label_colors(5)`` is the start of ``label_colors(21)``.

    Parameters
    ----------
    num_classes : int
        Number of classes, >= 1.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(num_classes, 3)``, RGB in [0, 1].

    Raises
    ------
    TypeError
        If ``num_classes`` is not an int.
    ValueError
        If ``num_classes`` is below 1.

    Examples
    --------
    >>> label_colors(3).shape
    (3, 3)
    >>> label_colors(3)[0].tolist()
    [0.0, 0.0, 0.0]
    """
    num_classes = check_int(num_classes, "num_classes", 1)
    return np.array([_palette_color(k) for k in range(num_classes)], dtype=np.float64)


def label_cmap(num_classes: int):
    """The palette of :func:`label_colors` as a matplotlib colormap with one colour per class.

    Use it with ``vmin=-0.5, vmax=num_classes - 0.5`` (or as ``imshow(labels, cmap=..., interpolation="nearest",
    vmin=0, vmax=num_classes - 1)``) so that label ``k`` gets colour ``k``.

    Parameters
    ----------
    num_classes : int
        Number of classes (colours of the map), >= 1.

    Returns
    -------
    matplotlib.colors.ListedColormap

    Examples
    --------
    >>> label_cmap(4).N
    4
    """
    from matplotlib.colors import ListedColormap

    return ListedColormap(label_colors(num_classes), name=f"coursekit_labels_{num_classes}")


def colorize_labels(labels, num_classes: int | None = None, ignore_index: int | None = 255) -> np.ndarray:
    """An RGB picture of a label map: label ``k`` in colour ``label_colors(num_classes)[k]``.

    Parameters
    ----------
    labels : array_like of int
        ``(H, W)`` label map with values in ``0 .. num_classes - 1``, or ``ignore_index``.
    num_classes : int, optional
        Number of classes; by default the largest label (other than ``ignore_index``) plus one.
    ignore_index : int or None
        Label of pixels to ignore (VOC's 255 border), drawn white; None: no such label.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H, W, 3)`` in [0, 1].

    Raises
    ------
    TypeError
        If ``labels`` does not hold numbers.
    ValueError
        If ``labels`` is not a 2-D map of integers (or bools), or has a label < 0 or >= ``num_classes`` other than
        ``ignore_index``.

    Examples
    --------
    >>> import numpy as np
    >>> rgb = colorize_labels(np.array([[0, 1], [2, 255]]))
    >>> rgb.shape, rgb[1, 1].tolist()
    ((2, 2, 3), [1.0, 1.0, 1.0])
    """
    lab = as_label_map(labels)
    num_classes, _, valid = resolve_classes(lab, num_classes, None, ignore_index)
    rgb = label_colors(num_classes)[np.where(valid, lab, 0)]
    rgb[~valid] = IGNORE_COLOR
    return rgb


def _outcome_table() -> np.ndarray:
    """``(5, 3)`` RGB of the outcomes, indexed by ``2 * pred + truth`` (TN, FN, FP, TP), then ignored pixels."""
    return np.array([_hex(OUTCOME_COLORS[k]) for k in ("TN", "FN", "FP", "TP")] + [tuple(IGNORE_COLOR)])


_OUTCOMES = _outcome_table()


def paint_outcomes(pred: np.ndarray, truth: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """:func:`outcome_rgb` without the checks, for bool maps of one shape (the explorers call it at every step)."""
    index = 2 * pred.astype(np.intp) + truth
    if valid is not None:
        index = np.where(valid, index, 4)
    return _OUTCOMES[index]


def outcome_rgb(pred, truth, valid=None) -> np.ndarray:
    """An RGB picture of a binary prediction against its ground truth, in :data:`OUTCOME_COLORS`.

    Parameters
    ----------
    pred, truth : array_like of bool or int
        ``(H, W)`` maps, nonzero where the prediction (the ground truth) is foreground.
    valid : array_like of bool, optional
        ``(H, W)``: False where a pixel is ignored (drawn white); by default every pixel counts.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H, W, 3)`` in [0, 1].

    Raises
    ------
    TypeError
        If a map does not hold numbers.
    ValueError
        If a map is not 2-D or the maps differ in shape.

    Examples
    --------
    >>> import numpy as np
    >>> rgb = outcome_rgb(np.array([[1, 1, 0, 0]]), np.array([[1, 0, 1, 0]]))
    >>> rgb[0].round(2).tolist()  # TP blue, FP vermillion, FN yellow, TN dark grey
    [[0.0, 0.45, 0.7], [0.84, 0.37, 0.0], [0.94, 0.89, 0.26], [0.15, 0.15, 0.15]]
    """
    maps = [as_label_map(m, name) != 0 for m, name in ((pred, "pred"), (truth, "truth"))]
    if valid is not None:
        maps.append(as_label_map(valid, "valid") != 0)
    shapes = {m.shape for m in maps}
    if len(shapes) != 1:
        raise ValueError(f"pred, truth (and valid) must have one shape, given shapes {[m.shape for m in maps]}")
    return paint_outcomes(*maps)


def outcome_patches(kinds=("TP", "FP", "FN")) -> list:
    """Legend entries (matplotlib patches) of the outcomes ``kinds``, e.g. ``ax.legend(handles=outcome_patches())``.

    Examples
    --------
    >>> [p.get_label() for p in outcome_patches()]
    ['TP: correct', 'FP: false alarm', 'FN: missed']
    """
    from matplotlib.patches import Patch

    return [Patch(facecolor=OUTCOME_COLORS[k], edgecolor="0.4", label=_OUTCOME_NAMES.get(k, k)) for k in kinds]
