"""Shared pieces of the autodiff tests: the textbook exercise built three ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sympy

from neyman.autodiff import Var, exp, sin

X1_0, X2_0 = 1.5, 0.5


def _textbook(
    x1: Any, x2: Any, sin_: Callable[[Any], Any] = sin, exp_: Callable[[Any], Any] = exp
) -> Any:
    """L = (sin(x1/x2) + x1/x2 - exp(x2)) * (x1/x2 - exp(x2)), in the textbook's node order.

    v1 = x1/x2, v2 = sin(v1), v3 = exp(x2), v4 = v1 - v3, v5 = v2 + v4, v6 = v5 · v4.
    """
    v1 = x1 / x2
    v2 = sin_(v1)
    v3 = exp_(x2)
    v4 = v1 - v3
    v5 = v2 + v4
    return v5 * v4


@pytest.fixture
def textbook() -> Callable[..., Any]:
    """The function building L from two inputs (Vars, SymPy symbols or torch tensors)."""
    return _textbook


@pytest.fixture
def exact_inputs() -> tuple[Var, Var]:
    return Var(X1_0, "x1", exact=True), Var(X2_0, "x2", exact=True)


@pytest.fixture
def sympy_L() -> tuple[Any, sympy.Symbol, sympy.Symbol]:
    x1, x2 = sympy.symbols("x1 x2")
    expr = (sympy.sin(x1 / x2) + x1 / x2 - sympy.exp(x2)) * (x1 / x2 - sympy.exp(x2))
    return expr, x1, x2
