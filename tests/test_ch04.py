"""Chapter 4, transposed convolution: its exercises fail every plausible
mistake on visible and hidden cases for any seed, catch delegation to the reference, PyTorch or SciPy; the stamp
explorer redraws on every slider and prints the size that the reference computes."""

import doctest

import numpy as np
import pytest

from coursekit import widgets
from coursekit.grading import CheckFailed, check, exercises, get_exercise
from coursekit.grading import ch04_transposed_convolution as ch04
from coursekit.grading.check import case_rng
from coursekit.upsampling import conv_transpose_output_size as reference_size

from conftest import SEEDS, assert_mistake_caught, message_of

NAME = "04_transposed_convolution"
SIZE, SINGLE, MULTI = (f"transposed_convolution.{f}" for f in
                       ("conv_transpose_output_size", "conv_transpose2d_single", "conv_transpose2d"))






def test_the_chapter_registers_three_exercises():
    registered = exercises(NAME)
    assert [(ex.id, ex.function, ex.points) for ex in registered] == [
        (SIZE, "conv_transpose_output_size", 1), (SINGLE, "conv_transpose2d_single", 2), (MULTI, "conv_transpose2d", 3)]
    for ex in registered:
        assert ex.notebook == NAME and ex.hint
        assert "coursekit.upsampling" in ex.all_forbidden
        assert "torch.nn.functional.conv_transpose2d" in ex.all_forbidden
        assert "torch.nn.ConvTranspose2d" in ex.all_forbidden


def zero_insertion_single(x, kernel, stride=1, padding=0):
    # an independent route: zeros inserted, padded by k - 1 - p, a stride-1 correlation with the flipped kernel
    x, kernel = np.asarray(x, float), np.asarray(kernel, float)
    (h, w), (kh, kw) = x.shape, kernel.shape
    z = np.zeros(((h - 1) * stride + 1, (w - 1) * stride + 1))
    z[::stride, ::stride] = x
    ph, pw = kh - 1 - padding, kw - 1 - padding
    z = np.pad(z, ((max(ph, 0), max(ph, 0)), (max(pw, 0), max(pw, 0))))
    if ph < 0:
        z = z[-ph: z.shape[0] + ph]
    if pw < 0:
        z = z[:, -pw: z.shape[1] + pw]
    flipped = kernel[::-1, ::-1]
    out = np.zeros((z.shape[0] - kh + 1, z.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(z[r: r + kh, c: c + kw] * flipped)
    return out


def per_channel_multi(x, weight, stride=1, padding=0):
    # an independent route: the single-channel function for every (image, input channel, output channel)
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    n, c_in = x.shape[:2]
    c_out = weight.shape[1]
    first = zero_insertion_single(x[0, 0], weight[0, 0], stride, padding)
    out = np.zeros((n, c_out) + first.shape)
    for b in range(n):
        for o in range(c_out):
            for c in range(c_in):
                out[b, o] += zero_insertion_single(x[b, c], weight[c, o], stride, padding)
    return out


def test_independent_implementations_pass():
    check(SINGLE, zero_insertion_single)
    check(MULTI, per_channel_multi)
    for seed in SEEDS[:3]:
        check(SINGLE, zero_insertion_single, hidden=True, seed=seed)
        check(MULTI, per_channel_multi, hidden=True, seed=seed)


# ---------------------------------------------------------------------------------------------------------------
# plausible mistakes fail, visible and hidden, for every seed


def _size_ok(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    out = (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    if out < 1:
        raise ValueError("empty")
    return out


def size_input_times_stride(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return max(1, size * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding)  # off by one


def size_padding_once(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return _size_ok(size, kernel_size, stride, 0, output_padding, dilation) - padding


def size_without_dilation(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return _size_ok(size, kernel_size, stride, padding, output_padding, 1)


def size_without_output_padding(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return _size_ok(size, kernel_size, stride, padding, 0, dilation)


def size_no_value_error(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1


def size_as_float(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return float(_size_ok(size, kernel_size, stride, padding, output_padding, dilation))


def _stamps(x, kernel, stride, add=True, flip=False):
    x, kernel = np.asarray(x, float), np.asarray(kernel, float)
    if flip:
        kernel = kernel[::-1, ::-1]
    (h, w), (kh, kw) = x.shape, kernel.shape
    canvas = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw))
    for i in range(h):
        for j in range(w):
            region = canvas[i * stride: i * stride + kh, j * stride: j * stride + kw]
            if add:
                region += x[i, j] * kernel
            else:
                region[...] = x[i, j] * kernel
    return canvas


def _crop(canvas, p):
    return canvas[p: canvas.shape[0] - p, p: canvas.shape[1] - p]


def single_no_crop(x, kernel, stride=1, padding=0):
    return _stamps(x, kernel, stride)


def single_overwrites_overlaps(x, kernel, stride=1, padding=0):
    return _crop(_stamps(x, kernel, stride, add=False), padding)


def single_crop_minus_p(x, kernel, stride=1, padding=0):
    return _stamps(x, kernel, stride)[padding:-padding, padding:-padding]  # empty when padding = 0


def single_crop_top_left_only(x, kernel, stride=1, padding=0):
    canvas = _stamps(x, kernel, stride)
    return canvas[padding:, padding:][: canvas.shape[0] - 2 * padding + 1, : canvas.shape[1] - 2 * padding + 1]


def single_flipped_kernel(x, kernel, stride=1, padding=0):
    return _crop(_stamps(x, kernel, stride, flip=True), padding)


def single_ignores_stride(x, kernel, stride=1, padding=0):
    return _crop(_stamps(x, kernel, 1), padding)


def single_one_short(x, kernel, stride=1, padding=0):
    return _crop(_stamps(x, kernel, stride), padding)[:-1, :-1]  # off by one in the output size


def _multi(x, weight, stride, padding, layout="in_out", channel_sum=True, crop=True, batch=True):
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    if layout == "out_in":
        weight = weight.transpose(1, 0, 2, 3)  # read as a Conv2d weight (C_out, C_in, k, k)
    n, c_in, h, w = x.shape
    c_out, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    canvas = np.zeros((n, c_out, (h - 1) * stride + kh, (w - 1) * stride + kw))
    for b in range(n if batch else 1):
        for o in range(c_out):
            for c in range(c_in if channel_sum else 1):
                canvas[b, o] += _stamps(x[b, c], weight[c % weight.shape[0], o], stride)
    if not batch:
        canvas = canvas[:1]
    return canvas[:, :, padding: canvas.shape[2] - padding, padding: canvas.shape[3] - padding] if crop else canvas


def multi_no_crop(x, weight, stride=1, padding=0):
    return _multi(x, weight, stride, padding, crop=False)


def multi_conv2d_layout(x, weight, stride=1, padding=0):
    return _multi(x, weight, stride, padding, layout="out_in")


def multi_first_channel_only(x, weight, stride=1, padding=0):
    return _multi(x, weight, stride, padding, channel_sum=False)


def multi_first_image_only(x, weight, stride=1, padding=0):
    return _multi(x, weight, stride, padding, batch=False)


def multi_overwrites_channels(x, weight, stride=1, padding=0):
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    out = None
    for c in range(x.shape[1]):  # each input channel replaces the previous one's result
        out = _multi(x[:, c: c + 1], weight[c: c + 1], stride, padding)
    return out


WRONG = [
    (SIZE, size_input_times_stride), (SIZE, size_padding_once), (SIZE, size_without_dilation),
    (SIZE, size_without_output_padding), (SIZE, size_no_value_error), (SIZE, size_as_float),
    (SINGLE, single_no_crop), (SINGLE, single_overwrites_overlaps), (SINGLE, single_crop_minus_p),
    (SINGLE, single_crop_top_left_only), (SINGLE, single_flipped_kernel), (SINGLE, single_ignores_stride),
    (SINGLE, single_one_short),
    (MULTI, multi_no_crop), (MULTI, multi_conv2d_layout), (MULTI, multi_first_channel_only),
    (MULTI, multi_first_image_only), (MULTI, multi_overwrites_channels),
]


@pytest.mark.parametrize("exercise_id, fn", WRONG, ids=[fn.__name__ for _, fn in WRONG])
def test_plausible_mistakes_fail_visible_and_hidden_for_every_seed(exercise_id, fn):
    assert_mistake_caught(exercise_id, fn)


def test_messages_say_what_differed():
    assert "expected shape (3, 3)" in message_of(SINGLE, single_no_crop)  # the lecture's example, cropped
    assert "entries differ" in message_of(SINGLE, single_overwrites_overlaps)
    assert "should raise ValueError" in message_of(SIZE, size_no_value_error)
    assert "integer" in message_of(SIZE, size_as_float)
    assert "expected 5, given 6" in message_of(SIZE, size_input_times_stride)


def test_partial_sample_mistake_fails():
    namespace = {"np": np}
    exec(ch04.PARTIAL_SAMPLE["wrong"]["conv_transpose2d_single"], namespace)
    with pytest.raises(CheckFailed, match="lecture's example at stride 1"):
        check(SINGLE, namespace["conv_transpose2d_single"])
    assert set(ch04.PARTIAL_SAMPLE["correct"]) <= {ex.function for ex in exercises(NAME)}


# ---------------------------------------------------------------------------------------------------------------
# delegating is caught


def test_calling_the_reference_is_caught():
    from coursekit import upsampling

    def conv_transpose2d(x, weight, stride=1, padding=0):
        return upsampling.conv_transpose2d(x, weight, stride=stride, padding=padding)

    assert "calls `coursekit.upsampling.conv_transpose2d`" in message_of(MULTI, conv_transpose2d)

    def conv_transpose_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
        return upsampling.conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)

    assert "coursekit.upsampling" in message_of(SIZE, conv_transpose_output_size)

    def conv_transpose2d_single(x, kernel, stride=1, padding=0):
        return ch04.reference_single(x, kernel, stride, padding)

    assert "reference_single" in message_of(SINGLE, conv_transpose2d_single)

    def via_stamp_steps(x, kernel, stride=1, padding=0):
        return np.asarray(upsampling.stamp_steps(x, kernel, stride, padding).output, dtype=float)

    assert "calls `coursekit.upsampling`" in message_of(SINGLE, via_stamp_steps)


def test_calling_torch_is_caught():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    def conv_transpose2d(x, weight, stride=1, padding=0):
        return F.conv_transpose2d(torch.from_numpy(np.asarray(x, float)), torch.from_numpy(np.asarray(weight, float)),
                                  stride=stride, padding=padding).numpy()

    assert "conv_transpose2d`" in message_of(MULTI, conv_transpose2d)
    assert "torch" in message_of(MULTI, conv_transpose2d)

    def conv_transpose2d_single(x, kernel, stride=1, padding=0):
        kernel = np.asarray(kernel, float)
        layer = torch.nn.ConvTranspose2d(1, 1, kernel.shape, stride=stride, padding=padding, bias=False).double()
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(kernel)[None, None])
            return layer(torch.from_numpy(np.asarray(x, float))[None, None])[0, 0].numpy()

    assert "torch.nn.ConvTranspose2d" in message_of(SINGLE, conv_transpose2d_single)


def test_calling_scipy_is_caught():
    from scipy import signal

    def conv_transpose2d_single(x, kernel, stride=1, padding=0):
        x = np.asarray(x, float)
        z = np.zeros(((x.shape[0] - 1) * stride + 1, (x.shape[1] - 1) * stride + 1))
        z[::stride, ::stride] = x
        full = signal.convolve2d(z, kernel, mode="full")  # the transposed convolution, done by SciPy
        return full[padding: full.shape[0] - padding, padding: full.shape[1] - padding]

    assert "scipy.signal.convolve2d" in message_of(SINGLE, conv_transpose2d_single)


# ---------------------------------------------------------------------------------------------------------------
# the cases


@pytest.mark.parametrize("seed", range(40))
def test_every_hidden_set_holds_the_traps_and_valid_cases(seed):
    words = {SIZE: ["no padding", "padding", "output_padding", "dilation", "FCN", "ValueError"],
             SINGLE: ["overlaps add up", "no padding", "padding", "gaps", "keeps the input's size", "non-square"],
             MULTI: ["kernel of ones", "C_in", "batch", "swapped weight layout", "gaps"]}
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
                continue
            result = reference(*case.args, **case.kwargs)
            if exercise_id != SIZE:
                assert np.asarray(result).dtype == np.float64 and np.asarray(result).size > 0
                assert all(a.dtype == np.float64 for a in case.args if isinstance(a, np.ndarray))


def test_public_cases_include_the_lecture_example():
    ex = get_exercise(SINGLE)
    results = {c.label: ex.reference_function()(*c.args, **c.kwargs) for c in ex.cases(None, False)}
    lecture = [r for label, r in results.items() if "lecture" in label]
    assert [r.shape for r in lecture] == [(4, 4), (5, 5), (3, 3)]
    np.testing.assert_array_equal(lecture[2], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


# ---------------------------------------------------------------------------------------------------------------
# the stamp explorer


@pytest.fixture(scope="module")
def explorer():
    return widgets.stamp_explorer([[1, 2], [3, 4]], stride=2, padding=1, kernel_size=3)


def _readout_size(explorer):
    import re

    found = re.search(r"output: <b>(\d+) x (\d+)</b>", explorer.readout.value)
    return (int(found.group(1)), int(found.group(2))) if found else None


def test_initial_state_is_the_lecture_example(explorer):
    assert explorer.output_size() == (3, 3) == _readout_size(explorer)
    count, value = explorer.stamps()
    np.testing.assert_array_equal(value, [[1, 1, 3, 2, 2], [1, 1, 3, 2, 2], [4, 4, 10, 6, 6], [3, 3, 7, 4, 4],
                                          [3, 3, 7, 4, 4]])
    assert count.max() == 4
    assert explorer.picture.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name, value", [("stride", 3), ("padding", 0), ("kernel_size", 4), ("output_padding", 1)])
def test_each_slider_redraws_and_prints_the_reference_size(explorer, name, value):
    explorer.update(stride=2, padding=1, kernel_size=3, output_padding=0)
    before_png, before_text = explorer.picture.value, explorer.readout.value
    explorer.sliders[name].value = value
    assert explorer.params[name] == value
    assert explorer.picture.value != before_png and explorer.readout.value != before_text
    p = explorer.params
    expected = reference_size((2, 2), p["kernel_size"], p["stride"], p["padding"], p["output_padding"])
    assert _readout_size(explorer) == tuple(expected) == explorer.output_size()
    explorer.update(stride=2, padding=1, kernel_size=3, output_padding=0)
    assert explorer.picture.value == before_png  # the same parameters draw the same picture


@pytest.mark.parametrize("seed", range(3))
def test_sizes_agree_with_the_reference_on_random_settings(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 5, size=tuple(rng.integers(1, 4, size=2)))
    explorer = widgets.StampExplorer(x, stride=1, padding=0, kernel_size=1)
    for _ in range(6):
        s = int(rng.integers(1, 5))
        p, k, a = int(rng.integers(0, 4)), int(rng.integers(1, 6)), int(rng.integers(0, s))
        got = explorer.update(stride=s, padding=p, kernel_size=k, output_padding=a)
        try:
            expected = tuple(reference_size(x.shape, k, s, p, a))
        except ValueError:
            assert got is None and "empty" in explorer.readout.value
        else:
            assert got == expected == _readout_size(explorer)
            count, value = explorer.stamps()
            np.testing.assert_array_equal(count.shape, ((x.shape[0] - 1) * s + k, (x.shape[1] - 1) * s + k))


def test_output_padding_follows_the_stride(explorer):
    explorer.update(stride=3, padding=1, kernel_size=3, output_padding=2)
    assert explorer.sliders["output_padding"].max == 2
    explorer.sliders["stride"].value = 2
    assert explorer.params["output_padding"] == 1 == explorer.sliders["output_padding"].value
    assert explorer.sliders["output_padding"].max == 1
    assert explorer.output_size() == tuple(reference_size((2, 2), 3, 2, 1, 1)) == _readout_size(explorer)
    explorer.update(stride=2, padding=1, kernel_size=3, output_padding=0)


def test_an_empty_output_is_shown_not_raised():
    explorer = widgets.stamp_explorer([[1.5, -2.0], [0.25, 3.0]], stride=1, padding=1, kernel_size=1)
    assert explorer.output_size() is None
    assert "empty" in explorer.readout.value
    assert explorer.update(kernel_size=3) == (2, 2)


@pytest.mark.parametrize("x, kwargs, error, message", [
    (np.zeros((2, 2, 2)), {}, ValueError, "2-D"),
    (np.zeros((4, 4)), {}, ValueError, "3 x 3"),
    (np.zeros((0, 2)), {}, ValueError, "2-D"),
    ([[1.0, np.nan]], {}, ValueError, "finite"),
    ([["a", "b"]], {}, TypeError, "real numbers"),  # the one rule: a wrong kind is a TypeError
    (None, {"stride": 0}, ValueError, "stride"),
    (None, {"stride": 5}, ValueError, "stride"),
    (None, {"stride": 1.5}, TypeError, "int"),
    (None, {"stride": True}, TypeError, "int"),
    (None, {"padding": -1}, ValueError, "padding"),
    (None, {"kernel_size": 6}, ValueError, "kernel_size"),
    (None, {"stride": 2, "output_padding": 2}, ValueError, "output_padding must be smaller than the stride"),
])
def test_bad_input_is_refused(x, kwargs, error, message):
    with pytest.raises(error, match=message):
        widgets.stamp_explorer(x, **kwargs)


def test_bad_update_is_refused_and_changes_nothing(explorer):
    before = dict(explorer.params)
    for kwargs, error in (({"stride": 0}, ValueError), ({"padding": 4}, ValueError), ({"kernel_size": 0}, ValueError),
                          ({"output_padding": 2}, ValueError), ({"stride": "2"}, TypeError)):
        with pytest.raises(error):
            explorer.update(**kwargs)
        assert explorer.params == before


def test_the_registry_doctests():
    # the explorer's examples run with the widgets module's doctests (tests/test_ch05.py, test_widget_doctests)
    result = doctest.testmod(ch04, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 1
