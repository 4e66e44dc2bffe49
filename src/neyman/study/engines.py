"""How a study reads, fits and scores: the engine interface and the one-process engine.

:class:`Study <neyman.study.run.Study>` calls an engine for four things: read one source
(:meth:`LocalEngine.read`), learn the split and weights (:meth:`LocalEngine.bind`), fit a
method (:meth:`LocalEngine.fit`) and score it (:meth:`LocalEngine.score`). Everything else
(split, standardiser, weight policy, evaluation, report) is the study's one code path, so
every engine writes the same report and model directories. :class:`LocalEngine` is
``engine: local``; the scale-out engines (DDP for the MLPs, Dask for reading, BDTs, MLP
shards and scoring) subclass it in :mod:`neyman.scale.study`, which sits above the study.
This module also holds what they share and the study's config needs: the check of
settings streamed training lacks (:func:`check_streamable`) and the training shards.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from neyman.errors import ConfigError
from neyman.models.pipeline import Events, read_events
from neyman.study.config import MethodConfig, StudyConfig
from neyman.study.methods import MethodScores, Prepared, fit_method, score_method

__all__ = ["STREAM_ROWS", "LocalEngine", "check_streamable", "shard_source", "write_shard"]

#: events per shuffled block when an MLP streams its training shards (bounds memory)
STREAM_ROWS = 200_000


def check_streamable(cfg: StudyConfig, *, ddp: bool, dask: bool) -> None:
    """Refuse, before any work, the settings that streamed or distributed training lacks.

    Streamed and DDP MLPs train without validation-driven steps (``early_stopping``,
    ``lr_schedule``); DDP uses Adam only; the Dask engine reads files. Raises a one-line
    :class:`~neyman.errors.ConfigError` naming the key.
    """
    how = "--nproc (DDP)" if ddp else "engine: dask"
    if dask and cfg.data.builtin is not None:
        msg = "engine: dask reads files; a built-in problem runs with engine: local"
        raise ConfigError(msg, key="engine", value="dask")
    for i, m in enumerate(cfg.methods):
        if m.class_name != "MLPClassifier" or not (ddp or dask):
            continue
        p = m.params
        bad = [k for k in ("early_stopping", "lr_schedule") if p.get(k) not in (None, False)]
        if ddp and p.get("optimizer", "adam") != "adam":
            bad.append("optimizer")
        if bad:
            msg = (
                f"methods.{i}.params.{bad[0]}: method '{m.name}' with {how} trains from a "
                f"stream without validation steps (and with Adam only under DDP); remove "
                f"{bad[0]}, or run with engine: local and without --nproc"
            )
            raise ConfigError(msg, key=f"methods.{i}.params.{bad[0]}")


def _columns(k: int) -> list[str]:
    # plain names: StreamSource reads its features as expressions, and a feature such as
    # 'Jet_pt[0]' would be parsed as an index into a column 'Jet_pt'
    return [f"f{j}" for j in range(k)]


def write_shard(
    X: NDArray[np.float32], y: NDArray[Any], w: NDArray[np.float64], stem: Path
) -> list[tuple[int, str]]:
    """Write the events of each class to ``<stem>-c<label>.parquet``; return (label, path)."""
    from neyman.data import write_table

    out = []
    for c in (0, 1):
        m = y == c
        if not m.any():
            continue
        frame = pd.DataFrame(X[m], columns=_columns(X.shape[1]))
        frame["w"] = w[m]
        path = stem.parent / f"{stem.name}-c{c}.parquet"
        write_table(frame, path)
        out.append((c, str(path)))
    return out


def shard_source(shards: Sequence[tuple[int, str]], k: int, seed: int) -> Any:
    """A seeded :class:`~neyman.data.stream.StreamSource` over shards of :func:`write_shard`."""
    from neyman.data.stream import StreamSource

    files: dict[int, list[str]] = {0: [], 1: []}
    for c, p in shards:
        files[c].append(p)
    return StreamSource(
        files,
        _columns(k),
        weight="w",
        chunk_rows=50_000,
        buffer_rows=STREAM_ROWS,
        block_rows=STREAM_ROWS,
        seed=seed,
    )


class LocalEngine:
    """One process (``engine: local``, the default).

    Parameters
    ----------
    scratch : path, optional
        Directory for training shards of scale-out subclasses (removed by :meth:`close`);
        :meth:`Study.run <neyman.study.run.Study.run>` sets it under the output's temporary
        directory.
    """

    def __init__(self, scratch: Path | None = None) -> None:
        self.scratch = scratch

    def describe(self) -> str:
        """Where the study ran, for ``metrics.json`` (``info.engine``)."""
        return "local"

    def read(self, path: Any, features: Sequence[str], **kw: Any) -> Events:
        """Read one source (a file, glob or list) with the model pipeline's reader."""
        return read_events(path, features, **kw)

    def bind(self, data: Any, idx: list[NDArray[np.intp]], prepared: Prepared) -> None:
        """Learn where each event went (nothing to do in one process)."""

    def fit(
        self, estimator: Any, m: MethodConfig, prepared: Prepared, *, validation_weights: bool
    ) -> tuple[Any, float]:
        """Fit as :func:`neyman.study.methods.fit_method` (returns it and the seconds)."""
        return fit_method(estimator, m, prepared, validation_weights=validation_weights)

    def folder(self, name: str) -> Path:
        """A scratch folder for one method's shards (created)."""
        if self.scratch is None:
            self.scratch = Path(tempfile.mkdtemp(prefix="neyman-shards-"))
        folder = self.scratch / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def score(self, estimator: Any, m: MethodConfig, prepared: Prepared) -> MethodScores:
        """Score the training and test events (:func:`neyman.study.methods.score_method`)."""
        return score_method(estimator, m, prepared)

    def close(self) -> None:
        """Remove the shards."""
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
