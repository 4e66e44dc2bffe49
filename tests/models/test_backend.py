"""Which training backend an MLP uses, and that the choice never changes the result.

``backend="auto"`` takes the compiled loop (``neyman.train.fast``) for small supported
setups and PyTorch otherwise; a fallback must equal ``backend="torch"`` bit for bit, and the
fast path must equal it to 1e-5 in the weights (``tests/train/test_fast.py`` covers every
configuration; here the estimator wiring).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from neyman.errors import ConfigError
from neyman.models import MLPClassifier, MLPRegressor, load

KW: dict[str, Any] = {
    "verbose": 0,
    "device": "cpu",
    "random_state": 3,
    "optimizer": "sgd",
    "momentum": 0.0,
    "lr": 0.01,
    "batch_size": 1,
    "epochs": 4,
}


def _xor(rng: np.random.Generator, n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _weights(model: Any) -> np.ndarray:
    return torch.cat([p.detach().ravel() for p in model.module_.parameters()]).numpy()


def test_auto_picks_fast_for_per_event_sgd_and_matches_torch(rng: np.random.Generator) -> None:
    X, y = _xor(rng)
    auto = MLPClassifier((10, 10), activation="tanh", **KW).fit(X, y)
    ref = MLPClassifier((10, 10), activation="tanh", backend="torch", **KW).fit(X, y)
    assert auto.backend_ == "fast" and ref.backend_ == "torch"
    assert np.max(np.abs(_weights(auto) - _weights(ref))) < 1e-5
    np.testing.assert_allclose(auto.history_["loss"], ref.history_["loss"], rtol=1e-5)
    assert set(auto.history_) == set(ref.history_) == {"loss", "accuracy", "lr"}
    np.testing.assert_allclose(auto.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    assert "fast backend" in auto.summary(show=False)
    assert "torch backend" in ref.summary(show=False)


def test_regressor_fast_matches_torch(rng: np.random.Generator) -> None:
    X = rng.normal(size=(60, 3))
    y = np.column_stack([X[:, 0] - X[:, 1] ** 2, X[:, 2]])
    kw = {**KW, "optimizer": "adam", "lr": 1e-3, "batch_size": 8}
    fast = MLPRegressor((16,), backend="fast", **kw).fit(X, y)
    ref = MLPRegressor((16,), backend="torch", **kw).fit(X, y)
    assert fast.backend_ == "fast"
    assert np.max(np.abs(_weights(fast) - _weights(ref))) < 1e-5
    np.testing.assert_allclose(fast.history_["mae"], ref.history_["mae"], rtol=1e-5)


@pytest.mark.parametrize(
    "change",
    [
        {"dropout": 0.2},
        {"early_stopping": True},
        {"lr_schedule": "plateau"},
        {"batch_size": 64},
        {"hidden": (300, 300)},  # 91,201 parameters > 50,000
    ],
)
def test_auto_falls_back_to_torch_with_identical_results(
    change: dict[str, Any], rng: np.random.Generator
) -> None:
    X, y = _xor(rng, 40)
    kw = {**KW, "epochs": 2, **change}
    hidden = kw.pop("hidden", (8,))
    auto = MLPClassifier(hidden, **kw).fit(X, y)
    ref = MLPClassifier(hidden, backend="torch", **kw).fit(X, y)
    assert auto.backend_ == "torch"
    assert np.array_equal(_weights(auto), _weights(ref))
    assert auto.history_ == ref.history_


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"dropout": 0.2}, "dropout=0.2"),
        ({"early_stopping": True}, "early_stopping=True"),
        ({"lr_schedule": "plateau"}, "lr_schedule='plateau'"),
    ],
)
def test_forced_fast_names_the_unsupported_option(
    change: dict[str, Any], named: str, rng: np.random.Generator
) -> None:
    X, y = _xor(rng, 20)
    clf = MLPClassifier((4,), backend="fast", **{**KW, **change})
    with pytest.raises(ConfigError, match=rf"backend='fast'\) does not support {named}"):
        clf.fit(X, y)


def test_forced_fast_allows_large_batches(rng: np.random.Generator) -> None:
    X, y = _xor(rng, 40)
    clf = MLPClassifier((4,), backend="fast", **{**KW, "batch_size": 64}).fit(X, y)
    assert clf.backend_ == "fast" and len(clf.history_["loss"]) == 4


def test_backend_is_saved(rng: np.random.Generator, tmp_path: Path) -> None:
    X, y = _xor(rng, 30)
    clf = MLPClassifier((4,), **KW).fit(X, y)
    clf.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert getattr(loaded, "backend_", None) == "fast"
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))  # type: ignore[attr-defined]


def test_bad_backend_is_refused(rng: np.random.Generator) -> None:
    X, y = _xor(rng, 10)
    with pytest.raises(ConfigError, match="backend"):
        MLPClassifier((4,), backend="numba", **{k: v for k, v in KW.items()}).fit(X, y)
