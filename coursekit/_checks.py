"""Argument checks shared by coursekit's modules: what was expected, and what was given."""

from __future__ import annotations

import numbers

import numpy as np


def check_int(value, name: str, minimum: int) -> int:
    """``value`` as an int; TypeError when it is not an integer (bool is refused), ValueError below ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_int_value(value, name: str, minimum: int | None = None) -> int:
    """``value`` as a Python int; ValueError when it is not an integer (bool is refused) or below ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, given {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, given {value}")
    return value


def check_nonneg(value, name: str) -> float:
    """``value`` as a float; TypeError when it is not a real number, ValueError when negative or not finite."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def check_seed(seed, name: str = "seed") -> None:
    """A seed is None, a non-negative int, or a :class:`numpy.random.Generator`."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int or a numpy.random.Generator, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative int, got {seed}")


def rng(seed) -> np.random.Generator:
    """A generator from an int seed (or the generator itself, or fresh entropy for None)."""
    check_seed(seed)
    return np.random.default_rng(seed)
