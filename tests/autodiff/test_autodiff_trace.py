"""The textbook exercise: forward trace, reverse trace and gradient, exactly, vs SymPy."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
import sympy
from rich.console import Console

from neyman.autodiff import Var, exp, relu, sin, trace
from neyman.autodiff.trace import ForwardTrace, ReverseTrace

HALF, THREE_HALVES = sympy.Rational(1, 2), sympy.Rational(3, 2)


def same(a: Any, b: Any) -> bool:
    """Exactly equal: the difference simplifies to zero (and is 0 to 50 digits)."""
    diff = sympy.sympify(a) - sympy.sympify(b)
    return bool(sympy.simplify(diff) == 0 and abs(sympy.N(diff, 50)) < sympy.Float("1e-45"))


def sympy_nodes(override: int | None = None) -> tuple[dict[int, Any], sympy.Symbol]:
    """The textbook graph in SymPy at x = (3/2, 1/2), with node ``override`` replaced by t."""
    t = sympy.Symbol("t")
    v: dict[int, Any] = {}
    steps = {
        -1: lambda: THREE_HALVES,
        0: lambda: HALF,
        1: lambda: v[-1] / v[0],
        2: lambda: sympy.sin(v[1]),
        3: lambda: sympy.exp(v[0]),
        4: lambda: v[1] - v[3],
        5: lambda: v[2] + v[4],
        6: lambda: v[5] * v[4],
    }
    for k, step in steps.items():
        v[k] = t if k == override else step()
    return v, t


def test_forward_trace_values_are_exact(
    exact_inputs: tuple[Var, Var], textbook: Callable[..., Any]
) -> None:
    x1, x2 = exact_inputs
    tr = trace(textbook(x1, x2))
    expected, _ = sympy_nodes()
    assert [r.node for r in tr.forward] == ["v₋₁", "v₀", "v₁", "v₂", "v₃", "v₄", "v₅", "v₆"]
    assert [r.definition for r in tr.forward] == [
        "x1",
        "x2",
        "v₋₁ / v₀",
        "sin(v₁)",
        "exp(v₀)",
        "v₁ − v₃",
        "v₂ + v₄",
        "v₅ · v₄",
    ]
    assert [r.op for r in tr.forward] == ["input", "input", "/", "sin", "exp", "-", "+", "*"]
    assert tr.forward["v₃"].inputs == ("v₀",)
    for k, row in zip(range(-1, 7), tr.forward, strict=True):
        assert same(row.value, expected[k]), row.node
        assert row.numeric == pytest.approx(float(expected[k]), rel=1e-15)
    assert tr.forward["v1"].value == 3  # closed forms, no rounding
    assert tr.forward["v2"].value == sympy.sin(3)
    assert tr.forward["v3"].value == sympy.exp(HALF)


def test_reverse_trace_adjoints_are_exact_partial_derivatives(
    exact_inputs: tuple[Var, Var], textbook: Callable[..., Any]
) -> None:
    x1, x2 = exact_inputs
    tr = trace(textbook(x1, x2))
    assert [r.node for r in tr.reverse] == ["v₆", "v₅", "v₄", "v₃", "v₂", "v₁", "v₀", "v₋₁"]
    for row in tr.reverse:
        k = int(row.node[1:].translate(str.maketrans("₋₀₁₂₃₄₅₆", "-0123456")))
        values, _ = sympy_nodes()
        v, t = sympy_nodes(override=k)
        expected = sympy.diff(v[6], t).subs(t, values[k])  # ∂L/∂v_k through every path
        assert same(row.value, expected), row.node
    assert tr.reverse["v₄"].rule == "v̄₅ + v̄₆·v₅"  # v4 is used twice: two contributions
    assert tr.reverse["v₀"].rule == "v̄₁·(-v₋₁/v₀²) + v̄₃·v₃"
    assert tr.reverse["v₆"].rule == "1"


def test_gradient_matches_sympy_symbolic_derivative(
    exact_inputs: tuple[Var, Var],
    textbook: Callable[..., Any],
    sympy_L: tuple[Any, sympy.Symbol, sympy.Symbol],
) -> None:
    expr, s1, s2 = sympy_L
    at = {s1: THREE_HALVES, s2: HALF}
    x1, x2 = exact_inputs
    L = textbook(x1, x2)
    assert same(L.value, expr.subs(at))
    L.backward()
    assert same(x1.grad, sympy.diff(expr, s1).subs(at))
    assert same(x2.grad, sympy.diff(expr, s2).subs(at))
    tr = trace(L)
    assert tr.gradient(x1) == x1.grad
    assert tr.gradient(x2) == x2.grad
    assert float(x1.grad) == pytest.approx(3.011843327673907, rel=1e-15)
    assert float(x2.grad) == pytest.approx(-13.72396150931407, rel=1e-15)


def test_trace_does_not_touch_grads(
    exact_inputs: tuple[Var, Var], textbook: Callable[..., Any]
) -> None:
    x1, x2 = exact_inputs
    trace(textbook(x1, x2))
    assert x1.grad == 0
    assert x2.grad == 0


def test_float_trace_matches_exact_trace(
    exact_inputs: tuple[Var, Var], textbook: Callable[..., Any]
) -> None:
    exact = trace(textbook(*exact_inputs))
    fl = trace(textbook(Var(1.5, "x1"), Var(0.5, "x2")))
    assert not fl.exact
    for a, b in zip(exact.forward, fl.forward, strict=True):
        assert b.value == pytest.approx(a.numeric, rel=1e-14, abs=1e-15)
    for a, b in zip(exact.reverse, fl.reverse, strict=True):
        assert b.value == pytest.approx(a.numeric, rel=1e-13, abs=1e-14)


def test_trace_prints_as_rich_markdown_and_dataframe(
    exact_inputs: tuple[Var, Var],
    textbook: Callable[..., Any],
    sympy_L: tuple[Any, sympy.Symbol, sympy.Symbol],
) -> None:
    tr = trace(textbook(*exact_inputs))
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(tr)
    text = buf.getvalue()
    assert "Forward trace (exact)" in text
    assert "Reverse trace (exact)" in text
    assert "exp(1/2)" in text
    assert "sin(3)" in text
    assert "v̄₋₁" in text

    md = tr.to_markdown()
    assert md.startswith("### Forward trace (exact)")
    lines = tr.forward.to_markdown().splitlines()
    assert lines[0] == "| node | label | definition | value | numeric |"
    assert lines[5] == "| v₂ |  | sin(v₁) | sin(3) | 0.1411200080598672 |"
    assert len(lines) == 2 + 8
    assert str(tr.reverse) == tr.reverse.to_markdown()

    df = tr.forward.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["node", "label", "op", "inputs", "definition", "value", "numeric"]
    expr, s1, s2 = sympy_L  # L at (x1, x2) = (3/2, 1/2), from SymPy
    assert df["numeric"].iloc[-1] == pytest.approx(float(expr.subs({s1: 1.5, s2: 0.5})), rel=1e-15)
    rdf = tr.reverse.to_dataframe()
    assert list(rdf["node"]) == [r.node for r in tr.reverse]
    assert rdf.set_index("label").loc["x1", "value"] == tr.gradient(exact_inputs[0])


def test_constants_appear_inline_and_get_no_node() -> None:
    x = Var(2.0, "x")
    tr = trace(exp(x * 3.0) - 1)
    assert [r.definition for r in tr.forward] == ["x", "v₀ · 3", "exp(v₁)", "v₂ − 1"]
    assert tr.reverse["v0"].rule == "v̄₁·3"


def test_float_tables_have_no_numeric_column() -> None:
    tr = trace(sin(Var(1.0, "x")))
    assert isinstance(tr.forward, ForwardTrace)
    assert isinstance(tr.reverse, ReverseTrace)
    assert tr.forward.to_markdown().splitlines()[0] == "| node | label | definition | value |"
    assert len(tr.forward) == 2


def test_lookup_errors_name_the_available_nodes() -> None:
    x = Var(1.0, "x")
    tr = trace(sin(x))
    with pytest.raises(KeyError, match="no node 'v7'.*available: v₀ \\(x\\), v₁"):
        tr.forward["v7"]
    with pytest.raises(KeyError, match="not a node of this graph"):
        tr.gradient(Var(2.0))
    with pytest.raises(TypeError, match="trace needs a Var"):
        trace(1.0)  # type: ignore[arg-type]


def test_inputs_are_numbered_like_griewank() -> None:
    a, b, c = Var(1.0, "a"), Var(2.0, "b"), Var(3.0, "c")
    tr = trace(a * b + c)
    assert [r.node for r in tr.forward][:3] == ["v₋₂", "v₋₁", "v₀"]
    assert tr.forward["c"].node == "v₀"


def test_exp_used_in_exact_mode_shows_the_closed_form() -> None:
    x = Var(1, exact=True)
    tr = trace(exp(x / 2))
    assert sympy.sstr(tr.forward.rows[-1].value) == "exp(1/2)"


def test_rich_tables_keep_brackets_literal() -> None:
    x = Var(1.0, "x[0]")
    tr = trace(relu(x) * 2)
    assert tr.reverse["v0"].rule == "v̄₁·[v₀>0]"
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(tr)
    text = buf.getvalue()
    assert "v̄₁·[v₀>0]" in text  # not swallowed as rich markup
    assert "x[0]" in text
