"""Segmentation metrics, all derived from one confusion matrix.

Notation (as in the lecture)
----------------------------
For ``C`` classes the confusion matrix ``cm`` is a ``(C, C)`` array of pixel counts whose **rows are the ground
truth (target)** and whose **columns are the prediction**: ``cm[i, j]`` is the number of pixels of true class ``i``
predicted as class ``j`` (``n_ij`` in Long et al. 2015). For a class ``c``, with ``A`` the set of pixels whose target
is ``c`` and ``B`` the set of pixels predicted as ``c``:

- ``TP_c = cm[c, c] = |A ∩ B|``                          (true positives: the diagonal)
- ``FN_c = cm[c, :].sum() - TP_c = |A \\ B|``             (false negatives: rest of the row)
- ``FP_c = cm[:, c].sum() - TP_c = |B \\ A|``             (false positives: rest of the column)
- ``IoU_c  = TP / (TP + FP + FN) = |A ∩ B| / |A ∪ B|``    (Jaccard index; "IU" in FCN, "IoU" in VOC, Cityscapes)
- ``Dice_c = 2 TP / (2 TP + FP + FN) = 2 |A ∩ B| / (|A| + |B|) = 2 IoU / (1 + IoU)``  (= F1 score)

Dataset-level semantics
-----------------------
As for the PASCAL VOC and Cityscapes benchmark tables, the confusion matrix is **accumulated over all images of a data
set first** and every metric is computed **once** from the total matrix. Averaging per-image IoUs gives different
(and, with classes missing from some images, ill-defined) numbers. Pass lists of label maps to
:func:`confusion_matrix` (their matrices are summed) or add matrices yourself.

Classes that never occur
------------------------
A class absent from both the target and the prediction (its row and column of ``cm`` are zero) has no defined
IoU, Dice, precision, recall or F1: those are ``NaN`` and mean values leave the class out (``np.nanmean``). A class
that is predicted but absent from the target gets IoU 0 (every pixel predicted as it is a false positive). The mean
pixel accuracy averages over the classes present in the target only.

References
----------
.. [1] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015,
   pp. 3431-3440. Section 5 defines pixel accuracy, mean accuracy, mean IU and frequency weighted IU from ``n_ij``.
.. [2] M. Everingham, L. Van Gool, C. K. I. Williams, J. Winn, A. Zisserman, "The PASCAL Visual Object Classes (VOC)
   Challenge", International Journal of Computer Vision 88(2):303-338, 2010. Segmentation accuracy
   ``TP / (TP + FP + FN)`` per class over the whole data set; "void" pixels (label 255) are not evaluated.
.. [3] M. Cordts, M. Omran, S. Ramos, T. Rehfeld, M. Enzweiler, R. Benenson, U. Franke, S. Roth, B. Schiele,
   "The Cityscapes Dataset for Semantic Urban Scene Understanding", CVPR 2016, pp. 3213-3223. IoU accumulated over
   the whole test set; pixels labelled 255 ("ignore") in ``trainId`` maps are not evaluated.
.. [4] L. R. Dice, "Measures of the Amount of Ecologic Association Between Species", Ecology 26(3):297-302, 1945.

Examples
--------
>>> import numpy as np
>>> target = np.array([[0, 0, 1], [1, 2, 2]])
>>> pred = np.array([[0, 1, 1], [1, 2, 0]])
>>> cm = confusion_matrix(pred, target, num_classes=3)
>>> cm
array([[1, 1, 0],
       [0, 2, 0],
       [1, 0, 1]])
>>> iou_per_class(cm)
array([0.33333333, 0.66666667, 0.5       ])
>>> mean_iou(cm)
0.5
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from ._checks import check_int_value as _check_int

__all__ = [
    "confusion_matrix",
    "pixel_accuracy",
    "mean_pixel_accuracy",
    "iou_per_class",
    "mean_iou",
    "frequency_weighted_iou",
    "dice_per_class",
    "mean_dice",
    "precision_recall_f1",
    "segmentation_report",
    "SegmentationReport",
]

_INT64_MIN = int(np.iinfo(np.int64).min)
_INT64_MAX = int(np.iinfo(np.int64).max)


# ---------------------------------------------------------------------------------------------------------------
# the confusion matrix




def _where(index: int, shape: tuple) -> str:
    """A flat index as the position in an array of ``shape`` (``(1, 2)``; ``()`` for a 0-d array)."""
    if not shape:
        return ""
    pos = tuple(int(i) for i in np.unravel_index(index, shape))
    return f" at index {pos[0] if len(pos) == 1 else pos}"


def _as_labels(a, name: str) -> np.ndarray:
    """A label map as an int64 array (the input itself is never modified); ValueError for non-integer labels."""
    arr = np.asarray(a)
    kind = arr.dtype.kind
    if kind == "b":
        return arr.astype(np.int64)
    if kind in "iu":
        if arr.dtype.itemsize == 8 and kind == "u" and arr.size and int(arr.max()) > _INT64_MAX:
            flat = int(np.argmax(arr.ravel() > _INT64_MAX))
            raise ValueError(f"{name} contains label {int(arr.ravel()[flat])}{_where(flat, arr.shape)}, which is far "
                             f"outside any valid range of class labels")
        return arr.astype(np.int64, copy=False)
    if kind in "fc" and arr.size and np.isnan(arr).any():
        flat = int(np.argmax(np.isnan(arr).ravel()))
        raise ValueError(f"{name} contains NaN{_where(flat, arr.shape)}; expected integer class labels")
    hint = ""
    if kind == "f":
        hint = f"; if the values are whole numbers, convert with {name.split('[')[0]}.astype(np.int64)"
    raise ValueError(f"{name} must hold integer class labels (an integer or bool dtype), given dtype "
                     f"{arr.dtype}{hint}")


def _check_range(values: np.ndarray, full: np.ndarray, keep, name: str, num_classes: int,
                 ignore_index: int | None) -> None:
    """ValueError naming the first label of ``values`` (the kept pixels of ``full``) outside ``[0, num_classes)``."""
    if values.size == 0:
        return
    if int(values.min()) >= 0 and int(values.max()) < num_classes:
        return
    bad = (full < 0) | (full >= num_classes)
    if keep is not None:
        bad &= keep
    flat = int(np.argmax(bad.ravel()))
    value = int(full.ravel()[flat])
    message = (f"{name} contains label {value}{_where(flat, full.shape)}, outside the valid range "
               f"[0, {num_classes}) for num_classes={num_classes}")
    if name.startswith("target"):
        if ignore_index is None:
            message += f"; if {value} marks pixels to leave out, pass ignore_index={value}"
        elif value != ignore_index:
            message += (f" (only pixels whose target equals ignore_index={ignore_index} are left out; "
                        f"if {value} marks pixels to leave out, pass ignore_index={value})")
    raise ValueError(message)


def _pairs(pred, target) -> list[tuple[object, object, str, str]]:
    """The (pred, target) pairs of a call with single arrays or with lists/tuples of arrays, and their names."""
    p_list, t_list = isinstance(pred, (list, tuple)), isinstance(target, (list, tuple))
    if p_list != t_list:
        which, other = ("pred", "target") if p_list else ("target", "pred")
        given = pred if p_list else target
        raise ValueError(f"{which} is a {type(given).__name__} of {len(given)} items but {other} is not: pass both "
                         f"as arrays (one label map) or both as lists of the same length (one item per image)")
    if not p_list:
        return [(pred, target, "pred", "target")]
    if len(pred) != len(target):
        raise ValueError(f"pred and target must be lists of the same length (one label map per image), given "
                         f"{len(pred)} predictions and {len(target)} targets")
    if len(pred) == 0:
        raise ValueError("empty input: pred and target are empty lists, expected at least one label map")
    return [(p, t, f"pred[{i}]", f"target[{i}]") for i, (p, t) in enumerate(zip(pred, target))]


def confusion_matrix(pred, target, num_classes: int, ignore_index: int | None = 255) -> np.ndarray:
    """Confusion matrix of a predicted label map against its ground truth, accumulated over a data set.

    ``cm[i, j]`` counts the pixels whose target (ground truth) is class ``i`` and whose prediction is class ``j``:
    **rows are the target, columns the prediction**, as ``n_ij`` in Long et al. (2015) and as
    ``sklearn.metrics.confusion_matrix(y_true, y_pred)``. The diagonal holds the true positives of each class, the
    rest of row ``c`` its false negatives and the rest of column ``c`` its false positives.

    Parameters
    ----------
    pred : array_like of int, or list/tuple of them
        Predicted class labels, any shape (one image ``(H, W)``, a batch ``(N, H, W)``, ...). A list or tuple of
        arrays (one per image, shapes may differ between images) is accumulated: the result is the sum of the
        matrices of the pairs, i.e. the matrix of all pixels of the data set.
    target : array_like of int, or list/tuple of them
        Ground-truth labels, the same shape as ``pred`` (or a list of the same length with matching shapes).
    num_classes : int
        Number of classes ``C >= 1``; valid labels are ``0, ..., C - 1``.
    ignore_index : int or None, default 255
        Pixels whose **target** equals this value are left out, whatever their prediction (PASCAL VOC and Cityscapes
        mark unlabelled or "void" pixels with 255). ``None`` evaluates every pixel.

    Returns
    -------
    numpy.ndarray of int64, shape (C, C)
        The confusion matrix; ``cm.sum()`` is the number of pixels evaluated.

    Raises
    ------
    ValueError
        When a label that is not left out lies outside ``[0, C)`` (in ``pred`` or in ``target``: the message names
        the value, where it was found and the valid range); when shapes differ; when lists have different lengths or
        only one argument is a list; when labels are not of an integer or bool dtype (float labels are refused even
        when whole, convert them with ``.astype(np.int64)``), or contain NaN; when ``num_classes`` is not an integer
        ``>= 1`` or ``ignore_index`` is not an integer or None; when the input is empty; when every pixel is ignored.

    Notes
    -----
    Labels are converted to int64 (``uint8`` arithmetic would overflow) and the pairs are counted in one pass with
    ``np.bincount(C * target + pred, minlength=C * C)``, so a 1024 x 2048 Cityscapes map takes milliseconds. Bool
    labels are read as 0 and 1. Only the pixels that are kept are checked against ``[0, C)``: the prediction of an
    ignored pixel may be anything. The inputs are never modified.

    Examples
    --------
    >>> import numpy as np
    >>> target = np.array([[0, 0, 1], [1, 2, 2]])
    >>> pred = np.array([[0, 1, 1], [1, 2, 0]])
    >>> confusion_matrix(pred, target, num_classes=3)
    array([[1, 1, 0],
           [0, 2, 0],
           [1, 0, 1]])

    VOC-style border pixels (255 in the target) are left out:

    >>> target = np.array([[0, 255, 1], [1, 1, 255]], dtype=np.uint8)
    >>> pred = np.array([[0, 0, 1], [0, 1, 1]], dtype=np.uint8)
    >>> confusion_matrix(pred, target, num_classes=2)
    array([[1, 0],
           [1, 2]])

    A list of images gives the matrix of the whole data set:

    >>> confusion_matrix([pred, pred[:1]], [target, target[:1]], num_classes=2)
    array([[2, 0],
           [1, 3]])

    >>> confusion_matrix(np.array([0, 3]), np.array([0, 1]), num_classes=3)
    Traceback (most recent call last):
        ...
    ValueError: pred contains label 3 at index 1, outside the valid range [0, 3) for num_classes=3
    """
    c = _check_int(num_classes, "num_classes", minimum=1)
    if ignore_index is not None:
        ignore_index = _check_int(ignore_index, "ignore_index")
    pairs = _pairs(pred, target)

    cm = np.zeros((c, c), dtype=np.int64)
    seen = 0
    for p_in, t_in, p_name, t_name in pairs:
        p_arr, t_arr = np.asarray(p_in), np.asarray(t_in)
        if p_arr.shape != t_arr.shape:
            raise ValueError(f"{p_name} and {t_name} must have the same shape, given {p_name}.shape={p_arr.shape} "
                             f"and {t_name}.shape={t_arr.shape}")
        t = _as_labels(t_arr, t_name)
        p = _as_labels(p_arr, p_name)
        seen += t.size
        if t.size == 0:
            continue
        if ignore_index is None or not _INT64_MIN <= ignore_index <= _INT64_MAX:
            keep = None
            t_kept, p_kept = t.ravel(), p.ravel()
        else:
            keep = t != ignore_index
            t_kept, p_kept = t[keep], p[keep]
        _check_range(t_kept, t, keep, t_name, c, ignore_index)
        _check_range(p_kept, p, keep, p_name, c, ignore_index)
        if t_kept.size:
            counts = np.bincount(t_kept * c + p_kept, minlength=c * c)
            cm += counts.reshape(c, c).astype(np.int64, copy=False)
    if seen == 0:
        raise ValueError("empty input: pred and target hold no pixel, expected at least one")
    if cm.sum() == 0:
        raise ValueError(f"no pixel left to evaluate: the target of every pixel is ignore_index={ignore_index}")
    return cm


# ---------------------------------------------------------------------------------------------------------------
# metrics of a confusion matrix


def _as_cm(cm) -> np.ndarray:
    """A validated confusion matrix as float64; ValueError saying what was expected and what was given."""
    arr = np.asarray(cm)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"cm must be a confusion matrix of counts (integer or float numbers), given dtype "
                         f"{arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"cm must be a square 2-D array of shape (C, C), given shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        i, j = (int(k) for k in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"cm must hold finite counts, given {arr[i, j]} at index ({i}, {j})")
    if arr.size and arr.min() < 0:
        i, j = (int(k) for k in np.argwhere(arr < 0)[0])
        raise ValueError(f"cm must hold non-negative counts, given {arr[i, j]} at index ({i}, {j})")
    out = arr.astype(np.float64)
    if out.sum() == 0:
        raise ValueError(f"empty confusion matrix: no pixel was evaluated (given a {arr.shape} matrix whose entries "
                         f"are all 0)")
    return out


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
        Confusion matrix, rows = target, columns = prediction (see :func:`confusion_matrix`); non-negative finite
        counts (integer or float) with a positive total.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        When ``cm`` is not a square 2-D array of non-negative finite numbers, or all its entries are 0.

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    numpy.ndarray of float64, shape (C,)
        IoU in ``[0, 1]``; ``NaN`` for a class absent from both target and prediction (``|A ∪ B| = 0``); 0 for a class
        predicted but absent from the target.

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    numpy.ndarray of float64, shape (C,)
        Dice in ``[0, 1]``; ``NaN`` for a class absent from both target and prediction, 0 for a class predicted but
        absent from the target.

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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
        Confusion matrix, rows = target, columns = prediction.

    Returns
    -------
    precision, recall, f1 : tuple of three numpy.ndarray of float64, shape (C,)

    Raises
    ------
    ValueError
        When ``cm`` is not a valid confusion matrix (see :func:`pixel_accuracy`).

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


# ---------------------------------------------------------------------------------------------------------------
# the report


def _pct(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{100.0 * value:.1f}"


def _count(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4g}"


def _readonly(a) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class SegmentationReport:
    """Every metric of one confusion matrix, with a table for printing.

    Build it with :func:`segmentation_report` (from label maps) or :meth:`from_confusion` (from a matrix). Its arrays
    are read-only. ``str(report)`` (and ``print(report)``) gives an aligned text table, values in percent with one
    decimal, ``n/a`` where a value is undefined (a class absent from target and prediction); in Jupyter the report
    displays as an HTML table.

    Attributes
    ----------
    confusion : numpy.ndarray, shape (C, C)
        The confusion matrix (rows = target, columns = prediction).
    class_names : tuple of str
        One name per class.
    pixel_accuracy, mean_pixel_accuracy, mean_iou, frequency_weighted_iou, mean_dice : float
        The summary metrics (fractions in ``[0, 1]``).
    iou, dice, precision, recall, f1 : numpy.ndarray of float64, shape (C,)
        The per-class metrics (``NaN`` for a class absent from target and prediction).
    """

    confusion: np.ndarray
    class_names: tuple
    pixel_accuracy: float
    mean_pixel_accuracy: float
    mean_iou: float
    frequency_weighted_iou: float
    mean_dice: float
    iou: np.ndarray
    dice: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray

    @classmethod
    def from_confusion(cls, cm, class_names=None) -> "SegmentationReport":
        """The report of a confusion matrix ``cm`` (rows = target, columns = prediction).

        Raises ValueError for an invalid ``cm`` (see :func:`pixel_accuracy`) or a wrong number of class names and
        TypeError when ``class_names`` is a single string.
        """
        m = np.asarray(cm)
        _as_cm(m)  # validate before anything else
        names = _class_names(class_names, m.shape[0])
        precision, recall, f1 = precision_recall_f1(m)
        return cls(
            confusion=_readonly(m),
            class_names=names,
            pixel_accuracy=pixel_accuracy(m),
            mean_pixel_accuracy=mean_pixel_accuracy(m),
            mean_iou=mean_iou(m),
            frequency_weighted_iou=frequency_weighted_iou(m),
            mean_dice=mean_dice(m),
            iou=_readonly(iou_per_class(m)),
            dice=_readonly(dice_per_class(m)),
            precision=_readonly(precision),
            recall=_readonly(recall),
            f1=_readonly(f1),
        )

    @property
    def num_classes(self) -> int:
        """Number of classes ``C``."""
        return int(self.confusion.shape[0])

    @property
    def support(self) -> np.ndarray:
        """Pixels of each class in the target (row sums of the confusion matrix)."""
        return self.confusion.sum(axis=1)

    _COLUMNS = ("pixels", "IoU", "Dice", "Precision", "Recall", "F1")
    _SUMMARY = (
        ("pixel accuracy", "pixel_accuracy"),
        ("mean pixel accuracy", "mean_pixel_accuracy"),
        ("mean IoU (mIoU)", "mean_iou"),
        ("frequency-weighted IoU", "frequency_weighted_iou"),
        ("mean Dice", "mean_dice"),
    )

    def _rows(self) -> list[list[str]]:
        return [[name, _count(n), _pct(i), _pct(d), _pct(p), _pct(r), _pct(f)]
                for name, n, i, d, p, r, f in zip(self.class_names, self.support, self.iou, self.dice,
                                                  self.precision, self.recall, self.f1)]

    def __str__(self) -> str:
        header = ["class", *self._COLUMNS]
        rows = self._rows()
        # metric columns are at least as wide as "100.0", so the layout does not depend on the values
        widths = [max([len(r[k]) for r in [header, *rows]] + [5 if k >= 2 else 0]) for k in range(len(header))]

        def line(cells):
            return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

        total = _count(self.confusion.sum())
        out = [f"Segmentation report: {self.num_classes} classes, {total} pixels evaluated (values in %)", "",
               line(header), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in rows]
        if any(np.isnan(self.iou)):
            out.append("n/a: class absent from both target and prediction")
        out.append("")
        label_width = max(len(label) for label, _ in self._SUMMARY)
        out += [f"{label.ljust(label_width)}  {_pct(getattr(self, attr)):>5}" for label, attr in self._SUMMARY]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in ("class", *self._COLUMNS))
        body = "".join("<tr>" + f"<td style='text-align:left'>{esc(r[0])}</td>"
                       + "".join(f"<td>{esc(c)}</td>" for c in r[1:]) + "</tr>" for r in self._rows())
        summary = "".join(f"<tr><td style='text-align:left'>{esc(label)}</td><td>{_pct(getattr(self, attr))}</td></tr>"
                          for label, attr in self._SUMMARY)
        return (f"<p>Segmentation report: {self.num_classes} classes, {esc(_count(self.confusion.sum()))} pixels "
                f"evaluated (values in %)</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<table><tbody>{summary}</tbody></table>")


def _class_names(class_names, num_classes: int) -> tuple:
    if class_names is None:
        return tuple(f"class {i}" for i in range(num_classes))
    if isinstance(class_names, (str, bytes)):
        raise TypeError(f"class_names must be a sequence of {num_classes} names, given a single string "
                        f"{class_names!r}")
    try:
        names = tuple(str(n) for n in class_names)
    except TypeError:
        raise TypeError(f"class_names must be a sequence of {num_classes} names, given "
                        f"{type(class_names).__name__}") from None
    if len(names) != num_classes:
        raise ValueError(f"class_names must have one name per class: expected {num_classes} names, given "
                         f"{len(names)}")
    return names


def segmentation_report(pred, target, num_classes: int, class_names=None,
                        ignore_index: int | None = 255) -> SegmentationReport:
    """Every metric of a prediction against its ground truth, as a printable :class:`SegmentationReport`.

    Parameters
    ----------
    pred, target : array_like of int, or lists/tuples of them
        Label maps, as for :func:`confusion_matrix` (lists are accumulated over the data set).
    num_classes : int
        Number of classes ``C``.
    class_names : sequence of str, optional
        ``C`` names; by default ``"class 0", "class 1", ...``.
    ignore_index : int or None, default 255
        Pixels whose target equals it are left out.

    Returns
    -------
    SegmentationReport
        Its fields hold the confusion matrix and every metric of this module; ``print`` it for a table.

    Raises
    ------
    ValueError
        For invalid label maps (see :func:`confusion_matrix`) or when ``class_names`` does not have ``C`` names.
    TypeError
        When ``class_names`` is a single string rather than a sequence of names.

    Examples
    --------
    >>> import numpy as np
    >>> target = np.array([[0, 0, 1], [1, 2, 2]])
    >>> pred = np.array([[0, 1, 1], [1, 2, 0]])
    >>> report = segmentation_report(pred, target, 4, class_names=["sky", "tree", "road", "car"])
    >>> report.mean_iou
    0.5
    >>> print(report)
    Segmentation report: 4 classes, 6 pixels evaluated (values in %)
    <BLANKLINE>
    class  pixels    IoU   Dice  Precision  Recall     F1
    -----  ------  -----  -----  ---------  ------  -----
    sky         2   33.3   50.0       50.0    50.0   50.0
    tree        2   66.7   80.0       66.7   100.0   80.0
    road        2   50.0   66.7      100.0    50.0   66.7
    car         0    n/a    n/a        n/a     n/a    n/a
    n/a: class absent from both target and prediction
    <BLANKLINE>
    pixel accuracy           66.7
    mean pixel accuracy      66.7
    mean IoU (mIoU)          50.0
    frequency-weighted IoU   50.0
    mean Dice                65.6
    """
    c = _check_int(num_classes, "num_classes", minimum=1)
    names = _class_names(class_names, c)  # check the names before the (possibly long) counting
    cm = confusion_matrix(pred, target, c, ignore_index=ignore_index)
    return SegmentationReport.from_confusion(cm, names)
