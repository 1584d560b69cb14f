"""Grading one student: the submission made safe (:func:`submission`), its notebook run in a sandboxed kernel
(nbgrader's autograde in a child process with a deadline, :func:`start_autograde`) with the clean rooms' reports
beside it (:func:`run_cleanrooms`) on a grading host (:mod:`coursekit.grading.task`), then, in the grader's own
process, the verdicts written to the gradebook and the feedback page (:class:`Recorder`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import Course, test_cell
from . import room, sandbox
from .verdict import verdict

__all__ = ["GradeOptions", "StudentResult", "Recorder", "submission", "autograde_api", "run_cleanrooms",
           "solution_cells", "start_autograde", "wait_autograde"]


@dataclass(frozen=True)
class GradeOptions:
    """How to grade: parallel workers (of a local cluster), the sandbox's limits, whether a missing sandbox is
    acceptable, and whether the graded run leaves out the demonstrations (None: as recorded at release)."""

    jobs: int = 0  # 0: one per core
    limits: sandbox.Limits = sandbox.Limits()
    case_seconds: int = 60
    require_sandbox: bool = False
    max_result_mb: float = 256.0  # what the clean room may return per exercise group, in MiB
    skip_demonstrations: bool | None = None


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
    sandboxed: bool = True  # graded in the sandbox


def autograde_api(root: Path, options: GradeOptions, sandboxed: bool, uid: int = sandbox.SANDBOX_UID,
                  execute: bool = True, scratch: Path | None = None, skip_demonstrations: bool = False,
                  db_url: str | None = None, keep_outputs: bool = False, submitted_directory: str | None = None,
                  score: bool = True):
    """nbgrader's API on the course in ``root`` configured to grade: the notebook executed in the sandboxed kernel
    (``execute``), or not executed at all; ``keep_outputs`` records a notebook executed elsewhere as it is (no
    ``ClearOutput``), read from ``submitted_directory``. Without ``score`` (a grading host's run, which the grader
    records again), the executed notebook is all it makes: nbgrader's steps after the execution (output limits,
    scores, late penalties, the metadata check) are left to the grader's recording, which does all of them."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from ..course import tools_on_path

    tools_on_path()
    config = Course(root).nbgrader_config()
    extra = Config()
    extra.Execute.timeout = options.limits.cell_seconds
    extra.SandboxExecute.timeout = options.limits.cell_seconds
    extra.SandboxExecute.max_output_mb = options.limits.output_mb
    extra.SandboxExecute.skip_demonstrations = skip_demonstrations
    extra.Autograde.autograde_preprocessors = [
        *(["coursekit.grading.kernel.SandboxExecute"] if execute else []),
        *(["nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
           "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
           "nbgrader.preprocessors.AssignLatePenalties", "coursekit.grading.metadata.CheckCellMetadata"]
          if score else [])]
    if keep_outputs:
        extra.Autograde.sanitize_preprocessors = [
            p for p in config.Autograde.sanitize_preprocessors if "ClearOutput" not in str(p)]
    if submitted_directory:
        extra.CourseDirectory.submitted_directory = submitted_directory
    if sandboxed:
        extra.SandboxExecute.kernel_manager_class = "coursekit.grading.kernel.SandboxedKernelManager"
        extra.SandboxedKernelManager.memory_mb = options.limits.memory_mb
        extra.SandboxedKernelManager.processes = options.limits.processes
        extra.SandboxedKernelManager.file_mb = options.limits.file_mb
        extra.SandboxedKernelManager.uid = uid
        extra.SandboxedKernelManager.scratch_mb = options.limits.scratch_mb
        extra.SandboxedKernelManager.scratch_root = str(scratch or "")
    extra.CourseDirectory.db_url = db_url or gradebook_url(config)
    config.merge(extra)
    return NbGraderAPI(config=config)


def gradebook_url(config) -> str:
    """The gradebook's URL from the course's configuration; SQLite waits for other writers (the formgrader)."""
    db_url = config.CourseDirectory.db_url
    if db_url.startswith("sqlite") and "timeout" not in db_url:
        db_url += ("&" if "?" in db_url else "?") + "timeout=120"
    return db_url


def _interrupted_cells(path: Path) -> list[int]:
    """The code cells (numbered from 1) that the grader stopped at their time limit."""
    import nbformat

    from .kernel import TIMEOUT_NOTE

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - no notebook, no note
        return []
    code = [c for c in nb.cells if c.cell_type == "code"]
    return [i + 1 for i, cell in enumerate(code)
            if any(TIMEOUT_NOTE in str(out.get("text", "")) for out in cell.get("outputs", []))]


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


def solution_cells(source_nb: Path, submitted_nb) -> list[str]:
    """The clean room's program: the chapter's setup cell (the source's first code cell), then the student's
    solution cells in order."""
    import nbformat

    source = nbformat.read(source_nb, as_version=4)
    setup = next((c.source for c in source.cells if c.cell_type == "code"), "")
    solutions = [c.source for c in submitted_nb.cells
                 if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    return [setup] + solutions


def room_plan(prepared: list, case_seconds: int) -> list:
    """The clean rooms of an assignment, built once in the grader: exercises that allow the same packages share a
    clean room, which shows only those packages. Each is (modules, indices of its exercises, its files)."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(prepared):
        groups.setdefault(tuple(sorted(set(p.exercise.modules))), []).append(i)
    return [(modules, members, room.files([prepared[i] for i in members], case_seconds))
            for modules, members in groups.items()]


def run_cleanrooms(plan: list, n_exercises: int, cells: list[str], scratch: Path, options: GradeOptions,
                   sandboxed: bool, uid: int, seconds: float, stderr) -> tuple[list, str]:
    """The clean rooms' reports, one per exercise (:func:`room_plan`), on the student's ``cells``. Returns the
    outcomes and a note when one ended early."""
    outcomes: list = [({"cases": []}, {})] * n_exercises
    notes = []
    deadline = time.monotonic() + seconds
    for k, (modules, members, files) in enumerate(plan):
        folder = room.write(scratch / f"room-{k}", files, cells)
        if sandboxed:
            def command(arguments, modules=modules, folder=folder):
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


def start_autograde(api, assignment: str, student: str, logf) -> tuple[int, int]:
    """nbgrader's autograde (the notebook executed in its sandboxed kernel) in a child process, so that it can be
    killed with its kernel at a deadline (:func:`wait_autograde`): a kernel whose channels a student's code broke
    can make Jupyter's client wait without end, and the grader must still give its verdict in time. Forked before
    any other thread of the worker starts. Returns the child's pid and the pipe its result comes on."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        with contextlib.suppress(Exception):  # dies with the grading process, and its kernel with it
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
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


def wait_autograde(pid: int, read_end: int, deadline: float) -> tuple[dict, bool]:
    """nbgrader's result (success, log, error) from :func:`start_autograde`, and whether ``deadline`` (a
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




# ---------------------------------------------------------------------------------------------------------------
# the grader's side of one student


def submission(root: Path, assignment: str, student: str) -> tuple[dict | None, list[str], str]:
    """The files of ``submitted/<student>/<assignment>`` to send to a grading host (relative path -> bytes), made
    safe first (:func:`_safe_submission`), the notebook found (a renamed one is taken) and checked to be a notebook.
    Returns the files (None when refused), notes, and the reason of a refusal."""
    import nbformat

    course = Course(root)
    refused, notes = _safe_submission(course.submitted(), student, assignment)
    if refused:
        return None, notes, refused
    folder = course.submitted(student, assignment)
    path, note = _find_notebook(folder, assignment)
    notes += [note] if note else []
    if path is None:
        return None, notes, "; ".join(notes)
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001
        return None, notes, f"not a readable notebook ({type(exc).__name__}: {str(exc)[:80]})"
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and ".ipynb_checkpoints" not in path.parts:
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files, notes, ""


SKIPPED_DEMONSTRATIONS = (
    "**Grader's note.** In the graded run of this notebook the demonstrations were left out (they train networks "
    "for minutes, and no score depends on them): only the setup cell, your solution cells and the test cells were "
    "run, so the other cells show no output here (each says so). Each exercise's score is the verdict of running "
    "your functions on the visible and hidden cases in a fresh interpreter, exactly as when everything runs.")

NOT_RUN = ("**Grader's note.** This notebook could not be run to the end in the grader (its kernel died or ran out "
           "of resources), so it is shown without outputs. Each exercise's score is the verdict of running your "
           "functions on the visible and hidden cases in a fresh interpreter.")


class Recorder:
    """The grader's side of a class: records each student's :class:`~coursekit.grading.task.Outcome` in the real
    gradebook (nbgrader's autograde, not executing, on the notebook the grading host executed), computes the
    verdicts, writes them as the scores, and generates the feedback page. Runs in the grader's own process only."""

    STAGING = "executed"  # autograder/executed/<student>/<assignment>/: a host's executed notebook, while recorded

    def __init__(self, root: Path, assignment: str, prepared: list, options: GradeOptions, log_dir: Path,
                 skip_demonstrations: bool = False):
        self.root, self.assignment, self.prepared, self.options = Path(root), assignment, prepared, options
        self.log_dir, self.skip_demonstrations = log_dir, skip_demonstrations
        self.course = Course(self.root)
        # a notebook executed elsewhere, recorded as it is; and a submission that could not run, without outputs
        self.executed_api = autograde_api(self.root, options, False, execute=False, keep_outputs=True,
                                          submitted_directory=self.STAGING)
        self.plain_api = autograde_api(self.root, options, False, execute=False)
        self.db_url = self.plain_api.coursedir.db_url
        self.max_score = float(sum(p.exercise.points for p in prepared))

    def reset(self, students) -> None:
        """Remove the students' earlier submissions from the gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        def remove():
            with Gradebook(self.db_url) as gb:
                for student in students:
                    with contextlib.suppress(MissingEntry):
                        gb.find_submission(self.assignment, student)
                        gb.remove_submission(self.assignment, student)

        _with_retry(remove)

    def graded(self) -> set:
        """The students with a submission of the assignment in the gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.db_url) as gb:
            try:
                return {s.student.id for s in gb.assignment_submissions(self.assignment)}
            except MissingEntry:
                return set()

    def refused(self, student: str, reason: str) -> StudentResult:
        """A submission that was never sent to a host (not a notebook, missing, a link): no grade, a reason."""
        return StudentResult(student, max_score=self.max_score, status="error", reason=reason)

    def record(self, outcome, notes: list[str]) -> StudentResult:
        """Record one student's outcome; the student's result (score = the verdicts). The student's earlier
        submission was removed from the gradebook before the class was sent (:meth:`reset`)."""
        start = time.monotonic()
        student = outcome.student
        result = StudentResult(student, max_score=self.max_score)
        notes = list(notes)
        with open(self.log_dir / f"{student}.log", "a") as logf:
            logf.write(outcome.log)
            if outcome.cleanroom_log:
                (self.log_dir / f"{student}.cleanroom.txt").write_bytes(outcome.cleanroom_log)
            with contextlib.redirect_stdout(logf), contextlib.redirect_stderr(logf):
                graded = self.course.autograded(student, self.assignment)
                if outcome.executed is not None:
                    staged = self.course.autograder / self.STAGING / student / self.assignment
                    shutil.rmtree(staged.parent, ignore_errors=True)
                    sandbox.copy_regular_files(self.course.submitted(student, self.assignment), staged)
                    (staged / f"{self.assignment}.ipynb").write_bytes(outcome.executed)
                    try:
                        done = self.executed_api.autograde(self.assignment, student, force=True, create=True)
                    finally:
                        shutil.rmtree(staged.parent, ignore_errors=True)
                        with contextlib.suppress(OSError):
                            (self.course.autograder / self.STAGING).rmdir()
                    interrupted = _interrupted_cells(graded)
                    if interrupted:
                        notes.append(f"the notebook could not run to its end: cell {', '.join(map(str, interrupted))} "
                                     f"ran longer than its time limit and was interrupted")
                else:
                    notes.append(outcome.error or outcome.run_error or "the notebook could not be run")
                    done = self.plain_api.autograde(self.assignment, student, force=True, create=True)
            logf.write((done.get("log") or "").rstrip() + "\n")
            if not done.get("success"):
                logf.write((done.get("error") or "").rstrip() + "\n")
            if outcome.room_note:
                notes.append(outcome.room_note)
            if outcome.error:
                result.status = "error"
            self._write_grades(result, outcome.rooms)
            if outcome.executed is None:
                _note_in_notebook(graded, NOT_RUN)
            elif self.skip_demonstrations:
                _note_in_notebook(graded, SKIPPED_DEMONSTRATIONS)
            with contextlib.redirect_stdout(logf), contextlib.redirect_stderr(logf):
                feedback = self.plain_api.generate_feedback(self.assignment, student, force=True)
            if not feedback.get("success"):
                notes.append("no feedback page (see the log)")
                logf.write((feedback.get("error") or "").rstrip() + "\n")
            phases = {**outcome.phases, "record": round(time.monotonic() - start, 3)}
            logf.write(f"graded on {outcome.host or 'this machine'}; seconds per phase: "
                       + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()) + "\n")
        result.reason = "; ".join(dict.fromkeys(n for n in notes if n))
        result.seconds = outcome.seconds
        result.sandboxed = outcome.sandboxed
        return result

    def _write_grades(self, result: StudentResult, outcomes: list) -> None:
        """The verdicts are the scores: into the gradebook, beside what the student's kernel said."""
        from nbgrader.api import Gradebook, MissingEntry

        if len(outcomes) != len(self.prepared):
            outcomes = [({"cases": []}, {}) for _ in self.prepared]

        def write():
            result.exercises.clear()
            result.kernel.clear()
            result.suspected.clear()
            with Gradebook(self.db_url) as gb:
                try:
                    gb.find_submission(self.assignment, result.student)
                except MissingEntry:
                    gb.add_submission(self.assignment, result.student)
                for prep, (out, arrays) in zip(self.prepared, outcomes):
                    cell = test_cell(prep.exercise.function)
                    ok, why = verdict(prep, out.get("cases", []), arrays, out.get("cell_errors", ()))
                    points = float(prep.exercise.points) if ok else 0.0
                    result.exercises[cell] = [points, float(prep.exercise.points), why]
                    try:
                        grade = gb.find_grade(cell, self.assignment, self.assignment, result.student)
                    except MissingEntry:
                        continue
                    result.kernel[cell] = grade.auto_score
                    if grade.auto_score is not None and grade.auto_score > 0 and not ok:
                        result.suspected.append(cell)
                    grade.auto_score = points
                    grade.needs_manual_grade = False
                gb.db.commit()

        _with_retry(write)
        result.score = float(sum(v[0] for v in result.exercises.values()))
