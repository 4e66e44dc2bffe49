"""save/load round trips for every estimator, and every way loading can go wrong."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import neyman.models as nm
from neyman.errors import ConfigError, ModelError
from tests._fixtures import resign_model

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
    recorded = json.loads((path / "model.json").read_text())["integrity"]["files"]
    assert set(recorded) == expected - {"model.json"}
    for name, digest in recorded.items():  # checksums against an independent sha256
        assert digest == hashlib.sha256((path / name).read_bytes()).hexdigest()
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
    v = nm.FORMAT_VERSION
    pattern = rf"format version {v + 1}, newer than this neyman supports \({v}\); upgrade neyman"
    with pytest.raises(ModelError, match=pattern) as info:
        nm.load(path)
    assert info.value.key == "format_version"


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
    with pytest.raises(ModelError, match="booster.json' is recorded in model.json but missing"):
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


# ----------------------------------------------------------------------------- integrity


def _saved(tmp_path: Path, rng: np.random.Generator, est: Any = None) -> Path:
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["pt", "eta", "phi"])
    y = np.where(X["pt"] > 0, "sig", "bkg")
    return (est or nm.LogisticRegression()).fit(X, y).save(tmp_path / "m")


def _edit(path: Path, change: Any) -> None:
    doc = json.loads((path / "model.json").read_text())
    change(doc)
    (path / "model.json").write_text(json.dumps(doc))


def test_tampered_weights_are_refused_naming_the_file(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    path = _saved(tmp_path, rng)
    data = bytearray((path / "weights.safetensors").read_bytes())
    data[-3] ^= 0x01  # one bit of one coefficient: still a valid safetensors file
    (path / "weights.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the checksum") as info:
        nm.load(path)
    assert info.value.path == str(path / "weights.safetensors")


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("reordered features", lambda d: d["feature_names"].reverse()),
        ("swapped classes", lambda d: d["classes"]["values"].reverse()),
        ("swapped state classes", lambda d: d["state"]["classes"]["values"].reverse()),
        ("changed parameter", lambda d: d["params"].update(C=99.0)),
    ],
)
def test_hand_edits_of_model_json_are_refused(
    tmp_path: Path, rng: np.random.Generator, what: str, change: Any
) -> None:
    path = _saved(tmp_path, rng)
    _edit(path, change)
    with pytest.raises(ModelError, match="was modified after saving") as info:
        nm.load(path)
    assert info.value.path == str(path / "model.json")


def test_consistent_edits_with_a_recomputed_checksum_still_fail_on_classes(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    from neyman.models.base import _write_document

    path = _saved(tmp_path, rng)
    doc = json.loads((path / "model.json").read_text())
    files = doc.pop("integrity")["files"]
    doc["classes"]["values"].reverse()  # top-level record disagrees with the state
    _write_document(path, doc, files)
    with pytest.raises(ModelError, match="recorded classes") as info:
        nm.load(path)
    assert info.value.key == "classes"


@pytest.mark.parametrize("entry", ["/etc/passwd", "../outside.safetensors", "sub/../../x"])
def test_weights_entry_outside_the_directory_is_refused(
    tmp_path: Path, rng: np.random.Generator, entry: str
) -> None:
    path = _saved(tmp_path, rng)
    _edit(path, lambda d: d.update(weights=entry))
    with pytest.raises(ModelError, match="must name a file inside the model directory") as info:
        nm.load(path)
    assert info.value.key == "weights"


def test_symlinked_weights_are_refused(tmp_path: Path, rng: np.random.Generator) -> None:
    path = _saved(tmp_path, rng)
    outside = tmp_path / "elsewhere.safetensors"
    (path / "weights.safetensors").rename(outside)
    (path / "weights.safetensors").symlink_to(outside)
    with pytest.raises(ModelError, match="outside|symlink") as info:
        nm.load(path)
    assert info.value.path is not None and "weights" in info.value.path


@pytest.mark.parametrize("damage", ["truncate", "garbage", "deep"])
def test_corrupt_booster_json_is_a_one_line_error(
    tmp_path: Path, rng: np.random.Generator, damage: str
) -> None:
    path = _saved(tmp_path, rng, nm.BDTClassifier(3, device="cpu"))
    booster = path / "booster.json"
    text = booster.read_text()
    new = {"truncate": text[: len(text) // 2], "garbage": "{\x00\x01", "deep": "[" * 100_000}
    booster.write_text(new[damage])
    with pytest.raises(ModelError) as info:
        nm.load(path)
    assert info.value.path == str(booster)
    assert "\n" not in str(info.value)
    # format 1 (no checksums): the JSON check alone still catches it before XGBoost does
    _edit(path, lambda d: (d.pop("integrity"), d.update(format_version=1)))
    with pytest.warns(UserWarning, match="not verified"), pytest.raises(ModelError) as info:
        nm.load(path)
    assert info.value.path == str(booster)


def test_format_1_models_load_with_a_warning(tmp_path: Path, rng: np.random.Generator) -> None:
    path = _saved(tmp_path, rng)
    X = pd.DataFrame(rng.normal(size=(5, 3)), columns=["pt", "eta", "phi"])
    expected = nm.load(path).decision_function(X)
    _edit(path, lambda d: (d.pop("integrity"), d.pop("classes"), d.update(format_version=1)))
    with pytest.warns(UserWarning, match="format 1, without checksums"):
        loaded = nm.load(path)
    np.testing.assert_array_equal(loaded.decision_function(X), expected)


def test_format_2_without_integrity_is_refused(tmp_path: Path, rng: np.random.Generator) -> None:
    path = _saved(tmp_path, rng)
    _edit(path, lambda d: d.pop("integrity"))
    with pytest.raises(ModelError, match="no integrity record") as info:
        nm.load(path)
    assert info.value.key == "integrity"


def test_model_files_added_later_are_verified(tmp_path: Path, rng: np.random.Generator) -> None:
    from neyman.models.base import add_model_file, read_model_file

    path = _saved(tmp_path, rng)
    add_model_file(path, "preprocessing.json", '{"mean": [0.0]}')
    assert read_model_file(path, "preprocessing.json") == '{"mean": [0.0]}'
    nm.load(path)  # model.json rewritten with the new checksum still verifies
    (path / "preprocessing.json").write_text('{"mean": [1.0]}')
    with pytest.raises(ModelError, match="does not match the checksum") as info:
        read_model_file(path, "preprocessing.json")
    assert info.value.path == str(path / "preprocessing.json")
    (path / "extra.json").write_text("{}")
    with pytest.raises(ModelError, match="not recorded"):
        read_model_file(path, "extra.json")
    with pytest.raises(ModelError, match="inside the model directory"):
        read_model_file(path, "../m/model.json")


def test_fisher_needs_no_torch_and_loads_any_class_lazily(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    code = (
        "import sys, numpy as np\n"
        "from neyman.models.linear import FisherDiscriminant\n"
        "from neyman.models.base import load\n"
        "X = np.random.default_rng(0).normal(size=(40, 2)); y = np.arange(40) % 2\n"
        f"load(FisherDiscriminant().fit(X, y).save({str(tmp_path / 'f')!r}))\n"
        "print(sorted(m for m in ('torch', 'neyman.train', 'xgboost') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_adding_a_file_to_a_format_1_model_records_its_other_files(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    from neyman.models.base import add_model_file, read_model_file

    path = _saved(tmp_path, rng, nm.BDTClassifier(3, device="cpu"))
    _edit(path, lambda d: (d.pop("integrity"), d.update(format_version=1)))
    add_model_file(path, "pipeline.json", "{}")
    doc = json.loads((path / "model.json").read_text())
    assert doc["format_version"] == nm.FORMAT_VERSION
    assert set(doc["integrity"]["files"]) == {
        "weights.safetensors",
        "booster.json",
        "pipeline.json",
    }
    nm.load(path)  # verified now, no warning
    assert read_model_file(path, "pipeline.json") == "{}"


def test_a_model_saved_under_a_relative_path_loads_and_verifies(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # users (and the digits lab) give relative directories: the confinement check must
    # resolve each weights entry under the model directory, not under it twice
    monkeypatch.chdir(tmp_path)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    model = nm.FisherDiscriminant().fit(X, y)
    model.save(Path("work") / "fisher")
    again = nm.load(Path("work") / "fisher")
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    ("coef", "match"), [(np.ones((1, 5)), "cannot score"), (np.full((1, 2), np.nan), "nan")]
)
def test_weights_that_agree_with_their_checksums_but_not_the_model(
    tmp_path: Path, rng: np.random.Generator, coef: np.ndarray, match: str
) -> None:
    from safetensors.numpy import load_file, save_file

    from neyman.models import Pipeline

    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    y = np.arange(60) % 2
    model = Pipeline(["a", "b"], nm.FisherDiscriminant().fit(X, y), np.zeros(2), np.ones(2))
    path = model.save(tmp_path / "m")
    arrays = load_file(str(path / "weights.safetensors"))
    save_file({**arrays, "coef": coef}, str(path / "weights.safetensors"))
    resign_model(path)
    import neyman

    with pytest.raises(ModelError, match=match) as info:
        neyman.load(path)
    assert info.value.path == str(path)


def test_model_json_too_deep_or_with_a_huge_int_is_refused(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    path = nm.FisherDiscriminant().fit(X, np.arange(60) % 2).save(tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    deep: Any = 0.5
    for _ in range(900):
        deep = [deep]
    doc["params"]["shrinkage"] = deep
    (path / "model.json").write_text(json.dumps(doc))
    resign_model(path)
    with pytest.raises(ModelError, match="nested more than 32 levels"):
        nm.load(path)
    (path / "model.json").write_text('{"format": "neyman-model", "n": ' + "9" * 5000 + "}")
    with pytest.raises(ModelError, match="not readable JSON"):
        nm.load(path)


# ----------------------------------------------- a bare estimator is checked as a pipeline is


@pytest.mark.parametrize(
    ("coef", "match"),
    [
        (np.ones((1, 5)), "cannot score an event"),
        (np.full((1, 2), np.nan), "scores a probe event as"),
    ],
)
def test_bare_load_scores_one_event(tmp_path: Path, coef: np.ndarray, match: str) -> None:
    from safetensors.numpy import load_file, save_file

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    model = nm.FisherDiscriminant().fit(X, (X[:, 0] > 0).astype(int)).save(tmp_path / "m")
    arrays = load_file(str(model / "weights.safetensors"))
    arrays["coef"] = coef
    save_file(arrays, str(model / "weights.safetensors"))
    resign_model(model)
    with pytest.raises(ModelError, match=match) as info:
        nm.load(model)
    assert info.value.path == str(model)


@pytest.mark.parametrize(
    ("name", "value"),
    [("shrinkage", float("inf")), ("shrinkage", float("nan")), ("n_threads", 10**12)],
)
def test_load_checks_parameters_as_fit_does(tmp_path: Path, name: str, value: object) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    model = nm.FisherDiscriminant().fit(X, (X[:, 0] > 0).astype(int)).save(tmp_path / "m")
    doc = json.loads((model / "model.json").read_text())
    doc["params"][name] = value
    (model / "model.json").write_text(json.dumps(doc))
    resign_model(model)
    with pytest.raises(ConfigError, match=f"The '{name}' parameter"):
        nm.FisherDiscriminant(**{name: value})._check_params()  # what fit refuses
    with pytest.raises(ModelError, match=f"The '{name}' parameter of FisherDiscriminant") as info:
        nm.load(model)
    assert info.value.key == name and info.value.path == str(model / "model.json")


@pytest.mark.parametrize(
    "images",
    [np.zeros((12, 1, 6, 5)), np.zeros((12, 6, 5)), np.zeros((12, 3, 4, 4))],
    ids=["nchw", "nhw", "three-channels"],
)
def test_a_cnn_fitted_on_images_loads(tmp_path: Path, images: np.ndarray) -> None:
    """load() scores a probe event in the form the CNN was fitted on (images, not a row)."""
    rng = np.random.default_rng(0)
    X = (images + rng.normal(size=images.shape)).astype(np.float32)
    y = np.arange(len(X)) % 2
    model = nm.CNNClassifier(("conv2x3", "dense4"), epochs=1, random_state=0, verbose=0)
    model.fit(X, y)
    again = nm.load(model.save(tmp_path / "cnn"))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
