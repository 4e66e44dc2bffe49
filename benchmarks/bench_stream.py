"""Memory: one MLP epoch over a 10,000,000 x 28 Parquet file, streamed in chunks.

The file is written chunk by chunk (never whole in memory); a fresh process then trains a
28-64-64-1 MLP with ``iter_table`` -> ``partial_fit`` and reports its peak RSS.
Target: under 1.5 GB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._common import Report
from benchmarks._data import higgs_like

N_ROWS = 10_000_000
CHUNK = 500_000

_TRAIN = """
def peak_mb():
    # VmHWM of this process: ru_maxrss would keep the forking parent's high-water mark
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024

import sys, time
import numpy as np
from neyman.data import iter_table
from neyman.models import MLPClassifier
t0 = time.perf_counter()
clf = MLPClassifier((64, 64), batch_size=1024, lr=1e-3, random_state=0, verbose=0)
n = 0
for chunk in iter_table(sys.argv[1], chunk_rows=int(sys.argv[2])):
    y = chunk.pop("label").to_numpy()
    clf.partial_fit(chunk.to_numpy(np.float32), y, classes=[0, 1])
    n += len(y)
print(n, peak_mb(), time.perf_counter() - t0, clf.history_["loss"][-1])
"""


def main() -> Report:
    rep = Report(f"Streaming: one MLP epoch over {N_ROWS:,} x 28 Parquet in chunks of {CHUNK:,}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.parquet"
        t0 = time.perf_counter()
        writer = None
        for i in range(N_ROWS // CHUNK):
            X, y = higgs_like(CHUNK, seed=100 + i)
            cols = {f"f{j}": X[:, j] for j in range(X.shape[1])} | {"label": y}
            table = pa.table(cols)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=32_768)
        assert writer is not None
        writer.close()
        rep.add("writing the file", time.perf_counter() - t0, ".1f", unit=" s")
        out = subprocess.run(
            [sys.executable, "-c", _TRAIN, str(path), str(CHUNK)],
            capture_output=True,
            text=True,
            check=True,
        )
        n, rss, seconds, loss = out.stdout.split()
    assert int(n) == N_ROWS
    rep.add("events trained", float(n), ",.0f")
    rep.add("training time (one epoch)", float(seconds), ".1f", unit=" s")
    rep.add("final chunk loss", float(loss), ".4f")
    rep.add("peak RSS of the training process", float(rss), ".0f", 1500, higher=False, unit=" MB")
    return rep


if __name__ == "__main__":
    main().print()
