"""The one PyTorch training loop (:mod:`neyman.train.loop`) and its callbacks.

Read ``loop.py`` first (the update rule, batching and determinism), then ``callbacks.py``
(history, early stopping, checkpoint/resume with atomic writes, progress bar).
"""

from __future__ import annotations

from neyman.train.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    History,
    ProgressBar,
    TrainState,
)
from neyman.train.loop import (
    OPTIMIZERS,
    TrainConfig,
    epoch_permutation,
    epoch_seed,
    fit,
    make_optimizer,
    make_scheduler,
    predict,
    resolve_device,
    train_chunk,
)
from neyman.train.threads import torch_threads

__all__ = [
    "OPTIMIZERS",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "History",
    "ProgressBar",
    "TrainConfig",
    "TrainState",
    "epoch_permutation",
    "epoch_seed",
    "fit",
    "make_optimizer",
    "make_scheduler",
    "predict",
    "resolve_device",
    "torch_threads",
    "train_chunk",
]
