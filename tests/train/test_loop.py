"""The training loop: resume equals an uninterrupted run, determinism, optimizers, callbacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from neyman.errors import ConfigError, ModelError
from neyman.models import MLPClassifier
from neyman.train import (
    OPTIMIZERS,
    Checkpoint,
    EarlyStopping,
    TrainConfig,
    epoch_seed,
    fit,
    make_optimizer,
    predict,
    resolve_device,
)
from neyman.train.callbacks import atomic_path


def _data(rng: np.random.Generator, n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float32).reshape(-1, 1)
    return X, y


def _net(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Dropout(0.1), nn.Linear(8, 1))


def _bce(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none").mean(dim=1)


def _same(a: nn.Module, b: nn.Module) -> bool:
    return all(
        torch.equal(p, q)
        for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    )


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_resume_after_k_equals_uninterrupted(
    optimizer: str, rng: np.random.Generator, tmp_path: Path
) -> None:
    X, y = _data(rng)
    Xv, yv = _data(rng, 40)
    kw: dict[str, Any] = {
        "batch_size": 16,
        "optimizer": optimizer,
        "lr": 0.01,
        "weight_decay": 1e-3,
        "l1": 1e-4,
        "lr_schedule": "plateau",
        "lr_patience": 1,
        "seed": 7,
    }
    full = _net()
    h_full = fit(
        full,
        _bce,
        X,
        y,
        config=TrainConfig(epochs=6, **kw),
        validation=(Xv, yv, None),
        callbacks=[EarlyStopping(50, restore_best=False)],
    )
    first = _net()
    fit(
        first,
        _bce,
        X,
        y,
        config=TrainConfig(epochs=3, **kw),
        validation=(Xv, yv, None),
        callbacks=[EarlyStopping(50, restore_best=False), Checkpoint(tmp_path)],
    )
    assert (tmp_path / "checkpoint.safetensors").is_file()
    resumed = _net(seed=99)  # different initial weights: all must come from the checkpoint
    checkpoint = Checkpoint(tmp_path, resume=True)
    h_res = fit(
        resumed,
        _bce,
        X,
        y,
        config=TrainConfig(epochs=6, **kw),
        validation=(Xv, yv, None),
        callbacks=[EarlyStopping(50, restore_best=False), checkpoint],
    )
    assert checkpoint.resumed_from == 3
    assert _same(full, resumed)
    assert h_res == h_full


def test_estimator_resume_and_early_stopping_state(
    rng: np.random.Generator, tmp_path: Path
) -> None:
    X, y = _data(rng)
    kw: dict[str, Any] = {
        "epochs": 8,
        "batch_size": 32,
        "early_stopping": True,
        "patience": 20,
        "lr": 0.02,
        "random_state": 3,
        "verbose": 0,
        "device": "cpu",
    }
    full = MLPClassifier((6,), **kw).fit(X, y.ravel())
    MLPClassifier((6,), **{**kw, "epochs": 4}, checkpoint_dir=tmp_path).fit(X, y.ravel())
    resumed = MLPClassifier((6,), **kw, checkpoint_dir=tmp_path, resume=True).fit(X, y.ravel())
    assert _same(full.module_, resumed.module_)
    assert resumed.history_ == full.history_
    # a checkpoint from another architecture is refused with a clear message
    with pytest.raises(
        ModelError, match="different model or training setup.*delete it or set resume=False"
    ):
        MLPClassifier((7,), **kw, checkpoint_dir=tmp_path, resume=True).fit(X, y.ravel())


def test_determinism_and_epoch_seeds(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    cfg = TrainConfig(epochs=3, batch_size=8, seed=5)
    a, b = _net(), _net()
    ha = fit(a, _bce, X, y, config=cfg)
    hb = fit(b, _bce, X, y, config=cfg)
    assert _same(a, b) and ha == hb
    assert epoch_seed(5, 0) == epoch_seed(5, 0) != epoch_seed(5, 1)
    c = _net()
    fit(c, _bce, X, y, config=TrainConfig(epochs=3, batch_size=8, seed=6))
    assert not _same(a, c)


def test_one_step_follows_the_documented_update_rule(rng: np.random.Generator) -> None:
    """One full-batch SGD step equals a hand-written torch step with weights and L1."""
    X, y = _data(rng, 16)
    w = rng.uniform(0.5, 2.0, 16).astype(np.float32)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    ref = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    ref.load_state_dict(net.state_dict())
    cfg = TrainConfig(
        epochs=1,
        batch_size=16,
        optimizer="sgd",
        lr=0.1,
        momentum=0.0,
        l1=0.01,
        weight_decay=0.1,
        shuffle=False,
    )
    fit(net, _bce, X, y, w, config=cfg)
    wn = torch.tensor(w / w.mean())
    loss = (_bce(ref(torch.tensor(X)), torch.tensor(y)) * wn).mean()
    loss = loss + 0.01 * (ref[0].weight.abs().sum() + ref[2].weight.abs().sum())
    loss.backward()
    with torch.no_grad():
        for p in ref.parameters():
            grad = p.grad + (0.1 * p if p.ndim > 1 else 0.0)
            p -= 0.1 * grad
    for p, q in zip(net.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


def test_weights_only_in_decay_group() -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    opt = make_optimizer(net, TrainConfig(optimizer="adamw", weight_decay=0.2))
    assert isinstance(opt, torch.optim.AdamW)
    decay, none = opt.param_groups
    assert decay["weight_decay"] == 0.2 and none["weight_decay"] == 0.0
    assert all(p.ndim == 2 for p in decay["params"]) and all(p.ndim == 1 for p in none["params"])
    with pytest.raises(ConfigError, match="valid optimizers: sgd, adam, adamw, rmsprop"):
        make_optimizer(net, TrainConfig(optimizer="lbfgs"))


def test_divergence_is_reported(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    X[:, 0] *= 1e30
    with pytest.raises(ModelError, match="training diverged.*lower lr"):
        fit(
            _net(),
            lambda z, t: (z - t).pow(2).mean(dim=1) * 1e30,
            X,
            y,
            config=TrainConfig(epochs=2, optimizer="sgd", lr=1e10),
        )


def test_early_stopping_restores_best(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    net = _net()
    stopper = EarlyStopping(2)
    h = fit(
        net,
        _bce,
        X,
        y,
        config=TrainConfig(epochs=100, lr=0.5, optimizer="sgd", momentum=0.9),
        validation=(X[:30], y[:30], None),
        callbacks=[stopper],
    )
    assert stopper.stopped_epoch == len(h["loss"]) < 100
    assert stopper.best == min(h["val_loss"])
    out = predict(net, X[:30])
    assert float(_bce(out, torch.tensor(y[:30])).mean()) == pytest.approx(stopper.best, rel=1e-5)


def test_early_stopping_needs_validation(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    with pytest.raises(ModelError, match="monitors 'val_loss'.*pass validation data"):
        fit(_net(), _bce, X, y, config=TrainConfig(epochs=2), callbacks=[EarlyStopping(1)])


def test_checkpoint_file_is_safetensors_with_json_metadata(
    rng: np.random.Generator, tmp_path: Path
) -> None:
    from safetensors import safe_open

    X, y = _data(rng)
    fit(_net(), _bce, X, y, config=TrainConfig(epochs=2), callbacks=[Checkpoint(tmp_path)])
    with safe_open(str(tmp_path / "checkpoint.safetensors"), framework="pt") as f:
        meta = json.loads(f.metadata()["neyman"])
        keys = set(f.keys())
    assert meta["epoch"] == 2 and len(meta["history"]["loss"]) == 2
    assert "module.0.weight" in keys and any(k.startswith("optimizer.") for k in keys)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.safetensors"]  # no temp left


def test_atomic_path_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")

    def crash() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            msg = "crash mid-write"
            raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="crash mid-write"):
        crash()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_predict_batches_equal_one_pass(rng: np.random.Generator) -> None:
    net = nn.Sequential(nn.Linear(3, 1)).double()
    X = torch.tensor(rng.normal(size=(1000, 3)))
    net.float()
    a = predict(net, X.float(), batch_size=64)
    b = predict(net, X.float(), batch_size=10_000)
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)
    assert a.is_inference() and net.training


def test_resolve_device() -> None:
    assert resolve_device("cpu").type == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA is not available"):
            resolve_device("cuda")


def test_progress_bar_is_quiet_outside_a_terminal(
    rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    X, y = _data(rng)
    fit(_net(), _bce, X, y, config=TrainConfig(epochs=2, verbose=2))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_shows_losses_in_a_terminal(
    rng: np.random.Generator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the console as a terminal
    X, y = _data(rng)
    fit(_net(), _bce, X, y, config=TrainConfig(epochs=2, verbose=2), validation=(X, y, None))
    err = capsys.readouterr().err
    assert "2/2" in err and "val_loss" in err and "loss" in err
    fit(_net(), _bce, X, y, config=TrainConfig(epochs=2, verbose=0))
    assert capsys.readouterr().err == ""
