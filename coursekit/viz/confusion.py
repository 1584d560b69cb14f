"""A confusion matrix as a heatmap, with the value of each cell written in it."""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, check_choice
from .panels import new_axes
from .style import MIN_WIDTH, WIDTH

__all__ = ["confusion_heatmap"]

_COLORBAR_LABELS = {None: "count", "true": "fraction of the row (ground truth)",
                    "pred": "fraction of the column (prediction)", "all": "fraction of all pixels"}


def _format_count(v: float) -> str:
    """A count as it fits a cell: exactly below 10,000, else ``"12.3k"``, ``"4.56M"``, ``"1.2G"``."""
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
        The Axes of the heatmap (its colorbar has Axes of its own).

    Raises
    ------
    TypeError
        If ``cm`` does not hold numbers, or ``normalize`` is neither None nor a str.
    ValueError
        If ``cm`` is not a square 2-D matrix of finite non-negative numbers, ``class_names`` has the wrong length, or
        ``normalize`` is not one of the above.

    Examples
    --------
    >>> import numpy as np
    >>> ax = confusion_heatmap(np.array([[50, 10], [5, 35]]), class_names=["background", "cat"])
    >>> sorted(t.get_text() for t in ax.texts)
    ['10', '35', '5', '50']
    """
    m = as_real_array(cm, "cm")
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"cm must be a square (C, C) matrix with C >= 1, given an array of shape {m.shape}")
    if (m < 0).any():
        raise ValueError(f"cm must be non-negative, given a smallest entry of {m.min():g}")
    c = m.shape[0]
    names = [str(k) for k in range(c)] if class_names is None else [str(x) for x in class_names]
    if len(names) != c:
        raise ValueError(f"class_names must have one name per row of cm ({c}), given {len(names)}")
    if normalize is not None:
        check_choice(normalize, "normalize", ("true", "pred", "all"))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {None: m, "true": m / m.sum(axis=1, keepdims=True), "pred": m / m.sum(axis=0, keepdims=True),
                  "all": m / m.sum()}[normalize]
    import matplotlib.pyplot as plt

    side = min(WIDTH - 1.5, max(4.5, 0.45 * c + 2.5))
    ax = new_axes(ax, figsize=(max(MIN_WIDTH, side + 1.5), side))
    finite = values[np.isfinite(values)]
    vmax = 1.0 if normalize is not None else (float(finite.max()) if finite.size and finite.max() > 0 else 1.0)
    shown = ax.imshow(np.ma.masked_invalid(values), cmap=plt.get_cmap(cmap).with_extremes(bad="0.85"), vmin=0.0,
                      vmax=vmax, interpolation="nearest")
    ax.figure.colorbar(shown, ax=ax, label=_COLORBAR_LABELS[normalize], shrink=0.8)
    _annotate(ax, values, vmax, normalize is None)
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


def _annotate(ax, values: np.ndarray, vmax: float, counts: bool) -> None:
    """Write each cell's value in it, as large as the cells allow ("0.00" is about 2.5 font sizes wide)."""
    c = values.shape[0]
    fig, box = ax.figure, ax.get_position()
    cell_pt = min(box.width * fig.get_figwidth(), box.height * fig.get_figheight()) * 72 / c
    fontsize = float(np.clip(cell_pt / 3.0, 4.0, 12.0))
    for (i, j), v in np.ndenumerate(values):
        if not np.isfinite(v):
            text, color = "n/a", "0.3"
        else:
            text = _format_count(v) if counts else f"{v:.2f}"
            color = "white" if v > 0.5 * vmax else "black"
        ax.text(j, i, text, ha="center", va="center", color=color, fontsize=fontsize)
