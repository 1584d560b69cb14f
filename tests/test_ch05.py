"""Chapter 5, FCN and U-Net: the references agree with independent computations (windows of the linear layer, the
U-Net written out for depth 1, a numpy Dice loss and finite differences); the exercises fail
every plausible mistake on visible and hidden cases for any seed; delegation to coursekit.models is
caught in the notebook's check and in the clean room; and the solution notebook trains a U-Net to a test mIoU of at
least 0.90."""

import json
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from coursekit.grading import exercises, get_exercise
from coursekit.grading import ch05_fcn_unet as ch05
from coursekit.grading.check import case_rng
from coursekit.grading import room
from coursekit.grading.adapters import ADAPTERS, adapt
from coursekit.grading.verdict import prepare, verdict

from conftest import REPO, SEEDS, assert_mistake_caught, executed_solution, load_functions, message_of, notebook_text

NAME = "05_fcn_unet"
CONV, UNET, DICE = (f"fcn_unet.{f}" for f in ("convolutionalize_linear", "unet_forward", "dice_loss"))


@pytest.fixture(scope="module")
def solution():
    return load_functions(REPO / "solutions" / NAME / f"{NAME}.ipynb", setup=True)


def test_the_chapter_registers_three_exercises():
    registered = exercises(NAME)
    assert [(ex.id, ex.function, ex.points, ex.adapter) for ex in registered] == [
        (CONV, "convolutionalize_linear", 2, "linear_layer"), (UNET, "unet_forward", 3, "unet_modules"),
        (DICE, "dice_loss", 3, "loss_and_gradient")]
    for ex in registered:
        assert ex.notebook == NAME and ex.hint and "coursekit.models" in ex.all_forbidden
        assert ex.adapter in ADAPTERS


# ---------------------------------------------------------------------------------------------------------------
# the references against independent computations


@pytest.mark.parametrize("seed", range(6))
def test_convolutionalized_linear_is_the_layer_on_every_window(seed):
    rng = np.random.default_rng(seed)
    c, h, w, out = (int(rng.integers(1, 5)) for _ in range(4))
    bias = bool(rng.integers(0, 2))
    linear = nn.Linear(c * h * w, out, bias=bias).double()
    conv = ch05.reference_convolutionalize_linear(linear, (c, h, w))
    assert isinstance(conv, nn.Conv2d) and conv.kernel_size == (h, w) and (conv.bias is None) == (not bias)
    x = torch.randn(2, c, h + int(rng.integers(0, 5)), w + int(rng.integers(0, 5)), dtype=torch.float64)
    heat = conv(x)
    windows = F.unfold(x, (h, w))                                   # (N, c*h*w, L): Flatten's (c, i, j) order
    expected = linear(windows.transpose(1, 2)).transpose(1, 2)      # the layer on every window
    torch.testing.assert_close(heat.flatten(2), expected)
    # at the training size: the classifier's logits
    torch.testing.assert_close(conv(x[:, :, :h, :w]).flatten(1), linear(x[:, :, :h, :w].flatten(1)))


def test_convolutionalize_reference_refuses_a_mismatch():
    with pytest.raises(ValueError, match="in_features=18"):
        ch05.reference_convolutionalize_linear(nn.Linear(18, 3), (2, 3, 4))
    with pytest.raises(ValueError, match="three positive ints"):
        ch05.reference_convolutionalize_linear(nn.Linear(18, 3), (18,))
    with pytest.raises(TypeError, match="nn.Linear"):
        ch05.reference_convolutionalize_linear(nn.Conv2d(2, 3, 1), (2, 1, 1))


def test_unet_reference_is_the_depth_one_formula_written_out():
    x = torch.randn(2, 3, 8, 12, dtype=torch.float64)
    encoder, bottleneck, upsamplers, decoder, head = ch05_modules(3, 4, 2, 1, seed=3)
    with torch.no_grad():
        skip = encoder[0](x)
        up = upsamplers[0](bottleneck(F.max_pool2d(skip, 2)))
        expected = head(decoder[0](torch.cat([skip, up], dim=1)))
        got = ch05.reference_unet_forward(x, encoder, bottleneck, upsamplers, decoder, head)
    torch.testing.assert_close(got, expected)
    assert got.shape == (2, 4, 8, 12)


def ch05_modules(cin, classes, base, depth, seed):
    from coursekit.grading.adapters import _unet_modules

    return _unet_modules(torch, cin, classes, base, depth, seed)


def test_unet_modules_are_reproducible_and_not_symmetric():
    a = ch05_modules(2, 3, 2, 2, seed=5)
    b = ch05_modules(2, 3, 2, 2, seed=5)
    for ma, mb in zip(a, b):
        for pa, pb in zip(ma.parameters(), mb.parameters()):
            assert torch.equal(pa, pb)
    # the decoder's first convolution weighs the skip and the upsampled halves differently (the order shows)
    w = a[3][0][0].weight
    assert not torch.allclose(w[:, :2], w[:, 2:])


def numpy_dice(logits, target, ignore_index=255, eps=1.0):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    keep = np.ones(target.shape, bool) if ignore_index is None else target != ignore_index
    dice = []
    for c in range(logits.shape[1]):
        pc = np.where(keep, p[:, c], 0.0)
        gc = ((target == c) & keep).astype(float)
        dice.append((2 * (pc * gc).sum() + eps) / (pc.sum() + gc.sum() + eps))
    return 1 - np.mean(dice)


@pytest.mark.parametrize("seed", SEEDS)
def test_dice_reference_against_numpy_and_finite_differences(seed):
    from coursekit.models import dice_loss

    for case in get_exercise(DICE).cases(case_rng(DICE, seed), True) + get_exercise(DICE).cases(None, False):
        logits, target = case.args
        loss, grad = adapt("loss_and_gradient", dice_loss, case.args, case.kwargs)
        assert np.isclose(loss, numpy_dice(logits, target, **case.kwargs), rtol=1e-10, atol=1e-12), case.label
        # central differences of the numpy loss in a few random coordinates
        rng = np.random.default_rng(seed)
        for flat in rng.choice(logits.size, size=4, replace=False):
            step = np.zeros(logits.size)
            step[flat] = 1e-6
            step = step.reshape(logits.shape)
            numeric = (numpy_dice(logits + step, target, **case.kwargs)
                       - numpy_dice(logits - step, target, **case.kwargs)) / 2e-6
            assert np.isclose(grad.flat[flat], numeric, rtol=1e-4, atol=1e-8), case.label


def test_dice_reference_passes_gradcheck():
    from coursekit.models import dice_loss

    logits = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 3, (2, 4, 4))
    target[1, 0] = 255
    assert torch.autograd.gradcheck(lambda z: dice_loss(z, target), (logits,))


def test_public_dice_case_is_the_lecture_number():
    first = get_exercise(DICE).cases(None, False)[0]
    from coursekit.models import dice_loss

    loss, _ = adapt("loss_and_gradient", dice_loss, first.args, first.kwargs)
    assert np.isclose(loss, 5 / 12)


def test_solution_dice_passes_gradcheck(solution):
    logits = torch.randn(2, 4, 3, 5, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 4, (2, 3, 5))
    target[0, 1, 1] = 255
    assert torch.autograd.gradcheck(lambda z: solution["dice_loss"](z, target), (logits,))


# ---------------------------------------------------------------------------------------------------------------
# plausible mistakes


def conv_from(linear, shape, weight, stride=1, padding=0, bias=True):
    c, h, w = shape
    conv = nn.Conv2d(c, linear.out_features, (h, w), stride=stride, padding=padding,
                     bias=bias and linear.bias is not None)
    with torch.no_grad():
        conv.weight.copy_(weight)
        if conv.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def conv_hwc_order(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    return conv_from(linear, feature_shape,
                     linear.weight.reshape(linear.out_features, h, w, c).permute(0, 3, 1, 2))


def conv_transposed_kernel(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    return conv_from(linear, feature_shape, linear.weight.reshape(linear.out_features, c, w, h).transpose(2, 3))


def conv_without_bias(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    return conv_from(linear, feature_shape, linear.weight.reshape(linear.out_features, c, h, w), bias=False)


def conv_stride_of_kernel(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    return conv_from(linear, feature_shape, linear.weight.reshape(linear.out_features, c, h, w), stride=(h, w))


def conv_padded(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    return conv_from(linear, feature_shape, linear.weight.reshape(linear.out_features, c, h, w),
                     padding=(h // 2, w // 2))


def conv_no_size_check(linear, feature_shape):
    c, h, w = feature_shape
    return conv_from(linear, feature_shape, linear.weight.reshape(linear.out_features, c, h, w))


def conv_returns_the_linear(linear, feature_shape):
    return linear


def conv_reshapes_the_layer_in_place(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    conv = nn.Conv2d(c, linear.out_features, (h, w), bias=linear.bias is not None)
    linear.weight.data = linear.weight.data.reshape(linear.out_features, c, h, w)
    conv.weight = linear.weight
    if linear.bias is not None:
        conv.bias = linear.bias
    return conv


def conv_random_weights(linear, feature_shape):
    c, h, w = feature_shape
    if c * h * w != linear.in_features:
        raise ValueError("mismatch")
    return nn.Conv2d(c, linear.out_features, (h, w), bias=linear.bias is not None)


def unet_generic(x, encoder, bottleneck, upsamplers, decoder, head, order="skip-first", pool=F.max_pool2d,
                 skip_after_pool=False, final=None, add=False, reverse=True):
    skips = []
    for block in encoder:
        x = block(x)
        if not skip_after_pool:
            skips.append(x)
        x = pool(x, 2)
        if skip_after_pool:
            skips.append(x)
    x = bottleneck(x)
    levels = reversed(range(len(decoder))) if reverse else range(len(decoder))
    for k in levels:
        up = upsamplers[k](x)
        if add:
            both = torch.cat([skips[k] + up, skips[k] + up], dim=1)
        else:
            both = torch.cat([skips[k], up] if order == "skip-first" else [up, skips[k]], dim=1)
        x = decoder[k](both)
    x = head(x)
    return final(x) if final else x


def unet_upsampled_first(x, *m):
    return unet_generic(x, *m, order="up-first")


def unet_average_pooling(x, *m):
    return unet_generic(x, *m, pool=F.avg_pool2d)


def unet_skip_after_pooling(x, *m):
    return unet_generic(x, *m, skip_after_pool=True)


def unet_softmax_output(x, *m):
    return unet_generic(x, *m, final=lambda z: torch.softmax(z, dim=1))


def unet_relu_output(x, *m):
    return unet_generic(x, *m, final=torch.relu)


def unet_adds_the_skip(x, *m):
    return unet_generic(x, *m, add=True)


def unet_wrong_level_order(x, *m):
    return unet_generic(x, *m, reverse=False)


def unet_no_skips(x, encoder, bottleneck, upsamplers, decoder, head):
    for block in encoder:
        x = F.max_pool2d(block(x), 2)
    x = bottleneck(x)
    for k in reversed(range(len(decoder))):
        up = upsamplers[k](x)
        x = decoder[k](torch.cat([up, up], dim=1))
    return head(x)


def unet_interpolates(x, encoder, bottleneck, upsamplers, decoder, head):
    skips = []
    for block in encoder:
        x = block(x)
        skips.append(x)
        x = F.max_pool2d(x, 2)
    x = bottleneck(x)
    for k in reversed(range(len(decoder))):
        up = F.interpolate(x, scale_factor=2.0)[:, : skips[k].shape[1]]  # halves the channels by cutting
        x = decoder[k](torch.cat([skips[k], up], dim=1))
    return head(x)


def unet_forgets_the_bottleneck(x, encoder, bottleneck, upsamplers, decoder, head):
    skips = []
    for block in encoder:
        x = block(x)
        skips.append(x)
        x = F.max_pool2d(x, 2)
    x = torch.cat([x, x], dim=1)  # the bottleneck's channel count, without its convolutions
    for k in reversed(range(len(decoder))):
        x = decoder[k](torch.cat([skips[k], upsamplers[k](x)], dim=1))
    return head(x)


def dice_generic(logits, target, ignore_index=255, eps=1.0, per_image=False, activation="softmax", squared=False,
                 present_only=False, skip_background=False, use_eps=True, hard_ignore=None, one_minus=True,
                 normalize=False):
    ignore = hard_ignore if hard_ignore is not None else ignore_index
    eps = eps if use_eps else 1.0
    c = logits.shape[1]
    keep = torch.ones_like(target, dtype=torch.bool) if ignore is None else target != ignore
    labels = torch.where(keep, target, torch.zeros_like(target))
    labels = labels.clamp(0, c - 1)
    p = torch.softmax(logits, dim=1) if activation == "softmax" else torch.sigmoid(logits)
    mask = keep[:, None].to(p.dtype)
    p = p * mask
    g = F.one_hot(labels, c).permute(0, 3, 1, 2).to(p.dtype) * mask
    dims = (2, 3) if per_image else (0, 2, 3)
    inter = (p * g).sum(dim=dims)
    ps, gs = ((p * p).sum(dim=dims), (g * g).sum(dim=dims)) if squared else (p.sum(dim=dims), g.sum(dim=dims))
    if normalize:
        n = mask.sum()
        inter, ps, gs = inter / n, ps / n, gs / n
    dice = (2 * inter + eps) / (ps + gs + eps)
    if present_only:
        dice = dice[g.sum(dim=(0, 2, 3)) > 0]
    if skip_background:
        dice = dice[..., 1:]
    return 1 - dice.mean() if one_minus else dice.mean()


def dice_per_image(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, per_image=True)


def dice_sigmoid(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, activation="sigmoid")


def dice_squared_denominator(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, squared=True)


def dice_present_classes_only(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, present_only=True)


def dice_without_background(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, skip_background=True)


def dice_ignores_eps(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, use_eps=False)


def dice_hard_coded_255(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, hard_ignore=255)


def dice_returns_the_coefficient(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, one_minus=False)


def dice_normalized_by_pixels(logits, target, ignore_index=255, eps=1.0):
    return dice_generic(logits, target, ignore_index, eps, normalize=True)


def dice_keeps_ignored_pixels(logits, target, ignore_index=255, eps=1.0):
    # the ignored labels clamped into the last class instead of left out
    return dice_generic(logits, target, None, eps)


def dice_from_argmax(logits, target, ignore_index=255, eps=1.0):
    c = logits.shape[1]
    hard = F.one_hot(logits.argmax(1), c).permute(0, 3, 1, 2).to(logits.dtype)
    keep = (target != ignore_index)[:, None].to(logits.dtype) if ignore_index is not None else 1.0
    labels = torch.where(target == (ignore_index if ignore_index is not None else -1), 0, target)
    g = F.one_hot(labels, c).permute(0, 3, 1, 2).to(logits.dtype) * keep
    p = hard * keep
    dice = (2 * (p * g).sum(dim=(0, 2, 3)) + eps) / (p.sum(dim=(0, 2, 3)) + g.sum(dim=(0, 2, 3)) + eps)
    return 1 - dice.mean()


def dice_through_numpy(logits, target, ignore_index=255, eps=1.0):
    return torch.tensor(numpy_dice(logits.detach().numpy(), target.numpy(), ignore_index, eps))


def dice_mean_over_kept_pixels_nan(logits, target, ignore_index=255, eps=1.0):
    # averages probabilities over the kept pixels: NaN when every pixel is ignored
    c = logits.shape[1]
    keep = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
    labels = torch.where(keep, target, torch.zeros_like(target))
    p = torch.softmax(logits, dim=1) * keep[:, None]
    g = F.one_hot(labels, c).permute(0, 3, 1, 2).to(p.dtype) * keep[:, None]
    n = keep.sum()
    dice = (2 * (p * g).sum(dim=(0, 2, 3)) / n + eps / n) / ((p + g).sum(dim=(0, 2, 3)) / n + eps / n)
    return 1 - dice.mean()


MISTAKES = [
    (CONV, conv_hwc_order), (CONV, conv_transposed_kernel), (CONV, conv_without_bias), (CONV, conv_stride_of_kernel),
    (CONV, conv_padded), (CONV, conv_no_size_check), (CONV, conv_returns_the_linear),
    (CONV, conv_reshapes_the_layer_in_place), (CONV, conv_random_weights),
    (UNET, unet_upsampled_first), (UNET, unet_average_pooling), (UNET, unet_skip_after_pooling),
    (UNET, unet_softmax_output), (UNET, unet_relu_output), (UNET, unet_adds_the_skip), (UNET, unet_wrong_level_order),
    (UNET, unet_no_skips), (UNET, unet_interpolates), (UNET, unet_forgets_the_bottleneck),
    (DICE, dice_per_image), (DICE, dice_sigmoid), (DICE, dice_squared_denominator), (DICE, dice_present_classes_only),
    (DICE, dice_without_background), (DICE, dice_ignores_eps), (DICE, dice_hard_coded_255),
    (DICE, dice_returns_the_coefficient), (DICE, dice_normalized_by_pixels), (DICE, dice_keeps_ignored_pixels),
    (DICE, dice_from_argmax), (DICE, dice_through_numpy),
]


@pytest.mark.parametrize("exercise_id, fn", MISTAKES, ids=[f.__name__ for _, f in MISTAKES])
def test_plausible_mistakes_fail_visible_and_hidden_for_every_seed(exercise_id, fn):
    assert_mistake_caught(exercise_id, fn)


def test_a_mistake_only_the_all_ignored_trap_catches():
    # agrees wherever some pixel is kept; the visible cases and every hidden set hold an all-ignored batch, so the
    # student sees the failure before the hidden points are lost
    assert "every pixel of the batch ignored" in message_of(DICE, dice_mean_over_kept_pixels_nan)
    for seed in SEEDS:
        message = message_of(DICE, dice_mean_over_kept_pixels_nan, hidden=True, seed=seed)
        assert "every pixel ignored" in message


def test_messages_say_what_differed():
    message = message_of(CONV, conv_hwc_order)
    assert "nn.Linear(" in message and "hint(" in message
    assert "must return a torch.nn.Conv2d" in message_of(CONV, conv_returns_the_linear)
    assert "changed the weights" in message_of(CONV, conv_reshapes_the_layer_in_place)
    assert "should raise ValueError" in message_of(CONV, conv_no_size_check)
    assert "autograd" in message_of(DICE, dice_from_argmax) or "differentiabl" in message_of(DICE, dice_from_argmax)
    assert "gradient with respect to the logits" in message_of(DICE, dice_hard_coded_255) or \
        "loss" in message_of(DICE, dice_hard_coded_255)
    assert "U-Net" in message_of(UNET, unet_upsampled_first)


def test_partial_sample_mistake_fails():
    namespace = {"torch": torch, "F": F, "nn": nn, "np": np}
    exec(ch05.PARTIAL_SAMPLE["wrong"]["dice_loss"], namespace)
    assert "per class over the whole batch" in message_of(DICE, namespace["dice_loss"])


# ---------------------------------------------------------------------------------------------------------------
# delegation is caught


def test_calling_the_library_is_caught_in_the_check():
    from coursekit import models

    def conv_by_library(linear, feature_shape):
        c, h, w = feature_shape
        return models.convolutionalize(nn.Sequential(nn.Flatten(), linear), (h, w), in_channels=c)[0]

    def unet_by_library(x, encoder, bottleneck, upsamplers, decoder, head):
        return ch05.reference_unet_forward(x, encoder, bottleneck, upsamplers, decoder, head)

    def dice_by_library(logits, target, ignore_index=255, eps=1.0):
        return models.dice_loss(logits, target, ignore_index, eps)

    for exercise_id, fn in ((CONV, conv_by_library), (UNET, unet_by_library), (DICE, dice_by_library)):
        assert "which this exercise asks you to implement yourself" in message_of(exercise_id, fn)


def run_clean_room(tmp_path, cells, seed=3):
    """The grader's route for the whole chapter: the clean room in a fresh interpreter, then the verdicts."""
    prepared = [prepare(ex, list(ex.cases(None, False)) + list(ex.cases(case_rng(ex.id, seed), True)))
                for ex in exercises(NAME)]
    folder = room.prepare(tmp_path / "room", cells, prepared, 60)
    report = room.run(folder, len(prepared), room.plain_command(folder), 600)
    return {p.exercise.function: verdict(p, outcome.get("cases", []), arrays, report.cell_errors)
            for p, (outcome, arrays) in zip(prepared, report.outcomes)}


def notebook_cells(folder):
    nb = json.loads((REPO / folder / NAME / f"{NAME}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return ["".join(code[0]["source"])] + ["".join(c["source"]) for c in code
                                           if c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def test_clean_room_grades_the_solution_full_and_the_stubs_zero(tmp_path):
    verdicts = run_clean_room(tmp_path / "solution", notebook_cells("solutions"))
    assert verdicts == {f: (True, "") for f in ("convolutionalize_linear", "unet_forward", "dice_loss")}
    verdicts = run_clean_room(tmp_path / "stubs", notebook_cells("notebooks"))
    assert all(not ok and "not implemented" in why for ok, why in verdicts.values()), verdicts


def test_clean_room_catches_the_library_and_non_differentiable_losses(tmp_path):
    cells = notebook_cells("solutions")[:1] + ['''
from coursekit import models

def convolutionalize_linear(linear, feature_shape):
    c, h, w = feature_shape
    return models.convolutionalize(nn.Sequential(nn.Flatten(), linear), (h, w), in_channels=c)[0]

def unet_forward(x, encoder, bottleneck, upsamplers, decoder, head):
    net = models.UNet(batch_norm=False)
    return net(x)

def dice_loss(logits, target, ignore_index=255, eps=1.0):
    hard = logits.detach()
    return torch.tensor(0.5)
''']
    verdicts = run_clean_room(tmp_path, cells)
    assert not verdicts["convolutionalize_linear"][0] and "coursekit.models" in verdicts["convolutionalize_linear"][1]
    assert not verdicts["unet_forward"][0] and "coursekit.models" in verdicts["unet_forward"][1]
    assert not verdicts["dice_loss"][0] and "autograd" in verdicts["dice_loss"][1]


# ---------------------------------------------------------------------------------------------------------------
# the notebook's promise: a U-Net with the student's forward pass and Dice loss reaches test mIoU 0.90 on the CPU


@pytest.mark.slow
def test_solution_notebook_trains_a_unet_to_miou_090():
    text = notebook_text(executed_solution(NAME))
    found = re.search(r"your U-Net on the test images: mIoU (\d\.\d+)", text)
    assert found, "the notebook did not print the U-Net's test mIoU"
    assert float(found.group(1)) >= 0.90
    fcn = dict(re.findall(r"FCN-(32s|8s): test mIoU (\d\.\d+)", text))
    assert float(fcn["8s"]) > float(fcn["32s"]) + 0.2, fcn


# ---------------------------------------------------------------------------------------------------------------
# the receptive-field explorer


@pytest.mark.parametrize("dilations", [(1,), (1, 1, 1), (1, 2, 4), (2, 2, 2), (3, 1, 5), (1, 2, 4, 8)])
def test_footprint_is_the_gradient_of_the_centre_output(dilations):
    from coursekit.widgets import dilated_footprint
    from coursekit.models import receptive_field

    counts = dilated_footprint(dilations)
    r = receptive_field([(3, 1, d) for d in dilations])
    assert counts.shape == (r, r)
    size = r + 10
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = x
    for d in dilations:
        y = F.conv2d(y, torch.ones(1, 1, 3, 3, dtype=torch.float64), padding=d, dilation=d)
    y[0, 0, size // 2, size // 2].backward()
    grad = x.grad[0, 0].numpy()
    start = size // 2 - r // 2
    np.testing.assert_array_equal(grad[start: start + r, start: start + r], counts)
    assert grad.sum() == counts.sum()     # nothing outside the receptive field


def test_explorer_sliders_redraw_and_report_the_field():
    from coursekit.widgets import ReceptiveFieldExplorer

    explorer = ReceptiveFieldExplorer((1, 2, 4), max_dilation=8)
    before = (explorer.picture.value, explorer.readout.value)
    assert "r = 1 + 2 x 7 = <b>15</b>" in before[1] and "no holes" in before[1]
    explorer.sliders[2].value = 2                      # as a student's slider move
    assert explorer.dilations == (1, 2, 2)
    assert explorer.picture.value != before[0] and "<b>11</b>" in explorer.readout.value
    result = explorer.update(layer=1, dilation=2)
    assert result == {"dilations": (2, 2, 2), "receptive_field": 13, "holes": 169 - 49}
    assert "120 holes (gridding)" in explorer.readout.value and explorer.sliders[0].value == 2


@pytest.mark.parametrize("kwargs, error, message", [
    ({"dilations": ()}, ValueError, "1 to 6 integers"), ({"dilations": (1, 0)}, ValueError, "layer 2"),
    ({"dilations": (1, 9)}, ValueError, "1 .. 8"), ({"dilations": (1, 2.5)}, TypeError, "layer 2"),
    ({"max_dilation": 0}, ValueError, "max_dilation"), ({"kernel_size": 4}, ValueError, "odd"),
])
def test_explorer_refuses_bad_input(kwargs, error, message):
    from coursekit.widgets import ReceptiveFieldExplorer

    with pytest.raises(error, match=message):
        ReceptiveFieldExplorer(**kwargs)


def test_bad_update_changes_nothing():
    from coursekit.widgets import ReceptiveFieldExplorer

    explorer = ReceptiveFieldExplorer((1, 2))
    picture = explorer.picture.value
    with pytest.raises(ValueError, match="layer must be"):
        explorer.update(layer=3, dilation=2)
    with pytest.raises(ValueError, match="layer 1"):
        explorer.update(layer=1, dilation=99)
    assert explorer.dilations == (1, 2) and explorer.picture.value == picture


def test_widget_doctests():
    import doctest

    from coursekit import widgets

    assert doctest.testmod(widgets).failed == 0
