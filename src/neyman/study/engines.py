"""Where a study reads its files and trains its scalable methods: here, on DDP ranks, on Dask.

:class:`Study <neyman.study.run.Study>` calls an engine for four things: read one source
(:meth:`LocalEngine.read`), learn the split and weights (:meth:`LocalEngine.bind`), fit a
method (:meth:`LocalEngine.fit`) and score it (:meth:`LocalEngine.score`). Everything else
(split, standardiser, weight policy, evaluation, report) is the study's one code path, so
both engines write the same report and model directories.

* :class:`LocalEngine` (``engine: local``): one process; with ``nproc`` > 1 (``neyman study
  --nproc N`` or ``torchrun``) the MLPs train with :func:`neyman.scale.ddp.fit_ddp`, each
  rank streaming its own shard of the training events.
* :class:`DaskEngine` (``engine: dask``, ``--scheduler local:N | tcp://HOST:PORT``): every
  input file is read by a Dask task with the model pipeline's reader (feature expressions,
  selection and missing-value policy per file; one partition per file). The events are
  gathered once on the client (the split, the methods without a distributed trainer and
  the report's input distributions need them) and stay on the workers, where they are
  standardised and weighted per partition. BDTs train with ``xgboost.dask`` (the
  in-memory BDT's parameters, :meth:`BDTClassifier._booster_params`), MLPs from a
  :class:`~neyman.data.stream.StreamSource` over training shards the workers write (or
  with DDP under ``nproc``), and every method is scored on the workers' partitions; only
  scores come back. Workers and client must share the output's filesystem (the shards are
  written under the output's temporary directory and removed before it is committed).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from neyman.errors import ConfigError, DataError
from neyman.models.pipeline import Events, read_events, standardise
from neyman.study.config import MethodConfig, StudyConfig
from neyman.study.methods import MethodScores, Prepared, fit_method, score_method

__all__ = [
    "STREAM_ROWS",
    "DaskEngine",
    "LocalEngine",
    "check_streamable",
    "study_engine",
    "torchrun_world",
    "train_as_rank",
]

#: events per shuffled block when an MLP streams its training shards (bounds memory)
STREAM_ROWS = 200_000


def torchrun_world() -> tuple[int, int] | None:
    """``(rank, world)`` when launched by ``torchrun`` (``RANK``/``WORLD_SIZE`` set), else None."""
    if "WORLD_SIZE" in os.environ and "RANK" in os.environ:
        return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    return None


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


def _write_shard(
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


def _shard_source(shards: Sequence[tuple[int, str]], k: int, seed: int) -> Any:
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


def _fit_mlp_stream(
    estimator: Any, shards: Sequence[tuple[int, str]], k: int, seed: int, nproc: int
) -> Any:
    """Train an MLP from shard files: streamed in this process, or DDP over ``nproc`` ranks."""
    src = _shard_source(shards, k, seed)
    if nproc > 1:
        from neyman.scale.ddp import fit_ddp

        return fit_ddp(estimator, src, nproc=nproc)
    return estimator.fit_stream(src)


class LocalEngine:
    """One process (the default), with DDP ranks for the MLPs when ``nproc`` > 1.

    Parameters
    ----------
    nproc : int
        Processes for MLP training (:func:`neyman.scale.ddp.fit_ddp`); under ``torchrun``
        the launcher's world size.
    scratch : path, optional
        Directory for the training shards the ranks read (removed by :meth:`close`).
    """

    def __init__(self, nproc: int = 1, scratch: Path | None = None) -> None:
        self.nproc = nproc
        self.scratch = scratch

    def describe(self) -> str:
        """Where the study ran, for ``metrics.json`` (``info.engine``)."""
        return "local" if self.nproc <= 1 else f"local, MLPs with DDP on {self.nproc} processes"

    def read(self, path: Any, features: Sequence[str], **kw: Any) -> Events:
        """Read one source (a file, glob or list) with the model pipeline's reader."""
        return read_events(path, features, **kw)

    def bind(self, data: Any, idx: list[NDArray[np.intp]], prepared: Prepared) -> None:
        """Learn where each event went (nothing to do in one process)."""

    def fit(
        self, estimator: Any, m: MethodConfig, prepared: Prepared, *, validation_weights: bool
    ) -> tuple[Any, float]:
        """Fit as :func:`neyman.study.methods.fit_method`; DDP for MLPs when ``nproc`` > 1."""
        if self.nproc <= 1 or m.class_name != "MLPClassifier":
            return fit_method(estimator, m, prepared, validation_weights=validation_weights)
        t0 = time.perf_counter()
        train = prepared.train if m.features is None else prepared.train.select(m.features)
        y, w = np.asarray(train.y), np.asarray(train.weight)
        shards: list[tuple[int, str]] = []
        folder = self._folder(m.name)
        for c in (0, 1):  # each rank gets a file of each class (StreamSource.shard)
            rows = np.flatnonzero(y == c)
            for r, part in enumerate(np.array_split(rows, self.nproc)):
                stem = folder / f"rank{r}"
                shards += [s for s in _write_shard(train.X[part], y[part], w[part], stem)]
        seed = int(estimator.random_state or 0)
        est = _fit_mlp_stream(estimator, shards, train.n_features, seed, self.nproc)
        return est, time.perf_counter() - t0

    def _folder(self, name: str) -> Path:
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


# ---------------------------------------------------------------------------- on workers
def _prepare_piece(
    ev: Events,
    part: NDArray[np.int8],
    y: NDArray[np.int64],
    w: NDArray[np.float64],
    mean: NDArray[np.float64],
    scale: NDArray[np.float64],
) -> dict[str, Any]:
    """One file's events, standardised with the study's arithmetic, with part, label, weight."""
    X = standardise(ev.values.to_numpy(np.float64), mean, scale)
    return {"X": X, "part": part, "y": y, "w": w}


def _take(piece: dict[str, Any], part: int, what: str, cols: list[int]) -> NDArray[Any]:
    m = piece["part"] == part
    if what == "X":
        out: NDArray[Any] = np.ascontiguousarray(piece["X"][m][:, cols])
        return out
    return np.asarray(piece[what][m])


def _shard_piece(piece: dict[str, Any], stem: str, cols: list[int]) -> list[tuple[int, str]]:
    m = piece["part"] == 0
    return _write_shard(piece["X"][m][:, cols], piece["y"][m], piece["w"][m], Path(stem))


def _score_piece(piece: dict[str, Any], estimator: Any, cols: list[int]) -> NDArray[np.float64]:
    """Scores of the training and test events of one partition (NaN for validation)."""
    from neyman.study.methods import score_of

    out = np.full(len(piece["part"]), np.nan)
    m = piece["part"] != 1
    if m.any():
        out[m] = score_of(estimator, piece["X"][m][:, cols])
    return out


class DaskEngine(LocalEngine):
    """Read, train (BDT: ``xgboost.dask``; MLP: streamed shards or DDP) and score on Dask.

    Parameters
    ----------
    client : distributed.Client
    nproc : int
        DDP ranks for the MLPs (1: streamed in the client process).
    scratch : path
        Shared directory for the MLP training shards (removed by :meth:`close`).
    """

    def __init__(self, client: Any, nproc: int = 1, scratch: Path | None = None) -> None:
        super().__init__(nproc, scratch)
        self.client = client
        self.files: list[Any] = []  # one future (Events) per file, in the study's row order
        self.sizes: list[int] = []
        self.pieces: list[Any] = []
        self.counts: list[list[int]] = []
        self._rows: list[NDArray[np.intp]] = []

    def describe(self) -> str:
        """Where the study ran, for ``metrics.json`` (``info.engine``)."""
        workers = len(self.client.scheduler_info().get("workers", {}))
        ddp = f", MLPs with DDP on {self.nproc} processes" if self.nproc > 1 else ""
        return f"dask, {workers} workers{ddp}"

    def read(self, path: Any, features: Sequence[str], **kw: Any) -> Events:
        """Read every file of one source as a Dask task; concatenate like ``read_events``."""
        from neyman.data.io import expand_paths

        files = [str(f) for f in expand_paths(path)]
        futures = self.client.map(read_events, files, features=list(features), pure=False, **kw)
        parts: list[Events] = self.client.gather(futures)
        self.files += futures
        self.sizes += [len(p.values) for p in parts]
        offsets = np.cumsum([0] + [p.n_read for p in parts[:-1]])
        return Events(
            pd.concat([p.values for p in parts], ignore_index=True),
            pd.concat([p.extra for p in parts], ignore_index=True),
            np.concatenate([p.entry + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([p.selected for p in parts]),
            int(sum(p.n_read for p in parts)),
        )

    def bind(self, data: Any, idx: list[NDArray[np.intp]], prepared: Prepared) -> None:
        """Send each partition its events' part (train/val/test), label and policy weight."""
        n = int(sum(self.sizes))
        part = np.empty(n, np.int8)
        weight = np.empty(n)
        for k, (rows, ds) in enumerate(
            zip(idx, (prepared.train, prepared.val, prepared.test), strict=True)
        ):
            part[rows] = k
            weight[rows] = np.asarray(ds.weight)
        y = np.asarray(data.ds.y, dtype=np.int64)
        self._rows = idx  # to put the gathered scores in the order of the study's parts
        bounds = np.cumsum([0, *self.sizes])
        self.pieces = [
            self.client.submit(
                _prepare_piece,
                f,
                part[a:b],
                y[a:b],
                weight[a:b],
                prepared.mean,
                prepared.scale,
                pure=False,
            )
            for f, a, b in zip(self.files, bounds[:-1], bounds[1:], strict=True)
        ]
        self.counts = [
            [int((part[a:b] == k).sum()) for k in range(3)]
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        self.files = []  # the scheduler keeps each read until its piece is built, then frees it

    def _cols(self, m: MethodConfig, prepared: Prepared) -> list[int]:
        names = list(prepared.train.feature_names or [])
        return (
            list(range(len(names))) if m.features is None else [names.index(f) for f in m.features]
        )

    def _array(self, part: int, what: str, cols: list[int]) -> Any:
        """A dask array of one part's ``X`` (n, k), ``y`` or ``w`` (n,) over the partitions."""
        import dask.array as da
        from dask.delayed import delayed

        dtype = {"X": np.float32, "y": np.int64, "w": np.float64}[what]
        blocks = [
            da.from_delayed(  # type: ignore[no-untyped-call]
                delayed(_take)(p, part, what, cols),
                shape=(c[part], len(cols)) if what == "X" else (c[part],),
                dtype=dtype,
            )
            for p, c in zip(self.pieces, self.counts, strict=True)
            if c[part]
        ]
        return da.concatenate(blocks)  # type: ignore[no-untyped-call]

    def fit(
        self, estimator: Any, m: MethodConfig, prepared: Prepared, *, validation_weights: bool
    ) -> tuple[Any, float]:
        """BDT with ``xgboost.dask``, MLP from worker-written shards; others as locally."""
        if m.class_name == "BDTClassifier":
            t0 = time.perf_counter()
            est = self._fit_bdt(estimator, m, prepared, validation_weights)
            return est, time.perf_counter() - t0
        if m.class_name != "MLPClassifier":
            return fit_method(estimator, m, prepared, validation_weights=validation_weights)
        t0 = time.perf_counter()
        cols = self._cols(m, prepared)
        folder = self._folder(m.name)
        stems = [str(folder / f"part{i:05d}") for i in range(len(self.pieces))]
        futures = self.client.map(_shard_piece, self.pieces, stems, cols=cols, pure=False)
        shards = [s for written in self.client.gather(futures) for s in written]
        seed = int(estimator.random_state or 0)
        est = _fit_mlp_stream(estimator, shards, len(cols), seed, self.nproc)
        return est, time.perf_counter() - t0

    def _fit_bdt(
        self, est: Any, m: MethodConfig, prepared: Prepared, validation_weights: bool
    ) -> Any:
        from xgboost import dask as dxgb

        from neyman.models.base import random_seed
        from neyman.models.bdt import _XGB_DTYPES

        cols = self._cols(m, prepared)
        est._check_params()
        for part in (prepared.train, prepared.val):
            n_neg = int((np.asarray(part.weight) < 0).sum())
            if n_neg:  # the in-memory BDT carries them in a custom objective; xgboost.dask cannot
                msg = (
                    f"method '{m.name}': {n_neg} negative policy weights; xgboost.dask takes "
                    "none: set data.negative_weights to 'drop' or 'abs', or use engine: local"
                )
                raise DataError(msg, key="data.negative_weights", value=n_neg)
        # the same set-up as BDTClassifier.fit: feature count and classes from the data
        yc = est._check_X(
            np.zeros((2, len(cols)), np.float32),
            reset=True,
            y=np.array([0, 1]),
            multi_output=False,
            dtype=_XGB_DTYPES,
        )[1]
        est._encode(yc, fitting=True)
        params, device = est._booster_params(random_seed(est.random_state), 2)
        del params["nthread"]  # each worker boosts with its own threads
        dtrain = dxgb.DaskDMatrix(
            self.client,
            self._array(0, "X", cols),
            self._array(0, "y", cols),
            weight=self._array(0, "w", cols),
        )
        evals = []
        if sum(c[1] for c in self.counts):
            wv = self._array(1, "w", cols) if validation_weights else None
            dval = dxgb.DaskDMatrix(
                self.client, self._array(1, "X", cols), self._array(1, "y", cols), weight=wv
            )
            evals = [(dval, "validation")]
        elif est.early_stopping_rounds is not None:
            msg = (
                f"method '{m.name}': early_stopping_rounds needs validation events (split.val > 0)"
            )
            raise ConfigError(msg, key="split.val")
        out = dxgb.train(
            self.client,
            params,
            dtrain,
            num_boost_round=est.n_estimators,
            evals=evals,
            early_stopping_rounds=est.early_stopping_rounds if evals else None,
            verbose_eval=False,
        )
        booster = out["booster"]
        est.booster_ = booster
        est.best_iteration_ = (
            int(booster.best_iteration)
            if est.early_stopping_rounds is not None and evals
            else est.n_estimators - 1
        )
        est.evals_result_ = {
            name: {metric: [float(v) for v in values] for metric, values in curves.items()}
            for name, curves in out["history"].items()
        }
        est.device_ = device
        return est

    def score(self, estimator: Any, m: MethodConfig, prepared: Prepared) -> MethodScores:
        """Score every partition on its worker; gather the scores (one float per event)."""
        cols = self._cols(m, prepared)
        t0 = time.perf_counter()
        [remote] = self.client.scatter([estimator], broadcast=True)
        futures = self.client.map(
            _score_piece, self.pieces, estimator=remote, cols=cols, pure=False
        )
        full = np.concatenate(self.client.gather(futures))
        seconds = time.perf_counter() - t0
        return MethodScores(full[self._rows[0]], full[self._rows[2]], seconds)

    def close(self) -> None:
        """Release the partitions and remove the shards."""
        self.pieces = []
        self.files = []
        super().close()


@contextmanager
def study_engine(
    study: Any, scratch: Path, scheduler: str | None = None, nproc: int = 1
) -> Iterator[LocalEngine]:
    """Set ``study.engine`` for one run; close it (and any Dask cluster it started) after.

    ``scheduler`` or the config's ``engine: dask`` choose :class:`DaskEngine` (``local:2``
    when no scheduler is given); otherwise :class:`LocalEngine`. Under ``torchrun`` the
    launcher's world size replaces ``nproc``. The settings are checked first
    (:func:`check_streamable`), before any file is read.
    """
    world = torchrun_world()
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        msg = f"nproc must be an integer >= 1; got {nproc!r}"
        raise ConfigError(msg, key="nproc", value=str(nproc))
    nproc = nproc if world is None else world[1]
    dask = scheduler is not None or study.config.engine == "dask"
    if dask and world is not None:
        msg = "engine: dask does not run under torchrun; use --scheduler or torchrun, not both"
        raise ConfigError(msg, key="engine", value="dask")
    check_streamable(study.config, ddp=nproc > 1, dask=dask)
    if not dask:
        engine = LocalEngine(nproc, scratch)
        study.engine = engine
        try:
            yield engine
        finally:
            engine.close()
            study.engine = LocalEngine()
        return
    from neyman.scale.dask import dask_client

    with dask_client(scheduler or "local:2") as client:
        engine = DaskEngine(client, nproc, scratch)
        study.engine = engine
        try:
            yield engine
        finally:
            engine.close()
            study.engine = LocalEngine()


def train_as_rank(study: Any, *, use_cache: bool = True) -> None:
    """A ``torchrun`` rank other than 0: join the study's DDP MLP trainings, write nothing.

    Every rank reads the same events and draws the same split (same files, same seed), so
    each writes the same training shards to its own temporary directory and reads its own
    shard of them; rank 0 (:meth:`Study.run <neyman.study.run.Study.run>`) writes the report.
    """
    from neyman.study.methods import build_estimator

    cfg = study.config
    with (
        tempfile.TemporaryDirectory(prefix="neyman-rank-") as tmp,
        study_engine(study, Path(tmp)) as engine,
    ):
        data = study.load_events(use_cache=use_cache)
        data.ds.require_classes(2)
        prepared, _ = study.prepare(data.ds.check_finite())
        for m in cfg.methods:
            if m.class_name == "MLPClassifier":
                engine.fit(build_estimator(m, cfg), m, prepared, validation_weights=True)
