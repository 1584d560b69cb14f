"""Chapter 1, segmentation as clustering: its exercises fail plausible
mistakes on visible and hidden cases for any seed, catch delegation to coursekit or scikit-learn; the k-means and
mean-shift explorers redraw on every slider and refuse bad input."""

import doctest

import numpy as np
import pytest

from coursekit import widgets
from coursekit.grading import CheckFailed, check, exercises, get_exercise
from coursekit.grading import ch01_clustering as ch01
from coursekit.grading.check import case_rng

from conftest import SEEDS, assert_mistake_caught, message_of

NAME = "01_clustering"
ASSIGN, UPDATE, LOOP, FEATURES, E, M, SHIFT = (f"clustering.{f}" for f in (
    "assign_labels", "update_centers", "kmeans_loop", "pixel_features", "e_step", "m_step", "mean_shift_step"))






def test_the_chapter_registers_seven_exercises():
    registered = exercises(NAME)
    assert [(ex.id, ex.function, ex.points) for ex in registered] == [
        (ASSIGN, "assign_labels", 1), (UPDATE, "update_centers", 2), (LOOP, "kmeans_loop", 2),
        (FEATURES, "pixel_features", 2), (E, "e_step", 3), (M, "m_step", 2), (SHIFT, "mean_shift_step", 2)]
    for ex in registered:
        assert ex.notebook == NAME and ex.hint
        for name in ("coursekit.clustering", "coursekit.features", "sklearn.cluster", "sklearn.mixture"):
            assert name in ex.all_forbidden


def expansion_assign(X, centers):
    # an independent route: ||x||^2 - 2 x.c + ||c||^2 (exact on the integer ties of the cases)
    X, C = np.asarray(X, float), np.asarray(centers, float)
    d2 = (X ** 2).sum(1)[:, None] - 2 * X @ C.T + (C ** 2).sum(1)[None, :]
    return np.argmin(d2, axis=1)


def test_independent_implementations_pass():
    check(ASSIGN, expansion_assign)
    for seed in SEEDS[:3]:
        check(ASSIGN, expansion_assign, hidden=True, seed=seed)


# ---------------------------------------------------------------------------------------------------------------
# plausible mistakes fail, visible and hidden, for every seed


def _d2(X, C):
    X, C = np.asarray(X, float), np.asarray(C, float)
    return ((X[:, None, :] - C[None]) ** 2).sum(2)


def assign_l1(X, centers):
    X, C = np.asarray(X, float), np.asarray(centers, float)
    return np.abs(X[:, None, :] - C[None]).sum(2).argmin(1)


def assign_ties_to_highest(X, centers):
    d2 = _d2(X, centers)
    return d2.shape[1] - 1 - d2[:, ::-1].argmin(1)


def assign_argmax(X, centers):
    return _d2(X, centers).argmax(1)


def _update(X, labels, k, previous, empty="keep", k_from_labels=False, check_none=True):
    X, labels = np.asarray(X, float), np.asarray(labels)
    if k_from_labels:
        k = int(labels.max()) + 1
    out = np.zeros((k, X.shape[1]))
    for j in range(k):
        if np.any(labels == j):
            out[j] = X[labels == j].mean(0)
        elif previous is None and check_none:
            raise ValueError("empty")
        elif empty == "keep" and previous is not None:
            out[j] = np.asarray(previous, float)[j]
        elif empty == "nan":
            out[j] = np.nan
    return out


def update_empty_zero(X, labels, k, previous=None):
    return _update(X, labels, k, previous, empty="zero", check_none=False)


def update_empty_nan(X, labels, k, previous=None):
    with np.errstate(all="ignore"):
        return _update(X, labels, k, previous, empty="nan", check_none=False)


def update_k_from_labels(X, labels, k, previous=None):
    return _update(X, labels, k, previous, k_from_labels=True)


def update_no_value_error(X, labels, k, previous=None):
    return _update(X, labels, k, previous, check_none=False)


def update_ignores_previous(X, labels, k, previous=None):
    return _update(X, labels, k, None, empty="zero", check_none=True) if previous is None else \
        _update(X, labels, k, None, empty="zero", check_none=False)


def _loop(X, init, max_iter, final_assign=True, keep_empty=True, fixed=None):
    X = np.asarray(X, float)
    C = np.array(init, float)
    labels = None
    for _ in range(fixed if fixed is not None else max_iter):
        labels = _d2(X, C).argmin(1)
        with np.errstate(all="ignore"):
            C = _update(X, labels, len(C), C if keep_empty else None, empty="keep" if keep_empty else "nan",
                        check_none=False)
    return (_d2(X, C).argmin(1) if final_assign else labels), C


def loop_labels_of_previous_centres(X, init_centers, max_iter):
    return _loop(X, init_centers, max_iter, final_assign=False)


def loop_empty_nan(X, init_centers, max_iter):
    return _loop(X, init_centers, max_iter, keep_empty=False)


def loop_one_iteration(X, init_centers, max_iter):
    return _loop(X, init_centers, max_iter, fixed=1)


def loop_ignores_max_iter(X, init_centers, max_iter):
    return _loop(X, init_centers, max_iter, fixed=100)


def _features(image, space, weight, order="xy", scale="max", always=False):
    image = np.asarray(image, float)
    h, w = image.shape[:2]
    if space == "rgb" and image.ndim != 3:
        raise ValueError("rgb needs colour")
    colour = image.reshape(h * w, -1)
    if weight == 0 and not always:
        return colour.copy()
    s = weight / {"max": max(h, w), "h": h, "w": w, "max-1": max(h, w) - 1}[scale]
    y, x = np.divmod(np.arange(h * w), w)
    pos = np.stack([x, y] if order == "xy" else [y, x], 1) * s
    return np.concatenate([colour, pos], 1)


def features_yx(image, space="rgb", position_weight=0.0):
    return _features(image, space, position_weight, order="yx")


def features_by_height(image, space="rgb", position_weight=0.0):
    return _features(image, space, position_weight, scale="h")


def features_by_max_minus_one(image, space="rgb", position_weight=0.0):
    return _features(image, space, position_weight, scale="max-1")


def features_always_position(image, space="rgb", position_weight=0.0):
    return _features(image, space, position_weight, always=True)


def features_column_major(image, space="rgb", position_weight=0.0):
    image = np.asarray(image, float)
    swapped = np.swapaxes(image, 0, 1)
    out = _features(swapped, space, position_weight, order="yx")
    return out


def features_no_value_error(image, space="rgb", position_weight=0.0):
    image = np.asarray(image, float)
    return _features(np.stack([image] * 3, -1) if image.ndim == 2 and space == "rgb" else image, "gray",
                     position_weight)


def _log_a(X, weights, means, covariances, diag=False, use_weights=True):
    X = np.asarray(X, float)
    n, d = X.shape
    out = np.empty((n, len(weights)))
    for j in range(len(weights)):
        cov = np.asarray(covariances[j], float)
        if diag:
            cov = np.diag(np.diag(cov))
        diff = X - np.asarray(means[j], float)
        maha = np.einsum("ij,ij->i", diff, np.linalg.solve(cov, diff.T).T)
        out[:, j] = (np.log(weights[j]) if use_weights else 0.0) - 0.5 * (
            d * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + maha)
    return out


def _from_log(a, mean=True):
    m = a.max(1, keepdims=True)
    lp = m[:, 0] + np.log(np.exp(a - m).sum(1))
    return np.exp(a - lp[:, None]), float(lp.mean() if mean else lp.sum())


def e_without_weights(X, weights, means, covariances):
    return _from_log(_log_a(X, weights, means, covariances, use_weights=False))


def e_diagonal(X, weights, means, covariances):
    return _from_log(_log_a(X, weights, means, covariances, diag=True))


def e_sum_loglik(X, weights, means, covariances):
    return _from_log(_log_a(X, weights, means, covariances), mean=False)


def e_no_logsumexp(X, weights, means, covariances):
    with np.errstate(all="ignore"):
        p = np.exp(_log_a(X, weights, means, covariances))
        return p / p.sum(1, keepdims=True), float(np.mean(np.log(p.sum(1))))


def _m(X, R, reg, unbiased=False, eps=True, reg_on_all=False):
    X, R = np.asarray(X, float), np.asarray(R, float)
    n, d = X.shape
    nk = R.sum(0) + (10 * np.finfo(float).eps if eps else 0.0)
    with np.errstate(all="ignore"):
        means = R.T @ X / nk[:, None]
        covs = np.empty((R.shape[1], d, d))
        for j in range(R.shape[1]):
            diff = X - means[j]
            covs[j] = (R[:, j, None] * diff).T @ diff / (nk[j] - 1 if unbiased else nk[j])
            covs[j] += reg * (np.ones((d, d)) if reg_on_all else np.eye(d))
    return nk / n, means, covs


def m_unbiased(X, responsibilities, reg_covar=1e-6):
    return _m(X, responsibilities, reg_covar, unbiased=True)


def m_no_regularisation(X, responsibilities, reg_covar=1e-6):
    return _m(X, responsibilities, 0.0)


def m_reg_everywhere(X, responsibilities, reg_covar=1e-6):
    return _m(X, responsibilities, reg_covar, reg_on_all=True)


def m_no_eps(X, responsibilities, reg_covar=1e-6):
    return _m(X, responsibilities, reg_covar, eps=False)


def _shift(X, Y, h, strict=False, nan=False, shift=False, swap=False):
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    if swap:
        X = Y
    out = Y.copy()
    for i, y in enumerate(Y):
        d2 = ((X - y) ** 2).sum(1)
        inside = d2 < h ** 2 if strict else d2 <= h ** 2
        if inside.any():
            out[i] = X[inside].mean(0)
        elif nan:
            out[i] = np.nan
    return out - Y if shift else out


def shift_strict(X, points, bandwidth):
    return _shift(X, points, bandwidth, strict=True)


def shift_nan_when_alone(X, points, bandwidth):
    return _shift(X, points, bandwidth, nan=True)


def shift_returns_the_shift(X, points, bandwidth):
    return _shift(X, points, bandwidth, shift=True)


def shift_windows_of_the_points(X, points, bandwidth):
    return _shift(X, points, bandwidth, swap=True)


def shift_gaussian(X, points, bandwidth):
    X, Y = np.asarray(X, float), np.asarray(points, float)
    w = np.exp(-((Y[:, None] - X[None]) ** 2).sum(2) / (2 * bandwidth ** 2))
    return w @ X / w.sum(1, keepdims=True)


WRONG = [
    (ASSIGN, assign_l1), (ASSIGN, assign_ties_to_highest), (ASSIGN, assign_argmax),
    (UPDATE, update_empty_zero), (UPDATE, update_empty_nan), (UPDATE, update_k_from_labels),
    (UPDATE, update_no_value_error), (UPDATE, update_ignores_previous),
    (LOOP, loop_labels_of_previous_centres), (LOOP, loop_empty_nan), (LOOP, loop_one_iteration),
    (LOOP, loop_ignores_max_iter),
    (FEATURES, features_yx), (FEATURES, features_by_height), (FEATURES, features_by_max_minus_one),
    (FEATURES, features_always_position), (FEATURES, features_column_major), (FEATURES, features_no_value_error),
    (E, e_without_weights), (E, e_diagonal), (E, e_sum_loglik), (E, e_no_logsumexp),
    (M, m_unbiased), (M, m_no_regularisation), (M, m_reg_everywhere), (M, m_no_eps),
    (SHIFT, shift_strict), (SHIFT, shift_nan_when_alone), (SHIFT, shift_returns_the_shift),
    (SHIFT, shift_windows_of_the_points), (SHIFT, shift_gaussian),
]


@pytest.mark.parametrize("exercise_id, fn", WRONG, ids=[fn.__name__ for _, fn in WRONG])
def test_plausible_mistakes_fail_visible_and_hidden_for_every_seed(exercise_id, fn):
    assert_mistake_caught(exercise_id, fn)


def test_messages_say_what_differed():
    assert "lowest index" in message_of(ASSIGN, assign_ties_to_highest)
    assert "should raise ValueError" in message_of(UPDATE, update_no_value_error)
    assert "in centers" in message_of(LOOP, loop_empty_nan) or "in labels" in message_of(LOOP, loop_empty_nan)
    assert "in log_likelihood" in message_of(E, e_sum_loglik)


def test_partial_sample_mistake_fails():
    namespace = {"np": np}
    exec(ch01.PARTIAL_SAMPLE["wrong"]["update_centers"], namespace)
    with pytest.raises(CheckFailed, match="empty"):
        check(UPDATE, namespace["update_centers"])
    assert set(ch01.PARTIAL_SAMPLE["correct"]) <= {ex.function for ex in exercises(NAME)}


# ---------------------------------------------------------------------------------------------------------------
# delegating is caught


def test_calling_the_reference_is_caught():
    from coursekit import clustering, features

    def assign_labels(X, centers):
        return clustering.assign_labels(X, centers)

    assert "coursekit.clustering" in message_of(ASSIGN, assign_labels)

    def kmeans_loop(X, init_centers, max_iter):
        result = clustering.kmeans(X, len(init_centers), init=init_centers, max_iter=max_iter, tol=0)
        return result.labels, result.centers

    assert "coursekit.clustering" in message_of(LOOP, kmeans_loop)

    def via_adapter(X, init_centers, max_iter):
        return ch01.reference_kmeans_loop(X, init_centers, max_iter)

    assert "reference_kmeans_loop" in message_of(LOOP, via_adapter)

    def pixel_features(image, space="rgb", position_weight=0.0):
        return features.pixel_features(image, space, position_weight)

    assert "coursekit.features" in message_of(FEATURES, pixel_features)

    def mean_shift_step(X, points, bandwidth):
        return clustering.mean_shift_step(X, points, bandwidth)

    assert "coursekit.clustering" in message_of(SHIFT, mean_shift_step)


def test_calling_scikit_learn_is_caught():
    from sklearn.cluster import KMeans

    def kmeans_loop(X, init_centers, max_iter):
        init_centers = np.asarray(init_centers, float)
        model = KMeans(len(init_centers), init=init_centers, n_init=1, max_iter=max_iter, tol=0).fit(X)
        return model.predict(X), model.cluster_centers_

    assert "sklearn.cluster.KMeans" in message_of(LOOP, kmeans_loop)

    def assign_labels(X, centers):
        model = KMeans(len(centers), init=np.asarray(centers, float), n_init=1, max_iter=1).fit(centers)
        return model.predict(np.asarray(X, float))

    assert "sklearn.cluster.KMeans" in message_of(ASSIGN, assign_labels)

    def m_step(X, responsibilities, reg_covar=1e-6):
        from sklearn.mixture import GaussianMixture

        R = np.asarray(responsibilities, float)
        model = GaussianMixture(R.shape[1], reg_covar=reg_covar)
        model._initialize(np.asarray(X, float), R)
        return model.weights_, model.means_, model.covariances_

    assert "sklearn.mixture.GaussianMixture" in message_of(M, m_step)


# ---------------------------------------------------------------------------------------------------------------
# the cases


@pytest.mark.parametrize("seed", range(30))
def test_every_hidden_set_holds_the_traps(seed):
    words = {ASSIGN: ["lowest index", "not L1", "D = 1", "identical centres", "k = 1"],
             UPDATE: ["any order", "keeps its previous centre", "last cluster is empty", "ValueError"],
             LOOP: ["convergence", "max_iter = 1", "two iterations", "empty"],
             FEATURES: ["no position", "wider than tall", "taller than wide", "ValueError"],
             E: ["unequal weights", "full (non-diagonal)", "log space"],
             M: ["hard", "soft", "default reg_covar", "no responsibility"],
             SHIFT: ["exactly at distance", "no data point in its window", "the mean of all points"]}
    for exercise_id, expected in words.items():
        ex = get_exercise(exercise_id)
        cases = ex.cases(case_rng(ex.id, seed), True)
        labels = " | ".join(c.label for c in cases)
        for word in expected:
            assert word in labels, (exercise_id, word, labels)
        reference = ex.reference_function()
        for case in cases:
            if "ValueError" in case.label:
                with pytest.raises(ValueError):
                    reference(*case.args, **case.kwargs)
            else:
                reference(*case.args, **case.kwargs)


def test_the_traps_are_real():
    from coursekit.clustering import assign_labels, e_step

    # the tie case has a tie, the L1 case an L1 disagreement, the far point underflows
    for seed in range(10):
        cases = get_exercise(ASSIGN).cases(case_rng(ASSIGN, seed), True)
        X, C = cases[0].args
        d2 = _d2(X, C)
        assert np.any(np.sum(d2 == d2.min(1, keepdims=True), axis=1) > 1)
        X, C = cases[1].args
        assert np.any(assign_l1(X, C) != assign_labels(X, C))
        X, w, mu, cov = get_exercise(E).cases(case_rng(E, seed), True)[2].args
        with np.errstate(all="ignore"):
            assert np.any(np.exp(_log_a(X, w, mu, cov)).sum(1) == 0)
        assert np.all(np.isfinite(e_step(X, w, mu, cov)[0]))


# ---------------------------------------------------------------------------------------------------------------
# the explorers


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    img = np.zeros((40, 60, 3))
    img[:, :30] = [0.9, 0.1, 0.1]
    img[:, 30:] = [0.1, 0.2, 0.9]
    img[10:20, 10:50] = [0.1, 0.8, 0.2]
    img[25:, :, 1] = np.linspace(0, 1, 60)  # a ramp: the number of mean-shift modes depends on the bandwidth
    return np.clip(img + 0.03 * rng.normal(size=img.shape), 0, 1)


@pytest.fixture(scope="module")
def kmeans_ex(image):
    return widgets.kmeans_explorer(image, k=2, size=40)


@pytest.fixture(scope="module")
def shift_ex(image):
    return widgets.mean_shift_explorer(image, bandwidth=8.0, bandwidths=(4.0, 8.0, 16.0, 40.0), size=40)


@pytest.mark.parametrize("name, value", [("k", 4), ("position_weight", 2.0)])
def test_each_kmeans_slider_redraws(kmeans_ex, name, value):
    kmeans_ex.update(k=2, position_weight=0.0)
    before_png, before_text = kmeans_ex.picture.value, kmeans_ex.readout.value
    kmeans_ex.sliders[name].value = value
    assert kmeans_ex.params[name] == value
    assert kmeans_ex.picture.value != before_png and kmeans_ex.readout.value != before_text
    assert kmeans_ex.picture.value[:8] == b"\x89PNG\r\n\x1a\n"
    kmeans_ex.update(k=2, position_weight=0.0)
    assert kmeans_ex.picture.value == before_png  # the same parameters draw the same picture


def test_kmeans_explorer_agrees_with_the_reference(kmeans_ex):
    from coursekit.clustering import kmeans
    from coursekit.features import pixel_features

    out = kmeans_ex.update(k=3, position_weight=1.0)
    expected = kmeans(pixel_features(kmeans_ex.image, "rgb", 1.0), 3, seed=0, max_iter=50)
    assert np.isclose(out["inertia"], expected.inertia)
    labels, _, _ = kmeans_ex.result(3, 1.0)
    assert labels.shape == kmeans_ex.image.shape[:2] and max(labels.shape) <= 40


def test_bandwidth_slider_redraws(shift_ex):
    shift_ex.update(8.0)
    before_png, before_text = shift_ex.picture.value, shift_ex.readout.value
    shift_ex.slider.value = 40.0
    assert shift_ex.bandwidth == 40.0
    assert shift_ex.picture.value != before_png and shift_ex.readout.value != before_text
    few = shift_ex.update(40.0)["modes"]
    many = shift_ex.update(4.0)["modes"]
    assert many > few >= 1
    shift_ex.update(8.0)
    assert shift_ex.picture.value == before_png


@pytest.mark.parametrize("kwargs, error, message", [
    ({"image": np.zeros((10, 10))}, ValueError, "RGB"),
    ({"image": np.full((10, 10, 3), 2.0)}, ValueError, r"\[0, 1\]"),
    ({"image": [["a"]]}, TypeError, "real numbers"),  # the one rule: a wrong kind is a TypeError
    ({"k": 1}, ValueError, "k must lie"),
    ({"k": 2.5}, TypeError, "int"),
    ({"position_weight": -1.0}, ValueError, "position_weight"),
    ({"position_weight": np.nan}, ValueError, "finite"),
    ({"size": 3}, ValueError, "size"),
])
def test_bad_kmeans_input_is_refused(image, kwargs, error, message):
    kwargs = {"image": image, **kwargs}
    with pytest.raises(error, match=message):
        widgets.kmeans_explorer(**kwargs)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"image": np.zeros((10, 10, 4))}, ValueError, "RGB"),
    ({"bandwidth": 5.5}, ValueError, "one of"),
    ({"bandwidth": "8"}, TypeError, "number"),
    ({"bandwidths": (8.0, 4.0)}, ValueError, "increasing"),
    ({"bandwidths": (0.0, 8.0)}, ValueError, "positive"),
])
def test_bad_mean_shift_input_is_refused(image, kwargs, error, message):
    kwargs = {"image": image, "bandwidth": 8.0, **kwargs}
    with pytest.raises(error, match=message):
        widgets.mean_shift_explorer(**kwargs)


def test_bad_update_is_refused_and_changes_nothing(kmeans_ex, shift_ex):
    before = dict(kmeans_ex.params)
    for kwargs, error in (({"k": 0}, ValueError), ({"k": 99}, ValueError), ({"position_weight": 100.0}, ValueError),
                          ({"k": "3"}, TypeError)):
        with pytest.raises(error):
            kmeans_ex.update(**kwargs)
        assert kmeans_ex.params == before
    h = shift_ex.bandwidth
    with pytest.raises(ValueError):
        shift_ex.update(3.3)
    assert shift_ex.bandwidth == h


def test_the_explorer_doctests():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for obj in (widgets.KMeansExplorer, widgets.MeanShiftExplorer, ch01.reference_kmeans_loop):
        for test in finder.find(obj, globs={"np": np, "KMeansExplorer": widgets.KMeansExplorer,
                                            "MeanShiftExplorer": widgets.MeanShiftExplorer,
                                            "reference_kmeans_loop": ch01.reference_kmeans_loop}):
            runner.run(test)
    assert runner.failures == 0 and runner.tries >= 3


# ---------------------------------------------------------------------------------------------------------------
# the grader, end to end on this chapter: full marks, none, and exactly the exercises of the partial sample


@pytest.mark.slow
def test_autograde_round_trip(released_course, monkeypatch):
    from coursekit.course import make_samples
    from coursekit.grading.grader import grade_class

    monkeypatch.setenv("COURSEKIT_GRADING_SEED", "20261124")
    expected = make_samples(released_course, NAME, log=lambda *a: None)
    total = sum(ex.points for ex in exercises(NAME))
    assert expected["sample_full"] == total and expected["sample_empty"] == 0
    assert expected["sample_partial"] == 1.0
    report = grade_class(released_course, NAME, students=list(expected), log=lambda *a: None, progress=False)
    assert {g.student: g.score for g in report.results} == expected
    assert all(g.max_score == total and g.status == "graded" and not g.suspected for g in report.results)
