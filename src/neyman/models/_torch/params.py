"""The hyperparameters every torch estimator shares, as one constraint table.

Read first in this package: ``estimator.py`` checks these in ``fit``; ``mlp.py`` and
``cnn.py`` add their own architecture parameters to the table. The table itself lives in
:mod:`neyman.models.params` (importable without torch, for config validation); this
module adds the activation modules it names.
"""

from __future__ import annotations

from torch import nn

from neyman.models.params import N_THREADS, TRAINING_PARAMS

__all__ = ["ACTIVATIONS", "N_THREADS", "TRAINING_PARAMS"]

#: Hidden-layer activations by name (``leaky_relu`` has slope 0.01, ``elu`` alpha 1).
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}
