"""Figures from evaluation results, in HEP style.

Every function takes the result objects of :mod:`neyman.evaluate` (never computes a metric
itself), accepts ``ax=None`` (a new styled figure) or your own axes, returns the
``matplotlib.figure.Figure`` and never calls ``plt.show()``. Figures are plain
``matplotlib.figure.Figure`` objects, not registered with pyplot: save them with
``fig.savefig(...)``; they display inline in Jupyter.

- :mod:`~neyman.plot.roc`: ``plot_roc`` (TPR vs FPR), ``plot_rejection`` (rejection vs
  efficiency, ratio panel, binomial bands, optimum).
- :mod:`~neyman.plot.scores`: train-vs-test score distributions with KS p-values.
- :mod:`~neyman.plot.significance`: efficiencies and significance against the cut.
- :mod:`~neyman.plot.inputs`: class-normalised input-variable distributions.
- :mod:`~neyman.plot.fit`: the expected yields per score bin of a binned fit.
- :mod:`~neyman.plot.calibration`: reliability diagrams, likelihood-ratio curves.
- :mod:`~neyman.plot.training`: loss and metrics per epoch.
- :mod:`~neyman.plot.correlation`, :mod:`~neyman.plot.confusion`: matrices.
- :mod:`~neyman.plot.boundaries`: 2-D decision maps and 3-D output surfaces of a model.
- :mod:`~neyman.plot.regression`: predicted vs true, residuals, resolution in bins.
- :mod:`~neyman.plot.style`: the style itself (``style()`` context manager, ``use_style()``).
"""

from __future__ import annotations

from neyman.plot.boundaries import grid_scores, plot_decision_boundary, plot_surface
from neyman.plot.calibration import plot_likelihood_ratio, plot_reliability
from neyman.plot.confusion import plot_confusion_matrix
from neyman.plot.correlation import plot_correlation
from neyman.plot.fit import plot_fit_yields
from neyman.plot.inputs import plot_feature_distribution
from neyman.plot.regression import plot_predicted_vs_true, plot_residuals, plot_resolution
from neyman.plot.roc import plot_rejection, plot_roc
from neyman.plot.scores import plot_scores
from neyman.plot.significance import plot_efficiency_vs_cut, plot_significance
from neyman.plot.style import STYLE, style, use_style
from neyman.plot.training import plot_training_history

__all__ = [
    "STYLE",
    "grid_scores",
    "plot_confusion_matrix",
    "plot_correlation",
    "plot_decision_boundary",
    "plot_efficiency_vs_cut",
    "plot_feature_distribution",
    "plot_fit_yields",
    "plot_likelihood_ratio",
    "plot_predicted_vs_true",
    "plot_rejection",
    "plot_reliability",
    "plot_residuals",
    "plot_resolution",
    "plot_roc",
    "plot_scores",
    "plot_significance",
    "plot_surface",
    "plot_training_history",
    "style",
    "use_style",
]
