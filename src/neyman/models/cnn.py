"""Convolutional classifier for image datasets, on the same training loop as the MLP.

The network is described by a compact spec, a tuple of layer tokens read left to right:

==================  ==========================================================
``"conv<C>x<K>"``   ``Conv2d`` to ``C`` channels with an odd ``K x K`` kernel, stride 1,
                    "same" padding (``K // 2``), then the activation
``"pool<P>"``       ``MaxPool2d`` of size and stride ``P``; a dimension smaller than
                    ``P`` is left unpooled (so small inputs never shrink to zero)
``"avgpool<P>"``    the same with ``AvgPool2d``
``"dense<N>"``      flatten if needed, ``Linear`` to ``N`` units, the activation, and
                    ``Dropout(dropout)`` when ``dropout > 0``
==================  ==========================================================

A final ``Linear`` layer to the outputs (1 for two classes, k for k classes) is always
appended. Example: ``("conv8x3", "pool2", "conv16x3", "pool2", "dense32")``.

Inputs: ``X`` of shape (n, c, h, w); (n, h, w) is read as one channel; a flat (n, d) array
is reshaped to ``input_shape`` when given, else read as a one-row image (n, 1, 1, d).
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin
from torch import nn

from neyman.errors import ConfigError, DataError, ModelError
from neyman.models._torch import ACTIVATIONS, TRAINING_PARAMS, _TorchEstimator
from neyman.models.base import Constraint, IntTuple, Options, StrTuple

__all__ = ["CNNClassifier", "build_cnn", "parse_layers"]

_TOKEN = re.compile(r"^(?:conv(\d+)x(\d+)|(avg)?pool(\d+)|dense(\d+))$")
_GRAMMAR = "'conv<channels>x<odd kernel>', 'pool<size>', 'avgpool<size>', 'dense<units>'"


def parse_layers(layers: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """Parse the spec into ``(kind, a, b)`` tuples: conv (C, K), pool/avgpool (P, 0), dense (N, 0).

    Raises
    ------
    neyman.errors.ConfigError
        For a token outside the grammar, an even kernel or a zero size.

    Examples
    --------
    >>> parse_layers(("conv8x3", "pool2", "dense16"))
    [('conv', 8, 3), ('pool', 2, 0), ('dense', 16, 0)]
    """
    parsed: list[tuple[str, int, int]] = []
    for token in layers:
        m = _TOKEN.match(str(token).strip().lower())
        if m is None:
            msg = f"CNN layer {token!r} is not understood; use {_GRAMMAR} (e.g. 'conv16x3')"
            raise ConfigError(msg)
        if m.group(1) is not None:
            channels, kernel = int(m.group(1)), int(m.group(2))
            if channels < 1 or kernel < 1 or kernel % 2 == 0:
                msg = f"CNN layer {token!r} needs channels >= 1 and an odd kernel (e.g. 'conv16x3')"
                raise ConfigError(msg)
            parsed.append(("conv", channels, kernel))
        elif m.group(4) is not None:
            size = int(m.group(4))
            if size < 1:
                msg = f"CNN layer {token!r} needs a pool size >= 1"
                raise ConfigError(msg)
            parsed.append(("avgpool" if m.group(3) else "pool", size, 0))
        else:
            units = int(m.group(5))
            if units < 1:
                msg = f"CNN layer {token!r} needs units >= 1"
                raise ConfigError(msg)
            parsed.append(("dense", units, 0))
    return parsed


def build_cnn(
    input_shape: tuple[int, int, int],
    layers: tuple[str, ...],
    n_outputs: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
) -> nn.Sequential:
    """The CNN's network for images of shape ``(c, h, w)`` (see the module docstring).

    Examples
    --------
    >>> net = build_cnn((1, 8, 8), ("conv4x3", "pool2", "dense8"), 1)
    >>> sum(p.numel() for p in net.parameters())  # conv 4*9+4, dense 4*4*4*8+8, head 8+1
    569
    """
    c, h, w = input_shape
    modules: list[nn.Module] = []
    flat: int | None = None
    for kind, a, b in parse_layers(layers):
        if kind == "conv":
            if flat is not None:
                msg = "CNN spec has a 'conv' layer after a 'dense' layer; put conv/pool first"
                raise ConfigError(msg)
            modules += [nn.Conv2d(c, a, b, padding=b // 2), ACTIVATIONS[activation]()]
            c = a
        elif kind in ("pool", "avgpool"):
            if flat is not None:
                msg = "CNN spec has a pool layer after a 'dense' layer; put conv/pool first"
                raise ConfigError(msg)
            size = (min(a, h), min(a, w))
            pool = nn.MaxPool2d(size) if kind == "pool" else nn.AvgPool2d(size)
            modules.append(pool)
            h, w = h // size[0], w // size[1]
        else:
            if flat is None:
                modules.append(nn.Flatten())
                flat = c * h * w
            modules += [nn.Linear(flat, a), ACTIVATIONS[activation]()]
            if dropout > 0:
                modules.append(nn.Dropout(dropout))
            flat = a
    if flat is None:
        modules.append(nn.Flatten())
        flat = c * h * w
    modules.append(nn.Linear(flat, n_outputs))
    return nn.Sequential(*modules)


class CNNClassifier(ClassifierMixin, _TorchEstimator):  # type: ignore[misc]
    """Convolutional network classifier for images, trained by :func:`neyman.train.fit`.

    Parameters
    ----------
    layers : tuple of str, default ("conv16x3", "pool2", "conv32x3", "pool2", "dense64")
        The network spec (see :mod:`neyman.models.cnn`).
    input_shape : tuple (c, h, w), optional
        Shape to give flat (n, c*h*w) inputs, e.g. ``(1, 8, 8)`` for 8x8 digits.
    activation, output, loss, optimizer, lr, momentum, batch_size, epochs, weight_decay, \
l1, dropout, early_stopping, patience, validation_fraction, lr_schedule, lr_factor, \
lr_patience, checkpoint_dir, resume, device, backend, precision, n_threads, random_state, \
verbose
        As for :class:`~neyman.models.MLPClassifier` (``dropout`` applies after dense
        layers). Convolutions always train on the torch path: ``backend="auto"`` means
        torch here and ``backend="fast"`` raises a ConfigError naming the Conv2d layer.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple (c, h, w)
        Image shape the network was built for.
    module_, history_, n_parameters_, output_, loss_, device_, backend_, precision_
        As for :class:`~neyman.models.MLPClassifier`.
    """

    _is_classifier: ClassVar[bool] = True
    _param_table: ClassVar[dict[str, list[Constraint | None]]] = {
        "layers": [StrTuple()],
        "input_shape": [None, IntTuple(1)],
        "output": [Options(("auto", "sigmoid", "softmax"))],
        "loss": [Options(("auto", "bce", "cross_entropy", "mse", "mae"))],
        **TRAINING_PARAMS,
    }

    def __init__(
        self,
        layers: tuple[str, ...] = ("conv16x3", "pool2", "conv32x3", "pool2", "dense64"),
        *,
        input_shape: tuple[int, ...] | None = None,
        activation: str = "relu",
        output: str = "auto",
        loss: str = "auto",
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.0,
        batch_size: int = 64,
        epochs: int = 20,
        weight_decay: float = 0.0,
        l1: float = 0.0,
        dropout: float = 0.0,
        early_stopping: bool = False,
        patience: int = 5,
        validation_fraction: float = 0.1,
        lr_schedule: str | None = None,
        lr_factor: float = 0.5,
        lr_patience: int = 3,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        resume: bool = False,
        device: str = "auto",
        backend: str = "auto",
        precision: str = "auto",
        n_threads: int | str = "auto",
        random_state: Any = None,
        verbose: int = 1,
    ) -> None:
        self.layers = layers
        self.input_shape = input_shape
        self.activation = activation
        self.output = output
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.l1 = l1
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.lr_schedule = lr_schedule
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.device = device
        self.backend = backend
        self.precision = precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def _build_module(self, input_shape: tuple[int, ...], n_out: int) -> nn.Sequential:
        c, h, w = input_shape
        return build_cnn(
            (c, h, w), tuple(self.layers), n_out, activation=self.activation, dropout=self.dropout
        )

    def _architecture(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "activation": self.activation, "dropout": self.dropout}

    def _probe_input(self) -> Any:
        """One event of zeros in the form the CNN was fitted on, for :func:`neyman.models.load`.

        Fitted on images, scikit-learn counts the channels as ``n_features_in_`` and the
        probe is one image of ``input_shape_``; fitted on flat rows, it is one row.
        """
        shape = getattr(self, "input_shape_", None)
        n = getattr(self, "n_features_in_", 0)
        if shape is None or not isinstance(n, int) or n <= 0:
            return super()._probe_input()
        if n == int(shape[0]):
            return np.zeros((1, *shape), dtype=np.float32)
        return np.zeros((1, n), dtype=np.float32)

    def _check_X(self, X: Any, *, reset: bool, **kwargs: Any) -> Any:
        # (n, h, w) is one channel: add the axis before scikit-learn counts "features"
        if getattr(X, "ndim", None) == 3 or (isinstance(X, list) and np.asarray(X).ndim == 3):
            X = np.asarray(X)[:, None, :, :]
        return super()._check_X(X, reset=reset, **kwargs)

    def _prepare_X(self, X: Any, *, reset: bool) -> NDArray[np.float32]:
        arr = np.asarray(X, dtype=np.float32)
        if reset:
            parse_layers(tuple(self.layers))  # fail on a bad spec before reshaping
        if arr.ndim == 2:
            if self.input_shape is not None:
                shape = tuple(int(s) for s in self.input_shape)
                if len(shape) != 3 or int(np.prod(shape)) != arr.shape[1]:
                    msg = (
                        f"CNNClassifier input_shape={shape} does not hold the {arr.shape[1]} "
                        "features of X; give (channels, height, width) with that product"
                    )
                    raise DataError(msg)
                arr = arr.reshape(len(arr), *shape)
            else:
                arr = arr.reshape(len(arr), 1, 1, arr.shape[1])
        elif arr.ndim == 3:
            arr = arr[:, None, :, :]
        elif arr.ndim != 4:
            msg = (
                f"CNNClassifier needs X of shape (n, c, h, w), (n, h, w) or (n, d); got {arr.shape}"
            )
            raise DataError(msg)
        if not reset and tuple(arr.shape[1:]) != self.input_shape_:
            msg = (
                f"X has images of shape {tuple(arr.shape[1:])}, but CNNClassifier was fitted "
                f"on {self.input_shape_}; pass images of the training shape"
            )
            raise ModelError(msg)
        return np.ascontiguousarray(arr)

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> CNNClassifier:
        """Train on images ``X`` and labels ``y``; see :meth:`MLPClassifier.fit`."""
        self._fit(X, y, sample_weight, validation_data)
        return self

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Logit of ``classes_[1]`` (shape (n,)) for two classes, else logits (n, k)."""
        return self._decision(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities, shape (n, n_classes)."""
        return self._proba(X)

    def predict(self, X: Any) -> NDArray[Any]:
        """Most probable class label per image."""
        return self._predict_class(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
