"""Score distributions on training and test events, per class, in the TMVA style.

Test events are filled histograms, training events are points with error bars, and the
Kolmogorov-Smirnov p-value of each class's train-versus-test comparison is in the legend
(Hoecker et al., *TMVA Users Guide*, arXiv:physics/0703039). Everything drawn comes from an
:class:`~neyman.evaluate.OvertrainingReport`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.evaluate.overtraining import OvertrainingReport
from neyman.plot._figure import (
    BACKGROUND_COLOR,
    SIGNAL_COLOR,
    figure_of,
    new_axes,
    styled,
)

__all__ = ["plot_scores"]


def plot_scores(
    report: OvertrainingReport,
    *,
    ax: Axes | None = None,
    class_names: tuple[str, str] = ("Signal", "Background"),
    xlabel: str = "Classifier score",
    log: bool = False,
) -> Figure:
    """Normalised score distributions, train (points) versus test (filled), per class.

    Parameters
    ----------
    report : OvertrainingReport
        From :func:`neyman.evaluate.overtraining_check`; holds the histograms and p-values.
    ax : matplotlib Axes, optional
    class_names : (str, str), default ("Signal", "Background")
        Legend names of the two classes.
    xlabel : str
    log : bool, default False
        Logarithmic y axis (useful to see tails).

    Returns
    -------
    matplotlib.figure.Figure
    """
    edges = report.bin_edges
    centers = 0.5 * (edges[1:] + edges[:-1])
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        for key, name, color in (
            ("signal", class_names[0], SIGNAL_COLOR),
            ("background", class_names[1], BACKGROUND_COLOR),
        ):
            ax.stairs(
                report.densities[f"{key}_test"],
                edges,
                fill=True,
                alpha=0.35,
                color=color,
                label=f"{name} (test)",
            )
            ax.errorbar(
                centers,
                report.densities[f"{key}_train"],
                yerr=report.density_errors[f"{key}_train"],
                fmt="o",
                ms=4,
                color=color,
                label=f"{name} (train), KS p = {report.ks_pvalue[key]:.3g}",
            )
        if log:
            ax.set_yscale("log")
        else:
            top = max(float(np.max(v)) for v in report.densities.values())
            ax.set_ylim(0, 1.35 * top if top > 0 else 1.0)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Normalised density")
        verdict = "overtraining flagged" if report.flagged else "no overtraining flagged"
        ax.set_title(f"{verdict} (p < {report.p_threshold:g} overall)", fontsize="small")
        ax.legend(loc="upper center", ncols=2, fontsize="x-small")
    return fig
