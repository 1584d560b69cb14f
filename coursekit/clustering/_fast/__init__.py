"""Speed for the clustering references: the same steps as their plain versions, computed faster.

The public modules (:mod:`coursekit.clustering.k_means`, :mod:`~coursekit.clustering.mixture`,
:mod:`~coursekit.clustering.meanshift`) validate their arguments, then call these kernels: here the data are assumed
valid (float64, C-contiguous, finite, shapes that agree). Each kernel is tested equal to the plain numpy version of the
same step (``tests/test_clustering.py``, "fast kernels equal the plain versions"); ``benchmarks/bench_clustering.py``
is where their speed is judged.

- :mod:`.threads`: a small thread pool for tiles and chunks of points (numpy releases the GIL in its loops),
  re-created in a forked child; the tile size under which OpenBLAS computes a product on one thread.
- :mod:`.nearest`: nearest and second-nearest centre of every point with matrix products in tiles, near-ties
  decided again with the direct formula (the assignment step).
- :mod:`.lloyd`: Lloyd's iterations with Hamerly's distance bounds, cluster sums updated from the points that changed.
- :mod:`.gaussian`: log-densities of all mixture components, and the M-step's weighted sums, in tiles.
- :mod:`.windows`: mean-shift windows for many positions at once (exact flat-kernel edges), steps shared between
  trajectories that meet, and bin seeding's grid cells counted with integer keys.
"""

from .gaussian import log_gaussian, moments
from .lloyd import lloyd
from .nearest import nearest_centre
from .windows import Windows, count_cells, shared, unique_rows

__all__ = ["log_gaussian", "moments", "lloyd", "nearest_centre", "Windows", "count_cells", "shared",
           "unique_rows"]
