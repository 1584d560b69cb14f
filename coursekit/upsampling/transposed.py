"""The transposed convolution, as the lecture's stamps: its output size and :func:`conv_transpose2d`.

Every input pixel ``x[i, j]`` stamps the kernel, scaled by ``x[i, j]``, onto an output canvas at ``(i s, j s)``;
overlapping stamps are summed, ``p`` rows (columns) are cropped from each side and ``a`` given back at the bottom
(right). :func:`conv_transpose_output_size` is the one formula of the output size; :func:`conv_transpose2d`
validates its arguments and calls the fast kernel :func:`coursekit.upsampling._fast.conv_transpose2d` (one matrix
product gives every stamp); :func:`_conv_transpose2d_plain`, the same stamps one kernel tap at a time, is the plain
version it is tested equal to.

References
----------
.. [1] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015.
.. [2] V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285, 2016.
.. [3] A. Odena, V. Dumoulin, C. Olah, "Deconvolution and Checkerboard Artifacts", Distill, 2016.
"""

from __future__ import annotations

import numpy as np

from . import _fast
from ._validate import batch_and_weight, check_bias, check_output_padding, is_pair, pair, show

__all__ = ["conv_transpose_output_size", "conv_transpose2d"]


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
    TypeError
        When an argument is not an integer or a pair of integers.
    ValueError
        When an argument is out of its range or a pair of another length, when ``a >= max(s, d)``, or when the
        output would be empty (``p`` too large).

    Examples
    --------
    FCN's 2x upsampling (k = 4, s = 2, p = 1) doubles the size:

    >>> conv_transpose_output_size(32, kernel_size=4, stride=2, padding=1)
    64
    >>> conv_transpose_output_size((2, 3), kernel_size=3, stride=2, padding=1, output_padding=(0, 1))
    (3, 6)
    """
    i = pair(size, "size", 1)
    k = pair(kernel_size, "kernel_size", 1)
    s = pair(stride, "stride", 1)
    p = pair(padding, "padding", 0)
    a = pair(output_padding, "output_padding", 0)
    d = pair(dilation, "dilation", 1)
    check_output_padding(a, s, d)
    # the canvas has (i - 1) s + d (k - 1) + 1 pixels; p are cropped from both ends, a given back at the end
    out = tuple((i[ax] - 1) * s[ax] - 2 * p[ax] + d[ax] * (k[ax] - 1) + a[ax] + 1 for ax in (0, 1))
    if min(out) < 1:
        raise ValueError(
            f"the output would be empty: (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + "
            f"output_padding + 1 = {show(out)} for size={show(i)}, kernel_size={show(k)}, stride={show(s)}, "
            f"padding={show(p)}, output_padding={show(a)}, dilation={show(d)}; expected at least 1 "
            f"(reduce padding)")
    given_pairs = any(is_pair(v) for v in (size, kernel_size, stride, padding, output_padding, dilation))
    return out if given_pairs else out[0]



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
        When an array does not hold real numbers, or a stride, padding, output padding, dilation or ``groups`` is
        not an integer (or a pair of them).

    See Also
    --------
    coursekit.upsampling.views.stamp_steps : the same stamps one at a time, for a single channel.
    coursekit.upsampling.views.conv_transpose_matrix : the same map as a matrix ``C^T``.
    coursekit.upsampling.views.zero_insert : the same map as a convolution of the zero-inserted input.

    Notes
    -----
    The stamps in plain numpy (:func:`_conv_transpose2d_plain`): for each kernel tap ``(u, v)``, the tap of every
    pixel of the batch, ``sum_c x[n, c, i, j] weight[c, o, u, v]``, is added to one strided slice of the canvas,
    ``canvas[n, o, i s + u d, j s + v d]`` (Long et al. 2015: "backwards strided convolution"; Dumoulin & Visin 2016).
    This function computes the same with the fast kernel of :mod:`coursekit.upsampling._fast` (one matrix product
    gives every stamp; the loop runs over the taps or the pixels, whichever are fewer; large batches in chunks).
    Overlapping stamps are summed in the input's dtype.

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
    x4, weight, bias, groups, batched, dtype = batch_and_weight(x, weight, bias, groups,
                                                                "(C_in, C_out / groups, k_H, k_W)")
    s = pair(stride, "stride", 1)
    p = pair(padding, "padding", 0)
    a = pair(output_padding, "output_padding", 0)
    d = pair(dilation, "dilation", 1)
    n, c_in, h, w = x4.shape
    w_in, c_out_g, kh, kw = weight.shape
    if c_in != w_in:
        raise ValueError(f"x must have C_in = weight.shape[0] = {w_in} channels (weight is (C_in, C_out / groups, "
                         f"k_H, k_W) = {weight.shape}), given x of shape {x4.shape if batched else x4.shape[1:]} "
                         f"with {c_in} channels")
    if c_in % groups:
        raise ValueError(f"groups must divide the number of input channels C_in = weight.shape[0] = {c_in}, "
                         f"given groups={groups}")
    check_bias(bias, groups * c_out_g, "groups * weight.shape[1]")
    out_size = conv_transpose_output_size((h, w), (kh, kw), s, p, a, d)

    out = _fast.conv_transpose2d(x4.astype(dtype, copy=False), weight.astype(dtype, copy=False), s, p, d, groups,
                                 out_size)
    if bias is not None:
        out += bias.astype(dtype, copy=False)[:, None, None]
    return out if batched else out[0]


def _conv_transpose2d_plain(x, weight, stride, padding, dilation, groups, out_size) -> np.ndarray:
    """The stamps of :func:`conv_transpose2d` one kernel tap at a time, in plain numpy (no bias).

    On validated 4-D arrays of one dtype. Tap ``(u, v)`` of the kernel of every input pixel ``(i, j)`` lands on canvas
    pixel ``(i s + u d, j s + v d)``: for each group and tap, one strided slice of the canvas receives
    ``sum_c x[n, c, i, j] weight[c, o, u, v]`` for all images, output channels and pixels at once. The canvas holds
    every stamp whole, and the rows (columns) that ``output_padding`` adds beyond it; the output is the canvas
    cropped by the padding. :func:`coursekit.upsampling._fast.conv_transpose2d` computes the same, faster.
    """
    n, c_in, h, w = x.shape
    _, c_out_g, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = stride, padding, dilation, out_size
    c_in_g = c_in // groups
    canvas = np.zeros((n, groups * c_out_g, max((h - 1) * sh + dh * (kh - 1) + 1, ph + h_out),
                       max((w - 1) * sw + dw * (kw - 1) + 1, pw + w_out)), dtype=x.dtype)
    for g in range(groups):
        pixels = x[:, g * c_in_g: (g + 1) * c_in_g]
        kernels = weight[g * c_in_g: (g + 1) * c_in_g]
        group_canvas = canvas[:, g * c_out_g: (g + 1) * c_out_g]
        for u in range(kh):
            for v in range(kw):
                rows = slice(u * dh, u * dh + (h - 1) * sh + 1, sh)
                cols = slice(v * dw, v * dw + (w - 1) * sw + 1, sw)
                group_canvas[:, :, rows, cols] += np.einsum("ncij,co->noij", pixels, kernels[:, :, u, v])
    return canvas[:, :, ph: ph + h_out, pw: pw + w_out]
