"""How fast a slider step is for a student: key press to new widget output in JupyterLab (headless Chromium),
per widget, from the report that the browser tests write (build/browser/latency.json), against the goals: median
<= 300 ms end to end on 2 cores, and <= 50 ms for the kernel's own handling of the step (the callback's compute).

    .venv/bin/python benchmarks/bench_browser.py          # the report of the last browser-test run
    .venv/bin/python benchmarks/bench_browser.py --run    # run the browser tests first (about 2 minutes)

End to end is measured in the page with performance.now(), from the keydown event to the moment the widget shows
the new picture (loaded) and text; the kernel time is the kernel's busy-to-idle time for the slider's message.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "build" / "browser" / "latency.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the browser tests (tests/browser) first")
    args = parser.parse_args()
    if args.run or not REPORT.is_file():
        print("running the browser tests: python -m pytest tests/browser -m browser -q")
        status = subprocess.call([sys.executable, "-m", "pytest", "tests/browser", "-m", "browser", "-q"], cwd=ROOT)
        if status != 0 or not REPORT.is_file():
            print(f"the browser tests failed (status {status}) or wrote no report ({REPORT})")
            return 1
    report = json.loads(REPORT.read_text())
    goal, kernel_goal = report["goal_ms"]["end_to_end_median"], report["goal_ms"]["kernel_median"]
    load = report.get("load_average_before"), report.get("load_average_after")
    print(f"{REPORT.relative_to(ROOT)}: {report['started']}, {report['cpu_count']} cores, load average "
          + " -> ".join("/".join(f"{v:.1f}" for v in pair) for pair in load if pair))
    print(f"{'chapter':<28}{'slider':<20}{'end to end (median)':>22}{'kernel (median)':>18}  samples")
    everything, kernels = [], []
    for w in report["widgets"]:
        kernel = "n/a" if w["kernel_median_ms"] is None else f"{w['kernel_median_ms']:.0f} ms"
        print(f"{w['chapter']:<28}{w['slider']:<20}{w['median_ms']:>19.0f} ms{kernel:>18}  {len(w['samples_ms'])}")
        everything += w["samples_ms"]
        kernels += w["kernel_samples_ms"]
    worst = max(report["widgets"], key=lambda w: w["median_ms"])
    print(f"all {len(everything)} steps: end to end median {statistics.median(everything):.0f} ms "
          f"(goal <= {goal} ms; slowest widget {worst['slider']!r} {worst['median_ms']:.0f} ms), "
          f"kernel median {statistics.median(kernels):.0f} ms (goal <= {kernel_goal} ms)")
    slow = [w["slider"] for w in report["widgets"] if w["median_ms"] > goal]
    busy = [w["slider"] for w in report["widgets"] if (w["kernel_median_ms"] or 0) > kernel_goal]
    print(f"end to end: {'every widget within the goal' if not slow else 'over the goal: ' + ', '.join(slow)}; "
          f"kernel: {'every widget within the goal' if not busy else 'over the goal: ' + ', '.join(busy)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
