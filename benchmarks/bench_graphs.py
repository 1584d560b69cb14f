"""coursekit.graphs against scikit-learn on an image graph, measured in the same run.

    .venv/bin/python benchmarks/bench_graphs.py [--repeats 3] [--peer-256]

- Two-way normalized cut: the radius-5 affinity (sigma_color 0.1, sigma_space 4) of the bundled camera picture,
  grey, downsampled to 128 x 128 (16,384 pixels, about 1.3 million stored weights);
  ``coursekit.graphs.ncut_bipartition`` vs ``sklearn.cluster.SpectralClustering(n_clusters=2,
  affinity="precomputed", assign_labels="discretize")`` on the same ``W``. Goal: ratio ours / peer <= 1, with an
  Ncut no worse (the peer's Ncut is that of its two clusters).
- Scaling: the same graph from 32^2 to 256^2 pixels: the time of ``image_affinity`` (best of the runs) and of
  ``ncut_bipartition``, and the exponent ``p`` of ``time ~ pixels^p`` (the peer's too, up to 128^2, or up to 256^2
  with ``--peer-256``). One run of each at 256^2.

Times are medians of ``--repeats`` runs, ours and the peer's interleaved. The BLAS and OpenMP thread pools are
reported as found (threadpoolctl) and not limited here; ``ncut_bipartition`` itself runs its Lanczos iteration on one
BLAS thread.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numpy as np
from skimage import transform
from sklearn.cluster import SpectralClustering
from threadpoolctl import threadpool_info

from coursekit import graphs as GR
from coursekit.data import load_image

SIGMA_COLOR, SIGMA_SPACE, RADIUS = 0.1, 4.0, 5


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def image(size: int) -> np.ndarray:
    return transform.resize(load_image("camera", as_gray=True), (size, size), anti_aliasing=True)


def affinity(size: int):
    return GR.image_affinity(image(size), SIGMA_COLOR, SIGMA_SPACE, RADIUS)


def peer(W):
    return SpectralClustering(n_clusters=2, affinity="precomputed", assign_labels="discretize",
                              random_state=0).fit(W)


def compare(W, repeats, with_peer=True):
    """Medians of interleaved runs of ours and the peer on the same W, and the last results."""
    ours_t, peer_t = [], []
    ours = theirs = None
    for _ in range(repeats):
        t, ours = timed(lambda: GR.ncut_bipartition(W))
        ours_t.append(t)
        if with_peer:
            t, theirs = timed(lambda: peer(W))
            peer_t.append(t)
    return float(np.median(ours_t)), (float(np.median(peer_t)) if with_peer else math.nan), ours, theirs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--peer-256", action="store_true", help="time the peer at 256 x 256 too (about a minute)")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPU(s), "
          f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    for pool in threadpool_info():
        print(f"  {pool['user_api']:7s} {pool['internal_api']:9s} {pool['num_threads']} thread(s)  "
              f"{os.path.basename(pool['filepath'])}")

    # the goal: 128 x 128
    W = affinity(128)
    t_ours, t_peer, ours, theirs = compare(W, args.repeats)
    labels = theirs.labels_
    peer_ncut = GR.ncut_value(W, labels == labels[0])
    ratio = t_ours / t_peer
    print(f"\ntwo-way Ncut, camera 128 x 128, radius {RADIUS}, sigma_color {SIGMA_COLOR}, sigma_space {SIGMA_SPACE}: "
          f"{W.shape[0]} nodes, {W.nnz} stored weights")
    print(f"{'':34s} {'time (s)':>9s} {'Ncut':>10s} {'|A|':>7s}")
    print(f"{'ncut_bipartition (ours)':34s} {t_ours:9.3f} {ours.ncut:10.6f} {int(ours.mask.sum()):7d}")
    print(f"{'SpectralClustering (scikit-learn)':34s} {t_peer:9.3f} {peer_ncut:10.6f} {int((labels == 0).sum()):7d}")
    print(f"ratio ours / peer {ratio:.3f} (goal <= 1: {'yes' if ratio <= 1 else 'NO'}); Ncut no worse: "
          f"{'yes' if ours.ncut <= peer_ncut * (1 + 1e-9) else 'NO'}; second eigenvalue {ours.eigenvalue:.3e} "
          f"(a lower bound of every Ncut)")

    # scaling from 32^2 to 256^2 pixels
    print(f"\nscaling, same parameters ({args.repeats} runs each, medians; one run at 256 x 256)")
    print(f"{'size':>9s} {'pixels':>7s} {'weights':>9s} {'affinity (s)':>12s} {'ncut (s)':>9s} {'peer (s)':>9s} "
          f"{'ratio':>6s} {'Ncut ours':>10s} {'Ncut peer':>10s}")
    rows = []
    for size in (32, 64, 128, 256):
        repeats = args.repeats if size <= 128 else 1  # 256^2: one run of each, they take a minute
        picture = image(size)
        t_aff, W = min((timed(lambda: GR.image_affinity(picture, SIGMA_COLOR, SIGMA_SPACE, RADIUS))
                        for _ in range(repeats)), key=lambda r: r[0])
        with_peer = size <= 128 or args.peer_256
        t_ours, t_peer, ours, theirs = compare(W, repeats, with_peer)
        peer_ncut = GR.ncut_value(W, theirs.labels_ == theirs.labels_[0]) if with_peer else math.nan
        rows.append((size * size, t_aff, t_ours, t_peer))
        print(f"{size:>4d}x{size:<4d} {size * size:7d} {W.nnz:9d} {t_aff:12.3f} {t_ours:9.3f} {t_peer:9.3f} "
              f"{t_ours / t_peer:6.3f} {ours.ncut:10.6f} {peer_ncut:10.6f}")

    def exponent(column, first, last):
        return math.log(rows[last][column] / rows[first][column]) / math.log(rows[last][0] / rows[first][0])

    print(f"\nexponent p of time ~ pixels^p, 32^2 -> 256^2: image_affinity {exponent(1, 0, 3):.2f}, "
          f"ncut_bipartition {exponent(2, 0, 3):.2f}"
          + (f", peer {exponent(3, 0, 3):.2f}" if args.peer_256 else f"; 32^2 -> 128^2: ours {exponent(2, 0, 2):.2f}, "
             f"peer {exponent(3, 0, 2):.2f}"))
    print(f"cost 256^2 / 32^2 (64 x the pixels): image_affinity x{rows[3][1] / rows[0][1]:.0f}, "
          f"ncut_bipartition x{rows[3][2] / rows[0][2]:.0f}")
    print(f"load average at the end {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
