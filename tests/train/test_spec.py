"""The training specification, the backend rule, the compile cache and closing callbacks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from rich.live import _RefreshThread

from neyman.errors import ConfigError, ModelError
from neyman.models.mlp import build_mlp
from neyman.train import (
    EarlyStopping,
    LossSpec,
    TrainConfig,
    TrainHistory,
    TrainSpec,
    choose_backend,
    train,
)
from neyman.train import fast as fast_module
from neyman.train.spec import FAST_MAX_BATCH, FAST_MAX_PARAMETERS


def _spec(**config: Any) -> TrainSpec:
    return TrainSpec(LossSpec("sigmoid", "bce", 1, "accuracy"), TrainConfig(**config))


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("softmax", "bce", 3), "loss"),
        (("sigmoid", "cross_entropy", 1), "loss"),
        (("tanh", "mse", 1), "output"),
        (("linear", "huber", 1), "loss"),
        (("linear", "mse", 0), "n_out"),
    ],
)
def test_loss_spec_refuses_mismatches(args: tuple[str, str, int], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        LossSpec(*args)
    assert info.value.key == key


def test_loss_spec_matches_torch_losses() -> None:
    rng = np.random.default_rng(1)
    z = torch.from_numpy(rng.normal(size=(6, 3)).astype(np.float32))
    yi = torch.from_numpy(rng.integers(0, 3, size=6))
    torch.testing.assert_close(
        LossSpec("softmax", "cross_entropy", 3)(z, yi),
        torch.nn.functional.cross_entropy(z, yi, reduction="none"),
    )
    onehot = torch.nn.functional.one_hot(yi, 3).float()
    expected = ((torch.softmax(z, 1) - onehot) ** 2).mean(1)
    torch.testing.assert_close(LossSpec("softmax", "mse", 3)(z, yi), expected)
    yf = torch.rand(6, 3)
    torch.testing.assert_close(LossSpec("linear", "mae", 3)(z, yf), (z - yf).abs().mean(1))


def test_backend_rule_depends_on_shape_only() -> None:
    small = build_mlp(2, (10, 10), 1)
    assert choose_backend(small, _spec(batch_size=1)) == ("fast", None)
    assert choose_backend(small, _spec(batch_size=FAST_MAX_BATCH))[0] == "fast"
    big_batch = choose_backend(small, _spec(batch_size=FAST_MAX_BATCH + 1))
    assert big_batch == ("torch", f"batch_size > {FAST_MAX_BATCH}")
    width = 300  # 2-300-300-1: 91,201 parameters
    assert sum(p.numel() for p in build_mlp(2, (width, width), 1).parameters()) > (
        FAST_MAX_PARAMETERS
    )
    big = choose_backend(build_mlp(2, (width, width), 1), _spec(batch_size=1))
    assert big[0] == "torch" and "parameters" in str(big[1])
    assert choose_backend(small, _spec(lr_schedule="plateau"))[0] == "torch"
    assert choose_backend(small, _spec(batch_size=1), "auto", [EarlyStopping(2)])[0] == "torch"
    assert choose_backend(small, _spec(batch_size=256), "fast") == ("fast", None)
    with pytest.raises(ConfigError, match=r"Net\(backend='fast'\) does not support dropout"):
        choose_backend(build_mlp(2, (4,), 1, dropout=0.1), _spec(), "fast", owner="Net")
    with pytest.raises(ConfigError) as info:
        choose_backend(small, _spec(), "numba")
    assert info.value.key == "backend" and info.value.value == "numba"


def test_train_records_the_backend() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 2)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    for batch, expected in ((1, "fast"), (64, "torch")):
        h = train(build_mlp(2, (4,), 1), _spec(epochs=2, batch_size=batch), X, y)
        assert isinstance(h, TrainHistory)
        assert h.backend == expected and h.record()["backend"] == expected
        assert set(h) == {"loss", "accuracy", "lr"} and len(h["loss"]) == 2


def _refresh_threads() -> list[threading.Thread]:
    """rich's refresh threads still running 2 s after being told to stop (they wake, see
    the stop flag and exit at once; one never told keeps running)."""
    threads = [t for t in threading.enumerate() if isinstance(t, _RefreshThread)]
    for t in threads:
        t.join(timeout=2.0)
    return [t for t in threads if t.is_alive()]


@pytest.mark.parametrize("backend", ["torch", "fast"])
def test_progress_bar_stops_when_a_fit_raises(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the console as a terminal
    X = np.linspace(-1, 1, 20, dtype=np.float32).reshape(-1, 1) * 1e6
    y = X * 1e3
    spec = TrainSpec(
        LossSpec("linear", "mse", 1),
        TrainConfig(optimizer="sgd", lr=1e6, batch_size=1, epochs=5, verbose=2),
    )
    assert not _refresh_threads()
    with pytest.raises(ModelError, match="diverged"):
        train(build_mlp(1, (3,), 1), spec, X, y, backend=backend)
    assert not _refresh_threads()


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEYMAN_CACHE_DIR", str(tmp_path / "mine"))
    assert fast_module.numba_cache_dir() == tmp_path / "mine" / "numba"
    assert (tmp_path / "mine" / "numba").is_dir()


def test_cache_dir_without_platformdirs_uses_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEYMAN_CACHE_DIR", raising=False)
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # import fails
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fast_module.numba_cache_dir() == tmp_path / "xdg" / "neyman" / "numba"


def test_unwritable_cache_dir_is_skipped_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")  # no one, root included, can mkdir below a file
    monkeypatch.setenv("NEYMAN_CACHE_DIR", str(blocker / "cache"))
    assert fast_module.numba_cache_dir() is None  # and no warning (warnings are errors)


@pytest.mark.slow
def test_a_second_process_loads_the_compiled_kernel(tmp_path: Path) -> None:
    script = (
        "import numpy as np; from neyman.models import MLPClassifier; "
        "X = np.random.default_rng(0).normal(size=(40, 2)); "
        "MLPClassifier((4,), optimizer='sgd', batch_size=1, epochs=1, verbose=0, "
        "random_state=0).fit(X, X[:, 0] > 0)"
    )
    env = {**os.environ, "NEYMAN_CACHE_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=600)
    index = list((tmp_path / "numba").rglob("*.nbi"))
    assert len(index) == 1 and list((tmp_path / "numba").rglob("*.nbc"))
