"""Time limits that fit the assignment, derived from the solution notebook's own measured run, recorded at release.

``coursekit release`` runs each released assignment's source notebook (the solution, hidden tests included) once in
a plain kernel and records, per assignment, how long each cell took (``autograder/limits/<assignment>.json``, with
the source's digest: a changed notebook is measured again). From that run:

- a **graded run leaves out the demonstrations** when they took longer than :data:`DEMONSTRATIONS_BUDGET` seconds
  (the deep chapter's network training): only the setup cell, the solution cells and the test cells run
  (:func:`coursekit.grading.kernel.graded_cell`); the scores are the clean room's verdicts either way;
- the **cell limit** is :data:`CELL_FACTOR` times the slowest cell of the graded run, at least :data:`CELL_FLOOR`;
- the **submission limit** (kernel and clean room together) is :data:`SUBMISSION_FACTOR` times the graded run's
  total plus a minute, at least :data:`SUBMISSION_FLOOR`, and at least a minute more than the cell limit.

The factors leave room for a slower grading host, a loaded one and a student's less efficient (but right) code.
``coursekit grade --cell-timeout/--time-limit/--run-demonstrations`` override what is recorded.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ..paths import Course

__all__ = ["measure", "derive", "record", "recorded", "CELL_FACTOR", "CELL_FLOOR", "SUBMISSION_FACTOR",
           "SUBMISSION_FLOOR", "DEMONSTRATIONS_BUDGET", "DEFAULT_CELL", "DEFAULT_SUBMISSION"]

CELL_FACTOR, CELL_FLOOR = 5, 60
SUBMISSION_FACTOR, SUBMISSION_FLOOR = 4, 300
DEMONSTRATIONS_BUDGET = 60  # seconds of demonstrations a graded run still runs
DEFAULT_CELL, DEFAULT_SUBMISSION = 600, 1200  # where nothing was measured


def _digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        begin = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return max((end - begin).total_seconds(), 0.0)


def measure(notebook: Path, timeout: int = 1800) -> list[dict]:
    """Run ``notebook`` top to bottom in a fresh plain kernel (in a scratch folder); per code cell, whether a
    graded run without demonstrations runs it, and its seconds."""
    import nbformat
    from nbclient import NotebookClient

    from .kernel import graded_cell

    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="coursekit-measure-") as tmp:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, record_timing=True,
                       resources={"metadata": {"path": tmp}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    return [{"graded": graded_cell(c, i == 0), "seconds": round(_seconds(c), 3)} for i, c in enumerate(code)]


def derive(cells: list[dict]) -> dict:
    """The limits and the demonstrations' policy from a measured run (:func:`measure`)."""
    demonstrations = sum(c["seconds"] for c in cells if not c["graded"])
    skip = demonstrations > DEMONSTRATIONS_BUDGET
    run = [c["seconds"] for c in cells if c["graded"] or not skip] or [0.0]
    cell = max(CELL_FLOOR, math.ceil(CELL_FACTOR * max(run)))
    submission = max(SUBMISSION_FLOOR, math.ceil(SUBMISSION_FACTOR * sum(run) + 60), cell + 60)
    return {"cell_seconds": int(cell), "student_seconds": int(submission), "skip_demonstrations": skip,
            "measured": {"slowest_cell": round(max(run), 2), "graded_run": round(sum(run), 2),
                         "demonstrations": round(demonstrations, 2), "whole_notebook": round(sum(
                             c["seconds"] for c in cells), 2)}}


def _file(root: Path, assignment: str) -> Path:
    return Course(root).autograder / "limits" / f"{assignment}.json"


def record(root: Path, assignment: str, log=print) -> dict:
    """Measure the released source of ``assignment`` and record its limits (see the module's docstring)."""
    source = Course(root).source(assignment)
    start = time.monotonic()
    cells = measure(source)
    limits = {"assignment": assignment, "source_sha256": _digest(source), **derive(cells), "cells": cells}
    path = _file(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(limits, indent=1))
    m = limits["measured"]
    log(f"measured {assignment} in {time.monotonic() - start:.0f} s (slowest cell {m['slowest_cell']:g} s, graded run "
        f"{m['graded_run']:g} s, demonstrations {m['demonstrations']:g} s): cell limit {limits['cell_seconds']} s, "
        f"submission limit {limits['student_seconds']} s"
        + (", demonstrations left out when grading" if limits["skip_demonstrations"] else ""))
    return limits


def recorded(root: Path, assignment: str) -> dict:
    """The limits recorded for ``assignment``'s current source, or {} (never measured, or the source changed)."""
    path, source = _file(root, assignment), Course(root).source(assignment)
    try:
        limits = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not source.is_file() or limits.get("source_sha256") != _digest(source):
        return {}
    return limits
