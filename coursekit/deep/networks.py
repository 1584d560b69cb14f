"""Fully convolutional networks: a classifier convolutionalized, FCN-32s/16s/8s and the U-Net.

- :func:`convolutionalize`: a classifier ``[features, Flatten, Linear, ...]`` turned into a fully convolutional
  network that outputs a class heatmap (Long et al. 2015, section 3.1): a fully connected layer is a convolution
  whose kernel covers its whole input.
- :class:`FCN`: a small VGG-style fully convolutional network with the 32s / 16s / 8s skip architectures of Long et
  al. (2015), its upsamplings transposed convolutions initialized bilinear.
- :class:`UNet`: the U-Net of Ronneberger et al. (2015), small, with padded convolutions so that any input size works.

The networks take ``(N, C, H, W)`` float tensors and return ``(N, num_classes, H, W)`` logits; their weights are
drawn from their own ``seed`` (torch's global random state is left as it was). The building blocks (convolution
blocks, the bilinear upsampler, padding) are in :mod:`coursekit.deep._layers`.

References
----------
.. [1] J. Long, E. Shelhamer, T. Darrell, "Fully convolutional networks for semantic segmentation", CVPR 2015.
.. [2] O. Ronneberger, P. Fischer, T. Brox, "U-Net: convolutional networks for biomedical image segmentation",
   MICCAI 2015.
.. [3] K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale image recognition", ICLR 2015.
.. [4] S. Ioffe, C. Szegedy, "Batch normalization: accelerating deep network training by reducing internal
   covariate shift", ICML 2015.
"""

from __future__ import annotations

import copy
import numbers

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int
from ._layers import ELEMENTWISE, bilinear_upsampler, conv_bn_relu, double_conv, leaves, pad_to_multiple
from ._validate import check_images_tensor, seeded

__all__ = ["convolutionalize", "FCN", "UNet"]


# ---------------------------------------------------------------------------------------------------------------
# convolutionalization (Long et al. 2015, section 3.1)

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
        When ``classifier`` is not an ``nn.Sequential``, or ``input_size`` is not a pair of ints.
    ValueError
        When ``input_size`` has another length or a size below 1, there is no ``nn.Flatten`` (or more than one), the
        ``Flatten`` does not flatten from dim 1 or is not followed by a ``Linear``, a layer after it cannot be
        converted (``nn.BatchNorm1d``, ``nn.LayerNorm``, a softmax over another dim, ...: the message names it), the
        feature map is not 4-D, or its ``C * h * w`` is not the first ``Linear``'s ``in_features`` (a wrong
        ``input_size``).

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
    input_size = _check_input_size(input_size)
    features, head = _split_at_flatten(classifier)
    first_at = next(i for i, layer in enumerate(head) if isinstance(layer, nn.Linear))
    first = head[first_at]
    features, (c, h, w) = _feature_map(features, input_size, in_channels, first, classifier.training)
    if c * h * w != first.in_features:
        raise ValueError(f"the first Linear expects in_features={first.in_features}, but the feature map for "
                         f"input_size={input_size} is (C, h, w)=({c}, {h}, {w}), C*h*w={c * h * w}: is "
                         f"input_size the size the classifier was trained on?")
    converted = []
    for i, layer in enumerate(head):
        if i == first_at:                                   # sees the whole (C, h, w) map: an (h, w) kernel
            converted.append(_linear_as_conv(layer, c, (h, w)))
        elif isinstance(layer, nn.Linear):                  # sees one vector per position: a 1 x 1 kernel
            converted.append(_linear_as_conv(layer, layer.in_features, (1, 1)))
        elif isinstance(layer, (nn.Softmax, nn.LogSoftmax)):
            converted.append(type(layer)(dim=1))            # over the classes, now dim 1 of the map
        else:
            converted.append(copy.deepcopy(layer))
    out = nn.Sequential(*features, *converted)
    out.train(classifier.training)
    return out


def _check_input_size(input_size) -> tuple[int, int]:
    """A pair of ints ``(H, W) >= 1``: TypeError for another kind, ValueError for another length or a size < 1."""
    if (not isinstance(input_size, (tuple, list))
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in input_size)):
        raise TypeError(f"input_size must be a pair of positive ints (H, W), the classifier's input size; given "
                        f"{input_size!r}")
    if len(input_size) != 2 or min(input_size) < 1:
        raise ValueError(f"input_size must be a pair of positive ints (H, W), the classifier's input size; given "
                         f"{input_size!r}")
    return int(input_size[0]), int(input_size[1])


def _split_at_flatten(classifier: nn.Sequential) -> tuple[list[nn.Module], list[nn.Module]]:
    """The layers before the one ``nn.Flatten`` and after it; ValueError for a head that is not convertible."""
    layers = leaves(classifier)
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
        ok = isinstance(layer, (nn.Linear,) + ELEMENTWISE)
        if isinstance(layer, (nn.Softmax, nn.LogSoftmax)):
            ok = layer.dim in (1, -1) and i > linears[0]
        if isinstance(layer, nn.PReLU) and i < linears[0]:
            ok = False  # its channels are those of the flat vector, not of the feature map
        if not ok:
            raise ValueError(f"cannot convolutionalize layer {k + 1 + i} after the Flatten, {layer!r}: only "
                             f"nn.Linear, element-wise activations, nn.Dropout and a softmax over the classes (dim=1)"
                             f" can follow the Flatten (a {type(layer).__name__} normalizes over the batch or the "
                             f"feature vector, which the heatmap does not have)")
    return features, head


def _feature_map(features: list[nn.Module], input_size: tuple[int, int], in_channels, like: nn.Linear,
                 training: bool) -> tuple[nn.Sequential, tuple[int, int, int]]:
    """Deep copies of the feature layers, and the ``(C, h, w)`` of their output for an ``input_size`` image.

    The shape comes from a dummy forward pass of a zero image, in eval mode (no BatchNorm statistics are updated)
    and without gradient, in the dtype and on the device of the layer ``like``.
    """
    features = copy.deepcopy(nn.Sequential(*features))
    if in_channels is None:
        in_channels = next((m.in_channels for m in features.modules() if hasattr(m, "in_channels")), None)
        if in_channels is None:
            raise ValueError("cannot tell the number of input channels (no layer before the Flatten has "
                             "in_channels): pass in_channels=")
    in_channels = check_int(in_channels, "in_channels", 1)
    features.eval()
    with torch.no_grad():
        dummy = torch.zeros(1, in_channels, *input_size, dtype=like.weight.dtype, device=like.weight.device)
        fmap = features(dummy)
    features.train(training)
    if fmap.ndim != 4:
        raise ValueError(f"the layers before the Flatten must output a 4-D map (N, C, h, w) for an input of size "
                         f"{input_size}, they gave shape {tuple(fmap.shape)}")
    return features, tuple(fmap.shape[1:])


def _linear_as_conv(linear: nn.Linear, cin: int, kernel: tuple[int, int]) -> nn.Conv2d:
    """The ``nn.Conv2d(cin, out, kernel)`` whose weight is ``linear.weight.reshape(out, cin, *kernel)``."""
    conv = nn.Conv2d(cin, linear.out_features, kernel_size=kernel, bias=linear.bias is not None,
                     device=linear.weight.device, dtype=linear.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(linear.out_features, cin, *kernel))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


# ---------------------------------------------------------------------------------------------------------------
# FCN (Long et al. 2015)


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
        num_classes = check_int(num_classes, "num_classes", 2)
        if variant not in self.VARIANTS:
            raise ValueError(f"variant must be one of {self.VARIANTS}, given {variant!r}")
        self.num_classes, self.variant = num_classes, variant
        self.in_channels = check_int(in_channels, "in_channels", 1)
        self.width = check_int(width, "width", 1)
        chans = [width, 2 * width, 4 * width, 8 * width, 8 * width]
        with seeded(seed):
            blocks, cin = [], in_channels
            for cout in chans:
                blocks.append(nn.Sequential(*conv_bn_relu(cin, cout), *conv_bn_relu(cout, cout), nn.MaxPool2d(2)))
                cin = cout
            self.features = nn.ModuleList(blocks)
            self.fc = nn.Sequential(nn.Conv2d(chans[-1], 16 * width, 3, padding=1), nn.ReLU(inplace=True),
                                    nn.Conv2d(16 * width, 16 * width, 1), nn.ReLU(inplace=True))
            self.score_fr = nn.Conv2d(16 * width, num_classes, 1)
            factor = {"32s": 32, "16s": 16, "8s": 8}[variant]
            if variant in ("16s", "8s"):
                self.score_pool4 = nn.Conv2d(chans[3], num_classes, 1)
                self.upscore2 = bilinear_upsampler(num_classes, 2)
            if variant == "8s":
                self.score_pool3 = nn.Conv2d(chans[2], num_classes, 1)
                self.upscore_pool4 = bilinear_upsampler(num_classes, 2)
            for name in ("score_pool4", "score_pool3"):
                if hasattr(self, name):
                    nn.init.zeros_(getattr(self, name).weight)
                    nn.init.zeros_(getattr(self, name).bias)
            self.upscore = bilinear_upsampler(num_classes, factor, learnable=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_classes, H, W)`` of images ``(N, in_channels, H, W)``."""
        check_images_tensor(x, self.in_channels, "FCN")
        x, h, w = pad_to_multiple(x, 32, "zeros")
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
        self.in_channels = check_int(in_channels, "in_channels", 1)
        self.num_classes = check_int(num_classes, "num_classes", 2)
        self.base_channels = check_int(base_channels, "base_channels", 1)
        self.depth = check_int(depth, "depth", 1)
        chans = [base_channels * 2**k for k in range(depth + 1)]
        with seeded(seed):
            self.encoder = nn.ModuleList(
                [double_conv(in_channels if k == 0 else chans[k - 1], chans[k], batch_norm) for k in range(depth)])
            self.bottleneck = double_conv(chans[depth - 1], chans[depth], batch_norm)
            self.upsamplers = nn.ModuleList(
                [nn.ConvTranspose2d(chans[k + 1], chans[k], kernel_size=2, stride=2) for k in range(depth)])
            self.decoder = nn.ModuleList([double_conv(2 * chans[k], chans[k], batch_norm) for k in range(depth)])
            self.head = nn.Conv2d(chans[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_classes, H, W)`` of images ``(N, in_channels, H, W)``."""
        check_images_tensor(x, self.in_channels, "UNet")
        x, h, w = pad_to_multiple(x, 2**self.depth, "reflect")
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for k in reversed(range(self.depth)):
            x = self.decoder[k](torch.cat([skips[k], self.upsamplers[k](x)], dim=1))
        return self.head(x)[:, :, :h, :w]

