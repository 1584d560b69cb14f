"""The threshold explorer: its numbers agree with thresholding by hand, and moving the slider redraws."""

import numpy as np
import pytest
from sklearn.metrics import f1_score, jaccard_score, precision_score, recall_score

from coursekit import data, widgets


@pytest.fixture(scope="module")
def explorer():
    images, masks = data.synthetic_shapes(1, seed=3)
    target = (masks[0] > 0).astype(np.int64)
    target[:3] = 255  # a VOC-style ignored band
    prob = data.soft_prediction((masks[0] > 0).astype(np.int64), seed=0)
    return widgets.threshold_explorer(prob, target, image=images[0]), prob, target


@pytest.mark.parametrize("t", [0.0, 0.2, 0.5, 0.73, 1.0])
def test_metrics_agree_with_scikit_learn(explorer, t):
    ex, prob, target = explorer
    keep = target != 255
    truth, pred = target[keep], (prob[keep] >= t).astype(int)
    got = ex.metrics(t)
    assert got["IoU"] == pytest.approx(jaccard_score(truth, pred, zero_division=0))
    assert got["Dice"] == pytest.approx(f1_score(truth, pred, zero_division=0))
    assert got["precision"] == pytest.approx(precision_score(truth, pred, zero_division=0))
    assert got["recall"] == pytest.approx(recall_score(truth, pred, zero_division=0))


def test_moving_the_slider_redraws_picture_and_numbers(explorer):
    ex, prob, target = explorer
    ex.slider.value = 0.5
    before_png, before_text = ex.picture.value, ex.readout.value
    ex.slider.value = 0.8
    assert ex.picture.value != before_png
    assert ex.readout.value != before_text and "t = 0.80" in ex.readout.value
    assert f"IoU {ex.metrics(0.8)['IoU']:.3f}" in ex.readout.value
    ex.slider.value = 0.5
    assert ex.picture.value == before_png  # the same threshold draws the same picture


def test_picture_is_a_png(explorer):
    assert explorer[0].picture.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("prob, target, message", [
    (np.zeros((4, 4, 1)), np.zeros((4, 4)), "2-D"),
    (np.zeros((4, 4)), np.zeros((4, 5)), "shape"),
    (np.full((4, 4), 1.5), np.zeros((4, 4)), r"\[0, 1\]"),
    (np.full((4, 4), np.nan), np.zeros((4, 4)), "finite"),
    (np.zeros((4, 4)), np.full((4, 4), 2), "binary"),
])
def test_bad_input_is_refused(prob, target, message):
    with pytest.raises(ValueError, match=message):
        widgets.threshold_explorer(prob, target)


def test_threshold_out_of_range_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        widgets.threshold_explorer(np.zeros((4, 4)), np.zeros((4, 4), dtype=int), threshold=1.2)
