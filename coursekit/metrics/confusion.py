"""The confusion matrix of predicted label maps against their ground truth, accumulated over a data set.

``cm[i, j]`` counts the pixels whose target is class ``i`` and whose prediction is class ``j`` (rows are the target,
columns the prediction); every metric of :mod:`coursekit.metrics.scores` is computed from it.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_int_array, check_int, first_index

__all__ = ["confusion_matrix"]

_INT64_MIN = int(np.iinfo(np.int64).min)
_INT64_MAX = int(np.iinfo(np.int64).max)


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
    value = int(full[bad].ravel()[0]) if full.ndim else int(full)
    where = f" at index {first_index(bad)}" if full.ndim else ""
    message = (f"{name} contains label {value}{where}, outside the valid range [0, {num_classes}) for "
               f"num_classes={num_classes}")
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
    TypeError
        When ``num_classes`` is not an int, ``ignore_index`` not an int or None, or the labels are not numbers.
    ValueError
        When a label that is not left out lies outside ``[0, C)`` (in ``pred`` or in ``target``: the message names
        the value, where it was found and the valid range); when shapes differ; when lists have different lengths or
        only one argument is a list; when labels are numbers of a float dtype (refused even when whole: convert them
        with ``.astype(np.int64)``) or contain NaN; when ``num_classes < 1``; when the input is empty; when every
        pixel is ignored.

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
    c = check_int(num_classes, "num_classes", minimum=1)
    if ignore_index is not None:
        ignore_index = check_int(ignore_index, "ignore_index")
    pairs = _pairs(pred, target)

    cm = np.zeros((c, c), dtype=np.int64)
    seen = 0
    for p_in, t_in, p_name, t_name in pairs:
        t = as_int_array(t_in, t_name, "integer class labels", bool_ok=True)
        p = as_int_array(p_in, p_name, "integer class labels", bool_ok=True)
        if p.shape != t.shape:
            raise ValueError(f"{p_name} and {t_name} must have the same shape, given {p_name}.shape={p.shape} "
                             f"and {t_name}.shape={t.shape}")
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

