"""Figures for the course: images, label maps, overlays, side-by-side comparisons and confusion matrices, at sizes
and in colours that read well in JupyterLab.

Every drawing function takes ``ax=None`` (a new figure is made when it is None) and returns the Axes it drew on,
or the Figure for multi-panel figures; none calls ``plt.show()``. Label maps are drawn with one fixed palette
(:func:`label_colors`: class 0 black, then the tab10 colours, ...), so a class has the same colour in every figure,
and with a legend of class names.

- :mod:`~coursekit.viz.style`: the course's figure defaults (:func:`use_course_style`, which every notebook's setup
  cell calls): 72 dots an inch, a full-width figure :data:`WIDTH` = 12 inches (864 pixels, never shrunk by
  JupyterLab on a 1280-pixel screen) and none narrower than :data:`MIN_WIDTH`, text of 11 to 14 pixels, lines in
  the colour-blind-safe Okabe-Ito colours;
- :mod:`~coursekit.viz.palette`: the palette (:func:`label_colors`, :func:`label_cmap`) and label maps painted in it
  (:func:`colorize_labels`); right and wrong in colour-blind-safe colours (:data:`CORRECT` blue, :data:`INCORRECT`
  vermillion; a prediction's true and false positives and false negatives: :func:`outcome_rgb`);
- :mod:`~coursekit.viz.panels`: one image or label map a panel (:func:`show_image`, :func:`show_labels`,
  :func:`overlay`) and rows of them (:func:`side_by_side`);
- :mod:`~coursekit.viz.confusion`: :func:`confusion_heatmap`.

The interactive figures with sliders are in :mod:`coursekit.explorers`. matplotlib is imported when a figure is
drawn, not when this package is imported.

Examples
--------
>>> import numpy as np
>>> fig = side_by_side([np.eye(4), np.eye(4, dtype=int)], titles=["image", "labels"])
>>> [ax.get_title() for ax in fig.axes]
['image', 'labels']
"""

from .confusion import confusion_heatmap
from .palette import (CORRECT, INCORRECT, OUTCOME_COLORS, colorize_labels, label_cmap, label_colors, outcome_patches,
                      outcome_rgb)
from .panels import overlay, show_image, show_labels, side_by_side
from .style import DPI, MIN_WIDTH, OKABE_ITO, STYLE, WIDTH, course_style, use_course_style

__all__ = [
    "use_course_style",
    "course_style",
    "STYLE",
    "DPI",
    "WIDTH",
    "MIN_WIDTH",
    "OKABE_ITO",
    "CORRECT",
    "INCORRECT",
    "OUTCOME_COLORS",
    "outcome_rgb",
    "outcome_patches",
    "label_colors",
    "label_cmap",
    "colorize_labels",
    "show_image",
    "show_labels",
    "overlay",
    "side_by_side",
    "confusion_heatmap",
]
