"""Multilayer perceptrons: :class:`MLPClassifier` and :class:`MLPRegressor` (PyTorch).

The network is a ``torch.nn.Sequential`` of ``Linear`` + activation modules (plus
``Dropout`` after each activation when ``dropout > 0``), ending in one ``Linear`` layer
whose raw output (a logit for classifiers) feeds the loss; the output head (sigmoid,
softmax or identity) is applied at predict time. See :func:`build_mlp`. Training runs in
:func:`neyman.train.train`; the shared estimator code is in :mod:`neyman.models._torch`.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin, RegressorMixin
from torch import nn

from neyman.models._torch import ACTIVATIONS, _TorchEstimator
from neyman.models.base import Constraint
from neyman.models.params import PARAM_TABLES

__all__ = ["MLPClassifier", "MLPRegressor", "build_mlp"]


def build_mlp(
    n_inputs: int,
    hidden: tuple[int, ...],
    n_outputs: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
) -> nn.Sequential:
    """The MLP's network: ``[Linear, activation, (Dropout)] * len(hidden) + [Linear]``.

    Parameters
    ----------
    n_inputs : int
        Input features.
    hidden : tuple of int
        Hidden-layer sizes; ``()`` gives a linear model.
    n_outputs : int
        Output units (1 for a sigmoid head or a single regression target).
    activation : str
        One of ``relu``, ``tanh``, ``sigmoid``, ``leaky_relu`` (slope 0.01), ``elu``.
    dropout : float
        Dropout probability after each hidden activation (no module when 0).

    Returns
    -------
    torch.nn.Sequential
        With PyTorch's default initialisation from the current torch RNG.

    Examples
    --------
    >>> net = build_mlp(2, (10, 10), 1)
    >>> sum(p.numel() for p in net.parameters())
    151
    """
    layers: list[nn.Module] = []
    previous = n_inputs
    for width in hidden:
        layers.append(nn.Linear(previous, int(width)))
        layers.append(ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        previous = int(width)
    layers.append(nn.Linear(previous, n_outputs))
    return nn.Sequential(*layers)


_DOC_PARAMS = """
    hidden : tuple of int, default (64, 64)
        Hidden-layer sizes; ``()`` gives a linear model.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu", "elu"}
        Hidden-layer activation.
    output : {"auto", ...}
        Output head; ``"auto"`` picks it from the task (see the class summary).
    loss : {"auto", ...}
        Per-sample loss; ``"auto"`` matches the head.
    optimizer : {"sgd", "adam", "adamw", "rmsprop"}
        ``sgd`` and ``rmsprop`` use ``momentum``; ``adam``/``adamw`` use betas (0.9,
        0.999) and eps 1e-8, ``rmsprop`` alpha 0.99, as PyTorch.
    lr : float, default 1e-3
        Learning rate.
    momentum : float in [0, 1), default 0.0
        Momentum of ``sgd``/``rmsprop``. The default 0 makes ``optimizer="sgd"`` plain SGD,
        as ``torch.optim.SGD`` and Keras' ``SGD`` are by default; set e.g. 0.9 for momentum.
    batch_size : int, default 256
        Events per step; 1 is per-event SGD.
    epochs : int, default 200
        Passes over the training data (the maximum when early stopping). Without early
        stopping, 200 epochs of 256 events make as many steps as 50 epochs of 64.
    weight_decay : float
        L2 penalty on weights (not biases): coupled for sgd/adam/rmsprop, decoupled
        for adamw.
    l1 : float
        L1 penalty on weights (not biases), added to the loss.
    dropout : float in [0, 1)
        Dropout after each hidden activation.
    early_stopping : bool or "auto", default "auto"
        Stop when the validation loss has not improved for ``patience`` epochs and keep
        the best epoch's weights. ``"auto"`` stops early when the training set has at least
        10,000 events (a validation split of 1,000 or more; scikit-learn's
        ``HistGradientBoostingClassifier`` uses the same rule) and ``backend`` is not
        ``"fast"``; below that it trains all ``epochs``.
    patience : int, default 10
        Epochs without improvement before stopping.
    validation_fraction : float in (0, 1)
        Share of the training data held out (stratified for classifiers) when
        ``early_stopping`` is on and ``fit`` gets no ``validation_data``.
    lr_schedule : {"auto", None, "plateau"}, default "auto"
        ``"plateau"`` multiplies ``lr`` by ``lr_factor`` after ``lr_patience`` epochs
        without improvement (of the validation loss, or the training loss without
        validation data). ``"auto"`` is ``"plateau"`` when the fit stops early (it then
        follows the validation loss that early stopping watches) and no schedule otherwise.
    lr_factor : float in (0, 1), default 0.5
    lr_patience : int, default 3
    checkpoint_dir : path, optional
        Write ``checkpoint.safetensors`` there after every epoch (atomically).
    resume : bool
        Continue from the checkpoint in ``checkpoint_dir`` if there is one; training to
        ``epochs`` then gives the same weights as an uninterrupted run. Needs an int
        ``random_state``; a checkpoint written by another architecture or training setup
        is refused with :class:`~neyman.errors.ModelError`.
    device : str
        ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
    backend : {"auto", "torch", "fast"}
        Training backend. ``"auto"`` uses the compiled loop of :mod:`neyman.train.fast`
        (same trajectory as PyTorch to float32 rounding, much faster per step) when the
        network has at most 50,000 parameters, ``batch_size <= 32``, no dropout, no early
        stopping, schedule or checkpoints, on the CPU; otherwise the PyTorch loop.
        ``"torch"`` forces the PyTorch loop; ``"fast"`` forces the compiled loop and raises
        ``ConfigError`` naming the unsupported option. The rule depends only on the
        problem's shape, never on timing. The loop is compiled once per machine (a few
        seconds) and cached in the user cache directory (``NEYMAN_CACHE_DIR`` moves it).
        The backend used is in ``backend_``, ``history_.backend`` and the saved model.
    precision : {"auto", "fp32", "bf16"}
        Precision of the forward pass in the PyTorch loop. ``"bf16"`` runs matrix products
        under ``torch.autocast`` in bfloat16, keeping float32 weights, optimizer state and
        loss. ``"auto"`` uses bf16 only where it gains: on a CPU with AMX or AVX512-BF16 (or
        a CUDA device with bf16), a batch of at least 512 events and at least 2e7
        multiply-adds per step (e.g. 28-300-300-300-1 at batch 1024); fp32 otherwise.
        The precision used is in ``precision_``.
    n_threads : int or "auto"
        Threads for fit and predict (torch and BLAS), restored afterwards. ``"auto"``
        (or the environment variable ``NEYMAN_NUM_THREADS``) uses one thread where a step
        is small (below 4e6 multiply-adds: the default 64-64 network at batch 256) and
        otherwise the CPUs this process may use (affinity mask, cgroup quota,
        ``OMP_NUM_THREADS``); an explicit number always wins. The count used is in
        ``history_.n_threads``.
    random_state : int, RandomState or None
        Seeds the weight initialisation, the validation split, the per-epoch shuffling
        and dropout. Same seed, same weights (on CPU).
    verbose : int
        0 silent; 1 a transient progress bar per epoch (only in a terminal); 2 persistent.
"""

_DOC_ATTRS = """
    module_ : torch.nn.Sequential
        The trained network (raw outputs, no head).
    history_ : TrainHistory (a dict of str to list of float)
        Per epoch: ``loss`` and the metric, ``val_loss`` and ``val_`` metric when there is
        validation data, and ``lr``; ``history_.backend``, ``.precision`` and
        ``.n_threads`` record how the network was trained.
    n_parameters_ : int
        Trainable parameters.
    n_features_in_ : int
        Input features; ``feature_names_in_`` when fitted on a DataFrame.
    output_, loss_ : str
        The resolved head and loss.
    device_, backend_, precision_ : str
        Where and how the network was trained.
"""


class _MLPBase(_TorchEstimator):
    hidden: tuple[int, ...]

    def __init__(
        self,
        hidden: tuple[int, ...] = (64, 64),
        *,
        activation: str = "relu",
        output: str = "auto",
        loss: str = "auto",
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.0,
        batch_size: int = 256,
        epochs: int = 200,
        weight_decay: float = 0.0,
        l1: float = 0.0,
        dropout: float = 0.0,
        early_stopping: bool | str = "auto",
        patience: int = 10,
        validation_fraction: float = 0.1,
        lr_schedule: str | None = "auto",
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
        self.hidden = hidden
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
        return build_mlp(
            input_shape[0],
            tuple(self.hidden),
            n_out,
            activation=self.activation,
            dropout=float(self.dropout),
        )

    def _prepare_X(self, X: Any, *, reset: bool) -> NDArray[np.float32]:
        arr = np.asarray(X, dtype=np.float32)
        if arr.ndim != 2:
            from neyman.errors import DataError

            msg = f"{type(self).__name__} needs X of shape (n, features), got {arr.shape}"
            raise DataError(msg)
        return arr

    def _architecture(self) -> dict[str, Any]:
        return {"hidden": list(self.hidden), "activation": self.activation, "dropout": self.dropout}


class MLPClassifier(ClassifierMixin, _MLPBase):  # type: ignore[misc]
    __doc__ = (
        """Multilayer perceptron classifier trained with PyTorch.

    Two classes get one sigmoid output trained with binary cross-entropy (``bce``); more
    classes get a softmax output with ``cross_entropy``. ``output`` may be ``"sigmoid"``
    or ``"softmax"`` explicitly, ``loss`` may also be ``"mse"``/``"mae"`` on the head's
    probabilities (the course's squared-error classifier). ``decision_function`` is the
    logit (for two classes, monotone in the likelihood ratio once trained well).

    The defaults (batch 256, early stopping on a 10 % validation split from 10,000 events,
    halving ``lr`` when the validation loss stalls) come within 0.0022 and 0.0040 of the
    Neyman-Pearson AUC on the built-in 5-D and 10-D Gaussian mixtures at 10^5 events, in
    about 15-30 CPU seconds (``benchmarks/bench_optimality.py``; the former 50 fixed epochs
    of 64 events: 0.0040 and 0.0098 in several minutes). The rest of the 10-D gap is
    variance: the network overfits after about 20 epochs.

    Parameters
    ----------"""
        + _DOC_PARAMS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``classes_[1]`` is the "signal" of the binary score."""
        + _DOC_ATTRS
        + """
    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    >>> clf = MLPClassifier((8,), activation="tanh", lr=0.05, epochs=300, batch_size=4,
    ...                     random_state=0, verbose=0).fit(X, [0, 1, 1, 0])
    >>> clf.predict(X).tolist()
    [0, 1, 1, 0]
    >>> clf.n_parameters_
    33
    """
    )

    _is_classifier: ClassVar[bool] = True
    _param_table: ClassVar[dict[str, list[Constraint | None]]] = PARAM_TABLES["MLPClassifier"]

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> MLPClassifier:
        """Train on ``X`` (n, features) and labels ``y``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n, d)
        y : array-like of shape (n,)
            Class labels (any hashable, sortable type).
        sample_weight : array-like of shape (n,), optional
            Event weights (negative weights are allowed; their sum must be positive).
        validation_data : tuple (X_val, y_val[, w_val]), optional
            Evaluated after every epoch (``val_loss`` in ``history_``) and used by early
            stopping and the plateau schedule.

        Returns
        -------
        MLPClassifier
            ``self``.
        """
        self._fit(X, y, sample_weight, validation_data)
        return self

    def fit_stream(self, source: Any, epochs: int | None = None) -> MLPClassifier:
        """Train from a :class:`neyman.data.stream.StreamSource`, never holding all events.

        Each epoch is one pass over the source's shuffled blocks (``source.blocks(epoch)``),
        each block trained with :meth:`partial_fit` (mini-batches of ``batch_size``, the
        optimizer state carried over). Standardise through the source (``source.mean``,
        ``source.scale``). Starts afresh; ``history_["epoch_loss"]`` holds the mean block
        loss per epoch.

        Parameters
        ----------
        source : StreamSource
            Events with class labels and weights.
        epochs : int, optional
            Passes over the data; ``self.epochs`` when None.
        """
        from neyman.errors import DataError

        n_epochs = self.epochs if epochs is None else epochs
        if isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1:
            msg = f"epochs must be an integer >= 1; got {n_epochs!r}"
            raise DataError(msg, key="epochs", value=str(n_epochs))
        for name in ("module_", "optimizer_", "classes_"):
            if hasattr(self, name):
                delattr(self, name)
        epoch_loss: list[float] = []
        for epoch in range(n_epochs):
            losses: list[float] = []
            sizes: list[int] = []
            for block in source.blocks(epoch):
                self.partial_fit(block.X, block.y, block.w, classes=source.classes)
                losses.append(float(self.history_["loss"][-1]))
                sizes.append(len(block.y))
            if not sizes:
                msg = "the stream yielded no event; check its files and selection"
                raise DataError(msg)
            epoch_loss.append(float(np.average(losses, weights=sizes)))
        self.history_["epoch_loss"] = epoch_loss
        return self

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Logit of ``classes_[1]`` (shape (n,)) for two classes, else logits (n, k)."""
        return self._decision(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities, shape (n, n_classes), rows summing to 1."""
        return self._proba(X)

    def predict(self, X: Any) -> NDArray[Any]:
        """Most probable class label per event."""
        return self._predict_class(X)


class MLPRegressor(RegressorMixin, _MLPBase):  # type: ignore[misc]
    __doc__ = (
        """Multilayer perceptron regressor trained with PyTorch.

    A linear output (or ``output="sigmoid"`` for targets in [0, 1]) trained with ``mse``
    (default) or ``mae``; ``y`` may have several columns (one output each).

    Parameters
    ----------"""
        + _DOC_PARAMS
        + """
    Attributes
    ----------"""
        + _DOC_ATTRS
        + """
    Examples
    --------
    >>> import numpy as np
    >>> MLPRegressor((100, 100), verbose=0, epochs=1).fit(np.zeros((8, 6)), np.zeros(8)).n_parameters_
    10901
    """
    )

    _is_classifier: ClassVar[bool] = False
    _param_table: ClassVar[dict[str, list[Constraint | None]]] = PARAM_TABLES["MLPRegressor"]

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> MLPRegressor:
        """Train on ``X`` (n, features) and targets ``y`` (n,) or (n, k).

        See :meth:`MLPClassifier.fit` for the arguments.
        """
        self._fit(X, y, sample_weight, validation_data)
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X: Any) -> NDArray[np.float64]:
        """Predicted targets, shape (n,) (or (n, k) when fitted on k target columns)."""
        return self._predict_value(X)
