"""Generated images with their ground truth: the lecture's toy image, synthetic shapes, soft predictions."""

from __future__ import annotations

import numpy as np

from .._checks import as_real_array, check_int, check_nonneg, check_seed, rng as _rng

__all__ = ["CLASS_NAMES_SHAPES", "toy_intensity_image", "synthetic_shapes", "soft_prediction"]

#: Class names of the masks of :func:`synthetic_shapes`, indexed by label.
CLASS_NAMES_SHAPES = ("background", "circle", "square", "triangle")

# ---------------------------------------------------------------------------------------------------------------
# the lecture's toy image


def toy_intensity_image(seed=0, size: int = 64, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's toy image: three regions of three intensities, with Gaussian noise.

    A dark disk (intensity 0.1) and a mid-grey rectangle (0.5) on a white-ish background (0.9). The geometry is
    fixed (it scales with ``size``); only the noise depends on ``seed``.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Seed of the noise.
    size : int
        Height and width of the image, at least 16.
    noise : float
        Standard deviation of the Gaussian noise added to every pixel, >= 0; the result is clipped to [0, 1].

    Returns
    -------
    image : numpy.ndarray
        ``float64`` ``(size, size)`` in [0, 1].
    labels : numpy.ndarray
        ``int64`` ``(size, size)``: 0 for the disk (darkest), 1 for the rectangle, 2 for the background (brightest).

    Examples
    --------
    >>> from coursekit.data import toy_intensity_image
    >>> image, labels = toy_intensity_image(seed=0)
    >>> image.shape, labels.dtype, sorted(set(labels.ravel().tolist()))
    ((64, 64), dtype('int64'), [0, 1, 2])
    """
    size = check_int(size, "size", 16)
    noise = check_nonneg(noise, "noise")
    rng = _rng(seed)

    # pixel centres in units of the image size
    r = (np.arange(size)[:, None] + 0.5) / size
    c = (np.arange(size)[None, :] + 0.5) / size
    labels = np.full((size, size), 2, dtype=np.int64)
    labels[(r >= 0.50) & (r <= 0.86) & (c >= 0.52) & (c <= 0.88)] = 1
    labels[(r - 0.34) ** 2 + (c - 0.32) ** 2 <= 0.2**2] = 0
    levels = np.array([0.1, 0.5, 0.9])
    image = levels[labels] + noise * rng.standard_normal((size, size))
    return np.clip(image, 0.0, 1.0), labels


# ---------------------------------------------------------------------------------------------------------------
# synthetic shapes


def _image_rngs(seed, n: int) -> list[np.random.Generator]:
    """One generator per image, image i's from (seed, i), so that image i does not depend on n."""
    check_seed(seed)
    if seed is None or isinstance(seed, np.random.Generator):
        base = int(np.random.default_rng(seed).integers(0, 2**63 - 1))
    else:
        base = int(seed)
    return [np.random.default_rng([base, i]) for i in range(n)]


def _interp_matrix(size: int, knots: int) -> np.ndarray:
    """(size, knots) linear-interpolation weights from a coarse grid of knots to the pixel grid."""
    x = np.linspace(0.0, knots - 1.0, size)
    lo = np.minimum(np.floor(x).astype(int), knots - 2)
    t = x - lo
    m = np.zeros((size, knots))
    m[np.arange(size), lo] = 1.0 - t
    m[np.arange(size), lo + 1] = t
    return m


def _background(rng: np.random.Generator, size: int, interp: np.ndarray, yy: np.ndarray, xx: np.ndarray):
    knots = interp.shape[1]
    base = rng.uniform(0.1, 0.9, size=3)
    coarse = rng.normal(0.0, 0.12, size=(knots, knots, 3))
    # smooth low-frequency colour variation: the coarse grid interpolated bilinearly, as two matrix products
    field = (interp @ (interp @ coarse.transpose(2, 1, 0)).transpose(0, 2, 1)).transpose(1, 2, 0)
    image = base + field
    kind = rng.integers(0, 3)  # 0: plain, 1: stripes, 2: checker
    if kind > 0:
        other = rng.uniform(0.0, 1.0, size=3)
        weight = rng.uniform(0.15, 0.4)
        if kind == 1:
            angle = rng.uniform(0.0, np.pi)
            freq = rng.uniform(2.0, 7.0) * 2.0 * np.pi / size
            pattern = 0.5 + 0.5 * np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)) + rng.uniform(0, 2 * np.pi))
        else:
            period = rng.uniform(size / 8.0, size / 3.0)
            pattern = ((np.floor(yy / period) + np.floor(xx / period)) % 2).astype(float)
        image = image + weight * pattern[..., None] * (other - image)
    return np.clip(image, 0.0, 1.0)


def _shape_pixels(rng, cls: int, size: int, max_rotation: float):
    """Row and column indices of one random shape of class ``cls`` (1 circle, 2 square, 3 triangle)."""
    from skimage.draw import disk, polygon

    # the shape's scale, at least size / 10: the square's half side; the circle's radius and the triangle's
    # circumradius are scaled so that the three classes have about the same area (size does not tell the class)
    rho = rng.uniform(size / 10.0, size / 5.0)
    if cls == 1:
        radius = 1.1 * rho
        extent = radius
    elif cls == 2:
        half = rho
        theta = np.deg2rad(rng.uniform(-max_rotation, max_rotation))
        extent = half * (abs(np.cos(theta)) + abs(np.sin(theta)))
    else:
        radius = 1.9 * rho
        extent = radius
    # keep the whole shape inside the image
    lo, hi = extent, size - 1.0 - extent
    cy, cx = (rng.uniform(lo, hi, size=2) if hi > lo else np.full(2, (size - 1) / 2.0))
    if cls == 1:
        return disk((cy, cx), radius, shape=(size, size))
    if cls == 2:
        corners = np.array([[-1, -1], [-1, 1], [1, 1], [1, -1]], dtype=float) * half
        rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        pts = corners @ rot.T
    else:
        angles = rng.uniform(0, 2 * np.pi) + np.deg2rad([0.0, 120.0, 240.0] + rng.uniform(-15, 15, size=3))
        radii = radius * rng.uniform(0.85, 1.0, size=3)
        pts = np.stack([radii * np.sin(angles), radii * np.cos(angles)], axis=1)
    return polygon(cy + pts[:, 0], cx + pts[:, 1], shape=(size, size))


def _distinct_colour(rng: np.random.Generator, local: np.ndarray) -> np.ndarray:
    """A random colour, independent of the shape's class, at least 0.4 from the background colour ``local`` under
    the shape (the farthest of 20 tries when none is that far)."""
    best, best_dist = None, -1.0
    for _try in range(20):
        colour = rng.uniform(0.0, 1.0, size=3)
        dist = float(np.linalg.norm(colour - local))
        if dist > best_dist:
            best, best_dist = colour, dist
        if dist >= 0.4:
            break
    return best


def synthetic_shapes(
    n: int,
    size: int = 64,
    seed=0,
    *,
    num_shapes: int | tuple[int, int] = (1, 3),
    max_rotation: float = 15.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Random RGB images of circles, squares and triangles on textured backgrounds, with their masks.

    Each image has a smooth random background (low-frequency colour noise, plus stripes or a checker pattern of a
    random colour in two images out of three) and ``num_shapes`` shapes. Each shape has a random class, size (a
    square's half side and a circle's radius are at least ``size / 10``; the three classes have about the same
    area), position (the shape lies wholly inside the image) and colour. Shapes may overlap; the later one is
    painted on top, in the image and in the mask. The colour of a shape is drawn independently of its class, at a
    clear distance from the background under it, so only the *shape* tells the class. Squares are rotated by up to
    ``max_rotation`` degrees; triangles are irregular and rotated at random. A little pixel noise is added last.

    Image ``i`` depends only on ``seed`` and ``i``, not on ``n``: ``synthetic_shapes(5, seed=s)`` starts with
    ``synthetic_shapes(3, seed=s)``.

    Parameters
    ----------
    n : int
        Number of images, >= 1.
    size : int
        Height and width of each image, >= 16.
    seed : int or numpy.random.Generator
        Seed. With a generator, one number is drawn from it and used as the int seed.
    num_shapes : int or (int, int)
        Number of shapes per image, or the inclusive range it is drawn from; at least 1.
    max_rotation : float
        Largest rotation of a square, in degrees (0: all squares axis-aligned).

    Returns
    -------
    images : numpy.ndarray
        ``float32`` ``(n, size, size, 3)`` in [0, 1].
    masks : numpy.ndarray
        ``int64`` ``(n, size, size)``: 0 background, 1 circle, 2 square, 3 triangle (see :data:`CLASS_NAMES_SHAPES`).

    Examples
    --------
    >>> from coursekit.data import synthetic_shapes, CLASS_NAMES_SHAPES
    >>> images, masks = synthetic_shapes(8, size=64, seed=0)
    >>> images.shape, images.dtype, masks.shape, masks.dtype
    ((8, 64, 64, 3), dtype('float32'), (8, 64, 64), dtype('int64'))
    >>> int(masks.max()) < len(CLASS_NAMES_SHAPES)
    True
    """
    n = check_int(n, "n", 1)
    size = check_int(size, "size", 16)
    if isinstance(num_shapes, tuple) or isinstance(num_shapes, list):
        if len(num_shapes) != 2:
            raise ValueError(f"num_shapes must be an int or a (min, max) pair, given {num_shapes!r}")
        lo_shapes = check_int(num_shapes[0], "num_shapes[0]", 1)
        hi_shapes = check_int(num_shapes[1], "num_shapes[1]", lo_shapes)
    else:
        lo_shapes = hi_shapes = check_int(num_shapes, "num_shapes", 1)
    max_rotation = check_nonneg(max_rotation, "max_rotation")

    rngs = _image_rngs(seed, n)
    images = np.empty((n, size, size, 3), dtype=np.float32)
    masks = np.zeros((n, size, size), dtype=np.int64)
    interp = _interp_matrix(size, 4)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    for i, rng in enumerate(rngs):
        image = _background(rng, size, interp, yy, xx)
        mask = masks[i]
        for _ in range(int(rng.integers(lo_shapes, hi_shapes + 1))):
            cls = int(rng.integers(1, 4))
            rr, cc = _shape_pixels(rng, cls, size, max_rotation)
            if rr.size == 0:
                continue
            colour = _distinct_colour(rng, image[rr, cc].mean(axis=0))
            shade = 1.0 + 0.08 * (yy[rr, cc] - rr.mean()) / size  # a faint gradient across the shape
            image[rr, cc] = np.clip(colour[None, :] * shade[:, None], 0.0, 1.0)
            mask[rr, cc] = cls
        images[i] = image
        images[i] += np.float32(0.02) * rng.standard_normal(image.shape, dtype=np.float32)  # a little pixel noise
    np.clip(images, 0.0, 1.0, out=images)
    return images, masks


# ---------------------------------------------------------------------------------------------------------------
# a synthetic soft prediction


def soft_prediction(mask, seed=0, blur: float = 2.0, noise: float = 0.15) -> np.ndarray:
    """A synthetic foreground probability map for a binary mask, as a segmentation network might output.

    The mask is blurred with a Gaussian of standard deviation ``blur`` (pixels), smooth random noise of strength
    ``noise`` is added, and the result is squashed to (0, 1) with a logistic function centred at 0.5. Thresholding
    it gives a predicted mask close to ``mask``: the higher the noise and the blur, the worse.

    Parameters
    ----------
    mask : array_like
        Binary 2-D mask: bool, or numbers that are all 0 or 1. Nonzero is foreground.
    seed : int or numpy.random.Generator
        Seed of the noise.
    blur : float
        Standard deviation of the Gaussian blur of the mask, in pixels, >= 0.
    noise : float
        Standard deviation of the smooth noise added before squashing, >= 0 (in units of the blurred mask).

    Returns
    -------
    numpy.ndarray
        ``float64``, same shape as ``mask``, in [0, 1]: the foreground probability of each pixel.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit.data import soft_prediction
    >>> mask = np.zeros((32, 32), dtype=bool)
    >>> mask[8:24, 8:24] = True
    >>> prob = soft_prediction(mask, seed=0)
    >>> prob.shape, bool(prob[16, 16] > 0.5), bool(prob[0, 0] < 0.5)
    ((32, 32), True, True)
    """
    m = as_real_array(mask, "mask", bool_ok=True, finite=False)
    if m.ndim != 2:
        raise ValueError(f"mask must be a 2-D (H, W) array, given an array of shape {m.shape}")
    bad = ~((m == 0) | (m == 1))
    if bad.any():
        raise ValueError(f"mask must be binary (values 0 and 1 only), given values such as {m[bad][:5].tolist()}")
    blur = check_nonneg(blur, "blur")
    noise = check_nonneg(noise, "noise")
    rng = _rng(seed)
    from scipy.ndimage import gaussian_filter

    fg = m
    smooth = gaussian_filter(fg, blur, mode="nearest") if blur > 0 else fg
    field = gaussian_filter(rng.standard_normal(fg.shape), max(2.0 * blur, 2.0), mode="reflect")
    std = field.std()
    if std > 0:
        field /= std
    logit = 6.0 * (smooth - 0.5 + noise * field)
    return 1.0 / (1.0 + np.exp(-logit))

