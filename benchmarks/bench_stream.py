"""Issue 17's acceptance: memory of streamed training, and its accuracy against in memory.

1. 10,000,000 x 28 float32 events in 20 Parquet files (10 per class), written file by
   file (never whole in memory). A fresh process trains one epoch of a 28-64-64-1 MLP with
   ``MLPClassifier.fit_stream`` over a :class:`~neyman.data.stream.StreamSource` of the 20
   files; another boosts a BDT with ``BDTClassifier.fit_stream`` (XGBoost external memory,
   pages in a cache directory). Each reports its peak RSS (``VmHWM`` of
   ``/proc/self/status``: ``ru_maxrss`` would keep the forking parent's high-water mark).
   Targets: MLP < 1.5 GB, BDT < 2 GB.
2. At 2,000,000 events (20 files), where both fit in memory, the streamed MLP and the
   external-memory BDT against the same models trained in memory (``fit``) with the same
   hyperparameters and seed, on 200,000 held-out events. Target: |AUC difference| < 0.002.

``--quick``: 500,000 and 200,000 events (held-out 50,000), the same code and targets, in
minutes on a shared machine; the memory figures then say little about 10^7.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._common import Report
from benchmarks._data import higgs_like

N_FILES = 20
WRITE_ROWS = 500_000  # events generated at a time while writing

_CHILD = """
import json, sys, time
import numpy as np

def peak_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024

from neyman.data.stream import StreamSource
from neyman.models import BDTClassifier, MLPClassifier

what, folder, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = 28
feats = [f"f{j}" for j in range(d)]
MLP = dict(hidden=(64, 64), batch_size=1024, lr=1e-3, random_state=0, verbose=0, epochs=epochs)
BDT = dict(n_estimators=100, max_depth=4, random_state=0, n_threads=1)
src = StreamSource({0: folder + "/c0_*.parquet", 1: folder + "/c1_*.parquet"}, feats,
                   chunk_rows=50_000, buffer_rows=200_000, block_rows=50_000, seed=0)
out = {}
t0 = time.perf_counter()
if what in ("mlp", "mlp-parity"):
    src.mean, src.scale = src.moments()
    mlp = MLPClassifier(**MLP).fit_stream(src)
    out["seconds"] = time.perf_counter() - t0
    out["rss"] = peak_mb()
if what == "bdt":
    bdt = BDTClassifier(**BDT).fit_stream(src, cache_dir=sys.argv[4])
    out["seconds"] = time.perf_counter() - t0
    out["rss"] = peak_mb()
if what.endswith("parity"):
    from sklearn.metrics import roc_auc_score
    from neyman.data import read_table
    def load(pattern_0, pattern_1):
        a, b = read_table(pattern_0, feats), read_table(pattern_1, feats)
        X = np.concatenate([a.to_numpy(np.float32), b.to_numpy(np.float32)])
        return X, np.r_[np.zeros(len(a), int), np.ones(len(b), int)]
    X, y = load(folder + "/c0_*.parquet", folder + "/c1_*.parquet")
    Xt, yt = load(folder + "/test/c0_*.parquet", folder + "/test/c1_*.parquet")
    std = lambda A: ((A - src.mean) / src.scale).astype(np.float32)
    auc = lambda m, A: float(roc_auc_score(yt, m.predict_proba(A)[:, 1]))
    mem = MLPClassifier(**MLP).fit(std(X), y)
    out["mlp_stream"], out["mlp_memory"] = auc(mlp, std(Xt)), auc(mem, std(Xt))
    bdt_s = BDTClassifier(**BDT).fit_stream(src, cache_dir=sys.argv[4])
    bdt_m = BDTClassifier(**BDT).fit(X, y)
    out["bdt_stream"], out["bdt_memory"] = auc(bdt_s, Xt), auc(bdt_m, Xt)
print(json.dumps(out))
"""


def write_files(folder: Path, n: int, seed: int) -> None:
    """``n`` HIGGS-like events in ``N_FILES`` Parquet files, one class per file."""
    folder.mkdir(parents=True, exist_ok=True)
    per_pair = n // (N_FILES // 2)
    for i in range(N_FILES // 2):
        writers: dict[int, pq.ParquetWriter] = {}
        for k in range(0, per_pair, WRITE_ROWS):
            X, y = higgs_like(min(WRITE_ROWS, per_pair - k), seed=seed + 1000 * i + k)
            for c in (0, 1):
                m = y == c
                table = pa.table({f"f{j}": X[m, j] for j in range(X.shape[1])})
                if c not in writers:
                    writers[c] = pq.ParquetWriter(folder / f"c{c}_{i:02d}.parquet", table.schema)
                writers[c].write_table(table, row_group_size=50_000)
        for w in writers.values():
            w.close()


def _child(what: str, folder: Path, epochs: int, cache: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, what, str(folder), str(epochs), str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(quick: bool = False) -> Report:
    n_big, n_par, n_test = (500_000, 200_000, 50_000) if quick else (10**7, 2 * 10**6, 200_000)
    rep = Report(
        f"Streaming: {n_big:,} x 28 events in {N_FILES} Parquet files (memory); "
        f"{n_par:,} (AUC against in memory, {n_test:,} held out)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        big, par = Path(tmp) / "big", Path(tmp) / "parity"
        t0 = time.perf_counter()
        write_files(big, n_big, seed=100)
        rep.add("writing the files", time.perf_counter() - t0, ".1f", unit=" s")
        mlp = _child("mlp", big, 1, Path(tmp) / "cache-mlp")
        rep.add(
            "MLP 28-64-64-1: moments pass + one epoch (fit_stream)",
            mlp["seconds"],
            ".1f",
            unit=" s",
        )
        rep.add("MLP: peak RSS of the process", mlp["rss"], ".0f", 1500, higher=False, unit=" MB")
        bdt = _child("bdt", big, 1, Path(tmp) / "cache-bdt")
        rep.add("BDT 100 trees depth 4 (external memory)", bdt["seconds"], ".1f", unit=" s")
        rep.add("BDT: peak RSS of the process", bdt["rss"], ".0f", 2000, higher=False, unit=" MB")
        for sub in big.glob("*"):
            sub.unlink()
        write_files(par, n_par, seed=200)
        write_files(par / "test", n_test, seed=300)
        epochs = 3 if quick else 2
        got = _child("mlp-parity", par, epochs, Path(tmp) / "cache-parity")
    for name in ("mlp", "bdt"):
        rep.add(f"{name.upper()} AUC, in memory", got[f"{name}_memory"], ".4f")
        rep.add(f"{name.upper()} AUC, streamed", got[f"{name}_stream"], ".4f")
        diff = abs(got[f"{name}_stream"] - got[f"{name}_memory"])
        rep.add(f"{name.upper()} |AUC difference|", diff, ".4f", 0.002, higher=False)
    return rep


if __name__ == "__main__":
    main(quick="--quick" in sys.argv).print()
