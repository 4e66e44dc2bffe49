"""The one PyTorch training loop behind every neural network in neyman (MLP and CNN).

Why one loop: the course exercises, the MLPs and the CNNs must train the same way, so that
a comparison between methods is a comparison of models, not of loops. Everything a model
needs is an ``nn.Module`` that maps a batch of inputs to outputs and a per-sample loss.

How it keeps the hardware busy (see issue 8):

- The data are moved to the device once. Each epoch draws one seeded permutation, gathers
  the data in that order once, and takes batches as slices (views, no copies, no per-sample
  Python collation).
- Nothing reads a number back to the host inside an epoch: the running loss and metric are
  summed on the device and read once per epoch.
- Prediction runs under ``torch.inference_mode`` in large batches (:func:`predict`).
- ``torch.set_num_threads`` set by the caller is respected (the loop never changes it).

The update rule of one step, which a compiled fast path must replicate exactly:

1. ``out = module(xb)``; ``per = loss_fn(out, yb)`` (shape ``(b,)``);
2. ``loss = mean(per * wb)`` where sample weights were divided once by their mean over the
   training set (so weights keep their meaning at any batch size, including 1), plus
   ``l1 * sum(|W|)`` over weight matrices and kernels (not biases) when ``l1 > 0``;
3. ``optimizer.zero_grad(); loss.backward(); optimizer.step()`` with a torch optimizer built
   by :func:`make_optimizer` (two parameter groups: weights get ``weight_decay``, biases
   do not).

Determinism: the permutation and the dropout masks of epoch ``e`` come from a seed derived
from ``(seed, e)`` alone, and the global torch RNG is restored afterwards. With the
optimizer, schedule and callback state saved by
:class:`~neyman.train.callbacks.Checkpoint`, a run resumed after epoch k equals an
uninterrupted one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from neyman.errors import ConfigError, ModelError
from neyman.train.callbacks import Callback, History, ProgressBar, TrainState

__all__ = [
    "OPTIMIZERS",
    "LossFn",
    "TrainConfig",
    "epoch_permutation",
    "epoch_seed",
    "fit",
    "make_optimizer",
    "make_scheduler",
    "predict",
    "resolve_device",
    "train_chunk",
]

#: Optimizers the loop knows, by name.
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")

#: ``loss_fn(outputs, targets) -> per-sample loss of shape (n,)``.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (everything but the data, model and callbacks).

    Parameters
    ----------
    epochs : int
        Passes over the training data.
    batch_size : int
        Events per step (1 allowed: per-event SGD).
    optimizer : {"sgd", "adam", "adamw", "rmsprop"}
        ``sgd`` uses ``momentum`` (0 for plain SGD); ``rmsprop`` uses ``momentum`` too.
    lr : float
        Learning rate.
    momentum : float
        Momentum of ``sgd`` and ``rmsprop``.
    weight_decay : float
        L2 strength on weights (not biases); coupled to the gradient for sgd, adam and
        rmsprop, decoupled for adamw.
    l1 : float
        L1 strength on weights (not biases), added to the loss.
    lr_schedule : {None, "plateau"}
        ``"plateau"`` multiplies the learning rate by ``lr_factor`` after ``lr_patience``
        epochs without improvement of the validation loss (training loss without
        validation data).
    lr_factor, lr_patience : float, int
        Settings of the plateau schedule.
    shuffle : bool
        Draw a new seeded permutation every epoch.
    seed : int
        Seeds permutations and dropout.
    device : str
        A torch device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``); see
        :func:`resolve_device` for ``"auto"``.
    verbose : int
        0: silent; 1: a transient progress bar in a terminal; 2: a persistent one.
    """

    epochs: int = 50
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    l1: float = 0.0
    lr_schedule: str | None = None
    lr_factor: float = 0.5
    lr_patience: int = 5
    shuffle: bool = True
    seed: int = 0
    device: str = "cpu"
    verbose: int = 0

    def fingerprint(self) -> dict[str, Any]:
        """Settings that must agree for a checkpoint to be resumed (all but epochs/verbose)."""
        out = asdict(self)
        for key in ("epochs", "verbose", "device"):
            out.pop(key)
        return out


def resolve_device(device: str) -> torch.device:
    """``"auto"`` means CUDA when available, else CPU; anything else is passed to torch."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        msg = f"device {device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'"
        raise ConfigError(msg) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        msg = f"device {device!r} was requested but CUDA is not available; use 'auto' or 'cpu'"
        raise ConfigError(msg)
    return resolved


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch ``epoch`` (0-based): a function of ``(seed, epoch)`` only."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1, dtype=np.uint32)[0])


def _param_groups(module: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """Split parameters into weights (ndim > 1: matrices, kernels) and the rest (biases)."""
    weights = [p for p in module.parameters() if p.requires_grad and p.ndim > 1]
    others = [p for p in module.parameters() if p.requires_grad and p.ndim <= 1]
    return weights, others


def make_optimizer(module: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Build the torch optimizer of ``config`` with weight decay on weights only.

    Group 0 holds the weight matrices and kernels (``weight_decay`` applies), group 1 the
    biases (no decay). ``sgd`` is ``torch.optim.SGD(momentum=config.momentum)``;
    ``adam``/``adamw`` use torch's default betas (0.9, 0.999) and eps 1e-8; ``rmsprop``
    uses alpha 0.99, eps 1e-8 and ``momentum``.
    """
    weights, others = _param_groups(module)
    groups: list[dict[str, Any]] = [
        {"params": weights, "weight_decay": config.weight_decay},
        {"params": others, "weight_decay": 0.0},
    ]
    name = config.optimizer
    if name == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
    if name == "adam":
        return torch.optim.Adam(groups, lr=config.lr)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(groups, lr=config.lr, momentum=config.momentum)
    msg = f"unknown optimizer {name!r}; valid optimizers: {', '.join(OPTIMIZERS)}"
    raise ConfigError(msg)


def make_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig
) -> torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    """The learning-rate schedule of ``config`` (``None`` or reduce-on-plateau)."""
    if config.lr_schedule is None:
        return None
    if config.lr_schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=config.lr_factor, patience=config.lr_patience
        )
    msg = f"unknown lr_schedule {config.lr_schedule!r}; valid schedules: None, 'plateau'"
    raise ConfigError(msg)


def _as_tensor(a: Any, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a.to(device=device, dtype=dtype or a.dtype)
    arr = np.asarray(a)
    if dtype is None:
        dtype = torch.float32 if arr.dtype.kind == "f" else torch.int64
    return torch.as_tensor(arr, dtype=dtype, device=device)


def _event_weights(sample_weight: Any, n: int, device: torch.device) -> torch.Tensor:
    """Event weights as float32 on ``device``, divided by their mean (ones when None)."""
    if sample_weight is None:
        return torch.ones(n, dtype=torch.float32, device=device)
    wt = _as_tensor(sample_weight, device, torch.float32)
    mean = float(wt.mean())
    if not mean > 0:
        msg = "sample_weight must have a positive mean; check the event weights"
        raise ModelError(msg)
    return wt / mean


def epoch_permutation(n: int, seed: int) -> torch.Tensor:
    """The order in which an epoch seeded with ``seed`` visits ``n`` events (CPU tensor).

    The one definition shared by :func:`fit`, :func:`train_chunk` and the compiled fast
    path, so that every path visits events in the same order.
    """
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def _check_loss(loss: float, epoch: int | None = None) -> None:
    """Raise ModelError when the training loss is NaN or infinite."""
    if not math.isfinite(loss):
        where = "" if epoch is None else f" at epoch {epoch}"
        msg = f"training diverged: the loss is {loss}{where}; lower lr or standardise the inputs"
        raise ModelError(msg)


def fit(
    module: nn.Module,
    loss_fn: LossFn,
    X: NDArray[Any] | torch.Tensor,
    y: NDArray[Any] | torch.Tensor,
    sample_weight: NDArray[Any] | torch.Tensor | None = None,
    *,
    config: TrainConfig,
    validation: tuple[Any, Any, Any] | None = None,
    metric: tuple[str, LossFn] | None = None,
    callbacks: Sequence[Callback] = (),
    fingerprint: dict[str, Any] | None = None,
) -> dict[str, list[float]]:
    """Train ``module`` in place and return the per-epoch history.

    Parameters
    ----------
    module : torch.nn.Module
        The network; moved to ``config.device``.
    loss_fn : callable
        ``loss_fn(outputs, targets)`` returning the per-sample loss, shape ``(b,)``.
    X : array or tensor of shape (n, ...)
        Inputs (converted to float32).
    y : array or tensor of shape (n, ...)
        Targets, already in the form ``loss_fn`` expects (float or int64).
    sample_weight : array of shape (n,), optional
        Event weights; divided by their mean so that they average to 1.
    config : TrainConfig
        Optimizer, batching, schedule, seed, device.
    validation : tuple (X_val, y_val, w_val or None), optional
        Evaluated after every epoch (``val_loss`` and the validation metric).
    metric : tuple (name, fn), optional
        ``fn(outputs, targets)`` returning a per-sample score (e.g. 1.0 if correct); logged
        as its weighted mean under ``name`` and ``val_<name>``.
    callbacks : sequence of Callback
        Run after the built-in :class:`~neyman.train.callbacks.History`, in order; a
        progress bar is appended when ``config.verbose > 0``.
    fingerprint : dict, optional
        Extra JSON-able description of the model, stored in checkpoints and compared on
        resume (the config's own settings are always included).

    Returns
    -------
    dict of str to list of float
        ``loss`` (and ``val_loss``, metric, ``val_`` metric when available) and ``lr``
        per epoch.

    Raises
    ------
    neyman.errors.ModelError
        If the training loss becomes NaN or infinite (lower ``lr``).
    """
    device = torch.device(config.device)
    module.to(device)
    Xt = _as_tensor(X, device, torch.float32)
    yt = _as_tensor(y, device)
    n = int(Xt.shape[0])
    wt = _event_weights(sample_weight, n, device)
    val: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
    if validation is not None:
        Xv = _as_tensor(validation[0], device, torch.float32)
        yv = _as_tensor(validation[1], device, yt.dtype)
        wv = (
            torch.ones(int(Xv.shape[0]), dtype=torch.float32, device=device)
            if validation[2] is None
            else _as_tensor(validation[2], device, torch.float32)
        )
        val = (Xv, yv, wv)

    optimizer = make_optimizer(module, config)
    scheduler = make_scheduler(optimizer, config)
    penalised, _ = _param_groups(module)
    all_callbacks: list[Callback] = [History(), *callbacks]
    if config.verbose > 0:
        all_callbacks.append(ProgressBar(config.verbose))
    state = TrainState(
        module=module,
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=config.epochs,
        callbacks=all_callbacks,
        fingerprint={"config": config.fingerprint(), "model": fingerprint or {}},
    )
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        for cb in all_callbacks:
            cb.on_train_begin(state)
        while state.epoch < config.epochs and not state.stop:
            seed = epoch_seed(config.seed, state.epoch)
            torch.manual_seed(seed)
            logs = _run_epoch(
                module, loss_fn, optimizer, Xt, yt, wt, config, seed, penalised, metric
            )
            if val is not None:
                logs.update(_evaluate(module, loss_fn, val, metric))
            if scheduler is not None:
                scheduler.step(logs.get("val_loss", logs["loss"]))
            logs["lr"] = float(optimizer.param_groups[0]["lr"])
            state.epoch += 1
            state.logs = logs
            _check_loss(logs["loss"], state.epoch)
            for cb in all_callbacks:
                cb.on_epoch_end(state)
        for cb in all_callbacks:
            cb.on_train_end(state)
    module.eval()
    return state.history


def train_chunk(
    module: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    X: Any,
    y: Any,
    sample_weight: Any,
    *,
    config: TrainConfig,
    seed: int,
    metric: tuple[str, LossFn] | None = None,
) -> dict[str, float]:
    """One pass over one chunk of events with an optimizer that lives across chunks.

    The streaming counterpart of :func:`fit`, for data larger than memory: the caller reads
    chunks (e.g. :func:`neyman.data.iter_table`) and keeps ``optimizer``; each chunk is
    shuffled with ``seed`` and batched exactly as one epoch of :func:`fit`. Sample weights
    are divided by their mean over the chunk.
    """
    device = next(module.parameters()).device
    Xt = _as_tensor(X, device, torch.float32)
    yt = _as_tensor(y, device)
    n = int(Xt.shape[0])
    wt = _event_weights(sample_weight, n, device)
    penalised, _ = _param_groups(module)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        logs = _run_epoch(module, loss_fn, optimizer, Xt, yt, wt, config, seed, penalised, metric)
    module.eval()
    _check_loss(logs["loss"])
    return logs


def _run_epoch(
    module: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    config: TrainConfig,
    seed: int,
    penalised: list[nn.Parameter],
    metric: tuple[str, LossFn] | None,
) -> dict[str, float]:
    n = int(X.shape[0])
    if config.shuffle:
        perm = epoch_permutation(n, seed).to(X.device)
        X, y, w = X[perm], y[perm], w[perm]
    module.train()
    loss_sum = torch.zeros((), dtype=torch.float32, device=X.device)
    metric_sum = torch.zeros((), dtype=torch.float32, device=X.device)
    bs = config.batch_size
    l1 = config.l1
    for start in range(0, n, bs):
        xb, yb, wb = X[start : start + bs], y[start : start + bs], w[start : start + bs]
        out = module(xb)
        per = loss_fn(out, yb)
        loss = (per * wb).mean()
        if l1 > 0:
            loss = loss + l1 * sum(p.abs().sum() for p in penalised)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        with torch.no_grad():
            loss_sum += (per.detach() * wb).sum()
            if metric is not None:
                metric_sum += (metric[1](out.detach(), yb) * wb).sum()
    # weights average to 1 over the training set, so the weighted mean is a sum over n
    logs = {"loss": float(loss_sum) / n}
    if metric is not None:
        logs[metric[0]] = float(metric_sum) / n
    return logs


def _evaluate(
    module: nn.Module,
    loss_fn: LossFn,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    metric: tuple[str, LossFn] | None,
) -> dict[str, float]:
    X, y, w = data
    out = predict(module, X)
    total = float(w.sum())
    logs = {"val_loss": float((loss_fn(out, y) * w).sum()) / total}
    if metric is not None:
        logs[f"val_{metric[0]}"] = float((metric[1](out, y) * w).sum()) / total
    return logs


def predict(module: nn.Module, X: Any, *, batch_size: int = 65536) -> torch.Tensor:
    """Outputs of ``module`` on ``X`` in eval mode, under ``torch.inference_mode``.

    ``X`` is moved to the module's device once; batches of ``batch_size`` events bound the
    memory of intermediate activations. The result stays on the module's device.
    """
    device = next(module.parameters()).device
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode():
            Xt = _as_tensor(X, device, torch.float32)
            n = int(Xt.shape[0])
            if n <= batch_size:
                out: torch.Tensor = module(Xt)
                return out
            parts = [module(Xt[i : i + batch_size]) for i in range(0, n, batch_size)]
            return torch.cat(parts)
    finally:
        module.train(was_training)
