"""Optimisers over :class:`~neyman.autodiff.value.Var` parameters, with printable state.

Read ``value.py`` first. Each optimiser updates the *values* of leaf ``Var``s in place from
their ``.grad`` (as ``torch.optim`` does), so a training step is: build the graph, call
``loss.backward()``, call ``opt.step()``, call ``opt.zero_grad()``. ``step()`` returns a
:class:`StepState` holding every quantity of the update, printable as a rich table, as
Markdown or as a pandas DataFrame, so a hand calculation can be checked line by line.

The update rules are those of PyTorch (``torch.optim.SGD`` with ``dampening=0`` and
``torch.optim.Adam`` without weight decay): Kingma & Ba, *Adam: a method for stochastic
optimization*, ICLR 2015, arXiv:1412.6980. Exact-mode parameters are updated exactly, with
the hyperparameters read as written (``lr=0.1`` becomes ``1/10``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Real
from typing import TYPE_CHECKING, Any

import sympy
from rich.table import Table
from rich.text import Text

from neyman.autodiff.value import Scalar, Var, _to_exact

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SGD", "Adam", "Optimizer", "StepState"]


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, sympy.Basic):
        value = sympy.N(value, 30)
    return f"{float(value):.16g}"


@dataclass
class StepState:
    """Everything one optimiser step computed, one row per parameter.

    Attributes
    ----------
    optimizer : str
        ``"SGD"``, ``"SGD(momentum)"`` or ``"Adam"``.
    t : int
        The step number, from 1.
    columns : tuple of str
        The row keys in display order, e.g. ``("param", "value", "grad", "m", "v", "m̂",
        "v̂", "update", "new value")`` for Adam.
    rows : list of dict
        One dict per parameter; numbers are floats, or SymPy values in exact mode.
    """

    optimizer: str
    t: int
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """``"Adam step t=1"``."""
        return f"{self.optimizer} step t={self.t}"

    def to_table(self) -> Table:
        """The step as a :class:`rich.table.Table`, one row per quantity, a column per parameter.

        Written the way a step is worked by hand (value, grad, m, v, ... downwards); exact
        values are shown to 16 significant digits.
        """
        table = Table(title=self.title, title_justify="left")
        table.add_column("quantity", no_wrap=True)
        for row in self.rows:
            table.add_column(Text(str(row["param"])), justify="right", no_wrap=True)
        for name in self.columns[1:]:
            table.add_row(name, *(Text(_fmt(row[name])) for row in self.rows))  # no markup
        return table

    def __rich__(self) -> Table:
        return self.to_table()

    def to_markdown(self) -> str:
        """The step as a Markdown table."""
        lines = [
            "| " + " | ".join(self.columns) + " |",
            "|" + "|".join("---" for _ in self.columns) + "|",
        ]
        lines += ["| " + " | ".join(_fmt(r[c]) for c in self.columns) + " |" for r in self.rows]
        return "\n".join(lines)

    def to_dataframe(self) -> pd.DataFrame:
        """The step as a :class:`pandas.DataFrame`, one row per parameter."""
        import pandas as pd

        return pd.DataFrame.from_records(self.rows, columns=list(self.columns))

    def __str__(self) -> str:
        return f"{self.title}\n{self.to_markdown()}"


def _check_real(owner: str, name: str, value: object, *, low: float, strict: bool) -> None:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok:
        ok = float(value) > low if strict else float(value) >= low  # type: ignore[arg-type]
    if not ok:
        bound = f"> {low:g}" if strict else f">= {low:g}"
        msg = f"The '{name}' parameter of {owner} must be a float {bound}. Got {value!r} instead."
        raise ValueError(msg)


class Optimizer:
    """Base class: holds the parameters, counts steps, records every step's state.

    Parameters
    ----------
    params : iterable of Var
        The leaf ``Var``s to update (inputs or weights, not results of operations).
    lr : float
        Learning rate, > 0.

    Attributes
    ----------
    params : list of Var
    t : int
        Steps taken so far.
    history : list of StepState
        The state of every step taken.
    """

    name = "Optimizer"

    def __init__(self, params: Iterable[Var], lr: float) -> None:
        if isinstance(params, Var):
            msg = f"{type(self).__name__} needs an iterable of Vars; wrap a single one: [x]"
            raise TypeError(msg)
        self.params = list(params)
        if not self.params:
            msg = f"{type(self).__name__} got no parameters; pass a non-empty list of Vars"
            raise ValueError(msg)
        for i, p in enumerate(self.params):
            if not isinstance(p, Var):
                msg = f"parameter {i} of {type(self).__name__} is a {type(p).__name__}, not a Var"
                raise TypeError(msg)
            if not p.is_leaf or p.is_constant:
                msg = (
                    f"parameter {i} of {type(self).__name__} is the result of '{p.op}'; "
                    "optimisers update inputs (Vars you created), not computed nodes"
                )
                raise ValueError(msg)
        _check_real(type(self).__name__, "lr", lr, low=0.0, strict=True)
        self.lr = lr
        self.t = 0
        self.history: list[StepState] = []

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to zero (call it between steps)."""
        for p in self.params:
            p.grad = sympy.Integer(0) if p.exact else 0.0

    def _columns(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _update(self, i: int, p: Var) -> dict[str, Any]:
        """Compute parameter ``i``'s row (which must hold ``"update"``)."""
        raise NotImplementedError

    def step(self) -> StepState:
        """Update every parameter from its ``.grad``; return what was computed."""
        self.t += 1
        state = StepState(self.name, self.t, self._columns())
        for i, p in enumerate(self.params):
            row: dict[str, Any] = {"param": p.name or f"p{i}", "value": p.value, "grad": p.grad}
            row.update(self._update(i, p))
            p.value = p.value + row["update"]
            row["new value"] = p.value
            state.rows.append(row)
        self.history.append(state)
        return state

    @staticmethod
    def _const(p: Var, value: float) -> Scalar:
        """A hyperparameter in the parameter's mode (exact: read as written, 0.1 -> 1/10)."""
        return _to_exact(value) if p.exact else float(value)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's rule).

    Without momentum, ``update = -lr·g``. With momentum ``μ``, a buffer ``m`` starts at the
    first gradient and then follows ``m ← μ·m + g``; ``update = -lr·m``.

    Parameters
    ----------
    params : iterable of Var
        Leaf ``Var``s to update.
    lr : float, default 1e-3
        Learning rate, > 0.
    momentum : float, default 0
        Momentum ``μ``, >= 0.

    Examples
    --------
    >>> x = Var(2.0, "x")
    >>> opt = SGD([x], lr=0.1)
    >>> (x * x).backward()
    >>> opt.step().rows[0]["update"]
    -0.4
    """

    def __init__(self, params: Iterable[Var], lr: float = 1e-3, *, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        _check_real("SGD", "momentum", momentum, low=0.0, strict=False)
        self.momentum = momentum
        self.name = "SGD(momentum)" if momentum else "SGD"
        self.m: list[Scalar | None] = [None] * len(self.params)

    def _columns(self) -> tuple[str, ...]:
        mid = ("m",) if self.momentum else ()
        return ("param", "value", "grad", *mid, "update", "new value")

    def _update(self, i: int, p: Var) -> dict[str, Any]:
        g, lr = p.grad, self._const(p, self.lr)
        if not self.momentum:
            return {"update": -lr * g}
        prev = self.m[i]
        m = g if prev is None else self._const(p, self.momentum) * prev + g
        self.m[i] = m
        return {"m": m, "update": -lr * m}


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba 2015, arXiv:1412.6980; PyTorch's rule).

    At step ``t`` with gradient ``g``::

        m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ)               v̂ = v / (1 − β₂ᵗ)
        update = −lr · m̂ / (√v̂ + ε)

    Parameters
    ----------
    params : iterable of Var
        Leaf ``Var``s to update.
    lr : float, default 1e-3
        Learning rate, > 0.
    betas : (float, float), default (0.9, 0.999)
        Decay rates ``β₁, β₂`` of the moment estimates, each in [0, 1).
    eps : float, default 1e-8
        Added to ``√v̂`` to avoid division by zero, >= 0.

    Attributes
    ----------
    m, v : list
        The first and second moment estimates, one per parameter.

    Examples
    --------
    >>> x = Var(1.0, "x")
    >>> opt = Adam([x], lr=0.1)
    >>> (x * x).backward()
    >>> round(opt.step().rows[0]["update"], 9)  # the first step is -lr·sign(g)
    -0.1
    """

    name = "Adam"

    def __init__(
        self,
        params: Iterable[Var],
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            msg = f"The 'betas' parameter of Adam must be a pair (beta1, beta2). Got {betas!r} instead."
            raise ValueError(msg)
        for k, beta in enumerate(betas):
            _check_real("Adam", f"betas[{k}]", beta, low=0.0, strict=False)
            if float(beta) >= 1:
                msg = (
                    f"The 'betas[{k}]' parameter of Adam must be a float < 1. Got {beta!r} instead."
                )
                raise ValueError(msg)
        _check_real("Adam", "eps", eps, low=0.0, strict=False)
        self.betas = (betas[0], betas[1])
        self.eps = eps
        zero: list[Scalar] = [sympy.Integer(0) if p.exact else 0.0 for p in self.params]
        self.m = list(zero)
        self.v = list(zero)

    def _columns(self) -> tuple[str, ...]:
        return ("param", "value", "grad", "m", "v", "m̂", "v̂", "update", "new value")

    def _update(self, i: int, p: Var) -> dict[str, Any]:
        g = p.grad
        b1, b2 = self._const(p, self.betas[0]), self._const(p, self.betas[1])
        lr, eps = self._const(p, self.lr), self._const(p, self.eps)
        self.m[i] = b1 * self.m[i] + (1 - b1) * g
        self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
        m_hat = self.m[i] / (1 - b1**self.t)
        v_hat = self.v[i] / (1 - b2**self.t)
        root = sympy.sqrt(v_hat) if p.exact else math.sqrt(v_hat)
        update = -lr * m_hat / (root + eps)
        return {"m": self.m[i], "v": self.v[i], "m̂": m_hat, "v̂": v_hat, "update": update}
