"""Tests of coursekit.features: pixel features, the filter bank, filter responses, textons and texton histograms."""

import dataclasses
import importlib
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from scipy.signal import convolve2d
from skimage.color import rgb2gray, rgb2lab, rgb2luv

from coursekit import features as F
from coursekit.features import (
    FilterBank,
    filter_bank,
    filter_responses,
    pixel_features,
    texton_histograms,
    texton_map,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One BLAS/OpenMP thread: the test machines are shared, and oversubscribed threads make k-means crawl."""
    from sklearn.cluster import KMeans  # noqa: F401  (load OpenMP before limiting it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def bank():
    return filter_bank()


def rng_image(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


def matched_accuracy(pred, target, n):
    """Pixel accuracy after the best one-to-one matching of predicted and true labels (Hungarian algorithm)."""
    cm = np.zeros((n, max(n, int(pred.max()) + 1)))
    np.add.at(cm, (target.ravel(), pred.ravel()), 1)
    rows, cols = linear_sum_assignment(-cm)
    return cm[rows, cols].sum() / target.size


def same_up_to_permutation(a, b):
    """True when label maps a and b induce the same partition."""
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return len(np.unique(pairs[0])) == pairs.shape[1] == len(np.unique(pairs[1]))


# ---------------------------------------------------------------------------------------------------------------
# the module


def test_all_lists_the_public_names():
    for name in ["pixel_features", "filter_bank", "filter_responses", "texton_map", "texton_histograms",
                 "FilterBank", "COLOR_SPACES"]:
        assert name in F.__all__
        assert hasattr(F, name)


def test_import_is_light_and_torch_free():
    code = ("import sys, coursekit.features; "
            "print(sorted(m for m in ('skimage', 'matplotlib', 'torch', 'scipy', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


FEATURE_MODULES = ["coursekit.features", "coursekit.features.colour", "coursekit.features.filters",
                   "coursekit.features.textons"]


@pytest.mark.parametrize("name", FEATURE_MODULES + ["coursekit.features._validate"])
def test_no_sklearn_in_the_source(name):
    import inspect

    assert "sklearn" not in inspect.getsource(importlib.import_module(name)).replace("scikit-learn", "")


# ---------------------------------------------------------------------------------------------------------------
# pixel_features


@pytest.mark.parametrize("space, dim", [("gray", 1), ("rgb", 3), ("lab", 3), ("luv", 3)])
def test_pixel_features_shape_and_dtype(space, dim):
    image = rng_image((5, 7, 3))
    out = pixel_features(image, space=space)
    assert out.shape == (35, dim) and out.dtype == np.float64
    out = pixel_features(image, space=space, position_weight=0.5)
    assert out.shape == (35, dim + 2) and out.dtype == np.float64


def test_pixel_features_raster_order_against_a_loop():
    image = rng_image((4, 6, 3), seed=1)
    out = pixel_features(image, space="rgb")
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            np.testing.assert_array_equal(out[y * w + x], image[y, x])


@pytest.mark.parametrize("space, convert", [("lab", rgb2lab), ("luv", rgb2luv)])
def test_pixel_features_colour_spaces_match_skimage(space, convert):
    image = rng_image((6, 5, 3), seed=2)
    out = pixel_features(image, space=space)
    for y, x in [(0, 0), (2, 3), (5, 4)]:
        np.testing.assert_allclose(out[y * 5 + x], convert(image[y : y + 1, x : x + 1])[0, 0], atol=1e-10)
    # white has L* = 100, black L* = 0
    corners = np.zeros((1, 2, 3))
    corners[0, 1] = 1.0
    np.testing.assert_allclose(pixel_features(corners, space=space)[:, 0], [0.0, 100.0], atol=1e-6)


def test_pixel_features_gray():
    rgb = rng_image((3, 4, 3), seed=3)
    np.testing.assert_allclose(pixel_features(rgb, space="gray")[:, 0], rgb2gray(rgb).ravel())
    np.testing.assert_allclose(pixel_features(rgb, space="gray")[5, 0],
                               0.2125 * rgb[1, 1, 0] + 0.7154 * rgb[1, 1, 1] + 0.0721 * rgb[1, 1, 2])
    gray = rng_image((3, 4), seed=4)
    np.testing.assert_array_equal(pixel_features(gray, space="gray"), gray.reshape(12, 1))
    assert pixel_features(gray, space=" GRAY ").shape == (12, 1)  # case and blanks do not matter


@pytest.mark.parametrize("space", ["rgb", "lab", "luv"])
def test_pixel_features_grey_image_with_a_colour_space_is_refused(space):
    with pytest.raises(ValueError) as info:
        pixel_features(rng_image((3, 4)), space=space)
    assert "gray" in str(info.value) and "(3, 4)" in str(info.value)


@pytest.mark.parametrize("space, colour_range", [("gray", 1.0), ("rgb", 1.0), ("lab", 100.0), ("luv", 100.0)])
def test_pixel_features_position_columns(space, colour_range):
    h, w, weight = 3, 5, 2.5
    image = rng_image((h, w, 3), seed=5)
    out = pixel_features(image, space=space, position_weight=weight)
    for y in range(h):
        for x in range(w):
            # x is the column, y the row, both divided by the longer side and scaled by the colour range
            np.testing.assert_allclose(out[y * w + x, -2:], [weight * colour_range * x / 5,
                                                             weight * colour_range * y / 5])
    np.testing.assert_array_equal(out[:, :-2], pixel_features(image, space=space))


def test_pixel_features_position_uses_the_longer_side_for_both_axes():
    out = pixel_features(np.zeros((8, 2)), space="gray", position_weight=1.0)
    assert out[:, 2].max() == pytest.approx(7 / 8)  # last row
    assert out[:, 1].max() == pytest.approx(1 / 8)  # last column, same scale


def test_pixel_features_does_not_modify_its_input():
    image = rng_image((4, 4, 3))
    copy = image.copy()
    out = pixel_features(image, space="rgb")
    out[:] = -1.0
    np.testing.assert_array_equal(image, copy)


@pytest.mark.parametrize(
    "image, kwargs, error, words",
    [
        (np.zeros(5), {}, ValueError, ["(H, W)", "(5,)"]),
        (np.zeros((2, 3, 4)), {}, ValueError, ["alpha", "(2, 3, 4)"]),
        (np.zeros((2, 3, 2)), {}, ValueError, ["(2, 3, 2)"]),
        (np.zeros((2, 2, 3, 3)), {}, ValueError, ["(2, 2, 3, 3)"]),
        (np.zeros((0, 3, 3)), {}, ValueError, ["at least one"]),
        (np.full((2, 2, 3), 255.0), {}, ValueError, ["[0, 1]", "255"]),
        (np.full((2, 2, 3), -0.1), {}, ValueError, ["[0, 1]"]),
        (np.full((2, 2, 3), np.nan), {}, ValueError, ["finite", "nan"]),
        (np.zeros((2, 2, 3), dtype=complex), {}, TypeError, ["complex"]),
        (np.zeros((2, 2, 3)), {"space": "hsv"}, ValueError, ["hsv", "lab"]),
        (np.zeros((2, 2, 3)), {"space": 3}, TypeError, ["space"]),
        (np.zeros((2, 2, 3)), {"position_weight": -1.0}, ValueError, ["position_weight", "-1"]),
        (np.zeros((2, 2, 3)), {"position_weight": np.inf}, ValueError, ["position_weight"]),
        (np.zeros((2, 2, 3)), {"position_weight": "1"}, TypeError, ["position_weight"]),
    ],
)
def test_pixel_features_bad_input(image, kwargs, error, words):
    with pytest.raises(error) as info:
        pixel_features(image, **kwargs)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# filter_bank


@pytest.mark.parametrize("sizes, n_orientations", [((1, 2, 4), 6), ((1, 2), 6), ((1.5,), 4), ((1, 2, 4), 8)])
def test_filter_bank_counts(sizes, n_orientations):
    b = filter_bank(sizes=sizes, n_orientations=n_orientations)
    kinds = list(b.kinds)
    assert kinds.count("d1") == kinds.count("d2") == n_orientations * len(sizes)
    assert kinds.count("log") == len(sizes)
    assert kinds.count("gauss") == 1
    assert len(b) == b.kernels.shape[0] == len(b.names) == len(b.sigmas) == len(b.thetas)


def test_default_bank(bank):
    assert len(bank) == 40  # 6 orientations x 3 scales x (edge, bar) + 3 LoG + 1 Gaussian
    assert bank.kernels.shape == (40, 73, 73) and bank.kernels.dtype == np.float64
    assert bank.size == 73
    assert len(set(bank.names)) == 40
    assert bank.names[0] == "d1 sigma=1 theta=0deg"
    assert "d1 sigma=2 theta=30deg" in bank.names and "d2 sigma=4 theta=150deg" in bank.names
    assert "log sigma=2" in bank.names and bank.names[-1] == "gauss sigma=4"
    assert [bank.thetas[i] for i in bank.indices("d1", sigma=1)] == [0, 30, 60, 90, 120, 150]
    assert all(np.isnan(bank.thetas[i]) for i in bank.indices("log"))


def test_filter_bank_size_parameter():
    assert filter_bank(sizes=(1,), size=11).kernels.shape[1:] == (11, 11)
    assert filter_bank(sizes=(1, 2)).size == 2 * 18 + 1  # three standard deviations of the 3 x 2 long axis


def test_filter_bank_is_frozen_and_read_only(bank):
    with pytest.raises(dataclasses.FrozenInstanceError):
        bank.kernels = None
    with pytest.raises(ValueError):
        bank.kernels[0, 0, 0] = 1.0


def test_derivative_filters_zero_mean_and_l1_normalised(bank):
    for j, kind in enumerate(bank.kinds):
        k = bank.kernels[j]
        if kind == "gauss":
            assert k.sum() == pytest.approx(1.0) and k.min() >= 0.0
        else:
            assert abs(k.sum()) < 1e-12, bank.names[j]
            assert np.abs(k).sum() == pytest.approx(1.0), bank.names[j]


def test_filter_symmetries(bank):
    for j, kind in enumerate(bank.kinds):
        k = bank.kernels[j]
        flipped = k[::-1, ::-1]  # rotation by 180 degrees
        if kind == "d1":
            np.testing.assert_allclose(flipped, -k, atol=1e-15)  # odd: an edge
        else:
            np.testing.assert_allclose(flipped, k, atol=1e-15)  # even: bars, spots, blur
        if kind in ("log", "gauss"):
            np.testing.assert_allclose(k.T, k, atol=1e-15)  # isotropic


def test_theta_zero_and_ninety_are_transposes(bank):
    for kind in ("d1", "d2"):
        for sigma in (1, 2, 4):
            idx = bank.indices(kind, sigma=sigma)
            k0, k90 = bank.kernels[idx[0]], bank.kernels[idx[3]]
            np.testing.assert_allclose(k0.T, k90, atol=1e-15)


def test_oriented_filters_are_elongated_three_to_one(bank):
    for sigma in (1, 2):
        k = bank.kernels[bank.indices("d2", sigma=sigma)[0]]  # theta = 0: derivative along x, long along y
        centre = k.shape[0] // 2
        along = np.abs(k[:, centre])  # the profile along the edge (y): a Gaussian of std 3 sigma
        y = np.arange(k.shape[0]) - centre
        spread = np.sqrt((along * y**2).sum() / along.sum())
        assert spread == pytest.approx(3 * sigma, rel=0.05)


def step_edge(theta_deg, size=65):
    """A smooth step edge through the centre whose intensity increases along (cos theta, sin theta) in (x, y)."""
    t = np.deg2rad(theta_deg)
    y, x = np.mgrid[0:size, 0:size] - size // 2
    u = x * np.cos(t) + y * np.sin(t)
    return 0.2 + 0.6 / (1.0 + np.exp(-u / 0.7))


@pytest.mark.parametrize("sigma", [1, 2, 4])
def test_edge_filter_responds_most_across_its_orientation(bank, sigma):
    idx = bank.indices("d1", sigma=sigma)
    thetas = np.array([bank.thetas[i] for i in idx])
    for j, theta in enumerate(thetas):
        image = step_edge(theta)
        r = filter_responses(image, bank.kernels[idx])[32, 32]
        assert np.argmax(r) == j, (theta, r)
        assert r[j] > 0  # intensity increases along the derivative direction
        assert abs(r[(j + 3) % 6]) < 0.05 * r[j]  # the filter along the edge sees (almost) nothing
        # the opposite edge gives the opposite response
        assert filter_responses(1.0 - image, bank.kernels[idx[j]][None])[32, 32, 0] == pytest.approx(-r[j])


def test_bar_filter_responds_most_along_the_bar(bank):
    idx = bank.indices("d2", sigma=2)
    for j, theta in enumerate(bank.thetas[i] for i in idx):
        t = np.deg2rad(theta)
        y, x = np.mgrid[0:65, 0:65] - 32
        u = x * np.cos(t) + y * np.sin(t)
        bar = 0.2 + 0.6 * np.exp(-(u**2) / (2 * 2.0**2))  # a bright line perpendicular to (cos t, sin t)
        r = filter_responses(bar, bank.kernels[idx])[32, 32]
        assert np.argmin(r) == j and r[j] < 0


@pytest.mark.parametrize("sigma", [1, 2, 4])
def test_log_selects_the_scale_of_a_blob(bank, sigma):
    idx = bank.indices("log")
    y, x = np.mgrid[0:65, 0:65] - 32
    blob = 0.1 + 0.8 * np.exp(-(x**2 + y**2) / (2.0 * sigma**2))  # a bright Gaussian blob of std sigma
    r = filter_responses(blob, bank.kernels[idx])[32, 32]
    assert [bank.sigmas[i] for i in idx][np.argmin(r)] == sigma
    assert r.min() < 0  # bright spot: negative LoG


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(sizes=()), ValueError, ["at least one"]),
        (dict(sizes=(1, -2)), ValueError, ["positive", "-2"]),
        (dict(sizes=(1, np.nan)), ValueError, ["positive"]),
        (dict(sizes=(2, 2)), ValueError, ["distinct"]),
        (dict(sizes=2), TypeError, ["sequence"]),
        (dict(sizes=("1",)), TypeError, ["sizes[0]"]),
        (dict(n_orientations=0), ValueError, ["n_orientations", "at least 1"]),
        (dict(n_orientations=2.5), TypeError, ["n_orientations"]),
        (dict(size=10), ValueError, ["odd", "10"]),
        (dict(size=1), ValueError, ["size", "at least 3"]),
    ],
)
def test_filter_bank_bad_input(kwargs, error, words):
    with pytest.raises(error) as info:
        filter_bank(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_filter_bank_class_validates():
    with pytest.raises(ValueError, match="S odd"):
        FilterBank(kernels=np.zeros((1, 4, 4)), names=("a",), kinds=("d1",), sigmas=(1.0,), thetas=(0.0,))
    with pytest.raises(ValueError, match="names"):
        FilterBank(kernels=np.zeros((2, 3, 3)), names=("a",), kinds=("d1",) * 2, sigmas=(1.0,) * 2,
                   thetas=(0.0,) * 2)
    with pytest.raises(ValueError, match="kind"):
        filter_bank().indices("edge")


# ---------------------------------------------------------------------------------------------------------------
# filter_responses


def test_filter_responses_equal_a_direct_convolution():
    image = rng_image((23, 31), seed=6)
    b = filter_bank(sizes=(1, 1.5), n_orientations=4, size=9)
    out = filter_responses(image, b)
    assert out.shape == (23, 31, len(b)) and out.dtype == np.float64
    for j in range(len(b)):
        expected = convolve2d(image, b.kernels[j], mode="same", boundary="symm")
        np.testing.assert_allclose(out[:, :, j], expected, atol=1e-12)


def test_filter_responses_with_kernels_larger_than_the_image(bank):
    image = rng_image((12, 20), seed=7)
    out = filter_responses(image, bank)  # 73 x 73 kernels on a 12 x 20 image
    for j in (0, 20, 37, 39):
        expected = ndi.convolve(image, bank.kernels[j], mode="reflect")
        np.testing.assert_allclose(out[:, :, j], expected, atol=1e-12)


def test_filter_responses_accepts_an_array_of_kernels(bank):
    image = rng_image((16, 16), seed=8)
    np.testing.assert_allclose(filter_responses(image, bank.kernels[:3]), filter_responses(image, bank)[..., :3],
                               atol=1e-12)


def test_filter_responses_constant_image(bank):
    out = filter_responses(np.full((20, 24), 0.3), bank)
    zero_mean = [i for i, k in enumerate(bank.kinds) if k != "gauss"]
    assert np.abs(out[..., zero_mean]).max() < 1e-12
    np.testing.assert_allclose(out[..., -1], 0.3)


def test_filter_responses_fast_enough(bank):
    image = rng_image((256, 256), seed=9)
    filter_responses(image[:32, :32], bank)  # import scipy.fft first
    best = np.inf
    for _ in range(2):
        start = time.perf_counter()
        filter_responses(image, bank)
        best = min(best, time.perf_counter() - start)
    assert best < 1.0  # about 0.1 s on a laptop; a direct convolution with 73 x 73 kernels takes seconds


@pytest.mark.parametrize(
    "image, kernels, error, words",
    [
        (np.zeros((8, 8, 3)), None, ValueError, ["rgb2gray", "(8, 8, 3)"]),
        (np.zeros(8), None, ValueError, ["2-D", "(8,)"]),
        (np.full((8, 8), 2.0), None, ValueError, ["[0, 1]"]),
        (np.full((8, 8), np.nan), None, ValueError, ["finite"]),
        (np.zeros((8, 8)), np.zeros((3, 3)), ValueError, ["kernel[None]"]),
        (np.zeros((8, 8)), np.zeros((2, 4, 4)), ValueError, ["S odd", "(2, 4, 4)"]),
        (np.zeros((8, 8)), np.zeros((2, 3, 5)), ValueError, ["(2, 3, 5)"]),
        (np.zeros((8, 8)), np.zeros((0, 3, 3)), ValueError, ["at least one"]),
        (np.zeros((8, 8)), np.full((1, 3, 3), np.inf), ValueError, ["finite"]),
        (np.zeros((8, 8)), np.array([[["a"]]]), TypeError, ["bank"]),
    ],
)
def test_filter_responses_bad_input(image, kernels, error, words):
    with pytest.raises(error) as info:
        filter_responses(image, filter_bank(sizes=(1,), size=3) if kernels is None else kernels)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# texton_map


def blobs_in_response_space(seed=0):
    """(12, 10, 4) responses: three well-separated groups of pixels (rows 0-3, 4-7, 8-11)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0, 0], [10, 0, 0, 0], [0, 0, 10, 10]], dtype=float)
    truth = np.repeat(np.arange(3), 40).reshape(12, 10)
    return centres[truth] + 0.3 * rng.standard_normal((12, 10, 4)), truth


def test_texton_map_finds_well_separated_clusters():
    responses, truth = blobs_in_response_space()
    labels = texton_map(responses, k=3, seed=0)
    assert labels.shape == (12, 10) and labels.dtype == np.int64
    assert same_up_to_permutation(labels, truth)


def test_texton_map_is_a_fixed_point_of_lloyd():
    # with all pixels used for the fit, every pixel is nearest to the mean of its own texton
    responses = rng_image((15, 17, 5), seed=10)
    k = 6
    labels = texton_map(responses, k=k, seed=1, max_samples=None)
    points = responses.reshape(-1, 5)
    flat = labels.ravel()
    assert set(np.unique(flat)) <= set(range(k))
    means = np.stack([points[flat == j].mean(axis=0) for j in np.unique(flat)])
    nearest = np.unique(flat)[np.argmin(((points[:, None, :] - means[None]) ** 2).sum(-1), axis=1)]
    np.testing.assert_array_equal(nearest, flat)


def test_texton_map_is_deterministic_in_seed():
    responses = rng_image((20, 20, 3), seed=11)
    a = texton_map(responses, k=5, seed=3)
    np.testing.assert_array_equal(a, texton_map(responses, k=5, seed=3))
    np.testing.assert_array_equal(texton_map(responses, k=5, seed=np.random.default_rng(4)),
                                  texton_map(responses, k=5, seed=np.random.default_rng(4)))


def test_texton_map_subsample_still_assigns_every_pixel():
    responses, truth = blobs_in_response_space(seed=1)
    labels = texton_map(responses, k=3, seed=0, max_samples=20)
    assert same_up_to_permutation(labels, truth)


def test_texton_map_special_cases():
    responses = rng_image((4, 5, 2), seed=12)
    np.testing.assert_array_equal(texton_map(responses, k=1, seed=0), np.zeros((4, 5), dtype=np.int64))
    every = texton_map(responses, k=20, seed=0)  # one texton per pixel
    assert len(np.unique(every)) == 20
    # a 2-D array is one feature per pixel
    gray = np.zeros((4, 6))
    gray[:, 3:] = 1.0
    labels = texton_map(gray, k=2, seed=0)
    assert same_up_to_permutation(labels, (gray > 0.5).astype(int))
    # identical responses everywhere: no crash, one texton used
    assert len(np.unique(texton_map(np.zeros((5, 5, 3)), k=3, seed=0))) == 1


def test_texton_map_with_fewer_distinct_responses_than_textons():
    # two distinct response vectors (and -0.0, the same point as 0.0): two textons, whatever k
    responses = np.zeros((6, 6, 2))
    responses[:, 4:] = [3.0, 1.0]
    responses[0, 0] = [-0.0, 0.0]
    labels = texton_map(responses, k=5, seed=0)
    assert set(np.unique(labels)) <= set(range(5))
    assert same_up_to_permutation(labels, (responses[..., 0] > 1).astype(int))


@pytest.mark.parametrize("seed", range(3))
def test_texton_map_equals_scikit_learn_lloyd_from_the_same_seeding(seed):
    # textons are the course's k-means: from the k-means++ centres that seed draws (coursekit.clustering), the
    # labels are those of scikit-learn's Lloyd iterations from the same centres
    from sklearn.cluster import KMeans

    from coursekit.clustering import kmeans_plus_plus

    responses = filter_responses(rng_image((40, 50), seed=20 + seed), filter_bank(sizes=(1.0, 2.0), size=13))
    points = responses.reshape(-1, responses.shape[-1])
    k = 6
    init = kmeans_plus_plus(points, k, seed=seed)
    peer = KMeans(k, init=init, n_init=1, algorithm="lloyd", max_iter=100, tol=0.0).fit(points)
    assert np.bincount(peer.labels_, minlength=k).min() > 0  # no empty cluster: the two rules agree
    np.testing.assert_array_equal(texton_map(responses, k=k, seed=seed, max_samples=None).ravel(), peer.labels_)


@pytest.mark.parametrize(
    "responses, kwargs, error, words",
    [
        (np.zeros((4, 4, 2)), dict(k=0), ValueError, ["k", "at least 1"]),
        (np.zeros((4, 4, 2)), dict(k=17), ValueError, ["k", "16", "17"]),
        (np.zeros((4, 4, 2)), dict(k=2.0), TypeError, ["k"]),
        (np.zeros((4, 4, 2)), dict(k=3, max_samples=2), ValueError, ["max_samples", "2"]),
        (np.zeros((4, 4, 2)), dict(k=2, seed="a"), TypeError, ["seed"]),
        (np.zeros((4, 4, 2, 1)), dict(k=2), ValueError, ["(H, W, F)", "(4, 4, 2, 1)"]),
        (np.zeros((0, 4, 2)), dict(k=2), ValueError, ["empty"]),
        (np.full((4, 4, 2), np.nan), dict(k=2), ValueError, ["finite"]),
    ],
)
def test_texton_map_bad_input(responses, kwargs, error, words):
    with pytest.raises(error) as info:
        texton_map(responses, **kwargs)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# texton_histograms


def brute_force_histograms(t, k, window):
    half = window // 2
    padded = np.pad(t, half, mode="symmetric")  # d c b a | a b c d
    out = np.zeros(t.shape + (k,))
    for y in range(t.shape[0]):
        for x in range(t.shape[1]):
            patch = padded[y : y + window, x : x + window]
            out[y, x] = np.bincount(patch.ravel(), minlength=k) / window**2
    return out


@pytest.mark.parametrize("window", [1, 3, 5, 7])
def test_texton_histograms_equal_a_brute_force_loop(window):
    t = np.random.default_rng(13).integers(0, 4, size=(7, 9))
    np.testing.assert_allclose(texton_histograms(t, k=4, window=window), brute_force_histograms(t, 4, window),
                               atol=1e-12)


def test_texton_histograms_rows_sum_to_one():
    t = np.random.default_rng(14).integers(0, 6, size=(30, 25))
    h = texton_histograms(t, k=8, window=9)  # textons 6 and 7 unused
    assert h.shape == (30, 25, 8) and h.dtype == np.float64
    np.testing.assert_allclose(h.sum(axis=-1), 1.0, atol=1e-12)
    assert h.min() >= 0.0 and h[..., 6:].max() == 0.0
    np.testing.assert_allclose(h * 81, np.round(h * 81), atol=1e-9)  # counts out of 9 x 9


def test_texton_histograms_of_a_constant_map_and_of_bool():
    np.testing.assert_array_equal(texton_histograms(np.full((3, 3), 2), k=3, window=3)[..., 2], np.ones((3, 3)))
    h = texton_histograms(np.eye(3, dtype=bool), k=2, window=1)
    np.testing.assert_array_equal(h[..., 1], np.eye(3))


@pytest.mark.parametrize(
    "t, kwargs, error, words",
    [
        (np.zeros((4, 4), dtype=float), dict(k=2, window=3), ValueError, ["integer", "float64"]),
        (np.zeros(4, dtype=int), dict(k=2, window=3), ValueError, ["(H, W)", "(4,)"]),
        (np.zeros((0, 4), dtype=int), dict(k=2, window=3), ValueError, ["empty"]),
        (np.full((4, 4), -1), dict(k=2, window=3), ValueError, ["[0, 2)", "-1"]),
        (np.full((4, 4), 2), dict(k=2, window=3), ValueError, ["[0, 2)", "2"]),
        (np.zeros((4, 4), dtype=int), dict(k=0, window=3), ValueError, ["k", "at least 1"]),
        (np.zeros((4, 4), dtype=int), dict(k=2, window=4), ValueError, ["odd", "4"]),
        (np.zeros((4, 4), dtype=int), dict(k=2, window=0), ValueError, ["window", "at least 1"]),
        (np.zeros((4, 4), dtype=int), dict(k=2, window=3.0), TypeError, ["window"]),
    ],
)
def test_texton_histograms_bad_input(t, kwargs, error, words):
    with pytest.raises(error) as info:
        texton_histograms(t, **kwargs)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# the lecture's point: texture separates what intensity cannot


def test_texton_histograms_segment_a_texture_mosaic_better_than_intensity(bank):
    from sklearn.cluster import KMeans

    from coursekit.data import texture_mosaic

    image, truth = texture_mosaic(size=128, seed=0)  # brick, grass, gravel with identical grey-level histograms
    n = 3
    k, window = 16, 31
    textons = texton_map(filter_responses(image, bank), k=k, seed=0)
    hist = texton_histograms(textons, k=k, window=window)
    # k-means on the square roots of the histograms (Euclidean distance between them ~ Hellinger distance)
    texture = KMeans(n, n_init=4, random_state=0).fit_predict(np.sqrt(hist).reshape(-1, k)).reshape(truth.shape)
    intensity = KMeans(n, n_init=4, random_state=0).fit_predict(image.reshape(-1, 1)).reshape(truth.shape)
    chance = np.bincount(truth.ravel()).max() / truth.size
    acc_texture = matched_accuracy(texture, truth, n)
    acc_intensity = matched_accuracy(intensity, truth, n)
    assert acc_intensity < chance + 0.05
    assert acc_texture > acc_intensity + 0.12, (acc_texture, acc_intensity)
