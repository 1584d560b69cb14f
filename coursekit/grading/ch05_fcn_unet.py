"""Exercises of the FCN / U-Net chapter (``05_fcn_unet``).

Three exercises, in the order of the notebook, each on torch objects and graded on numbers through an adapter of
:mod:`coursekit.grading.adapters` (the reference goes through the same adapter):

- ``convolutionalize_linear(linear, feature_shape)``: the ``nn.Conv2d`` equivalent to a fully connected layer that
  follows a ``Flatten`` of a ``(C, H, W)`` feature map. Graded by the *output of the returned convolution* on images
  larger than the feature map (a heatmap), so a wrong kernel size, a flatten order mixed up, a lost bias or a stride
  shows. Traps: a non-square map, several input channels (``W.reshape(out, H, W, C)`` is wrong), no bias, the
  ``(n, 1, 1)`` shape of the later layers (``1 x 1`` convolutions), and a ``feature_shape`` that does not match
  ``in_features``, which must raise ``ValueError``.
- ``unet_forward(x, encoder, bottleneck, upsamplers, decoder, head)``: the forward pass of a U-Net whose modules are
  given (built from a seed by the adapter, with asymmetric random weights): pooling after each encoder level, the
  skips kept *before* pooling, ``torch.cat([skip, upsampled], dim=1)`` in that order, the levels walked back from the
  coarsest, no activation after the head. Depths 1 to 4, batches, several input channels, non-square images.
- ``dice_loss(logits, target, ignore_index=255, eps=1.0)``: the soft multi-class Dice loss; graded on the loss *and its
  gradient* with respect to the logits (float64), so a loss autograd cannot follow (``argmax``, ``.item()``,
  ``.numpy()``) fails. Traps: one Dice per class over the whole batch (not per image), a class absent from the target
  (it still counts), ignored pixels (255 by default, any value given), ``eps`` passed, and a batch whose pixels are all
  ignored (the loss is 0, not NaN).

Public cases are small and fixed, each naming its trap as its ``kind``; hidden ones are random, and every hidden set
holds each kind of the public cases and no other (an all-ignored batch is visible as well as hidden).
"""

from __future__ import annotations

import numpy as np

from .compare import allclose
from .registry import Case, chapter

NOTEBOOK = "05_fcn_unet"

#: The library's networks and losses are what the exercises rebuild.
_FORBIDDEN = ("coursekit.models", "coursekit.deep")
#: The exercises are written with PyTorch (and numpy); nothing else is there when they are graded.
_MODULES = ("numpy", "torch")


# ---------------------------------------------------------------------------------------------------------------
# references (called through the adapters, on torch objects)


def reference_convolutionalize_linear(linear, feature_shape):
    """The ``nn.Conv2d`` equal to ``linear`` applied to a flattened ``(C, H, W)`` map (the reference of
    ``fcn_unet.convolutionalize_linear``): :func:`coursekit.models.convolutionalize` of
    ``nn.Sequential(nn.Flatten(), linear)``.

    Raises
    ------
    TypeError
        When ``linear`` is not an ``nn.Linear``.
    ValueError
        When ``feature_shape`` is not three positive ints whose product is ``linear.in_features``.

    Examples
    --------
    >>> import torch
    >>> linear = torch.nn.Linear(2 * 3 * 3, 5)
    >>> conv = reference_convolutionalize_linear(linear, (2, 3, 3))
    >>> conv
    Conv2d(2, 5, kernel_size=(3, 3), stride=(1, 1))
    >>> x = torch.rand(1, 2, 3, 3)
    >>> bool(torch.allclose(conv(x).flatten(1), linear(x.flatten(1)), atol=1e-6))
    True
    """
    from torch import nn

    from coursekit.models import convolutionalize

    if not isinstance(linear, nn.Linear):
        raise TypeError(f"linear must be a torch.nn.Linear, given {type(linear).__name__}")
    if (not isinstance(feature_shape, (tuple, list)) or len(feature_shape) != 3
            or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                       for n in feature_shape)):
        raise ValueError(f"feature_shape must be three positive ints (C, H, W), given {feature_shape!r}")
    c, h, w = (int(n) for n in feature_shape)
    if c * h * w != linear.in_features:
        raise ValueError(f"feature_shape {tuple(feature_shape)} holds {c * h * w} values, but the layer takes "
                         f"in_features={linear.in_features}")
    return convolutionalize(nn.Sequential(nn.Flatten(), linear), (h, w), in_channels=c)[0]


def reference_unet_forward(x, encoder, bottleneck, upsamplers, decoder, head):
    """The U-Net forward pass over given modules (the reference of ``fcn_unet.unet_forward``): the modules put into a
    :class:`coursekit.models.UNet` (without batch normalization), whose ``forward`` runs."""
    from coursekit.models import UNet

    first = encoder[0][0]
    net = UNet(in_channels=first.in_channels, num_classes=head.out_channels, base_channels=first.out_channels,
               depth=len(encoder), batch_norm=False)
    net.encoder, net.bottleneck, net.upsamplers, net.decoder, net.head = encoder, bottleneck, upsamplers, decoder, head
    return net.eval()(x)


# ---------------------------------------------------------------------------------------------------------------
# convolutionalize_linear(linear, feature_shape): case (weight, bias or None, feature_shape, probe images x)


def _linear_case(rng, c, h, w, out, bias=True, grow=(0, 0), n=1, label="", kind=""):
    weight = np.round(rng.normal(size=(out, c * h * w)), 2)
    b = np.round(rng.normal(size=out), 2) if bias else None
    x = np.round(rng.normal(size=(n, c, h + grow[0], w + grow[1])), 2)
    return Case((weight, b, (c, h, w), x), label=label, kind=kind)


def _public_linear() -> list[Case]:
    rng = np.random.default_rng(505)  # fixed: these cases are public
    mismatch = _linear_case(rng, 2, 3, 3, 3)
    weight, b, _, x = mismatch.args
    return [
        _linear_case(rng, 2, 3, 3, 4, label="the training size: a (2, 3, 3) map, 4 outputs -> logits (1, 4, 1, 1)",
                     kind="training size"),
        _linear_case(rng, 2, 3, 3, 4, grow=(4, 6),
                     label="the same kind of layer on 7 x 9 images: a 5 x 7 heatmap of the layer at every offset",
                     kind="heatmap"),
        _linear_case(rng, 3, 2, 4, 5, grow=(3, 2), n=2,
                     label="a non-square (3, 2, 4) map and a batch of 2: Flatten's order is (C, H, W)",
                     kind="non-square map"),
        _linear_case(rng, 2, 2, 2, 3, bias=False, grow=(2, 2), label="a layer without bias", kind="no bias"),
        _linear_case(rng, 6, 1, 1, 4, grow=(3, 4),
                     label="a later layer: feature_shape (6, 1, 1) gives a 1 x 1 convolution", kind="1 x 1"),
        Case((weight, b, (2, 3, 4), x),
             label="feature_shape (2, 3, 4) holds 24 values but the layer takes 18: raise ValueError",
             kind="raises: shape mismatch"),
    ]


def _hidden_linear(rng: np.random.Generator) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    c, h, w = r(2, 4), r(2, 4), r(2, 4)
    cases.append(_linear_case(rng, c, h, w, r(2, 5), label=f"the training size, a ({c}, {h}, {w}) map",
                              kind="training size"))
    c, h = r(2, 4), r(2, 4)
    w = h + r(1, 2)
    cases.append(_linear_case(rng, c, h, w, r(2, 6), grow=(r(1, 5), r(1, 5)), n=r(1, 2),
                              label=f"a non-square ({c}, {h}, {w}) map on larger images: a heatmap",
                              kind="non-square map"))
    c, h, w = r(1, 3), r(1, 3), r(2, 4)
    cases.append(_linear_case(rng, c, h, w, r(1, 4), bias=False, grow=(r(0, 3), r(0, 3)),
                              label="a layer without bias", kind="no bias"))
    c = r(3, 12)
    cases.append(_linear_case(rng, c, 1, 1, r(2, 5), grow=(r(1, 4), r(1, 4)),
                              label=f"a later layer: feature_shape ({c}, 1, 1), a 1 x 1 convolution", kind="1 x 1"))
    c, h, w = r(2, 3), r(2, 3), r(2, 3)
    case = _linear_case(rng, c, h, w, r(2, 4))
    weight, b, _, x = case.args
    cases.append(Case((weight, b, (c, h, w + 1), x),
                      label="feature_shape does not match in_features: raise ValueError",
                      kind="raises: shape mismatch"))
    c, h = r(2, 4), r(2, 4)
    grow = r(1, 5)
    cases.append(_linear_case(rng, c, h, h, r(2, 5), grow=(grow, grow + r(0, 2)),
                              label=f"a ({c}, {h}, {h}) map on larger images: a heatmap of the layer at every offset",
                              kind="heatmap"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# unet_forward(x, encoder, bottleneck, upsamplers, decoder, head): case (x, in_channels, num_classes,
# base_channels, depth, seed); the adapter builds the modules


def _unet_case(rng, n, cin, classes, base, depth, cells_h, cells_w, seed, label, kind):
    x = rng.normal(size=(n, cin, cells_h * 2 ** depth, cells_w * 2 ** depth))
    return Case((x, cin, classes, base, depth, seed), label=label, kind=kind)


def _public_unet() -> list[Case]:
    rng = np.random.default_rng(5050)  # fixed: these cases are public
    return [
        _unet_case(rng, 1, 1, 2, 2, 1, 2, 2, 11, "depth 1: one pooling, one skip, on a 4 x 4 image", "depth 1"),
        _unet_case(rng, 1, 3, 3, 2, 2, 2, 3, 12, "depth 2 on a non-square 8 x 12 RGB image",
                   "non-square, several channels"),
        _unet_case(rng, 2, 2, 4, 3, 3, 1, 2, 13, "depth 3, a batch of 2 images with 2 channels", "batch"),
        _unet_case(rng, 1, 3, 4, 2, 4, 1, 1, 14, "depth 4, as the course's U-Net, on a 16 x 16 image", "depth 4"),
    ]


def _hidden_unet(rng: np.random.Generator) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    for depth, kind in ((1, "depth 1"), (2, "non-square, several channels"), (3, "batch"), (4, "depth 4")):
        cells_h, cells_w = r(1, 3), r(1, 3)
        n, cin = r(1, 2), r(1, 3)
        label = f"depth {depth}"
        if kind == "non-square, several channels":
            while cells_w == cells_h:
                cells_w = r(1, 3)
            cin = r(2, 3)
            label += f", a non-square image with {cin} channels"
        if kind == "batch":
            n = r(2, 3)
            label += f", a batch of {n} images"
        cases.append(_unet_case(rng, n, cin, r(2, 5), r(2, 4), depth, cells_h, cells_w, r(0, 10**6), label, kind))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# dice_loss(logits, target, ignore_index=255, eps=1.0): case (logits, target) arrays


def _dice_case(rng, n, c, h, w, labels=None, ignore=0.0, ignore_value=255, kwargs=None, label="", kind=""):
    logits = np.round(rng.normal(scale=2.0, size=(n, c, h, w)), 3)
    labels = list(range(c)) if labels is None else labels
    target = rng.choice(labels, size=(n, h, w)).astype(np.int64)
    if ignore:
        target[rng.random(size=target.shape) < ignore] = ignore_value
    return Case((logits, target), dict(kwargs or {}), label=label, kind=kind)


def _public_dice() -> list[Case]:
    rng = np.random.default_rng(50505)  # fixed: these cases are public
    return [
        Case((np.zeros((1, 2, 2, 2)), np.array([[[0, 1], [1, 1]]])), {},
             label="all logits 0 (p = 1/2 everywhere), target [[0, 1], [1, 1]]: D_0 = 1/2, D_1 = 2/3, loss 5/12",
             kind="one image"),
        _dice_case(rng, 1, 3, 4, 5, label="one image, 3 classes", kind="one image"),
        _dice_case(rng, 2, 3, 3, 4, label="a batch of 2: one Dice per class over the whole batch, not per image",
                   kind="batch"),
        _dice_case(rng, 1, 4, 4, 4, labels=[0, 1, 2],
                   label="class 3 absent from the target: it still counts in the mean over the classes",
                   kind="absent class"),
        _dice_case(rng, 2, 3, 4, 4, ignore=0.3, label="pixels labelled 255 are ignored (the default ignore_index)",
                   kind="ignore 255"),
        _dice_case(rng, 1, 3, 4, 4, labels=[0, 1, 2], ignore=0.3, ignore_value=0, kwargs={"ignore_index": 0},
                   label="ignore_index=0: the pixels labelled 0 are left out", kind="ignore_index"),
        _dice_case(rng, 1, 2, 3, 3, kwargs={"ignore_index": None, "eps": 1e-3},
                   label="ignore_index=None and eps=1e-3 passed", kind="ignore_index None, eps"),
        _dice_case(rng, 2, 3, 2, 3, ignore=1.0,
                   label="every pixel of the batch ignored: every D_c is eps / eps = 1, the loss is 0 (not NaN)",
                   kind="all ignored"),
    ]


def _hidden_dice(rng: np.random.Generator) -> list[Case]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731 - inclusive bounds
    cases = []
    c = r(2, 5)
    cases.append(_dice_case(rng, r(2, 3), c, r(2, 5), r(2, 5), label=f"a batch, {c} classes", kind="batch"))
    c = r(3, 5)
    absent = r(0, c - 1)
    cases.append(_dice_case(rng, 1, c, r(3, 5), r(3, 5), labels=[k for k in range(c) if k != absent],
                            label=f"class {absent} absent from the target", kind="absent class"))
    cases.append(_dice_case(rng, r(1, 2), r(2, 4), r(3, 5), r(3, 5), ignore=0.4,
                            label="pixels labelled 255 ignored (default)", kind="ignore 255"))
    c = r(3, 4)
    value = r(0, c - 1)
    cases.append(_dice_case(rng, 1, c, r(3, 5), r(3, 5), labels=[k for k in range(c) if k != value], ignore=0.3,
                            ignore_value=value, kwargs={"ignore_index": value},
                            label=f"ignore_index={value}", kind="ignore_index"))
    eps = float(rng.choice([1e-4, 1e-2, 0.5, 2.0]))
    cases.append(_dice_case(rng, r(1, 2), r(2, 4), r(2, 4), r(2, 4), kwargs={"ignore_index": None, "eps": eps},
                            label=f"ignore_index=None, eps={eps}", kind="ignore_index None, eps"))
    cases.append(_dice_case(rng, 1, r(2, 3), r(2, 3), r(2, 3), ignore=1.0,
                            label="every pixel ignored: the loss is 0 (not NaN)", kind="all ignored"))
    c = r(2, 4)
    cases.append(_dice_case(rng, 1, c, r(2, 5), r(2, 5), label=f"one image, {c} classes", kind="one image"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# the exercises

exercise = chapter(NOTEBOOK, forbidden=_FORBIDDEN, modules=_MODULES)

exercise(
    id="fcn_unet.convolutionalize_linear", function="convolutionalize_linear",
    reference="coursekit.grading.ch05_fcn_unet.reference_convolutionalize_linear",
    public=_public_linear, hidden=_hidden_linear,
    compare=allclose(rtol=1e-4, atol=1e-5), points=2,
    adapter="linear_layer",
    hint="nn.Flatten lays a (C, H, W) map out channel by channel, row by row, so linear.weight.reshape(out, C, H, W) "
         "is the weight of an nn.Conv2d(C, out, kernel_size=(H, W)) (stride 1, no padding); copy it and the bias "
         "(bias=False when linear.bias is None) under torch.no_grad(), and raise ValueError when C * H * W != "
         "linear.in_features.",
)

exercise(
    id="fcn_unet.unet_forward", function="unet_forward",
    reference="coursekit.grading.ch05_fcn_unet.reference_unet_forward", public=_public_unet, hidden=_hidden_unet,
    compare=allclose(rtol=1e-6, atol=1e-8), points=3,
    adapter="unet_modules",
    hint="going down, for each block of the encoder: x = block(x), keep x in a list of skips, then "
         "x = F.max_pool2d(x, 2); then x = bottleneck(x); going up, for k from len(decoder) - 1 down to 0: "
         "x = decoder[k](torch.cat([skips[k], upsamplers[k](x)], dim=1)) (the skip first); return head(x), with no "
         "activation after it.",
)

exercise(
    id="fcn_unet.dice_loss", function="dice_loss",
    reference="coursekit.models.dice_loss", public=_public_dice, hidden=_hidden_dice,
    compare=allclose(rtol=1e-6, atol=1e-9, names=("loss", "gradient with respect to the logits")), points=3,
    adapter="loss_and_gradient",
    hint="p = torch.softmax(logits, dim=1); g = F.one_hot(labels, C).permute(0, 3, 1, 2) with the ignored labels "
         "replaced by 0 first; multiply p and g by the mask of kept pixels; sum over the batch and the pixels "
         "(dims 0, 2, 3) to get one intersection and one denominator per class; D = (2 * inter + eps) / (sum p + "
         "sum g + eps); return 1 - D.mean(), using torch operations only so that autograd can follow.",
)


# ---------------------------------------------------------------------------------------------------------------
# the demo's partially correct submission: convolutionalize_linear right, a Dice loss with a plausible mistake (one
# Dice per image, averaged), and the U-Net forward pass left as the submitted stub. `coursekit samples` builds it
# from the released notebook.

PARTIAL_SAMPLE = {
    "correct": ("convolutionalize_linear",),
    "wrong": {
        "dice_loss": '''def dice_loss(logits, target, ignore_index=255, eps=1.0):
    """Soft multi-class Dice loss."""
    # Mistake: one Dice per image and class, averaged over the images, instead of one per class over the batch.
    c = logits.shape[1]
    keep = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
    labels = torch.where(keep, target, torch.zeros_like(target))
    p = torch.softmax(logits, dim=1) * keep[:, None]
    g = F.one_hot(labels, c).permute(0, 3, 1, 2).to(p.dtype) * keep[:, None]
    inter = (p * g).sum(dim=(2, 3))
    dice = (2 * inter + eps) / (p.sum(dim=(2, 3)) + g.sum(dim=(2, 3)) + eps)
    return 1 - dice.mean()''',
    },
}
