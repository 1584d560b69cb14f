"""Grading helpers: the exercise registry, ``check``, and the grader.

Notebook test cells call :func:`check`; demonstrations that compare a student's function with the reference call
:func:`agrees`, which judges the same way. The grader reads the same registry. See :mod:`coursekit.grading.registry`.
"""

from .check import SEED_ENV, CheckFailed, agrees, check, grading_seed, hint
from .registry import Case, Exercise, exercises, get_exercise

__all__ = ["check", "agrees", "hint", "CheckFailed", "SEED_ENV", "grading_seed", "Case", "Exercise", "exercises",
           "get_exercise"]
