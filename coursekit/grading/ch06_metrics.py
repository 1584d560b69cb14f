"""Exercises of the metrics chapter (``06_metrics``): the confusion matrix and the metrics derived from it.

Public cases are small, fixed and cover the traps the chapter teaches, each tagged with its kind
(``Case.kind``). For ``confusion_matrix``: VOC's 255 border label (the default
``ignore_index``), another ``ignore_index`` and ``ignore_index=None`` (nothing is left out, so a 255 must raise), a
class absent from target and prediction, a batch of maps (3-D arrays), ``uint8`` masks as read from PNG files with
enough classes (VOC's 21) that ``num_classes * target + pred`` overflows ``uint8``, out-of-range labels in the
prediction or the target, which must raise ``ValueError``, and out-of-range predictions on ignored pixels only, which
must not (the range is checked after the ignored pixels are left out). For the metrics of a matrix: a class absent from the
target but predicted, a class absent from both (NaN), a class present but never predicted, a large background class,
a single class. Hidden cases are random, and every hidden set holds the same kinds with random sizes and counts, so a
submission's hidden score does not depend on luck.
"""

from __future__ import annotations

import numpy as np

from .compare import allclose, exact
from .registry import Case, Exercise, chapter

NOTEBOOK = "06_metrics"

#: Every metrics exercise must be written from scratch: no coursekit.metrics, no scikit-learn metrics.
_FORBIDDEN = (
    "coursekit.metrics",
    "sklearn.metrics.confusion_matrix",
    "sklearn.metrics.accuracy_score",
    "sklearn.metrics.balanced_accuracy_score",
    "sklearn.metrics.jaccard_score",
    "sklearn.metrics.f1_score",
    "sklearn.metrics.precision_score",
    "sklearn.metrics.recall_score",
    "sklearn.metrics.precision_recall_fscore_support",
)


# ---------------------------------------------------------------------------------------------------------------
# cases for the functions of a confusion matrix


def _public_matrices() -> list[Case]:
    m = lambda rows: np.array(rows, dtype=np.int64)  # noqa: E731
    return [
        Case((m([[50, 10], [5, 35]]),), label="two classes, both present", kind="all present"),
        Case((m([[10, 2, 0], [1, 8, 3], [0, 4, 12]]),), label="three classes, all present", kind="all present"),
        Case((m([[5, 1, 2], [0, 6, 1], [0, 0, 0]]),), label="class 2 predicted but absent from the target",
             kind="predicted, absent from target"),
        Case((m([[5, 1, 0], [2, 3, 0], [0, 0, 0]]),), label="class 2 absent from target and prediction",
             kind="absent from both"),
        Case((m([[9000, 20, 30], [40, 5, 5], [60, 0, 10]]),), label="imbalanced: a large background class",
             kind="imbalanced"),
        Case((m([[4, 0, 0], [3, 0, 0], [0, 0, 6]]),), label="class 1 present but never predicted",
             kind="never predicted"),
        Case((m([[37]]),), label="a single class: a 1 x 1 matrix", kind="single class"),
    ]


def _random_matrix(rng: np.random.Generator, c: int, scale: int = 200) -> np.ndarray:
    cm = rng.integers(0, scale, size=(c, c))
    cm[np.diag_indices(c)] += rng.integers(scale, 5 * scale, size=c)  # a sensible classifier: diagonal-heavy
    cm[rng.random((c, c)) < 0.3] = 0
    cm[np.diag_indices(c)] = np.maximum(cm[np.diag_indices(c)], 1)
    return cm.astype(np.int64)


def _hidden_matrices(rng: np.random.Generator) -> list[Case]:
    cases = []
    c = int(rng.integers(2, 9))
    cases.append(Case((_random_matrix(rng, c),), label=f"{c} classes, all present", kind="all present"))
    c = int(rng.integers(3, 9))
    cm, k = _random_matrix(rng, c), int(rng.integers(0, c))
    cm[k, :] = 0
    cm[:, k] = 0
    cases.append(Case((cm,), label=f"{c} classes, class {k} absent from target and prediction",
                      kind="absent from both"))
    c = int(rng.integers(3, 9))
    cm, k = _random_matrix(rng, c), int(rng.integers(0, c))
    cm[k, :] = 0
    cm[(k + 1) % c, k] = int(rng.integers(1, 50))
    cases.append(Case((cm,), label=f"{c} classes, class {k} predicted but absent from the target",
                      kind="predicted, absent from target"))
    c = int(rng.integers(3, 9))
    cm, k = _random_matrix(rng, c), int(rng.integers(0, c))
    cm[:, k] = 0
    cm[k, (k + 1) % c] = int(rng.integers(1, 50))
    cases.append(Case((cm,), label=f"{c} classes, class {k} present but never predicted", kind="never predicted"))
    c = int(rng.integers(4, 12))
    cm = _random_matrix(rng, c)
    cm[0, 0] = int(rng.integers(10**5, 10**7))  # a background class that dwarfs the others
    absent = rng.choice(np.arange(1, c), size=2, replace=False)
    cm[absent[0], :] = 0
    cm[:, absent[0]] = 0
    cm[absent[1], :] = 0
    cases.append(Case((cm,), label=f"imbalanced: {c} classes, a large background class, classes "
                                    f"{sorted(absent.tolist())} absent from the target", kind="imbalanced"))
    cases.append(Case((np.array([[int(rng.integers(1, 1000))]], dtype=np.int64),), label="a single class",
                      kind="single class"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# cases for confusion_matrix(pred, target, num_classes, ignore_index=255)


def _public_label_maps() -> list[Case]:
    target = np.array([[0, 0, 1], [1, 2, 2]])
    pred = np.array([[0, 1, 1], [1, 2, 0]])
    border = np.array([[0, 0, 255, 1], [0, 255, 1, 1], [255, 2, 2, 2]])
    border_pred = np.array([[0, 0, 1, 1], [0, 0, 1, 2], [2, 2, 2, 0]])
    rng = np.random.default_rng(2024)  # fixed: these cases are public
    t = rng.integers(0, 5, size=(16, 16))
    t[:, 12:] = 4
    p = np.where(rng.random((16, 16)) < 0.8, t, rng.integers(0, 4, size=(16, 16)))
    # VOC: 21 classes in uint8 PNG masks with a 255 border; 21 * target + pred exceeds 255 for targets >= 13
    voc_t = rng.integers(0, 21, size=(12, 16))
    voc_t[rng.random(voc_t.shape) < 0.1] = 255
    voc_p = np.where(rng.random(voc_t.shape) < 0.7, voc_t, rng.integers(0, 21, size=voc_t.shape))
    voc_p[voc_t == 255] = rng.integers(0, 21, size=int((voc_t == 255).sum()))
    batch_t = rng.integers(0, 3, size=(2, 3, 4))
    batch_p = np.where(rng.random(batch_t.shape) < 0.7, batch_t, rng.integers(0, 3, size=batch_t.shape))
    return [
        Case((pred, target, 3), label="a 2x3 example with three classes", kind="basic"),
        Case((border_pred, border, 3), label="VOC-style border pixels labelled 255 in the target are ignored",
             kind="ignore 255"),
        Case((np.where(border == 255, 255, border_pred), border, 3),
             label="pred is 255 where the target is 255: ignored pixels are left out before the range check, so "
                   "nothing is raised", kind="ignored pixels: pred not checked"),
        Case((pred, target, 4), label="class 3 absent from target and prediction: its row and column are zero",
             kind="absent class"),
        Case((voc_p.astype(np.uint8), voc_t.astype(np.uint8), 21),
             label="uint8 label maps as read from VOC's PNG masks, 21 classes and a 255 border: "
                   "21 * target + pred overflows uint8 (cast to int64 first)",
             kind="uint8 overflow"),
        Case((batch_p, batch_t, 3), label="a batch of 2 label maps: 3-D arrays of shape (2, 3, 4)", kind="batch"),
        Case((np.array([[0, 3], [1, 1]]), np.array([[0, 1], [1, 1]]), 3),
             label="a predicted label outside [0, num_classes) must raise ValueError",
             kind="raises: pred out of range"),
        Case((np.array([[0, 1], [1, 1]]), np.array([[0, -1], [1, 1]]), 3),
             label="a target label outside [0, num_classes) that is not ignore_index must raise ValueError",
             kind="raises: target out of range"),
        Case((p, t, 5), {"ignore_index": 4}, label="ignore_index=4: pixels whose target is 4 are left out",
             kind="ignore_index"),
        Case((pred, target, 3), {"ignore_index": None}, label="ignore_index=None: every pixel counts",
             kind="ignore_index None"),
        Case((border_pred, border, 3), {"ignore_index": None},
             label="ignore_index=None leaves out nothing: the target's 255 is out of range, raise ValueError",
             kind="raises: 255 with ignore_index None"),
    ]


def _hidden_label_maps(rng: np.random.Generator) -> list[Case]:
    def maps(c, shape, dtype=np.int64, ignore=255, ignore_fraction=0.1, labels=None):
        t = rng.choice(np.arange(c) if labels is None else np.asarray(labels), size=shape)
        p = np.where(rng.random(shape) < 0.7, t, rng.choice(np.unique(t), size=shape))
        if ignore is not None:
            t = np.where(rng.random(shape) < ignore_fraction, ignore, t)
        return p.astype(dtype), t.astype(dtype)

    def size(lo, hi):
        return tuple(int(s) for s in rng.integers(lo, hi, size=2))

    cases = []
    c = int(rng.integers(2, 8))
    cases.append(Case((*maps(c, size(3, 20), ignore=None), c), label=f"{c} classes, every pixel labelled",
                      kind="basic"))
    c = int(rng.integers(2, 8))
    shape = size(5, 40)
    cases.append(Case((*maps(c, shape), c), label=f"{c} classes on a {shape} map with 255 pixels", kind="ignore 255"))
    c = int(rng.integers(2, 8))
    p, t = maps(c, size(5, 30), ignore_fraction=0.2)
    t[0, 0] = 255
    p[t == 255] = rng.choice([255, c, c + 7], size=int((t == 255).sum()))
    cases.append(Case((p, t, c), label="pred out of range only where the target is 255: ignored pixels are left out "
                                       "before the range check, so nothing is raised",
                      kind="ignored pixels: pred not checked"))
    c = int(rng.integers(3, 8))
    k = int(rng.integers(0, c))
    p, t = maps(c, size(5, 30), labels=[j for j in range(c) if j != k])
    cases.append(Case((p, t, c), label=f"{c} classes, class {k} absent from target and prediction",
                      kind="absent class"))
    c = int(rng.integers(15, 39))
    p, t = maps(c, size(8, 30), dtype=np.uint8)
    t[0, 0], p[0, 0] = c - 1, c - 1  # num_classes * target + pred > 255 on a kept pixel, at least
    cases.append(Case((p, t, c + 2), label=f"uint8 maps, {c + 2} classes of which the last two never occur: "
                                          f"{c + 2} * target + pred overflows uint8", kind="uint8 overflow"))
    c = int(rng.integers(2, 6))
    p, t = maps(c, (int(rng.integers(2, 5)), int(rng.integers(5, 20)), int(rng.integers(5, 20))), ignore=None)
    cases.append(Case((p, t, c), label="a batch of label maps (3-D arrays) with no ignored pixel", kind="batch"))
    c = int(rng.integers(2, 6))
    p, t = maps(c, size(10, 30), ignore=-1, ignore_fraction=0.2)
    cases.append(Case((p, t, c), {"ignore_index": -1}, label="ignore_index=-1", kind="ignore_index"))
    c = int(rng.integers(2, 6))
    p, t = maps(c, size(3, 20), ignore=None)
    cases.append(Case((p, t, c), {"ignore_index": None}, label="ignore_index=None: every pixel counts",
                      kind="ignore_index None"))
    c = int(rng.integers(2, 6))
    p, t = maps(c, size(10, 30))
    i, j = int(rng.integers(0, p.shape[0])), int(rng.integers(0, p.shape[1]))
    p[i, j] = c
    t[i, j] = min(t[i, j], c - 1)  # a kept pixel: the predictions of ignored pixels are not checked
    cases.append(Case((p, t, c), label="a predicted label equal to num_classes must raise ValueError",
                      kind="raises: pred out of range"))
    c = int(rng.integers(2, 6))
    p, t = maps(c, size(10, 30), ignore=None)
    t[int(rng.integers(0, t.shape[0])), int(rng.integers(0, t.shape[1]))] = -3
    cases.append(Case((p, t, c), label="a negative target label must raise ValueError",
                      kind="raises: target out of range"))
    c = int(rng.integers(2, 6))
    p, t = maps(c, size(5, 20), ignore_fraction=0.3)
    t[0, 0] = 255
    cases.append(Case((p, t, c), {"ignore_index": None},
                      label="ignore_index=None with pixels labelled 255 in the target: 255 is out of range, raise "
                            "ValueError", kind="raises: 255 with ignore_index None"))
    return cases


# ---------------------------------------------------------------------------------------------------------------
# the exercises

exercise = chapter(NOTEBOOK, forbidden=_FORBIDDEN)

def _metric(name: str, points: float, hint: str, compare=None) -> Exercise:
    return exercise(id=f"metrics.{name}", function=name, reference=f"coursekit.metrics.{name}",
                    public=_public_matrices, hidden=_hidden_matrices,
                    compare=compare or allclose(rtol=1e-9, atol=1e-12), points=points, hint=hint)


exercise(
    id="metrics.confusion_matrix", function="confusion_matrix", reference="coursekit.metrics.confusion_matrix",
    public=_public_label_maps, hidden=_hidden_label_maps, compare=exact(), points=2,
    hint="drop the pixels whose target is ignore_index first, check the range of what is left, then count pairs "
         "with np.bincount(num_classes * target + pred, minlength=num_classes**2) on int64 copies "
         "(uint8 arithmetic overflows) and reshape to (C, C).",
)

_metric("pixel_accuracy", 1, "correct pixels are on the diagonal: trace over total.")
_metric("mean_pixel_accuracy", 1,
        "average diag / row sum over the classes that occur in the target (row sum > 0) only.")
_metric("iou_per_class", 2,
        "IoU_c = TP / (TP + FP + FN) with TP the diagonal, FP = column sum - TP, FN = row sum - TP; "
        "a class absent from target and prediction has 0/0: make it NaN (np.nan), not 0.")
_metric("mean_iou", 1, "the mean of the per-class IoU over the classes that have one: np.nanmean.")
_metric("dice_per_class", 1, "Dice_c = 2 TP / (2 TP + FP + FN), NaN where the class is absent from both.")
_metric("precision_recall_f1", 2,
        "precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R); NaN for a class absent from "
        "target and prediction, 0 for any other 0/0.",
        compare=allclose(rtol=1e-9, atol=1e-12, names=("precision", "recall", "f1")))


# ---------------------------------------------------------------------------------------------------------------
# the demo's partially correct submission: solutions for some exercises, plausible mistakes for others, and the
# rest left as submitted stubs (precision_recall_f1). `coursekit samples` builds it from the released notebook.

PARTIAL_SAMPLE = {
    "correct": ("confusion_matrix", "pixel_accuracy", "mean_pixel_accuracy", "dice_per_class"),
    "wrong": {
        "iou_per_class": '''def iou_per_class(cm):
    # Mistake: a class absent from target and prediction gets 0 instead of NaN.
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    return tp / np.maximum(cm.sum(axis=0) + cm.sum(axis=1) - tp, 1)''',
        "mean_iou": '''def mean_iou(cm):
    # Mistake: averages every class, absent ones included.
    return float(np.mean(iou_per_class(cm)))''',
    },
}
