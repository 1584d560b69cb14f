"""How fast a slider step redraws: the updates of the threshold (chapter 6), receptive-field (chapter 5) and stamp
(chapter 4) explorers of coursekit.explorers against a full matplotlib redraw of the same figure (savefig), measured
in the same run. Goal: an update well under 100 ms at the default size (the guide's budget: 50 ms in the kernel).

    .venv/bin/python benchmarks/bench_widgets.py
"""

import io
import time

import numpy as np

from coursekit import data, explorers


def median_ms(fn, repeats=30):
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def compare(name, explorer, step, steps=30):
    """One slider step of ``explorer`` (``step(i)``) against the same step plus a full redraw (savefig)."""
    ours = median_ms(step, steps)

    def full_redraw(i):
        step(i)
        explorer.figure.savefig(io.BytesIO(), format="png")

    peer = median_ms(full_redraw, steps) - ours
    print(f"{name}, one slider step: {ours:6.1f} ms (median of {steps})")
    print(f"{'':{len(name)}}  full figure redraw: {peer:6.1f} ms")
    print(f"{'':{len(name)}}  ratio update / full redraw: {ours / peer:6.2f}  (goal: update < 100 ms)")


def main():
    images, masks = data.synthetic_shapes(1, seed=3)
    target = (masks[0] > 0).astype(np.int64)
    explorer = explorers.threshold_explorer(data.soft_prediction(target, seed=0), target, image=images[0])
    thresholds = np.linspace(0.05, 0.95, 30)
    compare("threshold explorer (chapter 6)", explorer, lambda i: explorer.update(thresholds[i]))

    field = explorers.receptive_field_explorer((1, 2, 4), max_dilation=8)
    compare("receptive-field explorer (chapter 5)", field,
            lambda i: field.update(layer=1 + i % 3, dilation=1 + (i * 5) % 8))

    stamps = explorers.stamp_explorer([[1, 2], [3, 4]], stride=2, padding=1, kernel_size=3)
    settings = [dict(stride=s, padding=p, kernel_size=k, output_padding=0) for s in (1, 2, 3) for p in (0, 1)
                for k in (2, 3, 4)]
    compare("stamp explorer (chapter 4)", stamps, lambda i: stamps.update(**settings[i % len(settings)]))


if __name__ == "__main__":
    main()
