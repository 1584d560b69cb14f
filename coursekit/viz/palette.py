"""The course's palette of class colours, and label maps painted in it."""

from __future__ import annotations

import colorsys

import numpy as np

from .._checks import check_int
from ._validate import as_label_map, resolve_classes

__all__ = ["label_colors", "label_cmap", "colorize_labels", "IGNORE_COLOR"]

# class 0: black; classes 1-10: matplotlib's tab10; classes 11-20: the light halves of tab20; then golden-ratio hues
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_TAB20_LIGHT = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d",
                "#9edae5")
#: The colour of ignored pixels (VOC draws its 255 border white/cream).
IGNORE_COLOR = np.array([1.0, 1.0, 1.0])


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
