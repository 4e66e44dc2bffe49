"""The score histograms of a binned fit: expected background and signal per bin."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.evaluate.fit import BinnedYields, FitResult
from neyman.plot._figure import BACKGROUND_COLOR, SIGNAL_COLOR, figure_of, new_axes, styled

__all__ = ["plot_fit_yields"]


def plot_fit_yields(
    fit: FitResult | BinnedYields,
    *,
    ax: Axes | None = None,
    xlabel: str = "Classifier score",
    log: bool = True,
) -> Figure:
    """Stacked expected yields per score bin (background, then signal at ``mu = 1``).

    The hatched band is the MC statistical uncertainty of the total; bins are numbered
    from the lowest score, equal width, with their score edges as tick labels, since the
    merged bins can be very unequal in score.

    Parameters
    ----------
    fit : FitResult or BinnedYields
        From :func:`neyman.evaluate.expected_fit` (the legend then gives Z and the limit) or
        :func:`neyman.evaluate.score_histograms`.
    ax : matplotlib Axes, optional
    xlabel : str
    log : bool, default True
        Logarithmic y axis: signal bins are often orders of magnitude below background.

    Returns
    -------
    matplotlib.figure.Figure
    """
    yields = fit.yields if isinstance(fit, FitResult) else fit
    k = yields.n_bins
    pos = np.arange(k + 1, dtype=np.float64)
    b, s = yields.background, yields.signal
    err = np.sqrt(yields.background_sumw2 + yields.signal_sumw2)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        ax.stairs(b, pos, fill=True, color=BACKGROUND_COLOR, alpha=0.5, label="Background")
        ax.stairs(
            b + s, pos, baseline=b, fill=True, color=SIGNAL_COLOR, alpha=0.6, label="Signal (μ = 1)"
        )
        ax.stairs(
            b + s + err,
            pos,
            baseline=np.clip(b + s - err, 0, None),
            fill=False,
            hatch="///",
            color="grey",
            lw=0,
            label="MC stat. unc.",
        )
        ax.set_xlim(0, k)
        step = max(1, -(-k // 5))  # at most ~6 labelled edges
        ticks = list(range(0, k + 1, step))
        ax.set_xticks(ticks, [f"{yields.edges[t]:.3g}" for t in ticks], rotation=30, ha="right")
        ax.minorticks_off()
        ax.set_xlabel(f"{xlabel} (bin edges)")
        ax.set_ylabel("Events per bin")
        if log:
            positive = np.r_[b, s][np.r_[b, s] > 0]
            bottom = 0.3 * float(positive.min()) if len(positive) else 0.1
            ax.set_yscale("log")
            ax.set_ylim(bottom, 30 * float(np.max(b + s)))
        if isinstance(fit, FitResult):
            ax.set_title(
                f"expected Z = {fit.discovery_z:.2f}σ, μ < {fit.upper_limit:.3g} "
                f"({100 * fit.cl:.0f} % CL)",
                fontsize="small",
            )
        ax.legend(loc="upper right", fontsize="x-small")
    return fig
