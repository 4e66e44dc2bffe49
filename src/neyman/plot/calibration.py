"""Is the score a probability, and does its likelihood ratio match the truth?"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from neyman.errors import DataError
from neyman.evaluate.calibration import ReliabilityCurve
from neyman.plot._figure import as_mapping, figure_of, finish_legend, new_axes, styled

__all__ = ["plot_likelihood_ratio", "plot_reliability"]


def plot_reliability(
    curves: ReliabilityCurve | Mapping[str, ReliabilityCurve],
    *,
    ax: Axes | None = None,
) -> Figure:
    """Reliability diagram: observed signal fraction against mean predicted probability.

    A calibrated classifier lies on the diagonal. Error bars are the binomial uncertainties
    held by each :class:`~neyman.evaluate.ReliabilityCurve`.
    """
    items = as_mapping(curves, ReliabilityCurve)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=1, label="Perfectly calibrated")
        for name, curve in items.items():
            ax.errorbar(
                curve.mean_predicted,
                curve.fraction_positive,
                yerr=curve.fraction_err,
                fmt="o-",
                ms=4,
                label=name or None,
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("Mean predicted probability")
        ax.set_ylabel("Fraction of signal")
        finish_legend(ax, loc="upper left")
    return fig


def plot_likelihood_ratio(
    x: ArrayLike,
    ratios: Mapping[str, ArrayLike],
    *,
    truth: ArrayLike | None = None,
    ax: Axes | None = None,
    log: bool = True,
    xlabel: str = "Score",
) -> Figure:
    """Likelihood-ratio estimates (e.g. from calibrators) against a variable, with the truth.

    Parameters
    ----------
    x : array of shape (m,)
        Points at which the ratios were evaluated (e.g. a grid of scores).
    ratios : mapping of str to array of shape (m,)
        Estimated likelihood ratios ``p(x|S)/p(x|B)`` per method.
    truth : array of shape (m,), optional
        True likelihood ratio at ``x``, drawn dashed in black.
    log : bool, default True
        Logarithmic y axis.
    """
    xa = np.asarray(x, dtype=np.float64)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        for name, r in ratios.items():
            ra = np.asarray(r, dtype=np.float64)
            if ra.shape != xa.shape:
                msg = f"ratio {name!r} has shape {ra.shape} but x has {xa.shape}; evaluate it on x"
                raise DataError(msg)
            ax.plot(xa, ra, label=name)
        if truth is not None:
            ax.plot(xa, np.asarray(truth, dtype=np.float64), "k--", label="True likelihood ratio")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(r"$p(x|S)\,/\,p(x|B)$")
        finish_legend(ax)
    return fig
