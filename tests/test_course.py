"""The course pipeline end to end: solution notebooks run, nbgrader validates them, the released stubs fail every
visible check, notebooks/ is a fresh release of solutions/, and autograding the sample submissions gives exactly the
expected scores, with feedback that leaks no hidden test and needs no network."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit.course import assignments, make_samples, notebook_points
from coursekit.grading.grader import grade_class
from coursekit.grading import exercises

from conftest import REPO, executed_solution, notebook_text

ASSIGNMENTS = assignments(REPO)
pytestmark = pytest.mark.slow


def test_there_is_at_least_the_metrics_chapter():
    assert "06_metrics" in ASSIGNMENTS


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_notebook_runs_top_to_bottom(name):
    nb = executed_solution(name)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # every check ran and agreed, visible and hidden
    text = notebook_text(nb)
    for ex in exercises(name):
        assert f"\u2714 {ex.id}: " in text and "visible cases agree" in text


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_notebooks_have_no_outputs(name):
    for folder in ("solutions", "notebooks"):
        nb = nbformat.read(REPO / folder / name / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{folder}/{name}: outputs not cleared"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_nbgrader_validate_passes_on_the_solution(name, released_course):
    from nbgrader.validator import Validator

    result = Validator().validate(str(released_course / "solutions" / name / f"{name}.ipynb"))
    assert not result.get("failed") and not result.get("changed") and not result.get("type_changed"), result


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_visible_check_passes_on_the_released_stubs(name, released_course):
    from nbgrader.validator import Validator

    result = Validator(invert=True).validate(str(released_course / "notebooks" / name / f"{name}.ipynb"))
    assert not result.get("passed"), f"checks that pass on untouched stubs: {result.get('passed')}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebooks_folder_is_a_fresh_release(name, released_course):
    committed = nbformat.read(REPO / "notebooks" / name / f"{name}.ipynb", as_version=4)
    fresh = nbformat.read(released_course / "notebooks" / name / f"{name}.ipynb", as_version=4)
    assert committed == fresh, f"notebooks/{name} is stale: run `make release` and commit it"
    assert sorted(p.name for p in (REPO / "notebooks" / name).iterdir()) == \
        sorted(p.name for p in (released_course / "notebooks" / name).iterdir())


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_released_notebook_hides_solutions_and_hidden_tests(name, released_course):
    text = (released_course / "notebooks" / name / f"{name}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "hidden=True" not in text
    assert "raise NotImplementedError()" in text


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_grade_cells_match_the_registry(name):
    nb = json.loads((REPO / "solutions" / name / f"{name}.ipynb").read_text())
    sources = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
    points = notebook_points(REPO / "solutions" / name / f"{name}.ipynb")
    registered = exercises(name)
    assert registered, f"no exercise of {name} in the registry"
    for ex in registered:
        cell = f"test_{ex.function}"
        assert cell in sources, f"{name}: no test cell {cell} for {ex.id}"
        assert points[cell] == ex.points, f"{cell}: {points[cell]} points in the notebook, {ex.points} in the registry"
        src = sources[cell]
        assert f'check("{ex.id}", {ex.function})' in src
        hidden = re.search(r"### BEGIN HIDDEN TESTS(.*)### END HIDDEN TESTS", src, re.S)
        assert hidden and f'check("{ex.id}", {ex.function}, hidden=True)' in hidden.group(1)
    assert set(sources) == {f"test_{ex.function}" for ex in registered}


def test_autograde_round_trip(released_course, monkeypatch):
    monkeypatch.setenv("COURSEKIT_GRADING_SEED", "20261124")
    expected = make_samples(released_course, "06_metrics", log=lambda *a: None)
    total = sum(ex.points for ex in exercises("06_metrics"))
    # the sample plans are independent of the grader: full marks, none, and exactly the exercises solved
    assert expected["sample_full"] == total and expected["sample_empty"] == 0
    assert 0 < expected["sample_partial"] < total

    report = grade_class(released_course, "06_metrics", students=list(expected), log=lambda *a: None,
                         progress=False)
    scores = {g.student: g.score for g in report.results}
    assert scores == expected
    assert all(g.max_score == total and g.status == "graded" and not g.suspected for g in report.results)

    with open(report.csv_path) as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert float(rows["sample_partial"]["score"]) == expected["sample_partial"]
    assert float(rows["sample_partial"]["test_confusion_matrix"]) == 2.0
    assert float(rows["sample_partial"]["test_iou_per_class"]) == 0.0

    for student in expected:
        page = (released_course / "autograder" / "feedback" / student / "06_metrics" / "06_metrics.html").read_text()
        assert "HIDDEN TESTS" not in page and "hidden=True" not in page, f"{student}: hidden test in feedback"
        assert not re.search(r'(src|href)="(https?:)?//', page), f"{student}: feedback loads from the network"
    partial = (released_course / "autograder" / "feedback" / "sample_partial" / "06_metrics" / "06_metrics.html")
    assert "expected nan, given 0" in partial.read_text()  # the student sees what differed
    # the reason column says why points were lost, exercise by exercise
    assert "iou_per_class: " in rows["sample_partial"]["reason"] and "is not implemented" in \
        rows["sample_partial"]["reason"]
    assert rows["sample_full"]["reason"] == ""

    # an untouched submission's log shows nothing that looks like tampering
    log = (report.log_dir / "sample_full.log").read_text()
    assert "has changed" not in log and "was changed in the submission" not in log and "SAWarning" not in log

    # regrading one student keeps the whole class in grades.csv (built from the gradebook), and the others' logs
    others_log = report.log_dir / "sample_empty.log"
    assert others_log.is_file()
    again = grade_class(released_course, "06_metrics", students=["sample_partial"], log=lambda *a: None,
                        progress=False)
    with open(again.csv_path) as fh:
        regraded = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(regraded) == set(expected)
    assert {s: float(r["score"]) for s, r in regraded.items()} == expected
    assert others_log.is_file()


def test_deleted_test_cell_is_restored_and_counts_as_failed(released_course, monkeypatch):
    monkeypatch.setenv("COURSEKIT_GRADING_SEED", "7")
    make_samples(released_course, "06_metrics", log=lambda *a: None)
    path = released_course / "autograder" / "submitted" / "sample_full" / "06_metrics" / "06_metrics.ipynb"
    nb = nbformat.read(path, as_version=4)
    # a clever student deletes a test cell and makes another function wrong
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "test_mean_iou"]
    for cell in nb.cells:
        if cell.source.startswith("def mean_iou"):
            cell.source = "def mean_iou(cm):\n    return 1.0"
    nbformat.write(nb, path)
    report = grade_class(released_course, "06_metrics", students=["sample_full"], log=lambda *a: None,
                         progress=False)
    (g,) = report.results
    assert g.exercises["test_mean_iou"][:2] == [0.0, 1.0]
    assert g.score == sum(ex.points for ex in exercises("06_metrics")) - 1


def test_warnings_and_stderr_do_not_cost_points(released_course, monkeypatch, capsys):
    monkeypatch.setenv("COURSEKIT_GRADING_SEED", "11")
    make_samples(released_course, "06_metrics", log=lambda *a: None)
    path = released_course / "autograder" / "submitted" / "sample_full" / "06_metrics" / "06_metrics.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.source.startswith("def pixel_accuracy"):
            cell.source = ("import sys, warnings\n\ndef pixel_accuracy(cm):\n"
                           "    warnings.warn('a harmless warning')\n"
                           "    print('debugging on stderr', file=sys.stderr)\n"
                           "    cm = np.asarray(cm, dtype=float)\n"
                           "    return float(np.trace(cm) / cm.sum())")
    nbformat.write(nb, path)
    report = grade_class(released_course, "06_metrics", students=["sample_full"], log=lambda *a: None,
                         progress=False)
    assert report.results[0].exercises["test_pixel_accuracy"][:2] == [1.0, 1.0]
    assert report.results[0].score == sum(ex.points for ex in exercises("06_metrics"))


@pytest.mark.parametrize("argv, wanted", [
    (["lab"], []), (["lab", "--port", "8899"], ["--port", "8899"]), (["lab", "--", "--port=8899"], ["--port=8899"]),
    (["lab", "--allow-root"], ["--allow-root"]),
])
def test_coursekit_lab_passes_options_to_jupyterlab(argv, wanted, monkeypatch):
    """`coursekit lab` (and `make lab`) works as root, and passes what it does not know to JupyterLab."""
    from coursekit import cli

    seen = []
    monkeypatch.setattr(cli, "cmd_lab", lambda args: seen.append(cli.lab_command(args.root, args.extra)) or 0)
    monkeypatch.setattr(cli, "_environment", lambda root: None)
    assert cli.main(["--root", str(REPO), *argv]) == 0
    cmd = seen[0]
    assert cmd[len(cmd) - len(wanted):] == wanted and "--" not in cmd
    assert cmd.count("--allow-root") == (1 if os.geteuid() == 0 or "--allow-root" in wanted else 0)


def test_coursekit_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "coursekit.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0
    for command in ("release", "grade", "demo", "lab", "samples"):
        assert command in out.stdout


def test_coursekit_outside_a_course_says_so(tmp_path):
    out = subprocess.run([sys.executable, "-m", "coursekit.cli", "--root", str(tmp_path), "release"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode != 0
    assert "no course found" in out.stderr


@pytest.mark.parametrize("pytest_status, expected_exit, words", [
    (0, 0, "all tests passed"), (1, 1, "some tests failed"), (5, 5, "no tests were collected"), (None, 100, "before pytest"),
])
def test_ci_script_reports_pytest_exit_codes(tmp_path, pytest_status, expected_exit, words):
    # .ci/run in a scratch repo whose `make test` only pretends: pytest's status (or a failed setup) must come through
    (tmp_path / ".ci").mkdir()
    shutil.copy2(REPO / ".ci" / "run", tmp_path / ".ci" / "run")
    recipe = (f"\t@echo {pytest_status} > .pytest-status; exit {pytest_status}" if pytest_status is not None
              else "\t@exit 1")
    (tmp_path / "Makefile").write_text(f"test:\n{recipe}\n")
    out = subprocess.run(["bash", ".ci/run"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == expected_exit
    assert words in out.stdout


def test_ci_script_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    assert re.search(r"^make test$", (REPO / ".ci" / "run").read_text(), re.M)


@pytest.mark.skipif(sys.platform != "linux", reason="PyPI's torch is a CUDA build on Linux only")
def test_make_takes_the_cpu_build_of_torch_on_linux_and_falls_back_to_pypi():
    """A Linux laptop must not download a multi-GB CUDA PyTorch by default; a machine that reaches only PyPI must
    still install."""
    plan = subprocess.run(["make", "-n", "-B", ".venv/.coursekit-installed"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout
    torch_lines = [line for line in plan.splitlines() if "torch==" in line and "pip install" in line]
    assert torch_lines, plan
    assert "--index-url https://download.pytorch.org/whl/cpu" in torch_lines[0]
    assert "||" in torch_lines[0] and "--no-deps torch==" in torch_lines[0].split("||")[1]
    assert not any("-r requirements.txt" in line for line in plan.splitlines()), "torch must not come with the rest"


def test_the_students_copy_has_no_solution(tmp_path):
    from coursekit.course import student_copy

    copy = student_copy(REPO, tmp_path / "students", log=lambda *a: None)
    assert not any((copy / name).exists() for name in ("solutions", "autograder", "tests", "benchmarks"))
    assert (copy / "notebooks" / "06_metrics" / "06_metrics.ipynb").is_file() and (copy / "Makefile").is_file()
    text = "\n".join(p.read_text() for p in (copy / "notebooks").rglob("*.ipynb"))
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text

    # a notebooks/ folder that holds a solution line is refused
    course = tmp_path / "course"
    shutil.copytree(REPO / "solutions", course / "solutions")
    shutil.copytree(REPO / "notebooks", course / "notebooks")
    shutil.copy2(REPO / "solutions" / "06_metrics" / "06_metrics.ipynb",
                 course / "notebooks" / "06_metrics" / "06_metrics.ipynb")
    with pytest.raises(RuntimeError, match="solutions or hidden tests"):
        student_copy(course, tmp_path / "leaky", log=lambda *a: None)
    assert not (tmp_path / "leaky").exists()


@pytest.mark.slow
def test_a_class_through_nbgrader_exchange(released_course, tmp_path, monkeypatch):
    """The README's path for a real class: release to the exchange (the assignment is no longer a draft), a student
    fetches and submits, the instructor collects and grades with coursekit; grades.csv has the student."""
    from coursekit.course import _api
    from coursekit.grading import sandbox

    if not sandbox.available():
        pytest.skip("bubblewrap is not available: grading needs the sandbox here")
    monkeypatch.setenv("COURSEKIT_GRADING_SEED", "3")
    nbgrader = [str(Path(sys.executable).parent / "nbgrader")]
    exchange = f"--Exchange.root={released_course / 'autograder' / 'exchange'}"

    def run(args, cwd):
        done = subprocess.run(nbgrader + args, cwd=cwd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr

    run(["release_assignment", "06_metrics", "--force"], released_course)
    assert _api(released_course).get_assignment("06_metrics")["status"] == "released"
    home = tmp_path / "student"
    home.mkdir()
    run(["fetch_assignment", "06_metrics", "--course=segmentation", exchange], home)
    run(["submit", "06_metrics", "--course=segmentation", exchange], home)
    run(["collect", "06_metrics", "--update"], released_course)
    student = next(p.name for p in (released_course / "autograder" / "submitted").iterdir()
                   if p.name not in ("sample_full", "sample_partial", "sample_empty"))
    report = grade_class(released_course, "06_metrics", students=[student], log=lambda *a: None, progress=False)
    assert report.results[0].status == "graded" and report.results[0].score == 0  # the stubs, submitted untouched
    with open(report.csv_path) as fh:
        assert student in {row["student"] for row in csv.DictReader(fh)}
