"""The tiny MLP: learns XOR with our Adam, reproducibly, and validates its arguments."""

from __future__ import annotations

import pytest
import torch

from neyman.autodiff import MLP, Adam, Var

XOR_X = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
XOR_Y = [-1.0, 1.0, 1.0, -1.0]


def train_xor(seed: int, steps: int = 150) -> tuple[MLP, list[float]]:
    net = MLP(2, (4, 1), random_state=seed)
    opt = Adam(net.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        outs = [net(list(x)) for x in XOR_X]
        loss = sum(((o - y) ** 2 for o, y in zip(outs, XOR_Y, strict=True)), Var(0.0)) / 4  # type: ignore[operator]
        net.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.value)
    return net, losses


def test_mlp_learns_xor_from_a_fixed_seed() -> None:
    net, losses = train_xor(seed=0)
    predictions = [1.0 if net(list(x)).value > 0 else -1.0 for x in XOR_X]  # type: ignore[union-attr]
    assert predictions == XOR_Y  # 100 % accuracy
    assert losses[-1] < 0.01
    assert losses[-1] < losses[0] / 50


def test_same_seed_same_network_and_outputs() -> None:
    a, b = MLP(2, (4, 1), random_state=7), MLP(2, (4, 1), random_state=7)
    assert [p.value for p in a.parameters()] == [p.value for p in b.parameters()]
    c = MLP(2, (4, 1), random_state=8)
    assert [p.value for p in a.parameters()] != [p.value for p in c.parameters()]


def test_mlp_forward_and_gradients_match_torch() -> None:
    net = MLP(3, (5, 4, 2), activation="tanh", random_state=1)
    x = [0.3, -1.2, 0.8]
    outs = net(x)
    assert isinstance(outs, list)
    loss = outs[0] * outs[1]
    loss.backward()
    # the same network in torch, weight for weight
    h: torch.Tensor = torch.tensor(x, dtype=torch.float64)
    params = []
    for i, layer in enumerate(net.layers):
        w = torch.tensor(
            [[p.value for p in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        b = torch.tensor(
            [n.b.value for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        params += [(layer, w, b)]
        h = w @ h + b
        if i < len(net.layers) - 1:
            h = torch.tanh(h)
    tloss = h[0] * h[1]
    tloss.backward()
    assert loss.value == pytest.approx(tloss.item(), rel=1e-12)
    for layer, w, b in params:
        assert w.grad is not None and b.grad is not None
        for j, neuron in enumerate(layer.neurons):
            assert [p.grad for p in neuron.w] == pytest.approx(
                w.grad[j].tolist(), rel=1e-10, abs=1e-12
            )
            assert neuron.b.grad == pytest.approx(b.grad[j].item(), rel=1e-10, abs=1e-12)


def test_parameters_and_zero_grad() -> None:
    net = MLP(2, (3, 1), activation="relu")
    assert len(net.parameters()) == 3 * 3 + 4
    out = net([1.0, 2.0])
    assert isinstance(out, Var)
    out.backward()
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_in": 0, "layers": (1,)}, "'n_in' parameter of MLP must be an int >= 1"),
        ({"n_in": 2, "layers": ()}, "'layers' parameter of MLP"),
        ({"n_in": 2, "layers": (3, 0)}, "'layers' parameter of MLP"),
        (
            {"n_in": 2, "layers": (1,), "activation": "gelu"},
            "'activation' parameter of MLP must be one of tanh",
        ),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        MLP(**kwargs)  # type: ignore[arg-type]


def test_wrong_input_length() -> None:
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        MLP(2, (1,))([1.0, 2.0, 3.0])
