"""Scale-out study engines: MLPs with DDP (``--nproc``, ``torchrun``) and ``engine: dask``.

Read :mod:`neyman.study.engines` first (the interface and the one-process engine).

* :class:`DDPEngine` (``neyman study --nproc N`` or under ``torchrun``): the study's MLPs
  train with :func:`neyman.scale.ddp.fit_ddp`, each rank streaming its own shard of the
  training events (a file of each class per rank); other methods as locally.
* :class:`DaskEngine` (``engine: dask``, ``--scheduler local:N | tcp://HOST:PORT``): every
  input file is read by a Dask task with the model pipeline's reader (feature expressions,
  selection and missing-value policy per file; one partition per file). The events are
  gathered once on the client (the split, the methods without a distributed trainer and
  the report's input distributions need them) and stay on the workers, where they are
  standardised and weighted per partition. BDTs train with ``xgboost.dask`` (the
  in-memory BDT's parameters, ``BDTClassifier._booster_params``), MLPs from a
  :class:`~neyman.data.stream.StreamSource` over training shards the workers write (or
  with DDP under ``nproc``), and every method is scored on the workers' partitions; only
  scores come back. Workers and client must share the output's filesystem (the shards are
  written under the output's temporary directory and removed before it is committed).

:func:`run_study` picks the engine and runs the study; the CLI calls it.
"""

from __future__ import annotations

import os
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
from neyman.study.engines import LocalEngine, check_streamable, shard_source, write_shard
from neyman.study.methods import MethodScores, Prepared, fit_method

__all__ = [
    "DDPEngine",
    "DaskEngine",
    "run_study",
    "study_engine",
    "torchrun_world",
    "train_as_rank",
]


def torchrun_world() -> tuple[int, int] | None:
    """``(rank, world)`` when launched by ``torchrun`` (``RANK``/``WORLD_SIZE`` set), else None."""
    if "WORLD_SIZE" in os.environ and "RANK" in os.environ:
        return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    return None


def _fit_mlp_stream(
    estimator: Any, shards: Sequence[tuple[int, str]], k: int, seed: int, nproc: int
) -> Any:
    """Train an MLP from shard files: streamed in this process, or DDP over ``nproc`` ranks."""
    src = shard_source(shards, k, seed)
    if nproc > 1:
        from neyman.scale.ddp import fit_ddp

        return fit_ddp(estimator, src, nproc=nproc)
    return estimator.fit_stream(src)


class DDPEngine(LocalEngine):
    """One process for everything but the MLPs, which train with DDP on ``nproc`` ranks.

    Parameters
    ----------
    nproc : int
        Processes for MLP training (:func:`neyman.scale.ddp.fit_ddp`); under ``torchrun``
        the launcher's world size. 1 streams the shards in this process.
    scratch : path, optional
        Directory for the training shards the ranks read (removed by :meth:`close`).
    """

    def __init__(self, nproc: int = 1, scratch: Path | None = None) -> None:
        super().__init__(scratch)
        self.nproc = nproc

    def describe(self) -> str:
        """Where the study ran, for ``metrics.json`` (``info.engine``)."""
        return "local" if self.nproc <= 1 else f"local, MLPs with DDP on {self.nproc} processes"

    def fit(
        self, estimator: Any, m: MethodConfig, prepared: Prepared, *, validation_weights: bool
    ) -> tuple[Any, float]:
        """MLPs with DDP from per-rank shards of the training events; others as locally."""
        if self.nproc <= 1 or m.class_name != "MLPClassifier":
            return fit_method(estimator, m, prepared, validation_weights=validation_weights)
        t0 = time.perf_counter()
        train = prepared.train if m.features is None else prepared.train.select(m.features)
        y, w = np.asarray(train.y), np.asarray(train.weight)
        shards: list[tuple[int, str]] = []
        folder = self.folder(m.name)
        for c in (0, 1):  # each rank gets a file of each class (StreamSource.shard)
            rows = np.flatnonzero(y == c)
            for r, part in enumerate(np.array_split(rows, self.nproc)):
                shards += write_shard(train.X[part], y[part], w[part], folder / f"rank{r}")
        seed = int(estimator.random_state or 0)
        est = _fit_mlp_stream(estimator, shards, train.n_features, seed, self.nproc)
        return est, time.perf_counter() - t0


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
    return write_shard(piece["X"][m][:, cols], piece["y"][m], piece["w"][m], Path(stem))


def _score_piece(piece: dict[str, Any], estimator: Any, cols: list[int]) -> NDArray[np.float64]:
    """Scores of the training and test events of one partition (NaN for validation)."""
    from neyman.study.methods import score_of

    out = np.full(len(piece["part"]), np.nan)
    m = piece["part"] != 1
    if m.any():
        out[m] = score_of(estimator, piece["X"][m][:, cols])
    return out


class DaskEngine(DDPEngine):
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
        several = len(files) > 1
        return Events(
            pd.concat([p.values for p in parts], ignore_index=True),
            pd.concat([p.extra for p in parts], ignore_index=True),
            np.concatenate([p.entry + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([p.selected for p in parts]),
            int(sum(p.n_read for p in parts)),
            tuple(files) if several else (),
            np.concatenate([np.full(len(p.entry), k, np.int64) for k, p in enumerate(parts)])
            if several
            else None,
            np.concatenate([p.entry for p in parts]) if several else None,
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
        folder = self.folder(m.name)
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
        return est._keep_booster(
            out["booster"], out["history"], validated=bool(evals), device=device
        )

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
    cfg: StudyConfig, scheduler: str | None = None, nproc: int = 1
) -> Iterator[LocalEngine]:
    """The engine for one run of a study; closes it (and any Dask cluster it started) after.

    ``scheduler`` or the config's ``engine: dask`` choose :class:`DaskEngine` (``local:2``
    when no scheduler is given); ``nproc`` > 1 (or ``torchrun``, whose world size replaces
    ``nproc``) :class:`DDPEngine`; otherwise :class:`~neyman.study.engines.LocalEngine`.
    The settings are checked first (:func:`~neyman.study.engines.check_streamable`), before
    any file is read.
    """
    world = torchrun_world()
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        msg = f"nproc must be an integer >= 1; got {nproc!r}"
        raise ConfigError(msg, key="nproc", value=str(nproc))
    nproc = nproc if world is None else world[1]
    dask = scheduler is not None or cfg.engine == "dask"
    if dask and world is not None:
        msg = "engine: dask does not run under torchrun; use --scheduler or torchrun, not both"
        raise ConfigError(msg, key="engine", value="dask")
    check_streamable(cfg, ddp=nproc > 1, dask=dask)
    if not dask:
        engine = LocalEngine() if nproc == 1 else DDPEngine(nproc)
        try:
            yield engine
        finally:
            engine.close()
        return
    from neyman.scale.dask import dask_client

    with dask_client(scheduler or "local:2") as client:
        dengine = DaskEngine(client, nproc)
        try:
            yield dengine
        finally:
            dengine.close()


def run_study(
    study: Any, out: Path, *, scheduler: str | None = None, nproc: int = 1, **kw: Any
) -> Any:
    """Run ``study`` into ``out`` with the engine ``scheduler``/``nproc`` choose.

    Parameters
    ----------
    study : neyman.study.Study
    out : path
        Report directory (see :meth:`Study.run <neyman.study.run.Study.run>`).
    scheduler : str, optional
        ``"local:N"`` or ``"tcp://HOST:PORT"``: run with ``engine: dask``.
    nproc : int
        DDP processes for the MLPs (1: none).
    **kw
        Passed to :meth:`Study.run <neyman.study.run.Study.run>` (``console``,
        ``use_cache``, ``validation_weights``).

    Returns
    -------
    StudyResult
    """
    with study_engine(study.config, scheduler, nproc) as engine:
        return study.run(out, engine=engine, **kw)


def train_as_rank(study: Any, *, use_cache: bool = True) -> None:
    """A ``torchrun`` rank other than 0: join the study's DDP MLP trainings, write nothing.

    Every rank reads the same events and draws the same split (same files, same seed), so
    each writes the same training shards to its own temporary directory and reads its own
    shard of them; rank 0 (:func:`run_study`) writes the report.
    """
    from neyman.study.methods import build_estimator

    cfg = study.config
    with (
        tempfile.TemporaryDirectory(prefix="neyman-rank-") as tmp,
        study_engine(cfg) as engine,
    ):
        engine.scratch = Path(tmp)
        study.engine = engine
        data = study.load_events(use_cache=use_cache)
        data.ds.require_classes(2)
        prepared, _ = study.prepare(data.ds.check_finite())
        for m in cfg.methods:
            if m.class_name == "MLPClassifier":
                engine.fit(build_estimator(m, cfg), m, prepared, validation_weights=True)
