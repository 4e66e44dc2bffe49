"""``engine: dask``: the same study on a 2-worker LocalCluster gives the single-process result.

The Dask engine reads each file in a task, trains the BDT with ``xgboost.dask`` and the MLP
from shards the workers write, and scores on the workers. Split, standardiser and weights
are the local engine's (computed once on the client), so the test events, labels and weights
are identical; the scores differ only through training:

* BDT: ``xgboost.dask`` merges per-worker quantile sketches and sums gradient histograms
  across workers (an all-reduce), so its bin edges and float sums can differ from the
  single-process ``hist`` build, and a tie between splits can go the other way. Same
  parameters and seed otherwise; 0.003 in AUC on 1,310 test events is about a tenth of the
  AUC's statistical error (~0.014), i.e. only a genuinely different model would exceed it.
* MLP: the stream shows the same training events once per epoch in one shuffled block
  (the shards fit in one block), in a different order than the in-memory ``fit``; same
  initial weights (seed), batch size, optimizer and epochs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from neyman.errors import ConfigError
from neyman.scale.study import run_study
from neyman.study import Study
from neyman.study.run import TEST_SCORES

from ._study_files import BDT, MLP, study_config

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

pytestmark = pytest.mark.distributed


@pytest.fixture(scope="module")
def cluster() -> Any:
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=":0",  # a free port: other test processes run clusters too
    ) as c:
        yield c


def _tree(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*"))


def test_dask_engine_matches_local(tmp_path: Path, cluster: Any, local_study: Any) -> None:
    cfg, local = local_study.config, local_study.result
    on_dask = run_study(
        Study.from_dict({**cfg, "engine": "dask"}),
        tmp_path / "dask",
        scheduler=cluster.scheduler_address,
    )
    a = {m.name: m.auc for m in local.methods}
    b = {m.name: m.auc for m in on_dask.methods}
    assert a["bdt"] > 0.7 and a["mlp"] > 0.7  # a problem where the models can differ
    assert abs(a["bdt"] - b["bdt"]) < 0.003
    assert abs(a["mlp"] - b["mlp"]) < 0.003
    info = json.loads((tmp_path / "dask" / "metrics.json").read_text())["info"]
    assert info["engine"] == "dask, 2 workers"
    # the same report and model directories, and the same test events in the same order
    assert _tree(local_study.out) == _tree(tmp_path / "dask")
    ta = pd.read_parquet(local_study.out / TEST_SCORES)
    tb = pd.read_parquet(tmp_path / "dask" / TEST_SCORES)
    for col in ("source", "file", "entry", "label", "weight_raw", "weight"):
        np.testing.assert_array_equal(ta[col].to_numpy(), tb[col].to_numpy())


def test_engine_key_is_validated(tmp_path: Path) -> None:
    cfg = study_config(tmp_path, [BDT])
    with pytest.raises(ConfigError) as err:
        Study.from_dict({**cfg, "engine": "spark"})
    assert err.value.key == "engine"
    builtin = {
        "data": {"builtin": "gaussian_mixture", "builtin_options": {"d": 2, "n": 200}},
        "methods": [BDT],
        "engine": "dask",
    }
    with pytest.raises(ConfigError) as err:
        Study.from_dict(builtin)
    assert err.value.key == "engine"
    streamed = {**MLP, "params": {**MLP["params"], "early_stopping": True}}
    with pytest.raises(ConfigError) as err:
        Study.from_dict({**cfg, "methods": [streamed], "engine": "dask"})
    assert err.value.key == "methods.0.params.early_stopping"
