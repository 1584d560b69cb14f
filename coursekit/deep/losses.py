"""Training losses of segmentation networks: soft Dice, pixel-wise cross-entropy, and their sum.

- :func:`dice_loss`: one minus the mean over the classes of a differentiable Dice coefficient (Milletari et al.
  2016), one Dice per class for the whole batch.
- :func:`cross_entropy`: the pixel-wise cross-entropy of Long et al. (2015), averaged over the kept pixels.
- :func:`combined_loss`: cross-entropy plus Dice, the ``"ce+dice"`` loss that
  :func:`coursekit.deep.training.train_segmenter` uses by default.

Each takes ``(N, C, H, W)`` logits and ``(N, H, W)`` integer labels; pixels whose label is ``ignore_index`` (255, as
in PASCAL VOC) are left out.

References
----------
.. [1] F. Milletari, N. Navab, S.-A. Ahmadi, "V-Net: fully convolutional neural networks for volumetric medical image
   segmentation", 3DV 2016.
.. [2] J. Long, E. Shelhamer, T. Darrell, "Fully convolutional networks for semantic segmentation", CVPR 2015.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .._checks import check_nonneg, check_positive
from ._validate import check_ignore_index, check_logits_target

__all__ = ["dice_loss", "cross_entropy", "combined_loss"]


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
    ignore_index = check_ignore_index(ignore_index)
    eps = check_positive(eps, "eps")
    check_logits_target(logits, target, ignore_index, "dice_loss")
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
    ignore_index = check_ignore_index(ignore_index)
    check_logits_target(logits, target, ignore_index, "cross_entropy")
    return F.cross_entropy(logits, target.long(), ignore_index=-100 if ignore_index is None else ignore_index)


def combined_loss(logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None = 255,
                  dice_weight: float = 1.0) -> torch.Tensor:
    """Cross-entropy plus Dice: ``cross_entropy(logits, target) + dice_weight * dice_loss(logits, target)``.

    The cross-entropy gives every pixel a well-scaled gradient from the start; the Dice term weighs each class by its
    own size, so the small shapes are not swamped by the background (about 84 % of the pixels of
    :func:`coursekit.data.synthetic_shapes`). The ``"ce+dice"`` loss of
    :func:`coursekit.deep.training.train_segmenter`.

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

    Raises
    ------
    TypeError, ValueError
        As :func:`dice_loss`; and for a ``dice_weight`` that is not a number (TypeError) or not finite and ``>= 0``
        (ValueError).

    Examples
    --------
    >>> import torch
    >>> logits, target = torch.zeros(1, 2, 2, 2), torch.tensor([[[0, 1], [1, 1]]])
    >>> round(float(combined_loss(logits, target)), 4)  # log 2 + the Dice loss 0.4167 of p = 1/2
    1.1098
    """
    dice_weight = check_nonneg(dice_weight, "dice_weight")
    loss = cross_entropy(logits, target, ignore_index)
    if dice_weight:
        loss = loss + dice_weight * dice_loss(logits, target, ignore_index)
    return loss


#: The losses :func:`coursekit.deep.training.train_segmenter` knows by name.
LOSSES = {"ce": cross_entropy, "dice": dice_loss, "ce+dice": combined_loss}
