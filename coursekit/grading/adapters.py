"""Adapters: exercises whose functions take or return torch objects (a layer, modules, a differentiable loss) are
graded on data all the same.

An adapter turns a case's arrays into the objects the student's function expects, calls it, and turns what it returns
into numbers; the reference goes through the same adapter, in ``check`` and in the grader. This file is
self-contained (numpy, and the ``torch`` module it is handed): the clean room runs it in the sandbox beside
``cleanroom.py``, where coursekit is not importable.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ADAPTERS", "adapt", "describe_adapted"]


def _tensor_of(torch, value, what: str):
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, returned {type(value).__name__}")
    return value


def _adapt_linear_layer(torch, fn, args, kwargs):
    """``fn(linear, feature_shape) -> nn.Conv2d``; case ``(weight, bias or None, feature_shape, x)``: the numbers are
    the returned convolution applied to the probe images ``x`` (larger than the feature map: a heatmap)."""
    weight, bias, feature_shape, x = args
    linear = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(weight, dtype=torch.float32))
        if bias is not None:
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float32))
    before = [p.detach().clone() for p in linear.parameters()]
    conv = fn(linear, feature_shape, **kwargs)
    if not isinstance(conv, torch.nn.Conv2d):
        raise TypeError(f"the function must return a torch.nn.Conv2d, returned {type(conv).__name__}")
    if any(not torch.equal(b, p.detach()) for b, p in zip(before, linear.parameters())):
        raise ValueError("the function changed the weights of the linear layer it was given: leave them as they are")
    with torch.no_grad():
        out = conv(torch.tensor(x, dtype=conv.weight.dtype))
    return _tensor_of(torch, out, "the convolution's output").detach().double().numpy()


def _adapt_loss_and_gradient(torch, fn, args, kwargs):
    """``fn(logits, target, **kwargs) -> scalar tensor``; case ``(logits, target)`` arrays: the numbers are the loss
    and its gradient with respect to the logits (float64), so a loss autograd cannot differentiate is caught."""
    logits_array, target_array = args
    logits = torch.tensor(logits_array, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(target_array, dtype=torch.int64)
    loss = _tensor_of(torch, fn(logits, target, **kwargs), "the loss")
    if loss.numel() != 1:
        raise ValueError(f"the loss must be a scalar (one number), returned a tensor of shape {tuple(loss.shape)}")
    if not loss.requires_grad:
        raise TypeError("the loss does not depend differentiably on the logits (autograd cannot follow it): use "
                        "torch operations only, no .item(), .detach(), .numpy() or argmax on the way")
    grad, = torch.autograd.grad(loss.reshape(()), logits, allow_unused=True)
    if grad is None:
        raise TypeError("the loss does not depend on the logits")
    return loss.detach().reshape(()).double().numpy(), grad.detach().double().numpy()


def _unet_modules(torch, in_channels, num_classes, base_channels, depth, seed):
    """The modules of a U-Net (convolutions and ReLU, no normalization) with weights drawn from ``seed``."""
    nn = torch.nn
    generator = torch.Generator().manual_seed(int(seed))
    chans = [base_channels * 2 ** k for k in range(depth + 1)]

    def init(module):
        for p in module.parameters():
            fan_in = p.shape[1] * p.shape[2] * p.shape[3] if p.ndim == 4 else 1
            if isinstance(module, nn.ConvTranspose2d) and p.ndim == 4:
                fan_in = p.shape[0]
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64) * (2.0 / fan_in) ** 0.5
                        if p.ndim == 4 else torch.randn(p.shape, generator=generator, dtype=torch.float64) * 0.1)
        return module

    def double_conv(cin, cout):
        return nn.Sequential(init(nn.Conv2d(cin, cout, 3, padding=1).double()), nn.ReLU(),
                             init(nn.Conv2d(cout, cout, 3, padding=1).double()), nn.ReLU())

    encoder = nn.ModuleList([double_conv(in_channels if k == 0 else chans[k - 1], chans[k]) for k in range(depth)])
    bottleneck = double_conv(chans[depth - 1], chans[depth])
    upsamplers = nn.ModuleList([init(nn.ConvTranspose2d(chans[k + 1], chans[k], 2, stride=2).double())
                                for k in range(depth)])
    decoder = nn.ModuleList([double_conv(2 * chans[k], chans[k]) for k in range(depth)])
    head = init(nn.Conv2d(chans[0], num_classes, 1).double())
    for m in (encoder, bottleneck, upsamplers, decoder, head):
        m.eval()
    return encoder, bottleneck, upsamplers, decoder, head


def _adapt_unet_modules(torch, fn, args, kwargs):
    """``fn(x, encoder, bottleneck, upsamplers, decoder, head) -> logits``; case ``(x, in_channels, num_classes,
    base_channels, depth, seed)``: the modules are built here (weights from ``seed``); the numbers are the logits."""
    x, in_channels, num_classes, base_channels, depth, seed = args
    modules = _unet_modules(torch, in_channels, num_classes, base_channels, depth, seed)
    with torch.no_grad():
        out = fn(torch.tensor(x, dtype=torch.float64), *modules, **kwargs)
    return _tensor_of(torch, out, "the logits").detach().double().numpy()


ADAPTERS = {
    "linear_layer": _adapt_linear_layer,
    "loss_and_gradient": _adapt_loss_and_gradient,
    "unet_modules": _adapt_unet_modules,
}


def adapt(name: str, fn, args, kwargs, torch=None):
    """Call ``fn`` on a case through the adapter ``name`` (see :data:`ADAPTERS`)."""
    if torch is None:
        import torch
    return ADAPTERS[name](torch, fn, tuple(args), dict(kwargs))


def describe_adapted(name: str, function: str, args, kwargs) -> str:
    """The call an adapted case makes, in the student's terms."""
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    if name == "linear_layer":
        weight, bias, feature_shape, x = args
        return (f"{function}(nn.Linear({weight.shape[1]}, {weight.shape[0]}, bias={bias is not None}), "
                f"{tuple(feature_shape)!r}{extra}), the returned convolution applied to images of shape {np.shape(x)}")
    if name == "loss_and_gradient":
        logits, target = args
        labels = sorted(set(np.unique(target).tolist()))
        return (f"{function}(logits of shape {np.shape(logits)}, target of shape {np.shape(target)} with labels "
                f"{labels}{extra})")
    if name == "unet_modules":
        x, cin, classes, base, depth, _ = args
        return (f"{function}(x of shape {np.shape(x)}, the modules of a depth-{depth} U-Net with {base} base channels, "
                f"{cin} input channels and {classes} classes{extra})")
    return f"{function}(...)"
