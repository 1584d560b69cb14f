"""What the grader's faster pieces must keep equal to nbgrader's and nbconvert's own: the check of the cells'
metadata (its schema checked once), and the feedback page (one template environment for the class, no second
parse of the page)."""

import copy
import json

import nbformat
import pytest

from conftest import REPO


def _source_notebook():
    return nbformat.read(REPO / "solutions" / "06_metrics" / "06_metrics.ipynb", as_version=4)


def _graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _mutations():
    """A released chapter's notebook, and ways of corrupting its nbgrader metadata (each a function of a copy)."""

    def first(kind):
        def pick(nb):
            return next(c for c in nb.cells if c.cell_type == kind and "nbgrader" in c.metadata)
        return pick

    def grade(nb):
        return _graded_cells(nb)[0]

    def setter(pick, key, value):
        def apply(nb):
            pick(nb).metadata["nbgrader"][key] = value
        return apply

    def deleter(pick, key):
        def apply(nb):
            del pick(nb).metadata["nbgrader"][key]
        return apply

    def duplicate_ids(nb):
        cells = _graded_cells(nb)
        cells[1].metadata["nbgrader"]["grade_id"] = cells[0].metadata["nbgrader"]["grade_id"]

    def markdown_grade_without_solution(nb):
        cell = first("markdown")(nb) if any(c.cell_type == "markdown" and "nbgrader" in c.metadata
                                            for c in nb.cells) else nb.cells[0]
        cell.cell_type = "markdown"
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False, "points": 1,
                                     "grade_id": "md-grade", "schema_version": 3}

    return {
        "as released": lambda nb: None,
        "no grade_id": deleter(grade, "grade_id"),
        "empty grade_id": setter(grade, "grade_id", ""),
        "no points": deleter(grade, "points"),
        "points as text": setter(grade, "points", "ten"),
        "negative points": setter(grade, "points", -1),
        "grade as text": setter(grade, "grade", "yes"),
        "an unknown key": setter(grade, "secret", 1),
        "schema too old": setter(grade, "schema_version", 2),
        "schema too new": setter(grade, "schema_version", 4),
        "no locked": deleter(grade, "locked"),
        "duplicate ids": duplicate_ids,
        "markdown grade cell without solution": markdown_grade_without_solution,
        "a code task cell": setter(grade, "task", True),
        "metadata not a dict": lambda nb: grade(nb).metadata.__setitem__("nbgrader", ["grade"]),
    }


def _verdict(preprocessor_class, nb):
    """What a metadata check says of ``nb``: passed, or the error's type and message, and what it logged."""
    import logging

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage().splitlines()[-1])

    pre = preprocessor_class()
    handler = Keep()
    pre.log.addHandler(handler)
    try:
        pre.preprocess(nb, {})
        outcome = "passed"
    except Exception as exc:  # noqa: BLE001 - the verdict is the exception
        outcome = f"{type(exc).__name__}: {exc}"
    finally:
        pre.log.removeHandler(handler)
    return outcome, records


@pytest.mark.parametrize("name", list(_mutations()))
def test_the_metadata_check_gives_nbgraders_verdicts(name):
    from nbgrader.preprocessors import CheckCellMetadata as Nbgrader

    from coursekit.grading.metadata import CheckCellMetadata

    nb = _source_notebook()
    _mutations()[name](nb)
    ours, theirs = _verdict(CheckCellMetadata, copy.deepcopy(nb)), _verdict(Nbgrader, copy.deepcopy(nb))
    assert ours == theirs, f"{name}: ours {ours}, nbgrader's {theirs}"
    if name == "as released":
        assert ours[0] == "passed"
    else:
        assert ours[0] != "passed", f"{name}: nbgrader's check should have failed it"


def test_the_metadata_check_validates_each_cells_own_metadata():
    """The schema's validator is built once, yet each cell is still judged on its own metadata: a notebook whose
    last graded cell alone is broken fails, after one that passed."""
    from coursekit.grading.metadata import CheckCellMetadata

    nb = _source_notebook()
    assert _verdict(CheckCellMetadata, copy.deepcopy(nb))[0] == "passed"
    _graded_cells(nb)[-1].metadata["nbgrader"]["points"] = "many"
    outcome, logged = _verdict(CheckCellMetadata, nb)
    assert outcome.startswith("ValidationError") and "may be corrupted" in outcome
    assert any("'many'" in line for line in logged), logged


def test_the_metadata_check_is_the_configured_one():
    from coursekit.paths import Course

    config = Course(REPO).nbgrader_config()
    assert "coursekit.grading.metadata.CheckCellMetadata" in config.Autograde.sanitize_preprocessors
    assert "nbgrader.preprocessors.CheckCellMetadata" not in json.dumps(list(config.Autograde.sanitize_preprocessors))
