"""Chapter 3, snakes: the weights alpha (tension), beta (curvature) and gamma (edges) of a snake, and the centre and
radius of the circle it starts from; the picture shows where the dynamic programme takes it."""

from __future__ import annotations

import numpy as np

from .._checks import as_image, check_int, check_nonneg, check_positive
from ._validate import int_in, number_in
from .base import Explorer

__all__ = ["SnakeExplorer", "snake_explorer"]


def _block_mean(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` shrunk by an integer factor (the mean of each block) so that its longer side is at most ``size``."""
    f = int(np.ceil(max(image.shape) / size))
    if f == 1:
        return image
    h, w = image.shape[0] // f * f, image.shape[1] // f * f
    return image[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))


class SnakeExplorer(Explorer):
    """Sliders for the weights of a snake and for its initial circle; the snake shown has been minimized by
    dynamic programming (:func:`coursekit.snakes.snake_dp`).

    The energy image is :func:`coursekit.snakes.edge_energy` of the (downsampled) image, scaled so that its strongest
    edge is ``-1``: ``gamma`` is then what the strongest edge pays a vertex. The snake starts on a circle of ``n``
    vertices (:func:`coursekit.snakes.circle`) and the left panel shows it (dashed) and where it ended (red); the right
    panel shows the same over the energy image.

    **Time of a step: bounded iterations, and a cache.** Each setting is minimized once, from its own circle, by at
    most ``max_iter`` steps of the programme, and cached with its picture: a setting seen before costs neither steps
    nor drawing. A new one costs at most ``max_iter`` steps (about 2 ms each for 32 vertices in a 5 x 5 window on an
    idle core) and one blitted redraw and PNG (about 15 ms): 10 steps keep it near the course's 50 ms in the kernel.
    The bound is on the number of steps, not on the time, so a setting always gives the same snake whatever was shown
    before; when the bound stops a snake before it converged, the text says so (start it closer). Warm-starting from
    the last snake would converge further but make the picture depend on the way the sliders went.

    Parameters
    ----------
    image : array_like (H, W)
        Grey image in [0, 1].
    alpha, beta, gamma : float
        Initial weights of tension, curvature and the edge energy, in ``[0, alpha_max]``, ``[0, beta_max]``,
        ``[0, gamma_max]``.
    center : (int, int), optional
        ``(x, y)`` of the initial circle's centre, in pixels of the downsampled image; by default its centre.
    radius : int, optional
        Radius of the initial circle, in ``3 .. max(H, W) // 2``; by default a quarter of the shorter side.
    n : int
        Vertices of the snake (>= 3).
    sigma : float
        Smoothing of :func:`~coursekit.snakes.edge_energy`, in pixels of the downsampled image.
    window : int
        Side of the search window of every step (odd).
    max_iter : int
        Most steps of the programme for one setting (>= 1).
    size : int
        Longer side of the downsampled image (>= 16): the image is shrunk by an integer factor.
    alpha_max, beta_max, gamma_max : float
        Ends of the weights' sliders (> 0).

    Raises
    ------
    TypeError
        When the image does not hold numbers, or a parameter is not a number (an int for ``center``, ``radius``,
        ``n``, ``window``, ``max_iter`` and ``size``).
    ValueError
        When the image is not a grey image in [0, 1], or a parameter lies outside its range.

    Examples
    --------
    A disc of radius 12 and a snake of 16 vertices started on a circle of radius 17 around it:

    >>> yy, xx = np.mgrid[:48, :48]
    >>> image = 0.2 + 0.6 * ((xx - 24) ** 2 + (yy - 24) ** 2 < 144)
    >>> explorer = SnakeExplorer(image, center=(24, 24), radius=17, n=16)
    >>> out = explorer.update(gamma=10.0)
    >>> out["gamma"], out["n_iter"] <= explorer.max_iter
    (10.0, True)
    >>> radii = np.hypot(*(explorer.contour(**explorer.params) - 24).T)
    >>> bool(abs(radii.mean() - 12) < 1.5)
    True
    """

    def __init__(self, image, alpha: float = 0.05, beta: float = 0.5, gamma: float = 6.0, center=None, radius=None,
                 n: int = 32, sigma: float = 2.0, window: int = 5, max_iter: int = 10, size: int = 192,
                 alpha_max: float = 0.5, beta_max: float = 4.0, gamma_max: float = 20.0):
        from ..snakes import edge_energy
        from ..snakes._validate import check_window

        image = as_image(image, gray_only=True)
        self.image = _block_mean(image, check_int(size, "size", 16))
        if min(self.image.shape) < 8:
            raise ValueError(f"image must be at least 8 x 8 pixels once downsampled, given shape {self.image.shape}")
        self.n = check_int(n, "n", 3)
        self.window = check_window(window)
        self.max_iter = check_int(max_iter, "max_iter", 1)
        self.alpha_max = check_positive(alpha_max, "alpha_max")
        self.beta_max = check_positive(beta_max, "beta_max")
        self.gamma_max = check_positive(gamma_max, "gamma_max")
        energy = edge_energy(self.image, check_nonneg(sigma, "sigma"))
        self.energy = energy / max(-energy.min(), 1e-12)
        h, w = self.image.shape
        self.radius_max = max(h, w) // 2
        if center is None:
            center = (w // 2, h // 2)
        if not isinstance(center, (tuple, list, np.ndarray)) or len(center) != 2:
            raise TypeError(f"center must be a pair (x, y) of ints, given {center!r}")
        radius = min(h, w) // 4 if radius is None else radius
        self._cache: dict = {}
        self._frames: dict = {}
        super().__init__({"alpha": alpha, "beta": beta, "gamma": gamma, "x": center[0], "y": center[1],
                          "radius": radius}, figsize=(8.4, min(4.2 * h / w + 1.0, 6.5)))

    def result(self, alpha, beta, gamma, x, y, radius):
        """The :class:`~coursekit.snakes.minimize.SnakeResult` of a setting, computed once and cached."""
        from ..snakes import circle, snake_dp

        p = self._validated({"alpha": alpha, "beta": beta, "gamma": gamma, "x": x, "y": y, "radius": radius})
        key = tuple(p.values())
        if key not in self._cache:
            start = circle((p["x"], p["y"]), p["radius"], self.n)
            self._cache[key] = snake_dp(self.energy, start, p["alpha"], p["beta"], p["gamma"], window=self.window,
                                        max_iter=self.max_iter)
        return self._cache[key]

    def contour(self, alpha, beta, gamma, x, y, radius) -> np.ndarray:
        """The snake of a setting, ``(n, 2)`` of ``(x, y)``."""
        return self.result(alpha, beta, gamma, x, y, radius).contour

    def update(self, alpha=None, beta=None, gamma=None, x=None, y=None, radius=None) -> dict:
        """Minimize (or take from the cache) and redraw for new parameters; returns the parameters, the snake's
        energy, its number of steps and whether it converged."""
        given = {"alpha": alpha, "beta": beta, "gamma": gamma, "x": x, "y": y, "radius": radius}
        self._apply(**{name: value for name, value in given.items() if value is not None})
        run = self.result(**self.params)
        return {**self.params, "energy": float(run.energies[-1]), "n_iter": run.n_iter, "converged": run.converged}

    # -- the explorer's parts -----------------------------------------------------------------------------------------

    #: How many pictures are kept (the oldest is dropped beyond): about 50 kB each.
    FRAMES_KEPT = 512

    def _frame(self) -> bytes:
        """The picture of the current setting, drawn once and kept: a setting seen before costs no drawing."""
        key = tuple(self.params.values())
        if key not in self._frames:
            if len(self._frames) >= self.FRAMES_KEPT:
                del self._frames[next(iter(self._frames))]
            self._frames[key] = super()._frame()
        return self._frames[key]

    def _validated(self, params: dict) -> dict:
        h, w = self.image.shape
        return {"alpha": round(number_in(params["alpha"], "alpha", self.alpha_max), 6),
                "beta": round(number_in(params["beta"], "beta", self.beta_max), 6),
                "gamma": round(number_in(params["gamma"], "gamma", self.gamma_max), 6),
                "x": int_in(params["x"], "x", 0, w - 1), "y": int_in(params["y"], "y", 0, h - 1),
                "radius": int_in(params["radius"], "radius", 3, self.radius_max)}

    def _draw(self, figure) -> list:
        left, right = figure.subplots(1, 2)
        left.imshow(self.image, cmap="gray", vmin=0, vmax=1)
        right.imshow(self.energy, cmap="magma", vmin=-1, vmax=0)
        right.set_title("energy image $-(G_x^2 + G_y^2)$, strongest edge $-1$")
        self._starts, self._snakes = [], []
        for ax in (left, right):
            ax.axis("off")
            (start,) = ax.plot([], [], "--", color="tab:orange", linewidth=1.5, label="initial circle")
            (snake,) = ax.plot([], [], "o-", color="tab:red", markersize=3, linewidth=1.8, label="snake")
            self._starts.append(start)
            self._snakes.append(snake)
        left.set_title("image: the initial circle and the snake")
        right.legend(loc="lower right", fontsize=11)
        self._title = figure.suptitle("E = 0.00 after 0 steps", fontsize=11)
        return [*self._starts, *self._snakes, self._title]

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        h, w = self.image.shape

        def floats(name, label, hi, step, fmt):
            return widgets.FloatSlider(value=self.params[name], min=0.0, max=hi, step=step, description=label,
                                       readout_format=fmt, continuous_update=False)

        def ints(name, label, lo, hi):
            return widgets.IntSlider(value=self.params[name], min=lo, max=hi, description=label,
                                     continuous_update=False)

        return {"alpha": floats("alpha", "tension α", self.alpha_max, 0.01, ".2f"),
                "beta": floats("beta", "curvature β", self.beta_max, 0.05, ".2f"),
                "gamma": floats("gamma", "edges γ", self.gamma_max, 0.5, ".1f"),
                "x": ints("x", "centre x", 0, w - 1), "y": ints("y", "centre y", 0, h - 1),
                "radius": ints("radius", "radius r", 3, self.radius_max)}

    def _move(self) -> None:
        from ..snakes import circle

        p = self.params
        start = circle((p["x"], p["y"]), p["radius"], self.n)
        run = self.result(**p)
        for line, v in ((self._starts, start), (self._snakes, run.contour)):
            closed = np.vstack([v, v[:1]])
            for artist in line:
                artist.set_data(closed[:, 0], closed[:, 1])
        # a short line (text is slow to draw): the snake's energy, which every weight changes
        self._title.set_text(f"E = {run.energies[-1]:.2f} after {run.n_iter} steps")

    def _readout(self) -> str:
        p = self.params
        run = self.result(**p)
        gain = run.energies[-2] - run.energies[-1]
        if run.converged:
            state = f"converged after {run.n_iter} steps"
        elif gain > 0:
            state = f"stopped at max_iter = {run.n_iter} steps, still moving (the last step lowered E by {gain:.2g})"
        else:
            state = f"stopped at max_iter = {run.n_iter} steps; the last one moved nothing"
        return (f"<b>α = {p['alpha']:.2f}, β = {p['beta']:.2f}, γ = {p['gamma']:.1f}</b> &nbsp; start: centre "
                f"(x, y) = ({p['x']}, {p['y']}), r = {p['radius']} &nbsp; E = {run.energies[-1]:.2f} "
                f"(from {run.energies[0]:.2f}), {state}")


def snake_explorer(image, alpha: float = 0.05, beta: float = 0.5, gamma: float = 6.0, center=None, radius=None,
                   n: int = 32, sigma: float = 2.0, window: int = 5, max_iter: int = 10, size: int = 192,
                   alpha_max: float = 0.5, beta_max: float = 4.0, gamma_max: float = 20.0):
    """Build a :class:`SnakeExplorer` (display it as the last expression of a cell)."""
    return SnakeExplorer(image, alpha=alpha, beta=beta, gamma=gamma, center=center, radius=radius, n=n, sigma=sigma,
                         window=window, max_iter=max_iter, size=size, alpha_max=alpha_max, beta_max=beta_max,
                         gamma_max=gamma_max)
