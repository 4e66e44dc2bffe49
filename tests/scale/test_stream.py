"""Streaming training source: determinism, coverage, and streamed vs in-memory training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from neyman.data import write_table
from neyman.data.stream import StreamSource
from neyman.errors import DataError
from neyman.models import BDTClassifier, MLPClassifier


def _write(tmp: Path, n_files: int, n: int, seed: int) -> tuple[str, str, pd.DataFrame]:
    """Signal and background in ``n_files`` Parquet files each; returns globs and all events."""
    rng = np.random.default_rng(seed)
    frames = []
    for label, shift in ((0, 0.0), (1, 0.6)):
        for i in range(n_files):
            x = rng.normal(shift, 1.0, size=(n, 3))
            df = pd.DataFrame(
                {
                    "a": x[:, 0],
                    "b": x[:, 1],
                    "c": x[:, 2] * (1 + label),
                    "event": np.arange(n) + 1000 * i + 100_000 * label,
                }
            )
            write_table(df, tmp / f"{'sb'[1 - label]}{i}.parquet")
            frames.append(df.assign(label=label))
    return str(tmp / "b*.parquet"), str(tmp / "s*.parquet"), pd.concat(frames, ignore_index=True)


def _source(tmp: Path, bkg: str, sig: str, **kw: object) -> StreamSource:
    args: dict[str, object] = {"chunk_rows": 64, "buffer_rows": 500, "block_rows": 200, "seed": 3}
    args.update(kw)
    return StreamSource({0: bkg, 1: sig}, ["a", "b", "c", "event"], **args)  # type: ignore[arg-type]


def test_every_event_once_and_same_seed_same_blocks(tmp_path: Path) -> None:
    bkg, sig, events = _write(tmp_path, 4, 300, 0)
    src = _source(tmp_path, bkg, sig)
    assert src.n_files == 8
    first = list(src.blocks(0))
    again = list(_source(tmp_path, bkg, sig).blocks(0))
    assert len(first) == len(again)
    for b1, b2 in zip(first, again, strict=True):
        np.testing.assert_array_equal(b1.X, b2.X)
        np.testing.assert_array_equal(b1.y, b2.y)
    ids = np.concatenate([b.X[:, 3] for b in first]).astype(np.int64)
    labels = np.concatenate([b.y for b in first])
    # every event exactly once, with its own label
    assert sorted(ids.tolist()) == sorted(events["event"].tolist())
    truth = dict(zip(events["event"], events["label"], strict=True))
    assert all(truth[i] == lab for i, lab in zip(ids.tolist(), labels.tolist(), strict=True))
    # blocks mix classes and files: the first block holds both classes and > 2 files
    assert set(first[0].y.tolist()) == {0, 1}
    assert len({int(i) // 1000 for i in first[0].X[:, 3]}) > 2
    # another seed or epoch: another order, same events
    other = np.concatenate([b.X[:, 3] for b in _source(tmp_path, bkg, sig, seed=4).blocks(0)])
    assert not np.array_equal(other, ids)
    assert sorted(other.astype(np.int64).tolist()) == sorted(ids.tolist())
    ep1 = np.concatenate([b.X[:, 3] for b in src.blocks(1)])
    assert not np.array_equal(ep1, ids)


def test_selection_weights_and_shards(tmp_path: Path) -> None:
    bkg, sig, events = _write(tmp_path, 3, 200, 1)
    src = _source(tmp_path, bkg, sig, selection="a > 0", class_weight={1: 2.5})
    blocks = list(src.blocks(0))
    X = np.concatenate([b.X for b in blocks])
    w = np.concatenate([b.w for b in blocks])
    y = np.concatenate([b.y for b in blocks])
    assert len(X) == int((events["a"] > 0).sum())
    assert (X[:, 0] > 0).all()
    np.testing.assert_array_equal(w, np.where(y == 1, 2.5, 1.0))
    shards = [_source(tmp_path, bkg, sig, shard=(r, 2)) for r in range(2)]
    ids = [np.concatenate([b.X[:, 3] for b in s.blocks(0)]) for s in shards]
    assert not set(ids[0].tolist()) & set(ids[1].tolist())
    assert len(ids[0]) + len(ids[1]) == len(events)


def test_moments_match_in_memory(tmp_path: Path) -> None:
    bkg, sig, events = _write(tmp_path, 2, 250, 2)
    mean, std = _source(tmp_path, bkg, sig).moments()
    cols = events[["a", "b", "c", "event"]].to_numpy(dtype=np.float32).astype(np.float64)
    np.testing.assert_allclose(mean, cols.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(std, cols.std(axis=0), rtol=1e-9)


def test_bad_arguments(tmp_path: Path) -> None:
    bkg, sig, _ = _write(tmp_path, 1, 10, 3)
    with pytest.raises(DataError, match="two classes") as e:
        StreamSource({0: bkg}, ["a"])
    assert e.value.key == "classes"
    with pytest.raises(DataError, match="buffer_rows") as e:
        StreamSource({0: bkg, 1: sig}, ["a"], buffer_rows=0)
    assert e.value.key == "buffer_rows"
    with pytest.raises(DataError, match="shard 2 of 3 gets no file") as e:
        StreamSource({0: bkg, 1: sig}, ["a"], shard=(2, 3))
    assert e.value.key == "shard"


def _training_data(tmp_path: Path) -> tuple[StreamSource, pd.DataFrame, pd.DataFrame]:
    bkg, sig, events = _write(tmp_path, 3, 1000, 5)
    rng = np.random.default_rng(9)
    test = pd.DataFrame(
        {
            "a": np.r_[rng.normal(0, 1, 4000), rng.normal(0.6, 1, 4000)],
            "b": np.r_[rng.normal(0, 1, 4000), rng.normal(0.6, 1, 4000)],
            "c": np.r_[rng.normal(0, 1, 4000), 2 * rng.normal(0.6, 1, 4000)],
            "label": np.r_[np.zeros(4000), np.ones(4000)],
        }
    )
    src = StreamSource(
        {0: bkg, 1: sig}, ["a", "b", "c"], chunk_rows=250, buffer_rows=2000, block_rows=1000, seed=0
    )
    return src, events, test


def test_streamed_mlp_matches_in_memory_auc(tmp_path: Path) -> None:
    src, events, test = _training_data(tmp_path)
    src.mean, src.scale = src.moments()
    X = ((events[["a", "b", "c"]].to_numpy(np.float32) - src.mean) / src.scale).astype(np.float32)
    Xt = ((test[["a", "b", "c"]].to_numpy(np.float32) - src.mean) / src.scale).astype(np.float32)
    kw = {"hidden": (16,), "batch_size": 128, "lr": 3e-3, "random_state": 0, "verbose": 0}
    streamed = MLPClassifier(**kw).fit_stream(src, epochs=8)  # type: ignore[arg-type]
    loss = streamed.history_["epoch_loss"]
    assert loss[-1] < loss[0]
    memory = MLPClassifier(epochs=8, backend="torch", **kw).fit(X, events["label"])  # type: ignore[arg-type]
    auc_s = roc_auc_score(test["label"], streamed.predict_proba(Xt)[:, 1])
    auc_m = roc_auc_score(test["label"], memory.predict_proba(Xt)[:, 1])
    assert auc_m > 0.75
    assert abs(auc_s - auc_m) < 0.005


def test_external_memory_bdt_matches_in_memory_auc(tmp_path: Path) -> None:
    src, events, test = _training_data(tmp_path)
    kw = {"max_depth": 3, "random_state": 0, "n_threads": 1}
    ext = BDTClassifier(60, **kw).fit_stream(src, cache_dir=tmp_path / "xgb")  # type: ignore[arg-type]
    mem = BDTClassifier(60, **kw).fit(events[["a", "b", "c"]].to_numpy(), events["label"])  # type: ignore[arg-type]
    Xt = test[["a", "b", "c"]].to_numpy()
    auc_e = roc_auc_score(test["label"], ext.predict_proba(Xt)[:, 1])
    auc_m = roc_auc_score(test["label"], mem.predict_proba(Xt)[:, 1])
    assert auc_m > 0.75
    assert abs(auc_e - auc_m) < 0.003
    assert list(ext.classes_) == [0, 1]
    assert ext.cache_pages_ >= 1  # the binned data went to disk
