"""coursekit.clustering against scikit-learn on image-sized problems, measured in the same run.

    .venv/bin/python benchmarks/bench_clustering.py [--repeats 5]

- k-means: the 512 x 512 RGB pixels of skimage's astronaut (floats in [0, 1]), k = 8, the same k-means++ centres for
  both, tol = 0 and a fixed max_iter so that both run the same Lloyd iterations; vs ``sklearn.cluster.KMeans(
  algorithm="lloyd", n_init=1)``. Goal: ratio ours / peer <= 1.
- Gaussian mixture: 50,000 pixels (RGB floats), k = 5 full covariances, the same initial weights, means and
  precisions, tol = 0 and 50 EM iterations for both; vs ``sklearn.mixture.GaussianMixture`` (with
  ``init_params="random_from_data"``, so that it does not spend time on an initialisation it then overrides).
  Goal: ratio <= 1.
- Mean shift, flat kernel: the 20,000 L*u*v* pixels of skimage's coffee downsampled to 115 x 174 (the first 20,000),
  bandwidth from ``sklearn.cluster.estimate_bandwidth(quantile=0.1)`` on 2,000 of them; bin seeding on both, and 300
  given seeds on both; vs ``sklearn.cluster.MeanShift``. Goal: at least 10 times faster (ratio <= 0.1), the same modes.

Times are medians of ``--repeats`` runs, ours and the peer's interleaved. The BLAS and OpenMP thread pools are
reported as found (threadpoolctl) and not limited for the goals; for context the k-means and EM runs are repeated with
the peer on one thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
from skimage import color, data, transform
from sklearn.cluster import KMeans, MeanShift, estimate_bandwidth
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info, threadpool_limits

from coursekit import clustering as CL


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


PEER_THREADS = None  # None: the peer's thread pools as found; 1: limited to one thread (threadpoolctl)


def compare(ours_fn, peer_fn, repeats):
    """Medians of interleaved runs, and the last results."""
    ours_t, peer_t = [], []
    ours = peer = None
    for _ in range(repeats):
        t, ours = timed(ours_fn)
        ours_t.append(t)
        with threadpool_limits(limits=PEER_THREADS):
            t, peer = timed(peer_fn)
        peer_t.append(t)
    return float(np.median(ours_t)), float(np.median(peer_t)), ours, peer


def same_modes(a, b, atol=1e-6):
    if len(a) != len(b):
        return False
    a = a[np.lexsort(a.T[::-1])]
    b = b[np.lexsort(b.T[::-1])]
    return bool(np.allclose(a, b, rtol=0, atol=atol))


def bench_kmeans(repeats, max_iter):
    X = data.astronaut().reshape(-1, 3).astype(np.float64) / 255.0
    init = CL.kmeans_plus_plus(X, 8, seed=0)
    t_ours, t_peer, ours, peer = compare(
        lambda: CL.kmeans(X, 8, init=init, max_iter=max_iter, tol=0.0),
        lambda: KMeans(n_clusters=8, init=init, n_init=1, algorithm="lloyd", max_iter=max_iter, tol=0.0).fit(X),
        repeats)
    check = (f"iterations {ours.n_iter} / {peer.n_iter_}, labels equal: {np.array_equal(ours.labels, peer.labels_)}, "
             f"inertia rel. diff {abs(ours.inertia - peer.inertia_) / peer.inertia_:.1e}")
    return (f"k-means 262144x3 k=8 {max_iter} it", t_ours, t_peer, 1.0, check)


def bench_gmm(repeats):
    pixels = data.astronaut().reshape(-1, 3).astype(np.float64) / 255.0
    X = pixels[np.random.default_rng(0).choice(len(pixels), 50_000, replace=False)]
    k, iters = 5, 50
    means = CL.kmeans_plus_plus(X, k, seed=0)
    weights = np.full(k, 1.0 / k)
    precisions = np.stack([np.eye(3) / X.var(axis=0).mean()] * k)

    def peer_fn():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return GaussianMixture(n_components=k, covariance_type="full", means_init=means, weights_init=weights,
                                   precisions_init=precisions, tol=0.0, max_iter=iters,
                                   init_params="random_from_data", random_state=0).fit(X)

    t_ours, t_peer, ours, peer = compare(
        lambda: CL.gmm_em(X, k, means_init=means, weights_init=weights, precisions_init=precisions, tol=0.0,
                          max_iter=iters), peer_fn, repeats)
    score = peer.score(X)
    check = (f"iterations {ours.n_iter} / {peer.n_iter_}, mean log-lik. rel. diff "
             f"{abs(ours.log_likelihood - score) / abs(score):.1e}, means max diff "
             f"{np.abs(ours.means - peer.means_).max():.1e}")
    return (f"GMM EM 50000x3 k=5 {iters} it", t_ours, t_peer, 1.0, check)


def luv_pixels():
    image = transform.resize(data.coffee(), (115, 174), anti_aliasing=True)
    return color.rgb2luv(image).reshape(-1, 3)[:20_000].astype(np.float64)


def bench_mean_shift(repeats, X, bandwidth, n_seeds=None):
    """Bin seeding on both (``n_seeds=None``), or the same ``n_seeds`` random points as seeds on both."""
    if n_seeds is None:
        name, kwargs = "mean shift 20000x3 bin seeding", {"bin_seeding": True}
    else:
        name = f"mean shift 20000x3 {n_seeds} seeds"
        kwargs = {"seeds": X[np.random.default_rng(0).choice(len(X), n_seeds, replace=False)]}
    t_ours, t_peer, ours, peer = compare(lambda: CL.mean_shift(X, float(bandwidth), **kwargs),
                                         lambda: MeanShift(bandwidth=bandwidth, **kwargs).fit(X), repeats)
    check = (f"{len(ours.seeds)} seeds, {len(ours.modes)} / {len(peer.cluster_centers_)} modes, same modes: "
             f"{same_modes(ours.modes, peer.cluster_centers_)}")
    return (name, t_ours, t_peer, 0.1, check)


def print_table(rows, goals=True):
    """One line a task: our time, the peer's, the ratio (and the goal, and whether it is met)."""
    print(f"{'task':36s} {'ours (s)':>9s} {'peer (s)':>9s} {'ratio':>7s}" + (f" {'goal':>8s}  met?" if goals else ""))
    for name, t_ours, t_peer, goal, _ in rows:
        ratio = t_ours / t_peer
        line = f"{name:36s} {t_ours:9.3f} {t_peer:9.3f} {ratio:7.3f}"
        if goals:
            line += f" {'<= ' + format(goal, 'g'):>8s}  {'yes' if ratio <= goal else 'NO'}"
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (median); mean shift uses fewer")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPU(s), "
          f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    for pool in threadpool_info():
        print(f"  {pool['user_api']:7s} {pool['internal_api']:9s} {pool['num_threads']} thread(s)  "
              f"{os.path.basename(pool['filepath'])}")

    X_luv = luv_pixels()
    bandwidth = estimate_bandwidth(X_luv, quantile=0.1, n_samples=2000, random_state=0)
    em_and_kmeans = [lambda: bench_kmeans(args.repeats, 30), lambda: bench_kmeans(args.repeats, 100),
                     lambda: bench_gmm(args.repeats)]
    rows = [run() for run in em_and_kmeans] + [
        bench_mean_shift(args.repeats, X_luv, bandwidth),
        bench_mean_shift(max(1, args.repeats // 2), X_luv, bandwidth, n_seeds=300),
    ]
    print()
    print_table(rows)
    print()
    for name, *_, check in rows:
        print(f"{name:36s} {check}")
    print(f"\nmean shift bandwidth {bandwidth:.3f} (estimate_bandwidth, quantile 0.1, 2000 samples)")

    # the same k-means and EM runs with the peer on one BLAS/OpenMP thread: on a busy machine, multi-threaded
    # BLAS and OpenMP lose time waiting for busy cores, and this shows how much of the ratio that is
    global PEER_THREADS
    PEER_THREADS = 1
    print("\nsame k-means and EM runs, peer limited to 1 BLAS/OpenMP thread (not a goal, for context):")
    print_table([run() for run in em_and_kmeans], goals=False)

    start = time.perf_counter()
    every = CL.mean_shift(X_luv, float(bandwidth))
    print(f"ours only: mean shift with all 20,000 points as seeds (every point's own trajectory) "
          f"{time.perf_counter() - start:.2f} s, {len(every.modes)} modes")


if __name__ == "__main__":
    main()
