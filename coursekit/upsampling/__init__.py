"""Transposed convolution ("deconvolution"), the learned upsampling of fully convolutional networks, in numpy.

Notation (as in the lecture)
----------------------------
An input ``x`` of ``H x W`` pixels (``N`` images of ``C_in`` channels: shape ``(N, C_in, H, W)``, PyTorch's layout),
a kernel of ``k_H x k_W`` taps, stride ``s``, padding ``p``, output padding ``a`` ("output_padding") and dilation
``d``. Every argument of size may be one integer or a pair ``(height, width)``.

A **transposed convolution** lets every input pixel ``x[i, j]`` **stamp** a copy of the kernel, scaled by
``x[i, j]``, onto an output canvas at ``(i s, j s)``; overlapping stamps are summed. The canvas has
``(H - 1) s + d (k - 1) + 1`` rows (the dilated kernel spans ``d (k - 1) + 1`` rows); ``p`` rows are then cropped
from the top and from the bottom, and ``a`` rows of the cropped bottom are given back (zeros where the canvas ends), so
that

    ``H_out = (H - 1) s - 2 p + d (k - 1) + a + 1``        (:func:`conv_transpose_output_size`)

which is the shape of the input of a convolution with the same ``k, s, p, d`` whose output is ``H x W``. Three views
of the same linear map, each a function here:

- **stamps** (the lecture's worked example, :func:`stamp_steps`; vectorized in :func:`conv_transpose2d`: one strided
  addition a kernel tap);
- **zeros inserted** between the pixels (:func:`zero_insert`), the result padded by ``d (k - 1) - p`` and convolved
  (:func:`conv2d`, stride 1) with the kernel flipped in both axes and its channel axes swapped (Dumoulin & Visin 2016);
- **the transposed matrix**: writing a convolution as ``y = C x`` on raveled images, the transposed convolution is
  ``x' = C^T y'`` (:func:`conv_transpose_matrix`), hence its name; it is the adjoint of the convolution,
  ``<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>``, and the gradient of a convolution with respect to its input.

FCN (Long et al. 2015) initializes its upsampling layers with bilinear interpolation (:func:`bilinear_kernel`).
When ``k`` is not a multiple of ``s`` the stamps overlap unevenly and the output shows checkerboard artifacts (Odena
et al. 2016).

One module a part: :mod:`~coursekit.upsampling.transposed` (the output size and :func:`conv_transpose2d`),
:mod:`~coursekit.upsampling.convolution` (:func:`conv2d`), :mod:`~coursekit.upsampling.views` (the stamps one by one,
zeros inserted, the transposed matrix) and :mod:`~coursekit.upsampling.bilinear` (:func:`bilinear_kernel`). Speed
lives apart, in :mod:`coursekit.upsampling._fast` (every stamp from one matrix product), tested equal to the plain
stamps; the argument checks are in :mod:`coursekit.upsampling._validate`.

Every function here is pure numpy; the tests compare them with ``torch.nn.functional.conv_transpose2d`` and
``torch.nn.functional.conv2d``.

References
----------
.. [1] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015,
   pp. 3431-3440. Section 3.3: "upsampling is backwards strided convolution"; in-network upsampling layers
   initialized to bilinear interpolation.
.. [2] V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285, 2016.
   Section 4: transposed convolution as the transposed matrix ``C^T``, as a convolution of the zero-inserted input,
   and its output-size relationships.
.. [3] A. Odena, V. Dumoulin, C. Olah, "Deconvolution and Checkerboard Artifacts", Distill, 2016.
   doi:10.23915/distill.00003. Uneven overlap of the stamps when the kernel size is not divisible by the stride.

Examples
--------
The lecture's worked example: a 2 x 2 input, a 3 x 3 kernel of ones, stride 2, padding 1.

>>> import numpy as np
>>> x = np.array([[1, 2], [3, 4]])
>>> steps = stamp_steps(x, np.ones((3, 3), dtype=int), stride=2, padding=1)
>>> steps.canvas
array([[ 1,  1,  3,  2,  2],
       [ 1,  1,  3,  2,  2],
       [ 4,  4, 10,  6,  6],
       [ 3,  3,  7,  4,  4],
       [ 3,  3,  7,  4,  4]])
>>> steps.output
array([[ 1,  3,  2],
       [ 4, 10,  6],
       [ 3,  7,  4]])
>>> conv_transpose2d(x[None, None], np.ones((1, 1, 3, 3), dtype=int), stride=2, padding=1)[0, 0]
array([[ 1,  3,  2],
       [ 4, 10,  6],
       [ 3,  7,  4]])
"""

from .bilinear import bilinear_kernel
from .convolution import conv2d
from .transposed import conv_transpose2d, conv_transpose_output_size
from .views import Stamp, StampSteps, conv_transpose_matrix, stamp_steps, zero_insert

__all__ = [
    "conv_transpose_output_size",
    "conv_transpose2d",
    "conv2d",
    "stamp_steps",
    "Stamp",
    "StampSteps",
    "zero_insert",
    "conv_transpose_matrix",
    "bilinear_kernel",
]
