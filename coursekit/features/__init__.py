"""Pixel features for segmentation: colour, position and texture (filter banks and textons).

A segmentation by clustering (k-means, mean shift, graph cuts) needs one feature vector per pixel. This package
makes them, one module a kind:

- :mod:`~coursekit.features.colour`: :func:`pixel_features`, the colour of each pixel in a colour space (grey, RGB,
  L*a*b*, L*u*v*), optionally with its position ``(x, y)``, as an ``(N, D)`` point set with ``N = H * W`` rows in
  raster order.
- :mod:`~coursekit.features.filters`: :func:`filter_bank`, a bank of oriented derivative-of-Gaussian filters ("edges"
  and "bars"), Laplacians of Gaussian ("spots") at several scales and a Gaussian, in the spirit of the Leung-Malik
  bank, and :func:`filter_responses`, the ``(H, W, F)`` stack of its responses.
- :mod:`~coursekit.features.textons`: textons (Leung & Malik 2001; Malik, Belongie, Leung & Shi 2001):
  :func:`texton_map`, k-means on the response vectors gives each pixel a texton label; :func:`texton_histograms`,
  the histogram of the texton labels in a window around a pixel describes the texture there, so that regions of
  equal mean intensity but different texture can be told apart.

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
scikit-image are imported when a function needs them, not when this package is imported.

References are in the modules: Leung & Malik 2001, Malik, Belongie, Leung & Shi 2001, Varma & Zisserman 2005.

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

from .colour import COLOR_SPACES, pixel_features
from .filters import ELONGATION, FilterBank, filter_bank, filter_responses
from .textons import texton_histograms, texton_map

__all__ = [
    "COLOR_SPACES",
    "FilterBank",
    "pixel_features",
    "filter_bank",
    "filter_responses",
    "texton_map",
    "texton_histograms",
]
