"""2-process DDP on CPU against single-process training with the same global batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from neyman.data import write_table
from neyman.data.stream import StreamSource
from neyman.models import MLPClassifier
from neyman.scale.ddp import fit_ddp


def test_ddp_two_ranks_matches_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for label, shift in ((0, 0.0), (1, 0.7)):
        for i in range(4):
            x = rng.normal(shift, 1.0, size=(1500, 2))
            write_table(
                pd.DataFrame({"a": x[:, 0], "b": x[:, 1]}), tmp_path / f"{label}_{i}.parquet"
            )
    src = StreamSource(
        {0: str(tmp_path / "0_*.parquet"), 1: str(tmp_path / "1_*.parquet")},
        ["a", "b"],
        chunk_rows=500,
        buffer_rows=3000,
        block_rows=1000,
        seed=0,
    )
    src.mean, src.scale = src.moments()
    Xt = np.r_[rng.normal(0, 1, (5000, 2)), rng.normal(0.7, 1, (5000, 2))]
    yt = np.r_[np.zeros(5000), np.ones(5000)]
    Xt = ((Xt - src.mean) / src.scale).astype(np.float32)
    kw = {"hidden": (8,), "batch_size": 100, "lr": 3e-3, "random_state": 0, "verbose": 0}
    two = fit_ddp(MLPClassifier(**kw), src, nproc=2, epochs=3)  # type: ignore[arg-type]
    one = fit_ddp(MLPClassifier(**kw), src, nproc=1, epochs=3)  # type: ignore[arg-type]
    loss = two.history_["loss"]
    assert loss[-1] < loss[0]
    auc2 = roc_auc_score(yt, two.predict_proba(Xt)[:, 1])
    auc1 = roc_auc_score(yt, one.predict_proba(Xt)[:, 1])
    assert auc1 > 0.65
    assert abs(auc2 - auc1) < 0.005
