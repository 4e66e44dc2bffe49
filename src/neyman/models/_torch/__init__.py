"""Machinery shared by the PyTorch estimators (:mod:`neyman.models.mlp`, ``cnn``).

Read ``estimator.py`` first (fit, partial_fit, predict), then the seams it uses:

- ``params.py``: the hyperparameter constraint table every torch estimator shares;
- ``heads.py``: output head and loss resolved into a :class:`neyman.train.spec.LossSpec`;
- ``validation.py``: event-weight checks and the validation split;
- ``precision.py``: when ``precision="auto"`` trains in bfloat16;
- ``report.py``: the layer summary and the ONNX export;
- ``persist.py``: the learned state written to and read from a model directory.

The losses, heads and metrics themselves, the backend rule and both training loops live in
:mod:`neyman.train` (``spec.py``, ``loop.py``, ``fast.py``).
"""

from __future__ import annotations

from neyman.models._torch.estimator import _TorchEstimator
from neyman.models._torch.heads import LOSSES, OUTPUTS
from neyman.models._torch.params import ACTIVATIONS, N_THREADS, TRAINING_PARAMS
from neyman.models._torch.precision import BF16_MIN_BATCH, BF16_MIN_WORK, resolve_precision
from neyman.models._torch.validation import check_weights
from neyman.train.spec import FAST_MAX_BATCH, FAST_MAX_PARAMETERS

__all__ = [
    "ACTIVATIONS",
    "BF16_MIN_BATCH",
    "BF16_MIN_WORK",
    "FAST_MAX_BATCH",
    "FAST_MAX_PARAMETERS",
    "LOSSES",
    "N_THREADS",
    "OUTPUTS",
    "TRAINING_PARAMS",
    "_TorchEstimator",
    "check_weights",
    "resolve_precision",
]
