"""Callbacks of the training loop: history, early stopping, checkpoint/resume, progress.

Read :mod:`neyman.train.loop` first; it calls, in order, ``on_train_begin`` once,
``on_epoch_end`` after every epoch (with ``state.logs`` holding that epoch's losses), and
``on_train_end`` once. A callback stops training by setting ``state.stop = True``.

Callbacks with state that matters for an exact resume (early stopping's best loss, patience
counter and best weights) expose it through ``state_dict``/``load_state_dict``, and
:class:`Checkpoint` stores it with the weights, the optimizer and the schedule, so that
resuming after epoch k and training to epoch n gives the same weights as an uninterrupted
run to n.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from neyman._util.fs import atomic_path
from neyman.errors import ModelError

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "History",
    "ProgressBar",
    "TrainState",
    "atomic_path",
]

_CHECKPOINT_FILE = "checkpoint.safetensors"
_CHECKPOINT_VERSION = 1


@dataclass
class TrainState:
    """What callbacks see: the module, optimizer, schedule, progress and the last logs.

    Attributes
    ----------
    module : torch.nn.Module
        The network being trained.
    optimizer : torch.optim.Optimizer or None
        Its optimizer (None in the compiled loop, which keeps its state in flat arrays and
        takes no callbacks that need it).
    scheduler : torch.optim.lr_scheduler.ReduceLROnPlateau or None
        Learning-rate schedule on plateau, if any.
    epochs : int
        The number of epochs to train to.
    epoch : int
        Epochs completed so far (a resumed run starts above 0).
    history : dict of str to list of float
        Per-epoch logs: ``loss``, ``val_loss``, metric and ``val_`` metric, ``lr``.
    logs : dict of str to float
        The logs of the epoch just finished.
    stop : bool
        Set by a callback to end training after this epoch.
    callbacks : list of Callback
        All callbacks of this run (a checkpoint saves the state of the others).
    fingerprint : dict
        JSON-able description of the model and training setup; a checkpoint written under
        another fingerprint is refused on resume.
    """

    module: nn.Module
    optimizer: torch.optim.Optimizer | None
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau | None
    epochs: int
    epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    logs: dict[str, float] = field(default_factory=dict)
    stop: bool = False
    callbacks: list[Callback] = field(default_factory=list)
    fingerprint: dict[str, Any] = field(default_factory=dict)


class Callback:
    """Base class: every hook does nothing; state is empty."""

    def on_train_begin(self, state: TrainState) -> None:
        """Called once before the first epoch (after a resume has been applied)."""

    def on_epoch_end(self, state: TrainState) -> None:
        """Called after every epoch; ``state.logs`` holds that epoch's numbers."""

    def on_train_end(self, state: TrainState) -> None:
        """Called once after the last epoch."""

    def close(self) -> None:
        """Release what the callback holds (threads, files); called even when training raised."""

    def state_dict(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """JSON-able state and named tensors needed to resume exactly."""
        return {}, {}

    def load_state_dict(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""


class History(Callback):
    """Append each epoch's logs to ``state.history`` (always installed by the loop)."""

    def on_epoch_end(self, state: TrainState) -> None:
        for key, value in state.logs.items():
            state.history.setdefault(key, []).append(float(value))


class EarlyStopping(Callback):
    """Stop when the monitored loss has not improved for ``patience`` epochs.

    Parameters
    ----------
    patience : int
        Epochs without improvement tolerated before stopping.
    monitor : str
        Log key to minimise (``"val_loss"`` by default).
    min_delta : float
        Smallest decrease that counts as an improvement.
    restore_best : bool
        At the end of training, load the weights of the best epoch.

    Attributes
    ----------
    best : float
        Best monitored value so far.
    best_epoch : int
        Epoch (1-based) that reached it.
    stopped_epoch : int
        Epoch after which training stopped, or 0 if it ran to the end.
    """

    def __init__(
        self,
        patience: int = 10,
        *,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        self.patience = patience
        self.monitor = monitor
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.best = math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights: dict[str, torch.Tensor] | None = None

    def on_epoch_end(self, state: TrainState) -> None:
        if self.monitor not in state.logs:
            msg = (
                f"early stopping monitors {self.monitor!r}, which this run does not log "
                f"(logged: {', '.join(state.logs)}); pass validation data"
            )
            raise ModelError(msg)
        value = state.logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best = value
            self.best_epoch = state.epoch
            self.wait = 0
            if self.restore_best:
                self.best_weights = {
                    k: v.detach().clone() for k, v in state.module.state_dict().items()
                }
        else:
            self.wait += 1
            if self.wait >= self.patience:
                state.stop = True
                self.stopped_epoch = state.epoch

    def on_train_end(self, state: TrainState) -> None:
        if self.restore_best and self.best_weights is not None:
            state.module.load_state_dict(self.best_weights)

    def state_dict(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        meta = {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}
        tensors = dict(self.best_weights) if self.best_weights is not None else {}
        return meta, tensors

    def load_state_dict(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.best = float(meta["best"])
        self.best_epoch = int(meta["best_epoch"])
        self.wait = int(meta["wait"])
        self.best_weights = dict(tensors) if tensors else None


class Checkpoint(Callback):
    """Write ``checkpoint.safetensors`` after every ``every`` epochs; resume from it.

    The file holds the weights, the optimizer state, the learning-rate schedule, the
    history, the state of the other callbacks and the epoch count: tensors as
    safetensors, the rest as JSON in the file's metadata (nothing is pickled). It is
    written to a temporary file in the same directory and renamed, so a crash mid-write
    leaves the previous checkpoint intact.

    Parameters
    ----------
    directory : path-like
        Where to write the checkpoint (created if missing).
    every : int
        Save after epochs ``every``, ``2 * every``, ... and after the last epoch.
    resume : bool
        If a checkpoint exists in ``directory``, continue from it; a checkpoint written by
        a different model or training setup raises :class:`~neyman.errors.ModelError`.
        Without a checkpoint, training starts from scratch.
    """

    def __init__(self, directory: str | os.PathLike[str], *, every: int = 1, resume: bool = False):
        self.directory = Path(directory)
        self.every = every
        self.resume = resume
        self.resumed_from = 0

    @property
    def path(self) -> Path:
        """The checkpoint file."""
        return self.directory / _CHECKPOINT_FILE

    def on_train_begin(self, state: TrainState) -> None:
        if self.resume and self.path.is_file():
            self.load_into(state)
            self.resumed_from = state.epoch

    def on_epoch_end(self, state: TrainState) -> None:
        if state.epoch % self.every == 0 or state.stop or state.epoch >= state.epochs:
            self.save(state)

    def _others(self, state: TrainState) -> list[Callback]:
        return [cb for cb in state.callbacks if cb is not self]

    def save(self, state: TrainState) -> Path:
        """Write the checkpoint of ``state`` atomically and return its path."""
        if state.optimizer is None:
            msg = "a checkpoint needs the torch training loop (backend='torch')"
            raise ModelError(msg)
        tensors: dict[str, torch.Tensor] = {}
        for key, value in state.module.state_dict().items():
            tensors[f"module.{key}"] = value
        opt = state.optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for idx, entry in opt["state"].items():
            for key, value in entry.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.{idx}.{key}"] = value
                else:
                    scalars.setdefault(str(idx), {})[key] = value
        callbacks_meta = []
        for i, cb in enumerate(self._others(state)):
            meta, cb_tensors = cb.state_dict()
            callbacks_meta.append({"class": type(cb).__name__, "meta": meta})
            for key, value in cb_tensors.items():
                tensors[f"callback.{i}.{key}"] = value
        document = {
            "version": _CHECKPOINT_VERSION,
            "epoch": state.epoch,
            "history": state.history,
            "fingerprint": state.fingerprint,
            "optimizer": {"param_groups": opt["param_groups"], "scalars": scalars},
            "scheduler": None if state.scheduler is None else state.scheduler.state_dict(),
            "callbacks": callbacks_meta,
        }
        from safetensors.torch import save_file

        self.directory.mkdir(parents=True, exist_ok=True)
        cpu = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
        with atomic_path(self.path) as tmp:
            save_file(cpu, str(tmp), metadata={"neyman": json.dumps(document)})
        return self.path

    def load_into(self, state: TrainState) -> None:
        """Restore ``state`` (weights, optimizer, schedule, callbacks, history, epoch)."""
        from safetensors import safe_open

        if state.optimizer is None:
            msg = "resuming from a checkpoint needs the torch training loop (backend='torch')"
            raise ModelError(msg)

        try:
            with safe_open(str(self.path), framework="pt") as handle:
                metadata = handle.metadata() or {}
                tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
            document = json.loads(metadata["neyman"])
        except Exception as exc:  # safetensors and json raise several types
            msg = f"checkpoint '{self.path}' is unreadable ({exc}); delete it or set resume=False"
            raise ModelError(msg) from exc
        if document.get("version") != _CHECKPOINT_VERSION:
            msg = (
                f"checkpoint '{self.path}' has version {document.get('version')!r}, "
                f"expected {_CHECKPOINT_VERSION}; delete it or set resume=False"
            )
            raise ModelError(msg)
        stored = document.get("fingerprint", {})
        current = json.loads(json.dumps(state.fingerprint))
        if stored != current:
            keys = sorted(k for k in set(stored) | set(current) if stored.get(k) != current.get(k))
            msg = (
                f"checkpoint '{self.path}' was written by a different model or training "
                f"setup (differs in: {', '.join(keys)}); delete it or set resume=False"
            )
            raise ModelError(msg)
        module_state = {
            k[len("module.") :]: v for k, v in tensors.items() if k.startswith("module.")
        }
        state.module.load_state_dict(module_state)
        opt_state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, idx, name = key.split(".", 2)
                opt_state.setdefault(int(idx), {})[name] = value
        for idx, entry in document["optimizer"]["scalars"].items():
            opt_state.setdefault(int(idx), {}).update(entry)
        state.optimizer.load_state_dict(
            {"state": opt_state, "param_groups": document["optimizer"]["param_groups"]}
        )
        if state.scheduler is not None and document["scheduler"] is not None:
            state.scheduler.load_state_dict(document["scheduler"])
        device = next(state.module.parameters()).device
        for i, (cb, entry) in enumerate(
            zip(self._others(state), document["callbacks"], strict=False)
        ):
            if type(cb).__name__ != entry["class"]:
                continue
            prefix = f"callback.{i}."
            cb_tensors = {
                k[len(prefix) :]: v.to(device) for k, v in tensors.items() if k.startswith(prefix)
            }
            cb.load_state_dict(entry["meta"], cb_tensors)
        state.history.clear()
        state.history.update({k: list(v) for k, v in document["history"].items()})
        state.epoch = int(document["epoch"])


class ProgressBar(Callback):
    """A rich progress bar advancing per epoch, showing train and validation loss.

    Quiet when ``verbose == 0`` or when the console is not a terminal (logs, CI, tests).
    """

    def __init__(self, verbose: int = 1, *, description: str = "training") -> None:
        self.verbose = verbose
        self.description = description
        self._progress: Any = None
        self._task: Any = None

    def on_train_begin(self, state: TrainState) -> None:
        from rich.console import Console

        console = Console(file=sys.stderr)
        if self.verbose <= 0 or not console.is_terminal:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[losses]}"),
            console=console,
            transient=self.verbose < 2,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self.description, total=state.epochs, completed=state.epoch, losses=""
        )

    def on_epoch_end(self, state: TrainState) -> None:
        if self._progress is None:
            return
        shown = "  ".join(f"{k} {v:.4g}" for k, v in state.logs.items() if k != "lr")
        self._progress.update(self._task, completed=state.epoch, losses=shown)

    def on_train_end(self, state: TrainState) -> None:
        self.close()

    def close(self) -> None:
        """Stop the bar and its refresh thread (also after a fit that raised)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
