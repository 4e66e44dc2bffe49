"""Lab 6 — backprop: the learning-by-hand exercise, done exactly.

L(x) = (sin(x₁/x₂) + x₁/x₂ − exp(x₂)) · (x₁/x₂ − exp(x₂)) at x = (1.5, 0.5):

1. the computational graph (DOT text, ``graph.dot``, and ``graph.png`` when Graphviz's
   ``dot`` program is installed);
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
from pathlib import Path
from typing import Any

import sympy
from rich.console import Console

from neyman.autodiff import Adam, Var, exp, render, sin, to_dot, trace
from neyman.errors import ConfigError
from neyman.labs._base import LabResult, check_options, lab_console

__all__ = ["NAME", "SUMMARY", "loss", "run"]

NAME = "backprop"
SUMMARY = (
    "Backpropagation by hand on L = (sin(x1/x2) + x1/x2 - exp(x2))(x1/x2 - exp(x2)): "
    "graph, forward and reverse traces (exact), two Adam steps"
)

#: options of ``run`` and their defaults
DEFAULTS: dict[str, Any] = {"x1": 1.5, "x2": 0.5, "lr": 0.1, "steps": 2}


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
    check_options("backprop", options, DEFAULTS)
    opts = {**DEFAULTS, **options}
    for key in ("x1", "x2", "lr"):
        if isinstance(opts[key], bool) or not isinstance(opts[key], int | float):
            msg = f"option '{key}' of lab backprop must be a number, got {opts[key]!r}"
            raise ConfigError(msg)
    if opts["x2"] == 0:
        msg = "option 'x2' of lab backprop must not be 0 (L divides by x2)"
        raise ConfigError(msg)
    if opts["lr"] <= 0:
        msg = f"option 'lr' of lab backprop must be > 0, got {opts['lr']!r}"
        raise ConfigError(msg)
    steps = opts["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 50:
        msg = f"option 'steps' of lab backprop must be an int from 0 to 50, got {steps!r}"
        raise ConfigError(msg)
    return opts


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


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
        Accepted for the common lab interface; this lab is already fast (a few seconds), so
        it changes nothing.
    out : Path, optional
        Directory for ``graph.dot`` (and ``graph.png`` when ``dot`` is installed).
    console : rich Console, optional
        Where to print; a plain console on stdout by default.
    **options
        ``x1`` (1.5), ``x2`` (0.5), ``lr`` (0.1), ``steps`` (2), read as written (exactly).

    Returns
    -------
    LabResult
        ``answers``: ``"L"``, ``"forward"`` (node -> float), ``"forward_exact"`` (node ->
        closed form), ``"adjoints"`` (node -> float), ``"dL_dx1"``, ``"dL_dx2"`` (floats),
        ``"dL_dx1_exact"``, ``"dL_dx2_exact"`` (closed forms), ``"sympy_agrees"``,
        ``"adam_x1"`` (x₁ after each step), ``"adam_states"`` (each step's m, v, m̂, v̂, update
        as floats), ``"files"`` (paths written).
    """
    del quick  # same work either way
    opts = _options(options)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers
    answers["files"] = []

    x1 = Var(opts["x1"], "x1", exact=True)
    x2 = Var(opts["x2"], "x2", exact=True)
    L = loss(x1, x2)

    con.rule(f"backprop: L(x) at x = ({opts['x1']}, {opts['x2']})")
    con.print("L(x) = (sin(x1/x2) + x1/x2 - exp(x2)) * (x1/x2 - exp(x2))", markup=False)

    # 1. the computational graph
    con.rule("1. Computational graph (Graphviz DOT)")
    dot_text = to_dot(L)
    con.print(dot_text, markup=False, highlight=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _write_text(out / "graph.dot", dot_text)
        answers["files"].append(str(out / "graph.dot"))
        if shutil.which("dot") is not None:
            png = render(L, out / "graph.png")
            result.figures.append(png)
            answers["files"].append(str(png))
            con.print(f"wrote {out / 'graph.dot'} and {png}", markup=False)
        else:
            con.print(
                f"wrote {out / 'graph.dot'}; graph.png needs Graphviz's 'dot' "
                "(Debian/Ubuntu: sudo apt-get install graphviz)",
                markup=False,
            )

    # 2 and 3. the traces
    tr = trace(L)
    con.rule("2. Forward trace")
    con.print(tr.forward)
    con.rule("3. Reverse trace (exact: no rounding)")
    con.print(tr.reverse)
    answers["L"] = float(sympy.N(L.value, 30))
    answers["forward"] = {_ascii(r.node): r.numeric for r in tr.forward}
    answers["forward_exact"] = {_ascii(r.node): sympy.sstr(r.value) for r in tr.forward}
    answers["adjoints"] = {_ascii(r.node): r.numeric for r in tr.reverse}

    # the gradient, and SymPy's symbolic derivative of L as an independent check
    s1, s2 = sympy.symbols("x1 x2")
    expr = (sympy.sin(s1 / s2) + s1 / s2 - sympy.exp(s2)) * (s1 / s2 - sympy.exp(s2))
    at = {s1: x1.value, s2: x2.value}
    agrees = True
    for var, sym, key in ((x1, s1, "dL_dx1"), (x2, s2, "dL_dx2")):
        ours = tr.gradient(var)
        theirs = sympy.diff(expr, sym).subs(at)
        agrees = agrees and sympy.simplify(ours - theirs) == 0
        answers[key] = float(sympy.N(ours, 30))
        answers[f"{key}_exact"] = sympy.sstr(ours)
        con.print(f"∂L/∂{var.name} = {sympy.sstr(ours)} = {answers[key]:.16g}", markup=False)
    answers["sympy_agrees"] = bool(agrees)
    con.print(f"SymPy's symbolic derivative agrees exactly: {agrees}", markup=False)

    # 4. Adam on x1 (x2 stays fixed). Float arithmetic, as by hand with a calculator: in
    # exact arithmetic x1 would become a nest of square roots and sines after one step.
    con.rule(f"4. Adam on x1: lr = {opts['lr']}, betas = (0.9, 0.999), eps = 1e-8")
    p1, p2 = Var(float(opts["x1"]), "x1"), Var(float(opts["x2"]), "x2")
    opt = Adam([p1], lr=opts["lr"])
    answers["adam_x1"] = []
    answers["adam_states"] = []
    for _ in range(opts["steps"]):
        opt.zero_grad()
        loss(p1, p2).backward()
        state = opt.step()
        con.print(state)
        row = state.rows[0]
        answers["adam_states"].append(
            {k: float(row[k]) for k in ("value", "grad", "m", "v", "m̂", "v̂", "update")}
        )
        answers["adam_x1"].append(p1.value)
    if opts["steps"]:
        con.print(
            f"after {opts['steps']} Adam steps: x1 = {p1.value:.16g}, "
            f"L = {loss(p1, p2).value:.16g} (from {answers['L']:.16g})",
            markup=False,
        )
    return result
