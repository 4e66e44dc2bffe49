"""ROC curves in both conventions.

``plot_roc``: signal efficiency against background efficiency (the machine-learning
convention). ``plot_rejection``: background rejection ``1/eps_B`` on a log scale against signal
efficiency (the flavour-tagging convention), with binomial error bands and a ratio panel to a
reference method, optionally with the Neyman-Pearson optimum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.errors import ConfigError, did_you_mean
from neyman.evaluate.classification import RocCurve
from neyman.plot._figure import (
    OPTIMUM_COLOR,
    as_mapping,
    figure_of,
    finish_legend,
    new_axes,
    styled,
    thin,
)

__all__ = ["plot_rejection", "plot_roc"]

OPTIMUM_LABEL = "Neyman-Pearson optimum"


def plot_roc(
    rocs: RocCurve | Mapping[str, RocCurve],
    *,
    optimum: RocCurve | None = None,
    ax: Axes | None = None,
    show_auc: bool = True,
    diagonal: bool = True,
    max_points: int | None = 5000,
) -> Figure:
    """Signal efficiency (TPR) against background efficiency (FPR).

    Parameters
    ----------
    rocs : RocCurve or mapping of str to RocCurve
        One curve, or one per method (the key is the legend label).
    optimum : RocCurve, optional
        ROC of the true likelihood ratio, drawn dashed in black.
    ax : matplotlib Axes, optional
        Draw into these axes; by default a new styled figure.
    show_auc : bool, default True
        Put each curve's AUC in the legend.
    diagonal : bool, default True
        Draw the random-guess diagonal.
    max_points : int or None, default 5000
        Draw at most this many evenly spaced points of each curve (None: every point).

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = as_mapping(rocs, RocCurve)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        for name, roc in curves.items():
            label = name or "ROC"
            if show_auc:
                label += f" (AUC = {roc.auc:.4f})"
            i = thin(len(roc.fpr), max_points)
            ax.plot(roc.fpr[i], roc.tpr[i], label=label)
        if optimum is not None:
            label = OPTIMUM_LABEL + (f" (AUC = {optimum.auc:.4f})" if show_auc else "")
            i = thin(len(optimum.fpr), max_points)
            ax.plot(optimum.fpr[i], optimum.tpr[i], ls="--", color=OPTIMUM_COLOR, label=label)
        if diagonal:
            ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(r"Background efficiency $\varepsilon_B$")
        ax.set_ylabel(r"Signal efficiency $\varepsilon_S$")
        finish_legend(ax, loc="lower right")
    return fig


def plot_rejection(
    rocs: RocCurve | Mapping[str, RocCurve],
    *,
    reference: str | None = None,
    optimum: RocCurve | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    efficiency_range: tuple[float, float] = (0.1, 1.0),
    error_band: bool = True,
    n_points: int = 200,
    max_points: int | None = 5000,
) -> Figure:
    """Background rejection ``1/eps_B`` (log scale) against signal efficiency.

    Parameters
    ----------
    rocs : RocCurve or mapping of str to RocCurve
        One curve, or one per method (the key is the legend label).
    reference : str, optional
        Label of the method every rejection is divided by in a ratio panel below the main
        plot (``"optimum"`` to divide by ``optimum``). No ratio panel when None.
    optimum : RocCurve, optional
        ROC of the true likelihood ratio, drawn dashed in black.
    ax : Axes or pair of Axes, optional
        ``(main, ratio)`` axes, or one Axes (then no ratio panel is drawn); by default a new
        styled figure with a ratio panel when ``reference`` is given.
    efficiency_range : (float, float), default (0.1, 1.0)
        Signal-efficiency range shown.
    error_band : bool, default True
        Shade the binomial uncertainty ``RocCurve.rejection_err`` (and its propagation to
        the ratio, from each curve's own uncertainty).
    n_points : int, default 200
        Signal-efficiency grid of the ratio panel.
    max_points : int or None, default 5000
        Draw at most this many evenly spaced points of each curve (None: every point).

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = as_mapping(rocs, RocCurve)
    curves_all = dict(curves)
    if optimum is not None:
        if "optimum" in curves:
            msg = "a method is labelled 'optimum', which is reserved for optimum=; rename it"
            raise ConfigError(msg)
        curves_all["optimum"] = optimum
    if reference is not None and reference not in curves_all:
        msg = f"reference {reference!r} is not a plotted curve{did_you_mean(reference, curves_all)}"
        raise ConfigError(msg)
    lo, hi = efficiency_range
    if not 0 <= lo < hi <= 1:
        msg = f"efficiency_range must satisfy 0 <= low < high <= 1, got {efficiency_range}"
        raise ConfigError(msg)

    with styled(ax is None):
        ratio_ax: Axes | None
        if ax is None:
            if reference is None:
                fig, main = new_axes()
                ratio_ax = None
            else:
                fig = Figure(figsize=(8.0, 8.0))
                main, ratio_ax = fig.subplots(
                    2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1), "hspace": 0.05}
                )
        elif isinstance(ax, Axes):
            fig, main, ratio_ax = figure_of(ax), ax, None
        else:
            axes = list(ax)
            if len(axes) != 2:
                msg = f"ax must be one Axes or a (main, ratio) pair, got {len(axes)} axes"
                raise ConfigError(msg)
            main, ratio_ax = axes
            fig = figure_of(main)

        colors: dict[str, Any] = {}
        for name, roc in curves_all.items():
            is_opt = optimum is not None and name == "optimum"
            m = np.flatnonzero((roc.fpr > 0) & (roc.tpr >= lo) & (roc.tpr <= hi))
            m = m[thin(len(m), max_points)]
            label = OPTIMUM_LABEL if is_opt else (name or None)
            kw: dict[str, Any] = {"ls": "--", "color": OPTIMUM_COLOR} if is_opt else {}
            (line,) = main.plot(roc.tpr[m], roc.rejection[m], label=label, **kw)
            colors[name] = line.get_color()
            if error_band:
                rej, err = roc.rejection[m], roc.rejection_err[m]
                main.fill_between(
                    roc.tpr[m], rej - err, rej + err, color=colors[name], alpha=0.25, lw=0
                )
        main.set_yscale("log")
        main.set_xlim(lo, hi)
        main.set_ylabel(r"Background rejection $1/\varepsilon_B$")
        finish_legend(main, loc="upper right")

        if ratio_ax is not None and reference is not None:
            grid = np.linspace(lo, hi, n_points)
            ref = curves_all[reference]
            ref_rej = ref.rejection_at(grid)
            for name, roc in curves_all.items():
                rej = roc.rejection_at(grid)
                ok = np.isfinite(rej) & np.isfinite(ref_rej)
                ratio = rej[ok] / ref_rej[ok]
                dashed = optimum is not None and name == "optimum"
                ratio_ax.plot(grid[ok], ratio, color=colors[name], ls="--" if dashed else "-")
                if error_band:
                    rel = roc.rejection_err_at(grid)[ok] / rej[ok]
                    ratio_ax.fill_between(
                        grid[ok],
                        ratio * (1 - rel),
                        ratio * (1 + rel),
                        color=colors[name],
                        alpha=0.25,
                        lw=0,
                    )
            ratio_ax.axhline(1.0, color="grey", lw=1, ls=":")
            ratio_ax.set_xlim(lo, hi)
            ref_label = (
                OPTIMUM_LABEL if reference == "optimum" and optimum is not None else reference
            )
            ratio_ax.set_ylabel(f"Ratio to\n{ref_label}", fontsize="x-small")
            ratio_ax.set_xlabel(r"Signal efficiency $\varepsilon_S$")
        else:
            main.set_xlabel(r"Signal efficiency $\varepsilon_S$")
    return fig
