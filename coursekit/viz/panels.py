"""Figures of one image or label map a panel: images, label maps with their legend, overlays, and rows of panels."""

from __future__ import annotations

import numpy as np

from .._checks import check_nonneg
from ._validate import as_label_map, as_picture, check_legend, in_unit_range, resolve_classes, value_range
from .palette import IGNORE_COLOR, colorize_labels, label_colors
from .style import MIN_WIDTH, WIDTH

__all__ = ["show_image", "show_labels", "overlay", "side_by_side"]

_MAX_LEGEND_ALL = 12  # legends list every class up to this many classes, else only the classes present


def new_axes(ax, figsize=(MIN_WIDTH, 5.0)):
    """``ax``, or the Axes of a new figure of ``figsize`` when it is None."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _finish(ax, title):
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def _legend_patches(lab, valid, num_classes, class_names, ignore_index, legend, skip=()):
    """One patch a class of the legend (all classes, or those present; ignored pixels last, when there are any)."""
    from matplotlib.patches import Patch

    present = set(np.unique(lab[valid]).tolist())
    if legend == "present" or (legend is True and num_classes > _MAX_LEGEND_ALL):
        shown = [k for k in range(num_classes) if k in present]
    else:
        shown = list(range(num_classes))
    colors = label_colors(num_classes)
    entries = [(f"{k}: {class_names[k]}" if class_names is not None else f"class {k}", colors[k])
               for k in shown if k not in skip]
    if (~valid).any():
        entries.append((f"{ignore_index}: ignore", IGNORE_COLOR))
    return [Patch(facecolor=color, edgecolor="0.4", label=text) for text, color in entries]


def _legend_beside(ax, patches) -> None:
    if patches:
        ax.legend(handles=patches, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False)


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
        The Axes of the image.

    Raises
    ------
    TypeError
        If the image does not hold numbers.
    ValueError
        If the image is not (H, W) or (H, W, 3), is an integer label map, or an RGB image, or a grey image drawn with
        a fixed scale, has values outside [0, 1] (resp. [vmin, vmax]).

    Examples
    --------
    >>> from coursekit.data import load_image
    >>> ax = show_image(load_image("camera"), title="camera")
    >>> ax.get_title()
    'camera'
    """
    img = as_picture(image)
    span = value_range(img)
    if img.ndim == 3 and not in_unit_range(img):
        raise ValueError(f"an RGB image must have values in [0, 1], given values in [{span[0]:.4g}, {span[1]:.4g}]")
    if img.ndim == 2 and span is not None and ((vmin is not None and span[0] < vmin - 1e-6)
                                              or (vmax is not None and span[1] > vmax + 1e-6)):
        raise ValueError(f"a grey image drawn with vmin={vmin}, vmax={vmax} must have values in that range, given "
                         f"values in [{span[0]:.4g}, {span[1]:.4g}]; pass vmin=None, vmax=None to stretch its own "
                         f"range")
    ax = new_axes(ax)
    if img.ndim == 3:
        ax.imshow(np.clip(img, 0.0, 1.0), interpolation="nearest")
    else:
        shown = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if colorbar:
            ax.figure.colorbar(shown, ax=ax, shrink=0.8)
    return _finish(ax, title)


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
        The Axes of the label map (the legend is beside it).

    Raises
    ------
    TypeError, ValueError
        For a label map that does not hold numbers (TypeError) or is not a 2-D map of integers, labels outside
        ``0 .. num_classes - 1`` (other than ``ignore_index``), ``class_names`` of the wrong length or a ``legend``
        that is none of the above (ValueError).

    Examples
    --------
    >>> from coursekit.data import toy_intensity_image
    >>> _, labels = toy_intensity_image()
    >>> ax = show_labels(labels, class_names=["dark", "grey", "white"], title="ground truth")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['0: dark', '1: grey', '2: white']
    """
    check_legend(legend)
    lab = as_label_map(labels)
    num_classes, names, valid = resolve_classes(lab, num_classes, class_names, ignore_index)
    ax = new_axes(ax)
    ax.imshow(colorize_labels(lab, num_classes, ignore_index), interpolation="nearest")
    if legend:
        _legend_beside(ax, _legend_patches(lab, valid, num_classes, names, ignore_index, legend))
    return _finish(ax, title)


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
        The Axes of the blend.

    Raises
    ------
    TypeError, ValueError
        For a bad image or label map (see :func:`show_image`, :func:`show_labels`), an ``alpha`` that is not a
        number (TypeError), different heights and widths, or ``alpha`` outside [0, 1] (ValueError).

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes, CLASS_NAMES_SHAPES
    >>> images, masks = synthetic_shapes(1, seed=0)
    >>> ax = overlay(images[0], masks[0], class_names=CLASS_NAMES_SHAPES, title="shapes")
    >>> ax.get_title()
    'shapes'
    """
    check_legend(legend)
    img, lab = as_picture(image), as_label_map(labels)
    if img.shape[:2] != lab.shape:
        raise ValueError(f"image and labels must have the same height and width, given image of shape {img.shape} "
                         f"and labels of shape {lab.shape}")
    if check_nonneg(alpha, "alpha") > 1:
        raise ValueError(f"alpha must be a number in [0, 1], given {alpha!r}")
    num_classes, names, valid = resolve_classes(lab, num_classes, class_names, ignore_index)
    if not in_unit_range(img):
        span = value_range(img)
        raise ValueError(f"image must have values in [0, 1], given values in [{span[0]:.4g}, {span[1]:.4g}]")
    rgb = np.clip(img, 0.0, 1.0)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=-1)
    paint = ~(valid & (lab == 0)) if skip_background else np.ones(lab.shape, dtype=bool)
    out = rgb.copy()
    out[paint] = (1.0 - alpha) * rgb[paint] + alpha * colorize_labels(lab, num_classes, ignore_index)[paint]
    ax = new_axes(ax)
    ax.imshow(out, interpolation="nearest")
    if legend:
        _legend_beside(ax, _legend_patches(lab, valid, num_classes, names, ignore_index, legend,
                                           skip=(0,) if skip_background else ()))
    return _finish(ax, title)


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
        Figure size in inches; by default 3 inches a panel, at least :data:`~coursekit.viz.style.MIN_WIDTH` and at
        most the full width :data:`~coursekit.viz.style.WIDTH` (12 inches).
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
    TypeError
        For a single array instead of a list of panels, or a panel that does not hold numbers.
    ValueError
        For no panels, a number of titles that differs from the number of panels, or a bad panel.

    Examples
    --------
    >>> from coursekit.data import toy_intensity_image
    >>> image, labels = toy_intensity_image()
    >>> fig = side_by_side([image, labels], titles=["image", "ground truth"])
    >>> [ax.get_title() for ax in fig.axes]
    ['image', 'ground truth']
    """
    import matplotlib.pyplot as plt

    check_legend(legend)
    panels, titles = _panels(panels, titles)
    labels = [p for p in panels if p.dtype.kind != "f"]
    if labels:   # one palette for all label panels: checked together
        stacked = np.concatenate([p.ravel() for p in labels])[None, :]
        num_classes, names, valid = resolve_classes(stacked, num_classes, class_names, ignore_index, "label panels")
    if figsize is None:
        width = min(WIDTH, max(MIN_WIDTH, 3.0 * len(panels)))
        height = min(width / len(panels), 3.6) + 0.6 + (0.6 if labels and legend else 0) + (0.4 if suptitle else 0)
        figsize = (width, height)
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, layout="constrained", squeeze=False)
    for p, title, ax in zip(panels, titles, axes[0]):
        if p.dtype.kind != "f":
            show_labels(p, ax=ax, title=title, num_classes=num_classes, class_names=names,
                        ignore_index=ignore_index, legend=False)
        elif p.ndim == 3 or in_unit_range(p):
            show_image(p, ax=ax, title=title)
        else:
            show_image(p, ax=ax, title=title, vmin=None, vmax=None, colorbar=True)
    if labels and legend:
        patches = _legend_patches(stacked, valid, num_classes, names, ignore_index, legend)
        fig.legend(handles=patches, loc="outside lower center", ncols=min(len(patches), 6), frameon=False)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def _panels(panels, titles) -> tuple[list, list]:
    """The panels as arrays (label maps as int64, images as float64) and one title (or None) each."""
    if isinstance(panels, np.ndarray) and panels.ndim in (2, 3) and panels.dtype.kind in "biuf" and (
            panels.ndim == 2 or panels.shape[-1] == 3):
        raise TypeError("panels must be a list of arrays, given a single array; wrap it in a list: [array]")
    arrays = []
    for i, p in enumerate(panels):
        p = np.asarray(p)
        if p.dtype.kind not in "biuf":
            raise TypeError(f"panels[{i}] must be a float image or an integer label map, given dtype {p.dtype}")
        arrays.append(as_picture(p, f"panels[{i}]") if p.dtype.kind == "f" else as_label_map(p, f"panels[{i}]"))
    if not arrays:
        raise ValueError("panels must contain at least one image or label map, given none")
    titles = [None] * len(arrays) if titles is None else list(titles)
    if len(titles) != len(arrays):
        raise ValueError(f"titles must have one title per panel ({len(arrays)}), given {len(titles)}")
    return arrays, titles
