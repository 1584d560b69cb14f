"""Colour and position: the feature vector of every pixel for segmentation by clustering.

Row ``i = y * W + x`` of a feature array (raster order) describes the pixel in row ``y`` and column ``x``: its colour
in a colour space (grey, RGB, L*a*b*, L*u*v*), optionally followed by its position ``(x, y)`` scaled to weigh about
as much as the colour.
"""

from __future__ import annotations

import types

import numpy as np

from .._checks import as_image, check_choice, check_nonneg

__all__ = ["COLOR_SPACES", "pixel_features"]

#: The colour spaces of :func:`pixel_features`, with the range ``R`` of their values used to scale positions:
#: 1 for grey and RGB (values in [0, 1]); 100 for L*a*b* and L*u*v* (L* runs from 0 to 100).
COLOR_SPACES = types.MappingProxyType({"gray": 1.0, "rgb": 1.0, "lab": 100.0, "luv": 100.0})


def pixel_features(image, space: str = "rgb", position_weight: float = 0.0) -> np.ndarray:
    """The feature vector of every pixel: its colour in ``space``, optionally followed by its scaled position.

    Row ``i = y * W + x`` of the result (raster order, as ``image.reshape(H * W, -1)``) describes the pixel in
    row ``y`` and column ``x``:

    - ``space="gray"``: ``D = 1``, the grey level in [0, 1] (an RGB image is converted with
      :func:`skimage.color.rgb2gray`: ``0.2125 R + 0.7154 G + 0.0721 B``).
    - ``space="rgb"``: ``D = 3``, ``(R, G, B)`` in [0, 1].
    - ``space="lab"``: ``D = 3``, ``(L*, a*, b*)`` from :func:`skimage.color.rgb2lab` (D65 illuminant, L* in
      [0, 100], a* and b* roughly in [-128, 127]), where Euclidean distances approximate perceived differences.
    - ``space="luv"``: ``D = 3``, ``(L*, u*, v*)`` from :func:`skimage.color.rgb2luv`.

    With ``position_weight = lambda > 0`` two columns are appended, the position ``(x, y)`` scaled by

    ``s = lambda * R / max(H, W)``,  i.e. the columns are ``s * x`` and ``s * y``,

    where ``R`` is the range of the colour space (:data:`COLOR_SPACES`: 1 for grey and RGB, 100 for L*a*b* and
    L*u*v*). Both coordinates use the same scale (distances stay isotropic), and with ``lambda = 1`` the longer
    side of the image spans ``[0, R (max(H, W) - 1) / max(H, W)]``, about the range of the colour values: a step
    across the whole image weighs about as much as the step from black to white. Larger ``lambda`` favours compact
    segments, smaller ``lambda`` segments of uniform colour.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grey or ``(H, W, 3)`` RGB image, floats in [0, 1].
    space : {"gray", "rgb", "lab", "luv"}
        Colour space of the features. A grey image needs ``space="gray"``: the colour spaces are not computed from
        grey (a ValueError says so) because three equal columns would silently change the balance between colour
        and position; convert with :func:`skimage.color.gray2rgb` if that is what you want.
    position_weight : float
        ``lambda >= 0``, the weight of the position; 0 (default) appends no position columns.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(H * W, D)`` with ``D = 1`` (gray) or 3 (rgb, lab, luv), plus 2 when ``position_weight > 0``;
        the position columns are ``(x, y)``, column then row.

    Raises
    ------
    ValueError
        For an image that is not ``(H, W)`` or ``(H, W, 3)``, contains NaN or infinity or values outside [0, 1];
        an unknown ``space``; a grey image with a colour space other than ``"gray"``; a negative or non-finite
        ``position_weight``.
    TypeError
        For a non-numeric image, a ``space`` that is not a str or a ``position_weight`` that is not a number.

    References
    ----------
    .. [1] D. Comaniciu, P. Meer, "Mean Shift: A Robust Approach Toward Feature Space Analysis", IEEE TPAMI
       24(5):603-619, 2002. Joint spatial-range features ``(x, y, L*, u*, v*)``, each part scaled by its bandwidth.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((2, 3, 3))
    >>> image[1, 2] = [1.0, 0.5, 0.0]
    >>> features = pixel_features(image, space="rgb", position_weight=1.0)
    >>> features.shape
    (6, 5)
    >>> features[5]  # row y = 1, column x = 2: colour, then (x, y) / max(H, W)
    array([1.        , 0.5       , 0.        , 0.66666667, 0.33333333])
    >>> pixel_features(image, space="lab")[5].round()
    array([67., 43., 74.])
    """
    key = check_choice(space.strip().lower() if isinstance(space, str) else space, "space", sorted(COLOR_SPACES))
    weight = check_nonneg(position_weight, "position_weight")
    img = as_image(image)
    h, w = img.shape[:2]
    if img.ndim == 2 and key != "gray":
        raise ValueError(f"space={key!r} needs an RGB image (H, W, 3), got a grey image of shape {img.shape}; use "
                         f"space='gray', or convert it with skimage.color.gray2rgb")

    if key == "gray":
        if img.ndim == 3:
            from skimage.color import rgb2gray

            img = rgb2gray(img)
        colour = img.reshape(h * w, 1)
    elif key == "rgb":
        colour = img.reshape(h * w, 3)
    else:
        from skimage.color import rgb2lab, rgb2luv

        colour = (rgb2lab if key == "lab" else rgb2luv)(img).reshape(h * w, 3)
    colour = np.array(colour, dtype=np.float64)  # a copy: the result never shares memory with the input
    if weight == 0.0:
        return colour
    scale = weight * COLOR_SPACES[key] / max(h, w)
    y, x = np.divmod(np.arange(h * w), w)
    position = np.stack([x, y], axis=1).astype(np.float64) * scale
    return np.concatenate([colour, position], axis=1)
