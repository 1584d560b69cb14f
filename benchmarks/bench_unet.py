"""How fast the recommended U-Net learns synthetic_shapes on the CPU, and FCN-8s against FCN-32s on the same budget.

Trains ``UNet(**RECOMMENDED_UNET["model"])`` with ``train_segmenter(..., **RECOMMENDED_UNET["training"])`` on
``synthetic_shapes`` (64 x 64, the data of ``RECOMMENDED_UNET["data"]``) and evaluates the test mIoU (another seed,
the default 1 to 3 shapes an image) after every epoch. Prints the training seconds until the test mIoU first reaches
0.90 (the course's goal: under 60 s on 2 CPU cores), the final mIoU, the time per epoch and the torch threads; then
trains FCN-8s and FCN-32s (width 8) with the same data, epochs, batch size, learning rate and schedule, and prints the
three side by side.

    .venv/bin/python benchmarks/bench_unet.py               # 2 threads, as on the course's 2-core laptops
    .venv/bin/python benchmarks/bench_unet.py --threads 1 --no-fcn

Timings are wall-clock seconds of the training steps only (the evaluation after each epoch is left out and timed
separately). On a shared machine they are only as good as the machine is quiet: the load average is printed before and
after, and the process CPU time next to the wall time.
"""

import argparse
import os
import time

import numpy as np
import torch

from coursekit import data, models

GOAL_MIOU = 0.90
GOAL_SECONDS = 60.0


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def run(name, model, train, test, training):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    history = models.train_segmenter(model, train, test, device="cpu", progress=False, **training)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"name": name, "history": history, "cpu": cpu, "wall": wall,
            "params": sum(p.numel() for p in model.parameters() if p.requires_grad)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--epochs", type=int, default=None, help="override the recommended number of epochs")
    parser.add_argument("--no-fcn", action="store_true", help="skip the FCN-8s / FCN-32s comparison")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    config = models.RECOMMENDED_UNET
    training = dict(config["training"])
    if args.epochs is not None:
        training["epochs"] = args.epochs
    d = config["data"]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {os.cpu_count()} CPUs, "
          f"load average (1, 5, 15 min) before: {load()}")
    start = time.perf_counter()
    train = data.synthetic_shapes(d["n_train"], size=d["size"], seed=d["train_seed"],
                                  num_shapes=d["train_num_shapes"])
    test = data.synthetic_shapes(d["n_test"], size=d["size"], seed=d["test_seed"])
    print(f"data: {d['n_train']} train images (seed {d['train_seed']}, {d['train_num_shapes']} shapes each), "
          f"{d['n_test']} test images (seed {d['test_seed']}, the default 1 to 3 shapes), {d['size']} x {d['size']}, "
          f"made in {time.perf_counter() - start:.1f} s")
    print(f"model: UNet({', '.join(f'{k}={v}' for k, v in config['model'].items())})")
    print(f"training: {', '.join(f'{k}={v}' for k, v in training.items())}\n")

    unet = run("U-Net", models.UNet(**config["model"]), train, test, training)
    h = unet["history"]
    epoch_times = np.diff((0.0,) + h.seconds)
    print(f"{'epoch':>5} {'train loss':>10} {'test mIoU':>9} {'epoch s':>8} {'cumul. s':>8}")
    for e in range(h.epochs):
        print(f"{e + 1:>5} {h.train_loss[e]:>10.4f} {h.val_miou[e]:>9.4f} {epoch_times[e]:>8.1f} {h.seconds[e]:>8.1f}")
    reached = h.seconds_to(GOAL_MIOU)
    print()
    if reached is None:
        print(f"test mIoU {GOAL_MIOU:.2f} NOT reached in {h.epochs} epochs ({h.seconds[-1]:.1f} s of training)")
    else:
        first = next(e for e, m in enumerate(h.val_miou) if m >= GOAL_MIOU)
        verdict = "goal met" if reached < GOAL_SECONDS else "goal MISSED"
        print(f"seconds of training until test mIoU >= {GOAL_MIOU:.2f}: {reached:.1f} s (after epoch {first + 1}; "
              f"goal < {GOAL_SECONDS:.0f} s: {verdict})")
    print(f"final test mIoU: {h.val_miou[-1]:.4f}   best: {max(h.val_miou):.4f}")
    print(f"per epoch: {np.mean(epoch_times):.2f} s mean, {np.min(epoch_times):.2f} s fastest "
          f"({d['n_train'] / np.min(epoch_times):.0f} images/s)")
    print(f"whole run (training + evaluation after each epoch): {unet['wall']:.1f} s wall, {unet['cpu']:.1f} s process "
          f"CPU; torch threads {torch.get_num_threads()}; device {h.device}")

    rows = [unet]
    if not args.no_fcn:
        for variant in ("8s", "32s"):
            rows.append(run(f"FCN-{variant}", models.FCN(config["model"]["num_classes"], variant=variant, width=8),
                            train, test, training))
        print(f"\nsame budget: {training['epochs']} epochs of {d['n_train']} images, batch {training['batch_size']}, "
              f"lr {training['lr']}, {training['lr_schedule']} schedule, loss {training['loss']}")
        print(f"{'model':<8} {'params':>8} {'train s':>8} {'final mIoU':>10} {'best mIoU':>9} {'s to 0.90':>9}")
        for r in rows:
            rh = r["history"]
            t90 = rh.seconds_to(GOAL_MIOU)
            print(f"{r['name']:<8} {r['params']:>8} {rh.seconds[-1]:>8.1f} {rh.val_miou[-1]:>10.4f} "
                  f"{max(rh.val_miou):>9.4f} {'-' if t90 is None else f'{t90:.1f}':>9}")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
