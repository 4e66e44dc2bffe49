"""The model directory's input pipeline: saved without pickle, loaded with every check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import neyman
from neyman.errors import DataError, ModelError
from neyman.models import FisherDiscriminant, Pipeline
from neyman.models.base import add_model_file
from neyman.models.pipeline import PIPELINE_FILE, load_pipeline, standardise


@pytest.fixture
def saved(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Pipeline]:
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    est = FisherDiscriminant().fit(standardise(X, mean, scale), y)
    pipe = Pipeline(["a", "abs(b)"], est, mean=mean, scale=scale, selection="a > -5")
    return pipe.save(tmp_path / "model"), pipe


def test_round_trip_scores_identically(
    saved: tuple[Path, Pipeline], rng: np.random.Generator
) -> None:
    path, pipe = saved
    table = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    back = neyman.load(path)
    assert isinstance(back, Pipeline)
    np.testing.assert_array_equal(back.predict_proba(table), pipe.predict_proba(table))
    # the expression abs(b) is evaluated on the raw column; the oracle does it by hand
    X = np.column_stack([table["a"], np.abs(table["b"])])
    want = pipe.estimator.predict_proba(standardise(X, pipe.mean, pipe.scale))[:, 1]
    np.testing.assert_array_equal(back.score(table), want)


def test_bare_estimator_directory_loads_the_estimator(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    est = FisherDiscriminant().fit(rng.normal(size=(50, 2)), np.arange(50) % 2)
    assert isinstance(neyman.load(est.save(tmp_path / "bare")), FisherDiscriminant)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("version", 2, "pipeline version 2; this neyman reads version 1"),
        ("classes", [1, 0], r"classes \[1, 0\] differ from the estimator's"),
        ("features", ["a"], "pipeline has 1 features but mean/scale"),
        ("format", "other", "not a neyman pipeline file"),
        ("missing", {"c": 0.0}, "'c', which is not a feature"),
    ],
)
def test_tampered_pipeline_is_refused(
    saved: tuple[Path, Pipeline], tmp_path: Path, field: str, value: object, match: str
) -> None:
    path, _ = saved
    bad = tmp_path / "bad"
    shutil.copytree(path, bad)
    doc = json.loads((bad / PIPELINE_FILE).read_text())
    doc[field] = value
    # written with its checksum recorded, as a consistent but wrong directory would be: the
    # field checks themselves must refuse it (a plain hand edit fails the checksum first)
    add_model_file(bad, PIPELINE_FILE, json.dumps(doc))
    with pytest.raises(ModelError, match=match) as info:
        load_pipeline(bad)
    assert info.value.path is not None and Path(info.value.path).parent in (bad, tmp_path)


def test_bad_standardiser_and_table(saved: tuple[Path, Pipeline], tmp_path: Path) -> None:
    path, pipe = saved
    bad = tmp_path / "bad"
    shutil.copytree(path, bad)
    doc = json.loads((bad / PIPELINE_FILE).read_text())
    doc["standardiser"]["scale"] = [1.0, 0.0]
    add_model_file(bad, PIPELINE_FILE, json.dumps(doc))
    with pytest.raises(ModelError, match="scale must be > 0"):
        load_pipeline(bad)
    add_model_file(bad, PIPELINE_FILE, "{not json")
    with pytest.raises(ModelError, match="is not readable JSON"):
        load_pipeline(bad)
    with pytest.raises(DataError, match="score a file path or a DataFrame"):
        pipe.score(np.zeros((2, 2)))  # type: ignore[arg-type]


def test_hand_edited_pipeline_fails_its_checksum(
    saved: tuple[Path, Pipeline], tmp_path: Path
) -> None:
    path, _ = saved
    bad = tmp_path / "bad"
    shutil.copytree(path, bad)
    doc = json.loads((bad / PIPELINE_FILE).read_text())
    doc["selection"] = None  # a plausible edit: score every event without saying so
    (bad / PIPELINE_FILE).write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="does not match the checksum") as info:
        load_pipeline(bad)
    assert info.value.path is not None and Path(info.value.path).name == PIPELINE_FILE
