"""Snakes (active contours): a discrete contour minimizing an energy, greedily or by dynamic programming.

Notation (as in the lecture)
----------------------------
A contour is an ``(n, 2)`` float array ``v`` of vertices ``v_i = (x_i, y_i)``: ``x`` the column, ``y`` the row
(scikit-image's ``active_contour`` takes ``(row, col)``: swap the columns, ``v[:, ::-1]``, when handing one over).
A contour is closed (indices modulo ``n``) unless ``closed=False``. Its energy is

    ``E(v) = E_int(v) + gamma * E_ext(v) + lambda * E_prior(v)``

- **internal energy** (:func:`~.energies.internal_energy`), tension and curvature:
  ``E_int = sum_i alpha ||v_{i+1} - v_i||^2 + beta ||v_{i+1} - 2 v_i + v_{i-1}||^2``.
  The squared tension alone pulls every vertex towards its neighbours and so shrinks a snake to a point;
  ``tension="spacing"`` uses ``alpha (dbar - ||v_{i+1} - v_i||)^2`` instead, with ``dbar`` the mean spacing of the
  contour, which keeps the vertices evenly spread without shrinking (Williams & Shah 1992).
- **external energy** (:func:`~.energies.external_energy`): ``E_ext = sum_i E_image(v_i)``, an energy image sampled
  bilinearly at the vertices; for edges (:func:`~.energies.edge_energy`) ``E_image = -(G_x^2 + G_y^2)``, the squared
  gradient magnitude of the smoothed image with a minus sign, low on edges.
- **shape prior** (:func:`~.energies.shape_prior_energy`): ``E_prior = sum_i ||v_i - vhat_i||^2``, pulling towards a
  template ``vhat`` with weight ``lambda`` (``prior_weight``). The steps take it as ``prior=vhat,
  prior_weight=lambda``: one more term of each vertex alone, like the image term, the template staying where it is.

Minimization over a discrete search space: each vertex may move by an integer offset ``(dx, dy)`` in a
``window x window`` neighbourhood (``r = window // 2``, so ``dx, dy in -r..r``).

- **greedy** (:func:`~.steps.greedy_step`, Williams & Shah 1992): vertices in turn, each to its best offset with the
  others where they are at that moment. Cheap, but one vertex at a time: it stalls where moving two together would
  help.
- **dynamic programming** (:func:`~.steps.dp_step`, Amini, Weymouth & Jain 1990): the exact minimum over all
  ``window^(2n)`` combinations of offsets, by the Viterbi algorithm. The curvature couples three consecutive vertices,
  so the states of the programme are *pairs* of consecutive positions:

      ``S_{i+1}(b, c) = min_a [S_i(a, b) + beta ||c - 2b + a||^2] + alpha ||c - b||^2 + U_{i+1}(c)``

  with ``U_i(c) = gamma E_image(c) + lambda ||c - vhat_i||^2`` the terms of a single vertex. A closed contour is no
  chain, so two consecutive vertices stay pinned where they are: the rest is a chain with known ends, and the step
  is exact and never worse than the current contour. :func:`~.minimize.snake_dp` moves the pinned pair around the
  contour.

:func:`~.minimize.snake_greedy` and :func:`~.minimize.snake_dp` iterate their steps until nothing moves; the energy
never increases.
The original snakes (Kass, Witkin & Terzopoulos) move all vertices at once by a semi-implicit gradient step; that is
what :func:`skimage.segmentation.active_contour` does (there ``gamma`` is a step size, not the weight above).

The package reads in three steps: :mod:`~coursekit.snakes.energies` (the terms of ``E``),
:mod:`~coursekit.snakes.steps` (one greedy or dynamic-programming step), :mod:`~coursekit.snakes.minimize` (steps
until nothing moves); :mod:`~coursekit.snakes._validate` checks the arguments they share.

References
----------
.. [1] M. Kass, A. Witkin, D. Terzopoulos, "Snakes: Active contour models", International Journal of Computer Vision
   1(4):321-331, 1988 (first presented at ICCV 1987).
.. [2] D. J. Williams, M. Shah, "A fast algorithm for active contours and curvature estimation", CVGIP: Image
   Understanding 55(1):14-26, 1992.
.. [3] A. A. Amini, T. E. Weymouth, R. C. Jain, "Using dynamic programming for solving variational problems in
   vision", IEEE Transactions on Pattern Analysis and Machine Intelligence 12(9):855-867, 1990.

Examples
--------
A blurred disc of radius 10 and a snake started on a circle of radius 13 around it:

>>> import numpy as np
>>> from scipy import ndimage
>>> yy, xx = np.mgrid[:40, :40]
>>> image = ndimage.gaussian_filter(((xx - 20) ** 2 + (yy - 20) ** 2 < 100).astype(float), 1.5)
>>> energy = edge_energy(image, sigma=0)
>>> result = snake_dp(energy, circle((20, 20), 13, 24), alpha=0.05, beta=0.1, gamma=200)
>>> radii = np.hypot(*(result.contour - 20).T)
>>> bool(abs(radii.mean() - 10) < 1), bool(np.all(np.diff(result.energies) <= 0))
(True, True)
"""

from .energies import edge_energy, external_energy, internal_energy, shape_prior_energy, total_energy
from .minimize import SnakeResult, circle, snake_dp, snake_greedy
from .steps import dp_step, greedy_step

__all__ = [
    "internal_energy",
    "edge_energy",
    "external_energy",
    "shape_prior_energy",
    "total_energy",
    "greedy_step",
    "dp_step",
    "snake_greedy",
    "snake_dp",
    "SnakeResult",
    "circle",
]
