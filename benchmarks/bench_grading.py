"""Grading throughput, in one run:

1. N generated submissions of the metrics assignment graded on a local cluster with --jobs 1 and --jobs 2: the
   overhead per submission beyond executing the notebook (measured in the same run by executing the same notebook
   once with nbclient, unsandboxed), from the time after the cluster started (its start-up, once per class, is
   printed apart). Goal: at most 1 s per submission at --jobs 2, with the sandbox and the clean-room verdict included;
2. the same N graded on a two-worker Dask cluster started here (``dask scheduler`` and two ``dask worker`` processes
   on 127.0.0.1, as on grading hosts) through ``--cluster``: throughput beside the local one;
3. chapter 5 (U-Net, networks trained in the demonstrations): seconds per submission of the graded run that leaves
   the demonstrations out (goal <= 45 s on 2 cores), full and partial samples, with their scores.

    .venv/bin/python benchmarks/bench_grading.py [N]
"""

import os
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

A, DEEP = "06_metrics", "05_fcn_unet"


def execute_once(root: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(root / "autograder" / "submitted" / "sample_full" / A / f"{A}.ipynb", as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(root)}}).execute()
    return time.perf_counter() - start


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def grade(root, assignment, students, options, cluster=None):
    start = time.perf_counter()
    report = grade_class(root, assignment, students=students, options=options, log=lambda *a: None, progress=False,
                         cluster=cluster)
    return report, time.perf_counter() - start


def main(n: int = 8) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_course(Path(tmp) / "course")
        release(root, [A, DEEP], log=lambda *a: None)
        make_samples(root, A, log=lambda *a: None)
        submitted = root / "autograder" / "submitted"
        samples = ["sample_full", "sample_partial", "sample_empty"]
        students = []
        for i in range(n):
            name = f"student{i:03d}"
            shutil.copytree(submitted / samples[i % 3], submitted / name)
            students.append(name)
        execution = min(execute_once(root) for _ in range(2))
        for s in samples:
            shutil.rmtree(submitted / s)
        print(f"{os.cpu_count()} cores, {load()}; sandbox: "
              f"{'bubblewrap' if sandbox.available() else 'NOT AVAILABLE (unsandboxed)'}; {n} submissions of {A}; "
              f"executing the notebook alone takes {execution:.2f} s")
        print(f"{'where':<26} {'start-up s':>10} {'grading s':>10} {'per min':>8} {'s/submission':>13} "
              f"{'overhead s':>11}  goal <= 1 s at --jobs 2")
        options = GradeOptions(limits=sandbox.Limits(cell_seconds=60, student_seconds=300))
        for jobs in (1, 2):
            report, wall = grade(root, A, students, GradeOptions(jobs=jobs, limits=options.limits))
            t = report.timings
            per = t["grading"] * jobs / n  # worker-seconds per submission, after the cluster started
            print(f"{f'local, --jobs {jobs}':<26} {t['start']:>10.1f} {t['grading']:>10.1f} "
                  f"{60 * n / t['grading']:>8.1f} {per:>13.2f} {per - execution:>11.2f}  "
                  f"{'met' if per - execution <= 1.0 or jobs == 1 else 'not met'}   ({load()})")

        from servers import DaskCluster

        cluster = DaskCluster(workers=2)
        try:
            cluster.wait_for_workers(2)
            report, wall = grade(root, A, students, GradeOptions(limits=options.limits), cluster=cluster.address)
            t = report.timings
            per = t["grading"] * 2 / n
            print(f"{'dask cluster, 2 workers':<26} {t['start']:>10.1f} {t['grading']:>10.1f} "
                  f"{60 * n / t['grading']:>8.1f} {per:>13.2f} {per - execution:>11.2f}  ({load()})")
        finally:
            cluster.close()

        expected = make_samples(root, DEEP, log=lambda *a: None)
        deep = ["sample_full", "sample_partial"]
        report, wall = grade(root, DEEP, deep, GradeOptions(jobs=2, skip_demonstrations=True, limits=sandbox.Limits(
            cell_seconds=300, student_seconds=600)))
        for r in report.results:
            print(f"{DEEP} {r.student}: {r.seconds:.1f} s on its worker (goal <= 45 s), score {r.score:g} "
                  f"(expected {expected[r.student]:g}){'' if r.score == expected[r.student] else '  WRONG'}")
        print(f"{DEEP}: {len(deep)} submissions in {report.timings['grading']:.1f} s with --jobs 2 "
              f"({report.timings['grading'] * 2 / len(deep):.1f} worker-seconds each; {load()})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
