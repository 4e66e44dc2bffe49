"""The parameter tables of the study's estimators, readable without importing them.

Each estimator class takes its ``_param_table`` from :data:`PARAM_TABLES` and its
``__init__`` takes exactly the names in :data:`PARAM_NAMES` (a test checks both), so this
module is the one source of truth for what a method's parameters are and may be. It
imports only :mod:`neyman.models.constraints` (numpy and the standard library): a study
config's ``methods[].params`` are checked against it before scikit-learn, XGBoost or
PyTorch is imported (``neyman study bad.yaml`` fails in well under a second).

Estimators outside a study's methods (``CNNClassifier``) keep their tables in their own
modules, built from :data:`TRAINING_PARAMS`.
"""

from __future__ import annotations

import re

from neyman.models.constraints import (
    Boolean,
    Constraint,
    FloatTuple,
    Interval,
    IntTuple,
    Options,
    PathLike,
    RandomState,
)

__all__ = [
    "ACTIVATION_NAMES",
    "MAX_THREADS",
    "N_THREADS",
    "PARAM_NAMES",
    "PARAM_TABLES",
    "TRAINING_PARAMS",
    "param_spec",
]

Table = dict[str, list[Constraint | None]]

#: hidden-layer activations of the torch estimators (the modules are in ``_torch.params``)
ACTIVATION_NAMES: tuple[str, ...] = ("relu", "tanh", "sigmoid", "leaky_relu", "elu")

_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


class _Device(Constraint):
    def is_satisfied_by(self, value: object) -> bool:
        return isinstance(value, str) and bool(_DEVICE.match(value))

    def describe(self) -> str:
        return "one of 'auto', 'cpu', 'cuda', 'cuda:<index>', 'mps'"

    def invalid_example(self) -> object:
        return "gpu"


#: most threads one fit may ask for: more than any machine has (``n_threads: 10**12``
#: would overflow XGBoost's and torch's int32 thread counts)
MAX_THREADS = 4096

#: ``n_threads``: ``"auto"`` or a positive integer (see :mod:`neyman._util.threads`).
N_THREADS: list[Constraint | None] = [Options(("auto",)), Interval("int", 1, MAX_THREADS)]

#: Constraints shared by every torch estimator.
TRAINING_PARAMS: Table = {
    "activation": [Options(ACTIVATION_NAMES)],
    "optimizer": [Options(("sgd", "adam", "adamw", "rmsprop"))],
    "lr": [Interval("float", 0, None, "neither")],
    "momentum": [Interval("float", 0, 1, "left")],
    "batch_size": [Interval("int", 1, None)],
    "epochs": [Interval("int", 1, None)],
    "weight_decay": [Interval("float", 0, None)],
    "l1": [Interval("float", 0, None)],
    "dropout": [Interval("float", 0, 1, "left")],
    "early_stopping": [Boolean(), Options(("auto",))],
    "patience": [Interval("int", 1, None)],
    "validation_fraction": [Interval("float", 0, 1, "neither")],
    "lr_schedule": [None, Options(("plateau", "auto"))],
    "lr_factor": [Interval("float", 0, 1, "neither")],
    "lr_patience": [Interval("int", 0, None)],
    "checkpoint_dir": [None, PathLike()],
    "resume": [Boolean()],
    "device": [_Device()],
    "backend": [Options(("auto", "torch", "fast"))],
    "precision": [Options(("auto", "fp32", "bf16"))],
    "n_threads": N_THREADS,
    "random_state": [None, RandomState()],
    "verbose": [Interval("int", 0, None)],
}

_BDT_COMMON: Table = {
    "n_estimators": [Interval("int", 1, None)],
    "max_depth": [Interval("int", 1, None)],
    "learning_rate": [Interval("float", 0, 1, "right")],
    "subsample": [Interval("float", 0, 1, "right")],
    "colsample_bytree": [Interval("float", 0, 1, "right")],
    "min_child_weight": [Interval("float", 0, None)],
    "reg_lambda": [Interval("float", 0, None)],
    "reg_alpha": [Interval("float", 0, None)],
    "gamma": [Interval("float", 0, None)],
    "max_bin": [Interval("int", 2, None)],
    "early_stopping_rounds": [None, Interval("int", 1, None)],
    "validation_fraction": [Interval("float", 0, 1, "neither")],
    "negative_weights": [Options(("error", "drop", "keep"))],
    "device": [Options(("auto", "cpu", "cuda"))],
    "n_jobs": [None, Interval("int", 1, None)],
    "n_threads": N_THREADS,
    "random_state": [None, RandomState()],
}

_MLP_NAMES = (
    "hidden",
    "activation",
    "output",
    "loss",
    "optimizer",
    "lr",
    "momentum",
    "batch_size",
    "epochs",
    "weight_decay",
    "l1",
    "dropout",
    "early_stopping",
    "patience",
    "validation_fraction",
    "lr_schedule",
    "lr_factor",
    "lr_patience",
    "checkpoint_dir",
    "resume",
    "device",
    "backend",
    "precision",
    "n_threads",
    "random_state",
    "verbose",
)

#: estimator class name -> its ``_param_table`` (the very dict the class uses)
PARAM_TABLES: dict[str, Table] = {
    "RectangularCuts": {
        "efficiencies": [None, FloatTuple(0.0, 1.0)],
        "working_point": [Interval("float", 0, 1, "right")],
        "n_quantiles": [Interval("int", 2, None)],
        "peel": [Interval("float", 0, 1, "neither")],
        "max_iter": [Interval("int", 0, None)],
        "n_threads": N_THREADS,
    },
    "FisherDiscriminant": {
        "shrinkage": [None, Interval("float", 0, 1)],
        "n_threads": N_THREADS,
    },
    "LogisticRegression": {
        "C": [Interval("float", 0, None, "neither")],
        "fit_intercept": [Boolean()],
        "max_iter": [Interval("int", 1, None)],
        "tol": [Interval("float", 0, None, "neither")],
        "n_threads": N_THREADS,
    },
    "HistogramLikelihoodRatio": {
        "bins": [Interval("int", 1, None)],
        "binning": [Options(("uniform", "quantile"))],
        "pseudocount": [Interval("float", 0, None, "neither")],
        "n_threads": N_THREADS,
    },
    "KNNClassifier": {
        "n_neighbors": [Interval("int", 1, None)],
        "scale": [Boolean()],
        "pseudocount": [Interval("float", 0, None, "neither")],
        "n_threads": N_THREADS,
    },
    "BDTClassifier": dict(_BDT_COMMON),
    "BDTRegressor": {
        **_BDT_COMMON,
        "objective": [Options(("squared_error", "absolute_error", "pseudohuber"))],
    },
    "MLPClassifier": {
        "hidden": [IntTuple(1, allow_empty=True)],
        "output": [Options(("auto", "sigmoid", "softmax"))],
        "loss": [Options(("auto", "bce", "cross_entropy", "mse", "mae"))],
        **TRAINING_PARAMS,
    },
    "MLPRegressor": {
        "hidden": [IntTuple(1, allow_empty=True)],
        "output": [Options(("auto", "linear", "sigmoid"))],
        "loss": [Options(("auto", "mse", "mae"))],
        **TRAINING_PARAMS,
    },
    "ParticleSetClassifier": {
        "architecture": [Options(("deepsets", "transformer"))],
        "max_particles": [Interval("int", 1, None)],
        "phi_sizes": [IntTuple(1)],
        "f_sizes": [IntTuple(1, allow_empty=True)],
        "dim": [Interval("int", 1, None)],
        "heads": [Interval("int", 1, None)],
        "n_blocks": [Interval("int", 0, None)],
        "n_class_blocks": [Interval("int", 1, None)],
        "pairwise": [Boolean()],
        "output": [Options(("auto", "sigmoid", "softmax"))],
        "loss": [Options(("auto", "bce", "cross_entropy", "mse", "mae"))],
        **TRAINING_PARAMS,
    },
}

#: estimator class name -> the parameters of its ``__init__``, in signature order
PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "RectangularCuts": (
        "efficiencies",
        "working_point",
        "n_quantiles",
        "peel",
        "max_iter",
        "n_threads",
    ),
    "FisherDiscriminant": ("shrinkage", "n_threads"),
    "LogisticRegression": ("C", "fit_intercept", "max_iter", "tol", "n_threads"),
    "HistogramLikelihoodRatio": ("bins", "binning", "pseudocount", "n_threads"),
    "KNNClassifier": ("n_neighbors", "scale", "pseudocount", "n_threads"),
    "BDTClassifier": tuple(_BDT_COMMON),
    "BDTRegressor": ("n_estimators", "objective", *tuple(_BDT_COMMON)[1:]),
    "MLPClassifier": _MLP_NAMES,
    "MLPRegressor": _MLP_NAMES,
    "ParticleSetClassifier": (
        "architecture",
        "max_particles",
        "phi_sizes",
        "f_sizes",
        "dim",
        "heads",
        "n_blocks",
        "n_class_blocks",
        "pairwise",
        *_MLP_NAMES[1:],
    ),
}


def param_spec(class_name: str) -> tuple[tuple[str, ...], Table]:
    """The parameter names (signature order) and constraint table of an estimator class.

    Raises ``KeyError`` for a class that is not registered here.
    """
    return PARAM_NAMES[class_name], PARAM_TABLES[class_name]
