"""Tests of coursekit.data.texture_mosaic: a mosaic of bundled textures whose regions have equal grey levels."""


import numpy as np
import pytest
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from skimage.feature import match_template

from coursekit import data
from coursekit.data import load_image, texture_mosaic

SIX = ("brick", "grass", "gravel", "page", "immunohistochemistry", "hubble_deep_field")


@pytest.fixture(scope="module")
def mosaic():
    return texture_mosaic(size=96, seed=0)


def matched_accuracy(pred, target, n):
    """Pixel accuracy after the best one-to-one matching of predicted and true labels."""
    cm = np.zeros((n, n))
    np.add.at(cm, (target.ravel(), pred.ravel()), 1)
    rows, cols = linear_sum_assignment(-cm)
    return cm[rows, cols].sum() / target.size


def best_intensity_classifier_accuracy(image, labels, bins=32):
    """Accuracy of the best classifier that sees only a pixel's (binned) grey level, fitted on the answer itself."""
    b = np.minimum((image * bins).astype(int), bins - 1).ravel()
    counts = np.zeros((bins, labels.max() + 1))
    np.add.at(counts, (b, labels.ravel()), 1)
    return counts.max(axis=1).sum() / labels.size


# ---------------------------------------------------------------------------------------------------------------
# the module


def test_listed_in_all():
    assert "texture_mosaic" in data.__all__


# ---------------------------------------------------------------------------------------------------------------
# shapes, types, determinism


def test_shapes_dtypes_and_range(mosaic):
    image, labels = mosaic
    assert image.shape == (96, 96) and image.dtype == np.float64
    assert labels.shape == (96, 96) and labels.dtype == np.int64
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert np.isfinite(image).all()


def test_deterministic_in_seed():
    a = texture_mosaic(size=64, seed=3)
    b = texture_mosaic(size=64, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = texture_mosaic(size=64, seed=np.random.default_rng(7))
    d = texture_mosaic(size=64, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(c[0], d[0])
    np.testing.assert_array_equal(c[1], d[1])


def test_depends_on_seed():
    a_img, a_lab = texture_mosaic(size=64, seed=0)
    b_img, b_lab = texture_mosaic(size=64, seed=1)
    assert (a_lab != b_lab).mean() > 0.05
    assert np.abs(a_img - b_img).mean() > 0.01


def test_does_not_change_the_cached_images():
    before = load_image("brick", as_gray=True)
    texture_mosaic(size=64, seed=0)
    np.testing.assert_array_equal(load_image("brick", as_gray=True), before)


# ---------------------------------------------------------------------------------------------------------------
# the regions


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_every_region_present_large_and_connected(n):
    for seed in range(4):
        _, labels = texture_mosaic(size=64, seed=seed, textures=SIX[:n])
        counts = np.bincount(labels.ravel(), minlength=n)
        assert labels.min() == 0 and labels.max() == n - 1
        assert counts.min() >= 0.3 * labels.size / n, (seed, counts)
        for i in range(n):
            _, pieces = ndi.label(labels == i)  # 4-connectivity
            assert pieces == 1, (seed, i, pieces)


def boundary_line_residuals(labels):
    """For each pair of adjacent regions, the largest distance of their boundary pixels from the best-fit line."""
    out = []
    n = labels.max() + 1
    for a in range(n):
        for b in range(a + 1, n):
            touches = np.zeros(labels.shape, dtype=bool)
            touches[:-1] |= labels[1:] == b
            touches[1:] |= labels[:-1] == b
            touches[:, :-1] |= labels[:, 1:] == b
            touches[:, 1:] |= labels[:, :-1] == b
            points = np.argwhere((labels == a) & touches).astype(float)
            if len(points) < 20:
                continue
            points -= points.mean(axis=0)
            normal = np.linalg.svd(points, full_matrices=False)[2][1]  # total least squares line
            out.append(np.abs(points @ normal).max())
    return out


def test_boundaries_are_curved():
    # the boundaries of a plain Voronoi partition are straight: within half a pixel of a line (checked here)
    c = (np.arange(128) + 0.5) / 128
    yy, xx = np.meshgrid(c, c, indexing="ij")
    sites = np.array([[0.2, 0.3], [0.7, 0.2], [0.5, 0.8]])
    voronoi = np.argmin((xx[..., None] - sites[:, 0]) ** 2 + (yy[..., None] - sites[:, 1]) ** 2, axis=-1)
    assert max(boundary_line_residuals(voronoi)) < 1.0
    for seed in range(4):
        _, labels = texture_mosaic(size=128, seed=seed)
        assert max(boundary_line_residuals(labels)) > 1.5, seed


def test_region_i_is_a_crop_of_texture_i():
    # with match="moments" a region is an affine function of its crop: a patch inside region i is found in
    # photograph i with a normalised cross-correlation of 1, and nowhere near as well in the others
    names = ("brick", "grass", "gravel")
    image, labels = texture_mosaic(size=128, seed=2, textures=names, match="moments")
    for i, name in enumerate(names):
        inner = ndi.binary_erosion(labels == i, iterations=8)
        r, c = np.argwhere(inner)[len(np.argwhere(inner)) // 2]
        patch = image[r - 6 : r + 7, c - 6 : c + 7]
        scores = {other: match_template(load_image(other, as_gray=True), patch).max() for other in names}
        assert scores[name] > 0.999, (name, scores)
        assert all(scores[o] < 0.95 for o in names if o != name), (name, scores)


def test_histogram_matching_keeps_the_rank_order():
    # the same seed gives the same layout and crops for both modes; "histogram" is a monotone map of "moments"
    a_img, a_lab = texture_mosaic(size=64, seed=4, match="histogram")
    b_img, b_lab = texture_mosaic(size=64, seed=4, match="moments")
    np.testing.assert_array_equal(a_lab, b_lab)
    for i in range(3):
        hist, moments = a_img[a_lab == i], b_img[b_lab == i]
        # a lower grey level in "moments" is a lower one in "histogram" (equal ones may come out in any order)
        levels, group = np.unique(moments, return_inverse=True)
        lo = np.full(levels.size, np.inf)
        hi = np.full(levels.size, -np.inf)
        np.minimum.at(lo, group, hist)
        np.maximum.at(hi, group, hist)
        assert levels.size > 50
        assert (hi[:-1] <= lo[1:]).all()


# ---------------------------------------------------------------------------------------------------------------
# intensity cannot tell the regions apart


@pytest.mark.parametrize("match", ["histogram", "moments"])
def test_equal_means_and_standard_deviations(match):
    image, labels = texture_mosaic(size=128, seed=1, match=match)
    for i in range(3):
        values = image[labels == i]
        assert abs(values.mean() - 0.5) < 0.005
        assert abs(values.std() - 0.12) < 0.005


def test_histogram_mode_gives_equal_grey_level_histograms():
    image, labels = texture_mosaic(size=128, seed=1)
    q = np.linspace(0.02, 0.98, 25)
    quantiles = np.stack([np.quantile(image[labels == i], q) for i in range(3)])
    assert np.abs(quantiles - quantiles.mean(axis=0)).max() < 0.002
    # the raw photographs are not alike at all: brick is darker and bimodal
    raw = np.stack([np.quantile(load_image(n, as_gray=True), q) for n in ("brick", "grass", "gravel")])
    assert np.abs(raw - raw.mean(axis=0)).max() > 0.05


def test_intensity_alone_does_no_better_than_chance():
    image, labels = texture_mosaic(size=128, seed=0)
    chance = np.bincount(labels.ravel()).max() / labels.size  # everything labelled as the largest region
    # even the best classifier of the binned grey level, fitted on the ground truth itself, is at chance
    assert best_intensity_classifier_accuracy(image, labels) < chance + 0.03
    # and so is k-means on the intensity (1-D, three clusters, Lloyd from the quantiles)
    x = image.ravel()
    centers = np.quantile(x, [1 / 6, 1 / 2, 5 / 6])
    for _ in range(50):
        assign = np.argmin(np.abs(x[:, None] - centers[None, :]), axis=1)
        centers = np.array([x[assign == j].mean() for j in range(3)])
    assert matched_accuracy(assign.reshape(labels.shape), labels, 3) < chance + 0.05


def test_moments_mode_leaves_the_histogram_shapes_different():
    # the documented difference: equal means and stds, but a per-pixel classifier does better than chance
    image, labels = texture_mosaic(size=128, seed=0, match="moments")
    chance = np.bincount(labels.ravel()).max() / labels.size
    assert best_intensity_classifier_accuracy(image, labels) > chance + 0.05


# ---------------------------------------------------------------------------------------------------------------
# textures smaller than the mosaic


def test_small_textures_are_extended_by_mirroring():
    # "microaneurysms" is 102 x 102, "text" 172 x 448, "page" 191 x 384: all smaller than 256 in some direction
    image, labels = texture_mosaic(size=256, seed=0, textures=("microaneurysms", "text", "page"))
    assert image.shape == (256, 256)
    assert set(np.unique(labels)) == {0, 1, 2}
    for i in range(3):
        assert abs(image[labels == i].mean() - 0.5) < 0.01


# ---------------------------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(size=31), ValueError, ["size", "at least 32", "31"]),
        (dict(size=64.0), TypeError, ["size", "int"]),
        (dict(size=True), TypeError, ["size"]),
        (dict(textures=("brick", "grass")), ValueError, ["3 to 6", "2"]),
        (dict(textures=SIX + ("text",)), ValueError, ["3 to 6", "7"]),
        (dict(textures=("brick", "grass", "gravl")), ValueError, ["gravl", "gravel"]),
        (dict(textures=("brick", "grass", "brick")), ValueError, ["distinct"]),
        (dict(textures="brick"), TypeError, ["list or tuple"]),
        (dict(textures=("brick", "grass", 3)), TypeError, ["textures[2]"]),
        (dict(match="mean"), ValueError, ["histogram", "moments", "mean"]),
        (dict(match=None), TypeError, ["match", "str", "None"]),
        (dict(seed=-1), ValueError, ["seed"]),
        (dict(seed=1.5), TypeError, ["seed"]),
    ],
)
def test_bad_input(kwargs, error, words):
    with pytest.raises(error) as info:
        texture_mosaic(**{"size": 64, **kwargs})
    for word in words:
        assert word in str(info.value)
