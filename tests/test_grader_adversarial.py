"""The grader against students who break things or cheat: one run over a class of submissions built from the
released notebook, one per attack, plus honest full, partial and empty ones.

Each attack gets no more than its honest score and a reason; nobody else's grade moves; nothing outside a student's
private copy changes; no connection reaches the grader's loopback; no feedback shows a hidden test.
"""

import hashlib
import json
import socket
import sqlite3
import threading
from pathlib import Path

import nbformat
import pytest

from coursekit.course import make_samples
from coursekit.grading import exercises, sandbox
from coursekit.grading.grader import GradeOptions, grade_class

from conftest import copy_course

pytestmark = [pytest.mark.slow]
needs_bwrap = pytest.mark.skipif(not sandbox.available(),
                                 reason="bubblewrap (bwrap) is not available: install Debian's `bubblewrap` to run the "
                                        "sandbox tests (`make test` does where it can)")

A = "06_metrics"
TOTAL = sum(ex.points for ex in exercises(A))
POINTS = {ex.function: ex.points for ex in exercises(A)}


class Listener:
    """A loopback server that counts connections (a sandboxed student must reach none)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def edit(nb, function, new_source):
    """Replace the solution cell that defines ``function``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith(f"def {function}("):
            cell.source = new_source
            return nb
    raise AssertionError(f"no cell defines {function}")


def append_to(nb, function, code):
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith(f"def {function}("):
            cell.source += "\n\n" + code
            return nb
    raise AssertionError(f"no cell defines {function}")


def tree_digest(root: Path, skip) -> dict:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not any(rel.startswith(s) for s in skip):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def build_class(root: Path, port: int) -> dict:
    """Write the submissions; return student -> (expected score or None for 'at most honest', expected reason words,
    honest score)."""
    expected = make_samples(root, A, log=lambda *a: None)
    submitted = root / "autograder" / "submitted"
    full = nbformat.read(submitted / "sample_full" / A / f"{A}.ipynb", as_version=4)
    plan = {}

    def write(student, nb=None, raw=None, name=f"{A}.ipynb"):
        folder = submitted / student / A
        folder.mkdir(parents=True, exist_ok=True)
        if raw is not None:
            (folder / name).write_text(raw)
        elif nb is not None:
            nbformat.write(nb, folder / name)

    def copy_full():
        return nbformat.from_dict(json.loads(json.dumps(full)))

    for s in ("sample_full", "sample_partial", "sample_empty"):
        plan[s] = (expected[s], [])

    write("invalid_json", raw='{"cells": [ this is not json')
    plan["invalid_json"] = (0, ["not a readable notebook"])

    (submitted / "missing_notebook" / A).mkdir(parents=True)
    (submitted / "missing_notebook" / A / "README.txt").write_text("I forgot to attach it")
    plan["missing_notebook"] = (0, ["no notebook"])

    write("renamed", copy_full(), name="my work (final).ipynb")
    plan["renamed"] = (TOTAL, ["renamed"])

    nb = copy_full()
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    edit(nb, "mean_iou", "def mean_iou(cm):\n    return 1.0")
    write("deleted_tests", nb)
    plan["deleted_tests"] = (TOTAL - POINTS["mean_iou"], [])

    nb = copy_full()
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    edit(nb, "pixel_accuracy", "def pixel_accuracy(cm):\n    return 0.5")
    write("edited_tests", nb)
    plan["edited_tests"] = (TOTAL - POINTS["pixel_accuracy"], [])

    nb = copy_full()
    edit(nb, "mean_iou", "def mean_iou(cm):\n    while True:\n        pass")
    write("loop_in_function", nb)
    plan["loop_in_function"] = (TOTAL - POINTS["mean_iou"], ["longer than"])

    nb = copy_full()
    append_to(nb, "dice_per_class", "while True:\n    pass")
    write("loop_top_level", nb)
    plan["loop_top_level"] = (TOTAL, [])

    nb = copy_full()
    append_to(nb, "pixel_accuracy", "import os\nos._exit(1)")
    write("dead_kernel", nb)
    plan["dead_kernel"] = (TOTAL, [])

    nb = copy_full()
    edit(nb, "pixel_accuracy", "def pixel_accuracy(cm):\n    hog = bytearray(64 * 2**30)\n    return 0.0")
    append_to(nb, "mean_pixel_accuracy", "ballast = bytearray(64 * 2**30)")
    write("memory_bomb", nb)
    plan["memory_bomb"] = (TOTAL - POINTS["pixel_accuracy"], [])

    nb = copy_full()
    append_to(nb, "confusion_matrix", "import os, time\nchildren = 0\nwhile children < 100000:\n    try:\n"
                                      "        if os.fork() == 0:\n            time.sleep(30)\n            os._exit(0)\n"
                                      "        children += 1\n    except OSError:\n        break")
    write("process_bomb", nb)
    plan["process_bomb"] = (None, [])

    nb = copy_full()
    append_to(nb, "iou_per_class", "while True:\n    print('x' * 100000)")
    write("huge_output", nb)
    plan["huge_output"] = (TOTAL, [])

    empty = nbformat.read(submitted / "sample_empty" / A / f"{A}.ipynb", as_version=4)
    nb = nbformat.from_dict(json.loads(json.dumps(empty)))
    append_to(nb, "confusion_matrix", "def check(*args, **kwargs):\n    print('all good')")
    write("tamper_check", nb)
    plan["tamper_check"] = (0, [])

    nb = nbformat.from_dict(json.loads(json.dumps(empty)))
    append_to(nb, "confusion_matrix",
              "import coursekit.grading as g, coursekit.grading.check as gc\n"
              "g.check = gc.check = lambda *a, **k: None\n"
              "get_ipython().input_transformers_post.append(\n"
              "    lambda lines: [l.replace('check(', '(lambda *a, **k: None)(') for l in lines])")
    write("tamper_transformer", nb)
    plan["tamper_transformer"] = (0, [])

    nb = copy_full()
    liar = ("class Anything(float):\n    def __eq__(self, other):\n        return True\n"
            "    def __array__(self, dtype=None, copy=None):\n        raise TypeError('no numbers here')\n")
    edit(nb, "pixel_accuracy", liar + "\ndef pixel_accuracy(cm):\n    return Anything()")
    write("always_equal", nb)
    plan["always_equal"] = (TOTAL - POINTS["pixel_accuracy"], [])

    nb = copy_full()
    edit(nb, "mean_iou", "import coursekit.metrics as ck\n\ndef mean_iou(cm):\n    return ck.mean_iou(cm)")
    edit(nb, "confusion_matrix", "def confusion_matrix(pred, target, num_classes, ignore_index=255):\n"
                                 "    import numpy as np\n    from sklearn.metrics import confusion_matrix as sk\n"
                                 "    p, t = np.ravel(pred), np.ravel(target)\n"
                                 "    keep = t != ignore_index if ignore_index is not None else np.ones(t.shape, bool)\n"
                                 "    if ((p[keep] < 0) | (p[keep] >= num_classes) | (t[keep] < 0) | "
                                 "(t[keep] >= num_classes)).any():\n        raise ValueError('out of range')\n"
                                 "    return sk(t[keep], p[keep], labels=list(range(num_classes))).astype(np.int64)")
    write("forbidden_calls", nb)
    plan["forbidden_calls"] = (TOTAL - POINTS["mean_iou"] - POINTS["confusion_matrix"],
                               ["coursekit.metrics", "sklearn.metrics.confusion_matrix"])

    nb = copy_full()
    secrets = [root / "autograder" / "gradebook.db", root / "solutions" / A / f"{A}.ipynb",
               root / "autograder" / "source" / A / f"{A}.ipynb",
               root / "autograder" / "submitted" / "sample_full" / A / f"{A}.ipynb", Path.home() / ".bashrc"]
    spy = (f"import os, socket, sqlite3\nfound = []\n"
           f"for path in {[str(p) for p in secrets]!r} + ['../../../gradebook.db', '../../../source/{A}',"
           f" '../../../../solutions', '../../sample_full']:\n"
           f"    try:\n        open(path, 'rb').read(10)\n        found.append(path)\n    except OSError:\n"
           f"        if os.path.isdir(path):\n            found.append(path)\n"
           f"    if path.endswith('gradebook.db') and os.path.exists(path):\n        try:\n"
           f"            db = sqlite3.connect(path)\n            db.execute('update grade set manual_score = 999')\n"
           f"            db.execute(\"update student set first_name = 'pwned'\")\n            db.commit()\n"
           f"        except Exception:\n            pass\n"
           f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n    found.append('network')\n"
           f"except OSError:\n    pass\nprint('SPY FOUND', sorted(found))")
    append_to(nb, "iou_per_class", spy)
    write("spy", nb)
    plan["spy"] = (TOTAL, [])
    return plan


@needs_bwrap
def test_a_class_of_attacks(tmp_path):
    root = copy_course(tmp_path / "course")
    from coursekit.course import release

    release(root, log=lambda *a: None)
    options = GradeOptions(jobs=2, case_seconds=20, limits=sandbox.Limits(
        memory_mb=3072, processes=64, cell_seconds=20, student_seconds=240, output_mb=2.0))

    # a bystander graded earlier: no attack may change their record
    make_samples(root, A, log=lambda *a: None)
    bystander_dir = root / "autograder" / "submitted" / "bystander"
    (root / "autograder" / "submitted" / "sample_partial").rename(bystander_dir)
    grade_class(root, A, students=["bystander"], options=options, log=lambda *a: None, progress=False)
    db = root / "autograder" / "gradebook.db"

    def bystander_rows():
        with sqlite3.connect(db) as con:
            return con.execute(
                "select grade.auto_score, grade.manual_score, student.first_name from grade "
                "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
                "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
                "join student on submitted_assignment.student_id = student.id "
                "where student.id = 'bystander' order by grade.id").fetchall()

    before = bystander_rows()
    assert before and sum(r[0] for r in before) == 5.0

    listener = Listener()
    try:
        plan = build_class(root, listener.port)
        protected = tree_digest(root, skip=("autograder/autograded/", "autograder/feedback/", "autograder/grades/",
                                            "autograder/gradebook.db", "autograder/submitted/renamed/"))
        students = sorted(plan)
        report = grade_class(root, A, students=students, options=options, log=lambda *a: None, progress=False)
    finally:
        listener.close()

    results = {r.student: r for r in report.results}
    problems = []
    for student, (score, words) in plan.items():
        r = results[student]
        if score is None:
            ok = r.score <= TOTAL and r.status in ("graded", "error")
        else:
            ok = r.score == score
        text = r.reason + " " + " ".join(str(v[2]) for v in r.exercises.values())
        if not ok or not all(w in text for w in words):
            problems.append(f"{student}: score {r.score} (expected {score}), status {r.status}, reason {text!r}")
    assert not problems, "\n".join(problems)

    # tampering with the in-kernel checks is seen
    assert results["tamper_check"].suspected and results["tamper_transformer"].suspected
    assert not results["sample_full"].suspected and not results["sample_partial"].suspected

    # nobody touched the bystander, the course, or the network
    assert bystander_rows() == before
    assert tree_digest(root, skip=("autograder/autograded/", "autograder/feedback/", "autograder/grades/",
                                   "autograder/gradebook.db", "autograder/submitted/renamed/")) == protected
    assert listener.connections == 0

    # the spy saw nothing of the grader's world
    spy = nbformat.read(root / "autograder" / "autograded" / "spy" / A / f"{A}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in spy.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "SPY FOUND []" in printed, printed[-500:]

    # feedback: every graded student has a page, with no hidden test in it
    for student, r in results.items():
        page = root / "autograder" / "feedback" / student / A / f"{A}.html"
        if r.status == "graded":
            assert page.is_file(), f"{student}: no feedback"
        if page.is_file():
            text = page.read_text()
            assert "hidden=True" not in text and "HIDDEN TESTS" not in text

    # the gradebook holds the verdicts, and the huge output was cut
    with sqlite3.connect(db) as con:
        rows = dict(con.execute(
            "select submitted_assignment.student_id, sum(grade.auto_score) from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "group by submitted_assignment.student_id").fetchall())
    for student, r in results.items():
        if r.status == "graded":
            assert rows.get(student) == r.score, f"{student}: gradebook {rows.get(student)} != verdict {r.score}"
    huge = root / "autograder" / "autograded" / "huge_output" / A / f"{A}.ipynb"
    assert huge.stat().st_size < 20 * 2**20
