"""Chapter 3, snakes: its exercises fail plausible mistakes on visible and hidden cases for any seed, catch delegation
to coursekit.snakes, scikit-image's active_contour and SciPy; the cases hold their traps and have one right answer;
the snake explorer redraws on every slider, caches each setting and refuses bad input; the solution notebook prints
sensible results."""

import re

import numpy as np
import pytest

from coursekit import snakes as S
from coursekit import widgets
from coursekit.grading import CheckFailed, check, exercises, get_exercise
from coursekit.grading import ch03_snakes as ch03
from coursekit.grading.check import case_rng

from conftest import SEEDS, assert_mistake_caught, executed_solution, message_of, notebook_text

NAME = "03_snakes"
INTERNAL, EXTERNAL, GREEDY, DP = (f"snakes.{f}" for f in ("internal_energy", "external_energy", "greedy_step",
                                                          "dp_step"))


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One BLAS thread: the test machines are shared."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def test_the_chapter_registers_four_exercises():
    registered = exercises(NAME)
    assert [(ex.id, ex.function, ex.points) for ex in registered] == [
        (INTERNAL, "internal_energy", 2), (EXTERNAL, "external_energy", 2), (GREEDY, "greedy_step", 3),
        (DP, "dp_step", 4)]
    for ex in registered:
        assert ex.notebook == NAME and ex.hint and ex.modules == ("numpy",)
        assert ex.reference.startswith("coursekit.snakes.")
        assert "coursekit.snakes" in ex.all_forbidden and "skimage.segmentation.active_contour" in ex.all_forbidden


# ---------------------------------------------------------------------------------------------------------------
# right and wrong implementations, written as students might


def _offsets(window, order="dy"):
    r = window // 2
    if order == "dy":
        return np.array([(dx, dy) for dy in range(-r, r + 1) for dx in range(-r, r + 1)], float)
    return np.array([(dx, dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1)], float)


def _internal(v, alpha, beta, closed, wrap=None, second=lambda n, v, p: n - 2 * v + p, squared=True,
              reduce=np.sum):
    v = np.asarray(v, float)
    nxt, prv = np.roll(v, -1, 0), np.roll(v, 1, 0)
    norm = (lambda d: (d ** 2).sum(1)) if squared else (lambda d: np.sqrt((d ** 2).sum(1)))
    t, c = alpha * norm(nxt - v), beta * norm(second(nxt, v, prv))
    if not (closed if wrap is None else wrap):
        t, c = t[:-1], c[1:-1]
    return float(reduce(t) + reduce(c))


def internal_loops(v, alpha, beta, closed=True):
    # an independent route: the sums written out with loops and explicit indices
    v = [tuple(map(float, p)) for p in np.asarray(v)]
    n, total = len(v), 0.0
    for i in range(n if closed else n - 1):
        (x0, y0), (x1, y1) = v[i], v[(i + 1) % n]
        total += alpha * ((x1 - x0) ** 2 + (y1 - y0) ** 2)
    for i in range(n) if closed else range(1, n - 1):
        (xa, ya), (xb, yb), (xc, yc) = v[i - 1], v[i], v[(i + 1) % n]
        total += beta * ((xc - 2 * xb + xa) ** 2 + (yc - 2 * yb + ya) ** 2)
    return total


def internal_never_wraps(v, alpha, beta, closed=True):
    return _internal(v, alpha, beta, closed, wrap=False)


def internal_always_wraps(v, alpha, beta, closed=True):
    return _internal(v, alpha, beta, closed, wrap=True)


def internal_without_factor_two(v, alpha, beta, closed=True):
    return _internal(v, alpha, beta, closed, second=lambda n, v, p: n - v + p)


def internal_norms_not_squared(v, alpha, beta, closed=True):
    return _internal(v, alpha, beta, closed, squared=False)


def internal_open_by_default(v, alpha, beta, closed=False):
    return _internal(v, alpha, beta, closed)


def internal_alpha_beta_swapped(v, alpha, beta, closed=True):
    return _internal(v, beta, alpha, closed)


def internal_mean(v, alpha, beta, closed=True):
    return _internal(v, alpha, beta, closed, reduce=np.mean)


def _sample(energy, points, mode="bilinear"):
    energy, p = np.asarray(energy, float), np.asarray(points, float)
    h, w = energy.shape
    if mode == "zero outside":
        inside = (p[:, 0] >= 0) & (p[:, 0] <= w - 1) & (p[:, 1] >= 0) & (p[:, 1] <= h - 1)
        return np.where(inside, _sample(energy, p), 0.0)
    if mode in ("round", "floor"):
        q = np.rint(p) if mode == "round" else np.floor(p)
        x, y = np.clip(q[:, 0], 0, w - 1).astype(int), np.clip(q[:, 1], 0, h - 1).astype(int)
        return energy[y, x]
    x, y = p[:, 0], p[:, 1]
    if mode != "no clamp":
        x, y = np.clip(x, 0, w - 1), np.clip(y, 0, h - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    if mode not in ("no clamp", "x0 + 1 unclamped"):
        x0, y0 = np.minimum(x0, w - 2), np.minimum(y0, h - 2)
    fx, fy = x - x0, y - y0
    if mode == "swapped":   # energy[x, y]: an index out of range raises, as a student's would
        e = lambda yy, xx: energy[xx, yy]  # noqa: E731
    else:
        e = lambda yy, xx: energy[yy, xx]  # noqa: E731
    return ((1 - fy) * ((1 - fx) * e(y0, x0) + fx * e(y0, x0 + 1))
            + fy * ((1 - fx) * e(y0 + 1, x0) + fx * e(y0 + 1, x0 + 1)))


def external_loops(v, energy):
    # an independent route: every point on its own, its four neighbours weighted by the areas opposite them
    energy = np.asarray(energy, float)
    h, w = energy.shape
    total = 0.0
    for x, y in np.asarray(v, float):
        x, y = min(max(x, 0.0), w - 1.0), min(max(y, 0.0), h - 1.0)
        for xi in range(w):
            for yi in range(h):
                wx, wy = max(0.0, 1 - abs(x - xi)), max(0.0, 1 - abs(y - yi))
                total += wx * wy * energy[yi, xi]
    return total


def _external(mode):
    def external_energy(v, energy):
        return float(_sample(energy, v, mode).sum())

    external_energy.__name__ = f"external_{mode.replace(' ', '_').replace('+', 'plus')}"
    return external_energy


external_nearest_pixel = _external("round")
external_floor = _external("floor")
external_row_col_swapped = _external("swapped")
external_no_clamping = _external("no clamp")
external_last_column_overflows = _external("x0 + 1 unclamped")
external_zero_outside = _external("zero outside")


def external_mean(v, energy):
    return float(_sample(energy, v).mean())


def _total(v, energy, alpha, beta, gamma, sample="bilinear"):
    return _internal(v, alpha, beta, True) + gamma * float(_sample(energy, v, sample).sum())


def _greedy(energy, v, alpha, beta, gamma, window, jacobi=False, ties="stay", order="dy", sample="bilinear",
            count="moved", in_place=False, own_terms=False):
    v = np.asarray(v, float) if in_place else np.array(v, float)
    old_all = v.copy()
    new = v
    offsets = _offsets(window, order)
    stay = int(np.flatnonzero((offsets == 0).all(1))[0])
    moved = 0
    n = len(v)
    for i in range(n):
        base = old_all.copy() if jacobi else new.copy()
        e = np.empty(len(offsets))
        for k, o in enumerate(offsets):
            cand = base.copy()
            cand[i] = base[i] + o
            if own_terms:   # only the tension of its two edges and the curvature centred at the point itself
                p, c, q = cand[i - 1], cand[i], cand[(i + 1) % n]
                e[k] = (alpha * (((c - p) ** 2).sum() + ((q - c) ** 2).sum()) + beta * ((q - 2 * c + p) ** 2).sum()
                        + gamma * float(_sample(energy, c[None], sample)[0]))
            else:
                e[k] = _total(cand, energy, alpha, beta, gamma, sample)
        best = {"stay": stay if e[stay] == e.min() else int(np.argmin(e)),
                "first": int(np.argmin(e)),
                "last": len(e) - 1 - int(np.argmin(e[::-1]))}[ties]
        new[i] = base[i] + offsets[best]
        moved += int(best != stay)
    return new, (n if count == "all" else moved)


def greedy_local_terms(energy, v, alpha, beta, gamma, window=5):
    # an independent route, the fast one: only the terms that contain v_i, for all candidates at once
    new = np.array(v, float)
    offsets, n = _offsets(window), len(new)
    stay = len(offsets) // 2
    moved = 0
    for i in range(n):
        c = new[i] + offsets
        a, b, p, q = new[i - 2], new[i - 1], new[(i + 1) % n], new[(i + 2) % n]
        sq = lambda d: (d ** 2).sum(-1)  # noqa: E731
        e = (alpha * (sq(c - b) + sq(p - c)) + beta * (sq(c - 2 * b + a) + sq(p - 2 * c + b) + sq(q - 2 * p + c))
             + gamma * _sample(energy, c))
        best = stay if e[stay] <= e.min() + 1e-12 * (1 + np.abs(e).max()) else int(np.argmin(e))
        new[i] = c[best]
        moved += int(best != stay)
    return new, moved


def greedy_jacobi(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, jacobi=True)


def greedy_first_best_even_if_staying_ties(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, ties="first")


def greedy_last_best(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, ties="last")


def greedy_offsets_dx_first(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, order="dx")


def greedy_nearest_pixel(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, sample="round")


def greedy_own_terms_only(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, own_terms=True)


def greedy_counts_every_vertex(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, count="all")


def greedy_changes_its_input(energy, v, alpha, beta, gamma, window=5):
    return _greedy(energy, v, alpha, beta, gamma, window, in_place=True)


def _chain(cand, unary, alpha, beta, first_state=None, closing=None):
    """Viterbi over pairs of an open chain of candidates (n, k, 2) with unary terms (n, k); ``closing(b, c)`` adds
    the terms of the last two. Returns the chosen state of every point and the minimum."""
    n, k = unary.shape
    sq = lambda d: (d ** 2).sum(-1)  # noqa: E731
    S = unary[0][:, None] + unary[1][None, :] + alpha * sq(cand[1][None, :] - cand[0][:, None])
    back = []
    for i in range(2, n):
        a, b, c = cand[i - 2][:, None, None], cand[i - 1][None, :, None], cand[i][None, None, :]
        t = S[:, :, None] + beta * sq(c - 2 * b + a)
        back.append(t.argmin(0))
        S = t.min(0) + alpha * sq(cand[i][None, :] - cand[i - 1][:, None]) + unary[i][None, :]
    if closing is not None:
        S = S + closing(cand[n - 2][:, None], cand[n - 1][None, :])
    bi, ci = np.unravel_index(int(np.argmin(S)), S.shape)
    choice = [ci, bi]
    for arg in reversed(back):
        bi, ci = arg[bi, ci], bi
        choice.append(bi)
    return np.array(choice[::-1]), float(S.min())


def _dp(energy, v, alpha, beta, gamma, window, pin, pinned=(0, 1), wrap=True, sample="bilinear", keep=True,
        count="moved"):
    v = np.asarray(v, float)
    n = len(v)
    offsets = _offsets(window)
    k = len(offsets)
    u = np.roll(v, -pin, 0)
    cand = u[:, None, :] + offsets[None]
    unary = gamma * _sample(energy, cand.reshape(-1, 2), sample).reshape(n, k)
    for j in pinned:
        unary[j % n, np.arange(k) != k // 2] = np.inf
    sq = lambda d: (d ** 2).sum(-1)  # noqa: E731
    closing = None
    if wrap:
        def closing(b, c):
            return alpha * sq(u[0] - c) + beta * sq(u[0] - 2 * c + b) + beta * sq(u[1] - 2 * u[0] + c)
    choice, minimum = _chain(cand, unary, alpha, beta, closing=closing)
    new = np.roll(cand[np.arange(n), choice], pin, 0)
    if keep and minimum >= _total(v, energy, alpha, beta, gamma):
        return v.copy(), 0
    return new, (int((new != v).sum()) if count == "coordinates" else int(np.any(new != v, 1).sum()))


def dp_exhaustive_pairs(energy, v, alpha, beta, gamma, window=5, pin=0):
    # the solution's method, written independently of the notebook: u[0], u[1] may only stay
    return _dp(energy, v, alpha, beta, gamma, window, pin)


def dp_without_pinning(energy, v, alpha, beta, gamma, window=5, pin=0):
    # the contour cut open at pin: every point free, the terms that wrap around forgotten
    return _dp(energy, v, alpha, beta, gamma, window, pin, pinned=(), wrap=False)


def dp_open_chain_pinned(energy, v, alpha, beta, gamma, window=5, pin=0):
    # pinned, but the terms that wrap around forgotten
    return _dp(energy, v, alpha, beta, gamma, window, pin, wrap=False)


def dp_pins_the_pair_before(energy, v, alpha, beta, gamma, window=5, pin=0):
    return _dp(energy, v, alpha, beta, gamma, window, (pin - 1) % len(v))


def dp_pins_one_point(energy, v, alpha, beta, gamma, window=5, pin=0):
    # u[0] fixed, u[1] free: the closing curvature at u[0] needs u[1]'s choice, tried one by one
    v = np.asarray(v, float)
    offsets = _offsets(window)
    best = None
    for j in range(len(offsets)):
        moved = v.copy()
        moved[(pin + 1) % len(v)] += offsets[j]
        new, _ = _dp(energy, moved, alpha, beta, gamma, window, pin, keep=False)
        e = _total(new, energy, alpha, beta, gamma)
        if best is None or e < best[0]:
            best = (e, new)
    if best[0] >= _total(v, energy, alpha, beta, gamma):
        return v.copy(), 0
    return best[1], int(np.any(best[1] != v, 1).sum())


def dp_single_states_without_curvature(energy, v, alpha, beta, gamma, window=5, pin=0):
    # Viterbi over single positions: tension and the image only, curvature left out of the programme
    return _dp(energy, v, alpha, 0.0, gamma, window, pin)


def dp_curvature_at_current_positions(energy, v, alpha, beta, gamma, window=5, pin=0):
    # single states, the curvature at v_{i-1} taken with v_{i-2} where it is now
    v = np.asarray(v, float)
    n = len(v)
    offsets = _offsets(window)
    k = len(offsets)
    u = np.roll(v, -pin, 0)
    cand = u[:, None, :] + offsets[None]
    unary = gamma * _sample(energy, cand.reshape(-1, 2)).reshape(n, k)
    sq = lambda d: (d ** 2).sum(-1)  # noqa: E731
    cost = np.full(k, np.inf)
    cost[k // 2] = 0.0
    back = []
    for i in range(1, n):
        prev = cand[i - 1][:, None]
        t = cost[:, None] + alpha * sq(cand[i][None] - prev) + beta * sq(cand[i][None] - 2 * prev + u[i - 2])
        if i == 1:
            t[:, np.arange(k) != k // 2] = np.inf
        back.append(t.argmin(0))
        cost = t.min(0) + unary[i]
    state = int(np.argmin(cost))
    choice = [state]
    for arg in reversed(back):
        state = int(arg[state])
        choice.append(state)
    new = np.roll(cand[np.arange(n), choice[::-1]], pin, 0)
    if _total(new, energy, alpha, beta, gamma) >= _total(v, energy, alpha, beta, gamma):
        return v.copy(), 0
    return new, int(np.any(new != v, 1).sum())


def dp_is_a_greedy_sweep(energy, v, alpha, beta, gamma, window=5, pin=0):
    return _greedy(energy, v, alpha, beta, gamma, window)


def dp_nearest_pixel(energy, v, alpha, beta, gamma, window=5, pin=0):
    return _dp(energy, v, alpha, beta, gamma, window, pin, sample="round")


def dp_counts_coordinates(energy, v, alpha, beta, gamma, window=5, pin=0):
    return _dp(energy, v, alpha, beta, gamma, window, pin, count="coordinates")


WRONG = [
    (INTERNAL, internal_never_wraps), (INTERNAL, internal_always_wraps), (INTERNAL, internal_without_factor_two),
    (INTERNAL, internal_norms_not_squared), (INTERNAL, internal_open_by_default),
    (INTERNAL, internal_alpha_beta_swapped), (INTERNAL, internal_mean),
    (EXTERNAL, external_nearest_pixel), (EXTERNAL, external_floor), (EXTERNAL, external_row_col_swapped),
    (EXTERNAL, external_no_clamping), (EXTERNAL, external_last_column_overflows), (EXTERNAL, external_zero_outside),
    (EXTERNAL, external_mean),
    (GREEDY, greedy_jacobi), (GREEDY, greedy_first_best_even_if_staying_ties), (GREEDY, greedy_last_best),
    (GREEDY, greedy_offsets_dx_first), (GREEDY, greedy_nearest_pixel), (GREEDY, greedy_own_terms_only),
    (GREEDY, greedy_counts_every_vertex), (GREEDY, greedy_changes_its_input),
    (DP, dp_without_pinning), (DP, dp_open_chain_pinned), (DP, dp_pins_the_pair_before), (DP, dp_pins_one_point),
    (DP, dp_single_states_without_curvature), (DP, dp_curvature_at_current_positions), (DP, dp_is_a_greedy_sweep),
    (DP, dp_nearest_pixel), (DP, dp_counts_coordinates),
]

RIGHT = [(INTERNAL, internal_loops), (EXTERNAL, external_loops), (GREEDY, greedy_local_terms),
         (DP, dp_exhaustive_pairs)]


@pytest.mark.parametrize("exercise_id, fn", RIGHT, ids=[fn.__name__ for _, fn in RIGHT])
def test_independent_implementations_pass(exercise_id, fn):
    check(exercise_id, fn)
    for seed in SEEDS[:3]:
        check(exercise_id, fn, hidden=True, seed=seed)


@pytest.mark.parametrize("exercise_id, fn", WRONG, ids=[fn.__name__ for _, fn in WRONG])
def test_plausible_mistakes_fail_visible_and_hidden_for_every_seed(exercise_id, fn):
    assert_mistake_caught(exercise_id, fn)


def test_messages_say_what_differed():
    assert "open" in message_of(INTERNAL, internal_always_wraps)
    assert "closed" in message_of(INTERNAL, internal_never_wraps)
    assert "energy[y, x]" in message_of(EXTERNAL, external_row_col_swapped)
    assert "half way" in message_of(EXTERNAL, external_nearest_pixel)
    assert "beyond the border" in message_of(EXTERNAL, external_zero_outside)
    assert "staying" in message_of(GREEDY, greedy_first_best_even_if_staying_ties)
    assert "Gauss-Seidel" in message_of(GREEDY, greedy_jacobi)
    assert "changed" in message_of(GREEDY, greedy_changes_its_input)
    assert "in n_moved" in message_of(DP, dp_counts_coordinates)
    assert "greedy step stalls" in message_of(DP, dp_is_a_greedy_sweep)


def test_partial_sample_mistake_fails():
    namespace = {"np": np}
    exec(ch03.PARTIAL_SAMPLE["wrong"]["external_energy"], namespace)
    with pytest.raises(CheckFailed, match="bilinear"):
        check(EXTERNAL, namespace["external_energy"])
    assert set(ch03.PARTIAL_SAMPLE["correct"]) <= {ex.function for ex in exercises(NAME)}


# ---------------------------------------------------------------------------------------------------------------
# delegating is caught


def test_calling_the_reference_is_caught():
    def internal_energy(v, alpha, beta, closed=True):
        return S.internal_energy(v, alpha, beta, closed)

    assert "coursekit.snakes" in message_of(INTERNAL, internal_energy)

    def external_energy(v, energy):
        from coursekit.snakes.energies import _bilinear

        return float(_bilinear(np.asarray(energy, float), np.asarray(v, float)).sum())

    assert "coursekit.snakes" in message_of(EXTERNAL, external_energy)

    def greedy_step(energy, v, alpha, beta, gamma, window=5):
        return S.greedy_step(energy, v, alpha, beta, gamma, window)

    assert "coursekit.snakes" in message_of(GREEDY, greedy_step)

    def dp_step(energy, v, alpha, beta, gamma, window=5, pin=0):
        from coursekit.snakes import steps

        return steps.dp_step(energy, v, alpha, beta, gamma, window, pin)

    assert "coursekit.snakes" in message_of(DP, dp_step)


def test_calling_active_contour_or_scipy_is_caught():
    from skimage.segmentation import active_contour

    def greedy_step(energy, v, alpha, beta, gamma, window=5):
        v = np.asarray(v, float)
        out = active_contour(np.asarray(energy, float), v[:, ::-1], alpha=alpha, beta=beta, max_num_iter=1)
        return out[:, ::-1], len(v)

    assert "active_contour" in message_of(GREEDY, greedy_step)

    def external_energy(v, energy):
        from scipy.ndimage import map_coordinates

        v = np.asarray(v, float)
        return float(map_coordinates(np.asarray(energy, float), [v[:, 1], v[:, 0]], order=1, mode="nearest").sum())

    assert "scipy" in message_of(EXTERNAL, external_energy)


# ---------------------------------------------------------------------------------------------------------------
# the cases: every hidden set holds the traps, and each trap is real


WORDS = {
    INTERNAL: ["lecture's example", "open, tension only", "closed, ", "wraps around", "closed by default",
               "interior vertices", "two vertices"],
    EXTERNAL: ["energy[y, x]", "half way", "fractional", "last column", "beyond the border", "single vertex"],
    GREEDY: ["every vertex stays", "the first in the order", "Gauss-Seidel", "window 5", "window 3", "bilinearly",
             "border"],
    DP: ["greedy step stalls", "pin = 0", "stay", "wraps around", "strong curvature", "window 5", "bilinearly",
         "triangle", "no step can improve", "border"],
}


@pytest.mark.parametrize("seed", range(12))
def test_every_hidden_set_holds_the_traps(seed):
    for exercise_id, expected in WORDS.items():
        ex = get_exercise(exercise_id)
        cases = ex.cases(case_rng(ex.id, seed), True)
        labels = " | ".join(c.label for c in cases)
        for word in expected:
            assert word in labels, (exercise_id, word, labels)
        for case in cases:
            ex.call(ex.reference_function(), case.args, case.kwargs)


def _cases(exercise_id, seeds=range(6)):
    ex = get_exercise(exercise_id)
    yield from ((None, c) for c in ex.cases(None, False))
    for seed in seeds:
        yield from ((seed, c) for c in ex.cases(case_rng(exercise_id, seed), True))


def _bound(case):
    energy, v, alpha, beta, gamma, *rest = case.args
    window = rest[0] if rest else case.kwargs.get("window", 5)
    pin = rest[1] if len(rest) > 1 else case.kwargs.get("pin", 0)
    return np.asarray(energy, float), np.asarray(v, float), alpha, beta, gamma, window, pin


def test_the_traps_are_real():
    for seed, case in _cases(EXTERNAL):
        v, energy = np.asarray(case.args[0], float), np.asarray(case.args[1])
        h, w = energy.shape
        if "energy[y, x]" in case.label:
            assert w != h and (v[:, 0].max() >= h or v[:, 1].max() >= w)   # swapped indices leave the image
        if "half way" in case.label:
            assert np.all((v % 1 == 0.5).any(axis=1))
        if "beyond the border" in case.label:
            assert (v[:, 0] < 0).any() and (v[:, 0] > w - 1).any() and (v[:, 1] < 0).any() and (v[:, 1] > h - 1).any()
        if "last column" in case.label:
            assert (v[:, 0] == w - 1).any() and (v[:, 1] == h - 1).any()
    for seed, case in _cases(GREEDY):
        energy, v, alpha, beta, gamma, window, _ = _bound(case)
        expected = S.greedy_step(energy, v, alpha, beta, gamma, window)
        if "two best offsets" in case.label:
            assert expected[1] == 2 and np.all(energy == np.round(energy))
            assert not np.array_equal(greedy_offsets_dx_first(*case.args)[0], expected[0])
            assert not np.array_equal(greedy_first_best_even_if_staying_ties(*case.args)[0], expected[0])
        if "Gauss-Seidel" in case.label:
            assert not np.array_equal(greedy_jacobi(*case.args)[0], expected[0])
        if "border" in case.label:
            r = window // 2
            assert (v.min() - r < 0) or (v[:, 0].max() + r > energy.shape[1] - 1) or \
                (v[:, 1].max() + r > energy.shape[0] - 1)
    for seed, case in _cases(DP):
        energy, v, alpha, beta, gamma, window, pin = _bound(case)
        new, moved = S.dp_step(energy, v, alpha, beta, gamma, window, pin)
        if "greedy step stalls" in case.label:
            assert S.greedy_step(energy, v, alpha, beta, gamma, 3)[1] == 0 and moved >= 2
        if "no step can improve" in case.label:
            assert moved == 0
        else:
            assert moved >= 1
        assert np.array_equal(new[pin], v[pin]) and np.array_equal(new[(pin + 1) % len(v)], v[(pin + 1) % len(v)])


def _local(v, i, cand, energy, alpha, beta, gamma):
    """Every term of E that contains v_i, for each candidate position of v_i (closed contour)."""
    from coursekit.snakes.steps import _vertex_energy

    return _vertex_energy(v, i, cand, energy, alpha, beta, gamma, None, 0.0, True, None)


def test_the_greedy_cases_have_one_answer():
    # every choice of every sweep is won by a clear margin, so that any correct way of adding up the energy picks the
    # same offset; the cases built for ties use small integers, which every route computes exactly
    for seed, case in _cases(GREEDY):
        energy, v, alpha, beta, gamma, window, _ = _bound(case)
        if np.all(energy == np.round(energy)) and (alpha == beta == 0 or np.all(v == np.round(v))):
            continue
        offsets = _offsets(window)
        v = v.copy()
        for i in range(len(v)):
            e = _local(v, i, v[i] + offsets, energy, alpha, beta, gamma)
            first, second = np.sort(e)[:2]
            assert second - first > 1e-7 * (1 + np.abs(e).max()), (seed, case.label, i)
            v[i] = v[i] + offsets[int(np.argmin(e))]
        assert np.array_equal(v, S.greedy_step(*_bound(case)[:6])[0])


def test_the_dp_cases_have_one_answer():
    # the optimum (and keeping the contour when it is optimal) does not change when the image moves by 1e-9
    rng = np.random.default_rng(0)
    for seed, case in _cases(DP, seeds=range(3)):
        energy, v, alpha, beta, gamma, window, pin = _bound(case)
        expected = S.dp_step(energy, v, alpha, beta, gamma, window, pin)[0]
        for _ in range(4):
            shaken = energy + 1e-9 * rng.uniform(-1, 1, size=energy.shape)
            assert np.array_equal(S.dp_step(shaken, v, alpha, beta, gamma, window, pin)[0], expected), \
                (seed, case.label)


# ---------------------------------------------------------------------------------------------------------------
# the explorer


@pytest.fixture(scope="module")
def playground():
    rows, cols = np.mgrid[:64, :64]
    square = (np.abs(cols - 32) <= 14) & (np.abs(rows - 32) <= 12)
    return np.clip(0.25 + 0.5 * square + 0.03 * np.random.default_rng(0).normal(size=square.shape), 0, 1)


@pytest.fixture(scope="module")
def snake_ex(playground):
    return widgets.snake_explorer(playground, center=(32, 32), radius=20, n=20, max_iter=8)


@pytest.mark.parametrize("name, value", [("alpha", 0.2), ("beta", 1.5), ("gamma", 12.0), ("x", 30), ("y", 35),
                                         ("radius", 24)])
def test_each_snake_slider_redraws(snake_ex, name, value):
    start = dict(alpha=0.05, beta=0.5, gamma=6.0, x=32, y=32, radius=20)
    snake_ex.update(**start)
    before_png, before_text = snake_ex.picture.value, snake_ex.readout.value
    snake_ex.sliders[name].value = value
    assert snake_ex.params[name] == value
    assert snake_ex.picture.value != before_png and snake_ex.readout.value != before_text
    assert snake_ex.picture.value[:8] == b"\x89PNG\r\n\x1a\n"
    snake_ex.update(**start)
    assert snake_ex.picture.value == before_png and snake_ex.readout.value == before_text


def test_a_blitted_step_draws_what_a_full_redraw_draws(snake_ex):
    import io

    from PIL import Image

    snake_ex.update(alpha=0.1, radius=22)
    blitted = np.asarray(Image.open(io.BytesIO(snake_ex.picture.value)).convert("RGB")).astype(int)
    for artist in snake_ex._moving:
        artist.set_animated(False)
    try:
        snake_ex._canvas.draw()
        full = np.asarray(snake_ex._canvas.buffer_rgba())[..., :3].astype(int)
    finally:
        for artist in snake_ex._moving:
            artist.set_animated(True)
    assert blitted.shape == full.shape
    assert np.mean(np.abs(blitted - full).max(axis=-1) > 8) < 0.002


def test_the_text_states_every_slider_value(snake_ex):
    out = snake_ex.update(alpha=0.13, beta=1.25, gamma=7.5, x=31, y=33, radius=21)
    text = snake_ex.readout.value
    for pattern, value in ((r"α = ([\d.]+)", 0.13), (r"β = ([\d.]+)", 1.25), (r"γ = ([\d.]+)", 7.5),
                           (r"\(x, y\) = \((\d+)", 31), (r"\(x, y\) = \(\d+, (\d+)", 33), (r"r = (\d+)", 21)):
        assert float(re.search(pattern, text).group(1)) == value
    assert f"E = {out['energy']:.2f}" in text


def test_the_explorer_is_the_reference_snake_bounded_and_cached(snake_ex):
    out = snake_ex.update(alpha=0.05, beta=0.5, gamma=6.0, x=32, y=32, radius=20)
    expected = S.snake_dp(snake_ex.energy, S.circle((32, 32), 20, 20), 0.05, 0.5, 6.0, window=5, max_iter=8)
    assert np.array_equal(snake_ex.contour(**snake_ex.params), expected.contour)
    assert out["n_iter"] == expected.n_iter <= 8 and out["energy"] == expected.energies[-1]
    assert snake_ex.energy.min() == -1.0
    run = snake_ex.result(**snake_ex.params)
    snake_ex.update(alpha=0.3)
    snake_ex.update(alpha=0.05)
    drawn = dict(snake_ex._frames)
    snake_ex.update(alpha=0.3)
    snake_ex.update(alpha=0.05)
    assert snake_ex.result(**snake_ex.params) is run     # a setting seen before is not computed again,
    assert all(snake_ex._frames[key] is picture for key, picture in drawn.items())   # nor drawn again


def test_the_bound_is_stated_when_it_stops_a_snake(playground):
    ex = widgets.snake_explorer(playground, center=(32, 32), radius=28, n=16, max_iter=1)
    assert not ex.update(gamma=5.0)["converged"] and "max_iter = 1" in ex.readout.value


@pytest.mark.parametrize("kwargs, error, message", [
    ({"image": np.zeros((10, 10, 3))}, ValueError, "grey"),
    ({"image": np.full((10, 10), 2.0)}, ValueError, r"\[0, 1\]"),
    ({"image": [["a"]]}, TypeError, "real numbers"),
    ({"alpha": -0.1}, ValueError, "alpha"),
    ({"beta": "1"}, TypeError, "beta"),
    ({"gamma": 50.0}, ValueError, "gamma"),
    ({"center": (99, 10)}, ValueError, "x must lie"),
    ({"center": 5}, TypeError, "center"),
    ({"radius": 2}, ValueError, "radius"),
    ({"radius": 10.5}, TypeError, "radius"),
    ({"n": 2}, ValueError, "n"),
    ({"window": 4}, ValueError, "odd"),
    ({"max_iter": 0}, ValueError, "max_iter"),
    ({"sigma": -1.0}, ValueError, "sigma"),
])
def test_bad_snake_input_is_refused(playground, kwargs, error, message):
    kwargs = {"image": playground, **kwargs}
    with pytest.raises(error, match=message) as raised:
        widgets.snake_explorer(**kwargs)
    assert type(raised.value) is error


def test_a_refused_update_changes_nothing(snake_ex):
    before = (dict(snake_ex.params), snake_ex.picture.value, snake_ex.readout.value,
              {k: s.value for k, s in snake_ex.sliders.items()})
    for kwargs, error in (({"alpha": 5.0}, ValueError), ({"x": -1}, ValueError), ({"radius": 1000}, ValueError),
                          ({"gamma": "6"}, TypeError), ({"y": 3.5}, TypeError)):
        with pytest.raises(error):
            snake_ex.update(**kwargs)
        assert (snake_ex.params, snake_ex.picture.value, snake_ex.readout.value,
                {k: s.value for k, s in snake_ex.sliders.items()}) == before


# ---------------------------------------------------------------------------------------------------------------
# the solution notebook, run top to bottom


@pytest.mark.slow
def test_the_solution_notebook_prints_sensible_results():
    text = notebook_text(executed_solution(NAME))
    assert " sharp bend: 64, agrees with the reference: True" in text
    assert "gentle bend: 4, agrees with the reference: True" in text
    assert "E_ext = " in text and "agrees with the reference: False" not in text
    assert "every sweep agrees with the reference: True" in text
    assert "every step agrees with the reference: True" in text
    assert "greedy_step moves 0 points" in text
    final = re.search(r"final energy: greedy (-?[\d.]+) after (\d+) sweeps, dynamic programming (-?[\d.]+)", text)
    assert final and float(final.group(3)) < float(final.group(1))
    stalled = re.search(r"greedy's last contour: E = (-?[\d.]+).*\n.*one dp_step from it:\s+E = (-?[\d.]+); (\d+) "
                        r"points moved", text)
    assert stalled and float(stalled.group(2)) < float(stalled.group(1)) and int(stalled.group(3)) >= 2
    assert text.count("agree with the reference.") == 8      # four exercises, visible and hidden


@pytest.mark.slow
def test_autograde_round_trip(released_course, monkeypatch):
    from coursekit.course import make_samples
    from coursekit.grading.grader import grade_class

    monkeypatch.setenv("COURSEKIT_GRADING_SEED", "20261124")
    expected = make_samples(released_course, NAME, log=lambda *a: None)
    total = sum(ex.points for ex in exercises(NAME))
    assert expected["sample_full"] == total and expected["sample_empty"] == 0
    assert expected["sample_partial"] == 2.0
    report = grade_class(released_course, NAME, students=list(expected), log=lambda *a: None, progress=False)
    assert {g.student: g.score for g in report.results} == expected
    assert all(g.max_score == total and g.status == "graded" and not g.suspected for g in report.results)
