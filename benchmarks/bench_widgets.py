"""How fast a slider step redraws: the threshold explorer's update against a full matplotlib redraw of the same
figure (savefig), measured in the same run. Goal: an update well under 100 ms at the default size.

    .venv/bin/python benchmarks/bench_widgets.py
"""

import io
import time

import numpy as np

from coursekit import data, widgets


def median_ms(fn, repeats=30):
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main():
    images, masks = data.synthetic_shapes(1, seed=3)
    target = (masks[0] > 0).astype(np.int64)
    explorer = widgets.threshold_explorer(data.soft_prediction(target, seed=0), target, image=images[0])
    thresholds = np.linspace(0.05, 0.95, 30)
    ours = median_ms(lambda i: explorer.update(thresholds[i]))

    def full_redraw(i):
        explorer.update(thresholds[i])
        explorer.figure.savefig(io.BytesIO(), format="png")

    peer = median_ms(full_redraw) - ours
    print(f"threshold explorer, one slider step: {ours:6.1f} ms (median of 30)")
    print(f"full figure redraw (savefig):        {peer:6.1f} ms")
    print(f"ratio update / full redraw:          {ours / peer:6.2f}  (goal: update < 100 ms)")


if __name__ == "__main__":
    main()
