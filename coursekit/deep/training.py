"""Training a segmentation network on ``(images, masks)`` arrays, and predicting label maps with it.

- :func:`train_segmenter`: Adam (Kingma & Ba 2015) on mini-batches, a learning rate with a warm-up and a cosine
  decay, the validation mIoU after every epoch; it returns a :class:`TrainingHistory`.
- :func:`predict`: the label maps of a network, the argmax over the classes of its logits.
- :data:`RECOMMENDED_UNET`: the U-Net configuration the course trains on ``synthetic_shapes``; whether it reaches
  a test mIoU of 0.90 within the CPU budget is what ``benchmarks/bench_unet.py`` measures.

The loop of :func:`train_segmenter` is written as its steps: :func:`_lr_factor` (the schedule's equation),
:func:`_train_one_epoch` (one pass over the shuffled images, one Adam step a mini-batch) and
:func:`_validation_miou` (the mIoU of the confusion matrix of the whole validation set), run under
:func:`_repeatable` (torch's random state seeded and restored; cuDNN's deterministic algorithms on CUDA).

References
----------
.. [1] D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
.. [2] I. Loshchilov, F. Hutter, "SGDR: stochastic gradient descent with warm restarts", ICLR 2017.
.. [3] P. Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour", arXiv:1706.02677, 2017.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import time

import numpy as np
import torch
from torch import nn

from .._checks import check_choice, check_int, check_positive
from ._validate import check_ignore_index, images_and_masks, images_to_tensor, resolve_device, torch_seed
from .losses import LOSSES

__all__ = ["RECOMMENDED_UNET", "TrainingHistory", "train_segmenter", "predict"]

#: The U-Net configuration the course trains on :func:`coursekit.data.synthetic_shapes` (64 x 64, 4 classes)::
#:
#:     cfg = RECOMMENDED_UNET
#:     train = synthetic_shapes(cfg["data"]["n_train"], seed=cfg["data"]["train_seed"],
#:                              num_shapes=cfg["data"]["train_num_shapes"])
#:     test = synthetic_shapes(cfg["data"]["n_test"], seed=cfg["data"]["test_seed"])
#:     model = UNet(**cfg["model"])
#:     history = train_segmenter(model, train, test, **cfg["training"])
#:
#: The training images carry 4 to 6 shapes instead of the default 1 to 3 (the test images keep the default): more
#: shape pixels per image, so more to learn from per second; it roughly halves the time to a test mIoU of 0.90.
#: Batches of 16 use two CPU cores better than batches of 8; the warm-up lets Adam run at 6e-3 (without it, 5e-3
#: stalled for one seed of two); cross-entropy alone learns the shape classes far more slowly than with Dice.
#:
#: Measured with ``benchmarks/bench_unet.py`` on 2 cores (torch.set_num_threads(2), load average about 1): test
#: mIoU 0.30, 0.76, 0.89, 0.93, 0.94 after epochs 1 to 5 of 7.4 s each; 0.90 first reached after epoch 4, at 29.5 s
#: of training (40 s with the evaluations, 83 s for the whole benchmark). Seeds 0 to 3 with one thread (other
#: rounding) also reached 0.90 at epoch 4, ending at 0.927 to 0.948. One thread takes about 12.7 s an epoch (0.90
#: after about 51 s); on a machine whose cores are busy with other work, two threads can be much slower than one.
RECOMMENDED_UNET = {
    "model": {"in_channels": 3, "num_classes": 4, "base_channels": 8, "depth": 4},
    "training": {"epochs": 5, "lr": 6e-3, "batch_size": 16, "loss": "ce+dice", "lr_schedule": "warmup_cosine"},
    "data": {"n_train": 1500, "train_seed": 0, "train_num_shapes": (4, 6), "n_test": 200, "test_seed": 1,
             "size": 64},
}


@dataclasses.dataclass(frozen=True)
class TrainingHistory:
    """What :func:`train_segmenter` measured, one entry per epoch.

    Attributes
    ----------
    train_loss : tuple of float
        Mean training loss of each epoch (the mean over its mini-batches, weighted by their sizes), in train mode.
    val_miou : tuple of float
        Mean IoU (:func:`coursekit.metrics.mean_iou` of the confusion matrix of the whole validation set) after each
        epoch; empty when no validation set was given.
    epochs : int
        Number of epochs run.
    seconds : tuple of float
        Cumulative training time (wall clock) at the end of each epoch, *without* the validation after each epoch.
    device : str
        The device trained on, e.g. ``"cpu"`` or ``"cuda"``.
    """

    train_loss: tuple
    val_miou: tuple
    epochs: int
    seconds: tuple
    device: str

    def seconds_to(self, miou: float) -> float | None:
        """Training seconds at the end of the first epoch whose validation mIoU reached ``miou``, or None."""
        for s, m in zip(self.seconds, self.val_miou):
            if m >= miou:
                return s
        return None



def predict(model: nn.Module, images, batch_size: int = 32, device="auto") -> np.ndarray:
    """Label maps predicted by a segmentation network: the argmax over the classes of its logits.

    Parameters
    ----------
    model : torch.nn.Module
        A network mapping ``(N, C, H, W)`` images to ``(N, num_classes, H, W)`` logits. It is moved to ``device`` and
        run in eval mode (its train/eval mode is restored afterwards).
    images : numpy.ndarray
        Float ``(N, H, W, C)`` images in [0, 1], as :func:`coursekit.data.synthetic_shapes` returns.
    batch_size : int
        Images per forward pass.
    device : str or torch.device
        ``"auto"`` (CUDA when ``torch.cuda.is_available()``, else the CPU), ``"cpu"``, ``"cuda"``, ...

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(N, H, W)`` label maps.

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes
    >>> from coursekit.deep import UNet
    >>> images, _ = synthetic_shapes(3, size=32, seed=0)
    >>> labels = predict(UNet(base_channels=4, depth=2), images, device="cpu")
    >>> labels.shape, labels.dtype
    ((3, 32, 32), dtype('int64'))
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, given {type(model).__name__}")
    batch_size = check_int(batch_size, "batch_size", 1)
    dev = resolve_device(device)
    x = images_to_tensor(images, "images")
    training = model.training
    model.to(dev).eval()
    try:
        return _predict_tensor(model, x, batch_size, dev).numpy().astype(np.int64, copy=False)
    finally:
        model.train(training)



def train_segmenter(model: nn.Module, train, val, epochs: int = 5, lr: float = 6e-3, device="auto", seed=0,
                    batch_size: int = 16, loss="ce+dice", progress: bool = True, lr_schedule: str = "warmup_cosine",
                    ignore_index: int | None = 255) -> TrainingHistory:
    """Train a segmentation network with Adam on ``(images, masks)`` arrays; validate (mIoU) after every epoch.

    Each epoch visits the training images once, in an order shuffled by a numpy generator seeded from ``seed``, in
    mini-batches of ``batch_size`` (the last may be smaller), with one Adam step (Kingma & Ba 2015) per mini-batch.
    The learning rate follows ``lr_schedule`` over the ``T`` steps of the whole run: ``"warmup_cosine"`` rises
    linearly from ``lr / W`` to ``lr`` over the first ``W = max(1, T // 10)`` steps (a warm-up, Goyal et al. 2017:
    Adam's first steps are large and would throw the freshly initialized network about), then falls to 0 along a
    half cosine (Loshchilov & Hutter 2017), which settles the weights by the last epoch; ``"cosine"`` is the half
    cosine from the first step; ``"constant"`` keeps ``lr``.
    After each epoch the model predicts the validation images (eval mode) and the mean IoU of the confusion matrix of
    the whole validation set (:func:`coursekit.metrics.confusion_matrix`, :func:`coursekit.metrics.mean_iou`) is
    recorded. A tqdm bar counts the epochs and shows the last loss and validation mIoU.

    The model is trained in place, stays on ``device`` and is left in eval mode. On the CPU, the same ``seed``, data,
    model initialization and number of torch threads give the same history (the weights are drawn by the model's own
    ``seed``); torch's global random state is restored on return. On CUDA, cuDNN is switched to its deterministic
    algorithms during training (and back afterwards), which makes runs repeatable in practice, though PyTorch does
    not promise it for every operation. The number of torch threads is left as it is: set it with
    ``torch.set_num_threads``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, C, H, W)`` images to ``(N, num_classes, H, W)`` logits (:class:`~coursekit.deep.networks.UNet`,
        :class:`~coursekit.deep.networks.FCN`, ...).
    train : (numpy.ndarray, numpy.ndarray)
        Float ``(N, H, W, C)`` images in [0, 1] and ``int64`` ``(N, H, W)`` masks, as
        :func:`coursekit.data.synthetic_shapes` returns them; they are converted to ``(N, C, H, W)`` tensors.
    val : (numpy.ndarray, numpy.ndarray) or None
        Validation images and masks, the same way; None skips validation.
    epochs : int
        Number of passes over the training set.
    lr : float
        Adam's (peak) learning rate.
    device : str or torch.device
        ``"auto"`` (CUDA when ``torch.cuda.is_available()``, else the CPU), ``"cpu"``, ``"cuda"``, ...
    seed : int or numpy.random.Generator
        Seed of the shuffling and of torch's random numbers during training (dropout, if any).
    batch_size : int
        Images per mini-batch.
    loss : {"ce+dice", "ce", "dice"} or callable
        :func:`~coursekit.deep.losses.combined_loss`, :func:`~coursekit.deep.losses.cross_entropy` or
        :func:`~coursekit.deep.losses.dice_loss` (each with ``ignore_index``), or any
        ``loss(logits, target) -> scalar tensor``.
    progress : bool
        Show a tqdm progress bar (``tqdm.auto``: a widget in Jupyter); False is silent.
    lr_schedule : {"warmup_cosine", "cosine", "constant"}
        Learning-rate schedule over the steps (see above).
    ignore_index : int or None
        Target value of the pixels left out of the loss and of the validation mIoU.

    Returns
    -------
    TrainingHistory
        ``train_loss``, ``val_miou`` and cumulative training ``seconds`` per epoch, ``epochs``, ``device``.

    Raises
    ------
    TypeError, ValueError
        For data that are not ``(float images (N, H, W, C), int masks (N, H, W))`` pairs, a non-positive ``epochs``,
        ``lr`` or ``batch_size``, an unknown ``loss``, ``lr_schedule`` or ``device``.

    References
    ----------
    .. [1] D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
    .. [2] I. Loshchilov, F. Hutter, "SGDR: stochastic gradient descent with warm restarts", ICLR 2017.
    .. [3] P. Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour", arXiv:1706.02677, 2017.

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes
    >>> from coursekit.deep import UNet
    >>> train, val = synthetic_shapes(16, size=32, seed=0), synthetic_shapes(8, size=32, seed=1)
    >>> history = train_segmenter(UNet(base_channels=4, depth=2), train, val, epochs=2, lr=3e-3, device="cpu",
    ...                           progress=False)
    >>> history.epochs, len(history.train_loss), len(history.val_miou)
    (2, 2, 2)
    """
    from tqdm.auto import tqdm

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, given {type(model).__name__}")
    epochs = check_int(epochs, "epochs", 1)
    lr = check_positive(lr, "lr")
    batch_size = check_int(batch_size, "batch_size", 1)
    ignore_index = check_ignore_index(ignore_index)
    loss_fn = _loss_function(loss, ignore_index)
    check_choice(lr_schedule, "lr_schedule", _SCHEDULES)
    seed = torch_seed(seed)
    dev = resolve_device(device)
    x_train, y_train = images_and_masks(train, "train")
    if val is not None:
        val = images_and_masks(val, "val")
    if dev.type == "cuda":
        x_train, y_train = x_train.to(dev), y_train.to(dev)

    model.to(dev)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad is False for all of them)")
    optimizer = torch.optim.Adam(params, lr=lr)
    total_steps = epochs * math.ceil(len(x_train) / batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, functools.partial(_lr_factor, total_steps=total_steps, schedule=lr_schedule))
    shuffle = np.random.default_rng(seed)

    losses, mious, seconds = [], [], []
    try:
        with _repeatable(dev, seed):
            bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
            for _epoch in bar:
                start = time.perf_counter()
                order = torch.from_numpy(shuffle.permutation(len(x_train)))
                losses.append(_train_one_epoch(model, optimizer, scheduler, loss_fn, x_train, y_train, order,
                                               batch_size, dev))
                seconds.append((seconds[-1] if seconds else 0.0) + time.perf_counter() - start)
                postfix = {"loss": f"{losses[-1]:.4f}"}
                if val is not None:
                    mious.append(_validation_miou(model, *val, max(batch_size, 32), dev, ignore_index))
                    postfix["val mIoU"] = f"{mious[-1]:.3f}"
                bar.set_postfix(postfix)
            bar.close()
    finally:
        model.eval()
    return TrainingHistory(train_loss=tuple(losses), val_miou=tuple(mious), epochs=epochs, seconds=tuple(seconds),
                           device=str(dev))


# ---------------------------------------------------------------------------------------------------------------
# the steps of the training loop

_SCHEDULES = ("warmup_cosine", "cosine", "constant")


def _loss_function(loss, ignore_index):
    """``loss(logits, target)``: a callable as given, or a loss of :data:`coursekit.deep.losses.LOSSES` by name."""
    if callable(loss):
        return loss
    if not isinstance(loss, str):
        raise TypeError(f"loss must be one of {sorted(LOSSES)} or a callable loss(logits, target), given "
                        f"{type(loss).__name__} {loss!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)} or a callable loss(logits, target), given {loss!r}")
    return functools.partial(LOSSES[loss], ignore_index=ignore_index)


def _lr_factor(step: int, total_steps: int, schedule: str) -> float:
    """The learning rate of step ``t = step`` of ``T = total_steps``, as a fraction of the peak ``lr``.

    ``"constant"``: 1. ``"cosine"``: ``(1 + cos(pi t / T)) / 2``. ``"warmup_cosine"``: ``(t + 1) / W`` for the first
    ``W = max(1, T // 10)`` steps, then ``(1 + cos(pi (t - W) / (T - W))) / 2``.
    """
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
    warm = max(1, total_steps // 10)
    if step < warm:
        return (step + 1) / warm
    rest = max(1, total_steps - warm)
    return 0.5 * (1 + math.cos(math.pi * min(step - warm, rest) / rest))


@contextlib.contextmanager
def _repeatable(dev: torch.device, seed: int):
    """Torch's random state forked (restored on exit) and seeded; on CUDA, cuDNN's deterministic algorithms."""
    cudnn = torch.backends.cudnn
    state = (cudnn.deterministic, cudnn.benchmark)
    devices = []
    if dev.type == "cuda":
        devices = [torch.cuda.current_device() if dev.index is None else dev.index]
    try:
        if dev.type == "cuda":
            cudnn.deterministic, cudnn.benchmark = True, False
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield
    finally:
        cudnn.deterministic, cudnn.benchmark = state


def _train_one_epoch(model, optimizer, scheduler, loss_fn, x, y, order, batch_size: int, dev) -> float:
    """One pass over the images in the given order, one Adam step a mini-batch; the mean loss (weighted by size)."""
    model.train()
    total = 0.0
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        xb, yb = x[idx].to(dev), y[idx].to(dev)
        optimizer.zero_grad(set_to_none=True)
        value = loss_fn(model(xb), yb)
        value.backward()
        optimizer.step()
        scheduler.step()
        total += float(value.detach()) * len(idx)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return total / len(order)


def _validation_miou(model, x, y, batch_size: int, dev, ignore_index) -> float:
    """Mean IoU of the confusion matrix of the whole validation set, the model in eval mode."""
    from coursekit import metrics

    model.eval()
    pred = _predict_tensor(model, x, batch_size, dev)
    num_classes = _num_classes(model, x[:1], dev)
    cm = metrics.confusion_matrix(pred.numpy(), y.numpy(), num_classes=num_classes, ignore_index=ignore_index)
    return metrics.mean_iou(cm)


def _num_classes(model: nn.Module, x: torch.Tensor, dev: torch.device) -> int:
    """Number of output channels of the model (its ``num_classes`` attribute, or one forward pass)."""
    c = getattr(model, "num_classes", None)
    if isinstance(c, int):
        return c
    with torch.no_grad():
        return int(model(x.to(dev)).shape[1])


def _predict_tensor(model: nn.Module, x: torch.Tensor, batch_size: int, device: torch.device) -> torch.Tensor:
    """Argmax label maps (N, H, W) on the CPU, in eval mode, without gradient."""
    out = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch_size):
            logits = model(x[start:start + batch_size].to(device))
            out.append(logits.argmax(dim=1).cpu())
    return torch.cat(out)

