"""Training curves: loss and metrics per epoch, training against validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from neyman.errors import ConfigError, DataError, did_you_mean
from neyman.plot._figure import figure_of, finish_legend, styled

__all__ = ["plot_training_history"]


def _panels(history: Mapping[str, Sequence[float]], metrics: Sequence[str] | None) -> list[str]:
    bases: list[str] = []
    for key in history:
        base = key[4:] if key.startswith("val_") else key
        if base not in bases:
            bases.append(base)
    bases = sorted(bases, key=lambda b: b != "loss")  # stable: "loss" first, others in order
    if metrics is None:
        return bases
    for m in metrics:
        if m not in bases:
            msg = f"metric {m!r} is not in the history{did_you_mean(m, bases)}"
            raise ConfigError(msg)
    return list(metrics)


def plot_training_history(
    history: Mapping[str, Sequence[float]],
    *,
    metrics: Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    log_loss: bool = False,
) -> Figure:
    """Loss and metrics per epoch, training (solid) against validation (dashed).

    Parameters
    ----------
    history : mapping of str to sequence of float
        Per-epoch values, e.g. ``{"loss": [...], "val_loss": [...], "auc": [...],
        "val_auc": [...]}`` (an estimator's ``history_``). ``val_<name>`` is drawn in the same
        panel as ``<name>``; ``loss`` comes first.
    metrics : sequence of str, optional
        Which panels to draw (base names, e.g. ``["loss", "auc"]``); all by default.
    ax : Axes or sequence of Axes, optional
        One Axes per panel; by default a new styled figure with the panels side by side.
    log_loss : bool, default False
        Logarithmic y axis for the loss panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not history or all(len(v) == 0 for v in history.values()):
        msg = "the training history is empty; train for at least one epoch"
        raise DataError(msg)
    panels = _panels(history, metrics)
    with styled(ax is None):
        if ax is None:
            fig = Figure(figsize=(6.5 * len(panels), 5.5))
            axes = list(np.atleast_1d(fig.subplots(1, len(panels))))
        else:
            axes = [ax] if isinstance(ax, Axes) else list(ax)
            if len(axes) != len(panels):
                msg = f"got {len(axes)} axes for {len(panels)} panels {panels}; pass one per panel"
                raise ConfigError(msg)
            fig = figure_of(axes[0])
        for a, base in zip(axes, panels, strict=True):
            for key, style, label in ((base, "-", "training"), (f"val_{base}", "--", "validation")):
                if key in history:
                    values = np.asarray(history[key], dtype=np.float64)
                    a.plot(np.arange(1, len(values) + 1), values, ls=style, marker=".", label=label)
            a.xaxis.set_major_locator(MaxNLocator(integer=True))
            a.set_xlabel("Epoch")
            a.set_ylabel(base.replace("_", " "))
            if base == "loss" and log_loss:
                a.set_yscale("log")
            finish_legend(a)
        fig.tight_layout()
    return fig
