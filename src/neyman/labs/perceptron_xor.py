"""Lab — perceptron-xor: one neuron draws one straight line; XOR needs two.

1. Rosenblatt's perceptron (1958), written out in NumPy: output ``ŷ = 1[w·x + b > 0]``,
   and after each misclassified example ``w += η (t - ŷ) x``, ``b += η (t - ŷ)``. It learns
   AND and OR (linearly separable: the rule converges in finitely many updates, Novikoff's
   theorem) and cannot learn XOR: no line puts (0,1), (1,0) on one side and (0,0), (1,1) on
   the other, so at least one of the four inputs stays wrong whatever the number of epochs.
2. A hidden layer fixes it: an MLP with 4 tanh units learns XOR exactly, shown with
   scikit-learn's ``MLPClassifier`` and neyman's, side by side.
3. An MLP regressor fits a 2-D function, ``f(x₁, x₂) = sin(πx₁) cos(πx₂)`` on [-1, 1]², with
   the training and validation mean squared error per epoch (``history_``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    lab_console,
    resolve_options,
)
from neyman.models import MLPClassifier, MLPRegressor
from neyman.plot import plot_training_history

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "Perceptron",
    "PerceptronXorAnswers",
    "compute",
    "render",
    "run",
    "train_gates",
    "train_xor_mlps",
]

NAME = "perceptron-xor"
SUMMARY = (
    "Rosenblatt's perceptron learns AND/OR and fails XOR; an MLP (scikit-learn and neyman) "
    "solves XOR; an MLP regressor fits a 2-D function (MSE per epoch)"
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "perceptron_epochs", int, 100, "at most this many epochs of the perceptron rule", minimum=1
    ),
    Option(
        "epochs", int, None, "epochs of the 2-D regression MLP (default 100; quick 40)", minimum=1
    ),
)

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


class Perceptron:
    """Rosenblatt's perceptron: a step function of ``w·x + b``, trained by his update rule."""

    def __init__(self, lr: float = 0.1, epochs: int = 100) -> None:
        self.lr = lr
        self.epochs = epochs

    def fit(self, X: NDArray[np.float64], t: NDArray[Any]) -> Perceptron:
        self.w_ = np.zeros(X.shape[1])
        self.b_ = 0.0
        self.errors_: list[int] = []  # misclassified examples per epoch
        for _ in range(self.epochs):
            wrong = 0
            for xi, ti in zip(X, t, strict=True):
                update = self.lr * (ti - self.predict(xi[None, :])[0])
                self.w_ += update * xi
                self.b_ += update
                wrong += int(update != 0)
            self.errors_.append(wrong)
            if wrong == 0:  # converged: every example on the right side
                break
        return self

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.int64]:
        return (X @ self.w_ + self.b_ > 0).astype(np.int64)


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    # tiny networks train fastest on one thread (thread hand-offs dominate otherwise)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_gates(epochs: int = 100) -> dict[str, Perceptron]:
    """A perceptron (lr 0.1) trained on each gate's four inputs."""
    return {gate: Perceptron(epochs=epochs).fit(INPUTS, t) for gate, t in GATES.items()}


def train_xor_mlps() -> tuple[Any, MLPClassifier]:
    """scikit-learn's and neyman's 2-4-1 tanh MLPs, fitted to XOR."""
    t = GATES["XOR"]
    sk = SklearnMLPClassifier((4,), activation="tanh", solver="lbfgs", random_state=0)
    sk.fit(INPUTS, t)
    with _one_torch_thread():
        ours = MLPClassifier(
            (4,),
            activation="tanh",
            lr=0.05,
            batch_size=4,
            epochs=300,
            early_stopping=False,
            lr_schedule=None,
            random_state=0,
            verbose=0,
        ).fit(INPUTS, t)
    return sk, ours


def _target(X: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.sin(np.pi * X[:, 0]) * np.cos(np.pi * X[:, 1])


@dataclass
class PerceptronXorAnswers(Answers):
    """Per gate: the perceptron's accuracy, epochs run, weights and bias; the MLPs' XOR
    accuracy and P(1) per input; the regression MSEs (noise floor 0.0025)."""

    max_epochs: int
    perceptron_accuracy: dict[str, float]
    perceptron_epochs: dict[str, int]
    perceptron_weights: dict[str, list[float]]
    perceptron_bias: dict[str, float]
    xor_accuracy: dict[str, float]
    xor_probability: dict[str, list[float]]
    n_regression: int
    epochs: int
    regression_mse: dict[str, float]
    regression_test_mse: float
    history: dict[str, list[float]] = figure_data(default_factory=dict)
    xor_grid: tuple[Any, Any, Any] = figure_data(default=None)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> PerceptronXorAnswers:
    """The perceptron on three gates, two MLPs on XOR, an MLP regressor on a 2-D function.

    ``quick``: 4,000 regression events and 40 epochs (instead of 20,000 and 100).
    ``options``: ``perceptron_epochs``, ``epochs``.
    """
    opts = resolve_options(NAME, OPTIONS, options)
    con = lab_console(console)
    con.rule(f"{NAME}: the perceptron, XOR, and an MLP regressor")
    perceptrons = train_gates(opts["perceptron_epochs"])
    sk, ours = train_xor_mlps()
    t = GATES["XOR"]
    # the neyman MLP's P(1) on a grid, for the figure of its XOR boundary
    g = np.linspace(-0.5, 1.5, 161)
    gx, gy = np.meshgrid(g, g)
    p_grid = ours.predict_proba(np.column_stack([gx.ravel(), gy.ravel()]))[:, 1]

    n = 4000 if quick else 20_000
    epochs = (40 if quick else 100) if opts["epochs"] is None else opts["epochs"]
    rng = np.random.default_rng(3)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = _target(X) + 0.05 * rng.standard_normal(n)  # noise variance 0.0025: the MSE floor
    X_val = rng.uniform(-1.0, 1.0, (n // 4, 2))
    y_val = _target(X_val) + 0.05 * rng.standard_normal(n // 4)
    con.print(f"… training the regression MLP ({n:,} events, {epochs} epochs)", markup=False)
    with _one_torch_thread():
        reg = MLPRegressor(
            (64, 64), activation="tanh", lr=3e-3, batch_size=128, epochs=epochs,
            early_stopping=False, lr_schedule=None, random_state=0, verbose=0,
        ).fit(X, y, validation_data=(X_val, y_val))  # fmt: skip
    X_test = rng.uniform(-1.0, 1.0, (n // 4, 2))
    pred = np.asarray(reg.predict(X_test), dtype=np.float64).ravel()
    hist = {k: [float(v) for v in vals] for k, vals in reg.history_.items()}
    return PerceptronXorAnswers(
        max_epochs=opts["perceptron_epochs"],
        perceptron_accuracy={
            g: float(np.mean(p.predict(INPUTS) == GATES[g])) for g, p in perceptrons.items()
        },
        perceptron_epochs={g: len(p.errors_) for g, p in perceptrons.items()},
        perceptron_weights={g: [float(w) for w in p.w_] for g, p in perceptrons.items()},
        perceptron_bias={g: float(p.b_) for g, p in perceptrons.items()},
        xor_accuracy={
            "sklearn": float(np.mean(sk.predict(INPUTS) == t)),
            "neyman": float(np.mean(ours.predict(INPUTS) == t)),
        },
        xor_probability={
            "sklearn": [float(v) for v in sk.predict_proba(INPUTS)[:, 1]],
            "neyman": [float(v) for v in ours.predict_proba(INPUTS)[:, 1]],
        },
        n_regression=n,
        epochs=len(hist["loss"]),
        regression_mse={
            "first_epoch": hist["loss"][0],
            "train": hist["loss"][-1],
            "val": hist["val_loss"][-1],
        },
        regression_test_mse=float(np.mean((pred - _target(X_test)) ** 2)),
        history=hist,
        xor_grid=(gx, gy, p_grid.reshape(gx.shape)),
    )


#: gates no straight line separates (the perceptron rule cannot converge on them)
NOT_SEPARABLE = frozenset({"XOR"})


def _perceptron_verdict(a: PerceptronXorAnswers) -> str:
    """Which gates the perceptron learned, from its accuracies (not assumed)."""
    learned = [g for g in GATES if a.perceptron_accuracy[g] == 1.0]
    parts = []
    if learned:
        epochs = ", ".join(f"{g} after {a.perceptron_epochs[g]}" for g in learned)
        parts.append(
            f"the perceptron learns {' and '.join(learned)} (every input right; {epochs} epochs)"
        )
    for g in GATES:
        if g in learned:
            continue
        wrong = round(len(GATES[g]) * (1 - a.perceptron_accuracy[g]))
        why = (
            "no straight line separates the classes"
            if g in NOT_SEPARABLE
            else "a line separates them: more epochs would find it"
        )
        parts.append(
            f"on {g} the perceptron still misclassifies {wrong} of {len(GATES[g])} inputs after "
            f"{a.max_epochs} epochs ({why})"
        )
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _print(a: PerceptronXorAnswers, con: Console) -> None:
    con.rule("1. Rosenblatt's perceptron on AND, OR, XOR")
    table = Table(title=f"perceptron (lr 0.1, at most {a.max_epochs} epochs)")
    for col in ("gate", "weights w", "bias b", "epochs", "predictions", "accuracy"):
        table.add_column(col)
    for gate in GATES:
        w, b = np.array(a.perceptron_weights[gate]), a.perceptron_bias[gate]
        table.add_row(
            gate,
            np.array2string(w, precision=2),
            f"{b:.2f}",
            str(a.perceptron_epochs[gate]),
            str((INPUTS @ w + b > 0).astype(int).tolist()),
            f"{a.perceptron_accuracy[gate]:.2f}",
        )
    con.print(table)
    con.print(_perceptron_verdict(a), markup=False)
    con.rule("2. An MLP with one hidden layer of 4 tanh units learns XOR")
    table = Table(title="XOR with an MLP (2-4-1, tanh)")
    for col in ("x1", "x2", "XOR", "scikit-learn P(1)", "neyman P(1)"):
        table.add_column(col, justify="right")
    for i, (xi, ti) in enumerate(zip(INPUTS, GATES["XOR"], strict=True)):
        p_sk, p_ours = a.xor_probability["sklearn"][i], a.xor_probability["neyman"][i]
        table.add_row(f"{xi[0]:g}", f"{xi[1]:g}", str(ti), f"{p_sk:.3f}", f"{p_ours:.3f}")
    con.print(table)
    con.print(
        f"accuracy: scikit-learn {a.xor_accuracy['sklearn']:.0%}, "
        f"neyman {a.xor_accuracy['neyman']:.0%}",
        markup=False,
    )
    con.rule(f"3. MLP regressor on f(x1, x2) = sin(πx1) cos(πx2), {a.n_regression:,} events")
    m = a.regression_mse
    con.print(
        f"MSE per epoch: first {m['first_epoch']:.4f}, last train {m['train']:.4f}, last "
        f"validation {m['val']:.4f} (noise floor 0.0025); test MSE against the noise-free f: "
        f"{a.regression_test_mse:.4f}",
        markup=False,
    )


def _perceptron_figure(a: PerceptronXorAnswers) -> Any:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.9))
    grid = np.linspace(-0.2, 1.2, 200)
    for ax, gate in zip(axes, GATES, strict=True):
        (w1, w2), b = a.perceptron_weights[gate], a.perceptron_bias[gate]
        ax.scatter(INPUTS[:, 0], INPUTS[:, 1], c=GATES[gate], cmap="coolwarm", s=80, edgecolors="k")
        if abs(w2) > 1e-12:  # the line w·x + b = 0
            ax.plot(grid, -(w1 * grid + b) / w2, "k-")
        elif abs(w1) > 1e-12:  # vertical line x1 = -b / w1
            ax.axvline(-b / w1, color="k")
        ax.set_xlim(-0.2, 1.2)
        ax.set_ylim(-0.2, 1.2)
        ax.set_xlabel("input x1")
        ax.set_ylabel("input x2")
        ax.set_title(f"{gate}: accuracy {a.perceptron_accuracy[gate]:.2f}")
    fig.tight_layout()
    return fig


def _xor_figure(a: PerceptronXorAnswers) -> Any:
    import matplotlib.pyplot as plt

    gx, gy, p = a.xor_grid
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    mesh = ax.pcolormesh(gx, gy, p, cmap="coolwarm", vmin=0, vmax=1, shading="auto")
    ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(
        INPUTS[:, 0],
        INPUTS[:, 1],
        c=GATES["XOR"],
        cmap="coolwarm",
        s=90,
        edgecolors="k",
        vmin=0,
        vmax=1,
    )
    fig.colorbar(mesh, ax=ax, label="neyman MLP P(XOR = 1)")
    ax.set_xlabel("input x1")
    ax.set_ylabel("input x2")
    ax.set_title("2-4-1 tanh MLP on XOR: the P = 0.5 boundary")
    fig.tight_layout()
    return fig


def render(
    answers: PerceptronXorAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the three parts; write ``perceptron.png``, ``xor_mlp.png`` and
    ``regression_history.png`` into ``out``."""
    con = lab_console(console)
    result = LabResult(NAME, answers=answers.as_dict())
    _print(answers, con)
    figs = Figures(out, result, con)
    figs.save(_perceptron_figure(answers), "perceptron")
    figs.save(_xor_figure(answers), "xor_mlp")
    figs.save(plot_training_history(answers.history, log_loss=True), "regression_history")
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
        "## 1. Rosenblatt's perceptron on AND, OR and XOR\nAfter each mistake: "
        "`w += η (t - ŷ) x`, `b += η (t - ŷ)`.",
        "import numpy as np\nfrom neyman.labs import perceptron_xor as px\n\n"
        "for gate, p in px.train_gates(epochs=100).items():\n"
        "    print(gate, 'weights', p.w_, 'bias', p.b_, 'epochs', len(p.errors_),\n"
        "          'predictions', p.predict(px.INPUTS).tolist(), 'target', px.GATES[gate].tolist())",
    ),
    (
        "## 2. One hidden layer solves XOR",
        "sk, ours = px.train_xor_mlps()\n"
        "print('scikit-learn P(1):', np.round(sk.predict_proba(px.INPUTS)[:, 1], 3))\n"
        "print('neyman P(1):      ', np.round(ours.predict_proba(px.INPUTS)[:, 1], 3))",
    ),
    (
        "## 3. An MLP regressor, and every figure (the perceptron lines, the MLP's XOR "
        "boundary, the MSE per epoch)",
        "from pathlib import Path\n\nresult = px.run(quick=True, out=Path('perceptron-xor-figures'))",
    ),
)
