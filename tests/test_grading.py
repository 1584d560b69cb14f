"""The exercise registry and ``check``: honest solutions pass, every kind of wrong or evasive one fails with a message
in the student's terms, and hidden cases come from the grading seed."""

import re

import numpy as np
import pytest

import coursekit.metrics as reference
from coursekit.grading import CheckFailed, SEED_ENV, check, exercises, get_exercise, grading_seed
from coursekit.grading.check import case_rng, run_cases
from coursekit.grading.compare import allclose, exact
from coursekit.grading.registry import Exercise, register

from conftest import REPO, SEEDS, load_functions, message_of





@pytest.fixture(scope="module")
def solution():
    return load_functions(REPO / "solutions" / "06_metrics" / "06_metrics.ipynb")


def test_loop_confusion_matrix_passes():
    # an independent, slow, obviously-correct implementation
    def confusion_matrix(pred, target, num_classes, ignore_index=255):
        cm = np.zeros((num_classes, num_classes), dtype=np.int64)
        for p, t in zip(np.ravel(pred).tolist(), np.ravel(target).tolist()):
            if ignore_index is not None and t == ignore_index:
                continue
            if not (0 <= p < num_classes and 0 <= t < num_classes):
                raise ValueError("label out of range")
            cm[t, p] += 1
        return cm

    check("metrics.confusion_matrix", confusion_matrix)
    check("metrics.confusion_matrix", confusion_matrix, hidden=True, seed=3)


# ---------------------------------------------------------------------------------------------------------------
# wrong code fails, with what differed




def test_zero_instead_of_nan_names_index_and_values():
    def iou_per_class(cm):
        cm = np.asarray(cm, dtype=float)
        tp = np.diag(cm)
        return tp / np.maximum(cm.sum(0) + cm.sum(1) - tp, 1)

    msg = message_of("metrics.iou_per_class", iou_per_class)
    assert "absent from target and prediction" in msg
    assert "index 2" in msg and "expected nan, given 0" in msg
    assert "hint(" in msg and get_exercise("metrics.iou_per_class").hint not in msg  # the hint only when asked


def confusion_matrix_255_only(pred, target, num_classes, ignore_index=255):
    keep = np.ravel(target) != 255  # ignores the argument
    t = np.ravel(target)[keep].astype(np.int64)
    p = np.ravel(pred)[keep].astype(np.int64)
    return np.bincount(num_classes * t + p, minlength=num_classes**2).reshape(num_classes, num_classes)


def confusion_matrix_uint8(pred, target, num_classes, ignore_index=255):
    pred, target = np.ravel(pred), np.ravel(target)
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    if ((pred < 0) | (pred >= num_classes) | (target < 0) | (target >= num_classes)).any():
        raise ValueError("out of range")
    idx = num_classes * target + pred  # overflows for uint8 input: no int64 cast before the arithmetic
    return np.bincount(idx.astype(np.int64), minlength=num_classes**2).reshape(num_classes, num_classes)


def confusion_matrix_one_map(pred, target, num_classes, ignore_index=255):
    pred, target = np.asarray(pred), np.asarray(target)
    height, width = target.shape  # one (H, W) map only: a batch (N, H, W) does not unpack
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    for i in range(height):
        for j in range(width):
            t, p = int(target[i, j]), int(pred[i, j])
            if ignore_index is not None and t == ignore_index:
                continue
            if not (0 <= p < num_classes and 0 <= t < num_classes):
                raise ValueError("label out of range")
            cm[t, p] += 1
    return cm


def iou_zero_for_absent(cm):
    cm = np.asarray(cm, dtype=float)
    tp = np.diag(cm)
    return tp / np.maximum(cm.sum(0) + cm.sum(1) - tp, 1)


def confusion_matrix_checks_pred_first(pred, target, num_classes, ignore_index=255):
    pred, target = np.ravel(pred).astype(np.int64), np.ravel(target).astype(np.int64)
    if ((pred < 0) | (pred >= num_classes)).any():  # checked before the ignored pixels are left out
        raise ValueError("pred out of range")
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    if ((target < 0) | (target >= num_classes)).any():
        raise ValueError("target out of range")
    return np.bincount(num_classes * target + pred, minlength=num_classes**2).reshape(num_classes, num_classes)


CONFUSION_MISTAKES = [confusion_matrix_255_only, confusion_matrix_uint8, confusion_matrix_one_map,
                      confusion_matrix_checks_pred_first]


@pytest.mark.parametrize("fn", CONFUSION_MISTAKES, ids=lambda f: f.__name__)
def test_confusion_matrix_mistakes_fail_the_visible_check(fn):
    # every trap the statement names is visible: no student sees a check pass and then loses the hidden points
    with pytest.raises(CheckFailed):
        check("metrics.confusion_matrix", fn)


def test_uint8_overflow_is_named_in_the_visible_check():
    msg = message_of("metrics.confusion_matrix", confusion_matrix_uint8)
    assert "overflows uint8" in msg and "21 classes" in msg


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_cases_always_contain_the_traps(seed):
    # the same mistake fails the hidden cases for every seed: a hidden score does not depend on luck
    for exercise_id, fn in [("metrics.iou_per_class", iou_zero_for_absent)] + [
            ("metrics.confusion_matrix", fn) for fn in CONFUSION_MISTAKES]:
        with pytest.raises(CheckFailed):
            check(exercise_id, fn, hidden=True, seed=seed)


def test_wrong_shape_says_expected_and_given():
    msg = message_of("metrics.iou_per_class", lambda cm: np.zeros((len(cm), 1)))
    assert "expected shape (2,)" in msg and "given shape (2, 1)" in msg


def test_float_confusion_matrix_is_not_accepted():
    def confusion_matrix(pred, target, num_classes, ignore_index=255):
        return reference_free_cm(pred, target, num_classes, ignore_index).astype(float)

    msg = message_of("metrics.confusion_matrix", confusion_matrix)
    assert "integer" in msg and "float64" in msg


def reference_free_cm(pred, target, num_classes, ignore_index):
    pred, target = np.ravel(pred).astype(np.int64), np.ravel(target).astype(np.int64)
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    if ((pred < 0) | (pred >= num_classes) | (target < 0) | (target >= num_classes)).any():
        raise ValueError("label out of range")
    return np.bincount(num_classes * target + pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def test_missing_return_is_named():
    def pixel_accuracy(cm):
        np.trace(cm) / np.sum(cm)

    assert "forget `return`" in message_of("metrics.pixel_accuracy", pixel_accuracy)


def test_missing_value_error_is_named():
    def confusion_matrix(pred, target, num_classes, ignore_index=255):
        pred, target = np.ravel(pred).astype(np.int64), np.ravel(target).astype(np.int64)
        keep = (target != ignore_index) & (pred < num_classes) & (target < num_classes)
        t, p = target[keep], pred[keep]  # silently drops out-of-range labels
        return np.bincount(num_classes * t + p, minlength=num_classes**2).reshape(num_classes, num_classes)

    msg = message_of("metrics.confusion_matrix", confusion_matrix)
    assert "should raise ValueError" in msg


def test_student_exception_is_reported_with_its_line():
    def mean_iou(cm):
        return cm.nanmean()  # AttributeError: numpy arrays have no nanmean

    msg = message_of("metrics.mean_iou", mean_iou)
    assert "AttributeError" in msg and "cm.nanmean()" in msg


def test_always_equal_object_does_not_pass():
    class Liar:
        def __eq__(self, other):
            return True

        def __array__(self, dtype=None, copy=None):
            return np.array(0.0)

    assert "expected" in message_of("metrics.pixel_accuracy", lambda cm: Liar())

    class Anything:
        __eq__ = lambda self, other: True  # noqa: E731

    assert "expected numbers" in message_of("metrics.pixel_accuracy", lambda cm: Anything())


def test_changing_the_input_in_place_is_reported():
    def pixel_accuracy(cm):
        cm[...] = cm / 1  # harmless value, but it writes into the caller's array
        np.fill_diagonal(cm, np.diag(cm) + 0)
        cm += 0
        cm[0, 0] += 1
        cm[0, 0] -= 1
        result = np.trace(cm) / cm.sum()
        cm[0, 0] = -1
        return result

    assert "changed its input" in message_of("metrics.pixel_accuracy", pixel_accuracy)


# ---------------------------------------------------------------------------------------------------------------
# delegating to the reference or to scikit-learn is caught, by any route


def test_calling_the_reference_is_caught():
    msg = message_of("metrics.mean_iou", lambda cm: reference.mean_iou(cm))
    assert "calls `coursekit.metrics.mean_iou`, which this exercise asks you to implement yourself" in msg


def test_calling_the_reference_under_another_name_is_caught():
    from coursekit.metrics import iou_per_class as my_helper

    def mean_iou(cm):
        return float(np.nanmean(my_helper(cm)))

    assert "coursekit.metrics" in message_of("metrics.mean_iou", mean_iou)


def test_importing_the_reference_inside_the_function_is_caught():
    def pixel_accuracy(cm):
        mod = __import__("importlib").import_module("coursekit.metrics")
        return getattr(mod, "pixel_" + "accuracy")(cm)

    assert "coursekit.metrics" in message_of("metrics.pixel_accuracy", pixel_accuracy)


def test_scikit_learn_is_caught():
    def confusion_matrix(pred, target, num_classes, ignore_index=255):
        from sklearn.metrics import confusion_matrix as sk

        pred, target = np.ravel(pred), np.ravel(target)
        keep = target != ignore_index
        if ((pred[keep] >= num_classes) | (target[keep] >= num_classes)).any():
            raise ValueError("out of range")
        return sk(target[keep], pred[keep], labels=list(range(num_classes))).astype(np.int64)

    assert "sklearn.metrics.confusion_matrix" in message_of("metrics.confusion_matrix", confusion_matrix)


def test_switching_off_the_profiler_is_caught():
    import sys

    def pixel_accuracy(cm):
        sys.setprofile(None)
        return reference.pixel_accuracy(cm)

    msg = message_of("metrics.pixel_accuracy", pixel_accuracy)
    assert "profiler" in msg or "coursekit.metrics" in msg


# ---------------------------------------------------------------------------------------------------------------
# hidden cases and the grading seed


def _case_arrays(exercise_id, seed):
    ex = get_exercise(exercise_id)
    return [np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in c.args if isinstance(a, np.ndarray)])
            for c in ex.cases(case_rng(ex.id, seed), True)]


def test_hidden_cases_differ_between_exercises_with_one_seed():
    a = _case_arrays("metrics.pixel_accuracy", 5)
    b = _case_arrays("metrics.iou_per_class", 5)
    assert not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def test_grading_seed_from_the_environment():
    assert grading_seed({}) is None
    assert grading_seed({SEED_ENV: "42"}) == 42
    phrase = grading_seed({SEED_ENV: "winter term 2026"})
    assert isinstance(phrase, int) and phrase == grading_seed({SEED_ENV: "winter term 2026"})
    assert phrase != grading_seed({SEED_ENV: "summer term 2026"})
    with pytest.raises(ValueError, match=SEED_ENV):
        grading_seed({SEED_ENV: "-3"})


def test_hidden_check_uses_the_environment_seed(monkeypatch, solution, capsys):
    seen = []
    ex = get_exercise("metrics.pixel_accuracy")
    original = ex.hidden

    def spy(rng):
        seen.append(rng.integers(0, 2**62))
        return original(rng)

    patched = Exercise(**{**ex.__dict__, "hidden": spy})
    monkeypatch.setitem(__import__("coursekit.grading.registry", fromlist=["_REGISTRY"])._REGISTRY,
                        ex.id, patched)
    monkeypatch.setenv(SEED_ENV, "99")
    check(ex.id, solution["pixel_accuracy"], hidden=True)
    check(ex.id, solution["pixel_accuracy"], hidden=True)
    monkeypatch.delenv(SEED_ENV)
    check(ex.id, solution["pixel_accuracy"], hidden=True)
    assert seen[0] == seen[1] == case_rng(ex.id, 99).integers(0, 2**62)
    assert seen[2] != seen[0]
    assert "fresh random seed" in capsys.readouterr().out


def test_no_seed_constant_in_the_course():
    # hidden cases must come from the grader's seed, never from a seed written into the course
    for path in list((REPO / "coursekit" / "grading").glob("*.py")):
        text = path.read_text()
        for call in re.findall(r"case_rng\(([^)]*)\)", text):
            assert not re.search(r"\d", call.split(",")[-1]), f"{path.name}: case_rng({call})"


# ---------------------------------------------------------------------------------------------------------------
# the registry and the comparisons


def test_unknown_exercise_suggests_the_closest():
    with pytest.raises(KeyError, match="metrics.mean_iou"):
        get_exercise("metrics.mean_iuo")


def test_registering_an_id_twice_is_refused():
    ex = get_exercise("metrics.mean_iou")
    with pytest.raises(ValueError, match="twice"):
        register(Exercise(**{**ex.__dict__, "points": 5}))


def test_every_exercise_forbids_its_reference():
    for ex in exercises():
        assert ex.all_forbidden[0] == ex.reference
        assert ex.reference_function() is not None
        assert ex.points > 0


def test_check_refuses_a_non_function():
    with pytest.raises(CheckFailed, match="expected your function"):
        check("metrics.mean_iou", 0.5)


def test_message_hides_our_traceback_in_ipython():
    with pytest.raises(CheckFailed) as info:
        check("metrics.mean_iou", lambda cm: 0.0)
    lines = info.value._render_traceback_()
    assert "CheckFailed" in lines[0] and "metrics.mean_iou" in lines[0]
    assert not any("Traceback" in ln for ln in lines)


def test_run_cases_reports_each_case():
    ex = get_exercise("metrics.pixel_accuracy")
    outcomes, total = run_cases(ex, lambda cm: 0.5, stop_at_first=False)
    assert len(outcomes) == total and any(o.problem for o in outcomes)


@pytest.mark.parametrize("expected, given, fragment", [
    (np.array([1.0, 2.0]), np.array([1.0, 2.5]), "index 1: expected 2, given 2.5"),
    (np.array([1.0, np.nan]), np.array([1.0, 0.0]), "expected nan, given 0"),
    (1.0, np.array([1.0]), "expected a single number"),
    (np.array([1.0]), 1.0, "expected an array of shape (1,)"),
    ((np.zeros(2), np.zeros(2)), (np.zeros(2),), "tuple of 2 results, given 1"),
    (np.zeros((2, 2)), np.zeros((2, 2)) + [[0, 0], [0, 1]], "index (1, 1)"),
    (np.zeros(2), np.array(["a", "b"]), "expected numbers"),
])
def test_allclose_messages(expected, given, fragment):
    assert fragment in allclose()(expected, given)


def test_allclose_agrees_within_tolerance_and_on_nan():
    assert allclose(rtol=1e-6)(np.array([1.0, np.nan]), np.array([1.0 + 1e-9, np.nan])) is None
    assert allclose()(0.5, np.float32(0.5)) is None


def test_exact_wants_integers():
    assert exact()(np.array([1, 2]), np.array([1, 2])) is None
    assert "integer" in exact()(np.array([1, 2]), np.array([1.0, 2.0]))
    assert "index 0" in exact()(np.array([1, 2]), np.array([2, 2]))


def test_tuple_parts_are_named():
    cmp = allclose(names=("precision", "recall", "f1"))
    msg = cmp((np.zeros(2), np.ones(2), np.ones(2)), (np.zeros(2), np.zeros(2), np.ones(2)))
    assert msg.startswith("in recall")
    assert (reference.precision_recall_f1(np.eye(2, dtype=int) * 3)[0] == 1).all()


def test_hint_prints_the_registry_hint(capsys):
    from coursekit.grading import hint

    hint("metrics.iou_per_class")
    out = capsys.readouterr().out
    assert get_exercise("metrics.iou_per_class").hint in out
    assert "may use numpy and Python's standard library" in out


def test_chapter_modules_are_found_by_name():
    from coursekit.grading.registry import chapter_modules

    modules = chapter_modules()
    assert "coursekit.grading.ch06_metrics" in modules
    assert "coursekit.grading.check" not in modules and "coursekit.grading.compare" not in modules
    # every chapter module belongs to a chapter notebook of the same name
    for module in modules:
        name = module.rsplit(".ch", 1)[1]
        assert (REPO / "solutions" / name / f"{name}.ipynb").is_file(), f"{module} has no solutions/{name}"


def test_hidden_tests_are_cut_from_tracebacks():
    from nbformat.v4 import new_code_cell, new_output

    from coursekit.grading.feedback import ClearHiddenTracebacks

    cell = new_code_cell('check("metrics.mean_iou", mean_iou)\n### BEGIN HIDDEN TESTS\n'
                         'check("metrics.mean_iou", mean_iou, hidden=True)\n### END HIDDEN TESTS')
    cell.outputs = [new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[
        "\x1b[0;31m---------\x1b[0m",
        "Cell \x1b[0;32mIn[13], line 2\x1b[0m\n      1 check(\"metrics.mean_iou\", mean_iou)\n"
        "\x1b[0;32m----> 2\x1b[0m \x1b[38;5;241m### BEGIN HIDDEN TESTS\x1b[39m\n"
        "      3 check(\"metrics.mean_iou\", mean_iou, hidden\x1b[38;5;241m=\x1b[39mTrue)\n"
        "      4 ### END HIDDEN TESTS\n",
        "KeyboardInterrupt: "])]
    ClearHiddenTracebacks().preprocess_cell(cell, {}, 0)
    text = "\n".join(cell.outputs[0]["traceback"])
    assert "HIDDEN" not in text and "hidden" not in text
    assert 'check("metrics.mean_iou", mean_iou)' in text and "KeyboardInterrupt" in text


def test_a_forbidden_package_covers_its_submodules():
    import sklearn.cluster

    from coursekit.grading.cleanroom import Recorder
    from coursekit.grading.verdict import forbidden_specs

    ex = Exercise(id="x.kmeans", function="kmeans", reference="coursekit.metrics.mean_iou", public=list,
                  hidden=lambda rng: [],
                  compare=allclose(), points=1, notebook="x", forbidden=("sklearn.cluster",))
    import sys

    recorder = Recorder(forbidden_specs(ex))
    recorder.start()
    sys.setprofile(recorder)
    try:
        sklearn.cluster.KMeans(n_clusters=2, n_init=1).fit(np.array([[0.0], [1.0], [5.0], [6.0]]))
    finally:
        sys.setprofile(None)
    assert "sklearn.cluster" in recorder.hits


@pytest.mark.parametrize("body, package", [
    ("    from scipy.stats.contingency import crosstab\n"
     "    labels = np.arange(num_classes)\n"
     "    return crosstab(t[keep], p[keep], levels=(labels, labels)).count.astype(np.int64)", "scipy"),
    ("    from sklearn.metrics import multilabel_confusion_matrix\n"
     "    multilabel_confusion_matrix(t[keep], p[keep], labels=list(range(num_classes)))\n"
     "    return np.bincount(num_classes * t[keep].astype(np.int64) + p[keep], "
     "minlength=num_classes**2).reshape(num_classes, num_classes)", "sklearn"),
])
def test_a_package_the_exercise_does_not_allow_is_named(body, package):
    """Exercises allow numpy only (their `modules`): an unforbidden peer from another package fails the check as it
    fails the grade, where that package is not installed at all."""
    source = ("import numpy as np\n\ndef confusion_matrix(pred, target, num_classes, ignore_index=255):\n"
              "    t, p = np.ravel(target), np.ravel(pred)\n"
              "    keep = t != ignore_index if ignore_index is not None else np.ones(t.shape, bool)\n"
              "    if ((p[keep] < 0) | (p[keep] >= num_classes) | (t[keep] < 0) | (t[keep] >= num_classes)).any():\n"
              "        raise ValueError('out of range')\n" + body)
    namespace = {}
    exec(source, namespace)
    message = message_of("metrics.confusion_matrix", namespace["confusion_matrix"])
    assert f"uses {package}, which this exercise does not allow" in message and "numpy" in message


def test_values_that_print_alike_are_told_apart():
    """A float32 result that misses a float64 tolerance: the message shows the digits that differ and why."""
    msg = allclose(rtol=1e-9, atol=1e-12)(np.float64(10 / 13), np.float32(10 / 13))
    expected, given = re.search(r"expected ([\d.]+), given ([\d.]+)", msg).groups()
    assert expected != given and "float32" in msg and "float64" in msg


def test_integer_results_must_have_the_stated_dtype():
    assert "expected dtype int64, given dtype int32" in exact()(np.arange(3), np.arange(3, dtype=np.int32))
    assert exact()(np.arange(3), np.arange(3)) is None


def test_agrees_judges_as_check_does(capsys):
    from coursekit.grading import agrees

    cm = np.array([[5, 1], [2, 3]], dtype=np.int64)
    assert agrees("metrics.pixel_accuracy", lambda m: float(np.trace(m) / m.sum()), cm)
    assert not agrees("metrics.pixel_accuracy", lambda m: np.float32(np.trace(m) / m.sum()), cm)
    assert "float32" in capsys.readouterr().out
