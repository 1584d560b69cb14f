"""Argument checks of the deep chapters: seeds, devices, image tensors, logits and labels, ``(images, masks)`` pairs.

The course's one rule (as numpy and scikit-learn): ``TypeError`` when the kind is wrong (not a tensor, not an
integer, not a number, a float tensor where labels go); ``ValueError`` when the kind is right but the value is not
(shape, range, an unknown name). Integers, numbers, names and seeds are checked by :mod:`coursekit._checks`; the
checks here are those only the networks, losses and training need. Every message says what was expected and what was
given.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from .._checks import check_seed


def torch_seed(seed) -> int:
    """An int seed for torch from an int ``>= 0`` or a numpy Generator (one number is drawn from it)."""
    if seed is None:
        raise TypeError("seed must be an int or a numpy.random.Generator, given None (training is seeded, so that the "
                        "same seed gives the same run)")
    check_seed(seed)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    return int(seed)


def check_ignore_index(ignore_index) -> int | None:
    """None, or the label of the pixels to leave out as a Python int."""
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"ignore_index must be an int or None, given {type(ignore_index).__name__} {ignore_index!r}")
    return int(ignore_index)


def check_images_tensor(x, in_channels: int, who: str) -> None:
    """TypeError or ValueError unless ``x`` is a non-empty float ``(N, in_channels, H, W)`` tensor."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who} expects a torch.Tensor of shape (N, {in_channels}, H, W), given {type(x).__name__}; "
                        f"convert numpy images (N, H, W, C) with torch.from_numpy(images).permute(0, 3, 1, 2)")
    if x.ndim != 4:
        hint = " (one image: add the batch dimension with x[None])" if x.ndim == 3 else ""
        raise ValueError(f"{who} expects a 4-D tensor (N, C, H, W) with C={in_channels}, given a {x.ndim}-D tensor of "
                         f"shape {tuple(x.shape)}{hint}")
    if not x.is_floating_point():
        raise TypeError(f"{who} expects a floating-point tensor (images in [0, 1]), given dtype {x.dtype}")
    if x.shape[1] != in_channels:
        hint = ""
        if x.shape[-1] == in_channels:
            hint = "; it looks channels-last (N, H, W, C): use x.permute(0, 3, 1, 2)"
        raise ValueError(f"{who} expects {in_channels} input channels, shape (N, {in_channels}, H, W), given shape "
                         f"{tuple(x.shape)} with {x.shape[1]} channels{hint}")
    if x.shape[0] == 0 or x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(f"{who} expects a non-empty batch, given shape {tuple(x.shape)}")


def check_logits_target(logits, target, ignore_index, who: str) -> None:
    """Float ``(N, C, ...)`` logits with ``C >= 2`` and integer ``(N, ...)`` labels in ``[0, C)`` or ignored."""
    if not isinstance(logits, torch.Tensor) or not isinstance(target, torch.Tensor):
        raise TypeError(f"{who} expects torch tensors logits (N, C, H, W) and target (N, H, W), given "
                        f"{type(logits).__name__} and {type(target).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"{who}: logits must be a floating-point tensor, given dtype {logits.dtype}")
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"{who}: target must be an integer tensor of class labels (torch.int64), given dtype "
                        f"{target.dtype}")
    if logits.ndim < 2 or logits.shape[1] < 2:
        raise ValueError(f"{who}: logits must have shape (N, C, ...) with C >= 2 classes, given shape "
                         f"{tuple(logits.shape)}")
    expected = (logits.shape[0],) + tuple(logits.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(f"{who}: target must have shape {expected} (logits {tuple(logits.shape)} without the class "
                         f"dim), given {tuple(target.shape)}")
    c = logits.shape[1]
    kept = target if ignore_index is None else target[target != ignore_index]
    if kept.numel() and (int(kept.min()) < 0 or int(kept.max()) >= c):
        bad = int(kept.min()) if int(kept.min()) < 0 else int(kept.max())
        ignored = "" if ignore_index is None else f" or ignore_index={ignore_index}"
        raise ValueError(f"{who}: target contains label {bad}, expected labels in [0, {c}){ignored}")


def resolve_device(device) -> torch.device:
    """``"auto"`` (CUDA when available, else the CPU), or the ``torch.device`` that ``device`` names."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, given "
                        f"{type(device).__name__} {device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, given {device!r}") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch.cuda.is_available() is False: use device='cpu' or "
                         f"'auto'")
    return dev


def images_to_tensor(images, name: str) -> torch.Tensor:
    """Float ``(N, H, W, C)`` numpy images as a float32 ``(N, C, H, W)`` tensor on the CPU."""
    if isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a numpy array (N, H, W, C), as coursekit.data.synthetic_shapes returns, "
                        f"given a torch.Tensor")
    arr = np.asarray(images)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be float images in [0, 1] (N, H, W, C), given dtype {arr.dtype} "
                        f"(convert with skimage.util.img_as_float)")
    if arr.ndim != 4:
        raise ValueError(f"{name} must have shape (N, H, W, C), given shape {arr.shape} (one image: images[None]; "
                         f"grey images: images[..., None])")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}), expected at least one image")
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).permute(0, 3, 1, 2).contiguous()


def images_and_masks(data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A pair ``(float images (N, H, W, C), int masks (N, H, W))`` as ``(N, C, H, W)`` float32 and int64 tensors."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (images, masks) as coursekit.data.synthetic_shapes returns, given "
                        f"{type(data).__name__}")
    images, masks = data
    x = images_to_tensor(images, f"{name} images")
    m = np.asarray(masks)
    if m.dtype.kind not in "iu":
        raise TypeError(f"{name} masks must be integer label maps (int64), given dtype {m.dtype}")
    if m.shape != (x.shape[0],) + tuple(x.shape[2:]):
        raise ValueError(f"{name} masks must have shape (N, H, W) = {(x.shape[0],) + tuple(x.shape[2:])} to match "
                         f"the images {tuple(np.shape(images))}, given {m.shape}")
    return x, torch.from_numpy(m.astype(np.int64))


class seeded:
    """Context manager: torch's CPU random state forked (restored on exit) and seeded with ``seed``."""

    def __init__(self, seed):
        self.seed = torch_seed(seed)
        self._fork = None

    def __enter__(self):
        self._fork = torch.random.fork_rng(devices=[])
        self._fork.__enter__()
        torch.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        return self._fork.__exit__(*exc)
