"""Figure bookkeeping shared by the plot modules: new figures get the style, given axes don't.

Figures are created with ``matplotlib.figure.Figure`` rather than ``pyplot`` so that a report
writing hundreds of plots keeps no global state and never needs ``plt.close``; they still
display inline in Jupyter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from neyman.errors import ConfigError
from neyman.plot.style import style

T = TypeVar("T")

SIGNAL_COLOR = "#5790fc"
BACKGROUND_COLOR = "#e42536"
OPTIMUM_COLOR = "black"


@contextmanager
def styled(new_figure: bool) -> Iterator[None]:
    """Apply the neyman style only when the function creates its own figure."""
    with style() if new_figure else nullcontext():
        yield


def figure_of(ax: Axes) -> Figure:
    """The top-level figure holding ``ax``."""
    fig: Figure | SubFigure | None = ax.get_figure()
    while isinstance(fig, SubFigure):
        fig = fig.get_figure()
    if not isinstance(fig, Figure):
        msg = "the axes passed as ax= belong to no figure; create them with a Figure"
        raise ConfigError(msg)
    return fig


def new_axes(**subplot_kw: Any) -> tuple[Figure, Axes]:
    """A fresh figure with one axes (call inside :func:`styled`)."""
    fig = Figure()
    ax = fig.add_subplot(**subplot_kw)
    return fig, ax


def as_mapping(items: T | Mapping[str, T], kind: type) -> dict[str, T]:
    """Accept one result object or a ``{label: result}`` mapping; return a dict with str keys."""
    if isinstance(items, kind):
        return {"": items}  # type: ignore[dict-item]
    if isinstance(items, Mapping):
        out = {str(k): v for k, v in items.items()}  # e.g. integer class labels of OvR curves
        if not out:
            msg = f"nothing to plot: the mapping of {kind.__name__} is empty"
            raise ConfigError(msg)
        for label, value in out.items():
            if not isinstance(value, kind):
                msg = f"{label!r} is a {type(value).__name__}, expected a {kind.__name__}"
                raise ConfigError(msg)
        return out
    msg = f"expected a {kind.__name__} or a mapping of them, got {type(items).__name__}"
    raise ConfigError(msg)


def thin(n: int, max_points: int | None) -> np.ndarray:
    """Indices of at most ``max_points`` evenly spaced points out of ``n``, ends included.

    Curves from large test sets have one point per event; a few thousand points draw the
    same line with a fraction of the file size.
    """
    if max_points is None or n <= max_points:
        return np.arange(n)
    if max_points < 2:
        msg = f"max_points must be >= 2 or None, got {max_points}"
        raise ConfigError(msg)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.intp))


def finish_legend(ax: Axes, **kwargs: Any) -> None:
    """Draw a legend if any artist has a label."""
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        ax.legend(**kwargs)
