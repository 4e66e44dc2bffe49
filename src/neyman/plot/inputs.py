"""Signal and background distributions of one input variable, with under- and overflow."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.evaluate.inputs import FeatureDistribution
from neyman.plot._figure import BACKGROUND_COLOR, SIGNAL_COLOR, figure_of, new_axes, styled

__all__ = ["plot_feature_distribution"]


def plot_feature_distribution(
    dist: FeatureDistribution,
    *,
    ax: Axes | None = None,
    class_names: tuple[str, str] = ("Signal", "Background"),
    log: bool = False,
) -> Figure:
    """Class-normalised histograms of one feature; under/overflow fractions in the legend.

    The y axis is the fraction of the class's weight per unit of the feature (a density, so
    unequal bins compare fairly); events outside the bins are not drawn but their fractions
    are given in the legend, and the separation ``<S^2>`` in the title.

    Parameters
    ----------
    dist : FeatureDistribution
        From :func:`neyman.evaluate.feature_distributions`.
    ax : matplotlib Axes, optional
    class_names : (str, str)
    log : bool, default False
        Logarithmic y axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    edges = dist.edges
    width = np.diff(edges)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        tops = []
        for values, errors, name, color in (
            (dist.signal, dist.signal_err, class_names[0], SIGNAL_COLOR),
            (dist.background, dist.background_err, class_names[1], BACKGROUND_COLOR),
        ):
            density = values[1:-1] / width
            err = errors[1:-1] / width
            under, over = values[0], values[-1]
            label = f"{name} (under {100 * under:.1f} %, over {100 * over:.1f} %)"
            ax.stairs(density, edges, fill=True, alpha=0.3, color=color)
            ax.stairs(density, edges, color=color, label=label)
            centers = 0.5 * (edges[1:] + edges[:-1])
            ax.errorbar(centers, density, yerr=err, fmt="none", color=color, lw=1)
            tops.append(float(np.max(density + err)) if len(density) else 0.0)
        ax.set_xlim(edges[0], edges[-1])
        if log:
            ax.set_yscale("log")
        else:
            top = max(tops)
            ax.set_ylim(0, 1.45 * top if top > 0 else 1.0)
        ax.set_xlabel(dist.name)
        ax.set_ylabel("Fraction / unit")
        ax.set_title(f"separation <S²> = {dist.separation:.3f}", fontsize="small")
        ax.legend(loc="upper right", fontsize="x-small")
    return fig
