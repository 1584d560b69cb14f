"""The ``coursekit`` command: release, grade, demo, lab. ``coursekit --help`` lists them."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEMO_ASSIGNMENT = "06_metrics"


def _environment(root: Path) -> None:
    """Keep Jupyter's, IPython's and matplotlib's state inside the repository; find the venv's own python first."""
    jupyter = root / ".jupyter"
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")):
        os.environ.setdefault(var, str(jupyter / sub))
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        Path(os.environ[var]).mkdir(parents=True, exist_ok=True)
    from .course import tools_on_path

    tools_on_path()


def cmd_release(args) -> int:
    from .course import release

    release(args.root, args.assignment or None, measure=args.measure)
    return 0


def cmd_samples(args) -> int:
    from .course import make_samples

    expected = make_samples(args.root, args.assignment)
    for student, score in expected.items():
        print(f"  {student:<16} expected score {score:g}")
    return 0


def _print_report(report, root: Path) -> None:
    print()
    for line in getattr(report, "refused", []):
        print(f"not collected: {line}")
    print(report.table())
    print()
    print(f"grades:   {_rel(report.csv_path, root)}   (logs: {_rel(report.log_dir, root)}/<student>.log)")
    print(f"feedback: {_rel(report.feedback_dir, root)}/<student>/{report.assignment}/{report.assignment}.html")
    if not report.sandboxed:
        print("WARNING: graded WITHOUT the sandbox (bubblewrap is missing): these grades are not isolated.")


def _rel(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def _options(args):
    from .grading import limits as measured
    from .grading.grader import GradeOptions
    from .grading.sandbox import Limits

    # the cell and submission limits: the flags, else what was measured at release, else the defaults
    fitted = measured.recorded(args.root, args.assignment)
    if not fitted and (args.cell_timeout is None or args.time_limit is None):
        print(f"note: no measured time limits for {args.assignment} (run `coursekit release {args.assignment}`): "
              f"{measured.DEFAULT_CELL} s per cell, {measured.DEFAULT_SUBMISSION} s per submission")
    cell = args.cell_timeout or fitted.get("cell_seconds", measured.DEFAULT_CELL)
    student = args.time_limit or max(fitted.get("student_seconds", measured.DEFAULT_SUBMISSION), cell + 60)
    limits = Limits(memory_mb=args.memory_mb, processes=args.processes, file_mb=args.file_mb,
                    cell_seconds=cell, student_seconds=student, output_mb=args.output_mb,
                    scratch_mb=args.scratch_mb)
    return GradeOptions(jobs=args.jobs, limits=limits, case_seconds=args.case_timeout,
                        require_sandbox=args.require_sandbox, skip_demonstrations=args.demonstrations)


def cmd_grade(args) -> int:
    from .grading.grader import grade_class

    options = _options(args)
    print(f"limits: {options.limits.cell_seconds} s per cell, {options.limits.student_seconds} s per submission; "
          + (f"grading on the Dask cluster at {args.cluster}" if args.cluster else
             f"grading on this machine ({options.jobs or 'one per core'} workers)"))
    report = grade_class(args.root, args.assignment, submissions=Path(args.submissions) if args.submissions else None,
                         students=args.student or None, options=options,
                         out=Path(args.out).resolve() if args.out else None, cluster=args.cluster,
                         resume=args.resume)
    _print_report(report, args.root)
    return 0


def cmd_student_copy(args) -> int:
    from .course import student_copy

    student_copy(args.root, Path(args.target).resolve())
    return 0


def cmd_demo(args) -> int:
    from .course import make_samples, release
    from .grading.grader import GradeOptions, grade_class

    print("== 1/3 building the student notebooks from solutions/")
    release(args.root, measure=[DEMO_ASSIGNMENT])
    print(f"== 2/3 writing sample submissions of {DEMO_ASSIGNMENT} (full, partial, untouched stubs)")
    expected = make_samples(args.root, DEMO_ASSIGNMENT)
    print("== 3/3 autograding them (hidden tests included)")
    from .grading import limits as measured
    from .grading.sandbox import Limits

    fitted = measured.recorded(args.root, DEMO_ASSIGNMENT)
    limits = Limits(cell_seconds=fitted.get("cell_seconds", measured.DEFAULT_CELL),
                    student_seconds=fitted.get("student_seconds", measured.DEFAULT_SUBMISSION))
    report = grade_class(args.root, DEMO_ASSIGNMENT, students=list(expected), options=GradeOptions(limits=limits))
    _print_report(report, args.root)
    wrong = [g for g in report.results if abs(g.score - expected[g.student]) > 1e-9]
    print()
    if wrong:
        for g in wrong:
            print(f"UNEXPECTED: {g.student} scored {g.score:g}, expected {expected[g.student]:g}")
        return 1
    print("every sample submission received its expected score: "
          + ", ".join(f"{s} {v:g}" for s, v in expected.items()))
    print("open one feedback page in a browser, e.g. "
          f"autograder/feedback/sample_partial/{DEMO_ASSIGNMENT}/{DEMO_ASSIGNMENT}.html")
    print("\nto start the course: `make lab`, then open notebooks/01_clustering/01_clustering.ipynb (students work in "
          "notebooks/, instructors in solutions/ and the formgrader)")
    return 0


def _quiet_lab_settings() -> None:
    """JupyterLab's own defaults for this environment: no pop-up asking to fetch news (there is no network)."""
    import json

    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(path.read_text()) if path.is_file() else {}
    settings.setdefault("@jupyterlab/apputils-extension:notification", {})["fetchNews"] = "false"
    settings["@jupyterlab/apputils-extension:notification"]["checkForUpdates"] = False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2))


def cmd_lab(args) -> int:
    from .grading import webguard
    from .paths import Course
    from .viz import jupyterlab

    _quiet_lab_settings()
    # the formgrader's pages of students' work get a content security policy (no student script runs there)
    webguard.enable(Path(os.environ["JUPYTER_CONFIG_DIR"]))
    # the course's style sheet for JupyterLab: nbgrader's Validate dialog wraps long lines instead of cutting them
    jupyterlab.enable(Path(os.environ["JUPYTER_CONFIG_DIR"]))
    # nbgrader's exchange folder (autograder/exchange, as configured): without it the formgrader shows a warning
    Course(args.root).exchange.mkdir(parents=True, exist_ok=True)
    cmd = lab_command(args.root, args.extra)
    cmd.insert(3, jupyterlab.OPTION)  # after `python -m jupyterlab`, before the options given on the command line
    os.chdir(args.root)
    os.execv(sys.executable, cmd)
    return 0  # pragma: no cover


def lab_command(root: Path, extra: list[str]) -> list[str]:
    """JupyterLab's command line on the course: no news, no update check, as root ``--allow-root`` (JupyterLab
    refuses root otherwise), then ``extra`` (a leading ``--`` dropped)."""
    extra = list(extra)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")
    return cmd + extra


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coursekit",
        description="The image segmentation course: build the student notebooks, grade submissions, run the demo.",
        epilog="Quick start: `make demo`, then `make test`. Hidden test cases are drawn from the grading seed: "
               "set COURSEKIT_GRADING_SEED, or let `coursekit grade` keep one in autograder/.grading_seed.")
    parser.add_argument("--root", type=Path, default=None, help="the course repository (default: found from here)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("release", help="regenerate notebooks/ (student versions) from solutions/ with nbgrader")
    p.add_argument("assignment", nargs="*", help="assignments to release (default: all)")
    p.add_argument("--no-measure", dest="measure", action="store_false",
                   help="do not run the solution notebooks to fit the grading time limits (see README: Grading a "
                        "class); by default each assignment whose source changed is measured once")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("samples", help="write the sample submissions of an assignment to autograder/submitted/")
    p.add_argument("assignment", nargs="?", default=DEMO_ASSIGNMENT)
    p.set_defaults(func=cmd_samples)

    from .grading.sandbox import Limits

    d = Limits()
    p = sub.add_parser("grade", help="grade a whole class: in parallel, sandboxed, verdicts computed outside the "
                                     "students' kernels; writes grades.csv and feedback",
                       description="Grade every submission of ASSIGNMENT (see README: Grading a class).")
    p.add_argument("assignment")
    p.add_argument("--submissions", metavar="PATH",
                   help="a folder in nbgrader's layout (PATH/<student>/ASSIGNMENT/ASSIGNMENT.ipynb), or a zip or "
                        "folder of LMS downloads named <student>_..._ASSIGNMENT.ipynb (default: autograder/submitted)")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--cluster", metavar="tcp://HOST:8786",
                   help="grade on the workers of this Dask scheduler (default: a local cluster of --jobs workers)")
    p.add_argument("--jobs", type=int, default=0, help="local workers (default: one per core; not with --cluster)")
    p.add_argument("--resume", action="store_true",
                   help="grade only the students without a grade in the gradebook (after an interrupted run)")
    p.add_argument("--out", help="folder for grades.csv and logs (default: autograder/grades/ASSIGNMENT)")
    p.add_argument("--memory-mb", type=int, default=d.memory_mb, help=f"memory per process (default {d.memory_mb})")
    p.add_argument("--processes", type=int, default=d.processes,
                   help=f"processes per submission (default {d.processes})")
    p.add_argument("--file-mb", type=int, default=d.file_mb, help=f"largest file written (default {d.file_mb})")
    p.add_argument("--cell-timeout", type=int, default=None,
                   help="seconds per notebook cell (default: fitted to the solution's run at release, else 600)")
    p.add_argument("--time-limit", type=int, default=None,
                   help="seconds per submission, all included (default: fitted at release, else 1200)")
    p.add_argument("--output-mb", type=float, default=d.output_mb,
                   help=f"output a notebook may print (default {d.output_mb:g})")
    p.add_argument("--scratch-mb", type=int, default=d.scratch_mb,
                   help=f"size of a sandbox's writable folders, in memory (default {d.scratch_mb})")
    p.add_argument("--case-timeout", type=int, default=60, help="seconds per verdict case (default 60)")
    p.add_argument("--require-sandbox", action="store_true",
                   help="refuse to grade without bubblewrap (on every grading host)")
    demo = p.add_mutually_exclusive_group()
    demo.add_argument("--run-demonstrations", dest="demonstrations", action="store_false", default=None,
                      help="run every cell, the demonstrations too (default: as decided at release)")
    demo.add_argument("--skip-demonstrations", dest="demonstrations", action="store_true",
                      help="run only the setup, solution and test cells")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("student-copy", help="write the course as students may see it (no solutions, no hidden tests, "
                                            "no gradebook) into a new folder")
    p.add_argument("target", help="a new folder, e.g. the working tree of the repository students clone")
    p.set_defaults(func=cmd_student_copy)

    p = sub.add_parser("demo", help=f"release, make sample submissions of {DEMO_ASSIGNMENT}, grade them, "
                                    "print the scores")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("lab", help="start JupyterLab on the course (further options go to JupyterLab: "
                                   "coursekit lab --port 8899)")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="further arguments for jupyter lab")
    p.set_defaults(func=cmd_lab)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "lab":  # every option it does not know goes to JupyterLab
        args.extra = unknown + list(args.extra)
    from .course import course_root

    try:
        args.root = course_root(args.root)
    except FileNotFoundError as exc:
        print(f"coursekit: {exc}", file=sys.stderr)
        return 2
    _environment(args.root)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"coursekit {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
