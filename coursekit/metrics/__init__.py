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

The package reads in three steps: :mod:`~coursekit.metrics.confusion` counts the matrix from label maps,
:mod:`~coursekit.metrics.scores` computes every metric from it, :mod:`~coursekit.metrics.report` gathers them in a
printable table.

Dataset-level semantics
-----------------------
As for the PASCAL VOC and Cityscapes benchmark tables, the confusion matrix is **accumulated over all images of a data
set first** and every metric is computed **once** from the total matrix. Averaging per-image IoUs gives different
(and, with classes missing from some images, ill-defined) numbers. Pass lists of label maps to
:func:`~.confusion.confusion_matrix` (their matrices are summed) or add matrices yourself.

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

from . import confusion, report, scores
from .confusion import confusion_matrix
from .report import SegmentationReport, segmentation_report
from .scores import (
    dice_per_class,
    frequency_weighted_iou,
    iou_per_class,
    mean_dice,
    mean_iou,
    mean_pixel_accuracy,
    pixel_accuracy,
    precision_recall_f1,
)

__all__ = [*confusion.__all__, *scores.__all__, *report.__all__]
