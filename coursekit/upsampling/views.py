"""The lecture's three views of a transposed convolution, each a function: the stamps one by one
(:func:`stamp_steps`), zeros inserted between the pixels (:func:`zero_insert`), and the transposed matrix ``C^T``
(:func:`conv_transpose_matrix`).

References
----------
.. [1] V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285, 2016.
   Section 4: transposed convolution as the transposed matrix ``C^T`` and as a convolution of the zero-inserted
   input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .transposed import conv_transpose_output_size
from ._validate import image_and_kernel, is_pair, pair, real_array

__all__ = ["Stamp", "StampSteps", "stamp_steps", "zero_insert", "conv_transpose_matrix"]


class Stamp(NamedTuple):
    """One input pixel's contribution to a transposed convolution (a tuple ``(i, j, value, contribution)``).

    Attributes
    ----------
    i, j : int
        The input pixel's row and column.
    value : scalar
        ``x[i, j]``.
    contribution : numpy.ndarray
        A full-size (uncropped) canvas holding ``kernel * x[i, j]`` with its top-left corner at ``(i s, j s)``, zeros
        elsewhere.
    """

    i: int
    j: int
    value: object
    contribution: np.ndarray


@dataclass(frozen=True, eq=False)
class StampSteps:
    """The steps of a single-channel transposed convolution, stamp by stamp (see :func:`stamp_steps`).

    Its arrays are read-only.

    Attributes
    ----------
    stamps : list of Stamp
        One ``(i, j, x[i, j], contribution)`` per input pixel, in row-major order.
    canvas : numpy.ndarray, shape ((H - 1) s_H + k_H, (W - 1) s_W + k_W)
        The sum of the contributions, before cropping.
    output : numpy.ndarray, shape (H_out, W_out)
        The canvas without ``padding`` rows (columns) on each side: the result of the transposed convolution.
    """

    stamps: list
    canvas: np.ndarray
    output: np.ndarray


def _frozen(arr: np.ndarray) -> np.ndarray:
    """``arr`` made read-only (the steps are for reading)."""
    arr.flags.writeable = False
    return arr


def stamp_steps(x, kernel, stride=1, padding=0) -> StampSteps:
    """A single-channel transposed convolution stamp by stamp, for the lecture's worked example.

    Every input pixel ``x[i, j]`` places the kernel, scaled by ``x[i, j]``, on a canvas with its top-left corner at
    ``(i s, j s)``; the canvas is the sum of these stamps, and the output is the canvas cropped by ``p`` on each
    side. The result equals ``conv_transpose2d(x[None, None], kernel[None, None], stride, padding)[0, 0]``.

    Parameters
    ----------
    x : array_like, shape (H, W)
        Input image, one channel.
    kernel : array_like, shape (k_H, k_W)
        The kernel (square in the lecture).
    stride : int or pair of int, default 1
        ``s >= 1``.
    padding : int or pair of int, default 0
        ``p >= 0``, cropped from each side of the canvas.

    Returns
    -------
    StampSteps
        ``stamps`` (a list of ``Stamp(i, j, x[i, j], contribution)``, each contribution a full-size canvas),
        ``canvas`` (their sum, ``(H - 1) s + k`` square for a square input) and ``output`` (the cropped canvas).
        The dtype is int64 when ``x`` and ``kernel`` are integers, else their float dtype.

    Raises
    ------
    ValueError
        When ``x`` or ``kernel`` is not a non-empty 2-D array, the stride or padding is out of range, or the padding
        crops the whole canvas.
    TypeError
        When an array does not hold real numbers, or the stride or padding is not an integer (or a pair of them).

    Examples
    --------
    >>> import numpy as np
    >>> steps = stamp_steps([[1, 2], [3, 4]], np.ones((3, 3), dtype=int))
    >>> i, j, value, contribution = steps.stamps[1]
    >>> i, j, int(value)
    (0, 1, 2)
    >>> contribution
    array([[0, 2, 2, 2],
           [0, 2, 2, 2],
           [0, 2, 2, 2],
           [0, 0, 0, 0]])
    >>> steps.output
    array([[ 1,  3,  3,  2],
           [ 4, 10, 10,  6],
           [ 4, 10, 10,  6],
           [ 3,  7,  7,  4]])
    """
    x, kernel = image_and_kernel(x, kernel)
    s = pair(stride, "stride", 1)
    p = pair(padding, "padding", 0)
    (h, w), (kh, kw) = x.shape, kernel.shape
    h_out, w_out = conv_transpose_output_size((h, w), (kh, kw), s, p)
    canvas_shape = ((h - 1) * s[0] + kh, (w - 1) * s[1] + kw)
    canvas = np.zeros(canvas_shape, dtype=x.dtype)
    stamps = []
    for i in range(h):
        for j in range(w):
            contribution = np.zeros(canvas_shape, dtype=x.dtype)
            contribution[i * s[0]: i * s[0] + kh, j * s[1]: j * s[1] + kw] = kernel * x[i, j]
            canvas += contribution
            stamps.append(Stamp(i, j, x[i, j], _frozen(contribution)))
    output = canvas[p[0]: p[0] + h_out, p[1]: p[1] + w_out].copy()
    return StampSteps(stamps=stamps, canvas=_frozen(canvas), output=_frozen(output))


def zero_insert(x, stride) -> np.ndarray:
    """Insert ``s - 1`` zeros between neighbouring pixels (along the last two axes).

    The second view of a transposed convolution (Dumoulin & Visin 2016, section 4): with ``s`` the stride, ``p`` the
    padding, ``a`` the output padding and ``d`` the dilation,
    ``conv_transpose2d(x, w, stride=s, padding=p, output_padding=a, dilation=d)`` equals
    ``conv2d(z, w_flipped, dilation=d)``, where ``z`` is ``zero_insert(x, s)`` padded by ``d (k - 1) - p`` zeros on
    each side (cropped where that is negative) and by ``a`` more at the bottom (right), and ``w_flipped`` is ``w``
    with its two channel axes swapped and its kernels flipped in both axes (``w.swapaxes(0, 1)[..., ::-1, ::-1]``
    for ``groups=1``). It shows why a transposed convolution with stride ``s`` upsamples by ``s``, and costs about
    ``s^2`` times more than the stamps (most products are with zeros).

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Input; the leading axes (batch, channels) are kept.
    stride : int or pair of int
        ``s >= 1``.

    Returns
    -------
    numpy.ndarray, shape (..., (H - 1) s_H + 1, (W - 1) s_W + 1)
        ``x[..., i, j]`` at ``[..., i s_H, j s_W]``, zeros elsewhere; the dtype of ``x``.

    Raises
    ------
    ValueError
        When ``x`` has fewer than two axes or no pixel, or the stride is out of range.
    TypeError
        When ``x`` does not hold real numbers, or the stride is not an integer (or a pair of them).

    Examples
    --------
    >>> import numpy as np
    >>> zero_insert(np.array([[1, 2], [3, 4]]), 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])

    The lecture's example again (3 x 3 kernel of ones, stride 2, padding 1): pad by ``3 - 1 - 1 = 1``, then convolve.

    >>> from coursekit.upsampling import conv2d
    >>> z = np.pad(zero_insert(np.array([[1, 2], [3, 4]]), 2), 1)
    >>> conv2d(z[None, None], np.ones((1, 1, 3, 3), dtype=int))[0, 0]
    array([[ 1,  3,  2],
           [ 4, 10,  6],
           [ 3,  7,  4]])
    """
    x = real_array(x, "x")
    if x.ndim < 2 or x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have at least two axes (..., H, W) with H, W >= 1, given shape {x.shape}")
    s = pair(stride, "stride", 1)
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + ((h - 1) * s[0] + 1, (w - 1) * s[1] + 1), dtype=x.dtype)
    out[..., :: s[0], :: s[1]] = x
    return out


def conv_transpose_matrix(input_shape, kernel, stride=1, padding=0) -> np.ndarray:
    """The matrix ``C^T`` of a single-channel 2-D transposed convolution, as a dense array.

    A convolution ``conv2d`` of an ``H_out x W_out`` image with ``kernel`` (stride ``s``, padding ``p``) is linear:
    ``y = C x`` on the raveled (row-major) images, with ``C`` of shape ``(H W, H_out W_out)``. The transposed
    convolution multiplies by ``C^T`` (Dumoulin & Visin 2016, section 4.1), which this function builds from the
    stamps: column ``i W + j`` of ``C^T`` is the kernel placed at ``(i s - p, j s - p)`` in the ``H_out x W_out``
    output (the taps that fall outside are cropped). ``conv_transpose2d(x, kernel, stride, padding)`` equals
    ``(C^T @ x.ravel()).reshape(H_out, W_out)``, and ``conv2d(y, kernel, stride, padding)`` equals
    ``(C @ y.ravel()).reshape(H, W)`` with ``C = conv_transpose_matrix(...).T``.

    Parameters
    ----------
    input_shape : pair of int
        ``(H, W)``, the shape of the transposed convolution's input (the convolution's output).
    kernel : array_like, shape (k_H, k_W)
        The kernel (a single channel).
    stride : int or pair of int, default 1
        ``s >= 1``.
    padding : int or pair of int, default 0
        ``p >= 0``.

    Returns
    -------
    numpy.ndarray, shape (H_out W_out, H W)
        ``C^T``, with ``H_out = (H - 1) s - 2 p + k_H`` (see :func:`conv_transpose_output_size`); the kernel's float
        dtype, or float64 for an integer kernel.

    Raises
    ------
    ValueError
        When ``input_shape`` is a sequence of another length or holds a size below 1, ``kernel`` is not a non-empty
        2-D array, the stride or padding is out of range, or the output would be empty.
    TypeError
        When ``input_shape`` is not a pair of integers, the kernel does not hold real numbers, or the stride or
        padding is not an integer (or a pair of them).

    Examples
    --------
    >>> import numpy as np
    >>> ct = conv_transpose_matrix((2, 2), np.ones((2, 2)), stride=1)
    >>> ct.shape                       # 3 x 3 outputs, 2 x 2 inputs
    (9, 4)
    >>> ct[:, 0].reshape(3, 3)         # the stamp of input pixel (0, 0)
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 0.]])
    >>> x = np.array([[1., 2.], [3., 4.]])
    >>> (ct @ x.ravel()).reshape(3, 3)
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    """
    if not is_pair(input_shape):
        raise TypeError(f"input_shape must be a pair of positive integers (H, W), given {input_shape!r}")
    h, w = pair(input_shape, "input_shape", 1)
    kernel = real_array(kernel, "kernel")
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"kernel must be a non-empty 2-D array (k_H, k_W), given shape {kernel.shape}")
    dtype = kernel.dtype if kernel.dtype.kind == "f" else np.dtype(np.float64)
    kernel = kernel.astype(dtype, copy=False)
    s = pair(stride, "stride", 1)
    p = pair(padding, "padding", 0)
    kh, kw = kernel.shape
    h_out, w_out = conv_transpose_output_size((h, w), (kh, kw), s, p)
    # matrix[output pixel (r, c), input pixel (i, j)] = kernel[r - i s + p, c - j s + p] where that tap exists
    matrix = np.zeros((h_out, w_out, h, w), dtype=dtype)
    ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    for u in range(kh):
        rows = ii * s[0] + u - p[0]
        for v in range(kw):
            cols = jj * s[1] + v - p[1]
            inside = (rows >= 0) & (rows < h_out) & (cols >= 0) & (cols < w_out)
            matrix[rows[inside], cols[inside], ii[inside], jj[inside]] = kernel[u, v]
    return matrix.reshape(h_out * w_out, h * w)

