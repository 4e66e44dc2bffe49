"""Machinery shared by the PyTorch estimators (:mod:`neyman.models.mlp`, ``cnn``).

A torch estimator only says how to build its network (``_build_module``) and how to shape
its input (``_prepare_X``); this module turns targets into tensors, resolves the output
head and loss, splits validation data, wires the callbacks, runs :func:`neyman.train.fit`,
predicts under ``torch.inference_mode``, prints the summary, exports ONNX and saves.

Weight initialisation: the network is built on the CPU right after
``torch.manual_seed(seed)`` (inside ``torch.random.fork_rng``, so the caller's RNG is left
alone), with PyTorch's default initialisation (``nn.Linear``/``nn.Conv2d``: weights
Kaiming-uniform with ``a=sqrt(5)``, biases uniform in ``±1/sqrt(fan_in)``); ``seed`` is
``random_state`` (a fresh random seed when it is ``None``). Same seed, same weights.
"""

from __future__ import annotations

import io
import os
import re
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from scipy.special import expit, softmax
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight
from torch import nn

from neyman.errors import ConfigError, DataError, ModelError
from neyman.models.base import (
    Boolean,
    Constraint,
    Interval,
    NeymanEstimator,
    Options,
    PathLike,
    RandomState,
    classes_from_json,
    classes_to_json,
    random_seed,
)
from neyman.train import Checkpoint, EarlyStopping, TrainConfig, epoch_seed, resolve_device
from neyman.train import fit as train_fit
from neyman.train import predict as train_predict
from neyman.train.callbacks import Callback, atomic_path

__all__ = ["ACTIVATIONS", "LOSSES", "OUTPUTS"]

#: Hidden-layer activations by name (``leaky_relu`` has slope 0.01, ``elu`` alpha 1).
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}
#: Output heads: applied to the last linear layer's output at predict time.
OUTPUTS = ("sigmoid", "softmax", "linear")
#: Per-sample losses.
LOSSES = ("bce", "cross_entropy", "mse", "mae")

#: ``backend="auto"`` trains with the compiled loop (:mod:`neyman.train.fast`) when the setup
#: is supported, the network has at most this many parameters and batches at most this many
#: events: there PyTorch's per-call overhead, not arithmetic, sets the speed.
FAST_MAX_PARAMETERS = 50_000
FAST_MAX_BATCH = 32

_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


class _Device(Constraint):
    def is_satisfied_by(self, value: object) -> bool:
        return isinstance(value, str) and bool(_DEVICE.match(value))

    def describe(self) -> str:
        return "one of 'auto', 'cpu', 'cuda', 'cuda:<index>', 'mps'"

    def invalid_example(self) -> object:
        return "gpu"


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
    "random_state": [None, RandomState()],
    "verbose": [Interval("int", 0, None)],
}


# ------------------------------------------------------------------------ losses, metrics


def _head(output: str, z: torch.Tensor) -> torch.Tensor:
    if output == "sigmoid":
        return torch.sigmoid(z)
    if output == "softmax":
        return torch.softmax(z, dim=1)
    return z


class _Loss:
    """Per-sample loss of raw network outputs ``z`` (logits for sigmoid/softmax heads).

    ``bce`` and ``cross_entropy`` use the numerically stable logit forms
    (``binary_cross_entropy_with_logits``, ``cross_entropy``); ``mse``/``mae`` compare the
    head's output (probabilities for classifiers, one-hot targets for softmax) with the
    target and average over output dimensions.
    """

    def __init__(self, output: str, loss: str, n_out: int) -> None:
        self.output = output
        self.loss = loss
        self.n_out = n_out

    def __call__(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.loss == "bce":
            return F.binary_cross_entropy_with_logits(z, y, reduction="none").mean(dim=1)
        if self.loss == "cross_entropy":
            return F.cross_entropy(z, y, reduction="none")
        pred = _head(self.output, z)
        target = F.one_hot(y, self.n_out).to(pred.dtype) if self.output == "softmax" else y
        diff = pred - target
        per = diff * diff if self.loss == "mse" else diff.abs()
        return per.mean(dim=1)


def _accuracy(output: str) -> Any:
    def metric(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if output == "sigmoid":
            return ((z[:, 0] > 0).to(y.dtype) == y[:, 0]).to(torch.float32)
        return (z.argmax(dim=1) == y).to(torch.float32)

    return metric


def _mae(output: str) -> Any:
    def metric(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (_head(output, z) - y).abs().mean(dim=1)

    return metric


# --------------------------------------------------------------------------- base class


#: float32 input goes to the network without a float64 round trip (a copy of the data)
_TORCH_DTYPES = [np.float32, np.float64]


class _TorchEstimator(NeymanEstimator):
    """Fit/predict/save/summary/ONNX for estimators backed by an ``nn.Sequential``."""

    _is_classifier: ClassVar[bool] = True

    # parameters every subclass defines (declared for the type checker)
    activation: str
    output: str
    loss: str
    optimizer: str
    lr: float
    momentum: float
    batch_size: int
    epochs: int
    weight_decay: float
    l1: float
    dropout: float
    early_stopping: bool
    patience: int
    validation_fraction: float
    lr_schedule: str | None
    lr_factor: float
    lr_patience: int
    checkpoint_dir: str | os.PathLike[str] | None
    resume: bool
    device: str
    backend: str
    random_state: Any
    verbose: int

    module_: nn.Sequential
    input_shape_: tuple[int, ...]
    n_outputs_: int
    output_: str
    loss_: str

    # -- hooks ------------------------------------------------------------------------

    def _build_module(self, input_shape: tuple[int, ...], n_out: int) -> nn.Sequential:
        raise NotImplementedError

    def _prepare_X(self, X: Any, *, reset: bool) -> NDArray[np.float32]:
        """Validated float32 network input, shape ``(n, *input_shape_)``."""
        raise NotImplementedError

    def _architecture(self) -> dict[str, Any]:
        """JSON-able description of the network (stored in checkpoints)."""
        return {}

    # -- fitting ----------------------------------------------------------------------

    def _resolve_head(self, n_classes: int) -> tuple[str, str, int]:
        name = type(self).__name__
        output, loss = self.output, self.loss
        if self._is_classifier:
            if output == "auto":
                output = "sigmoid" if n_classes == 2 else "softmax"
            if output == "sigmoid" and n_classes != 2:
                msg = (
                    f"{name}(output='sigmoid') needs two classes, got {n_classes}; "
                    "use output='softmax' or 'auto'"
                )
                raise ConfigError(msg)
            if loss == "auto":
                loss = "bce" if output == "sigmoid" else "cross_entropy"
            if loss == "bce" and output != "sigmoid":
                msg = f"{name}(loss='bce') needs output='sigmoid'; use loss='cross_entropy'"
                raise ConfigError(msg)
            if loss == "cross_entropy" and output != "softmax":
                msg = f"{name}(loss='cross_entropy') needs output='softmax'; use loss='bce'"
                raise ConfigError(msg)
            return output, loss, 1 if output == "sigmoid" else n_classes
        output = "linear" if output == "auto" else output
        loss = "mse" if loss == "auto" else loss
        return output, loss, n_classes

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> Any:
        self._check_params()
        for stale in ("optimizer_", "n_chunks_", "_stream_config"):  # fit starts afresh
            self.__dict__.pop(stale, None)
        Xc, yc = self._check_X(
            X,
            reset=True,
            y=y,
            allow_nd=True,
            dtype=_TORCH_DTYPES,
            multi_output=not self._is_classifier,
            y_numeric=not self._is_classifier,
        )
        Xn = self._prepare_X(Xc, reset=True)
        self.input_shape_ = tuple(int(s) for s in Xn.shape[1:])
        sw = _weights(sample_weight, Xn)
        targets, n_out_raw = self._encode_targets(yc, fitting=True)
        output, loss, n_out = self._resolve_head(n_out_raw)
        seed = random_seed(self.random_state)

        validation = None
        if validation_data is not None:
            validation = self._validation_from(validation_data)
        elif self.early_stopping:
            strat = targets.reshape(len(targets), -1)[:, 0] if self._is_classifier else None
            idx = np.arange(len(Xn))
            try:
                i_tr, i_va = train_test_split(
                    idx, test_size=self.validation_fraction, random_state=seed, stratify=strat
                )
            except ValueError:  # a class too small to stratify: plain random split
                i_tr, i_va = train_test_split(
                    idx, test_size=self.validation_fraction, random_state=seed
                )
            if len(i_tr) == 0 or len(i_va) == 0:
                msg = (
                    f"early stopping needs a validation split but {len(Xn)} event(s) are "
                    "too few; pass validation_data or more events"
                )
                raise DataError(msg)
            validation = (Xn[i_va], targets[i_va], None if sw is None else sw[i_va])
            Xn, targets, sw = Xn[i_tr], targets[i_tr], None if sw is None else sw[i_tr]

        module = self._init_module(seed, n_out)
        device = resolve_device(self.device)
        config = self._train_config(seed, device)
        callbacks: list[Callback] = []
        if self.early_stopping:
            callbacks.append(EarlyStopping(self.patience))
        if self.checkpoint_dir is not None:
            callbacks.append(Checkpoint(self.checkpoint_dir, resume=self.resume))
        metric = ("accuracy", _accuracy(output)) if self._is_classifier else ("mae", _mae(output))
        fingerprint = {
            "class": type(self).__name__,
            "input_shape": list(self.input_shape_),
            "n_outputs": n_out,
            "output": output,
            "loss": loss,
            "params": {k: list(v.shape) for k, v in module.state_dict().items()},
            **self._architecture(),
        }
        backend = self._choose_backend(module, config, output, loss)
        if backend == "fast":
            from neyman.train.fast import fit as fast_fit

            history = fast_fit(
                module,
                _Loss(output, loss, n_out),
                Xn,
                targets,
                sw,
                config=config,
                output=output,
                loss=loss,
                validation=validation,
                metric=metric,
            )
        else:
            history = train_fit(
                module,
                _Loss(output, loss, n_out),
                Xn,
                targets,
                sw,
                config=config,
                validation=validation,
                metric=metric,
                callbacks=callbacks,
                fingerprint=fingerprint,
            )
        self.module_ = module
        self.output_ = output
        self.loss_ = loss
        self.n_outputs_ = n_out
        self.history_ = history
        self.n_parameters_ = int(sum(p.numel() for p in module.parameters()))
        self.device_ = str(device)
        self.backend_ = backend
        return self

    def partial_fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        classes: Any = None,
    ) -> Any:
        """Train one pass over one chunk of events; call again with the next chunk.

        For data larger than memory: read chunks with :func:`neyman.data.iter_table` and
        pass each here. The network and the optimizer state carry over between calls (the
        ``epochs``, early-stopping and checkpoint settings do not apply). Classifiers need
        ``classes`` (all labels) on the first call, as in scikit-learn.
        """
        from neyman.train import make_optimizer, train_chunk

        first = not hasattr(self, "module_")  # fresh, or continue after fit/partial_fit
        if first:
            self._check_params()
        Xc, yc = self._check_X(
            X,
            reset=first,
            y=y,
            allow_nd=True,
            dtype=_TORCH_DTYPES,
            multi_output=not self._is_classifier,
            y_numeric=not self._is_classifier,
        )
        Xn = self._prepare_X(Xc, reset=first)
        sw = _weights(sample_weight, Xn)
        if first:
            if self._is_classifier:
                if classes is None:
                    msg = f"the first {type(self).__name__}.partial_fit call needs classes= (all labels)"
                    raise DataError(msg)
                labels = np.unique(np.asarray(classes))
                if len(labels) < 2:
                    msg = f"classes={labels.tolist()} has one class; give all labels, e.g. classes=[0, 1]"
                    raise DataError(msg)
                self.classes_ = labels
                n_raw = len(labels)
            else:
                _, n_raw = self._encode_targets(yc, fitting=True)
            self.input_shape_ = tuple(int(s) for s in Xn.shape[1:])
            output, loss, n_out = self._resolve_head(n_raw)
            seed = random_seed(self.random_state)
            device = resolve_device(self.device)
            self.module_ = self._init_module(seed, n_out).to(device)
            self.output_, self.loss_, self.n_outputs_ = output, loss, n_out
            self.n_parameters_ = int(sum(p.numel() for p in self.module_.parameters()))
            self.device_ = str(device)
        if not hasattr(self, "optimizer_"):
            device = next(self.module_.parameters()).device
            # one pass per chunk; schedules and progress bars belong to whole-data fits
            self._stream_config = replace(
                self._train_config(random_seed(self.random_state), device),
                epochs=1,
                lr_schedule=None,
                verbose=0,
            )
            self.optimizer_ = make_optimizer(self.module_, self._stream_config)
            self.history_ = {"loss": []}
            self.backend_ = "torch"
            self.n_chunks_ = 0
        targets, _ = self._encode_targets(yc, fitting=False)
        config = self._stream_config
        logs = train_chunk(
            self.module_,
            _Loss(self.output_, self.loss_, self.n_outputs_),
            self.optimizer_,
            Xn,
            targets,
            sw,
            config=config,
            seed=epoch_seed(config.seed, self.n_chunks_),
        )
        self.history_["loss"].append(logs["loss"])
        self.n_chunks_ += 1
        return self

    def _train_config(self, seed: int, device: torch.device) -> TrainConfig:
        """The loop settings from this estimator's hyperparameters."""
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            lr=float(self.lr),
            momentum=float(self.momentum),
            weight_decay=float(self.weight_decay),
            l1=float(self.l1),
            lr_schedule=self.lr_schedule,
            lr_factor=float(self.lr_factor),
            lr_patience=int(self.lr_patience),
            seed=seed,
            device=str(device),
            verbose=int(self.verbose),
        )

    def _choose_backend(
        self, module: nn.Module, config: TrainConfig, output: str, loss: str
    ) -> str:
        """``"fast"`` or ``"torch"`` for this fit (see ``backend`` and ``FAST_MAX_*``)."""
        if self.backend == "torch":
            return "torch"
        from neyman.train.fast import unsupported

        reason: str | None
        if self.early_stopping:
            reason = "early_stopping=True"
        elif self.checkpoint_dir is not None:
            reason = "checkpoint_dir"
        else:
            metric = "accuracy" if self._is_classifier else "mae"
            reason = unsupported(module, config, output=output, loss=loss, metric=metric)
        if self.backend == "fast":
            if reason is not None:
                msg = (
                    f"{type(self).__name__}(backend='fast') does not support {reason}; "
                    "use backend='auto' or 'torch'"
                )
                raise ConfigError(msg)
            return "fast"
        n_parameters = sum(p.numel() for p in module.parameters())
        small = n_parameters <= FAST_MAX_PARAMETERS and config.batch_size <= FAST_MAX_BATCH
        return "fast" if reason is None and small else "torch"

    def _init_module(self, seed: int, n_out: int) -> nn.Sequential:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self._build_module(self.input_shape_, n_out)

    def _encode_targets(self, y: Any, *, fitting: bool) -> tuple[NDArray[Any], int]:
        """Targets as the loss expects them and the number of classes/outputs."""
        if self._is_classifier:
            idx = self._class_index(y, fitting=fitting)
            k = len(self.classes_)
            output = self.output if self.output != "auto" else ("sigmoid" if k == 2 else "softmax")
            if output == "sigmoid":
                return idx.astype(np.float32).reshape(-1, 1), k
            return idx.astype(np.int64), k
        yf = np.asarray(y, dtype=np.float32)
        if fitting:
            self._y_ndim = yf.ndim
        if yf.ndim == 1:
            yf = yf.reshape(-1, 1)
        return yf, int(yf.shape[1])

    def _validation_from(self, data: tuple[Any, ...]) -> tuple[Any, Any, Any]:
        if not isinstance(data, tuple | list) or len(data) not in (2, 3):
            msg = "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, w_val)"
            raise DataError(msg)
        Xv = self._prepare_X(
            self._check_X(data[0], reset=False, allow_nd=True, dtype=_TORCH_DTYPES), reset=False
        )
        yv = np.asarray(data[1])
        if len(yv) != len(Xv):
            msg = f"validation_data has {len(Xv)} events in X but {len(yv)} in y"
            raise DataError(msg)
        targets, _ = self._encode_targets(yv, fitting=False)
        wv = _weights(data[2], Xv) if len(data) == 3 else None
        return Xv, targets, wv

    # -- prediction -------------------------------------------------------------------

    def _raw(self, X: Any) -> NDArray[np.float64]:
        """Raw network outputs (logits for classifiers), float64, shape ``(n, k)``."""
        Xc = self._check_X(X, reset=False, allow_nd=True, dtype=_TORCH_DTYPES)
        Xn = self._prepare_X(Xc, reset=False)
        out = train_predict(self.module_, Xn)
        return out.to("cpu").numpy().astype(np.float64)

    def _decision(self, X: Any) -> NDArray[np.float64]:
        z = self._raw(X)
        if self.output_ == "sigmoid":
            return z[:, 0]
        if z.shape[1] == 2:
            return z[:, 1] - z[:, 0]
        return z

    def _proba(self, X: Any) -> NDArray[np.float64]:
        z = self._raw(X)
        if self.output_ == "sigmoid":
            p = expit(z[:, 0])
            return np.column_stack([1.0 - p, p])
        return np.asarray(softmax(z, axis=1), dtype=np.float64)

    def _predict_class(self, X: Any) -> NDArray[Any]:
        d = self._decision(X)
        idx = (d > 0).astype(int) if d.ndim == 1 else d.argmax(axis=1)
        return np.asarray(self.classes_[idx])

    def _predict_value(self, X: Any) -> NDArray[np.float64]:
        z = self._raw(X)
        pred = expit(z) if self.output_ == "sigmoid" else z
        return pred[:, 0] if getattr(self, "_y_ndim", 1) == 1 else pred

    # -- reporting --------------------------------------------------------------------

    def summary(self, *, show: bool = True) -> str:
        """Print a Keras-like table of layers, output shapes and parameter counts.

        Parameters
        ----------
        show : bool
            Print the table to standard output (as well as returning it).

        Returns
        -------
        str
            The rendered table.
        """
        self._require_fitted()
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{type(self).__name__} ({self.backend_} backend, {self.device_})")
        table.add_column("Layer (type)")
        table.add_column("Output shape")
        table.add_column("Param #", justify="right")
        device = next(self.module_.parameters()).device
        x = torch.zeros((1, *self.input_shape_), device=device)
        table.add_row("input", str((None, *self.input_shape_)), "0")
        with torch.inference_mode():
            for i, layer in enumerate(self.module_):
                x = layer.eval()(x) if not isinstance(layer, nn.Dropout) else x
                count = sum(p.numel() for p in layer.parameters())
                label = f"{i} ({type(layer).__name__})"
                table.add_row(label, str((None, *x.shape[1:])), f"{count:,}")
        table.add_row(f"output head ({self.output_})", str((None, *x.shape[1:])), "0")
        buffer = io.StringIO()
        console = Console(file=buffer, width=100, force_terminal=False, color_system=None)
        console.print(table)
        console.print(f"Total params: {self.n_parameters_:,}  (loss: {self.loss_})")
        text = buffer.getvalue()
        if show:
            sys.stdout.write(text)
        return text

    def export_onnx(self, path: str | os.PathLike[str]) -> Path:
        """Export the network with its output head (probabilities or values) to ONNX.

        The graph takes ``X`` (float32, shape ``(n, *input_shape_)``, dynamic ``n``) and
        returns ``output``: class probabilities of shape (n, 1) for a sigmoid head (the
        probability of ``classes_[1]``), (n, k) for softmax, or the regression values.

        Parameters
        ----------
        path : path-like
            The ``.onnx`` file to write (atomically).

        Raises
        ------
        ImportError
            If ``onnx``/``onnxscript`` are missing: ``pip install 'neyman[onnx]'``.
        """
        self._require_fitted()
        try:
            import onnx  # noqa: F401
            import onnxscript  # noqa: F401
        except ImportError as exc:
            msg = f"{type(self).__name__}.export_onnx needs onnx: pip install 'neyman[onnx]'"
            raise ImportError(msg) from exc
        import copy

        head: nn.Module = {"sigmoid": nn.Sigmoid(), "softmax": nn.Softmax(dim=1)}.get(
            self.output_, nn.Identity()
        )
        graph = nn.Sequential(copy.deepcopy(self.module_).to("cpu"), head).eval()
        example = torch.zeros((2, *self.input_shape_))
        target = Path(path)
        with atomic_path(target) as tmp, warnings.catch_warnings():
            # torch's exporter emits internal deprecation warnings that are not the user's
            warnings.simplefilter("ignore")
            torch.onnx.export(
                graph,
                (example,),
                str(tmp),
                input_names=["X"],
                output_names=["output"],
                dynamic_shapes=({0: torch.export.Dim("n")},),
                dynamo=True,
                external_data=False,
            )
        return target

    # -- persistence ------------------------------------------------------------------

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        meta: dict[str, Any] = {
            "input_shape": list(self.input_shape_),
            "n_outputs": self.n_outputs_,
            "output": self.output_,
            "loss": self.loss_,
            "history": self.history_,
            "n_parameters": self.n_parameters_,
            "backend": self.backend_,
            "y_ndim": getattr(self, "_y_ndim", 1),
        }
        if self._is_classifier:
            meta["classes"] = classes_to_json(self.classes_)
        arrays = {
            f"module.{k}": v.detach().to("cpu").numpy()
            for k, v in self.module_.state_dict().items()
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        self.input_shape_ = tuple(int(s) for s in meta["input_shape"])
        self.n_outputs_ = int(meta["n_outputs"])
        self.output_ = str(meta["output"])
        self.loss_ = str(meta["loss"])
        self.history_ = {str(k): [float(x) for x in v] for k, v in meta["history"].items()}
        self.n_parameters_ = int(meta["n_parameters"])
        self.backend_ = str(meta.get("backend", "torch"))
        self._y_ndim = int(meta.get("y_ndim", 1))
        if self._is_classifier:
            self.classes_ = classes_from_json(meta["classes"])
        module = self._build_module(self.input_shape_, self.n_outputs_)
        state = {k[len("module.") :]: torch.from_numpy(v.copy()) for k, v in arrays.items()}
        try:
            module.load_state_dict(state)
        except RuntimeError as exc:
            msg = f"'{path}' weights do not match the saved architecture ({exc}); save it again"
            raise ModelError(msg) from exc
        device = resolve_device(self.device)
        self.module_ = module.to(device).eval()
        self.device_ = str(device)


def _weights(sample_weight: Any, X: NDArray[Any]) -> NDArray[np.float32] | None:
    if sample_weight is None:
        return None
    w = _check_sample_weight(sample_weight, X.reshape(len(X), -1), dtype=np.float64)
    if not np.all(np.isfinite(w)):
        msg = "sample_weight contains NaN or inf; fix or drop those events"
        raise DataError(msg)
    if not w.sum() > 0:
        msg = "sample_weight must have a positive sum; check the event weights"
        raise DataError(msg)
    out: NDArray[np.float32] = np.asarray(w, dtype=np.float32)
    return out
