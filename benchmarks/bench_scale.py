"""Scale-out: events/s per worker for reading, BDT and MLP training and scoring, 1 and 2 workers.

Data: HIGGS-like events (28 float32 features) in Parquet files, half signal, half background
(one class per file). Workers:

- reading: ``read_table`` of every file in one process (1), or the files spread as Dask
  tasks over a 2-process ``LocalCluster`` (2); the cluster is started before the clock.
- BDT: ``BDTClassifier(100, max_depth=3)`` in memory with ``n_jobs`` = 1 or 2 threads, and
  the external-memory ``fit_stream`` with 1 thread.
- MLP: one epoch of a 28-64-64-1 MLP with ``neyman.scale.ddp.fit_ddp`` on 1 or 2 processes
  (global batch 512; process start and the gloo set-up are inside the clock).
- scoring: ``neyman.scale.dask.apply_files`` with the BDT on a ``LocalCluster`` of 1 or 2
  processes (cluster started before the clock; reading and writing Parquet included).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import Report
from benchmarks._data import higgs_like


def _files(tmp: Path, n_files: int, n_per_file: int) -> tuple[str, str, int]:
    for i in range(n_files):
        X, y = higgs_like(2 * n_per_file, seed=200 + i)
        df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
        df["event"] = np.arange(len(df)) + i * 10_000_000
        df[y == 1].to_parquet(tmp / f"sig_{i:03d}.parquet", index=False)
        df[y == 0].to_parquet(tmp / f"bkg_{i:03d}.parquet", index=False)
    return str(tmp / "bkg_*.parquet"), str(tmp / "sig_*.parquet"), 2 * n_files * n_per_file


def _count(path: str) -> int:
    from neyman.data import read_table

    return len(read_table(path, [f"f{j}" for j in range(28)]))


def main(quick: bool = False) -> Report:
    from neyman.data import expand_paths, read_table
    from neyman.data.stream import StreamSource
    from neyman.models import BDTClassifier, MLPClassifier
    from neyman.models.pipeline import Pipeline
    from neyman.scale.dask import apply_files, dask_client
    from neyman.scale.ddp import fit_ddp

    n_files, per_file = (4, 25_000) if quick else (8, 50_000)
    feats = [f"f{j}" for j in range(28)]
    rep = Report(f"Scale-out: events/s per worker, {2 * n_files} Parquet files x 28 features")
    with tempfile.TemporaryDirectory(prefix="neyman-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "in").mkdir()
        bkg, sig, n = _files(tmp / "in", n_files, per_file)
        files = [str(p) for p in expand_paths([bkg, sig])]

        t0 = time.perf_counter()
        total = sum(_count(f) for f in files)
        dt = time.perf_counter() - t0
        rep.add(f"read {total:,} events, 1 worker", total / dt, ",.0f", unit=" ev/s/worker")
        with dask_client("local:2") as client:
            client.gather(client.map(_count, files[:2], pure=False))  # warm the workers
            t0 = time.perf_counter()
            total2 = sum(client.gather(client.map(_count, files, pure=False)))
            dt = time.perf_counter() - t0
        rep.add(f"read {total2:,} events, 2 workers", total2 / dt / 2, ",.0f", unit=" ev/s/worker")

        df = read_table(files, [*feats])
        y = np.r_[
            np.zeros(sum(_count(f) for f in expand_paths(bkg))),
            np.ones(sum(_count(f) for f in expand_paths(sig))),
        ].astype(int)
        X = df[feats].to_numpy(np.float32)
        for jobs in (1, 2):
            t0 = time.perf_counter()
            bdt = BDTClassifier(100, max_depth=3, n_jobs=jobs, random_state=0).fit(X, y)
            dt = time.perf_counter() - t0
            rep.add(f"BDT in memory, {jobs} thread(s)", n / dt / jobs, ",.0f", unit=" ev/s/worker")
        src = StreamSource({0: bkg, 1: sig}, feats, chunk_rows=50_000, buffer_rows=100_000)
        t0 = time.perf_counter()
        BDTClassifier(100, max_depth=3, n_jobs=1, random_state=0).fit_stream(
            src, cache_dir=tmp / "xgb"
        )
        dt = time.perf_counter() - t0
        rep.add("BDT external memory, 1 thread", n / dt, ",.0f", unit=" ev/s/worker")

        src.mean, src.scale = src.moments()
        for nproc in (1, 2):
            clf = MLPClassifier((64, 64), batch_size=512, lr=1e-3, random_state=0, verbose=0)
            t0 = time.perf_counter()
            fit_ddp(clf, src, nproc=nproc, epochs=1)
            dt = time.perf_counter() - t0
            rep.add(
                f"MLP 1 epoch DDP, {nproc} process(es)", n / dt / nproc, ",.0f", unit=" ev/s/worker"
            )

        pipe = Pipeline(feats, bdt, mean=np.zeros(28), scale=np.ones(28))
        model = pipe.save(tmp / "model")
        for workers in (1, 2):
            out = tmp / f"scored{workers}"
            with dask_client(f"local:{workers}") as client:
                t0 = time.perf_counter()
                apply_files(model, files, out, client=client)
                dt = time.perf_counter() - t0
            rep.add(
                f"score (apply_files), {workers} worker(s)",
                n / dt / workers,
                ",.0f",
                unit=" ev/s/worker",
            )
    return rep
