"""An educational reverse-mode automatic differentiation engine, with traces.

Students learn backpropagation by drawing the computational graph, writing the forward trace
(every intermediate value) and the reverse trace (the derivative of the output with respect
to every intermediate), then stepping an optimiser by hand. This package does exactly that,
exactly (SymPy values, no rounding), so the work can be checked line by line and compared
with what PyTorch does.

Read in this order: ``value.py`` (the :class:`Var` node and ``backward``), ``trace.py``
(forward and reverse traces), ``dot.py`` (Graphviz drawing), ``optim.py`` (SGD, momentum,
Adam with printable per-step state), ``nn.py`` (a tiny MLP that learns XOR).

This package stands alone: it imports nothing else of neyman.

Examples
--------
>>> from neyman.autodiff import Var, exp, sin, trace
>>> x1, x2 = Var(1.5, "x1", exact=True), Var(0.5, "x2", exact=True)
>>> a = x1 / x2           # v1
>>> s = sin(a)            # v2
>>> d = a - exp(x2)       # v3 = exp(v0), v4 = v1 - v3
>>> L = (s + d) * d       # v5, v6
>>> t = trace(L)
>>> t.forward["v1"].value, t.forward["v2"].value, t.forward["v3"].value
(3, sin(3), exp(1/2))
>>> t.gradient(x1)
-4*exp(1/2) + 2*(3 - exp(1/2))*cos(3) + 2*sin(3) + 12
"""

from __future__ import annotations

from neyman.autodiff.dot import GraphvizNotFoundError, render, to_dot
from neyman.autodiff.nn import MLP, Layer, Neuron
from neyman.autodiff.optim import SGD, Adam, Optimizer, StepState
from neyman.autodiff.trace import ForwardRow, ForwardTrace, ReverseRow, ReverseTrace, Trace, trace
from neyman.autodiff.value import Var, cos, exp, log, relu, sigmoid, sin, tanh

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "ForwardRow",
    "ForwardTrace",
    "GraphvizNotFoundError",
    "Layer",
    "Neuron",
    "Optimizer",
    "ReverseRow",
    "ReverseTrace",
    "StepState",
    "Trace",
    "Var",
    "cos",
    "exp",
    "log",
    "relu",
    "render",
    "sigmoid",
    "sin",
    "tanh",
    "to_dot",
    "trace",
]
