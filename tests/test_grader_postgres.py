"""A PostgreSQL gradebook: a real server (Debian's ``postgresql``, ``initdb`` into a temporary folder, run as an
unprivileged user on a loopback port), started and stopped by the test. Grading with ``COURSEKIT_DB_URL`` pointing at
it gives the same scores read back through nbgrader's API, and the formgrader's gradebook shows them."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from coursekit.course import make_samples, release
from coursekit.grading import sandbox
from coursekit.grading.grader import GradeOptions, grade_class

from conftest import copy_course
from servers import BIN, Postgres, free_port, postgres_bin

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(postgres_bin() is None,
                                 reason="PostgreSQL is not installed and could not be (Debian's `postgresql`; `make` "
                                        "installs it when run as root)")]

A = "06_metrics"


@pytest.fixture
def postgres():
    server = Postgres()
    yield server
    server.close()


def formgrader(root, env: dict, port: int) -> subprocess.Popen:
    state = root / ".jupyter"
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime")):
        env[var] = str(state / sub)
        (state / sub).mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
           "--ServerApp.password=", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=open(root / "server.log", "wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def get(url: str, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read()
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_a_postgresql_gradebook_holds_the_scores_and_the_formgrader_shows_them(tmp_path, postgres, monkeypatch):
    root = copy_course(tmp_path / "course")
    monkeypatch.setenv("COURSEKIT_DB_URL", postgres.url)
    # the documented set-up: an empty database; nbgrader's first command writes its schema (and records its version,
    # which `nbgrader db upgrade` needs: on an empty PostgreSQL database nbgrader's migrations fail)
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    for command in (["db", "student", "list"], ["db", "upgrade"]):
        done = subprocess.run([str(BIN / "nbgrader"), *command], cwd=root / "autograder", capture_output=True,
                              text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
    release(root, [A], log=lambda *a: None)
    expected = make_samples(root, A, log=lambda *a: None)
    options = GradeOptions(jobs=2, case_seconds=20, limits=sandbox.Limits(cell_seconds=60, student_seconds=300))
    report = grade_class(root, A, students=list(expected), options=options, log=lambda *a: None, progress=False)
    got = {r.student: r.score for r in report.results}
    assert got == expected
    assert not (root / "autograder" / "gradebook.db").exists(), "SQLite was used instead of PostgreSQL"

    # read back through nbgrader's API, from the server
    from nbgrader.api import Gradebook

    with Gradebook(postgres.url) as gb:
        assert {s.student.id: s.score for s in gb.assignment_submissions(A)} == expected
    tables = {row[0] for row in postgres.sql("select tablename from pg_tables where schemaname = 'public'")}
    assert {"grade", "submitted_assignment", "alembic_version"} <= tables

    # the formgrader's gradebook, on the same database
    port = free_port()
    server = formgrader(root, {**os.environ, "COURSEKIT_DB_URL": postgres.url,
                               "PATH": f"{BIN}:{os.environ['PATH']}"}, port)
    try:
        base = f"http://127.0.0.1:{port}"
        page = get(f"{base}/formgrader/gradebook/{A}/{A}").decode()
        assert "Manual Grading" in page or "gradebook" in page.lower()
        shown = json.loads(get(f"{base}/formgrader/api/submitted_notebooks/{A}/{A}"))
        assert {s["student"]: s["score"] for s in shown} == expected, shown
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
