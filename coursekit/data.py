"""Images and data generators with ground truth for the course.

Everything here works offline: the photographs are the ones shipped inside scikit-image's wheel (its ``data``
folder), never a download, and every generator is deterministic in its ``seed``.

Conventions: images are float arrays in [0, 1], ``(H, W)`` grey or ``(H, W, 3)`` RGB; label maps are ``int64``
``(H, W)``; ``seed`` is an int or a :class:`numpy.random.Generator`.

- :func:`available_images`, :func:`load_image`: bundled photographs (camera, coins, astronaut, ...)
- :func:`toy_intensity_image`: the lecture's toy image of three intensities, with its labels
- :func:`synthetic_shapes`: circles, squares and triangles on textured backgrounds, with masks
- :func:`soft_prediction`: a synthetic foreground probability map for a binary mask
- :func:`texture_mosaic`: regions of bundled textures with equal grey-level histograms, with labels
"""

from __future__ import annotations

import difflib
import functools
import os

import numpy as np

from ._checks import check_int as _check_int, check_nonneg as _check_nonneg  # noqa: F401
from ._checks import check_seed as _check_seed, rng as _rng  # noqa: F401

__all__ = [
    "CLASS_NAMES_SHAPES",
    "available_images",
    "load_image",
    "toy_intensity_image",
    "synthetic_shapes",
    "soft_prediction",
    "texture_mosaic",
]

#: Class names of the masks of :func:`synthetic_shapes`, indexed by label.
CLASS_NAMES_SHAPES = ("background", "circle", "square", "triangle")

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


# ---------------------------------------------------------------------------------------------------------------
# helpers




# ---------------------------------------------------------------------------------------------------------------
# bundled images


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
        raise TypeError(f"name must be a str (one of {available_images()}), got {type(name).__name__} {name!r}")
    key = name.strip().lower()
    if key not in _IMAGES:
        close = difflib.get_close_matches(key, available_images(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown image {name!r}.{hint} Available images: {', '.join(available_images())}")
    return _load_cached(key, bool(as_gray)).copy()


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
    size = _check_int(size, "size", 16)
    noise = _check_nonneg(noise, "noise")
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
    _check_seed(seed)
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
    n = _check_int(n, "n", 1)
    size = _check_int(size, "size", 16)
    if isinstance(num_shapes, tuple) or isinstance(num_shapes, list):
        if len(num_shapes) != 2:
            raise ValueError(f"num_shapes must be an int or a (min, max) pair, got {num_shapes!r}")
        lo_shapes = _check_int(num_shapes[0], "num_shapes[0]", 1)
        hi_shapes = _check_int(num_shapes[1], "num_shapes[1]", lo_shapes)
    else:
        lo_shapes = hi_shapes = _check_int(num_shapes, "num_shapes", 1)
    max_rotation = _check_nonneg(max_rotation, "max_rotation")

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
            local = image[rr, cc].mean(axis=0)
            # a colour independent of the class, far enough from the background under the shape
            best, best_dist = None, -1.0
            for _try in range(20):
                colour = rng.uniform(0.0, 1.0, size=3)
                dist = float(np.linalg.norm(colour - local))
                if dist > best_dist:
                    best, best_dist = colour, dist
                if dist >= 0.4:
                    break
            shade = 1.0 + 0.08 * (yy[rr, cc] - rr.mean()) / size  # a faint gradient across the shape
            image[rr, cc] = np.clip(best[None, :] * shade[:, None], 0.0, 1.0)
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
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be a 2-D (H, W) array, got an array of shape {m.shape}")
    if m.dtype.kind not in "biuf":
        raise TypeError(f"mask must be a bool or numeric array, got dtype {m.dtype}")
    if m.dtype.kind != "b":
        bad = ~((m == 0) | (m == 1))
        if bad.any():
            raise ValueError(f"mask must be binary (values 0 and 1 only), got values such as {m[bad][:5].tolist()}")
    blur = _check_nonneg(blur, "blur")
    noise = _check_nonneg(noise, "noise")
    rng = _rng(seed)
    from scipy.ndimage import gaussian_filter

    fg = m.astype(np.float64)
    smooth = gaussian_filter(fg, blur, mode="nearest") if blur > 0 else fg
    field = gaussian_filter(rng.standard_normal(fg.shape), max(2.0 * blur, 2.0), mode="reflect")
    std = field.std()
    if std > 0:
        field /= std
    logit = 6.0 * (smooth - 0.5 + noise * field)
    return 1.0 / (1.0 + np.exp(-logit))


# ---------------------------------------------------------------------------------------------------------------
# a mosaic of textures

_MOSAIC_STD = 0.12  # the standard deviation of the grey levels of every region of a texture mosaic


def _mosaic_regions(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    """(size, size) int64 labels 0..n-1: a warped Voronoi partition of n relaxed random sites (see texture_mosaic)."""
    # Voronoi sites: uniform random, then 3 Lloyd steps on a coarse grid (sites move to their cells' centroids)
    # so that the cells have similar areas without being a regular pattern
    grid = (np.arange(64) + 0.5) / 64
    gy, gx = [a.ravel() for a in np.meshgrid(grid, grid, indexing="ij")]
    sites = rng.uniform(0.1, 0.9, size=(n, 2))  # (x, y) in units of the image side
    for _ in range(3):
        cell = np.argmin((gx[:, None] - sites[None, :, 0]) ** 2 + (gy[:, None] - sites[None, :, 1]) ** 2, axis=1)
        for i in range(n):
            if (cell == i).any():
                sites[i] = gx[cell == i].mean(), gy[cell == i].mean()
    # pixel centres, displaced by a smooth random field d = (dx, dy): 2 plane waves per component, of 1 to 2
    # cycles per image side and amplitude 0.025 (image sides); the field's Jacobian has norm < 1, so p -> p + d(p)
    # is one-to-one and every (convex) Voronoi cell stays one connected region with a curved boundary
    c = (np.arange(size) + 0.5) / size
    yy, xx = np.meshgrid(c, c, indexing="ij")
    warped = []
    for coord in (xx, yy):
        field = coord.copy()
        for _ in range(2):
            angle = rng.uniform(0.0, 2.0 * np.pi)
            freq = 2.0 * np.pi * rng.uniform(1.0, 2.0)
            phase = rng.uniform(0.0, 2.0 * np.pi)
            field += 0.025 * np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
        warped.append(field)
    dist = (warped[0][..., None] - sites[:, 0]) ** 2 + (warped[1][..., None] - sites[:, 1]) ** 2
    labels = np.argmin(dist, axis=-1).astype(np.int64)
    # sampling on the pixel grid (and the wavy image border) can leave a few pixels cut off from their region:
    # keep the largest 4-connected piece of each region, and give every other pixel the label of the nearest kept one
    from scipy import ndimage as ndi

    keep = np.zeros((size, size), dtype=bool)
    for i in range(n):
        pieces, count = ndi.label(labels == i)
        if count > 1:
            keep |= pieces == 1 + int(np.argmax(np.bincount(pieces.ravel())[1:]))
        else:
            keep |= pieces == 1
    if not keep.all():
        rows, cols = ndi.distance_transform_edt(~keep, return_distances=False, return_indices=True)
        labels = labels[rows, cols]
    return labels


def _check_textures(textures) -> tuple:
    if isinstance(textures, str) or not isinstance(textures, (list, tuple)):
        raise TypeError(f"textures must be a list or tuple of 3 to 6 image names (e.g. ('brick', 'grass', 'gravel')), "
                        f"got {type(textures).__name__} {textures!r}")
    if not 3 <= len(textures) <= 6:
        raise ValueError(f"textures must name 3 to 6 textures, got {len(textures)}: {tuple(textures)!r}")
    names = []
    for i, name in enumerate(textures):
        if not isinstance(name, str):
            raise TypeError(f"textures[{i}] must be an image name (str), got {type(name).__name__} {name!r}")
        key = name.strip().lower()
        if key not in _IMAGES:
            close = difflib.get_close_matches(key, available_images(), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown texture {name!r} (textures[{i}]).{hint} Available images: "
                             f"{', '.join(available_images())}")
        names.append(key)
    if len(set(names)) != len(names):
        raise ValueError(f"textures must be distinct (two regions of one texture cannot be told apart), got "
                         f"{tuple(textures)!r}")
    return tuple(names)


def texture_mosaic(size: int = 256, seed=0, textures=("brick", "grass", "gravel"), *,
                   match: str = "histogram") -> tuple[np.ndarray, np.ndarray]:
    """A grey mosaic of natural textures that have the same grey-level statistics, with its ground truth.

    The image is divided into ``n = len(textures)`` regions, and region ``i`` (label ``i``) is filled with a crop of
    the bundled photograph ``textures[i]`` (read with ``load_image(name, as_gray=True)``), taken at a random
    position and at the photograph's own scale. A texture smaller than ``size`` is first extended by mirroring.

    The regions are the cells of a Voronoi partition of ``n`` random sites (spread out by a few steps of Lloyd's
    relaxation, so that no region is tiny), with boundaries bent by a smooth random displacement of the pixel
    grid: every region is one connected piece with a curved boundary that meets the others at random angles.

    The grey levels of each region are then normalised, so that regions can **not** be told apart by their
    intensity, only by their texture (the spatial arrangement of the grey levels):

    - ``match="histogram"`` (default): the grey levels of each region are mapped, in rank order, onto the same
      Gaussian distribution of mean 0.5 and standard deviation 0.12: the pixel of rank ``j`` among the ``m``
      pixels of its region gets ``0.5 + 0.12 * Phi^-1((j + 1/2) / m)`` (``Phi`` the standard normal distribution
      function; equal grey levels are ranked in random order, which changes them by about one grey level). Every
      region then has the same grey-level histogram (up to its number of pixels, and the clipping to [0, 1] of the
      rare values beyond 4 standard deviations): no function of a single pixel's intensity separates the regions,
      whatever the classifier.
    - ``match="moments"``: each region is standardised to mean 0.5 and standard deviation 0.12 (``0.5 + 0.12 z``
      with ``z`` the region's z-scores), then clipped to [0, 1]. The means and standard deviations agree, the
      shapes of the histograms do not (brick is bimodal), so a per-pixel classifier can still do a little better
      than chance.

    Everything random is drawn from ``seed``, in this order: the sites, the displacement, the crop positions (so
    the layout and the crops do not depend on ``match``), the order of tied grey levels.

    Parameters
    ----------
    size : int
        Height and width of the mosaic, >= 32.
    seed : int or numpy.random.Generator
        Seed of the layout, the crop positions and the order of tied grey levels.
    textures : list or tuple of str
        3 to 6 distinct names of :func:`available_images`. The default, ``("brick", "grass", "gravel")``, are
        photographs of textures; other images give texture-like crops of a larger scene (e.g.
        ``"hubble_deep_field"``: fine noise and a few bright blobs; ``"page"``: lines of print;
        ``"immunohistochemistry"``: stained tissue).
    match : {"histogram", "moments"}
        How the grey levels of the regions are made equal (see above).

    Returns
    -------
    image : numpy.ndarray
        ``float64`` ``(size, size)`` grey image in [0, 1].
    labels : numpy.ndarray
        ``int64`` ``(size, size)``: ``labels == i`` is the region of ``textures[i]``; every label ``0, ..., n - 1``
        occurs.

    Raises
    ------
    ValueError
        For ``size < 32``, fewer than 3 or more than 6 textures, an unknown or repeated name, an unknown ``match``.
    TypeError
        For a ``size`` that is not an int, ``textures`` that is not a list or tuple of str, a bad ``seed``.

    Notes
    -----
    How hard the default mosaic is: brick differs from grass and gravel in scale and orientation, but grass and
    gravel are a hard pair (similar scale, no dominant orientation). Histograms of textons over a window of about
    31 pixels, clustered with k-means, tell brick apart and tend to merge grass and gravel (or to split brick into
    mortar and bricks): far better than intensity, which is at chance, but far from perfect, a good example of what
    goes wrong. For an easier mosaic, replace ``"gravel"`` by ``"hubble_deep_field"``.

    References
    ----------
    .. [1] B. Julesz, "Visual Pattern Discrimination", IRE Transactions on Information Theory 8(2):84-92, 1962.
       Textures with the same first-order (grey-level) statistics that are told apart by their arrangement.
    .. [2] J. Malik, S. Belongie, T. Leung, J. Shi, "Contour and Texture Analysis for Image Segmentation",
       International Journal of Computer Vision 43(1):7-27, 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit.data import texture_mosaic
    >>> image, labels = texture_mosaic(size=128, seed=0)
    >>> image.shape, image.dtype, labels.dtype, np.unique(labels).tolist()
    ((128, 128), dtype('float64'), dtype('int64'), [0, 1, 2])
    >>> [round(float(image[labels == i].mean()), 2) for i in range(3)]  # equal means: only texture differs
    [0.5, 0.5, 0.5]
    """
    size = _check_int(size, "size", 32)
    names = _check_textures(textures)
    if not isinstance(match, str) or match not in ("histogram", "moments"):
        raise ValueError(f"match must be 'histogram' or 'moments', got {match!r}")
    rng = _rng(seed)
    from scipy.special import ndtri

    n = len(names)
    labels = _mosaic_regions(rng, size, n)
    crops = []
    for name in names:
        texture = load_image(name, as_gray=True)
        short = [max(0, size - s) for s in texture.shape]
        if any(short):  # smaller than the mosaic: extend by mirroring (d c b a | a b c d)
            texture = np.pad(texture, [(0, short[0]), (0, short[1])], mode="symmetric")
        r0 = int(rng.integers(0, texture.shape[0] - size + 1))
        c0 = int(rng.integers(0, texture.shape[1] - size + 1))
        crops.append(texture[r0 : r0 + size, c0 : c0 + size])
    image = np.empty((size, size), dtype=np.float64)
    for i, crop in enumerate(crops):
        region = labels == i
        values = crop[region]
        if match == "histogram":
            # ranks 0..m-1, ties broken at random, mapped onto the quantiles of the standard normal distribution
            order = np.lexsort((rng.random(values.size), values))
            ranks = np.empty(values.size)
            ranks[order] = np.arange(values.size)
            z = ndtri((ranks + 0.5) / values.size)
        else:
            std = values.std()
            z = (values - values.mean()) / std if std > 0 else np.zeros_like(values)
        image[region] = 0.5 + _MOSAIC_STD * z
    np.clip(image, 0.0, 1.0, out=image)
    return image, labels
