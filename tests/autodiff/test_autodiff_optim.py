"""Optimisers vs torch.optim: two Adam steps of the textbook exercise, SGD, momentum."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
import sympy
import torch
from rich.console import Console

from neyman.autodiff import SGD, Adam, StepState, Var


def torch_textbook_steps(
    textbook: Callable[..., Any],
    make_opt: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    steps: int,
) -> tuple[list[float], torch.optim.Optimizer, torch.Tensor]:
    x1 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(0.5, dtype=torch.float64)
    opt = make_opt([x1])
    values = []
    for _ in range(steps):
        opt.zero_grad()
        textbook(x1, x2, torch.sin, torch.exp).backward()
        opt.step()
        values.append(x1.item())
    return values, opt, x1


def our_textbook_steps(
    textbook: Callable[..., Any],
    make_opt: Callable[[list[Var]], Any],
    steps: int,
    *,
    exact: bool = False,
) -> tuple[list[Any], Any, list[StepState]]:
    x1, x2 = Var(1.5, "x1", exact=exact), Var(0.5, "x2", exact=exact)
    opt = make_opt([x1])
    values, states = [], []
    for _ in range(steps):
        opt.zero_grad()
        textbook(x1, x2).backward()
        states.append(opt.step())
        values.append(x1.value)
    return values, opt, states


def test_two_adam_steps_on_x1_match_torch(textbook: Callable[..., Any]) -> None:
    ours, opt, states = our_textbook_steps(textbook, lambda p: Adam(p, lr=0.1), 2)
    theirs, topt, tx1 = torch_textbook_steps(textbook, lambda p: torch.optim.Adam(p, lr=0.1), 2)
    for a, b in zip(ours, theirs, strict=True):
        assert a == pytest.approx(b, rel=0, abs=1e-12)
    tstate = topt.state[tx1]
    assert opt.m[0] == pytest.approx(tstate["exp_avg"].item(), rel=0, abs=1e-12)
    assert opt.v[0] == pytest.approx(tstate["exp_avg_sq"].item(), rel=0, abs=1e-12)
    # step 1 by hand: m̂ = g, v̂ = g², so the update is -lr·g/(|g| + ε) ≈ -0.1
    g = 3.011843327673907
    row = states[0].rows[0]
    assert row["grad"] == pytest.approx(g, rel=1e-15)
    assert row["m"] == pytest.approx(0.1 * g, rel=1e-15)
    assert row["v"] == pytest.approx(0.001 * g * g, rel=1e-15)
    assert row["m̂"] == pytest.approx(g, rel=1e-15)
    assert row["v̂"] == pytest.approx(g * g, rel=1e-15)
    assert row["update"] == pytest.approx(-0.1 * g / (g + 1e-8), rel=1e-15)
    assert row["new value"] == ours[0]
    assert states[1].t == 2


def test_exact_adam_steps_agree_with_torch(textbook: Callable[..., Any]) -> None:
    ours, opt, states = our_textbook_steps(textbook, lambda p: Adam(p, lr=0.1), 2, exact=True)
    theirs, _, _ = torch_textbook_steps(textbook, lambda p: torch.optim.Adam(p, lr=0.1), 2)
    assert all(isinstance(v, sympy.Basic) for v in ours)
    for a, b in zip(ours, theirs, strict=True):
        assert float(sympy.N(a, 30)) == pytest.approx(b, rel=0, abs=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(textbook: Callable[..., Any], momentum: float) -> None:
    ours, opt, states = our_textbook_steps(
        textbook, lambda p: SGD(p, lr=0.05, momentum=momentum), 4
    )
    theirs, _, _ = torch_textbook_steps(
        textbook, lambda p: torch.optim.SGD(p, lr=0.05, momentum=momentum), 4
    )
    for a, b in zip(ours, theirs, strict=True):
        assert a == pytest.approx(b, rel=0, abs=1e-12)
    assert ("m" in states[0].columns) == bool(momentum)
    assert states[0].optimizer == ("SGD(momentum)" if momentum else "SGD")


def test_adam_with_custom_betas_on_two_parameters_matches_torch() -> None:
    def loss(a: Any, b: Any) -> Any:
        return (a - 1) ** 2 + 3 * (b + 0.5) ** 2 + a * b

    a, b = Var(2.0, "a"), Var(-1.0, "b")
    opt = Adam([a, b], lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    ta = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([ta, tb], lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(20):
        opt.zero_grad()
        loss(a, b).backward()
        opt.step()
        topt.zero_grad()
        loss(ta, tb).backward()
        topt.step()
    assert a.value == pytest.approx(ta.item(), rel=0, abs=1e-12)
    assert b.value == pytest.approx(tb.item(), rel=0, abs=1e-12)
    assert len(opt.history) == 20


def test_step_state_prints_as_table_markdown_and_dataframe() -> None:
    x = Var(1.0, "x")
    opt = Adam([x], lr=0.1)
    (x * x).backward()
    state = opt.step()
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(state)
    text = buf.getvalue()
    assert "Adam step t=1" in text
    for column in ("m", "v", "m̂", "v̂", "update", "new value"):
        assert column in text
    md = state.to_markdown().splitlines()
    assert md[0] == "| param | value | grad | m | v | m̂ | v̂ | update | new value |"
    assert md[2].startswith(
        "| x | 1 | 2 | 0.2 | 0.004000000000000004 | 2 | 4 | -0.09999999950000001 |"
    )
    assert str(state).startswith("Adam step t=1\n| param")
    df = state.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(state.columns)
    assert df.loc[0, "m̂"] == pytest.approx(2.0)


def test_exact_sgd_is_exact() -> None:
    x = Var(1, "x", exact=True)
    opt = SGD([x], lr=0.1)
    (x * x * 3).backward()
    state = opt.step()
    assert x.value == sympy.Rational(4, 10)
    assert state.rows[0]["update"] == sympy.Rational(-6, 10)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda p: Adam(p, lr=-1),
            r"The 'lr' parameter of Adam must be a float > 0\. Got -1 instead\.",
        ),
        (lambda p: Adam(p, lr="big"), "'lr' parameter of Adam"),
        (
            lambda p: Adam(p, betas=(0.9, 1.0)),
            r"'betas\[1\]' parameter of Adam must be a float < 1",
        ),
        (lambda p: Adam(p, betas=(0.9,)), "'betas' parameter of Adam must be a pair"),
        (lambda p: Adam(p, eps=-1e-8), "'eps' parameter of Adam must be a float >= 0"),
        (lambda p: SGD(p, lr=0), "'lr' parameter of SGD must be a float > 0"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), "'momentum' parameter of SGD"),
        (lambda p: SGD([], lr=0.1), "no parameters"),
        (lambda p: SGD([p[0] * 2], lr=0.1), "result of '\\*'"),
    ],
)
def test_bad_hyperparameters_are_rejected(make: Callable[[list[Var]], Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make([Var(1.0)])


def test_params_must_be_vars() -> None:
    with pytest.raises(TypeError, match="parameter 0 of Adam is a float, not a Var"):
        Adam([1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="wrap a single one"):
        SGD(Var(1.0), lr=0.1)  # type: ignore[arg-type]
