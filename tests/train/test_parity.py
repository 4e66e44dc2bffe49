"""Randomised parity of the two training backends (oracle: the PyTorch loop).

Hypothesis draws architectures, activations, heads and losses, optimizers with all their
hyperparameters, batch sizes, event weights and data; both backends train the same initial
network from one :class:`~neyman.train.spec.TrainSpec` on the same seeded order. After every
epoch the validation loss (computed from the current weights) must agree, and at the end
the weights, to float32 rounding. Bounded to a few seconds (``derandomize``: the same cases
every run).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neyman.models.mlp import build_mlp
from neyman.train import LossSpec, TrainConfig, TrainSpec, train
from neyman.train.fast import FAST_LOSSES

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu")


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    output, loss = draw(st.sampled_from(FAST_LOSSES))
    k = 1 if output == "sigmoid" else draw(st.integers(2, 3))
    optimizer = draw(st.sampled_from(("sgd", "adam", "adamw", "rmsprop")))
    lr_range = {"sgd": (1e-3, 0.05), "adam": (1e-4, 1e-2), "adamw": (1e-4, 1e-2)}
    lo, hi = lr_range.get(optimizer, (1e-4, 3e-3))
    config = TrainConfig(
        epochs=3,
        batch_size=draw(st.integers(1, 6)),
        optimizer=optimizer,
        lr=draw(st.floats(lo, hi)),
        momentum=draw(st.sampled_from((0.0, 0.5, 0.9))),
        beta1=draw(st.floats(0.3, 0.95)),
        beta2=draw(st.floats(0.9, 0.9999)),
        eps=draw(st.sampled_from((1e-8, 1e-6, 1e-4))),
        rmsprop_alpha=draw(st.floats(0.8, 0.999)),
        weight_decay=draw(st.sampled_from((0.0, 1e-3, 1e-2))),
        l1=draw(st.sampled_from((0.0, 1e-4, 1e-3))),
        shuffle=draw(st.booleans()),
        seed=draw(st.integers(0, 2**31 - 1)),
    )
    metric = "mae" if output == "linear" else "accuracy"
    return {
        "spec": TrainSpec(LossSpec(output, loss, k, metric), config),
        "hidden": tuple(draw(st.lists(st.integers(1, 8), min_size=0, max_size=2))),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "n_inputs": draw(st.integers(1, 4)),
        "n_events": draw(st.integers(8, 24)),
        "weighted": draw(st.booleans()),
        "data_seed": draw(st.integers(0, 2**16)),
    }


def _data(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(case["data_seed"])
    spec: TrainSpec = case["spec"]
    n, d, k = case["n_events"], case["n_inputs"], spec.loss.n_out
    X = rng.normal(size=(n, d)).astype(np.float32)
    if spec.loss.output == "softmax":
        y: np.ndarray = rng.integers(0, k, size=n).astype(np.int64)
    elif spec.loss.output == "sigmoid":
        y = (rng.random((n, 1)) < 0.5).astype(np.float32)
    else:
        y = (X[:, :1] * np.arange(1, k + 1) + 0.1 * rng.normal(size=(n, k))).astype(np.float32)
    w = rng.uniform(0.2, 2.0, size=n).astype(np.float32) if case["weighted"] else None
    return X, y, w


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=cases())
def test_backends_agree_epoch_by_epoch(case: dict[str, Any]) -> None:
    X, y, w = _data(case)
    spec: TrainSpec = case["spec"]
    validation = (X[::2], y[::2], None)
    results = {}
    for backend in ("torch", "fast"):
        torch.manual_seed(case["data_seed"])
        net = build_mlp(
            case["n_inputs"], case["hidden"], spec.loss.n_out, activation=case["activation"]
        )
        history = train(net, spec, X, y, w, backend=backend, validation=validation)
        assert history.backend == backend
        flat = torch.cat([p.detach().ravel() for p in net.parameters()]).numpy()
        results[backend] = (flat, history)
    (w_torch, h_torch), (w_fast, h_fast) = results["torch"], results["fast"]
    assert set(h_torch) == set(h_fast)
    for key in ("val_loss", "loss"):
        np.testing.assert_allclose(h_fast[key], h_torch[key], rtol=1e-4, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(w_fast, w_torch, rtol=1e-4, atol=1e-5)
