"""Regression resolution plots: predicted against true, residuals, resolution in bins."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from neyman.errors import ConfigError, DataError, did_you_mean
from neyman.evaluate.regression import BinnedResolution, Resolution
from neyman.plot._figure import as_mapping, figure_of, finish_legend, new_axes, styled

__all__ = ["plot_predicted_vs_true", "plot_residuals", "plot_resolution"]


def _finite(name: str, values: ArrayLike) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(arr)):
        msg = f"{name} has NaN or infinite values; drop those events first"
        raise DataError(msg)
    return arr


def plot_predicted_vs_true(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    ax: Axes | None = None,
    bins: int = 60,
    label: str = "y",
    unit: str = "",
) -> Figure:
    """2-D histogram of predicted against true values, with the diagonal ``y_pred = y_true``.

    ``label`` and ``unit`` (e.g. ``"E"``, ``"GeV"``) build the axis titles.
    """
    t = _finite("y_true", y_true)
    p = _finite("y_pred", y_pred)
    if t.shape != p.shape:
        msg = f"length mismatch (y_true={t.size}, y_pred={p.size}); pass one entry per event"
        raise DataError(msg)
    suffix = f" [{unit}]" if unit else ""
    lo = float(min(t.min(), p.min()))
    hi = float(max(t.max(), p.max()))
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        *_, image = ax.hist2d(t, p, bins=bins, range=[[lo, hi], [lo, hi]], cmin=1, norm=LogNorm())
        fig.colorbar(image, ax=ax, label="Events")
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
        ax.set_xlabel(f"True {label}{suffix}")
        ax.set_ylabel(f"Predicted {label}{suffix}")
    return fig


def plot_residuals(
    residuals: ArrayLike | Mapping[str, ArrayLike],
    *,
    summaries: Resolution | Mapping[str, Resolution] | None = None,
    ax: Axes | None = None,
    bins: int = 60,
    xlabel: str = r"$y_\mathrm{pred} - y_\mathrm{true}$",
) -> Figure:
    """Histogram of residuals (one per method), with bias and widths in the legend.

    Parameters
    ----------
    residuals : array or mapping of str to array
        From :func:`neyman.evaluate.residuals`.
    summaries : Resolution or mapping of str to Resolution, optional
        From :func:`neyman.evaluate.resolution`; same keys as ``residuals``. Their bias,
        sigma and IQR/1.349 go in the legend.
    bins : int, default 60
        Common bins over the range of all residuals.
    """
    items = (
        {k: _finite(f"residuals[{k!r}]", v) for k, v in residuals.items()}
        if isinstance(residuals, Mapping)
        else {"": _finite("residuals", residuals)}
    )
    sums: dict[str, Resolution] = {} if summaries is None else as_mapping(summaries, Resolution)
    if sums and set(sums) != set(items):
        msg = f"summaries have keys {sorted(sums)} but residuals have {sorted(items)}; match them"
        raise ConfigError(msg)
    everything = np.concatenate(list(items.values()))
    edges = np.histogram_bin_edges(everything, bins=bins)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        for name, r in items.items():
            label = name
            if name in sums:
                s = sums[name]
                stats = f"bias {s.bias:.3g}, $\\sigma$ {s.sigma:.3g}, IQR/1.349 {s.sigma_iqr:.3g}"
                label = f"{name}: {stats}" if name else stats
            ax.hist(r, bins=edges.tolist(), histtype="step", lw=2, label=label or None)
        ax.axvline(0.0, color="grey", ls=":", lw=1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Events")
        finish_legend(ax, fontsize="x-small")
    return fig


_QUANTITY = {
    "sigma": ("sigma_err", r"Resolution $\sigma$"),
    "sigma_iqr": (None, r"Resolution IQR/1.349"),
    "bias": ("bias_err", "Bias (mean residual)"),
    "median": (None, "Median residual"),
    "rms": (None, "RMS of residuals"),
}


def plot_resolution(
    binned: BinnedResolution | Mapping[str, BinnedResolution],
    *,
    quantity: str = "sigma",
    ax: Axes | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Resolution (or bias) in bins of a variable, with statistical error bars.

    Parameters
    ----------
    binned : BinnedResolution or mapping of str to BinnedResolution
        From :func:`neyman.evaluate.resolution_in_bins`.
    quantity : {"sigma", "sigma_iqr", "bias", "median", "rms"}
        What to draw; ``sigma`` and ``bias`` carry error bars.
    xlabel : str, optional
        Default: the binning variable's name.
    """
    if quantity not in _QUANTITY:
        msg = f"unknown quantity {quantity!r}{did_you_mean(quantity, _QUANTITY)}"
        raise ConfigError(msg)
    err_name, ylabel = _QUANTITY[quantity]
    items = as_mapping(binned, BinnedResolution)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        for name, b in items.items():
            half = 0.5 * np.diff(b.bin_edges)
            ax.errorbar(
                b.centers,
                getattr(b, quantity),
                xerr=half,
                yerr=None if err_name is None else getattr(b, err_name),
                fmt="o",
                ms=5,
                label=name or None,
            )
        first = next(iter(items.values()))
        if quantity == "bias":
            ax.axhline(0.0, color="grey", ls=":", lw=1)
        ax.set_xlabel(xlabel or first.variable)
        ax.set_ylabel("Relative " + ylabel[0].lower() + ylabel[1:] if first.relative else ylabel)
        finish_legend(ax)
    return fig
