"""Chapter 2, images as graphs: a slider for the scale ``sigma`` of the Gaussian affinity of a point cloud, redrawing
the graph, its affinity matrix and the normalized-cut bipartition. Every ``sigma`` of the slider is computed and drawn
once, when the explorer is built."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_int_array, as_points, as_real_array, check_nonneg
from .base import Explorer

__all__ = ["SigmaExplorer", "sigma_explorer"]

_SIDE_A, _SIDE_B = np.array([0.85, 0.33, 0.1, 1.0]), np.array([0.12, 0.47, 0.71, 1.0])

# Edges are drawn in a few opacity classes, one line each (the edges as segments separated by NaN): a step draws a few
# paths instead of a path per edge (a thousand edges cost 40 ms as a LineCollection). Edges lighter than the first
# class's lower bound are not drawn; the weights in [_WEIGHT_CLASSES[k], _WEIGHT_CLASSES[k + 1]) get opacity _ALPHAS[k].
_WEIGHT_CLASSES = np.array([0.02, 0.1, 0.3, 0.6, 1.0 + 1e-9])
_ALPHAS = (0.05, 0.12, 0.25, 0.45)


@dataclass(frozen=True, eq=False)
class SigmaView:
    """What the explorer shows for one ``sigma``: the affinity matrix ``W`` (nodes in the explorer's order), the
    edges of each opacity class as ``(x, y)`` polylines with NaN between the edges, and the Ncut bipartition
    (:func:`coursekit.graphs.ncut_bipartition`)."""

    W: np.ndarray
    edges: tuple
    mask: np.ndarray
    y: np.ndarray
    threshold: float
    ncut: float
    eigenvalue: float


class SigmaExplorer(Explorer):
    """A slider for the scale ``sigma`` of the Gaussian affinity ``w_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))`` of a
    point cloud.

    Three panels: the graph (every edge of weight at least 0.02, the heavier the darker, in four opacity classes;
    the points coloured by the side of their Ncut bipartition), the affinity matrix (nodes sorted by ``labels`` when
    they are given: groups show as blocks), and the eigenvector ``y`` of the bipartition (scaled to a largest
    magnitude of 1) with its threshold. A small ``sigma`` joins only near neighbours, a large one joins everything.
    Every ``sigma`` of the slider is computed once when the explorer is built
    (:func:`coursekit.graphs.gaussian_affinity` and :func:`coursekit.graphs.ncut_bipartition`), and so is its
    picture: a slider step shows a kept picture and updates the text.

    Parameters
    ----------
    X : array_like (N, 2)
        Points in the plane, ``3 <= N <= 200``.
    sigma : float
        Initial scale, one of ``sigmas``.
    sigmas : sequence of float
        The slider's values (positive, increasing), in the units of ``X``.
    labels : array_like of int (N,), optional
        Groups of the points (a ground truth): the matrix shows the nodes sorted by group.

    Raises
    ------
    TypeError
        When ``X``, ``sigmas`` or ``labels`` do not hold numbers (integers for ``labels``), or ``sigma`` is not a
        number.
    ValueError
        When ``X`` is not ``(N, 2)`` with ``3 <= N <= 200``, ``labels`` has another length, ``sigmas`` are not
        positive and increasing, or ``sigma`` is not one of them.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.3, 0.1], [0.1, 0.4], [3.0, 3.0], [3.2, 2.9]])
    >>> explorer = SigmaExplorer(X, sigma=0.5, sigmas=(0.1, 0.5, 5.0))
    >>> out = explorer.update(0.5)
    >>> out["sizes"], round(out["ncut"], 4)
    ((2, 3), 0.0)
    >>> explorer.update(5.0)["sigma"]
    5.0
    """

    MAX_POINTS = 200

    def __init__(self, X, sigma: float = 1.0, sigmas=(0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0),
                 labels=None):
        from ..graphs import gaussian_affinity, ncut_bipartition

        X = as_points(X)
        if X.shape[1] != 2 or not 3 <= X.shape[0] <= self.MAX_POINTS:
            raise ValueError(f"X must be (N, 2) points in the plane with 3 <= N <= {self.MAX_POINTS}, given shape "
                             f"{X.shape}")
        values = as_real_array(sigmas, "sigmas").ravel()
        if values.size == 0 or values.min() <= 0 or np.any(np.diff(values) <= 0):
            raise ValueError(f"sigmas must be positive and increasing, given {sigmas!r}")
        self.sigmas = tuple(float(v) for v in values)
        order = np.arange(len(X))
        if labels is not None:
            labels = as_int_array(labels, "labels")
            if labels.shape != (len(X),):
                raise ValueError(f"labels must have shape ({len(X)},), one per point, given shape {labels.shape}")
            order = np.argsort(labels, kind="stable")
            labels = labels[order]
        self.X, self.labels = X[order], labels
        i, j = np.triu_indices(len(X), 1)
        ends = np.stack([self.X[i], self.X[j], np.full((len(i), 2), np.nan)], axis=1)  # every edge: start, end, NaN
        self._views = {}
        for s in self.sigmas:
            W = gaussian_affinity(self.X, s)
            result = ncut_bipartition(W, eigen_solver="dense")
            weight_class = np.searchsorted(_WEIGHT_CLASSES, W[i, j], side="right") - 1
            edges = tuple(ends[weight_class == k].reshape(-1, 2).T for k in range(len(_ALPHAS)))
            scale = np.abs(result.vector).max()
            self._views[s] = SigmaView(W=W, edges=edges, mask=result.mask, y=result.vector / scale,
                                       threshold=result.threshold / scale, ncut=result.ncut,
                                       eigenvalue=result.eigenvalue)
        self._frames: dict = {}
        super().__init__({"sigma": sigma}, figsize=(11.5, 3.6))
        shown = self.sigma
        for s in self.sigmas:  # every picture drawn once, now: a slider step only shows a kept picture
            self.params = {"sigma": s}
            self._move()
            self._frame()
        self.params = {"sigma": shown}
        self._move()

    @property
    def sigma(self) -> float:
        """The current scale."""
        return self.params["sigma"]

    def view(self, sigma: float) -> SigmaView:
        """The affinity matrix, edges and Ncut bipartition of one of the slider's ``sigma``."""
        return self._views[self._validated({"sigma": sigma})["sigma"]]

    def update(self, sigma) -> dict:
        """Redraw for a new ``sigma``; returns it, the sizes of the two sides, their Ncut and the eigenvalue."""
        self._apply(sigma=sigma)
        v = self._views[self.sigma]
        return {"sigma": self.sigma, "sizes": (int(v.mask.sum()), int((~v.mask).sum())), "ncut": v.ncut,
                "eigenvalue": v.eigenvalue}

    # -- the explorer's parts -----------------------------------------------------------------------------------------

    def _frame(self) -> bytes:
        """The picture of the current ``sigma``, drawn by the base (blitting) the first time and kept."""
        if self.sigma not in self._frames:
            self._frames[self.sigma] = super()._frame()
        return self._frames[self.sigma]

    def _validated(self, params: dict) -> dict:
        s = check_nonneg(params["sigma"], "sigma")
        if s not in self.sigmas:
            raise ValueError(f"sigma must be one of the slider's values {list(self.sigmas)}, given {s:g}")
        return {"sigma": s}

    def _draw(self, figure) -> list:
        graph, matrix, vector = figure.subplots(1, 3, width_ratios=(1.15, 1, 1.15))
        view = self._views[self.sigma]
        self._edges = [graph.plot(*xy, color="0.15", alpha=alpha, linewidth=0.6)[0]
                       for xy, alpha in zip(view.edges, _ALPHAS)]
        self._points = graph.scatter(*self.X.T, s=22, c=np.where(view.mask[:, None], _SIDE_A, _SIDE_B),
                                     edgecolors="k", linewidths=0.4, zorder=3)
        pad = 0.08 * np.ptp(self.X, axis=0).max()
        graph.set_xlim(self.X[:, 0].min() - pad, self.X[:, 0].max() + pad)
        graph.set_ylim(self.X[:, 1].min() - pad, self.X[:, 1].max() + pad)
        graph.set_aspect("equal", adjustable="box")
        graph.set_title("graph: darker = larger w_ij", fontsize=11)
        graph.set_xticks([])
        graph.set_yticks([])
        self._matrix = matrix.imshow(view.W, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        figure.colorbar(self._matrix, ax=matrix, fraction=0.046, label="w_ij")
        sorted_by = "nodes sorted by group" if self.labels is not None else "nodes in the order given"
        matrix.set_title(f"affinity matrix W ({sorted_by})", fontsize=11)
        matrix.set_xlabel("node j")
        matrix.set_ylabel("node i")
        nodes = np.arange(len(self.X))
        self._vector, = vector.plot(nodes, view.y, ".-", color="0.3", markersize=4, linewidth=0.8)
        self._threshold = vector.axhline(view.threshold, color="tab:red", linestyle="--", label="best threshold")
        if self.labels is not None:
            for edge in np.flatnonzero(np.diff(self.labels)) + 0.5:
                vector.axvline(edge, color="0.8", linewidth=0.8)
        vector.set_ylim(-1.15, 1.15)
        vector.set_xlabel("node i" + (" (sorted by group)" if self.labels is not None else ""))
        vector.set_ylabel("y_i / max |y|")
        vector.set_title("second generalized eigenvector y", fontsize=11)
        vector.legend(loc="lower right", fontsize=11)
        return [*self._edges, self._points, self._matrix, self._vector, self._threshold]

    def _sliders(self) -> dict:
        import ipywidgets as widgets

        return {"sigma": widgets.SelectionSlider(options=list(self.sigmas), value=self.sigma, description="scale σ",
                                                 continuous_update=True, layout=widgets.Layout(width="420px"))}

    def _move(self) -> None:
        view = self._views[self.sigma]
        for line, xy in zip(self._edges, view.edges):
            line.set_data(*xy)
        self._points.set_facecolors(np.where(view.mask[:, None], _SIDE_A, _SIDE_B))
        self._matrix.set_data(view.W)
        self._vector.set_ydata(view.y)
        self._threshold.set_ydata([view.threshold, view.threshold])

    def _readout(self) -> str:
        view = self._views[self.sigma]
        a, b = int(view.mask.sum()), int((~view.mask).sum())
        return (f"<b>σ = {self.sigma:g}</b> &nbsp; mean affinity {view.W.mean():.3f} &nbsp; Ncut bipartition: "
                f"{a} + {b} points, Ncut {view.ncut:.4f}, λ₂ = {view.eigenvalue:.4f}")


def sigma_explorer(X, sigma: float = 1.0, sigmas=(0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0), labels=None):
    """Build a :class:`SigmaExplorer` (display it as the last expression of a cell)."""
    return SigmaExplorer(X, sigma=sigma, sigmas=sigmas, labels=labels)
