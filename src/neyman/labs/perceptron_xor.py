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
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from neyman.errors import ConfigError, did_you_mean
from neyman.labs._base import LabResult, lab_console, save_figure
from neyman.models import MLPClassifier, MLPRegressor
from neyman.plot import plot_training_history

__all__ = ["NAME", "SUMMARY", "Perceptron", "run"]

NAME = "perceptron-xor"
SUMMARY = (
    "Rosenblatt's perceptron learns AND/OR and fails XOR; an MLP (scikit-learn and neyman) "
    "solves XOR; an MLP regressor fits a 2-D function (MSE per epoch)"
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


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab and return its answers.

    Parameters
    ----------
    quick : bool
        4,000 regression events and 40 epochs (instead of 20,000 and 100).
    out : Path, optional
        Directory for ``perceptron.png`` and ``regression_history.png``.
    console : rich Console, optional
    **options
        None (any option is rejected with ConfigError).

    Returns
    -------
    LabResult
        ``answers``: ``"perceptron_accuracy"`` (gate -> accuracy on the 4 inputs),
        ``"perceptron_epochs"`` (gate -> epochs run), ``"xor_accuracy"`` (``sklearn``,
        ``neyman`` -> accuracy on the 4 inputs), ``"regression_mse"`` (``train``, ``val``,
        ``first_epoch`` from ``history_``), ``"regression_test_mse"``, ``"epochs"``.
    """
    if options:
        key = sorted(options)[0]
        msg = f"lab {NAME} takes no option '{key}'{did_you_mean(key, ['rows', 'data'])}"
        raise ConfigError(msg)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers

    # 1. the perceptron on the three gates
    con.rule(f"{NAME}: 1. Rosenblatt's perceptron on AND, OR, XOR")
    table = Table(title="perceptron (lr 0.1, at most 100 epochs)")
    for col in ("gate", "weights w", "bias b", "epochs", "predictions", "accuracy"):
        table.add_column(col)
    answers["perceptron_accuracy"] = {}
    answers["perceptron_epochs"] = {}
    perceptrons = {}
    for gate, t in GATES.items():
        p = Perceptron().fit(INPUTS, t)
        perceptrons[gate] = p
        acc = float(np.mean(p.predict(INPUTS) == t))
        answers["perceptron_accuracy"][gate] = acc
        answers["perceptron_epochs"][gate] = len(p.errors_)
        table.add_row(
            gate,
            np.array2string(p.w_, precision=2),
            f"{p.b_:.2f}",
            str(len(p.errors_)),
            str(p.predict(INPUTS).tolist()),
            f"{acc:.2f}",
        )
    con.print(table)
    con.print(
        "AND and OR converge; on XOR the perceptron still misclassifies inputs after 100 epochs "
        "(no straight line separates the classes).",
        markup=False,
    )

    # 2. an MLP with one hidden layer solves XOR
    con.rule("2. An MLP with one hidden layer of 4 tanh units learns XOR")
    t = GATES["XOR"]
    sk = SklearnMLPClassifier((4,), activation="tanh", solver="lbfgs", random_state=0)
    sk.fit(INPUTS, t)
    with _one_torch_thread():
        ours = MLPClassifier(
            (4,), activation="tanh", lr=0.05, batch_size=4, epochs=300, random_state=0, verbose=0
        ).fit(INPUTS, t)
    answers["xor_accuracy"] = {
        "sklearn": float(np.mean(sk.predict(INPUTS) == t)),
        "neyman": float(np.mean(ours.predict(INPUTS) == t)),
    }
    table = Table(title="XOR with an MLP (2-4-1, tanh)")
    for col in ("x1", "x2", "XOR", "scikit-learn P(1)", "neyman P(1)"):
        table.add_column(col, justify="right")
    p_sk, p_ours = sk.predict_proba(INPUTS)[:, 1], ours.predict_proba(INPUTS)[:, 1]
    for xi, ti, a, b in zip(INPUTS, t, p_sk, p_ours, strict=True):
        table.add_row(f"{xi[0]:g}", f"{xi[1]:g}", str(ti), f"{a:.3f}", f"{b:.3f}")
    con.print(table)
    con.print(
        f"accuracy: scikit-learn {answers['xor_accuracy']['sklearn']:.0%}, "
        f"neyman {answers['xor_accuracy']['neyman']:.0%}",
        markup=False,
    )

    # 3. a regression MLP on a 2-D function
    n, epochs = (4000, 40) if quick else (20_000, 100)
    con.rule(f"3. MLP regressor on f(x1, x2) = sin(πx1) cos(πx2), {n:,} events")
    rng = np.random.default_rng(3)

    def target(X: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.sin(np.pi * X[:, 0]) * np.cos(np.pi * X[:, 1])

    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = target(X) + 0.05 * rng.standard_normal(n)  # noise variance 0.0025: the MSE floor
    X_val = rng.uniform(-1.0, 1.0, (n // 4, 2))
    y_val = target(X_val) + 0.05 * rng.standard_normal(n // 4)
    with _one_torch_thread():
        reg = MLPRegressor(
            (64, 64),
            activation="tanh",
            lr=3e-3,
            batch_size=128,
            epochs=epochs,
            random_state=0,
            verbose=0,
        ).fit(X, y, validation_data=(X_val, y_val))
    X_test = rng.uniform(-1.0, 1.0, (n // 4, 2))
    pred = np.asarray(reg.predict(X_test), dtype=np.float64).ravel()
    hist = reg.history_
    answers["epochs"] = len(hist["loss"])
    answers["regression_mse"] = {
        "first_epoch": float(hist["loss"][0]),
        "train": float(hist["loss"][-1]),
        "val": float(hist["val_loss"][-1]),
    }
    answers["regression_test_mse"] = float(np.mean((pred - target(X_test)) ** 2))
    con.print(
        f"MSE per epoch: first {hist['loss'][0]:.4f}, last train {hist['loss'][-1]:.4f}, last "
        f"validation {hist['val_loss'][-1]:.4f} (noise floor 0.0025); test MSE against the "
        f"noise-free f: {answers['regression_test_mse']:.4f}",
        markup=False,
    )

    if out is not None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
        grid = np.linspace(-0.2, 1.2, 200)
        for ax, (gate, p) in zip(axes, perceptrons.items(), strict=True):
            ax.scatter(*INPUTS.T, c=GATES[gate], cmap="coolwarm", s=80, edgecolors="k")
            if abs(p.w_[1]) > 1e-12:  # the line w·x + b = 0
                ax.plot(grid, -(p.w_[0] * grid + p.b_) / p.w_[1], "k-")
            elif abs(p.w_[0]) > 1e-12:  # vertical line x1 = -b / w1
                ax.axvline(-p.b_ / p.w_[0], color="k")
            ax.set_xlim(-0.2, 1.2)
            ax.set_ylim(-0.2, 1.2)
            ax.set_title(f"{gate}: accuracy {answers['perceptron_accuracy'][gate]:.2f}")
        fig.tight_layout()
        save_figure(fig, out, "perceptron", result)
        fig = plot_training_history(hist, log_loss=True)
        save_figure(fig, out, "regression_history", result)
    return result
