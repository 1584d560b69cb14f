"""coursekit: reference implementations, data, plots, widgets and grading for the image segmentation course.

Submodules are imported on demand so that ``import coursekit`` stays fast:

- :mod:`coursekit.data`     bundled images and generators with ground truth
- :mod:`coursekit.metrics`  segmentation metrics from one confusion matrix
- :mod:`coursekit.viz`      figures: images, label maps, overlays, confusion matrices
- :mod:`coursekit.widgets`  interactive explorers (ipywidgets)
- :mod:`coursekit.grading`  the exercise registry and ``check``
"""

__version__ = "0.1.0"
