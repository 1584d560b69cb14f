"""``check``: run a student's function on an exercise's cases and compare with the reference.

The notebook's test cells only call::

    check("metrics.iou_per_class", iou_per_class)               # visible cases
    check("metrics.iou_per_class", iou_per_class, hidden=True)  # hidden cases (grading)

Hidden cases are random, drawn from the grading seed that the grader gives in the environment variable
``COURSEKIT_GRADING_SEED`` (see :data:`SEED_ENV`). Without it (a student or instructor running the solution) a fresh
seed is drawn from the operating system each time, so no seed is ever a constant of the course.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import secrets
import sys
import warnings
import zlib
from dataclasses import dataclass

import numpy as np

from .cleanroom import Recorder, call, decode_result
from .registry import Case, Exercise, get_exercise
from .verdict import allowed_text, forbidden_specs, judge, reference_result, short

__all__ = ["check", "agrees", "hint", "CheckFailed", "SEED_ENV", "grading_seed", "case_rng", "CaseOutcome", "run_cases"]

#: Environment variable that holds the grading seed of the hidden cases (an integer, or any text, which is hashed).
SEED_ENV = "COURSEKIT_GRADING_SEED"


class CheckFailed(AssertionError):
    """A student's function disagreed with the reference. IPython shows only the message, not our traceback."""

    def _render_traceback_(self):  # IPython hook: the lines shown in place of a traceback
        return ["\x1b[31mCheckFailed\x1b[0m: " + str(self).splitlines()[0]] + str(self).splitlines()[1:]


def grading_seed(environ=None) -> int | None:
    """The grading seed from ``COURSEKIT_GRADING_SEED``, or None when it is not set.

    An integer is used as it is; any other text is hashed (SHA-256) to an integer, so instructors may use a phrase.
    """
    import os

    raw = (os.environ if environ is None else environ).get(SEED_ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        return int.from_bytes(hashlib.sha256(raw.encode()).digest()[:8], "little")
    if value < 0:
        raise ValueError(f"{SEED_ENV} must be a non-negative integer or a phrase, got {raw!r}")
    return value


def case_rng(exercise_id: str, seed: int) -> np.random.Generator:
    """The generator of an exercise's hidden cases: one stream per (seed, exercise)."""
    return np.random.default_rng([int(seed), zlib.crc32(exercise_id.encode())])


@dataclass(frozen=True)
class CaseOutcome:
    """What happened on one case: ``problem`` is None when the student's result agrees with the reference."""

    index: int
    label: str
    problem: str | None
    expected: object = None
    given: object = None


def _recorder(exercise: Exercise):
    """The clean room's recorder, set up as the grader sets it up, plus the packages the exercise allows."""
    from .sandbox import package_entries, site_packages

    return Recorder(forbidden_specs(exercise), sites=site_packages(),
                    allowed=package_entries(tuple(sorted(set(exercise.modules)))))


def _call(exercise: Exercise, fn, case: Case, prefix: str) -> tuple[dict, dict, list]:
    """Record one call of ``fn`` on a deep copy of the case, exactly as the clean room records it; warnings and
    text written to stderr are collected and reported on stdout (in a graded test cell, output on stderr would count
    as a failure)."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    adapter, torch = None, None
    if exercise.adapter:
        from .adapters import ADAPTERS

        import torch

        adapter = ADAPTERS[exercise.adapter]
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
        warnings.simplefilter("always")
        record, arrays = call(fn, args, kwargs, _recorder(exercise), adapter=adapter, torch=torch, prefix=prefix)
    if stderr.getvalue().strip():
        print(f"note: `{getattr(fn, '__name__', 'your function')}` wrote to stderr: {stderr.getvalue().strip()[:500]}")
    return record, arrays, caught


def run_cases(exercise: Exercise, student_fn, hidden: bool = False, seed: int | None = None,
              stop_at_first: bool = True) -> tuple[list, int]:
    """Run ``student_fn`` on the exercise's cases and judge each call against the reference's result, with the
    grader's engine (:func:`coursekit.grading.verdict.judge`).

    Returns ``(outcomes, total)``: one :class:`CaseOutcome` per case run (only up to the first failure when
    ``stop_at_first``) and the number of cases.
    """
    if hidden and seed is None:
        raise ValueError("hidden cases need a grading seed")
    rng = case_rng(exercise.id, seed) if hidden else None
    cases = exercise.cases(rng, hidden)
    outcomes = []
    for index, case in enumerate(cases):
        expected, expected_error = reference_result(exercise, case)
        record, arrays, caught = _call(exercise, student_fn, case, f"r{index}")
        found = judge(exercise, case, expected, expected_error, record, arrays)
        given = decode_result(record["result"], arrays) if record.get("status") == "ok" else None
        for w in caught:
            print(f"note: `{exercise.function}` warned {w.category.__name__}: {w.message}")
        outcomes.append(CaseOutcome(index, case.label, found.detail if found else None, expected, given))
        if found and stop_at_first:
            break
    return outcomes, len(cases)


def _show_difference(expected, given) -> None:
    """A small side-by-side figure for images and label maps (2-D results of at least 8x8) in a notebook."""
    if "ipykernel" not in sys.modules:
        return
    exp, got = np.asarray(expected), np.asarray(given)
    if exp.ndim != 2 or min(exp.shape) < 8 or got.shape != exp.shape or got.dtype.kind not in "biuf":
        return
    from .. import viz
    import matplotlib.pyplot as plt

    with np.errstate(invalid="ignore"):
        differs = ~np.isclose(got.astype(float), exp.astype(float), equal_nan=True)
    fig = viz.side_by_side([exp, got, differs.astype(float)],
                           titles=["expected (reference)", "given (yours)", "where they differ (white)"])
    from IPython.display import display

    display(fig)
    plt.close(fig)


def check(exercise_id: str, student_fn, hidden: bool = False, *, seed: int | None = None) -> None:
    """Compare a student's function with the reference on the exercise's cases.

    Parameters
    ----------
    exercise_id : str
        The exercise, e.g. ``"metrics.confusion_matrix"``.
    student_fn : callable
        The student's function.
    hidden : bool
        Run the hidden cases (drawn from the grading seed) instead of the visible ones.
    seed : int, optional
        Seed of the hidden cases; by default ``COURSEKIT_GRADING_SEED``, else a fresh random seed.

    Raises
    ------
    CheckFailed
        On the first case where the student's result differs from the reference's, with what differed.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit.grading import check
    >>> def pixel_accuracy(cm):
    ...     cm = np.asarray(cm)
    ...     return np.trace(cm) / cm.sum()
    >>> check("metrics.pixel_accuracy", pixel_accuracy)  # doctest: +ELLIPSIS
    ✔ metrics.pixel_accuracy: ... visible cases agree with the reference.
    """
    exercise = get_exercise(exercise_id)
    if not callable(student_fn):
        raise CheckFailed(f"{exercise_id}: expected your function `{exercise.function}`, "
                          f"given {type(student_fn).__name__} {short(student_fn)}")
    kind = "visible"
    if hidden:
        kind = "hidden"
        if seed is None:
            seed = grading_seed()
        if seed is None:
            seed = secrets.randbits(63)
            print(f"note: {SEED_ENV} is not set; hidden cases drawn from a fresh random seed ({seed}).")
    outcomes, total = run_cases(exercise, student_fn, hidden=hidden, seed=seed)
    failed = [o for o in outcomes if o.problem]
    if failed:
        o = failed[0]
        label = f" ({o.label})" if o.label else ""
        message = f"{exercise_id}: {kind} case {o.index + 1} of {total}{label}\n{o.problem}"
        if exercise.hint:
            message += f'\n(a hint, when you want one: hint("{exercise_id}"))'

        if not hidden and o.given is not None:
            try:
                _show_difference(o.expected, o.given)
            except Exception:  # noqa: BLE001 - a figure must never hide the message
                pass
        raise CheckFailed(message)
    print(f"\u2714 {exercise_id}: {total} {kind} cases agree with the reference.")


def agrees(exercise_id: str, student_fn, *args, **kwargs) -> bool:
    """Whether ``student_fn(*args, **kwargs)`` agrees with the exercise's reference on these arguments, judged as
    ``check`` and the grader judge (the same comparison and tolerances); prints what differed when it does not.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit.grading import agrees
    >>> agrees("metrics.pixel_accuracy", lambda cm: float(np.trace(cm) / np.sum(cm)), np.eye(2, dtype=np.int64))
    True
    """
    exercise = get_exercise(exercise_id)
    case = Case(tuple(args), dict(kwargs))
    expected, expected_error = reference_result(exercise, case)
    record, arrays, _ = _call(exercise, student_fn, case, "r")
    found = judge(exercise, case, expected, expected_error, record, arrays)
    if found:
        print(f"{exercise.function} differs from the reference here: {found.detail}")
    return found is None


def hint(exercise_id: str) -> None:
    """Print the hint of an exercise (the same one a failing check prints)."""
    exercise = get_exercise(exercise_id)
    print(f"Hint for {exercise.function}: {exercise.hint or 'no hint for this one: read the statement again.'}")
    print(f"`{exercise.function}` may use {allowed_text(exercise)}; nothing else is installed when it is graded.")
