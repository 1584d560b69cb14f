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

    release(args.root, args.assignment or None)
    return 0


def cmd_samples(args) -> int:
    from .course import make_samples

    expected = make_samples(args.root, args.assignment)
    for student, score in expected.items():
        print(f"  {student:<16} expected score {score:g}")
    return 0


def _print_report(report, root: Path) -> None:
    print()
    print(report.table())
    print()
    print(f"grades:   {report.csv_path.relative_to(root)}   (grader's log: {report.log_path.relative_to(root)})")
    print(f"feedback: {report.feedback_dir.relative_to(root)}/<student>/{report.assignment}/{report.assignment}.html")


def cmd_grade(args) -> int:
    from .course import grade

    print("note: student code runs with your permissions; grade only submissions you trust.")
    report = grade(args.root, args.assignment, students=args.student or None,
                   out=Path(args.out).resolve() if args.out else None)
    _print_report(report, args.root)
    return 0


def cmd_demo(args) -> int:
    from .course import grade, make_samples, release

    print("== 1/3 building the student notebooks from solutions/")
    release(args.root)
    print(f"== 2/3 writing sample submissions of {DEMO_ASSIGNMENT} (full, partial, untouched stubs)")
    expected = make_samples(args.root, DEMO_ASSIGNMENT)
    print(f"== 3/3 autograding them (hidden tests included)")
    report = grade(args.root, DEMO_ASSIGNMENT, students=list(expected))
    _print_report(report, args.root)
    wrong = [g for g in report.grades if abs(g.score - expected[g.student]) > 1e-9]
    print()
    if wrong:
        for g in wrong:
            print(f"UNEXPECTED: {g.student} scored {g.score:g}, expected {expected[g.student]:g}")
        return 1
    print("every sample submission received its expected score: "
          + ", ".join(f"{s} {v:g}" for s, v in expected.items()))
    print("open one feedback page in a browser, e.g. "
          f"autograder/feedback/sample_partial/{DEMO_ASSIGNMENT}/{DEMO_ASSIGNMENT}.html")
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
    _quiet_lab_settings()
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={args.root}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *args.extra]
    os.chdir(args.root)
    os.execv(sys.executable, cmd)
    return 0  # pragma: no cover


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
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("samples", help="write the sample submissions of an assignment to autograder/submitted/")
    p.add_argument("assignment", nargs="?", default=DEMO_ASSIGNMENT)
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("grade", help="autograde the submissions in autograder/submitted/, write feedback and a CSV")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--out", help="folder for grades.csv (default: autograder/grades/ASSIGNMENT)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("demo", help=f"release, make sample submissions of {DEMO_ASSIGNMENT}, grade them, "
                                    "print the scores")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("lab", help="start JupyterLab on the course")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="further arguments for jupyter lab")
    p.set_defaults(func=cmd_lab)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
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
