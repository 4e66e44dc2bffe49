"""Lab 3 — activations: the sigmoid, its derivative, tanh, and one neuron that separates.

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

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import sympy
import torch
from rich.console import Console
from rich.table import Table
from scipy.special import expit

from neyman.errors import ConfigError, did_you_mean
from neyman.labs._base import LabResult, lab_console, save_figure
from neyman.models import LogisticRegression

__all__ = ["CLASS_1", "CLASS_2", "NAME", "SUMMARY", "run"]

NAME = "activations"
SUMMARY = (
    "sigma' = sigma(1 - sigma) and tanh(x) = 2 sigma(2x) - 1 (SymPy and numerically), "
    "where each belongs, and a sigmoid neuron separating two point classes with its margins"
)

#: the two classes of part 4
CLASS_1 = np.array([[1.0, 1.0], [2.0, 2.0]])
CLASS_2 = np.array([[1.0, 2.0], [2.0, 3.0]])


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
        Accepted for the common lab interface; the lab takes about a second either way.
    out : Path, optional
        Directory for the figures (PNG).
    console : rich Console, optional

    Returns
    -------
    LabResult
        ``answers``: ``sympy_derivative_difference`` and ``sympy_tanh_difference`` (the
        simplified differences as strings, ``"0"``), ``max_derivative_diff`` and
        ``max_tanh_diff`` (float64 on 2001 points in [−10, 10]), ``W`` (2 floats), ``b``,
        ``outputs`` (σ(Wᵀx + b) per point), ``margins`` (signed distance to the line, +
        on the correct side), ``min_margin``, ``optimal_margin`` (0.5/√2), ``correct``.
    """
    del quick
    if options:
        name = sorted(options)[0]
        msg = f"lab activations has no option '{name}'{did_you_mean(name, [])}"
        raise ConfigError(msg)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers

    # 1 and 2, symbolically: simplify each difference to zero
    con.rule("activations: two identities, symbolically (SymPy)")
    x = sympy.symbols("x", real=True)

    def sigma(t: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-t))

    d_diff = sympy.simplify(sympy.diff(sigma(x), x) - sigma(x) * (1 - sigma(x)))
    # tanh is rewritten in exponentials so that both sides are rational functions of e^x
    t_diff = sympy.simplify((sympy.tanh(x) - (2 * sigma(2 * x) - 1)).rewrite(sympy.exp))
    answers["sympy_derivative_difference"] = str(d_diff)
    answers["sympy_tanh_difference"] = str(t_diff)
    con.print(f"dσ/dx = {sympy.simplify(sympy.diff(sigma(x), x))}", markup=False)
    con.print(f"simplify(dσ/dx − σ(1 − σ)) = {d_diff}", markup=False)
    con.print(f"simplify(tanh(x) − (2σ(2x) − 1)) = {t_diff}", markup=False)

    # ... and numerically, in float64 on a grid
    con.rule("activations: the same, numerically on [-10, 10]")
    grid = np.linspace(-10.0, 10.0, 2001)
    xt = torch.tensor(grid, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(xt).sum().backward()  # type: ignore[no-untyped-call]
    assert xt.grad is not None  # set by backward
    autograd = xt.grad.numpy()
    s = expit(grid)
    d_num = float(np.max(np.abs(autograd - s * (1 - s))))
    t_num = float(np.max(np.abs(np.tanh(grid) - (2 * expit(2 * grid) - 1))))
    answers["max_derivative_diff"] = d_num
    answers["max_tanh_diff"] = t_num
    con.print(
        f"max |autograd σ′ − σ(1 − σ)| = {d_num:.2e};  "
        f"max |tanh(x) − (2σ(2x) − 1)| = {t_num:.2e}  (2001 points)",
        markup=False,
    )
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.0, 4.0))
    ax1.plot(grid, s, label=r"$\sigma(x)$")
    ax1.plot(grid, autograd, label=r"$\sigma'(x)$ (autograd)")
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
    save_figure(fig, out, "identities", result)

    # 3. where each belongs
    con.print(
        "σ belongs at the output of a binary classifier: its value in (0, 1) is read as a "
        "probability and pairs with binary cross-entropy, where the σ′ factor cancels. In "
        "hidden layers tanh is preferred: it is zero-centred and its slope at 0 is 1 instead "
        "of 1/4; both saturate (σ′ ≤ 1/4 shrinks gradients layer after layer), which is why "
        "deep networks use ReLU in hidden layers.",
        markup=False,
    )

    # 4. one sigmoid neuron: logistic regression is σ(Wᵀx + b) trained with cross-entropy
    con.rule("activations: a sigmoid neuron separating two classes")
    X = np.vstack([CLASS_1, CLASS_2])
    target = np.array([1, 1, 0, 0])  # σ(Wᵀx + b) > 0.5 means class 1
    # a weak penalty (large C): the points are separable, so the fit drives |W| up until the
    # penalty stops it, and W points along the max-margin direction
    clf = LogisticRegression(C=1e3).fit(X, target)
    W = clf.coef_[0].astype(float)
    b = float(clf.intercept_[0])
    z = X @ W + b
    out_ = expit(z)
    sign = np.where(target == 1, 1.0, -1.0)
    margins = sign * z / np.linalg.norm(W)
    correct = bool(np.all((out_ > 0.5) == (target == 1)))
    optimal = 0.5 / np.sqrt(2.0)  # the lines x₂ = x₁ and x₂ = x₁ + 1 are 1/√2 apart
    answers.update(
        W=W.tolist(),
        b=b,
        outputs=out_.tolist(),
        margins=margins.tolist(),
        min_margin=float(margins.min()),
        optimal_margin=float(optimal),
        correct=correct,
    )
    table = Table(title=f"σ(Wᵀx + b) with W = ({W[0]:.3f}, {W[1]:.3f}), b = {b:.3f}")
    for col in ("x", "class", "Wᵀx + b", "σ(Wᵀx + b)", "margin (distance to the line)"):
        table.add_column(col, justify="right")
    for point, t, zi, oi, mi in zip(X, target, z, out_, margins, strict=True):
        table.add_row(
            f"({point[0]:g}, {point[1]:g})",
            "1" if t else "2",
            f"{zi:+.3f}",
            f"{oi:.4f}",
            f"{mi:+.4f}",
        )
    con.print(table)
    con.print(
        f"All four points on the correct side: {correct}. The smallest margin is "
        f"{margins.min():.4f}; the best any line can do is 0.5/√2 = {optimal:.4f} "
        "(the line x₂ = x₁ + 1/2, halfway between the two classes' lines).",
        markup=False,
    )
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
    save_figure(fig, out, "neuron", result)
    return result
