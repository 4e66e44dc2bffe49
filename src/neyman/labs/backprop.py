"""Lab 6 — backprop: the learning-by-hand exercise, done exactly.

L(x) = (sin(x₁/x₂) + x₁/x₂ − exp(x₂)) · (x₁/x₂ − exp(x₂)) at x = (1.5, 0.5):

1. the computational graph (DOT text, ``graph.dot``, and ``graph.png``: drawn by Graphviz's
   ``dot`` program when it is installed, else by matplotlib);
2. the forward trace: every intermediate vᵢ with its value, as a closed form and a number;
3. the reverse trace: every adjoint v̄ᵢ = ∂L/∂vᵢ, without rounding errors (SymPy values),
   and ∂L/∂x₁, ∂L/∂x₂ checked against SymPy's symbolic derivative of L;
4. two Adam steps on x₁ with learning rate 0.1 (x₂ fixed), each step's state printed
   (m, v, m̂, v̂, update), in float64 as with a calculator.

The nodes are built in the order a student writes them: v₁ = x₁/x₂, v₂ = sin(v₁),
v₃ = exp(x₂), v₄ = v₁ − v₃, v₅ = v₂ + v₄, v₆ = v₅ · v₄ = L. v₁ and v₄ are used twice,
so their adjoints each collect two terms.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy
from rich.console import Console

from neyman.autodiff import Adam, Var, exp, sin, to_dot, trace
from neyman.autodiff import render as render_dot
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

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "BackpropAnswers",
    "compute",
    "draw_graph",
    "loss",
    "render",
    "run",
]

NAME = "backprop"
SUMMARY = (
    "Backpropagation by hand on L = (sin(x1/x2) + x1/x2 - exp(x2))(x1/x2 - exp(x2)): "
    "graph, forward and reverse traces (exact), two Adam steps"
)

OPTIONS = (
    Option("x1", float, 1.5, "x1, read as written (exactly)"),
    Option("x2", float, 0.5, "x2, not 0"),
    Option("lr", float, 0.1, "Adam's learning rate, > 0"),
    Option("steps", int, 2, "Adam steps on x1, 0 to 50"),
)


def loss(x1: Var, x2: Var) -> Var:
    """L(x₁, x₂), node by node in the textbook's order (v₁ … v₆)."""
    v1 = x1 / x2
    v2 = sin(v1)
    v3 = exp(x2)
    v4 = v1 - v3
    v5 = v2 + v4
    return v5 * v4


def _ascii(node: str) -> str:
    return node.translate(str.maketrans("₋₀₁₂₃₄₅₆₇₈₉", "-0123456789"))


def _options(options: dict[str, Any]) -> dict[str, Any]:
    opts = resolve_options(NAME, OPTIONS, options)
    if opts["x2"] == 0:
        msg = "option 'x2' of lab backprop must not be 0 (L divides by x2)"
        raise ConfigError(msg, key="x2", value=0)
    if opts["lr"] <= 0:
        msg = f"option 'lr' of lab backprop must be > 0, got {opts['lr']!r}"
        raise ConfigError(msg, key="lr", value=opts["lr"])
    if not 0 <= opts["steps"] <= 50:
        msg = f"option 'steps' of lab backprop must be an int from 0 to 50, got {opts['steps']!r}"
        raise ConfigError(msg, key="steps", value=opts["steps"])
    return opts


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@dataclass
class BackpropAnswers(Answers):
    """Exact values as floats (30 significant digits) and closed forms as SymPy text."""

    x1: float
    x2: float
    lr: float
    L: float
    forward: dict[str, float]
    forward_exact: dict[str, str]
    adjoints: dict[str, float]
    dL_dx1: float
    dL_dx2: float
    dL_dx1_exact: str
    dL_dx2_exact: str
    sympy_agrees: bool
    adam_x1: list[float]
    adam_states: list[dict[str, float]]
    L_after: float | None
    dot: str
    output: Var = figure_data(default=None)
    trace_: Any = figure_data(default=None)
    adam_tables: list[Any] = figure_data(default_factory=list)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> BackpropAnswers:
    """Compute the traces, the exact gradient (checked by SymPy) and the Adam steps.

    ``quick`` is accepted for the common lab interface and changes nothing (seconds
    either way). Options: ``x1`` (1.5), ``x2`` (0.5), ``lr`` (0.1), ``steps`` (2).
    """
    del quick, console  # same work either way, and quick
    opts = _options(options)
    x1 = Var(opts["x1"], "x1", exact=True)
    x2 = Var(opts["x2"], "x2", exact=True)
    L = loss(x1, x2)
    tr = trace(L)
    # the gradient, and SymPy's symbolic derivative of L as an independent check
    s1, s2 = sympy.symbols("x1 x2")
    expr = (sympy.sin(s1 / s2) + s1 / s2 - sympy.exp(s2)) * (s1 / s2 - sympy.exp(s2))
    at = {s1: x1.value, s2: x2.value}
    grads, exact, agrees = {}, {}, True
    for var, sym in ((x1, s1), (x2, s2)):
        ours = tr.gradient(var)
        agrees = agrees and sympy.simplify(ours - sympy.diff(expr, sym).subs(at)) == 0
        grads[var.name], exact[var.name] = float(sympy.N(ours, 30)), sympy.sstr(ours)
    # 4. Adam on x1 (x2 stays fixed), in floats as by hand with a calculator: in exact
    # arithmetic x1 would become a nest of square roots and sines after one step
    p1, p2 = Var(float(opts["x1"]), "x1"), Var(float(opts["x2"]), "x2")
    opt = Adam([p1], lr=opts["lr"])
    xs, states, tables = [], [], []
    for _ in range(opts["steps"]):
        opt.zero_grad()
        loss(p1, p2).backward()
        state = opt.step()
        tables.append(state)
        row = state.rows[0]
        states.append({k: float(row[k]) for k in ("value", "grad", "m", "v", "m̂", "v̂", "update")})
        xs.append(p1.value)
    return BackpropAnswers(
        x1=float(opts["x1"]),
        x2=float(opts["x2"]),
        lr=float(opts["lr"]),
        L=float(sympy.N(L.value, 30)),
        forward={_ascii(r.node): r.numeric for r in tr.forward},
        forward_exact={_ascii(r.node): sympy.sstr(r.value) for r in tr.forward},
        adjoints={_ascii(r.node): r.numeric for r in tr.reverse},
        dL_dx1=grads["x1"],
        dL_dx2=grads["x2"],
        dL_dx1_exact=exact["x1"],
        dL_dx2_exact=exact["x2"],
        sympy_agrees=bool(agrees),
        adam_x1=xs,
        adam_states=states,
        L_after=float(loss(p1, p2).value) if opts["steps"] else None,
        dot=to_dot(L),
        output=L,
        trace_=tr,
        adam_tables=tables,
    )


def draw_graph(output: Var) -> Any:
    """The computational graph of ``output`` drawn with matplotlib (no Graphviz needed).

    Inputs on the left, each node one column right of its deepest input; a box per node
    with its definition, value and gradient, an arrow per edge. Returns the figure.
    """
    import matplotlib.pyplot as plt

    tr = trace(output)
    grads = {r.var: r.numeric for r in tr.reverse}
    depth: dict[Var, int] = {}
    for row in tr.forward:  # topological order: parents first
        parents = [p for p in row.var.parents if p in depth]
        depth[row.var] = 1 + max((depth[p] for p in parents), default=-1)
    columns: dict[int, list[Var]] = {}
    for var, d in depth.items():
        columns.setdefault(d, []).append(var)
    pos = {v: (2.6 * d, -1.6 * i) for d, vs in columns.items() for i, v in enumerate(vs)}
    fig, ax = plt.subplots(
        figsize=(2.6 * (len(columns) + 0.6), 1.6 * max(map(len, columns.values())) + 1.2)
    )
    for row in tr.forward:
        for parent in row.var.parents:
            if parent in pos:
                ax.annotate(
                    "",
                    xy=pos[row.var],
                    xytext=pos[parent],
                    arrowprops={"arrowstyle": "->", "shrinkA": 28, "shrinkB": 28, "color": "0.4"},
                )
    for row in tr.forward:
        head = row.node if row.op == "input" else f"{row.node} = {row.definition}"
        colour = "#dbe9f6" if row.op == "input" else ("#fde7c8" if row.var is output else "white")
        ax.text(
            *pos[row.var],
            f"{head}\nvalue {row.numeric:.6g}\ngrad {grads[row.var]:.6g}",
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round", "fc": colour, "ec": "0.3"},
        )
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.4, max(xs) + 1.4)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_axis_off()
    ax.set_title("computational graph (inputs left; value and ∂L/∂node in each box)")
    return fig


def render(
    answers: BackpropAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the answers; with ``out``, write ``graph.dot`` and ``graph.png``."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule(f"backprop: L(x) at x = ({a.x1:g}, {a.x2:g})")
    con.print("L(x) = (sin(x1/x2) + x1/x2 - exp(x2)) * (x1/x2 - exp(x2))", markup=False)
    con.rule("1. Computational graph (Graphviz DOT)")
    con.print(a.dot, markup=False, highlight=False)
    _graph_files(con, figs, a, out)
    con.rule("2. Forward trace")
    con.print(a.trace_.forward)
    con.rule("3. Reverse trace (exact: no rounding)")
    con.print(a.trace_.reverse)
    con.print(f"∂L/∂x1 = {a.dL_dx1_exact} = {a.dL_dx1:.16g}", markup=False)
    con.print(f"∂L/∂x2 = {a.dL_dx2_exact} = {a.dL_dx2:.16g}", markup=False)
    con.print(f"SymPy's symbolic derivative agrees exactly: {a.sympy_agrees}", markup=False)
    con.rule(f"4. Adam on x1: lr = {a.lr:g}, betas = (0.9, 0.999), eps = 1e-8")
    for table in a.adam_tables:
        con.print(table)
    if a.adam_x1:
        con.print(
            f"after {len(a.adam_x1)} Adam steps: x1 = {a.adam_x1[-1]:.16g}, L = {a.L_after:.16g} "
            f"(from {a.L:.16g})",
            markup=False,
        )
    figs.report()
    return result


def _graph_files(con: Console, figs: Figures, a: BackpropAnswers, out: Path | None) -> None:
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _write_text(out / "graph.dot", a.dot)
        figs.add(out / "graph.dot")
    if shutil.which("dot") is not None and out is not None:
        figs.add(render_dot(a.output, out / "graph.png"))
        return
    if out is not None:
        con.print(
            "Graphviz's 'dot' is not installed: graph.png is drawn with matplotlib", markup=False
        )
    figs.save(draw_graph(a.output), "graph")


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
        "**1.** Build L(x) = (sin(x₁/x₂) + x₁/x₂ − exp(x₂)) · (x₁/x₂ − exp(x₂)) at "
        "x = (1.5, 0.5) node by node, exactly, and draw its computational graph.",
        "from neyman.autodiff import Var, trace\nfrom neyman.labs.backprop import draw_graph, loss\n\n"
        "x1, x2 = Var(1.5, 'x1', exact=True), Var(0.5, 'x2', exact=True)\nL = loss(x1, x2)\n"
        "draw_graph(L);",
    ),
    (
        "**2.** The forward trace: every intermediate vᵢ, as a closed form and a number.",
        "tr = trace(L)\ntr.forward",
    ),
    (
        "**3.** The reverse trace: every adjoint ∂L/∂vᵢ, exactly; then ∂L/∂x₁ and ∂L/∂x₂.",
        "tr.reverse",
    ),
    (
        "**4.** Two Adam steps on x₁ (learning rate 0.1, x₂ fixed), each step's state.",
        "from neyman.labs.backprop import compute, render\n\nanswers = compute()\nrender(answers);",
    ),
)
