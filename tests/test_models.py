"""Tests of coursekit.deep (the package the notebooks import as coursekit.models).

Expected values come from independent computations written out here (the classifier applied to a crop, numpy
formulas, ``torch.nn.functional`` references, bilinear interpolation in closed form, receptive fields worked by hand
or published), or from invariants (shapes, determinism, what ignored pixels may not change); never from the code under
test.
"""

from __future__ import annotations

import dataclasses
import doctest
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from coursekit import deep as M  # noqa: E402
from coursekit.data import synthetic_shapes  # noqa: E402

torch.set_num_threads(1)  # the machines that run the tests are shared; one thread is the steadiest


@pytest.fixture(autouse=True)
def _restore_rng():
    """Tests that build layers seed torch inside; the global state is restored after each test."""
    with torch.random.fork_rng(devices=[]):
        yield


# ---------------------------------------------------------------------------------------------------------------
# convolutionalize


def _classifier(extra_head=()):
    """A classifier for 20 x 20 RGB images: unpadded convs and pools (stride 4), feature map (8, 3, 3)."""
    torch.manual_seed(0)
    # 20 -conv3-> 18 -pool-> 9 -conv3-> 7 -pool-> 3
    return nn.Sequential(
        nn.Conv2d(3, 6, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 3 * 3, 20), nn.ReLU(), nn.Dropout(0.5), nn.Linear(20, 12), nn.Tanh(), nn.Linear(12, 5),
        *extra_head,
    ).eval()


def test_convolutionalize_same_logits_at_training_size():
    net = _classifier()
    fcn = M.convolutionalize(net, input_size=(20, 20)).eval()
    x = torch.rand(4, 3, 20, 20, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, got = net(x), fcn(x)
    assert expected.shape == (4, 5)
    assert got.shape == (4, 5, 1, 1)
    torch.testing.assert_close(got[:, :, 0, 0], expected, atol=1e-5, rtol=1e-5)
    assert not any(isinstance(m, (nn.Flatten, nn.Linear)) for m in fcn.modules())
    convs = [m for m in fcn if isinstance(m, nn.Conv2d)]
    assert [tuple(c.kernel_size) for c in convs] == [(3, 3), (3, 3), (3, 3), (1, 1), (1, 1)]
    assert (convs[2].in_channels, convs[2].out_channels) == (8, 20)


def test_convolutionalize_heatmap_equals_classifier_on_each_window():
    net = _classifier()
    fcn = M.convolutionalize(net, input_size=(20, 20)).eval()
    x = torch.rand(2, 3, 36, 44, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        heat = fcn(x)
    stride = 4  # two 2x2 poolings
    rows, cols = (36 - 20) // stride + 1, (44 - 20) // stride + 1
    assert heat.shape == (2, 5, rows, cols)
    with torch.no_grad():
        for i in range(rows):
            for j in range(cols):
                crop = x[:, :, stride * i:stride * i + 20, stride * j:stride * j + 20]
                torch.testing.assert_close(heat[:, :, i, j], net(crop), atol=1e-5, rtol=1e-5)


def test_convolutionalize_leaves_the_classifier_alone():
    torch.manual_seed(3)
    net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2)),
                        nn.Flatten(), nn.Sequential(nn.Linear(4 * 4 * 4, 3), nn.Softmax(dim=-1)))
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    fcn = M.convolutionalize(net, input_size=(8, 8))
    # the dummy forward pass did not update the BatchNorm statistics, and nothing is shared
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert net.training and fcn.training
    with torch.no_grad():
        fcn[0].weight.add_(1.0)
    assert torch.equal(net[0][0].weight, before["0.0.weight"])
    # nested Sequentials and a softmax over the last dim; probabilities sum to 1 over the class dim of the map
    fcn = M.convolutionalize(net.eval(), input_size=(8, 8)).eval()
    x = torch.rand(2, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(fcn(x)[:, :, 0, 0], net(x), atol=1e-6, rtol=1e-5)
        big = fcn(torch.rand(1, 1, 16, 24))
    assert big.shape == (1, 3, 5, 9)
    torch.testing.assert_close(big.sum(dim=1), torch.ones(1, 5, 9))


def test_convolutionalize_errors():
    with pytest.raises(TypeError, match="Sequential"):
        M.convolutionalize(nn.Conv2d(3, 4, 3), input_size=(8, 8))
    with pytest.raises(ValueError, match="no nn.Flatten"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), input_size=(8, 8))
    with pytest.raises(ValueError, match="no nn.Linear"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.ReLU()), input_size=(8, 8))
    bn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 10), nn.BatchNorm1d(10),
                       nn.Linear(10, 2))
    with pytest.raises(ValueError, match="BatchNorm1d"):
        M.convolutionalize(bn, input_size=(8, 8))
    with pytest.raises(ValueError, match="in_features=144"):  # 8 x 8 input fits, 10 x 10 does not
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 2)), input_size=(10, 10))
    with pytest.raises(TypeError, match="input_size"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 2)), input_size=8)
    with pytest.raises(TypeError, match="input_size"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 2)), input_size=(8.0, 8))
    with pytest.raises(ValueError, match="input_size"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 2)), input_size=(8,))
    with pytest.raises(ValueError, match="input_size"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 2)), input_size=(0, 8))
    with pytest.raises(ValueError, match="Softmax"):
        M.convolutionalize(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 2), nn.Softmax(dim=0)),
                           input_size=(8, 8))


# ---------------------------------------------------------------------------------------------------------------
# FCN


@pytest.mark.parametrize("variant", ["32s", "16s", "8s"])
def test_fcn_output_shapes(variant):
    net = M.FCN(num_classes=5, variant=variant, width=4).eval()
    with torch.no_grad():
        for shape in [(2, 3, 37, 50), (1, 3, 64, 64), (1, 3, 5, 3), (1, 3, 33, 95)]:
            out = net(torch.rand(*shape))
            assert out.shape == (shape[0], 5) + shape[2:], (variant, shape)
            assert torch.isfinite(out).all()
    assert net.upscore.stride == ({"32s": 32, "16s": 16, "8s": 8}[variant],) * 2


def _bilinear_reference(values: np.ndarray, f: int) -> np.ndarray:
    """Upsample (n, m) cell values by f: pixel y has centre (y + 0.5) / f - 0.5 in cell coordinates (half-pixel
    centres), interpolated linearly between the two nearest cells (only valid away from the border)."""
    n, m = values.shape
    ys = (np.arange(n * f) + 0.5) / f - 0.5
    xs = (np.arange(m * f) + 0.5) / f - 0.5
    y0, x0 = np.clip(np.floor(ys).astype(int), 0, n - 2), np.clip(np.floor(xs).astype(int), 0, m - 2)
    ty, tx = (ys - y0)[:, None], (xs - x0)[None, :]
    v = values
    return ((1 - ty) * (1 - tx) * v[y0][:, x0] + (1 - ty) * tx * v[y0][:, x0 + 1]
            + ty * (1 - tx) * v[y0 + 1][:, x0] + ty * tx * v[y0 + 1][:, x0 + 1])


@pytest.mark.parametrize("variant, layer, factor",
                         [("32s", "upscore", 32), ("16s", "upscore", 16), ("8s", "upscore", 8),
                          ("8s", "upscore2", 2), ("8s", "upscore_pool4", 2)])
def test_fcn_upsampling_is_bilinear_in_the_interior(variant, layer, factor):
    net = M.FCN(num_classes=3, variant=variant, width=2)
    up = getattr(net, layer)
    assert isinstance(up, nn.ConvTranspose2d)
    n, m = 4, 5
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:n, 0:m].astype(float)
    maps = [np.full((n, m), 2.5),                                   # constant
            0.7 * yy - 1.3 * xx + 0.2,                              # linear
            rng.normal(size=(n, m))]                                # anything: bilinear interpolation of it
    x = torch.tensor(np.stack(maps)[None], dtype=torch.float32)
    with torch.no_grad():
        out = up(x)[0].numpy()
    assert out.shape == (3, n * factor, m * factor)
    inner = (slice(factor, (n - 1) * factor), slice(factor, (m - 1) * factor))
    np.testing.assert_allclose(out[0][inner], 2.5, atol=1e-5)
    ys, xs = (np.arange(n * factor) + 0.5) / factor - 0.5, (np.arange(m * factor) + 0.5) / factor - 0.5
    linear = 0.7 * ys[:, None] - 1.3 * xs[None, :] + 0.2
    np.testing.assert_allclose(out[1][inner], linear[inner], atol=1e-5)
    np.testing.assert_allclose(out[2][inner], _bilinear_reference(maps[2], factor)[inner], atol=1e-5)
    # and the same as PyTorch's bilinear interpolation with half-pixel centres
    ref = F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)[0].numpy()
    np.testing.assert_allclose(out[:, inner[0], inner[1]], ref[:, inner[0], inner[1]], atol=1e-5)


def test_fcn_upsamplers_start_from_the_courses_bilinear_kernel():
    from coursekit.upsampling import bilinear_kernel

    net = M.FCN(num_classes=3, variant="8s", width=2)
    for layer, factor in (("upscore2", 2), ("upscore_pool4", 2), ("upscore", 8)):
        weight = getattr(net, layer).weight.detach().numpy()
        expected = np.repeat(bilinear_kernel(1, 1, 2 * factor), 3, axis=0).astype(np.float32)  # one per class
        np.testing.assert_array_equal(weight, expected)


@pytest.mark.parametrize("layer", ["score_pool3", "score_pool4", "score_fr"])
def test_fcn8s_adds_each_score_map_before_upsampling(layer):
    # adding a constant c to class k of a score map adds c to class k of the output away from the border: the score
    # maps are summed, and every upsampling on the way is bilinear (which keeps constants; tested above)
    net = M.FCN(num_classes=3, variant="8s", width=2).eval()
    x = torch.rand(1, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        base = net(x)
        handle = getattr(net, layer).register_forward_hook(lambda mod, inp, out: out + torch.tensor(
            [0.0, 1.5, 0.0]).view(1, 3, 1, 1))
        shifted = net(x)
        handle.remove()
    diff = (shifted - base)[0, :, 40:88, 40:88]
    torch.testing.assert_close(diff[1], torch.full_like(diff[1], 1.5), atol=1e-4, rtol=0)
    torch.testing.assert_close(diff[[0, 2]], torch.zeros_like(diff[[0, 2]]), atol=1e-4, rtol=0)


def test_fcn_errors_and_seed():
    with pytest.raises(ValueError, match="variant"):
        M.FCN(num_classes=3, variant="4s")
    with pytest.raises(ValueError, match="num_classes"):
        M.FCN(num_classes=1)
    net = M.FCN(num_classes=3, width=2).eval()
    with pytest.raises(ValueError, match="3 input channels"):
        net(torch.rand(1, 1, 32, 32))
    state = torch.get_rng_state()
    a, b = M.FCN(3, width=2, seed=5), M.FCN(3, width=2, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = M.FCN(3, width=2, seed=6)
    assert not torch.equal(a.features[0][0].weight, c.features[0][0].weight)


# ---------------------------------------------------------------------------------------------------------------
# U-Net


@pytest.mark.parametrize("shape", [(2, 3, 37, 50), (1, 3, 64, 64), (1, 3, 1, 7), (2, 3, 9, 9)])
def test_unet_output_shapes(shape):
    net = M.UNet(in_channels=3, num_classes=4, base_channels=4, depth=3).eval()
    with torch.no_grad():
        out = net(torch.rand(*shape))
    assert out.shape == (shape[0], 4) + shape[2:]
    assert torch.isfinite(out).all()


def test_unet_pads_by_reflection_and_crops():
    net = M.UNet(in_channels=3, num_classes=4, base_channels=4, depth=3).eval()
    x = torch.rand(2, 3, 37, 50, generator=torch.Generator().manual_seed(0))
    padded = F.pad(x, (0, 6, 0, 3), mode="reflect")  # to 40 x 56, the next multiples of 2**3
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[:, :, :37, :50])


def test_unet_skip_connections_matter():
    b = 4
    net = M.UNet(in_channels=3, num_classes=4, base_channels=b, depth=2).eval()
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    seen = {}
    h1 = net.encoder[0].register_forward_hook(lambda mod, inp, out: seen.__setitem__("skip", out.clone()))
    h2 = net.decoder[0].register_forward_pre_hook(lambda mod, inp: seen.__setitem__("cat", inp[0].clone()))
    with torch.no_grad():
        base = net(x)
    h1.remove(), h2.remove()
    # the decoder's input is cat([skip, upsampled]): its first b channels are the encoder's output
    assert seen["cat"].shape == (1, 2 * b, 32, 32)
    torch.testing.assert_close(seen["cat"][:, :b], seen["skip"])

    def zero(channels):
        def hook(mod, inp):
            z = inp[0].clone()
            z[:, channels] = 0
            return (z,)
        return hook

    for channels in (slice(0, b), slice(b, 2 * b)):  # the skip, then the upsampled path
        handle = net.decoder[0].register_forward_pre_hook(zero(channels))
        with torch.no_grad():
            changed = net(x)
        handle.remove()
        assert (changed - base).abs().max() > 1e-3, channels


def test_unet_input_errors():
    net = M.UNet(in_channels=3, num_classes=4, base_channels=4, depth=2)
    with pytest.raises(ValueError, match=r"3 input channels.*given shape \(1, 1, 16, 16\)"):
        net(torch.rand(1, 1, 16, 16))
    with pytest.raises(ValueError, match="channels-last"):
        net(torch.rand(1, 16, 16, 3))
    with pytest.raises(ValueError, match="4-D"):
        net(torch.rand(3, 16, 16))
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(np.zeros((1, 3, 16, 16), dtype=np.float32))
    with pytest.raises(ValueError, match="depth"):
        M.UNet(depth=0)


# ---------------------------------------------------------------------------------------------------------------
# losses


def _dice_numpy(logits: np.ndarray, target: np.ndarray, ignore_index, eps: float) -> float:
    """The documented formula, written out: D_c = (2 sum p g + eps) / (sum p + sum g + eps), L = 1 - mean_c D_c."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    c = logits.shape[1]
    keep = np.ones(target.shape, bool) if ignore_index is None else target != ignore_index
    dice = []
    for k in range(c):
        pk = p[:, k][keep]
        gk = (target[keep] == k).astype(float)
        dice.append((2 * np.sum(pk * gk) + eps) / (np.sum(pk) + np.sum(gk) + eps))
    return 1.0 - float(np.mean(dice))


def _logits_target(seed, shape=(2, 4, 5, 6), ignore_fraction=0.2, absent=None):
    rng = np.random.default_rng(seed)
    n, c, h, w = shape
    logits = rng.normal(scale=2.0, size=shape)
    classes = [k for k in range(c) if k != absent]
    target = rng.choice(classes, size=(n, h, w))
    target[rng.random((n, h, w)) < ignore_fraction] = 255
    return logits, target


@pytest.mark.parametrize("seed", range(3))
def test_dice_loss_matches_the_formula(seed):
    logits, target = _logits_target(seed, absent=2)  # class 2 absent from the target: it still counts
    for ignore_index, eps in [(255, 1.0), (255, 0.1)]:
        got = M.dice_loss(torch.tensor(logits), torch.tensor(target), ignore_index=ignore_index, eps=eps)
        assert got.dtype == torch.float64
        assert float(got) == pytest.approx(_dice_numpy(logits, target, ignore_index, eps), rel=1e-10, abs=1e-12)
    clean = np.where(target == 255, 0, target)
    got = M.dice_loss(torch.tensor(logits), torch.tensor(clean), ignore_index=None)
    assert float(got) == pytest.approx(_dice_numpy(logits, clean, None, 1.0), rel=1e-10)


def test_dice_loss_gradcheck():
    logits, target = _logits_target(7, shape=(2, 3, 3, 4))
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(target)
    assert torch.autograd.gradcheck(lambda z: M.dice_loss(z, t, ignore_index=255, eps=0.5), (x,))
    assert torch.autograd.gradcheck(lambda z: M.combined_loss(z, t, ignore_index=255), (x,))


def test_dice_loss_perfect_bounded_and_ignored_pixels():
    rng = np.random.default_rng(0)
    target = rng.integers(0, 4, size=(2, 8, 8))
    target[0, 0, :4] = [0, 1, 2, 3]  # every class present
    perfect = 40.0 * F.one_hot(torch.tensor(target), 4).permute(0, 3, 1, 2).double()
    assert float(M.dice_loss(perfect, torch.tensor(target))) < 1e-6
    assert float(M.dice_loss(-perfect, torch.tensor(target))) > 0.9  # every pixel wrong
    for seed in range(10):
        logits, tgt = _logits_target(seed)
        value = float(M.dice_loss(torch.tensor(5 * logits), torch.tensor(tgt)))
        assert 0.0 <= value <= 1.0
    # ignored pixels: their logits do not matter, and the loss is that of the kept pixels alone
    logits, tgt = _logits_target(11, ignore_fraction=0.3)
    ignored = tgt == 255
    other = logits.copy()
    other[np.broadcast_to(ignored[:, None], logits.shape)] = 100.0
    a = M.dice_loss(torch.tensor(logits), torch.tensor(tgt))
    b = M.dice_loss(torch.tensor(other), torch.tensor(tgt))
    assert float(a) == pytest.approx(float(b), rel=1e-12)
    kept_logits = logits.transpose(1, 0, 2, 3)[:, ~ignored].T[None].transpose(0, 2, 1)  # (1, C, K)
    kept = M.dice_loss(torch.tensor(kept_logits), torch.tensor(tgt[~ignored])[None], ignore_index=None)
    assert float(a) == pytest.approx(float(kept), rel=1e-10)


def test_loss_input_errors():
    logits = torch.zeros(1, 3, 4, 4)
    with pytest.raises(ValueError, match=r"shape \(1, 4, 4\)"):
        M.dice_loss(logits, torch.zeros(1, 4, 5, dtype=torch.long))
    with pytest.raises(TypeError, match="integer"):
        M.dice_loss(logits, torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match=r"label 3, expected labels in \[0, 3\)"):
        M.dice_loss(logits, torch.full((1, 4, 4), 3))
    with pytest.raises(ValueError, match="eps"):
        M.dice_loss(logits, torch.zeros(1, 4, 4, dtype=torch.long), eps=0)
    with pytest.raises(ValueError, match="label 255"):
        M.cross_entropy(logits, torch.full((1, 4, 4), 255), ignore_index=None)


def test_cross_entropy_is_torchs_with_ignore_index():
    logits, target = _logits_target(3, ignore_fraction=0.25)
    lt, tt = torch.tensor(logits), torch.tensor(target)
    expected = F.cross_entropy(lt, tt, ignore_index=255)
    torch.testing.assert_close(M.cross_entropy(lt, tt), expected)
    # written out: mean over the kept pixels of -log softmax at the target class
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    keep = target != 255
    n, h, w = np.nonzero(keep)
    assert float(M.cross_entropy(lt, tt)) == pytest.approx(-np.mean(logp[n, target[keep], h, w]), rel=1e-10)
    clean = torch.tensor(np.where(target == 255, 1, target))
    torch.testing.assert_close(M.cross_entropy(lt, clean, ignore_index=None), F.cross_entropy(lt, clean))
    torch.testing.assert_close(M.combined_loss(lt, tt), expected + M.dice_loss(lt, tt))


# ---------------------------------------------------------------------------------------------------------------
# training and prediction


@pytest.fixture(scope="module")
def tiny_data():
    return synthetic_shapes(32, size=32, seed=0), synthetic_shapes(8, size=32, seed=1)


def _train(tiny_data, seed=0, epochs=3, **kw):
    train, val = tiny_data
    net = M.UNet(base_channels=4, depth=2, seed=0)
    kw = {"lr": 1e-2, "batch_size": 8, "lr_schedule": "constant", **kw}
    history = M.train_segmenter(net, train, val, epochs=epochs, device="cpu", seed=seed, progress=False, **kw)
    return net, history


def test_training_smoke_and_history(tiny_data):
    state = torch.get_rng_state()
    net, history = _train(tiny_data)
    assert torch.equal(torch.get_rng_state(), state)
    assert isinstance(history, M.TrainingHistory)
    assert history.epochs == 3 and history.device == "cpu"
    assert len(history.train_loss) == len(history.val_miou) == len(history.seconds) == 3
    assert history.train_loss[-1] < history.train_loss[0]
    assert all(0 < a < b for a, b in zip(history.seconds, history.seconds[1:]))
    assert all(0.0 <= m <= 1.0 for m in history.val_miou)
    with pytest.raises(dataclasses.FrozenInstanceError):
        history.epochs = 4
    assert not net.training
    # the recorded mIoU is that of the whole validation set, computed here independently
    (_, _), (val_images, val_masks) = tiny_data
    pred = M.predict(net, val_images, batch_size=3, device="cpu")
    assert pred.shape == val_masks.shape and pred.dtype == np.int64
    assert pred.min() >= 0 and pred.max() < 4
    ious = []
    for k in range(4):
        inter = np.sum((pred == k) & (val_masks == k))
        union = np.sum((pred == k) | (val_masks == k))
        if union:
            ious.append(inter / union)
    assert history.val_miou[-1] == pytest.approx(np.mean(ious), abs=1e-12)


def test_training_is_deterministic(tiny_data):
    _, a = _train(tiny_data, seed=0, epochs=2)
    _, b = _train(tiny_data, seed=0, epochs=2)
    _, c = _train(tiny_data, seed=1, epochs=2)
    assert a.train_loss == b.train_loss and a.val_miou == b.val_miou
    assert a.train_loss != c.train_loss  # another shuffle


def test_training_other_losses_and_no_validation(tiny_data):
    train, _ = tiny_data
    for loss in ("dice", "ce", lambda z, t: F.cross_entropy(z, t)):
        net = M.UNet(base_channels=2, depth=1)
        h = M.train_segmenter(net, train, None, epochs=1, lr=1e-2, device="cpu", loss=loss, progress=False)
        assert h.val_miou == () and len(h.train_loss) == 1 and np.isfinite(h.train_loss[0])
    assert h.seconds_to(0.0) is None
    for schedule in ("warmup_cosine", "cosine", "constant"):  # one step in all: the schedules' edge case
        h = M.train_segmenter(M.UNet(base_channels=2, depth=1), train, None, epochs=1, batch_size=64,
                              lr_schedule=schedule, device="cpu", progress=False)
        assert np.isfinite(h.train_loss[0])
    with pytest.raises(ValueError, match="lr_schedule"):
        M.train_segmenter(M.UNet(base_channels=2, depth=1), train, None, epochs=1, lr_schedule="step",
                          progress=False)


@pytest.mark.parametrize("schedule", ["warmup_cosine", "cosine", "constant"])
def test_learning_rate_schedules(tiny_data, monkeypatch, schedule):
    seen = []
    adam_step = torch.optim.Adam.step

    def step(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return adam_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    train, _ = tiny_data  # 32 images in batches of 8: 4 steps an epoch, T = 20 steps in 5 epochs
    M.train_segmenter(M.UNet(base_channels=2, depth=1), train, None, epochs=5, lr=0.01, batch_size=8,
                      lr_schedule=schedule, device="cpu", progress=False)
    t, total, warm = np.arange(20), 20, 2  # W = max(1, T // 10)
    expected = {
        "constant": np.full(20, 0.01),
        "cosine": 0.01 * 0.5 * (1 + np.cos(np.pi * t / total)),
        "warmup_cosine": np.where(t < warm, 0.01 * (t + 1) / warm,
                                  0.01 * 0.5 * (1 + np.cos(np.pi * (t - warm) / (total - warm)))),
    }[schedule]
    np.testing.assert_allclose(seen, expected, rtol=1e-9, atol=1e-12)


def test_history_seconds_to():
    h = M.TrainingHistory(train_loss=(1.0, 0.5, 0.4), val_miou=(0.5, 0.91, 0.95), epochs=3, seconds=(2.0, 4.5, 7.0),
                          device="cpu")
    assert h.seconds_to(0.9) == 4.5 and h.seconds_to(0.5) == 2.0 and h.seconds_to(0.96) is None


def test_training_and_predict_errors(tiny_data):
    (images, masks), val = tiny_data
    net = M.UNet(base_channels=2, depth=1)
    with pytest.raises(ValueError, match="masks must have shape"):
        M.train_segmenter(net, (images, masks[:, :16]), val, epochs=1, progress=False)
    with pytest.raises(TypeError, match="float images"):
        M.train_segmenter(net, ((images * 255).astype(np.uint8), masks), val, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        M.predict(net, images[0])
    with pytest.raises(ValueError, match="loss"):
        M.train_segmenter(net, (images, masks), val, epochs=1, loss="focal", progress=False)
    with pytest.raises(ValueError, match="epochs"):
        M.train_segmenter(net, (images, masks), val, epochs=0, progress=False)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda"):
            M.predict(net, images, device="cuda")
    for kwargs, error, message in [({"loss": 3}, TypeError, "loss"), ({"lr_schedule": 1}, TypeError, "lr_schedule"),
                                   ({"device": 1.5}, TypeError, "device"), ({"device": "gpu"}, ValueError, "device"),
                                   ({"seed": None}, TypeError, "seed"), ({"seed": -1}, ValueError, "seed"),
                                   ({"lr": "0.1"}, TypeError, "lr"), ({"lr": 0.0}, ValueError, "lr"),
                                   ({"epochs": 2.0}, TypeError, "epochs"), ({"ignore_index": 2.5}, TypeError,
                                                                            "ignore_index")]:
        with pytest.raises(error, match=message):
            M.train_segmenter(net, (images, masks), val, progress=False, **{"epochs": 1, **kwargs})
    with pytest.raises(TypeError, match="dice_weight"):
        M.combined_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long), dice_weight="1")


# ---------------------------------------------------------------------------------------------------------------
# receptive field


def test_receptive_field_hand_computed():
    assert M.receptive_field([(3, 1, 1)] * 3) == 7                       # 1 + 2 + 2 + 2
    assert M.receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15    # 1 + 2 + 4 + 8
    assert M.receptive_field([(3, 1, 2)] * 3) == 13                      # 1 + 4 + 4 + 4
    assert M.receptive_field([(3, 1), (2, 2), (3, 1)]) == 8              # 3, + 1 (pool), + 2 * 2
    assert M.receptive_field([]) == 1
    # VGG-16 (Simonyan & Zisserman 2015): conv5_3 sees 196 pixels, pool5 212 (published values)
    vgg = []
    for convs in (2, 2, 3, 3, 3):
        vgg += [(3, 1, 1)] * convs + [(2, 2, 1)]
    assert M.receptive_field(vgg[:-1]) == 196
    assert M.receptive_field(vgg) == 212
    seq = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, dilation=2)))
    assert M.receptive_field(seq) == 1 + 2 + 1 + 2 * 4
    with pytest.raises(ValueError, match="ConvTranspose2d"):
        M.receptive_field(nn.Sequential(nn.ConvTranspose2d(3, 3, 2, 2)))
    with pytest.raises(ValueError, match="stride"):
        M.receptive_field([(3, 0, 1)])
    with pytest.raises(TypeError, match="stride"):
        M.receptive_field([(3, 1.0, 1)])
    with pytest.raises(TypeError, match=r"layers\[1\]"):
        M.receptive_field([(3, 1, 1), 3])
    with pytest.raises(ValueError, match=r"layers\[0\] .* with 4 values"):
        M.receptive_field([(3, 1, 1, 1)])


# ---------------------------------------------------------------------------------------------------------------
# the module


def test_public_names_and_recommended_config():
    assert set(M.__all__) == {"RECOMMENDED_UNET", "convolutionalize", "FCN", "UNet", "dice_loss", "cross_entropy",
                              "combined_loss", "TrainingHistory", "train_segmenter", "predict", "receptive_field"}
    net = M.UNet(**M.RECOMMENDED_UNET["model"])
    assert isinstance(net, M.UNet)
    import inspect
    params = inspect.signature(M.train_segmenter).parameters
    assert set(M.RECOMMENDED_UNET["training"]) <= set(params)


def test_every_public_callable_has_examples():
    # the examples themselves run in tests/test_doctests.py, with every module's
    finder = doctest.DocTestFinder()
    for name in M.__all__:
        if name not in ("RECOMMENDED_UNET", "TrainingHistory"):
            assert any(test.examples for test in finder.find(getattr(M, name))), name


def test_models_is_the_deep_package():
    from coursekit import models

    assert models is M and models.UNet is M.UNet and models.RECOMMENDED_UNET is M.RECOMMENDED_UNET


def test_import_is_light():
    # torch itself imports tqdm; what coursekit.models imports lazily and can be seen: the metrics and any plotting
    code = ("import sys, coursekit.models; "
            "print(sorted(m for m in ('coursekit.metrics', 'matplotlib', 'skimage', 'scipy', 'sklearn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
