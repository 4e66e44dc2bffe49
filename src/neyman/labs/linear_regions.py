"""Lab 5 — linear regions: a ReLU network is a piecewise-linear function.

The problem sheet asks, for a 2-20-1 ReLU regressor (81 parameters) at random
initialisation:

1. its output on a grid of at least 500×500 points over [−10, 10]², shown as an image;
2. how far one must zoom out to capture all of its structure — answered exactly from where
   the hidden units' hyperplanes lie — and the zoomed-out image;
3. ``numpy.gradient`` of the image, each component shown with the ``prism`` colormap (a
   linear region has a constant gradient, so it shows as one flat colour);
4. the number of linear regions, counted as distinct activation patterns on the grid;
5. the same for a deeper 2-5-5-5-5-1 network (111 parameters), and a comparison.

The zoom-out radius. Hidden unit i of the first layer switches on the line
Hᵢ = {x : wᵢ·x + bᵢ = 0}. For one hidden layer these lines are the only places where the
function bends, and its linear regions are the cells of their arrangement. Every cell has
a vertex (an intersection point Hᵢ ∩ Hⱼ) on its boundary, so the square [−R, R]² with

    R = max over pairs i < j with wᵢ, wⱼ not parallel of ‖Hᵢ ∩ Hⱼ‖₂

(the largest distance from the origin of any pairwise intersection point) contains every
vertex and meets every region: outside it the lines only run off to infinity without
crossing. The lab computes R exactly (Cramer's rule in rational arithmetic on the float32
weights, one rounding at the end) and draws the zoomed-out image over [−1.2 R, 1.2 R]². With
n lines in general position the arrangement has exactly 1 + n + n(n−1)/2 cells (211 for
n = 20): the count the grid should approach.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from neyman.errors import ConfigError
from neyman.labs._base import LabResult, check_options, lab_console, save_figure
from neyman.models import MLPRegressor

__all__ = [
    "NAME",
    "SUMMARY",
    "activation_patterns",
    "layers",
    "random_network",
    "run",
    "zoom_radius",
]

NAME = "linear-regions"
SUMMARY = (
    "ReLU nets are piecewise linear: 2-20-1 (81 params) and 2-5-5-5-5-1 (111) at random "
    "init, exact zoom-out radius, prism gradients, linear regions counted"
)

_OPTIONS = ("seed", "grid")
Layers = list[tuple[NDArray[np.float64], NDArray[np.float64]]]


def random_network(hidden: tuple[int, ...], seed: int) -> MLPRegressor:
    """A 2-…-1 ReLU ``MLPRegressor`` with its random initial weights.

    neyman estimators get their network in ``fit``; one plain-SGD step of size 1e-30 (on
    a single dummy event) leaves every float32 weight exactly as PyTorch initialised it
    (a change of 1e-30·gradient is far below half a float32 ulp of any weight).
    """
    model = MLPRegressor(
        hidden,
        activation="relu",
        optimizer="sgd",
        momentum=0.0,
        lr=1e-30,
        batch_size=1,
        epochs=1,
        random_state=seed,
        verbose=0,
    )
    return model.fit(np.zeros((1, 2)), np.zeros(1))


def layers(model: MLPRegressor) -> Layers:
    """The (W, b) of each ``Linear`` layer, in float64, W of shape (out, in)."""
    out = []
    for module in model.module_:
        if isinstance(module, torch.nn.Linear):
            out.append(
                (
                    module.weight.detach().double().numpy().copy(),
                    module.bias.detach().double().numpy().copy(),
                )
            )
    return out


def activation_patterns(
    weights: Layers, X: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Forward ``X`` (n, 2) through the ReLU net; return outputs (n,) and on/off bits (n, h).

    The bits are ``pre-activation > 0`` of every hidden unit, layer after layer.
    """
    h = np.asarray(X, dtype=np.float64)
    bits = []
    for W, b in weights[:-1]:
        z = h @ W.T + b
        bits.append(z > 0)
        h = np.maximum(z, 0.0)
    W, b = weights[-1]
    return (h @ W.T + b)[:, 0], np.hstack(bits)


def zoom_radius(W: NDArray[Any], b: NDArray[Any]) -> float:
    """R: the largest distance from the origin of any intersection of two hidden lines.

    Line i is ``W[i] @ x + b[i] = 0``. Each pair's intersection is solved exactly with
    Cramer's rule in rational arithmetic (the float weights are exact rationals); parallel
    pairs (determinant 0) have none and are skipped. Returns 0 if no pair intersects.
    """
    rows = [
        (Fraction(float(w[0])), Fraction(float(w[1])), Fraction(float(c)))
        for w, c in zip(W, b, strict=True)
    ]
    best = Fraction(0)
    for (a1, b1, c1), (a2, b2, c2) in combinations(rows, 2):
        det = a1 * b2 - a2 * b1
        if det == 0:
            continue
        x = (b1 * c2 - b2 * c1) / det
        y = (a2 * c1 - a1 * c2) / det
        best = max(best, x * x + y * y)
    return math.sqrt(best)


def _grid(half: float, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    axis = np.linspace(-half, half, n)
    x1, x2 = np.meshgrid(axis, axis)  # rows: x2, columns: x1
    return axis, np.column_stack([x1.ravel(), x2.ravel()])


def _patterns(bits: NDArray[np.bool_]) -> set[bytes]:
    """The distinct activation patterns among the rows of ``bits``, each as bytes."""
    packed = np.packbits(bits, axis=1)
    return {row.tobytes() for row in np.unique(packed, axis=0)}


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
        500×500 grids (the minimum the sheet asks for) instead of 1000×1000.
    out : Path, optional
        Directory for the figures (PNG).
    console : rich Console, optional
    **options
        ``seed`` (0): the networks' ``random_state``; ``grid``: points per axis (≥ 500).

    Returns
    -------
    LabResult
        ``answers``: ``grid``, and per network (``"2-20-1"``, ``"2-5-5-5-5-1"``):
        ``n_parameters``, ``weights`` (list of (W, b) as nested lists), ``regions``
        (distinct activation patterns on the [−10, 10]² grid), ``regions_zoomed`` (on the
        zoomed-out grid), ``regions_both`` (on the union of both grids); for the shallow net also
        ``zoom_radius`` and ``max_regions`` (211).
    """
    check_options(NAME, options, _OPTIONS)
    seed = options.get("seed", 0)
    n = options.get("grid", 500 if quick else 1000)
    for key, value, low in (("seed", seed, 0), ("grid", n, 500)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            msg = f"option '{key}' of lab {NAME} must be an int >= {low}, got {value!r}"
            raise ConfigError(msg)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers
    answers["grid"] = n

    nets = {"2-20-1": (20,), "2-5-5-5-5-1": (5, 5, 5, 5)}
    summary: dict[str, dict[str, Any]] = {}
    radius = 0.0
    for name, hidden in nets.items():
        con.rule(f"linear regions: {name} ReLU network at random initialisation")
        model = random_network(hidden, seed)
        weights = layers(model)
        info: dict[str, Any] = {
            "n_parameters": int(model.n_parameters_),
            "weights": [(W.tolist(), b.tolist()) for W, b in weights],
        }
        con.print(f"{model.n_parameters_} parameters", markup=False)

        # 1. the output over [-10, 10]², and the activation patterns on the same grid
        axis, X = _grid(10.0, n)
        out_, bits = activation_patterns(weights, X)
        # the explicit forward pass is the model's own prediction (float32 inside torch)
        if not np.allclose(out_, model.predict(X), rtol=1e-4, atol=1e-4):
            msg = "the explicit ReLU forward pass disagrees with MLPRegressor.predict"
            raise RuntimeError(msg)
        image = out_.reshape(n, n)
        seen = _patterns(bits)
        info["regions"] = len(seen)

        # 2. how far to zoom out: for one hidden layer, exactly R (see the docstring); for
        # the deep net there is no such closed form, so we zoom out as far as for the shallow
        if len(hidden) == 1:
            W1, b1 = weights[0]
            radius = zoom_radius(W1, b1)
            info["zoom_radius"] = radius
            # cells of an arrangement of lines, no two parallel and no three through one
            # point: 1 + (number of lines) + (number of crossing points)
            info["max_regions"] = 1 + hidden[0] + hidden[0] * (hidden[0] - 1) // 2
            con.print(
                f"The 20 hidden lines wᵢ·x + bᵢ = 0 cross at most R = {radius:.4f} from the "
                f"origin: every vertex, hence every linear region, is inside [−R, R]²"
                f"{' (beyond the [−10, 10]² window)' if radius > 10 else ''}. "
                f"20 lines in general position make 1 + 20 + 190 = {info['max_regions']} "
                "regions.",
                markup=False,
            )
        half = 1.2 * max(radius, 10.0)
        zaxis, Z = _grid(half, n)
        zout, zbits = activation_patterns(weights, Z)
        info["zoom_half_width"] = half
        zseen = _patterns(zbits)
        info["regions_zoomed"] = len(zseen)
        info["regions_both"] = len(seen | zseen)

        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
        for ax, img, h, title in (
            (axes[0], image, 10.0, "[−10, 10]²"),
            (axes[1], zout.reshape(n, n), half, f"zoomed out to ±{half:.3g}"),
        ):
            im = ax.imshow(img, origin="lower", extent=(-h, h, -h, h), cmap="viridis")
            fig.colorbar(im, ax=ax, label="network output")
            ax.set_title(f"{name}: {title}")
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        if len(hidden) == 1:
            axes[1].add_patch(
                Rectangle((-radius, -radius), 2 * radius, 2 * radius, fill=False, ec="r")
            )
        save_figure(fig, out, f"output_{name}", result)

        # 3. the gradient of the image: constant on each linear region
        step = float(axis[1] - axis[0])
        d_dx2, d_dx1 = np.gradient(image, step, step)  # axis 0 is x2, axis 1 is x1
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
        for ax, comp, label in ((axes[0], d_dx1, "x_1"), (axes[1], d_dx2, "x_2")):
            im = ax.imshow(comp, origin="lower", extent=(-10, 10, -10, 10), cmap="prism")
            fig.colorbar(im, ax=ax)
            ax.set_title(f"{name}: $\\partial f / \\partial {label}$ (numpy.gradient)")
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        save_figure(fig, out, f"gradient_{name}", result)
        con.print(
            f"{info['regions']} distinct activation patterns on the {n}×{n} grid over "
            f"[−10, 10]²; {info['regions_zoomed']} on the grid over [−{half:.3g}, {half:.3g}]² "
            f"(coarser: it misses small cells near the origin); {info['regions_both']} on "
            "the two grids together.",
            markup=False,
        )
        summary[name] = info
    answers.update(summary)

    table = Table(title="linear regions at random initialisation (distinct activation patterns)")
    for col in (
        "network",
        "parameters",
        "hidden ReLUs",
        "in [−10, 10]²",
        "regions zoomed out",
        "both grids",
    ):
        table.add_column(col, justify="right")
    for name, info in summary.items():
        table.add_row(
            name,
            str(info["n_parameters"]),
            str(sum(nets[name])),
            str(info["regions"]),
            str(info["regions_zoomed"]),
            str(info["regions_both"]),
        )
    con.print(table)
    con.print(
        "Both networks have 20 ReLUs. In the shallow one each ReLU draws one full straight "
        "line across the plane, and the regions are the convex cells those lines cut. In "
        "the deep one only the first layer's 5 units draw straight lines; each later unit's "
        "boundary is a line only within a region of the layers below and bends where it "
        "crosses their boundaries, so the regions are polygons bounded by broken lines. At "
        "this random initialisation the deep net has fewer regions than the shallow one: a "
        "later unit adds a boundary only where its input changes sign inside the window, "
        "and units whose input keeps one sign there add none.",
        markup=False,
    )
    return result
