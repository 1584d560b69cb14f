"""Speed for the transposed convolution: every stamp from one matrix product, placed by strided additions.

:func:`coursekit.upsampling.conv_transpose2d` validates its arguments, then calls :func:`conv_transpose2d` here: the
arrays are assumed valid (4-D, one dtype, channels and groups that agree). It computes what the plain version
:func:`coursekit.upsampling.transposed._conv_transpose2d_plain` computes (one ``einsum`` a kernel tap and group), and
is tested equal to it (``tests/test_upsampling.py``); ``benchmarks/bench_upsampling.py`` is where its speed is judged.

1. One matrix product per group gives every stamp of every pixel of the batch at once: ``W_g^T X_g``, with ``W_g``
   the ``(C_in / G, (C_out / G) k_H k_W)`` weight matrix and ``X_g`` the ``(C_in / G, N H W)`` pixels, laid out as
   ``(C_out, k_H, k_W, N, H, W)``.
2. A loop over the ``k_H k_W`` kernel taps only: tap ``(u, v)`` of every pixel ``(i, j)`` lands on canvas pixel
   ``(i s + u d, j s + v d)``, one strided slice of the canvas, added for the whole batch at once.

When the input has fewer pixels than the kernel has taps (``H W < k_H k_W``: a coarse score map upsampled by a large
kernel, such as FCN-32s's 64 x 64 at stride 32) the roles swap: the product is ``X^T W`` and the loop runs over the
``H W`` pixels, each adding its whole stamp. The loop is never longer than ``min(k_H k_W, H W)``. Large batches are
processed in chunks, so that the stamps take at most :data:`STAMP_BUDGET_BYTES` at a time.
"""

from __future__ import annotations

import numpy as np

#: The stamps are computed for at most this many bytes at a time (a chunk of the batch); a single image that needs
#: more is computed at once.
STAMP_BUDGET_BYTES = 32 * 2**20


def conv_transpose2d(x, weight, stride, padding, dilation, groups, out_size) -> np.ndarray:
    """The stamps of :func:`coursekit.upsampling.conv_transpose2d` on validated 4-D arrays of one dtype (no bias).

    ``stride``, ``padding``, ``dilation`` and ``out_size`` are pairs of ints, ``out_size`` the output size
    (:func:`coursekit.upsampling.conv_transpose_output_size`). Equal to
    :func:`coursekit.upsampling.transposed._conv_transpose2d_plain` up to rounding.
    """
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
        chunk = int(max(1, min(n, STAMP_BUDGET_BYTES // (groups * taps * hw * x.dtype.itemsize))))
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

