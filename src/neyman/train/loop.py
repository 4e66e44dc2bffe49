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
- ``torch.set_num_threads`` set by the caller is respected (the loop never changes it;
  the estimators choose the count with :mod:`neyman._util.threads`).
- ``config.precision == "bf16"`` runs the forward pass under ``torch.autocast`` in
  bfloat16 (matrix products on AMX / AVX512-BF16 units or CUDA tensor cores) while the
  weights, the optimizer state and the loss stay float32 (``out.float()`` before the loss).

The update rule of one step, which a compiled fast path must replicate exactly:

1. ``out = module(xb)``; ``per = loss_fn(out, yb)`` (shape ``(b,)``);
2. ``loss = mean(per * wb)`` where sample weights were divided once by their mean over the
   training set (so weights keep their meaning at any batch size, including 1), plus
   ``l1 * sum(|W|)`` over weight matrices and kernels (not biases) when ``l1 > 0``;
3. ``optimizer.zero_grad(); loss.backward(); optimizer.step()`` with a torch optimizer built
   by :func:`make_optimizer` (two parameter groups: weights get ``weight_decay``, biases
   do not).

The loss, head and metric are usually a :class:`neyman.train.spec.LossSpec`; the compiled
loop (:mod:`neyman.train.fast`) has this module's :func:`fit` signature and reads the same
spec, and :func:`neyman.train.spec.train` picks between them.

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

from neyman._util.weights import check_sample_weight
from neyman.errors import ConfigError, ModelError
from neyman.train.callbacks import Callback, History, ProgressBar, TrainState

__all__ = [
    "OPTIMIZERS",
    "PRECISIONS",
    "LossFn",
    "TrainConfig",
    "TrainHistory",
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

#: Numerical precisions of the forward pass (weights and loss always float32).
PRECISIONS = ("fp32", "bf16")

#: ``loss_fn(outputs, targets) -> per-sample loss of shape (n,)``.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class TrainHistory(dict[str, list[float]]):
    """Per-epoch logs (``loss``, ``val_loss``, metrics, ``lr``) and how they were made.

    A plain ``dict`` of lists, plus attributes recording the run: ``backend``
    (``"torch"`` or ``"fast"``), ``precision`` (``"fp32"`` or ``"bf16"``) and ``n_threads``
    (the thread count it ran with, 0 when unknown).
    """

    def __init__(
        self,
        logs: dict[str, list[float]] | None = None,
        *,
        backend: str = "torch",
        precision: str = "fp32",
        n_threads: int = 0,
    ) -> None:
        super().__init__(logs or {})
        self.backend = backend
        self.precision = precision
        self.n_threads = n_threads

    def record(self) -> dict[str, Any]:
        """How the run was made, as JSON-able settings."""
        return {"backend": self.backend, "precision": self.precision, "n_threads": self.n_threads}


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
        ``sgd`` uses ``momentum`` (default 0: plain SGD, as PyTorch and Keras); ``rmsprop``
        uses ``momentum`` too.
    lr : float
        Learning rate.
    momentum : float
        Momentum of ``sgd`` and ``rmsprop`` (dampening 0, no Nesterov).
    beta1, beta2, eps : float
        ``adam``/``adamw`` moment decay rates and the term added to the denominator
        (``eps`` also for ``rmsprop``); torch's defaults 0.9, 0.999, 1e-8.
    rmsprop_alpha : float
        Decay rate of ``rmsprop``'s mean square (torch's ``alpha``, default 0.99).
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
    precision : {"fp32", "bf16"}
        Precision of the forward pass (see the module docstring); weights, optimizer state
        and loss are float32 either way.
    """

    epochs: int = 50
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    rmsprop_alpha: float = 0.99
    weight_decay: float = 0.0
    l1: float = 0.0
    lr_schedule: str | None = None
    lr_factor: float = 0.5
    lr_patience: int = 5
    shuffle: bool = True
    seed: int = 0
    device: str = "cpu"
    verbose: int = 0
    precision: str = "fp32"

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
    ``adam``/``adamw`` use ``betas=(beta1, beta2)`` and ``eps``; ``rmsprop`` uses
    ``alpha=rmsprop_alpha``, ``eps`` and ``momentum``.
    """
    weights, others = _param_groups(module)
    groups: list[dict[str, Any]] = [
        {"params": weights, "weight_decay": config.weight_decay},
        {"params": others, "weight_decay": 0.0},
    ]
    name = config.optimizer
    if name == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
    betas = (config.beta1, config.beta2)
    if name == "adam":
        return torch.optim.Adam(groups, lr=config.lr, betas=betas, eps=config.eps)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr, betas=betas, eps=config.eps)
    if name == "rmsprop":
        return torch.optim.RMSprop(
            groups,
            lr=config.lr,
            alpha=config.rmsprop_alpha,
            eps=config.eps,
            momentum=config.momentum,
        )
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
    """Event weights as float32 on ``device``, divided by their mean (ones when None).

    Checked by :func:`neyman._util.weights.check_sample_weight` (finite, one per event,
    a positive sum).
    """
    if sample_weight is None:
        return torch.ones(n, dtype=torch.float32, device=device)
    if isinstance(sample_weight, torch.Tensor):
        sample_weight = sample_weight.detach().cpu().numpy()
    w = check_sample_weight(sample_weight, n, positive_sum=True)
    return _as_tensor(w / w.mean(), device, torch.float32)


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
) -> TrainHistory:
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
        as its weighted mean under ``name`` and ``val_<name>``. When None and ``loss_fn``
        is a :class:`~neyman.train.spec.LossSpec`, its metric.
    callbacks : sequence of Callback
        Run after the built-in :class:`~neyman.train.callbacks.History`, in order; a
        progress bar is appended when ``config.verbose > 0``.
    fingerprint : dict, optional
        Extra JSON-able description of the model, stored in checkpoints and compared on
        resume (the config's own settings are always included).

    Returns
    -------
    TrainHistory
        ``loss`` (and ``val_loss``, metric, ``val_`` metric when available) and ``lr``
        per epoch; ``history.backend == "torch"``.

    Raises
    ------
    neyman.errors.ModelError
        If the training loss becomes NaN or infinite (lower ``lr``).
    neyman.errors.ConfigError
        If ``config.precision`` is unknown.
    """
    if config.precision not in PRECISIONS:
        msg = f"precision {config.precision!r} is not one of {', '.join(PRECISIONS)}"
        raise ConfigError(msg, key="precision", value=config.precision)
    if metric is None and callable(getattr(loss_fn, "metric_fn", None)):
        metric = loss_fn.metric_fn()  # type: ignore[attr-defined]  # a LossSpec's metric
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
    try:
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
    finally:  # a progress bar's refresh thread must not outlive a fit that raised
        close_callbacks(all_callbacks)
    module.eval()
    return TrainHistory(state.history, backend="torch", precision=config.precision)


def close_callbacks(callbacks: Sequence[Callback]) -> None:
    """Call every callback's ``close`` (each one, even if an earlier one raised)."""
    errors: list[BaseException] = []
    for cb in callbacks:
        try:
            cb.close()
        except Exception as exc:  # close every callback, then re-raise the first error
            errors.append(exc)
    if errors:
        raise errors[0]


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
    bf16 = config.precision == "bf16"
    for start in range(0, n, bs):
        xb, yb, wb = X[start : start + bs], y[start : start + bs], w[start : start + bs]
        if bf16:  # bf16 matrix products; float32 weights, gradients and loss
            with torch.autocast(X.device.type, dtype=torch.bfloat16):
                out = module(xb)
            out = out.float()
        else:
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
