"""MLPClassifier / MLPRegressor: parameter counts, XOR, options, errors, sklearn tools."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neyman.errors import ConfigError, DataError, ModelError
from neyman.models import MLPClassifier, MLPRegressor, NotFittedError

FAST: dict[str, Any] = {"verbose": 0, "device": "cpu", "random_state": 0}


def _blobs(rng: np.random.Generator, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    X = np.r_[rng.normal(1, 1, (n, 2)), rng.normal(-1, 1, (n, 2))]
    y = np.r_[np.ones(n, dtype=int), np.zeros(n, dtype=int)]
    return X, y


@pytest.mark.parametrize(
    ("n_in", "hidden", "expected"), [(2, (10, 10), 151), (6, (100, 100), 10_901), (2, (20,), 81)]
)
def test_parameter_counts(n_in: int, hidden: tuple[int, ...], expected: int) -> None:
    X = np.zeros((4, n_in))
    y = np.array([0, 1, 0, 1])
    clf = MLPClassifier(hidden, epochs=1, **FAST).fit(X, y)
    assert clf.n_parameters_ == expected
    reg = MLPRegressor(hidden, epochs=1, **FAST).fit(X, y.astype(float))
    assert reg.n_parameters_ == expected
    # the count is what torch itself says
    assert expected == sum(p.numel() for p in clf.module_.parameters())


def test_xor_reaches_full_accuracy() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    clf = MLPClassifier((8,), activation="tanh", lr=0.05, epochs=300, batch_size=4, **FAST)
    clf.fit(X, y)
    assert (clf.predict(X) == y).all()
    assert clf.history_["accuracy"][-1] == 1.0
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]


def test_same_seed_same_weights(rng: np.random.Generator) -> None:
    X, y = _blobs(rng)
    kw = {"epochs": 3, "dropout": 0.2, "batch_size": 16, **FAST}
    a = MLPClassifier((8, 8), **kw).fit(X, y)
    b = MLPClassifier((8, 8), **kw).fit(X, y)
    for pa, pb in zip(a.module_.parameters(), b.module_.parameters(), strict=True):
        assert torch.equal(pa, pb)
    c = MLPClassifier((8, 8), **{**kw, "random_state": 1}).fit(X, y)
    assert not torch.equal(a.module_[0].weight, c.module_[0].weight)


def test_fit_leaves_global_torch_rng_alone(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 20)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    MLPClassifier((4,), epochs=2, dropout=0.5, **FAST).fit(X, y)
    assert torch.equal(torch.rand(3), expected)


def test_probabilities_and_decision_agree(rng: np.random.Generator) -> None:
    X, y = _blobs(rng)
    clf = MLPClassifier((8,), epochs=5, lr=0.01, batch_size=64, **FAST).fit(X, y)
    d = clf.decision_function(X)
    p = clf.predict_proba(X)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-d)), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert ((d > 0) == (clf.predict(X) == 1)).all()
    assert (clf.predict(X) == y).mean() > 0.8


def test_multiclass_softmax_and_string_labels(rng: np.random.Generator) -> None:
    centers = np.array([[0, 3], [3, 0], [-3, -3]])
    X = np.concatenate([rng.normal(c, 1, (60, 2)) for c in centers])
    y = np.repeat(np.array(["a", "b", "c"]), 60)
    clf = MLPClassifier((16,), epochs=30, lr=0.02, **FAST).fit(X, y)
    assert clf.output_ == "softmax" and clf.loss_ == "cross_entropy"
    assert clf.n_outputs_ == 3
    assert list(clf.classes_) == ["a", "b", "c"]
    assert clf.predict_proba(X).shape == (180, 3)
    assert (clf.predict(X) == y).mean() > 0.9


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "elu"])
def test_every_activation_builds_its_module(activation: str, rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 30)
    clf = MLPClassifier((4,), activation=activation, epochs=1, **FAST).fit(X, y)
    expected = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": torch.nn.LeakyReLU,
        "elu": torch.nn.ELU,
    }[activation]
    assert isinstance(clf.module_[1], expected)


@pytest.mark.parametrize(
    ("output", "loss"),
    [
        ("sigmoid", "bce"),
        ("sigmoid", "mse"),
        ("sigmoid", "mae"),
        ("softmax", "cross_entropy"),
        ("softmax", "mse"),
    ],
)
def test_heads_and_losses_train(output: str, loss: str, rng: np.random.Generator) -> None:
    X, y = _blobs(rng)
    clf = MLPClassifier((8,), output=output, loss=loss, epochs=20, lr=0.02, **FAST).fit(X, y)
    assert clf.n_outputs_ == (1 if output == "sigmoid" else 2)
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    assert (clf.predict(X) == y).mean() > 0.8


def test_inconsistent_head_and_loss_is_a_config_error(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 10)
    with pytest.raises(ConfigError, match="loss='bce'.*needs output='sigmoid'"):
        MLPClassifier(output="softmax", loss="bce", epochs=1, **FAST).fit(X, y)
    y3 = np.arange(20) % 3
    with pytest.raises(ConfigError, match="output='sigmoid'.*needs two classes, got 3"):
        MLPClassifier(output="sigmoid", epochs=1, **FAST).fit(X, y3)


def test_validation_data_and_early_stopping(rng: np.random.Generator) -> None:
    X, y = _blobs(rng)
    Xv, yv = _blobs(rng, 50)
    clf = MLPClassifier((8,), epochs=200, lr=0.05, early_stopping=True, patience=3, **FAST)
    clf.fit(X, y, validation_data=(Xv, yv))
    h = clf.history_
    assert {"loss", "val_loss", "accuracy", "val_accuracy", "lr"} <= set(h)
    assert len(h["loss"]) < 200  # stopped early
    best = int(np.argmin(h["val_loss"]))
    assert len(h["loss"]) == best + 1 + 3  # patience epochs after the best
    # best weights restored: validation loss of the final model is the best one logged
    p = clf.predict_proba(Xv)[:, 1]
    bce = -np.mean(yv * np.log(p) + (1 - yv) * np.log(1 - p))
    assert bce == pytest.approx(h["val_loss"][best], rel=1e-5)


def test_validation_fraction_split_when_early_stopping(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 100)
    clf = MLPClassifier((4,), epochs=3, early_stopping=True, validation_fraction=0.25, **FAST)
    clf.fit(X, y)
    assert len(clf.history_["val_loss"]) == 3


def test_plateau_schedule_lowers_lr(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 50)
    clf = MLPClassifier(
        (4,),
        epochs=12,
        lr=1e-6,
        lr_schedule="plateau",
        lr_patience=0,
        lr_factor=0.5,
        optimizer="sgd",
        momentum=0.0,
        **FAST,
    ).fit(X, y)
    lrs = clf.history_["lr"]
    assert lrs[0] <= 1e-6 and lrs[-1] < lrs[0]
    assert all(b <= a for a, b in zip(lrs, lrs[1:], strict=False))


def test_auto_early_stopping_from_10000_events(rng: np.random.Generator) -> None:
    # early_stopping="auto" (the default) holds out a validation split from 10,000 events on
    X, y = _blobs(rng, 5_000)
    big = MLPClassifier((4,), epochs=2, **FAST).fit(X, y)
    assert len(big.history_["val_loss"]) == 2 and big.backend_ == "torch"
    small = MLPClassifier((4,), epochs=2, **FAST).fit(X[1:], y[1:])  # 9,999 events
    assert "val_loss" not in small.history_ and len(small.history_["loss"]) == 2
    # the compiled loop has no early stopping: "auto" does not ask it for any
    fast = MLPClassifier((4,), epochs=1, batch_size=16, backend="fast", **FAST).fit(X, y)
    assert "val_loss" not in fast.history_ and fast.backend_ == "fast"


def test_auto_schedule_is_plateau_when_stopping_early(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 50)
    kw: dict[str, Any] = {"epochs": 6, "lr": 1e-6, "lr_patience": 0, "optimizer": "sgd", **FAST}
    stopping = MLPClassifier((4,), early_stopping=True, patience=6, **kw)
    stopping.fit(X, y, validation_data=(X, y))
    assert stopping.history_["lr"][-1] < 1e-6  # lowered on the flat validation loss
    # validation data only monitored (no early stopping): the rate stays constant
    monitored = MLPClassifier((4,), **kw).fit(X, y, validation_data=(X, y))
    assert monitored.history_["lr"] == [1e-6] * 6


def test_sample_weight_changes_the_fit_and_zero_weight_removes(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 40)
    w = np.ones(len(y))
    w[:10] = 0.0
    kw = {"epochs": 5, "batch_size": 80}
    a = MLPClassifier((4,), **kw, **FAST).fit(X, y, sample_weight=w)
    b = MLPClassifier((4,), **kw, **FAST).fit(X, y)
    assert not np.allclose(a.decision_function(X), b.decision_function(X))
    # full batch: zero-weight events contribute nothing; dropping them and rescaling the
    # remaining weights to mean 1 gives the same step as keeping them
    c = MLPClassifier((4,), **kw, **FAST).fit(X[10:], y[10:])
    np.testing.assert_allclose(a.decision_function(X), c.decision_function(X), atol=1e-5)


def test_regressor_fits_a_line_and_multioutput(rng: np.random.Generator) -> None:
    X = rng.uniform(-1, 1, (256, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    reg = MLPRegressor((), epochs=60, lr=0.1, batch_size=64, **FAST).fit(X, y)
    assert reg.predict(X).shape == (256,)
    assert reg.score(X, y) > 0.999
    Y = np.column_stack([y, -y])
    reg2 = MLPRegressor((16,), epochs=40, lr=0.03, loss="mae", batch_size=64, **FAST).fit(X, Y)
    assert reg2.predict(X).shape == (256, 2)
    assert reg2.score(X, Y) > 0.9


def test_dataframe_feature_names_are_kept_and_checked(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 20)
    df = pd.DataFrame(X, columns=["pt", "eta"])
    clf = MLPClassifier((4,), epochs=1, **FAST).fit(df, y)
    assert list(clf.feature_names_in_) == ["pt", "eta"]
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(df.rename(columns={"eta": "phi"}))


def test_wrong_feature_count_at_predict_time(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 20)
    clf = MLPClassifier((4,), epochs=1, **FAST).fit(X, y)
    with pytest.raises(ModelError, match="X has 3 features, but MLPClassifier is expecting 2"):
        clf.predict(np.zeros((5, 3)))


def test_nan_in_X_names_the_columns(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 20)
    df = pd.DataFrame(X, columns=["pt", "eta"])
    df.loc[3, "eta"] = np.nan
    df.loc[5, "eta"] = np.inf
    with pytest.raises(DataError, match=r"1 NaN and 1 inf value\(s\) in 'eta'"):
        MLPClassifier((4,), epochs=1, **FAST).fit(df, y)
    clf = MLPClassifier((4,), epochs=1, **FAST).fit(X, y)
    Xb = X.copy()
    Xb[0, 1] = np.nan
    with pytest.raises(DataError, match="NaN value.*column 1"):
        clf.predict_proba(Xb)


def test_unknown_activation_and_optimizer_list_the_valid_ones() -> None:
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ConfigError) as info:
        MLPClassifier(activation="swish", **FAST).fit(X, y)
    assert str(info.value) == (
        "The 'activation' parameter of MLPClassifier must be one of 'relu', 'tanh', "
        "'sigmoid', 'leaky_relu', 'elu'. Got 'swish' instead."
    )
    with pytest.raises(ConfigError, match="'sgd', 'adam', 'adamw', 'rmsprop'. Got 'lbfgs'"):
        MLPRegressor(optimizer="lbfgs", **FAST).fit(X, y.astype(float))
    with pytest.raises(
        ConfigError,
        match=r"^The 'lr' parameter of MLPClassifier must be a float > 0. Got -1 instead.$",
    ):
        MLPClassifier(lr=-1, **FAST).fit(X, y)


def test_not_fitted_errors() -> None:
    clf = MLPClassifier()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        clf.predict(np.zeros((2, 2)))
    with pytest.raises(ModelError):
        clf.summary()


def test_single_class_is_a_data_error() -> None:
    with pytest.raises(DataError, match="one class"):
        MLPClassifier(epochs=1, **FAST).fit(np.zeros((4, 2)), np.ones(4))


def test_summary_table(rng: np.random.Generator, capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _blobs(rng, 10)
    clf = MLPClassifier((10, 10), epochs=1, **FAST).fit(X, y)
    text = clf.summary()
    printed = capsys.readouterr().out
    assert printed == text
    assert "Param #" in text and "Total params: 151" in text
    assert "(None, 10)" in text and "Linear" in text and "torch backend" in text
    assert clf.summary(show=False) == text
    assert capsys.readouterr().out == ""


def test_pipeline_grid_search_and_cross_val(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 60)
    grid = GridSearchCV(
        MLPClassifier(epochs=5, lr=0.02, **FAST), {"hidden": [(4,), (8, 8)]}, cv=2
    ).fit(X, y)
    assert grid.best_params_["hidden"] in [(4,), (8, 8)]
    assert len(grid.cv_results_["mean_test_score"]) == 2
    pipe = make_pipeline(StandardScaler(), MLPClassifier((4,), epochs=5, lr=0.02, **FAST))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.7


def test_l1_and_weight_decay_shrink_weights(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 50)
    kw = {"epochs": 40, "lr": 0.01, "optimizer": "sgd", **FAST}
    plain = MLPClassifier((8,), **kw).fit(X, y)
    l1 = MLPClassifier((8,), l1=0.05, **kw).fit(X, y)
    l2 = MLPClassifier((8,), weight_decay=0.5, **kw).fit(X, y)

    def norm(c: MLPClassifier) -> float:
        return float(sum(p.detach().abs().sum() for p in c.module_.parameters() if p.ndim > 1))

    assert norm(l1) < norm(plain)
    assert norm(l2) < norm(plain)


def test_export_onnx_matches_torch(rng: np.random.Generator, tmp_path: Any) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    X, y = _blobs(rng, 30)
    clf = MLPClassifier((8,), epochs=2, **FAST).fit(X, y)
    path = clf.export_onnx(tmp_path / "mlp.onnx")
    session = ort.InferenceSession(str(path))
    Xq = rng.normal(size=(7, 2)).astype(np.float32)
    (out,) = session.run(None, {"X": Xq})
    np.testing.assert_allclose(out[:, 0], clf.predict_proba(Xq)[:, 1], atol=1e-5)


def test_export_onnx_without_onnx_names_the_extra(
    rng: np.random.Generator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = _blobs(rng, 10)
    clf = MLPClassifier((4,), epochs=1, **FAST).fit(X, y)
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in ("onnx", "onnxscript"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install 'neyman\[onnx\]'"):
        clf.export_onnx(tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_batch_size_one_per_event_sgd(rng: np.random.Generator) -> None:
    X, y = _blobs(rng, 10)
    clf = MLPClassifier(
        (4,), batch_size=1, optimizer="sgd", lr=0.05, epochs=3, backend="torch", **FAST
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 3 and clf.backend_ == "torch"
    fast = MLPClassifier((4,), batch_size=1, optimizer="sgd", lr=0.05, epochs=3, **FAST).fit(X, y)
    assert fast.backend_ == "fast"  # small per-event SGD picks the compiled loop by default


def _plain_sgd_loop(X: np.ndarray, y: np.ndarray, *, seed: int, lr: float, epochs: int) -> Any:
    """The course's plain PyTorch loop: default ``torch.optim.SGD`` (momentum 0), one event
    per step, mean BCE on the logit, the per-epoch order ``MLPClassifier`` documents."""
    from neyman.models.mlp import build_mlp
    from neyman.train import epoch_permutation, epoch_seed

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = build_mlp(2, (10, 10), 1, activation="tanh")
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt = torch.from_numpy(X.astype(np.float32))
    yt = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    for epoch in range(epochs):
        for i in epoch_permutation(len(X), epoch_seed(seed, epoch)).tolist():
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                net(Xt[i : i + 1]), yt[i : i + 1]
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net


def test_sheet_sgd_is_plain_sgd_as_in_pytorch_and_keras() -> None:
    """Issue 18 item 4: ``optimizer="sgd"`` defaults to momentum 0, as torch and Keras."""
    from neyman.datasets import charges

    ds = charges()
    X, y = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y)
    clf = MLPClassifier(
        (10, 10), activation="tanh", optimizer="sgd", lr=0.01, batch_size=1, epochs=10,
        random_state=7, verbose=0,
    ).fit(X, y)  # fmt: skip
    assert clf.momentum == 0.0
    ref = _plain_sgd_loop(X, y, seed=7, lr=0.01, epochs=10)
    ours = torch.cat([p.detach().ravel() for p in clf.module_.parameters()])
    theirs = torch.cat([p.detach().ravel() for p in ref.parameters()])
    assert float((ours - theirs).abs().max()) < 1e-5
    with torch.inference_mode():
        z = ref(torch.from_numpy(X)).numpy()[:, 0]
    p_ref = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], p_ref, atol=1e-5)
    # with the old default (momentum 0.9) the same call lands elsewhere
    heavy = MLPClassifier(
        (10, 10), activation="tanh", optimizer="sgd", lr=0.01, momentum=0.9, batch_size=1,
        epochs=10, random_state=7, verbose=0,
    ).fit(X, y)  # fmt: skip
    moved = torch.cat([p.detach().ravel() for p in heavy.module_.parameters()])
    assert float((moved - theirs).abs().max()) > 1e-2


def test_training_record_in_history_and_model_directory(
    rng: np.random.Generator, tmp_path: Any
) -> None:
    import json

    from neyman.models import load

    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier((8,), epochs=2, verbose=0, random_state=0, n_threads=1).fit(X, y)
    assert (clf.history_.backend, clf.history_.precision) == ("torch", "fp32")
    assert clf.backend_ == "torch" and clf.precision_ == "fp32"
    clf.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    expected = {"backend": "torch", "precision": "fp32", "n_threads": 1}
    assert meta["state"]["training"] == expected
    loaded = load(tmp_path / "m")
    assert loaded.history_.record() == clf.history_.record()  # type: ignore[attr-defined]
    assert loaded.history_ == clf.history_  # type: ignore[attr-defined]


def test_bf16_keeps_float32_weights_and_learns(rng: np.random.Generator) -> None:
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    kw: dict[str, Any] = {"epochs": 20, "lr": 1e-2, "verbose": 0, "random_state": 0}
    bf16 = MLPClassifier((32,), precision="bf16", **kw).fit(X, y)
    fp32 = MLPClassifier((32,), precision="fp32", **kw).fit(X, y)
    assert bf16.precision_ == "bf16" and bf16.history_.precision == "bf16"
    assert all(p.dtype == torch.float32 for p in bf16.module_.parameters())
    assert bf16.score(X, y) > 0.95
    # bf16 rounds the products: a different trajectory from fp32, but close in loss
    assert bf16.history_["loss"] != fp32.history_["loss"]
    assert abs(bf16.history_["loss"][-1] - fp32.history_["loss"][-1]) < 0.02


def test_auto_precision_is_fp32_for_small_networks(rng: np.random.Generator) -> None:
    from neyman.models._torch import resolve_precision

    X = rng.normal(size=(50, 3))
    clf = MLPClassifier((8,), epochs=1, verbose=0).fit(X, X[:, 0] > 0)
    assert clf.precision == "auto" and clf.precision_ == "fp32"
    cpu = torch.device("cpu")
    assert resolve_precision("bf16", cpu, work=1.0, batch_size=1) == "bf16"
    assert resolve_precision("auto", torch.device("meta"), work=1e12, batch_size=4096) == "fp32"


def test_fast_backend_refuses_bf16(rng: np.random.Generator) -> None:
    X = rng.normal(size=(30, 2))
    clf = MLPClassifier((4,), precision="bf16", backend="fast", batch_size=1, verbose=0)
    with pytest.raises(ConfigError, match="precision='bf16'") as info:
        clf.fit(X, X[:, 0] > 0)
    assert info.value.key == "backend"
