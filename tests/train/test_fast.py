"""The compiled small-MLP path follows the torch loop's trajectory (oracle: ``loop.fit``).

Every supported (activation x head/loss x optimizer) setting is trained twice from the
same initial weights and the same seeded per-epoch order, once by ``neyman.train.fit``
(PyTorch) and once by ``neyman.train.fast.fit``; the weights must agree to 1e-5 and the
per-epoch history to float32 rounding. The settings are chosen away from chaotic regimes:
with momentum 0.9 at batch size 1, a 1-ulp change of torch's own initial weights already
moves the weights by ~4e-5 after ten epochs, so no float32 implementation can do better.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from neyman.datasets import charges
from neyman.errors import ModelError
from neyman.models.mlp import build_mlp
from neyman.train import LossSpec, TrainConfig
from neyman.train import fast as fast_module
from neyman.train import fit as torch_fit
from neyman.train.fast import FAST_LOSSES, fit, unsupported

TOL = 1e-5


def _charges() -> tuple[np.ndarray, np.ndarray]:
    ds = charges()
    return np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y)


def _targets(output: str, k: int) -> np.ndarray:
    X, y = _charges()
    if output == "softmax":  # three classes: the sheet's labels, split by the sign of q1
        return (y + (X[:, 0] > 0)).astype(np.int64) % k
    if output == "linear":  # a smooth regression target per output
        cols = [0.1 * X[:, 0] + 0.05 * (j + 1) * X[:, 1] ** 2 / 5 for j in range(k)]
        return np.column_stack(cols).astype(np.float32)
    return y.astype(np.float32).reshape(-1, 1)


def _flat(module: nn.Module) -> np.ndarray:
    return torch.cat([p.detach().ravel() for p in module.parameters()]).numpy()


def _both(
    *,
    activation: str = "tanh",
    output: str = "sigmoid",
    loss: str = "bce",
    k: int = 1,
    weights: bool = False,
    validation: bool = False,
    hidden: tuple[int, ...] = (10, 10),
    **config: Any,
) -> tuple[tuple[nn.Module, dict[str, list[float]]], tuple[nn.Module, dict[str, list[float]]]]:
    """Train the 2-10-10-k net with both paths from the same weights and order."""
    X, _ = _charges()
    y = _targets(output, k)
    w = np.linspace(0.2, 3.0, len(X)).astype(np.float32) if weights else None
    metric_name = "mae" if output == "linear" else "accuracy"
    val = (X[::7] + 0.5, y[::7], None) if validation else None
    settings: dict[str, Any] = {"epochs": 3, "batch_size": 1, "optimizer": "sgd", "lr": 0.01}
    settings.update(momentum=0.0, seed=11)
    settings.update(config)
    cfg = TrainConfig(**settings)
    runs = []
    for trainer in ("torch", "fast"):
        torch.manual_seed(5)
        net = build_mlp(2, hidden, k, activation=activation)
        spec = LossSpec(output, loss, k, metric_name)
        trainer_fit = torch_fit if trainer == "torch" else fit
        h = trainer_fit(net, spec, X, y, w, config=cfg, validation=val)
        assert h.backend == trainer
        runs.append((net, h))
    return runs[0], runs[1]


def _assert_same(
    a: tuple[nn.Module, dict[str, list[float]]], b: tuple[nn.Module, dict[str, list[float]]]
) -> None:
    diff = float(np.max(np.abs(_flat(a[0]) - _flat(b[0]))))
    assert diff < TOL, f"max |weight difference| {diff:.2e}"
    assert set(a[1]) == set(b[1])
    for key in a[1]:
        np.testing.assert_allclose(b[1][key], a[1][key], rtol=2e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "elu"])
def test_activations_follow_torch_per_sample_sgd(activation: str) -> None:
    _assert_same(*_both(activation=activation))


@pytest.mark.parametrize(
    ("optimizer", "momentum", "lr"),
    [
        ("sgd", 0.0, 0.01),
        ("sgd", 0.9, 0.01),
        ("adam", 0.0, 0.01),
        ("adamw", 0.0, 0.01),
        ("rmsprop", 0.0, 1e-3),
        ("rmsprop", 0.5, 1e-3),
    ],
)
def test_optimizers_with_decay_and_l1_follow_torch(
    optimizer: str, momentum: float, lr: float
) -> None:
    a, b = _both(
        optimizer=optimizer, momentum=momentum, lr=lr, batch_size=5, weight_decay=1e-2, l1=1e-3
    )
    _assert_same(a, b)


@pytest.mark.parametrize(("output", "loss"), FAST_LOSSES)
def test_heads_and_losses_with_weights_follow_torch(output: str, loss: str) -> None:
    k = 1 if output == "sigmoid" else (3 if output == "softmax" else 2)
    act = "relu" if loss == "mae" else "tanh"
    _assert_same(
        *_both(output=output, loss=loss, k=k, activation=act, weights=True, optimizer="adam",
               lr=3e-3, batch_size=4)
    )  # fmt: skip


def test_validation_history_equals_torch() -> None:
    a, b = _both(validation=True, batch_size=8, epochs=4)
    assert {"val_loss", "val_accuracy"} <= set(b[1])
    _assert_same(a, b)


def test_no_shuffle_and_last_partial_batch() -> None:
    # 121 events in batches of 32: the last batch has 25 events (mean over 25, not 32)
    _assert_same(*_both(batch_size=32, shuffle=False, epochs=5, lr=0.1))


def test_linear_model_without_hidden_layers() -> None:
    _assert_same(*_both(hidden=(), epochs=4))


def test_unsupported_settings_are_named() -> None:
    base = TrainConfig(optimizer="sgd", batch_size=1)
    net = build_mlp(2, (4,), 1)
    bce = LossSpec("sigmoid", "bce", 1, "accuracy")
    assert unsupported(net, base, bce) is None
    dropped = build_mlp(2, (4,), 1, dropout=0.2)
    assert unsupported(dropped, base, bce) == "dropout=0.2"
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 1))
    assert unsupported(conv, base, bce) == "layer Conv2d"
    plateau = TrainConfig(optimizer="sgd", lr_schedule="plateau")
    assert unsupported(net, plateau, bce) == "lr_schedule='plateau'"
    gpu = TrainConfig(device="cuda")
    assert unsupported(net, gpu, bce) == "device='cuda'"
    bf16 = TrainConfig(precision="bf16")
    assert unsupported(net, bf16, bce) == "precision='bf16'"
    assert unsupported(net, base, torch.nn.functional.mse_loss) == (
        "loss function function (needs a LossSpec)"
    )
    mixed = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    assert unsupported(mixed, base, bce) == "mixed activations Tanh/ReLU"


def test_fit_refuses_unsupported_network() -> None:
    X, y = _charges()
    net = build_mlp(2, (4,), 1, dropout=0.5)
    with pytest.raises(
        ModelError, match=r"does not support dropout=0\.5; use backend='torch'"
    ) as info:
        fit(
            net, LossSpec("sigmoid", "bce", 1), X, y.astype(np.float32).reshape(-1, 1),
            config=TrainConfig(optimizer="sgd"),
        )  # fmt: skip
    assert info.value.value == "dropout=0.5"


def test_divergence_is_a_model_error() -> None:
    X, _ = _charges()
    y = (X[:, :1] * 1e3).astype(np.float32)
    net = build_mlp(2, (4,), 1)
    with pytest.raises(ModelError, match="training diverged"):
        fit(
            net, LossSpec("linear", "mse", 1), X, y,
            config=TrainConfig(optimizer="sgd", lr=10.0, momentum=0.0, batch_size=1, epochs=3),
        )  # fmt: skip


def test_progress_bar_names_the_fast_backend(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the console as a terminal
    X, y = _charges()
    net = build_mlp(2, (4,), 1)
    history = fit(
        net, LossSpec("sigmoid", "bce", 1), X, y.astype(np.float32).reshape(-1, 1),
        config=TrainConfig(optimizer="sgd", epochs=2, verbose=2),
    )  # fmt: skip
    err = capsys.readouterr().err
    assert "training (fast backend)" in err and "2/2" in err
    assert len(history["loss"]) == 2


def test_extension_init_is_skipped_only_in_the_loading_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from numba.core import entrypoints

    calls: list[int] = []

    def init_all() -> None:
        calls.append(threading.get_ident())

    monkeypatch.setattr(entrypoints, "_already_initialized", False)
    monkeypatch.setattr(entrypoints, "init_all", init_all)
    other = threading.Thread(target=lambda: entrypoints.init_all())
    with fast_module._extensions_deferred():
        entrypoints.init_all()  # this thread loads neyman's kernel: skipped
        other.start()
        other.join()
    assert calls == [other.ident]  # another thread ran the extensions meanwhile
    assert entrypoints.init_all is init_all  # numba's function is back
    entrypoints.init_all()
    assert calls == [other.ident, threading.get_ident()]


def test_gc_freeze_is_undone_and_respects_an_existing_freeze() -> None:
    assert gc.get_freeze_count() == 0
    with fast_module._young_gc_only():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()  # someone else's (a pre-fork server's) choice
    try:
        frozen = gc.get_freeze_count()
        with fast_module._young_gc_only():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


_EXTENSION_SCRIPT = """
import sys
from importlib.metadata import entry_points
import numba
import numpy as np
from neyman.models.mlp import build_mlp
from neyman.train import LossSpec, TrainConfig
from neyman.train.fast import fit

assert "fakeext:init" in [e.value for e in entry_points(group="numba_extensions")]
X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
y = (X[:, :1] > 0).astype(np.float32)
fit(build_mlp(2, (3,), 1), LossSpec("sigmoid", "bce", 1), X, y,
    config=TrainConfig(optimizer="sgd", batch_size=1, epochs=1))
assert "fakeext" not in sys.modules, "neyman's kernel ran the numba extensions"

@numba.njit
def user_code(x):
    return x + 1

assert user_code(1) == 2
import fakeext
assert fakeext.CALLS == 1, fakeext.CALLS
"""


@pytest.mark.slow  # a new process: torch, perhaps a compilation, then the real extensions
def test_fast_fit_leaves_numba_extensions_to_the_next_compilation(tmp_path: Path) -> None:
    # a fake installed package with a numba_extensions entry point, as vector and awkward have
    dist = tmp_path / "fakeext-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeext\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[numba_extensions]\ninit = fakeext:init\n")
    (tmp_path / "fakeext.py").write_text(
        textwrap.dedent(
            """
            CALLS = 0
            def init():
                global CALLS
                CALLS += 1
            """
        )
    )
    path = [str(tmp_path), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}
    out = subprocess.run(
        [sys.executable, "-c", _EXTENSION_SCRIPT],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
