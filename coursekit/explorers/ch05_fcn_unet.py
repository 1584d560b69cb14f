"""Chapter 5, FCN and U-Net: which input pixels a stack of dilated convolutions sees (the receptive field and its
holes). Nothing here trains a network or imports torch."""

from __future__ import annotations

import numpy as np

from .._checks import check_int
from ._validate import int_in
from .base import Explorer

__all__ = ["dilated_footprint", "ReceptiveFieldExplorer", "receptive_field_explorer"]


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

    Raises
    ------
    TypeError
        When ``dilations`` is not a sequence, or a dilation or ``kernel_size`` is not an integer.
    ValueError
        When there is no layer, or a dilation or ``kernel_size`` is below 1.

    Examples
    --------
    >>> dilated_footprint([1, 1]).astype(int)[2]
    array([3, 6, 9, 6, 3])
    >>> int((dilated_footprint([2, 2]) == 0).sum())   # dilation 2 twice: only even offsets are reached
    56
    """
    kernel_size = check_int(kernel_size, "kernel_size", 1)
    dilations = _layers(dilations, None)
    counts = np.ones(1)
    for i, d in enumerate(dilations):
        d = check_int(d, f"dilations[{i}]", 1)
        kernel = np.zeros(d * (kernel_size - 1) + 1)
        kernel[::d] = 1.0
        counts = np.convolve(counts, kernel)
    return np.outer(counts, counts)


def _layers(dilations, most: int | None) -> tuple:
    """``dilations`` as a tuple of one to ``most`` entries (checked one by one by the caller)."""
    if isinstance(dilations, (str, bytes)) or not hasattr(dilations, "__len__"):
        raise TypeError(f"dilations must be a sequence of integers, given {type(dilations).__name__} {dilations!r}")
    if len(dilations) == 0 or (most is not None and len(dilations) > most):
        count = "at least one integer" if most is None else f"1 to {most} integers"
        raise ValueError(f"dilations must be a sequence of {count}, given {dilations!r}")
    return tuple(dilations)


class ReceptiveFieldExplorer(Explorer):
    """One slider per layer for the dilations of a stack of ``3 x 3`` convolutions: which input pixels reach the
    centre output (:func:`dilated_footprint`), the receptive field, and the holes.

    Left: the number of paths from each input pixel to the centre output, relative to the largest, on a fixed canvas
    large enough for every setting (the receptive field framed); right: the pixels of the receptive field that no path
    reaches. A slider step computes the footprint (a few 1-D convolutions, once per setting) and redraws by blitting.

    Parameters
    ----------
    dilations : sequence of int
        Initial dilation of each layer (1 to 6 layers), each in ``1 .. max_dilation``.
    max_dilation : int
        Largest dilation of the sliders (1 .. 16).
    kernel_size : int
        Side of every kernel (odd, 1 .. 7).

    Attributes
    ----------
    sliders : dict of int to ipywidgets.IntSlider
        ``sliders[i]`` sets the dilation of layer ``i + 1``.

    Raises
    ------
    TypeError
        When ``dilations`` is not a sequence, or a dilation, ``max_dilation`` or ``kernel_size`` is not an integer.
    ValueError
        When one of them is out of its range, or ``kernel_size`` is even.

    Examples
    --------
    >>> explorer = ReceptiveFieldExplorer((1, 2, 4))
    >>> explorer.update(layer=3, dilation=2)
    {'dilations': (1, 2, 2), 'receptive_field': 11, 'holes': 0}
    """

    def __init__(self, dilations=(1, 2, 4), max_dilation: int = 8, kernel_size: int = 3):
        self.max_dilation = int_in(max_dilation, "max_dilation", 1, 16)
        self.kernel_size = int_in(kernel_size, "kernel_size", 1, 7)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd integer in 1 .. 7, given {kernel_size}")
        dilations = _layers(dilations, 6)
        self.size = 1 + len(dilations) * self.max_dilation * (self.kernel_size - 1)   # the canvas: r at most
        self._footprint = None   # (dilations, what footprint() returns for them)
        super().__init__({"dilations": dilations}, figsize=(8.4, 4.0))

    @property
    def dilations(self) -> tuple:
        """The current dilation of each layer."""
        return self.params["dilations"]

    def footprint(self) -> tuple[np.ndarray, np.ndarray, int]:
        """``(relative paths on the canvas, holes on the canvas, receptive field r)`` of the current dilations
        (computed once per setting: a step draws and describes the same footprint)."""
        if self._footprint is None or self._footprint[0] != self.dilations:
            counts = dilated_footprint(self.dilations, self.kernel_size)
            r = counts.shape[0]
            inside = slice((self.size - r) // 2, (self.size - r) // 2 + r)
            paths, holes = np.zeros((self.size, self.size)), np.zeros((self.size, self.size))
            paths[inside, inside] = counts / counts.max()
            holes[inside, inside] = counts == 0
            self._footprint = (self.dilations, (paths, holes, r))
        return self._footprint[1]

    def update(self, layer: int, dilation: int) -> dict:
        """Set the dilation of ``layer`` (1-based) and redraw; returns the dilations, ``r`` and the number of holes."""
        layer = check_int(layer, "layer", 1)
        if layer > len(self.dilations):
            raise ValueError(f"layer must be a layer number in 1 .. {len(self.dilations)}, given {layer}")
        dilations = list(self.dilations)
        dilations[layer - 1] = dilation
        self._apply(dilations=tuple(dilations))
        _, holes, r = self.footprint()
        return {"dilations": self.dilations, "receptive_field": r, "holes": int(holes.sum())}

    # -- the explorer's parts -----------------------------------------------------------------------------------------

    def _validated(self, params: dict) -> dict:
        return {"dilations": tuple(int_in(d, f"the dilation of layer {i + 1}", 1, self.max_dilation)
                                   for i, d in enumerate(params["dilations"]))}

    def _draw(self, figure) -> list:
        from matplotlib.patches import Rectangle

        left, right = figure.subplots(1, 2)
        paths, holes, _ = self.footprint()
        self._paths = left.imshow(paths, cmap="magma", vmin=0, vmax=1)
        figure.colorbar(self._paths, ax=left, shrink=0.8, label="paths (share of the most)")
        left.set_title("input pixels reaching the centre")
        self._holes = right.imshow(holes, cmap="gray_r", vmin=0, vmax=1)
        right.set_title("holes: never reached")
        ticks = [0, self.size // 2, self.size - 1]
        self._frames = []
        for ax in (left, right):
            ax.set_xlabel("column offset from the centre")
            ax.set_ylabel("row offset")
            ax.set_xticks(ticks, [str(t - self.size // 2) for t in ticks])
            ax.set_yticks(ticks, [str(t - self.size // 2) for t in ticks])
            self._frames.append(ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor="deepskyblue",
                                                       linewidth=1.5)))
        return [self._paths, self._holes, *self._frames]

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        return {i: widgets.IntSlider(value=d, min=1, max=self.max_dilation, description=f"dilation {i + 1}",
                                     continuous_update=True) for i, d in enumerate(self.dilations)}

    def _slider_values(self) -> dict:
        return dict(enumerate(self.dilations))

    def _slider_moved(self, name, value) -> None:
        self.update(layer=name + 1, dilation=value)

    def _move(self) -> None:
        paths, holes, r = self.footprint()
        self._paths.set_data(paths)
        self._holes.set_data(holes)
        start = (self.size - r) // 2 - 0.5
        for frame in self._frames:
            frame.set_bounds(start, start, r, r)

    def _readout(self) -> str:
        _, holes, r = self.footprint()
        n_holes = int(holes.sum())
        seen = f"{r * r - n_holes} of {r * r} pixels reached" + (" (no holes)" if not n_holes else
                                                                 f", {n_holes} holes (gridding)")
        return (f"<b>dilations {self.dilations}</b> &nbsp; receptive field r = 1 + {self.kernel_size - 1} x "
                f"{sum(self.dilations)} = <b>{r}</b> px &nbsp; {seen}")


def receptive_field_explorer(dilations=(1, 2, 4), max_dilation: int = 8, kernel_size: int = 3):
    """Build a :class:`ReceptiveFieldExplorer` (display it as the last expression of a cell)."""
    return ReceptiveFieldExplorer(dilations, max_dilation=max_dilation, kernel_size=kernel_size)
