"""Sheet 2, exercise 1 — activations: the sigmoid, its derivative, tanh, and one neuron that separates.

The problem sheet asks:

1. show that the sigmoid σ(x) = 1/(1 + e⁻ˣ) has the derivative σ′ = σ(1 − σ);
2. show that tanh(x) = 2σ(2x) − 1 (tanh is a shifted, stretched sigmoid);
3. say where each belongs in a network;
4. find weights W and a bias b such that σ(Wᵀx + b) separates class 1 {(1,1), (2,2)} from
   class 2 {(1,2), (2,3)}, and give the margins they achieve.

Both identities are shown twice: symbolically (SymPy simplifies the difference to 0) and
numerically on a grid (torch's autograd derivative of the sigmoid against σ(1 − σ), NumPy's
tanh against 2σ(2x) − 1, in float64), with plots. The neuron is found by training a
logistic regression, which is exactly σ(Wᵀx + b) fitted by maximum likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import sympy
import torch
from rich.console import Console
from rich.table import Table
from scipy.special import expit

from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    lab_console,
    resolve_options,
)
from neyman.models import LogisticRegression

__all__ = [
    "CLASS_1",
    "CLASS_2",
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "ActivationsAnswers",
    "compute",
    "render",
    "run",
    "sigmoid_neuron",
]

NAME = "activations"
SUMMARY = (
    "sigma' = sigma(1 - sigma) and tanh(x) = 2 sigma(2x) - 1 (SymPy and numerically), "
    "where each belongs, and a sigmoid neuron separating two point classes with its margins"
)

#: the two classes of part 4
CLASS_1 = np.array([[1.0, 1.0], [2.0, 2.0]])
CLASS_2 = np.array([[1.0, 2.0], [2.0, 3.0]])
#: the lab has no options (the exercise is fixed); listed for the CLI's --help
OPTIONS: tuple[Option, ...] = ()
GRID = np.linspace(-10.0, 10.0, 2001)


@dataclass
class ActivationsAnswers(Answers):
    """Exact (SymPy) and float64 checks of the identities, and the separating neuron."""

    sympy_derivative: str
    sympy_derivative_difference: str
    sympy_tanh_difference: str
    max_derivative_diff: float
    max_tanh_diff: float
    W: list[float]
    b: float
    outputs: list[float]
    margins: list[float]
    min_margin: float
    optimal_margin: float
    correct: bool


def sigmoid_neuron() -> tuple[np.ndarray, float]:
    """Part 4: W and b of σ(Wᵀx + b) separating ``CLASS_1`` (output > 0.5) from ``CLASS_2``.

    Logistic regression is exactly this neuron fitted by maximum likelihood; a weak penalty
    (C = 1000) lets |W| grow on separable points, so W points along the max-margin direction.
    """
    X = np.vstack([CLASS_1, CLASS_2])
    clf = LogisticRegression(C=1e3).fit(X, np.array([1, 1, 0, 0]))
    return clf.coef_[0].astype(float), float(clf.intercept_[0])


def _autograd_sigmoid_derivative(grid: np.ndarray) -> np.ndarray:
    xt = torch.tensor(grid, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(xt).sum().backward()  # type: ignore[no-untyped-call]
    if xt.grad is None:  # pragma: no cover (backward always sets it)
        msg = "autograd left no gradient"
        raise RuntimeError(msg)
    return np.asarray(xt.grad.numpy(), dtype=np.float64)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> ActivationsAnswers:
    """Both identities (SymPy and float64 on 2001 points in [−10, 10]) and the neuron.

    ``quick`` is accepted for the common interface (about a second either way); the lab
    has no options.
    """
    del quick, console
    resolve_options(NAME, OPTIONS, options)
    x = sympy.symbols("x", real=True)

    def sigma(t: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-t))

    d_diff = sympy.simplify(sympy.diff(sigma(x), x) - sigma(x) * (1 - sigma(x)))
    # tanh is rewritten in exponentials so that both sides are rational functions of e^x
    t_diff = sympy.simplify((sympy.tanh(x) - (2 * sigma(2 * x) - 1)).rewrite(sympy.exp))
    s = expit(GRID)
    W, b = sigmoid_neuron()
    X = np.vstack([CLASS_1, CLASS_2])
    target = np.array([1, 1, 0, 0])  # σ(Wᵀx + b) > 0.5 means class 1
    z = X @ W + b
    out_ = expit(z)
    margins = np.where(target == 1, 1.0, -1.0) * z / np.linalg.norm(W)
    return ActivationsAnswers(
        sympy_derivative=str(sympy.simplify(sympy.diff(sigma(x), x))),
        sympy_derivative_difference=str(d_diff),
        sympy_tanh_difference=str(t_diff),
        max_derivative_diff=float(np.max(np.abs(_autograd_sigmoid_derivative(GRID) - s * (1 - s)))),
        max_tanh_diff=float(np.max(np.abs(np.tanh(GRID) - (2 * expit(2 * GRID) - 1)))),
        W=W.tolist(),
        b=b,
        outputs=out_.tolist(),
        margins=margins.tolist(),
        min_margin=float(margins.min()),
        optimal_margin=float(0.5 / np.sqrt(2.0)),  # x₂ = x₁ and x₂ = x₁ + 1 are 1/√2 apart
        correct=bool(np.all((out_ > 0.5) == (target == 1))),
    )


def render(
    answers: ActivationsAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the answers; with ``out``, write ``identities.png`` and ``neuron.png``."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule("activations: two identities, symbolically (SymPy)")
    con.print(f"dσ/dx = {a.sympy_derivative}", markup=False)
    con.print(f"simplify(dσ/dx − σ(1 − σ)) = {a.sympy_derivative_difference}", markup=False)
    con.print(f"simplify(tanh(x) − (2σ(2x) − 1)) = {a.sympy_tanh_difference}", markup=False)
    con.rule("activations: the same, numerically on [-10, 10]")
    con.print(
        f"max |autograd σ′ − σ(1 − σ)| = {a.max_derivative_diff:.2e};  "
        f"max |tanh(x) − (2σ(2x) − 1)| = {a.max_tanh_diff:.2e}  (2001 points)",
        markup=False,
    )
    figs.save(_identities_figure(), "identities")
    con.print(
        "σ belongs at the output of a binary classifier: its value in (0, 1) is read as a "
        "probability and pairs with binary cross-entropy, where the σ′ factor cancels. In "
        "hidden layers tanh is preferred: it is zero-centred and its slope at 0 is 1 instead "
        "of 1/4; both saturate (σ′ ≤ 1/4 shrinks gradients layer after layer), which is why "
        "deep networks use ReLU in hidden layers.",
        markup=False,
    )
    con.rule("activations: a sigmoid neuron separating two classes")
    W, b = a.W, a.b
    X = np.vstack([CLASS_1, CLASS_2])
    table = Table(title=f"σ(Wᵀx + b) with W = ({W[0]:.3f}, {W[1]:.3f}), b = {b:.3f}")
    for col in ("x", "class", "Wᵀx + b", "σ(Wᵀx + b)", "margin (distance to the line)"):
        table.add_column(col, justify="right")
    for k, (point, oi, mi) in enumerate(zip(X, a.outputs, a.margins, strict=True)):
        zi = float(point @ np.asarray(W) + b)
        table.add_row(
            f"({point[0]:g}, {point[1]:g})",
            "1" if k < 2 else "2",
            f"{zi:+.3f}",
            f"{oi:.4f}",
            f"{mi:+.4f}",
        )
    con.print(table)
    con.print(
        f"All four points on the correct side: {a.correct}. The smallest margin is "
        f"{a.min_margin:.4f}; the best any line can do is 0.5/√2 = {a.optimal_margin:.4f} "
        "(the line x₂ = x₁ + 1/2, halfway between the two classes' lines).",
        markup=False,
    )
    figs.save(_neuron_figure(np.asarray(W), b), "neuron")
    figs.report()
    return result


def _identities_figure() -> Any:
    grid, s = GRID, expit(GRID)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.0, 4.0))
    ax1.plot(grid, s, label=r"$\sigma(x)$")
    ax1.plot(grid, _autograd_sigmoid_derivative(grid), label=r"$\sigma'(x)$ (autograd)")
    ax1.plot(grid[::80], (s * (1 - s))[::80], "o", ms=4, label=r"$\sigma(1-\sigma)$")
    ax1.set_xlabel("$x$")
    ax1.legend()
    ax1.set_title(r"$\sigma' = \sigma(1-\sigma) \leq 1/4$")
    ax2.plot(grid, np.tanh(grid), label=r"$\tanh(x)$")
    ax2.plot(grid[::80], (2 * expit(2 * grid) - 1)[::80], "o", ms=4, label=r"$2\sigma(2x)-1$")
    ax2.plot(grid, s, "--", label=r"$\sigma(x)$")
    ax2.set_xlabel("$x$")
    ax2.legend()
    ax2.set_title(r"$\tanh(x) = 2\sigma(2x) - 1$")
    return fig


def _neuron_figure(W: np.ndarray, b: float) -> Any:
    fig, ax = plt.subplots(figsize=(5.0, 5.0))
    gx, gy = np.meshgrid(np.linspace(0, 3, 200), np.linspace(0, 4, 200))
    gz = expit(W[0] * gx + W[1] * gy + b)
    cs = ax.contourf(gx, gy, gz, levels=20, cmap="coolwarm_r", alpha=0.6)
    ax.contour(gx, gy, gz, levels=[0.5], colors="k")
    fig.colorbar(cs, ax=ax, label=r"$\sigma(W^T x + b)$")
    ax.scatter(CLASS_1[:, 0], CLASS_1[:, 1], c="tab:blue", edgecolors="k", s=80, label="class 1")
    ax.scatter(
        CLASS_2[:, 0], CLASS_2[:, 1], c="tab:red", edgecolors="k", s=80, marker="s", label="class 2"
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper left")
    return fig


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab: ``render(compute(...))``."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "**1.** Show that the sigmoid σ(x) = 1/(1 + e⁻ˣ) has the derivative σ′ = σ(1 − σ).",
        "import sympy\n\nx = sympy.symbols('x', real=True)\nsigma = 1 / (1 + sympy.exp(-x))\n"
        "sympy.simplify(sympy.diff(sigma, x) - sigma * (1 - sigma))",
    ),
    (
        "**2.** Show that tanh(x) = 2σ(2x) − 1.",
        "sigma2 = 1 / (1 + sympy.exp(-2 * x))\n"
        "sympy.simplify((sympy.tanh(x) - (2 * sigma2 - 1)).rewrite(sympy.exp))",
    ),
    (
        "**4.** Find W and b such that σ(Wᵀx + b) separates {(1,1), (2,2)} from {(1,2), (2,3)}.",
        "from neyman.labs.activations import sigmoid_neuron\n\nW, b = sigmoid_neuron()\nW, b",
    ),
    (
        "**All parts**, with the numerical checks, where each function belongs (3.), the "
        "margins and the figures.",
        "from neyman.labs.activations import compute, render\n\n"
        "answers = compute()\nrender(answers);",
    ),
)
