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

The full references (Lloyd 1982; MacQueen 1967; Arthur & Vassilvitskii 2007; Hamerly 2010; Dempster, Laird & Rubin
1977; Comaniciu & Meer 2002) are in each module's docstring.

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
