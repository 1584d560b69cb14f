"""Tests of coursekit.viz: the course's figure style, palettes (colour-blind-safe right and wrong), label maps,
overlays, side-by-side figures and confusion heatmaps, and the course's style sheet for JupyterLab."""

import doctest
import importlib
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from coursekit import viz  # noqa: E402
from coursekit.viz import (  # noqa: E402
    colorize_labels,
    confusion_heatmap,
    label_cmap,
    label_colors,
    outcome_rgb,
    overlay,
    show_image,
    show_labels,
    side_by_side,
)


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """No function may call plt.show(); every test's figures are closed."""

    def forbidden(*args, **kwargs):
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", forbidden)
    yield
    plt.close("all")


def legend_texts(legend):
    assert legend is not None, "no legend"
    return [t.get_text() for t in legend.get_texts()]


def drawn_image(ax):
    """The array of the (single) image drawn on ax."""
    assert len(ax.images) == 1
    return np.asarray(ax.images[0].get_array())


LABELS = np.array([[0, 1, 2], [2, 1, 0], [255, 0, 1]], dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
# module


def test_all_lists_the_public_names():
    for name in ["label_colors", "label_cmap", "colorize_labels", "show_image", "show_labels", "overlay",
                 "side_by_side", "confusion_heatmap"]:
        assert name in viz.__all__
        assert callable(getattr(viz, name))


@pytest.mark.parametrize("name", ["coursekit.viz", "coursekit.viz.palette", "coursekit.viz.panels",
                                  "coursekit.viz.confusion", "coursekit.viz.style", "coursekit.viz.jupyterlab"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1 and result.failed == 0


def test_import_does_not_import_matplotlib_or_torch():
    code = "import sys, coursekit.viz; print(sorted(m for m in ('matplotlib', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------------------------------------------------------
# colours


def test_label_colors_palette():
    colors = label_colors(21)
    assert colors.shape == (21, 3) and colors.dtype == np.float64
    assert colors.min() >= 0.0 and colors.max() <= 1.0
    assert np.all(colors[0] <= 0.25)  # background black or dark grey
    distances = np.linalg.norm(colors[:, None] - colors[None, :], axis=-1)
    assert distances[~np.eye(21, dtype=bool)].min() > 0.05  # all distinct
    np.testing.assert_array_equal(label_colors(5), colors[:5])  # fixed: a class keeps its colour
    many = label_colors(60)
    assert len(np.unique(np.round(many, 4), axis=0)) == 60


def test_label_colors_validation():
    with pytest.raises(ValueError):
        label_colors(0)
    with pytest.raises(TypeError):
        label_colors(2.5)


def test_label_cmap_matches_label_colors():
    cmap = label_cmap(6)
    assert cmap.N == 6
    np.testing.assert_allclose(np.asarray(cmap.colors)[:, :3], label_colors(6))
    np.testing.assert_allclose(cmap(3)[:3], label_colors(6)[3])


def test_colorize_labels_uses_the_palette_and_white_for_ignore():
    rgb = colorize_labels(LABELS)
    assert rgb.shape == (3, 3, 3) and rgb.dtype == np.float64
    colors = label_colors(3)
    for k in range(3):
        np.testing.assert_array_equal(rgb[LABELS == k], np.tile(colors[k], ((LABELS == k).sum(), 1)))
    np.testing.assert_array_equal(rgb[2, 0], [1.0, 1.0, 1.0])
    rgb5 = colorize_labels(LABELS, num_classes=5)
    np.testing.assert_array_equal(rgb5, rgb)  # the palette does not depend on num_classes
    np.testing.assert_array_equal(colorize_labels(LABELS.astype(np.uint8)), rgb)  # VOC masks read from PNG


def test_colorize_labels_without_ignore_index():
    labels = np.array([[0, 3]])
    rgb = colorize_labels(labels, ignore_index=None)
    np.testing.assert_array_equal(rgb[0, 1], label_colors(4)[3])
    with pytest.raises(ValueError, match="255"):
        colorize_labels(np.array([[0, 255]]), num_classes=3, ignore_index=None)


def test_colorize_labels_validation():
    with pytest.raises(ValueError, match="num_classes=2"):
        colorize_labels(LABELS, num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        colorize_labels(np.array([[0, -1]]))
    with pytest.raises(ValueError, match="float64"):  # numbers, of a dtype that is not integer
        colorize_labels(LABELS.astype(float))
    with pytest.raises(TypeError, match="labels"):  # not numbers
        colorize_labels(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match=r"\(2, 3, 3\)"):
        colorize_labels(np.zeros((2, 3, 3), dtype=int))
    with pytest.raises(ValueError):
        colorize_labels(np.zeros(5, dtype=int))


# ---------------------------------------------------------------------------------------------------------------
# show_image


def test_show_image_grey():
    image = np.linspace(0.2, 0.6, 30).reshape(5, 6)
    ax = show_image(image, title="grey")
    assert isinstance(ax, Axes)
    assert ax.get_title() == "grey"
    assert not ax.axison
    im = ax.images[0]
    assert im.get_cmap().name == "gray"
    assert im.get_clim() == (0.0, 1.0)  # intensities shown as they are, not stretched
    np.testing.assert_allclose(drawn_image(ax), image)


def test_show_image_rgb_on_given_axes():
    fig, ax = plt.subplots()
    image = np.random.default_rng(0).random((4, 5, 3))
    out = show_image(image, ax=ax)
    assert out is ax
    np.testing.assert_allclose(drawn_image(ax), image)
    assert not ax.axison


def test_show_image_stretches_on_request():
    image = np.linspace(-3.0, 5.0, 20).reshape(4, 5)
    with pytest.raises(ValueError, match="vmin=None"):
        show_image(image)
    ax = show_image(image, vmin=None, vmax=None, colorbar=True)
    assert ax.images[0].get_clim() == (-3.0, 5.0)
    assert len(ax.figure.axes) == 2  # the colorbar


def test_show_image_validation():
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        show_image(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError):
        show_image(np.zeros((2, 3, 3, 1)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        show_image(np.full((3, 3, 3), 2.0))
    with pytest.raises(ValueError, match="show_labels"):  # integer labels where an image goes
        show_image(LABELS)
    with pytest.raises(TypeError):
        show_image(np.array([["a", "b"]]))


# ---------------------------------------------------------------------------------------------------------------
# show_labels


def test_show_labels_legend_lists_class_names():
    names = ["background", "cat", "dog"]
    ax = show_labels(LABELS, title="ground truth", class_names=names)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "ground truth"
    assert not ax.axison
    texts = legend_texts(ax.get_legend())
    for name in names:
        assert any(name in t for t in texts)
    assert any("ignore" in t and "255" in t for t in texts)
    np.testing.assert_allclose(drawn_image(ax)[..., :3], colorize_labels(LABELS))


def test_show_labels_legend_without_names_and_absent_classes():
    labels = np.array([[0, 2], [2, 0]])
    texts = legend_texts(show_labels(labels, num_classes=4).get_legend())
    assert len(texts) == 4 and all(str(k) in t for k, t in enumerate(texts))
    texts = legend_texts(show_labels(labels, num_classes=4, legend="present").get_legend())
    assert len(texts) == 2 and "0" in texts[0] and "2" in texts[1]
    assert show_labels(labels, legend=False).get_legend() is None


def test_show_labels_validation():
    with pytest.raises(ValueError, match="num_classes=3"):
        show_labels(np.array([[0, 3]]), class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="class_names"):
        show_labels(LABELS, num_classes=3, class_names=["a", "b"])
    with pytest.raises(ValueError, match="astype"):
        show_labels(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        show_labels(np.zeros((3, 3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="legend"):
        show_labels(LABELS, legend="some")
    with pytest.raises(TypeError, match="legend"):
        show_labels(LABELS, legend=2)


# ---------------------------------------------------------------------------------------------------------------
# overlay


def test_overlay_blends_colours_and_skips_background():
    rng = np.random.default_rng(1)
    image = rng.random((3, 3, 3))
    alpha = 0.4
    ax = overlay(image, LABELS, alpha=alpha, title="overlay", class_names=["bg", "a", "b"])
    assert isinstance(ax, Axes) and ax.get_title() == "overlay"
    out = drawn_image(ax)[..., :3]
    colors = label_colors(3)
    for (r, c), k in np.ndenumerate(LABELS):
        if k == 0:
            expected = image[r, c]  # transparent background
        elif k == 255:
            expected = (1 - alpha) * image[r, c] + alpha * np.ones(3)
        else:
            expected = (1 - alpha) * image[r, c] + alpha * colors[k]
        np.testing.assert_allclose(out[r, c], expected, atol=1e-12)
    texts = legend_texts(ax.get_legend())
    assert any("a" in t for t in texts) and not any("bg" in t for t in texts)


def test_overlay_grey_image_and_background_painted():
    image = np.full((3, 3), 0.5)
    ax = overlay(image, LABELS, alpha=1.0, skip_background=False)
    out = drawn_image(ax)[..., :3]
    assert out.shape == (3, 3, 3)
    np.testing.assert_allclose(out, colorize_labels(LABELS))  # alpha 1: the label colours only


def test_overlay_validation():
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        overlay(np.zeros((3, 3)), np.zeros((4, 4), dtype=int))
    with pytest.raises(ValueError, match="alpha"):
        overlay(np.zeros((3, 3)), LABELS, alpha=1.5)
    with pytest.raises(TypeError, match="alpha"):
        overlay(np.zeros((3, 3)), LABELS, alpha="half")
    with pytest.raises(ValueError, match="num_classes"):
        overlay(np.zeros((3, 3)), LABELS, num_classes=2)


# ---------------------------------------------------------------------------------------------------------------
# side_by_side


def test_side_by_side_image_truth_prediction():
    image = np.random.default_rng(2).random((3, 3))
    truth = LABELS
    prediction = np.where(LABELS == 1, 0, LABELS)  # class 1 never predicted
    names = ["background", "cat", "dog"]
    fig = side_by_side([image, truth, prediction], titles=["image", "ground truth", "prediction"],
                       suptitle="example", class_names=names)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["image", "ground truth", "prediction"]
    assert fig._suptitle.get_text() == "example"
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    # the same class has the same colour in both label panels
    truth_rgb, pred_rgb = drawn_image(fig.axes[1])[..., :3], drawn_image(fig.axes[2])[..., :3]
    dog = label_colors(3)[2]
    assert np.allclose(truth_rgb[truth == 2], dog) and np.allclose(pred_rgb[prediction == 2], dog)
    np.testing.assert_allclose(truth_rgb, colorize_labels(truth, num_classes=3))
    texts = legend_texts(fig.legends[0])
    for name in names:
        assert any(name in t for t in texts)


def test_side_by_side_shares_num_classes_between_label_panels():
    a = np.array([[0, 1]])
    b = np.array([[0, 4]])
    fig = side_by_side([a, b])
    assert len(legend_texts(fig.legends[0])) == 5  # classes 0..4 of both panels
    np.testing.assert_allclose(drawn_image(fig.axes[1])[0, 1, :3], label_colors(5)[4])


def test_side_by_side_float_outside_unit_range_gets_a_colorbar():
    fig = side_by_side([np.linspace(-1, 3, 9).reshape(3, 3), np.zeros((3, 3))], titles=["distance", "zeros"])
    assert len(fig.axes) == 3  # two panels and one colorbar
    assert fig.axes[0].images[0].get_clim() == (-1.0, 3.0)


def test_side_by_side_validation():
    with pytest.raises(ValueError, match="titles"):
        side_by_side([np.zeros((3, 3)), np.zeros((3, 3))], titles=["one"])
    with pytest.raises(ValueError, match="at least one"):
        side_by_side([])
    with pytest.raises(ValueError, match=r"panels\[1\]"):
        side_by_side([np.zeros((3, 3)), np.zeros((3, 3, 5))])
    with pytest.raises(TypeError, match="list"):
        side_by_side(np.zeros((3, 3)))
    with pytest.raises(TypeError, match=r"panels\[0\]"):
        side_by_side([np.array([["a"]])])


# ---------------------------------------------------------------------------------------------------------------
# confusion_heatmap


CM = np.array([[50, 10, 0], [5, 35, 2], [0, 0, 0]])


def annotations(ax):
    """{(row, column): text} of the cell annotations."""
    return {(int(round(t.get_position()[1])), int(round(t.get_position()[0]))): t.get_text() for t in ax.texts}


def test_confusion_heatmap_counts():
    names = ["background", "cat", "dog"]
    ax = confusion_heatmap(CM, class_names=names)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Confusion matrix"
    assert ax.get_xlabel() == "prediction"
    assert ax.get_ylabel() == "ground truth"
    cells = annotations(ax)
    assert len(cells) == 9
    for (i, j), text in cells.items():
        assert text == str(CM[i, j])
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert len(ax.figure.axes) == 2  # a colorbar
    np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), CM)


def test_confusion_heatmap_row_normalized_is_nan_safe():
    ax = confusion_heatmap(CM, normalize="true", title="recall")
    assert ax.get_title() == "recall"
    cells = annotations(ax)
    for j in range(3):
        assert float(cells[0, j]) == pytest.approx(CM[0, j] / 60, abs=0.005)
        assert float(cells[1, j]) == pytest.approx(CM[1, j] / 42, abs=0.005)
        assert cells[2, j] == "n/a"  # no ground-truth pixel of class 2


def test_confusion_heatmap_column_normalized():
    cells = annotations(confusion_heatmap(CM, normalize="pred"))
    column_sums = CM.sum(axis=0)
    for i in range(3):
        for j in range(3):
            assert float(cells[i, j]) == pytest.approx(CM[i, j] / column_sums[j], abs=0.005)


def test_confusion_heatmap_large_counts_stay_readable():
    cells = annotations(confusion_heatmap(np.array([[1234567, 12], [0, 45678]])))
    assert cells[0, 1] == "12"
    assert len(cells[0, 0]) <= 6 and cells[0, 0].startswith("1.23")
    assert cells[1, 1].startswith("45.7")


def test_confusion_heatmap_validation():
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        confusion_heatmap(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="square"):
        confusion_heatmap(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        confusion_heatmap(np.array([[1, -1], [0, 2]]))
    with pytest.raises(ValueError, match="class_names"):
        confusion_heatmap(CM, class_names=["a", "b"])
    with pytest.raises(ValueError, match="normalize"):
        confusion_heatmap(CM, normalize="rows")
    with pytest.raises(ValueError, match="finite"):
        confusion_heatmap(np.array([[1.0, np.nan], [0.0, 2.0]]))
    with pytest.raises(TypeError, match="cm"):
        confusion_heatmap(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(TypeError, match="normalize"):
        confusion_heatmap(CM, normalize=1)


# ---------------------------------------------------------------------------------------------------------------
# the course's style: sizes JupyterLab shows as drawn, text that reads at that size, colour-blind-safe colours


def test_course_style_text_reads_at_the_size_jupyterlab_shows():
    from coursekit.viz.style import DPI, MIN_WIDTH, STYLE, WIDTH

    assert WIDTH * DPI <= 864  # a full-width figure is not shrunk on a 1280-pixel screen with the file browser open
    assert MIN_WIDTH >= 0.6 * WIDTH
    px = lambda points: points * DPI / 72  # noqa: E731
    assert px(STYLE["axes.titlesize"]) >= 12 and px(STYLE["figure.titlesize"]) >= 13
    for key in ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize", "legend.fontsize"):
        assert px(STYLE[key]) >= 11, key


def test_use_course_style_sets_rcparams_and_course_style_restores_them():
    with matplotlib.rc_context():
        viz.use_course_style()
        assert matplotlib.rcParams["figure.dpi"] == viz.DPI
        assert list(matplotlib.rcParams["figure.figsize"]) == [viz.WIDTH, 4.0]
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == viz.OKABE_ITO["blue"]
    before = matplotlib.rcParams["font.size"]
    with viz.course_style():
        assert matplotlib.rcParams["axes.titlesize"] == 13
        fig = Figure()
    assert matplotlib.rcParams["font.size"] == before
    assert fig.get_dpi() == viz.DPI


@pytest.mark.parametrize("n", range(1, 7))
def test_side_by_side_fits_the_notebook_without_leaving_it_half_empty(n):
    fig = side_by_side([np.eye(8)] * n)
    assert viz.MIN_WIDTH - 1e-9 <= fig.get_figwidth() <= viz.WIDTH + 1e-9
    assert fig.get_figheight() <= 5.0


@pytest.mark.parametrize("c", [2, 4, 8, 21])
def test_confusion_heatmap_fits_the_notebook(c):
    ax = confusion_heatmap(np.ones((c, c)))
    assert viz.MIN_WIDTH - 1e-9 <= ax.figure.get_figwidth() <= viz.WIDTH + 1e-9


def test_new_figures_of_single_panels_are_not_narrow():
    for ax in (show_image(np.eye(4)), show_labels(LABELS), overlay(np.eye(3), LABELS)):
        assert viz.MIN_WIDTH - 1e-9 <= ax.figure.get_figwidth() <= viz.WIDTH + 1e-9


# Machado, Oliveira & Fernandes (2009): what a colour looks like with no L, M or S cones (linear RGB, severity 1).
DICHROMACY = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "normal vision": np.eye(3),
}


def _lab(rgb) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB colours ``(..., 3)`` in [0, 1]."""
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def smallest_difference(colors) -> tuple[float, str]:
    """The smallest colour difference (CIE76 Delta E) between two of ``colors`` (sRGB in [0, 1]) as seen with each
    common dichromacy and with normal vision, and where it is."""
    colors = np.asarray(colors, dtype=float)
    linear = np.where(colors <= 0.04045, colors / 12.92, ((colors + 0.055) / 1.055) ** 2.4)
    worst = (np.inf, "")
    for vision, matrix in DICHROMACY.items():
        seen = np.clip(linear @ np.asarray(matrix, dtype=float).T, 0, 1)
        srgb = np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)
        lab = _lab(srgb)
        for i in range(len(colors)):
            for j in range(i + 1, len(colors)):
                worst = min(worst, (float(np.linalg.norm(lab[i] - lab[j])), f"colours {i} and {j}, {vision}"))
    return worst


def test_the_dichromacy_check_tells_green_and_red_apart_only_with_normal_vision():
    green, red = (0.2, 0.75, 0.3), (0.9, 0.2, 0.2)   # the threshold explorer's true and false positives, before
    distance, where = smallest_difference([green, red])
    assert distance < 15 and "deuteranopia" in where


def test_right_and_wrong_are_colour_blind_safe():
    from matplotlib.colors import to_rgb

    outcomes = [to_rgb(viz.OUTCOME_COLORS[k]) for k in ("TP", "FP", "FN", "TN")]
    distance, where = smallest_difference(outcomes)
    assert distance >= 30, f"true and false positives, misses and true negatives: Delta E {distance:.1f} ({where})"
    assert smallest_difference([to_rgb(viz.CORRECT), to_rgb(viz.INCORRECT)])[0] >= 60
    with viz.course_style():
        lines = [to_rgb(c) for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][:4]]
    assert smallest_difference(lines)[0] >= 15  # the first four lines of a plot


def test_outcome_rgb():
    pred = np.array([[1, 1, 0, 0, 1]])
    truth = np.array([[1, 0, 1, 0, 1]])
    valid = np.array([[1, 1, 1, 1, 0]], dtype=bool)
    rgb = outcome_rgb(pred, truth, valid)
    from matplotlib.colors import to_rgb

    expected = [to_rgb(viz.OUTCOME_COLORS[k]) for k in ("TP", "FP", "FN", "TN")] + [(1.0, 1.0, 1.0)]
    np.testing.assert_allclose(rgb[0], expected)
    np.testing.assert_allclose(outcome_rgb(pred.astype(bool), truth), outcome_rgb(pred, truth))
    assert [p.get_label().split(":")[0] for p in viz.outcome_patches()] == ["TP", "FP", "FN"]
    with pytest.raises(ValueError, match="one shape"):
        outcome_rgb(pred, truth[:, :3])
    with pytest.raises(TypeError, match="pred"):
        outcome_rgb(np.array([["a"]]), truth)


# ---------------------------------------------------------------------------------------------------------------
# the style sheet for JupyterLab


def test_the_lab_style_sheet_wraps_the_validate_dialog_and_keeps_other_rules(tmp_path):
    from coursekit.viz import jupyterlab

    sheet = tmp_path / "custom" / "custom.css"
    sheet.parent.mkdir()
    sheet.write_text("body { color: black; }\n")
    assert jupyterlab.enable(tmp_path) == sheet
    jupyterlab.enable(tmp_path)  # twice: one copy of the course's rules
    text = sheet.read_text()
    assert text.startswith("body { color: black; }")
    assert text.count("#validation-message pre") == 1 and "white-space: pre-wrap" in text
    assert jupyterlab.OPTION == "--LabApp.custom_css=True"
