"""Exercises of the transposed-convolution chapter (``04_transposed_convolution``).

Three exercises, in the order of the notebook: the output-size formula, a single-channel transposed convolution by
stamps, and the multi-channel, batched, strided one in PyTorch's layouts. Each is checked against
:mod:`coursekit.upsampling`.

Public cases are small and fixed: the lecture's worked example (input ``[[1, 2], [3, 4]]``, a 3 x 3 kernel of ones, at
stride 1, at stride 2, and at stride 2 cropped by padding 1) and the traps the chapter teaches: overlapping stamps
that must be summed, padding that is cropped from *both* sides (and ``padding=0``, where ``canvas[p:-p]`` is empty),
a stride larger than the kernel (gaps between the stamps), non-square inputs and kernels and kernels that are not
symmetric (a flipped or transposed kernel shows), ``C_in != C_out`` and batches (the weight layout
``(C_in, C_out, k_H, k_W)`` and the sum over input channels), output padding and dilation in the size formula, and an
empty output, which must raise ``ValueError``. Each case names its trap as its ``kind``. Hidden cases are random, and
every hidden set holds each kind of the public cases (and no other) with random sizes and values, so a submission's
hidden score does not depend on luck.
"""

from __future__ import annotations

import numpy as np

from .compare import allclose, exact
from .registry import Case, chapter

NOTEBOOK = "04_transposed_convolution"

#: The transposed convolution must be written from scratch: no coursekit.upsampling, no library convolution that does
#: the stamping (or the equivalent convolution of the zero-inserted input) for the student.
_FORBIDDEN = (
    "coursekit.upsampling",
    "torch.nn.functional.conv_transpose2d",
    "torch.conv_transpose2d",
    "torch.nn.ConvTranspose2d",
    "torch.nn.functional.conv2d",
    "torch.conv2d",
    "torch.nn.Conv2d",
    "torch.nn.grad.conv2d_input",
    "scipy.signal.convolve2d",
    "scipy.signal.correlate2d",
    "scipy.signal.convolve",
    "scipy.signal.fftconvolve",
    "scipy.signal.oaconvolve",
    "scipy.ndimage.convolve",
    "scipy.ndimage.correlate",
)

#: The lecture's worked example.
_LECTURE_X = np.array([[1.0, 2.0], [3.0, 4.0]])
_ONES3 = np.ones((3, 3))


# ---------------------------------------------------------------------------------------------------------------
# the reference of the single-channel exercise: coursekit.upsampling.conv_transpose2d on one image, one channel


def reference_single(x, kernel, stride=1, padding=0):
    """The single-channel transposed convolution of the 2-D ``x`` with the 2-D ``kernel`` (the reference of
    ``transposed_convolution.conv_transpose2d_single``): :func:`coursekit.upsampling.conv_transpose2d` on
    ``x[None, None]`` and ``kernel[None, None]``, first image and channel of the result.

    Examples
    --------
    >>> reference_single([[1.0, 2.0], [3.0, 4.0]], np.ones((3, 3)), stride=2, padding=1)
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    """
    from coursekit.upsampling import conv_transpose2d

    x, kernel = np.asarray(x), np.asarray(kernel)
    if x.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"x and kernel must be 2-D arrays, given shapes {x.shape} and {kernel.shape}")
    return conv_transpose2d(x[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]


# ---------------------------------------------------------------------------------------------------------------
# conv_transpose_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1)


def _size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1) -> int:
    """The reference's output size, or 0 where it raises because the output would be empty."""
    from coursekit.upsampling import conv_transpose_output_size

    try:
        return conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)
    except ValueError:
        return 0


def _public_sizes() -> list[Case]:
    return [
        Case((2, 3), label="the lecture's example: 2 pixels, kernel 3, stride 1 -> 4", kind="stride, no padding"),
        Case((2, 3), {"stride": 2}, label="the lecture's example at stride 2 -> 5", kind="stride, no padding"),
        Case((2, 3), {"stride": 2, "padding": 1}, label="the lecture's example at stride 2, padding 1 -> 3",
             kind="padding"),
        Case((7, 3), {"stride": 1, "padding": 1}, label="stride 1, padding 1: the size is kept", kind="padding"),
        Case((32, 4), {"stride": 2, "padding": 1}, label="FCN's 2x upsampling: kernel 4, stride 2, padding 1",
             kind="FCN upsampling"),
        Case((16, 64), {"stride": 32, "padding": 16}, label="FCN-32s: kernel 64, stride 32, padding 16",
             kind="FCN upsampling"),
        Case((3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, label="output_padding 1 adds one row",
             kind="output_padding"),
        Case((5, 3), {"dilation": 2}, label="dilation 2: the kernel spans 2 * (3 - 1) + 1 = 5 pixels", kind="dilation"),
        Case((4, 3), {"stride": 3, "padding": 2, "output_padding": 2, "dilation": 2},
             label="every argument at once", kind="dilation"),
        Case((1, 1), {"padding": 1}, label="padding crops everything: the output would be empty, raise ValueError",
             kind="raises: empty output"),
    ]


def _hidden_sizes(rng: np.random.Generator) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    size, k, s = r(1, 64), r(1, 7), r(2, 4)
    cases.append(Case((size, k), {"stride": s}, label=f"stride {s}, no padding", kind="stride, no padding"))
    size, k, s = r(2, 64), r(2, 7), r(1, 4)
    p = r(1, (k - 1) // 2 + 1)
    while _size(size, k, s, p) < 1:
        p -= 1  # stays >= 1: (size - 1) s - 2 + k >= 1 for size, k >= 2
    cases.append(Case((size, k), {"stride": s, "padding": p}, label=f"stride {s}, padding {p}", kind="padding"))
    size, k, s = r(1, 64), r(1, 7), r(2, 4)
    p, a = r(0, (k - 1) // 2), r(1, s - 1)
    cases.append(Case((size, k), {"stride": s, "padding": p, "output_padding": a},
                      label=f"stride {s}, output_padding {a}", kind="output_padding"))
    size, k, d = r(1, 64), r(2, 5), r(2, 4)
    s = r(1, 3)
    p, a = r(0, k - 1), r(0, max(s, d) - 1)
    cases.append(Case((size, k), {"stride": s, "padding": p, "output_padding": a, "dilation": d},
                      label=f"dilation {d} with stride {s}, padding {p}, output_padding {a}", kind="dilation"))
    f = int(rng.choice([4, 8, 16, 32]))
    size = r(4, 40)
    cases.append(Case((size, 2 * f), {"stride": f, "padding": f // 2}, label=f"FCN-style {f}x upsampling",
                      kind="FCN upsampling"))
    k = r(1, 4)
    cases.append(Case((1, k), {"stride": r(1, 4), "padding": k},
                      label="padding crops everything: the output would be empty, raise ValueError",
                      kind="raises: empty output"))
    for case in cases[:-1]:  # the generator keeps its promise: every other case has an output
        assert _size(*case.args, **case.kwargs) >= 1, case
    return cases


# ---------------------------------------------------------------------------------------------------------------
# conv_transpose2d_single(x, kernel, stride=1, padding=0)


def _max_padding(h, w, kh, kw, s) -> int:
    """The largest padding that leaves at least one output pixel in each dimension."""
    return (min((h - 1) * s + kh, (w - 1) * s + kw) - 1) // 2


def _public_single() -> list[Case]:
    rng = np.random.default_rng(404)  # fixed: these cases are public
    asym = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])  # 2 x 3, neither symmetric nor square
    return [
        Case((_LECTURE_X, _ONES3), {"stride": 1}, label="the lecture's example at stride 1: overlapping stamps add up",
             kind="overlap, no padding"),
        Case((_LECTURE_X, _ONES3), {"stride": 2}, label="the lecture's example at stride 2: a 5 x 5 canvas",
             kind="overlap, no padding"),
        Case((_LECTURE_X, _ONES3), {"stride": 2, "padding": 1},
             label="the lecture's example at stride 2, cropped by padding 1: 3 x 3", kind="padding"),
        Case((np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]]), asym), {},
             label="a 2 x 3 input and a 2 x 3 kernel that is not symmetric (defaults: stride 1, padding 0)",
             kind="non-square kernel"),
        Case((np.round(rng.normal(size=(3, 2)), 2), np.round(rng.normal(size=(2, 2)), 2)), {"stride": 3},
             label="stride 3 with a 2 x 2 kernel: gaps of zeros between the stamps", kind="gaps: stride > kernel"),
        Case((np.round(rng.normal(size=(4, 4)), 2), np.round(rng.normal(size=(3, 3)), 2)),
             {"stride": 1, "padding": 1}, label="stride 1, padding 1: the output keeps the input's size",
                                          kind="padding"),
        Case((np.round(rng.normal(size=(3, 4)), 2), np.round(rng.normal(size=(4, 3)), 2)),
             {"stride": 2, "padding": 2}, label="stride 2, padding 2 on a 3 x 4 input, 4 x 3 kernel", kind="padding"),
    ]


def _hidden_single(rng: np.random.Generator) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds

    def arrays(h, w, kh, kw):
        return rng.normal(size=(h, w)), rng.normal(size=(kh, kw))

    def padding_for(h, w, kh, kw, s, lo, hi):
        return r(lo, max(lo, min(hi, _max_padding(h, w, kh, kw, s))))

    cases = []
    h, w = r(2, 4), r(2, 4)
    x = rng.integers(-5, 10, size=(h, w)).astype(np.float64)
    cases.append(Case((x, np.ones((3, 3))), {"stride": 1},
                      label=f"a {h} x {w} input of integers, a 3 x 3 kernel of ones, stride 1: overlaps add up",
                      kind="overlap, no padding"))
    s = r(2, 3)
    h, w, kh, kw = r(2, 6), r(2, 6), r(s + 1, 5), r(s + 1, 5)
    while h == w:
        w = r(2, 6)
    cases.append(Case(arrays(h, w, kh, kw), {"stride": s},
                      label=f"stride {s}, a {kh} x {kw} kernel: overlapping stamps, no padding, non-square input",
                      kind="overlap, no padding"))
    s = r(2, 3)
    h, w, kh, kw = r(2, 6), r(2, 6), r(3, 5), r(3, 5)
    while kh == kw:
        kw = r(3, 5)
    p = padding_for(h, w, kh, kw, s, 1, min(kh, kw) - 1)
    cases.append(Case(arrays(h, w, kh, kw), {"stride": s, "padding": p},
                      label=f"stride {s}, padding {p}, a non-square {kh} x {kw} kernel", kind="non-square kernel"))
    s = r(3, 4)
    h, w, k = r(2, 5), r(2, 5), r(1, s - 1)
    cases.append(Case(arrays(h, w, k, k), {"stride": s},
                      label=f"stride {s} larger than the {k} x {k} kernel: gaps of zeros between the stamps",
                      kind="gaps: stride > kernel"))
    h, w, k = r(3, 8), r(3, 8), 2 * r(1, 2) + 1
    cases.append(Case(arrays(h, w, k, k), {"stride": 1, "padding": (k - 1) // 2},
                      label=f"stride 1, padding {(k - 1) // 2}, a {k} x {k} kernel: the output keeps the input's size",
                      kind="padding"))
    s = r(2, 4)
    h, w, kh, kw = r(4, 9), r(4, 9), r(2, 6), r(2, 6)
    p = padding_for(h, w, kh, kw, s, 2, max(kh, kw))
    cases.append(Case(arrays(h, w, kh, kw), {"stride": s, "padding": p},
                      label=f"a larger case: {h} x {w} input, {kh} x {kw} kernel, stride {s}, padding {p}",
                      kind="padding"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# conv_transpose2d(x, weight, stride=1, padding=0): NCHW, weight (C_in, C_out, k_H, k_W), groups=1, no bias


def _public_multi() -> list[Case]:
    rng = np.random.default_rng(4040)  # fixed: these cases are public
    normal = lambda *shape: np.round(rng.normal(size=shape), 2)  # noqa: E731
    return [
        Case((_LECTURE_X[None, None], _ONES3[None, None]), {"stride": 2, "padding": 1},
             label="the lecture's example as a batch of one 1-channel image: (1, 1, 2, 2) -> (1, 1, 3, 3)",
             kind="one image, one channel"),
        Case((normal(1, 2, 3, 3), normal(2, 3, 2, 2)), {},
             label="C_in = 2, C_out = 3: weight is (C_in, C_out, k_H, k_W); the input channels are summed",
             kind="C_in != C_out"),
        Case((normal(2, 3, 3, 4), normal(3, 2, 3, 3)), {"stride": 2, "padding": 1},
             label="a batch of 2 images, C_in = 3, C_out = 2, stride 2, padding 1", kind="batch"),
        Case((normal(1, 2, 4, 4), normal(2, 2, 4, 4)), {"stride": 2, "padding": 1},
             label="C_in = C_out = 2 (a swapped weight layout gives no error, only wrong numbers), FCN's k=4, s=2, "
                   "p=1", kind="C_in = C_out"),
        Case((normal(1, 1, 3, 2), normal(1, 2, 2, 3)), {"stride": 3},
             label="stride 3 with a 2 x 3 kernel: gaps between the stamps", kind="gaps: stride > kernel"),
    ]


def _hidden_multi(rng: np.random.Generator) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds

    def arrays(n, c_in, c_out, h, w, kh, kw):
        return rng.normal(size=(n, c_in, h, w)), rng.normal(size=(c_in, c_out, kh, kw))

    cases = []
    h, w = r(2, 3), r(2, 3)
    x = rng.integers(-5, 10, size=(1, 1, h, w)).astype(np.float64)
    cases.append(Case((x, np.ones((1, 1, 3, 3))), {"stride": 2, "padding": 1},
                      label=f"one {h} x {w} image of integers, a 3 x 3 kernel of ones, stride 2, padding 1",
                      kind="one image, one channel"))
    c_in = r(2, 4)
    c_out = r(1, 4)
    while c_out == c_in:
        c_out = r(1, 4)
    h, w, k = r(2, 5), r(2, 5), r(2, 4)
    cases.append(Case(arrays(1, c_in, c_out, h, w, k, k), {},
                      label=f"C_in = {c_in}, C_out = {c_out}: the input channels are summed (stride 1)",
                      kind="C_in != C_out"))
    n, c_in, c_out, s = r(2, 3), r(1, 3), r(1, 3), r(2, 3)
    h, w, kh, kw = r(2, 5), r(2, 5), r(2, 5), r(2, 5)
    p = r(1, max(1, min(min(kh, kw) - 1, _max_padding(h, w, kh, kw, s))))
    cases.append(Case(arrays(n, c_in, c_out, h, w, kh, kw), {"stride": s, "padding": p},
                      label=f"a batch of {n} images, C_in = {c_in}, C_out = {c_out}, stride {s}, padding {p}",
                      kind="batch"))
    c, f = r(2, 3), r(2, 3)
    h, w = r(2, 5), r(2, 5)
    cases.append(Case(arrays(1, c, c, h, w, 2 * f, 2 * f), {"stride": f, "padding": f // 2},
                      label=f"C_in = C_out = {c} (a swapped weight layout gives wrong numbers), kernel {2 * f}, "
                            f"stride {f}, padding {f // 2}", kind="C_in = C_out"))
    s = r(3, 4)
    kh, kw = r(1, s - 1), r(1, s - 1)
    cases.append(Case(arrays(r(1, 2), r(1, 2), r(1, 3), r(2, 4), r(2, 4), kh, kw), {"stride": s},
                      label=f"stride {s} larger than the {kh} x {kw} kernel: gaps between the stamps",
                      kind="gaps: stride > kernel"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# the exercises

exercise = chapter(NOTEBOOK, forbidden=_FORBIDDEN)

exercise(
    id="transposed_convolution.conv_transpose_output_size", function="conv_transpose_output_size",
    reference="coursekit.upsampling.conv_transpose_output_size", public=_public_sizes, hidden=_hidden_sizes,
    compare=exact(), points=1,
    hint="the canvas has (size - 1) * stride + dilation * (kernel_size - 1) + 1 pixels; padding is cropped from "
         "both ends (2 * padding) and output_padding is added at the end. Return an int, and raise ValueError when "
         "the result is smaller than 1.",
)

exercise(
    id="transposed_convolution.conv_transpose2d_single", function="conv_transpose2d_single",
    reference="coursekit.grading.ch04_transposed_convolution.reference_single",
    public=_public_single, hidden=_hidden_single,
    compare=allclose(rtol=1e-7, atol=1e-9), points=2,
    hint="start from a canvas of zeros with (H - 1) * stride + k_H rows and (W - 1) * stride + k_W columns; every "
         "input pixel adds x[i, j] * kernel to canvas[i * stride : i * stride + k_H, j * stride : j * stride + k_W] "
         "(+=, so that overlapping stamps add up); then crop padding from all four sides with "
         "canvas[p : rows - p, p : cols - p] (canvas[p:-p] is empty when p = 0).",
)

exercise(
    id="transposed_convolution.conv_transpose2d", function="conv_transpose2d",
    reference="coursekit.upsampling.conv_transpose2d", public=_public_multi, hidden=_hidden_multi,
    compare=allclose(rtol=1e-7, atol=1e-9),
    points=3,
    hint="x is (N, C_in, H, W) and weight is (C_in, C_out, k_H, k_W): input channel c stamps weight[c, o] onto "
         "output channel o, and the stamps of all input channels are summed, for each image of the batch. Loop "
         "over the kernel taps (u, v): tap (u, v) of every pixel (i, j) lands on canvas pixel (i * s + u, j * s + v), "
         "so canvas[:, :, u : u + (H - 1) * s + 1 : s, v : v + (W - 1) * s + 1 : s] += "
         "np.einsum('nchw,co->nohw', x, weight[:, :, u, v]); crop the padding last.",
)


# ---------------------------------------------------------------------------------------------------------------
# the demo's partially correct submission: the size formula right, the single-channel stamps with a plausible
# mistake, and the multi-channel exercise left as the submitted stub. `coursekit samples` builds it from the
# released notebook.

PARTIAL_SAMPLE = {
    "correct": ("conv_transpose_output_size",),
    "wrong": {
        "conv_transpose2d_single": '''def conv_transpose2d_single(x, kernel, stride=1, padding=0):
    """Single-channel transposed convolution."""
    # Mistake: `=` instead of `+=`, so each stamp overwrites where stamps overlap instead of adding up.
    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    (h, w), (kh, kw) = x.shape, kernel.shape
    canvas = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw))
    for i in range(h):
        for j in range(w):
            canvas[i * stride: i * stride + kh, j * stride: j * stride + kw] = x[i, j] * kernel
    return canvas[padding: canvas.shape[0] - padding, padding: canvas.shape[1] - padding]''',
    },
}
