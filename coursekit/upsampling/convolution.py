"""The convolution of deep learning (a cross-correlation), whose transpose (its adjoint) is the transposed
convolution: :func:`conv2d`, as ``torch.nn.functional.conv2d``.

It is the second view of a transposed convolution (the zero-inserted input convolved with the flipped kernel,
:func:`coursekit.upsampling.zero_insert`) and the one whose matrix ``C`` is transposed
(:func:`coursekit.upsampling.conv_transpose_matrix`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import batch_and_weight, check_bias, pair, show

__all__ = ["conv2d"]


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """2-D convolution (cross-correlation, as in deep learning), as ``torch.nn.functional.conv2d``.

    ``out[n, o, y, z] = bias[o] + sum_{c, u, v} x_p[n, c, y s + u d, z s + v d] * weight[o, c, u, v]`` with ``x_p``
    the input zero-padded by ``p`` on each side and ``c`` running over the input channels of the group of ``o``.
    :func:`coursekit.upsampling.conv_transpose2d` with the same ``weight`` is its adjoint (its transpose).

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
        :func:`coursekit.upsampling.conv_transpose2d` (``float32`` stays ``float32``).

    Raises
    ------
    ValueError
        When ``x`` is not 3-D or 4-D or has no pixel, ``weight`` is not 4-D or has an empty dimension, ``x`` does not
        have ``groups * weight.shape[1]`` channels, ``groups`` does not divide ``C_out``, the bias is not ``C_out``
        long, an argument is out of range, ``padding="same"`` comes with a stride, or the dilated kernel is larger
        than the padded input.
    TypeError
        When an array does not hold real numbers, or a stride, padding, dilation or ``groups`` is not an integer (or
        a pair of them; for the padding, or the names "valid" and "same").

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

    >>> from coursekit.upsampling import conv_transpose2d
    >>> rng = np.random.default_rng(0)
    >>> w, y = rng.normal(size=(3, 1, 2, 2)), rng.normal(size=(1, 3, 2, 2))
    >>> lhs = np.vdot(conv2d(x, w, stride=2), y)
    >>> rhs = np.vdot(x, conv_transpose2d(y, w, stride=2))
    >>> bool(np.isclose(lhs, rhs))
    True
    """
    x4, weight, bias, groups, batched, dtype = batch_and_weight(x, weight, bias, groups,
                                                                "(C_out, C_in / groups, k_H, k_W)")
    s = pair(stride, "stride", 1)
    d = pair(dilation, "dilation", 1)
    n, c_in, h, w = x4.shape
    c_out, c_in_g, kh, kw = weight.shape
    span = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if s != (1, 1):
                raise ValueError(f"padding='same' needs stride 1 (the output keeps the input's size), given "
                                 f"stride={show(s)}")
            pads = tuple((t // 2, t - t // 2) for t in (span[0] - 1, span[1] - 1))
        else:
            raise ValueError(f"padding must be an integer, a pair of integers, 'valid' or 'same', given {padding!r}")
    else:
        p = pair(padding, "padding", 0)
        pads = ((p[0], p[0]), (p[1], p[1]))
    if c_in != groups * c_in_g:
        raise ValueError(f"x must have C_in = groups * weight.shape[1] = {groups} * {c_in_g} = {groups * c_in_g} "
                         f"channels (weight is (C_out, C_in / groups, k_H, k_W) = {weight.shape}), given x of shape "
                         f"{x4.shape if batched else x4.shape[1:]} with {c_in} channels")
    if c_out % groups:
        raise ValueError(f"groups must divide the number of output channels C_out = weight.shape[0] = {c_out}, "
                         f"given groups={groups}")
    check_bias(bias, c_out, "weight.shape[0]")
    padded = (h + sum(pads[0]), w + sum(pads[1]))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise ValueError(f"the (dilated) kernel must fit in the padded input: the padded input has "
                         f"{padded[0]} x {padded[1]} pixels, the kernel spans {span[0]} x {span[1]} (kernel "
                         f"{kh} x {kw}, dilation={show(d)}); increase padding or use a smaller kernel")

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

