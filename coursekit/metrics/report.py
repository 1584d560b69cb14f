"""Every metric of one confusion matrix in a printable report (a text table, and an HTML table in Jupyter)."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .._checks import check_int
from . import scores
from .confusion import confusion_matrix

__all__ = ["segmentation_report", "SegmentationReport"]


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

        Raises as :func:`~coursekit.metrics.scores.pixel_accuracy` does for an invalid ``cm``, ValueError for a
        wrong number of class names and TypeError when ``class_names`` is a single string.
        """
        m = np.asarray(cm)
        scores._as_cm(m)  # validate before anything else
        names = _class_names(class_names, m.shape[0])
        precision, recall, f1 = scores.precision_recall_f1(m)
        return cls(
            confusion=_readonly(m),
            class_names=names,
            pixel_accuracy=scores.pixel_accuracy(m),
            mean_pixel_accuracy=scores.mean_pixel_accuracy(m),
            mean_iou=scores.mean_iou(m),
            frequency_weighted_iou=scores.frequency_weighted_iou(m),
            mean_dice=scores.mean_dice(m),
            iou=_readonly(scores.iou_per_class(m)),
            dice=_readonly(scores.dice_per_class(m)),
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
        Label maps, as for :func:`~coursekit.metrics.confusion.confusion_matrix` (lists are accumulated over the
        data set).
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
    TypeError
        When ``class_names`` is a single string rather than a sequence of names, and for arguments of the wrong
        kind (see :func:`~coursekit.metrics.confusion.confusion_matrix`).
    ValueError
        For invalid label maps (see :func:`~coursekit.metrics.confusion.confusion_matrix`) or when ``class_names``
        does not have ``C`` names.

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
    c = check_int(num_classes, "num_classes", minimum=1)
    names = _class_names(class_names, c)  # check the names before the (possibly long) counting
    cm = confusion_matrix(pred, target, c, ignore_index=ignore_index)
    return SegmentationReport.from_confusion(cm, names)
