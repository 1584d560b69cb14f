"""The explorers' shared base: a figure drawn once, sliders, a line of text, and a blitted picture.

An explorer shows a matplotlib figure as a PNG in an ``ipywidgets.Image``, under its sliders and a line of text
(HTML). Building it draws the whole figure once, fixes its layout, and keeps its pixels without the *moving* artists
(those that change with the sliders). A slider step then does only what changes (blitting):

1. validate the new parameters (a refused value changes nothing: not the parameters, the sliders or the picture);
2. set the moving artists' data for the new parameters (``_move``);
3. restore the kept pixels, draw the moving artists on them (``_draw_moving``), encode the PNG;
4. set the sliders to the parameters (without calling back) and update the text (``_readout``).

Everything else a step needs (clustering runs, sorted probabilities, rendered labels) is computed once and cached by
the explorer, so that a step costs a few milliseconds (the guide's budget: 50 ms in the kernel, 300 ms from key press
to picture; ``benchmarks/bench_widgets.py`` measures it against a full redraw).

A new explorer subclasses :class:`Explorer`, precomputes what it can in ``__init__`` and ends it with
``super().__init__(params, figsize)``; then it says what its parameters are, what the figure shows and what moves::

    class ThresholdExplorer(Explorer):
        def _validated(self, params): ...      # the checked parameters (TypeError, ValueError); no side effects
        def _draw(self, figure): ...           # draw the figure; return the moving artists
        def _sliders(self): ...                # {parameter name: ipywidgets slider}
        def _move(self): ...                   # set the moving artists' data from self.params
        def _readout(self): ...                # the text above the picture (HTML)

        def update(self, threshold):           # what the slider calls, by the parameter's name
            self._apply(threshold=threshold)
            return self.metrics(threshold)

The picture of every step is drawn by this module; an explorer that paints pixels itself (the stamps of chapter 4)
extends ``_draw_moving``.

Every explorer looks like the course's other figures: it is drawn in the course's style
(:func:`coursekit.viz.style.course_style`: 72 dots an inch, so one point is one pixel, text of 11 to 14 pixels,
Okabe-Ito colours) whether or not the notebook called :func:`coursekit.viz.use_course_style`; its picture is shown
one pixel for one screen pixel (never stretched, shrunk only where the notebook is narrower), so a figure of the
course's full width (:data:`coursekit.viz.WIDTH`, 12 inches) is 864 pixels wide. A slider's description is shown
whole (its width fits the text, unless the explorer sets one).
"""

from __future__ import annotations

import io
from contextlib import contextmanager

import numpy as np

from ..viz.style import DPI, course_style

__all__ = ["Explorer", "png"]


def png(canvas) -> bytes:
    """An Agg canvas's current pixels as RGB PNG bytes (the explorers' figures are opaque: no alpha channel to
    encode; fast compression: such a picture lives for one slider step)."""
    from PIL import Image

    width, height = canvas.get_width_height(physical=True)
    buffer = io.BytesIO()
    Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB").save(
        buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Explorer:
    """Sliders over a figure whose moving artists are redrawn by blitting (see the module's docstring).

    Parameters
    ----------
    params : dict
        The initial parameters, checked by ``_validated``.
    figsize : (float, float)
        Size of the figure in inches (72 dots an inch: the course's full width is 12 inches).

    Attributes
    ----------
    params : dict
        The current parameters.
    sliders : dict of ipywidgets sliders
        One slider a parameter (or a layer), by the name ``update`` takes.
    readout : ipywidgets.HTML
        The text above the picture.
    picture : ipywidgets.Image
        The figure, as a PNG.
    widget : ipywidgets.VBox
        Sliders, text and picture; shown when the explorer is the last expression of a cell.
    figure : matplotlib.figure.Figure
        The figure (a bare Figure, not pyplot's: the notebook's inline backend must not show it again).
    """

    DPI = DPI
    SLIDERS_PER_ROW = 3

    def __init__(self, params: dict, figsize: tuple[float, float]):
        self.params = self._validated(dict(params))
        self._holding = False
        self._build(figsize)

    # -- what an explorer writes ----------------------------------------------------------------------------------

    def _validated(self, params: dict) -> dict:
        """The parameters, checked and normalized; raise TypeError (wrong kind) or ValueError (wrong value)."""
        raise NotImplementedError

    def _draw(self, figure) -> list:
        """Draw the figure (its axes, the static artists, the moving ones) and return the moving artists."""
        raise NotImplementedError

    def _sliders(self) -> dict:
        """The sliders, by the name of the parameter each sets."""
        raise NotImplementedError

    def _move(self) -> None:
        """Set the moving artists' data from ``self.params``."""
        raise NotImplementedError

    def _readout(self) -> str:
        """The text above the picture (HTML), for ``self.params``."""
        raise NotImplementedError

    def _slider_values(self) -> dict:
        """What each slider shows for ``self.params`` (by default the parameter of its name)."""
        return {name: self.params[name] for name in self.sliders}

    def _slider_moved(self, name, value) -> None:
        """A student moved slider ``name`` to ``value`` (by default: ``self.update(name=value)``)."""
        self.update(**{name: value})

    def _laid_out(self) -> None:
        """Called once the figure's layout is fixed, before its pixels are kept (for pixel geometry)."""

    def _draw_moving(self, pixels: np.ndarray) -> None:
        """Draw the moving artists over the restored background (and the frames of their axes over them, as a full
        redraw does); ``pixels`` is the canvas's RGBA buffer (rows from the top), for explorers that paint in numpy."""
        for artist in self._moving:
            self.figure.draw_artist(artist)

    # -- the cycle ---------------------------------------------------------------------------------------------------

    def _build(self, figsize) -> None:
        import ipywidgets as widgets
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        with course_style():
            self.figure = Figure(figsize=figsize, dpi=self.DPI, layout="constrained")
            self._canvas = FigureCanvasAgg(self.figure)
            self._moving = tuple(self._draw(self.figure))
            axes = dict.fromkeys(a.axes for a in self._moving if a.axes is not None and a.axes.axison)
            self._moving += tuple(spine for ax in axes for spine in ax.spines.values() if spine.get_visible())
            self._move()
            self._canvas.draw()                      # lays the figure out with every artist in it,
            self.figure.set_layout_engine("none")    # keeps that layout,
            self._laid_out()
            for artist in self._moving:              # and keeps the pixels of all that does not move
                artist.set_animated(True)
            self._canvas.draw()
            self._background = self._canvas.copy_from_bbox(self.figure.bbox)
        self.sliders = self._sliders()
        for name, slider in self.sliders.items():
            if not slider.style.description_width:  # the whole description, not "bandwidt..."
                slider.style.description_width = "initial"
            slider.observe(lambda change, name=name: self._on_slider(name, change["new"]), names="value")
        self.readout = widgets.HTML()
        # shown at its own size (a VBox would stretch it to the output's width), shrunk where the output is narrower
        width = self._canvas.get_width_height(physical=True)[0]
        self.picture = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px", max_width="100%",
                                                                         height="auto"))
        self._show()
        controls = list(self.sliders.values())
        rows = [widgets.HBox(controls[i: i + self.SLIDERS_PER_ROW])
                for i in range(0, len(controls), self.SLIDERS_PER_ROW)]
        self.widget = widgets.VBox([*rows, self.readout, self.picture])

    def _apply(self, **changes) -> None:
        """Change some parameters and redraw; nothing changes when ``_validated`` refuses them."""
        self.params = self._validated({**self.params, **changes})
        self._move()
        self._show()

    def _show(self) -> None:
        with self._quiet():
            for name, value in self._slider_values().items():
                if self.sliders[name].value != value:
                    self.sliders[name].value = value
        self.picture.value = self._frame()
        self.readout.value = self._readout()

    def _frame(self) -> bytes:
        self._canvas.restore_region(self._background)
        self._draw_moving(np.asarray(self._canvas.buffer_rgba()))
        return png(self._canvas)

    @contextmanager
    def _quiet(self):
        """Change sliders without calling back (the explorer sets them to its own parameters)."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def _on_slider(self, name, value) -> None:
        if not self._holding:
            self._slider_moved(name, value)

    @property
    def slider(self):
        """The slider of an explorer with one slider."""
        (only,) = self.sliders.values()
        return only

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
