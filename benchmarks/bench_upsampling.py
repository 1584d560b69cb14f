"""How fast the numpy transposed convolution is: coursekit.upsampling.conv_transpose2d against PyTorch's CPU
``torch.nn.functional.conv_transpose2d`` on a decoder-sized layer (N=8, 32 -> 32 channels, 32 x 32 -> 64 x 64,
kernel 4, stride 2, padding 1, float32), measured in the same run, single-threaded (torch.set_num_threads(1), numpy's
BLAS limited to one thread with threadpoolctl) and at the default number of threads.
Goal: within 3x of PyTorch (ratio ours / torch <= 3).

    .venv/bin/python benchmarks/bench_upsampling.py
"""

import time

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

from coursekit.upsampling import conv_transpose2d

GOAL = 3.0
N, C_IN, C_OUT, SIZE, K, STRIDE, PADDING = 8, 32, 32, 32, 4, 2, 1


def median_ms(fn, repeats=25):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def measure(x, w, b):
    xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
    ours = lambda: conv_transpose2d(x, w, b, stride=STRIDE, padding=PADDING)  # noqa: E731
    theirs = lambda: F.conv_transpose2d(xt, wt, bt, stride=STRIDE, padding=PADDING)  # noqa: E731
    got, expected = ours(), theirs().numpy()
    assert got.dtype == np.float32 and got.shape == expected.shape == (N, C_OUT, 2 * SIZE, 2 * SIZE)
    error = float(np.abs(got - expected).max())
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-4), error
    # alternate the two, three rounds each, and keep the best median of each (the machine may be shared)
    ours_ms, torch_ms = [], []
    for _ in range(3):
        ours_ms.append(median_ms(ours))
        torch_ms.append(median_ms(theirs))
    return min(ours_ms), min(torch_ms), error


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C_IN, SIZE, SIZE), dtype=np.float32)
    w = rng.standard_normal((C_IN, C_OUT, K, K), dtype=np.float32)
    b = rng.standard_normal(C_OUT, dtype=np.float32)
    default_threads = torch.get_num_threads()

    rows = []
    torch.set_num_threads(1)
    with threadpool_limits(limits=1, user_api="blas"):
        rows.append(("1 thread", *measure(x, w, b)))
    torch.set_num_threads(default_threads)
    rows.append((f"default ({default_threads} threads)", *measure(x, w, b)))

    print(f"conv_transpose2d, N={N}, C_in={C_IN}, C_out={C_OUT}, {SIZE}x{SIZE} -> {2 * SIZE}x{2 * SIZE}, k={K}, "
          f"s={STRIDE}, p={PADDING}, float32; median ms (best of 3 rounds of 25)")
    print(f"{'threads':<22} {'ours ms':>8} {'torch ms':>9} {'ratio':>6} {'goal':>6}  met?  max |ours - torch|")
    for name, ours, theirs, error in rows:
        ratio = ours / theirs
        met = "yes" if ratio <= GOAL else "NO"
        print(f"{name:<22} {ours:8.2f} {theirs:9.2f} {ratio:6.2f} {'<= ' + str(GOAL):>6}  {met:<4}  {error:.1e}")


if __name__ == "__main__":
    main()
