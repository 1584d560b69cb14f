"""The verdict engine: whether one call of a student's function agrees with the reference, for ``check`` in the
notebook and for the grader alike.

A call is recorded the same way in both places (:func:`coursekit.grading.cleanroom.call`: a record with a status of
:data:`~coursekit.grading.cleanroom.STATUSES`); :func:`judge` decides on that record and the reference's result, in
the student's terms. What each status means:

=============  ==============================================================================================
``ok``          the function returned numbers: compared with the reference's (an exception was expected?)
``raised``      the function raised: right when the reference raises the same kind of exception on that case
``forbidden``   it reached the reference or a forbidden callable (or started a process, where nothing is seen)
``tampered``    it switched off the call recorder, or wrote on the clean room's report channel
``too_large``   it returned more data than the grader accepts
``timeout``     it ran longer than the case time
``crashed``     the interpreter ended while it ran
``mutated``     it changed its input arrays in place
``missing``     no function of that name was defined
=============  ==============================================================================================

Besides, a record may name ``packages`` the student's code called that the exercise does not allow (its
``modules``): in the clean room they are not installed at all, so ``check`` reports them the same way.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cleanroom import Unusable, decode_result
from .registry import Case, Exercise, resolve

__all__ = ["Prepared", "Problem", "prepare", "reference_result", "forbidden_specs", "spec_of", "judge", "verdict",
           "describe_call", "allowed_text", "short"]


@dataclass(frozen=True)
class Problem:
    """What differed: ``summary`` in one line (the grader's reason), ``detail`` with the call (``check``'s message)."""

    summary: str
    detail: str


@dataclass
class Prepared:
    """An exercise's cases (visible then hidden), the reference's result on each (value, or the exception it
    raised) and the specs of the callables the student may not call."""

    exercise: Exercise
    cases: list
    expected: list  # (value, exception or None) per case
    forbidden: list  # specs: {"name", "path", "names"} or {"name", "builtin": [module, name]}


def reference_result(exercise: Exercise, case: Case) -> tuple:
    """The reference's ``(value, None)`` on a case, or ``(None, exception)`` when it raises."""
    try:
        return exercise.call(exercise.reference_function(), case.args, case.kwargs), None
    except Exception as exc:  # noqa: BLE001 - a case on which the reference raises expects the same
        return None, exc


def prepare(exercise: Exercise, cases: list) -> Prepared:
    """The reference's results on ``cases`` and the exercise's forbidden specs."""
    return Prepared(exercise, list(cases), [reference_result(exercise, c) for c in cases], forbidden_specs(exercise))


def forbidden_specs(exercise: Exercise) -> list[dict]:
    """Where each callable the exercise forbids lives (its reference first), as data the clean room can match
    without importing it: a Python callable by its file and qualified names (a class: the methods of it and of its
    bases from the same package; a package: every file under its folder), a compiled one by its module and name."""
    return [spec for spec in (spec_of(d) for d in exercise.all_forbidden) if spec]


def spec_of(dotted: str) -> dict | None:
    """The spec of one forbidden callable, by its dotted path (None when it cannot be imported here)."""
    try:
        obj = resolve(dotted)
    except ImportError:
        return None
    if inspect.ismodule(obj):
        origin = getattr(obj, "__file__", None)
        if not origin:
            return None
        path = str(Path(origin).resolve().parent) + os.sep if Path(origin).name == "__init__.py" else \
            str(Path(origin).resolve())
        return {"name": dotted, "path": path, "names": None}
    target = inspect.unwrap(obj) if callable(obj) else obj
    if inspect.isbuiltin(target) or type(target).__name__ in ("builtin_function_or_method", "method-wrapper"):
        module = (getattr(target, "__module__", None) or dotted.split(".")[0]).split(".")[0]
        return {"name": dotted, "path": None, "names": None, "builtin": [module, target.__name__]}
    try:
        path = str(Path(inspect.getsourcefile(target)).resolve())
    except (TypeError, OSError):
        return None
    names = set()
    if inspect.isclass(target):
        package = (target.__module__ or "").split(".")[0]
        for klass in target.__mro__:
            if klass is object or (klass.__module__ or "").split(".")[0] != package:
                continue  # not, say, torch.nn.Module under a coursekit network
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)
                member = member.fget if isinstance(member, property) else member
                if inspect.isfunction(member):
                    names.add(member.__qualname__)
    else:
        names.add(getattr(target, "__qualname__", getattr(target, "__name__", "")))
    return {"name": dotted, "path": path, "names": sorted(names)}


# ---------------------------------------------------------------------------------------------------------------
# the judgement


def allowed_text(exercise: Exercise) -> str:
    """What an exercise's function may use, in words."""
    return " and ".join(sorted(set(exercise.modules))) + " and Python's standard library"


def _not_allowed(text: str, modules) -> str | None:
    """The package an ``ImportError`` message names, when it is installed here but not allowed to the exercise."""
    found = re.search(r"No module named '([\w.]+)'", text or "")
    top = found.group(1).split(".")[0] if found else None
    if top and top not in modules:
        try:
            if importlib.util.find_spec(top) is not None:
                return top
        except (ImportError, ValueError):
            pass
    return None


def _blocked_package(exercise: Exercise, record: dict, cell_errors) -> str | None:
    """A package the exercise does not allow, behind a failing import: in the call, or in a solution cell whose
    failed import left a name undefined (cell 1 is the chapter's setup cell, whose imports may fail harmlessly)."""
    top = _not_allowed(record.get("message", ""), exercise.modules)
    missing = re.search(r"name '(\w+)' is not defined", record.get("message", ""))
    if not top and missing and record.get("type") == "NameError":
        for error in cell_errors:
            candidate = _not_allowed(error, exercise.modules)
            if candidate and not error.startswith("cell 1:") and re.search(rf"\b{missing.group(1)}\b", error):
                return candidate
    return top


def judge(exercise: Exercise, case: Case, expected, expected_error, record: dict, arrays: dict,
          cell_errors=()) -> Problem | None:
    """None when the student's call (its ``record`` and result ``arrays``) agrees with the reference's result on
    ``case`` (``expected`` value, or ``expected_error`` when the reference raises); else what differed."""
    fn = exercise.function
    call_text = describe_call(exercise, case)

    def problem(summary, detail=None):
        return Problem(summary, detail or summary)

    status = record.get("status")
    packages = record.get("packages") or []
    if status == "missing":
        return problem(f"no function `{fn}` defined in the solution cells")
    if status == "forbidden":
        hits = [str(c) for c in record.get("calls", [])]
        # name the most specific: `coursekit.metrics.mean_iou` rather than also its module `coursekit.metrics`
        hits = [h for h in hits if not any(other.startswith(h + ".") for other in hits)]
        calls = ", ".join(f"`{c}`" for c in hits)[:300]
        return problem(f"`{fn}` calls {calls}, which the exercise forbids",
                       f"your function calls {calls}, which this exercise asks you to implement yourself")
    if packages:
        text = (f"uses {', '.join(packages)}, which this exercise does not allow: it may use only "
                f"{allowed_text(exercise)} (when graded, nothing else is installed)")
        return problem(f"`{fn}` {text}", f"your function {text}")
    if status == "tampered":
        why = f" ({record['why']})" if record.get("why") else ""
        return problem(f"`{fn}` wrote on the grader's report channel or switched off its call recorder{why}")
    if status == "too_large":
        return problem(f"`{fn}` returned more data than the grader accepts")
    if status == "timeout":
        return problem(f"`{fn}` ran longer than {record.get('seconds')} s")
    if status == "crashed":
        return problem(f"the interpreter ended while `{fn}` ran")
    if status == "mutated":
        return problem(f"`{fn}` changed its input arrays in place",
                       f"{call_text} changed its input arrays in place; work on a copy instead")
    if status == "raised" and record.get("type") == "NotImplementedError":
        return problem(f"`{fn}` is not implemented",
                       f"`{fn}` is not implemented yet: replace `raise NotImplementedError()` with your code")
    given = decode_result(record["result"], arrays) if status == "ok" else None
    if expected_error is not None:
        wanted = type(expected_error).__name__
        if status != "raised":
            return problem(f"`{fn}` should raise {wanted}, but it returned a value",
                           f"{call_text} should raise {wanted} ({expected_error}), but it returned {short(given)}")
        if wanted not in record.get("mro", []):
            return problem(f"`{fn}` should raise {wanted}, but it raised {record.get('type')}",
                           f"{call_text} should raise {wanted}, but it raised {record.get('type')}: "
                           f"{record.get('message', '')}")
        return None
    if status == "raised":
        top = _blocked_package(exercise, record, cell_errors)
        if top:
            text = f"uses {top}, which this exercise does not allow (only {allowed_text(exercise)})"
            return problem(f"`{fn}` {text}", f"your function {text}")
        message = f"raised {record.get('type')}: {record.get('message', '')}"
        where = record.get("where")
        return problem(f"`{fn}` {message[:160]}", f"{call_text} {message}" + (f"\n{where}" if where else ""))
    if status != "ok":
        return problem(f"`{fn}` ended with an unknown status {str(status)[:40]!r}")
    if isinstance(given, Unusable) or (isinstance(given, tuple) and any(isinstance(g, Unusable) for g in given)):
        return problem(f"`{fn}` returned {given!r}, not numbers",
                       f"{call_text} returned {given!r}: expected numbers (a number, an array of numbers, or a "
                       f"tuple of them)")
    difference = exercise.compare(expected, given)
    if difference:
        return problem(f"`{fn}`: {difference.splitlines()[0][:200]}", f"{call_text}:\n  {difference}")
    return None


def short(value, limit: int = 200) -> str:
    """A value in a line: small arrays in full, larger ones by shape and dtype."""
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


def describe_call(exercise: Exercise, case: Case) -> str:
    """The call a case makes, in the student's terms: ``fn(name=value, ...)``."""
    if exercise.adapter:
        from .adapters import describe_adapted

        return describe_adapted(exercise.adapter, exercise.function, case.args, case.kwargs)
    try:
        bound = inspect.signature(exercise.reference_function()).bind(*case.args, **case.kwargs)
        parts = [f"{name}={short(value)}" for name, value in bound.arguments.items()]
    except (TypeError, ValueError):
        parts = [short(a) for a in case.args] + [f"{k}={short(v)}" for k, v in case.kwargs.items()]
    return f"{exercise.function}({', '.join(parts)})"


def verdict(prep: Prepared, records: list, arrays: dict, cell_errors=()) -> tuple[bool, str]:
    """The grader's verdict on one exercise: whether every case's record agrees with the reference, else the first
    problem in a line (``on case i of n (label)``)."""
    fn = prep.exercise.function
    for i, (case, (value, error)) in enumerate(zip(prep.cases, prep.expected)):
        where = f"case {i + 1} of {len(prep.cases)}" + (f" ({case.label})" if case.label else "")
        if i >= len(records):
            return False, f"`{fn}` did not finish its cases (stopped at {where})"
        record = records[i]
        if not isinstance(record, dict):
            return False, f"`{fn}`: the report of {where} is unreadable"
        found = judge(prep.exercise, case, value, error, record, arrays, cell_errors)
        if found:
            summary = found.summary
            if record.get("status") in ("missing", "forbidden") or "is not implemented" in summary or \
                    "does not allow" in summary:
                return False, summary
            return False, f"{summary} on {where}" if not summary.startswith(f"`{fn}`: ") else \
                f"`{fn}` on {where}: {summary[len(fn) + 4:]}"
    return True, ""
