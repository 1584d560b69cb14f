"""Comparisons between a reference result and a student's result.

A comparison is a callable ``compare(expected, given) -> str | None``: None when the results agree, otherwise a
short description of the first difference in the student's terms (expected versus given shape and dtype, the first
mismatching index with both values). Results may be numbers, arrays, or tuples of them.

The student's result is always converted with ``numpy.asarray``, so an object that pretends to be equal to
everything (a custom ``__eq__``) is judged by its numbers, not by its own opinion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Comparison", "allclose", "exact"]


@dataclass(frozen=True)
class Comparison:
    """Compare numbers, arrays or tuples of them.

    Parameters
    ----------
    rtol, atol : float
        Tolerances of ``numpy.isclose``; ignored when ``exact``.
    exact : bool
        Values must be equal, and an integer result must be given as integers.
    names : tuple of str, optional
        Names of the parts of a tuple result ("precision", "recall", "f1"), used in messages.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    exact: bool = False
    names: tuple = ()

    def __call__(self, expected, given) -> str | None:
        if isinstance(expected, tuple):
            if given is None:
                return f"expected a tuple of {len(expected)} results, given None (did you forget `return`?)"
            if not isinstance(given, (tuple, list)):
                return f"expected a tuple of {len(expected)} results, given {_describe(given)}"
            if len(given) != len(expected):
                return f"expected a tuple of {len(expected)} results, given {len(given)}"
            for i, (e, g) in enumerate(zip(expected, given)):
                problem = self._one(e, g)
                if problem:
                    name = self.names[i] if i < len(self.names) else f"result [{i}]"
                    return f"in {name}: {problem}"
            return None
        return self._one(expected, given)

    def _one(self, expected, given) -> str | None:
        if given is None:
            return "your function returned None (did you forget `return`?)"
        exp = np.asarray(expected)
        try:
            got = np.asarray(given)
        except Exception as exc:  # noqa: BLE001 - any failure to convert is the student's
            return f"the result could not be turned into a numpy array ({type(exc).__name__}: {exc})"
        if got.dtype.kind not in "biuf":
            return f"expected numbers ({exp.dtype}), given {_describe(given)}"
        if exp.ndim == 0 and got.ndim != 0:
            return f"expected a single number, given an array of shape {got.shape}"
        if exp.ndim != 0 and got.ndim == 0:
            return f"expected an array of shape {exp.shape}, given a single number ({_fmt(got)})"
        if got.shape != exp.shape:
            return f"expected shape {exp.shape} and dtype {exp.dtype}, given shape {got.shape} and dtype {got.dtype}"
        if self.exact and exp.dtype.kind in "iu" and got.dtype.kind not in "iu":
            return f"expected integer values (dtype {exp.dtype}), given dtype {got.dtype}"
        if self.exact and exp.dtype.kind in "iu" and got.dtype != exp.dtype:
            return f"expected dtype {exp.dtype}, given dtype {got.dtype} (convert with .astype(np.{exp.dtype}))"
        if self.exact:
            mismatch = exp != got
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                mismatch = ~np.isclose(got.astype(np.float64), exp.astype(np.float64),
                                       rtol=self.rtol, atol=self.atol, equal_nan=True)
        if not np.any(mismatch):
            return None
        tol = "" if self.exact else f" (tolerance rtol={self.rtol:g}, atol={self.atol:g})"
        if exp.ndim == 0:
            e, g = _distinct(exp, got)
            return f"expected {e}, given {g}{tol}{_precision_note(exp, got)}"
        where = tuple(int(i) for i in np.argwhere(mismatch)[0])
        index = where[0] if len(where) == 1 else where
        count = int(np.count_nonzero(mismatch))
        e, g = _distinct(exp[where], got[where])
        return (f"{count} of {exp.size} entries differ{tol}; the first at index {index}: "
                f"expected {e}, given {g}{_precision_note(exp, got)}")


def _distinct(expected, given) -> tuple[str, str]:
    """Both values printed with as many digits as it takes to see that they differ (six, up to seventeen)."""
    e, g = np.asarray(expected), np.asarray(given)
    if e.dtype.kind in "iub" or g.dtype.kind in "iub":
        return _fmt(e), _fmt(g)
    for digits in (6, 9, 12, 17):
        a, b = _fmt(e, digits), _fmt(g, digits)
        if a != b:
            return a, b
    return a, b


def _precision_note(expected, given) -> str:
    """When a float result of lower precision than the reference's cannot reach the tolerance: say so."""
    e, g = np.asarray(expected), np.asarray(given)
    if e.dtype.kind == "f" and g.dtype.kind == "f" and g.dtype.itemsize < e.dtype.itemsize:
        return f"; your result is {g.dtype}, the reference's {e.dtype}: compute in {e.dtype}"
    return ""


def _fmt(value, digits: int = 6) -> str:
    value = np.asarray(value)
    if value.ndim == 0:
        v = value.item()
        if isinstance(v, float):
            return "nan" if np.isnan(v) else f"{v:.{digits}g}"
        return repr(v)
    return np.array2string(value, precision=6, threshold=20)


def _describe(obj) -> str:
    if isinstance(obj, np.ndarray):
        return f"an array of dtype {obj.dtype} and shape {obj.shape}"
    return f"an object of type {type(obj).__name__}"


def allclose(rtol: float = 1e-6, atol: float = 1e-9, names: tuple = ()) -> Comparison:
    """Numbers equal within ``numpy.isclose(rtol, atol)``; NaN must be matched by NaN."""
    if rtol < 0 or atol < 0:
        raise ValueError(f"tolerances must be non-negative, got rtol={rtol}, atol={atol}")
    return Comparison(rtol=rtol, atol=atol, exact=False, names=tuple(names))


def exact(names: tuple = ()) -> Comparison:
    """Values exactly equal, integers given as integers."""
    return Comparison(exact=True, names=tuple(names))
