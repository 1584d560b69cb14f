"""Filter banks: oriented edges and bars, spots and a blur at several scales, and the responses of an image.

A filter bank is a list of kernels ``f_1, ..., f_F``; the response of filter ``j`` at pixel ``p`` is
``r_j(p) = (I * f_j)(p)`` (convolution), and ``r(p) = (r_1(p), ..., r_F(p))`` is the pixel's response vector, the
texture feature that textons (:mod:`coursekit.features.textons`) cluster.

References
----------
.. [1] T. Leung, J. Malik, "Representing and Recognizing the Visual Appearance of Materials using
   Three-dimensional Textons", International Journal of Computer Vision 43(1):29-44, 2001. The LM filter bank
   (first and second derivatives of elongated Gaussians, aspect ratio 3:1, at 6 orientations and 3 scales,
   Laplacians of Gaussian and Gaussians).
.. [2] M. Varma, A. Zisserman, "A Statistical Approach to Texture Classification from Single Images",
   International Journal of Computer Vision 62(1-2):61-81, 2005. The RFS / MR8 banks (edge and bar filters at
   6 orientations and 3 scales, a Gaussian and a LoG), close to the default bank here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .._checks import as_image, check_finite, check_int
from ._validate import as_float_array

__all__ = ["ELONGATION", "FilterBank", "filter_bank", "filter_responses"]

#: Aspect ratio of the oriented filters of :func:`filter_bank` (Leung & Malik 2001): the Gaussian is 3 times
#: longer along the edge than across it.
ELONGATION = 3.0

_KINDS = ("d1", "d2", "log", "gauss")


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
    n_orient = check_int(n_orientations, "n_orientations", 1)
    if size is None:
        side = 2 * math.ceil(3.0 * ELONGATION * max(sigmas)) + 1
    else:
        side = check_int(size, "size", 3)
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
    img = as_image(gray, "gray", gray_only=True)
    if isinstance(bank, FilterBank):
        kernels = bank.kernels
    else:
        kernels = as_float_array(bank, "bank")
        if kernels.ndim == 2:
            raise ValueError(f"bank must be a FilterBank or an (F, S, S) array of kernels, got a 2-D array of shape "
                             f"{kernels.shape}; for one kernel use kernel[None]")
        if kernels.ndim != 3 or kernels.shape[1] != kernels.shape[2] or kernels.shape[1] % 2 == 0:
            raise ValueError(f"bank must be a FilterBank or an (F, S, S) array of kernels with S odd, got shape "
                             f"{kernels.shape}")
        if kernels.shape[0] == 0:
            raise ValueError("bank must hold at least one kernel, got an array of shape (0, S, S)")
        check_finite(kernels, "bank")
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
