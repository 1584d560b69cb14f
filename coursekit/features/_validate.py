"""Argument checks of the feature functions: filter responses and kernels as float arrays.

They follow the course's one rule and call its helpers (:mod:`coursekit._checks`, where the rule is written down):
``TypeError`` when the kind is wrong, ``ValueError`` when the kind is right but the value is not.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, check_finite

__all__ = ["as_float_array", "check_finite"]


def as_float_array(a, name: str) -> np.ndarray:
    """``a`` as a float64 array (bool read as 0 and 1); TypeError for data that are not real numbers.

    NaN and infinity are left for :func:`~coursekit._checks.check_finite`, called once the shape is known to be
    right, so that a wrong shape is reported first.
    """
    return as_real_array(a, name, bool_ok=True, finite=False)
