"""The grader run by an unprivileged user: the sandbox then lives in a user namespace of the grader's own user. It
must start (or refuse with a clear message), and keep the same attacks out: the grader's environment, its files,
links planted in the kernel's folder, and the size of the sandbox's writable folders.

Run as root, the test makes an unprivileged grader of its own: a user id without a name, in a mount namespace where
the folders above this Python that others may not enter (root's home, say) are made passable, as they are on a
machine where the instructor's Python is installed for every user.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from coursekit.grading import sandbox

from conftest import REPO, copy_course

pytestmark = [pytest.mark.slow]

UID = 64123
A = "06_metrics"
CANARY = "UNPRIVILEGED-GRADER-CANARY"

SCRIPT = r'''
import json, os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import test_grader_adversarial as T
from coursekit.course import release
from coursekit.grading import sandbox
from coursekit.grading.grader import GradeOptions, grade_class

root = Path(sys.argv[1])
release(root, [T.A], log=lambda *a: None)
listener = T.Listener()
T.build_class(root, listener.port)
students = ["sample_full", "sample_empty", "spy", "planter", "filler", "link_gradebook", "forbidden_calls"]
options = GradeOptions(jobs=2, case_seconds=20, limits=sandbox.Limits(memory_mb=3072, processes=64, cell_seconds=20,
                       student_seconds=150, output_mb=2.0, scratch_mb=64))
report = grade_class(root, T.A, students=students, options=options, log=lambda *a: None, progress=False)
listener.close()
print("RESULT " + json.dumps({{"uid": os.getuid(), "connections": listener.connections,
                              "results": {{r.student: [r.score, r.status, r.reason] for r in report.results}}}}))
'''


def passable(path: Path) -> list[str]:
    """bwrap arguments that let any user pass through the ancestors of ``path`` that only their owner may enter."""
    args = []
    for parent in reversed(path.parents[:-1]):
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            child = path.parts[: len(parent.parts) + 1]
            args += ["--perms", "0755", "--tmpfs", str(parent), "--ro-bind", os.path.join(*child), os.path.join(*child)]
            break
    return args


def unprivileged(argv: list[str], env: dict) -> list[str]:
    if os.geteuid() != 0:
        return argv
    outer = ["bwrap", "--bind", "/", "/", "--dev-bind", "/dev", "/dev", *passable(Path(sys.base_prefix).resolve())]
    drop = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    return outer + ["--"] + drop + ["env", "-i", *[f"{k}={v}" for k, v in env.items()]] + argv


@pytest.mark.skipif(not sandbox.available(), reason="bubblewrap is not available (Debian's `bubblewrap`)")
def test_an_unprivileged_grader_keeps_the_attacks_out():
    scratch = Path(tempfile.mkdtemp(prefix="coursekit-unprivileged-"))
    try:
        root = copy_course(scratch / "course")
        (scratch / "home").mkdir()
        if os.geteuid() == 0:
            os.chmod(scratch, 0o755)
            for path in [scratch, *scratch.rglob("*")]:
                os.chown(path, UID, UID, follow_symlinks=False)
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(scratch / "home"),
               "LANG": "C.UTF-8", CANARY: CANARY, "MPLBACKEND": "Agg"}
        argv = [sys.executable, "-c", SCRIPT.format(tests=str(REPO / "tests")), str(root)]
        done = subprocess.run(unprivileged(argv, env), capture_output=True, text=True, timeout=900,
                              env={**os.environ, **env}, cwd=scratch)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
        assert line, f"the grader did not finish:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        out = json.loads(line[len("RESULT "):])
        assert out["uid"] != 0
        results = out["results"]
        total = results["sample_full"][0]
        assert total == 10 and results["sample_empty"][0] == 0, results
        for student in ("spy", "planter", "filler", "link_gradebook"):
            assert results[student][0] == total, (student, results[student])
        assert results["forbidden_calls"][0] == 7, results["forbidden_calls"]
        assert out["connections"] == 0

        def printed(student):
            nb = json.loads((root / "autograder" / "autograded" / student / A / f"{A}.ipynb").read_text())
            return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                           for o in c.get("outputs", []))

        # the grader's environment (and its canary) is nowhere in the sandbox, not even in /proc/1/environ
        assert "SPY FOUND []" in printed("spy"), printed("spy")[-500:]
        assert "LINKED GRADEBOOK none" in printed("link_gradebook")
        filled = [int(x) for x in printed("filler").split("FILLED")[1].split()[:2]]
        assert max(filled) <= 64, filled
        assert sorted(p.name for p in (root / "autograder" / "feedback" / "planter" / A).iterdir()) == [f"{A}.html"]
        for folder in ("autograded", "feedback"):
            assert not any(p.is_symlink() for p in (root / "autograder" / folder).rglob("*"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_a_sandbox_that_cannot_start_is_refused_with_a_reason(monkeypatch, tmp_path):
    """When bubblewrap is installed but cannot start here, grading stops with the reason instead of running
    students' code unprotected."""
    from coursekit.grading import grader

    monkeypatch.setattr(sandbox, "problem", lambda: "bubblewrap is installed but cannot start the sandbox: test")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: "/usr/bin/bwrap" if name == "bwrap" else None)
    root = copy_course(tmp_path / "course")
    (root / "autograder" / "submitted" / "x" / A).mkdir(parents=True)
    with pytest.raises(RuntimeError, match="cannot start the sandbox: test"):
        grader.grade_class(root, A, options=grader.GradeOptions(), log=lambda *a: None, progress=False)
