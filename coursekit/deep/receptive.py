"""The theoretical receptive field of a stack of (dilated) convolutions and poolings: :func:`receptive_field`.

Dilated (atrous) convolutions (Chen et al. 2017, 2018; Yu & Koltun 2016) enlarge it without pooling away resolution;
the references are in the function's docstring.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_int
from ._layers import ELEMENTWISE, leaves

__all__ = ["receptive_field"]

#: Layers that change neither the receptive field nor the stride: activations, normalizations, dropout.
_TRANSPARENT = ELEMENTWISE + (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d, nn.Dropout2d, nn.LocalResponseNorm)


def _pair_equal(value, name: str, layer) -> int:
    """A layer's kernel size, stride or dilation as one int; ValueError when height and width differ."""
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
    TypeError
        When ``layers`` is not a list of tuples or a Sequential, or a kernel, stride or dilation is not an int.
    ValueError
        For a tuple of another length, a kernel, stride or dilation below 1, a non-square layer, or a layer of a
        Sequential it cannot read (e.g. ``ConvTranspose2d``, ``Linear``).

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
        layers = _layer_specs(layers)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of (kernel, stride, dilation) tuples or an nn.Sequential, given "
                        f"{type(layers).__name__}")
    r, jump = 1, 1  # jump: the product of the strides so far, the distance in input pixels of neighbouring outputs
    for i, spec in enumerate(layers):
        if not isinstance(spec, (tuple, list)):
            raise TypeError(f"layers[{i}] must be a (kernel, stride, dilation) or (kernel, stride) tuple, given "
                            f"{type(spec).__name__} {spec!r}")
        if len(spec) not in (2, 3):
            raise ValueError(f"layers[{i}] must be a (kernel, stride, dilation) or (kernel, stride) tuple, given "
                             f"{spec!r} with {len(spec)} values")
        k = check_int(spec[0], f"layers[{i}] kernel", 1)
        s = check_int(spec[1], f"layers[{i}] stride", 1)
        d = check_int(spec[2], f"layers[{i}] dilation", 1) if len(spec) == 3 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r


def _layer_specs(seq: nn.Sequential) -> list[tuple[int, int, int]]:
    """``(kernel, stride, dilation)`` of the convolutions and poolings of a Sequential; the other layers must be
    transparent (activations, normalizations, dropout)."""
    specs = []
    for layer in leaves(seq):
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            specs.append((_pair_equal(layer.kernel_size, "kernel_size", layer),
                          _pair_equal(layer.stride, "stride", layer),
                          _pair_equal(getattr(layer, "dilation", 1), "dilation", layer)))
        elif not isinstance(layer, _TRANSPARENT):
            raise ValueError(f"receptive_field cannot read layer {layer!r}: expected Conv2d, MaxPool2d, AvgPool2d, "
                             f"activations, normalizations or dropout")
    return specs
