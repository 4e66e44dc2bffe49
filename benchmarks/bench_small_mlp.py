"""Small networks at batch size 1: neyman's compiled loop against per-sample PyTorch.

Two exercises, each timed against baselines measured in the same run from the same initial
weights and the same per-epoch sample order:

(a) the problem sheet's charges classifier: 121 points, 2-10-10-1 tanh with a sigmoid
    output and BCE, plain SGD lr 0.01, batch size 1, 100 epochs (12,100 steps).
    ``MLPClassifier`` with ``backend="auto"`` (which picks the compiled loop) against the
    sheet's naive PyTorch loop (:func:`neyman.labs.charges.template_loop`: forward,
    ``zero_grad``, ``backward``, ``step`` and ``loss.item()`` per sample) and against
    scikit-learn's ``MLPClassifier`` with the same settings (sgd, batch 1, no momentum, no
    L2, 100 epochs, no early stop). Target: >= 100x the naive loop, same trajectory
    (max |weight difference| <= 1e-5).
(b) a 6-100-100-1 ReLU regressor (10,901 parameters) with MSE and plain SGD at batch size
    1 for 10,000 steps (1,000 events x 10 epochs): ``MLPRegressor`` against the
    PyTorch per-sample loop. Target: >= 20x.

PyTorch runs on one thread here (faster than two for such tiny operations, so the fairer
baseline); numba's compilation happens once per process and is reported separately (the
first fit minus a warm fit), not included in the timings.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from torch import nn

from benchmarks._common import Report, median_time
from neyman.datasets import charges
from neyman.labs.charges import template_loop
from neyman.models import MLPClassifier, MLPRegressor
from neyman.models.mlp import build_mlp
from neyman.train import epoch_seed

SEED = 7
CHARGES_EPOCHS = 100
REG_EVENTS = 1_000
REG_EPOCHS = 10


def _flat(module: nn.Module) -> np.ndarray:
    return torch.cat([p.detach().ravel() for p in module.parameters()]).numpy()


def _charges_model() -> MLPClassifier:
    return MLPClassifier(
        (10, 10),
        activation="tanh",
        output="sigmoid",
        loss="bce",
        optimizer="sgd",
        momentum=0.0,
        lr=0.01,
        batch_size=1,
        epochs=CHARGES_EPOCHS,
        device="cpu",
        random_state=SEED,
        verbose=0,
    )


def _sklearn_model() -> SkMLPClassifier:
    return SkMLPClassifier(
        hidden_layer_sizes=(10, 10),
        activation="tanh",
        solver="sgd",
        alpha=0.0,
        batch_size=1,
        learning_rate_init=0.01,
        momentum=0.0,
        nesterovs_momentum=False,
        max_iter=CHARGES_EPOCHS,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=SEED,
    )


def _regressor_model() -> MLPRegressor:
    return MLPRegressor(
        (100, 100),
        activation="relu",
        optimizer="sgd",
        momentum=0.0,
        lr=1e-3,
        batch_size=1,
        epochs=REG_EPOCHS,
        device="cpu",
        random_state=SEED,
        verbose=0,
    )


def _torch_per_sample(X: np.ndarray, y: np.ndarray, *, lr: float, epochs: int) -> nn.Module:
    """The plain PyTorch loop: one sample per step, same weights and order as neyman."""
    torch.manual_seed(SEED)
    net = build_mlp(X.shape[1], (100, 100), 1, activation="relu")
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y).reshape(-1, 1)
    for epoch in range(epochs):
        order = torch.randperm(
            len(Xt), generator=torch.Generator().manual_seed(epoch_seed(SEED, epoch))
        )
        for i in order.tolist():
            loss = F.mse_loss(net(Xt[i : i + 1]), yt[i : i + 1])
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
    return net


def _first_and_warm(fit: Callable[[], object]) -> tuple[float, float]:
    """Time of the first call (with numba's compilation when it is the first) and a warm one."""
    t0 = time.perf_counter()
    fit()
    first = time.perf_counter() - t0
    return first, median_time(fit, repeat=5)


def main() -> Report:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run()
    finally:
        torch.set_num_threads(threads)


def _run() -> Report:
    rep = Report("Small MLPs at batch size 1: compiled loop vs per-sample PyTorch")

    # (a) charges: 121 points, 2-10-10-1, 12,100 SGD steps
    ds = charges()
    X = np.asarray(ds.X, dtype=np.float32)
    y = np.asarray(ds.y)
    steps = len(X) * CHARGES_EPOCHS
    first, t_ney = _first_and_warm(lambda: _charges_model().fit(X, y))
    clf = _charges_model().fit(X, y)
    t_naive = median_time(
        lambda: template_loop(X, y, lr=0.01, epochs=CHARGES_EPOCHS, seed=SEED), repeat=3
    )
    net, _, _ = template_loop(X, y, lr=0.01, epochs=CHARGES_EPOCHS, seed=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t_sk = median_time(lambda: _sklearn_model().fit(X, y), repeat=3)
    diff = float(np.max(np.abs(_flat(clf.module_) - _flat(net))))
    rep.add(f"charges: numba compile, once per process (first fit {first:.2f} s)",
            max(first - t_ney, 0.0), ".2f", unit=" s")  # fmt: skip
    rep.add(f"charges: neyman MLPClassifier ({clf.backend_} backend), 12,100 steps",
            t_ney, ".4f", unit=" s")  # fmt: skip
    rep.add("charges: naive PyTorch per-sample loop (problem sheet)", t_naive, ".3f", unit=" s")
    rep.add("charges: scikit-learn MLPClassifier (sgd, batch 1)", t_sk, ".3f", unit=" s")
    rep.add("charges: neyman per step", t_ney / steps * 1e6, ".2f", unit=" µs")
    rep.add("charges: naive PyTorch per step", t_naive / steps * 1e6, ".1f", unit=" µs")
    rep.add("charges: speed-up vs naive PyTorch loop", t_naive / t_ney, ".0f", 100.0, unit="x")
    rep.add("charges: speed-up vs scikit-learn", t_sk / t_ney, ".0f", unit="x")
    rep.add("charges: max |weight difference| neyman vs naive loop", diff, ".1e", 1e-5,
            higher=False)  # fmt: skip

    # (b) 6-100-100-1 regressor, 10,000 per-sample SGD steps
    rng = np.random.default_rng(SEED)
    Xr = rng.normal(size=(REG_EVENTS, 6)).astype(np.float32)
    yr = (np.sin(Xr[:, 0]) + Xr[:, 1] * Xr[:, 2] - 0.5 * Xr[:, 3] ** 2).astype(np.float32)
    reg_steps = REG_EVENTS * REG_EPOCHS
    _, t_reg = _first_and_warm(lambda: _regressor_model().fit(Xr, yr))
    reg = _regressor_model().fit(Xr, yr)
    t_loop = median_time(lambda: _torch_per_sample(Xr, yr, lr=1e-3, epochs=REG_EPOCHS), repeat=3)
    ref = _torch_per_sample(Xr, yr, lr=1e-3, epochs=REG_EPOCHS)
    reg_diff = float(np.max(np.abs(_flat(reg.module_) - _flat(ref))))
    rep.add(f"6-100-100-1: neyman MLPRegressor ({reg.backend_} backend), steps/s",
            reg_steps / t_reg, ",.0f")  # fmt: skip
    rep.add("6-100-100-1: PyTorch per-sample loop, steps/s", reg_steps / t_loop, ",.0f")
    rep.add("6-100-100-1: speed-up vs PyTorch per-sample loop", t_loop / t_reg, ".1f", 20.0,
            unit="x")  # fmt: skip
    rep.add("6-100-100-1: max |weight difference| neyman vs PyTorch loop", reg_diff, ".1e")
    return rep


if __name__ == "__main__":
    main().print()
