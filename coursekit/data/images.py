"""The photographs shipped with scikit-image, loaded as the course's float images in [0, 1]."""

from __future__ import annotations

import difflib
import functools
import os

import numpy as np

__all__ = ["available_images", "load_image"]

# name -> (file in skimage's data folder, how to read it)
#   "rgb":  as stored (an alpha channel, if any, is dropped)
#   "gray": read as grey, like the skimage.data function of the same name
#   "bool": the horse silhouette, thresholded like skimage.data.horse()
_IMAGES = {
    "astronaut": ("astronaut.png", "rgb"),
    "brick": ("brick.png", "gray"),
    "camera": ("camera.png", "rgb"),
    "cell": ("cell.png", "rgb"),
    "chelsea": ("chelsea.png", "rgb"),
    "checkerboard": ("chessboard_GRAY.png", "rgb"),
    "clock": ("clock_motion.png", "rgb"),
    "coffee": ("coffee.png", "rgb"),
    "coins": ("coins.png", "rgb"),
    "colorwheel": ("color.png", "rgb"),
    "grass": ("grass.png", "gray"),
    "gravel": ("gravel.png", "gray"),
    "horse": ("horse.png", "bool"),
    "hubble_deep_field": ("hubble_deep_field.jpg", "rgb"),
    "immunohistochemistry": ("ihc.png", "rgb"),
    "logo": ("logo.png", "rgb"),
    "microaneurysms": ("microaneurysms.png", "rgb"),
    "moon": ("moon.png", "rgb"),
    "page": ("page.png", "rgb"),
    "retina": ("retina.jpg", "rgb"),
    "rocket": ("rocket.jpg", "rgb"),
    "shepp_logan_phantom": ("phantom.png", "gray"),
    "text": ("text.png", "rgb"),
}


def _image_key(name: str, what: str = "image") -> str:
    """The key of an image name (case and surrounding spaces ignored); ValueError naming the closest one."""
    key = name.strip().lower()
    if key not in _IMAGES:
        close = difflib.get_close_matches(key, available_images(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown {what} {name!r}.{hint} Available images: {', '.join(available_images())}")
    return key


def available_images() -> list[str]:
    """Names of the images :func:`load_image` can load, sorted.

    Returns
    -------
    list of str
        Names such as ``"camera"``, ``"coins"``, ``"astronaut"``; each is the name of the ``skimage.data`` function
        that returns the same picture.

    Examples
    --------
    >>> from coursekit.data import available_images
    >>> "camera" in available_images()
    True
    """
    return sorted(_IMAGES)


@functools.lru_cache(maxsize=None)
def _load_cached(name: str, as_gray: bool) -> np.ndarray:
    import skimage.data
    from skimage.io import imread
    from skimage.util import img_as_bool, img_as_float

    file, mode = _IMAGES[name]
    path = os.path.join(skimage.data.data_dir, file)
    if mode == "bool":
        image = img_as_bool(imread(path, as_gray=True)).astype(np.float64)
    else:
        image = imread(path, as_gray=(mode == "gray"))
        if image.ndim == 3 and image.shape[-1] == 4:
            image = image[..., :3]
        image = img_as_float(image).astype(np.float64, copy=False)
    if as_gray and image.ndim == 3:
        from skimage.color import rgb2gray

        image = rgb2gray(image)
    image = np.clip(image, 0.0, 1.0)
    image.flags.writeable = False
    return image


def load_image(name: str, as_gray: bool = False) -> np.ndarray:
    """Load one of the images shipped with scikit-image, as floats in [0, 1].

    The files are read from scikit-image's own ``data`` folder, so nothing is ever downloaded. Decoded images are
    cached; each call returns a fresh copy that the caller may modify.

    Parameters
    ----------
    name : str
        One of :func:`available_images`, e.g. ``"camera"``, ``"coins"``, ``"astronaut"``, ``"coffee"``.
    as_gray : bool
        Convert RGB images to grey with :func:`skimage.color.rgb2gray` (grey images are returned as they are).

    Returns
    -------
    numpy.ndarray
        ``float64`` in [0, 1]: ``(H, W)`` for grey images, ``(H, W, 3)`` for RGB ones. An alpha channel (``"logo"``)
        is dropped. ``"brick"``, ``"grass"``, ``"gravel"`` and ``"shepp_logan_phantom"`` are grey, as in
        ``skimage.data``. ``"horse"`` is a binary silhouette exactly as ``skimage.data.horse()`` returns it, as
        floats: the horse is 0.0 (black) on a background of 1.0 (white).

    Raises
    ------
    TypeError
        When ``name`` is not a str.
    ValueError
        For an unknown name; the message lists the available names and the closest match.

    Examples
    --------
    >>> from coursekit.data import load_image
    >>> image = load_image("camera")
    >>> image.shape, image.dtype
    ((512, 512), dtype('float64'))
    >>> load_image("astronaut", as_gray=True).ndim
    2
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (one of {available_images()}), given {type(name).__name__} {name!r}")
    return _load_cached(_image_key(name), bool(as_gray)).copy()

