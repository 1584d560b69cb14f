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
import inspect
import io
import secrets
import sys
import traceback
import warnings
import zlib
from dataclasses import dataclass

import numpy as np

from .registry import Case, Exercise, get_exercise, resolve

__all__ = ["check", "hint", "CheckFailed", "SEED_ENV", "grading_seed", "case_rng", "CaseOutcome", "run_cases"]

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


class _CallRecorder:
    """Records which Python code objects (and C functions) run while it is active, by whatever route they were called."""

    def __init__(self):
        self.codes: set = set()
        self.c_functions: set = set()
        self.called_from_student: set = set()  # files of the functions the student's own code called
        self._library: dict = {}

    def _is_library(self, filename: str) -> bool:
        if filename not in self._library:
            import sysconfig

            roots = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
            self._library[filename] = filename.startswith("<frozen") or "/coursekit/grading/" in filename or any(
                filename.startswith(r.rstrip("/") + "/") for r in roots)
        return self._library[filename]

    def __call__(self, frame, event, arg):
        if event == "call":
            self.codes.add(frame.f_code)
            back = frame.f_back
            if back is not None and not self._is_library(back.f_code.co_filename):
                self.called_from_student.add(frame.f_code.co_filename)
        elif event == "c_call":
            self.c_functions.add(id(arg))


def _code_objects(obj) -> tuple[set, set]:
    """Code objects (and ids of C callables) behind a forbidden callable: a function, method, class or module."""
    codes, cfuncs = set(), set()
    seen = set()

    def visit(o):
        if id(o) in seen:
            return
        seen.add(id(o))
        o = inspect.unwrap(o) if callable(o) else o
        if inspect.ismodule(o):
            # a package forbids what it exports from its submodules too (sklearn.cluster.KMeans lives in _kmeans)
            for member in vars(o).values():
                module = getattr(member, "__module__", None) or ""
                if (inspect.isfunction(member) or inspect.isclass(member)) and \
                        (module == o.__name__ or module.startswith(o.__name__ + ".")):
                    visit(member)
        elif inspect.isclass(o):
            package = (o.__module__ or "").split(".")[0]
            for klass in o.__mro__:
                # the class and its bases from the same package (not, say, torch.nn.Module under a coursekit network)
                if klass is object or (klass.__module__ or "").split(".")[0] != package:
                    continue
                for member in vars(klass).values():
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if isinstance(member, property):
                        member = member.fget
                    if inspect.isfunction(member):
                        visit(member)
        elif hasattr(o, "__code__"):
            codes.add(o.__code__)
        elif hasattr(o, "__func__"):
            visit(o.__func__)
        elif callable(o):
            cfuncs.add(id(o))

    visit(obj)
    return codes, cfuncs


def _forbidden_hits(exercise: Exercise, recorder: _CallRecorder) -> list[str]:
    hits = []
    for dotted in exercise.all_forbidden:
        if dotted.split(".")[0] not in sys.modules:
            continue  # never imported, so never called
        try:
            obj = resolve(dotted)
        except ImportError:
            continue
        codes, cfuncs = _code_objects(obj)
        if codes & recorder.codes or cfuncs & recorder.c_functions:
            hits.append(dotted)
    # name the most specific: `coursekit.metrics.mean_iou` rather than also its module `coursekit.metrics`
    return [h for h in hits if not any(other.startswith(h + ".") for other in hits)]


def _packages_outside(exercise: Exercise, recorder: _CallRecorder) -> list[str]:
    """Installed packages that the student's code called during the call but which the exercise does not allow (its
    ``modules`` and what they need); the clean room that grades has none of them."""
    import os

    from .sandbox import package_entries, site_packages

    allowed = package_entries(tuple(sorted(set(exercise.modules))))
    sites = [str(p) + os.sep for p in site_packages()]
    used = set()
    for filename in recorder.called_from_student:
        for site in sites:
            if filename.startswith(site):
                top = filename[len(site):].split(os.sep)[0]
                if top not in allowed:
                    used.add(top[:-3] if top.endswith(".py") else top)
    return sorted(used)


def allowed_text(exercise: Exercise) -> str:
    """What an exercise's function may use, in words."""
    return " and ".join(sorted(set(exercise.modules))) + " and Python's standard library"


def _short(value, limit: int = 200) -> str:
    if isinstance(value, np.ndarray):
        if value.size > 64:
            return f"array of shape {value.shape} and dtype {value.dtype}"
        text = np.array2string(value, precision=4, separator=", ", threshold=64).replace("\n", "")
        text = " ".join(text.split())
        return text if len(text) <= limit else f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)) and len(value) > 4:
        return f"{type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_call(fn_name: str, reference, case, adapter: str = "") -> str:
    if adapter:
        from .cleanroom import describe_adapted

        return describe_adapted(adapter, fn_name, case.args, case.kwargs)
    try:
        bound = inspect.signature(reference).bind(*case.args, **case.kwargs)
        parts = [f"{name}={_short(value)}" for name, value in bound.arguments.items()]
    except (TypeError, ValueError):
        parts = [_short(a) for a in case.args] + [f"{k}={_short(v)}" for k, v in case.kwargs.items()]
    return f"{fn_name}({', '.join(parts)})"


def _student_frames(exc: BaseException) -> str:
    """The last lines of a traceback that belong to the student's code (not to coursekit)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/coursekit/grading/" not in f.filename.replace("\\", "/")]
    if not frames:
        return ""
    lines = []
    for f in frames[-3:]:
        where = f"line {f.lineno}" + (f" in {f.name}" if f.name != "<module>" else "")
        lines.append(f"    {where}: {f.line}" if f.line else f"    {where}")
    return "\n".join(lines)


def _call(fn, case: Case, recorder: _CallRecorder | None, exercise: Exercise | None = None):
    """Call ``fn`` on deep copies of the case's arguments; return (result, exception, warnings, args copy).

    Warnings and text written to stderr are collected and reported on stdout: in a graded test cell, output on
    stderr would count as a failure.
    """
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    result, error = None, None
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
        warnings.simplefilter("always")
        previous = sys.getprofile()
        if recorder is not None:
            sys.setprofile(recorder)
        try:
            result = exercise.call(fn, args, kwargs) if exercise is not None else fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the student's exception is reported, not raised
            error = exc
        finally:
            tampered = recorder is not None and sys.getprofile() is not recorder
            sys.setprofile(previous)
    if tampered:
        error = RuntimeError("the function changed the interpreter's profiler (sys.setprofile) while it ran")
    if stderr.getvalue().strip():
        print(f"note: `{getattr(fn, '__name__', 'your function')}` wrote to stderr: {stderr.getvalue().strip()[:500]}")
    return result, error, caught, (args, kwargs)


def _same_inputs(before, after) -> bool:
    def same(a, b):
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
                np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        try:
            return bool(a == b)
        except Exception:  # noqa: BLE001
            return False

    return same(before, after)


def run_cases(exercise: Exercise, student_fn, hidden: bool = False, seed: int | None = None,
              stop_at_first: bool = True) -> list[CaseOutcome]:
    """Run ``student_fn`` on the exercise's cases and compare each result with the reference's.

    Returns ``(outcomes, total)``: one :class:`CaseOutcome` per case run (only up to the first failure when
    ``stop_at_first``) and the number of cases.
    The student's function is called on deep copies of the inputs while a profiler records every function it
    reaches, so a call of a forbidden callable is caught whatever name it was imported under.
    """
    if hidden and seed is None:
        raise ValueError("hidden cases need a grading seed")
    rng = case_rng(exercise.id, seed) if hidden else None
    cases = exercise.cases(rng, hidden)
    reference = exercise.reference_function()
    outcomes = []
    for index, case in enumerate(cases):
        problem = None
        expected, ref_error, _, _ = _call(reference, case, None, exercise)
        recorder = _CallRecorder()
        given, error, caught, used = _call(student_fn, case, recorder, exercise)
        hits = _forbidden_hits(exercise, recorder)
        outside = _packages_outside(exercise, recorder)
        call = _describe_call(exercise.function, reference, case, exercise.adapter)
        if hits:
            problem = (f"your function calls {', '.join(f'`{h}`' for h in hits)}, which this exercise asks "
                       f"you to implement yourself")
        elif outside:
            problem = (f"your function uses {', '.join(outside)}, which this exercise does not allow: it may use "
                       f"only {allowed_text(exercise)} (when graded, nothing else is installed)")
        elif isinstance(error, NotImplementedError):
            problem = (f"`{exercise.function}` is not implemented yet: replace `raise NotImplementedError()` "
                       f"with your code")
        elif ref_error is not None:
            if error is None:
                problem = (f"{call} should raise {type(ref_error).__name__} ({ref_error}), "
                           f"but it returned {_short(given)}")
            elif not isinstance(error, type(ref_error)):
                problem = (f"{call} should raise {type(ref_error).__name__}, but it raised "
                           f"{type(error).__name__}: {error}")
        elif error is not None:
            where = _student_frames(error)
            problem = f"{call} raised {type(error).__name__}: {error}" + (f"\n{where}" if where else "")
        else:
            difference = exercise.compare(expected, given)
            if difference:
                problem = f"{call}:\n  {difference}"
            elif not _same_inputs((case.args, case.kwargs), used):
                problem = f"{call} changed its input arrays in place; work on a copy instead"
        for w in caught:
            print(f"note: `{exercise.function}` warned {w.category.__name__}: {w.message}")
        outcomes.append(CaseOutcome(index, case.label, problem, expected, given))
        if problem and stop_at_first:
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
                          f"given {type(student_fn).__name__} {_short(student_fn)}")
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
            message += f"\nHint: {exercise.hint}"
        if not hidden and o.given is not None:
            try:
                _show_difference(o.expected, o.given)
            except Exception:  # noqa: BLE001 - a figure must never hide the message
                pass
        raise CheckFailed(message)
    print(f"\u2714 {exercise_id}: {total} {kind} cases agree with the reference.")


def hint(exercise_id: str) -> None:
    """Print the hint of an exercise (the same one a failing check prints)."""
    exercise = get_exercise(exercise_id)
    print(f"Hint for {exercise.function}: {exercise.hint or 'no hint for this one: read the statement again.'}")
    print(f"`{exercise.function}` may use {allowed_text(exercise)}; nothing else is installed when it is graded.")
