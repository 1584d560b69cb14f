"""A mosaic of natural textures with equal grey-level statistics, and its ground truth."""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_int, rng as _rng
from .images import _image_key, load_image

__all__ = ["texture_mosaic"]

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
                        f"given {type(textures).__name__} {textures!r}")
    if not 3 <= len(textures) <= 6:
        raise ValueError(f"textures must name 3 to 6 textures, given {len(textures)}: {tuple(textures)!r}")
    names = []
    for i, name in enumerate(textures):
        if not isinstance(name, str):
            raise TypeError(f"textures[{i}] must be an image name (str), given {type(name).__name__} {name!r}")
        names.append(_image_key(name, f"texture (textures[{i}])"))
    if len(set(names)) != len(names):
        raise ValueError(f"textures must be distinct (two regions of one texture cannot be told apart), given "
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
        3 to 6 distinct names of :func:`~coursekit.data.images.available_images`. The default,
        ``("brick", "grass", "gravel")``, are photographs of textures; other images give texture-like crops of a
        larger scene (e.g.
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
    TypeError
        For a ``size`` that is not an int, ``textures`` that is not a list or tuple of str, a ``match`` that is not
        a str, a ``seed`` that is neither an int nor a generator.
    ValueError
        For ``size < 32``, fewer than 3 or more than 6 textures, an unknown or repeated name, an unknown ``match``,
        a negative ``seed``.

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
    size = check_int(size, "size", 32)
    names = _check_textures(textures)
    match = check_choice(match, "match", ("histogram", "moments"))
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
