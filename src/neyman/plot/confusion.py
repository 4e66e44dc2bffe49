"""Confusion matrix of a multi-class classifier."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neyman.errors import ConfigError
from neyman.evaluate.classification import ConfusionMatrix
from neyman.plot._figure import figure_of, new_axes, styled

__all__ = ["plot_confusion_matrix"]


def plot_confusion_matrix(
    cm: ConfusionMatrix,
    *,
    ax: Axes | None = None,
    class_names: Sequence[str] | None = None,
    annotate: bool = True,
    cmap: str = "Blues",
) -> Figure:
    """Confusion matrix as a colour map, true class on the y axis, predicted on the x axis.

    Parameters
    ----------
    cm : ConfusionMatrix
        From :func:`neyman.evaluate.confusion_matrix` (normalised or not).
    ax : matplotlib Axes, optional
    class_names : sequence of str, optional
        Tick labels; by default the class labels.
    annotate : bool, default True
        Write each entry in its cell (up to 30 classes).
    cmap : str, default "Blues"
    """
    names = [str(v) for v in cm.labels] if class_names is None else list(class_names)
    k = len(cm.labels)
    if len(names) != k:
        msg = f"class_names has {len(names)} names for {k} classes; pass one per class"
        raise ConfigError(msg)
    with styled(ax is None):
        fig, ax = new_axes() if ax is None else (figure_of(ax), ax)
        m = cm.matrix
        image = ax.imshow(m, cmap=cmap, vmin=0.0)
        ax.set_xticks(
            range(k), names, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center"
        )
        ax.set_yticks(range(k), names)
        ax.minorticks_off()
        ax.tick_params(top=False, right=False)
        if annotate and k <= 30:
            fmt = "{:.0f}" if cm.normalize is None and np.allclose(m, np.round(m)) else "{:.2f}"
            top = float(np.max(m)) if m.size else 0.0
            for i in range(k):
                for j in range(k):
                    ax.text(
                        j,
                        i,
                        fmt.format(m[i, j]),
                        ha="center",
                        va="center",
                        fontsize="x-small",
                        color="white" if m[i, j] > 0.6 * top else "black",
                    )
        ax.set_xlabel("Predicted class")
        ax.set_ylabel("True class")
        fig.colorbar(image, ax=ax, label="Fraction" if cm.normalize else "Events")
    return fig
