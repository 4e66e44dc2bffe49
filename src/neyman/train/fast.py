"""A compiled training loop for small MLPs: the same trajectory as :mod:`neyman.train.loop`.

Why it exists: per-event SGD on a network with a few hundred weights (the course's
charges exercise, 2-10-10-1 at batch size 1) spends almost all of its time in PyTorch's
per-call machinery (about 130 µs per step here) rather than in arithmetic (well under
1 µs). This module runs the same update rule in one numba-compiled loop in float32.

Read :mod:`neyman.train.loop` first: its docstring states the update rule, and this module
replicates it step for step from the same initial weights and the same per-epoch order
(``torch.randperm`` seeded by :func:`~neyman.train.loop.epoch_seed`, drawn in Python):

1. forward pass through ``Linear`` layers and hidden activations (``relu``, ``tanh``,
   ``sigmoid``, ``leaky_relu``, ``elu``) to raw outputs ``z``;
2. the per-sample loss of ``z`` for each head: ``bce`` on a sigmoid logit (torch's
   ``binary_cross_entropy_with_logits``), ``cross_entropy`` on softmax logits, ``mse`` or
   ``mae`` on the head's output (identity, sigmoid or softmax; one-hot targets for
   softmax), averaged over output units;
3. ``loss = mean(per * w)`` over the batch with the weights divided once by their mean,
   plus ``l1 * sum |W|`` over weight matrices;
4. one step of torch's single-tensor optimizer formulas: ``sgd`` (momentum with
   dampening 0, no Nesterov; the buffer starts as the first gradient), ``adam``/``adamw``
   (``beta1``/``beta2``, ``eps`` added after the bias-corrected square root, decoupled
   decay for ``adamw``), ``rmsprop`` (``rmsprop_alpha``, ``eps``, momentum); weight decay
   on weight matrices only (group 0 of :func:`~neyman.train.loop.make_optimizer`).

The head, loss and metric come from the same :class:`~neyman.train.spec.LossSpec` the torch
loop calls, and :func:`fit` has ``loop.fit``'s signature. The kernel takes its arguments in
a few typed groups (:class:`_Kernel`: the flat state, the layout, integer codes, float
hyperparameters, the data, work buffers and outputs), not one positional per setting.

The results equal the torch path's up to float32 rounding (different summation order in
the dot products): randomised cases agree step by step (``tests/train/test_parity.py``).
Validation losses and metrics are computed by the torch code itself
(:func:`~neyman.train.loop.predict`) on the current weights, so they match.

Compilation (a few seconds) happens once per machine: the kernel is cached under the user
cache directory (:func:`numba_cache_dir`; ``NEYMAN_CACHE_DIR`` moves it), and where that is
not writable it is compiled in every process, silently. Loading it leaves numba's
third-party extensions to the next compilation of other code (:func:`_extensions_deferred`),
so a new process's first small fit costs numba's own start-up only (about 0.4 s of CPU).

What is not supported (:func:`unsupported` names it, and the estimators then use
``loop.fit``): dropout, layers other than ``Linear`` and the five activations, learning-rate
schedules, callbacks other than the progress bar, devices other than the CPU, bf16.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from neyman.errors import ModelError
from neyman.train.callbacks import Callback, History, ProgressBar, TrainState
from neyman.train.loop import (
    LossFn,
    TrainConfig,
    TrainHistory,
    _as_tensor,
    _check_loss,
    _evaluate,
    _event_weights,
    close_callbacks,
    epoch_permutation,
    epoch_seed,
)
from neyman.train.spec import LossSpec, as_numpy_targets

__all__ = [
    "CACHE_ENV_VAR",
    "FAST_ACTIVATIONS",
    "FAST_LOSSES",
    "FAST_OPTIMIZERS",
    "fit",
    "numba_cache_dir",
    "unsupported",
]

#: Hidden activations of the fast path, by torch module type name.
FAST_ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", "LeakyReLU", "ELU")
#: (output head, loss) pairs of the fast path.
FAST_LOSSES = (
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("linear", "mse"),
    ("linear", "mae"),
    ("sigmoid", "mse"),
    ("sigmoid", "mae"),
    ("softmax", "mse"),
    ("softmax", "mae"),
)
#: Optimizers of the fast path.
FAST_OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
#: Environment variable naming neyman's cache directory (compiled kernels under ``numba/``).
CACHE_ENV_VAR = "NEYMAN_CACHE_DIR"

_ACT_CODE = {name: i for i, name in enumerate(FAST_ACTIVATIONS)}
_HEAD_CODE = {"linear": 0, "sigmoid": 1, "softmax": 2}
_LOSS_CODE = {"bce": 0, "cross_entropy": 1, "mse": 2, "mae": 3}
_OPT_CODE = {name: i for i, name in enumerate(FAST_OPTIMIZERS)}
_METRIC_CODE = {None: 0, "accuracy": 1, "mae": 2}


# --------------------------------------------------------------------------- cache


def _user_cache_root() -> Path:
    """neyman's cache directory: ``NEYMAN_CACHE_DIR``, else platformdirs, else XDG rules."""
    explicit = os.environ.get(CACHE_ENV_VAR, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
        return root / "neyman"
    return Path(platformdirs.user_cache_dir("neyman", appauthor=False))


def numba_cache_dir() -> Path | None:
    """Where compiled kernels are kept (``<cache>/numba``), or None where it is unwritable.

    ``<cache>`` is ``NEYMAN_CACHE_DIR`` when set, else the user cache directory
    (``platformdirs.user_cache_dir("neyman")``; without platformdirs ``$XDG_CACHE_HOME`` or
    ``~/.cache``, then ``neyman``). The directory is created; nothing is written and no
    warning is shown where that fails (the kernels are then compiled in every process).
    """
    try:
        directory = _user_cache_root() / "numba"
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except (OSError, RuntimeError):  # read-only home, no home at all
        return None
    return directory


_DEFER_LOCK = threading.Lock()
_DEFERRING: dict[int, int] = {}  # thread id -> nesting depth inside _extensions_deferred
_INIT_ALL: list[Callable[[], None]] = []  # numba's own entrypoints.init_all while replaced


def _init_all_unless_deferred() -> None:
    """numba's ``init_all``, except in a thread that is loading neyman's kernels."""
    if threading.get_ident() not in _DEFERRING:
        _INIT_ALL[0]()


@contextlib.contextmanager
def _extensions_deferred() -> Iterator[None]:
    """Load or compile neyman's kernels without running numba's third-party extensions.

    At its first compilation or cache load numba runs every installed ``numba_extensions``
    entry point (``numba.core.entrypoints.init_all``); with ``vector`` and ``awkward``
    installed that imports sympy and more, about 1.3 s of CPU time, which would make the
    first small fit of a process slow although its kernel uses plain arrays only. Inside
    this block, and only in the calling thread, that initialisation is skipped and left
    undone: numba still runs it at the next compilation of any other jitted function (in
    any thread), exactly as when an extension is imported after a first compilation, so
    code that uses those extensions works as before. Nothing changes when numba has already
    initialised them, or where its internals differ from numba 0.68's (then it runs).
    """
    from numba.core import entrypoints

    init_all = getattr(entrypoints, "init_all", None)
    if getattr(entrypoints, "_already_initialized", True) or not callable(init_all):
        yield
        return
    me = threading.get_ident()
    with _DEFER_LOCK:
        if not _DEFERRING and init_all is not _init_all_unless_deferred:
            _INIT_ALL[:] = [init_all]
            entrypoints.init_all = _init_all_unless_deferred
        _DEFERRING[me] = _DEFERRING.get(me, 0) + 1
    try:
        yield
    finally:
        with _DEFER_LOCK:
            _DEFERRING[me] -= 1
            if not _DEFERRING[me]:
                del _DEFERRING[me]
            if not _DEFERRING and entrypoints.init_all is _init_all_unless_deferred:
                entrypoints.init_all = _INIT_ALL[0]


@contextlib.contextmanager
def _young_gc_only(active: bool = True) -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector's passes in this block.

    Loading numba's registries allocates some 10^5 objects, which triggers full collections,
    and each one walks every object of the process (torch's alone are many): about 0.2 s of
    CPU time of a first fit that otherwise takes 0.2 s. ``gc.freeze`` moves the existing
    objects aside, so those passes see only the new ones (garbage is still collected), and
    ``gc.unfreeze`` puts them back. Skipped where something else froze objects (a pre-fork
    server): unfreezing would undo its choice.
    """
    if not active or gc.get_freeze_count() > 0:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# --------------------------------------------------------------------------- support
def _layers(module: nn.Module) -> tuple[list[nn.Linear], str, float] | str:
    """The ``Linear`` layers, the hidden activation and its parameter, or why not."""
    if not isinstance(module, nn.Sequential):
        return f"module type {type(module).__name__} (needs nn.Sequential)"
    linears: list[nn.Linear] = []
    activation = ""
    alpha = 0.0
    expect_linear = True
    for layer in module:
        if isinstance(layer, nn.Dropout):
            if layer.p > 0:
                return f"dropout={layer.p}"
            continue
        if expect_linear:
            if not isinstance(layer, nn.Linear):
                return f"layer {type(layer).__name__}"
            if layer.bias is None:
                return "Linear layer without bias"
            linears.append(layer)
            expect_linear = False
            continue
        name = type(layer).__name__
        if name not in FAST_ACTIVATIONS:
            return f"layer {name}"
        if activation and name != activation:
            return f"mixed activations {activation}/{name}"
        activation = name
        if isinstance(layer, nn.LeakyReLU):
            alpha = float(layer.negative_slope)
        elif isinstance(layer, nn.ELU):
            alpha = float(layer.alpha)
        expect_linear = True
    if not linears or expect_linear:
        return "a network that does not end in a Linear layer"
    return linears, activation or "ReLU", alpha


def unsupported(
    module: nn.Module,
    config: TrainConfig,
    loss: LossFn,
    metric: str | None = None,
) -> str | None:
    """Why the fast path cannot train this setup (``None`` when it can).

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    config : TrainConfig
        The training settings.
    loss : LossSpec
        Head, loss and metric; any other loss function is unsupported.
    metric : str, optional
        Name of the per-epoch metric when it differs from ``loss.metric``
        (``"accuracy"``, ``"mae"`` or ``None``).

    Returns
    -------
    str or None
        A short phrase naming the first unsupported option, e.g. ``"dropout=0.2"``.
    """
    if not isinstance(loss, LossSpec):
        return f"loss function {type(loss).__name__} (needs a LossSpec)"
    layers = _layers(module)
    if isinstance(layers, str):
        return layers
    if config.optimizer not in FAST_OPTIMIZERS:
        return f"optimizer={config.optimizer!r}"
    if (loss.output, loss.loss) not in FAST_LOSSES:
        return f"output={loss.output!r} with loss={loss.loss!r}"
    if config.lr_schedule is not None:
        return f"lr_schedule={config.lr_schedule!r}"
    if torch.device(config.device).type != "cpu":
        return f"device={config.device!r}"
    if config.precision != "fp32":
        return f"precision={config.precision!r}"
    name = loss.metric if metric is None else metric
    if name not in _METRIC_CODE:
        return f"metric {name!r}"
    return None


# --------------------------------------------------------------------------- kernels


_FASTMATH: Any = {"reassoc", "contract"}


def _njit(fn: Any) -> Any:
    # reassociation lets LLVM vectorise the dot products; the order then differs from
    # torch's BLAS by float32 rounding only (tested to < 1e-5 in the weights)
    return numba.njit(cache=False, fastmath=_FASTMATH, error_model="numpy")(fn)


@_njit
def _act(z: Any, kind: int, alpha: Any) -> Any:
    zero = np.float32(0.0)
    if kind == 0:  # relu
        return z if z > zero else zero
    if kind == 1:
        return np.tanh(z)
    if kind == 2:
        return np.float32(1.0) / (np.float32(1.0) + np.exp(-z))
    if kind == 3:  # leaky_relu
        return z if z > zero else z * alpha
    return z if z > zero else np.expm1(z) * alpha  # elu


@_njit
def _act_grad(g: Any, z: Any, a: Any, kind: int, alpha: Any) -> Any:
    """``g * act'(z)`` in torch's backward formulas (``a = act(z)``)."""
    zero = np.float32(0.0)
    one = np.float32(1.0)
    if kind == 0:
        return g if a > zero else zero
    if kind == 1:
        return g * (one - a * a)
    if kind == 2:
        return g * (one - a) * a
    if kind == 3:
        return g if z > zero else g * alpha
    return g if z > zero else g * alpha * np.exp(z)


@_njit
def _head_loss(z: Any, yf: Any, yi: int, head: int, loss: int, g: Any, dz: Any, p: Any) -> Any:
    """Per-sample loss of raw outputs ``z``; writes ``g * dloss/dz`` into ``dz``.

    The head's output (used by the metrics) is left in ``p``. ``yf`` are float targets (sigmoid/linear heads), ``yi`` the class (softmax).
    """
    k = z.shape[0]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    two = np.float32(2.0)
    kf = np.float32(k)
    gk = g / kf
    # head output
    if head == 0:
        for j in range(k):
            p[j] = z[j]
    elif head == 1:
        for j in range(k):
            p[j] = one / (one + np.exp(-z[j]))
    else:
        m = z[0]
        for j in range(1, k):
            if z[j] > m:
                m = z[j]
        s = zero
        for j in range(k):
            s += np.exp(z[j] - m)
        lse = np.log(s)
        for j in range(k):
            p[j] = np.exp(z[j] - m - lse)
    per = zero
    if loss == 0:  # bce with logits: (1 - y) z - log_sigmoid(z)
        for j in range(k):
            x = z[j]
            e = np.exp(-abs(x))
            logsig = min(x, zero) - np.log1p(e)
            per += (one - yf[j]) * x - logsig
            dlog = one - e / (one + e) if x < zero else e / (one + e)
            dz[j] = gk * (one - yf[j]) - gk * dlog
        return per / kf
    if loss == 1:  # cross entropy on log-softmax
        m = z[0]
        for j in range(1, k):
            if z[j] > m:
                m = z[j]
        s = zero
        for j in range(k):
            s += np.exp(z[j] - m)
        lse = np.log(s)
        for j in range(k):
            dz[j] = g * np.exp(z[j] - m - lse)
        dz[yi] -= g
        return lse - (z[yi] - m)
    # mse / mae on the head's output: gradient wrt p first, then through the head
    for j in range(k):
        if head == 2:
            t = one if j == yi else zero
        else:
            t = yf[j]
        d = p[j] - t
        if loss == 2:
            per += d * d
            dz[j] = two * (gk * d)
        else:
            per += abs(d)
            dz[j] = gk * (one if d > zero else (-one if d < zero else zero))
    if head == 1:
        for j in range(k):
            dz[j] = dz[j] * (one - p[j]) * p[j]
    elif head == 2:
        s = zero
        for j in range(k):
            s += dz[j] * p[j]
        for j in range(k):
            dz[j] = p[j] * (dz[j] - s)
    return per / kf


@_njit
def _forward(
    theta: Any, a: Any, z: Any, sizes: Any, aoff: Any, woff: Any, boff: Any, act: int, alpha: Any
) -> None:
    """Pre-activations ``z`` and activations ``a`` (``a[:d0]`` holds the input) of one event."""
    n_layers = sizes.shape[0] - 1
    zero = np.float32(0.0)
    for layer in range(n_layers):
        din = sizes[layer]
        ai = aoff[layer]
        ao = aoff[layer + 1]
        wo = woff[layer]
        bo = boff[layer]
        a_in = a[ai : ai + din]
        for j in range(sizes[layer + 1]):
            w_row = theta[wo + j * din : wo + (j + 1) * din]
            s = zero
            for c in range(din):
                s += w_row[c] * a_in[c]
            zj = s + theta[bo + j]
            z[ao + j] = zj
            a[ao + j] = _act(zj, act, alpha) if layer < n_layers - 1 else zj


@_njit
def _backward(
    theta: Any,
    grad: Any,
    a: Any,
    z: Any,
    d: Any,
    sizes: Any,
    aoff: Any,
    woff: Any,
    boff: Any,
    act: int,
    alpha: Any,
) -> None:
    """Accumulate the gradient of one event into ``grad`` (``d`` holds dloss/dz at the output)."""
    zero = np.float32(0.0)
    for layer in range(sizes.shape[0] - 2, -1, -1):
        din = sizes[layer]
        ai = aoff[layer]
        ao = aoff[layer + 1]
        wo = woff[layer]
        bo = boff[layer]
        a_in = a[ai : ai + din]
        for j in range(sizes[layer + 1]):
            dj = d[ao + j]
            grad[bo + j] += dj
            g_row = grad[wo + j * din : wo + (j + 1) * din]
            for c in range(din):
                g_row[c] += dj * a_in[c]
        if layer > 0:
            d_in = d[ai : ai + din]
            for c in range(din):
                d_in[c] = zero
            for j in range(sizes[layer + 1]):
                dj = d[ao + j]
                w_row = theta[wo + j * din : wo + (j + 1) * din]
                for c in range(din):
                    d_in[c] += w_row[c] * dj
            for c in range(din):
                d_in[c] = _act_grad(d_in[c], z[ai + c], a[ai + c], act, alpha)


# Slots of the kernel's two parameter vectors (compile-time constants in numba).
#: ``codes`` (int64): activation, head, loss, metric, optimizer, batch size, step count.
C_ACT, C_HEAD, C_LOSS, C_METRIC, C_OPT, C_BATCH, C_STEP = range(7)
#: ``hyper`` (float64): activation slope, lr, momentum, weight decay, l1, beta1, beta2, eps,
#: rmsprop's alpha.
H_ALPHA, H_LR, H_MOM, H_WD, H_L1, H_B1, H_B2, H_EPS, H_RHO = range(9)


@_njit
def _lerp(a: Any, b: Any, w: Any) -> Any:
    """torch's CPU ``lerp`` (two formulas either side of ``w = 0.5``)."""
    if w < np.float32(0.5):
        return a + w * (b - a)
    return b - (b - a) * (np.float32(1.0) - w)


@_njit
def _penalties(theta: Any, grad: Any, woff: Any, boff: Any, opt: int, hyper: Any) -> None:
    """L1 and weight decay on the weight blocks ``theta[woff[l]:boff[l]]`` (not biases)."""
    zero = np.float32(0.0)
    one = np.float32(1.0)
    l1 = np.float32(hyper[H_L1])
    lr = hyper[H_LR]
    wd = hyper[H_WD]
    if l1 > zero:  # d/dW l1 * |W| = l1 * sign(W), added to the data gradient
        for layer in range(woff.shape[0]):
            for q in range(woff[layer], boff[layer]):
                t = theta[q]
                grad[q] += l1 * (one if t > zero else (-one if t < zero else zero))
    if wd != 0.0:
        if opt == 2:  # adamw: decoupled, param.mul_(1 - lr * wd) before the update
            shrink = np.float32(1.0 - lr * wd)
            for layer in range(woff.shape[0]):
                for q in range(woff[layer], boff[layer]):
                    theta[q] = theta[q] * shrink
        else:  # coupled: grad + wd * param
            wd32 = np.float32(wd)
            for layer in range(woff.shape[0]):
                for q in range(woff[layer], boff[layer]):
                    grad[q] = grad[q] + wd32 * theta[q]


@_njit
def _step(state: Any, woff: Any, boff: Any, codes: Any, hyper: Any) -> None:
    """One optimizer step in torch's single-tensor formulas on ``state``.

    ``state`` rows: parameters, gradient, first and second optimizer buffers.
    """
    theta = state[0]
    grad = state[1]
    s1 = state[2]
    s2 = state[3]
    opt = codes[C_OPT]
    step = codes[C_STEP]
    lr = hyper[H_LR]
    momentum = hyper[H_MOM]
    n_par = theta.shape[0]
    _penalties(theta, grad, woff, boff, opt, hyper)
    neg_lr = np.float32(-lr)
    mom32 = np.float32(momentum)
    eps = np.float32(hyper[H_EPS])
    if opt == 1 or opt == 2:  # adam, adamw; bias corrections in double as torch has them
        beta1 = hyper[H_B1]
        beta2 = hyper[H_B2]
        bc2_sqrt = np.float32((1.0 - beta2**step) ** 0.5)
        neg_step = np.float32(-(lr / (1.0 - beta1**step)))
        w1 = np.float32(1.0 - beta1)
        b2 = np.float32(beta2)
        w2 = np.float32(1.0 - beta2)
        for q in range(n_par):
            gq = grad[q]
            m = _lerp(s1[q], gq, w1)
            v = s2[q] * b2 + w2 * gq * gq
            s1[q] = m
            s2[q] = v
            theta[q] = theta[q] + neg_step * (m / (np.sqrt(v) / bc2_sqrt + eps))
    elif opt == 3:  # rmsprop
        a2 = np.float32(hyper[H_RHO])
        w2 = np.float32(1.0 - hyper[H_RHO])
        for q in range(n_par):
            gq = grad[q]
            v = s2[q] * a2 + w2 * gq * gq
            s2[q] = v
            avg = np.sqrt(v) + eps
            if momentum > 0.0:
                b = s1[q] * mom32 + gq / avg
                s1[q] = b
                theta[q] = theta[q] + neg_lr * b
            else:
                theta[q] = theta[q] + neg_lr * (gq / avg)
    elif momentum != 0.0:  # sgd with momentum; the buffer starts as the first gradient
        if step == 1:
            for q in range(n_par):
                s1[q] = grad[q]
        else:
            for q in range(n_par):
                s1[q] = s1[q] * mom32 + grad[q]
        for q in range(n_par):
            theta[q] = theta[q] + neg_lr * s1[q]
    else:  # plain sgd
        for q in range(n_par):
            theta[q] = theta[q] + neg_lr * grad[q]


@_njit
def _metric(out: Any, p: Any, yf: Any, yi: int, head: int, metric: int) -> Any:
    """Per-sample metric: accuracy of the raw outputs (1) or MAE of the head's output (2)."""
    zero = np.float32(0.0)
    one = np.float32(1.0)
    k = out.shape[0]
    if metric == 1:
        if head == 2 or k > 1:
            best = 0
            for j in range(1, k):
                if out[j] > out[best]:
                    best = j
            return one if best == yi else zero
        return one if (one if out[0] > zero else zero) == yf[0] else zero
    e = zero
    for j in range(k):
        e += abs(p[j] - yf[j])
    return e / np.float32(k)


@_njit
def _train(state: Any, layout: Any, codes: Any, hyper: Any, data: Any, work: Any, out: Any) -> None:
    """``perms.shape[0]`` epochs of mini-batch training in place (see :class:`_Kernel`).

    Writes each epoch's weighted loss and metric sums into ``out[0]``/``out[1]`` and the
    optimizer's step count into ``codes[C_STEP]``.
    """
    sizes, aoff, woff, boff = layout
    X, Yf, Yi, W, perms = data
    A, Z, D, P = work
    grad = state[1]
    theta = state[0]
    act = codes[C_ACT]
    head = codes[C_HEAD]
    loss = codes[C_LOSS]
    metric = codes[C_METRIC]
    bs = codes[C_BATCH]
    alpha = np.float32(hyper[H_ALPHA])
    n = perms.shape[1]
    k = sizes[sizes.shape[0] - 1]
    out0 = aoff[sizes.shape[0] - 1]
    d0 = sizes[0]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    for epoch in range(perms.shape[0]):
        loss_sum = zero
        metric_sum = zero
        for start in range(0, n, bs):
            b = min(bs, n - start)
            inv_b = one / np.float32(b)
            grad[:] = zero
            batch_loss = zero
            batch_metric = zero
            for r in range(b):
                i = perms[epoch, start + r]
                a = A[r]
                z = Z[r]
                d = D[r]
                for c in range(d0):
                    a[c] = X[i, c]
                _forward(theta, a, z, sizes, aoff, woff, boff, act, alpha)
                w = W[i]
                o = a[out0 : out0 + k]
                per = _head_loss(o, Yf[i], Yi[i], head, loss, inv_b * w, d[out0 : out0 + k], P)
                batch_loss += per * w
                if metric != 0:
                    batch_metric += _metric(o, P, Yf[i], Yi[i], head, metric) * w
                _backward(theta, grad, a, z, d, sizes, aoff, woff, boff, act, alpha)
            loss_sum += batch_loss
            metric_sum += batch_metric
            codes[C_STEP] += 1
            _step(state, woff, boff, codes, hyper)
        out[0, epoch] = loss_sum
        out[1, epoch] = metric_sum


# --------------------------------------------------------------------------- driver


class _Net:
    """The network as one flat float32 vector with the offsets the kernel needs."""

    def __init__(self, module: nn.Module) -> None:
        layers = _layers(module)
        if isinstance(layers, str):  # checked by unsupported(); kept for direct callers
            msg = f"the fast path cannot train this network: {layers}"
            raise ModelError(msg)
        linears, activation, alpha = layers
        self.params = [p for lin in linears for p in (lin.weight, lin.bias)]
        sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
        offsets = np.concatenate([[0], np.cumsum([p.numel() for p in self.params])])
        self.layout = (
            np.asarray(sizes, dtype=np.int64),
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            offsets[0:-1:2].astype(np.int64),
            offsets[1::2].astype(np.int64),
        )
        # rows: parameters, gradient, optimizer buffers 1 and 2
        self.state = np.zeros((4, int(offsets[-1])), dtype=np.float32)
        self.state[0] = np.concatenate(
            [p.detach().to("cpu", torch.float32).numpy().ravel() for p in self.params]
        )
        self.activation = activation
        self.alpha = alpha

    def write_back(self) -> None:
        """Copy the flat vector into the torch parameters."""
        with torch.no_grad():
            start = 0
            for p in self.params:
                size = p.numel()
                chunk = self.state[0, start : start + size].reshape(tuple(p.shape))
                p.copy_(torch.from_numpy(chunk.copy()))
                start += size


@dataclass
class _Kernel:
    """The compiled loop's arguments in typed groups (one call trains one block of epochs).

    ``state`` float32 (4, n_par): parameters, gradient, optimizer buffers; ``layout`` four
    int64 vectors (layer sizes, activation offsets, weight and bias offsets into the flat
    parameters); ``codes`` int64 (slots ``C_*``); ``hyper`` float64 (slots ``H_*``);
    ``data`` (X, float targets, class targets, weights, per-epoch permutations); ``work``
    per-batch activations, pre-activations, deltas and the head's output; ``out`` float32
    (2, epochs): loss and metric sums per epoch.
    """

    net: _Net
    codes: NDArray[np.int64]
    hyper: NDArray[np.float64]
    X: NDArray[np.float32]
    Yf: NDArray[np.float32]
    Yi: NDArray[np.int64]
    W: NDArray[np.float32]
    work: tuple[NDArray[np.float32], ...]

    @classmethod
    def build(
        cls, net: _Net, spec: LossSpec, config: TrainConfig, metric: str | None, data: Any
    ) -> _Kernel:
        X, Yf, Yi, W = data
        codes = np.array(
            [
                _ACT_CODE[net.activation],
                _HEAD_CODE[spec.output],
                _LOSS_CODE[spec.loss],
                _METRIC_CODE[metric],
                _OPT_CODE[config.optimizer],
                int(config.batch_size),
                0,
            ],
            dtype=np.int64,
        )
        hyper = np.array(
            [
                net.alpha,
                config.lr,
                config.momentum,
                config.weight_decay,
                config.l1,
                config.beta1,
                config.beta2,
                config.eps,
                config.rmsprop_alpha,
            ],
            dtype=np.float64,
        )
        width = int(net.layout[1][-1])
        rows = min(int(config.batch_size), len(X))
        work = tuple(np.zeros((rows, width), dtype=np.float32) for _ in range(3))
        p = np.zeros(int(net.layout[0][-1]), dtype=np.float32)
        return cls(net, codes, hyper, X, Yf, Yi, W, (*work, p))

    def run(self, perms: NDArray[np.int64]) -> NDArray[np.float32]:
        """Train ``len(perms)`` epochs; the (2, epochs) loss and metric sums."""
        out = np.zeros((2, len(perms)), dtype=np.float32)
        data = (self.X, self.Yf, self.Yi, self.W, perms)
        first = not _train.signatures  # loaded or compiled once per process
        with warnings.catch_warnings(), _extensions_deferred(), _young_gc_only(first):
            # a cache that cannot be read or written only costs a compilation
            warnings.simplefilter("ignore", numba.NumbaWarning)
            _train(self.net.state, self.net.layout, self.codes, self.hyper, data, self.work, out)
        return out


def _enable_cache() -> None:
    """Keep compiled kernels in the user cache directory (once per process; see module doc)."""
    if _CACHE_STATE:
        return
    _CACHE_STATE.append(None)
    directory = numba_cache_dir()
    if directory is None:
        return
    config: Any = numba.config
    previous = config.CACHE_DIR
    config.CACHE_DIR = str(directory)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kernel in _KERNELS:
                kernel.enable_caching()
    except (OSError, RuntimeError):  # unwritable after all: compile in memory only
        pass
    else:
        _CACHE_STATE[0] = str(directory)
    finally:
        config.CACHE_DIR = previous


_CACHE_STATE: list[str | None] = []  # [cache directory or None] once configured
_KERNELS = (_train,)  # its callees are compiled into it (and cached with it)


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
    """Train a small MLP in place with the compiled loop; the signature of ``loop.fit``.

    Parameters
    ----------
    module : torch.nn.Sequential
        ``Linear`` layers with one hidden activation type between them (see
        :func:`unsupported`); trained in place on the CPU.
    loss_fn : LossSpec
        The head, loss and metric (:class:`neyman.train.spec.LossSpec`); the compiled loop
        implements them, and validation uses the spec itself as the torch loss.
    X : array of shape (n, d)
        Inputs (float32).
    y : array
        Targets as ``loss_fn`` expects them: float (n, k) for sigmoid/linear heads,
        int64 class indices (n,) for softmax.
    sample_weight : array of shape (n,), optional
        Event weights, divided by their mean as in ``loop.fit``.
    config : TrainConfig
        Epochs, batch size, optimizer and its hyperparameters, seed, verbose.
    validation : tuple (X_val, y_val, w_val or None), optional
        Evaluated after every epoch by the torch code.
    metric : tuple (name, fn), optional
        ``("accuracy", fn)`` or ``("mae", fn)`` (the compiled loop computes the named one);
        ``loss_fn.metric`` when None.
    callbacks : sequence of Callback
        Must be empty (early stopping and checkpoints need the torch loop).
    fingerprint : dict, optional
        Accepted for the common signature; unused (no checkpoints here).

    Returns
    -------
    TrainHistory
        ``loss``, the metric, ``val_loss``/``val_`` metric with validation data, ``lr``;
        ``history.backend == "fast"``.

    Raises
    ------
    neyman.errors.ModelError
        If the setup is not supported, or the training loss becomes NaN or infinite.
    """
    if metric is None and isinstance(loss_fn, LossSpec):
        metric = loss_fn.metric_fn()
    reason = unsupported(module, config, loss_fn, None if metric is None else metric[0])
    if reason is None and callbacks:
        reason = "callbacks " + ", ".join(type(cb).__name__ for cb in callbacks)
    if reason is not None:
        msg = f"the fast training path does not support {reason}; use backend='torch'"
        raise ModelError(msg, value=reason)
    assert isinstance(loss_fn, LossSpec)  # checked by unsupported()
    _enable_cache()
    cpu = torch.device("cpu")
    module.to(cpu)
    # the same float32 tensors and weight normalisation as loop.fit, then as NumPy arrays
    Xt = _as_tensor(X, cpu, torch.float32)
    yt = _as_tensor(y, cpu)
    n = int(Xt.shape[0])
    wt = _event_weights(sample_weight, n, cpu)
    Xn = np.ascontiguousarray(Xt.numpy().reshape(n, -1), dtype=np.float32)
    Wn = np.ascontiguousarray(wt.numpy(), dtype=np.float32)
    Yf, Yi = as_numpy_targets(loss_fn, yt, n)
    val = None
    if validation is not None:
        Xv = _as_tensor(validation[0], cpu, torch.float32)
        yv = _as_tensor(validation[1], cpu, yt.dtype)
        wv = (
            torch.ones(int(Xv.shape[0]), dtype=torch.float32)
            if validation[2] is None
            else _as_tensor(validation[2], cpu, torch.float32)
        )
        val = (Xv, yv, wv)
    metric_name = None if metric is None else metric[0]
    net = _Net(module)
    kernel = _Kernel.build(net, loss_fn, config, metric_name, (Xn, Yf, Yi, Wn))
    history = _run(kernel, module, loss_fn, config, val, metric, n)
    return TrainHistory(history, backend="fast", precision="fp32")


def _run(
    kernel: _Kernel,
    module: nn.Module,
    loss_fn: LossFn,
    config: TrainConfig,
    val: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None,
    metric: tuple[str, LossFn] | None,
    n: int,
) -> dict[str, list[float]]:
    """The epoch loop around the kernel: permutations, logs, callbacks, progress."""
    callbacks: list[Callback] = [History()]
    if config.verbose > 0:
        callbacks.append(ProgressBar(config.verbose, description="training (fast backend)"))
    state = TrainState(
        module=module,
        optimizer=None,  # the optimizer state lives in the kernel's flat arrays
        scheduler=None,
        epochs=config.epochs,
        callbacks=callbacks,
    )
    # one compiled call for all epochs, unless something must look at every epoch
    block = 1 if (val is not None or config.verbose > 0) else config.epochs
    try:
        for cb in callbacks:
            cb.on_train_begin(state)
        while state.epoch < config.epochs and not state.stop:
            count = min(block, config.epochs - state.epoch)
            perms = np.empty((count, n), dtype=np.int64)
            for e in range(count):
                if config.shuffle:
                    perms[e] = epoch_permutation(n, epoch_seed(config.seed, state.epoch + e))
                else:
                    perms[e] = np.arange(n)
            sums = kernel.run(perms)
            for e in range(count):
                logs = {"loss": float(sums[0, e]) / n}
                if metric is not None:
                    logs[metric[0]] = float(sums[1, e]) / n
                if val is not None:
                    kernel.net.write_back()
                    logs.update(_evaluate(module, loss_fn, val, metric))
                logs["lr"] = float(config.lr)
                state.epoch += 1
                state.logs = logs
                _check_loss(logs["loss"], state.epoch)
                for cb in callbacks:
                    cb.on_epoch_end(state)
        for cb in callbacks:
            cb.on_train_end(state)
    finally:  # a progress bar's refresh thread must not outlive a fit that raised
        close_callbacks(callbacks)
    kernel.net.write_back()
    module.eval()
    return state.history
