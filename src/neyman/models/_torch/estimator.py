"""The torch estimator base class: fit, partial_fit and predict (read this module first).

A torch estimator only says how to build its network (``_build_module``) and how to shape
its input (``_prepare_X``); this class turns targets into tensors, resolves the output head
and loss into a :class:`neyman.train.spec.LossSpec` (``heads.py``), splits validation data
(``validation.py``), picks the backend (:func:`neyman.train.spec.choose_backend`), the
threads (:mod:`neyman._util.threads`) and the precision (``precision.py``), trains with
:func:`neyman.train.spec.train` and predicts under ``torch.inference_mode``. The summary and
the ONNX export are in ``report.py``, saving and loading in ``persist.py``.

Weight initialisation: the network is built on the CPU right after
``torch.manual_seed(seed)`` (inside ``torch.random.fork_rng``, so the caller's RNG is left
alone), with PyTorch's default initialisation (``nn.Linear``/``nn.Conv2d``: weights
Kaiming-uniform with ``a=sqrt(5)``, biases uniform in ``±1/sqrt(fan_in)``); ``seed`` is
``random_state`` (a fresh random seed when it is ``None``). Same seed, same weights.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import torch
from numpy.typing import NDArray
from scipy.special import expit, softmax
from torch import nn

from neyman._util.threads import resolve_threads, thread_limits
from neyman.errors import ConfigError, DataError
from neyman.models._torch.heads import resolve_head
from neyman.models._torch.persist import _PersistMixin
from neyman.models._torch.precision import resolve_precision
from neyman.models._torch.report import _ReportMixin
from neyman.models._torch.validation import check_weights, split_validation
from neyman.models.base import NeymanEstimator, random_seed
from neyman.train import Checkpoint, EarlyStopping, TrainConfig, epoch_seed, resolve_device
from neyman.train import predict as train_predict
from neyman.train.callbacks import Callback
from neyman.train.loop import TrainHistory
from neyman.train.spec import LossSpec, TrainSpec, choose_backend, train

__all__ = ["_TorchEstimator"]

#: float32 input goes to the network without a float64 round trip (a copy of the data)
_TORCH_DTYPES = [np.float32, np.float64]
#: events per prediction batch (bounds the memory of intermediate activations)
_PREDICT_BATCH = 65536
#: ``early_stopping="auto"`` stops early from this many training events on: enough for a
#: validation split of 1,000 events at the default ``validation_fraction`` (the threshold
#: of scikit-learn's ``HistGradientBoostingClassifier(early_stopping="auto")``)
AUTO_EARLY_STOPPING_EVENTS = 10_000


class _TorchEstimator(_ReportMixin, _PersistMixin, NeymanEstimator):
    """Fit/predict for estimators backed by a torch module (``nn.Sequential`` usually).

    Subclasses override ``_build_module(input_shape, n_out)``, ``_prepare_X(X, reset=...)``
    and optionally ``_architecture()``; they define the parameters below in ``__init__``
    (``precision`` and ``n_threads`` may be left out: fp32 and ``"auto"`` then).
    """

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
    early_stopping: bool | str
    patience: int
    validation_fraction: float
    lr_schedule: str | None
    lr_factor: float
    lr_patience: int
    checkpoint_dir: str | os.PathLike[str] | None
    resume: bool
    device: str
    backend: str
    precision: str
    n_threads: int | str
    random_state: Any
    verbose: int

    module_: nn.Sequential
    input_shape_: tuple[int, ...]
    n_outputs_: int
    output_: str
    loss_: str
    history_: TrainHistory

    # -- hooks ------------------------------------------------------------------------

    def _build_module(self, input_shape: tuple[int, ...], n_out: int) -> nn.Sequential:
        raise NotImplementedError

    def _prepare_X(self, X: Any, *, reset: bool) -> NDArray[np.float32]:
        """Validated float32 network input, shape ``(n, *input_shape_)``."""
        raise NotImplementedError

    def _architecture(self) -> dict[str, Any]:
        """JSON-able description of the network (stored in checkpoints)."""
        return {}

    # -- settings ---------------------------------------------------------------------

    def _resolve_head(self, n_classes: int) -> LossSpec:
        return resolve_head(
            type(self).__name__, self._is_classifier, self.output, self.loss, n_classes
        )

    def _threads(self, work: float) -> int:
        """The thread count for ``work`` multiply-adds per step (see ``n_threads``)."""
        # a bad value is a ConfigError whose key names its source (n_threads or the variable)
        return resolve_threads(getattr(self, "n_threads", "auto"), work=work)

    def _macs_per_event(self, module: nn.Module) -> float:
        """Multiply-adds of one event's forward pass (``Linear``/``Conv`` weights x positions)."""
        total = 0.0

        def count(layer: nn.Module, _: Any, out: Any) -> None:
            nonlocal total
            weight = getattr(layer, "weight", None)
            if isinstance(weight, torch.Tensor) and isinstance(out, torch.Tensor):
                positions = out[0, 0].numel() if isinstance(layer, nn.Conv2d | nn.Conv1d) else 1
                total += float(weight.numel() * positions)

        hooks = [m.register_forward_hook(count) for m in module.modules() if m is not module]
        try:
            with torch.inference_mode():
                module.eval()(torch.zeros((1, *self.input_shape_)))
        except Exception:  # a module that takes other input: count its parameters
            total = float(sum(p.numel() for p in module.parameters()))
        finally:
            for hook in hooks:
                hook.remove()
        return total

    def _train_config(
        self, seed: int, device: torch.device, precision: str, *, stops_early: bool = False
    ) -> TrainConfig:
        """The loop settings from this estimator's hyperparameters.

        ``stops_early`` says whether the fit stops early: ``lr_schedule="auto"`` is then the
        plateau schedule of the validation loss that early stopping watches, and no schedule
        otherwise (a fit given ``validation_data`` only to monitor it keeps a constant rate).
        """
        schedule = self.lr_schedule
        if schedule == "auto":
            schedule = "plateau" if stops_early else None
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            lr=float(self.lr),
            momentum=float(self.momentum),
            weight_decay=float(self.weight_decay),
            l1=float(self.l1),
            lr_schedule=schedule,
            lr_factor=float(self.lr_factor),
            lr_patience=int(self.lr_patience),
            seed=seed,
            device=str(device),
            verbose=int(self.verbose),
            precision=precision,
        )

    def _stops_early(self, n_events: int) -> bool:
        """Whether a fit on ``n_events`` training events stops early (see ``early_stopping``).

        ``"auto"`` never asks for it with ``backend="fast"``, which has no early stopping.
        """
        if self.early_stopping == "auto":
            backend = getattr(self, "backend", "auto")
            return n_events >= AUTO_EARLY_STOPPING_EVENTS and backend != "fast"
        return bool(self.early_stopping)

    def _choose_backend(self, module: nn.Module, spec: TrainSpec, stops_early: bool) -> str:
        """``"fast"`` or ``"torch"`` for this fit (see ``backend``)."""
        owner = type(self).__name__
        reason = None
        if stops_early:
            reason = "early_stopping=True"
        elif self.checkpoint_dir is not None:
            reason = "checkpoint_dir"
        if reason is not None and self.backend == "fast":
            msg = (
                f"{owner}(backend='fast') does not support {reason}; use backend='auto' or 'torch'"
            )
            raise ConfigError(msg, key="backend", value=self.backend)
        if reason is not None:
            return "torch"
        return choose_backend(module, spec, self.backend, owner=owner)[0]

    # -- fitting ----------------------------------------------------------------------

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
        sw = check_weights(sample_weight, Xn)
        targets, n_out_raw = self._encode_targets(yc, fitting=True)
        loss_spec = self._resolve_head(n_out_raw)
        seed = random_seed(self.random_state)

        stops_early = self._stops_early(len(Xn))
        validation = None
        if validation_data is not None:
            validation = self._validation_from(validation_data)
        elif stops_early:
            (Xn, targets, sw), validation = split_validation(
                Xn,
                targets,
                sw,
                fraction=self.validation_fraction,
                seed=seed,
                stratify=self._is_classifier,
            )

        module = self._init_module(seed, loss_spec.n_out)
        device = resolve_device(self.device)
        work = self._macs_per_event(module) * min(int(self.batch_size), len(Xn))
        # subclasses written before ``precision`` existed train in fp32
        requested = getattr(self, "precision", "fp32")
        precision = resolve_precision(requested, device, work, int(self.batch_size))
        config = self._train_config(seed, device, precision, stops_early=stops_early)
        spec = TrainSpec(loss_spec, config)
        callbacks: list[Callback] = []
        if stops_early:
            callbacks.append(EarlyStopping(self.patience))
        if self.checkpoint_dir is not None:
            callbacks.append(Checkpoint(self.checkpoint_dir, resume=self.resume))
        fingerprint = {
            "class": type(self).__name__,
            "input_shape": list(self.input_shape_),
            "n_outputs": loss_spec.n_out,
            "output": loss_spec.output,
            "loss": loss_spec.loss,
            "params": {k: list(v.shape) for k, v in module.state_dict().items()},
            **self._architecture(),
        }
        backend = self._choose_backend(module, spec, stops_early)
        # the compiled loop is single-threaded: one thread for the torch code around it
        n_threads = self._threads(0.0 if backend == "fast" else work)
        with thread_limits(n_threads):
            history = train(
                module,
                spec,
                Xn,
                targets,
                sw,
                backend=backend,
                validation=validation,
                callbacks=callbacks,
                fingerprint=fingerprint,
            )
        history.n_threads = n_threads
        self.module_ = module
        self.output_ = loss_spec.output
        self.loss_ = loss_spec.loss
        self.n_outputs_ = loss_spec.n_out
        self.history_ = history
        self.n_parameters_ = int(sum(p.numel() for p in module.parameters()))
        self.device_ = str(device)
        self.backend_ = backend
        self.precision_ = precision
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
        ``classes`` (all labels) on the first call, as in scikit-learn. Always trains with
        the PyTorch loop in float32.
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
        sw = check_weights(sample_weight, Xn)
        if first:
            self._first_chunk(Xn, yc, classes)
        if not hasattr(self, "optimizer_"):
            device = next(self.module_.parameters()).device
            # one pass per chunk; schedules and progress bars belong to whole-data fits
            self._stream_config = replace(
                self._train_config(random_seed(self.random_state), device, "fp32"),
                epochs=1,
                lr_schedule=None,
                verbose=0,
            )
            self.optimizer_ = make_optimizer(self.module_, self._stream_config)
            self.history_ = TrainHistory({"loss": []}, backend="torch", precision="fp32")
            self.backend_ = "torch"
            self.precision_ = "fp32"
            self.n_chunks_ = 0
        targets, _ = self._encode_targets(yc, fitting=False)
        config = self._stream_config
        work = self.n_parameters_ * min(config.batch_size, len(Xn))
        n_threads = self._threads(work)
        with thread_limits(n_threads):
            logs = train_chunk(
                self.module_,
                LossSpec(self.output_, self.loss_, self.n_outputs_),
                self.optimizer_,
                Xn,
                targets,
                sw,
                config=config,
                seed=epoch_seed(config.seed, self.n_chunks_),
            )
        self.history_["loss"].append(logs["loss"])
        self.history_.n_threads = n_threads
        self.n_chunks_ += 1
        return self

    def _first_chunk(self, Xn: NDArray[np.float32], yc: Any, classes: Any) -> None:
        """Set up the network and the head on the first ``partial_fit`` call."""
        if self._is_classifier:
            if classes is None:
                msg = (
                    f"the first {type(self).__name__}.partial_fit call needs classes= (all labels)"
                )
                raise DataError(msg, key="classes")
            labels = np.unique(np.asarray(classes))
            if len(labels) < 2:
                msg = (
                    f"classes={labels.tolist()} has one class; give all labels, e.g. classes=[0, 1]"
                )
                raise DataError(msg, key="classes", value=labels.tolist())
            self.classes_ = labels
            n_raw = len(labels)
        else:
            _, n_raw = self._encode_targets(yc, fitting=True)
        self.input_shape_ = tuple(int(s) for s in Xn.shape[1:])
        spec = self._resolve_head(n_raw)
        device = resolve_device(self.device)
        self.module_ = self._init_module(random_seed(self.random_state), spec.n_out).to(device)
        self.output_, self.loss_, self.n_outputs_ = spec.output, spec.loss, spec.n_out
        self.n_parameters_ = int(sum(p.numel() for p in self.module_.parameters()))
        self.device_ = str(device)

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
            raise DataError(msg, key="validation_data")
        Xv = self._prepare_X(
            self._check_X(data[0], reset=False, allow_nd=True, dtype=_TORCH_DTYPES), reset=False
        )
        yv = np.asarray(data[1])
        if len(yv) != len(Xv):
            msg = f"validation_data has {len(Xv)} events in X but {len(yv)} in y"
            raise DataError(msg, key="validation_data")
        targets, _ = self._encode_targets(yv, fitting=False)
        wv = check_weights(data[2], Xv, "validation sample weight") if len(data) == 3 else None
        return Xv, targets, wv

    # -- prediction -------------------------------------------------------------------

    @contextlib.contextmanager
    def _predict_threads(self, n: int) -> Iterator[None]:
        n_params = getattr(self, "n_parameters_", 0)
        with thread_limits(self._threads(float(n_params) * min(n, _PREDICT_BATCH))):
            yield

    def _raw(self, X: Any) -> NDArray[np.float64]:
        """Raw network outputs (logits for classifiers), float64, shape ``(n, k)``."""
        Xc = self._check_X(X, reset=False, allow_nd=True, dtype=_TORCH_DTYPES)
        Xn = self._prepare_X(Xc, reset=False)
        with self._predict_threads(len(Xn)):
            out = train_predict(self.module_, Xn, batch_size=_PREDICT_BATCH)
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
