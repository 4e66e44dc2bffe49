"""Forward and reverse traces of a computational graph, as students write them by hand.

Read ``value.py`` first. The numbering follows Griewank & Walther, *Evaluating Derivatives*
(2008) and Baydin et al., *Automatic differentiation in machine learning: a survey*,
JMLR 18 (2018), arXiv:1502.05767: with ``n`` inputs, the inputs are ``v₁₋ₙ … v₀`` and the
intermediate nodes ``v₁, v₂, …`` in evaluation order. The forward trace lists every
``vᵢ`` with its operation, inputs and value; the reverse trace lists every adjoint
``v̄ᵢ = ∂L/∂vᵢ``, from the output back to the inputs, with the chain-rule sum that gives it.

Python numbers that entered the expression (constants) appear inline and get no ``v``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import sympy
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from neyman.autodiff.value import Scalar, Var

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ForwardRow", "ForwardTrace", "ReverseRow", "ReverseTrace", "Trace", "trace"]

_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_BAR = "\u0304"  # combining macron: v̄


def _subscript(i: int) -> str:
    return str(i).translate(_SUB)


def _numeric(value: Scalar) -> float:
    """The float nearest to ``value`` (NaN for a symbolic value with free symbols)."""
    if isinstance(value, sympy.Basic):
        try:
            return float(sympy.N(value, 30))
        except TypeError:
            return math.nan
    return float(value)


def _show(value: Scalar) -> str:
    """A value as text: the closed form in exact mode, 16 significant digits for floats."""
    if isinstance(value, sympy.Basic):
        return str(sympy.sstr(value))
    return f"{float(value):.16g}"


@dataclass(frozen=True)
class ForwardRow:
    """One line of the forward trace: ``node = definition = value``.

    Attributes
    ----------
    node : str
        The node's name, ``v₋₁``, ``v₀``, ``v₁``, ...
    label : str
        The user's name for an input (``"x1"``), else ``""``.
    op : str
        The operation (``"/"``, ``"sin"``, ...); ``"input"`` for an input.
    inputs : tuple of str
        The names of the operation's inputs (constants as their value).
    definition : str
        The operation applied to its inputs, e.g. ``"v₋₁ / v₀"``.
    value : float or SymPy expression
        The node's value (a closed form in exact mode).
    numeric : float
        ``value`` as a float.
    var : Var
        The node itself.
    """

    node: str
    label: str
    op: str
    inputs: tuple[str, ...]
    definition: str
    value: Scalar
    numeric: float
    var: Var


@dataclass(frozen=True)
class ReverseRow:
    """One line of the reverse trace: ``v̄ = chain-rule sum = value``.

    Attributes
    ----------
    node : str
        The node's name, ``v₆``, ... ``v₋₁``.
    label : str
        The user's name for an input, else ``""``.
    adjoint : str
        The adjoint's symbol, ``"v̄₆"``.
    rule : str
        The chain-rule sum that gives it, e.g. ``"v̄₆·v₄ + v̄₅"``; ``"1"`` for the output.
    value : float or SymPy expression
        ``∂L/∂node`` (a closed form in exact mode).
    numeric : float
        ``value`` as a float.
    var : Var
        The node itself.
    """

    node: str
    label: str
    adjoint: str
    rule: str
    value: Scalar
    numeric: float
    var: Var


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


R = TypeVar("R", bound="ForwardRow | ReverseRow")


class _TraceTable(Generic[R]):
    """Rows of one trace with the shared display: rich table, Markdown, pandas DataFrame."""

    _name = "Trace"

    def __init__(self, rows: list[R], *, exact: bool) -> None:
        self.rows: list[R] = rows
        self.exact = exact
        self.title = self._name + (" (exact)" if exact else "")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[R]:
        return iter(self.rows)

    def __getitem__(self, node: str) -> R:
        """The row of node ``"v₁"`` (or ``"v1"``, or an input's label ``"x1"``)."""
        row: R = _find(self.rows, node)
        return row

    def _header(self) -> list[str]:
        raise NotImplementedError

    def _cells(self) -> list[list[str]]:
        raise NotImplementedError

    def _records(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def to_table(self) -> Table:
        """The trace as a :class:`rich.table.Table`."""
        table = Table(title=self.title, title_justify="left")
        cells = self._cells()
        for k, name in enumerate(self._header()):
            if name in ("numeric", "node", "adjoint"):  # short: never cut a number or a name
                width = max([len(name), *(len(row[k]) for row in cells)])
                if name == "numeric":
                    table.add_column(name, justify="right", no_wrap=True, min_width=width)
                else:
                    table.add_column(name, no_wrap=True, min_width=width)
            else:
                table.add_column(name, overflow="fold")
        for row in cells:
            table.add_row(*(Text(cell) for cell in row))  # Text: brackets are not markup
        return table

    def __rich__(self) -> Table:
        return self.to_table()

    def to_markdown(self) -> str:
        """The trace as a GitHub-flavoured Markdown table."""
        return _markdown(self._header(), self._cells())

    def to_dataframe(self) -> pd.DataFrame:
        """The trace as a :class:`pandas.DataFrame`, one row per node.

        ``value`` holds the exact SymPy value in exact mode, ``numeric`` always a float.
        """
        import pandas as pd

        return pd.DataFrame.from_records(self._records())

    def __str__(self) -> str:
        return self.to_markdown()


class ForwardTrace(_TraceTable[ForwardRow]):
    """Every node in evaluation order with its operation, inputs and value."""

    _name = "Forward trace"

    def _header(self) -> list[str]:
        head = ["node", "label", "definition", "value"]
        return [*head, "numeric"] if self.exact else head

    def _cells(self) -> list[list[str]]:
        out = []
        for r in self.rows:
            cells = [r.node, r.label, r.definition, _show(r.value)]
            out.append([*cells, f"{r.numeric:.16g}"] if self.exact else cells)
        return out

    def _records(self) -> list[dict[str, Any]]:
        return [
            {
                "node": r.node,
                "label": r.label,
                "op": r.op,
                "inputs": r.inputs,
                "definition": r.definition,
                "value": r.value,
                "numeric": r.numeric,
            }
            for r in self.rows
        ]


class ReverseTrace(_TraceTable[ReverseRow]):
    """Every adjoint ``v̄ᵢ = ∂L/∂vᵢ`` from the output back to the inputs."""

    _name = "Reverse trace"

    def _header(self) -> list[str]:
        head = ["adjoint", "label", "chain rule", "value"]
        return [*head, "numeric"] if self.exact else head

    def _cells(self) -> list[list[str]]:
        out = []
        for r in self.rows:
            cells = [r.adjoint, r.label, r.rule, _show(r.value)]
            out.append([*cells, f"{r.numeric:.16g}"] if self.exact else cells)
        return out

    def _records(self) -> list[dict[str, Any]]:
        return [
            {
                "node": r.node,
                "label": r.label,
                "adjoint": r.adjoint,
                "rule": r.rule,
                "value": r.value,
                "numeric": r.numeric,
            }
            for r in self.rows
        ]


def _find(rows: Sequence[ForwardRow | ReverseRow], key: str) -> Any:
    wanted = key.translate(_SUB)
    for r in rows:
        if key in (r.node, r.label) or r.node == wanted:
            return r
    names = ", ".join(r.node + (f" ({r.label})" if r.label else "") for r in rows)
    msg = f"no node '{key}' in this trace (available: {names})"
    raise KeyError(msg)


class Trace:
    """The forward and the reverse trace of one output; print it with rich.

    Attributes
    ----------
    output : Var
        The node the traces are of (``L``).
    forward : ForwardTrace
    reverse : ReverseTrace
    names : dict of Var to str
        The trace name (``"v₁"``) of every non-constant node.
    """

    def __init__(self, output: Var, forward: ForwardTrace, reverse: ReverseTrace) -> None:
        self.output = output
        self.forward = forward
        self.reverse = reverse
        self.names = {r.var: r.node for r in forward.rows}

    @property
    def exact(self) -> bool:
        """True when the traces hold exact SymPy values."""
        return self.forward.exact

    def gradient(self, var: Var) -> Scalar:
        """``∂output/∂var`` for an input or intermediate node ``var`` of the graph."""
        for r in self.reverse.rows:
            if r.var is var:
                return r.value
        msg = f"{var!r} is not a node of this graph; pass one of the Vars the output was built from"
        raise KeyError(msg)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.forward.to_table()
        yield self.reverse.to_table()

    def to_markdown(self) -> str:
        """Both traces as Markdown, each under a level-3 heading."""
        return (
            f"### {self.forward.title}\n\n{self.forward.to_markdown()}\n\n"
            f"### {self.reverse.title}\n\n{self.reverse.to_markdown()}\n"
        )

    def __str__(self) -> str:
        return self.to_markdown()


def _operand(parent: Var, names: dict[Var, str]) -> str:
    return names[parent] if parent in names else _show(parent.value)


def _definition(node: Var, names: dict[Var, str]) -> str:
    ops = [_operand(p, names) for p in node.parents]
    infix = {"+": "+", "-": "−", "*": "·", "/": "/"}
    if node.op in infix:
        return f"{ops[0]} {infix[node.op]} {ops[1]}"
    if node.op == "**":
        return f"{ops[0]}^{ops[1]}"
    if node.op == "neg":
        return f"−{ops[0]}"
    return f"{node.op}({', '.join(ops)})"


def _term(bar: str, local: str) -> str:
    if local == "1":
        return bar
    if local == "-1":
        return f"−{bar}"
    simple = all(ch not in local for ch in " +-·/^")
    return f"{bar}·{local}" if simple else f"{bar}·({local})"


def trace(output: Var) -> Trace:
    """Forward and reverse trace of ``output`` (typically a loss ``L``).

    Computes the adjoints afresh (see :meth:`Var.adjoints`), so no ``.grad`` is changed and
    ``backward`` need not have been called.

    Parameters
    ----------
    output : Var
        The node to differentiate.

    Returns
    -------
    Trace
        ``.forward`` and ``.reverse`` tables, each printable with rich (``console.print``),
        as Markdown (``to_markdown()``) and as a pandas DataFrame (``to_dataframe()``).

    Examples
    --------
    >>> from neyman.autodiff import Var, sin
    >>> x = Var(3, "x", exact=True)
    >>> t = trace(sin(x) * x)
    >>> [r.definition for r in t.forward]
    ['x', 'sin(v₀)', 'v₁ · v₀']
    >>> t.gradient(x)
    3*cos(3) + sin(3)
    """
    if not isinstance(output, Var):
        msg = f"trace needs a Var (the output of a computation), got {type(output).__name__}"
        raise TypeError(msg)
    order = [n for n in output.topological_order() if not n.is_constant]
    inputs = [n for n in order if n.is_leaf]
    names: dict[Var, str] = {}
    for k, node in enumerate(inputs):
        names[node] = "v" + _subscript(k + 1 - len(inputs))
    k = 0
    for node in order:
        if not node.is_leaf:
            k += 1
            names[node] = "v" + _subscript(k)
    order = inputs + [n for n in order if not n.is_leaf]

    forward_rows = []
    for node in order:
        label = node.name or ""
        parents: tuple[str, ...] = ()
        if node.is_leaf:
            op, definition = "input", label or "input"
        else:
            op = node.op
            parents = tuple(_operand(p, names) for p in node.parents)
            definition = _definition(node, names)
        forward_rows.append(
            ForwardRow(
                node=names[node],
                label=label,
                op=op,
                inputs=parents,
                definition=definition,
                value=node.value,
                numeric=_numeric(node.value),
                var=node,
            )
        )

    adjoints = output.adjoints()
    consumers: dict[Var, list[str]] = {node: [] for node in order}
    for child in order:
        out_name = names[child]
        for parent, rule in zip(child.parents, child.local_rules, strict=True):
            if parent.is_constant:
                continue
            local = rule.format(
                a=_operand(child.parents[0], names),
                b=_operand(child.parents[-1], names),
                out=out_name,
            )
            consumers[parent].append(_term("v" + _BAR + _subscript_of(out_name), local))

    reverse_rows = []
    for node in reversed(order):
        name = names[node]
        if node is output:
            rule = "1"
        else:
            rule = " + ".join(consumers[node]).replace("+ −", "− ") or "0"
        reverse_rows.append(
            ReverseRow(
                node=name,
                label=node.name or "",
                adjoint="v" + _BAR + _subscript_of(name),
                rule=rule,
                value=adjoints[node],
                numeric=_numeric(adjoints[node]),
                var=node,
            )
        )
    exact = output.exact
    return Trace(
        output,
        ForwardTrace(forward_rows, exact=exact),
        ReverseTrace(reverse_rows, exact=exact),
    )


def _subscript_of(name: str) -> str:
    return name[1:]
