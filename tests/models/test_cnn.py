"""CNNClassifier: the layer spec, image shapes, training on toy images, ONNX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from neyman.errors import ConfigError, DataError, ModelError
from neyman.models import CNNClassifier
from neyman.models.cnn import build_cnn, parse_layers

FAST: dict[str, Any] = {"verbose": 0, "device": "cpu", "random_state": 0}


def _images(rng: np.random.Generator, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """8x8 one-channel images: a vertical bar (class 1) or a horizontal bar (class 0)."""
    X = rng.normal(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    y = np.arange(n) % 2
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i]:
            X[i, 0, :, pos[i]] += 1.0
        else:
            X[i, 0, pos[i], :] += 1.0
    return X, y


def test_parse_and_build() -> None:
    assert parse_layers(("conv8x3", "pool2", "avgpool2", "dense16")) == [
        ("conv", 8, 3),
        ("pool", 2, 0),
        ("avgpool", 2, 0),
        ("dense", 16, 0),
    ]
    net = build_cnn((1, 8, 8), ("conv4x3", "pool2", "dense8"), 1)
    # conv: 4*1*9+4 = 40; dense: 4*4*4*8+8 = 520; head: 8+1 = 9
    assert sum(p.numel() for p in net.parameters()) == 569
    assert net(torch.zeros(2, 1, 8, 8)).shape == (2, 1)
    # pooling never shrinks a dimension below 1 (one-row images from flat inputs)
    row = build_cnn((1, 1, 5), ("conv2x3", "pool2"), 3)
    assert row(torch.zeros(4, 1, 1, 5)).shape == (4, 3)


@pytest.mark.parametrize("bad", ["conv8", "conv8x2", "dense", "lstm32", "pool0"])
def test_bad_spec_explains_the_grammar(bad: str) -> None:
    with pytest.raises(ConfigError, match=bad):
        parse_layers((bad,))
    with pytest.raises(ConfigError, match="put conv/pool first"):
        build_cnn((1, 4, 4), ("dense4", "conv2x3"), 1)


def test_learns_bar_orientation(rng: np.random.Generator) -> None:
    X, y = _images(rng, 160)
    Xt, yt = _images(rng, 100)
    clf = CNNClassifier(("conv4x3", "pool2", "dense8"), epochs=10, lr=0.02, batch_size=32, **FAST)
    clf.fit(X, y)
    assert clf.input_shape_ == (1, 8, 8)
    assert clf.n_parameters_ == 569
    assert (clf.predict(Xt) == yt).mean() > 0.9
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]


def test_image_layouts_agree(rng: np.random.Generator) -> None:
    X, y = _images(rng, 40)
    Xt, _ = _images(rng, 10)
    kw: dict[str, Any] = {"epochs": 2, "lr": 0.02, "batch_size": 16, **FAST}
    clf = CNNClassifier(("conv4x3", "pool2", "dense8"), **kw).fit(X, y)
    # the same images flat with input_shape, or as (n, h, w), give the same network
    flat = CNNClassifier(("conv4x3", "pool2", "dense8"), input_shape=(1, 8, 8), **kw).fit(
        X.reshape(len(X), -1), y
    )
    np.testing.assert_allclose(
        flat.decision_function(Xt.reshape(len(Xt), -1)),
        clf.decision_function(Xt),
        rtol=1e-5,
        atol=1e-5,
    )
    np.testing.assert_allclose(
        clf.decision_function(Xt[:, 0]), clf.decision_function(Xt), rtol=0, atol=0
    )
    assert "Conv2d" in clf.summary(show=False)


def test_wrong_image_shape(rng: np.random.Generator) -> None:
    X, y = _images(rng, 20)
    clf = CNNClassifier(("conv2x3", "dense4"), epochs=1, **FAST).fit(X, y)
    with pytest.raises(
        ModelError,
        match=r"images of shape \(1, 7, 7\), but CNNClassifier was fitted on \(1, 8, 8\)",
    ):
        clf.predict(np.zeros((3, 1, 7, 7), dtype=np.float32))
    with pytest.raises(DataError, match="input_shape=.*does not hold the 10 features"):
        CNNClassifier(input_shape=(1, 3, 3), epochs=1, **FAST).fit(np.zeros((4, 10)), [0, 1, 0, 1])


@pytest.mark.slow
def test_export_onnx(rng: np.random.Generator, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    X, y = _images(rng, 40)
    y3 = np.arange(40) % 3
    clf = CNNClassifier(("conv2x3", "pool2", "dense4"), epochs=1, **FAST).fit(X, y3)
    session = ort.InferenceSession(str(clf.export_onnx(tmp_path / "cnn.onnx")))
    (out,) = session.run(None, {"X": X[:5]})
    np.testing.assert_allclose(out, clf.predict_proba(X[:5]), atol=1e-5)
