"""Pixel features for segmentation: colour, position and texture (filter banks and textons).

A segmentation by clustering (k-means, mean shift, graph cuts) needs one feature vector per pixel. This module
makes them:

- :func:`pixel_features`: the colour of each pixel in a colour space (grey, RGB, L*a*b*, L*u*v*), optionally with
  its position ``(x, y)``, as an ``(N, D)`` point set with ``N = H * W`` rows in raster order.
- :func:`filter_bank`, :func:`filter_responses`: a bank of oriented derivative-of-Gaussian filters ("edges" and
  "bars"), Laplacians of Gaussian ("spots") at several scales and a Gaussian, in the spirit of the Leung-Malik bank,
  and the ``(H, W, F)`` stack of its responses.
- :func:`texton_map`, :func:`texton_histograms`: textons (Leung & Malik 2001; Malik, Belongie, Leung & Shi 2001):
  k-means on the response vectors gives each pixel a texton label; the histogram of the texton labels in a window
  around a pixel describes the texture there, so that regions of equal mean intensity but different texture can
  be told apart.

Notation (as in the lecture)
----------------------------
An image ``I`` has ``H`` rows and ``W`` columns; a pixel's position is ``(x, y)`` with ``x`` the column and ``y``
the row (``y`` points down). Its flat index in raster order is ``i = y * W + x``. A filter bank is a list of
kernels ``f_1, ..., f_F``; the response of filter ``j`` at pixel ``p`` is ``r_j(p) = (I * f_j)(p)`` (convolution),
and ``r(p) = (r_1(p), ..., r_F(p))`` is the pixel's response vector. Textons are the ``k`` cluster centres of the
response vectors; ``t(p)`` in ``{0, ..., k - 1}`` is the texton of pixel ``p``, and ``h(p)`` the normalised
histogram of ``t`` over the ``w x w`` window centred at ``p``.

Conventions: images are float arrays in [0, 1], ``(H, W)`` grey or ``(H, W, 3)`` RGB; label maps are ``int64``
``(H, W)``; point sets are ``(N, D)``; ``seed`` is an int or a :class:`numpy.random.Generator`. scipy and
scikit-image are imported when a function needs them, not when this module is imported.

References
----------
.. [1] T. Leung, J. Malik, "Representing and Recognizing the Visual Appearance of Materials using
   Three-dimensional Textons", International Journal of Computer Vision 43(1):29-44, 2001. The LM filter bank
   (first and second derivatives of elongated Gaussians, aspect ratio 3:1, at 6 orientations and 3 scales,
   Laplacians of Gaussian and Gaussians) and textons as k-means centres of filter responses.
.. [2] J. Malik, S. Belongie, T. Leung, J. Shi, "Contour and Texture Analysis for Image Segmentation",
   International Journal of Computer Vision 43(1):7-27, 2001. Texton channels and histograms of textons in a
   local window as the texture descriptor for segmentation.
.. [3] M. Varma, A. Zisserman, "A Statistical Approach to Texture Classification from Single Images",
   International Journal of Computer Vision 62(1-2):61-81, 2005. The RFS / MR8 banks (edge and bar filters at
   6 orientations and 3 scales, a Gaussian and a LoG), close to the default bank here.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> image = rng.random((32, 48))
>>> pixel_features(image, space="gray").shape
(1536, 1)
>>> bank = filter_bank()
>>> responses = filter_responses(image, bank)
>>> responses.shape
(32, 48, 40)
>>> textons = texton_map(responses, k=5, seed=0)
>>> textons.shape, textons.dtype
((32, 48), dtype('int64'))
>>> hist = texton_histograms(textons, k=5, window=7)
>>> hist.shape, bool(np.allclose(hist.sum(axis=-1), 1.0))
((32, 48, 5), True)
"""

from __future__ import annotations

import math
import numbers
import types
from dataclasses import dataclass

import numpy as np

from .._checks import check_int as _check_int, check_nonneg as _check_nonneg, rng as _check_seed
from ..clustering import assign_labels, kmeans

__all__ = [
    "COLOR_SPACES",
    "FilterBank",
    "pixel_features",
    "filter_bank",
    "filter_responses",
    "texton_map",
    "texton_histograms",
]

#: The colour spaces of :func:`pixel_features`, with the range ``R`` of their values used to scale positions:
#: 1 for grey and RGB (values in [0, 1]); 100 for L*a*b* and L*u*v* (L* runs from 0 to 100).
COLOR_SPACES = types.MappingProxyType({"gray": 1.0, "rgb": 1.0, "lab": 100.0, "luv": 100.0})

#: Aspect ratio of the oriented filters of :func:`filter_bank` (Leung & Malik 2001): the Gaussian is 3 times
#: longer along the edge than across it.
ELONGATION = 3.0

_KINDS = ("d1", "d2", "log", "gauss")


# ---------------------------------------------------------------------------------------------------------------
# validation helpers


def _as_float_array(a, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _check_finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), arr.shape))
        raise ValueError(f"{name} must be finite, got {arr[pos]} at index {pos}")


def _as_image(image, name: str = "image", gray_only: bool = False) -> np.ndarray:
    """A float64 image in [0, 1], (H, W) or (H, W, 3); ValueError/TypeError saying what was given."""
    arr = _as_float_array(image, name)
    expected = "a 2-D (H, W) grey image" if gray_only else "a (H, W) grey or (H, W, 3) RGB image"
    if gray_only and arr.ndim == 3 and arr.shape[-1] == 3:
        raise ValueError(f"{name} must be {expected}, got an RGB image of shape {arr.shape}; convert it with "
                         f"skimage.color.rgb2gray first")
    if arr.ndim == 3 and arr.shape[-1] == 4 and not gray_only:
        raise ValueError(f"{name} must be {expected}, got shape {arr.shape} (4 channels); drop the alpha channel "
                         f"with {name}[..., :3]")
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] == 3 and not gray_only)):
        raise ValueError(f"{name} must be {expected}, got an array of shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape {arr.shape}")
    _check_finite(arr, name)
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        bad = (arr < 0.0) | (arr > 1.0)
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), arr.shape))
        raise ValueError(f"{name} must have values in [0, 1], got {arr[pos]} at index {pos} (range [{lo}, {hi}]); "
                         f"for an 8-bit image use skimage.util.img_as_float")
    return arr


# ---------------------------------------------------------------------------------------------------------------
# colour and position


def pixel_features(image, space: str = "rgb", position_weight: float = 0.0) -> np.ndarray:
    """The feature vector of every pixel: its colour in ``space``, optionally followed by its scaled position.

    Row ``i = y * W + x`` of the result (raster order, as ``image.reshape(H * W, -1)``) describes the pixel in
    row ``y`` and column ``x``:

    - ``space="gray"``: ``D = 1``, the grey level in [0, 1] (an RGB image is converted with
      :func:`skimage.color.rgb2gray`: ``0.2125 R + 0.7154 G + 0.0721 B``).
    - ``space="rgb"``: ``D = 3``, ``(R, G, B)`` in [0, 1].
    - ``space="lab"``: ``D = 3``, ``(L*, a*, b*)`` from :func:`skimage.color.rgb2lab` (D65 illuminant, L* in
      [0, 100], a* and b* roughly in [-128, 127]), where Euclidean distances approximate perceived differences.
    - ``space="luv"``: ``D = 3``, ``(L*, u*, v*)`` from :func:`skimage.color.rgb2luv`.

    With ``position_weight = lambda > 0`` two columns are appended, the position ``(x, y)`` scaled by

    ``s = lambda * R / max(H, W)``,  i.e. the columns are ``s * x`` and ``s * y``,

    where ``R`` is the range of the colour space (:data:`COLOR_SPACES`: 1 for grey and RGB, 100 for L*a*b* and
    L*u*v*). Both coordinates use the same scale (distances stay isotropic), and with ``lambda = 1`` the longer
    side of the image spans ``[0, R (max(H, W) - 1) / max(H, W)]``, about the range of the colour values: a step
    across the whole image weighs about as much as the step from black to white. Larger ``lambda`` favours compact
    segments, smaller ``lambda`` segments of uniform colour.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grey or ``(H, W, 3)`` RGB image, floats in [0, 1].
    space : {"gray", "rgb", "lab", "luv"}
        Colour space of the features. A grey image needs ``space="gray"``: the colour spaces are not computed from
        grey (a ValueError says so) because three equal columns would silently change the balance between colour
        and position; convert with :func:`skimage.color.gray2rgb` if that is what you want.
    position_weight : float
        ``lambda >= 0``, the weight of the position; 0 (default) appends no position columns.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H * W, D)`` with ``D = 1`` (gray) or 3 (rgb, lab, luv), plus 2 when ``position_weight > 0``;
        the position columns are ``(x, y)``, column then row.

    Raises
    ------
    ValueError
        For an image that is not ``(H, W)`` or ``(H, W, 3)``, contains NaN or infinity or values outside [0, 1];
        an unknown ``space``; a grey image with a colour space other than ``"gray"``; a negative or non-finite
        ``position_weight``.
    TypeError
        For a non-numeric image, a ``space`` that is not a str or a ``position_weight`` that is not a number.

    References
    ----------
    .. [1] D. Comaniciu, P. Meer, "Mean Shift: A Robust Approach Toward Feature Space Analysis", IEEE TPAMI
       24(5):603-619, 2002. Joint spatial-range features ``(x, y, L*, u*, v*)``, each part scaled by its bandwidth.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((2, 3, 3))
    >>> image[1, 2] = [1.0, 0.5, 0.0]
    >>> features = pixel_features(image, space="rgb", position_weight=1.0)
    >>> features.shape
    (6, 5)
    >>> features[5]  # row y = 1, column x = 2: colour, then (x, y) / max(H, W)
    array([1.        , 0.5       , 0.        , 0.66666667, 0.33333333])
    >>> pixel_features(image, space="lab")[5].round()
    array([67., 43., 74.])
    """
    if not isinstance(space, str):
        raise TypeError(f"space must be a str, one of {sorted(COLOR_SPACES)}, got {type(space).__name__} {space!r}")
    key = space.strip().lower()
    if key not in COLOR_SPACES:
        raise ValueError(f"unknown colour space {space!r}; expected one of {sorted(COLOR_SPACES)}")
    weight = _check_nonneg(position_weight, "position_weight")
    img = _as_image(image)
    h, w = img.shape[:2]
    if img.ndim == 2 and key != "gray":
        raise ValueError(f"space={key!r} needs an RGB image (H, W, 3), got a grey image of shape {img.shape}; use "
                         f"space='gray', or convert it with skimage.color.gray2rgb")

    if key == "gray":
        if img.ndim == 3:
            from skimage.color import rgb2gray

            img = rgb2gray(img)
        colour = img.reshape(h * w, 1)
    elif key == "rgb":
        colour = img.reshape(h * w, 3)
    else:
        from skimage.color import rgb2lab, rgb2luv

        colour = (rgb2lab if key == "lab" else rgb2luv)(img).reshape(h * w, 3)
    colour = np.array(colour, dtype=np.float64)  # a copy: the result never shares memory with the input
    if weight == 0.0:
        return colour
    scale = weight * COLOR_SPACES[key] / max(h, w)
    y, x = np.divmod(np.arange(h * w), w)
    position = np.stack([x, y], axis=1).astype(np.float64) * scale
    return np.concatenate([colour, position], axis=1)


# ---------------------------------------------------------------------------------------------------------------
# the filter bank


def _readonly(a) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class FilterBank:
    """A bank of ``F`` square convolution kernels, with their names and parameters.

    Build it with :func:`filter_bank`; apply it with :func:`filter_responses`. ``len(bank)`` is ``F``; the kernels
    are read-only.

    Attributes
    ----------
    kernels : numpy.ndarray
        ``float64`` ``(F, S, S)``, ``S`` odd; the centre of kernel ``j`` is ``kernels[j, S // 2, S // 2]``.
    names : tuple of str
        One name per kernel, e.g. ``"d1 sigma=2 theta=30deg"``, ``"log sigma=1"``, ``"gauss sigma=4"``.
    kinds : tuple of str
        One of ``"d1"`` (first derivative: edge), ``"d2"`` (second derivative: bar), ``"log"`` (Laplacian of
        Gaussian: spot), ``"gauss"`` (Gaussian: local mean) per kernel.
    sigmas : tuple of float
        The scale ``sigma`` of each kernel, in pixels (across the edge for the oriented kernels).
    thetas : tuple of float
        The orientation ``theta`` of each kernel in degrees (the direction of the derivative, see
        :func:`filter_bank`), ``nan`` for the isotropic ``"log"`` and ``"gauss"`` kernels.
    """

    kernels: np.ndarray
    names: tuple
    kinds: tuple
    sigmas: tuple
    thetas: tuple

    def __post_init__(self):
        k = self.kernels
        if not isinstance(k, np.ndarray) or k.ndim != 3 or k.shape[1] != k.shape[2] or k.shape[1] % 2 == 0:
            shape = getattr(k, "shape", None)
            raise ValueError(f"kernels must be a (F, S, S) array with S odd, got shape {shape}")
        for field in ("names", "kinds", "sigmas", "thetas"):
            if len(getattr(self, field)) != k.shape[0]:
                raise ValueError(f"{field} must have one entry per kernel ({k.shape[0]}), got "
                                 f"{len(getattr(self, field))}")

    def __len__(self) -> int:
        return int(self.kernels.shape[0])

    @property
    def size(self) -> int:
        """The side ``S`` of the kernels."""
        return int(self.kernels.shape[1])

    def indices(self, kind: str | None = None, sigma: float | None = None) -> np.ndarray:
        """Indices of the kernels of a kind (``"d1"``, ``"d2"``, ``"log"``, ``"gauss"``) and/or a scale.

        >>> bank = filter_bank(sizes=(1, 2), n_orientations=4)
        >>> bank.indices("d1", sigma=2)
        array([4, 5, 6, 7])
        """
        if kind is not None and kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS} or None, got {kind!r}")
        keep = np.ones(len(self), dtype=bool)
        if kind is not None:
            keep &= np.array([k == kind for k in self.kinds])
        if sigma is not None:
            keep &= np.isclose(np.array(self.sigmas), float(sigma))
        return np.flatnonzero(keep)


def _normalize_zero_mean(kernel: np.ndarray) -> np.ndarray:
    kernel = kernel - kernel.mean()
    return kernel / np.abs(kernel).sum()


def filter_bank(sizes=(1, 2, 4), n_orientations: int = 6, size: int | None = None) -> FilterBank:
    """A Leung-Malik-style filter bank: oriented edges and bars, spots and blurs at several scales.

    The bank holds, in this order (kind, then scale in the order of ``sizes``, then angle):

    - ``"d1"`` (edges): for every scale ``sigma``, the first derivative of an elongated Gaussian at
      ``n_orientations`` orientations;
    - ``"d2"`` (bars): for every scale, the second derivative of the same Gaussian at ``n_orientations``
      orientations;
    - ``"log"`` (spots): for every scale, the Laplacian of an isotropic Gaussian of standard deviation ``sigma``;
    - ``"gauss"`` (local mean): one isotropic Gaussian, at the last scale ``sizes[-1]``.

    So ``F = 2 * n_orientations * len(sizes) + len(sizes) + 1``: the default (6 orientations, 3 scales) has
    ``6 * 3 * 2 = 36`` oriented filters, 3 LoG and 1 Gaussian, ``F = 40``, between the 38 filters of the RFS bank
    (Varma & Zisserman 2005) and the 48 of the LM bank (36 oriented, 8 LoG, 4 Gaussians). Fewer filters:
    ``sizes=(1, 2)`` gives 27, ``n_orientations=4`` 28. A single, coarse Gaussian is kept on purpose: the Gaussians
    only measure the local mean intensity, and several of them would make the intensity, rather than the texture,
    dominate the distances between response vectors (and so the textons).

    The oriented kernels at angle ``theta`` (``theta_j = j * 180 / n_orientations`` degrees) are defined on the
    pixel offsets ``(x, y)`` from the kernel centre (``x`` along the columns, ``y`` along the rows, pointing down;
    positive angles turn from the x axis towards the y axis, i.e. clockwise on screen) with the rotated coordinates
    ``u = x cos(theta) + y sin(theta)`` (across the edge) and ``v = -x sin(theta) + y cos(theta)`` (along it):

    ``G(u, v) = exp(-u^2 / (2 sigma^2) - v^2 / (2 (3 sigma)^2))`` (aspect ratio 3:1, Leung & Malik 2001),
    ``d1 = dG/du = -(u / sigma^2) G``,  ``d2 = d^2G/du^2 = (u^2 / sigma^4 - 1 / sigma^2) G``,
    ``log = ((x^2 + y^2) / sigma^4 - 2 / sigma^2) exp(-(x^2 + y^2) / (2 sigma^2))``.

    ``d1``, ``d2`` and ``log`` are then made zero-mean (the mean of the sampled kernel is subtracted) and
    L1-normalised (``sum |f| = 1``); the Gaussians are normalised to sum to 1. L1 normalisation makes the
    responses of different scales comparable (for the LoG it is the scale normalisation ``sigma^2 * LoG`` up to a
    constant): a Gaussian blob of standard deviation ``s`` gives its strongest LoG response at the scale
    ``sigma = s`` (a disk of radius ``r`` at ``sigma = r / sqrt(2)``).

    Since the response is a convolution, ``d1`` at ``theta`` is the derivative of the smoothed image along the
    unit vector ``n = (cos theta, sin theta)``: it is largest (positive) at a step edge whose intensity increases
    along ``n``, i.e. an edge line perpendicular to ``n``. ``d2`` is negative on a bright bar along the edge
    direction, the LoG negative on a bright spot.

    Parameters
    ----------
    sizes : sequence of float
        The scales ``sigma`` in pixels, positive and distinct (in the order given).
    n_orientations : int
        Number of orientations, >= 1, evenly spaced over [0, 180) degrees (``theta`` and ``theta + 180`` give the
        same filter up to the sign).
    size : int or None
        Side ``S`` (odd, >= 3) of every kernel. None: ``S = 2 * ceil(3 * 3 * max(sizes)) + 1``, three standard
        deviations of the longest Gaussian (73 for the default).

    Returns
    -------
    FilterBank
        ``kernels`` ``(F, S, S)`` float64, ``names`` like ``"d1 sigma=2 theta=30deg"``, ``kinds``, ``sigmas``,
        ``thetas``.

    Raises
    ------
    ValueError
        For empty, non-positive, non-finite or repeated ``sizes``, ``n_orientations < 1``, or an even or too small
        ``size``.

    References
    ----------
    .. [1] T. Leung, J. Malik, "Representing and Recognizing the Visual Appearance of Materials using
       Three-dimensional Textons", IJCV 43(1):29-44, 2001.
    .. [2] J. Malik, S. Belongie, T. Leung, J. Shi, "Contour and Texture Analysis for Image Segmentation",
       IJCV 43(1):7-27, 2001.
    .. [3] M. Varma, A. Zisserman, "A Statistical Approach to Texture Classification from Single Images",
       IJCV 62(1-2):61-81, 2005.

    Examples
    --------
    >>> bank = filter_bank()
    >>> len(bank), bank.kernels.shape
    (40, (40, 73, 73))
    >>> bank.names[:2], bank.names[-1]
    (('d1 sigma=1 theta=0deg', 'd1 sigma=1 theta=30deg'), 'gauss sigma=4')
    >>> round(float(bank.kernels[0].sum()), 12), round(float(bank.kernels[-1].sum()), 12)
    (0.0, 1.0)
    """
    if isinstance(sizes, (numbers.Real, str)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a sequence of scales (e.g. (1, 2, 4)), got {type(sizes).__name__} "
                        f"{sizes!r}")
    sigmas = []
    for i, s in enumerate(sizes):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Real):
            raise TypeError(f"sizes[{i}] must be a number, got {type(s).__name__} {s!r}")
        if not np.isfinite(s) or s <= 0:
            raise ValueError(f"sizes must be positive finite scales in pixels, got sizes[{i}] = {s}")
        sigmas.append(float(s))
    if not sigmas:
        raise ValueError("sizes must hold at least one scale, got an empty sequence")
    if len(set(sigmas)) != len(sigmas):
        raise ValueError(f"sizes must be distinct, got {tuple(sizes)}")
    n_orient = _check_int(n_orientations, "n_orientations", 1)
    if size is None:
        side = 2 * math.ceil(3.0 * ELONGATION * max(sigmas)) + 1
    else:
        side = _check_int(size, "size", 3)
        if side % 2 == 0:
            raise ValueError(f"size must be odd (the kernel has a centre pixel), got {side}")

    half = side // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    thetas_deg = [j * 180.0 / n_orient for j in range(n_orient)]

    kernels, names, kinds, ks, ts = [], [], [], [], []

    def add(kernel, kind, sigma, theta):
        kernels.append(kernel)
        kinds.append(kind)
        ks.append(sigma)
        ts.append(float("nan") if theta is None else theta)
        angle = "" if theta is None else f" theta={theta:g}deg"
        names.append(f"{kind} sigma={sigma:g}{angle}")

    for order in (1, 2):
        for sigma in sigmas:
            long = ELONGATION * sigma
            for theta in thetas_deg:
                t = np.deg2rad(theta)
                u = x * np.cos(t) + y * np.sin(t)
                v = -x * np.sin(t) + y * np.cos(t)
                g = np.exp(-(u**2) / (2 * sigma**2) - v**2 / (2 * long**2))
                if order == 1:
                    f = -(u / sigma**2) * g
                else:
                    f = (u**2 / sigma**4 - 1.0 / sigma**2) * g
                add(_normalize_zero_mean(f), f"d{order}", sigma, theta)
    r2 = x**2 + y**2
    for sigma in sigmas:
        g = np.exp(-r2 / (2 * sigma**2))
        add(_normalize_zero_mean((r2 / sigma**4 - 2.0 / sigma**2) * g), "log", sigma, None)
    g = np.exp(-r2 / (2 * sigmas[-1] ** 2))
    add(g / g.sum(), "gauss", sigmas[-1], None)

    return FilterBank(kernels=_readonly(np.stack(kernels)), names=tuple(names), kinds=tuple(kinds),
                      sigmas=tuple(ks), thetas=tuple(ts))


def filter_responses(gray, bank) -> np.ndarray:
    """The response of every filter of ``bank`` at every pixel: ``r_j = I * f_j`` (convolution).

    The image is extended beyond its border by mirroring with the edge pixel repeated (``d c b a | a b c d``:
    ``numpy.pad`` mode ``"symmetric"``, ``scipy.ndimage.convolve`` mode ``"reflect"``,
    ``scipy.signal.convolve2d`` boundary ``"symm"``), and the result has the size of the image (mode "same", the
    kernel centred on each pixel). The convolutions use one FFT of the padded image and one per kernel
    (``scipy.fft``): a fraction of a second for a 256 x 256 image and the default 40 filters of size 73.

    Parameters
    ----------
    gray : array_like
        ``(H, W)`` grey image, floats in [0, 1] (convert RGB images with :func:`skimage.color.rgb2gray`).
    bank : FilterBank or array_like
        A :class:`FilterBank`, or the kernels themselves as an ``(F, S, S)`` array with ``S`` odd.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H, W, F)``: ``responses[y, x, j]`` is the response of filter ``j`` at row ``y``, column
        ``x``; ``responses.reshape(H * W, F)`` is the point set of response vectors in raster order.

    Raises
    ------
    ValueError
        For an image that is not 2-D, contains NaN or infinity or values outside [0, 1], or kernels that are not
        ``(F, S, S)`` with ``S`` odd or are not finite.
    TypeError
        For non-numeric input.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((5, 5))
    >>> image[:, 3:] = 1.0  # a vertical step edge, bright on the right
    >>> box = np.zeros((1, 3, 3))
    >>> box[0, 1] = [0.5, 0.0, -0.5]  # convolution flips the kernel: the response is (I(x+1) - I(x-1)) / 2
    >>> filter_responses(image, box)[2, :, 0].round(12) + 0.0
    array([0. , 0. , 0.5, 0.5, 0. ])
    """
    img = _as_image(gray, "gray", gray_only=True)
    if isinstance(bank, FilterBank):
        kernels = bank.kernels
    else:
        kernels = _as_float_array(bank, "bank")
        if kernels.ndim == 2:
            raise ValueError(f"bank must be a FilterBank or an (F, S, S) array of kernels, got a 2-D array of shape "
                             f"{kernels.shape}; for one kernel use kernel[None]")
        if kernels.ndim != 3 or kernels.shape[1] != kernels.shape[2] or kernels.shape[1] % 2 == 0:
            raise ValueError(f"bank must be a FilterBank or an (F, S, S) array of kernels with S odd, got shape "
                             f"{kernels.shape}")
        if kernels.shape[0] == 0:
            raise ValueError("bank must hold at least one kernel, got an array of shape (0, S, S)")
        _check_finite(kernels, "bank")
    from scipy import fft

    h, w = img.shape
    n_filters, side = kernels.shape[0], kernels.shape[1]
    half = side // 2
    padded = np.pad(img, half, mode="symmetric")
    # full linear convolution of the padded image, then the part where the kernel sits on an image pixel
    shape = (fft.next_fast_len(padded.shape[0] + side - 1, real=True),
             fft.next_fast_len(padded.shape[1] + side - 1, real=True))
    spectrum = fft.rfft2(padded, s=shape)
    out = np.empty((h, w, n_filters), dtype=np.float64)
    for j in range(n_filters):
        full = fft.irfft2(spectrum * fft.rfft2(kernels[j], s=shape), s=shape)
        out[:, :, j] = full[2 * half : 2 * half + h, 2 * half : 2 * half + w]
    return out


# ---------------------------------------------------------------------------------------------------------------
# textons


def _n_distinct(points: np.ndarray) -> int:
    """How many distinct rows ``points`` holds (each row compared as one block of bytes; -0.0 counts as 0.0)."""
    rows = np.ascontiguousarray(points + 0.0)
    return len(np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))))


def texton_map(responses, k: int, seed=0, *, max_samples: int | None = 10_000) -> np.ndarray:
    """Textons: k-means on the pixels' filter-response vectors, and the texton label of every pixel.

    The response vectors ``r(p)`` (``responses.reshape(H * W, F)``) are clustered into ``k`` clusters with the
    course's k-means (:func:`coursekit.clustering.kmeans`: k-means++ seeding, Lloyd's iterations until the assignment
    stops changing, at most 100; an empty cluster keeps its centre); the cluster centres are the textons, and every
    pixel gets the label of the nearest texton in Euclidean distance (:func:`coursekit.clustering.assign_labels`):
    ``t(p) = argmin_j ||r(p) - c_j||``. When the fitted pixels hold fewer than ``k`` distinct response vectors (a
    flat image), each distinct vector is a texton. To stay fast on large images, the centres are fitted on ``max_samples``
    pixels drawn at random without replacement (all pixels when there are fewer), then *all* pixels are assigned.
    The responses are used as they are (no contrast normalisation); the kernels of :func:`filter_bank` are
    L1-normalised, so the filters' responses have comparable ranges.

    Parameters
    ----------
    responses : array_like
        ``(H, W, F)`` filter responses (:func:`filter_responses`), finite; or ``(H, W)`` for a single feature.
    k : int
        Number of textons, ``1 <= k <= H * W``.
    seed : int or numpy.random.Generator
        Seed of the subsample and of the k-means++ seeding; the result is deterministic in ``seed``.
    max_samples : int or None
        Number of pixels the centres are fitted on (>= ``k``); None fits on all pixels.

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(H, W)`` texton labels in ``{0, ..., k - 1}``. The numbering of the textons is arbitrary
        (compare texton maps up to a permutation of the labels); a texton may end up with no pixel.

    Raises
    ------
    ValueError
        For responses that are not ``(H, W, F)`` (or ``(H, W)``), are empty or not finite; ``k < 1`` or
        ``k > H * W``; ``max_samples < k``.
    TypeError
        For non-integer ``k`` or ``max_samples``, a bad ``seed``.

    References
    ----------
    .. [1] T. Leung, J. Malik, "Representing and Recognizing the Visual Appearance of Materials using
       Three-dimensional Textons", IJCV 43(1):29-44, 2001.
    .. [2] J. Malik, S. Belongie, T. Leung, J. Shi, "Contour and Texture Analysis for Image Segmentation",
       IJCV 43(1):7-27, 2001.
    .. [3] D. Arthur, S. Vassilvitskii, "k-means++: The Advantages of Careful Seeding", SODA 2007.

    Examples
    --------
    >>> import numpy as np
    >>> responses = np.zeros((4, 6, 2))
    >>> responses[:, 3:] = [5.0, -1.0]  # the right half responds differently from the left half
    >>> textons = texton_map(responses, k=2, seed=0)
    >>> bool((textons[:, :3] == textons[0, 0]).all() and (textons[:, 3:] != textons[0, 0]).all())
    True
    """
    arr = _as_float_array(responses, "responses")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"responses must be an (H, W, F) array of filter responses, got shape {arr.shape}")
    h, w, f = arr.shape
    if h == 0 or w == 0 or f == 0:
        raise ValueError(f"responses must not be empty, got shape {arr.shape}")
    _check_finite(arr, "responses")
    n = h * w
    k = _check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k must be at most the number of pixels H * W = {n}, got k = {k}")
    if max_samples is not None:
        max_samples = _check_int(max_samples, "max_samples", 1)
        if max_samples < k:
            raise ValueError(f"max_samples must be >= k = {k} (or None), got {max_samples}")
    rng = _check_seed(seed)

    points = arr.reshape(n, f)
    if max_samples is not None and n > max_samples:
        sample = points[np.sort(rng.choice(n, size=max_samples, replace=False))]
    else:
        sample = points
    # k-means++ draws k distinct vectors: when the sample holds fewer (a flat image), each distinct vector is a texton
    k_fit = min(k, _n_distinct(sample))
    centers = kmeans(sample, k_fit, max_iter=100, tol=0.0, seed=rng, keep_labels=False).centers
    return assign_labels(points, centers).reshape(h, w)


def texton_histograms(texton_map, k: int, window: int) -> np.ndarray:
    """The normalised histogram of texton labels in the ``window x window`` neighbourhood of every pixel.

    ``h(p)[j]`` is the fraction of the pixels ``q`` of the window centred at ``p`` whose texton is ``j``:
    ``h(p)[j] = (1 / w^2) * #{q in window(p) : t(q) = j}``, so ``h(p)`` sums to 1. Near the border the window is
    completed by mirroring the texton map with the edge pixel repeated (``d c b a | a b c d``: ``numpy.pad`` mode
    ``"symmetric"``, ``scipy.ndimage`` mode ``"reflect"``), so every window holds ``w^2`` labels. Computed with one
    :func:`scipy.ndimage.uniform_filter` of the one-hot encoding of the map (a box filter per texton).

    Parameters
    ----------
    texton_map : array_like of int
        ``(H, W)`` texton labels in ``{0, ..., k - 1}`` (:func:`texton_map`); bool is read as 0 and 1.
    k : int
        Number of textons, >= 1 (the length of each histogram).
    window : int
        Side ``w`` of the square window, odd (the window is centred on the pixel) and >= 1.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H, W, k)``, every ``[y, x, :]`` a histogram that sums to 1.

    Raises
    ------
    ValueError
        For a map that is not 2-D or empty, labels that are not integers or lie outside ``[0, k)``, ``k < 1``, or
        an even or non-positive ``window``.
    TypeError
        For non-integer ``k`` or ``window``.

    References
    ----------
    .. [1] J. Malik, S. Belongie, T. Leung, J. Shi, "Contour and Texture Analysis for Image Segmentation",
       IJCV 43(1):7-27, 2001 (Section 3: texton histograms in a local window).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[0, 0, 1],
    ...               [0, 2, 1],
    ...               [2, 2, 1]])
    >>> texton_histograms(t, k=3, window=3)[1, 1]  # the whole map: 3 zeros, 3 ones, 3 twos
    array([0.33333333, 0.33333333, 0.33333333])
    >>> texton_histograms(t, k=3, window=1)[2, 0]
    array([0., 0., 1.])
    """
    arr = np.asarray(texton_map)
    if arr.ndim != 2:
        raise ValueError(f"texton_map must be a 2-D (H, W) label map, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"texton_map must not be empty, got shape {arr.shape}")
    if arr.dtype.kind not in "biu":
        hint = "; convert whole numbers with .astype(np.int64)" if arr.dtype.kind == "f" else ""
        raise ValueError(f"texton_map must hold integer labels (an integer or bool dtype), got dtype {arr.dtype}"
                         f"{hint}")
    k = _check_int(k, "k", 1)
    window = _check_int(window, "window", 1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd (the window is centred on the pixel), got {window}")
    labels = arr.astype(np.int64)
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= k:
        bad = (labels < 0) | (labels >= k)
        pos = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), labels.shape))
        raise ValueError(f"texton_map labels must lie in [0, k) = [0, {k}), got {labels[pos]} at index {pos}")
    from scipy.ndimage import uniform_filter

    one_hot = (labels[:, :, None] == np.arange(k)[None, None, :]).astype(np.float64)
    hist = uniform_filter(one_hot, size=(window, window, 1), mode="reflect")
    np.clip(hist, 0.0, None, out=hist)  # round-off of the running sums
    hist /= hist.sum(axis=-1, keepdims=True)
    return hist
