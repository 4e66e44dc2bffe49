"""What a cut on the score keeps: efficiencies and expected significance against the cut."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.evaluate.classification import RocCurve, SignificanceScan
from neyman.plot._figure import (
    BACKGROUND_COLOR,
    SIGNAL_COLOR,
    as_mapping,
    figure_of,
    finish_legend,
    new_axes,
    styled,
    thin,
)

__all__ = ["plot_efficiency_vs_cut", "plot_significance"]

_YLABEL = {
    "s_over_sqrt_b": r"$S/\sqrt{B}$",
    "s_over_sqrt_s_plus_b": r"$S/\sqrt{S+B}$",
    "asimov": r"Asimov $Z_A$",
}


def plot_significance(
    scans: SignificanceScan | Mapping[str, SignificanceScan],
    *,
    ax: Axes | None = None,
    show_best: bool = True,
    xlabel: str = "Cut on score",
) -> Figure:
    """Significance of the cut ``score >= cut`` as a function of the cut.

    Parameters
    ----------
    scans : SignificanceScan or mapping of str to SignificanceScan
        From :func:`neyman.evaluate.significance_scan`.
    ax : matplotlib Axes, optional
    show_best : bool, default True
        Mark each scan's best cut with a vertical line (the legend gives the cut and Z).
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = as_mapping(scans, SignificanceScan)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        for name, scan in items.items():
            (line,) = ax.plot(scan.cuts, scan.z, label=name or None)
            if show_best:
                ax.axvline(
                    scan.best_cut,
                    color=line.get_color(),
                    ls="--",
                    lw=1.2,
                    label=f"best cut {scan.best_cut:.3g}: Z = {scan.best_z:.3g}",
                )
        kinds = {scan.kind for scan in items.values()}
        ax.set_ylabel(_YLABEL[kinds.pop()] if len(kinds) == 1 else "Significance")
        ax.set_xlabel(xlabel)
        ax.set_ylim(bottom=0)
        finish_legend(ax, fontsize="x-small")
    return fig


def plot_efficiency_vs_cut(
    roc: RocCurve,
    *,
    ax: Axes | None = None,
    xlabel: str = "Cut on score",
    log: bool = False,
    max_points: int | None = 2000,
) -> Figure:
    """Signal and background efficiency of the cut ``score >= cut``, against the cut.

    Parameters
    ----------
    roc : RocCurve
        From :func:`neyman.evaluate.roc_curve`; its thresholds are the cuts.
    ax : matplotlib Axes, optional
    xlabel : str
    log : bool, default False
        Logarithmic y axis (to read small background efficiencies).
    max_points : int or None, default 2000
        Draw at most this many points per curve.

    Returns
    -------
    matplotlib.figure.Figure
    """
    finite = np.isfinite(roc.thresholds)
    cuts, tpr, fpr = roc.thresholds[finite], roc.tpr[finite], roc.fpr[finite]
    i = thin(len(cuts), max_points)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        ax.plot(cuts[i], tpr[i], color=SIGNAL_COLOR, label=r"Signal $\varepsilon_S$")
        ax.plot(
            cuts[i], fpr[i], color=BACKGROUND_COLOR, ls="--", label=r"Background $\varepsilon_B$"
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Efficiency")
        if log:
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, 1.05)
        finish_legend(ax, fontsize="x-small")
    return fig
