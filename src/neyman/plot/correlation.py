"""Linear correlation matrices of the input variables, per class (as TMVA prints them)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.errors import ConfigError, did_you_mean
from neyman.evaluate.ranking import CorrelationMatrices
from neyman.plot._figure import figure_of, styled

__all__ = ["plot_correlation"]

_DEFAULT_NAMES = {0: "Background", 1: "Signal", "all": "All events"}


def _draw(ax: Axes, matrix: np.ndarray, names: list[str], title: str, annotate: bool) -> Any:
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    d = len(names)
    ax.set_xticks(range(d), names, rotation=45, ha="right", fontsize="x-small")
    ax.set_yticks(range(d), names, fontsize="x-small")
    ax.minorticks_off()
    ax.tick_params(top=False, right=False)
    if annotate and d <= 20:
        # numbers are readable up to ~10 features at "small"; beyond, they shrink to fit
        size = "small" if d <= 10 else "xx-small"
        for i in range(d):
            for j in range(d):
                v = matrix[i, j]
                ax.text(
                    j,
                    i,
                    "" if np.isnan(v) else f"{100 * v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="white" if abs(v) > 0.6 else "black",
                )
    ax.set_title(title, fontsize="small")
    return image


def plot_correlation(
    corr: CorrelationMatrices,
    label: Any = None,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    class_names: dict[Any, str] | None = None,
) -> Figure:
    """Correlation matrices as colour maps, annotated in percent (TMVA style).

    Parameters
    ----------
    corr : CorrelationMatrices
        From :func:`neyman.evaluate.correlation_matrices`.
    label : optional
        Which matrix (a class label or ``"all"``). By default one panel per class, or the
        ``"all"`` matrix when there are no classes; ``ax`` then requires a ``label``.
    ax : matplotlib Axes, optional
    annotate : bool, default True
        Write each coefficient (in %) in its cell (up to 20 features).
    class_names : dict, optional
        Titles per label; by default 1 is "Signal", 0 "Background".
    """
    names = {**_DEFAULT_NAMES, **(class_names or {})}
    if label is not None:
        if label not in corr.matrices:
            msg = f"no correlation matrix for label {label!r}{did_you_mean(str(label), map(str, corr.matrices))}"
            raise ConfigError(msg)
        labels = [label]
    else:
        labels = [k for k in corr.matrices if k != "all"] or ["all"]
    if ax is not None and len(labels) != 1:
        msg = f"ax= holds one matrix but there are {len(labels)}; pass label= (one of {labels})"
        raise ConfigError(msg)
    with styled(ax is None):
        if ax is None:
            d = len(corr.feature_names)
            size = max(5.0, 0.55 * d + 2.5)
            fig = Figure(figsize=(size * len(labels) + 1.0, size))
            axes = list(np.atleast_1d(fig.subplots(1, len(labels))))
        else:
            fig, axes = figure_of(ax), [ax]
        images = [
            _draw(a, corr.matrices[lab], corr.feature_names, names.get(lab, str(lab)), annotate)
            for a, lab in zip(axes, labels, strict=True)
        ]
        image = images[-1]
        fig.colorbar(image, ax=axes, label="Correlation coefficient", shrink=0.8)
    return fig
