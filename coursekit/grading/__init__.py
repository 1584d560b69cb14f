"""Grading helpers: the exercise registry and ``check``.

Notebook test cells call :func:`check`; the grader reads the same registry. See :mod:`coursekit.grading.registry`.
"""

from .check import SEED_ENV, CheckFailed, check, grading_seed, hint
from .registry import Case, Exercise, exercises, get_exercise

__all__ = ["check", "hint", "CheckFailed", "SEED_ENV", "grading_seed", "Case", "Exercise", "exercises", "get_exercise"]
