"""Images as graphs: affinities, cuts, the minimum cut and its bias, and normalized cuts.

Notation (as in the lecture)
----------------------------
A graph ``G = (V, E)`` over ``N`` nodes is given by its affinity matrix ``W``: ``w_ij = w_ji >= 0`` is the weight of
the edge between nodes ``i`` and ``j`` (0 where there is no edge), a dense ``(N, N)`` array or a :mod:`scipy.sparse`
CSR matrix. For an image, the nodes are the pixels in raster order: pixel ``(row, col)`` is node ``row * W + col``.
The degree of node ``i`` is ``d_i = sum_j w_ij`` and ``D = diag(d_1, ..., d_N)``. A bipartition ``V = A ∪ B`` is a
boolean ``mask`` of length ``N``: ``A`` holds the nodes where it is True, ``B`` the others.

- **affinity**: ``w_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))`` for points (:func:`~.affinity.gaussian_affinity`);
  for pixels, a colour term times a space term between pixels at most ``radius`` apart
  (:func:`~.affinity.image_affinity`).
- **cut**: ``cut(A, B) = sum_{i in A, j in B} w_ij`` (:func:`~.cuts.cut_value`), the weight of the edges a partition
  removes.
- **association**: ``assoc(A, V) = sum_{i in A, j in V} w_ij = sum_{i in A} d_i`` (:func:`~.cuts.assoc`).
- **minimum cut** (Wu & Leahy 1993): the cut of least value separating a source from a sink
  (:func:`~.cuts.min_cut`). It is biased towards small pieces: a node joined by a few weak edges is cheap to cut off,
  whatever the rest looks like.
- **normalized cut** (Shi & Malik 2000): ``Ncut(A, B) = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V)``
  (:func:`~.cuts.ncut_value`), between 0 and 2. Cutting off a small piece is now expensive: its association is about as
  small as the cut, so one term is close to 1.
- **the relaxation**: minimizing Ncut over bipartitions is NP-hard. Written with an indicator ``y`` (``y_i = 1`` in
  ``A``, ``-b`` in ``B``), ``min Ncut = min_y y^T (D - W) y / y^T D y`` subject to ``y^T D 1 = 0``; letting ``y``
  take real values gives the generalized eigenproblem ``(D - W) y = lambda D y``. Its smallest eigenvalue is 0, with
  ``y = 1`` (no partition); the eigenvector of the second smallest, thresholded, gives the bipartition
  (:func:`~.ncut.ncut_bipartition`). Applied again to the pieces, it gives more segments (:func:`~.ncut.ncut_segment`).

The package reads in three steps: :mod:`~coursekit.graphs.affinity` builds ``W``, :mod:`~coursekit.graphs.cuts`
measures partitions and finds the minimum cut, :mod:`~coursekit.graphs.ncut` finds normalized cuts;
:mod:`~coursekit.graphs._graph` checks the arguments they share.

References
----------
.. [1] J. Shi, J. Malik, "Normalized Cuts and Image Segmentation", IEEE Transactions on Pattern Analysis and Machine
   Intelligence 22(8):888-905, 2000.
.. [2] Z. Wu, R. Leahy, "An Optimal Graph Theoretic Approach to Data Clustering: Theory and Its Application to Image
   Segmentation", IEEE Transactions on Pattern Analysis and Machine Intelligence 15(11):1101-1113, 1993.
.. [3] L. R. Ford, D. R. Fulkerson, "Maximal Flow Through a Network", Canadian Journal of Mathematics 8:399-404, 1956
   (the maximum flow equals the minimum cut).
.. [4] R. B. Lehoucq, D. C. Sorensen, C. Yang, "ARPACK Users' Guide", SIAM, 1998 (the Lanczos eigensolver behind
   :func:`scipy.sparse.linalg.eigsh`).

Examples
--------
Two groups of points on a line, and the Ncut bipartition of their affinity graph:

>>> import numpy as np
>>> X = np.array([[0.0], [0.5], [1.0], [4.0], [4.5]])
>>> W = gaussian_affinity(X, sigma=1.0)
>>> result = ncut_bipartition(W)
>>> result.mask
array([False, False, False,  True,  True])
>>> round(result.ncut, 4) == round(ncut_value(W, result.mask), 4)
True
"""

from .affinity import gaussian_affinity, image_affinity
from .cuts import MinCutResult, assoc, cut_value, min_cut, ncut_value
from .ncut import NcutResult, ncut_bipartition, ncut_segment

__all__ = [
    "gaussian_affinity",
    "image_affinity",
    "cut_value",
    "assoc",
    "ncut_value",
    "min_cut",
    "MinCutResult",
    "ncut_bipartition",
    "NcutResult",
    "ncut_segment",
]
