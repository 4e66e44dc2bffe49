"""Sheet 2, exercise 3 — linear regions: a ReLU network is a piecewise-linear function.

The problem sheet asks, for a 2-20-1 ReLU regressor (81 parameters) at random
initialisation:

1. its output on a grid of at least 500×500 points over [−10, 10]², shown as an image;
2. how far one must zoom out to capture all of its structure — answered exactly from where
   the hidden units' hyperplanes lie — and the zoomed-out image;
3. ``numpy.gradient`` of the image, each component shown with the ``prism`` colormap (a
   linear region has a constant gradient, so it shows as one flat colour);
   and asks what one observes;
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

The deep network has no such closed form: its later units' boundaries bend, and regions can
appear far beyond the shallow net's radius. The lab walks along 3,600 rays from the origin,
exactly: within one activation pattern every unit's pre-activation is affine in the distance
t along the ray, so the next breakpoint is the smallest root of those affine functions, and
the walk ends when no unit changes sign any more. For every region met it keeps the nearest
distance at which a ray enters it; the largest of these, r, is how far one must zoom out to
see a piece of every region, and the window is 1.2·r. (The rays sample each region, so r
may exceed the region's true nearest distance: for the shallow net r comes out above the
exact R, a window on the safe side.) The
patterns met along the rays are counted with those of the two grids (a region narrower than
the rays' spacing at its distance can still be missed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    lab_console,
    resolve_options,
)
from neyman.models import MLPRegressor

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "LinearRegionsAnswers",
    "NetworkRegions",
    "activation_patterns",
    "compute",
    "layers",
    "random_network",
    "ray_breakpoints",
    "render",
    "run",
    "zoom_radius",
]

NAME = "linear-regions"
SUMMARY = (
    "ReLU nets are piecewise linear: 2-20-1 (81 params) and 2-5-5-5-5-1 (111) at random "
    "init, exact zoom-out radius, prism gradients, linear regions counted"
)

OPTIONS = (
    Option("seed", int, 0, "random_state of both networks"),
    Option("grid", int, None, "grid points per axis, >= 500 (500 with --quick, else 1000)"),
    Option("rays", int, 3600, "rays from the origin along which breakpoints are found"),
)
NETS = {"2-20-1": (20,), "2-5-5-5-5-1": (5, 5, 5, 5)}
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
        early_stopping=False,
        lr_schedule=None,
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


def ray_breakpoints(
    weights: Layers, n_rays: int = 3600, max_steps: int = 1000
) -> dict[bytes, float]:
    """Walk exactly along ``n_rays`` rays from the origin; return where each region begins.

    Within one activation pattern the network is affine, so along the ray x = t·u every
    unit's pre-activation is ``a + c·t``; the walk jumps to the smallest root ``-a/c`` beyond
    the current t, reads the new pattern just past it, and stops when no unit changes sign
    any more. Returns, for every activation pattern met (packed as by ``_patterns``), the
    smallest distance from the origin at which a ray enters it: a square window of that
    half-width or more shows a piece of every region the rays meet.
    """
    angles = np.linspace(0.0, 2 * np.pi, n_rays, endpoint=False)
    u = np.column_stack([np.cos(angles), np.sin(angles)])
    t = np.zeros(n_rays)
    active = np.ones(n_rays, dtype=bool)
    first: dict[bytes, float] = {}
    for _ in range(max_steps):
        if not active.any():
            break
        ua, ta = u[active], t[active]
        eps = 1e-9 * np.maximum(1.0, ta)
        _, bits = activation_patterns(weights, (ta + eps)[:, None] * ua)
        for row, start in zip(np.packbits(bits, axis=1), ta, strict=True):
            key = row.tobytes()
            first[key] = min(first.get(key, math.inf), float(start))
        # affine pre-activations a + c t of every unit under this pattern
        ha, hc = np.zeros((len(ua), 2)), ua
        roots, k = [], 0
        for W, b in weights[:-1]:
            za, zc = ha @ W.T + b, hc @ W.T
            mask = bits[:, k : k + W.shape[0]]
            k += W.shape[0]
            with np.errstate(divide="ignore", invalid="ignore"):
                roots.append(-za / zc)
            ha, hc = za * mask, zc * mask
        r = np.hstack(roots)
        r[~(r > (ta + 2 * eps)[:, None])] = np.inf
        nxt = r.min(axis=1)
        done = ~np.isfinite(nxt)
        idx = np.flatnonzero(active)
        t[idx[~done]] = nxt[~done]
        active[idx[done]] = False
    return first


@dataclass
class NetworkRegions:
    """The answers for one network."""

    n_parameters: int
    weights: list[tuple[list[list[float]], list[float]]]
    regions: int  # activation patterns on the [-10, 10]^2 grid
    regions_zoomed: int  # on the zoomed-out grid
    regions_rays: int  # met along the rays
    regions_both: int  # on both grids and the rays together
    region_radius: float  # the farthest distance at which a ray first enters a region
    zoom_half_width: float
    regions_beyond_shallow_window: int  # patterns met only outside the shallow net's window
    gradient_constant_fraction: float  # grid pixels where numpy.gradient = the exact gradient
    zoom_radius: float | None = None  # exact R (one hidden layer only)
    max_regions: int | None = None  # 1 + n + n(n-1)/2 (one hidden layer only)
    image: NDArray[np.float64] = figure_data(default=None)
    zoomed: NDArray[np.float64] = figure_data(default=None)
    gradient: tuple[NDArray[np.float64], NDArray[np.float64]] = figure_data(default=None)


@dataclass
class LinearRegionsAnswers(Answers):
    """Per network (``"2-20-1"``, ``"2-5-5-5-5-1"``) a :class:`NetworkRegions`."""

    grid: int
    rays: int
    networks: dict[str, NetworkRegions]

    def as_dict(self) -> dict[str, Any]:
        """Plain values, each network's answers at the top level (``answers["2-20-1"]``)."""
        plain = super().as_dict()
        return {"grid": plain["grid"], "rays": plain["rays"], **plain["networks"]}


def _exact_gradient(weights: Layers, bits: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The gradient of the network at points with activation patterns ``bits`` (n, 2)."""
    J = np.broadcast_to(weights[0][0].T, (len(bits), *weights[0][0].T.shape))  # (n, 2, h)
    k = 0
    for i, (W, _) in enumerate(weights[:-1]):
        J = J * bits[:, None, k : k + W.shape[0]]
        k += W.shape[0]
        J = J @ weights[i + 1][0].T
    return np.asarray(J[:, :, 0], dtype=np.float64)


def _one_network(
    hidden: tuple[int, ...], seed: int, n: int, rays: int, shallow_half: float
) -> NetworkRegions:
    model = random_network(hidden, seed)
    weights = layers(model)
    # 1. the output over [-10, 10]^2, and the activation patterns on the same grid
    axis, X = _grid(10.0, n)
    out_, bits = activation_patterns(weights, X)
    # the explicit forward pass is the model's own prediction (float32 inside torch)
    if not np.allclose(out_, model.predict(X), rtol=1e-4, atol=1e-4):
        msg = "the explicit ReLU forward pass disagrees with MLPRegressor.predict"
        raise RuntimeError(msg)
    image = out_.reshape(n, n)
    seen = _patterns(bits)
    # 2. how far to zoom out: exactly R for one hidden layer, else where the rays first
    # enter the farthest region
    first = ray_breakpoints(weights, rays)
    ray_seen = set(first)
    radius = max(first.values())
    exact = zoom_radius(*weights[0]) if len(hidden) == 1 else None
    half = 1.2 * max(exact if exact is not None else radius, 10.0)

    _, Z = _grid(half, n)
    zout, zbits = activation_patterns(weights, Z)
    zseen = _patterns(zbits)
    # patterns met only beyond the shallow network's window
    inside = _patterns(activation_patterns(weights, _grid(shallow_half or half, n)[1])[1])
    far = (zseen | ray_seen) - inside - seen
    # 3. numpy.gradient against the exact gradient of each pixel's linear region
    step = float(axis[1] - axis[0])
    d_dx2, d_dx1 = np.gradient(image, step, step)  # axis 0 is x2, axis 1 is x1
    exact_grad = _exact_gradient(weights, bits)
    same = np.isclose(d_dx1.ravel(), exact_grad[:, 0], rtol=1e-6, atol=1e-9) & np.isclose(
        d_dx2.ravel(), exact_grad[:, 1], rtol=1e-6, atol=1e-9
    )
    return NetworkRegions(
        n_parameters=int(model.n_parameters_),
        weights=[(W.tolist(), b.tolist()) for W, b in weights],
        regions=len(seen),
        regions_zoomed=len(zseen),
        regions_rays=len(ray_seen),
        regions_both=len(seen | zseen | ray_seen),
        region_radius=radius,
        zoom_half_width=half,
        regions_beyond_shallow_window=len(far),
        gradient_constant_fraction=float(same.mean()),
        zoom_radius=exact,
        max_regions=1 + hidden[0] + hidden[0] * (hidden[0] - 1) // 2 if exact is not None else None,
        image=image,
        zoomed=zout.reshape(n, n),
        gradient=(d_dx1, d_dx2),
    )


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> LinearRegionsAnswers:
    """Compute the answers for both networks.

    Parameters
    ----------
    quick : bool
        500×500 grids (the minimum the sheet asks for) instead of 1000×1000.
    console : rich Console, optional
    **options
        ``seed`` (0): the networks' ``random_state``; ``grid``: points per axis (>= 500);
        ``rays`` (3600): rays walked from the origin to find the regions.
    """
    opts = resolve_options(NAME, OPTIONS, options)
    seed, rays = opts["seed"], opts["rays"]
    n = opts["grid"] if opts["grid"] is not None else (500 if quick else 1000)
    for key, value, low in (("seed", seed, 0), ("grid", n, 500), ("rays", rays, 8)):
        if value < low:
            msg = f"option '{key}' of lab {NAME} must be an int >= {low}, got {value!r}"
            raise ConfigError(msg, key=key, value=value)
    lab_console(console).print(f"… two networks, {n}×{n} grids, {rays:,} rays", markup=False)
    shallow = _one_network(NETS["2-20-1"], seed, n, rays, 0.0)
    deep = _one_network(NETS["2-5-5-5-5-1"], seed, n, rays, shallow.zoom_half_width)
    return LinearRegionsAnswers(n, rays, {"2-20-1": shallow, "2-5-5-5-5-1": deep})


def render(
    answers: LinearRegionsAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the answers; with ``out``, write the output and gradient images of both nets."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    n = answers.grid
    shallow_half = answers.networks["2-20-1"].zoom_half_width
    for name, info in answers.networks.items():
        con.rule(f"linear regions: {name} ReLU network at random initialisation")
        con.print(f"{info.n_parameters} parameters", markup=False)
        half = info.zoom_half_width
        if info.zoom_radius is not None:
            radius = info.zoom_radius
            con.print(
                f"2. The 20 hidden lines wᵢ·x + bᵢ = 0 cross at most R = {radius:.4f} from the "
                f"origin: every vertex, hence every linear region, is inside [−R, R]²"
                f"{' (beyond the [−10, 10]² window)' if radius > 10 else ''}. 20 lines in "
                f"general position make 1 + 20 + 190 = {info.max_regions} regions. (Walking "
                f"along {answers.rays:,} rays, every region is entered within "
                f"{info.region_radius:.4f} of the origin.)",
                markup=False,
            )
        else:
            radius = info.region_radius
            con.print(
                f"2. No closed form for a deep net: walking along {answers.rays:,} rays, the "
                f"farthest region is first entered {radius:.1f} from the origin "
                f"({radius / shallow_half * 1.2:.1f}× the shallow net's R), so the window is "
                f"±{half:.4g}. {info.regions_beyond_shallow_window} activation patterns appear "
                f"only outside the shallow net's window ±{shallow_half:.4g}.",
                markup=False,
            )
        con.print(
            f"3(c). What the gradient images show: each linear region is one flat colour in "
            f"both components, because the gradient is constant on it; the colour jumps on "
            f"the lines where a ReLU switches. numpy.gradient equals the exact gradient of "
            f"the pixel's region on {info.gradient_constant_fraction:.1%} of the pixels; the "
            "rest straddle a boundary (the finite difference mixes two regions). The prism "
            "colormap cycles quickly, so neighbouring regions with close gradients still "
            "get different colours.",
            markup=False,
        )
        con.print(
            f"4. {info.regions} distinct activation patterns on the {n}×{n} grid over "
            f"[−10, 10]²; {info.regions_zoomed} on the grid over [−{half:.4g}, {half:.4g}]² "
            f"(coarser: it misses small cells near the origin); {info.regions_rays} along the "
            f"rays; {info.regions_both} on the two grids and the rays together.",
            markup=False,
        )
        _figures(figs, name, info, n)
    _render_table(con, answers)
    figs.report()
    return result


def _render_table(con: Console, answers: LinearRegionsAnswers) -> None:
    table = Table(title="linear regions at random initialisation (distinct activation patterns)")
    for col in ("network", "parameters", "hidden ReLUs", "in [−10, 10]²", "window", "found"):
        table.add_column(col, justify="right")
    for name, info in answers.networks.items():
        table.add_row(
            name,
            str(info.n_parameters),
            str(sum(NETS[name])),
            str(info.regions),
            f"±{info.zoom_half_width:.4g}",
            str(info.regions_both),
        )
    con.print(table)
    sh, dp = answers.networks["2-20-1"], answers.networks["2-5-5-5-5-1"]
    more = "more" if dp.regions_both > sh.regions_both else "fewer"
    con.print(
        "5. Both networks have 20 ReLUs. In the shallow one each ReLU draws one full straight "
        "line across the plane, and the regions are the convex cells those lines cut. In "
        "the deep one only the first layer's 5 units draw straight lines; each later unit's "
        "boundary is a line only within a region of the layers below and bends where it "
        "crosses their boundaries, so the regions are polygons bounded by broken lines, and "
        f"some lie far out (up to {dp.region_radius:.0f} from the origin here). At this "
        f"random initialisation the deep net has {more} regions than the shallow one "
        f"({dp.regions_both} against {sh.regions_both}): a later unit adds a boundary only "
        "where its input changes sign, and units whose input keeps one sign add none.",
        markup=False,
    )


def _figures(figs: Figures, name: str, info: NetworkRegions, n: int) -> None:
    half = info.zoom_half_width
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
    for ax, img, h, title in (
        (axes[0], info.image, 10.0, "[−10, 10]²"),
        (axes[1], info.zoomed, half, f"zoomed out to ±{half:.4g}"),
    ):
        im = ax.imshow(img, origin="lower", extent=(-h, h, -h, h), cmap="viridis")
        fig.colorbar(im, ax=ax, label="network output")
        ax.set_title(f"{name}: {title}")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    r = info.zoom_radius if info.zoom_radius is not None else info.region_radius
    axes[1].add_patch(Rectangle((-r, -r), 2 * r, 2 * r, fill=False, ec="r"))
    figs.save(fig, f"output_{name}")
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
    for ax, comp, label in ((axes[0], info.gradient[0], "x_1"), (axes[1], info.gradient[1], "x_2")):
        im = ax.imshow(comp, origin="lower", extent=(-10, 10, -10, 10), cmap="prism")
        fig.colorbar(im, ax=ax)
        ax.set_title(f"{name}: $\\partial f / \\partial {label}$ (numpy.gradient)")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    figs.save(fig, f"gradient_{name}")


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab: ``render(compute(...))``; see :func:`compute` for the options."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "**1.** A 2-20-1 ReLU regressor at random initialisation (81 parameters): its output "
        "on a 500×500 grid over [−10, 10]².",
        "import matplotlib.pyplot as plt\nimport numpy as np\n\n"
        "from neyman.labs.linear_regions import activation_patterns, layers, random_network\n\n"
        "model = random_network((20,), seed=0)\nweights = layers(model)\n"
        "axis = np.linspace(-10, 10, 500)\nx1, x2 = np.meshgrid(axis, axis)\n"
        "X = np.column_stack([x1.ravel(), x2.ravel()])\n"
        "out, bits = activation_patterns(weights, X)\n"
        "plt.imshow(out.reshape(500, 500), origin='lower', extent=(-10, 10, -10, 10))\n"
        "plt.colorbar(label='network output');\nmodel.n_parameters_",
    ),
    (
        "**2.** How far must one zoom out? For one hidden layer: the farthest crossing of two "
        "hidden lines, R. Walking along rays: the farthest distance at which a region is first "
        "entered (at most R), and how many regions the rays meet.",
        "from neyman.labs.linear_regions import ray_breakpoints, zoom_radius\n\n"
        "first = ray_breakpoints(weights)\nzoom_radius(*weights[0]), max(first.values()), len(first)",
    ),
    (
        "**3.** The gradient with `numpy.gradient`, drawn with the `prism` colormap. "
        "What do you observe?",
        "step = axis[1] - axis[0]\nd_dx2, d_dx1 = np.gradient(out.reshape(500, 500), step, step)\n"
        "plt.imshow(d_dx1, origin='lower', extent=(-10, 10, -10, 10), cmap='prism');",
    ),
    (
        "**4–5.** Count the linear regions of both networks, the deep one in a window derived "
        "from its own breakpoints, and compare.",
        "from neyman.labs.linear_regions import compute, render\n\n"
        "answers = compute(quick=True)\nrender(answers);",
    ),
)
