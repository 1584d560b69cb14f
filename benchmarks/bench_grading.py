"""Grading throughput, in one run:

1. N generated submissions of the metrics assignment graded on a local cluster with --jobs 1 and --jobs 2: the
   overhead per submission beyond executing the notebook, from the time after the cluster started (its start-up,
   once per class, is printed apart). The notebook's execution is measured for the class's mix of notebooks (full,
   partial and empty submissions: an empty one runs faster), the way the grading hosts run it, as many at a time as
   there are jobs: nbclient's ``execute()`` (the kernel's start included) in that many fresh processes
   at once, unsandboxed, with one BLAS thread (as the sandboxed kernel has), just before and just after each grading
   of the class (this machine's speed drifts by tens of percent within minutes: each grading is compared with the
   execution around it). Each is measured ROUNDS times; the goal is judged on the median: at most 1 s per
   submission at --jobs 2, with the sandbox and the clean-room verdict included. Where the time goes is printed from
   the students' logs: on the worker (the sandboxed kernel's run through nbgrader, with the clean room beside it)
   and in the grader's own process (recording: nbgrader's autograde of the executed notebook, the verdicts, the
   feedback page);
2. the same N graded on a two-worker Dask cluster started here (``dask scheduler`` and two ``dask worker`` processes
   on 127.0.0.1, as on grading hosts) through ``--cluster``: throughput beside the local one;
3. chapter 5 (U-Net, networks trained in the demonstrations): seconds per submission of the graded run that leaves
   the demonstrations out (goal <= 45 s on 2 cores), full and partial samples, with their scores.

    .venv/bin/python benchmarks/bench_grading.py [N] [ROUNDS]
"""

import os
import re
import shutil
import statistics
import subprocess
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


EXECUTE = """
import sys, time, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
print(time.perf_counter() - start)
"""
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def execute(root: Path, notebooks: list[Path]) -> list[float]:
    """Seconds of nbclient's execute() of each notebook, all at once, each in a fresh process with one BLAS thread."""
    procs = [subprocess.Popen([sys.executable, "-c", EXECUTE, str(nb), str(root)], env={**os.environ, **ONE_THREAD},
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for nb in notebooks]
    return [float(p.communicate()[0]) for p in procs]


def phases(report) -> dict:
    """Mean seconds per phase over the class, from the last "seconds per phase" line of every student's log."""
    total: dict = {}
    for r in report.results:
        line = re.findall(r"seconds per phase: (.*)", (report.log_dir / f"{r.student}.log").read_text())[-1]
        for item in line.split(", "):
            name, value = item.rsplit(" ", 1)
            total[name] = total.get(name, 0.0) + float(value) / len(report.results)
    return total


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def grade(root, assignment, students, options, cluster=None):
    start = time.perf_counter()
    report = grade_class(root, assignment, students=students, options=options, log=lambda *a: None, progress=False,
                         cluster=cluster)
    return report, time.perf_counter() - start


def main(n: int = 8, rounds: int = 2) -> None:
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
        kept = Path(tmp) / "executed"  # the bare executions' notebooks, kept apart from the submissions
        notebooks = {}
        for sample in samples:
            for copy in range(2):
                folder = kept / f"{sample}-{copy}"
                folder.mkdir(parents=True)
                notebooks.setdefault(sample, []).append(shutil.copy2(submitted / sample / A / f"{A}.ipynb", folder))
        share = {sample: sum(1 for i in range(n) if i % 3 == k) / n for k, sample in enumerate(samples)}
        for s in samples:
            shutil.rmtree(submitted / s)

        def bare(jobs: int) -> float:
            """Seconds of one bare execution of a notebook of the class (the full, partial and empty samples, as
            many of the class's notebooks as it holds of each), ``jobs`` copies at once."""
            return sum(share[sample] * statistics.mean(execute(root, notebooks[sample][:jobs])) for sample in samples)

        print(f"{os.cpu_count()} cores, {load()}; sandbox: "
              f"{'bubblewrap' if sandbox.available() else 'NOT AVAILABLE (unsandboxed)'}; {n} submissions of {A}; "
              f"{rounds} rounds, each a grading of the class between two bare executions of the notebook")
        print(f"{'where':<26} {'start-up s':>10} {'grading s':>10} {'per min':>8} {'s/submission':>13} "
              f"{'execution':>10} {'overhead s':>11}")
        options = GradeOptions(limits=sandbox.Limits(cell_seconds=60, student_seconds=300))
        where, overheads, executions, rates = {}, {1: [], 2: []}, {1: [], 2: []}, {}
        for r in range(rounds):
            for jobs in (1, 2):
                before = bare(jobs)
                report, wall = grade(root, A, students, GradeOptions(jobs=jobs, limits=options.limits))
                after = bare(jobs)
                t, around = report.timings, (before + after) / 2
                per = t["grading"] * jobs / n  # worker-seconds per submission, after the cluster started
                overheads[jobs].append(per - around)
                executions[jobs].append(around)
                rates.setdefault(jobs, []).append(60 * n / t["grading"])
                where.setdefault(jobs, []).append(phases(report))
                print(f"{f'local, --jobs {jobs}, round {r + 1}':<26} {t['start']:>10.1f} {t['grading']:>10.1f} "
                      f"{60 * n / t['grading']:>8.1f} {per:>13.2f} {around:>10.2f} {per - around:>11.2f}  (execution "
                      f"{before:.2f} s before, {after:.2f} s after; {load()})")
        for jobs in (1, 2):
            med = statistics.median(overheads[jobs])
            goal = f"goal <= 1 s: {'met' if med <= 1.0 else 'NOT met'}" if jobs == 2 else "no goal"
            print(f"--jobs {jobs}: overhead per submission, median of {rounds}: {med:.2f} s (rounds "
                  f"{', '.join(f'{o:.2f}' for o in overheads[jobs])}); {goal}; "
                  f"{statistics.median(rates[jobs]):.1f} submissions a minute")
        for jobs, runs in where.items():
            p = {k: statistics.mean(run.get(k, 0.0) for run in runs) for k in runs[0]}
            print(f"  --jobs {jobs}, mean seconds per student: on the worker, preparing {p.get('prepare', 0):.2f}, "
                  f"the sandboxed run through nbgrader {p.get('autograde', 0):.2f} (the notebook's execution: "
                  f"{statistics.mean(executions[jobs]):.2f}), the clean room after it {p.get('clean room', 0):.2f}; "
                  f"in the grader's process, recording {p.get('record', 0):.2f}")

        from servers import DaskCluster

        cluster = DaskCluster(workers=2)
        try:
            cluster.wait_for_workers(2)
            before = bare(2)
            report, wall = grade(root, A, students, GradeOptions(limits=options.limits), cluster=cluster.address)
            around = (before + bare(2)) / 2
            t = report.timings
            per = t["grading"] * 2 / n
            print(f"{'dask cluster, 2 workers':<26} {t['start']:>10.1f} {t['grading']:>10.1f} "
                  f"{60 * n / t['grading']:>8.1f} {per:>13.2f} {around:>10.2f} {per - around:>11.2f}  "
                  f"(local --jobs 2: {statistics.median(rates[2]):.1f} a minute; {load()})")
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
    main(*(int(a) for a in sys.argv[1:3]))
