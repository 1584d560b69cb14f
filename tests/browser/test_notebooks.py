"""Every chapter notebook in JupyterLab, in headless Chromium, as a student uses it.

Solution notebooks (``solutions/NN_name``): Run All Cells runs every cell without an error; on a laptop's screen
(1280 pixels wide) every figure and widget picture is shown large enough to read (its text not shrunk below the
course's sizes: 11 pixels for a title) and fills most of the notebook's width, and no widget's description or readout
is cut (tests/browser/readability.py); then every slider of every widget is found by its label and walked with the
arrow keys, and after each key press the slider shows the next value, the widget's picture is a different image (its
bytes, not only its URL), and its text changed and states the new value. The latency of each press (key to new
output, in the page) and the kernel's time for it go to build/browser/latency.json; screenshots of every figure as the
laptop shows it, and of each widget before and after its sliders moved, go to build/browser/.

Student notebooks (``notebooks/NN_name``): Run All Cells stops, as it does for a student who has not started, at the
first exercise check, which says that the function is not implemented yet; every cell above it ran without an
error, none below it ran, and nbgrader's Validate button is in the toolbar. Their widgets come after that check (the
release copies every cell that is not an exercise unchanged, as tests/test_course.py keeps), so the sliders are
exercised in the solution notebooks.

Chapters are found by folder (``solutions/*/`` and ``notebooks/*/``): a new chapter is covered without editing
this file. Any error in the browser's console, or an uncaught exception in the page, fails the test.
"""

from __future__ import annotations

import re
import statistics

import pytest

from conftest import REPO

from . import lab as jl
from . import readability as rd

pytestmark = pytest.mark.browser


def chapters(folder: str) -> list[str]:
    return sorted(path.parent.name for path in REPO.glob(f"{folder}/*/*.ipynb") if path.stem == path.parent.name)


# Run All Cells, in seconds: a chapter that trains networks on the CPU gets longer.
RUN_ALL_SECONDS = {"05_fcn_unet": 600}
RUN_ALL_DEFAULT = 240


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "slider"


def _check_move(move: jl.Move) -> None:
    """The slider moved one step in the key's direction, and its widget shows the new value in a new picture."""
    where = f"slider {move.label!r}, {move.key}"
    assert move.after["readout"] != move.before["readout"], f"{where}: the slider's readout did not change"
    before, after = jl.position(move.before), jl.position(move.after)
    assert (after > before) if move.key == "ArrowRight" else (after < before), \
        f"{where}: the slider went from {move.before['readout']} to {move.after['readout']}"
    if move.digests_before:
        assert move.digests_after and move.digests_after != move.digests_before, \
            f"{where}: the widget's picture is the same image as before"
    assert move.after["text"] != move.before["text"], f"{where}: the widget's text did not change"
    stated = jl.value_in_text(move.label, move.after["text"])
    if stated is not None:
        assert stated == pytest.approx(float(move.after["readout"])), \
            f"{where}: the slider reads {move.after['readout']} but the widget says {move.after['text']!r}"


@pytest.mark.parametrize("chapter", chapters("solutions"))
def test_solution_runs_and_every_slider_redraws(page, lab, chapter, artifacts, latency_report):
    jl.open_notebook(page, lab, f"solutions/{chapter}/{chapter}.ipynb")
    jl.run_all(page, RUN_ALL_SECONDS.get(chapter, RUN_ALL_DEFAULT))
    cells = [c for c in jl.cells(page) if c["type"] == "code"]
    failed = [(n, c["errors"]) for n, c in enumerate(cells) if c["errors"]]
    assert not failed, f"code cells that raised: {failed}"
    assert all(c["count"] for c in cells), "Run All Cells did not run every code cell"

    # what a student reads on a laptop: figures not shrunk to unreadable text, filling the width; labels shown whole
    viewport = page.viewport_size
    page.set_viewport_size(rd.LAPTOP)
    page.wait_for_timeout(500)
    pictures = rd.pictures(page)
    for p in pictures:
        if not p["widget"]:
            page.locator(f'[data-coursekit-picture="{p["n"]}"]').screenshot(
                path=artifacts / f"{chapter}-figure-{p['n']:02d}.png")
    unreadable, cut = rd.unreadable(pictures), rd.cut_labels(page)
    page.set_viewport_size(viewport)

    sliders = jl.sliders(page)
    for widget in sorted({s.widget for s in sliders}):
        own = [s for s in sliders if s.widget == widget]
        name = f"{chapter}-{widget}-{_slug(own[0].label)}"
        own[0].area.scroll_into_view_if_needed()
        own[0].area.screenshot(path=artifacts / f"{name}-before.png")
        for slider in own:
            for wanted in jl.WALK:
                _check_move(jl.press(page, slider, jl.next_key(jl.slider_state(slider), wanted)))
            latency = [m.latency_ms for m in slider.moves]
            kernel = [m.kernel_ms for m in slider.moves if m.kernel_ms is not None]
            latency_report.append({
                "chapter": chapter, "notebook": f"solutions/{chapter}/{chapter}.ipynb", "widget": widget,
                "slider": slider.label, "keys": [m.key for m in slider.moves],
                "samples_ms": [round(v, 1) for v in latency], "median_ms": round(statistics.median(latency), 1),
                "kernel_samples_ms": [round(v, 1) for v in kernel],
                "kernel_median_ms": round(statistics.median(kernel), 1) if kernel else None,
            })
        own[0].area.screenshot(path=artifacts / f"{name}-after.png")
    assert not page.console_errors, "errors in the browser console:\n" + "\n".join(page.console_errors)
    assert not unreadable, (f"figures too small to read or too narrow on a {rd.LAPTOP['width']}-pixel screen "
                            f"(screenshots: build/browser/{chapter}-figure-*.png):\n" + "\n".join(unreadable))
    assert not cut, f"widget labels cut short on a {rd.LAPTOP['width']}-pixel screen: {cut}"


@pytest.mark.parametrize("chapter", chapters("notebooks"))
def test_student_notebook_runs_to_its_first_check_and_can_be_validated(page, lab, chapter):
    jl.open_notebook(page, lab, f"notebooks/{chapter}/{chapter}.ipynb")
    validate = page.locator(".jp-NotebookPanel-toolbar .validate-button")
    assert validate.is_visible() and validate.is_enabled(), "nbgrader's Validate button is not in the toolbar"
    assert validate.inner_text().strip() == "Validate"

    jl.run_all(page, RUN_ALL_SECONDS.get(chapter, RUN_ALL_DEFAULT))
    cells = [c for c in jl.cells(page) if c["type"] == "code"]
    checks = [n for n, c in enumerate(cells) if (c["nbgrader"] or {}).get("grade") and "check(" in c["source"]]
    failed = [n for n, c in enumerate(cells) if c["errors"]]
    if not checks:  # a chapter without exercises runs through
        assert not failed and all(c["count"] for c in cells)
    else:
        first = checks[0]
        assert failed == [first], f"expected only the first check (code cell {first}) to fail, got {failed}"
        assert any(e.startswith("CheckFailed") and "not implemented yet" in e for e in cells[first]["errors"]), \
            cells[first]["errors"]
        assert all(c["count"] for c in cells[: first + 1]), "a cell above the first check did not run"
        assert not any(c["count"] for c in cells[first + 1:]), "Run All Cells went on past the failing check"
    assert not page.console_errors, "errors in the browser console:\n" + "\n".join(page.console_errors)


def test_formgrader_renders_without_warnings(page, lab):
    """nbgrader's formgrader, with the course's configuration (course root autograder/ inside the server's root)."""
    page.goto(f"{lab.url}/formgrader")
    page.wait_for_selector("text=Manage Assignments")
    page.wait_for_load_state("networkidle")
    banners = [t.strip() for t in page.locator(".alert").all_inner_texts() if t.strip()]
    assert not banners, f"the formgrader shows warnings: {banners}"
    assert not page.console_errors, "errors in the browser console:\n" + "\n".join(page.console_errors)
