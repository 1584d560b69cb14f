"""Tests of coursekit.upsampling.

Expected values come from PyTorch (``torch.nn.functional.conv_transpose2d``, ``conv2d`` and ``interpolate``: an
independent implementation), from the lecture's worked example written out by hand below, from formulas written out
here, or from identities between independent functions (the adjoint identity, the zero-insertion view, the matrix of
``conv2d`` applied to unit vectors); never from the code under test.
"""

from __future__ import annotations

import doctest
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from coursekit import upsampling as U
from coursekit.upsampling import _fast, transposed

torch.set_num_threads(1)

TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-5)}


def _arg(rng, pair):
    """A pair as PyTorch takes it: sometimes one int (when both agree), sometimes a tuple."""
    pair = tuple(int(v) for v in pair)
    return pair[0] if pair[0] == pair[1] and rng.random() < 0.5 else pair


def _torch_or_error(fn):
    """(result as numpy, None) or (None, the exception) of a torch call."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # padding='same' with even kernels warns about a copy
            return fn().numpy(), None
    except RuntimeError as exc:
        return None, exc


# ---------------------------------------------------------------------------------------------------------------
# random sweeps against PyTorch


def _transposed_case(rng, dtype):
    groups = int(rng.integers(1, 4))
    # mostly valid channel counts; sometimes C_in not divisible by groups, sometimes x with the wrong channel count
    c_in = groups * int(rng.integers(1, 3)) if rng.random() < 0.85 else int(rng.integers(1, 7))
    x_channels = c_in if rng.random() < 0.95 else c_in + 1
    c_out_g = int(rng.integers(1, 3))
    n = int(rng.integers(1, 4))
    h, w = (int(v) for v in rng.integers(1, 8, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
    stride = rng.integers(1, 4, size=2)
    dilation = rng.integers(1, 4, size=2)
    padding = rng.integers(0, 3, size=2)
    # output_padding below max(stride, dilation); sometimes equal to it in one dimension (invalid: PyTorch raises)
    output_padding = [int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation)]
    if rng.random() < 0.1:
        axis = int(rng.integers(0, 2))
        output_padding[axis] = int(max(stride[axis], dilation[axis]))
    x = rng.standard_normal((n, x_channels, h, w)).astype(dtype)
    weight = rng.standard_normal((c_in, c_out_g, kh, kw)).astype(dtype)
    bias = rng.standard_normal(groups * c_out_g).astype(dtype) if rng.random() < 0.5 else None
    kwargs = dict(stride=_arg(rng, stride), padding=_arg(rng, padding), output_padding=_arg(rng, output_padding),
                  dilation=_arg(rng, dilation), groups=groups)
    return x, weight, bias, kwargs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_transpose2d_matches_torch_on_random_cases(dtype):
    rng = np.random.default_rng(20151 if dtype is np.float64 else 20152)
    checked = rejected = 0
    for case in range(300):
        x, weight, bias, kwargs = _transposed_case(rng, dtype)
        expected, error = _torch_or_error(lambda: F.conv_transpose2d(
            torch.from_numpy(x), torch.from_numpy(weight), None if bias is None else torch.from_numpy(bias),
            **kwargs))
        where = f"case {case}: x {x.shape}, weight {weight.shape}, bias {bias is not None}, {kwargs}"
        # PyTorch's float32 (oneDNN) path returns an empty output where its float64 path raises "Output size is too
        # small"; an empty output is refused, in both dtypes (conv_transpose_output_size requires at least 1)
        if error is not None or (expected.size == 0 and 0 in expected.shape[2:]):
            # exactly the combinations PyTorch refuses (output_padding, channels, groups, empty output) are refused
            with pytest.raises(ValueError):
                U.conv_transpose2d(x, weight, bias, **kwargs)
            rejected += 1
            continue
        got = U.conv_transpose2d(x, weight, bias, **kwargs)
        assert got.dtype == dtype, where
        assert got.shape == expected.shape, where
        np.testing.assert_allclose(got, expected, **TOL[dtype], err_msg=where)
        # the output-size formula agrees with PyTorch's shape
        size = U.conv_transpose_output_size(x.shape[2:], weight.shape[2:], kwargs["stride"], kwargs["padding"],
                                            kwargs["output_padding"], kwargs["dilation"])
        assert size == expected.shape[2:], where
        checked += 1
    print(f"{checked} cases agree with PyTorch, {rejected} refused by both")
    assert checked > 150 and rejected > 20  # both kinds are really exercised


def _conv_case(rng, dtype):
    groups = int(rng.integers(1, 4))
    c_in_g = int(rng.integers(1, 3))
    c_out = groups * int(rng.integers(1, 3)) if rng.random() < 0.9 else int(rng.integers(1, 7))
    x_channels = groups * c_in_g if rng.random() < 0.95 else groups * c_in_g + 1
    n = int(rng.integers(1, 4))
    h, w = (int(v) for v in rng.integers(1, 8, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
    stride = rng.integers(1, 4, size=2)
    dilation = rng.integers(1, 4, size=2)
    r = rng.random()
    padding = "same" if r < 0.1 else "valid" if r < 0.15 else _arg(rng, rng.integers(0, 3, size=2))
    if padding == "same" and rng.random() < 0.7:
        stride = np.ones(2, int)  # 'same' is only valid at stride 1; keep a few strided ones (PyTorch refuses)
    if rng.random() < 0.8:  # mostly shrink the kernel to fit the padded input; else PyTorch often refuses
        pad = (0, 0) if isinstance(padding, str) else np.broadcast_to(padding, 2)
        kh, kw = (int(min(k, (size + 2 * p - 1) // d + 1)) for k, size, p, d in zip((kh, kw), (h, w), pad, dilation))
    x = rng.standard_normal((n, x_channels, h, w)).astype(dtype)
    weight = rng.standard_normal((c_out, c_in_g, kh, kw)).astype(dtype)
    bias = rng.standard_normal(c_out).astype(dtype) if rng.random() < 0.5 else None
    kwargs = dict(stride=_arg(rng, stride), padding=padding, dilation=_arg(rng, dilation), groups=groups)
    return x, weight, bias, kwargs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv2d_matches_torch_on_random_cases(dtype):
    rng = np.random.default_rng(31 if dtype is np.float64 else 32)
    checked = rejected = 0
    for case in range(300):
        x, weight, bias, kwargs = _conv_case(rng, dtype)
        expected, error = _torch_or_error(lambda: F.conv2d(
            torch.from_numpy(x), torch.from_numpy(weight), None if bias is None else torch.from_numpy(bias),
            **kwargs))
        where = f"case {case}: x {x.shape}, weight {weight.shape}, bias {bias is not None}, {kwargs}"
        if error is not None:
            with pytest.raises(ValueError):
                U.conv2d(x, weight, bias, **kwargs)
            rejected += 1
            continue
        got = U.conv2d(x, weight, bias, **kwargs)
        assert got.dtype == dtype, where
        assert got.shape == expected.shape, where
        np.testing.assert_allclose(got, expected, **TOL[dtype], err_msg=where)
        checked += 1
    print(f"{checked} cases agree with PyTorch, {rejected} refused by both")
    assert checked > 150 and rejected > 20


def test_one_image_zero_images_and_dtypes():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)  # one image (C_in, H, W)
    w = rng.standard_normal((3, 2, 3, 3))                  # float64 weight: the result stays float32
    got = U.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w.astype(np.float32)), stride=2, padding=1,
                                  output_padding=1).numpy()
    assert got.dtype == np.float32 and got.shape == expected.shape == (2, 8, 10)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    got2 = U.conv2d(x, w.transpose(1, 0, 2, 3), padding=1)
    assert got2.dtype == np.float32 and got2.shape == (2, 4, 5)
    # an empty batch has PyTorch's shape
    empty = U.conv_transpose2d(np.zeros((0, 3, 4, 5)), w, stride=2)
    assert empty.shape == F.conv_transpose2d(torch.zeros(0, 3, 4, 5, dtype=torch.float64), torch.from_numpy(w),
                                             stride=2).shape
    # integers are summed exactly, in int64
    xi = rng.integers(-5, 6, size=(2, 3, 4, 4))
    wi = rng.integers(-3, 4, size=(3, 2, 2, 2))
    got_i = U.conv_transpose2d(xi, wi, stride=2)
    assert got_i.dtype == np.int64
    expected_i = F.conv_transpose2d(torch.from_numpy(xi).double(), torch.from_numpy(wi).double(), stride=2).numpy()
    np.testing.assert_array_equal(got_i, expected_i.astype(np.int64))


@pytest.mark.parametrize("size, kernel", [((6, 5), (3, 2)),    # more pixels than taps: the loop runs over the taps
                                          ((2, 3), (4, 5))])   # fewer: the loop runs over the pixels
def test_batch_processed_in_chunks(monkeypatch, size, kernel):
    """A tiny budget makes conv_transpose2d compute the stamps one image at a time; the result is unchanged."""
    monkeypatch.setattr(_fast, "STAMP_BUDGET_BYTES", 1)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 4, *size))
    w = rng.standard_normal((4, 3, *kernel))
    b = rng.standard_normal(6)
    kwargs = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2), groups=2)
    got = U.conv_transpose2d(x, w, b, **kwargs)
    expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_large_kernel_on_a_coarse_map():
    """FCN-32s-like: a 3 x 2 score map upsampled 8 times by a 16 x 16 bilinear kernel (stride 8, padding 4)."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 5, 3, 2)).astype(np.float32)
    w = U.bilinear_kernel(5, 5, 16)
    got = U.conv_transpose2d(x, w, stride=8, padding=4)
    assert got.shape == (2, 5, 24, 16) and got.dtype == np.float32
    expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w.astype(np.float32)), stride=8,
                                  padding=4).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# the fast kernel equals the plain stamps


def _kernel_args(rng, dtype):
    """Valid arguments of the kernels: 4-D arrays of one dtype, pairs, and the output size."""
    groups = int(rng.integers(1, 4))
    c_in, c_out_g = groups * int(rng.integers(1, 3)), int(rng.integers(1, 3))
    n = int(rng.integers(0, 4))
    h, w = (int(v) for v in rng.integers(1, 7, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 7, size=2))  # sometimes more taps than pixels: the loop over pixels
    s, d = tuple(int(v) for v in rng.integers(1, 4, size=2)), tuple(int(v) for v in rng.integers(1, 3, size=2))
    p = tuple(int(v) for v in rng.integers(0, 3, size=2))
    a = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d))
    try:
        out = U.conv_transpose_output_size((h, w), (kh, kw), s, p, a, d)
    except ValueError:  # the padding crops everything: none
        p = (0, 0)
        out = U.conv_transpose_output_size((h, w), (kh, kw), s, p, a, d)
    if dtype is np.int64:
        x, weight = rng.integers(-5, 6, size=(n, c_in, h, w)), rng.integers(-3, 4, size=(c_in, c_out_g, kh, kw))
    else:
        x = rng.standard_normal((n, c_in, h, w)).astype(dtype)
        weight = rng.standard_normal((c_in, c_out_g, kh, kw)).astype(dtype)
    return x, weight, s, p, d, groups, out


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("budget", [None, 1])  # None: the default budget; 1: one image at a time
def test_fast_kernel_equals_the_plain_stamps(monkeypatch, dtype, budget):
    if budget is not None:
        monkeypatch.setattr(_fast, "STAMP_BUDGET_BYTES", budget)
    rng = np.random.default_rng(404)
    for _ in range(150):
        args = _kernel_args(rng, dtype)
        fast, plain = _fast.conv_transpose2d(*args), transposed._conv_transpose2d_plain(*args)
        assert fast.dtype == plain.dtype == dtype and fast.shape == plain.shape, args[2:]
        if dtype is np.int64:
            np.testing.assert_array_equal(fast, plain)
        else:
            np.testing.assert_allclose(fast, plain, **TOL[dtype], err_msg=str(args[2:]))


# ---------------------------------------------------------------------------------------------------------------
# the identities of the lecture


def test_adjoint_identity_on_random_shapes():
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>, output_padding chosen so that the shapes match."""
    rng = np.random.default_rng(6)
    for _ in range(40):
        groups = int(rng.integers(1, 4))
        c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        n = int(rng.integers(1, 3))
        k = rng.integers(1, 5, size=2)
        s, p, d = rng.integers(1, 4, size=2), rng.integers(0, 3, size=2), rng.integers(1, 3, size=2)
        size = d * (k - 1) + 1 + rng.integers(0, 7, size=2)  # large enough for the kernel
        x = rng.standard_normal((n, c_in, *size))
        w = rng.standard_normal((c_out, c_in // groups, *k))
        y_shape = U.conv2d(x, w, stride=tuple(s), padding=tuple(p), dilation=tuple(d), groups=groups).shape
        y = rng.standard_normal(y_shape)
        a = (size + 2 * p - d * (k - 1) - 1) % s
        back = U.conv_transpose2d(y, w, stride=tuple(s), padding=tuple(p), output_padding=tuple(a),
                                  dilation=tuple(d), groups=groups)
        assert back.shape == x.shape
        lhs = np.vdot(U.conv2d(x, w, stride=tuple(s), padding=tuple(p), dilation=tuple(d), groups=groups), y)
        rhs = np.vdot(x, back)
        assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


# the lecture's worked example, computed by hand: input [[1, 2], [3, 4]], 3 x 3 kernel of ones
LECTURE_X = np.array([[1, 2], [3, 4]])
LECTURE_STRIDE_1 = np.array([[1, 3, 3, 2],
                             [4, 10, 10, 6],
                             [4, 10, 10, 6],
                             [3, 7, 7, 4]])
LECTURE_STRIDE_2 = np.array([[1, 1, 3, 2, 2],
                             [1, 1, 3, 2, 2],
                             [4, 4, 10, 6, 6],
                             [3, 3, 7, 4, 4],
                             [3, 3, 7, 4, 4]])
LECTURE_STRIDE_2_PADDING_1 = np.array([[1, 3, 2],
                                       [4, 10, 6],
                                       [3, 7, 4]])


@pytest.mark.parametrize("stride, padding, expected", [(1, 0, LECTURE_STRIDE_1), (2, 0, LECTURE_STRIDE_2),
                                                       (2, 1, LECTURE_STRIDE_2_PADDING_1)])
def test_lecture_worked_example(stride, padding, expected):
    ones = np.ones((3, 3), dtype=int)
    steps = U.stamp_steps(LECTURE_X, ones, stride=stride, padding=padding)
    np.testing.assert_array_equal(steps.output, expected)
    got = U.conv_transpose2d(LECTURE_X[None, None], ones[None, None], stride=stride, padding=padding)
    np.testing.assert_array_equal(got[0, 0], expected)
    via_torch = F.conv_transpose2d(torch.tensor(LECTURE_X[None, None], dtype=torch.float64),
                                   torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=stride, padding=padding)
    np.testing.assert_array_equal(via_torch.numpy()[0, 0], expected)  # the hand-written numbers are PyTorch's too
    # the zero-insertion view: pad by k - 1 - p, convolve with the (symmetric) kernel
    z = np.pad(U.zero_insert(LECTURE_X, stride), 3 - 1 - padding)
    np.testing.assert_array_equal(U.conv2d(z[None, None], ones[None, None])[0, 0], expected)


def test_stamp_steps_parts():
    steps = U.stamp_steps(LECTURE_X, np.ones((3, 3), dtype=int), stride=2, padding=1)
    np.testing.assert_array_equal(steps.canvas, LECTURE_STRIDE_2)
    assert [(i, j, int(v)) for i, j, v, _ in steps.stamps] == [(0, 0, 1), (0, 1, 2), (1, 0, 3), (1, 1, 4)]
    # pixel (1, 0) = 3 stamps a 3 x 3 block of 3s with its corner at (2, 0); the canvas is 5 x 5, uncropped
    expected = np.zeros((5, 5), dtype=int)
    expected[2:5, 0:3] = 3
    np.testing.assert_array_equal(steps.stamps[2].contribution, expected)
    np.testing.assert_array_equal(sum(stamp.contribution for stamp in steps.stamps), steps.canvas)
    assert steps.stamps[2].i == 1 and steps.stamps[2].j == 0 and steps.stamps[2].value == 3
    with pytest.raises(ValueError):
        steps.canvas[0, 0] = 7  # read-only
    with pytest.raises(AttributeError):
        steps.output = None  # frozen

    # a non-square input and kernel, pair arguments, floats: against torch
    rng = np.random.default_rng(7)
    x, k = rng.standard_normal((3, 4)), rng.standard_normal((2, 3))
    steps = U.stamp_steps(x, k, stride=(2, 1), padding=(1, 0))
    assert steps.canvas.shape == ((3 - 1) * 2 + 2, (4 - 1) * 1 + 3)
    expected = F.conv_transpose2d(torch.from_numpy(x[None, None]), torch.from_numpy(k[None, None]), stride=(2, 1),
                                  padding=(1, 0)).numpy()[0, 0]
    np.testing.assert_allclose(steps.output, expected, rtol=1e-12, atol=1e-12)


def test_zero_insert_by_hand():
    np.testing.assert_array_equal(U.zero_insert(LECTURE_X, 2), [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    np.testing.assert_array_equal(U.zero_insert(LECTURE_X, (1, 3)), [[1, 0, 0, 2], [3, 0, 0, 4]])
    np.testing.assert_array_equal(U.zero_insert(LECTURE_X, 1), LECTURE_X)
    batch = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    z = U.zero_insert(batch, 3)
    assert z.shape == (2, 3, 4, 4) and z.dtype == np.float32
    np.testing.assert_array_equal(z[..., ::3, ::3], batch)
    assert z.sum() == batch.sum()


def _pad_or_crop(a, axis, before, after):
    """Zero-pad ``before``/``after`` entries along ``axis``, or crop where they are negative."""
    pad = [(0, 0)] * a.ndim
    pad[axis] = (max(before, 0), max(after, 0))
    a = np.pad(a, pad)
    index = [slice(None)] * a.ndim
    index[axis] = slice(max(-before, 0), a.shape[axis] - max(-after, 0))
    return a[tuple(index)]


def test_zero_insert_view_equals_conv_transpose2d():
    """Insert s - 1 zeros, pad by d (k - 1) - p (plus output_padding at the end), convolve (stride 1) with the
    flipped kernel whose channel axes are swapped."""
    rng = np.random.default_rng(8)
    for _ in range(40):
        groups = int(rng.integers(1, 3))
        c_in, c_out_g = groups * int(rng.integers(1, 3)), int(rng.integers(1, 3))
        k, s, d = rng.integers(1, 5, size=2), rng.integers(1, 4, size=2), rng.integers(1, 3, size=2)
        p = rng.integers(0, 4, size=2)
        a = np.array([rng.integers(0, max(si, di)) for si, di in zip(s, d)])
        size = rng.integers(1, 6, size=2)
        if np.any((size - 1) * s - 2 * p + d * (k - 1) + a + 1 < 1):
            continue
        x = rng.standard_normal((2, c_in, *size))
        w = rng.standard_normal((c_in, c_out_g, *k))
        z = U.zero_insert(x, tuple(s))
        for axis in (0, 1):
            before = d[axis] * (k[axis] - 1) - p[axis]
            z = _pad_or_crop(z, 2 + axis, before, before + a[axis])
        flipped = (w.reshape(groups, c_in // groups, c_out_g, *k).swapaxes(1, 2)
                   .reshape(groups * c_out_g, c_in // groups, *k)[..., ::-1, ::-1])
        via_zeros = U.conv2d(z, flipped, dilation=tuple(d), groups=groups)
        direct = U.conv_transpose2d(x, w, stride=tuple(s), padding=tuple(p), output_padding=tuple(a),
                                    dilation=tuple(d), groups=groups)
        assert via_zeros.shape == direct.shape
        np.testing.assert_allclose(via_zeros, direct, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("shape, kernel_shape, stride, padding", [
    ((2, 2), (3, 3), 1, 0), ((2, 2), (3, 3), 2, 1), ((3, 4), (2, 3), (2, 1), (0, 1)), ((4, 3), (4, 4), 2, 1),
    ((1, 1), (2, 2), 3, 0), ((3, 3), (1, 1), 2, 0)])
def test_conv_transpose_matrix_is_transpose_of_conv_matrix(shape, kernel_shape, stride, padding):
    rng = np.random.default_rng(9)
    kernel = rng.standard_normal(kernel_shape)
    ct = U.conv_transpose_matrix(shape, kernel, stride=stride, padding=padding)
    h_out, w_out = U.conv_transpose_output_size(shape, kernel_shape, stride, padding)
    assert ct.shape == (h_out * w_out, shape[0] * shape[1])
    # C: conv2d applied to the unit images of the H_out x W_out space; row m of the stack is C e_m, column m of C
    units = np.eye(h_out * w_out).reshape(h_out * w_out, 1, h_out, w_out)
    c_columns = U.conv2d(units, kernel[None, None], stride=stride, padding=padding)
    assert c_columns.shape[2:] == shape
    c = c_columns.reshape(h_out * w_out, -1).T  # (H W, H_out W_out)
    np.testing.assert_allclose(ct, c.T, rtol=1e-12, atol=1e-12)
    # C^T x is the transposed convolution (PyTorch's)
    x = rng.standard_normal(shape)
    expected = F.conv_transpose2d(torch.from_numpy(x[None, None]), torch.from_numpy(kernel[None, None]),
                                  stride=stride, padding=padding).numpy()[0, 0]
    np.testing.assert_allclose((ct @ x.ravel()).reshape(h_out, w_out), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# FCN's bilinear kernel


def _upsample_filt(size):
    """FCN's surgery.upsample_filt, written out again here."""
    factor = (size + 1) // 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    og = np.ogrid[:size, :size]
    return (1 - abs(og[0] - center) / factor) * (1 - abs(og[1] - center) / factor)


def test_bilinear_kernel_values():
    # by hand: k = 4 -> factor 2, centre 1.5 -> [1/4, 3/4, 3/4, 1/4]; k = 3 -> factor 2, centre 1 -> [1/2, 1, 1/2]
    np.testing.assert_allclose(U.bilinear_kernel(1, 1, 4)[0, 0], np.outer([.25, .75, .75, .25], [.25, .75, .75, .25]))
    np.testing.assert_allclose(U.bilinear_kernel(1, 1, 3)[0, 0], np.outer([.5, 1, .5], [.5, 1, .5]))
    np.testing.assert_allclose(U.bilinear_kernel(1, 1, 2)[0, 0], np.full((2, 2), .25))
    np.testing.assert_allclose(U.bilinear_kernel(1, 1, 1)[0, 0], [[1.0]])
    for k in range(1, 9):
        weight = U.bilinear_kernel(3, 3, k)
        assert weight.shape == (3, 3, k, k) and weight.dtype == np.float64
        for i in range(3):
            for j in range(3):
                expected = _upsample_filt(k) if i == j else np.zeros((k, k))  # off-diagonal pairs are zero
                np.testing.assert_allclose(weight[i, j], expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_bilinear_kernel_upsamples_a_ramp_linearly(factor):
    """Stride f, kernel 2f - f % 2, padding ceil((f - 1) / 2): f times the size, and in the interior the bilinear
    interpolation of a linear ramp, which is linear: value (o + 1/2) / f - 1/2 at output column o."""
    k, pad = 2 * factor - factor % 2, factor // 2  # factor // 2 == ceil((factor - 1) / 2)
    h, w = 6, 7
    # channel 0 rises along the columns (x[i, j] = j), channel 1 along the rows (x[i, j] = 2 i)
    x = np.stack([np.broadcast_to(np.arange(w), (h, w)), np.broadcast_to(2 * np.arange(h)[:, None], (h, w))])
    x = x[None].astype(np.float64)
    out = U.conv_transpose2d(x, U.bilinear_kernel(2, 2, k), stride=factor, padding=pad)
    assert out.shape == (1, 2, factor * h, factor * w)
    inner = slice(factor, -factor)
    o_cols, o_rows = np.arange(factor * w), np.arange(factor * h)
    np.testing.assert_allclose(out[0, 0, inner, inner],
                               np.broadcast_to((o_cols[inner] + 0.5) / factor - 0.5, out[0, 0, inner, inner].shape),
                               atol=1e-12)
    np.testing.assert_allclose(out[0, 1, inner, inner],
                               np.broadcast_to(2 * ((o_rows[inner, None] + 0.5) / factor - 0.5),
                                               out[0, 1, inner, inner].shape), atol=1e-12)
    # linear: zero second differences along the ramp, constant across it
    assert np.abs(np.diff(out[0, 0, inner, inner], n=2, axis=1)).max() < 1e-12
    assert np.abs(np.diff(out[0, 0, inner, inner], axis=0)).max() < 1e-12
    # and PyTorch's bilinear interpolation agrees in the interior
    bilinear = F.interpolate(torch.from_numpy(x), scale_factor=factor, mode="bilinear",
                             align_corners=False).numpy()
    np.testing.assert_allclose(out[..., inner, inner], bilinear[..., inner, inner], atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# output sizes and errors


def test_conv_transpose_output_size_by_hand():
    assert U.conv_transpose_output_size(32, 4, stride=2, padding=1) == 64      # 31 * 2 - 2 + 3 + 1
    assert U.conv_transpose_output_size(2, 3) == 4                              # the lecture, stride 1
    assert U.conv_transpose_output_size(2, 3, stride=2) == 5                    # stride 2
    assert U.conv_transpose_output_size(2, 3, stride=2, padding=1) == 3         # and padding 1
    assert U.conv_transpose_output_size(16, 64, stride=32, padding=16) == 512   # FCN-32s: 15 * 32 - 32 + 63 + 1
    assert U.conv_transpose_output_size(5, 3, stride=2, padding=1, output_padding=1) == 10
    assert U.conv_transpose_output_size(4, 3, dilation=3, output_padding=2) == 3 + 6 + 2 + 1
    assert U.conv_transpose_output_size((2, 3), (3, 1), stride=(1, 2)) == (4, 5)
    assert U.conv_transpose_output_size(3, (2, 2)) == (4, 4)
    assert isinstance(U.conv_transpose_output_size(3, 2), int)


def test_conv_transpose_output_size_errors():
    with pytest.raises(ValueError, match=r"output_padding must be smaller than stride or dilation.*given "
                                         r"output_padding=2, stride=2, dilation=1"):
        U.conv_transpose_output_size(4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"in width, output_padding 1 is not smaller than max\(stride, dilation\) "
                                         r"= 1"):
        U.conv_transpose_output_size(4, 3, stride=(2, 1), output_padding=(1, 1))
    with pytest.raises(ValueError, match=r"the output would be empty: .* = -1 .*expected at least 1"):
        U.conv_transpose_output_size(1, 1, padding=1)
    with pytest.raises(ValueError, match=r"size must be positive, given 0"):
        U.conv_transpose_output_size(0, 3)
    with pytest.raises(ValueError, match=r"padding must be non-negative, given -1"):
        U.conv_transpose_output_size(3, 3, padding=-1)
    with pytest.raises(TypeError, match=r"stride must be an integer or a pair of integers \(height, width\), given "
                                        r"1.5"):
        U.conv_transpose_output_size(3, 3, stride=1.5)
    with pytest.raises(TypeError, match=r"padding must be an integer or a pair"):
        U.conv_transpose_output_size(3, 3, padding="1")
    with pytest.raises(TypeError, match=r"dilation must be an integer or a pair"):
        U.conv_transpose_output_size(3, 3, dilation=(1, True))
    with pytest.raises(ValueError, match=r"given \(1, 2, 3\) with 3 values"):
        U.conv_transpose_output_size(3, (1, 2, 3))
    with pytest.raises(ValueError, match=r"dilation must be positive, given 0"):
        U.conv_transpose_output_size(3, 3, dilation=0)


def test_conv_transpose2d_errors():
    x = np.zeros((2, 4, 3, 3))
    w = np.zeros((4, 3, 2, 2))
    with pytest.raises(ValueError, match=r"output_padding must be smaller than stride or dilation.*given "
                                         r"output_padding=2, stride=2, dilation=1"):
        U.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"x must have C_in = weight.shape\[0\] = 4 channels .*\(4, 3, 2, 2\).*given "
                                         r"x of shape \(2, 3, 3, 3\) with 3 channels"):
        U.conv_transpose2d(x[:, :3], w)
    with pytest.raises(ValueError, match=r"groups must divide the number of input channels C_in = weight.shape\[0\] "
                                         r"= 4, given groups=3"):
        U.conv_transpose2d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"x must be a 4-D array \(N, C_in, H, W\), or 3-D .*given a 2-D array of "
                                         r"shape \(3, 3\)"):
        U.conv_transpose2d(x[0, 0], w)
    with pytest.raises(ValueError, match=r"weight must be a 4-D array \(C_in, C_out / groups, k_H, k_W\), given a "
                                         r"3-D array"):
        U.conv_transpose2d(x, w[0])
    with pytest.raises(ValueError, match=r"padding must be non-negative, given -1"):
        U.conv_transpose2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"bias must be a 1-D array of C_out = groups \* weight.shape\[1\] = 3 "
                                         r"values, given shape \(4,\)"):
        U.conv_transpose2d(x, w, bias=np.zeros(4))
    with pytest.raises(ValueError, match=r"bias must be a 1-D array .* given shape \(1, 3\)"):
        U.conv_transpose2d(x, w, bias=np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"the output would be empty: .* = 0 for size=1, kernel_size=2, stride=1, "
                                         r"padding=1.*expected at least 1"):
        U.conv_transpose2d(x[..., :1, :1], w, padding=1)
    with pytest.raises(ValueError, match=r"x must have at least one row and one column"):
        U.conv_transpose2d(x[..., :0], w)
    with pytest.raises(ValueError, match=r"weight .* must have no empty dimension, given shape \(4, 0, 2, 2\)"):
        U.conv_transpose2d(x, w[:, :0])
    with pytest.raises(ValueError, match=r"groups must be .*1, g.* 0"):
        U.conv_transpose2d(x, w, groups=0)
    with pytest.raises(TypeError, match=r"groups must be an int"):
        U.conv_transpose2d(x, w, groups=1.0)
    with pytest.raises(TypeError, match=r"stride must be an integer or a pair"):
        U.conv_transpose2d(x, w, stride=2.0)
    with pytest.raises(ValueError, match=r"stride must be positive, given 0"):
        U.conv_transpose2d(x, w, stride=0)
    with pytest.raises(TypeError, match=r"x must hold real numbers .*given dtype complex128"):
        U.conv_transpose2d(x.astype(complex), w)


def test_conv2d_errors():
    x = np.zeros((2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"x must have C_in = groups \* weight.shape\[1\] = 1 \* 2 = 2 channels .*"
                                         r"given x of shape \(2, 4, 3, 3\) with 4 channels"):
        U.conv2d(x, np.zeros((6, 2, 2, 2)))
    with pytest.raises(ValueError, match=r"groups must divide the number of output channels C_out = "
                                         r"weight.shape\[0\] = 5, given groups=2"):
        U.conv2d(x, np.zeros((5, 2, 2, 2)), groups=2)
    with pytest.raises(ValueError, match=r"the \(dilated\) kernel must fit in the padded input: the padded input has "
                                         r"3 x 3 pixels, the kernel spans 4 x 4"):
        U.conv2d(x, np.zeros((6, 4, 2, 2)), dilation=3)
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1.*given stride=2"):
        U.conv2d(x, np.zeros((6, 4, 2, 2)), padding="same", stride=2)
    with pytest.raises(ValueError, match=r"padding must be an integer, a pair of integers, 'valid' or 'same', given "
                                         r"'full'"):
        U.conv2d(x, np.zeros((6, 4, 2, 2)), padding="full")
    with pytest.raises(ValueError, match=r"bias must be a 1-D array of C_out = weight.shape\[0\] = 6 values"):
        U.conv2d(x, np.zeros((6, 4, 2, 2)), bias=np.zeros(5))


def test_other_errors():
    with pytest.raises(ValueError, match=r"in_channels must equal out_channels .*given in_channels=2 and "
                                         r"out_channels=3"):
        U.bilinear_kernel(2, 3, 4)
    with pytest.raises(ValueError, match=r"kernel_size must be .*1, g.* 0"):
        U.bilinear_kernel(1, 1, 0)
    with pytest.raises(TypeError, match=r"kernel_size must be an int"):
        U.bilinear_kernel(1, 1, 4.0)
    with pytest.raises(ValueError, match=r"x must be a non-empty 2-D array \(H, W\), given shape \(1, 2, 2\)"):
        U.stamp_steps(LECTURE_X[None], np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"kernel must be a non-empty 2-D array"):
        U.stamp_steps(LECTURE_X, np.ones(3))
    with pytest.raises(ValueError, match=r"the output would be empty: .* = -1 for size=2, kernel_size=3, stride=2, "
                                         r"padding=3"):
        U.stamp_steps(LECTURE_X, np.ones((3, 3)), stride=2, padding=3)
    with pytest.raises(ValueError, match=r"x must have at least two axes .*given shape \(3,\)"):
        U.zero_insert(np.ones(3), 2)
    with pytest.raises(ValueError, match=r"stride must be positive, given 0"):
        U.zero_insert(LECTURE_X, 0)
    with pytest.raises(TypeError, match=r"input_shape must be a pair of positive integers \(H, W\), given 4"):
        U.conv_transpose_matrix(4, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"input_shape must be an integer or a pair .* with 3 values"):
        U.conv_transpose_matrix((4, 4, 4), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"the output would be empty"):
        U.conv_transpose_matrix((1, 1), np.ones((1, 1)), padding=1)


# ---------------------------------------------------------------------------------------------------------------
# the module itself


def test_every_public_function_has_examples():
    # the examples themselves run in tests/test_doctests.py, with every module's
    finder = doctest.DocTestFinder()
    for name in U.__all__:
        if name not in ("Stamp", "StampSteps"):
            assert any(test.examples for test in finder.find(getattr(U, name))), name


def test_public_names():
    assert set(U.__all__) == {"conv_transpose_output_size", "conv_transpose2d", "conv2d", "stamp_steps", "Stamp",
                              "StampSteps", "zero_insert", "conv_transpose_matrix", "bilinear_kernel"}
    for name in U.__all__:
        assert getattr(U, name).__doc__


def test_import_needs_only_numpy():
    code = ("import sys, coursekit.upsampling; "
            "print(sorted(m for m in ('torch', 'scipy', 'sklearn', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
