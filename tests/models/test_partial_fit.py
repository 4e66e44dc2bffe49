"""Streaming training: partial_fit over chunks equals training on those chunks in turn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neyman.errors import DataError
from neyman.models import MLPClassifier, MLPRegressor
from neyman.train import TrainConfig, epoch_seed, make_optimizer, train_chunk


def _data(rng: np.random.Generator, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 > 0.3).astype(np.int64)
    return X, y


def test_partial_fit_learns_and_keeps_optimizer_state(rng: np.random.Generator) -> None:
    X, y = _data(rng, 3000)
    clf = MLPClassifier((16,), batch_size=64, lr=1e-2, random_state=0, verbose=0)
    for start in range(0, 2400, 600):
        clf.partial_fit(X[start : start + 600], y[start : start + 600], classes=[0, 1])
    assert clf.n_chunks_ == 4
    assert len(clf.history_["loss"]) == 4
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    acc = (clf.predict(X[2400:]) == y[2400:]).mean()
    assert acc > 0.85
    state = clf.optimizer_.state_dict()["state"]
    assert state  # Adam moments carried across chunks


def test_partial_fit_equals_manual_chunk_loop(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    clf = MLPClassifier((8,), batch_size=32, lr=1e-2, random_state=3, verbose=0)
    clf.partial_fit(X[:300], y[:300], classes=[0, 1]).partial_fit(X[300:], y[300:])
    ref = MLPClassifier((8,), batch_size=32, lr=1e-2, random_state=3, verbose=0)
    ref.partial_fit(X[:1], y[:1], classes=[0, 1])  # builds the same initial network
    module = ref._init_module(3, 1)  # noqa: SLF001 - the documented initialisation
    config = TrainConfig(epochs=1, batch_size=32, lr=1e-2, seed=3)
    opt = make_optimizer(module, config)

    def loss_fn(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="none").squeeze(
            1
        )  # noqa: E731

    for i, (a, b) in enumerate(((0, 300), (300, 600))):
        train_chunk(
            module,
            loss_fn,
            opt,
            X[a:b],
            y[a:b].astype(np.float32).reshape(-1, 1),
            None,
            config=config,
            seed=epoch_seed(3, i),
        )
    for p, q in zip(clf.module_.parameters(), module.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=1e-6)


def test_partial_fit_regressor(rng: np.random.Generator) -> None:
    X = rng.normal(size=(2000, 2)).astype(np.float32)
    t = X[:, 0] - 2 * X[:, 1]
    reg = MLPRegressor((16,), batch_size=32, lr=1e-2, random_state=0, verbose=0)
    for start in range(0, 2000, 500):
        reg.partial_fit(X[start : start + 500], t[start : start + 500])
    pred = reg.predict(X)
    assert pred.shape == (2000,)
    assert np.mean((pred - t) ** 2) < 0.1


def test_partial_fit_needs_classes_first(rng: np.random.Generator) -> None:
    X, y = _data(rng, 50)
    with pytest.raises(DataError, match="needs classes="):
        MLPClassifier(verbose=0).partial_fit(X, y)


def test_partial_fit_continues_after_fit_and_fit_restarts(rng: np.random.Generator) -> None:
    X, y = _data(rng, 400)
    clf = MLPClassifier((8,), epochs=2, batch_size=64, random_state=0, verbose=0).fit(X, y)
    before = [p.detach().clone() for p in clf.module_.parameters()]
    clf.partial_fit(X, y)  # no classes needed: the fitted model knows them
    assert clf.n_chunks_ == 1
    assert any(not torch.equal(a, b) for a, b in zip(before, clf.module_.parameters(), strict=True))
    clf.fit(X, y)
    assert not hasattr(clf, "optimizer_")
