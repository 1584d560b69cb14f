"""Chapter 2, images as graphs: its exercises fail plausible mistakes on visible and hidden cases for any seed, catch
delegation to coursekit or to a library's affinity, spectral embedding or normalized cut; every hidden set holds the
traps of the visible one and only well-posed cases; the sigma explorer redraws on its slider and refuses bad input;
the solution notebook prints sensible numbers."""

import re

import numpy as np
import pytest

from coursekit import widgets
from coursekit.grading import CheckFailed, check, exercises, get_exercise
from coursekit.grading import ch02_affinity_ncuts as ch02
from coursekit.grading.check import case_rng

from conftest import REPO, SEEDS, assert_mistake_caught, executed_solution, load_functions, message_of, notebook_text

NAME = "02_affinity_ncuts"
AFFINITY, CUT, ASSOC, NCUT, EIGEN, SPLIT = (f"graphs.{f}" for f in (
    "gaussian_affinity", "cut_value", "assoc", "ncut_value", "ncut_eigenvector", "best_split"))


@pytest.fixture(scope="module")
def solution():
    return load_functions(REPO / "solutions" / NAME / f"{NAME}.ipynb", setup=True)


def test_the_chapter_registers_six_exercises():
    registered = exercises(NAME)
    assert [(ex.id, ex.function, ex.points) for ex in registered] == [
        (AFFINITY, "gaussian_affinity", 1), (CUT, "cut_value", 1), (ASSOC, "assoc", 1), (NCUT, "ncut_value", 1),
        (EIGEN, "ncut_eigenvector", 2), (SPLIT, "best_split", 2)]
    for ex in registered:
        assert ex.notebook == NAME and ex.hint and ex.modules == ("numpy",)
        for name in ("coursekit.graphs", "sklearn.cluster.SpectralClustering", "sklearn.manifold.spectral_embedding",
                     "skimage.graph.cut_normalized", "sklearn.metrics.pairwise.rbf_kernel"):
            assert name in ex.all_forbidden


def test_the_forbidden_peers_exist_where_they_are_named():
    from coursekit.grading.registry import resolve

    for name in ch02._FORBIDDEN:
        assert callable(resolve(name)) or hasattr(resolve(name), "__file__"), name


# ---------------------------------------------------------------------------------------------------------------
# independent routes pass


def affinity_by_expansion(X, sigma):
    if not sigma > 0:
        raise ValueError("sigma")
    X = np.asarray(X, float)
    sq = (X**2).sum(1)
    return np.exp(-np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0) / (2 * sigma**2))


def cut_by_products(W, mask):
    a = np.asarray(mask, float)
    return float(a @ np.asarray(W, float) @ (1 - a))


def assoc_by_degrees(W, mask):
    return float(np.asarray(W, float).sum(axis=1) @ np.asarray(mask, float))


def ncut_by_products(W, mask):
    a = np.asarray(mask, float)
    W = np.asarray(W, float)
    cut, d = a @ W @ (1 - a), W.sum(axis=1)
    if d @ a == 0 or d @ (1 - a) == 0:
        raise ValueError("undefined")
    return float(cut / (d @ a) + cut / (d @ (1 - a)))


def eigenvector_from_the_largest_of_m(W):
    # the second largest eigenvalue mu of D^-1/2 W D^-1/2 is 1 - lambda_2
    W = np.asarray(W, float)
    d = W.sum(axis=1)
    if np.any(d == 0):
        raise ValueError("degree 0")
    s = d**-0.5
    mu, Z = np.linalg.eigh(s[:, None] * W * s[None, :])
    y = s * Z[:, -2]
    return 1 - mu[-2], y * np.sign(y[np.argmax(np.abs(y))])


def split_by_running_sums(W, y):
    # all thresholds at once: assoc(B_k) and cut(B_k, A_k) as running sums over the nodes sorted by y
    W, y = np.asarray(W, float), np.asarray(y, float)
    order = np.argsort(y, kind="stable")
    d = W.sum(axis=1)[order]
    Ws = W[np.ix_(order, order)]
    inside = np.array([Ws[:k, :k].sum() for k in range(1, len(y))])   # assoc(B_k, B_k), B_k the k lowest
    assoc_b = np.cumsum(d)[:-1]
    cut = assoc_b - inside
    ncut = cut / assoc_b + cut / (d.sum() - assoc_b)
    ys = y[order]
    ncut[ys[1:] == ys[:-1]] = np.inf
    k = int(np.argmin(ncut))
    return y > (ys[k] + ys[k + 1]) / 2


INDEPENDENT = [(AFFINITY, affinity_by_expansion), (CUT, cut_by_products), (ASSOC, assoc_by_degrees),
               (NCUT, ncut_by_products), (EIGEN, eigenvector_from_the_largest_of_m), (SPLIT, split_by_running_sums)]


@pytest.mark.parametrize("exercise_id, fn", INDEPENDENT, ids=[fn.__name__ for _, fn in INDEPENDENT])
def test_independent_implementations_pass(exercise_id, fn):
    check(exercise_id, fn)
    for seed in SEEDS[:3]:
        check(exercise_id, fn, hidden=True, seed=seed)


# ---------------------------------------------------------------------------------------------------------------
# plausible mistakes fail, visible and hidden, for every seed


def _d2(X):
    X = np.asarray(X, float)
    return ((X[:, None] - X[None]) ** 2).sum(2)


def _sigma_ok(sigma):
    if not sigma > 0:
        raise ValueError("sigma must be > 0")


def affinity_over_two_sigma(X, sigma):
    _sigma_ok(sigma)
    return np.exp(-_d2(X) / (2 * sigma))


def affinity_over_sigma_squared(X, sigma):
    _sigma_ok(sigma)
    return np.exp(-_d2(X) / sigma**2)


def affinity_over_sigma(X, sigma):
    _sigma_ok(sigma)
    return np.exp(-_d2(X) / sigma)


def affinity_distance_not_squared(X, sigma):
    _sigma_ok(sigma)
    return np.exp(-np.sqrt(_d2(X)) / (2 * sigma**2))


def affinity_zero_diagonal(X, sigma):
    _sigma_ok(sigma)
    W = np.exp(-_d2(X) / (2 * sigma**2))
    np.fill_diagonal(W, 0.0)
    return W


def affinity_gamma_is_sigma(X, sigma):
    _sigma_ok(sigma)
    return np.exp(-sigma * _d2(X))


def affinity_no_value_error(X, sigma):
    with np.errstate(all="ignore"):
        return np.exp(-_d2(X) / (2 * sigma**2))


def _bool(mask):
    return np.asarray(mask, dtype=bool)


def cut_counted_twice(W, mask):
    A, W = _bool(mask), np.asarray(W, float)
    return float(W[A[:, None] != A[None, :]].sum())


def cut_mask_used_as_index(W, mask):
    W, mask = np.asarray(W, float), np.asarray(mask)
    return float(W[mask][:, ~mask].sum())


def cut_with_self_loops(W, mask):
    A, W = _bool(mask), np.asarray(W, float)
    inner = W[A][:, A]
    return float(W[A].sum() - (inner.sum() - np.trace(inner)))


def cut_is_assoc(W, mask):
    return float(np.asarray(W, float)[_bool(mask)].sum())


def assoc_within_a(W, mask):
    A, W = _bool(mask), np.asarray(W, float)
    return float(W[A][:, A].sum())


def assoc_inner_edges_once(W, mask):
    A = _bool(mask)
    return float((np.triu(np.asarray(W, float)) * (A[:, None] | A[None, :])).sum())


def assoc_without_self_loops(W, mask):
    A, W = _bool(mask), np.asarray(W, float)
    return float(W[A].sum() - np.diag(W)[A].sum())


def assoc_mask_used_as_index(W, mask):
    return float(np.asarray(W, float)[np.asarray(mask)].sum())


def _ncut(W, mask, kind):
    A, W = _bool(mask), np.asarray(W, float)
    cut, a, b = W[A][:, ~A].sum(), W[A].sum(), W[~A].sum()
    if kind != "unchecked" and (a == 0 or b == 0):
        raise ValueError("undefined")
    with np.errstate(all="ignore"):
        if kind == "within":
            return float(cut / W[A][:, A].sum() + cut / W[~A][:, ~A].sum())
        if kind == "ratio":
            return float(cut / A.sum() + cut / (~A).sum())
        if kind == "twice":
            return float(2 * cut / a + 2 * cut / b)
        if kind == "halved":
            return float((cut / a + cut / b) / 2)
        return float(cut / a + cut / b)


def ncut_assoc_within(W, mask):
    return _ncut(W, mask, "within")


def ncut_ratio_cut(W, mask):
    return _ncut(W, mask, "ratio")


def ncut_cut_twice(W, mask):
    return _ncut(W, mask, "twice")


def ncut_halved(W, mask):
    return _ncut(W, mask, "halved")


def ncut_no_value_error(W, mask):
    return _ncut(W, mask, "unchecked")


def _eigen(W, which=1, map_back=True, drop_loops=False, add_loops=False, unit=False, mu=False, checked=True):
    W = np.array(W, float)
    if drop_loops:
        np.fill_diagonal(W, 0.0)
    if add_loops:
        W = W + np.eye(len(W))  # as scikit-image's cut_normalized does
    d = W.sum(axis=1)
    if checked and np.any(d == 0):
        raise ValueError("degree 0")
    with np.errstate(all="ignore"):
        s = 1 / np.sqrt(d)
        L = np.eye(len(d)) - s[:, None] * W * s[None, :]
    if not np.all(np.isfinite(L)):
        return np.nan, np.full(len(d), np.nan)
    values, Z = np.linalg.eigh(L)
    y = s * Z[:, which] if map_back else Z[:, which]
    if unit:
        y = y / np.linalg.norm(y)
    return float(1 - values[which] if mu else values[which]), y * np.sign(y[np.argmax(np.abs(y))])


def eigenvector_z_not_y(W):
    return _eigen(W, map_back=False)


def eigenvector_smallest(W):
    return _eigen(W, which=0)


def eigenvector_mu_not_lambda(W):
    return _eigen(W, mu=True)


def eigenvector_drops_self_loops(W):
    return _eigen(W, drop_loops=True)


def eigenvector_adds_self_loops(W):
    return _eigen(W, add_loops=True)


def eigenvector_unit_norm(W):
    return _eigen(W, unit=True)


def eigenvector_no_value_error(W):
    return _eigen(W, checked=False)


def eigenvector_of_d_minus_w(W):
    # the eigenvector of the unnormalized Laplacian D - W: not the generalized problem
    W = np.asarray(W, float)
    d = W.sum(axis=1)
    if np.any(d == 0):
        raise ValueError("degree 0")
    values, V = np.linalg.eigh(np.diag(d) - W)
    y = V[:, 1] / np.sqrt(V[:, 1] @ (d * V[:, 1]))
    return float(values[1]), y * np.sign(y[np.argmax(np.abs(y))])


def _search(W, y, thresholds, score=ncut_by_products):
    best, value = None, np.inf
    for t in thresholds:
        v = score(W, y > t)
        if v < value:
            best, value = y > t, v
    return best


def split_at_zero(W, y):
    return np.asarray(y) > 0


def split_at_median(W, y):
    y = np.asarray(y, float)
    return y > np.median(y)


def split_lower_side(W, y):
    return ~split_by_running_sums(W, y)


def split_between_ties(W, y):
    # every position of an argsort, even between equal values
    y = np.asarray(y, float)
    order = np.argsort(y, kind="stable")
    best, value = None, np.inf
    for k in range(1, len(y)):
        A = np.zeros(len(y), bool)
        A[order[k:]] = True
        v = ncut_by_products(W, A)
        if v < value:
            best, value = A, v
    return best


def split_min_cut(W, y):
    y = np.asarray(y, float)
    values = np.unique(y)
    return _search(W, y, (values[:-1] + values[1:]) / 2, score=cut_by_products)


def split_ten_thresholds(W, y):
    # a grid of evenly spaced thresholds, as scikit-image's cut_normalized tries
    y = np.asarray(y, float)
    return _search(W, y, np.linspace(y.min(), y.max(), 12)[1:-1])


WRONG = [
    (AFFINITY, affinity_over_two_sigma), (AFFINITY, affinity_over_sigma_squared), (AFFINITY, affinity_over_sigma),
    (AFFINITY, affinity_distance_not_squared), (AFFINITY, affinity_zero_diagonal), (AFFINITY, affinity_gamma_is_sigma),
    (AFFINITY, affinity_no_value_error),
    (CUT, cut_counted_twice), (CUT, cut_mask_used_as_index), (CUT, cut_with_self_loops), (CUT, cut_is_assoc),
    (ASSOC, assoc_within_a), (ASSOC, assoc_inner_edges_once), (ASSOC, assoc_without_self_loops),
    (ASSOC, assoc_mask_used_as_index),
    (NCUT, ncut_assoc_within), (NCUT, ncut_ratio_cut), (NCUT, ncut_cut_twice), (NCUT, ncut_halved),
    (NCUT, ncut_no_value_error),
    (EIGEN, eigenvector_z_not_y), (EIGEN, eigenvector_smallest), (EIGEN, eigenvector_mu_not_lambda),
    (EIGEN, eigenvector_drops_self_loops), (EIGEN, eigenvector_adds_self_loops), (EIGEN, eigenvector_unit_norm),
    (EIGEN, eigenvector_no_value_error), (EIGEN, eigenvector_of_d_minus_w),
    (SPLIT, split_at_zero), (SPLIT, split_at_median), (SPLIT, split_lower_side), (SPLIT, split_between_ties),
    (SPLIT, split_min_cut), (SPLIT, split_ten_thresholds),
]


@pytest.mark.parametrize("exercise_id, fn", WRONG, ids=[fn.__name__ for _, fn in WRONG])
def test_plausible_mistakes_fail_visible_and_hidden_for_every_seed(exercise_id, fn):
    assert_mistake_caught(exercise_id, fn)


def test_messages_say_what_differed():
    assert "should raise ValueError" in message_of(AFFINITY, affinity_no_value_error)
    assert "should raise ValueError" in message_of(NCUT, ncut_no_value_error)
    assert "in y" in message_of(EIGEN, eigenvector_z_not_y)
    assert "in eigenvalue" in message_of(EIGEN, eigenvector_mu_not_lambda)
    assert "0/1 integers" in message_of(CUT, cut_mask_used_as_index)
    assert "equal values of y" in message_of(SPLIT, split_between_ties)


def test_partial_sample_mistake_fails(solution):
    namespace = {"np": np}
    exec(ch02.PARTIAL_SAMPLE["wrong"]["ncut_eigenvector"], namespace)
    with pytest.raises(CheckFailed, match="in y"):
        check(EIGEN, namespace["ncut_eigenvector"])
    assert set(ch02.PARTIAL_SAMPLE["correct"]) <= {ex.function for ex in exercises(NAME)}
    for name in ch02.PARTIAL_SAMPLE["correct"]:
        check(f"graphs.{name}", solution[name])


# ---------------------------------------------------------------------------------------------------------------
# delegating is caught


def test_calling_the_reference_is_caught():
    from coursekit import graphs

    def gaussian_affinity(X, sigma):
        return graphs.gaussian_affinity(X, sigma)

    assert "coursekit.graphs" in message_of(AFFINITY, gaussian_affinity)

    def ncut_value(W, mask):
        return graphs.ncut_value(W, mask)

    assert "coursekit.graphs" in message_of(NCUT, ncut_value)

    def ncut_eigenvector(W):
        result = graphs.ncut_bipartition(W, eigen_solver="dense")
        return result.eigenvalue, result.vector

    assert "coursekit.graphs" in message_of(EIGEN, ncut_eigenvector)

    def via_the_grading_reference(W, y):
        return ch02.reference_best_split(W, y)

    assert "reference_best_split" in message_of(SPLIT, via_the_grading_reference)


def test_calling_a_library_peer_is_caught():
    def gaussian_affinity(X, sigma):
        from sklearn.metrics.pairwise import rbf_kernel

        return rbf_kernel(np.asarray(X, float), gamma=1 / (2 * sigma**2))

    assert "rbf_kernel" in message_of(AFFINITY, gaussian_affinity)

    def ncut_eigenvector(W):
        from sklearn.manifold import spectral_embedding

        embedding = spectral_embedding(np.asarray(W, float), n_components=2, drop_first=False, random_state=0)
        return 0.0, embedding[:, 1]

    assert "spectral_embedding" in message_of(EIGEN, ncut_eigenvector)

    def best_split(W, y):
        from sklearn.cluster import SpectralClustering

        labels = SpectralClustering(2, affinity="precomputed", random_state=0).fit_predict(np.asarray(W, float))
        return labels == 1

    assert "SpectralClustering" in message_of(SPLIT, best_split)

    def best_split_by_scikit_image(W, y):
        from skimage import graph

        labels = np.arange(len(y)).reshape(1, -1)
        rag = graph.rag_mean_color(np.zeros((1, len(y), 3)), labels, mode="similarity")
        return graph.cut_normalized(labels, rag).ravel() > 0

    assert "cut_normalized" in message_of(SPLIT, best_split_by_scikit_image)


def test_scipy_is_not_allowed(solution):
    def ncut_eigenvector(W):
        import scipy.linalg

        W = np.asarray(W, float)
        D = np.diag(W.sum(axis=1))
        values, Y = scipy.linalg.eigh(D - W, D)
        y = Y[:, 1]
        return float(values[1]), y * np.sign(y[np.argmax(np.abs(y))])

    assert "scipy" in message_of(EIGEN, ncut_eigenvector)


# ---------------------------------------------------------------------------------------------------------------
# the cases


@pytest.mark.parametrize("seed", range(30))
def test_every_hidden_set_holds_the_traps(seed):
    words = {AFFINITY: ["2 sigma^2", "D = 1", "D = 3", "repeated point", "pixels", "raise ValueError"],
             CUT: ["count twice", "self-loops", "0/1 integers", "random graph", "A is empty", "B is empty"],
             ASSOC: ["count twice", "self-loops", "0/1 integers", "random graph", "A is empty", "B is empty"],
             NCUT: ["count twice", "self-loops", "0/1 integers", "random graph", "is empty", "has no edge"],
             EIGEN: ["y = D^-1/2 z", "keep its self-loops", "do not add any", "random graph", "raise ValueError"],
             SPLIT: ["A = {i : y_i > t}", "not 0, nor the median", "equal values of y", "not a grid"]}
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


@pytest.mark.parametrize("seed", range(10))
def test_the_traps_are_real_and_the_cases_well_posed(seed):
    # eigenvector cases: connected, a gap after lambda_2, degrees that differ (z is not y), one largest |y_i|
    for case in get_exercise(EIGEN).cases(case_rng(EIGEN, seed), True):
        (W,) = case.args
        if "ValueError" in case.label:
            assert np.any(W.sum(axis=1) == 0)
            continue
        assert ch02._well_posed_eigen(W)
        loops = np.diag(W).any()
        assert loops == ("self-loops (w_ii = 1)" in case.label)
    # split cases: a clear best split; its traps hold
    cases = get_exercise(SPLIT).cases(case_rng(SPLIT, seed), True)
    for case in cases:
        W, y = case.args
        assert ch02._clear_best(W, y)
    W, y = cases[1].args
    assert ch02._best_not_a_shortcut(W, y)
    W, y = cases[2].args
    assert len(np.unique(y)) < len(y)
    assert not np.array_equal(split_between_ties(W, y), ch02.reference_best_split(W, y))
    W, y = cases[3].args
    assert np.all(y > 0)
    assert not np.array_equal(split_ten_thresholds(W, y), ch02.reference_best_split(W, y))
    # sigma is never 0.5 or 1, where 2 sigma^2 would equal sigma or sigma^2
    for case in get_exercise(AFFINITY).cases(case_rng(AFFINITY, seed), True):
        assert case.args[1] not in (0.5, 1.0)


def test_the_visible_cases_are_fixed():
    for ex in exercises(NAME):
        first, second = ex.cases(None, False), ex.cases(None, False)
        assert [c.label for c in first] == [c.label for c in second]
        for a, b in zip(first, second):
            for x, z in zip(a.args, b.args):
                assert np.array_equal(np.asarray(x), np.asarray(z))


# ---------------------------------------------------------------------------------------------------------------
# the sigma explorer


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal([0, 0], 0.3, (12, 2)), rng.normal([2, 0.5], 0.4, (14, 2)),
                        rng.normal([0.8, 2], 0.25, (10, 2))])
    return X, np.repeat([0, 1, 2], [12, 14, 10])


@pytest.fixture(scope="module")
def explorer(points):
    X, groups = points
    return widgets.sigma_explorer(X, sigma=0.5, sigmas=(0.1, 0.3, 0.5, 1.0, 3.0), labels=groups)


def test_the_sigma_slider_redraws(explorer):
    explorer.update(0.5)
    before = (explorer.picture.value, explorer.readout.value)
    explorer.slider.value = 3.0
    assert explorer.sigma == 3.0
    assert explorer.picture.value != before[0] and explorer.readout.value != before[1]
    assert "σ = 3" in explorer.readout.value
    explorer.update(0.5)
    assert (explorer.picture.value, explorer.readout.value) == before  # the same sigma draws the same picture


def test_the_explorer_shows_the_reference_bipartition(explorer, points):
    from coursekit import graphs

    X, groups = points
    order = np.argsort(groups, kind="stable")
    for sigma in explorer.sigmas:
        out = explorer.update(sigma)
        expected = graphs.ncut_bipartition(graphs.gaussian_affinity(X[order], sigma), eigen_solver="dense")
        assert out["ncut"] == pytest.approx(expected.ncut) and out["eigenvalue"] == pytest.approx(expected.eigenvalue)
        assert out["sizes"] == (int(expected.mask.sum()), int((~expected.mask).sum()))
        assert np.array_equal(explorer.view(sigma).W, graphs.gaussian_affinity(X[order], sigma))
    # at a scale of the groups' size the cut separates one group; at a scale far above it does not
    mask = explorer.view(0.5).mask
    assert any(np.array_equal(mask, groups[order] == g) or np.array_equal(~mask, groups[order] == g)
               for g in range(3))


def test_every_picture_is_drawn_once_and_is_what_a_blitted_step_draws(explorer):
    from coursekit.explorers.base import Explorer

    assert sorted(explorer._frames) == sorted(explorer.sigmas)  # drawn when the explorer was built
    pictures = set()
    for sigma in explorer.sigmas:
        explorer.update(sigma)
        assert explorer.picture.value == Explorer._frame(explorer)  # the kept picture is a fresh blitted frame
        pictures.add(explorer.picture.value)
    assert len(pictures) == len(explorer.sigmas)
    explorer.update(0.5)


def test_a_refused_sigma_changes_nothing(explorer):
    before = (dict(explorer.params), explorer.picture.value, explorer.readout.value, explorer.slider.value)
    for bad, error in (("0.5", TypeError), (0.4, ValueError), (-1.0, ValueError), (float("nan"), ValueError)):
        with pytest.raises(error):
            explorer.update(bad)
    assert (explorer.params, explorer.picture.value, explorer.readout.value, explorer.slider.value) == before


@pytest.mark.parametrize("kwargs, error, message", [
    ({"X": np.zeros((5, 3))}, ValueError, r"\(N, 2\)"),
    ({"X": np.zeros((2, 2))}, ValueError, "3 <= N"),
    ({"X": np.zeros((201, 2))}, ValueError, "200"),
    ({"X": [["a", "b"]]}, TypeError, "real numbers"),
    ({"labels": np.zeros(4, dtype=int)}, ValueError, "one per point"),
    ({"labels": np.zeros(6)}, ValueError, "integer"),
    ({"sigmas": (1.0, 0.5)}, ValueError, "increasing"),
    ({"sigmas": (0.0, 0.5)}, ValueError, "positive"),
    ({"sigma": 0.7}, ValueError, "one of"),
    ({"sigma": "1"}, TypeError, "number"),
])
def test_bad_explorer_input_is_refused(kwargs, error, message):
    rng = np.random.default_rng(1)
    kwargs = {"X": rng.normal(size=(6, 2)), "sigma": 0.5, "sigmas": (0.5, 1.0), **kwargs}
    with pytest.raises(error, match=message):
        widgets.sigma_explorer(**kwargs)


# ---------------------------------------------------------------------------------------------------------------
# the solution notebook


@pytest.mark.slow
def test_the_solution_notebook_prints_sensible_numbers():
    text = notebook_text(executed_solution(NAME))
    assert text.count("agrees with the reference: True") == 6 and "differs" not in text
    found = re.search(r"minimum cut: (\d\.\d+), cutting off node\(s\) \[20\]", text)
    assert found, "the minimum cut of section 3 does not cut off the outlier (node 20)"
    assert float(found.group(1)) < float(re.search(r"cut between the two groups: (\d\.\d+)", text).group(1))
    rows = dict(re.findall(r"(minimum cut|the two groups)\s+cut \d\.\d+\s+Ncut (\d\.\d+)", text))
    assert float(rows["the two groups"]) < 0.1 < float(rows["minimum cut"])
    ncuts = {name: float(v) for name, v in re.findall(r"(best threshold|t = 0|median)\s+t = [-+]\d\.\d+\s+Ncut "
                                                      r"(\d\.\d+)", text)}
    assert ncuts["best threshold"] < ncuts["t = 0"] and ncuts["best threshold"] < ncuts["median"]
    assert float(re.search(r"λ2 = (\d\.\d+)", text).group(1)) <= ncuts["best threshold"]
    scores = re.search(r"mean over 12 images: pixel accuracy (\d\.\d+), mIoU (\d\.\d+)", text)
    assert float(scores.group(1)) > 0.85 and float(scores.group(2)) > 0.75
    dense = re.search(r"dense\s+1600 pixels: (\d+\.\d+) s, W (\d+\.\d+) MB", text)
    sparse = re.search(r"sparse\s+16384 pixels: (\d+\.\d+) s, W (\d+\.\d+) MB", text)
    assert float(sparse.group(2)) < float(dense.group(2))   # ten times the pixels in less memory
