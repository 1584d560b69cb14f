"""``coursekit grade``: a whole class graded in parallel on a Dask cluster, sandboxed, with verdicts students cannot
fake.

The grader's own process collects the submissions, computes the reference's results on the visible and hidden cases
(the grading seed never leaves it) and sends one task per student (:mod:`coursekit.grading.task`) to the workers of
a Dask cluster: the instructor's (``--cluster tcp://HOST:8786``) or a local one of ``--jobs`` single-threaded worker
processes (:mod:`coursekit.grading.cluster`). The task carries the submission; on its worker

1. nbgrader autogrades it in a private scratch course: test cells are restored from the source, deleted ones put
   back, and the notebook runs in a Jupyter kernel inside the sandbox (:mod:`coursekit.grading.sandbox`), with an
   output limit and the submission's time limit enforced there;
2. the clean room (:mod:`coursekit.grading.cleanroom`), a fresh sandboxed interpreter without IPython or coursekit,
   runs the student's solution cells and calls each exercise's function on its visible and hidden cases; it returns
   numbers only.

The executed notebook, the clean room's numbers and the logs come back, and the grader's own process records them
(:class:`coursekit.grading.student.Recorder`): nbgrader's autograde, without executing, puts the executed notebook
in the real gradebook (late penalties included); the verdicts, computed here, are the scores (a test cell that
passed in the student's kernel but whose verdict fails flags the student as suspected of tampering); the feedback
page is generated (hidden tests removed); ``grades.csv`` lists the whole class.

A student whose submission breaks anything (invalid JSON, an infinite loop, a dead kernel, a memory or process bomb,
gigabytes of output) gets 0, or the honest score of what still works, with a one-line reason; the others are not
touched. A worker that dies has its students graded again elsewhere; each student is recorded once.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sys
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..paths import Course, test_cell
from . import sandbox
from .check import case_rng
from .collect import Collected, collect_submissions
from .registry import exercises
from .student import GradeOptions, Recorder, StudentResult, room_plan, submission
from .verdict import Prepared, prepare

__all__ = ["GradeOptions", "StudentResult", "ClassReport", "grade_class", "collect_submissions", "quiet_warnings"]


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
    timings: dict = field(default_factory=dict)  # seconds: "start" (cluster, checks, references), "grading"

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


def quiet_warnings() -> None:
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


# ---------------------------------------------------------------------------------------------------------------
# the class


def _sandbox_or_refuse(options: GradeOptions, log) -> bool:
    """Whether the sandbox works on this machine; refuses to go on where it is required or installed but broken."""
    why = sandbox.problem()
    if why is None:
        return True
    if options.require_sandbox:
        raise RuntimeError(f"the sandbox is required but not available: {why}")
    if shutil.which("bwrap"):
        # installed but unusable here: grading unprotected by accident would be worse than not grading
        raise RuntimeError(f"the sandbox cannot be used: {why}")
    return False


def _template_gradebook(root: Path, assignment: str) -> bytes:
    """A SQLite gradebook that holds the assignment (its notebook, grade, solution and source cells) and nothing
    else, made by nbgrader's generate_assignment from the source in a scratch course: each grading host's private
    course starts from a copy."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from ..course import _quiet

    course = Course(root)
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as tmp:
        scratch = Course(Path(tmp))
        scratch.autograder.mkdir()
        shutil.copy2(course.autograder / "nbgrader_config.py", scratch.autograder / "nbgrader_config.py")
        shutil.copytree(course.source(assignment).parent, scratch.source(assignment).parent)
        config = scratch.nbgrader_config()
        extra = Config()
        extra.CourseDirectory.db_url = "sqlite:///" + str(scratch.autograder / "gradebook.db")
        config.merge(extra)
        with _quiet():
            done = NbGraderAPI(config=config).generate_assignment(assignment, force=True, create=True)
        if not done.get("success"):
            raise RuntimeError(f"nbgrader could not prepare {assignment} for the grading hosts:\n{done.get('error')}")
        return (scratch.autograder / "gradebook.db").read_bytes()


def _bundle(root: Path, assignment: str, prepared: list, options: GradeOptions, skip: bool, version: str):
    from .task import Bundle

    course = Course(root)
    source = course.source(assignment).parent
    files = {p.relative_to(source).as_posix(): p.read_bytes() for p in sorted(source.rglob("*"))
             if p.is_file() and ".ipynb_checkpoints" not in p.parts}
    return Bundle(assignment, (course.autograder / "nbgrader_config.py").read_text(), files,
                  _template_gradebook(root, assignment), room_plan(prepared, options.case_seconds), len(prepared),
                  options, skip, version)


def _kernel_seed(seed: int, student: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}/{student}".encode()).digest()[:8], "little")


def _grade_on(client, recorder: Recorder, bundle, students: list, seed: int, progress: bool, log) -> dict:
    """Send each student's task to the cluster (a few per worker at a time, so that a large class's submissions
    do not all sit in the scheduler's memory) and record each outcome as it comes back."""
    from distributed import KilledWorker, as_completed
    from tqdm.auto import tqdm

    from .task import Outcome, SandboxUnavailable, Task, grade_task

    results: dict[str, StudentResult] = {}
    notes: dict[str, list] = {}
    shared = client.scatter(bundle, broadcast=True, hash=False)
    token = uuid.uuid4().hex[:8]
    pending = list(students)
    window = max(4, 2 * sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
    running = as_completed(loop=client.loop)
    owner: dict = {}

    def submit_more():
        while pending and len(owner) < window:
            student = pending.pop(0)
            files, notes[student], refused = submission(recorder.root, recorder.assignment, student)
            if files is None:
                results[student] = recorder.refused(student, refused)
                bar.update(1)
                continue
            future = client.submit(grade_task, Task(student, files, _kernel_seed(seed, student)), shared,
                                   key=f"grade-{recorder.assignment}-{student}-{token}", pure=False)
            owner[future.key] = student
            running.add(future)

    with tqdm(total=len(students), desc=f"grading {recorder.assignment}", unit="student", file=sys.stdout,
              disable=not progress) as bar:
        submit_more()
        for future in running:
            student = owner.pop(future.key)
            try:
                outcome = future.result()
            except SandboxUnavailable as exc:
                client.cancel(list(running.futures))
                raise RuntimeError(f"{exc}; nothing more is graded (--require-sandbox)") from None
            except KilledWorker:
                outcome = Outcome(student, error="the grading hosts died three times while grading this submission")
            except Exception as exc:  # noqa: BLE001 - one student's failure must not touch the others
                outcome = Outcome(student, error=f"grading failed: {type(exc).__name__}: {str(exc)[:120]}")
            results[student] = recorder.record(outcome, notes.pop(student, []))
            bar.update(1)
            submit_more()
    return results


def grade_class(root: Path, assignment: str, submissions: Path | None = None, students: list[str] | None = None,
                options: GradeOptions = GradeOptions(), out: Path | None = None, log=print,
                progress: bool = True, cluster: str | None = None, resume: bool = False) -> ClassReport:
    """Grade every submission of ``assignment`` (or the given ``students``) on the Dask cluster at ``cluster``, or
    on a local one of ``options.jobs`` workers; see the module's docstring. ``resume`` grades only the students
    without a grade in the gradebook (after an interrupted run). Writes ``grades.csv`` for the whole class and
    returns the report of the students graded now."""
    from ..course import course_seed, release
    from .cluster import check_workers, open_client
    from .limits import recorded
    from .task import code_version, ready

    import time

    began = time.monotonic()
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
    students = list(dict.fromkeys(students))  # each student graded, and recorded, once
    if not students:
        raise FileNotFoundError(f"no submission of {assignment} in autograder/submitted/<student>/{assignment}/")
    if not cluster:
        _sandbox_or_refuse(options, log)  # this machine is the grading host: refuse before starting anything
    if not course.source(assignment).is_file():
        log(f"{assignment} has not been released on this machine yet: releasing it first")
        release(root, [assignment], log=log)
    seed = course_seed(root, log)
    jobs = options.jobs or _cores()
    with open_client(cluster, jobs, log) as client:
        version = code_version()
        sandboxed = check_workers(client, version, options.require_sandbox, log)
        prepared = _prepare(assignment, seed)
        out = Path(out) if out else course.grades(assignment)
        log_dir = out / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        skip = options.skip_demonstrations
        if skip is None:
            skip = bool(recorded(root, assignment).get("skip_demonstrations", False))
        recorder = Recorder(root, assignment, prepared, options, log_dir, skip)
        if resume:
            done = recorder.graded()
            log(f"--resume: {len(set(students) & done)} of {len(students)} students already have a grade")
            students = [s for s in students if s not in done]
        for student in students:  # a regrade starts the student's logs afresh; the others' stay
            for old in (log_dir / f"{student}.log", log_dir / f"{student}.cleanroom.txt"):
                old.unlink(missing_ok=True)
        recorder.reset(students)
        bundle = _bundle(root, assignment, prepared, options, skip, version)
        if students:
            try:  # every host's fork server warm (it was warming while the class was prepared)
                client.run(ready)
            except Exception as exc:  # noqa: BLE001 - such a host's tasks fail then, each with its reason
                log(f"a grading host's fork server did not start: {type(exc).__name__}: {exc}")
        started = time.monotonic()
        results = _grade_on(client, recorder, bundle, students, seed, progress, log) if students else {}
        timings = {"start": started - began, "grading": time.monotonic() - started}
    for student, notes in collected.notes.items():
        if student in results:
            results[student].reason = "; ".join([*notes, results[student].reason] if results[student].reason else notes)
    cells = [test_cell(p.exercise.function) for p in prepared]
    csv_path = write_grades_csv(root, assignment, out, cells, results.values())
    return ClassReport(assignment, [results[s] for s in students], cells, csv_path, course.feedback,
                       log_dir, sandboxed and all(r.sandboxed for r in results.values()), collected.refused, timings)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


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
