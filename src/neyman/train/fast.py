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
   (betas 0.9/0.999, eps 1e-8 added after the bias-corrected square root, decoupled
   decay for ``adamw``), ``rmsprop`` (alpha 0.99, eps 1e-8, momentum); weight decay on
   weight matrices only (group 0 of :func:`~neyman.train.loop.make_optimizer`).

The results equal the torch path's up to float32 rounding (different summation order in
the dot products): after a few epochs the weights agree to better than 1e-5
(``tests/train/test_fast.py``). Validation losses and metrics are computed by the torch
code itself (:func:`~neyman.train.loop.predict`) on the current weights, so they match.

What is not supported (:func:`unsupported` names it, and the estimators then use
``loop.fit``): dropout, layers other than ``Linear`` and the five activations, learning-rate
schedules, callbacks other than the progress bar, devices other than the CPU.
"""

from __future__ import annotations

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
    _as_tensor,
    _check_loss,
    _evaluate,
    _event_weights,
    epoch_permutation,
    epoch_seed,
    make_optimizer,
)

__all__ = ["FAST_ACTIVATIONS", "FAST_LOSSES", "FAST_OPTIMIZERS", "fit", "unsupported"]

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

_ACT_CODE = {name: i for i, name in enumerate(FAST_ACTIVATIONS)}
_HEAD_CODE = {"linear": 0, "sigmoid": 1, "softmax": 2}
_LOSS_CODE = {"bce": 0, "cross_entropy": 1, "mse": 2, "mae": 3}
_OPT_CODE = {name: i for i, name in enumerate(FAST_OPTIMIZERS)}
_METRIC_CODE = {None: 0, "accuracy": 1, "mae": 2}


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
    *,
    output: str,
    loss: str,
    metric: str | None = None,
) -> str | None:
    """Why the fast path cannot train this setup (``None`` when it can).

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    config : TrainConfig
        The training settings.
    output, loss : str
        Resolved output head and loss.
    metric : str, optional
        Name of the per-epoch metric (``"accuracy"``, ``"mae"`` or ``None``).

    Returns
    -------
    str or None
        A short phrase naming the first unsupported option, e.g. ``"dropout=0.2"``.
    """
    layers = _layers(module)
    if isinstance(layers, str):
        return layers
    if config.optimizer not in FAST_OPTIMIZERS:
        return f"optimizer={config.optimizer!r}"
    if (output, loss) not in FAST_LOSSES:
        return f"output={output!r} with loss={loss!r}"
    if config.lr_schedule is not None:
        return f"lr_schedule={config.lr_schedule!r}"
    if torch.device(config.device).type != "cpu":
        return f"device={config.device!r}"
    if metric not in _METRIC_CODE:
        return f"metric {metric!r}"
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


@_njit
def _step(
    theta: Any,
    grad: Any,
    s1: Any,
    s2: Any,
    woff: Any,
    boff: Any,
    opt: int,
    lr: float,
    momentum: float,
    wd: float,
    l1: Any,
    step: int,
) -> None:
    """One optimizer step in torch's single-tensor formulas (decay on weight blocks only)."""
    n_par = theta.shape[0]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    # weight block `layer` is theta[woff[layer]:boff[layer]]
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
    neg_lr = np.float32(-lr)
    mom32 = np.float32(momentum)
    if opt == 1 or opt == 2:  # adam, adamw; bias corrections in double as torch has them
        bc2_sqrt = np.float32((1.0 - 0.999**step) ** 0.5)
        neg_step = np.float32(-(lr / (1.0 - 0.9**step)))
        w1 = np.float32(1.0 - 0.9)
        b2 = np.float32(0.999)
        w2 = np.float32(1.0 - 0.999)
        eps = np.float32(1e-8)
        for q in range(n_par):
            gq = grad[q]
            m = s1[q] + w1 * (gq - s1[q])
            v = s2[q] * b2 + w2 * gq * gq
            s1[q] = m
            s2[q] = v
            theta[q] = theta[q] + neg_step * (m / (np.sqrt(v) / bc2_sqrt + eps))
    elif opt == 3:  # rmsprop, alpha 0.99
        a2 = np.float32(0.99)
        w2 = np.float32(1.0 - 0.99)
        eps = np.float32(1e-8)
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
def _train(
    theta: Any,
    grad: Any,
    s1: Any,
    s2: Any,
    sizes: Any,
    aoff: Any,
    woff: Any,
    boff: Any,
    act: int,
    alpha: Any,
    head: int,
    loss: int,
    metric: int,
    X: Any,
    Yf: Any,
    Yi: Any,
    W: Any,
    perms: Any,
    bs: int,
    opt: int,
    lr: float,
    momentum: float,
    wd: float,
    l1: Any,
    step: int,
    A: Any,
    Z: Any,
    D: Any,
    P: Any,
    losses: Any,
    metrics: Any,
) -> int:
    """Epochs ``perms.shape[0]`` of mini-batch training in place on the flat ``theta``.

    Writes each epoch's weighted loss and metric sums into ``losses``/``metrics`` and
    returns the optimizer's step count.
    """
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
                out = a[out0 : out0 + k]
                per = _head_loss(out, Yf[i], Yi[i], head, loss, inv_b * w, d[out0 : out0 + k], P)
                batch_loss += per * w
                if metric == 1:  # accuracy of the raw outputs
                    if head == 2:
                        best = 0
                        for j in range(1, k):
                            if out[j] > out[best]:
                                best = j
                        hit = one if best == Yi[i] else zero
                    else:
                        hit = one if (one if out[0] > zero else zero) == Yf[i, 0] else zero
                    batch_metric += hit * w
                elif metric == 2:  # mean absolute error of the head's output
                    e = zero
                    for j in range(k):
                        e += abs(P[j] - Yf[i, j])
                    batch_metric += e / np.float32(k) * w
                _backward(theta, grad, a, z, d, sizes, aoff, woff, boff, act, alpha)
            loss_sum += batch_loss
            metric_sum += batch_metric
            step += 1
            _step(theta, grad, s1, s2, woff, boff, opt, lr, momentum, wd, l1, step)
        losses[epoch] = loss_sum
        metrics[epoch] = metric_sum
    return step


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
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.aoff = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum([p.numel() for p in self.params])])
        self.woff = offsets[0:-1:2].astype(np.int64)
        self.boff = offsets[1::2].astype(np.int64)
        self.theta = np.concatenate(
            [p.detach().to("cpu", torch.float32).numpy().ravel() for p in self.params]
        ).astype(np.float32)
        self.act = _ACT_CODE[activation]
        self.alpha = np.float32(alpha)

    def write_back(self) -> None:
        """Copy the flat vector into the torch parameters."""
        with torch.no_grad():
            start = 0
            for p in self.params:
                size = p.numel()
                chunk = self.theta[start : start + size].reshape(tuple(p.shape))
                p.copy_(torch.from_numpy(chunk.copy()))
                start += size


def fit(
    module: nn.Module,
    loss_fn: LossFn,
    X: NDArray[Any] | torch.Tensor,
    y: NDArray[Any] | torch.Tensor,
    sample_weight: NDArray[Any] | torch.Tensor | None = None,
    *,
    config: TrainConfig,
    output: str,
    loss: str,
    validation: tuple[Any, Any, Any] | None = None,
    metric: tuple[str, LossFn] | None = None,
    description: str = "training (fast backend)",
) -> dict[str, list[float]]:
    """Train a small MLP in place with the compiled loop; same contract as ``loop.fit``.

    Parameters
    ----------
    module : torch.nn.Sequential
        ``Linear`` layers with one hidden activation type between them (see
        :func:`unsupported`); trained in place on the CPU.
    loss_fn : callable
        The torch per-sample loss the torch path would use (for validation only; the
        compiled loop implements ``output``/``loss`` itself).
    X : array of shape (n, d)
        Inputs (float32).
    y : array
        Targets as ``loss_fn`` expects them: float (n, k) for sigmoid/linear heads,
        int64 class indices (n,) for softmax.
    sample_weight : array of shape (n,), optional
        Event weights, divided by their mean as in ``loop.fit``.
    config : TrainConfig
        Epochs, batch size, optimizer, lr, momentum, weight decay, l1, seed, verbose.
    output, loss : str
        The output head and loss (see ``FAST_LOSSES``).
    validation : tuple (X_val, y_val, w_val or None), optional
        Evaluated after every epoch by the torch code.
    metric : tuple (name, fn), optional
        ``("accuracy", fn)`` or ``("mae", fn)``; the compiled loop computes the named one.
    description : str
        Label of the progress bar.

    Returns
    -------
    dict of str to list of float
        ``loss``, the metric, ``val_loss``/``val_`` metric with validation data, ``lr``.

    Raises
    ------
    neyman.errors.ModelError
        If the setup is not supported, or the training loss becomes NaN or infinite.
    """
    reason = unsupported(
        module, config, output=output, loss=loss, metric=None if metric is None else metric[0]
    )
    if reason is not None:
        msg = f"the fast training path does not support {reason}; use backend='torch'"
        raise ModelError(msg)
    cpu = torch.device("cpu")
    module.to(cpu)
    # the same float32 tensors and weight normalisation as loop.fit, then as NumPy arrays
    Xt = _as_tensor(X, cpu, torch.float32)
    yt = _as_tensor(y, cpu)
    n = int(Xt.shape[0])
    wt = _event_weights(sample_weight, n, cpu)
    Xn = np.ascontiguousarray(Xt.numpy().reshape(n, -1), dtype=np.float32)
    Wn = np.ascontiguousarray(wt.numpy(), dtype=np.float32)
    if output == "softmax":
        Yi = np.ascontiguousarray(yt.numpy().reshape(n), dtype=np.int64)
        Yf = np.zeros((n, 1), dtype=np.float32)
    else:
        Yf = np.ascontiguousarray(yt.numpy().reshape(n, -1), dtype=np.float32)
        Yi = np.zeros(n, dtype=np.int64)
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

    net = _Net(module)
    bs = int(config.batch_size)
    width = int(net.aoff[-1])
    k = int(net.sizes[-1])
    A = np.zeros((min(bs, n), width), dtype=np.float32)
    Z = np.zeros_like(A)
    D = np.zeros_like(A)
    P = np.zeros(k, dtype=np.float32)
    grad = np.zeros_like(net.theta)
    s1 = np.zeros_like(net.theta)
    s2 = np.zeros_like(net.theta)
    metric_name = None if metric is None else metric[0]
    codes = (
        _HEAD_CODE[output],
        _LOSS_CODE[loss],
        _METRIC_CODE[metric_name],
        _OPT_CODE[config.optimizer],
    )

    history_cb = History()
    callbacks: list[Callback] = [history_cb]
    if config.verbose > 0:
        callbacks.append(ProgressBar(config.verbose, description=description))
    state = TrainState(
        module=module,
        optimizer=make_optimizer(module, config),
        scheduler=None,
        epochs=config.epochs,
        callbacks=callbacks,
    )
    for cb in callbacks:
        cb.on_train_begin(state)
    # one compiled call for all epochs, unless something must look at every epoch
    block = 1 if (val is not None or config.verbose > 0) else config.epochs
    losses = np.zeros(block, dtype=np.float32)
    metrics = np.zeros(block, dtype=np.float32)
    step = 0
    while state.epoch < config.epochs and not state.stop:
        count = min(block, config.epochs - state.epoch)
        perms = np.empty((count, n), dtype=np.int64)
        for e in range(count):
            if config.shuffle:
                perms[e] = epoch_permutation(n, epoch_seed(config.seed, state.epoch + e))
            else:
                perms[e] = np.arange(n)
        step = _train(
            net.theta, grad, s1, s2, net.sizes, net.aoff, net.woff, net.boff, net.act,
            net.alpha, codes[0], codes[1], codes[2], Xn, Yf, Yi, Wn, perms, bs, codes[3],
            float(config.lr), float(config.momentum), float(config.weight_decay),
            np.float32(config.l1), step, A, Z, D, P, losses, metrics,
        )  # fmt: skip
        for e in range(count):
            logs = {"loss": float(losses[e]) / n}
            if metric_name is not None:
                logs[metric_name] = float(metrics[e]) / n
            if val is not None:
                net.write_back()
                logs.update(_evaluate(module, loss_fn, val, metric))
            logs["lr"] = float(config.lr)
            state.epoch += 1
            state.logs = logs
            _check_loss(logs["loss"], state.epoch)
            for cb in callbacks:
                cb.on_epoch_end(state)
    for cb in callbacks:
        cb.on_train_end(state)
    net.write_back()
    module.eval()
    return state.history
