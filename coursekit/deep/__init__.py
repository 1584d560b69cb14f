"""Segmentation networks, their losses and a small training loop, in PyTorch, for the deep chapters.

One concern a module:

- :mod:`~coursekit.deep.networks`: :func:`convolutionalize`, a classifier ``[features, Flatten, Linear, ...]``
  turned into a fully convolutional network that outputs a class heatmap (Long et al. 2015, section 3.1);
  :class:`FCN`, a small VGG-style fully convolutional network with the 32s / 16s / 8s skip variants of Long et al.;
  :class:`UNet`, the U-Net of Ronneberger et al. (2015), small, with padding so that any input size works.
- :mod:`~coursekit.deep.losses`: :func:`dice_loss` (Milletari et al. 2016), :func:`cross_entropy` and
  :func:`combined_loss`, the training losses.
- :mod:`~coursekit.deep.training`: :func:`train_segmenter` trains on ``(images, masks)`` arrays as
  :func:`coursekit.data.synthetic_shapes` returns them and returns a :class:`TrainingHistory`; :func:`predict` gives
  label maps; :data:`RECOMMENDED_UNET` is the U-Net configuration the course trains (``benchmarks/bench_unet.py``
  measures whether it reaches a test mIoU of 0.90 within the CPU budget).
- :mod:`~coursekit.deep.receptive`: :func:`receptive_field`, the theoretical receptive field of a stack of
  (dilated) convolutions and poolings (Chen et al. 2017, 2018).

The building blocks of the networks (convolution blocks, FCN's bilinear upsampler, padding) are in
:mod:`coursekit.deep._layers`, the argument checks in :mod:`coursekit.deep._validate`.

This package imports torch: importing it *is* importing torch, and no classical chapter imports it (nor does
``import coursekit``). Everything else it needs (``coursekit.metrics``, ``tqdm``) is imported when first used.
``coursekit.models``, the name the notebooks use (``from coursekit import models``), is this package.

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

Examples
--------
>>> import torch
>>> net = UNet(in_channels=3, num_classes=4, base_channels=4, depth=2).eval()
>>> logits = net(torch.rand(1, 3, 20, 20))
>>> logits.shape
torch.Size([1, 4, 20, 20])
>>> loss = dice_loss(logits, torch.zeros(1, 20, 20, dtype=torch.long))
>>> 0 <= loss.item() <= 1
True
>>> receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])
15
"""

from .losses import combined_loss, cross_entropy, dice_loss
from .networks import FCN, UNet, convolutionalize
from .receptive import receptive_field
from .training import RECOMMENDED_UNET, TrainingHistory, predict, train_segmenter

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
