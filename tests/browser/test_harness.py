"""The browser tests can fail: two broken widgets, in a scratch notebook beside the course, are caught.

One slider redraws its picture but its text states a wrong value; the other changes its text but never its picture.
Moving the first must fail the value check of the chapter tests, and moving the second must never count as done.
"""

from __future__ import annotations

import nbformat
import pytest

from . import lab as jl
from .test_notebooks import _check_move

pytestmark = pytest.mark.browser

SETUP = '''\
import io

import ipywidgets as widgets
from PIL import Image


def png(level):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (int(level * 255), 0, 0)).save(buffer, format="png")
    return buffer.getvalue()
'''

WRONG_VALUE = '''\
# redraws the picture, but its text says a value the slider does not have
slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.01, description="threshold")
text, picture = widgets.HTML("<b>t = 0.50</b>"), widgets.Image(format="png", value=png(0.5))

def wrong(change):
    picture.value = png(change["new"])
    text.value = f"<b>t = {change['new'] + 0.1:.2f}</b>"

slider.observe(wrong, names="value")
widgets.VBox([slider, text, picture])
'''

FROZEN_PICTURE = '''\
# updates its text, never its picture
frozen = widgets.IntSlider(value=3, min=0, max=10, description="frozen")
frozen_text, frozen_picture = widgets.HTML("n = 3"), widgets.Image(format="png", value=png(0.3))
frozen.observe(lambda change: setattr(frozen_text, "value", f"n = {change['new']}"), names="value")
widgets.VBox([frozen, frozen_text, frozen_picture])
'''


def test_a_wrong_value_and_a_frozen_picture_are_caught(page, lab):
    folder = lab.root / "scratch"
    folder.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (SETUP, WRONG_VALUE, FROZEN_PICTURE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, folder / "broken_widgets.ipynb")

    jl.open_notebook(page, lab, "scratch/broken_widgets.ipynb")
    jl.run_all(page, 120)
    wrong, frozen = jl.sliders(page)
    assert (wrong.label, frozen.label) == ("threshold", "frozen")

    move = jl.press(page, wrong, "ArrowRight")
    with pytest.raises(AssertionError, match="the slider reads 0.51 but the widget says"):
        _check_move(move)

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with pytest.raises(PlaywrightTimeout):
        jl.press(page, frozen, "ArrowRight", timeout_s=5)
    assert not page.console_errors, "errors in the browser console:\n" + "\n".join(page.console_errors)
