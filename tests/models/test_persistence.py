"""save/load round trips for every estimator, and every way loading can go wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import neyman.models as nm
from neyman.errors import ModelError

FAST: dict[str, Any] = {"verbose": 0, "device": "cpu", "random_state": 0}


def _estimators() -> list[Any]:
    return [
        nm.MLPClassifier((8,), epochs=3, **FAST),
        nm.MLPRegressor((8,), epochs=3, **FAST),
        nm.CNNClassifier(("conv2x3", "pool2", "dense4"), epochs=2, input_shape=(1, 2, 2), **FAST),
        nm.BDTClassifier(10, random_state=0, device="cpu"),
        nm.BDTRegressor(10, random_state=0, device="cpu"),
        nm.KNNClassifier(10),
        nm.HistogramLikelihoodRatio(bins=7),
        nm.FisherDiscriminant(shrinkage=0.1),
        nm.LogisticRegression(C=0.5),
        nm.RectangularCuts(efficiencies=(0.3, 0.6, 0.9)),
    ]


@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_round_trip_gives_identical_predictions(
    est: Any, tmp_path: Path, rng: np.random.Generator
) -> None:
    X = pd.DataFrame(rng.normal(size=(120, 4)), columns=["pt", "eta", "phi", "m"])
    y = (X["pt"] + X["eta"] ** 2 > 0.5).astype(int).to_numpy()
    target = (
        y.astype(float) if "Regressor" in type(est).__name__ else np.where(y == 1, "sig", "bkg")
    )
    est.fit(X, target)
    path = est.save(tmp_path / "model")
    names = {p.name for p in path.iterdir()}
    expected = {"model.json", "weights.safetensors"}
    if "BDT" in type(est).__name__:
        expected.add("booster.json")
    assert names == expected  # and no temporary files left behind
    doc = json.loads((path / "model.json").read_text())
    assert doc["class"] == type(est).__name__
    assert doc["format_version"] == nm.FORMAT_VERSION
    assert doc["feature_names"] == ["pt", "eta", "phi", "m"]
    assert "numpy" in doc["versions"] and "python" in doc["versions"]
    assert not any(p.suffix in (".pkl", ".pickle", ".pt") for p in path.iterdir())
    loaded = nm.load(path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    for method in ("predict_proba", "decision_function"):
        if hasattr(est, method):
            np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(est, method)(X))
    if hasattr(est, "classes_"):
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
    assert list(loaded.feature_names_in_) == ["pt", "eta", "phi", "m"]
    # class-checked loading, and saving again over the same directory
    assert type(est).load(path).n_features_in_ == 4
    loaded.save(path)


def test_load_refuses_a_newer_format(tmp_path: Path, rng: np.random.Generator) -> None:
    est = nm.LogisticRegression().fit(rng.normal(size=(20, 2)), np.arange(20) % 2)
    path = est.save(tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    doc["format_version"] = nm.FORMAT_VERSION + 1
    (path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(
        ModelError, match=r"format version 2, newer than this neyman supports \(1\); upgrade neyman"
    ):
        nm.load(path)


def test_load_refuses_a_mismatched_class(tmp_path: Path, rng: np.random.Generator) -> None:
    path = (
        nm.LogisticRegression()
        .fit(rng.normal(size=(20, 2)), np.arange(20) % 2)
        .save(tmp_path / "m")
    )
    with pytest.raises(ModelError, match="holds a LogisticRegression, not a BDTClassifier"):
        nm.BDTClassifier.load(path)


def test_load_refuses_dirs_that_are_not_models(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        nm.load(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="is not a neyman model directory \\(no model.json\\)"):
        nm.load(tmp_path / "empty")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "model.json").write_text('{"name": "keras"}')
    with pytest.raises(ModelError, match="is not a neyman model file"):
        nm.load(foreign)
    (foreign / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        nm.load(foreign)


def test_load_refuses_unknown_class_and_missing_weights(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    path = (
        nm.LogisticRegression()
        .fit(rng.normal(size=(20, 2)), np.arange(20) % 2)
        .save(tmp_path / "m")
    )
    doc = json.loads((path / "model.json").read_text())
    doc["class"] = "LogisticRegresion"
    (path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(
        ModelError,
        match="unknown model class 'LogisticRegresion'; did you mean 'LogisticRegression'",
    ):
        nm.load(path)
    doc["class"] = "LogisticRegression"
    (path / "model.json").write_text(json.dumps(doc))
    (path / "weights.safetensors").unlink()
    with pytest.raises(ModelError, match="no weights.safetensors"):
        nm.load(path)


def test_bdt_missing_booster(tmp_path: Path, rng: np.random.Generator) -> None:
    path = (
        nm.BDTClassifier(5, device="cpu")
        .fit(rng.normal(size=(40, 2)), np.arange(40) % 2)
        .save(tmp_path / "b")
    )
    (path / "booster.json").unlink()
    with pytest.raises(ModelError, match="no booster.json"):
        nm.load(path)


def test_save_refuses_foreign_directory_and_unfitted(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    with pytest.raises(ModelError, match="not fitted yet"):
        nm.KNNClassifier().save(tmp_path / "x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "data.csv").write_text("a,b\n")
    est = nm.LogisticRegression().fit(rng.normal(size=(20, 2)), np.arange(20) % 2)
    with pytest.raises(ModelError, match="not empty and holds no model.json"):
        est.save(tmp_path / "other")


def test_save_refuses_unserialisable_params(tmp_path: Path, rng: np.random.Generator) -> None:
    est = nm.BDTClassifier(5, random_state=np.random.RandomState(0), device="cpu")
    est.fit(rng.normal(size=(40, 2)), np.arange(40) % 2)
    with pytest.raises(ModelError, match="parameter 'random_state'.*not JSON-serialisable"):
        est.save(tmp_path / "m")
