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
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..paths import Course, test_cell
from . import sandbox
from .check import case_rng
from .collect import Collected, collect_submissions
from .registry import exercises
from .student import GradeOptions, StudentResult, grade_student
from .verdict import Prepared, prepare

__all__ = ["GradeOptions", "StudentResult", "ClassReport", "grade_class", "collect_submissions"]

_SLOT_UID_BASE = 61000  # parallel workers' sandbox users: 61000, 61001, ... (no login, no files of their own)


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
                    names = ", ".join(c.removeprefix("test_") for c in missing)
                    lost.append(f"  {r.student}: not implemented: {names}")
                lost += [f"  {r.student} / {c}: {w}" for c, w in why if c not in missing]
            if lost:
                rows += ["", "why points were lost:"] + lost
        return "\n".join(rows)


def _prepare(assignment: str, seed: int) -> list[Prepared]:
    """Every exercise of the assignment with its visible and hidden cases (from the grading seed) and the
    reference's results, computed once in the grader's process."""
    return [prepare(ex, list(ex.cases(None, False)) + list(ex.cases(case_rng(ex.id, seed), True)))
            for ex in exercises(assignment)]


def _quiet_warnings() -> None:
    """The student's log shows what is worth an instructor's attention: not nbgrader's own library warnings (its
    gradebook's SQLAlchemy relationships, deprecations of its dependencies)."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    try:
        from sqlalchemy.exc import SAWarning

        warnings.filterwarnings("ignore", category=SAWarning)
    except ImportError:  # pragma: no cover - nbgrader needs SQLAlchemy
        pass


def _worker(root, assignment, student, prepared, options, sandboxed, kernel_seed, log_dir, out_file, uid, scratch):
    os.setsid()  # the grader kills this whole session (kernel and clean room included) at the time limit
    _quiet_warnings()
    # everything this worker and its kernels print goes to the student's log, not to the grader's terminal
    log_fd = os.open(log_dir / f"{student}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    try:
        result = grade_student(root, assignment, student, prepared, options, sandboxed, kernel_seed, log_dir, uid,
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


def _sandbox_or_refuse(options: GradeOptions, log) -> bool:
    """Whether the sandbox works here; refuses to go on where it is required or installed but broken."""
    why = sandbox.problem()
    if why is None:
        return True
    if options.require_sandbox:
        raise RuntimeError(f"the sandbox is required but not available: {why}")
    if shutil.which("bwrap"):
        # installed but unusable here: grading unprotected by accident would be worse than not grading
        raise RuntimeError(f"the sandbox cannot be used: {why}")
    bar = "!" * 78
    log(f"{bar}\nWARNING: bubblewrap (bwrap) is not available: student code runs with YOUR permissions, with "
        f"network\nand without limits. Install it (Debian/Ubuntu: apt-get install bubblewrap) before grading "
        f"a class.\n{bar}")
    return False


def _run_workers(root, assignment, students, prepared, options, sandboxed, seed, log_dir, progress) -> dict:
    """Each student graded in a worker process of its own (a session of its own, killed whole at the time limit),
    ``options.jobs`` at a time; each running worker's sandbox has a user of its own."""
    from tqdm.auto import tqdm

    jobs = options.jobs or os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    results: dict[str, StudentResult] = {}
    pending, running, free_slots = list(students), {}, list(range(jobs))
    max_score = float(sum(p.exercise.points for p in prepared))
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
                    results[student] = StudentResult(**json.loads(out_file.read_text()))
                else:
                    results[student] = StudentResult(
                        student, max_score=max_score, status="error",
                        reason="the grading of this submission was stopped at the time limit" if over else
                        "the grading of this submission ended without a result (see its log)")
                bar.update(1)
    return results


def grade_class(root: Path, assignment: str, submissions: Path | None = None, students: list[str] | None = None,
                options: GradeOptions = GradeOptions(), out: Path | None = None, log=print,
                progress: bool = True) -> ClassReport:
    """Grade every submission of ``assignment`` (or the given ``students``); see the module's docstring. Writes
    ``grades.csv`` for the whole class and returns the report of the students graded now."""
    from ..course import course_seed, release

    root = Path(root).resolve()
    if not exercises(assignment):
        raise ValueError(f"no exercise of {assignment} in the registry")
    collected = Collected()
    if submissions is not None:
        collected = collect_submissions(root, assignment, submissions, log)
        students = students or collected.students
    course = Course(root)
    submitted = course.submitted()
    students = students or (sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())
                            if submitted.is_dir() else [])
    if not students:
        raise FileNotFoundError(f"no submission of {assignment} in autograder/submitted/<student>/{assignment}/")
    sandboxed = _sandbox_or_refuse(options, log)
    if not course.source(assignment).is_file():
        log(f"{assignment} has not been released on this machine yet: releasing it first")
        release(root, [assignment], log=log)
    seed = course_seed(root, log)
    prepared = _prepare(assignment, seed)
    out = Path(out) if out else course.grades(assignment)
    log_dir = out / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    for student in students:  # a regrade starts the student's logs afresh; the others' stay
        for old in (log_dir / f"{student}.log", log_dir / f"{student}.cleanroom.txt"):
            old.unlink(missing_ok=True)
    results = _run_workers(root, assignment, students, prepared, options, sandboxed, seed, log_dir, progress)
    for student, notes in collected.notes.items():
        if student in results:
            results[student].reason = "; ".join([*notes, results[student].reason] if results[student].reason else notes)
    cells = [test_cell(p.exercise.function) for p in prepared]
    csv_path = write_grades_csv(root, assignment, out, cells, results.values())
    return ClassReport(assignment, [results[s] for s in students], cells, csv_path, course.feedback,
                       log_dir, sandboxed, collected.refused)


def lost_points(result: StudentResult) -> str:
    """Why a student lost points, in one line: the submission's notes, then each exercise's reason."""
    parts = [result.reason] if result.reason else []
    parts += [f"{cell.removeprefix('test_')}: {why}" for cell, (points, most, why) in result.exercises.items()
              if why and points < most]
    return "; ".join(parts)


def write_grades_csv(root: Path, assignment: str, out: Path, cells: list, results) -> Path:
    """``grades.csv`` of the whole class: every student of the gradebook with a submission of ``assignment`` (the
    scores are the gradebook's), with the status and reasons kept from their last grading (``results/``)."""
    from nbgrader.api import Gradebook, MissingEntry

    store = out / "results"
    store.mkdir(parents=True, exist_ok=True)
    for r in results:
        (store / f"{r.student}.json").write_text(json.dumps(asdict(r)))
    rows = []
    with Gradebook(Course(root).nbgrader_config().CourseDirectory.db_url) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:
            submissions = []
        for sub in sorted(submissions, key=lambda x: x.student.id):
            kept = store / f"{sub.student.id}.json"
            r = StudentResult(**json.loads(kept.read_text())) if kept.is_file() else StudentResult(sub.student.id)
            scores = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores[grade.name] = grade.score
            rows.append([sub.student.id, assignment, sub.score, sub.max_score, r.status, lost_points(r),
                         " ".join(r.suspected), *[scores.get(c, "") for c in cells]])
    graded = {row[0] for row in rows}
    for r in results:  # a submission that never reached the gradebook (unreadable, missing) is listed all the same
        if r.student not in graded:
            rows.append([r.student, assignment, r.score, r.max_score, r.status, lost_points(r), " ".join(r.suspected),
                         *[r.exercises.get(c, [""])[0] for c in cells]])
    csv_path = out / "grades.csv"
    with open(csv_path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "assignment", "score", "max_score", "status", "reason", "suspected_tampering",
                         *cells])
        writer.writerows(sorted(rows, key=lambda row: row[0]))
    return csv_path
