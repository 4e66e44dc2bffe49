"""The hyperparameters every torch estimator shares, as one constraint table.

Read first in this package: ``estimator.py`` checks these in ``fit``; ``mlp.py`` and
``cnn.py`` add their own architecture parameters to the table.
"""

from __future__ import annotations

import re

from torch import nn

from neyman.models.base import Boolean, Constraint, Interval, Options, PathLike, RandomState

__all__ = ["ACTIVATIONS", "N_THREADS", "TRAINING_PARAMS"]

#: Hidden-layer activations by name (``leaky_relu`` has slope 0.01, ``elu`` alpha 1).
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}

_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


class _Device(Constraint):
    def is_satisfied_by(self, value: object) -> bool:
        return isinstance(value, str) and bool(_DEVICE.match(value))

    def describe(self) -> str:
        return "one of 'auto', 'cpu', 'cuda', 'cuda:<index>', 'mps'"

    def invalid_example(self) -> object:
        return "gpu"


#: ``n_threads``: ``"auto"`` or a positive integer (see :mod:`neyman._util.threads`).
N_THREADS: list[Constraint | None] = [Options(("auto",)), Interval("int", 1, None)]

#: Constraints shared by every torch estimator.
TRAINING_PARAMS: dict[str, list[Constraint | None]] = {
    "activation": [Options(tuple(ACTIVATIONS))],
    "optimizer": [Options(("sgd", "adam", "adamw", "rmsprop"))],
    "lr": [Interval("float", 0, None, "neither")],
    "momentum": [Interval("float", 0, 1, "left")],
    "batch_size": [Interval("int", 1, None)],
    "epochs": [Interval("int", 1, None)],
    "weight_decay": [Interval("float", 0, None)],
    "l1": [Interval("float", 0, None)],
    "dropout": [Interval("float", 0, 1, "left")],
    "early_stopping": [Boolean()],
    "patience": [Interval("int", 1, None)],
    "validation_fraction": [Interval("float", 0, 1, "neither")],
    "lr_schedule": [None, Options(("plateau",))],
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
