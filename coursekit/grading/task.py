"""One student's grading as a task for a grading host: what travels to it, what runs there, what comes back.

The grader (:mod:`coursekit.grading.grader`) sends one :class:`Task` per student to a Dask worker, with the class's
:class:`Bundle` (sent once to each worker). Nothing is read from a shared file system; on the worker,
:func:`grade_task`

1. checks the sandbox there (``--require-sandbox`` raises :class:`SandboxUnavailable`, which stops the class);
2. forks a grading process of its own (from a fork server that has nbgrader imported already) in a session of its
   own, which builds a **private scratch course** in a temporary folder: the assignment's source notebook, the
   student's submission and a private SQLite gradebook that holds only the assignment (the bundle's copy);
3. there, nbgrader's autograde restores the test cells and runs the notebook in the sandboxed kernel (a child with
   a deadline; the grader scores it), and the clean rooms run beside it (:mod:`coursekit.grading.room`);
4. waits for it until the submission's time limit (plus a minute): Dask cannot interrupt a running task, so the
   task itself kills that process's whole session when the time is up;
5. returns an :class:`Outcome`: the executed notebook, the clean rooms' reports (numbers only) and the logs.

The grader's own process then records it (:mod:`coursekit.grading.student`): it computes the verdicts and writes the
real gradebook, ``grades.csv`` and the feedback page. The grading seed never leaves the grader: a task carries the
cases (data) and the kernel's seed for this student only.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import pickle
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .check import SEED_ENV
from .student import GradeOptions, autograde_api, run_cleanrooms, solution_cells, start_autograde, wait_autograde

__all__ = ["Bundle", "Task", "Outcome", "SandboxUnavailable", "grade_task", "host_facts", "warm", "ready",
           "code_version", "SLOT_UID_BASE"]

MARGIN = 60  # seconds a grading process may run past the submission's time limit before the task kills it
SLOT_UID_BASE = 61000  # each worker process's sandbox user when grading as root: 61000, 61001, ... (no login)
_MAX_LOG = 4 * 2**20  # bytes of a student's log that come back


class SandboxUnavailable(RuntimeError):
    """``--require-sandbox`` and this grading host cannot start the sandbox."""


@dataclass(frozen=True)
class Bundle:
    """What every task of one class needs, sent once to each worker."""

    assignment: str
    config: str  # the course's nbgrader_config.py
    source: dict  # the files of autograder/source/<assignment>/ (relative path -> bytes)
    gradebook: bytes  # a SQLite gradebook that holds the assignment and nothing else
    rooms: list  # per clean room: (allowed modules, indices of its exercises, its files from room.files)
    n_exercises: int
    options: GradeOptions
    skip_demonstrations: bool = False
    version: str = ""  # code_version() of the grader


@dataclass(frozen=True)
class Task:
    """One student's submission: its folder's regular files, and the seed of the hidden checks in its kernel."""

    student: str
    files: dict  # relative path -> bytes
    kernel_seed: int


@dataclass
class Outcome:
    """What a grading host sends back for one student."""

    student: str
    executed: bytes | None = None  # nbgrader's executed notebook; None when the run failed
    run_error: str = ""  # why the notebook's run failed
    stopped: bool = False  # the notebook's run was stopped at its deadline
    rooms: list = field(default_factory=list)  # per exercise: (report, arrays)
    room_note: str = ""
    log: str = ""
    cleanroom_log: bytes = b""
    phases: dict = field(default_factory=dict)
    host: str = ""
    sandboxed: bool = True
    error: str = ""  # the grading itself failed or was stopped (not the student's code)
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------------------------
# the worker's side


def code_version() -> str:
    """A digest of the grading code: grader and hosts must run the same, or scores could differ."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def host_facts(root_version: str = "") -> dict:
    """What the grader asks each worker before grading: its host, whether its sandbox works (and why not), and
    whether its grading code is the grader's."""
    return {"host": socket.gethostname(), "problem": sandbox.problem(), "bwrap": bool(_which("bwrap")),
            "version": code_version(), "same_code": not root_version or root_version == code_version(),
            "python": sys.version.split()[0]}


def _which(name: str):
    import shutil

    return shutil.which(name)


_CONTEXT = None
_SLOT: list = []


def _context():
    """A fork server that has the grading code imported and warmed (:mod:`coursekit.grading.preload`): each
    student's grading process is forked from it (fast, and from a process with one thread, unlike a Dask worker)."""
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["coursekit.grading.task", "coursekit.grading.kernel", "nbgrader.apps",
                                    "nbgrader.preprocessors", "nbconvert.exporters", "nbclient", "zmq",
                                    "coursekit.grading.preload"])
        _CONTEXT = ctx
    return _CONTEXT


def warm() -> str:
    """Start this worker's fork server (called once on every worker while the grader prepares the class)."""
    from multiprocessing import forkserver

    _context()
    _slot_uid()
    with _children_allowed():
        forkserver.ensure_running()
    return socket.gethostname()


def ready() -> str:
    """Wait until this worker's fork server (started by :func:`warm`) has imported and warmed the grading code, so
    that the class's first students are not kept waiting for it: called once the grader has prepared the class."""
    with _children_allowed():
        proc = _context().Process(target=_nothing)
        proc.start()
        proc.join(300)
    return socket.gethostname()


def _nothing() -> None:
    """A first child of the fork server: it starts once the fork server has done its imports."""


@contextlib.contextmanager
def _children_allowed():
    """Dask's worker processes are daemonic, and multiprocessing refuses children to a daemonic process (it would
    leave them behind when it ends). The grading process is killed at its deadline by the task and dies with its
    parent (PR_SET_PDEATHSIG), so it is allowed here."""
    config = multiprocessing.current_process()._config
    daemon = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon


def _slot_uid() -> int:
    """This worker's sandbox user (as root): the lowest slot no other worker process on this host holds. A slot is
    an abstract Unix socket bound for the life of the process, so a dead worker's slot is free again at once."""
    if not _SLOT:
        for k in range(1024):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(f"\0coursekit-grading-slot-{k}")
            except OSError:
                sock.close()
                continue
            _SLOT.extend([k, sock])
            break
        else:  # pragma: no cover - a thousand grading workers on one host
            _SLOT.extend([0, None])
    return SLOT_UID_BASE + _SLOT[0]


def grade_task(task: Task, bundle: Bundle) -> Outcome:
    """Grade one student on this worker (see the module's docstring). Runs in a Dask worker's thread."""
    start = time.monotonic()
    problem = sandbox.problem()
    if problem is not None and (bundle.options.require_sandbox or _which("bwrap")):
        raise SandboxUnavailable(f"the sandbox cannot be used on grading host {socket.gethostname()}: {problem}")
    sandboxed = problem is None
    uid = _slot_uid()
    limit = bundle.options.limits.student_seconds + MARGIN
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as tmp:
        out = Path(tmp) / "outcome.pickle"
        proc = _context().Process(target=_grading_process, args=(task, bundle, sandboxed, uid, tmp, str(out)))
        with _children_allowed():
            proc.start()
        proc.join(limit)
        over = proc.is_alive()
        if over:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.join(10)
        outcome = None
        if out.is_file():
            with contextlib.suppress(Exception):
                outcome = pickle.loads(out.read_bytes())
        if outcome is None:
            outcome = Outcome(task.student, sandboxed=sandboxed, error=(
                "the grading of this submission was stopped at the time limit" if over else
                "the grading of this submission ended without a result (see its log)"))
        log = Path(tmp) / "log.txt"
        if log.is_file():
            with open(log, "rb") as fh:
                size = fh.seek(0, 2)
                fh.seek(max(0, size - _MAX_LOG))
                outcome.log = fh.read().decode("utf-8", "replace")
    outcome.host = socket.gethostname()
    outcome.seconds = time.monotonic() - start
    return outcome


def _die_with_parent() -> None:
    """Be killed when the parent (the fork server, which ends with its worker) dies: a worker killed mid-task leaves
    no grading behind (the kernel and the clean room die with this process: bwrap --die-with-parent)."""
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:
        os._exit(1)


def _grading_process(task: Task, bundle: Bundle, sandboxed: bool, uid: int, tmp: str, out: str) -> None:
    # what the fork server holds is never garbage here: the collector leaves it alone (gc.freeze), rather than go
    # through all of it, and copy the memory it touches, on its first full collection
    gc.freeze()
    os.setsid()  # the task kills this whole session (kernel and clean rooms included) at the time limit
    _die_with_parent()
    from .grader import quiet_warnings

    quiet_warnings()
    # everything this process and its kernels print goes to the student's log
    log_fd = os.open(Path(tmp) / "log.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    logf = os.fdopen(os.dup(log_fd), "a", buffering=1)
    try:
        outcome = _run(task, bundle, sandboxed, uid, Path(tmp), logf)
    except BaseException as exc:  # noqa: BLE001 - reported as the grading's failure, with its trace in the log
        logf.write(traceback.format_exc())
        outcome = Outcome(task.student, sandboxed=sandboxed,
                          error=f"grading failed: {type(exc).__name__}: {str(exc)[:120]}")
    logf.flush()
    Path(out).write_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.flush()
    os._exit(0)


def _scratch_course(tmp: Path, task: Task, bundle: Bundle) -> Path:
    """A private nbgrader course in ``tmp``: the configuration, the source notebook, the submission, a gradebook
    that holds only the assignment. Returns its root (the folder holding ``autograder/``)."""
    from ..paths import Course

    course = Course(tmp / "course")
    course.autograder.mkdir(parents=True)
    (course.autograder / "nbgrader_config.py").write_text(bundle.config)
    (course.autograder / "gradebook.db").write_bytes(bundle.gradebook)
    for folder, files in ((course.source(bundle.assignment).parent, bundle.source),
                          (course.submitted(task.student, bundle.assignment), task.files)):
        for rel, data in files.items():
            path = folder / rel
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return course.root


def _run(task: Task, bundle: Bundle, sandboxed: bool, uid: int, tmp: Path, logf) -> Outcome:
    import nbformat

    from ..paths import Course

    start = time.monotonic()
    options, assignment, student = bundle.options, bundle.assignment, task.student
    phases: dict = {}

    def phase(name):
        phases[name] = round(time.monotonic() - start - sum(phases.values()), 3)

    def left(margin: float = 0.0) -> float:
        return options.limits.student_seconds - margin - (time.monotonic() - start)

    reserve = min(60.0, 0.15 * options.limits.student_seconds)
    root = _scratch_course(tmp, task, bundle)
    course = Course(root)
    scratch = Path(tempfile.mkdtemp(prefix="student-", dir=tmp))
    api = autograde_api(root, options, sandboxed, uid, scratch=scratch, skip_demonstrations=bundle.skip_demonstrations,
                        db_url="sqlite:///" + str(course.autograder / "gradebook.db"), score=False)
    phase("prepare")
    os.environ[SEED_ENV] = str(task.kernel_seed)
    child, channel = start_autograde(api, assignment, student, logf)  # forked before any thread starts
    notebook = nbformat.read(course.submitted(student, assignment) / f"{assignment}.ipynb", as_version=4)
    cells = solution_cells(course.source(assignment), notebook)
    rooms: dict = {}

    def clean_rooms():
        try:
            with open(tmp / "cleanroom.txt", "wb") as err:
                rooms["outcomes"] = run_cleanrooms(bundle.rooms, bundle.n_exercises, cells, scratch, options,
                                                   sandboxed, uid, left(reserve / 2), err)
        except BaseException as exc:  # noqa: BLE001 - reported as the clean room's failure
            rooms["error"] = f"{type(exc).__name__}: {exc}"
            logf.write(traceback.format_exc())

    thread = threading.Thread(target=clean_rooms, daemon=True)
    thread.start()
    result, stopped = wait_autograde(child, channel, time.monotonic() + left(reserve))
    logf.write((result.get("log") or "").rstrip() + "\n")
    outcome = Outcome(student, sandboxed=sandboxed, stopped=stopped)
    graded = course.autograded(student, assignment)
    if result.get("success") and graded.is_file():
        outcome.executed = graded.read_bytes()
    else:
        logf.write((result.get("error") or "").rstrip() + "\n")
        outcome.run_error = "the notebook ran out of time and was stopped" if stopped else \
            "the notebook could not be run to the end"
    phase("autograde")
    thread.join(max(left(reserve / 2), 0) + 10)
    if "outcomes" in rooms:
        outcome.rooms, outcome.room_note = rooms["outcomes"]
    else:
        outcome.rooms = [({"cases": []}, {}) for _ in range(bundle.n_exercises)]
        outcome.room_note = f"the clean room failed ({rooms.get('error', 'it did not finish in time')})"
    phase("clean room")
    err = tmp / "cleanroom.txt"
    outcome.cleanroom_log = err.read_bytes()[-_MAX_LOG:] if err.is_file() else b""
    outcome.phases = phases
    return outcome
