"""The metrics of a confusion matrix: pixel accuracy, IoU, Dice, precision, recall and F1, per class and averaged.

Every function takes ``cm``, a ``(C, C)`` confusion matrix (rows = target, columns = prediction, as
:func:`~coursekit.metrics.confusion.confusion_matrix` returns it) of non-negative finite counts, integer or float,
with a positive total. It raises ``TypeError`` when ``cm`` does not hold real numbers and ``ValueError`` when it is
not square and 2-D, holds a negative count, NaN or infinity, or only zeros.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, first_index

__all__ = [
    "pixel_accuracy",
    "mean_pixel_accuracy",
    "iou_per_class",
    "mean_iou",
    "frequency_weighted_iou",
    "dice_per_class",
    "mean_dice",
    "precision_recall_f1",
]


def _as_cm(cm) -> np.ndarray:
    """A checked confusion matrix as float64 (what is refused, and how, is in the module's docstring)."""
    m = as_real_array(cm, "cm")
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"cm must be a square 2-D array of shape (C, C), given shape {m.shape}")
    negative = m < 0
    if negative.any():
        raise ValueError(f"cm must hold non-negative counts, given {m[negative][0]:g} at index "
                         f"{first_index(negative)}")
    if m.sum() == 0:
        raise ValueError(f"empty confusion matrix: no pixel was evaluated (given a {m.shape} matrix whose entries "
                         f"are all 0)")
    return m


def _parts(cm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TP (diagonal), row sums ``|A| = TP + FN`` (target) and column sums ``|B| = TP + FP`` (prediction)."""
    m = _as_cm(cm)
    return np.diag(m).copy(), m.sum(axis=1), m.sum(axis=0)


def _ratio(num: np.ndarray, den: np.ndarray, absent: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` and NaN where ``absent``."""
    out = np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)
    out[absent] = np.nan
    return out


def pixel_accuracy(cm) -> float:
    """Fraction of the evaluated pixels whose prediction is correct: ``trace(cm) / cm.sum()``.

    ``sum_i n_ii / sum_i t_i`` in Long et al. (2015). Dominated by the large classes (background, road, sky).

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix, rows = target, columns = prediction (see
        :func:`~coursekit.metrics.confusion.confusion_matrix`); non-negative finite counts (integer or float) with a
        positive total.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    TypeError
        When ``cm`` does not hold real numbers (strings, bools, complex numbers).
    ValueError
        When ``cm`` is not a square 2-D array of non-negative finite numbers, or all its entries are 0. Every
        function of this module checks ``cm`` the same way.

    Examples
    --------
    >>> pixel_accuracy([[1, 1, 0], [0, 2, 0], [1, 0, 1]])  # 4 of 6 pixels on the diagonal
    0.6666666666666666
    """
    m = _as_cm(cm)
    return float(np.trace(m) / m.sum())


def mean_pixel_accuracy(cm) -> float:
    """Per-class pixel accuracy (recall) ``TP / (TP + FN)``, averaged over the classes present in the target.

    "Mean accuracy" ``(1 / n_cl) sum_i n_ii / t_i`` of Long et al. (2015); a class with no pixel in the target
    (row sum 0, ``t_i = 0``) has no accuracy and is left out of the mean, like
    ``sklearn.metrics.balanced_accuracy_score``.

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix; the classes whose row sums to 0 (absent from the target) are left out.

    Returns
    -------
    float
        The mean of the per-class recalls, in ``[0, 1]``.

    Examples
    --------
    >>> mean_pixel_accuracy([[1, 1, 0], [0, 2, 0], [1, 0, 1]])  # mean of 1/2, 2/2, 1/2
    0.6666666666666666
    >>> mean_pixel_accuracy([[3, 1], [0, 0]])  # class 1 never occurs in the target
    0.75
    """
    tp, rows, _ = _parts(cm)
    present = rows > 0
    return float(np.mean(tp[present] / rows[present]))


def iou_per_class(cm) -> np.ndarray:
    """Intersection over union (Jaccard index) of each class: ``TP / (TP + FP + FN) = |A ∩ B| / |A ∪ B|``.

    ``A`` is the set of pixels of the class in the target, ``B`` the set predicted as the class. This is the
    "segmentation accuracy" of PASCAL VOC (Everingham et al. 2010), the per-class IoU of Cityscapes (Cordts et al.
    2016) and ``n_ii / (t_i + sum_j n_ji - n_ii)`` of Long et al. (2015).

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix, rows = target, columns = prediction: ``|A|`` the row sums, ``|B|`` the column sums.

    Returns
    -------
    numpy.ndarray of float64, shape (C,)
        IoU in ``[0, 1]``; ``NaN`` for a class absent from both target and prediction (``|A ∪ B| = 0``); 0 for a class
        predicted but absent from the target.

    Examples
    --------
    >>> iou_per_class([[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    array([0.33333333, 0.66666667, 0.5       ])
    >>> iou_per_class([[2, 1, 0], [0, 1, 0], [0, 0, 0]])  # class 2 absent from target and prediction
    array([0.66666667, 0.5       ,        nan])
    """
    tp, rows, cols = _parts(cm)
    union = rows + cols - tp  # TP + FN + FP
    return _ratio(tp, union, absent=(rows + cols) == 0)


def mean_iou(cm) -> float:
    """Mean IoU (mIoU) over the classes that occur in the target or the prediction.

    ``np.nanmean(iou_per_class(cm))``: a class absent from both (IoU ``NaN``) is left out; a class predicted but
    absent from the target counts with IoU 0. The headline number of PASCAL VOC and Cityscapes tables ("mean IU" in
    Long et al. 2015).

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix; the classes absent from both target and prediction are left out.

    Returns
    -------
    float
        The mean of the defined IoUs, in ``[0, 1]``.

    Examples
    --------
    >>> mean_iou([[1, 1, 0], [0, 2, 0], [1, 0, 1]])  # mean of 1/3, 2/3, 1/2
    0.5
    >>> mean_iou([[2, 1, 0], [0, 1, 0], [0, 0, 0]])  # class 2 left out: mean of 2/3, 1/2
    0.5833333333333333
    """
    iou = iou_per_class(cm)
    return float(np.mean(iou[~np.isnan(iou)]))


def frequency_weighted_iou(cm) -> float:
    """IoU of each class weighted by its frequency in the target: ``sum_c (|A_c| / N) IoU_c``.

    "Frequency weighted IU" ``(sum_k t_k)^-1 sum_i t_i n_ii / (t_i + sum_j n_ji - n_ii)`` of Long et al. (2015),
    with ``t_i`` the row sums and ``N`` the number of pixels evaluated. A class with IoU ``NaN`` (absent from target
    and prediction) has frequency 0 and contributes 0; so does a class predicted but absent from the target.

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix; its row sums divided by its total are the classes' frequencies in the target.

    Returns
    -------
    float
        The frequency-weighted sum of the IoUs, in ``[0, 1]``.

    Examples
    --------
    >>> frequency_weighted_iou([[1, 1, 0], [0, 2, 0], [1, 0, 1]])  # (2/6)(1/3) + (2/6)(2/3) + (2/6)(1/2)
    0.5
    """
    m = _as_cm(cm)
    freq = m.sum(axis=1) / m.sum()
    iou = iou_per_class(m)
    known = ~np.isnan(iou)
    return float(np.sum(freq[known] * iou[known]))


def dice_per_class(cm) -> np.ndarray:
    """Dice coefficient of each class: ``2 TP / (2 TP + FP + FN) = 2 |A ∩ B| / (|A| + |B|) = 2 IoU / (1 + IoU)``.

    Equal to the F1 score of the class (Dice 1945). Monotone in IoU, so it ranks predictions of one class the same
    way, but it is larger: IoU 0.5 is Dice 0.667.

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix, rows = target, columns = prediction; ``|A| + |B|`` is a row sum plus a column sum.

    Returns
    -------
    numpy.ndarray of float64, shape (C,)
        Dice in ``[0, 1]``; ``NaN`` for a class absent from both target and prediction, 0 for a class predicted but
        absent from the target.

    Examples
    --------
    >>> dice_per_class([[1, 1, 0], [0, 2, 0], [1, 0, 1]])  # 2/4, 4/5, 2/3
    array([0.5       , 0.8       , 0.66666667])
    """
    tp, rows, cols = _parts(cm)
    return _ratio(2.0 * tp, rows + cols, absent=(rows + cols) == 0)


def mean_dice(cm) -> float:
    """Mean Dice over the classes that occur in the target or the prediction: ``np.nanmean(dice_per_class(cm))``.

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix; as for :func:`mean_iou`, a class absent from target and prediction is left out.

    Returns
    -------
    float
        The mean of the defined Dice coefficients, in ``[0, 1]``.

    Examples
    --------
    >>> round(mean_dice([[1, 1, 0], [0, 2, 0], [1, 0, 1]]), 6)  # (1/2 + 4/5 + 2/3) / 3 = 59/90
    0.655556
    """
    dice = dice_per_class(cm)
    return float(np.mean(dice[~np.isnan(dice)]))


def precision_recall_f1(cm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision ``TP / (TP + FP)``, recall ``TP / (TP + FN)`` and F1 ``2 P R / (P + R)`` of each class.

    Precision is the fraction of the pixels predicted as the class that are correct (``|A ∩ B| / |B|``), recall the
    fraction of the class's target pixels that are found (``|A ∩ B| / |A|``); F1 equals the Dice coefficient.

    Undefined ratios follow ``sklearn.metrics.precision_recall_fscore_support(..., zero_division=0)``, except for
    classes that do not occur at all:

    - a class absent from both target and prediction: ``NaN`` in all three (like IoU and Dice);
    - any other ``0 / 0`` is 0: a class present in the target but never predicted has precision 0 (and recall 0,
      F1 0); a class predicted but absent from the target has recall 0 (and precision 0, F1 0);
    - F1 is 0 where ``P + R = 0``.

    Parameters
    ----------
    cm : array_like, shape (C, C)
        Confusion matrix; precision divides by its column sums, recall by its row sums.

    Returns
    -------
    precision, recall, f1 : tuple of three numpy.ndarray of float64, shape (C,)

    Examples
    --------
    >>> precision, recall, f1 = precision_recall_f1([[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    >>> precision  # 1/2, 2/3, 1/1 (column sums 2, 3, 1)
    array([0.5       , 0.66666667, 1.        ])
    >>> recall  # 1/2, 2/2, 1/2 (row sums 2, 2, 2)
    array([0.5, 1. , 0.5])
    >>> f1
    array([0.5       , 0.8       , 0.66666667])
    """
    tp, rows, cols = _parts(cm)
    absent = (rows + cols) == 0
    precision = _ratio(tp, cols, absent)
    recall = _ratio(tp, rows, absent)
    f1 = _ratio(2.0 * precision * recall, precision + recall, absent)
    return precision, recall, f1

