"""``coursekit grade``: a whole class graded in parallel, sandboxed, with verdicts students cannot fake.

For each student, in a worker process of its own (``--jobs`` at a time):

1. the submission is found (a renamed notebook is taken, with a note) and checked to be a notebook;
2. the student's previous scores are removed from the gradebook;
3. nbgrader autogrades it: test cells are restored from the source, deleted ones put back, and the notebook runs in a
   Jupyter kernel inside the sandbox (:mod:`coursekit.grading.sandbox`), with an output limit;
4. the clean room (:mod:`coursekit.grading.cleanroom`), a fresh sandboxed interpreter without IPython or coursekit,
   runs the student's solution cells and calls each exercise's function on its visible and hidden cases; it returns
   numbers only;
5. the grader's own process compares those numbers with the reference (the exercise registry): that verdict is the
   score written to the gradebook. A test cell that passed in the student's kernel but whose verdict fails flags the
   student as suspected of tampering;
6. the feedback page is generated (hidden tests removed).

A student whose submission breaks anything (invalid JSON, an infinite loop, a dead kernel, a memory or process bomb,
gigabytes of output) gets 0, or the honest score of what still works, with a one-line reason; the others are not
touched. The whole-submission wall time is enforced by killing the worker and everything it started.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import inspect
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field, asdict
from pathlib import Path

import numpy as np

from . import kernel, room, sandbox
from .check import SEED_ENV, case_rng
from .cleanroom import Unusable, decode_result
from .collect import Collected, collect_submissions
from .registry import Exercise, exercises, resolve

__all__ = ["GradeOptions", "StudentResult", "ClassReport", "grade_class", "collect_submissions"]

_SLOT_UID_BASE = 61000  # parallel workers' sandbox users: 61000, 61001, ... (no login, no files of their own)


@dataclass(frozen=True)
class GradeOptions:
    """How to grade: parallel workers, the sandbox's limits, and whether a missing sandbox is acceptable."""

    jobs: int = 0  # 0: one per core
    limits: sandbox.Limits = sandbox.Limits()
    case_seconds: int = 60
    require_sandbox: bool = False
    max_result_mb: float = 256.0  # what the clean room may return per exercise group, in MiB


@dataclass
class StudentResult:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"  # graded | error
    reason: str = ""
    exercises: dict = field(default_factory=dict)  # grade cell id -> [points, max, reason]
    kernel: dict = field(default_factory=dict)  # grade cell id -> score in the student's kernel
    suspected: list = field(default_factory=list)  # grade cells that passed in the kernel but failed the verdict
    seconds: float = 0.0


@dataclass
class ClassReport:
    assignment: str
    results: list
    cells: list
    csv_path: Path
    feedback_dir: Path
    log_dir: Path
    sandboxed: bool
    refused: list = field(default_factory=list)  # entries of --submissions that were not collected, with why

    def table(self, max_students_per_exercise: int = 8) -> str:
        width = max([16] + [len(r.student) + 2 for r in self.results])
        rows = [f"{'student':<{width}} {'score':>9}  status", "-" * (width + 40)]
        for r in self.results:
            flag = "  SUSPECTED TAMPERING: " + ", ".join(r.suspected) if r.suspected else ""
            rows.append(f"{r.student:<{width}} {r.score:>4g}/{r.max_score:<4g}  {r.status}"
                        + (f": {r.reason}" if r.reason else "") + flag)
        if 0 < len(self.results) <= max_students_per_exercise and self.cells:
            names = [r.student for r in self.results]
            cw = max(len(n) for n in names) + 2
            ew = max(len(c) for c in self.cells) + 2
            rows += ["", f"{'test cell':<{ew}}" + "".join(f"{n:>{cw}}" for n in names), "-" * (ew + cw * len(names))]
            for cell in self.cells:
                marks = []
                for r in self.results:
                    got = r.exercises.get(cell)
                    marks.append(f"{got[0]:g}/{got[1]:g}" if got else "-")
                rows.append(f"{cell:<{ew}}" + "".join(f"{m:>{cw}}" for m in marks))
            lost = []
            for r in self.results:
                why = [(c, r.exercises[c][2]) for c in self.cells if c in r.exercises and r.exercises[c][2]]
                missing = [c for c, w in why if w.endswith("is not implemented")]
                if missing:
                    lost.append(f"  {r.student}: not implemented: {', '.join(c.removeprefix('test_') for c in missing)}")
                lost += [f"  {r.student} / {c}: {w}" for c, w in why if c not in missing]
            if lost:
                rows += ["", "why points were lost:"] + lost
        return "\n".join(rows)


# ---------------------------------------------------------------------------------------------------------------
# the cases, the reference results and the forbidden callables: computed once, in the grader's process


@dataclass
class _Prepared:
    exercise: Exercise
    cases: list
    expected: list  # (value, exception or None) per case
    forbidden: list  # [{"name", "path", "names"}]


def _forbidden_spec(dotted: str) -> dict | None:
    """Where a forbidden callable lives: its file (or package folder) and the qualified names of its code."""
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
        # compiled: no Python code to see; the clean room matches the C call by its module and name
        module = (getattr(target, "__module__", None) or dotted.split(".")[0]).split(".")[0]
        return {"name": dotted, "path": None, "names": None, "builtin": [module, target.__name__]}
    try:
        path = str(Path(inspect.getsourcefile(target)).resolve())
    except (TypeError, OSError):
        return None
    names = set()
    if inspect.isclass(target):
        for klass in target.__mro__:
            if klass is object or klass.__module__ == "builtins":
                continue
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)
                if inspect.isfunction(member):
                    names.add(member.__qualname__)
        # methods may live in other files (base classes): forbid each defining file separately is overkill here
    else:
        names.add(getattr(target, "__qualname__", getattr(target, "__name__", "")))
    return {"name": dotted, "path": path, "names": sorted(names)}


def _prepare(assignment: str, seed: int) -> list[_Prepared]:
    prepared = []
    for ex in exercises(assignment):
        cases = list(ex.cases(None, False)) + list(ex.cases(case_rng(ex.id, seed), True))
        reference = ex.reference_function()
        expected = []
        for case in cases:
            try:
                expected.append((ex.call(reference, case.args, case.kwargs), None))
            except Exception as exc:  # noqa: BLE001 - a case on which the reference raises expects the same
                expected.append((None, exc))
        forbidden = [spec for spec in (_forbidden_spec(d) for d in ex.all_forbidden) if spec]
        prepared.append(_Prepared(ex, cases, expected, forbidden))
    return prepared


def _not_allowed(text: str, modules) -> str | None:
    """The package an ``ImportError`` message names, when it is installed but not allowed to the exercise."""
    import importlib.util

    found = re.search(r"No module named '([\w.]+)'", text or "")
    top = found.group(1).split(".")[0] if found else None
    if top and top not in modules:
        try:
            if importlib.util.find_spec(top) is not None:
                return top
        except (ImportError, ValueError):
            pass
    return None


def _verdict(prep: _Prepared, outcome: dict, arrays: dict, cell_errors=()) -> tuple[bool, str]:
    """Whether every case agrees with the reference, else the first reason, in a line."""
    records = outcome.get("cases", [])
    fn = prep.exercise.function
    allowed = " and ".join(sorted(prep.exercise.modules)) + " and Python's standard library"
    # imports of the solution cells (not the setup cell, cell 1) that failed for want of a package not allowed here
    blocked = [(top, error) for top, error in ((_not_allowed(e, prep.exercise.modules), e) for e in cell_errors)
               if top and not error.startswith("cell 1:")]
    for i, (case, (value, error)) in enumerate(zip(prep.cases, prep.expected)):
        where = f"case {i + 1} of {len(prep.cases)}" + (f" ({case.label})" if case.label else "")
        if i >= len(records):
            return False, f"`{fn}` did not finish its cases (stopped at {where})"
        rec = records[i]
        status = rec.get("status")
        if status == "missing":
            return False, f"no function `{fn}` defined in the solution cells"
        if status == "forbidden":
            return False, f"`{fn}` calls {', '.join(map(str, rec.get('calls', [])))[:300]}, which the exercise forbids"
        if status == "tampered":
            return False, f"`{fn}` wrote on the grader's channel or switched off its call recorder" + (
                f" ({rec['why']})" if rec.get("why") else "")
        if status == "too_large":
            return False, f"`{fn}` returned more data than the grader accepts on {where}"
        if status == "timeout":
            return False, f"`{fn}` ran longer than {rec.get('seconds')} s on {where}"
        if status == "crashed":
            return False, f"the interpreter ended while `{fn}` ran on {where}"
        if status == "mutated":
            return False, f"`{fn}` changed its input arrays in place on {where}"
        if error is not None:
            if status != "raised" or type(error).__name__ not in rec.get("mro", []):
                got = f"raised {rec.get('type')}" if status == "raised" else "returned a value"
                return False, f"`{fn}` should raise {type(error).__name__} on {where}, but it {got}"
            continue
        if status == "raised":
            if rec.get("type") == "NotImplementedError":
                return False, f"`{fn}` is not implemented"
            top = _not_allowed(rec.get("message", ""), prep.exercise.modules)
            missing = re.search(r"name '(\w+)' is not defined", rec.get("message", ""))
            if not top and missing and rec.get("type") == "NameError":
                top = next((t for t, error in blocked if re.search(rf"\b{missing.group(1)}\b", error)), None)
            if top:
                return False, f"`{fn}` uses {top}, which this exercise does not allow (only {allowed})"
            return False, f"`{fn}` raised {rec.get('type')}: {rec.get('message', '')[:120]} on {where}"
        given = decode_result(rec["result"], arrays)
        if isinstance(given, Unusable) or (isinstance(given, tuple) and any(isinstance(g, Unusable) for g in given)):
            return False, f"`{fn}` returned {given!r}, not numbers, on {where}"
        difference = prep.exercise.compare(value, given)
        if difference:
            return False, f"`{fn}` on {where}: {difference.splitlines()[0][:200]}"
    return True, ""


# ---------------------------------------------------------------------------------------------------------------
# one student, in a worker process


def _api(root: Path, options: GradeOptions, sandboxed: bool, uid: int = sandbox.SANDBOX_UID, execute: bool = True,
         scratch: Path | None = None):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from ..course import tools_on_path

    tools_on_path()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root / "autograder")).load_config()
    extra = Config()
    extra.Execute.timeout = options.limits.cell_seconds
    extra.SandboxExecute.timeout = options.limits.cell_seconds
    extra.SandboxExecute.max_output_mb = options.limits.output_mb
    extra.Autograde.autograde_preprocessors = [
        *(["coursekit.grading.kernel.SandboxExecute"] if execute else []), "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata"]
    if sandboxed:
        extra.SandboxExecute.kernel_manager_class = "coursekit.grading.kernel.SandboxedKernelManager"
        extra.SandboxedKernelManager.memory_mb = options.limits.memory_mb
        extra.SandboxedKernelManager.processes = options.limits.processes
        extra.SandboxedKernelManager.file_mb = options.limits.file_mb
        extra.SandboxedKernelManager.uid = uid
        extra.SandboxedKernelManager.scratch_mb = options.limits.scratch_mb
        extra.SandboxedKernelManager.scratch_root = str(scratch or "")
    # several workers write the gradebook: wait for each other's transactions instead of failing
    db_url = config.CourseDirectory.db_url
    if db_url.startswith("sqlite") and "timeout" not in db_url:
        extra.CourseDirectory.db_url = db_url + ("&" if "?" in db_url else "?") + "timeout=120"
    config.merge(extra)
    return NbGraderAPI(config=config)


def _find_notebook(folder: Path, assignment: str) -> tuple[Path | None, str]:
    expected = folder / f"{assignment}.ipynb"
    if expected.is_file():
        return expected, ""
    others = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if len(others) == 1:
        others[0].rename(expected)
        return expected, f"notebook renamed from {others[0].name}"
    if not others:
        return None, f"no notebook {assignment}.ipynb in the submission"
    return None, f"no notebook {assignment}.ipynb, and {len(others)} other notebooks: cannot tell which to grade"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)[:40]


def _safe_submission(submitted: Path, student: str, assignment: str) -> tuple[str, list[str]]:
    """Make ``submitted/<student>/<assignment>`` safe to hand to nbgrader, which copies it as the grader.

    A link or anything that is not a plain file or folder is removed (and named in the notes): nbgrader would follow
    it and copy whatever it points to (another student's work, the solutions, the gradebook) into the graded folder.
    Returns a reason to refuse the whole submission (the student's folder itself is a link), or "" and the notes.
    """
    import stat

    for path in (submitted / student, submitted / student / assignment):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return f"no folder {path.relative_to(submitted)}", []
        if not stat.S_ISDIR(mode):
            return f"{path.relative_to(submitted)} is a link or a file, not a folder: refused", []
    notes, removed = [], []
    for folder, dirs, files in os.walk(submitted / student / assignment, followlinks=False):
        for name in list(dirs) + files:
            full = Path(folder) / name
            mode = os.lstat(full).st_mode
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                removed.append(str(full.relative_to(submitted / student / assignment)))
                full.unlink()
                if name in dirs:
                    dirs.remove(name)
    if removed:
        notes.append(f"left out {', '.join(removed[:5])}{' ...' if len(removed) > 5 else ''}: links and special "
                     f"files are not accepted in a submission")
    return "", notes


def _solution_cells(source_nb: Path, submitted_nb) -> list[str]:
    """The clean room's program: the chapter's setup cell (the source's first code cell), then the student's
    solution cells in order."""
    import nbformat

    source = nbformat.read(source_nb, as_version=4)
    setup = next((c.source for c in source.cells if c.cell_type == "code"), "")
    solutions = [c.source for c in submitted_nb.cells
                 if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    return [setup] + solutions


def _run_cleanrooms(root: Path, assignment: str, notebook, prepared: list, scratch: Path, options: GradeOptions,
                    sandboxed: bool, uid: int, seconds: float, stderr) -> tuple[list, str]:
    """The clean rooms' reports, one per exercise of ``prepared``: exercises that allow the same packages share a
    clean room, which shows only those packages. Returns the outcomes and a note when one ended early."""
    cells = _solution_cells(root / "autograder" / "source" / assignment / f"{assignment}.ipynb", notebook)
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(prepared):
        groups.setdefault(tuple(sorted(set(p.exercise.modules))), []).append(i)
    outcomes: list = [({"cases": []}, {})] * len(prepared)
    notes = []
    deadline = time.monotonic() + seconds
    for k, (modules, members) in enumerate(groups.items()):
        folder = room.prepare(scratch / f"room-{k}", cells, [prepared[i] for i in members], options.case_seconds)
        if sandboxed:
            def command(arguments, modules=modules):
                argv = [sys.executable, "-I", f"{sandbox.SEED_PATH}/cleanroom.py", "--child", sandbox.SEED_PATH,
                        *arguments]
                return sandbox.wrap(argv, Path("/cleanroom"), options.limits, seed=folder, copy_seed=False,
                                    packages=modules, uid=uid)
        else:
            command = room.plain_command(folder)
        report = room.run(folder, len(members), command, deadline - time.monotonic(),
                          max_result_mb=options.max_result_mb, stderr=stderr)
        for i, (outcome, arrays) in zip(members, report.outcomes):
            outcomes[i] = ({**outcome, "cell_errors": report.cell_errors}, arrays)
        if report.reason:
            notes.append(report.reason)
    return outcomes, "; ".join(dict.fromkeys(notes))


def _note_in_notebook(path: Path, text: str) -> None:
    import nbformat
    from nbformat.v4 import new_markdown_cell

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - no notebook to annotate
        return
    nb.cells.insert(0, new_markdown_cell(text))
    nbformat.write(nb, path)


def _with_retry(fn, attempts: int = 20):
    from sqlalchemy.exc import OperationalError

    for i in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc) or i == attempts - 1:
                raise
            time.sleep(0.2 * (i + 1))


def _start_autograde(api, assignment: str, student: str, logf) -> tuple[int, int]:
    """nbgrader's autograde (the notebook executed in its sandboxed kernel) in a child process, so that it can be
    killed with its kernel at a deadline (:func:`_wait_autograde`): a kernel whose channels a student's code broke
    can make Jupyter's client wait without end, and the grader must still give its verdict in time. Forked before
    any other thread of the worker starts. Returns the child's pid and the pipe its result comes on."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            with contextlib.redirect_stdout(logf), contextlib.redirect_stderr(logf):
                result = api.autograde(assignment, student, force=True, create=True)
            data = {k: str(result.get(k) or "")[-200_000:] for k in ("log", "error")}
            data["success"] = bool(result.get("success"))
        except BaseException:  # noqa: BLE001
            data = {"success": False, "log": "", "error": traceback.format_exc()[-20_000:]}
        os.write(write_end, json.dumps(data).encode())
        os._exit(0)
    os.close(write_end)
    return pid, read_end


def _wait_autograde(pid: int, read_end: int, deadline: float) -> tuple[dict, bool]:
    """nbgrader's result (success, log, error) from :func:`_start_autograde`, and whether ``deadline`` (a
    ``time.monotonic()`` value) came first, in which case the child and its kernel were killed."""
    import select

    chunks, stopped = [], False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = True
                break
            ready, _, _ = select.select([read_end], [], [], min(left, 5.0))
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        if stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # its kernel's sandbox dies with it (bwrap --die-with-parent)
        os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks)), stopped
    except ValueError:
        return {"success": False, "log": "", "error": "the notebook's run ended without a result"}, stopped


def _grade_one(root: Path, assignment: str, student: str, prepared: list, options: GradeOptions, sandboxed: bool,
               kernel_seed: int, log_dir: Path, uid: int = sandbox.SANDBOX_UID,
               scratch: Path | None = None) -> StudentResult:
    from nbgrader.api import Gradebook, MissingEntry
    import nbformat

    start = time.monotonic()
    result = StudentResult(student, max_score=float(sum(p.exercise.points for p in prepared)))
    log_path = log_dir / f"{student}.log"
    logf = open(log_path, "a")

    def log(message):
        logf.write(message.rstrip() + "\n")
        logf.flush()

    phases = {}

    def phase(name):
        phases[name] = time.monotonic() - start - sum(phases.values())

    folder = root / "autograder" / "submitted" / student / assignment
    refused, notes = _safe_submission(root / "autograder" / "submitted", student, assignment)
    if refused:
        result.status, result.reason = "error", refused
        return result
    path, note = _find_notebook(folder, assignment)
    notes += [note] if note else []
    if path is None:
        result.status, result.reason = "error", "; ".join(notes)
        return result
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001
        result.status, result.reason = "error", f"not a readable notebook ({type(exc).__name__}: {str(exc)[:80]})"
        return result

    scratch = Path(tempfile.mkdtemp(prefix=f"student-{_slug(student)}-", dir=scratch))
    api = _api(root, options, sandboxed, uid, scratch=scratch)
    db_url = api.coursedir.db_url

    def reset():
        with Gradebook(db_url) as gb:
            try:
                gb.find_submission(assignment, student)
                gb.remove_submission(assignment, student)
            except MissingEntry:
                pass

    _with_retry(reset)
    phase("prepare")
    os.environ[SEED_ENV] = str(kernel_seed)  # the kernel's in-notebook hidden checks: not the grading seed
    # the notebook may use the submission's time but for a reserve (the verdicts, the gradebook, the feedback)
    reserve = min(60.0, 0.15 * options.limits.student_seconds)
    child, channel = _start_autograde(api, assignment, student, logf)
    # the clean rooms run beside the kernel, in a thread; their files live in the run's scratch folder
    verdicts: dict = {}

    def clean_rooms():
        try:
            with open(log_dir / f"{student}.cleanroom.txt", "wb") as err:
                verdicts["outcomes"] = _run_cleanrooms(
                    root, assignment, nbformat.read(path, as_version=4), prepared, scratch, options, sandboxed, uid,
                    options.limits.student_seconds - reserve / 2 - (time.monotonic() - start), err)
        except BaseException as exc:  # noqa: BLE001 - reported as the clean room's failure
            verdicts["error"] = f"{type(exc).__name__}: {exc}"
            verdicts["trace"] = traceback.format_exc()

    room_thread = threading.Thread(target=clean_rooms, daemon=True)
    room_thread.start()
    outcome, stopped = _wait_autograde(child, channel, start + options.limits.student_seconds - reserve)
    log(outcome.get("log") or "")
    if not outcome.get("success"):
        log(outcome.get("error") or "")
        notes.append("the notebook ran out of time and was stopped" if stopped else
                     "the notebook could not be run to the end")
        # record the submission all the same (restored test cells, no outputs): the verdict below gives its scores,
        # and the feedback page says what happened
        with contextlib.redirect_stdout(logf), contextlib.redirect_stderr(logf):
            _with_retry(reset)
            fallback = _api(root, options, sandboxed, uid, execute=False, scratch=scratch).autograde(
                assignment, student, force=True, create=True)
        log(fallback.get("log") or "")
        _note_in_notebook(root / "autograder" / "autograded" / student / assignment / f"{assignment}.ipynb",
                          "**Grader's note.** This notebook could not be run to the end in the grader (its kernel "
                          "died or ran out of resources), so it is shown without outputs. Each exercise's score is "
                          "the verdict of running your functions on the visible and hidden cases in a fresh "
                          "interpreter.")
    phase("autograde")
    room_thread.join(max(options.limits.student_seconds - reserve / 2 - (time.monotonic() - start), 0) + 10)
    shutil.rmtree(scratch, ignore_errors=True)
    if "outcomes" in verdicts:
        outcomes, cleanroom_reason = verdicts["outcomes"]
    else:
        log(verdicts.get("trace", "the clean room did not finish"))
        outcomes = [({"cases": []}, {}) for _ in prepared]
        cleanroom_reason = f"the clean room failed ({verdicts.get('error', 'it did not finish in time')})"
    if cleanroom_reason:
        notes.append(cleanroom_reason)
    phase("clean room")

    def write_grades():
        with Gradebook(db_url) as gb:
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                gb.add_submission(assignment, student)
            for prep, (out, arrays) in zip(prepared, outcomes):
                cell = f"test_{prep.exercise.function}"
                ok, why = _verdict(prep, out, arrays, out.get("cell_errors", ()))
                points = float(prep.exercise.points) if ok else 0.0
                result.exercises[cell] = [points, float(prep.exercise.points), why]
                try:
                    grade = gb.find_grade(cell, assignment, assignment, student)
                except MissingEntry:
                    continue
                in_kernel = grade.auto_score
                result.kernel[cell] = in_kernel
                if in_kernel is not None and in_kernel > 0 and not ok:
                    result.suspected.append(cell)
                grade.auto_score = points
                grade.needs_manual_grade = False
            gb.db.commit()

    _with_retry(write_grades)
    phase("gradebook")
    result.score = float(sum(v[0] for v in result.exercises.values()))
    with contextlib.redirect_stdout(logf), contextlib.redirect_stderr(logf):
        feedback = api.generate_feedback(assignment, student, force=True)
    if not feedback.get("success"):
        notes.append("no feedback page (see the log)")
        log(feedback.get("error") or "")
    phase("feedback")
    log("seconds per phase: " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()))
    result.reason = "; ".join(notes)
    result.seconds = time.monotonic() - start
    return result


def _worker(root, assignment, student, prepared, options, sandboxed, kernel_seed, log_dir, out_file, uid, scratch):
    os.setsid()  # the grader kills this whole session (kernel and clean room included) at the time limit
    # everything this worker and its kernels print goes to the student's log, not to the grader's terminal
    log_fd = os.open(log_dir / f"{student}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    try:
        result = _grade_one(root, assignment, student, prepared, options, sandboxed, kernel_seed, log_dir, uid,
                            Path(scratch))
    except BaseException as exc:  # noqa: BLE001 - one student's failure must not touch the others
        with open(log_dir / f"{student}.log", "a") as fh:
            fh.write(traceback.format_exc())
        result = StudentResult(student, max_score=float(sum(p.exercise.points for p in prepared)),
                               status="error", reason=f"grading failed: {type(exc).__name__}: {str(exc)[:120]}")
    Path(out_file).write_text(json.dumps(asdict(result)))
    sys.stdout.flush()
    os._exit(0)


# ---------------------------------------------------------------------------------------------------------------
# the class


def grade_class(root: Path, assignment: str, submissions: Path | None = None, students: list[str] | None = None,
                options: GradeOptions = GradeOptions(), out: Path | None = None, log=print,
                progress: bool = True) -> ClassReport:
    """Grade every submission of ``assignment``; see the module's docstring. Returns the class's report."""
    from tqdm.auto import tqdm

    from ..course import course_seed, release

    root = Path(root).resolve()
    if not exercises(assignment):
        raise ValueError(f"no exercise of {assignment} in the registry")
    collected = Collected()
    if submissions is not None:
        collected = collect_submissions(root, assignment, submissions, log)
        students = students or collected.students
    submitted = root / "autograder" / "submitted"
    students = students or (sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())
                            if submitted.is_dir() else [])
    if not students:
        raise FileNotFoundError(f"no submission of {assignment} in autograder/submitted/<student>/{assignment}/")
    why = sandbox.problem()
    sandboxed = why is None
    if not sandboxed:
        if options.require_sandbox:
            raise RuntimeError(f"the sandbox is required but not available: {why}")
        if shutil.which("bwrap"):
            # installed but unusable here: grading unprotected by accident would be worse than not grading
            raise RuntimeError(f"the sandbox cannot be used: {why}")
        bar = "!" * 78
        log(f"{bar}\nWARNING: bubblewrap (bwrap) is not available: student code runs with YOUR permissions, with "
            f"network\nand without limits. Install it (Debian/Ubuntu: apt-get install bubblewrap) before grading "
            f"a class.\n{bar}")
    if not (root / "autograder" / "source" / assignment / f"{assignment}.ipynb").is_file():
        log(f"{assignment} has not been released on this machine yet: releasing it first")
        release(root, [assignment], log=log)
    seed = course_seed(root, log)
    prepared = _prepare(assignment, seed)
    out = Path(out) if out else root / "autograder" / "grades" / assignment
    log_dir = out / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    jobs = options.jobs or os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    results: dict[str, StudentResult] = {}
    pending = list(students)
    running: dict[str, tuple] = {}
    free_slots = list(range(jobs))  # each running worker's sandbox has a user of its own
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as tmp, \
            tqdm(total=len(students), desc=f"grading {assignment}", unit="student", file=sys.stdout,
                 disable=not progress) as bar:
        while pending or running:
            while pending and len(running) < jobs:
                student = pending.pop(0)
                kernel_seed = int.from_bytes(hashlib.sha256(f"{seed}/{student}".encode()).digest()[:8], "little")
                out_file = Path(tmp) / f"{len(results) + len(running)}.json"
                slot = free_slots.pop(0)
                uid = sandbox.SANDBOX_UID if jobs == 1 else _SLOT_UID_BASE + slot
                proc = ctx.Process(target=_worker, args=(root, assignment, student, prepared, options, sandboxed,
                                                         kernel_seed, log_dir, str(out_file), uid, tmp))
                proc.start()
                running[student] = (proc, out_file, time.monotonic(), slot)
            time.sleep(0.05)
            for student, (proc, out_file, started, slot) in list(running.items()):
                over = time.monotonic() - started > options.limits.student_seconds + 60
                if proc.is_alive() and not over:
                    continue
                if proc.is_alive():
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                proc.join(5)
                del running[student]
                free_slots.append(slot)
                if out_file.is_file():
                    data = json.loads(out_file.read_text())
                    results[student] = StudentResult(**data)
                else:
                    results[student] = StudentResult(
                        student, max_score=float(sum(p.exercise.points for p in prepared)), status="error",
                        reason="the grading of this submission was stopped at the time limit" if over else
                        "the grading of this submission ended without a result (see its log)")
                bar.update(1)
    for student, notes in collected.notes.items():
        if student in results:
            results[student].reason = "; ".join([*notes, results[student].reason] if results[student].reason else notes)
    ordered = [results[s] for s in students]
    cells = [f"test_{p.exercise.function}" for p in prepared]
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "grades.csv"
    with open(csv_path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "assignment", "score", "max_score", "status", "reason", "suspected_tampering",
                         *cells])
        for r in ordered:
            writer.writerow([r.student, assignment, r.score, r.max_score, r.status, r.reason,
                             " ".join(r.suspected), *[r.exercises.get(c, [""])[0] for c in cells]])
    return ClassReport(assignment, ordered, cells, csv_path, root / "autograder" / "feedback", log_dir, sandboxed,
                       collected.refused)
