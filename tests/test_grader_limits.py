"""Time limits fitted to the assignment, and chapter 5 graded fast: the limits come from the solution notebook's
measured run, recorded at release and overridden by the flags; a graded run of chapter 5 leaves out the
demonstrations that train networks and gives the same scores, and its feedback page says what differs."""

import argparse

import pytest

from coursekit import cli
from coursekit.course import make_samples, release
from coursekit.grading import limits, sandbox
from coursekit.grading.grader import GradeOptions, grade_class
from coursekit.grading.kernel import SKIPPED_NOTE

from conftest import copy_course

DEEP, A = "05_fcn_unet", "06_metrics"


def cells(*pairs):
    return [{"graded": graded, "seconds": seconds} for graded, seconds in pairs]


def test_limits_are_a_multiple_of_the_graded_run_with_a_floor():
    quick = limits.derive(cells((True, 2.0), (False, 1.0), (True, 0.1), (True, 0.5)))
    assert quick["cell_seconds"] == limits.CELL_FLOOR and quick["student_seconds"] == limits.SUBMISSION_FLOOR
    assert not quick["skip_demonstrations"]
    # minutes of training in the demonstrations: left out, and the limits fit what is still run
    deep = limits.derive(cells((True, 4.0), (False, 95.0), (False, 40.0), (True, 0.2), (True, 30.0)))
    assert deep["skip_demonstrations"]
    assert deep["cell_seconds"] == 5 * 30 and deep["student_seconds"] == limits.SUBMISSION_FLOOR
    # a slow cell that is run: five times it, and the submission a minute more than one such cell
    slow = limits.derive(cells((True, 100.0), (False, 10.0)))
    assert slow["cell_seconds"] == 500 and slow["student_seconds"] == 560


def _args(root, **flags):
    defaults = dict(root=root, assignment=A, memory_mb=4096, processes=128, file_mb=256, cell_timeout=None,
                    time_limit=None, output_mb=20.0, scratch_mb=256, jobs=0, case_timeout=60,
                    require_sandbox=False, demonstrations=None)
    return argparse.Namespace(**{**defaults, **flags})


@pytest.mark.slow
def test_release_records_the_measured_limits_and_grade_uses_them(tmp_path):
    root = copy_course(tmp_path / "course")
    release(root, [A], log=lambda *a: None)
    assert limits.recorded(root, A) == {}
    assert cli._options(_args(root)).limits.cell_seconds == limits.DEFAULT_CELL
    release(root, [A], log=lambda *a: None, measure=True)
    fitted = limits.recorded(root, A)
    assert fitted["cell_seconds"] >= limits.CELL_FLOOR and fitted["student_seconds"] >= limits.SUBMISSION_FLOOR
    assert not fitted["skip_demonstrations"] and fitted["measured"]["whole_notebook"] > 0
    options = cli._options(_args(root))
    assert (options.limits.cell_seconds, options.limits.student_seconds) == (fitted["cell_seconds"],
                                                                            fitted["student_seconds"])
    assert fitted["cell_seconds"] < limits.DEFAULT_CELL  # an endless loop holds a worker far less than 600 s
    # the flags win
    assert cli._options(_args(root, cell_timeout=17, time_limit=99)).limits.cell_seconds == 17
    # a changed source is measured again
    source = root / "autograder" / "source" / A / f"{A}.ipynb"
    source.write_text(source.read_text().replace("Exercise", "Exercise ", 1))
    assert limits.recorded(root, A) == {}


@pytest.mark.slow
@pytest.mark.skipif(not sandbox.available(), reason="bubblewrap is not available (Debian's `bubblewrap`)")
def test_chapter_5_graded_without_its_demonstrations_keeps_every_score(tmp_path):
    root = copy_course(tmp_path / "course")
    release(root, [DEEP], log=lambda *a: None)
    expected = make_samples(root, DEEP, log=lambda *a: None)
    options = GradeOptions(jobs=2, skip_demonstrations=True, limits=sandbox.Limits(cell_seconds=300,
                                                                                   student_seconds=600))
    report = grade_class(root, DEEP, students=list(expected), options=options, log=lambda *a: None, progress=False)
    assert {r.student: r.score for r in report.results} == expected
    for r in report.results:
        assert r.status == "graded" and not r.suspected, (r.student, r.reason)
        print(f"{r.student}: {r.seconds:.1f} s on its worker")
        assert r.seconds < 150, f"{r.student} took {r.seconds:.0f} s (the goal is 45 s on an idle 2-core machine)"
    page = (root / "autograder" / "feedback" / "sample_full" / DEEP / f"{DEEP}.html").read_text()
    assert "demonstrations were left out" in page and SKIPPED_NOTE.split(":")[0].strip("[]") in page
    # the test cells ran, and passed, in the student's kernel too
    kernel = {r.student: r.kernel for r in report.results}
    assert all(score == points for score, points in zip(kernel["sample_full"].values(),
                                                         [e[1] for e in report.results[0].exercises.values()]))
