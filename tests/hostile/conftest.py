"""Saved models shared by the hostile cases (fitted once per session, copied per case)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.workspace import events_frame


@pytest.fixture(scope="session")
def saved_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from neyman.models import BDTClassifier, FisherDiscriminant

    root = tmp_path_factory.mktemp("hostile-models")
    df = events_frame()
    X, y = df[["a", "b"]], df["label"].to_numpy()
    fisher = FisherDiscriminant().fit(X, y).save(root / "fisher")
    bdt = BDTClassifier(3, device="cpu", n_jobs=1, random_state=0).fit(X, y).save(root / "bdt")
    study = FisherDiscriminant().fit(X, y).save(root / "study")
    # what study/run.py writes beside a model (until it records its checksum)
    pre = {"features": ["a", "b"], "mean": [0.0, 0.0], "scale": [1.0, 1.0]}
    (study / "preprocessing.json").write_text(json.dumps(pre, indent=2))
    return {"fisher": fisher, "bdt": bdt, "study": study}
