"""A tiny multilayer perceptron built from :class:`~neyman.autodiff.value.Var` nodes.

Read ``value.py`` and ``optim.py`` first. The network is deliberately naive (every weight is
a scalar node, every neuron a Python loop) so that each number in it can be inspected; its
purpose is to show that the engine is a complete learner, e.g. of XOR, not to be fast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy

from neyman.autodiff.value import Var

__all__ = ["MLP", "Layer", "Neuron"]

_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def _activate(x: Var, activation: str) -> Var:
    if activation == "linear":
        return x
    out: Var = getattr(x, activation)()
    return out


class Neuron:
    """``activation(w · x + b)`` with weights drawn uniformly from [-1, 1] and ``b = 0``.

    Parameters
    ----------
    n_in : int
        Number of inputs.
    activation : {"tanh", "relu", "sigmoid", "linear"}, default "tanh"
    rng : numpy.random.Generator
        Source of the initial weights.
    name : str, default "n"
        Prefix of the parameters' names (``"n.w0"``, ``"n.b"``).
    """

    def __init__(
        self, n_in: int, *, activation: str, rng: np.random.Generator, name: str = "n"
    ) -> None:
        self.w = [Var(float(rng.uniform(-1.0, 1.0)), f"{name}.w{i}") for i in range(n_in)]
        self.b = Var(0.0, f"{name}.b")
        self.activation = activation

    def __call__(self, x: Sequence[Var | float]) -> Var:
        total = self.b
        for wi, xi in zip(self.w, x, strict=True):
            total = total + wi * xi
        return _activate(total, self.activation)

    def parameters(self) -> list[Var]:
        """The weights, then the bias."""
        return [*self.w, self.b]


class Layer:
    """``n_out`` neurons reading the same inputs."""

    def __init__(
        self, n_in: int, n_out: int, *, activation: str, rng: np.random.Generator, name: str = "l"
    ) -> None:
        self.neurons = [
            Neuron(n_in, activation=activation, rng=rng, name=f"{name}n{j}") for j in range(n_out)
        ]

    def __call__(self, x: Sequence[Var | float]) -> list[Var]:
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Var]:
        """Every neuron's parameters, neuron by neuron."""
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    """A fully connected network of scalar ``Var``s; the last layer is linear.

    Parameters
    ----------
    n_in : int
        Number of inputs, >= 1.
    layers : sequence of int
        Widths of the hidden layers followed by the output layer, e.g. ``(4, 1)``.
    activation : {"tanh", "relu", "sigmoid", "linear"}, default "tanh"
        Activation of the hidden layers.
    random_state : int, default 0
        Seed of the initial weights: the same seed gives the same network.

    Examples
    --------
    >>> net = MLP(2, (4, 1), random_state=0)
    >>> len(net.parameters())  # (2 + 1) * 4 + (4 + 1) * 1
    17
    >>> out = net([1.0, 0.0])
    >>> out.backward()
    >>> net.zero_grad()
    """

    def __init__(
        self,
        n_in: int,
        layers: Sequence[int],
        *,
        activation: str = "tanh",
        random_state: int = 0,
    ) -> None:
        if not isinstance(n_in, int) or isinstance(n_in, bool) or n_in < 1:
            msg = f"The 'n_in' parameter of MLP must be an int >= 1. Got {n_in!r} instead."
            raise ValueError(msg)
        widths = list(layers)
        if not widths or any(
            not isinstance(w, int) or isinstance(w, bool) or w < 1 for w in widths
        ):
            msg = (
                "The 'layers' parameter of MLP must be a non-empty sequence of ints >= 1. "
                f"Got {layers!r} instead."
            )
            raise ValueError(msg)
        if activation not in _ACTIVATIONS:
            msg = (
                f"The 'activation' parameter of MLP must be one of {', '.join(_ACTIVATIONS)}. "
                f"Got {activation!r} instead."
            )
            raise ValueError(msg)
        rng = np.random.default_rng(random_state)
        sizes = [n_in, *widths]
        self.n_in = n_in
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=activation if i < len(widths) - 1 else "linear",
                rng=rng,
                name=f"l{i}",
            )
            for i in range(len(widths))
        ]

    def __call__(self, x: Sequence[Var | float]) -> Var | list[Var]:
        """The network's output for one input vector: a Var, or a list for several outputs."""
        if len(x) != self.n_in:
            msg = f"MLP expects {self.n_in} inputs, got {len(x)}"
            raise ValueError(msg)
        values: Sequence[Var | float] = x
        for layer in self.layers:
            values = layer(values)
        out = list(values)
        return out[0] if len(out) == 1 else out  # type: ignore[return-value]

    def parameters(self) -> list[Var]:
        """Every weight and bias, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to zero."""
        for p in self.parameters():
            p.grad = sympy.Integer(0) if p.exact else 0.0
