"""Argument checks of every coursekit module: one rule, and messages that say what was expected and what was given.

The rule
--------
As numpy and scikit-learn do:

- ``TypeError`` when the **kind** of an argument is wrong: not array-like where an array goes (``None``, a str, a
  dict), an array of things that are not real numbers (strings, objects, complex numbers; bools too, unless the
  function says it reads them as 0 and 1, as images and masks do), not a number where a number goes (a str,
  ``None``, a bool), not an integer where an int goes (``2.0``, ``True``), not ``True`` or ``False`` where a flag
  goes, not a str where a name goes.
- ``ValueError`` when the kind is right but the **value** is not: a shape, a number of dimensions or a size (an
  empty array, nested lists of different lengths); a dtype of numbers the function cannot use (float labels where
  integer labels go, with a hint to convert them); NaN or infinity; a number out of its range (negative, zero,
  above the number of points); a label outside ``0 .. k - 1``; a str that names none of the choices.

Every message names the argument, says what was expected and what was given (its type, value, shape or dtype, and
where an array goes wrong, the index of the first bad entry). The course's conventions are checked here once (a
point set ``(N, D)``, an image in [0, 1], labels, a seed); checks that belong to one chapter (a graph, a contour,
cluster centres) stay next to it and call these helpers. Never a bare ``assert``.

Examples
--------
>>> check_int(3, "k", 1)
3
>>> check_int(2.0, "k", 1)
Traceback (most recent call last):
    ...
TypeError: k must be an int, given float 2.0
>>> check_int(0, "k", 1)
Traceback (most recent call last):
    ...
ValueError: k must be at least 1, given 0
>>> as_real_array([[0.0, 1.0], [float("nan"), 2.0]], "X")
Traceback (most recent call last):
    ...
ValueError: X must hold finite numbers, given nan at index (1, 0)
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_nonneg",
    "check_positive",
    "check_bool",
    "check_choice",
    "check_seed",
    "rng",
    "first_index",
    "as_real_array",
    "check_finite",
    "as_int_array",
    "as_points",
    "as_image",
]


# ---------------------------------------------------------------------------------------------------------------
# scalars


def _given(value) -> str:
    """``float 2.0``: the type and the value of an argument, for a message."""
    return f"{type(value).__name__} {value!r}"


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_int(value, name: str, minimum: int | None = None) -> int:
    """``value`` as a Python int: TypeError unless an integer (a bool is refused), ValueError below ``minimum``."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, given {_given(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, given {value}")
    return value


def _number(value, name: str) -> float:
    """``value`` as a float; TypeError unless a real number (a bool is refused)."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, given {_given(value)}")
    return float(value)


def check_real(value, name: str) -> float:
    """A finite real number, as a float; ValueError for NaN or infinity."""
    number = _number(value, name)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, given {value}")
    return number


def check_nonneg(value, name: str) -> float:
    """A finite real number ``>= 0`` (a tolerance, a weight), as a float."""
    number = _number(value, name)
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, given {value}")
    return number


def check_positive(value, name: str) -> float:
    """A finite real number ``> 0`` (a bandwidth, a scale), as a float."""
    number = _number(value, name)
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, given {value}")
    return number


def check_bool(value, name: str, none: bool = False) -> bool | None:
    """True or False (or None when ``none``); TypeError for anything else, 0 and 1 included."""
    if none and value is None:
        return None
    if _is_bool(value):
        return bool(value)
    expected = "True, False or None" if none else "True or False"
    raise TypeError(f"{name} must be {expected}, given {_given(value)}")


def check_choice(value, name: str, choices) -> str:
    """One of the names ``choices``: TypeError when ``value`` is not a str, ValueError when it names none of them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {list(choices)}, given {_given(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, given {value!r}")
    return value


def check_seed(seed, name: str = "seed") -> None:
    """A seed is None, a non-negative int, or a :class:`numpy.random.Generator`."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if _is_bool(seed) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int or a numpy.random.Generator, given {_given(seed)}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative int, given {seed}")


def rng(seed) -> np.random.Generator:
    """A generator from an int seed (or the generator itself, or fresh entropy for None)."""
    check_seed(seed)
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------------------------
# arrays


def first_index(bad: np.ndarray) -> str:
    """Where the first True of ``bad`` is (C order), for a message: ``"3"`` in 1-D, ``"(0, 1)"`` otherwise."""
    flat = int(np.argmax(bad.ravel()))
    if bad.ndim == 0:
        return "()"
    pos = tuple(int(i) for i in np.unravel_index(flat, bad.shape))
    return str(pos[0]) if len(pos) == 1 else str(pos)


def _asarray(value, name: str) -> np.ndarray:
    """``np.asarray(value)``; TypeError for None or a str, ValueError for nested lists of different lengths."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, given {type(value).__name__}")
    try:
        return np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array, given a ragged sequence ({error})") from None


def check_finite(arr: np.ndarray, name: str) -> None:
    """ValueError naming the first NaN or infinity of the float array ``arr``."""
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} must hold finite numbers, given {arr[bad][0]} at index {first_index(bad)}")


def as_real_array(value, name: str, *, bool_ok: bool = False, finite: bool = True) -> np.ndarray:
    """``value`` as a float64 array of real numbers (the input itself is never modified).

    TypeError for something that is not an array of real numbers (None, a str, strings, objects, complex numbers;
    bools unless ``bool_ok``, which reads them as 0 and 1); ValueError for a ragged sequence and, when ``finite``,
    for NaN or infinity.
    """
    arr = _asarray(value, name)
    kinds = "biuf" if bool_ok else "iuf"
    if arr.dtype.kind not in kinds:
        expected = "an integer, float or bool dtype" if bool_ok else "an integer or float dtype"
        raise TypeError(f"{name} must be an array of real numbers ({expected}), given dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if finite:
        check_finite(arr, name)
    return arr


def as_int_array(value, name: str, what: str = "integer labels", *, bool_ok: bool = False) -> np.ndarray:
    """``value`` as an int64 array of integers (labels, indices); the input itself is never modified.

    TypeError for data that are not real numbers (strings, objects, complex numbers); ValueError for numbers of a
    dtype that is not integer (floats, even whole ones, with a hint to convert them; bools unless ``bool_ok``, which
    reads them as 0 and 1) and for unsigned integers beyond the int64 range.
    """
    arr = _asarray(value, name)
    kind = arr.dtype.kind
    expected = "an integer or bool dtype" if bool_ok else "an integer dtype"
    if kind not in "biuf":
        raise TypeError(f"{name} must hold {what} ({expected}), given dtype {arr.dtype}")
    if kind == "f" or (kind == "b" and not bool_ok):
        hint = ""
        if kind == "f" and arr.size and np.isnan(arr).any():
            hint = f", with NaN at index {first_index(np.isnan(arr))}"
        elif kind == "f":
            hint = f"; if the values are whole numbers, convert them with {name.split('[')[0]}.astype(np.int64)"
        raise ValueError(f"{name} must hold {what} ({expected}), given dtype {arr.dtype}{hint}")
    if kind == "u" and arr.dtype.itemsize == 8 and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        bad = arr > np.iinfo(np.int64).max
        raise ValueError(f"{name} must hold {what}, given {int(arr[bad][0])} at index {first_index(bad)}, beyond "
                         f"the range of int64")
    return arr.astype(np.int64, copy=False)


def as_points(X, name: str = "X") -> np.ndarray:
    """A point set as a C-contiguous float64 ``(N, D)`` array with ``N, D >= 1``."""
    arr = as_real_array(X, name)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 3:
            hint = f"; for an image of shape (H, W, C) pass {name}.reshape(-1, C)"
        elif arr.ndim == 1:
            hint = f"; for N scalar values pass {name}.reshape(-1, 1)"
        raise ValueError(f"{name} must be a 2-D array of points of shape (N, D), given shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of at least one coordinate, given shape {arr.shape}")
    return np.ascontiguousarray(arr)


def as_image(image, name: str = "image", gray_only: bool = False) -> np.ndarray:
    """A course image: float64 in [0, 1], ``(H, W)`` grey or ``(H, W, 3)`` RGB (only grey when ``gray_only``).

    TypeError for data that are not real numbers (bools are read as 0 and 1); ValueError for another shape (with a
    hint for RGB where grey goes and for an alpha channel), an empty image, NaN or infinity, values outside [0, 1]
    (with a hint for 8-bit images).
    """
    arr = as_real_array(image, name, bool_ok=True, finite=False)
    expected = "a 2-D (H, W) grey image" if gray_only else "a (H, W) grey or (H, W, 3) RGB image"
    if gray_only and arr.ndim == 3 and arr.shape[-1] == 3:
        raise ValueError(f"{name} must be {expected}, given an RGB image of shape {arr.shape}; convert it with "
                         f"skimage.color.rgb2gray first")
    if arr.ndim == 3 and arr.shape[-1] == 4 and not gray_only:
        raise ValueError(f"{name} must be {expected}, given shape {arr.shape} (4 channels); drop the alpha channel "
                         f"with {name}[..., :3]")
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] == 3 and not gray_only)):
        raise ValueError(f"{name} must be {expected}, given an array of shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, given shape {arr.shape}")
    check_finite(arr, name)
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        bad = (arr < 0.0) | (arr > 1.0)
        raise ValueError(f"{name} must have values in [0, 1], given {arr[bad][0]} at index {first_index(bad)} "
                         f"(range [{lo}, {hi}]); for an 8-bit image use skimage.util.img_as_float")
    return arr
