"""Every course exercise as one command: ``neyman lab NAME``.

Each lab is a module in this package that reads top to bottom like the worked solution and
uses only neyman's public API. The contract every lab module follows (``NAME``,
``SUMMARY``, ``OPTIONS``, ``compute``, ``render``, ``run``, ``NOTEBOOK_CELLS``) is described
in :mod:`neyman.labs._base`; read that first.

:data:`LABS` is the registry: name -> module and one-line summary, so that
``neyman lab list`` shows every lab without importing any (a lab imports torch, xgboost,
matplotlib; listing them must stay under a second).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import NamedTuple

from neyman.errors import ConfigError, did_you_mean
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    check_options,
    lab_console,
    resolve_options,
    save_figure,
)

__all__ = [
    "LABS",
    "LAB_MODULES",
    "Answers",
    "Figures",
    "LabEntry",
    "LabResult",
    "Option",
    "check_options",
    "get_lab",
    "lab_console",
    "list_labs",
    "resolve_options",
    "save_figure",
]


class LabEntry(NamedTuple):
    """A lab in the registry: its module in this package and its one-line summary."""

    module: str
    summary: str


#: lab name -> (module, summary). Each module's ``SUMMARY`` equals its summary here (a test
#: checks); a lab whose module is not installed is not listed.
LABS: dict[str, LabEntry] = {
    "charges": LabEntry(
        "charges",
        "Do two charges attract? XOR in disguise: truth table, 2-10-10-1 tanh net (151 "
        "params), SGD at lr 1e-4 and 0.01 (one-line fit = explicit loop), boundaries, "
        "3-class softmax",
    ),
    "zmass": LabEntry(
        "zmass",
        "Z -> ee mass regression: the massless formula checked on CMS data, a 6-100-100-1 MLP "
        "trained with SGD on raw inputs, in units of 100 GeV, and on engineered features",
    ),
    "activations": LabEntry(
        "activations",
        "sigma' = sigma(1 - sigma) and tanh(x) = 2 sigma(2x) - 1 (SymPy and numerically), "
        "where each belongs, and a sigmoid neuron separating two point classes with its margins",
    ),
    "projection-trick": LabEntry(
        "projection_trick",
        "Concentric classes: logistic regression fails in 2-D, succeeds after the lift "
        "x3 = x1^2 + x2^2 (3-D plane), and a one-hidden-layer MLP solves it directly",
    ),
    "linear-regions": LabEntry(
        "linear_regions",
        "ReLU nets are piecewise linear: 2-20-1 (81 params) and 2-5-5-5-5-1 (111) at random "
        "init, exact zoom-out radius, prism gradients, linear regions counted",
    ),
    "backprop": LabEntry(
        "backprop",
        "Backpropagation by hand on L = (sin(x1/x2) + x1/x2 - exp(x2))(x1/x2 - exp(x2)): "
        "graph, forward and reverse traces (exact), two Adam steps",
    ),
    "susy": LabEntry(
        "susy",
        "SUSY benchmark: an 18-200-100-2 softmax MLP trained with SGD on all, low-level and "
        "high-level features; AUC and accuracy of each",
    ),
    "likelihood-ratio": LabEntry(
        "likelihood_ratio",
        "Histogrammed vs exact likelihood ratio on a 1-D mixture, ROC of cut / histogram / "
        "exact LR / the lecture's 1-1-10-1 ReLU network (dead ReLUs included) / a 1-16-16-1, "
        "and the curse of dimensionality (histogram vs kNN, BDT, MLP in d = 1..6)",
    ),
    "loss-functions": LabEntry(
        "loss_functions",
        "What a network learns with each loss: mean (MSE, cross-entropy), median (MAE), mode "
        "(0-1), a tail-weighted point (4th power), and f/(1-f) x prior ratio = likelihood ratio",
    ),
    "perceptron-xor": LabEntry(
        "perceptron_xor",
        "Rosenblatt's perceptron learns AND/OR and fails XOR; an MLP (scikit-learn and "
        "neyman) solves XOR; an MLP regressor fits a 2-D function (MSE per epoch)",
    ),
    "decision-boundaries": LabEntry(
        "decision_boundaries",
        "Decision tree, MLP and XGBoost on moons, circles and linearly separable data: a 3x3 "
        "grid of decision boundaries with test accuracies",
    ),
    "regression-tuning": LabEntry(
        "regression_tuning",
        "Tune an MLP regressor for the dielectron mass by hand and with GridSearchCV; search "
        "table, best parameters, test RMSE against mean and linear baselines",
    ),
    "digits": LabEntry(
        "digits",
        "CNN digit classifier (conv 8x3x3, max-pool, dense 16, softmax) with best-model "
        "checkpoint and early stopping; classify your own PNG with --image",
    ),
    "higgs": LabEntry(
        "higgs",
        "HIGGS benchmark: BDT and deep network on low-level, high-level and all features; "
        "AUC table next to Baldi et al. 2014",
    ),
    "overfitting": LabEntry(
        "overfitting",
        "Overtraining of a too-large network on 300 events: train vs validation loss, L1, L2, "
        "dropout and early stopping compared, k-fold cross-validation of the best",
    ),
    "gamma-hadron": LabEntry(
        "gamma_hadron",
        "MAGIC gamma/hadron separation: cuts, Fisher, kNN, BDT, MLP (neyman and "
        "scikit-learn); ROC, hadron acceptance, overtraining, variable ranking, 5-fold CV AUC",
    ),
    "anomaly": LabEntry(
        "anomaly",
        "Autoencoder trained on background only: reconstruction-error anomaly score vs a "
        "supervised BDT (generated data, or MAGIC hadrons vs gammas with --data)",
    ),
    "rnn": LabEntry(
        "rnn",
        "A recurrent network on variable-length sequences (the tracks of an event) against "
        "a Deep-Sets baseline",
    ),
    "jet-tagging": LabEntry(
        "jet_tagging",
        "top vs QCD jets: substructure BDT, jet-image CNN, Deep Sets and a particle transformer; "
        "ROC, 1/εB at εS = 0.3 and 0.5, AUC with bootstrap intervals",
    ),
}

#: lab name -> module in this package (kept for callers of the first registry)
LAB_MODULES: dict[str, str] = {name: entry.module for name, entry in LABS.items()}


def _installed(name: str) -> bool:
    # find_spec locates the module file without importing (or executing) it
    return importlib.util.find_spec(f"neyman.labs.{LABS[name].module}") is not None


def list_labs() -> list[tuple[str, str]]:
    """Return ``(name, one-line summary)`` for every installed lab, importing none of them."""
    return [(name, entry.summary) for name, entry in LABS.items() if _installed(name)]


def get_lab(name: str) -> ModuleType:
    """Return the lab module called ``name``, or raise ConfigError naming the valid labs."""
    available = [n for n, _ in list_labs()]
    if name not in available:
        msg = f"no lab called '{name}'{did_you_mean(name, available, limit=20)}"
        raise ConfigError(msg, key=name, available=available)
    return importlib.import_module(f"neyman.labs.{LABS[name].module}")
