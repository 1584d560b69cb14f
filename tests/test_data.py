"""Tests of coursekit.data: bundled images, the toy intensity image, synthetic shapes and soft predictions."""

import subprocess
import sys

import numpy as np
import pytest
import skimage.data
from scipy import ndimage as ndi
from skimage.color import rgb2gray
from skimage.util import img_as_float

from coursekit import data
from coursekit.data import (
    CLASS_NAMES_SHAPES,
    available_images,
    load_image,
    soft_prediction,
    synthetic_shapes,
    toy_intensity_image,
)


def iou(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return (a & b).sum() / (a | b).sum()


# ---------------------------------------------------------------------------------------------------------------
# module


def test_all_lists_the_public_names():
    for name in ["available_images", "load_image", "toy_intensity_image", "synthetic_shapes", "soft_prediction",
                 "CLASS_NAMES_SHAPES"]:
        assert name in data.__all__
        assert hasattr(data, name)


def test_import_is_light_and_torch_free():
    code = ("import sys, coursekit.data; "
            "print(sorted(m for m in ('skimage', 'matplotlib', 'torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------------------------------------------------------
# bundled images

REQUIRED = ["camera", "coins", "astronaut", "coffee", "chelsea", "horse", "brick", "grass", "gravel", "moon",
            "page", "text", "rocket", "retina", "hubble_deep_field", "cell"]


def test_available_images_sorted_and_complete():
    names = available_images()
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    assert set(REQUIRED) <= set(names)


@pytest.mark.parametrize("name", available_images())
def test_every_image_loads_as_float_in_unit_range(name):
    image = load_image(name)
    assert image.dtype == np.float64
    assert image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3), image.shape
    assert min(image.shape[:2]) >= 64
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.max() > image.min()  # not blank
    grey = load_image(name, as_gray=True)
    assert grey.ndim == 2 and grey.dtype == np.float64 and grey.shape == image.shape[:2]
    assert 0.0 <= grey.min() and grey.max() <= 1.0


@pytest.mark.parametrize("name", [n for n in available_images() if hasattr(skimage.data, n)])
def test_images_match_skimage_data(name):
    reference = getattr(skimage.data, name)()
    reference = img_as_float(reference)
    if reference.ndim == 3 and reference.shape[2] == 4:
        reference = reference[..., :3]  # load_image drops the alpha channel
    np.testing.assert_allclose(load_image(name), reference, atol=1e-12)


def test_every_name_has_a_skimage_function_to_check_against():
    # so that test_images_match_skimage_data covers every image
    assert [n for n in available_images() if not hasattr(skimage.data, n)] == []


def test_horse_is_the_binary_silhouette_of_skimage():
    horse = load_image("horse")
    assert set(np.unique(horse).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(horse == 1.0, skimage.data.horse())
    assert horse[0, 0] == 1.0  # the corner is background


def test_as_gray_uses_rgb2gray():
    rgb = load_image("astronaut")
    np.testing.assert_allclose(load_image("astronaut", as_gray=True), rgb2gray(rgb), atol=1e-12)
    np.testing.assert_array_equal(load_image("camera", as_gray=True), load_image("camera"))


def test_loaded_images_are_independent_copies():
    a = load_image("camera")
    expected = a.copy()
    a[:] = 0.0
    b = load_image("camera")
    np.testing.assert_array_equal(b, expected)
    assert b.flags.writeable
    b[0, 0] = 0.5  # callers may modify what they get
    assert not np.shares_memory(b, load_image("camera"))


def test_unknown_image_lists_names_and_suggests_the_closest():
    with pytest.raises(ValueError) as info:
        load_image("camra")
    message = str(info.value)
    assert "camra" in message
    for name in available_images():
        assert name in message
    assert "Did you mean 'camera'" in message
    with pytest.raises(ValueError, match="coins"):
        load_image("no such picture")
    with pytest.raises(TypeError):
        load_image(3)


# ---------------------------------------------------------------------------------------------------------------
# toy intensity image


def test_toy_image_shapes_and_types():
    image, labels = toy_intensity_image(seed=0, size=48)
    assert image.shape == labels.shape == (48, 48)
    assert image.dtype == np.float64 and labels.dtype == np.int64
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert set(np.unique(labels).tolist()) == {0, 1, 2}
    for k in range(3):
        assert (labels == k).mean() > 0.05  # every region is a sizeable part of the image


def test_toy_image_regions_have_distinct_intensities_sorted_by_label():
    noise = 0.05
    image, labels = toy_intensity_image(seed=1, size=96, noise=noise)
    means = [image[labels == k].mean() for k in range(3)]
    stds = [image[labels == k].std() for k in range(3)]
    assert means[0] < means[1] < means[2]  # label 0 is the darkest
    assert np.diff(means).min() > 4 * noise  # well separated compared with the noise
    for s in stds:
        assert 0.5 * noise < s < 1.5 * noise
    assert means[0] < 0.35 and means[2] > 0.65  # a dark region and a bright one


def test_toy_image_without_noise_is_piecewise_constant():
    image, labels = toy_intensity_image(noise=0.0)
    values = [np.unique(image[labels == k]) for k in range(3)]
    assert all(v.size == 1 for v in values)
    assert values[0][0] < values[1][0] < values[2][0]


def test_toy_image_thresholding_at_midpoints_recovers_labels():
    image, labels = toy_intensity_image(seed=3)
    means = np.array([image[labels == k].mean() for k in range(3)])
    thresholds = (means[:-1] + means[1:]) / 2
    predicted = np.digitize(image, thresholds)
    assert (predicted == labels).mean() > 0.95


def test_toy_image_deterministic_in_seed_with_fixed_geometry():
    a, la = toy_intensity_image(seed=5)
    b, lb = toy_intensity_image(seed=5)
    c, lc = toy_intensity_image(seed=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    np.testing.assert_array_equal(la, lc)  # the geometry does not depend on the seed
    assert not np.array_equal(a, c)
    g, _ = toy_intensity_image(seed=np.random.default_rng(5))
    np.testing.assert_array_equal(a, g)


def test_toy_image_geometry_scales_with_size():
    _, small = toy_intensity_image(size=32)
    _, large = toy_intensity_image(size=128)
    fractions_small = np.bincount(small.ravel(), minlength=3) / small.size
    fractions_large = np.bincount(large.ravel(), minlength=3) / large.size
    np.testing.assert_allclose(fractions_small, fractions_large, atol=0.03)


def test_toy_image_validation():
    with pytest.raises(ValueError, match="size"):
        toy_intensity_image(size=15)
    with pytest.raises(ValueError, match="noise"):
        toy_intensity_image(noise=-0.1)
    with pytest.raises(TypeError, match="size"):
        toy_intensity_image(size=32.0)
    with pytest.raises(TypeError, match="seed"):
        toy_intensity_image(seed=1.5)
    toy_intensity_image(size=16)  # the smallest size works


# ---------------------------------------------------------------------------------------------------------------
# synthetic shapes


@pytest.fixture(scope="module")
def shapes600():
    return synthetic_shapes(600, size=64, seed=11)


@pytest.fixture(scope="module")
def single_shapes():
    """Images of one shape each, so that no shape is occluded."""
    return synthetic_shapes(300, size=64, seed=12, num_shapes=1)


def test_class_names():
    assert CLASS_NAMES_SHAPES == ("background", "circle", "square", "triangle")


def test_shapes_types_and_ranges():
    images, masks = synthetic_shapes(7, size=40, seed=0)
    assert images.shape == (7, 40, 40, 3) and images.dtype == np.float32
    assert masks.shape == (7, 40, 40) and masks.dtype == np.int64
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert set(np.unique(masks).tolist()) <= {0, 1, 2, 3}


def test_shapes_deterministic_and_seed_dependent():
    a = synthetic_shapes(4, seed=3)
    b = synthetic_shapes(4, seed=3)
    c = synthetic_shapes(4, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    g1 = synthetic_shapes(4, seed=np.random.default_rng(9))
    g2 = synthetic_shapes(4, seed=np.random.default_rng(9))
    np.testing.assert_array_equal(g1[0], g2[0])


def test_shapes_image_i_does_not_depend_on_n():
    images5, masks5 = synthetic_shapes(5, seed=21)
    images3, masks3 = synthetic_shapes(3, seed=21)
    np.testing.assert_array_equal(images5[:3], images3)
    np.testing.assert_array_equal(masks5[:3], masks3)
    assert not np.array_equal(images5[0], images5[1])  # images differ from one another


def test_every_class_appears_and_foreground_is_reasonable(shapes600):
    _, masks = shapes600
    assert set(np.unique(masks[:20]).tolist()) == {0, 1, 2, 3}
    fg = (masks > 0).reshape(len(masks), -1).mean(axis=1)
    assert fg.min() > 0.01  # every image has a shape
    assert fg.max() < 0.8
    assert 0.05 < fg.mean() < 0.5
    counts = np.bincount(masks.ravel(), minlength=4)[1:]
    assert counts.min() > 0.6 * counts.max()  # classes are roughly balanced in pixels


def test_shape_class_is_not_told_by_colour(shapes600):
    images, masks = shapes600
    means = np.array([images[masks == k].mean(axis=0) for k in (1, 2, 3)])
    assert np.abs(means[0] - means[2]).max() < 0.1
    assert np.abs(means[0] - means[1]).max() < 0.1
    assert np.abs(means[1] - means[2]).max() < 0.1


def test_shapes_contrast_with_the_background_around_them(single_shapes):
    images, masks = single_shapes
    contrasts = []
    for image, mask in zip(images, masks):
        inside = mask > 0
        ring = ndi.binary_dilation(inside, iterations=3) & ~inside
        contrasts.append(np.linalg.norm(image[inside].mean(axis=0) - image[ring].mean(axis=0)))
    contrasts = np.array(contrasts)
    assert np.median(contrasts) > 0.3
    assert np.mean(contrasts > 0.15) > 0.9


def _fill_ratios(masks, cls):
    ratios, areas = [], []
    for mask in masks:
        if mask.max() != cls:
            continue
        labelled, count = ndi.label(mask == cls, structure=np.ones((3, 3)))
        assert count == 1  # one shape, in one piece
        (rows, cols), = ndi.find_objects(labelled)
        area = (labelled > 0).sum()
        ratios.append(area / ((rows.stop - rows.start) * (cols.stop - cols.start)))
        areas.append(area)
    assert len(ratios) >= 20
    return np.array(ratios), np.array(areas)


def test_unoccluded_shapes_fill_their_bounding_box_as_their_geometry_says(single_shapes):
    _, masks = single_shapes
    size = masks.shape[-1]
    circle, circle_area = _fill_ratios(masks, 1)
    triangle, _ = _fill_ratios(masks, 3)
    assert np.all(np.abs(circle - np.pi / 4) < 0.1)  # a disk fills pi/4 of its square (less exactly when small)
    assert np.all((triangle > 0.3) & (triangle < 0.58))  # a triangle fills at most half of its box
    assert circle_area.min() >= 0.9 * np.pi * (size / 10) ** 2  # radius at least size / 10


def test_axis_aligned_squares_fill_their_bounding_box():
    _, masks = synthetic_shapes(200, size=64, seed=13, num_shapes=1, max_rotation=0.0)
    square, area = _fill_ratios(masks, 2)
    assert np.all(square > 0.97)
    assert np.sqrt(area.min()) >= 2 * 64 / 10 - 1  # side at least 2 * size / 10
    _, rotated = synthetic_shapes(200, size=64, seed=13, num_shapes=1, max_rotation=15.0)
    ratios, _ = _fill_ratios(rotated, 2)
    assert np.all(ratios > 0.6) and ratios.min() < 0.9  # some squares are visibly rotated


def test_image_and_mask_agree_where_shapes_overlap():
    # The shape painted last is on top in both the image and the mask, so the mask's class changes exactly where
    # the colour changes: neighbouring pixels of one class have (nearly) one colour, and where two shapes of
    # different classes meet, their (independent, random) colours differ. A mask painted in another order than the
    # image would put the boundary between two shapes elsewhere than the colour edge.
    images, masks = synthetic_shapes(200, size=32, seed=2, num_shapes=3)
    same_close, cross = [], []
    for axis in (1, 2):
        step = np.linalg.norm(np.diff(images, axis=axis), axis=-1)
        first = np.delete(masks, -1, axis=axis)
        second = np.delete(masks, 0, axis=axis)
        same_close.append(step[(first == second) & (first > 0)] < 0.12)
        cross.append(step[(first != second) & (first > 0) & (second > 0)])
    assert np.concatenate(same_close).mean() > 0.97
    cross = np.concatenate(cross)
    assert cross.size > 100  # shapes do overlap
    assert np.median(cross) > 0.3


def test_shapes_validation():
    with pytest.raises(ValueError, match="n"):
        synthetic_shapes(0)
    with pytest.raises(ValueError, match="size"):
        synthetic_shapes(2, size=8)
    with pytest.raises(TypeError, match="n"):
        synthetic_shapes(2.5)
    with pytest.raises(ValueError, match="num_shapes"):
        synthetic_shapes(2, num_shapes=(2, 1))
    with pytest.raises(ValueError, match="num_shapes"):
        synthetic_shapes(2, num_shapes=0)
    with pytest.raises(ValueError, match="seed"):
        synthetic_shapes(2, seed=-1)
    synthetic_shapes(1, size=16)


# ---------------------------------------------------------------------------------------------------------------
# soft predictions


def _disk_mask(size=64, radius=16):
    yy, xx = np.mgrid[:size, :size]
    return (yy - size / 2) ** 2 + (xx - size / 2.5) ** 2 <= radius**2


def test_soft_prediction_is_a_probability_map_close_to_the_mask():
    mask = _disk_mask()
    prob = soft_prediction(mask, seed=0)
    assert prob.shape == mask.shape and prob.dtype == np.float64
    assert 0.0 <= prob.min() and prob.max() <= 1.0
    assert prob.max() - prob.min() > 0.5  # not flat
    assert iou(prob > 0.5, mask) > 0.7
    assert prob[mask].mean() > 0.7 and prob[~mask].mean() < 0.3


def test_soft_prediction_on_synthetic_masks():
    # small shapes suffer more from the noise at their border than the disk above: judge the average
    _, masks = synthetic_shapes(20, seed=5)
    ious = [iou(soft_prediction(m > 0, seed=k) > 0.5, m > 0) for k, m in enumerate(masks)]
    assert np.mean(ious) > 0.8
    assert np.min(ious) > 0.5


def test_soft_prediction_thresholds_trade_off():
    mask = _disk_mask()
    prob = soft_prediction(mask, seed=1)
    areas = [(prob > t).sum() for t in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert all(a >= b for a, b in zip(areas, areas[1:]))
    assert areas[0] > areas[-1]


def test_soft_prediction_deterministic_and_noise_dependent():
    mask = _disk_mask().astype(np.int64)
    a = soft_prediction(mask, seed=2)
    np.testing.assert_array_equal(a, soft_prediction(mask, seed=2))
    np.testing.assert_array_equal(a, soft_prediction(mask.astype(bool), seed=2))
    assert not np.array_equal(a, soft_prediction(mask, seed=3))
    clean = soft_prediction(mask, seed=2, noise=0.0)
    np.testing.assert_array_equal(clean, soft_prediction(mask, seed=3, noise=0.0))
    noisy = soft_prediction(mask, seed=2, noise=0.6)
    assert iou(clean > 0.5, mask) >= iou(noisy > 0.5, mask)


def test_soft_prediction_validation():
    with pytest.raises(ValueError, match="2-D"):
        soft_prediction(np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="2-D"):
        soft_prediction(np.zeros(8))
    with pytest.raises(ValueError, match="binary"):
        soft_prediction(np.full((8, 8), 2))
    with pytest.raises(ValueError, match="blur"):
        soft_prediction(np.zeros((8, 8)), blur=-1.0)
    with pytest.raises(ValueError, match="noise"):
        soft_prediction(np.zeros((8, 8)), noise=-1.0)
    with pytest.raises(ValueError, match="binary"):
        soft_prediction(np.full((8, 8), np.nan))
    with pytest.raises(TypeError, match="mask must be an array of real numbers"):
        soft_prediction("mask")
    with pytest.raises(TypeError, match="dtype <U1"):
        soft_prediction(np.full((8, 8), "a"))
