"""Tests of coursekit.metrics.

Expected values come from scikit-learn (an independent implementation), from formulas written out here, or from small
examples worked by hand in comments; never from the code under test.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from coursekit import metrics as M

IGNORE = 255


# ---------------------------------------------------------------------------------------------------------------
# random label maps with classes absent from the target, from the prediction, from both


def _random_maps(seed: int, c: int, shape=(17, 23), ignore_fraction: float = 0.1):
    """(pred, target) with ~ignore_fraction of target pixels set to 255; each class is, at random, present in both,
    in the target only, in the prediction only, or in neither (at least one class is present in both)."""
    rng = np.random.default_rng(seed)
    role = rng.integers(0, 4, size=c)  # 0: both, 1: target only, 2: pred only, 3: neither
    role[rng.integers(0, c)] = 0
    in_t = np.flatnonzero((role == 0) | (role == 1))
    in_p = np.flatnonzero((role == 0) | (role == 2))
    target = rng.choice(in_t, size=shape)
    copy = (rng.random(shape) < 0.6) & np.isin(target, in_p)
    pred = np.where(copy, target, rng.choice(in_p, size=shape))
    # make sure every class of its role really occurs (a random draw could miss it on a small map)
    flat_t, flat_p = target.reshape(-1), pred.reshape(-1)
    for k, cls in enumerate(in_t):
        flat_t[k] = cls
    for k, cls in enumerate(in_p):
        flat_p[-1 - k] = cls
    if ignore_fraction:
        drop = rng.random(shape) < ignore_fraction
        drop.reshape(-1)[: len(in_t)] = False  # keep the pixels placed above
        target = np.where(drop, IGNORE, target)
        # the prediction of an ignored pixel may be anything, even out of range
        pred = np.where(drop & (rng.random(shape) < 0.5), 200, pred)
    return pred.astype(np.int64), target.astype(np.int64), role


def _kept(pred, target, ignore=IGNORE):
    keep = target.ravel() != ignore
    return pred.ravel()[keep], target.ravel()[keep]


def _occurring(y_true, y_pred, c):
    """Classes present in the target or in the prediction."""
    return np.array([k for k in range(c) if np.any(y_true == k) or np.any(y_pred == k)])


CASES = [(seed, c) for c in (1, 2, 3, 5, 8) for seed in range(4)]


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")  # sklearn, for C = 1
@pytest.mark.parametrize("seed, c", CASES)
def test_confusion_matrix_matches_sklearn(seed, c):
    pred, target, _ = _random_maps(seed, c)
    p, t = _kept(pred, target)
    expected = skm.confusion_matrix(t, p, labels=list(range(c)))
    cm = M.confusion_matrix(pred, target, c)
    assert cm.dtype == np.int64
    assert cm.shape == (c, c)
    np.testing.assert_array_equal(cm, expected)


@pytest.mark.parametrize("seed, c", CASES)
def test_per_class_metrics_match_sklearn(seed, c):
    pred, target, role = _random_maps(seed, c)
    y_pred, y_true = _kept(pred, target)
    cm = M.confusion_matrix(pred, target, c)
    labels = _occurring(y_true, y_pred, c)
    absent = np.setdiff1d(np.arange(c), labels)
    np.testing.assert_array_equal(absent, np.flatnonzero(role == 3))  # the generator did what it says

    iou = M.iou_per_class(cm)
    assert iou.dtype == np.float64 and iou.shape == (c,)
    jac = skm.jaccard_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    np.testing.assert_allclose(iou[labels], jac, rtol=1e-12)
    assert np.all(np.isnan(iou[absent]))
    assert M.mean_iou(cm) == pytest.approx(np.mean(jac), rel=1e-12)

    precision, recall, f1 = M.precision_recall_f1(cm)
    sk_p, sk_r, sk_f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(precision[labels], sk_p, rtol=1e-12)
    np.testing.assert_allclose(recall[labels], sk_r, rtol=1e-12)
    np.testing.assert_allclose(f1[labels], sk_f, rtol=1e-12)
    for a in (precision, recall, f1):
        assert a.dtype == np.float64 and a.shape == (c,)
        assert np.all(np.isnan(a[absent]))

    dice = M.dice_per_class(cm)
    np.testing.assert_allclose(dice[labels], skm.f1_score(y_true, y_pred, labels=labels, average=None,
                                                          zero_division=0), rtol=1e-12)
    assert np.all(np.isnan(dice[absent]))


@pytest.mark.parametrize("seed, c", CASES)
def test_accuracies_match_sklearn(seed, c):
    pred, target, _ = _random_maps(seed, c)
    y_pred, y_true = _kept(pred, target)
    cm = M.confusion_matrix(pred, target, c)
    assert M.pixel_accuracy(cm) == pytest.approx(skm.accuracy_score(y_true, y_pred), rel=1e-12)
    # balanced accuracy = mean recall over the classes present in y_true (sklearn drops, with a warning, the
    # classes that occur only in y_pred): the mean pixel accuracy of FCN without the classes absent from the target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.balanced_accuracy_score(y_true, y_pred)
    assert M.mean_pixel_accuracy(cm) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed, c", CASES)
def test_frequency_weighted_iou_against_hand_loop(seed, c):
    pred, target, _ = _random_maps(seed, c)
    y_pred, y_true = _kept(pred, target)
    # FCN: (sum_k t_k)^-1 sum_i t_i n_ii / (t_i + sum_j n_ji - n_ii), written as loops over pixels
    total, acc = len(y_true), 0.0
    for i in range(c):
        t_i = int(np.sum(y_true == i))
        if t_i == 0:
            continue
        n_ii = int(np.sum((y_true == i) & (y_pred == i)))
        predicted_i = int(np.sum(y_pred == i))
        acc += t_i * n_ii / (t_i + predicted_i - n_ii)
    cm = M.confusion_matrix(pred, target, c)
    assert M.frequency_weighted_iou(cm) == pytest.approx(acc / total, rel=1e-12)


@pytest.mark.parametrize("seed, c", CASES)
def test_dice_identities(seed, c):
    pred, target, _ = _random_maps(seed, c)
    cm = M.confusion_matrix(pred, target, c)
    iou, dice = M.iou_per_class(cm), M.dice_per_class(cm)
    _, _, f1 = M.precision_recall_f1(cm)
    np.testing.assert_array_equal(np.isnan(dice), np.isnan(iou))
    np.testing.assert_allclose(dice, 2 * iou / (1 + iou), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(f1, dice, rtol=1e-12, equal_nan=True)
    assert M.mean_dice(cm) == pytest.approx(np.nanmean(2 * iou / (1 + iou)), rel=1e-12)


def test_list_input_equals_matrix_of_concatenation():
    maps = [_random_maps(s, 4, shape=shape) for s, shape in enumerate([(5, 7), (11, 3), (2, 9, 4)])]
    preds, targets = [m[0] for m in maps], [m[1] for m in maps]
    p_all = np.concatenate([p.ravel() for p in preds])
    t_all = np.concatenate([t.ravel() for t in targets])
    expected = skm.confusion_matrix(*reversed(_kept(p_all, t_all)), labels=range(4))
    np.testing.assert_array_equal(M.confusion_matrix(preds, targets, 4), expected)
    np.testing.assert_array_equal(M.confusion_matrix(tuple(preds), tuple(targets), 4), expected)
    np.testing.assert_array_equal(M.confusion_matrix(p_all, t_all, 4), expected)


# ---------------------------------------------------------------------------------------------------------------
# small examples worked by hand


def test_hand_worked_example():
    # target      pred        pixel pairs (target, pred):
    # 0 0 1       0 1 1       (0,0) (0,1) (1,1)
    # 1 2 2       1 2 0       (1,1) (2,2) (2,0)
    target = np.array([[0, 0, 1], [1, 2, 2]])
    pred = np.array([[0, 1, 1], [1, 2, 0]])
    cm = M.confusion_matrix(pred, target, 3)
    # rows = target: class 0 -> pred 0 once, pred 1 once; class 1 -> pred 1 twice; class 2 -> pred 0 once, 2 once
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    # TP = (1, 2, 1); row sums |A| = (2, 2, 2); column sums |B| = (2, 3, 1); FP = (1, 1, 0); FN = (1, 0, 1)
    assert M.pixel_accuracy(cm) == pytest.approx(4 / 6)  # 4 of 6 correct
    assert M.mean_pixel_accuracy(cm) == pytest.approx((1 / 2 + 2 / 2 + 1 / 2) / 3)  # 2/3
    # IoU = TP / (TP + FP + FN) = 1/3, 2/3, 1/2
    np.testing.assert_allclose(M.iou_per_class(cm), [1 / 3, 2 / 3, 1 / 2])
    assert M.mean_iou(cm) == pytest.approx(0.5)
    # each class has 2 of the 6 target pixels: (1/3)(1/3 + 2/3 + 1/2) = 1/2
    assert M.frequency_weighted_iou(cm) == pytest.approx(0.5)
    # Dice = 2TP / (|A| + |B|) = 2/4, 4/5, 2/2+1 -> 2/3; mean 59/90
    np.testing.assert_allclose(M.dice_per_class(cm), [1 / 2, 4 / 5, 2 / 3])
    assert M.mean_dice(cm) == pytest.approx(59 / 90)
    precision, recall, f1 = M.precision_recall_f1(cm)
    np.testing.assert_allclose(precision, [1 / 2, 2 / 3, 1])  # TP / |B|
    np.testing.assert_allclose(recall, [1 / 2, 1, 1 / 2])  # TP / |A|
    np.testing.assert_allclose(f1, [1 / 2, 4 / 5, 2 / 3])

    # the same maps with a 4th class that never occurs: its row and column are 0, its metrics NaN, means unchanged
    cm4 = M.confusion_matrix(pred, target, 4)
    np.testing.assert_array_equal(cm4, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(M.iou_per_class(cm4), [1 / 3, 2 / 3, 1 / 2, np.nan])
    assert M.mean_iou(cm4) == pytest.approx(0.5)
    assert M.mean_pixel_accuracy(cm4) == pytest.approx(2 / 3)
    assert M.frequency_weighted_iou(cm4) == pytest.approx(0.5)
    assert M.mean_dice(cm4) == pytest.approx(59 / 90)
    for a in M.precision_recall_f1(cm4):
        assert np.isnan(a[3]) and not np.any(np.isnan(a[:3]))


def test_class_predicted_but_absent_from_target():
    # target 0 0 1, pred 0 2 1: class 2 is predicted once but never in the target
    cm = M.confusion_matrix(np.array([0, 2, 1]), np.array([0, 0, 1]), 3)
    np.testing.assert_array_equal(cm, [[1, 0, 1], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_allclose(M.iou_per_class(cm), [1 / 2, 1, 0])  # class 2: 0 / (0 + 1 + 0)
    assert M.mean_iou(cm) == pytest.approx(1 / 2)  # (1/2 + 1 + 0) / 3: class 2 counts with 0
    assert M.mean_pixel_accuracy(cm) == pytest.approx(3 / 4)  # (1/2 + 1) / 2: class 2 left out
    assert M.frequency_weighted_iou(cm) == pytest.approx((2 / 3) * (1 / 2) + (1 / 3) * 1)
    precision, recall, f1 = M.precision_recall_f1(cm)
    np.testing.assert_allclose(precision, [1, 1, 0])  # class 2: 0 / 1
    np.testing.assert_allclose(recall, [1 / 2, 1, 0])  # class 2: 0 / 0 -> 0
    np.testing.assert_allclose(f1, [2 / 3, 1, 0])


def test_class_present_but_never_predicted():
    # target 0 1 1, pred 0 0 0: class 1 is in the target but never predicted
    cm = M.confusion_matrix(np.array([0, 0, 0]), np.array([0, 1, 1]), 2)
    np.testing.assert_array_equal(cm, [[1, 0], [2, 0]])
    np.testing.assert_allclose(M.iou_per_class(cm), [1 / 3, 0])
    precision, recall, f1 = M.precision_recall_f1(cm)
    np.testing.assert_allclose(precision, [1 / 3, 0])  # class 1: 0 / 0 -> 0
    np.testing.assert_allclose(recall, [1, 0])
    np.testing.assert_allclose(f1, [1 / 2, 0])  # class 0: 2 (1/3)(1) / (4/3)
    assert M.mean_pixel_accuracy(cm) == pytest.approx(1 / 2)


def test_single_class():
    cm = M.confusion_matrix(np.zeros((3, 4), dtype=np.uint8), np.zeros((3, 4), dtype=np.uint8), 1)
    np.testing.assert_array_equal(cm, [[12]])
    assert M.pixel_accuracy(cm) == 1.0 and M.mean_iou(cm) == 1.0 and M.mean_dice(cm) == 1.0


def test_float_matrix_is_scale_invariant():
    cm = np.array([[50, 10, 0], [5, 35, 0], [3, 0, 0]])
    normalized = cm / cm.sum()
    for fn in (M.pixel_accuracy, M.mean_pixel_accuracy, M.mean_iou, M.frequency_weighted_iou, M.mean_dice):
        assert fn(normalized) == pytest.approx(fn(cm), rel=1e-12)
    np.testing.assert_allclose(M.iou_per_class(normalized), M.iou_per_class(cm), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# ignore_index, dtypes, shapes


def test_ignore_index_variants():
    target = np.array([[0, 255, 1], [1, 1, 255]], dtype=np.uint8)
    pred = np.array([[0, 0, 1], [0, 1, 1]], dtype=np.uint8)
    # kept pairs (target, pred): (0,0) (1,1) (1,0) (1,1)
    np.testing.assert_array_equal(M.confusion_matrix(pred, target, 2), [[1, 0], [1, 2]])
    # ignore_index=-1 on signed labels
    t = np.array([0, -1, 1, 1, -1])
    p = np.array([1, 7, 1, 0, -5])  # the predictions of ignored pixels are not checked
    np.testing.assert_array_equal(M.confusion_matrix(p, t, 2, ignore_index=-1), [[0, 1], [1, 1]])
    # ignore_index inside [0, C): that class's row stays 0
    np.testing.assert_array_equal(M.confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), 2, ignore_index=1),
                                  [[1, 1], [0, 0]])
    # ignore_index=None: every pixel counts, so 255 is out of range
    with pytest.raises(ValueError, match=r"target contains label 255.*\[0, 2\).*ignore_index=255"):
        M.confusion_matrix(pred, target, 2, ignore_index=None)
    np.testing.assert_array_equal(M.confusion_matrix(np.array([0, 1]), np.array([1, 1]), 2, ignore_index=None),
                                  [[0, 0], [1, 1]])


def test_dtypes_and_batches():
    rng = np.random.default_rng(7)
    target = rng.integers(0, 4, size=(3, 6, 5))
    pred = rng.integers(0, 4, size=(3, 6, 5))
    expected = skm.confusion_matrix(target.ravel(), pred.ravel(), labels=range(4))
    for dtype in (np.uint8, np.int16, np.int32, np.uint64, np.int64):
        cm = M.confusion_matrix(pred.astype(dtype), target.astype(dtype), 4)
        assert cm.dtype == np.int64
        np.testing.assert_array_equal(cm, expected)
    # bool labels are 0/1
    b_t, b_p = target % 2 == 1, pred % 2 == 1
    np.testing.assert_array_equal(M.confusion_matrix(b_p, b_t, 2),
                                  skm.confusion_matrix(b_t.ravel(), b_p.ravel(), labels=[False, True]))
    # nested Python lists
    np.testing.assert_array_equal(M.confusion_matrix([[0, 1], [1, 1]], [[0, 1], [0, 1]], 2), [[1, 1], [0, 2]])
    # uint8 with many classes: C * target + pred would overflow in uint8
    t8 = np.array([200, 199, 0], dtype=np.uint8)
    p8 = np.array([200, 0, 199], dtype=np.uint8)
    cm = M.confusion_matrix(p8, t8, 201, ignore_index=None)
    assert cm[200, 200] == 1 and cm[199, 0] == 1 and cm[0, 199] == 1 and cm.sum() == 3


def test_inputs_not_modified():
    pred, target, _ = _random_maps(3, 5)
    pred8, target8 = pred.astype(np.uint8), target.astype(np.uint8)
    copies = [a.copy() for a in (pred, target, pred8, target8)]
    M.confusion_matrix(pred, target, 5)
    M.confusion_matrix(pred8, target8, 5)
    M.confusion_matrix([pred8, pred], [target8, target], 5)
    report = M.segmentation_report(pred, target, 5)
    for a, b in zip((pred, target, pred8, target8), copies):
        np.testing.assert_array_equal(a, b)
    cm = report.confusion.copy()
    cm_before = cm.copy()
    for fn in (M.pixel_accuracy, M.mean_pixel_accuracy, M.iou_per_class, M.mean_iou, M.frequency_weighted_iou,
               M.dice_per_class, M.mean_dice, M.precision_recall_f1):
        fn(cm)
    np.testing.assert_array_equal(cm, cm_before)


def test_cityscapes_sized_uint8_maps_do_not_overflow():
    # 19 classes in uint8: 19 * target + pred overflows uint8 unless the count is done on wider integers.
    rng = np.random.default_rng(0)
    target = rng.integers(0, 19, size=(1024, 2048), dtype=np.uint8)
    target[:40] = 255
    pred = rng.integers(0, 19, size=(1024, 2048), dtype=np.uint8)
    cm = M.confusion_matrix(pred, target, 19)
    assert cm.sum() == (1024 - 40) * 2048
    keep = target != 255
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(target[keep].astype(np.int64), minlength=19))
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(pred[keep].astype(np.int64), minlength=19))


# ---------------------------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("pred, target, c, kwargs, exc, match", [
    (np.array([[0, 3], [1, 1]]), np.array([[0, 1], [1, 1]]), 3, {}, ValueError,
     r"pred contains label 3 at index \(0, 1\), outside the valid range \[0, 3\)"),
    (np.array([0, 1, 1]), np.array([0, 1, 5]), 3, {}, ValueError,
     r"target contains label 5 at index 2, outside the valid range \[0, 3\)"),
    (np.array([0, -1, 1]), np.array([0, 1, 1]), 2, {}, ValueError, r"pred contains label -1 .*\[0, 2\)"),
    (np.array([0, 1]), np.array([-3, 1]), 2, {}, ValueError, r"target contains label -3 .*\[0, 2\)"),
    (np.array([0, 1, 2]), np.array([0, 1, 255]), 2, {"ignore_index": None}, ValueError,
     r"target contains label 255"),
    (np.zeros((2, 3), int), np.zeros((3, 2), int), 2, {}, ValueError,
     r"same shape.*\(2, 3\).*\(3, 2\)"),
    (np.array([0.0, 1.0]), np.array([0, 1]), 2, {}, ValueError, r"pred must hold integer .*float64"),
    (np.array([0, 1]), np.array([0.5, 1.0]), 2, {}, ValueError, r"target must hold integer .*float64"),
    (np.array([0.0, np.nan]), np.array([0, 1]), 2, {}, ValueError, r"pred must hold integer .*NaN at index 1"),
    (np.array([0, 1]), np.array([np.nan, 1.0]), 2, {}, ValueError, r"target must hold integer .*NaN at index 0"),
    (np.array(["a", "b"]), np.array([0, 1]), 2, {}, TypeError, r"pred must hold integer .*given dtype <U1"),
    (np.array([0, 1]), np.array([0, 1j]), 2, {}, TypeError, r"target must hold integer .*given dtype complex128"),
    (np.array([0, 1]), None, 2, {}, TypeError, r"target must be an array of real numbers, given NoneType"),
    (np.array([255, 255]), np.array([255, 255]), 2, {}, ValueError, r"no pixel left to evaluate"),
    (np.zeros((0, 4), int), np.zeros((0, 4), int), 2, {}, ValueError, r"empty input"),
    ([], [], 2, {}, ValueError, r"empty input"),
    ([np.zeros(3, int)] * 2, [np.zeros(3, int)] * 3, 2, {}, ValueError, r"same length.*2.*3"),
    ([np.zeros(3, int)], np.zeros(3, int), 2, {}, ValueError, r"pred is a list of 1 items but target is not"),
    ([np.zeros(3, int), np.array([0, 4])], [np.zeros(3, int), np.array([0, 1])], 2, {}, ValueError,
     r"pred\[1\] contains label 4 at index 1"),
    ([np.zeros(3, int)], [np.zeros(2, int)], 2, {}, ValueError, r"pred\[0\] and target\[0\] must have the same shape"),
    (np.zeros(3, int), np.zeros(3, int), 0, {}, ValueError, r"num_classes must be at least 1, given 0"),
    (np.zeros(3, int), np.zeros(3, int), 2.0, {}, TypeError, r"num_classes must be an int, given float 2.0"),
    (np.zeros(3, int), np.zeros(3, int), True, {}, TypeError, r"num_classes must be an int, given bool True"),
    (np.zeros(3, int), np.zeros(3, int), "3", {}, TypeError, r"num_classes must be an int, given str '3'"),
    (np.zeros(3, int), np.zeros(3, int), 2, {"ignore_index": 1.5}, TypeError, r"ignore_index must be an int"),
])
def test_confusion_matrix_errors(pred, target, c, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        M.confusion_matrix(pred, target, c, **kwargs)


CM_FUNCTIONS = [M.pixel_accuracy, M.mean_pixel_accuracy, M.iou_per_class, M.mean_iou, M.frequency_weighted_iou,
                M.dice_per_class, M.mean_dice, M.precision_recall_f1]


@pytest.mark.parametrize("fn", CM_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cm, match", [
    (np.ones((2, 3)), r"square 2-D array of shape \(C, C\), given shape \(2, 3\)"),
    (np.ones(4), r"square 2-D.*given shape \(4,\)"),
    (np.ones((2, 2, 2)), r"square 2-D.*given shape \(2, 2, 2\)"),
    (np.array([[1, -1], [0, 2]]), r"non-negative counts, given -1 at index \(0, 1\)"),
    (np.array([[1.0, np.nan], [0.0, 2.0]]), r"finite numbers, given nan at index \(0, 1\)"),
    (np.array([[1.0, 0.0], [np.inf, 2.0]]), r"finite numbers, given inf at index \(1, 0\)"),
    (np.zeros((3, 3), dtype=np.int64), r"empty confusion matrix: no pixel was evaluated"),
    (np.zeros((0, 0)), r"empty confusion matrix"),
])
def test_bad_confusion_matrix(fn, cm, match):
    with pytest.raises(ValueError, match=match):
        fn(cm)


@pytest.mark.parametrize("fn", CM_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cm, match", [
    (np.array([["a", "b"], ["c", "d"]]), r"real numbers \(an integer or float dtype\), given dtype <U1"),
    (np.eye(2, dtype=bool), r"given dtype bool"),
    (np.eye(2, dtype=complex), r"given dtype complex128"),
    (None, r"given NoneType"),
])
def test_confusion_matrix_of_the_wrong_kind(fn, cm, match):
    with pytest.raises(TypeError, match=match):
        fn(cm)


# ---------------------------------------------------------------------------------------------------------------
# the report


def test_report_fields_agree_with_functions():
    pred, target, _ = _random_maps(11, 6)
    report = M.segmentation_report(pred, target, 6)
    cm = M.confusion_matrix(pred, target, 6)
    np.testing.assert_array_equal(report.confusion, cm)
    assert report.class_names == tuple(f"class {i}" for i in range(6))
    assert report.pixel_accuracy == M.pixel_accuracy(cm)
    assert report.mean_pixel_accuracy == M.mean_pixel_accuracy(cm)
    assert report.mean_iou == M.mean_iou(cm)
    assert report.frequency_weighted_iou == M.frequency_weighted_iou(cm)
    assert report.mean_dice == M.mean_dice(cm)
    np.testing.assert_array_equal(report.iou, M.iou_per_class(cm))
    np.testing.assert_array_equal(report.dice, M.dice_per_class(cm))
    for got, want in zip((report.precision, report.recall, report.f1), M.precision_recall_f1(cm)):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(AttributeError):
        report.mean_iou = 1.0  # frozen
    with pytest.raises(ValueError):
        report.iou[0] = 1.0  # read-only arrays


def test_report_text_hand_example():
    target = np.array([[0, 0, 1], [1, 2, 2]])
    pred = np.array([[0, 1, 1], [1, 2, 0]])
    names = ["sky", "tree", "road", "car"]
    report = M.segmentation_report([pred, pred], [target, target], 4, class_names=names)
    # the list doubles every count, so every ratio equals the hand-worked example's
    text = str(report)
    for name in names:
        assert name in text
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.split()}
    # name, pixels in target, IoU, Dice, precision, recall, F1 (in %)
    assert lines["sky"] == ["sky", "4", "33.3", "50.0", "50.0", "50.0", "50.0"]
    assert lines["tree"] == ["tree", "4", "66.7", "80.0", "66.7", "100.0", "80.0"]
    assert lines["road"] == ["road", "4", "50.0", "66.7", "100.0", "50.0", "66.7"]
    assert lines["car"] == ["car", "0", "n/a", "n/a", "n/a", "n/a", "n/a"]
    assert "12 pixels evaluated" in text
    summary = {label: line.split()[-1] for line in text.splitlines() for label in
               ("pixel accuracy", "mean pixel accuracy", "mean IoU (mIoU)", "frequency-weighted IoU", "mean Dice")
               if line.startswith(label + " ")}
    assert summary == {"pixel accuracy": "66.7", "mean pixel accuracy": "66.7", "mean IoU (mIoU)": "50.0",
                       "frequency-weighted IoU": "50.0", "mean Dice": "65.6"}
    # the table is aligned: every class row and the header have the same length
    rows = [line for line in text.splitlines() if line.split() and line.split()[0] in ("class", *names)]
    assert len({len(r) for r in rows}) == 1
    html_text = report._repr_html_()
    assert "<table>" in html_text and "tree" in html_text and "50.0" in html_text


def test_report_html_escapes_names():
    report = M.segmentation_report(np.array([0, 1]), np.array([0, 1]), 2, class_names=["<b>", "a&b"])
    assert "&lt;b&gt;" in report._repr_html_() and "a&amp;b" in report._repr_html_()


def test_report_errors():
    pred, target = np.array([0, 1]), np.array([0, 1])
    with pytest.raises(ValueError, match=r"expected 2 names, given 3"):
        M.segmentation_report(pred, target, 2, class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"expected 3 names, given 2"):
        M.segmentation_report(pred, target, 3, class_names=["a", "b"])
    with pytest.raises(TypeError, match=r"single string"):
        M.segmentation_report(pred, target, 2, class_names="ab")
    with pytest.raises(ValueError, match=r"pred contains label 1 .*\[0, 1\)"):
        M.segmentation_report(pred, np.array([0, 0]), 1)
    with pytest.raises(ValueError, match=r"empty confusion matrix"):
        M.SegmentationReport.from_confusion(np.zeros((2, 2), int))


# ---------------------------------------------------------------------------------------------------------------
# the module itself


def test_public_names():
    assert set(M.__all__) == {"confusion_matrix", "pixel_accuracy", "mean_pixel_accuracy", "iou_per_class",
                              "mean_iou", "frequency_weighted_iou", "dice_per_class", "mean_dice",
                              "precision_recall_f1", "segmentation_report", "SegmentationReport"}
    for name in M.__all__:
        assert getattr(M, name).__doc__


def test_import_needs_only_numpy():
    code = ("import sys, coursekit.metrics; "
            "print(sorted(m for m in ('sklearn', 'torch', 'scipy', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
