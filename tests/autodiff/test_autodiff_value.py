"""The Var node: every operation's value and gradient against torch.autograd, modes, errors."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy
import torch

from neyman.autodiff import Var, cos, exp, log, relu, sigmoid, sin, tanh

TOL = 1e-12

# name -> (our function, torch function), for two inputs a, b (b > 0 where needed)
BINARY: dict[str, tuple[Callable[..., object], Callable[..., torch.Tensor]]] = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: b**a, lambda a, b: b**a),
    "const+": (lambda a, b: 2.5 + a * b, lambda a, b: 2.5 + a * b),
    "const-": (lambda a, b: 2.5 - a / b, lambda a, b: 2.5 - a / b),
    "const*": (lambda a, b: 3 * a - b * 0.5, lambda a, b: 3 * a - b * 0.5),
    "const/": (lambda a, b: 2.0 / b + a / 4, lambda a, b: 2.0 / b + a / 4),
    "const**": (lambda a, b: a**3 + b**0.5 + 2**a, lambda a, b: a**3 + b**0.5 + 2**a),
    "neg": (lambda a, b: -a * b, lambda a, b: -a * b),
    "exp": (lambda a, b: exp(a) * b, lambda a, b: torch.exp(a) * b),
    "log": (lambda a, b: log(b) * a, lambda a, b: torch.log(b) * a),
    "sin": (lambda a, b: sin(a * b), lambda a, b: torch.sin(a * b)),
    "cos": (lambda a, b: cos(a - b), lambda a, b: torch.cos(a - b)),
    "tanh": (lambda a, b: tanh(a) * b, lambda a, b: torch.tanh(a) * b),
    "sigmoid": (lambda a, b: sigmoid(a * b), lambda a, b: torch.sigmoid(a * b)),
    "relu": (lambda a, b: relu(a) * b + relu(-b), lambda a, b: torch.relu(a) * b + torch.relu(-b)),
    "reuse": (lambda a, b: a * a * a + a * b, lambda a, b: a * a * a + a * b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize(("a0", "b0"), [(0.7, 1.3), (-1.2, 0.4), (2.1, 2.9)])
def test_each_operation_matches_torch_autograd(name: str, a0: float, b0: float) -> None:
    ours, theirs = BINARY[name]
    a, b = Var(a0, "a"), Var(b0, "b")
    out = ours(a, b)
    assert isinstance(out, Var)
    out.backward()
    ta = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    tout = theirs(ta, tb)
    tout.backward()
    assert out.value == pytest.approx(tout.item(), rel=TOL, abs=TOL)
    assert a.grad == pytest.approx(ta.grad.item(), rel=TOL, abs=TOL)
    assert b.grad == pytest.approx(tb.grad.item(), rel=TOL, abs=TOL)


def test_gradient_accumulates_over_every_use_of_a_node() -> None:
    x = Var(3.0, "x")
    y = x * x + x  # x used three times: d/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_backward_twice_accumulates_into_inputs_only() -> None:
    x = Var(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    y.backward()
    assert x.grad == 2 * 12.0  # leaves accumulate, as in torch
    assert h.grad == 3.0  # interior adjoints are this pass's values
    y.zero_grad()
    assert x.grad == 0.0
    assert h.grad == 0.0


def test_relu_derivative_at_zero_is_zero_like_torch() -> None:
    x = Var(0.0)
    relu(x).backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert x.grad == t.grad.item() == 0.0


def test_sigmoid_is_stable_for_large_arguments() -> None:
    assert sigmoid(Var(-800.0)).value == pytest.approx(0.0, abs=1e-300)
    assert sigmoid(Var(800.0)).value == 1.0


def test_exact_mode_keeps_closed_forms() -> None:
    x = Var(0.5, exact=True)
    assert x.value == sympy.Rational(1, 2)
    y = exp(x) + sin(x * 6) + 0.1
    assert y.exact
    assert y.value == sympy.exp(sympy.Rational(1, 2)) + sympy.sin(3) + sympy.Rational(1, 10)
    y.backward()
    assert x.grad == sympy.exp(sympy.Rational(1, 2)) + 6 * sympy.cos(3)


def test_exact_mode_from_a_sympy_value_and_symbolic_inputs() -> None:
    s = sympy.Symbol("s", positive=True)
    x = Var(s)
    y = log(x) * x
    y.backward()
    assert sympy.simplify(x.grad - (sympy.log(s) + 1)) == 0


def test_mixing_modes_is_a_type_error_naming_the_operation() -> None:
    with pytest.raises(TypeError, match=r"mix exact and float Vars in '\*'"):
        _ = Var(1.0) * Var(1, exact=True)
    with pytest.raises(TypeError, match="SymPy number with a float Var in '-'"):
        _ = Var(1.0) - sympy.Rational(1, 3)
    with pytest.raises(TypeError, match="needs exact mode"):
        Var(sympy.Rational(1, 3), exact=False)


@pytest.mark.parametrize("bad", ["a", np.array([1.0, 2.0]), [1.0], None, 1j])
@pytest.mark.parametrize(
    ("op", "fn"),
    [
        ("+", lambda v, o: v + o),
        ("+", lambda v, o: o + v),
        ("-", lambda v, o: v - o),
        ("-", lambda v, o: o - v),
        ("*", lambda v, o: v * o),
        ("*", lambda v, o: o * v),
        ("/", lambda v, o: v / o),
        ("/", lambda v, o: o / v),
        ("**", lambda v, o: v**o),
        ("**", lambda v, o: o**v),
    ],
)
def test_unsupported_operand_is_a_type_error_naming_the_operation(
    bad: object, op: str, fn: Callable[[Var, object], object]
) -> None:
    with pytest.raises(TypeError, match=f"unsupported operand for '{re_escape(op)}'"):
        fn(Var(1.0), bad)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


@pytest.mark.parametrize("fn", [exp, log, sin, cos, tanh, sigmoid, relu])
def test_unary_functions_reject_non_scalars(fn: Callable[[object], Var]) -> None:
    with pytest.raises(TypeError, match=f"unsupported operand for '{fn.__name__}'"):
        fn(np.array([1.0]))
    with pytest.raises(TypeError, match=f"unsupported operand for '{fn.__name__}'"):
        fn("x")


def test_numpy_scalars_are_accepted() -> None:
    x = Var(np.float64(2.0))
    y = np.float64(3.0) * x + np.int64(1)
    y.backward()
    assert y.value == 7.0
    assert x.grad == 3.0


def test_domain_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="log needs a positive argument"):
        log(Var(-1.0))
    with pytest.raises(ZeroDivisionError, match="denominator"):
        _ = Var(1.0) / 0
    with pytest.raises(ValueError, match="complex"):
        _ = Var(-2.0) ** 0.5
    with pytest.raises(OverflowError, match="exp"):
        exp(Var(1e4))
    with pytest.raises(TypeError, match="truth value of a Var"):
        bool(Var(1.0))
    with pytest.raises(TypeError, match="name of a Var"):
        Var(1.0, 3)  # type: ignore[arg-type]


def test_var_to_the_power_of_a_var_for_a_negative_base_has_nan_exponent_gradient() -> None:
    a, b = Var(-2.0), Var(2.0)
    (a**b).backward()
    assert a.grad == pytest.approx(-4.0)
    assert math.isnan(b.grad)  # d(a^b)/db = a^b log(a) is undefined for a < 0 (torch: nan)


def test_float_conversion_and_repr() -> None:
    x = Var(1.5, "x")
    assert float(x * 2) == 3.0
    assert repr(x) == "Var(1.5, name='x')"
    assert "op='*'" in repr(x * 2)


@pytest.mark.parametrize(("a0", "b0"), [(0.0, 2.0), (0.0, 0.5), (3.0, 0.0), (-2.0, 3.0)])
def test_power_edge_cases_match_torch(a0: float, b0: float) -> None:
    a, b = Var(a0), Var(b0)
    (a**b).backward()
    ta = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    (ta**tb).backward()
    assert ta.grad is not None and tb.grad is not None
    assert a.grad == pytest.approx(ta.grad.item(), nan_ok=True)
    assert b.grad == pytest.approx(tb.grad.item(), nan_ok=True)
