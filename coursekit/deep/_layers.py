"""Building blocks of the course's networks: convolution blocks, the bilinear upsampler, padding, layer lists."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..upsampling import bilinear_kernel

#: Layers that act on each entry (or on dim 1 only), and so mean the same on ``(N, C)`` and on ``(N, C, h, w)``.
ELEMENTWISE = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Sigmoid,
    nn.Tanh, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.LogSigmoid,
    nn.Identity, nn.Dropout, nn.AlphaDropout,
)


def leaves(seq: nn.Sequential) -> list[nn.Module]:
    """The layers of a Sequential, nested Sequentials unpacked."""
    out = []
    for layer in seq:
        out.extend(leaves(layer) if isinstance(layer, nn.Sequential) else [layer])
    return out


def conv_bn_relu(cin: int, cout: int, batch_norm: bool = True) -> list[nn.Module]:
    """A ``3 x 3`` convolution (padding 1), batch normalization (optional) and ReLU."""
    if batch_norm:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True)]


def double_conv(cin: int, cout: int, batch_norm: bool) -> nn.Sequential:
    """Two :func:`conv_bn_relu` in a row: a level of the U-Net."""
    return nn.Sequential(*conv_bn_relu(cin, cout, batch_norm), *conv_bn_relu(cout, cout, batch_norm))


def bilinear_upsampler(channels: int, factor: int, learnable: bool = True) -> nn.ConvTranspose2d:
    """A per-channel ``nn.ConvTranspose2d`` (kernel ``2 f``, stride ``f``, padding ``f / 2``: ``n`` cells become
    ``n f`` pixels) initialized with :func:`coursekit.upsampling.bilinear_kernel`, as FCN's upsampling layers."""
    up = nn.ConvTranspose2d(channels, channels, kernel_size=2 * factor, stride=factor, padding=factor // 2,
                            groups=channels, bias=False)
    kernel = torch.from_numpy(bilinear_kernel(1, 1, 2 * factor))
    with torch.no_grad():
        up.weight.copy_(kernel.to(up.weight.dtype).expand_as(up.weight))
    up.weight.requires_grad_(learnable)
    return up


def pad_to_multiple(x: torch.Tensor, multiple: int, mode: str) -> tuple[torch.Tensor, int, int]:
    """Pad the bottom and the right of ``x`` ``(N, C, H, W)`` up to multiples of ``multiple``; also return H and W.

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
