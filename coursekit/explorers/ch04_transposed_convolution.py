"""Chapter 4, transposed convolution: sliders for the stride, padding, kernel size and output padding, redrawing the
stamps on the output canvas and the output size (:func:`coursekit.upsampling.conv_transpose_output_size`)."""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array
from ._validate import int_in
from .base import Explorer

__all__ = ["StampExplorer", "stamp_explorer"]


class StampExplorer(Explorer):
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

    A slider step paints the cells in numpy, draws the outlines and the frame, and pastes the cell numbers and the
    two texts from caches of their pixels (each is rendered by matplotlib once).

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
    readout : ipywidgets.HTML
        The output-size formula with the current numbers (or why the output would be empty).

    Raises
    ------
    TypeError
        When ``x`` does not hold real numbers, or a parameter is not an integer (:meth:`update` raises the same).
    ValueError
        When ``x`` is not a non-empty 2-D array of at most 3 x 3 finite numbers, or a parameter is not in its range,
        or ``output_padding >= stride``.

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
    SLIDERS_PER_ROW = 2
    _DESCRIPTIONS = {"stride": "stride s", "padding": "padding p", "kernel_size": "kernel k",
                     "output_padding": "output_padding a"}
    _CROPPED = np.array([0.95, 0.3, 0.3, 1.0])
    _ADDED = np.array([1.0, 0.9, 0.45, 1.0])

    def __init__(self, x=None, stride: int = 2, padding: int = 1, kernel_size: int = 3, output_padding: int = 0):
        x = as_real_array([[1, 2], [3, 4]] if x is None else x, "x")
        if x.ndim != 2 or 0 in x.shape or max(x.shape) > self.MAX_SIZE:
            raise ValueError(f"x must be a 2-D array of 1 x 1 to {self.MAX_SIZE} x {self.MAX_SIZE} pixels (the "
                             f"stamps of a larger input do not fit the picture), given shape {x.shape}")
        self.x = x
        self._integers = bool(np.all(x == np.round(x)))
        h, w = x.shape
        s_max, k_max, a_max = (self.RANGES[n][1] for n in ("stride", "kernel_size", "output_padding"))
        # the fixed grid holds the largest canvas and the rows (columns) that output_padding may add beyond it
        self._grid = ((h - 1) * s_max + k_max + a_max, (w - 1) * s_max + k_max + a_max)
        self._max_count = min(h, k_max) * min(w, k_max)
        super().__init__(dict(stride=stride, padding=padding, kernel_size=kernel_size,
                              output_padding=output_padding), figsize=(10, 5.6))

    # -- parameters and what they give ----------------------------------------------------------------------------

    def _sizes(self) -> tuple:
        """``(H_out, W_out)``, which may be below 1: the uncropped output of the reference formula, less ``2 p``."""
        from ..upsampling import conv_transpose_output_size

        p = self.params
        full = conv_transpose_output_size(self.x.shape, p["kernel_size"], p["stride"], 0, p["output_padding"])
        return tuple(n - 2 * p["padding"] for n in full)

    def output_size(self):
        """``(H_out, W_out)`` for the current parameters, or None when the padding crops the whole canvas."""
        size = self._sizes()
        return size if min(size) >= 1 else None

    def stamps(self):
        """``(count, value)`` on the uncropped canvas: how many stamps cover each cell, and the sum of their values.

        Both are transposed convolutions with a ``k x k`` kernel of ones and no padding
        (:func:`coursekit.upsampling.conv_transpose2d`): of a map of ones, and of ``x``.
        """
        from ..upsampling import conv_transpose2d

        s, k = self.params["stride"], self.params["kernel_size"]
        inputs = np.stack([np.ones_like(self.x), self.x])[:, None]          # two images of one channel
        count, value = conv_transpose2d(inputs, np.ones((1, 1, k, k)), stride=s)[:, 0]
        return np.rint(count).astype(np.int64), value

    def update(self, stride=None, padding=None, kernel_size=None, output_padding=None):
        """Set some parameters, redraw, and return the output size ``(H_out, W_out)`` (None when it is empty).

        A new stride lowers the output padding with it when that is no longer smaller than the stride (as the slider
        does), unless ``output_padding`` is given too. Raises TypeError for a parameter that is not an integer and
        ValueError for one out of its range; nothing changes then.
        """
        given = dict(stride=stride, padding=padding, kernel_size=kernel_size, output_padding=output_padding)
        changes = {name: value for name, value in given.items() if value is not None}
        if stride is not None and output_padding is None:
            stride = int_in(stride, "stride", *self.RANGES["stride"])
            changes["output_padding"] = min(self.params["output_padding"], stride - 1)
        self._apply(**changes)
        return self.output_size()

    def _validated(self, params: dict) -> dict:
        out = {name: int_in(params[name], name, lo, hi) for name, (lo, hi) in self.RANGES.items()}
        if out["output_padding"] >= out["stride"]:
            raise ValueError(f"output_padding must be smaller than the stride (as PyTorch requires), given "
                             f"output_padding={out['output_padding']} and stride={out['stride']}")
        return out

    def _format(self, v: float) -> str:
        return f"{int(round(v))}" if self._integers else f"{v:.2g}"

    def _readout(self) -> str:
        p = self.params
        s, pad, k, a = p["stride"], p["padding"], p["kernel_size"], p["output_padding"]
        lines = [f"{axis}<sub>out</sub> = ({axis} &minus; 1)&middot;s &minus; 2p + k + a = "
                 f"({n} &minus; 1)&middot;{s} &minus; 2&middot;{pad} + {k} + {a} = <b>{out}</b>"
                 for axis, n, out in zip(("H", "W"), self.x.shape, self._sizes())]
        size = self.output_size()
        if size is None:
            lines.append("<b>the output would be empty</b>: the padding crops the whole canvas (reduce padding)")
        else:
            lines.append(f"output: <b>{size[0]} x {size[1]}</b> pixels from an input of {self.x.shape[0]} x "
                         f"{self.x.shape[1]}")
        return "<br>".join(lines)

    def _texts(self, ch: int, cw: int, size) -> tuple[str, str]:
        """The canvas's title (canvas ``ch x cw``, output ``size``) and the parameters under the input."""
        p = self.params
        output = "empty output (the padding crops it all)" if size is None else f"output {size[0]} x {size[1]}"
        return (f"canvas {ch} x {cw}  \u2192  {output}",
                f"kernel: {p['kernel_size']} x {p['kernel_size']} ones\nstride s = {p['stride']}\n"
                f"padding p = {p['padding']}\noutput_padding a = {p['output_padding']}")

    # -- the figure ---------------------------------------------------------------------------------------------

    def _draw(self, figure) -> list:
        from matplotlib import colormaps
        from matplotlib.collections import LineCollection
        from matplotlib.patches import Rectangle

        left, right = figure.subplots(1, 2, width_ratios=[1, 2.4])
        self._colors = [colormaps["tab10"](n % 10) for n in range(self.x.size)]
        self._shades = colormaps["Greys"](np.linspace(0.0, 0.55, self._max_count + 1))
        self._draw_input(left)
        self._kernel_text = left.text(0, self.x.shape[0] + 0.4, "", va="top", fontsize=12)
        self._bar = self._draw_colorbar(figure, right)
        self._grid_lines = right.add_collection(LineCollection([], colors="0.6", linewidths=0.6))
        self._outlines = right.add_collection(LineCollection([], linewidths=2.0))
        self._frame_box = right.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor="k", linewidth=2.5,
                                                    linestyle="--"))
        gh, gw = self._grid
        right.set_xlim(-0.05, gw + 0.05)
        right.set_ylim(gh + 0.05, -0.05)
        right.set_aspect("equal")
        right.axis("off")
        self._title = right.set_title(" ")
        self._draw_legend(right)
        return [self._grid_lines, self._outlines, self._frame_box]

    def _draw_input(self, ax) -> None:
        from matplotlib.patches import Rectangle

        h, w = self.x.shape
        for (i, j), v in np.ndenumerate(self.x):
            color = self._colors[i * w + j]
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=(*color[:3], 0.25), edgecolor=color, linewidth=2))
            ax.text(j + 0.5, i + 0.5, self._format(v), ha="center", va="center", fontsize=12)
        ax.set_xlim(-0.1, self.MAX_SIZE + 0.1)
        ax.set_ylim(self.MAX_SIZE + 1.8, -0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"input x ({h} x {w}): each pixel\nstamps the kernel, scaled\nby its value, in its colour")

    def _draw_colorbar(self, figure, ax):
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import BoundaryNorm, ListedColormap

        n = self._max_count + 1
        counts = ScalarMappable(norm=BoundaryNorm(np.arange(n + 1) - 0.5, n), cmap=ListedColormap(self._shades))
        bar = figure.colorbar(counts, ax=ax, fraction=0.04, pad=0.02, ticks=np.arange(n))
        bar.set_label("stamps covering the cell")
        return bar

    def _draw_legend(self, ax) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        cropped = 0.45 * self._shades[1][:3] + 0.55 * self._CROPPED[:3]
        ax.legend(handles=[Patch(facecolor=cropped, label="cropped by padding"),
                           Patch(facecolor=self._ADDED[:3], label="added by output_padding (zeros)"),
                           Line2D([], [], color="k", linestyle="--", linewidth=2.5, label="the output"),
                           Line2D([], [], color=self._colors[0], linewidth=2, label="a stamp (colour of its pixel)")],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)

    def _laid_out(self) -> None:
        """The pixels of the two texts are kept by text (the region of each holds nothing else that moves), and the
        grid's cells are located in the canvas's pixels."""
        renderer = self._canvas.get_renderer()
        height = self._canvas.get_width_height(physical=True)[1]
        left, right = (ax.get_window_extent(renderer) for ax in self.figure.axes[:2])
        bar, kt = self._bar.ax.get_window_extent(renderer), self._kernel_text.get_window_extent(renderer)
        self._text_pixels = _TextPixels({
            self._title: (slice(0, int(height - right.y1)), slice(int(left.x1) + 2, int(bar.x0) - 2)),
            self._kernel_text: (slice(int(height - kt.y1) - 3, int(height - min(left.y0, kt.y0 - 3))),
                                slice(0, int(left.x1) + 1)),
        })
        self._cells_grid = _PixelGrid(self.figure.axes[1], self._grid, height, self.figure.dpi)

    # -- a slider step ------------------------------------------------------------------------------------------

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        return {name: widgets.IntSlider(value=self.params[name], min=lo, max=hi, step=1,
                                        description=self._DESCRIPTIONS[name], continuous_update=True,
                                        style={"description_width": "120px"}, layout=widgets.Layout(width="380px"))
                for name, (lo, hi) in self.RANGES.items()}

    def _show(self) -> None:
        with self._quiet():   # the output padding's range follows the stride
            self.sliders["output_padding"].max = self.params["stride"] - 1
        super()._show()

    def _move(self) -> None:
        """The cells' colours and numbers, the grid lines, the stamps' outlines, the output's frame and the texts."""
        p = self.params
        pad, count, value = p["padding"], *self.stamps()
        ch, cw = count.shape
        size = self.output_size()
        out_h, out_w = size if size else (0, 0)
        dh, dw = max(ch, pad + out_h), max(cw, pad + out_w)   # the canvas, and the zeros output_padding adds
        cells = np.zeros((self._grid[0] + 1, self._grid[1] + 1, 4))   # one transparent cell beyond the grid
        cells[:ch, :cw] = self._shades[count]
        cells[ch:dh, :dw] = self._ADDED
        cells[:dh, cw:dw] = self._ADDED
        cropped = np.zeros(cells.shape[:2], dtype=bool)
        cropped[:dh, :dw] = True
        cropped[pad: pad + out_h, pad: pad + out_w] = False
        cells[cropped] = 0.45 * cells[cropped] + 0.55 * self._CROPPED
        self._cells = np.round(cells * 255).astype(np.uint8)
        self._labels = [(r, c, self._format(value[r, c] if r < ch and c < cw else 0.0),
                         "0.3" if cropped[r, c] else "black") for r in range(dh) for c in range(dw)]
        self._grid_lines.set_segments([[(0, r), (dw, r)] for r in range(dh + 1)]
                                      + [[(c, 0), (c, dh)] for c in range(dw + 1)])
        self._outlines.set_segments(self._outline_segments())
        self._outlines.set_color(self._colors)
        self._frame_box.set_bounds(pad, pad, out_w, out_h)
        self._frame_box.set_visible(size is not None)
        title, kernel = self._texts(ch, cw, size)
        self._title.set_text(title)
        self._kernel_text.set_text(kernel)

    def _outline_segments(self) -> list:
        """Each stamp's outline, inset a little differently so that overlapping outlines stay apart."""
        s, k = self.params["stride"], self.params["kernel_size"]
        h, w = self.x.shape
        segments = []
        for n in range(h * w):
            i, j = divmod(n, w)
            inset = 0.06 + 0.2 * n / max(h * w - 1, 1) * min(1.0, k / 2)
            x0, y0, x1, y1 = j * s + inset, i * s + inset, j * s + k - inset, i * s + k - inset
            segments.append([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
        return segments

    def _draw_moving(self, pixels: np.ndarray) -> None:
        self._text_pixels.paste(self.figure, pixels)
        self._cells_grid.paint(pixels, self._cells)
        super()._draw_moving(pixels)
        for r, c, label, color in self._labels:
            self._cells_grid.label(pixels, r, c, label, color)


class _TextPixels:
    """Texts that take a few values, each drawn by matplotlib once: the pixels of a region that holds nothing else
    that moves are kept by text and pasted at each step."""

    def __init__(self, regions: dict):
        self.regions = regions          # text artist: (rows, columns) of the canvas's pixels
        self._kept: dict = {}
        for artist in regions:
            artist.set_animated(True)

    def paste(self, figure, pixels: np.ndarray) -> None:
        for n, (artist, region) in enumerate(self.regions.items()):
            key = (n, artist.get_text())
            if key not in self._kept:
                figure.draw_artist(artist)
                if len(self._kept) > 200:
                    self._kept.clear()
                self._kept[key] = pixels[region].copy()
            pixels[region] = self._kept[key]


class _PixelGrid:
    """The cells of an axes' unit grid in the canvas's pixels (rows from the top): painting the cells in numpy, and
    pasting labels rendered once each by matplotlib (on a small transparent figure)."""

    def __init__(self, ax, grid: tuple[int, int], height: int, dpi: float):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        gh, gw = grid
        xs = ax.transData.transform(np.column_stack([np.arange(gw + 1), np.zeros(gw + 1)]))[:, 0]
        ys = height - ax.transData.transform(np.column_stack([np.zeros(gh + 1), np.arange(gh + 1)]))[:, 1]
        r0, r1, c0, c1 = int(np.floor(ys[0])), int(np.ceil(ys[-1])), int(np.floor(xs[0])), int(np.ceil(xs[-1]))
        self.block = (slice(r0, r1), slice(c0, c1))
        # the grid cell of every pixel of the block; gh (gw) for pixels outside the grid: the extra cell
        rows = np.searchsorted(ys, np.arange(r0, r1) + 0.5) - 1
        cols = np.searchsorted(xs, np.arange(c0, c1) + 0.5) - 1
        self.row_of = np.where((rows >= 0) & (rows < gh), rows, gh)[:, None]
        self.col_of = np.where((cols >= 0) & (cols < gw), cols, gw)[None, :]
        self.centers = ((ys[:-1] + ys[1:]) / 2, (xs[:-1] + xs[1:]) / 2)
        cell = float(min(np.diff(xs).min(), np.diff(ys).min()))
        self.side = max(int(cell) - 2, 4)
        label_figure = Figure(figsize=(self.side / dpi, self.side / dpi), dpi=dpi)
        label_figure.patch.set_alpha(0.0)
        self._text = label_figure.text(0.5, 0.5, "", ha="center", va="center",
                                       fontsize=float(np.clip(0.42 * cell * 72 / dpi, 6, 12)))
        self._canvas = FigureCanvasAgg(label_figure)
        self._sprites: dict = {}

    def paint(self, pixels: np.ndarray, cells: np.ndarray) -> None:
        """Paint each cell in its RGBA colour (``cells``: uint8 ``(gh + 1, gw + 1, 4)``; alpha 0 leaves it)."""
        block = cells[self.row_of, self.col_of]
        opaque = block[..., 3] > 0
        pixels[self.block][opaque] = block[opaque]

    def label(self, pixels: np.ndarray, row: int, col: int, text: str, color: str) -> None:
        """Blend ``text`` in ``color`` over the centre of cell ``(row, col)``."""
        ink, keep = self._sprite(text, color)
        y, x = int(round(self.centers[0][row] - self.side / 2)), int(round(self.centers[1][col] - self.side / 2))
        region = pixels[y: y + self.side, x: x + self.side, :3]
        region[...] = (region * keep + ink).astype(np.uint8)

    def _sprite(self, text: str, color: str):
        """``(color * alpha, 1 - alpha)`` of a rendered label, float32 arrays of the sprite's shape."""
        if (text, color) not in self._sprites:
            self._text.set_text(text)
            self._text.set_color(color)
            self._canvas.draw()
            rgba = np.asarray(self._canvas.buffer_rgba()).astype(np.float32) / 255
            alpha = rgba[..., 3:]
            self._sprites[text, color] = (rgba[..., :3] * alpha * 255, 1 - alpha)
        return self._sprites[text, color]


def stamp_explorer(x=None, stride: int = 2, padding: int = 1, kernel_size: int = 3, output_padding: int = 0):
    """Build a :class:`StampExplorer` (display it as the last expression of a cell).

    Examples
    --------
    >>> explorer = stamp_explorer([[1, 2], [3, 4]], stride=2, padding=1, kernel_size=3)
    >>> explorer.update(stride=1, padding=0)
    (4, 4)
    """
    return StampExplorer(x, stride=stride, padding=padding, kernel_size=kernel_size, output_padding=output_padding)
