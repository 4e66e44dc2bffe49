"""Lab backprop: its printed answers against SymPy (exact) and torch (Adam to 1e-12)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sympy
import torch
from rich.console import Console

from neyman.errors import ConfigError
from neyman.labs import backprop, get_lab

X1, X2 = sympy.symbols("x1 x2")
L_SYM = (sympy.sin(X1 / X2) + X1 / X2 - sympy.exp(X2)) * (X1 / X2 - sympy.exp(X2))
AT = {X1: sympy.Rational(3, 2), X2: sympy.Rational(1, 2)}


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("backprop")
    buf = io.StringIO()
    result = backprop.run(quick=True, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def torch_textbook(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    v1 = x1 / x2
    v4 = v1 - torch.exp(x2)
    return (torch.sin(v1) + v4) * v4


def test_registered_as_a_lab() -> None:
    assert get_lab("backprop") is backprop
    assert backprop.NAME == "backprop"
    assert "\n" not in backprop.SUMMARY


def test_gradient_matches_sympy_exactly(lab_run: tuple[Any, str, Path]) -> None:
    result, _, _ = lab_run
    a = result.answers
    for key, sym in (("dL_dx1", X1), ("dL_dx2", X2)):
        expected = sympy.diff(L_SYM, sym).subs(AT)
        closed = sympy.sympify(a[f"{key}_exact"])
        assert sympy.simplify(closed - expected) == 0
        assert a[key] == pytest.approx(float(sympy.N(expected, 30)), rel=1e-15)
    assert a["sympy_agrees"] is True
    assert a["L"] == pytest.approx(float(sympy.N(L_SYM.subs(AT), 30)), rel=1e-15)


def test_forward_trace_matches_sympy(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    half = sympy.Rational(1, 2)
    expected = {
        "v-1": sympy.Rational(3, 2),
        "v0": half,
        "v1": sympy.Integer(3),
        "v2": sympy.sin(3),
        "v3": sympy.exp(half),
        "v4": 3 - sympy.exp(half),
        "v5": sympy.sin(3) + 3 - sympy.exp(half),
        "v6": L_SYM.subs(AT),
    }
    assert list(a["forward"]) == list(expected)
    for node, value in expected.items():
        assert sympy.simplify(sympy.sympify(a["forward_exact"][node]) - value) == 0, node
        assert a["forward"][node] == pytest.approx(float(sympy.N(value, 30)), rel=1e-15)
    assert a["forward_exact"]["v2"] == "sin(3)"
    assert a["forward_exact"]["v3"] == "exp(1/2)"


def test_adjoints_and_adam_steps_match_torch(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    x1 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    torch_textbook(x1, x2).backward()
    assert x1.grad is not None and x2.grad is not None
    assert a["adjoints"]["v-1"] == pytest.approx(x1.grad.item(), rel=0, abs=1e-12)
    assert a["adjoints"]["v0"] == pytest.approx(x2.grad.item(), rel=0, abs=1e-12)

    x1 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(0.5, dtype=torch.float64)
    opt = torch.optim.Adam([x1], lr=0.1)
    assert len(a["adam_x1"]) == 2
    for step in range(2):
        opt.zero_grad()
        torch_textbook(x1, x2).backward()
        opt.step()
        assert a["adam_x1"][step] == pytest.approx(x1.item(), rel=0, abs=1e-12)
        state = opt.state[x1]
        row = a["adam_states"][step]
        assert row["m"] == pytest.approx(state["exp_avg"].item(), rel=0, abs=1e-12)
        assert row["v"] == pytest.approx(state["exp_avg_sq"].item(), rel=0, abs=1e-12)
        t = step + 1
        assert row["m̂"] == pytest.approx(row["m"] / (1 - 0.9**t), rel=1e-14)
        assert row["v̂"] == pytest.approx(row["v"] / (1 - 0.999**t), rel=1e-14)


def test_printed_output_and_files(lab_run: tuple[Any, str, Path]) -> None:
    result, text, out = lab_run
    for needle in (
        "digraph computational_graph",
        "Forward trace (exact)",
        "Reverse trace (exact)",
        "∂L/∂x1 = ",
        "∂L/∂x2 = ",
        "Adam step t=1",
        "Adam step t=2",
        "m̂",
        "v̂",
        "update",
    ):
        assert needle in text, needle
    dot = (out / "graph.dot").read_text()
    assert dot.startswith("digraph computational_graph {")
    assert "v1 = v-1 / v0" in dot
    png = out / "graph.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(result.figures) == sorted([out / "graph.dot", png])
    assert f"figures written to {out}/" in text


def test_without_graphviz_draws_the_graph_with_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backprop.shutil, "which", lambda name: None)
    buf = io.StringIO()
    result = backprop.run(quick=True, out=tmp_path, console=Console(file=buf, width=120), steps=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.dot", "graph.png"]
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in result.figures) == ["graph.dot", "graph.png"]
    assert "drawn with matplotlib" in buf.getvalue()
    assert result.answers["adam_x1"] == []


def test_draw_graph_has_one_box_per_node() -> None:
    import matplotlib.pyplot as plt

    from neyman.autodiff import Var, trace

    L = backprop.loss(Var(1.5, "x1", exact=True), Var(0.5, "x2", exact=True))
    fig = backprop.draw_graph(L)
    texts = [t.get_text() for t in fig.axes[0].texts]
    nodes = list(trace(L).forward)
    boxes = [t for t in texts if t]
    assert len(boxes) == len(nodes) == 8  # x1, x2 and v1 ... v6
    assert {b.split(" = ")[0].split("\n")[0] for b in boxes} == {r.node for r in nodes}
    # one arrow (an annotation without text) per edge between the nodes
    edges = sum(len([p for p in r.var.parents if not p.is_constant]) for r in nodes)
    assert texts.count("") == edges == 10
    plt.close(fig)


def test_without_out_no_file_and_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    buf = io.StringIO()
    result = backprop.run(console=Console(file=buf, width=200), steps=0)
    assert result.figures == []
    assert list(tmp_path.iterdir()) == []
    assert "figures: none written (1 available: graph)" in buf.getvalue()


def test_options_change_the_point_and_bad_options_are_rejected() -> None:
    console = Console(file=io.StringIO())
    result = backprop.run(quick=True, console=console, x1=1.0, x2=2.0, steps=1, lr=0.5)
    at = {X1: 1, X2: 2}
    expected = float(sympy.N(sympy.diff(L_SYM, X1).subs(at), 30))
    assert result.answers["dL_dx1"] == pytest.approx(expected, rel=1e-15)
    sign = 1.0 if expected > 0 else -1.0  # Adam's first step is -lr·sign(g)
    assert result.answers["adam_x1"][0] == pytest.approx(1.0 - 0.5 * sign, abs=1e-7)
    with pytest.raises(ConfigError, match="no option 'setps'; did you mean 'steps'"):
        backprop.run(console=console, setps=3)
    with pytest.raises(ConfigError, match="'lr' of lab backprop must be > 0"):
        backprop.run(console=console, lr=-1)
    with pytest.raises(ConfigError, match="'x2' of lab backprop must not be 0"):
        backprop.run(console=console, x2=0)
    with pytest.raises(ConfigError, match="'steps' of lab backprop must be an int"):
        backprop.run(console=console, steps=2.5)
