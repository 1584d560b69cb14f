"""The notebooks' interactive explorers, by their first name: ``from coursekit import widgets`` then
``widgets.kmeans_explorer(...)``. They live in :mod:`coursekit.explorers`, one module a chapter on a shared blitting
base; this module only re-exports them.

Examples
--------
>>> from coursekit import explorers, widgets
>>> widgets.kmeans_explorer is explorers.kmeans_explorer
True
"""

from .explorers import (KMeansExplorer, MeanShiftExplorer, ReceptiveFieldExplorer, SigmaExplorer, SnakeExplorer,
                        StampExplorer, ThresholdExplorer, dilated_footprint, kmeans_explorer, mean_shift_explorer,
                        receptive_field_explorer, sigma_explorer, snake_explorer, stamp_explorer, threshold_explorer)

__all__ = ["ThresholdExplorer", "threshold_explorer", "StampExplorer", "stamp_explorer", "KMeansExplorer",
           "kmeans_explorer", "MeanShiftExplorer", "mean_shift_explorer", "dilated_footprint", "ReceptiveFieldExplorer",
           "receptive_field_explorer", "SigmaExplorer", "sigma_explorer", "SnakeExplorer", "snake_explorer"]
