"""Chapter 1, segmentation as clustering: k-means (``k``, position weight ``lambda``) and mean shift (bandwidth
``h``) on a photograph. Each setting is clustered once, the first time it is shown, and cached."""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, check_nonneg, check_positive
from ._validate import int_in, number_in, small_rgb
from .base import Explorer

__all__ = ["KMeansExplorer", "kmeans_explorer", "MeanShiftExplorer", "mean_shift_explorer"]


def _image_axes(ax, image, title: str):
    ax.axis("off")
    ax.set_title(title)
    return ax.imshow(image)


class KMeansExplorer(Explorer):
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

    Raises
    ------
    TypeError
        When the image does not hold numbers, or a parameter is not an integer (a number for the weights).
    ValueError
        When the image is not RGB in [0, 1], or a parameter lies outside its range.

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
        from ..features import pixel_features

        self.image = small_rgb(image, size)
        self.k_max = int_in(k_max, "k_max", 2, 16)
        self.weight_max = check_positive(weight_max, "weight_max")
        self.seed = seed
        h, w = self.image.shape[:2]
        self._colour = pixel_features(self.image, "rgb")
        self._position = pixel_features(np.zeros((h, w)), "gray", 1.0)[:, 1:]   # (x, y) / max(H, W)
        self._cache: dict = {}
        super().__init__({"k": k, "position_weight": position_weight}, figsize=(10.8, 3.5))

    def result(self, k: int, position_weight: float):
        """``(labels (H, W), segmented image, SSD)`` of a setting, computed once and cached."""
        from ..clustering import kmeans, segment_image

        key = (int(k), round(float(position_weight), 6))
        if key not in self._cache:
            X = self._colour if key[1] == 0 else np.concatenate([self._colour, key[1] * self._position], axis=1)
            run = kmeans(X, key[0], seed=self.seed, max_iter=50, keep_labels=False)
            labels = run.labels.reshape(self.image.shape[:2])
            self._cache[key] = (labels, segment_image(self.image, labels), float(run.inertia))
        return self._cache[key]

    def update(self, k=None, position_weight=None) -> dict:
        """Recompute (or take from the cache) and redraw for new parameters; returns the parameters and the SSD."""
        given = {"k": k, "position_weight": position_weight}
        self._apply(**{name: value for name, value in given.items() if value is not None})
        return {**self.params, "inertia": self.result(**self.params)[2]}

    # -- the explorer's parts -----------------------------------------------------------------------------------------

    def _validated(self, params: dict) -> dict:
        weight = number_in(params["position_weight"], "position_weight", self.weight_max)
        return {"k": int_in(params["k"], "k", 2, self.k_max), "position_weight": round(weight, 6)}

    def _draw(self, figure) -> list:
        axes = figure.subplots(1, 3)
        _image_axes(axes[0], self.image, "image (downsampled)")
        self._segmented = _image_axes(axes[1], self.image, "mean colour of each segment")
        self._labels = _image_axes(axes[2], self.image, "segments (cluster ids)")
        return [self._segmented, self._labels]

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        return {"k": widgets.IntSlider(value=self.params["k"], min=2, max=self.k_max, description="k",
                                       continuous_update=True),
                "position_weight": widgets.FloatSlider(value=self.params["position_weight"], min=0.0,
                                                       max=self.weight_max, step=self.WEIGHT_STEP,
                                                       description="position λ", readout_format=".2f",
                                                       continuous_update=True)}

    def _move(self) -> None:
        from ..viz import colorize_labels

        labels, segmented, _ = self.result(**self.params)
        self._segmented.set_data(segmented)
        self._labels.set_data(colorize_labels(labels, 16))

    def _readout(self) -> str:
        labels, _, ssd = self.result(**self.params)
        return (f"<b>k = {self.params['k']}, λ = {self.params['position_weight']:g}</b> &nbsp; SSD {ssd:.2f} &nbsp; "
                f"{len(np.unique(labels))} non-empty clusters")


def kmeans_explorer(image, k: int = 4, position_weight: float = 0.0, size: int = 100, k_max: int = 10,
                    weight_max: float = 4.0, seed: int = 0):
    """Build a :class:`KMeansExplorer` (display it as the last expression of a cell)."""
    return KMeansExplorer(image, k=k, position_weight=position_weight, size=size, k_max=k_max,
                          weight_max=weight_max, seed=seed)


class MeanShiftExplorer(Explorer):
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

    Raises
    ------
    TypeError
        When the image or ``bandwidths`` do not hold numbers, or ``bandwidth`` is not a number.
    ValueError
        When the image is not RGB in [0, 1], ``bandwidths`` are not positive and increasing, or ``bandwidth`` is not
        one of them.

    Examples
    --------
    >>> from coursekit.data import load_image
    >>> explorer = MeanShiftExplorer(load_image("chelsea"), bandwidth=8.0, size=40)
    >>> explorer.update(10.0)["bandwidth"]
    10.0
    """

    def __init__(self, image, bandwidth: float = 7.0, bandwidths=(4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0),
                 size: int = 100):
        from ..features import pixel_features

        self.image = small_rgb(image, size)
        values = as_real_array(bandwidths, "bandwidths").ravel()
        if values.size == 0 or values.min() <= 0 or np.any(np.diff(values) <= 0):
            raise ValueError(f"bandwidths must be positive and increasing, given {bandwidths!r}")
        self.bandwidths = tuple(float(v) for v in values)
        self._luv = pixel_features(self.image, "luv")
        self._cache: dict = {}
        super().__init__({"bandwidth": bandwidth}, figsize=(10.8, 3.5))

    @property
    def bandwidth(self) -> float:
        """The current bandwidth."""
        return self.params["bandwidth"]

    def result(self, bandwidth: float):
        """``(labels (H, W), segmented image, modes (m, 3))`` of a bandwidth, computed once and cached."""
        from ..clustering import mean_shift, segment_image

        h = self._validated({"bandwidth": bandwidth})["bandwidth"]
        if h not in self._cache:
            run = mean_shift(self._luv, h, bin_seeding=True)
            labels = run.labels.reshape(self.image.shape[:2])
            self._cache[h] = (labels, segment_image(self.image, labels), run.modes)
        return self._cache[h]

    def update(self, bandwidth) -> dict:
        """Recompute (or take from the cache) and redraw for a bandwidth; returns it and the number of modes."""
        self._apply(bandwidth=bandwidth)
        return {"bandwidth": self.bandwidth, "modes": len(self.result(self.bandwidth)[2])}

    # -- the explorer's parts -----------------------------------------------------------------------------------------

    def _validated(self, params: dict) -> dict:
        h = check_nonneg(params["bandwidth"], "bandwidth")
        if h not in self.bandwidths:
            raise ValueError(f"bandwidth must be one of the slider's values {list(self.bandwidths)}, given {h:g}")
        return {"bandwidth": h}

    def _draw(self, figure) -> list:
        axes = figure.subplots(1, 3)
        _image_axes(axes[0], self.image, "image (downsampled)")
        self._segmented = _image_axes(axes[1], self.image, "mean colour of each basin")
        ax = axes[2]
        sub = slice(None, None, max(1, len(self._luv) // 2000))
        ax.scatter(self._luv[sub, 1], self._luv[sub, 2], s=3, c=self.image.reshape(-1, 3)[sub])
        modes = self.result(self.bandwidth)[2]
        self._modes = ax.scatter(modes[:, 1], modes[:, 2], marker="*", s=150, c="gold", edgecolors="k")
        ax.set_xlabel("u*")
        ax.set_ylabel("v*")
        ax.set_title("pixels and modes in (u*, v*)")
        return [self._segmented, self._modes]

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        return {"bandwidth": widgets.SelectionSlider(options=list(self.bandwidths), value=self.bandwidth,
                                                     description="bandwidth h", continuous_update=False)}

    def _move(self) -> None:
        _, segmented, modes = self.result(self.bandwidth)
        self._segmented.set_data(segmented)
        self._modes.set_offsets(modes[:, 1:3])

    def _readout(self) -> str:
        return f"<b>h = {self.bandwidth:g}</b> &nbsp; {len(self.result(self.bandwidth)[2])} modes (segments)"


def mean_shift_explorer(image, bandwidth: float = 7.0, bandwidths=(4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0),
                        size: int = 100):
    """Build a :class:`MeanShiftExplorer` (display it as the last expression of a cell)."""
    return MeanShiftExplorer(image, bandwidth=bandwidth, bandwidths=bandwidths, size=size)
