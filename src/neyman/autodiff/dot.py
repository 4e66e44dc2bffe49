"""Draw a computational graph with Graphviz: DOT text, and PNG/SVG/PDF through ``dot``.

Read ``value.py`` and ``trace.py`` first: nodes carry the same names as in the traces
(``v-1``, ``v0``, ``v1``, ... written in ASCII here so that any font can draw them), and
each is labelled with its definition, its value and its gradient ``∂L/∂v`` with respect to
the node the graph is drawn for.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import sympy

from neyman.autodiff.trace import trace
from neyman.autodiff.value import Scalar, Var

__all__ = ["GraphvizNotFoundError", "render", "to_dot"]

_ASCII = str.maketrans(
    {"₋": "-", "−": "-", "·": "*", **{chr(0x2080 + d): str(d) for d in range(10)}}
)
_FORMATS = ("png", "svg", "pdf")


class GraphvizNotFoundError(FileNotFoundError):
    """The Graphviz ``dot`` program is not installed (or not on ``PATH``)."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _number(value: Scalar, digits: int) -> str:
    """A value for a graph label: closed form and decimal in exact mode, else a decimal."""
    if isinstance(value, sympy.Basic):
        try:
            decimal = f"{float(sympy.N(value, 30)):.{digits}g}"
        except TypeError:  # free symbols: no number to show
            return str(sympy.sstr(value))
        closed = str(sympy.sstr(value))
        if closed == decimal or len(closed) > 40:  # long closed forms would swamp the drawing
            return decimal
        return f"{closed} = {decimal}"
    return f"{float(value):.{digits}g}"


def to_dot(output: Var, *, rankdir: str = "LR", digits: int = 6) -> str:
    """The computational graph of ``output`` in Graphviz DOT.

    Parameters
    ----------
    output : Var
        The node to draw the graph of (typically the loss ``L``).
    rankdir : {"LR", "TB", "RL", "BT"}, default "LR"
        Direction of the drawing (inputs on the left for ``"LR"``).
    digits : int, default 6
        Significant digits of the values and gradients in the labels.

    Returns
    -------
    str
        A ``digraph`` with one box per node (labelled ``name = definition``, ``value``,
        ``grad``), one plain node per constant and an edge from each input of an operation
        to its output. Paste it into any Graphviz viewer or pass it to :func:`render`.

    Examples
    --------
    >>> from neyman.autodiff import Var
    >>> x = Var(2.0, "x")
    >>> print(to_dot(x * x).splitlines()[0])
    digraph computational_graph {
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        msg = f"rankdir must be one of LR, TB, RL, BT; got {rankdir!r}"
        raise ValueError(msg)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        msg = f"digits must be an int from 1 to 17; got {digits!r}"
        raise ValueError(msg)
    tr = trace(output)  # also type-checks output
    node_ids: dict[Var, str] = {}
    lines = [
        "digraph computational_graph {",
        f"  rankdir={rankdir};",
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    grads = {r.var: r.value for r in tr.reverse}
    for k, row in enumerate(tr.forward):
        node_ids[row.var] = f"n{k}"
        head = row.node.translate(_ASCII)
        if row.op == "input":
            head += f" = {row.label}" if row.label else " (input)"
            style = ', style="rounded,filled", fillcolor="#dbe9f6"'
        else:
            head += f" = {row.definition.translate(_ASCII)}"
            style = ', style="rounded,filled", fillcolor="#fde7c8"' if row.var is output else ""
        label = (
            f"{head}\nop: {row.op}\nvalue: {_number(row.value, digits)}\n"
            f"grad: {_number(grads[row.var], digits)}"
        )
        lines.append(f"  n{k} [label={_quote(label)}{style}];")
    n_const = 0
    for node in output.topological_order():
        if node.is_constant:
            node_ids[node] = f"c{n_const}"
            lines.append(
                f"  c{n_const} [label={_quote(_number(node.value, digits))}, shape=plain];"
            )
            n_const += 1
    for row in tr.forward:
        for position, parent in enumerate(row.var.parents):
            attrs = ""
            if len(row.var.parents) == 2 and row.op in ("-", "/", "**"):
                attrs = f" [label={_quote('ab'[position])}]"  # operand order matters
            lines.append(f"  {node_ids[parent]} -> {node_ids[row.var]}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(output: Var, path: str | Path, *, rankdir: str = "LR", digits: int = 6) -> Path:
    """Draw the graph of ``output`` to ``path`` (``.png``, ``.svg`` or ``.pdf``) with Graphviz.

    Parameters
    ----------
    output : Var
        The node to draw the graph of.
    path : str or Path
        The image to write; the suffix chooses the format. Written to a temporary file
        first and renamed, so a failed drawing leaves no partial file.
    rankdir, digits
        As in :func:`to_dot`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    GraphvizNotFoundError
        When the ``dot`` program is not installed; the message says how to install it.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in _FORMATS:
        msg = f"render writes {', '.join(_FORMATS)}; '{path.name}' has no such suffix"
        raise ValueError(msg)
    text = to_dot(output, rankdir=rankdir, digits=digits)
    exe = shutil.which("dot")
    if exe is None:
        msg = (
            "render needs the Graphviz 'dot' program, which is not on PATH: install it "
            "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
            "conda: conda install -c conda-forge graphviz), or save to_dot(L) to a .dot file"
        )
        raise GraphvizNotFoundError(msg)
    tmp = path.with_name(f".{path.name}.tmp")
    done = subprocess.run(  # a fixed argument list, no shell
        [exe, f"-T{fmt}", "-o", str(tmp)],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["no message"])[0]
        msg = f"Graphviz 'dot' failed to draw {path.name}: {reason}"
        raise RuntimeError(msg)
    tmp.replace(path)
    return path
