"""The course's figure defaults: one size of a full-width figure, fonts read at the size JupyterLab shows them, and
colour-blind-safe colours.

A figure is drawn at :data:`DPI` = 72 dots an inch, so that one point is one pixel of the picture, and JupyterLab
shows a picture one pixel for one screen pixel (at its default zoom) as long as it fits the notebook's width; a wider
picture is shrunk to fit, and its text with it. A full-width figure is :data:`WIDTH` = 12 inches, 864 pixels: the
width of a notebook's output in JupyterLab on a 1280-pixel-wide screen with the file browser open; it is never
shrunk there, and it fills 80 % of the output on a 1500-pixel screen. Figures of the course are that wide, or at
least :data:`MIN_WIDTH` (60 % of it): a narrow plot sits beside another rather than alone. Text is 11 to 14 pixels
(tick labels 11, labels and legends 12, titles 13, a figure's title 14). Lines and markers follow the Okabe-Ito
palette (:data:`OKABE_ITO`), which readers with any common colour-vision deficiency tell apart.

The notebooks' setup cell calls :func:`use_course_style` once; the explorers draw their figures inside
:func:`course_style`, so they look the same with or without it. Nothing here imports matplotlib until one of the two
is called.

Examples
--------
>>> STYLE["figure.dpi"], STYLE["axes.titlesize"]
(72, 13)
>>> WIDTH * DPI
864.0
"""

from __future__ import annotations

__all__ = ["DPI", "WIDTH", "MIN_WIDTH", "OKABE_ITO", "STYLE", "use_course_style", "course_style"]

#: Dots per inch of every figure: one point (the unit of font sizes and line widths) is one pixel.
DPI = 72
#: Width of a full-width figure, in inches (864 pixels at :data:`DPI`).
WIDTH = 12.0
#: The narrowest a figure of the course is drawn, in inches (60 % of :data:`WIDTH`).
MIN_WIDTH = 0.6 * WIDTH

#: Okabe & Ito's eight colours (2008), distinguishable with any common colour-vision deficiency: black, orange, sky
#: blue, bluish green, yellow, blue, vermillion, reddish purple. Lines take them in the order of :data:`STYLE`'s
#: cycle (blue first).
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7"}

_CYCLE = [OKABE_ITO[name] for name in ("blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue",
                                      "yellow", "black")]

#: matplotlib's settings (rcParams) of the course's figures.
STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "figure.figsize": (WIDTH, 4.0),
    "figure.constrained_layout.use": True,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 12,
    "figure.titlesize": 14,
    "axes.prop_cycle": "cycler('color', [" + ", ".join(f"'{c}'" for c in _CYCLE) + "])",
}


def use_course_style() -> None:
    """Apply :data:`STYLE` to every figure drawn from now on (matplotlib's ``rcParams``).

    The notebooks' setup cell calls it once, after ``%matplotlib inline``.

    Examples
    --------
    >>> import matplotlib
    >>> with matplotlib.rc_context():
    ...     use_course_style()
    ...     matplotlib.rcParams["figure.dpi"], matplotlib.rcParams["figure.figsize"]
    (72.0, [12.0, 4.0])
    """
    import matplotlib

    matplotlib.rcParams.update(STYLE)


def course_style():
    """A context in which figures are drawn with :data:`STYLE` (matplotlib's ``rc_context``); the settings before it
    are back when it ends.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> with course_style():
    ...     fig = Figure()
    >>> fig.get_dpi(), fig.get_size_inches().tolist()
    (72.0, [12.0, 4.0])
    """
    import matplotlib

    return matplotlib.rc_context(STYLE)
