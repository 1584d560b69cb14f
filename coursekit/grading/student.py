"""Grading one student: the submission made safe, its notebook run in a sandboxed kernel (nbgrader's autograde, in a
child process with a deadline), the clean rooms' reports beside it, the verdicts written to the gradebook, the
feedback page. :mod:`coursekit.grading.grader` runs this for each student of a class, in a worker process of its
own."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import Course, test_cell
from . import room, sandbox
from .check import SEED_ENV
from .verdict import verdict

__all__ = ["GradeOptions", "StudentResult", "grade_student"]


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


def _api(root: Path, options: GradeOptions, sandboxed: bool, uid: int = sandbox.SANDBOX_UID, execute: bool = True,
         scratch: Path | None = None):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from ..course import tools_on_path

    tools_on_path()
    config = Course(root).nbgrader_config()
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
    cells = _solution_cells(Course(root).source(assignment), notebook)
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


class _Grading:
    """One student's grading: its state, and one method a step (see :func:`grade_student`)."""

    def __init__(self, root, assignment, student, prepared, options, sandboxed, log_dir, uid, scratch):
        self.root, self.assignment, self.student, self.prepared = root, assignment, student, prepared
        self.options, self.sandboxed, self.log_dir, self.uid, self.scratch_root = (options, sandboxed, log_dir, uid,
                                                                                   scratch)
        self.start = time.monotonic()
        self.result = StudentResult(student, max_score=float(sum(p.exercise.points for p in prepared)))
        self.notes: list[str] = []
        self.logf = open(log_dir / f"{student}.log", "a")
        self.phases: dict = {}
        # the notebook may use the submission's time but for a reserve (the verdicts, the gradebook, the feedback)
        self.reserve = min(60.0, 0.15 * options.limits.student_seconds)

    def log(self, message: str) -> None:
        self.logf.write((message or "").rstrip() + "\n")
        self.logf.flush()

    def phase(self, name: str) -> None:
        self.phases[name] = time.monotonic() - self.start - sum(self.phases.values())

    def left(self, margin: float = 0.0) -> float:
        """Seconds left of the submission's time, less ``margin``."""
        return self.options.limits.student_seconds - margin - (time.monotonic() - self.start)

    def submission(self):
        """The submitted notebook's path, or None (and the result says why)."""
        import nbformat

        refused, self.notes = _safe_submission(Course(self.root).submitted(), self.student, self.assignment)
        if refused:
            self.result.status, self.result.reason = "error", refused
            return None
        path, note = _find_notebook(Course(self.root).submitted(self.student, self.assignment), self.assignment)
        self.notes += [note] if note else []
        if path is None:
            self.result.status, self.result.reason = "error", "; ".join(self.notes)
            return None
        try:
            nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001
            self.result.status = "error"
            self.result.reason = f"not a readable notebook ({type(exc).__name__}: {str(exc)[:80]})"
            return None
        return path

    def reset(self) -> None:
        """Remove the student's earlier submission from the gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        def remove():
            with Gradebook(self.db_url) as gb:
                with contextlib.suppress(MissingEntry):
                    gb.find_submission(self.assignment, self.student)
                    gb.remove_submission(self.assignment, self.student)

        _with_retry(remove)

    def start_rooms(self, path: Path) -> threading.Thread:
        """The clean rooms, in a thread beside the kernel; their files live in the run's scratch folder."""
        import nbformat

        self.verdicts: dict = {}

        def clean_rooms():
            try:
                with open(self.log_dir / f"{self.student}.cleanroom.txt", "wb") as err:
                    self.verdicts["outcomes"] = _run_cleanrooms(
                        self.root, self.assignment, nbformat.read(path, as_version=4), self.prepared, self.scratch,
                        self.options, self.sandboxed, self.uid, self.left(self.reserve / 2), err)
            except BaseException as exc:  # noqa: BLE001 - reported as the clean room's failure
                self.verdicts["error"] = f"{type(exc).__name__}: {exc}"
                self.verdicts["trace"] = traceback.format_exc()

        thread = threading.Thread(target=clean_rooms, daemon=True)
        thread.start()
        return thread

    def run_notebook(self, child: int, channel: int) -> None:
        """Wait for the notebook's run; when it failed, record the submission without outputs all the same."""
        outcome, stopped = _wait_autograde(child, channel, time.monotonic() + self.left(self.reserve))
        self.log(outcome.get("log"))
        if outcome.get("success"):
            interrupted = _interrupted_cells(Course(self.root).autograded(self.student, self.assignment))
            if interrupted:
                self.notes.append(f"the notebook could not run to its end: cell {', '.join(map(str, interrupted))} "
                                  f"ran longer than its time limit and was interrupted")
            return
        self.log(outcome.get("error"))
        self.notes.append("the notebook ran out of time and was stopped" if stopped else
                          "the notebook could not be run to the end")
        # the restored test cells, no outputs: the verdicts give its scores, and the feedback page says what happened
        with contextlib.redirect_stdout(self.logf), contextlib.redirect_stderr(self.logf):
            self.reset()
            fallback = _api(self.root, self.options, self.sandboxed, self.uid, execute=False,
                            scratch=self.scratch).autograde(self.assignment, self.student, force=True, create=True)
        self.log(fallback.get("log"))
        _note_in_notebook(Course(self.root).autograded(self.student, self.assignment),
                          "**Grader's note.** This notebook could not be run to the end in the grader (its kernel "
                          "died or ran out of resources), so it is shown without outputs. Each exercise's score is "
                          "the verdict of running your functions on the visible and hidden cases in a fresh "
                          "interpreter.")

    def room_outcomes(self, thread: threading.Thread) -> list:
        thread.join(max(self.left(self.reserve / 2), 0) + 10)
        shutil.rmtree(self.scratch, ignore_errors=True)
        if "outcomes" in self.verdicts:
            outcomes, reason = self.verdicts["outcomes"]
        else:
            self.log(self.verdicts.get("trace", "the clean room did not finish"))
            outcomes = [({"cases": []}, {}) for _ in self.prepared]
            reason = f"the clean room failed ({self.verdicts.get('error', 'it did not finish in time')})"
        if reason:
            self.notes.append(reason)
        return outcomes

    def write_grades(self, outcomes: list) -> None:
        """The verdicts are the scores: into the gradebook, beside what the student's kernel said."""
        from nbgrader.api import Gradebook, MissingEntry

        result = self.result

        def write():
            with Gradebook(self.db_url) as gb:
                try:
                    gb.find_submission(self.assignment, self.student)
                except MissingEntry:
                    gb.add_submission(self.assignment, self.student)
                for prep, (out, arrays) in zip(self.prepared, outcomes):
                    cell = test_cell(prep.exercise.function)
                    ok, why = verdict(prep, out.get("cases", []), arrays, out.get("cell_errors", ()))
                    points = float(prep.exercise.points) if ok else 0.0
                    result.exercises[cell] = [points, float(prep.exercise.points), why]
                    try:
                        grade = gb.find_grade(cell, self.assignment, self.assignment, self.student)
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

    def feedback(self) -> None:
        with contextlib.redirect_stdout(self.logf), contextlib.redirect_stderr(self.logf):
            done = self.api.generate_feedback(self.assignment, self.student, force=True)
        if not done.get("success"):
            self.notes.append("no feedback page (see the log)")
            self.log(done.get("error"))


def grade_student(root: Path, assignment: str, student: str, prepared: list, options: GradeOptions, sandboxed: bool,
                  kernel_seed: int, log_dir: Path, uid: int = sandbox.SANDBOX_UID,
                  scratch: Path | None = None) -> StudentResult:
    """Grade one student's submission of ``assignment`` (see the module's docstring); ``prepared`` holds the
    exercises' cases and reference results, ``kernel_seed`` the seed of the hidden checks in the notebook itself (not
    the grading seed), ``uid`` the sandbox's user, ``scratch`` the run's folder for temporary files."""
    g = _Grading(root, assignment, student, prepared, options, sandboxed, log_dir, uid, scratch)
    path = g.submission()
    if path is None:
        return g.result
    g.scratch = Path(tempfile.mkdtemp(prefix=f"student-{_slug(student)}-", dir=scratch))
    g.api = _api(root, options, sandboxed, uid, scratch=g.scratch)
    g.db_url = g.api.coursedir.db_url
    g.reset()
    g.phase("prepare")
    os.environ[SEED_ENV] = str(kernel_seed)
    child, channel = _start_autograde(g.api, assignment, student, g.logf)  # forked before any thread starts
    rooms = g.start_rooms(path)
    g.run_notebook(child, channel)
    g.phase("autograde")
    outcomes = g.room_outcomes(rooms)
    g.phase("clean room")
    g.write_grades(outcomes)
    g.phase("gradebook")
    g.feedback()
    g.phase("feedback")
    g.log("seconds per phase: " + ", ".join(f"{k} {v:.2f}" for k, v in g.phases.items()))
    g.result.reason = "; ".join(g.notes)
    g.result.seconds = time.monotonic() - g.start
    return g.result
