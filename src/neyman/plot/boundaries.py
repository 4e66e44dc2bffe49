"""What a model does in its input space: 2-D decision maps with the data, 3-D output surfaces.

These take the model as a callable ``f(X) -> score`` (e.g. ``lambda X:
model.predict_proba(X)[:, 1]``), so they work for any method without importing one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from neyman.errors import ConfigError, DataError
from neyman.plot._figure import (
    BACKGROUND_COLOR,
    SIGNAL_COLOR,
    figure_of,
    finish_legend,
    new_axes,
    styled,
)

__all__ = ["grid_scores", "plot_decision_boundary", "plot_surface"]

ScoreFn = Callable[[np.ndarray], ArrayLike]


def grid_scores(
    f: ScoreFn,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    grid_points: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``f`` on a ``grid_points x grid_points`` grid; return ``(xx, yy, zz)``.

    ``f`` is called once with a float64 array of shape ``(grid_points**2, 2)`` and must return
    one finite score per row.
    """
    if grid_points < 2:
        msg = f"grid_points must be >= 2, got {grid_points}"
        raise ConfigError(msg)
    xs = np.linspace(xlim[0], xlim[1], grid_points)
    ys = np.linspace(ylim[0], ylim[1], grid_points)
    xx, yy = np.meshgrid(xs, ys)
    points = np.c_[xx.ravel(), yy.ravel()]
    zz = np.asarray(f(points), dtype=np.float64).reshape(-1)
    if zz.shape != (len(points),):
        msg = f"f returned {zz.size} values for {len(points)} grid points; it must return one score per row"
        raise DataError(msg)
    if not np.all(np.isfinite(zz)):
        msg = "f returned NaN or infinite scores on the plotting grid; check the model's range"
        raise DataError(msg)
    return xx, yy, zz.reshape(xx.shape)


def _limits(values: np.ndarray, padding: float) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo if hi > lo else 1.0
    return lo - padding * span, hi + padding * span


def plot_decision_boundary(
    f: ScoreFn,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    ax: Axes | None = None,
    threshold: float | None = None,
    grid_points: int = 200,
    padding: float = 0.05,
    feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
    class_names: tuple[str, str] = ("Signal", "Background"),
    max_points: int = 2000,
    levels: int = 20,
) -> Figure:
    """Score of ``f`` over the plane of two features, with the events on top.

    Parameters
    ----------
    f : callable
        ``f(X) -> score`` for ``X`` of shape (m, 2).
    X : array of shape (n, 2)
        Events (two features).
    y : array of shape (n,), optional
        Labels (1 = signal) to colour the events; plain dots when None.
    ax : matplotlib Axes, optional
    threshold : float, optional
        Draw the decision boundary ``f(x) = threshold`` as a black line (e.g. 0.5).
    grid_points : int, default 200
        Grid resolution per axis.
    padding : float, default 0.05
        Margin around the data, as a fraction of its range.
    feature_names : (str, str)
        Axis labels.
    class_names : (str, str)
        Legend names of class 1 and class 0.
    max_points : int, default 2000
        At most this many events are drawn (an evenly spaced subset, deterministic).
    levels : int, default 20
        Number of filled contour levels.
    """
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2 or Xa.shape[1] != 2:
        msg = (
            f"X must have shape (n, 2) for a 2-D decision map, got {Xa.shape}; select two features"
        )
        raise DataError(msg)
    xx, yy, zz = grid_scores(f, _limits(Xa[:, 0], padding), _limits(Xa[:, 1], padding), grid_points)
    step = max(1, int(np.ceil(len(Xa) / max_points)))
    shown = np.arange(0, len(Xa), step)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        filled = ax.contourf(xx, yy, zz, levels=levels, cmap="RdBu", alpha=0.8)
        fig.colorbar(filled, ax=ax, label="Score")
        if threshold is not None:
            ax.contour(xx, yy, zz, levels=[threshold], colors="black", linewidths=2)
        if y is None:
            ax.scatter(Xa[shown, 0], Xa[shown, 1], s=6, c="black", alpha=0.6)
        else:
            ya = np.asarray(y)
            if ya.shape != (len(Xa),):
                msg = f"y has shape {ya.shape} but X has {len(Xa)} events; pass one label per event"
                raise DataError(msg)
            for value, name, color in (
                (1, class_names[0], SIGNAL_COLOR),
                (0, class_names[1], BACKGROUND_COLOR),
            ):
                sel = shown[ya[shown] == value]
                ax.scatter(
                    Xa[sel, 0],
                    Xa[sel, 1],
                    s=8,
                    color=color,
                    edgecolors="white",
                    linewidths=0.3,
                    label=name,
                )
        ax.set_xlim(xx[0, 0], xx[0, -1])
        ax.set_ylim(yy[0, 0], yy[-1, 0])
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
        finish_legend(ax, loc="upper right", fontsize="x-small", frameon=True)
    return fig


def plot_surface(
    f: ScoreFn,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    ax: Any = None,
    grid_points: int = 60,
    feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
    zlabel: str = "Score",
    cmap: str = "viridis",
) -> Figure:
    """3-D surface of a model's output over a 2-D grid.

    Parameters
    ----------
    f : callable
        ``f(X) -> score`` for ``X`` of shape (m, 2).
    xlim, ylim : (float, float)
        Grid range of the two features.
    ax : mpl_toolkits.mplot3d.Axes3D, optional
        3-D axes (``fig.add_subplot(projection="3d")``); by default a new styled figure.
    grid_points : int, default 60
    feature_names : (str, str)
    zlabel : str
    cmap : str
    """
    if ax is not None and getattr(ax, "name", "") != "3d":
        msg = "plot_surface needs 3-D axes: fig.add_subplot(projection='3d')"
        raise ConfigError(msg)
    xx, yy, zz = grid_scores(f, xlim, ylim, grid_points)
    with styled(ax is None):
        if ax is None:
            fig = Figure(figsize=(8.0, 7.0))
            ax = fig.add_subplot(projection="3d")
        else:
            fig = figure_of(ax)
        ax.plot_surface(xx, yy, zz, cmap=cmap, linewidth=0, antialiased=True, rstride=1, cstride=1)
        ax.set_xlabel(feature_names[0], labelpad=12)
        ax.set_ylabel(feature_names[1], labelpad=12)
        ax.set_zlabel(zlabel, labelpad=12)
    return fig
