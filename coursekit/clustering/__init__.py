"""Clustering for segmentation: k-means, Gaussian mixtures fitted by EM, and mean shift.

Notation (as in the lecture)
----------------------------
A point set is an ``(N, D)`` array ``X`` of rows ``x_i`` (for colour segmentation: one row per pixel, ``D = 3``
colour coordinates, possibly with ``(x, y)`` appended). Labels are ``int64`` arrays of shape ``(N,)``.

One algorithm a module, each public function the lecture's algorithm with its equation in the docstring:

- :mod:`~coursekit.clustering.k_means`: **k-means** (Lloyd 1982, MacQueen 1967), ``k`` centres minimising the SSD
  ``J = sum_i ||x_i - c_{l_i}||^2``: the assignment step ``l_i = argmin_j ||x_i - c_j||^2`` (:func:`assign_labels`),
  the update step ``c_j = mean{x_i : l_i = j}`` (:func:`update_centers`), k-means++ seeding (Arthur & Vassilvitskii
  2007, :func:`kmeans_plus_plus`), and Lloyd's loop with its history (:func:`kmeans`, :class:`KMeansResult`).
- :mod:`~coursekit.clustering.mixture`: a **Gaussian mixture** ``p(x) = sum_j pi_j N(x | mu_j, Sigma_j)`` fitted by
  EM (Dempster, Laird & Rubin 1977): responsibilities ``gamma_ij = pi_j N(x_i | mu_j, Sigma_j) / p(x_i)``
  (:func:`e_step`), re-estimated parameters (:func:`m_step`), the loop (:func:`gmm_em`, :class:`GMMResult`).
- :mod:`~coursekit.clustering.meanshift`: **mean shift** (Comaniciu & Meer 2002), ``y <- m(y)`` with
  ``m(y) = sum_i K(x_i - y) x_i / sum_i K(x_i - y)`` (:func:`mean_shift_step`) up to a mode of the kernel density;
  a point's segment is the mode its own trajectory reaches, its basin of attraction (:func:`mean_shift`,
  :class:`MeanShiftResult`).
- :mod:`~coursekit.clustering.segments`: :func:`segment_image`, the image of the segments' mean colours.

Speed lives apart, in :mod:`coursekit.clustering._fast` (tiles, thread pool, Hamerly's bounds, shared mean-shift
steps); the public functions validate their arguments, then call it, and the tests check it against the plain
versions kept next to each algorithm.

References
----------
.. [1] S. P. Lloyd, "Least squares quantization in PCM", IEEE Transactions on Information Theory 28(2):129-137, 1982.
.. [2] J. MacQueen, "Some methods for classification and analysis of multivariate observations", Proc. 5th Berkeley
   Symposium on Mathematical Statistics and Probability, vol. 1, pp. 281-297, 1967.
.. [3] D. Arthur, S. Vassilvitskii, "k-means++: The Advantages of Careful Seeding", Proc. 18th ACM-SIAM Symposium on
   Discrete Algorithms (SODA), pp. 1027-1035, 2007.
.. [4] A. P. Dempster, N. M. Laird, D. B. Rubin, "Maximum Likelihood from Incomplete Data via the EM Algorithm",
   Journal of the Royal Statistical Society B 39(1):1-38, 1977.
.. [5] D. Comaniciu, P. Meer, "Mean Shift: A Robust Approach Toward Feature Space Analysis", IEEE Transactions on
   Pattern Analysis and Machine Intelligence 24(5):603-619, 2002.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
>>> result = kmeans(X, 2, init=X[[0, 2]])
>>> result.labels
array([0, 0, 1, 1])
>>> result.centers
array([[ 0. ,  0.5],
       [10. , 10.5]])
>>> result.inertia
1.0
"""

from .k_means import KMeansResult, KMeansStep, assign_labels, inertia, kmeans, kmeans_plus_plus, update_centers
from .meanshift import MeanShiftResult, mean_shift, mean_shift_step
from .mixture import GMMResult, e_step, gmm_em, m_step
from .segments import segment_image

__all__ = [
    "kmeans",
    "KMeansResult",
    "KMeansStep",
    "assign_labels",
    "update_centers",
    "kmeans_plus_plus",
    "inertia",
    "gmm_em",
    "GMMResult",
    "e_step",
    "m_step",
    "mean_shift",
    "MeanShiftResult",
    "mean_shift_step",
    "segment_image",
]
