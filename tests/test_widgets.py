"""The explorers: the shared blitting base (a blitted step draws what a full redraw draws; a refused step changes
nothing; a new explorer is a few short methods), what a student reads (the course's text sizes, whole slider
descriptions, a picture at its own size, colour-blind-safe colours, legends the threshold line never crosses), the
one validation rule for every explorer, the threshold explorer's numbers against scikit-learn, the docstring examples
of every explorer module, and ``coursekit.widgets`` as the notebooks' name for them. Each chapter's explorer is tested further with its chapter (tests/test_chNN.py)."""

import doctest
import importlib
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import f1_score, jaccard_score, precision_score, recall_score

from coursekit import data, explorers, viz, widgets
from coursekit.explorers.base import Explorer
from coursekit.viz.style import course_style

EXPLORER_MODULES = ["coursekit.explorers", "coursekit.explorers.ch01_clustering",
                    "coursekit.explorers.ch02_affinity_ncuts", "coursekit.explorers.ch03_snakes",
                    "coursekit.explorers.ch04_transposed_convolution", "coursekit.explorers.ch05_fcn_unet",
                    "coursekit.explorers.ch06_metrics", "coursekit.widgets"]


@pytest.fixture(scope="module")
def explorer():
    images, masks = data.synthetic_shapes(1, seed=3)
    target = (masks[0] > 0).astype(np.int64)
    target[:3] = 255  # a VOC-style ignored band
    prob = data.soft_prediction((masks[0] > 0).astype(np.int64), seed=0)
    return widgets.threshold_explorer(prob, target, image=images[0]), prob, target


@pytest.fixture(scope="module")
def photo():
    return data.load_image("coffee")


def build(name, photo):
    """A small explorer of each kind, and one step that changes it."""
    if name == "threshold":
        target = np.zeros((24, 24), dtype=int)
        target[6:18, 4:20] = 1
        return widgets.threshold_explorer(data.soft_prediction(target, seed=1), target), {"threshold": 0.7}
    if name == "kmeans":
        return widgets.kmeans_explorer(photo, k=2, size=24), {"k": 3}
    if name == "mean shift":
        return widgets.mean_shift_explorer(photo, bandwidth=8.0, bandwidths=(8.0, 16.0), size=24), {"bandwidth": 16.0}
    if name == "stamps":
        return widgets.stamp_explorer([[1, 2], [3, 4]]), {"stride": 3}
    if name == "sigma":
        rng = np.random.default_rng(0)
        points = np.concatenate([rng.normal(0.0, 0.3, (12, 2)), rng.normal(3.0, 0.3, (12, 2))])
        return widgets.sigma_explorer(points, sigma=0.5, sigmas=(0.2, 0.5, 1.0, 3.0)), {"sigma": 3.0}
    if name == "snake":
        rows, cols = np.mgrid[:48, :48]
        square = (np.abs(cols - 24) <= 10) & (np.abs(rows - 24) <= 9)
        return (widgets.snake_explorer(0.2 + 0.6 * square, center=(24, 24), radius=16, n=16, max_iter=3),
                {"alpha": 0.2})
    return widgets.receptive_field_explorer((1, 2)), {"layer": 2, "dilation": 3}


KINDS = ["threshold", "kmeans", "mean shift", "sigma", "snake", "stamps", "receptive field"]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


# ---------------------------------------------------------------------------------------------------------------
# the blitting base


@pytest.mark.parametrize("name", [k for k in KINDS if k != "stamps"])  # the stamps paint their cells in numpy
def test_a_blitted_step_draws_what_a_full_redraw_draws(name, photo):
    ex, step = build(name, photo)
    ex.update(**step)
    blitted = pixels(ex.picture.value)
    for artist in ex._moving:
        artist.set_animated(False)
    with course_style():  # as the explorer draws (the number of ticks that fit depends on the font's size)
        ex._canvas.draw()
    full = np.asarray(ex._canvas.buffer_rgba())[..., :3].astype(int)
    assert blitted.shape == full.shape
    # the moving artists (and their axes' frames) are drawn last: where one crosses a static artist drawn above
    # it, a few pixels may differ
    assert np.mean(np.abs(blitted - full).max(axis=-1) > 8) < 0.002


@pytest.mark.parametrize("name", KINDS)
def test_a_step_redraws_and_the_same_parameters_draw_the_same_picture(name, photo):
    ex, step = build(name, photo)
    before = (dict(ex.params), ex.picture.value, ex.readout.value)
    assert before[1][:8] == b"\x89PNG\r\n\x1a\n"
    ex.update(**step)
    assert ex.picture.value != before[1] and ex.readout.value != before[2]
    ex._apply(**before[0])
    assert (ex.params, ex.picture.value, ex.readout.value) == before


@pytest.mark.parametrize("name", KINDS)
def test_moving_a_slider_is_an_update_and_an_update_moves_the_slider(name, photo):
    ex, step = build(name, photo)
    slider_name, value = next(iter(step.items()))
    if name == "receptive field":
        slider_name, value = step["layer"] - 1, step["dilation"]
    ex.sliders[slider_name].value = value
    after = (ex.picture.value, ex.readout.value)
    other, _ = build(name, photo)
    other.update(**step)
    assert (other.picture.value, other.readout.value) == after
    assert other.sliders[slider_name].value == value


@pytest.mark.parametrize("name", KINDS)
def test_a_refused_step_changes_nothing(name, photo):
    ex, step = build(name, photo)
    before = (dict(ex.params), ex.picture.value, ex.readout.value, {k: s.value for k, s in ex.sliders.items()})
    bad = {key: "3" if key != "layer" else 1 for key in step}
    with pytest.raises(TypeError):
        ex.update(**bad)
    assert (ex.params, ex.picture.value, ex.readout.value, {k: s.value for k, s in ex.sliders.items()}) == before


class GammaExplorer(Explorer):
    """What a new chapter writes: an explorer of ``image ** gamma`` with one slider."""

    def __init__(self, image, gamma=1.0):
        self.image = np.asarray(image, dtype=float)
        super().__init__({"gamma": gamma}, figsize=(3, 3))

    def update(self, gamma):
        self._apply(gamma=gamma)

    def _validated(self, params):
        gamma = params["gamma"]
        if not isinstance(gamma, (int, float)):
            raise TypeError(f"gamma must be a number, given {gamma!r}")
        if not 0.25 <= gamma <= 4:
            raise ValueError(f"gamma must lie in [0.25, 4], given {gamma}")
        return {"gamma": float(gamma)}

    def _draw(self, figure):
        self._shown = figure.subplots().imshow(self.image, cmap="gray", vmin=0, vmax=1)
        return [self._shown]

    def _sliders(self):
        import ipywidgets

        return {"gamma": ipywidgets.FloatSlider(value=self.params["gamma"], min=0.25, max=4, description="gamma")}

    def _move(self):
        self._shown.set_data(self.image ** self.params["gamma"])

    def _readout(self):
        return f"<b>gamma = {self.params['gamma']:.2f}</b>"


def test_a_new_explorer_is_a_few_short_methods():
    ex = GammaExplorer(np.linspace(0, 1, 64).reshape(8, 8))
    before = ex.picture.value
    ex.slider.value = 2.0
    assert ex.params == {"gamma": 2.0} and "gamma = 2.00" in ex.readout.value and ex.picture.value != before
    with pytest.raises(ValueError, match="gamma"):
        ex.update(9.0)
    assert ex.slider.value == 2.0 and ex.widget.children[-1] is ex.picture
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()


# ---------------------------------------------------------------------------------------------------------------
# what a student reads: every explorer in the course's style, its labels whole, its picture at its own size


def _visible_texts(figure):
    """The texts the figure draws (titles, axis and tick labels of the axes that are on, legends, other texts), with
    their boxes."""
    renderer = figure.canvas.get_renderer()
    texts = list(figure.texts) + [t for legend in figure.legends for t in legend.get_texts()]
    for ax in figure.axes:
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:
            texts += [ax.xaxis.label, ax.yaxis.label]
            for axis in (ax.xaxis, ax.yaxis):  # tick labels beyond the axis's limits are not drawn
                low, high = sorted(axis.get_view_interval())
                texts += [t for loc, t in zip(axis.get_ticklocs(), axis.get_ticklabels()) if low <= loc <= high]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [(t, t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", KINDS)
def test_an_explorer_reads_at_the_size_jupyterlab_shows_it(name, photo):
    ex, _ = build(name, photo)
    width, height = ex._canvas.get_width_height(physical=True)
    assert width <= viz.WIDTH * viz.DPI  # never shrunk on a 1280-pixel screen
    texts = _visible_texts(ex.figure)
    assert texts
    for text, box in texts:
        pixels = text.get_fontsize() * ex.figure.dpi / 72
        assert pixels >= 11, f"{text.get_text()!r} is {pixels:.1f} px"
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, \
            f"{text.get_text()!r} runs out of the picture"
    # shown at its own size: a VBox would otherwise stretch the picture (and its text) to the output's width
    assert ex.picture.layout.width == f"{width}px" and ex.picture.layout.max_width == "100%"


@pytest.mark.parametrize("name", KINDS)
def test_every_slider_shows_its_whole_description(name, photo):
    ex, _ = build(name, photo)
    for slider in ex.sliders.values():
        given = slider.style.description_width
        assert given == "initial" or (given.endswith("px") and float(given[:-2]) >= 7 * len(slider.description)), \
            f"{slider.description!r} in {given!r}: cut short (ipywidgets gives a description 80 px)"


def test_the_threshold_explorer_paints_right_and_wrong_in_colour_blind_safe_colours(explorer):
    from matplotlib.colors import to_rgb

    ex, _, _ = explorer
    for t in (0.2, 0.5, 0.8):
        ex.update(t)
        painted = {tuple(c) for c in np.round(np.asarray(ex._mask.get_array()).reshape(-1, 3), 3)}
        allowed = {tuple(np.round(to_rgb(viz.OUTCOME_COLORS[k]), 3)) for k in ("TP", "FP", "FN", "TN")}
        assert painted <= allowed | {(1.0, 1.0, 1.0)}, painted - allowed
    legend = {t.get_text() for ax in ex.figure.axes if ax.get_legend() for t in ax.get_legend().get_texts()}
    assert {"TP: correct", "FP: false alarm", "FN: missed"} <= legend


def test_the_threshold_line_never_crosses_a_legend(explorer):
    ex, _, _ = explorer
    renderer = ex.figure.canvas.get_renderer()
    curves = ex._line.axes
    box = curves.get_window_extent(renderer)
    xs = curves.transData.transform(np.column_stack([np.linspace(0, 1, 101), np.zeros(101)]))[:, 0]
    legends = [ax.get_legend() for ax in ex.figure.axes if ax.get_legend() is not None]
    assert len(legends) == 2
    for legend in legends:
        where = legend.get_window_extent(renderer)
        crossing = (xs >= where.x0) & (xs <= where.x1) & (where.y0 < box.y1) & (where.y1 > box.y0)
        assert not crossing.any(), f"the line at t = {np.linspace(0, 1, 101)[crossing][0]:.2f} crosses a legend"
        for text in legend.get_texts():
            assert text.get_fontsize() * ex.figure.dpi / 72 >= 11


# ---------------------------------------------------------------------------------------------------------------
# one validation rule: TypeError for a wrong kind, ValueError for a wrong value


@pytest.mark.parametrize("make, error", [
    (lambda photo: widgets.threshold_explorer(np.array([["a"]]), np.zeros((1, 1))), TypeError),
    (lambda photo: widgets.threshold_explorer(np.zeros((4, 4)), np.zeros((4, 4)), threshold="0.5"), TypeError),
    (lambda photo: widgets.kmeans_explorer([["a"]]), TypeError),
    (lambda photo: widgets.kmeans_explorer(photo, k=2.5, size=16), TypeError),
    (lambda photo: widgets.kmeans_explorer(photo, k=2, size=16.0), TypeError),
    (lambda photo: widgets.kmeans_explorer(photo, k=1, size=16), ValueError),
    (lambda photo: widgets.kmeans_explorer(photo, position_weight="1", size=16), TypeError),
    (lambda photo: widgets.kmeans_explorer(photo, weight_max=0, size=16), ValueError),
    (lambda photo: widgets.mean_shift_explorer(photo, bandwidth="8", size=16), TypeError),
    (lambda photo: widgets.mean_shift_explorer(photo, bandwidths=("a", "b"), size=16), TypeError),
    (lambda photo: widgets.mean_shift_explorer(photo, bandwidth=5.5, size=16), ValueError),
    (lambda photo: widgets.stamp_explorer([["a", "b"]]), TypeError),
    (lambda photo: widgets.stamp_explorer(stride=1.5), TypeError),
    (lambda photo: widgets.stamp_explorer(stride=True), TypeError),
    (lambda photo: widgets.stamp_explorer(stride=5), ValueError),
    (lambda photo: widgets.receptive_field_explorer((1, 2.5)), TypeError),
    (lambda photo: widgets.receptive_field_explorer(3), TypeError),
    (lambda photo: widgets.receptive_field_explorer((1, 9)), ValueError),
    (lambda photo: widgets.receptive_field_explorer(max_dilation="8"), TypeError),
    (lambda photo: widgets.dilated_footprint([1], kernel_size=3.0), TypeError),
    (lambda photo: widgets.dilated_footprint([]), ValueError),
])
def test_wrong_kind_is_a_type_error_and_wrong_value_a_value_error(photo, make, error):
    with pytest.raises(error) as raised:
        make(photo)
    assert type(raised.value) is error


# ---------------------------------------------------------------------------------------------------------------
# the threshold explorer (chapter 6)


@pytest.mark.parametrize("t", [0.0, 0.2, 0.5, 0.73, 1.0])
def test_metrics_agree_with_scikit_learn(explorer, t):
    ex, prob, target = explorer
    keep = target != 255
    truth, pred = target[keep], (prob[keep] >= t).astype(int)
    got = ex.metrics(t)
    assert got["IoU"] == pytest.approx(jaccard_score(truth, pred, zero_division=0))
    assert got["Dice"] == pytest.approx(f1_score(truth, pred, zero_division=0))
    assert got["precision"] == pytest.approx(precision_score(truth, pred, zero_division=0))
    assert got["recall"] == pytest.approx(recall_score(truth, pred, zero_division=0))


def test_moving_the_slider_redraws_picture_and_numbers(explorer):
    ex, prob, target = explorer
    ex.slider.value = 0.5
    before_png, before_text = ex.picture.value, ex.readout.value
    ex.slider.value = 0.8
    assert ex.picture.value != before_png
    assert ex.readout.value != before_text and "t = 0.80" in ex.readout.value
    assert f"IoU {ex.metrics(0.8)['IoU']:.3f}" in ex.readout.value
    ex.slider.value = 0.5
    assert ex.picture.value == before_png  # the same threshold draws the same picture


@pytest.mark.parametrize("prob, target, message", [
    (np.zeros((4, 4, 1)), np.zeros((4, 4)), "2-D"),
    (np.zeros((4, 4)), np.zeros((4, 5)), "shape"),
    (np.full((4, 4), 1.5), np.zeros((4, 4)), r"\[0, 1\]"),
    (np.full((4, 4), np.nan), np.zeros((4, 4)), "finite"),
    (np.zeros((4, 4)), np.full((4, 4), 2), "binary"),
])
def test_bad_input_is_refused(prob, target, message):
    with pytest.raises(ValueError, match=message):
        widgets.threshold_explorer(prob, target)


def test_threshold_out_of_range_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        widgets.threshold_explorer(np.zeros((4, 4)), np.zeros((4, 4), dtype=int), threshold=1.2)


# ---------------------------------------------------------------------------------------------------------------
# the modules


@pytest.mark.parametrize("name", EXPLORER_MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1 and result.failed == 0


def test_widgets_is_the_notebooks_name_for_the_explorers():
    assert set(widgets.__all__) == set(explorers.__all__)
    for name in widgets.__all__:
        assert getattr(widgets, name) is getattr(explorers, name)


def test_import_draws_nothing_and_trains_nothing():
    code = ("import sys, coursekit.widgets; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
