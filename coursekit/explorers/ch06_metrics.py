"""Chapter 6, metrics: a threshold slider on a soft prediction, with IoU, Dice, precision and recall."""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, check_int
from ..viz.palette import outcome_patches, paint_outcomes
from ..viz.style import WIDTH
from ._validate import number_in
from .base import Explorer

__all__ = ["ThresholdExplorer", "threshold_explorer"]


class ThresholdExplorer(Explorer):
    """A threshold slider on a soft (probability) prediction of one foreground class.

    Moving the slider thresholds ``prob >= t`` into a mask, redraws it over the ground truth in the course's
    colour-blind-safe colours (:data:`coursekit.viz.OUTCOME_COLORS`: true positives blue, false positives vermillion,
    false negatives yellow) and updates IoU, Dice, precision and recall of the foreground class,
    computed by :mod:`coursekit.metrics` from the 2x2 confusion matrix. The counts at any threshold come from the
    sorted probabilities of the foreground and background pixels (a binary search), sorted once.

    Parameters
    ----------
    prob : ndarray (H, W)
        Foreground probabilities in [0, 1].
    target : ndarray (H, W)
        Ground truth: 1 foreground, 0 background, ``ignore_index`` left out.
    image : ndarray, optional
        The image, drawn beside the masks.
    threshold : float
        Initial threshold, in [0, 1].
    ignore_index : int
        Label of pixels left out of the metrics.

    Raises
    ------
    TypeError
        When ``prob`` or ``target`` do not hold numbers, or ``threshold`` is not a number.
    ValueError
        When ``prob`` is not a 2-D map of finite probabilities, ``target`` has another shape or labels other than
        0, 1 and ``ignore_index``, or ``threshold`` lies outside [0, 1].

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes, soft_prediction
    >>> images, masks = synthetic_shapes(1, seed=0)
    >>> target = (masks[0] > 0).astype(int)
    >>> explorer = ThresholdExplorer(soft_prediction(target, seed=0), target, images[0])
    >>> metrics = explorer.update(0.5)
    >>> sorted(metrics)
    ['Dice', 'IoU', 'precision', 'recall']
    >>> explorer  # doctest: +SKIP
    """

    def __init__(self, prob, target, image=None, threshold: float = 0.5, ignore_index: int = 255):
        prob, target = as_real_array(prob, "prob"), as_real_array(target, "target")
        ignore_index = check_int(ignore_index, "ignore_index", 0)
        if prob.ndim != 2:
            raise ValueError(f"prob must be a 2-D map of probabilities, given shape {prob.shape}")
        if target.shape != prob.shape:
            raise ValueError(f"target must have the shape of prob {prob.shape}, given {target.shape}")
        if prob.min() < 0 or prob.max() > 1:
            raise ValueError(f"prob must hold probabilities in [0, 1], given values in [{prob.min():.3g}, "
                             f"{prob.max():.3g}]")
        valid = target != ignore_index
        if not set(np.unique(target[valid]).tolist()) <= {0, 1}:
            raise ValueError(f"target must be binary (0 background, 1 foreground, {ignore_index} ignored), "
                             f"given labels {np.unique(target[valid]).tolist()}")
        self.prob, self.target, self.image, self.valid, self.ignore_index = prob, target, image, valid, ignore_index
        self._fg = np.sort(prob[valid & (target == 1)])
        self._bg = np.sort(prob[valid & (target == 0)])
        self._grid = np.linspace(0.0, 1.0, 101)
        scores = [self.metrics(t) for t in self._grid]
        self._curves = {name: np.array([s[name] for s in scores]) for name in ("IoU", "Dice", "precision", "recall")}
        super().__init__({"threshold": threshold}, figsize=(WIDTH if image is not None else 0.8 * WIDTH, 3.3))

    def confusion(self, threshold: float) -> np.ndarray:
        """The 2x2 confusion matrix (rows ground truth, columns prediction) of ``prob >= threshold``."""
        tp = self._fg.size - np.searchsorted(self._fg, threshold, side="left")
        fp = self._bg.size - np.searchsorted(self._bg, threshold, side="left")
        fn, tn = self._fg.size - tp, self._bg.size - fp
        return np.array([[tn, fp], [fn, tp]], dtype=np.int64)

    def metrics(self, threshold: float) -> dict:
        """IoU, Dice, precision and recall of the foreground class at ``threshold`` (an empty prediction has
        precision 0)."""
        from .. import metrics

        cm = self.confusion(threshold)
        precision, recall, _ = metrics.precision_recall_f1(cm)
        return {"IoU": float(metrics.iou_per_class(cm)[1]), "Dice": float(metrics.dice_per_class(cm)[1]),
                "precision": float(precision[1]), "recall": float(recall[1])}

    def update(self, threshold: float) -> dict:
        """Redraw for a new threshold and return its metrics (what the slider calls)."""
        self._apply(threshold=threshold)
        return self.metrics(self.params["threshold"])

    # -- the explorer's parts -----------------------------------------------------------------------------------------

    def _validated(self, params: dict) -> dict:
        return {"threshold": number_in(params["threshold"], "threshold", 1.0)}

    def _errors_rgb(self, threshold: float) -> np.ndarray:
        return paint_outcomes(self.prob >= threshold, self._truth, self.valid)

    def _draw(self, figure) -> list:
        self._truth = self.target == 1
        axes = list(figure.subplots(1, 3 if self.image is None else 4))
        if self.image is not None:
            ax = axes.pop(0)
            ax.imshow(self.image, cmap="gray", vmin=0, vmax=1)
            ax.set_title("image")
            ax.axis("off")
        soft, errors, curves = axes
        shown = soft.imshow(self.prob, cmap="magma", vmin=0, vmax=1)
        figure.colorbar(shown, ax=soft, fraction=0.046, label="P(foreground)")
        soft.set_title("soft prediction")
        soft.axis("off")
        self._mask = errors.imshow(self._errors_rgb(self.params["threshold"]))
        errors.set_title("prediction vs ground truth")
        errors.axis("off")
        # the legends lie outside the axes: below the mask, right of the curves (the threshold line never crosses them)
        errors.legend(handles=outcome_patches(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1,
                      frameon=False, handlelength=1.2, borderaxespad=0.3)
        for name, values in self._curves.items():
            curves.plot(self._grid, values, label=name, linewidth=2)
        self._line = curves.axvline(self.params["threshold"], color="k", linestyle="--")
        curves.set_xlabel("threshold t")
        curves.set_ylabel("score")
        curves.set_ylim(-0.02, 1.02)
        curves.set_title("metrics vs threshold")
        curves.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, handlelength=1.2)
        return [self._mask, self._line]

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        return {"threshold": widgets.FloatSlider(value=self.params["threshold"], min=0.0, max=1.0, step=0.01,
                                                 description="threshold", readout_format=".2f",
                                                 continuous_update=True, layout=widgets.Layout(width="420px"))}

    def _move(self) -> None:
        t = self.params["threshold"]
        self._mask.set_data(self._errors_rgb(t))
        self._line.set_xdata([t, t])

    def _readout(self) -> str:
        t = self.params["threshold"]
        m = self.metrics(t)
        fmt = lambda v: "n/a" if np.isnan(v) else f"{v:.3f}"  # noqa: E731
        return (f"<b>t = {t:.2f}</b> &nbsp; IoU {fmt(m['IoU'])} &nbsp; Dice {fmt(m['Dice'])} &nbsp; "
                f"precision {fmt(m['precision'])} &nbsp; recall {fmt(m['recall'])}")


def threshold_explorer(prob, target, image=None, threshold: float = 0.5, ignore_index: int = 255):
    """Build a :class:`ThresholdExplorer` (display it as the last expression of a cell)."""
    return ThresholdExplorer(prob, target, image=image, threshold=threshold, ignore_index=ignore_index)
