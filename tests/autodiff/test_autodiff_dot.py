"""Graphviz output: DOT text content, and render() with and without the dot program."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from neyman.autodiff import GraphvizNotFoundError, Var, render, to_dot
from neyman.autodiff import dot as dot_module

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_to_dot_has_one_box_per_node_and_an_edge_per_input(
    exact_inputs: tuple[Var, Var], textbook: Callable[..., Any]
) -> None:
    text = to_dot(textbook(*exact_inputs))
    assert text.startswith("digraph computational_graph {\n  rankdir=LR;")
    assert text.rstrip().endswith("}")
    nodes = re.findall(r"^  (n\d+) \[label=\"(.*?)\"", text, flags=re.M)
    assert len(nodes) == 8  # 2 inputs + 6 operations
    labels = dict(nodes)
    assert labels["n0"].startswith("v-1 = x1\\nop: input\\nvalue: 3/2 = 1.5\\ngrad: 3.01184")
    assert (
        labels["n3"]
        == "v2 = sin(v1)\\nop: sin\\nvalue: sin(3) = 0.14112\\ngrad: 3 - exp(1/2) = 1.35128"
    )
    assert "v6 = v5 * v4\\nop: *" in labels["n7"]
    edges = re.findall(r"^  (\w+) -> (\w+)", text, flags=re.M)
    assert len(edges) == 10  # / and - have 2 inputs each, + and * too, sin and exp one each
    assert ("n0", "n2") in edges
    assert ("n1", "n2") in edges
    assert ("n6", "n7") in edges  # v5 -> v6
    assert ("n5", "n7") in edges  # v4 feeds both v5 and v6
    assert ("n5", "n6") in edges
    assert '  n0 -> n2 [label="a"];' in text  # operand order is marked for x1 / x2


def test_to_dot_float_mode_constants_and_options() -> None:
    x = Var(2.0, "x")
    text = to_dot(x * 3.0 - 1.0, rankdir="TB", digits=3)
    assert "rankdir=TB;" in text
    assert 'c0 [label="3", shape=plain];' in text
    assert 'c1 [label="1", shape=plain];' in text
    assert "c0 -> n1;" in text
    assert "grad: 3" in text  # d(3x - 1)/dx
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(x, rankdir="up")
    with pytest.raises(ValueError, match="digits"):
        to_dot(x, digits=0)
    with pytest.raises(TypeError, match="trace needs a Var"):
        to_dot("x")  # type: ignore[arg-type]


def test_to_dot_escapes_quotes_in_names() -> None:
    x = Var(1.0, 'say "hi"')
    assert 'v0 = say \\"hi\\"' in to_dot(x + 1)


def test_render_without_dot_says_how_to_install_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    target = tmp_path / "graph.png"
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as info:
        render(Var(1.0) * 2, target)
    assert isinstance(info.value, FileNotFoundError)
    assert "'dot'" in str(info.value)
    assert not target.exists()


def test_render_rejects_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="png, svg, pdf"):
        render(Var(1.0) * 2, tmp_path / "graph.jpeg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_writes_a_png(
    tmp_path: Path, exact_inputs: tuple[Var, Var], textbook: Callable[..., Any]
) -> None:
    out = render(textbook(*exact_inputs), tmp_path / "graph.png")
    assert out == tmp_path / "graph.png"
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png"]  # no temp file left


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_svg_contains_the_labels(tmp_path: Path) -> None:
    x = Var(2.0, "x")
    svg = render(x.sin(), str(tmp_path / "g.svg")).read_text()
    assert "<svg" in svg
    assert "sin(v0)" in svg
