"""Images and data generators with ground truth for the course.

Everything here works offline: the photographs are the ones shipped inside scikit-image's wheel (its ``data``
folder), never a download, and every generator is deterministic in its ``seed``.

Conventions: images are float arrays in [0, 1], ``(H, W)`` grey or ``(H, W, 3)`` RGB; label maps are ``int64``
``(H, W)``; ``seed`` is an int or a :class:`numpy.random.Generator`.

- :mod:`~coursekit.data.images`: bundled photographs (camera, coins, astronaut, ...),
  :func:`~.images.available_images` and :func:`~.images.load_image`
- :mod:`~coursekit.data.generators`: the lecture's toy image of three intensities with its labels
  (:func:`~.generators.toy_intensity_image`); circles, squares and triangles on textured backgrounds with their
  masks (:func:`~.generators.synthetic_shapes`); a synthetic foreground probability map for a binary mask
  (:func:`~.generators.soft_prediction`)
- :mod:`~coursekit.data.mosaic`: regions of bundled textures with equal grey-level histograms, with labels
  (:func:`~.mosaic.texture_mosaic`)

Importing the package needs only numpy: scikit-image and scipy are imported by the functions that use them.

Examples
--------
>>> image, labels = toy_intensity_image(seed=0, size=32)
>>> image.shape, labels.shape, int(labels.max())
((32, 32), (32, 32), 2)
"""

from .generators import CLASS_NAMES_SHAPES, soft_prediction, synthetic_shapes, toy_intensity_image
from .images import available_images, load_image
from .mosaic import texture_mosaic

__all__ = [
    "CLASS_NAMES_SHAPES",
    "available_images",
    "load_image",
    "toy_intensity_image",
    "synthetic_shapes",
    "soft_prediction",
    "texture_mosaic",
]
