"""Lab — loss-functions: what a network learns depends on the loss it minimises.

For a target Y and input X, the function f(x) minimising the expected loss ``E[L(Y, f(X))]``
is, point by point in x, the minimiser of ``E[L(Y, f) | X = x]``:

- squared error ``(Y - f)²``: the conditional mean ``E[Y|X]`` (derivative ``-2E[Y - f] = 0``);
- absolute error ``|Y - f|``: the conditional median (derivative ``P(Y < f) - P(Y > f) = 0``);
- 0-1 loss ``1[|Y - f| > ε]`` for small ε: the conditional mode (f sits where the density is
  highest). Its gradient is zero almost everywhere, so we train with the smooth surrogate
  ``1 - exp(-(Y - f)² / 2h²)``, whose minimiser is the mode of the density smoothed with a
  normal of width h; h is lowered from 1 to 0.1 during training (annealing);
- fourth power ``(Y - f)⁴``: the derivative ``-4 E[(Y - f)³] = 0`` is a cubic in f,
  ``m₃ - 3 f m₂ + 3 f² m₁ - f³ = 0`` with ``mₖ = E[Yᵏ|X]`` (solved numerically below), which
  weights the tails heavily and lands beyond the mean on the long-tail side;
- binary cross-entropy on a 0/1 label: ``P(Y = 1 | X) = E[Y|X]`` again.

The regression problem: ``x ~ U(0, 1)`` and ``Y | x ~ Gamma(shape 2, scale θ(x) = 0.5 + x)``,
skewed so the four answers differ: mode θ, median 1.678θ, mean 2θ, fourth-power minimiser
2.626θ. Each network is a 1-32-32-1 tanh MLP; squared and absolute error use
:class:`neyman.models.MLPRegressor` (``loss="mse"``/``"mae"``), the surrogate 0-1 and fourth-
power losses a few lines of PyTorch with the same architecture.

Last, the likelihood ratio: a classifier trained with cross-entropy on signal and background
in proportions ``n_s : n_b`` learns ``f = P(S|x)``, so ``f/(1 - f) · n_b/n_s = p_s(x)/p_b(x)``,
checked against the exact ratio of the course's 1-D Gaussian mixtures with twice as much
background as signal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from scipy import stats

from neyman.datasets import GaussianMixtureProblem
from neyman.errors import ConfigError
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    lab_console,
    lab_progress,
    resolve_options,
)
from neyman.models import MLPClassifier, MLPRegressor

__all__ = [
    "LOSS_NAMES",
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "LossFunctionsAnswers",
    "compute",
    "fourth_power_factor",
    "render",
    "run",
    "sample",
]

NAME = "loss-functions"
SUMMARY = (
    "What a network learns with each loss: mean (MSE, cross-entropy), median (MAE), mode (0-1), "
    "a tail-weighted point (4th power), and f/(1-f) x prior ratio = likelihood ratio"
)
SHAPE = 2.0  # Gamma shape k of Y | x
OPTIONS: tuple[Option, ...] = (
    Option(
        "rows", int, None, "regression training events, >= 1000 (default 200,000; quick 20,000)"
    ),
)
#: what a reader sees for each loss (legends, tables): never the code name
LOSS_NAMES = {
    "mse": "squared error",
    "mae": "absolute error",
    "zero_one": "0-1 loss",
    "fourth_power": "4th power",
}
STAT_NAMES = {
    "mean": "mean",
    "median": "median",
    "mode": "mode",
    "fourth_power": "4th-power minimiser",
}
FloatArray = NDArray[np.float64]
TorchLoss = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]


def theta(x: FloatArray) -> FloatArray:
    """Scale of the Gamma distribution of Y at x."""
    return 0.5 + x


def fourth_power_factor(k: float = SHAPE) -> float:
    """The c with ``argmin_f E[(Y - f)⁴] = c θ`` for ``Y ~ Gamma(k, θ)``.

    ``E[(Y - f)³] = 0`` with the Gamma raw moments ``m₁ = kθ``, ``m₂ = k(k+1)θ²``,
    ``m₃ = k(k+1)(k+2)θ³`` is the cubic ``c³ - 3k c² + 3k(k+1) c - k(k+1)(k+2) = 0`` in
    ``c = f/θ``; its derivative ``3(c - k)² + 3k`` is positive, so it has one real root.
    """
    roots = np.roots([1.0, -3 * k, 3 * k * (k + 1), -k * (k + 1) * (k + 2)])
    real = roots[np.abs(roots.imag) < 1e-9].real
    return float(real[0])


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    # tiny networks train fastest on one thread (thread hand-offs dominate otherwise)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _fit_torch(
    x: FloatArray, y: FloatArray, loss: TorchLoss, *, steps: int, seed: int
) -> Callable[[FloatArray], FloatArray]:
    """Train a 1-32-32-1 tanh network on ``loss(pred, target, progress)`` (Adam, minibatches)."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(1, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 1),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    xt = torch.tensor(x, dtype=torch.float32)[:, None]
    yt = torch.tensor(y, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    for step in range(steps):
        idx = torch.randint(0, len(xt), (1024,), generator=gen)
        opt.zero_grad()
        value = loss(net(xt[idx])[:, 0], yt[idx], step / steps)
        value.backward()  # type: ignore[no-untyped-call]
        opt.step()
        sched.step()

    def predict(xq: FloatArray) -> FloatArray:
        with torch.no_grad():
            out = net(torch.tensor(xq, dtype=torch.float32)[:, None])[:, 0]
        return np.asarray(out.numpy(), dtype=np.float64)

    return predict


def _fourth_power(pred: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
    del progress
    return ((target - pred) ** 4).mean()


def _soft_zero_one(pred: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
    # kernel width annealed from 1 to 0.1: wide at first so every event pulls f towards the
    # bulk, narrow at the end so f settles on the density's peak
    h = 1.0 * (0.1 / 1.0) ** min(1.0, progress / 0.7)
    return (1.0 - torch.exp(-((target - pred) ** 2) / (2 * h * h))).mean()


def _options(options: dict[str, Any]) -> dict[str, Any]:
    opts = resolve_options(NAME, OPTIONS, options)
    rows = opts["rows"]
    if rows is not None and rows < 1000:
        msg = f"option 'rows' of lab {NAME} must be an int >= 1000 (training events), got {rows!r}"
        raise ConfigError(msg, key="rows", value=rows)
    return opts


def sample(n: int, seed: int = 7) -> tuple[FloatArray, FloatArray]:
    """``x ~ U(0, 1)`` and ``Y | x ~ Gamma(2, θ(x))``, ``n`` events."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, n)
    return x, rng.gamma(SHAPE, theta(x))


def _plateau_mlp(kind: type, epochs: int, **kw: Any) -> Any:
    # at a fixed lr 1e-2 Adam's noise leaves f 5% off: x0.3 after an epoch without improvement
    return kind(
        (32, 32),
        activation="tanh",
        lr=1e-2,
        lr_schedule="plateau",
        lr_factor=0.3,
        lr_patience=1,
        batch_size=1024,
        epochs=epochs,
        early_stopping=False,
        random_state=0,
        verbose=0,
        **kw,
    )


@dataclass
class LossFunctionsAnswers(Answers):
    """``factors``: statistic -> c with target c·θ(x); ``targets``: loss -> statistic;
    ``max_rel_error``: loss -> max over x in [0.1, 0.9] of ``|f/target - 1|``; ``learned_mid``:
    loss -> f(0.5)/θ(0.5); the cross-entropy and likelihood-ratio errors on their grids."""

    n: int
    factors: dict[str, float]
    targets: dict[str, str]
    max_rel_error: dict[str, float]
    learned_mid: dict[str, float]
    bce_mean_abs_error: float
    prior_ratio: float
    llr_mean_abs_error: float
    llr_max_abs_error: float
    grid: FloatArray = figure_data(default=None)
    learned: dict[str, FloatArray] = figure_data(default_factory=dict)
    shown: tuple[FloatArray, FloatArray] = figure_data(default=None)
    llr: tuple[FloatArray, FloatArray, FloatArray] = figure_data(default=None)


def _likelihood_ratio(n: int, steps: int) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Train on twice as much background as signal; f/(1-f)·n_b/n_s against the exact ratio."""
    problem = GaussianMixtureProblem.from_1d()
    n_s = n // 2
    ds = problem.sample(n_s, n_background=2 * n_s, random_state=8)
    clf = _plateau_mlp(MLPClassifier, max(5, steps * 1024 // (3 * n_s))).fit(ds.X, ds.y)
    xs = np.linspace(-2.5, 3.0, 111)
    f = np.clip(clf.predict_proba(xs[:, None])[:, 1], 1e-7, 1 - 1e-7)
    prior_ratio = (2 * n_s) / n_s
    learned = np.log(f / (1 - f)) + np.log(prior_ratio)
    return prior_ratio, xs, learned, problem.log_likelihood_ratio(xs[:, None])


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> LossFunctionsAnswers:
    """Train one network per loss and compare with the exact minimisers.

    ``quick``: 20,000 training events and fewer steps (instead of 200,000). ``options``:
    ``rows``.
    """
    opts = _options(options)
    con = lab_console(console)
    n = int((20_000 if quick else 200_000) if opts["rows"] is None else opts["rows"])
    steps = 600 if quick else 3000
    x, y = sample(n)
    rng = np.random.default_rng(17)
    factors = {
        "mode": SHAPE - 1.0,
        "median": float(stats.gamma.median(SHAPE)),
        "mean": SHAPE,
        "fourth_power": fourth_power_factor(),
    }
    targets = {"mse": "mean", "mae": "median", "zero_one": "mode", "fourth_power": "fourth_power"}
    con.rule(f"{NAME}: Y | x ~ Gamma(shape 2, scale θ = 0.5 + x), {n:,} events")
    grid = np.linspace(0.1, 0.9, 81)
    learned: dict[str, FloatArray] = {}
    with _one_torch_thread(), lab_progress(con, "training 6 networks, one per loss") as bar:
        task = bar.add_task("training", total=6)
        for loss in ("mse", "mae"):
            bar.update(task, description=LOSS_NAMES[loss])
            reg = _plateau_mlp(MLPRegressor, max(5, steps * 1024 // n), loss=loss).fit(
                x[:, None], y
            )
            learned[loss] = np.asarray(reg.predict(grid[:, None]), dtype=np.float64).ravel()
            bar.advance(task)
        for loss, fn in (("zero_one", _soft_zero_one), ("fourth_power", _fourth_power)):
            bar.update(task, description=LOSS_NAMES[loss])
            learned[loss] = _fit_torch(x, y, fn, steps=steps, seed=0)(grid)
            bar.advance(task)
        # cross-entropy on a 0/1 label with P(Y = 1 | x) = x² learns E[Y|x] = x²
        bar.update(task, description="cross-entropy")
        label = (rng.uniform(size=n) < x**2).astype(np.int64)
        clf = _plateau_mlp(MLPClassifier, max(5, steps * 1024 // n)).fit(x[:, None], label)
        p_bce = clf.predict_proba(grid[:, None])[:, 1]
        bar.update(task, advance=1, description="likelihood ratio")
        prior_ratio, xs, llr_learned, llr_exact = _likelihood_ratio(n, steps)
        bar.advance(task)
    mid = int(np.argmin(np.abs(grid - 0.5)))
    shown = rng.choice(n, size=min(n, 3000), replace=False)
    return LossFunctionsAnswers(
        n=n,
        factors=factors,
        targets=targets,
        max_rel_error={
            loss: float(np.max(np.abs(pred / (factors[targets[loss]] * theta(grid)) - 1.0)))
            for loss, pred in learned.items()
        },
        learned_mid={loss: float(pred[mid] / theta(grid[mid])) for loss, pred in learned.items()},
        bce_mean_abs_error=float(np.mean(np.abs(p_bce - grid**2))),
        prior_ratio=prior_ratio,
        llr_mean_abs_error=float(np.mean(np.abs(llr_learned - llr_exact))),
        llr_max_abs_error=float(np.max(np.abs(llr_learned - llr_exact))),
        grid=grid,
        learned=learned,
        shown=(x[shown], y[shown]),
        llr=(xs, llr_learned, llr_exact),
    )


def _figure(a: LossFunctionsAnswers) -> Any:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    ax1.scatter(*a.shown, s=2, color="0.7", label="events")
    for (loss, pred), color in zip(a.learned.items(), ("C0", "C1", "C2", "C3"), strict=True):
        stat = a.targets[loss]
        ax1.plot(a.grid, pred, color=color, lw=2, label=f"{LOSS_NAMES[loss]} (learned)")
        ax1.plot(
            a.grid,
            a.factors[stat] * theta(a.grid),
            color=color,
            ls="--",
            lw=1,
            label=f"exact {STAT_NAMES[stat]}",
        )
    ax1.set_ylim(0, 6)
    ax1.set_xlabel("x")
    ax1.set_ylabel("y")
    # the legend beside the axes: inside, it would hide the events and the curves
    ax1.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    xs, learned, exact = a.llr
    ax2.plot(xs, exact, "k-", label="exact log p_s/p_b")
    ax2.plot(xs, learned, "C0--", label="log f/(1-f) + log n_b/n_s")
    ax2.set_xlabel("x")
    ax2.set_ylabel("log likelihood ratio")
    ax2.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def render(
    answers: LossFunctionsAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the table of learned statistics; write ``losses.png`` into ``out``."""
    con = lab_console(console)
    a = answers
    result = LabResult(NAME, answers=a.as_dict())
    con.print(
        "exact minimisers, as multiples of θ(x): "
        + ", ".join(f"{STAT_NAMES[k]} {v:.4f}" for k, v in a.factors.items())
        + "  (4th power: root of c³ - 6c² + 18c - 24 = 0)",
        markup=False,
    )
    table = Table(title="What each loss learns (x in [0.1, 0.9])")
    for col in ("loss", "learns", "exact c", "learned f(0.5)/θ(0.5)", "max |f/target - 1|"):
        table.add_column(col, justify="right" if col != "loss" else "left")
    for loss, stat in a.targets.items():
        table.add_row(
            LOSS_NAMES[loss],
            STAT_NAMES[stat],
            f"{a.factors[stat]:.4f}",
            f"{a.learned_mid[loss]:.4f}",
            f"{a.max_rel_error[loss]:.3f}",
        )
    con.print(table)
    con.print(
        f"cross-entropy on a 0/1 label with P(1|x) = x²: mean |f(x) - x²| = "
        f"{a.bce_mean_abs_error:.4f}",
        markup=False,
    )
    con.print(
        f"likelihood ratio from a classifier (n_b/n_s = {a.prior_ratio:g}): "
        f"log[f/(1-f)] + log(n_b/n_s) vs exact log p_s/p_b on x in [-2.5, 3]: mean |Δ| = "
        f"{a.llr_mean_abs_error:.3f}, max |Δ| = {a.llr_max_abs_error:.3f}",
        markup=False,
    )
    figs = Figures(out, result, con)
    figs.save(_figure(a), "losses")
    figs.report()
    return result


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """``render(compute(...))``: see :func:`compute` and :func:`render`."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "## The problem\n`x ~ U(0, 1)`, `Y | x ~ Gamma(2, θ = 0.5 + x)`: skewed, so mean, "
        "median, mode and the 4th-power minimiser differ.",
        "import numpy as np\nfrom scipy import stats\nfrom neyman.labs import loss_functions as lf\n\n"
        "x, y = lf.sample(20_000)\n"
        "print('mode', 1.0, 'median', stats.gamma.median(2.0), 'mean', 2.0, "
        "'4th power', lf.fourth_power_factor())",
    ),
    (
        "## Squared and absolute error: the mean and the median",
        "from neyman.models import MLPRegressor\n\ngrid = np.linspace(0.1, 0.9, 9)\n"
        "for loss in ('mse', 'mae'):\n"
        "    reg = MLPRegressor((32, 32), activation='tanh', loss=loss, lr=1e-2, batch_size=1024,\n"
        "                       epochs=20, early_stopping=False, random_state=0,\n"
        "                       verbose=0).fit(x[:, None], y)\n"
        "    print(lf.LOSS_NAMES[loss], np.round(reg.predict(grid[:, None]).ravel() / lf.theta(grid), 3))",
    ),
    (
        "## Every loss, the cross-entropy and the likelihood ratio, with the figure",
        "from pathlib import Path\n\n"
        "result = lf.run(quick=True, out=Path('loss-functions-figures'))",
    ),
)
