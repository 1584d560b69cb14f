"""Interactive explorers for the notebooks (ipywidgets 8): sliders over a figure that redraws at once.

One module a chapter, each explorer built on :class:`~coursekit.explorers.base.Explorer`, the shared blitting base
(the figure is drawn once; a slider step redraws only what moves and encodes one PNG, shown in an
``ipywidgets.Image``, which works the same in JupyterLab, Notebook 7, the course's website and headless tests):

- :mod:`~coursekit.explorers.ch01_clustering`: :class:`KMeansExplorer` (``k`` and the position weight) and
  :class:`MeanShiftExplorer` (the bandwidth) on a photograph;
- :mod:`~coursekit.explorers.ch02_affinity_ncuts`: :class:`SigmaExplorer`, the scale of a Gaussian affinity: the
  graph, its affinity matrix and its normalized-cut bipartition;
- :mod:`~coursekit.explorers.ch03_snakes`: :class:`SnakeExplorer`, a snake's weights (tension, curvature, edges) and
  its initial circle, and where dynamic programming takes it;
- :mod:`~coursekit.explorers.ch04_transposed_convolution`: :class:`StampExplorer`, the stamps of a transposed
  convolution and its output size;
- :mod:`~coursekit.explorers.ch05_fcn_unet`: :class:`ReceptiveFieldExplorer`, the receptive field of dilated
  convolutions and its holes (:func:`dilated_footprint`);
- :mod:`~coursekit.explorers.ch06_metrics`: :class:`ThresholdExplorer`, IoU, Dice, precision and recall of a
  thresholded soft prediction.

Each explorer has a function that builds it (``kmeans_explorer(...)``), to be the last expression of a cell, and an
``update(...)`` method that does what its sliders do and returns the numbers shown. matplotlib and ipywidgets are
imported when an explorer is built, not when this package is imported.

Examples
--------
>>> explorer = stamp_explorer([[1, 2], [3, 4]], stride=2, padding=1, kernel_size=3)
>>> explorer.update(stride=1)
(2, 2)
>>> sorted(explorer.sliders)
['kernel_size', 'output_padding', 'padding', 'stride']
"""

from .ch01_clustering import KMeansExplorer, MeanShiftExplorer, kmeans_explorer, mean_shift_explorer
from .ch02_affinity_ncuts import SigmaExplorer, sigma_explorer
from .ch03_snakes import SnakeExplorer, snake_explorer
from .ch04_transposed_convolution import StampExplorer, stamp_explorer
from .ch05_fcn_unet import ReceptiveFieldExplorer, dilated_footprint, receptive_field_explorer
from .ch06_metrics import ThresholdExplorer, threshold_explorer

__all__ = ["KMeansExplorer", "kmeans_explorer", "MeanShiftExplorer", "mean_shift_explorer", "SigmaExplorer",
           "sigma_explorer", "StampExplorer", "stamp_explorer", "dilated_footprint", "ReceptiveFieldExplorer",
           "receptive_field_explorer", "ThresholdExplorer", "threshold_explorer", "SnakeExplorer", "snake_explorer"]
