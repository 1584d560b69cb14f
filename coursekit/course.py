"""The course pipeline around nbgrader: release student notebooks, make sample submissions, autograde, report.

The course root is the repository: ``solutions/`` (nbgrader source, instructor versions), ``notebooks/`` (student
versions, committed) and ``autograder/`` (the nbgrader course root, configured in ``autograder/nbgrader_config.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from .grading.check import SEED_ENV, grading_seed
from .paths import Course, chapter_module
from .grading.registry import exercises

__all__ = ["course_root", "assignments", "release", "make_samples", "course_seed", "notebook_points", "student_copy",
           "SAMPLE_STUDENTS"]

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

    config = Course(root).nbgrader_config()
    with _quiet():
        return NbGraderAPI(config=config)


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        detail = (result.get("error") or "") + "\n" + (result.get("log") or "")
        if "because there are submissions associated with it" in detail:
            name = what.split()[-1]
            raise RuntimeError(
                f"nbgrader could not {what}: the gradebook holds graded submissions of {name}, and nbgrader refuses "
                f"to add or remove cells of a notebook that has them. Either keep the cells as they are (editing "
                f"their text is fine), or remove the old grades first: `nbgrader db assignment remove {name} "
                f"--force` in autograder/ (the scores of {name} in the gradebook are lost; grades.csv files stay).")
        raise RuntimeError(f"nbgrader could not {what}:\n{detail.strip()}")


def release(root: Path, names: list[str] | None = None, log=print, measure: bool | list = False) -> list[Path]:
    """Generate the student version of each assignment into ``notebooks/`` (nbgrader ``generate_assignment``).

    ``solutions/NAME`` is copied to ``autograder/source/NAME`` (nbgrader's source folder), the assignment is generated
    into ``autograder/release/NAME`` and recorded in the gradebook, and the released notebooks are copied to
    ``notebooks/NAME``. With ``measure`` (True: every assignment released; or a list of names) the source notebook
    is run once, where it changed since it was last measured, and the grading time limits fitted to that run are
    recorded (:mod:`coursekit.grading.limits`). Returns the student notebooks written.
    """
    names = names or assignments(root)
    unknown = sorted(set(names) - set(assignments(root)))
    if unknown:
        raise ValueError(f"no assignment {', '.join(unknown)} in solutions/; known: {', '.join(assignments(root))}")
    Course(root).exchange.mkdir(parents=True, exist_ok=True)
    api = _api(root)
    written = []
    for name in names:
        source = Course(root).source(name).parent
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
    if measure:
        from .grading import limits

        for name in names if measure is True else [n for n in names if n in measure]:
            if not limits.recorded(root, name):
                log(f"measuring {name}'s solution notebook once, to fit the grading time limits ...")
                limits.record(root, name, log=log)
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
    module = importlib.import_module(chapter_module(name))
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
        folder = Course(root).submitted(student, name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
        expected[student] = float(sum(ex.points for ex in chapter_exercises if ex.function in correct))
    log(f"wrote {len(plans)} sample submissions of {name} to autograder/submitted/")
    return expected




# ---------------------------------------------------------------------------------------------------------------
# grading (the grader itself is coursekit.grading.grader)


def course_seed(root: Path, log=print) -> int:
    """The grading seed of the hidden cases: ``COURSEKIT_GRADING_SEED``, else the one kept (drawn once) in
    ``autograder/.grading_seed``."""
    seed = grading_seed()
    if seed is not None:
        return seed
    path = Course(root).seed_file
    if not path.is_file():
        path.write_text(str(secrets.randbits(63)))
        path.chmod(0o600)
        log(f"drew a new grading seed for the hidden cases into {path.relative_to(root)} (keep it private; set "
            f"{SEED_ENV} to choose one)")
    return int(path.read_text().strip())


def notebook_points(path: Path) -> dict[str, float]:
    """Points of each grade cell of a notebook, by grade id."""
    nb = json.loads(Path(path).read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            out[meta["grade_id"]] = float(meta["points"])
    return out


# ---------------------------------------------------------------------------------------------------------------
# the students' copy of the course

#: What students receive: the released notebooks and the package they import, with its install files.
STUDENT_FILES = ("notebooks", "coursekit", "pyproject.toml", "requirements.txt", "environment.yml", "LICENSE")

_STUDENT_README = """# Image segmentation — the course's notebooks

```bash
make setup   # .venv with the course's packages (Python >= 3.10)
make lab     # JupyterLab: open notebooks/NN_topic/NN_topic.ipynb
```

Write each function marked **Exercise** where it says `# YOUR CODE HERE`; the check under it says whether your code
agrees with the course's reference, and `hint("...")` gives a hint. Submit the notebook as your course says.
"""

_STUDENT_MAKEFILE = """PYTHON ?= python3
.PHONY: setup lab
setup: .venv/.installed
.venv/.installed: requirements.txt
\t$(PYTHON) -m venv .venv
\t.venv/bin/python -m pip install --quiet -r requirements.txt
\t.venv/bin/python -m pip install --quiet --no-deps -e .
\ttouch $@
lab: setup
\tJUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter/config JUPYTER_DATA_DIR=$(CURDIR)/.jupyter/data \\
\t  JUPYTER_RUNTIME_DIR=$(CURDIR)/.jupyter/runtime .venv/bin/jupyter lab notebooks
"""


def student_copy(root: Path, target: Path, log=print) -> Path:
    """Write the course as students may see it into ``target`` (a new folder, e.g. the working tree of the
    repository students clone): :data:`STUDENT_FILES`, a README and a Makefile for them; no ``solutions/``, no
    ``autograder/`` (gradebook, grading seed, submissions), no tests. Refuses when a line of any solution or hidden
    test would be in its notebooks (``notebooks/`` must be a release)."""
    root, target = Path(root), Path(target)
    if target.exists() and any(target.iterdir()):
        raise ValueError(f"{target} is not empty: the students' copy goes into a new folder")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in STUDENT_FILES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / "README.md").write_text(_STUDENT_README)
    (target / "Makefile").write_text(_STUDENT_MAKEFILE)
    # the notebooks are what could carry a solution (coursekit's references are theirs to read)
    secret = _secret_lines(root)
    leaks = [f"{p.relative_to(target)}: {line.strip()[:60]}" for p in (target / "notebooks").rglob("*.ipynb")
             for cell in json.loads(p.read_text())["cells"]
             for line in "".join(cell.get("source", "")).splitlines() if line.strip() in secret]
    if leaks:
        shutil.rmtree(target)
        raise RuntimeError("the students' copy would contain solutions or hidden tests:\n" + "\n".join(leaks[:10]))
    log(f"wrote the students' copy of the course to {target} ({', '.join(STUDENT_FILES)}, README.md, Makefile)")
    return target


def _secret_lines(root: Path) -> set[str]:
    """The distinctive lines of the solution and hidden-test blocks of the instructor's notebooks: longer than a
    trivial line, and not written anywhere else in the notebooks (outside those blocks)."""
    inside_lines: set[str] = set()
    outside_lines: set[str] = set()
    for name in assignments(root):
        for cell in json.loads((root / "solutions" / name / f"{name}.ipynb").read_text())["cells"]:
            inside = False
            for line in "".join(cell.get("source", "")).splitlines():
                if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                    inside = False
                elif len(line.strip()) > 24:  # short lines (`return x`) are not telling
                    (inside_lines if inside else outside_lines).add(line.strip())
    return inside_lines - outside_lines
