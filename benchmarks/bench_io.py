"""Reading 1,000,000 x 29 floats in every format, and bounded memory when streaming.

Ratios are against baselines measured in the same run: ``pandas.read_csv`` with defaults for
CSV. Peak RSS of :func:`neyman.data.iter_table` over a 2,000,000-row Parquet file is measured
in a fresh process (target: under 300 MB).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import Report, median_time
from neyman.data import read_table, write_table

N_ROWS = 1_000_000
N_COLS = 29

_RSS_SCRIPT = """
def peak_mb():
    # VmHWM of this process: ru_maxrss would keep the forking parent's high-water mark
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024

import sys
from neyman.data import iter_table
n = 0
for chunk in iter_table(sys.argv[1], chunk_rows=100_000):
    n += len(chunk)
print(n, peak_mb())
"""


def main() -> Report:
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        rng.normal(size=(N_ROWS, N_COLS)).astype(np.float64),
        columns=[f"f{i}" for i in range(N_COLS)],
    )
    rep = Report(f"I/O: reading {N_ROWS:,} x {N_COLS} floats")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        paths = {
            ext: write_table(df, d / f"t{ext}")
            for ext in (".csv", ".parquet", ".root", ".h5", ".npy")
        }
        # alternate the two readers so that both see the same machine state; medians of 5
        pandas_times, neyman_times = [], []
        for _ in range(5):
            pandas_times.append(median_time(lambda: pd.read_csv(paths[".csv"]), repeat=1))
            neyman_times.append(median_time(lambda: read_table(paths[".csv"]), repeat=1))
        t_pandas, t_csv = sorted(pandas_times)[2], sorted(neyman_times)[2]
        rep.add("pandas.read_csv (baseline)", t_pandas, ".3f", unit=" s")
        rep.add("neyman CSV", t_csv, ".3f", unit=" s")
        rep.add("neyman CSV speed vs pandas", t_pandas / t_csv, ".2f", 1.0, unit="x")
        for ext in (".parquet", ".root", ".h5"):
            rep.add(
                f"neyman {ext[1:]}",
                median_time(lambda e=ext: read_table(paths[e])),
                ".3f",
                unit=" s",
            )
        rep.add(
            "neyman npy",
            median_time(lambda: read_table(paths[".npy"], names=list(df.columns))),
            ".3f",
            unit=" s",
        )
        big = pd.concat([df, df], ignore_index=True)
        big_path = write_table(big, d / "big.parquet")
        del big
        out = subprocess.run(
            [sys.executable, "-c", _RSS_SCRIPT, str(big_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows, rss = out.stdout.split()
        assert int(rows) == 2 * N_ROWS
        rep.add(
            "iter_table peak RSS over 2,000,000-row Parquet",
            float(rss),
            ".0f",
            300,
            higher=False,
            unit=" MB",
        )
    return rep


if __name__ == "__main__":
    main().print()
