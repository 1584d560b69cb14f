"""Interactive explorers for the notebooks (ipywidgets 8).

Each explorer precomputes what it can when it is built, so that moving a slider only updates a few artists and
re-renders one PNG (aim: well under 100 ms for the default sizes). The figure is shown through an
``ipywidgets.Image``, which works the same in JupyterLab, Notebook 7 and headless tests.
"""

from __future__ import annotations

import io

import numpy as np

__all__ = ["ThresholdExplorer", "threshold_explorer"]


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
