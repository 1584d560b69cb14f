"""Grading throughput: N generated submissions of the metrics assignment graded with --jobs 1 and --jobs 2, printed
as submissions per minute and as the overhead per submission beyond executing the notebook (measured in the same
run by executing the same notebook once with nbclient, unsandboxed). Goal: overhead at most 1 s per submission, with
the sandbox and the clean-room verdict included.

    .venv/bin/python benchmarks/bench_grading.py [N]
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import copy_course  # noqa: E402  (also keeps Jupyter's state in a temporary folder)

from coursekit.course import make_samples, release  # noqa: E402
from coursekit.grading import sandbox  # noqa: E402
from coursekit.grading.grader import GradeOptions, grade_class  # noqa: E402

A = "06_metrics"


def execute_once(root: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(root / "autograder" / "submitted" / "sample_full" / A / f"{A}.ipynb", as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(root)}}).execute()
    return time.perf_counter() - start


def main(n: int = 8) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_course(Path(tmp) / "course")
        release(root, log=lambda *a: None)
        make_samples(root, A, log=lambda *a: None)
        submitted = root / "autograder" / "submitted"
        samples = ["sample_full", "sample_partial", "sample_empty"]
        students = []
        for i in range(n):
            name = f"student{i:03d}"
            shutil.copytree(submitted / samples[i % 3], submitted / name)
            students.append(name)
        for s in samples:
            shutil.rmtree(submitted / s)
        shutil.copytree(submitted / "student000", submitted / "sample_full")  # for the execution baseline
        execution = min(execute_once(root) for _ in range(2))
        shutil.rmtree(submitted / "sample_full")
        print(f"sandbox: {'bubblewrap' if sandbox.available() else 'NOT AVAILABLE (unsandboxed)'}; "
              f"{n} submissions; executing the notebook alone takes {execution:.2f} s")
        print(f"{'jobs':>4} {'wall s':>8} {'per min':>8} {'s/submission':>13} {'overhead s':>11}  goal <= 1 s")
        for jobs in (1, 2):
            start = time.perf_counter()
            grade_class(root, A, students=students, options=GradeOptions(jobs=jobs), log=lambda *a: None,
                        progress=False)
            wall = time.perf_counter() - start
            per = wall * jobs / n  # worker-seconds per submission
            overhead = per - execution
            print(f"{jobs:>4} {wall:>8.1f} {60 * n / wall:>8.1f} {per:>13.2f} {overhead:>11.2f}  "
                  f"{'met' if overhead <= 1.0 else 'not met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
