"""The one PyTorch training loop (:mod:`neyman.train.loop`) and its callbacks.

Read ``loop.py`` first (the update rule, batching and determinism), then ``spec.py`` (the one
training specification both backends read, and the backend rule), ``fast.py`` (the compiled
loop for small MLPs) and ``callbacks.py`` (history, early stopping, checkpoint/resume with
atomic writes, progress bar).
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
    PRECISIONS,
    TrainConfig,
    TrainHistory,
    epoch_permutation,
    epoch_seed,
    fit,
    make_optimizer,
    make_scheduler,
    predict,
    resolve_device,
    train_chunk,
)
from neyman.train.spec import LossSpec, TrainSpec, choose_backend, train
from neyman.train.threads import torch_threads

__all__ = [
    "OPTIMIZERS",
    "PRECISIONS",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "History",
    "LossSpec",
    "ProgressBar",
    "TrainConfig",
    "TrainHistory",
    "TrainSpec",
    "TrainState",
    "choose_backend",
    "epoch_permutation",
    "epoch_seed",
    "fit",
    "make_optimizer",
    "make_scheduler",
    "predict",
    "resolve_device",
    "torch_threads",
    "train",
    "train_chunk",
]
