"""The scalar node of the reverse-mode engine: :class:`Var`.

Read this file first; ``trace.py``, ``dot.py``, ``optim.py`` and ``nn.py`` build on it.

Every arithmetic operation on :class:`Var` returns a new node that remembers its inputs
(``parents``), the operation's name (``op``) and the *local* partial derivatives
``∂node/∂parent`` evaluated at the forward values. :meth:`Var.backward` orders the graph
topologically and walks it in reverse, accumulating ``node.grad · ∂node/∂parent`` into each
parent: this is the whole of backpropagation (the chain rule, summed over every path).

Two modes share the same code:

- **float mode** (the default): values are Python floats, fast enough for a tiny network;
- **exact mode** (``Var(1.5, exact=True)`` or a SymPy number): values are SymPy expressions,
  so a trace shows closed forms such as ``sin(3)`` or ``exp(1/2)`` with no rounding error.

Modes cannot be mixed inside one graph; Python numbers used as constants adopt the mode of
the :class:`Var` they meet (``0.1`` becomes ``1/10`` in exact mode).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import sympy

__all__ = [
    "Var",
    "cos",
    "exp",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "tanh",
]

#: A node's value: a Python float (float mode) or a SymPy expression (exact mode).
Scalar = Any

_creation = itertools.count()


def _is_exact(value: object) -> bool:
    return isinstance(value, sympy.Basic)


def _to_exact(value: float | sympy.Basic) -> Any:
    """Convert a Python number to SymPy: ints exactly, floats as written (0.1 -> 1/10)."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool | int):
        return sympy.Integer(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"exact mode needs a finite number, got {value!r}"
            raise ValueError(msg)
        return sympy.Rational(repr(value))
    return sympy.Rational(str(value))


def _describe(obj: object) -> str:
    kind = type(obj)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _check_number(value: object, op: str) -> None:
    """Raise TypeError (naming ``op``) unless ``value`` is a real scalar the engine accepts."""
    if not isinstance(value, Real | sympy.Basic):
        msg = (
            f"unsupported operand for '{op}': {_describe(value)}; "
            "autodiff works on scalars: use a Var, a Python int/float or (exact mode) a SymPy number"
        )
        raise TypeError(msg)


# Elementary functions that dispatch on the mode of their argument.
def _f_exp(a: Scalar) -> Scalar:
    if _is_exact(a):
        return sympy.exp(a)
    try:
        return math.exp(a)
    except OverflowError:
        msg = f"exp({a!r}) overflows a float; rescale the input or use exact mode"
        raise OverflowError(msg) from None


def _f_log(a: Scalar) -> Scalar:
    if _is_exact(a):
        return sympy.log(a)
    if a <= 0:
        msg = f"log needs a positive argument, got {a!r}"
        raise ValueError(msg)
    return math.log(a)


def _f_sin(a: Scalar) -> Scalar:
    return sympy.sin(a) if _is_exact(a) else math.sin(a)


def _f_cos(a: Scalar) -> Scalar:
    return sympy.cos(a) if _is_exact(a) else math.cos(a)


def _f_tanh(a: Scalar) -> Scalar:
    return sympy.tanh(a) if _is_exact(a) else math.tanh(a)


def _f_sigmoid(a: Scalar) -> Scalar:
    if _is_exact(a):
        return 1 / (1 + sympy.exp(-a))
    # Two branches so that exp never overflows for large |a|.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    z = math.exp(a)
    return z / (1.0 + z)


def _positive(a: Scalar) -> bool:
    try:
        return bool(a > 0)
    except TypeError:  # a SymPy expression with free symbols has no sign
        msg = f"relu needs a numeric argument to decide its sign, got {a}"
        raise TypeError(msg) from None


class Var:
    """A scalar node of a computational graph.

    Parameters
    ----------
    value : float, int or SymPy number
        The node's value. A SymPy value (or ``exact=True``) selects exact mode.
    name : str, optional
        A label shown in traces and graphs (``"x1"``); defaults to none.
    exact : bool, optional
        Convert a Python number to an exact SymPy number (``1.5 -> 3/2``, ``0.1 -> 1/10``).
        Default: exact if and only if ``value`` is already a SymPy object.

    Attributes
    ----------
    value : float or SymPy expression
        The forward value.
    grad : float or SymPy expression
        ``∂L/∂self`` after ``L.backward()``; starts at zero. Inputs (leaves) accumulate over
        several ``backward`` calls, as in PyTorch; call ``zero_grad`` between steps.
    op : str
        The operation that produced the node (``"+"``, ``"sin"``, ...); ``""`` for an input
        and ``"const"`` for a Python number that entered an expression.
    parents : tuple of Var
        The operation's inputs, in order.
    local_grads : tuple
        ``∂self/∂parent`` for each parent, evaluated at the forward values.
    local_rules : tuple of str
        The same derivatives spelled as formulas in ``{a}``, ``{b}`` (the parents) and
        ``{out}`` (this node), for the reverse trace: ``"cos({a})"`` for ``sin``.

    Examples
    --------
    >>> x = Var(2.0, "x")
    >>> y = x * x + x.sin()
    >>> y.backward()
    >>> round(x.grad, 12) == round(2 * 2.0 + math.cos(2.0), 12)
    True
    >>> Var(1.5, exact=True) / Var(0.5, exact=True)
    Var(3, op='/')
    """

    __slots__ = ("_id", "grad", "local_grads", "local_rules", "name", "op", "parents", "value")
    # Make NumPy hand `array + Var` back to Var.__radd__ (which raises TypeError) instead of
    # broadcasting the Var into an object array.
    __array_ufunc__ = None

    value: Scalar
    grad: Scalar
    op: str
    parents: tuple[Var, ...]
    local_grads: tuple[Scalar, ...]
    local_rules: tuple[str, ...]
    name: str | None

    def __init__(
        self, value: float | sympy.Basic, name: str | None = None, *, exact: bool | None = None
    ) -> None:
        if isinstance(value, Var):
            msg = "Var(Var) is not allowed; use the Var itself"
            raise TypeError(msg)
        _check_number(value, "Var")
        if name is not None and not isinstance(name, str):
            msg = f"the name of a Var must be a str, got {_describe(name)}"
            raise TypeError(msg)
        if exact is None:
            exact = _is_exact(value)
        if exact:
            self.value = _to_exact(value)
        elif isinstance(value, sympy.Basic):
            msg = "a SymPy value needs exact mode; drop exact=False or pass float(value)"
            raise TypeError(msg)
        else:
            self.value = float(value)
        self.grad = sympy.Integer(0) if exact else 0.0
        self.name = name
        self.op = ""
        self.parents = ()
        self.local_grads = ()
        self.local_rules = ()
        self._id = next(_creation)

    # ----------------------------------------------------------------- construction
    @property
    def exact(self) -> bool:
        """True for an exact (SymPy) node, False for a float node."""
        return _is_exact(self.value)

    @property
    def is_leaf(self) -> bool:
        """True for an input or a constant (a node no operation produced)."""
        return not self.parents

    @property
    def is_constant(self) -> bool:
        """True for a Python number that was wrapped when it entered an expression."""
        return self.op == "const"

    @classmethod
    def _node(
        cls,
        value: Scalar,
        op: str,
        parents: tuple[Var, ...],
        local_grads: tuple[Scalar, ...],
        rules: tuple[str, ...],
    ) -> Var:
        """A node produced by ``op``; ``rules`` spell each local derivative for the traces."""
        node = cls.__new__(cls)
        node.value = value
        node.grad = sympy.Integer(0) if _is_exact(value) else 0.0
        node.name = None
        node.op = op
        node.parents = parents
        node.local_grads = local_grads
        node.local_rules = rules
        node._id = next(_creation)
        return node

    def _lift(self, other: object, op: str) -> Var:
        """Return ``other`` as a Var of this node's mode, or raise TypeError naming ``op``."""
        if isinstance(other, Var):
            if other.exact != self.exact:
                msg = (
                    f"cannot mix exact and float Vars in '{op}'; "
                    "create every input with the same exact= setting"
                )
                raise TypeError(msg)
            return other
        _check_number(other, op)
        if self.exact:
            const = Var(_to_exact(other), exact=True)
        elif isinstance(other, sympy.Basic):
            msg = (
                f"cannot combine a SymPy number with a float Var in '{op}'; "
                "use exact=True for every input"
            )
            raise TypeError(msg)
        else:
            const = Var(float(other))  # type: ignore[arg-type]
        const.op = "const"
        return const

    # ---------------------------------------------------------------- binary operators
    def __add__(self, other: object) -> Var:
        o = self._lift(other, "+")
        return Var._node(self.value + o.value, "+", (self, o), (1, 1), ("1", "1"))

    def __radd__(self, other: object) -> Var:
        return self._lift(other, "+") + self

    def __sub__(self, other: object) -> Var:
        o = self._lift(other, "-")
        return Var._node(self.value - o.value, "-", (self, o), (1, -1), ("1", "-1"))

    def __rsub__(self, other: object) -> Var:
        return self._lift(other, "-") - self

    def __mul__(self, other: object) -> Var:
        o = self._lift(other, "*")
        return Var._node(
            self.value * o.value, "*", (self, o), (o.value, self.value), ("{b}", "{a}")
        )

    def __rmul__(self, other: object) -> Var:
        return self._lift(other, "*") * self

    def __truediv__(self, other: object) -> Var:
        o = self._lift(other, "/")
        a, b = self.value, o.value
        if b == 0:
            msg = "division by zero in '/': the denominator's value is 0"
            raise ZeroDivisionError(msg)
        return Var._node(a / b, "/", (self, o), (1 / b, -a / (b * b)), ("1/{b}", "-{a}/{b}²"))

    def __rtruediv__(self, other: object) -> Var:
        return self._lift(other, "/") / self

    def __pow__(self, other: object) -> Var:
        o = self._lift(other, "**")
        a, b = self.value, o.value
        if self.exact:
            out = a**b
            d_b = out * sympy.log(a) if not o.is_constant else sympy.Integer(0)
        else:
            try:
                raw = a**b
            except ZeroDivisionError:
                msg = f"0.0 ** {b!r} divides by zero in '**'"
                raise ZeroDivisionError(msg) from None
            if isinstance(raw, complex):
                msg = f"'**' of a negative base {a!r} to a non-integer power {b!r} is complex"
                raise ValueError(msg)
            out = float(raw)
            # ∂(a**b)/∂b = a**b log a: defined for a > 0, taken as 0 at a = 0 (as PyTorch
            # does), NaN for a < 0; a constant exponent needs none.
            if o.is_constant or (a == 0 and b >= 0):
                d_b = 0.0
            else:
                d_b = out * math.log(a) if a > 0 else math.nan
        try:
            d_a = b * a ** (b - 1) if b != 0 else 0 * b
        except ZeroDivisionError:  # d(a**b)/da at a = 0 for 0 < b < 1 is infinite
            d_a = math.inf
        return Var._node(out, "**", (self, o), (d_a, d_b), ("{b}·{a}^({b}-1)", "{out}·log({a})"))

    def __rpow__(self, other: object) -> Var:
        return self._lift(other, "**") ** self

    def __neg__(self) -> Var:
        return Var._node(-self.value, "neg", (self,), (-1,), ("-1",))

    def __pos__(self) -> Var:
        return self

    # ------------------------------------------------------------------ unary functions
    def exp(self) -> Var:
        """``exp(self)``; its derivative is the node's own value."""
        out = _f_exp(self.value)
        return Var._node(out, "exp", (self,), (out,), ("{out}",))

    def log(self) -> Var:
        """Natural logarithm; float mode needs a positive value."""
        return Var._node(_f_log(self.value), "log", (self,), (1 / self.value,), ("1/{a}",))

    def sin(self) -> Var:
        """``sin(self)``, radians."""
        a = self.value
        return Var._node(_f_sin(a), "sin", (self,), (_f_cos(a),), ("cos({a})",))

    def cos(self) -> Var:
        """``cos(self)``, radians."""
        a = self.value
        return Var._node(_f_cos(a), "cos", (self,), (-_f_sin(a),), ("-sin({a})",))

    def tanh(self) -> Var:
        """Hyperbolic tangent; derivative ``1 - tanh²``."""
        out = _f_tanh(self.value)
        return Var._node(out, "tanh", (self,), (1 - out * out,), ("1-{out}²",))

    def sigmoid(self) -> Var:
        """Logistic function ``1 / (1 + exp(-self))``; derivative ``σ(1 - σ)``."""
        out = _f_sigmoid(self.value)
        return Var._node(out, "sigmoid", (self,), (out * (1 - out),), ("{out}·(1-{out})",))

    def relu(self) -> Var:
        """``max(0, self)``; the derivative at 0 is taken as 0 (as in PyTorch)."""
        pos = _positive(self.value)
        zero = sympy.Integer(0) if self.exact else 0.0
        one = sympy.Integer(1) if self.exact else 1.0
        out = self.value if pos else zero
        return Var._node(out, "relu", (self,), (one if pos else zero,), ("[{a}>0]",))

    # ---------------------------------------------------------------------- backward
    def topological_order(self) -> list[Var]:
        """Every node this one depends on (itself included), each after all its parents.

        The order is the evaluation order: nodes are sorted by when they were created,
        which is a topological order because an operation's inputs exist before its output.
        """
        seen: set[int] = set()
        nodes: list[Var] = []
        stack: list[Var] = [self]
        while stack:  # iterative depth-first search: deep graphs do not hit the recursion limit
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            nodes.append(node)
            stack.extend(node.parents)
        nodes.sort(key=lambda n: n._id)
        return nodes

    def adjoints(self) -> dict[Var, Scalar]:
        """``∂self/∂v`` for every node ``v`` of the graph, without touching any ``.grad``.

        Reverse accumulation: seed ``v̄ = 1`` at this node, then walk the graph in reverse
        topological order adding ``v̄_child · ∂child/∂parent`` to each parent; a node used
        twice receives one contribution per use.
        """
        order = self.topological_order()
        zero = sympy.Integer(0) if self.exact else 0.0
        adj: dict[Var, Scalar] = {node: zero for node in order}
        adj[self] = sympy.Integer(1) if self.exact else 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                adj[parent] = adj[parent] + adj[node] * local
        return adj

    def backward(self) -> None:
        """Fill ``.grad`` of every node with ``∂self/∂node``.

        Interior nodes get this backward pass's adjoint; inputs (leaves) *accumulate* it, so
        that gradients of several outputs add up as in PyTorch. Call ``zero_grad`` (of an
        optimizer or :class:`~neyman.autodiff.nn.MLP`) before the next step.
        """
        for node, adjoint in self.adjoints().items():
            if node.is_leaf:
                node.grad = node.grad + adjoint
            else:
                node.grad = adjoint

    def zero_grad(self) -> None:
        """Set ``.grad`` to zero on this node and every node it depends on."""
        for node in self.topological_order():
            node.grad = sympy.Integer(0) if node.exact else 0.0

    # ----------------------------------------------------------------------- display
    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        parts = [f"Var({self.value}"]
        if self.name is not None:
            parts.append(f"name={self.name!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        grad = self.grad
        if grad != 0:
            parts.append(f"grad={grad}")
        return ", ".join(parts) + ")"

    def __bool__(self) -> bool:
        msg = (
            "the truth value of a Var is ambiguous (it would cut the graph); "
            "compare var.value instead"
        )
        raise TypeError(msg)


def _apply(x: object, op: str) -> Var:
    if not isinstance(x, Var):
        _check_number(x, op)
        x = Var(x)
    method: Callable[[], Var] = getattr(x, op)
    return method()


def exp(x: Var | float) -> Var:
    """``exp(x)`` as a node; a Python number becomes a float input."""
    return _apply(x, "exp")


def log(x: Var | float) -> Var:
    """Natural logarithm of ``x`` as a node."""
    return _apply(x, "log")


def sin(x: Var | float) -> Var:
    """``sin(x)`` as a node, radians."""
    return _apply(x, "sin")


def cos(x: Var | float) -> Var:
    """``cos(x)`` as a node, radians."""
    return _apply(x, "cos")


def tanh(x: Var | float) -> Var:
    """``tanh(x)`` as a node."""
    return _apply(x, "tanh")


def sigmoid(x: Var | float) -> Var:
    """``1 / (1 + exp(-x))`` as a node."""
    return _apply(x, "sigmoid")


def relu(x: Var | float) -> Var:
    """``max(0, x)`` as a node."""
    return _apply(x, "relu")
