"""coursekit: reference implementations, data, plots, widgets and grading for the image segmentation course.

Submodules are imported on demand so that ``import coursekit`` stays fast. The lecture's algorithms, a chapter each:

- :mod:`coursekit.clustering`  k-means, EM for Gaussian mixtures, mean shift (chapter 1)
- :mod:`coursekit.features`    pixel features, filter banks and textons (chapter 1)
- :mod:`coursekit.graphs`      affinities, cuts, normalized cuts (chapter 2)
- :mod:`coursekit.snakes`      deformable contours, greedy and dynamic-programming snakes (chapter 3)
- :mod:`coursekit.upsampling`  transposed convolution (chapter 4)
- :mod:`coursekit.deep`        FCN, U-Net, Dice loss, training, receptive field (chapter 5; PyTorch)
- :mod:`coursekit.metrics`     segmentation metrics from one confusion matrix (chapter 6)

and what every chapter uses:

- :mod:`coursekit.data`        bundled images and generators with ground truth
- :mod:`coursekit.viz`         figures: images, label maps, overlays, confusion matrices
- :mod:`coursekit.explorers`   interactive explorers (ipywidgets), one module a chapter; the notebooks call them
  :mod:`coursekit.widgets`
- :mod:`coursekit.grading`     the exercise registry, ``check``, and the grader
"""

__version__ = "0.1.0"
