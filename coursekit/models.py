"""Segmentation networks, their losses and a small training loop, in PyTorch, for the deep chapters.

This is the one module of ``coursekit`` that imports torch (at the top: importing it *is* importing torch); the
classical chapters never import it. Everything else it needs (``coursekit.metrics``, ``tqdm``) is imported when
first used.

- :func:`convolutionalize`: a classifier ``[features, Flatten, Linear, ...]`` turned into a fully convolutional
  network that outputs a class heatmap (Long et al. 2015, section 3.1)
- :class:`FCN`: a small VGG-style fully convolutional network with the 32s / 16s / 8s skip variants of Long et al.
- :class:`UNet`: the U-Net of Ronneberger et al. (2015), small, with padding so that any input size works
- :func:`dice_loss`, :func:`cross_entropy`, :func:`combined_loss`: training losses (Milletari et al. 2016 for Dice)
- :func:`train_segmenter`, :class:`TrainingHistory`, :func:`predict`: train on ``(images, masks)`` arrays as
  :func:`coursekit.data.synthetic_shapes` returns them, and predict label maps
- :func:`receptive_field`: the theoretical receptive field of a stack of (dilated) convolutions and poolings
  (Chen et al. 2017, 2018)
- :data:`RECOMMENDED_UNET`: the U-Net configuration the course trains on ``synthetic_shapes``; whether it reaches
  a test mIoU of 0.90 within the CPU budget is what ``benchmarks/bench_unet.py`` measures

Conventions: images are float arrays in [0, 1] ``(N, H, W, C)`` on the numpy side and ``(N, C, H, W)`` tensors on
the torch side; label maps are ``int64``; pixels whose target is ``ignore_index`` (255, as in PASCAL VOC) are left
out of losses and metrics; every function that draws random numbers takes ``seed``, and none changes torch's global
random state.

References
----------
.. [1] J. Long, E. Shelhamer, T. Darrell, "Fully convolutional networks for semantic segmentation", CVPR 2015.
.. [2] O. Ronneberger, P. Fischer, T. Brox, "U-Net: convolutional networks for biomedical image segmentation",
   MICCAI 2015.
.. [3] F. Milletari, N. Navab, S.-A. Ahmadi, "V-Net: fully convolutional neural networks for volumetric medical image
   segmentation", 3DV 2016.
.. [4] L.-C. Chen, G. Papandreou, I. Kokkinos, K. Murphy, A. L. Yuille, "DeepLab: semantic image segmentation with
   deep convolutional nets, atrous convolution, and fully connected CRFs", TPAMI 2018 (arXiv 2016); L.-C. Chen,
   G. Papandreou, F. Schroff, H. Adam, "Rethinking atrous convolution for semantic image segmentation", arXiv 2017.
.. [5] D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_int as _check_int

__all__ = [
    "RECOMMENDED_UNET",
    "convolutionalize",
    "FCN",
    "UNet",
    "dice_loss",
    "cross_entropy",
    "combined_loss",
    "TrainingHistory",
    "train_segmenter",
    "predict",
    "receptive_field",
]

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


# ---------------------------------------------------------------------------------------------------------------
# validation helpers


def _check_positive(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return float(value)


def _check_seed(seed) -> int:
    """An int seed for torch from an int or a numpy Generator (one number is drawn from it)."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int or a numpy.random.Generator, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed}")
    return int(seed)


def _check_ignore_index(ignore_index) -> int | None:
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"ignore_index must be an int or None, got {type(ignore_index).__name__} {ignore_index!r}")
    return int(ignore_index)


def _check_images_tensor(x, in_channels: int, who: str) -> None:
    """ValueError/TypeError unless ``x`` is a float (N, in_channels, H, W) tensor."""
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


def _pad_to_multiple(x: torch.Tensor, multiple: int, mode: str) -> tuple[torch.Tensor, int, int]:
    """Pad the bottom and the right of ``x`` (N, C, H, W) up to multiples of ``multiple``; also return H and W.

    ``mode`` "reflect" falls back to "replicate" when the image is too small to reflect (padding >= size).
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return x, h, w
    if mode == "reflect" and (ph >= h or pw >= w):
        mode = "replicate"
    if mode == "zeros":
        return F.pad(x, (0, pw, 0, ph)), h, w
    return F.pad(x, (0, pw, 0, ph), mode=mode), h, w


class _seeded:
    """Context manager: torch's CPU random state forked (restored on exit) and seeded with ``seed``."""

    def __init__(self, seed):
        self.seed = _check_seed(seed)
        self._fork = None

    def __enter__(self):
        self._fork = torch.random.fork_rng(devices=[])
        self._fork.__enter__()
        torch.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        return self._fork.__exit__(*exc)


# ---------------------------------------------------------------------------------------------------------------
# convolutionalization (Long et al. 2015, section 3.1)

# layers that act on each entry (or on dim 1 only) and so mean the same on (N, C) and on (N, C, h, w)
_ELEMENTWISE = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Sigmoid,
    nn.Tanh, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.LogSigmoid,
    nn.Identity, nn.Dropout, nn.AlphaDropout,
)


def _leaves(seq: nn.Sequential) -> list[nn.Module]:
    """The layers of a Sequential, nested Sequentials unpacked."""
    out = []
    for layer in seq:
        out.extend(_leaves(layer) if isinstance(layer, nn.Sequential) else [layer])
    return out


def convolutionalize(classifier: nn.Sequential, input_size: tuple[int, int], in_channels: int | None = None
                     ) -> nn.Sequential:
    """Turn an image classifier into a fully convolutional network that outputs a class heatmap.

    The classifier must be an ``nn.Sequential`` of the form ``[feature layers..., nn.Flatten(), nn.Linear(C*h*w,
    n1), activation, ..., nn.Linear(n_k, n_classes)]`` (nested Sequentials are unpacked). As in Long et al. (2015,
    section 3.1), a fully connected layer is a convolution whose kernel covers its whole input: the first ``Linear``
    after the ``Flatten``, which sees the ``(C, h, w)`` feature map, becomes ``nn.Conv2d(C, n1, kernel_size=(h, w))``
    with weight ``W.reshape(n1, C, h, w)`` (the order in which ``nn.Flatten`` lays out a ``(C, h, w)`` map), and every
    later ``Linear(n_in, n_out)`` becomes a ``1 x 1`` ``nn.Conv2d(n_in, n_out, 1)``; the ``Flatten`` is dropped.

    At the training size ``input_size`` the network returns the classifier's logits as an ``(N, n_classes, 1, 1)``
    map (equal up to rounding); on a larger input ``(H', W')`` it returns an ``(N, n_classes, h', w')`` heatmap whose
    entry ``(i, j)`` is the classifier applied to the ``input_size`` window at offset ``(s i, s j)`` of the input,
    ``s`` being the total stride of the feature layers. That equality is exact when the feature layers do not pad
    (with padding, windows near the border see the padding instead of their neighbours, and a window that is not
    the whole input sees its neighbours instead of padding).

    Parameters
    ----------
    classifier : torch.nn.Sequential
        The classifier; it is not modified. Layers after the ``Flatten`` may be ``nn.Linear``, element-wise
        activations (ReLU, GELU, Sigmoid, ...), ``nn.Dropout`` (kept: it drops single entries of the map in
        training mode and does nothing in eval mode, as before) and ``nn.Softmax`` / ``nn.LogSoftmax`` over the
        classes (``dim=1`` or ``dim=-1``, which become ``dim=1``).
    input_size : (int, int)
        The ``(H, W)`` of the images the classifier was built for. A dummy forward pass of a zero image of this size
        through the feature layers (in eval mode, without gradient) gives the feature map size ``(h, w)``.
    in_channels : int, optional
        Channels of the input; by default those of the first layer that has an ``in_channels`` attribute (the first
        ``nn.Conv2d``).

    Returns
    -------
    torch.nn.Sequential
        A new network: deep copies of the feature layers, then the convolutions (on the device and with the dtype of
        the ``Linear`` layers) and the remaining head layers. It starts in the training mode of ``classifier``.

    Raises
    ------
    TypeError
        When ``classifier`` is not an ``nn.Sequential``.
    ValueError
        When there is no ``nn.Flatten`` (or more than one), the ``Flatten`` does not flatten from dim 1 or is not
        followed by a ``Linear``, a layer after it cannot be converted (``nn.BatchNorm1d``, ``nn.LayerNorm``, a
        softmax over another dim, ...: the message names it), the feature map is not 4-D, or its ``C * h * w`` is not
        the first ``Linear``'s ``in_features`` (a wrong ``input_size``).

    References
    ----------
    .. [1] J. Long, E. Shelhamer, T. Darrell, "Fully convolutional networks for semantic segmentation", CVPR 2015,
       section 3.1 ("Adapting classifiers for dense prediction").

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    ...                     nn.Linear(8 * 7 * 7, 16), nn.ReLU(), nn.Linear(16, 4)).eval()
    >>> fcn = convolutionalize(net, input_size=(16, 16)).eval()
    >>> x = torch.rand(2, 3, 16, 16)
    >>> fcn(x).shape, torch.allclose(fcn(x)[:, :, 0, 0], net(x), atol=1e-5)
    (torch.Size([2, 4, 1, 1]), True)
    >>> fcn(torch.rand(1, 3, 40, 32)).shape  # a heatmap: one prediction every 2 pixels
    torch.Size([1, 4, 13, 9])
    """
    if not isinstance(classifier, nn.Sequential):
        raise TypeError(f"classifier must be a torch.nn.Sequential [features..., Flatten, Linear, ...], given "
                        f"{type(classifier).__name__}")
    if (not isinstance(input_size, (tuple, list)) or len(input_size) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in input_size)):
        raise ValueError(f"input_size must be a pair of positive ints (H, W), the classifier's input size; given "
                         f"{input_size!r}")
    layers = _leaves(classifier)
    flat_at = [i for i, layer in enumerate(layers) if isinstance(layer, nn.Flatten)]
    if not flat_at:
        raise ValueError("classifier has no nn.Flatten: expected [features..., nn.Flatten(), nn.Linear(...), ...]; "
                         f"given layers {[type(layer).__name__ for layer in layers]}")
    if len(flat_at) > 1:
        raise ValueError(f"classifier has {len(flat_at)} nn.Flatten layers (at positions {flat_at}), expected one")
    k = flat_at[0]
    flatten = layers[k]
    if flatten.start_dim != 1 or flatten.end_dim != -1:
        raise ValueError(f"expected nn.Flatten(start_dim=1, end_dim=-1) (the default), given start_dim="
                         f"{flatten.start_dim}, end_dim={flatten.end_dim}")
    features, head = layers[:k], layers[k + 1:]
    linears = [i for i, layer in enumerate(head) if isinstance(layer, nn.Linear)]
    if not linears:
        raise ValueError("no nn.Linear after the nn.Flatten: expected [features..., nn.Flatten(), nn.Linear(...), "
                         f"...]; given after the Flatten: {[type(layer).__name__ for layer in head]}")
    for i, layer in enumerate(head):
        ok = isinstance(layer, (nn.Linear,) + _ELEMENTWISE)
        if isinstance(layer, (nn.Softmax, nn.LogSoftmax)):
            ok = layer.dim in (1, -1) and i > linears[0]
        if isinstance(layer, nn.PReLU) and i < linears[0]:
            ok = False  # its channels are those of the flat vector, not of the feature map
        if not ok:
            raise ValueError(f"cannot convolutionalize layer {k + 1 + i} after the Flatten, {layer!r}: only "
                             f"nn.Linear, element-wise activations, nn.Dropout and a softmax over the classes (dim=1)"
                             f" can follow the Flatten (a {type(layer).__name__} normalizes over the batch or the "
                             f"feature vector, which the heatmap does not have)")

    # feature map shape from a dummy forward pass of a copy (eval mode: no BatchNorm statistics are updated)
    features = copy.deepcopy(nn.Sequential(*features))
    first = head[linears[0]]
    if in_channels is None:
        in_channels = next((m.in_channels for m in features.modules() if hasattr(m, "in_channels")), None)
        if in_channels is None:
            raise ValueError("cannot tell the number of input channels (no layer before the Flatten has "
                             "in_channels): pass in_channels=")
    in_channels = _check_int(in_channels, "in_channels", 1)
    training = classifier.training
    features.eval()
    with torch.no_grad():
        dummy = torch.zeros(1, in_channels, *input_size, dtype=first.weight.dtype, device=first.weight.device)
        fmap = features(dummy)
    features.train(training)
    if fmap.ndim != 4:
        raise ValueError(f"the layers before the Flatten must output a 4-D map (N, C, h, w) for an input of size "
                         f"{tuple(input_size)}, they gave shape {tuple(fmap.shape)}")
    c, h, w = fmap.shape[1:]
    if c * h * w != first.in_features:
        raise ValueError(f"the first Linear expects in_features={first.in_features}, but the feature map for "
                         f"input_size={tuple(input_size)} is (C, h, w)=({c}, {h}, {w}), C*h*w={c * h * w}: is "
                         f"input_size the size the classifier was trained on?")

    converted = []
    for i, layer in enumerate(head):
        if isinstance(layer, nn.Linear):
            kernel = (h, w) if i == linears[0] else (1, 1)
            cin = c if i == linears[0] else layer.in_features
            conv = nn.Conv2d(cin, layer.out_features, kernel_size=kernel, bias=layer.bias is not None,
                             device=layer.weight.device, dtype=layer.weight.dtype)
            with torch.no_grad():
                conv.weight.copy_(layer.weight.reshape(layer.out_features, cin, *kernel))
                if layer.bias is not None:
                    conv.bias.copy_(layer.bias)
            converted.append(conv)
        elif isinstance(layer, (nn.Softmax, nn.LogSoftmax)):
            converted.append(type(layer)(dim=1))
        else:
            converted.append(copy.deepcopy(layer))
    out = nn.Sequential(*features, *converted)
    out.train(training)
    return out


# ---------------------------------------------------------------------------------------------------------------
# FCN (Long et al. 2015)


def _bilinear_kernel(size: int) -> torch.Tensor:
    """The ``(size, size)`` bilinear interpolation kernel of Long et al.'s ``upsample_filt`` (factor ``ceil(size/2)``).

    ``k[i, j] = (1 - |i - c| / f) (1 - |j - c| / f)`` with ``f = ceil(size / 2)`` and ``c = f - 1`` for an odd
    ``size``, ``c = f - 0.5`` for an even one. A transposed convolution with kernel ``2 f``, stride ``f`` and padding
    ``f / 2`` upsamples by ``f`` exactly like bilinear interpolation with half-pixel centres (``align_corners=False``)
    away from the border.
    """
    factor = (size + 1) // 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    og = torch.arange(size, dtype=torch.float64)
    filt = 1 - (og - center).abs() / factor
    return torch.outer(filt, filt)


def _bilinear_upsampler(channels: int, factor: int, learnable: bool = True) -> nn.ConvTranspose2d:
    """Per-channel ConvTranspose2d (kernel 2f, stride f, padding f/2: output size n f) initialized bilinear."""
    up = nn.ConvTranspose2d(channels, channels, kernel_size=2 * factor, stride=factor, padding=factor // 2,
                            groups=channels, bias=False)
    with torch.no_grad():
        up.weight.copy_(_bilinear_kernel(2 * factor).to(up.weight.dtype).expand_as(up.weight))
    up.weight.requires_grad_(learnable)
    return up


def _conv_bn_relu(cin: int, cout: int, batch_norm: bool = True) -> list[nn.Module]:
    if batch_norm:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True)]


class FCN(nn.Module):
    """A small fully convolutional network with the skip architectures FCN-32s, FCN-16s and FCN-8s of Long et al.

    Backbone: five VGG-style blocks, each two ``3 x 3`` convolutions (padding 1) with batch normalization and ReLU,
    then a ``2 x 2`` max-pooling (``pool1`` ... ``pool5``), with ``width, 2 width, 4 width, 8 width, 8 width``
    channels: overall stride 32. Then the convolutionalized "fc6" and "fc7" (a ``3 x 3`` convolution to
    ``16 width`` channels and a ``1 x 1`` one, with ReLU) and ``score_fr``, a ``1 x 1`` convolution to class scores,
    at stride 32.

    - ``"32s"``: ``score_fr`` upsampled 32 times (``upscore``).
    - ``"16s"``: ``score_fr`` upsampled 2 times (``upscore2``) plus ``score_pool4`` (``1 x 1`` on ``pool4``, stride 16),
      upsampled 16 times (``upscore``).
    - ``"8s"``: that sum upsampled 2 times again (``upscore_pool4``) plus ``score_pool3`` (``1 x 1`` on ``pool3``,
      stride 8), upsampled 8 times (``upscore``).

    Every upsampling is a per-class ``nn.ConvTranspose2d`` (kernel ``2 f``, stride ``f``, padding ``f / 2``, so ``n``
    cells become exactly ``n f`` pixels, aligned with them) initialized with the bilinear kernel; the 2x ones are
    learned and the final one is fixed, as in Long et al. The skip score layers start at zero (Long et al.), so
    training starts from the coarser net's prediction. Unlike the paper's VGG-16, the convolutions are followed by
    batch normalization (to train from scratch in a minute), and there is no dropout.

    Any input size works: the input is zero-padded at the bottom and the right to the next multiple of 32 (so every
    pooling halves exactly and the skip maps align without cropping offsets), and the output is cropped back to
    ``(H, W)``. (Long et al. pad by 100 pixels and crop with computed offsets; the padding here is the simpler way to
    the same alignment.)

    Parameters
    ----------
    num_classes : int
        Number of classes ``>= 2``; the network outputs one logit map per class.
    variant : {"8s", "16s", "32s"}
        The skip architecture.
    in_channels : int
        Channels of the input images (3 for RGB).
    width : int
        Channels of the first block.
    seed : int or numpy.random.Generator
        Seed of the weight initialization (torch's global random state is left as it was).

    Attributes
    ----------
    features : torch.nn.ModuleList
        The five blocks, each ending with its max-pooling; ``features[k]`` outputs ``pool{k+1}``.
    fc, score_fr, score_pool4, score_pool3, upscore2, upscore_pool4, upscore : torch.nn.Module
        The layers named as in Long et al.'s Caffe models (those of the variant only); ``upscore`` is always the final
        upsampling, by 32, 16 or 8.

    References
    ----------
    .. [1] J. Long, E. Shelhamer, T. Darrell, "Fully convolutional networks for semantic segmentation", CVPR 2015.
    .. [2] K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale image recognition", ICLR 2015.

    Examples
    --------
    >>> import torch
    >>> net = FCN(num_classes=4, variant="8s").eval()
    >>> net(torch.rand(2, 3, 37, 50)).shape
    torch.Size([2, 4, 37, 50])
    """

    VARIANTS = ("8s", "16s", "32s")

    def __init__(self, num_classes: int, variant: str = "8s", in_channels: int = 3, width: int = 16, seed=0):
        super().__init__()
        num_classes = _check_int(num_classes, "num_classes", 2)
        if variant not in self.VARIANTS:
            raise ValueError(f"variant must be one of {self.VARIANTS}, given {variant!r}")
        self.num_classes, self.variant = num_classes, variant
        self.in_channels = _check_int(in_channels, "in_channels", 1)
        self.width = _check_int(width, "width", 1)
        chans = [width, 2 * width, 4 * width, 8 * width, 8 * width]
        with _seeded(seed):
            blocks, cin = [], in_channels
            for cout in chans:
                blocks.append(nn.Sequential(*_conv_bn_relu(cin, cout), *_conv_bn_relu(cout, cout), nn.MaxPool2d(2)))
                cin = cout
            self.features = nn.ModuleList(blocks)
            self.fc = nn.Sequential(nn.Conv2d(chans[-1], 16 * width, 3, padding=1), nn.ReLU(inplace=True),
                                    nn.Conv2d(16 * width, 16 * width, 1), nn.ReLU(inplace=True))
            self.score_fr = nn.Conv2d(16 * width, num_classes, 1)
            factor = {"32s": 32, "16s": 16, "8s": 8}[variant]
            if variant in ("16s", "8s"):
                self.score_pool4 = nn.Conv2d(chans[3], num_classes, 1)
                self.upscore2 = _bilinear_upsampler(num_classes, 2)
            if variant == "8s":
                self.score_pool3 = nn.Conv2d(chans[2], num_classes, 1)
                self.upscore_pool4 = _bilinear_upsampler(num_classes, 2)
            for name in ("score_pool4", "score_pool3"):
                if hasattr(self, name):
                    nn.init.zeros_(getattr(self, name).weight)
                    nn.init.zeros_(getattr(self, name).bias)
            self.upscore = _bilinear_upsampler(num_classes, factor, learnable=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_classes, H, W)`` of images ``(N, in_channels, H, W)``."""
        _check_images_tensor(x, self.in_channels, "FCN")
        x, h, w = _pad_to_multiple(x, 32, "zeros")
        pools = []
        for block in self.features:
            x = block(x)
            pools.append(x)
        score = self.score_fr(self.fc(x))
        if self.variant in ("16s", "8s"):
            score = self.upscore2(score) + self.score_pool4(pools[3])
        if self.variant == "8s":
            score = self.upscore_pool4(score) + self.score_pool3(pools[2])
        return self.upscore(score)[:, :, :h, :w]


# ---------------------------------------------------------------------------------------------------------------
# U-Net (Ronneberger et al. 2015)


def _double_conv(cin: int, cout: int, batch_norm: bool) -> nn.Sequential:
    return nn.Sequential(*_conv_bn_relu(cin, cout, batch_norm), *_conv_bn_relu(cout, cout, batch_norm))


class UNet(nn.Module):
    """The U-Net of Ronneberger et al. (2015): a contracting path, an expanding path and skip connections between them.

    Contracting path: ``depth`` levels, each a double ``3 x 3`` convolution (padding 1, then batch normalization and
    ReLU, twice) and a ``2 x 2`` max-pooling; channels ``b, 2 b, ..., 2**(depth-1) b`` with ``b = base_channels``.
    Bottleneck: a double convolution to ``2**depth b`` channels. Expanding path, from the coarsest level up: a
    ``nn.ConvTranspose2d(kernel_size=2, stride=2)`` that doubles the resolution and halves the channels, the
    concatenation ``torch.cat([skip, upsampled], dim=1)`` with the contracting path's map of the same level (the skip
    connection: its first channels are the skip), and a double convolution. A ``1 x 1`` convolution gives the class
    logits.

    Departures from the paper, for small images and a CPU: padded convolutions, so the output has the input's size and
    no cropping of the skips is needed; batch normalization (Ioffe & Szegedy 2015), which makes training from scratch
    much faster; and a configurable, much smaller width and depth (the paper: 64 channels, depth 4).

    Any input size works: the input is padded at the bottom and the right to the next multiple of ``2**depth`` by
    reflection (by replication when the image is smaller than the padding, where reflection is impossible) so that
    each pooling halves exactly, and the output is cropped back to ``(H, W)``.

    Parameters
    ----------
    in_channels : int
        Channels of the input images (3 for RGB).
    num_classes : int
        Number of classes ``>= 2``.
    base_channels : int
        Channels of the first level ``b``.
    depth : int
        Number of poolings (levels of the contracting path), ``>= 1``.
    batch_norm : bool
        Batch normalization after every ``3 x 3`` convolution.
    seed : int or numpy.random.Generator
        Seed of the weight initialization (torch's global random state is left as it was).

    Attributes
    ----------
    encoder : torch.nn.ModuleList
        ``encoder[k]``: the double convolution of level ``k`` (``k = 0``: full resolution); its output is the skip.
    bottleneck : torch.nn.Sequential
    upsamplers : torch.nn.ModuleList
        ``upsamplers[k]``: the ConvTranspose2d from level ``k + 1`` to level ``k``.
    decoder : torch.nn.ModuleList
        ``decoder[k]``: the double convolution of level ``k`` of the expanding path; its input is
        ``torch.cat([skip_k, upsampled], dim=1)``: channels ``0 .. 2**k b - 1`` are the skip.
    head : torch.nn.Conv2d
        The ``1 x 1`` convolution to the logits.

    Raises
    ------
    ValueError
        (in ``forward``) when the input is not a 4-D ``(N, in_channels, H, W)`` tensor.

    References
    ----------
    .. [1] O. Ronneberger, P. Fischer, T. Brox, "U-Net: convolutional networks for biomedical image segmentation",
       MICCAI 2015.
    .. [2] S. Ioffe, C. Szegedy, "Batch normalization: accelerating deep network training by reducing internal
       covariate shift", ICML 2015.

    Examples
    --------
    >>> import torch
    >>> net = UNet(in_channels=3, num_classes=4, base_channels=8, depth=3).eval()
    >>> net(torch.rand(2, 3, 37, 50)).shape
    torch.Size([2, 4, 37, 50])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 4, base_channels: int = 16, depth: int = 3,
                 batch_norm: bool = True, seed=0):
        super().__init__()
        self.in_channels = _check_int(in_channels, "in_channels", 1)
        self.num_classes = _check_int(num_classes, "num_classes", 2)
        self.base_channels = _check_int(base_channels, "base_channels", 1)
        self.depth = _check_int(depth, "depth", 1)
        chans = [base_channels * 2**k for k in range(depth + 1)]
        with _seeded(seed):
            self.encoder = nn.ModuleList(
                [_double_conv(in_channels if k == 0 else chans[k - 1], chans[k], batch_norm) for k in range(depth)])
            self.bottleneck = _double_conv(chans[depth - 1], chans[depth], batch_norm)
            self.upsamplers = nn.ModuleList(
                [nn.ConvTranspose2d(chans[k + 1], chans[k], kernel_size=2, stride=2) for k in range(depth)])
            self.decoder = nn.ModuleList([_double_conv(2 * chans[k], chans[k], batch_norm) for k in range(depth)])
            self.head = nn.Conv2d(chans[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_classes, H, W)`` of images ``(N, in_channels, H, W)``."""
        _check_images_tensor(x, self.in_channels, "UNet")
        x, h, w = _pad_to_multiple(x, 2**self.depth, "reflect")
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for k in reversed(range(self.depth)):
            x = self.decoder[k](torch.cat([skips[k], self.upsamplers[k](x)], dim=1))
        return self.head(x)[:, :, :h, :w]


# ---------------------------------------------------------------------------------------------------------------
# losses


def _check_logits_target(logits, target, ignore_index, who: str) -> None:
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


def dice_loss(logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None = 255, eps: float = 1.0
              ) -> torch.Tensor:
    r"""Soft multi-class Dice loss: one minus the mean over the classes of a differentiable Dice coefficient.

    With ``p = softmax(logits)`` over the class dim and ``g`` the one-hot target, for each class ``c``, summing over
    every kept pixel ``i`` of the whole batch (one Dice per class for the batch, not one per image)

    .. math::

        D_c = \frac{2 \sum_i p_{ic} g_{ic} + \epsilon}{\sum_i p_{ic} + \sum_i g_{ic} + \epsilon},
        \qquad L = 1 - \frac{1}{C} \sum_{c=0}^{C-1} D_c .

    For a hard prediction (``p`` one-hot) ``D_c`` is the Dice coefficient ``2 |A ∩ B| / (|A| + |B|)`` of
    :func:`coursekit.metrics.dice_per_class` (smoothed by ``eps``). Milletari et al. (2016, V-Net) square the terms
    of the denominator, ``sum p^2 + sum g^2``; both agree for hard predictions; this function uses the plain sums
    throughout (as do the Dice losses of MONAI and segmentation_models_pytorch by default).

    Every one of the ``C`` classes counts in the mean, including a class absent from the target of the batch: its
    ``D_c = eps / (sum_i p_ic + eps)`` is 1 when it is not predicted and falls towards 0 the more it is, so the loss
    then rewards not predicting it. ``eps`` also keeps ``D_c`` finite. Pixels whose target is ``ignore_index`` are
    left out of all three sums (their ``p`` and ``g`` are multiplied by 0); when every pixel is ignored the loss is 0.

    Parameters
    ----------
    logits : torch.Tensor
        Floating-point ``(N, C, H, W)`` (or ``(N, C, ...)``) unnormalized scores, ``C >= 2``.
    target : torch.Tensor
        Integer ``(N, H, W)`` (or ``(N, ...)``) labels in ``[0, C)``, or ``ignore_index``.
    ignore_index : int or None
        Target value of the pixels to leave out (255, as in PASCAL VOC and :func:`coursekit.metrics.confusion_matrix`);
        None keeps every pixel.
    eps : float
        Smoothing ``epsilon > 0`` added to the numerator and the denominator.

    Returns
    -------
    torch.Tensor
        A scalar in ``[0, 1)`` (``2 p g <= p + g`` for ``p, g`` in ``[0, 1]``, so ``D_c <= 1``), differentiable in
        ``logits``, of the dtype of ``logits``.

    Raises
    ------
    TypeError
        When ``logits`` is not a floating-point tensor or ``target`` not an integer one.
    ValueError
        When shapes do not match, ``C < 2``, a kept label is outside ``[0, C)``, or ``eps <= 0``.

    References
    ----------
    .. [1] F. Milletari, N. Navab, S.-A. Ahmadi, "V-Net: fully convolutional neural networks for volumetric medical
       image segmentation", 3DV 2016, section 3 (the Dice loss, with squared terms in the denominator).
    .. [2] C. H. Sudre, W. Li, T. Vercauteren, S. Ourselin, M. J. Cardoso, "Generalised Dice overlap as a deep
       learning loss function for highly unbalanced segmentations", DLMIA 2017.

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[[0, 1], [1, 1]]])
    >>> perfect = 50.0 * torch.nn.functional.one_hot(target, 2).permute(0, 3, 1, 2).double()
    >>> float(dice_loss(perfect, target)) < 1e-6
    True
    >>> # p = 1/2 everywhere: D_0 = (2 * 0.5 + 1) / (2 + 1 + 1) = 1/2, D_1 = (2 * 1.5 + 1) / (2 + 3 + 1) = 2/3
    >>> round(float(dice_loss(torch.zeros(1, 2, 2, 2), target)), 4)
    0.4167
    """
    ignore_index = _check_ignore_index(ignore_index)
    eps = _check_positive(eps, "eps")
    _check_logits_target(logits, target, ignore_index, "dice_loss")
    c = logits.shape[1]
    prob = torch.softmax(logits, dim=1)
    if ignore_index is None:
        labels, keep = target.long(), None
    else:
        keep = target != ignore_index
        labels = torch.where(keep, target.long(), torch.zeros_like(target, dtype=torch.long))
    onehot = F.one_hot(labels, c).movedim(-1, 1).to(prob.dtype)
    if keep is not None:
        mask = keep.unsqueeze(1).to(prob.dtype)
        prob, onehot = prob * mask, onehot * mask
    dims = [0] + list(range(2, logits.ndim))
    intersection = (prob * onehot).sum(dim=dims)
    denominator = prob.sum(dim=dims) + onehot.sum(dim=dims)
    dice = (2 * intersection + eps) / (denominator + eps)
    return 1 - dice.mean()


def cross_entropy(logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None = 255) -> torch.Tensor:
    r"""Pixel-wise cross-entropy, averaged over the kept pixels: ``F.cross_entropy`` with the course's conventions.

    .. math:: L = -\frac{1}{|K|} \sum_{i \in K} \log \operatorname{softmax}(z_i)_{y_i}

    over the set ``K`` of pixels whose target is not ``ignore_index`` (the loss of Long et al. 2015, averaged rather
    than summed). A thin wrapper of ``torch.nn.functional.cross_entropy(logits, target, ignore_index=ignore_index)``
    (mean reduction, no class weights, no label smoothing) that checks its input and says what was expected; as with
    PyTorch, the loss is NaN when every pixel is ignored.

    Parameters
    ----------
    logits : torch.Tensor
        Floating-point ``(N, C, H, W)`` (or ``(N, C, ...)``) unnormalized scores.
    target : torch.Tensor
        Integer ``(N, H, W)`` labels in ``[0, C)``, or ``ignore_index``.
    ignore_index : int or None
        Target value of the pixels to leave out (255); None keeps every pixel.

    Returns
    -------
    torch.Tensor
        A scalar ``>= 0``.

    Raises
    ------
    TypeError, ValueError
        As :func:`dice_loss`.

    Examples
    --------
    >>> import torch
    >>> logits, target = torch.zeros(1, 4, 2, 2), torch.tensor([[[0, 1], [2, 255]]])
    >>> round(float(cross_entropy(logits, target)), 4)  # log 4
    1.3863
    """
    ignore_index = _check_ignore_index(ignore_index)
    _check_logits_target(logits, target, ignore_index, "cross_entropy")
    return F.cross_entropy(logits, target.long(), ignore_index=-100 if ignore_index is None else ignore_index)


def combined_loss(logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None = 255,
                  dice_weight: float = 1.0) -> torch.Tensor:
    """Cross-entropy plus Dice: ``cross_entropy(logits, target) + dice_weight * dice_loss(logits, target)``.

    The cross-entropy gives every pixel a well-scaled gradient from the start; the Dice term weighs each class by its
    own size, so the small shapes are not swamped by the background (about 84 % of the pixels of
    :func:`coursekit.data.synthetic_shapes`). The ``"ce+dice"`` loss of :func:`train_segmenter`.

    Parameters
    ----------
    logits, target, ignore_index
        As :func:`cross_entropy` and :func:`dice_loss` (``eps = 1``).
    dice_weight : float
        Weight of the Dice term, ``>= 0``.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    if isinstance(dice_weight, bool) or not isinstance(dice_weight, numbers.Real) or not dice_weight >= 0:
        raise ValueError(f"dice_weight must be a number >= 0, given {dice_weight!r}")
    loss = cross_entropy(logits, target, ignore_index)
    if dice_weight:
        loss = loss + dice_weight * dice_loss(logits, target, ignore_index)
    return loss


_LOSSES = {"ce": cross_entropy, "dice": dice_loss, "ce+dice": combined_loss}


# ---------------------------------------------------------------------------------------------------------------
# training and prediction


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


def _resolve_device(device) -> torch.device:
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, given {device!r}") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch.cuda.is_available() is False: use device='cpu' or "
                         f"'auto'")
    return dev


def _images_to_tensor(images, name: str) -> torch.Tensor:
    """Float (N, H, W, C) numpy images -> a float32 (N, C, H, W) tensor on the CPU."""
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


def _split(data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (images, masks) as coursekit.data.synthetic_shapes returns, given "
                        f"{type(data).__name__}")
    images, masks = data
    x = _images_to_tensor(images, f"{name} images")
    m = np.asarray(masks)
    if m.dtype.kind not in "iu":
        raise TypeError(f"{name} masks must be integer label maps (int64), given dtype {m.dtype}")
    if m.shape != (x.shape[0],) + tuple(x.shape[2:]):
        raise ValueError(f"{name} masks must have shape (N, H, W) = {(x.shape[0],) + tuple(x.shape[2:])} to match "
                         f"the images {tuple(np.shape(images))}, given {m.shape}")
    return x, torch.from_numpy(m.astype(np.int64))


def _predict_tensor(model: nn.Module, x: torch.Tensor, batch_size: int, device: torch.device) -> torch.Tensor:
    """Argmax label maps (N, H, W) on the CPU, in eval mode, without gradient."""
    out = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch_size):
            logits = model(x[start:start + batch_size].to(device))
            out.append(logits.argmax(dim=1).cpu())
    return torch.cat(out)


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
    >>> images, _ = synthetic_shapes(3, size=32, seed=0)
    >>> labels = predict(UNet(base_channels=4, depth=2), images, device="cpu")
    >>> labels.shape, labels.dtype
    ((3, 32, 32), dtype('int64'))
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, given {type(model).__name__}")
    batch_size = _check_int(batch_size, "batch_size", 1)
    dev = _resolve_device(device)
    x = _images_to_tensor(images, "images")
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
        Maps ``(N, C, H, W)`` images to ``(N, num_classes, H, W)`` logits (:class:`UNet`, :class:`FCN`, ...).
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
        :func:`combined_loss`, :func:`cross_entropy` or :func:`dice_loss` (each with ``ignore_index``), or any
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
    >>> train, val = synthetic_shapes(16, size=32, seed=0), synthetic_shapes(8, size=32, seed=1)
    >>> history = train_segmenter(UNet(base_channels=4, depth=2), train, val, epochs=2, lr=3e-3, device="cpu",
    ...                           progress=False)
    >>> history.epochs, len(history.train_loss), len(history.val_miou)
    (2, 2, 2)
    """
    from coursekit import metrics

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, given {type(model).__name__}")
    epochs = _check_int(epochs, "epochs", 1)
    lr = _check_positive(lr, "lr")
    batch_size = _check_int(batch_size, "batch_size", 1)
    ignore_index = _check_ignore_index(ignore_index)
    if callable(loss):
        loss_fn = loss
    elif isinstance(loss, str) and loss in _LOSSES:
        base = _LOSSES[loss]

        def loss_fn(logits, target):
            return base(logits, target, ignore_index=ignore_index)
    else:
        raise ValueError(f"loss must be one of {sorted(_LOSSES)} or a callable loss(logits, target), given {loss!r}")
    if lr_schedule not in ("cosine", "constant", "warmup_cosine"):
        raise ValueError(f"lr_schedule must be 'warmup_cosine', 'cosine' or 'constant', given {lr_schedule!r}")
    torch_seed = _check_seed(seed)
    rng = np.random.default_rng(torch_seed)
    dev = _resolve_device(device)
    x_train, y_train = _split(train, "train")
    x_val = y_val = None
    if val is not None:
        x_val, y_val = _split(val, "val")
    if dev.type == "cuda":
        x_train, y_train = x_train.to(dev), y_train.to(dev)

    model.to(dev)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad is False for all of them)")
    optimizer = torch.optim.Adam(params, lr=lr)
    n = x_train.shape[0]
    steps_per_epoch = math.ceil(n / batch_size)
    total_steps = epochs * steps_per_epoch
    scheduler = None
    if lr_schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    elif lr_schedule == "warmup_cosine":
        warm = max(1, total_steps // 10)

        def factor(step):
            if step < warm:
                return (step + 1) / warm
            rest = max(1, total_steps - warm)
            return 0.5 * (1 + math.cos(math.pi * min(step - warm, rest) / rest))
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)

    from tqdm.auto import tqdm

    losses, mious, seconds = [], [], []
    elapsed = 0.0
    cudnn_state = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    try:
        if dev.type == "cuda":
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
        cuda_devices = []
        if dev.type == "cuda":
            cuda_devices = [torch.cuda.current_device() if dev.index is None else dev.index]
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(torch_seed)
            bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
            for _epoch in bar:
                start = time.perf_counter()
                model.train()
                order = torch.from_numpy(rng.permutation(n))
                total, count = 0.0, 0
                for b in range(steps_per_epoch):
                    idx = order[b * batch_size:(b + 1) * batch_size]
                    xb, yb = x_train[idx].to(dev), y_train[idx].to(dev)
                    optimizer.zero_grad(set_to_none=True)
                    value = loss_fn(model(xb), yb)
                    value.backward()
                    optimizer.step()
                    if scheduler is not None:
                        scheduler.step()
                    total += float(value.detach()) * len(idx)
                    count += len(idx)
                if dev.type == "cuda":
                    torch.cuda.synchronize(dev)
                elapsed += time.perf_counter() - start
                seconds.append(elapsed)
                losses.append(total / count)
                postfix = {"loss": f"{losses[-1]:.4f}"}
                if x_val is not None:
                    model.eval()
                    pred = _predict_tensor(model, x_val, max(batch_size, 32), dev)
                    num_classes = _num_classes(model, x_val[:1], dev)
                    cm = metrics.confusion_matrix(pred.numpy(), y_val.numpy(), num_classes=num_classes,
                                                  ignore_index=ignore_index)
                    mious.append(metrics.mean_iou(cm))
                    postfix["val mIoU"] = f"{mious[-1]:.3f}"
                bar.set_postfix(postfix)
            bar.close()
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn_state
        model.eval()
    return TrainingHistory(train_loss=tuple(losses), val_miou=tuple(mious), epochs=epochs, seconds=tuple(seconds),
                           device=str(dev))


def _num_classes(model: nn.Module, x: torch.Tensor, dev: torch.device) -> int:
    """Number of output channels of the model (its ``num_classes`` attribute, or one forward pass)."""
    c = getattr(model, "num_classes", None)
    if isinstance(c, int):
        return c
    with torch.no_grad():
        return int(model(x.to(dev)).shape[1])


# ---------------------------------------------------------------------------------------------------------------
# receptive field (Chen et al. 2017, 2018: dilated convolutions)

_TRANSPARENT = _ELEMENTWISE + (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d, nn.Dropout2d, nn.LocalResponseNorm)


def _pair_equal(value, name: str, layer) -> int:
    if isinstance(value, tuple):
        if len(set(value)) != 1:
            raise ValueError(f"receptive_field handles square layers only; {layer!r} has {name}={value}")
        value = value[0]
    return int(value)


def receptive_field(layers) -> int:
    """Theoretical receptive field (in input pixels, along one axis) of a chain of convolutions and poolings.

    For layers ``l = 1..L`` with kernel ``k_l``, stride ``s_l`` and dilation ``d_l``, the effective kernel of a dilated
    layer is ``d_l (k_l - 1) + 1`` and

    .. math:: r = 1 + \\sum_{l=1}^{L} d_l (k_l - 1) \\prod_{m<l} s_m .

    Dilation (atrous convolution, Chen et al.) enlarges the receptive field without pooling away resolution: three
    ``3 x 3`` convolutions see 7 pixels, with dilations 1, 2, 4 they see 15.

    Parameters
    ----------
    layers : list of (int, int, int) or (int, int), or torch.nn.Sequential
        ``(kernel, stride, dilation)`` of each layer in order (dilation 1 when left out); or a Sequential (nested
        Sequentials unpacked) whose ``Conv2d``, ``MaxPool2d`` and ``AvgPool2d`` layers are read (square kernels only)
        and whose activations, normalizations and dropouts are passed over.

    Returns
    -------
    int
        The receptive field ``r``.

    Raises
    ------
    ValueError
        For a kernel, stride or dilation that is not a positive int, a non-square layer, or a layer of a Sequential
        it cannot read (e.g. ``ConvTranspose2d``, ``Linear``).

    References
    ----------
    .. [1] L.-C. Chen, G. Papandreou, I. Kokkinos, K. Murphy, A. L. Yuille, "DeepLab: semantic image segmentation
       with deep convolutional nets, atrous convolution, and fully connected CRFs", TPAMI 2018.
    .. [2] F. Yu, V. Koltun, "Multi-scale context aggregation by dilated convolutions", ICLR 2016.

    Examples
    --------
    >>> receptive_field([(3, 1, 1)] * 3)
    7
    >>> receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])
    15
    >>> receptive_field([(3, 1), (2, 2), (3, 1)])  # conv, pool, conv
    8
    """
    if isinstance(layers, nn.Sequential):
        triples = []
        for layer in _leaves(layers):
            if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                k = _pair_equal(layer.kernel_size, "kernel_size", layer)
                s = _pair_equal(layer.stride, "stride", layer)
                d = _pair_equal(getattr(layer, "dilation", 1), "dilation", layer)
                triples.append((k, s, d))
            elif not isinstance(layer, _TRANSPARENT):
                raise ValueError(f"receptive_field cannot read layer {layer!r}: expected Conv2d, MaxPool2d, AvgPool2d, "
                                 f"activations, normalizations or dropout")
        layers = triples
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of (kernel, stride, dilation) tuples or an nn.Sequential, given "
                        f"{type(layers).__name__}")
    r, jump = 1, 1
    for i, spec in enumerate(layers):
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise ValueError(f"layers[{i}] must be a (kernel, stride, dilation) or (kernel, stride) tuple, given "
                             f"{spec!r}")
        k = _check_int(spec[0], f"layers[{i}] kernel", 1)
        s = _check_int(spec[1], f"layers[{i}] stride", 1)
        d = _check_int(spec[2], f"layers[{i}] dilation", 1) if len(spec) == 3 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r
