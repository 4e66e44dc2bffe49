"""Dask apply: one output per input file, one score per event, also when a worker dies."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from neyman.data import read_table, write_table
from neyman.errors import ConfigError, DataError
from neyman.models import FisherDiscriminant
from neyman.models.pipeline import Pipeline

distributed = pytest.importorskip("distributed")

from neyman.scale.dask import apply_files, dask_client  # noqa: E402

pytestmark = pytest.mark.distributed


def _inputs(tmp: Path, n_files: int = 10, n: int = 200) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(0)
    frames = []
    d = tmp / "in"
    d.mkdir()
    for i in range(n_files):
        df = pd.DataFrame(
            {"x": rng.normal(size=n), "y": rng.normal(size=n), "event": np.arange(n) + 10_000 * i}
        )
        write_table(df, d / f"f{i:02d}.parquet")
        frames.append(df)
    return d, pd.concat(frames, ignore_index=True)


def _model(tmp: Path) -> Path:
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 1, (200, 2)), rng.normal(1, 1, (200, 2))]
    y = np.r_[np.zeros(200), np.ones(200)].astype(int)
    pipe = Pipeline(["x", "y"], FisherDiscriminant().fit(X, y), mean=np.zeros(2), scale=np.ones(2))
    return pipe.save(tmp / "model")


class _KillOnce(distributed.WorkerPlugin):  # type: ignore[misc]
    """Kill the first worker that starts a task (once, marked by a file), mid-task."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def setup(self, worker: Any) -> None:
        self.worker = worker

    def transition(self, key: Any, start: str, finish: str, **kw: Any) -> None:
        if finish != "executing":
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        threading.Timer(0.05, os._exit, args=(1,)).start()


def _check(out: Path, events: pd.DataFrame, model: Path) -> None:
    files = sorted(out.glob("*.parquet"))
    assert [f.stem for f in files] == [f"f{i:02d}" for i in range(10)]
    assert not list(out.glob(".*"))  # no temporary file left behind
    scored = read_table([str(f) for f in files])
    ids = scored["event"].to_numpy()
    assert len(ids) == len(np.unique(ids))  # no duplicates
    assert sorted(ids.tolist()) == sorted(events["event"].tolist())  # no gaps
    # the scores are the pipeline's own
    pipe = Pipeline.load(model)
    merged = events.merge(scored[["event", "score"]], on="event")
    expect = pipe.score(merged[["x", "y"]])
    np.testing.assert_allclose(merged["score"].to_numpy(), expect, rtol=1e-6)


def test_apply_local_cluster_with_a_killed_worker(tmp_path: Path) -> None:
    d, events = _inputs(tmp_path)
    model = _model(tmp_path)
    out = tmp_path / "scored"
    with dask_client("local:2") as client:
        client.register_plugin(_KillOnce(str(tmp_path / "killed")))
        outputs = apply_files(model, str(d / "*.parquet"), out, client=client)
    assert (tmp_path / "killed").exists()  # a worker did die mid-task
    assert outputs == [out / f"f{i:02d}.parquet" for i in range(10)]
    _check(out, events, model)
    # a re-run after losing two outputs redoes just those, leaving the others untouched
    stamps = {f: f.stat().st_mtime_ns for f in outputs}
    outputs[3].unlink()
    outputs[7].unlink()
    with dask_client("local:2") as client:
        apply_files(model, str(d / "*.parquet"), out, client=client)
    for f in outputs:
        assert f.exists()
        if f not in (outputs[3], outputs[7]):
            assert f.stat().st_mtime_ns == stamps[f]
    _check(out, events, model)


def test_bad_scheduler_and_clashing_stems(tmp_path: Path) -> None:
    d, _ = _inputs(tmp_path, n_files=1, n=5)
    model = _model(tmp_path)
    with pytest.raises(ConfigError, match="local:N") as e:
        apply_files(model, str(d / "*.parquet"), tmp_path / "o", scheduler="yarn")
    assert e.value.key == "scheduler"
    (tmp_path / "b").mkdir()
    write_table(pd.DataFrame({"x": [1.0]}), tmp_path / "b" / "f00.csv")
    with pytest.raises(DataError, match="f00.parquet") as e2:
        apply_files(model, [d / "f00.parquet", tmp_path / "b" / "f00.csv"], tmp_path / "o")
    assert e2.value.key == "events"


def test_cli_apply_with_scheduler(tmp_path: Path) -> None:
    from neyman.cli import main

    d, events = _inputs(tmp_path)
    model = _model(tmp_path)
    out = tmp_path / "scored"
    rc = main(["apply", str(model), str(d / "*.parquet"), "-o", str(out), "--scheduler", "local:1"])
    assert rc == 0
    _check(out, events, model)
