"""Transposed convolution ("deconvolution"), the learned upsampling of fully convolutional networks, in numpy.

Notation (as in the lecture)
----------------------------
An input ``x`` of ``H x W`` pixels (``N`` images of ``C_in`` channels: shape ``(N, C_in, H, W)``, PyTorch's layout),
a kernel of ``k_H x k_W`` taps, stride ``s``, padding ``p``, output padding ``a`` ("output_padding") and dilation
``d``. Every argument of size may be one integer or a pair ``(height, width)``.

A **transposed convolution** lets every input pixel ``x[i, j]`` **stamp** a copy of the kernel, scaled by
``x[i, j]``, onto an output canvas at ``(i s, j s)``; overlapping stamps are summed. The canvas has
``(H - 1) s + d (k - 1) + 1`` rows (the dilated kernel spans ``d (k - 1) + 1`` rows); ``p`` rows are then cropped
from the top and from the bottom, and ``a`` rows of the cropped bottom are given back (zeros where the canvas ends), so
that

    ``H_out = (H - 1) s - 2 p + d (k - 1) + a + 1``        (:func:`conv_transpose_output_size`)

which is the shape of the input of a convolution with the same ``k, s, p, d`` whose output is ``H x W``. Three views
of the same linear map, each a function here:

- **stamps** (the lecture's worked example, :func:`stamp_steps`; vectorized in :func:`conv_transpose2d`: one matrix
  product gives every stamp, ``k_H k_W`` strided additions place them);
- **zeros inserted** between the pixels (:func:`zero_insert`), the result padded by ``d (k - 1) - p`` and convolved
  (:func:`conv2d`, stride 1) with the kernel flipped in both axes and its channel axes swapped (Dumoulin & Visin 2016);
- **the transposed matrix**: writing a convolution as ``y = C x`` on raveled images, the transposed convolution is
  ``x' = C^T y'`` (:func:`conv_transpose_matrix`), hence its name; it is the adjoint of the convolution,
  ``<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>``, and the gradient of a convolution with respect to its input.

FCN (Long et al. 2015) initializes its upsampling layers with bilinear interpolation (:func:`bilinear_kernel`).
When ``k`` is not a multiple of ``s`` the stamps overlap unevenly and the output shows checkerboard artifacts (Odena
et al. 2016).

Every function here is pure numpy; the tests compare them with ``torch.nn.functional.conv_transpose2d`` and
``torch.nn.functional.conv2d``.

References
----------
.. [1] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015,
   pp. 3431-3440. Section 3.3: "upsampling is backwards strided convolution"; in-network upsampling layers
   initialized to bilinear interpolation.
.. [2] V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285, 2016.
   Section 4: transposed convolution as the transposed matrix ``C^T``, as a convolution of the zero-inserted input,
   and its output-size relationships.
.. [3] A. Odena, V. Dumoulin, C. Olah, "Deconvolution and Checkerboard Artifacts", Distill, 2016.
   doi:10.23915/distill.00003. Uneven overlap of the stamps when the kernel size is not divisible by the stride.

Examples
--------
The lecture's worked example: a 2 x 2 input, a 3 x 3 kernel of ones, stride 2, padding 1.

>>> import numpy as np
>>> x = np.array([[1, 2], [3, 4]])
>>> steps = stamp_steps(x, np.ones((3, 3), dtype=int), stride=2, padding=1)
>>> steps.canvas
array([[ 1,  1,  3,  2,  2],
       [ 1,  1,  3,  2,  2],
       [ 4,  4, 10,  6,  6],
       [ 3,  3,  7,  4,  4],
       [ 3,  3,  7,  4,  4]])
>>> steps.output
array([[ 1,  3,  2],
       [ 4, 10,  6],
       [ 3,  7,  4]])
>>> conv_transpose2d(x[None, None], np.ones((1, 1, 3, 3), dtype=int), stride=2, padding=1)[0, 0]
array([[ 1,  3,  2],
       [ 4, 10,  6],
       [ 3,  7,  4]])
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._checks import check_int_value as _check_int
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "conv_transpose_output_size",
    "conv_transpose2d",
    "conv2d",
    "stamp_steps",
    "Stamp",
    "StampSteps",
    "zero_insert",
    "conv_transpose_matrix",
    "bilinear_kernel",
]

# conv_transpose2d computes the stamps of at most this many bytes at a time (a chunk of the batch); a single image
# that needs more is computed at once.
_STAMP_BUDGET_BYTES = 32 * 2**20

_AXES = ("height", "width")


# ---------------------------------------------------------------------------------------------------------------
# validation




def _pair(value, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair ``(height, width)`` of ints as a pair of Python ints, each at least ``minimum``."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name} must be an integer or a pair of integers (height, width), given {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(value)
        if len(items) != 2:
            raise ValueError(f"{name} must be an integer or a pair of integers (height, width), given {value!r} "
                             f"with {len(items)} values")
    else:
        items = [value, value]
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise ValueError(f"{name} must be an integer or a pair of integers (height, width), given {value!r}")
        item = int(item)
        if item < minimum:
            what = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f"at least {minimum}"
            raise ValueError(f"{name} must be {what}, given {value!r}")
        out.append(item)
    return out[0], out[1]


def _show(pair: tuple[int, int]):
    """A pair as it is printed in messages: ``2`` when both values agree, else ``(2, 3)``."""
    return pair[0] if pair[0] == pair[1] else pair


def _check_output_padding(output_padding, stride, dilation) -> None:
    """PyTorch's rule: in each dimension ``output_padding < stride`` or ``output_padding < dilation``."""
    for axis, a, s, d in zip(_AXES, output_padding, stride, dilation):
        if a >= max(s, d):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation in each dimension (as PyTorch requires), "
                f"given output_padding={_show(output_padding)}, stride={_show(stride)}, dilation={_show(dilation)}: "
                f"in {axis}, output_padding {a} is not smaller than max(stride, dilation) = {max(s, d)}")


def _transposed_size(size, kernel, stride, padding, output_padding, dilation) -> tuple[int, int]:
    """``(H - 1) s - 2 p + d (k - 1) + a + 1`` per dimension (no validation)."""
    return tuple((i - 1) * s - 2 * p + d * (k - 1) + a + 1
                 for i, k, s, p, a, d in zip(size, kernel, stride, padding, output_padding, dilation))


def _real_array(value, name: str) -> np.ndarray:
    """``value`` as an array of real numbers (bool, integer or float dtype); TypeError otherwise."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (a bool, integer or float dtype), given dtype {arr.dtype}")
    return arr


def _result_dtype(x: np.ndarray, *others: np.ndarray | None) -> np.dtype:
    """The dtype of the result: that of ``x`` when it is a float; else the float dtype of the weight and bias;
    else int64 (integer and bool inputs are summed exactly)."""
    if x.dtype.kind == "f":
        return x.dtype
    floats = [a.dtype for a in others if a is not None and a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.int64)


def _prepare(x, weight, bias, groups, layout: str):
    """Validated ``(x4, weight, bias, groups, batched, dtype)`` for conv2d and conv_transpose2d."""
    x = _real_array(x, "x")
    weight = _real_array(weight, "weight")
    if x.ndim not in (3, 4):
        raise ValueError(f"x must be a 4-D array (N, C_in, H, W), or 3-D (C_in, H, W) for one image, given a "
                         f"{x.ndim}-D array of shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"weight must be a 4-D array {layout}, given a {weight.ndim}-D array of shape "
                         f"{weight.shape}")
    groups = _check_int(groups, "groups", minimum=1)
    batched = x.ndim == 4
    x4 = x if batched else x[None]
    if x4.shape[2] == 0 or x4.shape[3] == 0:
        raise ValueError(f"x must have at least one row and one column (H, W >= 1), given shape {x.shape}")
    if min(weight.shape) == 0:
        raise ValueError(f"weight {layout} must have no empty dimension, given shape {weight.shape}")
    if bias is not None:
        bias = _real_array(bias, "bias")
    return x4, weight, bias, groups, batched, _result_dtype(x, weight, bias)


def _check_bias(bias: np.ndarray | None, c_out: int, how: str) -> None:
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise ValueError(f"bias must be a 1-D array of C_out = {how} = {c_out} values, given shape {bias.shape}")


# ---------------------------------------------------------------------------------------------------------------
# output size


def conv_transpose_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """Output size of a transposed convolution: ``(size - 1) s - 2 p + d (k - 1) + a + 1``.

    With ``i`` the input size, ``k`` the kernel size, ``s`` the stride, ``p`` the padding, ``a`` the output padding
    and ``d`` the dilation. This is relationship 14 of Dumoulin & Visin (2016), ``o' = s (i' - 1) + a + k - 2p``,
    with a dilated kernel of ``d (k - 1) + 1`` taps, and the formula of ``torch.nn.ConvTranspose2d``.

    Parameters
    ----------
    size : int or pair of int
        Input size ``i >= 1`` (``H``, or ``(H, W)``).
    kernel_size : int or pair of int
        ``k >= 1``.
    stride : int or pair of int, default 1
        ``s >= 1``.
    padding : int or pair of int, default 0
        ``p >= 0``, cropped from both sides of the canvas.
    output_padding : int or pair of int, default 0
        ``a >= 0``, added at the bottom (right). As in PyTorch, ``a < max(s, d)`` in each dimension: a convolution
        with stride ``s`` maps ``s`` consecutive input sizes to the same output size, and ``a`` picks one of them.
    dilation : int or pair of int, default 1
        ``d >= 1``.

    Returns
    -------
    int, or tuple of two ints
        The output size; a pair ``(H_out, W_out)`` when any argument is a pair.

    Raises
    ------
    ValueError
        When an argument is not an integer (or a pair of them) in its range, when ``a >= max(s, d)``, or when the
        output would be empty (``p`` too large).

    Examples
    --------
    FCN's 2x upsampling (k = 4, s = 2, p = 1) doubles the size:

    >>> conv_transpose_output_size(32, kernel_size=4, stride=2, padding=1)
    64
    >>> conv_transpose_output_size((2, 3), kernel_size=3, stride=2, padding=1, output_padding=(0, 1))
    (3, 6)
    """
    is_pair = any(isinstance(v, (tuple, list, np.ndarray)) and np.ndim(v) == 1
                  for v in (size, kernel_size, stride, padding, output_padding, dilation))
    i = _pair(size, "size", 1)
    k = _pair(kernel_size, "kernel_size", 1)
    s = _pair(stride, "stride", 1)
    p = _pair(padding, "padding", 0)
    a = _pair(output_padding, "output_padding", 0)
    d = _pair(dilation, "dilation", 1)
    _check_output_padding(a, s, d)
    out = _transposed_size(i, k, s, p, a, d)
    if min(out) < 1:
        raise ValueError(
            f"the output would be empty: (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + "
            f"output_padding + 1 = {_show(out)} for size={_show(i)}, kernel_size={_show(k)}, stride={_show(s)}, "
            f"padding={_show(p)}, output_padding={_show(a)}, dilation={_show(d)}; expected at least 1 "
            f"(reduce padding)")
    return out if is_pair else out[0]


# ---------------------------------------------------------------------------------------------------------------
# transposed convolution and convolution


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1,
                     groups=1) -> np.ndarray:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``: every input pixel stamps the kernel.

    Each input pixel ``x[n, c, i, j]`` adds the kernel ``weight[c, o]`` (taps ``d`` apart), scaled by its value, to
    the canvas of output channel ``o`` with its top-left tap at row ``i s``, column ``j s``: tap ``(u, v)`` lands on
    canvas pixel ``(i s + u d, j s + v d)`` (with groups, input channel ``c`` of group ``g`` only reaches the
    ``C_out / groups`` output channels of group ``g``, ``weight[c]`` holding their kernels). The canvas of
    ``(H - 1) s + d (k_H - 1) + 1`` rows (columns likewise, with ``W`` and ``k_W``) is cropped by ``p`` on each side,
    and ``a`` rows (columns) are added back at the bottom (right); ``bias[o]`` is added last.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Input (a 3-D array is one image, and so is the result).
    weight : array_like, shape (C_in, C_out / groups, k_H, k_W)
        Kernels, in PyTorch's layout for transposed convolutions (``ConvTranspose2d.weight``; note that this is the
        layout of a ``conv2d`` weight ``(C_out', C_in' / groups, k_H, k_W)`` read the other way round, so that
        ``conv_transpose2d(y, w)`` is the adjoint of ``conv2d(x, w)`` for the same ``w``).
    bias : array_like, shape (C_out,), optional
        Added to every pixel of each output channel.
    stride, padding, output_padding, dilation : int or pair of int
        ``s >= 1``, ``p >= 0``, ``a >= 0`` with ``a < max(s, d)`` in each dimension, ``d >= 1``; see
        :func:`conv_transpose_output_size`.
    groups : int, default 1
        ``C_in`` and ``C_out`` are split into ``groups`` blocks; input block ``g`` only feeds output block ``g``.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out) (or (C_out, H_out, W_out))
        ``H_out = (H - 1) s - 2 p + d (k_H - 1) + a + 1``. The dtype of ``x`` when it is a float (``float32`` stays
        ``float32``; the weight and bias are converted to it); for integer or bool ``x``, the float dtype of the
        weight and bias, or int64 when they are integers too.

    Raises
    ------
    ValueError
        When ``x`` is not 3-D or 4-D or has no pixel, ``weight`` is not 4-D or has an empty dimension, ``x`` does not
        have ``weight.shape[0]`` channels, ``groups`` does not divide ``C_in``, the bias is not ``C_out`` long, a
        stride, padding, output padding, dilation or ``groups`` is out of range (see
        :func:`conv_transpose_output_size`), or the output would be empty.
    TypeError
        When an array does not hold real numbers.

    See Also
    --------
    stamp_steps : the same stamps one at a time, for a single channel.
    conv_transpose_matrix : the same map as a matrix ``C^T``.
    zero_insert : the same map as a convolution of the zero-inserted input.

    Notes
    -----
    Vectorized in two steps (Long et al. 2015: "backwards strided convolution"; Dumoulin & Visin 2016):

    1. one matrix product per group gives every stamp of every pixel of the batch at once: ``W_g^T X_g``, with
       ``W_g`` the ``(C_in / G, (C_out / G) k_H k_W)`` weight matrix and ``X_g`` the ``(C_in / G, N H W)`` pixels
       (the transpose of ``X^T W``: ``(N H W, C_in) @ (C_in, C_out k_H k_W)``), laid out as
       ``(C_out, k_H, k_W, N, H, W)``;
    2. a loop over the ``k_H k_W`` kernel taps only: tap ``(u, v)`` of every pixel ``(i, j)`` lands on canvas pixel
       ``(i s + u d, j s + v d)``, one strided slice of the canvas, added for the whole batch at once.

    When the input has fewer pixels than the kernel has taps (``H W < k_H k_W``: a coarse score map upsampled by a
    large kernel, such as FCN-32s's 64 x 64 at stride 32) the roles swap: the product is computed as ``X^T W`` and
    the loop runs over the ``H W`` pixels, each adding its whole stamp, for every channel and image at once. The
    loop is never longer than ``min(k_H k_W, H W)``.

    Large batches are processed in chunks so that the stamps take at most about 32 MB. Overlapping stamps are
    summed in the input's dtype.

    References
    ----------
    .. [1] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015.
    .. [2] V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285, 2016.
    .. [3] A. Odena, V. Dumoulin, C. Olah, "Deconvolution and Checkerboard Artifacts", Distill, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[1, 2], [3, 4]]]])                     # N = C_in = 1, 2 x 2
    >>> conv_transpose2d(x, np.ones((1, 1, 3, 3), dtype=int))  # stride 1: 4 x 4
    array([[[[ 1,  3,  3,  2],
             [ 4, 10, 10,  6],
             [ 4, 10, 10,  6],
             [ 3,  7,  7,  4]]]])

    A kernel of 3 taps at stride 2 overlaps unevenly: a checkerboard (Odena et al. 2016).

    >>> conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2)[0, 0, :3, :5]
    array([[1., 1., 2., 1., 2.],
           [1., 1., 2., 1., 2.],
           [2., 2., 4., 2., 4.]])
    """
    x4, weight, bias, groups, batched, dtype = _prepare(
        x, weight, bias, groups, "(C_in, C_out / groups, k_H, k_W)")
    s = _pair(stride, "stride", 1)
    p = _pair(padding, "padding", 0)
    a = _pair(output_padding, "output_padding", 0)
    d = _pair(dilation, "dilation", 1)
    n, c_in, h, w = x4.shape
    w_in, c_out_g, kh, kw = weight.shape
    if c_in != w_in:
        raise ValueError(f"x must have C_in = weight.shape[0] = {w_in} channels (weight is (C_in, C_out / groups, "
                         f"k_H, k_W) = {weight.shape}), given x of shape {x4.shape if batched else x4.shape[1:]} "
                         f"with {c_in} channels")
    if c_in % groups:
        raise ValueError(f"groups must divide the number of input channels C_in = weight.shape[0] = {c_in}, "
                         f"given groups={groups}")
    c_out = groups * c_out_g
    _check_bias(bias, c_out, "groups * weight.shape[1]")
    _check_output_padding(a, s, d)
    h_out, w_out = _transposed_size((h, w), (kh, kw), s, p, a, d)
    if h_out < 1 or w_out < 1:
        raise ValueError(f"the output would be empty: an input of {h} x {w} pixels with kernel {kh} x {kw}, "
                         f"stride={_show(s)}, padding={_show(p)}, output_padding={_show(a)}, dilation={_show(d)} "
                         f"gives {h_out} x {w_out} pixels; expected at least 1 x 1 (reduce padding)")

    out = _conv_transpose2d(x4.astype(dtype, copy=False), weight.astype(dtype, copy=False), s, p, d, groups,
                            (h_out, w_out))
    if bias is not None:
        out += bias.astype(dtype, copy=False)[:, None, None]
    return out if batched else out[0]


def _conv_transpose2d(x, weight, stride, padding, dilation, groups, out_size) -> np.ndarray:
    """The numeric kernel of :func:`conv_transpose2d` on validated arrays of one dtype (no bias)."""
    n, c_in, h, w = x.shape
    _, c_out_g, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = stride, padding, dilation, out_size
    c_in_g, c_out, taps, hw = c_in // groups, groups * c_out_g, c_out_g * kh * kw, h * w
    # the canvas holds every stamp whole ((H - 1) s + d (k - 1) + 1 rows), and the rows that output_padding adds
    # when it exceeds padding
    canvas_h = max((h - 1) * sh + dh * (kh - 1) + 1, ph + h_out)
    canvas_w = max((w - 1) * sw + dw * (kw - 1) + 1, pw + w_out)
    # loop over the kernel taps (usual), or over the pixels when there are fewer of them (a coarse map upsampled by
    # a large kernel, as FCN-32s's 64 x 64): never more than min(k_H k_W, H W) strided additions
    by_taps = kh * kw <= hw
    if by_taps:
        # W_g^T (groups, C_out/G k_H k_W, C_in/G); channels first on the canvas, so that one tap of every stamp of the
        # batch is one strided block
        w_mat = np.ascontiguousarray(weight.reshape(groups, c_in_g, taps).transpose(0, 2, 1))
        canvas = np.zeros((c_out, n, canvas_h, canvas_w), dtype=x.dtype)
    else:
        w_mat = np.ascontiguousarray(weight.reshape(groups, c_in_g, taps))
        canvas = np.zeros((n, groups, c_out_g, canvas_h, canvas_w), dtype=x.dtype)
    if n:
        chunk = int(max(1, min(n, _STAMP_BUDGET_BYTES // (groups * taps * hw * x.dtype.itemsize))))
        buffer = np.empty(groups * taps * chunk * hw, dtype=x.dtype)
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            m = stop - start
            out = buffer[: groups * taps * m * hw]
            pixels = x[start:stop].reshape(m, groups, c_in_g, hw)
            if by_taps:
                # the pixels of the chunk as the columns of one matrix per group, (groups, C_in/G, m H W):
                # every stamp at once, laid out (C_out, k_H, k_W, m, H, W)
                pixels = np.ascontiguousarray(pixels.transpose(1, 2, 0, 3)).reshape(groups, c_in_g, m * hw)
                stamps = np.matmul(w_mat, pixels, out=out.reshape(groups, taps, m * hw))
                stamps = stamps.reshape(c_out, kh, kw, m, h, w)
                part = canvas[:, start:stop]
                span_h, span_w = (h - 1) * sh + 1, (w - 1) * sw + 1
                for u in range(kh):
                    rows = slice(u * dh, u * dh + span_h, sh)
                    for v in range(kw):
                        part[:, :, rows, v * dw: v * dw + span_w: sw] += stamps[:, u, v]
            else:
                # X^T W: (m, groups, H W, C_in/G) @ (groups, C_in/G, C_out/G k_H k_W), laid out
                # (m, groups, H, W, C_out/G, k_H, k_W): the stamp of pixel (i, j) is one block
                pixels = np.ascontiguousarray(pixels.transpose(0, 1, 3, 2))
                stamps = np.matmul(pixels, w_mat, out=out.reshape(m, groups, hw, taps))
                stamps = stamps.reshape(m, groups, h, w, c_out_g, kh, kw)
                part = canvas[start:stop]
                span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
                for i in range(h):
                    rows = slice(i * sh, i * sh + span_h, dh)
                    for j in range(w):
                        part[:, :, :, rows, j * sw: j * sw + span_w: dw] += stamps[:, :, i, j]
    if by_taps:
        return np.ascontiguousarray(canvas[:, :, ph: ph + h_out, pw: pw + w_out].transpose(1, 0, 2, 3))
    canvas = canvas.reshape(n, c_out, canvas_h, canvas_w)
    if (canvas_h, canvas_w) == (h_out, w_out):
        return canvas
    return np.ascontiguousarray(canvas[:, :, ph: ph + h_out, pw: pw + w_out])


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """2-D convolution (cross-correlation, as in deep learning), as ``torch.nn.functional.conv2d``.

    ``out[n, o, y, z] = bias[o] + sum_{c, u, v} x_p[n, c, y s + u d, z s + v d] * weight[o, c, u, v]`` with ``x_p``
    the input zero-padded by ``p`` on each side and ``c`` running over the input channels of the group of ``o``.
    :func:`conv_transpose2d` with the same ``weight`` is its adjoint (its transpose).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Input (a 3-D array is one image, and so is the result).
    weight : array_like, shape (C_out, C_in / groups, k_H, k_W)
        Kernels, in PyTorch's layout (``Conv2d.weight``).
    bias : array_like, shape (C_out,), optional
        Added to every pixel of each output channel.
    stride : int or pair of int, default 1
        ``s >= 1``.
    padding : int, pair of int, "valid" or "same", default 0
        ``p >= 0`` zeros on each side; ``"valid"`` is 0; ``"same"`` (stride 1 only) pads ``d (k - 1)`` in all, the
        extra one at the bottom (right) when it is odd, as PyTorch does, so that the output has the input's size.
    dilation : int or pair of int, default 1
        ``d >= 1``: the kernel's taps are ``d`` pixels apart.
    groups : int, default 1
        ``C_in`` and ``C_out`` are split into ``groups`` blocks; output block ``g`` only sees input block ``g``.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out) (or (C_out, H_out, W_out))
        ``H_out = floor((H + 2 p - d (k_H - 1) - 1) / s) + 1``. The dtype follows the rule of
        :func:`conv_transpose2d` (``float32`` stays ``float32``).

    Raises
    ------
    ValueError
        When ``x`` is not 3-D or 4-D or has no pixel, ``weight`` is not 4-D or has an empty dimension, ``x`` does not
        have ``groups * weight.shape[1]`` channels, ``groups`` does not divide ``C_out``, the bias is not ``C_out``
        long, an argument is out of range, ``padding="same"`` comes with a stride, or the dilated kernel is larger
        than the padded input.
    TypeError
        When an array does not hold real numbers.

    Notes
    -----
    im2col: ``numpy.lib.stride_tricks.sliding_window_view`` gives every ``k_H x k_W`` window of the padded input (a
    view, no copy), and ``numpy.tensordot`` contracts the windows with the kernels of each group in one matrix
    product. To check the adjoint identity ``<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>``, give the transposed
    convolution ``output_padding = (H + 2 p - d (k - 1) - 1) mod s`` so that it returns ``x``'s shape.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)   # sums of 2 x 2 blocks
    array([[[[10., 18.],
             [42., 50.]]]])

    The transposed convolution is the adjoint:

    >>> rng = np.random.default_rng(0)
    >>> w, y = rng.normal(size=(3, 1, 2, 2)), rng.normal(size=(1, 3, 2, 2))
    >>> lhs = np.vdot(conv2d(x, w, stride=2), y)
    >>> rhs = np.vdot(x, conv_transpose2d(y, w, stride=2))
    >>> bool(np.isclose(lhs, rhs))
    True
    """
    x4, weight, bias, groups, batched, dtype = _prepare(
        x, weight, bias, groups, "(C_out, C_in / groups, k_H, k_W)")
    s = _pair(stride, "stride", 1)
    d = _pair(dilation, "dilation", 1)
    n, c_in, h, w = x4.shape
    c_out, c_in_g, kh, kw = weight.shape
    span = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if s != (1, 1):
                raise ValueError(f"padding='same' needs stride 1 (the output keeps the input's size), given "
                                 f"stride={_show(s)}")
            pads = tuple((t // 2, t - t // 2) for t in (span[0] - 1, span[1] - 1))
        else:
            raise ValueError(f"padding must be an integer, a pair of integers, 'valid' or 'same', given {padding!r}")
    else:
        p = _pair(padding, "padding", 0)
        pads = ((p[0], p[0]), (p[1], p[1]))
    if c_in != groups * c_in_g:
        raise ValueError(f"x must have C_in = groups * weight.shape[1] = {groups} * {c_in_g} = {groups * c_in_g} "
                         f"channels (weight is (C_out, C_in / groups, k_H, k_W) = {weight.shape}), given x of shape "
                         f"{x4.shape if batched else x4.shape[1:]} with {c_in} channels")
    if c_out % groups:
        raise ValueError(f"groups must divide the number of output channels C_out = weight.shape[0] = {c_out}, "
                         f"given groups={groups}")
    _check_bias(bias, c_out, "weight.shape[0]")
    padded = (h + sum(pads[0]), w + sum(pads[1]))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise ValueError(f"the (dilated) kernel must fit in the padded input: the padded input has "
                         f"{padded[0]} x {padded[1]} pixels, the kernel spans {span[0]} x {span[1]} (kernel "
                         f"{kh} x {kw}, dilation={_show(d)}); increase padding or use a smaller kernel")

    x4 = x4.astype(dtype, copy=False)
    weight = weight.astype(dtype, copy=False)
    xp = np.pad(x4, ((0, 0), (0, 0)) + pads) if any(map(any, pads)) else x4
    # windows[n, c, y, z, u, v] = xp[n, c, y s + u d, z s + v d]
    windows = sliding_window_view(xp, span, axis=(2, 3))[:, :, :: s[0], :: s[1], :: d[0], :: d[1]]
    h_out, w_out = windows.shape[2:4]
    out = np.empty((n, c_out, h_out, w_out), dtype=dtype)
    c_out_g = c_out // groups
    for g in range(groups):
        block = windows[:, g * c_in_g: (g + 1) * c_in_g]
        kernels = weight[g * c_out_g: (g + 1) * c_out_g]
        # (N, H_out, W_out, C_out / G): the im2col matrix times the kernels as columns
        out[:, g * c_out_g: (g + 1) * c_out_g] = np.tensordot(block, kernels, axes=([1, 4, 5], [1, 2, 3])
                                                             ).transpose(0, 3, 1, 2)
    if bias is not None:
        out += bias.astype(dtype, copy=False)[:, None, None]
    return out if batched else out[0]


# ---------------------------------------------------------------------------------------------------------------
# the lecture's views: stamps, zeros inserted, the transposed matrix


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
    arr.flags.writeable = False
    return arr


def _image_and_kernel(x, kernel, x_name: str = "x"):
    """A 2-D image and a 2-D kernel as arrays of one dtype (int64 when both are integers)."""
    x = _real_array(x, x_name)
    kernel = _real_array(kernel, "kernel")
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"{x_name} must be a non-empty 2-D array (H, W), given shape {x.shape}")
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"kernel must be a non-empty 2-D array (k_H, k_W), given shape {kernel.shape}")
    if x.dtype.kind == "f" or kernel.dtype.kind == "f":
        dtype = np.result_type(*(a.dtype for a in (x, kernel) if a.dtype.kind == "f"))
    else:
        dtype = np.dtype(np.int64)
    return x.astype(dtype, copy=False), kernel.astype(dtype, copy=False)


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
        When an array does not hold real numbers.

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
    x, kernel = _image_and_kernel(x, kernel)
    s = _pair(stride, "stride", 1)
    p = _pair(padding, "padding", 0)
    (h, w), (kh, kw) = x.shape, kernel.shape
    canvas_shape = ((h - 1) * s[0] + kh, (w - 1) * s[1] + kw)
    if canvas_shape[0] - 2 * p[0] < 1 or canvas_shape[1] - 2 * p[1] < 1:
        raise ValueError(f"padding={_show(p)} crops the whole {canvas_shape[0]} x {canvas_shape[1]} canvas; "
                         f"expected 2 * padding smaller than the canvas in each dimension")
    canvas = np.zeros(canvas_shape, dtype=x.dtype)
    stamps = []
    for i in range(h):
        for j in range(w):
            contribution = np.zeros(canvas_shape, dtype=x.dtype)
            contribution[i * s[0]: i * s[0] + kh, j * s[1]: j * s[1] + kw] = kernel * x[i, j]
            canvas += contribution
            stamps.append(Stamp(i, j, x[i, j], _frozen(contribution)))
    output = canvas[p[0]: canvas_shape[0] - p[0], p[1]: canvas_shape[1] - p[1]].copy()
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
        When ``x`` does not hold real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> zero_insert(np.array([[1, 2], [3, 4]]), 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])

    The lecture's example again (3 x 3 kernel of ones, stride 2, padding 1): pad by ``3 - 1 - 1 = 1``, then convolve.

    >>> z = np.pad(zero_insert(np.array([[1, 2], [3, 4]]), 2), 1)
    >>> conv2d(z[None, None], np.ones((1, 1, 3, 3), dtype=int))[0, 0]
    array([[ 1,  3,  2],
           [ 4, 10,  6],
           [ 3,  7,  4]])
    """
    x = _real_array(x, "x")
    if x.ndim < 2 or x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have at least two axes (..., H, W) with H, W >= 1, given shape {x.shape}")
    s = _pair(stride, "stride", 1)
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
        When ``input_shape`` is not a pair of positive integers, ``kernel`` is not a non-empty 2-D array, the stride
        or padding is out of range, or the output would be empty.
    TypeError
        When the kernel does not hold real numbers.

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
    if not isinstance(input_shape, (tuple, list, np.ndarray)) or np.ndim(input_shape) != 1 or len(input_shape) != 2:
        raise ValueError(f"input_shape must be a pair of positive integers (H, W), given {input_shape!r}")
    h, w = _pair(input_shape, "input_shape", 1)
    kernel = _real_array(kernel, "kernel")
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"kernel must be a non-empty 2-D array (k_H, k_W), given shape {kernel.shape}")
    dtype = kernel.dtype if kernel.dtype.kind == "f" else np.dtype(np.float64)
    kernel = kernel.astype(dtype, copy=False)
    s = _pair(stride, "stride", 1)
    p = _pair(padding, "padding", 0)
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


# ---------------------------------------------------------------------------------------------------------------
# FCN's initialization


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
        In :func:`conv_transpose2d`'s (and ``ConvTranspose2d``'s) weight layout. **Off-diagonal convention**:
        ``weight[c, c]`` is the bilinear kernel and ``weight[c, o]`` for ``o != c`` is zero, so that output channel
        ``c`` is the upsampled input channel ``c`` and channels are never mixed, as in FCN's ``surgery.interp``.
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
    >>> ramp = np.tile(np.arange(4.0), (4, 1))[None, None]
    >>> conv_transpose2d(ramp, bilinear_kernel(1, 1, 4), stride=2, padding=1)[0, 0, 3, 1:7]
    array([0.25, 0.75, 1.25, 1.75, 2.25, 2.75])
    """
    c_in = _check_int(in_channels, "in_channels", minimum=1)
    c_out = _check_int(out_channels, "out_channels", minimum=1)
    k = _check_int(kernel_size, "kernel_size", minimum=1)
    if c_in != c_out:
        raise ValueError(f"in_channels must equal out_channels (the bilinear kernel sits on the diagonal: channel c "
                         f"is upsampled into channel c), given in_channels={c_in} and out_channels={c_out}")
    factor = (k + 1) // 2
    center = factor - 1 if k % 2 == 1 else factor - 0.5
    taps = 1 - np.abs(np.arange(k) - center) / factor
    weight = np.zeros((c_in, c_out, k, k), dtype=np.float64)
    weight[np.arange(c_in), np.arange(c_in)] = np.outer(taps, taps)
    return weight
