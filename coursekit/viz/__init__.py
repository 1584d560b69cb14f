"""Figures for the course: images, label maps, overlays, side-by-side comparisons and confusion matrices.

Every drawing function takes ``ax=None`` (a new figure is made when it is None) and returns the Axes it drew on,
or the Figure for multi-panel figures; none calls ``plt.show()``. Label maps are drawn with one fixed palette
(:func:`label_colors`: class 0 black, then the tab10 colours, ...), so a class has the same colour in every figure,
and with a legend of class names.

matplotlib is imported when a figure is drawn, not when this module is imported.
"""

from __future__ import annotations

import colorsys
import numbers

import numpy as np

__all__ = [
    "label_colors",
    "label_cmap",
    "colorize_labels",
    "show_image",
    "show_labels",
    "overlay",
    "side_by_side",
    "confusion_heatmap",
]

# class 0: black; classes 1-10: matplotlib's tab10; classes 11-20: the light halves of tab20; then golden-ratio hues
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_TAB20_LIGHT = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d",
                "#9edae5")
_IGNORE_COLOR = np.array([1.0, 1.0, 1.0])  # VOC draws its 255 border white/cream
_MAX_LEGEND_ALL = 12  # legends list every class up to this many classes, else only the classes present


def _hex(h: str) -> tuple[float, float, float]:
    return tuple(int(h[i : i + 2], 16) / 255.0 for i in (1, 3, 5))


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


# ---------------------------------------------------------------------------------------------------------------
# validation helpers


def _check_count(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _as_label_map(labels, name: str = "labels") -> np.ndarray:
    lab = np.asarray(labels)
    if lab.dtype.kind not in "biu":
        raise TypeError(
            f"{name} must be an integer (or bool) label map, got dtype {lab.dtype}; "
            f"for float images use show_image, or convert class indices with .astype(np.int64)"
        )
    if lab.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) label map, got an array of shape {lab.shape}")
    return lab.astype(np.int64)


def _resolve_classes(lab: np.ndarray, num_classes, class_names, ignore_index, name: str = "labels"):
    """Check the label values and return (num_classes, class names as strings, valid-pixel mask)."""
    ignored = (lab == ignore_index) if ignore_index is not None else np.zeros(lab.shape, dtype=bool)
    valid = lab[~ignored]
    if valid.size and valid.min() < 0:
        raise ValueError(f"{name} must be >= 0 (or ignore_index={ignore_index}), got a label {int(valid.min())}")
    if class_names is not None:
        class_names = [str(c) for c in class_names]
        if num_classes is None:
            num_classes = len(class_names)
    if num_classes is None:
        num_classes = int(valid.max()) + 1 if valid.size else 1
    num_classes = _check_count(num_classes, "num_classes")
    if class_names is not None and len(class_names) != num_classes:
        raise ValueError(f"class_names must have num_classes={num_classes} names, got {len(class_names)}")
    if valid.size and valid.max() >= num_classes:
        bad = np.unique(valid[valid >= num_classes])
        raise ValueError(
            f"{name} must be < num_classes={num_classes} (or ignore_index={ignore_index}), "
            f"got labels {bad[:10].tolist()}"
        )
    return num_classes, class_names, ~ignored


def _as_image(image, name: str = "image") -> np.ndarray:
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] != 3):
        raise ValueError(f"{name} must be (H, W) grey or (H, W, 3) RGB, got an array of shape {img.shape}")
    if img.dtype.kind == "b":
        return img.astype(np.float64)
    if img.dtype == np.uint8:
        return img / 255.0
    if img.dtype == np.uint16:
        return img / 65535.0
    if img.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a float image in [0, 1] (or uint8), got dtype {img.dtype}; "
            f"for label maps use show_labels"
        )
    return img.astype(np.float64, copy=False)


def _new_axes(ax, figsize=(5, 5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _legend_entries(num_classes, class_names, present, ignore_index, has_ignore, legend, skip=()):
    """(label index, text, colour) of each legend entry."""
    if legend == "present" or (legend is True and num_classes > _MAX_LEGEND_ALL):
        shown = [k for k in range(num_classes) if k in present]
    else:
        shown = list(range(num_classes))
    colors = label_colors(num_classes)
    entries = []
    for k in shown:
        if k in skip:
            continue
        text = f"{k}: {class_names[k]}" if class_names is not None else f"class {k}"
        entries.append((k, text, colors[k]))
    if has_ignore:
        entries.append((ignore_index, f"{ignore_index}: ignore", _IGNORE_COLOR))
    return entries


def _patches(entries):
    from matplotlib.patches import Patch

    return [Patch(facecolor=c, edgecolor="0.4", label=t) for _, t, c in entries]


def _check_legend(legend):
    if legend not in (True, False, "all", "present"):
        raise ValueError(f"legend must be True, False, 'all' or 'present', got {legend!r}")


# ---------------------------------------------------------------------------------------------------------------
# colours


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

    Examples
    --------
    >>> from coursekit.viz import label_colors
    >>> label_colors(3).shape
    (3, 3)
    >>> label_colors(3)[0].tolist()
    [0.0, 0.0, 0.0]
    """
    num_classes = _check_count(num_classes, "num_classes")
    return np.array([_palette_color(k) for k in range(num_classes)], dtype=np.float64)


def label_cmap(num_classes: int):
    """The palette of :func:`label_colors` as a matplotlib colormap with one colour per class.

    Use it with ``vmin=-0.5, vmax=num_classes - 0.5`` (or as ``imshow(labels, cmap=..., interpolation="nearest",
    vmin=0, vmax=num_classes - 1)``) so that label ``k`` gets colour ``k``.

    Parameters
    ----------
    num_classes : int
        Number of classes, >= 1.

    Returns
    -------
    matplotlib.colors.ListedColormap

    Examples
    --------
    >>> from coursekit.viz import label_cmap
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
        If ``labels`` is not an integer (or bool) array.
    ValueError
        If ``labels`` is not 2-D, or has a label < 0 or >= ``num_classes`` other than ``ignore_index``.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit.viz import colorize_labels
    >>> rgb = colorize_labels(np.array([[0, 1], [2, 255]]))
    >>> rgb.shape, rgb[1, 1].tolist()
    ((2, 2, 3), [1.0, 1.0, 1.0])
    """
    lab = _as_label_map(labels)
    num_classes, _, valid = _resolve_classes(lab, num_classes, None, ignore_index)
    colors = label_colors(num_classes)
    rgb = colors[np.where(valid, lab, 0)]
    rgb[~valid] = _IGNORE_COLOR
    return rgb


# ---------------------------------------------------------------------------------------------------------------
# single panels


def show_image(image, ax=None, title: str | None = None, *, vmin: float | None = 0.0, vmax: float | None = 1.0,
               cmap: str = "gray", colorbar: bool = False):
    """Draw an image: grey ones with a fixed grey scale from ``vmin`` (black) to ``vmax`` (white), RGB as they are.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grey or ``(H, W, 3)`` RGB, floats in [0, 1] (``uint8`` and bool images are rescaled to [0, 1]).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Title of the Axes.
    vmin, vmax : float or None
        Grey values drawn black and white (grey images only). The defaults, 0 and 1, show intensities as they are;
        ``vmin=None, vmax=None`` stretch the image's own range (e.g. for a gradient or distance map).
    cmap : str
        Colormap of grey images.
    colorbar : bool
        Add a colorbar (grey images only).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If the image is not (H, W) or (H, W, 3), or an RGB image, or a grey image drawn with a fixed scale, has
        values outside [0, 1] (resp. [vmin, vmax]).

    Examples
    --------
    >>> from coursekit.data import load_image
    >>> from coursekit.viz import show_image
    >>> ax = show_image(load_image("camera"), title="camera")
    >>> ax.get_title()
    'camera'
    """
    img = _as_image(image)
    ax = _new_axes(ax)
    finite = img[np.isfinite(img)]
    if img.ndim == 3:
        if finite.size and (finite.min() < -1e-6 or finite.max() > 1 + 1e-6):
            raise ValueError(
                f"an RGB image must have values in [0, 1], got values in [{finite.min():.4g}, {finite.max():.4g}]"
            )
        ax.imshow(np.clip(img, 0.0, 1.0), interpolation="nearest")
    else:
        lo, hi = vmin, vmax
        below = finite.size and lo is not None and finite.min() < lo - 1e-6
        above = finite.size and hi is not None and finite.max() > hi + 1e-6
        if below or above:
            raise ValueError(
                f"a grey image drawn with vmin={vmin}, vmax={vmax} must have values in that range, got values in "
                f"[{finite.min():.4g}, {finite.max():.4g}]; pass vmin=None, vmax=None to stretch its own range"
            )
        im = ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        if colorbar:
            ax.figure.colorbar(im, ax=ax, shrink=0.8)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def show_labels(labels, ax=None, title: str | None = None, num_classes: int | None = None, class_names=None,
                ignore_index: int | None = 255, legend=True):
    """Draw a label map in the course's palette, with a legend of class names.

    Parameters
    ----------
    labels : array_like of int
        ``(H, W)`` label map.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Title of the Axes.
    num_classes : int, optional
        Number of classes; by default ``len(class_names)``, else the largest label plus one.
    class_names : sequence of str, optional
        Name of each class; the legend reads ``"k: name"`` (``"class k"`` without names).
    ignore_index : int or None
        Label drawn white and listed as "ignore" (VOC's 255 border); None: no such label.
    legend : bool or {"all", "present"}
        Draw a legend to the right of the image: ``"all"`` classes, only the classes ``"present"`` in the map, or
        True: all classes up to 12 classes, else the present ones.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError, ValueError
        For a non-integer or non-2-D label map, labels outside ``0 .. num_classes - 1`` (other than
        ``ignore_index``), or ``class_names`` of the wrong length.

    Examples
    --------
    >>> from coursekit.data import toy_intensity_image
    >>> from coursekit.viz import show_labels
    >>> _, labels = toy_intensity_image()
    >>> ax = show_labels(labels, class_names=["dark", "grey", "white"], title="ground truth")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['0: dark', '1: grey', '2: white']
    """
    _check_legend(legend)
    lab = _as_label_map(labels)
    num_classes, names, valid = _resolve_classes(lab, num_classes, class_names, ignore_index)
    ax = _new_axes(ax, figsize=(6, 4.5) if legend else (5, 5))
    ax.imshow(colorize_labels(lab, num_classes, ignore_index), interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    if legend:
        present = set(np.unique(lab[valid]).tolist())
        entries = _legend_entries(num_classes, names, present, ignore_index, bool((~valid).any()), legend)
        ax.legend(handles=_patches(entries), loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                  fontsize="small", frameon=False)
    return ax


def overlay(image, labels, ax=None, alpha: float = 0.5, title: str | None = None, num_classes: int | None = None,
            class_names=None, ignore_index: int | None = 255, skip_background: bool = True, legend=True):
    """Draw label colours blended over an image.

    Each pixel of class ``k`` becomes ``(1 - alpha) * image + alpha * colour[k]``; pixels of ``ignore_index`` are
    blended with white. Grey images are turned to RGB first.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grey or ``(H, W, 3)`` RGB image in [0, 1].
    labels : array_like of int
        ``(H, W)`` label map of the same height and width.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    alpha : float
        Opacity of the label colours, in [0, 1].
    title : str, optional
        Title of the Axes.
    num_classes : int, optional
        Number of classes; by default ``len(class_names)``, else the largest label plus one.
    class_names : sequence of str, optional
        Name of each class, for the legend.
    ignore_index : int or None
        Label of ignored pixels; None: no such label.
    skip_background : bool
        Leave class 0 transparent (and out of the legend).
    legend : bool or {"all", "present"}
        As in :func:`show_labels`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError, ValueError
        For a bad image or label map (see :func:`show_image`, :func:`show_labels`), different heights and widths,
        or ``alpha`` outside [0, 1].

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes, CLASS_NAMES_SHAPES
    >>> from coursekit.viz import overlay
    >>> images, masks = synthetic_shapes(1, seed=0)
    >>> ax = overlay(images[0], masks[0], class_names=CLASS_NAMES_SHAPES, title="shapes")
    >>> ax.get_title()
    'shapes'
    """
    _check_legend(legend)
    img = _as_image(image)
    lab = _as_label_map(labels)
    if img.shape[:2] != lab.shape:
        raise ValueError(f"image and labels must have the same height and width, got image of shape {img.shape} "
                         f"and labels of shape {lab.shape}")
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real) or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}")
    num_classes, names, valid = _resolve_classes(lab, num_classes, class_names, ignore_index)
    finite = img[np.isfinite(img)]
    if finite.size and (finite.min() < -1e-6 or finite.max() > 1 + 1e-6):
        raise ValueError(f"image must have values in [0, 1], got values in [{finite.min():.4g}, {finite.max():.4g}]")
    rgb = np.clip(img, 0.0, 1.0)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=-1)
    colors = colorize_labels(lab, num_classes, ignore_index)
    paint = np.ones(lab.shape, dtype=bool)
    if skip_background:
        paint &= ~(valid & (lab == 0))
    out = rgb.copy()
    out[paint] = (1.0 - alpha) * rgb[paint] + alpha * colors[paint]
    ax = _new_axes(ax, figsize=(6, 4.5) if legend else (5, 5))
    ax.imshow(out, interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    if legend:
        present = set(np.unique(lab[valid]).tolist())
        entries = _legend_entries(num_classes, names, present, ignore_index, bool((~valid).any()), legend,
                                  skip=(0,) if skip_background else ())
        if entries:
            ax.legend(handles=_patches(entries), loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                      fontsize="small", frameon=False)
    return ax


# ---------------------------------------------------------------------------------------------------------------
# multi-panel figures


def side_by_side(panels, titles=None, suptitle: str | None = None, figsize=None, *, num_classes: int | None = None,
                 class_names=None, ignore_index: int | None = 255, legend=True):
    """One row of panels, e.g. "image | ground truth | prediction".

    Float panels are drawn with :func:`show_image`: those within [0, 1] on a fixed grey scale (0 black, 1 white),
    others (a gradient, a distance map) stretched to their own range with a colorbar. Integer and bool panels are
    label maps, drawn with :func:`show_labels` in one shared palette (the same class has the same colour in every
    panel), with one legend for the figure below the panels.

    Parameters
    ----------
    panels : sequence of array_like
        The panels, left to right.
    titles : sequence of str, optional
        One title per panel.
    suptitle : str, optional
        Title of the figure.
    figsize : (float, float), optional
        Figure size in inches; by default 3.2 inches per panel.
    num_classes : int, optional
        Number of classes of the label panels; by default ``len(class_names)``, else the largest label plus one.
    class_names : sequence of str, optional
        Class names, for the legend.
    ignore_index : int or None
        Label of ignored pixels in the label panels.
    legend : bool or {"all", "present"}
        Legend of the label panels, as in :func:`show_labels`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For no panels, a number of titles that differs from the number of panels, or a bad panel.

    Examples
    --------
    >>> from coursekit.data import toy_intensity_image
    >>> from coursekit.viz import side_by_side
    >>> image, labels = toy_intensity_image()
    >>> fig = side_by_side([image, labels], titles=["image", "ground truth"])
    >>> [ax.get_title() for ax in fig.axes]
    ['image', 'ground truth']
    """
    import matplotlib.pyplot as plt

    _check_legend(legend)
    if isinstance(panels, np.ndarray) and panels.ndim in (2, 3) and panels.dtype.kind in "biuf" and (
            panels.ndim == 2 or panels.shape[-1] == 3):
        raise TypeError("panels must be a list of arrays, got a single array; wrap it in a list: [array]")
    panels = [np.asarray(p) for p in panels]
    if not panels:
        raise ValueError("panels must contain at least one image or label map, got none")
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(panels):
            raise ValueError(f"titles must have one title per panel ({len(panels)}), got {len(titles)}")
    kinds = []
    for i, p in enumerate(panels):
        if p.dtype.kind in "biu":
            _as_label_map(p, name=f"panels[{i}]")
            kinds.append("labels")
        elif p.dtype.kind == "f":
            _as_image(p, name=f"panels[{i}]")
            kinds.append("image")
        else:
            raise TypeError(f"panels[{i}] must be a float image or an integer label map, got dtype {p.dtype}")
    label_panels = [p.astype(np.int64) for p, k in zip(panels, kinds) if k == "labels"]
    if label_panels:
        # one palette for all label panels: check them together
        stacked = np.concatenate([p.ravel() for p in label_panels])[None, :]
        num_classes, names, valid = _resolve_classes(stacked, num_classes, class_names, ignore_index, "label panels")
        present = set(np.unique(stacked[valid]).tolist())
        has_ignore = bool((~valid).any())

    n = len(panels)
    if figsize is None:
        figsize = (3.2 * n + 0.4, 3.6 if not (label_panels and legend) else 4.3)
    fig, axes = plt.subplots(1, n, figsize=figsize, layout="constrained", squeeze=False)
    for i, (p, kind, ax) in enumerate(zip(panels, kinds, axes[0])):
        title = titles[i] if titles is not None else None
        if kind == "labels":
            show_labels(p, ax=ax, title=title, num_classes=num_classes, class_names=names,
                        ignore_index=ignore_index, legend=False)
        else:
            finite = p[np.isfinite(p)]
            in_range = p.dtype.kind != "f" or not finite.size or (finite.min() >= -1e-6 and finite.max() <= 1 + 1e-6)
            if in_range or (p.ndim == 3):
                show_image(p, ax=ax, title=title)
            else:
                show_image(p, ax=ax, title=title, vmin=None, vmax=None, colorbar=True)
    if label_panels and legend:
        entries = _legend_entries(num_classes, names, present, ignore_index, has_ignore, legend)
        fig.legend(handles=_patches(entries), loc="outside lower center", ncols=min(len(entries), 6),
                   fontsize="small", frameon=False)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# confusion matrix


def _format_count(v: float) -> str:
    if float(v).is_integer():
        v = int(v)
        if v < 10_000:
            return str(v)
        for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if v >= div:
                return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def confusion_heatmap(cm, class_names=None, normalize: str | None = None, ax=None,
                      title: str | None = "Confusion matrix", cmap: str = "Blues"):
    """Draw a confusion matrix as a heatmap, with the value of each cell written in it.

    Rows are the ground truth (y axis "ground truth"), columns the prediction (x axis "prediction"): cell
    ``(i, j)`` counts the pixels of true class ``i`` predicted as ``j``.

    Parameters
    ----------
    cm : array_like
        ``(C, C)`` non-negative counts.
    class_names : sequence of str, optional
        Name of each class, for the ticks; by default the class indices.
    normalize : {None, "true", "pred", "all"}
        None: draw the counts (below 10,000 exactly, larger ones as e.g. ``"12.3k"``, ``"4.56M"``). ``"true"``: divide
        each row by its sum (the recall of class ``i`` is on the diagonal); ``"pred"``: each column by its sum (the
        precision); ``"all"``: by the total. Fractions are written with two decimals; a row (column) with no pixels
        has no fractions: its cells read "n/a" and are drawn grey.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Title of the Axes.
    cmap : str
        Colormap of the cells.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``cm`` is not a square 2-D matrix of finite non-negative numbers, ``class_names`` has the wrong length, or
        ``normalize`` is not one of the above.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit.viz import confusion_heatmap
    >>> ax = confusion_heatmap(np.array([[50, 10], [5, 35]]), class_names=["background", "cat"])
    >>> sorted(t.get_text() for t in ax.texts)
    ['10', '35', '5', '50']
    """
    m = np.asarray(cm)
    if m.dtype.kind not in "iuf":
        raise TypeError(f"cm must be a numeric matrix of counts, got dtype {m.dtype}")
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"cm must be a square (C, C) matrix with C >= 1, got an array of shape {m.shape}")
    m = m.astype(np.float64)
    if not np.isfinite(m).all():
        raise ValueError("cm must contain only finite counts, got NaN or infinity")
    if (m < 0).any():
        raise ValueError(f"cm must be non-negative, got a smallest entry of {m.min():g}")
    c = m.shape[0]
    if class_names is None:
        names = [str(k) for k in range(c)]
    else:
        names = [str(x) for x in class_names]
        if len(names) != c:
            raise ValueError(f"class_names must have one name per row of cm ({c}), got {len(names)}")
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")

    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            values = m / m.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            values = m / m.sum(axis=0, keepdims=True)
        elif normalize == "all":
            values = m / m.sum()
        else:
            values = m
    import matplotlib.pyplot as plt

    if ax is None:
        side = max(4.0, 0.55 * c + 2.5)
        _, ax = plt.subplots(figsize=(side + 1.0, side), layout="constrained")
    colormap = plt.get_cmap(cmap).with_extremes(bad="0.85")
    finite = values[np.isfinite(values)]
    vmax = 1.0 if normalize is not None else (float(finite.max()) if finite.size and finite.max() > 0 else 1.0)
    im = ax.imshow(np.ma.masked_invalid(values), cmap=colormap, vmin=0.0, vmax=vmax, interpolation="nearest")
    label = {None: "count", "true": "fraction of the row (ground truth)", "pred": "fraction of the column (prediction)",
             "all": "fraction of all pixels"}[normalize]
    ax.figure.colorbar(im, ax=ax, label=label, shrink=0.8)

    # annotations as large as the cells allow ("0.00" is about 2.5 font sizes wide)
    fig = ax.figure
    cell_pt = min(ax.get_position().width * fig.get_figwidth(), ax.get_position().height * fig.get_figheight()) * 72 / c
    fontsize = float(np.clip(cell_pt / 3.0, 4.0, 10.0))
    for i in range(c):
        for j in range(c):
            v = values[i, j]
            if not np.isfinite(v):
                text, color = "n/a", "0.3"
            else:
                text = _format_count(v) if normalize is None else f"{v:.2f}"
                color = "white" if v > 0.5 * vmax else "black"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=fontsize)
    ax.set_xticks(range(c), labels=names)
    ax.set_yticks(range(c), labels=names)
    if c > 6 or max(len(x) for x in names) > 4:
        for t in ax.get_xticklabels():
            t.set_rotation(45)
            t.set_ha("right")
            t.set_rotation_mode("anchor")
    ax.set_xlabel("prediction")
    ax.set_ylabel("ground truth")
    if title is not None:
        ax.set_title(title)
    return ax
