"""Grading on a real Dask cluster on this machine: a ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, started and stopped by the tests. Six submissions (full, partial, empty, invalid JSON, an infinite loop,
a tampering kernel) get the same scores as when graded locally, also when one worker is killed while it grades;
each student is graded once; an address with nothing listening fails within 30 s and names it; a worker without
bubblewrap is refused under --require-sandbox."""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from coursekit.course import make_samples, release
from coursekit.grading import sandbox
from coursekit.grading.grader import GradeOptions, grade_class

from conftest import copy_course
from servers import BIN, DaskCluster, free_port
from test_grader_adversarial import append_to

pytestmark = [pytest.mark.slow]
needs_bwrap = pytest.mark.skipif(not sandbox.available(),
                                 reason="bubblewrap (bwrap) is not available: install Debian's `bubblewrap`")

A = "06_metrics"
SIX = ["sample_full", "sample_partial", "sample_empty", "invalid_json", "endless_loop", "tamper_check"]
OPTIONS = GradeOptions(jobs=2, case_seconds=20, limits=sandbox.Limits(memory_mb=3072, processes=64, cell_seconds=15,
                                                                      student_seconds=150, scratch_mb=64))


def six_submissions(root: Path) -> None:
    release(root, [A], log=lambda *a: None)
    make_samples(root, A, log=lambda *a: None)
    submitted = root / "autograder" / "submitted"
    full = nbformat.read(submitted / "sample_full" / A / f"{A}.ipynb", as_version=4)
    empty = nbformat.read(submitted / "sample_empty" / A / f"{A}.ipynb", as_version=4)
    (submitted / "invalid_json" / A).mkdir(parents=True)
    (submitted / "invalid_json" / A / f"{A}.ipynb").write_text('{"cells": [ not json')
    loop = append_to(nbformat.from_dict(json.loads(json.dumps(full))), "dice_per_class", "while True:\n    pass")
    (submitted / "endless_loop" / A).mkdir(parents=True)
    nbformat.write(loop, submitted / "endless_loop" / A / f"{A}.ipynb")
    tamper = append_to(nbformat.from_dict(json.loads(json.dumps(empty))), "confusion_matrix",
                       "def check(*args, **kwargs):\n    print('all good')")
    (submitted / "tamper_check" / A).mkdir(parents=True)
    nbformat.write(tamper, submitted / "tamper_check" / A / f"{A}.ipynb")


def scores(csv_path: Path) -> dict:
    with open(csv_path) as fh:
        rows = list(csv.DictReader(fh))
    cells = [k for k in rows[0] if k.startswith("test_")]
    return {r["student"]: [r["score"], r["status"]] + [r[c] for c in cells] for r in rows}


def submissions_per_student(root: Path) -> dict:
    with sqlite3.connect(root / "autograder" / "gradebook.db") as con:
        return dict(con.execute("select student_id, count(*) from submitted_assignment group by student_id"))


@pytest.fixture(scope="module")
def local_grades(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("local") / "course")
    six_submissions(root)
    report = grade_class(root, A, students=SIX, options=OPTIONS, log=lambda *a: None, progress=False)
    return root, report


@needs_bwrap
def test_a_cluster_grades_as_this_machine_does_and_loses_nothing_when_a_worker_dies(tmp_path, local_grades):
    local_root, local_report = local_grades
    expected = scores(local_report.csv_path)
    assert expected["sample_full"][0] == "10.0" and expected["sample_empty"][0] == "0.0", expected
    assert expected["invalid_json"][1] == "error"
    assert {r.student: r for r in local_report.results}["tamper_check"].suspected

    root = copy_course(tmp_path / "course")
    six_submissions(root)
    # the grading seed must be the same for the same hidden cases
    (root / "autograder" / ".grading_seed").write_text((local_root / "autograder" / ".grading_seed").read_text())
    cluster = DaskCluster(workers=2)
    try:
        cluster.wait_for_workers(2)
        outcome: dict = {}

        def grade():
            try:
                outcome["report"] = grade_class(root, A, students=SIX, options=OPTIONS, log=lambda *a: None,
                                                progress=False, cluster=cluster.address)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                outcome["error"] = exc

        thread = threading.Thread(target=grade)
        thread.start()
        # kill the second worker (its nanny, worker process, fork server: the whole host) while it grades
        from distributed import Client

        killed = False
        with Client(cluster.address, timeout="30s", set_as_default=False) as client:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and thread.is_alive() and not killed:
                names = {address: w["name"] for address, w in client.scheduler_info()["workers"].items()}
                busy = {names.get(address): tasks for address, tasks in client.processing().items()}
                if busy.get("w1"):
                    time.sleep(2)  # well inside its grading: the kernel and the clean room are running
                    os.killpg(cluster.workers[1].pid, signal.SIGKILL)
                    killed = True
                time.sleep(0.2)
        thread.join(900)
        assert killed, "the second worker never received a task"
        assert "error" not in outcome, outcome.get("error")
        report = outcome["report"]
    finally:
        cluster.close()

    assert scores(report.csv_path) == expected
    assert sorted(r.student for r in report.results) == sorted(SIX)
    # each student graded once: one submission in the gradebook (invalid JSON never reaches it), one row
    assert submissions_per_student(root) == {s: 1 for s in SIX if s != "invalid_json"}
    with open(report.csv_path) as fh:
        assert sorted(r["student"] for r in csv.DictReader(fh)) == sorted(SIX)
    results = {r.student: r for r in report.results}
    assert results["tamper_check"].suspected
    assert "time limit" in results["endless_loop"].reason
    for student in SIX:
        if student != "invalid_json":
            assert (root / "autograder" / "feedback" / student / A / f"{A}.html").is_file()
            assert "graded on" in (report.log_dir / f"{student}.log").read_text()


@needs_bwrap
def test_resume_grades_only_the_students_without_a_grade(local_grades):
    root, report = local_grades
    # an interrupted run: two students' grades are missing
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "autograder" / "gradebook.db")) as gb:
        gb.remove_submission(A, "sample_partial")
        gb.remove_submission(A, "sample_empty")
    before = scores(report.csv_path)
    again = grade_class(root, A, students=SIX, options=OPTIONS, log=lambda *a: None, progress=False, resume=True)
    # invalid_json never reaches the gradebook: it is refused again without a task
    assert sorted(r.student for r in again.results) == ["invalid_json", "sample_empty", "sample_partial"]
    assert scores(again.csv_path) == before
    assert submissions_per_student(root) == {s: 1 for s in SIX if s != "invalid_json"}


def test_an_address_with_nothing_listening_fails_within_30_s_naming_it(tmp_path):
    root = copy_course(tmp_path / "course")
    (root / "autograder" / "submitted" / "alice" / A).mkdir(parents=True)
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    done = subprocess.run([str(BIN / "coursekit"), "--root", str(root), "grade", A, "--cluster", address],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    took = time.monotonic() - start
    assert done.returncode != 0
    assert address in done.stderr, done.stderr[-2000:]
    assert took < 30, f"took {took:.0f} s"


def test_require_sandbox_refuses_a_worker_without_bubblewrap(tmp_path):
    """A grading host where bwrap is not on the PATH (as where it is not installed) is named and refused."""
    root = copy_course(tmp_path / "course")
    release(root, [A], log=lambda *a: None)
    make_samples(root, A, log=lambda *a: None)
    cluster = DaskCluster(workers=0)
    try:
        cluster.workers.append(cluster.add_worker("bare", env={**os.environ, "PATH": str(BIN)}))
        cluster.wait_for_workers(1)
        options = GradeOptions(require_sandbox=True, limits=OPTIONS.limits)
        with pytest.raises(RuntimeError, match=r"(?s)sandbox is required but not available.*bwrap"):
            grade_class(root, A, students=["sample_full"], options=options, log=lambda *a: None, progress=False,
                        cluster=cluster.address)
    finally:
        cluster.close()
    assert not (root / "autograder" / "feedback" / "sample_full").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="Linux only")
def test_a_task_stops_a_grading_that_outlives_its_limit(tmp_path, monkeypatch):
    """Dask cannot interrupt a running task: the task kills its grading process's whole session at the limit."""
    from coursekit.grading import task as T

    def forever(*args):
        os.setsid()
        time.sleep(600)

    import multiprocessing

    monkeypatch.setattr(T, "_grading_process", forever)
    monkeypatch.setattr(T, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(T, "MARGIN", 2)
    bundle = T.Bundle(A, "", {}, b"", [], 0, GradeOptions(limits=sandbox.Limits(student_seconds=1)), False)
    monkeypatch.setattr(T.sandbox, "problem", lambda: None)
    start = time.monotonic()
    outcome = T.grade_task(T.Task("x", {}, 0), bundle)
    assert "stopped at the time limit" in outcome.error
    assert time.monotonic() - start < 30


def test_the_readme_starts_a_cluster_with_the_local_clusters_settings():
    """The local cluster runs without Dask's unread diagnostics (profiler, system monitor, fast tick); the README
    tells an instructor to start a cluster's scheduler and workers the same way, with these variables, which Dask
    reads as the same settings."""
    import re

    from conftest import REPO
    from coursekit.grading.cluster import QUIET, quiet_environment

    readme = (REPO / "README.md").read_text()
    commands = readme.split("dask scheduler --host")[0].rsplit("```bash", 1)[1]
    exported = dict(re.findall(r"(DASK_[A-Z_]+)=(\S+)", commands))
    assert exported == quiet_environment()
    script = "import dask, distributed, json, sys; print(json.dumps({k: dask.config.get(k) for k in sys.argv[1:]}))"
    seen = subprocess.run([sys.executable, "-c", script, *QUIET], env={**os.environ, **exported},
                          capture_output=True, text=True, check=True).stdout
    assert json.loads(seen) == QUIET
