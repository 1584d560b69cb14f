"""FCN's initialization of its upsampling layers: the bilinear kernel, :func:`bilinear_kernel`."""

from __future__ import annotations

import numpy as np

from .._checks import check_int

__all__ = ["bilinear_kernel"]


def bilinear_kernel(in_channels, out_channels, kernel_size) -> np.ndarray:
    """Weights that make a transposed convolution a bilinear upsampling: FCN's initialization of its upsampling.

    The 1-D filter is ``f[t] = 1 - |t - c| / factor`` for ``t = 0, ..., k - 1``, with ``factor = (k + 1) // 2`` and
    the centre ``c = factor - 1`` for an odd ``k``, ``factor - 0.5`` for an even one; the 2-D kernel is the outer
    product ``f f^T`` (``upsample_filt`` of Long et al.'s FCN code). Upsampling by an integer factor ``f`` uses
    ``kernel_size = 2 f - f % 2``, ``stride = f`` and ``padding = ceil((f - 1) / 2)``: e.g. ``k = 4, s = 2, p = 1``
    doubles the size, and away from the border the result is the bilinear interpolation of the input (pixel centres
    aligned as ``align_corners=False``).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the transposed convolution; they must be equal (each channel is upsampled on its own).
    kernel_size : int
        ``k >= 1``.

    Returns
    -------
    numpy.ndarray of float64, shape (in_channels, out_channels, k, k)
        In :func:`coursekit.upsampling.conv_transpose2d`'s (and ``ConvTranspose2d``'s) weight layout.
        **Off-diagonal convention**: ``weight[c, c]`` is the bilinear kernel and ``weight[c, o]`` for ``o != c`` is
        zero, so that output channel ``c`` is the upsampled input channel ``c`` and channels are never mixed, as in
        FCN's ``surgery.interp``.
        (For a depthwise layer, ``groups = C``, use ``bilinear_kernel(1, 1, k)`` repeated ``C`` times along axis 0.)

    Raises
    ------
    ValueError
        When ``in_channels != out_channels``, or an argument is not a positive integer.

    References
    ----------
    .. [1] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015,
       section 3.3; ``surgery.py`` (``upsample_filt``, ``interp``) of the authors' code,
       https://github.com/shelhamer/fcn.berkeleyvision.org

    Examples
    --------
    >>> bilinear_kernel(1, 1, 4)[0, 0]
    array([[0.0625, 0.1875, 0.1875, 0.0625],
           [0.1875, 0.5625, 0.5625, 0.1875],
           [0.1875, 0.5625, 0.5625, 0.1875],
           [0.0625, 0.1875, 0.1875, 0.0625]])

    Doubling a ramp: away from the border, the values of the bilinear interpolation.

    >>> import numpy as np
    >>> from coursekit.upsampling import conv_transpose2d
    >>> ramp = np.tile(np.arange(4.0), (4, 1))[None, None]
    >>> conv_transpose2d(ramp, bilinear_kernel(1, 1, 4), stride=2, padding=1)[0, 0, 3, 1:7]
    array([0.25, 0.75, 1.25, 1.75, 2.25, 2.75])
    """
    c_in = check_int(in_channels, "in_channels", 1)
    c_out = check_int(out_channels, "out_channels", 1)
    k = check_int(kernel_size, "kernel_size", 1)
    if c_in != c_out:
        raise ValueError(f"in_channels must equal out_channels (the bilinear kernel sits on the diagonal: channel c "
                         f"is upsampled into channel c), given in_channels={c_in} and out_channels={c_out}")
    factor = (k + 1) // 2
    center = factor - 1 if k % 2 == 1 else factor - 0.5
    taps = 1 - np.abs(np.arange(k) - center) / factor
    weight = np.zeros((c_in, c_out, k, k), dtype=np.float64)
    weight[np.arange(c_in), np.arange(c_in)] = np.outer(taps, taps)
    return weight
