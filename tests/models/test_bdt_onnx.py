"""BDT ONNX export: the exported graph scores as the booster does (to 1e-5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neyman.models import BDTClassifier, BDTRegressor

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxmltools")


def _data(rng: np.random.Generator, n: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 + 0.5 * rng.normal(size=n) > 1).astype(int)
    return X, y


def _run(path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["X"]
    return np.asarray(session.run(["output"], {"X": X})[0])


@pytest.mark.parametrize("signed", [False, True])
def test_classifier_onnx_equals_booster(
    rng: np.random.Generator, tmp_path: Path, signed: bool
) -> None:
    X, y = _data(rng)
    # signed weights train through a custom objective: the graph is the margin + sigmoid
    w = np.where(rng.random(len(y)) < 0.2, -0.5, 1.0) if signed else None
    bdt = BDTClassifier(60, early_stopping_rounds=5, negative_weights="keep", random_state=0).fit(
        X, y, sample_weight=w
    )
    out = _run(bdt.export_onnx(tmp_path / "bdt.onnx"), X)
    assert out.shape == (len(X), 1)
    np.testing.assert_allclose(out[:, 0], bdt.predict_proba(X)[:, 1], rtol=0, atol=1e-5)


def test_multiclass_and_regressor_onnx(rng: np.random.Generator, tmp_path: Path) -> None:
    X, _ = _data(rng)
    y3 = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    clf = BDTClassifier(30, random_state=0).fit(X, y3)
    out = _run(clf.export_onnx(tmp_path / "m.onnx"), X)
    np.testing.assert_allclose(out, clf.predict_proba(X), rtol=0, atol=1e-5)
    reg = BDTRegressor(30, random_state=0).fit(X, 2.0 * X[:, 0] + X[:, 2])
    out = _run(reg.export_onnx(tmp_path / "r.onnx"), X)
    np.testing.assert_allclose(out[:, 0], reg.predict(X), rtol=0, atol=1e-5)
