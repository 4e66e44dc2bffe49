"""One training specification for both backends: what is learned and how it is optimised.

Read :mod:`neyman.train.loop` first (the update rule). This module names the pieces of a
training run once, so that the PyTorch loop (:func:`neyman.train.loop.fit`) and the compiled
loop (:func:`neyman.train.fast.fit`) read the same object instead of two copies of loss names
and optimizer rules:

- :class:`LossSpec`: the output head, the per-sample loss, the number of outputs and the
  per-epoch metric. It is callable (``spec(z, y)`` is the per-sample loss of raw outputs
  ``z``), so it is the ``loss_fn`` of the torch loop, and the compiled loop reads its
  fields.
- :class:`~neyman.train.loop.TrainConfig`: the optimizer and all its hyperparameters,
  batching, schedule, seed, device and precision.
- :class:`TrainSpec`: the two together, and :func:`train`, which trains a module from a
  spec on the backend :func:`choose_backend` picks (a rule on the problem's shape only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn

from neyman.errors import ConfigError
from neyman.train.callbacks import Callback
from neyman.train.loop import LossFn, TrainConfig, TrainHistory

__all__ = [
    "BACKENDS",
    "FAST_MAX_BATCH",
    "FAST_MAX_PARAMETERS",
    "LOSSES",
    "METRICS",
    "OUTPUTS",
    "LossSpec",
    "TrainSpec",
    "choose_backend",
    "train",
]

#: Output heads: applied to the last layer's raw output at predict time.
OUTPUTS = ("sigmoid", "softmax", "linear")
#: Per-sample losses.
LOSSES = ("bce", "cross_entropy", "mse", "mae")
#: Per-epoch metrics (``None``: none).
METRICS = (None, "accuracy", "mae")
#: Training backends an estimator may ask for.
BACKENDS = ("auto", "torch", "fast")

#: ``backend="auto"`` trains with the compiled loop when the setup is supported, the
#: network has at most this many parameters and batches hold at most this many events:
#: there PyTorch's per-call overhead (~100 µs a step), not arithmetic, sets the speed
#: (``python -m benchmarks small_mlp``; crossover in ``docs/benchmarks.md``).
FAST_MAX_PARAMETERS = 50_000
FAST_MAX_BATCH = 32


def head(output: str, z: torch.Tensor) -> torch.Tensor:
    """The output head applied to raw outputs ``z`` (probabilities or values)."""
    if output == "sigmoid":
        return torch.sigmoid(z)
    if output == "softmax":
        return torch.softmax(z, dim=1)
    return z


@dataclass(frozen=True)
class LossSpec:
    """Output head, per-sample loss, number of outputs and metric of one training run.

    Parameters
    ----------
    output : {"sigmoid", "softmax", "linear"}
        Head applied to the raw outputs at predict time (and inside ``mse``/``mae``).
    loss : {"bce", "cross_entropy", "mse", "mae"}
        ``bce`` (sigmoid head) and ``cross_entropy`` (softmax head) take logits in their
        numerically stable forms; ``mse``/``mae`` compare the head's output (one-hot targets
        for softmax) with the target and average over output units.
    n_out : int
        Output units (1 for a sigmoid head on two classes).
    metric : {None, "accuracy", "mae"}
        Logged per epoch as its weighted mean (``accuracy`` of the raw outputs, ``mae`` of
        the head's output).

    Examples
    --------
    >>> spec = LossSpec("sigmoid", "bce", 1, "accuracy")
    >>> round(float(spec(torch.zeros(1, 1), torch.ones(1, 1))[0]), 6)  # log 2, in float32
    0.693147
    """

    output: str
    loss: str
    n_out: int
    metric: str | None = None

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            msg = f"output {self.output!r} is not one of {', '.join(OUTPUTS)}"
            raise ConfigError(msg, key="output", value=self.output)
        if self.loss not in LOSSES:
            msg = f"loss {self.loss!r} is not one of {', '.join(LOSSES)}"
            raise ConfigError(msg, key="loss", value=self.loss)
        if self.metric not in METRICS:
            msg = f"metric {self.metric!r} is not one of None, 'accuracy', 'mae'"
            raise ConfigError(msg, key="metric", value=self.metric)
        if self.loss == "bce" and self.output != "sigmoid":
            msg = "loss='bce' needs output='sigmoid'; use loss='cross_entropy'"
            raise ConfigError(msg, key="loss", value=self.loss)
        if self.loss == "cross_entropy" and self.output != "softmax":
            msg = "loss='cross_entropy' needs output='softmax'; use loss='bce'"
            raise ConfigError(msg, key="loss", value=self.loss)
        if self.n_out < 1:
            msg = f"n_out={self.n_out} must be at least 1"
            raise ConfigError(msg, key="n_out", value=self.n_out)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        """The head's output for raw outputs ``z``."""
        return head(self.output, z)

    def __call__(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-sample loss of raw outputs ``z`` (shape ``(b, n_out)``) against ``y``."""
        if self.loss == "bce":
            return F.binary_cross_entropy_with_logits(z, y, reduction="none").mean(dim=1)
        if self.loss == "cross_entropy":
            return F.cross_entropy(z, y, reduction="none")
        pred = self.head(z)
        target = F.one_hot(y, self.n_out).to(pred.dtype) if self.output == "softmax" else y
        diff = pred - target
        per = diff * diff if self.loss == "mse" else diff.abs()
        return per.mean(dim=1)

    def metric_fn(self) -> tuple[str, LossFn] | None:
        """``(name, fn)`` for the training loop, ``fn(z, y)`` a per-sample score."""
        if self.metric is None:
            return None
        if self.metric == "accuracy":
            return "accuracy", self._accuracy
        return "mae", self._mae

    def _accuracy(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.output == "sigmoid" and z.shape[1] == 1:
            return ((z[:, 0] > 0).to(y.dtype) == y[:, 0]).to(torch.float32)
        return (z.argmax(dim=1) == y).to(torch.float32)

    def _mae(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (self.head(z) - y).abs().mean(dim=1)


@dataclass(frozen=True)
class TrainSpec:
    """Everything that defines a training run but the network and the data.

    Parameters
    ----------
    loss : LossSpec
        Head, loss, outputs and metric.
    config : TrainConfig
        Optimizer and its hyperparameters, batching, schedule, seed, device, precision.
    """

    loss: LossSpec
    config: TrainConfig

    def fast_unsupported(self, module: nn.Module, callbacks: Sequence[Callback] = ()) -> str | None:
        """Why the compiled backend cannot train this run (``None`` when it can)."""
        if callbacks:
            return ", ".join(type(cb).__name__ for cb in callbacks)
        from neyman.train.fast import unsupported

        return unsupported(module, self.config, self.loss)


def n_parameters(module: nn.Module) -> int:
    """Trainable parameters of ``module``."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def choose_backend(
    module: nn.Module,
    spec: TrainSpec,
    backend: str = "auto",
    callbacks: Sequence[Callback] = (),
    *,
    owner: str = "",
) -> tuple[str, str | None]:
    """The backend for this run and, for ``"torch"`` under ``"auto"``, why not ``"fast"``.

    ``"auto"`` depends only on the problem's shape: the compiled loop when the setup is
    supported (:func:`neyman.train.fast.unsupported`), the network has at most
    :data:`FAST_MAX_PARAMETERS` parameters and the batch at most :data:`FAST_MAX_BATCH`
    events; PyTorch otherwise. Never on timing, so the same settings always train the same
    way (a grid search over ``batch_size`` may cross the boundary; the two backends agree
    to float32 rounding, ``tests/train/test_parity.py``).

    ``owner`` (an estimator's class name) prefixes the error messages.

    Raises
    ------
    neyman.errors.ConfigError
        For ``backend="fast"`` on an unsupported setup (naming the option), or an unknown
        backend.
    """
    if backend not in BACKENDS:
        msg = f"{owner}backend {backend!r} is not one of {', '.join(BACKENDS)}"
        raise ConfigError(msg, key="backend", value=backend)
    if backend == "torch":
        return "torch", None
    reason = spec.fast_unsupported(module, callbacks)
    if backend == "fast":
        if reason is not None:
            msg = (
                f"{owner}(backend='fast') does not support {reason}; use backend='auto' or 'torch'"
            )
            raise ConfigError(msg, key="backend", value=backend)
        return "fast", None
    if reason is None:
        if n_parameters(module) > FAST_MAX_PARAMETERS:
            reason = f"more than {FAST_MAX_PARAMETERS:,} parameters"
        elif spec.config.batch_size > FAST_MAX_BATCH:
            reason = f"batch_size > {FAST_MAX_BATCH}"
    return ("fast", None) if reason is None else ("torch", reason)


def train(
    module: nn.Module,
    spec: TrainSpec,
    X: NDArray[Any] | torch.Tensor,
    y: NDArray[Any] | torch.Tensor,
    sample_weight: NDArray[Any] | torch.Tensor | None = None,
    *,
    backend: str = "auto",
    validation: tuple[Any, Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    fingerprint: dict[str, Any] | None = None,
) -> TrainHistory:
    """Train ``module`` in place from ``spec`` on the chosen backend; return the history.

    Both backends take the same arguments (``loop.fit`` and ``fast.fit`` have one
    signature); the returned :class:`~neyman.train.loop.TrainHistory` records the backend
    in ``history.backend``.
    """
    chosen, _ = choose_backend(module, spec, backend, callbacks)
    metric = spec.loss.metric_fn()
    if chosen == "fast":
        from neyman.train.fast import fit as fast_fit

        return fast_fit(
            module, spec.loss, X, y, sample_weight, config=spec.config,
            validation=validation, metric=metric, callbacks=callbacks, fingerprint=fingerprint,
        )  # fmt: skip
    from neyman.train.loop import fit as torch_fit

    return torch_fit(
        module, spec.loss, X, y, sample_weight, config=spec.config,
        validation=validation, metric=metric, callbacks=callbacks, fingerprint=fingerprint,
    )  # fmt: skip


def as_numpy_targets(
    spec: LossSpec, y: torch.Tensor, n: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Float targets (sigmoid/linear heads) and class indices (softmax) as NumPy arrays."""
    if spec.output == "softmax":
        Yi = np.ascontiguousarray(y.numpy().reshape(n), dtype=np.int64)
        return np.zeros((n, 1), dtype=np.float32), Yi
    Yf = np.ascontiguousarray(y.numpy().reshape(n, -1), dtype=np.float32)
    return Yf, np.zeros(n, dtype=np.int64)
