"""Argument checks of the transposed convolution and its views: sizes given as one int or a pair, and arrays.

The course's one rule (as numpy and scikit-learn): ``TypeError`` when the kind is wrong (not an integer where a size
goes, a str, an array that does not hold real numbers); ``ValueError`` when the kind is right but the value is not
(a pair of three values, a negative padding, a wrong number of dimensions or channels). Single integers are checked by
:func:`coursekit._checks.check_int`; :func:`pair` is here because ``coursekit._checks`` has no check of "an integer
or a pair ``(height, width)`` of them". Every message says what was expected and what was given.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_int

AXES = ("height", "width")


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair ``(height, width)`` of ints as a pair of Python ints, each at least ``minimum``."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(value)
        if len(items) != 2:
            raise ValueError(f"{name} must be an integer or a pair of integers (height, width), given {value!r} "
                             f"with {len(items)} values")
    else:
        items = [value, value]
    if not all(isinstance(item, numbers.Integral) and not isinstance(item, (bool, np.bool_)) for item in items):
        raise TypeError(f"{name} must be an integer or a pair of integers (height, width), given {value!r}")
    if min(items) < minimum:
        what = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {what}, given {value!r}")
    return int(items[0]), int(items[1])


def is_pair(value) -> bool:
    """Whether a size argument was given as a pair (then the result is a pair too)."""
    return isinstance(value, (tuple, list, np.ndarray)) and np.ndim(value) == 1


def show(values: tuple[int, int]):
    """A pair as it is printed in messages: ``2`` when both values agree, else ``(2, 3)``."""
    return values[0] if values[0] == values[1] else values


def check_output_padding(output_padding, stride, dilation) -> None:
    """PyTorch's rule: in each dimension ``output_padding < stride`` or ``output_padding < dilation``."""
    for axis, a, s, d in zip(AXES, output_padding, stride, dilation):
        if a >= max(s, d):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation in each dimension (as PyTorch requires), "
                f"given output_padding={show(output_padding)}, stride={show(stride)}, dilation={show(dilation)}: "
                f"in {axis}, output_padding {a} is not smaller than max(stride, dilation) = {max(s, d)}")


def real_array(value, name: str) -> np.ndarray:
    """``value`` as an array of real numbers (bool, integer or float dtype); TypeError otherwise."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (a bool, integer or float dtype), given dtype {arr.dtype}")
    return arr


def result_dtype(x: np.ndarray, *others: np.ndarray | None) -> np.dtype:
    """The dtype of the result: that of ``x`` when it is a float; else the float dtype of the weight and bias;
    else int64 (integer and bool inputs are summed exactly)."""
    if x.dtype.kind == "f":
        return x.dtype
    floats = [a.dtype for a in others if a is not None and a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.int64)


def batch_and_weight(x, weight, bias, groups, layout: str):
    """Validated ``(x4, weight, bias, groups, batched, dtype)`` for conv2d and conv_transpose2d: ``x`` 3-D or 4-D
    (``x4`` always 4-D), the weight 4-D in ``layout``, neither empty."""
    x = real_array(x, "x")
    weight = real_array(weight, "weight")
    if x.ndim not in (3, 4):
        raise ValueError(f"x must be a 4-D array (N, C_in, H, W), or 3-D (C_in, H, W) for one image, given a "
                         f"{x.ndim}-D array of shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"weight must be a 4-D array {layout}, given a {weight.ndim}-D array of shape "
                         f"{weight.shape}")
    groups = check_int(groups, "groups", 1)
    batched = x.ndim == 4
    x4 = x if batched else x[None]
    if x4.shape[2] == 0 or x4.shape[3] == 0:
        raise ValueError(f"x must have at least one row and one column (H, W >= 1), given shape {x.shape}")
    if min(weight.shape) == 0:
        raise ValueError(f"weight {layout} must have no empty dimension, given shape {weight.shape}")
    if bias is not None:
        bias = real_array(bias, "bias")
    return x4, weight, bias, groups, batched, result_dtype(x, weight, bias)


def check_bias(bias: np.ndarray | None, c_out: int, how: str) -> None:
    """None, or a 1-D array of ``c_out`` values (``how`` says where ``C_out`` comes from)."""
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise ValueError(f"bias must be a 1-D array of C_out = {how} = {c_out} values, given shape {bias.shape}")


def image_and_kernel(x, kernel, x_name: str = "x"):
    """A 2-D image and a 2-D kernel, both non-empty, as arrays of one dtype (int64 when both are integers)."""
    x = real_array(x, x_name)
    kernel = real_array(kernel, "kernel")
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"{x_name} must be a non-empty 2-D array (H, W), given shape {x.shape}")
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"kernel must be a non-empty 2-D array (k_H, k_W), given shape {kernel.shape}")
    if x.dtype.kind == "f" or kernel.dtype.kind == "f":
        dtype = np.result_type(*(a.dtype for a in (x, kernel) if a.dtype.kind == "f"))
    else:
        dtype = np.dtype(np.int64)
    return x.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
