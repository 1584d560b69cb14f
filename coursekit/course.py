"""The course pipeline around nbgrader: release student notebooks, make sample submissions, autograde, report.

The course root is the repository: ``solutions/`` (nbgrader source, instructor versions), ``notebooks/`` (student
versions, committed) and ``autograder/`` (the nbgrader course root, configured in ``autograder/nbgrader_config.py``).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .grading.check import SEED_ENV, grading_seed
from .grading.registry import exercises

__all__ = ["course_root", "assignments", "release", "make_samples", "grade", "GradeReport", "SAMPLE_STUDENTS"]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"

#: The sample submissions the demo grades: every exercise solved, some solved, none solved.
SAMPLE_STUDENTS = ("sample_full", "sample_partial", "sample_empty")


def course_root(start: str | os.PathLike | None = None) -> Path:
    """The repository folder that holds ``autograder/nbgrader_config.py``: ``start`` or a folder above it; without
    ``start``, the current folder or one above it, else the folder this package was installed from (editable)."""
    if start is not None:
        candidates = [Path(start).resolve()]
    else:
        candidates = [Path.cwd().resolve(), Path(__file__).resolve().parent]
    for base in candidates:
        for folder in (base, *base.parents):
            if (folder / "autograder" / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
                return folder
    raise FileNotFoundError("no course found: run this inside the course repository (the folder with "
                            "autograder/nbgrader_config.py and solutions/)")


def assignments(root: Path) -> list[str]:
    """Assignment names: the folders of ``solutions/`` that contain a notebook of the same name."""
    return sorted(p.name for p in (root / "solutions").iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


@contextlib.contextmanager
def _quiet():
    """Silence nbgrader's and traitlets' logging on the console (it goes to the returned log instead)."""
    import logging

    loggers = [logging.getLogger(n) for n in ("traitlets", "nbgrader", "NbGraderAPI", "")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def tools_on_path() -> None:
    """Put this interpreter's scripts folder first on PATH: nbgrader runs ``alembic`` and kernels run ``python``
    from there, also when the virtual environment was not activated (``.venv/bin/coursekit``, ``make test``)."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _api(root: Path):
    """nbgrader's Python API on the course in ``root/autograder``."""
    tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root / "autograder")).load_config()
    with _quiet():
        return NbGraderAPI(config=config)


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        detail = (result.get("error") or "") + "\n" + (result.get("log") or "")
        raise RuntimeError(f"nbgrader could not {what}:\n{detail.strip()}")


def release(root: Path, names: list[str] | None = None, log=print) -> list[Path]:
    """Generate the student version of each assignment into ``notebooks/`` (nbgrader ``generate_assignment``).

    ``solutions/NAME`` is copied to ``autograder/source/NAME`` (nbgrader's source folder), the assignment is generated
    into ``autograder/release/NAME`` and recorded in the gradebook, and the released notebooks are copied to
    ``notebooks/NAME``. Returns the student notebooks written.
    """
    names = names or assignments(root)
    unknown = sorted(set(names) - set(assignments(root)))
    if unknown:
        raise ValueError(f"no assignment {', '.join(unknown)} in solutions/; known: {', '.join(assignments(root))}")
    (root / "autograder" / "exchange").mkdir(parents=True, exist_ok=True)
    api = _api(root)
    written = []
    for name in names:
        source = root / "autograder" / "source" / name
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(root / "solutions" / name, source,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        with _quiet():
            _check(api.generate_assignment(name, force=True, create=True), f"generate assignment {name}")
        target = root / "notebooks" / name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(root / "autograder" / "release" / name, target)
        written += sorted(target.glob("*.ipynb"))
        log(f"released {name}: {', '.join(str(p.relative_to(root)) for p in sorted(target.glob('*.ipynb')))}")
    return written


# ---------------------------------------------------------------------------------------------------------------
# sample submissions


def _defined_functions(source: str) -> list[str]:
    return re.findall(r"^def\s+([A-Za-z_]\w*)\s*\(", source, flags=re.M)


def _strip_solution_markers(source: str) -> str:
    lines = [ln for ln in source.splitlines() if ln.strip() not in (SOLUTION_BEGIN, SOLUTION_END)]
    return "\n".join(lines)


def make_samples(root: Path, name: str, log=print) -> dict[str, float]:
    """Write the sample submissions of an assignment into ``autograder/submitted/<student>/<name>/``.

    They are built from the released notebook: ``sample_full`` gets every solution cell of the instructor's notebook,
    ``sample_empty`` submits the stubs untouched, and ``sample_partial`` gets the solutions of some exercises and
    plausible mistakes for others, as declared by the chapter's ``PARTIAL_SAMPLE`` in ``coursekit.grading``.
    Returns the expected score of each sample student.
    """
    import importlib

    import nbformat

    released = root / "notebooks" / name / f"{name}.ipynb"
    solution = root / "solutions" / name / f"{name}.ipynb"
    if not released.is_file():
        raise FileNotFoundError(f"{released.relative_to(root)} is missing: run `coursekit release` first")
    solved = {}
    for cell in nbformat.read(solution, as_version=4).cells:
        if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            for fn in _defined_functions(cell.source):
                solved[fn] = _strip_solution_markers(cell.source)

    chapter_exercises = exercises(name)
    if not chapter_exercises:
        raise ValueError(f"no exercise of {name} in the registry")
    module = importlib.import_module(_chapter_module(name))
    partial = getattr(module, "PARTIAL_SAMPLE", {"correct": (), "wrong": {}})
    plans = {
        "sample_full": ({ex.function for ex in chapter_exercises}, {}),
        "sample_partial": (set(partial["correct"]), dict(partial["wrong"])),
        "sample_empty": (set(), {}),
    }
    expected = {}
    for student, (correct, wrong) in plans.items():
        nb = nbformat.read(released, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                continue
            functions = _defined_functions(cell.source)
            if any(fn in wrong for fn in functions):
                cell.source = "\n\n".join(wrong[fn] if fn in wrong else solved[fn] for fn in functions)
            elif functions and all(fn in correct for fn in functions):
                cell.source = solved[functions[0]]
        folder = root / "autograder" / "submitted" / student / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
        expected[student] = float(sum(ex.points for ex in chapter_exercises if ex.function in correct))
    log(f"wrote {len(plans)} sample submissions of {name} to autograder/submitted/")
    return expected


def _chapter_module(name: str) -> str:
    """``06_metrics`` -> ``coursekit.grading.ch06_metrics``, where the chapter registers its exercises."""
    return f"coursekit.grading.ch{name}"


# ---------------------------------------------------------------------------------------------------------------
# grading


@dataclass
class StudentGrade:
    student: str
    score: float
    max_score: float
    exercises: dict = field(default_factory=dict)  # grade cell id -> (score, max)
    status: str = "graded"
    reason: str = ""


@dataclass
class GradeReport:
    assignment: str
    grades: list
    cells: list  # grade cell ids in notebook order
    csv_path: Path
    feedback_dir: Path
    log_path: Path

    def table(self, max_students_per_exercise: int = 8) -> str:
        """A table of scores per student, then (for a few students) the points of each exercise."""
        width = max([16] + [len(g.student) + 2 for g in self.grades])
        rows = [f"{'student':<{width}} {'score':>8}  status", "-" * (width + 24)]
        for g in self.grades:
            rows.append(f"{g.student:<{width}} {_fmt_pair(g.score, g.max_score):>8}  {g.status}"
                        + (f": {g.reason}" if g.reason else ""))
        if 0 < len(self.grades) <= max_students_per_exercise and self.cells:
            names = [g.student for g in self.grades]
            cw = max(len(n) for n in names) + 2
            ew = max(len(c) for c in self.cells) + 2
            rows += ["", f"{'test cell':<{ew}}" + "".join(f"{n:>{cw}}" for n in names), "-" * (ew + cw * len(names))]
            for cell in self.cells:
                marks = [_fmt_pair(*g.exercises[cell]) if cell in g.exercises else "-" for g in self.grades]
                rows.append(f"{cell:<{ew}}" + "".join(f"{m:>{cw}}" for m in marks))
        return "\n".join(rows)


def _fmt_pair(score, max_score) -> str:
    return f"{score:g}/{max_score:g}"


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send everything written to the process's stderr (kernel warnings included) to ``path``, appended."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as fh:
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _seed(root: Path, log) -> int:
    seed = grading_seed()
    if seed is not None:
        return seed
    path = root / "autograder" / ".grading_seed"
    if not path.is_file():
        path.write_text(str(secrets.randbits(63)))
        path.chmod(0o600)
        log(f"drew a new grading seed for the hidden cases into {path.relative_to(root)} (keep it private; set "
            f"{SEED_ENV} to choose one)")
    return int(path.read_text().strip())


def grade(root: Path, name: str, students: list[str] | None = None, out: Path | None = None,
          log=print) -> GradeReport:
    """Autograde the submissions of an assignment in ``autograder/submitted/`` and write feedback and a CSV.

    Student code runs in a Jupyter kernel with the grader's permissions: grade only submissions you trust.
    The hidden cases are drawn from the grading seed (``COURSEKIT_GRADING_SEED``, else ``autograder/.grading_seed``).
    """
    from nbgrader.api import Gradebook, MissingEntry

    from tqdm.auto import tqdm

    submitted = root / "autograder" / "submitted"
    found = sorted(p.name for p in submitted.iterdir() if (p / name).is_dir()) if submitted.is_dir() else []
    students = students or found
    if not students:
        raise FileNotFoundError(f"no submission of {name} in {submitted.relative_to(root)}/<student>/{name}/")
    os.environ[SEED_ENV] = str(_seed(root, log))
    api = _api(root)
    db_url = api.coursedir.db_url
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(name)
        except MissingEntry:
            log(f"{name} is not in the gradebook yet: releasing it first")
            release(root, [name], log=log)
    out = out or root / "autograder" / "grades" / name
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "grading.log"
    grades = []
    for student in tqdm(students, desc=f"grading {name}", unit="student", file=sys.stdout):
        with _quiet(), _stderr_to(log_path):
            result = api.autograde(name, student, force=True, create=True)
        status, reason = "graded", ""
        if not result.get("success"):
            status, reason = "error", _first_error_line(result)
        else:
            with _quiet(), _stderr_to(log_path):
                fb = api.generate_feedback(name, student, force=True)
            if not fb.get("success"):
                status, reason = "graded", "feedback could not be generated: " + _first_error_line(fb)
        grades.append(_read_grade(db_url, name, student, status, reason))
    csv_path = out / "grades.csv"
    order = [f"test_{ex.function}" for ex in exercises(name)]
    cells = [c for c in order if any(c in g.exercises for g in grades)]
    cells += sorted({cid for g in grades for cid in g.exercises} - set(cells))
    with open(csv_path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "assignment", "score", "max_score", "status", "reason", *cells])
        for g in grades:
            writer.writerow([g.student, name, g.score, g.max_score, g.status, g.reason,
                             *[g.exercises.get(c, ("", ""))[0] for c in cells]])
    return GradeReport(name, grades, cells, csv_path, root / "autograder" / "feedback", log_path)


def _first_error_line(result: dict) -> str:
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    for line in text.splitlines():
        if "error" in line.lower() or "exception" in line.lower():
            return line.strip()[:200]
    return (text.strip().splitlines() or ["unknown error"])[-1][:200]


def _read_grade(db_url: str, name: str, student: str, status: str, reason: str) -> StudentGrade:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        max_score = gb.find_assignment(name).max_score
        try:
            sub = gb.find_submission(name, student)
        except MissingEntry:
            return StudentGrade(student, 0.0, max_score, {}, "error", reason or "no submission recorded")
        per_cell = {}
        for nb in sub.notebooks:
            for g in nb.grades:
                per_cell[g.name] = (float(g.score or 0.0), float(g.max_score))
        return StudentGrade(student, float(sub.score), float(sub.max_score), per_cell, status, reason)


def notebook_points(path: Path) -> dict[str, float]:
    """Points of each grade cell of a notebook, by grade id."""
    nb = json.loads(Path(path).read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            out[meta["grade_id"]] = float(meta["points"])
    return out
