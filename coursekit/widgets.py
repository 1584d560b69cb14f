"""Interactive explorers for the notebooks (ipywidgets 8).

Each explorer precomputes what it can when it is built, so that moving a slider only updates a few artists and
re-renders one PNG (aim: well under 100 ms for the default sizes). The figure is shown through an
``ipywidgets.Image``, which works the same in JupyterLab, Notebook 7 and headless tests.
"""

from __future__ import annotations

import io

import numpy as np

__all__ = ["ThresholdExplorer", "threshold_explorer", "StampExplorer", "stamp_explorer", "KMeansExplorer",
           "kmeans_explorer", "MeanShiftExplorer", "mean_shift_explorer", "dilated_footprint", "ReceptiveFieldExplorer",
           "receptive_field_explorer"]


def _png(canvas) -> bytes:
    """The canvas's current pixels as PNG bytes (fast compression: these images live for one slider step)."""
    from PIL import Image

    width, height = canvas.get_width_height(physical=True)
    buffer = io.BytesIO()
    Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
        buffer, format="png", compress_level=1)
    return buffer.getvalue()


class ThresholdExplorer:
    """A threshold slider on a soft (probability) prediction of one foreground class.

    Moving the slider thresholds ``prob >= t`` into a mask, redraws it over the ground truth (true positives green,
    false positives red, false negatives blue) and updates IoU, Dice, precision and recall of the foreground class,
    computed by :mod:`coursekit.metrics` from the 2x2 confusion matrix.

    Parameters
    ----------
    prob : ndarray (H, W)
        Foreground probabilities in [0, 1].
    target : ndarray (H, W)
        Ground truth: 1 foreground, 0 background, ``ignore_index`` left out.
    image : ndarray, optional
        The image, drawn beside the masks.
    threshold : float
        Initial threshold.
    ignore_index : int
        Label of pixels left out of the metrics.

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes, soft_prediction
    >>> images, masks = synthetic_shapes(1, seed=0)
    >>> target = (masks[0] > 0).astype(int)
    >>> explorer = ThresholdExplorer(soft_prediction(target, seed=0), target, images[0])
    >>> explorer  # doctest: +SKIP
    """

    def __init__(self, prob, target, image=None, threshold: float = 0.5, ignore_index: int = 255):
        prob = np.asarray(prob, dtype=np.float64)
        target = np.asarray(target)
        if prob.ndim != 2:
            raise ValueError(f"prob must be a 2-D map of probabilities, given shape {prob.shape}")
        if target.shape != prob.shape:
            raise ValueError(f"target must have the shape of prob {prob.shape}, given {target.shape}")
        if not np.all(np.isfinite(prob)) or prob.min() < 0 or prob.max() > 1:
            raise ValueError("prob must hold finite probabilities in [0, 1]")
        valid = target != ignore_index
        if not set(np.unique(target[valid]).tolist()) <= {0, 1}:
            raise ValueError(f"target must be binary (0 background, 1 foreground, {ignore_index} ignored), "
                             f"given labels {np.unique(target[valid]).tolist()}")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], given {threshold}")
        self.prob, self.target, self.image, self.valid = prob, target, image, valid
        self.ignore_index = ignore_index
        # Sorted probabilities of foreground and background pixels: counts at any threshold by binary search.
        self._fg = np.sort(prob[valid & (target == 1)])
        self._bg = np.sort(prob[valid & (target == 0)])
        grid = np.linspace(0.0, 1.0, 101)
        self._curves = {name: np.array([self.metrics(t)[name] for t in grid]) for name in
                        ("IoU", "Dice", "precision", "recall")}
        self._grid = grid
        self._build(threshold)

    def confusion(self, threshold: float) -> np.ndarray:
        """The 2x2 confusion matrix (rows ground truth, columns prediction) of ``prob >= threshold``."""
        tp = self._fg.size - np.searchsorted(self._fg, threshold, side="left")
        fp = self._bg.size - np.searchsorted(self._bg, threshold, side="left")
        fn, tn = self._fg.size - tp, self._bg.size - fp
        return np.array([[tn, fp], [fn, tp]], dtype=np.int64)

    def metrics(self, threshold: float) -> dict:
        """IoU, Dice, precision and recall of the foreground class at ``threshold`` (an empty prediction has precision 0)."""
        from . import metrics

        cm = self.confusion(threshold)
        precision, recall, _ = metrics.precision_recall_f1(cm)
        return {"IoU": float(metrics.iou_per_class(cm)[1]), "Dice": float(metrics.dice_per_class(cm)[1]),
                "precision": float(precision[1]), "recall": float(recall[1])}

    def _errors_rgb(self, threshold: float) -> np.ndarray:
        pred = self.prob >= threshold
        truth = self.target == 1
        rgb = np.full(self.prob.shape + (3,), 0.15)
        rgb[pred & truth] = (0.2, 0.75, 0.3)
        rgb[pred & ~truth] = (0.9, 0.2, 0.2)
        rgb[~pred & truth] = (0.25, 0.45, 0.95)
        rgb[~self.valid] = 1.0
        return rgb

    def _build(self, threshold: float) -> None:
        import ipywidgets as widgets
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch

        panels = 3 if self.image is None else 4
        # A bare Figure, not pyplot's: the notebook's inline backend must not show it again below a later cell.
        fig = Figure(figsize=(3.1 * panels, 3.2), dpi=72, layout="constrained")
        axes = list(fig.subplots(1, panels))
        if self.image is not None:
            ax = axes.pop(0)
            ax.imshow(self.image, cmap="gray", vmin=0, vmax=1)
            ax.set_title("image")
            ax.axis("off")
        ax = axes[0]
        shown = ax.imshow(self.prob, cmap="magma", vmin=0, vmax=1)
        fig.colorbar(shown, ax=ax, fraction=0.046, label="foreground probability")
        ax.set_title("soft prediction")
        ax.axis("off")
        ax = axes[1]
        self._mask = ax.imshow(self._errors_rgb(threshold))
        ax.set_title("prediction vs ground truth")
        ax.axis("off")
        ax.legend(handles=[Patch(color=(0.2, 0.75, 0.3), label="TP"), Patch(color=(0.9, 0.2, 0.2), label="FP"),
                           Patch(color=(0.25, 0.45, 0.95), label="FN")],
                  loc="lower center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)
        ax = axes[2]
        for name, values in self._curves.items():
            ax.plot(self._grid, values, label=name)
        self._line = ax.axvline(threshold, color="k", linestyle="--")
        ax.set_xlabel("threshold t")
        ax.set_ylabel("score")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("metrics vs threshold")
        ax.legend(fontsize=8, loc="lower center")
        # Draw everything but the two moving artists once and keep those pixels; a slider step then only restores
        # them, draws the mask and the line, and encodes the PNG (blitting).
        self.figure = fig
        self._canvas = FigureCanvasAgg(fig)
        self._mask.set_animated(True)
        self._line.set_animated(True)
        self._canvas.draw()
        fig.set_layout_engine("none")
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        self.slider = widgets.FloatSlider(value=threshold, min=0.0, max=1.0, step=0.01, description="threshold",
                                          readout_format=".2f", continuous_update=True,
                                          layout=widgets.Layout(width="420px"))
        self.picture = widgets.Image(format="png", value=self._frame())
        self.readout = widgets.HTML(self._readout(threshold))
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.readout, self.picture])

    def _readout(self, threshold: float) -> str:
        m = self.metrics(threshold)
        fmt = lambda v: "n/a" if np.isnan(v) else f"{v:.3f}"  # noqa: E731
        return (f"<b>t = {threshold:.2f}</b> &nbsp; IoU {fmt(m['IoU'])} &nbsp; Dice {fmt(m['Dice'])} &nbsp; "
                f"precision {fmt(m['precision'])} &nbsp; recall {fmt(m['recall'])}")

    def _frame(self) -> bytes:
        self._canvas.restore_region(self._background)
        self._mask.axes.draw_artist(self._mask)
        self._line.axes.draw_artist(self._line)
        return _png(self._canvas)

    def update(self, threshold: float) -> dict:
        """Redraw for a new threshold and return its metrics (what the slider calls)."""
        self._mask.set_data(self._errors_rgb(threshold))
        self._line.set_xdata([threshold, threshold])
        self.picture.value = self._frame()
        self.readout.value = self._readout(threshold)
        return self.metrics(threshold)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def threshold_explorer(prob, target, image=None, threshold: float = 0.5, ignore_index: int = 255):
    """Build a :class:`ThresholdExplorer` (display it as the last expression of a cell)."""
    return ThresholdExplorer(prob, target, image=image, threshold=threshold, ignore_index=ignore_index)


# ---------------------------------------------------------------------------------------------------------------
# chapter 4: the stamps of a transposed convolution and its output size


class StampExplorer:
    """Sliders for the stride, padding, kernel size and output padding of a transposed convolution, redrawing its
    stamps on the output canvas.

    Every input pixel ``x[i, j]`` stamps a ``k x k`` kernel of ones, scaled by ``x[i, j]``, onto the canvas with its
    top-left corner at ``(i s, j s)`` (its outline is drawn in the pixel's colour). Each canvas cell shows the sum of
    the stamps that cover it (the transposed convolution of ``x`` with the kernel of ones, before cropping), and its
    shade counts those stamps. ``p`` rows and columns are cropped from every side (red tint), and ``a`` rows and
    columns are given back at the bottom and the right ("output_padding": taken from the cropped border, or zeros
    beyond the canvas, yellow). The dashed frame is the output, of ``H_out = (H - 1) s - 2 p + k + a`` rows
    (:func:`coursekit.upsampling.conv_transpose_output_size`), printed above the picture. As in PyTorch ``a < s``: the
    range of the output padding slider follows the stride.

    A slider step redraws by blitting: the static parts are drawn once; a step restores their pixels, paints the
    cells (numpy), draws the outlines and the frame, pastes the cell numbers from a cache of rendered labels and
    encodes the PNG.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        The input, at most 3 x 3 finite numbers; by default the lecture's ``[[1, 2], [3, 4]]``.
    stride, padding, kernel_size, output_padding : int
        Initial values: ``1 <= s <= 4``, ``0 <= p <= 3``, ``1 <= k <= 5``, ``0 <= a < s``.

    Attributes
    ----------
    sliders : dict of str to ipywidgets.IntSlider
        ``"stride"``, ``"padding"``, ``"kernel_size"``, ``"output_padding"``.
    picture : ipywidgets.Image
        The figure, as a PNG.
    readout : ipywidgets.HTML
        The output-size formula with the current numbers (or why the output would be empty).
    widget : ipywidgets.VBox
        Sliders, readout and picture; shown when the explorer is the last expression of a cell.

    Raises
    ------
    ValueError
        When ``x`` is not a non-empty 2-D array of at most 3 x 3 finite real numbers, or a parameter is not an
        integer in its range, or ``output_padding >= stride`` (:meth:`update` raises the same).

    Examples
    --------
    >>> explorer = StampExplorer(stride=2, padding=1, kernel_size=3)
    >>> explorer.output_size()
    (3, 3)
    >>> explorer.update(padding=0)
    (5, 5)
    """

    MAX_SIZE = 3
    RANGES = {"stride": (1, 4), "padding": (0, 3), "kernel_size": (1, 5), "output_padding": (0, 3)}
    _DESCRIPTIONS = {"stride": "stride s", "padding": "padding p", "kernel_size": "kernel k",
                     "output_padding": "output_padding a"}
    _CROPPED = np.array([0.95, 0.3, 0.3, 1.0])
    _ADDED = np.array([1.0, 0.9, 0.45, 1.0])

    def __init__(self, x=None, stride: int = 2, padding: int = 1, kernel_size: int = 3, output_padding: int = 0):
        if x is None:
            x = [[1, 2], [3, 4]]
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"x must hold real numbers, given dtype {x.dtype}")
        if x.ndim != 2 or 0 in x.shape or max(x.shape) > self.MAX_SIZE:
            raise ValueError(f"x must be a 2-D array of 1 x 1 to {self.MAX_SIZE} x {self.MAX_SIZE} pixels (the "
                             f"stamps of a larger input do not fit the picture), given shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x must hold finite numbers")
        self.x = x.astype(np.float64)
        self._integers = bool(np.all(self.x == np.round(self.x)))
        self.params = self._validated(dict(stride=stride, padding=padding, kernel_size=kernel_size,
                                           output_padding=output_padding))
        h, w = self.x.shape
        s_max, k_max, a_max = (self.RANGES[n][1] for n in ("stride", "kernel_size", "output_padding"))
        # the fixed grid holds the largest canvas and the rows (columns) that output_padding may add beyond it
        self._grid = ((h - 1) * s_max + k_max + a_max, (w - 1) * s_max + k_max + a_max)
        self._max_count = min(h, k_max) * min(w, k_max)
        self._sprites = {}
        self._build()

    # -- parameters and what they give ------------------------------------------------------------------------

    def _validated(self, params: dict) -> dict:
        import numbers

        out = {}
        for name, value in params.items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise ValueError(f"{name} must be an integer, given {value!r}")
            lo, hi = self.RANGES[name]
            if not lo <= int(value) <= hi:
                raise ValueError(f"{name} must lie in [{lo}, {hi}], given {value}")
            out[name] = int(value)
        if out["output_padding"] >= out["stride"]:
            raise ValueError(f"output_padding must be smaller than the stride (as PyTorch requires), given "
                             f"output_padding={out['output_padding']} and stride={out['stride']}")
        return out

    def output_size(self):
        """``(H_out, W_out)`` for the current parameters, or None when the padding crops the whole canvas."""
        p = self.params
        out = tuple((n - 1) * p["stride"] - 2 * p["padding"] + p["kernel_size"] + p["output_padding"]
                    for n in self.x.shape)
        return out if min(out) >= 1 else None

    def stamps(self):
        """``(count, value)`` on the uncropped canvas: how many stamps cover each cell, and the sum of their values
        (the transposed convolution of ``x`` with a ``k x k`` kernel of ones, before cropping)."""
        s, k = self.params["stride"], self.params["kernel_size"]
        h, w = self.x.shape
        count = np.zeros(((h - 1) * s + k, (w - 1) * s + k), dtype=np.int64)
        value = np.zeros(count.shape)
        for i in range(h):
            for j in range(w):
                count[i * s: i * s + k, j * s: j * s + k] += 1
                value[i * s: i * s + k, j * s: j * s + k] += self.x[i, j]
        return count, value

    def _format(self, v: float) -> str:
        return f"{int(round(v))}" if self._integers else f"{v:.2g}"

    # -- the figure ---------------------------------------------------------------------------------------------

    def _build(self) -> None:
        import ipywidgets as widgets
        from matplotlib import colormaps
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.cm import ScalarMappable
        from matplotlib.collections import LineCollection
        from matplotlib.colors import BoundaryNorm, ListedColormap
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch, Rectangle

        h, w = self.x.shape
        gh, gw = self._grid
        tab10 = colormaps["tab10"]
        self._colors = [tab10(n % 10) for n in range(h * w)]
        # A bare Figure, not pyplot's: the notebook's inline backend must not show it again below a later cell.
        fig = Figure(figsize=(10, 5.6), dpi=72, layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1, 2.4])

        # the input (static)
        for i in range(h):
            for j in range(w):
                color = self._colors[i * w + j]
                left.add_patch(Rectangle((j, i), 1, 1, facecolor=(*color[:3], 0.25), edgecolor=color, linewidth=2))
                left.text(j + 0.5, i + 0.5, self._format(self.x[i, j]), ha="center", va="center", fontsize=12)
        left.set_xlim(-0.1, self.MAX_SIZE + 0.1)
        left.set_ylim(self.MAX_SIZE + 1.8, -0.1)
        left.set_aspect("equal")
        left.axis("off")
        left.set_title(f"input x ({h} x {w}): each pixel\nstamps the kernel, scaled\nby its value, in its colour")
        self._kernel_text = left.text(0, h + 0.4, "", va="top", fontsize=11)

        # the canvas: cells painted in numpy at each step (transparent outside the canvas), grid lines, stamp
        # outlines, the output frame, a title; the numbers are pasted from rendered labels
        self._shades = colormaps["Greys"](np.linspace(0.0, 0.55, self._max_count + 1))
        counts = ScalarMappable(norm=BoundaryNorm(np.arange(self._max_count + 2) - 0.5, self._max_count + 1),
                                cmap=ListedColormap(self._shades))
        bar = fig.colorbar(counts, ax=right, fraction=0.04, pad=0.02, ticks=np.arange(self._max_count + 1))
        bar.set_label("stamps covering the cell")
        self._grid_lines = right.add_collection(LineCollection([], colors="0.6", linewidths=0.6))
        self._outlines = right.add_collection(LineCollection([], linewidths=2.0))
        self._frame_box = right.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor="k", linewidth=2.5,
                                                    linestyle="--"))
        right.set_xlim(-0.05, gw + 0.05)
        right.set_ylim(gh + 0.05, -0.05)
        right.set_aspect("equal")
        right.axis("off")
        self._title = right.set_title(" ", fontsize=12)
        right.legend(handles=[Patch(facecolor=0.45 * self._shades[1][:3] + 0.55 * self._CROPPED[:3],
                                    label="cropped by padding"),
                              Patch(facecolor=self._ADDED[:3], label="added by output_padding (zeros)"),
                              Line2D([], [], color="k", linestyle="--", linewidth=2.5, label="the output"),
                              Line2D([], [], color=self._colors[0], linewidth=2,
                                     label="a stamp (colour of its pixel)")],
                     loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=10, frameon=False)

        self.figure = fig
        self._canvas = FigureCanvasAgg(fig)
        self._set_texts()
        self._canvas.draw()              # lays the figure out, with the texts of the initial parameters
        fig.set_layout_engine("none")
        # The two texts change with the parameters but take only a few values: each is drawn once and its pixels
        # are kept (the region holds nothing else that moves), as the cell numbers are.
        renderer = self._canvas.get_renderer()
        height = self._canvas.get_width_height(physical=True)[1]
        lb, rb = left.get_window_extent(renderer), right.get_window_extent(renderer)
        cb, kt = bar.ax.get_window_extent(renderer), self._kernel_text.get_window_extent(renderer)
        self._text_regions = {
            self._title: (slice(0, int(height - rb.y1)), slice(int(lb.x1) + 2, int(cb.x0) - 2)),
            self._kernel_text: (slice(int(height - kt.y1) - 3, int(height - min(lb.y0, kt.y0 - 3))),
                                slice(0, int(lb.x1) + 1)),
        }
        self._text_pixels = {}
        self._dynamic = (self._grid_lines, self._outlines, self._frame_box)
        for artist in self._dynamic + tuple(self._text_regions):
            artist.set_animated(True)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        self._geometry(right)

        self.sliders = {}
        for name, (lo, hi) in self.RANGES.items():
            if name == "output_padding":
                hi = self.params["stride"] - 1
            self.sliders[name] = widgets.IntSlider(value=self.params[name], min=lo, max=hi, step=1,
                                                   description=self._DESCRIPTIONS[name], continuous_update=True,
                                                   style={"description_width": "120px"},
                                                   layout=widgets.Layout(width="380px"))
        self._holding = False
        for name, slider in self.sliders.items():
            slider.observe(lambda change, name=name: self._on_slider(name, change["new"]), names="value")
        self.readout = widgets.HTML()
        self.picture = widgets.Image(format="png")
        self._redraw()
        self.widget = widgets.VBox([widgets.HBox([self.sliders["stride"], self.sliders["padding"]]),
                                    widgets.HBox([self.sliders["kernel_size"], self.sliders["output_padding"]]),
                                    self.readout, self.picture])

    def _geometry(self, ax) -> None:
        """Where each cell of the grid lies in the canvas's pixel buffer (rows from the top), and the label cache."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        gh, gw = self._grid
        height = self._canvas.get_width_height(physical=True)[1]
        xs = ax.transData.transform(np.column_stack([np.arange(gw + 1), np.zeros(gw + 1)]))[:, 0]
        ys = height - ax.transData.transform(np.column_stack([np.zeros(gh + 1), np.arange(gh + 1)]))[:, 1]
        c0, c1 = int(np.floor(xs[0])), int(np.ceil(xs[-1]))
        r0, r1 = int(np.floor(ys[0])), int(np.ceil(ys[-1]))
        self._block = (r0, r1, c0, c1)
        # the grid cell of every pixel of the block; gh (gw) for pixels outside the grid: a transparent extra cell
        rows = np.searchsorted(ys, np.arange(r0, r1) + 0.5) - 1
        cols = np.searchsorted(xs, np.arange(c0, c1) + 0.5) - 1
        self._row_of = np.where((rows >= 0) & (rows < gh), rows, gh)
        self._col_of = np.where((cols >= 0) & (cols < gw), cols, gw)
        self._centers = ((ys[:-1] + ys[1:]) / 2, (xs[:-1] + xs[1:]) / 2)
        cell = float(min(np.diff(xs).min(), np.diff(ys).min()))
        self._sprite_shape = (max(int(cell) - 2, 4), max(int(cell) - 2, 4))
        # labels are rendered once each, by matplotlib, on a small transparent figure
        sh, sw = self._sprite_shape
        dpi = self.figure.dpi
        label_fig = Figure(figsize=(sw / dpi, sh / dpi), dpi=dpi)
        label_fig.patch.set_alpha(0.0)
        self._label_text = label_fig.text(0.5, 0.5, "", ha="center", va="center",
                                          fontsize=float(np.clip(0.42 * cell * 72 / dpi, 6, 12)))
        self._label_canvas = FigureCanvasAgg(label_fig)

    def _sprite(self, label: str, color: str):
        """``(color * alpha, 1 - alpha)`` of a rendered label, float32 arrays of the sprite's shape."""
        key = (label, color)
        if key not in self._sprites:
            self._label_text.set_text(label)
            self._label_text.set_color(color)
            self._label_canvas.draw()
            rgba = np.asarray(self._label_canvas.buffer_rgba()).astype(np.float32) / 255
            alpha = rgba[..., 3:]
            self._sprites[key] = (rgba[..., :3] * alpha * 255, 1 - alpha)
        return self._sprites[key]

    def _set_texts(self) -> None:
        p = self.params
        s, pad, k, a = p["stride"], p["padding"], p["kernel_size"], p["output_padding"]
        h, w = self.x.shape
        ch, cw = (h - 1) * s + k, (w - 1) * s + k
        size = self.output_size()
        if size is None:
            self._title.set_text(f"canvas {ch} x {cw}  \u2192  empty output (the padding crops it all)")
        else:
            self._title.set_text(f"canvas {ch} x {cw}  \u2192  output {size[0]} x {size[1]}")
        self._kernel_text.set_text(f"kernel: {k} x {k} ones\nstride s = {s}\npadding p = {pad}\n"
                                   f"output_padding a = {a}")

    # -- a slider step ------------------------------------------------------------------------------------------

    def _on_slider(self, name: str, value: int) -> None:
        if not self._holding:
            self.update(**{name: value})

    def _sync_sliders(self) -> None:
        self._holding = True
        try:
            self.sliders["output_padding"].max = self.params["stride"] - 1
            for name, slider in self.sliders.items():
                slider.value = self.params[name]
        finally:
            self._holding = False

    def update(self, stride=None, padding=None, kernel_size=None, output_padding=None):
        """Set some parameters, redraw, and return the output size ``(H_out, W_out)`` (None when it is empty).

        A new stride lowers the output padding with it when that is no longer smaller than the stride (as the slider
        does), unless ``output_padding`` is given too. Raises ValueError for a parameter out of its range.
        """
        params = dict(self.params)
        given = {"stride": stride, "padding": padding, "kernel_size": kernel_size, "output_padding": output_padding}
        params.update({name: value for name, value in given.items() if value is not None})
        if stride is not None and output_padding is None and isinstance(params["stride"], int) \
                and not isinstance(params["stride"], bool):
            params["output_padding"] = min(params["output_padding"], max(params["stride"] - 1, 0))
        self.params = self._validated(params)
        self._sync_sliders()
        self._redraw()
        return self.output_size()

    def _readout(self) -> str:
        p = self.params
        s, pad, k, a = p["stride"], p["padding"], p["kernel_size"], p["output_padding"]
        lines = []
        for axis, n in zip(("H", "W"), self.x.shape):
            lines.append(f"{axis}<sub>out</sub> = ({axis} &minus; 1)&middot;s &minus; 2p + k + a = "
                         f"({n} &minus; 1)&middot;{s} &minus; 2&middot;{pad} + {k} + {a} = "
                         f"<b>{(n - 1) * s - 2 * pad + k + a}</b>")
        size = self.output_size()
        if size is None:
            lines.append("<b>the output would be empty</b>: the padding crops the whole canvas (reduce padding)")
        else:
            lines.append(f"output: <b>{size[0]} x {size[1]}</b> pixels from an input of {self.x.shape[0]} x "
                         f"{self.x.shape[1]}")
        return "<br>".join(lines)

    def _redraw(self) -> None:
        p = self.params
        s, pad, k = p["stride"], p["padding"], p["kernel_size"]
        h, w = self.x.shape
        gh, gw = self._grid
        count, value = self.stamps()
        ch, cw = count.shape
        size = self.output_size()
        out_h, out_w = size if size else (0, 0)
        # the cells drawn: the canvas, and the zero rows (columns) that output_padding adds beyond it
        dh, dw = max(ch, pad + out_h), max(cw, pad + out_w)
        cells = np.zeros((gh + 1, gw + 1, 4))
        cells[:ch, :cw] = self._shades[count]
        cells[ch:dh, :dw] = self._ADDED
        cells[:dh, cw:dw] = self._ADDED
        cropped = np.zeros((gh + 1, gw + 1), dtype=bool)
        cropped[:dh, :dw] = True
        cropped[pad: pad + out_h, pad: pad + out_w] = False
        cells[cropped] = 0.45 * cells[cropped] + 0.55 * self._CROPPED
        self._cells = np.round(cells * 255).astype(np.uint8)
        self._grid_lines.set_segments([[(0, r), (dw, r)] for r in range(dh + 1)]
                                      + [[(c, 0), (c, dh)] for c in range(dw + 1)])
        # stamp outlines, each inset a little differently so that overlapping outlines stay apart
        segments = []
        for n in range(h * w):
            i, j = divmod(n, w)
            inset = 0.06 + 0.2 * n / max(h * w - 1, 1) * min(1.0, k / 2)
            x0, y0, x1, y1 = j * s + inset, i * s + inset, j * s + k - inset, i * s + k - inset
            segments.append([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
        self._outlines.set_segments(segments)
        self._outlines.set_color(self._colors)
        self._frame_box.set_bounds(pad, pad, out_w, out_h)
        self._frame_box.set_visible(size is not None)
        self._labels = [(r, c, self._format(value[r, c] if r < ch and c < cw else 0.0),
                         "0.3" if cropped[r, c] else "black") for r in range(dh) for c in range(dw)]
        self._set_texts()
        self.picture.value = self._frame()
        self.readout.value = self._readout()

    def _frame(self) -> bytes:
        self._canvas.restore_region(self._background)
        buffer = np.asarray(self._canvas.buffer_rgba())
        for artist, (rows, cols) in self._text_regions.items():
            key = (artist is self._title, artist.get_text())
            if key not in self._text_pixels:
                artist.axes.draw_artist(artist)
                if len(self._text_pixels) > 200:
                    self._text_pixels.clear()
                self._text_pixels[key] = buffer[rows, cols].copy()
            buffer[rows, cols] = self._text_pixels[key]
        r0, r1, c0, c1 = self._block
        block = self._cells[self._row_of[:, None], self._col_of[None, :]]
        opaque = block[..., 3] > 0
        buffer[r0:r1, c0:c1][opaque] = block[opaque]
        for artist in self._dynamic:
            artist.axes.draw_artist(artist)
        sh, sw = self._sprite_shape
        rows, cols = self._centers
        for r, c, label, color in self._labels:
            ink, keep = self._sprite(label, color)
            y, x = int(round(rows[r] - sh / 2)), int(round(cols[c] - sw / 2))
            region = buffer[y: y + sh, x: x + sw, :3]
            region[...] = (region * keep + ink).astype(np.uint8)
        return _png(self._canvas)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def stamp_explorer(x=None, stride: int = 2, padding: int = 1, kernel_size: int = 3, output_padding: int = 0):
    """Build a :class:`StampExplorer` (display it as the last expression of a cell).

    Examples
    --------
    >>> explorer = stamp_explorer([[1, 2], [3, 4]], stride=2, padding=1, kernel_size=3)
    >>> explorer.update(stride=1, padding=0)
    (4, 4)
    """
    return StampExplorer(x, stride=stride, padding=padding, kernel_size=kernel_size, output_padding=output_padding)


# ---------------------------------------------------------------------------------------------------------------
# chapter 1: k-means (k, position weight) and mean shift (bandwidth) on a photograph


def _small_rgb(image, size) -> np.ndarray:
    """Validate an RGB image in [0, 1] and downsample it by striding so that its longer side is at most ``size``."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an integer >= 8, given {size!r}")
    try:
        img = np.asarray(image, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"image must be an (H, W, 3) array of real numbers, given {type(image).__name__}") from None
    if img.ndim != 3 or img.shape[2] != 3 or min(img.shape[:2]) < 2:
        raise ValueError(f"image must be an RGB image of shape (H, W, 3) with H, W >= 2, given shape {img.shape}")
    if not np.all(np.isfinite(img)) or img.min() < 0 or img.max() > 1:
        raise ValueError("image must hold finite values in [0, 1]")
    step = int(np.ceil(max(img.shape[:2]) / size))
    return np.ascontiguousarray(img[::step, ::step])


def _blit_figure(panels: int, width: float = 3.6, height: float = 3.5):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A bare Figure, not pyplot's: the notebook's inline backend must not show it again below a later cell.
    fig = Figure(figsize=(width * panels, height), dpi=72, layout="constrained")
    return fig, list(fig.subplots(1, panels)), FigureCanvasAgg(fig)


class KMeansExplorer:
    """Sliders for ``k`` and the position weight ``lambda`` of k-means on a photograph.

    The image is downsampled (longer side at most ``size`` pixels); every pixel's feature vector is its RGB colour
    followed by ``lambda (x, y) / max(H, W)`` (:func:`coursekit.features.pixel_features`, computed once). Each setting
    runs :func:`coursekit.clustering.kmeans` (k-means++ seeding from ``seed``) once and is cached; a slider step
    redraws the mean-colour segmentation and the label map by blitting.

    Parameters
    ----------
    image : array_like (H, W, 3)
        RGB image in [0, 1].
    k : int
        Initial number of clusters, in ``2 .. k_max``.
    position_weight : float
        Initial ``lambda``, in ``[0, weight_max]``; the slider moves in steps of 0.25.
    size : int
        Longer side of the downsampled image (>= 8).
    k_max : int
        Largest ``k`` of the slider (2 .. 16).
    weight_max : float
        Largest ``lambda`` of the slider (> 0).
    seed : int
        Seed of the k-means++ initialisation (the same for every setting).

    Examples
    --------
    >>> from coursekit.data import load_image
    >>> explorer = KMeansExplorer(load_image("coffee"), k=3, size=40)
    >>> explorer.update(k=2)["k"]
    2
    """

    WEIGHT_STEP = 0.25

    def __init__(self, image, k: int = 4, position_weight: float = 0.0, size: int = 100, k_max: int = 10,
                 weight_max: float = 4.0, seed: int = 0):
        from .features import pixel_features

        self.image = _small_rgb(image, size)
        if isinstance(k_max, bool) or not isinstance(k_max, (int, np.integer)) or not 2 <= k_max <= 16:
            raise ValueError(f"k_max must be an integer in 2 .. 16, given {k_max!r}")
        if isinstance(weight_max, bool) or not isinstance(weight_max, (int, float, np.number)) or \
                not np.isfinite(weight_max) or weight_max <= 0:
            raise ValueError(f"weight_max must be a positive number, given {weight_max!r}")
        self.k_max, self.weight_max, self.seed = int(k_max), float(weight_max), seed
        h, w = self.image.shape[:2]
        self._colour = pixel_features(self.image, "rgb")
        self._position = pixel_features(np.zeros((h, w)), "gray", 1.0)[:, 1:]   # (x, y) / max(H, W)
        self._cache: dict = {}
        self.params = self._validated({"k": k, "position_weight": position_weight})
        self._build()

    def _validated(self, params: dict) -> dict:
        k, weight = params["k"], params["position_weight"]
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ValueError(f"k must be an integer, given {k!r}")
        if not 2 <= k <= self.k_max:
            raise ValueError(f"k must lie in 2 .. {self.k_max}, given {k}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float, np.number)) or not np.isfinite(weight):
            raise ValueError(f"position_weight must be a finite number, given {weight!r}")
        if not 0 <= weight <= self.weight_max:
            raise ValueError(f"position_weight must lie in [0, {self.weight_max:g}], given {weight}")
        return {"k": int(k), "position_weight": round(float(weight), 6)}

    def result(self, k: int, position_weight: float):
        """``(labels (H, W), segmented image, SSD)`` of a setting, computed once and cached."""
        from .clustering import kmeans, segment_image

        key = (int(k), round(float(position_weight), 6))
        if key not in self._cache:
            X = self._colour if key[1] == 0 else np.concatenate([self._colour, key[1] * self._position], axis=1)
            run = kmeans(X, key[0], seed=self.seed, max_iter=50, keep_labels=False)
            labels = run.labels.reshape(self.image.shape[:2])
            self._cache[key] = (labels, segment_image(self.image, labels), float(run.inertia))
        return self._cache[key]

    def _build(self) -> None:
        import ipywidgets as widgets

        from .viz import colorize_labels

        self._colorize = colorize_labels
        fig, axes, self._canvas = _blit_figure(3)
        labels, segmented, _ = self.result(**self.params)
        axes[0].imshow(self.image)
        axes[0].set_title("image (downsampled)")
        self._segmented = axes[1].imshow(segmented)
        axes[1].set_title("mean colour of each segment")
        self._labels = axes[2].imshow(colorize_labels(labels, 16))
        axes[2].set_title("segments (cluster ids)")
        for ax in axes:
            ax.axis("off")
        self.figure = fig
        for artist in (self._segmented, self._labels):
            artist.set_animated(True)
        self._canvas.draw()
        fig.set_layout_engine("none")
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        self.sliders = {
            "k": widgets.IntSlider(value=self.params["k"], min=2, max=self.k_max, description="k",
                                   continuous_update=True),
            "position_weight": widgets.FloatSlider(value=self.params["position_weight"], min=0.0,
                                                   max=self.weight_max, step=self.WEIGHT_STEP,
                                                   description="position λ", readout_format=".2f",
                                                   continuous_update=True),
        }
        for name, slider in self.sliders.items():
            slider.observe(lambda change, name=name: self.update(**{name: change["new"]}), names="value")
        self.picture = widgets.Image(format="png", value=self._frame())
        self.readout = widgets.HTML(self._readout())
        self.widget = widgets.VBox([widgets.HBox(list(self.sliders.values())), self.readout, self.picture])

    def _readout(self) -> str:
        labels, _, ssd = self.result(**self.params)
        return (f"<b>k = {self.params['k']}, λ = {self.params['position_weight']:g}</b> &nbsp; SSD {ssd:.2f} &nbsp; "
                f"{len(np.unique(labels))} non-empty clusters")

    def _frame(self) -> bytes:
        self._canvas.restore_region(self._background)
        for artist in (self._segmented, self._labels):
            artist.axes.draw_artist(artist)
        return _png(self._canvas)

    def update(self, k=None, position_weight=None) -> dict:
        """Recompute (or take from the cache) and redraw for new parameters; returns the parameters and the SSD."""
        params = dict(self.params)
        if k is not None:
            params["k"] = k
        if position_weight is not None:
            params["position_weight"] = position_weight
        self.params = self._validated(params)
        labels, segmented, ssd = self.result(**self.params)
        self._segmented.set_data(segmented)
        self._labels.set_data(self._colorize(labels, 16))
        for name, slider in self.sliders.items():
            if slider.value != self.params[name]:
                slider.value = self.params[name]
        self.picture.value = self._frame()
        self.readout.value = self._readout()
        return {**self.params, "inertia": ssd}

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def kmeans_explorer(image, k: int = 4, position_weight: float = 0.0, size: int = 100, k_max: int = 10,
                    weight_max: float = 4.0, seed: int = 0):
    """Build a :class:`KMeansExplorer` (display it as the last expression of a cell)."""
    return KMeansExplorer(image, k=k, position_weight=position_weight, size=size, k_max=k_max,
                          weight_max=weight_max, seed=seed)


class MeanShiftExplorer:
    """A slider for the bandwidth ``h`` of mean shift on a photograph, in L*u*v*.

    The image is downsampled (longer side at most ``size``) and converted to L*u*v* once
    (:func:`coursekit.features.pixel_features`). Each bandwidth of ``bandwidths`` runs
    :func:`coursekit.clustering.mean_shift` with the flat kernel and bin seeding the first time it is shown and is
    cached; a slider step redraws the mean-colour segmentation and the modes in the (u*, v*) plane by blitting.

    Parameters
    ----------
    image : array_like (H, W, 3)
        RGB image in [0, 1].
    bandwidth : float
        Initial bandwidth, one of ``bandwidths``.
    bandwidths : sequence of float
        The slider's values (positive, increasing).
    size : int
        Longer side of the downsampled image (>= 8).

    Examples
    --------
    >>> from coursekit.data import load_image
    >>> explorer = MeanShiftExplorer(load_image("chelsea"), bandwidth=8.0, size=40)
    >>> explorer.update(10.0)["bandwidth"]
    10.0
    """

    def __init__(self, image, bandwidth: float = 7.0, bandwidths=(4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0),
                 size: int = 100):
        from .features import pixel_features

        self.image = _small_rgb(image, size)
        try:
            values = np.asarray(bandwidths, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ValueError(f"bandwidths must be a sequence of positive numbers, given {bandwidths!r}") from None
        if values.size == 0 or not np.all(np.isfinite(values)) or values.min() <= 0 or np.any(np.diff(values) <= 0):
            raise ValueError(f"bandwidths must be positive, finite and increasing, given {bandwidths!r}")
        self.bandwidths = tuple(float(v) for v in values)
        self._luv = pixel_features(self.image, "luv")
        self._cache: dict = {}
        self.bandwidth = self._validated(bandwidth)
        self._build()

    def _validated(self, bandwidth) -> float:
        if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float, np.number)):
            raise ValueError(f"bandwidth must be a number, one of {list(self.bandwidths)}, given {bandwidth!r}")
        if float(bandwidth) not in self.bandwidths:
            raise ValueError(f"bandwidth must be one of the slider's values {list(self.bandwidths)}, given {bandwidth}")
        return float(bandwidth)

    def result(self, bandwidth: float):
        """``(labels (H, W), segmented image, modes (m, 3))`` of a bandwidth, computed once and cached."""
        from .clustering import mean_shift, segment_image

        h = self._validated(bandwidth)
        if h not in self._cache:
            run = mean_shift(self._luv, h, bin_seeding=True)
            labels = run.labels.reshape(self.image.shape[:2])
            self._cache[h] = (labels, segment_image(self.image, labels), run.modes)
        return self._cache[h]

    def _build(self) -> None:
        import ipywidgets as widgets

        fig, axes, self._canvas = _blit_figure(3)
        labels, segmented, modes = self.result(self.bandwidth)
        axes[0].imshow(self.image)
        axes[0].set_title("image (downsampled)")
        axes[0].axis("off")
        self._segmented = axes[1].imshow(segmented)
        axes[1].set_title("mean colour of each basin")
        axes[1].axis("off")
        ax = axes[2]
        sub = slice(None, None, max(1, len(self._luv) // 2000))
        ax.scatter(self._luv[sub, 1], self._luv[sub, 2], s=3, c=self.image.reshape(-1, 3)[sub])
        self._modes = ax.scatter(modes[:, 1], modes[:, 2], marker="*", s=150, c="gold", edgecolors="k")
        ax.set_xlabel("u*")
        ax.set_ylabel("v*")
        ax.set_title("pixels and modes in (u*, v*)")
        self.figure = fig
        for artist in (self._segmented, self._modes):
            artist.set_animated(True)
        self._canvas.draw()
        fig.set_layout_engine("none")
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        self.slider = widgets.SelectionSlider(options=list(self.bandwidths), value=self.bandwidth,
                                              description="bandwidth h", continuous_update=False)
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.picture = widgets.Image(format="png", value=self._frame())
        self.readout = widgets.HTML(self._readout())
        self.widget = widgets.VBox([self.slider, self.readout, self.picture])

    def _readout(self) -> str:
        labels, _, modes = self.result(self.bandwidth)
        return f"<b>h = {self.bandwidth:g}</b> &nbsp; {len(modes)} modes (segments)"

    def _frame(self) -> bytes:
        self._canvas.restore_region(self._background)
        for artist in (self._segmented, self._modes):
            artist.axes.draw_artist(artist)
        return _png(self._canvas)

    def update(self, bandwidth) -> dict:
        """Recompute (or take from the cache) and redraw for a bandwidth; returns it and the number of modes."""
        self.bandwidth = self._validated(bandwidth)
        labels, segmented, modes = self.result(self.bandwidth)
        self._segmented.set_data(segmented)
        self._modes.set_offsets(modes[:, 1:3])
        if self.slider.value != self.bandwidth:
            self.slider.value = self.bandwidth
        self.picture.value = self._frame()
        self.readout.value = self._readout()
        return {"bandwidth": self.bandwidth, "modes": len(modes)}

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def mean_shift_explorer(image, bandwidth: float = 7.0, bandwidths=(4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0),
                        size: int = 100):
    """Build a :class:`MeanShiftExplorer` (display it as the last expression of a cell)."""
    return MeanShiftExplorer(image, bandwidth=bandwidth, bandwidths=bandwidths, size=size)


# ---------------------------------------------------------------------------------------------------------------
# chapter 5: dilated convolutions and the receptive field


def dilated_footprint(dilations, kernel_size: int = 3) -> np.ndarray:
    """How many paths lead from each input pixel to the centre output of a stack of dilated convolutions.

    For ``L`` convolutions (stride 1, kernel ``k x k`` of ones, dilations ``d_1 .. d_L``) the number of paths from
    input offset ``(u, v)`` to the centre output is ``c(u) c(v)``, where ``c`` is the 1-D convolution of the layers'
    dilated kernels (``k`` ones ``d_l`` apart): the gradient of the centre output with respect to the input. The map
    spans the receptive field ``r = 1 + sum_l d_l (k - 1)`` along each axis (Chen et al. 2018, Yu & Koltun 2016); its
    zeros are the pixels the stack never sees (the "gridding" of dilations that share a factor).

    Parameters
    ----------
    dilations : sequence of int
        One dilation ``>= 1`` per layer (at least one layer).
    kernel_size : int
        The kernel's side ``k >= 1``.

    Returns
    -------
    numpy.ndarray
        ``(r, r)`` float array of path counts, the centre output's input pixel at ``(r // 2, r // 2)``.

    Examples
    --------
    >>> dilated_footprint([1, 1]).astype(int)[2]
    array([3, 6, 9, 6, 3])
    >>> int((dilated_footprint([2, 2]) == 0).sum())   # dilation 2 twice: only even offsets are reached
    56
    """
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, (int, np.integer)) or kernel_size < 1:
        raise ValueError(f"kernel_size must be an integer >= 1, given {kernel_size!r}")
    if isinstance(dilations, (str, bytes)) or not hasattr(dilations, "__len__") or len(dilations) == 0:
        raise ValueError(f"dilations must be a non-empty sequence of integers >= 1, given {dilations!r}")
    counts = np.ones(1)
    for i, d in enumerate(dilations):
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise ValueError(f"dilations[{i}] must be an integer >= 1, given {d!r}")
        kernel = np.zeros(int(d) * (kernel_size - 1) + 1)
        kernel[:: int(d)] = 1.0
        counts = np.convolve(counts, kernel)
    return np.outer(counts, counts)


class ReceptiveFieldExplorer:
    """One slider per layer for the dilations of a stack of ``3 x 3`` convolutions: which input pixels reach the
    centre output (:func:`dilated_footprint`), the receptive field, and the holes.

    Left: the number of paths from each input pixel to the centre output, relative to the largest, on a fixed canvas
    large enough for every setting (the receptive field framed); right: the pixels of the receptive field that no path
    reaches. Each slider step computes the footprint (a few 1-D convolutions) and redraws by blitting.

    Parameters
    ----------
    dilations : sequence of int
        Initial dilation of each layer (1 to 6 layers), each in ``1 .. max_dilation``.
    max_dilation : int
        Largest dilation of the sliders (1 .. 16).
    kernel_size : int
        Side of every kernel (odd, 1 .. 7).

    Examples
    --------
    >>> explorer = ReceptiveFieldExplorer((1, 2, 4))
    >>> explorer.update(layer=3, dilation=2)
    {'dilations': (1, 2, 2), 'receptive_field': 11, 'holes': 0}
    """

    def __init__(self, dilations=(1, 2, 4), max_dilation: int = 8, kernel_size: int = 3):
        if isinstance(max_dilation, bool) or not isinstance(max_dilation, (int, np.integer)) or \
                not 1 <= max_dilation <= 16:
            raise ValueError(f"max_dilation must be an integer in 1 .. 16, given {max_dilation!r}")
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, (int, np.integer)) or \
                not 1 <= kernel_size <= 7 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd integer in 1 .. 7, given {kernel_size!r}")
        if isinstance(dilations, (str, bytes)) or not hasattr(dilations, "__len__") or not 1 <= len(dilations) <= 6:
            raise ValueError(f"dilations must be a sequence of 1 to 6 integers, given {dilations!r}")
        self.max_dilation, self.kernel_size = int(max_dilation), int(kernel_size)
        self.dilations = self._validated(tuple(dilations))
        self.size = 1 + len(self.dilations) * self.max_dilation * (self.kernel_size - 1)   # the canvas: r at most
        self._build()

    def _validated(self, dilations: tuple) -> tuple:
        for i, d in enumerate(dilations):
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 1 <= d <= self.max_dilation:
                raise ValueError(f"the dilation of layer {i + 1} must be an integer in 1 .. {self.max_dilation}, "
                                 f"given {d!r}")
        return tuple(int(d) for d in dilations)

    def footprint(self) -> tuple[np.ndarray, np.ndarray, int]:
        """``(relative paths on the canvas, holes on the canvas, receptive field r)`` of the current dilations."""
        counts = dilated_footprint(self.dilations, self.kernel_size)
        r = counts.shape[0]
        start = (self.size - r) // 2
        canvas = np.zeros((self.size, self.size))
        canvas[start: start + r, start: start + r] = counts / counts.max()
        holes = np.zeros((self.size, self.size))
        holes[start: start + r, start: start + r] = counts == 0
        return canvas, holes, r

    def _build(self) -> None:
        import ipywidgets as widgets
        from matplotlib.patches import Rectangle

        fig, axes, self._canvas = _blit_figure(2, width=4.2, height=4.0)
        canvas, holes, r = self.footprint()
        self._paths = axes[0].imshow(canvas, cmap="magma", vmin=0, vmax=1)
        fig.colorbar(self._paths, ax=axes[0], shrink=0.8, label="paths to the centre (share of the most)")
        axes[0].set_title("input pixels that reach the centre output")
        self._holes = axes[1].imshow(holes, cmap="gray_r", vmin=0, vmax=1)
        axes[1].set_title("holes: never reached inside the field")
        self._frames = []
        for ax in axes:
            ax.set_xlabel("input column (offset from the centre)")
            ax.set_ylabel("input row")
            ticks = [0, self.size // 2, self.size - 1]
            ax.set_xticks(ticks, [str(t - self.size // 2) for t in ticks])
            ax.set_yticks(ticks, [str(t - self.size // 2) for t in ticks])
            frame = Rectangle((0, 0), 1, 1, fill=False, edgecolor="deepskyblue", linewidth=1.5)
            ax.add_patch(frame)
            self._frames.append(frame)
        self._place_frames(r)
        self.figure = fig
        self._animated = [self._paths, self._holes, *self._frames]
        for artist in self._animated:
            artist.set_animated(True)
        self._canvas.draw()
        fig.set_layout_engine("none")
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        self.sliders = [widgets.IntSlider(value=d, min=1, max=self.max_dilation, description=f"dilation {i + 1}",
                                          continuous_update=True) for i, d in enumerate(self.dilations)]
        for i, slider in enumerate(self.sliders):
            slider.observe(lambda change, i=i: self.update(layer=i + 1, dilation=change["new"]), names="value")
        self.picture = widgets.Image(format="png", value=self._frame())
        self.readout = widgets.HTML(self._readout())
        self.widget = widgets.VBox([widgets.HBox(self.sliders[:3]), *([widgets.HBox(self.sliders[3:])]
                                                                     if len(self.sliders) > 3 else []),
                                    self.readout, self.picture])

    def _place_frames(self, r: int) -> None:
        start = (self.size - r) // 2 - 0.5
        for frame in self._frames:
            frame.set_xy((start, start))
            frame.set_width(r)
            frame.set_height(r)

    def _readout(self) -> str:
        _, holes, r = self.footprint()
        n_holes = int(holes.sum())
        seen = f"{r * r - n_holes} of {r * r} pixels reached" + (" (no holes)" if not n_holes else
                                                                 f", {n_holes} holes (gridding)")
        return (f"<b>dilations {self.dilations}</b> &nbsp; receptive field r = 1 + {self.kernel_size - 1} x "
                f"{sum(self.dilations)} = <b>{r}</b> px &nbsp; {seen}")

    def _frame(self) -> bytes:
        self._canvas.restore_region(self._background)
        for artist in self._animated:
            artist.axes.draw_artist(artist)
        return _png(self._canvas)

    def update(self, layer: int, dilation: int) -> dict:
        """Set the dilation of ``layer`` (1-based) and redraw; returns the dilations, ``r`` and the number of holes."""
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or \
                not 1 <= layer <= len(self.dilations):
            raise ValueError(f"layer must be an integer in 1 .. {len(self.dilations)}, given {layer!r}")
        dilations = list(self.dilations)
        dilations[layer - 1] = dilation
        self.dilations = self._validated(tuple(dilations))
        canvas, holes, r = self.footprint()
        self._paths.set_data(canvas)
        self._holes.set_data(holes)
        self._place_frames(r)
        slider = self.sliders[layer - 1]
        if slider.value != self.dilations[layer - 1]:
            slider.value = self.dilations[layer - 1]
        self.picture.value = self._frame()
        self.readout.value = self._readout()
        return {"dilations": self.dilations, "receptive_field": r, "holes": int(holes.sum())}

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def receptive_field_explorer(dilations=(1, 2, 4), max_dilation: int = 8, kernel_size: int = 3):
    """Build a :class:`ReceptiveFieldExplorer` (display it as the last expression of a cell)."""
    return ReceptiveFieldExplorer(dilations, max_dilation=max_dilation, kernel_size=kernel_size)
