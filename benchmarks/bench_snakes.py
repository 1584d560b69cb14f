"""coursekit.snakes against scikit-image's active_contour on a coin of skimage's coins, measured in the same run.

    .venv/bin/python benchmarks/bench_snakes.py [--repeats 7]

- The coin at (row 193, col 213) of ``skimage.data.coins()`` (as floats in [0, 1]); its reference mask is Otsu's
  threshold on the 80 x 80 crop around it (opened, holes filled), its boundary the mask's level 0.5.
- Start: a circle of 100 points, 5 pixels outside the mask's equivalent radius, around its centre of mass; the same
  points for both, as (x, y) for ours and (row, col) for scikit-image.
- Ours: ``edge_energy(image, 3)`` and ``snake_dp(alpha=0.1, beta=1, gamma=300, window=5)``, run until nothing moves.
  Peer: ``gaussian_filter(image, 3)`` and ``skimage.segmentation.active_contour`` with the parameters of
  scikit-image's gallery example (alpha=0.015, beta=10, gamma=0.001; its other parameters at their defaults), and
  for context with gamma=0.01 (larger steps, it converges sooner). Both times include the smoothing.
- Boundary error: the mean distance between the snake and the mask's boundary, both ways (each resampled every
  0.1 px; the mean of contour-to-boundary and boundary-to-contour). Goal: ours no worse than the peer's; time ratio
  ours / peer <= 1.

Then, for context: the same on four more coins, and greedy against DP from the same start (final energies,
iterations, errors), with both tensions.

Times are medians of ``--repeats`` runs, ours and the peer's interleaved, measured twice: wall-clock with the BLAS
thread pools as found (as a student would run both), and CPU time of the process (``time.process_time``) with BLAS
limited to one thread for both (threadpoolctl). The second is the fairer figure on a shared machine: there the
peer's many small multi-threaded matrix-vector products mostly wait for busy cores, and wall-clock times swing by a
factor of two or more from one run to the next.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import skimage
from scipy import ndimage as ndi
from scipy.spatial import cKDTree
from skimage import data, filters, measure
from skimage.segmentation import active_contour
from threadpoolctl import threadpool_info, threadpool_limits

from coursekit import snakes as SN

COIN = (193, 213)
MORE_COINS = [(260, 173), (119, 271), (263, 301), (124, 45)]
OURS = dict(alpha=0.1, beta=1.0, gamma=300.0, window=5)   # the same for every row
PEER = dict(alpha=0.015, beta=10, gamma=0.001)
SIGMA = 3.0


def cpu_and_wall(fn):
    """CPU time of this process (all its threads) and wall-clock time of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, out


def coin_mask(image, center, half=40):
    r0, c0 = center
    crop = image[r0 - half:r0 + half, c0 - half:c0 + half]
    inside = ndi.binary_fill_holes(ndi.binary_opening(crop > filters.threshold_otsu(crop), iterations=2))
    labels = measure.label(inside)
    mask = np.zeros(image.shape, bool)
    mask[r0 - half:r0 + half, c0 - half:c0 + half] = labels == labels[half, half]
    return mask


def boundary_error(contour_xy, mask):
    """Mean distance between the closed contour and the mask's boundary, both ways, resampled every 0.1 px."""
    def dense(points):
        closed = np.vstack([points, points[:1]])
        return np.vstack([np.linspace(a, b, max(2, int(np.ceil(np.linalg.norm(b - a) / 0.1))), endpoint=False)
                          for a, b in zip(closed[:-1], closed[1:])])

    boundary = max(measure.find_contours(mask.astype(float), 0.5), key=len)[:, ::-1]  # (row, col) -> (x, y)
    a, b = dense(np.asarray(contour_xy, float)), dense(boundary)
    return 0.5 * (cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean())


def every_coin(image, half=40):
    """Centres (row, col) of every coin of the image whose ``2 half`` square crop fits inside it: the regions of
    scikit-image's gallery segmentation of ``coins`` (watershed of the Sobel edges from dark and bright markers)."""
    from skimage.segmentation import watershed

    markers = np.zeros(image.shape, int)
    markers[image < 30 / 255], markers[image > 150 / 255] = 1, 2
    regions = measure.label(ndi.binary_fill_holes(watershed(filters.sobel(image), markers) == 2))
    centres = [tuple(int(round(c)) for c in r.centroid) for r in measure.regionprops(regions) if 300 < r.area < 4000]
    h, w = image.shape
    return [(r, c) for r, c in centres if half <= r <= h - half and half <= c <= w - half]


def start_circle(mask):
    cy, cx = ndi.center_of_mass(mask)
    return SN.circle((cx, cy), np.sqrt(mask.sum() / np.pi) + 5, 100)


def ours_fn(image, start, sigma):
    return lambda: SN.snake_dp(SN.edge_energy(image, sigma), start, **OURS)


def peer_fn(image, start, sigma, params):
    # scikit-image takes and returns (row, col): swap the columns both ways
    return lambda: active_contour(ndi.gaussian_filter(image, sigma), start[:, ::-1], **params)[:, ::-1]


def compare(ours, peer, repeats, threads=None):
    """Medians of interleaved runs, (CPU, wall) seconds for each, and the last results; ``threads``: the BLAS and
    OpenMP thread pools' limit (None: as found)."""
    ours_t, peer_t = [], []
    with threadpool_limits(limits=threads):
        for _ in range(repeats):
            *t, ours_out = cpu_and_wall(ours)
            ours_t.append(t)
            *t, peer_out = cpu_and_wall(peer)
            peer_t.append(t)
    return np.median(ours_t, axis=0), np.median(peer_t, axis=0), ours_out, peer_out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per timing (median)")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-image {skimage.__version__}, "
          f"{os.cpu_count()} CPU(s), load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    for pool in threadpool_info():
        print(f"  {pool['user_api']:7s} {pool['internal_api']:9s} {pool['num_threads']} thread(s)  "
              f"{os.path.basename(pool['filepath'])}")
    run(args.repeats)
    print(f"\nload average at the end {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


def run(repeats):
    image = data.coins() / 255.0
    coins = [COIN] + MORE_COINS
    masks = [coin_mask(image, center) for center in coins]
    starts = [start_circle(mask) for mask in masks]
    print(f"\ncoin at (row, col) {COIN}: equivalent radius {np.sqrt(masks[0].sum() / np.pi):.1f} px, start error "
          f"{boundary_error(starts[0], masks[0]):.2f} px; ours: alpha={OURS['alpha']}, beta={OURS['beta']}, "
          f"gamma={OURS['gamma']}, window {OURS['window']}")

    print(f"\n{'':38s} {'wall, threads as found':^29s}  {'CPU, one BLAS thread':^29s}  "
          f"{'error (px), this coin':^26s}  {'5 coins':^11s}")
    print(f"{'smoothing, peer parameters':38s} " + f"{'ours (s)':>8s} {'peer':>6s} {'ratio':>6s} {'met?':>5s}  " * 2
          + f"{'ours':>6s} {'peer':>6s} {'no worse?':>10s}  {'ours':>5s} {'peer':>5s}")
    for sigma in (SIGMA, 2.0):
        for name, params in (("gallery", PEER), ("gamma=0.01", {**PEER, "gamma": 0.01})):
            ours_fn_, peer_fn_ = ours_fn(image, starts[0], sigma), peer_fn(image, starts[0], sigma, params)
            found_ours, found_peer, ours, peer = compare(ours_fn_, peer_fn_, repeats)
            one_ours, one_peer, _, _ = compare(ours_fn_, peer_fn_, repeats, threads=1)
            timing = ""
            for t_ours, t_peer in ((found_ours[1], found_peer[1]), (one_ours[0], one_peer[0])):
                ratio = t_ours / t_peer
                timing += f"{t_ours:8.3f} {t_peer:6.3f} {ratio:6.2f} {'yes' if ratio <= 1 else 'NO':>5s}  "
            e_ours, e_peer = boundary_error(ours.contour, masks[0]), boundary_error(peer, masks[0])
            ours_all, peer_all = [e_ours], [e_peer]
            for mask, start in zip(masks[1:], starts[1:]):
                ours_all.append(boundary_error(ours_fn(image, start, sigma)().contour, mask))
                peer_all.append(boundary_error(peer_fn(image, start, sigma, params)(), mask))
            label = f"sigma {sigma:g}, {name} ({params['alpha']}, {params['beta']}, {params['gamma']})"
            print(f"{label:38s} {timing}{e_ours:6.2f} {e_peer:6.2f} {'yes' if e_ours <= e_peer else 'NO':>10s}  "
                  f"{np.mean(ours_all):5.2f} {np.mean(peer_all):5.2f}")
    print("goals: time ratio ours / peer <= 1; boundary error ours <= peer's. The headline is the first row (the "
          "peer's gallery parameters and smoothing). '5 coins': the mean error over the coins at "
          f"{', '.join(str(c) for c in coins)} (one run each).")

    everything = every_coin(image)
    ours_e, peer_e = [], []
    for center in everything:
        mask = coin_mask(image, center)
        start = start_circle(mask)
        ours_e.append(boundary_error(ours_fn(image, start, SIGMA)().contour, mask))
        peer_e.append(boundary_error(peer_fn(image, start, SIGMA, PEER)(), mask))
    ours_e, peer_e = np.array(ours_e), np.array(peer_e)
    print(f"\nevery coin whose 80 x 80 crop fits in the image ({len(everything)}, found by scikit-image's gallery "
          f"segmentation), sigma {SIGMA:g}, the peer's gallery parameters: error (px) ours mean {ours_e.mean():.2f}, "
          f"median {np.median(ours_e):.2f}, worst {ours_e.max():.2f}; peer mean {peer_e.mean():.2f}, median "
          f"{np.median(peer_e):.2f}, worst {peer_e.max():.2f}; ours no worse on {(ours_e <= peer_e).sum()} of "
          f"{len(everything)}")

    print(f"\ngreedy vs DP from the same start (coin {COIN}, sigma {SIGMA:g}, alpha=0.1, beta=1, gamma=300, window 5):")
    energy = SN.edge_energy(image, SIGMA)
    print(f"{'tension':9s} {'method':7s} {'start E':>9s} {'final E':>9s} {'iters':>6s} {'CPU (s)':>9s} "
          f"{'error (px)':>10s}")
    for tension in ("squared", "spacing"):
        for name, method in (("greedy", SN.snake_greedy), ("DP", SN.snake_dp)):
            t, _, result = cpu_and_wall(lambda: method(energy, starts[0], 0.1, 1.0, 300.0, tension=tension))
            print(f"{tension:9s} {name:7s} {result.energies[0]:9.2f} {result.energies[-1]:9.2f} {result.n_iter:6d} "
                  f"{t:9.3f} {boundary_error(result.contour, masks[0]):10.2f}")


if __name__ == "__main__":
    main()
